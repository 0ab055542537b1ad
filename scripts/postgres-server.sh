#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and benchmarks, on 127.0.0.1 with a temporary data folder.
#
#   eval "$(scripts/postgres-server.sh start)"   # prints the exports below; the server runs in the background
#   scripts/postgres-server.sh stop  [DATA]      # fast shutdown (default DATA: $SLUICE_TEST_POSTGRES_DATA)
#   scripts/postgres-server.sh start-again [DATA] # starts a stopped server on its data folder and port again
#   scripts/postgres-server.sh remove [DATA]     # stops it and deletes the data folder
#
# `start` exports SLUICE_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:PORT/postgres) and
# SLUICE_TEST_POSTGRES_DATA. initdb and postgres refuse to run as root, so as root they run as the
# `postgres` user (Debian's package creates it) on a folder that user owns. `--durable` keeps PostgreSQL's
# default durability settings (for benchmarks); without it fsync is off, which only a crash of the machine
# can notice and which makes the tests faster.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/pg_ctl" ] || { echo "error: PostgreSQL is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000))
}

start_server() {
    local data=$1
    as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null
}

command=${1:-}
case "$command" in
start)
    durable=no
    [ "${2:-}" = "--durable" ] && durable=yes
    folder=$(mktemp -d /tmp/sluice-postgres.XXXXXX)
    chmod 755 "$folder"
    data="$folder/data"
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$folder"
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        {
            echo "listen_addresses = '127.0.0.1'"
            echo "port = $port"
            echo "unix_socket_directories = '$folder'"
            echo "max_connections = 100"
            if [ "$durable" = no ]; then
                echo "fsync = off"
                echo "synchronous_commit = off"
                echo "full_page_writes = off"
            fi
        } > "$data/sluice.conf"
        grep -q "include_if_exists = 'sluice.conf'" "$data/postgresql.conf" \
            || echo "include_if_exists = 'sluice.conf'" >> "$data/postgresql.conf"
        [ "$(id -u)" -eq 0 ] && chown postgres: "$data/sluice.conf"
        if start_server "$data"; then
            echo "export SLUICE_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$port/postgres'"
            echo "export SLUICE_TEST_POSTGRES_DATA='$data'"
            exit 0
        fi
    done
    echo "error: PostgreSQL did not start; its log:" >&2
    cat "$data/server.log" >&2 || true
    exit 1
    ;;
stop)
    data=${2:-${SLUICE_TEST_POSTGRES_DATA:?}}
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    ;;
start-again)
    start_server "${2:-${SLUICE_TEST_POSTGRES_DATA:?}}"
    ;;
remove)
    data=${2:-${SLUICE_TEST_POSTGRES_DATA:-}}
    [ -n "$data" ] && [ -d "$data" ] || exit 0
    as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$(dirname "$data")"
    ;;
*)
    echo "usage: $0 start [--durable] | stop [DATA] | start-again [DATA] | remove [DATA]" >&2
    exit 2
    ;;
esac
