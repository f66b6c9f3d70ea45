//! Reader of the Ta-Feng merged JSON: `{"customer": [[item, …], …], …}`, baskets in order.

use std::collections::BTreeMap;

use super::LoadError;
use crate::basket::{Basket, Dataset, History};

/// Reads the merged JSON; basket times are positions (0, 1, …), customers sorted by id.
pub fn read_tafeng(text: &str) -> Result<Dataset, LoadError> {
    let raw: BTreeMap<String, Vec<Vec<u64>>> =
        serde_json::from_str(text).map_err(|e| LoadError::Malformed {
            line: e.line() as u64,
            reason: format!("not a customer → baskets object (column {})", e.column()),
        })?;
    let mut data = Dataset::default();
    let mut ids: Vec<(String, Vec<Vec<u64>>)> = raw.into_iter().collect();
    // Numeric ids sort numerically, so the order does not depend on string collation.
    ids.sort_by(|a, b| (a.0.len(), a.0.as_str()).cmp(&(b.0.len(), b.0.as_str())));
    for (customer, baskets) in ids {
        let baskets = baskets
            .iter()
            .enumerate()
            .map(|(pos, items)| {
                Basket::new(
                    pos as f64,
                    items.iter().map(|i| data.items.intern(&i.to_string())),
                )
            })
            .collect();
        data.customers.push(History {
            customer,
            segment: None,
            baskets,
        });
    }
    Ok(data)
}
