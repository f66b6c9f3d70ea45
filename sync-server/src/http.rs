//! What every HTTP endpoint shares: the protocol-version gate, device authentication, body
//! parsing, and the one mapping from internal errors to the protocol's `ApiError` (which also
//! decides what is logged).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use carnet_protocol::presence::{HEADER_DEVICE_AUTH, HEADER_LEASE, codes as presence_codes};
use carnet_protocol::{ApiError, HEADER_PROTOCOL, PROTOCOL_VERSION, codes};
use serde::de::DeserializeOwned;

use crate::auth::{self, AuthError, Credentials};
use crate::db::Db;
use crate::error::{AdminError, Error, json_category};
use crate::lease::LeaseSigner;
use crate::limits::Limits;
use crate::{events, stores};

/// An error answer: a status and the protocol's error body.
#[derive(Debug)]
pub struct HttpError {
    status: StatusCode,
    body: ApiError,
}

impl HttpError {
    /// An answer with `status`, a stable `code` and a message for people.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ApiError {
                error: code.to_owned(),
                message: message.into(),
                expected_seq: None,
                order: None,
                key_chain: Vec::new(),
            },
        }
    }

    /// A 400 answer.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    /// A 413 answer.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            message,
        )
    }

    /// The same answer, carrying a signed shred order.
    pub fn with_order(mut self, order: crate::lease::SignedOrder) -> Self {
        self.body.order = Some(order.token);
        self.body.key_chain = order.key_chain;
        self
    }

    /// The same answer, telling the device which seq the server expects next.
    pub fn with_expected_seq(mut self, seq: u64) -> Self {
        self.body.expected_seq = Some(seq);
        self
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let code = ErrorCode(self.body.error.clone());
        let busy = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = (self.status, axum::Json(self.body)).into_response();
        response.extensions_mut().insert(code);
        if busy {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, BUSY_RETRY_AFTER.into());
        }
        response
    }
}

/// Seconds a caller told "busy" (503) waits before trying again.
const BUSY_RETRY_AFTER: u32 = 2;

/// The error code of an answer, for the security journal ([`journal`]).
#[derive(Debug, Clone)]
struct ErrorCode(String);

/// What a refusal was about (an advisor's id), for the security journal; set by a handler on
/// its answer, never from what a caller typed unless it names a real record.
#[derive(Debug, Clone)]
pub(crate) struct JournalTarget(pub String);

impl From<Error> for HttpError {
    fn from(e: Error) -> Self {
        if matches!(e, Error::Busy) {
            tracing::warn!("database busy: a request was refused with 503");
            return Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::BUSY,
                "the server is busy; try again shortly",
            );
        }
        // Internal errors carry no record values (see `Error`), so they may be logged.
        tracing::error!(error = %e, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "the server failed; try again later",
        )
    }
}

