//! The item-item model: time-decayed co-purchase cosine similarity, top-k neighbours per item
//! in a compact row-compressed table, and the plain item-kNN recommender built on it.

use crate::basket::Basket;
use crate::rank::top_k;

/// Top-k neighbours of every item, row-compressed: row `i` is
/// `items[offsets[i]..offsets[i + 1]]`, best first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Neighbours {
    /// Row starts, one more than the item count.
    pub offsets: Vec<u32>,
    /// Neighbour item indices.
    pub items: Vec<u32>,
    /// Similarities in (0, 1], aligned with `items`.
    pub weights: Vec<f32>,
}

impl Neighbours {
    /// The neighbours of item `i` and their similarities (empty for an unknown item).
    pub fn of(&self, i: u32) -> (&[u32], &[f32]) {
        let i = i as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&s), Some(&e)) => (
                &self.items[s as usize..e as usize],
                &self.weights[s as usize..e as usize],
            ),
            _ => (&[], &[]),
        }
    }

    /// Similarity of `j` in the row of `i`, if listed.
    pub fn similarity(&self, i: u32, j: u32) -> Option<f32> {
        let (items, weights) = self.of(i);
        items.iter().position(|&x| x == j).map(|p| weights[p])
    }

    /// Number of rows (items).
    pub fn item_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

/// How the item-item model is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeighbourConfig {
    /// Neighbours kept per item.
    pub k: usize,
    /// Half-life of a purchase's weight, in basket-time units; `None` for no decay.
    pub half_life: Option<f64>,
    /// Reference time of the decay; `None` decays from each customer's own last basket.
    pub now: Option<f64>,
    /// Shrinkage added to the cosine denominator: pairs seen together rarely count less.
    pub shrink: f64,
}

impl Default for NeighbourConfig {
    fn default() -> Self {
        Self {
            k: 50,
            half_life: None,
            now: None,
            shrink: 1.0,
        }
    }
}

/// Per customer, each distinct item with the decayed weight of its latest purchase.
pub(crate) fn customer_item_weights(
    train: &[Vec<Basket>],
    half_life: Option<f64>,
    now: Option<f64>,
) -> Vec<Vec<(u32, f64)>> {
    train
        .iter()
        .map(|baskets| {
            let reference = now.unwrap_or_else(|| baskets.last().map_or(0.0, |b| b.time));
            let mut out: Vec<(u32, f64)> = Vec::new();
            for b in baskets {
                let w = decay(reference - b.time, half_life);
                for &i in &b.items {
                    match out.iter_mut().find(|(x, _)| *x == i) {
                        Some((_, v)) => *v = v.max(w),
                        None => out.push((i, w)),
                    }
                }
            }
            out
        })
        .collect()
}

/// 2^(−age / half-life), 1 without a half-life; ages below zero count as zero.
pub fn decay(age: f64, half_life: Option<f64>) -> f64 {
    match half_life {
        Some(h) if h > 0.0 => (-(age.max(0.0)) / h * std::f64::consts::LN_2).exp(),
        _ => 1.0,
    }
}

/// Builds the top-k cosine neighbours from training histories over `n_items` items.
///
/// Cost is Σ over customers of (distinct items)², done item by item with one dense
/// accumulator, so memory stays at one row.
pub fn build_neighbours(
    train: &[Vec<Basket>],
    n_items: usize,
    cfg: &NeighbourConfig,
) -> Neighbours {
    let weights = customer_item_weights(train, cfg.half_life, cfg.now);
    let mut postings: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n_items];
    let mut norm = vec![0.0f64; n_items];
    for (c, items) in weights.iter().enumerate() {
        for &(i, w) in items {
            if let Some(p) = postings.get_mut(i as usize) {
                p.push((c as u32, w));
                norm[i as usize] += w * w;
            }
        }
    }
    let mut acc = vec![0.0f64; n_items];
    let mut touched: Vec<u32> = Vec::new();
    let mut out = Neighbours {
        offsets: Vec::with_capacity(n_items + 1),
        items: Vec::new(),
        weights: Vec::new(),
    };
    out.offsets.push(0);
    for i in 0..n_items {
        for &(c, wi) in &postings[i] {
            for &(j, wj) in &weights[c as usize] {
                if j as usize == i {
                    continue;
                }
                if acc[j as usize] == 0.0 {
                    touched.push(j);
                }
                acc[j as usize] += wi * wj;
            }
        }
        let mut row: Vec<(u32, f32)> = touched
            .iter()
            .map(|&j| {
                let s = acc[j as usize] / ((norm[i] * norm[j as usize]).sqrt() + cfg.shrink);
                (j, s as f32)
            })
            .filter(|&(_, s)| s > 0.0)
            .collect();
        for &j in &touched {
            acc[j as usize] = 0.0;
        }
        touched.clear();
        let row = top_k(&mut row, cfg.k);
        for &(j, s) in row {
            out.items.push(j);
            out.weights.push(s);
        }
        out.offsets.push(out.items.len() as u32);
    }
    out
}

/// Plain item-kNN: every history item votes for its neighbours with its similarity,
/// weighted by how recently it was bought.
#[derive(Debug, Clone)]
pub struct ItemKnn {
    /// The item-item model.
    pub neighbours: Neighbours,
    /// Half-life (basket-time units) of a history item's vote.
    pub half_life: Option<f64>,
    /// Items by popularity, to fill a short list.
    pub fallback: Vec<u32>,
}

impl ItemKnn {
    /// The top `k` items for a history.
    pub fn recommend(&self, history: &[Basket], k: usize) -> Vec<u32> {
        let now = history.last().map_or(0.0, |b| b.time + 1.0);
        let mut seeds: Vec<(u32, f64)> = Vec::new();
        for b in history {
            let w = decay(now - b.time, self.half_life);
            for &i in &b.items {
                match seeds.iter_mut().find(|(x, _)| *x == i) {
                    Some((_, v)) => *v += w,
                    None => seeds.push((i, w)),
                }
            }
        }
        let mut scores: std::collections::HashMap<u32, f64> = std::collections::HashMap::new();
        for &(j, w) in &seeds {
            let (items, sims) = self.neighbours.of(j);
            for (&i, &s) in items.iter().zip(sims) {
                *scores.entry(i).or_default() += w * f64::from(s);
            }
        }
        let mut ranked: Vec<(u32, f32)> = scores.into_iter().map(|(i, s)| (i, s as f32)).collect();
        let mut out: Vec<u32> = top_k(&mut ranked, k).iter().map(|&(i, _)| i).collect();
        crate::rank::fill(&mut out, &self.fallback, k);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn items_bought_together_are_neighbours() {
        let b = |t: f64, v: &[u32]| Basket::new(t, v.iter().copied());
        let train = vec![
            vec![b(0.0, &[0, 1]), b(1.0, &[2])],
            vec![b(0.0, &[0, 1, 3])],
            vec![b(0.0, &[2, 3])],
        ];
        let n = build_neighbours(
            &train,
            4,
            &NeighbourConfig {
                shrink: 0.0,
                ..Default::default()
            },
        );
        let (items, w) = n.of(0);
        assert_eq!(items[0], 1, "0 and 1 are always bought together");
        assert!((w[0] - 1.0).abs() < 1e-6);
        assert!(n.similarity(0, 1).unwrap() > n.similarity(0, 3).unwrap());
        assert!(n.similarity(1, 0).is_some(), "symmetric");
        assert_eq!(n.of(9), (&[][..], &[][..]));
    }
}
