//! Push intake: applies a device's mutations exactly once, in seq order, in the caller's write
//! transaction together with the device's last seq, and answers an outcome per mutation.
//!
//! Conflict policy (see README): contact fields merged field by field on the edit time;
//! consent recorded at the server's time (server-authoritative); erasure wins over everything;
//! feedback last-writer-wins per (customer, product) on the edit time; gift flag last-writer-
//! wins on the edit time; profile views appended to the audit table only.

use crate::sql::{Conn, OptionalExtension, params};
use carnet_core::contact::{self, Normalised};
use carnet_protocol::{
    ContactField, ContactValue, Customer, Entity, FeedbackRecord, FeedbackVerdict,
    MAX_PUSH_MUTATIONS, Mutation, MutationKind, MutationResult, NoteRecord, Outcome, PushRequest,
    Record, TaskAction, TaskStateRecord, Verdict, reject,
};
use chrono::{DateTime, Utc};

use crate::customer_record::{edit_time, is_erased, resolve, set_edit_time, write_customer};
use crate::devices;
use crate::error::{Error, Result, json_category};
use crate::feed::{self, CATALOG};
use crate::ids;
use crate::outreach::{self, Call, Message, Refused};

/// How far ahead of the server's clock an edit time may be.
const MAX_CLOCK_AHEAD: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Why a push is refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The first new seq is not last + 1 (or new seqs are not contiguous).
    #[error("sequence gap: expected seq {expected}")]
    Gap {
        /// The seq the server expects next.
        expected: u64,
    },
    /// The device disappeared or was revoked.
    #[error("this device was revoked")]
    Revoked,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] Error),
}

impl From<crate::sql::SqlError> for PushError {
    fn from(e: crate::sql::SqlError) -> Self {
        PushError::Db(Error::from(e))
    }
}

/// Why a push body is refused before any of its mutations is looked at. The messages quote
/// nothing of the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Not JSON, or not the shape of a [`PushRequest`].
    #[error("the body is not a push request ({category} at line {line} column {column})")]
    NotAPush {
        /// What serde reported: syntax, data, truncated.
        category: &'static str,
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
    },
    /// More than [`MAX_PUSH_MUTATIONS`] mutations.
    #[error("a push carries at most {MAX_PUSH_MUTATIONS} mutations")]
    TooMany,
    /// A seq of 0 (seqs start at 1).
    #[error("mutation seqs start at 1")]
    ZeroSeq,
}

/// Reads a push body (already bounded to `MAX_PUSH_BYTES`) into the request [`push`] takes.
pub fn read_request(body: &[u8]) -> Result<PushRequest, BodyError> {
    let request: PushRequest = serde_json::from_slice(body).map_err(|e| BodyError::NotAPush {
        category: json_category(&e),
        line: e.line(),
        column: e.column(),
    })?;
    if request.mutations.len() > MAX_PUSH_MUTATIONS {
        return Err(BodyError::TooMany);
    }
    if request.mutations.iter().any(|m| m.seq == 0) {
        return Err(BodyError::ZeroSeq);
    }
    Ok(request)
}

/// Applies a push of `device_id`. Run inside the writer's transaction: the outcomes and the new
/// last seq commit together, or nothing does.
pub fn push(
    conn: &Conn<'_>,
    device_id: &str,
    mutations: &[Mutation],
) -> Result<Vec<MutationResult>, PushError> {
    let device = devices::by_id(conn, device_id)?.ok_or(PushError::Revoked)?;
    if device.revoked_at.is_some() {
        return Err(PushError::Revoked);
    }
    let last = device.last_seq;
    let mut expected = last + 1;
    for m in mutations {
        if m.seq > last {
            if m.seq != expected {
                return Err(PushError::Gap { expected });
            }
            expected += 1;
        }
    }
    let now = Utc::now();
    let received_at = ids::format_time(now);
    let mut results = Vec::with_capacity(mutations.len());
    for m in mutations {
        let outcome = if m.seq <= last {
            stored_outcome(conn, &device.id, m.seq)?
        } else {
            let outcome = apply(conn, &device, m, now)?;
            conn.execute("INSERT INTO mutation_log (device_id, seq, outcome, received_at) VALUES (?1, ?2, ?3, ?4)", params![
                device.id,
                seq_i64(m.seq),
                serde_json::to_string(&outcome).map_err(Error::from)?,
                received_at
            ])?;
            outcome
        };
        results.push(MutationResult {
            seq: m.seq,
            outcome,
        });
    }
    if expected - 1 > last {
        conn.execute(
            "UPDATE device SET last_seq = ?2, last_push_at = ?3 WHERE id = ?1",
            params![device.id, seq_i64(expected - 1), received_at],
        )?;
    }
    Ok(results)
}

