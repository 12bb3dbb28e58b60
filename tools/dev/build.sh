#!/usr/bin/env bash
# Configures and builds mynacard the way CI does: Ninja, RelWithDebInfo, warnings as errors.
#
#   tools/dev/build.sh [--sanitize] [--build-dir DIR] [-- EXTRA_CMAKE_ARGS...]
#
# Default build directory: build/ (build-asan/ with --sanitize), under the source tree.
# --sanitize builds everything with AddressSanitizer + UndefinedBehaviorSanitizer
# (MYNACARD_SANITIZE=ON). Parallel jobs: $MYNACARD_JOBS, else nproc.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
sanitize=0
build_dir=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) sanitize=1 ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --build-dir=*) build_dir=${1#--build-dir=} ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument: $1" >&2; exit 64 ;;
  esac
  shift
done
if [ -z "$build_dir" ]; then
  if [ "$sanitize" = 1 ]; then build_dir=$src/build-asan; else build_dir=$src/build; fi
fi

sanitize_flag=OFF
[ "$sanitize" = 1 ] && sanitize_flag=ON
jobs=${MYNACARD_JOBS:-$(nproc)}
# ccache, when installed, makes rebuilds in other build directories and checkouts cheap;
# MYNACARD_CCACHE=0 turns it off.
launcher=()
if [ "${MYNACARD_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

cmake -S "$src" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMYNACARD_WERROR=ON \
  -DMYNACARD_SANITIZE=$sanitize_flag \
  ${launcher[@]+"${launcher[@]}"} \
  ${extra[@]+"${extra[@]}"}
cmake --build "$build_dir" -j "$jobs"
