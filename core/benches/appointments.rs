//! Appointments: the free-slot search a handheld runs at the counter.
//!
//! One store of 25 advisors (make-up artists, skin-care and brow specialists on three shifts),
//! 6 resources (3 cabins, 3 make-up chairs), 6 services, opening Monday to Saturday, and 2,000
//! bookings over the next 30 days, each placed where the core's own check accepted it. The
//! bench times, over random customers and services:
//!
//! - `index`: building the agenda's index from the 2,000 bookings (once per search, as a
//!   device would after reading them);
//! - `search any`: the free slots of a service over the 30-day window with any advisor;
//! - `search one`: the same for one advisor;
//! - `baseline`: the same answer as `search any`, found by checking every quarter hour of the
//!   window for every advisor with [`Agenda::check`], the server's one-booking rule.
//!
//! Everything is in memory and warm (the agenda is built once, then searched 1,000 times; the
//! first 20 searches are not counted); reading the agenda from the cache is not included. The
//! clock covers the one call.
//!
//! `cargo bench -p carnet-core --bench appointments`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::Instant;

use carnet_core::appointments::{
    AdvisorHours, Agenda, Booking, BookingRequest, BookingStatus, GRID_SECS, Hours, Resource,
    Service, ServiceNames, Slot, SlotQuery, Span, StoreClock, StoreHours, WeeklyHours,
};
use carnet_core::time::parse_instant;
use rand::{Rng, SeedableRng, rngs::StdRng};

const ADVISORS: usize = 25;
const BOOKINGS: usize = 2_000;
const WINDOW_DAYS: i64 = 30;
const SEARCHES: usize = 1_000;
const WARM_UP: usize = 20;
const BASELINE_SEARCHES: usize = 50;

fn main() {
    let mut rng = StdRng::seed_from_u64(42);
    let now = parse_instant("2026-03-02T08:00:00+01:00").unwrap();
    let window = Span::new(now, now + WINDOW_DAYS * 86_400);
    let (store, services, resources, advisors) = store();
    let build = |bookings: &[Booking]| {
        Agenda::new(
            store.clone(),
            services.clone(),
            resources.clone(),
            advisors.clone(),
            bookings,
        )
        .unwrap()
    };

    // Place the bookings one by one where the check accepts them.
    let placing = Instant::now();
    let mut bookings: Vec<Booking> = Vec::new();
    let mut agenda = build(&bookings);
    let mut tries = 0;
    while bookings.len() < BOOKINGS {
        tries += 1;
        let service = &services[rng.random_range(0..services.len())];
        let advisor = &advisors[rng.random_range(0..advisors.len())];
        let start = window.start + GRID_SECS * rng.random_range(0..(WINDOW_DAYS * 96));
        let customer = format!("C{:06}", rng.random_range(0..20_000));
        let req = BookingRequest {
            service_id: &service.id,
            advisor_id: &advisor.id,
            customer_id: &customer,
            start,
            resource_id: None,
        };
        if let Ok(p) = agenda.check(&req, now) {
            bookings.push(Booking {
                id: format!("B{:05}", bookings.len()),
                service_id: service.id.clone(),
                advisor_id: advisor.id.clone(),
                resource_id: p.resource_id,
                customer_id: customer,
                time: p.time,
                buffer_min: p.buffer_min,
                status: BookingStatus::Confirmed,
            });
            agenda = build(&bookings);
        }
    }
    println!(
        "agenda: {ADVISORS} advisors, {} resources, {} services, {} bookings over {WINDOW_DAYS} days \
         (placed in {:.1} s, {tries} tries)",
        resources.len(),
        services.len(),
        bookings.len(),
        placing.elapsed().as_secs_f64()
    );

    let mut index = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        black_box(build(black_box(&bookings)));
        index.push(ms(t));
    }
    report("index (2,000 bookings)", &mut index, None);

    let mut any = Vec::new();
    let mut one = Vec::new();
    let mut slots_found = 0usize;
    for i in 0..SEARCHES + WARM_UP {
        let service = &services[rng.random_range(0..services.len())];
        let customer = format!("C{:06}", rng.random_range(0..20_000));
        let q = SlotQuery {
            service_id: &service.id,
            advisor_id: None,
            customer_id: Some(&customer),
            window,
            now,
        };
        let t = Instant::now();
        let slots = black_box(agenda.free_slots(&q).unwrap());
        let elapsed = ms(t);
        let qualified: Vec<&AdvisorHours> = advisors
            .iter()
            .filter(|a| {
                service
                    .specialty
                    .as_ref()
                    .is_none_or(|s| a.specialties.contains(s))
            })
            .collect();
        let advisor = qualified[rng.random_range(0..qualified.len())];
        let q1 = SlotQuery {
            advisor_id: Some(&advisor.id),
            ..q
        };
        let t = Instant::now();
        black_box(agenda.free_slots(&q1).unwrap());
        let elapsed_one = ms(t);
        if i >= WARM_UP {
            slots_found += slots.len();
            any.push(elapsed);
            one.push(elapsed_one);
        }
    }
    println!(
        "searches: {SEARCHES} (30-day window, a random service and customer), {:.0} slots offered on average",
        slots_found as f64 / SEARCHES as f64
    );
    let any_p99 = report("search any advisor", &mut any, None);
    report("search one advisor", &mut one, None);

    let mut baseline = Vec::new();
    for _ in 0..BASELINE_SEARCHES {
        let service = &services[rng.random_range(0..services.len())];
        let customer = format!("C{:06}", rng.random_range(0..20_000));
        let t = Instant::now();
        let starts = brute_force(&agenda, &advisors, &service.id, &customer, window, now);
        baseline.push(ms(t));
        let searched: BTreeSet<i64> = agenda
            .free_slots(&SlotQuery {
                service_id: &service.id,
                advisor_id: None,
                customer_id: Some(&customer),
                window,
                now,
            })
            .unwrap()
            .iter()
            .map(|s: &Slot| s.time.start)
            .collect();
        assert_eq!(starts, searched, "the search and the check disagree");
    }
    report(
        &format!("baseline: check every quarter hour (n={BASELINE_SEARCHES})"),
        &mut baseline,
        Some(any_p99),
    );
}

