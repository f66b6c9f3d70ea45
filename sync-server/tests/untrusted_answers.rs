//! The device's session against answers it must not take on trust. It destroys its data only
//! on an order it can verify: signed with the enrolled server's lease key, for this device and
//! store, of the kind the answer says, answering this very presence check. A bare 401, an
//! unsigned, forged, misdirected or replayed order destroys nothing; a server that does not
//! know the device, or refuses its address, only locks it, and the device enrols again keeping
//! its cache. An answer larger than a session answer can be is refused unread. The server here
//! is a real TLS listener whose answers the test chooses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_core::session::{
    CACHE_KEY, DEVICE_KEY, DevFileKeyStore, KeyStore, LockReason, Platform, Session, SessionError,
    SessionState, ShredReason, SystemClock,
};
use carnet_protocol::ApiError;
use carnet_protocol::presence::{
    ENROLL_PATH, EnrollResponse, KeyEndorsement, Lease, PRESENCE_PATH, Policy, PresenceRequest,
    PresenceResponse, ShredKind, ShredOrder, codes, key_endorsement_message, lease_message,
    shred_order_message,
};
use ring::signature::{Ed25519KeyPair, KeyPair};

/// How the fake server answers the next presence check.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Lease,
    /// 401 `unauthorized`, as any server says to a request it does not like.
    Unauthorized,
    UnknownDevice,
    OffNetwork,
    /// A valid lease, padded with an unknown field to this many bytes.
    Huge(usize),
    /// A lease signed with another key, and a key chain to that key that the other key
    /// signed itself.
    SelfVouchedLease,
    /// 401 `device_revoked` with an order made as described.
    Revoke(Order),
}

#[derive(Clone, Copy, Debug)]
enum Order {
    Missing,
    /// Signed with another key than the one the device enrolled with.
    OtherKey,
    /// Signed with another key, and a key chain to that key that the other key signed
    /// itself (not the enrolled key).
    SelfVouched,
    OtherDevice,
    OtherStore,
    /// A wipe order sent with the revoke code.
    OtherKind,
    /// The order of an earlier check (another nonce): a replay.
    Replayed,
    Valid,
}

struct Fake {
    key: Ed25519KeyPair,
    other_key: Ed25519KeyPair,
    device_id: Mutex<String>,
    answer: Mutex<Answer>,
}

fn key() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

fn signed(key: &Ed25519KeyPair, payload: &[u8], message: fn(&[u8]) -> Vec<u8>) -> String {
    let sig = key.sign(&message(payload));
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(sig.as_ref())
    )
}

fn refusal(status: StatusCode, code: &str, order: Option<String>) -> Response {
    refusal_with_chain(status, code, order, Vec::new())
}

fn refusal_with_chain(
    status: StatusCode,
    code: &str,
    order: Option<String>,
    key_chain: Vec<KeyEndorsement>,
) -> Response {
    let body = ApiError {
        error: code.into(),
        message: "refused".into(),
        expected_seq: None,
        order,
        key_chain,
    };
    (status, axum::Json(body)).into_response()
}

/// `key` vouching for itself: a chain that does not start from the enrolled key.
fn self_vouched(key: &Ed25519KeyPair) -> Vec<KeyEndorsement> {
    let public = key.public_key().as_ref();
    vec![KeyEndorsement {
        public_key: URL_SAFE_NO_PAD.encode(public),
        signature: URL_SAFE_NO_PAD.encode(key.sign(&key_endorsement_message(public)).as_ref()),
    }]
}

async fn enroll(State(fake): State<Arc<Fake>>) -> axum::Json<EnrollResponse> {
    axum::Json(EnrollResponse {
        device_id: fake.device_id.lock().unwrap().clone(),
        store_id: "S001".into(),
        lease_public_key: URL_SAFE_NO_PAD.encode(fake.key.public_key().as_ref()),
        policy: Policy::default(),
        server_urls: Vec::new(),
    })
}

