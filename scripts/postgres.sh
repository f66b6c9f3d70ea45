#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks, listening only on a Unix socket in
# its own directory (no TCP port is opened).
#
#   scripts/postgres.sh start DIR [PORT] [--durable]  prints the connection string
#   scripts/postgres.sh stop DIR
#
# Tests run it with fsync off (a crash of the machine loses a test database, nothing else);
# `--durable` keeps PostgreSQL's defaults, for benchmarks. Run as root, it runs the server as
# the `postgres` user (PostgreSQL refuses root).
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
    echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 2
fi
as=()
if [ "$(id -u)" = 0 ]; then
    as=(runuser -u postgres --)
fi

case "${1:-}" in
start)
    dir=$(realpath -m "${2:?the cluster directory}")
    port=${3:-5432}
    options="-p $port -k $dir -c listen_addresses= -c max_connections=200"
    if [ "${4:-}" != "--durable" ]; then
        options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    mkdir -p "$dir"
    [ ${#as[@]} -gt 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log"
    fi
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -o "$options" -l "$dir/server.log" -w start >/dev/null
    echo "host=$dir port=$port user=postgres dbname=postgres"
    ;;
stop)
    dir=$(realpath -m "${2:?the cluster directory}")
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: postgres.sh start DIR [PORT] [--durable] | stop DIR" >&2
    exit 2
    ;;
esac
