//! Derives the store's tasks from the cache and keeps them in the `task` table: the whole
//! store on the first look of a new day, and after a sync only the customers its pages touched
//! (`task_touched`, see [`super::touched`]). One pass over the customers with their purchases,
//! read on one thread while the rules run on another: memory holds the histories of a few
//! hundred customers at a time.

use std::collections::BTreeSet;

use carnet_reco::HistoryLine;
use chrono::NaiveDate;
use rusqlite::{Connection, Transaction, params};

use super::rules::{self, Catalogue, Context, Customer, Proposal};
use super::touched::EVERYONE;
use crate::consent::{Channel, Purpose};
use crate::error::{Error, Result};
use crate::recommend::loaded_model;
use crate::store::{self, Cache, SYNC_CURSOR_KEY};
use crate::{returns, time};

/// Meta key of the day the stored tasks were derived for.
pub(crate) const TASKS_DAY_KEY: &str = "tasks_day";
/// Meta key of the quiet period (days) the stored tasks were derived with.
const TASKS_QUIET_DAYS_KEY: &str = "tasks_quiet_days";

/// What [`refresh_changed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refreshed {
    /// Nothing the tasks read changed: the stored tasks stand.
    Unchanged,
    /// Every customer's tasks derived again: another day, another quiet period, or a change
    /// every customer's rules read (catalogue, campaigns, advisors, model).
    Whole {
        /// The store's open tasks now.
        tasks: u64,
    },
    /// Only the customers the feed touched since the last refresh.
    Customers {
        /// How many were derived again.
        customers: u64,
        /// The store's open tasks now.
        tasks: u64,
    },
}

impl Refreshed {
    /// The store's open tasks after the refresh, when it ran.
    pub fn tasks(self) -> Option<u64> {
        match self {
            Refreshed::Unchanged => None,
            Refreshed::Whole { tasks } | Refreshed::Customers { tasks, .. } => Some(tasks),
        }
    }
}

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
    let refreshed = run(cache, store_id, today, Want::Whole)?;
    Ok(refreshed.tasks().unwrap_or_default())
}

/// Brings the stored tasks up to `today` for what the feed changed since they were derived:
/// the whole store when they are for another day (or a change concerns every customer), the
/// customers the feed touched otherwise, nothing when it touched none.
pub fn refresh_changed(cache: &Cache, store_id: &str, today: NaiveDate) -> Result<Refreshed> {
    run(cache, store_id, today, Want::Changed)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Whole,
    Changed,
}

/// What a refresh read in its snapshot, to write back.
struct Pass {
    whole: bool,
    /// The marks it saw (only these are cleared: a page applied meanwhile keeps its own).
    touched: BTreeSet<String>,
    /// The feed cursor of its snapshot.
    cursor: Option<String>,
    derived: Vec<Derived>,
}

fn run(cache: &Cache, store_id: &str, today: NaiveDate, want: Want) -> Result<Refreshed> {
    let quiet_period_days = cache.quiet_period_days();
    // A look at the lists with nothing changed reads two small tables, and decodes no model.
    if cache
        .read(|c| to_do(c, today, quiet_period_days, want))?
        .is_none()
    {
        return Ok(Refreshed::Unchanged);
    }
    let model = loaded_model(cache)?.map(|(_, m)| m);
    let pass = cache.scan(|c| {
        let Some((whole, touched)) = to_do(c, today, quiet_period_days, want)? else {
            return Ok(None);
        };
        let people = if whole { People::All } else { People::Touched };
        let derived = derive(
            c,
            store_id,
            model.as_deref(),
            today,
            quiet_period_days,
            people,
        )?;
        Ok(Some(Pass {
            whole,
            touched,
            cursor: store::meta(c, SYNC_CURSOR_KEY)?,
            derived,
        }))
    })?;
    match pass {
        None => Ok(Refreshed::Unchanged),
        Some(pass) => cache.write(|tx| pass.store(tx, today, quiet_period_days)),
    }
}

