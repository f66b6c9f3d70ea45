//! Records and enums of the facade: plain data, converted from the core's types.

use carnet_core::{book, card, history, lookup, outbox, sync};

/// A customer as a search result.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CustomerMatch {
    /// Customer id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Postal code of her address.
    pub postal_code: String,
    /// City of her address.
    pub city: String,
    /// Loyalty tier.
    pub tier: String,
    /// Last four digits of her card.
    pub card_last4: String,
}

impl From<lookup::CustomerMatch> for CustomerMatch {
    fn from(m: lookup::CustomerMatch) -> Self {
        Self {
            id: m.id,
            first_name: m.first_name,
            last_name: m.last_name,
            postal_code: m.postal_code,
            city: m.city,
            tier: m.tier,
            card_last4: m.card_last4,
        }
    }
}

/// One customer of an advisor's client book.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BookEntry {
    /// Who she is.
    pub customer: CustomerMatch,
    /// Day of her last purchase (`YYYY-MM-DD`), if any.
    pub last_visit: Option<String>,
    /// Her birthday as `MM-DD`, if she gave it.
    pub birthday: Option<String>,
}

/// The signed-in advisor's client book, its first entries.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientBook {
    /// The advisor's name, if the store's records list her.
    pub advisor_name: Option<String>,
    /// Customers in her book in all.
    pub total: u64,
    /// The most recently seen first.
    pub entries: Vec<BookEntry>,
}

impl From<book::Book> for ClientBook {
    fn from(b: book::Book) -> Self {
        Self {
            advisor_name: b.advisor_name,
            total: b.total,
            entries: b
                .entries
                .into_iter()
                .map(|e| BookEntry {
                    customer: e.customer.into(),
                    last_visit: e.last_visit.map(|d| d.to_string()),
                    birthday: e.birthday,
                })
                .collect(),
        }
    }
}

/// Everything the advisor sees when she opens a customer.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CustomerCard {
    /// Customer id.
    pub id: String,
    /// Loyalty card number.
    pub card: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Loyalty tier.
    pub tier: String,
    /// Points balance.
    pub points: i64,
    /// Marketing segment.
    pub segment: String,
    /// `individual`, `staff` or `professional`.
    pub customer_type: String,
    /// Day she joined (`YYYY-MM-DD`).
    pub member_since: String,
    /// How to reach her.
    pub contact: Contact,
    /// Her consents.
    pub consents: Vec<ConsentState>,
    /// ISO 4217 code of her figures: her home store's currency.
    pub currency: String,
    /// Number of receipts and orders (a return is not one).
    pub receipts: u32,
    /// Number of lines sold.
    pub lines: u32,
    /// Lines brought back.
    pub returned_lines: u32,
    /// Total spend net of returns, minor units of `currency` (gifts included).
    pub total_spend_cents: i64,
    /// Average receipt, minor units of `currency`.
    pub average_basket_cents: i64,
    /// Lines paid in another currency converted at an earlier day's rate (the history
    /// names the day).
    pub earlier_rate_lines: u32,
    /// Lines paid in another currency with no rate yet: left out of the figures.
    pub unconverted_lines: u32,
    /// Day of the last purchase (`YYYY-MM-DD`).
    pub last_visit: Option<String>,
    /// Lines bought as gifts.
    pub gift_lines: u32,
    /// Top-level categories she buys most for herself.
    pub top_categories: Vec<Share>,
    /// Brands she buys most for herself.
    pub top_brands: Vec<Share>,
    /// Offers valid today and unused.
    pub active_offers: Vec<ActiveOffer>,
}

/// Contact details as held.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Contact {
    /// E-mail, if any.
    pub email: Option<String>,
    /// Phone as entered.
    pub phone: Option<String>,
    /// Phone in E.164, when valid.
    pub phone_e164: Option<String>,
    /// Street line.
    pub line1: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Country (ISO 3166-1 alpha-2).
    pub country: String,
    /// Preferred language (ISO 639-1).
    pub language: String,
}

/// One consent decision.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentState {
    /// `email`, `sms`, `post` or `phone`.
    pub channel: String,
    /// `marketing` or `personalisation`.
    pub purpose: String,
    /// Granted or not.
    pub granted: bool,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    /// `store`, `web` or `app`.
    pub source: String,
    /// The advisor who recorded it in a store, when known.
    pub advisor_id: Option<String>,
}

