# Shared set-up for the conformance suites (sourced under tools/dev/pcsc-env.sh with MODULE and
# TOKEN = auth|sign set; MYNACARD_VCARD names the mynacard-vcard program). Starts a fresh virtual
# card (its PIN counters kept in $WORK/state/card-state.json, written after every change) on the
# first vpcd reader, waits for the token, and sets SLOT (decimal slot ID of the token) and PIN.
# The card is stopped by PID at exit.
set -euo pipefail
MODULE=$(realpath "$MODULE")
VCARD=$(realpath "${MYNACARD_VCARD:?MYNACARD_VCARD names the mynacard-vcard program}")
source "$(dirname "${BASH_SOURCE[0]}")/../support/vcard_process.sh"
WORK=$(mktemp -d /tmp/mynacard-conformance.XXXXXX)
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

case "$TOKEN" in
  auth) LABEL='JPKI Auth'; PIN=1234 ;;   # token labels start so (README "PKCS#11 module")
  sign) LABEL='JPKI Sign'; PIN=ABC123 ;;
  *) echo "usage: TOKEN must be auth or sign" >&2; exit 64 ;;
esac

write_test_config

start_vcard --pki "$WORK/pki" --state "$WORK/state"

# The decimal slot ID of the first token whose label contains $LABEL (pkcs11-tool -L: "Slot N
# (0x..): ..." then "  token label        : ...").
token_slot() {
  pkcs11-tool --module "$MODULE" -L 2>/dev/null |
    awk -v label="$LABEL" '/^Slot [0-9]+ /{slot=$2} index($0, "token label") && index($0, label) {print slot; exit}'
}
SLOT=""
for _ in $(seq 1 100); do
  SLOT=$(token_slot)
  [ -n "$SLOT" ] && break
  kill -0 "$VCARD_PID" 2>/dev/null || { cat "$WORK/vcard.log" >&2; fail "mynacard-vcard exited"; }
  sleep 0.2
done
[ -n "$SLOT" ] || fail "token '$LABEL' did not appear"
echo "== token '$LABEL' in slot $SLOT (switches: ${MYNACARD_VCARD_SWITCHES:-none})"

# The suites must spend no PIN try: every counter of the card is back at its maximum.
check_counters() {
  python3 - "$WORK/state/card-state.json" <<'PY' || fail "a PIN try was spent (card state above)"
import json, sys
doc = json.load(open(sys.argv[1]))
bad = False
for name, pin in sorted(doc["pins"].items()):
    print(f"   {name}: {pin['tries_left']} of {pin['max_tries']} tries left")
    bad |= pin["tries_left"] != pin["max_tries"]
sys.exit(1 if bad else 0)
PY
}
