//! Readers of purchase data into [`crate::basket::Dataset`]s: the Ta-Feng merged JSON, JSON
//! Lines baskets, a Carnet fixtures export, and the CDNOW log for the timing model.

mod cdnow;
mod fixtures;
mod jsonl;
mod tafeng;

pub use cdnow::{CdnowCustomer, read_cdnow};
pub use fixtures::{FixturesCustomer, FixturesData, read_fixtures};
pub use jsonl::read_jsonl;
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
        let j = read_jsonl(
            "{\"customer\": \"a\", \"date\": \"2024-02-01\", \"items\": [\"x\", \"y\"]}\n\n\
             {\"customer\": \"a\", \"date\": \"2024-01-01\", \"items\": [\"y\"]}\n\
             {\"customer\": \"b\", \"items\": [\"z\"]}\n",
        )
        .unwrap();
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
        assert!(read_jsonl("{\"customer\": 1}").is_err());
        let c = read_cdnow(" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n")
            .unwrap();
        assert_eq!(c[0].dates.len(), 2);
    }
}
