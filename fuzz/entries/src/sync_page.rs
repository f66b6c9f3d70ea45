//! A page of the store's change feed as the device receives it: the answer's body read, the
//! page applied to a real encrypted cache, the card of each customer it brought opened.

use std::path::PathBuf;
use std::sync::OnceLock;

use carnet_core::sync::read_answer;
use carnet_core::{Cache, CacheKey, card, changes};
use carnet_protocol::{Change, ChangePage, Record};
use chrono::NaiveDate;

/// Customers of one page whose card is opened after it is applied.
const CARDS_PER_PAGE: usize = 4;

/// Reads the body as the sync client reads an answer ([`read_answer`]): as an error answer
/// (always a typed error) and as a page. A page is applied with [`changes::apply_page`] to the
/// process's cache (one encrypted cache, emptied with [`changes::reset`] after each input, so
/// every input meets the same empty cache), then the first customers it upserted have their
/// card opened. A page applied stores its cursor; a page refused leaves the cache as it was.
pub fn sync_page(data: &[u8]) {
    assert!(
        read_answer::<ChangePage>(409, data).is_err(),
        "an error answer is an error, whatever its body"
    );
    let Ok(page) = read_answer::<ChangePage>(200, data) else {
        return;
    };
    let cache = cache();
    match changes::apply_page(cache, &page.changes, &page.next_cursor) {
        Ok(()) => {
            assert_eq!(
                changes::cursor(cache).ok().as_deref(),
                Some(page.next_cursor.as_str()),
                "an applied page's cursor is stored with it"
            );
            let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
            for id in upserted_customers(&page).take(CARDS_PER_PAGE) {
                let _ = card::customer_card(cache, id, today);
            }
        }
        Err(_) => assert_eq!(
            changes::cursor(cache).ok().as_deref(),
            Some(""),
            "a refused page leaves nothing behind"
        ),
    }
    changes::reset(cache).expect("the cache is emptied");
}

fn upserted_customers(page: &ChangePage) -> impl Iterator<Item = &str> {
    page.changes.iter().filter_map(|c| match c {
        Change::Upsert {
            record: Record::Customer(customer),
        } => Some(customer.id.as_str()),
        _ => None,
    })
}

/// The process's cache, in a directory of its own under the temporary directory.
fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = scratch_dir();
        std::fs::create_dir_all(&dir).expect("the cache's directory is created");
        let key = CacheKey::generate().expect("a cache key");
        Cache::open(dir.join("cache.db"), &key).expect("the cache opens")
    })
}

/// `<temp>/carnet-fuzz-cache/<pid>`. A fuzzing process ends by exiting or crashing, never
/// dropping its statics: the directories of processes that are gone are removed here.
fn scratch_dir() -> PathBuf {
    let base = std::env::temp_dir().join("carnet-fuzz-cache");
    if let Ok(entries) = std::fs::read_dir(&base) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let gone = name
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|pid| !PathBuf::from(format!("/proc/{pid}")).exists());
            if gone {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    base.join(std::process::id().to_string())
}
