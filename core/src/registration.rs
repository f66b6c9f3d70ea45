//! Registering a new customer at the counter: a fresh id that no other device or the CRM can
//! have, and the record checked by the shared contact rules before it is saved and queued
//! (through [`crate::outbox::record`] with `MutationKind::CreateCustomer`).

use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};

/// Prefix of ids made on a handheld; CRM ids start with `C`.
pub const DEVICE_ID_PREFIX: &str = "N";

/// A new customer id: `N` and 16 random hex digits (64 bits: two devices drawing the same id
/// is negligible at a retailer's scale).
pub fn new_customer_id() -> Result<String> {
    random_id(DEVICE_ID_PREFIX)
}

/// `prefix` and 16 random hex digits: an id a device makes up for something new.
pub(crate) fn random_id(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 8];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Crypto("random id"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let a = new_customer_id().unwrap();
        let b = new_customer_id().unwrap();
        assert!(a.starts_with('N') && a.len() == 17);
        assert_ne!(a, b);
    }
}
