//! Requests signed with the current lease and the device key, and the sync client that uses
//! them.

use std::sync::{Arc, Weak};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::{
    HEADER_DEVICE_AUTH, HEADER_LEASE, device_auth_header, request_message,
};

use super::remote::RemoteError;
use super::state::presence_reason;
use super::{Inner, Session, SessionError, Shared, lock_inner};
use crate::sync::{CancelHandle, Progress, RequestSigner, ServerConfig, SyncClient, SyncError};

impl Session {
    /// A sync client of the enrolled store, authenticating every request with the current
    /// lease and the device key. Needs a lease.
    pub fn sync_client(&self) -> Result<SyncClient, SessionError> {
        let inner = lock_inner(&self.shared);
        if let Some(reason) = inner.shredded {
            return Err(SessionError::Shredded(reason));
        }
        let e = inner.enrollment.as_ref().ok_or(SessionError::NotEnrolled)?;
        if inner.lease.is_none() {
            return Err(SessionError::Locked(presence_reason(&inner)));
        }
        let config = ServerConfig {
            base_urls: e
                .addresses()
                .iter()
                .map(|u| u.trim_end_matches('/').to_owned())
                .collect(),
            certificate_pin: e.certificate_pin.clone(),
            store_id: e.store_id.clone(),
            local_address: inner.source_address,
        };
        drop(inner);
        let signer = Arc::new(LeaseRequestSigner {
            shared: Arc::downgrade(&self.shared),
        });
        SyncClient::new(config, signer).map_err(SessionError::Sync)
    }

    /// One sync round (push then pull) while unlocked; a verified revocation or wipe order
    /// shreds, an unknown device or an address outside the store's network locks.
    pub async fn sync(
        &self,
        cancel: &CancelHandle,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<crate::sync::SyncReport, SessionError> {
        let cache = self.cache().map_err(|_| self.locked_error())?;
        let client = self.sync_client()?;
        let result = crate::sync::sync(cache, &client, true, cancel, progress).await;
        match result {
            Ok(report) => Ok(report),
            Err(SyncError::DeviceRefused {
                status,
                code,
                order,
                key_chain,
            }) => Err(self.on_remote_error(
                RemoteError::Api {
                    status,
                    code,
                    retry_after: None,
                    order,
                    key_chain,
                },
                None,
            )),
            Err(e) => Err(SessionError::Sync(e)),
        }
    }
}

impl Shared {
    /// Lease and device-signature headers for a request, if a lease is valid.
    pub(super) fn sign_request(
        &self,
        inner: &Inner,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Option<Vec<(&'static str, String)>> {
        let lease = inner.lease.as_ref()?;
        let key = inner.device_key.as_ref()?;
        let now = self.platform.clock.monotonic_ms();
        if now >= lease.expires_mono {
            return None;
        }
        let t = now.saturating_sub(lease.sent_mono);
        let body_hash = hex(ring::digest::digest(&ring::digest::SHA256, body).as_ref());
        let message = request_message(method, path_and_query, &lease.nonce, t, &body_hash);
        let signature = URL_SAFE_NO_PAD.encode(key.sign(&message).as_ref());
        Some(vec![
            (HEADER_LEASE, lease.token.clone()),
            (HEADER_DEVICE_AUTH, device_auth_header(t, &signature)),
        ])
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Signs sync requests with the session's current lease (renewals are picked up).
pub(super) struct LeaseRequestSigner {
    pub(super) shared: Weak<Shared>,
}

impl RequestSigner for LeaseRequestSigner {
    fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<Vec<(&'static str, String)>, SyncError> {
        let shared = self.shared.upgrade().ok_or(SyncError::NotOnStoreNetwork)?;
        let mut inner = lock_inner(&shared);
        shared.evaluate(&mut inner);
        shared
            .sign_request(&inner, method, path_and_query, body)
            .ok_or(SyncError::NotOnStoreNetwork)
    }
}
