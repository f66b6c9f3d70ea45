//! What an attacker holding the files (but not the key) can read: nothing.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;

use carnet_core::{Cache, CacheKey, Error, load};
use carnet_fixtures::Export;
use support::{Sample, card, customers};

const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every secret of the sample that must never be in a file in clear.
fn secrets() -> Vec<Vec<u8>> {
    let mut secrets = Vec::new();
    for (n, c) in customers().iter().enumerate() {
        secrets.push(card(n as u32 + 1).into_bytes());
        secrets.push(c.last_name.clone().into_bytes());
        secrets.push(c.first_name.clone().into_bytes());
        if let Some(email) = &c.email {
            secrets.push(email.clone().into_bytes());
        }
    }
    secrets.push(b"helene".to_vec()); // the folded search tokens too
    secrets.push(b"dupont".to_vec());
    secrets.push(b"Rouge Velours".to_vec());
    secrets
}

fn assert_nothing_readable(dir: &Path) -> usize {
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        scanned += 1;
        assert!(
            !contains(&bytes, SQLITE_HEADER),
            "{} has a clear SQLite header",
            path.display()
        );
        for secret in secrets() {
            assert!(
                !contains(&bytes, &secret),
                "{} holds {:?} in clear",
                path.display(),
                String::from_utf8_lossy(&secret)
            );
        }
    }
    scanned
}

