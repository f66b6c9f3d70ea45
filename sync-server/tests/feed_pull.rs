//! Pull: paging through a whole store, resuming, isolation between stores, protocol and auth
//! errors, re-import deltas, restart after SIGKILL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use carnet_protocol::{Change, Entity, HEADER_PROTOCOL, Record, codes};
use common::*;

fn count_by_entity(changes: &[Change]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for r in upserts(changes) {
        *out.entry(r.entity().as_str()).or_default() += 1;
    }
    out
}

#[tokio::test]
async fn pulls_page_through_the_whole_store_and_match_the_export() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let (changes, _, pages) = api.pull_all("S001", "", 100).await;
    let d = &env.data;
    let mine: BTreeSet<&str> = d
        .customers
        .iter()
        .filter(|c| c.home_store_id == "S001")
        .map(|c| c.id.as_str())
        .collect();
    let purchases = d
        .purchases
        .iter()
        .filter(|p| mine.contains(p.customer_id.as_str()))
        .count();
    let offers = d
        .offers
        .iter()
        .filter(|o| mine.contains(o.customer_id.as_str()))
        .count();
    let counts = count_by_entity(&changes);
    assert_eq!(counts["store"], 3);
    assert_eq!(counts["brand"], 3);
    assert_eq!(counts["category"], 2);
    assert_eq!(counts["product"], 20);
    assert_eq!(counts["customer"], mine.len());
    assert_eq!(counts["purchase"], purchases);
    assert_eq!(counts["offer"], offers);
    assert_eq!(mine.len(), 180);
    assert!(deletes(&changes).is_empty());
    let total = changes.len();
    assert_eq!(pages, total.div_ceil(100));
    // A few records, byte for byte.
    let recs = upserts(&changes);
    for c in d
        .customers
        .iter()
        .filter(|c| c.home_store_id == "S001")
        .step_by(37)
    {
        assert!(recs.contains(&&Record::Customer(c.clone())));
    }
    let p = d
        .purchases
        .iter()
        .find(|p| p.customer_id == "C0000001")
        .unwrap();
    assert!(recs.contains(&&Record::Purchase(p.clone())));
    // No other store's customer.
    assert!(recs.iter().all(|r| match r {
        Record::Customer(c) => c.home_store_id == "S001",
        _ => true,
    }));
}

#[tokio::test]
async fn cursor_resumes_and_bad_cursors_are_refused() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S002").await;
    let (all, end, _) = api.pull_all("S002", "", 10_000).await;
    // Stop after two pages, resume with another connection from the saved cursor.
    let first = api.pull("S002", "", 50).await;
    assert!(first.has_more);
    assert_eq!(first.remaining as usize, all.len() - 50);
    let second = api.pull("S002", &first.next_cursor, 50).await;
    assert_eq!(second.remaining as usize, all.len() - 100);
    let other = api.at(&server.base);
    let (rest, _, _) = other.pull_all("S002", &second.next_cursor, 50).await;
    let mut resumed = first.changes.clone();
    resumed.extend(second.changes);
    resumed.extend(rest);
    assert_eq!(resumed, all);
    // At the end: nothing more, and the cursor stays usable.
    let tail = api.pull("S002", &end, 100).await;
    assert!(tail.changes.is_empty());
    assert!(!tail.has_more);
    assert_eq!(tail.remaining, 0);
    // A cursor of another feed epoch.
    let foreign = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("0123456789abcdef:5");
    let (status, err) = api_error(api.pull_raw("S002", &foreign, 10).await).await;
    assert_eq!((status, err.error.as_str()), (410, codes::CURSOR_EXPIRED));
    let (status, err) = api_error(api.pull_raw("S002", "not a cursor!", 10).await).await;
    assert_eq!((status, err.error.as_str()), (400, codes::BAD_REQUEST));
    for limit in [0, 10_001] {
        let (status, _) = api_error(api.pull_raw("S002", "", limit).await).await;
        assert_eq!(status, 400);
    }
    // Default limit.
    let r = api
        .send(api.get(&carnet_protocol::changes_path("S002")))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn feed_compaction_expires_cursors_and_the_device_resets() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S003").await;
    let (before, end, _) = api.pull_all("S003", "", 1000).await;
    cli(&[
        "feed",
        "compact",
        "--data",
        env.data_dir().to_str().unwrap(),
    ]);
    let (status, err) = api_error(api.pull_raw("S003", &end, 10).await).await;
    assert_eq!((status, err.error.as_str()), (410, codes::CURSOR_EXPIRED));
    let (after, _, _) = api.pull_all("S003", "", 1000).await;
    assert_eq!(after, before);
}