impl From<carnet_core::consent::ConsentState> for ConsentState {
    fn from(k: carnet_core::consent::ConsentState) -> Self {
        Self {
            channel: k.channel,
            purpose: k.purpose,
            granted: k.granted,
            recorded_at: k.recorded_at,
            source: k.source,
            advisor_id: k.advisor_id,
        }
    }
}

impl From<ConsentState> for carnet_core::consent::ConsentState {
    fn from(k: ConsentState) -> Self {
        Self {
            channel: k.channel,
            purpose: k.purpose,
            granted: k.granted,
            recorded_at: k.recorded_at,
            source: k.source,
            advisor_id: k.advisor_id,
        }
    }
}

/// A category or brand with her own lines in it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Share {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Her non-gift lines in it.
    pub lines: u32,
}

/// An offer she can use today.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ActiveOffer {
    /// Offer id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `percent`, `amount` or `gift`.
    pub kind: String,
    /// Percent, money off in minor units of her store's currency, or 0.
    pub value: i64,
    /// Brand it is limited to.
    pub brand_id: Option<String>,
    /// Category it is limited to.
    pub category_id: Option<String>,
    /// Last valid day (`YYYY-MM-DD`).
    pub valid_to: String,
    /// Days left, today included.
    pub days_left: i64,
}

impl From<card::CustomerCard> for CustomerCard {
    fn from(c: card::CustomerCard) -> Self {
        let shares = |v: Vec<card::Share>| {
            v.into_iter()
                .map(|s| Share {
                    id: s.id,
                    name: s.name,
                    lines: s.lines,
                })
                .collect()
        };
        Self {
            id: c.id,
            card: c.card,
            first_name: c.first_name,
            last_name: c.last_name,
            tier: c.tier,
            points: c.points,
            segment: c.segment,
            customer_type: c.customer_type,
            member_since: c.member_since,
            contact: Contact {
                email: c.contact.email,
                phone: c.contact.phone,
                phone_e164: c.contact.phone_e164,
                line1: c.contact.line1,
                postal_code: c.contact.postal_code,
                city: c.contact.city,
                country: c.contact.country,
                language: c.contact.language,
            },
            consents: c.consents.into_iter().map(Into::into).collect(),
            currency: c.stats.currency,
            receipts: c.stats.receipts,
            lines: c.stats.lines,
            returned_lines: c.stats.returned_lines,
            total_spend_cents: c.stats.total_spend_cents,
            average_basket_cents: c.stats.average_basket_cents,
            earlier_rate_lines: c.stats.earlier_rate_lines,
            unconverted_lines: c.stats.unconverted_lines,
            last_visit: c.stats.last_visit.map(|d| d.to_string()),
            gift_lines: c.stats.gift_lines,
            top_categories: shares(c.top_categories),
            top_brands: shares(c.top_brands),
            active_offers: c
                .active_offers
                .into_iter()
                .map(|o| ActiveOffer {
                    id: o.id,
                    title: o.title,
                    kind: o.kind,
                    value: o.value,
                    brand_id: o.brand_id,
                    category_id: o.category_id,
                    valid_to: o.valid_to.to_string(),
                    days_left: o.days_left,
                })
                .collect(),
        }
    }
}

/// Which history lines to show.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct HistoryQuery {
    /// Only this category (a top category includes its sub-categories).
    pub category_id: Option<String>,
    /// Only this brand.
    pub brand_id: Option<String>,
    /// Words that must start words of the product's name, shade, brand or category.
    pub text: Option<String>,
    /// Lines to skip.
    pub offset: u32,
    /// Lines per page (0: the default, 25).
    pub page_size: u32,
}

impl From<HistoryQuery> for history::HistoryQuery {
    fn from(q: HistoryQuery) -> Self {
        Self {
            category_id: q.category_id,
            brand_id: q.brand_id,
            text: q.text,
            offset: q.offset,
            page_size: q.page_size,
        }
    }
}

