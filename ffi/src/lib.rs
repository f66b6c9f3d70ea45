//! Carnet's uniffi facade: the handheld's operations for Swift (and Python in tests), as thin
//! newtypes and conversions over `carnet-core`. Business rules live in the core, not here.

uniffi::setup_scaffolding!();

mod error;
mod handheld;
mod types;

pub use error::CarnetError;
pub use handheld::{Handheld, SyncObserver, SyncTask};
pub use types::*;

/// Checks a scanned code before looking it up: the 13 digits of a loyalty card, or why not.
#[uniffi::export]
pub fn validate_card(scanned: String) -> Result<String, CarnetError> {
    carnet_core::barcode::CardNumber::parse(&scanned)
        .map(|card| card.as_str().to_owned())
        .map_err(|e| CarnetError::InvalidCard {
            reason: e.to_string(),
        })
}

/// The facade's version, for diagnostics.
#[uniffi::export]
pub fn carnet_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
