//! Carnet's sync protocol: the JSON wire types exchanged by the sync server and the device core
//! (pull a store's change feed, push mutations), plus certificate pinning behind the `tls` feature.
//!
//! Every request carries the header [`HEADER_PROTOCOL`] = [`PROTOCOL_VERSION`] and the device's
//! lease and request signature ([`presence`]). Errors are an [`ApiError`] with a stable code
//! from [`codes`].

use serde::{Deserialize, Serialize};

pub use carnet_fixtures::format::{
    Address, Advisor, AdvisorHours, Brand, Category, Channel, Consent, Customer, Offer, Product,
    PurchaseLine, Rate, Resource, Service, Store, StoreHours,
};

pub mod enrolment;
#[cfg(feature = "tls")]
pub mod pin;
pub mod presence;

/// The protocol version this crate speaks. A request with an older (or no) version gets
/// `426 upgrade_required`. Version 2: presence requests sign the app version
/// ([`presence::presence_message`]), request signatures hold for
/// [`presence::REQUEST_SKEW_MS`] and a signed write is accepted once, no device tokens.
/// Version 3: the feed carries the store's advisors ([`Entity::Advisor`]), customers their
/// client book and birthday, purchase lines their seller, products their launch date.
/// Version 4: what advisors do with the client book's tasks ([`MutationKind::Task`], the feed's
/// [`Entity::TaskState`]), their notes on customers ([`MutationKind::Note`],
/// [`Entity::Note`]), the calls they make ([`MutationKind::Call`], [`Entity::Outreach`]) and
/// head office's campaigns ([`Entity::Campaign`]).
/// Version 5: what a store books appointments with ([`Entity::StoreHours`],
/// [`Entity::Service`], [`Entity::Resource`], [`Entity::AdvisorHours`]).
/// Version 6: appointments booked on handhelds ([`MutationKind::Appointment`], the feed's
/// [`Entity::Appointment`]), and a rejection's typed [`Outcome::Rejected::detail`].
/// Version 7: stores take a currency and purchase lines carry theirs, their channel, order
/// and the line a return brings back; the feed carries the daily exchange rates
/// ([`Entity::Rate`]).
pub const PROTOCOL_VERSION: u32 = 7;

/// The request header carrying [`PROTOCOL_VERSION`].
pub const HEADER_PROTOCOL: &str = "x-carnet-protocol";

/// Page size of a pull when the request gives no `limit`.
pub const DEFAULT_PAGE_LIMIT: u32 = 5000;

/// Largest `limit` a pull accepts.
pub const MAX_PAGE_LIMIT: u32 = 10_000;

/// Most mutations one push may carry (more → `413 payload_too_large`).
pub const MAX_PUSH_MUTATIONS: usize = 1000;

/// Largest push body in bytes (more → `413 payload_too_large`).
pub const MAX_PUSH_BYTES: usize = 1 << 20;

/// `GET` path of a store's change feed; query `cursor` (opaque, empty for the beginning) and
/// `limit` (1..=[`MAX_PAGE_LIMIT`], default [`DEFAULT_PAGE_LIMIT`]). Answers a [`ChangePage`].
pub fn changes_path(store_id: &str) -> String {
    format!("/v1/stores/{store_id}/changes")
}

/// `POST` path of a store's mutation intake: body [`PushRequest`], answer [`PushResponse`].
pub fn mutations_path(store_id: &str) -> String {
    format!("/v1/stores/{store_id}/mutations")
}

/// Stable error codes of [`ApiError::error`], with their HTTP status in the doc.
pub mod codes {
    /// 426: the client's protocol version is missing or older than the server's.
    pub const UPGRADE_REQUIRED: &str = "upgrade_required";
    /// 401: missing or unknown credentials.
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// 403: the path names a store that is not the device's.
    pub const FORBIDDEN_STORE: &str = "forbidden_store";
    /// 400: malformed query, path or body.
    pub const BAD_REQUEST: &str = "bad_request";
    /// 404: no such route.
    pub const NOT_FOUND: &str = "not_found";
    /// 413: push body over [`super::MAX_PUSH_BYTES`] or over [`super::MAX_PUSH_MUTATIONS`].
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// 409: the first new mutation's seq is not the device's last applied seq + 1;
    /// [`super::ApiError::expected_seq`] says which seq the server expects.
    pub const SEQUENCE_GAP: &str = "sequence_gap";
    /// 410: the cursor belongs to a feed that was rebuilt: reset the cache and pull from "".
    pub const CURSOR_EXPIRED: &str = "cursor_expired";
    /// 500: the server failed; retry later.
    pub const INTERNAL: &str = "internal";
    /// 503: every database connection was busy past the wait bound; `Retry-After` says when
    /// to try again.
    pub const BUSY: &str = "busy";
}

