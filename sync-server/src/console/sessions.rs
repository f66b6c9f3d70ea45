//! Signed-in browsers. A session is a random token in a cookie the page's scripts cannot read
//! (HttpOnly), sent only over TLS (Secure, and the `__Host-` prefix pins it to this host and
//! path `/`) and never by another site (SameSite=Strict); the server keeps only its SHA-256.
//! Each session has its own CSRF token, which every form carries back. A session ends when
//! idle for [`IDLE_MS`], after [`LONGEST_MS`] in any case, or at sign-out; signing in always
//! starts a new one, so a token planted before sign-in is worth nothing after it.

use crate::sql::{Conn, OptionalExtension, params};

use super::accounts::{self, Account};
use crate::error::AdminError;
use crate::ids;

/// The session cookie's name.
pub const COOKIE: &str = "__Host-carnet-console";
/// A session idle this long is over.
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// No session lasts longer than a working day.
pub const LONGEST_MS: i64 = 12 * 3600 * 1000;

/// A signed-in browser: her account and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    pub csrf: String,
}

impl Session {
    /// Whether a form's token is this session's (in constant time).
    pub fn csrf_matches(&self, sent: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.csrf.as_bytes().ct_eq(sent.as_bytes()).into()
    }
}

fn token_hash(token: &str) -> [u8; 32] {
    ids::sha256(token.as_bytes())
}

/// Opens a session for `account_id`: returns the cookie's token (shown once). Her sessions
/// that have ended are deleted on the way.
pub fn open(conn: &Conn<'_>, account_id: &str, now_ms: i64) -> Result<String, AdminError> {
    conn.execute(
        "DELETE FROM console_session
         WHERE account_id = ?1 AND (seen_ms <= ?2 OR created_ms <= ?3)",
        params![account_id, now_ms - IDLE_MS, now_ms - LONGEST_MS],
    )?;
    let token = ids::hex(&ids::random_bytes(32)?);
    let csrf = ids::hex(&ids::random_bytes(32)?);
    conn.execute(
        "INSERT INTO console_session (token_hash, account_id, csrf, created_ms, seen_ms)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![token_hash(&token).as_slice(), account_id, csrf, now_ms],
    )?;
    Ok(token)
}

/// How stale a session's idle clock may be before a page view restarts it: views read, and
/// write only this often.
pub const TOUCH_MS: i64 = 60 * 1000;

/// The live session of a cookie's token, and when it was last seen (ms); `None` when there is
/// none.
pub fn find(
    conn: &Conn<'_>,
    token: &str,
    now_ms: i64,
) -> Result<Option<(Session, i64)>, AdminError> {
    let row = conn
        .query_row(
            "SELECT account_id, csrf, seen_ms FROM console_session
             WHERE token_hash = ?1 AND seen_ms > ?2 AND created_ms > ?3",
            params![
                token_hash(token).as_slice(),
                now_ms - IDLE_MS,
                now_ms - LONGEST_MS
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((account_id, csrf, seen_ms)) = row else {
        return Ok(None);
    };
    Ok(accounts::find(conn, &account_id)?.map(|account| (Session { account, csrf }, seen_ms)))
}

/// Restarts a session's idle clock.
pub fn touch(conn: &Conn<'_>, token: &str, now_ms: i64) -> Result<(), AdminError> {
    conn.execute(
        "UPDATE console_session SET seen_ms = ?2 WHERE token_hash = ?1",
        params![token_hash(token).as_slice(), now_ms],
    )?;
    Ok(())
}

/// Ends the session of a cookie's token (nothing if there is none).
pub fn close(conn: &Conn<'_>, token: &str) -> Result<(), AdminError> {
    conn.execute(
        "DELETE FROM console_session WHERE token_hash = ?1",
        [token_hash(token).as_slice()],
    )?;
    Ok(())
}

/// The `Set-Cookie` value that gives the browser `token`.
pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// The `Set-Cookie` value that takes the cookie away.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The session token of a request's `Cookie` headers, if it carries one.
pub fn token_of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn the_token_is_read_from_its_own_cookie_only() {
        let token = "ab".repeat(32);
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; {COOKIE}={token}")).unwrap(),
        );
        assert_eq!(token_of(&headers), Some(token));
        let mut other = HeaderMap::new();
        other.append(
            header::COOKIE,
            HeaderValue::from_static("carnet-console=abc; x=1"),
        );
        assert_eq!(token_of(&other), None);
        let mut malformed = HeaderMap::new();
        malformed.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("{COOKIE}=not-hex")).unwrap(),
        );
        assert_eq!(token_of(&malformed), None);
    }
}
