//! What each console page does: read through the same functions as the admin API, act in one
//! write with its journal entry, answer a page or send the browser on (303) after an action.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, post};
use maud::Markup;
use serde::Deserialize;

use super::accounts::{self, Attempt, Language};
use super::pages::{self, Frame};
use super::{InStore, Refusal, SignedIn, now_ms, sessions, texts};
use crate::error::AdminError;
use crate::http::{AppState, ClientAddr};
use crate::sql::Conn;
use crate::{advisors, enrolment, events, stores};

/// How long a failed sign-in waits before it is answered: guessing is slow even before the
/// account locks.
const FAILURE_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Deserialize)]
pub(super) struct SignInForm {
    account: String,
    password: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    pub(super) csrf: String,
}

#[derive(Deserialize)]
pub(super) struct LanguageForm {
    csrf: String,
    language: String,
}

#[derive(Deserialize)]
pub(super) struct AdvisorForm {
    csrf: String,
    advisor_id: String,
    name: String,
    pin: String,
}

#[derive(Deserialize)]
pub(super) struct HandOverForm {
    csrf: String,
    to: String,
}

#[derive(Deserialize)]
pub(super) struct PinForm {
    csrf: String,
    pin: String,
}

/// The journal entry of an action of the signed-in manager.
fn event(
    signed: &SignedIn,
    store: Option<&str>,
    action: &str,
    target: Option<&str>,
) -> events::Event {
    events::Event {
        store_id: store.map(str::to_owned),
        actor: events::Actor::Manager(signed.session.account.id.clone()),
        action: format!("console {action}"),
        outcome: events::Outcome::Done,
        target: target.map(str::to_owned),
        source: signed.client,
    }
}

pub(super) fn frame(at: &InStore) -> Frame<'_> {
    Frame {
        language: at.signed.language(),
        session: Some(&at.signed.session),
        store: Some(&at.store),
    }
}

/// The language a browser asks for first, of the two the console speaks.
fn preferred_language(headers: &HeaderMap) -> Language {
    let asked = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match asked.trim_start().get(..2) {
        Some("fr") => Language::French,
        _ => Language::English,
    }
}

pub(super) async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        pages::STYLE,
    )
}

pub(super) async fn home(signed: SignedIn) -> Redirect {
    match &signed.session.account.store_id {
        Some(store) => Redirect::to(&format!("/console/stores/{store}/devices")),
        None => Redirect::to("/console/stores"),
    }
}

pub(super) async fn sign_in_form(headers: HeaderMap) -> Markup {
    pages::sign_in(preferred_language(&headers), None)
}

/// Signs in: the attempt is charged first, the password checked off the async threads, the
/// TOTP code (when the account has one) must be new; a new session replaces any the browser
/// had. A failure says the same whatever was wrong, and is answered after [`FAILURE_DELAY`].
pub(super) async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let language = preferred_language(&headers);
    let t = texts::of(language);
    let now = now_ms();
    let id = form.account.trim().to_owned();
    let asked = id.clone();
    let attempt = match state
        .db
        .write(move |conn| accounts::begin(conn, &asked, now))
        .await
    {
        Ok(attempt) => attempt,
        Err(e) => return Refusal::admin(language, e).into_response(),
    };
    let stored = match attempt {
        Attempt::Locked(secs) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, secs.to_string())],
                pages::sign_in(language, Some(t.locked)),
            )
                .into_response();
        }
        Attempt::Unknown => None,
        Attempt::Check(stored) => Some(stored),
    };
    let hash = stored.as_ref().map_or_else(
        || advisors::dummy_hash().to_owned(),
        |s| s.password_hash.clone(),
    );
    let password_ok = advisors::verify_pin_bounded(form.password, hash)
        .await
        .unwrap_or(false);
    let now_secs = u64::try_from(now / 1000).unwrap_or(0);
    let step = stored
        .as_ref()
        .and_then(|s| accounts::totp_step(s, &form.code, now_secs));
    let totp_ok = stored
        .as_ref()
        .is_some_and(|s| s.totp_secret.is_none() || step.is_some());
    if !(password_ok && totp_ok) {
        tokio::time::sleep(FAILURE_DELAY).await;
        return (
            StatusCode::UNAUTHORIZED,
            pages::sign_in(language, Some(t.refused)),
        )
            .into_response();
    }
    let planted = sessions::token_of(&headers);
    let opened = state
        .db
        .write(move |conn| -> Result<_, AdminError> {
            accounts::finish(conn, &id, true, step)?;
            if let Some(planted) = planted {
                sessions::close(conn, &planted)?;
            }
            let token = sessions::open(conn, &id, now)?;
            let account = accounts::find(conn, &id)?;
            events::record(
                conn,
                &events::Event {
                    store_id: account.and_then(|a| a.store_id),
                    actor: events::Actor::Manager(id.clone()),
                    action: "console sign-in".into(),
                    outcome: events::Outcome::Done,
                    target: None,
                    source: client,
                },
            )?;
            Ok(token)
        })
        .await;
    match opened {
        Ok(token) => (
            [(header::SET_COOKIE, sessions::set_cookie(&token))],
            Redirect::to("/console"),
        )
            .into_response(),
        Err(e) => Refusal::admin(language, e).into_response(),
    }
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Refusal> {
    signed.check_form(&form.csrf)?;
    let language = signed.language();
    let event = event(&signed, None, "sign-out", None);
    let token = signed.token.clone();
    state
        .db
        .write(move |conn| -> Result<_, AdminError> {
            sessions::close(conn, &token)?;
            events::record(conn, &event)?;
            Ok(())
        })
        .await
        .map_err(|e| Refusal::admin(language, e))?;
    Ok((
        [(header::SET_COOKIE, sessions::clear_cookie())],
        Redirect::to("/console/sign-in"),
    )
        .into_response())
}