/// Codes of [`Outcome::Rejected`].
pub mod reject {
    /// The customer is not one of the device's store's (unknown, or another store's: the
    /// answer never tells which).
    pub const UNKNOWN_CUSTOMER: &str = "unknown_customer";
    /// The customer, of the device's store, was erased (GDPR): every later mutation about her
    /// is rejected.
    pub const CUSTOMER_ERASED: &str = "customer_erased";
    /// The value is not valid for the field (wrong type, empty name, unknown channel, ...).
    pub const INVALID_VALUE: &str = "invalid_value";
    /// The product is not in the catalog.
    pub const UNKNOWN_PRODUCT: &str = "unknown_product";
    /// The purchase line is not one of the device's store's (unknown or another store's).
    pub const UNKNOWN_PURCHASE: &str = "unknown_purchase";
    /// A customer with this id or card already exists, or existed (in any store: the answer
    /// never says where).
    pub const ALREADY_EXISTS: &str = "already_exists";
    /// Another advisor took (or did) this group task first: she keeps it.
    pub const TASK_TAKEN: &str = "task_taken";
    /// She has not consented to marketing on this channel (or withdrew it).
    pub const NO_CONSENT: &str = "no_consent";
    /// Someone in the chain contacted her within the quiet period.
    pub const QUIET_PERIOD: &str = "quiet_period";
    /// The booking breaks one of the store's rules, or another booking holds the time: the
    /// rejection's `detail` is the core's typed refusal with the nearest free slots.
    pub const BOOKING_REFUSED: &str = "booking_refused";
    /// The booking is not one of the device's store's.
    pub const UNKNOWN_BOOKING: &str = "unknown_booking";
    /// No e-mail address or phone number for the message's channel is on file.
    pub const NO_ADDRESS: &str = "no_address";
}

/// The body of every error answer. `message` is for people and never holds personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable code from [`codes`].
    pub error: String,
    /// A human explanation.
    pub message: String,
    /// For [`codes::SEQUENCE_GAP`]: the seq the server expects next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<u64>,
    /// For `device_revoked` and `remote_wipe`: the signed [`presence::ShredOrder`]
    /// (`base64url(JSON) "." base64url(Ed25519 signature)`, like a lease).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// With an order: the lease keys the server moved to (see
    /// [`presence::PresenceResponse::key_chain`]), for a device that pinned an older one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_chain: Vec<presence::KeyEndorsement>,
}

/// Kinds of record in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// [`Store`] (catalog: every store sees it).
    Store,
    /// [`Advisor`], in her store's feed.
    Advisor,
    /// [`Brand`] (catalog).
    Brand,
    /// [`Category`] (catalog).
    Category,
    /// [`Product`] (catalog).
    Product,
    /// [`Customer`], in her home store's feed.
    Customer,
    /// [`PurchaseLine`], in its customer's store's feed.
    Purchase,
    /// [`Offer`], in its customer's store's feed.
    Offer,
    /// [`FeedbackRecord`], in its customer's store's feed.
    Feedback,
    /// [`ModelRecord`] (catalog: every store's devices receive the recommendation model).
    Model,
    /// [`PolicyRecord`], in its store's feed: the store's suppression policy and rules.
    Policy,
    /// [`RedirectRecord`], in the kept customer's store's feed: a merged duplicate's id and
    /// card lead to the customer she was merged into.
    Redirect,
    /// [`TaskStateRecord`], in its store's feed: what was last done with a client-book task.
    TaskState,
    /// [`NoteRecord`], in its store's feed: an advisor's note on a customer.
    Note,
    /// [`CampaignRecord`] (catalog: every device receives it, and keeps to those of its store).
    Campaign,
    /// [`OutreachRecord`], in the feed of the store that reached out: a contact with a customer.
    Outreach,
    /// [`TemplateRecord`], in its store's feed: a message template the store wrote.
    Template,
    /// [`WishRecord`], in its store's feed: a product a customer wants later.
    Wish,
    /// [`StoreHours`], in its store's feed: opening hours and closed days.
    StoreHours,
    /// [`Service`], in its store's feed: a service it books.
    Service,
    /// [`Resource`], in its store's feed: a cabin or a make-up chair.
    Resource,
    /// [`AdvisorHours`], in her store's feed: an advisor's week, specialties and leave.
    AdvisorHours,
    /// [`AppointmentRecord`], in its store's feed: a booking the server confirmed.
    Appointment,
    /// [`Rate`] (catalog): a currency's rate against the euro on a day.
    Rate,
}

impl Entity {
    /// Every entity, in load order (referenced entities first).
    pub const ALL: [Entity; 24] = [
        Entity::Store,
        Entity::Rate,
        Entity::Advisor,
        Entity::Brand,
        Entity::Category,
        Entity::Product,
        Entity::Customer,
        Entity::Purchase,
        Entity::Offer,
        Entity::Feedback,
        Entity::Model,
        Entity::Policy,
        Entity::Redirect,
        Entity::TaskState,
        Entity::Note,
        Entity::Campaign,
        Entity::Outreach,
        Entity::Template,
        Entity::Wish,
        Entity::StoreHours,
        Entity::Service,
        Entity::Resource,
        Entity::AdvisorHours,
        Entity::Appointment,
    ];

