//! What an import checks in the lines of an export before they reach any feed: each amount's
//! currency, the day's rate of the lines paid in another currency than their customer's store
//! takes, and that a return brings back a line sold, for no more than it cost. A line that
//! cannot be taken is skipped and its earlier version kept; one that can, with something to
//! say, is taken and said. Each problem names its file and line, never the line's data.

use carnet_core::money::{Currency, Money, Rates};
use carnet_protocol::PurchaseLine;
use chrono::NaiveDate;

use crate::currencies::{Currencies, Paid};

/// A rate older than this many days, standing in for a day's, is worth a warning: the
/// European Central Bank publishes none on weekends and its holidays (Good Friday to Easter
/// Monday is four days), so a longer gap is rates missing from the export.
pub const STALE_RATE_DAYS: i64 = 4;

/// What is wrong with a line, or worth saying about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A version 2 store or amount without its currency: skipped.
    #[error("no currency (skipped)")]
    NoCurrency,
    /// A currency code that is not ISO 4217, or not money: skipped.
    #[error("unknown currency {0:?} (skipped)")]
    UnknownCurrency(String),
    /// A rate that is not a positive decimal: skipped.
    #[error("{0} has a rate that is not a positive decimal (skipped)")]
    BadRate(String),
    /// The day had no rate: an earlier day's converts the line.
    #[error("no {currency} rate on {day}: the rate of {used} converts it")]
    StaleRate {
        /// The currency without a rate.
        currency: &'static str,
        /// The line's day.
        day: NaiveDate,
        /// The day whose rate converts it.
        used: NaiveDate,
    },
    /// No rate on or before the day: the line is taken, and left out of her figures (her
    /// card says so) until a rate arrives.
    #[error("no {currency} rate on or before {day}: left out of her figures until one arrives")]
    NoRate {
        /// The currency without a rate.
        currency: &'static str,
        /// The line's day.
        day: NaiveDate,
    },
    /// A return of a line that neither this export nor an earlier import holds: skipped.
    #[error("a return of {0}, which is not a line of hers (skipped)")]
    ReturnOfUnknownLine(String),
    /// A return of more units or money than the line sold (with the returns before it), or
    /// in another currency: skipped.
    #[error("a return larger than the sale of {0} (skipped)")]
    ReturnLargerThanSale(String),
}

impl Problem {
    /// Whether the line was skipped (an error) rather than taken (a warning).
    pub fn skipped(&self) -> bool {
        !matches!(self, Problem::StaleRate { .. } | Problem::NoRate { .. })
    }
}

/// A problem and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// The export's file.
    pub file: &'static str,
    /// Its 1-based line.
    pub line: u64,
    /// What is wrong.
    pub problem: Problem,
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.problem)
    }
}

/// The currency of a record's code: the euro for a version 1 export, which has none.
pub fn currency(code: Option<&str>, version: u32) -> Result<Currency, Problem> {
    match code {
        None if version < 2 => Ok(Currency::EUR),
        None => Err(Problem::NoCurrency),
        Some(code) => Currency::parse(code).map_err(|_| Problem::UnknownCurrency(code.to_owned())),
    }
}

/// Checks a sale's currency and the rates that convert it into the currency of her home
/// store `home_store`: the warning to give, if any, or the error that skips it.
pub fn check_sale(
    currencies: &Currencies,
    line: &PurchaseLine,
    version: u32,
    home_store: &str,
) -> Result<Option<Problem>, Problem> {
    let paid = Paid {
        currency: currency(line.currency.as_deref(), version)?,
        ..Paid::of(line)
    };
    let home = currencies.of_store(home_store);
    if paid.currency == home {
        return Ok(None);
    }
    let Some(day) = currencies.day_of(&paid) else {
        return Ok(None);
    };
    let money = Money {
        minor: line.amount_cents,
        currency: paid.currency,
    };
    let rates = currencies.rates();
    Ok(match rates.line_amount(money, home, day) {
        Ok(Some((_, Some(used)))) if (day - used).num_days() > STALE_RATE_DAYS => {
            Some(Problem::StaleRate {
                currency: stale_currency(rates, paid.currency, home, day, used),
                day,
                used,
            })
        }
        Ok(Some(_)) => None,
        Ok(None) | Err(_) => Some(Problem::NoRate {
            currency: missing_currency(rates, paid.currency, home, day),
            day,
        }),
    })
}

/// Which of the two currencies has its rate from `used`.
fn stale_currency(
    rates: &Rates,
    paid: Currency,
    home: Currency,
    day: NaiveDate,
    used: NaiveDate,
) -> &'static str {
    let one = Money {
        minor: 1,
        currency: paid,
    };
    match rates.convert(one, Currency::EUR, day) {
        Ok(c) if c.rates_of == used && paid != Currency::EUR => paid.code(),
        _ => home.code(),
    }
}

/// Which of the two currencies has no rate on or before `day`.
fn missing_currency(rates: &Rates, paid: Currency, home: Currency, day: NaiveDate) -> &'static str {
    let one = Money {
        minor: 1,
        currency: paid,
    };
    match rates.convert(one, Currency::EUR, day) {
        Err(_) => paid.code(),
        Ok(_) => home.code(),
    }
}

/// What a sold line is, for checking its returns: her id, its currency, units and amount,
/// less what earlier returns in this import brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sold {
    /// Whose line.
    pub customer_id: String,
    /// Its currency code (`None` in version 1).
    pub currency: Option<String>,
    /// Units not yet brought back.
    pub units: u32,
    /// Amount not yet refunded.
    pub amount: i64,
}

