//! `carnet-eval`: the offline evaluation of Carnet's recommendation engine against baselines.
//!
//! ```text
//! carnet-eval tafeng PATH [--seeds 10] [--json OUT]
//! carnet-eval baskets PATH.jsonl [--seeds 10] [--json OUT]
//! carnet-eval fixtures DIR [--cutoff YYYY-MM-DD] [--json OUT]
//! carnet-eval bgnbd PATH [--json OUT]
//! carnet-eval repeat-set TAFENG.json OUT.jsonl [--min-repeat 0.8]
//! carnet-eval staples DIR OUT.jsonl
//! ```

use std::process::ExitCode;

use carnet_reco::metrics::Summary;
use chrono::NaiveDate;

mod baskets;
mod fixtures_eval;
mod sets;
mod timing;

/// The command line.
pub struct Args {
    /// The command.
    pub command: String,
    /// Its input.
    pub path: String,
    /// Its output (set builders).
    pub out: Option<String>,
    /// Seeds of the customer split.
    pub seeds: u64,
    /// Where to write the JSON report.
    pub json: Option<String>,
    /// The fixtures' cutoff.
    pub cutoff: Option<NaiveDate>,
    /// Share of repeat items a target basket needs (repeat-set).
    pub min_repeat: f64,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it
        .next()
        .ok_or("missing command (tafeng, baskets, fixtures, bgnbd, repeat-set, staples)")?;
    let path = it.next().ok_or("missing input path")?;
    let mut args = Args {
        out: None,
        command,
        path,
        seeds: 10,
        json: None,
        cutoff: None,
        min_repeat: 0.8,
    };
    if matches!(args.command.as_str(), "repeat-set" | "staples") {
        args.out = Some(it.next().ok_or("missing output path")?);
    }
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seeds" => args.seeds = value.parse().map_err(|_| "--seeds needs a number")?,
            "--json" => args.json = Some(value),
            "--min-repeat" => {
                args.min_repeat = value.parse().map_err(|_| "--min-repeat needs a number")?;
            }
            "--cutoff" => {
                args.cutoff = Some(
                    NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                        .map_err(|_| "--cutoff needs YYYY-MM-DD")?,
                );
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("carnet-eval: {e}");
            eprintln!(
                "usage: carnet-eval (tafeng|baskets|fixtures|bgnbd) PATH [--seeds N] [--json OUT] [--cutoff YYYY-MM-DD]\n       carnet-eval (repeat-set|staples) INPUT OUT.jsonl [--min-repeat 0.8]"
            );
            return ExitCode::from(2);
        }
    };
    let result = match args.command.as_str() {
        "tafeng" | "baskets" => baskets::run(&args),
        "fixtures" => fixtures_eval::run(&args.path, args.cutoff),
        "bgnbd" => timing::run(&args.path),
        "repeat-set" => sets::repeat_set(&args),
        "staples" => sets::staples(&args),
        other => Err(format!("unknown command {other}")),
    };
    match result {
        Ok(report) => {
            if let Some(out) = &args.json {
                let text = serde_json::to_string_pretty(&report).unwrap_or_default();
                if let Err(e) = std::fs::write(out, text + "\n") {
                    eprintln!("carnet-eval: cannot write {out}: {e}");
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("carnet-eval: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the side-by-side table of methods. "NDCG" divides by the ideal DCG of
/// min(K, |target|) hits (TIFU-KNN's code); "NDCGfull" by that of the whole target.
pub fn print_table(names: &[&str], rows: &[Summary]) {
    println!(
        "{:<30} {:>7} {:>7} {:>9} {:>7} {:>7} {:>9} | {:>8} {:>8}",
        "method",
        "R@10",
        "NDCG@10",
        "NDCGfull10",
        "R@20",
        "NDCG@20",
        "NDCGfull20",
        "repR@10",
        "newR@10"
    );
    for (name, s) in names.iter().zip(rows) {
        println!(
            "{:<30} {:>7.4} {:>7.4} {:>9.4} {:>7.4} {:>7.4} {:>9.4} | {:>8.4} {:>8.4}",
            name,
            s.recall_10,
            s.ndcg_10,
            s.ndcg_10_full,
            s.recall_20,
            s.ndcg_20,
            s.ndcg_20_full,
            s.repeat_recall_10,
            s.new_recall_10,
        );
    }
}

/// Median time between consecutive baskets of a customer (1 when times are positions).
pub fn median_gap<'a>(histories: impl Iterator<Item = &'a [carnet_reco::basket::Basket]>) -> f64 {
    let mut gaps: Vec<f64> = histories
        .flat_map(|h| h.windows(2).map(|w| w[1].time - w[0].time))
        .filter(|g| *g > 0.0)
        .collect();
    if gaps.is_empty() {
        return 1.0;
    }
    gaps.sort_by(f64::total_cmp);
    gaps[gaps.len() / 2]
}
