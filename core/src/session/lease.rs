//! The store-presence lease: the signed presence check, its renewal at half-life, and the
//! background task that keeps it fresh.

use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::{
    PRESENCE_PATH, PresenceRequest, PresenceResponse, presence_message,
};
use ring::rand::{SecureRandom, SystemRandom};

use super::remote::{self, Remote, RemoteError};
use super::state::lock;
use super::{LockReason, NetworkEvent, Session, SessionError, SessionState, Shared, lock_inner};

pub(super) struct ActiveLease {
    pub(super) token: String,
    pub(super) nonce: String,
    /// Monotonic time the presence request was sent: the lease is counted from there.
    pub(super) sent_mono: u64,
    pub(super) expires_mono: u64,
}

impl ActiveLease {
    /// When half of it is spent: from then on it is renewed.
    pub(super) fn half_life_mono(&self) -> u64 {
        self.sent_mono + self.expires_mono.saturating_sub(self.sent_mono) / 2
    }
}

/// How soon an overdue lease renewal (the last attempt failed) is tried again.
const RENEWAL_RETRY_MS: u64 = 5_000;

/// A running background renewal; stops when dropped.
#[derive(Debug)]
pub struct BackgroundTask(tokio::task::JoinHandle<()>);

impl Drop for BackgroundTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Session {
    /// Proves presence to the store's server and takes a fresh lease. Fails (and changes
    /// nothing) when the pinned server cannot be reached; shreds when it says revoked or wipe.
    /// A device key missing from the session is read again first.
    pub async fn check_presence(&self) -> Result<SessionState, SessionError> {
        self.device_key_ready(true)?;
        let (remote, request, device_id, store_id, server_key, nonce, sent) = {
            let mut inner = lock_inner(&self.shared);
            self.shared.evaluate(&mut inner);
            if let Some(reason) = inner.shredded {
                return Err(SessionError::Shredded(reason));
            }
            let (Some(enrollment), Some(remote), Some(key)) =
                (&inner.enrollment, &inner.remote, &inner.device_key)
            else {
                return Err(SessionError::NotEnrolled);
            };
            let mut nonce = [0u8; 32];
            SystemRandom::new()
                .fill(&mut nonce)
                .map_err(|_| SessionError::Core("no system randomness".into()))?;
            let nonce = URL_SAFE_NO_PAD.encode(nonce);
            let app_version = &self.shared.platform.app_version;
            let signature = key.sign(&presence_message(
                &enrollment.device_id,
                &nonce,
                app_version,
            ));
            let request = PresenceRequest {
                device_id: enrollment.device_id.clone(),
                nonce: nonce.clone(),
                app_version: app_version.clone(),
                signature: URL_SAFE_NO_PAD.encode(signature.as_ref()),
            };
            let server_key = enrollment.server_key();
            (
                remote.clone(),
                request,
                enrollment.device_id.clone(),
                enrollment.store_id.clone(),
                server_key,
                nonce,
                self.shared.platform.clock.monotonic_ms(),
            )
        };
        self.publish();
        let answer: Result<PresenceResponse, RemoteError> =
            remote.post_json(PRESENCE_PATH, &request).await;
        let answer = match answer {
            Ok(a) => a,
            Err(e) => return Err(self.on_remote_error(e, Some(&nonce))),
        };
        // The server may have rotated its key since: the old key vouches for the new one.
        let server_key = remote::follow_key_chain(&server_key, &answer.key_chain);
        let lease = remote::accept_lease(&server_key, &answer.lease, &device_id, &store_id, &nonce)
            .map_err(|why| {
                SessionError::BadAnswer(match why {
                    remote::LeaseRejection::Signature => "the lease is not the store server's",
                    remote::LeaseRejection::NotOurs => "the lease is for another device or store",
                    remote::LeaseRejection::Replayed => "the lease answers another check",
                    remote::LeaseRejection::Malformed => "the lease is malformed",
                })
            })?;
        let ttl = u64::try_from(lease.expires_at_ms - lease.issued_at_ms).unwrap_or(0);
        // Never longer than the policy says, whatever the payload claims.
        let ttl = ttl.min(u64::from(answer.policy.lease_ttl_secs) * 1000);
        {
            let mut inner = lock_inner(&self.shared);
            let Some(enrollment) = inner.enrollment.as_mut() else {
                return Err(SessionError::NotEnrolled);
            };
            let wall = self.shared.platform.clock.wall_ms();
            let quiet_period_days = answer.policy.quiet_period_days;
            enrollment.policy = answer.policy;
            enrollment.lease_public_key = URL_SAFE_NO_PAD.encode(&server_key);
            enrollment.wall_high_water_ms = enrollment.wall_high_water_ms.max(wall);
            enrollment.last_contact_wall_ms = enrollment.wall_high_water_ms;
            let snapshot = enrollment.clone();
            // The store's quiet period, for the checks and tasks of an open cache.
            if let Some(cache) = &inner.cache {
                cache.set_quiet_period_days(quiet_period_days);
            }
            inner.previous_lease_nonce = inner.lease.take().map(|l| l.nonce);
            inner.lease = Some(ActiveLease {
                token: answer.lease,
                nonce,
                sent_mono: sent,
                expires_mono: sent.saturating_add(ttl),
            });
            inner.last_contact_mono = Some(sent);
            if inner.lock_reason.needs_presence() {
                inner.lock_reason = LockReason::SignedOut;
            }
            drop(inner);
            self.shared.persist(&snapshot)?;
        }
        Ok(self.refresh())
    }