fn seq_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn stored_outcome(conn: &Conn<'_>, device_id: &str, seq: u64) -> Result<Outcome> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT outcome FROM mutation_log WHERE device_id = ?1 AND seq = ?2",
            params![device_id, seq_i64(seq)],
            |r| r.get(0),
        )
        .optional()?;
    match stored {
        Some(json) => Ok(serde_json::from_str(&json)?),
        None => Ok(Outcome::rejected(
            "unknown_seq",
            "this seq was never received",
        )),
    }
}

fn apply(
    conn: &Conn<'_>,
    device: &devices::Device,
    m: &Mutation,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let Some(made_at) = ids::parse_time(&m.made_at) else {
        return Ok(Outcome::rejected(
            reject::INVALID_VALUE,
            "made_at is not an RFC 3339 time",
        ));
    };
    if made_at > now + MAX_CLOCK_AHEAD {
        return Ok(Outcome::rejected(
            reject::INVALID_VALUE,
            "made_at is in the future",
        ));
    }
    if m.advisor_id.as_ref().is_some_and(|a| a.len() > 64) {
        return Ok(Outcome::rejected(
            reject::INVALID_VALUE,
            "advisor_id is too long",
        ));
    }
    match &m.change {
        MutationKind::ContactEdit {
            customer_id,
            field,
            value,
        } => match customer_for(conn, device, customer_id)? {
            Ok(customer) => contact_edit(conn, &device.store_id, customer, *field, value, made_at),
            Err(outcome) => Ok(outcome),
        },
        MutationKind::Consent {
            customer_id,
            channel,
            purpose,
            granted,
            source,
        } => match customer_for(conn, device, customer_id)? {
            Ok(customer) => {
                let c = ConsentChange {
                    channel,
                    purpose,
                    granted: *granted,
                    source,
                };
                consent(conn, device, customer, &c, m, now)
            }
            Err(outcome) => Ok(outcome),
        },
        MutationKind::Feedback {
            customer_id,
            product_id,
            verdict,
        } => match customer_for(conn, device, customer_id)? {
            Ok(customer) => feedback(conn, device, &customer, product_id, *verdict, made_at),
            Err(outcome) => Ok(outcome),
        },
        MutationKind::GiftFlag { purchase_id, gift } => {
            gift_flag(conn, device, purchase_id, *gift, made_at)
        }
        MutationKind::CreateCustomer { customer } => {
            create_customer(conn, device, (**customer).clone(), made_at)
        }
        MutationKind::Call {
            outreach_id,
            customer_id,
            task_id,
            outcome,
        } => match customer_for(conn, device, customer_id)? {
            Ok(customer) => {
                let call = Call {
                    outreach_id,
                    task_id: task_id.as_deref(),
                    outcome: *outcome,
                };
                Ok(
                    match outreach::call(conn, &device.store_id, &customer, &call, m, made_at)? {
                        Ok(()) => Outcome::Applied,
                        Err(Refused::Again) => Outcome::Superseded,
                        Err(Refused::Because(code, reason)) => Outcome::rejected(code, &reason),
                    },
                )
            }
            Err(outcome) => Ok(outcome),
        },
        MutationKind::Message {
            outreach_id,
            customer_id,
            task_id,
            channel,
            text,
            product_ids,
        } => match customer_for(conn, device, customer_id)? {
            Ok(customer) => {
                let message = Message {
                    outreach_id,
                    task_id: task_id.as_deref(),
                    channel: *channel,
                    text,
                    product_ids,
                };
                Ok(
                    match outreach::message(
                        conn,
                        &device.store_id,
                        &customer,
                        &message,
                        m,
                        made_at,
                        now,
                    )? {
                        Ok(()) => Outcome::Applied,
                        Err(Refused::Again) => Outcome::Superseded,
                        Err(Refused::Because(code, reason)) => Outcome::rejected(code, &reason),
                    },
                )
            }
            Err(outcome) => Ok(outcome),
        },
        MutationKind::Wish {
            wish_id,
            customer_id,
            product_id,
            note,
        } => match customer_for(conn, device, customer_id)? {
            Ok(customer) => {
                let w = WishChange {
                    wish_id,
                    product_id: product_id.as_deref(),
                    note: note.as_deref(),
                };
                wish(conn, device, &customer, &w, m, made_at)
            }
            Err(outcome) => Ok(outcome),
        },
        MutationKind::Note {
            note_id,
            customer_id,
            text,
        } => match customer_for(conn, device, customer_id)? {
            Ok(customer) => note(
                conn,
                device,
                &customer,
                note_id,
                text.as_deref(),
                m,
                made_at,
            ),
            Err(outcome) => Ok(outcome),
        },
        MutationKind::Task {
            task_id,
            customer_id,
            action,
        } => match customer_for(conn, device, customer_id)? {
            Ok(customer) => task(conn, device, &customer, task_id, action, m, made_at),
            Err(outcome) => Ok(outcome),
        },
        MutationKind::Appointment { customer_id, .. } => {
            match customer_for(conn, device, customer_id)? {
                Ok(customer) => {
                    crate::appointments::apply(conn, &device.store_id, &customer, m, made_at, now)
                }
                Err(outcome) => Ok(outcome),
            }
        }
        MutationKind::ProfileView { customer_id } => {
            match customer_for(conn, device, customer_id)? {
                Ok(_) => {
                    conn.execute("INSERT INTO profile_view (customer_id, store_id, device_id, advisor_id, viewed_at, received_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)", params![
                        customer_id,
                        device.store_id,
                        device.id,
                        m.advisor_id,
                        ids::format_time(made_at),
                        ids::format_time(now)
                    ])?;
                    Ok(Outcome::Applied)
                }
                Err(outcome) => Ok(outcome),
            }
        }
    }
}

