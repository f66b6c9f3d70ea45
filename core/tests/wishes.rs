//! Wish lists on the device: noted offline for a product of the catalogue, on her card, and
//! when a wished product launches her advisor gets a launch task; the feed brings other
//! devices' wishes and takes them away.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::tasks::{self, Scope, TaskKind};
use carnet_core::{Cache, CacheKey, Error, changes, outbox, wishes};
use carnet_protocol::{Change, Entity, MutationKind, Record, WishRecord};
use support::{Sample, today};

fn wish(
    cache: &Cache,
    id: &str,
    product: Option<&str>,
    note: Option<&str>,
) -> carnet_core::Result<u64> {
    outbox::record(
        cache,
        MutationKind::Wish {
            wish_id: id.into(),
            customer_id: "C1".into(),
            product_id: product.map(Into::into),
            note: note.map(Into::into),
        },
        Some("A1"),
        "2026-10-20T10:00:00Z".parse().unwrap(),
    )
}

#[test]
fn a_wished_product_that_launches_becomes_a_task_for_her_advisor() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    // P05 launches on 10 November; Hélène (C1, in A1's book) never bought its brand twice.
    cache
        .write(|tx| {
            tx.execute_batch("UPDATE product SET launch_on = '2026-11-10' WHERE id = 'P05'")?;
            Ok(())
        })
        .unwrap();
    tasks::refresh(&cache, "S001", today()).unwrap();
    let launches = |cache: &Cache| -> Vec<String> {
        let mine = tasks::lists(cache, "S001", "A1", Scope::Mine, today(), 50).unwrap();
        mine.overdue
            .iter()
            .chain(&mine.today)
            .chain(&mine.upcoming)
            .filter(|t| matches!(t.kind, TaskKind::Launch { .. }))
            .map(|t| t.id.clone())
            .collect()
    };
    assert!(launches(&cache).is_empty());

    // An unknown product, a note too long: refused, nothing kept.
    assert!(matches!(
        wish(&cache, "W1", Some("P404"), None),
        Err(Error::NotFound)
    ));
    let long = "x".repeat(201);
    assert!(matches!(
        wish(&cache, "W1", Some("P05"), Some(&long)),
        Err(Error::InvalidInput(_))
    ));
    assert!(outbox::entries(&cache).unwrap().is_empty());

    wish(&cache, "W1", Some("P05"), Some("pour sa fille")).unwrap();
    let listed = wishes::of(&cache, "C1").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].product_id.as_str(),
            listed[0].launch_on.as_deref(),
            listed[0].note.as_deref()
        ),
        ("P05", Some("2026-11-10"), Some("pour sa fille"))
    );
    tasks::refresh(&cache, "S001", today()).unwrap();
    assert_eq!(launches(&cache), ["launch:C1:P05"]);

    // Removed: no task at the next derivation. Removing it again: not found.
    wish(&cache, "W1", None, None).unwrap();
    assert!(wishes::of(&cache, "C1").unwrap().is_empty());
    assert!(matches!(
        wish(&cache, "W1", None, None),
        Err(Error::NotFound)
    ));
    tasks::refresh(&cache, "S001", today()).unwrap();
    assert!(launches(&cache).is_empty());

    // Another device's wish arrives with the feed; one of a product this device does not know
    // yet waits for the catalogue; a tombstone takes it away.
    let cursor = changes::cursor(&cache).unwrap();
    let from_feed = |id: &str, product: &str| Change::Upsert {
        record: Record::Wish(WishRecord {
            id: id.into(),
            customer_id: "C1".into(),
            product_id: product.into(),
            note: None,
            advisor_id: Some("B7".into()),
            at: "2026-10-21T10:00:00Z".into(),
        }),
    };
    changes::apply_page(
        &cache,
        &[from_feed("W2", "P05"), from_feed("W3", "P999")],
        &cursor,
    )
    .unwrap();
    let ids: Vec<String> = wishes::of(&cache, "C1")
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids, ["W2"]);
    let cursor = changes::cursor(&cache).unwrap();
    let gone = Change::Delete {
        entity: Entity::Wish,
        id: "W2".into(),
    };
    changes::apply_page(&cache, &[gone], &cursor).unwrap();
    assert!(wishes::of(&cache, "C1").unwrap().is_empty());
}
