//! The store manager's web console, served by the sync server itself over its TLS: sign-in
//! with a password and a TOTP code, then the store's devices (enrol by QR code, revoke, remote
//! wipe), advisors (add, disable, unlock, new PIN, their month's results), customers (find, who viewed her, access
//! export, erasure, duplicate review) and the store's dashboard. Pages are HTML forms rendered on the
//! server; they work without JavaScript, load nothing from another host, and act through the
//! same functions as the admin API and the command line.
//!
//! Every page under `/console/stores/{store}/` is reached through [`InStore`], which refuses
//! (403) a store the signed-in account does not manage before anything else is read; every
//! form carries the session's CSRF token; every action is written to the security journal.

pub mod accounts;
mod customers;
pub mod dashboard;
mod handlers;
pub mod pages;
pub mod sessions;
pub mod texts;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};

use crate::error::AdminError;
use crate::http::AppState;
use accounts::Language;
use sessions::Session;

/// The largest form the console takes.
const FORM_LIMIT: usize = 16 * 1024;

/// A route of the console and the methods it answers.
pub struct Route {
    pub path: &'static str,
    pub methods: &'static [Method],
    handler: MethodRouter<AppState>,
}

fn route(path: &'static str, methods: &'static [Method], handler: MethodRouter<AppState>) -> Route {
    Route {
        path,
        methods,
        handler,
    }
}

/// Every route of the console. The routes of one store start with `/console/stores/{store}/`
/// and take [`InStore`]; the tests walk this table, so a new route is checked for its scope.
pub fn table() -> Vec<Route> {
    use handlers::*;
    const GET: &[Method] = &[Method::GET];
    const POST: &[Method] = &[Method::POST];
    const BOTH: &[Method] = &[Method::GET, Method::POST];
    vec![
        route("/console", GET, get(home)),
        route("/console/style.css", GET, get(style)),
        route("/console/sign-in", BOTH, get(sign_in_form).post(sign_in)),
        route("/console/sign-out", POST, post(sign_out)),
        route("/console/language", POST, post(set_language)),
        route("/console/stores", GET, get(store_list)),
        route("/console/stores/{store}/dashboard", GET, get(dashboard)),
        route("/console/stores/{store}/results", GET, get(results)),
        route(
            "/console/stores/{store}/customers",
            BOTH,
            get(customers::search_form).post(customers::search),
        ),
        route(
            "/console/stores/{store}/customers/{id}",
            GET,
            get(customers::card),
        ),
        route(
            "/console/stores/{store}/customers/{id}/export",
            POST,
            post(customers::export),
        ),
        route(
            "/console/stores/{store}/customers/{id}/erase",
            BOTH,
            get(customers::confirm_erase).post(customers::erase),
        ),
        route(
            "/console/stores/{store}/duplicates",
            GET,
            get(customers::duplicates_page),
        ),
        route(
            "/console/stores/{store}/duplicates/merge",
            POST,
            post(customers::merge_pair),
        ),
        route(
            "/console/stores/{store}/duplicates/not-the-same",
            POST,
            post(customers::not_the_same),
        ),
        route("/console/stores/{store}/devices", GET, get(devices)),
        route("/console/stores/{store}/devices/enrol", POST, post(enrol)),
        route(
            "/console/stores/{store}/devices/{id}/revoke",
            BOTH,
            get(confirm_revoke).merge(order("device revoke", "devices", |conn, store, id| {
                crate::enrolment::revoke(conn, Some(store), id)
            })),
        ),
        route(
            "/console/stores/{store}/devices/{id}/wipe",
            BOTH,
            get(confirm_wipe).merge(order("device wipe", "devices", |conn, store, id| {
                crate::enrolment::order_wipe(conn, Some(store), id)
            })),
        ),
        route(
            "/console/stores/{store}/advisors",
            BOTH,
            get(advisors).post(add_advisor),
        ),
        route(
            "/console/stores/{store}/advisors/{id}/disable",
            POST,
            order("advisor disable", "advisors", crate::advisors::disable),
        ),
        route(
            "/console/stores/{store}/advisors/{id}/unlock",
            POST,
            order("advisor unlock", "advisors", crate::advisors::unlock),
        ),
        route(
            "/console/stores/{store}/advisors/{id}/reset",
            POST,
            post(reset_advisor),
        ),
        route(
            "/console/stores/{store}/advisors/{id}/book",
            POST,
            post(hand_over_book),
        ),
    ]
}

/// The console's routes, with its security headers and form size limit.
pub fn routes() -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, r| router.route(r.path, r.handler))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(axum::middleware::map_response(secure_headers))
}

/// Headers of every console answer: no script at all, nothing from another host, no framing,
/// no caching of pages that show a store's data, and HTTPS only.
async fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A page that refuses: its status and what it says, in her language.
pub struct Refusal {
    status: StatusCode,
    language: Language,
    text: fn(&texts::Texts) -> &'static str,
    detail: Option<String>,
}

