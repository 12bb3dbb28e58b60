#!/usr/bin/env bash
# TLS client authentication with the card's auth key (issue 9 §3): openssl s_client (libp11
# engine), gnutls-cli (pkcs11: URL) and NSS tstclnt (module in a temporary NSS database) against
# a local `openssl s_server -Verify 1 -CAfile <auth CA of the test PKI>` on 127.0.0.1.
#   Usage: tls13.sh MODULE VCARD pss|no-pss
#   pss:    the virtual card has COMPUTE DIGITAL SIGNATURE P1=04 (switch pss): every client
#           completes TLS 1.3 with client authentication, and the server saw the card's
#           certificate.
#   no-pss: without it the module lists nothing PSS, so TLS 1.3 client auth fails in every
#           client (asserted: the client itself reports the failure) while TLS 1.2 works.
# Servers are started per handshake (-naccept 1) and stopped by PID.
MODULE=$1 VCARD=$2 MODE=${3:?pss or no-pss}
case "$MODE" in pss|no-pss) ;; *) echo "tls13.sh: mode must be pss or no-pss" >&2; exit 64 ;; esac
# The switch is this test's own choice, whatever the CI switch matrix put around it.
switches=""
IFS=, read -ra names <<< "${MYNACARD_VCARD_SWITCHES:-}"
for n in "${names[@]}"; do [ -n "$n" ] && [ "$n" != pss ] && switches="${switches:+$switches,}$n"; done
[ "$MODE" = pss ] && switches="${switches:+$switches,}pss"
export MYNACARD_VCARD_SWITCHES=$switches
source "$(dirname "$0")/common.sh"

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
  fi
  [ -n "$SERVER_PID" ] && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap 'st=$?; stop_server; (exit $st); cleanup' EXIT INT TERM

# --- the card's certificate and the server's own
pkcs11-tool --module "$MODULE" --token-label "$AUTH_LABEL" --read-object --type cert --label 'JPKI Auth' -o "$WORK/auth.der"
openssl x509 -inform DER -in "$WORK/auth.der" -out "$WORK/auth.pem"
AUTH_FP=$(openssl x509 -in "$WORK/auth.pem" -noout -fingerprint -sha256 | cut -d= -f2)
[ -f "$WORK/pki/auth_ca.pem" ] || fail "test PKI has no auth_ca.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$WORK/server.key" -out "$WORK/server.pem" 2>/dev/null || fail "server certificate"

if [ "$MODE" = pss ]; then
  step "the module lists RSA-PSS for the auth token"
  pkcs11-tool --module "$MODULE" --token-label "$AUTH_LABEL" -M | tee "$WORK/mechs"
  grep -q 'RSA-PKCS-PSS' "$WORK/mechs" || fail "CKM_RSA_PKCS_PSS not listed"
  grep -q 'SHA256-RSA-PKCS-PSS' "$WORK/mechs" || fail "CKM_SHA256_RSA_PKCS_PSS not listed"
else
  step "the module lists no RSA-PSS"
  pkcs11-tool --module "$MODULE" --token-label "$AUTH_LABEL" -M | tee "$WORK/mechs"
  if grep -q 'PSS' "$WORK/mechs"; then fail "PSS listed for a card without P1=04"; fi
fi

PORT=44300
# start_server VERSION: an s_server for one handshake of that TLS version ("1_3" or "1_2"),
# answering with its status page (which shows the client certificate it accepted).
start_server() {
  PORT=$((PORT + 1))
  openssl s_server -accept "127.0.0.1:$PORT" -naccept 1 -tls"$1" -Verify 1 -verify_return_error \
    -CAfile "$WORK/pki/auth_ca.pem" -cert "$WORK/server.pem" -key "$WORK/server.key" -www \
    >"$WORK/server.out" 2>"$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q ACCEPT "$WORK/server.out" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; fail "s_server exited"; }
    sleep 0.05
  done
  fail "s_server did not start"
}

# server_saw_card CLIENT_OUTPUT: the handshake completed with client authentication (the
# server only sends its page then) and the certificate it accepted is the card's.
server_saw_card() {
  local page=$1
  grep -q 'Client certificate' "$page" || { cat "$page" "$WORK/server.err" >&2; fail "no client certificate in the server's page"; }
  # The first certificate after the page's "Client certificate" (s_client prints the server's
  # own certificate earlier in its output).
  awk '/Client certificate/ {on=1} on && /-----BEGIN CERTIFICATE-----/ {pem=1}
       pem {print} pem && /-----END CERTIFICATE-----/ {exit}' "$page" > "$WORK/seen.pem"
  local fp
  fp=$(openssl x509 -in "$WORK/seen.pem" -noout -fingerprint -sha256 | cut -d= -f2) || fail "no certificate PEM in the page"
  [ "$fp" = "$AUTH_FP" ] || fail "the server saw $fp, not the card's certificate $AUTH_FP"
}

# expect_version CLIENT_OUTPUT VERSION: the page names the negotiated protocol.
expect_version() {
  grep -q "New, $2" "$1" || { cat "$1" >&2; fail "not $2"; }
}

REQUEST=$'GET / HTTP/1.0\r\n\r\n'

