#!/usr/bin/env bash
# The main job on a Linux desk: builds Carnet, generates a store, starts the sync server
# (embedded SQLite, self-signed TLS on loopback), sets up a store with an advisor, issues an
# enrolment code and opens the handheld simulator enrolled, signed in and synced. The server
# stops when the simulator exits.
#
#   scripts/handheld.sh [tiny|store]     (default: tiny)
#
# A second run reuses the store, the server's database and the enrolled handheld (it syncs
# what changed and opens); `--fresh` starts again from nothing. `PROFILE=release|debug`
# overrides the build (default: debug for tiny, which builds in a few minutes on a fresh
# machine; release for store, whose 50,000 customers import and sync much faster optimised).
#
# Demo advisor: the export's first advisor of S001 (A00001, who keeps a client book), PIN 1234.
# In the simulator: F2 toggles the store Wi-Fi, F5 syncs.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=false
if [ "${1:-}" = "--fresh" ]; then
  fresh=true
  shift
fi
size="${1:-tiny}"
scripts/ensure-deps.sh
source scripts/cargo-env.sh
default_profile=debug
[ "$size" = "tiny" ] || default_profile=release
profile="${PROFILE:-$default_profile}"
flag=""
[ "$profile" = "release" ] && flag="--release"
bin="$target/$profile"
if [ ! -x "$bin/carnet-simulator" ]; then
  case "$profile" in
    release) took="about 9 minutes" ;;
    *) took="about 4 minutes" ;;
  esac
  echo "Building Carnet ($profile) for the first time: $took on 2 cores, seconds afterwards."
fi
cargo build $flag --locked -p carnet-fixtures -p carnet-sync-server -p carnet-simulator

demo="data/handheld-$size"
data="$demo/server"
# The server secret (it keys the server's encrypted database): made once per developer, kept
# outside the data directory, readable by you only.
secret="${XDG_CONFIG_HOME:-$HOME/.config}/carnet/dev-server-secret"
if [ ! -s "$secret" ]; then
  mkdir -p "$(dirname "$secret")"
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$secret")
fi
server=("$bin/carnet-sync-server" --secret-file "$secret")

# The export's first advisor of S001 still working there (her id, or with `name` her name): she
# keeps a client book.
demo_advisor() {
  grep '"store_id":"S001"' "$demo/export/advisors.jsonl" | grep -m1 '"left_on":null' |
    sed -E 's/.*"id":"([^"]*)".*"first_name":"([^"]*)","last_name":"([^"]*)".*/\1 \2 \3/' |
    { read -r id first last; if [ "${1:-}" = name ]; then echo "$first $last"; else echo "$id"; fi; }
}

# Set up once: kept while the store exists, opens with this secret and was fully provisioned.
ready="$demo/ready-2"
if $fresh || [ ! -f "$ready" ] || ! "${server[@]}" store list --data "$data" 2>/dev/null | grep -q '^S001'; then
  rm -rf "$data" "$demo/device" "$ready"
  mkdir -p "$demo"
  # (An export of format 1 has no advisors: made again.)
  if [ ! -f "$demo/export/advisors.jsonl" ]; then
    echo "Generating the $size store…"
    "$bin/carnet-fixtures" --size "$size" --out "$demo/export"
  fi
  echo "Importing it into the server and building the recommendation model…"
  "${server[@]}" import --data "$data" "$demo/export" >/dev/null
  # The store's network: the handheld reaches the server from 127.0.0.1 (with its Wi-Fi off,
  # the simulator sends from 127.0.0.2, outside it).
  "${server[@]}" store add --data "$data" --store S001 --name "Paris Rivoli" --network 127.0.0.1/32 >/dev/null
  echo 1234 | "${server[@]}" advisor add --data "$data" --store S001 --id "$(demo_advisor)" \
    --name "$(demo_advisor name)" >/dev/null
  "${server[@]}" model build --data "$data" >/dev/null
  touch "$ready"
fi

port="${CARNET_PORT:-8443}"
url="https://127.0.0.1:$port"
# Used only when the handheld is not enrolled yet (first run, or after it was wiped).
code=$("${server[@]}" enrollment issue --data "$data" --store S001 --server-url "$url" --no-qr | awk '/^code /{print $2}')
pin=$("${server[@]}" fingerprint --data "$data" | awk '{print $NF}')
"${server[@]}" serve --data "$data" --listen "127.0.0.1:$port" >"$demo/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$demo/server.log" && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$demo/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
"$bin/carnet-simulator" --data "$demo/device" --server "$url" --pin "$pin" --code "$code" \
  --sign-in "$(demo_advisor):1234"