pub(super) async fn set_language(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<LanguageForm>,
) -> Result<Redirect, Refusal> {
    signed.check_form(&form.csrf)?;
    let language = Language::parse(&form.language).ok_or_else(|| {
        Refusal::admin(
            signed.language(),
            AdminError::Invalid("the console speaks English (en) and French (fr)".into()),
        )
    })?;
    let id = signed.session.account.id.clone();
    state
        .db
        .write(move |conn| accounts::set_language(conn, &id, language))
        .await
        .map_err(|e| Refusal::admin(language, e))?;
    Ok(Redirect::to("/console"))
}

pub(super) async fn store_list(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Response, Refusal> {
    if let Some(store) = &signed.session.account.store_id {
        return Ok(Redirect::to(&format!("/console/stores/{store}/devices")).into_response());
    }
    let language = signed.language();
    let list = state
        .db
        .read(stores::list)
        .await
        .map_err(|e| Refusal::admin(language, e))?;
    let list: Vec<(String, String)> = list.into_iter().map(|(id, name, _)| (id, name)).collect();
    let frame = Frame {
        language,
        session: Some(&signed.session),
        store: None,
    };
    Ok(pages::stores(&frame, &list).into_response())
}

#[derive(Deserialize)]
pub(super) struct DashboardQuery {
    show: Option<pages::Measure>,
}

/// The store's dashboard, from the sales kept since the last import (see [`crate::sales`]).
pub(super) async fn dashboard(
    State(state): State<AppState>,
    at: InStore,
    Query(query): Query<DashboardQuery>,
) -> Result<Markup, Refusal> {
    let sales = state
        .sales
        .current(&state.db)
        .await
        .map_err(|e| Refusal::admin(at.signed.language(), e))?;
    let figures = sales.get(&at.store).and_then(super::dashboard::of);
    let measure = query.show.unwrap_or_default();
    Ok(pages::dashboard(
        &frame(&at),
        &at.store,
        figures.as_ref(),
        measure,
    ))
}

#[derive(Deserialize)]
pub(super) struct ResultsQuery {
    month: Option<String>,
}

/// Each advisor's results for a month (`?month=YYYY-MM`), by default the month of the store's
/// last receipt: the same figures as `GET /v1/admin/results`.
pub(super) async fn results(
    State(state): State<AppState>,
    at: InStore,
    Query(query): Query<ResultsQuery>,
) -> Result<Markup, Refusal> {
    let language = at.signed.language();
    let today = chrono::Utc::now().date_naive();
    let month = match query.month {
        Some(month) => month,
        None => {
            let sales = state
                .sales
                .current(&state.db)
                .await
                .map_err(|e| Refusal::admin(language, e))?;
            let last = sales.get(&at.store).and_then(|s| s.last_day());
            last.unwrap_or(today).format("%Y-%m").to_string()
        }
    };
    let (first, next) =
        crate::results::parse_month(&month).map_err(|e| Refusal::admin(language, e))?;
    let until = today.min(next.pred_opt().unwrap_or(next));
    let store = at.store.clone();
    let results = state
        .db
        .read(move |conn| crate::results::of_store(conn, &store, first, until))
        .await
        .map_err(|e| Refusal::admin(language, e))?;
    Ok(pages::results(&frame(&at), &at.store, &results, first))
}

/// The store's devices, with when each one's lease runs out: it was granted at its last
/// presence check for the store's lease lifetime, and a device without one is locked.
pub(super) async fn devices(State(state): State<AppState>, at: InStore) -> Result<Markup, Refusal> {
    let store = at.store.clone();
    let (list, policy) = state
        .db
        .read(move |conn| -> Result<_, AdminError> {
            Ok((
                enrolment::devices(conn, Some(&store))?,
                stores::require(conn, &store)?,
            ))
        })
        .await
        .map_err(|e| Refusal::admin(at.signed.language(), e))?;
    let lease = chrono::Duration::seconds(i64::from(policy.lease_ttl_secs));
    let now = chrono::Utc::now();
    let leases: Vec<pages::Lease> = list
        .iter()
        .map(|d| {
            let seen = d.last_seen_at.as_deref().and_then(crate::ids::parse_time);
            match seen.map(|at| at + lease) {
                _ if d.state != "active" => pages::Lease::None,
                Some(until) if until > now => pages::Lease::Until(crate::ids::format_time(until)),
                _ => pages::Lease::Expired,
            }
        })
        .collect();
    Ok(pages::devices(&frame(&at), &at.store, &list, &leases))
}

/// Issues a one-time enrolment code and shows it as a QR code (the payload the app scans).
pub(super) async fn enrol(
    State(state): State<AppState>,
    at: InStore,
    Form(form): Form<CsrfForm>,
) -> Result<Markup, Refusal> {
    at.signed.check_form(&form.csrf)?;
    let language = at.signed.language();
    let store = at.store.clone();
    let pin = state.certificate_pin.clone();
    let url = state.server_urls.first().cloned();
    let event = event(&at.signed, Some(&at.store), "enrolment code", None);
    let code = state
        .db
        .write(move |conn| -> Result<_, AdminError> {
            let code = enrolment::issue(conn, &store, None, &pin, url.as_deref())?;
            events::record(conn, &event)?;
            Ok(code)
        })
        .await
        .map_err(|e| Refusal::admin(language, e))?;
    let svg = qr_svg(&code.qr_payload).map_err(|e| Refusal::admin(language, e))?;
    tracing::info!(store = %at.store, "console: enrolment code issued");
    Ok(pages::enrolment(&frame(&at), &at.store, &code, &svg))
}

/// The payload as an SVG QR code (without its XML declaration, to sit inside the page).
fn qr_svg(payload: &str) -> Result<String, AdminError> {
    let code = qrcode::QrCode::new(payload.as_bytes())
        .map_err(|e| AdminError::Internal(format!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(264, 264)
        .quiet_zone(true)
        .build();
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    })
}

pub(super) async fn confirm_revoke(at: InStore, Path((_, id)): Path<(String, String)>) -> Markup {
    let t = texts::of(at.signed.language());
    let back = format!("/console/stores/{}/devices", at.store);
    let action = format!("{back}/{id}/revoke");
    pages::confirm(&frame(&at), t.revoke, t.confirm_revoke, &action, &back)
}

pub(super) async fn confirm_wipe(at: InStore, Path((_, id)): Path<(String, String)>) -> Markup {
    let t = texts::of(at.signed.language());
    let back = format!("/console/stores/{}/devices", at.store);
    let action = format!("{back}/{id}/wipe");
    pages::confirm(&frame(&at), t.wipe, t.confirm_wipe, &action, &back)
}

/// A form's action in the store: the form's token checked, then `work` and its journal entry
/// (`action`, about `target` when it may be named) in one write.
pub(super) async fn journalled<T: Send + 'static>(
    state: &AppState,
    at: &InStore,
    csrf: &str,
    (action, target): (&str, Option<&str>),
    work: impl FnOnce(&Conn<'_>, &str) -> Result<T, AdminError> + Send + 'static,
) -> Result<T, Refusal> {
    at.signed.check_form(csrf)?;
    let language = at.signed.language();
    let store = at.store.clone();
    let event = event(&at.signed, Some(&at.store), action, target);
    let done = state
        .db
        .write(move |conn| -> Result<_, AdminError> {
            let done = work(conn, &store)?;
            events::record(conn, &event)?;
            Ok(done)
        })
        .await
        .map_err(|e| Refusal::admin(language, e))?;
    tracing::info!(store = %at.store, "console: {action}");
    Ok(done)
}

/// An order about one device or advisor of the store, journalled with its id, then back to
/// `page`.
async fn act(
    state: &AppState,
    at: &InStore,
    csrf: &str,
    (id, action, page): (String, &str, &str),
    order: impl FnOnce(&Conn<'_>, &str, &str) -> Result<(), AdminError> + Send + 'static,
) -> Result<Redirect, Refusal> {
    let target = id.clone();
    let work = move |conn: &Conn<'_>, store: &str| order(conn, store, &id);
    journalled(state, at, csrf, (action, Some(&target)), work).await?;
    Ok(Redirect::to(&format!(
        "/console/stores/{}/{page}",
        at.store
    )))
}

/// The route of an order about one device or advisor (`{id}`) of the store, posted with the
/// session's token: `order` applied, journalled as `action`, then back to the store's `page`.
pub(super) fn order(
    action: &'static str,
    page: &'static str,
    order: fn(&Conn<'_>, &str, &str) -> Result<(), AdminError>,
) -> MethodRouter<AppState> {
    post(
        move |State(state): State<AppState>,
              at: InStore,
              Path((_, id)): Path<(String, String)>,
              Form(form): Form<CsrfForm>| async move {
            act(&state, &at, &form.csrf, (id, action, page), order).await
        },
    )
}

pub(super) async fn advisors(
    State(state): State<AppState>,
    at: InStore,
) -> Result<Markup, Refusal> {
    let store = at.store.clone();
    let (list, last) = state
        .db
        .read(move |conn| -> Result<_, AdminError> {
            Ok((
                advisors::list(conn, &store)?,
                advisors::last_sign_ins(conn, &store)?,
            ))
        })
        .await
        .map_err(|e| Refusal::admin(at.signed.language(), e))?;
    Ok(pages::advisors(&frame(&at), &at.store, &list, &last))
}

pub(super) async fn add_advisor(
    State(state): State<AppState>,
    at: InStore,
    Form(form): Form<AdvisorForm>,
) -> Result<Redirect, Refusal> {
    let language = at.signed.language();
    let checked = advisors::check_pin(&form.pin)
        .and_then(|()| stores::check_id("an advisor id", &form.advisor_id));
    checked.map_err(|e| Refusal::admin(language, e))?;
    let (name, pin) = (form.name, zeroize::Zeroizing::new(form.pin));
    let order =
        move |conn: &Conn<'_>, store: &str, id: &str| advisors::add(conn, store, id, &name, &pin);
    let id = form.advisor_id;
    act(
        &state,
        &at,
        &form.csrf,
        (id, "advisor add", "advisors"),
        order,
    )
    .await
}

/// Hands her whole client book over to another advisor of the store.
pub(super) async fn hand_over_book(
    State(state): State<AppState>,
    at: InStore,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<HandOverForm>,
) -> Result<Redirect, Refusal> {
    let to = form.to;
    let order = move |conn: &Conn<'_>, store: &str, from: &str| {
        crate::books::hand_over(conn, store, from, &to, chrono::Utc::now()).map(|_| ())
    };
    act(
        &state,
        &at,
        &form.csrf,
        (id, "client book hand-over", "advisors"),
        order,
    )
    .await
}

pub(super) async fn reset_advisor(
    State(state): State<AppState>,
    at: InStore,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<PinForm>,
) -> Result<Redirect, Refusal> {
    advisors::check_pin(&form.pin).map_err(|e| Refusal::admin(at.signed.language(), e))?;
    let pin = zeroize::Zeroizing::new(form.pin);
    let order =
        move |conn: &Conn<'_>, store: &str, id: &str| advisors::reset(conn, store, id, &pin);
    act(
        &state,
        &at,
        &form.csrf,
        (id, "advisor reset", "advisors"),
        order,
    )
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_sign_in_page_speaks_french_to_a_french_browser() {
        let mut headers = HeaderMap::new();
        assert_eq!(preferred_language(&headers), Language::English);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr-FR,fr;q=0.9,en;q=0.5"),
        );
        assert_eq!(preferred_language(&headers), Language::French);
    }

    #[test]
    fn the_qr_code_is_an_svg_for_the_page() {
        let svg = qr_svg("carnet-enroll:?code=ABCD").unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
    }
}
