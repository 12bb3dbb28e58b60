#!/usr/bin/env bash
# The Debian packages, built and used like a user would (issue 11 §4): builds the tree with
# prefix /usr, `cpack -G DEB` (mynacard, mynacard-dev), lintian, dpkg -i on this machine, then
#   p11-kit list-modules shows the module (through mynacard.module, no set-up),
#   pkcs11-tool --module p11-kit-proxy.so lists the tokens and signs (verified with openssl),
#   p11tool without --provider resolves a pkcs11: URL,
#   a consumer built with `pkg-config mynacard` and one with CMake find_package(mynacard) run,
#   card-cp from the package finds its module (setup --check),
# and dpkg -P removes everything again (every file of the packages gone).
# Runs as root under tools/dev/pcsc-env.sh.
#   Usage: package_test.sh SOURCE_DIR MAIN_BUILD_DIR VCARD
# Exit 77 (ctest: skipped, with the reason printed) when it must not touch this machine: not
# root, or a mynacard package / module installed from elsewhere. Safe to run twice: a run that
# died after installing leaves a marker, and the next run removes what that run installed.
set -euo pipefail
SRC=$(realpath "$1") MAIN_BUILD=$(realpath "$2") VCARD=$(realpath "$3")
here=$(cd "$(dirname "$0")" && pwd)
marker_dir=/var/lib/mynacard-package-test
marker=$marker_dir/installed

skip() { echo "package_test: SKIPPED: $*"; exit 77; }
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
step() { printf -- '--- %s\n' "$*"; }
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ] ||
              [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = unpacked ] ||
              [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = half-configured ]; }

[ "$(id -u)" = 0 ] || skip "needs root to install packages (CI runs as root)"
for tool in cpack dpkg dpkg-deb dpkg-shlibdeps p11-kit pkcs11-tool p11tool pkg-config; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (tools/dev/install-deps.sh)"
done
triplet=$(gcc -print-multiarch)
libdir=/usr/lib/$triplet
module=$libdir/pkcs11/libmynacard-pkcs11.so
if installed mynacard || installed mynacard-dev; then
  if [ -e "$marker" ]; then
    echo "package_test: removing the packages an earlier run of this test left installed"
    dpkg -P mynacard-dev mynacard >/dev/null
    rm -f "$marker"
  else
    skip "a mynacard package ($(dpkg-query -W -f='${Version}' mynacard 2>/dev/null || echo '?')) is installed from elsewhere: not replacing it"
  fi
fi
for f in "$module" "$libdir/libmynacard.so.0" /usr/bin/card-cp /usr/share/p11-kit/modules/mynacard.module; do
  [ -e "$f" ] && skip "$f exists and belongs to no package (an install into /usr?): not overwriting it"
done

source "$here/../support/vcard_process.sh"
WORK=$(mktemp -d /tmp/mynacard-package-test.XXXXXX)
# After the card program stops (cleanup): what this run installed goes again.
cleanup_also() {
  if [ -e "$marker" ]; then
    dpkg -P mynacard-dev mynacard >/dev/null 2>&1 || true
    rm -f "$marker"
  fi
}
trap cleanup EXIT INT TERM

