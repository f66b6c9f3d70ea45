//! The device's playlist, re-purchase list and visit forecast over the encrypted cache: the
//! model as the feed delivers it, feedback applied at once, gifts, sensitive categories,
//! consent, offers, and a missing or damaged model.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use carnet_core::recommend::{
    self, ModelProblem, PlaylistItem, RejectedModel, SuggestionReason, Withheld,
};
use carnet_core::{Cache, CacheKey, changes, outbox};
use carnet_protocol::{Change, FeedbackVerdict, MutationKind, PolicyRecord, Record};
use chrono::{TimeZone, Utc};
use support::{Sample, deliver_model, sample_model_bytes, today};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap()
}

fn with_model() -> (Sample, Cache) {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    deliver_model(&cache, 1, &sample_model_bytes());
    (sample, cache)
}

fn ids(items: &[PlaylistItem]) -> Vec<&str> {
    items.iter().map(|i| i.product.id.as_str()).collect()
}

fn feedback(cache: &Cache, customer: &str, product: &str, verdict: FeedbackVerdict) {
    outbox::record(
        cache,
        MutationKind::Feedback {
            customer_id: customer.into(),
            product_id: product.into(),
            verdict,
        },
        Some("A1"),
        now(),
    )
    .unwrap();
}

fn set_policy(cache: &Cache, store: &str, suppress: bool, rules: &str) {
    let record = Record::Policy(PolicyRecord {
        id: store.into(),
        suppress_sensitive: suppress,
        rules: serde_json::from_str(rules).unwrap(),
        updated_at: "2026-11-01T00:00:00Z".into(),
    });
    let cursor = changes::cursor(cache).unwrap();
    changes::apply_page(cache, &[Change::Upsert { record }], &cursor).unwrap();
}

#[test]
fn without_a_model_every_list_says_so() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let p = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert_eq!(p.withheld, Some(Withheld::ModelNotReceived));
    assert!(p.suggestions.is_empty());
    let r = recommend::repurchase_list(&cache, "C1", today(), 30).unwrap();
    assert_eq!(r.withheld, Some(Withheld::ModelNotReceived));
    let f = recommend::visit_forecast(&cache, "C1", today()).unwrap();
    assert_eq!(f.withheld, Some(Withheld::ModelNotReceived));
    assert_eq!(recommend::model_status(&cache).unwrap().version, None);
    assert!(matches!(
        recommend::playlist(&cache, "C404", today(), 10),
        Err(carnet_core::Error::NotFound)
    ));
}

#[test]
fn the_playlist_names_products_reasons_and_relevant_offers() {
    let (_s, cache) = with_model();
    let p = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert_eq!(p.withheld, None);
    assert_eq!(p.model_version, Some(1));
    assert!(!p.suggestions.is_empty());
    for item in &p.suggestions {
        assert!(!item.product.name.is_empty() && !item.product.brand.is_empty());
        assert!(item.product.price_cents > 0);
    }
    let cream = p
        .suggestions
        .iter()
        .find(|i| i.product.id == "P04")
        .expect("her day cream");
    assert!(matches!(
        &cream.reason,
        SuggestionReason::BoughtOn { product_name, .. } if product_name == "Crème de Jour Hydratante"
    ));
    // O1 and O5 are limited to skincare (a top category of skincare.day_cream) and valid today;
    // O2 expired, O3 used, O4 not yet valid.
    let mut offers: Vec<&str> = cream.offers.iter().map(|o| o.id.as_str()).collect();
    offers.sort_unstable();
    assert_eq!(offers, ["O1", "O5"]);
    for item in p.suggestions.iter().filter(|i| i.product.id != "P04") {
        assert!(
            item.offers.is_empty(),
            "{} is not skincare",
            item.product.id
        );
    }
}

