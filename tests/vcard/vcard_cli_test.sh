#!/usr/bin/env bash
# mynacard-vcard's switch handling without vpcd: --list-switches, and unknown names refused
# with exit 2 both from --switch and from MYNACARD_VCARD_SWITCHES (never silently ignored).
set -u
vcard=${1:?usage: vcard_cli_test.sh MYNACARD_VCARD}
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }

list=$("$vcard" --list-switches)
for name in reselect-keeps reselect-clears sign-consumes empty-verify-9000 read-end-6282 \
            padded-ef no-extended blocked-6983 blocked-63c0 no-common-ap label-v1 'atr=<hex>'; do
  check "--list-switches names $name" 'printf "%s\n" "$list" | cut -f1 | grep -qxF -- "$name"'
done

err=$("$vcard" --switch no-such-switch --port 1 2>&1); rc=$?
check "--switch no-such-switch exits 2" '[ "$rc" = 2 ]'
check "and names the switch" 'printf "%s" "$err" | grep -q "no-such-switch"'
err=$(MYNACARD_VCARD_SWITCHES=sign-consumes,bogus "$vcard" --port 1 2>&1); rc=$?
check "MYNACARD_VCARD_SWITCHES=...,bogus exits 2" '[ "$rc" = 2 ]'
check "and names the variable" 'printf "%s" "$err" | grep -q "MYNACARD_VCARD_SWITCHES.*bogus"'
err=$("$vcard" --switch atr=zz --port 1 2>&1); rc=$?
check "--switch atr=zz exits 2" '[ "$rc" = 2 ]'

[ "$fail" = 0 ] && echo "all vcard cli checks passed"
exit "$fail"
