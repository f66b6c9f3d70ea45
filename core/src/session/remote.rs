//! The session's calls to the store's server over pinned TLS (enrol, presence, sign-in), and
//! the device-side checks of a lease: the server's signature, this device, this store, this nonce.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::{
    KeyEndorsement, Lease, MAX_KEY_CHAIN, ShredKind, ShredOrder, key_endorsement_message,
    lease_message, shred_order_message,
};
use carnet_protocol::{ApiError, HEADER_PROTOCOL, PROTOCOL_VERSION};
use ring::signature::{ED25519, UnparsedPublicKey};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::sync::{Addresses, NetworkFailure};

/// A failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RemoteError {
    /// Not reachable, or not the pinned certificate, or cut off.
    Network(NetworkFailure),
    /// An error answer.
    Api {
        status: u16,
        code: String,
        retry_after: Option<u64>,
        /// A signed shred order, with `device_revoked` and `remote_wipe`.
        order: Option<String>,
        /// With an order: the lease keys the server moved to since the one pinned.
        key_chain: Vec<KeyEndorsement>,
    },
    /// Not a protocol answer.
    Malformed,
}

/// A pinned HTTPS client of the enrolled server, at any of its addresses: a call that cannot
/// reach one goes on with the next, and the one that answered is tried first next time.
#[derive(Clone)]
pub(crate) struct Remote {
    http: reqwest::Client,
    addresses: Addresses,
}

impl Remote {
    /// A client of `base_urls` (the first is tried first) pinned to `certificate_pin`,
    /// sending from `source` when given (the address the platform says the device has on
    /// the network; the OS picks otherwise).
    pub(crate) fn new(
        base_urls: &[String],
        certificate_pin: &str,
        source: Option<IpAddr>,
    ) -> Result<Self, &'static str> {
        carnet_protocol::pin::install_default_provider();
        let tls = carnet_protocol::pin::client_config(certificate_pin)
            .map_err(|_| "the certificate pin is not 64 hex digits")?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .local_address(source)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|_| "the HTTP client could not be built")?;
        let addresses = Addresses::new(base_urls)
            .filter(Addresses::all_https)
            .ok_or("the server address must start with https://")?;
        Ok(Self { http, addresses })
    }

    /// POSTs `body` (exactly these bytes) with `headers`; decodes the answer, read up to
    /// [`MAX_RESPONSE_BYTES`]. The same request goes to the next address while one cannot
    /// be reached (the server's calls are safe to repeat: enrolment codes are single use,
    /// presence and sign-in are bound to a fresh nonce and signature).
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: bytes::Bytes,
        headers: Vec<(&'static str, String)>,
    ) -> Result<T, RemoteError> {
        let unreachable = |e: &RemoteError| matches!(e, RemoteError::Network(_));
        let (body, headers) = (&body, &headers);
        self.addresses
            .call(unreachable, |base| async move {
                self.post_to(&base, path, body.clone(), headers.clone())
                    .await
            })
            .await
    }

    async fn post_to<T: DeserializeOwned>(
        &self,
        base_url: &str,
        path: &str,
        body: bytes::Bytes,
        headers: Vec<(&'static str, String)>,
    ) -> Result<T, RemoteError> {
        let mut request = self
            .http
            .post(format!("{base_url}{path}"))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| RemoteError::Network(NetworkFailure::of(&e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = read_capped(&mut response).await?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes).map_err(|_| RemoteError::Malformed);
        }
        let (code, order, key_chain) = serde_json::from_slice::<ApiError>(&bytes)
            .map(|e| (e.error, e.order, e.key_chain))
            .unwrap_or_default();
        Err(RemoteError::Api {
            status,
            code,
            retry_after,
            order,
            key_chain,
        })
    }

    pub(crate) async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, RemoteError> {
        let bytes = serde_json::to_vec(body).map_err(|_| RemoteError::Malformed)?;
        self.post(path, bytes.into(), Vec::new()).await
    }
}

/// The most a session answer (enrolment, lease, sign-in, an error) may take: a few hundred
/// bytes in practice. A server (or anything in its place) cannot make the device buffer more.
pub(crate) const MAX_RESPONSE_BYTES: usize = 64 * 1024;

async fn read_capped(response: &mut reqwest::Response) -> Result<Vec<u8>, RemoteError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Err(RemoteError::Malformed);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| RemoteError::Network(NetworkFailure::ConnectionLost))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(RemoteError::Malformed);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why a lease is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeaseRejection {
    /// Not signed by the enrolled server's key.
    Signature,
    /// For another device or store.
    NotOurs,
    /// Not the answer to this presence check (a replay).
    Replayed,
    /// Its lifetime makes no sense.
    Malformed,
}

