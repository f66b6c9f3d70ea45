//! The handheld object: every operation of the advisor's day, each a conversion around one
//! call into the core.

use std::sync::{Arc, LazyLock};

use std::time::Duration;

use carnet_core::session::{BackgroundTask, Platform, Session, SystemClock};
use carnet_core::sync::CancelHandle;

use carnet_core::appointments::NewBooking;

use crate::appointments::{Appointment, BookableService, Closing, FreeSlot};
use crate::error::CarnetError;
use crate::notes::Note;
use crate::outreach::{
    AdvisorIndicators, CallOutcome, MessageChannel, MessageDraft, MessageText, OutreachEntry,
    TimelineEvent, Wish,
};
use crate::session::{
    DeviceObserver, DeviceState, KeyStore, KioskStatus, NetworkEvent, PlatformKeyStore,
    PlatformObserver,
};
use crate::tasks::{TaskAction, TaskLists, TaskScope};
use crate::types::{
    Address, CandidateContact, CardForecast, ClientBook, ContactField, CustomerCard, CustomerMatch,
    DuplicateHint, FormProblem, HistoryPage, HistoryQuery, NewCustomer, OutboxEntry, Playlist,
    RepurchaseList, SyncProgress, SyncReport, Verdict, VisitForecast,
};

/// The one runtime for asynchronous I/O (sync, presence, sign-in); lookups never touch it.
pub(crate) static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // Without a runtime nothing can sync: fail loudly at start.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("carnet-io")
        .build()
        .expect("the I/O runtime starts")
});

/// Receives a sync's progress and its end, on a background thread.
#[uniffi::export(foreign)]
pub trait SyncObserver: Send + Sync {
    /// Progress for a progress bar.
    fn progress(&self, progress: SyncProgress);
    /// The sync ended: a report, or why it stopped.
    fn finished(&self, report: Option<SyncReport>, error: Option<CarnetError>);
}

/// A running sync; cancelling keeps every page already applied.
#[derive(uniffi::Object)]
pub struct SyncTask {
    cancel: CancelHandle,
}

#[uniffi::export]
impl SyncTask {
    /// Stops the sync after the page being applied.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// The longest the background task waits between two checks of the lease and timeouts; it
/// wakes sooner when the store's lease policy needs it (see `Session::next_tick_in`).
const BACKGROUND_PERIOD: Duration = Duration::from_secs(30);

/// The advisor's handheld.
#[derive(uniffi::Object)]
pub struct Handheld {
    pub(crate) core: Arc<carnet_core::handheld::Handheld>,
    /// Renews the lease while the object lives.
    _background: BackgroundTask,
}

/// Who and where the device is, for the status screen.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeviceStatus {
    /// Device id given at enrolment.
    pub device_id: Option<String>,
    /// The store it belongs to.
    pub store_id: Option<String>,
    /// The lock state.
    pub state: DeviceState,
}

#[uniffi::export(async_runtime = "tokio")]
impl Handheld {
    /// Opens the handheld's data in `data_dir` with the platform's key store. Starts locked
    /// (or not enrolled); presence and sign-in unlock it. `app_version` is the app's own (on
    /// iOS `CFBundleShortVersionString` and the build), 1 to 40 characters: the store's server
    /// shows it to managers.
    #[uniffi::constructor]
    pub fn open(
        data_dir: String,
        key_store: Arc<dyn KeyStore>,
        app_version: String,
    ) -> Result<Arc<Self>, CarnetError> {
        let platform = Platform {
            key_store: Arc::new(PlatformKeyStore(key_store)),
            clock: Arc::new(SystemClock::new()),
            app_version,
        };
        let session = Session::open(data_dir, platform)?;
        let background = {
            let _runtime = RUNTIME.enter();
            session.spawn_background(BACKGROUND_PERIOD)
        };
        Ok(Arc::new(Self {
            core: Arc::new(carnet_core::handheld::Handheld::new(session)),
            _background: background,
        }))
    }

    /// The lock state now.
    pub fn state(&self) -> DeviceState {
        self.core.session().state().into()
    }

    /// Device id, store and state.
    pub fn device_status(&self) -> DeviceStatus {
        let session = self.core.session();
        DeviceStatus {
            device_id: session.device_id(),
            store_id: session.store_id(),
            state: session.state().into(),
        }
    }

    /// Tells `observer` of every state change from now on.
    pub fn subscribe(&self, observer: Arc<dyn DeviceObserver>) {
        self.core
            .session()
            .subscribe(Arc::new(PlatformObserver(observer)));
    }