/// The answer about a customer who is not the device's store's: unknown, erased elsewhere
/// or another store's alike, so that a store learns nothing of another's customers.
fn unknown_customer() -> Outcome {
    Outcome::rejected(reject::UNKNOWN_CUSTOMER, "no such customer")
}

/// The customer a mutation is about, or the rejection: erased (said to her store's devices
/// only), or unknown to the device's store.
fn customer_for(
    conn: &Conn<'_>,
    device: &devices::Device,
    customer_id: &str,
) -> Result<Result<Customer, Outcome>> {
    if is_erased(conn, customer_id)? {
        let hers = feed::was_in(conn, Entity::Customer, customer_id, &device.store_id)?;
        return Ok(Err(if hers {
            Outcome::rejected(reject::CUSTOMER_ERASED, "this customer was erased")
        } else {
            unknown_customer()
        }));
    }
    // An edit made on a duplicate before the device learnt of her merge applies to the kept
    // customer.
    let customer_id = &resolve(conn, customer_id)?;
    let Some(row) = feed::live_row(conn, Entity::Customer, customer_id)? else {
        return Ok(Err(unknown_customer()));
    };
    if row.store_id != device.store_id {
        return Ok(Err(unknown_customer()));
    }
    match row.record()? {
        Record::Customer(c) => Ok(Ok(c)),
        _ => Err(Error::Config(
            "a customer feed row holds another entity".into(),
        )),
    }
}

