//! A small, hand-made store export whose every figure the tests can state, and helpers to open
//! caches over it.

#![allow(dead_code, clippy::unwrap_used, clippy::too_many_arguments)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use carnet_core::{Cache, CacheKey};
use carnet_fixtures::Export;
use carnet_fixtures::ean::with_check_digit;
use carnet_fixtures::format::*;
use serde::Serialize;

/// The day the sample's offers are judged against.
pub const TODAY: &str = "2026-11-01";

pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap()
}

/// Card number of sample customer `n`.
pub fn card(n: u32) -> String {
    with_check_digit(&format!("290{n:09}"))
}

pub struct Sample {
    pub dir: tempfile::TempDir,
    pub export: PathBuf,
}

impl Sample {
    /// Writes the sample export and returns its folder.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("export");
        write_sample(&export);
        Self { dir, export }
    }

    /// A cache loaded with the sample.
    pub fn loaded_cache(&self, key: &CacheKey) -> Cache {
        let cache = Cache::open(self.dir.path().join("cache.db"), key).unwrap();
        let export = Export::open(&self.export).unwrap();
        carnet_core::load::load_export(&cache, &export, &mut |_| {}).unwrap();
        cache
    }

    pub fn cache_path(&self) -> PathBuf {
        self.dir.path().join("cache.db")
    }
}

fn customer(
    id: &str,
    n: u32,
    first: &str,
    last: &str,
    email: Option<&str>,
    phone: Option<&str>,
    postal: &str,
    city: &str,
    country: &str,
) -> Customer {
    Customer {
        id: id.into(),
        card: card(n),
        first_name: first.into(),
        last_name: last.into(),
        email: email.map(Into::into),
        phone: phone.map(Into::into),
        address: Address {
            line1: format!("{n} rue des Lilas"),
            postal_code: postal.into(),
            city: city.into(),
            country: country.into(),
        },
        language: if country == "IT" { "it" } else { "fr" }.into(),
        home_store_id: if country == "IT" { "S002" } else { "S001" }.into(),
        tier: "gold".into(),
        points: 1200 + i64::from(n),
        customer_type: "individual".into(),
        segment: "makeup_trend".into(),
        consents: vec![
            Consent {
                channel: "email".into(),
                purpose: "marketing".into(),
                granted: true,
                recorded_at: "2024-01-10T10:00:00Z".into(),
                source: "store".into(),
                advisor_id: None,
            },
            Consent {
                channel: "email".into(),
                purpose: "personalisation".into(),
                granted: true,
                recorded_at: "2024-01-10T10:00:00Z".into(),
                source: "store".into(),
                advisor_id: None,
            },
        ],
        created_on: "2023-05-02".into(),
        updated_at: "2026-10-01T08:00:00Z".into(),
        // C1 and C3 are in the book of A1 (who sold every line of the sample).
        advisor_id: matches!(id, "C1" | "C3").then(|| "A1".into()),
        birthday: (id == "C1").then(|| "11-05".into()),
    }
}

fn product(id: &str, name: &str, brand: &str, category: &str, shade: Option<&str>) -> Product {
    Product {
        id: id.into(),
        ean: with_check_digit(&format!("376000000{:03}", id[1..].parse::<u32>().unwrap())),
        line_id: format!("L-{name}"),
        name: name.into(),
        brand_id: brand.into(),
        category_id: category.into(),
        shade: shade.map(Into::into),
        size: None,
        price_cents: 3000,
        replenishable: category == "skincare.day_cream",
        cycle_days: (category == "skincare.day_cream").then_some(60),
        launch_on: None,
    }
}

fn line(
    id: &str,
    customer: &str,
    at: &str,
    product: &str,
    amount: i64,
    gift: bool,
) -> PurchaseLine {
    PurchaseLine {
        id: id.into(),
        receipt_id: id.split('-').next().unwrap().into(),
        customer_id: customer.into(),
        store_id: "S001".into(),
        bought_at: at.into(),
        product_id: product.into(),
        quantity: 1,
        amount_cents: amount,
        gift,
        advisor_id: Some("A1".into()),
        currency: Some("EUR".into()),
        channel: Default::default(),
        order_id: None,
        return_of: None,
    }
}

