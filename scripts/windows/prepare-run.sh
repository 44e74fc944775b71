#!/usr/bin/env bash
# Compiles src and the Windows-run tests with tsc into .cache/windows/run and gives that tree the node_modules the
# Windows node.exe needs there: a copy of koffi beside the win32 prebuild (koffi looks for it in
# node_modules/@koromix/ next to its own real path), links to the pure-JS runtime packages, the tsx stand-in, and the
# .mjs fixtures with a dist/ that re-exports the compiled src/.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="$PWD/.cache/windows"
RUN="$CACHE/run"
KOFFI_VERSION=$(node -p "require('./package-lock.json').packages['node_modules/koffi'].version")

npx tsc -p scripts/windows/tsconfig.json
mods="$RUN/node_modules"
mkdir -p "$mods/@koromix"
echo '{ "type": "module", "private": true }' >"$RUN/package.json"
if [ ! -f "$mods/koffi/.version-$KOFFI_VERSION" ]; then
  rm -rf "$mods/koffi" "$mods/@koromix/koffi-win32-x64"
  cp -r node_modules/koffi "$mods/koffi"
  cp -r "$CACHE/koffi-win32-x64-$KOFFI_VERSION" "$mods/@koromix/koffi-win32-x64"
  touch "$mods/koffi/.version-$KOFFI_VERSION"
fi
for pkg in rxjs io-ts fp-ts tslib uvu dequal diff kleur sade mri; do
  if [ -e "node_modules/$pkg" ]; then ln -sfn "$(realpath "node_modules/$pkg")" "$mods/$pkg"; fi
done
rm -rf "$mods/tsx" && cp -r scripts/windows/tsx-stub "$mods/tsx"
# Plain-JavaScript fixtures (tsc copies none) and the dist/ they import: here the compiled src/ behind a re-export.
cp test/fixtures/*.mjs "$RUN/test/fixtures/"
mkdir -p "$RUN/dist" && echo "export * from '../src/index.js';" >"$RUN/dist/index.js"