    /// The wire name (`store`, `purchase`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Store => "store",
            Entity::Advisor => "advisor",
            Entity::Brand => "brand",
            Entity::Category => "category",
            Entity::Product => "product",
            Entity::Customer => "customer",
            Entity::Purchase => "purchase",
            Entity::Offer => "offer",
            Entity::Feedback => "feedback",
            Entity::Model => "model",
            Entity::Policy => "policy",
            Entity::Redirect => "redirect",
            Entity::TaskState => "task_state",
            Entity::Note => "note",
            Entity::Campaign => "campaign",
            Entity::Outreach => "outreach",
            Entity::Template => "template",
            Entity::Wish => "wish",
            Entity::StoreHours => "store_hours",
            Entity::Service => "service",
            Entity::Resource => "resource",
            Entity::AdvisorHours => "advisor_hours",
            Entity::Appointment => "appointment",
            Entity::Rate => "rate",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// True for the catalog entities every store sees.
    pub fn is_catalog(self) -> bool {
        matches!(
            self,
            Entity::Store
                | Entity::Brand
                | Entity::Category
                | Entity::Product
                | Entity::Model
                | Entity::Campaign
                | Entity::Rate
        )
    }
}

/// One page of a store's change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePage {
    /// Changes in feed order; apply them in order, in one transaction with `next_cursor`.
    pub changes: Vec<Change>,
    /// The cursor to send next (opaque; store it with the applied page).
    pub next_cursor: String,
    /// True when more changes follow `next_cursor`.
    pub has_more: bool,
    /// Estimate of the changes after `next_cursor`, for progress.
    pub remaining: u64,
}

/// One change of the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
// Wire types built once per received change: boxing would cost an allocation for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Change {
    /// Insert or replace the record (by entity and id).
    Upsert {
        /// The whole record.
        record: Record,
    },
    /// Delete the record (a tombstone: id only).
    Delete {
        /// Which kind.
        entity: Entity,
        /// Its id.
        id: String,
    },
}

/// A record of the feed, tagged by `entity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum Record {
    /// A shop.
    Store(Store),
    /// One of the store's advisors.
    Advisor(Advisor),
    /// A brand.
    Brand(Brand),
    /// A category.
    Category(Category),
    /// A product.
    Product(Product),
    /// A customer.
    Customer(Customer),
    /// A purchase line.
    Purchase(PurchaseLine),
    /// A personal offer.
    Offer(Offer),
    /// An advisor's like / dislike of a product for a customer.
    Feedback(FeedbackRecord),
    /// The recommendation model built by the server.
    Model(ModelRecord),
    /// A store's personalisation policy.
    Policy(PolicyRecord),
    /// A merged customer's old id leading to the kept one.
    Redirect(RedirectRecord),
    /// What was last done with a client-book task.
    TaskState(TaskStateRecord),
    /// An advisor's note on a customer.
    Note(NoteRecord),
    /// A head-office campaign.
    Campaign(CampaignRecord),
    /// A contact with a customer.
    Outreach(OutreachRecord),
    /// A store's message template.
    Template(TemplateRecord),
    /// A product a customer wants later.
    Wish(WishRecord),
    /// A store's opening hours and closed days.
    StoreHours(StoreHours),
    /// A service a store books.
    Service(Service),
    /// A store's cabin or make-up chair.
    Resource(Resource),
    /// An advisor's week, specialties and leave.
    AdvisorHours(AdvisorHours),
    /// A booking.
    Appointment(AppointmentRecord),
    /// A day's exchange rate.
    Rate(Rate),
}

impl Record {
    /// The record's entity.
    pub fn entity(&self) -> Entity {
        match self {
            Record::Store(_) => Entity::Store,
            Record::Advisor(_) => Entity::Advisor,
            Record::Brand(_) => Entity::Brand,
            Record::Category(_) => Entity::Category,
            Record::Product(_) => Entity::Product,
            Record::Customer(_) => Entity::Customer,
            Record::Purchase(_) => Entity::Purchase,
            Record::Offer(_) => Entity::Offer,
            Record::Feedback(_) => Entity::Feedback,
            Record::Model(_) => Entity::Model,
            Record::Policy(_) => Entity::Policy,
            Record::Redirect(_) => Entity::Redirect,
            Record::TaskState(_) => Entity::TaskState,
            Record::Note(_) => Entity::Note,
            Record::Campaign(_) => Entity::Campaign,
            Record::Outreach(_) => Entity::Outreach,
            Record::Template(_) => Entity::Template,
            Record::Wish(_) => Entity::Wish,
            Record::StoreHours(_) => Entity::StoreHours,
            Record::Service(_) => Entity::Service,
            Record::Resource(_) => Entity::Resource,
            Record::AdvisorHours(_) => Entity::AdvisorHours,
            Record::Appointment(_) => Entity::Appointment,
            Record::Rate(_) => Entity::Rate,
        }
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        match self {
            Record::Store(r) => &r.id,
            Record::Advisor(r) => &r.id,
            Record::Brand(r) => &r.id,
            Record::Category(r) => &r.id,
            Record::Product(r) => &r.id,
            Record::Customer(r) => &r.id,
            Record::Purchase(r) => &r.id,
            Record::Offer(r) => &r.id,
            Record::Feedback(r) => &r.id,
            Record::TaskState(r) => &r.id,
            Record::Note(r) => &r.id,
            Record::Campaign(r) => &r.id,
            Record::Outreach(r) => &r.id,
            Record::Template(r) => &r.id,
            Record::Wish(r) => &r.id,
            Record::Model(r) => &r.id,
            Record::Policy(r) => &r.id,
            Record::Redirect(r) => &r.id,
            Record::StoreHours(r) => &r.store_id,
            Record::Service(r) => &r.id,
            Record::Resource(r) => &r.id,
            Record::AdvisorHours(r) => &r.advisor_id,
            Record::Appointment(r) => &r.id,
            Record::Rate(r) => &r.id,
        }
    }
}

