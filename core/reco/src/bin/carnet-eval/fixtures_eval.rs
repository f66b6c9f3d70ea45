//! The `fixtures` mode of `carnet-eval`: a temporal split of a Carnet export (models built on
//! everything before the cutoff, target = each customer's first basket after it), gift lines
//! left out; the engine and the device playlist (with and without simulated feedback) against
//! the baselines, the re-purchase date error against the catalogue cycle, and BG/NBD visits.

use std::collections::{HashMap, HashSet};

use carnet_reco::basket::{Basket, Dataset, History, day_number};
use carnet_reco::bgnbd::{BgNbd, Rfm};
use carnet_reco::engine::Engine;
use carnet_reco::evaluate::{EvalConfig, METHOD_NAMES, Methods, score_cases, tune_engine};
use carnet_reco::history::baskets_of;
use carnet_reco::itemknn::NeighbourConfig;
use carnet_reco::load::{FixturesData, read_fixtures};
use carnet_reco::metrics::Summary;
use carnet_reco::model::{spend_summary, visit_summary};
use carnet_reco::repurchase::cycle_estimates;
use carnet_reco::split::{Case, temporal_split};
use carnet_reco::{
    BuildConfig, Feedback, FeedbackKind, HistoryLine, Model, PlaylistContext, TrainingCustomer,
    playlist,
};
use chrono::{Duration, NaiveDate};
use serde_json::json;

