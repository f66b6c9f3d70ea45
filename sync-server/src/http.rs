//! The HTTP API: protocol-version gate, pull of a store's feed, push of mutations, and the one
//! mapping from internal errors to the protocol's `ApiError` (which also decides what is logged).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use carnet_protocol::presence::{HEADER_DEVICE_AUTH, HEADER_LEASE, codes as presence_codes};
use carnet_protocol::{
    ApiError, DEFAULT_PAGE_LIMIT, HEADER_PROTOCOL, MAX_PAGE_LIMIT, MAX_PUSH_BYTES,
    MAX_PUSH_MUTATIONS, Outcome, PROTOCOL_VERSION, PushRequest, PushResponse, codes,
};
use serde::Deserialize;
use tower_http::compression::{CompressionLayer, CompressionLevel};

use crate::auth::{self, AuthError, Credentials};
use crate::db::Db;
use crate::error::{Error, json_category};
use crate::feed::{self, PageError};
use crate::lease::LeaseSigner;
use crate::mutations::{self, PushError};

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
            },
        }
    }

    /// A 400 answer.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    fn too_large(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            message,
        )
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl From<Error> for HttpError {
    fn from(e: Error) -> Self {
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
            AuthError::Revoked => Self::new(
                StatusCode::UNAUTHORIZED,
                presence_codes::DEVICE_REVOKED,
                "this device was revoked: its data must be destroyed",
            ),
            AuthError::Wiped => Self::new(
                StatusCode::UNAUTHORIZED,
                presence_codes::REMOTE_WIPE,
                "a remote wipe was ordered for this device",
            ),
            AuthError::Db(e) => e.into(),
        }
    }
}

impl From<PageError> for HttpError {
    fn from(e: PageError) -> Self {
        match e {
            PageError::BadCursor => Self::bad_request("the cursor is malformed"),
            PageError::Expired => Self::new(
                StatusCode::GONE,
                codes::CURSOR_EXPIRED,
                "the feed was rebuilt: reset the cache and sync from the beginning",
            ),
            PageError::Db(e) => e.into(),
        }
    }
}

impl From<PushError> for HttpError {
    fn from(e: PushError) -> Self {
        match e {
            PushError::Gap { expected } => {
                let mut err = Self::new(
                    StatusCode::CONFLICT,
                    codes::SEQUENCE_GAP,
                    format!("mutations must follow on: expected seq {expected}"),
                );
                err.body.expected_seq = Some(expected);
                err
            }
            PushError::Revoked => Self::new(
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHORIZED,
                "this device was revoked",
            ),
            PushError::Db(e) => e.into(),
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
}

/// The application's routes, with the protocol gate and gzip compression.
pub fn router(db: Arc<Db>, lease: Arc<LeaseSigner>, certificate_pin: String) -> Router {
    Router::new()
        .route("/v1/stores/{store_id}/changes", get(pull))
        .route("/v1/stores/{store_id}/mutations", post(push))
        .merge(crate::device_api::routes())
        .merge(crate::admin::routes())
        .fallback(not_found)
        .layer(middleware::from_fn(require_protocol))
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .with_state(AppState {
            db,
            lease,
            certificate_pin,
        })
}

async fn require_protocol(request: Request, next: Next) -> Response {
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

async fn not_found() -> HttpError {
    HttpError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "no such endpoint")
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok();
    auth::bearer(value).map(str::to_owned)
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
        bearer: bearer_token(headers),
        lease: text(HEADER_LEASE),
        device_auth: text(HEADER_DEVICE_AUTH),
    }
}

/// The path and query a device signed.
fn signed_parts(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
}

/// Authenticates a device request, for `store_id` when the path names one (see
/// [`auth::authorize_request`]).
pub(crate) async fn authorize(
    state: &AppState,
    method: &'static str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    store_id: Option<String>,
) -> Result<auth::Caller, HttpError> {
    let creds = credentials(headers);
    let body_hash = crate::ids::hex(&crate::ids::sha256(body));
    let path = signed_parts(uri);
    let signer = Arc::clone(&state.lease);
    state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            let signed = auth::Signed {
                method,
                path_and_query: &path,
                body_sha256_hex: &body_hash,
            };
            Ok(auth::authorize_request(
                conn,
                &creds,
                signed,
                store_id.as_deref(),
                &signer,
                crate::lease::now_ms(),
            )?)
        })
        .await
}

