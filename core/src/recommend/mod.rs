//! What the advisor can suggest to a customer, scored on the device from the model the server
//! ships: her playlist (with the advisor's likes and dislikes applied at once), what she is due
//! to buy again, and her next-visit forecast — all withheld when she withdrew consent.

mod context;
mod model;

use chrono::NaiveDate;

use crate::card::ActiveOffer;
use crate::error::Result;
use crate::store::Cache;

pub use carnet_reco::{Activity, ValueBand, VisitForecast};
pub use model::{ModelProblem, ModelStatus, RejectedModel, model_status};
pub(crate) use model::{apply_model, apply_policy, loaded_model};

/// Why a personalised list is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// She withdrew her consent to personalisation: nothing is built from her data.
    ConsentWithdrawn,
    /// The device has not received a recommendation model yet (it comes with the next sync).
    ModelNotReceived,
}

/// A product as a suggestion shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductInfo {
    /// Product id.
    pub id: String,
    /// Product name.
    pub name: String,
    /// Brand id.
    pub brand_id: String,
    /// Brand name.
    pub brand: String,
    /// Category id (a leaf, dotted).
    pub category_id: String,
    /// Shade, if any.
    pub shade: Option<String>,
    /// Price in cents.
    pub price_cents: i64,
}

/// Why a product is suggested, with the names the advisor reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuggestionReason {
    /// She bought it, last on `date`.
    BoughtOn {
        /// The product.
        product_id: String,
        /// Its name.
        product_name: String,
        /// Her latest purchase of it.
        date: NaiveDate,
    },
    /// She liked it, or a product close to it.
    Liked {
        /// The liked product.
        product_id: String,
        /// Its name.
        product_name: String,
    },
    /// Often bought with a product she bought.
    OftenBoughtWith {
        /// Her product.
        product_id: String,
        /// Its name.
        product_name: String,
    },
    /// Popular with her segment.
    PopularWith {
        /// The segment.
        segment: String,
    },
    /// Popular overall.
    Popular,
}

/// One line of the playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaylistItem {
    /// The product.
    pub product: ProductInfo,
    /// Score (comparable within one playlist only).
    pub score: f32,
    /// Why it is suggested.
    pub reason: SuggestionReason,
    /// Her active offers that apply to it (same brand, category or top category).
    pub offers: Vec<ActiveOffer>,
}

/// A customer's playlist, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct Playlist {
    /// Best first; empty when withheld.
    pub suggestions: Vec<PlaylistItem>,
    /// Set when no playlist is built for her.
    pub withheld: Option<Withheld>,
    /// Build number of the model used.
    pub model_version: Option<u32>,
}

/// A product she is due to buy again.
#[derive(Debug, Clone, PartialEq)]
pub struct DueItem {
    /// The product.
    pub product: ProductInfo,
    /// Her last non-gift purchase of it.
    pub last_bought: NaiveDate,
    /// Her estimated cycle in days.
    pub cycle_days: f32,
    /// When she should run out.
    pub due_on: NaiveDate,
    /// Days from today (negative: overdue).
    pub days_until_due: i32,
    /// 0..1.
    pub confidence: f32,
    /// Her active offers that apply to it.
    pub offers: Vec<ActiveOffer>,
}

/// Her re-purchase list, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct RepurchaseList {
    /// Most urgent first; empty when withheld.
    pub items: Vec<DueItem>,
    /// Set when no list is built for her.
    pub withheld: Option<Withheld>,
}

/// Her next-visit forecast for the card, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardForecast {
    /// `None` when withheld, without a purchase, or when the model has no visit fit.
    pub forecast: Option<VisitForecast>,
    /// Set when nothing is built for her.
    pub withheld: Option<Withheld>,
}

/// Customer `customer_id`'s playlist of at most `limit` products as of `today` (the device's
/// local day). Her history (gifts left out), the advisor's feedback, her segment, the store's
/// market, rules and suppression policy all come from the cache, so a like or dislike just
/// recorded shows at once, offline.
pub fn playlist(
    cache: &Cache,
    customer_id: &str,
    today: NaiveDate,
    limit: usize,
) -> Result<Playlist> {
    let withheld = |w| Playlist {
        suggestions: Vec::new(),
        withheld: Some(w),
        model_version: None,
    };
    let Some(input) = context::gather(cache, customer_id, today, true)? else {
        return Ok(withheld(Withheld::ConsentWithdrawn));
    };
    let Some((version, model)) = model::loaded_model(cache)? else {
        return Ok(withheld(Withheld::ModelNotReceived));
    };
    let suggestions = carnet_reco::playlist(
        &model,
        &input.history,
        &input.feedback,
        &input.context,
        limit,
    );
    let items = cache.read(|c| context::describe_suggestions(c, &suggestions, &input.offers))?;
    Ok(Playlist {
        suggestions: items,
        withheld: None,
        model_version: Some(version),
    })
}

/// What customer `customer_id` is due (or overdue) to buy again within `window_days` of
/// `today`, with a confidence; gifts never count.
pub fn repurchase_list(
    cache: &Cache,
    customer_id: &str,
    today: NaiveDate,
    window_days: u32,
) -> Result<RepurchaseList> {
    let withheld = |w| RepurchaseList {
        items: Vec::new(),
        withheld: Some(w),
    };
    let Some(input) = context::gather(cache, customer_id, today, false)? else {
        return Ok(withheld(Withheld::ConsentWithdrawn));
    };
    let Some((_, model)) = model::loaded_model(cache)? else {
        return Ok(withheld(Withheld::ModelNotReceived));
    };
    let due = carnet_reco::due_list(&model, &input.history, today, window_days);
    let items = cache.read(|c| context::describe_due(c, &due, &input.offers))?;
    Ok(RepurchaseList {
        items,
        withheld: None,
    })
}

/// Customer `customer_id`'s visit forecast for her card, from the model's MBG/NBD fit (her
/// segment's when it has one): P(alive); P(she buys again within a year) and its wording
/// ([`Activity`]: a long-lapsed one-time buyer is `Lapsed`, never active); expected visits in
/// the next 30 and 90 days; her spend over the next year as a band ([`ValueBand`], 10th to
/// 90th percentile in cents: show it as a range, never as one number).
pub fn visit_forecast(cache: &Cache, customer_id: &str, today: NaiveDate) -> Result<CardForecast> {
    let withheld = |w| CardForecast {
        forecast: None,
        withheld: Some(w),
    };
    let Some(input) = context::gather(cache, customer_id, today, false)? else {
        return Ok(withheld(Withheld::ConsentWithdrawn));
    };
    let Some((_, model)) = model::loaded_model(cache)? else {
        return Ok(withheld(Withheld::ModelNotReceived));
    };
    Ok(CardForecast {
        forecast: carnet_reco::visit_forecast(
            &model,
            &input.history,
            input.context.segment.as_deref(),
            today,
        ),
        withheld: None,
    })
}
