//! Push: idempotence, sequence gaps, limits, the conflict policy case by case, erasure,
//! read-your-writes and the profile-view audit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::{
    Address, Change, ContactField, ContactValue, Customer, FeedbackVerdict, MutationKind, Outcome,
    Record, codes, reject,
};
use common::*;

fn edit(customer: &str, field: ContactField, value: Option<&str>) -> MutationKind {
    MutationKind::ContactEdit {
        customer_id: customer.into(),
        field,
        value: value.map(|v| ContactValue::Text(v.into())),
    }
}

fn customer_in(changes: &[carnet_protocol::Change], id: &str) -> Option<Customer> {
    upserts(changes).into_iter().rev().find_map(|r| match r {
        Record::Customer(c) if c.id == id => Some(c.clone()),
        _ => None,
    })
}

fn rejected_code(o: &Outcome) -> &str {
    match o {
        Outcome::Rejected { code, .. } => code,
        _ => panic!("not rejected: {o:?}"),
    }
}

#[tokio::test]
async fn the_same_push_twice_is_applied_once_and_gaps_are_refused() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let (_, start, _) = api.pull_all("S001", "", 5000).await;
    let batch = vec![
        mutation(
            1,
            "2024-08-01T10:00:00Z",
            edit("C0000001", ContactField::Phone, Some("06 11 22 33 44")),
        ),
        mutation(
            2,
            "2024-08-01T10:01:00Z",
            MutationKind::Consent {
                customer_id: "C0000001".into(),
                channel: "sms".into(),
                purpose: "marketing".into(),
                granted: true,
                source: "store".into(),
            },
        ),
        mutation(
            3,
            "2024-08-01T10:02:00Z",
            edit("C0000004", ContactField::Phone, Some("06 22 33 44 55")),
        ),
    ];
    let first = api.push("S001", batch.clone()).await;
    assert_eq!(first.results.len(), 3);
    assert_eq!(first.results[0].outcome, Outcome::Applied);
    assert_eq!(first.results[1].outcome, Outcome::Applied);
    // C0000004 is another store's customer: unknown here, and it did not block anything.
    assert_eq!(
        rejected_code(&first.results[2].outcome),
        reject::UNKNOWN_CUSTOMER
    );
    let (after_first, mid, _) = api.pull_all("S001", &start, 100).await;
    assert_eq!(
        after_first.len(),
        1,
        "one feed row per changed entity, the latest state"
    );
    // The same batch again (the answer was lost): same outcomes, nothing re-applied.
    let second = api.push("S001", batch.clone()).await;
    assert_eq!(second, first);
    assert!(api.pull_all("S001", &mid, 100).await.0.is_empty());
    let c = customer_in(&after_first, "C0000001").unwrap();
    assert_eq!(c.consents.iter().filter(|k| k.channel == "sms").count(), 1);
    // Duplicates mixed with the next seq: only seq 4 is new.
    let mut mixed = batch[1..].to_vec();
    mixed.push(mutation(
        4,
        "2024-08-01T10:03:00Z",
        edit("C0000001", ContactField::Email, None),
    ));
    let third = api.push("S001", mixed).await;
    assert_eq!(third.results[0], first.results[1]);
    assert_eq!(third.results[2].outcome, Outcome::Applied);
    // A gap: the server expects 5.
    let r = api
        .push_raw(
            "S001",
            vec![mutation(
                6,
                "2024-08-01T10:04:00Z",
                edit("C0000001", ContactField::Phone, Some("07")),
            )],
        )
        .await;
    let (status, err) = api_error(r).await;
    assert_eq!((status, err.error.as_str()), (409, codes::SEQUENCE_GAP));
    assert_eq!(err.expected_seq, Some(5));
    // Nothing of a refused push was applied.
    let (tail, _, _) = api.pull_all("S001", &mid, 100).await;
    let c = customer_in(&tail, "C0000001").unwrap();
    assert_eq!(c.phone.as_deref(), Some("+33611223344"));
    assert_eq!(c.email, None);
}