# --- OpenSSL s_client through the libp11 engine
write_engine_config
# OpenSSL picks RSA-PSS for its CertificateVerify whenever the server offers it, TLS 1.2
# included, and libp11 does not look at the token's mechanism list: for a card without PSS a
# TLS 1.2 client must be told to sign PKCS#1 v1.5 (-sigalgs; ECDSA for the server's key).
OPENSSL_SIGALGS=()
[ "$MODE" = no-pss ] && OPENSSL_SIGALGS=(-sigalgs 'RSA+SHA256:RSA+SHA384:RSA+SHA512:ECDSA+SHA256')
openssl_client() {  # VERSION OUTPUT
  start_server "$1"
  local rc=0 sigalgs=()
  [ "$1" = 1_2 ] && sigalgs=("${OPENSSL_SIGALGS[@]}")
  printf '%s' "$REQUEST" | OPENSSL_CONF=$WORK/openssl.cnf timeout 60 openssl s_client \
    -connect "127.0.0.1:$PORT" -tls"$1" -CAfile "$WORK/server.pem" -verify_return_error "${sigalgs[@]}" \
    -engine pkcs11 -keyform engine -key "$AUTH_TOKEN_URI;object=JPKI%20Auth;type=private;pin-value=$AUTH_PIN" \
    -cert "$WORK/auth.pem" -ign_eof >"$2" 2>&1 || rc=$?
  stop_server
  return $rc
}

# --- GnuTLS gnutls-cli with pkcs11: URLs
gnutls_client() {  # VERSION OUTPUT
  start_server "$1"
  local prio rc=0
  if [ "$1" = 1_3 ]; then prio=NORMAL:-VERS-ALL:+VERS-TLS1.3; else prio=NORMAL:-VERS-ALL:+VERS-TLS1.2; fi
  printf '%s' "$REQUEST" | GNUTLS_PIN=$AUTH_PIN timeout 60 gnutls-cli --provider "$MODULE" \
    --priority "$prio" --x509cafile "$WORK/server.pem" \
    --x509certfile "$AUTH_TOKEN_URI;object=JPKI%20Auth;type=cert" \
    --x509keyfile "$AUTH_TOKEN_URI;object=JPKI%20Auth;type=private" \
    -p "$PORT" 127.0.0.1 >"$2" 2>&1 || rc=$?
  stop_server
  return $rc
}

# --- NSS tstclnt with the module in a temporary database
NSSDB=sql:$WORK/nssdb
mkdir -p "$WORK/nssdb"
certutil -N -d "$NSSDB" --empty-password
echo | modutil -dbdir "$NSSDB" -add mynacard -libfile "$MODULE" -force >/dev/null
certutil -A -d "$NSSDB" -n tls-test-server -t 'CT,,' -i "$WORK/server.pem"
# PINs in NSS's "token label:PIN" password-file form (0600), never on a command line.
( umask 077; printf '%s:%s\n' "$AUTH_LABEL" "$AUTH_PIN" > "$WORK/nss.pw" )
printf '%s' "$REQUEST" > "$WORK/request"
nss_client() {  # VERSION OUTPUT
  start_server "$1"
  local v rc=0
  if [ "$1" = 1_3 ]; then v=tls1.3:tls1.3; else v=tls1.2:tls1.2; fi
  timeout 60 tstclnt -h 127.0.0.1 -p "$PORT" -d "$NSSDB" -V "$v" -n "$AUTH_LABEL:JPKI Auth" \
    -W "$WORK/nss.pw" -A "$WORK/request" >"$2" 2>&1 || rc=$?
  stop_server
  return $rc
}

for client in ${TLS_CLIENTS:-openssl gnutls nss}; do
  if [ "$MODE" = pss ]; then
    step "$client: TLS 1.3 with client authentication"
    ${client}_client 1_3 "$WORK/$client.13" || { cat "$WORK/$client.13" >&2; fail "$client: TLS 1.3 handshake"; }
    expect_version "$WORK/$client.13" TLSv1.3
    server_saw_card "$WORK/$client.13"
  else
    step "$client: TLS 1.3 client authentication fails in the client"
    rc=0
    ${client}_client 1_3 "$WORK/$client.13" || rc=$?
    cat "$WORK/$client.13"
    if grep -q 'Client certificate' "$WORK/$client.13"; then fail "$client: TLS 1.3 client auth worked without PSS"; fi
    [ "$rc" -ne 0 ] || fail "$client: the client reported success for a failed TLS 1.3 client authentication"
    [ "$rc" -ne 124 ] || fail "$client: timed out instead of failing"
    # Each client's own account of it: OpenSSL (libp11) asks for CKM_RSA_PKCS_PSS and the
    # module refuses it; GnuTLS and NSS see no PSS mechanism on the token and send no
    # certificate, so the server's certificate_required alert ends the handshake.
    case $client in
      openssl) patterns=('Mechanism invalid' 'tls_construct_cert_verify') ;;
      gnutls) patterns=('No certificate was sent to peer' 'Certificate is required') ;;
      nss) patterns=('Failed to load a suitable client certificate' 'SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT') ;;
    esac
    for p in "${patterns[@]}"; do
      grep -q "$p" "$WORK/$client.13" || fail "$client: expected '$p' in the client's output"
    done
  fi
  step "$client: TLS 1.2 with client authentication"
  ${client}_client 1_2 "$WORK/$client.12" || { cat "$WORK/$client.12" >&2; fail "$client: TLS 1.2 handshake"; }
  expect_version "$WORK/$client.12" TLSv1.2
  server_saw_card "$WORK/$client.12"
done
echo "tls13 ($MODE): all checks passed"
