//! A store's network, end to end on loopback addresses: the stores serve 127.0.0.1/32, and a
//! device sending from 127.0.0.2 is "off the store network". Enrolment, presence, sign-in,
//! pull and push are refused from outside and served back inside; `X-Forwarded-For` counts
//! only from a trusted proxy; managers handle their own store's ranges only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;

use carnet_protocol::MutationKind;
use carnet_protocol::presence::{self as wire, codes::NOT_ON_STORE_NETWORK};
use common::device::{ADVISOR, ADVISOR_PIN, ensure_advisor};
use common::provisioned::{PIN_A1, Provisioned};
use common::{Device, api_error, cli, cli_in, field, mutation};
use reqwest::Method;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// 403 `not_on_store_network`, or the code and message it was instead.
async fn assert_off_network(r: reqwest::Response, what: &str) -> String {
    let (status, e) = api_error(r).await;
    assert_eq!(
        (status, e.error.as_str()),
        (403, NOT_ON_STORE_NETWORK),
        "{what}: {}",
        e.message
    );
    e.message
}

fn view(seq: u64) -> Vec<carnet_protocol::Mutation> {
    vec![mutation(
        seq,
        "2024-08-01T10:00:00Z",
        MutationKind::ProfileView {
            customer_id: "C0000001".into(),
        },
    )]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_the_store_network_everything_is_refused_and_back_on_it_everything_works() {
    let mut env = Provisioned::new();
    let (base, pin) = (env.server.base.clone(), env.server.fingerprint.clone());
    let outside = Some(ip("127.0.0.2"));
    // Enrolment from outside: refused, and the code is not spent.
    let code = env.code("S001");
    let (status, e) = Device::enrol(&base, &pin, &code, outside)
        .await
        .err()
        .unwrap();
    assert_eq!((status, e.error.as_str()), (403, NOT_ON_STORE_NETWORK));
    let device = Device::enrol(&base, &pin, &code, None).await.unwrap();
    device.renew().await.unwrap();
    ensure_advisor(&env.server.data, "S001", ADVISOR, ADVISOR_PIN);

    // The same device, its Wi-Fi off: presence, sign-in, pull and push refused.
    let away = device.via(ip("127.0.0.2"));
    let (status, e) = away.renew().await.unwrap_err();
    assert_eq!((status, e.error.as_str()), (403, NOT_ON_STORE_NETWORK));
    let why = assert_off_network(away.sign_in("A1", PIN_A1).await, "sign-in").await;
    assert_eq!(why, "this request does not come from the store's network");
    assert_off_network(away.pull_raw("S001", "", 10).await, "pull").await;
    assert_off_network(away.push_raw("S001", view(1)).await, "push").await;

    // Back in the store: all of it works, and nothing of the refused push was applied.
    device.renew().await.unwrap();
    assert_eq!(device.sign_in(ADVISOR, ADVISOR_PIN).await.status(), 200);
    assert_eq!(device.pull_raw("S001", "", 10).await.status(), 200);
    let pushed = device.push("S001", view(1)).await;
    assert_eq!(pushed.results[0].outcome, carnet_protocol::Outcome::Applied);

    // A store whose last range is removed serves nobody, and says how to add one.
    let r = env
        .admin(Method::DELETE, "/v1/admin/networks/127.0.0.1/32")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let why = assert_off_network(device.pull_raw("S001", "", 10).await, "no network").await;
    assert!(why.contains("store network add --store S001"), "{why}");
    let (status, e) = device.renew().await.unwrap_err();
    assert_eq!((status, e.error.as_str()), (403, NOT_ON_STORE_NETWORK));
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    // 127.0.0.3 plays a reverse proxy in front of the server.
    let mut env = Provisioned::serving_with(&["--trusted-proxy", "127.0.0.3"]);
    let device = env.raw_device("S001").await;
    let pull = |from: &str, forwarded: Option<&'static str>| {
        let d = device.via(ip(from));
        async move {
            let mut request = d
                .get(&carnet_protocol::changes_path("S001"))
                .query(&[("cursor", ""), ("limit", "1")]);
            if let Some(f) = forwarded {
                request = request.header("x-forwarded-for", f);
            }
            let r = d.send(request).await;
            let status = r.status().as_u16();
            let code = common::status_code(r).await.1;
            (status, code)
        }
    };
    let refused = (403, NOT_ON_STORE_NETWORK.to_owned());
    let served = (200, String::new());
    // Anyone but the proxy: the header is ignored, whatever it says.
    assert_eq!(pull("127.0.0.2", Some("127.0.0.1")).await, refused);
    assert_eq!(pull("127.0.0.1", Some("127.0.0.2")).await, served);
    // The proxy: the address it forwards for is the client's.
    assert_eq!(pull("127.0.0.3", Some("127.0.0.1")).await, served);
    assert_eq!(pull("127.0.0.3", Some("127.0.0.2")).await, refused);
    // Left of the proxy's own entry is whatever the client wrote: not believed.
    assert_eq!(
        pull("127.0.0.3", Some("127.0.0.1, 127.0.0.2")).await,
        refused
    );
    assert_eq!(
        pull("127.0.0.3", Some("127.0.0.2, 127.0.0.1")).await,
        served
    );
    // The proxy forwarding nothing is itself the client; forwarding garbage, nobody is.
    assert_eq!(pull("127.0.0.3", None).await, refused);
    assert_eq!(pull("127.0.0.3", Some("unknown")).await, refused);
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_handle_their_own_stores_networks_and_the_cli_too() {
    let env = Provisioned::new();
    let d = env.data();
    let lyon = field(
        &cli(&["manager", "add", "--data", &d, "--store", "S002"]),
        "token ",
    );
    let list = |token: &str| {
        env.admin_as(Method::GET, "/v1/admin/networks", token)
            .send()
    };
    let add = |token: &str, cidr: &str| {
        env.admin_as(Method::POST, "/v1/admin/networks", token)
            .json(&wire::NewStoreNetwork { cidr: cidr.into() })
            .send()
    };
    let r = add(&env.manager_token, "192.168.10.7/24").await.unwrap();
    assert_eq!(r.status(), 201);
    let added: wire::StoreNetwork = r.json().await.unwrap();
    assert_eq!(added.cidr, "192.168.10.0/24");
    assert_eq!(
        add(&env.manager_token, "2001:db8:1::/48")
            .await
            .unwrap()
            .status(),
        201
    );
    let (status, e) = api_error(add(&env.manager_token, "192.168.10.0/24").await.unwrap()).await;
    assert_eq!((status, e.error.as_str()), (409, "conflict"));
    let (status, e) = api_error(add(&env.manager_token, "192.168.300.0/24").await.unwrap()).await;
    assert_eq!((status, e.error.as_str()), (400, "bad_request"));
    assert!(e.message.contains("not an address range"), "{}", e.message);
    let r = env
        .admin_as(Method::POST, "/v1/admin/networks", &env.manager_token)
        .json(&serde_json::json!({"cidr": "10.0.0.0/8", "store": "S002"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api_error(r).await.0, 400, "unknown fields are refused");
    let mine: Vec<wire::StoreNetwork> = list(&env.manager_token)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine: Vec<&str> = mine.iter().map(|n| n.cidr.as_str()).collect();
    assert_eq!(mine, ["127.0.0.1/32", "192.168.10.0/24", "2001:db8:1::/48"]);
    // S002's manager sees only S002's, and cannot remove S001's: answered as unknown.
    let theirs: Vec<wire::StoreNetwork> = list(&lyon).await.unwrap().json().await.unwrap();
    assert_eq!(theirs.len(), 1);
    let remove = |token: &str, path: &str| {
        env.admin_as(Method::DELETE, &format!("/v1/admin/networks/{path}"), token)
            .send()
    };
    let (status, e) = api_error(remove(&lyon, "192.168.10.0/24").await.unwrap()).await;
    assert_eq!(
        (status, e.message.as_str()),
        (404, "no network 192.168.10.0/24 in store S002")
    );
    let (_, unknown) = api_error(remove(&lyon, "10.9.9.0/24").await.unwrap()).await;
    assert_eq!(unknown.message, "no network 10.9.9.0/24 in store S002");
    assert_eq!(
        remove(&env.manager_token, "2001:db8:1::/48")
            .await
            .unwrap()
            .status(),
        204
    );
    // No manager token, or a device's lease instead: 401.
    let r = common::pinned_client(&env.server.fingerprint)
        .get(format!("{}/v1/admin/networks", env.server.base))
        .header(
            carnet_protocol::HEADER_PROTOCOL,
            carnet_protocol::PROTOCOL_VERSION.to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // The CLI: add (several at once), list, remove; a bad range changes nothing.
    let run = |line: &str| {
        let mut args: Vec<&str> = line.split_whitespace().collect();
        args.extend(["--data", &d]);
        cli_in(&args, "")
    };
    let (ok, out, err) = run("store network add --store S003 --cidr 10.20.0.0/16 --cidr fd12::/64");
    assert!(ok, "{err}");
    assert!(
        out.contains("network 10.20.0.0/16") && out.contains("network fd12::/64"),
        "{out}"
    );
    let (ok, _, err) = run("store network add --store S003 --cidr 10.30.0.0/16 --cidr nope");
    assert!(!ok && err.contains("not an address range"), "{err}");
    let (_, out, _) = run("store network list --store S003");
    assert!(
        out.contains("10.20.0.0/16") && !out.contains("10.30.0.0/16"),
        "{out}"
    );
    run("store network remove --store S003 --cidr 10.20.0.0/16 --cidr fd12::/64");
    let (_, out, _) = run("store network remove --store S003 --cidr 127.0.0.1/32");
    assert!(out.contains("S003 has no network"), "{out}");
    let (ok, _, err) = run("store network remove --store S003 --cidr 10.20.0.0/16");
    assert!(
        !ok && err.contains("no network 10.20.0.0/16 in store S003"),
        "{err}"
    );
    // `store add` takes its networks at once, or nothing if one is wrong.
    let (_, out, _) =
        run("store add --store S009 --name Nice --network 10.9.0.0/16 --network 10.10.0.1");
    assert!(out.contains("network 10.10.0.1/32"), "{out}");
    let (ok, _, _) = run("store add --store S010 --name Nantes --network x");
    assert!(!ok);
    let (_, stores, _) = run("store list");
    assert!(
        !stores.contains("S010") && stores.contains("networks 10.9.0.0/16 10.10.0.1/32"),
        "{stores}"
    );
    env.assert_clean_log();
}
