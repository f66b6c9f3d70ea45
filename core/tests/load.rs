#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::{CacheKey, Error, load};
use carnet_fixtures::Export;
use support::Sample;

#[test]
fn progress_reaches_the_total_and_reloading_changes_nothing() {
    let sample = Sample::new();
    let key = CacheKey::generate().unwrap();
    let cache = carnet_core::Cache::open(sample.cache_path(), &key).unwrap();
    let export = Export::open(&sample.export).unwrap();
    let mut seen = Vec::new();
    let summary = load::load_export(&cache, &export, &mut |p| seen.push(p)).unwrap();
    let last = *seen.last().unwrap();
    assert_eq!(last.done, last.total);
    assert_eq!(summary.rows, last.total);
    assert!(seen.windows(2).all(|w| w[0].done < w[1].done));
    assert_eq!(summary.customers, 5);
    assert_eq!(summary.purchases, 13);

    let count = |table: &str| -> i64 {
        cache
            .read(|c| Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
            .unwrap()
    };
    let counts = || -> Vec<i64> {
        [
            "customer",
            "purchase",
            "customer_name",
            "product_text",
            "consent",
        ]
        .iter()
        .map(|t| count(t))
        .collect()
    };
    let before = counts();
    load::load_export(&cache, &export, &mut |_| {}).unwrap();
    let after = counts();
    assert_eq!(before, after);
}

#[test]
fn a_malformed_line_stops_the_load_with_its_line_number_and_keeps_what_was_committed() {
    let sample = Sample::new();
    let path = sample.export.join("purchases.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"id\": \"R99-1\", \"truncated\n");
    std::fs::write(&path, text).unwrap();
    let key = CacheKey::generate().unwrap();
    let cache = carnet_core::Cache::open(sample.cache_path(), &key).unwrap();
    let err =
        load::load_export(&cache, &Export::open(&sample.export).unwrap(), &mut |_| {}).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Export(_)));
    assert!(message.contains("purchases.jsonl:14"), "{message}");
    // Entities before the bad file were committed; the cache is usable.
    assert_eq!(
        carnet_core::lookup::by_name(&cache, "dupont", 5)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn an_export_of_another_version_is_refused() {
    let sample = Sample::new();
    let manifest = sample.export.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        &format!("\"version\":{}", carnet_fixtures::format::FORMAT_VERSION),
        "\"version\":99",
    );
    assert!(text.contains("\"version\":99"));
    std::fs::write(&manifest, text).unwrap();
    assert!(matches!(
        Export::open(&sample.export),
        Err(carnet_fixtures::ReadError::Unsupported { version: 99, .. })
    ));
}
