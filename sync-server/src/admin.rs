//! The store manager's HTTP API under `/v1/admin`, authenticated by a manager token scoped to
//! one store, and the error every admin operation (CLI or HTTP) reports: clear, never personal.

use crate::sql::Conn;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post, put};
use carnet_protocol::codes;
use carnet_protocol::presence::{
    AdvisorInfo, BookAssignment, BookHandOver, DeviceInfo, EnrollmentCode, HandedOver, NewAdvisor,
    NewEnrollmentCode, NewStoreNetwork, PinReset, Policy, PolicyUpdate, StoreNetwork,
};

use crate::error::AdminError;
use crate::http::parse_body;
use crate::http::{AppState, HttpError, bearer_token, read_small_body};
use crate::{advisors, books, enrolment, events, networks, stores};

/// The routes under `/v1/admin`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/store", get(get_store).put(put_store))
        .route("/v1/admin/advisors", get(list_advisors).post(add_advisor))
        .route("/v1/admin/advisors/{id}/disable", post(disable_advisor))
        .route("/v1/admin/advisors/{id}/reset", post(reset_advisor))
        .route("/v1/admin/advisors/{id}/unlock", post(unlock_advisor))
        .route("/v1/admin/advisors/{id}/book", post(hand_over_book))
        .route("/v1/admin/customers/{id}/advisor", post(give_client))
        .route("/v1/admin/enrollment-codes", post(issue_code))
        .route("/v1/admin/devices", get(list_devices))
        .route("/v1/admin/devices/{id}/revoke", post(revoke_device))
        .route("/v1/admin/devices/{id}/wipe", post(wipe_device))
        .route("/v1/admin/networks", get(list_networks).post(add_network))
        .route("/v1/admin/networks/{addr}/{prefix}", delete(remove_network))
        .route("/v1/admin/events", get(list_events))
        .route("/v1/admin/results", get(store_results))
        .route("/v1/admin/templates", get(list_templates))
        .route(
            "/v1/admin/templates/{purpose}/{language}",
            put(set_template),
        )
}

/// Gives a customer of the manager's store to an advisor's client book, or to none.
async fn give_client(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<StatusCode, HttpError> {
    let (store, id, given) = request::<BookAssignment>(&state, &headers, path, body).await?;
    state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            let to = given.advisor_id.as_deref();
            Ok(books::reassign(conn, &store, &id, to, chrono::Utc::now())?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hands an advisor's whole client book over to another advisor of the manager's store.
async fn hand_over_book(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<axum::Json<HandedOver>, HttpError> {
    let (store, from, hand_over) = request::<BookHandOver>(&state, &headers, path, body).await?;
    let moved = state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(books::hand_over(
                conn,
                &store,
                &from,
                &hand_over.to,
                chrono::Utc::now(),
            )?)
        })
        .await?;
    Ok(axum::Json(HandedOver {
        moved: moved as u64,
    }))
}

/// How many events one page of the journal holds at most.
const EVENTS_PAGE: u32 = 500;

/// The store's security journal, newest first (`?limit=N`, at most 500).
async fn list_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: axum::extract::Query<EventsQuery>,
) -> Result<axum::Json<Vec<events::Entry>>, HttpError> {
    let store = manager(&state, &headers).await?;
    let limit = query.limit.unwrap_or(100).clamp(1, EVENTS_PAGE);
    let entries = state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            Ok(events::latest(conn, Some(&store), limit)?)
        })
        .await?;
    Ok(axum::Json(entries))
}

/// The store's own message templates.
async fn list_templates(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<carnet_protocol::TemplateRecord>>, HttpError> {
    read_own(&state, &headers, crate::templates::list).await
}

/// Replaces Carnet's template for a purpose and language in the manager's store; refused (400)
/// with the reason when it names an unknown placeholder.
async fn set_template(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((purpose, language)): Path<(String, String)>,
    body: Body,
) -> Result<axum::Json<carnet_protocol::TemplateRecord>, HttpError> {
    let store = manager(&state, &headers).await?;
    let body = read_small_body(&state, &headers, body).await?;
    let text: crate::templates::TemplateText = parse_body(&body)?;
    let saved = state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(crate::templates::set(
                conn, &store, &purpose, &language, text,
            )?)
        })
        .await?;
    tracing::info!("store template changed");
    Ok(axum::Json(saved))
}

