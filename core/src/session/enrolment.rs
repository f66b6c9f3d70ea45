//! Enrolment: the device's key pair and the cache's key, registered with a one-time code;
//! the enrolment record kept in `session.json` (no secret, nothing personal).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::{
    ENROLL_PATH, EnrollRequest, EnrollResponse, MAX_SERVER_URLS, Policy, codes,
};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};

use super::error::remote_error;
use super::remote::{Remote, RemoteError};
use super::shred::remove_cache_files;
use super::{
    CACHE_KEY, DEVICE_KEY, KeyStoreError, LockReason, SESSION_FILE, Session, SessionError,
    SessionState, Shared, lock_inner,
};
use crate::CacheKey;
use crate::store::Cache;

/// The enrolment, kept in `session.json` in the data directory (no secret, nothing personal).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Enrollment {
    pub(super) device_id: String,
    pub(super) store_id: String,
    pub(super) server_url: String,
    /// The server's other addresses (its replicas), as its enrolment answer gave them.
    #[serde(default)]
    pub(super) server_urls: Vec<String>,
    pub(super) certificate_pin: String,
    /// The server's lease-signing key, base64url.
    pub(super) lease_public_key: String,
    pub(super) policy: Policy,
    /// Wall time of the last lease (device clock, Unix ms).
    pub(super) last_contact_wall_ms: i64,
    /// The latest wall time ever seen: a clock set back cannot make the device look less
    /// long off the network.
    pub(super) wall_high_water_ms: i64,
}

impl Enrollment {
    /// Every address of the server: the one enrolled through first, then the others it gave.
    pub(super) fn addresses(&self) -> Vec<String> {
        let mut all = vec![self.server_url.clone()];
        for url in &self.server_urls {
            if !all.contains(url) {
                all.push(url.clone());
            }
        }
        all
    }

    /// The server's lease-signing key (empty if the stored text is damaged: nothing verifies).
    pub(super) fn server_key(&self) -> Vec<u8> {
        URL_SAFE_NO_PAD
            .decode(&self.lease_public_key)
            .unwrap_or_default()
    }
}

