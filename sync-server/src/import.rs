//! CRM import as a delta: every record's canonical JSON is hashed and compared with the
//! previous import's hash; only new and changed records get new feed rows, records missing
//! from the export become tombstones, erased customers are skipped. Committed in batches, so
//! an interrupted import loses nothing done and a rerun finishes the job.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::sql::{Conn, Value, params};
use carnet_fixtures::Export;
use carnet_fixtures::format::files;
use carnet_protocol::{Change, Customer, Entity, Offer, PurchaseLine, Record};
use serde::de::DeserializeOwned;

use crate::currencies::Currencies;
use crate::error::{Error, Result};
use crate::feed::{self, CATALOG};
use crate::ids;
use crate::line_checks::{LineProblem, Problem, Sold, check_sale, currency};

/// Problems kept in a report, by line; more are counted only.
pub const PROBLEMS_KEPT: usize = 1000;

/// Writes per transaction: bounds how long the writer lock is held.
const BATCH: usize = 20_000;

/// Counts of one entity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityCounts {
    /// In the export, not in the previous import.
    pub new: u64,
    /// In both, with a different content.
    pub changed: u64,
    /// In both, identical.
    pub unchanged: u64,
    /// In the previous import, missing from this one: tombstoned.
    pub deleted: u64,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Per entity, in load order.
    pub entities: Vec<(Entity, EntityCounts)>,
    /// Erased customers found in the export and skipped.
    pub skipped_erased_customers: u64,
    /// Purchases and offers of erased customers skipped.
    pub skipped_erased_records: u64,
    /// Purchases and offers whose customer is not in the export: skipped.
    pub orphans: u64,
    /// Customers whose home store changed (moved with their records).
    pub moved_customers: u64,
    /// Times the import was resumed after losing its database connection (set by the
    /// caller that resumed it): earlier runs wrote what this report counts as unchanged.
    pub resumed: u32,
    /// The first [`PROBLEMS_KEPT`] lines skipped or taken with a warning, in file order.
    pub problems: Vec<LineProblem>,
    /// Lines skipped for a problem (an earlier import's version of each stays).
    pub skipped_lines: u64,
    /// Lines taken with a warning.
    pub warned_lines: u64,
}

impl ImportReport {
    /// Counts of one entity.
    pub fn counts(&self, entity: Entity) -> EntityCounts {
        self.entities
            .iter()
            .find(|(e, _)| *e == entity)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    }
}

/// Progress callback: (entity, records read so far, records in the file per the manifest).
pub type Progress<'a> = &'a mut dyn FnMut(Entity, u64, u64);

struct Batch<'c> {
    conn: &'c Conn<'c>,
    pending: usize,
}

impl<'c> Batch<'c> {
    fn begin(conn: &'c Conn<'c>) -> Result<Self> {
        conn.execute_batch(conn.begin_write())?;
        Ok(Self { conn, pending: 0 })
    }

    fn wrote(&mut self, n: usize) -> Result<()> {
        self.pending += n;
        if self.pending >= BATCH {
            self.conn.execute_batch("COMMIT")?;
            self.conn.execute_batch(self.conn.begin_write())?;
            self.pending = 0;
        }
        Ok(())
    }

    fn commit(self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }
}

/// Records looked up and written together: a few statements per chunk instead of a few per
/// record (a round trip each on PostgreSQL).
const CHUNK: usize = 500;

/// A new or changed record waiting for its chunk to be written.
struct Staged {
    entity: Entity,
    id: String,
    store: String,
    customer_id: Option<String>,
    record: Record,
    /// The record's canonical upsert, as the CRM sent it.
    payload: String,
    hash: [u8; 16],
}

struct Importer<'c> {
    conn: &'c Conn<'c>,
    batch: Batch<'c>,
    staged: Vec<Staged>,
    staged_ids: HashSet<String>,
    report: ImportReport,
    erased: HashSet<String>,
    /// Customer id → home store, as of this import.
    customer_store: HashMap<String, String>,
    moved: Vec<String>,
    /// The export's format version.
    version: u32,
    /// The stores' currencies and the rates, for checking the lines.
    currencies: Currencies,
    /// Returns read, checked once every sale is in: (line, return, her store).
    returns: Vec<(u64, PurchaseLine, String)>,
}