/// A duplicate customer merged into another: her old id (and card) now lead to `to`. Sent
/// with the tombstone of the old customer, owned by the kept customer (so erasing her removes
/// the redirect too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectRecord {
    /// The merged (removed) customer's id.
    pub id: String,
    /// Her loyalty card number, so that the old card still finds the kept customer.
    pub card: Option<String>,
    /// The kept customer's id.
    pub to: String,
    /// When the merge was made (RFC 3339, server time).
    pub merged_at: String,
}

/// A like or dislike recorded by an advisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// She liked it.
    Like,
    /// She did not.
    Dislike,
}

/// The current feedback of a customer on a product (one per pair; last writer wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    /// `<customer_id>:<product_id>` (see [`FeedbackRecord::id_for`]).
    pub id: String,
    /// Customer id.
    pub customer_id: String,
    /// Product id.
    pub product_id: String,
    /// Like or dislike.
    pub verdict: Verdict,
    /// When the advisor recorded it (RFC 3339, the device's time).
    pub at: String,
}

impl FeedbackRecord {
    /// The feed id of the feedback of `customer_id` on `product_id`.
    pub fn id_for(customer_id: &str, product_id: &str) -> String {
        format!("{customer_id}:{product_id}")
    }
}

/// What an advisor did with a client-book task. Its id names the customer
/// (`kind:customer_id:anchor`, see `carnet_core::tasks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TaskAction {
    /// She takes a group task: the first advisor to take it keeps it.
    Take,
    /// Done.
    Done,
    /// Put off until a day (`YYYY-MM-DD`).
    Snooze {
        /// The day it comes back.
        until: String,
    },
    /// Dropped, with her reason (at most [`MAX_TASK_REASON_CHARS`] characters).
    Dismiss {
        /// Why.
        reason: String,
    },
}

/// A booking as the server keeps it: confirmed, then done, missed or cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentRecord {
    /// Its id (chosen by the device that booked it; 1 to [`MAX_BOOKING_ID_CHARS`]).
    pub id: String,
    /// The store.
    pub store_id: String,
    /// For whom.
    pub customer_id: String,
    /// The service.
    pub service_id: String,
    /// Who gives it.
    pub advisor_id: String,
    /// The cabin or chair it uses.
    pub resource_id: Option<String>,
    /// When the service starts (RFC 3339, UTC).
    pub start: String,
    /// When it ends, before its buffer (RFC 3339, UTC).
    pub end: String,
    /// The buffer after it, in minutes.
    pub buffer_min: u32,
    /// Where it stands.
    pub status: AppointmentStatus,
    /// The advisor who booked it.
    pub booked_by: Option<String>,
    /// When it was last changed (RFC 3339, the device's time).
    pub updated_at: String,
}

/// Where a confirmed booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// Booked.
    Confirmed,
    /// She came and was served.
    Done,
    /// She did not come.
    NoShow,
    /// Cancelled: its time is free again.
    Cancelled,
}

/// What an advisor does with a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum BookingAction {
    /// Books a service: checked by the server against the store's agenda, and refused
    /// ([`reject::BOOKING_REFUSED`]) when another booking holds the time.
    Book {
        /// The service.
        service_id: String,
        /// Who gives it.
        advisor_id: String,
        /// A cabin or chair chosen by hand, else the first free one of the service's kind.
        resource_id: Option<String>,
        /// When it starts: RFC 3339 with its offset (a time without one is refused).
        start: String,
    },
    /// Moves it to another time (and perhaps advisor or resource), checked like a booking.
    Move {
        /// Who gives it.
        advisor_id: String,
        /// A cabin or chair chosen by hand.
        resource_id: Option<String>,
        /// When it starts now.
        start: String,
    },
    /// Cancels it: its time is free again.
    Cancel,
    /// She did not come (once its time has begun).
    NoShow,
    /// She came and was served (once its time has begun).
    Done,
}

/// Longest booking id.
pub const MAX_BOOKING_ID_CHARS: usize = 64;

/// Longest reason for dismissing a task.
pub const MAX_TASK_REASON_CHARS: usize = 200;
/// Longest task id.
pub const MAX_TASK_ID_CHARS: usize = 120;

/// The last thing done with a task in a store, as the store's feed carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStateRecord {
    /// `<store_id>/<task_id>` (see [`TaskStateRecord::id_for`]).
    pub id: String,
    /// The task's id.
    pub task_id: String,
    /// Whom it is about.
    pub customer_id: String,
    /// What was done.
    pub action: TaskAction,
    /// Who did it.
    pub advisor_id: Option<String>,
    /// When (RFC 3339, the device's time).
    pub at: String,
}

