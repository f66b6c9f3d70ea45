//! `uniffi-bindgen generate --library target/debug/libcarnet_ffi.so --language swift|python`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
