//! The `tafeng` and `baskets` modes: a random 80/20 customer split per seed (last basket of
//! each test customer is the target), every method on the same split, the engine tuned by
//! k-fold validation over the training customers; mean ± sd over seeds, a paired comparison
//! of the engine with TIFU-KNN, and the spread of the chosen weights.

use carnet_reco::basket::Dataset;
use carnet_reco::engine::EngineParams;
use carnet_reco::evaluate::{EvalConfig, METHOD_NAMES, Tuned, evaluate};
use carnet_reco::load;
use carnet_reco::metrics::Summary;
use carnet_reco::split::customer_split;
use serde_json::json;

use crate::Args;

const ENGINE: usize = 4;
const TIFU: usize = 2;

/// Mean and sample standard deviation.
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, var.sqrt())
}

type Metric = (&'static str, fn(&Summary) -> f64);
type Knob = (&'static str, fn(&EngineParams) -> f64);

const METRICS: [Metric; 8] = [
    ("R@10", |s| s.recall_10),
    ("NDCG@10", |s| s.ndcg_10),
    ("NDCGfull@10", |s| s.ndcg_10_full),
    ("R@20", |s| s.recall_20),
    ("NDCG@20", |s| s.ndcg_20),
    ("NDCGfull@20", |s| s.ndcg_20_full),
    ("repR@10", |s| s.repeat_recall_10),
    ("newR@10", |s| s.new_recall_10),
];

fn read(args: &Args) -> Result<Dataset, String> {
    let bytes = std::fs::read(&args.path).map_err(|e| format!("cannot read {}: {e}", args.path))?;
    if args.command == "tafeng" {
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            format!("{}: line {line}: not UTF-8", args.path)
        })?;
        return load::read_tafeng(text).map_err(|e| format!("{}: {e}", args.path));
    }
    let (data, report) = load::read_jsonl(&bytes).map_err(|e| format!("{}: {e}", args.path))?;
    println!(
        "read {} baskets; skipped {} empty basket(s) and {} blank line(s); {} customer(s) without a date on every basket (times are positions)",
        report.baskets, report.empty_baskets, report.blank_lines, report.undated_customers
    );
    Ok(data)
}

