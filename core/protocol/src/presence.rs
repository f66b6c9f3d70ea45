//! Enrolment, store-presence leases, advisor sign-in and the store manager's admin API: wire
//! types, paths, error codes and the exact bytes each party signs (Ed25519).
//!
//! A device enrols once with a one-time code ([`EnrollRequest`]) and its own public key. It then
//! proves presence ([`PresenceRequest`], signed by the device) and gets a short-lived [`Lease`]
//! signed by the server. Every other request carries the lease ([`HEADER_LEASE`]) and a device
//! signature over the request ([`HEADER_DEVICE_AUTH`], see [`request_message`]).

use serde::{Deserialize, Serialize};

/// `POST`: [`EnrollRequest`] → [`EnrollResponse`]. No credential: the code is one.
pub const ENROLL_PATH: &str = "/v1/enroll";
/// `POST`: [`PresenceRequest`] → [`PresenceResponse`]. Signed by the device key.
pub const PRESENCE_PATH: &str = "/v1/presence";
/// `POST`: [`SignInRequest`] → [`SignInResponse`]. Lease + device signature.
pub const SIGN_IN_PATH: &str = "/v1/sign-in";
/// Prefix of the manager's endpoints (`Authorization: Bearer <manager token>`).
pub const ADMIN_PREFIX: &str = "/v1/admin";

/// Header carrying the current lease (its [`Lease::token`] form).
pub const HEADER_LEASE: &str = "x-carnet-lease";
/// Header carrying `t=<ms since the lease was issued>;sig=<base64url signature>`.
pub const HEADER_DEVICE_AUTH: &str = "x-carnet-device-auth";

/// How far a request's claimed time (lease issue time + `t`) may be from the server's clock:
/// a captured request is refused once this has passed, and a signed `POST` is accepted once
/// within it ([`codes::REPLAYED_REQUEST`] for the same bytes again).
pub const REQUEST_SKEW_MS: i64 = 10_000;

/// Error codes added by this module (body: the crate's `ApiError`).
pub mod codes {
    /// 401: the device was revoked by its manager: destroy the cache and enrol again.
    pub const DEVICE_REVOKED: &str = "device_revoked";
    /// 401: the manager ordered a remote wipe: destroy the cache.
    pub const REMOTE_WIPE: &str = "remote_wipe";
    /// 401: the lease is missing, expired, forged, or the request signature is wrong.
    pub const BAD_LEASE: &str = "bad_lease";
    /// 400/401: the enrolment code is unknown, used or expired.
    pub const BAD_ENROLLMENT_CODE: &str = "bad_enrollment_code";
    /// 401: wrong advisor identifier or PIN (never says which).
    pub const WRONG_PIN: &str = "wrong_pin";
    /// 429: too many failed sign-ins: this device must wait, or the advisor is locked out on
    /// this device or in the whole store; `Retry-After` says when to try again. Answered alike
    /// whether the advisor exists or not.
    pub const LOCKED_OUT: &str = "locked_out";
    /// 403: a pushed edit names an advisor who never signed in on this device.
    pub const ADVISOR_NOT_SIGNED_IN: &str = "advisor_not_signed_in";
    /// 409: the thing to create exists already.
    pub const CONFLICT: &str = "conflict";
    /// 403: the request comes from outside the store's network (its address ranges): the
    /// device locks until it is back in the store.
    pub const NOT_ON_STORE_NETWORK: &str = "not_on_store_network";
    /// 409: this signed request was received already (a replay, or the same bytes sent
    /// twice): sign the request again (a new `t`) to send it again.
    pub const REPLAYED_REQUEST: &str = "replayed_request";
    /// 401: the server does not know this device (never enrolled there, or a server restored
    /// from a backup older than the enrolment). Not an order to destroy anything: the device
    /// locks and keeps its encrypted cache until a manager enrols it again.
    pub const UNKNOWN_DEVICE: &str = "unknown_device";
}

/// What a [`ShredOrder`] orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShredKind {
    /// The manager revoked the device.
    Revoke,
    /// The manager ordered a remote wipe.
    Wipe,
}

