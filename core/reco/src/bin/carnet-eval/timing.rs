//! The `bgnbd` mode: BG/NBD and MBG/NBD fitted side by side on a CDNOW file (either layout),
//! time in weeks, calibration = the first 39 weeks; their fits, hold-out forecasts and
//! P(alive) of one-time buyers; MBG/NBD per acquisition cohort against the overall fit; the
//! Gamma-Gamma spend model and the coverage of the 10–90 % value band in the hold-out.

use std::collections::BTreeMap;

use carnet_reco::bgnbd::{BgNbd, MbgNbd, Rfm};
use carnet_reco::load::{self, CdnowLayout};
use carnet_reco::spend::{GammaGamma, SpendSummary, value_band};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::json;

/// One customer's calibration summary and hold-out outcome.
struct Customer {
    cohort: u32,
    rfm: Rfm,
    /// Repeat purchase days in calibration with their spend (for Gamma-Gamma).
    repeat_spend: Option<SpendSummary>,
    /// Every calibration purchase day's spend.
    all_spend: Option<SpendSummary>,
    holdout_days: usize,
    holdout_dollars: f64,
}

fn summary(values: &[f64]) -> Option<SpendSummary> {
    let v: Vec<f64> = values.iter().copied().filter(|&x| x > 0.0).collect();
    (!v.is_empty()).then(|| SpendSummary {
        visits: v.len() as f64,
        mean: v.iter().sum::<f64>() / v.len() as f64,
    })
}

