//! Customers across devices through the real server: a consent withdrawal on one device reaches
//! another, a registration shows its likely duplicates first and travels, a merge redirects the
//! old card, an erasure leaves no row about her in a device's cache, and an access export holds
//! what the server has about her.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_core::consent::{self, Channel, Purpose};
use carnet_core::duplicates::{self, CandidateContact, DuplicateReason};
use carnet_core::{Cache, lookup, outbox, registration};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, DuplicatePair, files};
use carnet_protocol::{Address, MutationKind};
use chrono::Utc;
use common::store::{STORE, TinyStore, full_sync};
use common::{ADVISOR, cli, import};

fn count(cache: &Cache, sql: &str, arg: &str) -> i64 {
    cache
        .read(|c| Ok(c.query_row(sql, [arg], |r| r.get(0))?))
        .unwrap()
}

/// A S001 customer who grants personalisation and marketing by e-mail.
fn consenting(setup: &TinyStore) -> Customer {
    setup
        .customers()
        .into_iter()
        .find(|c| {
            c.home_store_id == STORE
                && c.email.is_some()
                && ["personalisation", "marketing"].iter().all(|p| {
                    c.consents
                        .iter()
                        .any(|k| k.channel == "email" && k.purpose == *p && k.granted)
                })
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_on_one_device_reaches_another_through_the_server() {
    let setup = TinyStore::new().await;
    let client = setup.client();
    let (a, b) = (setup.device("a"), setup.device("bb"));
    full_sync(&a, &client).await;
    full_sync(&b, &client).await;
    let her = consenting(&setup);
    for cache in [&a, &b] {
        assert!(consent::allows(
            cache,
            &her.id,
            Purpose::Personalisation,
            None
        ));
        assert!(
            consent::outreach(cache, &her.id, Purpose::Marketing)
                .unwrap()
                .email
                .is_some()
        );
    }
    // Device A, offline: she withdraws personalisation and e-mail marketing.
    for purpose in ["personalisation", "marketing"] {
        outbox::record(
            &a,
            MutationKind::Consent {
                customer_id: her.id.clone(),
                channel: "email".into(),
                purpose: purpose.into(),
                granted: false,
                source: "store".into(),
            },
            Some(ADVISOR),
            Utc::now(),
        )
        .unwrap();
    }
    assert!(!consent::allows(
        &a,
        &her.id,
        Purpose::Personalisation,
        None
    ));
    assert!(
        consent::allows(&b, &her.id, Purpose::Personalisation, None),
        "B has not synced"
    );
    full_sync(&a, &client).await;
    // B's next sync brings the server's decision, with the advisor who recorded it.
    full_sync(&b, &client).await;
    assert!(!consent::allows(
        &b,
        &her.id,
        Purpose::Personalisation,
        None
    ));
    assert!(!consent::allows(
        &b,
        &her.id,
        Purpose::Marketing,
        Some(Channel::Email)
    ));
    assert_eq!(
        consent::outreach(&b, &her.id, Purpose::Marketing)
            .unwrap()
            .email,
        None
    );
    let state = consent::states(&b, &her.id)
        .unwrap()
        .into_iter()
        .find(|s| s.channel == "email" && s.purpose == "personalisation")
        .unwrap();
    assert_eq!(state.advisor_id.as_deref(), Some(ADVISOR));
    assert_eq!(state.source, "store");

    // The access export holds the consent history with device and advisor.
    let out = setup.dir.path().join("access.json");
    cli(&[
        "customer",
        "export",
        "--data",
        setup.data(),
        &her.id,
        "--out",
        out.to_str().unwrap(),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(json["customer_id"], her.id.as_str());
    assert_eq!(json["customer"]["id"], her.id.as_str());
    let history = json["consent_history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert!(
        history
            .iter()
            .all(|h| h["advisor_id"] == ADVISOR && h["granted"] == false)
    );
    let purchases = json["purchases"].as_array().unwrap();
    assert!(
        purchases
            .iter()
            .all(|p| p["customer_id"] == her.id.as_str())
    );
    assert!(json["offers"].is_array() && json["profile_views"].is_array());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the export is readable by its owner only");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_shows_duplicates_first_then_travels() {
    let setup = TinyStore::new().await;
    let client = setup.client();
    let (a, b) = (setup.device("a"), setup.device("bb"));
    full_sync(&a, &client).await;
    full_sync(&b, &client).await;
    let existing = setup
        .customers()
        .into_iter()
        .find(|c| c.home_store_id == STORE && c.email.is_some() && c.phone.is_some())
        .unwrap();
    // The advisor types an existing customer in again: accents dropped, names swapped.
    let typed = CandidateContact {
        id: None,
        first_name: carnet_core::text::fold(&existing.last_name),
        last_name: existing.first_name.to_uppercase(),
        email: existing.email.as_ref().map(|e| e.to_uppercase()),
        phone: existing.phone.clone(),
        postal_code: Some(existing.address.postal_code.clone()),
        country: "FR".into(),
    };
    let hints = duplicates::likely(&a, &typed).unwrap();
    let hint = hints.iter().find(|h| h.customer_id == existing.id).unwrap();
    assert!(
        hint.reasons
            .contains(&DuplicateReason::SimilarNameSamePostalCode)
    );
    // E-mail and phone as typed by the CRM may be malformed; when they are not, they match.
    if carnet_core::contact::normalise_email(existing.email.as_deref().unwrap()).is_ok() {
        assert!(hint.reasons.contains(&DuplicateReason::SameEmail));
    }
    // A genuinely new customer has no hint and is registered.
    let card = carnet_fixtures::ean::with_check_digit("299000000001");
    let new = Customer {
        id: registration::new_customer_id().unwrap(),
        // Typed by hand, with the grouping printed on the card.
        card: format!("{} {}-{}", &card[..3], &card[3..8], &card[8..]),
        first_name: " Zoé ".into(),
        last_name: "Quintard-Ybert".into(),
        email: Some("zoe.qy@Orange.fr".into()),
        phone: Some("06 55 44 33 22".into()),
        address: Address {
            line1: "4 rue Neuve".into(),
            postal_code: "75003".into(),
            city: "Paris".into(),
            country: "FR".into(),
        },
        language: "fr".into(),
        home_store_id: STORE.into(),
        tier: "platinum".into(),
        points: 99_999,
        customer_type: "individual".into(),
        segment: "skincare_expert".into(),
        consents: vec![],
        created_on: "2026-11-01".into(),
        updated_at: "2026-11-01T10:00:00Z".into(),
        advisor_id: None,
        birthday: None,
    };
    let candidate = CandidateContact {
        id: None,
        first_name: new.first_name.clone(),
        last_name: new.last_name.clone(),
        email: new.email.clone(),
        phone: new.phone.clone(),
        postal_code: Some(new.address.postal_code.clone()),
        country: "FR".into(),
    };
    assert!(duplicates::likely(&a, &candidate).unwrap().is_empty());
    outbox::record(
        &a,
        MutationKind::CreateCustomer {
            customer: Box::new(new.clone()),
        },
        Some(ADVISOR),
        Utc::now(),
    )
    .unwrap();
    // Found on A at once, normalised.
    let found = lookup::by_card(&a, &new.card).unwrap();
    assert_eq!(
        (found.id.as_str(), found.first_name.as_str()),
        (new.id.as_str(), "Zoé")
    );
    // Registering her twice is now a duplicate, and the same card is refused.
    let hints = duplicates::likely(&a, &candidate).unwrap();
    assert_eq!(hints.len(), 1);
    assert_eq!(
        hints[0].reasons,
        vec![
            DuplicateReason::SameEmail,
            DuplicateReason::SamePhone,
            DuplicateReason::SimilarNameSamePostalCode
        ]
    );
    let mut again = new.clone();
    again.id = registration::new_customer_id().unwrap();
    assert!(
        outbox::record(
            &a,
            MutationKind::CreateCustomer {
                customer: Box::new(again)
            },
            None,
            Utc::now()
        )
        .is_err()
    );
    full_sync(&a, &client).await;
    assert!(
        outbox::entries(&a).unwrap().is_empty(),
        "applied by the server"
    );
    full_sync(&b, &client).await;
    let on_b = lookup::by_card(&b, &new.card).unwrap();
    assert_eq!(on_b.id, new.id);
    // Stored as the digits alone, on the device that registered her and on the other one.
    for device in [&a, &b] {
        let stored: String = device
            .read(|c| {
                Ok(
                    c.query_row("SELECT card FROM customer WHERE id = ?1", [&new.id], |r| {
                        r.get(0)
                    })?,
                )
            })
            .unwrap();
        assert_eq!(stored, card);
    }
    // The server decides points and tier.
    assert_eq!(on_b.tier, "essentiel");
    assert_eq!(
        lookup::by_phone(&b, "+33655443322", "FR").unwrap()[0].id,
        new.id
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_redirects_the_old_card_after_sync() {
    let setup = TinyStore::new().await;
    let client = setup.client();
    let a = setup.device("a");
    let customers = setup.customers();
    let truth: Vec<DuplicatePair> = Export::open(&setup.export)
        .unwrap()
        .records::<DuplicatePair>(files::TRUTH_DUPLICATES)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let by_id = |id: &str| customers.iter().find(|c| c.id == id).unwrap().clone();
    // A planted pair whose original belongs to S001.
    let pair = truth
        .iter()
        .find(|p| by_id(&p.original_id).home_store_id == STORE)
        .expect("a planted pair in S001");
    let (keep, dup) = (by_id(&pair.original_id), by_id(&pair.duplicate_id));
    full_sync(&a, &client).await;
    let keep_points: i64 = count(&a, "SELECT points FROM customer WHERE id = ?1", &keep.id);

    // The matcher proposes the pair; the manager merges it.
    let report = cli(&["duplicates", "report", "--data", setup.data()]);
    assert!(
        report.contains(&format!("keep {}\tmerge {}", keep.id, dup.id)),
        "{report}"
    );
    cli(&[
        "customer",
        "merge",
        "--data",
        setup.data(),
        &keep.id,
        &dup.id,
    ]);
    full_sync(&a, &client).await;

    // Her old card finds the kept customer; the duplicate is gone from the device.
    assert_eq!(lookup::by_card(&a, &dup.card).unwrap().id, keep.id);
    assert_eq!(lookup::by_card(&a, &keep.card).unwrap().id, keep.id);
    assert_eq!(lookup::resolve(&a, &dup.id).unwrap(), keep.id);
    assert_eq!(
        count(&a, "SELECT count(*) FROM customer WHERE id = ?1", &dup.id),
        0
    );
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM purchase WHERE customer_id = ?1",
            &dup.id
        ),
        0
    );
    // Points added; her purchases now the kept customer's.
    assert_eq!(
        count(&a, "SELECT points FROM customer WHERE id = ?1", &keep.id),
        keep_points + dup.points
    );
    let export = Export::open(&setup.export).unwrap();
    let dup_lines = export
        .records::<carnet_fixtures::format::PurchaseLine>(files::PURCHASES)
        .unwrap()
        .map(Result::unwrap)
        .filter(|p| p.customer_id == dup.id)
        .count() as i64;
    let keep_lines = export
        .records::<carnet_fixtures::format::PurchaseLine>(files::PURCHASES)
        .unwrap()
        .map(Result::unwrap)
        .filter(|p| p.customer_id == keep.id)
        .count() as i64;
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM purchase WHERE customer_id = ?1",
            &keep.id
        ),
        keep_lines + dup_lines
    );
    // A re-import of the same CRM export does not bring the duplicate back.
    import(&setup.data, &setup.export);
    full_sync(&a, &client).await;
    assert_eq!(
        count(&a, "SELECT count(*) FROM customer WHERE id = ?1", &dup.id),
        0
    );
    assert_eq!(lookup::by_card(&a, &dup.card).unwrap().id, keep.id);
    // An edit still queued about the duplicate applies to the kept customer.
    let edit_on_old_id = MutationKind::ProfileView {
        customer_id: dup.id.clone(),
    };
    let api = setup.server.device(STORE).await;
    let r = api
        .push(
            STORE,
            vec![common::mutation(1, "2026-11-01T10:00:00Z", edit_on_old_id)],
        )
        .await;
    assert_eq!(r.results[0].outcome, carnet_protocol::Outcome::Applied);

    // Erasing the kept customer removes every row about her (and her merged card) from the
    // device's cache.
    cli(&["customer", "erase", "--data", setup.data(), &keep.id]);
    full_sync(&a, &client).await;
    assert!(lookup::by_card(&a, &dup.card).is_err());
    assert!(lookup::by_card(&a, &keep.card).is_err());
    let tables: Vec<(String, Vec<String>)> = a
        .read(|c| {
            let names: Vec<String> = c
                .prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::new();
            for name in names {
                let columns: Vec<String> = c
                    .prepare(&format!("SELECT name FROM pragma_table_info('{name}')"))?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                out.push((name, columns));
            }
            Ok(out)
        })
        .unwrap();
    assert!(tables.iter().any(|(t, _)| t == "redirect"));
    let mut needles = vec![
        keep.id.clone(),
        dup.id.clone(),
        keep.card.clone(),
        dup.card.clone(),
    ];
    needles.extend(keep.email.clone());
    let mut checked = 0;
    for (table, columns) in &tables {
        for column in columns {
            for needle in &needles {
                let sql = format!(
                    "SELECT count(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE '%' || ?1 || '%'"
                );
                assert_eq!(
                    count(&a, &sql, needle),
                    0,
                    "{table}.{column} still holds her"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
    // And the access export of an erased id says only that.
    let out = setup.dir.path().join("erased.json");
    cli(&[
        "customer",
        "export",
        "--data",
        setup.data(),
        &keep.id,
        "--out",
        out.to_str().unwrap(),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(json["erased"], true);
    assert!(json["customer"].is_null());
    assert_eq!(json["purchases"].as_array().unwrap().len(), 0);
}

#[test]
fn the_report_measures_precision_and_recall_on_the_planted_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &export)
        .unwrap();
    let data = dir.path().join("server");
    import(&data, &export);
    let truth = export.join(files::TRUTH_DUPLICATES);
    let out = cli(&[
        "duplicates",
        "report",
        "--data",
        data.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
    ]);
    assert!(out.contains("planted pairs: 2"), "{out}");
    assert!(out.contains("0.80\t2\t2\t1.000\t1.000"), "{out}");
    // The auto-merge merges exactly the planted pairs.
    let merged = cli(&["duplicates", "merge", "--data", data.to_str().unwrap()]);
    assert!(merged.contains("2 pairs merged"), "{merged}");
    let again = cli(&["duplicates", "report", "--data", data.to_str().unwrap()]);
    assert!(again.contains("0 pairs scoring"), "{again}");
}
