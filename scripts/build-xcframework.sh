#!/usr/bin/env bash
# macOS only (Xcode 16+, rustup): builds libcarnet_ffi.a for iOS devices (aarch64-apple-ios) and
# the simulator (aarch64-apple-ios-sim + x86_64-apple-ios, one fat library), wraps them with the
# C header and module map into ios/CarnetKit/Frameworks/carnet_ffiFFI.xcframework, and generates
# the Swift bindings into ios/CarnetKit/Sources/CarnetFFI/ (uniffi-bindgen, library mode, from a
# host build of the same sources).
#   scripts/build-xcframework.sh            release
#   PROFILE=debug scripts/build-xcframework.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh runs on macOS (Xcode)" >&2; exit 1; }
profile="${PROFILE:-release}"
flag=""
[ "$profile" = release ] && flag="--release"
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}" >/dev/null
export IPHONEOS_DEPLOYMENT_TARGET=17.0

# SQLCipher uses CommonCrypto on Apple targets: no OpenSSL is built or linked.
for t in "${targets[@]}"; do
  cargo build --locked $flag -p carnet-ffi --lib --target "$t"
done

# Bindings from a host build (library mode reads the uniffi metadata of the built library).
cargo build --locked $flag -p carnet-ffi -p uniffi-bindgen
gen="target/bindings/ios"
rm -rf "$gen" && mkdir -p "$gen"
"target/$profile/uniffi-bindgen" generate --library "target/$profile/libcarnet_ffi.dylib" \
  --language swift --out-dir "$gen"

# Headers folder of the XCFramework: the header and its module map, named module.modulemap.
headers="target/xcframework/headers"
rm -rf "$headers" && mkdir -p "$headers"
cp "$gen/carnet_ffiFFI.h" "$headers/"
cp "$gen/carnet_ffiFFI.modulemap" "$headers/module.modulemap"

sim="target/xcframework/ios-simulator"
mkdir -p "$sim"
lipo -create \
  "target/aarch64-apple-ios-sim/$profile/libcarnet_ffi.a" \
  "target/x86_64-apple-ios/$profile/libcarnet_ffi.a" \
  -output "$sim/libcarnet_ffi.a"

out="ios/CarnetKit/Frameworks/carnet_ffiFFI.xcframework"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
xcodebuild -create-xcframework \
  -library "target/aarch64-apple-ios/$profile/libcarnet_ffi.a" -headers "$headers" \
  -library "$sim/libcarnet_ffi.a" -headers "$headers" \
  -output "$out"

cp "$gen/carnet_ffi.swift" ios/CarnetKit/Sources/CarnetFFI/carnet_ffi.swift
echo "built $out and ios/CarnetKit/Sources/CarnetFFI/carnet_ffi.swift"
