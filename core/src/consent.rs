//! Consent on the device, enforced offline: what a customer allows, per purpose and channel,
//! and the contact details an advisor may use for outreach. The server is authoritative; the
//! cache holds its last word plus the advisor's own edits not yet answered.
//!
//! No decision recorded means no consent (opt-in), and a read failure means no consent too:
//! the check fails closed.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::store::Cache;

/// A way to reach a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// E-mail.
    Email,
    /// Text messages to her phone.
    Sms,
    /// Letters to her postal address.
    Post,
    /// Calls to her phone.
    Phone,
}

/// What a consent is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Newsletters, offers, catalogues.
    Marketing,
    /// Suggestions built from her history (the playlist).
    Personalisation,
}

/// Where a consent was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// At the counter, by an advisor.
    Store,
    /// On the web site.
    Web,
    /// In the brand's app.
    App,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 4] = [Channel::Email, Channel::Sms, Channel::Post, Channel::Phone];

    /// The wire name (`email`, `sms`, `post`, `phone`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Post => "post",
            Channel::Phone => "phone",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 2] = [Purpose::Marketing, Purpose::Personalisation];

    /// The wire name (`marketing`, `personalisation`).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Marketing => "marketing",
            Purpose::Personalisation => "personalisation",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 3] = [Source::Store, Source::Web, Source::App];

    /// The wire name (`store`, `web`, `app`).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Store => "store",
            Source::Web => "web",
            Source::App => "app",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// The channel on which the CRM records the personalisation purpose (it is not about a
/// channel, but the interchange format keys every consent by one). Record a personalisation
/// decision on this channel.
pub const PERSONALISATION_CHANNEL: Channel = Channel::Email;

/// Every decision an advisor can record, in the order a form shows them: marketing on each
/// channel, then personalisation (on [`PERSONALISATION_CHANNEL`]). A customer with no
/// decision yet is asked about each of these.
pub fn choices() -> Vec<(Channel, Purpose)> {
    Channel::ALL
        .into_iter()
        .map(|channel| (channel, Purpose::Marketing))
        .chain([(PERSONALISATION_CHANNEL, Purpose::Personalisation)])
        .collect()
}

/// One recorded decision, as the card shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentState {
    /// The channel.
    pub channel: String,
    /// The purpose.
    pub purpose: String,
    /// Granted or withdrawn / refused.
    pub granted: bool,
    /// When it was recorded (RFC 3339; the server's time once synced).
    pub recorded_at: String,
    /// `store`, `web` or `app`.
    pub source: String,
    /// The advisor who recorded it in a store, when known.
    pub advisor_id: Option<String>,
}

/// Her answer to one consent of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentAnswer {
    /// She agreed.
    Granted,
    /// She refused, or withdrew an agreement.
    Refused,
    /// No decision is recorded: she has not been asked yet.
    NotAsked,
}

/// One line of the consent form: what it asks, and the recorded decision that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    /// The channel.
    pub channel: String,
    /// The purpose.
    pub purpose: String,
    /// The decision recorded with the same channel and purpose (when, from where), if any.
    pub recorded: Option<ConsentState>,
}

impl ConsentRow {
    /// Granted, refused or withdrawn, or not asked yet.
    pub fn answer(&self) -> ConsentAnswer {
        match &self.recorded {
            None => ConsentAnswer::NotAsked,
            Some(k) if k.granted => ConsentAnswer::Granted,
            Some(_) => ConsentAnswer::Refused,
        }
    }
}

/// The consent form for her recorded decisions (as her card holds them): every one of
/// [`choices`], in its order, each answered by the decision with the same channel and purpose
/// or not asked yet; then every recorded decision no choice asks about, so that nothing held
/// is hidden.
pub fn form(recorded: &[ConsentState]) -> Vec<ConsentRow> {
    let answering = |channel: &str, purpose: &str| {
        recorded
            .iter()
            .find(|k| k.channel == channel && k.purpose == purpose)
            .cloned()
    };
    let mut rows: Vec<ConsentRow> = choices()
        .into_iter()
        .map(|(channel, purpose)| ConsentRow {
            channel: channel.as_str().to_owned(),
            purpose: purpose.as_str().to_owned(),
            recorded: answering(channel.as_str(), purpose.as_str()),
        })
        .collect();
    for k in recorded {
        if !rows
            .iter()
            .any(|r| r.channel == k.channel && r.purpose == k.purpose)
        {
            rows.push(ConsentRow {
                channel: k.channel.clone(),
                purpose: k.purpose.clone(),
                recorded: Some(k.clone()),
            });
        }
    }
    rows
}

/// True if the customer allows `purpose` on `channel`.
///
/// - `Some(channel)`: the decision recorded for that channel and purpose is a grant.
/// - `None`, marketing: some channel is granted.
/// - `None`, personalisation: some decision is a grant and none is a withdrawal (the purpose
///   is not about a channel; a withdrawal anywhere wins).
///
/// No decision, an unknown customer, or a failure to read: `false` (fails closed).
pub fn allows(
    cache: &Cache,
    customer_id: &str,
    purpose: Purpose,
    channel: Option<Channel>,
) -> bool {
    cache
        .read(|c| allows_in(c, customer_id, purpose, channel))
        .unwrap_or(false)
}

