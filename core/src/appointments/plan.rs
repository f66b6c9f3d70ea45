//! The interchange format's appointment records (store hours and advisors' hours) read into
//! the agenda's types; services and resources are the format's own. Hours are checked here: a range that ends before it
//! starts, or is not `HH:MM`, is refused with [`Refusal::UnreadableHours`].

use carnet_fixtures::format;
use chrono::NaiveDate;

use super::Refusal;
use super::agenda::{AdvisorHours, Hours, StoreHours, WeeklyHours};
use super::clock::{DAY_MINUTES, Edge, StoreClock};
use super::spans::Span;
use crate::time::parse_day;

/// Minutes after midnight of an `HH:MM` time (`24:00` is midnight after).
fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && total <= DAY_MINUTES).then_some(total)
}

/// A week of `HH:MM` ranges.
pub fn week(week: &format::Week) -> Result<WeeklyHours, Refusal> {
    let mut out = WeeklyHours::default();
    for (day, ranges) in out.0.iter_mut().zip(week) {
        for r in ranges {
            let (Some(from), Some(to)) = (minutes(&r.from), minutes(&r.to)) else {
                return Err(Refusal::UnreadableHours);
            };
            if from >= to {
                return Err(Refusal::UnreadableHours);
            }
            day.push(Hours { from, to });
        }
    }
    Ok(out)
}

fn day(text: &str) -> Result<NaiveDate, Refusal> {
    parse_day(text).ok_or(Refusal::UnreadableTime)
}

impl StoreHours {
    /// A store's calendar from its time zone and its `store_hours` record.
    pub fn from_format(timezone: &str, hours: &format::StoreHours) -> Result<Self, Refusal> {
        Ok(StoreHours {
            clock: StoreClock::new(timezone)?,
            opening: week(&hours.week)?,
            closed: hours
                .closed_days
                .iter()
                .map(|d| day(d))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl AdvisorHours {
    /// An advisor's side of the agenda; her leave runs from the start of its first local day
    /// to the end of its last.
    pub fn from_format(clock: &StoreClock, hours: &format::AdvisorHours) -> Result<Self, Refusal> {
        let time_off = hours
            .time_off
            .iter()
            .map(|r| {
                let (from, to) = (day(&r.from)?, day(&r.to)?);
                Ok(Span::new(
                    clock.edge(from, 0, Edge::Start),
                    clock.edge(to, DAY_MINUTES, Edge::End),
                ))
            })
            .collect::<Result<_, Refusal>>()?;
        Ok(AdvisorHours {
            id: hours.advisor_id.clone(),
            hours: week(&hours.week)?,
            specialties: hours.specialties.clone(),
            time_off,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(from: &str, to: &str) -> format::HoursRange {
        format::HoursRange {
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn hours_are_read_or_refused() {
        let mut w: format::Week = Default::default();
        w[0] = vec![range("10:00", "13:00"), range("14:00", "24:00")];
        let read = week(&w).unwrap();
        assert_eq!(
            read.0[0],
            [
                Hours { from: 600, to: 780 },
                Hours {
                    from: 840,
                    to: 1440
                }
            ]
        );
        assert!(read.0[1..].iter().all(Vec::is_empty));
        for (from, to) in [
            ("19:00", "10:00"),
            ("10:00", "10:00"),
            ("9:00", "12:00"),
            ("10:00", "24:30"),
            ("10:60", "12:00"),
            ("ten", "12:00"),
        ] {
            w[0] = vec![range(from, to)];
            assert_eq!(week(&w), Err(Refusal::UnreadableHours), "{from}–{to}");
        }
    }

    #[test]
    fn leave_covers_whole_local_days() {
        let clock = StoreClock::new("Europe/Paris").unwrap();
        let a = AdvisorHours::from_format(
            &clock,
            &format::AdvisorHours {
                advisor_id: "A1".into(),
                week: Default::default(),
                specialties: vec!["makeup".into()],
                time_off: vec![format::DayRange {
                    from: "2026-12-01".into(),
                    to: "2026-12-02".into(),
                }],
            },
        )
        .unwrap();
        let at = |t| crate::time::parse_instant(t).unwrap();
        assert_eq!(
            a.time_off,
            [Span::new(
                at("2026-12-01T00:00:00+01:00"),
                at("2026-12-03T00:00:00+01:00")
            )]
        );
    }
}
