# Sourced by test.sh and bench.sh: installs the Windows toolchain (setup.sh, fast when cached), compiles the run
# folder (prepare-run.sh), and sets what running node.exe under Wine needs: the private prefix, quiet Wine, and
# NODE_EXE (the pinned Windows build of Node in the cache).
bash scripts/windows/setup.sh
bash scripts/windows/prepare-run.sh
CACHE="$PWD/.cache/windows"
export WINEPREFIX="$CACHE/prefix" WINEDEBUG=-all
NODE_EXE=$(ls "$CACHE"/node-*/bin/node.exe | head -n 1)
