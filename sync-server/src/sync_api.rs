//! The sync endpoints: pull of a store's change feed and push of a device's mutations.

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{get, post};
use carnet_protocol::presence::codes as presence_codes;
use carnet_protocol::{
    DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_PUSH_BYTES, Outcome, PushRequest, PushResponse, codes,
};
use serde::Deserialize;

use crate::feed::{self, PageError};
use crate::http::{
    AppState, ClientAddr, HttpError, Presented, authorize, authorize_lease, check_signature,
    read_body,
};
use crate::mutations::{self, BodyError, PushError};

/// The pull and push routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/stores/{store_id}/changes", get(pull))
        .route("/v1/stores/{store_id}/mutations", post(push))
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
            PushError::Gap { expected } => Self::new(
                StatusCode::CONFLICT,
                codes::SEQUENCE_GAP,
                format!("mutations must follow on: expected seq {expected}"),
            )
            .with_expected_seq(expected),
            PushError::Revoked => Self::new(
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHORIZED,
                "this device was revoked",
            ),
            PushError::Db(e) => e.into(),
        }
    }
}

impl From<BodyError> for HttpError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooMany => Self::too_large(e.to_string()),
            BodyError::NotAPush { .. } | BodyError::ZeroSeq => Self::bad_request(e.to_string()),
        }
    }
}

#[derive(Deserialize)]
struct PullQuery {
    cursor: Option<String>,
    limit: Option<String>,
}

async fn pull(
    State(state): State<AppState>,
    client: ClientAddr,
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
    let presented = Presented {
        client,
        method: "GET",
        uri: &uri,
        headers: &headers,
    };
    let caller = authorize(&state, presented, &[], Some(store_id.clone())).await?;
    let page = state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            Ok(feed::read_page(conn, &store_id, &cursor, limit)?)
        })
        .await?;
    let device_id = caller.device_id;
    tracing::debug!(device = %device_id, changes = page.payloads.len(), has_more = page.has_more, "pull");
    if !page.has_more {
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
    client: ClientAddr,
    path: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<PushResponse>, HttpError> {
    let Path(store_id) = path.map_err(|_| HttpError::bad_request("malformed store id"))?;
    // The lease, the device and the address first: nobody else's body is ever read. Then the
    // body, bounded in size and time, then the device's signature over it.
    let presented = Presented {
        client,
        method: "POST",
        uri: &uri,
        headers: &headers,
    };
    let holder = authorize_lease(&state, presented, Some(store_id)).await?;
    let bytes = read_body(&state, &headers, body, MAX_PUSH_BYTES).await?;
    let caller = check_signature(&state, holder, presented, &bytes).await?;
    let request = mutations::read_request(&bytes)?;
    check_advisors(&state, &caller.device_id, &request).await?;
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
