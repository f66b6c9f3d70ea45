//! One SQL interface over the server's two back ends, embedded SQLite (SQLCipher) and
//! PostgreSQL, so that every rule's queries are written once.
//!
//! The rules are synchronous functions of a [`Conn`], run on blocking threads inside a
//! transaction the caller opened (see [`crate::db`]). On SQLite a `Conn` is a connection; on
//! PostgreSQL it is a pooled client of the async driver whose calls this thread waits for.
//! Queries use SQLite's numbered placeholders (`?1`), rewritten to `$1` for PostgreSQL, and the
//! SQL both accept: `ON CONFLICT … DO`, `RETURNING`, `CAST(… AS BIGINT)`. Integers are 64-bit
//! on both sides (BIGINT in the PostgreSQL schema), flags are integers 0/1.

use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// A connection inside a transaction, on either back end.
#[derive(Clone, Copy)]
pub enum Conn<'a> {
    /// SQLite (SQLCipher).
    Lite(&'a rusqlite::Connection),
    /// PostgreSQL.
    Pg(&'a PgConn),
}

/// A pooled PostgreSQL client and the runtime that drives its connection.
pub struct PgConn {
    client: deadpool_postgres::Object,
    runtime: tokio::runtime::Handle,
}

impl PgConn {
    /// Wraps `client`; its futures are waited for on `runtime` (from a blocking thread).
    pub fn new(client: deadpool_postgres::Object, runtime: tokio::runtime::Handle) -> Self {
        Self { client, runtime }
    }

    fn wait<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    async fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        Ok(self.client.prepare_cached(&numbered_dollars(sql)).await?)
    }
}

/// Why a statement failed. The message names the statement's failure, never a value.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// SQLite failed.
    #[error("{0}")]
    Lite(#[from] rusqlite::Error),
    /// PostgreSQL failed: the SQLSTATE and the server's message (PostgreSQL's detail line,
    /// which can quote a key's value, is left out).
    #[error("postgres: {}", pg_message(.0))]
    Pg(#[from] tokio_postgres::Error),
    /// A PostgreSQL connection could not be had from the pool in time.
    #[error("postgres pool: {0}")]
    Pool(String),
    /// The query returned no row where one was expected.
    #[error("no row")]
    NoRow,
    /// A column holds a type the reader did not ask for.
    #[error("column {column}: {found}, read as {wanted}")]
    Type {
        /// Its index.
        column: usize,
        /// What it holds.
        found: &'static str,
        /// What was asked.
        wanted: &'static str,
    },
}

impl SqlError {
    /// Whether a UNIQUE or PRIMARY KEY constraint refused the statement.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            SqlError::Lite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ConstraintViolation)
            ),
            SqlError::Pg(e) => e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

impl SqlError {
    /// Whether a lock was not had within `lock_timeout` (PostgreSQL): the database is busy.
    pub fn is_lock_timeout(&self) -> bool {
        matches!(self, SqlError::Pg(e)
            if e.code() == Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE))
    }

    /// Whether the connection to PostgreSQL was lost (the server stopped or restarted, the
    /// network failed): the work may be retried on a new connection.
    pub fn is_connection_lost(&self) -> bool {
        use tokio_postgres::error::SqlState;
        match self {
            SqlError::Pg(e) => {
                e.is_closed()
                    || e.code().is_none_or(|c| {
                        [
                            SqlState::ADMIN_SHUTDOWN,
                            SqlState::CRASH_SHUTDOWN,
                            SqlState::CANNOT_CONNECT_NOW,
                            SqlState::CONNECTION_FAILURE,
                        ]
                        .contains(c)
                    })
            }
            SqlError::Pool(_) => true,
            _ => false,
        }
    }
}

/// A PostgreSQL error's SQLSTATE and message, without its detail line (which can quote a
/// value).
pub(crate) fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// Result with [`SqlError`].
pub type Result<T, E = SqlError> = std::result::Result<T, E>;

