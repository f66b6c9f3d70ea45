//! Merging a duplicate customer into the one kept, by a manager or automatically above the
//! matcher's auto-merge score. Devices receive the merge as the duplicate's tombstone plus a
//! redirect record (old id and card → kept id), so the old card still finds her.
//!
//! Rules (also in the README):
//! - identity and contact: the kept record's names, address, language; an e-mail, phone,
//!   birthday or client book (advisor) missing on it is taken from the duplicate;
//! - loyalty: points added, the higher tier, the earlier `created_on`;
//! - purchases and offers: all move to the kept customer (same ids), in her store's feed;
//! - feedback: per product, the later decision wins;
//! - consents: per channel and purpose, the later decision wins; at the same time a
//!   withdrawal wins; the duplicate's consent log, edit history and profile views move too;
//! - redirects that pointed to the duplicate now point to the kept customer;
//! - the duplicate's id is remembered (`merged`): no import brings her back, and later device
//!   mutations about her apply to the kept customer.

use crate::sql::{Conn, params};
use carnet_protocol::{Consent, Customer, Entity, FeedbackRecord, Record, RedirectRecord};

use crate::customer_record::{self, live_customer};
use crate::error::{Error, Result};
use crate::{feed, ids};

/// Who decided a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergedBy {
    /// A manager, from the command line.
    Manager,
    /// The matcher, above [`crate::duplicates::AUTO_MERGE_SCORE`].
    Auto,
}

impl MergedBy {
    fn as_str(self) -> &'static str {
        match self {
            MergedBy::Manager => "manager",
            MergedBy::Auto => "auto",
        }
    }
}

/// What a merge moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Purchases, offers and redirects moved to the kept customer.
    pub moved: usize,
    /// Feedback records combined.
    pub feedback: usize,
}

fn tier_rank(tier: &str) -> u8 {
    match tier {
        "platinum" => 3,
        "gold" => 2,
        "silver" => 1,
        _ => 0,
    }
}

/// The kept record after the merge (see the module's rules).
pub fn combine(keep: &Customer, dup: &Customer) -> Customer {
    let mut out = keep.clone();
    if out.email.is_none() {
        out.email.clone_from(&dup.email);
    }
    if out.phone.is_none() {
        out.phone.clone_from(&dup.phone);
    }
    if out.birthday.is_none() {
        out.birthday.clone_from(&dup.birthday);
    }
    if out.advisor_id.is_none() {
        out.advisor_id.clone_from(&dup.advisor_id);
    }
    out.points = keep.points.saturating_add(dup.points);
    if tier_rank(&dup.tier) > tier_rank(&keep.tier) {
        out.tier.clone_from(&dup.tier);
    }
    if dup.created_on < keep.created_on {
        out.created_on.clone_from(&dup.created_on);
    }
    for d in &dup.consents {
        match out
            .consents
            .iter_mut()
            .find(|k| k.channel == d.channel && k.purpose == d.purpose)
        {
            Some(k) => {
                if later_decision_wins(k, d) {
                    *k = d.clone();
                }
            }
            None => out.consents.push(d.clone()),
        }
    }
    out
}

/// True if `candidate` replaces `current`: recorded later, or at the same time and withdrawn.
fn later_decision_wins(current: &Consent, candidate: &Consent) -> bool {
    let (a, b) = (
        ids::parse_time(&current.recorded_at),
        ids::parse_time(&candidate.recorded_at),
    );
    match (a, b) {
        (Some(a), Some(b)) => b > a || (b == a && !candidate.granted && current.granted),
        (None, Some(_)) => true,
        _ => false,
    }
}

