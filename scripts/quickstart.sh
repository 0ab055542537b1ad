#!/usr/bin/env bash
# Installs what is missing, builds the runner and runs the quickstart pipeline on the sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product runner
.build/release/runner apply pipelines/quickstart.yaml --stats
echo
echo "results: out/quickstart/by_category.ndjson"
head -n 5 out/quickstart/by_category.ndjson
