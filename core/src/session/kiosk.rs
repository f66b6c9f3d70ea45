//! The kiosk rule: a store that requires single app mode (its MDM says so) shows no customer
//! data on a handheld where the platform refused it. The platform reports; the session
//! decides, locks, and refuses every data call while the rule is broken.

use super::state::lock;
use super::{LockReason, Session, SessionState, lock_inner};

/// Single app mode as the platform reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct KioskStatus {
    /// The store requires it on this handheld (on iOS the managed app configuration's
    /// `CarnetKioskRequired`, pushed by the store's MDM).
    pub required: bool,
    /// The platform's answer to the request for single app mode; `None` before it answers.
    pub granted: Option<bool>,
}

impl KioskStatus {
    /// Whether customer data may be used: not required, or granted. A requirement the platform
    /// has not answered yet allows nothing.
    pub fn allows_data(self) -> bool {
        !self.required || self.granted == Some(true)
    }
}

impl Session {
    /// The platform reports single app mode. While the store requires it and it is not
    /// granted, the session is locked ([`LockReason::KioskRequired`]: the cache is closed, the
    /// advisor signed out) and every data call fails with [`crate::Error::KioskRequired`];
    /// once granted, an advisor signs in again.
    pub fn kiosk_changed(&self, status: KioskStatus) -> SessionState {
        {
            let mut inner = lock_inner(&self.shared);
            inner.kiosk = status;
            if !status.allows_data() {
                lock(&mut inner, LockReason::KioskRequired);
            } else if inner.lock_reason == LockReason::KioskRequired {
                inner.lock_reason = LockReason::SignedOut;
            }
        }
        self.refresh()
    }

    /// Whether the kiosk rule holds now.
    pub(super) fn kiosk_allows_data(&self) -> bool {
        lock_inner(&self.shared).kiosk.allows_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_needs_single_app_mode_only_where_it_is_required() {
        let status = |required, granted| KioskStatus { required, granted };
        assert!(status(false, None).allows_data());
        assert!(status(false, Some(false)).allows_data());
        assert!(status(true, Some(true)).allows_data());
        assert!(!status(true, Some(false)).allows_data());
        assert!(!status(true, None).allows_data(), "not answered yet");
    }
}
