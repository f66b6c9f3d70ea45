//! Recommendation benchmark through the core over the encrypted cache: builds the model from a
//! generated store with the reco crate's builder (as the sync server does), delivers it to the
//! cache as a feed record with the advisors' feedback, then closes the cache, evicts its files
//! from the OS page cache and reopens it: a cold pass times one customer's playlist (with
//! feedback), re-purchase list and card forecast for 2,000 distinct random customers, a warm
//! pass the same customers again. Customers who withdrew consent get an early answer; those
//! calls are counted and timed apart from the served ones.
//!
//! `cargo bench -p carnet-core --bench reco -- [store] [large]` (default `large`); generated
//! data is kept in `target/bench-data`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::hint::black_box;
use std::time::Instant;

use base64::Engine;
use carnet_core::{Cache, CacheKey, changes, outbox, recommend};
use carnet_fixtures::Export;
use carnet_protocol::{
    Change, FeedbackVerdict, MODEL_ID, ModelRecord, MutationKind, PolicyRecord, Record,
};
use carnet_reco::{BuildConfig, Model, TrainingCustomer};
use rand::{Rng, SeedableRng};

const REQUESTS: usize = 2000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for size in support::sizes("large") {
        run(&size)?;
    }
    Ok(())
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, v: &mut [f64]) {
    if v.is_empty() {
        println!("  {name:<34} (no call)");
        return;
    }
    println!(
        "  {name:<34} p50 {:>7.3} ms   p99 {:>7.3} ms",
        percentile(v, 0.5),
        percentile(v, 0.99)
    );
}

