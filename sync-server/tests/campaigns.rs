//! Head office defines campaigns from the command line: checked, counted in each store of
//! their scope, refused when they target nobody or name what does not exist; every device
//! receives a campaign defined, and nothing of a refused one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::{CampaignRecord, Record};
use common::*;

fn campaign(id: &str, target: serde_json::Value, stores: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "title": "Christmas gift sets",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-24",
        "target": target,
        "messages": {"fr": "Bonjour {first_name}, nos coffrets sont arrivés", "en": "Hello"},
        "product_ids": ["P000001"],
        "stores": stores,
    })
}

/// Defines `campaign` through the CLI: (success, stdout, stderr).
fn define(env: &Env, campaign: &serde_json::Value) -> (bool, String, String) {
    let file = env.dir.path().join("campaign.json");
    std::fs::write(&file, serde_json::to_vec(campaign).unwrap()).unwrap();
    let data = env.data_dir();
    cli_in(
        &[
            "campaign",
            "add",
            "--data",
            data.to_str().unwrap(),
            "--file",
            file.to_str().unwrap(),
        ],
        "",
    )
}

fn campaigns(changes: &[carnet_protocol::Change]) -> Vec<CampaignRecord> {
    upserts(changes)
        .into_iter()
        .filter_map(|r| match r {
            Record::Campaign(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_campaign_is_counted_per_store_and_reaches_every_device_and_bad_ones_nothing() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let s1 = server.device("S001").await;
    let s2 = server.device("S002").await;
    let (_, start1, _) = s1.pull_all("S001", "", 5000).await;
    let (_, start2, _) = s2.pull_all("S002", "", 5000).await;

    // Refused, each with its reason, and nothing sent.
    let gold = serde_json::json!({"kind": "tier", "tier": "gold"});
    let nobody = campaign(
        "NOBODY",
        serde_json::json!({"kind": "tier", "tier": "platinum"}),
        &[],
    );
    let mut too_many = campaign("MANY", gold.clone(), &[]);
    too_many["product_ids"] = (1..=11).map(|i| format!("P{i:06}")).collect();
    let mut unknown_product = campaign("UNKNOWN", gold.clone(), &[]);
    unknown_product["product_ids"] = serde_json::json!(["P999999"]);
    let mut bad_language = campaign("DE", gold.clone(), &[]);
    bad_language["messages"] = serde_json::json!({"de": "Hallo"});
    for (bad, says) in [
        (nobody, "targets no customer in its 3 store(s)"),
        (too_many, "at most 10 products"),
        (unknown_product, "no product P999999"),
        (bad_language, "fr, en or it"),
        (
            campaign("NOWHERE", gold.clone(), &["S404"]),
            "no store S404",
        ),
    ] {
        let (ok, _, err) = define(&env, &bad);
        assert!(!ok && err.contains(says), "{bad}: {err}");
    }
    let (delta, _, _) = s1.pull_all("S001", &start1, 100).await;
    assert!(campaigns(&delta).is_empty(), "{delta:?}");

    // A campaign for S001's gold customers: counted there only, received by every device.
    let (ok, out, err) = define(&env, &campaign("XMAS26", gold, &["S001"]));
    assert!(ok, "{err}");
    assert!(out.contains("S001\t180 customers targeted"), "{out}");
    assert!(out.contains("campaign XMAS26 sent to 1 store(s)"), "{out}");
    let (delta, _, _) = s1.pull_all("S001", &start1, 100).await;
    let got = campaigns(&delta);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].id.as_str(), got[0].stores.as_slice()),
        ("XMAS26", &["S001".to_owned()][..])
    );
    assert!(got[0].is_for("S001") && !got[0].is_for("S002"));
    let (delta, _, _) = s2.pull_all("S002", &start2, 100).await;
    assert_eq!(
        campaigns(&delta).len(),
        1,
        "the catalogue reaches S002; its devices keep out"
    );

    // Brand buyers of the whole chain are counted from their purchases.
    let buyers = campaign(
        "BRAND",
        serde_json::json!({"kind": "brand_buyers", "brand_id": "B001"}),
        &[],
    );
    let (ok, out, err) = define(&env, &buyers);
    assert!(ok, "{err}");
    let counted: Vec<u64> = out
        .lines()
        .filter_map(|l| l.split('\t').nth(1)?.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(counted.len(), 3, "{out}");
    assert!(counted.iter().sum::<u64>() > 0, "{out}");

    let listed = cli(&[
        "campaign",
        "list",
        "--data",
        env.data_dir().to_str().unwrap(),
    ]);
    assert!(
        listed.contains("BRAND\t2026-12-01 to 2026-12-24\tevery store"),
        "{listed}"
    );
    assert!(
        listed.contains("XMAS26\t2026-12-01 to 2026-12-24\tS001"),
        "{listed}"
    );
}
