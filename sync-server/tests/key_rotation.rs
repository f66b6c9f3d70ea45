//! Rotating the lease-signing key logs no one out: the device core's `Session` against the real
//! server, the key rotated from the command line while it serves. A lease of the old key still
//! works until it expires; the next presence check moves the device to the new key (the old key
//! vouches for it), through two rotations at once; and an order to shred signed with the new
//! key is still obeyed by a device that pinned the old one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use carnet_core::session::{SessionError, SessionState, ShredReason};
use carnet_core::sync::CancelHandle;
use common::provisioned::{PIN_A1, Provisioned, unlock};
use common::{cli, rotate_lease_key};

/// The server key a device trusts, as its enrolment file keeps it.
fn pinned_key(office: &Provisioned, name: &str) -> String {
    let path = office
        .dir
        .path()
        .join(name)
        .join("data")
        .join("session.json");
    let enrollment: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    enrollment["lease_public_key"].as_str().unwrap().to_owned()
}

/// Long enough for the server (reading the keys every second) to take a rotation.
const TAKEN: Duration = Duration::from_millis(2_500);

fn config(dir: &Path) -> String {
    let config = dir.join("carnet.toml");
    std::fs::write(&config, "lease_key_refresh_secs = 1\n").unwrap();
    config.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_lease_key_logs_no_one_out_and_devices_follow_it() {
    let config_dir = tempfile::tempdir().unwrap();
    let mut office = Provisioned::serving_with(&["--config", &config(config_dir.path())]);
    let (session, _clock, _keys) = office.enrolled("h1", "S001").await;
    let (other, _other_clock, _other_keys) = office.enrolled("h2", "S001").await;
    unlock(&session, "A1", PIN_A1).await;
    let synced = session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    assert!(synced.pulled > 100, "{synced:?}");
    let first_key = pinned_key(&office, "h1");
    assert_eq!(pinned_key(&office, "h2"), first_key);

    let second_key = rotate_lease_key(Path::new(&office.data()));
    assert_ne!(second_key, first_key);
    tokio::time::sleep(TAKEN).await;

    // The lease of the old key still works: still signed in, still syncing.
    session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    assert!(matches!(session.state(), SessionState::Unlocked { .. }));
    assert_eq!(pinned_key(&office, "h1"), first_key);

    // The next presence check brings a lease of the new key, which the device now trusts.
    let state = session.check_presence().await.unwrap();
    assert!(matches!(state, SessionState::Unlocked { .. }), "{state:?}");
    assert_eq!(pinned_key(&office, "h1"), second_key);
    session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();

    // Two rotations while it does not call: it follows both links.
    rotate_lease_key(Path::new(&office.data()));
    let fourth_key = rotate_lease_key(Path::new(&office.data()));
    tokio::time::sleep(TAKEN).await;
    session.check_presence().await.unwrap();
    assert_eq!(pinned_key(&office, "h1"), fourth_key);
    assert!(matches!(session.state(), SessionState::Unlocked { .. }));

    // h2 slept through all three rotations and was revoked meanwhile: the order, signed with
    // the fourth key, reaches it with the chain from the first, and it shreds.
    let h2 = other.device_id().unwrap();
    cli(&["device", "revoke", "--data", &office.data(), &h2]);
    assert_eq!(pinned_key(&office, "h2"), first_key);
    assert_eq!(
        other.check_presence().await.unwrap_err(),
        SessionError::Shredded(ShredReason::Revoked)
    );
    office.assert_clean_log();
}