/// The country whose numbering plan reads national phone numbers: the store's, else the
/// customer's address's.
fn store_country(conn: &Conn<'_>, store_id: &str, customer: &Customer) -> Result<String> {
    Ok(match feed::live_row(conn, Entity::Store, store_id)? {
        Some(row) => match row.record()? {
            Record::Store(s) => s.country,
            _ => customer.address.country.clone(),
        },
        None => customer.address.country.clone(),
    })
}

fn contact_edit(
    conn: &Conn<'_>,
    store_id: &str,
    mut customer: Customer,
    field: ContactField,
    value: &Option<ContactValue>,
    made_at: DateTime<Utc>,
) -> Result<Outcome> {
    // The rules the device applies before saving (carnet-core's `contact`), applied again:
    // a device of another version, or a hand-made push, must not store what the UI refuses.
    let country = store_country(conn, store_id, &customer)?;
    let new = match contact::validate(field, value.as_ref(), &country) {
        Ok(v) => v,
        Err(e) => {
            // The device already shows its edit: send her record again so that it reverts.
            write_customer(conn, store_id, customer)?;
            // The reason names the field and the rule, never the value.
            return Ok(Outcome::rejected(reject::INVALID_VALUE, &e.to_string()));
        }
    };
    // A field never edited on a device was last set by the CRM at `updated_at`.
    let current = match edit_time(conn, &customer.id, field.as_str())? {
        Some(t) => Some(t),
        None => ids::parse_time(&customer.updated_at),
    };
    if current.is_some_and(|t| made_at < t) {
        write_customer(conn, store_id, customer)?;
        return Ok(Outcome::Superseded);
    }
    let before = customer.clone();
    match (field, new) {
        (ContactField::Address, Normalised::Address(a)) => customer.address = a,
        (ContactField::Email, Normalised::Text(t)) => customer.email = t,
        (ContactField::Phone, Normalised::Text(t)) => customer.phone = t,
        (ContactField::Language, Normalised::Text(Some(t))) => customer.language = t,
        (ContactField::FirstName, Normalised::Text(Some(t))) => customer.first_name = t,
        (ContactField::LastName, Normalised::Text(Some(t))) => customer.last_name = t,
        _ => {
            return Ok(Outcome::rejected(
                reject::INVALID_VALUE,
                "value does not fit the field",
            ));
        }
    }
    set_edit_time(conn, &customer.id, field.as_str(), made_at)?;
    if customer != before {
        write_customer(conn, store_id, customer)?;
    }
    Ok(Outcome::Applied)
}

/// A customer registered on a handheld. The server decides what is not the device's to say:
/// no points, the entry tier, no consents (they come as consent mutations), `updated_at` = the
/// registration time (so later contact edits merge on it).
fn create_customer(
    conn: &Conn<'_>,
    device: &devices::Device,
    mut customer: Customer,
    made_at: DateTime<Utc>,
) -> Result<Outcome> {
    match carnet_core::barcode::CardNumber::parse(&customer.card) {
        Ok(card) => customer.card = card.as_str().to_owned(),
        Err(e) => return Ok(Outcome::rejected(reject::INVALID_VALUE, &e.to_string())),
    }
    if customer.home_store_id != device.store_id {
        return Ok(Outcome::rejected(
            reject::INVALID_VALUE,
            "a customer registered on a handheld belongs to its store",
        ));
    }
    // Taken, in any store or by an erased customer: one answer, which never says where.
    let exists = conn.exists(
        "SELECT 1 FROM feed WHERE entity = 'customer' AND entity_id = ?1",
        [&customer.id],
    )?;
    if exists
        || is_erased(conn, &customer.id)?
        || crate::duplicates::card_in_use(conn, &customer.card)?
    {
        return Ok(Outcome::rejected(
            reject::ALREADY_EXISTS,
            "a customer with this id or card already exists",
        ));
    }
    let country = store_country(conn, &device.store_id, &customer)?;
    let mut customer = match contact::validate_customer(&customer, &country) {
        Ok(c) => c,
        Err(e) => return Ok(Outcome::rejected(reject::INVALID_VALUE, &e.to_string())),
    };
    customer.points = 0;
    customer.tier = "essentiel".to_owned();
    customer.consents.clear();
    customer.updated_at = ids::format_time(made_at);
    write_customer(conn, &device.store_id, customer)?;
    Ok(Outcome::Applied)
}

