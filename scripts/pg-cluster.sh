#!/usr/bin/env bash
# A private, throw-away PostgreSQL cluster for the test suite's PostgreSQL pass.
#
#   scripts/pg-cluster.sh run -- COMMAND...   start a cluster, run COMMAND with
#                                             STELLA_TEST_DB set to it, stop it whatever happens
#   scripts/pg-cluster.sh start DIR           start one in DIR (prints its URL, also in DIR/url)
#   scripts/pg-cluster.sh stop DIR            stop the one in DIR
#
# PostgreSQL comes from the distribution's packages (installed when missing, as root).
# The cluster runs as an unprivileged user (the caller, or `nobody` when called as root),
# listens on 127.0.0.1 only on a free port and on a socket in DIR, and trusts local
# connections: it holds nothing but test databases and lives only as long as the run.
set -euo pipefail

PG_USER=stella

pg_bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$found" ]]; then
        if [[ $(id -u) -ne 0 ]]; then
            echo "PostgreSQL is not installed; run as root once, or: apt-get install -y postgresql" >&2
            exit 1
        fi
        echo "installing PostgreSQL from the distribution's packages..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
        found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    echo "$found"
}

# Run as the cluster's owner: ourselves, or `nobody` when we are root (initdb refuses root).
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local dir=$1 bin port
    bin=$(pg_bin)
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown nobody "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U "$PG_USER" --auth=trust -E UTF8 --no-locale \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    # Test databases need no durability: fsync off keeps the pass fast on a busy machine.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql+psycopg://$PG_USER@127.0.0.1:$port/postgres" >"$dir/url"
    cat "$dir/url"
}

stop() {
    local dir=$1 bin
    [[ -d "$dir/data" ]] || return 0
    bin=$(pg_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
    start) start "${2:?usage: $0 start DIR}" ;;
    stop) stop "${2:?usage: $0 stop DIR}" ;;
    run)
        shift
        [[ "${1:-}" == "--" ]] && shift
        [[ $# -gt 0 ]] || { echo "usage: $0 run -- COMMAND..." >&2; exit 2; }
        dir=$(mktemp -d "${TMPDIR:-/tmp}/stella-pg.XXXXXX")
        trap 'stop "$dir"; rm -rf "$dir"' EXIT
        trap 'exit 130' INT TERM
        STELLA_TEST_DB=$(start "$dir")
        export STELLA_TEST_DB
        "$@"
        ;;
    *) echo "usage: $0 run -- COMMAND... | start DIR | stop DIR" >&2; exit 2 ;;
esac
