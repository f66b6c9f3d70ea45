//! The enrolment QR code a handheld scans: the text of any QR code reaches this reader.

use carnet_protocol::enrolment::EnrolmentPayload;
use carnet_protocol::pin;

/// Reads the text as the device reads a scanned QR code ([`EnrolmentPayload::parse`], behind
/// the app's `parse_enrollment_payload`), then reads its pin as enrolling does. A payload has a
/// code and a pin.
pub fn enrolment_qr(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(payload) = EnrolmentPayload::parse(text) else {
        return;
    };
    assert!(!payload.code.is_empty() && !payload.certificate_pin.is_empty());
    // Enrolling reads the pin before anything is sent; a bad one is a typed error.
    let _ = pin::parse_pin(&payload.certificate_pin);
}
