//! Cache benchmark: bulk load, card lookup, name search, customer card and history search on a
//! generated store, encrypted (SQLCipher) and, in the same run, on a plaintext SQLite baseline.
//!
//! Each query kind is timed over customers of its own, in [`RUNS`] runs. In each run, each
//! kind starts **cold**: both caches closed, their files evicted from the OS page cache
//! (posix_fadvise DONTNEED) and reopened, so every page is read from the disk and, encrypted,
//! decrypted for the first time; then **warm**: the same customers again. Encrypted and plain
//! take turns, the first of each pair alternating. The figures are the median run's, with the
//! spread of the p99 ratio over the runs.
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
    let today = chrono::NaiveDate::parse_from_str(&export.manifest().as_of, "%Y-%m-%d")?;
    let words = [
        "rouge",
        "creme",
        "parfum",
        "fard a paupieres",
        "mascara",
        "serum",
    ];

    type Query<'a> = Box<dyn Fn(&Cache, &Customer, usize) -> carnet_core::Result<usize> + 'a>;
    let queries: Vec<(&str, Query)> = vec![
        (
            "card lookup",
            Box::new(|c, p, _| lookup::by_card(c, &p.card).map(|_| 1)),
        ),
        (
            "name search, 3-letter prefix",
            Box::new(|c, p, _| {
                let prefix: String = carnet_core::text::fold(&p.last_name)
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .take(3)
                    .collect();
                lookup::by_name(c, &prefix, lookup::DEFAULT_LIMIT).map(|r| r.len())
            }),
        ),
        (
            "name search, full + postal",
            Box::new(|c, p, _| {
                let query = format!("{} {} {}", p.first_name, p.last_name, p.address.postal_code);
                lookup::by_name(c, &query, lookup::DEFAULT_LIMIT).map(|r| r.len())
            }),
        ),
        (
            "name search, one typo",
            Box::new(|c, p, _| {
                let mut name: Vec<char> = p.last_name.chars().collect();
                if name.len() > 4 {
                    name.swap(2, 3);
                }
                let query: String = name.into_iter().collect();
                lookup::by_name(c, &query, lookup::DEFAULT_LIMIT).map(|r| r.len())
            }),
        ),
        (
            "customer card",
            Box::new(|c, p, _| card::customer_card(c, &p.id, today).map(|_| 1)),
        ),
        (
            "history text filter",
            Box::new(|c, p, i| {
                let query = HistoryQuery {
                    text: Some(words[i % words.len()].into()),
                    ..Default::default()
                };
                history(c, &p.id, &query).map(|p| p.lines.len())
            }),
        ),
    ];

    // runs[kind][run] = [cold, warm], each [encrypted, plain] (p50, p99).
    let mut runs: Vec<Vec<[[Percentiles; 2]; 2]>> = vec![Vec::new(); queries.len()];
    let mut resident = Vec::new();
    for run in 0..RUNS {
        for (kind, (_, query)) in queries.iter().enumerate() {
            // Customers of this kind and run only: no kind reads pages another one warmed.
            let mut rng = StdRng::seed_from_u64((run * queries.len() + kind) as u64);
            let picks: Vec<&Customer> = (0..QUERIES)
                .map(|_| &customers[rng.random_range(0..customers.len())])
                .collect();
            let mut files = Cache::files(&encrypted_path);
            files.extend(Cache::files(&plain_path));
            resident.push(support::evict(&files)?);
            let encrypted = Cache::open(&encrypted_path, &key)?;
            let plain = Cache::open_plaintext_baseline(&plain_path)?;
            let cold = measure(&encrypted, &plain, &picks, query)?;
            let warm = measure(&encrypted, &plain, &picks, query)?;
            runs[kind].push([cold, warm]);
        }
    }
    match resident.iter().copied().collect::<Option<Vec<u64>>>() {
        Some(r) => println!(
            "cold passes: at most {:.1} MB of the caches' files still in the OS page cache after eviction",
            r.into_iter().max().unwrap_or(0) as f64 / 1e6
        ),
        None => println!("cold passes: no fincore here to check the eviction"),
    }
    println!(
        "{QUERIES} queries per kind and pass, {RUNS} runs; p50 / p99 of the median run (by encrypted p99), ms"
    );
    println!(
        "{:<28} {:>15} {:>15} {:>6} {:>13} {:>15} {:>15} {:>6} {:>13}",
        "query",
        "cold enc",
        "cold plain",
        "p99 ×",
        "runs' p99 ×",
        "warm enc",
        "warm plain",
        "p99 ×",
        "runs' p99 ×"
    );
    for ((name, _), runs) in queries.iter().zip(&runs) {
        let mut line = format!("{name:<28}");
        for pass in 0..2 {
            let mut by_p99: Vec<&[Percentiles; 2]> = runs.iter().map(|r| &r[pass]).collect();
            by_p99.sort_by_key(|[enc, _]| enc.p99);
            let [enc, plain] = by_p99[by_p99.len() / 2];
            let ratios: Vec<f64> = runs.iter().map(|r| r[pass][0].ratio(&r[pass][1])).collect();
            let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ratios.iter().copied().fold(0.0, f64::max);
            line += &format!(
                " {:>6.3} / {:>6.3} {:>6.3} / {:>6.3} {:>6.2} {:>5.2}–{:<5.2}",
                ms(enc.p50),
                ms(enc.p99),
                ms(plain.p50),
                ms(plain.p99),
                enc.ratio(plain),
                lo,
                hi
            );
        }
        println!("{line}");
    }

    // Would reading the card index whole when the cache opens pay for itself? The first
    // card lookups of a shift, on cold files, with and without that warming.
    let mut rng = StdRng::seed_from_u64(u64::MAX);
    let shift: Vec<&Customer> = (0..WARMING_LOOKUPS)
        .map(|_| &customers[rng.random_range(0..customers.len())])
        .collect();
    println!(
        "warming at unlock: open on cold files, optionally read the card index whole, then {WARMING_LOOKUPS} card lookups (ms)"
    );
    println!(
        "{:<10} {:<8} {:>8} {:>8} {:>9} {:>16} {:>14}",
        "cache", "warming", "open", "warm-up", "1st look", "lookups p50/p99", "lookups total"
    );
    let encrypted_open = || Cache::open(&encrypted_path, &key);
    let plain_open = || Cache::open_plaintext_baseline(&plain_path);
    type Open<'a> = &'a dyn Fn() -> carnet_core::Result<Cache>;
    let opens: [(&str, &Path, Open); 2] = [
        ("encrypted", &encrypted_path, &encrypted_open),
        ("plain", &plain_path, &plain_open),
    ];
    for (label, path, open) in opens {
        for warming in [false, true] {
            support::evict(&Cache::files(path))?;
            let started = Instant::now();
            let cache = open()?;
            let opened = started.elapsed();
            if warming {
                warm_card_index(&cache)?;
            }
            let warmed = started.elapsed() - opened;
            let mut times = Vec::with_capacity(shift.len());
            for pick in &shift {
                let started = Instant::now();
                std::hint::black_box(lookup::by_card(&cache, &pick.card)?);
                times.push(started.elapsed());
            }
            let first = times[0];
            let total: Duration = times.iter().sum();
            let lookups = Percentiles::of(times);
            println!(
                "{label:<10} {:<8} {:>8.2} {:>8.2} {:>9.3} {:>7.3} / {:>6.3} {:>14.2}",
                if warming { "yes" } else { "no" },
                ms(opened),
                ms(warmed),
                ms(first),
                ms(lookups.p50),
                ms(lookups.p99),
                ms(total)
            );
        }
    }
    Ok(())
}

