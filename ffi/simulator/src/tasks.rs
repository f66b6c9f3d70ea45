//! The tasks screen: her tasks or the store's group tasks, overdue, today, upcoming and done,
//! as the core lists them; she takes one, marks it done, snoozes it a week or dismisses it
//! with a reason, logs a call, or writes an e-mail from the task's template and sends it.

use carnet_ffi::{
    CallOutcome, CarnetError, ClientTask, Handheld, MessageChannel, MessageDraft, MessageText,
    TaskAction, TaskLists, TaskScope,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::input::TextField;
use crate::words;

/// How many tasks of each list the screen asks for.
const ROWS_PER_LIST: u32 = 100;
/// How long "snooze" puts a task off.
const SNOOZE_DAYS: i64 = 7;

/// The lists' headings, in the order shown.
pub const SECTIONS: [&str; 4] = ["Overdue", "Today", "Upcoming", "Done"];

pub struct TasksView {
    pub scope: TaskScope,
    /// Each list's tasks, in [`SECTIONS`] order.
    pub lists: [Vec<ClientTask>; 4],
    /// Index among all tasks, top to bottom.
    pub selected: usize,
    /// While dismissing: the reason being typed.
    pub dismissing: Option<TextField>,
    /// While logging a call: waiting for how it went.
    pub calling: bool,
    /// While writing an e-mail: the draft, and its text as she edits it.
    pub writing: Option<(MessageDraft, TextField)>,
    pub message: Option<String>,
}

/// What a key on the tasks screen asks of the app.
pub enum TasksOutcome {
    Stay,
    Back,
    Open(String),
}

impl TasksView {
    pub fn load(handheld: &Handheld, scope: TaskScope) -> Result<Self, CarnetError> {
        let mut view = Self {
            scope,
            lists: Default::default(),
            selected: 0,
            dismissing: None,
            calling: false,
            writing: None,
            message: None,
        };
        view.reload(handheld)?;
        Ok(view)
    }

    fn reload(&mut self, handheld: &Handheld) -> Result<(), CarnetError> {
        let TaskLists {
            overdue,
            today,
            upcoming,
            done,
            ..
        } = handheld.tasks(self.scope, ROWS_PER_LIST)?;
        self.lists = [overdue, today, upcoming, done];
        self.selected = self.selected.min(self.count().saturating_sub(1));
        Ok(())
    }

    pub fn count(&self) -> usize {
        self.lists.iter().map(Vec::len).sum()
    }

    pub fn selected_task(&self) -> Option<&ClientTask> {
        self.lists.iter().flatten().nth(self.selected)
    }

    pub fn on_key(&mut self, handheld: &Handheld, key: KeyEvent) -> TasksOutcome {
        if let Some(reason) = &mut self.dismissing {
            match key.code {
                KeyCode::Esc => self.dismissing = None,
                KeyCode::Enter => {
                    let reason = reason.text.trim().to_owned();
                    self.dismissing = None;
                    self.act(handheld, TaskAction::Dismiss { reason }, "dismissed");
                }
                _ => {
                    reason.handle(key);
                }
            }
            return TasksOutcome::Stay;
        }
        if let Some((_, body)) = &mut self.writing {
            match key.code {
                KeyCode::Esc => self.writing = None,
                KeyCode::Enter => self.send(handheld),
                _ => {
                    body.handle(key);
                }
            }
            return TasksOutcome::Stay;
        }
        if self.calling {
            self.calling = false;
            let outcome = match key.code {
                KeyCode::Char('r') => CallOutcome::Reached,
                KeyCode::Char('n') => CallOutcome::NoAnswer,
                KeyCode::Char('v') => CallOutcome::Voicemail,
                KeyCode::Char('w') => CallOutcome::WrongNumber,
                _ => return TasksOutcome::Stay,
            };
            self.log_call(handheld, outcome);
            return TasksOutcome::Stay;
        }
        match key.code {
            KeyCode::Esc => return TasksOutcome::Back,
            KeyCode::Char('c') if self.selected_task().is_some() => self.calling = true,
            KeyCode::Char('e') => self.write(handheld),
            KeyCode::Down => {
                self.selected = (self.selected + 1).min(self.count().saturating_sub(1))
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Tab => {
                self.scope = match self.scope {
                    TaskScope::Mine => TaskScope::Store,
                    TaskScope::Store => TaskScope::Mine,
                };
                self.selected = 0;
                self.message = self.reload(handheld).err().map(|e| words::error(&e));
            }
            KeyCode::Enter => {
                if let Some(task) = self.selected_task() {
                    return TasksOutcome::Open(task.customer.id.clone());
                }
            }
            KeyCode::Char('t') => self.act(handheld, TaskAction::Take, "taken"),
            KeyCode::Char('d') => self.act(handheld, TaskAction::Done, "done"),
            KeyCode::Char('s') => {
                let until = snooze_day();
                let said = format!("snoozed until {until}");
                self.act(handheld, TaskAction::Snooze { until }, &said);
            }
            KeyCode::Char('x') if self.selected_task().is_some() => {
                self.dismissing = Some(TextField::default());
            }
            _ => {}
        }
        TasksOutcome::Stay
    }

    fn act(&mut self, handheld: &Handheld, action: TaskAction, said: &str) {
        let Some(id) = self.selected_task().map(|t| t.id.clone()) else {
            return;
        };
        self.message = Some(match handheld.act_on_task(id, action) {
            Ok(_) => {
                let reloaded = self.reload(handheld);
                reloaded.map_or_else(|e| words::error(&e), |()| format!("task {said}"))
            }
            Err(e) => words::error(&e),
        });
    }
}

impl TasksView {
    /// Logs a call to the selected task's customer; one that reached her completes the task.
    fn log_call(&mut self, handheld: &Handheld, outcome: CallOutcome) {
        let Some(task) = self.selected_task() else {
            return;
        };
        let (customer, task_id) = (task.customer.id.clone(), task.id.clone());
        self.message = Some(match handheld.log_call(customer, Some(task_id), outcome) {
            Ok(_) => {
                let reloaded = self.reload(handheld);
                reloaded.map_or_else(|e| words::error(&e), |()| "call logged".into())
            }
            Err(e) => words::error(&e),
        });
    }
}

impl TasksView {
    /// Drafts an e-mail for the selected task: its template in her language, to edit.
    fn write(&mut self, handheld: &Handheld) {
        let Some(task) = self.selected_task() else {
            return;
        };
        if !task.channels.iter().any(|c| c == "email") {
            self.message = Some("she does not take e-mails".into());
            return;
        }
        let (customer, task_id) = (task.customer.id.clone(), task.id.clone());
        match handheld.draft_message(customer, MessageChannel::Email, Some(task_id), vec![]) {
            Ok(draft) => {
                let body = TextField::with(&draft.text.body);
                self.writing = Some((draft, body));
            }
            Err(e) => self.message = Some(words::error(&e)),
        }
    }

    /// Sends the e-mail as edited; it completes the task.
    fn send(&mut self, handheld: &Handheld) {
        let (Some((draft, body)), Some(task)) = (self.writing.take(), self.selected_task()) else {
            return;
        };
        let (customer, task_id) = (task.customer.id.clone(), task.id.clone());
        let text = MessageText {
            subject: draft.text.subject,
            body: body.text,
        };
        let sent = handheld.send_message(
            customer,
            Some(task_id),
            MessageChannel::Email,
            text,
            draft.product_ids,
        );
        self.message = Some(match sent {
            Ok(_) => {
                let reloaded = self.reload(handheld);
                reloaded.map_or_else(
                    |e| words::error(&e),
                    |()| "e-mail queued: the server sends it after the next sync".into(),
                )
            }
            Err(e) => words::error(&e),
        });
    }
}

/// A week from today (UTC), as the core reads days.
fn snooze_day() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    carnet_ffi::format_day(now + SNOOZE_DAYS * 86_400)
}