/// Imports the export in `export_dir` into the database.
pub fn run(conn: &Conn<'_>, export_dir: &Path, progress: Progress<'_>) -> Result<ImportReport> {
    let export = Export::open(export_dir)?;
    let counts = export.manifest().counts.clone();
    let mut imp = Importer {
        conn,
        batch: Batch::begin(conn)?,
        staged: Vec::with_capacity(CHUNK),
        staged_ids: HashSet::new(),
        report: ImportReport::default(),
        erased: load_erased(conn)?,
        customer_store: load_customer_stores(conn)?,
        moved: Vec::new(),
        version: export.manifest().version,
        currencies: Currencies::default(),
        returns: Vec::new(),
    };
    imp.unowned::<carnet_protocol::Store>(
        &export,
        files::STORES,
        Entity::Store,
        counts.stores,
        progress,
        Record::Store,
        |_| CATALOG,
    )?;
    imp.rates(&export, counts.rates, progress)?;
    // Version 1 exports have no advisors: those of an earlier import stay as they are.
    if export.manifest().version >= 2 {
        imp.unowned::<carnet_protocol::Advisor>(
            &export,
            files::ADVISORS,
            Entity::Advisor,
            counts.advisors,
            progress,
            Record::Advisor,
            |record| match record {
                Record::Advisor(a) => &a.store_id,
                _ => CATALOG,
            },
        )?;
    }
    // The appointment files are optional: without them, an earlier import's stay as they are.
    let c = &counts;
    imp.plan(
        &export,
        files::STORE_HOURS,
        Entity::StoreHours,
        c.store_hours,
        progress,
        Record::StoreHours,
    )?;
    imp.plan(
        &export,
        files::SERVICES,
        Entity::Service,
        c.services,
        progress,
        Record::Service,
    )?;
    imp.plan(
        &export,
        files::RESOURCES,
        Entity::Resource,
        c.resources,
        progress,
        Record::Resource,
    )?;
    imp.plan(
        &export,
        files::ADVISOR_HOURS,
        Entity::AdvisorHours,
        c.advisor_hours,
        progress,
        Record::AdvisorHours,
    )?;
    imp.unowned::<carnet_protocol::Brand>(
        &export,
        files::BRANDS,
        Entity::Brand,
        counts.brands,
        progress,
        Record::Brand,
        |_| CATALOG,
    )?;
    imp.unowned::<carnet_protocol::Category>(
        &export,
        files::CATEGORIES,
        Entity::Category,
        counts.categories,
        progress,
        Record::Category,
        |_| CATALOG,
    )?;
    imp.unowned::<carnet_protocol::Product>(
        &export,
        files::PRODUCTS,
        Entity::Product,
        counts.products,
        progress,
        Record::Product,
        |_| CATALOG,
    )?;
    imp.customers(&export, counts.customers, progress)?;
    imp.owned::<PurchaseLine>(
        &export,
        files::PURCHASES,
        Entity::Purchase,
        counts.purchases,
        progress,
    )?;
    imp.owned::<Offer>(
        &export,
        files::OFFERS,
        Entity::Offer,
        counts.offers,
        progress,
    )?;
    imp.rescope_moved()?;
    let Importer { batch, report, .. } = imp;
    batch.commit()?;
    Ok(report)
}

