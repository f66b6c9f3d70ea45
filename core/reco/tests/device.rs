//! The device-side behaviour on small hand-made cases: playlist, feedback, gifts, sensitive
//! categories, rules, re-purchase, visit forecast and the artifact.
#![allow(clippy::unwrap_used)]

use carnet_reco::artifact::ArtifactError;
use carnet_reco::{
    Activity, BuildConfig, CatalogItem, Feedback, FeedbackKind, HistoryLine, Model,
    PlaylistContext, Reason, Rule, RuleAction, RuleTarget, TrainingCustomer, due_list, next_visit,
    playlist, visit_forecast,
};
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn item(id: &str, brand: &str, category: &str, sensitive: bool, cycle: Option<u32>) -> CatalogItem {
    CatalogItem {
        id: id.into(),
        brand: brand.into(),
        category: category.into(),
        sensitive,
        replenishable: cycle.is_some(),
        cycle_days: cycle,
    }
}

fn line(p: &str, d: &str) -> HistoryLine {
    HistoryLine {
        product_id: p.into(),
        date: day(d),
        quantity: 1,
        amount_cents: 2_500,
        gift: false,
    }
}

fn gift(p: &str, d: &str) -> HistoryLine {
    HistoryLine {
        gift: true,
        ..line(p, d)
    }
}

/// P1 is bought with P2 and P3 and (by some) with the sensitive P7; P2 goes with P3; P4
/// with P5; P6 is a best-seller on its own.
fn model() -> Model {
    let catalog = vec![
        item("P1", "B1", "skincare.cream", false, Some(60)),
        item("P2", "B2", "skincare.serum", false, None),
        item("P3", "B3", "makeup.lipstick", false, None),
        item("P4", "B4", "fragrance.edp", false, None),
        item("P5", "B5", "fragrance.edt", false, None),
        item("P6", "B6", "haircare.shampoo", false, Some(45)),
        item("P7", "B7", "baby.care", true, None),
    ];
    let mut customers = Vec::new();
    let mut add = |seg: &str, baskets: &[(&str, &[&str])]| {
        let lines = baskets
            .iter()
            .flat_map(|(d, ps)| ps.iter().map(move |p| line(p, d)))
            .collect();
        customers.push(TrainingCustomer {
            segment: seg.into(),
            lines,
        });
    };
    for _ in 0..6 {
        add(
            "skin",
            &[("2024-01-10", &["P1", "P2"]), ("2024-03-10", &["P1", "P3"])],
        );
        add("skin", &[("2024-02-01", &["P2", "P3"])]);
        add(
            "scent",
            &[("2024-02-05", &["P4", "P5"]), ("2024-04-01", &["P6"])],
        );
        add("scent", &[("2024-02-05", &["P6"]), ("2024-03-20", &["P6"])]);
    }
    for _ in 0..3 {
        add("skin", &[("2024-02-01", &["P1", "P7"])]);
    }
    Model::build(&catalog, &customers, &BuildConfig::new(day("2024-05-01")))
}

fn ids(s: &[carnet_reco::Suggestion]) -> Vec<&str> {
    s.iter().map(|x| x.product_id.as_str()).collect()
}

fn ctx() -> PlaylistContext {
    let mut c = PlaylistContext::new(day("2024-05-01"));
    c.segment = Some("skin".into());
    c.market = Some("FR".into());
    c
}

#[test]
fn playlist_suggests_neighbours_with_reasons() {
    let m = model();
    let history = vec![line("P1", "2024-04-01")];
    let s = playlist(&m, &history, &[], &ctx(), 5);
    assert!(ids(&s).contains(&"P2"), "{s:?}");
    assert!(
        s.iter()
            .all(|x| !matches!(x.reason, Reason::Popular) || x.score > 0.0)
    );
    let p1 = s.iter().find(|x| x.product_id == "P1").unwrap();
    assert_eq!(
        p1.reason,
        Reason::BoughtOn {
            product_id: "P1".into(),
            date: day("2024-04-01")
        }
    );
    let p2 = s.iter().find(|x| x.product_id == "P2").unwrap();
    assert_eq!(
        p2.reason,
        Reason::OftenBoughtWith {
            product_id: "P1".into()
        }
    );
}