#[derive(Deserialize)]
struct PullQuery {
    cursor: Option<String>,
    limit: Option<String>,
}

async fn pull(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PullQuery>, QueryRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let Path(store_id) = path.map_err(|_| HttpError::bad_request("malformed store id"))?;
    let Query(q) = query.map_err(|_| HttpError::bad_request("malformed query string"))?;
    let limit = match q.limit.as_deref() {
        None | Some("") => DEFAULT_PAGE_LIMIT,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=MAX_PAGE_LIMIT).contains(l))
            .ok_or_else(|| {
                HttpError::bad_request(format!("limit must be 1 to {MAX_PAGE_LIMIT}"))
            })?,
    };
    let cursor = q.cursor.unwrap_or_default();
    let caller = authorize(&state, "GET", &uri, &headers, &[], Some(store_id.clone())).await?;
    let page = state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            Ok(feed::read_page(conn, &store_id, &cursor, limit)?)
        })
        .await?;
    let device_id = caller.device_id;
    tracing::debug!(device = %device_id, changes = page.payloads.len(), has_more = page.has_more, "pull");
    if caller.enrolled && !page.has_more {
        // The manager's device list shows the sync lag: when a pull last reached the end.
        let id = device_id.clone();
        state
            .db
            .write(move |conn| crate::enrolment::synced(conn, &id))
            .await?;
    }
    let mut response = Response::new(Body::from(page.to_json()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

async fn push(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<PushResponse>, HttpError> {
    let Path(store_id) = path.map_err(|_| HttpError::bad_request("malformed store id"))?;
    let too_large = || HttpError::too_large(format!("a push is at most {MAX_PUSH_BYTES} bytes"));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_PUSH_BYTES) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_PUSH_BYTES)
        .await
        .map_err(|_| too_large())?;
    // The device signs the body too, so it is read (bounded) before the credentials are checked.
    let caller = authorize(&state, "POST", &uri, &headers, &bytes, Some(store_id)).await?;
    let request: PushRequest = serde_json::from_slice(&bytes).map_err(|e| {
        HttpError::bad_request(format!(
            "the body is not a push request ({} at line {} column {})",
            json_category(&e),
            e.line(),
            e.column()
        ))
    })?;
    if request.mutations.len() > MAX_PUSH_MUTATIONS {
        return Err(HttpError::too_large(format!(
            "a push carries at most {MAX_PUSH_MUTATIONS} mutations"
        )));
    }
    if request.mutations.iter().any(|m| m.seq == 0) {
        return Err(HttpError::bad_request("mutation seqs start at 1"));
    }
    if caller.enrolled {
        check_advisors(&state, &caller.device_id, &request).await?;
    }
    let device_id = caller.device_id.clone();
    let results = state
        .db
        .write(move |tx| mutations::push(tx, &device_id, &request.mutations))
        .await?;
    let applied = results
        .iter()
        .filter(|r| r.outcome == Outcome::Applied)
        .count();
    let rejected = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Rejected { .. }))
        .count();
    tracing::info!(device = %caller.device_id, store = %caller.store_id, mutations = results.len(), applied, rejected, "push");
    Ok(axum::Json(PushResponse { results }))
}

/// An enrolled device's edits may only name advisors who signed in on it (through the server):
/// a device cannot make one advisor act as another.
async fn check_advisors(
    state: &AppState,
    device_id: &str,
    request: &PushRequest,
) -> Result<(), HttpError> {
    let mut named: Vec<String> = request
        .mutations
        .iter()
        .filter_map(|m| m.advisor_id.clone())
        .collect();
    named.sort();
    named.dedup();
    let device_id = device_id.to_owned();
    state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            for advisor in &named {
                if !crate::advisors::signed_in_on(conn, &device_id, advisor)? {
                    return Err(HttpError::new(
                        StatusCode::FORBIDDEN,
                        presence_codes::ADVISOR_NOT_SIGNED_IN,
                        "an edit names an advisor who never signed in on this device",
                    ));
                }
            }
            Ok(())
        })
        .await
}