#[test]
fn a_dislike_removes_the_item_and_a_like_pulls_it_in_at_once_offline() {
    let (_s, cache) = with_model();
    let before = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    let top = before.suggestions[0].product.id.clone();
    feedback(&cache, "C1", &top, FeedbackVerdict::Dislike);
    let after = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert!(!ids(&after.suggestions).contains(&top.as_str()));
    // Cleared: it comes back.
    feedback(&cache, "C1", &top, FeedbackVerdict::Cleared);
    let cleared = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert_eq!(ids(&cleared.suggestions), ids(&before.suggestions));

    // C3 bought only P05; a like of P01 brings it, with its reason, and its neighbour P02.
    let score_of = |items: &[PlaylistItem], id: &str| {
        items
            .iter()
            .find(|i| i.product.id == id)
            .map_or(0.0, |i| i.score)
    };
    let c3 = recommend::playlist(&cache, "C3", today(), 2).unwrap();
    assert!(!ids(&c3.suggestions).contains(&"P01"));
    let p02_before = score_of(
        &recommend::playlist(&cache, "C3", today(), 10)
            .unwrap()
            .suggestions,
        "P02",
    );
    feedback(&cache, "C3", "P01", FeedbackVerdict::Like);
    let liked = recommend::playlist(&cache, "C3", today(), 2).unwrap();
    let p01 = liked
        .suggestions
        .iter()
        .find(|i| i.product.id == "P01")
        .expect("liked product");
    assert!(
        matches!(&p01.reason, SuggestionReason::Liked { product_id, .. } if product_id == "P01")
    );
    let p02_after = score_of(
        &recommend::playlist(&cache, "C3", today(), 10)
            .unwrap()
            .suggestions,
        "P02",
    );
    assert!(
        p02_after > p02_before,
        "its neighbour P02 is pulled up: {p02_before} → {p02_after}"
    );
    // The edit is queued for the server.
    assert_eq!(outbox::pending(&cache, 10).unwrap().len(), 3);
}

#[test]
fn gifts_never_count() {
    let (_s, cache) = with_model();
    // P06 was only ever a gift for her (and nobody else buys it).
    let p = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert!(!ids(&p.suggestions).contains(&"P06"));
    let due = recommend::repurchase_list(&cache, "C1", today(), 365).unwrap();
    assert!(due.items.iter().any(|d| d.product.id == "P04"));
    // Marking her day-cream lines as gifts takes the cream off her re-purchase list and out
    // of her own purchases.
    for line in ["R02-2", "R09-1"] {
        outbox::record(
            &cache,
            MutationKind::GiftFlag {
                purchase_id: line.into(),
                gift: true,
            },
            None,
            now(),
        )
        .unwrap();
    }
    let due = recommend::repurchase_list(&cache, "C1", today(), 365).unwrap();
    assert!(due.items.iter().all(|d| d.product.id != "P04"));
    let p = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert!(p.suggestions.iter().all(|i| !matches!(
        &i.reason,
        SuggestionReason::BoughtOn { product_id, .. } if product_id == "P04" || product_id == "P06"
    )));
}

#[test]
fn a_sensitive_category_appears_only_when_bought_and_the_policy_removes_it() {
    let (_s, cache) = with_model();
    // C3 bought P05, which shoppers buy with P07 (maternity): never inferred.
    let c3 = recommend::playlist(&cache, "C3", today(), 10).unwrap();
    assert!(!c3.suggestions.is_empty());
    assert!(!ids(&c3.suggestions).contains(&"P07"));
    // Even a like of it does not bring it to her.
    feedback(&cache, "C3", "P07", FeedbackVerdict::Like);
    let c3 = recommend::playlist(&cache, "C3", today(), 10).unwrap();
    assert!(!ids(&c3.suggestions).contains(&"P07"));
    // C1 bought P07 herself: it may appear, until the store suppresses sensitive categories.
    let c1 = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert!(ids(&c1.suggestions).contains(&"P07"));
    set_policy(&cache, "S001", true, "[]");
    let c1 = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert!(!c1.suggestions.is_empty());
    assert!(!ids(&c1.suggestions).contains(&"P07"));
}

#[test]
fn market_rules_from_the_store_policy_apply() {
    let (_s, cache) = with_model();
    let before = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert!(
        before
            .suggestions
            .iter()
            .any(|i| i.product.brand_id == "B01")
    );
    // An Italian rule does nothing in Paris; a French one does.
    set_policy(
        &cache,
        "S001",
        false,
        r#"[{"market": "IT", "target": {"brand": "B01"}, "action": "exclude"}]"#,
    );
    let it = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert_eq!(ids(&it.suggestions), ids(&before.suggestions));
    set_policy(
        &cache,
        "S001",
        false,
        r#"[{"market": "FR", "target": {"brand": "B01"}, "action": "exclude"}]"#,
    );
    let fr = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert!(fr.suggestions.iter().all(|i| i.product.brand_id != "B01"));
}

