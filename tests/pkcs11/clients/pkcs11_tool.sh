#!/usr/bin/env bash
# OpenSC's pkcs11-tool against the module: -L -T -M -O, --login, --sign with CKM_RSA_PKCS (over a
# DigestInfo) and SHA256-RSA-PKCS on both keys; every signature verified by openssl against the
# certificate read from the token.   Usage: pkcs11_tool.sh MODULE VCARD
MODULE=$1 VCARD=$2
source "$(dirname "$0")/common.sh"
P="pkcs11-tool --module $MODULE"

step "-L"
$P -L | tee "$WORK/L"
grep -q "token label *: $AUTH_LABEL" "$WORK/L" || fail "auth token not listed"
grep -q "token label *: $SIGN_LABEL" "$WORK/L" || fail "sign token not listed"
grep -q "serial num *: $SERIAL" "$WORK/L" || fail "card serial not shown"
step "-T"
$P -T | grep -c 'token label' | grep -qx 2 || fail "-T should list exactly two tokens"
step "-M"
$P --token-label "$AUTH_LABEL" -M | tee "$WORK/M"
for m in RSA-PKCS SHA1-RSA-PKCS SHA256-RSA-PKCS SHA384-RSA-PKCS SHA512-RSA-PKCS; do
  grep -q "^ *$m, keySize={2048,2048}, hw, sign" "$WORK/M" || fail "mechanism $m"
done
grep -qi 'decrypt\|encrypt' "$WORK/M" && fail "no encryption mechanism may be advertised"
step "-O (public objects)"
$P --token-label "$AUTH_LABEL" -O | tee "$WORK/O"
grep -q 'label: *JPKI Auth CA' "$WORK/O" || fail "auth CA certificate"
grep -q 'Public Key Object; RSA 2048 bits' "$WORK/O" || fail "auth public key"
grep -q 'Private Key Object' "$WORK/O" && fail "a private key is visible without login"
step "-O --login (sign token)"
$P --token-label "$SIGN_LABEL" -O --login --pin $SIGN_PIN | tee "$WORK/O2"
grep -q 'label: *JPKI Sign$' "$WORK/O2" || fail "sign certificate after login"
grep -q 'Private Key Object; RSA' "$WORK/O2" || fail "sign private key after login"

step "export certificates"
$P --token-label "$AUTH_LABEL" --read-object --type cert --label 'JPKI Auth' -o "$WORK/auth.der"
$P --token-label "$SIGN_LABEL" --login --pin $SIGN_PIN --read-object --type cert --label 'JPKI Sign' -o "$WORK/sign.der"
for k in auth sign; do
  openssl x509 -inform DER -in "$WORK/$k.der" -noout -pubkey > "$WORK/$k.pub" || fail "$k certificate"
done

step "--sign CKM_RSA_PKCS over a SHA-256 DigestInfo (auth key)"
printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20' > "$WORK/di"
openssl dgst -sha256 -binary "$WORK/data" >> "$WORK/di"
$P --token-label "$AUTH_LABEL" --login --pin $AUTH_PIN --sign -m RSA-PKCS --id 01 -i "$WORK/di" -o "$WORK/sig1"
openssl pkeyutl -verifyrecover -pubin -inkey "$WORK/auth.pub" -in "$WORK/sig1" -out "$WORK/recovered"
cmp -s "$WORK/di" "$WORK/recovered" || fail "RSA-PKCS signature does not recover the DigestInfo"
openssl dgst -sha256 -verify "$WORK/auth.pub" -signature "$WORK/sig1" "$WORK/data" || fail "RSA-PKCS signature"

step "--sign SHA256-RSA-PKCS (auth key)"
$P --token-label "$AUTH_LABEL" --login --pin $AUTH_PIN --sign -m SHA256-RSA-PKCS --id 01 -i "$WORK/data" -o "$WORK/sig2"
openssl dgst -sha256 -verify "$WORK/auth.pub" -signature "$WORK/sig2" "$WORK/data" || fail "auth SHA256 signature"

step "--sign SHA256-RSA-PKCS (sign key, context-specific login per signature)"
$P --token-label "$SIGN_LABEL" --login --pin $SIGN_PIN --sign -m SHA256-RSA-PKCS --id 02 -i "$WORK/data" -o "$WORK/sig3"
openssl dgst -sha256 -verify "$WORK/sign.pub" -signature "$WORK/sig3" "$WORK/data" || fail "sign-key SHA256 signature"

step "--sign CKM_RSA_PKCS (sign key)"
$P --token-label "$SIGN_LABEL" --login --pin $SIGN_PIN --sign -m RSA-PKCS --id 02 -i "$WORK/di" -o "$WORK/sig4"
openssl dgst -sha256 -verify "$WORK/sign.pub" -signature "$WORK/sig4" "$WORK/data" || fail "sign-key RSA-PKCS signature"

step "wrong PIN is reported"
if $P --token-label "$AUTH_LABEL" --login --pin 9999 -O >"$WORK/bad" 2>&1; then fail "wrong PIN accepted"; fi
grep -q CKR_PIN_INCORRECT "$WORK/bad" || { cat "$WORK/bad"; fail "wrong PIN not CKR_PIN_INCORRECT"; }
echo "pkcs11-tool: all checks passed"
