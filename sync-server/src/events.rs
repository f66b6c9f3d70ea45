//! The security journal: every refusal (401, 403, a replayed write, a lockout) and every
//! administrative action, from the manager's API or the command line — who, what, when and
//! from where. It names devices, managers, advisors, stores and network ranges; never a
//! customer, a PIN, a token or a request body.
//!
//! Refusals come from anyone, so they are rationed per source address ([`Ration`]): an
//! attacker cannot fill the disk or the writer with them; what is held back is counted and
//! written as one event when the address's minute is over.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sql::{Conn, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids;

/// Who did or asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An enrolled device, by a lease this server signed.
    Device(String),
    /// A store manager, by her token.
    Manager(String),
    /// The command line, with the account that ran it.
    Operator(String),
    /// Nobody this server knows.
    Unknown,
}

impl Actor {
    /// The account running this command-line process.
    pub fn operator() -> Self {
        let account = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".to_owned());
        Actor::Operator(account)
    }

    fn kind_and_id(&self) -> (&'static str, Option<&str>) {
        match self {
            Actor::Device(id) => ("device", Some(id)),
            Actor::Manager(id) => ("manager", Some(id)),
            Actor::Operator(account) => ("operator", Some(account)),
            Actor::Unknown => ("unknown", None),
        }
    }
}

/// What came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Refused with this HTTP status and error code.
    Refused {
        status: u16,
        code: String,
    },
}

/// One entry of the journal, as written.
#[derive(Debug, Clone)]
pub struct Event {
    pub store_id: Option<String>,
    pub actor: Actor,
    /// `POST /v1/admin/advisors/{id}/reset`, `cli advisor reset`.
    pub action: String,
    pub outcome: Outcome,
    /// An advisor, device or store id, a network range.
    pub target: Option<String>,
    pub source: Option<IpAddr>,
}

/// One entry of the journal, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: String,
    pub store_id: Option<String>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub target: Option<String>,
    pub source: Option<String>,
}

/// Writes `event` (in the caller's transaction, if any).
pub fn record(conn: &Conn<'_>, event: &Event) -> Result<()> {
    let (kind, id) = event.actor.kind_and_id();
    let (outcome, status, code) = match &event.outcome {
        Outcome::Done => ("done", None, None),
        Outcome::Refused { status, code } => ("refused", Some(*status), Some(code.as_str())),
    };
    conn.execute(
        "INSERT INTO security_event
           (at, store_id, actor_kind, actor_id, action, outcome, status, code, target, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            ids::now(),
            event.store_id,
            kind,
            id,
            event.action,
            outcome,
            status,
            code,
            event.target,
            event.source.map(|a| a.to_string()),
        ],
    )?;
    Ok(())
}

/// Records an action of the command line's operator on `store` (if it concerns one).
pub fn operator_did(
    conn: &Conn<'_>,
    action: &str,
    store: Option<&str>,
    target: Option<&str>,
) -> Result<()> {
    record(
        conn,
        &Event {
            store_id: store.map(str::to_owned),
            actor: Actor::operator(),
            action: format!("cli {action}"),
            outcome: Outcome::Done,
            target: target.map(str::to_owned),
            source: None,
        },
    )
}

/// The latest `limit` entries, newest first: of one store (what its manager sees: its own
/// events, none of the server's or another store's), or all of them.
pub fn latest(conn: &Conn<'_>, store: Option<&str>, limit: u32) -> Result<Vec<Entry>> {
    let rows = conn.query_map(
        "SELECT at, store_id, actor_kind, actor_id, action, outcome, status, code, target, source
         FROM security_event WHERE CAST(?1 AS TEXT) IS NULL OR store_id = ?1 ORDER BY id DESC LIMIT ?2",
        params![store, limit],
        |r| {
            Ok(Entry {
                at: r.get(0)?,
                store_id: r.get(1)?,
                actor_kind: r.get(2)?,
                actor_id: r.get(3)?,
                action: r.get(4)?,
                outcome: r.get(5)?,
                status: r.get(6)?,
                code: r.get(7)?,
                target: r.get(8)?,
                source: r.get(9)?,
            })
        },
    )?;
    Ok(rows)
}

