//! Calls logged on the device: refused without consent to calls and within the quiet period
//! after a contact (a call nobody answered is not one), on her card's timeline, and no task
//! asks to contact her while the quiet period lasts.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::outreach::{self, ContactRefusal};
use carnet_core::tasks::{self, Scope};
use carnet_core::{Cache, CacheKey, Error, changes, outbox};
use carnet_protocol::{CallOutcome, Change, Entity, MutationKind, OutreachRecord, Record};
use support::{Sample, today};

fn call(cache: &Cache, id: &str, outcome: CallOutcome, at: &str) -> carnet_core::Result<u64> {
    outbox::record(
        cache,
        MutationKind::Call {
            outreach_id: id.into(),
            customer_id: "C1".into(),
            task_id: None,
            outcome,
        },
        Some("A1"),
        at.parse().unwrap(),
    )
}

#[test]
fn a_call_needs_her_consent_and_starts_a_quiet_period_that_holds_her_tasks() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    // She consented to e-mails only.
    let refused = call(&cache, "K1", CallOutcome::Reached, "2026-11-01T10:00:00Z");
    assert!(
        matches!(
            refused,
            Err(Error::ContactRefused(ContactRefusal::NoConsent))
        ),
        "{refused:?}"
    );
    cache
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO consent (customer_id, channel, purpose, granted, recorded_at, source)
                 VALUES ('C1', 'phone', 'marketing', 1, '2026-10-01T10:00:00Z', 'store')",
            )?;
            Ok(())
        })
        .unwrap();
    let before = tasks::lists(&cache, "S001", "A1", Scope::Mine, today(), 50).unwrap();
    assert_eq!(before.upcoming.len(), 1, "her birthday task");

    // Nobody answered: not a contact. Then she answered: the quiet period starts.
    call(&cache, "K1", CallOutcome::NoAnswer, "2026-11-01T10:00:00Z").unwrap();
    call(&cache, "K2", CallOutcome::Reached, "2026-11-01T10:05:00Z").unwrap();
    let again = call(&cache, "K3", CallOutcome::Reached, "2026-11-07T10:00:00Z");
    match again {
        Err(Error::ContactRefused(ContactRefusal::QuietPeriod { last_contact })) => {
            assert_eq!(last_contact, "2026-11-01T10:05:00.000Z");
        }
        other => panic!("{other:?}"),
    }
    // A week later she may be called again.
    call(&cache, "K4", CallOutcome::Voicemail, "2026-11-08T10:06:00Z").unwrap();
    let timeline: Vec<(String, Option<CallOutcome>)> = outreach::timeline(&cache, "C1")
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.outcome))
        .collect();
    assert_eq!(
        timeline,
        [
            ("K4".to_owned(), Some(CallOutcome::Voicemail)),
            ("K2".to_owned(), Some(CallOutcome::Reached)),
            ("K1".to_owned(), Some(CallOutcome::NoAnswer)),
        ]
    );
    assert_eq!(
        outbox::entries(&cache).unwrap().len(),
        3,
        "the refused calls were not queued"
    );

    // While the quiet period lasts, no task asks to contact her.
    tasks::refresh(&cache, "S001", today()).unwrap();
    let during = tasks::lists(&cache, "S001", "A1", Scope::Mine, today(), 50).unwrap();
    assert_eq!(during.total, 0, "{during:#?}");

    // A contact from another device arrives with the feed; her erasure takes them all.
    let cursor = changes::cursor(&cache).unwrap();
    let record = Record::Outreach(OutreachRecord {
        id: "K9".into(),
        customer_id: "C1".into(),
        channel: "phone".into(),
        task_id: None,
        advisor_id: Some("B7".into()),
        at: "2026-11-09T09:00:00Z".into(),
        outcome: Some(CallOutcome::Reached),
    });
    changes::apply_page(&cache, &[Change::Upsert { record }], &cursor).unwrap();
    assert_eq!(outreach::timeline(&cache, "C1").unwrap()[0].id, "K9");
    let cursor = changes::cursor(&cache).unwrap();
    let erase = Change::Delete {
        entity: Entity::Customer,
        id: "C1".into(),
    };
    changes::apply_page(&cache, &[erase], &cursor).unwrap();
    assert!(outreach::timeline(&cache, "C1").unwrap().is_empty());
}
