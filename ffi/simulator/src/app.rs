//! The simulator's state: which screen is shown and what the advisor typed, driven by keys.
//! Every piece of data comes from the ffi facade; the simulator decides nothing about it.

use std::sync::{Arc, Mutex};

use carnet_ffi::{
    CardForecast, CarnetError, ConsentAnswer, ConsentRow, ContactField, CustomerCard,
    CustomerMatch, DeviceState, Handheld, HistoryPage, HistoryQuery, KioskStatus, NetworkEvent,
    Note, OutboxEntry, Playlist, RepurchaseItem, SyncObserver, SyncProgress, SyncReport, SyncTask,
    TaskScope, TimelineEvent, Verdict, Wish,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::appointments::{Bookings, KeyOutcome};
use crate::input::TextField;
use crate::notes::{DraftOutcome, NoteDraft};
use crate::register::RegisterForm;
use crate::tasks::{TasksOutcome, TasksView};
use crate::words;

/// Where the simulator sends from while "off the store's Wi-Fi": a second loopback address,
/// outside the demo store's network (127.0.0.1/32).
pub const OFF_NETWORK_ADDRESS: &str = "127.0.0.2";

/// The store Wi-Fi's name as the simulated phone sees it.
pub const STORE_WIFI: &str = "Carnet-Store";

/// How many of her client book's customers the home screen lists.
const BOOK_ROWS: u32 = 50;

pub enum Screen {
    Enroll(EnrollForm),
    SignIn(SignInForm),
    Search(SearchView),
    Customer(Box<CustomerView>),
    Register(Box<RegisterForm>),
    Outbox(Vec<OutboxEntry>),
    Tasks(Box<TasksView>),
}

#[derive(Default)]
pub struct EnrollForm {
    pub fields: [TextField; 3],
    pub focus: usize,
    pub error: Option<String>,
}

pub struct SignInForm {
    pub advisor: TextField,
    pub pin: TextField,
    pub focus: usize,
    pub error: Option<String>,
}

#[derive(Default)]
pub struct SearchView {
    pub input: TextField,
    pub results: Vec<CustomerMatch>,
    pub selected: usize,
    pub error: Option<String>,
    /// While nothing is typed, `results` are her client book's first customers, of this many.
    pub book_total: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Card,
    History,
    Playlist,
    Repurchase,
    Offers,
    Notes,
    Appointments,
    Contact,
}

impl Tab {
    pub const ALL: [Tab; 8] = [
        Tab::Card,
        Tab::History,
        Tab::Playlist,
        Tab::Repurchase,
        Tab::Offers,
        Tab::Notes,
        Tab::Appointments,
        Tab::Contact,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Card => "Card",
            Tab::History => "History",
            Tab::Playlist => "Playlist",
            Tab::Repurchase => "Re-purchase",
            Tab::Offers => "Offers",
            Tab::Notes => "Notes",
            Tab::Appointments => "Appointments",
            Tab::Contact => "Contact",
        }
    }
}

pub struct CustomerView {
    pub card: CustomerCard,
    pub tab: Tab,
    pub history: HistoryPage,
    pub history_filter: TextField,
    pub filtering: bool,
    pub playlist: Option<Playlist>,
    pub repurchase: Vec<RepurchaseItem>,
    pub forecast: Option<CardForecast>,
    pub selected: usize,
    /// Contact tab: which field is being edited, its text, the inline error and the
    /// correction the core offers for it (the whole value, F8 takes it).
    pub edit_field: usize,
    pub edit: Option<TextField>,
    pub edit_error: Option<String>,
    pub edit_suggestion: Option<String>,
    /// Contact tab, below the fields: the consent form, as the core joins her decisions.
    pub consents: Vec<ConsentRow>,
    /// Notes tab: her notes, and the one being written.
    pub notes: Vec<Note>,
    pub note_draft: Option<NoteDraft>,
    /// Her timeline: her contacts and her bookings, the latest first.
    pub timeline: Vec<TimelineEvent>,
    /// The appointments tab: her bookings, and booking one.
    pub bookings: Bookings,
    /// Her wish list, the latest first (`w` on a suggestion adds one).
    pub wishes: Vec<Wish>,
    pub message: Option<String>,
}