#[tokio::test]
async fn responses_are_gzip_compressed_on_request() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let device = server.device("S001").await;
    // reqwest without its gzip decoder would show the raw encoding: ask by hand.
    carnet_protocol::pin::install_default_provider();
    let raw = device.with_client(
        reqwest::Client::builder()
            .use_preconfigured_tls(
                carnet_protocol::pin::client_config(&server.fingerprint).unwrap(),
            )
            .no_gzip()
            .build()
            .unwrap(),
    );
    let r = raw
        .send(
            raw.get(&carnet_protocol::changes_path("S001"))
                .header("accept-encoding", "gzip"),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let compressed = r.bytes().await.unwrap().len();
    let plain = device.pull_raw("S001", "", 5000).await;
    // The gzip-enabled client decodes transparently.
    let page: carnet_protocol::ChangePage = plain.json().await.unwrap();
    assert!(!page.changes.is_empty());
    assert!(compressed > 0);
}

#[tokio::test]
async fn stores_protocol_and_credentials_are_checked() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S002").await;
    // Another store's feed and mutations.
    let (status, err) = api_error(api.pull_raw("S001", "", 10).await).await;
    assert_eq!((status, err.error.as_str()), (403, codes::FORBIDDEN_STORE));
    let (status, err) = api_error(api.push_raw("S001", vec![]).await).await;
    assert_eq!((status, err.error.as_str()), (403, codes::FORBIDDEN_STORE));
    // Old or missing protocol version.
    let path = format!("{}{}", server.base, carnet_protocol::changes_path("S002"));
    for version in [None, Some("0"), Some("1"), Some("garbage")] {
        let mut req = api.http.get(&path);
        if let Some(v) = version {
            req = req.header(HEADER_PROTOCOL, v);
        }
        let (status, err) = api_error(api.send(req).await).await;
        assert_eq!((status, err.error.as_str()), (426, codes::UPGRADE_REQUIRED));
        assert!(err.message.contains("update Carnet"));
    }
    // No credentials, or a bearer token however it looks: 401.
    for bearer in [None, Some("carnet_not-a-token")] {
        let mut req = api.get(&carnet_protocol::changes_path("S002"));
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        let (status, err) = api_error(req.send().await.unwrap()).await;
        assert_eq!((status, err.error.as_str()), (401, codes::UNAUTHORIZED));
    }
    // Unknown route.
    let (status, _) = api_error(api.send(api.get("/v2/nothing")).await).await;
    assert_eq!(status, 404);
    // Revoked while the server runs: refused on the next request.
    assert_eq!(api.pull_raw("S002", "", 10).await.status(), 200);
    cli(&[
        "device",
        "revoke",
        "--data",
        env.data_dir().to_str().unwrap(),
        &api.id,
    ]);
    let (status, err) = api_error(api.pull_raw("S002", "", 10).await).await;
    assert_eq!((status, err.error.as_str()), (401, "device_revoked"));
    let (status, _) = api_error(api.push_raw("S002", vec![]).await).await;
    assert_eq!(status, 401);
    let listed = cli(&["device", "list", "--data", env.data_dir().to_str().unwrap()]);
    assert!(listed.contains(&api.id) && listed.contains("revoked"));
}

