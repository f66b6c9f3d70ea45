//! The model the sync server builds from purchase history and ships to devices: catalogue
//! facts, top-k item neighbours, popularity overall and per segment, re-purchase cadence
//! priors per product, repeat rates and cycles, an MBG/NBD visit model (overall and per
//! segment) with a Gamma-Gamma spend model, and the scorer's weights.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::basket::{Basket, Interner, day_number};
use crate::bgnbd::{MbgNbd, Rfm};
use crate::catalog::CatalogItem;
use crate::engine::{EngineParams, popularity};
use crate::history::{HistoryLine, baskets_of};
use crate::itemknn::{NeighbourConfig, Neighbours, build_neighbours};
use crate::repeats::RepeatStats;
use crate::spend::{GammaGamma, SpendSummary};

/// One customer's data for the build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingCustomer {
    /// Marketing segment (e.g. `skincare_expert`); empty when unknown.
    pub segment: String,
    /// Her purchase lines; gifts are left out by the build.
    pub lines: Vec<HistoryLine>,
}

/// How the model is built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildConfig {
    /// The build's "today": purchases are decayed from it.
    pub as_of: NaiveDate,
    /// Neighbours kept per product.
    pub neighbours_k: usize,
    /// Half-life (days) of a purchase in the neighbour and popularity models.
    pub half_life_days: f64,
    /// Products kept in each segment's popular list.
    pub segment_top: usize,
    /// Weight (in intervals) of a product's cadence prior against a customer's own intervals.
    pub prior_weight: f64,
    /// Observed intervals needed to learn a cadence for a product without a catalogue cycle.
    pub min_intervals_for_prior: u32,
    /// Customers a segment needs for a visit model of its own.
    pub min_segment_customers: usize,
    /// At most this many customers (an even sample) in one visit or spend fit: the
    /// estimates are already tight, and the fit's cost grows with them.
    pub max_fit_customers: usize,
    /// The scorer's weights shipped to devices.
    pub params: EngineParams,
}

impl BuildConfig {
    /// Defaults for a build on `as_of`.
    pub fn new(as_of: NaiveDate) -> Self {
        Self {
            as_of,
            neighbours_k: 50,
            half_life_days: 365.0,
            segment_top: 200,
            prior_weight: 2.0,
            min_intervals_for_prior: 10,
            min_segment_customers: 1_000,
            max_fit_customers: 20_000,
            params: EngineParams {
                repeat_half_life: 180.0,
                seed_half_life: 120.0,
                ..EngineParams::default()
            },
        }
    }
}

/// Seconds each part of a build took.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BuildTimings {
    /// Item-item neighbours.
    pub neighbours_s: f64,
    /// Popularity overall and per segment.
    pub popularity_s: f64,
    /// Repeat rates, cycles, due lift and cadence priors.
    pub repeats_s: f64,
    /// Visit (MBG/NBD overall and per segment) and spend fits.
    pub visits_s: f64,
    /// The whole build.
    pub total_s: f64,
}

/// The visit model shipped: MBG/NBD overall and for each segment with enough customers, and
/// the Gamma-Gamma model of spend per visit. Time in days, money in minor units.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitModel {
    /// Fitted on every customer.
    pub overall: MbgNbd,
    /// Per segment (indices of [`Model::segments`]): its own fit, when it had enough customers.
    pub segments: Vec<Option<MbgNbd>>,
    /// Spend per visit; `None` when it could not be fitted.
    pub spend: Option<GammaGamma>,
    /// 99th percentile of the days between two visits of one customer, over the customers
    /// who came back: a silence longer than this was never followed by a return.
    pub return_gap_p99_days: f64,
}

impl VisitModel {
    /// The fit for a customer of segment `s` (its own when it has one).
    pub fn for_segment(&self, s: Option<usize>) -> (&MbgNbd, bool) {
        match s
            .and_then(|s| self.segments.get(s))
            .and_then(Option::as_ref)
        {
            Some(m) => (m, true),
            None => (&self.overall, false),
        }
    }
}

/// A product's re-purchase cadence prior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cadence {
    /// Typical days between two purchases of one unit; 0 when unknown.
    pub days: f32,
    /// Intervals observed in the training data.
    pub observed: u32,
    /// Listed for re-purchase (replenishable in the catalogue, or often bought again).
    pub replenishable: bool,
}

