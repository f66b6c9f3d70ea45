//! Head office's campaigns: what makes one valid (the server refuses the rest before anything
//! reaches a store), whom it targets (the same test on the server, to count its customers, and
//! on the device, to make its tasks), and the message in a customer's language.

use carnet_protocol::{CampaignRecord, CampaignTarget};
use chrono::NaiveDate;
use rusqlite::{Connection, params};

use crate::error::{Error, Result};
use crate::time;

/// Languages a campaign's messages may be written in.
pub const LANGUAGES: [&str; 3] = ["fr", "en", "it"];
/// At most this many products in a campaign.
pub const MAX_PRODUCTS: usize = 10;
const MAX_ID_BYTES: usize = 64;
const MAX_TITLE_CHARS: usize = 120;
const MAX_MESSAGE_CHARS: usize = 1000;

/// Why a campaign is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignProblem {
    /// Empty or longer than 64 bytes.
    #[error("a campaign id is 1 to 64 bytes")]
    Id,
    /// Empty or longer than 120 characters.
    #[error("a campaign title is 1 to 120 characters")]
    Title,
    /// A day that is not `YYYY-MM-DD`, or an end before the start.
    #[error("a campaign runs from a day to a later or equal day (YYYY-MM-DD)")]
    Dates,
    /// No message, a language other than fr, en or it, or a message empty or too long.
    #[error("a campaign has a message in fr, en or it (1 to 1000 characters each), at least one")]
    Messages,
    /// More than 10 products.
    #[error("a campaign suggests at most 10 products")]
    TooManyProducts,
    /// An empty segment, tier or brand.
    #[error("a campaign's target names a segment, a tier or a brand")]
    Target,
}

/// A campaign's first and last days, or why it is refused.
pub fn check(c: &CampaignRecord) -> Result<(NaiveDate, NaiveDate), CampaignProblem> {
    if c.id.is_empty() || c.id.len() > MAX_ID_BYTES {
        return Err(CampaignProblem::Id);
    }
    let title = c.title.trim().chars().count();
    if title == 0 || title > MAX_TITLE_CHARS {
        return Err(CampaignProblem::Title);
    }
    let (Some(start), Some(end)) = (time::parse_day(&c.starts_on), time::parse_day(&c.ends_on))
    else {
        return Err(CampaignProblem::Dates);
    };
    if end < start {
        return Err(CampaignProblem::Dates);
    }
    let messages_ok = !c.messages.is_empty()
        && c.messages.iter().all(|(language, text)| {
            let n = text.trim().chars().count();
            LANGUAGES.contains(&language.as_str()) && n > 0 && n <= MAX_MESSAGE_CHARS
        });
    if !messages_ok {
        return Err(CampaignProblem::Messages);
    }
    if c.product_ids.len() > MAX_PRODUCTS {
        return Err(CampaignProblem::TooManyProducts);
    }
    let named = match &c.target {
        CampaignTarget::Everyone => true,
        CampaignTarget::Segment { segment } => !segment.trim().is_empty(),
        CampaignTarget::Tier { tier } => !tier.trim().is_empty(),
        CampaignTarget::BrandBuyers { brand_id } => !brand_id.trim().is_empty(),
    };
    if !named {
        return Err(CampaignProblem::Target);
    }
    Ok((start, end))
}

/// Whether `target` is for a customer of `segment` and `tier` who bought (not as a gift) the
/// brands `bought_brand` says yes to.
pub fn targets(
    target: &CampaignTarget,
    segment: &str,
    tier: &str,
    bought_brand: impl Fn(&str) -> bool,
) -> bool {
    match target {
        CampaignTarget::Everyone => true,
        CampaignTarget::Segment { segment: s } => s == segment,
        CampaignTarget::Tier { tier: t } => t == tier,
        CampaignTarget::BrandBuyers { brand_id } => bought_brand(brand_id),
    }
}

/// The message for a customer speaking `language`: hers, else English, else any.
pub fn message_for<'a>(c: &'a CampaignRecord, language: &str) -> Option<&'a str> {
    c.messages
        .get(language)
        .or_else(|| c.messages.get("en"))
        .or_else(|| c.messages.values().next())
        .map(String::as_str)
}

/// Keeps a campaign of the store's feed on the device.
pub(crate) fn apply_record(c: &Connection, r: &CampaignRecord) -> Result<()> {
    let body = serde_json::to_string(r).map_err(|_| Error::Corrupt)?;
    c.prepare_cached(
        "INSERT INTO campaign (id, body) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET body = ?2",
    )?
    .execute(params![r.id, body])?;
    Ok(())
}

/// The campaigns kept on the device for store `store_id` (an unreadable one is left out).
pub(crate) fn stored(c: &Connection, store_id: &str) -> Result<Vec<CampaignRecord>> {
    let bodies: Vec<String> = c
        .prepare_cached("SELECT body FROM campaign ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(bodies
        .iter()
        .filter_map(|b| serde_json::from_str::<CampaignRecord>(b).ok())
        .filter(|c| c.is_for(store_id))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign() -> CampaignRecord {
        CampaignRecord {
            id: "XMAS26".into(),
            title: "Christmas gift sets".into(),
            starts_on: "2026-12-01".into(),
            ends_on: "2026-12-24".into(),
            target: CampaignTarget::Tier {
                tier: "gold".into(),
            },
            messages: [("fr".to_owned(), "Bonjour {first_name}".to_owned())].into(),
            product_ids: vec!["P000001".into()],
            stores: vec![],
        }
    }

    #[test]
    fn a_campaign_is_checked_before_it_reaches_a_store() {
        assert!(check(&campaign()).is_ok());
        let bad = |f: fn(&mut CampaignRecord)| {
            let mut c = campaign();
            f(&mut c);
            check(&c).unwrap_err()
        };
        assert_eq!(bad(|c| c.id.clear()), CampaignProblem::Id);
        assert_eq!(bad(|c| c.title = " ".into()), CampaignProblem::Title);
        assert_eq!(
            bad(|c| c.ends_on = "2026-11-30".into()),
            CampaignProblem::Dates
        );
        assert_eq!(
            bad(|c| c.starts_on = "1 December".into()),
            CampaignProblem::Dates
        );
        assert_eq!(bad(|c| c.messages.clear()), CampaignProblem::Messages);
        assert_eq!(
            bad(|c| {
                c.messages.insert("de".into(), "Hallo".into());
            }),
            CampaignProblem::Messages
        );
        assert_eq!(
            bad(|c| c.product_ids = (0..11).map(|i| format!("P{i}")).collect()),
            CampaignProblem::TooManyProducts
        );
        assert_eq!(
            bad(|c| c.target = CampaignTarget::Segment { segment: "".into() }),
            CampaignProblem::Target
        );
    }

    #[test]
    fn the_message_is_in_her_language_else_english_else_any() {
        let mut c = campaign();
        assert_eq!(message_for(&c, "it"), Some("Bonjour {first_name}"));
        c.messages.insert("en".into(), "Hello".into());
        assert_eq!(message_for(&c, "it"), Some("Hello"));
        assert_eq!(message_for(&c, "fr"), Some("Bonjour {first_name}"));
    }
}
