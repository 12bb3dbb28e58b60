#!/usr/bin/env bash
# card-cp setup against fresh NSS databases in a temporary HOME: Chromium's ~/.pki/nssdb (absent
# at first), and Firefox profiles found through profiles.ini (a relative one with a database as
# Firefox leaves it, an absolute one without a database yet, one whose directory is gone).
# Checks the registration with NSS itself (modutil -list, and nss_login_probe: what NSS asks a
# password for when a browser looks for a client certificate), idempotence, --check, --json,
# --remove, the running-browser notice, Japanese messages, failures and their exit code.
# With a second card in the second reader (its own test PKI from TESTPKI and its own serial, so
# its token labels differ: README "PKCS#11 module"), the registration covers both cards.
# Runs under tools/dev/pcsc-env.sh.   Usage: setup_test.sh CARD_CP MODULE VCARD PROBE TESTPKI
set -euo pipefail
CARD_CP=$(realpath "$1") MODULE=$(realpath "$2") VCARD=$(realpath "$3") PROBE=$(realpath "$4")
TESTPKI=$(realpath "$5")

source "$(dirname "$0")/../support/vcard_process.sh"
WORK=$(mktemp -d /tmp/mynacard-setup-test.XXXXXX)
VCARD2_PID="" FAKE_PID=""
cleanup_also() { stop_pid "$FAKE_PID"; stop_pid "$VCARD2_PID"; }
trap cleanup EXIT INT TERM
fail() { echo "setup_test: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

export HOME=$WORK/home LANG=C LC_ALL=C
unset LC_MESSAGES
mkdir -p "$HOME"
export XDG_CACHE_HOME=$WORK/cache MYNACARD_CONFIG=$WORK/mynacard.conf
printf '[revocation]\nmode = none\npolicy.sign = fail-open\npolicy.auth = fail-open\n' > "$MYNACARD_CONFIG"

start_vcard --pki "$WORK/pki"
wait_for_token "$MODULE"

# Firefox's layout: profiles.ini beside the profile directories; an absolute profile elsewhere.
ff=$HOME/.mozilla/firefox
mkdir -p "$ff/ab12cd34.default-esr" "$WORK/elsewhere/work-profile"
certutil -N -d "sql:$ff/ab12cd34.default-esr" --empty-password
cat > "$ff/profiles.ini" <<INI
[Install3B6073811A6ABF12]
Default=ab12cd34.default-esr
Locked=1

[Profile1]
Name=work
IsRelative=0
Path=$WORK/elsewhere/work-profile

[Profile0]
Name=default-esr
IsRelative=1
Path=ab12cd34.default-esr
Default=1

[Profile2]
Name=gone
IsRelative=1
Path=zz99.gone

[General]
StartWithLastProfile=1
Version=2
INI
DBS=("$HOME/.pki/nssdb" "$ff/ab12cd34.default-esr" "$WORK/elsewhere/work-profile")

registered() { grep -qx 'name=mynacard' "$1/pkcs11.txt" 2>/dev/null; }
cc() { "$CARD_CP" "$@"; }

step "--check before setup: nothing registered, exit 40"
set +e; cc setup --check --module "$MODULE" --json > "$WORK/check0.json"; rc=$?; set -e
[ $rc -eq 40 ] || fail "--check before setup exited $rc, expected 40"
python3 - "$WORK/check0.json" <<'PY' || fail "--check JSON before setup"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "setup" and d["action"] == "check" and d["complete"] is False, d
assert all(not db["registered"] for db in d["databases"]), d["databases"]
assert d["pcsc"]["reachable"] is True, d["pcsc"]
assert any(r["card_present"] for r in d["pcsc"]["readers"]), d["pcsc"]
assert d["module"]["loadable"] and d["module"]["version"], d["module"]
PY
for db in "${DBS[@]}"; do [ ! -e "$db/pkcs11.txt" ] || ! registered "$db" || fail "$db registered by --check"; done
[ ! -e "$HOME/.pki/nssdb" ] || fail "--check created ~/.pki/nssdb"

step "setup: registers everywhere, creates the missing databases"
cc setup --module "$MODULE" | tee "$WORK/setup1.txt"
grep -q "^Chromium $HOME/.pki/nssdb: registered (database created)$" "$WORK/setup1.txt" || fail "chromium line"
grep -q "^Firefox (default-esr) $ff/ab12cd34.default-esr: registered$" "$WORK/setup1.txt" || fail "relative profile line"
grep -q "^Firefox (work) $WORK/elsewhere/work-profile: registered (database created)$" "$WORK/setup1.txt" || fail "absolute profile line"
grep -q "^Firefox (gone) $ff/zz99.gone: skipped: profile directory missing$" "$WORK/setup1.txt" || fail "missing profile line"
[ ! -e "$ff/zz99.gone" ] || fail "setup created a profile Firefox had not"
for db in "${DBS[@]}"; do
  registered "$db" || fail "$db: not registered"
  grep -q "^library=$MODULE\$" "$db/pkcs11.txt" || fail "$db: library path"
  grep -q '^NSS=slotParams=(0={slotFlags=\[PublicCerts\]} 1={slotFlags=\[Disable\]} 2=' "$db/pkcs11.txt" \
    || { cat "$db/pkcs11.txt"; fail "$db: slot parameters"; }
  # modutil exits non-zero when a slot is empty (the second vpcd reader): judge by its output.
  modutil -dbdir "sql:$db" -list > "$WORK/list" 2>&1 || true
  grep -q 'mynacard' "$WORK/list" || { cat "$WORK/list"; fail "$db: modutil -list does not show the module"; }
  grep -q "library name: $MODULE" "$WORK/list" || fail "$db: modutil -list library name"
done

step "a browser's client-certificate search asks for the auth PIN only"
for db in "${DBS[@]}"; do
  "$PROBE" "$db" 1234 ABC123 > "$WORK/probe" || { cat "$WORK/probe"; fail "$db: probe found no certificate to sign with"; }
  cat "$WORK/probe"
  grep -q '^password-asked: JPKI Auth' "$WORK/probe" || fail "$db: the auth PIN was not asked"
  if grep '^password-asked:' "$WORK/probe" | grep -qv 'JPKI Auth'; then fail "$db: a password other than the auth PIN was asked"; fi
  [ "$(grep -c '^password-asked:' "$WORK/probe")" -eq 1 ] || fail "$db: the auth PIN was asked more than once"
  grep -q '^selected: CN=.*,C=JP$' "$WORK/probe" || fail "$db: no certificate selected"
  grep -q '^selected: .*Chiyoda' "$WORK/probe" && fail "$db: the signing certificate was selected"
  grep -q '^signed: 256 bytes$' "$WORK/probe" || fail "$db: no signature"
  grep -q '^chromium-candidate: ' "$WORK/probe" || fail "$db: Chromium's search finds no certificate"
done

step "two cards: both auth tokens friendly, still only an auth PIN asked (slot flags by slot, not by label)"
"$TESTPKI" --out "$WORK/pki2" --auth-serial 4098 --sign-serial 8194 >/dev/null
"$VCARD" --pki "$WORK/pki2" --port "$MYNACARD_VPCD_PORT2" --common-serial CD9876543210987 >"$WORK/vcard2.log" 2>&1 &
VCARD2_PID=$!
for _ in $(seq 1 100); do
  [ "$(pkcs11-tool --module "$MODULE" -T 2>/dev/null | grep -c 'token label')" -eq 4 ] && break
  kill -0 "$VCARD2_PID" 2>/dev/null || { cat "$WORK/vcard2.log" >&2; fail "card 2's mynacard-vcard exited"; }
  sleep 0.2
done
pkcs11-tool --module "$MODULE" -T > "$WORK/T2"
[ "$(sed -n 's/^ *token label *: //p' "$WORK/T2" | sort -u | wc -l)" -eq 4 ] || { cat "$WORK/T2"; fail "two cards: four distinct token labels expected"; }
for db in "${DBS[@]}"; do
  "$PROBE" "$db" 1234 ABC123 > "$WORK/probe2" || { cat "$WORK/probe2"; fail "$db: two cards: no certificate to sign with"; }
  cat "$WORK/probe2"
  [ "$(grep -c '^password-asked:' "$WORK/probe2")" -eq 1 ] || fail "$db: two cards: one PIN request expected"
  grep -q '^password-asked: JPKI Auth (利用者証明) ' "$WORK/probe2" || fail "$db: two cards: the PIN asked is not an auth token's"
  [ "$(grep '^candidate: ' "$WORK/probe2" | sort -u | wc -l)" -eq 2 ] || fail "$db: two cards: both auth certificates should be candidates"
  [ "$(grep '^chromium-candidate: ' "$WORK/probe2" | sort -u | wc -l)" -eq 2 ] || fail "$db: two cards: Chromium should find both auth certificates"
  grep -q '^selected: .*Chiyoda' "$WORK/probe2" && fail "$db: two cards: a signing certificate was selected"
  grep -q '^signed: 256 bytes$' "$WORK/probe2" || fail "$db: two cards: no signature"
done
kill "$VCARD2_PID"; wait "$VCARD2_PID" 2>/dev/null || true; VCARD2_PID=""

step "setup again: idempotent (--json: already-present everywhere, files unchanged)"
for db in "${DBS[@]}"; do md5sum "$db/pkcs11.txt"; done > "$WORK/sums"
cc setup --module "$MODULE" --json > "$WORK/setup2.json"
md5sum -c --quiet "$WORK/sums" || fail "a second setup changed a database"
python3 - "$WORK/setup2.json" "$MODULE" <<'PY' || fail "second setup JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["action"] == "add" and d["sign_token"] == "disabled", d
res = {(db["browser"], db["profile"]): db["result"] for db in d["databases"]}
assert res == {("chromium", None): "already-present", ("firefox", "default-esr"): "already-present",
               ("firefox", "work"): "already-present", ("firefox", "gone"): "skipped"}, res
assert d["module"]["path"] == sys.argv[2], d["module"]
assert d["restart"] == [], d
PY

step "--check after setup: exit 0, every database registered"
cc setup --check --module "$MODULE" | tee "$WORK/check1.txt"
grep -q "^Chromium $HOME/.pki/nssdb: registered$" "$WORK/check1.txt" || fail "--check chromium"
grep -q '^pcscd: reachable$' "$WORK/check1.txt" || fail "--check pcscd"
grep -q 'card present' "$WORK/check1.txt" || fail "--check card"

step "another module file registered before: setup updates it"
cp "$MODULE" "$WORK/old-module.so"
modutil -dbdir "sql:${DBS[1]}" -delete mynacard -force >/dev/null
modutil -dbdir "sql:${DBS[1]}" -add mynacard -libfile "$WORK/old-module.so" -force >/dev/null
set +e; cc setup --check --module "$MODULE" > "$WORK/check2.txt"; rc=$?; set -e
[ $rc -eq 40 ] || fail "--check with an outdated registration exited $rc"
grep -q "registered with another module file" "$WORK/check2.txt" || fail "--check does not name the outdated registration"
cc setup --module "$MODULE" | grep -q "^Firefox (default-esr) .*: registration updated$" || fail "update not reported"
grep -q "^library=$MODULE\$" "${DBS[1]}/pkcs11.txt" || fail "library not updated"
[ "$(grep -c '^name=mynacard$' "${DBS[1]}/pkcs11.txt")" -eq 1 ] || fail "two registrations after update"

step "--keep-sign-token: the sign token stays (and NSS then asks for the signing password)"
keep=$WORK/keep-db; mkdir -p "$keep"; certutil -N -d "sql:$keep" --empty-password
HOME=$WORK/keep-home; mkdir -p "$HOME/.pki"; ln -s "$keep" "$HOME/.pki/nssdb"
cc setup --module "$MODULE" --keep-sign-token | grep -q 'signing token stays usable' || fail "keep-sign-token notice"
our_entry() { awk '/^library=/{e=""} {e=e $0 "\n"} /^name=mynacard$/{f=1} /^$/{if(f){printf "%s",e; exit} e=""}  END{if(f) printf "%s",e}' "$1/pkcs11.txt"; }
our_entry "$keep" | grep -q 'PublicCerts' || fail "--keep-sign-token: no flags for the auth slots"
our_entry "$keep" | grep -Eq '[( ]1=\{' && fail "--keep-sign-token wrote flags for the sign slot"
"$PROBE" "$keep" 1234 ABC123 > "$WORK/probe-keep" || true
grep -q '^password-asked: JPKI Sign' "$WORK/probe-keep" || fail "with the sign token kept, NSS should log in to it (else the test shows nothing)"
HOME=$WORK/home

step "a running browser is named (Firefox: a process called firefox-esr of this user)"
mkdir -p "$WORK/bin"; cp "$(command -v sleep)" "$WORK/bin/firefox-esr"
"$WORK/bin/firefox-esr" 60 &
FAKE_PID=$!
# Other browsers of this user may run too (CI runs the browser tests as root, in parallel).
cc setup --check --module "$MODULE" | grep -q "^Firefox is running (process [0-9]*)\.$" || fail "--check does not name the running browser"
set +e; cc setup --check --module "$MODULE" --json > "$WORK/check3.json"; set -e
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(b["browser"]=="firefox" and int(sys.argv[2]) in b["pids"] for b in d["running_browsers"]), d["running_browsers"]' \
  "$WORK/check3.json" "$FAKE_PID" || fail "--check --json does not list the running firefox-esr process"

step "--remove (Japanese messages): every registration removed, restart notice for Firefox"
cc setup --remove --lang ja > "$WORK/remove.txt" 2> "$WORK/remove.err"
cat "$WORK/remove.txt" "$WORK/remove.err"
[ "$(grep -c '登録を解除しました' "$WORK/remove.txt")" -eq 3 ] || fail "three removals expected"
grep -q "zz99.gone: スキップ: profile directory missing" "$WORK/remove.txt" || fail "missing profile not skipped on --remove"
grep -q "Firefox が動作中です（プロセス [0-9]*）" "$WORK/remove.err" || fail "restart notice (ja)"
for db in "${DBS[@]}"; do registered "$db" && fail "$db still registered"; done
"$PROBE" "${DBS[0]}" 1234 ABC123 > "$WORK/probe-gone" && fail "a certificate is still found after --remove"
grep -q '^password-asked' "$WORK/probe-gone" && fail "a password was asked after --remove"
kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true; FAKE_PID=""
cc setup --remove --json > "$WORK/remove2.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=[x["result"] for x in d["databases"]]; assert r == ["not-present"] * 3 + ["skipped"] and d["restart"]==[], d' "$WORK/remove2.json" \
  || fail "second --remove"

step "failures: a database that cannot be created, a missing module (exit 40)"
HOME=$WORK/bad-home; mkdir -p "$HOME/.pki"; echo "not a directory" > "$HOME/.pki/nssdb"
set +e; cc setup --module "$MODULE" --json > "$WORK/bad.json" 2> "$WORK/bad.err"; rc=$?; set -e
[ $rc -eq 40 ] || fail "an unusable database exited $rc"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["databases"][0]["result"]=="failed" and d["databases"][0]["reason"] and d["error"]["kind"]=="setup-incomplete", d' "$WORK/bad.json" \
  || fail "failed database JSON"
grep -q 'could not be updated' "$WORK/bad.err" || fail "failure message"
set +e; cc setup --module "$WORK/no-such-module.so" 2> "$WORK/nomod.err"; rc=$?; set -e
[ $rc -eq 40 ] || fail "a missing module exited $rc"
grep -q 'does not exist' "$WORK/nomod.err" || fail "missing-module message"

echo "setup_test: PASS"