impl CustomerView {
    /// Rows of the contact tab: the fields, then the consents.
    pub fn contact_rows(&self) -> usize {
        CONTACT_FIELDS.len() + self.consents.len()
    }

    /// The playlist's selected suggestion: (product id, name).
    fn selected_suggestion(&self) -> Option<(String, String)> {
        self.playlist
            .as_ref()
            .and_then(|p| p.suggestions.get(self.selected))
            .map(|s| (s.product_id.clone(), s.name.clone()))
    }

    /// Her card as the core read it again (after an edit), and her consent form with it.
    fn show(&mut self, card: CustomerCard) {
        self.consents = carnet_ffi::consent_form(card.consents.clone());
        self.card = card;
    }
}

/// Sync progress, written by the sync's observer thread, read by the screen.
#[derive(Default)]
pub struct SyncStatus {
    pub running: bool,
    pub progress: Option<SyncProgress>,
    pub last: Option<String>,
    /// Syncs that ended with a report: what is shown from the cache may have changed.
    pub completed: u64,
}

struct Observer(Arc<Mutex<SyncStatus>>);

impl SyncObserver for Observer {
    fn progress(&self, progress: SyncProgress) {
        if let Ok(mut s) = self.0.lock() {
            s.progress = Some(progress);
        }
    }

    fn finished(&self, report: Option<SyncReport>, error: Option<CarnetError>) {
        if let Ok(mut s) = self.0.lock() {
            s.running = false;
            s.completed += u64::from(report.is_some());
            s.last = Some(match (report, error) {
                (Some(r), _) => format!(
                    "synced: {} received, {} sent, {} refused",
                    r.pulled, r.pushed, r.rejected
                ),
                (None, Some(e)) => format!("sync stopped: {}", words::error(&e)),
                (None, None) => "sync stopped".into(),
            });
        }
    }
}

pub struct App {
    pub handheld: Arc<Handheld>,
    pub screen: Screen,
    pub wifi_on: bool,
    /// F7: the store requires single app mode and the platform refused it.
    pub kiosk_refused: bool,
    pub sync: Arc<Mutex<SyncStatus>>,
    sync_task: Option<Arc<SyncTask>>,
    /// [`SyncStatus::completed`] when the screen last showed the cache's data.
    syncs_shown: u64,
    pub notice: Option<String>,
    pub quit: bool,
}

pub const CONTACT_FIELDS: [(&str, ContactField); 5] = [
    ("E-mail", ContactField::Email),
    ("Phone", ContactField::Phone),
    ("Language", ContactField::Language),
    ("First name", ContactField::FirstName),
    ("Last name", ContactField::LastName),
];

impl App {
    pub fn new(handheld: Arc<Handheld>, enroll_defaults: [String; 3]) -> Self {
        let mut form = EnrollForm::default();
        for (field, value) in form.fields.iter_mut().zip(enroll_defaults) {
            *field = TextField::with(&value);
        }
        let mut app = Self {
            handheld,
            screen: Screen::Enroll(form),
            wifi_on: true,
            kiosk_refused: false,
            sync: Arc::new(Mutex::new(SyncStatus::default())),
            syncs_shown: 0,
            sync_task: None,
            notice: None,
            quit: false,
        };
        app.follow_state();
        app
    }

