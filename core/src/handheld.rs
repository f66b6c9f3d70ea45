//! The handheld as the app sees it: one object whose every data call goes through the
//! session's lock, records what the audit needs, and speaks the domain's types. The uniffi
//! facade wraps this object and nothing else.

use std::sync::Arc;

use carnet_protocol::{
    CallOutcome, ContactField, ContactValue, FeedbackVerdict, MessageChannel, MessageText,
    MutationKind, TaskAction,
};
use chrono::{NaiveDate, Utc};
use rusqlite::OptionalExtension;

use crate::card::CustomerCard;
use crate::error::Result;
use crate::history::{HistoryPage, HistoryQuery};
use crate::lookup::CustomerMatch;
use crate::outbox::OutboxEntry;
use crate::session::{Session, SessionError};
use crate::store::Cache;
use crate::sync::{CancelHandle, Progress, SyncReport};
use carnet_fixtures::format::{Address, Customer};

use crate::appointment_edits;
use crate::appointments::{self, bookings};
use crate::barcode::{BarcodeError, CardNumber};
use crate::duplicates::{self, CandidateContact, DuplicateReason};
use crate::error::Error;
use crate::{book, contact, history, lookup, notes, outbox, recommend, registration, tasks};

/// The edit that does `action` on task `task_id`.
fn task_edit(task_id: &str, action: TaskAction) -> Result<MutationKind> {
    let customer_id = tasks::customer_of(task_id)
        .ok_or(tasks::ActionProblem::TaskId)?
        .to_owned();
    Ok(MutationKind::Task {
        task_id: task_id.to_owned(),
        customer_id,
        action,
    })
}

/// The edit that completes task `task_id`.
fn task_done(task_id: &str) -> Result<MutationKind> {
    task_edit(task_id, TaskAction::Done)
}

/// Days ahead the re-purchase list looks: what comes due within a month is worth a word.
pub const REPURCHASE_WINDOW_DAYS: u32 = 30;

/// The tier every new member starts in.
const NEW_CUSTOMER_TIER: &str = "essentiel";

/// A customer registered at the counter, as the advisor typed her.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    /// The loyalty card just handed to her (EAN-13).
    pub card: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail, if she gives one.
    pub email: Option<String>,
    /// Phone, if she gives one.
    pub phone: Option<String>,
    /// Street line.
    pub line1: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Preferred language (ISO 639-1).
    pub language: String,
}

/// One problem of a registration form, under the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormProblem {
    /// The card number is not a loyalty card's.
    Card(BarcodeError),
    /// A customer has this card already: look her up.
    CardTaken,
    /// A contact field's value is refused.
    Field(contact::FieldError),
}

/// Country assumed for national phone numbers before the store's record has synced.
const DEFAULT_COUNTRY: &str = "FR";

/// The handheld's operations, in the advisor's words.
pub struct Handheld {
    session: Session,
}

impl Handheld {
    /// A handheld over its session.
    pub fn new(session: Session) -> Self {
        Self { session }
    }

    /// The session: enrolment, presence, sign-in, lock state.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The cache, only while unlocked; every use counts as the advisor's activity.
    fn cache(&self) -> Result<Arc<Cache>> {
        let cache = self.session.cache()?;
        self.session.touch();
        Ok(cache)
    }

    /// The store's country (ISO 3166-1 alpha-2), to read national phone numbers.
    fn store_country(&self, cache: &Cache) -> Result<String> {
        let store_id = self.session.store_id().unwrap_or_default();
        cache.read(|c| {
            Ok(c.prepare_cached("SELECT country FROM store WHERE id = ?1")?
                .query_row([store_id], |r| r.get::<_, String>(0))
                .optional()?
                .unwrap_or_else(|| DEFAULT_COUNTRY.to_owned()))
        })
    }

    /// The signed-in advisor's client book, its first `limit` customers (the most recently
    /// seen first): what her home screen shows before any search.
    pub fn my_book(&self, limit: usize) -> Result<book::Book> {
        let cache = self.cache()?;
        let advisor = self.session.advisor_id().ok_or(Error::Locked)?;
        book::of(&cache, &advisor, limit)
    }

