//! Purchase histories as the models see them: interned item indices, baskets in time order,
//! one history per customer.

use std::collections::HashMap;

/// Maps external item ids (strings) to dense indices `0..len` and back.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    ids: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    /// The index of `id`, adding it if new.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), i);
        i
    }

    /// The index of `id`, if known.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// The id of index `i`.
    pub fn id(&self, i: u32) -> &str {
        self.ids.get(i as usize).map_or("", String::as_str)
    }

    /// Number of distinct ids.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no id was interned.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// All ids, by index.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }
}

/// One shopping trip: distinct items, and when it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Basket {
    /// Time of the trip: days since 1970-01-01 when dates are known, otherwise the basket's
    /// position in the customer's history (0, 1, 2, …). Decays are expressed in this unit.
    pub time: f64,
    /// Distinct item indices.
    pub items: Vec<u32>,
}

impl Basket {
    /// A basket of the given items, duplicates removed (first occurrence kept).
    pub fn new(time: f64, items: impl IntoIterator<Item = u32>) -> Self {
        let mut out: Vec<u32> = Vec::new();
        for i in items {
            if !out.contains(&i) {
                out.push(i);
            }
        }
        Self { time, items: out }
    }
}

/// A customer's baskets in time order.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// External customer id.
    pub customer: String,
    /// Marketing segment, when the data has one.
    pub segment: Option<String>,
    /// Baskets, oldest first.
    pub baskets: Vec<Basket>,
}

/// A set of histories over one item vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Item vocabulary.
    pub items: Interner,
    /// Customers, in a stable order.
    pub customers: Vec<History>,
}

impl Dataset {
    /// Number of baskets over all customers.
    pub fn basket_count(&self) -> usize {
        self.customers.iter().map(|c| c.baskets.len()).sum()
    }
}

/// Days since 1970-01-01 of a date.
pub fn day_number(date: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (date - epoch).num_days() as i32
}

/// The date `days` days after 1970-01-01.
pub fn date_of_day(days: i32) -> chrono::NaiveDate {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch + chrono::Duration::days(i64::from(days))
}