/// One purchase line.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HistoryLine {
    /// Line id.
    pub id: String,
    /// Receipt id.
    pub receipt_id: String,
    /// When, seconds since the Unix epoch (UTC).
    pub bought_at: i64,
    /// Store id: the till's, the collecting store's, or the one a delivered order is
    /// credited to.
    pub store_id: String,
    /// Its name.
    pub store_name: String,
    /// How it was sold.
    pub channel: SaleChannel,
    /// The web or app order, if any.
    pub order_id: Option<String>,
    /// For a return, the line brought back.
    pub return_of: Option<String>,
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Shade.
    pub shade: Option<String>,
    /// Size.
    pub size: Option<String>,
    /// Brand name.
    pub brand_name: String,
    /// Sub-category id.
    pub category_id: String,
    /// Sub-category name.
    pub category_name: String,
    /// Units.
    pub quantity: u32,
    /// In her home store's currency, minor units (negative for a return).
    pub amount_cents: i64,
    /// What was paid, minor units of `paid_currency`.
    pub paid_minor: i64,
    /// ISO 4217 code of what was paid.
    pub paid_currency: String,
    /// The earlier day whose rate converted it, or `none` (not converted yet).
    pub rates_of: Option<String>,
    /// Bought as a gift.
    pub gift: bool,
}

/// How a line was sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SaleChannel {
    /// At a store's till.
    Store,
    /// Ordered on the website, delivered.
    Web,
    /// Ordered in the app, delivered.
    App,
    /// Ordered online, collected in a store.
    ClickAndCollect,
}

impl From<carnet_protocol::Channel> for SaleChannel {
    fn from(c: carnet_protocol::Channel) -> Self {
        match c {
            carnet_protocol::Channel::Store => Self::Store,
            carnet_protocol::Channel::Web => Self::Web,
            carnet_protocol::Channel::App => Self::App,
            carnet_protocol::Channel::ClickAndCollect => Self::ClickAndCollect,
        }
    }
}

/// A page of history.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HistoryPage {
    /// Lines, newest first.
    pub lines: Vec<HistoryLine>,
    /// Offset of the next page, if any.
    pub next_offset: Option<u32>,
}

impl From<history::HistoryPage> for HistoryPage {
    fn from(p: history::HistoryPage) -> Self {
        Self {
            lines: p
                .lines
                .into_iter()
                .map(|l| HistoryLine {
                    id: l.id,
                    receipt_id: l.receipt_id,
                    bought_at: l.bought_at,
                    store_id: l.store_id,
                    store_name: l.store_name,
                    channel: l.channel.into(),
                    order_id: l.order_id,
                    return_of: l.return_of,
                    product_id: l.product_id,
                    product_name: l.product_name,
                    shade: l.shade,
                    size: l.size,
                    brand_name: l.brand_name,
                    category_id: l.category_id,
                    category_name: l.category_name,
                    quantity: l.quantity,
                    amount_cents: l.amount_cents,
                    paid_minor: l.paid_minor,
                    paid_currency: l.paid_currency,
                    rates_of: l.rates_of,
                    gift: l.gift,
                })
                .collect(),
            next_offset: p.next_offset,
        }
    }
}

/// A contact field the advisor can edit.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum ContactField {
    /// E-mail.
    Email,
    /// Phone.
    Phone,
    /// Preferred language.
    Language,
    /// First name.
    FirstName,
    /// Last name.
    LastName,
}

impl From<ContactField> for carnet_protocol::ContactField {
    fn from(f: ContactField) -> Self {
        match f {
            ContactField::Email => Self::Email,
            ContactField::Phone => Self::Phone,
            ContactField::Language => Self::Language,
            ContactField::FirstName => Self::FirstName,
            ContactField::LastName => Self::LastName,
        }
    }
}

/// A postal address.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Address {
    /// Street line.
    pub line1: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Country (ISO 3166-1 alpha-2).
    pub country: String,
}

/// The customer's verdict on a suggestion.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum Verdict {
    /// She likes it.
    Like,
    /// She does not.
    Dislike,
    /// Forget the previous verdict.
    Cleared,
}

impl From<Verdict> for carnet_protocol::FeedbackVerdict {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Like => Self::Like,
            Verdict::Dislike => Self::Dislike,
            Verdict::Cleared => Self::Cleared,
        }
    }
}

