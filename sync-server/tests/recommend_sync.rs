//! The recommendation model end to end: the server builds it from the imported history and
//! ships it with the stores' policies; a device syncs, makes playlists offline, and the
//! advisor's dislike changes the next one at once, travels to the server and reaches a second
//! device of the store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_core::recommend;
use carnet_core::sync::SyncClient;
use carnet_core::{Cache, outbox};
use carnet_protocol::{FeedbackVerdict, MutationKind};
use chrono::NaiveDate;
use common::store::{STORE, TinyStore, full_sync};
use common::{ADVISOR, Device, Server, cli, import};

/// The clients of devices A (the store's first device) and B, on the server as it runs now
/// (a restarted server listens on another port).
fn clients(setup: &TinyStore, b: &Device) -> (SyncClient, SyncClient) {
    let base = &setup.server.base;
    (
        setup.device.at(base).sync_client(),
        b.at(base).sync_client(),
    )
}

/// A customer of the store with a few non-gift purchases who has not withdrawn consent.
fn a_regular(cache: &Cache) -> String {
    cache
        .read(|c| {
            Ok(c.query_row(
                "SELECT c.id FROM customer c
                 WHERE NOT EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = c.id
                                   AND k.purpose = 'personalisation' AND k.granted = 0)
                   AND (SELECT count(*) FROM purchase p
                        WHERE p.customer_id = c.id AND p.gift = 0) >= 4
                 ORDER BY c.id LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

fn feedback_rows(cache: &Cache, customer: &str) -> Vec<(String, String)> {
    cache
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT product_id, verdict FROM feedback WHERE customer_id = ?1 ORDER BY 1",
            )?;
            let rows = stmt
                .query_map([customer], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_ships_playlists_work_offline_and_feedback_reaches_the_other_device() {
    let mut setup = TinyStore::new().await;
    let (data, export) = (setup.data.clone(), setup.export.clone());
    let rules = setup.dir.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"suppress_sensitive": false, "stores": {"S002": {"suppress_sensitive": true}},
            "rules": [{"market": "IT", "target": {"category": "fragrance"}, "action": {"boost": 1.5}}]}"#,
    )
    .unwrap();
    let out = cli(&[
        "model",
        "build",
        "--data",
        setup.data(),
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(out.starts_with("model 1: "), "{out}");
    assert!(out.contains("policies written for"), "{out}");
    // The same export again changes nothing: no rebuild.
    assert!(!import(&data, &export).contains("rebuilt"));
    let device_b = setup.server.device(STORE).await;

    // Before its first sync the device says the model has not arrived.
    let (a, b) = (setup.device("a"), setup.device("bb"));
    assert_eq!(recommend::model_status(&a).unwrap().version, None);
    let (client_a, client_b) = clients(&setup, &device_b);
    full_sync(&a, &client_a).await;
    full_sync(&b, &client_b).await;
    let status = recommend::model_status(&a).unwrap();
    assert_eq!(status.version, Some(1));
    assert_eq!(status.rejected, None);

    // Offline from here: the server is gone.
    setup.server.kill();
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let customer = a_regular(&a);
    let first = recommend::playlist(&a, &customer, today, 10).unwrap();
    assert_eq!(first.withheld, None);
    assert!(!first.suggestions.is_empty());
    let due = recommend::repurchase_list(&a, &customer, today, 60).unwrap();
    assert_eq!(due.withheld, None);
    let forecast = recommend::visit_forecast(&a, &customer, today).unwrap();
    assert!(forecast.forecast.is_some());
    let top = first.suggestions[0].product.id.clone();
    outbox::record(
        &a,
        MutationKind::Feedback {
            customer_id: customer.clone(),
            product_id: top.clone(),
            verdict: FeedbackVerdict::Dislike,
        },
        Some(ADVISOR),
        chrono::Utc::now(),
    )
    .unwrap();
    let second = recommend::playlist(&a, &customer, today, 10).unwrap();
    assert!(second.suggestions.iter().all(|s| s.product.id != top));

    // Back on the store network: the dislike travels and reaches the other device.
    setup.server = Server::start(&data);
    let (client_a, client_b) = clients(&setup, &device_b);
    full_sync(&a, &client_a).await;
    assert!(
        outbox::entries(&a).unwrap().is_empty(),
        "the edit was applied"
    );
    assert!(feedback_rows(&b, &customer).is_empty());
    full_sync(&b, &client_b).await;
    assert_eq!(
        feedback_rows(&b, &customer),
        vec![(top.clone(), "dislike".to_owned())]
    );
    let on_b = recommend::playlist(&b, &customer, today, 10).unwrap();
    assert!(on_b.suggestions.iter().all(|s| s.product.id != top));

    // Next night's export has one more purchase: the import rebuilds the model and the
    // devices receive it with their next sync.
    setup.server.kill();
    let purchases = export.join(carnet_fixtures::format::files::PURCHASES);
    let text = std::fs::read_to_string(&purchases).unwrap();
    let mut line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    line["id"] = "P-NEXT-NIGHT".into();
    std::fs::write(&purchases, format!("{text}{line}\n")).unwrap();
    let out = import(&data, &export);
    assert!(out.contains("model 2 rebuilt"), "{out}");
    setup.server = Server::start(&data);
    full_sync(&a, &clients(&setup, &device_b).0).await;
    assert_eq!(recommend::model_status(&a).unwrap().version, Some(2));
}
