//! Cache benchmark: bulk load, card lookup, name search, customer card and history search on a
//! generated store, encrypted (SQLCipher) and, in the same run, on a plaintext SQLite baseline.
//!
//! `cargo bench -p carnet-core --features plaintext-baseline --bench cache -- [store|large|tiny]`
//! (default `store`; several sizes may be named). Generated data is kept in `target/bench-data`.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use carnet_core::history::{HistoryQuery, history};
use carnet_core::{Cache, CacheKey, card, load, lookup};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, files};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const QUERIES: usize = 2_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for size in support::sizes("store") {
        run(&size)?;
    }
    Ok(())
}

fn run(size_name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let (root, export_dir) = support::export(size_name)?;
    let export = Export::open(&export_dir)?;
    let counts = export.manifest().counts.clone();
    println!(
        "\n== {size_name}: {} customers, {} purchase lines, {} products",
        counts.customers, counts.purchases, counts.products
    );

    let work = tempfile::tempdir_in(&root)?;
    let key = CacheKey::generate()?;
    let encrypted_path = work.path().join("encrypted.db");
    let plain_path = work.path().join("plain.db");

    let enc_load = bulk_load(Cache::open(&encrypted_path, &key)?, &export)?;
    let plain_load = bulk_load(Cache::open_plaintext_baseline(&plain_path)?, &export)?;
    let enc_bytes = file_size(&encrypted_path);
    let plain_bytes = file_size(&plain_path);
    println!(
        "bulk load    encrypted {:>9.0} rows/s ({:.1} s)   plain {:>9.0} rows/s ({:.1} s)   ratio {:.2}",
        enc_load.0,
        enc_load.1.as_secs_f64(),
        plain_load.0,
        plain_load.1.as_secs_f64(),
        plain_load.0 / enc_load.0
    );
    println!(
        "on disk      encrypted {:.1} MB ({:.0} B/purchase line)   plain {:.1} MB ({:.0} B/line)",
        enc_bytes as f64 / 1e6,
        enc_bytes as f64 / counts.purchases as f64,
        plain_bytes as f64 / 1e6,
        plain_bytes as f64 / counts.purchases as f64
    );

    // Queries drawn from the real customers, the same for both caches.
    let customers: Vec<Customer> = export
        .records::<Customer>(files::CUSTOMERS)?
        .collect::<Result<_, _>>()?;
    let mut rng = StdRng::seed_from_u64(7);
    let picks: Vec<&Customer> = (0..QUERIES)
        .map(|_| &customers[rng.random_range(0..customers.len())])
        .collect();
    let today = chrono::NaiveDate::parse_from_str(&export.manifest().as_of, "%Y-%m-%d")?;
    let words = [
        "rouge",
        "creme",
        "parfum",
        "fard a paupieres",
        "mascara",
        "serum",
    ];

    // The load's writes reach the disk now, not while queries are timed (the kernel would
    // write them back in the middle of the run).
    for path in [&encrypted_path, &plain_path] {
        for file in Cache::files(path) {
            if file.exists() {
                std::fs::File::open(&file)?.sync_all()?;
            }
        }
    }
    // Reopen both: measured queries start from a cold page cache.
    let encrypted = Cache::open(&encrypted_path, &key)?;
    let plain = Cache::open_plaintext_baseline(&plain_path)?;
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>10} {:>7}",
        "query (n=2000)", "enc p50", "enc p99", "plain p50", "plain p99", "p99 ×"
    );
    type Query<'a> = Box<dyn Fn(&Cache, usize) -> carnet_core::Result<usize> + 'a>;
    let queries: Vec<(&str, Query)> = vec![
        (
            "card lookup",
            Box::new(|c, i| lookup::by_card(c, &picks[i].card).map(|_| 1)),
        ),
        (
            "name search, 3-letter prefix",
            Box::new(|c, i| {
                let prefix: String = carnet_core::text::fold(&picks[i].last_name)
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .take(3)
                    .collect();
                lookup::by_name(c, &prefix, lookup::DEFAULT_LIMIT).map(|r| r.len())
            }),
        ),
        (
            "name search, full + postal",
            Box::new(|c, i| {
                let p = picks[i];
                let query = format!("{} {} {}", p.first_name, p.last_name, p.address.postal_code);
                lookup::by_name(c, &query, lookup::DEFAULT_LIMIT).map(|r| r.len())
            }),
        ),
        (
            "name search, one typo",
            Box::new(|c, i| {
                let mut name: Vec<char> = picks[i].last_name.chars().collect();
                if name.len() > 4 {
                    name.swap(2, 3);
                }
                let query: String = name.into_iter().collect();
                lookup::by_name(c, &query, lookup::DEFAULT_LIMIT).map(|r| r.len())
            }),
        ),
        (
            "customer card",
            Box::new(|c, i| card::customer_card(c, &picks[i].id, today).map(|_| 1)),
        ),
        (
            "history text filter",
            Box::new(|c, i| {
                let query = HistoryQuery {
                    text: Some(words[i % words.len()].into()),
                    ..Default::default()
                };
                history(c, &picks[i].id, &query).map(|p| p.lines.len())
            }),
        ),
    ];
    for (name, query) in &queries {
        let [enc, pla] = measure(&encrypted, &plain, query)?;
        println!(
            "{:<28} {:>8.3}ms {:>8.3}ms {:>8.3}ms {:>8.3}ms {:>7.2}",
            name,
            ms(enc.0),
            ms(enc.1),
            ms(pla.0),
            ms(pla.1),
            ms(enc.1) / ms(pla.1).max(1e-6)
        );
    }
    Ok(())
}

fn bulk_load(cache: Cache, export: &Export) -> Result<(f64, Duration), carnet_core::Error> {
    let started = Instant::now();
    let summary = load::load_export(&cache, export, &mut |_| {})?;
    let elapsed = started.elapsed();
    Ok((summary.rows as f64 / elapsed.as_secs_f64(), elapsed))
}

/// p50 and p99 of one query over the picked customers, on the encrypted cache and on the
/// plain baseline. The two run in turn, query by query, so that whatever else the machine is
/// doing weighs on both alike.
fn measure(
    encrypted: &Cache,
    plain: &Cache,
    query: &dyn Fn(&Cache, usize) -> carnet_core::Result<usize>,
) -> Result<[(Duration, Duration); 2], carnet_core::Error> {
    let mut times = [Vec::with_capacity(QUERIES), Vec::with_capacity(QUERIES)];
    for i in 0..QUERIES {
        for (cache, times) in [encrypted, plain].into_iter().zip(times.iter_mut()) {
            let started = Instant::now();
            std::hint::black_box(query(cache, i)?);
            times.push(started.elapsed());
        }
    }
    Ok(times.map(|mut times| {
        times.sort();
        (times[QUERIES / 2], times[QUERIES * 99 / 100])
    }))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn file_size(path: &Path) -> u64 {
    Cache::files(path)
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}
