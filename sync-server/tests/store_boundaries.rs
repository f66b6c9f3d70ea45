//! Store boundaries tell nothing: pushes and admin calls about another store's customer,
//! purchase, device, advisor or network are answered exactly as about ones that do not exist,
//! and a refused registration never says where its card or id is taken.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_fixtures::Export;
use carnet_fixtures::format::{PurchaseLine, files};
use carnet_protocol::{
    ContactField, ContactValue, Customer, FeedbackVerdict, MutationKind, Outcome, reject,
};
use common::provisioned::Provisioned;
use common::store::TinyStore;
use common::{Device, api_error, cli, mutation};
use reqwest::Method;

/// The answers to the same mutations about `theirs` (another store's) and `nobodys` (unknown).
async fn side_by_side(api: &Device, seq: &mut u64, changes: &[(MutationKind, MutationKind)]) {
    let mut mutations = Vec::new();
    for (theirs, nobodys) in changes {
        for change in [theirs, nobodys] {
            *seq += 1;
            mutations.push(mutation(*seq, "2024-08-01T10:00:00Z", change.clone()));
        }
    }
    let results = api.push("S001", mutations).await.results;
    for pair in results.chunks(2) {
        assert!(
            matches!(pair[0].outcome, Outcome::Rejected { .. }),
            "{pair:?}"
        );
        assert_eq!(pair[0].outcome, pair[1].outcome, "{changes:?}");
    }
}

fn edit(customer: &str) -> MutationKind {
    MutationKind::ContactEdit {
        customer_id: customer.into(),
        field: ContactField::Phone,
        value: Some(ContactValue::Text("06 12 34 56 78".into())),
    }
}

/// A registration on a Paris handheld: `like`'s details under another id and card.
fn registration(like: &Customer, id: &str, card: &str) -> MutationKind {
    let mut c = like.clone();
    c.id = id.into();
    c.card = card.into();
    c.email = None;
    c.phone = None;
    c.consents.clear();
    MutationKind::CreateCustomer {
        customer: Box::new(c),
    }
}

