//! Advisor sign-in against the store's server, sign-out, activity and backgrounding.

use std::sync::Arc;

use carnet_protocol::presence::{SIGN_IN_PATH, SignInResponse, codes};
use serde::Serialize;
use zeroize::Zeroizing;

use super::remote::RemoteError;
use super::state::{lock, presence_reason};
use super::{LockReason, Session, SessionError, SessionState, lock_inner};
use crate::CacheKey;
use crate::store::Cache;

/// The sign-in request, borrowing the PIN rather than copying it (see
/// [`carnet_protocol::presence::SignInRequest`], which it serialises as).
#[derive(Serialize)]
struct SignInBody<'a> {
    advisor_id: &'a str,
    pin: &'a str,
}

impl Session {
    /// Signs an advisor in against the store's server (rate-limited there, with lockout).
    /// Needs a lease, and the kiosk rule to hold. On success the cache is opened with the key
    /// from the key store (waited for a moment if the key store is not readable yet).
    pub async fn sign_in(
        &self,
        advisor_id: String,
        pin: String,
    ) -> Result<SessionState, SessionError> {
        let advisor_id = advisor_id.trim().to_owned();
        if advisor_id.is_empty() || advisor_id.len() > 32 {
            return Err(SessionError::InvalidInput(
                "an advisor identifier is 1 to 32 characters".into(),
            ));
        }
        if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SessionError::InvalidInput("a PIN is 4 to 8 digits".into()));
        }
        if !self.kiosk_allows_data() {
            return Err(SessionError::Locked(LockReason::KioskRequired));
        }
        // The PIN's only copies (hers and the request body) are wiped when dropped; what the
        // HTTP and TLS layers copy is theirs.
        let pin = Zeroizing::new(pin);
        // A lease more than half spent is renewed first: a signed request carries the time
        // since its lease, and the server refuses one that has drifted too far.
        self.tick().await;
        let body = Zeroizing::new(
            serde_json::to_vec(&SignInBody {
                advisor_id: &advisor_id,
                pin: &pin,
            })
            .map_err(|_| SessionError::Core("sign-in cannot be encoded".into()))?,
        );
        let (remote, headers) = {
            let mut inner = lock_inner(&self.shared);
            self.shared.evaluate(&mut inner);
            if let Some(reason) = inner.shredded {
                return Err(SessionError::Shredded(reason));
            }
            let remote = inner.remote.clone().ok_or(SessionError::NotEnrolled)?;
            let headers = self
                .shared
                .sign_request(&inner, "POST", SIGN_IN_PATH, &body)
                .ok_or(SessionError::Locked(presence_reason(&inner)))?;
            (remote, headers)
        };
        self.publish();
        let body = bytes::Bytes::from_owner(body);
        let answer: SignInResponse = match remote.post(SIGN_IN_PATH, body, headers).await {
            Ok(a) => a,
            Err(RemoteError::Api {
                code, retry_after, ..
            }) if code == codes::LOCKED_OUT => {
                return Err(SessionError::LockedOut {
                    retry_after_secs: retry_after.unwrap_or(60),
                });
            }
            Err(RemoteError::Api { code, .. }) if code == codes::WRONG_PIN => {
                return Err(SessionError::WrongPin);
            }
            Err(e) => return Err(self.on_remote_error(e, None)),
        };
        if answer.advisor_id != advisor_id {
            return Err(SessionError::BadAnswer("the server signed in someone else"));
        }
        let key_bytes = self.read_cache_key().await?;
        let key = CacheKey::from_bytes(&key_bytes).map_err(SessionError::from)?;
        drop(key_bytes);
        let path = self.cache_path();
        let existing = lock_inner(&self.shared).cache.clone();
        let cache = match existing {
            Some(c) => c,
            None => Arc::new(
                tokio::task::spawn_blocking(move || Cache::open(path, &key))
                    .await
                    .map_err(|_| SessionError::Core("the cache task stopped".into()))?
                    .map_err(SessionError::from)?,
            ),
        };
        {
            let mut inner = lock_inner(&self.shared);
            self.shared.evaluate(&mut inner);
            if let Some(reason) = inner.shredded {
                return Err(SessionError::Shredded(reason));
            }
            if inner.lease.is_none() {
                // The lease ran out while signing in: stay locked, drop the cache.
                return Err(SessionError::Locked(presence_reason(&inner)));
            }
            if !inner.kiosk.allows_data() {
                return Err(SessionError::Locked(LockReason::KioskRequired));
            }
            inner.advisor = Some((answer.advisor_id, answer.name));
            if let Some(enrollment) = &inner.enrollment {
                cache.set_quiet_period_days(enrollment.policy.quiet_period_days);
            }
            inner.cache = Some(cache);
            inner.last_activity_mono = self.shared.platform.clock.monotonic_ms();
        }
        Ok(self.refresh())
    }

    /// Signs the advisor out: locked, cache closed.
    pub fn sign_out(&self) {
        lock(&mut lock_inner(&self.shared), LockReason::SignedOut);
        self.publish();
    }

    /// The advisor did something: restarts the idle timeout (if it has not run out already).
    pub fn touch(&self) {
        let mut inner = lock_inner(&self.shared);
        self.shared.evaluate(&mut inner);
        if inner.advisor.is_some() {
            inner.last_activity_mono = self.shared.platform.clock.monotonic_ms();
        }
        drop(inner);
        self.publish();
    }

    /// The app went to the background: locked at once.
    pub fn backgrounded(&self) {
        let mut inner = lock_inner(&self.shared);
        if inner.advisor.is_some() {
            lock(&mut inner, LockReason::Backgrounded);
        }
        drop(inner);
        self.publish();
    }
}
