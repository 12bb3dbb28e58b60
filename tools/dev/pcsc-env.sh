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
#
# Readers coming and going (reader hot-plug tests): the command may run
#   "$MYNACARD_PCSC_RESTART" N      N = 0, 1 or 2
# which stops pcscd (by PID) and starts a new one whose reader.conf has the first N vpcd
# entries, then returns once it is ready (exit 0; 70 when pcscd did not come up, 64 on bad
# usage). Entry 1 is the one above; entry 2 is a second reader "Virtual PCD B" on 35965/35966
# (MYNACARD_VPCD_PORT3 / PORT4, MYNACARD_VPCD_READER3 / READER4). "$MYNACARD_PCSC_RESTART" stop
# leaves pcscd stopped (the state of a socket-activated pcscd that exited). The readers present
# are the same as at start until the command asks for a restart.
# Why a restart: pcscd 1.9.9 reads reader.conf only when it starts (SIGUSR1, its "re-check
# serial readers", does nothing with the libudev hot-plug backend Debian builds), and vpcd offers
# a fixed set of readers per entry; a socket-activated pcscd stopped and started again by systemd
# is the same event for a PC/SC client.
set -euo pipefail

readonly vpcd_lib=/usr/lib/pcsc/drivers/serial/libifdvpcd.so

# --- reader.conf and readiness ------------------------------------------------------------------

# reader.conf with the first $2 vpcd entries into directory $1 (pcscd reads every file there).
# vpcd keeps its connections in a static array indexed by slot number, so two entries sharing one
# loaded driver would overwrite each other's slots; the second entry loads a copy of the driver
# from another path (another inode), which the dynamic loader maps as a separate instance.
write_reader_conf() {
  local dir=$1 entries=$2
  rm -f "$dir/vpcd"
  [ "$entries" -ge 1 ] || return 0
  cat > "$dir/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      $vpcd_lib
CHANNELID    0x8C7B
CONF
  [ "$entries" -ge 2 ] || return 0
  cp "$vpcd_lib" "$dir/../libifdvpcd-b.so"
  cat >> "$dir/vpcd" <<CONF

FRIENDLYNAME "Virtual PCD B"
DEVICENAME   /dev/null:0x8C7D
LIBPATH      $(cd "$dir/.." && pwd)/libifdvpcd-b.so
CHANNELID    0x8C7D
CONF
}

# Whether the process $1 runs (a zombie waiting to be reaped has stopped already).
running() {
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# Ready when the socket exists and vpcd listens on the ports of $2 entries (checked with ss, not
# by connecting: a connection would look like a card insertion to vpcd). Up to 30 s: a loaded
# 2-core CI machine running sanitized tests in parallel can be slow to start pcscd.
# 0 = ready, 1 = not ready in time, 2 = pcscd ($1) exited.
wait_ready() {
  local pid=$1 entries=$2 filter='sport = :35963 or sport = :35964'
  [ "$entries" -ge 2 ] && filter="$filter or sport = :35965 or sport = :35966"
  for _ in $(seq 1 600); do
    if [ -S /run/pcscd/pcscd.comm ] &&
       { [ "$entries" -eq 0 ] || [ "$(ss -Hltn "$filter" | wc -l)" -ge $((entries * 2)) ]; }; then
      return 0
    fi
    running "$pid" || return 2
    sleep 0.05
  done
  return 1
}

# Stops pcscd $1 by PID: SIGTERM, up to 5 s to exit, then SIGKILL.
stop_pcscd() {
  local pid=$1
  [ -n "$pid" ] || return 0
  if running "$pid"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
  fi
}

# --- internal mode: the restarter -----------------------------------------------------------------
# Started by the main instance below (its child, dying with it: --pdeathsig) and left waiting on
# a FIFO. Restarted pcscds are its children, also with --pdeathsig, so that a killed main
# instance (ctest's timeout sends SIGKILL) still takes every pcscd down with it.
if [ "${1:-}" = "--pcscd-restarter" ]; then
  state=$2
  log=${MYNACARD_PCSCD_LOG:-/dev/null}
  while :; do
    request=""
    read -r request < "$state/request" || continue
    stop_pcscd "$(cat "$state/pcscd.pid")"
    : > "$state/pcscd.pid"
    if [ "$request" = stop ]; then
      echo ok > "$state/reply"
      continue
    fi
    write_reader_conf "$state/conf" "$request"
    setpriv --pdeathsig TERM pcscd --foreground --config "$state/conf" >>"$log" 2>&1 &
    echo $! > "$state/pcscd.pid"
    rc=0
    wait_ready $! "$request" || rc=$?
    case $rc in
      0) echo ok > "$state/reply" ;;
      2) echo "pcscd exited early (MYNACARD_PCSCD_LOG=FILE keeps its log)" > "$state/reply" ;;
      *) echo "pcscd or vpcd not ready after 30 s (MYNACARD_PCSCD_LOG=FILE keeps pcscd's log)" > "$state/reply" ;;
    esac
  done
