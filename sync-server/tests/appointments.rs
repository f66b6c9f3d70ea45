//! Appointments end to end: handhelds book offline against the agenda they synced, the server
//! confirms or refuses each booking in its write transaction, and the refused devices show
//! why with the nearest free slots. Fifty real device cores (each its own enrolled device,
//! lease and signed requests, its own encrypted cache) race for one slot over loopback TLS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use carnet_core::appointments::bookings::{self, Closing, NewBooking};
use carnet_core::appointments::{BookingStatus, Refusal, Slot, SlotQuery, Span};
use carnet_core::{Cache, appointment_edits};
use carnet_protocol::{BookingAction, MutationKind, Outcome, reject};
use chrono::Utc;
use common::store::{STORE, TinyStore, full_sync};
use common::{ADVISOR, mutation, server_db};

const DEVICES: usize = 50;

/// Pairs of live bookings of a store that hold the same advisor, resource or customer at
/// overlapping times (the advisor and resource with the buffer, the customer without).
const DOUBLE_BOOKED: &str = "
    SELECT count(*) FROM appointment a JOIN appointment b
        ON a.store_id = b.store_id AND a.id < b.id
    WHERE a.status = 'confirmed' AND b.status = 'confirmed'
      AND ((a.advisor_id = b.advisor_id AND a.start_at < b.held_until AND b.start_at < a.held_until)
        OR (a.resource_id = b.resource_id AND a.start_at < b.held_until AND b.start_at < a.held_until)
        OR (a.customer_id = b.customer_id AND a.start_at < b.end_at AND b.start_at < a.end_at))";

