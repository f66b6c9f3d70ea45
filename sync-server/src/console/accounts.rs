//! The console's manager accounts: a password (Argon2id with the server's pepper, as a PIN is
//! hashed) and an optional TOTP code from an authenticator app, scoped to one store or, for
//! head office, to every store.
//!
//! Guessing is charged before it is checked: each attempt counts as a failure in the same
//! write that lets it go on ([`begin`]), and only a success clears the count ([`finish`]), so
//! parallel guesses cannot outrun it. After [`LOCK_FAILURES`] failures in a row the account is
//! locked for [`LOCK_MS`]; every failure is also answered slowly (see `routes`).

use crate::sql::{Conn, OptionalExtension, params};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::AdminError;
use crate::{ids, sealed, stores};

/// Consecutive failures that lock an account.
pub const LOCK_FAILURES: i64 = 5;
/// How long a lockout lasts.
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// The shortest and longest password.
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 12..=128;
/// A TOTP code's time step (RFC 6238's default, what every authenticator app uses).
const TOTP_STEP_SECS: u64 = 30;

/// The language of an account's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    French,
}

impl Language {
    /// The language of a code (`en`, `fr`).
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "en" => Some(Language::English),
            "fr" => Some(Language::French),
            _ => None,
        }
    }

    /// The locale its readers format money and dates in.
    pub fn locale(self) -> &'static str {
        match self {
            Language::English => "en-GB",
            Language::French => "fr-FR",
        }
    }

    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
        }
    }
}

/// A manager account, as a signed-in page sees it.
#[derive(Debug, Clone)]
pub struct Account {
    /// What she signs in with.
    pub id: String,
    /// Her name.
    pub name: String,
    /// Her store; `None`: head office, every store.
    pub store_id: Option<String>,
    /// The language of her pages.
    pub language: Language,
}

impl Account {
    /// Whether she may see and act on `store_id`.
    pub fn may_manage(&self, store_id: &str) -> bool {
        self.store_id.as_deref().is_none_or(|own| own == store_id)
    }
}

/// Checks a password: 12 to 128 characters.
pub fn check_password(password: &str) -> Result<(), AdminError> {
    if PASSWORD_CHARS.contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(AdminError::Invalid(
            "a console password is 12 to 128 characters".into(),
        ))
    }
}

/// What a new account is.
pub struct NewAccount<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub store_id: Option<&'a str>,
    /// Its password's hash ([`crate::advisors::hash_pin`]).
    pub password_hash: &'a str,
    pub with_totp: bool,
    pub language: Language,
}

/// Adds an account; when it signs in with TOTP, returns the `otpauth://` address to give to
/// her authenticator app (shown once: the secret is kept only for checking codes).
pub fn add(conn: &Conn<'_>, new: &NewAccount<'_>) -> Result<Option<String>, AdminError> {
    stores::check_id("an account id", new.id)?;
    if let Some(store) = new.store_id {
        stores::require(conn, store)?;
    }
    let secret = match new.with_totp {
        true => Some(Secret::Raw(ids::random_bytes(20)?).to_encoded().to_string()),
        false => None,
    };
    let stored_secret = secret
        .as_deref()
        .map(|s| sealed::to_stored(conn, s))
        .transpose()?;
    let inserted = conn.execute(
        "INSERT INTO console_account
           (id, name, store_id, password_hash, totp_secret, language, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            new.id,
            new.name,
            new.store_id,
            new.password_hash,
            stored_secret,
            new.language.code(),
            ids::now()
        ],
    );
    match inserted {
        Err(e) if e.is_unique_violation() => {
            return Err(AdminError::Conflict(format!(
                "the account {} exists already",
                new.id
            )));
        }
        other => other?,
    };
    Ok(secret.map(|s| {
        format!(
            "otpauth://totp/Carnet:{}?secret={s}&issuer=Carnet&algorithm=SHA1&digits=6&period={TOTP_STEP_SECS}",
            new.id
        )
    }))
}