    /// The signed-in advisor's indicators for this month: tasks done, customers reached, sales
    /// attributed to her (see [`crate::results`]), her book and its active share.
    pub fn my_results(&self) -> Result<crate::results::Indicators> {
        let cache = self.cache()?;
        let advisor = self.session.advisor_id().ok_or(Error::Locked)?;
        crate::results::indicators(&cache, &advisor, today())
    }

    /// The signed-in advisor's task lists for today (hers, or the store's group tasks), each
    /// at most `limit` long.
    pub fn tasks(&self, scope: tasks::Scope, limit: usize) -> Result<tasks::TaskLists> {
        let cache = self.cache()?;
        let advisor = self.session.advisor_id().ok_or(Error::Locked)?;
        let store_id = self.session.store_id().ok_or(Error::Locked)?;
        tasks::lists(&cache, &store_id, &advisor, scope, today(), limit)
    }

    /// Takes, completes, snoozes or dismisses a task, offline: seen in the lists at once,
    /// pushed with the next sync. `TaskTaken` when another advisor has this group task.
    pub fn act_on_task(&self, task_id: &str, action: TaskAction) -> Result<u64> {
        self.record(task_edit(task_id, action)?)
    }

    /// Logs a call to her (marketing, by phone) with how it went, offline; returns its id.
    /// `ContactRefused` when she has not consented to calls or was contacted within the
    /// quiet period (as far as this device knows: the server checks the whole chain). A call
    /// that reached her, made for a task, completes the task too.
    pub fn log_call(
        &self,
        customer_id: &str,
        task_id: Option<&str>,
        outcome: CallOutcome,
    ) -> Result<String> {
        let outreach_id = crate::outreach::new_outreach_id()?;
        let mut edits = vec![MutationKind::Call {
            outreach_id: outreach_id.clone(),
            customer_id: customer_id.to_owned(),
            task_id: task_id.map(str::to_owned),
            outcome,
        }];
        if let Some(task_id) = task_id
            && outcome == CallOutcome::Reached
        {
            edits.push(task_done(task_id)?);
        }
        self.record_together(edits)?;
        Ok(outreach_id)
    }

    /// The first draft of an e-mail or SMS to her, for `task_id` if given, in her language,
    /// suggesting `product_ids` (none: the task's). The advisor edits it, then
    /// [`Handheld::send_message`].
    pub fn draft_message(
        &self,
        customer_id: &str,
        channel: MessageChannel,
        task_id: Option<&str>,
        product_ids: &[String],
    ) -> Result<crate::outreach::Draft> {
        let cache = self.cache()?;
        let advisor_id = self.session.advisor_id();
        let store_id = self.session.store_id().unwrap_or_default();
        let writer = crate::outreach::Writer {
            advisor_id: advisor_id.as_deref(),
            store_id: &store_id,
        };
        cache.read(|c| {
            crate::outreach::draft(c, customer_id, channel, task_id, product_ids, &writer)
        })
    }

    /// Sends her an e-mail or SMS, written by the advisor: queued offline, sent by the server
    /// at the next sync (once, however often it is pushed); returns the contact's id. Refused
    /// like a call (`ContactRefused`: no consent to the channel, no address on file, the
    /// quiet period) and when the text does not fit the channel (`InvalidInput`). A message
    /// for a task completes the task.
    pub fn send_message(
        &self,
        customer_id: &str,
        task_id: Option<&str>,
        channel: MessageChannel,
        text: MessageText,
        product_ids: Vec<String>,
    ) -> Result<String> {
        let outreach_id = crate::outreach::new_outreach_id()?;
        let mut edits = vec![MutationKind::Message {
            outreach_id: outreach_id.clone(),
            customer_id: customer_id.to_owned(),
            task_id: task_id.map(str::to_owned),
            channel,
            text,
            product_ids,
        }];
        if let Some(task_id) = task_id {
            edits.push(task_done(task_id)?);
        }
        self.record_together(edits)?;
        Ok(outreach_id)
    }

    /// Her contacts, the latest first.
    pub fn contacts(&self, customer_id: &str) -> Result<Vec<crate::outreach::Contact>> {
        crate::outreach::timeline(&*self.cache()?, customer_id)
    }

