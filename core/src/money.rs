//! Money across currencies: an amount is a whole number of its currency's minor unit (ISO 4217:
//! cents of a euro, pence, whole yen), and one customer's spending in several currencies is
//! told in the store's own, each amount converted at the rate of the day it was spent, not
//! today's.
//!
//! Rates are daily reference rates in the European Central Bank's form: how many units of a
//! currency one euro bought that day. A day without a rate (a weekend, a bank holiday, a late
//! file) takes the nearest earlier day's and says which day it was; a currency without any
//! earlier rate is an error, never a silent 1.0.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

/// What can be wrong with a currency, a rate or a conversion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not an ISO 4217 currency code.
    #[error("unknown currency code {0:?}")]
    UnknownCurrency(String),
    /// An ISO 4217 code with no minor unit (gold, special drawing rights, funds): not money a
    /// customer pays with.
    #[error("{0} is not a currency customers pay in")]
    NotTradable(&'static str),
    /// A rate that is not a positive decimal number of at most [`RATE_DECIMALS`] decimals.
    #[error("not an exchange rate: {0:?}")]
    BadRate(String),
    /// No rate of the currency on the day or any day before it.
    #[error("no {currency} rate on or before {day}")]
    NoRate {
        /// The currency.
        currency: &'static str,
        /// The day asked for.
        day: NaiveDate,
    },
    /// An amount too large to convert.
    #[error("amount out of range")]
    Overflow,
}

/// An ISO 4217 currency that has a minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// The euro, the rates' reference.
    pub const EUR: Self = Self(iso_currency::Currency::EUR);

    /// The currency of an ISO 4217 alphabetic code, in capitals (`EUR`, `GBP`, `CHF`, `JPY`).
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let iso = iso_currency::Currency::from_code(code)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))?;
        match iso.exponent() {
            Some(_) => Ok(Self(iso)),
            None => Err(MoneyError::NotTradable(iso.code())),
        }
    }

    /// Its ISO 4217 code.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Decimal places of its minor unit: 2 for the euro, 0 for the yen, 3 for the dinar.
    pub fn exponent(self) -> u32 {
        self.0.exponent().map_or(0, u32::from)
    }
}

/// An amount: a whole number of its currency's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    /// In minor units (cents, pence, yen); negative for a refund.
    pub minor: i64,
    /// Its currency.
    pub currency: Currency,
}

/// An amount converted, with the day whose rates converted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converted {
    /// The amount in the currency asked for.
    pub amount: Money,
    /// The day of the rates used: the day asked for, or the nearest earlier day with rates.
    pub rates_of: NaiveDate,
}

impl Converted {
    /// Whether an earlier day's rate stood in for the day's own (the card says so).
    pub fn used_an_earlier_rate(&self, day: NaiveDate) -> bool {
        self.rates_of != day
    }
}

/// Decimals a rate may have: the ECB publishes at most 4 (and 5 significant digits).
pub const RATE_DECIMALS: u32 = 6;

/// Daily rates per currency: units of the currency one euro bought, in millionths.
#[derive(Debug, Default, Clone)]
pub struct Rates {
    by_currency: HashMap<Currency, BTreeMap<NaiveDate, i128>>,
}

impl Rates {
    /// Records that one euro bought `per_euro` (a decimal, e.g. `0.8531` or `162.45`) of
    /// `currency` on `day`; a second rate for the same day replaces the first.
    pub fn insert(
        &mut self,
        day: NaiveDate,
        currency: Currency,
        per_euro: &str,
    ) -> Result<(), MoneyError> {
        let millionths = parse_rate(per_euro)?;
        self.by_currency
            .entry(currency)
            .or_default()
            .insert(day, millionths);
        Ok(())
    }

