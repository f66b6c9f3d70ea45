//! Derives the store's tasks from the cache (after a sync, or on the first look of a new day)
//! and keeps them in the `task` table, in one pass over the store's customers with their
//! purchases so that memory holds one customer's history at a time.

use std::collections::HashMap;

use carnet_reco::HistoryLine;
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::rules::{self, Context, Customer, Launch, Proposal};
use crate::consent::{Channel, Purpose, allows_in, personalisation_withdrawn};
use crate::error::{Error, Result};
use crate::recommend::loaded_model;
use crate::store::Cache;
use crate::time;

/// Meta key of the day the stored tasks were derived for.
pub(crate) const TASKS_DAY_KEY: &str = "tasks_day";

/// The channels a task may propose, in the order offered.
const TASK_CHANNELS: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Phone];

/// A proposal with whom it is for, ready to store.
struct Derived {
    proposal: Proposal,
    customer_id: String,
    advisor_id: Option<String>,
    channels: String,
}

/// Replaces the stored tasks with those `store_id`'s customers call for on `today`; returns
/// how many. Customers of the store are those it is home to and those in the book of one of
/// its advisors; a customer no channel may reach for marketing gets no task (the check runs
/// again on the server when an outreach is recorded).
pub fn refresh(cache: &Cache, store_id: &str, today: NaiveDate) -> Result<u64> {
    let model = loaded_model(cache)?.map(|(_, m)| m);
    let quiet_period_days = cache.quiet_period_days();
    let derived = cache.read(|c| {
        c.execute_batch("BEGIN")?;
        let out = derive(c, store_id, model.as_deref(), today, quiet_period_days);
        // A read transaction has nothing to commit; ending it releases the snapshot.
        let _ = c.execute_batch("ROLLBACK");
        out
    })?;
    cache.write(|tx| {
        // A done task stays in the done list after its reason has passed.
        tx.execute(
            "DELETE FROM task
              WHERE id NOT IN (SELECT task_id FROM task_state WHERE state = 'done')",
            [],
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO task (id, customer_id, advisor_id, kind, detail, due_on, channels)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET advisor_id = excluded.advisor_id,
                 detail = excluded.detail, due_on = excluded.due_on, channels = excluded.channels",
        )?;
        for d in &derived {
            let detail = serde_json::to_string(&d.proposal.kind)
                .map_err(|_| Error::InvalidInput("task cannot be encoded".into()))?;
            insert.execute(params![
                d.proposal.id,
                d.customer_id,
                d.advisor_id,
                d.proposal.kind.name(),
                detail,
                d.proposal.due_on.to_string(),
                d.channels,
            ])?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![TASKS_DAY_KEY, today.to_string()],
        )?;
        Ok(derived.len() as u64)
    })
}

/// The day the stored tasks were derived for, if any.
pub(super) fn tasks_day(c: &Connection) -> Result<Option<NaiveDate>> {
    let day: Option<String> = c
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([TASKS_DAY_KEY], |r| r.get(0))
        .optional()?;
    Ok(day.and_then(|d| time::parse_day(&d)))
}