    /// Her timeline: her contacts and her bookings, the latest first.
    pub fn timeline(&self, customer_id: &str) -> Result<Vec<crate::timeline::Event>> {
        crate::timeline::of_customer(&*self.cache()?, customer_id)
    }

    /// Her wish list, the latest first.
    pub fn wishes(&self, customer_id: &str) -> Result<Vec<crate::wishes::Wish>> {
        crate::wishes::of(&*self.cache()?, customer_id)
    }

    /// Notes a product she wants later, offline; returns the wish's id. `NotFound` for a
    /// product the catalogue does not have. When it launches, her advisor gets a task.
    pub fn add_wish(
        &self,
        customer_id: &str,
        product_id: &str,
        note: Option<String>,
    ) -> Result<String> {
        let wish_id = crate::wishes::new_wish_id()?;
        self.record(MutationKind::Wish {
            wish_id: wish_id.clone(),
            customer_id: customer_id.to_owned(),
            product_id: Some(product_id.to_owned()),
            note,
        })?;
        Ok(wish_id)
    }

    /// Removes a wish of hers, offline.
    pub fn remove_wish(&self, customer_id: &str, wish_id: &str) -> Result<()> {
        self.record(MutationKind::Wish {
            wish_id: wish_id.to_owned(),
            customer_id: customer_id.to_owned(),
            product_id: None,
            note: None,
        })?;
        Ok(())
    }

    /// Her notes, the latest first, with author and date.
    pub fn notes(&self, customer_id: &str) -> Result<Vec<notes::Note>> {
        notes::of(&*self.cache()?, customer_id)
    }

    /// Writes a new note on her (`note_id` `None`) or edits one, offline; returns its id. Ask
    /// [`notes::special_words`] first: the app warns before saving what looks like
    /// special-category data.
    pub fn save_note(
        &self,
        customer_id: &str,
        note_id: Option<&str>,
        text: &str,
    ) -> Result<String> {
        let note_id = match note_id {
            Some(id) => id.to_owned(),
            None => notes::new_note_id()?,
        };
        self.record_note(customer_id, &note_id, Some(text.to_owned()))?;
        Ok(note_id)
    }

    /// Deletes one of her notes, offline.
    pub fn delete_note(&self, customer_id: &str, note_id: &str) -> Result<()> {
        self.record_note(customer_id, note_id, None)
    }

    fn record_note(&self, customer_id: &str, note_id: &str, text: Option<String>) -> Result<()> {
        self.record(MutationKind::Note {
            note_id: note_id.to_owned(),
            customer_id: customer_id.to_owned(),
            text,
        })?;
        Ok(())
    }

    /// The customer whose card was scanned.
    pub fn find_by_card(&self, scanned: &str) -> Result<CustomerMatch> {
        lookup::by_card(&*self.cache()?, scanned)
    }

    /// Customers matching a name (and postal code) query, as the advisor types.
    pub fn search_by_name(&self, query: &str, limit: usize) -> Result<Vec<CustomerMatch>> {
        lookup::by_name(&*self.cache()?, query, limit)
    }

    /// Customers with this phone number, in any format.
    pub fn search_by_phone(&self, typed: &str) -> Result<Vec<CustomerMatch>> {
        let cache = self.cache()?;
        let country = self.store_country(&cache)?;
        lookup::by_phone(&cache, typed, &country)
    }

    /// Customers whose e-mail starts with what was typed.
    pub fn search_by_email(&self, typed: &str, limit: usize) -> Result<Vec<CustomerMatch>> {
        lookup::by_email(&*self.cache()?, typed, limit)
    }

    /// Opens a customer's card. Every opening is recorded for the store's audit (who looked at
    /// whom, when), and travels to the server with the next sync.
    pub fn open_card(&self, customer_id: &str) -> Result<CustomerCard> {
        self.session.touch();
        self.session.view_card(customer_id, today())
    }

    /// Her card read again while it is open (after an edit): the opening was recorded once,
    /// and reading it again records nothing. A card that is not the one open is opened.
    pub fn reload_card(&self, customer_id: &str) -> Result<CustomerCard> {
        self.session.touch();
        self.session.reread_card(customer_id, today())
    }

