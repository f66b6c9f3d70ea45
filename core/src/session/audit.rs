//! Profile views recorded for the store's audit ("who looked at this customer"): one per
//! opening of her card, not one per reading of it while it stays open.

use carnet_protocol::MutationKind;

use super::{Session, lock_inner};
use crate::Error;
use crate::card::CustomerCard;

impl Session {
    /// Records that the signed-in advisor viewed a customer's card (pushed with the next sync:
    /// the server's audit answers who looked at whom, when). Returns the outbox seq.
    pub fn record_card_view(&self, customer_id: &str) -> crate::Result<u64> {
        let cache = self.cache()?;
        let advisor = self.advisor_id().ok_or(Error::Locked)?;
        crate::outbox::record(
            &cache,
            MutationKind::ProfileView {
                customer_id: customer_id.to_owned(),
            },
            Some(&advisor),
            chrono::Utc::now(),
        )
    }

    /// Opens the customer's card as of `today`: the opening is recorded for the audit, and
    /// her card is the one open until another opens or the session locks.
    pub fn view_card(
        &self,
        customer_id: &str,
        today: chrono::NaiveDate,
    ) -> crate::Result<CustomerCard> {
        let cache = self.cache()?;
        let card = crate::card::customer_card(&cache, customer_id, today)?;
        self.record_card_view(customer_id)?;
        lock_inner(&self.shared).card_open = Some(customer_id.to_owned());
        Ok(card)
    }

    /// Her card read again while it is open (after an edit): no new view is recorded. A card
    /// that is not the one open is opened, as [`Session::view_card`] does.
    pub fn reread_card(
        &self,
        customer_id: &str,
        today: chrono::NaiveDate,
    ) -> crate::Result<CustomerCard> {
        let cache = self.cache()?;
        let open = lock_inner(&self.shared).card_open.as_deref() == Some(customer_id);
        if !open {
            drop(cache);
            return self.view_card(customer_id, today);
        }
        crate::card::customer_card(&cache, customer_id, today)
    }
}
