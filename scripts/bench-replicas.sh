#!/usr/bin/env bash
# Handhelds spread over two server replicas on one PostgreSQL (started for the run with its
# durable defaults), through the real device path (enrolment, leases, signed requests):
#   1. paced like handhelds (one request every 5-30 s, 60 s leases so that renewals happen);
#   2. back to back, then pushes only (the push throughput across both replicas);
#   3. paced again, with one replica SIGKILLed 30 s into the run: its devices fail over to the
#      other, and the pushes acknowledged are compared with the mutations recorded.
# Everything (PostgreSQL, both replicas, the load generator) shares this machine. After each
# run: the CPU seconds each process took (where the time goes, by process), and for the paced
# run a sampled profile of replica A (perf, if it may run) grouped by what the code does.
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
pid_a=$pid
mkdir -p "$work/b"
cp -a "$work/a/tls" "$work/b/"
start_replica "$work/b"
url_b=$url
pid_b=$pid

# CPU seconds (user + system) of the processes PIDS and their reaped children, now.
cpu_of() {
  local ticks=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    ticks=$((ticks + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")))
  done
  echo "$ticks"
}
postmaster=$(head -1 "$cluster/data/postmaster.pid")
pg_pids() { echo "$postmaster" $(ps -o pid= --ppid "$postmaster"); }
hz=$(getconf CLK_TCK)
cpu_split() { # after a run: each side's CPU seconds since the marks
  local pg_now a_now b_now
  pg_now=$(cpu_of $(pg_pids)); a_now=$(cpu_of "$pid_a"); b_now=$(cpu_of "$pid_b")
  local b="killed"
  [ -r "/proc/$pid_b/stat" ] && b=$(printf '%.1f' "$(echo "($b_now - $b_mark) / $hz" | bc -l)")
  printf 'CPU seconds: PostgreSQL %.1f, replica A %.1f, replica B %s, load generator %.1f (of %d s wall on %d cores)\n' \
    "$(echo "($pg_now - $pg_mark) / $hz" | bc -l)" "$(echo "($a_now - $a_mark) / $hz" | bc -l)" \
    "$b" "$load_cpu" "$wall" "$(nproc)"
}

run() { # TITLE, then the load generator's flags
  local title=$1; shift
  echo
  echo "== $title"
  pg_mark=$(cpu_of $(pg_pids)); a_mark=$(cpu_of "$pid_a"); b_mark=$(cpu_of "$pid_b")
  local started=$SECONDS
  /usr/bin/time -f "%U %S" -o "$work/load.time" \
    "$load" --url "$url_a" --url "$url_b" --data "$work/a" --store S001 \
    --devices "$devices" --no-initial "$@"
  wall=$((SECONDS - started))
  load_cpu=$(awk '{print $1 + $2}' "$work/load.time")
  cpu_split
}

# A sampled profile of replica A for SECONDS, its samples grouped by what the code does.
profile_a() {
  local seconds=$1
  perf record -q -F 499 -p "$pid_a" -o "$work/perf.data" -- sleep "$seconds" >/dev/null 2>&1 || return 0
  echo "replica A, sampled for $seconds s (perf, share of its samples):"
  perf report -i "$work/perf.data" --no-children --sort sym --stdio 2>/dev/null |
    python3 scripts/profile-groups.py
}
echo "$size export, $devices devices over two replicas ($url_a, $url_b), PostgreSQL $(psql "$conninfo" -Atc 'SHOW server_version')"
profiler=""
if command -v perf >/dev/null && perf record -q -o /dev/null -- true >/dev/null 2>&1; then
  (sleep 40; profile_a 60) &
  profiler=$!
fi
run "paced like handhelds" --seconds 120 --pace-ms 5000-30000 --lease-secs 60
# (Only the profiler: a bare `wait` would wait for the replicas too.)
[ -n "$profiler" ] && wait "$profiler"
run "back to back" --requests 10 --pace-ms 0
run "pushes only, back to back: push throughput" --requests 10 --pace-ms 0 --push-percent 100
run "paced, replica B SIGKILLed 30 s in" --seconds 90 --pace-ms 5000-30000 --lease-secs 60 \
  --kill-pid "$pid_b" --kill-after 30