    /// Enrols the device with the store's server using the manager's one-time code; the
    /// server's certificate is pinned from now on.
    pub async fn enroll(
        &self,
        server_url: String,
        certificate_pin: String,
        code: String,
    ) -> Result<DeviceState, CarnetError> {
        Ok(self
            .core
            .session()
            .enroll(server_url, certificate_pin, code)
            .await?
            .into())
    }

    /// Proves presence in the store to its server now (a lease); locks if it cannot.
    pub async fn check_presence(&self) -> Result<DeviceState, CarnetError> {
        Ok(self.core.session().check_presence().await?.into())
    }

    /// The platform saw the network change: presence is checked again at once. A Wi-Fi name
    /// alone never unlocks anything. Fails only on a source address that is not an IP address.
    pub async fn network_changed(&self, event: NetworkEvent) -> Result<DeviceState, CarnetError> {
        let event = event.try_into()?;
        Ok(self.core.session().network_changed(event).await.into())
    }

    /// Signs an advisor in with her identifier and PIN (checked by the store's server).
    pub async fn sign_in(
        &self,
        advisor_id: String,
        pin: String,
    ) -> Result<DeviceState, CarnetError> {
        Ok(self.core.session().sign_in(advisor_id, pin).await?.into())
    }

    /// The platform reports single app mode (at start, when the managed configuration says
    /// whether it is required, and once the platform answered the request for it). While it is
    /// required and not granted the handheld is locked (`LockReason::KioskRequired`) and every
    /// data call fails with `CarnetError::KioskRequired`.
    pub fn kiosk_changed(&self, status: KioskStatus) -> DeviceState {
        self.core.session().kiosk_changed(status.into()).into()
    }

    /// Signs the advisor out: the device locks.
    pub fn sign_out(&self) {
        self.core.session().sign_out();
    }

    /// The app left the screen: the device locks.
    pub fn backgrounded(&self) {
        self.core.session().backgrounded();
    }

    /// The signed-in advisor's client book, its first `limit` customers (the most recently
    /// seen first): her home screen before any search.
    pub fn my_book(&self, limit: u32) -> Result<ClientBook, CarnetError> {
        Ok(self.core.my_book(limit as usize)?.into())
    }

    /// The signed-in advisor's indicators for this month: tasks done, customers reached, sales
    /// attributed to her contacts (a purchase within 14 days of the last contact that reached
    /// the customer), her book and its active share.
    pub fn my_results(&self) -> Result<AdvisorIndicators, CarnetError> {
        Ok(self.core.my_results()?.into())
    }

    /// The signed-in advisor's task lists for today (hers, or the store's group tasks), each
    /// at most `limit` long; derived again first on a new day.
    pub fn tasks(&self, scope: TaskScope, limit: u32) -> Result<TaskLists, CarnetError> {
        Ok(self.core.tasks(scope.into(), limit as usize)?.into())
    }

    /// Takes, completes, snoozes or dismisses a task, offline; returns the edit's sequence
    /// number. `TaskTaken` when another advisor has this group task.
    pub fn act_on_task(&self, task_id: String, action: TaskAction) -> Result<u64, CarnetError> {
        Ok(self.core.act_on_task(&task_id, action.into())?)
    }

    /// Logs a call to her (marketing, by phone) with how it went, offline; returns its id. A
    /// call that reached her, made for a task, completes the task. `ContactRefused` when she
    /// has not consented to calls or was contacted within the quiet period.
    pub fn log_call(
        &self,
        customer_id: String,
        task_id: Option<String>,
        outcome: CallOutcome,
    ) -> Result<String, CarnetError> {
        Ok(self
            .core
            .log_call(&customer_id, task_id.as_deref(), outcome.into())?)
    }

    /// The first draft of an e-mail or SMS to her, for `task_id` if given, in her language,
    /// suggesting `product_ids` (empty: the task's). The advisor edits it, then sends it.
    pub fn draft_message(
        &self,
        customer_id: String,
        channel: MessageChannel,
        task_id: Option<String>,
        product_ids: Vec<String>,
    ) -> Result<MessageDraft, CarnetError> {
        Ok(self
            .core
            .draft_message(
                &customer_id,
                channel.into(),
                task_id.as_deref(),
                &product_ids,
            )?
            .into())
    }

