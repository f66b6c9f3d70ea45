//! What each store sold, from the imported receipts, for the managers' dashboard: every
//! purchase line credited to a store counts for that store (whichever store's book the
//! customer is in), in its currency, net of returns, placed in the store's local time.
//!
//! The figures are made in one pass over every purchase line and kept until the purchases
//! change (see [`crate::kept`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use carnet_core::money::Currency;
use carnet_protocol::{Channel, Entity, Record};
use chrono::{Datelike, NaiveDate, Timelike};

use crate::error::Error;
use crate::feed;
use crate::sql::Conn;

/// Receipts and revenue of one local hour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub receipts: u32,
    pub cents: i64,
}

/// What one store sold.
#[derive(Debug, Default)]
pub struct StoreSales {
    /// Its name.
    pub name: String,
    /// The currency its amounts are in (its tills'; euros for a store that names none).
    pub currency: Option<Currency>,
    /// By local day and hour (0–23).
    pub hours: BTreeMap<(NaiveDate, u32), Cell>,
    /// Revenue by local day and top-level category name.
    pub categories: HashMap<NaiveDate, HashMap<String, i64>>,
    /// Revenue by local day and brand name.
    pub brands: HashMap<NaiveDate, HashMap<String, i64>>,
    /// Revenue by month (year, month) and the customer's postal code.
    pub postal: HashMap<(i32, u32), HashMap<String, i64>>,
}

impl StoreSales {
    /// The last local day with a receipt.
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.hours.keys().next_back().map(|(day, _)| *day)
    }
}

/// Every store's sales, by store id.
pub type Sales = HashMap<String, StoreSales>;

/// The entity the sales are made from.
pub const ENTITY: Entity = Entity::Purchase;

/// The sales, kept until the purchases change.
pub fn kept() -> crate::kept::Kept<Sales> {
    crate::kept::Kept::new(ENTITY, compute)
}

/// Reads every store's sales (one pass over the catalogue, the customers and the purchases).
pub fn compute(conn: &Conn<'_>) -> Result<Sales, Error> {
    let mut sales: Sales = HashMap::new();
    let mut zones: HashMap<String, chrono_tz::Tz> = HashMap::new();
    for record in feed::live_records(conn, None, Entity::Store)? {
        if let Record::Store(s) = record {
            // An unknown zone is counted in UTC rather than dropped.
            zones.insert(s.id.clone(), s.timezone.parse().unwrap_or(chrono_tz::UTC));
            let store = sales.entry(s.id).or_default();
            store.name = s.name;
            store.currency = s.currency.as_deref().and_then(|c| Currency::parse(c).ok());
        }
    }
    let mut category_parent: HashMap<String, (String, Option<String>)> = HashMap::new();
    let mut brand_name: HashMap<String, String> = HashMap::new();
    let mut product: HashMap<String, (String, String)> = HashMap::new();
    for entity in [Entity::Category, Entity::Brand, Entity::Product] {
        feed::for_each_live(conn, None, entity, |record| {
            match record {
                Record::Category(c) => {
                    category_parent.insert(c.id, (c.name, c.parent_id));
                }
                Record::Brand(b) => {
                    brand_name.insert(b.id, b.name);
                }
                Record::Product(p) => {
                    product.insert(p.id, (p.category_id, p.brand_id));
                }
                _ => {}
            }
            Ok(())
        })?;
    }
    // Each product's top-level category and brand, by name.
    let product: HashMap<String, (String, String)> = product
        .into_iter()
        .map(|(id, (category, brand))| {
            let brand = brand_name.get(&brand).cloned().unwrap_or(brand);
            (id, (top_category(&category_parent, &category), brand))
        })
        .collect();
    let mut postal_of: HashMap<String, String> = HashMap::new();
    feed::for_each_live(conn, None, Entity::Customer, |record| {
        if let Record::Customer(c) = record {
            postal_of.insert(c.id, c.address.postal_code);
        }
        Ok(())
    })?;
    // A receipt counts once, in the hour of its first line; its id is kept as a 64-bit hash.
    let mut seen: HashSet<u64> = HashSet::new();
    feed::for_each_live(conn, None, Entity::Purchase, |record| {
        let Record::Purchase(p) = record else {
            return Ok(());
        };
        let Some(at) = chrono::DateTime::parse_from_rfc3339(&p.bought_at).ok() else {
            return Ok(());
        };
        let zone = zones.get(&p.store_id).copied().unwrap_or(chrono_tz::UTC);
        let local = at.with_timezone(&zone);
        let day = local.date_naive();
        let store = sales.entry(p.store_id.clone()).or_default();
        // The hours are the counter's: what its tills took and gave back, and the orders
        // collected there; a delivered order counts in the store's revenue below, not in
        // its hours, and a return is not a receipt.
        if matches!(p.channel, Channel::Store | Channel::ClickAndCollect) {
            let cell = store.hours.entry((day, local.hour())).or_default();
            cell.cents += p.amount_cents;
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (&p.store_id, &p.receipt_id).hash(&mut hasher);
            if p.return_of.is_none() && seen.insert(hasher.finish()) {
                cell.receipts += 1;
            }
        }
        if let Some((category, brand)) = product.get(&p.product_id) {
            *store
                .categories
                .entry(day)
                .or_default()
                .entry(category.clone())
                .or_default() += p.amount_cents;
            *store
                .brands
                .entry(day)
                .or_default()
                .entry(brand.clone())
                .or_default() += p.amount_cents;
        }
        let postal = postal_of
            .get(&p.customer_id)
            .filter(|code| !code.is_empty())
            .cloned()
            .unwrap_or_else(|| "–".to_owned());
        *store
            .postal
            .entry((day.year(), day.month()))
            .or_default()
            .entry(postal)
            .or_default() += p.amount_cents;
        Ok(())
    })?;
    Ok(sales)
}

/// The name of a category's top-level ancestor (itself at the top; its id if unknown).
fn top_category(parents: &HashMap<String, (String, Option<String>)>, id: &str) -> String {
    let mut id = id;
    // A few levels at most; the bound guards against a loop in the data.
    for _ in 0..8 {
        match parents.get(id) {
            Some((_, Some(parent))) if parents.contains_key(parent) => id = parent,
            Some((name, _)) => return name.clone(),
            None => break,
        }
    }
    parents
        .get(id)
        .map_or_else(|| id.to_owned(), |(name, _)| name.clone())
}
