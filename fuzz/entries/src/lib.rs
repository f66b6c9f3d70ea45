//! Every decoder of untrusted bytes as one entry function `fn(&[u8])`, called through the
//! product's own entry point: the cargo-fuzz targets in `fuzz/` are one call each, and the
//! tests replay every kept input (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`).
//!
//! An entry function returns normally for every input the product refuses with a typed error;
//! it panics only when the product panics or breaks a property checked here.

// A panic is how a harness reports what it found.
#![allow(clippy::expect_used)]

mod barcode;
mod contact;
mod cursor;
mod enrolment;
mod import;
mod push;
mod sync_page;

pub use barcode::barcode;
pub use contact::{COUNTRIES, ContactKind, contact};
pub use cursor::{EPOCH, feed_cursor};
pub use enrolment::enrolment_qr;
pub use import::{IMPORT_FILES, import_file, import_line};
pub use push::{FUZZ_STORE, enrol_device, push_request, seeded_export};
pub use sync_page::sync_page;

/// A decoder's entry point: the bytes a fuzzer or a kept input hands it.
pub type Entry = fn(&[u8]);

/// Every target: its name (a file `fuzz/fuzz_targets/<name>.rs`, corpora under
/// `fuzz/corpus/<name>/` and `fuzz/regressions/<name>/`) and its entry function.
pub const TARGETS: &[(&str, Entry)] = &[
    ("barcode", barcode),
    ("contact", contact),
    ("sync_page", sync_page),
    ("push_request", push_request),
    ("enrolment_qr", enrolment_qr),
    ("feed_cursor", feed_cursor),
    ("import_line", import_line),
    ("import_file", import_file),
];