/// [`allows`] on an open connection (inside a read or a write).
pub fn allows_in(
    conn: &Connection,
    customer_id: &str,
    purpose: Purpose,
    channel: Option<Channel>,
) -> Result<bool> {
    if let Some(channel) = channel {
        let granted: Option<bool> = conn
            .prepare_cached(
                "SELECT granted FROM consent WHERE customer_id = ?1 AND purpose = ?2 AND channel = ?3",
            )?
            .query_row([customer_id, purpose.as_str(), channel.as_str()], |r| {
                r.get(0)
            })
            .optional()?;
        return Ok(granted == Some(true));
    }
    let (grants, withdrawals): (i64, i64) = conn
        .prepare_cached(
            "SELECT coalesce(sum(granted <> 0), 0), coalesce(sum(granted = 0), 0)
             FROM consent WHERE customer_id = ?1 AND purpose = ?2",
        )?
        .query_row([customer_id, purpose.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(match purpose {
        Purpose::Marketing => grants > 0,
        Purpose::Personalisation => grants > 0 && withdrawals == 0,
    })
}

/// True when she withdrew consent to personalisation on any channel: the stricter reading
/// wins, and no decision at all leaves it allowed (as her playlist reads it).
pub(crate) fn personalisation_withdrawn(conn: &Connection, customer_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM consent
             WHERE customer_id = ?1 AND purpose = 'personalisation' AND granted = 0 LIMIT 1",
        )?
        .query_row([customer_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Every decision recorded for the customer, by channel then purpose.
pub fn states(cache: &Cache, customer_id: &str) -> Result<Vec<ConsentState>> {
    cache.read(|c| states_in(c, customer_id))
}

/// [`states`] on an open connection (the card reads them with the rest of her record).
pub(crate) fn states_in(c: &rusqlite::Connection, customer_id: &str) -> Result<Vec<ConsentState>> {
    let rows = c
        .prepare_cached(
            "SELECT channel, purpose, granted, recorded_at, source, advisor_id FROM consent
             WHERE customer_id = ?1 ORDER BY channel, purpose",
        )?
        .query_map([customer_id], |r| {
            Ok(ConsentState {
                channel: r.get(0)?,
                purpose: r.get(1)?,
                granted: r.get(2)?,
                recorded_at: r.get(3)?,
                source: r.get(4)?,
                advisor_id: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A postal address usable for outreach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    /// Street line.
    pub line1: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
}

/// The contact details an advisor may use to reach a customer for `purpose`: a channel is
/// offered only when she allows it and the detail is there (a withdrawn channel is `None`,
/// never merely flagged).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outreach {
    /// Her e-mail, if she allows e-mail.
    pub email: Option<String>,
    /// Her phone for text messages (E.164 when it parses), if she allows SMS.
    pub sms: Option<String>,
    /// Her phone for calls, if she allows calls.
    pub phone: Option<String>,
    /// Her postal address, if she allows post.
    pub post: Option<PostalAddress>,
}

/// The contact details usable for outreach for `purpose`. `Err(NotFound)` for an unknown
/// customer.
pub fn outreach(cache: &Cache, customer_id: &str, purpose: Purpose) -> Result<Outreach> {
    cache.read(|c| {
        let row = c
            .prepare_cached(
                "SELECT email, coalesce(phone_e164, phone), line1, postal_code, city, country
                 FROM customer WHERE id = ?1",
            )?
            .query_row([customer_id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    PostalAddress {
                        line1: r.get(2)?,
                        postal_code: r.get(3)?,
                        city: r.get(4)?,
                        country: r.get(5)?,
                    },
                ))
            })
            .optional()?
            .ok_or(crate::Error::NotFound)?;
        let (email, phone, address) = row;
        let allowed = |ch| allows_in(c, customer_id, purpose, Some(ch));
        Ok(Outreach {
            email: if allowed(Channel::Email)? {
                email
            } else {
                None
            },
            sms: if allowed(Channel::Sms)? {
                phone.clone()
            } else {
                None
            },
            phone: if allowed(Channel::Phone)? {
                phone
            } else {
                None
            },
            post: (allowed(Channel::Post)? && !address.city.is_empty()).then_some(address),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(channel: &str, purpose: &str, granted: bool) -> ConsentState {
        ConsentState {
            channel: channel.into(),
            purpose: purpose.into(),
            granted,
            recorded_at: "2026-11-01T10:00:00Z".into(),
            source: "store".into(),
            advisor_id: Some("A001".into()),
        }
    }

    #[test]
    fn the_form_asks_every_choice_in_order_each_answered_by_its_decision() {
        let rows = form(&[]);
        let asked: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.channel.as_str(), r.purpose.as_str()))
            .collect();
        assert_eq!(
            asked,
            [
                ("email", "marketing"),
                ("sms", "marketing"),
                ("post", "marketing"),
                ("phone", "marketing"),
                ("email", "personalisation"),
            ]
        );
        assert!(rows.iter().all(|r| r.answer() == ConsentAnswer::NotAsked));

        let sms_no = decision("sms", "marketing", false);
        let perso_yes = decision("email", "personalisation", true);
        let rows = form(&[perso_yes.clone(), sms_no.clone()]);
        let answers: Vec<ConsentAnswer> = rows.iter().map(ConsentRow::answer).collect();
        use ConsentAnswer::*;
        assert_eq!(answers, [NotAsked, Refused, NotAsked, NotAsked, Granted]);
        assert_eq!(rows[1].recorded, Some(sms_no));
        assert_eq!(rows[4].recorded, Some(perso_yes));
        assert_eq!(rows[0].recorded, None);
    }

    #[test]
    fn a_decision_no_choice_asks_about_is_still_shown_after_them() {
        let odd = decision("phone", "personalisation", true);
        let rows = form(std::slice::from_ref(&odd));
        assert_eq!(rows.len(), choices().len() + 1);
        let last = rows.last().unwrap();
        assert_eq!(
            (last.channel.as_str(), last.purpose.as_str()),
            ("phone", "personalisation")
        );
        assert_eq!(last.recorded, Some(odd));
        assert_eq!(last.answer(), ConsentAnswer::Granted);
    }
}