/// An edit waiting for, or refused by, the server.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OutboxEntry {
    /// Device-scoped sequence number.
    pub seq: u64,
    /// When it was made (RFC 3339).
    pub made_at: String,
    /// Customer it is about.
    pub customer_id: Option<String>,
    /// What kind of edit (`contact_edit`, `consent`, `feedback`, `gift_flag`, `profile_view`,
    /// `create_customer`, `task`, `note`, `call`, `message`, `wish`, `appointment`).
    pub kind: String,
    /// Whether the server refused it.
    pub rejected: bool,
    /// The refusal's code, if refused.
    pub reject_code: Option<String>,
    /// The refusal's reason, if refused.
    pub reject_reason: Option<String>,
}

impl From<outbox::OutboxEntry> for OutboxEntry {
    fn from(e: outbox::OutboxEntry) -> Self {
        let kind = match &e.change {
            carnet_protocol::MutationKind::ContactEdit { .. } => "contact_edit",
            carnet_protocol::MutationKind::Consent { .. } => "consent",
            carnet_protocol::MutationKind::Feedback { .. } => "feedback",
            carnet_protocol::MutationKind::GiftFlag { .. } => "gift_flag",
            carnet_protocol::MutationKind::ProfileView { .. } => "profile_view",
            carnet_protocol::MutationKind::CreateCustomer { .. } => "create_customer",
            carnet_protocol::MutationKind::Task { .. } => "task",
            carnet_protocol::MutationKind::Note { .. } => "note",
            carnet_protocol::MutationKind::Call { .. } => "call",
            carnet_protocol::MutationKind::Message { .. } => "message",
            carnet_protocol::MutationKind::Wish { .. } => "wish",
            carnet_protocol::MutationKind::Appointment { .. } => "appointment",
        };
        let (rejected, reject_code, reject_reason) = match e.state {
            outbox::EntryState::Pending => (false, None, None),
            outbox::EntryState::Rejected { code, reason } => (true, Some(code), Some(reason)),
        };
        Self {
            seq: e.seq,
            made_at: e.made_at,
            customer_id: e.customer_id,
            kind: kind.into(),
            rejected,
            reject_code,
            reject_reason,
        }
    }
}

/// Sync phase.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum SyncPhase {
    /// Sending local edits.
    Push,
    /// Receiving changes.
    Pull,
}

/// Progress of a sync, for a progress bar.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct SyncProgress {
    /// Phase.
    pub phase: SyncPhase,
    /// Items done in the phase.
    pub done: u64,
    /// Items in the phase, as far as known.
    pub total: u64,
}

impl From<sync::Progress> for SyncProgress {
    fn from(p: sync::Progress) -> Self {
        Self {
            phase: match p.phase {
                sync::Phase::Push => SyncPhase::Push,
                sync::Phase::Pull => SyncPhase::Pull,
            },
            done: p.done,
            total: p.total,
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct SyncReport {
    /// Edits the server answered.
    pub pushed: u64,
    /// Of which refused.
    pub rejected: u64,
    /// Changes applied.
    pub pulled: u64,
    /// Whether the cache was re-synced from scratch.
    pub reset: bool,
    /// The store's open tasks, when the sync changed what they are derived from.
    pub tasks: Option<u64>,
}

impl From<sync::SyncReport> for SyncReport {
    fn from(r: sync::SyncReport) -> Self {
        Self {
            pushed: r.pushed,
            rejected: r.rejected,
            pulled: r.pulled,
            reset: r.reset,
            tasks: r.tasks,
        }
    }
}

/// Why suggestions are withheld.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum Withheld {
    /// She withdrew consent to personalisation: nothing is built from her history.
    ConsentWithdrawn,
    /// No recommendation model has reached the device yet (sync first).
    ModelNotReceived,
}

impl From<carnet_core::recommend::Withheld> for Withheld {
    fn from(w: carnet_core::recommend::Withheld) -> Self {
        match w {
            carnet_core::recommend::Withheld::ConsentWithdrawn => Self::ConsentWithdrawn,
            carnet_core::recommend::Withheld::ModelNotReceived => Self::ModelNotReceived,
        }
    }
}

/// Why a product is suggested, for the advisor to say.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum SuggestionReason {
    /// She bought this product (or its line) on that day.
    BoughtOn {
        /// The product she bought.
        product_name: String,
        /// When (`YYYY-MM-DD`).
        date: String,
    },
    /// She liked a close product.
    Liked {
        /// The product she liked.
        product_name: String,
    },
    /// Often bought with something she bought.
    OftenBoughtWith {
        /// The product she bought.
        product_name: String,
    },
    /// Popular with customers of her segment.
    PopularWith {
        /// The segment.
        segment: String,
    },
    /// Popular in the store.
    Popular,
}

impl From<carnet_core::recommend::SuggestionReason> for SuggestionReason {
    fn from(r: carnet_core::recommend::SuggestionReason) -> Self {
        use carnet_core::recommend::SuggestionReason as R;
        match r {
            R::BoughtOn {
                product_name, date, ..
            } => Self::BoughtOn {
                product_name,
                date: date.to_string(),
            },
            R::Liked { product_name, .. } => Self::Liked { product_name },
            R::OftenBoughtWith { product_name, .. } => Self::OftenBoughtWith { product_name },
            R::PopularWith { segment } => Self::PopularWith { segment },
            R::Popular => Self::Popular,
        }
    }
}

/// A product as suggested.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Suggestion {
    /// Product id (for like / dislike).
    pub product_id: String,
    /// Product name.
    pub name: String,
    /// Brand name.
    pub brand: String,
    /// Shade, if any.
    pub shade: Option<String>,
    /// Price, euro cents.
    pub price_cents: i64,
    /// Why.
    pub reason: SuggestionReason,
    /// Titles of her active offers that apply to it.
    pub offers: Vec<String>,
}

