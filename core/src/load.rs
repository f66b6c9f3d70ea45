//! The bulk loader: fills the cache from an interchange export in one streaming pass, committing
//! in batches and reporting progress. Initial sync applies its pages through the same path.

use carnet_fixtures::Export;
use carnet_fixtures::format::{self, files};
use serde::de::DeserializeOwned;

use crate::appointments::plan;
use crate::error::Result;
use crate::store::Cache;
use crate::{amounts, apply};

/// Rows written per transaction: large enough to amortise the commit, small enough to keep
/// the write-ahead log and memory bounded.
const BATCH_ROWS: usize = 20_000;

/// Writer page cache during a bulk load, in KiB (given back when the load ends).
pub(crate) const BULK_CACHE_KIB: i64 = 64 * 1024;

/// How far a load has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Rows written so far.
    pub done: u64,
    /// Rows in the export (from its manifest).
    pub total: u64,
}

/// What a load wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadSummary {
    /// Rows written, all entities together.
    pub rows: u64,
    /// Customers written.
    pub customers: u64,
    /// Purchase lines written.
    pub purchases: u64,
}

/// Loads every record of `export` into `cache`, calling `progress` after each batch.
pub fn load_export(
    cache: &Cache,
    export: &Export,
    progress: &mut dyn FnMut(Progress),
) -> Result<LoadSummary> {
    let counts = &export.manifest().counts;
    let total = counts.stores
        + counts.advisors
        + counts.brands
        + counts.categories
        + counts.products
        + counts.customers
        + counts.purchases
        + counts.offers
        + counts.store_hours
        + counts.services
        + counts.resources
        + counts.advisor_hours
        + counts.rates;
    cache.set_writer_cache_kib(BULK_CACHE_KIB)?;
    let result = load_all(cache, export, progress, total);
    cache.set_writer_cache_kib(Cache::WRITER_CACHE_KIB)?;
    result
}

fn load_all(
    cache: &Cache,
    export: &Export,
    progress: &mut dyn FnMut(Progress),
    total: u64,
) -> Result<LoadSummary> {
    let mut loader = Loader {
        cache,
        export,
        progress,
        done: 0,
        total,
    };
    loader.entity::<format::Store>(files::STORES, apply::upsert_store)?;
    // Rates before the lines they convert; an export in euros only may have none.
    loader.rates()?;
    // Version 1 exports have no advisors.
    if export.manifest().version >= 2 {
        loader.entity::<format::Advisor>(files::ADVISORS, apply::upsert_advisor)?;
    }
    // The appointment files are optional.
    loader.optional::<format::StoreHours>(files::STORE_HOURS, plan::put_store_hours)?;
    loader.optional::<format::Service>(files::SERVICES, plan::put_service)?;
    loader.optional::<format::Resource>(files::RESOURCES, plan::put_resource)?;
    loader.optional::<format::AdvisorHours>(files::ADVISOR_HOURS, plan::put_advisor_hours)?;
    loader.entity::<format::Brand>(files::BRANDS, apply::upsert_brand)?;
    loader.entity::<format::Category>(files::CATEGORIES, apply::upsert_category)?;
    loader.entity::<format::Product>(files::PRODUCTS, apply::upsert_product)?;
    let customers = loader.entity::<format::Customer>(files::CUSTOMERS, apply::upsert_customer)?;
    let purchases = loader.purchases()?;
    loader.entity::<format::Offer>(files::OFFERS, apply::upsert_offer)?;
    let as_of = export.manifest().as_of.clone();
    cache.write(|tx| crate::store::set_meta(tx, "data_as_of", &as_of))?;
    cache.checkpoint()?;
    Ok(LoadSummary {
        rows: loader.done,
        customers,
        purchases,
    })
}

struct Loader<'a> {
    cache: &'a Cache,
    export: &'a Export,
    progress: &'a mut dyn FnMut(Progress),
    done: u64,
    total: u64,
}

impl Loader<'_> {
    fn rates(&mut self) -> Result<()> {
        let path = self.export.dir().join(files::RATES);
        if !path.exists() {
            return Ok(());
        }
        let rates = carnet_fixtures::rates::read(&path)?;
        self.cache.write(|tx| {
            for (_, rate) in &rates {
                apply::upsert_rate(tx, rate)?;
            }
            Ok(())
        })?;
        self.done += rates.len() as u64;
        Ok(())
    }

    /// [`Loader::entity`] for a file the export may not have.
    fn optional<T: DeserializeOwned>(
        &mut self,
        file: &str,
        upsert: fn(&rusqlite::Transaction<'_>, &T) -> Result<()>,
    ) -> Result<u64> {
        if !self.export.dir().join(file).exists() {
            return Ok(0);
        }
        self.entity(file, upsert)
    }

    /// The purchase lines, each customer's home currency read once for her lines.
    fn purchases(&mut self) -> Result<u64> {
        let mut homes = amounts::HomeCurrencies::default();
        self.each::<format::PurchaseLine>(files::PURCHASES, &mut |tx, p| {
            apply::upsert_purchase(tx, p, &mut homes)
        })
    }

    fn entity<T: DeserializeOwned>(
        &mut self,
        file: &str,
        upsert: fn(&rusqlite::Transaction<'_>, &T) -> Result<()>,
    ) -> Result<u64> {
        self.each(file, &mut |tx, record| upsert(tx, record))
    }

    fn each<T: DeserializeOwned>(
        &mut self,
        file: &str,
        upsert: &mut dyn FnMut(&rusqlite::Transaction<'_>, &T) -> Result<()>,
    ) -> Result<u64> {
        let mut written = 0;
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        let mut records = self.export.records::<T>(file)?;
        loop {
            batch.clear();
            for record in records.by_ref().take(BATCH_ROWS) {
                batch.push(record?);
            }
            if batch.is_empty() {
                return Ok(written);
            }
            self.cache.write(|tx| {
                for record in &batch {
                    upsert(tx, record)?;
                }
                Ok(())
            })?;
            written += batch.len() as u64;
            self.done += batch.len() as u64;
            (self.progress)(Progress {
                done: self.done,
                total: self.total,
            });
        }
    }
}