step "configure and build with prefix /usr (the main build's compiler settings)"
cache() { sed -n "s/^$1:[A-Z]*=//p" "$MAIN_BUILD/CMakeCache.txt" | head -1; }
# Kept between runs (a second run only re-links what changed); MYNACARD_PACKAGE_BUILD_DIR names
# another one, e.g. the build-deb/ of tools/dev/build-deb.sh.
build=${MYNACARD_PACKAGE_BUILD_DIR:-$MAIN_BUILD/package-build}
rm -f "$build"/*.deb
args=(-G Ninja -DCMAKE_INSTALL_PREFIX=/usr -DMYNACARD_DEBIAN_LAYOUT=ON -DMYNACARD_BUILD_TESTS=OFF
      "-DCMAKE_BUILD_TYPE=$(cache CMAKE_BUILD_TYPE)" "-DMYNACARD_WERROR=$(cache MYNACARD_WERROR)")
launcher=$(cache CMAKE_CXX_COMPILER_LAUNCHER)
[ -n "$launcher" ] && args+=("-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher" "-DCMAKE_C_COMPILER_LAUNCHER=$launcher")
start=$(date +%s)
cmake -S "$SRC" -B "$build" "${args[@]}" >"$WORK/configure.log" || { cat "$WORK/configure.log"; fail "configure"; }
cmake --build "$build" >"$WORK/build.log" 2>&1 || { tail -50 "$WORK/build.log"; fail "build"; }
echo "    built in $(( $(date +%s) - start )) s"

step "cpack -G DEB"
(cd "$build" && cpack -G DEB >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log"; fail "cpack"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb=$build/mynacard_${version}_$arch.deb
devdeb=$build/mynacard-dev_${version}_$arch.deb
[ -f "$deb" ] && [ -f "$devdeb" ] || { ls "$build"/*.deb; fail "expected $deb and $devdeb"; }
for p in "$deb" "$devdeb"; do
  echo "    $(basename "$p"):"
  dpkg-deb -f "$p" Package Version Architecture Depends Recommends | sed 's/^/      /'
done
dpkg-deb -f "$deb" Depends | grep -q 'pcscd' || fail "mynacard does not depend on pcscd"
dpkg-deb -f "$deb" Depends | grep -q 'libpcsclite1' || fail "mynacard does not depend on libpcsclite1 (shlibdeps)"
dpkg-deb -f "$devdeb" Depends | grep -q "mynacard (= $version)" || fail "mynacard-dev does not depend on mynacard"

step "package contents"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > "$WORK/files"
dpkg-deb -c "$devdeb" | awk '{print $6}' | sed 's|^\./|/|' > "$WORK/devfiles"
for f in "$module" "$libdir/libmynacard.so.0" /usr/share/p11-kit/modules/mynacard.module /usr/bin/card-cp \
         /usr/share/man/man1/card-cp.1.gz /usr/share/bash-completion/completions/card-cp \
         /usr/share/mynacard/anchors/auth_ca_2023.pem /usr/share/mynacard/anchors/sign_ca_2023.pem \
         /usr/share/doc/mynacard/copyright /usr/share/doc/mynacard/changelog.gz; do
  grep -qx "$f" "$WORK/files" || fail "mynacard lacks $f"
done
for f in /usr/include/mynacard/mynacard.hpp "$libdir/libmynacard.so" "$libdir/pkgconfig/mynacard.pc" \
         "$libdir/cmake/mynacard/mynacardConfig.cmake" "$libdir/cmake/mynacard/mynacardTargets.cmake" \
         /usr/share/doc/mynacard-dev/copyright; do
  grep -qx "$f" "$WORK/devfiles" || fail "mynacard-dev lacks $f"
done
grep -q '^/usr/include/' "$WORK/files" && fail "headers in the runtime package"
grep -Eq 'vcard|testsupport|testpki|_replay|/test_' "$WORK/files" "$WORK/devfiles" && fail "test equipment packaged"
echo "    ok ($(grep -vc '/$' "$WORK/files") + $(grep -vc '/$' "$WORK/devfiles") entries)"

if command -v lintian >/dev/null; then
  step "lintian (every error and warning must be explained in tests/package/lintian-explained.txt)"
  lintian --tag-display-limit 0 "$deb" "$devdeb" > "$WORK/lintian" 2>&1 || true
  sed 's/^/    /' "$WORK/lintian"
  unexplained=0
  # Lines are "E: package: tag [context]"; errors and warnings need an explanation.
  # Each line of lintian-explained.txt: "<tag> <reason>".
  while read -r level _ tag _; do
    case "$level" in E:|W:) ;; *) continue ;; esac
    if ! grep -q "^$tag " "$here/lintian-explained.txt"; then echo "    unexplained: $level $tag"; unexplained=1; fi
  done < "$WORK/lintian"
  [ "$unexplained" = 0 ] || fail "lintian tags without an explanation"
else
  echo "--- lintian not installed: package checks by lintian skipped (tools/dev/install-deps.sh installs it)"
fi

step "dpkg -i"
mkdir -p "$marker_dir"; echo "$version" > "$marker"
dpkg -i "$deb" "$devdeb" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i"; }
installed mynacard && installed mynacard-dev || fail "packages not installed"
# (Debian 12 has merged /usr: ldconfig may name /lib/<triplet> for /usr/lib/<triplet>.)
ldconfig -p | grep -q "libmynacard.so.0 (.*=> .*/$triplet/libmynacard.so.0\$" || fail "ldconfig does not know libmynacard.so.0"

# The module as a user's machine runs it: no network checks in a test, a private cache.
export XDG_CACHE_HOME=$WORK/cache MYNACARD_CONFIG=$WORK/mynacard.conf HOME=$WORK/home
mkdir -p "$HOME"
printf '[revocation]\nmode = none\npolicy.sign = fail-open\npolicy.auth = fail-open\n' > "$MYNACARD_CONFIG"
start_vcard --pki "$WORK/pki"
proxy=$libdir/p11-kit-proxy.so
wait_for_token "$proxy"

step "p11-kit list-modules"
p11-kit list-modules > "$WORK/modules" 2>&1 || true
sed -n '/^mynacard: /,/^[^ ]/p' "$WORK/modules" | grep -E '^mynacard|library-version|token:' | sed 's/^/    /'
grep -q '^mynacard: ' "$WORK/modules" || fail "p11-kit list-modules does not show mynacard"
sed -n '/^mynacard: /,/^[^ ]/p' "$WORK/modules" | grep -q '^ *token: JPKI Auth' || fail "p11-kit list-modules shows no JPKI Auth token under mynacard"

