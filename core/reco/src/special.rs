//! Special functions the timing models need: ln Γ (Lanczos) and the Gaussian hypergeometric
//! function 2F1 (power series, with Euler's transformation when the argument is past 1/2).

use std::f64::consts::PI;

/// Lanczos coefficients for g = 7, n = 9 (relative error below 1e-15 on the positive axis).
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln |Γ(x)| for real x that is not a non-positive integer (returns +∞ there).
pub fn ln_gamma(x: f64) -> f64 {
    if x <= 0.0 && x.fract() == 0.0 {
        return f64::INFINITY;
    }
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (PI / (PI * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + LANCZOS_G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// ln B(a, b), the log of the beta function.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Largest number of series terms summed before giving up on a slowly converging series.
const MAX_TERMS: usize = 200_000;

/// The plain power series Σ (a)ₙ (b)ₙ / (c)ₙ zⁿ / n!, for |z| < 1.
///
/// Terms are accumulated until one is below 1e-16 of the running sum for several terms in
/// a row (a single tiny term can come from a parameter near a pole, so one is not enough).
pub fn hyp2f1_series(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut small_in_a_row = 0;
    for n in 0..MAX_TERMS {
        let n = n as f64;
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if term == 0.0 {
            break;
        }
        if term.abs() <= 1e-16 * sum.abs() {
            small_in_a_row += 1;
            if small_in_a_row >= 3 {
                break;
            }
        } else {
            small_in_a_row = 0;
        }
    }
    sum
}

/// The Gaussian hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 and c > 0.
///
/// Up to z = ½ the series converges geometrically; past it, Euler's transformation
/// ₂F₁(a, b; c; z) = (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z) gives a series whose terms
/// fall much faster when c − a − b is small, which is the BG/NBD case.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if z <= 0.5 {
        hyp2f1_series(a, b, c, z)
    } else {
        (1.0 - z).powf(c - a - b) * hyp2f1_series(c - a, c - b, c, z)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn ln_gamma_matches_known_values() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-14));
        assert!(close(ln_gamma(2.0), 0.0, 1e-14));
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-14));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-14));
        assert!(close(ln_gamma(10.0), 362_880f64.ln(), 1e-14));
        // Γ(0.1) = 9.513507698668731836…
        assert!(close(ln_gamma(0.1), 9.513_507_698_668_732f64.ln(), 1e-13));
        // ln Γ(100) = 359.1342053695753987…
        assert!(close(ln_gamma(100.0), 359.134_205_369_575_4, 1e-14));
        // Γ(−0.5) = −2√π
        assert!(close(ln_gamma(-0.5), (2.0 * PI.sqrt()).ln(), 1e-13));
        assert!(ln_gamma(0.0).is_infinite());
    }

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
        for z in [0.1f64, 0.4, 0.6, 0.9, 0.99] {
            let want = -(1.0 - z).ln() / z;
            assert!(close(hyp2f1(1.0, 1.0, 2.0, z), want, 1e-10), "z = {z}");
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a)
        for z in [0.2f64, 0.7, 0.95] {
            let want = (1.0 - z).powf(-2.5);
            assert!(close(hyp2f1(2.5, 3.0, 3.0, z), want, 1e-10), "z = {z}");
        }
        // ₂F₁(½, ½; 3/2; z²) = arcsin(z) / z
        for z in [0.3f64, 0.8, 0.97] {
            let want = z.asin() / z;
            assert!(close(hyp2f1(0.5, 0.5, 1.5, z * z), want, 1e-10), "z = {z}");
        }
        assert_eq!(hyp2f1(3.0, 4.0, 5.0, 0.0), 1.0);
    }
}
