//! The device's playlist for one customer: candidates from her non-gift history and its
//! neighbours, the advisor's likes and dislikes applied at once, merchandising rules,
//! the sensitive-category policy, brand/category diversity, and a reason on every line.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::basket::{date_of_day, day_number};
use crate::engine::{Candidate, Seed, SeedOrigin, profile, score};
use crate::history::{HistoryLine, baskets_of};
use crate::model::Model;
use crate::rules::{Rule, factor};

/// The advisor's verdict on a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    /// Show more like this.
    Like,
    /// Not for her.
    Dislike,
}

/// One like or dislike. In a list, a later entry for the same product wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// Product id.
    pub product_id: String,
    /// Like or dislike.
    pub kind: FeedbackKind,
}

/// Where and for whom the playlist is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaylistContext {
    /// Today: recency is measured from it.
    pub today: NaiveDate,
    /// The customer's segment, if known.
    pub segment: Option<String>,
    /// The store's market (ISO country code).
    pub market: Option<String>,
    /// Store policy: no product of a sensitive category, even one she bought.
    pub suppress_sensitive: bool,
    /// Merchandising rules (boost, demote, exclude by market and segment).
    pub rules: Vec<Rule>,
    /// At most this many suggestions of one brand.
    pub max_per_brand: usize,
    /// At most this many suggestions of one category.
    pub max_per_category: usize,
}

impl PlaylistContext {
    /// A context for `today` with no segment, market or rules, and caps of 3 per brand and
    /// 4 per category.
    pub fn new(today: NaiveDate) -> Self {
        Self {
            today,
            segment: None,
            market: None,
            suppress_sensitive: false,
            rules: Vec::new(),
            max_per_brand: 3,
            max_per_category: 4,
        }
    }
}

/// Why a product is suggested, shown to the advisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    /// She bought this product, last on `date`.
    BoughtOn {
        /// The product.
        product_id: String,
        /// Her latest purchase of it.
        date: NaiveDate,
    },
    /// The advisor liked this product or one close to it.
    Liked {
        /// The liked product.
        product_id: String,
    },
    /// Often bought with a product she bought.
    OftenBoughtWith {
        /// Her product.
        product_id: String,
    },
    /// Popular with her segment.
    PopularWith {
        /// The segment.
        segment: String,
    },
    /// Popular overall.
    Popular,
}

/// One line of the playlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Product id.
    pub product_id: String,
    /// Score after rules (higher is better; comparable within one playlist only).
    pub score: f32,
    /// Why.
    pub reason: Reason,
}

/// The playlist of at most `limit` products for a customer.
///
/// Gift lines and lines of unknown products are ignored. `feedback` is applied on top of the
/// history: a disliked product never appears and its neighbours are damped; a liked one is
/// raised and seeds its neighbours. A product of a sensitive category appears only if she
/// bought that very product herself, never by inference, and never when the store suppresses
/// sensitive categories; sensitive products do not seed neighbours either.
pub fn playlist(
    model: &Model,
    history: &[HistoryLine],
    feedback: &[Feedback],
    ctx: &PlaylistContext,
    limit: usize,
) -> Vec<Suggestion> {
    let p = &model.params;
    let baskets = baskets_of(history, &model.products);
    let now = f64::from(day_number(ctx.today));
    let mut seeds = profile(&baskets, now, p, &model.repeats);
    let bought: HashSet<u32> = seeds.iter().map(|s| s.item).collect();

    let mut verdict: HashMap<u32, FeedbackKind> = HashMap::new();
    for f in feedback {
        if let Some(i) = model.products.get(&f.product_id) {
            verdict.insert(i, f.kind);
        }
    }
    let excluded =
        |i: u32| model.is_sensitive(i) && (ctx.suppress_sensitive || !bought.contains(&i));
    // Sensitive products keep their own repeat score but infer nothing about neighbours.
    for s in &mut seeds {
        if model.is_sensitive(s.item) {
            s.seed = 0.0;
        }
    }
    let strongest = seeds.iter().map(|s| s.seed).fold(0.0, f64::max);
    let like_seed = if strongest > 0.0 { strongest } else { 1.0 } * p.like_weight;
    let mut liked: Vec<u32> = verdict
        .iter()
        .filter(|&(&i, &k)| k == FeedbackKind::Like && !excluded(i))
        .map(|(&i, _)| i)
        .collect();
    liked.sort_unstable();
    for &i in &liked {
        let is_sensitive = model.is_sensitive(i);
        match seeds.iter_mut().find(|s| s.item == i) {
            Some(s) => {
                s.seed = if is_sensitive {
                    0.0
                } else {
                    s.seed.max(like_seed)
                };
                s.origin = SeedOrigin::Liked;
            }
            None => seeds.push(Seed {
                item: i,
                repeat: 0.0,
                seed: if is_sensitive { 0.0 } else { like_seed },
                last_time: now,
                origin: SeedOrigin::Liked,
            }),
        }
    }

    let segment = ctx.segment.as_deref().and_then(|s| model.segment_index(s));
    let seg_pop: HashMap<u32, f32> = segment
        .map(|s| model.segment_popular[s].iter().copied().collect())
        .unwrap_or_default();
    let popularity = |i: u32| {
        let global = model.popularity.get(i as usize).copied().unwrap_or(0.0);
        match segment {
            Some(_) => 0.5 * global + 0.5 * seg_pop.get(&i).copied().unwrap_or(0.0),
            None => global,
        }
    };
    let mut popular: Vec<u32> = segment
        .map(|s| model.segment_popular[s].iter().map(|&(i, _)| i).collect())
        .unwrap_or_default();
    popular.extend(model.popular.iter().take(p.popular_candidates));
    let mut candidates = score(&model.neighbours, &popularity, &popular, &seeds, p);

    for &i in &liked {
        if let Some(c) = candidates.get_mut(&i) {
            c.score += p.like_weight * p.repeat_weight;
        }
    }
    for (&d, _) in verdict.iter().filter(|&(_, &k)| k == FeedbackKind::Dislike) {
        candidates.remove(&d);
        let (items, sims) = model.neighbours.of(d);
        for (i, &s) in items.iter().zip(sims) {
            if let Some(c) = candidates.get_mut(i) {
                c.score *= (1.0 - p.dislike_damp * f64::from(s)).max(0.0);
            }
        }
    }

    let market = ctx.market.as_deref();
    let seg_name = ctx.segment.as_deref();
    let mut ranked: Vec<Candidate> = candidates
        .into_values()
        .filter(|c| !excluded(c.item))
        .filter_map(|mut c| {
            let f = factor(
                &ctx.rules,
                market,
                seg_name,
                model.brand_of(c.item),
                model.category_of(c.item),
            )?;
            c.score *= f;
            Some(c)
        })
        .filter(|c| c.score > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));

    let chosen = diversify(model, &ranked, ctx, limit);
    let origin: HashMap<u32, (SeedOrigin, f64)> = seeds
        .iter()
        .map(|s| (s.item, (s.origin, s.last_time)))
        .collect();
    chosen
        .into_iter()
        .map(|c| Suggestion {
            product_id: model.products.id(c.item).to_string(),
            score: c.score as f32,
            reason: reason(
                model,
                &c,
                &origin,
                &liked,
                ctx.segment.as_deref(),
                segment.is_some(),
            ),
        })
        .collect()
}

