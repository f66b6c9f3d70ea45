#!/usr/bin/env bash
# Cache benchmark (encrypted vs plaintext SQLite, same run). Sizes: store (default), large, tiny.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
cargo bench --locked -p carnet-core --features plaintext-baseline --bench cache -- "${@:-store}"
