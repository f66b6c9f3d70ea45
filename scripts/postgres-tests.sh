#!/usr/bin/env bash
# The sync server's test suites on PostgreSQL: starts a throwaway PostgreSQL server, runs the
# server's integration test binaries with CARNET_TEST_POSTGRES pointing at it (each server
# under test gets a database of its own), stops it. Extra arguments go to every test binary
# (e.g. a test name to filter on).
set -euo pipefail
cd "$(dirname "$0")/.."
cluster=$(mktemp -d /tmp/carnet-pg.XXXXXX)
stop() {
  scripts/postgres.sh stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap stop EXIT
# Any port number will do: the server listens on a Unix socket in its directory only.
port=$((50000 + RANDOM % 10000))
CARNET_TEST_POSTGRES=$(scripts/postgres.sh start "$cluster" "$port")
export CARNET_TEST_POSTGRES
# The binaries of the workspace's one build (see cargo-env.sh): nothing is compiled again.
binaries=$(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    t = m.get("target", {})
    if m.get("reason") == "compiler-artifact" and m.get("executable") \
            and t.get("kind") == ["test"] and "/sync-server/tests/" in t.get("src_path", ""):
        print(m["executable"])')
failed=0
cd sync-server
for test in $binaries; do
  echo "── $(basename "$test") on PostgreSQL"
  "$test" -q "$@" || failed=1
done
exit "$failed"