async fn presence(State(fake): State<Arc<Fake>>, body: axum::body::Bytes) -> Response {
    let request: PresenceRequest = serde_json::from_slice(&body).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let order = |key: &Ed25519KeyPair, device: &str, store: &str, kind, nonce: &str| {
        let order = ShredOrder {
            device_id: device.into(),
            store_id: store.into(),
            kind,
            nonce: nonce.into(),
            issued_at_ms: now,
        };
        signed(
            key,
            &serde_json::to_vec(&order).unwrap(),
            shred_order_message,
        )
    };
    let (me, nonce) = (request.device_id.as_str(), request.nonce.as_str());
    let answer = *fake.answer.lock().unwrap();
    let revoked = |order| refusal(StatusCode::UNAUTHORIZED, codes::DEVICE_REVOKED, order);
    let lease_signed_by = |key: &Ed25519KeyPair| {
        let lease = Lease {
            device_id: me.into(),
            store_id: "S001".into(),
            nonce: nonce.into(),
            issued_at_ms: now,
            expires_at_ms: now + 300_000,
        };
        let lease = signed(key, &serde_json::to_vec(&lease).unwrap(), lease_message);
        serde_json::to_value(PresenceResponse {
            lease,
            policy: Policy::default(),
            key_chain: Vec::new(),
        })
        .unwrap()
    };
    let lease = || lease_signed_by(&fake.key);
    match answer {
        Answer::Lease => axum::Json(lease()).into_response(),
        Answer::Huge(n) => {
            let mut padded = lease();
            padded["padding"] = "a".repeat(n).into();
            axum::Json(padded).into_response()
        }
        Answer::SelfVouchedLease => {
            let mut answer = lease_signed_by(&fake.other_key);
            answer["key_chain"] = serde_json::to_value(self_vouched(&fake.other_key)).unwrap();
            axum::Json(answer).into_response()
        }
        Answer::Unauthorized => refusal(
            StatusCode::UNAUTHORIZED,
            carnet_protocol::codes::UNAUTHORIZED,
            None,
        ),
        Answer::UnknownDevice => refusal(StatusCode::UNAUTHORIZED, codes::UNKNOWN_DEVICE, None),
        Answer::OffNetwork => refusal(StatusCode::FORBIDDEN, codes::NOT_ON_STORE_NETWORK, None),
        Answer::Revoke(Order::Missing) => revoked(None),
        Answer::Revoke(Order::OtherKey) => revoked(Some(order(
            &fake.other_key,
            me,
            "S001",
            ShredKind::Revoke,
            nonce,
        ))),
        Answer::Revoke(Order::SelfVouched) => refusal_with_chain(
            StatusCode::UNAUTHORIZED,
            codes::DEVICE_REVOKED,
            Some(order(&fake.other_key, me, "S001", ShredKind::Revoke, nonce)),
            self_vouched(&fake.other_key),
        ),
        Answer::Revoke(Order::OtherDevice) => revoked(Some(order(
            &fake.key,
            "dev-other",
            "S001",
            ShredKind::Revoke,
            nonce,
        ))),
        Answer::Revoke(Order::OtherStore) => {
            revoked(Some(order(&fake.key, me, "S002", ShredKind::Revoke, nonce)))
        }
        Answer::Revoke(Order::OtherKind) => {
            revoked(Some(order(&fake.key, me, "S001", ShredKind::Wipe, nonce)))
        }
        Answer::Revoke(Order::Replayed) => {
            let old = URL_SAFE_NO_PAD.encode([7u8; 32]);
            revoked(Some(order(&fake.key, me, "S001", ShredKind::Revoke, &old)))
        }
        Answer::Revoke(Order::Valid) => {
            revoked(Some(order(&fake.key, me, "S001", ShredKind::Revoke, nonce)))
        }
    }
}

struct Device {
    session: Session,
    keys: Arc<DevFileKeyStore>,
}