#[test]
fn a_withdrawn_consent_withholds_everything_built_from_her_data() {
    let (_s, cache) = with_model();
    assert!(
        recommend::visit_forecast(&cache, "C1", today())
            .unwrap()
            .withheld
            .is_none()
    );
    outbox::record(
        &cache,
        MutationKind::Consent {
            customer_id: "C1".into(),
            channel: "email".into(),
            purpose: "personalisation".into(),
            granted: false,
            source: "store".into(),
        },
        Some("A1"),
        now(),
    )
    .unwrap();
    let p = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert_eq!(p.withheld, Some(Withheld::ConsentWithdrawn));
    assert!(p.suggestions.is_empty());
    let r = recommend::repurchase_list(&cache, "C1", today(), 365).unwrap();
    assert_eq!(r.withheld, Some(Withheld::ConsentWithdrawn));
    assert!(r.items.is_empty());
    let f = recommend::visit_forecast(&cache, "C1", today()).unwrap();
    assert_eq!(f.withheld, Some(Withheld::ConsentWithdrawn));
    assert!(f.forecast.is_none());
    // Other customers are unaffected.
    assert!(
        recommend::playlist(&cache, "C3", today(), 10)
            .unwrap()
            .withheld
            .is_none()
    );
}

#[test]
fn the_card_forecast_and_repurchase_list_come_from_the_model() {
    let (_s, cache) = with_model();
    let f = recommend::visit_forecast(&cache, "C1", today()).unwrap();
    let f = f.forecast.expect("a fitted visit model and purchases");
    assert!((0.0..=1.0).contains(&f.p_alive));
    assert!(f.p_return_year <= f.p_alive);
    assert_eq!(
        f.activity,
        recommend::Activity::of(f.p_return_year, 0.0, f64::INFINITY)
    );
    assert!(f.expected_90_days >= f.expected_30_days && f.expected_30_days >= 0.0);
    let band = f.value.expect("the sample's purchases have amounts");
    assert!(band.low_cents >= 0 && band.low_cents <= band.high_cents && band.high_cents > 0);
    assert_eq!(band.horizon_days, 365);
    let due = recommend::repurchase_list(&cache, "C1", today(), 365).unwrap();
    let cream = due.items.iter().find(|d| d.product.id == "P04").unwrap();
    assert_eq!(cream.last_bought.to_string(), "2026-10-02");
    assert!(cream.confidence > 0.0 && cream.cycle_days > 0.0);
    assert_eq!(cream.offers.len(), 2);
}

#[test]
fn a_damaged_model_is_refused_with_its_reason_and_the_old_one_kept() {
    let (_s, cache) = with_model();
    let before = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    let mut bytes = sample_model_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    deliver_model(&cache, 2, &bytes);
    let status = recommend::model_status(&cache).unwrap();
    assert_eq!(status.version, Some(1));
    assert_eq!(
        status.rejected,
        Some(RejectedModel {
            version: 2,
            problem: ModelProblem::Corrupt
        })
    );
    let after = recommend::playlist(&cache, "C1", today(), 10).unwrap();
    assert_eq!(after.model_version, Some(1));
    assert_eq!(ids(&after.suggestions), ids(&before.suggestions));

    deliver_model(&cache, 3, &bytes[..100]);
    assert!(matches!(
        recommend::model_status(&cache).unwrap().rejected,
        Some(RejectedModel {
            version: 3,
            problem: ModelProblem::Truncated
        })
    ));
    // A good new build replaces the old one and clears the refusal.
    deliver_model(&cache, 4, &sample_model_bytes());
    let status = recommend::model_status(&cache).unwrap();
    assert_eq!((status.version, status.rejected), (Some(4), None));
    assert_eq!(
        recommend::playlist(&cache, "C1", today(), 10)
            .unwrap()
            .model_version,
        Some(4)
    );
}
