//! The customer card: who she is, how she buys, what she may be offered today.
//!
//! Gift lines count in her spend and basket, never in her profile (top categories and brands);
//! sensitive categories (maternity, health) never appear in the profile either. Amounts are in
//! her home store's currency, each line converted at the rate of its day when it was paid in
//! another; a return subtracts from her spend and from her profile.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

pub use crate::consent::ConsentState;
use crate::error::{Error, Result};
use crate::store::Cache;
use crate::time;

/// How many categories and brands the card shows.
const TOP_N: usize = 3;

/// Everything the advisor sees when she opens a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerCard {
    /// Customer id.
    pub id: String,
    /// Loyalty card number.
    pub card: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Loyalty tier.
    pub tier: String,
    /// Loyalty points balance.
    pub points: i64,
    /// Marketing segment.
    pub segment: String,
    /// `individual`, `staff` or `professional`.
    pub customer_type: String,
    /// Day she joined (`YYYY-MM-DD`).
    pub member_since: String,
    /// How to reach her.
    pub contact: Contact,
    /// Her consents, per channel and purpose.
    pub consents: Vec<ConsentState>,
    /// Her purchases in figures.
    pub stats: PurchaseStats,
    /// Top-level categories she buys most for herself, most first.
    pub top_categories: Vec<Share>,
    /// Brands she buys most for herself, most first.
    pub top_brands: Vec<Share>,
    /// Offers valid today and not yet used, soonest expiry first.
    pub active_offers: Vec<ActiveOffer>,
}

/// Contact details as held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// E-mail, if any (possibly malformed: the CRM's data).
    pub email: Option<String>,
    /// Phone as entered.
    pub phone: Option<String>,
    /// Phone in E.164, when it is a valid number.
    pub phone_e164: Option<String>,
    /// Street line.
    pub line1: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Country (ISO 3166-1 alpha-2).
    pub country: String,
    /// Preferred language (ISO 639-1).
    pub language: String,
}

/// Purchase figures. Spend and baskets include gifts (she paid for them) and are net of
/// returns; a web or click-and-collect order is one receipt, counted once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurchaseStats {
    /// ISO 4217 code of the amounts: her home store's currency.
    pub currency: String,
    /// Number of receipts and orders (returns are not receipts).
    pub receipts: u32,
    /// Number of lines sold.
    pub lines: u32,
    /// Lines brought back.
    pub returned_lines: u32,
    /// Total spend, net of returns, in minor units of `currency`.
    pub total_spend_cents: i64,
    /// Average receipt in minor units of `currency` (0 without purchases).
    pub average_basket_cents: i64,
    /// Day of the last purchase or return.
    pub last_visit: Option<NaiveDate>,
    /// Lines bought as gifts.
    pub gift_lines: u32,
    /// Lines paid in another currency converted at an earlier day's rate, their own day
    /// having none (the history names the day).
    pub earlier_rate_lines: u32,
    /// Lines paid in another currency with no rate on or before their day: left out of the
    /// figures until a rate arrives.
    pub unconverted_lines: u32,
}

/// A category or brand with how many of her own (non-gift) lines fall in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Category or brand id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Her non-gift lines in it.
    pub lines: u32,
}

/// An offer she can use today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveOffer {
    /// Offer id.
    pub id: String,
    /// Title shown to the advisor.
    pub title: String,
    /// `percent`, `amount` or `gift`.
    pub kind: String,
    /// Percent, money off in minor units of her store's currency, or 0.
    pub value: i64,
    /// Brand it is limited to, if any.
    pub brand_id: Option<String>,
    /// Category it is limited to, if any.
    pub category_id: Option<String>,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// Days left, today included.
    pub days_left: i64,
}

/// Builds the card of customer `id` as of `today` (the device's local day).
pub fn customer_card(cache: &Cache, id: &str, today: NaiveDate) -> Result<CustomerCard> {
    cache.read(|c| {
        let mut card = identity(c, id)?.ok_or(Error::NotFound)?;
        card.consents = crate::consent::states_in(c, id)?;
        let (stats, categories, brands) = figures(c, id)?;
        card.stats = stats;
        card.top_categories = categories;
        card.top_brands = brands;
        card.active_offers = active_offers(c, id, today)?;
        Ok(card)
    })
}

fn identity(c: &Connection, id: &str) -> Result<Option<CustomerCard>> {
    Ok(c.prepare_cached(
        "SELECT id, card, first_name, last_name, tier, points, segment, customer_type,
                created_on, email, phone, phone_e164, line1, postal_code, city, country, language
         FROM customer WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(CustomerCard {
            id: r.get(0)?,
            card: r.get(1)?,
            first_name: r.get(2)?,
            last_name: r.get(3)?,
            tier: r.get(4)?,
            points: r.get(5)?,
            segment: r.get(6)?,
            customer_type: r.get(7)?,
            member_since: r.get(8)?,
            contact: Contact {
                email: r.get(9)?,
                phone: r.get(10)?,
                phone_e164: r.get(11)?,
                line1: r.get(12)?,
                postal_code: r.get(13)?,
                city: r.get(14)?,
                country: r.get(15)?,
                language: r.get(16)?,
            },
            consents: Vec::new(),
            stats: PurchaseStats::default(),
            top_categories: Vec::new(),
            top_brands: Vec::new(),
            active_offers: Vec::new(),
        })
    })
    .optional()?)
}

