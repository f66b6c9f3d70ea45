//! Calls pushed by devices, checked by the server against the whole chain whatever the device
//! knew: her consent to calls as the server keeps it, her erasure, and the quiet period after
//! a contact by anyone (a call nobody answered is not one). A call recorded is on the card's
//! timeline of every device of the store, and in her access export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::{CallOutcome, Mutation, MutationKind, Outcome, Record, reject};
use common::*;

fn call(seq: u64, made_at: &str, customer: &str, id: &str, outcome: CallOutcome) -> Mutation {
    mutation(
        seq,
        made_at,
        MutationKind::Call {
            outreach_id: id.into(),
            customer_id: customer.into(),
            task_id: Some(format!("lapsing:{customer}:2024-01-01")),
            outcome,
        },
    )
}

fn phone_consent(seq: u64, customer: &str, granted: bool) -> Mutation {
    mutation(
        seq,
        "2024-08-01T09:00:00Z",
        MutationKind::Consent {
            customer_id: customer.into(),
            channel: "phone".into(),
            purpose: "marketing".into(),
            granted,
            source: "store".into(),
        },
    )
}

#[tokio::test]
async fn the_server_checks_consent_and_the_quiet_period_of_every_call() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let first = server.device("S001").await;
    let second = server.device("S001").await;
    let (_, start, _) = second.pull_all("S001", "", 5000).await;

    // No consent to calls yet (she gave e-mail only): refused, with the reason.
    let r = first
        .push(
            "S001",
            vec![call(
                1,
                "2024-08-01T10:00:00Z",
                "C0000001",
                "K1",
                CallOutcome::Reached,
            )],
        )
        .await;
    assert_eq!(rejected_code(&r.results[0].outcome), reject::NO_CONSENT);

    // She agrees to calls; a call nobody answers is logged but starts no quiet period; the
    // one she answers does, for every device of the chain.
    let r = first
        .push(
            "S001",
            vec![
                phone_consent(2, "C0000001", true),
                call(
                    3,
                    "2024-08-01T10:00:00Z",
                    "C0000001",
                    "K2",
                    CallOutcome::NoAnswer,
                ),
                call(
                    4,
                    "2024-08-01T11:00:00Z",
                    "C0000001",
                    "K3",
                    CallOutcome::Reached,
                ),
            ],
        )
        .await;
    let outcomes: Vec<&Outcome> = r.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(outcomes, [&Outcome::Applied; 3]);
    // The second device did not know: the server's answer wins.
    let r = second
        .push(
            "S001",
            vec![call(
                1,
                "2024-08-05T10:00:00Z",
                "C0000001",
                "K4",
                CallOutcome::Voicemail,
            )],
        )
        .await;
    assert_eq!(rejected_code(&r.results[0].outcome), reject::QUIET_PERIOD);
    if let Outcome::Rejected { reason, .. } = &r.results[0].outcome {
        assert!(
            reason.contains("2024-08-01") && reason.contains("7 days"),
            "{reason}"
        );
    }
    // The same contact pushed again is recorded once.
    let r = first
        .push(
            "S001",
            vec![call(
                5,
                "2024-08-01T11:00:00Z",
                "C0000001",
                "K3",
                CallOutcome::Reached,
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Superseded);
    // A week on, she may be called again.
    let r = second
        .push(
            "S001",
            vec![call(
                2,
                "2024-08-08T11:00:01Z",
                "C0000001",
                "K5",
                CallOutcome::Reached,
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);

    // The store's devices receive the calls for her timeline.
    let (delta, end, _) = second.pull_all("S001", &start, 100).await;
    let mut calls: Vec<(String, Option<CallOutcome>)> = upserts(&delta)
        .into_iter()
        .filter_map(|r| match r {
            Record::Outreach(o) => Some((o.id.clone(), o.outcome)),
            _ => None,
        })
        .collect();
    calls.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        calls,
        [
            ("K2".to_owned(), Some(CallOutcome::NoAnswer)),
            ("K3".to_owned(), Some(CallOutcome::Reached)),
            ("K5".to_owned(), Some(CallOutcome::Reached)),
        ]
    );
    let export = access_export(&env.data_dir(), "C0000001");
    assert_eq!(export["contacts"].as_array().unwrap().len(), 3);

    // Withdrawn between the device's check and the server's: refused.
    let r = first
        .push(
            "S001",
            vec![
                phone_consent(6, "C0000002", true),
                phone_consent(7, "C0000002", false),
                call(
                    8,
                    "2024-08-20T10:00:00Z",
                    "C0000002",
                    "K6",
                    CallOutcome::Reached,
                ),
            ],
        )
        .await;
    assert_eq!(rejected_code(&r.results[2].outcome), reject::NO_CONSENT);
    // Erased: refused as for every edit about her, and her calls are tombstones.
    cli(&[
        "customer",
        "erase",
        "--data",
        env.data_dir().to_str().unwrap(),
        "C0000001",
    ]);
    let r = first
        .push(
            "S001",
            vec![call(
                9,
                "2024-09-01T10:00:00Z",
                "C0000001",
                "K7",
                CallOutcome::Reached,
            )],
        )
        .await;
    assert_eq!(
        rejected_code(&r.results[0].outcome),
        reject::CUSTOMER_ERASED
    );
    let (delta, _, _) = second.pull_all("S001", &end, 100).await;
    let gone = deletes(&delta);
    assert!(
        gone.contains(&("outreach".to_owned(), "K3".to_owned())),
        "{gone:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_sets_its_quiet_period_and_its_devices_are_told() {
    use common::provisioned::{PIN_A1, Provisioned};
    let mut office = Provisioned::new();
    // Out of range: refused; 10 days: kept.
    for (days, status) in [(0, 400), (61, 400), (10, 200)] {
        let r = office
            .admin(reqwest::Method::PUT, "/v1/admin/store")
            .json(&serde_json::json!({ "quiet_period_days": days }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{days} days");
    }
    let device = office.raw_device("S001").await;
    let r = device.presence_raw(&device.presence_request()).await;
    assert_eq!(r.status(), 200);
    let answer: carnet_protocol::presence::PresenceResponse = r.json().await.unwrap();
    assert_eq!(answer.policy.quiet_period_days, 10);
    assert_eq!(device.sign_in("A1", PIN_A1).await.status(), 200);
    let as_a1 = |seq, made_at: &str, change| {
        let mut m = mutation(seq, made_at, change);
        m.advisor_id = Some("A1".into());
        m
    };
    let consent = MutationKind::Consent {
        customer_id: "C0000001".into(),
        channel: "phone".into(),
        purpose: "marketing".into(),
        granted: true,
        source: "store".into(),
    };
    let call = |id: &str| MutationKind::Call {
        outreach_id: id.into(),
        customer_id: "C0000001".into(),
        task_id: None,
        outcome: CallOutcome::Reached,
    };
    // Eight days after a call: within this store's 10 days, refused; eleven days: allowed.
    let r = device
        .push(
            "S001",
            vec![
                as_a1(1, "2024-08-01T09:00:00Z", consent),
                as_a1(2, "2024-08-01T10:00:00Z", call("K1")),
                as_a1(3, "2024-08-09T10:00:00Z", call("K2")),
                as_a1(4, "2024-08-12T10:00:01Z", call("K3")),
            ],
        )
        .await;
    assert_eq!(r.results[1].outcome, Outcome::Applied);
    assert_eq!(rejected_code(&r.results[2].outcome), reject::QUIET_PERIOD);
    if let Outcome::Rejected { reason, .. } = &r.results[2].outcome {
        assert!(reason.contains("within 10 days"), "{reason}");
    }
    assert_eq!(r.results[3].outcome, Outcome::Applied);
}