impl Importer<'_> {
    /// Imports a file of records no customer owns, each in the feed of the store `scope`
    /// names: the catalogue (every store's), a store's advisors.
    #[allow(clippy::too_many_arguments)]
    fn unowned<T: DeserializeOwned>(
        &mut self,
        export: &Export,
        file: &'static str,
        entity: Entity,
        total: u64,
        progress: Progress<'_>,
        wrap: fn(T) -> Record,
        scope: fn(&Record) -> &str,
    ) -> Result<()> {
        let mut records = export.records::<T>(file)?;
        let rows = std::iter::from_fn(|| {
            let record = records.next()?;
            Some(record.map(|r| (records.line(), wrap(r))))
        });
        self.unowned_rows(rows, file, entity, total, progress, scope)
    }

    /// [`Importer::unowned`] over records read already, each with its line.
    fn unowned_rows(
        &mut self,
        rows: impl Iterator<Item = std::result::Result<(u64, Record), carnet_fixtures::ReadError>>,
        file: &'static str,
        entity: Entity,
        total: u64,
        progress: Progress<'_>,
        scope: fn(&Record) -> &str,
    ) -> Result<()> {
        let mut hashes = load_hashes(self.conn, entity)?;
        let mut counts = EntityCounts::default();
        let mut read = 0u64;
        for row in rows {
            let (line, record) = row?;
            read += 1;
            tick(progress, entity, read, total);
            let id = record.id().to_owned();
            if let Err(problem) = self.check_unowned(&record) {
                hashes.remove(&id);
                self.problem(file, line, problem);
                continue;
            }
            let store = scope(&record).to_owned();
            self.put(&mut hashes, &mut counts, (entity, id, store, None), record)?;
        }
        self.flush()?;
        self.tombstone_missing(entity, hashes, &mut counts)?;
        progress(entity, read, total);
        self.report.entities.push((entity, counts));
        Ok(())
    }

    /// A store takes a currency (the euro in version 1); a rate is a currency's positive
    /// decimal on a day. What passes is noted for checking the lines.
    fn check_unowned(&mut self, record: &Record) -> std::result::Result<(), Problem> {
        match record {
            Record::Store(s) => {
                let c = currency(s.currency.as_deref(), self.version)?;
                self.currencies
                    .add_store(s.id.clone(), s.timezone.clone(), c);
            }
            Record::Rate(r) => {
                let c = currency(Some(&r.currency), self.version)?;
                let day = carnet_core::time::parse_day(&r.day)
                    .ok_or_else(|| Problem::BadRate(r.id.clone()))?;
                self.currencies
                    .add_rate(day, c, &r.per_euro)
                    .map_err(|_| Problem::BadRate(r.id.clone()))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The daily rates: `rates.csv` when the export has one (then it is all of them), else
    /// the earlier imports' stay and check the lines.
    fn rates(&mut self, export: &Export, total: u64, progress: Progress<'_>) -> Result<()> {
        let path = export.dir().join(files::RATES);
        if !path.exists() {
            return self.currencies.read_rates(self.conn);
        }
        let rates = carnet_fixtures::rates::read(&path)?;
        let rows = rates
            .into_iter()
            .map(|(line, rate)| Ok((line, Record::Rate(rate))));
        self.unowned_rows(rows, files::RATES, Entity::Rate, total, progress, |_| {
            CATALOG
        })
    }

    /// Stages `record` (its entity, id, feed scope and owner in `key`) unless the previous
    /// import wrote it alike, and counts it.
    fn put(
        &mut self,
        hashes: &mut HashMap<String, [u8; 16]>,
        counts: &mut EntityCounts,
        key: (Entity, String, String, Option<String>),
        record: Record,
    ) -> Result<()> {
        let (entity, id, store, customer_id) = key;
        let payload = feed::upsert_payload(record.clone())?;
        let hash = hash16(&payload);
        match hashes.remove(&id) {
            Some(old) if old == hash => counts.unchanged += 1,
            previous => {
                self.stage(Staged {
                    entity,
                    id,
                    store,
                    customer_id,
                    record,
                    payload,
                    hash,
                })?;
                bump(counts, previous.is_some());
            }
        }
        Ok(())
    }

    /// Notes a line skipped or taken with a warning.
    fn problem(&mut self, file: &'static str, line: u64, problem: Problem) {
        if problem.skipped() {
            self.report.skipped_lines += 1;
        } else {
            self.report.warned_lines += 1;
        }
        if self.report.problems.len() < PROBLEMS_KEPT {
            self.report.problems.push(LineProblem {
                file,
                line,
                problem,
            });
        }
    }

    /// One of the optional appointment files, each record in its store's feed; nothing when
    /// the export does not have it.
    fn plan<T: DeserializeOwned>(
        &mut self,
        export: &Export,
        file: &'static str,
        entity: Entity,
        total: u64,
        progress: Progress<'_>,
        wrap: fn(T) -> Record,
    ) -> Result<()> {
        if !export.dir().join(file).exists() {
            return Ok(());
        }
        self.unowned(
            export,
            file,
            entity,
            total,
            progress,
            wrap,
            |record| match record {
                Record::StoreHours(h) => &h.store_id,
                Record::Service(s) => &s.store_id,
                Record::Resource(r) => &r.store_id,
                Record::AdvisorHours(a) => &a.store_id,
                _ => CATALOG,
            },
        )
    }

    fn customers(&mut self, export: &Export, total: u64, progress: Progress<'_>) -> Result<()> {
        let entity = Entity::Customer;
        let mut hashes = load_hashes(self.conn, entity)?;
        let mut counts = EntityCounts::default();
        let mut read = 0u64;
        for rec in export.records::<Customer>(files::CUSTOMERS)? {
            let customer = rec?;
            read += 1;
            tick(progress, entity, read, total);
            if self.erased.contains(&customer.id) {
                self.report.skipped_erased_customers += 1;
                continue;
            }
            let id = customer.id.clone();
            let store = customer.home_store_id.clone();
            let payload = feed::upsert_payload(Record::Customer(customer.clone()))?;
            let hash = hash16(&payload);
            let previous_store = self.customer_store.insert(id.clone(), store.clone());
            match hashes.remove(&id) {
                Some(old) if old == hash => counts.unchanged += 1,
                previous => {
                    if previous_store.as_ref().is_some_and(|s| *s != store) {
                        self.moved.push(id.clone());
                    }
                    self.stage(Staged {
                        entity,
                        customer_id: Some(id.clone()),
                        id,
                        store,
                        record: Record::Customer(customer),
                        payload,
                        hash,
                    })?;
                    bump(&mut counts, previous.is_some());
                }
            }
        }
        self.flush()?;
        for id in hashes.keys() {
            self.customer_store.remove(id);
            for (e, owned_id, _, _) in feed::owned_rows(self.conn, id)? {
                feed::put_tombstone(self.conn, e, &owned_id)?;
                self.batch.wrote(1)?;
            }
        }
        self.tombstone_missing(entity, hashes, &mut counts)?;
        progress(entity, read, total);
        self.report.entities.push((entity, counts));
        Ok(())
    }

    fn owned<T: DeserializeOwned + Owned>(
        &mut self,
        export: &Export,
        file: &'static str,
        entity: Entity,
        total: u64,
        progress: Progress<'_>,
    ) -> Result<()> {
        let mut hashes = load_hashes(self.conn, entity)?;
        let mut counts = EntityCounts::default();
        let mut read = 0u64;
        // The earlier imports' hashes of the returns, checked once every sale is in.
        let mut returns_hashes = HashMap::new();
        let mut records = export.records::<T>(file)?;
        while let Some(rec) = records.next() {
            let rec = rec?;
            let line = records.line();
            read += 1;
            tick(progress, entity, read, total);
            let customer_id = rec.customer_id().to_owned();
            if self.erased.contains(&customer_id) {
                self.report.skipped_erased_records += 1;
                continue;
            }
            let Some(store) = self.customer_store.get(&customer_id).cloned() else {
                self.report.orphans += 1;
                continue;
            };
            let id = rec.id().to_owned();
            let record = rec.into_record();
            if let Record::Purchase(p) = &record {
                if p.return_of.is_some() {
                    if let Some(hash) = hashes.remove(&id) {
                        returns_hashes.insert(id, hash);
                    }
                    if let Record::Purchase(p) = record {
                        self.returns.push((line, p, store));
                    }
                    continue;
                }
                match check_sale(&self.currencies, p, self.version, &store) {
                    Ok(None) => {}
                    Ok(Some(warning)) => self.problem(file, line, warning),
                    Err(problem) => {
                        hashes.remove(&id);
                        self.problem(file, line, problem);
                        continue;
                    }
                }
            }
            let key = (entity, id, store, Some(customer_id));
            self.put(&mut hashes, &mut counts, key, record)?;
        }
        self.flush()?;
        self.take_returns(file, &mut returns_hashes, &mut counts)?;
        hashes.extend(returns_hashes);
        self.tombstone_missing(entity, hashes, &mut counts)?;
        progress(entity, read, total);
        self.report.entities.push((entity, counts));
        Ok(())
    }

    /// The returns read: each checked against its sale (this export's, or an earlier
    /// import's), the sale's units and amount taken down by each, in file order. `hashes`
    /// holds the returns' earlier imports; what is left in it afterwards was not in this one.
    fn take_returns(
        &mut self,
        file: &'static str,
        hashes: &mut HashMap<String, [u8; 16]>,
        counts: &mut EntityCounts,
    ) -> Result<()> {
        let returns = std::mem::take(&mut self.returns);
        let mut sold: HashMap<String, Sold> = HashMap::new();
        for chunk in returns.chunks(feed::LOOKUPS_PER_QUERY) {
            let ids: Vec<&str> = chunk
                .iter()
                .filter_map(|(_, p, _)| p.return_of.as_deref())
                .filter(|id| !sold.contains_key(*id))
                .collect();
            for (id, rows) in feed::rows_of_many(self.conn, Entity::Purchase, &ids, true)? {
                if let Some(Change::Upsert {
                    record: Record::Purchase(line),
                }) = rows
                    .iter()
                    .find_map(|r| r.payload.as_deref())
                    .map(serde_json::from_str::<Change>)
                    .transpose()?
                {
                    sold.insert(id, Sold::of(&line));
                }
            }
            for (line, back, store) in chunk {
                let sold_id = back.return_of.clone().unwrap_or_default();
                let checked = currency(back.currency.as_deref(), self.version).and_then(|_| {
                    sold.get_mut(&sold_id)
                        .ok_or_else(|| Problem::ReturnOfUnknownLine(sold_id.clone()))?
                        .take_back(back, &sold_id)
                });
                if let Err(problem) = checked {
                    hashes.remove(&back.id);
                    self.problem(file, *line, problem);
                    continue;
                }
                let key = (
                    Entity::Purchase,
                    back.id.clone(),
                    store.clone(),
                    Some(back.customer_id.clone()),
                );
                self.put(hashes, counts, key, Record::Purchase(back.clone()))?;
            }
        }
        self.flush()
    }

    /// A customer who changed store takes her unchanged records along: upserts in the new
    /// store, tombstones in the old one. The customers are those this import moved and any
    /// whose records still sit in another store: an import interrupted after moving her and
    /// rerun no longer sees the move, and finishes it here.
    fn rescope_moved(&mut self) -> Result<()> {
        let mut moved = std::mem::take(&mut self.moved);
        moved.extend(self.conn.query_map(
            "SELECT DISTINCT o.customer_id FROM feed o
               JOIN feed c ON c.entity = 'customer' AND c.entity_id = o.customer_id
                          AND c.deleted = 0
             WHERE o.deleted = 0 AND o.entity <> 'customer' AND o.store_id <> c.store_id",
            (),
            |r| r.get::<_, String>(0),
        )?);
        moved.sort();
        moved.dedup();
        for id in moved {
            let Some(store) = self.customer_store.get(&id).cloned() else {
                continue;
            };
            for (entity, owned_id, scope, payload) in feed::owned_rows(self.conn, &id)? {
                if scope != store {
                    feed::put_live(self.conn, entity, &owned_id, &store, Some(&id), &payload)?;
                    self.batch.wrote(1)?;
                }
            }
            self.report.moved_customers += 1;
        }
        Ok(())
    }

    fn tombstone_missing(
        &mut self,
        entity: Entity,
        missing: HashMap<String, [u8; 16]>,
        counts: &mut EntityCounts,
    ) -> Result<()> {
        for id in missing.keys() {
            feed::put_tombstone(self.conn, entity, id)?;
            self.conn.execute(
                "DELETE FROM imported WHERE entity = ?1 AND entity_id = ?2",
                params![entity.as_str(), id],
            )?;
            counts.deleted += 1;
            self.batch.wrote(1)?;
        }
        Ok(())
    }

    /// Queues a new or changed record; a full chunk is written.
    fn stage(&mut self, staged: Staged) -> Result<()> {
        // The same id twice in one chunk would be looked up before its first write.
        if self.staged_ids.contains(&staged.id) {
            self.flush()?;
        }
        self.staged_ids.insert(staged.id.clone());
        self.staged.push(staged);
        if self.staged.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the staged records: one lookup of their feed rows and device edits, the CRM's
    /// version merged with what devices changed since, then the feed rows and the hashes that
    /// make the next import a delta, a few multi-row statements in all.
    fn flush(&mut self) -> Result<()> {
        let staged = std::mem::take(&mut self.staged);
        self.staged_ids.clear();
        let Some(first) = staged.first() else {
            return Ok(());
        };
        let entity = first.entity;
        let ids: Vec<&str> = staged.iter().map(|s| s.id.as_str()).collect();
        let existing = feed::rows_of_many(self.conn, entity, &ids, entity == Entity::Customer)?;
        let edited = crate::customer_record::edited_subjects(self.conn, &ids)?;
        let mut writes = feed::Writes::default();
        for s in &staged {
            let rows = existing.get(&s.id).map_or(&[][..], Vec::as_slice);
            let was_edited = edited.contains(&s.id);
            let live =
                match &s.record {
                    Record::Customer(crm) => {
                        let current = rows.iter().find_map(|r| r.payload.as_deref());
                        match current {
                            Some(current) => feed::upsert_payload(Record::Customer(
                                merge_customer(self.conn, crm.clone(), current, was_edited)?,
                            ))?,
                            None => s.payload.clone(),
                        }
                    }
                    Record::Purchase(p) if was_edited => feed::upsert_payload(Record::Purchase(
                        keep_gift_flag(self.conn, p.clone())?,
                    ))?,
                    _ => s.payload.clone(),
                };
            writes.live(
                rows,
                entity,
                &s.id,
                &s.store,
                s.customer_id.as_deref(),
                live,
            )?;
        }
        writes.apply(self.conn)?;
        remember(self.conn, entity, &staged)?;
        self.batch.wrote(staged.len())
    }
}

/// Upserts the import hashes of `staged` records, which make the next import a delta.
fn remember(conn: &Conn<'_>, entity: Entity, staged: &[Staged]) -> Result<()> {
    for chunk in staged.chunks(CHUNK) {
        let values = (0..chunk.len())
            .map(|i| format!("(?1, ?{}, ?{})", 2 + 2 * i, 3 + 2 * i))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO imported (entity, entity_id, hash) VALUES {values}
               ON CONFLICT (entity, entity_id) DO UPDATE SET hash = excluded.hash"
        );
        let mut params = vec![Value::Text(entity.as_str())];
        for s in chunk {
            params.extend([Value::Text(&s.id), Value::Blob(&s.hash)]);
        }
        conn.execute(&sql, params)?;
    }
    Ok(())
}

/// Records owned by a customer.
trait Owned {
    fn id(&self) -> &str;
    fn customer_id(&self) -> &str;
    fn into_record(self) -> Record;
}

impl Owned for PurchaseLine {
    fn id(&self) -> &str {
        &self.id
    }
    fn customer_id(&self) -> &str {
        &self.customer_id
    }
    fn into_record(self) -> Record {
        Record::Purchase(self)
    }
}

impl Owned for Offer {
    fn id(&self) -> &str {
        &self.id
    }
    fn customer_id(&self) -> &str {
        &self.customer_id
    }
    fn into_record(self) -> Record {
        Record::Offer(self)
    }
}

fn bump(counts: &mut EntityCounts, existed: bool) {
    if existed {
        counts.changed += 1;
    } else {
        counts.new += 1;
    }
}

fn tick(progress: Progress<'_>, entity: Entity, read: u64, total: u64) {
    if read.is_multiple_of(100_000) {
        progress(entity, read, total);
    }
}

/// The first 128 bits of the SHA-256 of a record's canonical JSON.
pub fn hash16(payload: &str) -> [u8; 16] {
    let full = ids::sha256(payload.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

fn load_hashes(conn: &Conn<'_>, entity: Entity) -> Result<HashMap<String, [u8; 16]>> {
    let mut out = HashMap::new();
    conn.for_each(
        "SELECT entity_id, hash FROM imported WHERE entity = ?1",
        [entity.as_str()],
        |row| {
            let id: String = row.get(0)?;
            let blob: Vec<u8> = row.get(1)?;
            let mut hash = [0u8; 16];
            if blob.len() == 16 {
                hash.copy_from_slice(&blob);
            }
            out.insert(id, hash);
            Ok::<_, Error>(())
        },
    )?;
    Ok(out)
}

/// Customers no import may bring back: erased ones, and duplicates merged into another (until
/// the CRM merges them too, their records there are skipped and counted with the erased).
fn load_erased(conn: &Conn<'_>) -> Result<HashSet<String>> {
    let rows = conn
        .query_map(
            "SELECT customer_id FROM erased UNION SELECT from_id FROM merged",
            (),
            |r| r.get(0),
        )?
        .into_iter()
        .collect::<HashSet<String>>();
    Ok(rows)
}

fn load_customer_stores(conn: &Conn<'_>) -> Result<HashMap<String, String>> {
    let rows = conn
        .query_map(
            "SELECT entity_id, store_id FROM feed WHERE entity = 'customer' AND deleted = 0",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .into_iter()
        .collect::<HashMap<String, String>>();
    Ok(rows)
}

/// The CRM's changed customer, keeping what devices changed after the CRM's `updated_at`:
/// contact fields edited later (`edited`: the customer has device edits), consents recorded
/// later. `current` is her live row's payload.
fn merge_customer(
    conn: &Conn<'_>,
    mut crm: Customer,
    current: &str,
    edited: bool,
) -> Result<Customer> {
    let Change::Upsert {
        record: Record::Customer(current),
    } = serde_json::from_str::<Change>(current)?
    else {
        return Ok(crm);
    };
    let crm_time = ids::parse_time(&crm.updated_at);
    let newer = |t: &str| match (ids::parse_time(t), crm_time) {
        (Some(t), Some(crm)) => t > crm,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if edited {
        for (field, edited_at) in crate::customer_record::edit_times(conn, &crm.id)? {
            if newer(&edited_at) {
                crate::customer_record::copy_edited_field(&field, &current, &mut crm);
            }
        }
    }
    for consent in current.consents {
        if !newer(&consent.recorded_at) {
            continue;
        }
        match crm
            .consents
            .iter_mut()
            .find(|c| c.channel == consent.channel && c.purpose == consent.purpose)
        {
            Some(c) => {
                if ids::parse_time(&consent.recorded_at) > ids::parse_time(&c.recorded_at) {
                    *c = consent;
                }
            }
            None => crm.consents.push(consent),
        }
    }
    Ok(crm)
}

/// A changed purchase keeps a gift flag set on a device (the CRM has no time to compare).
fn keep_gift_flag(conn: &Conn<'_>, mut p: PurchaseLine) -> Result<PurchaseLine> {
    if let Some(row) = feed::live_row(conn, Entity::Purchase, &p.id)?
        && let Record::Purchase(current) = row.record()?
    {
        p.gift = current.gift;
    }
    Ok(p)
}