    /// Sends her an e-mail or SMS as the advisor edited it: queued offline, sent by the
    /// server once after the next sync; returns its id. `ContactRefused` (no consent, no
    /// address, the quiet period) or `InvalidInput` (the text does not fit the channel). A
    /// message for a task completes the task.
    pub fn send_message(
        &self,
        customer_id: String,
        task_id: Option<String>,
        channel: MessageChannel,
        text: MessageText,
        product_ids: Vec<String>,
    ) -> Result<String, CarnetError> {
        Ok(self.core.send_message(
            &customer_id,
            task_id.as_deref(),
            channel.into(),
            text.into(),
            product_ids,
        )?)
    }

    /// Her contacts, the latest first.
    pub fn contacts(&self, customer_id: String) -> Result<Vec<OutreachEntry>, CarnetError> {
        Ok(self
            .core
            .contacts(&customer_id)?
            .into_iter()
            .map(OutreachEntry::from)
            .collect())
    }

    /// Her card's timeline, the latest first: her purchases on every channel, her consent
    /// decisions, her contacts and her bookings.
    pub fn timeline(&self, customer_id: String) -> Result<Vec<TimelineEvent>, CarnetError> {
        Ok(convert(self.core.timeline(&customer_id)?))
    }

    /// Her wish list, the latest first.
    pub fn wishes(&self, customer_id: String) -> Result<Vec<Wish>, CarnetError> {
        Ok(self
            .core
            .wishes(&customer_id)?
            .into_iter()
            .map(Wish::from)
            .collect())
    }

    /// Notes a product she wants later, offline; returns the wish's id (`NotFound` for a
    /// product the catalogue does not have). When it launches, her advisor gets a task.
    pub fn add_wish(
        &self,
        customer_id: String,
        product_id: String,
        note: Option<String>,
    ) -> Result<String, CarnetError> {
        Ok(self.core.add_wish(&customer_id, &product_id, note)?)
    }

    /// Removes a wish of hers, offline.
    pub fn remove_wish(&self, customer_id: String, wish_id: String) -> Result<(), CarnetError> {
        Ok(self.core.remove_wish(&customer_id, &wish_id)?)
    }

    /// Her notes, the latest first, with author and date.
    pub fn notes(&self, customer_id: String) -> Result<Vec<Note>, CarnetError> {
        Ok(self
            .core
            .notes(&customer_id)?
            .into_iter()
            .map(Note::from)
            .collect())
    }

    /// Writes a new note on her (`note_id` `None`) or edits one, offline; returns its id.
    /// Call `special_words` first and warn when it finds any.
    pub fn save_note(
        &self,
        customer_id: String,
        note_id: Option<String>,
        text: String,
    ) -> Result<String, CarnetError> {
        Ok(self
            .core
            .save_note(&customer_id, note_id.as_deref(), &text)?)
    }

    /// Deletes one of her notes, offline.
    pub fn delete_note(&self, customer_id: String, note_id: String) -> Result<(), CarnetError> {
        Ok(self.core.delete_note(&customer_id, &note_id)?)
    }

    /// The store's services to book.
    pub fn services(&self) -> Result<Vec<BookableService>, CarnetError> {
        Ok(convert(self.core.services()?))
    }

    /// The store's IANA time zone, in which appointments are shown.
    pub fn store_time_zone(&self) -> Result<String, CarnetError> {
        Ok(self.core.store_time_zone()?)
    }

    /// The free starts of a service for `days` days from `from` (seconds since the epoch),
    /// with one advisor or the least booked one, avoiding the customer's own bookings.
    pub fn free_slots(
        &self,
        service_id: String,
        advisor_id: Option<String>,
        customer_id: Option<String>,
        from: i64,
        days: u32,
    ) -> Result<Vec<FreeSlot>, CarnetError> {
        Ok(convert(self.core.free_slots(
            &service_id,
            advisor_id.as_deref(),
            customer_id.as_deref(),
            from,
            days,
        )?))
    }

    /// Books a free slot for a customer, offline: provisional until the server confirms it
    /// (`AppointmentRefused` if this handheld already sees the time taken). Returns its id.
    pub fn book(
        &self,
        customer_id: String,
        service_id: String,
        slot: FreeSlot,
    ) -> Result<String, CarnetError> {
        Ok(self.core.book(&NewBooking {
            customer_id: &customer_id,
            service_id: &service_id,
            advisor_id: &slot.advisor_id,
            resource_id: slot.resource_id.as_deref(),
            start: slot.start,
        })?)
    }

