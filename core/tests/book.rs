//! An advisor's client book read from the cache: her customers, the most recently seen first,
//! with their last visit and birthday; another advisor's book and an unknown advisor's.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::{CacheKey, book};
use support::Sample;

#[test]
fn an_advisor_sees_her_own_book_most_recent_visit_first() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let mine = book::of(&cache, "A1", 50).unwrap();
    assert_eq!(mine.advisor_name.as_deref(), Some("Alice Martinez"));
    assert_eq!(mine.total, 2);
    let ids: Vec<&str> = mine
        .entries
        .iter()
        .map(|e| e.customer.id.as_str())
        .collect();
    let last_visits: Vec<_> = mine.entries.iter().map(|e| e.last_visit).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"C1") && ids.contains(&"C3"));
    assert!(last_visits[0] >= last_visits[1], "{last_visits:?}");
    let c1 = mine.entries.iter().find(|e| e.customer.id == "C1").unwrap();
    assert_eq!(c1.birthday.as_deref(), Some("11-05"));

    // A limit shows the first ones, the total stays.
    let first = book::of(&cache, "A1", 1).unwrap();
    assert_eq!((first.total, first.entries.len()), (2, 1));
    assert_eq!(first.entries[0], mine.entries[0]);

    // A leaver keeps no book; an advisor the records do not list has an empty one.
    let left = book::of(&cache, "B7", 50).unwrap();
    assert_eq!(left.advisor_name.as_deref(), Some("Bérénice Lemoine"));
    assert_eq!((left.total, left.entries.len()), (0, 0));
    let unknown = book::of(&cache, "Z9", 50).unwrap();
    assert_eq!(unknown.advisor_name, None);
    assert_eq!(unknown.total, 0);
}
