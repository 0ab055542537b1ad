#!/usr/bin/env bash
# The one benchmark command: installs what is missing, builds release, writes the input if it is not there,
# times the benchmark pipelines on the real runner, the engine's queue hand-off, hot reload and the sqlite sink,
# and prints the results
# (also saved to out/benchmark/results.md). Arguments go to `sluice-bench run`, e.g. --repetitions 5.
# SCRATCH_PATH=/some/dir uses that build folder instead of .build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

build=(swift build -c release)
[ -n "${SCRATCH_PATH:-}" ] && build+=(--scratch-path "$SCRATCH_PATH")
"${build[@]}" --product runner
"${build[@]}" --product sluice-bench
bin="$("${build[@]}" --show-bin-path)"

[ -f Benchmarks/data/events.ndjson ] || "$bin/sluice-bench" generate
# The plugin scenarios use plugins/wasm-tag, whose module is built from its WAT.
scripts/build-plugins.sh

mkdir -p out/benchmark
{
    echo "## Sluice benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(swift --version 2>&1 | head -1)"
    echo
    echo "### End to end (runner apply)"
    echo
    "$bin/sluice-bench" run "$@"
    echo
    echo "### Queue hand-off (in process)"
    echo
    "$bin/sluice-bench" queue
    echo
    echo "### Hot reload (300 edits of a running pipeline)"
    echo
    "$bin/sluice-bench" reload
    echo
    echo "### SQLite sink (in process, 1,000,000 aggregate rows, upserting)"
    echo
    "$bin/sluice-bench" sqlite
} 2>&1 | tee out/benchmark/results.md
