//! PIN guessing: each sign-in attempt is charged to its device before the PIN is checked, in
//! the same write as the decision to check it, so parallel guesses cannot outrun the count.
//!
//! - A device gets [`DEVICE_FREE_FAILURES`] failures, then waits 1 s, 2 s, 4 s … (at most
//!   [`MAX_WAIT_MS`]) after each (counted over [`DEVICE_WINDOW_MS`]); while it waits nothing
//!   is checked and nobody is charged.
//! - An identifier is locked on one device after [`DEVICE_LOCK_FAILURES`] consecutive failures
//!   there (15 min, doubling with each lockout until her next success), so that one handheld
//!   cannot lock an advisor out of the others.
//! - An identifier is locked on every device of the store after [`STORE_LOCK_FAILURES`]
//!   failures within a day on at least [`STORE_LOCK_DEVICES`] devices, until a manager unlocks
//!   her.
//!
//! Everything is counted per (store, identifier) whether or not an advisor has the identifier:
//! an unknown one is answered exactly like a known one with a wrong PIN, lockouts included.

use crate::sql::{Conn, OptionalExtension, params};

use crate::error::Result;

/// Failures a device may make before it must wait between attempts.
pub const DEVICE_FREE_FAILURES: u32 = 3;
/// How long a device's failures count towards its wait.
pub const DEVICE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The longest wait of a device, and the first lockout of an identifier on a device.
pub const MAX_WAIT_MS: i64 = 15 * 60 * 1000;
/// Consecutive failures of an identifier on one device that lock it there.
pub const DEVICE_LOCK_FAILURES: u32 = 5;
/// The longest lockout of an identifier on one device.
pub const MAX_DEVICE_LOCK_MS: i64 = 24 * 3600 * 1000;
/// Failures of an identifier in a store, within [`STORE_WINDOW_MS`], that lock it everywhere.
pub const STORE_LOCK_FAILURES: u32 = 15;
/// Devices those failures must come from: one handheld alone never locks a store-wide.
pub const STORE_LOCK_DEVICES: u32 = 2;
/// How long failures count towards a store-wide lockout; also how long attempts are kept.
pub const STORE_WINDOW_MS: i64 = 24 * 3600 * 1000;
/// What `Retry-After` says for a lockout only a manager ends.
pub const UNTIL_UNLOCKED_SECS: i64 = 15 * 60;

/// What an attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Check the PIN; the attempt (charged as a failure until [`finish`] says otherwise).
    Check(i64),
    /// The device must wait this many seconds before its next attempt.
    DeviceWaits(i64),
    /// The identifier is locked out on this device or in the store, for this many seconds (a
    /// hint, for a lockout only a manager ends).
    LockedOut(i64),
}

fn secs_until(at_ms: i64, now_ms: i64) -> i64 {
    (at_ms - now_ms + 999).div_euclid(1000).max(1)
}

/// The wait a device has earned with `failures` recent failures (0: none).
fn device_wait_ms(failures: u32) -> i64 {
    match failures.checked_sub(DEVICE_FREE_FAILURES) {
        None => 0,
        Some(extra) => 1000i64
            .checked_shl(extra)
            .filter(|w| *w > 0)
            .map_or(MAX_WAIT_MS, |w| w.min(MAX_WAIT_MS)),
    }
}

