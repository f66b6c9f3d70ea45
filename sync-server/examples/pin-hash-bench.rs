//! What a PIN check costs: Argon2id with the server's pepper, at the parameters the server uses
//! and at a few others, so that they can be chosen from figures (a check ≤ 150 ms).
//!
//! `cargo run --release -p carnet-sync-server --example pin-hash-bench [-- CHECKS]`

use std::time::Instant;

use carnet_sync_server::advisors::{self, PIN_CHECKS_AT_ONCE, PIN_M_COST_KIB, PIN_T_COST};
use carnet_sync_server::secret::ServerSecret;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let checks: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(20);
    let keys = ServerSecret::generate()?.keys()?;
    let pepper = &keys.pin_pepper;

    println!("Argon2id, 1 lane, peppered; {checks} checks each (ms per check)");
    println!(
        "{:>8} {:>3} {:>8} {:>8} {:>8}",
        "m (MiB)", "t", "p50", "p99", "max"
    );
    for (m_mib, t) in [
        (19, 2),
        (32, 2),
        (46, 1),
        (64, 1),
        (32, 3),
        (64, 2),
        (64, 3),
    ] {
        let params = argon2::Params::new(m_mib * 1024, t, 1, None).map_err(|e| e.to_string())?;
        let argon2 = argon2::Argon2::new_with_secret(
            pepper.as_bytes(),
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        )
        .map_err(|e| e.to_string())?;
        let mut times = Vec::with_capacity(checks);
        let mut out = [0u8; 32];
        for _ in 0..checks {
            let started = Instant::now();
            argon2
                .hash_password_into(b"1234", b"sixteen byte slt", &mut out)
                .map_err(|e| e.to_string())?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p99, max) = percentiles(&mut times);
        let chosen = if m_mib * 1024 == PIN_M_COST_KIB && t == PIN_T_COST {
            "  <- the server's"
        } else {
            ""
        };
        println!("{m_mib:>8} {t:>3} {p50:>8.1} {p99:>8.1} {max:>8.1}{chosen}");
    }

    // The server's own path: hash once, then verify (parsing the PHC string) as a sign-in does.
    let hash = advisors::hash_pin_with("40425061", pepper)?;
    let mut times = Vec::with_capacity(checks);
    for _ in 0..checks {
        let started = Instant::now();
        assert!(advisors::verify_pin_with("40425061", &hash, pepper));
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p99, max) = percentiles(&mut times);
    println!(
        "verify_pin ({} MiB, t = {PIN_T_COST}): p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms",
        PIN_M_COST_KIB / 1024
    );
    println!(
        "at most {PIN_CHECKS_AT_ONCE} checks at once: {} MiB of PIN-check memory at the peak",
        PIN_CHECKS_AT_ONCE as u32 * PIN_M_COST_KIB / 1024
    );
    let guesses_per_core_hour = 3600.0 * 1000.0 / p50;
    println!(
        "a thief holding the database *and* the server secret: {guesses_per_core_hour:.0} \
         guesses per core-hour, all 4-digit PINs of one advisor in {:.1} core-hours; \
         without the secret, no guess can be checked at all",
        10_000.0 / guesses_per_core_hour
    );
    Ok(())
}

fn percentiles(times: &mut [f64]) -> (f64, f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99), times[times.len() - 1])
}
