//! How each interchange record is written into, or removed from, the cache. The bulk loader and
//! the sync client both go through here, so a record lands the same way whichever brought it.

use carnet_fixtures::format::{
    Advisor, Brand, Category, Customer, Offer, Product, PurchaseLine, Rate, Store,
};
use carnet_protocol::{Entity, FeedbackRecord, RedirectRecord, Verdict};
use rusqlite::{Transaction, params};

use crate::amounts;
use crate::error::{Error, Result};
use crate::money::{Currency, Money};
use crate::search_index::{self, ProductLink};
use crate::{phone, time};

/// Inserts or replaces a store.
pub(crate) fn upsert_store(tx: &Transaction<'_>, s: &Store) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO store (id, name, country, city, postal_code, timezone, currency)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET name = ?2, country = ?3, city = ?4,
             postal_code = ?5, timezone = ?6, currency = ?7",
    )?
    .execute(params![
        s.id,
        s.name,
        s.country,
        s.city,
        s.postal_code,
        s.timezone,
        currency(s.currency.as_deref(), "store")?.code()
    ])?;
    Ok(())
}

/// Inserts or replaces a day's exchange rate, and converts again the lines that waited for
/// a nearer one.
pub(crate) fn upsert_rate(tx: &Transaction<'_>, r: &Rate) -> Result<()> {
    let bad = |what: &str| Error::InvalidInput(format!("rate {}: {what}", r.id));
    let day = time::parse_day(&r.day).ok_or_else(|| bad("not a day"))?;
    let code = currency(Some(&r.currency), "rate")?;
    crate::money::Rates::default()
        .insert(day, code, &r.per_euro)
        .map_err(|e| bad(&e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO rate (currency, day, per_euro) VALUES (?1, ?2, ?3)
         ON CONFLICT (currency, day) DO UPDATE SET per_euro = ?3",
    )?
    .execute(params![code.code(), r.day, r.per_euro])?;
    amounts::convert_again(tx, amounts::Affected::NewRate { day: &r.day })
}

/// The currency of a record's code; the euro when absent (version 1 data).
fn currency(code: Option<&str>, what: &str) -> Result<Currency> {
    Currency::parse(code.unwrap_or("EUR")).map_err(|e| Error::InvalidInput(format!("{what}: {e}")))
}

/// Inserts or replaces an advisor of the store.
pub(crate) fn upsert_advisor(tx: &Transaction<'_>, a: &Advisor) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO advisor (id, store_id, first_name, last_name, hired_on, left_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET store_id = ?2, first_name = ?3, last_name = ?4,
             hired_on = ?5, left_on = ?6",
    )?
    .execute(params![
        a.id,
        a.store_id,
        a.first_name,
        a.last_name,
        a.hired_on,
        a.left_on
    ])?;
    Ok(())
}

/// Inserts or replaces a brand.
pub(crate) fn upsert_brand(tx: &Transaction<'_>, b: &Brand) -> Result<()> {
    let renamed = tx
        .prepare_cached(
            "INSERT INTO brand (id, name, positioning) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET name = ?2, positioning = ?3
             WHERE name IS NOT ?2 OR positioning IS NOT ?3",
        )?
        .execute(params![b.id, b.name, b.positioning])?;
    if renamed > 0 {
        search_index::reindex_products_where(tx, ProductLink::Brand, &b.id)?;
    }
    Ok(())
}

/// Inserts or replaces a category.
pub(crate) fn upsert_category(tx: &Transaction<'_>, c: &Category) -> Result<()> {
    let changed = tx
        .prepare_cached(
            "INSERT INTO category (id, name, parent_id, sensitive) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET name = ?2, parent_id = ?3, sensitive = ?4
             WHERE name IS NOT ?2 OR parent_id IS NOT ?3 OR sensitive IS NOT ?4",
        )?
        .execute(params![c.id, c.name, c.parent_id, c.sensitive])?;
    if changed > 0 {
        search_index::reindex_products_where(tx, ProductLink::Category, &c.id)?;
    }
    Ok(())
}

/// Inserts or replaces a product and its full-text entry.
pub(crate) fn upsert_product(tx: &Transaction<'_>, p: &Product) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO product (id, ean, line_id, name, brand_id, category_id, shade, size,
                              price_cents, replenishable, cycle_days, launch_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET ean = ?2, line_id = ?3, name = ?4, brand_id = ?5,
             category_id = ?6, shade = ?7, size = ?8, price_cents = ?9,
             replenishable = ?10, cycle_days = ?11, launch_on = ?12",
    )?
    .execute(params![
        p.id,
        p.ean,
        p.line_id,
        p.name,
        p.brand_id,
        p.category_id,
        p.shade,
        p.size,
        p.price_cents,
        p.replenishable,
        p.cycle_days,
        p.launch_on
    ])?;
    search_index::index_product(tx, &p.id)
}

