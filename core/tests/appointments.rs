//! Appointments: free slots and booking checks on a store's agenda, with its opening hours,
//! advisors, resources and bookings, across the days when the clocks change.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;

use carnet_core::appointments::reminder::{self, Invitation, ReminderKind};
use carnet_core::appointments::{
    AdvisorHours, Agenda, Booking, BookingRequest, BookingStatus, GRID_SECS, Hours, Refusal,
    Resource, Service, ServiceNames, Slot, SlotQuery, Span, StoreClock, StoreHours, WeeklyHours,
    parse_start,
};
use carnet_core::time::{parse_day, parse_instant};
use chrono::{NaiveDate, Timelike};
use rand::{Rng, SeedableRng, rngs::StdRng};

const MON_SAT: [bool; 7] = [true, true, true, true, true, true, false];
const EVERY_DAY: [bool; 7] = [true; 7];

fn at(text: &str) -> i64 {
    parse_instant(text).unwrap()
}

fn day(text: &str) -> NaiveDate {
    parse_day(text).unwrap()
}

fn hours(from: &str, to: &str) -> Hours {
    let minutes = |t: &str| {
        let (h, m) = t.split_once(':').unwrap();
        h.parse::<u16>().unwrap() * 60 + m.parse::<u16>().unwrap()
    };
    Hours {
        from: minutes(from),
        to: minutes(to),
    }
}

fn service(
    id: &str,
    minutes: u32,
    buffer: u32,
    notice: u32,
    needs: Option<(&str, &str)>,
) -> Service {
    Service {
        id: id.into(),
        store_id: "S001".into(),
        names: ServiceNames {
            en: id.into(),
            fr: id.into(),
            it: id.into(),
        },
        duration_min: minutes,
        buffer_min: buffer,
        notice_min: notice,
        specialty: needs.map(|(s, _)| s.into()),
        resource_kind: needs.map(|(_, r)| r.into()),
    }
}

fn resource(id: &str, kind: &str) -> Resource {
    Resource {
        id: id.into(),
        store_id: "S001".into(),
        kind: kind.into(),
        name: id.into(),
    }
}

fn services() -> Vec<Service> {
    vec![
        service("makeup", 60, 15, 120, Some(("makeup", "chair"))),
        service("skin", 45, 15, 0, Some(("skincare", "cabin"))),
        service("express", 15, 0, 0, None),
        service("ritual", 600, 0, 0, None),
    ]
}

fn advisor(id: &str, specialties: &[&str], week: WeeklyHours) -> AdvisorHours {
    AdvisorHours {
        id: id.into(),
        hours: week,
        specialties: specialties.iter().map(|s| s.to_string()).collect(),
        time_off: Vec::new(),
    }
}

/// A Paris store open 10:00–19:00 Monday to Saturday, shut on 1 May and Ascension Day; one make-up chair and
/// one cabin; A1 does both services all day, A2 skin care in the mornings, A3 make-up.
fn paris_store(bookings: &[Booking]) -> Agenda {
    paris_store_with_leave(bookings, Span::new(0, 0))
}

/// [`paris_store`], A1 on leave for `a1_leave`.
fn paris_store_with_leave(bookings: &[Booking], a1_leave: Span) -> Agenda {
    let day_hours = [hours("10:00", "19:00")];
    let mut a1 = advisor(
        "A1",
        &["makeup", "skincare"],
        WeeklyHours::days(MON_SAT, &day_hours),
    );
    a1.time_off = vec![a1_leave];
    Agenda::new(
        StoreHours {
            clock: StoreClock::new("Europe/Paris").unwrap(),
            opening: WeeklyHours::days(MON_SAT, &day_hours),
            closed: BTreeSet::from([day("2026-05-01"), day("2026-05-14")]),
        },
        services(),
        vec![resource("chair1", "chair"), resource("cabin1", "cabin")],
        vec![
            a1,
            advisor(
                "A2",
                &["skincare"],
                WeeklyHours::days(MON_SAT, &[hours("10:00", "14:00")]),
            ),
            advisor("A3", &["makeup"], WeeklyHours::days(MON_SAT, &day_hours)),
        ],
        bookings,
    )
    .unwrap()
}

fn booking(
    id: &str,
    service: &str,
    advisor: &str,
    customer: &str,
    start: &str,
    minutes: i64,
) -> Booking {
    let (resource, buffer) = match service {
        "makeup" => (Some("chair1".to_string()), 15),
        "skin" => (Some("cabin1".to_string()), 15),
        _ => (None, 0),
    };
    let start = at(start);
    Booking {
        id: id.into(),
        service_id: service.into(),
        advisor_id: advisor.into(),
        resource_id: resource,
        customer_id: customer.into(),
        time: Span::new(start, start + minutes * 60),
        buffer_min: buffer,
        status: BookingStatus::Confirmed,
    }
}

fn query<'a>(
    service: &'a str,
    advisor: Option<&'a str>,
    from: &str,
    to: &str,
    now: &str,
) -> SlotQuery<'a> {
    SlotQuery {
        service_id: service,
        advisor_id: advisor,
        customer_id: Some("C1"),
        window: Span::new(at(from), at(to)),
        now: at(now),
    }
}

/// The local "HH:MM" of each slot's start in `zone`.
fn local_starts(zone: &str, slots: &[Slot]) -> Vec<String> {
    let clock = StoreClock::new(zone).unwrap();
    slots
        .iter()
        .map(|s| {
            let (t, _) = clock.local_with_offset(s.time.start);
            format!("{:02}:{:02}", t.hour(), t.minute())
        })
        .collect()
}

