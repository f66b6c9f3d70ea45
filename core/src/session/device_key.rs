//! The keys read back from the platform key store. A key store that cannot be read yet (an
//! iPhone restarted and not yet unlocked by its passcode) or that fails is never taken for a
//! device that is not enrolled: the enrolment and the cache stay, the session stays locked
//! with the reason, and the device's key is read again, a bounded number of times on its own
//! and whenever the app checks presence.

use std::sync::Arc;
use std::time::Duration;

use ring::signature::Ed25519KeyPair;
use zeroize::Zeroizing;

use super::{
    CACHE_KEY, DEVICE_KEY, KeyStore, KeyStoreError, LockReason, Session, SessionError, lock_inner,
};

/// The first automatic read after an unavailable key store; each next one waits twice as
/// long, up to [`LONGEST_WAIT_MS`].
const FIRST_WAIT_MS: u64 = 1_000;
/// The longest wait between two automatic reads.
const LONGEST_WAIT_MS: u64 = 30_000;
/// Automatic reads of an unavailable key store (about four minutes of them) before the session
/// waits for the app to ask again (a presence check: the app became active, the network
/// changed).
pub const KEY_STORE_RETRIES: u32 = 12;

/// Reads of the cache key while an advisor signs in, before her sign-in is refused: she is at
/// the handheld, which she has unlocked, so the key store opens within moments.
const SIGN_IN_READS: u64 = 3;
/// The wait after the first of those reads (then twice, three times as long).
const SIGN_IN_WAIT_MS: u64 = 250;

/// What a read of the device's key gave.
pub(super) enum KeyRead {
    /// The key.
    Key(Arc<Ed25519KeyPair>),
    /// Nothing usable is stored: an enrolment without its key is no enrolment.
    Absent,
    /// Not readable now (`failed`: the store failed, rather than being closed for now).
    NotNow {
        /// The store failed.
        failed: bool,
    },
}

/// Reads the device's Ed25519 key pair.
pub(super) fn read_device_key(store: &dyn KeyStore) -> KeyRead {
    match store.load(DEVICE_KEY.into()) {
        Ok(pkcs8) => {
            let pkcs8 = Zeroizing::new(pkcs8);
            Ed25519KeyPair::from_pkcs8(&pkcs8)
                .map(|k| KeyRead::Key(Arc::new(k)))
                .unwrap_or(KeyRead::Absent)
        }
        Err(KeyStoreError::Absent) => KeyRead::Absent,
        Err(KeyStoreError::TemporarilyUnavailable) => KeyRead::NotNow { failed: false },
        Err(KeyStoreError::Failed(_)) => KeyRead::NotNow { failed: true },
    }
}

/// The device's key is missing from the session: why, and when to read it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyWait {
    failed: bool,
    /// Reads that found it missing since the last time the app asked (or since start).
    reads: u32,
    next_mono: u64,
}

impl KeyWait {
    /// After the `reads`-th read found no key at `now`.
    pub(super) fn after(failed: bool, reads: u32, now: u64) -> Self {
        let wait = FIRST_WAIT_MS
            .saturating_mul(1 << reads.saturating_sub(1).min(16))
            .min(LONGEST_WAIT_MS);
        Self {
            failed,
            reads,
            next_mono: now.saturating_add(wait),
        }
    }

    /// The lock reason it shows.
    pub(super) fn reason(&self) -> LockReason {
        if self.failed {
            LockReason::KeyStoreFailed
        } else {
            LockReason::KeyStoreUnavailable
        }
    }

    /// When the session reads the key again by itself: never after a failure (a read only
    /// when the app asks), nor once the retries are spent.
    pub(super) fn next_read_mono(&self) -> Option<u64> {
        (!self.failed && self.reads <= KEY_STORE_RETRIES).then_some(self.next_mono)
    }
}

