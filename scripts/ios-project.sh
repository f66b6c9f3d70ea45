#!/usr/bin/env bash
# macOS only: generates ios/Carnet.xcodeproj from ios/project.yml with XcodeGen (installed
# with Homebrew if missing). The project is never committed nor edited by hand.
#   CARNET_TEAM_ID=ABCDE12345 scripts/ios-project.sh   (your team, to sign for a device)
set -euo pipefail
cd "$(dirname "$0")/../ios"
[ "$(uname -s)" = Darwin ] || { echo "ios-project.sh runs on macOS" >&2; exit 1; }
command -v xcodegen >/dev/null || brew install xcodegen
[ -d CarnetKit/Frameworks/carnet_ffiFFI.xcframework ] || ../scripts/build-xcframework.sh
CARNET_TEAM_ID="${CARNET_TEAM_ID:-}" xcodegen generate --spec project.yml
echo "open ios/Carnet.xcodeproj"
