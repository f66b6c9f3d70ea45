//! The manager's per-advisor results for a month, from the store's feed: tasks done, customers
//! reached, sales attributed by the core's rule (`carnet_core::results::attributed_to`, the
//! same function the handhelds use), each advisor's book with its active share, and the
//! tasks open now for her and for the store's group ([`crate::tasks`], last night's run).
//!
//! One read of the store's feed (its customers, purchases, contacts and task states): a few
//! seconds on a store of 50,000 customers, for a report a manager opens now and then.

use std::collections::{BTreeMap, HashMap, HashSet};

use carnet_core::results::{ATTRIBUTION_DAYS, Touch, attributed_to};
use carnet_protocol::presence::{AdvisorResults, StoreResults};
use carnet_protocol::{Entity, Record, TaskAction};
use chrono::{Datelike, NaiveDate};

use crate::advisors;
use crate::error::AdminError;
use crate::feed;
use crate::sql::Conn;

/// The month `YYYY-MM` as its first day and the next month's.
pub fn parse_month(month: &str) -> Result<(NaiveDate, NaiveDate), AdminError> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| AdminError::Invalid(format!("not a month (YYYY-MM): {month}")))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| AdminError::Invalid(format!("not a month (YYYY-MM): {month}")))?;
    Ok((first, next))
}

fn seconds(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

/// The results of `store_id` for the month starting `first`; a book is active when she bought
/// within the 365 days before `until` (the month's end, or today for this month).
pub fn of_store(
    conn: &Conn<'_>,
    store_id: &str,
    first: NaiveDate,
    until: NaiveDate,
) -> Result<StoreResults, AdminError> {
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let (from, to) = (seconds(first), seconds(next));
    let mut rows: BTreeMap<String, AdvisorResults> = BTreeMap::new();
    for a in advisors::list(conn, store_id)? {
        entry(&mut rows, &a.advisor_id).name = Some(a.name);
    }
    let instant = |at: &str| carnet_core::time::parse_instant(at);
    // Tasks done this month, and every task done or dismissed (no longer open).
    let mut settled = HashSet::new();
    for record in feed::live_records(conn, Some(store_id), Entity::TaskState)? {
        let Record::TaskState(t) = record else {
            continue;
        };
        if t.action == TaskAction::Done
            && let (Some(advisor), Some(at)) = (&t.advisor_id, instant(&t.at))
            && (from..to).contains(&at)
        {
            entry(&mut rows, advisor).tasks_done += 1;
        }
        if crate::tasks::settles(&t.action) {
            settled.insert(t.task_id);
        }
    }
    // Contacts that reached a customer, by customer; who each advisor reached this month.
    let mut touches: HashMap<String, Vec<Touch>> = HashMap::new();
    let mut reached: HashMap<String, HashSet<String>> = HashMap::new();
    for record in feed::live_records(conn, Some(store_id), Entity::Outreach)? {
        if let Record::Outreach(o) = record
            && o.contacted()
            && let (Some(advisor), Some(at)) = (o.advisor_id, instant(&o.at))
        {
            if (from..to).contains(&at) {
                reached
                    .entry(advisor.clone())
                    .or_default()
                    .insert(o.customer_id.clone());
            }
            touches
                .entry(o.customer_id)
                .or_default()
                .push((advisor, at));
        }
    }
    for (advisor, customers) in &reached {
        entry(&mut rows, advisor).customers_reached = customers.len() as u32;
    }
    // Books, and the purchases: the month's lines of touched customers, everyone's last visit.
    let mut book_of: HashMap<String, String> = HashMap::new();
    for record in feed::live_records(conn, Some(store_id), Entity::Customer)? {
        if let Record::Customer(c) = record
            && let Some(advisor) = c.advisor_id
        {
            book_of.insert(c.id, advisor);
        }
    }
    // Amounts in the store's currency, as its handhelds count them.
    let currencies = crate::currencies::Currencies::read(conn)?;
    let home = currencies.of_store(store_id);
    let active_since = seconds(until) - 365 * 86_400;
    let mut active: HashSet<String> = HashSet::new();
    let mut receipts: HashMap<String, HashSet<String>> = HashMap::new();
    for record in feed::live_records(conn, Some(store_id), Entity::Purchase)? {
        let Record::Purchase(p) = record else {
            continue;
        };
        let Some(at) = instant(&p.bought_at) else {
            continue;
        };
        if at >= active_since && at < seconds(until) + 86_400 {
            active.insert(p.customer_id.clone());
        }
        if !(from..to).contains(&at) {
            continue;
        }
        let Some(contacts) = touches.get(&p.customer_id) else {
            continue;
        };
        if let Some(advisor) = attributed_to(contacts, at, ATTRIBUTION_DAYS) {
            let advisor = advisor.to_owned();
            entry(&mut rows, &advisor).attributed_cents += currencies.amount_in(&p, home);
            receipts.entry(advisor).or_default().insert(p.receipt_id);
        }
    }
    for (advisor, r) in &receipts {
        entry(&mut rows, advisor).attributed_receipts = r.len() as u32;
    }
    for (customer, advisor) in &book_of {
        let r = entry(&mut rows, advisor);
        r.book_size += 1;
        if active.contains(customer) {
            r.book_active += 1;
        }
    }
    let mut group_tasks_open = 0;
    for (advisor, open) in crate::tasks::open_by_advisor(conn, store_id, &settled)? {
        match advisor {
            Some(advisor) => entry(&mut rows, &advisor).tasks_open = open,
            None => group_tasks_open = open,
        }
    }
    Ok(StoreResults {
        store_id: store_id.to_owned(),
        month: format!("{:04}-{:02}", first.year(), first.month()),
        advisors: rows.into_values().collect(),
        group_tasks_open,
        currency: home.code().to_owned(),
    })
}

fn entry<'a>(rows: &'a mut BTreeMap<String, AdvisorResults>, id: &str) -> &'a mut AdvisorResults {
    rows.entry(id.to_owned()).or_insert_with(|| AdvisorResults {
        advisor_id: id.to_owned(),
        name: None,
        tasks_done: 0,
        customers_reached: 0,
        attributed_cents: 0,
        attributed_receipts: 0,
        book_size: 0,
        book_active: 0,
        tasks_open: 0,
    })
}