/// The shipped model. Product `i` of every per-product table is `products.id(i)`.
#[derive(Debug, Clone)]
pub struct Model {
    /// Day the model was built.
    pub built_on: NaiveDate,
    /// Product ids.
    pub products: Interner,
    /// Brand ids.
    pub brands: Vec<String>,
    /// Brand of each product (index into `brands`).
    pub product_brand: Vec<u32>,
    /// Category ids.
    pub categories: Vec<String>,
    /// Category of each product (index into `categories`).
    pub product_category: Vec<u32>,
    /// Whether each category is sensitive.
    pub category_sensitive: Vec<bool>,
    /// Top-k neighbours of each product.
    pub neighbours: Neighbours,
    /// Popularity of each product overall, at most 1.
    pub popularity: Vec<f32>,
    /// The most popular products, best first.
    pub popular: Vec<u32>,
    /// Segment names.
    pub segments: Vec<String>,
    /// Per segment, its most popular products with their in-segment popularity (at most 1).
    pub segment_popular: Vec<Vec<(u32, f32)>>,
    /// Cadence prior of each product.
    pub cadence: Vec<Cadence>,
    /// Repeat rate and cycle of each product (days), and the due lift.
    pub repeats: RepeatStats,
    /// Weight of the cadence prior in a customer's estimate (in intervals).
    pub prior_weight: f32,
    /// Visit and spend model, time in days; `None` when it could not be fitted.
    pub visits: Option<VisitModel>,
    /// The scorer's weights.
    pub params: EngineParams,
}

impl Model {
    /// Builds the model from a catalogue and customers' histories.
    pub fn build(
        catalog: &[CatalogItem],
        customers: &[TrainingCustomer],
        cfg: &BuildConfig,
    ) -> Self {
        Self::build_timed(catalog, customers, cfg).0
    }

    /// [`Model::build`], with the seconds each part took.
    pub fn build_timed(
        catalog: &[CatalogItem],
        customers: &[TrainingCustomer],
        cfg: &BuildConfig,
    ) -> (Self, BuildTimings) {
        let started = Instant::now();
        let mut timings = BuildTimings::default();
        let mut products = Interner::default();
        let mut brand_ix = Interner::default();
        let mut cat_ix = Interner::default();
        let mut product_brand = Vec::with_capacity(catalog.len());
        let mut product_category = Vec::with_capacity(catalog.len());
        let mut category_sensitive: Vec<bool> = Vec::new();
        for p in catalog {
            if products.get(&p.id).is_some() {
                continue;
            }
            products.intern(&p.id);
            product_brand.push(brand_ix.intern(&p.brand));
            let c = cat_ix.intern(&p.category) as usize;
            if category_sensitive.len() <= c {
                category_sensitive.resize(c + 1, false);
            }
            category_sensitive[c] |= p.sensitive;
            product_category.push(c as u32);
        }
        let n = products.len();
        let now = f64::from(day_number(cfg.as_of));
        let histories: Vec<Vec<Basket>> = customers
            .iter()
            .map(|c| baskets_of(&c.lines, &products))
            .filter(|b| !b.is_empty())
            .collect();
        let half_life = Some(cfg.half_life_days);
        let t = Instant::now();
        let neighbours = build_neighbours(
            &histories,
            n,
            &NeighbourConfig {
                k: cfg.neighbours_k,
                half_life,
                now: Some(now),
                shrink: 1.0,
            },
        );
        timings.neighbours_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (pop, popular) = popularity(&histories, n, half_life, Some(now));
        let popular: Vec<u32> = popular.into_iter().take(cfg.segment_top).collect();

        let mut seg_ix = Interner::default();
        let mut by_segment: Vec<Vec<Vec<Basket>>> = Vec::new();
        for c in customers {
            let s = seg_ix.intern(&c.segment) as usize;
            if by_segment.len() <= s {
                by_segment.resize(s + 1, Vec::new());
            }
            let b = baskets_of(&c.lines, &products);
            if !b.is_empty() {
                by_segment[s].push(b);
            }
        }
        let segment_popular = by_segment
            .iter()
            .map(|h| {
                let (p, ranked) = popularity(h, n, half_life, Some(now));
                ranked
                    .into_iter()
                    .take(cfg.segment_top)
                    .map(|i| (i, p[i as usize]))
                    .collect()
            })
            .collect();

        timings.popularity_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let repeats = RepeatStats::learn(histories.iter().map(Vec::as_slice), n);
        let cadence = cadence_priors(catalog, &products, customers, cfg);
        timings.repeats_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let visits = fit_visits(customers, &seg_ix, cfg);
        timings.visits_s = t.elapsed().as_secs_f64();
        timings.total_s = started.elapsed().as_secs_f64();
        let model = Self {
            built_on: cfg.as_of,
            products,
            brands: brand_ix.ids().to_vec(),
            product_brand,
            categories: cat_ix.ids().to_vec(),
            product_category,
            category_sensitive,
            neighbours,
            popularity: pop,
            popular,
            segments: seg_ix.ids().to_vec(),
            segment_popular,
            cadence,
            repeats,
            prior_weight: cfg.prior_weight as f32,
            visits,
            params: cfg.params,
        };
        (model, timings)
    }

