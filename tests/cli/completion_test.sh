#!/usr/bin/env bash
# card-cp's bash completion (tools/card-cp/card-cp.bash-completion) driven the way bash drives
# it: COMP_WORDS/COMP_CWORD set, the function called, COMPREPLY checked. Runs without the
# bash-completion package (the script's own fallback) and without a card.
set -u
source "$1"
failures=0

# expect "<expected words, space separated, sorted>" word...  (the last word is being completed)
expect() {
    local want=$1
    shift
    COMP_WORDS=(card-cp "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _card_cp
    local got
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
    if [[ $got != "$want" ]]; then
        printf 'FAIL: card-cp %s\n  want: %s\n  got:  %s\n' "$*" "$want" "$got"
        failures=$((failures + 1))
    fi
}

expect "readers" rea
expect "setup sign status suspend suspended" s
expect "--check" setup --ch
expect "--keep-sign-token" setup --kee
expect "export list show" cert ""
expect "auth auth-ca" cert show au
expect "auth kenhojo sign" pin change ""
expect "en ja" --lang ""
expect "sha256 sha384 sha512" sign f --hash sha
expect "der pem" cert export auth --format ""
expect "auto cms raw" verify f -s f.p7s --format ""
expect "auth sign" suspend --cert ""
expect "hold lost other revoked suspended" suspend --reason ""
# The value of a global option is not taken for the command.
expect "status" --lang ja stat
expect "export list show" --reader "Virtual PCD 00 00" cert ""
expect "auth auth-ca" --pin-fd 3 cert show au
expect "--show-personal-data" cert show sign --show

if ((failures > 0)); then
    echo "$failures completion check(s) failed"
    exit 1
fi
echo "all completion checks passed"
