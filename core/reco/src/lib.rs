//! Carnet's recommendation engine. The sync server builds a compact, versioned [`Model`] from
//! purchase history (item-item neighbours, popularity per segment, repeat rates and cycles,
//! re-purchase cadence priors, an MBG/NBD visit model with Gamma-Gamma spend); the device
//! scores a customer's playlist, re-purchase list and visit forecast (with her value as a
//! band) from it offline. The offline evaluation (`carnet-eval`) compares it with baselines.

pub mod artifact;
pub mod baselines;
pub mod basket;
pub mod bgnbd;
pub mod catalog;
pub mod engine;
pub mod evaluate;
pub mod history;
pub mod itemknn;
pub mod load;
pub mod metrics;
pub mod model;
pub mod optimize;
pub mod playlist;
pub mod rank;
pub mod repeats;
pub mod repurchase;
pub mod rules;
pub mod special;
pub mod spend;
pub mod split;
pub mod tifu;

pub use artifact::ArtifactError;
pub use catalog::CatalogItem;
pub use history::HistoryLine;
pub use model::{BuildConfig, Model, TrainingCustomer};
pub use playlist::{Feedback, FeedbackKind, PlaylistContext, Reason, Suggestion, playlist};
pub use repurchase::{
    Activity, Due, NextVisit, VisitForecast, due_list, next_visit, visit_forecast,
};
pub use rules::{Rule, RuleAction, RuleTarget};
pub use spend::ValueBand;
