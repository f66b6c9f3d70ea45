//! What a customer spends per visit and is worth over a coming period: the Gamma-Gamma spend
//! model (Fader, Hardie & Lee 2005, "RFM and CLV"), fitted by maximum likelihood, and a value
//! band — the 10th to 90th percentile of her spend over a horizon, simulated from the
//! posterior of her MBG/NBD visit process and of her mean spend. Never a bare number: the
//! uncertainty of one customer's future is most of what there is to say about it.

use serde::{Deserialize, Serialize};

use crate::bgnbd::{FitError, MbgNbd, Rfm};
use crate::optimize::{NelderMead, nelder_mead};
use crate::special::ln_gamma;
use crate::split::SplitMix64;

/// One customer's spend summary: number of visits with a value and their mean value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpendSummary {
    /// Visits whose spend is known (≥ 1).
    pub visits: f64,
    /// Mean spend per visit (> 0).
    pub mean: f64,
}

/// Gamma-Gamma parameters: spend per visit ~ Gamma(p, ν), ν ~ Gamma(q, γ) across customers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// Shape of a visit's spend.
    pub p: f64,
    /// Shape of the rate's gamma across customers.
    pub q: f64,
    /// Scale of the rate's gamma (in money units).
    pub gamma: f64,
}

impl GammaGamma {
    /// ln L of one customer's summary (the density of her mean spend given x visits).
    pub fn ln_likelihood(&self, c: &SpendSummary) -> f64 {
        let Self { p, q, gamma } = *self;
        let (x, m) = (c.visits, c.mean);
        ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
            + q * gamma.ln()
            + (p * x - 1.0) * m.ln()
            + p * x * x.ln()
            - (p * x + q) * (gamma + x * m).ln()
    }

    /// Σ ln L over customers.
    pub fn total_ln_likelihood(&self, customers: &[SpendSummary]) -> f64 {
        customers.iter().map(|c| self.ln_likelihood(c)).sum()
    }

    /// Maximum-likelihood fit on customers with at least one valued visit and a positive mean.
    pub fn fit(customers: &[SpendSummary]) -> Result<Self, FitError> {
        let usable: Vec<SpendSummary> = customers
            .iter()
            .copied()
            .filter(|c| c.visits >= 1.0 && c.mean > 0.0 && c.mean.is_finite())
            .collect();
        if usable.is_empty() {
            return Err(FitError::Empty);
        }
        let mean_spend = usable.iter().map(|c| c.mean).sum::<f64>() / usable.len() as f64;
        let neg_ll = |theta: &[f64]| {
            if theta.iter().any(|t| t.abs() > 12.0) {
                return f64::INFINITY;
            }
            let g = Self {
                p: theta[0].exp(),
                q: theta[1].exp(),
                gamma: theta[2].exp(),
            };
            -g.total_ln_likelihood(&usable)
        };
        // Start where the model's mean spend p·γ/(q − 1) is the data's: p = 1, q = 2.
        let start = [0.0, 2f64.ln(), mean_spend.max(1e-9).ln()];
        let (x, v) = nelder_mead(neg_ll, &start, NelderMead::default());
        if !v.is_finite() {
            return Err(FitError::NotFinite);
        }
        Ok(Self {
            p: x[0].exp(),
            q: x[1].exp(),
            gamma: x[2].exp(),
        })
    }

    /// E[her spend per visit | her summary]: her own mean shrunk toward the population's.
    pub fn expected_spend(&self, c: Option<&SpendSummary>) -> f64 {
        let Self { p, q, gamma } = *self;
        let (x, m) = c.map_or((0.0, 0.0), |c| (c.visits, c.mean));
        if p * x + q <= 1.0 {
            return f64::NAN;
        }
        p * (gamma + x * m) / (p * x + q - 1.0)
    }
}

/// Her spend over a coming period as a band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValueBand {
    /// Days ahead the band covers.
    pub horizon_days: u32,
    /// 10th percentile of her spend over the horizon, in minor units (often 0: she may not
    /// come back).
    pub low_cents: i64,
    /// 90th percentile, in minor units.
    pub high_cents: i64,
}

/// Draws of the simulation behind a band.
const DRAWS: usize = 400;