impl Session {
    /// Enrols with a one-time code: creates the device's Ed25519 key pair, registers it, makes
    /// the cache's random key and gives both to the key store, then checks presence.
    ///
    /// A device the server no longer knows ([`LockReason::UnknownDevice`]: a server restored
    /// from an older backup) enrols again the same way, with a new key pair and device id,
    /// but keeps its cache, its key and its pending edits when the new enrolment is for the
    /// same store; the outbox then follows the numbering the server expects.
    ///
    /// A key store that cannot be read (temporarily unavailable, failing) stops the enrolment
    /// before the code is sent; no cache is ever removed because of one. A device enrolled
    /// whose key store is not readable yet is still enrolled: it waits (see
    /// [`LockReason::KeyStoreUnavailable`]) and this returns `AlreadyEnrolled`.
    pub async fn enroll(
        &self,
        server_url: String,
        certificate_pin: String,
        enrollment_code: String,
    ) -> Result<SessionState, SessionError> {
        let kept_store = {
            let inner = lock_inner(&self.shared);
            match &inner.enrollment {
                None => None,
                Some(e) if inner.lock_reason == LockReason::UnknownDevice => {
                    Some(e.store_id.clone())
                }
                Some(_) => return Err(SessionError::AlreadyEnrolled),
            }
        };
        let code = enrollment_code.trim().to_owned();
        if code.is_empty() || code.len() > 32 {
            return Err(SessionError::InvalidInput(
                "the enrolment code is 12 letters and digits".into(),
            ));
        }
        let ks = &self.shared.platform.key_store;
        // The key store is read before anything is sent: one that cannot be read now must
        // neither use up the code nor have a cache it holds the key of taken for a leftover.
        let holds_cache_key = match ks.load(CACHE_KEY.into()) {
            Ok(_) => true,
            Err(KeyStoreError::Absent) => false,
            Err(e) => return Err(SessionError::KeyStore(e)),
        };
        let source = lock_inner(&self.shared).source_address;
        let remote = Remote::new(std::slice::from_ref(&server_url), &certificate_pin, source)
            .map_err(|m| SessionError::InvalidInput(m.into()))?;
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| SessionError::Core("no system randomness".into()))?;
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
            .map_err(|_| SessionError::Core("generated key refused".into()))?;
        let request = EnrollRequest {
            code,
            public_key: URL_SAFE_NO_PAD.encode(key.public_key().as_ref()),
            app_version: self.shared.platform.app_version.clone(),
        };
        let answer: EnrollResponse =
            remote
                .post_json(ENROLL_PATH, &request)
                .await
                .map_err(|e| match e {
                    RemoteError::Api { code, .. } if code == codes::BAD_ENROLLMENT_CODE => {
                        SessionError::BadEnrollmentCode
                    }
                    other => remote_error(other),
                })?;
        URL_SAFE_NO_PAD
            .decode(&answer.lease_public_key)
            .ok()
            .filter(|k| k.len() == 32)
            .ok_or(SessionError::BadAnswer(
                "the server's lease key is not Ed25519",
            ))?;
        let server_urls = checked_addresses(answer.server_urls)?;
        ks.store(DEVICE_KEY.into(), pkcs8.as_ref().to_vec())
            .map_err(SessionError::KeyStore)?;
        let keep_cache = holds_cache_key && kept_store.as_deref() == Some(answer.store_id.as_str());
        if !keep_cache {
            let cache_key = CacheKey::generate().map_err(SessionError::from)?;
            // The new key replaces the old one first: a key store that refuses it leaves
            // every file as it was.
            ks.store(CACHE_KEY.into(), cache_key.as_bytes().to_vec())
                .map_err(SessionError::KeyStore)?;
            // Leftovers of an earlier enrolment can never be opened again: remove them.
            remove_cache_files(&self.cache_path());
            // Create the empty encrypted cache now, so that unlocking only ever opens it.
            drop(Cache::open(self.cache_path(), &cache_key).map_err(SessionError::from)?);
        }
        let wall = self.shared.platform.clock.wall_ms();
        let enrollment = Enrollment {
            device_id: answer.device_id,
            store_id: answer.store_id,
            server_url,
            server_urls,
            certificate_pin,
            lease_public_key: answer.lease_public_key,
            policy: answer.policy,
            last_contact_wall_ms: wall,
            wall_high_water_ms: wall,
        };
        self.shared.persist(&enrollment)?;
        // From now on every address the server gave (checked above: https, a few).
        let remote = Remote::new(&enrollment.addresses(), &enrollment.certificate_pin, source)
            .unwrap_or(remote);
        {
            let mut inner = lock_inner(&self.shared);
            inner.enrollment = Some(enrollment);
            inner.remote = Some(remote);
            inner.device_key = Some(Arc::new(key));
            inner.lease = None;
            inner.previous_lease_nonce = None;
            inner.shredded = None;
            inner.key_wait = None;
            inner.lock_reason = LockReason::NoLease;
            inner.last_contact_mono = Some(self.shared.platform.clock.monotonic_ms());
        }
        self.publish();
        // Presence is checked right away; being off the network now is not an enrolment error.
        let _ = self.check_presence().await;
        Ok(self.state())
    }
}

impl Shared {
    pub(super) fn persist(&self, enrollment: &Enrollment) -> Result<(), SessionError> {
        let path = self.data_dir.join(SESSION_FILE);
        let tmp = self.data_dir.join(format!("{SESSION_FILE}.tmp"));
        let bytes = serde_json::to_vec_pretty(enrollment)
            .map_err(|_| SessionError::Core("session cannot be encoded".into()))?;
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| SessionError::Core(format!("session file: {}", e.kind())))
    }
}

/// The server's addresses from its enrolment answer: `https://` URLs, a few at most; any
/// other answer is refused before anything is kept.
fn checked_addresses(urls: Vec<String>) -> Result<Vec<String>, SessionError> {
    let valid = |u: &String| u.starts_with("https://") && u.len() > 8 && u.len() <= 200;
    if urls.len() > MAX_SERVER_URLS || !urls.iter().all(valid) {
        return Err(SessionError::BadAnswer(
            "the server's addresses are not a few https addresses",
        ));
    }
    Ok(urls
        .into_iter()
        .map(|u| u.trim_end_matches('/').to_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_servers_addresses_are_a_few_https_urls_or_the_answer_is_refused() {
        let urls = |list: &[&str]| list.iter().map(|u| (*u).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            checked_addresses(urls(&["https://10.0.0.5:8443/", "https://10.0.0.6:8443"])).unwrap(),
            urls(&["https://10.0.0.5:8443", "https://10.0.0.6:8443"])
        );
        assert!(checked_addresses(Vec::new()).unwrap().is_empty());
        let too_many = vec!["https://10.0.0.5:8443".to_owned(); MAX_SERVER_URLS + 1];
        for refused in [
            urls(&["http://10.0.0.5:8443"]),
            urls(&["https://"]),
            vec![format!("https://{}", "a".repeat(200))],
            too_many,
        ] {
            assert!(matches!(
                checked_addresses(refused),
                Err(SessionError::BadAnswer(_))
            ));
        }
    }
}
