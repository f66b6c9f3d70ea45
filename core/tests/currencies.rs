//! One customer across channels and currencies on her card and in her history: a purchase
//! abroad converted into her home store's currency at the rate of its day (an earlier day's
//! when the day had none, and said), a purchase with no rate left out and said until one
//! arrives, a return taken off her spend and her profile, orders counted once and found by
//! their id.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::card::customer_card;
use carnet_core::history::{HistoryQuery, history};
use carnet_core::{Cache, CacheKey};
use carnet_protocol::{Change, Channel, PurchaseLine, Rate, Record, Store};
use support::{Sample, today};

fn deliver(cache: &Cache, records: Vec<Record>) {
    let changes: Vec<Change> = records
        .into_iter()
        .map(|record| Change::Upsert { record })
        .collect();
    let cursor = carnet_core::changes::cursor(cache).unwrap();
    carnet_core::changes::apply_page(cache, &changes, &cursor).unwrap();
}

fn store(id: &str, timezone: &str, currency: &str) -> Record {
    Record::Store(Store {
        id: id.into(),
        name: format!("Store {id}"),
        country: "GB".into(),
        city: "London".into(),
        postal_code: "WC2E 8HA".into(),
        timezone: timezone.into(),
        currency: Some(currency.into()),
    })
}

fn line(
    id: &str,
    store: &str,
    at: &str,
    product: &str,
    amount: i64,
    currency: &str,
) -> PurchaseLine {
    PurchaseLine {
        id: id.into(),
        receipt_id: id.split('-').next().unwrap().into(),
        customer_id: "C1".into(),
        store_id: store.into(),
        bought_at: at.into(),
        product_id: product.into(),
        quantity: 1,
        amount_cents: amount,
        gift: false,
        advisor_id: None,
        currency: Some(currency.into()),
        channel: Channel::Store,
        order_id: None,
        return_of: None,
    }
}

fn loaded() -> (Sample, Cache) {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    deliver(
        &cache,
        vec![
            store("S004", "Europe/London", "GBP"),
            store("S006", "Asia/Tokyo", "JPY"),
            // Friday 6 March 2026: one euro bought 0.85 pounds.
            Record::Rate(Rate::new("2026-03-06", "GBP", "0.85")),
        ],
    );
    (sample, cache)
}

#[test]
fn a_purchase_abroad_is_told_in_her_stores_currency_at_its_days_rate() {
    let (_sample, cache) = loaded();
    let before = customer_card(&cache, "C1", today()).unwrap().stats;
    assert_eq!(before.currency, "EUR");
    // £85.00 in London on Saturday 7 March, a day without a rate: Friday's converts it.
    deliver(
        &cache,
        vec![Record::Purchase(line(
            "L1-1",
            "S004",
            "2026-03-07T12:00:00Z",
            "P02",
            8500,
            "GBP",
        ))],
    );
    let card = customer_card(&cache, "C1", today()).unwrap().stats;
    assert_eq!(card.total_spend_cents, before.total_spend_cents + 10_000);
    assert_eq!(
        (card.receipts, card.lines),
        (before.receipts + 1, before.lines + 1)
    );
    assert_eq!((card.earlier_rate_lines, card.unconverted_lines), (1, 0));
    let page = history(&cache, "C1", &HistoryQuery::default()).unwrap();
    let abroad = page.lines.iter().find(|l| l.id == "L1-1").unwrap();
    assert_eq!(
        (
            abroad.paid_minor,
            abroad.paid_currency.as_str(),
            abroad.amount_cents
        ),
        (8500, "GBP", 10_000)
    );
    assert_eq!(abroad.rates_of.as_deref(), Some("2026-03-06"));
    assert_eq!(abroad.store_name, "Store S004");

    // Saturday's own rate arrives late: the line is converted again, at it, and no longer
    // flagged.
    deliver(
        &cache,
        vec![Record::Rate(Rate::new("2026-03-07", "GBP", "0.8"))],
    );
    let card = customer_card(&cache, "C1", today()).unwrap().stats;
    assert_eq!(card.total_spend_cents, before.total_spend_cents + 10_625);
    assert_eq!(card.earlier_rate_lines, 0);
}