/// What a refresh has to derive: `None` when nothing, else whether the whole store, and the
/// marks it answers.
fn to_do(
    c: &Connection,
    today: NaiveDate,
    quiet_period_days: u32,
    want: Want,
) -> Result<Option<(bool, BTreeSet<String>)>> {
    let touched: BTreeSet<String> = c
        .prepare_cached("SELECT customer_id FROM task_touched")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let whole = want == Want::Whole
        || tasks_day(c)? != Some(today)
        || store::meta(c, TASKS_QUIET_DAYS_KEY)? != Some(quiet_period_days.to_string())
        || touched.contains(EVERYONE);
    Ok((whole || !touched.is_empty()).then_some((whole, touched)))
}

impl Pass {
    fn store(
        self,
        tx: &Transaction<'_>,
        today: NaiveDate,
        quiet_period_days: u32,
    ) -> Result<Refreshed> {
        // A done task stays in the done list after its reason has passed.
        if self.whole {
            tx.execute(
                "DELETE FROM task
                  WHERE id NOT IN (SELECT task_id FROM task_state WHERE state = 'done')",
                [],
            )?;
        } else {
            let mut forget = tx.prepare_cached(
                "DELETE FROM task WHERE customer_id = ?1
                    AND id NOT IN (SELECT task_id FROM task_state WHERE state = 'done')",
            )?;
            for id in &self.touched {
                forget.execute([id])?;
            }
        }
        let mut insert = tx.prepare_cached(
            "INSERT INTO task (id, customer_id, advisor_id, kind, detail, due_on, channels)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET advisor_id = excluded.advisor_id,
                 detail = excluded.detail, due_on = excluded.due_on, channels = excluded.channels",
        )?;
        for d in &self.derived {
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
        let mut clear = tx.prepare_cached("DELETE FROM task_touched WHERE customer_id = ?1")?;
        for id in &self.touched {
            clear.execute([id])?;
        }
        if self.whole {
            store::set_meta(tx, TASKS_DAY_KEY, &today.to_string())?;
            store::set_meta(tx, TASKS_QUIET_DAYS_KEY, &quiet_period_days.to_string())?;
            // Pages applied since the snapshot noted nothing while the tasks were never
            // derived: the next refresh derives them all again.
            if store::meta(tx, SYNC_CURSOR_KEY)? != self.cursor {
                tx.prepare_cached("INSERT OR IGNORE INTO task_touched (customer_id) VALUES (?1)")?
                    .execute([EVERYONE])?;
            }
        }
        let tasks: i64 = tx.query_row(
            "SELECT count(*) FROM task
              WHERE id NOT IN (SELECT task_id FROM task_state WHERE state = 'done')",
            [],
            |r| r.get(0),
        )?;
        let tasks = tasks.unsigned_abs();
        Ok(if self.whole {
            Refreshed::Whole { tasks }
        } else {
            Refreshed::Customers {
                customers: self.touched.len() as u64,
                tasks,
            }
        })
    }
}

/// The day the stored tasks were derived for, if any.
pub(super) fn tasks_day(c: &Connection) -> Result<Option<NaiveDate>> {
    Ok(store::meta(c, TASKS_DAY_KEY)?.and_then(|d| time::parse_day(&d)))
}

/// Whose tasks a pass derives.
#[derive(Clone, Copy)]
enum People {
    /// Every customer of the store.
    All,
    /// Those the feed touched (`task_touched`).
    Touched,
}

fn derive(
    c: &Connection,
    store_id: &str,
    model: Option<&carnet_reco::Model>,
    today: NaiveDate,
    quiet_period_days: u32,
    people: People,
) -> Result<Vec<Derived>> {
    let catalogue = catalogue(c)?;
    let campaigns = crate::campaigns::stored(c, store_id)?;
    let ctx = Context {
        model,
        brand_of: &catalogue.brand_of,
        launches: &catalogue.launches,
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
    // The rules run on a second thread while this one reads the next customers: on a
    // handheld's several cores the refresh takes the longer of the two rather than their sum.
    std::thread::scope(|s| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(Person, String)>(PIPELINE_DEPTH);
        let rules = s.spawn(|| {
            let mut out = Vec::new();
            for (person, channels) in receive {
                person.propose(&ctx, &advisors, channels, &mut out);
            }
            out
        });
        let read = read_people(c, store_id, people, &send);
        // The rules end with the customers read (all of them, or up to a read error).
        drop(send);
        let out = rules
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.map(|()| out)
    })
}

/// Customers the reader may be ahead of the rules by.
const PIPELINE_DEPTH: usize = 256;

/// Reads the store's customers some channel may reach, each with what her rules need, and
/// sends them on with her channels (`email,sms`).
fn read_people(
    c: &Connection,
    store_id: &str,
    people: People,
    send: &std::sync::mpsc::SyncSender<(Person, String)>,
) -> Result<()> {
    // One row per customer of the store, with her consents, wishes and last contact folded in
    // by the statement: a task needs her history only when a channel may reach her.
    let from = match people {
        People::All => "customer c",
        // CROSS JOIN keeps the marks outside: the planner would walk the store's customers.
        People::Touched => "task_touched t CROSS JOIN customer c ON c.id = t.customer_id",
    };
    let mut customers = c.prepare_cached(&format!(
        "SELECT c.id, c.segment, c.birthday, c.advisor_id, c.email IS NOT NULL,
                coalesce(c.phone_e164, c.phone) IS NOT NULL, c.tier, c.language,
                (SELECT max(o.at) FROM outreach o WHERE o.customer_id = c.id AND o.contacted <> 0),
                (SELECT group_concat(k.channel || ' ' || k.purpose || ' ' || (k.granted <> 0), ',')
                   FROM consent k WHERE k.customer_id = c.id),
                (SELECT group_concat(w.product_id, char(31)) FROM wish w WHERE w.customer_id = c.id)
           FROM {from}
          WHERE (c.home_store_id = ?1
                 OR c.advisor_id IN (SELECT id FROM advisor WHERE store_id = ?1))
          ORDER BY c.id"
    ))?;
    let mut purchases = c.prepare_cached(
        "SELECT product_id, bought_at, quantity, amount_cents, gift, id, return_of
           FROM purchase WHERE customer_id = ?1 ORDER BY bought_at, id",
    )?;
    let mut rows = customers.query([store_id])?;
    while let Some(r) = rows.next()? {
        let consents = Consents::parse(r.get::<_, Option<String>>(9)?.as_deref());
        let has_email: bool = r.get(4)?;
        let has_phone: bool = r.get(5)?;
        let channels: Vec<&str> = rules::channels(has_email, has_phone, &consents.marketing)
            .into_iter()
            .map(Channel::as_str)
            .collect();
        if channels.is_empty() {
            continue;
        }
        let id: String = r.get(0)?;
        let mut sold = Vec::new();
        let mut lines = purchases.query([&id])?;
        while let Some(p) = lines.next()? {
            if let Some(date) = time::day_of(p.get(1)?) {
                sold.push(returns::Line {
                    id: p.get(5)?,
                    return_of: p.get(6)?,
                    line: HistoryLine {
                        product_id: p.get(0)?,
                        date,
                        quantity: u32::try_from(p.get::<_, i64>(2)?).unwrap_or(1),
                        amount_cents: p.get(3)?,
                        gift: p.get(4)?,
                    },
                });
            }
        }
        let (history, _) = returns::kept(sold);
        let person = Person {
            id,
            segment: r.get(1)?,
            birthday: r.get(2)?,
            advisor_id: r.get(3)?,
            tier: r.get(6)?,
            language: r.get(7)?,
            last_contact: r
                .get::<_, Option<String>>(8)?
                .and_then(|at| time::parse_instant(&at))
                .and_then(time::day_of),
            personalisation: !consents.personalisation_withdrawn,
            wishes: r
                .get::<_, Option<String>>(10)?
                .map(|w| w.split('\u{1f}').map(str::to_owned).collect())
                .unwrap_or_default(),
            history,
        };
        if send.send((person, channels.join(","))).is_err() {
            // The rules stopped (a panic, raised again by the caller): nothing more to read.
            break;
        }
    }
    Ok(())
}

/// What one customer's consent rows allow a task, read as `allows_in` and
/// `personalisation_withdrawn` read them: a marketing channel counts when granted on that
/// channel; one withdrawal of personalisation anywhere withdraws it.
#[derive(Default)]
struct Consents {
    marketing: Vec<Channel>,
    personalisation_withdrawn: bool,
}

impl Consents {
    /// From `channel purpose granted` items joined by commas (the statement's aggregate).
    fn parse(rows: Option<&str>) -> Consents {
        let mut out = Consents::default();
        for item in rows.unwrap_or_default().split(',') {
            let mut parts = item.split(' ');
            let (Some(channel), Some(purpose), Some(granted)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let granted = granted == "1";
            match Purpose::parse(purpose) {
                Some(Purpose::Marketing) if granted => {
                    out.marketing.extend(Channel::parse(channel));
                }
                Some(Purpose::Personalisation) if !granted => out.personalisation_withdrawn = true,
                _ => {}
            }
        }
        out
    }
}

/// Each product's brand, and the catalogue's launches.
fn catalogue(c: &Connection) -> Result<Catalogue> {
    let mut query = c.prepare_cached("SELECT id, brand_id, launch_on FROM product")?;
    let products = query
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .map(|row| row.map(|(id, brand, day)| (id, brand, day.and_then(|d| time::parse_day(&d)))))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Catalogue::from_products(products))
}

/// One customer being read.
struct Person {
    id: String,
    segment: String,
    birthday: Option<String>,
    advisor_id: Option<String>,
    tier: String,
    language: String,
    last_contact: Option<NaiveDate>,
    personalisation: bool,
    wishes: Vec<String>,
    history: Vec<HistoryLine>,
}

impl Person {
    fn propose(
        self,
        ctx: &Context<'_>,
        advisors: &[String],
        channels: String,
        out: &mut Vec<Derived>,
    ) {
        let customer = Customer {
            id: &self.id,
            segment: &self.segment,
            tier: &self.tier,
            language: &self.language,
            birthday: self.birthday.as_deref(),
            last_contact: self.last_contact,
            personalisation: self.personalisation,
            history: &self.history,
            wishes: &self.wishes,
        };
        // A book whose advisor left (or works elsewhere) falls to the store as group tasks.
        let advisor_id = self.advisor_id.filter(|a| advisors.contains(a));
        for proposal in rules::propose(&customer, ctx) {
            out.push(Derived {
                proposal,
                customer_id: self.id.clone(),
                advisor_id: advisor_id.clone(),
                channels: channels.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn her_consent_rows_read_as_the_consent_module_reads_them() {
        let c = Consents::parse(Some(
            "email marketing 1,sms marketing 0,phone marketing 1,post personalisation 1",
        ));
        assert_eq!(c.marketing, [Channel::Email, Channel::Phone]);
        assert!(!c.personalisation_withdrawn);
        // One withdrawal of personalisation anywhere withdraws it; unknown words are skipped.
        let c = Consents::parse(Some(
            "sms personalisation 0,fax marketing 1,email marketing",
        ));
        assert!(c.marketing.is_empty());
        assert!(c.personalisation_withdrawn);
        let none = Consents::parse(None);
        assert!(none.marketing.is_empty() && !none.personalisation_withdrawn);
    }
}
