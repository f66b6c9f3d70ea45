//! A small derivative-free minimiser (Nelder–Mead) for the few-parameter likelihoods the
//! timing models fit; restarted from its own optimum until it stops improving.

/// Settings of [`nelder_mead`].
#[derive(Debug, Clone, Copy)]
pub struct NelderMead {
    /// Initial simplex step along each axis.
    pub step: f64,
    /// Stop when the spread of the simplex values falls below this (relative to the best).
    pub f_tol: f64,
    /// Stop after this many iterations of one run.
    pub max_iter: usize,
    /// Restart from the best point this many times at most (stops earlier if no gain).
    pub restarts: usize,
}

impl Default for NelderMead {
    fn default() -> Self {
        Self {
            step: 0.5,
            f_tol: 1e-11,
            max_iter: 20_000,
            restarts: 20,
        }
    }
}

/// Minimises `f` from `start`; returns the best point and its value.
///
/// Non-finite values are treated as +∞, so `f` may return NaN outside its domain.
pub fn nelder_mead(f: impl Fn(&[f64]) -> f64, start: &[f64], opts: NelderMead) -> (Vec<f64>, f64) {
    let eval = |x: &[f64]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut best = start.to_vec();
    let mut best_val = eval(&best);
    for _ in 0..=opts.restarts {
        let (x, v) = run(&eval, &best, opts);
        let gain = best_val - v;
        if v < best_val {
            best = x;
            best_val = v;
        }
        if gain.is_nan() || gain <= opts.f_tol * (1.0 + best_val.abs()) {
            break;
        }
    }
    (best, best_val)
}

fn run(f: &impl Fn(&[f64]) -> f64, start: &[f64], opts: NelderMead) -> (Vec<f64>, f64) {
    let n = start.len();
    let mut pts: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
    pts.push(start.to_vec());
    for i in 0..n {
        let mut p = start.to_vec();
        p[i] += opts.step;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| f(p)).collect();
    let (alpha, gamma, rho, sigma) = (1.0, 2.0, 0.5, 0.5);
    for _ in 0..opts.max_iter {
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = order.iter().map(|&i| pts[i].clone()).collect();
        vals = order.iter().map(|&i| vals[i]).collect();
        if (vals[n] - vals[0]).abs() <= opts.f_tol * (1.0 + vals[0].abs()) {
            break;
        }
        let mut centroid = vec![0.0; n];
        for p in &pts[..n] {
            for (c, x) in centroid.iter_mut().zip(p) {
                *c += x / n as f64;
            }
        }
        let along = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&pts[n])
                .map(|(c, w)| c + t * (w - c))
                .collect()
        };
        let reflected = along(-alpha);
        let fr = f(&reflected);
        if fr < vals[0] {
            let expanded = along(-gamma);
            let fe = f(&expanded);
            if fe < fr {
                pts[n] = expanded;
                vals[n] = fe;
            } else {
                pts[n] = reflected;
                vals[n] = fr;
            }
        } else if fr < vals[n - 1] {
            pts[n] = reflected;
            vals[n] = fr;
        } else {
            let contracted = if fr < vals[n] {
                along(-rho)
            } else {
                along(rho)
            };
            let fc = f(&contracted);
            if fc < vals[n].min(fr) {
                pts[n] = contracted;
                vals[n] = fc;
            } else {
                let best = pts[0].clone();
                for i in 1..=n {
                    pts[i] = best
                        .iter()
                        .zip(&pts[i])
                        .map(|(b, x)| b + sigma * (x - b))
                        .collect();
                    vals[i] = f(&pts[i]);
                }
            }
        }
    }
    let (i, v) = vals
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, v)| (i, *v))
        .unwrap_or((0, f64::INFINITY));
    (pts[i].clone(), v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (x, v) = nelder_mead(rosen, &[-1.2, 1.0], NelderMead::default());
        assert!(v < 1e-10, "{v}");
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?}"
        );
    }
}
