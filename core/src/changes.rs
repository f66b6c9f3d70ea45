//! Applies a page of the server's change feed: every change and the new cursor in one
//! transaction, so a crash at any point leaves the cache at the old cursor or the new one.

use carnet_protocol::{Change, Entity, Record};
use rusqlite::Transaction;

use crate::amounts::{self, Affected, HomeCurrencies};
use crate::apply;
use crate::error::Result;
use crate::store::{self, Cache, SYNC_CURSOR_KEY};
use crate::tasks::Touched;

/// Applies `changes` in order and stores `next_cursor` with them, atomically, noting whose
/// tasks they may change (see [`crate::tasks::refresh_changed`]).
pub fn apply_page(cache: &Cache, changes: &[Change], next_cursor: &str) -> Result<()> {
    cache.write(|tx| {
        let mut touched = Touched::begin(tx)?;
        let mut homes = HomeCurrencies::default();
        for change in changes {
            touched.note(tx, change)?;
            apply_change(tx, change, &mut homes)?;
        }
        touched.finish(tx)?;
        store::set_meta(tx, SYNC_CURSOR_KEY, next_cursor)
    })
}

/// The cursor of the last applied page; empty before the first.
pub fn cursor(cache: &Cache) -> Result<String> {
    cache.read(|c| Ok(store::meta(c, SYNC_CURSOR_KEY)?.unwrap_or_default()))
}

/// Empties every synced table and the cursor, for a clean re-sync (the server no longer serves
/// the stored cursor). Pending local edits are kept: they are still to be pushed.
pub fn reset(cache: &Cache) -> Result<()> {
    cache.write(|tx| {
        tx.execute_batch(
            "DELETE FROM purchase; DELETE FROM offer; DELETE FROM consent; DELETE FROM feedback;
             DELETE FROM customer_name; DELETE FROM customer; DELETE FROM product_text;
             DELETE FROM product; DELETE FROM category; DELETE FROM brand; DELETE FROM store;
             DELETE FROM advisor;
             DELETE FROM reco_model; DELETE FROM store_policy; DELETE FROM redirect;
             DELETE FROM task; DELETE FROM task_state; DELETE FROM note; DELETE FROM campaign;
             DELETE FROM outreach; DELETE FROM template; DELETE FROM wish;
             DELETE FROM appointment_plan; DELETE FROM appointment; DELETE FROM task_touched;
             DELETE FROM rate;",
        )?;
        store::forget_meta(tx, SYNC_CURSOR_KEY)?;
        store::forget_meta(tx, crate::tasks::TASKS_DAY_KEY)
    })
}

fn apply_change(tx: &Transaction<'_>, change: &Change, homes: &mut HomeCurrencies) -> Result<()> {
    if matches!(
        change,
        Change::Upsert {
            record: Record::Customer(_) | Record::Store(_)
        } | Change::Delete {
            entity: Entity::Customer | Entity::Store,
            ..
        }
    ) {
        homes.forget();
    }
    match change {
        Change::Upsert { record } => match record {
            Record::Store(r) => apply::upsert_store(tx, r),
            Record::Advisor(r) => apply::upsert_advisor(tx, r),
            Record::Brand(r) => apply::upsert_brand(tx, r),
            Record::Category(r) => apply::upsert_category(tx, r),
            Record::Product(r) => apply::upsert_product(tx, r),
            Record::Customer(r) => {
                // A move to a store of another currency tells her lines in the new one.
                let moves = amounts::moves_currency(tx, &r.id, &r.home_store_id)?;
                apply::upsert_customer(tx, r)?;
                if moves {
                    amounts::convert_again(tx, Affected::Customer { id: &r.id })?;
                }
                Ok(())
            }
            Record::Purchase(r) => apply::upsert_purchase(tx, r, homes),
            Record::Offer(r) => apply::upsert_offer(tx, r),
            Record::Feedback(r) => apply::upsert_feedback(tx, r),
            Record::Model(r) => crate::recommend::apply_model(tx, r),
            Record::Policy(r) => crate::recommend::apply_policy(tx, r),
            Record::Redirect(r) => apply::upsert_redirect(tx, r),
            Record::TaskState(r) => crate::tasks::apply_record(tx, r),
            Record::Note(r) => crate::notes::apply_record(tx, r),
            Record::Campaign(r) => crate::campaigns::apply_record(tx, r),
            Record::Outreach(r) => crate::outreach::write(tx, r),
            Record::Template(r) => crate::outreach::templates::apply_record(tx, r),
            // A wish of a product this device does not know yet waits for the catalogue.
            Record::Wish(r) => match crate::wishes::write(tx, r) {
                Err(crate::error::Error::NotFound) => Ok(()),
                other => other,
            },
            Record::StoreHours(r) => crate::appointments::plan::put_store_hours(tx, r),
            Record::Service(r) => crate::appointments::plan::put_service(tx, r),
            Record::Resource(r) => crate::appointments::plan::put_resource(tx, r),
            Record::AdvisorHours(r) => crate::appointments::plan::put_advisor_hours(tx, r),
            Record::Appointment(r) => crate::appointments::bookings::write_record(tx, r),
            Record::Rate(r) => apply::upsert_rate(tx, r),
        },
        Change::Delete { entity, id } => apply::delete(tx, *entity, id),
    }
}