impl Device {
    fn kept(&self) -> (Option<Vec<u8>>, Option<Vec<u8>>, bool) {
        (
            self.keys.load(CACHE_KEY.into()).ok(),
            self.keys.load(DEVICE_KEY.into()).ok(),
            self.session.cache_path().exists(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_verified_order_destroys_the_data_and_an_unknown_device_enrols_again() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Arc::new(Fake {
        key: key(),
        other_key: key(),
        device_id: Mutex::new("dev-1".into()),
        answer: Mutex::new(Answer::Lease),
    });
    let router = Router::new()
        .route(ENROLL_PATH, post(enroll))
        .route(PRESENCE_PATH, post(presence))
        .with_state(Arc::clone(&fake));
    let (base, pin) = common::fake_server::serve(router, &dir.path().join("server")).await;
    let keys = Arc::new(DevFileKeyStore::new(dir.path().join("keys")).unwrap());
    let session = Session::open(
        dir.path().join("device"),
        Platform {
            key_store: keys.clone(),
            clock: Arc::new(SystemClock::new()),
            app_version: "1.0-test".into(),
        },
    )
    .unwrap();
    let device = Device { session, keys };
    let state = device
        .session
        .enroll(base.clone(), pin.clone(), "K7QF93MD2XPA".into())
        .await
        .unwrap();
    assert_eq!(
        state,
        SessionState::Locked {
            reason: LockReason::SignedOut
        }
    );
    let (cache_key, device_key, cache_file) = device.kept();
    assert!(cache_key.is_some() && device_key.is_some() && cache_file);
    let set = |answer| *fake.answer.lock().unwrap() = answer;

    // Nothing but a verified order destroys anything.
    for bad in [
        Order::Missing,
        Order::OtherKey,
        Order::SelfVouched,
        Order::OtherDevice,
        Order::OtherStore,
        Order::OtherKind,
        Order::Replayed,
    ] {
        set(Answer::Revoke(bad));
        let err = device.session.check_presence().await.unwrap_err();
        assert!(
            matches!(err, SessionError::BadAnswer(_)),
            "{bad:?}: {err:?}"
        );
        assert!(
            !matches!(device.session.state(), SessionState::Shredded { .. }),
            "{bad:?}"
        );
        assert_eq!(device.kept(), (cache_key.clone(), device_key.clone(), true));
    }
    // A lease of another key, with a chain to it that the enrolled key never signed: refused,
    // and the device still trusts only the enrolled key.
    set(Answer::SelfVouchedLease);
    let err = device.session.check_presence().await.unwrap_err();
    assert_eq!(
        err,
        SessionError::BadAnswer("the lease is not the store server's")
    );
    set(Answer::Lease);
    device.session.check_presence().await.unwrap();
    // A session answer is a few hundred bytes: a megabyte is refused unread, even around a
    // valid lease, and nothing changes.
    set(Answer::Huge(1 << 20));
    let before = device.session.state();
    let err = device.session.check_presence().await.unwrap_err();
    assert_eq!(err, SessionError::BadAnswer("not a protocol answer"));
    assert_eq!(device.session.state(), before);

    set(Answer::Unauthorized);
    let err = device.session.check_presence().await.unwrap_err();
    assert!(
        matches!(err, SessionError::Server { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(device.kept(), (cache_key.clone(), device_key.clone(), true));

    // Outside the store's network: locked, nothing lost.
    set(Answer::OffNetwork);
    let err = device.session.check_presence().await.unwrap_err();
    assert_eq!(err, SessionError::Locked(LockReason::NotOnStoreNetwork));
    assert_eq!(
        device.session.state(),
        SessionState::Locked {
            reason: LockReason::NotOnStoreNetwork
        }
    );
    assert_eq!(device.kept(), (cache_key.clone(), device_key.clone(), true));

    // A server that no longer knows the device (restored from an older backup): locked until
    // a manager enrols it again; the cache and its key are kept.
    set(Answer::UnknownDevice);
    let err = device.session.check_presence().await.unwrap_err();
    assert_eq!(err, SessionError::Locked(LockReason::UnknownDevice));
    assert_eq!(
        device.session.state(),
        SessionState::Locked {
            reason: LockReason::UnknownDevice
        }
    );
    assert_eq!(device.kept(), (cache_key.clone(), device_key.clone(), true));
    assert_eq!(
        device.session.device_id().as_deref(),
        Some("dev-1"),
        "the enrolment is kept"
    );

    // Enrolled again: a new device id and key pair, the same cache and cache key.
    *fake.device_id.lock().unwrap() = "dev-2".into();
    set(Answer::Lease);
    let state = device
        .session
        .enroll(base.clone(), pin.clone(), "M4RT8QZK1VNW".into())
        .await
        .unwrap();
    assert_eq!(
        state,
        SessionState::Locked {
            reason: LockReason::SignedOut
        }
    );
    assert_eq!(device.session.device_id().as_deref(), Some("dev-2"));
    let (kept_cache_key, new_device_key, cache_file) = device.kept();
    assert_eq!(kept_cache_key, cache_key, "the cache key is kept");
    assert!(cache_file, "the cache file is kept");
    assert_ne!(new_device_key, device_key, "a new device key pair");
    // Once enrolled and present, enrolling again is refused as before.
    let again = device
        .session
        .enroll(base.clone(), pin.clone(), "M4RT8QZK1VNW".into())
        .await
        .unwrap_err();
    assert_eq!(again, SessionError::AlreadyEnrolled);

    // The enrolled server's signed revocation, for this device and this check: shredded.
    set(Answer::Revoke(Order::Valid));
    let err = device.session.check_presence().await.unwrap_err();
    assert_eq!(err, SessionError::Shredded(ShredReason::Revoked));
    assert_eq!(
        device.session.state(),
        SessionState::Shredded {
            reason: ShredReason::Revoked
        }
    );
    assert_eq!(device.kept(), (None, None, false));
}