/// The account `id`, if it exists.
pub fn find(conn: &Conn<'_>, id: &str) -> Result<Option<Account>, AdminError> {
    let row = conn
        .query_row(
            "SELECT id, name, store_id, language FROM console_account WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?;
    Ok(row.map(|(id, name, store_id, language)| Account {
        id,
        name,
        store_id,
        language: Language::parse(&language).unwrap_or(Language::English),
    }))
}

/// Sets the language of her pages.
pub fn set_language(conn: &Conn<'_>, id: &str, language: Language) -> Result<(), AdminError> {
    conn.execute(
        "UPDATE console_account SET language = ?2 WHERE id = ?1",
        params![id, language.code()],
    )?;
    Ok(())
}

/// What a sign-in attempt may do.
pub enum Attempt {
    /// Check these credentials (the attempt is charged as a failure until [`finish`]).
    Check(Stored),
    /// The account is locked for this many more seconds.
    Locked(i64),
    /// No such account: check against a dummy hash and refuse, so the answer looks the same.
    Unknown,
}

/// An account's stored credentials.
pub struct Stored {
    pub password_hash: String,
    /// Its TOTP secret (base32), if it signs in with one.
    pub totp_secret: Option<String>,
    last_totp_step: i64,
}

/// Decides on an attempt to sign in as `id` and, if it may go on, charges it.
pub fn begin(conn: &Conn<'_>, id: &str, now_ms: i64) -> Result<Attempt, AdminError> {
    let row = conn
        .query_row(
            "SELECT password_hash, totp_secret, last_totp_step, failures, locked_until_ms
             FROM console_account WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((password_hash, secret, last_totp_step, failures, locked_until_ms)) = row else {
        return Ok(Attempt::Unknown);
    };
    if locked_until_ms > now_ms {
        return Ok(Attempt::Locked((locked_until_ms - now_ms + 999) / 1000));
    }
    let failures = failures + 1;
    let locked_until = match failures >= LOCK_FAILURES {
        true => now_ms + LOCK_MS,
        false => 0,
    };
    // The attempt that reaches the limit is still checked; the lock starts after it unless
    // it succeeds (`finish` clears it).
    conn.execute(
        "UPDATE console_account SET failures = ?2, locked_until_ms = ?3 WHERE id = ?1",
        params![
            id,
            if locked_until > 0 { 0 } else { failures },
            locked_until
        ],
    )?;
    let totp_secret = secret.map(|s| sealed::from_stored(conn, s)).transpose()?;
    Ok(Attempt::Check(Stored {
        password_hash,
        totp_secret,
        last_totp_step,
    }))
}

/// The time step of a code that is good now for `stored`, if `code` is one and has not been
/// used: the step before and after count too (a clock a little off).
pub fn totp_step(stored: &Stored, code: &str, now_secs: u64) -> Option<i64> {
    let secret = stored.totp_secret.as_deref()?;
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    let totp = TOTP::new(Algorithm::SHA1, 6, 0, TOTP_STEP_SECS, bytes).ok()?;
    let step = i64::try_from(now_secs / TOTP_STEP_SECS).ok()?;
    let code = code.trim();
    (step - 1..=step + 1)
        .filter(|s| *s > stored.last_totp_step)
        .find(|s| {
            let expected = totp.generate(u64::try_from(*s).unwrap_or(0) * TOTP_STEP_SECS);
            bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
        })
}

/// Ends a checked attempt: a success clears the failures and any lock, remembers the TOTP
/// step used and when she signed in; a failure stays charged.
pub fn finish(
    conn: &Conn<'_>,
    id: &str,
    ok: bool,
    totp_step: Option<i64>,
) -> Result<(), AdminError> {
    if ok {
        conn.execute(
            "UPDATE console_account
             SET failures = 0, locked_until_ms = 0, last_sign_in_at = ?2,
                 last_totp_step = CASE WHEN ?3 > last_totp_step THEN ?3 ELSE last_totp_step END
             WHERE id = ?1",
            params![id, ids::now(), totp_step.unwrap_or(0)],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn stored(secret: &str, last_totp_step: i64) -> Stored {
        Stored {
            password_hash: String::new(),
            totp_secret: Some(secret.to_owned()),
            last_totp_step,
        }
    }

    /// RFC 6238's SHA-1 test vector: the secret "12345678901234567890" at 59 s gives 94287082
    /// in 8 digits, so 287082 in 6.
    #[test]
    fn totp_codes_follow_rfc_6238_and_are_good_once() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(totp_step(&stored(&secret, 0), "287082", 59), Some(1));
        assert_eq!(totp_step(&stored(&secret, 0), " 287082 ", 59), Some(1));
        // Used already.
        assert_eq!(totp_step(&stored(&secret, 1), "287082", 59), None);
        // A step late still counts; two do not.
        assert_eq!(totp_step(&stored(&secret, 0), "287082", 89), Some(1));
        assert_eq!(totp_step(&stored(&secret, 0), "287082", 120), None);
        assert_eq!(totp_step(&stored(&secret, 0), "000000", 59), None);
    }

    #[test]
    fn passwords_are_12_to_128_characters_and_a_head_office_manages_every_store() {
        assert!(check_password("short").is_err());
        assert!(check_password("twelve chars").is_ok());
        assert!(check_password(&"é".repeat(128)).is_ok());
        assert!(check_password(&"a".repeat(129)).is_err());
        let mut account = Account {
            id: "claire".into(),
            name: "Claire".into(),
            store_id: Some("S001".into()),
            language: Language::French,
        };
        assert!(account.may_manage("S001"));
        assert!(!account.may_manage("S002"));
        account.store_id = None;
        assert!(account.may_manage("S002"));
    }
}