/// Runs the comparison on a CDNOW file.
pub fn run(path: &str) -> Result<serde_json::Value, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let data = load::read_cdnow(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let name = std::path::Path::new(path)
        .file_name()
        .map_or(path.to_string(), |n| n.to_string_lossy().into_owned());
    let dates = data
        .customers
        .iter()
        .flat_map(|c| c.purchases.iter().map(|p| p.date));
    let start = dates.clone().min().ok_or("no purchase")?;
    let end = dates.max().ok_or("no purchase")?;
    let cal_end = start + Duration::days(39 * 7 - 1);
    let horizon = (end - cal_end).num_days() as f64 / 7.0;
    let mut customers = Vec::new();
    for c in &data.customers {
        let first = c.purchases.iter().map(|p| p.date).min().unwrap_or(start);
        if first > cal_end {
            continue;
        }
        let mut by_day: BTreeMap<NaiveDate, f64> = BTreeMap::new();
        for p in &c.purchases {
            *by_day.entry(p.date).or_default() += p.dollars;
        }
        let weeks = |d: NaiveDate| (d - first).num_days() as f64 / 7.0;
        let cal: Vec<(&NaiveDate, &f64)> = by_day.iter().filter(|(d, _)| **d <= cal_end).collect();
        let times: Vec<f64> = cal.iter().map(|(d, _)| weeks(**d)).collect();
        let Some(rfm) = Rfm::from_times(&times, weeks(cal_end)) else {
            continue;
        };
        let values: Vec<f64> = cal.iter().map(|(_, v)| **v).collect();
        let hold: Vec<f64> = by_day
            .iter()
            .filter(|(d, _)| **d > cal_end)
            .map(|(_, v)| *v)
            .collect();
        customers.push(Customer {
            cohort: first.month(),
            rfm,
            repeat_spend: summary(&values[1..]),
            all_spend: summary(&values),
            holdout_days: hold.len(),
            holdout_dollars: hold.iter().sum(),
        });
    }
    let rfm: Vec<Rfm> = customers.iter().map(|c| c.rfm).collect();
    let layout = match (data.layout, data.header) {
        (CdnowLayout::Master, true) => "master layout (4 columns, header line)",
        (CdnowLayout::Master, false) => "master layout (4 columns)",
        (CdnowLayout::Sample, _) => "sample layout (5 columns)",
    };
    println!(
        "{name}: {layout}; {} customers; calibration {start} to {cal_end} (39 weeks), hold-out to {end} ({horizon:.0} weeks); time in weeks",
        rfm.len()
    );
    let started = std::time::Instant::now();
    let bg = BgNbd::fit(&rfm).map_err(|e| e.to_string())?;
    let bg_s = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let mbg = MbgNbd::fit(&rfm).map_err(|e| e.to_string())?;
    let mbg_s = started.elapsed().as_secs_f64();
    let actual: usize = customers.iter().map(|c| c.holdout_days).sum();
    let bg_cond: f64 = rfm.iter().map(|c| bg.expected_purchases(c, horizon)).sum();
    let mbg_cond: f64 = rfm.iter().map(|c| mbg.expected_purchases(c, horizon)).sum();
    let bg_uncond: f64 = rfm
        .iter()
        .map(|c| bg.expected_repeat_from_start(c.t + horizon) - bg.expected_repeat_from_start(c.t))
        .sum();
    let mbg_uncond: f64 = rfm
        .iter()
        .map(|c| {
            mbg.expected_repeat_from_start(c.t + horizon) - mbg.expected_repeat_from_start(c.t)
        })
        .sum();
    // Customer-level error of the conditional forecast.
    let mae = |f: &dyn Fn(&Rfm) -> f64| {
        customers
            .iter()
            .map(|c| (f(&c.rfm) - c.holdout_days as f64).abs())
            .sum::<f64>()
            / customers.len().max(1) as f64
    };
    let bg_mae = mae(&|c| bg.expected_purchases(c, horizon));
    let mbg_mae = mae(&|c| mbg.expected_purchases(c, horizon));
    let once: Vec<&Customer> = customers.iter().filter(|c| c.rfm.x == 0.0).collect();
    let came_back = once.iter().filter(|c| c.holdout_days > 0).count();
    let mean = |f: &dyn Fn(&Rfm) -> f64| {
        once.iter().map(|c| f(&c.rfm)).sum::<f64>() / once.len().max(1) as f64
    };
    let bg_once = mean(&|c| bg.p_alive(c));
    let mbg_once = mean(&|c| mbg.p_alive(c));
    println!(
        "\n{:<22} {:>8} {:>8} {:>8} {:>8} {:>11} {:>8} {:>10} {:>10} {:>9}",
        "model", "r", "alpha", "a", "b", "log-lik", "fit s", "Σ E[Y|·]", "cohort", "MAE/cust"
    );
    let row = |name: &str, p: [f64; 4], ll: f64, s: f64, cond: f64, unc: f64, mae: f64| {
        println!(
            "{name:<22} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {ll:>11.2} {s:>8.2} {cond:>10.1} {unc:>10.1} {mae:>9.4}",
            p[0], p[1], p[2], p[3]
        );
    };
    row(
        "BG/NBD",
        [bg.r, bg.alpha, bg.a, bg.b],
        bg.total_ln_likelihood(&rfm),
        bg_s,
        bg_cond,
        bg_uncond,
        bg_mae,
    );
    row(
        "MBG/NBD",
        [mbg.r, mbg.alpha, mbg.a, mbg.b],
        mbg.total_ln_likelihood(&rfm),
        mbg_s,
        mbg_cond,
        mbg_uncond,
        mbg_mae,
    );
    println!(
        "{:<22} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>11.1}",
        "BG/NBD published", 0.243, 4.414, 0.793, 2.426, -9582.4
    );
    println!(
        "hold-out repeat purchases ({horizon:.0} weeks): actual {actual}; Σ E[Y|·] = conditional on each customer's history; cohort = Σ E[X(T + t)] − E[X(T)]"
    );
    println!(
        "one-time buyers in calibration: {} ({came_back} bought again in the hold-out, {:.1} %); mean P(alive): BG/NBD {bg_once:.3}, MBG/NBD {mbg_once:.3}",
        once.len(),
        100.0 * came_back as f64 / once.len().max(1) as f64
    );

    // Per acquisition cohort (month of the first purchase): its own MBG/NBD against the
    // overall one, on the hold-out.
    println!("\nMBG/NBD per acquisition cohort (month of first purchase), hold-out purchases:");
    println!(
        "{:<8} {:>9} {:>8} {:>14} {:>14} {:>12} {:>12}",
        "cohort", "customers", "actual", "overall fit", "cohort fit", "ll overall", "ll cohort"
    );
    let mut cohorts: BTreeMap<u32, Vec<&Customer>> = BTreeMap::new();
    for c in &customers {
        cohorts.entry(c.cohort).or_default().push(c);
    }
    let mut cohort_json = Vec::new();
    for (month, cs) in &cohorts {
        let r: Vec<Rfm> = cs.iter().map(|c| c.rfm).collect();
        let act: usize = cs.iter().map(|c| c.holdout_days).sum();
        let own = if r.len() >= 300 {
            MbgNbd::fit(&r).ok()
        } else {
            None
        };
        let f_all: f64 = r.iter().map(|c| mbg.expected_purchases(c, horizon)).sum();
        let f_own = own.map(|m| {
            r.iter()
                .map(|c| m.expected_purchases(c, horizon))
                .sum::<f64>()
        });
        println!(
            "{month:<8} {:>9} {act:>8} {f_all:>14.1} {:>14} {:>12.2} {:>12}",
            r.len(),
            f_own.map_or("too few".into(), |f| format!("{f:.1}")),
            mbg.total_ln_likelihood(&r),
            own.map_or("-".into(), |m| format!("{:.2}", m.total_ln_likelihood(&r))),
        );
        cohort_json.push(json!({"cohort_month": month, "customers": r.len(), "actual": act, "overall_forecast": f_all, "cohort_forecast": f_own, "cohort_fit": own}));
    }

    // Spend: Gamma-Gamma on the repeat purchases (the published protocol), and the value band.
    let repeat: Vec<SpendSummary> = customers.iter().filter_map(|c| c.repeat_spend).collect();
    let gg = GammaGamma::fit(&repeat).map_err(|e| e.to_string())?;
    let published = GammaGamma {
        p: 6.25,
        q: 3.74,
        gamma: 15.44,
    };
    println!(
        "\nGamma-Gamma on {} customers' repeat purchases: p {:.3}, q {:.3}, γ {:.3}, log-lik {:.2} (published 6.25, 3.74, 15.44: {:.2})",
        repeat.len(),
        gg.p,
        gg.q,
        gg.gamma,
        gg.total_ln_likelihood(&repeat),
        published.total_ln_likelihood(&repeat)
    );
    let spenders: Vec<&Customer> = customers.iter().filter(|c| c.holdout_days > 0).collect();
    let pred_spend: f64 = spenders
        .iter()
        .map(|c| gg.expected_spend(c.repeat_spend.as_ref()))
        .sum::<f64>()
        / spenders.len().max(1) as f64;
    let act_spend: f64 = spenders
        .iter()
        .map(|c| c.holdout_dollars / c.holdout_days as f64)
        .sum::<f64>()
        / spenders.len().max(1) as f64;
    println!(
        "mean spend per hold-out purchase of the {} customers who bought in it: expected {pred_spend:.2} $, actual {act_spend:.2} $",
        spenders.len()
    );
    // The band over the hold-out in cents (dollars × 100), with every calibration purchase's
    // spend as her own evidence, as the device does.
    let gg_all_fit = GammaGamma::fit(
        &customers
            .iter()
            .filter_map(|c| c.all_spend)
            .collect::<Vec<_>>(),
    )
    .map_err(|e| e.to_string())?;
    let gg_cents = GammaGamma {
        gamma: gg_all_fit.gamma * 100.0,
        ..gg_all_fit
    };
    let mut inside = 0usize;
    let (mut below, mut above) = (0usize, 0usize);
    let (mut once_zero, mut once_n) = (0usize, 0usize);
    for c in &customers {
        let own = c.all_spend.map(|s| SpendSummary {
            visits: s.visits,
            mean: s.mean * 100.0,
        });
        let band = value_band(
            &mbg,
            &gg_cents,
            &c.rfm,
            own.as_ref(),
            horizon,
            (horizon * 7.0) as u32,
        );
        let actual = (c.holdout_dollars * 100.0).round() as i64;
        if actual < band.low_cents {
            below += 1;
        } else if actual > band.high_cents {
            above += 1;
        } else {
            inside += 1;
        }
        if c.rfm.x == 0.0 && c.rfm.t > 30.0 {
            once_n += 1;
            once_zero += usize::from(band.low_cents == 0);
        }
    }
    println!(
        "10–90 % value band over the hold-out (MBG/NBD × Gamma-Gamma on all purchases): actual spend inside for {:.1} % of customers, below {:.1} %, above {:.1} % (nominal 80 / ≤ 10 / ≤ 10; a band's edges are inclusive, and most customers spend exactly 0); one-time buyers first seen over 30 weeks before the end of calibration with a band starting at 0: {once_zero} of {once_n}",
        100.0 * inside as f64 / customers.len() as f64,
        100.0 * below as f64 / customers.len() as f64,
        100.0 * above as f64 / customers.len() as f64,
    );
    Ok(json!({
        "dataset": name,
        "layout": layout,
        "customers": rfm.len(),
        "holdout_weeks": horizon,
        "holdout_actual": actual,
        "bgnbd": {"params": bg, "log_likelihood": bg.total_ln_likelihood(&rfm), "forecast_conditional": bg_cond, "forecast_cohort": bg_uncond, "mae_per_customer": bg_mae, "p_alive_one_time_buyers": bg_once},
        "mbgnbd": {"params": mbg, "log_likelihood": mbg.total_ln_likelihood(&rfm), "forecast_conditional": mbg_cond, "forecast_cohort": mbg_uncond, "mae_per_customer": mbg_mae, "p_alive_one_time_buyers": mbg_once},
        "one_time_buyers": once.len(),
        "one_time_buyers_back_in_holdout": came_back,
        "cohorts": cohort_json,
        "gamma_gamma": gg,
        "band_inside": inside, "band_below": below, "band_above": above,
    }))
}
