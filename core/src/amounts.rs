//! A purchase line's amount in her home store's currency, at the rate of the day it was paid
//! (the store's local day), from the rates the cache holds: what the card, the history's
//! totals, the tasks and the results sum. Only a line paid in another currency reads a rate.
//!
//! A rate that arrives after the lines that needed it converts them again, and so does a move
//! to a home store of another currency; a line with no rate on or before its day is kept at 0
//! and marked, never converted at 1.0.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::{Error, Result};
use crate::money::{Currency, Money, Rates};
use crate::time;

/// `rates_of` of a line that no rate could convert.
pub(crate) const NO_RATE: &str = "none";

/// A line's amount converted: in her home store's currency, and the earlier day whose rate
/// stood in (`None` for the day's own rate or no conversion, [`NO_RATE`] for none at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Converted {
    pub amount: i64,
    pub rates_of: Option<String>,
}

/// The currency of `customer_id`'s home store (the euro when the cache does not hold her
/// yet: version 1 data, or a line ahead of its customer).
pub(crate) fn home_currency(c: &Connection, customer_id: &str) -> Result<Currency> {
    let code: Option<String> = c
        .prepare_cached(
            "SELECT s.currency FROM customer cu JOIN store s ON s.id = cu.home_store_id
             WHERE cu.id = ?1",
        )?
        .query_row([customer_id], |r| r.get(0))
        .optional()?;
    match code {
        Some(code) => Currency::parse(&code).map_err(|_| Error::Corrupt),
        None => Ok(Currency::EUR),
    }
}

/// Whether making `store_id` her home store changes the currency she is told in (from the
/// euro for a customer the cache does not hold yet, whose lines may have come first): read
/// before her record is written, in one lookup.
pub(crate) fn moves_currency(c: &Connection, customer_id: &str, store_id: &str) -> Result<bool> {
    Ok(c.prepare_cached(
        "SELECT coalesce((SELECT s.currency FROM customer cu
                          JOIN store s ON s.id = cu.home_store_id WHERE cu.id = ?1), 'EUR')
             <> coalesce((SELECT currency FROM store WHERE id = ?2), 'EUR')",
    )?
    .query_row(params![customer_id, store_id], |r| r.get(0))?)
}

/// Her home store's currency, remembered while one customer's lines follow each other (an
/// export and a feed page hold them together); forgotten when a customer or a store changes.
#[derive(Debug, Default)]
pub(crate) struct HomeCurrencies {
    last: Option<(String, Currency)>,
}

impl HomeCurrencies {
    /// [`home_currency`] of `customer_id`.
    pub(crate) fn of(&mut self, c: &Connection, customer_id: &str) -> Result<Currency> {
        if let Some((id, currency)) = &self.last
            && id == customer_id
        {
            return Ok(*currency);
        }
        let currency = home_currency(c, customer_id)?;
        self.last = Some((customer_id.to_owned(), currency));
        Ok(currency)
    }

    /// Forgets what it remembers: a customer or a store changed.
    pub(crate) fn forget(&mut self) {
        self.last = None;
    }
}

