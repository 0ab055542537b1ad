#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on 127.0.0.1, then stops the server and deletes its
# data, whatever the command's outcome (and on Ctrl-C):
#
#   scripts/with-postgres.sh swift test --skip-build --filter Postgres
#   scripts/with-postgres.sh --durable sh -c 'swift run -c release sluice-bench postgres --url "$SLUICE_TEST_POSTGRES_URL"'
#
# The command sees SLUICE_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:PORT/postgres) and
# SLUICE_TEST_POSTGRES_DATA; scripts/postgres-server.sh does the work (initdb, a free port, pg_ctl -w with
# a timeout, so a server that cannot start fails this script instead of hanging it). Its exit status is
# the command's.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
durable=()
if [ "${1:-}" = "--durable" ]; then
    durable=(--durable)
    shift
fi
[ $# -gt 0 ] || { echo "usage: $0 [--durable] COMMAND [ARGUMENT...]" >&2; exit 2; }

exports=$("$root/scripts/postgres-server.sh" start "${durable[@]}")
eval "$exports"
trap '"$root/scripts/postgres-server.sh" remove "$SLUICE_TEST_POSTGRES_DATA"' EXIT
# Bash runs the EXIT trap on these only when they are trapped.
trap 'exit 130' INT
trap 'exit 143' TERM
"$@"
