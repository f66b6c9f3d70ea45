//! Time as the session sees it: a monotonic clock for leases and timeouts (turning the wall
//! clock back extends nothing) and the wall clock only where a restart must be bridged.

use std::time::Instant;

/// A clock. Foreign-trait friendly; tests inject a fake one.
pub trait Clock: Send + Sync {
    /// Milliseconds of a monotonic clock from an arbitrary origin; never goes back.
    fn monotonic_ms(&self) -> u64;
    /// Wall-clock time, Unix milliseconds; the user can set it to anything.
    fn wall_ms(&self) -> i64;
}

/// The system's clocks: `Instant` and `SystemTime`.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn monotonic_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn wall_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}