/// An EAN-13 with a right check digit, from its first 12 digits.
fn ean13(first12: &str) -> String {
    let sum: u32 = first12
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{first12}{}", (10 - sum % 10) % 10)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_stores_customers_and_purchases_are_answered_as_unknown_ones() {
    let setup = TinyStore::new().await;
    let paris = &setup.device;
    let lyon = setup.server.device("S002").await;
    let customers = setup.customers();
    let mine = customers
        .iter()
        .find(|c| c.home_store_id == "S001")
        .unwrap();
    let theirs = customers
        .iter()
        .find(|c| c.home_store_id == "S002")
        .unwrap();
    let their_purchase = Export::open(&setup.export)
        .unwrap()
        .records::<PurchaseLine>(files::PURCHASES)
        .unwrap()
        .map(Result::unwrap)
        .find(|p| p.customer_id == theirs.id)
        .unwrap()
        .id;
    let consent = |c: &str| MutationKind::Consent {
        customer_id: c.into(),
        channel: "sms".into(),
        purpose: "marketing".into(),
        granted: true,
        source: "store".into(),
    };
    let feedback = |c: &str| MutationKind::Feedback {
        customer_id: c.into(),
        product_id: "P000001".into(),
        verdict: FeedbackVerdict::Like,
    };
    let view = |c: &str| MutationKind::ProfileView {
        customer_id: c.into(),
    };
    let gift = |p: &str| MutationKind::GiftFlag {
        purchase_id: p.into(),
        gift: true,
    };
    let nobody = "C9999999";
    let mut seq = 0;
    side_by_side(
        paris,
        &mut seq,
        &[
            (edit(&theirs.id), edit(nobody)),
            (consent(&theirs.id), consent(nobody)),
            (feedback(&theirs.id), feedback(nobody)),
            (view(&theirs.id), view(nobody)),
            (gift(&their_purchase), gift("R-NOBODY-1")),
        ],
    )
    .await;
    // Erased: her own store is told so, another store hears of nobody.
    cli(&["customer", "erase", "--data", setup.data(), &theirs.id]);
    side_by_side(paris, &mut seq, &[(edit(&theirs.id), edit(nobody))]).await;
    let told = lyon
        .push(
            "S002",
            vec![mutation(1, "2024-08-01T10:00:00Z", edit(&theirs.id))],
        )
        .await;
    assert!(
        matches!(&told.results[0].outcome, Outcome::Rejected { code, .. } if code == reject::CUSTOMER_ERASED),
        "{told:?}"
    );
    // A registration whose card is taken, here or in another store, or whose id was
    // erased: one answer, which does not say where.
    let other_lyon = customers
        .iter()
        .find(|c| c.home_store_id == "S002" && c.id != theirs.id)
        .unwrap();
    let taken = [
        registration(mine, "C-NEW-1", &other_lyon.card),
        registration(mine, "C-NEW-2", &mine.card),
        registration(mine, &theirs.id, &ean13("290000000001")),
    ];
    let mutations = taken
        .into_iter()
        .map(|change| {
            seq += 1;
            mutation(seq, "2024-08-01T10:00:00Z", change)
        })
        .collect();
    for r in paris.push("S001", mutations).await.results {
        assert_eq!(
            r.outcome,
            Outcome::Rejected {
                code: reject::ALREADY_EXISTS.into(),
                reason: "a customer with this id or card already exists".into(),
                detail: None,
            }
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_calls_answer_the_same_for_another_stores_ids_as_for_unknown_ones() {
    let mut env = Provisioned::new();
    let lyon_device = env.raw_device("S002").await;
    cli(&[
        "store",
        "network",
        "add",
        "--data",
        &env.data(),
        "--store",
        "S002",
        "--cidr",
        "10.20.0.0/16",
    ]);
    let answer = |method: Method, path: String| {
        let request = env.admin(method, &path);
        async move {
            let r = request
                .json(&carnet_protocol::presence::PinReset { pin: "5678".into() })
                .send()
                .await
                .unwrap();
            api_error(r).await
        }
    };
    // (another store's, nobody's): the answers differ only by the id they repeat.
    let pairs = [
        (
            Method::POST,
            "/v1/admin/devices/{}/revoke",
            lyon_device.id.as_str(),
            "dev-000000000000",
        ),
        (
            Method::POST,
            "/v1/admin/devices/{}/wipe",
            lyon_device.id.as_str(),
            "dev-000000000000",
        ),
        (Method::POST, "/v1/admin/advisors/{}/disable", "C1", "Z9"),
        (Method::POST, "/v1/admin/advisors/{}/reset", "C1", "Z9"),
        (Method::POST, "/v1/admin/advisors/{}/unlock", "C1", "Z9"),
        (
            Method::DELETE,
            "/v1/admin/networks/{}/16",
            "10.20.0.0",
            "10.30.0.0",
        ),
    ];
    for (method, path, theirs, nobodys) in pairs {
        let (status, e) = answer(method.clone(), path.replace("{}", theirs)).await;
        let (status2, e2) = answer(method, path.replace("{}", nobodys)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!((status, e.error.clone()), (status2, e2.error), "{path}");
        assert_eq!(e.message.replace(theirs, nobodys), e2.message, "{path}");
        assert!(e.message.ends_with("in store S001"), "{}", e.message);
    }
    // Nothing of S002 was touched, nor is listed to S001's manager.
    assert_eq!(lyon_device.pull_raw("S002", "", 1).await.status(), 200);
    let devices: Vec<carnet_protocol::presence::DeviceInfo> =
        env.admin_get("/v1/admin/devices").await;
    assert!(devices.iter().all(|d| d.store_id == "S001"));
    let advisors: Vec<carnet_protocol::presence::AdvisorInfo> =
        env.admin_get("/v1/admin/advisors").await;
    assert!(
        advisors
            .iter()
            .all(|a| a.store_id == "S001" && a.advisor_id != "C1")
    );
    let listed = cli(&["advisor", "list", "--data", &env.data(), "--store", "S002"]);
    assert!(listed.contains("C1\tChiara Lombardi\tactive"), "{listed}");
    env.assert_clean_log();
}