/// A1's free make-up sessions on Tuesday 12 May, as seen at `now`.
fn a1_makeup_slots(agenda: &Agenda, now: &str) -> Vec<Slot> {
    agenda
        .free_slots(&query("makeup", Some("A1"), TUESDAY, WEDNESDAY, now))
        .unwrap()
}

/// Their local start times.
fn a1_makeup_tuesday(agenda: &Agenda, now: &str) -> Vec<String> {
    local_starts("Europe/Paris", &a1_makeup_slots(agenda, now))
}

const TUESDAY: &str = "2026-05-12T00:00:00+02:00";
const WEDNESDAY: &str = "2026-05-13T00:00:00+02:00";
const MONDAY_MORNING: &str = "2026-05-11T09:00:00+02:00";

#[test]
fn a_free_day_offers_every_quarter_hour_the_service_fits_in() {
    let slots = a1_makeup_slots(&paris_store(&[]), MONDAY_MORNING);
    let starts = local_starts("Europe/Paris", &slots);
    // 10:00 to 18:00 (an hour before closing), every quarter hour.
    assert_eq!(starts.len(), 33);
    assert_eq!(starts.first().unwrap(), "10:00");
    assert_eq!(starts.last().unwrap(), "18:00");
    assert!(slots.iter().all(|s| s.advisor_id == "A1"));
    assert!(
        slots
            .iter()
            .all(|s| s.resource_id.as_deref() == Some("chair1"))
    );
    assert!(slots.iter().all(|s| s.time.end - s.time.start == 3600));
}

#[test]
fn bookings_and_their_buffers_notice_resources_and_the_customer_take_time_out() {
    // A1 has a make-up session 11:00–12:00 (and its 15-minute buffer).
    let agenda = paris_store(&[booking(
        "B1",
        "makeup",
        "A1",
        "C9",
        "2026-05-12T11:00:00+02:00",
        60,
    )]);
    let starts = a1_makeup_tuesday(&agenda, MONDAY_MORNING);
    // 10:00 would run into 11:00 with its buffer; the next start is after 12:15.
    assert_eq!(&starts[..2], ["12:15", "12:30"]);
    assert_eq!(starts.len(), 24);

    // The store's one chair is held by A3 from 14:00 to 15:15: A1 cannot use it then.
    let agenda = paris_store(&[booking(
        "B2",
        "makeup",
        "A3",
        "C9",
        "2026-05-12T14:00:00+02:00",
        60,
    )]);
    let starts = a1_makeup_tuesday(&agenda, MONDAY_MORNING);
    assert!(starts.contains(&"12:45".to_string()));
    for taken in ["13:00", "14:00", "15:00"] {
        assert!(!starts.contains(&taken.to_string()), "{taken}");
    }
    assert!(starts.contains(&"15:15".to_string()));

    // The customer herself has a skin session with A2 at 12:00–12:45.
    let agenda = paris_store(&[booking(
        "B3",
        "skin",
        "A2",
        "C1",
        "2026-05-12T12:00:00+02:00",
        45,
    )]);
    let starts = a1_makeup_tuesday(&agenda, MONDAY_MORNING);
    assert!(starts.contains(&"11:00".to_string()));
    assert!(!starts.contains(&"11:15".to_string()));
    assert!(!starts.contains(&"12:30".to_string()));
    assert!(starts.contains(&"12:45".to_string()));

    // Two hours' notice: asked at 10:05, the first make-up session is at 12:15.
    let agenda = paris_store(&[]);
    let starts = a1_makeup_tuesday(&agenda, "2026-05-12T10:05:00+02:00");
    assert_eq!(starts.first().unwrap(), "12:15");
}

#[test]
fn any_advisor_means_the_least_booked_one_that_day() {
    let agenda = paris_store(&[
        booking("B1", "skin", "A1", "C8", "2026-05-12T15:00:00+02:00", 45),
        booking("B2", "express", "A1", "C7", "2026-05-12T17:00:00+02:00", 15),
    ]);
    let slots = agenda
        .free_slots(&query("skin", None, TUESDAY, WEDNESDAY, MONDAY_MORNING))
        .unwrap();
    // A2 (nothing booked) gives the morning's sessions; A1 the afternoon's, when A2 is off.
    let at_ten = slots
        .iter()
        .find(|s| s.time.start == at("2026-05-12T10:00:00+02:00"));
    assert_eq!(at_ten.unwrap().advisor_id, "A2");
    let at_four = slots
        .iter()
        .find(|s| s.time.start == at("2026-05-12T16:00:00+02:00"));
    assert_eq!(at_four.unwrap().advisor_id, "A1");
    // One slot per start time, in order.
    assert!(slots.windows(2).all(|w| w[0].time.start < w[1].time.start));
}

#[test]
fn closed_days_and_sundays_have_no_slots_and_leave_takes_an_advisor_out() {
    let agenda = paris_store(&[]);
    // Friday 1 May is a holiday, Sunday the 3rd the store is shut.
    let slots = agenda
        .free_slots(&query(
            "express",
            None,
            "2026-05-01T00:00:00+02:00",
            "2026-05-04T00:00:00+02:00",
            "2026-04-30T09:00:00+02:00",
        ))
        .unwrap();
    let clock = StoreClock::new("Europe/Paris").unwrap();
    let days: BTreeSet<NaiveDate> = slots.iter().map(|s| clock.day_of(s.time.start)).collect();
    assert_eq!(days, BTreeSet::from([day("2026-05-02")]));

    // A1 on leave on Tuesday: no make-up session with her that day.
    let leave = Span::new(
        at("2026-05-12T00:00:00+02:00"),
        at("2026-05-13T00:00:00+02:00"),
    );
    let agenda = paris_store_with_leave(&[], leave);
    assert!(a1_makeup_slots(&agenda, MONDAY_MORNING).is_empty());
    assert!(!a1_makeup_slots(&paris_store(&[]), MONDAY_MORNING).is_empty());
}

