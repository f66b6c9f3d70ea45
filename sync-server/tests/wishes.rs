//! Wishes pushed by devices: a product of the catalogue (an unknown one refused), in the
//! store's feed for its devices, in her access export, removed by a tombstone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::{MutationKind, Outcome, Record, reject};
use common::*;

fn wish(seq: u64, id: &str, product: Option<&str>) -> carnet_protocol::Mutation {
    mutation(
        seq,
        "2024-08-01T10:00:00Z",
        MutationKind::Wish {
            wish_id: id.into(),
            customer_id: "C0000001".into(),
            product_id: product.map(Into::into),
            note: Some("pour sa fille".into()),
        },
    )
}

#[tokio::test]
async fn a_wish_reaches_the_stores_devices_and_her_access_export() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let device = server.device("S001").await;
    let other = server.device("S001").await;
    let (_, start, _) = other.pull_all("S001", "", 5000).await;

    let r = device
        .push(
            "S001",
            vec![
                wish(1, "W1", Some("P999999")),
                wish(2, "W1", Some("P000003")),
            ],
        )
        .await;
    assert_eq!(
        rejected_code(&r.results[0].outcome),
        reject::UNKNOWN_PRODUCT
    );
    assert_eq!(r.results[1].outcome, Outcome::Applied);
    let (changes, cursor, _) = other.pull_all("S001", &start, 5000).await;
    let wishes: Vec<(String, String, Option<String>)> = upserts(&changes)
        .into_iter()
        .filter_map(|r| match r {
            Record::Wish(w) => Some((w.id.clone(), w.product_id.clone(), w.note.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        wishes,
        [("W1".into(), "P000003".into(), Some("pour sa fille".into()))]
    );
    let export = access_export(&server.data, "C0000001");
    assert_eq!(export["wishes"][0]["product_id"], "P000003");

    // Removed: a tombstone for the other devices.
    let r = device.push("S001", vec![wish(3, "W1", None)]).await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let (changes, _, _) = other.pull_all("S001", &cursor, 5000).await;
    assert_eq!(deletes(&changes), [("wish".to_owned(), "W1".to_owned())]);
}