struct ConsentChange<'a> {
    channel: &'a str,
    purpose: &'a str,
    granted: bool,
    source: &'a str,
}

fn consent(
    conn: &Conn<'_>,
    device: &devices::Device,
    mut customer: Customer,
    c: &ConsentChange<'_>,
    m: &Mutation,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    if !["email", "sms", "post", "phone"].contains(&c.channel)
        || !["marketing", "personalisation"].contains(&c.purpose)
        || !["store", "web", "app"].contains(&c.source)
    {
        return Ok(Outcome::rejected(
            reject::INVALID_VALUE,
            "unknown consent channel, purpose or source",
        ));
    }
    // Server-authoritative: recorded at the server's time, in the order pushes arrive.
    let recorded_at = ids::format_time(now);
    let entry = carnet_protocol::Consent {
        channel: c.channel.to_owned(),
        purpose: c.purpose.to_owned(),
        granted: c.granted,
        recorded_at: recorded_at.clone(),
        source: c.source.to_owned(),
        advisor_id: m.advisor_id.clone(),
    };
    crate::customer_record::set_consent(&mut customer, entry);
    conn.execute("INSERT INTO consent_log (customer_id, channel, purpose, granted, source, device_id, advisor_id, made_at, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", params![
        customer.id,
        c.channel,
        c.purpose,
        c.granted,
        c.source,
        device.id,
        m.advisor_id,
        m.made_at,
        recorded_at
    ])?;
    write_customer(conn, &device.store_id, customer)?;
    Ok(Outcome::Applied)
}

fn feedback(
    conn: &Conn<'_>,
    device: &devices::Device,
    customer: &Customer,
    product_id: &str,
    verdict: FeedbackVerdict,
    made_at: DateTime<Utc>,
) -> Result<Outcome> {
    let product = feed::live_row(conn, Entity::Product, product_id)?;
    if product.is_none_or(|p| p.store_id != CATALOG) {
        return Ok(Outcome::rejected(
            reject::UNKNOWN_PRODUCT,
            "no such product",
        ));
    }
    let previous: Option<String> = conn
        .query_row(
            "SELECT at FROM feedback WHERE customer_id = ?1 AND product_id = ?2",
            params![customer.id, product_id],
            |r| r.get(0),
        )
        .optional()?;
    if previous
        .as_deref()
        .and_then(ids::parse_time)
        .is_some_and(|t| made_at < t)
    {
        return Ok(Outcome::Superseded);
    }
    let at = ids::format_time(made_at);
    let verdict_name = match verdict {
        FeedbackVerdict::Like => "like",
        FeedbackVerdict::Dislike => "dislike",
        FeedbackVerdict::Cleared => "cleared",
    };
    conn.execute("INSERT INTO feedback (customer_id, product_id, verdict, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (customer_id, product_id) DO UPDATE SET verdict = excluded.verdict, at = excluded.at", params![customer.id, product_id, verdict_name, at])?;
    let id = FeedbackRecord::id_for(&customer.id, product_id);
    let verdict = match verdict {
        FeedbackVerdict::Like => Verdict::Like,
        FeedbackVerdict::Dislike => Verdict::Dislike,
        FeedbackVerdict::Cleared => {
            feed::put_tombstone(conn, Entity::Feedback, &id)?;
            return Ok(Outcome::Applied);
        }
    };
    let record = Record::Feedback(FeedbackRecord {
        id,
        customer_id: customer.id.clone(),
        product_id: product_id.to_owned(),
        verdict,
        at,
    });
    feed::put_owned(conn, &device.store_id, &customer.id, record)?;
    Ok(Outcome::Applied)
}