/// A store open around the clock (an airport's), one advisor on duty around the clock.
fn airport(zone: &str) -> Agenda {
    let all_day = [hours("00:00", "24:00")];
    Agenda::new(
        StoreHours {
            clock: StoreClock::new(zone).unwrap(),
            opening: WeeklyHours::days(EVERY_DAY, &all_day),
            closed: BTreeSet::new(),
        },
        services(),
        Vec::new(),
        vec![advisor("A1", &[], WeeklyHours::days(EVERY_DAY, &all_day))],
        &[],
    )
    .unwrap()
}

/// Quarter-hour slots of the local day `date` in `zone`, as (local "HH:MM", UTC offset).
fn airport_day(zone: &str, date: &str) -> Vec<(String, i32)> {
    let agenda = airport(zone);
    let clock = StoreClock::new(zone).unwrap();
    let d = day(date);
    let from = clock.instant(d, 0).unwrap();
    let to = clock.instant(d.succ_opt().unwrap(), 0).unwrap();
    let slots = agenda
        .free_slots(&SlotQuery {
            service_id: "express",
            advisor_id: None,
            customer_id: None,
            window: Span::new(from, to),
            now: from - 86_400,
        })
        .unwrap();
    slots
        .iter()
        .map(|s| {
            let (t, offset) = clock.local_with_offset(s.time.start);
            (format!("{:02}:{:02}", t.hour(), t.minute()), offset)
        })
        .collect()
}

#[test]
fn the_days_the_clocks_change_have_the_slots_they_really_have() {
    // (zone, the local hour skipped in March and doubled in October, winter offset)
    for (zone, hour, winter) in [
        ("Europe/Paris", "02", 3600),
        ("Europe/Rome", "02", 3600),
        ("Europe/London", "01", 0),
    ] {
        assert_eq!(airport_day(zone, "2026-03-28").len(), 96, "{zone}");
        // Spring forward: a 23-hour day; no slot at the hour that does not exist.
        let march = airport_day(zone, "2026-03-29");
        assert_eq!(march.len(), 92, "{zone}");
        assert!(march.iter().all(|(t, _)| !t.starts_with(hour)), "{zone}");
        // Fall back: a 25-hour day; the doubled hour's slots come twice, summer time first.
        let october = airport_day(zone, "2026-10-25");
        assert_eq!(october.len(), 100, "{zone}");
        let doubled: Vec<&(String, i32)> = october
            .iter()
            .filter(|(t, _)| t == &format!("{hour}:30"))
            .collect();
        assert_eq!(
            doubled,
            [
                &(format!("{hour}:30"), winter + 3600),
                &(format!("{hour}:30"), winter)
            ],
            "{zone}"
        );
        // Slots are distinct instants in order.
        let clock = StoreClock::new(zone).unwrap();
        assert!(
            clock
                .instant(day("2026-03-29"), 60 * hour.parse::<u16>().unwrap() + 30)
                .is_err()
        );
    }
}

#[test]
fn opening_hours_keep_their_local_times_across_the_change() {
    let agenda = paris_store(&[]);
    let first = |date: &str, next: &str| {
        let slots = agenda
            .free_slots(&query(
                "makeup",
                Some("A1"),
                &format!("{date}T00:00:00Z"),
                &format!("{next}T00:00:00Z"),
                "2026-03-20T00:00:00Z",
            ))
            .unwrap();
        (slots.len(), slots[0].time.start)
    };
    // 10:00 in Paris is 09:00 UTC on Saturday 28 March and 08:00 UTC on Monday 30 March.
    assert_eq!(
        first("2026-03-28", "2026-03-29"),
        (33, at("2026-03-28T09:00:00Z"))
    );
    assert_eq!(
        first("2026-03-30", "2026-03-31"),
        (33, at("2026-03-30T08:00:00Z"))
    );
}