#[test]
fn a_purchase_without_any_rate_is_left_out_and_said_until_one_arrives() {
    let (_sample, cache) = loaded();
    let before = customer_card(&cache, "C1", today()).unwrap().stats;
    // ¥16,000 in Tokyo on Monday 9 March 2026 (already 10 March there, a Tuesday).
    deliver(
        &cache,
        vec![Record::Purchase(line(
            "J1-1",
            "S006",
            "2026-03-09T20:00:00Z",
            "P02",
            16_000,
            "JPY",
        ))],
    );
    let card = customer_card(&cache, "C1", today()).unwrap().stats;
    assert_eq!(
        card.total_spend_cents, before.total_spend_cents,
        "never at 1.0"
    );
    assert_eq!(card.unconverted_lines, 1);
    let page = history(&cache, "C1", &HistoryQuery::default()).unwrap();
    let tokyo = page.lines.iter().find(|l| l.id == "J1-1").unwrap();
    assert_eq!(
        (tokyo.amount_cents, tokyo.rates_of.as_deref()),
        (0, Some("none"))
    );

    // Monday's rate (Paris) is not the day in Tokyo; Tuesday's is: ¥16,000 / 160 = €100.
    deliver(
        &cache,
        vec![
            Record::Rate(Rate::new("2026-03-09", "JPY", "200")),
            Record::Rate(Rate::new("2026-03-10", "JPY", "160")),
        ],
    );
    let card = customer_card(&cache, "C1", today()).unwrap().stats;
    assert_eq!(card.total_spend_cents, before.total_spend_cents + 10_000);
    assert_eq!((card.unconverted_lines, card.earlier_rate_lines), (0, 0));
}

#[test]
fn a_return_comes_off_her_spend_and_her_profile_and_orders_count_once() {
    let (_sample, cache) = loaded();
    let before = customer_card(&cache, "C1", today()).unwrap();
    // She brings back the Terra Bella palette (P03, €25.00) of receipt R02.
    let back = PurchaseLine {
        return_of: Some("R02-1".into()),
        ..line("T1-1", "S001", "2026-10-10T10:00:00Z", "P03", -2500, "EUR")
    };
    // A web order of two lines, and a click-and-collect order collected in Milan.
    let web = |n: u32, product: &str| PurchaseLine {
        channel: Channel::Web,
        order_id: Some("W0042".into()),
        ..line(
            &format!("R20-{n}"),
            "S001",
            "2026-10-12T20:00:00Z",
            product,
            2000,
            "EUR",
        )
    };
    let collected = PurchaseLine {
        channel: Channel::ClickAndCollect,
        order_id: Some("W0043".into()),
        ..line("R21-1", "S002", "2026-10-14T16:00:00Z", "P01", 2500, "EUR")
    };
    deliver(
        &cache,
        vec![
            Record::Purchase(back),
            Record::Purchase(web(1, "P01")),
            Record::Purchase(web(2, "P02")),
            Record::Purchase(collected),
        ],
    );
    let card = customer_card(&cache, "C1", today()).unwrap();
    let s = &card.stats;
    assert_eq!(
        s.receipts,
        before.stats.receipts + 2,
        "two orders, no receipt for the return"
    );
    assert_eq!(s.lines, before.stats.lines + 3);
    assert_eq!(s.returned_lines, 1);
    assert_eq!(
        s.total_spend_cents,
        before.stats.total_spend_cents - 2500 + 2 * 2000 + 2500
    );
    assert_eq!(
        s.average_basket_cents,
        s.total_spend_cents / i64::from(s.receipts)
    );
    // Terra Bella (B02) was one of her brands through the palette: brought back, it is not.
    let share = |card: &carnet_core::card::CustomerCard, brand: &str| {
        card.top_brands
            .iter()
            .find(|b| b.id == brand)
            .map_or(0, |b| b.lines)
    };
    assert_eq!(share(&before, "B02"), 1);
    assert_eq!(share(&card, "B02"), 0);

    // The history says how each line was sold; an order is found by its id.
    let page = history(&cache, "C1", &HistoryQuery::default()).unwrap();
    let of = |id: &str| page.lines.iter().find(|l| l.id == id).unwrap();
    assert_eq!(of("T1-1").return_of.as_deref(), Some("R02-1"));
    assert_eq!(
        (of("R20-1").channel, of("R21-1").channel),
        (Channel::Web, Channel::ClickAndCollect)
    );
    assert_eq!(of("R21-1").store_name, "Milano Duomo");
    let found = history(
        &cache,
        "C1",
        &HistoryQuery {
            text: Some("W0042".into()),
            ..HistoryQuery::default()
        },
    )
    .unwrap();
    let ids: Vec<&str> = found.lines.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["R20-2", "R20-1"]);
}

