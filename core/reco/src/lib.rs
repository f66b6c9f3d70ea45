//! Carnet's recommendation engine. The sync server builds a compact, versioned [`Model`] from
//! purchase history (item-item neighbours, popularity per segment, re-purchase cadence priors,
//! a BG/NBD visit model); the device scores a customer's playlist, re-purchase list and visit
//! forecast from it offline. The offline evaluation (`carnet-eval`) compares it with baselines.

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
pub mod repurchase;
pub mod rules;
pub mod special;
pub mod split;
pub mod tifu;

pub use artifact::ArtifactError;
pub use catalog::CatalogItem;
pub use history::HistoryLine;
pub use model::{BuildConfig, Model, TrainingCustomer};
pub use playlist::{Feedback, FeedbackKind, PlaylistContext, Reason, Suggestion, playlist};
pub use repurchase::{Due, VisitForecast, due_list, visit_forecast};
pub use rules::{Rule, RuleAction, RuleTarget};