    /// `amount` in `to`, at the rates of `day` (or of the nearest earlier day that has them),
    /// rounded to the nearest minor unit, halves away from zero.
    pub fn convert(
        &self,
        amount: Money,
        to: Currency,
        day: NaiveDate,
    ) -> Result<Converted, MoneyError> {
        if amount.currency == to {
            return Ok(Converted {
                amount,
                rates_of: day,
            });
        }
        let (from_rate, from_day) = self.per_euro(amount.currency, day)?;
        let (to_rate, to_day) = self.per_euro(to, day)?;
        // minor_to = minor_from × 10^(e_to − e_from) × to_rate / from_rate, in integers.
        let scale_up = 10_i128.pow(to.exponent());
        let scale_down = 10_i128.pow(amount.currency.exponent());
        let numerator = i128::from(amount.minor)
            .checked_mul(to_rate)
            .and_then(|n| n.checked_mul(scale_up))
            .ok_or(MoneyError::Overflow)?;
        let denominator = from_rate * scale_down;
        let minor = i64::try_from(divide_rounding_half_away(numerator, denominator))
            .map_err(|_| MoneyError::Overflow)?;
        Ok(Converted {
            amount: Money {
                minor,
                currency: to,
            },
            rates_of: from_day.min(to_day),
        })
    }

