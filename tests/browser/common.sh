# Shared set-up for the browser and NSS-tool tests (run under tools/dev/pcsc-env.sh; sourced with
# MODULE and VCARD set). On top of tests/pkcs11/clients/common.sh (the mynacard-vcard program on
# the first vpcd reader, a private module configuration, $WORK, AUTH_LABEL/AUTH_PIN/...):
#   - a server CA and a certificate for 127.0.0.1 (the browsers trust that CA through their NSS
#     databases, the way a user would add a private CA);
#   - start_server TLS: the test web server (tls_server.py) on 127.0.0.1, client certificates
#     from the virtual card's auth CA required; stop by PID at exit;
#   - start_group / stop_group: programs started in their own session (setsid), stopped with
#     their whole process group (a browser is a tree of processes) by PGID, never by name;
#   - ARTIFACTS: where screenshots are kept (CI artifacts), printed by the tests.
here_browser=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Browser tests set BROWSER (the program) and PIN_HOOK before sourcing this file. Without the
# browser installed the test is skipped (exit 77, ctest: skipped, with the reason printed) before
# anything starts; with it, HOME is a directory of $WORK and PIN_HOOK an absolute path (the
# end of this file).
if [ -n "${BROWSER:-}" ] && ! command -v "$BROWSER" >/dev/null; then
  echo "SKIP: $BROWSER is not installed (tools/dev/install-deps.sh --browsers installs it;" \
       "tools/test.sh runs it unless --no-browsers; here it is not installed)"
  exit 77
fi

# Browser tests set CASE before sourcing this file:
#   tls12         TLS 1.2; the virtual card's switches as the environment sets them
#   tls13-no-pss  TLS 1.3 with the virtual card's `pss` switch off: the browser must fail
#   tls13-pss     TLS 1.3 with it on: the page must show
# The pss switch is the case's own choice, whatever MYNACARD_VCARD_SWITCHES (a CI switch matrix)
# says; it must be set before common.sh below starts the virtual card.
if [ -n "${CASE:-}" ]; then
  case $CASE in
    tls12) TLS=1.2; EXPECT_PAGE=1 ;;
    tls13-no-pss) TLS=1.3; EXPECT_PAGE=0 ;;
    tls13-pss) TLS=1.3; EXPECT_PAGE=1 ;;
    *) echo "FAIL: unknown case $CASE" >&2; exit 64 ;;
  esac
  if [ "$CASE" != tls12 ]; then
    switches=""
    IFS=, read -ra names <<< "${MYNACARD_VCARD_SWITCHES:-}"
    for n in ${names[@]+"${names[@]}"}; do
      [ -n "$n" ] && [ "$n" != pss ] && switches="${switches:+$switches,}$n"
    done
    [ "$CASE" = tls13-pss ] && switches="${switches:+$switches,}pss"
    export MYNACARD_VCARD_SWITCHES=$switches
  fi
fi

source "$here_browser/../pkcs11/clients/common.sh"

SERVER_PID=""
GROUPS_STARTED=()
# Steps carry the seconds since the test began, to see where a slow CI run spends its time.
step() { echo "== [${SECONDS}s] $*"; }

# Stops process group $1 (a setsid leader's PID = its PGID): SIGTERM to the group, up to 10 s,
# then SIGKILL to the group.
stop_group() {
  local pgid=$1
  [ -n "$pgid" ] || return 0
  kill -0 -- "-$pgid" 2>/dev/null || return 0
  kill -TERM -- "-$pgid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 -- "-$pgid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pgid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$pgid" 2>/dev/null || return 0; sleep 0.1; done
}

browser_cleanup() {
  local rc=$?
  local g
  for g in ${GROUPS_STARTED[@]+"${GROUPS_STARTED[@]}"}; do stop_group "$g"; done
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  # common.sh's clean-up stops the virtual card and removes $WORK; it exits with $?.
  (exit "$rc")
  cleanup
}
trap browser_cleanup EXIT INT TERM

# Runs "$@" as the leader of a new session and process group in the background; sets
# STARTED_PGID (= its PID) and remembers it for the clean-up.
start_group() {
  setsid "$@" &
  STARTED_PGID=$!
  GROUPS_STARTED+=("$STARTED_PGID")
}

# Waits up to $2 seconds for the group leader $1 to exit; returns its exit status, or 124 when
# it is still running (the caller decides; the clean-up stops it either way).
wait_group_leader() {
  local pid=$1 limit=$2 waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge $((limit * 10)) ]; then return 124; fi
    # A zombie is reaped by wait below.
    [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = Z ] && break
    sleep 0.1
    waited=$((waited + 1))
  done
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  return "$rc"
}

ARTIFACTS=${MYNACARD_TEST_ARTIFACTS:-$WORK/artifacts}
mkdir -p "$ARTIFACTS"

# --- the server's certificate ------------------------------------------------------------------
# A CA for the web server (not the card's), and a leaf for IP 127.0.0.1 signed by it. EC P-256:
# generated in milliseconds.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/O=mynacard test/CN=mynacard test server CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$WORK/server_ca.key" -out "$WORK/server_ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/O=mynacard test/CN=127.0.0.1" -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
cat > "$WORK/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1
EXT
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/server_ca.pem" -CAkey "$WORK/server_ca.key" \
  -CAcreateserial -days 2 -extfile "$WORK/server.ext" -out "$WORK/server.pem" 2>/dev/null

