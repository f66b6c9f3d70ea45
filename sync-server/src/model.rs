//! Builds the recommendation model from the server's purchase history and puts it in the feed
//! as a catalog record every store's devices receive; writes each store's personalisation
//! policy (sensitive-category suppression, market rules) from a manager's rules file.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use crate::sql::{Conn, OptionalExtension, params};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use carnet_protocol::{Entity, MODEL_ID, ModelRecord, PolicyRecord, Record};
use carnet_reco::{BuildConfig, CatalogItem, HistoryLine, Model, Rule, TrainingCustomer};
use chrono::{NaiveDate, SecondsFormat, Utc};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::feed;

/// Largest artifact shipped to devices (20,000 products × 50 neighbours is ~4.6 MB).
pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// `meta` key of the last model build number.
const VERSION_KEY: &str = "model_version";

/// A manager's personalisation rules file (JSON), e.g.
///
/// ```json
/// {
///   "suppress_sensitive": false,
///   "stores": { "S002": { "suppress_sensitive": true } },
///   "rules": [
///     { "market": "IT", "target": { "category": "fragrance" }, "action": { "boost": 1.5 } },
///     { "market": "FR", "segment": "skincare_expert", "target": { "brand": "B012" },
///       "action": { "demote": 0.5 } },
///     { "target": { "brand": "B099" }, "action": "exclude" }
///   ]
/// }
/// ```
///
/// Each store receives the rules of its market (its country) and the rules without a market.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Suppress sensitive categories in every store unless a store says otherwise.
    #[serde(default)]
    pub suppress_sensitive: bool,
    /// Per-store overrides.
    #[serde(default)]
    pub stores: HashMap<String, StoreOverride>,
    /// Merchandising rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// A store's own setting in a [`RulesFile`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreOverride {
    /// Suppress sensitive categories in this store.
    pub suppress_sensitive: Option<bool>,
}

impl RulesFile {
    /// Reads and checks a rules file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::Config(format!("rules file {}: {e}", path.display())))
    }
}

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The build's "today"; default: the day of the latest purchase.
    pub as_of: Option<NaiveDate>,
    /// Refuse to ship an artifact larger than this.
    pub max_bytes: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            as_of: None,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// The new build number.
    pub version: u32,
    /// Artifact size.
    pub bytes: usize,
    /// Products in the catalogue.
    pub products: usize,
    /// Customers trained on.
    pub customers: usize,
    /// Customers left out because they withdrew consent to personalisation.
    pub withdrawn: usize,
    /// Non-gift lines trained on.
    pub lines: usize,
    /// The build day.
    pub as_of: NaiveDate,
    /// Seconds reading the feed, building, writing.
    pub read_s: f64,
    /// Seconds building the model.
    pub build_s: f64,
}

/// The training data as the feed holds it now: catalogue with sensitivity and cadence,
/// customers' segments and purchase lines (gift flags as last edited). Customers who withdrew
/// consent to personalisation are left out: nothing is learnt from them.
fn training_data(conn: &Conn<'_>) -> Result<(Vec<CatalogItem>, Vec<TrainingCustomer>, usize)> {
    let mut sensitive: HashSet<String> = HashSet::new();
    for r in feed::live_records(conn, None, Entity::Category)? {
        if let Record::Category(c) = r
            && c.sensitive
        {
            sensitive.insert(c.id);
        }
    }
    let mut catalog = Vec::new();
    for r in feed::live_records(conn, None, Entity::Product)? {
        if let Record::Product(p) = r {
            // A leaf is sensitive when it or any parent is (`maternity.stretch_marks`).
            let is_sensitive = p
                .category_id
                .match_indices('.')
                .map(|(i, _)| &p.category_id[..i])
                .chain([p.category_id.as_str()])
                .any(|c| sensitive.contains(c));
            catalog.push(CatalogItem {
                id: p.id,
                brand: p.brand_id,
                category: p.category_id,
                sensitive: is_sensitive,
                replenishable: p.replenishable,
                cycle_days: p.cycle_days,
            });
        }
    }
    let mut slot: HashMap<String, usize> = HashMap::new();
    let mut customers = Vec::new();
    let mut withdrawn = 0;
    for r in feed::live_records(conn, None, Entity::Customer)? {
        if let Record::Customer(c) = r {
            if crate::customer_record::personalisation_withdrawn(&c) {
                withdrawn += 1;
                continue;
            }
            slot.insert(c.id, customers.len());
            customers.push(TrainingCustomer {
                segment: c.segment,
                lines: Vec::new(),
            });
        }
    }
    for r in feed::live_records(conn, None, Entity::Purchase)? {
        // What was sold: a returned product is kept from her suggestions on her handheld.
        if let Record::Purchase(l) = r
            && !l.gift
            && l.return_of.is_none()
            && let Some(&k) = slot.get(&l.customer_id)
            && let Some(date) = l
                .bought_at
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        {
            customers[k].lines.push(HistoryLine {
                product_id: l.product_id,
                date,
                quantity: l.quantity,
                amount_cents: l.amount_cents,
                gift: false,
            });
        }
    }
    customers.retain(|c| !c.lines.is_empty());
    Ok((catalog, customers, withdrawn))
}