/// Each advisor's results for a month (`?month=YYYY-MM`, this month by default).
async fn store_results(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: axum::extract::Query<ResultsQuery>,
) -> Result<axum::Json<carnet_protocol::presence::StoreResults>, HttpError> {
    let store = manager(&state, &headers).await?;
    let today = chrono::Utc::now().date_naive();
    let month = query
        .month
        .clone()
        .unwrap_or_else(|| today.format("%Y-%m").to_string());
    let (first, next) = crate::results::parse_month(&month)?;
    let until = today.min(next.pred_opt().unwrap_or(next));
    let results = state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            Ok(crate::results::of_store(conn, &store, first, until)?)
        })
        .await?;
    Ok(axum::Json(results))
}

#[derive(serde::Deserialize)]
struct ResultsQuery {
    month: Option<String>,
}

#[derive(serde::Deserialize)]
struct EventsQuery {
    limit: Option<u32>,
}

/// The manager's store, from `Authorization: Bearer <manager token>`.
async fn manager(state: &AppState, headers: &HeaderMap) -> Result<String, HttpError> {
    let token = bearer_token(headers).ok_or_else(|| {
        HttpError::new(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "a manager token is required",
        )
    })?;
    let store = state
        .db
        .read(move |conn| -> Result<_, HttpError> { Ok(stores::manager_store(conn, &token)?) })
        .await?;
    store.ok_or_else(|| {
        HttpError::new(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "unknown manager token",
        )
    })
}

fn id_of(path: Result<Path<String>, PathRejection>) -> Result<String, HttpError> {
    path.map(|Path(id)| id)
        .map_err(|_| HttpError::bad_request("malformed id in the path"))
}

