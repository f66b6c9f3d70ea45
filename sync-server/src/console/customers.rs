//! The console's customer pages: find a customer of the store, see who viewed her card, give
//! her the access export (a download), erase her, and review the store's likely duplicates
//! (merge, or "not the same person", remembered). A customer of another store is answered as
//! an unknown one (404). Searches are posted, never put in a URL; the journal says what was
//! done, not to whom (the `erased` and `merged` tables keep that).

use std::collections::HashSet;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use carnet_protocol::Customer;
use maud::Markup;
use serde::Deserialize;

use super::handlers::{CsrfForm, frame, journalled};
use super::pages;
use super::{InStore, Refusal, texts};
use crate::error::{AdminError, Error};
use crate::sql::{Conn, params};
use crate::{customer_record, customers, duplicates, ids, merge};

/// The most customers a search lists.
const FOUND: usize = 20;
/// The most pairs the duplicate review shows at once, best first (a page stays light; the
/// next ones come up as these are settled).
const PAIRS_SHOWN: usize = 50;
/// The duplicate review's band: from it up, pairs are worth a look; above it, `duplicates
/// merge` merges them without asking.
const REVIEW_SCORES: std::ops::Range<f64> = duplicates::REVIEW_SCORE..duplicates::AUTO_MERGE_SCORE;

#[derive(Deserialize)]
pub(super) struct FindForm {
    csrf: String,
    q: String,
}

#[derive(Deserialize)]
pub(super) struct PairForm {
    csrf: String,
    keep: String,
    duplicate: String,
}

/// Her record if she is a live customer of `store`.
fn of_store(conn: &Conn<'_>, store: &str, id: &str) -> Result<Customer, AdminError> {
    match customer_record::current(conn, id)? {
        Some((home, customer)) if home == store && customer.id == id => Ok(customer),
        _ => Err(AdminError::NotFound(format!(
            "no customer {id} in store {store}"
        ))),
    }
}

pub(super) async fn search_form(at: InStore) -> Markup {
    pages::customers(&frame(&at), &at.store, None, &[])
}

pub(super) async fn search(
    State(state): State<crate::http::AppState>,
    at: InStore,
    Form(form): Form<FindForm>,
) -> Result<Markup, Refusal> {
    at.signed.check_form(&form.csrf)?;
    let directory = state
        .customers
        .current(&state.db)
        .await
        .map_err(|e| Refusal::admin(at.signed.language(), e))?;
    let found: Vec<Customer> = directory
        .get(&at.store)
        .map(|store| store.find(&form.q, FOUND).into_iter().cloned().collect())
        .unwrap_or_default();
    Ok(pages::customers(
        &frame(&at),
        &at.store,
        Some(&form.q),
        &found,
    ))
}

pub(super) async fn card(
    State(state): State<crate::http::AppState>,
    at: InStore,
    Path((_, id)): Path<(String, String)>,
) -> Result<Markup, Refusal> {
    let store = at.store.clone();
    let (customer, views) = state
        .db
        .read(move |conn| -> Result<_, AdminError> {
            let customer = of_store(conn, &store, &id)?;
            Ok((customer, customers::audit(conn, &id)?))
        })
        .await
        .map_err(|e| Refusal::admin(at.signed.language(), e))?;
    Ok(pages::customer(&frame(&at), &at.store, &customer, &views))
}

