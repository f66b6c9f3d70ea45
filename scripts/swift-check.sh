#!/usr/bin/env bash
# The Swift checks that run on Linux (CI): builds the Rust library and its Swift bindings,
# compiles the bindings and the Foundation-only model (ios/CarnetKit/Sources/CarnetModel) with
# `-swift-version 6` inside a Debian trixie root holding Swift 6 (scripts/swift-root.sh), runs the
# model's scenarios against the real core and a real sync server on loopback, type-checks every
# Swift file of the SwiftUI app against Linux interfaces of Apple's frameworks (ios/LinuxStubs)
# and checks those interfaces against known-bad and known-good code, and checks that every ffi
# call in ios/ exists in the fresh bindings and every string the app shows is in the String
# Catalog in English and French.
#
#   scripts/swift-check.sh                  everything
#   CARNET_BINDINGS_DIR=DIR scripts/swift-check.sh
#                                           use bindings + libcarnet_ffi.so already in DIR
#                                           (no cargo build of the ffi; for quick iterations)
# Needs root (chroot, mount). Ends with "N passed, N failed" from the scenario runner.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
source scripts/cargo-env.sh
start=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - start )) s)"; }

step "swift root"
root="$(scripts/swift-root.sh)"

if [ -n "${CARNET_BINDINGS_DIR:-}" ]; then
  bindings="$CARNET_BINDINGS_DIR"
  lib="$bindings/libcarnet_ffi.so"
else
  step "rust library and bindings"
  scripts/bindings.sh
  bindings="$target/bindings/swift"
  lib="$target/debug/libcarnet_ffi.so"
fi
step "sync server and fixtures"
build_workspace -q
server_bin="$target/debug/carnet-sync-server"
fixtures_bin="$target/debug/carnet-fixtures"