impl From<AuthError> for HttpError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthorized(why) => {
                Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, why)
            }
            AuthError::ForbiddenStore => Self::new(
                StatusCode::FORBIDDEN,
                codes::FORBIDDEN_STORE,
                "this device may not sync that store",
            ),
            AuthError::BadLease(why) => {
                Self::new(StatusCode::UNAUTHORIZED, presence_codes::BAD_LEASE, why)
            }
            AuthError::Revoked(order) => Self::new(
                StatusCode::UNAUTHORIZED,
                presence_codes::DEVICE_REVOKED,
                "this device was revoked: its data must be destroyed",
            )
            .with_order(order),
            AuthError::Wiped(order) => Self::new(
                StatusCode::UNAUTHORIZED,
                presence_codes::REMOTE_WIPE,
                "a remote wipe was ordered for this device",
            )
            .with_order(order),
            AuthError::UnknownDevice => Self::new(
                StatusCode::UNAUTHORIZED,
                presence_codes::UNKNOWN_DEVICE,
                "this device is not known to the server: a manager must enrol it again",
            ),
            AuthError::OffNetwork(why) => Self::new(
                StatusCode::FORBIDDEN,
                presence_codes::NOT_ON_STORE_NETWORK,
                why,
            ),
            AuthError::Replayed => Self::new(
                StatusCode::CONFLICT,
                presence_codes::REPLAYED_REQUEST,
                "this request was received already: sign it again to send it again",
            ),
            AuthError::Db(e) => e.into(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Arc<Db>,
    /// The lease-signing key.
    pub lease: Arc<LeaseSigner>,
    /// The TLS certificate's SHA-256 (hex), for enrolment QR codes.
    pub certificate_pin: String,
    /// Proxies whose `X-Forwarded-For` is believed (see [`crate::peer`]).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Bounds on request bodies.
    pub limits: Arc<Limits>,
    /// How many refusals of each address the security journal still takes this minute.
    pub journal: Arc<events::Ration>,
    /// Every address of the server, told to devices at enrolment (empty: only the one they
    /// enrolled through).
    pub server_urls: Arc<[String]>,
    /// The bearer token the SMS gateway sends with replies (none: replies are refused).
    pub inbound_sms_token: Option<Arc<str>>,
    /// The stores' sales, kept for the managers' dashboard until the purchases change.
    pub sales: Arc<crate::kept::Kept<crate::sales::Sales>>,
    /// The stores' customers, kept for the console's searches and duplicate review until a
    /// customer changes.
    pub customers: Arc<crate::kept::Kept<crate::directory::Directory>>,
}

/// The address a request comes from (see [`crate::peer::client_address`]); `None` when it
/// cannot be told, which no store's network contains. Needs the router to be served with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientAddr(peer.and_then(|peer| {
            crate::peer::client_address(peer, &parts.headers, &state.trusted_proxies)
        })))
    }
}

pub(crate) async fn require_protocol(request: Request, next: Next) -> Response {
    let version = request
        .headers()
        .get(HEADER_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    if version.is_none_or(|v| v < PROTOCOL_VERSION) {
        return HttpError::new(
            StatusCode::UPGRADE_REQUIRED,
            codes::UPGRADE_REQUIRED,
            "this app is too old for the server; update Carnet",
        )
        .into_response();
    }
    next.run(request).await
}

/// Writes the security journal (see [`crate::events`]): every refusal — 401, 403, 429 and a
/// replayed write — with who (a device by its verified lease, a manager by her token), what
/// (method and route), the error code and the address; and every manager's action that
/// succeeded, with what it was about (the path's ids). Written before the answer leaves.
pub(crate) async fn journal(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let path = request.uri().path().to_owned();
    let lease = credentials(request.headers()).lease;
    let bearer = bearer_token(request.headers());
    let response = next.run(request).await;
    let status = response.status();
    let code = response
        .extensions()
        .get::<ErrorCode>()
        .map(|c| c.0.clone());
    let refused = matches!(
        status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
    ) || code.as_deref() == Some(presence_codes::REPLAYED_REQUEST);
    let route_text = route.as_deref().unwrap_or("(no route)");
    let managed = route_text.starts_with("/v1/admin")
        && method != axum::http::Method::GET
        && status.is_success();
    if !refused && !managed {
        return response;
    }
    let allowance = if refused {
        let allowance = state.journal.take(client, std::time::Instant::now());
        if !allowance.write && allowance.held_back == 0 {
            return response;
        }
        allowance
    } else {
        events::Allowance {
            write: true,
            held_back: 0,
        }
    };
    let target = match response.extensions().get::<JournalTarget>() {
        Some(t) => Some(t.0.clone()),
        None => route.as_deref().and_then(|r| path_ids(r, &path)),
    };
    let device = lease.and_then(|token| state.lease.verify(&token));
    let outcome = |code: Option<String>| match refused {
        true => events::Outcome::Refused {
            status: status.as_u16(),
            code: code.unwrap_or_default(),
        },
        false => events::Outcome::Done,
    };
    let event = events::Event {
        store_id: None,
        actor: events::Actor::Unknown,
        action: format!("{method} {route_text}"),
        outcome: outcome(code),
        target,
        source: client,
    };
    let written = state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            let (actor, store_id) = match (device, bearer) {
                (Some(lease), _) => (events::Actor::Device(lease.device_id), Some(lease.store_id)),
                (None, Some(token)) => match stores::manager_by_token(conn, &token)? {
                    Some((id, store)) => (events::Actor::Manager(id), Some(store)),
                    None => (events::Actor::Unknown, None),
                },
                (None, None) => (events::Actor::Unknown, None),
            };
            if allowance.held_back > 0 {
                events::record(
                    conn,
                    &events::Event {
                        store_id: None,
                        actor: events::Actor::Unknown,
                        action: format!(
                            "{} more refusals from this address in the minute before",
                            allowance.held_back
                        ),
                        outcome: events::Outcome::Refused {
                            status: status.as_u16(),
                            code: "held_back".into(),
                        },
                        target: None,
                        source: event.source,
                    },
                )?;
            }
            if allowance.write {
                events::record(
                    conn,
                    &events::Event {
                        store_id,
                        actor,
                        ..event
                    },
                )?;
            }
            Ok(())
        })
        .await;
    if written.is_err() {
        // The cause was logged where it became an `HttpError`.
        tracing::error!("the security journal was not written");
    }
    response
}