    /// A purchase line's amount in `to` on the day it was paid: the amount and the earlier
    /// day whose rate stood in, or `None` when no rate on or before that day converts it (the
    /// line counts 0 then, never at 1.0).
    pub fn line_amount(
        &self,
        paid: Money,
        to: Currency,
        day: NaiveDate,
    ) -> Result<Option<(i64, Option<NaiveDate>)>, MoneyError> {
        match self.convert(paid, to, day) {
            Ok(c) => Ok(Some((
                c.amount.minor,
                c.used_an_earlier_rate(day).then_some(c.rates_of),
            ))),
            Err(MoneyError::NoRate { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The rate of `currency` on `day` or the nearest earlier day, and that day. The euro is
    /// its own reference: 1 on every day.
    fn per_euro(
        &self,
        currency: Currency,
        day: NaiveDate,
    ) -> Result<(i128, NaiveDate), MoneyError> {
        if currency == Currency::EUR {
            return Ok((MILLION, day));
        }
        self.by_currency
            .get(&currency)
            .and_then(|days| days.range(..=day).next_back())
            .map(|(d, rate)| (*rate, *d))
            .ok_or(MoneyError::NoRate {
                currency: currency.code(),
                day,
            })
    }
}

const MILLION: i128 = 1_000_000;

/// A positive decimal rate in millionths, read exactly (no float on the way).
fn parse_rate(text: &str) -> Result<i128, MoneyError> {
    let bad = || MoneyError::BadRate(text.to_owned());
    let (whole, fraction) = match text.split_once('.') {
        Some((_, "")) => return Err(bad()),
        Some(parts) => parts,
        None => (text, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
        return Err(bad());
    }
    if fraction.len() > RATE_DECIMALS as usize || whole.len() > 12 {
        return Err(bad());
    }
    let whole: i128 = whole.parse().map_err(|_| bad())?;
    let fraction_value: i128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| bad())?
    };
    let places = 10_i128.pow(RATE_DECIMALS - fraction.len() as u32);
    let millionths = whole * MILLION + fraction_value * places;
    if millionths == 0 {
        return Err(bad());
    }
    Ok(millionths)
}

/// `n / d` rounded to the nearest integer, halves away from zero (`d` > 0).
fn divide_rounding_half_away(n: i128, d: i128) -> i128 {
    let half = d / 2;
    if n >= 0 {
        (n + half) / d
    } else {
        -((-n + half) / d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    fn money(minor: i64, code: &str) -> Money {
        Money {
            minor,
            currency: Currency::parse(code).unwrap(),
        }
    }

    /// The ECB's reference rates of 2025-03-03 (a Monday) and 2025-03-04.
    fn rates() -> Rates {
        let mut rates = Rates::default();
        for (d, code, rate) in [
            ("2025-03-03", "GBP", "0.82530"),
            ("2025-03-03", "CHF", "0.9390"),
            ("2025-03-03", "JPY", "156.85"),
            ("2025-03-04", "GBP", "0.8277"),
            ("2025-03-04", "CHF", "0.9367"),
            ("2025-03-04", "JPY", "157.10"),
        ] {
            rates
                .insert(day(d), Currency::parse(code).unwrap(), rate)
                .unwrap();
        }
        rates
    }

    #[test]
    fn currencies_are_iso_4217_with_their_minor_units() {
        assert_eq!(Currency::parse("EUR").unwrap(), Currency::EUR);
        assert_eq!(Currency::parse("EUR").unwrap().exponent(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("BHD").unwrap().exponent(), 3);
        assert_eq!(Currency::parse("CHF").unwrap().code(), "CHF");
        for bad in ["", "EU", "eur", "ZZZ", "EURO", " EUR"] {
            assert_eq!(
                Currency::parse(bad),
                Err(MoneyError::UnknownCurrency(bad.into())),
                "{bad:?}"
            );
        }
        assert_eq!(Currency::parse("XAU"), Err(MoneyError::NotTradable("XAU")));
    }

    #[test]
    fn an_amount_converts_at_its_own_days_rate() {
        let rates = rates();
        let monday = day("2025-03-03");
        // £12.50 on Monday: 12.50 / 0.8253 = €15.146…
        let eur = rates
            .convert(money(1250, "GBP"), Currency::EUR, monday)
            .unwrap();
        assert_eq!(eur.amount, money(1515, "EUR"));
        assert_eq!(eur.rates_of, monday);
        assert!(!eur.used_an_earlier_rate(monday));
        // The same pounds on Tuesday: 12.50 / 0.8277 = €15.102…
        let tuesday = rates
            .convert(money(1250, "GBP"), Currency::EUR, day("2025-03-04"))
            .unwrap();
        assert_eq!(tuesday.amount, money(1510, "EUR"));
        // Through the euro: ¥5,000 in Swiss francs, 5000 × 0.9390 / 156.85 = 29.933…
        let chf = rates.convert(money(5000, "JPY"), Currency::parse("CHF").unwrap(), monday);
        assert_eq!(chf.unwrap().amount, money(2993, "CHF"));
        // Into a currency without a minor unit: €10.00 = ¥1,568.5, rounded half away.
        let jpy = rates.convert(money(1000, "EUR"), Currency::parse("JPY").unwrap(), monday);
        assert_eq!(jpy.unwrap().amount, money(1569, "JPY"));
        // A refund rounds the same way on the other side of zero.
        let refund = rates.convert(money(-1000, "EUR"), Currency::parse("JPY").unwrap(), monday);
        assert_eq!(refund.unwrap().amount, money(-1569, "JPY"));
        // Its own currency: unchanged, no rate needed.
        let same =
            Rates::default().convert(money(1250, "GBP"), Currency::parse("GBP").unwrap(), monday);
        assert_eq!(same.unwrap().amount, money(1250, "GBP"));
    }

    #[test]
    fn a_day_without_rates_takes_the_nearest_earlier_one_and_says_so() {
        let rates = rates();
        let saturday = day("2025-03-08");
        let eur = rates
            .convert(money(1250, "GBP"), Currency::EUR, saturday)
            .unwrap();
        assert_eq!(
            eur.amount,
            money(1510, "EUR"),
            "Tuesday's rate, the last one"
        );
        assert_eq!(eur.rates_of, day("2025-03-04"));
        assert!(eur.used_an_earlier_rate(saturday));
        // Before the first rate there is none to take: an error, never 1.0.
        assert_eq!(
            rates.convert(money(1250, "GBP"), Currency::EUR, day("2025-03-02")),
            Err(MoneyError::NoRate {
                currency: "GBP",
                day: day("2025-03-02")
            })
        );
        assert_eq!(
            rates.convert(money(100, "USD"), Currency::EUR, saturday),
            Err(MoneyError::NoRate {
                currency: "USD",
                day: saturday
            })
        );
    }

    #[test]
    fn rates_are_read_exactly_or_refused() {
        let mut rates = Rates::default();
        let gbp = Currency::parse("GBP").unwrap();
        let today = day("2025-03-03");
        for bad in [
            "",
            "0",
            "0.0",
            "-0.85",
            "0,85",
            ".85",
            "85.",
            "1e3",
            "NaN",
            "0.1234567",
        ] {
            assert_eq!(
                rates.insert(today, gbp, bad),
                Err(MoneyError::BadRate(bad.into())),
                "{bad:?}"
            );
        }
        assert!(rates.by_currency.is_empty(), "a refused rate is not kept");
        rates.insert(today, gbp, "2").unwrap();
        let eur = rates
            .convert(money(100, "GBP"), Currency::EUR, today)
            .unwrap();
        assert_eq!(eur.amount, money(50, "EUR"));
        // Too large an amount is refused rather than wrapped.
        assert_eq!(
            rates.convert(money(i64::MIN, "EUR"), gbp, today),
            Err(MoneyError::Overflow)
        );
    }
}
