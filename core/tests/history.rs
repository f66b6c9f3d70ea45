#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::CacheKey;
use carnet_core::history::{HistoryQuery, history};
use support::Sample;

fn ids(page: &carnet_core::history::HistoryPage) -> Vec<&str> {
    page.lines.iter().map(|l| l.id.as_str()).collect()
}

#[test]
fn history_is_newest_first_and_paged() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());

    let first = history(
        &cache,
        "C1",
        &HistoryQuery {
            page_size: 5,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&first), ["R09-2", "R09-1", "R08-1", "R07-1", "R06-1"]);
    assert_eq!(first.next_offset, Some(5));
    let second = history(
        &cache,
        "C1",
        &HistoryQuery {
            page_size: 5,
            offset: 5,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&second), ["R05-1", "R04-1", "R03-2", "R03-1", "R02-2"]);
    let last = history(
        &cache,
        "C1",
        &HistoryQuery {
            page_size: 5,
            offset: 10,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&last), ["R02-1", "R01-1"]);
    assert_eq!(last.next_offset, None);
    // Gifts are marked.
    assert!(second.lines.iter().filter(|l| l.gift).count() == 2);
    assert_eq!(first.lines[0].brand_name, "Maison Lumière");
}

#[test]
fn history_filters_by_category_and_brand() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let by_top = history(
        &cache,
        "C1",
        &HistoryQuery {
            category_id: Some("makeup".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&by_top), ["R08-1", "R04-1", "R02-1", "R01-1"]);
    let by_sub = history(
        &cache,
        "C1",
        &HistoryQuery {
            category_id: Some("makeup.lipstick".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&by_sub), ["R08-1", "R04-1", "R01-1"]);
    let by_brand = history(
        &cache,
        "C1",
        &HistoryQuery {
            brand_id: Some("B02".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&by_brand), ["R07-1", "R03-2", "R03-1", "R02-1"]);
}

#[test]
fn history_text_search_finds_the_shade_she_bought_last_time() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let search = |text: &str| {
        history(
            &cache,
            "C1",
            &HistoryQuery {
                text: Some(text.into()),
                ..Default::default()
            },
        )
        .unwrap()
    };
    // By category name, accents optional.
    assert_eq!(ids(&search("fard à paupières")), ["R02-1"]);
    assert_eq!(ids(&search("FARD A PAUPIERES")), ["R02-1"]);
    // By product name: the last lipstick first, with its shade.
    let rouge = search("rouge");
    assert_eq!(ids(&rouge), ["R08-1", "R04-1", "R01-1"]);
    assert_eq!(rouge.lines[0].shade.as_deref(), Some("05 Nude"));
    // By shade, by prefix.
    assert_eq!(ids(&search("ceri")), ["R04-1", "R01-1"]);
    assert_eq!(ids(&search("bronze dor")), ["R02-1"]);
    // By brand name.
    assert_eq!(ids(&search("lumiere ambre")), ["R09-2"]);
    // Nothing matches; syntax in the text is only text.
    assert!(search("mascara").lines.is_empty());
    assert!(search("\"rouge\" OR NEAR(").lines.is_empty());
    // Another customer's purchases never show.
    let other = history(
        &cache,
        "C3",
        &HistoryQuery {
            text: Some("ambre".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&other), ["R10-1"]);
}
