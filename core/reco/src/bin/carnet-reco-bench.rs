//! `carnet-reco-bench`: builds a model on synthetic data with a 20,000-product catalogue and
//! prints the model build time (with its parts, measured inside the one build), the artifact
//! size, and p50/p99 of the device calls for one customer (playlist with feedback, re-purchase
//! list, visit forecast with its value band), inputs and results passed through `black_box`.
//!
//! ```text
//! carnet-reco-bench [--products 20000] [--customers 40000] [--requests 2000]
//! ```

use std::hint::black_box;
use std::time::Instant;

use carnet_reco::basket::date_of_day;
use carnet_reco::split::SplitMix64;
use carnet_reco::{
    BuildConfig, CatalogItem, Feedback, FeedbackKind, HistoryLine, Model, PlaylistContext, Rule,
    RuleAction, RuleTarget, TrainingCustomer, due_list, playlist, visit_forecast,
};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(0.0)
}

/// A catalogue of `n` products in lines of 20 (one brand and category per line), 2 of 40
/// categories sensitive, a third replenishable.
fn catalogue(n: usize) -> Vec<CatalogItem> {
    (0..n)
        .map(|i| {
            let line = i / 20;
            let cat = line % 40;
            CatalogItem {
                id: format!("P{i:06}"),
                brand: format!("B{:03}", line % 200),
                category: format!("c{}.sub{}", cat / 8, cat),
                sensitive: cat >= 38,
                replenishable: i % 3 == 0,
                cycle_days: (i % 3 == 0).then_some(30 + (i % 7) as u32 * 15),
            }
        })
        .collect()
}

/// Customers with 2–30 visits over two years, buying mostly in 3 favourite product lines
/// and otherwise from a skewed popular head; a few gift lines.
fn customers(rng: &mut SplitMix64, n: usize, products: usize) -> Vec<TrainingCustomer> {
    let lines = products / 20;
    let start = carnet_reco::basket::day_number(
        chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
    );
    (0..n)
        .map(|c| {
            let favourites: Vec<usize> = (0..3).map(|_| rng.below(lines)).collect();
            let visits = 2 + rng.below(29);
            let mut out = Vec::new();
            let mut day = start + rng.below(200) as i32;
            for _ in 0..visits {
                day += 5 + rng.below(50) as i32;
                for _ in 0..1 + rng.below(4) {
                    let p = if rng.below(10) < 8 {
                        favourites[rng.below(3)] * 20 + rng.below(20)
                    } else {
                        // Popular head: squared uniform skews toward low indices.
                        let u = rng.below(1_000_000) as f64 / 1e6;
                        ((u * u) * products as f64) as usize
                    };
                    out.push(HistoryLine {
                        product_id: format!("P{:06}", p.min(products - 1)),
                        date: date_of_day(day),
                        quantity: 1,
                        amount_cents: 500 + rng.below(6_000) as i64,
                        gift: rng.below(40) == 0,
                    });
                }
            }
            TrainingCustomer {
                segment: format!("seg{}", c % 6),
                lines: out,
            }
        })
        .collect()
}

fn main() {
    let n_products = arg("--products", 20_000);
    let n_customers = arg("--customers", 40_000);
    let requests = arg("--requests", 2_000);
    let mut rng = SplitMix64::new(7);
    let catalog = catalogue(n_products);
    let people = customers(&mut rng, n_customers, n_products);
    let n_lines: usize = people.iter().map(|c| c.lines.len()).sum();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();

    let (model, timings) = Model::build_timed(&catalog, &people, &BuildConfig::new(today));
    let t = Instant::now();
    let bytes = black_box(model.to_bytes());
    let write_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let model = match Model::from_bytes(black_box(&bytes)) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("carnet-reco-bench: artifact does not read back: {e}");
            std::process::exit(1);
        }
    };
    let read_ms = t.elapsed().as_secs_f64() * 1e3;

    let mut ctx = PlaylistContext::new(today);
    ctx.market = Some("IT".into());
    ctx.rules = vec![
        Rule {
            market: Some("IT".into()),
            segment: None,
            target: RuleTarget::Category("c1".into()),
            action: RuleAction::Boost(1.3),
        },
        Rule {
            market: None,
            segment: Some("seg2".into()),
            target: RuleTarget::Brand("B007".into()),
            action: RuleAction::Demote(0.5),
        },
    ];
    let (mut t_playlist, mut t_due, mut t_visit) = (Vec::new(), Vec::new(), Vec::new());
    let mut longest = 0;
    for r in 0..requests {
        let who = &people[rng.below(people.len())];
        longest = longest.max(who.lines.len());
        ctx.segment = Some(who.segment.clone());
        let first = playlist(&model, &who.lines, &[], &ctx, 20);
        let feedback: Vec<Feedback> = first
            .iter()
            .take(3)
            .enumerate()
            .map(|(k, s)| Feedback {
                product_id: s.product_id.clone(),
                kind: if k == 0 {
                    FeedbackKind::Like
                } else {
                    FeedbackKind::Dislike
                },
            })
            .collect();
        // Inputs and outputs go through black_box so that nothing is computed ahead of the
        // clock or dropped as unused.
        let t = Instant::now();
        let list = black_box(playlist(
            black_box(&model),
            black_box(&who.lines),
            black_box(&feedback),
            black_box(&ctx),
            20,
        ));
        t_playlist.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let due = black_box(due_list(
            black_box(&model),
            black_box(&who.lines),
            today,
            30,
        ));
        t_due.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let visit = black_box(visit_forecast(
            black_box(&model),
            black_box(&who.lines),
            ctx.segment.as_deref(),
            today,
        ));
        t_visit.push(t.elapsed().as_secs_f64() * 1e3);
        if r == 0 {
            println!(
                "example: {} suggestions, {} due, forecast {visit:?}",
                list.len(),
                due.len()
            );
        }
    }
    println!(
        "synthetic data: {n_products} products, {n_customers} customers, {n_lines} purchase lines, {} neighbour entries",
        model.neighbours.items.len()
    );
    println!(
        "model build: {:.2} s (neighbours {:.2} s, popularity {:.2} s, repeat rates and cadence {:.2} s, visit and spend fits {:.2} s); artifact {:.2} MB ({} bytes), write {write_ms:.1} ms, read {read_ms:.1} ms",
        timings.total_s,
        timings.neighbours_s,
        timings.popularity_s,
        timings.repeats_s,
        timings.visits_s,
        bytes.len() as f64 / 1e6,
        bytes.len()
    );
    println!("per customer ({requests} requests, longest history {longest} lines), milliseconds:");
    for (name, v) in [
        ("playlist with feedback", &mut t_playlist),
        ("re-purchase list", &mut t_due),
        ("visit forecast", &mut t_visit),
    ] {
        println!(
            "  {name:<24} p50 {:.3}  p99 {:.3}  max {:.3}",
            percentile(v, 0.5),
            percentile(v, 0.99),
            percentile(v, 1.0)
        );
    }
}
