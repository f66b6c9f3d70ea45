//! Head office's campaigns: checked as the core checks them, their products in the catalogue,
//! their target counted in each store in scope, then written once to the catalogue's feed:
//! every device receives it and those of a store in scope make its tasks. A campaign whose
//! target matches nobody in any store of its scope is refused and reported, never sent empty.

use std::collections::HashSet;

use carnet_protocol::{CampaignRecord, CampaignTarget, Entity, Record};

use crate::error::AdminError;
use crate::feed::{self, CATALOG};
use crate::sql::Conn;

/// Where a campaign went: each store in scope with the customers it targets there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignReport {
    /// `(store, customers targeted)`, by store id.
    pub stores: Vec<(String, u64)>,
}

/// Defines (or replaces) `campaign` for its stores (every store of the catalogue when it
/// names none).
pub fn define(conn: &Conn<'_>, campaign: &CampaignRecord) -> Result<CampaignReport, AdminError> {
    carnet_core::campaigns::check(campaign).map_err(|p| AdminError::Invalid(p.to_string()))?;
    for product in &campaign.product_ids {
        if feed::live_row(conn, Entity::Product, product)?.is_none_or(|r| r.store_id != CATALOG) {
            return Err(AdminError::Invalid(format!(
                "no product {product} in the catalogue"
            )));
        }
    }
    let known: Vec<String> = feed::live_records(conn, Some(CATALOG), Entity::Store)?
        .into_iter()
        .map(|r| r.id().to_owned())
        .collect();
    if let Some(unknown) = campaign.stores.iter().find(|s| !known.contains(s)) {
        return Err(AdminError::NotFound(format!(
            "no store {unknown} in the catalogue"
        )));
    }
    let mut report = CampaignReport { stores: Vec::new() };
    for store in known.iter().filter(|s| campaign.is_for(s)) {
        report
            .stores
            .push((store.clone(), targeted(conn, store, &campaign.target)?));
    }
    if report.stores.iter().all(|(_, n)| *n == 0) {
        return Err(AdminError::Invalid(format!(
            "campaign {} targets no customer in its {} store(s): nothing was sent",
            campaign.id,
            report.stores.len()
        )));
    }
    let payload = feed::upsert_payload(Record::Campaign(campaign.clone()))?;
    feed::put_live(
        conn,
        Entity::Campaign,
        &campaign.id,
        CATALOG,
        None,
        &payload,
    )?;
    Ok(report)
}

/// Customers of `store` that `target` is for.
fn targeted(conn: &Conn<'_>, store: &str, target: &CampaignTarget) -> Result<u64, AdminError> {
    let customers = feed::live_records(conn, Some(store), Entity::Customer)?;
    let buyers: HashSet<String> = match target {
        CampaignTarget::BrandBuyers { brand_id } => {
            let of_brand: HashSet<String> =
                feed::live_records(conn, Some(CATALOG), Entity::Product)?
                    .into_iter()
                    .filter_map(|r| match r {
                        Record::Product(p) if &p.brand_id == brand_id => Some(p.id),
                        _ => None,
                    })
                    .collect();
            feed::live_records(conn, Some(store), Entity::Purchase)?
                .into_iter()
                .filter_map(|r| match r {
                    Record::Purchase(p) if !p.gift && of_brand.contains(&p.product_id) => {
                        Some(p.customer_id)
                    }
                    _ => None,
                })
                .collect()
        }
        _ => HashSet::new(),
    };
    let mut n = 0;
    for record in customers {
        if let Record::Customer(c) = record
            && carnet_core::campaigns::targets(target, &c.segment, &c.tier, |_| {
                buyers.contains(&c.id)
            })
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Every campaign defined, by id.
pub fn list(conn: &Conn<'_>) -> Result<Vec<CampaignRecord>, AdminError> {
    let mut all: Vec<CampaignRecord> = feed::live_records(conn, Some(CATALOG), Entity::Campaign)?
        .into_iter()
        .filter_map(|r| match r {
            Record::Campaign(c) => Some(c),
            _ => None,
        })
        .collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(all)
}
