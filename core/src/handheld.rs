//! The handheld as the app sees it: one object whose every data call goes through the lock
//! (an [`Access`]), records what the audit needs, and speaks the domain's types. The uniffi
//! facade wraps this object and nothing else.

use std::sync::Arc;

use carnet_protocol::{ContactField, ContactValue, FeedbackVerdict, MutationKind};
use chrono::{NaiveDate, Utc};

use crate::card::CustomerCard;
use crate::error::Result;
use crate::history::{HistoryPage, HistoryQuery};
use crate::lookup::CustomerMatch;
use crate::outbox::OutboxEntry;
use crate::store::Cache;
use crate::sync::{CancelHandle, Progress, SyncClient, SyncError, SyncReport};
use crate::{card, history, lookup, outbox};

/// What the handheld may use right now: the lock state decides. The session implements it;
/// every method fails with [`Error::Locked`] (or says "no") while the device is locked.
pub trait Access: Send + Sync {
    /// The open cache, only while unlocked.
    fn cache(&self) -> Result<Arc<Cache>>;
    /// The signed-in advisor, only while unlocked.
    fn advisor_id(&self) -> Option<String>;
    /// The store's country (ISO 3166-1 alpha-2), to read national phone numbers.
    fn store_country(&self) -> String;
    /// Whether the device currently proves presence in the store (a valid lease).
    fn on_store_network(&self) -> bool;
    /// A sync client for the device's store and credentials.
    fn sync_client(&self) -> std::result::Result<SyncClient, SyncError>;
    /// The advisor did something: pushes the inactivity timeout back.
    fn touch(&self) {}
}

/// The handheld's operations, in the advisor's words.
pub struct Handheld {
    access: Arc<dyn Access>,
}

impl Handheld {
    /// A handheld over `access`.
    pub fn new(access: Arc<dyn Access>) -> Self {
        Self { access }
    }

    fn cache(&self) -> Result<Arc<Cache>> {
        let cache = self.access.cache()?;
        self.access.touch();
        Ok(cache)
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
        let country = self.access.store_country();
        lookup::by_phone(&*self.cache()?, typed, &country)
    }

    /// Customers whose e-mail starts with what was typed.
    pub fn search_by_email(&self, typed: &str, limit: usize) -> Result<Vec<CustomerMatch>> {
        lookup::by_email(&*self.cache()?, typed, limit)
    }

    /// Opens a customer's card. Every opening is recorded for the store's audit (who looked at
    /// whom, when), and travels to the server with the next sync.
    pub fn open_card(&self, customer_id: &str) -> Result<CustomerCard> {
        let cache = self.cache()?;
        let card = card::customer_card(&cache, customer_id, today())?;
        outbox::record(
            &cache,
            MutationKind::ProfileView {
                customer_id: customer_id.to_owned(),
            },
            self.access.advisor_id().as_deref(),
            Utc::now(),
        )?;
        Ok(card)
    }

    /// A page of a customer's purchase history.
    pub fn history(&self, customer_id: &str, query: &HistoryQuery) -> Result<HistoryPage> {
        history::history(&*self.cache()?, customer_id, query)
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

    fn record(&self, change: MutationKind) -> Result<u64> {
        let cache = self.cache()?;
        outbox::record(
            &cache,
            change,
            self.access.advisor_id().as_deref(),
            Utc::now(),
        )
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
    pub async fn sync(
        &self,
        cancel: &CancelHandle,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> std::result::Result<SyncReport, SyncError> {
        let cache = self.access.cache().map_err(SyncError::from)?;
        let client = self.access.sync_client()?;
        crate::sync::sync(
            cache,
            &client,
            self.access.on_store_network(),
            cancel,
            progress,
        )
        .await
    }

    /// The handheld's access, for the session-level calls the app makes directly.
    pub fn access(&self) -> &Arc<dyn Access> {
        &self.access
    }
}

/// The device's local day: offers and due dates are judged against it.
fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}
