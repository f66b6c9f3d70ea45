//! Ranking metrics of the next-basket protocol: Recall@K and NDCG@K over a target basket,
//! and recall restricted to repeat items (bought before) and to new items.

use std::collections::HashSet;

/// Recall@K: the share of target items found in the first `k` recommendations.
pub fn recall_at(ranked: &[u32], target: &HashSet<u32>, k: usize) -> f64 {
    if target.is_empty() {
        return 0.0;
    }
    let hits = ranked.iter().take(k).filter(|i| target.contains(i)).count();
    hits as f64 / target.len() as f64
}

/// NDCG@K with binary relevance: DCG of the hits over the DCG of a perfect ranking of
/// min(K, |target|) hits (the convention of TIFU-KNN's code; 1 is reachable).
pub fn ndcg_at(ranked: &[u32], target: &HashSet<u32>, k: usize) -> f64 {
    ndcg_with_ideal(ranked, target, k, k.min(target.len()))
}

/// NDCG@K with the ideal DCG taken over the whole target, |target| hits even beyond K (the
/// convention of several published studies; below 1 whenever |target| > K).
pub fn ndcg_full_at(ranked: &[u32], target: &HashSet<u32>, k: usize) -> f64 {
    ndcg_with_ideal(ranked, target, k, target.len())
}

fn ndcg_with_ideal(ranked: &[u32], target: &HashSet<u32>, k: usize, ideal_hits: usize) -> f64 {
    if target.is_empty() {
        return 0.0;
    }
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, i)| target.contains(i))
        .map(|(r, _)| 1.0 / (r as f64 + 2.0).log2())
        .sum();
    let ideal: f64 = (0..ideal_hits).map(|r| 1.0 / (r as f64 + 2.0).log2()).sum();
    dcg / ideal
}

/// Running means of the protocol's metrics over evaluated customers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    /// Customers evaluated.
    pub customers: usize,
    /// Σ Recall@10.
    recall10: f64,
    /// Σ Recall@20.
    recall20: f64,
    /// Σ NDCG@10.
    ndcg10: f64,
    /// Σ NDCG@20.
    ndcg20: f64,
    /// Σ NDCG@10 and @20, ideal over the whole target.
    ndcg10_full: f64,
    ndcg20_full: f64,
    /// Customers whose target has a repeat item, and Σ of their repeat-item Recall@10/@20.
    repeat_n: usize,
    repeat10: f64,
    repeat20: f64,
    /// Customers whose target has a new item, and Σ of their new-item Recall@10/@20.
    new_n: usize,
    new10: f64,
    new20: f64,
}

/// The means of [`Scores`], ready to print.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Customers evaluated.
    pub customers: usize,
    /// Mean Recall@10.
    pub recall_10: f64,
    /// Mean NDCG@10.
    pub ndcg_10: f64,
    /// Mean Recall@20.
    pub recall_20: f64,
    /// Mean NDCG@20.
    pub ndcg_20: f64,
    /// Mean NDCG@10 with the ideal over the whole target ([`ndcg_full_at`]).
    pub ndcg_10_full: f64,
    /// Mean NDCG@20 with the ideal over the whole target.
    pub ndcg_20_full: f64,
    /// Mean Recall@10 of the repeat items, over customers whose target has one.
    pub repeat_recall_10: f64,
    /// Mean Recall@20 of the repeat items.
    pub repeat_recall_20: f64,
    /// Mean Recall@10 of the new items, over customers whose target has one.
    pub new_recall_10: f64,
    /// Mean Recall@20 of the new items.
    pub new_recall_20: f64,
}

impl Scores {
    /// Adds one customer's ranking; `seen` holds the items of her history.
    pub fn add(&mut self, ranked: &[u32], target: &HashSet<u32>, seen: &HashSet<u32>) {
        if target.is_empty() {
            return;
        }
        self.customers += 1;
        self.recall10 += recall_at(ranked, target, 10);
        self.recall20 += recall_at(ranked, target, 20);
        self.ndcg10 += ndcg_at(ranked, target, 10);
        self.ndcg20 += ndcg_at(ranked, target, 20);
        self.ndcg10_full += ndcg_full_at(ranked, target, 10);
        self.ndcg20_full += ndcg_full_at(ranked, target, 20);
        let (rep, new): (HashSet<u32>, HashSet<u32>) =
            target.iter().partition(|i| seen.contains(i));
        if !rep.is_empty() {
            self.repeat_n += 1;
            self.repeat10 += recall_at(ranked, &rep, 10);
            self.repeat20 += recall_at(ranked, &rep, 20);
        }
        if !new.is_empty() {
            self.new_n += 1;
            self.new10 += recall_at(ranked, &new, 10);
            self.new20 += recall_at(ranked, &new, 20);
        }
    }