    /// A page of a customer's purchase history.
    pub fn history(&self, customer_id: &str, query: &HistoryQuery) -> Result<HistoryPage> {
        history::history(&*self.cache()?, customer_id, query)
    }

    /// Her personalised suggestions, with the advisor's likes and dislikes applied at once;
    /// withheld (with the reason) when she withdrew consent or no model has arrived yet.
    pub fn playlist(&self, customer_id: &str, limit: usize) -> Result<recommend::Playlist> {
        recommend::playlist(&*self.cache()?, customer_id, today(), limit)
    }

    /// What she is due (or overdue) to buy again within the re-purchase window.
    pub fn repurchase(&self, customer_id: &str) -> Result<recommend::RepurchaseList> {
        recommend::repurchase_list(
            &*self.cache()?,
            customer_id,
            today(),
            REPURCHASE_WINDOW_DAYS,
        )
    }

    /// Her next-visit forecast for the card.
    pub fn forecast(&self, customer_id: &str) -> Result<recommend::CardForecast> {
        recommend::visit_forecast(&*self.cache()?, customer_id, today())
    }

    /// Existing customers the one being typed may be (same e-mail, same phone, or a similar
    /// name at the same postal code), to show before a duplicate is made.
    pub fn likely_duplicates(
        &self,
        mut candidate: CandidateContact,
    ) -> Result<Vec<(CustomerMatch, Vec<DuplicateReason>)>> {
        let cache = self.cache()?;
        candidate.country = self.store_country(&cache)?;
        duplicates::likely(&cache, &candidate)?
            .into_iter()
            .map(|hint| Ok((lookup::by_id(&cache, &hint.customer_id)?, hint.reasons)))
            .collect()
    }

    /// Registers a new customer at the counter with the loyalty card she was just given; her
    /// details pass the contact rules, she joins this store, and the record travels with the
    /// next sync. Returns her new id.
    pub fn register_customer(&self, new: NewCustomer) -> Result<String> {
        let cache = self.cache()?;
        let customer = self.new_customer_record(&cache, new)?;
        let id = customer.id.clone();
        self.record(MutationKind::CreateCustomer {
            customer: Box::new(customer),
        })?;
        Ok(id)
    }

    /// Every problem the registration form has now (the card, then each field in form
    /// order), for the form to show them all at once; empty when `register_customer` would
    /// accept it. [`register_customer`](Self::register_customer) stops at the first.
    pub fn registration_problems(&self, new: NewCustomer) -> Result<Vec<FormProblem>> {
        let cache = self.cache()?;
        let customer = self.new_customer_record(&cache, new)?;
        let mut problems = Vec::new();
        match CardNumber::parse(&customer.card) {
            Err(e) => problems.push(FormProblem::Card(e)),
            Ok(card) => {
                if lookup::by_card(&cache, card.as_str()).is_ok() {
                    problems.push(FormProblem::CardTaken);
                }
            }
        }
        problems.extend(
            // Her address carries the store's country: national phone numbers read by it.
            contact::customer_problems(&customer, &customer.address.country)
                .into_iter()
                .map(FormProblem::Field),
        );
        Ok(problems)
    }

    /// The record a registration makes: a fresh id, this store, no points yet.
    fn new_customer_record(&self, cache: &Cache, new: NewCustomer) -> Result<Customer> {
        let country = self.store_country(cache)?;
        let now = Utc::now();
        Ok(Customer {
            id: registration::new_customer_id()?,
            card: new.card,
            first_name: new.first_name,
            last_name: new.last_name,
            email: new.email,
            phone: new.phone,
            address: Address {
                line1: new.line1,
                postal_code: new.postal_code,
                city: new.city,
                country,
            },
            language: new.language,
            home_store_id: self.session.store_id().ok_or(Error::Locked)?,
            tier: NEW_CUSTOMER_TIER.to_owned(),
            points: 0,
            customer_type: "individual".to_owned(),
            segment: String::new(),
            consents: Vec::new(),
            created_on: today().to_string(),
            updated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            advisor_id: None,
            birthday: None,
        })
    }