    /// Index of a segment by name.
    pub fn segment_index(&self, name: &str) -> Option<usize> {
        self.segments.iter().position(|s| s == name)
    }

    /// True when product `i` is in a sensitive category.
    pub fn is_sensitive(&self, i: u32) -> bool {
        self.product_category
            .get(i as usize)
            .and_then(|&c| self.category_sensitive.get(c as usize))
            .copied()
            .unwrap_or(false)
    }

    /// Brand id of product `i`.
    pub fn brand_of(&self, i: u32) -> &str {
        self.product_brand
            .get(i as usize)
            .and_then(|&b| self.brands.get(b as usize))
            .map_or("", String::as_str)
    }

    /// Category id of product `i`.
    pub fn category_of(&self, i: u32) -> &str {
        self.product_category
            .get(i as usize)
            .and_then(|&c| self.categories.get(c as usize))
            .map_or("", String::as_str)
    }
}

/// Per product: the catalogue's cycle, or else the median of every customer's days-per-unit
/// between two purchases of it (gifts left out, one purchase a day).
fn cadence_priors(
    catalog: &[CatalogItem],
    products: &Interner,
    customers: &[TrainingCustomer],
    cfg: &BuildConfig,
) -> Vec<Cadence> {
    let n = products.len();
    let mut intervals: Vec<Vec<f32>> = vec![Vec::new(); n];
    for c in customers {
        for (item, gaps) in own_intervals(&c.lines, products) {
            intervals[item as usize].extend(gaps.iter().map(|&g| g as f32));
        }
    }
    let mut listed: HashMap<&str, &CatalogItem> = HashMap::new();
    for p in catalog {
        listed.entry(p.id.as_str()).or_insert(p);
    }
    (0..n)
        .map(|i| {
            let item = listed.get(products.id(i as u32));
            let v = &mut intervals[i];
            let observed = v.len() as u32;
            let learned = median(v);
            let catalogue = item.and_then(|p| p.cycle_days).map(|d| d as f32);
            // The catalogue's cycle is the retailer's knowledge of the product; the median of
            // observed intervals also holds occasional (non-routine) re-purchases and runs
            // long, so it only stands in where the catalogue has no cycle.
            let days = match (catalogue, learned) {
                (Some(c), _) => c,
                (None, Some(l)) if observed >= cfg.min_intervals_for_prior => l,
                _ => 0.0,
            };
            let replenishable = item.is_some_and(|p| p.replenishable)
                || (catalogue.is_none() && observed >= cfg.min_intervals_for_prior);
            Cadence {
                days,
                observed,
                replenishable,
            }
        })
        .collect()
}

fn median(v: &mut [f32]) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    Some(v[v.len() / 2])
}

