//! Re-purchase and visit timing for one customer: each replenishable product's cycle from her
//! own intervals shrunk toward the product's prior, what is due within a window (gifts never
//! count), and the MBG/NBD forecast of her next visits with her value as a band.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::basket::{date_of_day, day_number};
use crate::history::HistoryLine;
use crate::model::{Model, own_intervals, spend_summary, visit_summary};
use crate::spend::{ValueBand, value_band};

/// A product due (or overdue) for re-purchase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Due {
    /// Product id.
    pub product_id: String,
    /// Her latest (non-gift) purchase of it.
    pub last_bought: NaiveDate,
    /// Estimated days per cycle.
    pub cycle_days: f32,
    /// When she should run out.
    pub due_on: NaiveDate,
    /// Days from today to `due_on` (negative when overdue).
    pub days_until_due: i32,
    /// 0–1: how much to trust the date (her own regularity and evidence, lapse since due).
    pub confidence: f32,
}

/// Her estimated cycle for a product: the weighted mean (k·prior + Σ own) / (k + n) of the
/// product's prior and her own n intervals; her own mean when there is no prior.
pub fn shrunk_cycle(own: &[f64], prior: Option<f64>, k: f64) -> Option<f64> {
    let n = own.len() as f64;
    let sum: f64 = own.iter().sum();
    match prior {
        Some(p) if p > 0.0 => Some((k * p + sum) / (k + n)),
        _ if n > 0.0 => Some(sum / n),
        _ => None,
    }
}

/// Her estimated cycle for one product she bought.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleEstimate {
    /// Product index in the model.
    pub item: u32,
    /// Day number of her latest purchase.
    pub last_day: i32,
    /// Estimated days between two purchases.
    pub cycle_days: f64,
    /// Her own intervals (days).
    pub own: Vec<f64>,
}

impl CycleEstimate {
    /// Day number she should run out.
    pub fn due_day(&self) -> i32 {
        self.last_day + self.cycle_days.round() as i32
    }
}

/// The cycle of every replenishable product she bought (non-gift, on or before `today`).
pub fn cycle_estimates(
    model: &Model,
    history: &[HistoryLine],
    today: NaiveDate,
) -> Vec<CycleEstimate> {
    let today_n = day_number(today);
    let own_lines: Vec<HistoryLine> = history
        .iter()
        .filter(|l| !l.gift && day_number(l.date) <= today_n)
        .cloned()
        .collect();
    let intervals = own_intervals(&own_lines, &model.products);
    let mut last: std::collections::HashMap<u32, (i32, u32)> = std::collections::HashMap::new();
    for l in &own_lines {
        let Some(i) = model.products.get(&l.product_id) else {
            continue;
        };
        let d = day_number(l.date);
        let e = last.entry(i).or_insert((d, 0));
        if d > e.0 {
            *e = (d, 0);
        }
        if d == e.0 {
            e.1 += l.quantity.max(1);
        }
    }
    let k = f64::from(model.prior_weight);
    let mut out: Vec<CycleEstimate> = last
        .into_iter()
        .filter_map(|(i, (day, _units))| {
            let cad = model.cadence.get(i as usize)?;
            if !cad.replenishable {
                return None;
            }
            let own = intervals.get(&i).cloned().unwrap_or_default();
            let prior = (cad.days > 0.0).then_some(f64::from(cad.days));
            let per_unit = shrunk_cycle(&own, prior, k)?;
            Some(CycleEstimate {
                item: i,
                last_day: day,
                cycle_days: per_unit,
                own,
            })
        })
        .collect();
    out.sort_by_key(|e| e.item);
    out
}

/// What is due or overdue within `window_days` of `today` (and not lapsed: more than two
/// cycles overdue), most urgent first. Only replenishable products are listed.
pub fn due_list(
    model: &Model,
    history: &[HistoryLine],
    today: NaiveDate,
    window_days: u32,
) -> Vec<Due> {
    let today_n = day_number(today);
    let k = f64::from(model.prior_weight);
    let mut out: Vec<Due> = cycle_estimates(model, history, today)
        .into_iter()
        .filter_map(|e| {
            let until = e.due_day() - today_n;
            if until > window_days as i32 || -until as f64 > 2.0 * e.cycle_days {
                return None;
            }
            Some(Due {
                product_id: model.products.id(e.item).to_string(),
                last_bought: date_of_day(e.last_day),
                cycle_days: e.cycle_days as f32,
                due_on: date_of_day(e.due_day()),
                days_until_due: until,
                confidence: confidence(&e.own, k, until, e.cycle_days) as f32,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.days_until_due
            .cmp(&b.days_until_due)
            .then(a.product_id.cmp(&b.product_id))
    });
    out
}

/// Evidence n/(n + k) lifted by the prior (a product with no own interval starts at ½ of
/// that of one interval), times regularity 1/(1 + CV) of her intervals, times a lapse factor
/// that falls once she is overdue by more than half a cycle.
fn confidence(own: &[f64], k: f64, until: i32, cycle: f64) -> f64 {
    let n = own.len() as f64;
    let evidence = 0.25 + 0.75 * n / (n + k.max(1e-9));
    let regularity = if own.len() >= 2 {
        let mean = own.iter().sum::<f64>() / n;
        let var = own.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        1.0 / (1.0 + var.sqrt() / mean.max(1e-9))
    } else {
        0.7
    };
    let overdue = f64::from((-until).max(0));
    let lapse = if overdue > 0.5 * cycle {
        (1.0 - (overdue - 0.5 * cycle) / (1.5 * cycle)).max(0.0)
    } else {
        1.0
    };
    (evidence * regularity * lapse).clamp(0.0, 1.0)
}

/// How the card words her activity, from the chance that she buys again within a year
/// (`p_return_year`, at most P(alive)), and `Lapsed` whatever the model says once her
/// silence is longer than any after which a training customer came back (a guard against a
/// fit that cannot tell drop-out from silence); one rule for every platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// P(buys again within a year) ≥ 0.6.
    Active,
    /// 0.25 ≤ P(buys again within a year) < 0.6: she may be drifting away.
    Lapsing,
    /// P(buys again within a year) < 0.25: most likely gone (a one-time buyer from long ago
    /// is here).
    Lapsed,
}

impl Activity {
    /// Her activity from her chance of buying again within a year, her days since her last
    /// visit and the longest silence after which customers came back.
    pub fn of(p_return_year: f64, days_silent: f64, return_gap_p99_days: f64) -> Self {
        if days_silent > return_gap_p99_days {
            Self::Lapsed
        } else if p_return_year >= 0.6 {
            Self::Active
        } else if p_return_year >= 0.25 {
            Self::Lapsing
        } else {
            Self::Lapsed
        }
    }
}

/// Days ahead the value band covers.
pub const VALUE_HORIZON_DAYS: u32 = 365;

/// The next-visit forecast of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VisitForecast {
    /// P(she is still an active customer), from MBG/NBD: below 1 for a customer who never
    /// came back, falling with the time since her last visit.
    pub p_alive: f64,
    /// P(she buys again within 365 days): alive and coming back at her estimated rate.
    pub p_return_year: f64,
    /// `p_return_year` in words: what the card says of her.
    pub activity: Activity,
    /// Expected visits (purchase days) in the next 30 days.
    pub expected_30_days: f64,
    /// Expected visits in the next 90 days.
    pub expected_90_days: f64,
    /// Her spend over the next [`VALUE_HORIZON_DAYS`] as a 10th–90th percentile band; `None`
    /// when the model has no spend fit.
    pub value: Option<ValueBand>,
    /// True when her segment's own visit model was used, false for the overall one.
    pub segment_model: bool,
}