#[tokio::test]
async fn oversized_and_malformed_pushes_are_refused() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let many: Vec<_> = (1..=1001)
        .map(|i| {
            mutation(
                i,
                "2024-08-01T10:00:00Z",
                MutationKind::ProfileView {
                    customer_id: "C0000001".into(),
                },
            )
        })
        .collect();
    let (status, err) = api_error(api.push_raw("S001", many).await).await;
    assert_eq!(
        (status, err.error.as_str()),
        (413, codes::PAYLOAD_TOO_LARGE)
    );
    let long = "x".repeat(2 << 20);
    let big = vec![mutation(
        1,
        "2024-08-01T10:00:00Z",
        edit("C0000001", ContactField::Phone, Some(&long)),
    )];
    let (status, err) = api_error(api.push_raw("S001", big).await).await;
    assert_eq!(
        (status, err.error.as_str()),
        (413, codes::PAYLOAD_TOO_LARGE)
    );
    for body in ["{not json", "{\"mutations\": [{\"seq\": 1}]}", "[]"] {
        let request = api
            .post(&carnet_protocol::mutations_path("S001"))
            .header("content-type", "application/json")
            .body(body);
        let r = api.send(request).await;
        let (status, err) = api_error(r).await;
        assert_eq!(
            (status, err.error.as_str()),
            (400, codes::BAD_REQUEST),
            "{body}"
        );
    }
    let zero = vec![mutation(
        0,
        "2024-08-01T10:00:00Z",
        MutationKind::ProfileView {
            customer_id: "C0000001".into(),
        },
    )];
    assert_eq!(api.push_raw("S001", zero).await.status(), 400);
    // None of it counted: seq 1 is still expected.
    let ok = api
        .push(
            "S001",
            vec![mutation(
                1,
                "2024-08-01T10:00:00Z",
                MutationKind::ProfileView {
                    customer_id: "C0000001".into(),
                },
            )],
        )
        .await;
    assert_eq!(ok.results[0].outcome, Outcome::Applied);
}

