//! The offline evaluation: fits every method on a task's training histories, ranks each
//! evaluated customer's next basket, and tunes the engine by k-fold validation over the
//! training customers only (the evaluated customers never take part in it).

use std::collections::HashSet;

use crate::baselines::{GTopFreq, GpTopFreq, best_sellers};
use crate::basket::Basket;
use crate::engine::{Engine, EngineParams, popularity};
use crate::itemknn::{ItemKnn, NeighbourConfig, build_neighbours};
use crate::metrics::{Scores, Summary};
use crate::repeats::RepeatStats;
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
    /// Tune the engine by k-fold validation over the training customers.
    pub tune: bool,
    /// Folds of that validation.
    pub folds: usize,
    /// At most this many validation customers over all folds (a random subset beyond it).
    pub max_validation: usize,
}

impl EvalConfig {
    /// TIFU-KNN at its published Ta-Feng setting, the default item-item build, engine tuned
    /// by 5-fold validation on at most 4,000 training customers.
    pub fn new(time_scale: f64) -> Self {
        Self {
            tifu: TifuParams::TAFENG,
            neighbours: NeighbourConfig::default(),
            time_scale,
            tune: true,
            folds: 5,
            max_validation: 4_000,
        }
    }
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
        let engine = fit_engine(train, n_items, cfg, params);
        Self {
            g_top: GTopFreq {
                ranked: ranked.clone(),
            },
            gp_top: GpTopFreq {
                ranked: ranked.clone(),
            },
            tifu: Tifu::fit(train, n_items, cfg.tifu, ranked.clone()),
            item_knn: ItemKnn {
                neighbours: engine.neighbours.clone(),
                half_life: Some(cfg.time_scale * 4.0),
                fallback: ranked,
            },
            engine,
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

/// The engine fitted on `train`: item neighbours, popularity, repeat statistics.
pub fn fit_engine(
    train: &[Vec<Basket>],
    n_items: usize,
    cfg: &EvalConfig,
    params: EngineParams,
) -> Engine {
    let neighbours = build_neighbours(train, n_items, &cfg.neighbours);
    let (pop, popular) = popularity(train, n_items, cfg.neighbours.half_life, cfg.neighbours.now);
    Engine {
        neighbours,
        popularity: pop,
        popular,
        repeats: RepeatStats::learn(train.iter().map(Vec::as_slice), n_items),
        params,
    }
}

/// The outcome of tuning: the chosen weights and their validation objective.
#[derive(Debug, Clone, Copy)]
pub struct Tuned {
    /// Chosen weights.
    pub params: EngineParams,
    /// Mean Recall@10 + NDCG@10 over the validation customers at those weights.
    pub objective: f64,
    /// Validation customers over all folds.
    pub validation_customers: usize,
}

/// Fits and scores every method on a task; the engine is tuned first when asked.
pub fn evaluate(task: &Task, n_items: usize, cfg: &EvalConfig, seed: u64) -> (Vec<Summary>, Tuned) {
    let tuned = if cfg.tune {
        tune_engine(&task.train, n_items, cfg, seed)
    } else {
        Tuned {
            params: EngineParams::default(),
            objective: f64::NAN,
            validation_customers: 0,
        }
    };
    let methods = Methods::fit(&task.train, n_items, cfg, tuned.params);
    let out = (0..METHOD_NAMES.len())
        .map(|m| score_cases(&task.cases, |c| methods.recommend(m, c, 20)))
        .collect();
    (out, tuned)
}

/// One knob of the coordinate search and its grid (half-lives in units of the time scale).
const KNOBS: [(&str, &[f64]); 6] = [
    (
        "repeat_half_life",
        &[0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 4096.0],
    ),
    (
        "repeat_prior",
        &[0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0],
    ),
    ("due_weight", &[0.0, 0.5, 1.0, 1.5]),
    ("seed_half_life", &[0.5, 1.0, 2.0, 4.0, 8.0, 32.0, 256.0]),
    ("neighbour_weight", &[0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0]),
    ("popularity_weight", &[0.0, 0.01, 0.03, 0.1, 0.3, 1.0]),
];

fn set_knob(p: &mut EngineParams, knob: usize, v: f64, ts: f64) {
    match knob {
        0 => p.repeat_half_life = v * ts,
        1 => p.repeat_prior = v,
        2 => p.due_weight = v,
        3 => p.seed_half_life = v * ts,
        4 => p.neighbour_weight = v,
        _ => p.popularity_weight = v,
    }
}

/// The starting point of tuning: the defaults with half-lives in the data's time scale.
pub fn start_params(ts: f64) -> EngineParams {
    let d = EngineParams::default();
    EngineParams {
        repeat_half_life: d.repeat_half_life * ts,
        seed_half_life: d.seed_half_life * ts,
        ..d
    }
}

/// Tunes the engine's weights by coordinate search, scored by k-fold validation over the
/// training customers: the customers with two baskets or more are dealt into `cfg.folds`
/// folds (at most `cfg.max_validation` of them in all); for each fold the models are built
/// on every other training customer and the fold's customers are ranked on their last
/// basket from the earlier ones. The objective is mean Recall@10 + NDCG@10 over all folds.
/// The evaluated customers are never looked at.
pub fn tune_engine(train: &[Vec<Basket>], n_items: usize, cfg: &EvalConfig, seed: u64) -> Tuned {
    let mut order: Vec<usize> = (0..train.len()).filter(|&c| train[c].len() >= 2).collect();
    SplitMix64::new(seed ^ 0x7A11_DA7E).shuffle(&mut order);
    let folds = cfg.folds.max(2);
    let in_validation = order.len().min(cfg.max_validation);
    let fold_of = |pos: usize| pos % folds;
    let mut fold_member = vec![usize::MAX; train.len()];
    for (pos, &c) in order[..in_validation].iter().enumerate() {
        fold_member[c] = fold_of(pos);
    }
    let ts = cfg.time_scale;
    let mut fitted: Vec<(Engine, Vec<Case>)> = Vec::with_capacity(folds);
    for f in 0..folds {
        let rest: Vec<Vec<Basket>> = (0..train.len())
            .filter(|&c| fold_member[c] != f)
            .map(|c| train[c].clone())
            .collect();
        let cases: Vec<Case> = order[..in_validation]
            .iter()
            .enumerate()
            .filter(|&(pos, _)| fold_of(pos) == f)
            .filter_map(|(_, &c)| {
                let (target, history) = train[c].split_last()?;
                Some(Case {
                    customer: c,
                    history: history.to_vec(),
                    now: target.time,
                    target: target.clone(),
                })
            })
            .collect();
        fitted.push((fit_engine(&rest, n_items, cfg, start_params(ts)), cases));
    }
    let objective = |p: &EngineParams| {
        let (mut sum, mut n) = (0.0, 0usize);
        for (engine, cases) in &fitted {
            let s = score_cases(cases, |c| engine.recommend_with(p, &c.history, c.now, 10));
            sum += (s.recall_10 + s.ndcg_10) * s.customers as f64;
            n += s.customers;
        }
        if n == 0 { 0.0 } else { sum / n as f64 }
    };
    let mut params = start_params(ts);
    let mut best = objective(&params);
    for _pass in 0..3 {
        let mut improved = false;
        for (knob, (_, grid)) in KNOBS.iter().enumerate() {
            for &v in *grid {
                let mut p = params;
                set_knob(&mut p, knob, v, ts);
                if p == params {
                    continue;
                }
                let o = objective(&p);
                if o > best + 1e-9 {
                    best = o;
                    params = p;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    Tuned {
        params,
        objective: best,
        validation_customers: in_validation,
    }
}
