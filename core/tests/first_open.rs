//! The first caches a process opens, opened from several threads at once (the app's reader,
//! its sync task and a server in the same test process all start together), all open.
//!
//! This file holds a single test on purpose: SQLite and SQLCipher start up only once per
//! process, and only the very first connections can race that start-up.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Barrier};

use carnet_core::{Cache, CacheKey};

#[test]
fn caches_opened_at_once_as_the_process_starts_all_open() {
    const THREADS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let start = Arc::new(Barrier::new(THREADS + 1));
    let mut threads = Vec::new();
    for n in 0..THREADS {
        let path = dir.path().join(format!("cache-{n}.db"));
        let start = Arc::clone(&start);
        threads.push(std::thread::spawn(move || {
            let key = CacheKey::from_bytes(&[n as u8 + 1; 32]).unwrap();
            start.wait();
            Cache::open(&path, &key).map(|_| ())
        }));
    }
    // A plain connection starting SQLite from another thread, as the sync server does when it
    // runs in the same process as a device under test.
    let plain = {
        let start = Arc::clone(&start);
        std::thread::spawn(move || {
            start.wait();
            rusqlite::Connection::open_in_memory().map(|_| ())
        })
    };
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
    plain.join().unwrap().unwrap();
}