#[test]
fn bad_bookings_are_refused_with_a_reason() {
    let agenda = paris_store(&[
        booking("B1", "makeup", "A1", "C9", "2026-05-12T11:00:00+02:00", 60),
        booking("B2", "skin", "A2", "C1", "2026-05-12T12:00:00+02:00", 45),
    ]);
    let now = at(MONDAY_MORNING);
    let ask = |service: &str, advisor: &str, start: &str| {
        agenda.check(
            &BookingRequest {
                service_id: service,
                advisor_id: advisor,
                customer_id: "C1",
                start: at(start),
                resource_id: None,
            },
            now,
        )
    };
    let cases: Vec<(&str, &str, &str, Refusal)> = vec![
        (
            "ritual",
            "A1",
            "2026-05-12T10:00:00+02:00",
            Refusal::LongerThanTheStoreDay {
                duration_min: 600,
                longest_min: 540,
            },
        ),
        (
            "makeup",
            "A2",
            "2026-05-12T10:00:00+02:00",
            Refusal::AdvisorLacksSpecialty {
                specialty: "makeup".into(),
            },
        ),
        (
            "massage",
            "A1",
            "2026-05-12T10:00:00+02:00",
            Refusal::UnknownService,
        ),
        (
            "makeup",
            "A9",
            "2026-05-12T10:00:00+02:00",
            Refusal::UnknownAdvisor,
        ),
        (
            "express",
            "A1",
            "2026-05-08T10:00:00+02:00",
            Refusal::InThePast,
        ),
        (
            "makeup",
            "A1",
            "2026-05-11T10:00:00+02:00",
            Refusal::TooShortNotice {
                earliest: now + 7200,
            },
        ),
        (
            "express",
            "A1",
            "2026-05-14T10:00:00+02:00",
            Refusal::ClosedDay {
                day: day("2026-05-14"),
            },
        ),
        (
            "express",
            "A1",
            "2026-05-17T10:00:00+02:00",
            Refusal::ClosedDay {
                day: day("2026-05-17"),
            },
        ),
        (
            "makeup",
            "A1",
            "2026-05-12T18:30:00+02:00",
            Refusal::OutsideOpeningHours,
        ),
        (
            "skin",
            "A2",
            "2026-05-12T15:00:00+02:00",
            Refusal::AdvisorNotWorking,
        ),
        (
            "makeup",
            "A1",
            "2026-05-12T10:30:00+02:00",
            Refusal::AdvisorBusy,
        ),
        (
            "makeup",
            "A3",
            "2026-05-12T12:00:00+02:00",
            Refusal::CustomerBusy,
        ),
        (
            "makeup",
            "A3",
            "2026-05-12T10:15:00+02:00",
            Refusal::ResourceBusy {
                kind: "chair".into(),
            },
        ),
        (
            "skin",
            "A1",
            "2026-05-12T12:15:00+02:00",
            Refusal::CustomerBusy,
        ),
    ];
    for (service, advisor, start, refusal) in cases {
        assert_eq!(
            ask(service, advisor, start),
            Err(refusal),
            "{service} {advisor} {start}"
        );
    }
    // And one that fits.
    let placed = ask("makeup", "A3", "2026-05-12T15:00:00+02:00").unwrap();
    assert_eq!(placed.resource_id.as_deref(), Some("chair1"));
    assert_eq!(placed.buffer_min, 15);
    // Times come with their zone; hours that end before they start are refused.
    assert_eq!(
        parse_start("2026-05-12T15:00:00"),
        Err(Refusal::TimeWithoutZone)
    );
    let bad = Agenda::new(
        StoreHours {
            clock: StoreClock::new("Europe/Paris").unwrap(),
            opening: WeeklyHours::days(MON_SAT, &[hours("19:00", "10:00")]),
            closed: BTreeSet::new(),
        },
        services(),
        Vec::new(),
        Vec::new(),
        &[],
    );
    assert_eq!(bad.err(), Some(Refusal::UnreadableHours));
    // The refusal goes to the app as a typed reason.
    assert_eq!(
        serde_json::to_value(Refusal::ResourceBusy {
            kind: "chair".into()
        })
        .unwrap(),
        serde_json::json!({"reason": "resource_busy", "kind": "chair"})
    );
}

#[test]
fn a_refused_time_comes_with_the_nearest_free_ones() {
    let agenda = paris_store(&[booking(
        "B1",
        "makeup",
        "A1",
        "C9",
        "2026-05-12T11:00:00+02:00",
        60,
    )]);
    let req = BookingRequest {
        service_id: "makeup",
        advisor_id: "A1",
        customer_id: "C1",
        start: at("2026-05-12T11:00:00+02:00"),
        resource_id: None,
    };
    let now = at(MONDAY_MORNING);
    assert_eq!(agenda.check(&req, now), Err(Refusal::AdvisorBusy));
    let nearest = local_starts("Europe/Paris", &agenda.nearest_free(&req, now, 3));
    assert_eq!(nearest, ["12:15", "12:30", "12:45"]);
}

#[test]
fn cancelled_and_refused_bookings_free_their_time() {
    let mut b = booking("B1", "makeup", "A1", "C9", "2026-05-12T11:00:00+02:00", 60);
    for status in [BookingStatus::Cancelled, BookingStatus::Refused] {
        b.status = status;
        let slots = a1_makeup_slots(&paris_store(std::slice::from_ref(&b)), MONDAY_MORNING);
        assert_eq!(slots.len(), 33, "{status:?}");
    }
}