fi

# --- internal mode: what MYNACARD_PCSC_RESTART runs -----------------------------------------------
if [ "${1:-}" = "--restart-pcscd" ]; then
  state=$2
  request=${3:-}
  case $request in
    0|1|2|stop) ;;
    *) echo "usage: \$MYNACARD_PCSC_RESTART 0|1|2|stop" >&2; exit 64 ;;
  esac
  exec 9>"$state/lock"
  flock 9  # one restart at a time
  # Bounded: a restarter that is gone must not hang the test.
  if ! reply=$(timeout 60 bash -c 'printf "%s\n" "$1" > "$2/request" && read -r r < "$2/reply" && printf "%s" "$r"' \
                 _ "$request" "$state"); then
    echo "pcsc-env: restarting pcscd: no answer from the restarter" >&2
    exit 70
  fi
  if [ "$reply" != ok ]; then
    echo "pcsc-env: restarting pcscd: $reply" >&2
    exit 70
  fi
  exit 0
fi

# --- main instance ------------------------------------------------------------------------------
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

state_dir=$(mktemp -d /tmp/mynacard-pcsc.XXXXXX)
conf_dir=$state_dir/conf
pcscd_pid=""
restarter_pid=""
cleanup() {
  local rc=$?
  if [ -n "$restarter_pid" ]; then
    kill "$restarter_pid" 2>/dev/null || true
  fi
  # The pcscd running now: the first one, or the last one the restarter started.
  if [ -s "$state_dir/pcscd.pid" ]; then pcscd_pid=$(cat "$state_dir/pcscd.pid"); fi
  stop_pcscd "$pcscd_pid"
  rm -rf "$state_dir"
  exit $rc
}
trap cleanup EXIT INT TERM

mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755 tmpfs /run/pcscd
ip link set lo up

mkdir "$conf_dir"
write_reader_conf "$conf_dir" 1

log=${MYNACARD_PCSCD_LOG:-/dev/null}
# --pdeathsig: should this script itself be killed with SIGKILL (ctest's timeout), pcscd still
# gets SIGTERM from the kernel instead of outliving it; the trap below covers every other exit.
setpriv --pdeathsig TERM pcscd --foreground --config "$conf_dir" >"$log" 2>&1 &
pcscd_pid=$!
echo "$pcscd_pid" > "$state_dir/pcscd.pid"

ready=0
wait_ready "$pcscd_pid" 1 || ready=$?
if [ "$ready" = 2 ]; then
  echo "pcsc-env: pcscd exited early (MYNACARD_PCSCD_LOG=FILE keeps its log)" >&2
  exit 70
elif [ "$ready" != 0 ]; then
  echo "pcsc-env: pcscd or vpcd not ready after 30 s (MYNACARD_PCSCD_LOG=FILE keeps pcscd's log)" >&2
  exit 70
fi

mkfifo "$state_dir/request" "$state_dir/reply"
setpriv --pdeathsig TERM "$0" --pcscd-restarter "$state_dir" </dev/null >/dev/null &
restarter_pid=$!
restart_cmd=$state_dir/restart-pcscd
printf '#!/bin/sh\nexec %q --restart-pcscd %q "$@"\n' "$(readlink -f "$0")" "$state_dir" > "$restart_cmd"
chmod 0755 "$restart_cmd"

export MYNACARD_PCSC_ENV=1
export MYNACARD_VPCD_HOST=127.0.0.1
export MYNACARD_VPCD_PORT=35963
export MYNACARD_VPCD_PORT2=35964
export MYNACARD_VPCD_READER="Virtual PCD 00 00"
export MYNACARD_VPCD_READER2="Virtual PCD 00 01"
export MYNACARD_PCSC_RESTART=$restart_cmd
export MYNACARD_VPCD_PORT3=35965
export MYNACARD_VPCD_PORT4=35966
export MYNACARD_VPCD_READER3="Virtual PCD B 00 00"
export MYNACARD_VPCD_READER4="Virtual PCD B 00 01"

set +e
"$@"
rc=$?
set -e
exit $rc
