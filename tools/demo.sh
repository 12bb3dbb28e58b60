#!/usr/bin/env bash
# Quick-start command (a): installs what is missing, builds, and shows a (virtual) My Number
# card through card-cp and through the PKCS#11 module with OpenSC's pkcs11-tool.
#
#   tools/demo.sh [--build-dir DIR] [--skip-deps] [--keep]
#
# Everything card-related runs inside tools/dev/pcsc-env.sh: a private pcscd with the vpcd
# driver in its own mount+network namespace, so a pcscd the machine already runs is untouched.
# The virtual card (test equipment, tests/support/vcard) gets a freshly generated O=JPKI-TEST
# PKI and its default PINs: auth PIN 1234, signing password ABC123. PINs reach card-cp through
# a mode-0600 --pin-file, never the command line. Every process started here is stopped by PID,
# also when a step fails. --keep leaves the work directory (PKI, signature) for inspection.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$src/build
skip_deps=0
keep=0
inside=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$(realpath -m "${2:?--build-dir needs a directory}"); shift ;;
    --skip-deps) skip_deps=1 ;;
    --keep) keep=1 ;;
    --inside) inside=1 ;;  # internal: already inside pcsc-env.sh
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument: $1" >&2; exit 64 ;;
  esac
  shift
done

banner() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

if [ "$inside" = 0 ]; then
  if [ "$skip_deps" = 0 ]; then
    banner "Installing missing Debian packages (tools/dev/install-deps.sh)"
    "$src/tools/dev/install-deps.sh"
  fi
  banner "Building into $build_dir (tools/dev/build.sh)"
  "$src/tools/dev/build.sh" --build-dir "$build_dir"
  banner "Starting a private pcscd with the vpcd virtual reader (tools/dev/pcsc-env.sh)"
  args=(--inside --build-dir "$build_dir")
  [ "$keep" = 1 ] && args+=(--keep)
  exec "$src/tools/dev/pcsc-env.sh" "$0" "${args[@]}"
fi

# --- inside the private PC/SC namespace --------------------------------------------------------
find_program() {  # the built program $1, wherever its directory put it
  local found
  found=$(find "$build_dir" -path "$build_dir/CMakeFiles" -prune -o -type f -name "$1" -perm -u+x -print -quit)
  [ -n "$found" ] || { echo "demo: $1 was not built in $build_dir" >&2; return 1; }
  echo "$found"
}
vcard=$(find_program mynacard-vcard)
testpki=$(find_program mynacard-testpki)
card_cp=$(find_program card-cp) || card_cp=""
module=$build_dir/pkcs11/libmynacard-pkcs11.so

work=$(mktemp -d /tmp/mynacard-demo.XXXXXX)
vcard_pid=""
cleanup() {
  local rc=$?
  if [ -n "$vcard_pid" ] && kill -0 "$vcard_pid" 2>/dev/null; then
    echo "demo: stopping the virtual card (pid $vcard_pid)"
    kill -TERM "$vcard_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$vcard_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$vcard_pid" 2>/dev/null || true
    wait "$vcard_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then echo "demo: work directory kept: $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failed=()
step_no=0
# step "TITLE" COMMAND...: runs one labelled step, echoing the command; a failure is recorded
# and the demo goes on, so one missing piece does not hide the others.
step() {
  local title=$1; shift
  step_no=$((step_no + 1))
  banner "[$step_no] $title"
  printf '$ %s\n' "$*" | sed "s|$build_dir/|build/|g; s|$work/|\$WORK/|g"
  if "$@"; then return 0; fi
  echo "demo: step $step_no FAILED: $title" >&2
  failed+=("[$step_no] $title")
  return 0
}

banner "Generating a test PKI (two JPKI-shaped CAs, auth + signing certificates; O=JPKI-TEST)"
"$testpki" --out "$work/pki" >/dev/null
ls "$work/pki"

banner "Starting the virtual card on vpcd port $MYNACARD_VPCD_PORT (reader \"$MYNACARD_VPCD_READER\")"
mkdir -p "$work/state"
"$vcard" --port "$MYNACARD_VPCD_PORT" --pki "$work/pki" --state "$work/state" \
  --pidfile "$work/vcard.pid" 2>"$work/vcard.log" &
vcard_pid=$!
echo "virtual card pid $vcard_pid"

# Present = pcscd reports a card in the reader (observed with OpenSC, independent of mynacard).
for _ in $(seq 1 100); do
  if opensc-tool --list-readers 2>/dev/null | grep -F "$MYNACARD_VPCD_READER" | grep -qw Yes; then
    break
  fi
  kill -0 "$vcard_pid" 2>/dev/null || { cat "$work/vcard.log" >&2; echo "demo: the virtual card exited" >&2; exit 1; }
  sleep 0.1
done
opensc-tool --list-readers

# The verifier trusts the test CAs only because this demo says so (never in production).
cat > "$work/mynacard.conf" <<CONF
[trust]
anchors = $work/pki/auth_ca.pem, $work/pki/sign_ca.pem
accept_test_hierarchy = true
CONF
export MYNACARD_CONFIG=$work/mynacard.conf
( umask 077; printf '1234\n' > "$work/auth.pin" )
printf 'Hello from the mynacard demo, %s\n' "$(date -u +%FT%TZ)" > "$work/document.txt"

if [ -n "$card_cp" ]; then
  step "card-cp readers: the reader, a card in it, and its kind" \
    "$card_cp" readers
  step "card-cp status: identity, certificates, PIN tries left (read without spending a try)" \
    "$card_cp" status
  step "card-cp cert show auth: the user-authentication certificate" \
    "$card_cp" cert show auth
  step "card-cp sign: a detached CMS signature with the auth key (PIN from a 0600 file)" \
    "$card_cp" --pin-file "$work/auth.pin" sign --key auth "$work/document.txt" \
               --output "$work/document.txt.p7s"
  step "card-cp verify: the signature against the document and the configured anchors" \
    "$card_cp" verify "$work/document.txt" --signature "$work/document.txt.p7s"
  cms_form=DER
  if [ -f "$work/document.txt.p7s" ] && head -c 10 "$work/document.txt.p7s" | grep -q -- '-----'; then
    cms_form=PEM
  fi
  step "openssl cms -verify: the same signature checked by OpenSSL alone" \
    openssl cms -verify -binary -inform "$cms_form" -in "$work/document.txt.p7s" \
                -content "$work/document.txt" -CAfile "$work/pki/auth_ca.pem" -purpose any \
                -out /dev/null
  step "APDU trace (MYNACARD_TRACE=1) of a signature: VERIFY's PIN shows as <redacted>" \
    env MYNACARD_TRACE=1 "$card_cp" --pin-file "$work/auth.pin" sign --key auth \
        "$work/document.txt" --output "$work/document.txt.traced.p7s"
else
  step "card-cp (not built in $build_dir)" false
fi

if [ -f "$module" ]; then
  step "pkcs11-tool -L: slots and tokens as applications see them" \
    pkcs11-tool --module "$module" -L
  step "pkcs11-tool -O: public objects (certificates, public keys) without login" \
    pkcs11-tool --module "$module" -O
else
  step "PKCS#11 module (not built: $module)" false
fi

banner "Summary"
if [ "${#failed[@]}" -eq 0 ]; then
  echo "demo: all $step_no steps succeeded"
else
  echo "demo: ${#failed[@]} of $step_no steps failed:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
