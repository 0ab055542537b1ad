#!/usr/bin/env bash
# Installs the system packages Sluice needs that a fresh Debian 12 machine with Swift lacks.
# Safe to run again: it installs only what is missing.
#   libsimdjson-dev, libyaml-dev, libsqlite3-dev, libre2-dev  build the runner
#   librdkafka-dev                the Kafka stages (librdkafka, with its mock cluster for the tests)
#   tzdata                        the time zones that the expression functions read
#   prometheus                    promtool, for the alert-rule and /metrics tests (the server is not started)
#   libpq-dev                     PostgreSQL's C client library, for the postgres sink and sql source
#   postgresql                    the server scripts/with-postgres.sh starts for the tests (initdb, pg_ctl)
#   tmux                          drives `runner top` in a terminal in the tests
#   chromium                      loads the dashboard headless in the tests
#   wabt, python3                 wat2wasm builds the WebAssembly plugin examples; python3 runs the Python plugin examples
set -euo pipefail

packages=(libsimdjson-dev libyaml-dev libsqlite3-dev libre2-dev libpq-dev librdkafka-dev tzdata postgresql prometheus
          tmux chromium wabt python3)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # Only promtool is wanted from `prometheus`, and only the programs from `postgresql` (the tests start
    # their own server): keep the post-install scripts from starting a server,
    # removing the guard afterwards only if this script added it.
    guard=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
        $sudo chmod 755 /usr/sbin/policy-rc.d
        guard=/usr/sbin/policy-rc.d
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ -n "$guard" ]; then $sudo rm -f "$guard"; fi
fi

command -v swift >/dev/null || { echo "error: Swift 6 is required (swift not found on PATH)" >&2; exit 1; }