impl Session {
    /// Reads the device's key again when it is missing and a read is due (`asked`: the app
    /// asked, so at once, and the automatic reads start over). A key found unlocks the way to
    /// presence; a key store now readable that holds none means no enrolment.
    pub(super) fn read_device_key_again(&self, asked: bool) {
        let clock = &self.shared.platform.clock;
        {
            let inner = lock_inner(&self.shared);
            let Some(wait) = inner.key_wait else { return };
            let due = wait
                .next_read_mono()
                .is_some_and(|at| clock.monotonic_ms() >= at);
            if !(asked || due) {
                return;
            }
        }
        // The key store is the platform's: read it without holding the session's lock.
        let read = read_device_key(&*self.shared.platform.key_store);
        let mut inner = lock_inner(&self.shared);
        let Some(wait) = inner.key_wait else { return };
        match read {
            KeyRead::Key(key) => {
                inner.device_key = Some(key);
                inner.key_wait = None;
                inner.lock_reason = LockReason::NoLease;
            }
            KeyRead::Absent => {
                inner.key_wait = None;
                inner.enrollment = None;
                inner.remote = None;
            }
            KeyRead::NotNow { failed } => {
                let reads = if asked { 1 } else { wait.reads + 1 };
                inner.key_wait = Some(KeyWait::after(failed, reads, clock.monotonic_ms()));
            }
        }
        drop(inner);
        self.publish();
    }

    /// Whether the device's key is in the session, after reading it again if it is missing
    /// and a read is due (see [`Session::read_device_key_again`]); if not, why it is locked.
    pub(super) fn device_key_ready(&self, asked: bool) -> Result<(), SessionError> {
        self.read_device_key_again(asked);
        match lock_inner(&self.shared).key_wait {
            Some(wait) => Err(SessionError::Locked(wait.reason())),
            None => Ok(()),
        }
    }