/// Every slot the search offers is accepted by the check, and every quarter hour the check
/// accepts for some advisor is offered: the handheld's search and the server's check agree.
#[test]
fn the_search_offers_exactly_what_the_check_accepts() {
    let mut rng = StdRng::seed_from_u64(7);
    for round in 0..20 {
        let mut bookings = Vec::new();
        for i in 0..rng.random_range(0..40) {
            let service = ["makeup", "skin", "express"][rng.random_range(0..3)];
            let advisor = match service {
                "makeup" => ["A1", "A3"][rng.random_range(0..2)],
                "skin" => ["A1", "A2"][rng.random_range(0..2)],
                _ => ["A1", "A2", "A3"][rng.random_range(0..3)],
            };
            let minutes = match service {
                "makeup" => 60,
                "skin" => 45,
                _ => 15,
            };
            let start = at(TUESDAY) + 36_000 + GRID_SECS * rng.random_range(0..40);
            let customer = format!("C{}", rng.random_range(1..6));
            let mut b = booking(
                &format!("B{i}"),
                service,
                advisor,
                &customer,
                "2026-05-12T00:00:00Z",
                minutes,
            );
            b.time = Span::new(start, start + minutes * 60);
            bookings.push(b);
        }
        let agenda = paris_store(&bookings);
        let now = at(MONDAY_MORNING);
        for service in ["makeup", "skin", "express"] {
            let slots = agenda
                .free_slots(&query(service, None, TUESDAY, WEDNESDAY, MONDAY_MORNING))
                .unwrap();
            for s in &slots {
                let req = BookingRequest {
                    service_id: service,
                    advisor_id: &s.advisor_id,
                    customer_id: "C1",
                    start: s.time.start,
                    resource_id: s.resource_id.as_deref(),
                };
                assert!(
                    agenda.check(&req, now).is_ok(),
                    "round {round} {service} {s:?}"
                );
            }
            let offered: BTreeSet<i64> = slots.iter().map(|s| s.time.start).collect();
            let mut start = at(TUESDAY);
            while start < at(WEDNESDAY) {
                let accepted = ["A1", "A2", "A3"].iter().any(|a| {
                    agenda
                        .check(
                            &BookingRequest {
                                service_id: service,
                                advisor_id: a,
                                customer_id: "C1",
                                start,
                                resource_id: None,
                            },
                            now,
                        )
                        .is_ok()
                });
                assert_eq!(
                    accepted,
                    offered.contains(&start),
                    "round {round} {service} at {start}"
                );
                start += GRID_SECS;
            }
        }
    }
}

/// The generator's planning read into agendas: every service each store offers can be booked
/// in the next two weeks, never on a day the store is shut.
#[test]
fn every_service_of_a_generated_store_can_be_booked() {
    use carnet_fixtures::format::{self, files};
    let dir = tempfile::tempdir().unwrap();
    carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, dir.path())
        .unwrap();
    let export = carnet_fixtures::Export::open(dir.path()).unwrap();
    let stores: Vec<format::Store> = support::records(&export, files::STORES);
    let store_hours: Vec<format::StoreHours> = support::records(&export, files::STORE_HOURS);
    let services: Vec<format::Service> = support::records(&export, files::SERVICES);
    let resources: Vec<format::Resource> = support::records(&export, files::RESOURCES);
    let advisor_hours: Vec<format::AdvisorHours> = support::records(&export, files::ADVISOR_HOURS);
    // Every store of the run has its hours; the stores abroad its travellers visited have
    // none in this export.
    assert_eq!(store_hours.len(), 3);
    let as_of = day(&export.manifest().as_of);
    for hours in &store_hours {
        let store = stores.iter().find(|s| s.id == hours.store_id).unwrap();
        let calendar = StoreHours::from_format(&store.timezone, hours).unwrap();
        let clock = calendar.clock;
        let closed = calendar.closed.clone();
        let sundays_open = !calendar.opening.0[6].is_empty();
        let staff: Vec<AdvisorHours> = advisor_hours
            .iter()
            .filter(|h| h.store_id == store.id)
            .map(|h| AdvisorHours::from_format(&clock, h).unwrap())
            .collect();
        assert!(!staff.is_empty(), "{}", store.id);
        let offered: Vec<&format::Service> =
            services.iter().filter(|s| s.store_id == store.id).collect();
        let agenda = Agenda::new(
            calendar,
            offered.iter().map(|s| (*s).clone()).collect(),
            resources
                .iter()
                .filter(|r| r.store_id == store.id)
                .cloned()
                .collect(),
            staff,
            &[],
        )
        .unwrap();
        let now = clock.instant(as_of, 9 * 60).unwrap();
        for service in offered {
            let slots = agenda
                .free_slots(&SlotQuery {
                    service_id: &service.id,
                    advisor_id: None,
                    customer_id: None,
                    window: Span::new(now, now + 14 * 86_400),
                    now,
                })
                .unwrap();
            assert!(
                slots.len() > 50,
                "{} {}: {}",
                store.id,
                service.id,
                slots.len()
            );
            for s in &slots {
                let d = clock.day_of(s.time.start);
                assert!(!closed.contains(&d));
                assert!(sundays_open || chrono::Datelike::weekday(&d) != chrono::Weekday::Sun);
            }
        }
    }
}