# Everything the chroot compiles lives under $root/carnet-check (seen inside as /carnet-check):
# one run at a time (another checkout's run waits here rather than delete this one's files).
exec 9>"$root.lock"
flock 9
work="$root/carnet-check"
rm -rf "$work"
mkdir -p "$work"/{ffi,model,scenarios,runner,app,out,device}
cp "$bindings"/carnet_ffi.swift "$bindings"/carnet_ffiFFI.h "$bindings"/carnet_ffiFFI.modulemap "$work/ffi/"
cp "$lib" "$work/out/libcarnet_ffi.so"
kit=ios/CarnetKit
cp "$kit"/Sources/CarnetModel/*.swift "$work/model/"
cp "$kit"/Tests/CarnetScenarios/*.swift "$work/scenarios/"
cp "$kit"/Tests/CarnetModelChecks/*.swift "$work/runner/"

server_pid=""
tmp="$(mktemp -d)"
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  mountpoint -q "$root/proc" && umount "$root/proc"
  mountpoint -q "$root/dev" && umount "$root/dev"
  rm -rf "$tmp"
  return 0
}
trap cleanup EXIT
mountpoint -q "$root/proc" || mount --bind /proc "$root/proc"
mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"

in_root() {
  chroot "$root" env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 \
    LD_LIBRARY_PATH=/usr/libexec/swift/lib/swift/linux:/usr/libexec/swift/lib:/carnet-check/out \
    "$@"
}
swiftc_flags=(-swift-version 6 -Xcc -fmodule-map-file=/carnet-check/ffi/carnet_ffiFFI.modulemap
  -I /carnet-check/out -L /carnet-check/out)

step "Foundation-only target imports only Foundation, Observation and the bindings"
bad=$(grep -hoE '^\s*(@testable )?import [A-Za-z_]+' "$kit"/Sources/CarnetModel/*.swift \
  | awk '{print $NF}' | sort -u | grep -vxE 'Foundation|Observation|CarnetFFI' || true)
if [ -n "$bad" ]; then echo "CarnetModel imports: $bad" >&2; exit 1; fi

step "compile the bindings (CarnetFFI, -swift-version 6)"
in_root sh -c 'cd /carnet-check/out && swiftc "$@" -module-name CarnetFFI -parse-as-library \
  -emit-module -emit-library -o libCarnetFFI.so /carnet-check/ffi/carnet_ffi.swift -lcarnet_ffi' \
  sh "${swiftc_flags[@]}"

step "compile CarnetModel (-swift-version 6, strict concurrency)"
in_root sh -c 'cd /carnet-check/out && swiftc "$@" -module-name CarnetModel -parse-as-library \
  -emit-module -emit-library -o libCarnetModel.so /carnet-check/model/*.swift -lCarnetFFI' \
  sh "${swiftc_flags[@]}"

step "compile the scenarios and their runner"
# --allow-shlib-undefined: Debian's libswiftObservation.so references swift::threading::fatal,
# which no library of the package defines (a packaging bug); it is only called on a fatal error.
in_root sh -c 'cd /carnet-check/out && swiftc "$@" -module-name CarnetScenarios -parse-as-library \
  -emit-module -emit-library -o libCarnetScenarios.so /carnet-check/scenarios/*.swift \
  -lCarnetModel -lCarnetFFI && swiftc "$@" -module-name CarnetModelChecks \
  -Xlinker --allow-shlib-undefined -o carnet-model-checks /carnet-check/runner/*.swift -lCarnetScenarios -lCarnetModel -lCarnetFFI -lcarnet_ffi' \
  sh "${swiftc_flags[@]}"

step "Linux interfaces of Apple's frameworks: every declaration names its source, none is newer than iOS 17"
scripts/swift-stubs.sh

step "compile them (ios/LinuxStubs, Swift 5 mode as Apple's SDK modules)"
cp -r ios/LinuxStubs "$work/stubs"
mkdir -p "$work/out/stubs"
for module in UIKit SwiftUI Vision VisionKit Network Security CryptoKit; do  # dependency order
  in_root sh -c 'cd /carnet-check/out/stubs && swiftc -swift-version 5 -I . -module-name "$1" \
    -parse-as-library -emit-module /carnet-check/stubs/"$1"/*.swift' sh "$module"
done
stubs_flags=("${swiftc_flags[@]}" -I /carnet-check/out/stubs)

step "type-check every Swift file of the app (ios/CarnetApp) against them (-swift-version 6)"
mapfile -t app_files < <(find ios/CarnetApp -name '*.swift' | sort)
for f in "${app_files[@]}"; do
  mkdir -p "$work/app/$(dirname "$f")"
  cp "$f" "$work/app/$f"
done
in_root sh -c 'cd /carnet-check/app && swiftc -typecheck -continue-building-after-errors "$@"' sh \
  "${stubs_flags[@]}" -module-name Carnet -parse-as-library "${app_files[@]}"
echo "${#app_files[@]} files of the app type-check"

step "type-check the XCTest case and the package manifest"
cp ios/CarnetKit/Tests/CarnetModelTests/*.swift ios/CarnetKit/Package.swift "$work/app/"
in_root sh -c 'cd /carnet-check/app && swiftc -typecheck "$@" -module-name CarnetModelTests \
  -parse-as-library CarnetModelTests.swift && swiftc -typecheck -swift-version 6 \
  -I /usr/libexec/swift/lib/swift/pm/ManifestAPI -package-description-version 6.0 Package.swift' \
  sh "${swiftc_flags[@]}"

step "the interfaces stay honest: Checks/bad fail with the diagnostic they name, Checks/good pass"
checked=0
for f in ios/LinuxStubs/Checks/bad/*.swift ios/LinuxStubs/Checks/good/*.swift; do
  expect=$(sed -n '1s|^// expect: ||p' "$f")
  status=0
  out=$(in_root sh -c 'cd /tmp && swiftc -typecheck "$@"' sh "${stubs_flags[@]}" \
    -module-name Check "/carnet-check/stubs/${f#ios/LinuxStubs/}" 2>&1) || status=$?
  case "$f" in
    */bad/*)
      if [ "$status" -eq 0 ]; then echo "$f type-checks, but must fail with: $expect" >&2; exit 1; fi
      if ! grep -qF -- "error: $expect" <<<"$out"; then
        echo "$f fails, but not with: $expect" >&2; echo "$out" >&2; exit 1
      fi ;;
    *)
      if [ "$status" -ne 0 ] || grep -q "warning:" <<<"$out"; then
        echo "$f, an example from Apple's documentation, must type-check cleanly" >&2; echo "$out" >&2; exit 1
      fi ;;
  esac
  checked=$((checked + 1))
done
echo "$checked checks of the interfaces behave as Apple's SDK does"

step "every ffi call in ios/ exists in the fresh bindings"
scripts/swift-ffi-calls.sh "$bindings/carnet_ffi.swift"

step "every string shown is in the String Catalog (en, fr)"
scripts/swift-strings.sh

step "a store server with a tiny store, an advisor and an enrolment code"
log="$tmp/setup.log"
quiet() { "$@" >>"$log" 2>&1 || { echo "failed: $*" >&2; cat "$log" >&2; exit 1; }; }
quiet "$fixtures_bin" --size tiny --out "$tmp/export"
srv="$tmp/server"
# A throwaway server: its secret lives in this script's environment only.
CARNET_SERVER_SECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
export CARNET_SERVER_SECRET
quiet "$server_bin" import --data "$srv" "$tmp/export"
quiet "$server_bin" model build --data "$srv"
quiet "$server_bin" store add --data "$srv" --store S001 --name "Paris Rivoli" --network 127.0.0.1/32
# The tiny export's advisor of S001 who keeps a client book (seed 42).
advisor=A00001
pin=482913
echo "$pin" | quiet "$server_bin" advisor add --data "$srv" --store S001 --id "$advisor" --name "Swift Check"
mkfifo "$tmp/out"
RUST_LOG=warn "$server_bin" serve --data "$srv" --listen 127.0.0.1:0 >"$tmp/out" 2>"$tmp/server.log" &
server_pid=$!
exec 3<"$tmp/out"
url="" cert=""
while read -r -t 60 line <&3; do
  case "$line" in
    "listening on "*) url="${line#listening on }" ;;
    "certificate sha256 "*) cert="${line#certificate sha256 }" ;;
  esac
  [ -n "$url" ] && [ -n "$cert" ] && break
done
[ -n "$url" ] || { echo "the sync server did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
issue_code() {
  "$server_bin" enrollment issue --data "$srv" --store S001 --server-url "$url" --no-qr 2>/dev/null \
    | awk '$1 == "code" {print $2}'
}
# One code for the handheld enrolled by its QR code, one for the handheld its MDM enrols.
code=$(issue_code)
mdm_code=$(issue_code)
# A card of S001 with purchases: the scenarios scan it.
card=$(python3 scripts/regular-card.py "$tmp/export")

step "scenarios against the real core"
in_root env CARNET_QR="carnet-enroll:?code=$code&pin=$cert&server=$url" \
  CARNET_MDM_QR="carnet-enroll:?code=$mdm_code&pin=$cert&server=$url" \
  CARNET_ADVISOR="$advisor" CARNET_PIN="$pin" CARNET_CARD="$card" \
  CARNET_DEVICE_DIR=/carnet-check/device /carnet-check/out/carnet-model-checks
step "done"