    /// Changes a contact field; applied at once, sent with the next sync.
    pub fn edit_contact(
        &self,
        customer_id: &str,
        field: ContactField,
        value: Option<ContactValue>,
    ) -> Result<u64> {
        self.record(MutationKind::ContactEdit {
            customer_id: customer_id.to_owned(),
            field,
            value,
        })
    }

    /// Records a consent given or withdrawn at the counter.
    pub fn record_consent(
        &self,
        customer_id: &str,
        channel: &str,
        purpose: &str,
        granted: bool,
    ) -> Result<u64> {
        self.record(MutationKind::Consent {
            customer_id: customer_id.to_owned(),
            channel: channel.to_owned(),
            purpose: purpose.to_owned(),
            granted,
            source: "store".to_owned(),
        })
    }

    /// The customer likes, dislikes, or no longer has an opinion on a suggested product.
    pub fn give_feedback(
        &self,
        customer_id: &str,
        product_id: &str,
        verdict: FeedbackVerdict,
    ) -> Result<u64> {
        self.record(MutationKind::Feedback {
            customer_id: customer_id.to_owned(),
            product_id: product_id.to_owned(),
            verdict,
        })
    }

    /// Marks a purchase line as a gift for someone else (or not).
    pub fn set_gift(&self, purchase_id: &str, gift: bool) -> Result<u64> {
        self.record(MutationKind::GiftFlag {
            purchase_id: purchase_id.to_owned(),
            gift,
        })
    }

    /// Records edits that stand or fall together (see [`outbox::record_together`]).
    fn record_together(&self, changes: Vec<MutationKind>) -> Result<Vec<u64>> {
        let cache = self.cache()?;
        outbox::record_together(
            &cache,
            changes,
            self.session.advisor_id().as_deref(),
            Utc::now(),
        )
    }

    fn record(&self, change: MutationKind) -> Result<u64> {
        let cache = self.cache()?;
        outbox::record(
            &cache,
            change,
            self.session.advisor_id().as_deref(),
            Utc::now(),
        )
    }

    /// The store's services to book, in plan order.
    pub fn services(&self) -> Result<Vec<appointments::Service>> {
        let store_id = self.store()?;
        bookings::services(&*self.cache()?, &store_id)
    }

    /// The store's IANA time zone: appointments are shown in it.
    pub fn store_time_zone(&self) -> Result<String> {
        let store_id = self.store()?;
        bookings::time_zone(&*self.cache()?, &store_id)
    }

    /// The free starts of a service from `from` for `days` days (with `advisor_id`, or the
    /// least booked advisor who has the specialty), avoiding the customer's own bookings.
    pub fn free_slots(
        &self,
        service_id: &str,
        advisor_id: Option<&str>,
        customer_id: Option<&str>,
        from: i64,
        days: u32,
    ) -> Result<Vec<appointments::Slot>> {
        let store_id = self.store()?;
        let agenda = bookings::store_agenda(&*self.cache()?, &store_id, None)?;
        Ok(agenda.free_slots(&appointments::SlotQuery {
            service_id,
            advisor_id,
            customer_id,
            window: appointments::Span::new(from, from + 86_400 * i64::from(days)),
            now: Utc::now().timestamp(),
        })?)
    }

    /// Books a service for a customer, offline: checked against the agenda this handheld
    /// has, provisional until the server confirms it. Returns the booking's id.
    pub fn book(&self, booking: &bookings::NewBooking) -> Result<String> {
        let (store_id, advisor) = (self.store()?, self.signed_in()?);
        appointment_edits::book(&*self.cache()?, &store_id, &advisor, booking, Utc::now())
    }

    /// Moves a booking to `start` with `advisor_id`, offline.
    pub fn move_appointment(&self, booking_id: &str, advisor_id: &str, start: i64) -> Result<()> {
        let advisor = self.signed_in()?;
        let cache = self.cache()?;
        appointment_edits::move_to(
            &cache,
            booking_id,
            advisor_id,
            None,
            start,
            &advisor,
            Utc::now(),
        )
    }

