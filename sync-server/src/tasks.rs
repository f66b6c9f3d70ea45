//! The client book's tasks, made each night on the server by the core's rules
//! ([`carnet_core::tasks::rules`], the ones the handhelds run after a sync) over each store's
//! feed: the same facts give the same tasks, with the same ids, on both sides.
//!
//! They are kept per store (table `task`, replaced by each run; on PostgreSQL the reason is
//! sealed, since a birthday is in it) for the manager's figures: what is open for each advisor
//! and for the store's group. An erasure deletes her tasks; a merge drops the duplicate's, and
//! the next night makes the kept customer's.
//!
//! A run reads a store's feed once, each record straight into its own type, keeping only what
//! the rules need of the customers some channel may reach: their purchase lines, wishes and
//! last contact.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use carnet_core::consent::Channel;
use carnet_core::returns;
use carnet_core::tasks::rules::{self, Catalogue, Context, Customer, Proposal};
use carnet_protocol::{
    Advisor, CampaignRecord, Customer as CustomerRecord, Entity, MODEL_ID, OutreachRecord,
    PurchaseLine, Record, WishRecord,
};
use carnet_reco::{HistoryLine, Model};
use chrono::{NaiveDate, NaiveTime, Utc};

use crate::currencies::{Currencies, Paid};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::feed::{self, CATALOG};
use crate::sql::{Conn, OptionalExtension, params};
use crate::{customer_record, sealed, stores};

/// `meta` key of the last day the nightly run was made for.
const NIGHT_KEY: &str = "tasks_night";

/// What one store's run made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRun {
    /// The store.
    pub store_id: String,
    /// Its customers that some channel may reach (the others get no task).
    pub reachable: u64,
    /// Tasks made, by kind (`replenishment`, `lapsing`, ...).
    pub by_kind: BTreeMap<&'static str, u64>,
}

impl StoreRun {
    /// Tasks made.
    pub fn tasks(&self) -> u64 {
        self.by_kind.values().sum()
    }
}

/// What every store's run shares: the catalogue, the model and the campaigns, and the
/// stores' zones and currencies with the rates, to tell every line in her home store's
/// currency as her handheld does.
pub struct Shared {
    catalogue: Catalogue,
    model: Option<Model>,
    campaigns: Vec<CampaignRecord>,
    currencies: Currencies,
}

impl Shared {
    /// Reads them from the catalogue's feed.
    pub fn read(conn: &Conn<'_>) -> Result<Shared> {
        let mut products = Vec::new();
        let mut campaigns = Vec::new();
        feed::for_each_live(conn, Some(CATALOG), Entity::Product, |r| {
            if let Record::Product(p) = r {
                let launch = p
                    .launch_on
                    .as_deref()
                    .and_then(carnet_core::time::parse_day);
                products.push((p.id, p.brand_id, launch));
            }
            Ok(())
        })?;
        feed::for_each_live(conn, Some(CATALOG), Entity::Campaign, |r| {
            if let Record::Campaign(c) = r {
                campaigns.push(c);
            }
            Ok(())
        })?;
        campaigns.sort_by(|a, b| a.id.cmp(&b.id));
        let model = match feed::live_row(conn, Entity::Model, MODEL_ID)? {
            Some(row) => match row.record()? {
                Record::Model(m) => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(&m.bytes_base64)
                        .map_err(|_| Error::Task("the model in the feed is not base64".into()))?;
                    Some(Model::from_bytes(&bytes).map_err(|e| {
                        Error::Task(format!("the model in the feed does not decode: {e}"))
                    })?)
                }
                _ => None,
            },
            None => None,
        };
        Ok(Shared {
            catalogue: Catalogue::from_products(products),
            currencies: Currencies::read(conn)?,
            model,
            campaigns,
        })
    }
}

