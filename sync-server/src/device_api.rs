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
};

use crate::auth;
use crate::enrolment::{self, EnrollError};
use crate::http::parse_body;
use crate::http::{
    AppState, ClientAddr, HttpError, JournalTarget, Presented, authorize_lease, check_signature,
    read_small_body,
};
use crate::{advisors, lease, lockout, stores};

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
    ClientAddr(client): ClientAddr,
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
            // In the same write as the code is spent: refused from outside, it stays unspent.
            auth::check_enrolment(conn, &request.code, client)?;
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
        server_urls: state.server_urls.to_vec(),
    }))
}

async fn presence(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
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
    enrolment::check_app_version(&request.app_version).map_err(HttpError::bad_request)?;
    let checked = request.clone();
    let signer = std::sync::Arc::clone(&state.lease);
    let (store_id, policy) = state
        .db
        .read(move |conn| -> Result<_, HttpError> {
            let store_id = auth::check_presence(conn, &checked, client, &signer)?;
            let policy = stores::policy_of(conn, &store_id)?.unwrap_or_default();
            Ok((store_id, policy))
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
        key_chain: state.lease.key_chain(),
    }))
}

/// 429 `locked_out` with `Retry-After`. The message is the same for every identifier.
fn locked_out(message: &str, retry_after_secs: i64) -> Response {
    let mut response = HttpError::new(
        StatusCode::TOO_MANY_REQUESTS,
        presence_codes::LOCKED_OUT,
        message,
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
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
    client: ClientAddr,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, HttpError> {
    // Sign-in names no store in its path: the lease's store, on its network. The lease first,
    // then the (small) body, then the device's signature over it.
    let presented = Presented {
        client,
        method: "POST",
        uri: &uri,
        headers: &headers,
    };
    let holder = authorize_lease(&state, presented, None).await?;
    let body = read_small_body(&state, &headers, body).await?;
    let caller = check_signature(&state, holder, presented, &body).await?;
    let request: SignInRequest = parse_body(&body)?;
    advisors::check_pin(&request.pin)?;
    stores::check_id("an advisor id", &request.advisor_id)?;
    let (device, store, advisor) = (
        caller.device_id.clone(),
        caller.store_id.clone(),
        request.advisor_id.clone(),
    );
    // The decision and the charge in one write, before the (slow) PIN check.
    let decided = state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            let decision = lockout::begin(conn, &device, &store, &advisor, lease::now_ms())?;
            // Also read when the PIN is not checked: the journal names a real advisor.
            let credentials = advisors::credentials(conn, &store, &advisor)?;
            Ok((decision, credentials))
        })
        .await?;
    let (attempt, hash, name) = match decided {
        (lockout::Decision::Check(attempt), Some((name, hash))) => (attempt, hash, Some(name)),
        // Unknown or disabled: checked against a dummy hash, so that it takes as long.
        (lockout::Decision::Check(attempt), None) => {
            (attempt, advisors::dummy_hash().to_owned(), None)
        }
        (lockout::Decision::DeviceWaits(secs), _) => {
            tracing::info!(device = %caller.device_id, "sign-in refused: the device must wait");
            return Ok(locked_out(
                "too many failed sign-ins on this handheld: wait before trying again",
                secs,
            ));
        }
        (lockout::Decision::LockedOut(secs), known) => {
            tracing::info!(device = %caller.device_id, "sign-in refused: locked out");
            let answer = locked_out(
                "too many failed sign-ins with this identifier: try again later or ask your \
                 manager to unlock it",
                secs,
            );
            return Ok(about_advisor(answer, known.map(|_| request.advisor_id)));
        }
    };
    let pin = request.pin;
    let matches = advisors::verify_pin_bounded(pin, hash).await?;
    let ok = matches && name.is_some();
    let (device, advisor) = (caller.device_id.clone(), request.advisor_id.clone());
    state
        .db
        .write(move |conn| -> Result<_, HttpError> {
            lockout::finish(conn, attempt, ok, lease::now_ms())?;
            if ok {
                advisors::signed_in(conn, &device, &advisor)?;
            }
            Ok(())
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
        known => {
            tracing::info!(device = %caller.device_id, "sign-in refused: wrong identifier or PIN");
            let answer = wrong_pin().into_response();
            Ok(about_advisor(answer, known.map(|_| request.advisor_id)))
        }
    }
}

/// A refusal's answer naming, for the security journal only, the advisor it concerns (when
/// she exists: an identifier typed at random is not written down).
fn about_advisor(mut answer: Response, advisor: Option<String>) -> Response {
    if let Some(id) = advisor {
        answer.extensions_mut().insert(JournalTarget(id));
    }
    answer
}
