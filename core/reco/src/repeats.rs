//! What the training histories say about buying an item again: each item's repeat rate (the
//! chance it is in a customer's next basket once she has bought it), its cycle (the typical
//! time between two purchases of it by one customer) and how that chance moves with the time
//! since her last purchase measured in cycles (the "due" lift).

use std::collections::HashMap;

/// Upper edges of the due bins, in cycles since her last purchase; the last bin is open.
pub const DUE_EDGES: [f64; 8] = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0];
/// Number of due bins.
pub const DUE_BINS: usize = DUE_EDGES.len() + 1;

/// Pseudo-trials pulling an item's repeat rate toward the overall one.
const RATE_PRIOR_TRIALS: f64 = 10.0;
/// Intervals an item needs before its own median cycle is trusted.
const MIN_CYCLE_INTERVALS: usize = 5;
/// Pseudo-hits smoothing each due bin's lift toward 1.
const LIFT_PRIOR: f64 = 5.0;

/// Repeat-purchase statistics per item, learnt from training histories.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatStats {
    /// P(item in her next basket | she bought it before), shrunk toward the overall rate.
    pub rate: Vec<f32>,
    /// Median time between two purchases of the item by one customer, in basket-time units;
    /// 0 when too few were seen (then `default_cycle` stands in).
    pub cycle: Vec<f32>,
    /// Median time between two purchases over all items.
    pub default_cycle: f32,
    /// Observed over expected repeat purchases by time since her last purchase in cycles
    /// (bins of [`DUE_EDGES`]); 1 everywhere means time since purchase tells nothing.
    pub lift: [f32; DUE_BINS],
}

impl Default for RepeatStats {
    fn default() -> Self {
        Self {
            rate: Vec::new(),
            cycle: Vec::new(),
            default_cycle: 1.0,
            lift: [1.0; DUE_BINS],
        }
    }
}

/// The due bin of a time since purchase of `cycles` cycles.
pub fn due_bin(cycles: f64) -> usize {
    DUE_EDGES
        .iter()
        .position(|&e| cycles < e)
        .unwrap_or(DUE_EDGES.len())
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Calls `f(item, time since her last purchase of it, bought again)` for every basket after a
/// customer's first and every item she had bought before it.
fn walk_trials<'a>(
    histories: impl Iterator<Item = &'a [crate::basket::Basket]>,
    last: &mut HashMap<u32, f64>,
    mut f: impl FnMut(u32, f64, bool),
) {
    for h in histories {
        last.clear();
        for b in h {
            for (&i, &t) in last.iter() {
                f(i, b.time - t, b.items.contains(&i));
            }
            for &i in &b.items {
                last.insert(i, b.time);
            }
        }
    }
}

