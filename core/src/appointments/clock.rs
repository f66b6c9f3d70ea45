//! A store's wall clock: its local days and times, kept as UTC instants. Opening hours and
//! working hours are written in local time ("10:00 to 19:00"), so the days when clocks change
//! are shorter or longer, and a local time may not exist or may exist twice.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::Refusal;

/// Minutes in a local day as opening hours count them (24:00 ends a day open until midnight).
pub const DAY_MINUTES: u16 = 24 * 60;

/// A store's time zone, from the IANA database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreClock {
    tz: Tz,
}

/// Which of two instants a local time that exists twice stands for, when it starts or ends a
/// span of hours: a span covers both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    Start,
    End,
}

impl StoreClock {
    /// The clock of an IANA zone name such as `Europe/Paris`.
    pub fn new(zone: &str) -> Result<Self, Refusal> {
        zone.parse::<Tz>()
            .map(|tz| StoreClock { tz })
            .map_err(|_| Refusal::UnknownTimeZone {
                zone: zone.to_owned(),
            })
    }

    /// The zone's name.
    pub fn zone(&self) -> &'static str {
        self.tz.name()
    }

    /// The zone, for formatting a time in it.
    pub(crate) fn tz(&self) -> Tz {
        self.tz
    }

    /// The instant of a local date and time, as an advisor types it: refused when the clocks
    /// skip that time, or asked which one when they show it twice.
    pub fn instant(&self, day: NaiveDate, minute: u16) -> Result<i64, Refusal> {
        let local = local_time(day, minute);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Ok(t.timestamp()),
            LocalResult::Ambiguous(earlier, later) => Err(Refusal::LocalTimeTwice {
                earlier: earlier.timestamp(),
                later: later.timestamp(),
            }),
            LocalResult::None => Err(Refusal::LocalTimeSkipped),
        }
    }

    /// The instant a span of local hours starts or ends at on `day`. A time the clocks skip
    /// stands for the instant they jump; a time they show twice, for the first showing when
    /// a span starts and the second when it ends.
    pub(crate) fn edge(&self, day: NaiveDate, minute: u16, edge: Edge) -> i64 {
        let local = local_time(day, minute);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.timestamp(),
            LocalResult::Ambiguous(earlier, later) => match edge {
                Edge::Start => earlier.timestamp(),
                Edge::End => later.timestamp(),
            },
            LocalResult::None => {
                // Gaps are whole minutes; the first minute after one exists (no zone jumps
                // more than a day).
                (1..=DAY_MINUTES as i64)
                    .find_map(|m| {
                        self.tz
                            .from_local_datetime(&(local + Duration::minutes(m)))
                            .earliest()
                    })
                    .map_or_else(|| local.and_utc().timestamp(), |t| t.timestamp())
            }
        }
    }

    /// The local date of an instant.
    pub fn day_of(&self, instant: i64) -> NaiveDate {
        self.local(instant).date()
    }

    /// The local date and time of an instant, and the zone's offset from UTC then (seconds).
    pub fn local_with_offset(&self, instant: i64) -> (NaiveDateTime, i32) {
        let t = self.tz.from_utc_datetime(&utc(instant).naive_utc());
        let offset = t.naive_local().and_utc().timestamp() - instant;
        (t.naive_local(), offset as i32)
    }

    fn local(&self, instant: i64) -> NaiveDateTime {
        self.local_with_offset(instant).0
    }

    /// Monday 0 to Sunday 6.
    pub(crate) fn weekday(day: NaiveDate) -> usize {
        day.weekday().num_days_from_monday() as usize
    }
}

fn local_time(day: NaiveDate, minute: u16) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) + Duration::minutes(i64::from(minute))
}