/// The plan kept in an encrypted cache: bulk-loaded from a generated export, then changed by
/// the feed (a service withdrawn, an advisor's hours changed), read back into the agenda.
#[test]
fn the_plan_comes_from_the_cache_and_follows_the_feed() {
    use carnet_core::appointments::plan;
    use carnet_core::{Error, changes};
    use carnet_fixtures::format::{self, files};
    use carnet_protocol::{Change, Entity, Record};
    let (_dir, export, cache) = support::tiny_cache();

    let services: Vec<format::Service> = support::records(&export, files::SERVICES);
    let of_s001: Vec<&format::Service> = services.iter().filter(|s| s.store_id == "S001").collect();
    let agenda = plan::agenda(&cache, "S001", &[]).unwrap();
    let clock = agenda.store().clock;
    let now = clock
        .instant(day(&export.manifest().as_of), 9 * 60)
        .unwrap();
    let query = |service_id| SlotQuery {
        service_id,
        advisor_id: None,
        customer_id: None,
        window: Span::new(now, now + 7 * 86_400),
        now,
    };
    for s in &of_s001 {
        assert!(
            !agenda.free_slots(&query(&s.id)).unwrap().is_empty(),
            "{}",
            s.id
        );
    }
    // Another store's service is not S001's.
    let elsewhere = services.iter().find(|s| s.store_id != "S001").unwrap();
    assert_eq!(
        agenda.free_slots(&query(&elsewhere.id)).err(),
        Some(Refusal::UnknownService)
    );

    // The feed withdraws S001's first service and puts every advisor of the store on
    // mornings only.
    let withdrawn = &of_s001[0].id;
    let mut changed: Vec<Change> = vec![Change::Delete {
        entity: Entity::Service,
        id: withdrawn.clone(),
    }];
    let hours: Vec<format::AdvisorHours> = support::records(&export, files::ADVISOR_HOURS);
    for mut h in hours.into_iter().filter(|h| h.store_id == "S001") {
        for day in h.week.iter_mut().filter(|d| !d.is_empty()) {
            *day = vec![format::HoursRange {
                from: "10:00".into(),
                to: "12:00".into(),
            }];
        }
        changed.push(Change::Upsert {
            record: Record::AdvisorHours(h),
        });
    }
    changes::apply_page(&cache, &changed, "c1").unwrap();
    let agenda = plan::agenda(&cache, "S001", &[]).unwrap();
    assert_eq!(
        agenda.free_slots(&query(withdrawn)).err(),
        Some(Refusal::UnknownService)
    );
    let slots = agenda.free_slots(&query(&of_s001[1].id)).unwrap();
    assert!(!slots.is_empty());
    assert!(slots.iter().all(|s| {
        let (t, _) = clock.local_with_offset(s.time.start);
        (10..12).contains(&t.hour())
    }));

    // Hours the app cannot read are refused, and nothing else is changed.
    let mut broken: format::StoreHours =
        support::records::<format::StoreHours>(&export, files::STORE_HOURS)
            .into_iter()
            .find(|h| h.store_id == "S001")
            .unwrap();
    broken.week[0] = vec![format::HoursRange {
        from: "20:00".into(),
        to: "10:00".into(),
    }];
    changes::apply_page(
        &cache,
        &[Change::Upsert {
            record: Record::StoreHours(broken),
        }],
        "c2",
    )
    .unwrap();
    assert!(matches!(
        plan::agenda(&cache, "S001", &[]),
        Err(Error::Appointment(Refusal::UnreadableHours))
    ));
    assert!(plan::agenda(&cache, "S002", &[]).is_ok());
    // A store the device does not know.
    assert!(matches!(
        plan::agenda(&cache, "S999", &[]),
        Err(Error::NotFound)
    ));
}

