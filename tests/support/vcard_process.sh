# The shell tests that run the mynacard-vcard program ($VCARD) on the first vpcd reader source this
# (bash, set -euo pipefail, under tools/dev/pcsc-env.sh), for what they all do the same way:
#   stop_pid PID        SIGTERM to PID if it still runs, and wait for it (a test stops what it
#                       started by PID, never by name);
#   cleanup             the EXIT/INT/TERM trap: stops VCARD_PID, runs the test's cleanup_also
#                       if it defines one, removes $WORK, and exits with the test's status;
#   start_vcard ARGS    $VCARD ARGS in the background, its output in $WORK/vcard.log; VCARD_PID;
#   wait_for_token MOD  until module MOD lists the token 'JPKI Auth' (20 s), failing at once
#                       with the card program's log if it exits;
#   write_test_config   the module configuration of the client and conformance tests
#                       (MYNACARD_CONFIG in $WORK): no network checks, fail-open for both keys,
#                       no expiry warnings, log level $MYNACARD_TEST_LOG_LEVEL (default off);
#                       a private cache (XDG_CACHE_HOME in $WORK).
# The test defines fail() and sets WORK (and the trap) itself.
VCARD_PID=""

stop_pid() {
  if [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; then
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}

cleanup() {
  local rc=$?
  stop_pid "$VCARD_PID"
  if declare -F cleanup_also >/dev/null; then cleanup_also || true; fi
  rm -rf "$WORK"
  exit $rc
}

start_vcard() {
  "$VCARD" "$@" >"$WORK/vcard.log" 2>&1 &
  VCARD_PID=$!
}

wait_for_token() {
  local _
  for _ in $(seq 1 100); do
    if pkcs11-tool --module "$1" -T 2>/dev/null | grep -q 'JPKI Auth'; then return 0; fi
    kill -0 "$VCARD_PID" 2>/dev/null || { cat "$WORK/vcard.log" >&2; fail "mynacard-vcard exited"; }
    sleep 0.2
  done
  pkcs11-tool --module "$1" -T | grep -q 'JPKI Auth' || fail "token did not appear"
}

write_test_config() {
  export XDG_CACHE_HOME=$WORK/cache
  export MYNACARD_CONFIG=$WORK/mynacard.conf
  cat > "$MYNACARD_CONFIG" <<CONF
[revocation]
mode = none
policy.sign = fail-open
policy.auth = fail-open
expiry.warn_days = 0
[log]
level = ${MYNACARD_TEST_LOG_LEVEL:-off}
CONF
}
