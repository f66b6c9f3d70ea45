//! The HTTP side of sync: pinned TLS to the store's server, the protocol header on every
//! request, bounded response bodies, and server answers turned into typed errors.

use std::net::IpAddr;
use std::time::Duration;

use carnet_protocol::presence::codes as presence_codes;
use carnet_protocol::{
    ApiError, ChangePage, HEADER_PROTOCOL, PROTOCOL_VERSION, PushRequest, PushResponse, codes,
};
use serde::de::DeserializeOwned;

use super::{Addresses, NetworkFailure, SyncError};

/// The largest response body accepted: a full page of the feed compresses far below it.
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// Signs each request for an enrolled device: the headers carrying the lease and the
/// device's signature over method, path with query and body. Fails when there is no valid
/// lease (the device is not present in the store).
pub trait RequestSigner: Send + Sync {
    /// Headers for this request.
    fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<Vec<(&'static str, String)>, SyncError>;
}

/// Where the device syncs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `https://host:port`, no trailing slash: the server's addresses (its replicas), the
    /// first tried first. A request that cannot reach one goes to the next.
    pub base_urls: Vec<String>,
    /// SHA-256 of the server certificate (hex): the only certificate accepted.
    pub certificate_pin: String,
    /// The device's store.
    pub store_id: String,
    /// The address to send from, when the platform names one (see
    /// `session::NetworkEvent::source_address`); the OS picks otherwise.
    pub local_address: Option<IpAddr>,
}

/// A client for one store's feed and mutation intake.
#[derive(Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    config: ServerConfig,
    addresses: Addresses,
    page_limit: u32,
    signer: std::sync::Arc<dyn RequestSigner>,
}

impl SyncClient {
    /// Builds a client that trusts only the pinned certificate and authenticates every
    /// request with `signer` (the enrolled device's lease and key).
    pub fn new(
        config: ServerConfig,
        signer: std::sync::Arc<dyn RequestSigner>,
    ) -> Result<Self, SyncError> {
        carnet_protocol::pin::install_default_provider();
        let tls = carnet_protocol::pin::client_config(&config.certificate_pin)
            .map_err(|_| SyncError::InvalidConfig("certificate pin is not 64 hex digits"))?;
        let addresses = Addresses::new(&config.base_urls)
            .ok_or(SyncError::InvalidConfig("no server address"))?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .local_address(config.local_address)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .gzip(true)
            .build()
            .map_err(|_| SyncError::InvalidConfig("HTTP client could not be built"))?;
        Ok(Self {
            http,
            config,
            addresses,
            page_limit: super::PAGE_LIMIT,
            signer,
        })
    }

    /// Asks for pages of at most `limit` changes (the server caps it).
    pub fn with_page_limit(mut self, limit: u32) -> Self {
        self.page_limit = limit.max(1);
        self
    }

    /// One page of the feed after `cursor`.
    pub async fn pull(&self, cursor: &str) -> Result<ChangePage, SyncError> {
        let limit = self.page_limit.to_string();
        let path = carnet_protocol::changes_path(&self.config.store_id);
        self.send_anywhere(|base| {
            self.http
                .get(format!("{base}{path}"))
                .query(&[("cursor", cursor), ("limit", limit.as_str())])
        })
        .await
    }

    /// Sends pending mutations; the answer has one result per mutation. Sent again to
    /// another address it is applied once: the server answers a seq it has from its record.
    pub async fn push(&self, body: &PushRequest) -> Result<PushResponse, SyncError> {
        let path = carnet_protocol::mutations_path(&self.config.store_id);
        self.send_anywhere(|base| self.http.post(format!("{base}{path}")).json(body))
            .await
    }

    /// Sends the request `build` makes for an address, to the one that answered last, then
    /// to the next ones while they cannot be reached.
    async fn send_anywhere<T: DeserializeOwned>(
        &self,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let unreachable = |e: &SyncError| matches!(e, SyncError::Network(_));
        let build = &build;
        self.addresses
            .call(
                unreachable,
                |base| async move { self.send(build(&base)).await },
            )
            .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let request = request.header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string());
        let built = request
            .try_clone()
            .ok_or(SyncError::InvalidConfig("request body cannot be signed"))?
            .build()
            .map_err(network)?;
        let url = built.url();
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let body = built.body().and_then(|b| b.as_bytes()).unwrap_or_default();
        let headers = self
            .signer
            .sign(built.method().as_str(), &path_and_query, body)?;
        let request = headers
            .into_iter()
            .fold(request, |r, (name, value)| r.header(name, value));
        let mut response = request.send().await.map_err(network)?;
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(SyncError::ResponseTooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(SyncError::ResponseTooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        read_answer(status.as_u16(), &body)
    }
}

/// Reads a server's answer as the client receives it: `T` from a success (a [`ChangePage`],
/// a [`PushResponse`]), else the typed error its status and [`ApiError`] body say.
pub fn read_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, SyncError> {
    if (200..300).contains(&status) {
        return serde_json::from_slice(body).map_err(|e| {
            SyncError::Malformed(format!("{:?} at column {}", e.classify(), e.column()))
        });
    }
    let api: Option<ApiError> = serde_json::from_slice(body).ok();
    Err(from_api(status, api))
}

fn network(e: reqwest::Error) -> SyncError {
    SyncError::Network(NetworkFailure::of(&e))
}

fn from_api(status: u16, api: Option<ApiError>) -> SyncError {
    let Some(api) = api else {
        return SyncError::Server {
            status,
            code: String::new(),
        };
    };
    match api.error.as_str() {
        presence_codes::DEVICE_REVOKED
        | presence_codes::REMOTE_WIPE
        | presence_codes::UNKNOWN_DEVICE
        | presence_codes::NOT_ON_STORE_NETWORK
        | presence_codes::BAD_LEASE => SyncError::DeviceRefused {
            status,
            code: api.error,
            order: api.order,
            key_chain: api.key_chain,
        },
        codes::UPGRADE_REQUIRED => SyncError::UpgradeRequired(api.message),
        codes::UNAUTHORIZED => SyncError::Unauthorized,
        codes::FORBIDDEN_STORE => SyncError::ForbiddenStore,
        codes::CURSOR_EXPIRED => SyncError::CursorExpired,
        codes::SEQUENCE_GAP => SyncError::SequenceGap {
            expected: api.expected_seq.unwrap_or_default(),
        },
        _ => SyncError::Server {
            status,
            code: api.error,
        },
    }
}