# The card's auth certificate as the server will see it (what the virtual card holds).
AUTH_CERT_SHA256=$(openssl x509 -in "$WORK/pki/auth.pem" -outform DER | sha256sum | cut -d' ' -f1)

# --- the test web server -----------------------------------------------------------------------
SERVER_LOG=$WORK/server.log
SERVER_PORT=""
# start_server 1.2|1.3|any
start_server() {
  local tls=$1
  : > "$SERVER_LOG"
  rm -f "$WORK/server.port"
  python3 "$here_browser/tls_server.py" --cert "$WORK/server.pem" --key "$WORK/server.key" \
    --client-ca "$WORK/pki/auth_ca.pem" --tls "$tls" --port-file "$WORK/server.port" \
    --log "$SERVER_LOG" 2>"$WORK/server.stderr" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$WORK/server.port" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.stderr" >&2; fail "test server exited"; }
    sleep 0.1
  done
  [ -s "$WORK/server.port" ] || fail "test server did not start"
  SERVER_PORT=$(cat "$WORK/server.port")
  SERVER_URL="https://127.0.0.1:$SERVER_PORT/"
  echo "test server: $SERVER_URL (TLS $tls), log $SERVER_LOG"
}

# Number of requests in the server log for path $1 carrying the card's auth certificate.
card_requests() {
  python3 - "$SERVER_LOG" "$AUTH_CERT_SHA256" "$1" <<'PY'
import json, sys
log, sha, path = sys.argv[1:4]
n = 0
for line in open(log, encoding="utf-8"):
    r = json.loads(line)
    if r.get("event") == "request" and r.get("client_sha256") == sha and r.get("path") == path:
        n += 1
print(n)
PY
}

# The TLS version of the card's requests ("TLSv1.2" / "TLSv1.3"), one line each.
card_request_versions() {
  python3 - "$SERVER_LOG" "$AUTH_CERT_SHA256" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r.get("event") == "request" and r.get("client_sha256") == sys.argv[2]:
        print(r.get("tls"))
PY
}

show_server_log() { echo "--- server log"; cat "$SERVER_LOG"; echo "---"; }

# check_card_requests TLS: the server logged a request with the card's certificate, and every
# such request came over TLS 1.2 or 1.3 as given (a case that must show the page).
check_card_requests() {
  local n versions
  n=$(card_requests /)
  [ "$n" -ge 1 ] || fail "the server logged no request with the card's certificate"
  versions=$(card_request_versions | sort -u)
  [ "$versions" = "TLSv$1" ] || fail "card requests over '$versions', expected TLSv$1"
}

# check_no_card_request: no request carried the card's certificate (a TLS 1.3 case without PSS).
check_no_card_request() {
  local n
  n=$(card_requests /)
  [ "$n" = 0 ] || fail "a TLS 1.3 request carried the card's certificate without PSS"
}

# check_one_auth_pin_ask: one page load, one login: NSS asked nss_pin_hook.so for the auth PIN
# (and sent it) exactly once, and never again after a rejection.
check_one_auth_pin_ask() {
  local asks
  asks=$(grep -c "^ask token=$AUTH_LABEL retry=0 answered=1 " "$WORK/pin.log" || true)
  [ "$asks" = 1 ] || fail "NSS asked for the auth PIN $asks times, expected once"
  ! grep -q "^ask token=$AUTH_LABEL retry=1" "$WORK/pin.log" || fail "NSS retried the auth PIN (rejected?)"
}

# An NSS database in $1 with the module registered (modutil, as a user or `card-cp setup` would;
# not with a second argument "no-module") and the test server's CA trusted for TLS servers.
make_nss_db() {
  local db=$1
  mkdir -p "$db"
  modutil -create -dbdir "sql:$db" -force >/dev/null
  if [ "${2:-}" != no-module ]; then
    # -force: no "are you sure" prompt (modutil asks when a browser might be running).
    modutil -add mynacard -libfile "$MODULE" -dbdir "sql:$db" -force >/dev/null
  fi
  certutil -A -d "sql:$db" -n "mynacard test server CA" -t "C,," -i "$WORK/server_ca.pem"
}

# Fails unless this test runs in a mount namespace of its own (pcsc-env.sh: unshare --mount,
# propagation private), where a bind mount over a system directory is seen by this test's
# processes alone and vanishes with them. Tests call it before mounting over anything, rather
# than ever write to the machine's own directories.
require_private_mounts() {
  [ "${MYNACARD_PCSC_ENV:-}" = 1 ] || fail "must run under tools/dev/pcsc-env.sh"
  [ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] ||
    fail "not in a private mount namespace: will not mount over $1"
}

if [ -n "${BROWSER:-}" ]; then
  PIN_HOOK=$(realpath "$PIN_HOOK")
  export HOME=$WORK/home
  mkdir -p "$HOME"
fi