/// Runs the fixtures evaluation on an export folder.
pub fn run(dir: &str, cutoff: Option<NaiveDate>) -> Result<serde_json::Value, String> {
    let started = std::time::Instant::now();
    let data = read_fixtures(std::path::Path::new(dir)).map_err(|e| e.to_string())?;
    let cutoff = cutoff.unwrap_or(data.as_of - Duration::days(90));
    let cut = f64::from(day_number(cutoff));
    let before = |l: &&HistoryLine| l.date < cutoff;
    let training: Vec<TrainingCustomer> = data
        .customers
        .iter()
        .map(|c| TrainingCustomer {
            segment: c.segment.clone(),
            lines: c.lines.iter().filter(before).cloned().collect(),
        })
        .collect();

    // The model's vocabulary is the catalogue; every method works on its indices.
    let mut cfg = BuildConfig::new(cutoff);
    let bare = Model::build(&data.catalog, &[], &cfg);
    let dataset = Dataset {
        items: bare.products.clone(),
        customers: data
            .customers
            .iter()
            .map(|c| History {
                customer: c.id.clone(),
                segment: Some(c.segment.clone()),
                baskets: baskets_of(&c.lines, &bare.products),
            })
            .collect(),
    };
    let task = temporal_split(&dataset, cut);
    let n_items = dataset.items.len();
    let eval_cfg = EvalConfig {
        neighbours: NeighbourConfig {
            k: cfg.neighbours_k,
            half_life: Some(cfg.half_life_days),
            now: Some(cut),
            shrink: 1.0,
        },
        ..EvalConfig::new(crate::median_gap(task.train.iter().map(Vec::as_slice)))
    };
    // Tuned on the training histories only: their last pre-cutoff basket is the target.
    cfg.params = tune_engine(&task.train, n_items, &eval_cfg, 0).params;
    let model = Model::build(&data.catalog, &training, &cfg);
    let methods = Methods::fit(&task.train, n_items, &eval_cfg, cfg.params);
    let engine = Engine {
        neighbours: model.neighbours.clone(),
        popularity: model.popularity.clone(),
        popular: model.popular.clone(),
        repeats: model.repeats.clone(),
        params: model.params,
    };

    println!(
        "{dir}: {} products, {} customers; cutoff {cutoff} (as_of {}), {} customers evaluated on their first basket after it; gifts excluded",
        n_items,
        data.customers.len(),
        data.as_of,
        task.cases.len()
    );
    println!(
        "engine weights tuned by 5-fold validation over pre-cutoff histories: {:?}",
        cfg.params
    );

    let mut names: Vec<&str> = METHOD_NAMES[..4].to_vec();
    let mut rows: Vec<Summary> = (0..4)
        .map(|m| score_cases(&task.cases, |c| methods.recommend(m, c, 20)))
        .collect();
    names.push("Carnet engine (model)");
    rows.push(score_cases(&task.cases, |c| {
        engine.recommend(&c.history, c.now, 20)
    }));

    let as_index = |s: &[carnet_reco::Suggestion]| -> Vec<u32> {
        s.iter()
            .filter_map(|x| model.products.get(&x.product_id))
            .collect()
    };
    let ctx_of = |c: &Case| {
        let cust = &data.customers[c.customer];
        let mut ctx = PlaylistContext::new(carnet_reco::basket::date_of_day(c.now as i32));
        ctx.segment = Some(cust.segment.clone());
        ctx.market = Some(cust.market.clone());
        ctx
    };
    let past = |c: &Case| -> Vec<HistoryLine> {
        data.customers[c.customer]
            .lines
            .iter()
            .filter(before)
            .cloned()
            .collect()
    };
    names.push("Carnet playlist (device)");
    rows.push(score_cases(&task.cases, |c| {
        as_index(&playlist(&model, &past(c), &[], &ctx_of(c), 20))
    }));

    // Feedback simulation: the advisor shows the top 10; the customer dislikes up to three
    // shown products she does not buy in the whole evaluation period after the cutoff, and
    // likes the first shown product she does buy in it. The liked product is then removed
    // from the target and from both rankings, so only what the feedback does to the other
    // products is measured.
    let future: Vec<HashSet<u32>> = data
        .customers
        .iter()
        .map(|c| {
            baskets_of(&c.lines, &model.products)
                .iter()
                .filter(|b| b.time >= cut)
                .flat_map(|b| b.items.clone())
                .collect()
        })
        .collect();
    let mut fb_cases: Vec<Case> = Vec::new();
    let mut with_fb: HashMap<usize, Vec<u32>> = HashMap::new();
    let mut without_fb: HashMap<usize, Vec<u32>> = HashMap::new();
    let (mut n_likes, mut n_dislikes) = (0usize, 0usize);
    for c in &task.cases {
        let ctx = ctx_of(c);
        let hist = past(c);
        let first = playlist(&model, &hist, &[], &ctx, 30);
        let shown = &first[..first.len().min(10)];
        let fut = &future[c.customer];
        let mut feedback: Vec<Feedback> = shown
            .iter()
            .filter(|s| {
                model
                    .products
                    .get(&s.product_id)
                    .is_some_and(|i| !fut.contains(&i))
            })
            .take(3)
            .map(|s| Feedback {
                product_id: s.product_id.clone(),
                kind: FeedbackKind::Dislike,
            })
            .collect();
        n_dislikes += feedback.len();
        let liked = shown.iter().find(|s| {
            model
                .products
                .get(&s.product_id)
                .is_some_and(|i| fut.contains(&i))
        });
        let liked_ix = liked.and_then(|s| model.products.get(&s.product_id));
        if let Some(s) = liked {
            n_likes += 1;
            feedback.push(Feedback {
                product_id: s.product_id.clone(),
                kind: FeedbackKind::Like,
            });
        }
        let drop = |v: Vec<u32>| -> Vec<u32> {
            v.into_iter()
                .filter(|i| Some(*i) != liked_ix)
                .take(20)
                .collect()
        };
        let second = playlist(&model, &hist, &feedback, &ctx, 21);
        without_fb.insert(c.customer, drop(as_index(&first)));
        with_fb.insert(c.customer, drop(as_index(&second)));
        let mut case = c.clone();
        case.target = Basket::new(
            c.target.time,
            c.target
                .items
                .iter()
                .copied()
                .filter(|i| Some(*i) != liked_ix),
        );
        if !case.target.items.is_empty() {
            fb_cases.push(case);
        }
    }
    let fb_names = ["playlist, no feedback", "playlist + simulated feedback"];
    let fb_rows = [
        score_cases(&fb_cases, |c| {
            without_fb.get(&c.customer).cloned().unwrap_or_default()
        }),
        score_cases(&fb_cases, |c| {
            with_fb.get(&c.customer).cloned().unwrap_or_default()
        }),
    ];

    println!(
        "\nnext basket after the cutoff ({} customers):",
        task.cases.len()
    );
    crate::print_table(&names, &rows);
    println!(
        "\nfeedback simulation ({} customers; {n_dislikes} dislikes, {n_likes} likes; liked product removed from target and rankings):",
        fb_cases.len()
    );
    crate::print_table(&fb_names, &fb_rows);

    let repurchase = repurchase_mae(&data, &model, cutoff);
    let visits = visit_check(&data, &model, cutoff);
    println!("\n({:.1} s)", started.elapsed().as_secs_f64());
    Ok(json!({
        "dataset": dir,
        "cutoff": cutoff.to_string(),
        "engine_params": format!("{:?}", cfg.params),
        "next_basket": names.iter().zip(&rows).map(|(n, s)| json!({"method": n, "scores": s})).collect::<Vec<_>>(),
        "feedback": fb_names.iter().zip(&fb_rows).map(|(n, s)| json!({"method": n, "scores": s})).collect::<Vec<_>>(),
        "feedback_counts": {"customers": fb_cases.len(), "likes": n_likes, "dislikes": n_dislikes},
        "repurchase": repurchase,
        "visits": visits,
    }))
}

