#!/usr/bin/env bash
# Installs what is missing, builds the runner and runs the quickstart pipeline on the sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product runner
.build/release/runner apply pipelines/quickstart.yaml --stats
echo
echo "results, stored in SQLite (out/quickstart/analytics.db) and as NDJSON (out/quickstart/by_category.ndjson):"
.build/release/runner query --db out/quickstart/analytics.db --limit 10 \
    "SELECT datetime(window_start / 1000, 'unixepoch') AS window_start, category, count, round(total, 2) AS total
     FROM category_stats ORDER BY window_start, category"