impl TaskStateRecord {
    /// The feed id of task `task_id` of store `store_id`: the same task of a customer known to
    /// two stores is two records.
    pub fn id_for(store_id: &str, task_id: &str) -> String {
        format!("{store_id}/{task_id}")
    }
}

/// A campaign head office defines once for the chain or some of its stores: each device of a
/// store in scope makes a task for each of its customers the target matches while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRecord {
    /// Its id (1 to 64 bytes).
    pub id: String,
    /// What advisors read (1 to 120 characters).
    pub title: String,
    /// First day (`YYYY-MM-DD`).
    pub starts_on: String,
    /// Last day, included.
    pub ends_on: String,
    /// Whom it is for.
    pub target: CampaignTarget,
    /// The suggested message by language (`fr`, `en`, `it`), at least one.
    pub messages: std::collections::BTreeMap<String, String>,
    /// Up to 10 products to suggest.
    #[serde(default)]
    pub product_ids: Vec<String>,
    /// The stores it is for; every store when empty.
    #[serde(default)]
    pub stores: Vec<String>,
}

impl CampaignRecord {
    /// Whether the campaign is for store `store_id`.
    pub fn is_for(&self, store_id: &str) -> bool {
        self.stores.is_empty() || self.stores.iter().any(|s| s == store_id)
    }
}

/// Whom a campaign is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CampaignTarget {
    /// Every customer of the stores in scope.
    Everyone,
    /// Customers of a marketing segment.
    Segment {
        /// The segment (e.g. `skincare_expert`).
        segment: String,
    },
    /// Customers of a loyalty tier.
    Tier {
        /// The tier (e.g. `gold`).
        tier: String,
    },
    /// Customers who bought the brand (not as a gift).
    BrandBuyers {
        /// The brand's id.
        brand_id: String,
    },
}

/// Days after a contact during which nobody contacts the customer again, unless her store set
/// another quiet period (`presence::Policy::quiet_period_days`).
pub const QUIET_PERIOD_DAYS: i64 = 7;

/// How a call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// She answered.
    Reached,
    /// Nobody answered.
    NoAnswer,
    /// A message was left.
    Voicemail,
    /// The number is not hers.
    WrongNumber,
}

impl CallOutcome {
    /// Every outcome.
    pub const ALL: [CallOutcome; 4] = [
        CallOutcome::Reached,
        CallOutcome::NoAnswer,
        CallOutcome::Voicemail,
        CallOutcome::WrongNumber,
    ];

    /// The wire name (`reached`, `no_answer`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Reached => "reached",
            CallOutcome::NoAnswer => "no_answer",
            CallOutcome::Voicemail => "voicemail",
            CallOutcome::WrongNumber => "wrong_number",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<CallOutcome> {
        CallOutcome::ALL.into_iter().find(|o| o.as_str() == name)
    }

    /// Whether the call counts as a contact for the quiet period (she heard from the store).
    pub fn contacted(self) -> bool {
        matches!(self, Self::Reached | Self::Voicemail)
    }
}

/// A contact with a customer, in the store's feed (the card's timeline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutreachRecord {
    /// Its id, chosen by the device.
    pub id: String,
    /// Whom.
    pub customer_id: String,
    /// `phone`, `email` or `sms`.
    pub channel: String,
    /// The task it answers, if any.
    pub task_id: Option<String>,
    /// Who reached out.
    pub advisor_id: Option<String>,
    /// When (RFC 3339, the device's time).
    pub at: String,
    /// How a call went.
    pub outcome: Option<CallOutcome>,
    /// What an e-mail or SMS said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageText>,
    /// Where sending an e-mail or SMS stands (the server's word).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
}

impl OutreachRecord {
    /// Whether it counts as a contact for the quiet period: a call that reached her or left a
    /// message, a message sent or still being sent (not one that failed or was stopped).
    pub fn contacted(&self) -> bool {
        self.outcome.is_none_or(CallOutcome::contacted)
            && self
                .delivery
                .as_ref()
                .is_none_or(|d| matches!(d.state, DeliveryState::Pending | DeliveryState::Sent))
    }
}

/// Longest wish note, in characters.
pub const MAX_WISH_NOTE_CHARS: usize = 200;

/// A product a customer wants later (a launch to come, a shade the store does not carry
/// today), noted by an advisor: when the product launches, her advisor gets a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WishRecord {
    /// Its id, chosen by the device.
    pub id: String,
    /// Whose wish.
    pub customer_id: String,
    /// The product (in the catalogue, launched or not).
    pub product_id: String,
    /// What the advisor noted with it ("shade 45, for her mother"), at most
    /// [`MAX_WISH_NOTE_CHARS`].
    #[serde(default)]
    pub note: Option<String>,
    /// Who noted it.
    pub advisor_id: Option<String>,
    /// When (RFC 3339, the device's time).
    pub at: String,
}

