//! Reader of the CDNOW transaction log (whitespace-separated: master id, sample id, date
//! `YYYYMMDD`, CDs, dollars) into per-customer purchase days.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::LoadError;

/// One customer's purchase days, in file order.
#[derive(Debug, Clone)]
pub struct CdnowCustomer {
    /// The master customer id.
    pub id: String,
    /// Purchase dates (one per transaction; the same day may repeat).
    pub dates: Vec<NaiveDate>,
}

/// Reads a CDNOW file; customers ordered by id.
pub fn read_cdnow(text: &str) -> Result<Vec<CdnowCustomer>, LoadError> {
    let mut by_id: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        let bad = |reason: &str| LoadError::Malformed {
            line: n as u64 + 1,
            reason: reason.to_string(),
        };
        if cols.len() < 3 {
            return Err(bad("fewer than 3 columns"));
        }
        let date =
            NaiveDate::parse_from_str(cols[2], "%Y%m%d").map_err(|_| bad("bad date column"))?;
        by_id.entry(cols[0].to_string()).or_default().push(date);
    }
    Ok(by_id
        .into_iter()
        .map(|(id, dates)| CdnowCustomer { id, dates })
        .collect())
}
