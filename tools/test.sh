#!/usr/bin/env bash
# Quick-start command (b): installs what is missing, builds, and runs the whole test suite
# through ctest. Exits non-zero when anything fails.
#
#   tools/test.sh [--sanitize] [--build-dir DIR] [--skip-deps] [--no-browsers] [--no-matrix]
#                 [-- CTEST_ARGS...]
#
#   --sanitize     build into build-asan/ with ASan+UBSan and run the suite there
#   --build-dir    build directory (default build/ or build-asan/)
#   --skip-deps    do not run tools/dev/install-deps.sh
#   --no-browsers  do not install Chromium and Firefox ESR (the browser tests then report
#                  themselves skipped); the normal run installs them, the sanitizer run, which
#                  excludes those tests, does not
#   --no-matrix    skip the virtual-card switch matrix (tools/dev/switch-matrix.sh), which the
#                  normal build runs after the suite; never run with --sanitize or CTEST_ARGS
#   CTEST_ARGS     passed to ctest, e.g. `-- -L pcsc` or `-- -R config`
#
# Tests that need PC/SC run themselves under tools/dev/pcsc-env.sh: each gets a private pcscd
# and vpcd in its own mount+network namespace, so a pcscd the machine already runs is neither
# used nor disturbed, and a second run finds nothing left over. This script starts only ctest
# and stops it by PID if it is interrupted.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
sanitize=0
build_dir=""
skip_deps=0
browsers=1
matrix=1
ctest_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) sanitize=1 ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --build-dir=*) build_dir=${1#--build-dir=} ;;
    --skip-deps) skip_deps=1 ;;
    --no-browsers) browsers=0 ;;
    --no-matrix) matrix=0 ;;
    --) shift; ctest_extra=("$@"); break ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument: $1" >&2; exit 64 ;;
  esac
  shift
done
if [ -z "$build_dir" ]; then
  if [ "$sanitize" = 1 ]; then build_dir=$src/build-asan; else build_dir=$src/build; fi
fi

phase_start=0
phase() { phase_start=$(date +%s); printf '\n==> %s\n' "$1"; }
phase_done() { printf '==> %s: %ss\n' "$1" "$(( $(date +%s) - phase_start ))"; }

ctest_pid=""
cleanup() {
  local rc=$?
  if [ -n "$ctest_pid" ] && kill -0 "$ctest_pid" 2>/dev/null; then
    # ctest passes the signal on to the running tests; pcsc-env.sh stops its pcscd by PID.
    kill -TERM "$ctest_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$ctest_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$ctest_pid" 2>/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$skip_deps" = 0 ]; then
  phase "dependencies"
  deps_args=()
  # The browser tests (label browser) run in the normal build only (they are `clients`).
  [ "$sanitize" = 0 ] && [ "$browsers" = 1 ] && deps_args+=(--browsers)
  "$src/tools/dev/install-deps.sh" ${deps_args[@]+"${deps_args[@]}"}
  phase_done "dependencies"
fi

build_args=(--build-dir "$build_dir")
[ "$sanitize" = 1 ] && build_args+=(--sanitize)
phase "build ($build_dir)"
"$src/tools/dev/build.sh" "${build_args[@]}"
phase_done "build"

timeout=600
sanitize_excludes=()
if [ "$sanitize" = 1 ]; then
  # halt_on_error: the first report fails the test. detect_leaks stays on: every program that
  # loads our code under ASan (test executables, the module dlopen'd by our own harness) is
  # ours, so a leak report is a real finding.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
  # Known leaks in libraries we do not own are listed, each with its reason, in lsan.supp.
  if [ -z "${LSAN_OPTIONS:-}" ] && [ -s "$src/tools/dev/lsan.supp" ]; then
    export LSAN_OPTIONS=suppressions=$src/tools/dev/lsan.supp:print_suppressions=0
  fi
  export MYNACARD_SANITIZED=1
  timeout=1800
  # Real-client tests (label "clients": pkcs11-tool, p11tool, openssl + libp11) load the module
  # into programs we do not build. Those are not instrumented, and an ASan-built module cannot
  # be loaded into an uninstrumented process (the ASan runtime must come first). They run in
  # the normal build; here the module's code is exercised under ASan by our own dlopen harness
  # (label pkcs11).
  # The benchmarks (label "bench") print timings, which mean nothing under ASan, and would only
  # lengthen the slowest phase.
  sanitize_excludes=(-LE 'clients|bench')
  echo "test.sh: sanitizer run excludes labels 'clients' (uninstrumented external programs) and 'bench' (timings)"
fi

junit=()
[ "${CI:-}" = "true" ] && junit=(--output-junit "$build_dir/ctest-junit.xml")

phase "tests ($build_dir)"
set +e
ctest --test-dir "$build_dir" --output-on-failure -j2 --timeout "$timeout" \
  ${junit[@]+"${junit[@]}"} ${sanitize_excludes[@]+"${sanitize_excludes[@]}"} \
  ${ctest_extra[@]+"${ctest_extra[@]}"} &
ctest_pid=$!
wait "$ctest_pid"
rc=$?
ctest_pid=""
set -e
phase_done "tests"
if [ "$rc" -ne 0 ]; then
  echo "test.sh: FAILED (ctest exit $rc)" >&2
  exit "$rc"
fi

# The PKCS#11, client and card-cp tests once more per virtual-card switch (issue 9 §2). Normal
# build only: the matrix checks the code against each card behaviour; the ASan phase already
# runs the same code on the default card. A focused run (CTEST_ARGS) skips it.
if [ "$sanitize" = 0 ] && [ "$matrix" = 1 ] && [ ${#ctest_extra[@]} -eq 0 ]; then
  phase "switch matrix ($build_dir)"
  set +e
  "$src/tools/dev/switch-matrix.sh" --build-dir "$build_dir" &
  ctest_pid=$!
  wait "$ctest_pid"
  rc=$?
  ctest_pid=""
  set -e
  phase_done "switch matrix"
  if [ "$rc" -ne 0 ]; then
    echo "test.sh: FAILED (switch matrix exit $rc)" >&2
    exit "$rc"
  fi
fi
echo "test.sh: all tests passed"
