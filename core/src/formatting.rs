//! Money, numbers, days and times as people read them in a locale, from ICU4X and its CLDR
//! data: the Rust front ends' (the simulator's, the console's) twin of the SwiftUI app's
//! Foundation formatting. Formatting only: every figure is the core's. Compiled with the
//! `formatting` feature, which the handheld's library leaves off.
//!
//! ```
//! use carnet_core::formatting::Formatting;
//! use carnet_core::money::{Currency, Money};
//!
//! let yen = Money { minor: 1_235, currency: Currency::parse("JPY").unwrap() };
//! assert_eq!(Formatting::new("en_US.UTF-8").money(yen), "¥1,235");
//! ```

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use fixed_decimal::Decimal;
use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::{T, YMD, YMDT};
use icu_datetime::input::{Date, DateTime, Time};
use icu_decimal::DecimalFormatter;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_locale_core::Locale;

use crate::money::Money;

/// The formatters of one locale. A formatter ICU4X cannot make (its compiled data lacks
/// the locale and every parent, which a build with the data never sees) leaves that kind of
/// value in its plain form: `1234.50 EUR`, `2026-12-02`, `15:30`.
#[derive(Debug)]
pub struct Formatting {
    locale: Locale,
    number: Option<DecimalFormatter>,
    day: Option<DateTimeFormatter<YMD>>,
    day_and_time: Option<DateTimeFormatter<YMDT>>,
    time: Option<DateTimeFormatter<T>>,
}

impl Formatting {
    /// For a BCP 47 tag or a POSIX locale (`fr-FR`, `de_CH.UTF-8`, `it`); a tag that is
    /// neither reads as English, and a locale CLDR lacks as its nearest parent (`fr-BE` as
    /// Belgian French, `xx` as the root locale).
    pub fn new(tag: &str) -> Self {
        let bcp47 = tag
            .split(['.', '@'])
            .next()
            .unwrap_or_default()
            .replace('_', "-");
        let locale = match bcp47.as_str() {
            "" | "C" | "POSIX" => None,
            tag => Locale::try_from_str(tag).ok(),
        }
        .unwrap_or(icu_locale_core::locale!("en"));
        Self {
            number: DecimalFormatter::try_new((&locale).into(), Default::default()).ok(),
            day: DateTimeFormatter::try_new((&locale).into(), YMD::medium()).ok(),
            day_and_time: DateTimeFormatter::try_new(
                (&locale).into(),
                YMD::medium().with_time_hm(),
            )
            .ok(),
            time: DateTimeFormatter::try_new((&locale).into(), T::hm()).ok(),
            locale,
        }
    }

    /// An amount with its currency's symbol and minor digits, the locale's pattern and
    /// grouping: `1 234,50 €` (fr), `€1,234.50` (en), `CHF 1’234.50` (de-CH), `¥1,235` (en).
    pub fn money(&self, money: Money) -> String {
        let code = money.currency.code();
        let mut amount = Decimal::from(money.minor);
        amount.multiply_pow10(-(money.currency.exponent() as i16));
        let formatter = code.parse().ok().and_then(|c| {
            CurrencyFormatter::try_new_symbol((&self.locale).into(), c, Default::default()).ok()
        });
        match formatter {
            Some(formatter) => formatter.format_fixed_decimal(&amount).to_string(),
            None => format!("{} {code}", self.decimal(&amount)),
        }
    }

    /// A whole number with the locale's grouping: `12 345` (fr), `12,345` (en).
    pub fn number(&self, n: i64) -> String {
        self.decimal(&Decimal::from(n))
    }

    fn decimal(&self, n: &Decimal) -> String {
        match &self.number {
            Some(f) => f.format(n).to_string(),
            None => n.to_string(),
        }
    }

    /// A day: `2 déc. 2026` (fr), `Dec 2, 2026` (en-US), `2 dic 2026` (it).
    pub fn day(&self, day: NaiveDate) -> String {
        match (&self.day, date(day)) {
            (Some(f), Some(d)) => f.format(&d).to_string(),
            _ => day.to_string(),
        }
    }

