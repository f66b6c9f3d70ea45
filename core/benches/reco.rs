//! Recommendation benchmark through the core over the encrypted cache: builds the model from a
//! generated store with the reco crate's builder (as the sync server does), delivers it to the
//! cache as a feed record, then times one customer's playlist (with feedback), re-purchase
//! list and card forecast for random customers.
//!
//! `cargo bench -p carnet-core --bench reco -- [store] [large]` (default `large`); generated
//! data is kept in `target/bench-data`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

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
    println!(
        "{name:<34} p50 {:>7.3} ms   p99 {:>7.3} ms",
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
    let t = Instant::now();
    let model = Model::build(&data.catalog, &training, &BuildConfig::new(data.as_of));
    let build_s = t.elapsed().as_secs_f64();
    let bytes = model.to_bytes();
    println!(
        "model build {build_s:.1} s; artifact {:.2} MB ({} bytes)",
        bytes.len() as f64 / 1e6,
        bytes.len()
    );
    drop(training);

    let work = tempfile::tempdir_in(&root)?;
    let cache = Cache::open(work.path().join("cache.db"), &CacheKey::generate()?)?;
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
    let sample: Vec<&str> = (0..REQUESTS)
        .map(|_| {
            with_history[rng.random_range(0..with_history.len())]
                .id
                .as_str()
        })
        .collect();
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
    // First call loads the model into memory; it is timed apart.
    let t = Instant::now();
    recommend::playlist(&cache, sample[0], today, 20)?;
    println!(
        "first playlist (decodes the model) {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    println!("cold: her pages read (and decrypted) for the first time");
    let withheld = time_recommendations(&cache, sample.iter().copied(), today, false)?;
    println!("{REQUESTS} random customers ({withheld} withheld: consent withdrawn)");
    // In the app the playlist follows the card, which has already read her pages.
    println!("after her card (the app's order)");
    time_recommendations(&cache, sample.iter().rev().copied(), today, true)?;
    Ok(())
}

/// Times her playlist, re-purchase list and card forecast for each customer, printing p50 and
/// p99 of each; `after_card` opens her card first, as the app does (it has read her pages).
/// Returns how many playlists were withheld.
fn time_recommendations<'a>(
    cache: &Cache,
    customers: impl Iterator<Item = &'a str>,
    today: chrono::NaiveDate,
    after_card: bool,
) -> Result<usize, Box<dyn std::error::Error>> {
    let (mut pl, mut due, mut fc) = (Vec::new(), Vec::new(), Vec::new());
    let mut withheld = 0;
    for id in customers {
        if after_card {
            carnet_core::card::customer_card(cache, id, today)?;
        }
        let t = Instant::now();
        let p = recommend::playlist(cache, id, today, 20)?;
        pl.push(t.elapsed().as_secs_f64() * 1e3);
        withheld += usize::from(p.withheld.is_some());
        let t = Instant::now();
        recommend::repurchase_list(cache, id, today, 30)?;
        due.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        recommend::visit_forecast(cache, id, today)?;
        fc.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report("playlist (1 like, 2 dislikes, 20)", &mut pl);
    report("re-purchase list (30 days)", &mut due);
    report("card forecast", &mut fc);
    Ok(withheld)
}