/// Builds the model from the feed and, if it fits the budget, writes it to the feed (a new
/// build number) in one transaction. Run it on the writer connection.
pub fn build(conn: &Conn<'_>, opts: &BuildOptions) -> Result<BuildReport> {
    let started = Instant::now();
    let (catalog, customers, withdrawn) = training_data(conn)?;
    let lines: usize = customers.iter().map(|c| c.lines.len()).sum();
    let as_of = opts
        .as_of
        .or_else(|| {
            customers
                .iter()
                .flat_map(|c| c.lines.iter().map(|l| l.date))
                .max()
        })
        .unwrap_or_else(|| Utc::now().date_naive());
    let read_s = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let model = Model::build(&catalog, &customers, &BuildConfig::new(as_of));
    let bytes = model.to_bytes();
    let build_s = t.elapsed().as_secs_f64();
    if bytes.len() > opts.max_bytes {
        return Err(Error::Config(format!(
            "the model is {} bytes, over the budget of {} bytes: not shipped",
            bytes.len(),
            opts.max_bytes
        )));
    }
    conn.execute_batch(conn.begin_write())?;
    let written = write_model(conn, &bytes);
    match written {
        Ok(version) => {
            conn.execute_batch("COMMIT")?;
            Ok(BuildReport {
                version,
                bytes: bytes.len(),
                products: catalog.len(),
                customers: customers.len(),
                withdrawn,
                lines,
                as_of,
                read_s,
                build_s,
            })
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// After an import: rebuilds the model if one was ever built (the store uses suggestions) and
/// the import changed what it is built from (products, customers and their consents,
/// purchases). A model built on last week's history would go on suggesting what customers
/// have since bought. Returns the new build, or none when nothing needed one.
pub fn rebuild_after_import(
    conn: &Conn<'_>,
    import: &crate::import::ImportReport,
) -> Result<Option<BuildReport>> {
    let changed = [Entity::Product, Entity::Customer, Entity::Purchase]
        .into_iter()
        .map(|entity| import.counts(entity))
        .any(|c| c.new + c.changed + c.deleted > 0)
        || import.resumed > 0;
    if last_version(conn)?.is_none() || !changed {
        return Ok(None);
    }
    build(conn, &BuildOptions::default()).map(Some)
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The build number of the last model shipped; none before the first build.
fn last_version(conn: &Conn<'_>) -> Result<Option<u32>> {
    let last: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [VERSION_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(last.and_then(|v| v.parse::<u32>().ok()))
}

fn write_model(conn: &Conn<'_>, bytes: &[u8]) -> Result<u32> {
    let version = last_version(conn)?.unwrap_or(0) + 1;
    let payload = feed::upsert_payload(Record::Model(ModelRecord {
        id: MODEL_ID.to_owned(),
        version,
        built_at: now_text(),
        bytes_base64: STANDARD.encode(bytes),
    }))?;
    feed::put_live(conn, Entity::Model, MODEL_ID, feed::CATALOG, None, &payload)?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![VERSION_KEY, version.to_string()],
    )?;
    Ok(version)
}

/// Writes every known store's policy from `rules` into its feed, in one transaction: the
/// rules of its market and those without one, and its suppression setting. Returns how many
/// stores.
pub fn write_policies(conn: &Conn<'_>, rules: &RulesFile) -> Result<usize> {
    let stores: Vec<(String, String)> = feed::live_records(conn, None, Entity::Store)?
        .into_iter()
        .filter_map(|r| match r {
            Record::Store(s) => Some((s.id, s.country)),
            _ => None,
        })
        .collect();
    let updated_at = now_text();
    conn.execute_batch(conn.begin_write())?;
    let result = (|| -> Result<usize> {
        for (id, country) in &stores {
            let suppress = rules
                .stores
                .get(id)
                .and_then(|s| s.suppress_sensitive)
                .unwrap_or(rules.suppress_sensitive);
            let own: Vec<Rule> = rules
                .rules
                .iter()
                .filter(|r| {
                    r.market
                        .as_deref()
                        .is_none_or(|m| m.eq_ignore_ascii_case(country))
                })
                .cloned()
                .collect();
            let payload = feed::upsert_payload(Record::Policy(PolicyRecord {
                id: id.clone(),
                suppress_sensitive: suppress,
                rules: own,
                updated_at: updated_at.clone(),
            }))?;
            feed::put_live(conn, Entity::Policy, id, id, None, &payload)?;
        }
        Ok(stores.len())
    })();
    match result {
        Ok(n) => {
            conn.execute_batch("COMMIT")?;
            Ok(n)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
