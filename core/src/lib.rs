//! Carnet's core: the domain of a beauty advisor's clienteling handheld. It holds one store's
//! customers in an encrypted SQLite cache and answers lookups, customer cards and histories.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod amounts;
mod apply;
pub mod appointment_edits;
pub mod appointments;
pub mod barcode;
pub mod book;
pub mod campaigns;
pub mod card;
pub mod changes;
pub mod consent;
pub mod contact;
pub mod duplicates;
pub mod error;
#[cfg(feature = "formatting")]
pub mod formatting;
pub mod handheld;
pub mod history;
pub mod key;
pub mod load;
pub mod lookup;
pub mod money;
pub mod notes;
pub mod outbox;
pub mod outreach;
pub mod phone;
pub mod recommend;
pub mod registration;
pub mod results;
pub mod returns;
mod search_index;
pub mod session;
pub mod store;
pub mod sync;
pub mod tasks;
pub mod text;
pub mod time;
pub mod timeline;
pub mod wishes;

pub use error::{Error, Result};
pub use key::CacheKey;
pub use store::Cache;