/// Her playlist.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Playlist {
    /// Suggestions, best first.
    pub suggestions: Vec<Suggestion>,
    /// Why there are none, when withheld.
    pub withheld: Option<Withheld>,
}

impl From<carnet_core::recommend::Playlist> for Playlist {
    fn from(p: carnet_core::recommend::Playlist) -> Self {
        Self {
            suggestions: p
                .suggestions
                .into_iter()
                .map(|s| Suggestion {
                    product_id: s.product.id,
                    name: s.product.name,
                    brand: s.product.brand,
                    shade: s.product.shade,
                    price_cents: s.product.price_cents,
                    reason: s.reason.into(),
                    offers: s.offers.into_iter().map(|o| o.title).collect(),
                })
                .collect(),
            withheld: p.withheld.map(Into::into),
        }
    }
}

/// A product she is due to buy again.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RepurchaseItem {
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub name: String,
    /// Brand name.
    pub brand: String,
    /// Last bought (`YYYY-MM-DD`).
    pub last_bought: String,
    /// Expected day of the next purchase (`YYYY-MM-DD`).
    pub due_on: String,
    /// Days until then (negative: overdue).
    pub days_until_due: i32,
    /// How sure, 0 to 1.
    pub confidence: f32,
    /// Titles of her active offers that apply to it.
    pub offers: Vec<String>,
}

/// Her re-purchase list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RepurchaseList {
    /// Items, soonest due first.
    pub items: Vec<RepurchaseItem>,
    /// Why there are none, when withheld.
    pub withheld: Option<Withheld>,
}

impl From<carnet_core::recommend::RepurchaseList> for RepurchaseList {
    fn from(l: carnet_core::recommend::RepurchaseList) -> Self {
        Self {
            items: l
                .items
                .into_iter()
                .map(|d| RepurchaseItem {
                    product_id: d.product.id,
                    name: d.product.name,
                    brand: d.product.brand,
                    last_bought: d.last_bought.to_string(),
                    due_on: d.due_on.to_string(),
                    days_until_due: d.days_until_due,
                    confidence: d.confidence,
                    offers: d.offers.into_iter().map(|o| o.title).collect(),
                })
                .collect(),
            withheld: l.withheld.map(Into::into),
        }
    }
}

/// Whether she is still a customer, in words: what the card says (never a bare percentage:
/// a long-lapsed one-time buyer is `Lapsed`, whatever a fit on little history says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Activity {
    /// Likely to buy again within a year.
    Active,
    /// She may be drifting away.
    Lapsing,
    /// Most likely gone.
    Lapsed,
}

/// What she may spend over the next `horizon_days`: a range (10th to 90th percentile), never
/// one number.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ValueBand {
    /// Days ahead the band covers.
    pub horizon_days: u32,
    /// Low end, in cents.
    pub low_cents: i64,
    /// High end, in cents.
    pub high_cents: i64,
}

