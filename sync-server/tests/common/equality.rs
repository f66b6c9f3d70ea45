//! What a device's cache should hold after syncing a store, read from the export the server
//! imported, and what it does hold: rows as comparable strings, table by table.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use carnet_core::Cache;
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, Offer, PurchaseLine, files};

/// The store's share of an export.
pub fn expected(export: &Path, store: &str) -> BTreeMap<&'static str, Vec<String>> {
    let export = Export::open(export).unwrap();
    let customers: Vec<Customer> = export
        .records::<Customer>(files::CUSTOMERS)
        .unwrap()
        .map(Result::unwrap)
        .filter(|c| c.home_store_id == store)
        .collect();
    let ids: HashSet<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    let mut rows = BTreeMap::new();
    rows.insert(
        "customer",
        customers
            .iter()
            .map(|c| {
                format!(
                    "{}|{}|{}|{}|{:?}|{:?}|{}|{}|{}",
                    c.id,
                    c.card,
                    c.first_name,
                    c.last_name,
                    c.email,
                    c.phone,
                    c.address.postal_code,
                    c.tier,
                    c.points
                )
            })
            .collect(),
    );
    rows.insert(
        "purchase",
        export
            .records::<PurchaseLine>(files::PURCHASES)
            .unwrap()
            .map(Result::unwrap)
            .filter(|p| ids.contains(p.customer_id.as_str()))
            .map(|p| {
                format!(
                    "{}|{}|{}|{}|{}",
                    p.id, p.customer_id, p.product_id, p.amount_cents, p.gift
                )
            })
            .collect(),
    );
    rows.insert(
        "offer",
        export
            .records::<Offer>(files::OFFERS)
            .unwrap()
            .map(Result::unwrap)
            .filter(|o| ids.contains(o.customer_id.as_str()))
            .map(|o| format!("{}|{}|{}", o.id, o.customer_id, o.valid_to))
            .collect(),
    );
    rows.insert(
        "product",
        vec![export.manifest().counts.products.to_string()],
    );
    for v in rows.values_mut() {
        v.sort();
    }
    rows
}

pub fn actual(cache: &Cache) -> BTreeMap<&'static str, Vec<String>> {
    let query = |sql: &str| -> Vec<String> {
        let mut v: Vec<String> = cache
            .read(|c| {
                Ok(c.prepare(sql)?
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .unwrap();
        v.sort();
        v
    };
    let mut rows = BTreeMap::new();
    rows.insert(
        "customer",
        query(
            "SELECT id || '|' || card || '|' || first_name || '|' || last_name || '|' ||
                    CASE WHEN email IS NULL THEN 'None' ELSE 'Some(\"' || email || '\")' END || '|' ||
                    CASE WHEN phone IS NULL THEN 'None' ELSE 'Some(\"' || phone || '\")' END || '|' ||
                    postal_code || '|' || tier || '|' || points FROM customer",
        ),
    );
    rows.insert(
        "purchase",
        query(
            // What was paid, in its own currency, as the export has it.
            "SELECT id || '|' || customer_id || '|' || product_id || '|' || paid_minor || '|' ||
                    CASE gift WHEN 1 THEN 'true' ELSE 'false' END FROM purchase",
        ),
    );
    rows.insert(
        "offer",
        query("SELECT id || '|' || customer_id || '|' || valid_to FROM offer"),
    );
    rows.insert(
        "product",
        query("SELECT CAST(count(*) AS TEXT) FROM product"),
    );
    rows
}

/// (lost, extra): rows of `expected` that `actual` lacks, and rows of `actual` beyond
/// `expected` (duplicated or stale), over the tables of `expected`.
pub fn differences(
    expected: &BTreeMap<&'static str, Vec<String>>,
    actual: &BTreeMap<&'static str, Vec<String>>,
) -> (u64, u64) {
    let (mut lost, mut extra) = (0, 0);
    for (table, rows) in expected {
        let mut count: HashMap<&str, i64> = HashMap::new();
        for row in rows {
            *count.entry(row).or_default() += 1;
        }
        for row in actual.get(table).into_iter().flatten() {
            *count.entry(row).or_default() -= 1;
        }
        for n in count.into_values() {
            if n > 0 {
                lost += n as u64;
            } else {
                extra += n.unsigned_abs();
            }
        }
    }
    (lost, extra)
}