step "pkcs11-tool --module p11-kit-proxy.so: tokens, sign, verify"
P=(pkcs11-tool --module "$proxy")
"${P[@]}" -L > "$WORK/L"
grep -q 'token label *: JPKI Auth' "$WORK/L" || fail "auth token not listed through the proxy"
grep -q 'token label *: JPKI Sign' "$WORK/L" || fail "sign token not listed through the proxy"
auth_label=$(sed -n 's/^ *token label *: \(JPKI Auth.*\)$/\1/p' "$WORK/L" | head -1)
"${P[@]}" --token-label "$auth_label" --read-object --type cert --label 'JPKI Auth' -o "$WORK/auth.der"
openssl x509 -inform DER -in "$WORK/auth.der" -noout -pubkey > "$WORK/auth.pub"
printf 'mynacard package test\n' > "$WORK/data"
"${P[@]}" --token-label "$auth_label" --login --pin 1234 --sign -m SHA256-RSA-PKCS --id 01 \
  -i "$WORK/data" -o "$WORK/sig" 2>&1 | sed 's/^/    /'
openssl dgst -sha256 -verify "$WORK/auth.pub" -signature "$WORK/sig" "$WORK/data" | sed 's/^/    /' \
  || fail "the signature made through p11-kit-proxy does not verify"

step "p11tool (no --provider) resolves a pkcs11: URL"
token_url=$(p11tool --list-tokens 2>/dev/null |
  sed -n 's/^[[:space:]]*URL: \(pkcs11:.*manufacturer=mynacard;.*token=JPKI%20Auth.*\)$/\1/p' | head -1) || true
[ -n "$token_url" ] || { p11tool --list-tokens || true; fail "p11tool --list-tokens shows no mynacard auth token"; }
url="$token_url;object=JPKI%20Auth;type=cert"
echo "    $url"
p11tool --export "$url" > "$WORK/auth.pem" || fail "p11tool --export $url"
openssl x509 -in "$WORK/auth.pem" -outform DER | cmp -s - "$WORK/auth.der" || fail "p11tool exported another certificate"

step "consumers of mynacard-dev: pkg-config and find_package"
expected="mynacard $version final_try=deny bad=ConfigInvalid"
# shellcheck disable=SC2046  # the flags are words
c++ "$SRC/tests/install/consumer/main.cpp" -o "$WORK/pc-consumer" $(pkg-config --cflags --libs mynacard) \
  || fail "build with pkg-config mynacard"
out=$("$WORK/pc-consumer"); echo "    pkg-config consumer: $out"
[ "$out" = "$expected" ] || fail "pkg-config consumer printed '$out'"
cmake -S "$SRC/tests/install/consumer" -B "$WORK/consumer" -G Ninja >"$WORK/ccfg.log" || { cat "$WORK/ccfg.log"; fail "find_package(mynacard)"; }
cmake --build "$WORK/consumer" >"$WORK/cbuild.log" || { cat "$WORK/cbuild.log"; fail "CMake consumer build"; }
out=$("$WORK/consumer/consumer"); echo "    find_package consumer: $out"
[ "$out" = "$expected" ] || fail "find_package consumer printed '$out'"

step "card-cp from the package"
/usr/bin/card-cp --version | sed 's/^/    /'
/usr/bin/card-cp setup --check --json > "$WORK/check.json" || true
python3 - "$WORK/check.json" "$module" <<'PY' || fail "card-cp setup --check does not find the packaged module"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["module"]["path"] == sys.argv[2] and d["module"]["loadable"], d["module"]
assert d["pcsc"]["reachable"], d["pcsc"]
PY
echo "    default module: $module (loadable)"

step "dpkg -P: the packages and every file of theirs are gone"
stop_pid "$VCARD_PID"; VCARD_PID=""
dpkg -P mynacard-dev mynacard >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg -P"; }
rm -f "$marker"
installed mynacard && fail "mynacard still installed"
installed mynacard-dev && fail "mynacard-dev still installed"
left=0
while read -r f; do
  case "$f" in */) continue ;; esac
  if [ -e "$f" ] || [ -L "$f" ]; then echo "    left behind: $f"; left=1; fi
done < <(cat "$WORK/files" "$WORK/devfiles")
[ "$left" = 0 ] || fail "files left after dpkg -P"
p11-kit list-modules 2>/dev/null | grep -q '^mynacard: ' && fail "p11-kit still lists mynacard"
ldconfig -p | grep -q 'libmynacard.so.0' && fail "ldconfig still knows libmynacard.so.0"
echo "package_test: PASS"