    /// At start: prove presence; with the enrolment fields given and no enrolment yet, enrol;
    /// with a demo advisor given, sign her in and sync, so the handheld opens ready to use.
    pub fn start(&mut self, sign_in: Option<(String, String)>) {
        if matches!(self.state(), DeviceState::NotEnrolled)
            && let Screen::Enroll(form) = &self.screen
            && form.fields.iter().all(|f| !f.text.is_empty())
        {
            let [url, pin, code] = form.fields.clone().map(|f| f.text);
            if let Err(e) = crate::block_on(self.handheld.enroll(url, pin, code)) {
                self.notice = Some(format!("enrolment failed: {}", words::error(&e)));
            }
        } else {
            let _ = crate::block_on(self.handheld.check_presence());
        }
        if let Some((advisor, pin)) = sign_in
            && matches!(
                self.state(),
                DeviceState::Locked {
                    needs_presence: false,
                    ..
                }
            )
        {
            match crate::block_on(self.handheld.sign_in(advisor, pin)) {
                Ok(_) => self.start_sync(),
                Err(e) => self.notice = Some(format!("sign-in failed: {}", words::error(&e))),
            }
        }
        self.follow_state();
    }

    pub fn state(&self) -> DeviceState {
        self.handheld.state()
    }

    /// Puts the screen in step with the lock state: locked shows sign-in, whatever was open.
    pub fn follow_state(&mut self) {
        match self.state() {
            DeviceState::NotEnrolled | DeviceState::Shredded { .. } => {
                if !matches!(self.screen, Screen::Enroll(_)) {
                    self.screen = Screen::Enroll(EnrollForm::default());
                }
            }
            DeviceState::Locked { .. } => {
                if !matches!(self.screen, Screen::SignIn(_)) {
                    self.screen = Screen::SignIn(SignInForm {
                        advisor: TextField::default(),
                        pin: TextField::secret(),
                        focus: 0,
                        error: None,
                    });
                }
            }
            DeviceState::Unlocked { .. } => {
                if matches!(self.screen, Screen::Enroll(_) | Screen::SignIn(_)) {
                    self.screen = self.home();
                }
            }
        }
    }

    /// After a sync, the home screen lists her client book again (unless she is typing).
    pub fn after_sync(&mut self) {
        let completed = self.sync.lock().map_or(0, |s| s.completed);
        if completed == self.syncs_shown {
            return;
        }
        self.syncs_shown = completed;
        let mut screen = std::mem::replace(&mut self.screen, Screen::Outbox(Vec::new()));
        if let Screen::Search(view) = &mut screen
            && view.input.text.is_empty()
        {
            self.show_book(view);
        }
        self.screen = screen;
    }

    /// F2: leaves the store's Wi-Fi for another network (the handheld then sends from
    /// [`OFF_NETWORK_ADDRESS`], outside the store's address ranges, as it would from a guest
    /// Wi-Fi or the mobile network), or comes back to it.
    pub fn toggle_wifi(&mut self) {
        self.wifi_on = !self.wifi_on;
        let event = NetworkEvent {
            path_available: true,
            wifi_hint: self.wifi_on.then(|| STORE_WIFI.to_owned()),
            source_address: (!self.wifi_on).then(|| OFF_NETWORK_ADDRESS.to_owned()),
        };
        let state = crate::block_on(self.handheld.network_changed(event));
        self.notice = Some(match (self.wifi_on, state) {
            (_, Err(e)) => format!("network change refused: {}", words::error(&e)),
            (false, Ok(DeviceState::Locked { reason, .. })) => format!(
                "store Wi-Fi off (sending from {OFF_NETWORK_ADDRESS}): locked, {}",
                words::lock_reason(reason)
            ),
            (false, Ok(_)) => {
                format!("store Wi-Fi off (sending from {OFF_NETWORK_ADDRESS}), yet not locked")
            }
            (
                true,
                Ok(DeviceState::Locked {
                    needs_presence: true,
                    ..
                }),
            ) => "store Wi-Fi on, but the store's server did not confirm presence".into(),
            (true, Ok(_)) => "store Wi-Fi on: presence confirmed".into(),
        });
        self.follow_state();
    }