fn offer(id: &str, title: &str, from: &str, to: &str, used: Option<&str>) -> Offer {
    Offer {
        id: id.into(),
        customer_id: "C1".into(),
        title: title.into(),
        kind: "percent".into(),
        value: 20,
        brand_id: None,
        category_id: Some("skincare".into()),
        valid_from: from.into(),
        valid_to: to.into(),
        used_at: used.map(Into::into),
    }
}

/// A1 works in S001; B7 worked there and left (her book went to A1).
pub fn advisors() -> Vec<Advisor> {
    let advisor = |id: &str, first: &str, last: &str, left_on: Option<&str>| Advisor {
        id: id.into(),
        store_id: "S001".into(),
        first_name: first.into(),
        last_name: last.into(),
        hired_on: "2019-03-01".into(),
        left_on: left_on.map(Into::into),
    };
    vec![
        advisor("A1", "Alice", "Martinez", None),
        advisor("B7", "Bérénice", "Lemoine", Some("2025-06-01")),
    ]
}

pub fn customers() -> Vec<Customer> {
    vec![
        customer(
            "C1",
            1,
            "Hélène",
            "Dupont",
            Some("helene.dupont@example.fr"),
            Some("06 12 34 56 78"),
            "75011",
            "Paris",
            "FR",
        ),
        customer(
            "C2",
            2,
            "Hélène",
            "Dupont",
            None,
            Some("+33 6 98 76 54 32"),
            "69002",
            "Lyon",
            "FR",
        ),
        customer(
            "C3",
            3,
            "Niccolò",
            "D'Angelo",
            Some("Niccolo.DAngelo@Example.IT"),
            Some("347 123 4567"),
            "20121",
            "Milano",
            "IT",
        ),
        customer(
            "C4",
            4,
            "Marie",
            "Lefèvre",
            Some("marie.lefevre@orange.fr"),
            None,
            "75004",
            "Paris",
            "FR",
        ),
        customer(
            "C5",
            5,
            "Marc",
            "Martin",
            Some("not-an-email"),
            Some("06 12"),
            "75015",
            "Paris",
            "FR",
        ),
    ]
}

/// C1 (Hélène Dupont, 75011): own lines B01 ×3, B02 ×1, B03 ×2 (and B03 ×2 maternity, which is
/// sensitive), gift lines B02 ×3. 12 lines in 9 receipts.
pub fn purchases() -> Vec<PurchaseLine> {
    vec![
        line("R01-1", "C1", "2024-02-03T10:00:00Z", "P01", 3000, false),
        line("R02-1", "C1", "2024-09-14T15:30:00Z", "P03", 2500, false),
        line("R02-2", "C1", "2024-09-14T15:30:00Z", "P04", 4200, false),
        line("R03-1", "C1", "2024-12-20T17:00:00Z", "P06", 6500, true),
        line("R03-2", "C1", "2024-12-20T17:00:00Z", "P06", 6500, true),
        line("R04-1", "C1", "2025-03-08T11:00:00Z", "P01", 3000, false),
        line("R05-1", "C1", "2025-05-20T12:00:00Z", "P07", 1900, false),
        line("R06-1", "C1", "2025-07-01T12:00:00Z", "P07", 1900, false),
        line("R07-1", "C1", "2025-12-18T16:00:00Z", "P06", 6500, true),
        line("R08-1", "C1", "2026-06-11T10:00:00Z", "P02", 3100, false),
        line("R09-1", "C1", "2026-10-02T09:00:00Z", "P04", 4200, false),
        line("R09-2", "C1", "2026-10-02T09:00:00Z", "P05", 8900, false),
        line("R10-1", "C3", "2026-09-09T09:00:00Z", "P05", 8900, false),
    ]
}

fn write_jsonl<T: Serialize>(dir: &Path, name: &str, rows: &[T]) -> u64 {
    let mut out = BufWriter::new(File::create(dir.join(name)).unwrap());
    for row in rows {
        serde_json::to_writer(&mut out, row).unwrap();
        out.write_all(b"\n").unwrap();
    }
    rows.len() as u64
}

