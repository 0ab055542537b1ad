#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite (unit, stage, engine and end-to-end tests
# that run the real runner binary). A throwaway PostgreSQL server runs on 127.0.0.1 for the tests that
# need one (SLUICE_TEST_POSTGRES_URL); it is stopped and deleted at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The house format (.swift-format): 4-space indent, 120 columns; `swift format -i -r Sources Tests Benchmarks
# plugins` fixes most of what this finds.
swift format lint --strict -r Sources Tests Benchmarks plugins
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build