/// Mean absolute error (days) of the next purchase date of replenishable products: for each
/// customer × replenishable product bought before the cutoff and bought again after it, the
/// first purchase after the cutoff against (a) last purchase + catalogue cycle, (b) her own
/// mean interval (catalogue cycle without one), (c) Carnet's shrunk estimate; a predicted
/// date before the cutoff becomes the cutoff for all three (she had not bought it by then).
/// Products not bought again are censored and left out of all three alike.
fn repurchase_mae(data: &FixturesData, model: &Model, cutoff: NaiveDate) -> serde_json::Value {
    let cycle: HashMap<&str, f64> = data
        .catalog
        .iter()
        .filter(|p| p.replenishable)
        .filter_map(|p| Some((p.id.as_str(), f64::from(p.cycle_days?))))
        .collect();
    let (mut n, mut e_cat, mut e_own, mut e_carnet) = (0usize, 0.0, 0.0, 0.0);
    let (mut n_few, mut few_cat, mut few_carnet) = (0usize, 0.0, 0.0);
    // Sensitivity of the error to the prior weight k (reported, not used to pick k).
    let ks = [0.5, 1.0, 2.0, 4.0, 8.0];
    let mut e_k = [0.0f64; 5];
    for c in &data.customers {
        let past: Vec<HistoryLine> = c
            .lines
            .iter()
            .filter(|l| l.date < cutoff)
            .cloned()
            .collect();
        let mut next: HashMap<&str, i32> = HashMap::new();
        for l in c.lines.iter().filter(|l| !l.gift && l.date >= cutoff) {
            let d = day_number(l.date);
            let e = next.entry(l.product_id.as_str()).or_insert(d);
            *e = (*e).min(d);
        }
        for est in cycle_estimates(model, &past, cutoff - Duration::days(1)) {
            let id = model.products.id(est.item);
            let (Some(&actual), Some(&cat)) = (next.get(id), cycle.get(id)) else {
                continue;
            };
            let last = f64::from(est.last_day);
            // She had not bought it again by the cutoff: every method predicts no earlier.
            let floor = f64::from(day_number(cutoff));
            let own_mean = if est.own.is_empty() {
                cat
            } else {
                est.own.iter().sum::<f64>() / est.own.len() as f64
            };
            let actual = f64::from(actual);
            n += 1;
            e_cat += ((last + cat).max(floor) - actual).abs();
            e_own += ((last + own_mean).max(floor) - actual).abs();
            e_carnet += ((last + est.cycle_days).max(floor) - actual).abs();
            for (e, &k) in e_k.iter_mut().zip(&ks) {
                let cycle =
                    carnet_reco::repurchase::shrunk_cycle(&est.own, Some(cat), k).unwrap_or(cat);
                *e += ((last + cycle).max(floor) - actual).abs();
            }
            if est.own.len() <= 1 {
                n_few += 1;
                few_cat += ((last + cat).max(floor) - actual).abs();
                few_carnet += ((last + est.cycle_days).max(floor) - actual).abs();
            }
        }
    }
    let m = |e: f64, k: usize| if k == 0 { 0.0 } else { e / k as f64 };
    println!(
        "\nre-purchase date, mean absolute error in days ({n} customer × product pairs bought again after the cutoff):"
    );
    println!(
        "  catalogue cycle (last + cycle_days):          {:>7.2}",
        m(e_cat, n)
    );
    println!(
        "  her own mean interval (catalogue if none):    {:>7.2}",
        m(e_own, n)
    );
    println!(
        "  Carnet (own intervals shrunk to the prior):   {:>7.2}",
        m(e_carnet, n)
    );
    println!(
        "  of which {n_few} pairs with at most one own interval: catalogue {:.2}, Carnet {:.2}",
        m(few_cat, n_few),
        m(few_carnet, n_few)
    );
    let sens: Vec<String> = ks
        .iter()
        .zip(&e_k)
        .map(|(k, e)| format!("k={k}: {:.2}", m(*e, n)))
        .collect();
    println!(
        "  sensitivity to the prior weight k (default {}): {}",
        model.prior_weight,
        sens.join(", ")
    );
    json!({
        "pairs": n,
        "prior_weight_sensitivity": ks.iter().zip(&e_k).map(|(k, e)| json!({"k": k, "mae_days": m(*e, n)})).collect::<Vec<_>>(),
        "mae_days_catalogue_cycle": m(e_cat, n),
        "mae_days_own_mean": m(e_own, n),
        "mae_days_carnet": m(e_carnet, n),
        "pairs_with_at_most_one_interval": n_few,
        "mae_days_catalogue_cycle_few": m(few_cat, n_few),
        "mae_days_carnet_few": m(few_carnet, n_few),
    })
}

