//! The first draft of a message: the template for the task (or the card) in her language,
//! filled from the device's data. The advisor edits it before sending.

use carnet_protocol::{MessageChannel, MessageText};
use rusqlite::{Connection, OptionalExtension};

use super::templates::{self, Fill, Purpose};
use crate::error::{Error, Result};
use crate::tasks::TaskKind;

/// A message ready for the advisor to edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// E-mail or SMS.
    pub channel: MessageChannel,
    /// The language it is written in (hers when a template speaks it, else English).
    pub language: String,
    /// The text.
    pub text: MessageText,
    /// The products it suggests.
    pub product_ids: Vec<String>,
}

/// Who writes, and from where.
pub struct Writer<'a> {
    /// The signed-in advisor.
    pub advisor_id: Option<&'a str>,
    /// The device's store.
    pub store_id: &'a str,
}

/// The draft of a message to `customer_id` on `channel`, for `task_id` if given, suggesting
/// `product_ids` (none given: the product the task names, or the campaign's).
pub fn draft(
    c: &Connection,
    customer_id: &str,
    channel: MessageChannel,
    task_id: Option<&str>,
    product_ids: &[String],
    writer: &Writer<'_>,
) -> Result<Draft> {
    let (first_name, language): (String, String) = c
        .prepare_cached("SELECT first_name, language FROM customer WHERE id = ?1")?
        .query_row([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(Error::NotFound)?;
    let language = if templates::LANGUAGES.contains(&language.as_str()) {
        language
    } else {
        "en".to_owned()
    };
    let kind = match task_id {
        Some(id) => Some(task_kind(c, id, customer_id)?),
        None => None,
    };
    let mut products = product_ids.to_vec();
    if products.is_empty() {
        match &kind {
            Some(
                TaskKind::Replenishment { product_id, .. } | TaskKind::Launch { product_id, .. },
            ) => {
                products.push(product_id.clone());
            }
            Some(TaskKind::Campaign { campaign_id, .. }) => {
                products = campaign_products(c, campaign_id)?;
            }
            _ => {}
        }
    }
    let names = product_names(c, &products)?;
    let advisor_name = match writer.advisor_id {
        Some(id) => c
            .prepare_cached("SELECT first_name FROM advisor WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .unwrap_or_default(),
        None => String::new(),
    };
    let store_name: String = c
        .prepare_cached("SELECT name FROM store WHERE id = ?1")?
        .query_row([writer.store_id], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    let fill = Fill {
        first_name: &first_name,
        advisor_name: &advisor_name,
        store_name: &store_name,
        products: &names,
    };
    let template = templates::for_store(
        c,
        kind.as_ref().map_or(Purpose::General, Purpose::of_task),
        &language,
    )?;
    let (subject, body) = match &kind {
        Some(TaskKind::Campaign {
            title,
            message: Some(message),
            ..
        }) => (title.clone(), templates::fill(message, &fill)),
        _ => (
            templates::fill(&template.subject, &fill),
            templates::fill(&template.body, &fill),
        ),
    };
    Ok(Draft {
        channel,
        language,
        text: MessageText {
            subject: (channel == MessageChannel::Email).then_some(subject),
            body,
        },
        product_ids: products,
    })
}

/// The kind of a stored task of hers.
fn task_kind(c: &Connection, task_id: &str, customer_id: &str) -> Result<TaskKind> {
    let detail: String = c
        .prepare_cached("SELECT detail FROM task WHERE id = ?1 AND customer_id = ?2")?
        .query_row([task_id, customer_id], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound)?;
    serde_json::from_str(&detail).map_err(|_| Error::Corrupt)
}

fn campaign_products(c: &Connection, campaign_id: &str) -> Result<Vec<String>> {
    let body: Option<String> = c
        .prepare_cached("SELECT body FROM campaign WHERE id = ?1")?
        .query_row([campaign_id], |r| r.get(0))
        .optional()?;
    Ok(body
        .and_then(|b| serde_json::from_str::<carnet_protocol::CampaignRecord>(&b).ok())
        .map(|r| r.product_ids)
        .unwrap_or_default())
}

/// The products' names, in order; an unknown product is left out.
fn product_names(c: &Connection, ids: &[String]) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT name FROM product WHERE id = ?1")?;
    let mut names = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(name) = stmt.query_row([id], |r| r.get(0)).optional()? {
            names.push(name);
        }
    }
    Ok(names)
}
