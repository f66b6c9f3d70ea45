//! Calls logged and messages sent from the device: refused without consent to the channel (or
//! an address for it) and within the quiet period after a contact (a call nobody answered is
//! not one), on her card's timeline, and no task asks to contact her while the quiet period
//! lasts. A message is drafted from the template in her language.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::outreach::{self, ContactRefusal};
use carnet_core::tasks::{self, Scope};
use carnet_core::{Cache, CacheKey, Error, changes, outbox};
use carnet_protocol::{
    CallOutcome, Change, Delivery, DeliveryState, Entity, MessageChannel, MessageText,
    MutationKind, OutreachRecord, Record,
};
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
        Err(Error::ContactRefused(ContactRefusal::QuietPeriod { last_contact, days })) => {
            assert_eq!(
                (last_contact.as_str(), days),
                ("2026-11-01T10:05:00.000Z", 7)
            );
        }
        other => panic!("{other:?}"),
    }
    // A store whose quiet period is 10 days: still too soon a week later.
    cache.set_quiet_period_days(10);
    let store_rule = call(&cache, "K4", CallOutcome::Voicemail, "2026-11-08T10:06:00Z");
    assert!(
        matches!(
            store_rule,
            Err(Error::ContactRefused(ContactRefusal::QuietPeriod {
                days: 10,
                ..
            }))
        ),
        "{store_rule:?}"
    );
    cache.set_quiet_period_days(7);
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
        message: None,
        delivery: None,
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

fn send(
    cache: &Cache,
    customer: &str,
    id: &str,
    channel: MessageChannel,
    text: MessageText,
) -> carnet_core::Result<u64> {
    outbox::record(
        cache,
        MutationKind::Message {
            outreach_id: id.into(),
            customer_id: customer.into(),
            task_id: None,
            channel,
            text,
            product_ids: vec!["P01".into()],
        },
        Some("A1"),
        "2026-11-02T10:00:00Z".parse().unwrap(),
    )
}

#[test]
fn a_message_is_drafted_in_her_language_and_waits_on_her_card_until_the_server_sends_it() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let writer = outreach::Writer {
        advisor_id: Some("A1"),
        store_id: "S001",
    };
    let products = ["P01".to_owned()];
    let draft = cache
        .read(|c| outreach::draft(c, "C1", MessageChannel::Email, None, &products, &writer))
        .unwrap();
    assert_eq!(draft.language, "fr");
    assert_eq!(
        draft.text.subject.as_deref(),
        Some("Paris Rivoli : un mot de Alice")
    );
    assert_eq!(
        draft.text.body,
        "Bonjour Hélène, c'est Alice de Paris Rivoli. Je pense à vous : Rouge Velours. \
         Au plaisir de vous revoir !"
    );
    // Niccolò speaks Italian; an SMS has no subject.
    let sms = cache
        .read(|c| outreach::draft(c, "C3", MessageChannel::Sms, None, &products, &writer))
        .unwrap();
    assert_eq!(sms.language, "it");
    assert_eq!(sms.text.subject, None);
    assert!(
        sms.text.body.starts_with("Buongiorno Niccolò, sono Alice"),
        "{}",
        sms.text.body
    );

    // No consent to SMS: refused. E-mails allowed but no address on file (C2): refused with
    // its own reason.
    let refused = send(&cache, "C1", "K1", MessageChannel::Sms, sms.text.clone());
    assert!(
        matches!(
            refused,
            Err(Error::ContactRefused(ContactRefusal::NoConsent))
        ),
        "{refused:?}"
    );
    let refused = send(
        &cache,
        "C2",
        "K2",
        MessageChannel::Email,
        draft.text.clone(),
    );
    assert!(
        matches!(
            refused,
            Err(Error::ContactRefused(ContactRefusal::NoAddress))
        ),
        "{refused:?}"
    );
    // Text that does not fit the channel: refused before anything is kept.
    let no_subject = MessageText {
        subject: None,
        body: "Bonjour".into(),
    };
    let refused = send(&cache, "C1", "K3", MessageChannel::Email, no_subject);
    assert!(
        matches!(refused, Err(Error::InvalidInput(_))),
        "{refused:?}"
    );

    // Sent (as edited): on her card, pending until the server says, and a contact already.
    let mut edited = draft.text.clone();
    edited.body.push_str(" Alice");
    send(&cache, "C1", "K4", MessageChannel::Email, edited.clone()).unwrap();
    let card = outreach::timeline(&cache, "C1").unwrap();
    assert_eq!(card.len(), 1);
    assert_eq!(card[0].channel, "email");
    assert_eq!(card[0].message.as_ref(), Some(&edited));
    assert_eq!(
        card[0].delivery.as_ref().unwrap().state,
        DeliveryState::Pending
    );
    assert_eq!(
        outbox::entries(&cache).unwrap().len(),
        1,
        "only the one sent"
    );
    let again = send(&cache, "C1", "K5", MessageChannel::Email, edited.clone());
    assert!(
        matches!(
            again,
            Err(Error::ContactRefused(ContactRefusal::QuietPeriod { .. }))
        ),
        "{again:?}"
    );

    // The server's word arrives with the feed: sent, after two attempts.
    let cursor = changes::cursor(&cache).unwrap();
    let record = Record::Outreach(OutreachRecord {
        id: "K4".into(),
        customer_id: "C1".into(),
        channel: "email".into(),
        task_id: None,
        advisor_id: Some("A1".into()),
        at: "2026-11-02T10:00:00.000Z".into(),
        outcome: None,
        message: Some(edited),
        delivery: Some(Delivery {
            state: DeliveryState::Sent,
            attempts: 2,
            at: Some("2026-11-02T10:03:00Z".into()),
            error: Some("the connection to the mail relay failed".into()),
        }),
    });
    changes::apply_page(&cache, &[Change::Upsert { record }], &cursor).unwrap();
    let delivery = outreach::timeline(&cache, "C1").unwrap()[0]
        .delivery
        .clone()
        .unwrap();
    assert_eq!(
        (delivery.state, delivery.attempts),
        (DeliveryState::Sent, 2)
    );
}