/// A message template a store wrote, replacing Carnet's for one purpose and language. Names
/// only the placeholders `carnet_core::outreach::templates::check` accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRecord {
    /// `<store_id>/<purpose>/<language>`.
    pub id: String,
    /// The store.
    pub store_id: String,
    /// What it is for: `general`, `replenishment`, `lapsing`, `birthday`, `launch`,
    /// `thank_you`.
    pub purpose: String,
    /// `fr`, `en` or `it`.
    pub language: String,
    /// The e-mail's subject.
    pub subject: String,
    /// The text (of the e-mail, or the SMS).
    pub body: String,
    /// When the store last changed it (RFC 3339, server time).
    pub updated_at: String,
}

impl TemplateRecord {
    /// The feed id of store `store_id`'s template for `purpose` in `language`.
    pub fn id_for(store_id: &str, purpose: &str, language: &str) -> String {
        format!("{store_id}/{purpose}/{language}")
    }
}

/// Longest e-mail subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 150;
/// Longest e-mail body, in characters.
pub const MAX_EMAIL_CHARS: usize = 4000;
/// Longest SMS, in characters (three concatenated messages).
pub const MAX_SMS_CHARS: usize = 459;
/// Most products a message suggests.
pub const MAX_MESSAGE_PRODUCTS: usize = 10;

/// A channel a message is sent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageChannel {
    /// E-mail, sent by the server through SMTP.
    Email,
    /// SMS, sent by the server through the provider.
    Sms,
}

impl MessageChannel {
    /// The wire name, also the consent channel (`email`, `sms`).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageChannel::Email => "email",
            MessageChannel::Sms => "sms",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<MessageChannel> {
        [MessageChannel::Email, MessageChannel::Sms]
            .into_iter()
            .find(|c| c.as_str() == name)
    }

    /// Longest body on this channel, in characters.
    pub fn max_chars(self) -> usize {
        match self {
            MessageChannel::Email => MAX_EMAIL_CHARS,
            MessageChannel::Sms => MAX_SMS_CHARS,
        }
    }
}

/// The text of an e-mail or SMS as the advisor sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageText {
    /// The e-mail's subject (none for an SMS).
    #[serde(default)]
    pub subject: Option<String>,
    /// The text.
    pub body: String,
}

/// Where sending a message stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Its state.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it was sent, or last tried (RFC 3339, server time).
    #[serde(default)]
    pub at: Option<String>,
    /// Why the last attempt failed (the provider's words, never the message or her address).
    #[serde(default)]
    pub error: Option<String>,
}

/// The state of a message's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Queued on the server, or being retried after a failure.
    Pending,
    /// The provider accepted it.
    Sent,
    /// Given up: the provider refused it or every retry failed.
    Failed,
    /// Not sent: she withdrew her consent (or was erased) before it left.
    Withdrawn,
}

impl DeliveryState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Withdrawn => "withdrawn",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Sent,
            DeliveryState::Failed,
            DeliveryState::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// An advisor's note on a customer ("prefers a call after 6 pm"), seen by her store's advisors.
/// Personal data: in the access export, gone with an erasure, never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRecord {
    /// The note's id, chosen by the device that wrote it.
    pub id: String,
    /// Whom it is about.
    pub customer_id: String,
    /// The text (at most [`MAX_NOTE_CHARS`] characters).
    pub text: String,
    /// The advisor who wrote it last.
    pub advisor_id: Option<String>,
    /// When it was written last (RFC 3339, the device's time).
    pub written_at: String,
}

/// Feed id of the one recommendation model: a new build replaces the record.
pub const MODEL_ID: &str = "reco";

/// The recommendation model (a `carnet-reco` artifact) built by the server from every store's
/// purchase history. One live record ([`MODEL_ID`]); a new build replaces it with a higher
/// `version`. The artifact carries its own format version and checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// Always [`MODEL_ID`].
    pub id: String,
    /// Build number, increasing with every build: devices key their decoded model on it.
    pub version: u32,
    /// When it was built (RFC 3339, server time).
    pub built_at: String,
    /// The artifact (`Model::to_bytes`), standard base64 with padding.
    pub bytes_base64: String,
}

/// A store's personalisation policy, in that store's feed (id = the store id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRecord {
    /// The store id.
    pub id: String,
    /// No product of a sensitive category in any playlist, even one she bought.
    pub suppress_sensitive: bool,
    /// Merchandising rules for this store's market (boost, demote, exclude a brand or a
    /// category, optionally for one segment); see `carnet_reco::Rule`.
    pub rules: Vec<carnet_reco::Rule>,
    /// When the manager last changed it (RFC 3339, server time).
    pub updated_at: String,
}

/// Body of a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Mutations in seq order (at most [`MAX_PUSH_MUTATIONS`]).
    pub mutations: Vec<Mutation>,
}

/// One edit made on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// Device-scoped sequence number: starts at 1, contiguous, never reused.
    pub seq: u64,
    /// When the edit was made, by the device's clock (RFC 3339).
    pub made_at: String,
    /// The advisor signed in when the edit was made.
    #[serde(default)]
    pub advisor_id: Option<String>,
    /// What changed.
    pub change: MutationKind,
}

