//! Carnet's scorer: a customer's own repeat signal (her decayed share of baskets holding an
//! item, shrunk toward the item's repeat rate and lifted or lowered by how due it is), votes of
//! her recent items' top-k neighbours, and a popularity prior. It touches only her history
//! items' neighbour rows and a short popular list, never the whole catalogue.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::basket::Basket;
use crate::itemknn::{Neighbours, decay};
use crate::rank::{fill, top_k};
use crate::repeats::RepeatStats;

/// Weights of the scorer; tuned offline, shipped in the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EngineParams {
    /// Half-life of a past purchase in the repeat score (basket-time units).
    pub repeat_half_life: f64,
    /// Weight of the repeat score.
    pub repeat_weight: f64,
    /// Pseudo-baskets of the item's repeat rate added to her own (decayed) baskets: her
    /// estimated chance of buying the item again leans on what every customer does with it
    /// while her own history is short.
    pub repeat_prior: f64,
    /// Exponent of the due lift (0: time since her last purchase is ignored).
    pub due_weight: f64,
    /// Half-life of a past purchase as a neighbour seed.
    pub seed_half_life: f64,
    /// Weight of the neighbour score.
    pub neighbour_weight: f64,
    /// Weight of the popularity prior.
    pub popularity_weight: f64,
    /// At most this many history items seed neighbours (the strongest ones).
    pub max_seeds: usize,
    /// Popular items added as candidates.
    pub popular_candidates: usize,
    /// A liked item seeds neighbours with this share of the strongest seed's weight, and is
    /// itself raised by this times the repeat weight.
    pub like_weight: f64,
    /// A disliked item's neighbour with similarity s keeps (1 − dislike_damp · s) of its score.
    pub dislike_damp: f64,
}

impl Default for EngineParams {
    fn default() -> Self {
        Self {
            repeat_half_life: 4.0,
            repeat_weight: 1.0,
            repeat_prior: 1.0,
            due_weight: 1.0,
            seed_half_life: 2.0,
            neighbour_weight: 0.5,
            popularity_weight: 0.1,
            max_seeds: 40,
            popular_candidates: 100,
            like_weight: 1.0,
            dislike_damp: 0.8,
        }
    }
}

/// Where a seed comes from: the customer's own purchases or the advisor's like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOrigin {
    /// She bought it (non-gift).
    Bought,
    /// The advisor marked it as liked.
    Liked,
}

/// One item of the customer's profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seed {
    /// Item index.
    pub item: u32,
    /// Repeat score: her estimated chance of buying the item again in her next basket.
    pub repeat: f64,
    /// Weight as a neighbour seed (decayed frequency).
    pub seed: f64,
    /// Time of her latest purchase of it.
    pub last_time: f64,
    /// Bought or liked.
    pub origin: SeedOrigin,
}

/// A scored candidate with the parts of its score, for reasons and re-ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Item index.
    pub item: u32,
    /// Repeat part (0 if she never bought it).
    pub repeat: f64,
    /// Neighbour part.
    pub neighbour: f64,
    /// Popularity part.
    pub popularity: f64,
    /// The seed that contributed most to the neighbour part, and its contribution.
    pub via: Option<(u32, f64)>,
    /// Total.
    pub score: f64,
}

/// The profile of a history observed at time `now`: one seed per distinct item.
///
/// Repeat score of item i: (Σ_{baskets holding i} w + κ · rate(i)) / (Σ_{all baskets} w + κ),
/// with w = 2^(−age / h_r) and κ = `repeat_prior` — her decayed share of baskets holding it,
/// shrunk toward the item's repeat rate (a beta-binomial estimate of her per-basket chance);
/// then times lift(time since her last purchase / its cycle)^`due_weight`, its cycle being the
/// item's own shrunk toward hers (two of the item's for one of hers).
pub fn profile(history: &[Basket], now: f64, p: &EngineParams, stats: &RepeatStats) -> Vec<Seed> {
    let mut seeds: Vec<Seed> = Vec::new();
    let mut slot: HashMap<u32, usize> = HashMap::new();
    // Per seed: sum and count of her own intervals between purchases of it.
    let mut own: Vec<(f64, f64)> = Vec::new();
    let mut total = 0.0;
    for b in history {
        let age = now - b.time;
        let wr = decay(age, Some(p.repeat_half_life));
        let ws = decay(age, Some(p.seed_half_life));
        total += wr;
        for &i in &b.items {
            let k = *slot.entry(i).or_insert_with(|| {
                seeds.push(Seed {
                    item: i,
                    repeat: 0.0,
                    seed: 0.0,
                    last_time: b.time,
                    origin: SeedOrigin::Bought,
                });
                own.push((0.0, 0.0));
                seeds.len() - 1
            });
            let s = &mut seeds[k];
            s.repeat += wr;
            s.seed += ws;
            if b.time > s.last_time {
                own[k].0 += b.time - s.last_time;
                own[k].1 += 1.0;
                s.last_time = b.time;
            }
        }
    }
    let kappa = p.repeat_prior.max(0.0);
    for (s, &(sum, n)) in seeds.iter_mut().zip(&own) {
        let rate = stats.rate_of(s.item);
        let prior = if stats.rate.is_empty() { 0.0 } else { rate };
        let denominator = total + kappa;
        s.repeat = if denominator > 0.0 {
            (s.repeat + kappa * prior) / denominator
        } else {
            0.0
        };
        if p.due_weight != 0.0 && !stats.rate.is_empty() {
            let cycle = (2.0 * stats.cycle_of(s.item) + sum) / (2.0 + n);
            let lift = stats.lift_at((now - s.last_time) / cycle.max(1e-9));
            s.repeat *= lift.powf(p.due_weight);
        }
    }
    seeds
}

