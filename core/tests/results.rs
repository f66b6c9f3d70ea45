//! An advisor's indicators for a month, from the device's data: the tasks she did, the
//! customers she reached, the sales attributed to her by the last-touch rule (a gift line
//! counts, a return subtracts, another advisor's later contact takes the line), her book.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::results::{Indicators, indicators};
use carnet_core::{Cache, CacheKey, outbox};
use carnet_protocol::{CallOutcome, MutationKind, TaskAction};
use chrono::NaiveDate;
use support::Sample;

fn call(cache: &Cache, advisor: &str, customer: &str, id: &str, outcome: CallOutcome, at: &str) {
    outbox::record(
        cache,
        MutationKind::Call {
            outreach_id: id.into(),
            customer_id: customer.into(),
            task_id: None,
            outcome,
        },
        Some(advisor),
        at.parse().unwrap(),
    )
    .unwrap();
}

/// A purchase line of `customer` at `at` (RFC 3339).
fn line(cache: &Cache, id: &str, customer: &str, at: &str, cents: i64, gift: bool) {
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .timestamp();
    cache
        .write(|tx| {
            tx.execute(
                "INSERT INTO purchase (id, receipt_id, customer_id, store_id, bought_at, product_id,
                                       quantity, amount_cents, gift)
                 VALUES (?1, ?1, ?2, 'S001', ?3, 'P01', 1, ?4, ?5)",
                rusqlite::params![id, customer, at, cents, gift],
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn indicators_count_her_month_and_the_sales_her_contacts_brought() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    cache
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO consent (customer_id, channel, purpose, granted, recorded_at, source)
                 VALUES ('C1', 'phone', 'marketing', 1, '2026-10-01T10:00:00Z', 'store'),
                        ('C3', 'phone', 'marketing', 1, '2026-10-01T10:00:00Z', 'store'),
                        ('C4', 'phone', 'marketing', 1, '2026-10-01T10:00:00Z', 'store')",
            )?;
            Ok(())
        })
        .unwrap();
    // A1 reaches C1 late in October (the window reaches into November) and C3 in November;
    // B7 reaches C3 after A1. A call nobody answered reaches no one.
    call(
        &cache,
        "A1",
        "C1",
        "K1",
        CallOutcome::Reached,
        "2026-10-25T10:00:00Z",
    );
    call(
        &cache,
        "A1",
        "C3",
        "K2",
        CallOutcome::Voicemail,
        "2026-11-02T10:00:00Z",
    );
    call(
        &cache,
        "B7",
        "C3",
        "K3",
        CallOutcome::Reached,
        "2026-11-10T10:00:00Z",
    );
    call(
        &cache,
        "A1",
        "C4",
        "K4",
        CallOutcome::NoAnswer,
        "2026-11-03T10:00:00Z",
    );
    // C1: a line and a gift line within A1's window, a return within it too, a line after it.
    line(&cache, "L1", "C1", "2026-11-01T15:00:00Z", 4_000, false);
    line(&cache, "L2", "C1", "2026-11-01T15:00:00Z", 2_500, true);
    line(&cache, "L3", "C1", "2026-11-05T11:00:00Z", -1_000, false);
    line(&cache, "L4", "C1", "2026-11-09T11:00:00Z", 9_000, false);
    // C3: a line after A1's contact, one after B7's (B7's), one before any contact.
    line(&cache, "L5", "C3", "2026-11-05T11:00:00Z", 3_000, false);
    line(&cache, "L6", "C3", "2026-11-12T11:00:00Z", 7_000, false);
    line(&cache, "L7", "C3", "2026-10-30T11:00:00Z", 5_000, false);
    // C4 was not reached: her line counts for nobody.
    line(&cache, "L8", "C4", "2026-11-04T11:00:00Z", 6_000, false);
    // A1 completes a task this month and one in October.
    for (task, at) in [
        ("t1", "2026-11-03T09:00:00Z"),
        ("t2", "2026-10-03T09:00:00Z"),
    ] {
        outbox::record(
            &cache,
            MutationKind::Task {
                task_id: format!("birthday:C1:{task}"),
                customer_id: "C1".into(),
                action: TaskAction::Done,
            },
            Some("A1"),
            at.parse().unwrap(),
        )
        .unwrap();
    }

    let november = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let a1 = indicators(&cache, "A1", november).unwrap();
    assert_eq!(
        a1,
        Indicators {
            month: "2026-11".into(),
            tasks_done: 1,
            // C3 (a voicemail); C4's call nobody answered; C1 was reached in October.
            customers_reached: 1,
            // L1 + L2 (a gift counts) − L3 (a return) + L5.
            attributed_cents: 4_000 + 2_500 - 1_000 + 3_000,
            attributed_receipts: 4,
            // C1 and C3 are in A1's book; both bought within the year.
            book_size: 2,
            book_active: 2,
        }
    );
    let b7 = indicators(&cache, "B7", november).unwrap();
    assert_eq!(
        (
            b7.customers_reached,
            b7.attributed_cents,
            b7.attributed_receipts,
            b7.book_size
        ),
        (1, 7_000, 1, 0)
    );
    // October: A1 reached C1 and did one task; L7 came before any contact.
    let october = indicators(&cache, "A1", NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()).unwrap();
    assert_eq!(
        (
            october.month.as_str(),
            october.tasks_done,
            october.customers_reached,
            october.attributed_cents
        ),
        ("2026-10", 1, 1, 0)
    );
}
