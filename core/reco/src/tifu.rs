//! TIFU-KNN (Hu et al., SIGIR 2020, "Modeling Personalized Item Frequency Information for
//! Next-basket Recommendation"): time-decayed group-wise personal item-frequency vectors,
//! user-kNN over them, and prediction α·personal + (1 − α)·mean of the neighbours.

use std::collections::HashMap;

use crate::basket::Basket;
use crate::rank::{fill, top_k};

/// TIFU-KNN hyper-parameters (the paper's names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TifuParams {
    /// Neighbours.
    pub k: usize,
    /// Within-group (basket) decay r_b.
    pub r_b: f64,
    /// Group decay r_g.
    pub r_g: f64,
    /// Weight of the personal vector.
    pub alpha: f64,
    /// Number of groups m the history is cut into.
    pub groups: usize,
}

impl TifuParams {
    /// The reference setting for Ta-Feng.
    pub const TAFENG: Self = Self {
        k: 300,
        r_b: 0.9,
        r_g: 0.7,
        alpha: 0.7,
        groups: 7,
    };
}

type SparseVec = Vec<(u32, f64)>;

/// The personal vector of a history, as in the authors' code: basket j of n gets
/// r_b^(n−1−j); baskets are cut into (at most) `groups` consecutive groups, earlier groups
/// one basket shorter when the split is uneven; each group is the mean of its baskets; group
/// g of m gets r_g^(m−1−g); the vector is the sum over groups divided by the number of groups.
pub fn personal_vector(history: &[Basket], p: &TifuParams) -> SparseVec {
    let n = history.len();
    if n == 0 {
        return Vec::new();
    }
    let m = p.groups.max(1);
    // Group sizes: as many baskets per group as fit, the last groups one longer.
    let sizes: Vec<usize> = if n < m {
        vec![1; n]
    } else {
        let base = n / m;
        let extra = n % m;
        (0..m).map(|g| base + usize::from(g >= m - extra)).collect()
    };
    let real_groups = sizes.len();
    let mut acc: HashMap<u32, f64> = HashMap::new();
    let mut start = 0;
    for (g, &size) in sizes.iter().enumerate() {
        let group_decay = p.r_g.powi((m - 1 - g) as i32);
        for (j, b) in history[start..start + size].iter().enumerate() {
            let basket_decay = p.r_b.powi((n - 1 - (start + j)) as i32);
            for &i in &b.items {
                *acc.entry(i).or_default() += basket_decay * group_decay / size as f64;
            }
        }
        start += size;
    }
    let mut v: SparseVec = acc
        .into_iter()
        .map(|(i, x)| (i, x / real_groups as f64))
        .collect();
    v.sort_unstable_by_key(|&(i, _)| i);
    v
}

/// A fitted TIFU-KNN: the training customers' personal vectors and an inverted index.
#[derive(Debug, Clone)]
pub struct Tifu {
    params: TifuParams,
    vectors: Vec<SparseVec>,
    norms: Vec<f64>,
    postings: Vec<Vec<(u32, f64)>>,
    fallback: Vec<u32>,
}

impl Tifu {
    /// Builds the training customers' vectors.
    pub fn fit(
        train: &[Vec<Basket>],
        n_items: usize,
        params: TifuParams,
        fallback: Vec<u32>,
    ) -> Self {
        let vectors: Vec<SparseVec> = train.iter().map(|h| personal_vector(h, &params)).collect();
        let norms = vectors
            .iter()
            .map(|v| v.iter().map(|(_, x)| x * x).sum())
            .collect();
        let mut postings: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n_items];
        for (u, v) in vectors.iter().enumerate() {
            for &(i, x) in v {
                if let Some(p) = postings.get_mut(i as usize) {
                    p.push((u as u32, x));
                }
            }
        }
        Self {
            params,
            vectors,
            norms,
            postings,
            fallback,
        }
    }

    /// The top `k` items for a history: nearest training vectors by Euclidean distance.
    pub fn recommend(&self, history: &[Basket], k: usize) -> Vec<u32> {
        let p = &self.params;
        let me = personal_vector(history, p);
        let my_norm: f64 = me.iter().map(|(_, x)| x * x).sum();
        let mut dot = vec![0.0f64; self.vectors.len()];
        for &(i, x) in &me {
            if let Some(post) = self.postings.get(i as usize) {
                for &(u, y) in post {
                    dot[u as usize] += x * y;
                }
            }
        }
        let mut dist: Vec<(u32, f32)> = dot
            .iter()
            .zip(&self.norms)
            .enumerate()
            .map(|(u, (d, n))| (u as u32, -((my_norm + n - 2.0 * d) as f32)))
            .collect();
        let neighbours = top_k(&mut dist, p.k);
        let mut score: HashMap<u32, f64> = HashMap::new();
        let share = (1.0 - p.alpha) / neighbours.len().max(1) as f64;
        for &(u, _) in neighbours {
            for &(i, x) in &self.vectors[u as usize] {
                *score.entry(i).or_default() += share * x;
            }
        }
        for &(i, x) in &me {
            *score.entry(i).or_default() += p.alpha * x;
        }
        let mut ranked: Vec<(u32, f32)> = score.into_iter().map(|(i, s)| (i, s as f32)).collect();
        let mut out: Vec<u32> = top_k(&mut ranked, k).iter().map(|&(i, _)| i).collect();
        fill(&mut out, &self.fallback, k);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn personal_vector_decays_older_baskets() {
        let p = TifuParams {
            groups: 2,
            ..TifuParams::TAFENG
        };
        let h: Vec<Basket> = (0..4).map(|t| Basket::new(t as f64, [t as u32])).collect();
        let v = personal_vector(&h, &p);
        let get = |i: u32| v.iter().find(|x| x.0 == i).map(|x| x.1).unwrap_or(0.0);
        assert!(get(3) > get(2) && get(2) > get(1) && get(1) > get(0));
        // Last basket: r_b^0 · r_g^0 / 2 (group of 2) / 2 groups.
        assert!((get(3) - 0.25).abs() < 1e-12);
    }
}