/// Inserts or replaces a customer with her consents and search tokens.
pub(crate) fn upsert_customer(tx: &Transaction<'_>, c: &Customer) -> Result<()> {
    let phone_e164 = c
        .phone
        .as_deref()
        .and_then(|p| phone::to_e164(p, &c.address.country));
    let email_folded = search_index::fold_email(c.email.as_deref());
    tx.prepare_cached(
        "INSERT INTO customer (id, card, first_name, last_name, email, phone, phone_e164,
                               line1, postal_code, city, country, language, home_store_id,
                               tier, points, customer_type, segment, created_on, updated_at,
                               email_folded, advisor_id, birthday)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22)
         ON CONFLICT (id) DO UPDATE SET card = ?2, first_name = ?3, last_name = ?4,
             email = ?5, phone = ?6, phone_e164 = ?7, line1 = ?8, postal_code = ?9,
             city = ?10, country = ?11, language = ?12, home_store_id = ?13, tier = ?14,
             points = ?15, customer_type = ?16, segment = ?17, created_on = ?18,
             updated_at = ?19, email_folded = ?20, advisor_id = ?21, birthday = ?22",
    )?
    .execute(params![
        c.id,
        c.card,
        c.first_name,
        c.last_name,
        c.email,
        c.phone,
        phone_e164,
        c.address.line1,
        c.address.postal_code,
        c.address.city,
        c.address.country,
        c.language,
        c.home_store_id,
        c.tier,
        c.points,
        c.customer_type,
        c.segment,
        c.created_on,
        c.updated_at,
        email_folded,
        c.advisor_id,
        c.birthday,
    ])?;
    tx.prepare_cached("DELETE FROM consent WHERE customer_id = ?1")?
        .execute([&c.id])?;
    let mut consent = tx.prepare_cached(
        "INSERT OR REPLACE INTO consent (customer_id, channel, purpose, granted, recorded_at, source,
                                         advisor_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for k in &c.consents {
        consent.execute(params![
            c.id,
            k.channel,
            k.purpose,
            k.granted,
            k.recorded_at,
            k.source,
            k.advisor_id
        ])?;
    }
    search_index::index_customer_name(tx, &c.id)
}

/// Inserts or replaces a purchase line, converted into her home store's currency (`homes`
/// remembers it for her next lines).
pub(crate) fn upsert_purchase(
    tx: &Transaction<'_>,
    p: &PurchaseLine,
    homes: &mut amounts::HomeCurrencies,
) -> Result<()> {
    let bought_at = time::parse_instant(&p.bought_at)
        .ok_or_else(|| Error::InvalidInput("purchase line with an invalid bought_at".into()))?;
    let paid = Money {
        minor: p.amount_cents,
        currency: currency(p.currency.as_deref(), "purchase line")?,
    };
    let home = homes.of(tx, &p.customer_id)?;
    let converted = amounts::convert(tx, paid, home, &p.store_id, bought_at)?;
    tx.prepare_cached(
        "INSERT INTO purchase (id, receipt_id, customer_id, store_id, bought_at, product_id,
                               quantity, amount_cents, gift, advisor_id, currency, paid_minor,
                               rates_of, channel, order_id, return_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (id) DO UPDATE SET receipt_id = ?2, customer_id = ?3, store_id = ?4,
             bought_at = ?5, product_id = ?6, quantity = ?7, amount_cents = ?8, gift = ?9,
             advisor_id = ?10, currency = ?11, paid_minor = ?12, rates_of = ?13,
             channel = ?14, order_id = ?15, return_of = ?16",
    )?
    .execute(params![
        p.id,
        p.receipt_id,
        p.customer_id,
        p.store_id,
        bought_at,
        p.product_id,
        p.quantity,
        converted.amount,
        p.gift,
        p.advisor_id,
        paid.currency.code(),
        paid.minor,
        converted.rates_of,
        p.channel.as_str(),
        p.order_id,
        p.return_of
    ])?;
    Ok(())
}

/// Inserts or replaces an offer.
pub(crate) fn upsert_offer(tx: &Transaction<'_>, o: &Offer) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO offer (id, customer_id, title, kind, value, brand_id, category_id,
                            valid_from, valid_to, used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET customer_id = ?2, title = ?3, kind = ?4, value = ?5,
             brand_id = ?6, category_id = ?7, valid_from = ?8, valid_to = ?9, used_at = ?10",
    )?
    .execute(params![
        o.id,
        o.customer_id,
        o.title,
        o.kind,
        o.value,
        o.brand_id,
        o.category_id,
        o.valid_from,
        o.valid_to,
        o.used_at
    ])?;
    Ok(())
}