/// One customer of the store, as the rules read her.
#[derive(Default)]
struct Person {
    /// Her record was read (a purchase may come first).
    seen: bool,
    /// Some channel may reach her: she may get tasks.
    reachable: bool,
    segment: String,
    tier: String,
    language: String,
    birthday: Option<String>,
    advisor_id: Option<String>,
    personalisation: bool,
    last_contact: Option<NaiveDate>,
    wishes: Vec<String>,
    home_store: String,
    /// Her lines, and how each was paid, converted once her home store is known.
    lines: Vec<(returns::Line, Paid)>,
    history: Vec<HistoryLine>,
}

impl Shared {
    /// Her history net of returns, each line in her home store's currency as her handheld
    /// holds it.
    fn kept(&self, home_store: &str, lines: Vec<(returns::Line, Paid)>) -> Vec<HistoryLine> {
        let home = self.currencies.of_store(home_store);
        let converted = lines.into_iter().map(|(mut line, paid)| {
            line.line.amount_cents = self.currencies.convert(line.line.amount_cents, &paid, home);
            line
        });
        returns::kept(converted).0
    }
}

/// A task made for a store, ready to keep.
struct Made {
    proposal: Proposal,
    customer_id: String,
    advisor_id: Option<String>,
}

/// Makes `store_id`'s tasks for `today` from its feed (read in `conn`, one snapshot).
fn make(
    conn: &Conn<'_>,
    shared: &Shared,
    store_id: &str,
    today: NaiveDate,
) -> Result<(Vec<Made>, u64)> {
    let quiet_period_days = stores::policy_of(conn, store_id)
        .map_err(|e| Error::Task(e.to_string()))?
        .unwrap_or_default()
        .quiet_period_days;
    // One pass over the store's feed, in no set order: a purchase may come before its
    // customer, whose record then completes her entry.
    let mut advisors = Vec::new();
    let mut people: HashMap<String, Person> = HashMap::new();
    feed::for_each_live_row(conn, store_id, |entity, payload| {
        match entity {
            "advisor" => {
                let a: Advisor = feed::upserted(payload)?;
                let left = a.left_on.as_deref().and_then(carnet_core::time::parse_day);
                if a.store_id == store_id && left.is_none_or(|left| left > today) {
                    advisors.push(a.id);
                }
            }
            "customer" => {
                let c: CustomerRecord = feed::upserted(payload)?;
                let marketing: Vec<Channel> = [Channel::Email, Channel::Sms, Channel::Phone]
                    .into_iter()
                    .filter(|ch| customer_record::allows_marketing(&c, ch.as_str()))
                    .collect();
                let reachable =
                    !rules::channels(c.email.is_some(), c.phone.is_some(), &marketing).is_empty();
                let personalisation = !customer_record::personalisation_withdrawn(&c);
                let person = people.entry(c.id).or_default();
                if !reachable {
                    // Nothing of hers is needed: let her lines go.
                    *person = Person {
                        seen: true,
                        ..Person::default()
                    };
                    return Ok(());
                }
                person.seen = true;
                person.reachable = true;
                person.personalisation = personalisation;
                person.segment = c.segment;
                person.tier = c.tier;
                person.language = c.language;
                person.birthday = c.birthday;
                person.advisor_id = c.advisor_id;
                person.home_store = c.home_store_id;
            }
            "purchase" => {
                let mut p: PurchaseLine = feed::upserted(payload)?;
                let person = people
                    .entry(std::mem::take(&mut p.customer_id))
                    .or_default();
                // A customer already known to be out of reach keeps no lines.
                let out_of_reach = person.seen && !person.reachable;
                if !out_of_reach
                    && let Some(date) = carnet_core::time::parse_instant(&p.bought_at)
                        .and_then(carnet_core::time::day_of)
                {
                    let paid = Paid::of(&p);
                    let line = returns::Line {
                        id: std::mem::take(&mut p.id),
                        return_of: p.return_of.take(),
                        line: HistoryLine {
                            product_id: std::mem::take(&mut p.product_id),
                            date,
                            quantity: p.quantity,
                            amount_cents: p.amount_cents,
                            gift: p.gift,
                        },
                    };
                    person.lines.push((line, paid));
                }
            }
            "outreach" => {
                let o: OutreachRecord = feed::upserted(payload)?;
                if o.contacted()
                    && let Some(day) =
                        carnet_core::time::parse_instant(&o.at).and_then(carnet_core::time::day_of)
                {
                    let person = people.entry(o.customer_id).or_default();
                    person.last_contact = person.last_contact.max(Some(day));
                }
            }
            "wish" => {
                let w: WishRecord = feed::upserted(payload)?;
                people
                    .entry(w.customer_id)
                    .or_default()
                    .wishes
                    .push(w.product_id);
            }
            _ => {}
        }
        Ok(())
    })?;
    people.retain(|_, p| p.reachable);
    for person in people.values_mut() {
        let lines = std::mem::take(&mut person.lines);
        person.history = shared.kept(&person.home_store, lines);
        // A book whose advisor left (or works elsewhere) falls to the store as group tasks.
        person.advisor_id = person.advisor_id.take().filter(|a| advisors.contains(a));
    }
    let campaigns: Vec<CampaignRecord> = shared
        .campaigns
        .iter()
        .filter(|c| c.is_for(store_id))
        .cloned()
        .collect();
    let ctx = Context {
        model: shared.model.as_ref(),
        brand_of: &shared.catalogue.brand_of,
        launches: &shared.catalogue.launches,
        campaigns: &campaigns,
        today,
        quiet_period_days,
    };
    let mut made = Vec::new();
    let reachable = people.len() as u64;
    let mut ids: Vec<&String> = people.keys().collect();
    ids.sort();
    for id in ids {
        let p = &people[id];
        let customer = Customer {
            id,
            segment: &p.segment,
            tier: &p.tier,
            language: &p.language,
            birthday: p.birthday.as_deref(),
            last_contact: p.last_contact,
            personalisation: p.personalisation,
            history: &p.history,
            wishes: &p.wishes,
        };
        for proposal in rules::propose(&customer, &ctx) {
            made.push(Made {
                proposal,
                customer_id: id.clone(),
                advisor_id: p.advisor_id.clone(),
            });
        }
    }
    Ok((made, reachable))
}

