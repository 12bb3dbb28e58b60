# Shared set-up for the real-client tests (run under tools/dev/pcsc-env.sh):
#   common.sh is sourced with MODULE and VCARD set. Starts the mynacard-vcard program in the
#   background on the first vpcd reader, waits for the token, and stops it by PID at exit.
set -euo pipefail
# p11-kit resolves a relative module path against its own module directory.
MODULE=$(realpath "$MODULE")
VCARD=$(realpath "$VCARD")
source "$(dirname "${BASH_SOURCE[0]}")/../../support/vcard_process.sh"
WORK=$(mktemp -d /tmp/mynacard-client.XXXXXX)
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# write_engine_config: $WORK/openssl.cnf, an OpenSSL configuration (for OPENSSL_CONF) that loads
# the libp11 engine with $MODULE; init = 0: the engine starts the module when first used.
write_engine_config() {
  local engine
  engine=$(find /usr/lib -path '*engines-3/pkcs11.so' | head -1)
  [ -n "$engine" ] || fail "libengine-pkcs11-openssl is not installed"
  cat > "$WORK/openssl.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $MODULE
init = 0
CNF
}

write_test_config

start_vcard --pki "$WORK/pki"
wait_for_token "$MODULE"

# The token labels: the documented form (README "PKCS#11 module": a fixed prefix, a blank, the
# last 4 characters of the card's serial, so that two cards' tokens differ), built from the serial
# the module shows, and the module must show exactly these.
# token_labels MODULE SERIAL: sets AUTH_LABEL / SIGN_LABEL for the card with that serial.
token_labels() {
  local serial=$2 listing
  [ -n "$serial" ] || fail "no token serial"
  AUTH_LABEL="JPKI Auth (利用者証明) ${serial: -4}"
  SIGN_LABEL="JPKI Sign (署名用) ${serial: -4}"
  listing=$(pkcs11-tool --module "$1" -T 2>/dev/null)
  grep -qx " *token label *: $AUTH_LABEL" <<<"$listing" || { echo "$listing" >&2; fail "no auth token labelled '$AUTH_LABEL'"; }
  grep -qx " *token label *: $SIGN_LABEL" <<<"$listing" || { echo "$listing" >&2; fail "no sign token labelled '$SIGN_LABEL'"; }
}
# The card serial as the module shows it: the Common AP's, or on a card without the Common AP
# (virtual-card switch no-common-ap) the 16 hex digits derived from the auth certificate.
SERIAL=$(pkcs11-tool --module "$MODULE" -T 2>/dev/null | sed -n 's/^ *serial num *: //p' | head -1)
case ",${MYNACARD_VCARD_SWITCHES:-}," in
  *,no-common-ap,*) [[ "$SERIAL" =~ ^[0-9A-F]{16}$ ]] || fail "derived serial '$SERIAL' is not 16 hex digits" ;;
  *) [ "$SERIAL" = AB0123456789012 ] || fail "serial '$SERIAL' is not the Common AP's" ;;
esac
token_labels "$MODULE" "$SERIAL"
AUTH_PIN=1234
SIGN_PIN=ABC123
urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
AUTH_TOKEN_URI="pkcs11:token=$(urlencode "$AUTH_LABEL")"
SIGN_TOKEN_URI="pkcs11:token=$(urlencode "$SIGN_LABEL")"
printf 'mynacard real-client test data\n' > "$WORK/data"