#[test]
fn dislike_removes_the_item_and_lowers_its_neighbour() {
    let m = model();
    let history = vec![line("P1", "2024-04-01")];
    let before = playlist(&m, &history, &[], &ctx(), 7);
    let dislike = [Feedback {
        product_id: "P2".into(),
        kind: FeedbackKind::Dislike,
    }];
    let after = playlist(&m, &history, &dislike, &ctx(), 7);
    assert!(ids(&before).contains(&"P2") && !ids(&after).contains(&"P2"));
    let score = |s: &[carnet_reco::Suggestion], p: &str| {
        s.iter().find(|x| x.product_id == p).unwrap().score
    };
    assert!(
        score(&after, "P3") < score(&before, "P3"),
        "P3 is P2's neighbour"
    );
    // A later like overrides the dislike.
    let both = [
        dislike[0].clone(),
        Feedback {
            product_id: "P2".into(),
            kind: FeedbackKind::Like,
        },
    ];
    assert!(ids(&playlist(&m, &history, &both, &ctx(), 7)).contains(&"P2"));
}

#[test]
fn like_pulls_its_neighbours_up() {
    let m = model();
    let history = vec![line("P1", "2024-04-01")];
    let before = playlist(&m, &history, &[], &ctx(), 7);
    let like = [Feedback {
        product_id: "P4".into(),
        kind: FeedbackKind::Like,
    }];
    let after = playlist(&m, &history, &like, &ctx(), 7);
    let rank = |s: &[carnet_reco::Suggestion], p: &str| {
        s.iter().position(|x| x.product_id == p).unwrap_or(99)
    };
    assert!(
        rank(&after, "P5") < rank(&before, "P5"),
        "{before:?}\n{after:?}"
    );
    let p5 = after.iter().find(|x| x.product_id == "P5").unwrap();
    assert_eq!(
        p5.reason,
        Reason::Liked {
            product_id: "P4".into()
        }
    );
    assert_eq!(
        after.iter().find(|x| x.product_id == "P4").unwrap().reason,
        Reason::Liked {
            product_id: "P4".into()
        }
    );
}

#[test]
fn gifts_do_not_change_the_playlist_or_the_due_list() {
    let m = model();
    let own = vec![line("P1", "2024-03-01")];
    let mut with_gifts = own.clone();
    with_gifts.push(gift("P4", "2024-04-20"));
    with_gifts.push(gift("P6", "2024-01-20"));
    with_gifts.push(gift("P1", "2024-04-25"));
    assert_eq!(
        playlist(&m, &own, &[], &ctx(), 6),
        playlist(&m, &with_gifts, &[], &ctx(), 6)
    );
    let today = day("2024-05-01");
    assert_eq!(
        due_list(&m, &own, today, 30),
        due_list(&m, &with_gifts, today, 30)
    );
}

#[test]
fn sensitive_items_appear_only_if_bought_and_never_when_suppressed() {
    let m = model();
    let history = vec![line("P1", "2024-04-01")];
    let like = [Feedback {
        product_id: "P7".into(),
        kind: FeedbackKind::Like,
    }];
    for fb in [&[][..], &like[..]] {
        let s = playlist(&m, &history, fb, &ctx(), 10);
        assert!(!ids(&s).contains(&"P7"), "inferred sensitive item: {s:?}");
    }
    let bought = vec![line("P7", "2024-04-01")];
    let s = playlist(&m, &bought, &[], &ctx(), 10);
    assert!(ids(&s).contains(&"P7"));
    assert!(
        s.iter().all(|x| x.reason
            != Reason::OftenBoughtWith {
                product_id: "P7".into()
            }),
        "nothing is inferred from a sensitive purchase: {s:?}"
    );
    let mut policy = ctx();
    policy.suppress_sensitive = true;
    assert!(!ids(&playlist(&m, &bought, &[], &policy, 10)).contains(&"P7"));
}