#[tokio::test]
async fn contact_fields_merge_field_by_field_on_the_edit_time() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let a = server.device("S001").await;
    let b = server.device("S001").await;
    let (_, start, _) = a.pull_all("S001", "", 5000).await;
    // Older than the CRM's own update (2024-06-01): superseded.
    let r = a
        .push(
            "S001",
            vec![mutation(
                1,
                "2024-05-01T00:00:00Z",
                edit("C0000001", ContactField::Email, Some("old@x.fr")),
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Superseded);
    // Nothing changed, but her current record is sent again so that the device, which shows
    // its own edit, reverts to the server's value.
    let resent = a.pull_all("S001", &start, 100).await.0;
    assert_eq!(resent.len(), 1);
    assert!(matches!(
        &resent[0],
        Change::Upsert { record: Record::Customer(c) }
            if c.id == "C0000001" && c.email.as_deref() == Some("client1@example.com")
    ));
    // A edits the e-mail at 12:00; B edited it at 11:00 but syncs later: superseded.
    // B's phone edit at 11:00 touches another field: applied. Both survive.
    let r = a
        .push(
            "S001",
            vec![mutation(
                2,
                "2024-08-01T12:00:00+02:00",
                edit("C0000001", ContactField::Email, Some("a@x.fr")),
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let r = b
        .push(
            "S001",
            vec![
                mutation(
                    1,
                    "2024-08-01T11:00:00+02:00",
                    edit("C0000001", ContactField::Email, Some("b@x.fr")),
                ),
                mutation(
                    2,
                    "2024-08-01T11:00:00+02:00",
                    edit("C0000001", ContactField::Phone, Some("06 12 34 56 78")),
                ),
            ],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Superseded);
    assert_eq!(r.results[1].outcome, Outcome::Applied);
    // A newer edit from B wins (times compare across offsets: 10:30Z is 12:30+02:00).
    let r = b
        .push(
            "S001",
            vec![mutation(
                3,
                "2024-08-01T10:30:00Z",
                edit("C0000001", ContactField::Email, Some("b2@x.fr")),
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let address = Address {
        line1: "2 rue Neuve".into(),
        postal_code: "75002".into(),
        city: "Paris".into(),
        country: "FR".into(),
    };
    let r = a
        .push(
            "S001",
            vec![
                mutation(
                    3,
                    "2024-08-02T09:00:00Z",
                    MutationKind::ContactEdit {
                        customer_id: "C0000001".into(),
                        field: ContactField::Address,
                        value: Some(ContactValue::Address(address.clone())),
                    },
                ),
                mutation(
                    4,
                    "2024-08-02T09:00:00Z",
                    edit("C0000001", ContactField::Address, Some("text")),
                ),
                mutation(
                    5,
                    "2024-08-02T09:00:00Z",
                    edit("C0000001", ContactField::LastName, None),
                ),
                mutation(
                    6,
                    "2024-08-02T09:00:00Z",
                    edit("C0000001", ContactField::Language, Some("french")),
                ),
                mutation(
                    7,
                    "not a time",
                    edit("C0000001", ContactField::Language, Some("en")),
                ),
                mutation(
                    8,
                    "2999-01-01T00:00:00Z",
                    edit("C0000001", ContactField::Language, Some("en")),
                ),
                mutation(
                    9,
                    "2024-08-02T09:00:00Z",
                    edit("C9999999", ContactField::Language, Some("en")),
                ),
                mutation(
                    10,
                    "2024-08-02T09:00:01Z",
                    edit("C0000001", ContactField::Language, Some("en")),
                ),
            ],
        )
        .await;
    let outcomes: Vec<_> = r.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(outcomes[0], &Outcome::Applied);
    for o in &outcomes[1..6] {
        assert_eq!(rejected_code(o), reject::INVALID_VALUE);
    }
    assert_eq!(rejected_code(outcomes[6]), reject::UNKNOWN_CUSTOMER);
    assert_eq!(
        outcomes[7],
        &Outcome::Applied,
        "a rejection never blocks the queue"
    );
    // Read-your-writes: the next pull shows the merged record.
    let (delta, _, _) = a.pull_all("S001", &start, 100).await;
    let c = customer_in(&delta, "C0000001").unwrap();
    assert_eq!(c.email.as_deref(), Some("b2@x.fr"));
    assert_eq!(c.phone.as_deref(), Some("+33612345678"));
    assert_eq!(c.address, address);
    assert_eq!(c.language, "en");
    assert_eq!(c.last_name, "Nomfamille1");
    // A later CRM import with an older update time keeps the devices' newer fields.
    let mut d = env.data.clone();
    d.customers[0].points = 999;
    d.customers[0].email = Some("crm@x.fr".into());
    d.customers[0].updated_at = "2024-07-01T00:00:00Z".into();
    let export2 = env.dir.path().join("export2");
    d.write(&export2);
    import(&env.data_dir(), &export2);
    let (delta, _, _) = a.pull_all("S001", &start, 100).await;
    let c = customer_in(&delta, "C0000001").unwrap();
    assert_eq!(c.points, 999);
    assert_eq!(c.email.as_deref(), Some("b2@x.fr"));
    assert_eq!(c.phone.as_deref(), Some("+33612345678"));
}

#[tokio::test]
async fn consent_is_recorded_at_the_server_time_and_flows_back() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let (_, start, _) = api.pull_all("S001", "", 5000).await;
    let consent = |seq, granted, made_at: &str| {
        mutation(
            seq,
            made_at,
            MutationKind::Consent {
                customer_id: "C0000002".into(),
                channel: "email".into(),
                purpose: "marketing".into(),
                granted,
                source: "store".into(),
            },
        )
    };
    // Withdrawn, then (with an older device time) granted again: the server's order decides.
    let r = api
        .push(
            "S001",
            vec![
                consent(1, false, "2024-08-01T12:00:00Z"),
                consent(2, true, "2024-08-01T09:00:00Z"),
                mutation(
                    3,
                    "2024-08-01T12:00:00Z",
                    MutationKind::Consent {
                        customer_id: "C0000002".into(),
                        channel: "pigeon".into(),
                        purpose: "marketing".into(),
                        granted: true,
                        source: "store".into(),
                    },
                ),
            ],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    assert_eq!(r.results[1].outcome, Outcome::Applied);
    assert_eq!(rejected_code(&r.results[2].outcome), reject::INVALID_VALUE);
    let (delta, _, _) = api.pull_all("S001", &start, 100).await;
    let c = customer_in(&delta, "C0000002").unwrap();
    let k = c.consents.iter().find(|k| k.channel == "email").unwrap();
    assert!(k.granted);
    assert_eq!(k.source, "store");
    assert!(
        k.recorded_at.as_str() > "2025-01-01",
        "recorded at the server's time: {}",
        k.recorded_at
    );
    assert_eq!(c.consents.len(), 1);
}

#[tokio::test]
async fn a_registration_with_a_malformed_card_is_refused_and_a_typed_one_is_stored_as_digits() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let (_, start, _) = api.pull_all("S001", "", 5000).await;
    let card = carnet_fixtures::ean::with_check_digit("299000000077");
    let register = |seq, id: &str, card: String| {
        mutation(
            seq,
            "2024-08-01T12:00:00Z",
            MutationKind::CreateCustomer {
                customer: Box::new(Customer {
                    id: id.into(),
                    card,
                    first_name: "Zoé".into(),
                    last_name: "Quintard".into(),
                    email: None,
                    phone: None,
                    address: Address {
                        line1: "4 rue Neuve".into(),
                        postal_code: "75003".into(),
                        city: "Paris".into(),
                        country: "FR".into(),
                    },
                    language: "fr".into(),
                    home_store_id: "S001".into(),
                    tier: "essentiel".into(),
                    points: 0,
                    customer_type: "individual".into(),
                    segment: String::new(),
                    consents: vec![],
                    created_on: "2024-08-01".into(),
                    updated_at: "2024-08-01T12:00:00Z".into(),
                    advisor_id: None,
                    birthday: None,
                }),
            },
        )
    };
    let mut wrong_check_digit = card.clone();
    wrong_check_digit.replace_range(12.., if card.ends_with('0') { "1" } else { "0" });
    let r = api
        .push(
            "S001",
            vec![
                register(1, "N-BAD-1", "not a card".into()),
                register(2, "N-BAD-2", wrong_check_digit),
                register(
                    3,
                    "N-OK",
                    format!("{} {}-{}", &card[..3], &card[3..8], &card[8..]),
                ),
                // The same card again, typed bare: one card, one customer.
                register(4, "N-AGAIN", card.clone()),
            ],
        )
        .await;
    assert_eq!(rejected_code(&r.results[0].outcome), reject::INVALID_VALUE);
    assert_eq!(rejected_code(&r.results[1].outcome), reject::INVALID_VALUE);
    assert_eq!(r.results[2].outcome, Outcome::Applied);
    assert_eq!(rejected_code(&r.results[3].outcome), reject::ALREADY_EXISTS);
    let (delta, _, _) = api.pull_all("S001", &start, 100).await;
    assert_eq!(customer_in(&delta, "N-OK").unwrap().card, card);
    assert!(customer_in(&delta, "N-BAD-1").is_none());
    assert!(customer_in(&delta, "N-AGAIN").is_none());
}

#[tokio::test]
async fn feedback_is_last_writer_wins_per_customer_and_product() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let (_, start, _) = api.pull_all("S001", "", 5000).await;
    let fb = |seq, verdict, at: &str, product: &str| {
        mutation(
            seq,
            at,
            MutationKind::Feedback {
                customer_id: "C0000002".into(),
                product_id: product.into(),
                verdict,
            },
        )
    };
    let r = api
        .push(
            "S001",
            vec![
                fb(1, FeedbackVerdict::Like, "2024-08-01T12:00:00Z", "P000001"),
                fb(
                    2,
                    FeedbackVerdict::Dislike,
                    "2024-08-01T11:00:00Z",
                    "P000001",
                ),
                fb(
                    3,
                    FeedbackVerdict::Dislike,
                    "2024-08-01T11:00:00Z",
                    "P000002",
                ),
                fb(4, FeedbackVerdict::Like, "2024-08-01T11:00:00Z", "P999999"),
            ],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    assert_eq!(r.results[1].outcome, Outcome::Superseded);
    assert_eq!(r.results[2].outcome, Outcome::Applied);
    assert_eq!(
        rejected_code(&r.results[3].outcome),
        reject::UNKNOWN_PRODUCT
    );
    let (delta, mid, _) = api.pull_all("S001", &start, 100).await;
    let fbs: Vec<_> = upserts(&delta)
        .into_iter()
        .filter_map(|r| match r {
            Record::Feedback(f) => Some(f.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fbs.len(), 2);
    let p1 = fbs.iter().find(|f| f.product_id == "P000001").unwrap();
    assert_eq!(p1.verdict, carnet_protocol::Verdict::Like);
    assert_eq!(p1.id, "C0000002:P000001");
    // Cleared later: a tombstone; an older like arriving afterwards does not bring it back.
    let r = api
        .push(
            "S001",
            vec![
                fb(
                    5,
                    FeedbackVerdict::Cleared,
                    "2024-08-02T00:00:00Z",
                    "P000001",
                ),
                fb(6, FeedbackVerdict::Like, "2024-08-01T23:00:00Z", "P000001"),
            ],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    assert_eq!(r.results[1].outcome, Outcome::Superseded);
    let (delta, _, _) = api.pull_all("S001", &mid, 100).await;
    assert_eq!(
        deletes(&delta),
        vec![("feedback".to_owned(), "C0000002:P000001".to_owned())]
    );
    assert!(upserts(&delta).is_empty());
}

#[tokio::test]
async fn gift_flags_flow_back_and_profile_views_are_audited_not_fed() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let device_id = api.id.clone();
    let (_, start, _) = api.pull_all("S001", "", 5000).await;
    let r = api
        .push(
            "S001",
            vec![
                mutation(
                    1,
                    "2024-08-01T10:00:00Z",
                    MutationKind::GiftFlag {
                        purchase_id: "R0000001-1".into(),
                        gift: true,
                    },
                ),
                mutation(
                    2,
                    "2024-08-01T09:00:00Z",
                    MutationKind::GiftFlag {
                        purchase_id: "R0000001-1".into(),
                        gift: false,
                    },
                ),
                mutation(
                    3,
                    "2024-08-01T10:00:00Z",
                    MutationKind::GiftFlag {
                        purchase_id: "R0000004-1".into(),
                        gift: true,
                    },
                ),
                mutation(
                    4,
                    "2024-08-01T10:00:00Z",
                    MutationKind::GiftFlag {
                        purchase_id: "R-none".into(),
                        gift: true,
                    },
                ),
                mutation(
                    5,
                    "2024-08-01T10:05:00+02:00",
                    MutationKind::ProfileView {
                        customer_id: "C0000001".into(),
                    },
                ),
            ],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    assert_eq!(r.results[1].outcome, Outcome::Superseded);
    assert_eq!(
        rejected_code(&r.results[2].outcome),
        reject::UNKNOWN_PURCHASE
    );
    assert_eq!(
        rejected_code(&r.results[3].outcome),
        reject::UNKNOWN_PURCHASE
    );
    assert_eq!(r.results[4].outcome, Outcome::Applied);
    let (delta, _, _) = api.pull_all("S001", &start, 100).await;
    assert_eq!(delta.len(), 1, "the view is not fed back");
    match &upserts(&delta)[0] {
        Record::Purchase(p) => assert!(p.gift && p.id == "R0000001-1"),
        other => panic!("{other:?}"),
    }
    let audit = cli(&[
        "audit",
        "--data",
        env.data_dir().to_str().unwrap(),
        "C0000001",
    ]);
    assert!(audit.contains(&device_id), "{audit}");
    assert!(
        audit.contains("(enrolled ") && audit.contains("A042"),
        "{audit}"
    );
    assert!(audit.contains("2024-08-01T08:05:00"), "{audit}");
}

#[tokio::test]
async fn erasure_tombstones_rejects_later_mutations_and_survives_reimport() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    // A stale device: synced once, then offline.
    let (_, stale, _) = api.pull_all("S001", "", 5000).await;
    let r = api
        .push(
            "S001",
            vec![mutation(
                1,
                "2024-08-01T10:00:00Z",
                MutationKind::Feedback {
                    customer_id: "C0000006".into(),
                    product_id: "P000001".into(),
                    verdict: FeedbackVerdict::Like,
                },
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let out = cli(&[
        "customer",
        "erase",
        "--data",
        env.data_dir().to_str().unwrap(),
        "C0000006",
    ]);
    assert!(out.contains("8 tombstones"), "{out}");
    let (delta, end, _) = api.pull_all("S001", &stale, 100).await;
    assert!(upserts(&delta).is_empty());
    let mut dels: Vec<_> = deletes(&delta);
    dels.sort();
    let mut expected = vec![
        ("customer".to_owned(), "C0000006".to_owned()),
        ("feedback".to_owned(), "C0000006:P000001".to_owned()),
        ("offer".to_owned(), "O0000006".to_owned()),
    ];
    expected.extend((1..=5).map(|j| ("purchase".to_owned(), format!("R0000006-{j}"))));
    expected.sort();
    assert_eq!(dels, expected);
    // Every later mutation about her is rejected, and the ones after still apply.
    let r = api
        .push(
            "S001",
            vec![
                mutation(
                    2,
                    "2024-09-01T10:00:00Z",
                    edit("C0000006", ContactField::Phone, Some("06")),
                ),
                mutation(
                    3,
                    "2024-09-01T10:00:00Z",
                    MutationKind::ProfileView {
                        customer_id: "C0000006".into(),
                    },
                ),
                mutation(
                    4,
                    "2024-09-01T10:00:00Z",
                    MutationKind::GiftFlag {
                        purchase_id: "R0000006-1".into(),
                        gift: true,
                    },
                ),
                mutation(
                    5,
                    "2024-09-01T10:00:00Z",
                    edit("C0000001", ContactField::Phone, Some("06 98 76 54 32")),
                ),
            ],
        )
        .await;
    assert_eq!(
        rejected_code(&r.results[0].outcome),
        reject::CUSTOMER_ERASED
    );
    assert_eq!(
        rejected_code(&r.results[1].outcome),
        reject::CUSTOMER_ERASED
    );
    assert_eq!(
        rejected_code(&r.results[2].outcome),
        reject::UNKNOWN_PURCHASE
    );
    assert_eq!(r.results[3].outcome, Outcome::Applied);
    let (_, end2, _) = api.pull_all("S001", &end, 100).await;
    // The CRM still exports her: the import skips her and says so.
    let out = import(&env.data_dir(), &env.export());
    assert!(
        out.contains("skipped: 1 erased customers, 6 records of erased customers"),
        "{out}"
    );
    let (delta, _, _) = api.pull_all("S001", &end2, 100).await;
    assert!(delta.is_empty(), "{delta:?}");
    let (full, _, _) = api.pull_all("S001", "", 5000).await;
    assert!(!upserts(&full).iter().any(|r| r.id().contains("0000006")));
    // Erasing twice is harmless.
    let out = cli(&[
        "customer",
        "erase",
        "--data",
        env.data_dir().to_str().unwrap(),
        "C0000006",
    ]);
    assert!(out.contains("already erased"));
}
