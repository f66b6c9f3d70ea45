//! Advisors' short notes on a customer ("prefers a call after 6 pm"): seen by the store's
//! advisors with author and date, written and edited offline, synced like other edits. A note
//! is personal data; before saving, the app asks [`special_words`] whether it looks like
//! special-category data, which needs the customer's explicit consent.

mod special;

use carnet_protocol::{MAX_NOTE_CHARS, NoteRecord};
use rusqlite::{Connection, params};

use crate::error::{Error, Result};
use crate::store::Cache;

pub use special::{SpecialCategory, SpecialWord, special_words};

/// Prefix of note ids.
const NOTE_ID_PREFIX: &str = "M";

/// A note as the card shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Its id.
    pub id: String,
    /// The text.
    pub text: String,
    /// Who wrote it last.
    pub advisor_id: Option<String>,
    /// Her name, when the store's records list her.
    pub advisor_name: Option<String>,
    /// When it was written last (RFC 3339).
    pub written_at: String,
}

/// Why a note cannot be saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteProblem {
    /// Nothing but spaces.
    #[error("a note cannot be empty")]
    Empty,
    /// Longer than [`MAX_NOTE_CHARS`].
    #[error("a note is at most 500 characters")]
    TooLong,
}

impl From<NoteProblem> for Error {
    fn from(p: NoteProblem) -> Self {
        Error::InvalidInput(p.to_string())
    }
}

/// The text as it is kept (trimmed), or why it cannot be: the device and the server both ask.
pub fn check_text(text: &str) -> Result<String, NoteProblem> {
    let text = text.trim();
    if text.is_empty() {
        Err(NoteProblem::Empty)
    } else if text.chars().count() > MAX_NOTE_CHARS {
        Err(NoteProblem::TooLong)
    } else {
        Ok(text.to_owned())
    }
}

/// An id for a new note.
pub fn new_note_id() -> Result<String> {
    crate::registration::random_id(NOTE_ID_PREFIX)
}

/// Her notes, the latest first.
pub fn of(cache: &Cache, customer_id: &str) -> Result<Vec<Note>> {
    cache.read(|c| {
        let notes = c
            .prepare_cached(
                "SELECT n.id, n.text, n.advisor_id, a.first_name || ' ' || a.last_name, n.written_at
                   FROM note n LEFT JOIN advisor a ON a.id = n.advisor_id
                  WHERE n.customer_id = ?1
                  ORDER BY n.written_at DESC, n.id",
            )?
            .query_map([customer_id], |r| {
                Ok(Note {
                    id: r.get(0)?,
                    text: r.get(1)?,
                    advisor_id: r.get(2)?,
                    advisor_name: r.get(3)?,
                    written_at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(notes)
    })
}

/// Writes a note, or deletes it (`text` `None`). A note already kept for another customer
/// under this id is refused.
pub(crate) fn write(
    c: &Connection,
    note_id: &str,
    customer_id: &str,
    text: Option<&str>,
    advisor_id: Option<&str>,
    written_at: &str,
) -> Result<()> {
    let Some(text) = text else {
        c.prepare_cached("DELETE FROM note WHERE id = ?1 AND customer_id = ?2")?
            .execute([note_id, customer_id])?;
        return Ok(());
    };
    let changed = c
        .prepare_cached(
            "INSERT INTO note (id, customer_id, text, advisor_id, written_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET text = ?3, advisor_id = ?4, written_at = ?5
             WHERE note.customer_id = ?2",
        )?
        .execute(params![note_id, customer_id, text, advisor_id, written_at])?;
    if changed == 0 {
        return Err(Error::InvalidInput(
            "this note is about another customer".into(),
        ));
    }
    Ok(())
}

/// Applies a note of the store's feed.
pub(crate) fn apply_record(c: &Connection, r: &NoteRecord) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO note (id, customer_id, text, advisor_id, written_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET customer_id = ?2, text = ?3, advisor_id = ?4,
             written_at = ?5",
    )?
    .execute(params![
        r.id,
        r.customer_id,
        r.text,
        r.advisor_id,
        r.written_at
    ])?;
    Ok(())
}