/// The payload of `payload_b64.signature_b64` if the server's key signed
/// `message(payload)`.
fn signed_payload(
    server_public_key: &[u8],
    token: &str,
    message: fn(&[u8]) -> Vec<u8>,
) -> Result<Vec<u8>, LeaseRejection> {
    let (payload_b64, sig_b64) = token.split_once('.').ok_or(LeaseRejection::Malformed)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| LeaseRejection::Malformed)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .map_err(|_| LeaseRejection::Malformed)?;
    UnparsedPublicKey::new(&ED25519, server_public_key)
        .verify(&message(&payload), &sig)
        .map_err(|_| LeaseRejection::Signature)?;
    Ok(payload)
}

/// The newest key `chain` leads to from `pinned`, the server's key the device trusts: an
/// endorsement counts only if the key trusted so far signed it, so a chain from anyone else
/// leads nowhere. `pinned` itself when nothing follows from it.
pub(crate) fn follow_key_chain(pinned: &[u8], chain: &[KeyEndorsement]) -> Vec<u8> {
    let mut trusted = pinned.to_vec();
    for link in chain.iter().take(MAX_KEY_CHAIN) {
        let (Ok(next), Ok(signature)) = (
            URL_SAFE_NO_PAD.decode(&link.public_key),
            URL_SAFE_NO_PAD.decode(&link.signature),
        ) else {
            continue;
        };
        if UnparsedPublicKey::new(&ED25519, &trusted)
            .verify(&key_endorsement_message(&next), &signature)
            .is_ok()
        {
            trusted = next;
        }
    }
    trusted
}

/// Accepts a lease only if the enrolled server signed it, for this device and store, in
/// answer to `nonce`.
pub(crate) fn accept_lease(
    server_public_key: &[u8],
    token: &str,
    device_id: &str,
    store_id: &str,
    nonce: &str,
) -> Result<Lease, LeaseRejection> {
    let payload = signed_payload(server_public_key, token, lease_message)?;
    let lease: Lease = serde_json::from_slice(&payload).map_err(|_| LeaseRejection::Malformed)?;
    if lease.device_id != device_id || lease.store_id != store_id {
        return Err(LeaseRejection::NotOurs);
    }
    if lease.nonce != nonce {
        return Err(LeaseRejection::Replayed);
    }
    if lease.expires_at_ms <= lease.issued_at_ms {
        return Err(LeaseRejection::Malformed);
    }
    Ok(lease)
}

