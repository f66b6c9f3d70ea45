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
