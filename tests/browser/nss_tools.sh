#!/usr/bin/env bash
# NSS's own tools (libnss3-tools) against the module and the virtual card:
#   modutil -add / -list, certutil -L -h all and -K, cmsutil -S (each signature verified by
#   OpenSSL), tstclnt TLS 1.2 client authentication to the test web server.
# PINs go to the tools in a password file (-f / -W, mode 0600 in the test's private directory)
# in NSS's "token label:PIN" form, one line per token, so no token is ever given another's PIN.
#   Usage: nss_tools.sh MODULE VCARD
MODULE=$1 VCARD=$2
source "$(dirname "$0")/common.sh"

db=$WORK/nssdb
make_nss_db "$db"
pwfile=$WORK/pwfile
( umask 077; printf '%s:%s\n%s:%s\n' "$AUTH_LABEL" "$AUTH_PIN" "$SIGN_LABEL" "$SIGN_PIN" > "$pwfile" )
[ "$(stat -c %a "$pwfile")" = 600 ] || fail "password file mode is not 0600"

# --- modutil -------------------------------------------------------------------------------------
step "modutil -list"
# modutil -list exits non-zero when any slot of any module is empty (the second vpcd reader has no
# card): judge by the output.
modutil -list -dbdir "sql:$db" > "$WORK/modutil.txt" 2>&1 || true
cat "$WORK/modutil.txt"
python3 - "$WORK/modutil.txt" "$MODULE" "$AUTH_LABEL" "$SIGN_LABEL" <<'PY' || fail "modutil -list does not show the module and both tokens"
import re, sys
text, module, auth, sign = open(sys.argv[1], encoding="utf-8").read(), *sys.argv[2:5]
# The module's block: from its name to the next module or the end.
m = re.search(r"^\s*\d+\. mynacard\n(.*?)(?=^\s*\d+\. |\Z)", text, re.S | re.M)
assert m, "no module named mynacard"
block = m.group(1)
assert f"library name: {module}" in block, "library path"
tokens = re.findall(r"token: (.*)", block)
assert auth in tokens and sign in tokens, f"tokens: {tokens}"
print("modutil: module mynacard with tokens", tokens)
PY
modutil -list mynacard -dbdir "sql:$db" > "$WORK/modutil-one.txt" 2>&1 || true
grep -q "Token Name: $AUTH_LABEL" "$WORK/modutil-one.txt" || { cat "$WORK/modutil-one.txt"; fail "modutil -list mynacard"; }
grep -q "Token Name: $SIGN_LABEL" "$WORK/modutil-one.txt" || fail "modutil -list mynacard: sign token"

# --- certutil ------------------------------------------------------------------------------------
step "certutil -L -h all"
# -f: NSS may log in to tokens whose certificates are private (the signing certificate is read
# after VERIFY of the signing password, jpki-card.md §1.5); with the password file it can.
certutil -L -h all -d "sql:$db" -f "$pwfile" > "$WORK/certs.txt"
cat "$WORK/certs.txt"
grep -q "^$AUTH_LABEL:JPKI Auth " "$WORK/certs.txt" || fail "certutil -L: no auth certificate"
# -h: certutil passes the password file only to the token it is told about; NSS logs in to a
# token that is not marked "friendly" before it looks a nickname up there (pk11cert.c).
certutil -L -d "sql:$db" -h "$AUTH_LABEL" -f "$pwfile" -n "$AUTH_LABEL:JPKI Auth" -a > "$WORK/auth-nss.pem"
[ "$(openssl x509 -in "$WORK/auth-nss.pem" -outform DER | sha256sum | cut -d' ' -f1)" = "$AUTH_CERT_SHA256" ] ||
  fail "certutil -L -n: not the card's auth certificate"

