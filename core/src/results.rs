//! What outreach brought: the sales attributed to an advisor, and her indicators for a month.
//!
//! **The attribution rule** ([`attributed_to`]), one function for the device and the server: a
//! purchase line counts for the advisor whose contact with the customer reached her last before
//! the purchase, within [`ATTRIBUTION_DAYS`] of it (last touch). A contact reached her when it
//! counts for the quiet period: a call she answered or a voicemail, an e-mail or SMS sent or
//! being sent (not one that failed or was withdrawn). So:
//! - two advisors who reached her within the window: the later contact wins the whole line;
//! - a gift line counts: it is a sale the contact brought, whoever it is for (gifts stay out of
//!   her profile, not out of the sales);
//! - a return (a negative line) is attributed by the same rule at its own time and subtracts:
//!   a sale and its return within one window cancel out; a return outside every window counts
//!   for nobody;
//! - a contact after the purchase, or the purchase more than the window after it: nobody.

use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;

use crate::error::Result;
use crate::store::Cache;
use crate::time;

/// Days after a contact during which her purchases count for the advisor who made it.
pub const ATTRIBUTION_DAYS: i64 = 14;

/// A contact that reached a customer: who made it, and when (seconds since the Unix epoch).
pub type Touch = (String, i64);

/// The advisor a purchase line made at `bought_at` (seconds) counts for, among `touches` (the
/// contacts that reached her, in any order), with a window of `window_days`.
pub fn attributed_to(touches: &[Touch], bought_at: i64, window_days: i64) -> Option<&str> {
    touches
        .iter()
        .filter(|(_, at)| *at <= bought_at && bought_at - at <= window_days * 86_400)
        // The latest; on a tie, the smallest id, so that every reader names the same advisor.
        .max_by(|(a, a_at), (b, b_at)| a_at.cmp(b_at).then(b.cmp(a)))
        .map(|(advisor, _)| advisor.as_str())
}

/// An advisor's indicators for one month.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Indicators {
    /// The month (`YYYY-MM`).
    pub month: String,
    /// Tasks she completed.
    pub tasks_done: u32,
    /// Customers she reached (a call answered or a voicemail, a message sent).
    pub customers_reached: u32,
    /// Sales attributed to her (cents; returns subtracted).
    pub attributed_cents: i64,
    /// Receipts with a line attributed to her.
    pub attributed_receipts: u32,
    /// Customers in her book.
    pub book_size: u32,
    /// Of them, those who bought within the last 365 days.
    pub book_active: u32,
}

/// The first day of `day`'s month and of the next.
fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    (first, next)
}

