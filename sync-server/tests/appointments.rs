//! Appointments end to end: handhelds book offline against the agenda they synced, the server
//! confirms or refuses each booking in its write transaction, and the refused devices show
//! why with the nearest free slots. Fifty real device cores (each its own enrolled device,
//! lease and signed requests, its own encrypted cache) race for one slot over loopback TLS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use carnet_core::appointments::bookings::{self, Closing, NewBooking};
use carnet_core::appointments::reminder::{Invitation, ReminderKind};
use carnet_core::appointments::{BookingStatus, Refusal, Slot, SlotQuery, Span, StoreClock};
use carnet_core::{Cache, appointment_edits};
use carnet_fixtures::format::{Customer, files};
use carnet_protocol::{BookingAction, MutationKind, Outcome, reject};
use chrono::{Timelike, Utc};
use common::smtp::SmtpSink;
use common::store::{STORE, TinyStore, full_sync};
use common::{ADVISOR, mutation, server_db};
use mailparse::MailHeaderMap;

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
    // From midnight (UTC) the day after tomorrow: the first free slot opens a store day, so
    // the tests can move it an hour later whatever the time they run at.
    let from = (now / 86_400 + 2) * 86_400;
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
                window: Span::new(from, from + 28 * 86_400),
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

/// Rewrites each line of an export file through `edit`.
fn rewrite(export: &Path, file: &str, edit: impl Fn(&mut serde_json::Value)) {
    let path = export.join(file);
    let mut out = String::new();
    for line in std::fs::read_to_string(&path).unwrap().lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        edit(&mut v);
        out.push_str(&serde_json::to_string(&v).unwrap());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// Opens the store and its advisors round the clock every day, in `zone`: bookings set a
/// day from now can then be made whatever the hour the test runs.
fn round_the_clock(export: &Path, zone: &str) {
    let all_day = serde_json::Value::Array(vec![
        serde_json::json!([{"from": "00:00", "to": "24:00"}]);
        7
    ]);
    let ours = |v: &serde_json::Value| v["store_id"] == STORE || v["id"] == STORE;
    rewrite(export, files::STORES, |v| {
        if ours(v) {
            v["timezone"] = zone.into();
        }
    });
    rewrite(export, files::STORE_HOURS, |v| {
        if ours(v) {
            v["week"] = all_day.clone();
            v["closed_days"] = serde_json::json!([]);
        }
    });
    rewrite(export, files::ADVISOR_HOURS, |v| {
        if ours(v) {
            v["week"] = all_day.clone();
            v["time_off"] = serde_json::json!([]);
        }
    });
}

/// Books the skin diagnosis with the store's advisor at `start`.
fn book(seq: u64, id: &str, customer: &str, start: i64) -> carnet_protocol::Mutation {
    let action = BookingAction::Book {
        service_id: SKIN_DIAGNOSIS.into(),
        advisor_id: STORE_ADVISOR.into(),
        resource_id: None,
        start: bookings::wire_time(start),
    };
    change(seq, id, customer, action)
}

/// A booking action, made now.
fn change(seq: u64, id: &str, customer: &str, action: BookingAction) -> carnet_protocol::Mutation {
    mutation(
        seq,
        &Utc::now().to_rfc3339(),
        MutationKind::Appointment {
            booking_id: id.into(),
            customer_id: customer.into(),
            action,
        },
    )
}

/// The tiny store's 30-minute skin diagnosis (a cabin, 60 minutes' notice) and its advisor.
const SKIN_DIAGNOSIS: &str = "V00002";
const STORE_ADVISOR: &str = "A00001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_go_out_in_her_language_with_the_booking_attached_and_never_for_an_old_time() {
    // The bookings run from T to T + 5 h 30: a zone where that is one local day.
    let zone = ["Europe/Paris", "Asia/Tokyo", "America/New_York"]
        .into_iter()
        .find(|zone| {
            let clock = StoreClock::new(zone).unwrap();
            let (local, _) = clock.local_with_offset(Utc::now().timestamp() + 86_400);
            let hour = local.hour();
            (1..=16).contains(&hour)
        })
        .unwrap();
    let smtp = SmtpSink::start(0);
    let config = format!(
        r#"public_url = "https://carnet.example.com"

[email]
host = "127.0.0.1"
port = {}
tls = "none"
from = "Carnet Rivoli <conseil@example.com>"
timeout_secs = 5

[messages]
poll_millis = 50
"#,
        smtp.port
    );
    let setup = TinyStore::edited(Some(&config), |export| round_the_clock(export, zone)).await;
    let customers = setup.customers();
    let consents = |c: &&Customer, channel: &str| {
        c.consents
            .iter()
            .any(|k| k.channel == channel && k.purpose == "marketing" && k.granted)
    };
    let by_email: Vec<&Customer> = customers
        .iter()
        .filter(|c| c.home_store_id == STORE && c.email.is_some() && consents(c, "email"))
        .take(3)
        .collect();
    let (a, b, c) = (by_email[0], by_email[1], by_email[2]);
    let d = customers
        .iter()
        .find(|c| c.home_store_id == STORE && !consents(c, "email") && !consents(c, "sms"))
        .unwrap();

    // T: a day and 12 seconds from now. Each booking below was due a reminder then.
    let t = Utc::now().timestamp() + 86_400 + 12;
    let device = &setup.device;
    let applied = |r: carnet_protocol::PushResponse| {
        for result in r.results {
            assert_eq!(result.outcome, Outcome::Applied, "{result:?}");
        }
    };
    // C books T and cancels; B books T and moves three hours later; A books T; D, who
    // allows no e-mail nor SMS, books after B.
    applied(device.push(STORE, vec![book(1, "C1", &c.id, t)]).await);
    applied(
        device
            .push(STORE, vec![change(2, "C1", &c.id, BookingAction::Cancel)])
            .await,
    );
    applied(device.push(STORE, vec![book(3, "B1", &b.id, t)]).await);
    let moved = BookingAction::Move {
        advisor_id: STORE_ADVISOR.into(),
        resource_id: None,
        start: bookings::wire_time(t + 3 * 3600),
    };
    applied(
        device
            .push(STORE, vec![change(4, "B1", &b.id, moved)])
            .await,
    );
    applied(device.push(STORE, vec![book(5, "A1", &a.id, t)]).await);
    applied(
        device
            .push(STORE, vec![book(6, "D1", &d.id, t + 5 * 3600)])
            .await,
    );

    // Another store's device may neither cancel nor move them, knowing their ids: their
    // customer is not one of its store's, and for one of its own customers there is no such
    // booking.
    let elsewhere = setup.server.device("S002").await;
    let theirs = customers
        .iter()
        .find(|c| c.home_store_id == "S002")
        .unwrap();
    let moved_here = BookingAction::Move {
        advisor_id: STORE_ADVISOR.into(),
        resource_id: None,
        start: bookings::wire_time(t),
    };
    let r = elsewhere
        .push(
            "S002",
            vec![
                change(1, "A1", &a.id, BookingAction::Cancel),
                change(2, "B1", &theirs.id, moved_here),
                change(3, "A1", &theirs.id, BookingAction::Cancel),
            ],
        )
        .await;
    let codes: Vec<&str> = r
        .results
        .iter()
        .map(|r| common::rejected_code(&r.outcome))
        .collect();
    assert_eq!(
        codes,
        [
            reject::UNKNOWN_CUSTOMER,
            reject::UNKNOWN_BOOKING,
            reject::UNKNOWN_BOOKING
        ]
    );

    let db = server_db(&setup.data);
    let states = |booking: &str| {
        let mut s = db.texts(
            "SELECT state || ' ' || CAST(next_attempt_at / 1000 AS TEXT) FROM message
              WHERE booking_id = ?1",
            &[booking],
        );
        s.sort();
        s
    };
    let row = |state: &str, due: i64| format!("{state} {due}");
    assert_eq!(
        states("C1"),
        vec![row("withdrawn", t - 86_400), row("withdrawn", t - 2 * 3600)]
    );
    let b_start = t + 3 * 3600;
    assert_eq!(
        states("B1"),
        vec![
            row("pending", b_start - 86_400),
            row("pending", b_start - 2 * 3600),
            row("withdrawn", t - 86_400),
            row("withdrawn", t - 2 * 3600),
        ]
    );
    assert_eq!(
        states("D1"),
        Vec::<String>::new(),
        "no consent, no reminder"
    );

    // At T - 24 h, A's reminder goes, and only hers.
    let deadline = Instant::now() + Duration::from_secs(90);
    while smtp.messages().is_empty() {
        assert!(Instant::now() < deadline, "no reminder came");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    while Utc::now().timestamp() < t - 86_400 + 3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    // (A sent message's next attempt is where its claim moved it.)
    let a_states = states("A1");
    assert_eq!(a_states[0], row("pending", t - 2 * 3600));
    assert!(a_states[1].starts_with("sent "), "{a_states:?}");
    assert_eq!(a_states.len(), 2);

    let raw = &mails[0];
    let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
    assert_eq!(
        mail.headers.get_first_value("X-Envelope-To").as_deref(),
        a.email.as_deref()
    );
    let services: Vec<serde_json::Value> =
        std::fs::read_to_string(setup.export.join(files::SERVICES))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let service = services.iter().find(|s| s["id"] == SKIN_DIAGNOSIS).unwrap();
    let language = if ["fr", "it"].contains(&a.language.as_str()) {
        a.language.as_str()
    } else {
        "en"
    };
    let service_name = service["names"][language].as_str().unwrap();
    let invitation = Invitation {
        booking_id: "A1",
        service: service_name,
        store: "Paris Rivoli",
        city: "Paris",
        start: t,
        end: t + 30 * 60,
        timezone: zone,
        language,
    };
    let expected = invitation.reminder(ReminderKind::DayBefore).unwrap();
    assert_eq!(mail.headers.get_first_value("Subject"), expected.subject);
    assert_eq!(mail.ctype.mimetype, "multipart/mixed");
    let text = mail.subparts[0].get_body().unwrap().replace("\r\n", "\n");
    assert!(text.contains(&expected.body), "{text}");
    assert!(text.contains(&invitation.when().unwrap()), "{text}");
    assert!(
        text.contains("https://carnet.example.com/unsubscribe/"),
        "{text}"
    );

    // The booking, to add to her calendar.
    let attached = &mail.subparts[1];
    assert_eq!(attached.ctype.mimetype, "text/calendar");
    let calendar: icalendar::Calendar = attached.get_body().unwrap().parse().unwrap();
    let event = calendar.events().next().unwrap();
    use icalendar::{Component, EventLike};
    assert_eq!(event.get_uid(), Some("A1@carnet"));
    let utc = |d: icalendar::DatePerhapsTime| match d {
        icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t)) => t.timestamp(),
        other => panic!("not a UTC time: {other:?}"),
    };
    assert_eq!(utc(event.get_start().unwrap()), t);
    assert_eq!(utc(event.get_end().unwrap()), t + 30 * 60);
    assert_eq!(event.get_location(), Some("Paris Rivoli, Paris"));
}
