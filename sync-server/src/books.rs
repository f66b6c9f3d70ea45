//! Client books as a manager changes them: one customer given to another advisor (or to none),
//! or a leaver's whole book handed over. The change is the customer's record in her store's
//! feed, so it reaches the devices with the next pull; its time is kept like a device's edit,
//! so that a later CRM import older than it does not undo it.

use crate::sql::Conn;
use carnet_protocol::{Customer, Entity, Record};
use chrono::{DateTime, Utc};

use crate::customer_record::{self, BOOK_FIELD, live_customer};
use crate::error::AdminError;
use crate::feed;

/// Whether `advisor_id` may keep a book in `store_id`: one of its advisors in the CRM's
/// records who has not left, or an advisor account of the store.
fn can_keep_a_book(conn: &Conn<'_>, store_id: &str, advisor_id: &str) -> Result<bool, AdminError> {
    if let Some(row) = feed::live_row(conn, Entity::Advisor, advisor_id)?
        && let Record::Advisor(a) = row.record()?
        && a.store_id == store_id
    {
        return Ok(a.left_on.is_none());
    }
    Ok(conn.exists(
        "SELECT 1 FROM advisor WHERE store_id = ?1 AND id = ?2 AND disabled_at IS NULL",
        [store_id, advisor_id],
    )?)
}

fn check_advisor(conn: &Conn<'_>, store_id: &str, to: Option<&str>) -> Result<(), AdminError> {
    match to {
        Some(id) if !can_keep_a_book(conn, store_id, id)? => Err(AdminError::NotFound(format!(
            "no advisor {id} working in store {store_id}"
        ))),
        _ => Ok(()),
    }
}

/// Gives customer `customer_id` of `store_id` to advisor `to` (`None`: to no one), at `at`.
pub fn reassign(
    conn: &Conn<'_>,
    store_id: &str,
    customer_id: &str,
    to: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), AdminError> {
    check_advisor(conn, store_id, to)?;
    let id = customer_record::resolve(conn, customer_id)?;
    let found = feed::live_row(conn, Entity::Customer, &id)?;
    let mut customer = match found {
        Some(_) => live_customer(conn, &id)?,
        None => return Err(not_found(customer_id, store_id)),
    };
    if customer.home_store_id != store_id {
        return Err(not_found(customer_id, store_id));
    }
    customer.advisor_id = to.map(str::to_owned);
    customer_record::set_edit_time(conn, &id, BOOK_FIELD, at)?;
    customer_record::write_customer(conn, store_id, customer)?;
    Ok(())
}

/// Hands the whole book of `from` in `store_id` over to `to`, at `at`: how many customers
/// moved.
pub fn hand_over(
    conn: &Conn<'_>,
    store_id: &str,
    from: &str,
    to: &str,
    at: DateTime<Utc>,
) -> Result<usize, AdminError> {
    if from == to {
        return Err(AdminError::Invalid(format!(
            "{from} cannot hand her book over to herself"
        )));
    }
    check_advisor(conn, store_id, Some(to))?;
    let book: Vec<Customer> = feed::live_records(conn, Some(store_id), Entity::Customer)?
        .into_iter()
        .filter_map(|r| match r {
            Record::Customer(c) if c.advisor_id.as_deref() == Some(from) => Some(c),
            _ => None,
        })
        .collect();
    let moved = book.len();
    for mut customer in book {
        customer.advisor_id = Some(to.to_owned());
        customer_record::set_edit_time(conn, &customer.id, BOOK_FIELD, at)?;
        customer_record::write_customer(conn, store_id, customer)?;
    }
    Ok(moved)
}

/// Another store's customer is answered as an unknown one.
fn not_found(customer_id: &str, store_id: &str) -> AdminError {
    AdminError::NotFound(format!("no customer {customer_id} in store {store_id}"))
}
