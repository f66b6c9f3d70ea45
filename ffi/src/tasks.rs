//! The client book's tasks as the app lists them: typed reasons the app words in the
//! advisor's language, dates as `YYYY-MM-DD`.

use carnet_core::tasks;

use crate::types::CustomerMatch;

/// Whose tasks to list.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum TaskScope {
    /// The signed-in advisor's: her book's, and the group tasks she took.
    Mine,
    /// The store's group tasks, any advisor may take.
    Store,
}

impl From<TaskScope> for tasks::Scope {
    fn from(s: TaskScope) -> Self {
        match s {
            TaskScope::Mine => Self::Mine,
            TaskScope::Store => Self::Store,
        }
    }
}

/// Why a task is there, with what its wording needs.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum TaskReason {
    /// She should run out of a product she buys again and again.
    Replenishment {
        /// The product most urgently due.
        product_id: String,
        /// When she should run out of it.
        due_on: String,
        /// Other products due soon.
        also_due: u32,
    },
    /// Her expected next visit has passed.
    Lapsing {
        /// Her last visit.
        last_visit: String,
        /// When she was expected back.
        expected_on: String,
    },
    /// Her birthday is coming.
    Birthday {
        /// The day.
        on: String,
    },
    /// A product of a brand she buys launches.
    Launch {
        /// The new product.
        product_id: String,
        /// Its launch day.
        launch_on: String,
    },
    /// A head-office campaign she is a target of, while it runs.
    Campaign {
        /// The campaign.
        campaign_id: String,
        /// Its title.
        title: String,
        /// The suggested message in her language (else English, else any).
        message: Option<String>,
        /// Its last day.
        ends_on: String,
    },
    /// Thank her for a purchase that mattered.
    ThankYou {
        /// The purchase day.
        on: String,
        /// What she spent that day, in cents.
        amount_cents: i64,
        /// The tier it took her to; `None` for a large first visit.
        new_tier: Option<String>,
    },
}

impl From<tasks::TaskKind> for TaskReason {
    fn from(k: tasks::TaskKind) -> Self {
        use tasks::TaskKind as K;
        match k {
            K::Replenishment {
                product_id,
                due_on,
                also_due,
            } => Self::Replenishment {
                product_id,
                due_on: due_on.to_string(),
                also_due,
            },
            K::Lapsing {
                last_visit,
                expected_on,
            } => Self::Lapsing {
                last_visit: last_visit.to_string(),
                expected_on: expected_on.to_string(),
            },
            K::Birthday { on } => Self::Birthday { on: on.to_string() },
            K::Launch {
                product_id,
                launch_on,
            } => Self::Launch {
                product_id,
                launch_on: launch_on.to_string(),
            },
            K::Campaign {
                campaign_id,
                title,
                message,
                ends_on,
            } => Self::Campaign {
                campaign_id,
                title,
                message,
                ends_on: ends_on.to_string(),
            },
            K::ThankYou {
                on,
                amount_cents,
                new_tier,
            } => Self::ThankYou {
                on: on.to_string(),
                amount_cents,
                new_tier,
            },
        }
    }
}

/// What has been done with a task.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum TaskProgress {
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
        until: String,
    },
    /// Dropped.
    Dismissed {
        /// Why.
        reason: String,
    },
}

impl From<tasks::TaskState> for TaskProgress {
    fn from(s: tasks::TaskState) -> Self {
        use tasks::TaskState as S;
        match s {
            S::Open => Self::Open,
            S::Taken { advisor_id } => Self::Taken { advisor_id },
            S::Done { advisor_id, at } => Self::Done { advisor_id, at },
            S::Snoozed { until } => Self::Snoozed {
                until: until.to_string(),
            },
            S::Dismissed { reason } => Self::Dismissed { reason },
        }
    }
}

/// What the advisor does with a task.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum TaskAction {
    /// Take a group task (the first advisor to take it keeps it).
    Take,
    /// Done.
    Done,
    /// Put off until a day (`YYYY-MM-DD`).
    Snooze {
        /// The day it comes back.
        until: String,
    },
    /// Drop it, saying why.
    Dismiss {
        /// Why (at most 200 characters).
        reason: String,
    },
}

impl From<TaskAction> for carnet_protocol::TaskAction {
    fn from(a: TaskAction) -> Self {
        match a {
            TaskAction::Take => Self::Take,
            TaskAction::Done => Self::Done,
            TaskAction::Snooze { until } => Self::Snooze { until },
            TaskAction::Dismiss { reason } => Self::Dismiss { reason },
        }
    }
}

/// One task of the client book (not Swift's concurrency `Task`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientTask {
    /// Stable id.
    pub id: String,
    /// Whom it is about.
    pub customer: CustomerMatch,
    /// Why.
    pub reason: TaskReason,
    /// The name of the product the reason names, if any.
    pub product_name: Option<String>,
    /// The day it is for.
    pub due_on: String,
    /// The advisor whose book she is in; `None` for a group task.
    pub advisor_id: Option<String>,
    /// Channels she may be contacted on for marketing (`email`, `sms`, `phone`), in order.
    pub channels: Vec<String>,
    /// What has been done with it.
    pub progress: TaskProgress,
}

impl From<tasks::Task> for ClientTask {
    fn from(t: tasks::Task) -> Self {
        Self {
            id: t.id,
            customer: t.customer.into(),
            reason: t.kind.into(),
            product_name: t.product_name,
            due_on: t.due_on.to_string(),
            advisor_id: t.advisor_id,
            channels: t.channels.iter().map(|c| c.as_str().to_owned()).collect(),
            progress: t.state.into(),
        }
    }
}

/// An advisor's task lists for today.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TaskLists {
    /// Due before today and still open, the oldest first.
    pub overdue: Vec<ClientTask>,
    /// Due today.
    pub today: Vec<ClientTask>,
    /// Due within the next two weeks, the soonest first.
    pub upcoming: Vec<ClientTask>,
    /// Done within the last 30 days, the latest first.
    pub done: Vec<ClientTask>,
    /// Tasks of the scope in all (dismissed ones left out).
    pub total: u64,
}

impl From<tasks::TaskLists> for TaskLists {
    fn from(l: tasks::TaskLists) -> Self {
        let convert = |list: Vec<tasks::Task>| list.into_iter().map(ClientTask::from).collect();
        Self {
            overdue: convert(l.overdue),
            today: convert(l.today),
            upcoming: convert(l.upcoming),
            done: convert(l.done),
            total: l.total,
        }
    }
}
