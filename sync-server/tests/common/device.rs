//! An enrolled device speaking the protocol by hand, as a handheld does: its own Ed25519 key
//! (ring), a one-time code from the CLI, enrolment, a presence lease, advisors signed in, and
//! every request signed as `carnet_protocol::presence::request_message` says. It is also the
//! `RequestSigner` of the core's sync client, so device-core tests use the real lease path.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_core::sync::{RequestSigner, ServerConfig, SyncClient, SyncError};
use carnet_protocol::presence::{self as wire, Lease};
use carnet_protocol::{
    ApiError, Change, ChangePage, HEADER_PROTOCOL, Mutation, PROTOCOL_VERSION, PushRequest,
    PushResponse,
};
use ring::signature::{Ed25519KeyPair, KeyPair};

use super::{Server, api_error, cli, cli_in, field};

/// The advisor every enrolled device signs in, so that its pushes may name her.
pub const ADVISOR: &str = "A042";
/// Her PIN.
pub const ADVISOR_PIN: &str = "40425061";
/// The address range every store made by these helpers serves: loopback's first address.
pub const STORE_NETWORK: &str = "127.0.0.1/32";
/// The app version the devices report.
pub const APP_VERSION: &str = "test-device";

/// A lease as the device holds it: the token, what it says, and when the presence check that
/// got it was sent (the device's monotonic clock; `t` of a request counts from there).
#[derive(Clone, Debug)]
pub struct HeldLease {
    pub token: String,
    pub lease: Lease,
    pub sent: Instant,
}

/// An enrolled device. Clones share the lease (a renewal is seen by all).
#[derive(Clone)]
pub struct Device {
    pub id: String,
    pub store: String,
    pub base: String,
    pub fingerprint: String,
    pub http: reqwest::Client,
    /// The address it sends from, if not the one the OS picks.
    pub local: Option<IpAddr>,
    pub key: Arc<Ed25519KeyPair>,
    pkcs8: Arc<Vec<u8>>,
    held: Arc<Mutex<Option<HeldLease>>>,
}