/// Replaces `store_id`'s kept tasks by `made`.
fn keep(conn: &Conn<'_>, store_id: &str, today: NaiveDate, made: &[Made]) -> Result<()> {
    conn.execute("DELETE FROM task WHERE store_id = ?1", [store_id])?;
    let today = today.to_string();
    for m in made {
        let detail = serde_json::to_string(&m.proposal.kind)?;
        conn.execute(
            "INSERT INTO task (store_id, id, customer_id, advisor_id, kind, due_on, detail, made_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                store_id,
                m.proposal.id,
                m.customer_id,
                m.advisor_id,
                m.proposal.kind.name(),
                m.proposal.due_on.to_string(),
                sealed::to_stored(conn, &detail)?,
                today,
            ],
        )?;
    }
    Ok(())
}

/// Makes and keeps `store_id`'s tasks for `today`, in one transaction.
pub fn run_store(
    conn: &Conn<'_>,
    shared: &Shared,
    store_id: &str,
    today: NaiveDate,
) -> Result<StoreRun> {
    let (made, reachable) = make(conn, shared, store_id, today)?;
    keep(conn, store_id, today, &made)?;
    Ok(run_of(store_id, reachable, &made))
}

fn run_of(store_id: &str, reachable: u64, made: &[Made]) -> StoreRun {
    let mut by_kind = BTreeMap::new();
    for m in made {
        *by_kind.entry(m.proposal.kind.name()).or_insert(0) += 1;
    }
    StoreRun {
        store_id: store_id.to_owned(),
        reachable,
        by_kind,
    }
}

/// Every store of the catalogue, by id.
pub fn catalogue_stores(conn: &Conn<'_>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    feed::for_each_live(conn, Some(CATALOG), Entity::Store, |r| {
        out.push(r.id().to_owned());
        Ok(())
    })?;
    out.sort();
    Ok(out)
}