/// Her next-visit forecast.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VisitForecast {
    /// Whether she is still a customer, in words: what the card shows.
    pub activity: Activity,
    /// Probability she buys again within a year.
    pub p_return_year: f64,
    /// Probability she is still an active customer (the model's own figure, for reports).
    pub p_alive: f64,
    /// Expected purchases in the next 30 days.
    pub expected_30_days: f64,
    /// Expected purchases in the next 90 days.
    pub expected_90_days: f64,
    /// Her likely spend, when the model has a spend fit.
    pub value: Option<ValueBand>,
}

impl From<carnet_core::recommend::VisitForecast> for VisitForecast {
    fn from(f: carnet_core::recommend::VisitForecast) -> Self {
        use carnet_core::recommend::Activity as A;
        Self {
            activity: match f.activity {
                A::Active => Activity::Active,
                A::Lapsing => Activity::Lapsing,
                A::Lapsed => Activity::Lapsed,
            },
            p_return_year: f.p_return_year,
            p_alive: f.p_alive,
            expected_30_days: f.expected_30_days,
            expected_90_days: f.expected_90_days,
            value: f.value.map(|v| ValueBand {
                horizon_days: v.horizon_days,
                low_cents: v.low_cents,
                high_cents: v.high_cents,
            }),
        }
    }
}

/// The forecast on her card, or why there is none.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CardForecast {
    /// The forecast; none when withheld, or when she has too little history for one.
    pub forecast: Option<VisitForecast>,
    /// Why it is withheld (consent, model), if it is.
    pub withheld: Option<Withheld>,
}

/// A customer being typed at the counter (registration or edit), to look for duplicates.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CandidateContact {
    /// The customer being edited (left out of the hints); none for a registration.
    pub customer_id: Option<String>,
    /// First name as typed.
    pub first_name: String,
    /// Last name as typed.
    pub last_name: String,
    /// E-mail as typed.
    pub email: Option<String>,
    /// Phone as typed.
    pub phone: Option<String>,
    /// Postal code as typed.
    pub postal_code: Option<String>,
}

impl From<CandidateContact> for carnet_core::duplicates::CandidateContact {
    fn from(c: CandidateContact) -> Self {
        Self {
            id: c.customer_id,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            postal_code: c.postal_code,
            // The store's country is filled in by the core.
            country: String::new(),
        }
    }
}

/// Why an existing customer may be the one being typed.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum DuplicateReason {
    /// The same e-mail.
    SameEmail,
    /// The same phone number.
    SamePhone,
    /// A similar name at the same postal code.
    SimilarNameSamePostalCode,
}

impl From<carnet_core::duplicates::DuplicateReason> for DuplicateReason {
    fn from(r: carnet_core::duplicates::DuplicateReason) -> Self {
        use carnet_core::duplicates::DuplicateReason as R;
        match r {
            R::SameEmail => Self::SameEmail,
            R::SamePhone => Self::SamePhone,
            R::SimilarNameSamePostalCode => Self::SimilarNameSamePostalCode,
        }
    }
}

/// A likely duplicate, to show before one is made.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DuplicateHint {
    /// The existing customer.
    pub customer: CustomerMatch,
    /// Why, strongest first.
    pub reasons: Vec<DuplicateReason>,
}

/// One problem of a registration form, to show under its field.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FormProblem {
    /// The card number.
    Card {
        /// What is wrong with it.
        problem: CardProblem,
    },
    /// A contact field.
    Field {
        /// The field as `CarnetError::InvalidField` names it (`first_name`, `email`,
        /// `address` for the postal code, ...).
        field: String,
        /// What is wrong with its value.
        problem: FieldProblem,
        /// A likely correction, if any (for an e-mail, the domain).
        suggestion: Option<String>,
    },
}

impl From<carnet_core::handheld::FormProblem> for FormProblem {
    fn from(p: carnet_core::handheld::FormProblem) -> Self {
        use carnet_core::handheld::FormProblem as P;
        match p {
            P::Card(e) => Self::Card { problem: e.into() },
            P::CardTaken => Self::Card {
                problem: CardProblem::AlreadyRegistered,
            },
            P::Field(e) => Self::Field {
                field: e.field.as_str().to_owned(),
                problem: e.problem.into(),
                suggestion: e.suggestion,
            },
        }
    }
}

