#!/usr/bin/env bash
# The import of one generated export into each back end, side by side in one run: the
# embedded SQLite file and a PostgreSQL server started for the run with its durable defaults
# (fsync on). Prints wall time, records per second and the importer's peak RSS.
#
#   scripts/bench-backends.sh [SIZE] [CUSTOMERS]
#       SIZE: tiny (default), store, large or chain; CUSTOMERS scales it (e.g. chain 30000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cargo-env.sh
size=${1:-tiny}
scale=()
[ -n "${2:-}" ] && scale=(--customers "$2")
build_workspace --release >/dev/null 2>&1 || build_workspace --release
work=$(mktemp -d /tmp/carnet-bench.XXXXXX)
cluster=$(mktemp -d /tmp/carnet-bench-pg.XXXXXX)
stop() {
  scripts/postgres.sh stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work" "$cluster"
}
trap stop EXIT
export CARNET_SERVER_SECRET=$(openssl rand -hex 32)
"$target/release/carnet-fixtures" --size "$size" "${scale[@]}" --out "$work/export" >/dev/null 2>&1
records=$(python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['counts']; print(sum(c.values()))" "$work/export/manifest.json")
conninfo=$(scripts/postgres.sh start "$cluster" $((50000 + RANDOM % 10000)) --durable)
psql "$conninfo" -qc "CREATE DATABASE carnet_bench"
pg="${conninfo/dbname=postgres/dbname=carnet_bench}"
import() { # LABEL, then the environment to run the importer with
  local label=$1; shift
  local out
  out=$( { env "$@" /usr/bin/time -f "%e %M" "$target/release/carnet-sync-server" import \
      --data "$work/data-$label" "$work/export" >/dev/null; } 2>&1 | grep -v '^import:' | tail -1)
  read -r secs kb <<<"$out"
  printf '%-10s %8d records  %7.1f s  %9.0f records/s  peak RSS %5.0f MB\n' \
    "$label" "$records" "$secs" "$(echo "$records / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}
echo "import of the $size export${2:+ ($2 customers)} (cold: a new database each; the clock covers the whole command)"
import sqlite CARNET_DATABASE=
import postgres CARNET_DATABASE="$pg"