pub fn write_sample(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let stores = vec![
        Store {
            id: "S001".into(),
            name: "Paris Rivoli".into(),
            country: "FR".into(),
            city: "Paris".into(),
            postal_code: "75001".into(),
            timezone: "Europe/Paris".into(),
            currency: Some("EUR".into()),
        },
        Store {
            id: "S002".into(),
            name: "Milano Duomo".into(),
            country: "IT".into(),
            city: "Milano".into(),
            postal_code: "20121".into(),
            timezone: "Europe/Rome".into(),
            currency: Some("EUR".into()),
        },
    ];
    let brands = vec![
        Brand {
            id: "B01".into(),
            name: "Maison Lumière".into(),
            positioning: "prestige".into(),
        },
        Brand {
            id: "B02".into(),
            name: "Terra Bella".into(),
            positioning: "mass".into(),
        },
        Brand {
            id: "B03".into(),
            name: "Nordlys".into(),
            positioning: "niche".into(),
        },
    ];
    let cat = |id: &str, name: &str, parent: Option<&str>, sensitive: bool| Category {
        id: id.into(),
        name: name.into(),
        parent_id: parent.map(Into::into),
        sensitive,
    };
    let categories = vec![
        cat("makeup", "Maquillage", None, false),
        cat(
            "makeup.eyeshadow",
            "Fard à paupières",
            Some("makeup"),
            false,
        ),
        cat("makeup.lipstick", "Rouge à lèvres", Some("makeup"), false),
        cat("skincare", "Soin visage", None, false),
        cat(
            "skincare.day_cream",
            "Crème de jour",
            Some("skincare"),
            false,
        ),
        cat("fragrance", "Parfum", None, false),
        cat("fragrance.women", "Parfum femme", Some("fragrance"), false),
        cat("fragrance.men", "Parfum homme", Some("fragrance"), false),
        cat("maternity", "Maternité & bébé", None, true),
        cat(
            "maternity.stretch_marks",
            "Soin anti-vergetures",
            Some("maternity"),
            true,
        ),
    ];
    let products = vec![
        product(
            "P01",
            "Rouge Velours",
            "B01",
            "makeup.lipstick",
            Some("12 Cerise"),
        ),
        product(
            "P02",
            "Rouge Velours",
            "B01",
            "makeup.lipstick",
            Some("05 Nude"),
        ),
        product(
            "P03",
            "Palette Regard Nude",
            "B02",
            "makeup.eyeshadow",
            Some("Bronze Doré"),
        ),
        product(
            "P04",
            "Crème de Jour Hydratante",
            "B03",
            "skincare.day_cream",
            None,
        ),
        product("P05", "Eau de Parfum Ambre", "B01", "fragrance.women", None),
        product("P06", "Eau de Toilette Cèdre", "B02", "fragrance.men", None),
        product(
            "P07",
            "Huile Anti-Vergetures",
            "B03",
            "maternity.stretch_marks",
            None,
        ),
    ];
    let offers = vec![
        offer(
            "O1",
            "-20 % sur les soins",
            "2026-10-01",
            "2026-11-30",
            None,
        ),
        offer("O2", "Expired", "2026-01-01", "2026-03-31", None),
        offer(
            "O3",
            "Used",
            "2026-10-01",
            "2026-12-31",
            Some("2026-10-15T10:00:00Z"),
        ),
        offer("O4", "Future", "2026-12-01", "2026-12-31", None),
        offer("O5", "Ends today", "2026-10-01", "2026-11-01", None),
    ];
    let counts = Counts {
        stores: write_jsonl(dir, files::STORES, &stores),
        brands: write_jsonl(dir, files::BRANDS, &brands),
        categories: write_jsonl(dir, files::CATEGORIES, &categories),
        products: write_jsonl(dir, files::PRODUCTS, &products),
        customers: write_jsonl(dir, files::CUSTOMERS, &customers()),
        purchases: write_jsonl(dir, files::PURCHASES, &purchases()),
        offers: write_jsonl(dir, files::OFFERS, &offers),
        advisors: write_jsonl(dir, files::ADVISORS, &advisors()),
        // No appointment files.
        ..Default::default()
    };
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        generator: "carnet-core tests".into(),
        seed: 0,
        size: "sample".into(),
        as_of: TODAY.into(),
        counts,
    };
    std::fs::write(
        dir.join(files::MANIFEST),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
}

