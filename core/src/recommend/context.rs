//! What the engine needs of one customer, read from the cache in one snapshot (consent, segment,
//! market, the store's policy, her history and the advisor's feedback), and the products of
//! its answers described for the advisor.

use std::collections::HashMap;

use carnet_reco::{
    Due, Feedback, FeedbackKind, HistoryLine, PlaylistContext, Reason, Rule, Suggestion,
};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

use super::{DueItem, PlaylistItem, ProductInfo, SuggestionReason};
use crate::card::{ActiveOffer, active_offers};
use crate::error::{Error, Result};
use crate::store::Cache;
use crate::{returns, time};

/// One customer's input to the engine.
pub(super) struct Input {
    pub history: Vec<HistoryLine>,
    pub feedback: Vec<Feedback>,
    pub context: PlaylistContext,
    pub offers: Vec<ActiveOffer>,
}

/// Her input, or `None` when she withdrew consent to personalisation (then nothing else of
/// hers is read). `NotFound` for an unknown customer.
pub(super) fn gather(
    cache: &Cache,
    customer_id: &str,
    today: NaiveDate,
    with_feedback: bool,
) -> Result<Option<Input>> {
    cache.read(|c| {
        c.execute_batch("BEGIN")?;
        let out = gather_in(c, customer_id, today, with_feedback);
        // A read transaction has nothing to commit; ending it releases the snapshot.
        let _ = c.execute_batch("ROLLBACK");
        out
    })
}

