//! Reader of the CDNOW transaction log in either published layout, detected from the file:
//! the master file (customer id, date `YYYYMMDD`, number of CDs, dollar value; optionally a
//! header line) or the 1/10 sample (master id, sample id, date, CDs, dollars). Columns are
//! separated by blanks or commas.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::LoadError;

/// One transaction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CdnowPurchase {
    /// Day of the purchase.
    pub date: NaiveDate,
    /// CDs bought.
    pub cds: u32,
    /// Dollar value.
    pub dollars: f64,
}

/// One customer's transactions, in file order.
#[derive(Debug, Clone)]
pub struct CdnowCustomer {
    /// The master customer id.
    pub id: String,
    /// Transactions (the same day may repeat).
    pub purchases: Vec<CdnowPurchase>,
}

/// Which layout the file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdnowLayout {
    /// Four columns: id, date, CDs, dollars.
    Master,
    /// Five columns: master id, sample id, date, CDs, dollars.
    Sample,
}

/// A CDNOW file read.
#[derive(Debug, Clone)]
pub struct CdnowData {
    /// The layout detected.
    pub layout: CdnowLayout,
    /// True when the first line was a header.
    pub header: bool,
    /// Customers ordered by id.
    pub customers: Vec<CdnowCustomer>,
}

/// Reads a CDNOW file. The first non-blank line decides the layout (four or five columns); a
/// first line without a date where the date belongs is a header. Any later line of another
/// width, a bad date or a bad number is an error naming its line.
pub fn read_cdnow(bytes: &[u8]) -> Result<CdnowData, LoadError> {
    let mut by_id: BTreeMap<String, Vec<CdnowPurchase>> = BTreeMap::new();
    let mut layout: Option<CdnowLayout> = None;
    let mut header = false;
    let mut seen_first = false;
    for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let bad = |reason: String| LoadError::Malformed {
            line: n as u64 + 1,
            reason,
        };
        let text = std::str::from_utf8(raw).map_err(|_| bad("not UTF-8".into()))?;
        let cols: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|c| !c.is_empty())
            .collect();
        if cols.is_empty() {
            continue;
        }
        let first = !seen_first;
        seen_first = true;
        let this = match cols.len() {
            4 => CdnowLayout::Master,
            5 => CdnowLayout::Sample,
            k => {
                return Err(bad(format!(
                    "{k} columns; expected 4 (id, date, CDs, dollars) or 5 (master id, sample id, date, CDs, dollars)"
                )));
            }
        };
        let date_col = if this == CdnowLayout::Master { 1 } else { 2 };
        let date = NaiveDate::parse_from_str(cols[date_col].trim_matches('"'), "%Y%m%d");
        if first && date.is_err() && cols[date_col].chars().any(char::is_alphabetic) {
            header = true;
            layout = Some(this);
            continue;
        }
        match layout {
            Some(l) if l != this => {
                return Err(bad(format!(
                    "{} columns where the file's first line has {}",
                    cols.len(),
                    if l == CdnowLayout::Master { 4 } else { 5 }
                )));
            }
            _ => layout = Some(this),
        }
        let date =
            date.map_err(|_| bad(format!("bad date in column {} (YYYYMMDD)", date_col + 1)))?;
        let cds: u32 = cols[date_col + 1]
            .parse()
            .map_err(|_| bad(format!("bad number of CDs in column {}", date_col + 2)))?;
        let dollars: f64 = cols[date_col + 2]
            .parse()
            .ok()
            .filter(|d: &f64| d.is_finite())
            .ok_or_else(|| bad(format!("bad dollar value in column {}", date_col + 3)))?;
        by_id
            .entry(cols[0].trim_matches('"').to_string())
            .or_default()
            .push(CdnowPurchase { date, cds, dollars });
    }
    let layout = layout.ok_or(LoadError::Malformed {
        line: 1,
        reason: "no transaction in the file".into(),
    })?;
    Ok(CdnowData {
        layout,
        header,
        customers: by_id
            .into_iter()
            .map(|(id, purchases)| CdnowCustomer { id, purchases })
            .collect(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_read_alike_and_bad_lines_are_named() {
        let sample = " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n 00018 0002 19970101 1 14.96\n";
        let master = "customer_id date cds dollars\n00004 19970101 2 29.33\n00004 19970118 2 29.73\n00018,19970101,1,14.96\n";
        let s = read_cdnow(sample.as_bytes()).unwrap();
        let m = read_cdnow(master.as_bytes()).unwrap();
        assert_eq!(
            (s.layout, s.header, m.layout, m.header),
            (CdnowLayout::Sample, false, CdnowLayout::Master, true)
        );
        assert_eq!(s.customers.len(), 2);
        assert_eq!(s.customers[0].purchases, m.customers[0].purchases);
        assert_eq!(m.customers[1].purchases[0].dollars, 14.96);
        let line = |text: &str| match read_cdnow(text.as_bytes()) {
            Err(LoadError::Malformed { line, .. }) => line,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            line("00004 19970101 2 29.33\n00004 1997-01-18 2 29.73\n"),
            2
        );
        assert_eq!(
            line("00004 19970101 2 29.33\n00004 0001 19970118 2 29.73\n"),
            2
        );
        assert_eq!(line("h\n00004 19970101 two 29.33\n"), 1);
        assert_eq!(line("00004 19970101 2 29.33\n\n00004 19970101 2 x\n"), 3);
        assert_eq!(line(""), 1);
    }
}
