#!/usr/bin/env bash
# The main job on a Linux desk: builds Carnet, generates a store, starts the sync server
# (embedded SQLite, self-signed TLS on loopback), sets up a store with an advisor, issues an
# enrolment code and opens the handheld simulator enrolled, signed in and synced. The server
# stops when the simulator exits.
#
#   scripts/handheld.sh [tiny|store]     (default: tiny)
#
# Demo advisor: A001, PIN 1234. In the simulator: F2 toggles the store Wi-Fi, F5 syncs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
size="${1:-tiny}"
profile="${PROFILE:-release}"
flag=""
[ "$profile" = "release" ] && flag="--release"
cargo build $flag --locked -p carnet-fixtures -p carnet-sync-server -p carnet-simulator
bin="target/$profile"
demo="data/handheld-$size"
rm -rf "$demo/server" "$demo/device"
mkdir -p "$demo"
if [ ! -f "$demo/export/manifest.json" ]; then
  "$bin/carnet-fixtures" --size "$size" --out "$demo/export"
fi
# The server secret (it keys the server's encrypted database): made once per developer, kept
# outside the data directory, readable by you only.
secret="${XDG_CONFIG_HOME:-$HOME/.config}/carnet/dev-server-secret"
if [ ! -s "$secret" ]; then
  mkdir -p "$(dirname "$secret")"
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$secret")
fi
server=("$bin/carnet-sync-server" --secret-file "$secret")
data="$demo/server"
"${server[@]}" import --data "$data" "$demo/export" >/dev/null
# The store's network: the handheld reaches the server from 127.0.0.1 (with its Wi-Fi off, the
# simulator sends from 127.0.0.2, outside it).
"${server[@]}" store add --data "$data" --store S001 --name "Paris Rivoli" --network 127.0.0.1/32 >/dev/null
echo 1234 | "${server[@]}" advisor add --data "$data" --store S001 --id A001 --name "Camille" >/dev/null
"${server[@]}" model build --data "$data" >/dev/null
port="${CARNET_PORT:-8443}"
url="https://127.0.0.1:$port"
code=$("${server[@]}" enrollment issue --data "$data" --store S001 --server-url "$url" --no-qr | awk '/^code /{print $2}')
pin=$("${server[@]}" fingerprint --data "$data" | awk '{print $NF}')
"${server[@]}" serve --data "$data" --listen "127.0.0.1:$port" >"$demo/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q "listening on" "$demo/server.log" && break
  sleep 0.1
done
"$bin/carnet-simulator" --data "$demo/device" --server "$url" --pin "$pin" --code "$code" \
  --sign-in A001:1234