/// An advisor's note on a customer, in her store's feed: the text checked as the device checks
/// it, the later edit wins, `None` deletes it. A note id of another store or customer is
/// answered as an unknown one.
/// A wish as pushed.
struct WishChange<'a> {
    wish_id: &'a str,
    product_id: Option<&'a str>,
    note: Option<&'a str>,
}

/// Notes (or removes) a product she wants later, in her store's feed.
fn wish(
    conn: &Conn<'_>,
    device: &devices::Device,
    customer: &Customer,
    w: &WishChange<'_>,
    m: &Mutation,
    made_at: DateTime<Utc>,
) -> Result<Outcome> {
    if w.wish_id.is_empty() || w.wish_id.len() > MAX_NOTE_ID_LEN {
        return Ok(Outcome::rejected(
            reject::INVALID_VALUE,
            "a wish id is 1 to 64 bytes",
        ));
    }
    if let Err(e) = carnet_core::wishes::check_note(w.note) {
        return Ok(Outcome::rejected(reject::INVALID_VALUE, &e.to_string()));
    }
    if let Some(row) = feed::live_row(conn, Entity::Wish, w.wish_id)? {
        let Record::Wish(current) = row.record()? else {
            return Ok(Outcome::rejected(reject::INVALID_VALUE, "not a wish"));
        };
        if row.store_id != device.store_id || current.customer_id != customer.id {
            return Ok(Outcome::rejected(
                reject::INVALID_VALUE,
                "no such wish of this customer",
            ));
        }
    }
    let Some(product_id) = w.product_id else {
        feed::put_tombstone(conn, Entity::Wish, w.wish_id)?;
        return Ok(Outcome::Applied);
    };
    let product = feed::live_row(conn, Entity::Product, product_id)?;
    if product.is_none_or(|p| p.store_id != CATALOG) {
        return Ok(Outcome::rejected(
            reject::UNKNOWN_PRODUCT,
            "no such product",
        ));
    }
    let record = Record::Wish(carnet_protocol::WishRecord {
        id: w.wish_id.to_owned(),
        customer_id: customer.id.clone(),
        product_id: product_id.to_owned(),
        note: w.note.map(str::to_owned),
        advisor_id: m.advisor_id.clone(),
        at: ids::format_time(made_at),
    });
    feed::put_owned(conn, &device.store_id, &customer.id, record)?;
    Ok(Outcome::Applied)
}

fn note(
    conn: &Conn<'_>,
    device: &devices::Device,
    customer: &Customer,
    note_id: &str,
    text: Option<&str>,
    m: &Mutation,
    made_at: DateTime<Utc>,
) -> Result<Outcome> {
    if note_id.is_empty() || note_id.len() > MAX_NOTE_ID_LEN {
        return Ok(Outcome::rejected(
            reject::INVALID_VALUE,
            "a note id is 1 to 64 bytes",
        ));
    }
    let text = match text.map(carnet_core::notes::check_text).transpose() {
        Ok(text) => text,
        Err(problem) => {
            return Ok(Outcome::rejected(
                reject::INVALID_VALUE,
                &problem.to_string(),
            ));
        }
    };
    if let Some(row) = feed::live_row(conn, Entity::Note, note_id)? {
        let Record::Note(current) = row.record()? else {
            return Ok(Outcome::rejected(reject::INVALID_VALUE, "not a note"));
        };
        if row.store_id != device.store_id || current.customer_id != customer.id {
            return Ok(Outcome::rejected(
                reject::INVALID_VALUE,
                "no such note of this customer",
            ));
        }
        if ids::parse_time(&current.written_at).is_some_and(|t| made_at < t) {
            return Ok(Outcome::Superseded);
        }
    }
    let Some(text) = text else {
        feed::put_tombstone(conn, Entity::Note, note_id)?;
        return Ok(Outcome::Applied);
    };
    let record = Record::Note(NoteRecord {
        id: note_id.to_owned(),
        customer_id: customer.id.clone(),
        text,
        advisor_id: m.advisor_id.clone(),
        written_at: ids::format_time(made_at),
    });
    feed::put_owned(conn, &device.store_id, &customer.id, record)?;
    Ok(Outcome::Applied)
}

