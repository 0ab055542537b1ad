#!/usr/bin/env bash
# Installs the system packages Sluice needs that a fresh Debian 12 machine with Swift lacks.
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(libsimdjson-dev libyaml-dev libsqlite3-dev libre2-dev tzdata)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "error: Swift 6 is required (swift not found on PATH)" >&2; exit 1; }
