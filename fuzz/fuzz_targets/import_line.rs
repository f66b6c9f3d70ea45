#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| carnet_fuzz::import_line(data));
