#!/usr/bin/env bash
# Generates a store (default: tiny; or store, large), loads it into an encrypted cache and shows
# a customer lookup, her card and her history.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
size="${1:-tiny}"
cargo build --release --locked -p carnet-fixtures -p carnet-core --example demo
mkdir -p data
if [ ! -f "data/$size/manifest.json" ]; then
  ./target/release/carnet-fixtures --size "$size" --out "data/$size"
fi
./target/release/examples/demo "data/$size" "data/$size-cache.db"