impl RepeatStats {
    /// Learns the statistics from histories of baskets (each oldest first) over `n_items`.
    ///
    /// Every basket after a customer's first is a trial for each item she had bought before
    /// it: a hit when the basket holds it again. Cost: Σ over customers of baskets × distinct
    /// items bought so far.
    pub fn learn<'a>(
        histories: impl Iterator<Item = &'a [crate::basket::Basket]> + Clone,
        n_items: usize,
    ) -> Self {
        // Pass 1: cycles from consecutive purchases of one item by one customer.
        let mut gaps: Vec<Vec<f64>> = vec![Vec::new(); n_items];
        let mut last: HashMap<u32, f64> = HashMap::new();
        for h in histories.clone() {
            last.clear();
            for b in h {
                for &i in &b.items {
                    if let Some(prev) = last.insert(i, b.time)
                        && let Some(g) = gaps.get_mut(i as usize)
                        && b.time > prev
                    {
                        g.push(b.time - prev);
                    }
                }
            }
        }
        let mut all: Vec<f64> = gaps.iter().flatten().copied().collect();
        let default_cycle = median(&mut all).unwrap_or(1.0).max(1e-6);
        let cycle: Vec<f32> = gaps
            .iter_mut()
            .map(|g| {
                if g.len() >= MIN_CYCLE_INTERVALS {
                    median(g).unwrap_or(0.0) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let cycle_of = |i: u32| match cycle.get(i as usize) {
            Some(&c) if c > 0.0 => f64::from(c),
            _ => default_cycle,
        };

        // Pass 2: repeat rates per item; pass 3: hits against the items' own rates per due
        // bin (two walks rather than a list of every trial, which would not fit for millions
        // of lines).
        let mut trials = vec![0u32; n_items];
        let mut hits = vec![0u32; n_items];
        walk_trials(histories.clone(), &mut last, |i, _gap, hit| {
            if let (Some(n), Some(k)) = (trials.get_mut(i as usize), hits.get_mut(i as usize)) {
                *n += 1;
                *k += u32::from(hit);
            }
        });
        let (t_all, h_all) = trials
            .iter()
            .zip(&hits)
            .fold((0u64, 0u64), |(t, h), (&a, &b)| {
                (t + u64::from(a), h + u64::from(b))
            });
        let overall = if t_all > 0 {
            h_all as f64 / t_all as f64
        } else {
            0.0
        };
        let rate: Vec<f64> = trials
            .iter()
            .zip(&hits)
            .map(|(&n, &k)| {
                (f64::from(k) + RATE_PRIOR_TRIALS * overall) / (f64::from(n) + RATE_PRIOR_TRIALS)
            })
            .collect();
        let mut observed = [0.0f64; DUE_BINS];
        let mut expected = [0.0f64; DUE_BINS];
        walk_trials(histories, &mut last, |i, gap, hit| {
            let b = due_bin(gap / cycle_of(i));
            observed[b] += f64::from(u8::from(hit));
            expected[b] += rate.get(i as usize).copied().unwrap_or(overall);
        });
        let mut lift = [1.0f32; DUE_BINS];
        for b in 0..DUE_BINS {
            lift[b] = ((observed[b] + LIFT_PRIOR) / (expected[b] + LIFT_PRIOR)) as f32;
        }
        Self {
            rate: rate.iter().map(|&r| r as f32).collect(),
            cycle,
            default_cycle: default_cycle as f32,
            lift,
        }
    }

    /// Item `i`'s repeat rate (the overall mean of the known rates for an unknown item).
    pub fn rate_of(&self, i: u32) -> f64 {
        self.rate.get(i as usize).map_or(0.0, |&r| f64::from(r))
    }

    /// Item `i`'s cycle, or the default one.
    pub fn cycle_of(&self, i: u32) -> f64 {
        match self.cycle.get(i as usize) {
            Some(&c) if c > 0.0 => f64::from(c),
            _ => f64::from(self.default_cycle),
        }
    }

    /// The due lift after `cycles` cycles since her last purchase.
    pub fn lift_at(&self, cycles: f64) -> f64 {
        f64::from(self.lift[due_bin(cycles.max(0.0))])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::basket::Basket;

    #[test]
    fn staples_repeat_more_than_one_offs_and_due_items_more_than_fresh_ones() {
        // Item 0 is bought every 4 baskets by everyone; item 1 once per customer; item 2
        // fills the other baskets.
        let histories: Vec<Vec<Basket>> = (0..40)
            .map(|c| {
                (0..16)
                    .map(|t| {
                        let mut items = vec![2];
                        if t % 4 == 0 {
                            items.push(0);
                        }
                        if t == c % 16 {
                            items.push(1);
                        }
                        Basket::new(t as f64, items)
                    })
                    .collect()
            })
            .collect();
        let s = RepeatStats::learn(histories.iter().map(Vec::as_slice), 3);
        assert!(s.rate_of(0) > 2.0 * s.rate_of(1), "{:?}", s.rate);
        assert!((s.cycle_of(0) - 4.0).abs() < 1e-6);
        // Item 0 comes back exactly one cycle after: the bin at 1 cycle lifts, those at a
        // quarter to three quarters of a cycle fall well below it.
        assert!(s.lift_at(1.0) > 1.1, "{:?}", s.lift);
        assert!(
            s.lift_at(0.5) < 0.5 && s.lift_at(0.25) < 0.5,
            "{:?}",
            s.lift
        );
        assert_eq!(due_bin(0.1), 0);
        assert_eq!(due_bin(100.0), DUE_BINS - 1);
    }
}
