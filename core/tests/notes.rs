//! Advisors' notes in the device's cache: written and edited offline and queued, with author
//! and date; refused when empty or too long; another advisor's note arrives with the feed; an
//! erased customer's notes go with her.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::{Cache, CacheKey, Error, changes, notes, outbox};
use carnet_protocol::{Change, Entity, MutationKind, NoteRecord, Record};
use support::Sample;

fn write(cache: &Cache, id: &str, text: Option<&str>, at: &str) -> carnet_core::Result<u64> {
    outbox::record(
        cache,
        MutationKind::Note {
            note_id: id.into(),
            customer_id: "C1".into(),
            text: text.map(Into::into),
        },
        Some("A1"),
        at.parse().unwrap(),
    )
}

fn feed(cache: &Cache, change: Change) {
    let cursor = changes::cursor(cache).unwrap();
    changes::apply_page(cache, &[change], &cursor).unwrap();
}

#[test]
fn notes_are_written_offline_with_author_and_date_and_go_with_an_erasure() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    write(
        &cache,
        "M1",
        Some("  Préfère un appel après 18 h  "),
        "2026-11-01T10:00:00Z",
    )
    .unwrap();
    let shown = notes::of(&cache, "C1").unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].text, "Préfère un appel après 18 h", "kept trimmed");
    assert_eq!(shown[0].advisor_name.as_deref(), Some("Alice Martinez"));
    assert_eq!(shown[0].written_at, "2026-11-01T10:00:00.000Z");
    // Queued as written: the server receives the trimmed text.
    let queued = outbox::pending(&cache, 10).unwrap();
    assert!(
        matches!(&queued[0].change, MutationKind::Note { text: Some(t), .. } if t == "Préfère un appel après 18 h")
    );

    // Empty or too long: refused, nothing written or queued.
    for bad in ["   ".to_owned(), "x".repeat(501)] {
        let refused = write(&cache, "M2", Some(&bad), "2026-11-01T10:05:00Z");
        assert!(
            matches!(refused, Err(Error::InvalidInput(_))),
            "{refused:?}"
        );
    }
    assert_eq!(outbox::pending(&cache, 10).unwrap().len(), 1);

    // An edit replaces the text; another advisor's note arrives with the feed; latest first.
    write(
        &cache,
        "M1",
        Some("Appeler après 19 h"),
        "2026-11-02T10:00:00Z",
    )
    .unwrap();
    feed(
        &cache,
        Change::Upsert {
            record: Record::Note(NoteRecord {
                id: "M9".into(),
                customer_id: "C1".into(),
                text: "Cadeau pour sa mère en mai".into(),
                advisor_id: Some("B7".into()),
                written_at: "2026-11-03T09:00:00Z".into(),
            }),
        },
    );
    let shown = notes::of(&cache, "C1").unwrap();
    let texts: Vec<&str> = shown.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, ["Cadeau pour sa mère en mai", "Appeler après 19 h"]);
    assert_eq!(shown[0].advisor_name.as_deref(), Some("Bérénice Lemoine"));

    // A note id of another customer cannot be taken over.
    let other = outbox::record(
        &cache,
        MutationKind::Note {
            note_id: "M9".into(),
            customer_id: "C2".into(),
            text: Some("Moved".into()),
        },
        Some("A1"),
        "2026-11-04T10:00:00Z".parse().unwrap(),
    );
    assert!(matches!(other, Err(Error::InvalidInput(_))), "{other:?}");

    // Deleted locally; removed by a tombstone; all gone with her.
    write(&cache, "M1", None, "2026-11-05T10:00:00Z").unwrap();
    assert_eq!(notes::of(&cache, "C1").unwrap().len(), 1);
    feed(
        &cache,
        Change::Delete {
            entity: Entity::Note,
            id: "M9".into(),
        },
    );
    assert!(notes::of(&cache, "C1").unwrap().is_empty());
    write(
        &cache,
        "M3",
        Some("Aime les parfums boisés"),
        "2026-11-06T10:00:00Z",
    )
    .unwrap();
    feed(
        &cache,
        Change::Delete {
            entity: Entity::Customer,
            id: "C1".into(),
        },
    );
    let left: i64 = cache
        .read(|c| Ok(c.query_row("SELECT count(*) FROM note", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn the_app_is_warned_of_special_category_words_before_saving() {
    let found = notes::special_words("Enceinte, éviter le rétinol; fait le ramadan");
    let words: Vec<(&str, notes::SpecialCategory)> = found
        .iter()
        .map(|s| (s.word.as_str(), s.category))
        .collect();
    assert_eq!(
        words,
        [
            ("Enceinte", notes::SpecialCategory::Health),
            ("ramadan", notes::SpecialCategory::Religion)
        ]
    );
    assert!(notes::special_words("Préfère un appel après 18 h").is_empty());
}
