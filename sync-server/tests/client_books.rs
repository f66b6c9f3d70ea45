//! A manager changes client books through the admin API and the command line: one customer to
//! another advisor, a leaver's whole book handed over. The devices receive the change with
//! their next pull, a later CRM import does not undo it, and bad requests change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_fixtures::format::Advisor;
use carnet_protocol::presence::HandedOver;
use carnet_protocol::{Change, Record};
use common::provisioned::Provisioned;
use common::{cli, cli_in, import, upserts};
use reqwest::Method;

/// Each customer's advisor in `changes`, by customer id.
fn books(changes: &[Change]) -> Vec<(String, Option<String>)> {
    upserts(changes)
        .into_iter()
        .filter_map(|r| match r {
            Record::Customer(c) => Some((c.id.clone(), c.advisor_id.clone())),
            _ => None,
        })
        .collect()
}

fn advisor(id: &str, store: &str, left_on: Option<&str>) -> Advisor {
    Advisor {
        id: id.into(),
        store_id: store.into(),
        first_name: "Test".into(),
        last_name: id.into(),
        hired_on: "2020-01-01".into(),
        left_on: left_on.map(Into::into),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_reassigns_books_and_devices_see_it_and_imports_keep_it() {
    let mut office = Provisioned::new();
    // The CRM's records: A1 keeps six of S001's customers; B9 left; C1 works in S002.
    let mut data = common::data();
    data.advisors = vec![
        advisor("A1", "S001", None),
        advisor("A2", "S001", None),
        advisor("B9", "S001", Some("2024-01-01")),
        advisor("C1", "S002", None),
    ];
    let mut hers = Vec::new();
    for c in data
        .customers
        .iter_mut()
        .filter(|c| c.home_store_id == "S001")
        .take(6)
    {
        c.advisor_id = Some("A1".into());
        hers.push(c.id.clone());
    }
    let export = office.dir.path().join("export-books");
    data.write(&export);
    import(std::path::Path::new(&office.data()), &export);
    let device = office.raw_device("S001").await;
    let (changes, cursor, _) = device.pull_all("S001", "", 1000).await;
    let in_book: Vec<String> = books(&changes)
        .into_iter()
        .filter(|(_, a)| a.as_deref() == Some("A1"))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(in_book.len(), 6);

    // One customer to A2: 204, and the device's next pull has her in A2's book.
    let r = office
        .admin(
            Method::POST,
            &format!("/v1/admin/customers/{}/advisor", hers[0]),
        )
        .json(&serde_json::json!({"advisor_id": "A2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (delta, cursor, _) = device.pull_all("S001", &cursor, 1000).await;
    assert_eq!(books(&delta), vec![(hers[0].clone(), Some("A2".into()))]);

    // Bad requests: another store's customer (as unknown), an advisor who left or works
    // elsewhere, a body with an unknown field. Nothing changes.
    let s002 = data
        .customers
        .iter()
        .find(|c| c.home_store_id == "S002")
        .unwrap()
        .id
        .clone();
    for (path, body, status) in [
        (
            format!("/v1/admin/customers/{s002}/advisor"),
            serde_json::json!({"advisor_id": "A2"}),
            404,
        ),
        (
            "/v1/admin/customers/C9999999/advisor".into(),
            serde_json::json!({"advisor_id": "A2"}),
            404,
        ),
        (
            format!("/v1/admin/customers/{}/advisor", hers[1]),
            serde_json::json!({"advisor_id": "B9"}),
            404,
        ),
        (
            format!("/v1/admin/customers/{}/advisor", hers[1]),
            serde_json::json!({"advisor_id": "C1"}),
            404,
        ),
        (
            format!("/v1/admin/customers/{}/advisor", hers[1]),
            serde_json::json!({"advisor": "A2"}),
            400,
        ),
        (
            "/v1/admin/advisors/A1/book".into(),
            serde_json::json!({"to": "A1"}),
            400,
        ),
    ] {
        let r = office
            .admin(Method::POST, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{path} {body}");
    }
    let (nothing, cursor, _) = device.pull_all("S001", &cursor, 1000).await;
    assert!(books(&nothing).is_empty(), "{:?}", books(&nothing));

    // A1 leaves: her whole book (the five left) goes to A2.
    let r = office
        .admin(Method::POST, "/v1/admin/advisors/A1/book")
        .json(&serde_json::json!({"to": "A2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let handed: HandedOver = r.json().await.unwrap();
    assert_eq!(handed.moved, 5);
    let (delta, cursor, _) = device.pull_all("S001", &cursor, 1000).await;
    let moved = books(&delta);
    assert_eq!(moved.len(), 5);
    assert!(moved.iter().all(|(_, a)| a.as_deref() == Some("A2")));

    // The CRM changes one of them (a new phone, changed before the hand-over) and still says
    // A1: the import takes the phone and keeps the book the manager set.
    let mut crm = data.clone();
    let changed = crm.customers.iter_mut().find(|c| c.id == hers[1]).unwrap();
    changed.phone = Some("06 11 22 33 44".into());
    changed.updated_at = "2024-07-01T00:00:00Z".into();
    let export2 = office.dir.path().join("export-books-2");
    crm.write(&export2);
    let out = import(std::path::Path::new(&office.data()), &export2);
    assert!(out.contains("customer: 0 new, 1 changed"), "{out}");
    let (after_import, cursor, _) = device.pull_all("S001", &cursor, 1000).await;
    let again: Vec<&carnet_protocol::Customer> = upserts(&after_import)
        .into_iter()
        .filter_map(|r| match r {
            Record::Customer(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, hers[1]);
    assert_eq!(again[0].phone.as_deref(), Some("06 11 22 33 44"));
    assert_eq!(again[0].advisor_id.as_deref(), Some("A2"));

    // From the command line: one customer to no book, then A2's book back to A1.
    let data_dir = office.data();
    cli(&[
        "advisor",
        "give-client",
        "--data",
        &data_dir,
        "--store",
        "S001",
        &hers[0],
    ]);
    let hand_over = |from: &str, to: &str| {
        let args = [
            "advisor",
            "hand-over",
            "--data",
            &data_dir,
            "--store",
            "S001",
            from,
            "--to",
            to,
        ];
        cli_in(&args, "")
    };
    let (ok, out, err) = hand_over("A2", "A1");
    assert!(ok, "{err}");
    assert!(out.starts_with("5 customers of A2"), "{out}");
    let (delta, _, _) = device.pull_all("S001", &cursor, 1000).await;
    let mut now: Vec<(String, Option<String>)> = books(&delta);
    now.sort();
    let mut want: Vec<(String, Option<String>)> = hers[1..]
        .iter()
        .map(|id| (id.clone(), Some("A1".to_owned())))
        .collect();
    want.push((hers[0].clone(), None));
    want.sort();
    assert_eq!(now, want);
    // A hand-over to an advisor of another store is refused, and says why.
    let (ok, _, err) = hand_over("A1", "C1");
    assert!(!ok);
    assert!(err.contains("no advisor C1 working in store S001"), "{err}");
    office.assert_clean_log();
}
