#!/usr/bin/env bash
# Runs a command in private network and mount namespaces (unshare -n -m): only loopback, and
# /etc/resolv.conf bind-mounted to "nameserver 127.0.0.1", where the test's own UDP listener
# accepts queries and never answers - a DNS server that hangs, reachable from this test only.
# Nothing leaves the machine (no other interface exists in the namespace).
# Exit 77 (CTest SKIP_RETURN_CODE) when namespaces are not available (not root, no CAP_SYS_ADMIN).
set -euo pipefail
if [ "${MYNACARD_DEAD_DNS:-}" != "1" ]; then
  if ! unshare --net --mount true 2>/dev/null; then
    echo "run-with-dead-dns: unshare -n -m not permitted here (needs root); test skipped" >&2
    exit 77
  fi
  export MYNACARD_DEAD_DNS=1
  exec unshare --net --mount --propagation private -- "$0" "$@"
fi
ip link set lo up
resolv=$(mktemp)
trap 'umount /etc/resolv.conf 2>/dev/null || true; rm -f "$resolv"' EXIT
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' > "$resolv"
chmod 0644 "$resolv"
mount --bind "$resolv" /etc/resolv.conf
"$@"
