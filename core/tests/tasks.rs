//! The client book's tasks derived from a real cache: whose they are, which list they fall in,
//! what consent and a leaver's book change, and what survives a refresh.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::consent::Channel;
use carnet_core::tasks::{self, Scope, TaskKind, TaskLists, TaskState};
use carnet_core::{Cache, CacheKey};
use chrono::NaiveDate;
use support::{Sample, deliver_model, sample_model_bytes, today};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn sql(cache: &Cache, statement: &str) {
    cache
        .write(|tx| {
            tx.execute_batch(statement)?;
            Ok(())
        })
        .unwrap();
}

fn ids(list: &[tasks::Task]) -> Vec<&str> {
    list.iter().map(|t| t.id.as_str()).collect()
}

fn lists(cache: &Cache, advisor: &str, scope: Scope, on: NaiveDate) -> TaskLists {
    tasks::lists(cache, "S001", advisor, scope, on, 50).unwrap()
}

#[test]
fn an_advisor_sees_her_books_tasks_and_the_store_its_group_tasks() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    deliver_model(&cache, 1, &sample_model_bytes());
    // Marie Lefèvre (C4, no book) spent 120 € on her first visit two days ago.
    sql(
        &cache,
        "INSERT INTO purchase (id, receipt_id, customer_id, store_id, bought_at, product_id,
                               quantity, amount_cents, gift, advisor_id)
         VALUES ('R20-1', 'R20', 'C4', 'S001', strftime('%s', '2026-10-30 15:00:00'), 'P05',
                 1, 12000, 0, 'A1')",
    );

    let mine = lists(&cache, "A1", Scope::Mine, today());
    // Hélène Dupont (C1, in A1's book) turns a year older on 5 November.
    let birthday = mine
        .upcoming
        .iter()
        .find(|t| t.id == "birthday:C1:2026")
        .unwrap_or_else(|| panic!("{mine:#?}"));
    assert_eq!(
        birthday.kind,
        TaskKind::Birthday {
            on: day("2026-11-05")
        }
    );
    assert_eq!(birthday.due_on, day("2026-11-05"));
    assert_eq!(birthday.advisor_id.as_deref(), Some("A1"));
    assert_eq!(birthday.customer.last_name, "Dupont");
    assert_eq!(birthday.channels, [Channel::Email]);
    assert_eq!(birthday.state, TaskState::Open);
    assert!(
        mine.overdue
            .iter()
            .chain(&mine.today)
            .chain(&mine.upcoming)
            .all(|t| t.advisor_id.as_deref() == Some("A1"))
    );

    // Marie's thank-you was due yesterday: overdue, in the store's list, nobody's book.
    let store = lists(&cache, "A1", Scope::Store, today());
    assert_eq!(ids(&store.overdue), ["thank_you:C4:2026-10-30"]);
    let thanks = &store.overdue[0];
    assert_eq!(
        thanks.kind,
        TaskKind::ThankYou {
            on: day("2026-10-30"),
            amount_cents: 12_000,
            new_tier: None
        }
    );
    assert_eq!(thanks.advisor_id, None);
    assert!(!ids(&mine.overdue).contains(&"thank_you:C4:2026-10-30"));

    // Three weeks on, the birthday has passed and the thank-you is stale: both gone.
    let later = lists(&cache, "A1", Scope::Mine, day("2026-11-22"));
    assert!(!ids(&later.upcoming).contains(&"birthday:C1:2026"));
    let later_store = lists(&cache, "A1", Scope::Store, day("2026-11-22"));
    assert!(later_store.overdue.is_empty(), "{later_store:#?}");
}

