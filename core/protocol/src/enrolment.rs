//! The enrolment QR code a manager shows a new handheld:
//! `carnet-enroll:?code=<code>&pin=<certificate sha256>[&server=<url>]`. Written by the server,
//! read by the device, so both sides agree on one format.

/// Scheme that starts every enrolment payload.
pub const PREFIX: &str = "carnet-enroll:?";

/// What the QR code carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentPayload {
    /// The one-time enrolment code.
    pub code: String,
    /// SHA-256 of the server's certificate (hex): the pin.
    pub certificate_pin: String,
    /// The server's address as devices reach it, when the manager gave it.
    pub server_url: Option<String>,
}

impl EnrolmentPayload {
    /// The QR code's text.
    pub fn to_text(&self) -> String {
        let mut text = format!("{PREFIX}code={}&pin={}", self.code, self.certificate_pin);
        if let Some(url) = &self.server_url {
            text.push_str("&server=");
            text.push_str(url);
        }
        text
    }

    /// Reads a scanned text; `None` if it is not an enrolment code (any other QR code).
    /// Only the transport is read here: the code and pin are checked at enrolment.
    pub fn parse(text: &str) -> Option<Self> {
        let query = text.trim().strip_prefix(PREFIX)?;
        let mut code = None;
        let mut pin = None;
        let mut server = None;
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=')?;
            let value = (!value.is_empty()).then(|| value.to_owned());
            match name {
                "code" => code = value,
                "pin" => pin = value,
                "server" => server = value,
                _ => {}
            }
        }
        Some(Self {
            code: code?,
            certificate_pin: pin?,
            server_url: server,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn round_trips_with_and_without_a_server() {
        let with = EnrolmentPayload {
            code: "ABCD2345EFGH".into(),
            certificate_pin: "ab".repeat(32),
            server_url: Some("https://127.0.0.1:8443".into()),
        };
        assert_eq!(EnrolmentPayload::parse(&with.to_text()), Some(with.clone()));
        let without = EnrolmentPayload {
            server_url: None,
            ..with
        };
        assert_eq!(
            EnrolmentPayload::parse(&without.to_text()),
            Some(without.clone())
        );
        assert!(
            without
                .to_text()
                .starts_with("carnet-enroll:?code=ABCD2345EFGH&pin=abab")
        );
    }

    #[test]
    fn other_codes_are_not_enrolment_codes() {
        assert_eq!(
            EnrolmentPayload::parse("https://example.com/?code=1&pin=2"),
            None
        );
        assert_eq!(
            EnrolmentPayload::parse("carnet-enroll:?code=ABCD"),
            None,
            "no pin"
        );
        assert_eq!(
            EnrolmentPayload::parse("carnet-enroll:?code=&pin=ab"),
            None,
            "empty code"
        );
        assert_eq!(EnrolmentPayload::parse("carnet-enroll:?garbage"), None);
    }
}
