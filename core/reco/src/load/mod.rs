//! Readers of purchase data into [`crate::basket::Dataset`]s: the Ta-Feng merged JSON, JSON
//! Lines baskets, a Carnet fixtures export, and the CDNOW log for the timing model.

mod cdnow;
mod fixtures;
mod jsonl;
mod tafeng;

pub use cdnow::{CdnowCustomer, CdnowData, CdnowLayout, CdnowPurchase, read_cdnow};
pub use fixtures::{FixturesCustomer, FixturesData, read_fixtures};
pub use jsonl::{ReadReport, read_jsonl};
pub use tafeng::read_tafeng;

/// Why a data file could not be read. Messages carry line numbers, never field values.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read input: {0}")]
    Io(#[from] std::io::Error),
    /// The content is not in the expected format.
    #[error("line {line}: {reason}")]
    Malformed {
        /// 1-based line (1 for whole-file formats).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A fixtures export could not be read.
    #[error(transparent)]
    Fixtures(#[from] carnet_fixtures::ReadError),
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read_cdnow_text(text: &str) -> Result<Vec<CdnowCustomer>, LoadError> {
        read_cdnow(text.as_bytes()).map(|c| c.customers)
    }

    fn line_of(e: LoadError) -> u64 {
        match e {
            LoadError::Malformed { line, .. } => line,
            other => panic!("not a line error: {other}"),
        }
    }

    #[test]
    fn bad_basket_files_name_the_line() {
        let ok = "{\"customer\": \"a\", \"items\": [1]}\n";
        let date =
            format!("{ok}{{\"customer\": \"a\", \"date\": \"01/02/2024\", \"items\": [1]}}\n");
        let e = read_jsonl(date.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("unknown date format"), "{e}");
        assert_eq!(line_of(e), 2);
        let mut bytes = format!("{ok}{ok}").into_bytes();
        bytes.extend_from_slice(b"{\"customer\": \"b\xff\", \"items\": [1]}\n");
        let e = read_jsonl(&bytes).unwrap_err();
        assert!(e.to_string().contains("not UTF-8"), "{e}");
        assert_eq!(line_of(e), 3);
        let e = read_jsonl(format!("{ok}{{\"customer\": \"a\", \"items\": [[1]]}}").as_bytes())
            .unwrap_err();
        assert_eq!(line_of(e), 2);
        let e = read_jsonl(b"{\"customer\": \"a\", \"items\": [1]\n").unwrap_err();
        assert!(e.to_string().starts_with("line 1: not a basket"), "{e}");
    }

    #[test]
    fn reads_tafeng_and_jsonl_baskets() {
        let t = read_tafeng(r#"{"10": [[1, 2], [2]], "9": [[3], [1, 1]]}"#).unwrap();
        assert_eq!(t.customers[0].customer, "9", "numeric ids sort numerically");
        assert_eq!(
            t.customers[0].baskets[1].items.len(),
            1,
            "duplicates in a basket count once"
        );
        assert_eq!(t.customers[1].baskets[0].time, 0.0);
        let (j, report) = read_jsonl(
            b"{\"customer\": \"a\", \"date\": \"2024-02-01\", \"items\": [\"x\", \"y\"]}\n\n\
             {\"customer\": \"a\", \"date\": \"20240101\", \"items\": [\"y\"]}\n\
             {\"customer\": \"b\", \"items\": [\"z\"]}\n\
             {\"customer\": 7, \"date\": \"2024-01-01T10:00:00Z\", \"items\": []}\n",
        )
        .unwrap();
        assert_eq!(
            report.empty_baskets, 1,
            "the empty basket is skipped and counted"
        );
        assert_eq!(report.baskets, 3);
        assert_eq!(j.customers.len(), 2);
        assert_eq!(
            j.customers[0].baskets[0].items,
            vec![j.items.get("y").unwrap()],
            "sorted by date"
        );
        assert_eq!(
            j.customers[1].baskets[0].time, 0.0,
            "undated baskets keep file order"
        );
        assert!(read_jsonl(b"{\"customer\": 1}").is_err());
        let c =
            read_cdnow_text(" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n")
                .unwrap();
        assert_eq!(c[0].purchases.len(), 2);
    }
}
