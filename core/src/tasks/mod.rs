//! The client book's tasks: whom to contact, when and why. The rules ([`rules`]) derive them
//! from the data the handheld already has; [`refresh`] keeps the store's tasks for the day in
//! the cache after each sync; [`lists`] shows an advisor hers, or the store's group tasks, as
//! overdue, today, upcoming and done.

mod refresh;
pub mod rules;
mod state;
mod touched;

use chrono::NaiveDate;
use rusqlite::{Connection, Row};

use crate::consent::Channel;
use crate::error::{Error, Result};
use crate::lookup::{CustomerMatch, MATCH_COLUMNS, read_match};
use crate::store::Cache;
use crate::time;

pub(crate) use refresh::TASKS_DAY_KEY;
pub use refresh::{Refreshed, refresh, refresh_changed};
pub use rules::TaskKind;
pub use state::{ActionProblem, check_action, customer_of, taken_by_another};
pub(crate) use state::{apply_record, delete_record, write as write_state};
pub(crate) use touched::Touched;

/// Days ahead the upcoming list looks.
pub const UPCOMING_DAYS: u64 = 14;
/// Days back the done list looks.
pub const DONE_DAYS: u64 = 30;

/// Whose tasks a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The signed-in advisor's: her book's, and the group tasks she took.
    Mine,
    /// The store's group tasks (customers in no current advisor's book), any advisor may take.
    Store,
}

/// What has been done with a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    /// Nobody acted on it yet.
    Open,
    /// An advisor took this group task.
    Taken {
        /// Who.
        advisor_id: String,
    },
    /// Done.
    Done {
        /// By whom.
        advisor_id: Option<String>,
        /// When (RFC 3339).
        at: String,
    },
    /// Put off until a day.
    Snoozed {
        /// The day it comes back.
        until: NaiveDate,
    },
    /// Dropped, with the advisor's reason.
    Dismissed {
        /// Why.
        reason: String,
    },
}

/// One task as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Stable id (see [`rules::Proposal::id`]).
    pub id: String,
    /// Whom it is about.
    pub customer: CustomerMatch,
    /// What and why.
    pub kind: TaskKind,
    /// The name of the product the task names (re-purchase, launch), if any.
    pub product_name: Option<String>,
    /// The day it is for (a snoozed task: the day it comes back).
    pub due_on: NaiveDate,
    /// The advisor whose book the customer is in; `None` for a group task.
    pub advisor_id: Option<String>,
    /// The channels she may be contacted on for marketing, in the order to offer them.
    pub channels: Vec<Channel>,
    /// What has been done with it.
    pub state: TaskState,
}

/// An advisor's task lists for one day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskLists {
    /// Due before today and still open, the oldest first.
    pub overdue: Vec<Task>,
    /// Due today.
    pub today: Vec<Task>,
    /// Due within the next [`UPCOMING_DAYS`], the soonest first.
    pub upcoming: Vec<Task>,
    /// Done within the last [`DONE_DAYS`], the latest first.
    pub done: Vec<Task>,
    /// Tasks of the scope in all, open or not (dismissed ones left out).
    pub total: u64,
}

/// The task lists of `scope` for `advisor_id` on `today`, each at most `limit` long. The
/// stored tasks are brought up to date first ([`refresh_changed`]): derived again when they
/// were for another day, and for the customers the feed touched since.
pub fn lists(
    cache: &Cache,
    store_id: &str,
    advisor_id: &str,
    scope: Scope,
    today: NaiveDate,
    limit: usize,
) -> Result<TaskLists> {
    refresh_changed(cache, store_id, today)?;
    cache.read(|c| read_lists(c, advisor_id, scope, today, limit))
}

