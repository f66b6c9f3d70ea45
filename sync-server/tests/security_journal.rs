//! The security journal against the real server: refusals (off the network, wrong PINs, a
//! lockout, a bad manager token) and administrative actions (the manager's API and the command
//! line) are written with who, what, when and from where; a manager reads her store's only;
//! nobody's personal data, PIN or token is in it; one address cannot flood it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;

use carnet_sync_server::events::{Entry, REFUSALS_PER_MINUTE};
use common::cli_in;
use common::provisioned::{PIN_A1, Provisioned};
use reqwest::Method;

fn journal(env: &Provisioned) -> Vec<Entry> {
    common::server_db(&env.dir.path().join("server"))
        .with(|conn| carnet_sync_server::events::latest(conn, None, 10_000).unwrap())
}

fn find<'a>(entries: &'a [Entry], action: &str, code: Option<&str>) -> Vec<&'a Entry> {
    entries
        .iter()
        .filter(|e| e.action == action && e.code.as_deref() == code)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_admin_actions_are_journaled_without_personal_data() {
    let mut env = Provisioned::new();
    let device = env.raw_device("S001").await;
    let data = env.data();

    // From outside the store's network, with a lease this server signed: refused, and the
    // journal names the device, its store and the address.
    let outside: IpAddr = "127.0.0.2".parse().unwrap();
    let r = device.via(outside).pull_raw("S001", "", 10).await;
    assert_eq!(r.status(), 403);
    // Two wrong PINs for a real advisor, one for an identifier nobody has.
    for _ in 0..2 {
        assert_eq!(device.sign_in("A1", "11112222").await.status(), 401);
    }
    assert_eq!(device.sign_in("Q7Z9", "11112222").await.status(), 401);
    // The device must now wait: a lockout.
    assert_eq!(device.sign_in("A1", PIN_A1).await.status(), 429);
    // A bad manager token.
    let r = env
        .admin_as(Method::GET, "/v1/admin/devices", "carnet_mgr_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The manager's actions, and the operator's on another store.
    let r = env
        .admin(Method::POST, "/v1/admin/advisors/A2/disable")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = env
        .admin(Method::POST, "/v1/admin/networks")
        .json(&serde_json::json!({"cidr": "192.168.10.0/24"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (ok, _, err) = cli_in(
        &["advisor", "reset", "--data", &data, "--store", "S002", "C1"],
        "55667788\n",
    );
    assert!(ok, "{err}");

    let entries = journal(&env);
    let off = find(
        &entries,
        "GET /v1/stores/{store_id}/changes",
        Some("not_on_store_network"),
    );
    assert_eq!(off.len(), 1, "{entries:#?}");
    assert_eq!(off[0].actor_kind, "device");
    assert_eq!(off[0].actor_id.as_deref(), Some(device.id.as_str()));
    assert_eq!(off[0].store_id.as_deref(), Some("S001"));
    assert_eq!(off[0].status, Some(403));
    assert_eq!(off[0].source.as_deref(), Some("127.0.0.2"));

    let wrong = find(&entries, "POST /v1/sign-in", Some("wrong_pin"));
    assert_eq!(wrong.len(), 3, "{entries:#?}");
    let named: Vec<_> = wrong.iter().filter_map(|e| e.target.as_deref()).collect();
    assert_eq!(
        named,
        ["A1", "A1"],
        "a real advisor is named, a typed unknown id is not"
    );
    assert!(
        wrong
            .iter()
            .all(|e| e.actor_id.as_deref() == Some(device.id.as_str()))
    );

    let waits = find(&entries, "POST /v1/sign-in", Some("locked_out"));
    assert_eq!(waits.len(), 1, "{entries:#?}");
    assert_eq!(waits[0].status, Some(429));

    let token = find(&entries, "GET /v1/admin/devices", Some("unauthorized"));
    assert_eq!(token.len(), 1);
    assert_eq!(token[0].actor_kind, "unknown");

    let disabled = find(&entries, "POST /v1/admin/advisors/{id}/disable", None);
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0].outcome, "done");
    assert_eq!(disabled[0].actor_kind, "manager");
    assert_eq!(disabled[0].store_id.as_deref(), Some("S001"));
    assert_eq!(disabled[0].target.as_deref(), Some("A2"));
    let network = find(&entries, "POST /v1/admin/networks", None);
    assert_eq!(network.len(), 1);
    let reset = find(&entries, "cli advisor reset", None);
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0].actor_kind, "operator");
    assert_eq!(reset[0].store_id.as_deref(), Some("S002"));
    assert_eq!(reset[0].target.as_deref(), Some("C1"));
    // Set-up by the command line is journaled too.
    assert_eq!(find(&entries, "cli store add", None).len(), 3);
    assert_eq!(find(&entries, "cli advisor add", None).len(), 3);

    // The manager of S001 reads her store's journal only.
    let seen: Vec<Entry> = env.admin_get("/v1/admin/events?limit=500").await;
    assert!(seen.iter().all(|e| e.store_id.as_deref() == Some("S001")));
    assert!(
        seen.iter()
            .any(|e| e.action == "POST /v1/admin/advisors/{id}/disable")
    );
    assert!(!seen.iter().any(|e| e.action == "cli advisor reset"));

    // No customer's data, PIN, token or advisor's name, in the table or the CLI's view.
    let printed = common::cli(&["events", "--data", &data, "--limit", "10000"]);
    assert!(printed.contains("cli advisor reset"), "{printed}");
    let mut secrets = env.secrets.clone();
    secrets.extend([
        "11112222".into(),
        "55667788".into(),
        "Q7Z9".into(),
        PIN_A1.into(),
    ]);
    let stored = format!("{entries:?}");
    for s in &secrets {
        assert!(!printed.contains(s.as_str()), "the journal shows {s:?}");
        assert!(!stored.contains(s.as_str()), "the journal holds {s:?}");
    }
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_flood_the_journal() {
    let env = Provisioned::new();
    let from: IpAddr = "127.0.0.3".parse().unwrap();
    let http = common::device::pinned_from(&env.server.fingerprint, Some(from));
    let tries = REFUSALS_PER_MINUTE + 20;
    for _ in 0..tries {
        let r = http
            .get(format!("{}/v1/stores/S001/changes", env.server.base))
            .header(
                carnet_protocol::HEADER_PROTOCOL,
                carnet_protocol::PROTOCOL_VERSION.to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let from_there = journal(&env)
        .into_iter()
        .filter(|e| e.source.as_deref() == Some("127.0.0.3"))
        .count();
    assert_eq!(from_there, REFUSALS_PER_MINUTE as usize);
}
