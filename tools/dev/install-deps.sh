#!/usr/bin/env bash
# Installs the Debian 12 packages mynacard needs to build, test and demo. Idempotent: when every
# package is already installed it does nothing (no `apt-get update`, no root needed).
#
#   tools/dev/install-deps.sh [--browsers]          install what is missing (as root)
#   tools/dev/install-deps.sh [--browsers] --list   print the package list, one per line
#   tools/dev/install-deps.sh [--browsers] --check  exit 1 when something is missing, install nothing
#
# --browsers adds the browsers of the browser tests (label `browser`): Chromium and Firefox ESR.
# tools/test.sh asks for them. They are large and not needed to build, so failing to install
# them is not an error: the script says so, and the browser tests report themselves skipped.
#
# This list is the one place that says which packages the project uses; README.md
# "Dependencies" explains why each is there.
set -euo pipefail

packages=(
  # toolchain
  build-essential g++ cmake ninja-build pkg-config
  # libraries the core, the module and card-cp link
  libpcsclite-dev libssl-dev libtasn1-6-dev libinih-dev libcli11-dev nlohmann-json3-dev
  libp11-kit-dev libcurl4-openssl-dev
  # PC/SC runtime and the virtual reader driver the tests and the demo run against
  pcscd vsmartcard-vpcd
  # test framework and tools used by tests and the demo
  catch2 libtasn1-bin openssl iproute2 util-linux python3
  # interoperability peers: real PKCS#11 clients and a reference module
  opensc opensc-pkcs11 gnutls-bin libengine-pkcs11-openssl libnss3-tools p11-kit
  # the conformance suites built from ../shared/third_party (OpenSC p11test is a cmocka program)
  libcmocka-dev
  # card-cp setup's NSS probe (libnss3-dev), the Debian packages: CPack's DEB generator (file,
  # dpkg-shlibdeps from dpkg-dev) and their check (lintian)
  libnss3-dev file dpkg-dev lintian
  # fuzzing (libFuzzer)
  clang-14 libclang-rt-14-dev
)
# Real browsers for tests/browser (only with --browsers).
browser_packages=(chromium firefox-esr)

with_browsers=0
mode=install
for arg in "$@"; do
  case $arg in
    --browsers) with_browsers=1 ;;
    --list) mode=list ;;
    --check) mode=check ;;
    *) echo "usage: $0 [--browsers] [--list|--check]" >&2; exit 64 ;;
  esac
done

# Prints the packages among "$@" that are not installed.
missing_packages() {
  local p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || echo "$p"
  done
}

wanted_browsers=()
[ "$with_browsers" = 1 ] && wanted_browsers=("${browser_packages[@]}")

case $mode in
  list) printf '%s\n' "${packages[@]}" ${wanted_browsers[@]+"${wanted_browsers[@]}"}; exit 0 ;;
  check)
    missing=$(missing_packages "${packages[@]}" ${wanted_browsers[@]+"${wanted_browsers[@]}"})
    if [ -n "$missing" ]; then echo "missing:" $missing; exit 1; fi
    exit 0 ;;
esac

mapfile -t missing < <(missing_packages "${packages[@]}")
mapfile -t missing_browsers < <(missing_packages ${wanted_browsers[@]+"${wanted_browsers[@]}"})
if [ "${#missing[@]}" -eq 0 ] && [ "${#missing_browsers[@]}" -eq 0 ]; then
  echo "install-deps: all $(( ${#packages[@]} + ${#wanted_browsers[@]} )) packages present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  if [ "${#missing[@]}" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]} ${missing_browsers[*]}" >&2
    echo "install-deps: run as root to install them" >&2
    exit 1
  fi
  echo "install-deps: browsers not installed: ${missing_browsers[*]} (run as root to install" \
       "them); the browser tests will be skipped" >&2
  exit 0
fi

echo "install-deps: installing ${missing[*]} ${missing_browsers[*]}"
export DEBIAN_FRONTEND=noninteractive

# Keep maintainer scripts from starting services (pcscd's postinst would start pcscd.socket):
# tests and the demo run their own pcscd in a private namespace. policy-rc.d exit 101 =
# "action forbidden", honoured by invoke-rc.d and deb-systemd-invoke. Only installed when no
# policy-rc.d exists, and removed again on any exit.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 0755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -q
if [ "${#missing[@]}" -ne 0 ]; then
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  mapfile -t still < <(missing_packages "${packages[@]}")
  if [ "${#still[@]}" -ne 0 ]; then
    echo "install-deps: still missing after apt-get: ${still[*]}" >&2
    exit 1
  fi
fi
if [ "${#missing_browsers[@]}" -ne 0 ]; then
  # Separately: a browser that cannot be installed (a mirror without it, no space) must not
  # stop the build and the other tests; its tests then say why they are skipped.
  if ! apt-get install -y -q --no-install-recommends "${missing_browsers[@]}"; then
    echo "install-deps: WARNING: could not install ${missing_browsers[*]};" \
         "the browser tests will be skipped" >&2
  fi
fi
echo "install-deps: done"
