#!/usr/bin/env bash
# macOS only: builds the app for the iOS simulator and runs it on a booted simulator (boots
# one if none is: $CARNET_SIMULATOR, default "iPhone 16").
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -s)" = Darwin ] || { echo "ios-run.sh runs on macOS" >&2; exit 1; }
name="${CARNET_SIMULATOR:-iPhone 16}"
[ -d ios/Carnet.xcodeproj ] || scripts/ios-project.sh
udid=$(xcrun simctl list devices booted -j | python3 -c '
import json, sys
booted = [d for ds in json.load(sys.stdin)["devices"].values() for d in ds if d["state"] == "Booted"]
print(booted[0]["udid"] if booted else "")')
if [ -z "$udid" ]; then
  xcrun simctl boot "$name"
  udid=$(xcrun simctl list devices booted -j | python3 -c '
import json, sys
print([d for ds in json.load(sys.stdin)["devices"].values() for d in ds if d["state"] == "Booted"][0]["udid"])')
  open -a Simulator
fi
xcodebuild -project ios/Carnet.xcodeproj -scheme Carnet -configuration Debug \
  -destination "id=$udid" -derivedDataPath ios/build build
app="ios/build/Build/Products/Debug-iphonesimulator/Carnet.app"
xcrun simctl install "$udid" "$app"
xcrun simctl launch "$udid" fr.carnet.handheld
echo "Carnet runs on simulator $udid. No camera in the simulator: type the enrolment fields and"
echo "search by name. A sync server for it: see ios/README.md."
