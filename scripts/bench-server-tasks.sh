#!/usr/bin/env bash
# The server's nightly run of the client book's tasks on one generated export, on the embedded
# SQLite database: the export is imported and the model built first (not timed here), then
# `tasks run` makes every store's tasks for the export's last day. Prints the command's own
# figures (per store: reachable customers, tasks by kind, seconds) and its wall time and peak
# RSS. Cold for SQLite's page cache (a new process), warm for the OS page cache (the import
# just wrote the file).
#
#   scripts/bench-server-tasks.sh [SIZE]      SIZE: tiny, store (default), large or chain
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cargo-env.sh
size=${1:-store}
build_workspace --release >/dev/null 2>&1 || build_workspace --release
work=$(mktemp -d /tmp/carnet-bench-tasks.XXXXXX)
trap 'rm -rf "$work"' EXIT
export CARNET_SERVER_SECRET=$(openssl rand -hex 32)
server="$target/release/carnet-sync-server"
"$target/release/carnet-fixtures" --size "$size" --out "$work/export" >/dev/null 2>&1
as_of=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['as_of'])" "$work/export/manifest.json")
customers=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['counts']['customers'])" "$work/export/manifest.json")
echo "$size export: $customers customers; tasks for $as_of"
t0=$(date +%s.%N)
"$server" import --data "$work/data" "$work/export" >/dev/null 2>&1
"$server" model build --data "$work/data" | head -1
printf 'import and model build (not part of the run): %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc -l)"
out=$( { /usr/bin/time -f "%e %M" "$server" tasks run --data "$work/data" --day "$as_of"; } 2>&1 )
echo "$out" | head -n -1
read -r secs kb <<<"$(echo "$out" | tail -1)"
printf 'tasks run: %.2f s wall clock for the whole command (open, read, rules, write); peak RSS %.0f MB\n' \
  "$secs" "$(echo "$kb / 1024" | bc -l)"
