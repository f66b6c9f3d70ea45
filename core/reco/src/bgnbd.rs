//! "Buy till you die" models of visit timing: BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD
//! (Batislam, Denizel & Filiztekin 2007), their likelihoods, maximum-likelihood fits, P(alive)
//! and expected purchases in a coming period.
//!
//! BG/NBD lets a customer drop out only after a repeat purchase, so a customer who never came
//! back is "alive" with probability 1 however long ago she came. MBG/NBD also lets her drop
//! out right after her first purchase: her P(alive) falls with the time since it.

use serde::{Deserialize, Serialize};

use crate::optimize::{NelderMead, nelder_mead};
use crate::special::{hyp2f1_series, ln_gamma};

/// One customer's calibration summary, all times in the model's unit (weeks or days).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfm {
    /// Repeat purchases (purchase occasions after the first; one a day at most).
    pub x: f64,
    /// Time of the last purchase, measured from the first.
    pub t_x: f64,
    /// Length of observation, from the first purchase to the end of calibration.
    pub t: f64,
}

impl Rfm {
    /// The summary of one customer's purchase times (any order, duplicates allowed), observed
    /// until `end`. Purchases at the same time count once. `None` without a purchase before
    /// `end`.
    pub fn from_times(times: &[f64], end: f64) -> Option<Self> {
        let mut ts: Vec<f64> = times.iter().copied().filter(|&t| t <= end).collect();
        ts.sort_by(f64::total_cmp);
        ts.dedup();
        let first = *ts.first()?;
        let last = *ts.last()?;
        Some(Self {
            x: (ts.len() - 1) as f64,
            t_x: last - first,
            t: end - first,
        })
    }
}

/// BG/NBD parameters: purchase rate ~ Gamma(r, alpha), drop-out probability ~ Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale of the purchase-rate gamma (in the time unit).
    pub alpha: f64,
    /// First shape of the drop-out beta.
    pub a: f64,
    /// Second shape of the drop-out beta.
    pub b: f64,
}

/// Why a fit could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// No customer to fit on.
    #[error("no customers to fit on")]
    Empty,
    /// The optimiser found no point with a finite likelihood.
    #[error("the likelihood is not finite anywhere the optimiser looked")]
    NotFinite,
}

impl BgNbd {
    /// ln L of one customer's summary (Fader, Hardie & Lee 2005, eq. 6, computed in logs).
    pub fn ln_likelihood(&self, c: &Rfm) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let x = c.x;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
        let a3 = -(r + x) * (alpha + c.t).ln();
        if x > 0.0 {
            let a4 = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + c.t_x).ln();
            let m = a3.max(a4);
            a1 + a2 + m + ((a3 - m).exp() + (a4 - m).exp()).ln()
        } else {
            a1 + a2 + a3
        }
    }

    /// Σ ln L over customers.
    pub fn total_ln_likelihood(&self, customers: &[Rfm]) -> f64 {
        customers.iter().map(|c| self.ln_likelihood(c)).sum()
    }

    /// Maximum-likelihood fit: Nelder–Mead on the log-parameters from several starts, each
    /// restarted from its optimum until it stops improving; the best optimum wins.
    pub fn fit(customers: &[Rfm]) -> Result<Self, FitError> {
        fit_params(customers, |p, c| p.ln_likelihood(c))
    }

    fn from_log(theta: &[f64]) -> Self {
        let g = |i: usize| theta.get(i).copied().unwrap_or(0.0).exp();
        Self {
            r: g(0),
            alpha: g(1),
            a: g(2),
            b: g(3),
        }
    }

    /// P(the customer is still active | x, t_x, T).
    pub fn p_alive(&self, c: &Rfm) -> f64 {
        if c.x <= 0.0 {
            return 1.0;
        }
        let Self { r, alpha, a, b } = *self;
        let ratio = (r + c.x) * ((alpha + c.t).ln() - (alpha + c.t_x).ln());
        1.0 / (1.0 + a / (b + c.x - 1.0) * ratio.exp())
    }

    /// E[purchases in the next `t` time units | x, t_x, T] (Fader, Hardie & Lee 2005, eq. 10).
    pub fn expected_purchases(&self, c: &Rfm, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let Self { r, alpha, a, b } = *self;
        let x = c.x;
        let (aa, bb, cc) = (r + x, b + x, a + b + x - 1.0);
        let z = t / (alpha + c.t + t);
        let one_minus_z = (alpha + c.t) / (alpha + c.t + t);
        // (1 − z)^(r + x) · ₂F₁(aa, bb; cc; z); past z = ½ use Euler's transformation, whose
        // prefactor (1 − z)^(cc − aa − bb) cancels most of (1 − z)^(r + x).
        let product = if z <= 0.5 {
            one_minus_z.powf(aa) * hyp2f1_series(aa, bb, cc, z)
        } else {
            one_minus_z.powf(a - 1.0) * hyp2f1_series(cc - aa, cc - bb, cc, z)
        };
        let numerator = (a + b + x - 1.0) / (a - 1.0) * (1.0 - product);
        let denominator = if x > 0.0 {
            1.0 + a / (b + x - 1.0) * ((r + x) * ((alpha + c.t) / (alpha + c.t_x)).ln()).exp()
        } else {
            1.0
        };
        numerator / denominator
    }

    /// E[repeat purchases in `(0, t]`] for a customer just acquired (unconditional, eq. 9).
    pub fn expected_repeat_from_start(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let Self { r, alpha, a, b } = *self;
        let z = t / (alpha + t);
        let f = crate::special::hyp2f1(r, b, a + b - 1.0, z);
        (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)).powf(r) * f)
    }
}