/// Runs the evaluation over `args.seeds` seeds.
pub fn run(args: &Args) -> Result<serde_json::Value, String> {
    let data = read(args)?;
    let time_scale = crate::median_gap(data.customers.iter().map(|c| c.baskets.as_slice()));
    let short = data
        .customers
        .iter()
        .filter(|c| c.baskets.len() < 2)
        .count();
    let name = std::path::Path::new(&args.path)
        .file_name()
        .map_or(args.path.clone(), |n| n.to_string_lossy().into_owned());
    println!(
        "{name}: {} customers ({short} with fewer than 2 baskets, skipped), {} items, {} baskets; time scale (median gap) {time_scale}",
        data.customers.len(),
        data.items.len(),
        data.basket_count(),
    );
    let cfg = EvalConfig::new(time_scale);
    println!(
        "protocol: random 80/20 customer split per seed, last basket = target; engine tuned by {}-fold validation over the training customers (at most {}); TIFU-KNN at its published Ta-Feng setting; {} seed(s)",
        cfg.folds, cfg.max_validation, args.seeds
    );
    let all: Vec<usize> = (0..data.customers.len()).collect();
    let mut per_seed: Vec<Vec<Summary>> = Vec::new();
    let mut tuned: Vec<Tuned> = Vec::new();
    let mut seeds_json = Vec::new();
    for seed in 0..args.seeds {
        let started = std::time::Instant::now();
        let task = customer_split(&data, &all, 0.2, seed);
        let (rows, t) = evaluate(&task, data.items.len(), &cfg, seed);
        println!(
            "seed {seed:>2}: {} train / {} test, {:>5.1} s | engine R@10 {:.4} NDCG@10 {:.4} | TIFU-KNN {:.4} {:.4} | {}",
            task.train.len(),
            task.cases.len(),
            started.elapsed().as_secs_f64(),
            rows[ENGINE].recall_10,
            rows[ENGINE].ndcg_10,
            rows[TIFU].recall_10,
            rows[TIFU].ndcg_10,
            short_params(&t.params, time_scale)
        );
        seeds_json.push(json!({
            "seed": seed,
            "engine_params": params_json(&t.params),
            "validation_objective": t.objective,
            "validation_customers": t.validation_customers,
            "methods": named(&rows),
        }));
        per_seed.push(rows);
        tuned.push(t);
    }

    println!("\nmean ± sd over {} seed(s):", args.seeds);
    print!("{:<16}", "method");
    for (m, _) in METRICS {
        print!(" {m:>16}");
    }
    println!();
    let mut summary_json = Vec::new();
    for (k, name) in METHOD_NAMES.iter().enumerate() {
        print!("{name:<16}");
        let mut row = serde_json::Map::new();
        for (m, f) in METRICS {
            let v: Vec<f64> = per_seed.iter().map(|r| f(&r[k])).collect();
            let (mean, sd) = mean_sd(&v);
            print!(" {mean:>9.4} ± {sd:.4}");
            row.insert(m.into(), json!({"mean": mean, "sd": sd}));
        }
        println!();
        summary_json.push(json!({"method": name, "scores": row}));
    }

    println!("\npaired, Carnet engine − TIFU-KNN per seed (same split):");
    let mut paired_json = serde_json::Map::new();
    for (m, f) in &METRICS[..3] {
        let diffs: Vec<f64> = per_seed
            .iter()
            .map(|r| f(&r[ENGINE]) - f(&r[TIFU]))
            .collect();
        let base = mean_sd(&per_seed.iter().map(|r| f(&r[TIFU])).collect::<Vec<_>>()).0;
        let (d, sd) = mean_sd(&diffs);
        let wins = diffs.iter().filter(|&&x| x > 0.0).count();
        println!(
            "  {m:<12} {d:+.4} ± {sd:.4}  ({:+.2} % relative)  engine ahead on {wins} of {} seeds",
            100.0 * d / base,
            diffs.len()
        );
        paired_json.insert(
            (*m).into(),
            json!({"mean_diff": d, "sd": sd, "relative": d / base, "wins": wins, "seeds": diffs.len(), "per_seed": diffs}),
        );
    }

    println!("\nchosen engine weights across seeds (min / median / max):");
    let knobs: [Knob; 6] = [
        ("repeat_half_life", |p| p.repeat_half_life),
        ("repeat_prior", |p| p.repeat_prior),
        ("due_weight", |p| p.due_weight),
        ("seed_half_life", |p| p.seed_half_life),
        ("neighbour_weight", |p| p.neighbour_weight),
        ("popularity_weight", |p| p.popularity_weight),
    ];
    let mut spread_json = serde_json::Map::new();
    for (name, f) in knobs {
        let mut v: Vec<f64> = tuned.iter().map(|t| f(&t.params)).collect();
        v.sort_by(f64::total_cmp);
        let med = v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
        println!(
            "  {name:<18} {:>8.3} / {med:>8.3} / {:>8.3}   all: {:?}",
            v.first().copied().unwrap_or(f64::NAN),
            v.last().copied().unwrap_or(f64::NAN),
            tuned.iter().map(|t| f(&t.params)).collect::<Vec<_>>()
        );
        spread_json.insert(
            name.into(),
            json!(tuned.iter().map(|t| f(&t.params)).collect::<Vec<_>>()),
        );
    }
    Ok(json!({
        "dataset": name,
        "protocol": "random 80/20 customer split per seed; last basket of each test customer is the target; engine tuned by k-fold validation over training customers",
        "seeds": seeds_json,
        "mean_sd": summary_json,
        "paired_engine_minus_tifu": paired_json,
        "chosen_params": spread_json,
    }))
}

fn short_params(p: &EngineParams, ts: f64) -> String {
    format!(
        "h_r {:.3}, κ {}, due {}, h_s {:.3}, w_n {}, w_p {}",
        p.repeat_half_life / ts,
        p.repeat_prior,
        p.due_weight,
        p.seed_half_life / ts,
        p.neighbour_weight,
        p.popularity_weight
    )
}

fn params_json(p: &EngineParams) -> serde_json::Value {
    serde_json::to_value(p).unwrap_or_default()
}

fn named(rows: &[Summary]) -> serde_json::Value {
    METHOD_NAMES
        .iter()
        .zip(rows)
        .map(|(n, s)| json!({"method": n, "scores": s}))
        .collect()
}