#[tokio::test]
async fn reimport_sends_only_changes_and_tombstones() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let paris = server.device("S001").await;
    let lyon = server.device("S002").await;
    let (_, paris_end, _) = paris.pull_all("S001", "", 5000).await;
    let (_, lyon_end, _) = lyon.pull_all("S002", "", 5000).await;

    // Same export again: nothing at all.
    let out = import(&env.data_dir(), &env.export());
    assert!(
        out.contains("customer: 0 new, 0 changed, 300 unchanged, 0 deleted"),
        "{out}"
    );
    assert!(paris.pull("S001", &paris_end, 100).await.changes.is_empty());

    let mut d = env.data.clone();
    // C0000001 (S001) gets a new e-mail; R0000002-1 (S001) disappears; C0000301 arrives in
    // S001; C0000005 moves from S003... no: C0000006 moves from S001 to S002.
    d.customers[0].email = Some("new@example.com".into());
    d.customers[0].updated_at = "2024-07-01T00:00:00Z".into();
    d.purchases.retain(|p| p.id != "R0000002-1");
    let mut newcomer = d.customers[1].clone();
    newcomer.id = "C0000301".into();
    d.customers.push(newcomer);
    let mut p = d.purchases[0].clone();
    p.id = "R0000301-1".into();
    p.customer_id = "C0000301".into();
    d.purchases.push(p);
    let moved = d.customers.iter_mut().find(|c| c.id == "C0000006").unwrap();
    assert_eq!(moved.home_store_id, "S001");
    moved.home_store_id = "S002".into();
    d.products[0].price_cents += 100;
    let export2 = env.dir.path().join("export2");
    d.write(&export2);
    let out = import(&env.data_dir(), &export2);
    assert!(
        out.contains("customer: 1 new, 2 changed, 298 unchanged, 0 deleted"),
        "{out}"
    );
    assert!(
        out.contains("purchase: 1 new, 0 changed, 1499 unchanged, 1 deleted"),
        "{out}"
    );
    assert!(
        out.contains("product: 0 new, 1 changed, 19 unchanged, 0 deleted"),
        "{out}"
    );
    assert!(out.contains("moved customers: 1"), "{out}");

    let (delta, _, _) = paris.pull_all("S001", &paris_end, 100).await;
    let ups: BTreeSet<String> = upserts(&delta)
        .iter()
        .map(|r| format!("{}:{}", r.entity().as_str(), r.id()))
        .collect();
    let expected_ups: BTreeSet<String> = [
        "product:P000001",
        "customer:C0000001",
        "customer:C0000301",
        "purchase:R0000301-1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_eq!(ups, expected_ups);
    let dels: BTreeSet<(String, String)> = deletes(&delta).into_iter().collect();
    let mut expected_dels: BTreeSet<(String, String)> = BTreeSet::new();
    expected_dels.insert(("purchase".into(), "R0000002-1".into()));
    expected_dels.insert(("customer".into(), "C0000006".into()));
    for j in 1..=5 {
        expected_dels.insert(("purchase".into(), format!("R0000006-{j}")));
    }
    expected_dels.insert(("offer".into(), "O0000006".into()));
    assert_eq!(dels, expected_dels);
    let updated = upserts(&delta)
        .into_iter()
        .find_map(|r| match r {
            Record::Customer(c) if c.id == "C0000001" => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(updated.email.as_deref(), Some("new@example.com"));

    // Lyon receives the moved customer with her records.
    let (delta, _, _) = lyon.pull_all("S002", &lyon_end, 100).await;
    let ups: BTreeSet<String> = upserts(&delta)
        .iter()
        .filter(|r| r.entity() != Entity::Product)
        .map(|r| format!("{}:{}", r.entity().as_str(), r.id()))
        .collect();
    assert_eq!(ups.len(), 7, "{ups:?}");
    assert!(ups.contains("customer:C0000006") && ups.contains("offer:O0000006"));
    assert!(deletes(&delta).is_empty());
    // A full pull of Paris no longer has her; the union is consistent.
    let (full, _, _) = paris.pull_all("S001", "", 5000).await;
    assert!(!upserts(&full).iter().any(|r| r.id() == "C0000006"));
}

#[tokio::test]
async fn a_server_killed_with_sigkill_serves_the_same_feed() {
    let env = Env::new();
    let mut server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let first = api.pull("S001", "", 200).await;
    let (before, end, _) = api.pull_all("S001", "", 300).await;
    // A push is in flight or just acknowledged when the process dies.
    let r = api
        .push(
            "S001",
            vec![mutation(
                1,
                "2024-08-01T10:00:00Z",
                carnet_protocol::MutationKind::ContactEdit {
                    customer_id: "C0000001".into(),
                    field: carnet_protocol::ContactField::Phone,
                    value: Some(carnet_protocol::ContactValue::Text("0611111111".into())),
                },
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, carnet_protocol::Outcome::Applied);
    let fingerprint = server.fingerprint.clone();
    server.kill();
    let server = Server::start(&env.data_dir());
    assert_eq!(
        server.fingerprint, fingerprint,
        "the certificate must survive restarts"
    );
    let api = api.at(&server.base);
    let (after, _, _) = api.pull_all("S001", "", 300).await;
    assert_eq!(after.len(), before.len());
    // Old cursors still work: the delta since `end` is exactly the acknowledged push.
    let (delta, _, _) = api.pull_all("S001", &end, 300).await;
    assert_eq!(delta.len(), 1);
    let resumed = api.pull("S001", &first.next_cursor, 200).await;
    assert!(!resumed.changes.is_empty());
    // The push is remembered: the same seq again is a duplicate.
    let again = api
        .push(
            "S001",
            vec![mutation(
                1,
                "2024-08-01T10:00:00Z",
                carnet_protocol::MutationKind::ProfileView {
                    customer_id: "C0000001".into(),
                },
            )],
        )
        .await;
    assert_eq!(again.results[0].outcome, carnet_protocol::Outcome::Applied);
    assert!(api.pull_all("S001", &end, 300).await.0.len() == 1);
}

/// Each stop closes the database before the process exits: a connection still closing while
/// the exit handlers ran crashed the server (SIGSEGV) about one stop in fifteen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_cleanly_every_time() {
    let env = Env::new();
    let data = env.data_dir();
    for round in 0..12 {
        let mut server = Server::start(&data);
        let api = server.device("S001").await;
        assert!(!api.pull_all("S001", "", 500).await.0.is_empty());
        drop(api);
        let status = server.terminate();
        assert!(status.success(), "stop {round}: {status:?}");
    }
}

#[tokio::test]
async fn the_generated_tiny_export_pulls_back_as_each_stores_share() {
    use carnet_fixtures::Export;
    use carnet_fixtures::format::{Customer, Offer, PurchaseLine, files};
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &export)
        .unwrap();
    let data = dir.path().join("data");
    import(&data, &export);
    let server = Server::start(&data);
    let ex = Export::open(&export).unwrap();
    let customers: Vec<Customer> = ex
        .records(files::CUSTOMERS)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let purchases: Vec<PurchaseLine> = ex
        .records(files::PURCHASES)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let offers: Vec<Offer> = ex
        .records(files::OFFERS)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for store in ["S001", "S002", "S003"] {
        let device = server.device(store).await;
        let (changes, _, _) = device.pull_all(store, "", 1000).await;
        let mine: BTreeSet<&str> = customers
            .iter()
            .filter(|c| c.home_store_id == store)
            .map(|c| c.id.as_str())
            .collect();
        let counts = count_by_entity(&changes);
        assert_eq!(
            counts.get("customer").copied().unwrap_or(0),
            mine.len(),
            "{store}"
        );
        let p = purchases
            .iter()
            .filter(|p| mine.contains(p.customer_id.as_str()))
            .count();
        assert_eq!(counts.get("purchase").copied().unwrap_or(0), p, "{store}");
        let o = offers
            .iter()
            .filter(|o| mine.contains(o.customer_id.as_str()))
            .count();
        assert_eq!(counts.get("offer").copied().unwrap_or(0), o, "{store}");
        assert_eq!(counts["product"] as u64, ex.manifest().counts.products);
        let first = customers.iter().find(|c| c.home_store_id == store).unwrap();
        assert!(upserts(&changes).contains(&&Record::Customer(first.clone())));
        // The store's appointment plan, and no other store's.
        assert_eq!(counts.get("store_hours").copied(), Some(1), "{store}");
        for (file, entity) in [
            (files::SERVICES, "service"),
            (files::RESOURCES, "resource"),
            (files::ADVISOR_HOURS, "advisor_hours"),
        ] {
            let ours = ex
                .records::<serde_json::Value>(file)
                .unwrap()
                .map(Result::unwrap)
                .filter(|r| r["store_id"] == store)
                .count();
            assert!(ours > 0, "{store} {entity}");
            assert_eq!(counts.get(entity).copied(), Some(ours), "{store} {entity}");
        }
    }
}

/// `export` as format version 1 wrote it, in `out`: no advisors file, none of the fields
/// version 2 added, no launches.
fn as_version_1(export: &std::path::Path, out: &std::path::Path) {
    use carnet_fixtures::format::files;
    std::fs::create_dir_all(out).unwrap();
    let added = ["advisor_id", "birthday", "launch_on"];
    let mut counts = serde_json::Map::new();
    for name in files::ENTITIES {
        let text = std::fs::read_to_string(export.join(name)).unwrap();
        let mut kept = String::new();
        let mut lines = 0u64;
        for line in text.lines() {
            let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
            if record.get("launch_on").is_some_and(|l| !l.is_null()) {
                continue;
            }
            for field in added {
                record.as_object_mut().unwrap().remove(field);
            }
            kept.push_str(&record.to_string());
            kept.push('\n');
            lines += 1;
        }
        std::fs::write(out.join(name), kept).unwrap();
        counts.insert(name.trim_end_matches(".jsonl").into(), lines.into());
    }
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join(files::MANIFEST)).unwrap()).unwrap();
    manifest["version"] = 1.into();
    manifest["counts"] = counts.into();
    std::fs::write(out.join(files::MANIFEST), manifest.to_string()).unwrap();
}

