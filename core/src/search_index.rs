//! Keeps the search structures in step with the records: folded name tokens of customers,
//! folded e-mails, and the catalog's full-text index.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::error::Result;
use crate::text;

/// Replaces a customer's name tokens, each with what a search result shows of her, read from
/// her row: call it after writing the row.
pub(crate) fn index_customer_name(tx: &Transaction<'_>, customer_id: &str) -> Result<()> {
    unindex_customer_name(tx, customer_id)?;
    let Some((first_name, last_name, postal_code, city, tier, card_last4)) = tx
        .prepare_cached(
            "SELECT first_name, last_name, trim(postal_code), city, tier, substr(card, 10, 4)
             FROM customer WHERE id = ?1",
        )?
        .query_row([customer_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .optional()?
    else {
        return Ok(());
    };
    let sort_key = text::sort_key(&last_name, &first_name, &postal_code);
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO customer_name (token, sort_key, customer_id, postal_code,
             first_name, last_name, city, tier, card_last4)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for token in customer_name_tokens(&first_name, &last_name) {
        insert.execute(params![
            token,
            sort_key,
            customer_id,
            postal_code,
            first_name,
            last_name,
            city,
            tier,
            card_last4
        ])?;
    }
    Ok(())
}

/// The tokens the name index holds for a customer: those of her first name, then of her last.
pub(crate) fn customer_name_tokens(first_name: &str, last_name: &str) -> Vec<String> {
    let mut tokens = text::name_tokens(first_name);
    tokens.extend(text::name_tokens(last_name));
    tokens
}

/// Removes a customer's name tokens.
pub(crate) fn unindex_customer_name(tx: &Transaction<'_>, customer_id: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM customer_name WHERE customer_id = ?1")?
        .execute([customer_id])?;
    Ok(())
}

/// An e-mail as it is looked up: trimmed and lower-cased. Empty is none.
pub(crate) fn fold_email(email: Option<&str>) -> Option<String> {
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// Replaces a product's full-text entry (name, shade, brand and category names).
pub(crate) fn index_product(tx: &Transaction<'_>, product_id: &str) -> Result<()> {
    let row = tx
        .prepare_cached(
            "SELECT p.rowid, p.name, coalesce(p.shade, ''),
                    coalesce(b.name, ''),
                    trim(coalesce(c.name, '') || ' ' || coalesce(parent.name, ''))
             FROM product p
             LEFT JOIN brand b ON b.id = p.brand_id
             LEFT JOIN category c ON c.id = p.category_id
             LEFT JOIN category parent ON parent.id = c.parent_id
             WHERE p.id = ?1",
        )?
        .query_row([product_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    let Some((rowid, name, shade, brand, category)) = row else {
        return Ok(());
    };
    tx.prepare_cached("DELETE FROM product_text WHERE rowid = ?1")?
        .execute([rowid])?;
    tx.prepare_cached(
        "INSERT INTO product_text (rowid, name, shade, brand, category) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![rowid, name, shade, brand, category])?;
    Ok(())
}

/// Removes a product's full-text entry.
pub(crate) fn unindex_product(tx: &Transaction<'_>, product_id: &str) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM product_text WHERE rowid = (SELECT rowid FROM product WHERE id = ?1)",
    )?
    .execute([product_id])?;
    Ok(())
}

/// Re-indexes the products whose text names this brand or category (after a rename).
pub(crate) fn reindex_products_where(
    tx: &Transaction<'_>,
    column: ProductLink,
    id: &str,
) -> Result<()> {
    let sql = match column {
        ProductLink::Brand => "SELECT id FROM product WHERE brand_id = ?1",
        ProductLink::Category => {
            "SELECT id FROM product WHERE category_id = ?1
             OR category_id IN (SELECT id FROM category WHERE parent_id = ?1)"
        }
    };
    let ids = tx
        .prepare_cached(sql)?
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for product_id in ids {
        index_product(tx, &product_id)?;
    }
    Ok(())
}

/// What a product's text borrows from another record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ProductLink {
    /// Its brand's name.
    Brand,
    /// Its category's (and parent category's) name.
    Category,
}

/// Folds every e-mail and rebuilds the catalog's full-text index (migration 002's backfill;
/// the name tokens of that version are filled by [`reindex_names`], migration 006's).
pub(crate) fn reindex_emails_and_products(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch("DELETE FROM product_text;")?;
    let emails = tx
        .prepare("SELECT id, email FROM customer")?
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, email) in emails {
        tx.prepare_cached("UPDATE customer SET email_folded = ?2 WHERE id = ?1")?
            .execute(params![id, fold_email(email.as_deref())])?;
    }
    let products = tx
        .prepare("SELECT id FROM product")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in products {
        index_product(tx, &id)?;
    }
    Ok(())
}

/// Writes again the name tokens of the customers whose names fold otherwise since kana and
/// compatibility forms are read (a migration's backfill): the other names keep theirs.
pub(crate) fn reindex_refolded_names(tx: &Transaction<'_>) -> Result<()> {
    let ids = tx
        .prepare("SELECT id, first_name, last_name FROM customer")?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .filter_map(|row| match row {
            Ok((id, first, last)) => (text::folds_otherwise_than_before(&first)
                || text::folds_otherwise_than_before(&last))
            .then_some(Ok(id)),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in ids {
        index_customer_name(tx, &id)?;
    }
    Ok(())
}

/// Rebuilds every customer's name tokens (a migration's backfill).
pub(crate) fn reindex_names(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch("DELETE FROM customer_name;")?;
    let ids = tx
        .prepare("SELECT id FROM customer")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in ids {
        index_customer_name(tx, &id)?;
    }
    Ok(())
}