fn run(size_name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let (root, export_dir) = support::export(size_name)?;
    let t = Instant::now();
    let data = carnet_reco::load::read_fixtures(&export_dir)?;
    let lines: usize = data.customers.iter().map(|c| c.lines.len()).sum();
    println!(
        "\n== {size_name}: {} products, {} customers, {lines} purchase lines (read in {:.1} s)",
        data.catalog.len(),
        data.customers.len(),
        t.elapsed().as_secs_f64()
    );
    let training: Vec<TrainingCustomer> = data
        .customers
        .iter()
        .map(|c| TrainingCustomer {
            segment: c.segment.clone(),
            lines: c.lines.clone(),
        })
        .collect();
    let (model, t) = Model::build_timed(&data.catalog, &training, &BuildConfig::new(data.as_of));
    let bytes = model.to_bytes();
    println!(
        "model build {:.1} s (neighbours {:.1}, popularity {:.1}, repeat rates and cadence {:.1}, visit and spend fits {:.1}); artifact {:.2} MB ({} bytes)",
        t.total_s,
        t.neighbours_s,
        t.popularity_s,
        t.repeats_s,
        t.visits_s,
        bytes.len() as f64 / 1e6,
        bytes.len()
    );
    drop(training);

    let work = tempfile::tempdir_in(&root)?;
    let key = CacheKey::generate()?;
    let db = work.path().join("cache.db");
    let cache = Cache::open(&db, &key)?;
    let t = Instant::now();
    carnet_core::load::load_export(&cache, &Export::open(&export_dir)?, &mut |_| {})?;
    println!("cache bulk load {:.1} s", t.elapsed().as_secs_f64());
    // The model and a policy with two rules arrive as the feed delivers them.
    let t = Instant::now();
    let model_change = Change::Upsert {
        record: Record::Model(ModelRecord {
            id: MODEL_ID.into(),
            version: 1,
            built_at: "2026-11-01T00:00:00Z".into(),
            bytes_base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
        }),
    };
    let policy = |store: &str| Change::Upsert {
        record: Record::Policy(PolicyRecord {
            id: store.into(),
            suppress_sensitive: false,
            rules: serde_json::from_str(
                r#"[{"target": {"category": "fragrance"}, "action": {"boost": 1.3}},
                    {"target": {"category": "makeup"}, "action": {"demote": 0.9}}]"#,
            )
            .unwrap(),
            updated_at: "2026-11-01T00:00:00Z".into(),
        }),
    };
    let mut page = vec![model_change];
    let stores: std::collections::BTreeSet<String> = cache.read(|c| {
        let mut s = c.prepare("SELECT id FROM store")?;
        let rows = s
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    })?;
    page.extend(stores.iter().map(|s| policy(s)));
    changes::apply_page(&cache, &page, "")?;
    println!(
        "model applied (decoded, checked, stored) in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let today = data.as_of;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let with_history: Vec<&carnet_reco::load::FixturesCustomer> = data
        .customers
        .iter()
        .filter(|c| !c.lines.is_empty())
        .collect();
    let mut picked = std::collections::BTreeSet::new();
    let mut sample: Vec<&str> = Vec::with_capacity(REQUESTS);
    while sample.len() < REQUESTS.min(with_history.len()) {
        let k = rng.random_range(0..with_history.len());
        if picked.insert(k) {
            sample.push(with_history[k].id.as_str());
        }
    }
    // Every sampled customer gets a like and two dislikes from the advisor first.
    let now = chrono::Utc::now();
    for id in &sample {
        for verdict in [
            FeedbackVerdict::Like,
            FeedbackVerdict::Dislike,
            FeedbackVerdict::Dislike,
        ] {
            let product = &data.catalog[rng.random_range(0..data.catalog.len())].id;
            outbox::record(
                &cache,
                MutationKind::Feedback {
                    customer_id: (*id).to_owned(),
                    product_id: product.clone(),
                    verdict,
                },
                None,
                now,
            )?;
        }
    }
    // The cold pass must not inherit the pages the bulk load and the feedback left in memory:
    // close the cache, evict its files from the OS page cache, reopen it.
    drop(cache);
    if let Some(resident) = support::evict(&Cache::files(&db))? {
        println!("resident after eviction: {:.1} MB", resident as f64 / 1e6);
    }
    let cache = Cache::open(&db, &CacheKey::from_bytes(key.as_bytes())?)?;
    // First call loads the model into memory; it is timed apart (another customer).
    let t = Instant::now();
    recommend::playlist(&cache, with_history[0].id.as_str(), today, 20)?;
    println!(
        "first playlist after the reopen (decodes the model) {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    println!(
        "cold: cache reopened, files evicted from the OS page cache, each customer's pages read and decrypted for the first time"
    );
    time_recommendations(&cache, sample.iter().copied(), today)?;
    println!("warm: the same customers again, in the same order (her pages cached)");
    time_recommendations(&cache, sample.iter().copied(), today)?;
    Ok(())
}

/// Times her playlist, re-purchase list and card forecast for each customer, printing p50 and
/// p99 of the calls that served her, and apart from them the calls answered early because she
/// withdrew consent.
fn time_recommendations<'a>(
    cache: &Cache,
    customers: impl Iterator<Item = &'a str>,
    today: chrono::NaiveDate,
) -> Result<(), Box<dyn std::error::Error>> {
    let (mut pl, mut due, mut fc) = (Vec::new(), Vec::new(), Vec::new());
    let mut withheld = Vec::new();
    for id in customers {
        let t = Instant::now();
        let p = black_box(recommend::playlist(cache, black_box(id), today, 20)?);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        if p.withheld.is_some() {
            withheld.push(ms);
            continue;
        }
        pl.push(ms);
        let t = Instant::now();
        black_box(recommend::repurchase_list(cache, black_box(id), today, 30)?);
        due.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        black_box(recommend::visit_forecast(cache, black_box(id), today)?);
        fc.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "  {} customers served, {} withheld (consent withdrawn)",
        pl.len(),
        withheld.len()
    );
    report("playlist (1 like, 2 dislikes, 20)", &mut pl);
    report("re-purchase list (30 days)", &mut due);
    report("card forecast (with value band)", &mut fc);
    if !withheld.is_empty() {
        report("withheld playlist (early answer)", &mut withheld);
    }
    Ok(())
}
