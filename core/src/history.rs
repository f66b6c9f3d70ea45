//! A customer's purchase history across channels: newest first, paged, filtered by category,
//! brand and free text over product name, shade, brand and category ("rouge", "fard à
//! paupières") or an order's id. Each line says how it was sold and where, what was paid in
//! its own currency and what that is in her home store's.

use carnet_protocol::Channel;
use rusqlite::{OptionalExtension, ToSql};

use crate::error::Result;
use crate::store::Cache;
use crate::text;

/// Lines per page when the caller does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 25;

/// Which lines to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Only this category (a top category includes its sub-categories).
    pub category_id: Option<String>,
    /// Only this brand.
    pub brand_id: Option<String>,
    /// Words that must all start a word of the product's name, shade, brand or category.
    pub text: Option<String>,
    /// Lines to skip (page × page size).
    pub offset: u32,
    /// Lines per page; 0 means [`DEFAULT_PAGE_SIZE`].
    pub page_size: u32,
}

/// One purchase line as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    /// Purchase line id.
    pub id: String,
    /// Receipt id (lines of one basket share it).
    pub receipt_id: String,
    /// When, seconds since the Unix epoch (UTC).
    pub bought_at: i64,
    /// Store id: the till's, the collecting store's, or the one a delivered order is
    /// credited to.
    pub store_id: String,
    /// The store's name (empty when the cache does not know it).
    pub store_name: String,
    /// How it was sold.
    pub channel: Channel,
    /// The web or app order, if any.
    pub order_id: Option<String>,
    /// For a return, the line brought back.
    pub return_of: Option<String>,
    /// Product id.
    pub product_id: String,
    /// Product line name.
    pub product_name: String,
    /// Shade, for colour cosmetics.
    pub shade: Option<String>,
    /// Size.
    pub size: Option<String>,
    /// Brand name.
    pub brand_name: String,
    /// Sub-category id.
    pub category_id: String,
    /// Sub-category name.
    pub category_name: String,
    /// Units.
    pub quantity: u32,
    /// Amount in her home store's currency, minor units (negative for a return).
    pub amount_cents: i64,
    /// What was paid, in minor units of `paid_currency`.
    pub paid_minor: i64,
    /// ISO 4217 code of what was paid.
    pub paid_currency: String,
    /// When the line was paid in another currency and its day had no rate: the earlier day
    /// whose rate converted it, or `none` (not converted, `amount_cents` 0).
    pub rates_of: Option<String>,
    /// Bought as a gift.
    pub gift: bool,
}

/// A page of history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    /// Lines, newest first.
    pub lines: Vec<HistoryLine>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u32>,
}

/// One page of customer `customer_id`'s purchase lines matching `query`.
pub fn history(cache: &Cache, customer_id: &str, query: &HistoryQuery) -> Result<HistoryPage> {
    let page_size = if query.page_size == 0 {
        DEFAULT_PAGE_SIZE
    } else {
        query.page_size
    };
    let mut sql = String::from(
        "SELECT pu.id, pu.receipt_id, pu.bought_at, pu.store_id, pu.product_id,
                coalesce(p.name, ''), p.shade, p.size, coalesce(b.name, ''),
                coalesce(p.category_id, ''), coalesce(c.name, ''),
                pu.quantity, pu.amount_cents, pu.gift, pu.channel, pu.order_id, pu.return_of,
                pu.paid_minor, pu.currency, pu.rates_of
         FROM purchase pu
         LEFT JOIN product p ON p.id = pu.product_id
         LEFT JOIN brand b ON b.id = p.brand_id
         LEFT JOIN category c ON c.id = p.category_id
         WHERE pu.customer_id = ?",
    );
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(customer_id.to_owned())];
    if let Some(category) = &query.category_id {
        sql.push_str(" AND (p.category_id = ? OR c.parent_id = ?)");
        args.push(Box::new(category.clone()));
        args.push(Box::new(category.clone()));
    }
    if let Some(brand) = &query.brand_id {
        sql.push_str(" AND p.brand_id = ?");
        args.push(Box::new(brand.clone()));
    }
    if let Some(expression) = query.text.as_deref().and_then(fts_prefix_query) {
        sql.push_str(
            " AND (p.rowid IN (SELECT rowid FROM product_text WHERE product_text MATCH ?)
                   OR pu.order_id = ?)",
        );
        args.push(Box::new(expression));
        args.push(Box::new(
            query.text.as_deref().unwrap_or_default().trim().to_owned(),
        ));
    }
    // One extra row tells whether there is a next page.
    sql.push_str(" ORDER BY pu.bought_at DESC, pu.id DESC LIMIT ? OFFSET ?");
    args.push(Box::new(i64::from(page_size) + 1));
    args.push(Box::new(i64::from(query.offset)));

    cache.read(|c| {
        let params: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let mut lines = c
            .prepare_cached(&sql)?
            .query_map(params.as_slice(), |r| {
                Ok(HistoryLine {
                    id: r.get(0)?,
                    receipt_id: r.get(1)?,
                    bought_at: r.get(2)?,
                    store_id: r.get(3)?,
                    product_id: r.get(4)?,
                    product_name: r.get(5)?,
                    shade: r.get(6)?,
                    size: r.get(7)?,
                    brand_name: r.get(8)?,
                    category_id: r.get(9)?,
                    category_name: r.get(10)?,
                    quantity: r.get(11)?,
                    amount_cents: r.get(12)?,
                    gift: r.get(13)?,
                    store_name: String::new(),
                    channel: Channel::parse(&r.get::<_, String>(14)?).unwrap_or_default(),
                    order_id: r.get(15)?,
                    return_of: r.get(16)?,
                    paid_minor: r.get(17)?,
                    paid_currency: r.get(18)?,
                    rates_of: r.get(19)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let next_offset = if lines.len() > page_size as usize {
            lines.truncate(page_size as usize);
            Some(query.offset + page_size)
        } else {
            None
        };
        // The stores' names for the page alone: a handful of stores, not a join per line.
        for line in &mut lines {
            line.store_name = store_name(c, &line.store_id)?.unwrap_or_default();
        }
        Ok(HistoryPage { lines, next_offset })
    })
}

/// The name of store `id`, when the cache holds it: read for the lines shown, not joined on
/// every line scanned.
pub(crate) fn store_name(c: &rusqlite::Connection, id: &str) -> Result<Option<String>> {
    Ok(c.prepare_cached("SELECT name FROM store WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// An FTS5 expression in which every typed word must start a word of the text: `"fard"*
/// "paupieres"*`. Words are folded letters and digits only, so nothing typed can change the
/// expression's syntax.
fn fts_prefix_query(typed: &str) -> Option<String> {
    let mut words = text::tokens(typed);
    // "à", "l'": one letter would match almost every product; keep them only if alone.
    if words.iter().any(|w| w.chars().count() > 1) {
        words.retain(|w| w.chars().count() > 1);
    }
    if words.is_empty() {
        return None;
    }
    Some(
        words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_a_safe_prefix_query() {
        assert_eq!(
            fts_prefix_query("Fard à paupières").as_deref(),
            Some("\"fard\"* \"paupieres\"*")
        );
        assert_eq!(
            fts_prefix_query("rouge\" OR 1 NEAR(").as_deref(),
            Some("\"rouge\"* \"or\"* \"near\"*")
        );
        assert_eq!(fts_prefix_query(" ,; "), None);
    }
}