/// Scores the candidates reachable from `seeds`: the seeds themselves, their neighbours and
/// the first `popular_candidates` of `popular`. `popularity` gives an item's prior, at most 1.
pub fn score(
    neighbours: &Neighbours,
    popularity: &dyn Fn(u32) -> f32,
    popular: &[u32],
    seeds: &[Seed],
    p: &EngineParams,
) -> HashMap<u32, Candidate> {
    let mut out: HashMap<u32, Candidate> =
        HashMap::with_capacity(seeds.len() * 8 + p.popular_candidates);
    let blank = |item: u32| Candidate {
        item,
        repeat: 0.0,
        neighbour: 0.0,
        popularity: 0.0,
        via: None,
        score: 0.0,
    };
    for s in seeds {
        out.entry(s.item).or_insert_with(|| blank(s.item)).repeat += s.repeat;
    }
    let mut strongest: Vec<&Seed> = seeds.iter().filter(|s| s.seed > 0.0).collect();
    strongest.sort_by(|a, b| b.seed.total_cmp(&a.seed).then(a.item.cmp(&b.item)));
    strongest.truncate(p.max_seeds);
    let seed_total: f64 = strongest.iter().map(|s| s.seed).sum();
    if seed_total > 0.0 {
        for s in strongest {
            let w = s.seed / seed_total;
            let (items, sims) = neighbours.of(s.item);
            for (&i, &sim) in items.iter().zip(sims) {
                let c = out.entry(i).or_insert_with(|| blank(i));
                let v = w * f64::from(sim);
                c.neighbour += v;
                if c.via.is_none_or(|(_, best)| v > best) {
                    c.via = Some((s.item, v));
                }
            }
        }
    }
    for &i in popular.iter().take(p.popular_candidates) {
        out.entry(i).or_insert_with(|| blank(i));
    }
    for c in out.values_mut() {
        c.popularity = f64::from(popularity(c.item));
        c.score = p.repeat_weight * c.repeat
            + p.neighbour_weight * c.neighbour
            + p.popularity_weight * c.popularity;
    }
    out
}

/// Popularity per item: decayed number of customers who bought it, scaled to a maximum of 1;
/// and the items ranked by it.
pub fn popularity(
    train: &[Vec<Basket>],
    n_items: usize,
    half_life: Option<f64>,
    now: Option<f64>,
) -> (Vec<f32>, Vec<u32>) {
    let weights = crate::itemknn::customer_item_weights(train, half_life, now);
    let mut pop = vec![0.0f64; n_items];
    for items in &weights {
        for &(i, w) in items {
            if let Some(p) = pop.get_mut(i as usize) {
                *p += w;
            }
        }
    }
    let max = pop.iter().copied().fold(0.0, f64::max);
    let pop: Vec<f32> = pop
        .iter()
        .map(|&x| if max > 0.0 { (x / max) as f32 } else { 0.0 })
        .collect();
    let mut ranked: Vec<(u32, f32)> = pop
        .iter()
        .enumerate()
        .filter(|(_, x)| **x > 0.0)
        .map(|(i, &x)| (i as u32, x))
        .collect();
    let n = ranked.len();
    let ranked = top_k(&mut ranked, n).iter().map(|&(i, _)| i).collect();
    (pop, ranked)
}

/// The engine as an offline recommender over item indices.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Item-item model.
    pub neighbours: Neighbours,
    /// Popularity per item.
    pub popularity: Vec<f32>,
    /// Items by popularity.
    pub popular: Vec<u32>,
    /// Repeat rates, cycles and due lift.
    pub repeats: RepeatStats,
    /// Weights.
    pub params: EngineParams,
}

impl Engine {
    /// The top `k` items for a history observed at `now`.
    pub fn recommend(&self, history: &[Basket], now: f64, k: usize) -> Vec<u32> {
        self.recommend_with(&self.params, history, now, k)
    }

    /// As [`Engine::recommend`] with other weights (for tuning).
    pub fn recommend_with(
        &self,
        params: &EngineParams,
        history: &[Basket],
        now: f64,
        k: usize,
    ) -> Vec<u32> {
        let seeds = profile(history, now, params, &self.repeats);
        let pop = |i: u32| self.popularity.get(i as usize).copied().unwrap_or(0.0);
        let scored = score(&self.neighbours, &pop, &self.popular, &seeds, params);
        let mut ranked: Vec<(u32, f32)> =
            scored.values().map(|c| (c.item, c.score as f32)).collect();
        let mut out: Vec<u32> = top_k(&mut ranked, k).iter().map(|&(i, _)| i).collect();
        fill(&mut out, &self.popular, k);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_repeat_prior_ranks_a_staple_above_a_one_off_bought_as_often() {
        // Everyone buys item 0 in every basket; item 1 once and never again.
        let train: Vec<Vec<Basket>> = (0..30)
            .map(|c| {
                (0..6)
                    .map(|t| Basket::new(t as f64, if t == c % 6 { vec![0, 1] } else { vec![0] }))
                    .collect()
            })
            .collect();
        let stats = RepeatStats::learn(train.iter().map(Vec::as_slice), 2);
        // She bought both once, in the same basket.
        let history = vec![Basket::new(0.0, [1, 0])];
        let p = EngineParams {
            due_weight: 0.0,
            ..EngineParams::default()
        };
        let seeds = profile(&history, 1.0, &p, &stats);
        let get = |i: u32| seeds.iter().find(|s| s.item == i).unwrap().repeat;
        assert!(get(0) > get(1), "{seeds:?}");
        // Without the prior her own history cannot tell them apart.
        let flat = profile(
            &history,
            1.0,
            &EngineParams {
                repeat_prior: 0.0,
                ..p
            },
            &stats,
        );
        assert_eq!(flat[0].repeat, flat[1].repeat);
    }
}
