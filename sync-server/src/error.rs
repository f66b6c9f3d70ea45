//! The server's internal error. Messages name files, tables and counts, never record values,
//! so they can be logged.

use std::path::PathBuf;

/// Anything that can go wrong inside the server or its commands.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed.
    #[error("database: {0}")]
    Sql(#[from] crate::sql::SqlError),
    /// A stored payload did not (de)serialise. Only the position is shown: serde's message
    /// can quote a value.
    #[error("json: {} at line {} column {}", json_category(.0), .0.line(), .0.column())]
    Json(#[from] serde_json::Error),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The export could not be read.
    #[error("export: {0}")]
    Export(#[from] carnet_fixtures::ReadError),
    /// The TLS material could not be created or loaded.
    #[error("tls: {0}")]
    Tls(String),
    /// A configuration problem, explained.
    #[error("{0}")]
    Config(String),
    /// Every database connection stayed busy past the wait bound: try again shortly.
    #[error("the database is busy")]
    Busy,
    /// A blocking task panicked or was cancelled.
    #[error("task: {0}")]
    Task(String),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Sql(e.into())
    }
}

impl Error {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// serde_json's error category, without the message (which can quote personal data).
pub fn json_category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "io error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "data error",
        serde_json::error::Category::Eof => "truncated",
    }
}

/// Why an admin operation was refused. Messages name ids and rules, never PINs or tokens.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The input breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// The store, advisor or device does not exist (in the manager's store).
    #[error("{0}")]
    NotFound(String),
    /// It exists already.
    #[error("{0}")]
    Conflict(String),
    /// Something failed inside.
    #[error("{0}")]
    Internal(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] Error),
}

impl From<crate::sql::SqlError> for AdminError {
    fn from(e: crate::sql::SqlError) -> Self {
        AdminError::Db(Error::from(e))
    }
}