/// Merges `dup_id` into `keep_id`. Run inside a write transaction.
pub fn merge(
    conn: &Conn<'_>,
    keep_id: &str,
    dup_id: &str,
    by: MergedBy,
    score: Option<f64>,
) -> Result<MergeReport> {
    if keep_id == dup_id {
        return Err(Error::Config(
            "a customer cannot be merged into herself".into(),
        ));
    }
    for id in [keep_id, dup_id] {
        if customer_record::is_erased(conn, id)? {
            return Err(Error::Config(format!("{id} was erased")));
        }
    }
    let keep = live_customer(conn, keep_id)?;
    let dup = live_customer(conn, dup_id)?;
    let store = keep.home_store_id.clone();
    let now = ids::now();
    let mut report = MergeReport::default();

    // Her records first, then her tombstone: a device applying the page in order re-owns
    // them before the tombstone would remove what she still owns.
    for (entity, id, _, payload) in feed::owned_rows(conn, dup_id)? {
        let row = feed::LiveRow {
            store_id: String::new(),
            customer_id: None,
            payload,
        };
        match row.record()? {
            Record::Purchase(mut p) => {
                p.customer_id = keep_id.to_owned();
                let payload = feed::upsert_payload(Record::Purchase(p))?;
                feed::put_live(conn, entity, &id, &store, Some(keep_id), &payload)?;
                report.moved += 1;
            }
            Record::Offer(mut o) => {
                o.customer_id = keep_id.to_owned();
                let payload = feed::upsert_payload(Record::Offer(o))?;
                feed::put_live(conn, entity, &id, &store, Some(keep_id), &payload)?;
                report.moved += 1;
            }
            Record::Outreach(mut o) => {
                o.customer_id = keep_id.to_owned();
                let payload = feed::upsert_payload(Record::Outreach(o))?;
                feed::put_live(conn, entity, &id, &store, Some(keep_id), &payload)?;
                report.moved += 1;
            }
            Record::Wish(mut w) => {
                w.customer_id = keep_id.to_owned();
                let payload = feed::upsert_payload(Record::Wish(w))?;
                feed::put_live(conn, entity, &id, &store, Some(keep_id), &payload)?;
                report.moved += 1;
            }
            // A booking stays in the store that booked it.
            Record::Appointment(mut a) => {
                a.customer_id = keep_id.to_owned();
                let booked_in = a.store_id.clone();
                let payload = feed::upsert_payload(Record::Appointment(a))?;
                feed::put_live(conn, entity, &id, &booked_in, Some(keep_id), &payload)?;
                report.moved += 1;
            }
            Record::Note(mut n) => {
                n.customer_id = keep_id.to_owned();
                let payload = feed::upsert_payload(Record::Note(n))?;
                feed::put_live(conn, entity, &id, &store, Some(keep_id), &payload)?;
                report.moved += 1;
            }
            Record::Redirect(mut r) => {
                r.to = keep_id.to_owned();
                let payload = feed::upsert_payload(Record::Redirect(r))?;
                feed::put_live(conn, entity, &id, &store, Some(keep_id), &payload)?;
                report.moved += 1;
            }
            // Her tasks are derived anew for the kept customer, under ids that name her.
            Record::TaskState(_) => {
                feed::put_tombstone(conn, entity, &id)?;
            }
            Record::Feedback(f) => {
                merge_feedback(conn, keep_id, &store, f)?;
                feed::put_tombstone(conn, entity, &id)?;
                report.feedback += 1;
            }
            _ => {}
        }
        conn.execute(
            "DELETE FROM imported WHERE entity = ?1 AND entity_id = ?2",
            params![entity.as_str(), id],
        )?;
    }
    // The server's own last-writer-wins table for feedback.
    conn.execute(
        "INSERT INTO feedback (customer_id, product_id, verdict, at)
         SELECT ?1, product_id, verdict, at FROM feedback WHERE customer_id = ?2 AND true
         ON CONFLICT (customer_id, product_id) DO UPDATE SET verdict = excluded.verdict,
             at = excluded.at WHERE excluded.at > feedback.at",
        params![keep_id, dup_id],
    )?;
    conn.execute("DELETE FROM feedback WHERE customer_id = ?1", [dup_id])?;
    crate::messages::move_to(conn, dup_id, keep_id)?;
    crate::tasks::forget(conn, dup_id)?;
    crate::appointments::move_to_kept(conn, dup_id, keep_id)?;

    customer_record::write_customer(conn, &store, combine(&keep, &dup))?;
    feed::put_tombstone(conn, Entity::Customer, dup_id)?;
    let redirect = RedirectRecord {
        id: dup_id.to_owned(),
        card: Some(dup.card.clone()),
        to: keep_id.to_owned(),
        merged_at: now.clone(),
    };
    let payload = feed::upsert_payload(Record::Redirect(redirect))?;
    feed::put_live(
        conn,
        Entity::Redirect,
        dup_id,
        &store,
        Some(keep_id),
        &payload,
    )?;

    conn.execute(
        "DELETE FROM imported WHERE entity = 'customer' AND entity_id = ?1",
        [dup_id],
    )?;
    for table in ["consent_log", "profile_view"] {
        conn.execute(
            &format!("UPDATE {table} SET customer_id = ?1 WHERE customer_id = ?2"),
            params![keep_id, dup_id],
        )?;
    }
    conn.execute("DELETE FROM edit_time WHERE subject = ?1", [dup_id])?;
    conn.execute(
        "UPDATE merged SET to_id = ?1 WHERE to_id = ?2",
        params![keep_id, dup_id],
    )?;
    conn.execute(
        "INSERT INTO merged (from_id, from_card, to_id, merged_at, score, merged_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            dup_id,
            crate::sealed::card_as_stored(conn, &dup.card)?,
            keep_id,
            now,
            score,
            by.as_str()
        ],
    )?;
    Ok(report)
}