    /// Moves a booking to a free slot, offline.
    pub fn move_appointment(&self, booking_id: String, slot: FreeSlot) -> Result<(), CarnetError> {
        Ok(self
            .core
            .move_appointment(&booking_id, &slot.advisor_id, slot.start)?)
    }

    /// Cancels a booking, offline.
    pub fn cancel_appointment(&self, booking_id: String) -> Result<(), CarnetError> {
        Ok(self.core.cancel_appointment(&booking_id)?)
    }

    /// Marks a booking done or missed, once its time has begun.
    pub fn close_appointment(
        &self,
        booking_id: String,
        closing: Closing,
    ) -> Result<(), CarnetError> {
        Ok(self.core.close_appointment(&booking_id, closing.into())?)
    }

    /// The store's bookings on a local day (`YYYY-MM-DD`), in time order.
    pub fn day_appointments(&self, day: String) -> Result<Vec<Appointment>, CarnetError> {
        let day = carnet_core::time::parse_day(&day).ok_or(CarnetError::InvalidInput {
            reason: "a day is YYYY-MM-DD".into(),
        })?;
        Ok(convert(self.core.day_appointments(day)?))
    }

    /// Her bookings, the latest first.
    pub fn customer_appointments(
        &self,
        customer_id: String,
    ) -> Result<Vec<Appointment>, CarnetError> {
        Ok(convert(self.core.customer_appointments(&customer_id)?))
    }

    /// A confirmed booking as a calendar file (`.ics`, RFC 5545) to hand her, in her language.
    pub fn appointment_calendar(&self, booking_id: String) -> Result<String, CarnetError> {
        Ok(self.core.appointment_calendar(&booking_id)?)
    }

    /// The customer whose loyalty card was scanned (EAN-13, check digit verified).
    pub fn find_by_card(&self, scanned: String) -> Result<CustomerMatch, CarnetError> {
        Ok(self.core.find_by_card(&scanned)?.into())
    }

    /// Customers matching what the advisor typed: name words and optionally a postal code.
    pub fn search_by_name(
        &self,
        query: String,
        limit: u32,
    ) -> Result<Vec<CustomerMatch>, CarnetError> {
        Ok(convert(self.core.search_by_name(&query, limit as usize)?))
    }

    /// Customers with this phone number, typed in any format (national or international); a
    /// number still being typed (6 digits or more) finds those whose number starts with it.
    /// Fewer digits, or letters, are `InvalidInput`.
    pub fn search_by_phone(&self, typed: String) -> Result<Vec<CustomerMatch>, CarnetError> {
        Ok(convert(self.core.search_by_phone(&typed)?))
    }

    /// Customers whose e-mail starts with what was typed.
    pub fn search_by_email(
        &self,
        typed: String,
        limit: u32,
    ) -> Result<Vec<CustomerMatch>, CarnetError> {
        Ok(convert(self.core.search_by_email(&typed, limit as usize)?))
    }

    /// Opens a customer's card (the opening is recorded for the store's audit).
    pub fn open_card(&self, customer_id: String) -> Result<CustomerCard, CarnetError> {
        Ok(self.core.open_card(&customer_id)?.into())
    }

    /// Her card read again while it is open (after an edit): its opening was recorded for
    /// the audit once, and this records nothing more. Any other card is opened.
    pub fn reload_card(&self, customer_id: String) -> Result<CustomerCard, CarnetError> {
        Ok(self.core.reload_card(&customer_id)?.into())
    }

    /// A page of a customer's purchase history.
    pub fn history(
        &self,
        customer_id: String,
        query: HistoryQuery,
    ) -> Result<HistoryPage, CarnetError> {
        Ok(self.core.history(&customer_id, &query.into())?.into())
    }

    /// Her personalised suggestions; a like or dislike changes the next call at once.
    pub fn playlist(&self, customer_id: String, limit: u32) -> Result<Playlist, CarnetError> {
        Ok(self.core.playlist(&customer_id, limit as usize)?.into())
    }

    /// What she is due to buy again soon.
    pub fn repurchase(&self, customer_id: String) -> Result<RepurchaseList, CarnetError> {
        Ok(self.core.repurchase(&customer_id)?.into())
    }

    /// Her next-visit forecast, or why there is none: withheld (consent withdrawn, no model
    /// yet), or neither when she has too little history for one.
    pub fn visit_forecast(&self, customer_id: String) -> Result<CardForecast, CarnetError> {
        let card = self.core.forecast(&customer_id)?;
        Ok(CardForecast {
            forecast: card.forecast.map(VisitForecast::from),
            withheld: card.withheld.map(Into::into),
        })
    }

