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
# TAP on stdout (cmocka 1.1): "ok N - name", "not ok N - name", "not ok N # SKIP name".
CMOCKA_MESSAGE_OUTPUT=TAP "$SUITE" -m "$MODULE" -s "$SLOT" -p "$PIN" -o "$WORK/result.json" \
  >"$WORK/run.log" 2>&1
rc=$?
set -e
end=$(date +%s.%N)

declare -A got=()
while read -r line; do
  if [[ $line =~ ^not\ ok\ [0-9]+\ \#\ SKIP\ ([A-Za-z0-9_]+) ]]; then got[${BASH_REMATCH[1]}]=skip
  elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ ([A-Za-z0-9_]+) ]]; then got[${BASH_REMATCH[1]}]=fail
  elif [[ $line =~ ^ok\ [0-9]+\ -\ ([A-Za-z0-9_]+) ]]; then got[${BASH_REMATCH[1]}]=pass
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
# A case that finds no key passes without testing anything: p11test's own JSON log must show the
# token's key (ID 01 auth, 02 sign) signing and verifying with every RSA mechanism, single and
# multi-part, and, when it runs, the PSS case with at least one key and mechanism.
key_id=$([ "$TOKEN" = auth ] && echo 01 || echo 02)
python3 - "$WORK/result.json" "$key_id" "${expected[pss_oaep_test]}" <<'PY' || problems=$((problems + 1))
import json, sys
doc, key, pss = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
cases = {r["test_id"]: r for r in doc["results"]}
def rows(case):
    data = cases.get(case, {}).get("data") or [[]]
    return data[1:]
bad = False
def need(case, mechanisms):
    global bad
    works = {r[1] for r in rows(case) if r[0] == key and r[2] == "YES"}
    missing = sorted(set(mechanisms) - works)
    if missing:
        print(f"PROBLEM: {case}: key {key} did not sign and verify with {', '.join(missing)}")
        bad = True
hashes = ["SHA1", "SHA224", "SHA256", "SHA384", "SHA512"]
need("readonly_tests", ["RSA_PKCS"] + [h + "_RSA_PKCS" for h in hashes])
need("multipart_tests", [h + "_RSA_PKCS" for h in hashes])
if pss == "pass":
    if not rows("pss_oaep_test"):
        print("PROBLEM: pss_oaep_test passed without testing a key")
        bad = True
    for r in rows("pss_oaep_test"):
        print("   pss_oaep_test:", " ".join(r))
sys.exit(1 if bad else 0)
PY
if [ "$problems" -ne 0 ]; then
  cat "$WORK/run.log"
  fail "p11test ($TOKEN): $problems unexpected outcome(s)"
fi
echo "== PIN counters after the run"
check_counters
echo "p11test ($TOKEN): as expected"
