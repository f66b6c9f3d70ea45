//! Which customers' tasks a page of the feed may change. The page notes them in `task_touched`
//! in its own transaction, so a sync's refresh derives only theirs again (a crash between the
//! page and the refresh loses no mark).

use std::collections::BTreeSet;

use carnet_protocol::{Change, Entity, Record};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::error::Result;

/// The mark that stands for every customer of the store.
pub(super) const EVERYONE: &str = "";

/// The customers one page touches, gathered while it is applied.
pub(crate) struct Touched {
    /// False when no mark is worth keeping: the tasks were never derived (or were reset), or
    /// every customer is marked already. The next refresh derives the whole store.
    needed: bool,
    everyone: bool,
    customers: BTreeSet<String>,
}

impl Touched {
    /// Starts a page in `tx`.
    pub(crate) fn begin(tx: &Transaction<'_>) -> Result<Touched> {
        let derived = super::refresh::tasks_day(tx)?.is_some();
        let everyone_marked = tx
            .prepare_cached("SELECT 1 FROM task_touched WHERE customer_id = ?1")?
            .query_row([EVERYONE], |_| Ok(()))
            .optional()?
            .is_some();
        Ok(Touched {
            needed: derived && !everyone_marked,
            everyone: false,
            customers: BTreeSet::new(),
        })
    }

    /// Notes whom `change` concerns; called before it is applied (a deleted row is looked up
    /// while it is still there).
    pub(crate) fn note(&mut self, tx: &Transaction<'_>, change: &Change) -> Result<()> {
        if !self.needed || self.everyone {
            return Ok(());
        }
        match concerns(change) {
            Concerns::Nobody => {}
            Concerns::Everyone => self.everyone = true,
            Concerns::Customer(id) => {
                self.customers.insert(id.to_owned());
            }
            Concerns::OwnerOf(table, id) => {
                let owner: Option<String> = tx
                    .prepare_cached(&format!("SELECT customer_id FROM {table} WHERE id = ?1"))?
                    .query_row([id], |r| r.get(0))
                    .optional()?;
                self.customers.extend(owner);
            }
        }
        Ok(())
    }

    /// Writes the page's marks.
    pub(crate) fn finish(self, tx: &Transaction<'_>) -> Result<()> {
        if !self.needed {
            return Ok(());
        }
        let mut mark =
            tx.prepare_cached("INSERT OR IGNORE INTO task_touched (customer_id) VALUES (?1)")?;
        if self.everyone {
            mark.execute([EVERYONE])?;
            return Ok(());
        }
        for id in &self.customers {
            mark.execute(params![id])?;
        }
        Ok(())
    }
}

/// Whose tasks a change may change.
#[derive(Debug, PartialEq, Eq)]
enum Concerns<'a> {
    Nobody,
    /// What every customer's rules read: the catalogue (brands, launches), the campaigns, the
    /// store's advisors (a leaver's book falls to the store), the model, the policy, a merge.
    Everyone,
    Customer(&'a str),
    /// The customer of the row `id` of this table.
    OwnerOf(&'static str, &'a str),
}

/// Every record kind is named, so a new one has to say whether tasks read it.
fn concerns(change: &Change) -> Concerns<'_> {
    match change {
        Change::Upsert { record } => match record {
            Record::Customer(r) => Concerns::Customer(&r.id),
            Record::Purchase(r) => Concerns::Customer(&r.customer_id),
            Record::Outreach(r) => Concerns::Customer(&r.customer_id),
            Record::Wish(r) => Concerns::Customer(&r.customer_id),
            Record::Advisor(_)
            | Record::Product(_)
            | Record::Campaign(_)
            | Record::Model(_)
            | Record::Policy(_)
            | Record::Redirect(_) => Concerns::Everyone,
            Record::Store(_)
            | Record::Brand(_)
            | Record::Category(_)
            | Record::Offer(_)
            | Record::Feedback(_)
            | Record::TaskState(_)
            | Record::Note(_)
            | Record::Template(_)
            | Record::StoreHours(_)
            | Record::Service(_)
            | Record::Resource(_)
            | Record::AdvisorHours(_)
            | Record::Appointment(_)
            // A rate converts again only the few lines that waited for it; the next whole
            // refresh (a new day) sees them.
            | Record::Rate(_) => Concerns::Nobody,
        },
        Change::Delete { entity, id } => match entity {
            Entity::Customer => Concerns::Customer(id),
            Entity::Purchase => Concerns::OwnerOf("purchase", id),
            Entity::Outreach => Concerns::OwnerOf("outreach", id),
            Entity::Wish => Concerns::OwnerOf("wish", id),
            Entity::Advisor
            | Entity::Product
            | Entity::Campaign
            | Entity::Model
            | Entity::Policy
            | Entity::Redirect => Concerns::Everyone,
            Entity::Store
            | Entity::Brand
            | Entity::Category
            | Entity::Offer
            | Entity::Feedback
            | Entity::TaskState
            | Entity::Note
            | Entity::Template
            | Entity::StoreHours
            | Entity::Service
            | Entity::Resource
            | Entity::AdvisorHours
            | Entity::Appointment
            | Entity::Rate => Concerns::Nobody,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_purchase_is_looked_up_and_a_new_product_concerns_everyone() {
        let delete = Change::Delete {
            entity: Entity::Purchase,
            id: "L1".into(),
        };
        assert_eq!(concerns(&delete), Concerns::OwnerOf("purchase", "L1"));
        let note = Change::Delete {
            entity: Entity::Note,
            id: "N1".into(),
        };
        assert_eq!(concerns(&note), Concerns::Nobody);
        let gone = Change::Delete {
            entity: Entity::Customer,
            id: "C1".into(),
        };
        assert_eq!(concerns(&gone), Concerns::Customer("C1"));
        let product = Change::Delete {
            entity: Entity::Product,
            id: "P1".into(),
        };
        assert_eq!(concerns(&product), Concerns::Everyone);
    }
}