/// Longest note id a device may choose.
const MAX_NOTE_ID_LEN: usize = 64;

/// What an advisor did with a task, kept as the store's one live record per task: checked as
/// the device checks it; a group task taken or done by another advisor stays hers; otherwise
/// the later edit wins.
fn task(
    conn: &Conn<'_>,
    device: &devices::Device,
    customer: &Customer,
    task_id: &str,
    action: &TaskAction,
    m: &Mutation,
    made_at: DateTime<Utc>,
) -> Result<Outcome> {
    if let Err(problem) = carnet_core::tasks::check_action(task_id, &customer.id, action) {
        return Ok(Outcome::rejected(
            reject::INVALID_VALUE,
            &problem.to_string(),
        ));
    }
    let id = TaskStateRecord::id_for(&device.store_id, task_id);
    if let Some(row) = feed::live_row(conn, Entity::TaskState, &id)?
        && let Record::TaskState(current) = row.record()?
    {
        let held = matches!(current.action, TaskAction::Take | TaskAction::Done);
        if held && current.advisor_id.is_some() && current.advisor_id != m.advisor_id {
            return Ok(Outcome::rejected(
                reject::TASK_TAKEN,
                "another advisor took this task first",
            ));
        }
        if ids::parse_time(&current.at).is_some_and(|t| made_at < t) {
            return Ok(Outcome::Superseded);
        }
    }
    let record = Record::TaskState(TaskStateRecord {
        id,
        task_id: task_id.to_owned(),
        customer_id: customer.id.clone(),
        action: action.clone(),
        advisor_id: m.advisor_id.clone(),
        at: ids::format_time(made_at),
    });
    feed::put_owned(conn, &device.store_id, &customer.id, record)?;
    Ok(Outcome::Applied)
}

fn gift_flag(
    conn: &Conn<'_>,
    device: &devices::Device,
    purchase_id: &str,
    gift: bool,
    made_at: DateTime<Utc>,
) -> Result<Outcome> {
    // Another store's purchase is answered as an unknown one.
    let Some(row) = feed::live_row(conn, Entity::Purchase, purchase_id)?
        .filter(|row| row.store_id == device.store_id)
    else {
        return Ok(Outcome::rejected(
            reject::UNKNOWN_PURCHASE,
            "no such purchase",
        ));
    };
    if let Some(customer_id) = &row.customer_id
        && is_erased(conn, customer_id)?
    {
        return Ok(Outcome::rejected(
            reject::CUSTOMER_ERASED,
            "this customer was erased",
        ));
    }
    if edit_time(conn, purchase_id, "gift")?.is_some_and(|t| made_at < t) {
        return Ok(Outcome::Superseded);
    }
    let Record::Purchase(mut p) = row.record()? else {
        return Err(Error::Config(
            "a purchase feed row holds another entity".into(),
        ));
    };
    set_edit_time(conn, purchase_id, "gift", made_at)?;
    if p.gift != gift {
        p.gift = gift;
        let payload = feed::upsert_payload(Record::Purchase(p))?;
        feed::put_live(
            conn,
            Entity::Purchase,
            purchase_id,
            &row.store_id,
            row.customer_id.as_deref(),
            &payload,
        )?;
    }
    Ok(Outcome::Applied)
}