/// The night's run for every store of the catalogue (the day claimed first: [`claim`]): each
/// store read in a snapshot, then its tasks written in a short transaction of their own, so
/// devices' pushes wait for one store's writes at most, never for the whole run.
pub async fn run_night(db: &Arc<Db>, today: NaiveDate) -> Result<Vec<StoreRun>> {
    let shared = Arc::new(db.read(Shared::read).await?);
    let stores = db.read(catalogue_stores).await?;
    let mut runs = Vec::new();
    for store_id in stores {
        let started = Instant::now();
        let (s, id) = (Arc::clone(&shared), store_id.clone());
        let (made, reachable) = db.read(move |conn| make(conn, &s, &id, today)).await?;
        let run = run_of(&store_id, reachable, &made);
        let id = store_id.clone();
        db.write(move |conn| keep(conn, &id, today, &made)).await?;
        tracing::info!(
            store = %store_id,
            tasks = run.tasks(),
            millis = started.elapsed().as_millis() as u64,
            "tasks made"
        );
        runs.push(run);
    }
    Ok(runs)
}

/// Claims tonight's run for `today`: true for the one replica (or loop turn) that moves the
/// mark from an earlier day to `today`.
async fn claim(db: &Arc<Db>, today: NaiveDate) -> Result<bool> {
    db.write(move |conn| {
        let last: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [NIGHT_KEY], |r| {
                r.get(0)
            })
            .optional()?;
        if last.as_deref() >= Some(today.to_string().as_str()) {
            return Ok(false);
        }
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![NIGHT_KEY, today.to_string()],
        )?;
        Ok::<_, Error>(true)
    })
    .await
}

/// Runs the night's tasks once a day, at `at` (UTC), on whichever replica claims it first.
pub async fn nightly(db: Arc<Db>, at: NaiveTime) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let now = Utc::now();
        if now.time() < at {
            continue;
        }
        let today = now.date_naive();
        match claim(&db, today).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "the night's tasks could not be claimed");
                continue;
            }
        }
        let started = Instant::now();
        match run_night(&db, today).await {
            Ok(runs) => tracing::info!(
                stores = runs.len(),
                tasks = runs.iter().map(StoreRun::tasks).sum::<u64>(),
                secs = started.elapsed().as_secs(),
                "the night's tasks are made"
            ),
            Err(e) => tracing::warn!(error = %e, "the night's tasks failed"),
        }
    }
}

/// Whether what was done with a task settles it: done or dismissed, it is no longer open.
pub fn settles(action: &carnet_protocol::TaskAction) -> bool {
    matches!(
        action,
        carnet_protocol::TaskAction::Done | carnet_protocol::TaskAction::Dismiss { .. }
    )
}

/// Open tasks kept for `store_id`, by advisor (`None`: the store's group tasks), leaving out
/// the `settled` ones (done or dismissed since they were made, read by the caller from the
/// store's task states).
pub fn open_by_advisor(
    conn: &Conn<'_>,
    store_id: &str,
    settled: &HashSet<String>,
) -> Result<HashMap<Option<String>, u32>> {
    let mut out: HashMap<Option<String>, u32> = HashMap::new();
    conn.for_each(
        "SELECT id, advisor_id FROM task WHERE store_id = ?1",
        [store_id],
        |r| {
            let id: String = r.get(0)?;
            if !settled.contains(&id) {
                *out.entry(r.get::<_, Option<String>>(1)?).or_default() += 1;
            }
            Ok::<_, Error>(())
        },
    )?;
    Ok(out)
}

/// Forgets `customer_id`'s tasks (an erasure, or a duplicate merged away).
pub fn forget(conn: &Conn<'_>, customer_id: &str) -> Result<()> {
    conn.execute("DELETE FROM task WHERE customer_id = ?1", [customer_id])?;
    Ok(())
}
