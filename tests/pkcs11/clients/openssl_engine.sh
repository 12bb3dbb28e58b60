#!/usr/bin/env bash
# OpenSSL through the libp11 engine: openssl dgst -sign 'pkcs11:...' -engine pkcs11 -keyform engine;
# signatures verified by openssl against the certificate exported with pkcs11-tool.
#   Usage: openssl_engine.sh MODULE VCARD
MODULE=$1 VCARD=$2
source "$(dirname "$0")/common.sh"
write_engine_config
export OPENSSL_CONF=$WORK/openssl.cnf

pkcs11-tool --module "$MODULE" --token-label "$AUTH_LABEL" --read-object --type cert --label 'JPKI Auth' -o "$WORK/auth.der"
openssl x509 -inform DER -in "$WORK/auth.der" -noout -pubkey > "$WORK/auth.pub"
pkcs11-tool --module "$MODULE" --token-label "$SIGN_LABEL" --login --pin $SIGN_PIN --read-object --type cert --label 'JPKI Sign' -o "$WORK/sign.der"
openssl x509 -inform DER -in "$WORK/sign.der" -noout -pubkey > "$WORK/sign.pub"

for hash in sha256 sha384 sha1; do
  step "openssl dgst -$hash -sign (auth key)"
  openssl dgst -$hash -engine pkcs11 -keyform engine \
    -sign "$AUTH_TOKEN_URI;object=JPKI%20Auth;type=private;pin-value=$AUTH_PIN" \
    -out "$WORK/sig.$hash" "$WORK/data"
  openssl dgst -$hash -verify "$WORK/auth.pub" -signature "$WORK/sig.$hash" "$WORK/data" || fail "auth $hash"
done
step "openssl dgst -sha256 -sign (sign key, always-authenticate)"
# libp11 asks for the context-specific login through OpenSSL's UI (stdin without a tty).
echo "$SIGN_PIN" | setsid -w openssl dgst -sha256 -engine pkcs11 -keyform engine \
  -sign "$SIGN_TOKEN_URI;object=JPKI%20Sign;type=private;pin-value=$SIGN_PIN" \
  -out "$WORK/sig.sign" "$WORK/data"
openssl dgst -sha256 -verify "$WORK/sign.pub" -signature "$WORK/sig.sign" "$WORK/data" || fail "sign key"
echo "openssl engine: all checks passed"