    /// Cancels a booking, offline.
    pub fn cancel_appointment(&self, booking_id: &str) -> Result<()> {
        let advisor = self.signed_in()?;
        appointment_edits::cancel(&*self.cache()?, booking_id, &advisor, Utc::now())
    }

    /// Marks a booking done or missed, offline, once its time has begun.
    pub fn close_appointment(&self, booking_id: &str, closing: bookings::Closing) -> Result<()> {
        let advisor = self.signed_in()?;
        appointment_edits::close(&*self.cache()?, booking_id, closing, &advisor, Utc::now())
    }

    /// The store's bookings on a local day, in time order: the advisor's day list.
    pub fn day_appointments(&self, day: NaiveDate) -> Result<Vec<bookings::Appointment>> {
        let store_id = self.store()?;
        bookings::day(&*self.cache()?, &store_id, day)
    }

    /// A customer's bookings, the latest first: her card and timeline.
    pub fn customer_appointments(&self, customer_id: &str) -> Result<Vec<bookings::Appointment>> {
        bookings::of_customer(&*self.cache()?, customer_id)
    }

    /// A confirmed booking as a calendar file (`.ics`) she can add to her calendar.
    pub fn appointment_calendar(&self, booking_id: &str) -> Result<String> {
        bookings::calendar(&*self.cache()?, booking_id, chrono::Utc::now().timestamp())
    }

    fn store(&self) -> Result<String> {
        self.session.store_id().ok_or(Error::Locked)
    }

    fn signed_in(&self) -> Result<String> {
        self.session.advisor_id().ok_or(Error::Locked)
    }

    /// Edits not yet answered by the server, then those it rejected (with reasons).
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        outbox::entries(&*self.cache()?)
    }

    /// Removes a rejected edit the advisor has read.
    pub fn dismiss_rejected(&self, seq: u64) -> Result<()> {
        outbox::dismiss_rejected(&*self.cache()?, seq)
    }

    /// One sync round (push, then pull), only while the device proves presence in the store.
    /// The session handles what the server says about the device (revoked: shred).
    pub async fn sync(
        &self,
        cancel: &CancelHandle,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> std::result::Result<SyncReport, SessionError> {
        let mut report = self.session.sync(cancel, progress).await?;
        // The edits pushed come back through the feed: the pages note whose tasks they touch,
        // and only those are derived again (the whole store on a new day).
        let cache = self.session.cache()?;
        let store_id = self.session.store_id().unwrap_or_default();
        let refreshed =
            tokio::task::spawn_blocking(move || tasks::refresh_changed(&cache, &store_id, today()))
                .await
                .map_err(|_| SessionError::Core("the task refresh stopped".into()))??;
        report.tasks = refreshed.tasks();
        Ok(report)
    }
}