/// Maximum-likelihood (r, α, a, b) of a four-parameter timing model whose per-customer
/// log-likelihood is `ln_l`.
fn fit_params(customers: &[Rfm], ln_l: impl Fn(&BgNbd, &Rfm) -> f64) -> Result<BgNbd, FitError> {
    fit_params_from(
        customers,
        ln_l,
        &[[0.0, 0.0, 0.0, 0.0], [-1.0, 2.0, -0.5, 1.0]],
    )
}

/// As [`fit_params`] from the given log-parameter starts.
fn fit_params_from(
    customers: &[Rfm],
    ln_l: impl Fn(&BgNbd, &Rfm) -> f64,
    starts: &[[f64; 4]],
) -> Result<BgNbd, FitError> {
    if customers.is_empty() {
        return Err(FitError::Empty);
    }
    // Customers with equal summaries share a likelihood term: fit on the distinct ones.
    let mut groups: Vec<(Rfm, f64)> = Vec::new();
    let mut sorted = customers.to_vec();
    sorted.sort_by(|p, q| {
        p.x.total_cmp(&q.x)
            .then(p.t_x.total_cmp(&q.t_x))
            .then(p.t.total_cmp(&q.t))
    });
    for c in sorted {
        match groups.last_mut() {
            Some((g, n)) if *g == c => *n += 1.0,
            _ => groups.push((c, 1.0)),
        }
    }
    let neg_ll = |theta: &[f64]| {
        // Keep the search where the parameters mean something (e^±8): a panel that the
        // model does not fit well otherwise sends it off toward a boundary for ever.
        if theta.iter().any(|t| t.abs() > 8.0) {
            return f64::INFINITY;
        }
        let p = BgNbd::from_log(theta);
        -groups.iter().map(|(c, n)| n * ln_l(&p, c)).sum::<f64>()
    };
    // Two distant starts; each run is restarted from its optimum until it stops gaining.
    let mut best: Option<(Vec<f64>, f64)> = None;
    for s in starts {
        let opts = NelderMead {
            max_iter: 5_000,
            restarts: 8,
            ..NelderMead::default()
        };
        let (x, v) = nelder_mead(neg_ll, s, opts);
        if v.is_finite() && best.as_ref().is_none_or(|(_, bv)| v < *bv) {
            best = Some((x, v));
        }
    }
    best.map(|(x, _)| BgNbd::from_log(&x))
        .ok_or(FitError::NotFinite)
}

/// MBG/NBD parameters, as [`BgNbd`]'s: purchase rate ~ Gamma(r, alpha), drop-out probability
/// ~ Beta(a, b), a drop-out possible after every purchase including the first.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MbgNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale of the purchase-rate gamma (in the time unit).
    pub alpha: f64,
    /// First shape of the drop-out beta.
    pub a: f64,
    /// Second shape of the drop-out beta.
    pub b: f64,
}

