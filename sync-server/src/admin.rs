//! The store manager's HTTP API under `/v1/admin`, authenticated by a manager token scoped to
//! one store, and the error every admin operation (CLI or HTTP) reports: clear, never personal.

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use carnet_protocol::codes;
use carnet_protocol::presence::{
    AdvisorInfo, DeviceInfo, EnrollmentCode, NewAdvisor, NewEnrollmentCode, PinReset, Policy,
    PolicyUpdate,
};

use crate::error::AdminError;
use crate::http::parse_body;
use crate::http::{AppState, HttpError, read_small_body};
use crate::{advisors, auth, enrolment, stores};

/// The routes under `/v1/admin`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/store", get(get_store).put(put_store))
        .route("/v1/admin/advisors", get(list_advisors).post(add_advisor))
        .route("/v1/admin/advisors/{id}/disable", post(disable_advisor))
        .route("/v1/admin/advisors/{id}/reset", post(reset_advisor))
        .route("/v1/admin/enrollment-codes", post(issue_code))
        .route("/v1/admin/devices", get(list_devices))
        .route("/v1/admin/devices/{id}/revoke", post(revoke_device))
        .route("/v1/admin/devices/{id}/wipe", post(wipe_device))
}

/// The manager's store, from `Authorization: Bearer <manager token>`.
async fn manager(state: &AppState, headers: &HeaderMap) -> Result<String, HttpError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| auth::bearer(Some(v)))
        .map(str::to_owned)
        .ok_or_else(|| {
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
    let store = manager(&state, &headers).await?;
    let policy = state
        .db
        .read(move |conn| -> Result<_, HttpError> { Ok(stores::require(conn, &store)?) })
        .await?;
    Ok(axum::Json(policy))
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
    let store = manager(&state, &headers).await?;
    let list = state
        .db
        .read(move |conn| -> Result<_, HttpError> { Ok(advisors::list(conn, &store)?) })
        .await?;
    Ok(axum::Json(list))
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
    let store = manager(&state, &headers).await?;
    let id = id_of(path)?;
    state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(advisors::disable(conn, Some(&store), &id)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn reset_advisor(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<StatusCode, HttpError> {
    let store = manager(&state, &headers).await?;
    let body = read_small_body(&state, &headers, body).await?;
    let id = id_of(path)?;
    let reset: PinReset = parse_body(&body)?;
    advisors::check_pin(&reset.pin)?;
    state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(advisors::reset(conn, Some(&store), &id, &reset.pin)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
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
    let store = manager(&state, &headers).await?;
    let list = state
        .db
        .read(move |conn| -> Result<_, HttpError> { Ok(enrolment::devices(conn, Some(&store))?) })
        .await?;
    Ok(axum::Json(list))
}

async fn revoke_device(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, HttpError> {
    act_on_device(&state, &headers, path, enrolment::revoke, "device revoked").await
}

async fn wipe_device(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, HttpError> {
    act_on_device(
        &state,
        &headers,
        path,
        enrolment::order_wipe,
        "remote wipe ordered",
    )
    .await
}

/// Applies a manager's order to a device of her store, and logs it with the device id.
async fn act_on_device(
    state: &AppState,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
    order: fn(&rusqlite::Connection, Option<&str>, &str) -> Result<(), AdminError>,
    done: &'static str,
) -> Result<StatusCode, HttpError> {
    let store = manager(state, headers).await?;
    let id = id_of(path)?;
    let logged = id.clone();
    state
        .db
        .write(move |conn| -> Result<_, HttpError> { Ok(order(conn, Some(&store), &id)?) })
        .await?;
    tracing::info!(device = %logged, "{done}");
    Ok(StatusCode::NO_CONTENT)
}