fn utc(instant: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(instant, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The instant of a start time sent by the app: RFC 3339 with its offset, since a time
/// without a zone could be two instants or none.
pub fn parse_start(text: &str) -> Result<i64, Refusal> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp());
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .any(|f| NaiveDateTime::parse_from_str(text, f).is_ok());
    Err(if naive {
        Refusal::TimeWithoutZone
    } else {
        Refusal::UnreadableTime
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        crate::time::parse_day(text).unwrap()
    }

    fn at(text: &str) -> i64 {
        crate::time::parse_instant(text).unwrap()
    }

    #[test]
    fn a_skipped_time_is_refused_and_a_doubled_one_asks_which() {
        // Paris, Rome and London change on the last Sunday of March and of October, at
        // 01:00 UTC.
        for (zone, skipped, doubled, winter) in [
            ("Europe/Paris", 150, 150, "+01:00"),
            ("Europe/Rome", 150, 150, "+01:00"),
            ("Europe/London", 90, 90, "+00:00"),
        ] {
            let clock = StoreClock::new(zone).unwrap();
            assert_eq!(
                clock.instant(day("2026-03-29"), skipped),
                Err(Refusal::LocalTimeSkipped),
                "{zone}"
            );
            let (h, m) = (doubled / 60, doubled % 60);
            let summer_hour = if winter == "+01:00" {
                "+02:00"
            } else {
                "+01:00"
            };
            assert_eq!(
                clock.instant(day("2026-10-25"), doubled),
                Err(Refusal::LocalTimeTwice {
                    earlier: at(&format!("2026-10-25T{h:02}:{m:02}:00{summer_hour}")),
                    later: at(&format!("2026-10-25T{h:02}:{m:02}:00{winter}")),
                }),
                "{zone}"
            );
            // The same local time a week later is one instant.
            assert_eq!(
                clock.instant(day("2026-11-01"), doubled),
                Ok(at(&format!("2026-11-01T{h:02}:{m:02}:00{winter}")))
            );
        }
    }

    #[test]
    fn span_edges_in_a_gap_start_when_the_clocks_jump_and_doubled_ends_cover_both() {
        let paris = StoreClock::new("Europe/Paris").unwrap();
        // 02:30 does not exist on 29 March: the clocks jump from 02:00 to 03:00 CEST.
        assert_eq!(
            paris.edge(day("2026-03-29"), 150, Edge::Start),
            at("2026-03-29T03:00:00+02:00")
        );
        assert_eq!(
            paris.edge(day("2026-10-25"), 150, Edge::Start),
            at("2026-10-25T02:30:00+02:00")
        );
        assert_eq!(
            paris.edge(day("2026-10-25"), 150, Edge::End),
            at("2026-10-25T02:30:00+01:00")
        );
        // Midnight ending a day is the next day's start.
        assert_eq!(
            paris.edge(day("2026-03-28"), DAY_MINUTES, Edge::End),
            at("2026-03-29T00:00:00+01:00")
        );
    }

    #[test]
    fn local_days_and_offsets_follow_the_zone() {
        let tokyo = StoreClock::new("Asia/Tokyo").unwrap();
        let t = at("2026-06-30T20:00:00Z");
        assert_eq!(tokyo.day_of(t), day("2026-07-01"));
        assert_eq!(tokyo.local_with_offset(t).1, 9 * 3600);
        assert_eq!(
            StoreClock::new("Mars/Olympus"),
            Err(Refusal::UnknownTimeZone {
                zone: "Mars/Olympus".into()
            })
        );
        assert_eq!(
            StoreClock::new("Europe/Rome").unwrap().zone(),
            "Europe/Rome"
        );
    }

    #[test]
    fn a_start_needs_its_zone() {
        assert_eq!(
            parse_start("2026-05-09T10:30:00+02:00"),
            Ok(at("2026-05-09T08:30:00Z"))
        );
        assert_eq!(
            parse_start("2026-05-09T10:30:00"),
            Err(Refusal::TimeWithoutZone)
        );
        assert_eq!(
            parse_start("2026-05-09 10:30"),
            Err(Refusal::TimeWithoutZone)
        );
        assert_eq!(parse_start("next saturday"), Err(Refusal::UnreadableTime));
    }
}