fn merge_feedback(conn: &Conn<'_>, keep_id: &str, store: &str, f: FeedbackRecord) -> Result<()> {
    let id = FeedbackRecord::id_for(keep_id, &f.product_id);
    if let Some(row) = feed::live_row(conn, Entity::Feedback, &id)?
        && let Record::Feedback(existing) = row.record()?
        && ids::parse_time(&existing.at) >= ids::parse_time(&f.at)
    {
        return Ok(());
    }
    let moved = FeedbackRecord {
        id: id.clone(),
        customer_id: keep_id.to_owned(),
        ..f
    };
    let payload = feed::upsert_payload(Record::Feedback(moved))?;
    feed::put_live(conn, Entity::Feedback, &id, store, Some(keep_id), &payload)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn customer(id: &str, advisor: Option<&str>, birthday: Option<&str>) -> Customer {
        serde_json::from_value(serde_json::json!({
            "id": id, "card": "2900000000015", "first_name": "Anne", "last_name": "Roux",
            "email": null, "phone": null,
            "address": {"line1": "", "postal_code": "75011", "city": "Paris", "country": "FR"},
            "language": "fr", "home_store_id": "S001", "tier": "silver", "points": 10,
            "customer_type": "individual", "segment": "skincare_expert", "consents": [],
            "created_on": "2024-01-02", "updated_at": "2024-01-02T10:00:00Z",
            "advisor_id": advisor, "birthday": birthday,
        }))
        .unwrap()
    }

    #[test]
    fn the_kept_customer_takes_a_missing_book_and_birthday_from_the_duplicate() {
        let keep = customer("C1", None, None);
        let dup = customer("C2", Some("A00002"), Some("03-14"));
        let merged = combine(&keep, &dup);
        assert_eq!(merged.advisor_id.as_deref(), Some("A00002"));
        assert_eq!(merged.birthday.as_deref(), Some("03-14"));
        // Her own book and birthday are kept.
        let keep = customer("C1", Some("A00001"), Some("07-01"));
        let merged = combine(&keep, &dup);
        assert_eq!(merged.advisor_id.as_deref(), Some("A00001"));
        assert_eq!(merged.birthday.as_deref(), Some("07-01"));
    }
}
