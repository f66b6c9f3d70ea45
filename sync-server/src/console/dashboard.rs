//! The store dashboard's figures, from the store's sales ([`crate::sales`]): when the store
//! sells (a week of hours over the last 8 weeks), next week's expected receipts by hour with
//! the forecast's error measured on the last 8 weeks held out, where its customers live, and
//! this month's categories and brands against the same days last year.
//!
//! "Today" is the store's last day with a receipt: the figures follow the imported data, not
//! the server's clock.

use std::collections::HashMap;

use carnet_core::money::Currency;
use chrono::{Datelike, Duration, NaiveDate};

use crate::sales::{Cell, StoreSales};

/// Weeks the heat map and the forecast look back on.
pub const WEEKS: i64 = 8;
/// Categories and brands shown.
const TOP: usize = 8;
/// Postal codes shown.
const AREAS: usize = 24;

/// A week of hours: `[weekday from Monday][hour]`.
pub type Week<T> = [[T; 24]; 7];

/// A name's revenue this month so far, and on the same days a year before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    pub name: String,
    pub this_year: i64,
    pub last_year: i64,
}

/// How far the forecast was off, tried on each of the last weeks with the weeks before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backtest {
    /// Weeks held out.
    pub weeks: u32,
    /// Mean absolute error, receipts per open hour.
    pub mae: f64,
    /// Absolute errors over the receipts (weighted absolute percentage error).
    pub wape: f64,
    /// The same for the naive forecast "as the same hour a week before".
    pub naive_wape: f64,
}

/// What the dashboard shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The store's last day with a receipt.
    pub as_of: NaiveDate,
    /// Receipts and revenue of the last [`WEEKS`] weeks (to `as_of`), by weekday and hour.
    pub heat: Week<Cell>,
    /// The busiest hour by revenue: (weekday, hour).
    pub busiest: (usize, usize),
    /// Expected receipts by weekday and hour over the 7 days after `as_of`.
    pub forecast: Week<f64>,
    pub backtest: Backtest,
    pub categories: Vec<Compared>,
    pub brands: Vec<Compared>,
    /// Revenue of the last 12 months by the customers' postal code, largest first.
    pub areas: Vec<(String, i64)>,
    /// The currency of every amount: the store's.
    pub currency: Currency,
}

fn receipts(sales: &StoreSales, day: NaiveDate, hour: usize) -> f64 {
    sales
        .hours
        .get(&(day, hour as u32))
        .map_or(0.0, |c| f64::from(c.receipts))
}

/// Expected receipts at `hour` of `day`: the mean of that hour on the same weekday of the
/// [`WEEKS`] weeks before (a seasonal mean: a store's week repeats, its level moves slowly).
fn expected(sales: &StoreSales, day: NaiveDate, hour: usize) -> f64 {
    (1..=WEEKS)
        .map(|k| receipts(sales, day - Duration::days(7 * k), hour))
        .sum::<f64>()
        / WEEKS as f64
}

/// The forecast tried on each of the [`WEEKS`] weeks to `as_of`, from the weeks before it.
fn backtest(sales: &StoreSales, as_of: NaiveDate) -> Backtest {
    let (mut error, mut naive_error, mut actual, mut open_hours) = (0.0, 0.0, 0.0, 0u32);
    for back in 0..WEEKS * 7 {
        let day = as_of - Duration::days(back);
        for hour in 0..24 {
            let a = receipts(sales, day, hour);
            let f = expected(sales, day, hour);
            if a == 0.0 && f == 0.0 {
                continue; // closed
            }
            open_hours += 1;
            error += (f - a).abs();
            naive_error += (receipts(sales, day - Duration::days(7), hour) - a).abs();
            actual += a;
        }
    }
    let share = |e: f64| if actual > 0.0 { e / actual } else { 0.0 };
    Backtest {
        weeks: WEEKS as u32,
        mae: if open_hours > 0 {
            error / f64::from(open_hours)
        } else {
            0.0
        },
        wape: share(error),
        naive_wape: share(naive_error),
    }
}

/// This month to `as_of` against the same days a year before, the largest first.
fn compared(by_day: &HashMap<NaiveDate, HashMap<String, i64>>, as_of: NaiveDate) -> Vec<Compared> {
    let mut totals: HashMap<&str, (i64, i64)> = HashMap::new();
    for day in as_of.with_day(1).unwrap_or(as_of).iter_days() {
        if day > as_of {
            break;
        }
        let year_before = day.with_year(day.year() - 1);
        for (when, slot) in [(Some(day), 0), (year_before, 1)] {
            let Some(names) = when.and_then(|d| by_day.get(&d)) else {
                continue;
            };
            for (name, cents) in names {
                let total = totals.entry(name).or_default();
                match slot {
                    0 => total.0 += cents,
                    _ => total.1 += cents,
                }
            }
        }
    }
    let mut rows: Vec<Compared> = totals
        .into_iter()
        .map(|(name, (this_year, last_year))| Compared {
            name: name.to_owned(),
            this_year,
            last_year,
        })
        .collect();
    rows.sort_by(|a, b| b.this_year.cmp(&a.this_year).then(a.name.cmp(&b.name)));
    rows.truncate(TOP);
    rows
}

