#!/usr/bin/env bash
# The virtual-card switch matrix (issue 9 §2): runs the PKCS#11 harness tests, the real-client
# tests, card-cp's tests, the C++ API's PC/SC tests and the virtual card's own PC/SC tests once
# per switch of the virtual card (tests/support/vcard/card_switches.hpp), each switch alone on
# top of the default, with MYNACARD_VCARD_SWITCHES set for the whole ctest run, so every virtual
# card those tests create (in-process, VpcdCard, mynacard-vcard) has it. Prints a PASS/FAIL table; exits non-zero if any run failed.
#
#   tools/dev/switch-matrix.sh [--build-dir DIR] [--parallel N] [--list] [SWITCH...]
#
#   --build-dir DIR  a configured and built tree (default build/)
#   --parallel N     switch runs at once (default 7; each has its own private pcscds, see
#                    tools/dev/pcsc-env.sh, and the tests mostly wait on pcscd and vpcd)
#   --list           print the switches of the default matrix and exit
#   SWITCH...        run these instead of the default matrix (e.g. "sign-consumes")
#
# Called by tools/test.sh after the normal build's suite (not under ASan: the matrix checks the
# module's logic against each card behaviour, which the ASan phase's default-card run already
# covers for memory errors). Logs: $BUILD/switch-matrix/<switch>.log.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$src/build
parallel=7
list_only=0
switches=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --build-dir=*) build_dir=${1#--build-dir=} ;;
    --parallel) parallel=${2:?--parallel needs a number}; shift ;;
    --list) list_only=1 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "switch-matrix: unknown argument: $1" >&2; exit 64 ;;
    *) switches+=("$1") ;;
  esac
  shift
done

