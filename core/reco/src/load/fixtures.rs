//! Reader of a Carnet fixtures export (`carnet-fixtures`): catalogue, customers with segment
//! and market, and their purchase lines (gift flag kept; the callers leave gifts out).

use std::collections::{HashMap, HashSet};

use carnet_fixtures::Export;
use carnet_fixtures::format::{Category, Customer, Product, PurchaseLine, Store, files};
use chrono::NaiveDate;

use super::LoadError;
use crate::catalog::CatalogItem;
use crate::history::HistoryLine;

/// A customer of the export with her lines.
#[derive(Debug, Clone)]
pub struct FixturesCustomer {
    /// Customer id.
    pub id: String,
    /// Marketing segment.
    pub segment: String,
    /// Country of her home store.
    pub market: String,
    /// Her purchase lines, in file order.
    pub lines: Vec<HistoryLine>,
}

/// An export read for the recommender.
#[derive(Debug, Clone)]
pub struct FixturesData {
    /// The export's "today".
    pub as_of: NaiveDate,
    /// Products in file order.
    pub catalog: Vec<CatalogItem>,
    /// Customers in file order.
    pub customers: Vec<FixturesCustomer>,
}

fn malformed(reason: &str) -> LoadError {
    LoadError::Malformed {
        line: 0,
        reason: reason.to_string(),
    }
}

/// Reads an export folder.
pub fn read_fixtures(dir: &std::path::Path) -> Result<FixturesData, LoadError> {
    let export = Export::open(dir)?;
    let as_of = NaiveDate::parse_from_str(&export.manifest().as_of, "%Y-%m-%d")
        .map_err(|_| malformed("manifest as_of is not a date"))?;
    let mut sensitive: HashSet<String> = HashSet::new();
    for c in export.records::<Category>(files::CATEGORIES)? {
        let c = c?;
        if c.sensitive {
            sensitive.insert(c.id);
        }
    }
    let mut catalog = Vec::new();
    for p in export.records::<Product>(files::PRODUCTS)? {
        let p = p?;
        // A leaf is sensitive when it or its top category is.
        let top = p.category_id.split('.').next().unwrap_or("");
        catalog.push(CatalogItem {
            sensitive: sensitive.contains(&p.category_id) || sensitive.contains(top),
            id: p.id,
            brand: p.brand_id,
            category: p.category_id,
            replenishable: p.replenishable,
            cycle_days: p.cycle_days,
        });
    }
    let mut country: HashMap<String, String> = HashMap::new();
    for s in export.records::<Store>(files::STORES)? {
        let s = s?;
        country.insert(s.id, s.country);
    }
    let mut customers = Vec::new();
    let mut slot: HashMap<String, usize> = HashMap::new();
    for c in export.records::<Customer>(files::CUSTOMERS)? {
        let c = c?;
        slot.insert(c.id.clone(), customers.len());
        customers.push(FixturesCustomer {
            market: country.get(&c.home_store_id).cloned().unwrap_or_default(),
            id: c.id,
            segment: c.segment,
            lines: Vec::new(),
        });
    }
    for l in export.records::<PurchaseLine>(files::PURCHASES)? {
        let l = l?;
        // What was sold; returns are not purchases.
        if l.return_of.is_some() {
            continue;
        }
        let Some(&k) = slot.get(&l.customer_id) else {
            continue;
        };
        let date = NaiveDate::parse_from_str(l.bought_at.get(..10).unwrap_or(""), "%Y-%m-%d")
            .map_err(|_| malformed("purchase bought_at is not a timestamp"))?;
        customers[k].lines.push(HistoryLine {
            product_id: l.product_id,
            date,
            quantity: l.quantity,
            amount_cents: l.amount_cents,
            gift: l.gift,
        });
    }
    Ok(FixturesData {
        as_of,
        catalog,
        customers,
    })
}