/// Seconds since the Unix epoch at the start (UTC) of `day`.
fn start_of(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

/// `advisor_id`'s indicators for the month of `today`, from the device's data (her store's
/// contacts, tasks and purchases).
pub fn indicators(cache: &Cache, advisor_id: &str, today: NaiveDate) -> Result<Indicators> {
    cache.read(|c| indicators_in(c, advisor_id, today))
}

fn indicators_in(c: &Connection, advisor_id: &str, today: NaiveDate) -> Result<Indicators> {
    let (first, next) = month_of(today);
    let (from, to) = (first.to_string(), next.to_string());
    let tasks_done: u32 = c
        .prepare_cached(
            "SELECT count(*) FROM task_state
              WHERE state = 'done' AND advisor_id = ?1 AND at >= ?2 AND at < ?3",
        )?
        .query_row([advisor_id, &from, &to], |r| r.get(0))?;
    let customers_reached: u32 = c
        .prepare_cached(
            "SELECT count(DISTINCT customer_id) FROM outreach
              WHERE advisor_id = ?1 AND contacted <> 0 AND at >= ?2 AND at < ?3",
        )?
        .query_row([advisor_id, &from, &to], |r| r.get(0))?;
    // Every contact that may name the advisor of a line of this month, by anyone.
    let window_start = first - chrono::Days::new(ATTRIBUTION_DAYS as u64);
    let mut touches: std::collections::HashMap<String, Vec<Touch>> = Default::default();
    let mut rows = c.prepare_cached(
        "SELECT customer_id, advisor_id, at FROM outreach
          WHERE contacted <> 0 AND advisor_id IS NOT NULL AND at >= ?1 AND at < ?2",
    )?;
    let mut found = rows.query([window_start.to_string(), to.clone()])?;
    while let Some(r) = found.next()? {
        if let Some(at) = time::parse_instant(&r.get::<_, String>(2)?) {
            touches.entry(r.get(0)?).or_default().push((r.get(1)?, at));
        }
    }
    let mut attributed_cents = 0;
    let mut receipts = std::collections::HashSet::new();
    let mut lines = c.prepare_cached(
        "SELECT receipt_id, bought_at, amount_cents FROM purchase
          WHERE customer_id = ?1 AND bought_at >= ?2 AND bought_at < ?3",
    )?;
    for (customer_id, contacts) in &touches {
        let mut found = lines.query(rusqlite::params![
            customer_id,
            start_of(first),
            start_of(next)
        ])?;
        while let Some(r) = found.next()? {
            let bought_at: i64 = r.get(1)?;
            if attributed_to(contacts, bought_at, ATTRIBUTION_DAYS) == Some(advisor_id) {
                attributed_cents += r.get::<_, i64>(2)?;
                receipts.insert(r.get::<_, String>(0)?);
            }
        }
    }
    let active_since = start_of(today) - 365 * 86_400;
    let (book_size, book_active): (u32, u32) = c
        .prepare_cached(
            "SELECT count(*),
                    coalesce(sum(EXISTS (SELECT 1 FROM purchase p
                                          WHERE p.customer_id = customer.id
                                            AND p.bought_at >= ?2)), 0)
               FROM customer WHERE advisor_id = ?1",
        )?
        .query_row(rusqlite::params![advisor_id, active_since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(Indicators {
        month: first.format("%Y-%m").to_string(),
        tasks_done,
        customers_reached,
        attributed_cents,
        attributed_receipts: u32::try_from(receipts.len()).unwrap_or(u32::MAX),
        book_size,
        book_active,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn touch(advisor_id: &str, day: i64) -> Touch {
        (advisor_id.to_owned(), day * DAY)
    }

    #[test]
    fn the_last_contact_within_the_window_before_the_purchase_wins() {
        let touches = [touch("A1", 10), touch("B7", 15)];
        // Both within 14 days: the later one.
        assert_eq!(attributed_to(&touches, 20 * DAY, 14), Some("B7"));
        // Before B7 reached her: A1's.
        assert_eq!(attributed_to(&touches, 12 * DAY, 14), Some("A1"));
        // The day of a contact counts, to the second.
        assert_eq!(attributed_to(&touches, 15 * DAY, 14), Some("B7"));
        assert_eq!(attributed_to(&touches, 15 * DAY - 1, 14), Some("A1"));
        // 14 days after B7's contact exactly: still hers; a second later: nobody's.
        assert_eq!(attributed_to(&touches, 29 * DAY, 14), Some("B7"));
        assert_eq!(attributed_to(&touches, 29 * DAY + 1, 14), None);
        // Before any contact: nobody's.
        assert_eq!(attributed_to(&touches, 9 * DAY, 14), None);
        assert_eq!(attributed_to(&[], 9 * DAY, 14), None);
        // The window is a parameter.
        assert_eq!(attributed_to(&touches, 20 * DAY, 3), None);
    }

    #[test]
    fn two_advisors_at_the_same_second_give_the_line_to_one_of_them_always() {
        let one_way = [touch("B7", 10), touch("A1", 10)];
        let other_way = [touch("A1", 10), touch("B7", 10)];
        assert_eq!(attributed_to(&one_way, 11 * DAY, 14), Some("A1"));
        assert_eq!(attributed_to(&other_way, 11 * DAY, 14), Some("A1"));
    }

    #[test]
    fn months_run_from_their_first_day() {
        let (first, next) = month_of(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default());
        assert_eq!(
            (first.to_string(), next.to_string()),
            ("2026-12-01".into(), "2027-01-01".into())
        );
        assert_eq!(start_of(first), 1_796_083_200);
    }
}
