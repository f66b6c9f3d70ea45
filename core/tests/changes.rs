#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::history::{HistoryQuery, history};
use carnet_core::{CacheKey, Error, changes, lookup};
use carnet_protocol::{Change, Entity, Record};
use support::{Sample, card, purchases};

fn count(cache: &carnet_core::Cache, sql: &str) -> i64 {
    cache
        .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
        .unwrap()
}

#[test]
fn a_page_and_its_cursor_apply_together() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    assert_eq!(changes::cursor(&cache).unwrap(), "");

    let mut moved = support::customers()[3].clone();
    moved.address.postal_code = "75020".into();
    let page = vec![
        Change::Upsert {
            record: Record::Customer(moved),
        },
        Change::Delete {
            entity: Entity::Customer,
            id: "C1".into(),
        },
    ];
    changes::apply_page(&cache, &page, "cursor-1").unwrap();
    assert_eq!(changes::cursor(&cache).unwrap(), "cursor-1");
    assert_eq!(
        lookup::by_name(&cache, "lefevre 75020", 5).unwrap().len(),
        1
    );

    // An erased customer leaves nothing behind: not by card, name or history, no rows.
    assert!(matches!(
        lookup::by_card(&cache, &card(1)),
        Err(Error::NotFound)
    ));
    assert_eq!(
        lookup::by_name(&cache, "dupont", 5).unwrap().len(),
        1,
        "only the Lyon homonym"
    );
    assert!(
        history(&cache, "C1", &HistoryQuery::default())
            .unwrap()
            .lines
            .is_empty()
    );
    for table in ["purchase", "offer", "consent", "customer_name", "feedback"] {
        assert_eq!(
            count(
                &cache,
                &format!("SELECT count(*) FROM {table} WHERE customer_id = 'C1'")
            ),
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(
            &cache,
            "SELECT count(*) FROM purchase WHERE customer_id = 'C3'"
        ),
        1
    );
}

#[test]
fn a_page_that_fails_half_way_changes_nothing() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    changes::apply_page(&cache, &[], "cursor-1").unwrap();

    let mut bad = purchases()[0].clone();
    bad.id = "R99-1".into();
    bad.bought_at = "yesterday".into();
    let page = vec![
        Change::Delete {
            entity: Entity::Customer,
            id: "C3".into(),
        },
        Change::Upsert {
            record: Record::Purchase(bad),
        },
    ];
    assert!(matches!(
        changes::apply_page(&cache, &page, "cursor-2"),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(changes::cursor(&cache).unwrap(), "cursor-1");
    assert_eq!(lookup::by_card(&cache, &card(3)).unwrap().id, "C3");
}

#[test]
fn reset_empties_the_cache_for_a_clean_resync() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    changes::apply_page(&cache, &[], "cursor-9").unwrap();
    changes::reset(&cache).unwrap();
    assert_eq!(changes::cursor(&cache).unwrap(), "");
    assert_eq!(count(&cache, "SELECT count(*) FROM customer"), 0);
    assert!(lookup::by_name(&cache, "dupont", 5).unwrap().is_empty());
}