    /// Existing customers the one being typed may be: show them before a duplicate is made.
    pub fn likely_duplicates(
        &self,
        candidate: CandidateContact,
    ) -> Result<Vec<DuplicateHint>, CarnetError> {
        Ok(self
            .core
            .likely_duplicates(candidate.into())?
            .into_iter()
            .map(|(customer, reasons)| DuplicateHint {
                customer: customer.into(),
                reasons: convert(reasons),
            })
            .collect())
    }

    /// Registers a new customer with the card just handed to her; returns her id. Invalid
    /// details come back as `InvalidField` with the field and the reason (the first one; see
    /// `registration_problems` for all of them).
    pub fn register_customer(&self, customer: NewCustomer) -> Result<String, CarnetError> {
        Ok(self.core.register_customer(customer.into())?)
    }

    /// Every problem of a registration form at once, in form order (the card first, then
    /// the fields), for the form to show each under its field before she registers; empty
    /// when `register_customer` would accept it. Saves nothing.
    pub fn registration_problems(
        &self,
        customer: NewCustomer,
    ) -> Result<Vec<FormProblem>, CarnetError> {
        Ok(self
            .core
            .registration_problems(customer.into())?
            .into_iter()
            .map(FormProblem::from)
            .collect())
    }

    /// Sets or clears a text contact field; applied at once, sent with the next sync.
    pub fn edit_contact(
        &self,
        customer_id: String,
        field: ContactField,
        value: Option<String>,
    ) -> Result<u64, CarnetError> {
        let value = value.map(carnet_protocol::ContactValue::Text);
        Ok(self.core.edit_contact(&customer_id, field.into(), value)?)
    }

    /// Changes the postal address.
    pub fn edit_address(&self, customer_id: String, address: Address) -> Result<u64, CarnetError> {
        let value = carnet_protocol::ContactValue::Address(carnet_protocol::Address {
            line1: address.line1,
            postal_code: address.postal_code,
            city: address.city,
            country: address.country,
        });
        Ok(self.core.edit_contact(
            &customer_id,
            carnet_protocol::ContactField::Address,
            Some(value),
        )?)
    }

    /// Records a consent given or withdrawn at the counter.
    pub fn record_consent(
        &self,
        customer_id: String,
        channel: String,
        purpose: String,
        granted: bool,
    ) -> Result<u64, CarnetError> {
        Ok(self
            .core
            .record_consent(&customer_id, &channel, &purpose, granted)?)
    }

    /// The customer's like / dislike of a suggested product.
    pub fn give_feedback(
        &self,
        customer_id: String,
        product_id: String,
        verdict: Verdict,
    ) -> Result<u64, CarnetError> {
        Ok(self
            .core
            .give_feedback(&customer_id, &product_id, verdict.into())?)
    }

    /// Marks a purchase line as a gift (or not): gifts never shape her profile.
    pub fn set_gift(&self, purchase_id: String, gift: bool) -> Result<u64, CarnetError> {
        Ok(self.core.set_gift(&purchase_id, gift)?)
    }

    /// Edits waiting for the server, then those it refused, with reasons.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, CarnetError> {
        Ok(convert(self.core.outbox()?))
    }

    /// Removes a refused edit the advisor has read.
    pub fn dismiss_rejected(&self, seq: u64) -> Result<(), CarnetError> {
        Ok(self.core.dismiss_rejected(seq)?)
    }

    /// Syncs now and waits for the end (push, then pull).
    pub async fn sync_now(&self) -> Result<SyncReport, CarnetError> {
        Ok(self.core.sync(&CancelHandle::new(), &|_| {}).await?.into())
    }

    /// Starts a sync in the background; `observer` hears its progress and its end. The
    /// returned task cancels it (Swift's task cancellation does not reach Rust).
    pub fn start_sync(&self, observer: Arc<dyn SyncObserver>) -> Arc<SyncTask> {
        let cancel = CancelHandle::new();
        let task = Arc::new(SyncTask {
            cancel: cancel.clone(),
        });
        let core = Arc::clone(&self.core);
        RUNTIME.spawn(async move {
            let progress_observer = Arc::clone(&observer);
            let result = core
                .sync(&cancel, &move |p| progress_observer.progress(p.into()))
                .await;
            match result {
                Ok(report) => observer.finished(Some(report.into()), None),
                Err(e) => observer.finished(None, Some(e.into())),
            }
        });
        task
    }
}

fn convert<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}