/// The values of a path's parameters (`/v1/admin/advisors/{id}/reset` and
/// `/v1/admin/advisors/A042/reset` give `A042`; a network's address and prefix give
/// `192.168.10.0/24`), or `None` when the route has none.
fn path_ids(route: &str, path: &str) -> Option<String> {
    let ids: Vec<&str> = route
        .split('/')
        .zip(path.split('/'))
        .filter(|(r, _)| r.starts_with('{'))
        .map(|(_, p)| p)
        .collect();
    (!ids.is_empty()).then(|| ids.join("/"))
}

pub(crate) async fn not_found() -> HttpError {
    HttpError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "no such endpoint")
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The device credentials a request carries.
fn credentials(headers: &HeaderMap) -> Credentials {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Credentials {
        lease: text(HEADER_LEASE),
        device_auth: text(HEADER_DEVICE_AUTH),
    }
}

/// The path and query a device signed.
fn signed_parts(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
}

/// What a device request shows before its body: where it comes from, what it asks for, its
/// headers.
#[derive(Clone, Copy)]
pub(crate) struct Presented<'a> {
    /// Its address.
    pub client: ClientAddr,
    /// Its method.
    pub method: &'static str,
    /// Its path and query.
    pub uri: &'a Uri,
    /// Its headers.
    pub headers: &'a HeaderMap,
}

/// Checks a device request's headers and address (see [`auth::check_lease`]): for
/// `store_id` when the path names one. Needs nothing of the body, so it runs before the body
/// is read.
pub(crate) async fn authorize_lease(
    state: &AppState,
    request: Presented<'_>,
    store_id: Option<String>,
) -> Result<auth::LeaseHolder, HttpError> {
    let creds = credentials(request.headers);
    let signer = Arc::clone(&state.lease);
    let client = request.client.0;
    state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            Ok(auth::check_lease(
                conn,
                &creds,
                store_id.as_deref(),
                client,
                &signer,
                crate::lease::now_ms(),
            )?)
        })
        .await
}

/// Checks the device's signature over method, path with query and `body` (see
/// [`auth::LeaseHolder::check_signature`]); accepts a write (not a `GET`) only once.
pub(crate) async fn check_signature(
    state: &AppState,
    holder: auth::LeaseHolder,
    request: Presented<'_>,
    body: &[u8],
) -> Result<auth::Caller, HttpError> {
    let body_hash = crate::ids::hex(&crate::ids::sha256(body));
    let path = signed_parts(request.uri);
    let caller = holder.check_signature(
        auth::Signed {
            method: request.method,
            path_and_query: &path,
            body_sha256_hex: &body_hash,
        },
        &state.lease,
    )?;
    if request.method != "GET" {
        let seen = caller.clone();
        state
            .db
            .write(move |conn| -> Result<_, HttpError> {
                Ok(auth::accept_once(conn, &seen, crate::lease::now_ms())?)
            })
            .await?;
    }
    Ok(caller)
}