    /// F7: single app mode becomes required and refused (as on a handheld its MDM did not
    /// supervise), or granted again. The core decides what it means.
    pub fn toggle_kiosk(&mut self) {
        self.kiosk_refused = !self.kiosk_refused;
        let state = self.handheld.kiosk_changed(KioskStatus {
            required: true,
            granted: Some(!self.kiosk_refused),
        });
        self.notice = Some(match state {
            DeviceState::Locked { reason, .. } => {
                format!(
                    "single app mode {}: locked, {}",
                    self.kiosk_state(),
                    words::lock_reason(reason)
                )
            }
            _ => format!("single app mode {}", self.kiosk_state()),
        });
        self.follow_state();
    }

    fn kiosk_state(&self) -> &'static str {
        if self.kiosk_refused {
            "refused"
        } else {
            "granted"
        }
    }

    pub fn start_sync(&mut self) {
        if let Ok(mut s) = self.sync.lock() {
            if s.running {
                return;
            }
            s.running = true;
            s.progress = None;
        }
        let observer = Arc::new(Observer(Arc::clone(&self.sync)));
        self.sync_task = Some(self.handheld.start_sync(observer));
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        match key.code {
            KeyCode::F(2) => return self.toggle_wifi(),
            KeyCode::F(7) => return self.toggle_kiosk(),
            KeyCode::F(5) => return self.start_sync(),
            KeyCode::F(6) => {
                if let Some(task) = &self.sync_task {
                    task.cancel();
                }
                return;
            }
            KeyCode::F(10) => {
                self.quit = true;
                return;
            }
            _ => {}
        }
        let screen = std::mem::replace(&mut self.screen, Screen::Outbox(Vec::new()));
        self.screen = match screen {
            Screen::Enroll(form) => self.enroll_key(form, key),
            Screen::SignIn(form) => self.sign_in_key(form, key),
            Screen::Search(view) => self.search_key(view, key),
            Screen::Customer(view) => self.customer_key(view, key),
            Screen::Register(form) => self.register_key(form, key),
            Screen::Outbox(entries) => match key.code {
                KeyCode::Esc => self.home(),
                _ => Screen::Outbox(entries),
            },
            Screen::Tasks(mut view) => match view.on_key(&self.handheld, key) {
                TasksOutcome::Stay => Screen::Tasks(view),
                TasksOutcome::Back => self.home(),
                TasksOutcome::Open(customer_id) => match self.open(&customer_id) {
                    Ok(screen) => screen,
                    Err(e) => {
                        view.message = Some(words::error(&e));
                        Screen::Tasks(view)
                    }
                },
            },
        };
        self.follow_state();
    }

    fn enroll_key(&mut self, mut form: EnrollForm, key: KeyEvent) -> Screen {
        match key.code {
            KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % 3,
            KeyCode::Up => form.focus = (form.focus + 2) % 3,
            KeyCode::Enter => {
                let [url, pin, code] = &form.fields;
                match crate::block_on(self.handheld.enroll(
                    url.text.clone(),
                    pin.text.clone(),
                    code.text.clone(),
                )) {
                    Ok(_) => self.notice = Some("enrolled".into()),
                    Err(e) => form.error = Some(words::error(&e)),
                }
            }
            _ => {
                form.fields[form.focus].handle(key);
            }
        }
        Screen::Enroll(form)
    }

    fn sign_in_key(&mut self, mut form: SignInForm, key: KeyEvent) -> Screen {
        match key.code {
            KeyCode::Tab | KeyCode::Down | KeyCode::Up => form.focus = 1 - form.focus,
            KeyCode::Enter => {
                let advisor = form.advisor.text.trim().to_owned();
                let pin = form.pin.text.clone();
                match crate::block_on(self.handheld.sign_in(advisor, pin)) {
                    Ok(_) => {
                        self.notice = Some("signed in".into());
                        return self.home();
                    }
                    Err(e) => {
                        form.error = Some(words::error(&e));
                        form.pin = TextField::secret();
                    }
                }
            }
            _ => {
                if form.focus == 0 {
                    form.advisor.handle(key);
                } else {
                    form.pin.handle(key);
                }
            }
        }
        Screen::SignIn(form)
    }

    fn search_key(&mut self, mut view: SearchView, key: KeyEvent) -> Screen {
        match key.code {
            KeyCode::Down => {
                view.selected = (view.selected + 1).min(view.results.len().saturating_sub(1))
            }
            KeyCode::Up => view.selected = view.selected.saturating_sub(1),
            KeyCode::Esc => {
                if view.input.text.is_empty() {
                    self.handheld.sign_out();
                }
                view = SearchView::default();
            }
            KeyCode::F(3) => match self.handheld.outbox() {
                Ok(entries) => return Screen::Outbox(entries),
                Err(e) => view.error = Some(words::error(&e)),
            },
            KeyCode::F(9) => match TasksView::load(&self.handheld, TaskScope::Mine) {
                Ok(tasks) => return Screen::Tasks(Box::new(tasks)),
                Err(e) => view.error = Some(words::error(&e)),
            },
            KeyCode::F(4) => {
                let typed = view.input.text.trim();
                let card = if is_card(typed) { typed } else { "" };
                return Screen::Register(Box::new(RegisterForm::new(card)));
            }
            KeyCode::Enter => {
                let typed = view.input.text.trim().to_owned();
                // Thirteen digits: the camera read a card.
                if is_card(&typed) {
                    match self.handheld.find_by_card(typed) {
                        Ok(found) => return self.open(&found.id).unwrap_or(Screen::Search(view)),
                        Err(CarnetError::NotFound) => {
                            view.error = Some("no customer has this card: F4 registers her".into())
                        }
                        Err(e) => view.error = Some(words::error(&e)),
                    }
                } else if let Some(found) = view.results.get(view.selected) {
                    let id = found.id.clone();
                    match self.open(&id) {
                        Ok(screen) => return screen,
                        Err(e) => view.error = Some(words::error(&e)),
                    }
                }
            }
            _ => {
                if view.input.handle(key) {
                    view.selected = 0;
                    view.error = None;
                    let typed = view.input.text.clone();
                    let phone_like = typed.chars().any(|c| c.is_ascii_digit())
                        && typed
                            .chars()
                            .all(|c| c.is_ascii_digit() || " .-+".contains(c));
                    view.book_total = None;
                    view.results = if typed.trim().is_empty() {
                        self.show_book(&mut view);
                        std::mem::take(&mut view.results)
                    } else if is_card(typed.trim()) {
                        Vec::new()
                    } else if phone_like {
                        // Too few digits yet: nothing to show, not an error.
                        self.handheld.search_by_phone(typed).unwrap_or_default()
                    } else if typed.contains('@') {
                        self.handheld.search_by_email(typed, 12).unwrap_or_default()
                    } else {
                        match self.handheld.search_by_name(typed, 12) {
                            Ok(found) => found,
                            Err(e) => {
                                view.error = Some(words::error(&e));
                                Vec::new()
                            }
                        }
                    };
                }
            }
        }
        Screen::Search(view)
    }

    /// Records her answer to the consent under the selection (contact tab).
    fn record_consent(&mut self, view: &mut CustomerView, granted: bool) {
        let Some(row) = view
            .consents
            .get(view.selected.saturating_sub(CONTACT_FIELDS.len()))
            .cloned()
        else {
            return;
        };
        let id = view.card.id.clone();
        match self.handheld.record_consent(
            id.clone(),
            row.channel.clone(),
            row.purpose.clone(),
            granted,
        ) {
            Ok(_) => {
                view.message = Some(format!(
                    "{} {}: recorded; it will be sent with the next sync",
                    consent_label(&row.channel, &row.purpose),
                    if granted { "yes" } else { "no" }
                ));
                if let Ok(card) = self.handheld.reload_card(id) {
                    view.show(card);
                }
            }
            Err(e) => view.message = Some(words::error(&e)),
        }
    }

    fn register_key(&mut self, mut form: Box<RegisterForm>, key: KeyEvent) -> Screen {
        match key.code {
            KeyCode::Esc => return self.home(),
            KeyCode::F(8) => form.take_suggestion(),
            KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % form.stops(),
            KeyCode::BackTab | KeyCode::Up => {
                form.focus = (form.focus + form.stops() - 1) % form.stops()
            }
            KeyCode::Enter => {
                // On a likely duplicate: she is already a customer, open her card instead.
                if let Some(hint) = form.focused_hint() {
                    let id = hint.customer.id.clone();
                    return self.open(&id).unwrap_or(Screen::Register(form));
                }
                // Every problem at once, under its field, before anything is saved.
                match self.handheld.registration_problems(form.new_customer()) {
                    Ok(problems) if !problems.is_empty() => {
                        form.problems(problems);
                        return Screen::Register(form);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        form.refused(e);
                        return Screen::Register(form);
                    }
                }
                match self.handheld.register_customer(form.new_customer()) {
                    Ok(id) => {
                        self.notice = Some("registered".into());
                        if let Ok(Screen::Customer(mut view)) = self.open(&id) {
                            view.tab = Tab::Contact;
                            view.selected = CONTACT_FIELDS.len();
                            return Screen::Customer(view);
                        }
                        return self.home();
                    }
                    Err(e) => form.refused(e),
                }
            }
            _ => {
                let Some(field) = form.fields.get_mut(form.focus) else {
                    return Screen::Register(form);
                };
                if field.handle(key) {
                    form.edited();
                    form.hints = match form.candidate() {
                        Some(candidate) => self
                            .handheld
                            .likely_duplicates(candidate)
                            .unwrap_or_default(),
                        None => Vec::new(),
                    };
                }
            }
        }
        Screen::Register(form)
    }

    /// The home screen: the search field and, while nothing is typed, her client book.
    fn home(&self) -> Screen {
        let mut view = SearchView::default();
        self.show_book(&mut view);
        Screen::Search(view)
    }

    /// Lists her client book's first customers in `view` (nothing when it cannot be read:
    /// locked, or no cache yet).
    fn show_book(&self, view: &mut SearchView) {
        match self.handheld.my_book(BOOK_ROWS) {
            Ok(book) => {
                view.book_total = Some(book.total);
                view.results = book.entries.into_iter().map(|e| e.customer).collect();
            }
            Err(_) => {
                view.book_total = None;
                view.results.clear();
            }
        }
    }

    fn open(&mut self, customer_id: &str) -> Result<Screen, CarnetError> {
        let card = self.handheld.open_card(customer_id.to_owned())?;
        let history = self
            .handheld
            .history(customer_id.to_owned(), HistoryQuery::default())?;
        let playlist = self.handheld.playlist(customer_id.to_owned(), 10).ok();
        let repurchase = self
            .handheld
            .repurchase(customer_id.to_owned())
            .map(|list| list.items)
            .unwrap_or_default();
        let forecast = self.handheld.visit_forecast(customer_id.to_owned()).ok();
        Ok(Screen::Customer(Box::new(CustomerView {
            consents: carnet_ffi::consent_form(card.consents.clone()),
            card,
            tab: Tab::Card,
            history,
            history_filter: TextField::default(),
            filtering: false,
            playlist,
            repurchase,
            forecast,
            selected: 0,
            edit_field: 0,
            edit: None,
            edit_error: None,
            edit_suggestion: None,
            notes: self
                .handheld
                .notes(customer_id.to_owned())
                .unwrap_or_default(),
            note_draft: None,
            timeline: self
                .handheld
                .timeline(customer_id.to_owned())
                .unwrap_or_default(),
            bookings: Bookings::load(&self.handheld, customer_id),
            wishes: self
                .handheld
                .wishes(customer_id.to_owned())
                .unwrap_or_default(),
            message: None,
        })))
    }

    fn customer_key(&mut self, mut view: Box<CustomerView>, key: KeyEvent) -> Screen {
        let id = view.card.id.clone();
        if let Some(field) = view.edit.as_mut() {
            let (_, which) = CONTACT_FIELDS[view.edit_field];
            match key.code {
                KeyCode::Esc => {
                    view.edit = None;
                    view.edit_error = None;
                    view.edit_suggestion = None;
                }
                KeyCode::F(8) => {
                    if let Some(value) = view.edit_suggestion.take() {
                        *field = TextField::with(&value);
                        view.edit_error = None;
                    }
                }
                KeyCode::Enter => {
                    let typed = field.text.trim().to_owned();
                    let value = (!typed.is_empty()).then(|| typed.clone());
                    view.edit_suggestion = None;
                    match self.handheld.edit_contact(id.clone(), which, value) {
                        Ok(_) => {
                            view.edit = None;
                            view.edit_error = None;
                            view.message = Some("saved; it will be sent with the next sync".into());
                            if let Ok(card) = self.handheld.reload_card(id) {
                                view.show(card);
                            }
                        }
                        Err(CarnetError::InvalidField {
                            problem,
                            suggestion,
                            ..
                        }) => {
                            let corrected =
                                suggestion.map(|s| carnet_ffi::corrected_value(which, typed, s));
                            let reason = words::field_problem(&problem);
                            view.edit_error = Some(match &corrected {
                                Some(value) => format!("{reason} — did you mean {value}? (F8)"),
                                None => reason,
                            });
                            view.edit_suggestion = corrected;
                        }
                        Err(e) => view.edit_error = Some(words::error(&e)),
                    }
                }
                _ => {
                    field.handle(key);
                }
            }
            return Screen::Customer(view);
        }
        if let Some(draft) = view.note_draft.take() {
            match draft.on_key(&self.handheld, &id, key) {
                DraftOutcome::Editing(draft) => view.note_draft = Some(draft),
                DraftOutcome::Saved(said) => {
                    view.message = Some(said);
                    view.notes = self.handheld.notes(id).unwrap_or_default();
                }
                DraftOutcome::Cancelled => view.message = None,
                DraftOutcome::Refused(e) => view.message = Some(words::error(&e)),
            }
            return Screen::Customer(view);
        }
        if view.filtering {
            match key.code {
                KeyCode::Esc | KeyCode::Enter => view.filtering = false,
                _ => {
                    if view.history_filter.handle(key) {
                        let text = view.history_filter.text.trim().to_owned();
                        let query = HistoryQuery {
                            text: (!text.is_empty()).then_some(text),
                            ..HistoryQuery::default()
                        };
                        if let Ok(page) = self.handheld.history(id, query) {
                            view.history = page;
                        }
                    }
                }
            }
            return Screen::Customer(view);
        }
        if view.tab == Tab::Appointments {
            let CustomerView {
                bookings, selected, ..
            } = &mut *view;
            match bookings.on_key(&self.handheld, &id, key, selected) {
                KeyOutcome::NotMine => {}
                KeyOutcome::Done => return Screen::Customer(view),
                KeyOutcome::Said(said) => {
                    view.message = Some(said);
                    view.timeline = self.handheld.timeline(id).unwrap_or_default();
                    return Screen::Customer(view);
                }
            }
        }
        match key.code {
            KeyCode::Esc => return self.home(),
            KeyCode::Right | KeyCode::Tab => {
                let i = Tab::ALL.iter().position(|t| *t == view.tab).unwrap_or(0);
                view.tab = Tab::ALL[(i + 1) % Tab::ALL.len()];
                view.selected = 0;
            }
            KeyCode::Left | KeyCode::BackTab => {
                let i = Tab::ALL.iter().position(|t| *t == view.tab).unwrap_or(0);
                view.tab = Tab::ALL[(i + Tab::ALL.len() - 1) % Tab::ALL.len()];
                view.selected = 0;
            }
            KeyCode::Down if view.tab == Tab::Contact => {
                view.selected = (view.selected + 1).min(view.contact_rows() - 1)
            }
            KeyCode::Down => view.selected += 1,
            KeyCode::Up => view.selected = view.selected.saturating_sub(1),
            KeyCode::Char(c @ ('y' | 'n'))
                if view.tab == Tab::Contact && view.selected >= CONTACT_FIELDS.len() =>
            {
                self.record_consent(&mut view, c == 'y');
            }
            KeyCode::Enter if view.tab == Tab::Contact && view.selected >= CONTACT_FIELDS.len() => {
                // Not asked or refused: she says yes; granted: she withdraws.
                let granted = view
                    .consents
                    .get(view.selected - CONTACT_FIELDS.len())
                    .is_none_or(|row| row.answer != ConsentAnswer::Granted);
                self.record_consent(&mut view, granted);
            }
            KeyCode::Char('/') if view.tab == Tab::History => view.filtering = true,
            KeyCode::Char('n') if view.tab == Tab::Notes => {
                view.note_draft = Some(NoteDraft::default());
            }
            KeyCode::Char('x') if view.tab == Tab::Notes => {
                if let Some(note) = view.notes.get(view.selected) {
                    view.message = Some(
                        match self.handheld.delete_note(id.clone(), note.id.clone()) {
                            Ok(()) => "note deleted".into(),
                            Err(e) => words::error(&e),
                        },
                    );
                    view.notes = self.handheld.notes(id).unwrap_or_default();
                    view.selected = view.selected.min(view.notes.len().saturating_sub(1));
                }
            }
            KeyCode::Char('w') if view.tab == Tab::Playlist => {
                let product = view.selected_suggestion();
                if let Some((product_id, name)) = product {
                    view.message =
                        Some(match self.handheld.add_wish(id.clone(), product_id, None) {
                            Ok(_) => format!("{name}: on her wish list"),
                            Err(e) => words::error(&e),
                        });
                    view.wishes = self.handheld.wishes(id).unwrap_or_default();
                }
            }
            KeyCode::Char(c @ ('l' | 'd')) if view.tab == Tab::Playlist => {
                let verdict = if c == 'l' {
                    Verdict::Like
                } else {
                    Verdict::Dislike
                };
                let product = view.selected_suggestion();
                if let Some((product_id, name)) = product {
                    match self.handheld.give_feedback(id.clone(), product_id, verdict) {
                        Ok(_) => {
                            view.message = Some(format!(
                                "{} {name}",
                                if c == 'l' { "liked" } else { "not liked" }
                            ));
                            view.playlist = self.handheld.playlist(id, 10).ok();
                        }
                        Err(e) => view.message = Some(words::error(&e)),
                    }
                }
            }
            KeyCode::Enter if view.tab == Tab::Contact => {
                view.edit_field = view.selected.min(CONTACT_FIELDS.len() - 1);
                let current = match CONTACT_FIELDS[view.edit_field].1 {
                    ContactField::Email => view.card.contact.email.clone(),
                    ContactField::Phone => view.card.contact.phone.clone(),
                    ContactField::Language => Some(view.card.contact.language.clone()),
                    ContactField::FirstName => Some(view.card.first_name.clone()),
                    ContactField::LastName => Some(view.card.last_name.clone()),
                };
                view.edit = Some(TextField::with(&current.unwrap_or_default()));
            }
            _ => {}
        }
        Screen::Customer(view)
    }
}

/// Thirteen digits: what the camera reads off a loyalty card.
fn is_card(typed: &str) -> bool {
    typed.len() == 13 && typed.chars().all(|c| c.is_ascii_digit())
}

/// "Offers by e-mail", "Personalised suggestions".
pub fn consent_label(channel: &str, purpose: &str) -> String {
    match purpose {
        "personalisation" => "Personalised suggestions".into(),
        _ => format!(
            "Offers by {}",
            match channel {
                "email" => "e-mail",
                "sms" => "text message",
                "post" => "post",
                "phone" => "phone",
                other => other,
            }
        ),
    }
}
