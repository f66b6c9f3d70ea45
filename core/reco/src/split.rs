//! Evaluation splits: a seeded random customer split and the next-basket cases (history,
//! target) of the published protocol, and a temporal split at a cutoff date.

use crate::basket::{Basket, Dataset};

/// A small deterministic generator (SplitMix64): enough to shuffle customers reproducibly
/// without a dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// One evaluated customer: her input history and the basket to predict.
#[derive(Debug, Clone)]
pub struct Case {
    /// Index of the customer in the dataset.
    pub customer: usize,
    /// Baskets the recommender may see, oldest first.
    pub history: Vec<Basket>,
    /// The basket to predict.
    pub target: Basket,
    /// When the recommendation is made: the target basket's time (the day she visits).
    pub now: f64,
}

/// What a method is fitted on and evaluated with.
#[derive(Debug, Clone)]
pub struct Task {
    /// Histories the models are built from.
    pub train: Vec<Vec<Basket>>,
    /// Customer index of each training history (for segments).
    pub train_customers: Vec<usize>,
    /// Evaluated customers.
    pub cases: Vec<Case>,
}

/// Splits customers at random (fraction `test` evaluated) with the next-basket protocol:
/// training customers' full histories build the models; each test customer's last basket is
/// the target and the earlier ones the input. Customers with fewer than two baskets are
/// skipped.
pub fn customer_split(data: &Dataset, customers: &[usize], test: f64, seed: u64) -> Task {
    let mut order: Vec<usize> = customers
        .iter()
        .copied()
        .filter(|&c| data.customers[c].baskets.len() >= 2)
        .collect();
    SplitMix64::new(seed).shuffle(&mut order);
    let n_test = (order.len() as f64 * test).round() as usize;
    let (test_ids, train_ids) = order.split_at(n_test);
    let mut train_ids = train_ids.to_vec();
    train_ids.sort_unstable();
    let mut test_ids = test_ids.to_vec();
    test_ids.sort_unstable();
    Task {
        train: train_ids
            .iter()
            .map(|&c| data.customers[c].baskets.clone())
            .collect(),
        train_customers: train_ids,
        cases: test_ids
            .iter()
            .filter_map(|&c| {
                let b = &data.customers[c].baskets;
                let (target, history) = b.split_last()?;
                Some(Case {
                    customer: c,
                    history: history.to_vec(),
                    now: target.time,
                    target: target.clone(),
                })
            })
            .collect(),
    }
}

/// Temporal split at `cutoff` (a basket time): models are built on every basket before the
/// cutoff; each customer with a basket before and one at or after it is evaluated on her
/// first basket at or after it.
pub fn temporal_split(data: &Dataset, cutoff: f64) -> Task {
    let mut task = Task {
        train: Vec::new(),
        train_customers: Vec::new(),
        cases: Vec::new(),
    };
    for (c, h) in data.customers.iter().enumerate() {
        let before: Vec<Basket> = h
            .baskets
            .iter()
            .filter(|b| b.time < cutoff)
            .cloned()
            .collect();
        if before.is_empty() {
            continue;
        }
        if let Some(target) = h.baskets.iter().find(|b| b.time >= cutoff) {
            task.cases.push(Case {
                customer: c,
                history: before.clone(),
                now: target.time,
                target: target.clone(),
            });
        }
        task.train.push(before);
        task.train_customers.push(c);
    }
    task
}
