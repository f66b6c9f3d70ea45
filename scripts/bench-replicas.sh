#!/usr/bin/env bash
# Handhelds spread over two server replicas on one PostgreSQL (started for the run with its
# durable defaults), through the real device path (enrolment, leases, signed requests):
#   1. paced like handhelds (one request every 5-30 s, 60 s leases so that renewals happen);
#   2. back to back, then pushes only (the push throughput across both replicas);
#   3. paced again, with one replica SIGKILLed 30 s into the run: its devices fail over to the
#      other, and the pushes acknowledged are compared with the mutations recorded.
# Everything (PostgreSQL, both replicas, the load generator) shares this machine.
#
#   scripts/bench-replicas.sh [SIZE] [DEVICES]     SIZE: tiny (default) or store; 2000 devices
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cargo-env.sh
size=${1:-tiny}
devices=${2:-2000}
build_workspace --release >/dev/null 2>&1 || build_workspace --release
bin=$target/release/carnet-sync-server
load=$target/release/examples/carnet-sync-load
work=$(mktemp -d /tmp/carnet-replicas.XXXXXX)
cluster=$(mktemp -d /tmp/carnet-replicas-pg.XXXXXX)
replicas=()
stop() {
  for pid in "${replicas[@]}"; do kill "$pid" 2>/dev/null || true; done
  scripts/postgres.sh stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work" "$cluster"
}
trap stop EXIT
ulimit -n 65536 2>/dev/null || true
export CARNET_SERVER_SECRET=$(openssl rand -hex 32)
"$target/release/carnet-fixtures" --size "$size" --out "$work/export" >/dev/null 2>&1
conninfo=$(scripts/postgres.sh start "$cluster" $((50000 + RANDOM % 10000)) --durable)
psql "$conninfo" -qc "CREATE DATABASE carnet_bench"
export CARNET_DATABASE="${conninfo/dbname=postgres/dbname=carnet_bench}"
"$bin" import --data "$work/a" "$work/export" >/dev/null 2>&1
"$bin" store add --data "$work/a" --store S001 --name Paris --network 127.0.0.1/32 >/dev/null

# Every simulated handheld connects from 127.0.0.1: the per-address cap (64 by default, for
# one store behind one NAT address) would refuse most of them.
cat >"$work/replica.toml" <<EOF
[limits]
max_connections = 8192
max_connections_per_address = 8192
EOF

# A replica on DIR; sets $url and $pid. The second gets the first's TLS identity.
start_replica() {
  local dir=$1
  "$bin" serve --data "$dir" --listen 127.0.0.1:0 --config "$work/replica.toml" \
    >"$dir.out" 2>"$dir.err" &
  pid=$!
  replicas+=("$pid")
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$dir.out")
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "the replica on $dir did not start: $(cat "$dir.err")" >&2
  exit 1
}
start_replica "$work/a"
url_a=$url
mkdir -p "$work/b"
cp -a "$work/a/tls" "$work/b/"
start_replica "$work/b"
url_b=$url
pid_b=$pid

run() { # TITLE, then the load generator's flags
  local title=$1; shift
  echo
  echo "== $title"
  "$load" --url "$url_a" --url "$url_b" --data "$work/a" --store S001 \
    --devices "$devices" --no-initial "$@"
}
echo "$size export, $devices devices over two replicas ($url_a, $url_b), PostgreSQL $(psql "$conninfo" -Atc 'SHOW server_version')"
run "paced like handhelds" --seconds 120 --pace-ms 5000-30000 --lease-secs 60
run "back to back" --requests 10 --pace-ms 0
run "pushes only, back to back: push throughput" --requests 10 --pace-ms 0 --push-percent 100
run "paced, replica B SIGKILLed 30 s in" --seconds 90 --pace-ms 5000-30000 --lease-secs 60 \
  --kill-pid "$pid_b" --kill-after 30