/// `Ok(None)` for "no row".
pub trait OptionalExtension<T> {
    /// The row, or `None` when the query returned none.
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(SqlError::NoRow | SqlError::Lite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A value bound to a placeholder or read from a column, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (also flags, 0 or 1, and PostgreSQL booleans read).
    Int(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

/// What can be bound to a placeholder.
pub trait Bind {
    /// This value as a parameter.
    fn param(&self) -> Value<'_>;
}

macro_rules! bind_int {
    ($($t:ty),*) => {$(
        impl Bind for $t {
            fn param(&self) -> Value<'_> {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
bind_int!(i64, i32, u32, u16, u8, bool);

impl Bind for usize {
    fn param(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl Bind for u64 {
    fn param(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl Bind for f64 {
    fn param(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl Bind for str {
    fn param(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Bind for String {
    fn param(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Bind for [u8] {
    fn param(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl Bind for Vec<u8> {
    fn param(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<const N: usize> Bind for [u8; N] {
    fn param(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<T: Bind> Bind for Option<T> {
    fn param(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, Bind::param)
    }
}

impl<T: Bind + ?Sized> Bind for &T {
    fn param(&self) -> Value<'_> {
        (**self).param()
    }
}

impl Bind for Value<'_> {
    fn param(&self) -> Value<'_> {
        *self
    }
}

/// A statement's parameters, in placeholder order.
pub trait Params {
    /// Each bound value.
    fn params(&self) -> Vec<Value<'_>>;
}

impl Params for () {
    fn params(&self) -> Vec<Value<'_>> {
        Vec::new()
    }
}

impl Params for &[&dyn Bind] {
    fn params(&self) -> Vec<Value<'_>> {
        self.iter().map(|b| b.param()).collect()
    }
}

impl<const N: usize> Params for &[&dyn Bind; N] {
    fn params(&self) -> Vec<Value<'_>> {
        self.iter().map(|b| b.param()).collect()
    }
}

impl<T: Bind, const N: usize> Params for [T; N] {
    fn params(&self) -> Vec<Value<'_>> {
        self.iter().map(Bind::param).collect()
    }
}

impl<T: Bind> Params for Vec<T> {
    fn params(&self) -> Vec<Value<'_>> {
        self.iter().map(Bind::param).collect()
    }
}

/// The PostgreSQL advisory lock every write transaction takes, on every replica and command,
/// and migrations (see [`crate::pg`]).
pub const WRITE_LOCK: i64 = 0x4341_524e_4554; // "CARNET"

/// Takes [`WRITE_LOCK`] (its value spelled out, so that the statements below are constant
/// strings sent as they are; a test checks the two agree).
macro_rules! take_write_lock {
    () => {
        "SELECT pg_advisory_xact_lock(73947832796500)"
    };
}

/// Opens a PostgreSQL write transaction under [`WRITE_LOCK`], waiting for it as long as it
/// takes (commands, migrations).
pub const BEGIN_WRITE: &str = concat!("BEGIN; ", take_write_lock!());

/// Opens a PostgreSQL write transaction under [`WRITE_LOCK`], waiting at most `wait` for it
/// (then the statement fails with a lock timeout, [`SqlError::is_lock_timeout`]): for
/// requests, which are told to come back rather than left hanging behind an import.
pub fn begin_write_waiting(wait: std::time::Duration) -> String {
    format!(
        concat!(
            "BEGIN; SET LOCAL lock_timeout = '{}ms'; ",
            take_write_lock!(),
            "; SET LOCAL lock_timeout = 0"
        ),
        wait.as_millis()
    )
}

/// `?first, ?first+1, …` for `n` parameters: a list built for a multi-row statement or an
/// `IN (…)`.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `params![a, b]`: a statement's parameters of mixed types.
macro_rules! params {
    () => { &[] as &[&dyn $crate::sql::Bind] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::sql::Bind),+] as &[&dyn $crate::sql::Bind] };
}
pub(crate) use params;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(v),
            Value::Real(v) => ValueRef::Real(v),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                // An integer where the column is a double: exact up to 2^53, as in SQLite.
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Real(v) => v.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A row of a result.
pub enum Row<'a> {
    /// From SQLite.
    Lite(&'a rusqlite::Row<'a>),
    /// From PostgreSQL.
    Pg(&'a tokio_postgres::Row),
}

/// A column index (only `usize`: lets `row.get(0)` infer it).
pub trait ColumnIndex {
    /// The index.
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl Value<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }
}

impl<'a> Row<'a> {
    /// Column `idx` read as `T`.
    pub fn get<I: ColumnIndex, T: Column>(&self, idx: I) -> Result<T> {
        let column = idx.index();
        let cell = self.cell(column)?;
        T::from_cell(cell).ok_or(SqlError::Type {
            column,
            found: cell.kind(),
            wanted: T::NAME,
        })
    }

    fn cell(&self, i: usize) -> Result<Value<'_>> {
        match self {
            Row::Lite(r) => {
                use rusqlite::types::ValueRef;
                Ok(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => {
                        Value::Text(std::str::from_utf8(t).map_err(|_| SqlError::Type {
                            column: i,
                            found: "text that is not UTF-8",
                            wanted: "text",
                        })?)
                    }
                    ValueRef::Blob(b) => Value::Blob(b),
                })
            }
            Row::Pg(r) => pg_cell(r, i),
        }
    }
}

fn pg_cell(r: &tokio_postgres::Row, i: usize) -> Result<Value<'_>> {
    let ty = r
        .columns()
        .get(i)
        .map(|c| c.type_().clone())
        .ok_or(SqlError::Type {
            column: i,
            found: "nothing",
            wanted: "a column",
        })?;
    fn or_null<T>(v: Option<T>, f: impl FnOnce(T) -> Value<'static>) -> Value<'static> {
        v.map_or(Value::Null, f)
    }
    Ok(match ty {
        Type::INT8 => or_null(r.try_get::<_, Option<i64>>(i)?, Value::Int),
        Type::INT4 => or_null(r.try_get::<_, Option<i32>>(i)?, |v| {
            Value::Int(i64::from(v))
        }),
        Type::INT2 => or_null(r.try_get::<_, Option<i16>>(i)?, |v| {
            Value::Int(i64::from(v))
        }),
        Type::BOOL => or_null(r.try_get::<_, Option<bool>>(i)?, |v| {
            Value::Int(i64::from(v))
        }),
        Type::FLOAT8 => or_null(r.try_get::<_, Option<f64>>(i)?, Value::Real),
        Type::FLOAT4 => or_null(r.try_get::<_, Option<f32>>(i)?, |v| {
            Value::Real(f64::from(v))
        }),
        Type::BYTEA => r
            .try_get::<_, Option<&[u8]>>(i)?
            .map_or(Value::Null, Value::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => r
            .try_get::<_, Option<&str>>(i)?
            .map_or(Value::Null, Value::Text),
        _ => {
            return Err(SqlError::Type {
                column: i,
                found: "a PostgreSQL type Carnet does not read (cast it)",
                wanted: "integer, real, text or bytes",
            });
        }
    })
}

/// What a column can be read as.
pub trait Column: Sized {
    /// The type's name, for errors.
    const NAME: &'static str;
    /// The value, if the cell holds one of this type.
    fn from_cell(cell: Value<'_>) -> Option<Self>;
}

impl Column for i64 {
    const NAME: &'static str = "i64";
    fn from_cell(cell: Value<'_>) -> Option<Self> {
        match cell {
            Value::Int(v) => Some(v),
            _ => None,
        }
    }
}

macro_rules! column_int {
    ($($t:ty),*) => {$(
        impl Column for $t {
            const NAME: &'static str = stringify!($t);
            fn from_cell(cell: Value<'_>) -> Option<Self> {
                match cell {
                    Value::Int(v) => <$t>::try_from(v).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
column_int!(i32, u32, u64, usize, u16, u8);

impl Column for bool {
    const NAME: &'static str = "bool";
    fn from_cell(cell: Value<'_>) -> Option<Self> {
        match cell {
            Value::Int(v) => Some(v != 0),
            _ => None,
        }
    }
}

impl Column for f64 {
    const NAME: &'static str = "f64";
    fn from_cell(cell: Value<'_>) -> Option<Self> {
        match cell {
            Value::Real(v) => Some(v),
            // SQLite stores a whole REAL as an integer when its affinity allows.
            Value::Int(v) => Some(v as f64),
            _ => None,
        }
    }
}

impl Column for String {
    const NAME: &'static str = "text";
    fn from_cell(cell: Value<'_>) -> Option<Self> {
        match cell {
            Value::Text(s) => Some(s.to_owned()),
            _ => None,
        }
    }
}

impl Column for Vec<u8> {
    const NAME: &'static str = "bytes";
    fn from_cell(cell: Value<'_>) -> Option<Self> {
        match cell {
            Value::Blob(b) => Some(b.to_vec()),
            _ => None,
        }
    }
}

impl<T: Column> Column for Option<T> {
    const NAME: &'static str = T::NAME;
    fn from_cell(cell: Value<'_>) -> Option<Self> {
        match cell {
            Value::Null => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

impl Conn<'_> {
    /// Runs a statement; returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        let params = params.params();
        match self {
            Conn::Lite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(params.iter()))?),
            Conn::Pg(c) => c.wait(async {
                let statement = c.statement(sql).await?;
                let n = c.client.execute(&statement, &pg_params(&params)).await?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }),
        }
    }

    /// Runs statements without parameters, separated by semicolons.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Lite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => c.wait(async { Ok(c.client.batch_execute(sql).await?) }),
        }
    }

    /// The first row, read by `f`; [`SqlError::NoRow`] when there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let params = params.params();
        match self {
            Conn::Lite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
                match rows.next()? {
                    Some(r) => f(&Row::Lite(r)),
                    None => Err(SqlError::NoRow),
                }
            }
            Conn::Pg(c) => {
                let row = c.wait(async {
                    let statement = c.statement(sql).await?;
                    Ok::<_, SqlError>(c.client.query_opt(&statement, &pg_params(&params)).await?)
                })?;
                match row {
                    Some(r) => f(&Row::Pg(&r)),
                    None => Err(SqlError::NoRow),
                }
            }
        }
    }

    /// Every row, each read by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let params = params.params();
        match self {
            Conn::Lite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Lite(r))?);
                }
                Ok(out)
            }
            Conn::Pg(c) => {
                let rows = c.wait(async {
                    let statement = c.statement(sql).await?;
                    Ok::<_, SqlError>(c.client.query(&statement, &pg_params(&params)).await?)
                })?;
                rows.iter().map(|r| f(&Row::Pg(r))).collect()
            }
        }
    }

    /// Runs `f` on every row as it is read, without holding the result in memory.
    pub fn for_each<E: From<SqlError>>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let params = params.params();
        match self {
            Conn::Lite(c) => {
                let mut statement = c.prepare_cached(sql).map_err(SqlError::from)?;
                let mut rows = statement
                    .query(rusqlite::params_from_iter(params.iter()))
                    .map_err(SqlError::from)?;
                while let Some(r) = rows.next().map_err(SqlError::from)? {
                    f(&Row::Lite(r))?;
                }
                Ok(())
            }
            Conn::Pg(c) => {
                use futures_util::StreamExt;
                let rows = c.wait(async {
                    let statement = c.statement(sql).await?;
                    Ok::<_, SqlError>(c.client.query_raw(&statement, params.iter()).await?)
                })?;
                let mut rows = std::pin::pin!(rows);
                while let Some(r) = c.wait(rows.next()) {
                    f(&Row::Pg(&r.map_err(SqlError::from)?))?;
                }
                Ok(())
            }
        }
    }

    /// Whether the query returns a row.
    pub fn exists(&self, sql: &str, params: impl Params) -> Result<bool> {
        self.query_row(sql, params, |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
    }

    /// Runs `f` inside a transaction that holds the database's write lock from its start
    /// (SQLite `BEGIN IMMEDIATE`): committed if `f` returns Ok, rolled back otherwise. For
    /// commands outside the server's writer (the CLI).
    pub fn transaction<T, E: From<SqlError>>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.execute_batch(self.begin_write())?;
        match f(self) {
            Ok(v) => {
                self.execute_batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The statement that opens a write transaction: SQLite takes the write lock at once
    /// (`IMMEDIATE`), so that two writers never deadlock upgrading a read; PostgreSQL takes
    /// the write lock every writer takes, on every replica and command (see [`crate::pg`]).
    pub fn begin_write(&self) -> &'static str {
        match self {
            Conn::Lite(_) => "BEGIN IMMEDIATE",
            Conn::Pg(_) => BEGIN_WRITE,
        }
    }

    /// Which back end this is.
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Lite(_) => Backend::Sqlite,
            Conn::Pg(_) => Backend::Postgres,
        }
    }
}

/// The two back ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (SQLCipher), the default.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

fn pg_params<'a>(params: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// SQLite's `?N` placeholders as PostgreSQL's `$N` (a bare `?` takes the next number);
/// quoted strings and identifiers are left alone.
pub fn numbered_dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut next = 0u32;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                if digits.is_empty() {
                    next += 1;
                    digits = next.to_string();
                } else if let Ok(n) = digits.parse::<u32>() {
                    next = next.max(n);
                }
                out.push('$');
                out.push_str(&digits);
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            numbered_dollars("SELECT a FROM t WHERE b = ?2 AND c = ?1 AND d = '?3'"),
            "SELECT a FROM t WHERE b = $2 AND c = $1 AND d = '?3'"
        );
        assert_eq!(numbered_dollars("VALUES (?, ?)"), "VALUES ($1, $2)");
        assert_eq!(
            numbered_dollars("SELECT \"a?\" , ?10"),
            "SELECT \"a?\" , $10"
        );
    }

    #[test]
    fn rows_read_as_the_types_asked_and_refuse_others() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let conn = Conn::Lite(&c);
        conn.execute_batch("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, r REAL)")
            .unwrap();
        let n = conn
            .execute(
                "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
                params![7_i64, "x", vec![1_u8, 2], 1.5_f64],
            )
            .unwrap();
        assert_eq!(n, 1);
        let (i, s, b, r): (i64, String, Vec<u8>, f64) = conn
            .query_row("SELECT i, s, b, r FROM t", (), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        assert_eq!((i, s.as_str(), b, r), (7, "x", vec![1, 2], 1.5));
        let wrong = conn.query_row("SELECT s FROM t", (), |r| r.get::<_, i64>(0));
        assert!(
            matches!(wrong, Err(SqlError::Type { column: 0, .. })),
            "{wrong:?}"
        );
        let none = conn
            .query_row("SELECT i FROM t WHERE i = ?1", [8_i64], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .unwrap();
        assert_eq!(none, None);
        assert!(conn.exists("SELECT 1 FROM t WHERE s = ?1", ["x"]).unwrap());
    }
}
