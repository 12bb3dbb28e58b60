#!/usr/bin/env bash
# OpenSC's p11test against the module on a fresh virtual card, one token per run.
#   Usage (under tools/dev/pcsc-env.sh): p11test.sh MODULE P11TEST auth|sign
# p11test runs its read-only cases (it creates, generates and initialises nothing). The outcome
# of every case is asserted; the ones that cannot run here are named below with the reason, in
# this one place:
#   wait_test          skipped: needs -i (a person inserting the card), not run in CI
#   ec_sign_size_test  skipped: the JPKI card has no EC keys (RSA-2048 only, jpki-card.md §1)
#   pss_oaep_test      skipped unless the virtual card's `pss` switch is on
#                      (MYNACARD_VCARD_SWITCHES=pss): only then does the module advertise
#                      RSA-PSS; there is no RSA-OAEP (the card does not decrypt). With the
#                      switch on it must run and pass.
# Every other case must pass. Afterwards every PIN counter of the card must be at its maximum.
MODULE=$1 SUITE=$2 TOKEN=$3
source "$(dirname "$0")/common.sh"

declare -A expected=(
  [wait_test]=skip [supported_mechanisms_test]=pass [interface_test]=pass [readonly_tests]=pass
  [multipart_tests]=pass [ec_sign_size_test]=skip [usage_test]=pass [pss_oaep_test]=skip
  [derive_tests]=pass [secret_tests]=pass [wrap_tests]=pass
)
case ",${MYNACARD_VCARD_SWITCHES:-}," in *,pss,*) expected[pss_oaep_test]=pass ;; esac

start=$(date +%s.%N)
set +e
# TAP on stdout: one "ok N - name [# SKIP]" / "not ok N - name" line per case.
CMOCKA_MESSAGE_OUTPUT=TAP "$SUITE" -m "$MODULE" -s "$SLOT" -p "$PIN" -o "$WORK/result.json" \
  >"$WORK/run.log" 2>&1
rc=$?
set -e
end=$(date +%s.%N)

declare -A got=()
while read -r line; do
  if [[ $line =~ ^(not\ )?ok\ [0-9]+\ -\ ([A-Za-z0-9_]+)(.*)$ ]]; then
    name=${BASH_REMATCH[2]}
    if [ -n "${BASH_REMATCH[1]}" ]; then got[$name]=fail
    elif [[ ${BASH_REMATCH[3]} == *"# SKIP"* ]]; then got[$name]=skip
    else got[$name]=pass
    fi
  fi
done < "$WORK/run.log"

problems=0 pass=0 skip=0 failed=0
for name in "${!expected[@]}"; do
  outcome=${got[$name]:-missing}
  case $outcome in pass) pass=$((pass + 1)) ;; skip) skip=$((skip + 1)) ;; *) failed=$((failed + 1)) ;; esac
  if [ "$outcome" != "${expected[$name]}" ]; then
    echo "PROBLEM: $name: $outcome, expected ${expected[$name]}"
    problems=$((problems + 1))
  fi
done
for name in "${!got[@]}"; do
  [ -n "${expected[$name]:-}" ] || { echo "PROBLEM: case $name is new (${got[$name]}): add it above"; problems=$((problems + 1)); }
done
printf 'p11test %s: %d passed, %d skipped, %d failed (exit %d); %.1f s\n' "$TOKEN" "$pass" "$skip" "$failed" "$rc" \
  "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')"
if [ "$problems" -ne 0 ]; then
  cat "$WORK/run.log"
  fail "p11test ($TOKEN): $problems unexpected outcome(s)"
fi
echo "== PIN counters after the run"
check_counters
echo "p11test ($TOKEN): as expected"