impl Refusal {
    fn new(
        status: StatusCode,
        language: Language,
        text: fn(&texts::Texts) -> &'static str,
    ) -> Self {
        Self {
            status,
            language,
            text,
            detail: None,
        }
    }

    /// 403: another store's page, or a form without this session's token.
    fn forbidden(language: Language) -> Self {
        Self::new(StatusCode::FORBIDDEN, language, |t| t.forbidden)
    }

    fn bad_form(language: Language) -> Self {
        Self::new(StatusCode::FORBIDDEN, language, |t| t.expired_form)
    }

    fn not_found(language: Language) -> Self {
        Self::new(StatusCode::NOT_FOUND, language, |t| t.not_found)
    }

    /// The refusal of an admin operation: its message (which names no customer) is shown.
    fn admin(language: Language, e: AdminError) -> Self {
        let (status, detail) = match e {
            AdminError::Invalid(m) => (StatusCode::BAD_REQUEST, m),
            AdminError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            AdminError::Conflict(m) => (StatusCode::CONFLICT, m),
            AdminError::Internal(m) => {
                tracing::error!(error = %m, "console request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
            }
            AdminError::Db(e) => {
                if matches!(e, crate::Error::Busy) {
                    (StatusCode::SERVICE_UNAVAILABLE, "busy: try again".into())
                } else {
                    tracing::error!(error = %e, "console request failed");
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
                }
            }
        };
        Self {
            status,
            language,
            text: |t| t.title,
            detail: Some(detail),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let t = texts::of(self.language);
        let frame = pages::Frame {
            language: self.language,
            session: None,
            store: None,
        };
        let message = self.detail.as_deref().unwrap_or((self.text)(t));
        (self.status, frame.message((self.text)(t), message)).into_response()
    }
}

/// A signed-in browser: the session, and the cookie's token (to end it).
pub struct SignedIn {
    pub session: Session,
    token: String,
    /// The browser's address, for the journal.
    client: Option<std::net::IpAddr>,
}

impl SignedIn {
    fn language(&self) -> Language {
        self.session.account.language
    }

    /// Refuses a form that does not carry this session's CSRF token.
    fn check_form(&self, csrf: &str) -> Result<(), Refusal> {
        match self.session.csrf_matches(csrf) {
            true => Ok(()),
            false => Err(Refusal::bad_form(self.language())),
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // A page asked for without a session leads to the sign-in form; an action is refused.
        let away = |method: &Method| match *method {
            Method::GET => Redirect::to("/console/sign-in").into_response(),
            _ => Refusal::new(StatusCode::UNAUTHORIZED, Language::English, |t| t.sign_in)
                .into_response(),
        };
        let Some(token) = sessions::token_of(&parts.headers) else {
            return Err(away(&parts.method));
        };
        let now = now_ms();
        let looked_up = token.clone();
        let failed = |e| Refusal::admin(Language::English, e).into_response();
        let found = state
            .db
            .read(move |conn| sessions::find(conn, &looked_up, now))
            .await
            .map_err(failed)?;
        // The idle clock is restarted by a write at most once a minute, not on every view.
        if let Some((_, seen)) = &found
            && now - seen > sessions::TOUCH_MS
        {
            let touched = token.clone();
            state
                .db
                .write(move |conn| sessions::touch(conn, &touched, now))
                .await
                .map_err(failed)?;
        }
        let found = found.map(|(session, _)| session);
        let crate::http::ClientAddr(client) =
            match crate::http::ClientAddr::from_request_parts(parts, state).await {
                Ok(addr) => addr,
                Err(never) => match never {},
            };
        match found {
            Some(session) => Ok(SignedIn {
                session,
                token,
                client,
            }),
            None => Err(away(&parts.method)),
        }
    }
}

/// A signed-in browser on a page of a store her account manages.
pub struct InStore {
    pub signed: SignedIn,
    pub store: String,
}

impl FromRequestParts<AppState> for InStore {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let signed = SignedIn::from_request_parts(parts, state).await?;
        let language = signed.language();
        let params = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| Refusal::not_found(language).into_response())?;
        let Some(store) = params.0.get("store").cloned() else {
            return Err(Refusal::not_found(language).into_response());
        };
        // Another store is refused whether or not it exists: the answer tells nothing.
        if !signed.session.account.may_manage(&store) {
            return Err(Refusal::forbidden(language).into_response());
        }
        let asked = store.clone();
        let exists = state
            .db
            .read(move |conn| crate::stores::policy_of(conn, &asked))
            .await
            .map_err(|e| Refusal::admin(language, e).into_response())?
            .is_some();
        if !exists {
            return Err(Refusal::not_found(language).into_response());
        }
        Ok(InStore { signed, store })
    }
}