/// What a mutation changes, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MutationKind {
    /// A contact field of a customer; merged field by field on `made_at`.
    ContactEdit {
        /// Customer id.
        customer_id: String,
        /// Which field.
        field: ContactField,
        /// The new value: text, an [`Address`] for `address`, or null to clear.
        value: Option<ContactValue>,
    },
    /// A consent given or withdrawn in the store; the server records it at its own time.
    Consent {
        /// Customer id.
        customer_id: String,
        /// `email`, `sms`, `post` or `phone`.
        channel: String,
        /// `marketing` or `personalisation`.
        purpose: String,
        /// Granted or withdrawn.
        granted: bool,
        /// `store`, `web` or `app`.
        source: String,
    },
    /// The advisor's like / dislike of a product for the customer; last writer wins.
    Feedback {
        /// Customer id.
        customer_id: String,
        /// Product id.
        product_id: String,
        /// Like, dislike, or cleared (removes the feedback).
        verdict: FeedbackVerdict,
    },
    /// Marks a purchase line as a gift (or not).
    GiftFlag {
        /// Purchase line id.
        purchase_id: String,
        /// Gift or not.
        gift: bool,
    },
    /// The advisor opened the customer's profile (audit only, never fed back).
    ProfileView {
        /// Customer id.
        customer_id: String,
    },
    /// A new customer registered at the counter. The device picks the id (unique: see
    /// `carnet_core::registration::new_customer_id`) and the card (a blank card handed to her); contact
    /// fields follow the shared contact rules; her home store must be the device's. Consents
    /// given at registration travel as separate [`MutationKind::Consent`] mutations.
    CreateCustomer {
        /// The whole record (boxed: it is much larger than the other edits).
        customer: Box<Customer>,
    },
    /// An advisor wrote, edited (`text`) or deleted (`None`) a note on a customer; last writer
    /// wins on the edit time.
    Note {
        /// The note's id (new: chosen by the device).
        note_id: String,
        /// Whom it is about.
        customer_id: String,
        /// The text, or `None` to delete the note.
        text: Option<String>,
    },
    /// The advisor called the customer (marketing, by phone), with how it went. Refused when
    /// she has not consented to calls ([`reject::NO_CONSENT`]), was erased, or was contacted
    /// by anyone within [`QUIET_PERIOD_DAYS`] ([`reject::QUIET_PERIOD`]): the server's answer
    /// wins over the device's own check.
    Call {
        /// The contact's id (new: chosen by the device).
        outreach_id: String,
        /// Whom.
        customer_id: String,
        /// The task it answers, if any.
        task_id: Option<String>,
        /// How it went.
        outcome: CallOutcome,
    },
    /// The advisor sends her an e-mail or SMS (marketing), written on the device from a
    /// template. Refused like a [`MutationKind::Call`] when she has not consented to the
    /// channel, was erased, or was contacted within the quiet period. The server sends it once
    /// (the same `outreach_id` pushed again is not sent again), retrying a provider that
    /// fails; the contact's `delivery` in the feed says where it stands.
    Message {
        /// The contact's id (new: chosen by the device).
        outreach_id: String,
        /// Whom.
        customer_id: String,
        /// The task it answers, if any.
        task_id: Option<String>,
        /// E-mail or SMS.
        channel: MessageChannel,
        /// What it says.
        text: MessageText,
        /// The products it suggests (at most [`MAX_MESSAGE_PRODUCTS`]).
        #[serde(default)]
        product_ids: Vec<String>,
    },
    /// The advisor noted a product she wants later (`product_id` set), or removed the wish
    /// (`product_id` `None`). Refused for a product the catalogue does not have.
    Wish {
        /// The wish's id (new: chosen by the device).
        wish_id: String,
        /// Whose wish.
        customer_id: String,
        /// The product, or `None` to remove the wish.
        product_id: Option<String>,
        /// What the advisor noted with it.
        #[serde(default)]
        note: Option<String>,
    },
    /// The advisor booked, moved, cancelled or closed an appointment. The server checks it
    /// against its store's agenda in its write transaction, so that of two devices booking the
    /// same advisor, resource or customer at overlapping times exactly one wins.
    Appointment {
        /// The booking's id (new: chosen by the device).
        booking_id: String,
        /// For whom.
        customer_id: String,
        /// What she did.
        action: BookingAction,
    },
    /// The advisor took, did, snoozed or dismissed a client-book task; last writer wins on
    /// the edit time, except that a group task taken or done by another advisor stays hers
    /// ([`reject::TASK_TAKEN`]).
    Task {
        /// The task's id.
        task_id: String,
        /// Whom it is about (the customer its id names).
        customer_id: String,
        /// What she did.
        action: TaskAction,
    },
}

/// Contact fields a device may edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    /// E-mail (text, or null to clear).
    Email,
    /// Phone (text, or null to clear).
    Phone,
    /// Postal address (an [`Address`]).
    Address,
    /// Preferred language, ISO 639-1 (text).
    Language,
    /// First name (text).
    FirstName,
    /// Last name (text).
    LastName,
}

