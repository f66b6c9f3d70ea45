#!/usr/bin/env bash
# macOS only: runs the model's scenarios (ios/CarnetKit/Tests) on the iOS simulator against the
# real core and a real sync server on the Mac's loopback (the simulator shares it). The server
# setup is the one of scripts/swift-check.sh; its values reach the test process through
# TEST_RUNNER_-prefixed variables.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -s)" = Darwin ] || { echo "ios-test.sh runs on macOS; on Linux run scripts/swift-check.sh" >&2; exit 1; }
name="${CARNET_SIMULATOR:-iPhone 16}"
[ -d ios/CarnetKit/Frameworks/carnet_ffiFFI.xcframework ] || scripts/build-xcframework.sh
cargo build --locked -q -p carnet-sync-server -p carnet-fixtures
tmp="$(mktemp -d)"
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid"; rm -rf "$tmp"' EXIT
S=target/debug/carnet-sync-server
# A throwaway server: its secret lives in this script's environment only.
CARNET_SERVER_SECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
export CARNET_SERVER_SECRET
target/debug/carnet-fixtures --size tiny --out "$tmp/export" >/dev/null 2>&1
$S import --data "$tmp/srv" "$tmp/export" >/dev/null 2>&1
$S model build --data "$tmp/srv" >/dev/null 2>&1
$S store add --data "$tmp/srv" --store S001 --name "Paris Rivoli" --network 127.0.0.1/32 >/dev/null
echo 482913 | $S advisor add --data "$tmp/srv" --store S001 --id A901 --name "iOS Test" >/dev/null 2>&1
RUST_LOG=warn $S serve --data "$tmp/srv" --listen 127.0.0.1:0 >"$tmp/out" 2>/dev/null &
server_pid=$!
for _ in $(seq 100); do grep -q '^certificate sha256' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$tmp/out")
cert=$(sed -n 's/^certificate sha256 //p' "$tmp/out")
issue_code() { $S enrollment issue --data "$tmp/srv" --store S001 --server-url "$url" --no-qr | awk '$1 == "code" {print $2}'; }
code=$(issue_code)      # the handheld enrolled by its QR code
mdm_code=$(issue_code)  # the handheld its MDM enrols
card=$(python3 scripts/regular-card.py "$tmp/export")
cd ios/CarnetKit
TEST_RUNNER_CARNET_QR="carnet-enroll:?code=$code&pin=$cert&server=$url" \
TEST_RUNNER_CARNET_MDM_QR="carnet-enroll:?code=$mdm_code&pin=$cert&server=$url" \
TEST_RUNNER_CARNET_ADVISOR=A901 TEST_RUNNER_CARNET_PIN=482913 TEST_RUNNER_CARNET_CARD="$card" \
  xcodebuild test -scheme CarnetKit-Package -destination "platform=iOS Simulator,name=$name" \
  -only-testing:CarnetModelTests