#[test]
fn a_call_and_the_task_it_completes_stand_or_fall_together() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    cache
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO consent (customer_id, channel, purpose, granted, recorded_at, source)
                 VALUES ('C1', 'phone', 'marketing', 1, '2026-10-01T10:00:00Z', 'store')",
            )?;
            Ok(())
        })
        .unwrap();
    let task = "birthday:C1:2026-11-05";
    let task_edit = |action| MutationKind::Task {
        task_id: task.into(),
        customer_id: "C1".into(),
        action,
    };
    let at = "2026-11-01T10:00:00Z".parse().unwrap();
    outbox::record(
        &cache,
        task_edit(carnet_protocol::TaskAction::Take),
        Some("B7"),
        at,
    )
    .unwrap();
    // A1 calls her for the task B7 took: the task is refused, and so is the call.
    let call = MutationKind::Call {
        outreach_id: "K1".into(),
        customer_id: "C1".into(),
        task_id: Some(task.into()),
        outcome: CallOutcome::Reached,
    };
    let refused = outbox::record_together(
        &cache,
        vec![call.clone(), task_edit(carnet_protocol::TaskAction::Done)],
        Some("A1"),
        at,
    );
    assert!(
        matches!(refused, Err(Error::TaskTaken { .. })),
        "{refused:?}"
    );
    assert!(outreach::timeline(&cache, "C1").unwrap().is_empty());
    assert_eq!(outbox::entries(&cache).unwrap().len(), 1, "B7's take only");
    // B7 calls: both kept, in order.
    let seqs = outbox::record_together(
        &cache,
        vec![call, task_edit(carnet_protocol::TaskAction::Done)],
        Some("B7"),
        at,
    )
    .unwrap();
    assert_eq!(seqs.len(), 2);
    assert!(seqs[0] < seqs[1]);
    assert_eq!(outreach::timeline(&cache, "C1").unwrap().len(), 1);
}

#[test]
fn a_stores_template_replaces_carnets_for_its_purpose_and_language() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let cursor = changes::cursor(&cache).unwrap();
    let record = Record::Template(carnet_protocol::TemplateRecord {
        id: "S001/general/fr".into(),
        store_id: "S001".into(),
        purpose: "general".into(),
        language: "fr".into(),
        subject: "{store_name} pense à vous".into(),
        body: "Chère {first_name}, {advisor_name} vous conseille {products}.".into(),
        updated_at: "2026-11-01T10:00:00Z".into(),
    });
    changes::apply_page(&cache, &[Change::Upsert { record }], &cursor).unwrap();
    let writer = outreach::Writer {
        advisor_id: Some("A1"),
        store_id: "S001",
    };
    let products = ["P01".to_owned()];
    let draft = |customer| {
        cache
            .read(|c| outreach::draft(c, customer, MessageChannel::Email, None, &products, &writer))
            .unwrap()
    };
    // Hélène speaks French: the store's; Niccolò speaks Italian: still Carnet's.
    let french = draft("C1");
    assert_eq!(
        french.text.subject.as_deref(),
        Some("Paris Rivoli pense à vous")
    );
    assert_eq!(
        french.text.body,
        "Chère Hélène, Alice vous conseille Rouge Velours."
    );
    assert!(draft("C3").text.body.starts_with("Buongiorno Niccolò"));
    // Removed from the feed: Carnet's again.
    let cursor = changes::cursor(&cache).unwrap();
    let delete = Change::Delete {
        entity: Entity::Template,
        id: "S001/general/fr".into(),
    };
    changes::apply_page(&cache, &[delete], &cursor).unwrap();
    assert!(
        draft("C1")
            .text
            .body
            .starts_with("Bonjour Hélène, c'est Alice")
    );
}
