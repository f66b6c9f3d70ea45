//! What a device signs holds: a signed write is accepted once and a captured request is soon
//! too old, a presence check cannot be replayed with another app version, and the progress
//! estimate a cursor carries is believed only as the server wrote it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::{self as wire, REQUEST_SKEW_MS, codes};
use carnet_protocol::{HEADER_PROTOCOL, MutationKind, PROTOCOL_VERSION, PushRequest};
use common::device::{ADVISOR_PIN, APP_VERSION, signed_headers};
use common::*;

/// Sends `body` to `path` with exactly `headers`: what a replaying attacker does.
async fn post_as_captured(
    device: &Device,
    path: &str,
    body: &[u8],
    headers: &[(&'static str, String)],
) -> (u16, String) {
    let mut request = device
        .http
        .post(format!("{}{path}", device.base))
        .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    status_code(request.send().await.unwrap()).await
}

#[tokio::test]
async fn a_signed_write_is_accepted_once_and_a_late_one_not_at_all() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let device = server.device("S001").await;
    let path = carnet_protocol::mutations_path("S001");
    let body = serde_json::to_vec(&PushRequest {
        mutations: vec![mutation(
            1,
            "2024-08-01T10:00:00Z",
            MutationKind::ProfileView {
                customer_id: "C0000001".into(),
            },
        )],
    })
    .unwrap();
    let captured = device.headers("POST", &path, &body);
    assert_eq!(
        post_as_captured(&device, &path, &body, &captured).await,
        (200, String::new())
    );
    assert_eq!(
        post_as_captured(&device, &path, &body, &captured).await,
        (409, codes::REPLAYED_REQUEST.to_owned())
    );
    // A captured sign-in, replayed, neither signs her in again nor reaches the PIN check.
    let sign_in = serde_json::to_vec(&wire::SignInRequest {
        advisor_id: ADVISOR.into(),
        pin: ADVISOR_PIN.into(),
    })
    .unwrap();
    let captured = device.headers("POST", wire::SIGN_IN_PATH, &sign_in);
    assert_eq!(
        post_as_captured(&device, wire::SIGN_IN_PATH, &sign_in, &captured)
            .await
            .0,
        200
    );
    assert_eq!(
        post_as_captured(&device, wire::SIGN_IN_PATH, &sign_in, &captured).await,
        (409, codes::REPLAYED_REQUEST.to_owned())
    );
    // Signed for a moment outside the window (either way): refused, write or read.
    let held = device.lease();
    let skew = u64::try_from(REQUEST_SKEW_MS).unwrap() + 1_000;
    let late = signed_headers(
        &held.token,
        &held.lease.nonce,
        &device.key,
        device.t() + skew,
        "POST",
        &path,
        &body,
    );
    assert_eq!(
        post_as_captured(&device, &path, &body, &late).await,
        (401, codes::BAD_LEASE.to_owned())
    );
    // The same write signed anew is a new request: a duplicate seq, answered as such.
    let again = device
        .push(
            "S001",
            serde_json::from_slice::<PushRequest>(&body)
                .unwrap()
                .mutations,
        )
        .await;
    assert_eq!(again.results[0].outcome, carnet_protocol::Outcome::Applied);
}

#[tokio::test]
async fn a_presence_check_cannot_be_replayed_with_another_app_version() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let device = server.device("S001").await;
    let mut forged = device.presence_request();
    forged.app_version = "0.0.1-evil".into();
    let (status, e) = api_error(device.presence_raw(&forged).await).await;
    assert_eq!((status, e.error.as_str()), (401, codes::BAD_LEASE));
    let listed = cli(&["device", "list", "--data", env.data_dir().to_str().unwrap()]);
    assert!(
        listed.contains(&format!("app {APP_VERSION}")) && !listed.contains("evil"),
        "{listed}"
    );
    assert_eq!(
        device
            .presence_raw(&device.presence_request())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_progress_estimate_in_a_cursor_is_believed_only_as_the_server_wrote_it() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let device = server.device("S001").await;
    let (all, _, _) = device.pull_all("S001", "", 10_000).await;
    let first = device.pull("S001", "", 10).await;
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(&first.next_cursor).unwrap()).unwrap();
    let parts: Vec<&str> = text.split(':').collect();
    let honest = device.pull("S001", &first.next_cursor, 10).await.remaining;
    assert_eq!(honest as usize, all.len() - 20);
    // The estimate raised, keeping the rest of the cursor as it was: the true one comes back.
    let mut forged: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
    forged[2] = "999999".into();
    let forged = URL_SAFE_NO_PAD.encode(forged.join(":"));
    assert_eq!(device.pull("S001", &forged, 10).await.remaining, honest);
}
