//! Instants and days as the interchange format writes them (RFC 3339 UTC, `YYYY-MM-DD`).

use chrono::{DateTime, NaiveDate, Utc};

/// Seconds since the Unix epoch of an RFC 3339 timestamp.
pub fn parse_instant(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// A `YYYY-MM-DD` day.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The UTC day of an instant in seconds since the Unix epoch.
pub fn day_of(seconds: i64) -> Option<NaiveDate> {
    DateTime::<Utc>::from_timestamp(seconds, 0).map(|t| t.date_naive())
}

/// The day of an instant in the IANA zone `timezone` (a store's), in UTC when the zone is
/// unknown or not a zone.
pub fn local_day_of(seconds: i64, timezone: Option<&str>) -> Option<NaiveDate> {
    let instant = DateTime::<Utc>::from_timestamp(seconds, 0)?;
    Some(
        match timezone.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
            Some(zone) => instant.with_timezone(&zone).date_naive(),
            None => instant.date_naive(),
        },
    )
}
