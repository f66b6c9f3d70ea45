//! Reader of JSON Lines baskets: `{"customer": "...", "date": "YYYY-MM-DD", "items": [...]}`,
//! one basket a line, the date optional.

use std::collections::HashMap;

use serde::Deserialize;

use super::LoadError;
use crate::basket::{Basket, Dataset, History, day_number};

#[derive(Deserialize)]
struct Line {
    customer: String,
    #[serde(default)]
    date: Option<chrono::NaiveDate>,
    items: Vec<serde_json::Value>,
}

/// Reads JSON Lines baskets. Customers keep their first-appearance order; a customer's
/// baskets are sorted by date when every one has a date, else kept in file order (times are
/// then positions).
pub fn read_jsonl(text: &str) -> Result<Dataset, LoadError> {
    let mut data = Dataset::default();
    let mut slot: HashMap<String, usize> = HashMap::new();
    let mut dated: Vec<Vec<(Option<chrono::NaiveDate>, Vec<u32>)>> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(raw).map_err(|e| LoadError::Malformed {
            line: n as u64 + 1,
            reason: format!("not a basket (column {})", e.column()),
        })?;
        let items = line
            .items
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => data.items.intern(s),
                other => data.items.intern(&other.to_string()),
            })
            .collect();
        let idx = *slot.entry(line.customer.clone()).or_insert_with(|| {
            data.customers.push(History {
                customer: line.customer.clone(),
                ..History::default()
            });
            dated.push(Vec::new());
            dated.len() - 1
        });
        dated[idx].push((line.date, items));
    }
    for (c, mut baskets) in data.customers.iter_mut().zip(dated) {
        let all_dated = baskets.iter().all(|(d, _)| d.is_some());
        if all_dated {
            baskets.sort_by_key(|(d, _)| *d);
        }
        c.baskets = baskets
            .into_iter()
            .enumerate()
            .map(|(pos, (d, items))| {
                let time = match (all_dated, d) {
                    (true, Some(d)) => f64::from(day_number(d)),
                    _ => pos as f64,
                };
                Basket::new(time, items)
            })
            .collect();
    }
    Ok(data)
}
