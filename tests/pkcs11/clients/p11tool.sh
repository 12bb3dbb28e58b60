#!/usr/bin/env bash
# GnuTLS p11tool against the module: --list-tokens, --export, --test-sign (which signs with the
# token and verifies with the public key); the exported certificates also verify a signature
# made through p11tool's provider with openssl.   Usage: p11tool.sh MODULE VCARD
MODULE=$1 VCARD=$2
source "$(dirname "$0")/common.sh"
T="p11tool --provider $MODULE"

step "--list-tokens"
$T --list-tokens | tee "$WORK/tokens"
grep -q "Label: $AUTH_LABEL" "$WORK/tokens" || fail "auth token"
grep -q "Label: $SIGN_LABEL" "$WORK/tokens" || fail "sign token"
grep -q "Serial: $SERIAL" "$WORK/tokens" || fail "serial"
step "--list-all-certs (auth token)"
$T --list-all-certs "$AUTH_TOKEN_URI" | tee "$WORK/certs"
grep -q 'Label: JPKI Auth CA' "$WORK/certs" || fail "CA certificate"
step "--export"
$T --export "$AUTH_TOKEN_URI;object=JPKI%20Auth;type=cert" > "$WORK/auth.pem"
openssl x509 -in "$WORK/auth.pem" -noout -subject || fail "exported auth certificate"
GNUTLS_PIN=$SIGN_PIN $T --login --export "$SIGN_TOKEN_URI;object=JPKI%20Sign;type=cert" > "$WORK/sign.pem"
openssl x509 -in "$WORK/sign.pem" -noout -subject || fail "exported sign certificate"
step "--test-sign (auth key)"
GNUTLS_PIN=$AUTH_PIN $T --login --test-sign "$AUTH_TOKEN_URI;object=JPKI%20Auth;type=private" 2>&1 | tee "$WORK/ts1"
grep -qi 'verifying against public key in the token.*ok\|verifying.*ok' "$WORK/ts1" || fail "test-sign auth"
step "--test-sign (sign key)"
GNUTLS_PIN=$SIGN_PIN $T --login --test-sign "$SIGN_TOKEN_URI;object=JPKI%20Sign;type=private" 2>&1 | tee "$WORK/ts2"
grep -qi 'verifying.*ok' "$WORK/ts2" || fail "test-sign sign"
step "certtool signs a certificate request with the token key; openssl verifies it"
cat > "$WORK/req.tmpl" <<TMPL
cn = "mynacard p11tool test"
TMPL
GNUTLS_PIN=$AUTH_PIN certtool --provider "$MODULE" --generate-request \
  --load-privkey "$AUTH_TOKEN_URI;object=JPKI%20Auth;type=private" \
  --template "$WORK/req.tmpl" --outfile "$WORK/req.pem" >/dev/null 2>"$WORK/certtool.err" || { cat "$WORK/certtool.err"; fail "certtool"; }
openssl req -in "$WORK/req.pem" -noout -verify 2>&1 | grep -q 'verify OK\|Certificate request self-signature verify OK' || fail "request signature"
openssl req -in "$WORK/req.pem" -noout -pubkey | cmp -s - <(openssl x509 -in "$WORK/auth.pem" -noout -pubkey) || fail "request key is not the certificate key"
echo "p11tool: all checks passed"
