//! The device against a server that answers badly: a body that is not the protocol, a body cut
//! short, a body too large (as sent, or once inflated), a compressed body that does not
//! inflate, an error without a code. Each gives a typed error and the cache is
//! left exactly as it was. The server here is a real TLS listener with the real server's
//! certificate handling; only its answers are wrong.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use carnet_core::sync::{
    CancelHandle, MAX_RESPONSE_BYTES, RequestSigner, ServerConfig, SyncClient, SyncError, sync,
};
use carnet_core::{Cache, CacheKey, changes};
use common::fake_server::serve;

fn answering(status: StatusCode, body: Vec<u8>) -> Router {
    answering_encoded(status, None, body)
}

/// Answers `body` as it is, saying it is in `encoding` (e.g. gzip) when one is given.
fn answering_encoded(status: StatusCode, encoding: Option<&'static str>, body: Vec<u8>) -> Router {
    let body = Arc::new(body);
    Router::new().route(
        "/v1/stores/S001/changes",
        get(move || {
            let body = Arc::clone(&body);
            async move {
                let mut response = Response::builder()
                    .status(status)
                    .header(header::CONTENT_TYPE, "application/json");
                if let Some(encoding) = encoding {
                    response = response.header(header::CONTENT_ENCODING, encoding);
                }
                response.body(Body::from(body.as_ref().clone())).unwrap()
            }
        }),
    )
}

fn gzip(text: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(text).unwrap();
    encoder.finish().unwrap()
}

/// Credentials the misbehaving server never looks at.
struct Unchecked;

impl RequestSigner for Unchecked {
    fn sign(&self, _: &str, _: &str, _: &[u8]) -> Result<Vec<(&'static str, String)>, SyncError> {
        Ok(Vec::new())
    }
}

fn client_of(base: String, pin: String) -> SyncClient {
    SyncClient::new(
        ServerConfig {
            base_urls: vec![base],
            certificate_pin: pin,
            store_id: "S001".into(),
            local_address: None,
        },
        Arc::new(Unchecked),
    )
    .unwrap()
}

/// A cache that already holds one applied page, and what a sync against `router` does to it.
async fn sync_against(router: Router) -> (SyncError, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (base, pin) = serve(router, dir.path()).await;
    let cache =
        Arc::new(Cache::open(dir.path().join("c.db"), &CacheKey::generate().unwrap()).unwrap());
    changes::apply_page(&cache, &[], "cursor-before").unwrap();
    let client = client_of(base, pin);
    let err = sync(
        Arc::clone(&cache),
        &client,
        true,
        &CancelHandle::new(),
        &|_| {},
    )
    .await
    .unwrap_err();
    let cursor = changes::cursor(&cache).unwrap();
    let customers: i64 = cache
        .read(|c| Ok(c.query_row("SELECT count(*) FROM customer", [], |r| r.get(0))?))
        .unwrap();
    (err, cursor, customers.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_the_protocol_is_a_typed_error() {
    let (err, cursor, _) = sync_against(answering(
        StatusCode::OK,
        b"<html>captive portal</html>".to_vec(),
    ))
    .await;
    assert!(matches!(err, SyncError::Malformed(_)), "{err:?}");
    assert_eq!(cursor, "cursor-before", "nothing applied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_page_is_a_typed_error_and_applies_nothing() {
    let page = br#"{"changes":[{"op":"delete","entity":"customer","id":"C1"},{"op":"upsert","record":{"entity":"brand","id":"B1","na"#;
    let (err, cursor, customers) = sync_against(answering(StatusCode::OK, page.to_vec())).await;
    assert!(matches!(err, SyncError::Malformed(_)), "{err:?}");
    assert_eq!(
        (cursor.as_str(), customers.as_str()),
        ("cursor-before", "0")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_formed_page_with_a_wrong_shape_is_refused() {
    let page =
        br#"{"changes":[{"op":"explode"}],"next_cursor":"x","has_more":false,"remaining":0}"#;
    let (err, cursor, _) = sync_against(answering(StatusCode::OK, page.to_vec())).await;
    assert!(matches!(err, SyncError::Malformed(_)), "{err:?}");
    assert_eq!(cursor, "cursor-before");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_before_it_is_read_whole() {
    let huge = vec![b' '; MAX_RESPONSE_BYTES + 1];
    let (err, cursor, _) = sync_against(answering(StatusCode::OK, huge)).await;
    assert_eq!(err, SyncError::ResponseTooLarge);
    assert_eq!(cursor, "cursor-before");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_compressed_body_that_inflates_past_the_limit_is_refused() {
    // A valid page start, then spaces: valid JSON up to the limit, 64 KiB on the wire.
    let mut text = br#"{"changes":[],"next_cursor":"x","has_more":false,"remaining":0"#.to_vec();
    text.resize(MAX_RESPONSE_BYTES + 1, b' ');
    let bomb = gzip(&text);
    assert!(bomb.len() < MAX_RESPONSE_BYTES / 100, "{}", bomb.len());
    let (err, cursor, _) =
        sync_against(answering_encoded(StatusCode::OK, Some("gzip"), bomb)).await;
    assert_eq!(err, SyncError::ResponseTooLarge);
    assert_eq!(cursor, "cursor-before");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compressed_body_that_does_not_inflate_is_a_typed_error() {
    let mut body = gzip(br#"{"changes":[],"next_cursor":"x","has_more":false,"remaining":0}"#);
    let middle = body.len() / 2;
    body[middle] ^= 0xff;
    let (err, cursor, _) =
        sync_against(answering_encoded(StatusCode::OK, Some("gzip"), body)).await;
    assert!(matches!(err, SyncError::Malformed(_)), "{err:?}");
    assert_eq!(cursor, "cursor-before");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compressed_page_applies_and_its_bytes_on_the_wire_are_counted() {
    let page = br#"{"changes":[{"op":"upsert","record":{"entity":"brand","id":"B1","name":"Maison","positioning":"prestige"}}],"next_cursor":"cursor-after","has_more":false,"remaining":0}"#;
    let body = gzip(page);
    let sent = body.len() as u64;
    let dir = tempfile::tempdir().unwrap();
    let (base, pin) = serve(
        answering_encoded(StatusCode::OK, Some("gzip"), body),
        dir.path(),
    )
    .await;
    let cache =
        Arc::new(Cache::open(dir.path().join("c.db"), &CacheKey::generate().unwrap()).unwrap());
    let client = client_of(base, pin);
    let report = common::store::full_sync(&cache, &client).await;
    assert_eq!((report.pulled, report.pages), (1, 1));
    assert_eq!(changes::cursor(&cache).unwrap(), "cursor-after");
    assert_eq!(client.body_bytes_received(), sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_without_a_protocol_body_keeps_its_status() {
    let (err, cursor, _) = sync_against(answering(
        StatusCode::BAD_GATEWAY,
        b"upstream down".to_vec(),
    ))
    .await;
    assert_eq!(
        err,
        SyncError::Server {
            status: 502,
            code: String::new()
        }
    );
    assert_eq!(cursor, "cursor-before");
}
