#!/usr/bin/env bash
# Two cards at once (issue 11 §3) through real clients: card 1 (the default test PKI, Common AP
# serial AB0123456789012) in the first vpcd reader, card 2 (a PKI of its own with other leaf
# serials, Common AP serial CD9876543210987) in the second. Every client must pick the intended
# card by its URL or label: OpenSC pkcs11-tool (--token-label, --slot), GnuTLS p11tool and
# certtool (pkcs11:token=..., pkcs11:serial=...), OpenSSL through the libp11 engine (a
# pkcs11:token=... URL naming card 2); each signature is verified against the intended card's
# certificate and must fail against the other's. A wrong PIN given to card 1 costs card 1 a try
# and card 2 nothing (the virtual cards' own counters, kept in their state directories).
#   Usage: two_cards.sh MODULE VCARD TESTPKI
MODULE=$1 VCARD=$2 TESTPKI=$3
source "$(dirname "$0")/common.sh"
P="pkcs11-tool --module $MODULE"
T="p11tool --provider $MODULE"
SERIAL1=$SERIAL AUTH1=$AUTH_LABEL SIGN1=$SIGN_LABEL

step "card 2 in the second reader"
# Other leaf serials, so that even a serial derived from the auth certificate (no Common AP)
# differs from card 1's.
"$TESTPKI" --out "$WORK/pki2" --auth-serial 4098 --sign-serial 8194 >/dev/null
"$VCARD" --pki "$WORK/pki2" --port "$MYNACARD_VPCD_PORT2" --common-serial CD9876543210987 \
  --state "$WORK/state2" >"$WORK/vcard2.log" 2>&1 &
VCARD2_PID=$!
# Stopped by PID before common.sh's cleanup, which keeps the exit status.
trap 'rc=$?; kill "$VCARD2_PID" 2>/dev/null || true; wait "$VCARD2_PID" 2>/dev/null || true; (exit $rc); cleanup' EXIT INT TERM
for _ in $(seq 1 100); do
  [ "$($P -T 2>/dev/null | grep -c 'token label')" -eq 4 ] && break
  kill -0 "$VCARD2_PID" 2>/dev/null || { cat "$WORK/vcard2.log" >&2; fail "card 2's mynacard-vcard exited"; }
  sleep 0.2
done

step "-L: four tokens, four labels, two serials"
$P -L | tee "$WORK/L"
[ "$(grep -c 'token label' "$WORK/L")" -eq 4 ] || fail "four tokens expected"
[ "$(sed -n 's/^ *token label *: //p' "$WORK/L" | sort -u | wc -l)" -eq 4 ] || fail "the four labels are not distinct"
[ "$(sed -n 's/^ *serial num *: //p' "$WORK/L" | sort -u | wc -l)" -eq 2 ] || fail "two serials expected"
SERIAL2=$(sed -n 's/^ *serial num *: //p' "$WORK/L" | grep -vx "$SERIAL1" | head -1)
case ",${MYNACARD_VCARD_SWITCHES:-}," in
  *,no-common-ap,*) ;;
  *) [ "$SERIAL2" = CD9876543210987 ] || fail "card 2's serial '$SERIAL2' is not its Common AP's" ;;
esac
token_labels "$MODULE" "$SERIAL2"
AUTH2=$AUTH_LABEL SIGN2=$SIGN_LABEL
echo "card 1: $SERIAL1 '$AUTH1' '$SIGN1'; card 2: $SERIAL2 '$AUTH2' '$SIGN2'"
# The slot of card 2's auth token: the "Slot N" line before its label.
SLOT2=$(awk -v label="$AUTH2" '/^Slot [0-9]+ /{slot=$2} index($0, "token label") && index($0, label) {print slot; exit}' "$WORK/L")
[ -n "$SLOT2" ] || fail "no slot for '$AUTH2'"

for k in auth sign; do
  for c in 1 2; do
    dir=$WORK/pki; [ $c = 2 ] && dir=$WORK/pki2
    openssl x509 -in "$dir/$k.pem" -noout -pubkey > "$WORK/$k$c.pub"
  done
done
cmp -s "$WORK/auth1.pub" "$WORK/auth2.pub" && fail "the two cards share an auth key"
# verify_only PUB_OK PUB_OTHER SIG WHAT: the signature verifies with the first key only.
verify_only() {
  openssl dgst -sha256 -verify "$1" -signature "$3" "$WORK/data" >/dev/null || fail "$4: does not verify with the intended card's key"
  if openssl dgst -sha256 -verify "$2" -signature "$3" "$WORK/data" >/dev/null 2>&1; then fail "$4: verifies with the other card's key"; fi
}

