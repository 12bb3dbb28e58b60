#!/usr/bin/env bash
# Builds the Debian packages mynacard and mynacard-dev (cmake/packaging.cmake) from this tree:
# configures a build directory with prefix /usr (GNUInstallDirs: multiarch libdir, the module in
# /usr/lib/<triplet>/pkcs11/), without the tests, with the Debian layout (compressed man page,
# copyright, changelog), builds it and runs `cpack -G DEB` there.
#
#   tools/dev/build-deb.sh [--build-dir DIR]      default: build-deb/ under the source tree
#
# Prints the paths of the two .deb files. Install them with
#   apt-get install ./build-deb/mynacard_<version>_<arch>.deb
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$src/build-deb
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --build-dir=*) build_dir=${1#--build-dir=} ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-deb.sh: unknown argument: $1" >&2; exit 64 ;;
  esac
  shift
done

launcher=()
if [ "${MYNACARD_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$src" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYNACARD_WERROR=ON \
  -DCMAKE_INSTALL_PREFIX=/usr -DMYNACARD_DEBIAN_LAYOUT=ON -DMYNACARD_BUILD_TESTS=OFF "${launcher[@]}"
cmake --build "$build_dir" -j "${MYNACARD_JOBS:-$(nproc)}"
(cd "$build_dir" && cpack -G DEB)
ls -1 "$build_dir"/*.deb