fn gather_in(
    c: &Connection,
    customer_id: &str,
    today: NaiveDate,
    with_feedback: bool,
) -> Result<Option<Input>> {
    let (segment, store_id): (String, String) = c
        .prepare_cached("SELECT segment, home_store_id FROM customer WHERE id = ?1")?
        .query_row([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(Error::NotFound)?;
    if crate::consent::personalisation_withdrawn(c, customer_id)? {
        return Ok(None);
    }
    let market: Option<String> = c
        .prepare_cached("SELECT country FROM store WHERE id = ?1")?
        .query_row([&store_id], |r| r.get(0))
        .optional()?;
    let policy: Option<(bool, String)> = c
        .prepare_cached("SELECT suppress_sensitive, rules FROM store_policy WHERE store_id = ?1")?
        .query_row([&store_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (suppress_sensitive, rules) = match policy {
        // Rules were checked when the record was parsed; unreadable ones would be a damaged file.
        Some((s, rules)) => (
            s,
            serde_json::from_str::<Vec<Rule>>(&rules).map_err(|_| Error::Corrupt)?,
        ),
        None => (false, Vec::new()),
    };
    // Every line, gifts flagged: the engine leaves gifts out of the playlist and re-purchase
    // list, and counts them in her visits and spend. A return takes its units and amount off
    // the line sold (a line brought back whole is gone), and its product is never suggested
    // again.
    let lines = c
        .prepare_cached(
            "SELECT id, product_id, bought_at, quantity, amount_cents, gift, return_of
             FROM purchase WHERE customer_id = ?1",
        )?
        .query_map([customer_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?
        .filter_map(|row| match row {
            Ok((id, product_id, at, quantity, amount_cents, gift, return_of)) => time::day_of(at)
                .map(|date| {
                    Ok(returns::Line {
                        id,
                        return_of,
                        line: HistoryLine {
                            product_id,
                            date,
                            quantity: u32::try_from(quantity).unwrap_or(1),
                            amount_cents,
                            gift,
                        },
                    })
                }),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let (history, returned) = returns::kept(lines);
    let feedback = if with_feedback {
        c.prepare_cached(
            "SELECT product_id, verdict FROM feedback WHERE customer_id = ?1 ORDER BY at",
        )?
        .query_map([customer_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .filter_map(|row| match row {
            Ok((product_id, verdict)) => {
                let kind = match verdict.as_str() {
                    "like" => FeedbackKind::Like,
                    "dislike" => FeedbackKind::Dislike,
                    _ => return None,
                };
                Some(Ok(Feedback { product_id, kind }))
            }
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    // A return counts as "doesn't like" before anything the advisor said since.
    let feedback = if with_feedback {
        returned
            .into_iter()
            .map(|product_id| Feedback {
                product_id,
                kind: FeedbackKind::Dislike,
            })
            .chain(feedback)
            .collect()
    } else {
        feedback
    };
    let offers = active_offers(c, customer_id, today)?;
    let mut context = PlaylistContext::new(today);
    context.segment = (!segment.is_empty()).then_some(segment);
    context.market = market;
    context.suppress_sensitive = suppress_sensitive;
    context.rules = rules;
    Ok(Some(Input {
        history,
        feedback,
        context,
        offers,
    }))
}

fn product(c: &Connection, id: &str) -> Result<Option<ProductInfo>> {
    Ok(c.prepare_cached(
        "SELECT p.name, p.brand_id, coalesce(b.name, p.brand_id), p.category_id, p.shade,
                    p.price_cents
             FROM product p LEFT JOIN brand b ON b.id = p.brand_id WHERE p.id = ?1",
    )?
    .query_row([id], |r| {
        Ok(ProductInfo {
            id: id.to_owned(),
            name: r.get(0)?,
            brand_id: r.get(1)?,
            brand: r.get(2)?,
            category_id: r.get(3)?,
            shade: r.get(4)?,
            price_cents: r.get(5)?,
        })
    })
    .optional()?)
}

/// Her offers limited to the product's brand, its category or a parent of it. Store-wide
/// offers are on the card already; repeating them on every line would hide the relevant ones.
fn relevant_offers(p: &ProductInfo, offers: &[ActiveOffer]) -> Vec<ActiveOffer> {
    let in_category = |scope: &str| {
        p.category_id == scope
            || (p.category_id.starts_with(scope) && p.category_id[scope.len()..].starts_with('.'))
    };
    offers
        .iter()
        .filter(|o| {
            o.brand_id.as_deref().is_some_and(|b| b == p.brand_id)
                || o.category_id.as_deref().is_some_and(in_category)
        })
        .cloned()
        .collect()
}

/// The suggestions with their products, reasons and offers; a product the cache does not
/// know (the catalog is still syncing) is left out rather than shown without a name.
pub(super) fn describe_suggestions(
    c: &Connection,
    suggestions: &[Suggestion],
    offers: &[ActiveOffer],
) -> Result<Vec<PlaylistItem>> {
    // Names already read, so that a reason naming a product of the list (most often the
    // suggestion itself: "bought on …") costs no second query.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut infos = Vec::with_capacity(suggestions.len());
    for s in suggestions {
        if let Some(info) = product(c, &s.product_id)? {
            names.insert(info.id.clone(), info.name.clone());
            infos.push((s, info));
        }
    }
    let mut name_of = |id: &str| -> Result<String> {
        if let Some(n) = names.get(id) {
            return Ok(n.clone());
        }
        let n = product(c, id)?.map(|p| p.name).unwrap_or_default();
        names.insert(id.to_owned(), n.clone());
        Ok(n)
    };
    let mut out = Vec::with_capacity(infos.len());
    for (s, info) in infos {
        let reason = match &s.reason {
            Reason::BoughtOn { product_id, date } => SuggestionReason::BoughtOn {
                product_name: name_of(product_id)?,
                product_id: product_id.clone(),
                date: *date,
            },
            Reason::Liked { product_id } => SuggestionReason::Liked {
                product_name: name_of(product_id)?,
                product_id: product_id.clone(),
            },
            Reason::OftenBoughtWith { product_id } => SuggestionReason::OftenBoughtWith {
                product_name: name_of(product_id)?,
                product_id: product_id.clone(),
            },
            Reason::PopularWith { segment } => SuggestionReason::PopularWith {
                segment: segment.clone(),
            },
            Reason::Popular => SuggestionReason::Popular,
        };
        out.push(PlaylistItem {
            offers: relevant_offers(&info, offers),
            product: info,
            score: s.score,
            reason,
        });
    }
    Ok(out)
}

/// The due products with their names and offers.
pub(super) fn describe_due(
    c: &Connection,
    due: &[Due],
    offers: &[ActiveOffer],
) -> Result<Vec<DueItem>> {
    let mut out = Vec::with_capacity(due.len());
    for d in due {
        let Some(info) = product(c, &d.product_id)? else {
            continue;
        };
        out.push(DueItem {
            offers: relevant_offers(&info, offers),
            product: info,
            last_bought: d.last_bought,
            cycle_days: d.cycle_days,
            due_on: d.due_on,
            days_until_due: d.days_until_due,
            confidence: d.confidence,
        });
    }
    Ok(out)
}
