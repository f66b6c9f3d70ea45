#!/usr/bin/env bash
# The long crash campaign: KILLS SIGKILLs each of the server and of a device process (half as
# many of the importer) at seeded random points of initial sync, delta sync, push and import,
# each followed by recovery and a row-for-row comparison; prints the kills, recoveries and rows
# lost or duplicated. A debug build, the one scripts/test.sh makes (CI runs 4 + 4 + 2 kills).
#
#   scripts/crash-campaign.sh [KILLS (default 20)] [SEED (default the tests' fixed seed)]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
export CARNET_CRASH_KILLS="${1:-20}"
if [ $# -ge 2 ]; then export CARNET_CRASH_SEED="$2"; fi
echo "crash campaign: $CARNET_CRASH_KILLS kills of the server and of the device, debug build"
cargo test --locked --workspace --test crash_campaign -- --nocapture --exact \
  a_seeded_crash_campaign_loses_and_duplicates_nothing