step "certutil -K (auth token)"
certutil -K -h "$AUTH_LABEL" -d "sql:$db" -f "$pwfile" > "$WORK/keys-auth.txt"
cat "$WORK/keys-auth.txt"
grep -q 'rsa .*JPKI Auth' "$WORK/keys-auth.txt" || fail "certutil -K: no auth key"
step "certutil -K (sign token)"
certutil -K -h "$SIGN_LABEL" -d "sql:$db" -f "$pwfile" > "$WORK/keys-sign.txt"
cat "$WORK/keys-sign.txt"
grep -q 'rsa .*JPKI Sign' "$WORK/keys-sign.txt" || fail "certutil -K: no sign key"

# --- cmsutil -S, verified by OpenSSL -------------------------------------------------------------
printf 'mynacard NSS cmsutil test\n' > "$WORK/doc.txt"
for which in auth sign; do
  if [ $which = auth ]; then nick="$AUTH_LABEL:JPKI Auth"; ca=$WORK/pki/auth_ca.pem; other=$WORK/pki/sign_ca.pem
  else nick="$SIGN_LABEL:JPKI Sign"; ca=$WORK/pki/sign_ca.pem; other=$WORK/pki/auth_ca.pem; fi
  step "cmsutil -S -N '$nick'"
  # -Y NONE: no S/MIME EncryptionKeyPreference attribute. By default cmsutil names the signer's
  # certificate as the one to encrypt to, which needs key encipherment; JPKI certificates allow
  # digital signature (and non-repudiation) only.
  cmsutil -S -G -Y NONE -N "$nick" -d "sql:$db" -f "$pwfile" -i "$WORK/doc.txt" -o "$WORK/$which.p7m" ||
    fail "cmsutil -S ($which)"
  # -purpose any: the JPKI leaves carry no S/MIME extended key usage; the chain and the
  # signature over the content are what is checked.
  openssl cms -verify -inform DER -in "$WORK/$which.p7m" -CAfile "$ca" -purpose any \
    -signer "$WORK/$which.signer.pem" -out "$WORK/$which.out" 2>"$WORK/verify.err" ||
    { cat "$WORK/verify.err" >&2; fail "openssl cms -verify ($which)"; }
  cmp -s "$WORK/doc.txt" "$WORK/$which.out" || fail "signed content differs ($which)"
  [ "$(openssl x509 -in "$WORK/$which.signer.pem" -outform DER | sha256sum)" = \
    "$(openssl x509 -in "$WORK/pki/$which.pem" -outform DER | sha256sum)" ] || fail "signer is not the card's $which certificate"
  # The same check against the other JPKI CA must fail: the verification is not a formality.
  if openssl cms -verify -inform DER -in "$WORK/$which.p7m" -CAfile "$other" -purpose any \
       -out /dev/null 2>/dev/null; then
    fail "openssl accepted the $which signature under the wrong CA"
  fi
done

# --- tstclnt TLS 1.2 client authentication -------------------------------------------------------
step "tstclnt TLS 1.2 with the card's auth key"
start_server 1.2
printf 'GET / HTTP/1.0\r\n\r\n' > "$WORK/request"
tstclnt -h 127.0.0.1 -p "$SERVER_PORT" -d "sql:$db" -n "$AUTH_LABEL:JPKI Auth" -W "$pwfile" \
  -V tls1.2:tls1.2 -A "$WORK/request" > "$WORK/tstclnt.out" 2>"$WORK/tstclnt.err" ||
  { cat "$WORK/tstclnt.err" >&2; show_server_log; fail "tstclnt"; }
show_server_log
grep -q '<h1 id="status">mynacard-authenticated</h1>' "$WORK/tstclnt.out" || fail "tstclnt: page not shown"
grep -q "$AUTH_CERT_SHA256" "$WORK/tstclnt.out" || fail "tstclnt: page names another certificate"
[ "$(card_requests /)" -ge 1 ] || fail "server logged no request with the card's certificate"
[ "$(card_request_versions | sort -u)" = TLSv1.2 ] || fail "not TLS 1.2"
echo "nss tools: all checks passed"