fn derive(
    c: &Connection,
    store_id: &str,
    model: Option<&carnet_reco::Model>,
    today: NaiveDate,
    quiet_period_days: u32,
) -> Result<Vec<Derived>> {
    let (brand_of, launches) = catalogue(c)?;
    let campaigns = crate::campaigns::stored(c, store_id)?;
    let ctx = Context {
        model,
        brand_of: &brand_of,
        launches: &launches,
        campaigns: &campaigns,
        today,
        quiet_period_days,
    };
    let today_text = today.to_string();
    let advisors: Vec<String> = c
        .prepare_cached(
            "SELECT id FROM advisor WHERE store_id = ?1 AND (left_on IS NULL OR left_on > ?2)",
        )?
        .query_map([store_id, &today_text], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // Customers with at least one marketing channel granted, each with her purchases, in one
    // ordered join: the rows of one customer come together.
    let mut rows = c.prepare_cached(
        "SELECT c.id, c.segment, c.birthday, c.advisor_id, c.email IS NOT NULL,
                coalesce(c.phone_e164, c.phone) IS NOT NULL, c.tier, c.language,
                (SELECT max(o.at) FROM outreach o WHERE o.customer_id = c.id AND o.contacted <> 0),
                p.product_id, p.bought_at, p.quantity, p.amount_cents, p.gift
           FROM customer c
           LEFT JOIN purchase p ON p.customer_id = c.id
          WHERE (c.home_store_id = ?1
                 OR c.advisor_id IN (SELECT id FROM advisor WHERE store_id = ?1))
            AND EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = c.id
                        AND k.purpose = 'marketing' AND k.granted <> 0
                        AND k.channel IN ('email', 'sms', 'phone'))
          ORDER BY c.id",
    )?;
    let mut rows = rows.query([store_id])?;
    let mut out = Vec::new();
    let mut current: Option<Person> = None;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        if current.as_ref().is_none_or(|p| p.id != id) {
            if let Some(done) = current.take() {
                done.propose(c, &ctx, &advisors, &mut out)?;
            }
            current = Some(Person {
                id,
                segment: r.get(1)?,
                birthday: r.get(2)?,
                advisor_id: r.get(3)?,
                has_email: r.get(4)?,
                has_phone: r.get(5)?,
                tier: r.get(6)?,
                language: r.get(7)?,
                last_contact: r
                    .get::<_, Option<String>>(8)?
                    .and_then(|at| time::parse_instant(&at))
                    .and_then(time::day_of),
                history: Vec::new(),
            });
        }
        let (Some(person), Some(product_id)) = (current.as_mut(), r.get::<_, Option<String>>(9)?)
        else {
            continue;
        };
        if let Some(date) = time::day_of(r.get(10)?) {
            person.history.push(HistoryLine {
                product_id,
                date,
                quantity: u32::try_from(r.get::<_, i64>(11)?).unwrap_or(1),
                amount_cents: r.get(12)?,
                gift: r.get(13)?,
            });
        }
    }
    if let Some(done) = current.take() {
        done.propose(c, &ctx, &advisors, &mut out)?;
    }
    Ok(out)
}

/// Each product's brand, and the catalogue's launches.
fn catalogue(c: &Connection) -> Result<(HashMap<String, String>, Vec<Launch>)> {
    let mut brand_of = HashMap::new();
    let mut launches = Vec::new();
    let mut query = c.prepare_cached("SELECT id, brand_id, launch_on FROM product")?;
    let mut rows = query.query([])?;
    while let Some(r) = rows.next()? {
        let (id, brand): (String, String) = (r.get(0)?, r.get(1)?);
        if let Some(launch_on) = r
            .get::<_, Option<String>>(2)?
            .and_then(|d| time::parse_day(&d))
        {
            launches.push(Launch {
                product_id: id.clone(),
                brand_id: brand.clone(),
                launch_on,
            });
        }
        brand_of.insert(id, brand);
    }
    launches.sort_by(|a, b| (a.launch_on, &a.product_id).cmp(&(b.launch_on, &b.product_id)));
    Ok((brand_of, launches))
}

/// One customer being read.
struct Person {
    id: String,
    segment: String,
    birthday: Option<String>,
    advisor_id: Option<String>,
    has_email: bool,
    has_phone: bool,
    tier: String,
    language: String,
    last_contact: Option<NaiveDate>,
    history: Vec<HistoryLine>,
}

impl Person {
    fn propose(
        self,
        c: &Connection,
        ctx: &Context<'_>,
        advisors: &[String],
        out: &mut Vec<Derived>,
    ) -> Result<()> {
        let mut channels = Vec::new();
        for channel in TASK_CHANNELS {
            let detail = match channel {
                Channel::Email => self.has_email,
                _ => self.has_phone,
            };
            if detail && allows_in(c, &self.id, Purpose::Marketing, Some(channel))? {
                channels.push(channel.as_str());
            }
        }
        if channels.is_empty() {
            return Ok(());
        }
        let personalisation = !personalisation_withdrawn(c, &self.id)?;
        let wishes = crate::wishes::products_of(c, &self.id)?;
        let customer = Customer {
            id: &self.id,
            segment: &self.segment,
            tier: &self.tier,
            language: &self.language,
            birthday: self.birthday.as_deref(),
            last_contact: self.last_contact,
            personalisation,
            history: &self.history,
            wishes: &wishes,
        };
        // A book whose advisor left (or works elsewhere) falls to the store as group tasks.
        let advisor_id = self.advisor_id.filter(|a| advisors.contains(a));
        let channels = channels.join(",");
        for proposal in rules::propose(&customer, ctx) {
            out.push(Derived {
                proposal,
                customer_id: self.id.clone(),
                advisor_id: advisor_id.clone(),
                channels: channels.clone(),
            });
        }
        Ok(())
    }
}