impl ContactField {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactField::Email => "email",
            ContactField::Phone => "phone",
            ContactField::Address => "address",
            ContactField::Language => "language",
            ContactField::FirstName => "first_name",
            ContactField::LastName => "last_name",
        }
    }
}

/// The value of a contact edit: a string, or an address object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContactValue {
    /// For every field but `address`.
    Text(String),
    /// For `address`.
    Address(Address),
}

/// A feedback verdict as pushed: `cleared` removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackVerdict {
    /// She liked it.
    Like,
    /// She did not.
    Dislike,
    /// Remove the feedback.
    Cleared,
}

/// Answer to a push: one result per mutation of the request, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per mutation.
    pub results: Vec<MutationResult>,
}

/// What became of one mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutationResult {
    /// The mutation's seq.
    pub seq: u64,
    /// Its outcome (the same every time the same seq is pushed again).
    pub outcome: Outcome,
}

/// Outcome of a mutation, tagged by `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied; the change flows back through the feed.
    Applied,
    /// Valid but older than the server's current value: nothing changed.
    Superseded,
    /// Refused; keep it visible on the device. Never blocks later mutations.
    Rejected {
        /// A stable code from [`reject`].
        code: String,
        /// A human explanation (no personal data).
        reason: String,
        /// A typed account of the refusal where its code has one (for
        /// [`reject::BOOKING_REFUSED`]: `carnet_core::appointments::Refused`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<serde_json::Value>,
    },
}

impl Outcome {
    /// A refusal with a stable code from [`reject`] and its reason, without a typed detail.
    pub fn rejected(code: &str, reason: &str) -> Self {
        Outcome::Rejected {
            code: code.to_owned(),
            reason: reason.to_owned(),
            detail: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn change_wire_shape() {
        let c = Change::Upsert {
            record: Record::Feedback(FeedbackRecord {
                id: FeedbackRecord::id_for("C1", "P1"),
                customer_id: "C1".into(),
                product_id: "P1".into(),
                verdict: Verdict::Like,
                at: "2025-01-01T00:00:00Z".into(),
            }),
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"op":"upsert","record":{"entity":"feedback","id":"C1:P1","customer_id":"C1","product_id":"P1","verdict":"like","at":"2025-01-01T00:00:00Z"}}"#
        );
        assert_eq!(serde_json::from_str::<Change>(&json).unwrap(), c);
        let d: Change =
            serde_json::from_str(r#"{"op":"delete","entity":"customer","id":"C9"}"#).unwrap();
        assert_eq!(
            d,
            Change::Delete {
                entity: Entity::Customer,
                id: "C9".into()
            }
        );
    }

    #[test]
    fn mutation_wire_shape() {
        let json = r#"{"seq":3,"made_at":"2025-01-01T10:00:00+01:00","change":
            {"kind":"contact_edit","customer_id":"C1","field":"email","value":null}}"#;
        let m: Mutation = serde_json::from_str(json).unwrap();
        assert_eq!(m.advisor_id, None);
        assert_eq!(
            m.change,
            MutationKind::ContactEdit {
                customer_id: "C1".into(),
                field: ContactField::Email,
                value: None
            }
        );
        let addr = r#"{"kind":"contact_edit","customer_id":"C1","field":"address","value":
            {"line1":"1 rue A","postal_code":"75001","city":"Paris","country":"FR"}}"#;
        let k: MutationKind = serde_json::from_str(addr).unwrap();
        assert!(matches!(
            k,
            MutationKind::ContactEdit {
                value: Some(ContactValue::Address(_)),
                ..
            }
        ));
        let out = Outcome::Rejected {
            code: reject::CUSTOMER_ERASED.into(),
            reason: "erased".into(),
            detail: None,
        };
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"status":"rejected","code":"customer_erased","reason":"erased"}"#
        );
    }

    #[test]
    fn entity_names_round_trip() {
        for e in Entity::ALL {
            assert_eq!(Entity::parse(e.as_str()), Some(e));
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(json, format!("\"{}\"", e.as_str()));
        }
    }
    #[test]
    fn model_and_policy_wire_shape() {
        let c = Change::Upsert {
            record: Record::Model(ModelRecord {
                id: MODEL_ID.into(),
                version: 2,
                built_at: "2025-01-01T00:00:00Z".into(),
                bytes_base64: "Q0FSTkVU".into(),
            }),
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"op":"upsert","record":{"entity":"model","id":"reco","version":2,"built_at":"2025-01-01T00:00:00Z","bytes_base64":"Q0FSTkVU"}}"#
        );
        assert_eq!(serde_json::from_str::<Change>(&json).unwrap(), c);
        assert!(Entity::Model.is_catalog() && !Entity::Policy.is_catalog());
        let p: Record = serde_json::from_str(
            r#"{"entity":"policy","id":"S001","suppress_sensitive":true,"updated_at":"t",
                "rules":[{"market":"IT","target":{"category":"fragrance"},"action":{"boost":1.5}}]}"#,
        )
        .unwrap();
        let Record::Policy(p) = p else {
            panic!("not a policy")
        };
        assert!(p.suppress_sensitive);
        assert_eq!(p.rules.len(), 1);
    }
}
