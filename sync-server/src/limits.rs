//! How much a client may hold of the server, and for how long: connections in all and per
//! address, the time to finish a TLS handshake, to send a request's headers and its body, and
//! to stay idle; the size of bodies read before (enrolment, presence) or after a device is
//! known. Every value has a default and may be set in the config file's `[limits]` table.

use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The limits; each field is the config key of the `[limits]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Open connections in all; over it, a new connection is closed at once.
    pub max_connections: usize,
    /// Open connections from one client address (IPv4) or one /64 (IPv6). A store whose
    /// handhelds reach a central server through one NAT address shares this.
    pub max_connections_per_address: usize,
    /// Seconds to complete the TLS handshake.
    pub tls_handshake_secs: f64,
    /// Seconds to send a request's headers, counted from the first byte awaited: on a kept-
    /// alive HTTP/1.1 connection, also how long it may wait for its next request.
    pub header_read_secs: f64,
    /// Seconds a connection may stay with no byte moving either way (HTTP/2 included).
    pub idle_secs: f64,
    /// Seconds to send a whole request body once the request is authenticated.
    pub body_read_secs: f64,
    /// Bytes of a body read before the caller is known or that is small by nature
    /// (enrolment, presence, sign-in, the manager's API).
    pub small_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_connections_per_address: 64,
            tls_handshake_secs: 10.0,
            header_read_secs: 10.0,
            idle_secs: 60.0,
            body_read_secs: 30.0,
            small_body_bytes: 8 * 1024,
        }
    }
}

impl Limits {
    /// Refuses values that would disable a bound or make the server unusable.
    pub fn check(&self) -> Result<()> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 && v <= 3600.0 {
                Ok(())
            } else {
                Err(Error::Config(format!(
                    "limits.{name} must be more than 0 and at most 3600 seconds"
                )))
            }
        };
        positive("tls_handshake_secs", self.tls_handshake_secs)?;
        positive("header_read_secs", self.header_read_secs)?;
        positive("idle_secs", self.idle_secs)?;
        positive("body_read_secs", self.body_read_secs)?;
        if self.max_connections == 0
            || self.max_connections_per_address == 0
            || self.max_connections_per_address > self.max_connections
        {
            return Err(Error::Config(
                "limits: max_connections_per_address must be 1 to max_connections".into(),
            ));
        }
        if !(1024..=1024 * 1024).contains(&self.small_body_bytes) {
            return Err(Error::Config(
                "limits.small_body_bytes must be 1024 to 1048576".into(),
            ));
        }
        Ok(())
    }

    /// The TLS handshake bound.
    pub fn tls_handshake(&self) -> Duration {
        Duration::from_secs_f64(self.tls_handshake_secs)
    }

    /// The header read bound.
    pub fn header_read(&self) -> Duration {
        Duration::from_secs_f64(self.header_read_secs)
    }

    /// The idle bound.
    pub fn idle(&self) -> Duration {
        Duration::from_secs_f64(self.idle_secs)
    }

    /// The body read bound.
    pub fn body_read(&self) -> Duration {
        Duration::from_secs_f64(self.body_read_secs)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn defaults_hold_and_nonsense_is_refused() {
        Limits::default().check().unwrap();
        let l: Limits = toml::from_str("idle_secs = 2.5\nmax_connections = 10").unwrap();
        assert_eq!(l.idle(), Duration::from_millis(2500));
        // The per-address default (64) is then over the total.
        assert!(l.check().is_err());
        for bad in [
            "idle_secs = 0",
            "body_read_secs = -1",
            "small_body_bytes = 10",
        ] {
            let l: Limits = toml::from_str(bad).unwrap();
            assert!(l.check().is_err(), "{bad}");
        }
        assert!(toml::from_str::<Limits>("idle = 3").is_err());
    }
}
