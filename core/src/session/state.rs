//! The lock state machine: why the session is locked or shredded, what the UI shows, and the
//! rules that apply the lease's expiry, the idle timeout and the off-network limit.

use std::net::IpAddr;

use super::{Inner, Shared};

/// Why the session is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockReason {
    /// No lease yet: the store's server has not been reached since start.
    NoLease,
    /// The lease ran out without renewal.
    LeaseExpired,
    /// A network change and the re-check failed: not on the store network.
    NotOnStoreNetwork,
    /// Present in the store; no advisor signed in (or she signed out).
    SignedOut,
    /// No activity for the store's idle timeout.
    Inactivity,
    /// The app went to the background.
    Backgrounded,
    /// The store's server does not know this device (a server restored from a backup older
    /// than its enrolment): nothing is destroyed; a manager enrols it again with a new code,
    /// and the cache and its pending edits are kept.
    UnknownDevice,
    /// The platform key store cannot be read yet (an iPhone restarted and not yet unlocked by
    /// its passcode): the enrolment and the cache are kept, and the key is read again (see
    /// [`Session::tick`](super::Session::tick)).
    KeyStoreUnavailable,
    /// The platform key store failed to give the device's key: nothing is destroyed; the key
    /// is read again when the app checks presence.
    KeyStoreFailed,
    /// The store requires single app mode and the platform refused it: no data until it is
    /// granted (see [`KioskStatus`](super::KioskStatus)).
    KioskRequired,
}

impl LockReason {
    /// Whether the device itself must first be able to prove presence (the store network, the
    /// device's key): no advisor can sign in until then.
    pub fn needs_presence(self) -> bool {
        matches!(
            self,
            LockReason::NoLease
                | LockReason::LeaseExpired
                | LockReason::NotOnStoreNetwork
                | LockReason::UnknownDevice
                | LockReason::KeyStoreUnavailable
                | LockReason::KeyStoreFailed
        )
    }
}

/// Why the cache was destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShredReason {
    /// The manager revoked this device (or the server no longer knows it).
    Revoked,
    /// The manager ordered a remote wipe.
    RemoteWipe,
    /// Off the store network longer than the store's policy allows.
    OffNetworkLimit,
}

/// What the UI shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// No enrolment: show the enrolment screen.
    NotEnrolled,
    /// Locked: no data. [`LockReason::needs_presence`] tells "go to the store network" from
    /// "sign in".
    Locked {
        /// Why.
        reason: LockReason,
    },
    /// An advisor is signed in on the store network: data is available.
    Unlocked {
        /// Her identifier.
        advisor_id: String,
        /// Her display name.
        advisor_name: Option<String>,
    },
    /// The cache was destroyed; enrol again.
    Shredded {
        /// Why.
        reason: ShredReason,
    },
}

/// A network change reported by the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEvent {
    /// Whether any network path is available.
    pub path_available: bool,
    /// The Wi-Fi name, if the platform knows it. Only a hint: it may prompt a check, never
    /// grant anything (anyone can broadcast a name).
    pub wifi_hint: Option<String>,
    /// The address to send from, when the platform must choose it (a simulator standing for
    /// another network from a second loopback address); `None` lets the OS pick, as on a
    /// handheld. The server decides presence from where requests come from.
    pub source_address: Option<IpAddr>,
}

/// Told of every state change (called without any session lock held; must not block).
pub trait SessionObserver: Send + Sync {
    /// The new state.
    fn state_changed(&self, state: SessionState);
}

pub(super) fn presence_reason(inner: &Inner) -> LockReason {
    if let Some(wait) = &inner.key_wait {
        return wait.reason();
    }
    if inner.lock_reason.needs_presence() {
        inner.lock_reason
    } else {
        LockReason::NoLease
    }
}

pub(super) fn lock(inner: &mut Inner, reason: LockReason) {
    inner.cache = None;
    inner.advisor = None;
    inner.card_open = None;
    inner.lock_reason = reason;
}

pub(super) fn current_state(inner: &Inner) -> SessionState {
    if let Some(reason) = inner.shredded {
        return SessionState::Shredded { reason };
    }
    if inner.enrollment.is_none() {
        return SessionState::NotEnrolled;
    }
    if !inner.kiosk.allows_data() {
        return SessionState::Locked {
            reason: LockReason::KioskRequired,
        };
    }
    if let Some(wait) = &inner.key_wait {
        return SessionState::Locked {
            reason: wait.reason(),
        };
    }
    match (&inner.advisor, &inner.cache, &inner.lease) {
        (Some((id, name)), Some(_), Some(_)) => SessionState::Unlocked {
            advisor_id: id.clone(),
            advisor_name: Some(name.clone()),
        },
        (_, _, None) => SessionState::Locked {
            reason: presence_reason(inner),
        },
        _ => SessionState::Locked {
            reason: if inner.lock_reason.needs_presence() {
                LockReason::SignedOut
            } else {
                inner.lock_reason
            },
        },
    }
}

impl Shared {
    /// Applies the off-network limit, the lease's expiry and the idle timeout.
    pub(super) fn evaluate(&self, inner: &mut Inner) {
        if inner.shredded.is_some() {
            return;
        }
        let Some(enrollment) = inner.enrollment.as_mut() else {
            return;
        };
        let clock = &self.platform.clock;
        let now = clock.monotonic_ms();
        enrollment.wall_high_water_ms = enrollment.wall_high_water_ms.max(clock.wall_ms());
        let off_wall = enrollment.wall_high_water_ms - enrollment.last_contact_wall_ms;
        let off_mono = inner.last_contact_mono.map_or(0, |m| {
            i64::try_from(now.saturating_sub(m)).unwrap_or(i64::MAX)
        });
        let limit = i64::from(enrollment.policy.off_network_limit_secs) * 1000;
        let idle_limit = u64::from(enrollment.policy.idle_timeout_secs) * 1000;
        if off_wall.max(off_mono) > limit {
            self.shred(inner, ShredReason::OffNetworkLimit);
            return;
        }
        if inner.lease.as_ref().is_some_and(|l| now >= l.expires_mono) {
            inner.lease = None;
            lock(inner, LockReason::LeaseExpired);
        }
        if inner.advisor.is_some() && now.saturating_sub(inner.last_activity_mono) > idle_limit {
            lock(inner, LockReason::Inactivity);
        }
    }
}