/// Card lookups timed after an unlock, with and without warming.
const WARMING_LOOKUPS: usize = 200;

/// Reads every page of the card index (a range over all of it: the count needs no row).
fn warm_card_index(cache: &Cache) -> carnet_core::Result<i64> {
    cache.read(|c| {
        Ok(
            c.query_row("SELECT count(*) FROM customer WHERE card > ''", [], |r| {
                r.get(0)
            })?,
        )
    })
}

/// How many times each kind is timed cold then warm.
const RUNS: usize = 3;

fn bulk_load(cache: Cache, export: &Export) -> Result<(f64, Duration), carnet_core::Error> {
    let started = Instant::now();
    let summary = load::load_export(&cache, export, &mut |_| {})?;
    let elapsed = started.elapsed();
    Ok((summary.rows as f64 / elapsed.as_secs_f64(), elapsed))
}

#[derive(Clone, Copy)]
struct Percentiles {
    p50: Duration,
    p99: Duration,
}

impl Percentiles {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort();
        Self {
            p50: times[times.len() / 2],
            p99: times[times.len() * 99 / 100],
        }
    }

    /// This p99 over `other`'s.
    fn ratio(&self, other: &Percentiles) -> f64 {
        ms(self.p99) / ms(other.p99).max(1e-6)
    }
}

/// p50 and p99 of one query over the picked customers, on the encrypted cache and on the
/// plain baseline. The two take turns, customer by customer, so that whatever else the machine
/// is doing weighs on both alike, and the one that goes first alternates.
fn measure(
    encrypted: &Cache,
    plain: &Cache,
    picks: &[&Customer],
    query: &dyn Fn(&Cache, &Customer, usize) -> carnet_core::Result<usize>,
) -> Result<[Percentiles; 2], carnet_core::Error> {
    let mut times = [
        Vec::with_capacity(picks.len()),
        Vec::with_capacity(picks.len()),
    ];
    for (i, pick) in picks.iter().enumerate() {
        let order = if i % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let cache = [encrypted, plain][side];
            let started = Instant::now();
            std::hint::black_box(query(cache, pick, i)?);
            times[side].push(started.elapsed());
        }
    }
    Ok(times.map(Percentiles::of))
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
