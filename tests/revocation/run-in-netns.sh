#!/usr/bin/env bash
# Runs a command in a private network namespace holding only loopback (unshare -n + lo up), so a
# test server that binds the wildcard address (openssl ocsp -port N, pin-and-suspension.md §3.9
# pitfall 1) is unreachable from outside and cannot collide with anything on the host.
# Exit 77 (CTest SKIP_RETURN_CODE) when namespaces are not available (not root, no CAP_SYS_ADMIN).
set -euo pipefail
if [ "${MYNACARD_REV_NETNS:-}" != "1" ]; then
  if ! unshare --net true 2>/dev/null; then
    echo "run-in-netns: unshare -n not permitted here (needs root); test skipped" >&2
    exit 77
  fi
  export MYNACARD_REV_NETNS=1
  exec unshare --net -- "$0" "$@"
fi
ip link set lo up
exec "$@"
