//! The CRM export the server imports: a manifest and JSON Lines files, read by
//! `carnet_fixtures::read` one line at a time.

use std::path::Path;

use carnet_fixtures::format::{
    Brand, Category, Customer, Offer, Product, PurchaseLine, Store, files,
};
use carnet_fixtures::read::{self, Records};
use carnet_protocol::{ChangePage, Record};
use carnet_sync_server::feed::{self, Page};
use serde::de::DeserializeOwned;

/// The file an input's first byte selects (modulo the count): the entity files in the order
/// the import reads them, then the manifest (whole-file target only).
pub const IMPORT_FILES: [&str; 8] = {
    let mut all = [files::MANIFEST; 8];
    let mut i = 0;
    while i < files::ENTITIES.len() {
        all[i] = files::ENTITIES[i];
        i += 1;
    }
    all
};

/// Reads the rest of the input as one line of the entity file the first byte selects
/// ([`read::read_record`], what the import's reader does with each line). A record read is
/// served to devices as the server serialises it, and a device reads it back the same.
pub fn import_line(data: &[u8]) {
    let [file, rest @ ..] = data else {
        return;
    };
    // A line that is not UTF-8 is refused before it is parsed.
    let Ok(line) = std::str::from_utf8(rest) else {
        return;
    };
    let file = IMPORT_FILES[usize::from(*file) % (IMPORT_FILES.len() - 1)];
    let path = Path::new(file);
    match file {
        files::STORES => round_trip(read::read_record(path, 1, line).map(Record::Store)),
        files::BRANDS => round_trip(read::read_record(path, 1, line).map(Record::Brand)),
        files::CATEGORIES => round_trip(read::read_record(path, 1, line).map(Record::Category)),
        files::PRODUCTS => round_trip(read::read_record(path, 1, line).map(Record::Product)),
        files::CUSTOMERS => round_trip(read::read_record(path, 1, line).map(Record::Customer)),
        files::PURCHASES => round_trip(read::read_record(path, 1, line).map(Record::Purchase)),
        _ => round_trip(read::read_record(path, 1, line).map(Record::Offer)),
    }
}

/// Reads the rest of the input as the whole file the first byte selects: every record of an
/// entity file through [`Records`] (the import's reader), or a manifest through
/// [`read::read_manifest`]. The reader ends, whatever the bytes.
pub fn import_file(data: &[u8]) {
    let [file, rest @ ..] = data else {
        return;
    };
    let file = IMPORT_FILES[usize::from(*file) % IMPORT_FILES.len()];
    match file {
        files::STORES => read_all::<Store>(file, rest),
        files::BRANDS => read_all::<Brand>(file, rest),
        files::CATEGORIES => read_all::<Category>(file, rest),
        files::PRODUCTS => read_all::<Product>(file, rest),
        files::CUSTOMERS => read_all::<Customer>(file, rest),
        files::PURCHASES => read_all::<PurchaseLine>(file, rest),
        files::OFFERS => read_all::<Offer>(file, rest),
        _ => {
            // The import reads the manifest into a string first.
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = read::read_manifest(Path::new(file), text);
            }
        }
    }
}

fn read_all<T: DeserializeOwned>(file: &str, bytes: &[u8]) {
    let records = Records::<T, _>::from_reader(file.into(), bytes);
    // A file has at most one record a byte, plus one end.
    assert!(records.take(bytes.len() + 2).count() <= bytes.len());
}

/// The import serves a record as [`feed::upsert_payload`] writes it, in a page as
/// [`Page::to_json`] writes it; the device reads the page with `read_answer`.
fn round_trip(read: Result<Record, read::ReadError>) {
    let Ok(record) = read else {
        return;
    };
    let payload = feed::upsert_payload(record.clone()).expect("a record read is serialised");
    let page = Page {
        payloads: vec![payload],
        next_cursor: feed::encode_cursor(crate::EPOCH, 1),
        has_more: false,
        remaining: 0,
    };
    let received = carnet_core::sync::read_answer::<ChangePage>(200, page.to_json().as_bytes())
        .expect("a device reads the page the server wrote");
    match received.changes.as_slice() {
        [carnet_protocol::Change::Upsert { record: back }] => {
            assert_eq!(back, &record, "the device reads the record the CRM sent")
        }
        other => panic!("one upsert was served, the device read {other:?}"),
    }
}