/// A Gamma(shape, 1) draw (Marsaglia & Tsang; shapes below 1 boosted by U^(1/shape)).
fn gamma_draw(rng: &mut SplitMix64, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = uniform(rng);
        return gamma_draw(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let (x, v) = loop {
            let x = normal(rng);
            let v = 1.0 + c * x;
            if v > 0.0 {
                break (x, v * v * v);
            }
        };
        let u = uniform(rng);
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// Uniform in (0, 1).
fn uniform(rng: &mut SplitMix64) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

fn normal(rng: &mut SplitMix64) -> f64 {
    let (u, v) = (uniform(rng), uniform(rng));
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Her spend over the next `horizon` time units as a band (10th–90th percentile), simulated
/// from the posteriors: alive with P(alive); if alive, purchase rate λ ~ Gamma(r + x, α + T)
/// and drop-out chance ~ Beta(a, b + x + 1); visits then arrive at rate λ, each followed by a
/// drop-out with that chance; each visit spends Gamma(p, ν) with ν ~ Gamma(px + q, γ + x·m)
/// given her own valued visits. Seeded from her summary, so one customer's band is stable.
pub fn value_band(
    visits: &MbgNbd,
    spend: &GammaGamma,
    rfm: &Rfm,
    own: Option<&SpendSummary>,
    horizon: f64,
    horizon_days: u32,
) -> ValueBand {
    let seed =
        rfm.x.to_bits() ^ rfm.t_x.to_bits().rotate_left(21) ^ rfm.t.to_bits().rotate_left(42);
    let mut rng = SplitMix64::new(seed ^ own.map_or(0, |s| s.mean.to_bits()));
    let p_alive = visits.p_alive(rfm);
    let (x, m) = own.map_or((0.0, 0.0), |s| (s.visits, s.mean));
    let mut values: Vec<f64> = Vec::with_capacity(DRAWS);
    for _ in 0..DRAWS {
        if uniform(&mut rng) >= p_alive {
            values.push(0.0);
            continue;
        }
        let lambda = gamma_draw(&mut rng, visits.r + rfm.x) / (visits.alpha + rfm.t);
        let da = gamma_draw(&mut rng, visits.a);
        let db = gamma_draw(&mut rng, visits.b + rfm.x + 1.0);
        let drop = da / (da + db);
        let mut t = 0.0;
        let mut n = 0u32;
        // Visits until the horizon or the drop-out (capped: a runaway rate is not a forecast).
        while n < 1_000 {
            t += -uniform(&mut rng).ln() / lambda.max(1e-12);
            if t > horizon {
                break;
            }
            n += 1;
            if uniform(&mut rng) < drop {
                break;
            }
        }
        if n == 0 {
            values.push(0.0);
            continue;
        }
        let nu = gamma_draw(&mut rng, spend.p * x + spend.q) / (spend.gamma + x * m);
        values.push(gamma_draw(&mut rng, spend.p * f64::from(n)) / nu);
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    ValueBand {
        horizon_days,
        low_cents: at(0.1).round() as i64,
        high_cents: at(0.9).round() as i64,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn gamma_gamma_fit_recovers_simulated_parameters() {
        let truth = GammaGamma {
            p: 4.0,
            q: 3.0,
            gamma: 20.0,
        };
        let mut rng = SplitMix64::new(3);
        let customers: Vec<SpendSummary> = (0..3000)
            .map(|i| {
                let x = 1 + i % 6;
                let nu = gamma_draw(&mut rng, truth.q) / truth.gamma;
                let total: f64 = (0..x).map(|_| gamma_draw(&mut rng, truth.p) / nu).sum();
                SpendSummary {
                    visits: x as f64,
                    mean: total / x as f64,
                }
            })
            .collect();
        let fit = GammaGamma::fit(&customers).unwrap();
        assert!(fit.total_ln_likelihood(&customers) >= truth.total_ln_likelihood(&customers));
        // The population mean spend p·γ/(q − 1) is well identified.
        let mean = |g: &GammaGamma| g.p * g.gamma / (g.q - 1.0);
        assert!((mean(&fit) / mean(&truth) - 1.0).abs() < 0.1, "{fit:?}");
        // A big spender's expectation sits between her own mean and the population's.
        let big = SpendSummary {
            visits: 5.0,
            mean: 200.0,
        };
        let e = fit.expected_spend(Some(&big));
        assert!(e < 200.0 && e > mean(&fit), "{e}");
    }

    #[test]
    fn the_band_is_zero_for_a_long_lapsed_one_time_buyer_and_wide_for_a_regular() {
        let visits = MbgNbd {
            r: 0.5,
            alpha: 30.0,
            a: 0.5,
            b: 3.0,
        };
        let spend = GammaGamma {
            p: 4.0,
            q: 3.0,
            gamma: 2000.0,
        };
        let lapsed = value_band(
            &visits,
            &spend,
            &Rfm {
                x: 0.0,
                t_x: 0.0,
                t: 1000.0,
            },
            None,
            365.0,
            365,
        );
        assert_eq!(lapsed.low_cents, 0);
        let regular = value_band(
            &visits,
            &spend,
            &Rfm {
                x: 12.0,
                t_x: 350.0,
                t: 360.0,
            },
            Some(&SpendSummary {
                visits: 13.0,
                mean: 5000.0,
            }),
            365.0,
            365,
        );
        assert!(regular.high_cents > 10 * 5000, "{regular:?}");
        assert!(regular.low_cents > 0 && regular.low_cents < regular.high_cents);
        assert!(
            lapsed.high_cents < regular.low_cents,
            "{lapsed:?} {regular:?}"
        );
    }
}
