#!/usr/bin/env bash
# The README demo: card-cp's status, a certificate and a sign/verify round trip, against the
# virtual card through the real PC/SC stack (private pcscd + vpcd). Run from the source tree:
#
#   tools/dev/pcsc-env.sh tools/card-cp/demo.sh [BUILD_DIR]      (default BUILD_DIR: build)
#
# The virtual card's test hierarchy (O=JPKI-TEST) is trusted here only through an explicit
# demo configuration; no revocation source is configured, so the demo allows "unknown".
set -euo pipefail

build=${1:-build}
card_cp=$(realpath "$build/tools/card-cp/card-cp")
vcard=$(realpath "$build/tests/support/vcard/mynacard-vcard")
work=$(mktemp -d /tmp/card-cp-demo.XXXXXX)
vcard_pid=""
cleanup() {
  if [ -n "$vcard_pid" ]; then kill "$vcard_pid" 2>/dev/null || true; wait "$vcard_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/pki"
"$vcard" --pki "$work/pki" >"$work/vcard.log" 2>&1 &
vcard_pid=$!
for _ in $(seq 1 200); do
  "$card_cp" readers --json 2>/dev/null | grep -q '"my-number-card"' && break
  sleep 0.1
done

cat >"$work/demo.conf" <<CONF
[trust]
anchors = $work/pki/auth_ca.pem, $work/pki/sign_ca.pem
accept_test_hierarchy = true
[revocation]
mode = none
policy.sign = fail-open
CONF
export MYNACARD_CONFIG=$work/demo.conf XDG_CACHE_HOME=$work/cache
cd "$work"

card-cp() { "$card_cp" "$@"; }
run() { printf '\n$ %s\n' "$*"; "$@"; }
printf 'ABC123\n' >password && chmod 600 password   # the virtual card's signing password
printf 'Hello, My Number card.\n' >document.txt

run card-cp status
run card-cp cert show auth
run card-cp sign document.txt --pin-file password
run card-cp verify document.txt -s document.txt.p7s
run openssl cms -verify -binary -inform DER -in document.txt.p7s -content document.txt \
    -CAfile pki/sign_ca.pem -out /dev/null
