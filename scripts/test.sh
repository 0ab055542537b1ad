#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite (unit, stage, engine and end-to-end tests
# that run the real runner binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