step "pkcs11-tool --token-label: each card's certificate"
$P --token-label "$AUTH1" --read-object --type cert --label 'JPKI Auth' -o "$WORK/a1.der"
$P --token-label "$AUTH2" --read-object --type cert --label 'JPKI Auth' -o "$WORK/a2.der"
cmp -s "$WORK/a1.der" "$WORK/pki/auth.der" || fail "--token-label '$AUTH1' gave another certificate"
cmp -s "$WORK/a2.der" "$WORK/pki2/auth.der" || fail "--token-label '$AUTH2' gave another certificate"
step "pkcs11-tool --slot $SLOT2: card 2's certificate"
$P --slot "$SLOT2" --read-object --type cert --label 'JPKI Auth' -o "$WORK/a2s.der"
cmp -s "$WORK/a2s.der" "$WORK/pki2/auth.der" || fail "--slot $SLOT2 gave another certificate"

step "pkcs11-tool --token-label --sign: card 2's auth key, then card 2's sign key"
$P --token-label "$AUTH2" --login --pin $AUTH_PIN --sign -m SHA256-RSA-PKCS --id 01 -i "$WORK/data" -o "$WORK/sig-pt-a2"
verify_only "$WORK/auth2.pub" "$WORK/auth1.pub" "$WORK/sig-pt-a2" "pkcs11-tool, card 2 auth"
$P --token-label "$SIGN2" --login --pin $SIGN_PIN --sign -m SHA256-RSA-PKCS --id 02 -i "$WORK/data" -o "$WORK/sig-pt-s2"
verify_only "$WORK/sign2.pub" "$WORK/sign1.pub" "$WORK/sig-pt-s2" "pkcs11-tool, card 2 sign"
$P --token-label "$AUTH1" --login --pin $AUTH_PIN --sign -m SHA256-RSA-PKCS --id 01 -i "$WORK/data" -o "$WORK/sig-pt-a1"
verify_only "$WORK/auth1.pub" "$WORK/auth2.pub" "$WORK/sig-pt-a1" "pkcs11-tool, card 1 auth"

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
TOKEN2_URI="pkcs11:token=$(urlencode "$AUTH2")"
SERIAL2_URI="pkcs11:serial=$(urlencode "$SERIAL2")"
SERIAL1_URI="pkcs11:serial=$(urlencode "$SERIAL1")"

step "p11tool --list-tokens: both cards"
$T --list-tokens > "$WORK/tokens"
for l in "$AUTH1" "$SIGN1" "$AUTH2" "$SIGN2"; do grep -qxF "$(printf '\tLabel: %s' "$l")" "$WORK/tokens" || { cat "$WORK/tokens"; fail "p11tool does not list '$l'"; }; done
step "p11tool --export $TOKEN2_URI"
$T --export "$TOKEN2_URI;object=JPKI%20Auth;type=cert" > "$WORK/a2-token.pem"
openssl x509 -in "$WORK/a2-token.pem" -noout -pubkey | cmp -s - "$WORK/auth2.pub" || fail "token URL: not card 2's certificate"
step "p11tool --export / --list-all-certs $SERIAL2_URI"
$T --export "$SERIAL2_URI;object=JPKI%20Auth;type=cert" > "$WORK/a2-serial.pem"
openssl x509 -in "$WORK/a2-serial.pem" -noout -pubkey | cmp -s - "$WORK/auth2.pub" || fail "serial URL: not card 2's certificate"
$T --export "$SERIAL1_URI;object=JPKI%20Auth;type=cert" > "$WORK/a1-serial.pem"
openssl x509 -in "$WORK/a1-serial.pem" -noout -pubkey | cmp -s - "$WORK/auth1.pub" || fail "serial URL: not card 1's certificate"
$T --list-all-certs "$SERIAL2_URI" > "$WORK/certs2"
grep -q "serial=$(urlencode "$SERIAL2")" "$WORK/certs2" || { cat "$WORK/certs2"; fail "--list-all-certs by serial lists no certificate of card 2"; }
grep -q "serial=$(urlencode "$SERIAL1")" "$WORK/certs2" && fail "--list-all-certs by card 2's serial lists card 1's"
step "certtool signs with the key a serial URL names (card 2); openssl checks the key"
printf 'cn = "mynacard two cards"\n' > "$WORK/req.tmpl"
GNUTLS_PIN=$AUTH_PIN certtool --provider "$MODULE" --generate-request \
  --load-privkey "$SERIAL2_URI;object=JPKI%20Auth;type=private" \
  --template "$WORK/req.tmpl" --outfile "$WORK/req.pem" >/dev/null 2>"$WORK/certtool.err" || { cat "$WORK/certtool.err"; fail "certtool"; }
