#!/usr/bin/env bash
# The module exports exactly the three Cryptoki entry points (issue 4 "Shape").
set -euo pipefail
module=$1
actual=$(nm -D --defined-only "$module" | awk '{print $3}' | sort)
expected=$(printf '%s\n' C_GetFunctionList C_GetInterface C_GetInterfaceList | sort)
if [ "$actual" != "$expected" ]; then
  echo "unexpected dynamic symbols in $module:" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
# No test code linked in: no symbol of the virtual card or Catch2, even local ones.
if nm -C "$module" 2>/dev/null | grep -E 'mynacard::vcard|Catch::' >/dev/null; then
  echo "test code found in $module" >&2
  exit 1
fi
echo "exports OK: $(echo $actual)"