/// A customer's non-gift purchases of each product: (item, days between consecutive purchase
/// days). Quantities are ignored: in the data at hand a second unit is as often a spare or a
/// professional's stock as a longer supply, and scaling by it made dates worse.
pub(crate) fn own_intervals(lines: &[HistoryLine], products: &Interner) -> HashMap<u32, Vec<f64>> {
    let mut days: HashMap<u32, Vec<(i32, u32)>> = HashMap::new();
    for l in lines.iter().filter(|l| !l.gift) {
        if let Some(i) = products.get(&l.product_id) {
            days.entry(i)
                .or_default()
                .push((day_number(l.date), l.quantity.max(1)));
        }
    }
    days.into_iter()
        .map(|(i, mut d)| {
            d.sort_unstable();
            // Same-day purchases merge: their quantities add.
            let mut merged: Vec<(i32, u32)> = Vec::new();
            for (day, q) in d {
                match merged.last_mut() {
                    Some((last, lq)) if *last == day => *lq += q,
                    _ => merged.push((day, q)),
                }
            }
            let gaps = merged
                .windows(2)
                .map(|w| f64::from(w[1].0 - w[0].0))
                .collect();
            (i, gaps)
        })
        .collect()
}

/// A customer's visit summary in days at `today`: her distinct purchase days, gift lines
/// included (buying a gift is a visit).
pub fn visit_summary(lines: &[HistoryLine], today: NaiveDate) -> Option<Rfm> {
    let end = f64::from(day_number(today));
    let times: Vec<f64> = lines
        .iter()
        .map(|l| f64::from(day_number(l.date)))
        .collect();
    Rfm::from_times(&times, end)
}

/// Her spend per visit until `today`: every line of a day adds up (gifts included); days
/// with a total of zero or less (returns, free gifts) carry no spend. `None` without one.
pub fn spend_summary(lines: &[HistoryLine], today: NaiveDate) -> Option<SpendSummary> {
    let mut by_day: HashMap<NaiveDate, i64> = HashMap::new();
    for l in lines.iter().filter(|l| l.date <= today) {
        *by_day.entry(l.date).or_default() += l.amount_cents;
    }
    let valued: Vec<f64> = by_day
        .values()
        .filter(|&&c| c > 0)
        .map(|&c| c as f64)
        .collect();
    (!valued.is_empty()).then(|| SpendSummary {
        visits: valued.len() as f64,
        mean: valued.iter().sum::<f64>() / valued.len() as f64,
    })
}

/// Every `step`-th element, so that at most `max` are kept.
fn even_sample<T: Copy>(v: &[T], max: usize) -> Vec<T> {
    let step = v.len().div_ceil(max.max(1)).max(1);
    v.iter().step_by(step).copied().collect()
}

fn fit_visits(
    customers: &[TrainingCustomer],
    segments: &Interner,
    cfg: &BuildConfig,
) -> Option<VisitModel> {
    let mut all: Vec<Rfm> = Vec::new();
    let mut by_segment: Vec<Vec<Rfm>> = vec![Vec::new(); segments.len()];
    let mut spend: Vec<SpendSummary> = Vec::new();
    let mut gaps: Vec<i32> = Vec::new();
    for c in customers {
        let Some(rfm) = visit_summary(&c.lines, cfg.as_of) else {
            continue;
        };
        let mut days: Vec<i32> = c.lines.iter().map(|l| day_number(l.date)).collect();
        days.sort_unstable();
        days.dedup();
        gaps.extend(days.windows(2).map(|w| w[1] - w[0]));
        all.push(rfm);
        if let Some(s) = segments.get(&c.segment) {
            by_segment[s as usize].push(rfm);
        }
        spend.extend(spend_summary(&c.lines, cfg.as_of));
    }
    let max = cfg.max_fit_customers;
    let overall = MbgNbd::fit(&even_sample(&all, max)).ok()?;
    let segments = by_segment
        .iter()
        .map(|v| {
            (v.len() >= cfg.min_segment_customers)
                .then(|| MbgNbd::fit_near(&even_sample(v, max), Some(&overall)).ok())
                .flatten()
        })
        .collect();
    Some(VisitModel {
        overall,
        segments,
        spend: GammaGamma::fit(&even_sample(&spend, max)).ok(),
        return_gap_p99_days: {
            gaps.sort_unstable();
            gaps.get(gaps.len() * 99 / 100)
                .map_or(f64::INFINITY, |&g| f64::from(g))
        },
    })
}