/// The sample's catalogue as the recommender sees it (P07 is maternity: sensitive).
pub fn reco_catalog() -> Vec<carnet_reco::CatalogItem> {
    let item = |id: &str, brand: &str, category: &str| carnet_reco::CatalogItem {
        id: id.into(),
        brand: brand.into(),
        category: category.into(),
        sensitive: category.starts_with("maternity"),
        replenishable: category == "skincare.day_cream",
        cycle_days: (category == "skincare.day_cream").then_some(60),
    };
    vec![
        item("P01", "B01", "makeup.lipstick"),
        item("P02", "B01", "makeup.lipstick"),
        item("P03", "B02", "makeup.eyeshadow"),
        item("P04", "B03", "skincare.day_cream"),
        item("P05", "B01", "fragrance.women"),
        item("P06", "B02", "fragrance.men"),
        item("P07", "B03", "maternity.stretch_marks"),
    ]
}

/// A model over the sample's catalogue, trained on made-up shoppers: P01 goes with P02,
/// P04 with P05, P05 with P07 (so P07 would be inferred from P05 if inference were allowed),
/// P03 alone; nobody buys P06.
pub fn sample_model_bytes() -> Vec<u8> {
    use carnet_reco::{BuildConfig, HistoryLine, Model, TrainingCustomer};
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let mut state: u64 = 7;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let groups: [(&[&str], usize); 4] = [
        (&["P01", "P02"], 30),
        (&["P04", "P05"], 30),
        (&["P05", "P07"], 20),
        (&["P03"], 10),
    ];
    let mut customers = Vec::new();
    for (products, n) in groups {
        for _ in 0..n {
            let mut lines = Vec::new();
            let mut day = next(200) as i64;
            for _ in 0..2 + next(4) {
                day += 20 + next(60) as i64;
                for p in products {
                    lines.push(HistoryLine {
                        product_id: (*p).into(),
                        date: start + chrono::Duration::days(day),
                        quantity: 1,
                        amount_cents: 2_500,
                        gift: false,
                    });
                }
            }
            customers.push(TrainingCustomer {
                segment: "makeup_trend".into(),
                lines,
            });
        }
    }
    let model = Model::build(&reco_catalog(), &customers, &BuildConfig::new(today()));
    model.to_bytes()
}

/// Delivers a model record to the cache as the sync feed would.
pub fn deliver_model(cache: &Cache, version: u32, bytes: &[u8]) {
    use base64::Engine;
    let record = carnet_protocol::Record::Model(carnet_protocol::ModelRecord {
        id: carnet_protocol::MODEL_ID.into(),
        version,
        built_at: "2026-10-31T22:00:00Z".into(),
        bytes_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    });
    let cursor = carnet_core::changes::cursor(cache).unwrap();
    carnet_core::changes::apply_page(
        cache,
        &[carnet_protocol::Change::Upsert { record }],
        &cursor,
    )
    .unwrap();
}

/// The generated tiny export (seed 42) bulk-loaded into an encrypted cache.
pub fn tiny_cache() -> (tempfile::TempDir, Export, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let export_dir = dir.path().join("export");
    carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &export_dir)
        .unwrap();
    let export = Export::open(&export_dir).unwrap();
    let cache = Cache::open(dir.path().join("cache.db"), &CacheKey::generate().unwrap()).unwrap();
    carnet_core::load::load_export(&cache, &export, &mut |_| {}).unwrap();
    (dir, export, cache)
}

/// Every record of one file of `export`.
pub fn records<T: serde::de::DeserializeOwned>(export: &Export, file: &str) -> Vec<T> {
    export
        .records(file)
        .unwrap()
        .collect::<Result<Vec<T>, _>>()
        .unwrap()
}