#[tokio::test]
async fn a_version_1_export_still_imports_and_version_2_adds_the_client_book() {
    // Books, birthdays, launches, and each store's advisors in its own feed only.
    use carnet_fixtures::format::{Customer, Product};
    let dir = tempfile::tempdir().unwrap();
    let v2 = dir.path().join("v2");
    carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &v2).unwrap();
    let v1 = dir.path().join("v1");
    as_version_1(&v2, &v1);
    assert!(!v1.join("advisors.jsonl").exists());
    let data = dir.path().join("data");
    import(&data, &v1);
    let server = Server::start(&data);
    let device = server.device("S001").await;
    let (changes, cursor, _) = device.pull_all("S001", "", 1000).await;
    let customers: Vec<&Customer> = upserts(&changes)
        .into_iter()
        .filter_map(|r| match r {
            Record::Customer(c) => Some(c),
            _ => None,
        })
        .collect();
    assert!(customers.len() > 50);
    assert!(
        customers
            .iter()
            .all(|c| c.advisor_id.is_none() && c.birthday.is_none())
    );

    // The same export in version 2: the customers come again with their books and birthdays,
    // and the launches arrive.
    import(&data, &v2);
    let (delta, _, _) = device.pull_all("S001", &cursor, 1000).await;
    let upserted = upserts(&delta);
    let booked = upserted
        .iter()
        .filter(|r| matches!(r, Record::Customer(c) if c.advisor_id.is_some()))
        .count();
    let birthdays = upserted
        .iter()
        .filter(|r| matches!(r, Record::Customer(c) if c.birthday.is_some()))
        .count();
    let launches: Vec<&Product> = upserted
        .iter()
        .filter_map(|r| match r {
            Record::Product(p) if p.launch_on.is_some() => Some(p),
            _ => None,
        })
        .collect();
    assert!(booked > 10, "{booked} customers in a book");
    // The store's advisors, and only its own.
    let advisors: Vec<carnet_fixtures::format::Advisor> = carnet_fixtures::Export::open(&v2)
        .unwrap()
        .records(carnet_fixtures::format::files::ADVISORS)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let ours: BTreeSet<&str> = advisors
        .iter()
        .filter(|a| a.store_id == "S001")
        .map(|a| a.id.as_str())
        .collect();
    let pulled: BTreeSet<&str> = upserted
        .iter()
        .filter_map(|r| match r {
            Record::Advisor(a) => Some(a.id.as_str()),
            _ => None,
        })
        .collect();
    assert!(!ours.is_empty() && advisors.len() > ours.len());
    assert_eq!(pulled, ours);
    assert!(birthdays > 50, "{birthdays} birthdays");
    assert_eq!(launches.len(), 3);
}

