//! The HTTP side of sync: pinned TLS to the store's server, the protocol header on every
//! request, bounded response bodies, and server answers turned into typed errors.
//!
//! An answer is inflated while it streams in: its compressed bytes go through a short queue to
//! a blocking thread, which inflates them into the page's text and parses it; the text is freed
//! as soon as the page is decoded. The socket (TCP's window) holds what the queue does not.
//! (Parsing straight from the stream, without the text, saved another 10 MB of peak RSS in an
//! initial sync but parsed at half the speed: the slower initial sync was the worse deal.)

use std::io::Read;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use carnet_protocol::presence::codes as presence_codes;
use carnet_protocol::{
    ApiError, ChangePage, HEADER_PROTOCOL, PROTOCOL_VERSION, PushRequest, PushResponse, codes,
};
use serde::de::DeserializeOwned;

use super::{Addresses, NetworkFailure, SyncError};

/// The largest response body accepted, as received and once inflated: a full page of the
/// feed is a few megabytes.
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// Chunks of an answer (each up to a TLS record, 16 KiB) waiting for the decoder.
const DECODE_QUEUE_CHUNKS: usize = 8;

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
    /// Answer bodies received, in bytes as they came (compressed).
    received: Arc<AtomicU64>,
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
            // Inflated by the decoder (see `decode_streamed`), which counts the bytes received.
            .gzip(false)
            .build()
            .map_err(|_| SyncError::InvalidConfig("HTTP client could not be built"))?;
        Ok(Self {
            http,
            config,
            addresses,
            page_limit: super::PAGE_LIMIT,
            signer,
            received: Arc::default(),
        })
    }

    /// Bytes of answer bodies this client (and its clones) received so far, as they came over
    /// the network (compressed; headers and TLS framing not counted).
    pub fn body_bytes_received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
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
    async fn send_anywhere<T: DeserializeOwned + Send + 'static>(
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

    async fn send<T: DeserializeOwned + Send + 'static>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let request = request
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(reqwest::header::ACCEPT_ENCODING, "gzip");
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
        let response = request.send().await.map_err(network)?;
        if response
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(SyncError::ResponseTooLarge);
        }
        decode_streamed(response, &self.received).await
    }
}

/// Reads `response` as [`read_answer`] would, inflating it on a blocking thread while it comes
/// in: the network side hands the decoder at most [`DECODE_QUEUE_CHUNKS`] chunks ahead.
async fn decode_streamed<T: DeserializeOwned + Send + 'static>(
    mut response: reqwest::Response,
    received: &AtomicU64,
) -> Result<T, SyncError> {
    let status = response.status().as_u16();
    let gzipped = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let (chunks, queue) = tokio::sync::mpsc::channel(DECODE_QUEUE_CHUNKS);
    let decoder = tokio::task::spawn_blocking(move || {
        let mut body = ChunkReader::new(queue);
        let text = if gzipped {
            read_bounded(flate2::read::GzDecoder::new(&mut body))
        } else {
            read_bounded(&mut body)
        }?;
        read_answer(status, &text)
    });
    let mut total = 0usize;
    let streamed = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                total += chunk.len();
                received.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                if total > MAX_RESPONSE_BYTES {
                    break Err(SyncError::ResponseTooLarge);
                }
                // The decoder stopped early (an oversized or broken body): its error says why.
                if chunks.send(chunk).await.is_err() {
                    break Ok(());
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(network(e)),
        }
    };
    // The decoder sees the end of the body (or its cut) and finishes.
    drop(chunks);
    let decoded = decoder
        .await
        .map_err(|_| SyncError::Malformed("the decoder stopped".into()))?;
    // A network failure or an oversized body says more than the parse error it caused.
    streamed?;
    decoded
}

/// The whole text of `body`, refused past [`MAX_RESPONSE_BYTES`] (of inflated text, when it
/// is compressed: a small body may inflate to gigabytes).
fn read_bounded(body: impl Read) -> Result<Vec<u8>, SyncError> {
    let mut text = Vec::new();
    body.take(MAX_RESPONSE_BYTES as u64 + 1)
        .read_to_end(&mut text)
        .map_err(|_| SyncError::Malformed("the compressed body does not inflate".into()))?;
    if text.len() > MAX_RESPONSE_BYTES {
        return Err(SyncError::ResponseTooLarge);
    }
    Ok(text)
}

/// The body as it comes from the network side, chunk by chunk.
struct ChunkReader {
    queue: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    current: bytes::Bytes,
}

impl ChunkReader {
    fn new(queue: tokio::sync::mpsc::Receiver<bytes::Bytes>) -> Self {
        Self {
            queue,
            current: bytes::Bytes::new(),
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.queue.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

fn malformed(e: serde_json::Error) -> SyncError {
    SyncError::Malformed(format!("{:?} at column {}", e.classify(), e.column()))
}

/// Reads a server's answer as the client receives it: `T` from a success (a [`ChangePage`],
/// a [`PushResponse`]), else the typed error its status and [`ApiError`] body say.
pub fn read_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, SyncError> {
    if (200..300).contains(&status) {
        return serde_json::from_slice(body).map_err(malformed);
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
