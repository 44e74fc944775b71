#!/usr/bin/env bash
# `npm run bench:windows [-- --quick]`: bench/windows/wine-bench.ts with the Windows build of Node under Wine, after
# the same setup and compile step as the tests. Figures are "under Wine", not Windows figures. Output goes through a
# file (node.exe's stdout cannot be a Linux pipe under Wine) and is printed at the end; bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/windows/env.sh
log="$CACHE/bench.log"
set +e
(cd "$CACHE/run" && timeout -k 10 900 wine "$NODE_EXE" bench/windows/wine-bench.js "$@" >"$log" 2>&1)
status=$?
set -e
sed 's/\r$//' "$log"
wineserver -k 2>/dev/null || true
exit "$status"