/// Accepts a shred order only if the enrolled server signed it, for this device and store,
/// of the `kind` the answer's code says, in answer to one of `nonces` (the presence check's,
/// or the current and previous leases' for signed requests).
pub(crate) fn accept_order(
    server_public_key: &[u8],
    token: &str,
    device_id: &str,
    store_id: &str,
    kind: ShredKind,
    nonces: &[&str],
) -> Result<ShredOrder, LeaseRejection> {
    let payload = signed_payload(server_public_key, token, shred_order_message)?;
    let order: ShredOrder =
        serde_json::from_slice(&payload).map_err(|_| LeaseRejection::Malformed)?;
    if order.device_id != device_id || order.store_id != store_id || order.kind != kind {
        return Err(LeaseRejection::NotOurs);
    }
    if !nonces.contains(&order.nonce.as_str()) {
        return Err(LeaseRejection::Replayed);
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use ring::signature::{Ed25519KeyPair, KeyPair};

    use super::*;

    fn signed(key: &Ed25519KeyPair, lease: &Lease) -> String {
        let payload = serde_json::to_vec(lease).unwrap();
        let sig = key.sign(&lease_message(&payload));
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(sig.as_ref())
        )
    }

    fn key() -> Ed25519KeyPair {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
    }

    #[test]
    fn only_a_fresh_lease_of_our_server_for_us_is_accepted() {
        let server = key();
        let other_server = key();
        let pk = server.public_key().as_ref().to_vec();
        let lease = Lease {
            device_id: "dev-1".into(),
            store_id: "S001".into(),
            nonce: "n2".into(),
            issued_at_ms: 1_000,
            expires_at_ms: 301_000,
        };
        let good = signed(&server, &lease);
        assert_eq!(
            accept_lease(&pk, &good, "dev-1", "S001", "n2"),
            Ok(lease.clone())
        );
        // Replayed: an old lease answers an earlier nonce.
        assert_eq!(
            accept_lease(&pk, &good, "dev-1", "S001", "n3"),
            Err(LeaseRejection::Replayed)
        );
        // Another store's server (another key), or a lease for another store or device.
        assert_eq!(
            accept_lease(&pk, &signed(&other_server, &lease), "dev-1", "S001", "n2"),
            Err(LeaseRejection::Signature)
        );
        assert_eq!(
            accept_lease(&pk, &good, "dev-1", "S002", "n2"),
            Err(LeaseRejection::NotOurs)
        );
        assert_eq!(
            accept_lease(&pk, &good, "dev-2", "S001", "n2"),
            Err(LeaseRejection::NotOurs)
        );
        assert_eq!(
            accept_lease(&pk, "x.y", "dev-1", "S001", "n2"),
            Err(LeaseRejection::Malformed)
        );
    }

    #[test]
    fn only_our_servers_order_for_us_answering_our_request_is_accepted() {
        let server = key();
        let pk = server.public_key().as_ref().to_vec();
        let order = ShredOrder {
            device_id: "dev-1".into(),
            store_id: "S001".into(),
            kind: ShredKind::Wipe,
            nonce: "n2".into(),
            issued_at_ms: 1_000,
        };
        let sign = |key: &Ed25519KeyPair, o: &ShredOrder| {
            let payload = serde_json::to_vec(o).unwrap();
            format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(&payload),
                URL_SAFE_NO_PAD.encode(key.sign(&shred_order_message(&payload)).as_ref())
            )
        };
        let good = sign(&server, &order);
        let accept = |token: &str, kind, nonces: &[&str]| {
            accept_order(&pk, token, "dev-1", "S001", kind, nonces)
        };
        assert_eq!(
            accept(&good, ShredKind::Wipe, &["n1", "n2"]),
            Ok(order.clone())
        );
        assert_eq!(
            accept(&good, ShredKind::Revoke, &["n2"]),
            Err(LeaseRejection::NotOurs)
        );
        assert_eq!(
            accept(&good, ShredKind::Wipe, &["n3"]),
            Err(LeaseRejection::Replayed)
        );
        assert_eq!(
            accept(&sign(&key(), &order), ShredKind::Wipe, &["n2"]),
            Err(LeaseRejection::Signature)
        );
        // A lease is not an order, even from the same key: the messages are domain-separated.
        let payload = serde_json::to_vec(&order).unwrap();
        let as_lease = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(server.sign(&lease_message(&payload)).as_ref())
        );
        assert_eq!(
            accept(&as_lease, ShredKind::Wipe, &["n2"]),
            Err(LeaseRejection::Signature)
        );
        assert_eq!(
            accept_order(&pk, &good, "dev-1", "S002", ShredKind::Wipe, &["n2"]),
            Err(LeaseRejection::NotOurs)
        );
    }

    fn endorse(old: &Ed25519KeyPair, new: &Ed25519KeyPair) -> KeyEndorsement {
        KeyEndorsement {
            public_key: URL_SAFE_NO_PAD.encode(new.public_key().as_ref()),
            signature: URL_SAFE_NO_PAD.encode(
                old.sign(&key_endorsement_message(new.public_key().as_ref()))
                    .as_ref(),
            ),
        }
    }

    #[test]
    fn a_key_chain_is_followed_only_from_the_pinned_key() {
        let [k0, k1, k2] = [key(), key(), key()];
        let pk = |k: &Ed25519KeyPair| k.public_key().as_ref().to_vec();
        let chain = vec![endorse(&k0, &k1), endorse(&k1, &k2)];
        // From the oldest key, from the middle one, or already at the newest.
        assert_eq!(follow_key_chain(&pk(&k0), &chain), pk(&k2));
        assert_eq!(follow_key_chain(&pk(&k1), &chain), pk(&k2));
        assert_eq!(follow_key_chain(&pk(&k2), &chain), pk(&k2));
        assert_eq!(follow_key_chain(&pk(&k0), &[]), pk(&k0));
        // A key vouched for by anyone else is not followed, nor a link with a bad signature
        // or a damaged key.
        let intruder = key();
        assert_eq!(
            follow_key_chain(&pk(&k0), &[endorse(&k1, &intruder)]),
            pk(&k0)
        );
        let mut forged = endorse(&k0, &intruder);
        forged.public_key = URL_SAFE_NO_PAD.encode(pk(&k1));
        assert_eq!(follow_key_chain(&pk(&k0), &[forged]), pk(&k0));
        let damaged = KeyEndorsement {
            public_key: "!".into(),
            ..endorse(&k0, &k1)
        };
        assert_eq!(follow_key_chain(&pk(&k0), &[damaged]), pk(&k0));
        // A lease endorsement is not a lease: the messages are domain-separated.
        let lease_signature = k0.sign(&lease_message(pk(&k1).as_slice()));
        let as_lease = KeyEndorsement {
            public_key: URL_SAFE_NO_PAD.encode(pk(&k1)),
            signature: URL_SAFE_NO_PAD.encode(lease_signature.as_ref()),
        };
        assert_eq!(follow_key_chain(&pk(&k0), &[as_lease]), pk(&k0));
    }
}