#[test]
fn consent_a_leavers_book_and_what_advisors_did_shape_the_lists() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    // Withdrawing marketing by e-mail, her only channel, leaves Hélène without a task.
    sql(
        &cache,
        "UPDATE consent SET granted = 0 WHERE customer_id = 'C1' AND purpose = 'marketing'",
    );
    assert_eq!(tasks::refresh(&cache, "S001", today()).unwrap(), 0);
    assert!(
        lists(&cache, "A1", Scope::Mine, today())
            .upcoming
            .is_empty()
    );
    sql(
        &cache,
        "UPDATE consent SET granted = 1 WHERE customer_id = 'C1' AND purpose = 'marketing'",
    );
    assert_eq!(tasks::refresh(&cache, "S001", today()).unwrap(), 1);

    // Her book belonged to B7, who left: the task is the store's, not B7's.
    sql(
        &cache,
        "UPDATE customer SET advisor_id = 'B7' WHERE id = 'C1'",
    );
    tasks::refresh(&cache, "S001", today()).unwrap();
    assert!(
        lists(&cache, "A1", Scope::Mine, today())
            .upcoming
            .is_empty()
    );
    assert!(
        lists(&cache, "B7", Scope::Mine, today())
            .upcoming
            .is_empty()
    );
    let store = lists(&cache, "A1", Scope::Store, today());
    assert_eq!(ids(&store.upcoming), ["birthday:C1:2026"]);

    // A1 takes it: it is in her list, and shows whose it is in the store's.
    sql(
        &cache,
        "INSERT INTO task_state (task_id, customer_id, state, advisor_id, at)
         VALUES ('birthday:C1:2026', 'C1', 'taken', 'A1', '2026-11-01T09:00:00Z')",
    );
    let mine = lists(&cache, "A1", Scope::Mine, today());
    assert_eq!(ids(&mine.upcoming), ["birthday:C1:2026"]);
    assert_eq!(
        lists(&cache, "A1", Scope::Store, today()).upcoming[0].state,
        TaskState::Taken {
            advisor_id: "A1".into()
        }
    );

    // Snoozed to the 8th: it waits in the upcoming list until then. Done: it stays listed
    // after the birthday has passed.
    sql(
        &cache,
        "UPDATE task_state SET state = 'snoozed', until = '2026-11-08' WHERE task_id = 'birthday:C1:2026'",
    );
    let snoozed = lists(&cache, "A1", Scope::Store, day("2026-11-03"));
    assert_eq!(ids(&snoozed.upcoming), ["birthday:C1:2026"]);
    assert_eq!(snoozed.upcoming[0].due_on, day("2026-11-08"));
    assert_eq!(
        snoozed.upcoming[0].state,
        TaskState::Snoozed {
            until: day("2026-11-08")
        }
    );
    sql(
        &cache,
        "UPDATE task_state SET state = 'done', until = NULL, at = '2026-11-03T10:00:00Z'
         WHERE task_id = 'birthday:C1:2026'",
    );
    let after = lists(&cache, "A1", Scope::Mine, day("2026-11-20"));
    assert_eq!(ids(&after.done), ["birthday:C1:2026"], "{after:#?}");
    assert!(after.upcoming.is_empty() && after.today.is_empty());
    // A month after it was done it leaves the done list.
    assert!(
        lists(&cache, "A1", Scope::Mine, day("2026-12-20"))
            .done
            .is_empty()
    );

    // Dismissed: listed nowhere.
    sql(
        &cache,
        "UPDATE customer SET birthday = '11-25' WHERE id = 'C1'",
    );
    tasks::refresh(&cache, "S001", day("2026-11-20")).unwrap();
    sql(
        &cache,
        "INSERT INTO task_state (task_id, customer_id, state, advisor_id, reason, at)
         VALUES ('birthday:C1:2026', 'C1', 'dismissed', 'A1', 'moved abroad', '2026-11-20T09:00:00Z')
         ON CONFLICT(task_id) DO UPDATE SET state = 'dismissed', reason = 'moved abroad'",
    );
    let dismissed = lists(&cache, "A1", Scope::Store, day("2026-11-20"));
    assert_eq!(dismissed.total, 0, "{dismissed:#?}");
}