/// Lines an import cannot take are skipped and named by file and line, those it takes with
/// something to say are named too, and the rest of the import goes on; a line skipped keeps
/// its earlier import.
#[tokio::test]
async fn bad_currencies_rates_and_returns_are_named_by_line_and_the_rest_imports() {
    use carnet_protocol::{PurchaseLine, Store};
    let env = Env::new();
    let mut d = env.data.clone();
    d.stores.push(Store {
        id: "S004".into(),
        name: "Carnet London".into(),
        country: "GB".into(),
        city: "London".into(),
        postal_code: "WC2E 8HA".into(),
        timezone: "Europe/London".into(),
        currency: Some("GBP".into()),
    });
    let base = d
        .purchases
        .iter()
        .find(|p| p.customer_id == "C0000001")
        .unwrap()
        .clone();
    let sale = |id: &str, at: &str, amount: i64, currency: Option<&str>| PurchaseLine {
        id: id.into(),
        receipt_id: id.split('-').next().unwrap().into(),
        store_id: "S004".into(),
        bought_at: at.into(),
        amount_cents: amount,
        currency: currency.map(Into::into),
        advisor_id: None,
        ..base.clone()
    };
    let back = |id: &str, of: &str, amount: i64| PurchaseLine {
        return_of: Some(of.into()),
        ..sale(id, "2024-03-12T12:00:00Z", amount, Some("GBP"))
    };
    let first = d.purchases.len() as u64 + 1;
    d.purchases.extend([
        // Monday 4 March, a day with its rate.
        sale("L1-1", "2024-03-04T12:00:00Z", 8500, Some("GBP")),
        // Saturday 9 March: Tuesday's rate, the last one, four days before: nothing to say.
        sale("L2-1", "2024-03-09T12:00:00Z", 8500, Some("GBP")),
        // Two weeks after the last rate: taken at it, and said.
        sale("L3-1", "2024-03-20T12:00:00Z", 8500, Some("GBP")),
        // Before any rate: taken, and said.
        sale("L4-1", "2024-02-01T12:00:00Z", 8500, Some("GBP")),
        sale("L5-1", "2024-03-04T12:00:00Z", 8500, None),
        sale("L6-1", "2024-03-04T12:00:00Z", 8500, Some("GBX")),
        back("M1-1", "L1-1", -8000),
        back("M2-1", "L1-1", -600),
        back("M3-1", "NOPE-1", -100),
    ]);
    let export2 = env.dir.path().join("export2");
    d.write(&export2);
    std::fs::write(
        export2.join("rates.csv"),
        "Date,GBP,ZZZ,\n2024-03-05,0.8600,N/A,\n2024-03-04,0.8500,N/A,\n\
         2024-03-08,0.85a,N/A,\n2024-03-06,N/A,2.5,\n",
    )
    .unwrap();
    let out = import(&env.data_dir(), &export2);
    let line = |n: u64| first + n;
    for said in [
        "rates.csv:4: GBP 2024-03-08 has a rate that is not a positive decimal (skipped)"
            .to_owned(),
        "rates.csv:5: unknown currency \"ZZZ\" (skipped)".to_owned(),
        format!(
            "purchases.jsonl:{}: no GBP rate on 2024-03-20: the rate of 2024-03-05 converts it",
            line(2)
        ),
        format!(
            "purchases.jsonl:{}: no GBP rate on or before 2024-02-01: left out of her figures \
             until one arrives",
            line(3)
        ),
        format!("purchases.jsonl:{}: no currency (skipped)", line(4)),
        format!(
            "purchases.jsonl:{}: unknown currency \"GBX\" (skipped)",
            line(5)
        ),
        format!(
            "purchases.jsonl:{}: a return larger than the sale of L1-1 (skipped)",
            line(7)
        ),
        format!(
            "purchases.jsonl:{}: a return of NOPE-1, which is not a line of hers (skipped)",
            line(8)
        ),
        "lines skipped: 6, taken with a warning: 2".to_owned(),
        "purchase: 5 new, 0 changed, 1500 unchanged, 0 deleted".to_owned(),
        "rate: 2 new, 0 changed, 0 unchanged, 0 deleted".to_owned(),
    ] {
        assert!(out.contains(&said), "{said}\nnot in:\n{out}");
    }
    // A sale with its day's rate, one with the week's last, a return that fits: nothing said.
    for n in [0, 1, 6] {
        assert!(
            !out.contains(&format!("purchases.jsonl:{}:", line(n))),
            "{out}"
        );
    }

    // The store's devices receive what was taken, and the rates.
    let server = Server::start(&env.data_dir());
    let paris = server.device("S001").await;
    let (changes, _, _) = paris.pull_all("S001", "", 5000).await;
    let ids: BTreeSet<String> = upserts(&changes)
        .iter()
        .filter(|r| matches!(r.entity(), Entity::Purchase | Entity::Rate))
        .map(|r| r.id().to_owned())
        .filter(|id| !id.starts_with('R'))
        .collect();
    let expected: BTreeSet<String> = [
        "L1-1",
        "L2-1",
        "L3-1",
        "L4-1",
        "M1-1",
        "GBP 2024-03-04",
        "GBP 2024-03-05",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_eq!(ids, expected);
    drop(server);

    // L1-1 comes again with a currency nobody knows: skipped, and its earlier import stays.
    d.purchases
        .iter_mut()
        .find(|p| p.id == "L1-1")
        .unwrap()
        .currency = Some("QQQ".into());
    let export3 = env.dir.path().join("export3");
    d.write(&export3);
    std::fs::copy(export2.join("rates.csv"), export3.join("rates.csv")).unwrap();
    let out = import(&env.data_dir(), &export3);
    assert!(out.contains("unknown currency \"QQQ\" (skipped)"), "{out}");
    assert!(
        out.contains("purchase: 0 new, 0 changed, 1504 unchanged, 0 deleted"),
        "{out}"
    );
}