#[test]
fn market_rules_rerank_and_diversity_caps_hold() {
    let m = model();
    let history = vec![line("P1", "2024-04-01")];
    let mut it = ctx();
    it.market = Some("IT".into());
    it.rules = vec![
        Rule {
            market: Some("IT".into()),
            segment: None,
            target: RuleTarget::Category("fragrance".into()),
            action: RuleAction::Boost(50.0),
        },
        Rule {
            market: None,
            segment: None,
            target: RuleTarget::Brand("B3".into()),
            action: RuleAction::Exclude,
        },
    ];
    let s = playlist(&m, &history, &[], &it, 7);
    assert!(s[0].product_id == "P4" || s[0].product_id == "P5", "{s:?}");
    assert!(!ids(&s).contains(&"P3"));
    let fr = ctx();
    let mut fr_rules = fr.clone();
    fr_rules.rules = it.rules.clone();
    assert_ne!(
        playlist(&m, &history, &[], &fr_rules, 7)[0].product_id,
        "P4",
        "the IT boost does not apply in FR"
    );
    let mut capped = ctx();
    capped.max_per_category = 1;
    let s = playlist(&m, &history, &[], &capped, 7);
    let cats: Vec<&str> = s
        .iter()
        .map(|x| m.category_of(m.products.get(&x.product_id).unwrap()))
        .collect();
    let mut dedup = cats.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(cats.len(), dedup.len(), "{cats:?}");
}

#[test]
fn due_list_and_visit_forecast() {
    let m = model();
    let history = vec![
        line("P1", "2024-01-01"),
        line("P1", "2024-03-01"),
        line("P6", "2024-04-25"),
    ];
    let due = due_list(&m, &history, day("2024-05-01"), 14);
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].product_id, "P1");
    assert!(due[0].confidence > 0.0 && due[0].confidence <= 1.0);
    let f = visit_forecast(&m, &history, Some("skin"), day("2024-05-01")).unwrap();
    assert!(f.p_alive > 0.0 && f.p_alive <= 1.0);
    assert!(f.expected_90_days > f.expected_30_days && f.expected_30_days > 0.0);
}

#[test]
fn artifact_round_trip_and_damaged_artifacts() {
    let m = model();
    let bytes = m.to_bytes();
    let back = Model::from_bytes(&bytes).unwrap();
    let history = vec![line("P1", "2024-04-01")];
    assert_eq!(
        ids(&playlist(&m, &history, &[], &ctx(), 7)),
        ids(&playlist(&back, &history, &[], &ctx(), 7))
    );
    assert_eq!(back.to_bytes(), bytes, "a second round trip is exact");
    assert!(matches!(
        Model::from_bytes(&bytes[..bytes.len() - 3]),
        Err(ArtifactError::Truncated { .. })
    ));
    assert!(matches!(
        Model::from_bytes(&bytes[..10]),
        Err(ArtifactError::Truncated { .. })
    ));
    let mut flipped = bytes.clone();
    let last = flipped.len() - 20;
    flipped[last] ^= 0x40;
    assert_eq!(
        Model::from_bytes(&flipped).err(),
        Some(ArtifactError::Corrupt)
    );
    let mut other = bytes.clone();
    other[8] = 9;
    assert_eq!(
        Model::from_bytes(&other).err(),
        Some(ArtifactError::UnsupportedVersion {
            found: 9,
            supported: 2
        })
    );
    assert_eq!(
        Model::from_bytes(b"PK\x03\x04 a zip file").err(),
        Some(ArtifactError::BadMagic)
    );
}

/// Two years of a shop where half the customers come once and never again and the others
/// come about every five weeks.
fn visit_model() -> Model {
    let catalog = vec![item("P1", "B1", "skincare.cream", false, Some(60))];
    let start = day("2023-01-01");
    let customers: Vec<TrainingCustomer> = (0..120)
        .map(|c| {
            let first = start + chrono::Duration::days((c * 7 % 600) as i64);
            let visits = if c % 2 == 0 {
                1
            } else {
                1 + (730 - c * 7 % 600) / 35
            };
            TrainingCustomer {
                segment: "all".into(),
                lines: (0..visits)
                    .map(|k| HistoryLine {
                        date: first + chrono::Duration::days(k as i64 * (30 + c as i64 % 11)),
                        ..line("P1", "2023-01-01")
                    })
                    .filter(|l| l.date < day("2025-01-01"))
                    .collect(),
            }
        })
        .collect();
    Model::build(&catalog, &customers, &BuildConfig::new(day("2025-01-01")))
}