#[test]
fn no_file_holds_customer_data_in_clear_while_open_or_closed() {
    let sample = Sample::new();
    let key = CacheKey::generate().unwrap();
    let cache_dir = sample.dir.path().join("device");
    std::fs::create_dir(&cache_dir).unwrap();
    let cache = Cache::open(cache_dir.join("cache.db"), &key).unwrap();
    load::load_export(&cache, &Export::open(&sample.export).unwrap(), &mut |_| {}).unwrap();
    // A write after the checkpoint leaves data in the write-ahead log.
    cache
        .write(|tx| {
            tx.execute(
                "UPDATE customer SET last_name = 'Dupont' WHERE id = 'C2'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    assert!(
        Cache::files(cache.path())[1].exists(),
        "the WAL exists while open"
    );
    let scanned_open = assert_nothing_readable(&cache_dir);
    assert!(
        scanned_open >= 3,
        "database, WAL and shared memory were scanned"
    );
    drop(cache);
    assert_nothing_readable(&cache_dir);
}

/// Shannon entropy of `bytes`, in bits per byte (8 for uniformly random bytes).
fn entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The lowest entropy of the page-sized pieces of `pages`.
fn least_random_page(pages: impl Iterator<Item = Vec<u8>>) -> f64 {
    pages.map(|p| entropy(&p)).fold(f64::INFINITY, f64::min)
}

const PAGE: usize = 4096;
const WAL_HEADER: usize = 32;
const WAL_FRAME_HEADER: usize = 24;

#[test]
fn every_page_of_the_database_and_its_log_reads_as_random_bytes() {
    // Absent strings are not enough: a page of any other clear content (numbers, an index)
    // would pass a search for names. An encrypted page is indistinguishable from random
    // (about 7.95 bits per byte over 4 KiB); clear SQLite pages stay far below.
    let sample = Sample::new();
    let key = CacheKey::generate().unwrap();
    let cache_dir = sample.dir.path().join("device");
    std::fs::create_dir(&cache_dir).unwrap();
    let cache = Cache::open(cache_dir.join("cache.db"), &key).unwrap();
    load::load_export(&cache, &Export::open(&sample.export).unwrap(), &mut |_| {}).unwrap();
    cache
        .write(|tx| {
            tx.execute("UPDATE customer SET points = points + 1", [])?;
            Ok(())
        })
        .unwrap();
    let files = Cache::files(cache.path());
    let db = std::fs::read(&files[0]).unwrap();
    let wal = std::fs::read(&files[1]).unwrap();
    assert!(db.len() >= 8 * PAGE && wal.len() > WAL_HEADER + PAGE);
    let db_pages = db.chunks(PAGE).map(<[u8]>::to_vec);
    let least = least_random_page(db_pages);
    assert!(least > 7.8, "a database page has {least:.2} bits per byte");
    // The log's frame headers (page numbers, salts, checksums) are SQLite's, in clear; the
    // pages they carry are encrypted.
    let frames = wal[WAL_HEADER..]
        .chunks(WAL_FRAME_HEADER + PAGE)
        .filter(|f| f.len() == WAL_FRAME_HEADER + PAGE)
        .map(|f| f[WAL_FRAME_HEADER..].to_vec());
    let least = least_random_page(frames);
    assert!(
        least > 7.8,
        "a page in the log has {least:.2} bits per byte"
    );

    // The same measure on the same data in plain SQLite: far from random.
    let plain_path = sample.dir.path().join("plain.db");
    let plain = rusqlite::Connection::open(&plain_path).unwrap();
    plain
        .execute_batch("CREATE TABLE t (name TEXT, email TEXT, points INTEGER)")
        .unwrap();
    for c in customers() {
        plain
            .execute(
                "INSERT INTO t VALUES (?1, ?2, 10)",
                (format!("{} {}", c.first_name, c.last_name), c.email),
            )
            .unwrap();
    }
    drop(plain);
    let plain = std::fs::read(&plain_path).unwrap();
    assert!(entropy(&plain) < 6.0, "{}", entropy(&plain));
}

#[test]
fn plaintext_sqlite_would_show_the_data_the_test_looks_for() {
    // The scan above can fail: the same data written without a key is found.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE t (name TEXT); INSERT INTO t VALUES ('Hélène Dupont');")
        .unwrap();
    drop(conn);
    let bytes = std::fs::read(&path).unwrap();
    assert!(contains(&bytes, SQLITE_HEADER));
    assert!(contains(&bytes, "Dupont".as_bytes()));
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn closed_cache(sample: &Sample, key: &CacheKey) -> std::path::PathBuf {
    let cache = sample.loaded_cache(key);
    let path = cache.path().to_path_buf();
    drop(cache);
    path
}

#[test]
fn a_wrong_key_is_refused_and_the_file_is_untouched() {
    let sample = Sample::new();
    let key = CacheKey::generate().unwrap();
    let path = closed_cache(&sample, &key);
    let before = snapshot(sample.dir.path());

    let wrong = CacheKey::generate().unwrap();
    assert!(matches!(Cache::open(&path, &wrong), Err(Error::WrongKey)));
    assert_eq!(snapshot(sample.dir.path()), before);

    // The right key still opens it and the data is there.
    let cache = Cache::open(&path, &key).unwrap();
    assert_eq!(
        carnet_core::lookup::by_card(&cache, &card(1)).unwrap().id,
        "C1"
    );
}

#[test]
fn without_the_key_check_file_a_wrong_key_is_still_refused_untouched() {
    let sample = Sample::new();
    let key = CacheKey::generate().unwrap();
    let path = closed_cache(&sample, &key);
    std::fs::remove_file(&Cache::files(&path)[4]).unwrap();
    let before = snapshot(sample.dir.path());
    // SQLCipher cannot tell a wrong key from a damaged file: both are refused as damaged.
    let refused = Cache::open(&path, &CacheKey::generate().unwrap());
    assert!(matches!(refused, Err(Error::Corrupt)), "{refused:?}");
    assert_eq!(snapshot(sample.dir.path()), before);
}

#[test]
fn a_corrupt_file_is_refused_without_panic_and_untouched() {
    let sample = Sample::new();
    let key = CacheKey::generate().unwrap();
    let path = closed_cache(&sample, &key);
    let mut bytes = std::fs::read(&path).unwrap();
    // Damage the first page (its HMAC no longer matches).
    for b in &mut bytes[100..140] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let before = snapshot(sample.dir.path());
    let refused = Cache::open(&path, &key);
    assert!(matches!(refused, Err(Error::Corrupt)), "{refused:?}");
    assert_eq!(snapshot(sample.dir.path()), before);

    // A file that is not a database at all.
    std::fs::write(&path, b"definitely not a database").unwrap();
    assert!(matches!(Cache::open(&path, &key), Err(Error::Corrupt)));
}

#[test]
fn damage_deep_in_the_file_is_a_typed_error_at_read_time() {
    let sample = Sample::new();
    let key = CacheKey::generate().unwrap();
    let path = closed_cache(&sample, &key);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 4 * 4096, "the sample spans several pages");
    // Damage every page but the first.
    for page in bytes.chunks_mut(4096).skip(1) {
        page[200] ^= 0xff;
    }
    std::fs::write(&path, &bytes).unwrap();
    match Cache::open(&path, &key) {
        Err(e) => assert!(matches!(e, Error::Corrupt), "{e:?}"),
        Ok(cache) => {
            let read = carnet_core::lookup::by_card(&cache, &card(1));
            assert!(matches!(read, Err(Error::Corrupt)), "{read:?}");
        }
    }
}