/// Authenticates a device request whose body is already in hand (a GET's is empty):
/// [`authorize_lease`], then [`check_signature`].
pub(crate) async fn authorize(
    state: &AppState,
    request: Presented<'_>,
    body: &[u8],
    store_id: Option<String>,
) -> Result<auth::Caller, HttpError> {
    let holder = authorize_lease(state, request, store_id).await?;
    check_signature(state, holder, request, body).await
}

/// Reads a request body of at most `limit` bytes within the configured time: 413 past the
/// size (a declared `Content-Length` over it is refused before a byte is read), 408 past the
/// time. Called only once the caller is known, or for bodies small by nature.
pub(crate) async fn read_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, HttpError> {
    let too_large = || HttpError::too_large(format!("a body here is at most {limit} bytes"));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(state.limits.body_read(), collect(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(Short::TooLarge)) => Err(too_large()),
        Ok(Err(Short::Broken)) => Err(HttpError::bad_request("the body did not arrive whole")),
        Err(_) => Err(HttpError::new(
            StatusCode::REQUEST_TIMEOUT,
            codes::BAD_REQUEST,
            "the body was not sent in time",
        )),
    }
}

/// Why a body was not read.
enum Short {
    TooLarge,
    /// The connection failed or closed mid-body.
    Broken,
}

/// The body's bytes, refused as soon as they pass `limit` (never more held than that and one
/// frame).
async fn collect(mut body: Body, limit: usize) -> Result<Bytes, Short> {
    use axum::body::HttpBody;
    let mut bytes = Vec::new();
    loop {
        match std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
            None => return Ok(Bytes::from(bytes)),
            Some(Err(_)) => return Err(Short::Broken),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if bytes.len() + data.len() > limit {
                        return Err(Short::TooLarge);
                    }
                    bytes.extend_from_slice(&data);
                }
            }
        }
    }
}

/// Reads a small body (enrolment, presence, sign-in, the manager's API): see [`read_body`].
pub(crate) async fn read_small_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, HttpError> {
    read_body(state, headers, body, state.limits.small_body_bytes).await
}

impl From<AdminError> for HttpError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(m) => {
                HttpError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, m)
            }
            AdminError::NotFound(m) => HttpError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, m),
            AdminError::Conflict(m) => {
                HttpError::new(StatusCode::CONFLICT, presence_codes::CONFLICT, m)
            }
            AdminError::Internal(m) => Error::Task(m).into(),
            AdminError::Db(e) => e.into(),
        }
    }
}

/// Parses a JSON body; the error names the problem (missing or unknown field, syntax and
/// position) without quoting values, which could be a PIN.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, HttpError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let text = e.to_string();
        let detail = if text.starts_with("missing field") || text.starts_with("unknown field") {
            // serde quotes only the field names here.
            text.split(" at line").next().unwrap_or_default().to_owned()
        } else {
            format!(
                "{} at line {} column {}",
                json_category(&e),
                e.line(),
                e.column()
            )
        };
        HttpError::bad_request(format!("the body is not valid: {detail}"))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn bearer_parsing() {
        let token = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            bearer_token(&headers)
        };
        assert_eq!(token("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(token("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(token("Basic abc"), None);
        assert_eq!(token("Bearer "), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn path_ids_are_the_route_parameters() {
        assert_eq!(
            path_ids(
                "/v1/admin/advisors/{id}/reset",
                "/v1/admin/advisors/A042/reset"
            )
            .as_deref(),
            Some("A042")
        );
        assert_eq!(
            path_ids(
                "/v1/admin/networks/{addr}/{prefix}",
                "/v1/admin/networks/10.0.0.0/24"
            )
            .as_deref(),
            Some("10.0.0.0/24")
        );
        assert_eq!(path_ids("/v1/admin/networks", "/v1/admin/networks"), None);
    }
}