/// The server's order to destroy a device's data, signed with its lease key and bound to the
/// request it answers: a device shreds only on an order it can verify, never on a bare status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShredOrder {
    /// The device that must shred.
    pub device_id: String,
    /// Its store.
    pub store_id: String,
    /// Revoke or wipe.
    pub kind: ShredKind,
    /// The nonce of the request it answers: the presence check's, or the lease's for a signed
    /// request (so an order cannot be replayed to another check).
    pub nonce: String,
    /// Server time of issue, Unix ms.
    pub issued_at_ms: i64,
}

/// Domain-separated bytes the server signs for a [`ShredOrder`] (its JSON payload).
pub fn shred_order_message(payload: &[u8]) -> Vec<u8> {
    let mut m = b"carnet-shred-v1\n".to_vec();
    m.extend_from_slice(payload);
    m
}

/// A store's policy, sent with every lease so a device applies the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Lifetime of a lease in seconds.
    pub lease_ttl_secs: u32,
    /// Off the store network longer than this (seconds) → the device shreds its cache.
    pub off_network_limit_secs: u32,
    /// No activity for this long (seconds) → locked.
    pub idle_timeout_secs: u32,
    /// Days after a contact during which nobody contacts the customer again (a server older
    /// than this field: [`crate::QUIET_PERIOD_DAYS`]).
    #[serde(default = "default_quiet_period")]
    pub quiet_period_days: u32,
}

fn default_quiet_period() -> u32 {
    crate::QUIET_PERIOD_DAYS.unsigned_abs() as u32
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            lease_ttl_secs: 300,
            off_network_limit_secs: 72 * 3600,
            idle_timeout_secs: 300,
            quiet_period_days: default_quiet_period(),
        }
    }
}

/// Enrolment with a one-time code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The code the manager issued (dashes and case ignored).
    pub code: String,
    /// The device's Ed25519 public key, base64url (32 bytes).
    pub public_key: String,
    /// The app's version, shown to managers.
    pub app_version: String,
}

/// The server's answer to an enrolment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The device's id.
    pub device_id: String,
    /// The one store it belongs to.
    pub store_id: String,
    /// The server's lease-signing Ed25519 public key, base64url (32 bytes).
    pub lease_public_key: String,
    /// The store's policy.
    pub policy: Policy,
    /// Every address of the server (its replicas, all with the same certificate), for a
    /// device to go on with another when one cannot be reached; empty when the server has
    /// only the address the device enrolled through. At most [`MAX_SERVER_URLS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_urls: Vec<String>,
}

/// The most server addresses an enrolment answer may give.
pub const MAX_SERVER_URLS: usize = 8;

/// A presence check: a fresh nonce from the device, signed with its key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PresenceRequest {
    /// The device's id.
    pub device_id: String,
    /// 32 random bytes, base64url: the lease must carry them back.
    pub nonce: String,
    /// The app's version.
    pub app_version: String,
    /// Device signature (base64url) over [`presence_message`].
    pub signature: String,
}

/// A granted lease.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PresenceResponse {
    /// The lease in its [`Lease::token`] form.
    pub lease: String,
    /// The store's current policy.
    pub policy: Policy,
    /// The lease keys the server moved to since the oldest it still vouches for, oldest
    /// first: a device that pinned an older key follows them to the key that signed `lease`.
    /// Empty until the key is first rotated. At most [`MAX_KEY_CHAIN`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_chain: Vec<KeyEndorsement>,
}

/// A newer lease key vouched for by the key before it: how a device that pinned an older key
/// comes to trust the server's current one without being enrolled again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEndorsement {
    /// The newer Ed25519 public key, base64url (32 bytes).
    pub public_key: String,
    /// The older key's Ed25519 signature (base64url) over [`key_endorsement_message`] of it.
    pub signature: String,
}

/// The most endorsements an answer carries (older rotations are forgotten: a device that slept
/// through more must be enrolled again).
pub const MAX_KEY_CHAIN: usize = 16;

/// Domain-separated bytes an outgoing lease key signs to vouch for its successor.
pub fn key_endorsement_message(public_key: &[u8]) -> Vec<u8> {
    let mut m = b"carnet-lease-key-v1\n".to_vec();
    m.extend_from_slice(public_key);
    m
}

