//! Profile views recorded for the store's audit ("who looked at this customer").

use carnet_protocol::MutationKind;

use super::Session;
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

    /// The customer's card as of `today`, its view recorded for the audit.
    pub fn view_card(
        &self,
        customer_id: &str,
        today: chrono::NaiveDate,
    ) -> crate::Result<CustomerCard> {
        let cache = self.cache()?;
        let card = crate::card::customer_card(&cache, customer_id, today)?;
        self.record_card_view(customer_id)?;
        Ok(card)
    }
}
