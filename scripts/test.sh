#!/usr/bin/env bash
# Every test of Carnet: formatting, lints, and the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runs one step and says how long it took, so a slow run shows where its time went.
step() {
  local started=$SECONDS
  "$@"
  echo "== ${*}: $((SECONDS - started)) s" >&2
}

step scripts/ensure-deps.sh
step cargo fmt --all -- --check
# Layers point one way: no loop between the modules of a crate.
step python3 scripts/module-loops.py
step cargo clippy --workspace --all-targets --locked -- -D warnings
# One build of everything (see scripts/cargo-env.sh); the steps below only run it.
source scripts/cargo-env.sh
step build_workspace
step cargo test --workspace --locked
# The sync server's suites again, on PostgreSQL: a throwaway server, a database per test.
step scripts/postgres-tests.sh
# The ffi surface from a foreign language: a complete advisor day through the generated
# Python bindings against the real server, and the simulator driven in tmux.
step scripts/bindings.sh
step python3 -m pytest -q ffi/tests/python
step scripts/swift-check.sh
echo "== every test passed in $SECONDS s" >&2
