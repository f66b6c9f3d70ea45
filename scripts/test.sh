#!/usr/bin/env bash
# Every test of Carnet: formatting, lints, and the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
cargo fmt --all -- --check
# Layers point one way: no loop between the modules of a crate.
python3 scripts/module-loops.py
cargo clippy --workspace --all-targets --locked -- -D warnings
# One build of everything (see scripts/cargo-env.sh); the steps below only run it.
source scripts/cargo-env.sh
build_workspace
cargo test --workspace --locked
# The sync server's suites again, on PostgreSQL: a throwaway server, a database per test.
scripts/postgres-tests.sh
# The ffi surface from a foreign language: a complete advisor day through the generated
# Python bindings against the real server, and the simulator driven in tmux.
scripts/bindings.sh
python3 -m pytest -q ffi/tests/python
scripts/swift-check.sh