/// What the server signs: a lease is bound to a device, its store and the device's nonce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The device.
    pub device_id: String,
    /// Its store.
    pub store_id: String,
    /// The device's nonce of the presence check (base64url).
    pub nonce: String,
    /// Server time of issue, Unix ms.
    pub issued_at_ms: i64,
    /// Server time of expiry, Unix ms.
    pub expires_at_ms: i64,
}

/// A manager gives one customer to an advisor's client book (`None`: to no book).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookAssignment {
    /// The advisor who keeps her from now on.
    pub advisor_id: Option<String>,
}

/// A manager hands an advisor's whole client book over to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookHandOver {
    /// The advisor who takes it.
    pub to: String,
}

/// How many customers a hand-over moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedOver {
    /// Customers now in the new advisor's book.
    pub moved: u64,
}

/// Advisor sign-in on an enrolled device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInRequest {
    /// The advisor's identifier.
    pub advisor_id: String,
    /// Her PIN (4 to 8 digits); travels only inside pinned TLS, never stored.
    pub pin: String,
}

/// A successful sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInResponse {
    /// The advisor's identifier.
    pub advisor_id: String,
    /// Her display name.
    pub name: String,
}

/// Domain-separated bytes a device signs to ask for a lease: its id, the nonce and the app
/// version it reports (so that a replayed check cannot change what the manager sees).
pub fn presence_message(device_id: &str, nonce: &str, app_version: &str) -> Vec<u8> {
    format!("carnet-presence-v2\n{device_id}\n{nonce}\n{app_version}").into_bytes()
}

/// Bytes a device signs for one request: method, path with query, the lease's nonce, the
/// milliseconds since the lease's issue (the device's monotonic clock, never its wall clock)
/// and the SHA-256 (hex) of the body.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    lease_nonce: &str,
    t_ms: u64,
    body_sha256_hex: &str,
) -> Vec<u8> {
    format!(
        "carnet-request-v1\n{method}\n{path_and_query}\n{lease_nonce}\n{t_ms}\n{body_sha256_hex}"
    )
    .into_bytes()
}

/// Domain-separated bytes the server signs for a lease (its JSON payload).
pub fn lease_message(payload: &[u8]) -> Vec<u8> {
    let mut m = b"carnet-lease-v1\n".to_vec();
    m.extend_from_slice(payload);
    m
}

/// Value of [`HEADER_DEVICE_AUTH`].
pub fn device_auth_header(t_ms: u64, signature_b64: &str) -> String {
    format!("t={t_ms};sig={signature_b64}")
}

/// Parses a [`HEADER_DEVICE_AUTH`] value into (t, signature).
pub fn parse_device_auth(value: &str) -> Option<(u64, &str)> {
    let (t, sig) = value.trim().split_once(';')?;
    let t = t.trim().strip_prefix("t=")?.parse().ok()?;
    let sig = sig.trim().strip_prefix("sig=")?;
    (!sig.is_empty()).then_some((t, sig))
}

/// Admin: create an advisor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewAdvisor {
    /// Identifier, 1 to 32 letters, digits, `-` or `_`.
    pub advisor_id: String,
    /// Display name.
    pub name: String,
    /// PIN, 4 to 8 digits.
    pub pin: String,
}

/// Admin: a new PIN (clears a lockout).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PinReset {
    /// PIN, 4 to 8 digits.
    pub pin: String,
}

/// Admin: an advisor as listed (never the PIN or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisorInfo {
    /// Identifier (unique within its store).
    pub advisor_id: String,
    /// Store.
    pub store_id: String,
    /// Display name.
    pub name: String,
    /// Whether she may sign in.
    pub disabled: bool,
    /// Failed sign-ins with her identifier in the last 24 hours, on every device.
    pub failed_attempts: u32,
    /// Locked out on every device of the store until a manager unlocks her.
    pub locked: bool,
    /// Devices on which she is locked out now (after failures there).
    pub locked_on_devices: Vec<String>,
}

/// Admin: what each advisor of the store did and brought in a month (see
/// `carnet_core::results` for the attribution rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreResults {
    /// The store.
    pub store_id: String,
    /// The month (`YYYY-MM`).
    pub month: String,
    /// One row per advisor of the store, and per other advisor whose contacts count here.
    pub advisors: Vec<AdvisorResults>,
    /// The store's group tasks open now (customers in no current advisor's book), as the
    /// last nightly run made them, less those done or dismissed since.
    #[serde(default)]
    pub group_tasks_open: u32,
    /// ISO 4217 code of the amounts' currency: the store's (euros from servers before it).
    #[serde(default = "euro")]
    pub currency: String,
}

