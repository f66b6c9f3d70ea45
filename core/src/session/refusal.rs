//! What the server's refusal of the device means. Destroying the data needs an order the
//! device can verify (the enrolled server's key, this device and store, this request); a
//! device the server does not know, or one outside the store's network, only locks.

use carnet_protocol::presence::{KeyEndorsement, ShredKind, codes};

use super::error::remote_error;
use super::remote::{self, RemoteError};
use super::state::lock;
use super::{Inner, LockReason, Session, SessionError, ShredReason, lock_inner};

impl Session {
    /// Turns a server answer into an error: shreds on a verified revoke or wipe order, locks
    /// when the server does not know the device or the request came from outside the store's
    /// network. `presence_nonce` is the nonce of the presence check being answered (`None` for
    /// a signed request: the order then answers the current or previous lease).
    pub(super) fn on_remote_error(
        &self,
        e: RemoteError,
        presence_nonce: Option<&str>,
    ) -> SessionError {
        let RemoteError::Api {
            code,
            order,
            key_chain,
            ..
        } = &e
        else {
            return remote_error(e);
        };
        let shred = match code.as_str() {
            codes::DEVICE_REVOKED => Some((ShredKind::Revoke, ShredReason::Revoked)),
            codes::REMOTE_WIPE => Some((ShredKind::Wipe, ShredReason::RemoteWipe)),
            _ => None,
        };
        let lock_for = match code.as_str() {
            codes::UNKNOWN_DEVICE => Some(LockReason::UnknownDevice),
            codes::NOT_ON_STORE_NETWORK => Some(LockReason::NotOnStoreNetwork),
            _ => None,
        };
        let mut inner = lock_inner(&self.shared);
        let error = if let Some((kind, reason)) = shred {
            if verified(&inner, order.as_deref(), key_chain, kind, presence_nonce) {
                self.shared.shred(&mut inner, reason);
                SessionError::Shredded(reason)
            } else {
                // Nothing is destroyed on an order this device cannot check.
                SessionError::BadAnswer("an order to destroy the data was not the store server's")
            }
        } else if let Some(reason) = lock_for {
            if inner.enrollment.is_some() {
                inner.lease = None;
                lock(&mut inner, reason);
            }
            SessionError::Locked(reason)
        } else {
            drop(inner);
            return remote_error(e);
        };
        drop(inner);
        self.publish();
        error
    }
}

/// Whether `order` was signed by the enrolled server for this device and store, of `kind`,
/// in answer to this presence check or to a request under the current or previous lease. The
/// server may sign with a newer key than the one pinned, which `key_chain` leads to.
fn verified(
    inner: &Inner,
    order: Option<&str>,
    key_chain: &[KeyEndorsement],
    kind: ShredKind,
    presence: Option<&str>,
) -> bool {
    let (Some(order), Some(enrollment)) = (order, &inner.enrollment) else {
        return false;
    };
    let server_key = remote::follow_key_chain(&enrollment.server_key(), key_chain);
    let nonces: Vec<&str> = match presence {
        Some(nonce) => vec![nonce],
        None => inner
            .lease
            .iter()
            .map(|l| l.nonce.as_str())
            .chain(inner.previous_lease_nonce.as_deref())
            .collect(),
    };
    remote::accept_order(
        &server_key,
        order,
        &enrollment.device_id,
        &enrollment.store_id,
        kind,
        &nonces,
    )
    .is_ok()
}
