//! The manager's per-advisor results for a month, through the admin API and the command line:
//! tasks done, customers reached and the sales attributed by the core's last-touch rule, from
//! what devices pushed; each advisor's book and its active share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::presence::{AdvisorResults, StoreResults};
use carnet_protocol::{CallOutcome, Mutation, MutationKind, Outcome, TaskAction};
use common::provisioned::{PIN_A1, PIN_A2, Provisioned};
use common::*;
use reqwest::Method;

fn as_advisor(advisor: &str, seq: u64, made_at: &str, change: MutationKind) -> Mutation {
    let mut m = mutation(seq, made_at, change);
    m.advisor_id = Some(advisor.into());
    m
}

fn phone_consent(customer: &str) -> MutationKind {
    MutationKind::Consent {
        customer_id: customer.into(),
        channel: "phone".into(),
        purpose: "marketing".into(),
        granted: true,
        source: "store".into(),
    }
}

fn call(customer: &str, id: &str, outcome: CallOutcome) -> MutationKind {
    MutationKind::Call {
        outreach_id: id.into(),
        customer_id: customer.into(),
        task_id: None,
        outcome,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manager_sees_each_advisors_month_and_the_sales_her_contacts_brought() {
    let mut office = Provisioned::new();
    let device = office.raw_device("S001").await;
    for (advisor, pin) in [("A1", PIN_A1), ("A2", PIN_A2)] {
        let r = device.sign_in(advisor, pin).await;
        assert_eq!(r.status(), 200);
    }
    // Every S001 customer bought 5 lines of 15 € on one receipt on 1 May 2024, 12:00 UTC.
    let pushed = vec![
        as_advisor("A1", 1, "2024-04-01T09:00:00Z", phone_consent("C0000001")),
        as_advisor("A1", 2, "2024-04-01T09:00:00Z", phone_consent("C0000006")),
        as_advisor("A1", 3, "2024-04-01T09:00:00Z", phone_consent("C0000011")),
        // C0000001: A1 reached her 6 days before: the receipt is A1's.
        as_advisor(
            "A1",
            4,
            "2024-04-25T10:00:00Z",
            call("C0000001", "K1", CallOutcome::Reached),
        ),
        // C0000006: A2 reached her, then A1 later: A1's (the later contact).
        as_advisor(
            "A2",
            5,
            "2024-04-18T10:00:00Z",
            call("C0000006", "K2", CallOutcome::Reached),
        ),
        as_advisor(
            "A1",
            6,
            "2024-04-28T10:00:00Z",
            call("C0000006", "K3", CallOutcome::Voicemail),
        ),
        // C0000011: A2 reached her 21 days before: nobody's.
        as_advisor(
            "A2",
            7,
            "2024-04-10T10:00:00Z",
            call("C0000011", "K4", CallOutcome::Reached),
        ),
        // In May, A2 reaches C0000011 again and does a task; a call nobody answered reaches no one.
        as_advisor(
            "A2",
            8,
            "2024-05-03T10:00:00Z",
            call("C0000011", "K5", CallOutcome::Reached),
        ),
        as_advisor(
            "A1",
            9,
            "2024-05-03T10:00:00Z",
            call("C0000001", "K6", CallOutcome::NoAnswer),
        ),
        as_advisor(
            "A2",
            10,
            "2024-05-03T10:05:00Z",
            MutationKind::Task {
                task_id: "lapsing:C0000011:2024-04-01".into(),
                customer_id: "C0000011".into(),
                action: TaskAction::Done,
            },
        ),
    ];
    let r = device.push("S001", pushed).await;
    assert!(
        r.results.iter().all(|r| r.outcome == Outcome::Applied),
        "{r:?}"
    );
    // C0000001 and C0000006 are in A1's book.
    for customer in ["C0000001", "C0000006"] {
        let r = office
            .admin(
                Method::POST,
                &format!("/v1/admin/customers/{customer}/advisor"),
            )
            .json(&serde_json::json!({"advisor_id": "A1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }

    let may: StoreResults = office.admin_get("/v1/admin/results?month=2024-05").await;
    assert_eq!(
        (may.store_id.as_str(), may.month.as_str()),
        ("S001", "2024-05")
    );
    let row = |id: &str| {
        may.advisors
            .iter()
            .find(|a| a.advisor_id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        row("A1"),
        AdvisorResults {
            advisor_id: "A1".into(),
            name: Some("Alice Martinez".into()),
            tasks_done: 0,
            customers_reached: 0,
            attributed_cents: 2 * 5 * 1500,
            attributed_receipts: 2,
            book_size: 2,
            book_active: 2,
            tasks_open: 0,
        }
    );
    let a2 = row("A2");
    assert_eq!(
        (
            a2.tasks_done,
            a2.customers_reached,
            a2.attributed_cents,
            a2.book_size
        ),
        (1, 1, 0, 0)
    );
    // April: who reached whom; the sales were in May.
    let april: StoreResults = office.admin_get("/v1/admin/results?month=2024-04").await;
    let reached: Vec<(String, u32, i64)> = april
        .advisors
        .iter()
        .map(|a| {
            (
                a.advisor_id.clone(),
                a.customers_reached,
                a.attributed_cents,
            )
        })
        .collect();
    assert_eq!(reached, [("A1".to_owned(), 2, 0), ("A2".to_owned(), 2, 0)]);

    // A month that is not one: 400, and another store's manager sees only hers.
    let r = office
        .admin(Method::GET, "/v1/admin/results?month=2024-13")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = office
        .admin_as(Method::GET, "/v1/admin/results", "not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // The command line prints the same table.
    let out = cli(&[
        "advisor",
        "results",
        "--data",
        &office.data(),
        "--store",
        "S001",
        "--month",
        "2024-05",
    ]);
    assert!(
        out.lines()
            .any(|l| l == "A1\tAlice Martinez\t0\t0\t150.00\t2\t2\t2\t0"),
        "{out}"
    );
}