    /// The means.
    pub fn summary(&self) -> Summary {
        let m = |s: f64, n: usize| if n == 0 { 0.0 } else { s / n as f64 };
        let n = self.customers;
        Summary {
            customers: n,
            recall_10: m(self.recall10, n),
            ndcg_10: m(self.ndcg10, n),
            recall_20: m(self.recall20, n),
            ndcg_20: m(self.ndcg20, n),
            ndcg_10_full: m(self.ndcg10_full, n),
            ndcg_20_full: m(self.ndcg20_full, n),
            repeat_recall_10: m(self.repeat10, self.repeat_n),
            repeat_recall_20: m(self.repeat20, self.repeat_n),
            new_recall_10: m(self.new10, self.new_n),
            new_recall_20: m(self.new20, self.new_n),
        }
    }
}

impl Summary {
    /// The element-wise mean of several summaries (e.g. over seeds).
    pub fn mean(all: &[Summary]) -> Summary {
        let n = all.len().max(1) as f64;
        let s = |f: fn(&Summary) -> f64| all.iter().map(f).sum::<f64>() / n;
        Summary {
            customers: all.iter().map(|x| x.customers).sum::<usize>() / all.len().max(1),
            recall_10: s(|x| x.recall_10),
            ndcg_10: s(|x| x.ndcg_10),
            recall_20: s(|x| x.recall_20),
            ndcg_20: s(|x| x.ndcg_20),
            ndcg_10_full: s(|x| x.ndcg_10_full),
            ndcg_20_full: s(|x| x.ndcg_20_full),
            repeat_recall_10: s(|x| x.repeat_recall_10),
            repeat_recall_20: s(|x| x.repeat_recall_20),
            new_recall_10: s(|x| x.new_recall_10),
            new_recall_20: s(|x| x.new_recall_20),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn set(v: &[u32]) -> HashSet<u32> {
        v.iter().copied().collect()
    }

    #[test]
    fn recall_and_ndcg_on_a_hand_made_example() {
        // Target {1, 2, 3}; ranking hits at ranks 1 and 3.
        let ranked = [1, 9, 3, 8];
        let t = set(&[1, 2, 3]);
        assert!((recall_at(&ranked, &t, 10) - 2.0 / 3.0).abs() < 1e-12);
        assert!((recall_at(&ranked, &t, 1) - 1.0 / 3.0).abs() < 1e-12);
        let dcg = 1.0 + 1.0 / 4f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        assert!((ndcg_at(&ranked, &t, 10) - dcg / idcg).abs() < 1e-12);
        // K smaller than the target: the ideal has K hits.
        assert!((ndcg_at(&ranked, &t, 1) - 1.0).abs() < 1e-12);
        // The other convention keeps the whole target in the ideal.
        assert!((ndcg_full_at(&ranked, &t, 1) - 1.0 / idcg).abs() < 1e-12);
        assert!((ndcg_full_at(&ranked, &t, 10) - dcg / idcg).abs() < 1e-12);
        assert_eq!(ndcg_at(&[7, 8], &t, 10), 0.0);
        assert_eq!(recall_at(&ranked, &set(&[]), 10), 0.0);
    }

    #[test]
    fn repeat_and_new_items_are_scored_apart() {
        let mut s = Scores::default();
        // 1 was bought before (repeat, found), 2 is new (missed).
        s.add(&[1, 5], &set(&[1, 2]), &set(&[1, 4]));
        let m = s.summary();
        assert_eq!(m.customers, 1);
        assert!((m.recall_10 - 0.5).abs() < 1e-12);
        assert!((m.repeat_recall_10 - 1.0).abs() < 1e-12);
        assert!(m.new_recall_10.abs() < 1e-12);
    }
}
