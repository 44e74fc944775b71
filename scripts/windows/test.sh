#!/usr/bin/env bash
# `npm run test:windows`: installs the Windows toolchain (setup.sh, fast when cached), compiles the tests
# (prepare-run.sh) and runs the Windows test set with the Windows build of Node under Wine.
# Exits non-zero when a test fails, and never hangs: the whole run is under `timeout`, every test under its own
# watchdog. node.exe's stdout/stderr go to a file (a Linux pipe as a Windows handle fails with EBADF under Wine),
# which is printed afterwards. Extra arguments replace the file pattern (a uvu regex over Windows paths: `[\\/]`).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/windows/env.sh
# The Windows test set: the native conformance suite and the Windows backend across processes (test/windows), and
# the streams suites of two-process channels, request/response, peer death, exit hygiene and many clients per server
# that apply to a backend without descriptor passing (README "Platforms" says which are left out and why).
PATTERN=${1:-'(native[\\/](names|conformance|index)|windows[\\/][a-z0-9-]+|streams[\\/](request|lifecycle|serve|typed|methods|spawn-connected|batches|batch-frames|claim|connection|connection-iterator|late-subscriber|listen|pooled-receive|listen-unlink|many-clients|options|receive-backlog|review-[a-z-]+|server-survives))\.test\.js$'}
LIMIT_S=${RXSHM_WINDOWS_TEST_LIMIT_S:-900}
# server-survives starts a client process per victim; a Windows node.exe takes ~2 s to start under Wine, so 10 per
# pattern (one of them misbehaving) instead of Linux's 300, and two of the four patterns (streaming, and
# request/response): ~40 s each.
export SURVIVAL_CLIENTS=${SURVIVAL_CLIENTS:-10} SURVIVAL_PATTERNS=${SURVIVAL_PATTERNS:-echo,serve}

log="$CACHE/test.log"
set +e
(cd "$CACHE/run" && timeout -k 10 "$LIMIT_S" wine "$NODE_EXE" node_modules/uvu/bin.js test "$PATTERN" >"$log" 2>&1)
status=$?
set -e
sed 's/\r$//' "$log"
# No process may be left behind: a Windows node.exe still running 5 s after the tests ended fails the run. Then
# anything of ours still running in the private prefix is stopped (wineserver -k), so nothing outlives the run.
# Only this checkout's node.exe counts (as `/path` or `Z:\path`): other checkouts on the machine may be testing too.
mine=$(printf '%s' "$CACHE" | sed -e 's/[.]/\\./g' -e 's#/#[\\/]#g')
leftover=""
for _ in $(seq 50); do
  leftover=$(pgrep -fai "${mine}[\\/]node-[0-9.]+.bin.node\\.exe" || true)
  [ -z "$leftover" ] && break
  sleep 0.1
done
if [ -n "$leftover" ]; then
  echo "test:windows: Windows processes left behind by the tests:"; echo "$leftover"
  [ "$status" -eq 0 ] && status=1
fi
wineserver -k 2>/dev/null || true
if [ "$status" -eq 124 ]; then echo "test:windows: timed out after ${LIMIT_S} s"; fi
total=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/^ *Total:/ {t+=$2} END {print t+0}')
if [ "$status" -eq 0 ] && [ "$total" -eq 0 ]; then echo "test:windows: no test ran"; status=1; fi
echo "test:windows: exit status $status"
exit "$status"
