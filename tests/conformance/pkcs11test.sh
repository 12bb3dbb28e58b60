#!/usr/bin/env bash
# google/pkcs11test against the module on a fresh virtual card, one token per run.
#   Usage (under tools/dev/pcsc-env.sh): pkcs11test.sh MODULE PKCS11TEST auth|sign
# Runs with -X (the tokens have no security officer) and never -I (no token initialisation).
# pkcs11test.list (next to this script) is the one place that says which tests do not run here
# ("exclude", with the reason) and which are known to fail ("xfail", the suite's own bugs, with
# the reason). The run passes when exactly the xfail tests fail and every other test that ran
# passed: a module change that fixes or breaks any of them turns this test red. Afterwards every
# PIN counter of the card must be at its maximum.
MODULE=$1 SUITE=$2 TOKEN=$3
source "$(dirname "$0")/common.sh"
LIST=$(dirname "$0")/pkcs11test.list

# gtest filter: everything except the excluded patterns for this token.
excluded=$(awk -v t="$TOKEN" '$1 == "exclude" && ($2 == "all" || $2 == t) {print $3}' "$LIST" | paste -sd: -)
filter="*${excluded:+:-$excluded}"

start=$(date +%s.%N)
set +e
"$SUITE" -m "$(basename "$MODULE")" -l "$(dirname "$MODULE")" -s "$SLOT" -u "$PIN" -X \
  --gtest_filter="$filter" --gtest_output="json:$WORK/result.json" >"$WORK/run.log" 2>&1
rc=$?
set -e
end=$(date +%s.%N)
[ -s "$WORK/result.json" ] || { cat "$WORK/run.log"; fail "pkcs11test wrote no result (exit $rc)"; }

python3 - "$WORK/result.json" "$WORK/run.log" "$LIST" "$TOKEN" "$start" "$end" <<'PY' || { grep -v '^\[       OK \]\|^\[ RUN      \]' "$WORK/run.log" | head -300; fail "pkcs11test ($TOKEN): unexpected results"; }
import fnmatch, json, re, sys
result, log, listfile, token, start, end = sys.argv[1:7]
doc = json.load(open(result))
ran, failed = [], {}
for suite in doc["testsuites"]:
    for t in suite["testsuite"]:
        if t.get("status") != "RUN":
            continue  # DISABLED_ tests
        name = f"{suite['name']}.{t['name']}"
        ran.append(name)
        if t.get("failures"):
            failed[name] = t["failures"][0]["failure"].splitlines()
# pkcs11test's own "skipped" report (stderr): the test ran and returned early, e.g. no DES.
skipped, reason = {}, None
for line in open(log, errors="replace"):
    m = re.match(r"Following tests were skipped because: (.*)", line)
    if m:
        reason = m.group(1).strip()
    elif reason and line.startswith("  ") and line.strip():
        skipped[line.strip()] = reason
    else:
        reason = None
xfail, excluded = {}, []
for line in open(listfile):
    f = line.split(None, 3)
    if len(f) < 4 or line.startswith("#") or f[1] not in ("all", token):
        continue
    (xfail if f[0] == "xfail" else {}).__setitem__(f[2], f[3].strip())
    if f[0] == "exclude":
        excluded.append(f[2])
problems = []
for name in ran:
    if any(fnmatch.fnmatchcase(name, p) for p in excluded):
        problems.append(f"excluded test ran: {name}")
for pattern, why in xfail.items():
    hits = [n for n in ran if fnmatch.fnmatchcase(n, pattern)]
    if not hits:
        problems.append(f"expected failure did not run: {pattern}")
    for n in hits:
        if n not in failed:
            problems.append(f"expected failure now passes (update pkcs11test.list): {n} ({why})")
for name, msg in sorted(failed.items()):
    if not any(fnmatch.fnmatchcase(name, p) for p in xfail):
        problems.append(f"unexpected failure: {name}: " + " | ".join(msg[:4]))
passed = [n for n in ran if n not in failed and n not in skipped]
print(f"pkcs11test {token}: {len(ran)} ran: {len(passed)} passed, {len(failed)} failed "
      f"({len([n for n in failed if any(fnmatch.fnmatchcase(n, p) for p in xfail)])} expected), "
      f"{len(skipped)} skipped by the suite; {len(excluded)} patterns excluded; "
      f"{float(end) - float(start):.1f} s")
for name in sorted(failed):
    print(f"   failed: {name}")
for name, why in sorted(skipped.items()):
    print(f"   skipped: {name}: {why}")
for p in problems:
    print(f"PROBLEM: {p}")
sys.exit(1 if problems else 0)
PY
echo "== PIN counters after the run"
check_counters
echo "pkcs11test ($TOKEN): as expected"