/// Why a card number is refused, for the app to word.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CardProblem {
    /// Nothing was scanned or typed.
    Empty,
    /// Something other than digits (spaces and dashes are ignored).
    NotDigits,
    /// Not 13 digits.
    WrongLength {
        /// How many it has.
        digits: u32,
    },
    /// The last digit does not match the others: mistyped or misread.
    BadCheckDigit,
    /// A customer has this card already.
    AlreadyRegistered,
}

impl From<carnet_core::barcode::BarcodeError> for CardProblem {
    fn from(e: carnet_core::barcode::BarcodeError) -> Self {
        use carnet_core::barcode::BarcodeError as E;
        match e {
            E::Empty => Self::Empty,
            E::NotDigits => Self::NotDigits,
            E::WrongLength(n) => Self::WrongLength {
                digits: u32::try_from(n).unwrap_or(u32::MAX),
            },
            E::BadCheckDigit => Self::BadCheckDigit,
        }
    }
}

/// Why a contact field's value is refused, for the app to word (never the value itself).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FieldProblem {
    /// Left empty, and it is required.
    Required,
    /// An address without its city.
    CityRequired,
    /// An address given for a text field.
    NotText,
    /// Longer than the field takes.
    TooLong {
        /// The most it takes.
        max_chars: u32,
    },
    /// An e-mail address with a space.
    EmailHasSpaces,
    /// An e-mail address without an @.
    EmailNeedsAt,
    /// An e-mail address with more than one @.
    EmailHasSeveralAt,
    /// The part before the @ is not valid.
    EmailLocalPart,
    /// The domain after the @ is not valid.
    EmailDomain,
    /// The domain looks mistyped (see the suggestion).
    EmailDomainMistyped,
    /// A phone number with letters.
    PhoneHasLetters,
    /// Too few digits.
    PhoneTooShort,
    /// Not a number of the country (nor with its +country prefix).
    PhoneNotOfCountry {
        /// ISO 3166-1 alpha-2.
        country: String,
    },
    /// Not an ISO 639-1 language code.
    NotALanguage,
    /// A name without a letter.
    NameNeedsLetters,
    /// A name with a digit.
    NameHasDigits,
    /// A name with a symbol.
    NameHasSymbols,
    /// Not an ISO 3166-1 country code.
    UnknownCountry,
    /// Not in the country's postal code format.
    NotAPostalCode {
        /// ISO 3166-1 alpha-2.
        country: String,
        /// One that is, to show the format, where the check knows it.
        example: Option<String>,
    },
}

impl From<carnet_core::contact::FieldProblem> for FieldProblem {
    fn from(p: carnet_core::contact::FieldProblem) -> Self {
        use carnet_core::contact::FieldProblem as P;
        match p {
            P::Required => Self::Required,
            P::CityRequired => Self::CityRequired,
            P::NotText => Self::NotText,
            P::TooLong { max_chars } => Self::TooLong { max_chars },
            P::EmailHasSpaces => Self::EmailHasSpaces,
            P::EmailNeedsAt => Self::EmailNeedsAt,
            P::EmailHasSeveralAt => Self::EmailHasSeveralAt,
            P::EmailLocalPart => Self::EmailLocalPart,
            P::EmailDomain => Self::EmailDomain,
            P::EmailDomainMistyped => Self::EmailDomainMistyped,
            P::PhoneHasLetters => Self::PhoneHasLetters,
            P::PhoneTooShort => Self::PhoneTooShort,
            P::PhoneNotOfCountry { country } => Self::PhoneNotOfCountry { country },
            P::NotALanguage => Self::NotALanguage,
            P::NameNeedsLetters => Self::NameNeedsLetters,
            P::NameHasDigits => Self::NameHasDigits,
            P::NameHasSymbols => Self::NameHasSymbols,
            P::UnknownCountry => Self::UnknownCountry,
            P::NotAPostalCode { country, example } => Self::NotAPostalCode { country, example },
        }
    }
}

/// A customer registered at the counter.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewCustomer {
    /// The loyalty card just handed to her (13 digits).
    pub card: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail, if given.
    pub email: Option<String>,
    /// Phone, if given.
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

impl From<NewCustomer> for carnet_core::handheld::NewCustomer {
    fn from(n: NewCustomer) -> Self {
        Self {
            card: n.card,
            first_name: n.first_name,
            last_name: n.last_name,
            email: n.email,
            phone: n.phone,
            line1: n.line1,
            postal_code: n.postal_code,
            city: n.city,
            language: n.language,
        }
    }
}
