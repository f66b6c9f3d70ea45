#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::card::customer_card;
use carnet_core::{CacheKey, Error};
use support::{Sample, today};

#[test]
fn the_card_counts_gifts_in_spend_but_not_in_the_profile() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let card = customer_card(&cache, "C1", today()).unwrap();

    assert_eq!(
        (card.first_name.as_str(), card.last_name.as_str()),
        ("Hélène", "Dupont")
    );
    assert_eq!(card.tier, "gold");
    assert_eq!(card.points, 1201);
    assert_eq!(card.contact.phone_e164.as_deref(), Some("+33612345678"));

    // 12 lines in 9 receipts, gifts included in spend.
    assert_eq!(card.stats.lines, 12);
    assert_eq!(card.stats.receipts, 9);
    assert_eq!(card.stats.gift_lines, 3);
    let spend = 3000 + 2500 + 4200 + 6500 * 3 + 3000 + 1900 * 2 + 3100 + 4200 + 8900;
    assert_eq!(card.stats.total_spend_cents, spend);
    assert_eq!(card.stats.average_basket_cents, spend / 9);
    assert_eq!(card.stats.last_visit.unwrap().to_string(), "2026-10-02");

    // Her own lines: Maison Lumière ×4 (3 lipsticks and a perfume), Nordlys ×2 (day cream;
    // the 2 maternity lines are sensitive), Terra Bella ×1 (the 3 gift lines do not count).
    let brands: Vec<(&str, u32)> = card
        .top_brands
        .iter()
        .map(|s| (s.id.as_str(), s.lines))
        .collect();
    assert_eq!(brands, [("B01", 4), ("B03", 2), ("B02", 1)]);
    // Categories: make-up ×4, skincare ×2, fragrance ×1 (her own perfume; the gift men's
    // perfumes do not count); maternity never appears.
    let categories: Vec<(&str, u32)> = card
        .top_categories
        .iter()
        .map(|s| (s.id.as_str(), s.lines))
        .collect();
    assert_eq!(
        categories,
        [("makeup", 4), ("skincare", 2), ("fragrance", 1)]
    );
}

#[test]
fn the_card_shows_only_offers_valid_today_and_unused() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let card = customer_card(&cache, "C1", today()).unwrap();

    let offers: Vec<(&str, i64)> = card
        .active_offers
        .iter()
        .map(|o| (o.id.as_str(), o.days_left))
        .collect();
    // O5 ends today (1 day left), O1 at the end of the month; O2 expired, O3 used, O4 future.
    assert_eq!(offers, [("O5", 1), ("O1", 30)]);
}

#[test]
fn consents_and_contact_are_on_the_card() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let card = customer_card(&cache, "C2", today()).unwrap();
    assert_eq!(card.contact.email, None);
    assert_eq!(card.contact.city, "Lyon");
    assert_eq!(card.consents.len(), 2);
    assert!(card.consents.iter().all(|c| c.granted));
    // No purchases: zeros, no last visit, empty profile.
    assert_eq!(card.stats.receipts, 0);
    assert_eq!(card.stats.average_basket_cents, 0);
    assert!(card.stats.last_visit.is_none());
    assert!(card.top_brands.is_empty());
}

#[test]
fn an_unknown_customer_is_not_found() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    assert!(matches!(
        customer_card(&cache, "C404", today()),
        Err(Error::NotFound)
    ));
}
