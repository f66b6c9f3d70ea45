#!/usr/bin/env bash
# Every test of Carnet: formatting, lints, and the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
scripts/swift-check.sh