impl MbgNbd {
    /// ln L of one customer's summary: alive at T after x + 1 chances to drop out, or gone
    /// right after her last purchase (x = 0 included).
    pub fn ln_likelihood(&self, c: &Rfm) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let x = c.x;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 = ln_gamma(a + b) + ln_gamma(b + x + 1.0) - ln_gamma(b) - ln_gamma(a + b + x + 1.0);
        let a3 = -(r + x) * (alpha + c.t).ln();
        let a4 = a.ln() - (b + x).ln() + (r + x) * ((alpha + c.t).ln() - (alpha + c.t_x).ln());
        // ln(1 + e^a4) without overflow.
        let log1p_exp = if a4 > 0.0 {
            a4 + (-a4).exp().ln_1p()
        } else {
            a4.exp().ln_1p()
        };
        a1 + a2 + a3 + log1p_exp
    }

    /// Σ ln L over customers.
    pub fn total_ln_likelihood(&self, customers: &[Rfm]) -> f64 {
        customers.iter().map(|c| self.ln_likelihood(c)).sum()
    }

    /// Maximum-likelihood fit (as [`BgNbd::fit`]).
    pub fn fit(customers: &[Rfm]) -> Result<Self, FitError> {
        Self::fit_near(customers, None)
    }

    /// Maximum-likelihood fit started from `near` (e.g. the overall fit, for a segment's): one
    /// start instead of two far apart, which converges in a fraction of the time.
    pub fn fit_near(customers: &[Rfm], near: Option<&Self>) -> Result<Self, FitError> {
        let starts: Vec<[f64; 4]> = match near {
            Some(m) => vec![[m.r.ln(), m.alpha.ln(), m.a.ln(), m.b.ln()]],
            None => vec![[0.0, 0.0, 0.0, 0.0], [-1.0, 2.0, -0.5, 1.0]],
        };
        let p = fit_params_from(
            customers,
            |p, c| {
                Self {
                    r: p.r,
                    alpha: p.alpha,
                    a: p.a,
                    b: p.b,
                }
                .ln_likelihood(c)
            },
            &starts,
        )?;
        Ok(Self {
            r: p.r,
            alpha: p.alpha,
            a: p.a,
            b: p.b,
        })
    }

    /// P(the customer is still active | x, t_x, T); below 1 for a customer who never came
    /// back, and falling with the time since her last purchase.
    pub fn p_alive(&self, c: &Rfm) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let ratio = (r + c.x) * ((alpha + c.t).ln() - (alpha + c.t_x).ln());
        1.0 / (1.0 + a / (b + c.x) * ratio.exp())
    }

    /// P(at least one purchase in the next `t` time units | x, t_x, T): alive, and a first
    /// arrival before `t` at her posterior rate λ ~ Gamma(r + x, α + T). Never above
    /// P(alive), and small for a customer whose long silence says her rate is low even when
    /// the fit cannot tell whether she dropped out.
    pub fn p_purchase_within(&self, c: &Rfm, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let none = ((self.alpha + c.t) / (self.alpha + c.t + t)).powf(self.r + c.x);
        self.p_alive(c) * (1.0 - none)
    }

    /// E[purchases in the next `t` time units | x, t_x, T].
    pub fn expected_purchases(&self, c: &Rfm, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let Self { r, alpha, a, b } = *self;
        let x = c.x;
        let (aa, bb, cc) = (r + x, b + x + 1.0, a + b + x);
        let z = t / (alpha + c.t + t);
        let one_minus_z = (alpha + c.t) / (alpha + c.t + t);
        // As BG/NBD's with b + x + 1 and a + b + x; Euler's prefactor leaves (1 − z)^(a − 1).
        let product = if z <= 0.5 {
            one_minus_z.powf(aa) * hyp2f1_series(aa, bb, cc, z)
        } else {
            one_minus_z.powf(cc - bb) * hyp2f1_series(cc - aa, cc - bb, cc, z)
        };
        let numerator = (a + b + x) / (a - 1.0) * (1.0 - product);
        numerator * self.p_alive(c)
    }

    /// E[repeat purchases in `(0, t]`] for a customer just acquired.
    pub fn expected_repeat_from_start(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let Self { r, alpha, a, b } = *self;
        let z = t / (alpha + t);
        let f = crate::special::hyp2f1(r, b + 1.0, a + b, z);
        b / (a - 1.0) * (1.0 - (alpha / (alpha + t)).powf(r) * f)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PUBLISHED: BgNbd = BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    #[test]
    fn p_alive_decreases_with_time_since_last_purchase() {
        let mut last = 1.0;
        for t_x in [30.0, 25.0, 20.0, 10.0, 2.0] {
            let p = PUBLISHED.p_alive(&Rfm {
                x: 4.0,
                t_x,
                t: 32.0,
            });
            assert!(p < last, "t_x {t_x}: {p} !< {last}");
            last = p;
        }
        assert_eq!(
            PUBLISHED.p_alive(&Rfm {
                x: 0.0,
                t_x: 0.0,
                t: 30.0
            }),
            1.0
        );
    }

    #[test]
    fn expected_purchases_grow_with_horizon_and_frequency() {
        let c = Rfm {
            x: 2.0,
            t_x: 30.0,
            t: 38.0,
        };
        let e10 = PUBLISHED.expected_purchases(&c, 10.0);
        let e39 = PUBLISHED.expected_purchases(&c, 39.0);
        let e200 = PUBLISHED.expected_purchases(&c, 200.0);
        assert!(0.0 < e10 && e10 < e39 && e39 < e200);
        let busier = PUBLISHED.expected_purchases(&Rfm { x: 6.0, ..c }, 39.0);
        assert!(busier > e39);
        // Hardie's worked example: x = 2, t_x = 30.43, T = 38.86, t = 39 → 1.226.
        let e = PUBLISHED.expected_purchases(
            &Rfm {
                x: 2.0,
                t_x: 30.43,
                t: 38.86,
            },
            39.0,
        );
        assert!((e - 1.226).abs() < 0.005, "{e}");
    }

    #[test]
    fn both_series_branches_agree_near_the_switch() {
        // z just below and just above ½ must give nearly the same expectation.
        let c = Rfm {
            x: 3.0,
            t_x: 5.0,
            t: 10.0,
        };
        let t_half = PUBLISHED.alpha + c.t;
        let lo = PUBLISHED.expected_purchases(&c, t_half * 0.999_999);
        let hi = PUBLISHED.expected_purchases(&c, t_half * 1.000_001);
        assert!((lo - hi).abs() < 1e-4, "{lo} vs {hi}");
    }

    /// A small synthetic panel of `n` customers: x cycles through `0..xs`, T through
    /// 20..20 + ts, t_x through `parts` fractions of T.
    fn panel(n: usize, xs: usize, ts: usize, parts: usize) -> Vec<Rfm> {
        (0..n)
            .map(|i| {
                let x = (i % xs) as f64;
                let t = 20.0 + (i % ts) as f64;
                let share = ((i % parts) as f64 + 1.0) / (parts as f64 + 1.0);
                let t_x = if x > 0.0 { t * share } else { 0.0 };
                Rfm { x, t_x, t }
            })
            .collect()
    }

    #[test]
    fn fit_recovers_parameters_of_its_own_maximum() {
        // A small synthetic panel: the fit must not be worse than the truth it came near.
        let cs = panel(200, 7, 13, 5);
        let fit = BgNbd::fit(&cs).unwrap();
        assert!(fit.total_ln_likelihood(&cs) >= PUBLISHED.total_ln_likelihood(&cs));
        assert_eq!(BgNbd::fit(&[]), Err(FitError::Empty));
    }

    #[test]
    fn mbg_nbd_lets_a_one_time_buyer_lapse_and_fits_its_own_maximum() {
        let m = MbgNbd {
            r: 0.525,
            alpha: 6.183,
            a: 0.891,
            b: 1.614,
        };
        let once = |t: f64| {
            m.p_alive(&Rfm {
                x: 0.0,
                t_x: 0.0,
                t,
            })
        };
        assert!(once(1.0) < 1.0 && once(10.0) < once(1.0) && once(150.0) < 0.25);
        // BG/NBD calls the same customer certainly alive.
        assert_eq!(
            PUBLISHED.p_alive(&Rfm {
                x: 0.0,
                t_x: 0.0,
                t: 150.0
            }),
            1.0
        );
        let c = Rfm {
            x: 2.0,
            t_x: 30.43,
            t: 38.86,
        };
        let (e10, e39) = (
            m.expected_purchases(&c, 10.0),
            m.expected_purchases(&c, 39.0),
        );
        assert!(0.0 < e10 && e10 < e39, "{e10} {e39}");
        // Both series branches agree near z = ½.
        let half = m.alpha + c.t;
        let (lo, hi) = (
            m.expected_purchases(&c, half * 0.999_999),
            m.expected_purchases(&c, half * 1.000_001),
        );
        assert!((lo - hi).abs() < 1e-4, "{lo} vs {hi}");
        // The unconditional expectation grows with time and starts at 0.
        assert_eq!(m.expected_repeat_from_start(0.0), 0.0);
        assert!(m.expected_repeat_from_start(10.0) < m.expected_repeat_from_start(40.0));
        let cs = panel(300, 5, 11, 4);
        let fit = MbgNbd::fit(&cs).unwrap();
        assert!(fit.total_ln_likelihood(&cs) >= m.total_ln_likelihood(&cs));
    }
}
