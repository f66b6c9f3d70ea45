//! Crypto-shredding: the keys first, then the cache files and the enrolment.

use std::path::Path;

use carnet_protocol::presence::codes;

use super::error::remote_error;
use super::remote::RemoteError;
use super::state::lock;
use super::{
    CACHE_FILE, CACHE_KEY, DEVICE_KEY, Inner, LockReason, SESSION_FILE, Session, SessionError,
    Shared, ShredReason, lock_inner,
};
use crate::store::Cache;

impl Session {
    /// Turns a server answer into an error, shredding on revocation and wipe.
    pub(super) fn on_remote_error(&self, e: RemoteError) -> SessionError {
        let shred = match &e {
            RemoteError::Api { code, .. } if code == codes::REMOTE_WIPE => {
                Some(ShredReason::RemoteWipe)
            }
            RemoteError::Api { code, .. }
                if code == codes::DEVICE_REVOKED
                    || code == carnet_protocol::codes::UNAUTHORIZED =>
            {
                // The pinned server no longer knows this device: as good as revoked.
                Some(ShredReason::Revoked)
            }
            _ => None,
        };
        if let Some(reason) = shred {
            self.shared.shred(&mut lock_inner(&self.shared), reason);
            self.publish();
            return SessionError::Shredded(reason);
        }
        remote_error(e)
    }
}

pub(super) fn remove_cache_files(path: &Path) {
    for file in Cache::files(path) {
        let _ = std::fs::remove_file(file);
    }
}

impl Shared {
    /// Destroys the keys, then the cache files and the enrolment.
    pub(super) fn shred(&self, inner: &mut Inner, reason: ShredReason) {
        lock(inner, LockReason::NoLease);
        inner.lease = None;
        let ks = &self.platform.key_store;
        ks.delete(CACHE_KEY.into());
        ks.delete(DEVICE_KEY.into());
        remove_cache_files(&self.data_dir.join(CACHE_FILE));
        let _ = std::fs::remove_file(self.data_dir.join(SESSION_FILE));
        inner.enrollment = None;
        inner.remote = None;
        inner.device_key = None;
        inner.last_contact_mono = None;
        inner.shredded = Some(reason);
    }
}