#[test]
fn her_timeline_shows_each_receipt_and_order_with_its_channel_store_and_amount() {
    use carnet_core::timeline::{Event, of_customer};
    let (_sample, cache) = loaded();
    let web = |n: u32| PurchaseLine {
        channel: Channel::Web,
        order_id: Some("W0042".into()),
        ..line(
            &format!("R20-{n}"),
            "S001",
            "2026-10-12T20:00:00Z",
            "P01",
            2000,
            "EUR",
        )
    };
    let back = PurchaseLine {
        return_of: Some("R02-1".into()),
        ..line("T1-1", "S001", "2026-10-10T10:00:00Z", "P03", -2500, "EUR")
    };
    let london = line("L1-1", "S004", "2026-10-13T12:00:00Z", "P02", 8500, "GBP");
    deliver(
        &cache,
        vec![
            Record::Rate(Rate::new("2026-10-13", "GBP", "0.85")),
            Record::Purchase(web(1)),
            Record::Purchase(web(2)),
            Record::Purchase(back),
            Record::Purchase(london),
        ],
    );
    let timeline = of_customer(&cache, "C1").unwrap();
    let purchases: Vec<_> = timeline
        .iter()
        .filter_map(|e| match e {
            Event::Purchase(p) => Some(p),
            _ => None,
        })
        .collect();
    let summary: Vec<_> = purchases
        .iter()
        .take(3)
        .map(|p| {
            (
                p.receipt_id.as_str(),
                p.channel,
                p.store_name.as_deref(),
                p.lines,
                p.amount,
                p.returned,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            // £85.00 in London, in her euros.
            ("L1", Channel::Store, Some("Store S004"), 1, 10_000, false),
            // One web order of two lines, once.
            ("R20", Channel::Web, Some("Paris Rivoli"), 2, 4_000, false),
            ("T1", Channel::Store, Some("Paris Rivoli"), 1, -2_500, true),
        ]
    );
    assert_eq!(purchases[1].order_id.as_deref(), Some("W0042"));
    assert!(purchases.iter().all(|p| p.currency == "EUR"));
    assert!(
        purchases.windows(2).all(|w| w[0].at >= w[1].at),
        "the latest first"
    );
    assert!(purchases.len() <= carnet_core::timeline::PURCHASES_SHOWN as usize);
    // Her consent decisions are there too, each where she gave it.
    let consents = timeline
        .iter()
        .filter(|e| matches!(e, Event::Consent(_)))
        .count();
    assert!(consents > 0);
    assert_eq!(
        consents,
        carnet_core::consent::states(&cache, "C1").unwrap().len()
    );
    assert!(timeline.windows(2).all(|w| w[0].at() >= w[1].at()));
}

#[test]
fn a_move_to_a_store_of_another_currency_tells_her_lines_in_the_new_one() {
    let (_sample, cache) = loaded();
    let at_home = customer_card(&cache, "C1", today()).unwrap().stats;
    // One euro bought 0.8 pounds from long before her lines (0.85 from 6 March 2026).
    deliver(
        &cache,
        vec![
            Record::Rate(Rate::new("2020-01-02", "GBP", "0.8")),
            Record::Purchase(line(
                "L1-1",
                "S004",
                "2026-03-07T12:00:00Z",
                "P02",
                8500,
                "GBP",
            )),
        ],
    );
    let in_euros = customer_card(&cache, "C1", today()).unwrap().stats;
    assert_eq!(in_euros.currency, "EUR");
    let mut her = support::customers()
        .into_iter()
        .find(|c| c.id == "C1")
        .unwrap();
    let moved = |her: &carnet_protocol::Customer| {
        deliver(&cache, vec![Record::Customer(her.clone())]);
        customer_card(&cache, "C1", today()).unwrap().stats
    };

    // She moves to London: her card is in pounds, the London line as paid, the others at the
    // rate of their day (an earlier day's, said).
    her.home_store_id = "S004".into();
    let in_pounds = moved(&her);
    assert_eq!(in_pounds.currency, "GBP");
    let page = history(&cache, "C1", &HistoryQuery::default()).unwrap();
    let london = page.lines.iter().find(|l| l.id == "L1-1").unwrap();
    assert_eq!(
        (london.amount_cents, london.rates_of.as_deref()),
        (8500, None)
    );
    let march_6 = chrono::NaiveDate::from_ymd_opt(2026, 3, 6)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    for l in page.lines.iter().filter(|l| l.paid_currency == "EUR") {
        let per_hundred = if l.bought_at >= march_6 { 85 } else { 80 };
        assert_eq!(
            l.amount_cents,
            (l.paid_minor * per_hundred + 50) / 100,
            "{}",
            l.id
        );
    }
    assert_eq!(in_pounds.unconverted_lines, 0);
    assert_eq!(in_pounds.earlier_rate_lines, in_pounds.lines - 1);
    assert_eq!(
        in_pounds.total_spend_cents,
        page.lines.iter().map(|l| l.amount_cents).sum::<i64>()
    );

    // And back to Paris: every euro line as paid again, to the cent.
    her.home_store_id = "S001".into();
    let back = moved(&her);
    assert_eq!(back.currency, "EUR");
    assert_eq!(back.total_spend_cents, in_euros.total_spend_cents);
    assert_eq!(
        back.total_spend_cents,
        at_home.total_spend_cents + 10_000,
        "£85 at 0.85"
    );
}