fn euro() -> String {
    "EUR".into()
}

/// Admin: one advisor's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisorResults {
    /// Identifier.
    pub advisor_id: String,
    /// Display name, when she is an advisor of the store.
    pub name: Option<String>,
    /// Tasks she completed.
    pub tasks_done: u32,
    /// Customers she reached.
    pub customers_reached: u32,
    /// Sales attributed to her, in the store's currency's minor unit (returns subtracted).
    pub attributed_cents: i64,
    /// Receipts with a line attributed to her.
    pub attributed_receipts: u32,
    /// Customers in her book (the store's).
    pub book_size: u32,
    /// Of them, those who bought within the 365 days before the month's end (or today).
    pub book_active: u32,
    /// Her book's tasks open now, as the last nightly run made them, less those done or
    /// dismissed since.
    #[serde(default)]
    pub tasks_open: u32,
}

/// Admin: a network of the store, an address range its handhelds reach the server from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreNetwork {
    /// The range in CIDR notation, e.g. `192.168.10.0/24` or `2001:db8:1::/48`.
    pub cidr: String,
    /// When it was added (RFC 3339).
    pub added_at: String,
}

/// Admin: add a network to the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStoreNetwork {
    /// A range in CIDR notation (IPv4 or IPv6); an address alone is one host.
    pub cidr: String,
}

/// Admin: ask for an enrolment code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewEnrollmentCode {
    /// Minutes it stays valid (1 to 1440, default 15).
    #[serde(default)]
    pub ttl_minutes: Option<u32>,
}

/// Admin: an issued enrolment code (shown once; the server keeps its hash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollmentCode {
    /// The code, e.g. `K7QF-93MD-2XPA`.
    pub code: String,
    /// Its store.
    pub store_id: String,
    /// Expiry (RFC 3339).
    pub expires_at: String,
    /// What the QR code encodes: `carnet-enroll:?code=…&pin=…`.
    pub qr_payload: String,
}

/// Admin: a device as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Id.
    pub device_id: String,
    /// Store.
    pub store_id: String,
    /// Label.
    pub label: String,
    /// App version last reported.
    pub app_version: Option<String>,
    /// Last presence check (RFC 3339).
    pub last_seen_at: Option<String>,
    /// Last pull that reached the end of the feed (RFC 3339).
    pub last_synced_at: Option<String>,
    /// Seconds since `last_synced_at`, if it synced.
    pub sync_lag_secs: Option<i64>,
    /// `active`, `revoked` or `wipe_ordered`.
    pub state: String,
}

/// Admin: change the store's policy; absent fields stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyUpdate {
    /// Lease lifetime, 30 s to 1 h.
    #[serde(default)]
    pub lease_ttl_secs: Option<u32>,
    /// Off-network limit, 5 min to 30 days.
    #[serde(default)]
    pub off_network_limit_secs: Option<u32>,
    /// Idle timeout, 30 s to 8 h.
    #[serde(default)]
    pub idle_timeout_secs: Option<u32>,
    /// The quiet period after a contact, 1 to 60 days.
    #[serde(default)]
    pub quiet_period_days: Option<u32>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn device_auth_header_round_trips() {
        let h = device_auth_header(1234, "abc_-");
        assert_eq!(parse_device_auth(&h), Some((1234, "abc_-")));
        assert_eq!(parse_device_auth("t=x;sig=a"), None);
        assert_eq!(parse_device_auth("t=1;sig="), None);
        assert_eq!(parse_device_auth("garbage"), None);
    }

    #[test]
    fn messages_are_domain_separated() {
        assert_ne!(presence_message("d", "n", "1"), lease_message(b"d\nn\n1"));
        assert_ne!(
            presence_message("d", "n", "1"),
            presence_message("d", "n", "2")
        );
        assert!(request_message("GET", "/x", "n", 1, "00").starts_with(b"carnet-request-v1\n"));
    }
}