/// `paid`, spent at `bought_at` (Unix seconds) in store `store_id`, in `to`.
pub(crate) fn convert(
    c: &Connection,
    paid: Money,
    to: Currency,
    store_id: &str,
    bought_at: i64,
) -> Result<Converted> {
    if paid.currency == to {
        return Ok(Converted {
            amount: paid.minor,
            rates_of: None,
        });
    }
    let day = local_day(c, store_id, bought_at)?;
    let mut rates = Rates::default();
    for currency in [paid.currency, to] {
        if currency == Currency::EUR {
            continue;
        }
        let rate: Option<(String, String)> = c
            .prepare_cached(
                "SELECT day, per_euro FROM rate WHERE currency = ?1 AND day <= ?2
                 ORDER BY day DESC LIMIT 1",
            )?
            .query_row(params![currency.code(), day.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((on, per_euro)) = rate {
            let on = time::parse_day(&on).ok_or(Error::Corrupt)?;
            rates
                .insert(on, currency, &per_euro)
                .map_err(|_| Error::Corrupt)?;
        }
    }
    match rates.line_amount(paid, to, day) {
        Ok(Some((amount, earlier))) => Ok(Converted {
            amount,
            rates_of: earlier.map(|d| d.to_string()),
        }),
        Ok(None) => Ok(Converted {
            amount: 0,
            rates_of: Some(NO_RATE.to_owned()),
        }),
        Err(e) => Err(Error::InvalidInput(format!("purchase line: {e}"))),
    }
}

/// Which lines a change of rates, or of her home store, may convert otherwise.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Affected<'a> {
    /// Her home store now takes another currency: every line of hers.
    Customer { id: &'a str },
    /// A rate of `day` arrived: the lines that took an earlier day's (or none) and were paid
    /// on or after it.
    NewRate { day: &'a str },
    /// A rate went: every line converted, at it or not.
    RateGone,
}

/// Converts again the lines a change of rates may affect.
pub(crate) fn convert_again(tx: &Transaction<'_>, affected: Affected<'_>) -> Result<()> {
    let row =
        |r: &rusqlite::Row<'_>| -> rusqlite::Result<(String, String, String, i64, i64, String)> {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        };
    let lines: Vec<_> = match affected {
        Affected::Customer { id } => tx
            .prepare_cached(
                "SELECT id, customer_id, currency, paid_minor, bought_at, store_id FROM purchase
                 WHERE customer_id = ?1",
            )?
            .query_map([id], row)?
            .collect::<rusqlite::Result<_>>()?,
        Affected::NewRate { day } => {
            // A day before its UTC midnight: a store's local day starts up to a day earlier.
            let since = time::parse_day(day)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map_or(i64::MIN, |t| t.and_utc().timestamp() - 86_400);
            tx.prepare_cached(
                "SELECT id, customer_id, currency, paid_minor, bought_at, store_id FROM purchase
                 WHERE rates_of IS NOT NULL AND (rates_of = ?1 OR rates_of < ?2)
                   AND bought_at >= ?3
                 ORDER BY customer_id",
            )?
            .query_map(params![NO_RATE, day, since], row)?
            .collect::<rusqlite::Result<_>>()?
        }
        Affected::RateGone => tx
            .prepare_cached(
                "SELECT id, customer_id, currency, paid_minor, bought_at, store_id FROM purchase
                 WHERE rates_of IS NOT NULL OR paid_minor <> amount_cents
                 ORDER BY customer_id",
            )?
            .query_map([], row)?
            .collect::<rusqlite::Result<_>>()?,
    };
    // In her order: her home currency is read once for her lines.
    let mut homes = HomeCurrencies::default();
    for (id, customer_id, currency, paid_minor, bought_at, store_id) in lines {
        let paid = Money {
            minor: paid_minor,
            currency: Currency::parse(&currency).map_err(|_| Error::Corrupt)?,
        };
        let to = homes.of(tx, &customer_id)?;
        let converted = convert(tx, paid, to, &store_id, bought_at)?;
        tx.prepare_cached("UPDATE purchase SET amount_cents = ?2, rates_of = ?3 WHERE id = ?1")?
            .execute(params![id, converted.amount, converted.rates_of])?;
    }
    Ok(())
}

/// The day in the store's time zone at `bought_at`: the rate of a purchase is its day's
/// where it was paid.
fn local_day(c: &Connection, store_id: &str, bought_at: i64) -> Result<NaiveDate> {
    let zone: Option<String> = c
        .prepare_cached("SELECT timezone FROM store WHERE id = ?1")?
        .query_row([store_id], |r| r.get(0))
        .optional()?;
    time::local_day_of(bought_at, zone.as_deref()).ok_or(Error::Corrupt)
}
