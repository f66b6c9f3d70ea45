//! Contact edits and consent on the device, offline: the shared rules guard the outbox (nothing
//! invalid saved or queued, values stored normalised), consent is enforced from the cache.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::consent::{self, Channel, Purpose};
use carnet_core::{CacheKey, Error, outbox};
use carnet_protocol::{Address, ContactField, ContactValue, MutationKind, MutationResult, Outcome};
use chrono::Utc;
use support::Sample;

fn edit(customer: &str, field: ContactField, value: Option<&str>) -> MutationKind {
    MutationKind::ContactEdit {
        customer_id: customer.into(),
        field,
        value: value.map(|v| ContactValue::Text(v.into())),
    }
}

fn consent_change(customer: &str, channel: &str, purpose: &str, granted: bool) -> MutationKind {
    MutationKind::Consent {
        customer_id: customer.into(),
        channel: channel.into(),
        purpose: purpose.into(),
        granted,
        source: "store".into(),
    }
}

#[test]
fn contact_edits_are_validated_normalised_and_queued_normalised() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let now = Utc::now();

    // Invalid: refused with the field and a suggestion; nothing saved, nothing queued.
    let refused = outbox::record(
        &cache,
        edit("C1", ContactField::Email, Some("helene@gmial.com")),
        Some("A1"),
        now,
    );
    let Err(Error::InvalidField(e)) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(e.field, ContactField::Email);
    assert_eq!(e.suggestion.as_deref(), Some("gmail.com"));
    for bad in [
        edit("C1", ContactField::Phone, Some("06 12 34")),
        edit("C1", ContactField::Language, Some("french")),
        edit("C1", ContactField::LastName, Some("  ")),
        MutationKind::ContactEdit {
            customer_id: "C1".into(),
            field: ContactField::Address,
            value: Some(ContactValue::Address(Address {
                line1: "1 rue A".into(),
                postal_code: "7501".into(),
                city: "Paris".into(),
                country: "FR".into(),
            })),
        },
    ] {
        assert!(matches!(
            outbox::record(&cache, bad, None, now),
            Err(Error::InvalidField(_))
        ));
    }
    assert!(outbox::entries(&cache).unwrap().is_empty());
    let email: Option<String> = cache
        .read(|c| {
            Ok(
                c.query_row("SELECT email FROM customer WHERE id = 'C1'", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(email.as_deref(), Some("helene.dupont@example.fr"));

    // Valid: stored and queued in the normalised form.
    outbox::record(
        &cache,
        edit("C1", ContactField::Phone, Some("07 81 22 33 44")),
        None,
        now,
    )
    .unwrap();
    outbox::record(
        &cache,
        edit("C1", ContactField::Email, Some(" Helene.D@Orange.FR ")),
        None,
        now,
    )
    .unwrap();
    let (phone, phone_e164, email): (String, String, String) = cache
        .read(|c| {
            Ok(c.query_row(
                "SELECT phone, phone_e164, email FROM customer WHERE id = 'C1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap();
    assert_eq!(
        (phone.as_str(), phone_e164.as_str()),
        ("+33781223344", "+33781223344")
    );
    assert_eq!(email, "Helene.D@orange.fr");
    let queued = outbox::pending(&cache, 10).unwrap();
    assert_eq!(
        queued[0].change,
        edit("C1", ContactField::Phone, Some("+33781223344"))
    );
    // Found by phone in any format at once.
    assert_eq!(
        carnet_core::lookup::by_phone(&cache, "0781223344", "FR").unwrap()[0].id,
        "C1"
    );
    // She moved and married: a name search shows her new name and city at once.
    outbox::record(
        &cache,
        MutationKind::ContactEdit {
            customer_id: "C1".into(),
            field: ContactField::Address,
            value: Some(ContactValue::Address(Address {
                line1: "2 quai Saint-Vincent".into(),
                postal_code: "69001".into(),
                city: "Lyon".into(),
                country: "FR".into(),
            })),
        },
        None,
        now,
    )
    .unwrap();
    outbox::record(
        &cache,
        edit("C1", ContactField::LastName, Some("Moreau-Dupont")),
        None,
        now,
    )
    .unwrap();
    let found = carnet_core::lookup::by_name(&cache, "moreau 69001", 5).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].id.as_str(),
            found[0].last_name.as_str(),
            found[0].city.as_str()
        ),
        ("C1", "Moreau-Dupont", "Lyon")
    );
    // Clearing the e-mail is valid.
    outbox::record(&cache, edit("C1", ContactField::Email, None), None, now).unwrap();
    // An unknown customer is not found.
    assert!(matches!(
        outbox::record(&cache, edit("C9", ContactField::Email, None), None, now),
        Err(Error::NotFound)
    ));
}

#[test]
fn consent_is_enforced_offline_and_withdrawn_channels_are_not_offered() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let now = Utc::now();
    // The sample grants marketing and personalisation by e-mail only.
    assert!(consent::allows(
        &cache,
        "C1",
        Purpose::Personalisation,
        None
    ));
    assert!(consent::allows(
        &cache,
        "C1",
        Purpose::Marketing,
        Some(Channel::Email)
    ));
    assert!(!consent::allows(
        &cache,
        "C1",
        Purpose::Marketing,
        Some(Channel::Sms)
    ));
    assert!(consent::allows(&cache, "C1", Purpose::Marketing, None));
    assert!(!consent::allows(&cache, "C9", Purpose::Marketing, None));
    let offered = consent::outreach(&cache, "C1", Purpose::Marketing).unwrap();
    assert_eq!(offered.email.as_deref(), Some("helene.dupont@example.fr"));
    assert_eq!(
        (offered.sms, offered.phone, offered.post),
        (None, None, None)
    );

    // Offline: the advisor records the withdrawal; it holds at once, with who recorded it.
    outbox::record(
        &cache,
        consent_change("C1", "email", "personalisation", false),
        Some("A7"),
        now,
    )
    .unwrap();
    outbox::record(
        &cache,
        consent_change("C1", "email", "marketing", false),
        Some("A7"),
        now,
    )
    .unwrap();
    outbox::record(
        &cache,
        consent_change("C1", "sms", "marketing", true),
        Some("A7"),
        now,
    )
    .unwrap();
    assert!(!consent::allows(
        &cache,
        "C1",
        Purpose::Personalisation,
        None
    ));
    assert!(!consent::allows(
        &cache,
        "C1",
        Purpose::Marketing,
        Some(Channel::Email)
    ));
    let offered = consent::outreach(&cache, "C1", Purpose::Marketing).unwrap();
    assert_eq!(offered.email, None, "a withdrawn channel is not offered");
    assert_eq!(offered.sms.as_deref(), Some("+33612345678"));
    let states = consent::states(&cache, "C1").unwrap();
    let withdrawn = states
        .iter()
        .find(|s| s.channel == "email" && s.purpose == "personalisation")
        .unwrap();
    assert!(!withdrawn.granted);
    assert_eq!(withdrawn.advisor_id.as_deref(), Some("A7"));
    assert_eq!(withdrawn.source, "store");
    // Other customers are untouched.
    assert!(consent::allows(
        &cache,
        "C4",
        Purpose::Personalisation,
        None
    ));
    // An unknown channel is refused before anything is saved.
    assert!(matches!(
        outbox::record(
            &cache,
            consent_change("C1", "fax", "marketing", true),
            None,
            now
        ),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(outbox::pending(&cache, 10).unwrap().len(), 3);
}

#[test]
fn pending_edits_follow_the_numbering_a_restored_server_expects() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let now = Utc::now();
    let email = |v: &str| edit("C1", ContactField::Email, Some(v));
    // Five edits; the first two were acknowledged (they leave the outbox), one rejected.
    let seqs: Vec<u64> = (1..=5)
        .map(|i| outbox::record(&cache, email(&format!("h{i}@example.fr")), None, now).unwrap())
        .collect();
    outbox::record_results(
        &cache,
        &[
            MutationResult {
                seq: seqs[0],
                outcome: Outcome::Applied,
            },
            MutationResult {
                seq: seqs[1],
                outcome: Outcome::Rejected {
                    code: "invalid_value".into(),
                    reason: "test".into(),
                    detail: None,
                },
            },
            MutationResult {
                seq: seqs[2],
                outcome: Outcome::Applied,
            },
        ],
    )
    .unwrap();
    let wire = |c: &carnet_core::Cache| -> Vec<u64> {
        outbox::pending(c, 10)
            .unwrap()
            .iter()
            .map(|m| m.seq)
            .collect()
    };
    assert_eq!(wire(&cache), vec![seqs[3], seqs[4]]);

    // A server that expects a higher number than the outbox holds cannot be answered by
    // renumbering; nor can one that expects exactly what comes next.
    assert!(!outbox::follow_server_numbering(&cache, seqs[4] + 1).unwrap());
    assert!(!outbox::follow_server_numbering(&cache, seqs[3]).unwrap());
    assert_eq!(wire(&cache), vec![seqs[3], seqs[4]]);

    // The server lost everything it acknowledged (or knows the device anew): it expects 1.
    assert!(outbox::follow_server_numbering(&cache, 1).unwrap());
    assert_eq!(wire(&cache), vec![1, 2], "the same edits, in order, from 1");
    let bodies: Vec<_> = outbox::pending(&cache, 10)
        .unwrap()
        .into_iter()
        .map(|m| m.change)
        .collect();
    assert_eq!(bodies, vec![email("h4@example.fr"), email("h5@example.fr")]);
    // A new edit follows on; answers in the server's numbering reach the right edits.
    let later = outbox::record(&cache, email("h6@example.fr"), None, now).unwrap();
    assert_eq!(wire(&cache), vec![1, 2, 3]);
    outbox::record_results(
        &cache,
        &[
            MutationResult {
                seq: 1,
                outcome: Outcome::Applied,
            },
            MutationResult {
                seq: 2,
                outcome: Outcome::Applied,
            },
        ],
    )
    .unwrap();
    let left: Vec<u64> = outbox::entries(&cache)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(
        left,
        vec![later, seqs[1]],
        "pending h6, then the rejected one"
    );
    assert_eq!(wire(&cache), vec![3]);
}