/// Decides on an attempt by `device_id` for `advisor_id` of `store_id` and, if it may go on,
/// charges it (one write).
pub fn begin(
    conn: &Conn<'_>,
    device_id: &str,
    store_id: &str,
    advisor_id: &str,
    now_ms: i64,
) -> Result<Decision> {
    prune(conn, now_ms)?;
    let (failures, last): (u32, Option<i64>) = conn.query_row(
        "SELECT count(*), max(at_ms) FROM sign_in_attempt
             WHERE device_id = ?1 AND at_ms > ?2 AND (ok IS NULL OR ok = 0)",
        params![device_id, now_ms - DEVICE_WINDOW_MS],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let free_at = last.unwrap_or(now_ms) + device_wait_ms(failures);
    if now_ms < free_at {
        return Ok(Decision::DeviceWaits(secs_until(free_at, now_ms)));
    }
    let store_locked: Option<Option<i64>> = conn
        .query_row(
            "SELECT locked_at_ms FROM sign_in_store_lock WHERE store_id = ?1 AND advisor_id = ?2",
            [store_id, advisor_id],
            |r| r.get(0),
        )
        .optional()?;
    if store_locked.flatten().is_some() {
        return Ok(Decision::LockedOut(UNTIL_UNLOCKED_SECS));
    }
    let device_lock: Option<(u32, u32, Option<i64>)> = conn
        .query_row(
            "SELECT failures, locks, locked_until_ms FROM sign_in_device_lock
             WHERE store_id = ?1 AND advisor_id = ?2 AND device_id = ?3",
            [store_id, advisor_id, device_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (failures, locks, locked_until) = device_lock.unwrap_or((0, 0, None));
    if let Some(until) = locked_until.filter(|u| *u > now_ms) {
        return Ok(Decision::LockedOut(secs_until(until, now_ms)));
    }
    // Charged: a failure until the check says otherwise.
    let attempt: i64 = conn.query_row(
        "INSERT INTO sign_in_attempt (device_id, store_id, advisor_id, at_ms)
         VALUES (?1, ?2, ?3, ?4) RETURNING id",
        params![device_id, store_id, advisor_id, now_ms],
        |r| r.get(0),
    )?;
    let (failures, locks, locked_until) = if failures + 1 >= DEVICE_LOCK_FAILURES {
        let lock_ms = MAX_WAIT_MS
            .checked_shl(locks)
            .filter(|l| *l > 0)
            .map_or(MAX_DEVICE_LOCK_MS, |l| l.min(MAX_DEVICE_LOCK_MS));
        (0, locks + 1, Some(now_ms + lock_ms))
    } else {
        (failures + 1, locks, None)
    };
    conn.execute(
        "INSERT INTO sign_in_device_lock
           (store_id, advisor_id, device_id, failures, locks, locked_until_ms, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (store_id, advisor_id, device_id) DO UPDATE SET failures = excluded.failures,
           locks = excluded.locks, locked_until_ms = excluded.locked_until_ms,
           updated_ms = excluded.updated_ms",
        params![
            store_id,
            advisor_id,
            device_id,
            failures,
            locks,
            locked_until,
            now_ms
        ],
    )?;
    Ok(Decision::Check(attempt))
}

/// Records the outcome of a checked attempt (one write). A success clears the identifier's
/// failures and lockouts on that device; a failure may lock it in the whole store.
pub fn finish(conn: &Conn<'_>, attempt: i64, ok: bool, now_ms: i64) -> Result<()> {
    conn.execute(
        "UPDATE sign_in_attempt SET ok = ?2 WHERE id = ?1",
        params![attempt, ok],
    )?;
    let (device_id, store_id, advisor_id): (String, String, String) = conn.query_row(
        "SELECT device_id, store_id, advisor_id FROM sign_in_attempt WHERE id = ?1",
        [attempt],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if ok {
        conn.execute(
            "DELETE FROM sign_in_device_lock
             WHERE store_id = ?1 AND advisor_id = ?2 AND device_id = ?3",
            [&store_id, &advisor_id, &device_id],
        )?;
        return Ok(());
    }
    let (failures, devices) = store_failures(conn, &store_id, &advisor_id, now_ms)?;
    if failures >= STORE_LOCK_FAILURES && devices >= STORE_LOCK_DEVICES {
        conn.execute(
            "INSERT INTO sign_in_store_lock (store_id, advisor_id, counted_from_ms, locked_at_ms)
             VALUES (?1, ?2, 0, ?3)
             ON CONFLICT (store_id, advisor_id) DO UPDATE
               SET locked_at_ms = coalesce(sign_in_store_lock.locked_at_ms, excluded.locked_at_ms)",
            params![store_id, advisor_id, now_ms],
        )?;
    }
    Ok(())
}

/// Failures of an identifier in a store since it was last unlocked, within the store window,
/// and on how many devices.
fn store_failures(
    conn: &Conn<'_>,
    store_id: &str,
    advisor_id: &str,
    now_ms: i64,
) -> Result<(u32, u32)> {
    let counted_from: i64 = conn
        .query_row("SELECT counted_from_ms FROM sign_in_store_lock WHERE store_id = ?1 AND advisor_id = ?2", [store_id, advisor_id], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let from = counted_from.max(now_ms - STORE_WINDOW_MS);
    Ok(conn.query_row(
        "SELECT count(*), count(DISTINCT device_id) FROM sign_in_attempt
             WHERE store_id = ?1 AND advisor_id = ?2 AND at_ms >= ?3 AND ok = 0",
        params![store_id, advisor_id, from],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// A manager unlocks an identifier: every lockout ends, on every device, and failures count
/// afresh from now.
pub fn unlock(conn: &Conn<'_>, store_id: &str, advisor_id: &str, now_ms: i64) -> Result<()> {
    conn.execute(
        "DELETE FROM sign_in_device_lock WHERE store_id = ?1 AND advisor_id = ?2",
        [store_id, advisor_id],
    )?;
    conn.execute(
        "INSERT INTO sign_in_store_lock (store_id, advisor_id, counted_from_ms, locked_at_ms)
         VALUES (?1, ?2, ?3, NULL)
         ON CONFLICT (store_id, advisor_id) DO UPDATE
           SET counted_from_ms = excluded.counted_from_ms, locked_at_ms = NULL",
        params![store_id, advisor_id, now_ms],
    )?;
    Ok(())
}

/// An identifier's lockout state, as a manager sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// Failures counted towards a store-wide lockout.
    pub failures: u32,
    /// Locked out on every device until unlocked.
    pub locked: bool,
    /// Devices on which it is locked out now.
    pub locked_on_devices: Vec<String>,
}

/// The lockout state of an identifier.
pub fn state(conn: &Conn<'_>, store_id: &str, advisor_id: &str, now_ms: i64) -> Result<State> {
    let (failures, _) = store_failures(conn, store_id, advisor_id, now_ms)?;
    let locked = conn.exists(
        "SELECT 1 FROM sign_in_store_lock
             WHERE store_id = ?1 AND advisor_id = ?2 AND locked_at_ms IS NOT NULL",
        [store_id, advisor_id],
    )?;
    let locked_on_devices = conn.query_map(
        "SELECT device_id FROM sign_in_device_lock
             WHERE store_id = ?1 AND advisor_id = ?2 AND locked_until_ms > ?3 ORDER BY device_id",
        params![store_id, advisor_id, now_ms],
        |r| r.get(0),
    )?;
    Ok(State {
        failures,
        locked,
        locked_on_devices,
    })
}

/// Forgets attempts older than the store window, and device lockouts over for as long.
fn prune(conn: &Conn<'_>, now_ms: i64) -> Result<()> {
    let before = now_ms - STORE_WINDOW_MS;
    conn.execute("DELETE FROM sign_in_attempt WHERE at_ms < ?1", [before])?;
    conn.execute(
        "DELETE FROM sign_in_device_lock
         WHERE updated_ms < ?1 AND (locked_until_ms IS NULL OR locked_until_ms < ?1)",
        [before],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn db() -> (tempfile::TempDir, crate::db::DirectConn) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        (dir, db)
    }

    /// An attempt that fails its check, or what was decided instead.
    fn fail(conn: &Conn<'_>, device: &str, advisor: &str, now: i64) -> Decision {
        let d = begin(conn, device, "S001", advisor, now).unwrap();
        if let Decision::Check(a) = d {
            finish(conn, a, false, now).unwrap();
        }
        d
    }

    #[test]
    fn a_device_waits_longer_after_each_failure_and_nothing_is_charged_meanwhile() {
        let (_d, db) = db();
        let conn = db.conn();
        let t = 1_000_000_000;
        for i in 0..3 {
            assert!(matches!(
                fail(&conn, "d", &format!("A{i}"), t),
                Decision::Check(_)
            ));
        }
        assert_eq!(fail(&conn, "d", "A9", t), Decision::DeviceWaits(1));
        assert_eq!(fail(&conn, "d", "A9", t + 999), Decision::DeviceWaits(1));
        assert!(matches!(
            fail(&conn, "d", "A9", t + 1000),
            Decision::Check(_)
        ));
        assert_eq!(fail(&conn, "d", "A9", t + 1000), Decision::DeviceWaits(2));
        let charged: i64 = conn
            .query_row("SELECT count(*) FROM sign_in_attempt", (), |r| r.get(0))
            .unwrap();
        assert_eq!(charged, 4);
        // Another device is not held back.
        assert!(matches!(
            fail(&conn, "e", "A0", t + 1000),
            Decision::Check(_)
        ));
        // Failures older than the window no longer count.
        assert!(matches!(
            begin(&conn, "d", "S001", "A9", t + 1000 + DEVICE_WINDOW_MS).unwrap(),
            Decision::Check(_)
        ));
        assert_eq!(device_wait_ms(200), MAX_WAIT_MS);
    }

    #[test]
    fn an_identifier_locks_on_one_device_then_in_the_store_and_a_manager_unlocks_it() {
        let (_d, db) = db();
        let conn = db.conn();
        let now = std::cell::Cell::new(1_000_000_000);
        // An attempt a minute after the last one, waiting as told if the device must.
        let step = |conn: &Conn<'_>, device: &str, advisor: &str| loop {
            now.set(now.get() + 60_000);
            match fail(conn, device, advisor, now.get()) {
                Decision::DeviceWaits(_) => continue,
                other => return other,
            }
        };
        // Five failures on device d: locked there only.
        for _ in 0..DEVICE_LOCK_FAILURES {
            assert!(matches!(step(&conn, "d", "A1"), Decision::Check(_)));
        }
        assert!(matches!(step(&conn, "d", "A1"), Decision::LockedOut(s) if s > 60));
        assert!(matches!(step(&conn, "e", "A1"), Decision::Check(_)));
        let s = state(&conn, "S001", "A1", now.get()).unwrap();
        assert_eq!(
            (s.failures, s.locked, s.locked_on_devices),
            (6, false, vec!["d".to_owned()])
        );
        // A success on e clears e's count, not the store's.
        let Decision::Check(a) = begin(&conn, "e", "S001", "A1", now.get() + 60_000).unwrap()
        else {
            panic!()
        };
        finish(&conn, a, true, now.get() + 60_000).unwrap();
        // Failures on more devices reach the store-wide lockout: then every device is refused.
        'devices: for device in ["e", "f", "g"] {
            for _ in 0..DEVICE_LOCK_FAILURES {
                if !matches!(step(&conn, device, "A1"), Decision::Check(_)) {
                    continue 'devices;
                }
            }
        }
        assert!(state(&conn, "S001", "A1", now.get()).unwrap().locked);
        assert_eq!(
            step(&conn, "h", "A1"),
            Decision::LockedOut(UNTIL_UNLOCKED_SECS)
        );
        // Another identifier, and another store's same identifier, are not locked.
        assert!(matches!(step(&conn, "h", "A2"), Decision::Check(_)));
        assert!(matches!(
            begin(&conn, "h2", "S002", "A1", now.get()).unwrap(),
            Decision::Check(_)
        ));
        unlock(&conn, "S001", "A1", now.get()).unwrap();
        assert_eq!(
            state(&conn, "S001", "A1", now.get()).unwrap(),
            State::default()
        );
        assert!(matches!(step(&conn, "d", "A1"), Decision::Check(_)));
    }

    #[test]
    fn one_device_alone_never_locks_an_identifier_in_the_store() {
        let (_d, db) = db();
        let conn = db.conn();
        let mut t = 1_000_000_000;
        // Locked on d again and again (a success in between each time): never store-wide.
        for _ in 0..5 {
            for _ in 0..DEVICE_LOCK_FAILURES {
                t += 3_600_000;
                assert!(matches!(fail(&conn, "d", "A1", t), Decision::Check(_)));
            }
            t += 2 * 3_600_000;
            let Decision::Check(a) = begin(&conn, "d", "S001", "A1", t).unwrap() else {
                panic!("still locked on d")
            };
            finish(&conn, a, true, t).unwrap();
        }
        assert!(!state(&conn, "S001", "A1", t).unwrap().locked);
    }
}
