//! Certificate pinning: a rustls verifier that accepts exactly one server certificate, named by
//! the SHA-256 of its DER, and a `ClientConfig` built from such a pin (for reqwest's
//! `use_preconfigured_tls`). The store server's certificate is self-signed, so no CA is involved.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, ring as ring_provider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};

/// Why a pin could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinError {
    /// The pin is not 64 hex digits (colons allowed).
    InvalidPin,
    /// rustls refused the configuration.
    Config(String),
}

impl std::fmt::Display for PinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinError::InvalidPin => f.write_str("the certificate pin is not a SHA-256 in hex"),
            PinError::Config(e) => write!(f, "TLS configuration refused: {e}"),
        }
    }
}

impl std::error::Error for PinError {}

/// Installs rustls's ring provider as the process default (needed before building a reqwest
/// client with `rustls-no-provider`). Calling it again is harmless.
pub fn install_default_provider() {
    // Err only means a provider is already installed, which is what we want.
    let _ = ring_provider::default_provider().install_default();
}

/// The SHA-256 of a certificate's DER, as lowercase hex: what a pin is.
pub fn fingerprint(der: &[u8]) -> String {
    to_hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref())
}

/// Parses a pin: 64 hex digits, upper or lower case, optionally separated by colons.
pub fn parse_pin(pin: &str) -> Result<[u8; 32], PinError> {
    let digits: Vec<u8> = pin.bytes().filter(|b| *b != b':').collect();
    if digits.len() != 64 {
        return Err(PinError::InvalidPin);
    }
    let mut out = [0u8; 32];
    for (i, pair) in digits.chunks(2).enumerate() {
        let hi = hex_value(pair[0]).ok_or(PinError::InvalidPin)?;
        let lo = hex_value(pair[1]).ok_or(PinError::InvalidPin)?;
        out[i] = (hi << 4) | lo;
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

/// Accepts exactly the certificate whose SHA-256 equals the pin, whatever its name, issuer or
/// dates (the pin is the trust anchor); handshake signatures are still verified.
#[derive(Debug)]
pub struct PinnedCertVerifier {
    pin: [u8; 32],
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedCertVerifier {
    /// A verifier for the certificate with this SHA-256 pin (hex).
    pub fn new(pin_hex: &str) -> Result<Self, PinError> {
        Ok(Self {
            pin: parse_pin(pin_hex)?,
            algorithms: ring_provider::default_provider().signature_verification_algorithms,
        })
    }
}

impl ServerCertVerifier for PinnedCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let digest = ring::digest::digest(&ring::digest::SHA256, end_entity.as_ref());
        // Not secret: a timing difference reveals nothing an attacker does not already have.
        if digest.as_ref() == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A client configuration (ring provider, TLS 1.2/1.3, ALPN h2 + http/1.1) trusting only the
/// pinned certificate.
pub fn client_config(pin_hex: &str) -> Result<ClientConfig, PinError> {
    let verifier = PinnedCertVerifier::new(pin_hex)?;
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(ring_provider::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| PinError::Config(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn pin_parses_hex_with_or_without_colons() {
        let fp = fingerprint(b"certificate");
        assert_eq!(fp.len(), 64);
        let a = parse_pin(&fp).unwrap();
        let colons: String = fp
            .as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap().to_uppercase())
            .collect::<Vec<_>>()
            .join(":");
        assert_eq!(parse_pin(&colons).unwrap(), a);
        assert_eq!(parse_pin("abc"), Err(PinError::InvalidPin));
        assert_eq!(parse_pin(&"zz".repeat(32)), Err(PinError::InvalidPin));
    }

    #[test]
    fn verifier_accepts_only_the_pinned_certificate() {
        let der = CertificateDer::from(b"not really a certificate".to_vec());
        let other = CertificateDer::from(b"another one".to_vec());
        let v = PinnedCertVerifier::new(&fingerprint(der.as_ref())).unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        assert!(
            v.verify_server_cert(&der, &[], &name, &[], UnixTime::now())
                .is_ok()
        );
        assert!(
            v.verify_server_cert(&other, &[], &name, &[], UnixTime::now())
                .is_err()
        );
        assert!(client_config(&fingerprint(der.as_ref())).is_ok());
    }
}
