//! Her card's timeline: what happened with her, the latest first, on every channel. Her
//! purchases (a receipt at a till, an order on the website or the app, a click-and-collect,
//! a return), her consent decisions (given at a till, on the website or in the app: a
//! newsletter sign-up is one), her contacts (calls, e-mails, SMS) and her bookings (service
//! visits), each at its own time: a booking when it starts, so one still to come leads.

use carnet_protocol::Channel;

use crate::appointments::bookings::{self, Appointment};
use crate::consent::ConsentState;
use crate::error::Result;
use crate::outreach::{self, Contact};
use crate::store::Cache;
use crate::{amounts, history, time};

/// Her latest receipts and orders on the timeline; the history pages through all of them.
pub const PURCHASES_SHOWN: u32 = 30;

/// One event of her timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A call, an e-mail or an SMS.
    Contact(Contact),
    /// A booking, whatever its state.
    Appointment(Appointment),
    /// A receipt, an order or a return.
    Purchase(Purchase),
    /// Her standing decision on a consent, when and where she made it.
    Consent(ConsentState),
}

/// A receipt or an order on her timeline: where, how, and what it came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    /// The receipt.
    pub receipt_id: String,
    /// When (Unix seconds).
    pub at: i64,
    /// The store it is recorded in.
    pub store_id: String,
    /// Its name, when the cache holds it.
    pub store_name: Option<String>,
    /// Till, web, app or click-and-collect.
    pub channel: Channel,
    /// The order, for one placed online.
    pub order_id: Option<String>,
    /// Its lines.
    pub lines: u32,
    /// What it came to in her home store's currency (negative for a return), in minor units.
    pub amount: i64,
    /// Her home store's currency.
    pub currency: String,
    /// Whether it brings lines back.
    pub returned: bool,
}

impl Event {
    /// When it happened (Unix seconds); a contact or consent whose time cannot be read sorts
    /// last.
    pub fn at(&self) -> i64 {
        match self {
            Event::Contact(c) => time::parse_instant(&c.at).unwrap_or(i64::MIN),
            Event::Appointment(a) => a.time.start,
            Event::Purchase(p) => p.at,
            Event::Consent(c) => time::parse_instant(&c.recorded_at).unwrap_or(i64::MIN),
        }
    }
}

/// Her timeline, the latest first.
pub fn of_customer(cache: &Cache, customer_id: &str) -> Result<Vec<Event>> {
    let mut events: Vec<Event> = outreach::timeline(cache, customer_id)?
        .into_iter()
        .map(Event::Contact)
        .chain(
            bookings::of_customer(cache, customer_id)?
                .into_iter()
                .map(Event::Appointment),
        )
        .chain(
            purchases(cache, customer_id)?
                .into_iter()
                .map(Event::Purchase),
        )
        .chain(
            crate::consent::states(cache, customer_id)?
                .into_iter()
                .map(Event::Consent),
        )
        .collect();
    // Stable: contacts at one second keep their order.
    events.sort_by_key(|e| std::cmp::Reverse(e.at()));
    Ok(events)
}

/// Her latest [`PURCHASES_SHOWN`] receipts and orders, each summed from its lines.
fn purchases(cache: &Cache, customer_id: &str) -> Result<Vec<Purchase>> {
    cache.read(|c| {
        let currency = amounts::home_currency(c, customer_id)?.code().to_owned();
        let mut purchases = c
            .prepare_cached(
                "SELECT receipt_id, MAX(bought_at), MIN(store_id), MIN(channel), MIN(order_id),
                        COUNT(*), SUM(amount_cents), MAX(return_of IS NOT NULL)
                   FROM purchase WHERE customer_id = ?1
                  GROUP BY receipt_id ORDER BY 2 DESC, 1 LIMIT ?2",
            )?
            .query_map(rusqlite::params![customer_id, PURCHASES_SHOWN], |r| {
                Ok(Purchase {
                    receipt_id: r.get(0)?,
                    at: r.get(1)?,
                    store_id: r.get(2)?,
                    store_name: None,
                    channel: Channel::parse(&r.get::<_, String>(3)?).unwrap_or_default(),
                    order_id: r.get(4)?,
                    lines: r.get(5)?,
                    amount: r.get(6)?,
                    currency: currency.clone(),
                    returned: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for p in &mut purchases {
            p.store_name = history::store_name(c, &p.store_id)?;
        }
        Ok(purchases)
    })
}