# The default matrix: every switch the module passes today. A switch joins when the fix it
# needs is on main (the README's "Virtual-card switches" section says which are still out and
# why). The ATRs of jpki-card.md §1.2 fold into two runs: the module looks at an ATR only to
# decide whether to try extended-length APDUs (apdu::atr::declares_extended_length, unit-tested
# for every listed ATR in tests/apdu/atr_test.cpp); detection is by AID. So one contact ATR that
# declares no extended length (JPKI (03)) and one contactless ATR (JPKI (06)) cover both answers
# and both interfaces; the default card has JPKI (02), which declares it.
# Not in it: reselect-clears, the strict default itself, which the whole suite runs with.
default_matrix=(
  reselect-keeps
  reselect-keeps-all
  sign-consumes
  empty-verify-9000
  read-end-6282
  padded-ef
  no-extended
  blocked-6983
  blocked-63c0
  no-common-ap
  label-v1
  atr=3BC5FF8131FB458073C6010000
  atr=3B888001000005E0B381A1007F
  pss
)
[ ${#switches[@]} -gt 0 ] || switches=("${default_matrix[@]}")
if [ "$list_only" = 1 ]; then printf '%s\n' "${switches[@]}"; exit 0; fi

vcard=$build_dir/tests/support/vcard/mynacard-vcard
[ -x "$vcard" ] || { echo "switch-matrix: $vcard not built" >&2; exit 66; }
# Refuse names the card does not know before spending minutes on them.
for sw in "${switches[@]}"; do
  if ! MYNACARD_VCARD_SWITCHES=$sw "$vcard" --list-switches >/dev/null 2>"$build_dir/.switch-check"; then
    cat "$build_dir/.switch-check" >&2
    exit 64
  fi
done
rm -f "$build_dir/.switch-check"

# The tests that drive a virtual card through pcscd + vpcd with the module, card-cp, the NSS tools,
# the C++ API or bare APDUs: labels pcsc AND (pkcs11 or cli or nss or jpki or vcard). jpki is
# jpki_pcsc (lib/jpki's CardSession: detection, certificates, PIN verification and change,
# signatures, Kenhojo, resets, removal, the cache, the example program); vcard is
# pcsc_vcard_tests (the PC/SC transport with VpcdCard and the mynacard-vcard/-testpki programs),
# labelled so rather than named here so that the selection stays one rule over labels. Not the
# other PC/SC tests of label apdu (apdu_pcsc_tests, apdu_pcsc_card_tests): they meet no virtual
# JPKI card (no card, or an echo card written in the test). Not the benchmarks (tests/bench prints its own rows per switch), not the third-party
# conformance suites (label conformance: they judge the PKCS#11 interface, not card behaviour,
# and would double the matrix's time), not the browsers (label browser, even the one that also
# carries cli: a minute each, and what they do with the card the client tests cover); the unit
# tests (cli_unit, pkcs11_exports) meet no card. Not pkcs11_reader_hotplug either: it adds and
# removes readers and restarts pcscd (its own subject is the PC/SC service, whatever the card
# does), and seven of it at once, each restarting a pcscd, ran past its 60 s restart bound on
# 2 cores; the card behaviours it meets are the other pkcs11 tests' subject.
regex=$(ctest --test-dir "$build_dir" -N -L 'pkcs11|cli|nss|jpki|vcard' --show-only=json-v1 2>/dev/null |
        python3 -c '
import json, sys
tests = json.load(sys.stdin)["tests"]
names = []
for t in tests:
    labels = []
    for p in t.get("properties", []):
        if p["name"] == "LABELS":
            labels = p["value"]
    if ("pcsc" in labels and {"pkcs11", "cli", "nss", "jpki", "vcard"} & set(labels)
            and not {"bench", "conformance", "browser"} & set(labels)
            and t["name"] != "pkcs11_reader_hotplug"):
        names.append(t["name"])
print("^(" + "|".join(names) + ")$" if names else "")')
[ -n "$regex" ] || { echo "switch-matrix: no tests found in $build_dir" >&2; exit 66; }

logs=$build_dir/switch-matrix
rm -rf "$logs"
mkdir -p "$logs"
start=$(date +%s)
echo "switch-matrix: ${#switches[@]} runs of $(tr -cd '|' <<<"$regex" | wc -c | awk '{print $1+1}') tests, $parallel at a time; logs in $logs"

# One ctest per switch; up to $parallel at once. Each ctest runs its tests one at a time (-j1):
# with several switches in flight the two cores are busy anyway. Every ctest is started and
# stopped by its own PID (ctest passes a SIGTERM on to its tests; pcsc-env.sh stops its pcscd).
declare -A pid_of=() started=()
stop_all() {
  for pid in "${pid_of[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  exit 130
}
trap stop_all INT TERM
safe_name() { printf '%s' "$1" | tr -c 'A-Za-z0-9_.=-' '_'; }
finish_one() {
  local done_pid rc=0 sw
  wait -n -p done_pid "${pid_of[@]}" || rc=$?
  for sw in "${!pid_of[@]}"; do
    if [ "${pid_of[$sw]}" = "$done_pid" ]; then
      echo "$rc $(( $(date +%s) - ${started[$sw]} ))" > "$logs/$(safe_name "$sw").rc"
      unset "pid_of[$sw]"
      break
    fi
  done
}
for sw in "${switches[@]}"; do
  while [ "${#pid_of[@]}" -ge "$parallel" ]; do finish_one; done
  MYNACARD_VCARD_SWITCHES=$sw ctest --test-dir "$build_dir" -R "$regex" --output-on-failure \
    --timeout 600 -j1 >"$logs/$(safe_name "$sw").log" 2>&1 &
  pid_of[$sw]=$!
  started[$sw]=$(date +%s)
done
while [ "${#pid_of[@]}" -gt 0 ]; do finish_one; done
trap - INT TERM

status=0
printf '\n%-34s %-6s %6s  %s\n' "switch" "result" "time" "failed tests"
for sw in "${switches[@]}"; do
  log=$logs/$(safe_name "$sw").log
  read -r rc secs < "$logs/$(safe_name "$sw").rc" || { rc=1; secs=0; }
  failed=$(sed -n 's/^[[:space:]]*[0-9]\+ - \([^ ]*\) .*/\1/p' "$log" | tr '\n' ' ')
  if [ "$rc" = 0 ]; then result=PASS; else result=FAIL; status=1; fi
  printf '%-34s %-6s %5ss  %s\n' "$sw" "$result" "$secs" "$failed"
done
printf 'switch-matrix: %ss in all\n' "$(( $(date +%s) - start ))"
if [ "$status" != 0 ]; then
  for sw in "${switches[@]}"; do
    read -r rc _ < "$logs/$(safe_name "$sw").rc" || rc=1
    [ "$rc" = 0 ] && continue
    printf '\n==== switch %s: end of %s ====\n' "$sw" "$logs/$(safe_name "$sw").log"
    tail -n 60 "$logs/$(safe_name "$sw").log"
  done
  echo "switch-matrix: FAILED" >&2
fi
exit "$status"
