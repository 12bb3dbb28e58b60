#!/usr/bin/env bash
# `cmake --install` into a temporary DESTDIR, then checks what landed there and builds a small
# consumer against it twice: with find_package(mynacard) and with `pkg-config mynacard`.
#
#   install_test.sh BUILD_DIR PREFIX LIBDIR BINDIR "EXTRA_CXXFLAGS" [EXPECTED_FILE...]
# EXPECTED_FILE: paths relative to PREFIX that must be installed (e.g. bin/card-cp).
set -euo pipefail

build_dir=$1 prefix=$2 libdir=$3 bindir=$4 extra_flags=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d /tmp/mynacard-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
dest=$work/dest
root=$dest$prefix

step() { printf -- '--- %s\n' "$*"; }
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

step "cmake --install $build_dir (DESTDIR=$dest)"
DESTDIR=$dest cmake --install "$build_dir" >"$work/install.log"
sed 's/^/    /' "$work/install.log" | grep -v 'Up-to-date' | head -60

step "installed files"
for f in include/mynacard/mynacard.hpp include/mynacard/config.hpp "$libdir/libmynacard.so" \
         "$libdir/pkgconfig/mynacard.pc" "$libdir/cmake/mynacard/mynacardConfig.cmake" \
         "$libdir/cmake/mynacard/mynacardConfigVersion.cmake" \
         "$libdir/cmake/mynacard/mynacardTargets.cmake" "$@"; do
  [ -e "$root/$f" ] || fail "not installed: $prefix/$f"
  echo "    ok $prefix/$f"
done
# Nothing the tests use may be installed.
if find "$dest" \( -name '*testsupport*' -o -name 'mynacard-vcard' -o -name 'mynacard-testpki' \
                   -o -name 'test_*' -o -name '*_replay' \) | grep -q .; then
  fail "test equipment was installed: $(find "$dest" -name '*testsupport*' -o -name 'mynacard-vcard' -o -name 'test_*' | head -3)"
fi
echo "    ok no test equipment installed"
# The PKCS#11 module installs itself from pkcs11/; wherever it goes, it must be there.
module=libmynacard-pkcs11.so
if [ -e "$build_dir/pkcs11/$module" ]; then
  found=$(find "$root" -name "$module" | head -1)
  [ -n "$found" ] || fail "the PKCS#11 module $module was built but not installed"
  echo "    ok ${found#"$dest"}"
fi

expected="mynacard $(sed -n 's/^Version: //p' "$root/$libdir/pkgconfig/mynacard.pc") final_try=deny bad=ConfigInvalid"
export LD_LIBRARY_PATH=$root/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

step "consumer via find_package(mynacard)"
cmake -S "$here/consumer" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$root" \
  -DCMAKE_CXX_FLAGS="$extra_flags" -DCMAKE_EXE_LINKER_FLAGS="$extra_flags" >"$work/cfg.log" \
  || { cat "$work/cfg.log"; fail "configure with find_package"; }
cmake --build "$work/cmake-build" >"$work/build.log" || { cat "$work/build.log"; fail "build with find_package"; }
out=$("$work/cmake-build/consumer")
echo "    $out"
[ "$out" = "$expected" ] || fail "find_package consumer printed '$out', expected '$expected'"

step "consumer via pkg-config --cflags --libs mynacard"
# The .pc file names the final prefix; the sysroot maps its -I/-L into DESTDIR.
export PKG_CONFIG_PATH=$root/$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs mynacard) || fail "pkg-config mynacard"
echo "    pkg-config: $flags"
# shellcheck disable=SC2086  # word splitting of the flags is intended
c++ $extra_flags "$here/consumer/main.cpp" -o "$work/pc-consumer" $flags \
  || fail "build with pkg-config flags"
out=$("$work/pc-consumer")
echo "    $out"
[ "$out" = "$expected" ] || fail "pkg-config consumer printed '$out', expected '$expected'"
echo "install_test: PASS"