async fn get_store(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Policy>, HttpError> {
    read_own(&state, &headers, stores::require).await
}

async fn put_store(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<Policy>, HttpError> {
    let store = manager(&state, &headers).await?;
    let body = read_small_body(&state, &headers, body).await?;
    let update: PolicyUpdate = parse_body(&body)?;
    let policy = state
        .db
        .write(move |conn| -> Result<_, HttpError> { Ok(stores::update(conn, &store, &update)?) })
        .await?;
    tracing::info!("store policy changed");
    Ok(axum::Json(policy))
}

async fn list_advisors(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<AdvisorInfo>>, HttpError> {
    read_own(&state, &headers, advisors::list).await
}

async fn add_advisor(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, axum::Json<AdvisorInfo>), HttpError> {
    let store = manager(&state, &headers).await?;
    let body = read_small_body(&state, &headers, body).await?;
    let new: NewAdvisor = parse_body(&body)?;
    // Checked before the write: hashing is slow and the writer thread serves everyone.
    advisors::check_pin(&new.pin)?;
    stores::check_id("an advisor id", &new.advisor_id)?;
    let info = state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            advisors::add(conn, &store, &new.advisor_id, &new.name, &new.pin)?;
            let info = advisors::list(conn, &store)?
                .into_iter()
                .find(|a| a.advisor_id == new.advisor_id)
                .ok_or_else(|| AdminError::Internal("advisor vanished".into()))?;
            Ok(info)
        })
        .await?;
    tracing::info!(advisor = %info.advisor_id, "advisor added");
    Ok((StatusCode::CREATED, axum::Json(info)))
}

async fn disable_advisor(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, HttpError> {
    order(
        &state,
        &headers,
        path,
        advisors::disable,
        "advisor disabled",
    )
    .await
}

async fn reset_advisor(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<StatusCode, HttpError> {
    let (store, id, reset) = request::<PinReset>(&state, &headers, path, body).await?;
    advisors::check_pin(&reset.pin)?;
    state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(advisors::reset(conn, &store, &id, &reset.pin)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unlock_advisor(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, HttpError> {
    order(&state, &headers, path, advisors::unlock, "advisor unlocked").await
}

async fn issue_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, axum::Json<EnrollmentCode>), HttpError> {
    let store = manager(&state, &headers).await?;
    let body = read_small_body(&state, &headers, body).await?;
    let request: NewEnrollmentCode = if body.is_empty() {
        NewEnrollmentCode::default()
    } else {
        parse_body(&body)?
    };
    let pin = state.certificate_pin.clone();
    let code = state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(enrolment::issue(
                conn,
                &store,
                request.ttl_minutes,
                &pin,
                None,
            )?)
        })
        .await?;
    tracing::info!(store = %code.store_id, "enrolment code issued");
    Ok((StatusCode::CREATED, axum::Json(code)))
}

async fn list_devices(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<DeviceInfo>>, HttpError> {
    read_own(&state, &headers, |conn, store| {
        enrolment::devices(conn, Some(store))
    })
    .await
}

async fn revoke_device(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, HttpError> {
    let revoke = |conn: &Conn<'_>, store: &str, id: &str| enrolment::revoke(conn, Some(store), id);
    order(&state, &headers, path, revoke, "device revoked").await
}

async fn wipe_device(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, HttpError> {
    let wipe =
        |conn: &Conn<'_>, store: &str, id: &str| enrolment::order_wipe(conn, Some(store), id);
    order(&state, &headers, path, wipe, "remote wipe ordered").await
}

async fn list_networks(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<StoreNetwork>>, HttpError> {
    read_own(&state, &headers, networks::list).await
}

async fn add_network(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, axum::Json<StoreNetwork>), HttpError> {
    let store = manager(&state, &headers).await?;
    let body = read_small_body(&state, &headers, body).await?;
    let new: NewStoreNetwork = parse_body(&body)?;
    let added = state
        .db
        .write(move |conn| -> Result<_, HttpError> { Ok(networks::add(conn, &store, &new.cidr)?) })
        .await?;
    tracing::info!(network = %added.cidr, "store network added");
    Ok((StatusCode::CREATED, axum::Json(added)))
}

async fn remove_network(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, HttpError> {
    let store = manager(&state, &headers).await?;
    let Path((addr, prefix)) =
        path.map_err(|_| HttpError::bad_request("malformed network in the path"))?;
    let cidr = format!("{addr}/{prefix}");
    let logged = cidr.clone();
    state
        .db
        .write(move |conn| -> Result<_, HttpError> { Ok(networks::remove(conn, &store, &cidr)?) })
        .await?;
    tracing::info!(network = %logged, "store network removed");
    Ok(StatusCode::NO_CONTENT)
}

/// Applies a manager's order to a device or an advisor of her store, and logs it with the id.
async fn order(
    state: &AppState,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
    order: fn(&Conn<'_>, &str, &str) -> Result<(), AdminError>,
    done: &'static str,
) -> Result<StatusCode, HttpError> {
    let store = manager(state, headers).await?;
    let id = id_of(path)?;
    let logged = id.clone();
    state
        .db
        .write(move |conn| -> Result<_, HttpError> { Ok(order(conn, &store, &id)?) })
        .await?;
    tracing::info!(id = %logged, "{done}");
    Ok(StatusCode::NO_CONTENT)
}

/// A manager's request about one thing of her store: her store, the path's id and the body.
async fn request<B: serde::de::DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<(String, String, B), HttpError> {
    let store = manager(state, headers).await?;
    let body = read_small_body(state, headers, body).await?;
    let id = id_of(path)?;
    Ok((store, id, parse_body(&body)?))
}

/// Reads what `read` finds of the manager's store.
async fn read_own<T: Send + 'static>(
    state: &AppState,
    headers: &HeaderMap,
    read: fn(&Conn<'_>, &str) -> Result<T, AdminError>,
) -> Result<axum::Json<T>, HttpError> {
    let store = manager(state, headers).await?;
    let found = state
        .db
        .read(move |conn| -> Result<_, HttpError> { Ok(read(conn, &store)?) })
        .await?;
    Ok(axum::Json(found))
}
