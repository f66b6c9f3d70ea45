//! The stores' currencies and zones and the daily rates, read from the catalogue's feed, to
//! tell a purchase line in her home store's currency as her handheld does: converted at the
//! rate of the day it was paid where it was paid, 0 without a rate (never at 1.0). The nightly
//! tasks and the advisors' results read amounts through here.

use std::collections::HashMap;

use carnet_core::money::{Currency, Money, MoneyError, Rates};
use carnet_protocol::{Entity, PurchaseLine, Record};
use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::feed::{self, CATALOG};
use crate::sql::Conn;

/// What converts lines: each store's zone and currency, every rate. The nightly tasks and
/// the results read it from the feed; an import fills it from the export as it checks it.
#[derive(Debug, Default)]
pub struct Currencies {
    /// Store id → (IANA zone, currency).
    stores: HashMap<String, (String, Currency)>,
    rates: Rates,
}

impl Currencies {
    /// Reads them from the catalogue's feed.
    pub fn read(conn: &Conn<'_>) -> Result<Self> {
        let mut this = Self::default();
        feed::for_each_live(conn, Some(CATALOG), Entity::Store, |r| {
            if let Record::Store(s) = r {
                let currency = Currency::parse(s.currency.as_deref().unwrap_or("EUR"))
                    .map_err(|e| Error::Task(format!("store {}: {e}", s.id)))?;
                this.add_store(s.id, s.timezone, currency);
            }
            Ok(())
        })?;
        this.read_rates(conn)?;
        Ok(this)
    }

    /// Adds the rates of the catalogue's feed.
    pub fn read_rates(&mut self, conn: &Conn<'_>) -> Result<()> {
        feed::for_each_live(conn, Some(CATALOG), Entity::Rate, |r| {
            if let Record::Rate(rate) = r
                && let (Some(day), Ok(currency)) = (
                    carnet_core::time::parse_day(&rate.day),
                    Currency::parse(&rate.currency),
                )
            {
                // The import let in only rates that read.
                let _ = self.rates.insert(day, currency, &rate.per_euro);
            }
            Ok(())
        })
    }

    /// Notes a store's zone and currency.
    pub fn add_store(&mut self, id: String, zone: String, currency: Currency) {
        self.stores.insert(id, (zone, currency));
    }

    /// Notes that one euro bought `per_euro` of `currency` on `day`.
    pub fn add_rate(
        &mut self,
        day: NaiveDate,
        currency: Currency,
        per_euro: &str,
    ) -> std::result::Result<(), MoneyError> {
        self.rates.insert(day, currency, per_euro)
    }

    /// Every rate.
    pub fn rates(&self) -> &Rates {
        &self.rates
    }

    /// The currency of `store_id` (the euro for a store it does not hold).
    pub fn of_store(&self, store_id: &str) -> Currency {
        self.stores.get(store_id).map_or(Currency::EUR, |s| s.1)
    }

    /// The day `paid` was paid, in its store's zone: the day whose rate converts it.
    pub fn day_of(&self, paid: &Paid) -> Option<NaiveDate> {
        let zone = self.stores.get(&paid.store_id).map(|s| s.0.as_str());
        paid.at
            .and_then(|at| carnet_core::time::local_day_of(at, zone))
    }

    /// `line`'s amount in `home`: as paid when it was paid in it, else converted.
    pub fn amount_in(&self, line: &PurchaseLine, home: Currency) -> i64 {
        let paid = Paid::of(line);
        self.convert(line.amount_cents, &paid, home)
    }

    /// `minor` units paid as `paid` says, in `home`.
    pub fn convert(&self, minor: i64, paid: &Paid, home: Currency) -> i64 {
        if paid.currency == home {
            return minor;
        }
        let Some(day) = self.day_of(paid) else {
            return 0;
        };
        let money = Money {
            minor,
            currency: paid.currency,
        };
        match self.rates.line_amount(money, home, day) {
            Ok(Some((amount, _))) => amount,
            Ok(None) | Err(_) => 0,
        }
    }
}

/// How a line was paid: its currency, where and when.
#[derive(Debug, Clone)]
pub struct Paid {
    /// Its currency (the euro for a line without one: format version 1).
    pub currency: Currency,
    /// The store it was paid in.
    pub store_id: String,
    /// When, in seconds since the Unix epoch.
    pub at: Option<i64>,
}

impl Paid {
    /// How `line` was paid.
    pub fn of(line: &PurchaseLine) -> Self {
        Self {
            currency: Currency::parse(line.currency.as_deref().unwrap_or("EUR"))
                .unwrap_or(Currency::EUR),
            store_id: line.store_id.clone(),
            at: carnet_core::time::parse_instant(&line.bought_at),
        }
    }
}