/// A service of the store that uses a resource, and its first free slot two days from now
/// or later, as the synced cache sees it.
fn a_free_slot(cache: &Cache) -> (String, Slot) {
    let agenda = bookings::store_agenda(cache, STORE, None).unwrap();
    let now = Utc::now().timestamp();
    let services: Vec<String> = cache
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT id FROM appointment_plan WHERE entity = 'service' AND store_id = ?1
                 AND record LIKE '%\"resource_kind\":\"%' ORDER BY id",
            )?;
            let rows = stmt.query_map([STORE], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap();
    for service in services {
        let slots = agenda
            .free_slots(&SlotQuery {
                service_id: &service,
                advisor_id: None,
                customer_id: None,
                window: Span::new(now + 2 * 86_400, now + 30 * 86_400),
                now,
            })
            .unwrap();
        if let Some(slot) = slots.into_iter().next() {
            return (service, slot);
        }
    }
    panic!("no service of {STORE} with a resource has a free slot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_devices_race_for_one_slot_and_exactly_one_wins() {
    // In a store each handheld has its own address; here all fifty share the loopback one,
    // so the server lets one address hold as many connections as fifty devices do.
    let setup = TinyStore::configured(Some("[limits]\nmax_connections_per_address = 1024\n")).await;
    // One device syncs the store; the others start from a copy of its cache (same key: the
    // test derives it from the name's length), each under its own enrolment.
    let first = setup.device("d00");
    full_sync(&first, &setup.client()).await;
    let (service, slot) = a_free_slot(&first);
    drop(first);
    let mut devices = Vec::with_capacity(DEVICES);
    for i in 0..DEVICES {
        let name = format!("d{i:02}");
        if i > 0 {
            let dir = setup.dir.path();
            for suffix in ["", "-wal"] {
                let from = dir.join(format!("d00.db{suffix}"));
                if from.exists() {
                    std::fs::copy(from, dir.join(format!("{name}.db{suffix}"))).unwrap();
                }
            }
        }
        let client = if i == 0 {
            setup.client()
        } else {
            setup.server.device(STORE).await.sync_client()
        };
        devices.push((setup.device(&name), client));
    }
    let customers: Vec<String> = devices[0]
        .0
        .read(|c| {
            let mut stmt =
                c.prepare("SELECT id FROM customer WHERE home_store_id = ?1 ORDER BY id LIMIT ?2")?;
            let rows = stmt.query_map(rusqlite::params![STORE, DEVICES as i64], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap();
    assert_eq!(customers.len(), DEVICES);

    // Each books the same advisor at the same time, for a customer of her own: each
    // device's own check passes, since none knows of the others.
    let mut booked = Vec::new();
    for ((cache, _), customer) in devices.iter().zip(&customers) {
        let id = appointment_edits::book(
            cache,
            STORE,
            ADVISOR,
            &NewBooking {
                customer_id: customer,
                service_id: &service,
                advisor_id: &slot.advisor_id,
                resource_id: None,
                start: slot.time.start,
            },
            Utc::now(),
        )
        .unwrap_or_else(|e| panic!("{customer}: {e:?} {}", booked.len()));
        let mine = bookings::get(cache, &id).unwrap();
        assert_eq!(mine.status, BookingStatus::Provisional);
        assert!(mine.pending);
        booked.push(id);
    }

    // All at once.
    let rounds: Vec<_> = devices
        .iter()
        .map(|(cache, client)| {
            let (cache, client) = (Arc::clone(cache), client.clone());
            tokio::spawn(async move { full_sync(&cache, &client).await })
        })
        .collect();
    let mut rejected = 0;
    for round in rounds {
        rejected += round.await.unwrap().rejected;
    }
    assert_eq!(rejected, DEVICES as u64 - 1);

    let db = server_db(&setup.data);
    assert_eq!(
        db.count(
            "SELECT count(*) FROM appointment WHERE store_id = ?1 AND status = 'confirmed'",
            &[STORE]
        ),
        1
    );
    assert_eq!(db.count(DOUBLE_BOOKED, &[]), 0);

    // One device holds the confirmed booking; every other shows hers refused, with why and
    // where it could go instead, none of it clashing with the winner.
    let mut winner = None;
    for ((cache, _), id) in devices.iter().zip(&booked) {
        let mine = bookings::get(cache, id).unwrap();
        assert!(!mine.pending, "{mine:?}");
        match mine.status {
            BookingStatus::Confirmed => {
                assert!(winner.replace(mine).is_none(), "two winners");
            }
            BookingStatus::Refused => {
                let refused = mine.refused.expect("a refusal says why");
                assert!(
                    matches!(
                        refused.refusal,
                        Refusal::AdvisorBusy | Refusal::ResourceBusy { .. }
                    ),
                    "{refused:?}"
                );
                assert_eq!(refused.nearest.len(), bookings::NEAREST_COUNT);
                for s in &refused.nearest {
                    assert!(s.advisor_id != slot.advisor_id || !s.time.overlaps(&slot.time));
                }
            }
            other => panic!("{other:?}"),
        }
    }
    let winner = winner.expect("one device won");
    // Every device's day list shows the winner's booking, confirmed.
    let day = chrono::DateTime::from_timestamp(slot.time.start, 0)
        .unwrap()
        .date_naive();
    for (cache, _) in &devices {
        let listed = bookings::day(cache, STORE, day).unwrap();
        let seen = listed.iter().find(|a| a.id == winner.id).expect("listed");
        assert_eq!(seen.status, BookingStatus::Confirmed);
    }

    // A refused device takes the first slot offered: confirmed on the next sync.
    let (cache, client) = devices
        .iter()
        .zip(&booked)
        .find(|((c, _), id)| bookings::get(c, id).unwrap().status == BookingStatus::Refused)
        .map(|(d, _)| d)
        .unwrap();
    let lost = booked
        .iter()
        .map(|id| bookings::get(cache, id))
        .find_map(|a| a.ok().filter(|a| a.status == BookingStatus::Refused))
        .unwrap();
    let offered = lost.refused.unwrap().nearest[0].clone();
    let again = appointment_edits::book(
        cache,
        STORE,
        ADVISOR,
        &NewBooking {
            customer_id: &lost.customer_id,
            service_id: &service,
            advisor_id: &offered.advisor_id,
            resource_id: offered.resource_id.as_deref(),
            start: offered.time.start,
        },
        Utc::now(),
    )
    .unwrap();
    let report = full_sync(cache, client).await;
    assert_eq!(report.rejected, 0);
    assert_eq!(
        bookings::get(cache, &again).unwrap().status,
        BookingStatus::Confirmed
    );
    assert_eq!(db.count(DOUBLE_BOOKED, &[]), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_move_cancel_and_close_and_bad_ones_are_refused_with_a_reason() {
    let setup = TinyStore::new().await;
    let cache = setup.device("d00");
    let client = setup.client();
    full_sync(&cache, &client).await;
    let (service, slot) = a_free_slot(&cache);
    let customer = setup
        .customers()
        .into_iter()
        .find(|c| c.home_store_id == STORE)
        .unwrap()
        .id;
    let new = NewBooking {
        customer_id: &customer,
        service_id: &service,
        advisor_id: &slot.advisor_id,
        resource_id: None,
        start: slot.time.start,
    };
    let id = appointment_edits::book(&cache, STORE, ADVISOR, &new, Utc::now()).unwrap();
    // The same customer cannot be booked twice at once, even before the server has the first.
    let twice = appointment_edits::book(&cache, STORE, ADVISOR, &new, Utc::now());
    assert!(
        matches!(
            twice,
            Err(carnet_core::Error::Appointment(
                Refusal::AdvisorBusy | Refusal::CustomerBusy
            ))
        ),
        "{twice:?}"
    );
    full_sync(&cache, &client).await;
    assert_eq!(
        bookings::get(&cache, &id).unwrap().status,
        BookingStatus::Confirmed
    );
    // Not started yet: neither done nor missed.
    assert!(matches!(
        appointment_edits::close(&cache, &id, Closing::Done, ADVISOR, Utc::now()),
        Err(carnet_core::Error::Appointment(Refusal::NotStartedYet))
    ));

    // Moved an hour later: the old time is free again, on the server too.
    let later = slot.time.start + 3600;
    appointment_edits::move_to(
        &cache,
        &id,
        &slot.advisor_id,
        None,
        later,
        ADVISOR,
        Utc::now(),
    )
    .unwrap();
    let moved = bookings::get(&cache, &id).unwrap();
    assert_eq!(
        (moved.status, moved.time.start),
        (BookingStatus::Provisional, later)
    );
    assert_eq!(full_sync(&cache, &client).await.rejected, 0);
    let db = server_db(&setup.data);
    assert_eq!(
        db.count(
            "SELECT start_at FROM appointment WHERE id = ?1 AND status = 'confirmed'",
            &[&id]
        ),
        later
    );
    // Cancelled: gone from the agenda, kept in the day list as cancelled.
    appointment_edits::cancel(&cache, &id, ADVISOR, Utc::now()).unwrap();
    assert_eq!(full_sync(&cache, &client).await.rejected, 0);
    assert_eq!(
        bookings::get(&cache, &id).unwrap().status,
        BookingStatus::Cancelled
    );
    assert_eq!(
        db.texts("SELECT status FROM appointment WHERE id = ?1", &[&id]),
        ["cancelled"]
    );
    assert!(matches!(
        appointment_edits::cancel(&cache, &id, ADVISOR, Utc::now()),
        Err(carnet_core::Error::Appointment(Refusal::AlreadyClosed))
    ));
    // In her access export; gone with an erasure, from the table and from the device.
    let export = common::access_export(&setup.data, &customer);
    let listed = export["appointments"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{export}");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["status"], "cancelled");

    // What a device that skips its own checks sends is refused by the server, typed, and
    // nothing is written.
    let raw = setup.server.device(STORE).await;
    let book = |start: &str| MutationKind::Appointment {
        booking_id: "B-raw".into(),
        customer_id: customer.clone(),
        action: BookingAction::Book {
            service_id: service.clone(),
            advisor_id: slot.advisor_id.clone(),
            resource_id: None,
            start: start.into(),
        },
    };
    let now = Utc::now();
    let made_at = now.to_rfc3339();
    let past = bookings::wire_time(now.timestamp() - 86_400);
    let cases: Vec<(MutationKind, Refusal)> = vec![
        (book("2031-03-04T10:00"), Refusal::TimeWithoutZone),
        (book("next tuesday"), Refusal::UnreadableTime),
        (book(&past), Refusal::InThePast),
    ];
    let mutations = cases
        .iter()
        .enumerate()
        .map(|(i, (change, _))| {
            let mut m = mutation(i as u64 + 1, &made_at, change.clone());
            m.advisor_id = Some(ADVISOR.into());
            m
        })
        .collect();
    let answer = raw.push(STORE, mutations).await;
    for (result, (_, want)) in answer.results.iter().zip(&cases) {
        let Outcome::Rejected { code, detail, .. } = &result.outcome else {
            panic!("{result:?}");
        };
        assert_eq!(code, reject::BOOKING_REFUSED);
        let refused: bookings::Refused =
            serde_json::from_value(detail.clone().expect("typed")).unwrap();
        assert_eq!(&refused.refusal, want);
    }
    let unknown = MutationKind::Appointment {
        booking_id: "B-nobody".into(),
        customer_id: customer.clone(),
        action: BookingAction::Cancel,
    };
    let mut m = mutation(4, &made_at, unknown);
    m.advisor_id = Some(ADVISOR.into());
    let answer = raw.push(STORE, vec![m]).await;
    assert!(matches!(
        &answer.results[0].outcome,
        Outcome::Rejected { code, .. } if code == reject::UNKNOWN_BOOKING
    ));
    assert_eq!(
        db.count("SELECT count(*) FROM appointment WHERE id LIKE 'B-%'", &[]),
        0
    );
    common::cli(&["customer", "erase", "--data", setup.data(), &customer]);
    assert_eq!(
        db.count(
            "SELECT count(*) FROM appointment WHERE customer_id = ?1",
            &[&customer]
        ),
        0
    );
    full_sync(&cache, &client).await;
    assert!(matches!(
        bookings::get(&cache, &id),
        Err(carnet_core::Error::NotFound)
    ));
}
