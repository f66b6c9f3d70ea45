//! The offline evaluation: fits every method on a task's training histories, ranks each
//! evaluated customer's next basket, and tunes the engine on a validation split carved from
//! the training customers only.

use std::collections::HashSet;

use crate::baselines::{GTopFreq, GpTopFreq, best_sellers};
use crate::basket::Basket;
use crate::engine::{Engine, EngineParams, popularity};
use crate::itemknn::{ItemKnn, NeighbourConfig, build_neighbours};
use crate::metrics::{Scores, Summary};
use crate::split::{Case, SplitMix64, Task};
use crate::tifu::{Tifu, TifuParams};

/// How the methods are configured for one dataset.
#[derive(Debug, Clone, Copy)]
pub struct EvalConfig {
    /// TIFU-KNN's parameters.
    pub tifu: TifuParams,
    /// The item-item model's build.
    pub neighbours: NeighbourConfig,
    /// Typical time between two baskets (1 when times are positions); scales the engine's
    /// half-lives in tuning.
    pub time_scale: f64,
    /// Tune the engine on a validation split of the training customers.
    pub tune: bool,
}

/// The fitted methods.
#[derive(Debug, Clone)]
pub struct Methods {
    /// Global best-sellers.
    pub g_top: GTopFreq,
    /// Own favourites then best-sellers.
    pub gp_top: GpTopFreq,
    /// TIFU-KNN.
    pub tifu: Tifu,
    /// Plain item-kNN.
    pub item_knn: ItemKnn,
    /// Carnet's engine.
    pub engine: Engine,
}

/// Method names, in print order.
pub const METHOD_NAMES: [&str; 5] = [
    "G-TopFreq",
    "GP-TopFreq",
    "TIFU-KNN",
    "item-kNN",
    "Carnet engine",
];

impl Methods {
    /// Fits every method on `train`.
    pub fn fit(
        train: &[Vec<Basket>],
        n_items: usize,
        cfg: &EvalConfig,
        params: EngineParams,
    ) -> Self {
        let ranked = best_sellers(train, n_items);
        let neighbours = build_neighbours(train, n_items, &cfg.neighbours);
        let (pop, popular) =
            popularity(train, n_items, cfg.neighbours.half_life, cfg.neighbours.now);
        Self {
            g_top: GTopFreq {
                ranked: ranked.clone(),
            },
            gp_top: GpTopFreq {
                ranked: ranked.clone(),
            },
            tifu: Tifu::fit(train, n_items, cfg.tifu, ranked.clone()),
            item_knn: ItemKnn {
                neighbours: neighbours.clone(),
                half_life: Some(cfg.time_scale * 4.0),
                fallback: ranked,
            },
            engine: Engine {
                neighbours,
                popularity: pop,
                popular,
                params,
            },
        }
    }

    /// The top `k` of method `m` (an index into [`METHOD_NAMES`]) for a case.
    pub fn recommend(&self, m: usize, case: &Case, k: usize) -> Vec<u32> {
        match m {
            0 => self.g_top.recommend(k),
            1 => self.gp_top.recommend(&case.history, k),
            2 => self.tifu.recommend(&case.history, k),
            3 => self.item_knn.recommend(&case.history, k),
            _ => self.engine.recommend(&case.history, case.now, k),
        }
    }
}

/// Scores a ranking function over cases at K = 10 and 20.
pub fn score_cases(cases: &[Case], mut rank: impl FnMut(&Case) -> Vec<u32>) -> Summary {
    let mut s = Scores::default();
    for case in cases {
        let target: HashSet<u32> = case.target.items.iter().copied().collect();
        let seen: HashSet<u32> = case
            .history
            .iter()
            .flat_map(|b| b.items.iter().copied())
            .collect();
        s.add(&rank(case), &target, &seen);
    }
    s.summary()
}

/// Fits and scores every method on a task; the engine is tuned first when asked.
pub fn evaluate(
    task: &Task,
    n_items: usize,
    cfg: &EvalConfig,
    seed: u64,
) -> (Vec<Summary>, EngineParams) {
    let params = if cfg.tune {
        tune_engine(&task.train, n_items, cfg, seed)
    } else {
        EngineParams::default()
    };
    let methods = Methods::fit(&task.train, n_items, cfg, params);
    let out = (0..METHOD_NAMES.len())
        .map(|m| score_cases(&task.cases, |c| methods.recommend(m, c, 20)))
        .collect();
    (out, params)
}

/// Tunes the engine's weights by coordinate search on a validation split of the training
/// customers (20 % of them, last basket as target, models built on the other 80 %); the
/// evaluated customers are never looked at. The objective is Recall@10 + NDCG@10.
pub fn tune_engine(
    train: &[Vec<Basket>],
    n_items: usize,
    cfg: &EvalConfig,
    seed: u64,
) -> EngineParams {
    let mut order: Vec<usize> = (0..train.len()).filter(|&c| train[c].len() >= 2).collect();
    SplitMix64::new(seed ^ 0x7A11_DA7E).shuffle(&mut order);
    let n_val = order.len() / 5;
    let val: HashSet<usize> = order[..n_val].iter().copied().collect();
    let sub_train: Vec<Vec<Basket>> = (0..train.len())
        .filter(|c| !val.contains(c))
        .map(|c| train[c].clone())
        .collect();
    let cases: Vec<Case> = order[..n_val]
        .iter()
        .filter_map(|&c| {
            let (target, history) = train[c].split_last()?;
            Some(Case {
                customer: c,
                history: history.to_vec(),
                now: target.time,
                target: target.clone(),
            })
        })
        .collect();
    let neighbours = build_neighbours(&sub_train, n_items, &cfg.neighbours);
    let (pop, popular) = popularity(
        &sub_train,
        n_items,
        cfg.neighbours.half_life,
        cfg.neighbours.now,
    );
    let mut engine = Engine {
        neighbours,
        popularity: pop,
        popular,
        params: EngineParams::default(),
    };
    let objective = |e: &Engine, p: EngineParams| {
        let s = score_cases(&cases, |c| e.recommend_with(&p, &c.history, c.now, 10));
        s.recall_10 + s.ndcg_10
    };
    let ts = cfg.time_scale;
    let mut best = objective(&engine, engine.params);
    for _pass in 0..2 {
        let mut improved = false;
        for knob in 0..4 {
            let grid: Vec<f64> = match knob {
                0 => [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0]
                    .iter()
                    .map(|x| x * ts)
                    .collect(),
                1 => [0.5, 1.0, 2.0, 4.0, 8.0, 32.0]
                    .iter()
                    .map(|x| x * ts)
                    .collect(),
                2 => vec![0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0],
                _ => vec![0.0, 0.01, 0.03, 0.1, 0.3, 1.0],
            };
            for v in grid {
                let mut p = engine.params;
                match knob {
                    0 => p.repeat_half_life = v,
                    1 => p.seed_half_life = v,
                    2 => p.neighbour_weight = v,
                    _ => p.popularity_weight = v,
                }
                if p == engine.params {
                    continue;
                }
                let o = objective(&engine, p);
                if o > best + 1e-9 {
                    best = o;
                    engine.params = p;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    engine.params
}