/// Her figures and her profile, from one pass over her lines (one index range, each line's
/// product, brand and categories joined): what the card shows of her purchases.
fn figures(c: &Connection, id: &str) -> Result<(PurchaseStats, Vec<Share>, Vec<Share>)> {
    let mut stats = PurchaseStats {
        currency: crate::amounts::home_currency(c, id)?.code().to_owned(),
        ..PurchaseStats::default()
    };
    let mut receipts: HashSet<String> = HashSet::new();
    let mut last: Option<i64> = None;
    // Id → (name, lines sold less lines returned).
    let mut categories: HashMap<String, (String, i64)> = HashMap::new();
    let mut brands: HashMap<String, (String, i64)> = HashMap::new();
    let mut statement = c.prepare_cached(
        "SELECT pu.receipt_id, pu.amount_cents, pu.bought_at, pu.gift, pu.return_of IS NOT NULL,
                pu.rates_of, b.id, b.name, sub.sensitive, top.id, top.name, top.sensitive
         FROM purchase pu
         LEFT JOIN product p ON p.id = pu.product_id
         LEFT JOIN brand b ON b.id = p.brand_id
         LEFT JOIN category sub ON sub.id = p.category_id
         LEFT JOIN category top ON top.id = coalesce(sub.parent_id, sub.id)
         WHERE pu.customer_id = ?1",
    )?;
    let mut rows = statement.query([id])?;
    while let Some(r) = rows.next()? {
        let gift: bool = r.get(3)?;
        let returned: bool = r.get(4)?;
        stats.total_spend_cents += r.get::<_, i64>(1)?;
        last = last.max(Some(r.get(2)?));
        match text(r, 5)? {
            Some(crate::amounts::NO_RATE) => stats.unconverted_lines += 1,
            Some(_) => stats.earlier_rate_lines += 1,
            None => {}
        }
        if returned {
            stats.returned_lines += 1;
        } else {
            stats.lines += 1;
            stats.gift_lines += u32::from(gift);
            let receipt = text(r, 0)?.unwrap_or_default();
            if !receipts.contains(receipt) {
                receipts.insert(receipt.to_owned());
            }
        }
        // Her profile: her own lines, never a sensitive category.
        let sub_sensitive: Option<bool> = r.get(8)?;
        if gift || sub_sensitive != Some(false) {
            continue;
        }
        let step = if returned { -1 } else { 1 };
        if let Some(brand) = text(r, 6)? {
            tally(&mut brands, brand, text(r, 7)?.unwrap_or_default(), step);
        }
        if r.get::<_, Option<bool>>(11)? == Some(false)
            && let Some(top) = text(r, 9)?
        {
            tally(&mut categories, top, text(r, 10)?.unwrap_or_default(), step);
        }
    }
    stats.receipts = receipts.len() as u32;
    stats.last_visit = last.and_then(time::day_of);
    if stats.receipts > 0 {
        stats.average_basket_cents = stats.total_spend_cents / i64::from(stats.receipts);
    }
    Ok((stats, top(categories), top(brands)))
}

/// Column `i` of `r` as text, `None` for NULL, without copying it.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<Option<&'r str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|_| Error::Corrupt)
}

/// Counts a line (`step` 1) or a return (−1) for `id`.
fn tally(shares: &mut HashMap<String, (String, i64)>, id: &str, name: &str, step: i64) {
    match shares.get_mut(id) {
        Some((_, n)) => *n += step,
        None => {
            shares.insert(id.to_owned(), (name.to_owned(), step));
        }
    }
}

/// The [`TOP_N`] shares with the most lines kept, most first (ties by id).
fn top(shares: HashMap<String, (String, i64)>) -> Vec<Share> {
    let mut kept: Vec<(String, String, i64)> = shares
        .into_iter()
        .filter(|(_, (_, n))| *n > 0)
        .map(|(id, (name, n))| (id, name, n))
        .collect();
    kept.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    kept.into_iter()
        .take(TOP_N)
        .map(|(id, name, n)| Share {
            id,
            name,
            lines: u32::try_from(n).unwrap_or(u32::MAX),
        })
        .collect()
}

pub(crate) fn active_offers(
    c: &Connection,
    id: &str,
    today: NaiveDate,
) -> Result<Vec<ActiveOffer>> {
    let today_text = today.format("%Y-%m-%d").to_string();
    let rows = c
        .prepare_cached(
            "SELECT id, title, kind, value, brand_id, category_id, valid_to FROM offer
             WHERE customer_id = ?1 AND used_at IS NULL AND valid_from <= ?2 AND valid_to >= ?2
             ORDER BY valid_to, id",
        )?
        .query_map([id, today_text.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut offers = Vec::with_capacity(rows.len());
    for (id, title, kind, value, brand_id, category_id, valid_to) in rows {
        // A malformed end date cannot be shown as valid: skip it rather than guess.
        let Some(valid_to) = time::parse_day(&valid_to) else {
            continue;
        };
        offers.push(ActiveOffer {
            id,
            title,
            kind,
            value,
            brand_id,
            category_id,
            days_left: (valid_to - today).num_days() + 1,
            valid_to,
        });
    }
    Ok(offers)
}