/// Bookings made offline on the handheld: provisional until the server's record arrives, an
/// edit waiting for its answer is not undone by the feed, a refused move returns to the
/// server's copy with the reason and the slots offered, a refused booking frees its time, and
/// an erased customer's bookings go with her.
#[test]
fn offline_bookings_wait_for_the_server_and_a_refusal_says_why() {
    use carnet_core::appointment_edits;
    use carnet_core::appointments::bookings::{self, NewBooking, Refused};
    use carnet_core::{changes, outbox};
    use carnet_protocol::{
        AppointmentRecord, AppointmentStatus, BookingAction, Change, Entity, MutationKind,
        MutationResult, Outcome, Record, reject,
    };
    let (_dir, export, cache) = support::tiny_cache();
    let customers: Vec<String> = cache
        .read(|c| {
            let mut stmt =
                c.prepare("SELECT id FROM customer WHERE home_store_id = 'S001' ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap();
    let service = support::records::<carnet_fixtures::format::Service>(
        &export,
        carnet_fixtures::format::files::SERVICES,
    )
    .into_iter()
    .find(|s| s.store_id == "S001" && s.resource_kind.is_some())
    .unwrap();
    let now = chrono::Utc::now();
    let free = |agenda: &Agenda| {
        agenda
            .free_slots(&SlotQuery {
                service_id: &service.id,
                advisor_id: None,
                customer_id: None,
                window: Span::new(now.timestamp() + 2 * 86_400, now.timestamp() + 30 * 86_400),
                now: now.timestamp(),
            })
            .unwrap()
    };
    let slot = free(&bookings::store_agenda(&cache, "S001", None).unwrap())[0].clone();
    let new = NewBooking {
        customer_id: &customers[0],
        service_id: &service.id,
        advisor_id: &slot.advisor_id,
        resource_id: None,
        start: slot.time.start,
    };
    let id = appointment_edits::book(&cache, "S001", "A1", &new, now).unwrap();
    let mine = bookings::get(&cache, &id).unwrap();
    assert_eq!(
        (mine.status, mine.pending, mine.time),
        (BookingStatus::Provisional, true, slot.time)
    );
    assert_eq!(mine.resource_id, slot.resource_id);
    // Not in her calendar before the store confirms it.
    assert!(matches!(
        bookings::calendar(&cache, &id, now.timestamp()),
        Err(carnet_core::Error::Appointment(Refusal::NotConfirmedYet))
    ));
    // What travels: the start in UTC with its zone, the resource the check chose.
    let queued = outbox::pending(&cache, 10).unwrap();
    assert_eq!(queued.len(), 1);
    let MutationKind::Appointment {
        booking_id, action, ..
    } = &queued[0].change
    else {
        panic!("{queued:?}");
    };
    assert_eq!(booking_id, &id);
    let BookingAction::Book {
        start, resource_id, ..
    } = action
    else {
        panic!("{action:?}");
    };
    assert_eq!(parse_start(start), Ok(slot.time.start));
    assert!(start.ends_with('Z'), "{start}");
    assert_eq!(resource_id, &slot.resource_id);
    // Its time is taken on this device at once.
    assert!(
        !free(&bookings::store_agenda(&cache, "S001", None).unwrap())
            .iter()
            .any(|s| s.advisor_id == slot.advisor_id && s.time == slot.time)
    );

    // Accepted, then confirmed by the server's record.
    let answer =
        |seq, outcome| outbox::record_results(&cache, &[MutationResult { seq, outcome }]).unwrap();
    answer(queued[0].seq, Outcome::Applied);
    let record = AppointmentRecord {
        id: id.clone(),
        store_id: "S001".into(),
        customer_id: customers[0].clone(),
        service_id: service.id.clone(),
        advisor_id: slot.advisor_id.clone(),
        resource_id: slot.resource_id.clone(),
        start: bookings::wire_time(slot.time.start),
        end: bookings::wire_time(slot.time.end),
        buffer_min: service.buffer_min,
        status: AppointmentStatus::Confirmed,
        booked_by: Some("A1".into()),
        updated_at: now.to_rfc3339(),
    };
    let feed = |record: &AppointmentRecord, cursor: &str| {
        changes::apply_page(
            &cache,
            &[Change::Upsert {
                record: Record::Appointment(record.clone()),
            }],
            cursor,
        )
        .unwrap()
    };
    feed(&record, "c1");
    let mine = bookings::get(&cache, &id).unwrap();
    assert_eq!(
        (mine.status, mine.pending),
        (BookingStatus::Confirmed, false)
    );
    // On her card's timeline, once, and first: it is still to come.
    let timeline = carnet_core::timeline::of_customer(&cache, &customers[0]).unwrap();
    use carnet_core::timeline::Event;
    assert!(
        matches!(timeline.first(), Some(Event::Appointment(a)) if a.id == id),
        "{timeline:?}"
    );
    let bookings = timeline
        .iter()
        .filter(|e| matches!(e, Event::Appointment(_)))
        .count();
    assert_eq!(bookings, 1, "{timeline:?}");
    // Confirmed: the event for her calendar, the service named in her language.
    let ics = bookings::calendar(&cache, &id, now.timestamp()).unwrap();
    let calendar: icalendar::Calendar = ics.parse().unwrap();
    let event = calendar.events().next().unwrap();
    {
        use icalendar::Component;
        let language: String = cache
            .read(|c| {
                Ok(c.query_row(
                    "SELECT language FROM customer WHERE id = ?1",
                    [&customers[0]],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        let name = carnet_core::appointments::service_name(&service, &language);
        assert!(event.get_summary().unwrap().starts_with(name), "{ics}");
        assert_eq!(event.get_uid(), Some(format!("{id}@carnet").as_str()));
        assert_eq!(
            event.get_start(),
            Some(icalendar::DatePerhapsTime::DateTime(
                icalendar::CalendarDateTime::Utc(
                    chrono::DateTime::from_timestamp(slot.time.start, 0).unwrap()
                )
            ))
        );
    }

    // Moved a day or more later; the feed sends the confirmed copy meanwhile: the move still
    // shows.
    let later = free(&bookings::store_agenda(&cache, "S001", None).unwrap())
        .into_iter()
        .find(|s| s.advisor_id == slot.advisor_id && s.time.start >= slot.time.start + 86_400)
        .unwrap()
        .time
        .start;
    appointment_edits::move_to(&cache, &id, &slot.advisor_id, None, later, "A1", now).unwrap();
    feed(&record, "c2");
    let mine = bookings::get(&cache, &id).unwrap();
    assert_eq!(
        (mine.status, mine.time.start),
        (BookingStatus::Provisional, later)
    );
    // The server refuses it: back to the confirmed time, with why and where instead.
    let offered: Vec<Slot> = free(&bookings::store_agenda(&cache, "S001", None).unwrap())
        .into_iter()
        .filter(|s| s.time.start > later + 86_400)
        .take(2)
        .collect();
    let refused = Refused {
        refusal: Refusal::AdvisorBusy,
        nearest: offered.clone(),
    };
    let detail = serde_json::to_value(&refused).unwrap();
    let seq = outbox::pending(&cache, 10).unwrap()[0].seq;
    answer(
        seq,
        Outcome::Rejected {
            code: reject::BOOKING_REFUSED.into(),
            reason: "the advisor is booked then".into(),
            detail: Some(detail.clone()),
        },
    );
    let mine = bookings::get(&cache, &id).unwrap();
    assert_eq!(
        (mine.status, mine.time, mine.pending),
        (BookingStatus::Confirmed, slot.time, false)
    );
    assert_eq!(mine.refused, Some(refused.clone()));

    // A booking the server never confirmed and refused: shown refused, its time free again.
    let other = NewBooking {
        customer_id: &customers[1],
        start: offered[1].time.start,
        advisor_id: &offered[1].advisor_id,
        ..new
    };
    let lost = appointment_edits::book(&cache, "S001", "A1", &other, now).unwrap();
    let seq = outbox::pending(&cache, 10).unwrap()[0].seq;
    answer(
        seq,
        Outcome::Rejected {
            code: reject::BOOKING_REFUSED.into(),
            reason: "the advisor is booked then".into(),
            detail: Some(detail),
        },
    );
    let shown = bookings::get(&cache, &lost).unwrap();
    assert_eq!(shown.status, BookingStatus::Refused);
    assert_eq!(shown.refused, Some(refused));
    assert!(
        free(&bookings::store_agenda(&cache, "S001", None).unwrap())
            .iter()
            .any(|s| s.time == offered[1].time)
    );
    // The day lists both, in time order; the customer's card lists hers.
    let local_day = bookings::store_agenda(&cache, "S001", None)
        .unwrap()
        .store()
        .clock
        .day_of(slot.time.start);
    let listed: Vec<String> = bookings::day(&cache, "S001", local_day)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert!(listed.contains(&id), "{listed:?}");
    assert_eq!(
        bookings::of_customer(&cache, &customers[0]).unwrap()[0].id,
        id
    );

    // Erased: her bookings go with her.
    changes::apply_page(
        &cache,
        &[Change::Delete {
            entity: Entity::Customer,
            id: customers[0].clone(),
        }],
        "c3",
    )
    .unwrap();
    assert!(matches!(
        bookings::get(&cache, &id),
        Err(carnet_core::Error::NotFound)
    ));
}

fn invitation<'a>(service: &'a str, zone: &'a str, language: &'a str) -> Invitation<'a> {
    Invitation {
        booking_id: "B-42",
        service,
        store: "Carnet Opéra",
        city: "Paris",
        // The Sunday the clocks go forward in Europe: 10:30 in Paris and Rome, 09:30 in London.
        start: at("2026-03-29T08:30:00Z"),
        end: at("2026-03-29T09:15:00Z"),
        timezone: zone,
        language,
    }
}

#[test]
fn reminders_are_due_a_day_and_two_hours_before_unless_that_time_has_passed() {
    let start = at("2026-12-05T13:30:00Z");
    assert_eq!(
        reminder::due(start, at("2026-12-01T09:00:00Z")),
        vec![
            (ReminderKind::DayBefore, at("2026-12-04T13:30:00Z")),
            (ReminderKind::HoursBefore, at("2026-12-05T11:30:00Z")),
        ]
    );
    // Booked this morning for this afternoon: only the later one.
    assert_eq!(
        reminder::due(start, at("2026-12-05T09:00:00Z")),
        vec![(ReminderKind::HoursBefore, at("2026-12-05T11:30:00Z"))]
    );
    // Booked an hour ahead: none.
    assert_eq!(reminder::due(start, at("2026-12-05T12:30:00Z")), vec![]);
}

#[test]
fn a_reminder_speaks_her_language_and_gives_the_store_time() {
    let fr = invitation("Diagnostic de peau", "Europe/Paris", "fr");
    assert_eq!(fr.when().unwrap(), "dimanche 29 mars à 10:30");
    let text = fr.reminder(ReminderKind::DayBefore).unwrap();
    assert_eq!(
        text.subject.as_deref(),
        Some("Votre rendez-vous de demain : Diagnostic de peau")
    );
    assert!(
        text.body
            .contains("Nous vous attendons à Carnet Opéra, Paris, le dimanche 29 mars à 10:30"),
        "{}",
        text.body
    );

    let it = invitation("Diagnosi della pelle", "Europe/Rome", "it");
    assert_eq!(it.when().unwrap(), "domenica 29 marzo alle 10:30");
    let text = it.reminder(ReminderKind::HoursBefore).unwrap();
    assert_eq!(
        text.subject.as_deref(),
        Some("Il suo appuntamento di oggi: Diagnosi della pelle")
    );

    // Her language unknown to the app: English. London kept winter time until 01:00 UTC.
    let en = invitation("Skin diagnosis", "Europe/London", "de");
    assert_eq!(en.when().unwrap(), "Sunday 29 March at 09:30");
    assert_eq!(
        en.reminder(ReminderKind::DayBefore)
            .unwrap()
            .subject
            .as_deref(),
        Some("Your Skin diagnosis tomorrow")
    );

    let unknown = invitation("Skin diagnosis", "Mars/Olympus_Mons", "en");
    assert_eq!(
        unknown.reminder(ReminderKind::DayBefore),
        Err(Refusal::UnknownTimeZone {
            zone: "Mars/Olympus_Mons".into()
        })
    );
}

#[test]
fn the_calendar_event_reads_back_as_the_booking() {
    use icalendar::{Component, EventLike};

    // Commas, semicolons and a long name: escaped and folded by the writer.
    let service =
        "Maquillage; mariée, essai complet avec retouches et conseils de tenue pour la journée";
    let ics = invitation(service, "Europe/Paris", "fr")
        .calendar(at("2026-03-01T12:00:00Z"))
        .unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(ics.lines().all(|l| l.len() <= 75), "unfolded lines:\n{ics}");
    assert!(ics.contains("DTSTART:20260329T083000Z\r\n"), "{ics}");

    let calendar: icalendar::Calendar = ics.parse().unwrap();
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 1);
    let event = events[0];
    assert_eq!(event.get_uid(), Some("B-42@carnet"));
    assert_eq!(
        event.get_summary(),
        Some(format!("{service} — Carnet Opéra").as_str())
    );
    assert_eq!(event.get_location(), Some("Carnet Opéra, Paris"));
    assert_eq!(event.get_status(), Some(icalendar::EventStatus::Confirmed));
    let utc = |d: icalendar::DatePerhapsTime| match d {
        icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t)) => t.timestamp(),
        other => panic!("not a UTC time: {other:?}"),
    };
    assert_eq!(utc(event.get_start().unwrap()), at("2026-03-29T08:30:00Z"));
    assert_eq!(utc(event.get_end().unwrap()), at("2026-03-29T09:15:00Z"));
    assert_eq!(
        event.get_timestamp().map(|t| t.timestamp()),
        Some(at("2026-03-01T12:00:00Z"))
    );
}
