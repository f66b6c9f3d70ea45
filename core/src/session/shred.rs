//! Crypto-shredding: the keys first, then the cache files and the enrolment.

use std::path::Path;

use super::state::lock;
use super::{
    CACHE_FILE, CACHE_KEY, DEVICE_KEY, Inner, LockReason, SESSION_FILE, Shared, ShredReason,
};
use crate::store::Cache;

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
        inner.key_wait = None;
        inner.last_contact_mono = None;
        inner.shredded = Some(reason);
    }
}