    /// The cache's key, to open the cache at sign-in: waits a moment for a key store that is
    /// not readable yet.
    pub(super) async fn read_cache_key(&self) -> Result<Zeroizing<Vec<u8>>, SessionError> {
        let mut reads = 0;
        loop {
            reads += 1;
            match self.shared.platform.key_store.load(CACHE_KEY.into()) {
                Ok(bytes) => return Ok(Zeroizing::new(bytes)),
                Err(KeyStoreError::TemporarilyUnavailable) if reads < SIGN_IN_READS => {
                    tokio::time::sleep(Duration::from_millis(SIGN_IN_WAIT_MS * reads)).await;
                }
                Err(e) => return Err(SessionError::KeyStore(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::testing::{NO_SERVER, TestDevice};
    use crate::session::{SessionError, SessionState};

    fn locked(reason: LockReason) -> SessionState {
        SessionState::Locked { reason }
    }

    fn pin() -> String {
        "00".repeat(32)
    }

    #[tokio::test]
    async fn a_key_store_not_readable_at_start_keeps_the_enrolment_and_the_cache() {
        let device = TestDevice::enrolled();
        let files = device.files();
        device
            .keys
            .fail_with(Some(KeyStoreError::TemporarilyUnavailable));
        let session = device.open();
        assert_eq!(session.state(), locked(LockReason::KeyStoreUnavailable));
        assert_eq!(session.device_id().as_deref(), Some("D-TEST"));
        assert!(
            LockReason::KeyStoreUnavailable.needs_presence(),
            "no sign-in yet"
        );

        // Enrolling again is refused, and removes nothing.
        let again = session.enroll(NO_SERVER.into(), pin(), "ABCDEF123456".into());
        assert_eq!(again.await, Err(SessionError::AlreadyEnrolled));
        let checked = session.check_presence().await;
        assert_eq!(
            checked,
            Err(SessionError::Locked(LockReason::KeyStoreUnavailable))
        );
        assert_eq!(device.files(), files);
        assert_eq!(device.keys.names(), [CACHE_KEY, DEVICE_KEY]);

        // Readable again: the next presence check reads the key and asks the server.
        device.keys.fail_with(None);
        let checked = session.check_presence().await;
        assert!(
            matches!(checked, Err(SessionError::Network(_))),
            "{checked:?}"
        );
        assert_eq!(session.state(), locked(LockReason::NoLease));
        assert_eq!(device.files(), files);
    }

    #[tokio::test]
    async fn the_key_is_read_again_by_itself_a_bounded_number_of_times_then_when_asked() {
        let device = TestDevice::enrolled();
        device
            .keys
            .fail_with(Some(KeyStoreError::TemporarilyUnavailable));
        let session = device.open();
        let at_most = Duration::from_secs(30);
        let mut reads = device.keys.loads();
        assert_eq!(session.next_tick_in(at_most), Duration::from_secs(1));
        session.tick().await;
        assert_eq!(device.keys.loads(), reads, "not due yet");
        for _ in 0..KEY_STORE_RETRIES {
            device.clock.advance_ms(LONGEST_WAIT_MS);
            session.tick().await;
            reads += 1;
            assert_eq!(device.keys.loads(), reads);
            assert_eq!(session.state(), locked(LockReason::KeyStoreUnavailable));
        }
        // Spent: it waits for the app to ask.
        assert_eq!(session.next_tick_in(at_most), at_most);
        for _ in 0..5 {
            device.clock.advance_ms(LONGEST_WAIT_MS);
            session.tick().await;
        }
        assert_eq!(device.keys.loads(), reads);
        assert_eq!(session.state(), locked(LockReason::KeyStoreUnavailable));

        // The app asks (it became active): one read now, and the automatic reads start over.
        assert!(session.check_presence().await.is_err());
        assert_eq!(device.keys.loads(), reads + 1);
        device.clock.advance_ms(FIRST_WAIT_MS);
        session.tick().await;
        assert_eq!(device.keys.loads(), reads + 2);

        // Readable: the next automatic read finds it; presence is then the server's to give.
        device.keys.fail_with(None);
        device.clock.advance_ms(LONGEST_WAIT_MS);
        session.tick().await;
        assert_eq!(session.state(), locked(LockReason::NoLease));
    }

    #[tokio::test]
    async fn a_failing_key_store_locks_without_retrying_by_itself_and_destroys_nothing() {
        let device = TestDevice::enrolled();
        let files = device.files();
        device
            .keys
            .fail_with(Some(KeyStoreError::Failed("status -25300".into())));
        let session = device.open();
        assert_eq!(session.state(), locked(LockReason::KeyStoreFailed));
        let reads = device.keys.loads();
        device.clock.advance_ms(600_000);
        session.tick().await;
        assert_eq!(
            device.keys.loads(),
            reads,
            "a failure is not retried by itself"
        );
        let again = session.enroll(NO_SERVER.into(), pin(), "ABCDEF123456".into());
        assert_eq!(again.await, Err(SessionError::AlreadyEnrolled));
        assert!(session.check_presence().await.is_err());
        assert_eq!(
            device.keys.loads(),
            reads + 1,
            "read again when the app asks"
        );
        assert_eq!(device.files(), files);
        assert_eq!(device.keys.names(), [CACHE_KEY, DEVICE_KEY]);
    }

    #[test]
    fn only_a_key_store_without_the_key_means_not_enrolled() {
        let device = TestDevice::enrolled();
        let files = device.files();
        device.keys.delete(DEVICE_KEY.into());
        assert_eq!(device.open().state(), SessionState::NotEnrolled);
        assert_eq!(device.files(), files, "opening removes nothing");
    }

    #[tokio::test]
    async fn an_enrolment_stops_before_sending_the_code_when_the_key_store_cannot_be_read() {
        let device = TestDevice::new();
        let session = device.open();
        let enroll = || session.enroll(NO_SERVER.into(), pin(), "ABCDEF123456".into());
        device
            .keys
            .fail_with(Some(KeyStoreError::TemporarilyUnavailable));
        assert_eq!(
            enroll().await,
            Err(SessionError::KeyStore(
                KeyStoreError::TemporarilyUnavailable
            ))
        );
        device
            .keys
            .fail_with(Some(KeyStoreError::Failed("status -34018".into())));
        assert_eq!(
            enroll().await,
            Err(SessionError::KeyStore(KeyStoreError::Failed(
                "status -34018".into()
            )))
        );
        // Readable: the code is sent (and nothing answers here).
        device.keys.fail_with(None);
        assert!(matches!(enroll().await, Err(SessionError::Network(_))));
        assert_eq!(session.state(), SessionState::NotEnrolled);
    }

    #[test]
    fn automatic_reads_back_off_and_stop() {
        let first = KeyWait::after(false, 1, 0);
        assert_eq!(first.next_read_mono(), Some(1_000));
        assert_eq!(KeyWait::after(false, 3, 0).next_read_mono(), Some(4_000));
        assert_eq!(KeyWait::after(false, 9, 0).next_read_mono(), Some(30_000));
        assert_eq!(
            KeyWait::after(false, KEY_STORE_RETRIES, 0).next_read_mono(),
            Some(30_000)
        );
        assert_eq!(
            KeyWait::after(false, KEY_STORE_RETRIES + 1, 0).next_read_mono(),
            None
        );
        assert_eq!(first.reason(), LockReason::KeyStoreUnavailable);
        let failed = KeyWait::after(true, 1, 0);
        assert_eq!(failed.next_read_mono(), None);
        assert_eq!(failed.reason(), LockReason::KeyStoreFailed);
    }
}