/// Removes a record. Removing a customer removes everything that belongs to her; with
/// `secure_delete` on, her rows are overwritten in the file, not left in free pages.
pub(crate) fn delete(tx: &Transaction<'_>, entity: Entity, id: &str) -> Result<()> {
    let statements: &[&str] = match entity {
        Entity::Store => &["DELETE FROM store WHERE id = ?1"],
        Entity::Advisor => &["DELETE FROM advisor WHERE id = ?1"],
        Entity::Brand => &["DELETE FROM brand WHERE id = ?1"],
        Entity::Category => &["DELETE FROM category WHERE id = ?1"],
        Entity::Product => {
            search_index::unindex_product(tx, id)?;
            &["DELETE FROM product WHERE id = ?1"]
        }
        Entity::Customer => {
            search_index::unindex_customer_name(tx, id)?;
            &[
                "DELETE FROM purchase WHERE customer_id = ?1",
                "DELETE FROM offer WHERE customer_id = ?1",
                "DELETE FROM consent WHERE customer_id = ?1",
                "DELETE FROM feedback WHERE customer_id = ?1",
                "DELETE FROM task WHERE customer_id = ?1",
                "DELETE FROM task_state WHERE customer_id = ?1",
                "DELETE FROM note WHERE customer_id = ?1",
                "DELETE FROM outreach WHERE customer_id = ?1",
                "DELETE FROM appointment WHERE customer_id = ?1",
                // Old ids merged into her lead nowhere once she is gone (erasure).
                "DELETE FROM redirect WHERE to_id = ?1",
                // Her answered edits go; pending ones are pushed and answered first.
                "DELETE FROM outbox WHERE customer_id = ?1 AND state <> 'pending'",
                "DELETE FROM customer WHERE id = ?1",
            ]
        }
        Entity::Purchase => &["DELETE FROM purchase WHERE id = ?1"],
        Entity::Model => &["DELETE FROM reco_model WHERE id = ?1"],
        Entity::Policy => &["DELETE FROM store_policy WHERE store_id = ?1"],
        Entity::Redirect => &["DELETE FROM redirect WHERE from_id = ?1"],
        Entity::Offer => &["DELETE FROM offer WHERE id = ?1"],
        Entity::Note => &["DELETE FROM note WHERE id = ?1"],
        Entity::Campaign => &["DELETE FROM campaign WHERE id = ?1"],
        Entity::Outreach => &["DELETE FROM outreach WHERE id = ?1"],
        Entity::Template => &["DELETE FROM template WHERE id = ?1"],
        Entity::Wish => &["DELETE FROM wish WHERE id = ?1"],
        Entity::StoreHours => {
            &["DELETE FROM appointment_plan WHERE entity = 'store_hours' AND id = ?1"]
        }
        Entity::Service => &["DELETE FROM appointment_plan WHERE entity = 'service' AND id = ?1"],
        Entity::Resource => &["DELETE FROM appointment_plan WHERE entity = 'resource' AND id = ?1"],
        Entity::AdvisorHours => {
            &["DELETE FROM appointment_plan WHERE entity = 'advisor_hours' AND id = ?1"]
        }
        Entity::Appointment => &["DELETE FROM appointment WHERE id = ?1"],
        Entity::Rate => {
            let Some((currency, day)) = id.split_once(' ') else {
                return Ok(());
            };
            tx.prepare_cached("DELETE FROM rate WHERE currency = ?1 AND day = ?2")?
                .execute([currency, day])?;
            return amounts::convert_again(tx, amounts::Affected::RateGone);
        }
        Entity::TaskState => {
            crate::tasks::delete_record(tx, id)?;
            &[]
        }
        Entity::Feedback => {
            let (customer, product) = id.split_once(':').unwrap_or((id, ""));
            tx.prepare_cached("DELETE FROM feedback WHERE customer_id = ?1 AND product_id = ?2")?
                .execute([customer, product])?;
            &[]
        }
    };
    for sql in statements {
        tx.prepare_cached(sql)?.execute([id])?;
    }
    Ok(())
}

/// Inserts or replaces a redirect from a merged customer's id (and card) to the kept one.
pub(crate) fn upsert_redirect(tx: &Transaction<'_>, r: &RedirectRecord) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO redirect (from_id, from_card, to_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (from_id) DO UPDATE SET from_card = ?2, to_id = ?3",
    )?
    .execute(params![r.id, r.card, r.to])?;
    Ok(())
}

/// Inserts or replaces a customer's feedback on a product.
pub(crate) fn upsert_feedback(tx: &Transaction<'_>, f: &FeedbackRecord) -> Result<()> {
    let verdict = match f.verdict {
        Verdict::Like => "like",
        Verdict::Dislike => "dislike",
    };
    tx.prepare_cached(
        "INSERT INTO feedback (customer_id, product_id, verdict, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (customer_id, product_id) DO UPDATE SET verdict = ?3, at = ?4",
    )?
    .execute(params![f.customer_id, f.product_id, verdict, f.at])?;
    Ok(())
}