impl Sold {
    /// The line sold.
    pub fn of(line: &PurchaseLine) -> Self {
        Self {
            customer_id: line.customer_id.clone(),
            currency: line.currency.clone(),
            units: line.quantity,
            amount: line.amount_cents,
        }
    }

    /// Takes `back` off what is left of the sale, or says why it cannot be.
    pub fn take_back(&mut self, back: &PurchaseLine, sold_id: &str) -> Result<(), Problem> {
        let larger = || Problem::ReturnLargerThanSale(sold_id.to_owned());
        if back.customer_id != self.customer_id {
            return Err(Problem::ReturnOfUnknownLine(sold_id.to_owned()));
        }
        let refund = back.amount_cents.checked_neg().ok_or_else(larger)?;
        if back.currency != self.currency
            || back.quantity > self.units
            || refund < 0
            || refund > self.amount
        {
            return Err(larger());
        }
        self.units -= back.quantity;
        self.amount -= refund;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn line(id: &str, units: u32, amount: i64, currency: Option<&str>) -> PurchaseLine {
        PurchaseLine {
            id: id.into(),
            receipt_id: "R1".into(),
            customer_id: "C1".into(),
            store_id: "S004".into(),
            bought_at: "2026-03-07T12:00:00Z".into(),
            product_id: "P1".into(),
            quantity: units,
            amount_cents: amount,
            gift: false,
            advisor_id: None,
            currency: currency.map(Into::into),
            channel: Default::default(),
            order_id: None,
            return_of: None,
        }
    }

    fn day(d: &str) -> NaiveDate {
        carnet_core::time::parse_day(d).unwrap()
    }

    #[test]
    fn currencies_are_required_from_version_2_and_known() {
        assert_eq!(currency(None, 1), Ok(Currency::EUR));
        assert_eq!(currency(None, 2), Err(Problem::NoCurrency));
        assert_eq!(
            currency(Some("EURO"), 2),
            Err(Problem::UnknownCurrency("EURO".into()))
        );
        assert_eq!(
            currency(Some("XAU"), 2),
            Err(Problem::UnknownCurrency("XAU".into()))
        );
        assert_eq!(currency(Some("JPY"), 2).unwrap().code(), "JPY");
    }

    #[test]
    fn a_sale_abroad_is_checked_against_the_rates_of_its_day() {
        let gbp = Currency::parse("GBP").unwrap();
        let mut currencies = Currencies::default();
        currencies.add_store("S001".into(), "Europe/Paris".into(), Currency::EUR);
        currencies.add_store("S004".into(), "Europe/London".into(), gbp);
        let sale = line("R1-1", 1, 1250, Some("GBP"));
        // No rate at all: taken, and said.
        assert_eq!(
            check_sale(&currencies, &sale, 2, "S001"),
            Ok(Some(Problem::NoRate {
                currency: "GBP",
                day: day("2026-03-07")
            }))
        );
        // Friday's rate for a Saturday: the ECB's week, nothing to say.
        currencies.add_rate(day("2026-03-06"), gbp, "0.85").unwrap();
        assert_eq!(check_sale(&currencies, &sale, 2, "S001"), Ok(None));
        // A rate weeks old: taken at it, and said.
        let later = PurchaseLine {
            bought_at: "2026-03-27T12:00:00Z".into(),
            ..sale.clone()
        };
        assert_eq!(
            check_sale(&currencies, &later, 2, "S001"),
            Ok(Some(Problem::StaleRate {
                currency: "GBP",
                day: day("2026-03-27"),
                used: day("2026-03-06")
            }))
        );
        // In her home store's currency: no rate needed.
        assert_eq!(check_sale(&currencies, &sale, 2, "S004"), Ok(None));
        assert_eq!(
            check_sale(&currencies, &line("R1-2", 1, 1, None), 2, "S001"),
            Err(Problem::NoCurrency)
        );
    }

    #[test]
    fn returns_bring_back_at_most_what_was_sold() {
        let sale = line("R1-1", 2, 3000, Some("EUR"));
        let mut sold = Sold::of(&sale);
        let back = |units, amount| PurchaseLine {
            return_of: Some("R1-1".into()),
            ..line("T1-1", units, amount, Some("EUR"))
        };
        assert_eq!(sold.take_back(&back(1, -1500), "R1-1"), Ok(()));
        let larger = Err(Problem::ReturnLargerThanSale("R1-1".into()));
        assert_eq!(sold.take_back(&back(2, -1500), "R1-1"), larger, "units");
        assert_eq!(sold.take_back(&back(1, -1501), "R1-1"), larger, "money");
        assert_eq!(
            sold.take_back(&back(1, 100), "R1-1"),
            larger,
            "a positive refund"
        );
        let pounds = PurchaseLine {
            currency: Some("GBP".into()),
            ..back(1, -10)
        };
        assert_eq!(sold.take_back(&pounds, "R1-1"), larger, "another currency");
        assert_eq!(sold.take_back(&back(1, -1500), "R1-1"), Ok(()));
        assert_eq!((sold.units, sold.amount), (0, 0));
        let someone_else = PurchaseLine {
            customer_id: "C2".into(),
            ..back(1, -1)
        };
        assert_eq!(
            sold.take_back(&someone_else, "R1-1"),
            Err(Problem::ReturnOfUnknownLine("R1-1".into()))
        );
    }
}
