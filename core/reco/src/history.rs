//! The device's view of a customer's purchases (plain data, string product ids) and its
//! conversion to the model's baskets, gifts left out.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::basket::{Basket, Interner, day_number};

/// One purchase line of the customer's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// Product id, e.g. `P000123`.
    pub product_id: String,
    /// Day of the purchase.
    pub date: NaiveDate,
    /// Units.
    pub quantity: u32,
    /// Amount paid for the line, in minor units (euro cents); gifts count in spend.
    pub amount_cents: i64,
    /// Bought as a gift: never shapes the playlist or the re-purchase list.
    pub gift: bool,
}

/// The non-gift lines of known products as baskets, one per day, oldest first; basket times
/// are day numbers.
pub fn baskets_of(lines: &[HistoryLine], products: &Interner) -> Vec<Basket> {
    let mut own: Vec<(i32, u32)> = lines
        .iter()
        .filter(|l| !l.gift)
        .filter_map(|l| Some((day_number(l.date), products.get(&l.product_id)?)))
        .collect();
    own.sort_unstable();
    let mut out: Vec<Basket> = Vec::new();
    for (day, item) in own {
        match out.last_mut() {
            Some(b) if b.time == f64::from(day) => {
                if !b.items.contains(&item) {
                    b.items.push(item);
                }
            }
            _ => out.push(Basket::new(f64::from(day), [item])),
        }
    }
    out
}