/// BG/NBD and MBG/NBD fitted on pre-cutoff visits (days), overall and per segment: the
/// visits until `as_of` forecast against the actual count, P(alive) of one-time buyers, and
/// the value band's coverage of the actual spend after the cutoff.
fn visit_check(data: &FixturesData, model: &Model, cutoff: NaiveDate) -> serde_json::Value {
    let Some(vm) = &model.visits else {
        println!("\nvisit model: no fit");
        return json!(null);
    };
    let horizon = (data.as_of - cutoff).num_days() as f64;
    let today = cutoff - Duration::days(1);
    struct Row {
        segment: Option<usize>,
        rfm: Rfm,
        spend: Option<carnet_reco::spend::SpendSummary>,
        visits_after: usize,
        spend_after: i64,
    }
    let mut rows = Vec::new();
    for c in &data.customers {
        let past: Vec<HistoryLine> = c
            .lines
            .iter()
            .filter(|l| l.date < cutoff)
            .cloned()
            .collect();
        let Some(rfm) = visit_summary(&past, today) else {
            continue;
        };
        let mut days: Vec<NaiveDate> = c
            .lines
            .iter()
            .filter(|l| l.date >= cutoff)
            .map(|l| l.date)
            .collect();
        days.sort();
        days.dedup();
        rows.push(Row {
            segment: model.segment_index(&c.segment),
            rfm,
            spend: spend_summary(&past, today),
            visits_after: days.len(),
            spend_after: c
                .lines
                .iter()
                .filter(|l| l.date >= cutoff)
                .map(|l| l.amount_cents)
                .sum(),
        });
    }
    let all: Vec<Rfm> = rows.iter().map(|r| r.rfm).collect();
    let sample: Vec<Rfm> = all
        .iter()
        .step_by(all.len().div_ceil(20_000).max(1))
        .copied()
        .collect();
    let bg = BgNbd::fit(&sample).ok();
    let actual: usize = rows.iter().map(|r| r.visits_after).sum();
    let mbg = &vm.overall;
    let once: Vec<&Row> = rows.iter().filter(|r| r.rfm.x == 0.0).collect();
    let lapsed_once: Vec<&Row> = once.iter().copied().filter(|r| r.rfm.t > 365.0).collect();
    let mean_p = |rs: &[&Row], f: &dyn Fn(&Rfm) -> f64| {
        rs.iter().map(|r| f(&r.rfm)).sum::<f64>() / rs.len().max(1) as f64
    };
    println!(
        "\nvisits on pre-cutoff history (days; {} customers), {horizon:.0} days after the cutoff: actual {actual}",
        rows.len()
    );
    println!(
        "{:<28} {:>7} {:>8} {:>7} {:>8} {:>12} {:>10} {:>12} {:>14}",
        "model", "r", "alpha", "a", "b", "log-lik", "forecast", "MAE/cust", "P(alive) once"
    );
    let mut out = serde_json::Map::new();
    let mut report = |name: &str, p: [f64; 4], ll: f64, f: &dyn Fn(&Row) -> f64, pa: f64| {
        let forecast: f64 = rows.iter().map(f).sum();
        let mae = rows
            .iter()
            .map(|r| (f(r) - r.visits_after as f64).abs())
            .sum::<f64>()
            / rows.len().max(1) as f64;
        println!(
            "{name:<28} {:>7.3} {:>8.2} {:>7.3} {:>8.3} {ll:>12.1} {forecast:>10.0} {mae:>12.4} {pa:>14.3}",
            p[0], p[1], p[2], p[3]
        );
        out.insert(name.into(), json!({"params": p, "log_likelihood": ll, "forecast": forecast, "mae_per_customer": mae, "p_alive_one_time_buyers": pa}));
    };
    if let Some(bg) = bg {
        report(
            "BG/NBD overall",
            [bg.r, bg.alpha, bg.a, bg.b],
            bg.total_ln_likelihood(&all),
            &|r| bg.expected_purchases(&r.rfm, horizon),
            mean_p(&once, &|c| bg.p_alive(c)),
        );
    }
    report(
        "MBG/NBD overall (model)",
        [mbg.r, mbg.alpha, mbg.a, mbg.b],
        mbg.total_ln_likelihood(&all),
        &|r| mbg.expected_purchases(&r.rfm, horizon),
        mean_p(&once, &|c| mbg.p_alive(c)),
    );
    let per = |r: &Row| vm.for_segment(r.segment).0;
    let seg_ll: f64 = rows.iter().map(|r| per(r).ln_likelihood(&r.rfm)).sum();
    let fitted = vm.segments.iter().filter(|s| s.is_some()).count();
    report(
        &format!("MBG/NBD per segment ({fitted} fits)"),
        [f64::NAN; 4],
        seg_ll,
        &|r| per(r).expected_purchases(&r.rfm, horizon),
        once.iter().map(|r| per(r).p_alive(&r.rfm)).sum::<f64>() / once.len().max(1) as f64,
    );
    println!(
        "one-time buyers: {} ({} first seen over a year before the cutoff: mean P(alive) BG/NBD {}, MBG/NBD {:.3}, {} of them came back)",
        once.len(),
        lapsed_once.len(),
        bg.map_or("-".into(), |b| format!(
            "{:.3}",
            mean_p(&lapsed_once, &|c| b.p_alive(c))
        )),
        mean_p(&lapsed_once, &|c| mbg.p_alive(c)),
        lapsed_once.iter().filter(|r| r.visits_after > 0).count()
    );
    if let Some(gg) = vm.spend {
        let (mut inside, mut below, mut above) = (0usize, 0usize, 0usize);
        for r in &rows {
            let b = carnet_reco::spend::value_band(
                per(r),
                &gg,
                &r.rfm,
                r.spend.as_ref(),
                horizon,
                horizon as u32,
            );
            if r.spend_after < b.low_cents {
                below += 1;
            } else if r.spend_after > b.high_cents {
                above += 1;
            } else {
                inside += 1;
            }
        }
        let pct = |k: usize| 100.0 * k as f64 / rows.len().max(1) as f64;
        println!(
            "Gamma-Gamma p {:.2}, q {:.2}, γ {:.0}; 10–90 % value band over the {horizon:.0} days: actual spend inside for {:.1} %, below {:.1} %, above {:.1} %",
            gg.p,
            gg.q,
            gg.gamma,
            pct(inside),
            pct(below),
            pct(above)
        );
        out.insert(
            "value_band".into(),
            json!({"inside": inside, "below": below, "above": above}),
        );
    }
    out.insert("actual".into(), json!(actual));
    out.insert("horizon_days".into(), json!(horizon));
    serde_json::Value::Object(out)
}
