//! What advisors do with tasks: the checks an action must pass (the device and the server
//! apply the same ones), and its row in `task_state`, written when the advisor acts and again
//! when the store's feed brings the record back (or another advisor's).

use carnet_protocol::{MAX_TASK_ID_CHARS, MAX_TASK_REASON_CHARS, TaskAction, TaskStateRecord};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::time;

/// Why an action on a task is refused before anything is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ActionProblem {
    /// The id is empty, too long, or does not name the customer.
    #[error("the task id does not name this customer")]
    TaskId,
    /// A snooze date that is not `YYYY-MM-DD`.
    #[error("a task is snoozed until a day (YYYY-MM-DD)")]
    SnoozeDay,
    /// A dismissal without a reason, or with a reason too long.
    #[error("a dismissed task needs a reason of at most 200 characters")]
    DismissReason,
}

/// The customer a task id names (`kind:customer_id:anchor`).
pub fn customer_of(task_id: &str) -> Option<&str> {
    task_id.split(':').nth(1)
}

/// Checks an action on task `task_id` about `customer_id`.
pub fn check_action(
    task_id: &str,
    customer_id: &str,
    action: &TaskAction,
) -> Result<(), ActionProblem> {
    let names_her = customer_of(task_id) == Some(customer_id);
    if task_id.chars().count() > MAX_TASK_ID_CHARS || !names_her {
        return Err(ActionProblem::TaskId);
    }
    match action {
        TaskAction::Snooze { until } if time::parse_day(until).is_none() => {
            Err(ActionProblem::SnoozeDay)
        }
        TaskAction::Dismiss { reason }
            if reason.trim().is_empty() || reason.chars().count() > MAX_TASK_REASON_CHARS =>
        {
            Err(ActionProblem::DismissReason)
        }
        _ => Ok(()),
    }
}

/// The advisor who took or did the task, when it is not `advisor_id`: a group task stays
/// with the first advisor who took it.
pub fn taken_by_another(
    c: &Connection,
    task_id: &str,
    advisor_id: Option<&str>,
) -> Result<Option<String>> {
    let holder: Option<Option<String>> = c
        .prepare_cached(
            "SELECT advisor_id FROM task_state
              WHERE task_id = ?1 AND state IN ('taken', 'done')",
        )?
        .query_row([task_id], |r| r.get(0))
        .optional()?;
    Ok(holder.flatten().filter(|h| Some(h.as_str()) != advisor_id))
}

/// Writes what was last done with a task.
pub(crate) fn write(
    c: &Connection,
    task_id: &str,
    customer_id: &str,
    action: &TaskAction,
    advisor_id: Option<&str>,
    at: &str,
) -> Result<()> {
    let (state, until, reason) = match action {
        TaskAction::Take => ("taken", None, None),
        TaskAction::Done => ("done", None, None),
        TaskAction::Snooze { until } => ("snoozed", Some(until.as_str()), None),
        TaskAction::Dismiss { reason } => ("dismissed", None, Some(reason.as_str())),
    };
    c.prepare_cached(
        "INSERT INTO task_state (task_id, customer_id, state, advisor_id, until, reason, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (task_id) DO UPDATE SET customer_id = ?2, state = ?3, advisor_id = ?4,
             until = ?5, reason = ?6, at = ?7",
    )?
    .execute(params![
        task_id,
        customer_id,
        state,
        advisor_id,
        until,
        reason,
        at
    ])?;
    Ok(())
}

/// Applies a record of the store's feed.
pub(crate) fn apply_record(c: &Connection, r: &TaskStateRecord) -> Result<()> {
    write(
        c,
        &r.task_id,
        &r.customer_id,
        &r.action,
        r.advisor_id.as_deref(),
        &r.at,
    )
}

/// Removes the state a tombstone of the feed names (`<store_id>/<task_id>`).
pub(crate) fn delete_record(c: &Connection, feed_id: &str) -> Result<()> {
    let task_id = feed_id.split_once('/').map_or(feed_id, |(_, t)| t);
    c.prepare_cached("DELETE FROM task_state WHERE task_id = ?1")?
        .execute([task_id])?;
    Ok(())
}

impl From<ActionProblem> for Error {
    fn from(p: ActionProblem) -> Self {
        Error::InvalidInput(p.to_string())
    }
}