/// The device's local day: offers and due dates are judged against it.
fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::testing::TestDevice;
    use crate::session::{KioskStatus, LockReason, SessionState};

    fn zelie() -> NewCustomer {
        NewCustomer {
            card: carnet_fixtures::ean::with_check_digit("290999999901"),
            first_name: "Zélie".into(),
            last_name: "Nouvelle".into(),
            email: Some("zelie@example.fr".into()),
            phone: None,
            line1: "3 rue Neuve".into(),
            postal_code: "75011".into(),
            city: "Paris".into(),
            language: "fr".into(),
        }
    }

    /// The views of her card waiting for the audit.
    fn views_of(handheld: &Handheld, customer_id: &str) -> usize {
        handheld
            .outbox()
            .unwrap()
            .iter()
            .filter(|e| {
                matches!(&e.change, MutationKind::ProfileView { customer_id: id } if id == customer_id)
            })
            .count()
    }

    #[test]
    fn a_card_opened_once_and_read_again_after_an_edit_is_one_view() {
        let device = TestDevice::enrolled();
        let handheld = Handheld::new(device.unlocked());
        let id = handheld.register_customer(zelie()).unwrap();
        let other = handheld
            .register_customer(NewCustomer {
                card: carnet_fixtures::ean::with_check_digit("290999999902"),
                first_name: "Anna".into(),
                email: Some("anna@example.fr".into()),
                ..zelie()
            })
            .unwrap();
        assert_eq!(views_of(&handheld, &id), 0);

        handheld.open_card(&id).unwrap();
        assert_eq!(views_of(&handheld, &id), 1);
        let value = Some(ContactValue::Text("zelie.n@example.fr".into()));
        handheld
            .edit_contact(&id, ContactField::Email, value)
            .unwrap();
        let card = handheld.reload_card(&id).unwrap();
        assert_eq!(card.contact.email.as_deref(), Some("zelie.n@example.fr"));
        handheld.reload_card(&id).unwrap();
        assert_eq!(views_of(&handheld, &id), 1, "read again, not opened again");

        // Reading another card than the one open opens it; opening hers again is a new view.
        handheld.reload_card(&other).unwrap();
        assert_eq!(views_of(&handheld, &other), 1);
        handheld.open_card(&id).unwrap();
        assert_eq!(views_of(&handheld, &id), 2);
    }

    #[test]
    fn after_a_lock_her_card_read_again_is_a_new_view() {
        let device = TestDevice::enrolled();
        let session = device.unlocked();
        let handheld = Handheld::new(session.clone());
        let id = handheld.register_customer(zelie()).unwrap();
        handheld.open_card(&id).unwrap();
        session.backgrounded();
        assert!(matches!(handheld.reload_card(&id), Err(Error::Locked)));
        let handheld = Handheld::new(device.unlocked());
        handheld.reload_card(&id).unwrap();
        assert_eq!(views_of(&handheld, &id), 2);
    }

    #[tokio::test]
    async fn a_refused_single_app_mode_locks_and_every_data_call_says_why() {
        let device = TestDevice::enrolled();
        let session = device.unlocked();
        let handheld = Handheld::new(session.clone());
        let id = handheld.register_customer(zelie()).unwrap();
        let card = zelie().card;
        assert_eq!(handheld.find_by_card(&card).unwrap().id, id);

        let refused = KioskStatus {
            required: true,
            granted: Some(false),
        };
        let locked = |reason| SessionState::Locked { reason };
        assert_eq!(
            session.kiosk_changed(refused),
            locked(LockReason::KioskRequired)
        );
        let kiosk = |r: Result<_>| matches!(r, Err(Error::KioskRequired));
        assert!(kiosk(handheld.find_by_card(&card).map(drop)));
        assert!(kiosk(handheld.search_by_name("zelie", 5).map(drop)));
        assert!(kiosk(handheld.open_card(&id).map(drop)));
        assert!(kiosk(
            handheld.history(&id, &HistoryQuery::default()).map(drop)
        ));
        assert!(kiosk(handheld.playlist(&id, 5).map(drop)));
        assert!(kiosk(handheld.outbox().map(drop)));
        assert!(kiosk(
            handheld
                .record_consent(&id, "email", "marketing", true)
                .map(drop)
        ));
        assert!(kiosk(handheld.register_customer(zelie()).map(drop)));
        let synced = handheld.sync(&CancelHandle::new(), &|_| {}).await;
        assert_eq!(
            synced.err(),
            Some(SessionError::Locked(LockReason::KioskRequired))
        );
        let signed_in = session.sign_in("A001".into(), "1234".into()).await;
        assert_eq!(
            signed_in,
            Err(SessionError::Locked(LockReason::KioskRequired))
        );

        // Not answered yet counts as refused; granted, the advisor signs in again (the cache
        // was closed); not required, nothing is asked of the platform.
        let pending = KioskStatus {
            required: true,
            granted: None,
        };
        assert_eq!(
            session.kiosk_changed(pending),
            locked(LockReason::KioskRequired)
        );
        let granted = KioskStatus {
            required: true,
            granted: Some(true),
        };
        assert_eq!(
            session.kiosk_changed(granted),
            locked(LockReason::SignedOut)
        );
        assert!(matches!(handheld.find_by_card(&card), Err(Error::Locked)));
        let handheld = Handheld::new(device.unlocked());
        let not_required = KioskStatus {
            required: false,
            granted: Some(false),
        };
        handheld.session().kiosk_changed(not_required);
        assert_eq!(handheld.find_by_card(&card).unwrap().id, id);
    }
}