    /// The platform reports a network change: re-check presence at once, on new connections
    /// (those of the network before may be dead, or come from an address the device no longer
    /// has). If the pinned server is not reachable, or refuses the device's address as outside
    /// the store's network, the lease is dropped and the session locks (whatever the Wi-Fi
    /// name).
    pub async fn network_changed(&self, event: NetworkEvent) -> SessionState {
        // The Wi-Fi name is deliberately unused beyond prompting this check.
        let _hint = event.wifi_hint;
        self.reconnect_from(event.source_address);
        let checked = if event.path_available {
            Some(self.check_presence().await)
        } else {
            None
        };
        // A refusal has locked (or shredded) with its own reason already.
        let decided = matches!(
            checked,
            Some(Ok(_) | Err(SessionError::Locked(_) | SessionError::Shredded(_)))
        );
        if !decided {
            let mut inner = lock_inner(&self.shared);
            if inner.shredded.is_none() && inner.enrollment.is_some() {
                inner.lease = None;
                lock(&mut inner, LockReason::NotOnStoreNetwork);
            }
        }
        self.refresh()
    }

    /// Sends the next requests from `source`, on a new client: no connection of the network
    /// before is reused.
    fn reconnect_from(&self, source: Option<IpAddr>) {
        let mut inner = lock_inner(&self.shared);
        inner.source_address = source;
        let remote = inner
            .enrollment
            .as_ref()
            .and_then(|e| Remote::new(&e.addresses(), &e.certificate_pin, source).ok());
        if remote.is_some() {
            inner.remote = remote;
        }
    }

    /// Applies timeouts and renews the lease once half of it is spent (or when there is none);
    /// reads a device key missing from the session again when due.
    /// [`Session::spawn_background`] calls it when [`Session::next_tick_in`] says.
    pub async fn tick(&self) -> SessionState {
        let key_ready = self.device_key_ready(false).is_ok();
        let due = key_ready && {
            let mut inner = lock_inner(&self.shared);
            self.shared.evaluate(&mut inner);
            if let Some(e) = inner.enrollment.as_mut() {
                // Remember how late it has been, so that a clock set back later changes nothing.
                let wall = self.shared.platform.clock.wall_ms();
                if wall > e.wall_high_water_ms + 60_000 {
                    e.wall_high_water_ms = wall;
                    let snapshot = e.clone();
                    let _ = self.shared.persist(&snapshot);
                }
            }
            let now = self.shared.platform.clock.monotonic_ms();
            inner.shredded.is_none()
                && inner.enrollment.is_some()
                && inner
                    .lease
                    .as_ref()
                    .is_none_or(|l| now >= l.half_life_mono())
        };
        self.publish();
        if due {
            let _ = self.check_presence().await;
        }
        self.refresh()
    }

    /// How long until [`Session::tick`] next has work: renewing the lease at its half-life,
    /// locking at its expiry or at the idle timeout. The store's lease policy sets these, so a
    /// store with short leases is renewed as often as it needs. Never more than `at_most` (a
    /// device without a lease retries presence at that pace), never less than a second.
    pub fn next_tick_in(&self, at_most: Duration) -> Duration {
        let inner = lock_inner(&self.shared);
        let now = self.shared.platform.clock.monotonic_ms();
        let mut due: Vec<u64> = Vec::new();
        if let Some(lease) = &inner.lease {
            let half_life = lease.half_life_mono();
            // Past its half-life the renewal is overdue (a failed attempt): try again soon.
            due.push(if half_life > now {
                half_life
            } else {
                now + RENEWAL_RETRY_MS
            });
            due.push(lease.expires_mono);
        }
        if let Some(at) = inner.key_wait.and_then(|wait| wait.next_read_mono()) {
            due.push(at.max(now + 1));
        }
        if let (Some(_), Some(enrollment)) = (&inner.advisor, &inner.enrollment) {
            let idle_limit = u64::from(enrollment.policy.idle_timeout_secs) * 1000;
            // Strictly past the limit locks (see `evaluate`).
            due.push(inner.last_activity_mono + idle_limit + 1);
        }
        let soonest = due
            .into_iter()
            .filter(|&at| at > now)
            .min()
            .map_or(at_most, |at| Duration::from_millis(at - now));
        soonest.min(at_most).max(Duration::from_secs(1))
    }

    /// Runs [`Session::tick`] on the current tokio runtime until the handle is dropped, each
    /// time after [`Session::next_tick_in`]`(at_most)`.
    pub fn spawn_background(&self, at_most: Duration) -> BackgroundTask {
        let weak: Weak<Shared> = Arc::downgrade(&self.shared);
        BackgroundTask(tokio::spawn(async move {
            loop {
                let wait = match weak.upgrade() {
                    Some(shared) => Session { shared }.next_tick_in(at_most),
                    None => return,
                };
                tokio::time::sleep(wait).await;
                let Some(shared) = weak.upgrade() else { return };
                Session { shared }.tick().await;
            }
        }))
    }
}