#[test]
fn a_long_lapsed_one_time_buyer_is_never_called_active() {
    let once = vec![line("P1", "2024-01-10")];
    let m = visit_model();
    let f = visit_forecast(&m, &once, None, day("2026-11-01")).unwrap();
    assert!(
        f.p_return_year < 0.25 && f.p_return_year <= f.p_alive,
        "{f:?}"
    );
    assert_eq!(f.activity, Activity::Lapsed);
    // Her value is a band, and nothing is expected of her any more at its low end.
    let band = f.value.unwrap();
    assert_eq!((band.low_cents, band.horizon_days), (0, 365));
    // The same customer just after her visit may well come back.
    let fresh = visit_forecast(&m, &once, None, day("2024-01-12")).unwrap();
    assert!(
        fresh.p_return_year > 2.0 * f.p_return_year && fresh.activity != Activity::Lapsed,
        "{fresh:?}"
    );
    let regular: Vec<HistoryLine> = (0..12)
        .map(|k| line("P1", &format!("2026-{:02}-15", k % 10 + 1)))
        .collect();
    let r = visit_forecast(&m, &regular, None, day("2026-11-01")).unwrap();
    assert_eq!(r.activity, Activity::Active, "{r:?}");
    assert!(r.value.unwrap().high_cents > band.high_cents);
    // A fit on four months of data cannot tell drop-out from silence (its P(alive) stays
    // near 1): the card's wording still does not call her active.
    let short = visit_forecast(&model(), &once, Some("scent"), day("2026-11-01")).unwrap();
    assert_eq!(short.activity, Activity::Lapsed, "{short:?}");
}

#[test]
fn the_expected_next_visit_follows_her_own_rhythm_and_stays_put_while_she_is_away() {
    let m = visit_model();
    // Every 30 days for a year: she is expected about a month after her last visit.
    let monthly: Vec<HistoryLine> = (0..12)
        .map(|k| {
            line(
                "P1",
                &(day("2025-11-01") + chrono::Days::new(30 * k)).to_string(),
            )
        })
        .collect();
    let last = day("2025-11-01") + chrono::Days::new(330);
    let soon = next_visit(&m, &monthly, None, last + chrono::Days::new(3)).unwrap();
    assert_eq!(soon.last_visit, last);
    let gap = (soon.expected_on - last).num_days();
    assert!(
        (20..=45).contains(&gap),
        "monthly buyer expected after {gap} days"
    );
    assert!(soon.winnable && soon.p_alive > 0.5, "{soon:?}");
    // Two months later the date has not moved, and she is still worth a call.
    let later = next_visit(&m, &monthly, None, last + chrono::Days::new(60)).unwrap();
    assert_eq!(later.expected_on, soon.expected_on);
    assert!(later.p_alive < soon.p_alive);
    // A customer who came twice a year ago is expected much later than the monthly one.
    let rare = vec![line("P1", "2025-01-10"), line("P1", "2025-07-10")];
    let r = next_visit(&m, &rare, None, day("2025-07-20")).unwrap();
    assert!((r.expected_on - r.last_visit).num_days() > 2 * gap, "{r:?}");
    // Silent longer than anyone who ever came back: not winnable any more.
    let gone = next_visit(&m, &rare, None, day("2029-07-20")).unwrap();
    assert!(!gone.winnable, "{gone:?}");
    // Nothing bought by the day asked: no date.
    assert_eq!(next_visit(&m, &rare, None, day("2024-12-31")), None);
}

#[test]
fn an_artifact_of_the_previous_format_is_refused_by_version() {
    let mut bytes = model().to_bytes();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(
        Model::from_bytes(&bytes).err(),
        Some(ArtifactError::UnsupportedVersion {
            found: 1,
            supported: 2
        })
    );
}

#[test]
fn the_artifact_keeps_repeat_rates_and_visit_models() {
    let m = model();
    let back = Model::from_bytes(&m.to_bytes()).unwrap();
    assert_eq!(back.repeats.cycle, m.repeats.cycle);
    assert_eq!(back.repeats.lift, m.repeats.lift);
    for (a, b) in back.repeats.rate.iter().zip(&m.repeats.rate) {
        assert!((a - b).abs() < 1e-4);
    }
    assert_eq!(back.visits, m.visits);
    assert!(m.visits.as_ref().unwrap().spend.is_some());
}