    /// A day and a time of day, as read where it happens (`at` is local to the store, or
    /// UTC said so by the caller): `2 déc. 2026, 15:30` (fr).
    pub fn day_and_time(&self, at: NaiveDateTime) -> String {
        match (&self.day_and_time, date(at.date()), time(at.time())) {
            (Some(f), Some(date), Some(time)) => f.format(&DateTime { date, time }).to_string(),
            _ => at.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// A time of day: `15:30` (fr), `3:30 PM` (en-US).
    pub fn time(&self, at: NaiveTime) -> String {
        match (&self.time, time(at)) {
            (Some(f), Some(t)) => f.format(&t).to_string(),
            _ => at.format("%H:%M").to_string(),
        }
    }
}

/// ICU4X's ISO day of a chrono day (both proleptic Gregorian); none outside ICU4X's years.
fn date(day: NaiveDate) -> Option<Date<icu_calendar::Iso>> {
    Date::try_new_iso(day.year(), day.month() as u8, day.day() as u8).ok()
}

fn time(at: NaiveTime) -> Option<Time> {
    Time::try_new(at.hour() as u8, at.minute() as u8, at.second() as u8, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn money(minor: i64, code: &str) -> Money {
        Money {
            minor,
            currency: Currency::parse(code).unwrap(),
        }
    }

    /// Narrow and no-break spaces as plain ones, the Swiss typographic apostrophe as ASCII.
    fn plain(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '\u{a0}' | '\u{202f}' => ' ',
                '\u{2019}' => '\'',
                c => c,
            })
            .collect()
    }

    #[test]
    fn money_reads_as_in_each_locale() {
        let cases = [
            ("fr_FR.UTF-8", 123_450, "EUR", "1 234,50 €"),
            ("en-GB", 123_450, "EUR", "€1,234.50"),
            ("de-CH", 123_450, "CHF", "CHF 1'234.50"),
            ("en-US", 1_235, "JPY", "¥1,235"),
            ("en-GB", 8_500, "GBP", "£85.00"),
            ("it-IT", 1_234_550, "EUR", "12.345,50 €"),
            ("fr-FR", -5_000, "EUR", "-50,00 €"),
            ("fr-FR", 0, "GBP", "0,00 £GB"),
        ];
        for (locale, minor, code, read) in cases {
            let f = Formatting::new(locale);
            assert_eq!(plain(&f.money(money(minor, code))), read, "{locale} {code}");
        }
    }

    #[test]
    fn the_french_group_with_a_narrow_no_break_space() {
        let f = Formatting::new("fr-FR");
        assert_eq!(f.money(money(123_450, "EUR")), "1\u{202f}234,50\u{a0}€");
        assert_eq!(f.number(1_234_567), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn a_currency_of_three_decimals_keeps_them() {
        let f = Formatting::new("en");
        assert_eq!(plain(&f.money(money(12_345, "BHD"))), "BHD 12.345");
    }

    #[test]
    fn days_and_times_read_in_the_locale() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let at = day.and_hms_opt(15, 30, 0).unwrap();
        let fr = Formatting::new("fr-FR");
        let us = Formatting::new("en-US");
        let it = Formatting::new("it_IT.UTF-8");
        assert_eq!(fr.day(day), "2 déc. 2026");
        assert_eq!(us.day(day), "Dec 2, 2026");
        assert_eq!(it.day(day), "2 dic 2026");
        assert_eq!(fr.time(at.time()), "15:30");
        assert_eq!(plain(&us.time(at.time())), "3:30 PM");
        assert_eq!(fr.day_and_time(at), "2 déc. 2026, 15:30");
    }

    #[test]
    fn a_tag_that_is_no_locale_reads_as_english() {
        for tag in ["", "C", "POSIX", "C.UTF-8", "not a locale!"] {
            let f = Formatting::new(tag);
            assert_eq!(f.money(money(123_450, "EUR")), "€1,234.50", "{tag:?}");
        }
    }
}