/// Refusal events written per source address and minute; the rest are counted.
pub const REFUSALS_PER_MINUTE: u32 = 30;
/// Addresses remembered at once; past it the oldest minutes are forgotten.
const ADDRESSES: usize = 10_000;
const WINDOW: Duration = Duration::from_secs(60);

/// How many refusals of each source address may still be written this minute.
#[derive(Debug, Default)]
pub struct Ration {
    windows: Mutex<HashMap<Option<IpAddr>, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    written: u32,
    held_back: u32,
}

/// What the ration allows for one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Write this refusal.
    pub write: bool,
    /// Refusals of this address held back in its last minute, to write as one event first.
    pub held_back: u32,
}

impl Ration {
    /// Takes one refusal of `source` at `now`.
    pub fn take(&self, source: Option<IpAddr>, now: Instant) -> Allowance {
        let Ok(mut windows) = self.windows.lock() else {
            return Allowance {
                write: false,
                held_back: 0,
            };
        };
        if windows.len() >= ADDRESSES && !windows.contains_key(&source) {
            windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
            if windows.len() >= ADDRESSES {
                windows.clear();
            }
        }
        let fresh = Window {
            started: now,
            written: 0,
            held_back: 0,
        };
        let window = windows.entry(source).or_insert(fresh);
        let mut held_back = 0;
        if now.duration_since(window.started) >= WINDOW {
            held_back = window.held_back;
            *window = fresh;
        }
        if window.written < REFUSALS_PER_MINUTE {
            window.written += 1;
            Allowance {
                write: true,
                held_back,
            }
        } else {
            window.held_back += 1;
            Allowance {
                write: false,
                held_back,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn events_are_written_and_read_per_store() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        let refused = Event {
            store_id: Some("S001".into()),
            actor: Actor::Device("d-1".into()),
            action: "POST /v1/sign-in".into(),
            outcome: Outcome::Refused {
                status: 429,
                code: "locked_out".into(),
            },
            target: Some("A042".into()),
            source: Some("192.168.10.7".parse().unwrap()),
        };
        record(&conn, &refused).unwrap();
        operator_did(&conn, "advisor reset", Some("S002"), Some("C1")).unwrap();
        let s1 = latest(&conn, Some("S001"), 10).unwrap();
        assert_eq!(s1.len(), 1);
        assert_eq!(s1[0].actor_kind, "device");
        assert_eq!(s1[0].status, Some(429));
        assert_eq!(s1[0].code.as_deref(), Some("locked_out"));
        assert_eq!(s1[0].source.as_deref(), Some("192.168.10.7"));
        let all = latest(&conn, None, 10).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].action, "cli advisor reset", "newest first");
        assert_eq!(all[0].actor_kind, "operator");
        assert_eq!(all[0].outcome, "done");
        assert_eq!(latest(&conn, Some("S009"), 10).unwrap(), vec![]);
    }

    #[test]
    fn refusals_are_rationed_per_address_and_the_rest_counted() {
        let ration = Ration::default();
        let t0 = Instant::now();
        let a: Option<IpAddr> = Some("10.0.0.1".parse().unwrap());
        let b: Option<IpAddr> = Some("10.0.0.2".parse().unwrap());
        for _ in 0..REFUSALS_PER_MINUTE {
            assert!(ration.take(a, t0).write);
        }
        for _ in 0..7 {
            assert!(!ration.take(a, t0).write);
        }
        // Another address has its own minute.
        assert!(ration.take(b, t0).write);
        // The next minute: written again, with what was held back to say first.
        let next = ration.take(a, t0 + WINDOW);
        assert_eq!(
            next,
            Allowance {
                write: true,
                held_back: 7
            }
        );
        assert_eq!(ration.take(a, t0 + WINDOW).held_back, 0);
    }
}