/// MBG/NBD forecast from her distinct purchase days (gift purchases are visits too) and her
/// spend per visit; her segment's model when it has one. `None` without a fitted visit model
/// or a purchase on or before `today`.
pub fn visit_forecast(
    model: &Model,
    history: &[HistoryLine],
    segment: Option<&str>,
    today: NaiveDate,
) -> Option<VisitForecast> {
    let vm = model.visits.as_ref()?;
    let rfm = visit_summary(history, today)?;
    let (m, segment_model) = vm.for_segment(segment.and_then(|s| model.segment_index(s)));
    let p_alive = m.p_alive(&rfm);
    let p_return_year = m.p_purchase_within(&rfm, 365.0);
    let own = spend_summary(history, today);
    let value = vm.spend.map(|g| {
        value_band(
            m,
            &g,
            &rfm,
            own.as_ref(),
            f64::from(VALUE_HORIZON_DAYS),
            VALUE_HORIZON_DAYS,
        )
    });
    Some(VisitForecast {
        p_alive,
        p_return_year,
        activity: Activity::of(p_return_year, rfm.t - rfm.t_x, vm.return_gap_p99_days),
        expected_30_days: m.expected_purchases(&rfm, 30.0),
        expected_90_days: m.expected_purchases(&rfm, 90.0),
        value,
        segment_model,
    })
}

/// When she is expected back, and whether she still may come.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NextVisit {
    /// Her last purchase day.
    pub last_visit: NaiveDate,
    /// Her last visit plus the gap the visit model expected at that visit.
    pub expected_on: NaiveDate,
    /// P(she is still an active customer) today.
    pub p_alive: f64,
    /// False once her silence is longer than any after which a customer came back.
    pub winnable: bool,
}

/// Her expected next visit under the MBG/NBD fit (her segment's when it has one): the mean
/// gap 1/E[λ] of her purchase rate's posterior Gamma(r + x, α + t_x) as it stood at her last
/// visit, so the date does not drift while she stays away (a one-time buyer gets the
/// population's gap α/r). `None` without a fitted visit model or a purchase by `today`.
pub fn next_visit(
    model: &Model,
    history: &[HistoryLine],
    segment: Option<&str>,
    today: NaiveDate,
) -> Option<NextVisit> {
    let vm = model.visits.as_ref()?;
    let rfm = visit_summary(history, today)?;
    let (m, _) = vm.for_segment(segment.and_then(|s| model.segment_index(s)));
    let last_visit = today - chrono::Days::new((rfm.t - rfm.t_x) as u64);
    let gap = (m.alpha + rfm.t_x) / (m.r + rfm.x);
    // A gap beyond ten years is a degenerate fit; cap it rather than overflow the calendar.
    let gap_days = gap.clamp(1.0, 3650.0).round() as u64;
    Some(NextVisit {
        last_visit,
        expected_on: last_visit + chrono::Days::new(gap_days),
        p_alive: m.p_alive(&rfm),
        winnable: rfm.t - rfm.t_x <= vm.return_gap_p99_days,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shrinkage_moves_toward_the_prior_with_few_intervals() {
        let prior = Some(60.0);
        let one = shrunk_cycle(&[30.0], prior, 2.0).unwrap();
        let many = shrunk_cycle(&[30.0; 20], prior, 2.0).unwrap();
        assert!((one - 50.0).abs() < 1e-9, "(2·60 + 30) / 3 = 50, got {one}");
        assert!(many < one && many > 30.0 && (many - 30.0) < 3.0);
        assert_eq!(shrunk_cycle(&[], prior, 2.0), Some(60.0));
        assert_eq!(shrunk_cycle(&[10.0, 20.0], None, 2.0), Some(15.0));
        assert_eq!(shrunk_cycle(&[], None, 2.0), None);
    }
}