/// A pinned client of the server, sending from `local` if given (another loopback address is
/// "off the store network").
pub fn pinned_from(fingerprint: &str, local: Option<IpAddr>) -> reqwest::Client {
    carnet_protocol::pin::install_default_provider();
    reqwest::Client::builder()
        .use_preconfigured_tls(carnet_protocol::pin::client_config(fingerprint).unwrap())
        .local_address(local)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A fresh Ed25519 key (PKCS#8).
pub fn new_key() -> Vec<u8> {
    Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
        .unwrap()
        .as_ref()
        .to_vec()
}

/// Creates `store` (serving [`STORE_NETWORK`]) unless it exists.
pub fn ensure_store(data: &Path, store: &str) {
    let d = data.to_str().unwrap();
    let listed = cli(&["store", "list", "--data", d]);
    if listed.lines().any(|l| l.split('\t').next() == Some(store)) {
        return;
    }
    let (ok, _, err) = cli_in(
        &[
            "store",
            "add",
            "--data",
            d,
            "--store",
            store,
            "--name",
            store,
            "--network",
            STORE_NETWORK,
        ],
        "",
    );
    assert!(ok || err.contains("exists already"), "{err}");
}

/// Adds advisor `id` with `pin` to `store` unless she exists.
pub fn ensure_advisor(data: &Path, store: &str, id: &str, pin: &str) {
    let d = data.to_str().unwrap();
    let listed = cli(&["advisor", "list", "--data", d, "--store", store]);
    if listed.lines().any(|l| l.split('\t').next() == Some(id)) {
        return;
    }
    let (ok, _, err) = cli_in(
        &[
            "advisor",
            "add",
            "--data",
            d,
            "--store",
            store,
            "--id",
            id,
            "--name",
            "Test Advisor",
        ],
        &format!("{pin}\n"),
    );
    assert!(ok || err.contains("exists already"), "{err}");
}

/// A one-time enrolment code for `store`, from the CLI.
pub fn enrolment_code(data: &Path, store: &str) -> String {
    let out = cli(&[
        "enrollment",
        "issue",
        "--data",
        data.to_str().unwrap(),
        "--store",
        store,
        "--no-qr",
    ]);
    field(&out, "code ")
}

impl Server {
    /// A device of `store` enrolled on this server, holding a lease, with [`ADVISOR`] signed
    /// in. The store (serving [`STORE_NETWORK`]) and the advisor are created if missing.
    pub async fn device(&self, store: &str) -> Device {
        let device = self.bare_device(store).await;
        ensure_advisor(&self.data, store, ADVISOR, ADVISOR_PIN);
        let r = device.sign_in(ADVISOR, ADVISOR_PIN).await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
        device
    }

    /// A device of `store` enrolled on this server and holding a lease; nobody signed in.
    pub async fn bare_device(&self, store: &str) -> Device {
        ensure_store(&self.data, store);
        let code = enrolment_code(&self.data, store);
        let device = Device::enrol(&self.base, &self.fingerprint, &code, None)
            .await
            .unwrap_or_else(|e| panic!("enrolment refused: {e:?}"));
        device.renew().await.unwrap();
        device
    }
}

impl Device {
    /// Enrols a new key with `code`, sending from `local` if given.
    pub async fn enrol(
        base: &str,
        fingerprint: &str,
        code: &str,
        local: Option<IpAddr>,
    ) -> Result<Device, (u16, ApiError)> {
        let pkcs8 = new_key();
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap();
        let http = pinned_from(fingerprint, local);
        let r = http
            .post(format!("{base}{}", wire::ENROLL_PATH))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .json(&wire::EnrollRequest {
                code: code.to_owned(),
                public_key: URL_SAFE_NO_PAD.encode(key.public_key().as_ref()),
                app_version: APP_VERSION.into(),
            })
            .send()
            .await
            .unwrap();
        if r.status() != 200 {
            return Err(api_error(r).await);
        }
        let enrolled: wire::EnrollResponse = r.json().await.unwrap();
        Ok(Device {
            id: enrolled.device_id,
            store: enrolled.store_id,
            base: base.to_owned(),
            fingerprint: fingerprint.to_owned(),
            http,
            local,
            key: Arc::new(key),
            pkcs8: Arc::new(pkcs8),
            held: Arc::new(Mutex::new(None)),
        })
    }

    /// The same device sending from another local address (sharing its lease).
    pub fn via(&self, local: IpAddr) -> Device {
        Device {
            local: Some(local),
            ..self.with_client(pinned_from(&self.fingerprint, Some(local)))
        }
    }

    /// The same device sending with another HTTP client (sharing its lease).
    pub fn with_client(&self, http: reqwest::Client) -> Device {
        Device {
            http,
            ..self.clone()
        }
    }

    /// The same device talking to the server at `base` (restarted on another port).
    pub fn at(&self, base: &str) -> Device {
        Device {
            base: base.to_owned(),
            ..self.clone()
        }
    }

    /// The same device holding `held` instead (a forged or foreign lease, to show what the
    /// server refuses); the original keeps its own.
    pub fn with_lease(&self, held: HeldLease) -> Device {
        Device {
            held: Arc::new(Mutex::new(Some(held))),
            ..self.clone()
        }
    }

    /// What a child process needs to act as this device: `id|store|base|pin|key`.
    pub fn export(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.id,
            self.store,
            self.base,
            self.fingerprint,
            URL_SAFE_NO_PAD.encode(self.pkcs8.as_slice())
        )
    }

    /// The device of [`Device::export`], without a lease yet.
    pub fn import(spec: &str) -> Device {
        let parts: Vec<&str> = spec.split('|').collect();
        let pkcs8 = URL_SAFE_NO_PAD.decode(parts[4]).unwrap();
        Device {
            id: parts[0].into(),
            store: parts[1].into(),
            base: parts[2].into(),
            fingerprint: parts[3].into(),
            http: pinned_from(parts[3], None),
            local: None,
            key: Arc::new(Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap()),
            pkcs8: Arc::new(pkcs8),
            held: Arc::new(Mutex::new(None)),
        }
    }

    /// A presence request as the device signs it, with a fresh nonce.
    pub fn presence_request(&self) -> wire::PresenceRequest {
        let mut nonce = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce).unwrap();
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let sig = self
            .key
            .sign(&wire::presence_message(&self.id, &nonce, APP_VERSION));
        wire::PresenceRequest {
            device_id: self.id.clone(),
            nonce,
            app_version: APP_VERSION.into(),
            signature: URL_SAFE_NO_PAD.encode(sig.as_ref()),
        }
    }

    /// Sends a presence request as it is.
    pub async fn presence_raw(&self, request: &wire::PresenceRequest) -> reqwest::Response {
        self.try_presence_raw(request).await.unwrap()
    }

    async fn try_presence_raw(
        &self,
        request: &wire::PresenceRequest,
    ) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(format!("{}{}", self.base, wire::PRESENCE_PATH))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .json(request)
            .send()
            .await
    }

    /// Proves presence and takes the new lease. A server that cannot be reached answers
    /// status 0, `unreachable`.
    pub async fn renew(&self) -> Result<(), (u16, ApiError)> {
        let request = self.presence_request();
        let sent = Instant::now();
        let r = self.try_presence_raw(&request).await.map_err(|e| {
            let error = ApiError {
                error: "unreachable".into(),
                message: e.to_string(),
                expected_seq: None,
                order: None,
                key_chain: Vec::new(),
            };
            (0, error)
        })?;
        if r.status() != 200 {
            return Err(api_error(r).await);
        }
        let answer: wire::PresenceResponse = r.json().await.unwrap();
        let payload = answer.lease.split('.').next().unwrap();
        let lease: Lease =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(
            (lease.device_id.as_str(), lease.nonce.as_str()),
            (self.id.as_str(), request.nonce.as_str())
        );
        *self.held.lock().unwrap() = Some(HeldLease {
            token: answer.lease,
            lease,
            sent,
        });
        Ok(())
    }

    /// The lease held now.
    pub fn lease(&self) -> HeldLease {
        self.held.lock().unwrap().clone().expect("no lease")
    }

    /// The request's `t`: milliseconds since the lease's presence check was sent.
    pub fn t(&self) -> u64 {
        self.lease().sent.elapsed().as_millis() as u64
    }

    /// The lease and signature headers of a request.
    pub fn headers(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> [(&'static str, String); 2] {
        let held = self.lease();
        let t = held.sent.elapsed().as_millis() as u64;
        signed_headers(
            &held.token,
            &held.lease.nonce,
            &self.key,
            t,
            method,
            path_and_query,
            body,
        )
    }

    /// A request with the protocol header, not signed yet (see [`Device::send`]).
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, path)
    }

    /// Signs the finished request (method, path with query, body) and sends it.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        self.try_send(request).await.unwrap()
    }

    /// [`Device::send`], with a failure to reach the server (refused, reset) as an error.
    pub async fn try_send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> reqwest::Result<reqwest::Response> {
        let mut request = request.build().unwrap();
        let url = request.url();
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let body = request
            .body()
            .and_then(|b| b.as_bytes())
            .unwrap_or_default()
            .to_vec();
        for (name, value) in self.headers(request.method().as_str(), &path, &body) {
            request.headers_mut().insert(
                name,
                reqwest::header::HeaderValue::from_str(&value).unwrap(),
            );
        }
        self.http.execute(request).await
    }

    /// Signs in an advisor on this device (the answer as it is).
    pub async fn sign_in(&self, advisor: &str, pin: &str) -> reqwest::Response {
        let body = wire::SignInRequest {
            advisor_id: advisor.into(),
            pin: pin.into(),
        };
        self.send(self.post(wire::SIGN_IN_PATH).json(&body)).await
    }

    pub async fn pull_raw(&self, store: &str, cursor: &str, limit: u32) -> reqwest::Response {
        self.try_pull_raw(store, cursor, limit).await.unwrap()
    }

    pub async fn try_pull_raw(
        &self,
        store: &str,
        cursor: &str,
        limit: u32,
    ) -> reqwest::Result<reqwest::Response> {
        let request = self
            .get(&carnet_protocol::changes_path(store))
            .query(&[("cursor", cursor), ("limit", &limit.to_string())]);
        self.try_send(request).await
    }

    pub async fn pull(&self, store: &str, cursor: &str, limit: u32) -> ChangePage {
        let r = self.pull_raw(store, cursor, limit).await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
        r.json().await.unwrap()
    }

    /// Pulls from `cursor` to the end: (changes, final cursor, pages).
    pub async fn pull_all(
        &self,
        store: &str,
        cursor: &str,
        limit: u32,
    ) -> (Vec<Change>, String, usize) {
        let mut cursor = cursor.to_owned();
        let mut changes = Vec::new();
        let mut pages = 0;
        loop {
            let page = self.pull(store, &cursor, limit).await;
            pages += 1;
            changes.extend(page.changes);
            cursor = page.next_cursor;
            if !page.has_more {
                return (changes, cursor, pages);
            }
        }
    }

    pub async fn push_raw(&self, store: &str, mutations: Vec<Mutation>) -> reqwest::Response {
        self.try_push_raw(store, mutations).await.unwrap()
    }

    pub async fn try_push_raw(
        &self,
        store: &str,
        mutations: Vec<Mutation>,
    ) -> reqwest::Result<reqwest::Response> {
        let request = self
            .post(&carnet_protocol::mutations_path(store))
            .json(&PushRequest { mutations });
        self.try_send(request).await
    }

    pub async fn push(&self, store: &str, mutations: Vec<Mutation>) -> PushResponse {
        let r = self.push_raw(store, mutations).await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
        r.json().await.unwrap()
    }

    /// The core's sync client for this device's store, signing with this device.
    pub fn sync_client(&self) -> SyncClient {
        self.sync_client_as(&self.store, &self.fingerprint)
    }

    /// The core's sync client for any store and pin, to show what the server and the pin
    /// refuse.
    pub fn sync_client_as(&self, store: &str, pin: &str) -> SyncClient {
        SyncClient::new(
            ServerConfig {
                base_urls: vec![self.base.clone()],
                certificate_pin: pin.into(),
                store_id: store.into(),
                local_address: self.local,
            },
            Arc::new(self.clone()),
        )
        .unwrap()
    }
}

impl RequestSigner for Device {
    fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<Vec<(&'static str, String)>, SyncError> {
        if self.held.lock().unwrap().is_none() {
            return Err(SyncError::NotOnStoreNetwork);
        }
        Ok(self.headers(method, path_and_query, body).into())
    }
}

/// The headers of a request signed by `key` at `t` with the lease `token` of `nonce`: what a
/// device sends, or what a forger would.
pub fn signed_headers(
    token: &str,
    nonce: &str,
    key: &Ed25519KeyPair,
    t: u64,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> [(&'static str, String); 2] {
    let body_hash = carnet_sync_server::ids::hex(&carnet_sync_server::ids::sha256(body));
    let message = wire::request_message(method, path_and_query, nonce, t, &body_hash);
    let signature = URL_SAFE_NO_PAD.encode(key.sign(&message).as_ref());
    [
        (wire::HEADER_LEASE, token.to_owned()),
        (
            wire::HEADER_DEVICE_AUTH,
            wire::device_auth_header(t, &signature),
        ),
    ]
}
