//! The store's message templates: a manager replaces Carnet's template for one purpose and
//! language (the admin API or the command line); the template reaches the store's devices
//! through its feed and their drafts start from it. A template naming a placeholder nobody
//! fills, or with an unmatched brace, is refused when it is saved, with the reason
//! (`carnet_core::outreach::templates::check_store_template`, the device's own rules).

use carnet_core::outreach::templates::check_store_template;
use carnet_protocol::{Entity, Record, TemplateRecord};
use serde::{Deserialize, Serialize};

use crate::error::AdminError;
use crate::sql::Conn;
use crate::{feed, ids, stores};

/// A template as the manager writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateText {
    /// The e-mail's subject.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// Saves store `store_id`'s template for `purpose` in `language`.
pub fn set(
    conn: &Conn<'_>,
    store_id: &str,
    purpose: &str,
    language: &str,
    text: TemplateText,
) -> Result<TemplateRecord, AdminError> {
    stores::require(conn, store_id)?;
    let record = TemplateRecord {
        id: TemplateRecord::id_for(store_id, purpose, language),
        store_id: store_id.to_owned(),
        purpose: purpose.to_owned(),
        language: language.to_owned(),
        subject: text.subject,
        body: text.body,
        updated_at: ids::now(),
    };
    check_store_template(&record).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let payload = feed::upsert_payload(Record::Template(record.clone()))?;
    feed::put_live(conn, Entity::Template, &record.id, store_id, None, &payload)?;
    Ok(record)
}

/// The templates store `store_id` wrote.
pub fn list(conn: &Conn<'_>, store_id: &str) -> Result<Vec<TemplateRecord>, AdminError> {
    Ok(feed::live_records(conn, Some(store_id), Entity::Template)?
        .into_iter()
        .filter_map(|r| match r {
            Record::Template(t) => Some(t),
            _ => None,
        })
        .collect())
}
