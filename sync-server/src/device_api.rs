//! The endpoints a device calls around sync: enrolment with a one-time code, the presence
//! check that grants a signed lease, and advisor sign-in (rate-limited, with lockout).

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::{
    ENROLL_PATH, EnrollRequest, EnrollResponse, Lease, PRESENCE_PATH, PresenceRequest,
    PresenceResponse, SIGN_IN_PATH, SignInRequest, SignInResponse, codes as presence_codes,
    presence_message,
};

use crate::auth::{self, AuthError};
use crate::enrolment::{self, EnrollError};
use crate::http::parse_body;
use crate::http::{AppState, HttpError, authorize_lease, check_signature, read_small_body};
use crate::{advisors, lease, stores};

/// The device routes (enrolment, presence, sign-in).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ENROLL_PATH, post(enroll))
        .route(PRESENCE_PATH, post(presence))
        .route(SIGN_IN_PATH, post(sign_in))
}

impl From<EnrollError> for HttpError {
    fn from(e: EnrollError) -> Self {
        match e {
            EnrollError::BadCode => HttpError::new(
                StatusCode::UNAUTHORIZED,
                presence_codes::BAD_ENROLLMENT_CODE,
                "the enrolment code is unknown, used or expired",
            ),
            EnrollError::Invalid(m) => HttpError::bad_request(m),
            EnrollError::Admin(e) => e.into(),
        }
    }
}

async fn enroll(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<EnrollResponse>, HttpError> {
    let body = read_small_body(&state, &headers, body).await?;
    let request: EnrollRequest = parse_body(&body)?;
    let public_key = URL_SAFE_NO_PAD
        .decode(request.public_key.trim())
        .map_err(|_| HttpError::bad_request("the public key is not base64url"))?;
    let (device_id, store_id, policy) = state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(enrolment::enroll(
                conn,
                &request.code,
                &public_key,
                &request.app_version,
            )?)
        })
        .await?;
    tracing::info!(device = %device_id, store = %store_id, "device enrolled");
    Ok(axum::Json(EnrollResponse {
        device_id,
        store_id,
        lease_public_key: state.lease.public_key_b64(),
        policy,
    }))
}

async fn presence(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<PresenceResponse>, HttpError> {
    let body = read_small_body(&state, &headers, body).await?;
    let request: PresenceRequest = parse_body(&body)?;
    let nonce_ok = URL_SAFE_NO_PAD
        .decode(request.nonce.trim())
        .is_ok_and(|n| n.len() == 32);
    if !nonce_ok {
        return Err(HttpError::bad_request(
            "the nonce is not 32 bytes of base64url",
        ));
    }
    if request.app_version.len() > 40 {
        return Err(HttpError::bad_request(
            "the app version is at most 40 characters",
        ));
    }
    let device_id = request.device_id.clone();
    let (nonce, signature) = (request.nonce.clone(), request.signature.clone());
    let signer = std::sync::Arc::clone(&state.lease);
    let (store_id, policy) = state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            let device =
                enrolment::device_key(conn, &device_id)?.ok_or(AuthError::UnknownDevice)?;
            let public_key = device
                .public_key
                .as_deref()
                .ok_or(AuthError::Unauthorized("this device is not enrolled"))?;
            let message = presence_message(&device_id, &nonce);
            if !lease::verify_device(public_key, &message, &signature) {
                return Err(AuthError::BadLease("the presence signature is wrong").into());
            }
            // Only the device itself (its signature checked) is told to shred.
            auth::check_state(&device, &signer, &nonce)?;
            let policy = stores::policy_of(conn, &device.store_id)?.unwrap_or_default();
            Ok((device.store_id, policy))
        })
        .await?;
    let now = lease::now_ms();
    let lease_token = state.lease.issue(&Lease {
        device_id: request.device_id.clone(),
        store_id,
        nonce: request.nonce,
        issued_at_ms: now,
        expires_at_ms: now + i64::from(policy.lease_ttl_secs) * 1000,
    })?;
    let device_id = request.device_id.clone();
    let version = request.app_version;
    state
        .db
        .write(move |conn| enrolment::seen(conn, &device_id, &version))
        .await?;
    tracing::debug!(device = %request.device_id, "lease granted");
    Ok(axum::Json(PresenceResponse {
        lease: lease_token,
        policy,
    }))
}

fn wrong_pin() -> HttpError {
    HttpError::new(
        StatusCode::UNAUTHORIZED,
        presence_codes::WRONG_PIN,
        "wrong advisor identifier or PIN",
    )
}

async fn sign_in(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, HttpError> {
    // Sign-in is not about one store's data: any enrolled device with a valid lease. The lease
    // first, then the (small) body, then the device's signature over it.
    let holder = authorize_lease(&state, &headers, None).await?;
    let body = read_small_body(&state, &headers, body).await?;
    let caller = check_signature(&state, holder, "POST", &uri, &body)?;
    let request: SignInRequest = parse_body(&body)?;
    advisors::check_pin(&request.pin)?;
    stores::check_id("an advisor id", &request.advisor_id)?;
    let (device, store, advisor) = (
        caller.device_id.clone(),
        caller.store_id.clone(),
        request.advisor_id.clone(),
    );
    let attempt = state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(advisors::begin_attempt(conn, &device, &store, &advisor)?)
        })
        .await?;
    let (hash, name) = match attempt {
        advisors::Attempt::LockedOut(secs) => {
            tracing::info!(device = %caller.device_id, "sign-in refused: locked out");
            let mut response = HttpError::new(
                StatusCode::TOO_MANY_REQUESTS,
                presence_codes::LOCKED_OUT,
                format!("too many failed sign-ins; try again in {secs} s or ask your manager"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(response);
        }
        advisors::Attempt::Refuse => (advisors::dummy_hash().to_owned(), None),
        advisors::Attempt::Check { pin_hash, name } => (pin_hash, Some(name)),
    };
    let pin = request.pin;
    let matches = advisors::verify_pin_bounded(pin, hash).await?;
    let ok = matches && name.is_some();
    let (device, advisor) = (caller.device_id.clone(), request.advisor_id.clone());
    state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            Ok(advisors::finish_attempt(
                conn,
                &device,
                ok.then_some(advisor.as_str()),
                ok,
            )?)
        })
        .await?;
    match name {
        Some(name) if ok => {
            tracing::info!(device = %caller.device_id, advisor = %request.advisor_id, "advisor signed in");
            Ok(axum::Json(SignInResponse {
                advisor_id: request.advisor_id,
                name,
            })
            .into_response())
        }
        _ => {
            tracing::info!(device = %caller.device_id, "sign-in refused: wrong identifier or PIN");
            Err(wrong_pin())
        }
    }
}
