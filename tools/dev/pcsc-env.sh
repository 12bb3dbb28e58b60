#!/usr/bin/env bash
# Runs a command next to a private pcscd with the vpcd driver, so tests go through the real
# PC/SC stack without touching (or being disturbed by) a pcscd the machine may already run.
#
#   tools/dev/pcsc-env.sh COMMAND [ARGS...]
#
# How: a new mount namespace gets its own tmpfs on /run/pcscd (pcscd 1.9.9 hard-codes its
# socket path there), and a new network namespace holds only loopback, so vpcd's listening
# sockets (35963 and 35964, two readers "Virtual PCD 00 00" / "Virtual PCD 00 01") are
# reachable from this command alone. pcscd is stopped by PID when the command ends, whatever
# its outcome. Needs root (unshare). Exports:
#   MYNACARD_PCSC_ENV=1, MYNACARD_VPCD_HOST=127.0.0.1, MYNACARD_VPCD_PORT=35963 (slot 0),
#   MYNACARD_VPCD_PORT2=35964 (slot 1), MYNACARD_VPCD_READER / MYNACARD_VPCD_READER2 (names).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 64
fi

if [ "${MYNACARD_PCSC_ENV_INNER:-}" != "1" ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "pcsc-env: needs root to create a private mount+network namespace" >&2
    exit 77
  fi
  export MYNACARD_PCSC_ENV_INNER=1
  exec unshare --mount --net --propagation private "$0" "$@"
fi
unset MYNACARD_PCSC_ENV_INNER

conf_dir=$(mktemp -d /tmp/mynacard-pcsc.XXXXXX)
pcscd_pid=""
cleanup() {
  local rc=$?
  if [ -n "$pcscd_pid" ] && kill -0 "$pcscd_pid" 2>/dev/null; then
    kill "$pcscd_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pcscd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pcscd_pid" 2>/dev/null || true
  fi
  rm -rf "$conf_dir"
  exit $rc
}
trap cleanup EXIT INT TERM

mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755 tmpfs /run/pcscd
ip link set lo up

libdir=/usr/lib/pcsc/drivers/serial
cat > "$conf_dir/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      $libdir/libifdvpcd.so
CHANNELID    0x8C7B
CONF

log=${MYNACARD_PCSCD_LOG:-/dev/null}
# --pdeathsig: should this script itself be killed with SIGKILL (ctest's timeout), pcscd still
# gets SIGTERM from the kernel instead of outliving it; the trap below covers every other exit.
setpriv --pdeathsig TERM pcscd --foreground --config "$conf_dir" >"$log" 2>&1 &
pcscd_pid=$!

# Ready when the socket exists and vpcd listens on both ports (checked with ss, not by
# connecting: a connection would look like a card insertion to vpcd). Up to 30 s: a loaded
# 2-core CI machine running sanitized tests in parallel can be slow to start pcscd.
ready=0
for _ in $(seq 1 600); do
  if [ -S /run/pcscd/pcscd.comm ] && [ "$(ss -Hltn 'sport = :35963 or sport = :35964' | wc -l)" -ge 2 ]; then
    ready=1
    break
  fi
  kill -0 "$pcscd_pid" 2>/dev/null || { echo "pcsc-env: pcscd exited early (MYNACARD_PCSCD_LOG=FILE keeps its log)" >&2; exit 70; }
  sleep 0.05
done
if [ "$ready" != 1 ]; then
  echo "pcsc-env: pcscd or vpcd not ready after 30 s (MYNACARD_PCSCD_LOG=FILE keeps pcscd's log)" >&2
  exit 70
fi

export MYNACARD_PCSC_ENV=1
export MYNACARD_VPCD_HOST=127.0.0.1
export MYNACARD_VPCD_PORT=35963
export MYNACARD_VPCD_PORT2=35964
export MYNACARD_VPCD_READER="Virtual PCD 00 00"
export MYNACARD_VPCD_READER2="Virtual PCD 00 01"

set +e
"$@"
rc=$?
set -e
exit $rc
