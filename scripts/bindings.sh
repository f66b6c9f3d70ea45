#!/usr/bin/env bash
# Builds the ffi library and generates its bindings in library mode:
#   $target/bindings/python/  carnet_ffi.py + libcarnet_ffi.so (loaded from the module's folder)
#   $target/bindings/swift/   carnet_ffi.swift, carnet_ffiFFI.h, carnet_ffiFFI.modulemap
# ($target is CARGO_TARGET_DIR, or target/.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cargo-env.sh
profile="${PROFILE:-debug}"
flag=()
[ "$profile" = "release" ] && flag=(--release)
build_workspace "${flag[@]}"
lib="$target/$profile/libcarnet_ffi.so"
out="$target/bindings"
rm -rf "$out"
mkdir -p "$out/python" "$out/swift"
"$target/$profile/uniffi-bindgen" generate --library "$lib" --language python --out-dir "$out/python" >/dev/null
cp "$lib" "$out/python/"
"$target/$profile/uniffi-bindgen" generate --library "$lib" --language swift --out-dir "$out/swift" >/dev/null
echo "bindings in $out"
