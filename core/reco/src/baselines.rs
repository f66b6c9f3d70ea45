//! Frequency baselines of the next-basket literature: global best-sellers (G-TopFreq) and the
//! customer's own most-bought items followed by best-sellers (GP-TopFreq).

use std::collections::HashMap;

use crate::basket::Basket;
use crate::rank::{fill, top_k};

/// Items ranked by the number of training baskets that contain them.
pub fn best_sellers(train: &[Vec<Basket>], n_items: usize) -> Vec<u32> {
    let mut count = vec![0u32; n_items];
    for b in train.iter().flatten() {
        for &i in &b.items {
            if let Some(c) = count.get_mut(i as usize) {
                *c += 1;
            }
        }
    }
    let mut ranked: Vec<(u32, f32)> = count
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, &c)| (i as u32, c as f32))
        .collect();
    let n = ranked.len();
    top_k(&mut ranked, n).iter().map(|&(i, _)| i).collect()
}

/// G-TopFreq: the same best-sellers for everyone.
#[derive(Debug, Clone)]
pub struct GTopFreq {
    /// Best-sellers, best first.
    pub ranked: Vec<u32>,
}

impl GTopFreq {
    /// The top `k` best-sellers.
    pub fn recommend(&self, k: usize) -> Vec<u32> {
        self.ranked.iter().take(k).copied().collect()
    }
}

/// GP-TopFreq: the customer's items by how many of her baskets hold them (ties: the more
/// recently bought first), then best-sellers.
#[derive(Debug, Clone)]
pub struct GpTopFreq {
    /// Best-sellers, best first.
    pub ranked: Vec<u32>,
}

impl GpTopFreq {
    /// The top `k` items for a history.
    pub fn recommend(&self, history: &[Basket], k: usize) -> Vec<u32> {
        let mut count: HashMap<u32, (u32, usize)> = HashMap::new();
        for (pos, b) in history.iter().enumerate() {
            for &i in &b.items {
                let e = count.entry(i).or_insert((0, 0));
                e.0 += 1;
                e.1 = pos;
            }
        }
        let mut own: Vec<(u32, (u32, usize))> = count.into_iter().collect();
        own.sort_by(|a, b| (b.1).cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut out: Vec<u32> = own.iter().take(k).map(|&(i, _)| i).collect();
        fill(&mut out, &self.ranked, k);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn own_favourites_come_before_best_sellers() {
        let b = |t: f64, v: &[u32]| Basket::new(t, v.iter().copied());
        let train = vec![vec![b(0.0, &[0, 1]), b(1.0, &[0])], vec![b(0.0, &[0, 2])]];
        let ranked = best_sellers(&train, 4);
        assert_eq!(ranked[0], 0);
        let g = GTopFreq {
            ranked: ranked.clone(),
        };
        assert_eq!(g.recommend(1), vec![0]);
        let gp = GpTopFreq { ranked };
        let history = vec![b(0.0, &[3, 2]), b(1.0, &[3])];
        assert_eq!(gp.recommend(&history, 3), vec![3, 2, 0]);
    }
}
