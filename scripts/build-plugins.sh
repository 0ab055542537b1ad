#!/usr/bin/env bash
# Builds the WebAssembly modules of the plugins: every plugins/*/*.wat into the .wasm beside it, with
# wabt's wat2wasm (scripts/install-deps.sh installs it). Built modules are not committed.
#   scripts/build-plugins.sh [PLUGINS_FOLDER]   (default: plugins/ of the repository)
set -euo pipefail
folder="${1:-$(dirname "$0")/../plugins}"
command -v wat2wasm >/dev/null || { echo "error: wat2wasm not found; run scripts/install-deps.sh" >&2; exit 1; }
shopt -s nullglob
for source in "$folder"/*/*.wat; do
    wat2wasm "$source" -o "${source%.wat}.wasm"
done