/// Greedy selection in score order with a cap per brand and per category; each earlier pick
/// of the same brand or category also lowers a candidate's effective score a little, so the
/// list alternates when scores are close.
fn diversify(
    model: &Model,
    ranked: &[Candidate],
    ctx: &PlaylistContext,
    limit: usize,
) -> Vec<Candidate> {
    const SAME_BRAND_OR_CATEGORY: f64 = 0.9;
    let mut brand_n: HashMap<u32, usize> = HashMap::new();
    let mut cat_n: HashMap<u32, usize> = HashMap::new();
    let mut taken = vec![false; ranked.len()];
    let mut out = Vec::with_capacity(limit);
    while out.len() < limit {
        let mut best: Option<(usize, f64)> = None;
        for (k, c) in ranked.iter().enumerate() {
            if taken[k] {
                continue;
            }
            if best.is_some_and(|(_, b)| c.score <= b) {
                break; // Scores only fall from here and penalties only lower them.
            }
            let b = model
                .product_brand
                .get(c.item as usize)
                .copied()
                .unwrap_or(u32::MAX);
            let g = model
                .product_category
                .get(c.item as usize)
                .copied()
                .unwrap_or(u32::MAX);
            let (nb, ng) = (
                brand_n.get(&b).copied().unwrap_or(0),
                cat_n.get(&g).copied().unwrap_or(0),
            );
            if nb >= ctx.max_per_brand || ng >= ctx.max_per_category {
                continue;
            }
            let eff = c.score * SAME_BRAND_OR_CATEGORY.powi((nb + ng) as i32);
            if best.is_none_or(|(_, s)| eff > s) {
                best = Some((k, eff));
            }
        }
        let Some((k, _)) = best else { break };
        taken[k] = true;
        let c = ranked[k];
        *brand_n
            .entry(
                model
                    .product_brand
                    .get(c.item as usize)
                    .copied()
                    .unwrap_or(u32::MAX),
            )
            .or_default() += 1;
        *cat_n
            .entry(
                model
                    .product_category
                    .get(c.item as usize)
                    .copied()
                    .unwrap_or(u32::MAX),
            )
            .or_default() += 1;
        out.push(c);
    }
    out
}

/// The reason of the score part that weighs most.
fn reason(
    model: &Model,
    c: &Candidate,
    origin: &HashMap<u32, (SeedOrigin, f64)>,
    liked: &[u32],
    segment: Option<&str>,
    segment_known: bool,
) -> Reason {
    let p = &model.params;
    let id = |i: u32| model.products.id(i).to_string();
    if liked.contains(&c.item) {
        return Reason::Liked {
            product_id: id(c.item),
        };
    }
    let parts = [
        p.repeat_weight * c.repeat,
        p.neighbour_weight * c.neighbour,
        p.popularity_weight * c.popularity,
    ];
    if let Some(&(SeedOrigin::Bought, last)) = origin.get(&c.item)
        && parts[0] > 0.0
        && parts[0] >= parts[1].max(parts[2]) * 0.5
    {
        return Reason::BoughtOn {
            product_id: id(c.item),
            date: date_of_day(last as i32),
        };
    }
    if let Some((via, _)) = c.via
        && parts[1] >= parts[2]
    {
        return match origin.get(&via) {
            Some((SeedOrigin::Liked, _)) => Reason::Liked {
                product_id: id(via),
            },
            _ => Reason::OftenBoughtWith {
                product_id: id(via),
            },
        };
    }
    match segment {
        Some(s) if segment_known => Reason::PopularWith {
            segment: s.to_string(),
        },
        _ => Reason::Popular,
    }
}
