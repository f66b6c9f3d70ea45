//! Reader of JSON Lines baskets: `{"customer": "...", "date": "YYYY-MM-DD", "items": [...]}`,
//! one basket a line, the date optional. Bad lines are refused with their line number; empty
//! baskets are skipped and counted.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::LoadError;
use crate::basket::{Basket, Dataset, History, day_number};

#[derive(Deserialize)]
struct Line {
    customer: serde_json::Value,
    #[serde(default)]
    date: Option<serde_json::Value>,
    items: Vec<serde_json::Value>,
}

/// What the reader passed over without failing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Lines read as baskets.
    pub baskets: usize,
    /// Baskets without an item, skipped.
    pub empty_baskets: usize,
    /// Blank lines, skipped.
    pub blank_lines: usize,
    /// Customers whose baskets are not all dated: their times are file positions.
    pub undated_customers: usize,
}

/// The accepted date forms: `YYYY-MM-DD`, `YYYYMMDD`, an RFC 3339 timestamp or
/// `YYYY-MM-DD HH:MM:SS` (the day is kept), or an integer day number.
fn parse_date(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => {
            let s = s.trim();
            let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
                .ok()
                .or_else(|| {
                    chrono::DateTime::parse_from_rfc3339(s)
                        .ok()
                        .map(|d| d.date_naive())
                })
                .or_else(|| {
                    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                        .ok()
                        .map(|d| d.date())
                })?;
            Some(i64::from(day_number(day)))
        }
        _ => None,
    }
}

fn id_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads JSON Lines baskets from raw bytes. Customers keep their first-appearance order; a
/// customer's baskets are sorted by date when every one has a date, else kept in file order
/// (times are then positions). Errors name the 1-based line: not UTF-8, not a basket, an
/// unknown date format, an item or customer that is neither a string nor a number.
pub fn read_jsonl(bytes: &[u8]) -> Result<(Dataset, ReadReport), LoadError> {
    let mut data = Dataset::default();
    let mut report = ReadReport::default();
    let mut slot: HashMap<String, usize> = HashMap::new();
    let mut dated: Vec<Vec<(Option<i64>, Vec<u32>)>> = Vec::new();
    for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = n as u64 + 1;
        let bad = |reason: String| LoadError::Malformed {
            line: line_no,
            reason,
        };
        let text = std::str::from_utf8(raw).map_err(|e| {
            bad(format!(
                "not UTF-8 (byte {} of the line)",
                e.valid_up_to() + 1
            ))
        })?;
        if text.trim().is_empty() {
            report.blank_lines += 1;
            continue;
        }
        let line: Line = serde_json::from_str(text)
            .map_err(|e| bad(format!("not a basket (column {}: {})", e.column(), e)))?;
        let customer = id_of(&line.customer)
            .ok_or_else(|| bad("customer is neither a string nor a number".into()))?;
        let date = match &line.date {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(parse_date(v).ok_or_else(|| {
                bad(
                    "unknown date format (expected YYYY-MM-DD, YYYYMMDD, RFC 3339 or a day number)"
                        .into(),
                )
            })?),
        };
        if line.items.is_empty() {
            report.empty_baskets += 1;
            continue;
        }
        let mut items = Vec::with_capacity(line.items.len());
        for v in &line.items {
            let id =
                id_of(v).ok_or_else(|| bad("an item is neither a string nor a number".into()))?;
            items.push(data.items.intern(&id));
        }
        report.baskets += 1;
        let idx = *slot.entry(customer.clone()).or_insert_with(|| {
            data.customers.push(History {
                customer,
                ..History::default()
            });
            dated.push(Vec::new());
            dated.len() - 1
        });
        dated[idx].push((date, items));
    }
    for (c, mut baskets) in data.customers.iter_mut().zip(dated) {
        let all_dated = baskets.iter().all(|(d, _)| d.is_some());
        if all_dated {
            baskets.sort_by_key(|(d, _)| *d);
        } else {
            report.undated_customers += 1;
        }
        c.baskets = baskets
            .into_iter()
            .enumerate()
            .map(|(pos, (d, items))| {
                let time = match (all_dated, d) {
                    (true, Some(d)) => d as f64,
                    _ => pos as f64,
                };
                Basket::new(time, items)
            })
            .collect();
    }
    Ok((data, report))
}