openssl req -in "$WORK/req.pem" -noout -verify 2>&1 | grep -q 'verify OK' || fail "request signature"
openssl req -in "$WORK/req.pem" -noout -pubkey | cmp -s - "$WORK/auth2.pub" || fail "certtool signed with another card's key"

step "openssl dgst -sign through libp11 with $TOKEN2_URI"
write_engine_config
OPENSSL_CONF=$WORK/openssl.cnf openssl dgst -sha256 -engine pkcs11 -keyform engine \
  -sign "$TOKEN2_URI;object=JPKI%20Auth;type=private;pin-value=$AUTH_PIN" \
  -out "$WORK/sig-ossl-a2" "$WORK/data" 2>"$WORK/ossl.err" || { cat "$WORK/ossl.err"; fail "openssl engine, card 2"; }
# The message libp11 prints when a URL matches more than one token: it must not come.
grep -q 'Multiple matching slots' "$WORK/ossl.err" && { cat "$WORK/ossl.err"; fail "libp11 saw several matching tokens"; }
verify_only "$WORK/auth2.pub" "$WORK/auth1.pub" "$WORK/sig-ossl-a2" "openssl engine, card 2 auth"
# A serial names both tokens of card 2, which libp11 refuses to log in to ("Multiple matching
# slots"); serial and token together name one.
OPENSSL_CONF=$WORK/openssl.cnf openssl dgst -sha256 -engine pkcs11 -keyform engine \
  -sign "$SERIAL2_URI;token=$(urlencode "$AUTH2");object=JPKI%20Auth;type=private;pin-value=$AUTH_PIN" \
  -out "$WORK/sig-ossl-a2s" "$WORK/data" 2>"$WORK/ossl3.err" || { cat "$WORK/ossl3.err"; fail "openssl engine, card 2 by serial and token"; }
verify_only "$WORK/auth2.pub" "$WORK/auth1.pub" "$WORK/sig-ossl-a2s" "openssl engine, card 2 auth by serial and token"
echo "$SIGN_PIN" | OPENSSL_CONF=$WORK/openssl.cnf setsid -w openssl dgst -sha256 -engine pkcs11 -keyform engine \
  -sign "pkcs11:token=$(urlencode "$SIGN2");object=JPKI%20Sign;type=private;pin-value=$SIGN_PIN" \
  -out "$WORK/sig-ossl-s2" "$WORK/data" 2>"$WORK/ossl2.err" || { cat "$WORK/ossl2.err"; fail "openssl engine, card 2 sign key"; }
verify_only "$WORK/sign2.pub" "$WORK/sign1.pub" "$WORK/sig-ossl-s2" "openssl engine, card 2 sign"

step "a wrong PIN for card 1 costs card 1 a try, card 2 nothing"
tries() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pins"][sys.argv[2]]["tries_left"])' "$@"; }
before2=$(tries "$WORK/state2/card-state.json" auth)
if $P --token-label "$AUTH1" --login --pin 9999 -O >"$WORK/bad" 2>&1; then fail "wrong PIN accepted"; fi
grep -q CKR_PIN_INCORRECT "$WORK/bad" || { cat "$WORK/bad"; fail "wrong PIN not CKR_PIN_INCORRECT"; }
after2=$(tries "$WORK/state2/card-state.json" auth)
[ "$before2" = "$after2" ] || fail "card 2's auth PIN counter moved ($before2 -> $after2)"
$P -T > "$WORK/T"
# pkcs11-tool prints the token flags after the label; card 1's auth token now has COUNT_LOW.
awk -v l="$AUTH1" 'index($0, "token label") {on = index($0, l) > 0} on && /token flags/ {print; exit}' "$WORK/T" | grep -q 'user PIN count low' \
  || { cat "$WORK/T"; fail "card 1's auth token does not show the failed try"; }
awk -v l="$AUTH2" 'index($0, "token label") {on = index($0, l) > 0} on && /token flags/ {print; exit}' "$WORK/T" | grep -q 'user PIN count low' \
  && { cat "$WORK/T"; fail "card 2's auth token shows card 1's failed try"; }
echo "two cards: all checks passed"
