//! Cache files written by released builds, kept in `tests/data/released/` (one per schema
//! version, from version 6 on): each opens with its key, is upgraded to today's schema (equal
//! to a fresh cache's) and its customer is found as before. The in-crate upgrade test rebuilds
//! older versions from the migration files; these files are what old builds really wrote.
//!
//! When a migration is added, write the file of the version being released with
//! `cargo test -p carnet-core --test released_caches -- --ignored write_this_versions_file`
//! and commit it. The files hold the synthetic sample only; their key is beside them.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};

use carnet_core::store::SCHEMA_VERSION;
use carnet_core::{Cache, CacheKey, history, lookup};
use support::{Sample, card};

fn released_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/released")
}

fn key() -> CacheKey {
    let hex = std::fs::read_to_string(released_dir().join("key.hex")).unwrap();
    let bytes: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex.trim()[i..i + 2], 16).unwrap())
        .collect();
    CacheKey::from_bytes(&bytes).unwrap()
}

fn schema(cache: &Cache) -> Vec<(String, String, String)> {
    cache
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT type, name, coalesce(sql, '') FROM sqlite_master
                 WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .unwrap()
}

/// The released files: (schema version, database file).
fn released() -> Vec<(u32, PathBuf)> {
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(released_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let version = name
                .strip_prefix("cache-v")?
                .strip_suffix(".db")?
                .parse()
                .ok()?;
            Some((version, p))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_released_cache_file_opens_upgraded_and_finds_its_customers() {
    let files = released();
    assert!(
        files.iter().any(|(v, _)| *v == 6),
        "the file of schema 6 is kept"
    );
    let dir = tempfile::tempdir().unwrap();
    let fresh = Cache::open(dir.path().join("fresh.db"), &CacheKey::generate().unwrap()).unwrap();
    let fresh_schema = schema(&fresh);
    for (version, file) in files {
        assert!(
            version <= SCHEMA_VERSION,
            "{} is from the future",
            file.display()
        );
        let copy = dir.path().join(format!("v{version}.db"));
        for (from, to) in Cache::files(&file).iter().zip(Cache::files(&copy)) {
            if from.exists() {
                std::fs::copy(from, to).unwrap();
            }
        }
        let cache = Cache::open(&copy, &key()).unwrap();
        assert_eq!(
            cache.schema_version().unwrap(),
            SCHEMA_VERSION,
            "v{version}"
        );
        assert_eq!(schema(&cache), fresh_schema, "v{version} upgraded");
        let found = lookup::by_name(&cache, "helene dup 75011", 5).unwrap();
        assert_eq!(found.len(), 1, "v{version}");
        assert_eq!(found[0].id, "C1");
        assert_eq!(lookup::by_card(&cache, &card(1)).unwrap().id, "C1");
        let page = history::history(&cache, "C1", &history::HistoryQuery::default()).unwrap();
        assert!(!page.lines.is_empty(), "v{version}: her history is there");
    }
}

#[test]
#[ignore = "writes the released file of this schema version; run when releasing a migration"]
fn write_this_versions_file() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&key());
    cache.checkpoint().unwrap();
    let path = cache.path().to_path_buf();
    drop(cache);
    let target = released_dir().join(format!("cache-v{SCHEMA_VERSION}.db"));
    for (from, to) in Cache::files(&path).iter().zip(Cache::files(&target)) {
        // The database and its key check: the log is empty after the checkpoint.
        let name = from.to_string_lossy();
        if from.exists() && !name.ends_with("-shm") && !name.ends_with("-wal") {
            std::fs::copy(from, to).unwrap();
        }
    }
}