/// The access export, downloaded as a JSON file.
pub(super) async fn export(
    State(state): State<crate::http::AppState>,
    at: InStore,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Refusal> {
    let file = format!("carnet-access-{id}.json");
    let body = journalled(
        &state,
        &at,
        &form.csrf,
        ("customer export", None),
        move |conn, store| {
            of_store(conn, store, &id)?;
            serde_json::to_string_pretty(&customers::export(conn, &id)?)
                .map_err(|e| AdminError::Internal(format!("export: {e}")))
        },
    )
    .await?;
    let disposition = format!("attachment; filename=\"{file}\"");
    let headers = [
        (header::CONTENT_TYPE, "application/json".to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, body).into_response())
}

pub(super) async fn confirm_erase(at: InStore, Path((_, id)): Path<(String, String)>) -> Markup {
    let t = texts::of(at.signed.language());
    let back = format!("/console/stores/{}/customers/{id}", at.store);
    pages::confirm(
        &frame(&at),
        t.erase,
        t.confirm_erase,
        &format!("{back}/erase"),
        &back,
    )
}

/// Erases her (GDPR): her records become tombstones the devices apply at their next sync.
pub(super) async fn erase(
    State(state): State<crate::http::AppState>,
    at: InStore,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Markup, Refusal> {
    journalled(
        &state,
        &at,
        &form.csrf,
        ("customer erase", None),
        move |conn, store| {
            of_store(conn, store, &id)?;
            customers::erase(conn, &id)?;
            Ok(())
        },
    )
    .await?;
    let t = texts::of(at.signed.language());
    Ok(frame(&at).message(t.erase, t.erased))
}

/// The pairs a manager said are not the same person, as (smaller id, larger id).
fn not_duplicates(conn: &Conn<'_>, store: &str) -> Result<HashSet<(String, String)>, Error> {
    let rows = conn.query_map(
        "SELECT first_id, second_id FROM not_duplicate WHERE store_id = ?1",
        [store],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows.into_iter().collect())
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

pub(super) async fn duplicates_page(
    State(state): State<crate::http::AppState>,
    at: InStore,
) -> Result<Markup, Refusal> {
    let language = at.signed.language();
    let directory = state
        .customers
        .current(&state.db)
        .await
        .map_err(|e| Refusal::admin(language, e))?;
    let store = at.store.clone();
    let dismissed = state
        .db
        .read(move |conn| Ok::<_, AdminError>(not_duplicates(conn, &store)?))
        .await
        .map_err(|e| Refusal::admin(language, e))?;
    let Some(customers) = directory.get(&at.store) else {
        return Ok(pages::duplicates(&frame(&at), &at.store, &[], 0));
    };
    let pending: Vec<_> = customers
        .pairs()
        .iter()
        .filter(|c| REVIEW_SCORES.contains(&c.score))
        .filter(|c| !dismissed.contains(&ordered(&c.keep, &c.duplicate)))
        .collect();
    let pairs: Vec<pages::Pair> = pending
        .iter()
        .filter_map(|c| {
            Some(pages::Pair {
                keep: customers.get(&c.keep)?.clone(),
                duplicate: customers.get(&c.duplicate)?.clone(),
                score: c.score,
                reasons: c.reasons.clone(),
            })
        })
        .take(PAIRS_SHOWN)
        .collect();
    let pending = pending.len();
    Ok(pages::duplicates(&frame(&at), &at.store, &pairs, pending))
}

/// An action on a pair of the duplicate review, both the store's customers: `work` with the
/// customer kept and the duplicate, journalled as `action`, then back to the review.
async fn on_pair(
    state: &crate::http::AppState,
    at: &InStore,
    form: PairForm,
    action: &str,
    work: fn(&Conn<'_>, &str, &str, &str) -> Result<(), AdminError>,
) -> Result<Redirect, Refusal> {
    let (keep, duplicate) = (form.keep, form.duplicate);
    journalled(state, at, &form.csrf, (action, None), move |conn, store| {
        of_store(conn, store, &keep)?;
        of_store(conn, store, &duplicate)?;
        work(conn, store, &keep, &duplicate)
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/console/stores/{}/duplicates",
        at.store
    )))
}

/// Merges the pair into the customer kept.
pub(super) async fn merge_pair(
    State(state): State<crate::http::AppState>,
    at: InStore,
    Form(form): Form<PairForm>,
) -> Result<Redirect, Refusal> {
    on_pair(
        &state,
        &at,
        form,
        "customer merge",
        |conn, _, keep, duplicate| {
            merge::merge(conn, keep, duplicate, merge::MergedBy::Manager, None).map_err(
                |e| match e {
                    // The refusals of a merge (herself, an erased customer) name the rule.
                    Error::Config(m) => AdminError::Invalid(m),
                    other => AdminError::Db(other),
                },
            )?;
            Ok(())
        },
    )
    .await
}

/// Remembers that the pair are two people: never proposed again.
pub(super) async fn not_the_same(
    State(state): State<crate::http::AppState>,
    at: InStore,
    Form(form): Form<PairForm>,
) -> Result<Redirect, Refusal> {
    let action = "customers not duplicates";
    on_pair(&state, &at, form, action, |conn, store, keep, duplicate| {
        let (first, second) = ordered(keep, duplicate);
        conn.execute(
            "INSERT INTO not_duplicate (first_id, second_id, store_id, decided_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (first_id, second_id) DO NOTHING",
            params![first, second, store, ids::now()],
        )?;
        Ok(())
    })
    .await
}
