//! Every input the fuzzers kept, replayed through the same entry functions as ordinary tests:
//! `fuzz/corpus/<target>/` (the minimised corpus) and `fuzz/regressions/<target>/` (each crash
//! found, kept once fixed). No sanitizer, no nightly: a panic here is the crash again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Replays the corpus and the regressions of `target`; the corpus must not be empty.
fn replay(target: &str) {
    let (_, entry) = carnet_fuzz::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a target of carnet_fuzz::TARGETS");
    let corpus = files_in(&fuzz_dir().join("corpus").join(target));
    assert!(!corpus.is_empty(), "fuzz/corpus/{target} holds no input");
    let regressions = files_in(&fuzz_dir().join("regressions").join(target));
    for file in corpus.iter().chain(&regressions) {
        let data = std::fs::read(file).expect("an input is read");
        eprintln!("{}", file.display());
        entry(&data);
    }
}

#[test]
fn replays_barcode() {
    replay("barcode");
}

#[test]
fn replays_contact() {
    replay("contact");
}

#[test]
fn replays_sync_page() {
    replay("sync_page");
}

#[test]
fn replays_push_request() {
    replay("push_request");
}

#[test]
fn replays_enrolment_qr() {
    replay("enrolment_qr");
}

#[test]
fn replays_feed_cursor() {
    replay("feed_cursor");
}

#[test]
fn replays_import_line() {
    replay("import_line");
}

#[test]
fn replays_import_file() {
    replay("import_file");
}

/// Each fuzz target is a file of `fuzz/fuzz_targets/`, a `[[bin]]` of `fuzz/Cargo.toml`, one
/// call of its entry function, and replayed above.
#[test]
fn every_target_is_fuzzed_and_replayed() {
    let mut fuzzed: Vec<String> = files_in(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .collect();
    fuzzed.sort();
    let mut listed: Vec<String> = carnet_fuzz::TARGETS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    listed.sort();
    assert_eq!(fuzzed, listed);
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    let this_file = include_str!("corpora.rs");
    for name in &listed {
        let source =
            std::fs::read_to_string(fuzz_dir().join("fuzz_targets").join(format!("{name}.rs")))
                .unwrap();
        assert!(
            source.contains(&format!("carnet_fuzz::{name}(data)")),
            "fuzz_targets/{name}.rs calls carnet_fuzz::{name}"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has a [[bin]] {name}"
        );
        assert!(
            this_file.contains(&format!("replay(\"{name}\")")),
            "a test replays {name}"
        );
    }
}