/// The dashboard of a store's sales; `None` before its first receipt.
pub fn of(sales: &StoreSales) -> Option<Dashboard> {
    let as_of = sales.last_day()?;
    let first = as_of - Duration::days(WEEKS * 7 - 1);
    let mut heat = [[Cell::default(); 24]; 7];
    for ((day, hour), cell) in sales.hours.range((first, 0)..=(as_of, 23)) {
        let slot = &mut heat[day.weekday().num_days_from_monday() as usize][*hour as usize];
        slot.receipts += cell.receipts;
        slot.cents += cell.cents;
    }
    let mut busiest = (0, 0);
    for (weekday, hours) in heat.iter().enumerate() {
        for (hour, cell) in hours.iter().enumerate() {
            if cell.cents > heat[busiest.0][busiest.1].cents {
                busiest = (weekday, hour);
            }
        }
    }
    let mut forecast = [[0.0; 24]; 7];
    for ahead in 1..=7 {
        let day = as_of + Duration::days(ahead);
        for (hour, slot) in forecast[day.weekday().num_days_from_monday() as usize]
            .iter_mut()
            .enumerate()
        {
            *slot = expected(sales, day, hour);
        }
    }
    let months: Vec<(i32, u32)> = (0..12)
        .filter_map(|back| {
            as_of
                .with_day(1)?
                .checked_sub_months(chrono::Months::new(back))
        })
        .map(|d| (d.year(), d.month()))
        .collect();
    let mut areas: HashMap<&str, i64> = HashMap::new();
    for month in &months {
        for (code, cents) in sales.postal.get(month).into_iter().flatten() {
            *areas.entry(code).or_default() += cents;
        }
    }
    let mut areas: Vec<(String, i64)> = areas
        .into_iter()
        .map(|(code, cents)| (code.to_owned(), cents))
        .collect();
    areas.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    areas.truncate(AREAS);
    Some(Dashboard {
        as_of,
        heat,
        busiest,
        forecast,
        backtest: backtest(sales, as_of),
        categories: compared(&sales.categories, as_of),
        brands: compared(&sales.brands, as_of),
        areas,
        currency: sales.currency.unwrap_or(Currency::EUR),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    /// A store open 10–11 every day, with `receipts(day)` receipts of 10 € each.
    fn store(days: i64, receipts: impl Fn(NaiveDate) -> u32) -> StoreSales {
        let mut sales = StoreSales::default();
        let start = day("2024-01-01");
        for n in 0..days {
            let d = start + Duration::days(n);
            let r = receipts(d);
            sales.hours.insert(
                (d, 10),
                Cell {
                    receipts: r,
                    cents: i64::from(r) * 1000,
                },
            );
        }
        sales
    }

    #[test]
    fn a_week_that_repeats_is_forecast_without_error() {
        // Saturdays sell 30, other days 10: a seasonal mean gets it exactly.
        let sales = store(7 * 20, |d| {
            if d.weekday().number_from_monday() == 6 {
                30
            } else {
                10
            }
        });
        let d = of(&sales).unwrap();
        assert_eq!(d.as_of, day("2024-01-01") + Duration::days(7 * 20 - 1));
        assert_eq!(d.heat[5][10].receipts, 30 * 8);
        assert_eq!(d.heat[0][10].cents, 10 * 8 * 1000);
        assert_eq!(d.busiest, (5, 10));
        assert_eq!(d.forecast[5][10], 30.0);
        assert_eq!(d.forecast[5][11], 0.0);
        assert_eq!(d.backtest.mae, 0.0);
        assert_eq!(d.backtest.wape, 0.0);
    }

    #[test]
    fn the_forecast_error_is_measured_on_held_out_weeks_against_a_naive_one() {
        // Every other week sells double: the 8-week mean is off by a third of the level, the
        // naive "same hour last week" by all of the difference.
        let sales = store(
            7 * 20,
            |d| if d.iso_week().week() % 2 == 0 { 20 } else { 10 },
        );
        let b = of(&sales).unwrap().backtest;
        assert_eq!(b.weeks, 8);
        assert!((b.mae - 5.0).abs() < 1e-9, "{b:?}");
        assert!((b.wape - 1.0 / 3.0).abs() < 1e-9, "{b:?}");
        assert!((b.naive_wape - 2.0 / 3.0).abs() < 1e-9, "{b:?}");
    }

    #[test]
    fn this_month_is_compared_with_the_same_days_a_year_before() {
        let mut sales = store(1, |_| 1);
        let mut put = |d: &str, name: &str, cents: i64| {
            sales
                .categories
                .entry(day(d))
                .or_default()
                .insert(name.to_owned(), cents);
        };
        put("2025-03-01", "Lips", 500);
        put("2025-03-10", "Eyes", 900);
        put("2024-03-05", "Lips", 300);
        put("2024-03-25", "Lips", 10_000); // after the same day a year before
        put("2025-02-28", "Eyes", 10_000); // last month
        let rows = compared(&sales.categories, day("2025-03-12"));
        assert_eq!(
            rows,
            vec![
                Compared {
                    name: "Eyes".into(),
                    this_year: 900,
                    last_year: 0
                },
                Compared {
                    name: "Lips".into(),
                    this_year: 500,
                    last_year: 300
                },
            ]
        );
    }

    #[test]
    fn a_store_without_receipts_has_no_dashboard() {
        assert!(of(&StoreSales::default()).is_none());
    }
}