/// The starts any advisor may take, found by asking the check at every quarter hour.
fn brute_force(
    agenda: &Agenda,
    advisors: &[AdvisorHours],
    service_id: &str,
    customer_id: &str,
    window: Span,
    now: i64,
) -> BTreeSet<i64> {
    let mut starts = BTreeSet::new();
    let mut start = window.start;
    while start < window.end {
        let free = advisors.iter().any(|a| {
            agenda
                .check(
                    &BookingRequest {
                        service_id,
                        advisor_id: &a.id,
                        customer_id,
                        start,
                        resource_id: None,
                    },
                    now,
                )
                .is_ok()
        });
        if free {
            starts.insert(start);
        }
        start += GRID_SECS;
    }
    starts
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Prints p50, p99 and max; against `fast_p99`, how many times slower this one is.
fn report(name: &str, v: &mut [f64], fast_p99: Option<f64>) -> f64 {
    let p50 = percentile(v, 0.50);
    let p99 = percentile(v, 0.99);
    let max = percentile(v, 1.0);
    let ratio = fast_p99.map_or(String::new(), |f| {
        format!("   {:.0}× the search's p99", p99 / f)
    });
    println!("  {name:<44} p50 {p50:>8.3} ms   p99 {p99:>8.3} ms   max {max:>8.3} ms{ratio}");
    p99
}

fn hours(from: u16, to: u16) -> Hours {
    Hours {
        from: from * 60,
        to: to * 60,
    }
}

/// A Paris store open 10:00–19:00 (Saturday until 20:00), closed on Sundays.
fn store() -> (StoreHours, Vec<Service>, Vec<Resource>, Vec<AdvisorHours>) {
    let mut opening = WeeklyHours::days(
        [true, true, true, true, true, false, false],
        &[hours(10, 19)],
    );
    opening.0[5] = vec![hours(10, 20)];
    let store = StoreHours {
        clock: StoreClock::new("Europe/Paris").unwrap(),
        opening,
        closed: BTreeSet::new(),
    };
    let service = |id: &str, minutes, buffer, specialty: &str, kind: &str| Service {
        id: id.into(),
        store_id: "S001".into(),
        names: ServiceNames {
            en: id.into(),
            fr: id.into(),
            it: id.into(),
        },
        duration_min: minutes,
        buffer_min: buffer,
        notice_min: 60,
        specialty: Some(specialty.into()),
        resource_kind: (!kind.is_empty()).then(|| kind.into()),
    };
    let services = vec![
        service("makeup", 60, 15, "makeup", "chair"),
        service("makeup_lesson", 90, 15, "makeup", "chair"),
        service("skin_diagnosis", 30, 10, "skincare", "cabin"),
        service("facial", 60, 15, "skincare", "cabin"),
        service("brows", 30, 5, "brows", "chair"),
        service("fragrance", 45, 0, "fragrance", ""),
    ];
    let resources = (1..=3)
        .flat_map(|i| {
            [
                Resource {
                    id: format!("cabin{i}"),
                    store_id: "S001".into(),
                    kind: "cabin".into(),
                    name: format!("Cabin {i}"),
                },
                Resource {
                    id: format!("chair{i}"),
                    store_id: "S001".into(),
                    kind: "chair".into(),
                    name: format!("Make-up chair {i}"),
                },
            ]
        })
        .collect();
    let specialties: [&[&str]; 5] = [
        &["makeup", "brows"],
        &["skincare"],
        &["makeup", "skincare"],
        &["fragrance", "skincare"],
        &["brows", "fragrance"],
    ];
    let shifts = [hours(10, 19), hours(10, 15), hours(14, 20)];
    let advisors = (0..ADVISORS)
        .map(|i| {
            // Five working days each, the day off moving through the week.
            let mut week = [true; 7];
            week[6] = false;
            week[i % 6] = false;
            AdvisorHours {
                id: format!("A{i:02}"),
                hours: WeeklyHours::days(week, &[shifts[i % 3]]),
                specialties: specialties[i % 5].iter().map(|s| s.to_string()).collect(),
                time_off: Vec::new(),
            }
        })
        .collect();
    (store, services, resources, advisors)
}