fn read_lists(
    c: &Connection,
    advisor_id: &str,
    scope: Scope,
    today: NaiveDate,
    limit: usize,
) -> Result<TaskLists> {
    let filter = match scope {
        Scope::Mine => {
            "(t.advisor_id = ?1 OR (t.advisor_id IS NULL AND s.state = 'taken' AND s.advisor_id = ?1) OR (s.state = 'done' AND s.advisor_id = ?1))"
        }
        Scope::Store => "t.advisor_id IS NULL",
    };
    let mut query = c.prepare_cached(&format!(
        "SELECT {MATCH_COLUMNS}, t.id, t.detail, t.due_on, t.advisor_id, t.channels,
                s.state, s.advisor_id, s.until, s.reason, s.at,
                (SELECT name FROM product WHERE id = json_extract(t.detail, '$.product_id'))
           FROM task t
           JOIN customer c ON c.id = t.customer_id
           LEFT JOIN task_state s ON s.task_id = t.id
          WHERE {filter} AND coalesce(s.state, '') <> 'dismissed'
          ORDER BY t.due_on, c.last_name, c.first_name, t.id"
    ))?;
    let params: &[&dyn rusqlite::ToSql] = match scope {
        Scope::Mine => &[&advisor_id],
        Scope::Store => &[],
    };
    let tasks = query
        .query_map(params, read_task)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut lists = TaskLists {
        total: tasks.len() as u64,
        ..TaskLists::default()
    };
    let horizon = today + chrono::Days::new(UPCOMING_DAYS);
    let done_since = today - chrono::Days::new(DONE_DAYS);
    for task in tasks {
        let task = task.map_err(|_| Error::Corrupt)?;
        let list = match &task.state {
            TaskState::Done { at, .. } => {
                let day = time::parse_instant(at).and_then(time::day_of);
                if day.is_some_and(|d| d < done_since) {
                    continue;
                }
                &mut lists.done
            }
            _ if task.due_on < today => &mut lists.overdue,
            _ if task.due_on == today => &mut lists.today,
            _ if task.due_on <= horizon => &mut lists.upcoming,
            _ => continue,
        };
        list.push(task);
    }
    // The query orders by the derived day; a snoozed task's day is its snooze's, so order
    // again (stable: names stay in order within a day) before keeping the first `limit`.
    for list in [&mut lists.overdue, &mut lists.upcoming] {
        list.sort_by_key(|t| t.due_on);
    }
    lists.done.sort_by(|a, b| done_at(b).cmp(done_at(a)));
    for list in [
        &mut lists.overdue,
        &mut lists.today,
        &mut lists.upcoming,
        &mut lists.done,
    ] {
        list.truncate(limit);
    }
    Ok(lists)
}

fn done_at(task: &Task) -> &str {
    match &task.state {
        TaskState::Done { at, .. } => at,
        _ => "",
    }
}

/// One row of the lists' query; the inner `Err` is a stored task this code cannot read.
fn read_task(r: &Row<'_>) -> rusqlite::Result<std::result::Result<Task, ()>> {
    let customer = read_match(r)?;
    let id: String = r.get(7)?;
    let detail: String = r.get(8)?;
    let due: String = r.get(9)?;
    let state = match r.get::<_, Option<String>>(12)?.as_deref() {
        None => Some(TaskState::Open),
        Some("taken") => r
            .get::<_, Option<String>>(13)?
            .map(|advisor_id| TaskState::Taken { advisor_id }),
        Some("done") => Some(TaskState::Done {
            advisor_id: r.get(13)?,
            at: r.get(16)?,
        }),
        Some("snoozed") => r
            .get::<_, Option<String>>(14)?
            .and_then(|u| time::parse_day(&u))
            .map(|until| TaskState::Snoozed { until }),
        Some("dismissed") => Some(TaskState::Dismissed {
            reason: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
        }),
        Some(_) => None,
    };
    let (Ok(kind), Some(mut due_on), Some(state)) = (
        serde_json::from_str::<TaskKind>(&detail),
        time::parse_day(&due),
        state,
    ) else {
        return Ok(Err(()));
    };
    if let TaskState::Snoozed { until } = &state {
        due_on = due_on.max(*until);
    }
    let channels = r
        .get::<_, String>(11)?
        .split(',')
        .filter_map(Channel::parse)
        .collect();
    Ok(Ok(Task {
        id,
        customer,
        kind,
        product_name: r.get(17)?,
        due_on,
        advisor_id: r.get(10)?,
        channels,
        state,
    }))
}
