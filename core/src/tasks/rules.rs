//! Which tasks one customer calls for today, from what the device (or the server) knows of
//! her: her history, birthday and consent to personalisation, the catalogue's launches and the
//! recommendation model. Pure: the same facts give the same tasks, with the same ids, on the
//! handheld and on the server.

use std::collections::{HashMap, HashSet};

use carnet_protocol::CampaignRecord;
use carnet_reco::{HistoryLine, Model, due_list, next_visit};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::consent::Channel;

/// A replenishment task is made when a product comes due within this many days…
pub const REPLENISH_WINDOW_DAYS: u32 = 10;
/// …and dated this many days before she runs out: a word while she still has some.
pub const REPLENISH_LEAD_DAYS: u64 = 3;
/// Below this confidence in the due date, no call is worth it.
pub const REPLENISH_MIN_CONFIDENCE: f32 = 0.35;
/// A lapsing task is dated this many days after her expected visit: a late week is no news.
pub const LAPSE_GRACE_DAYS: u64 = 14;
/// Below this P(alive) she is more likely gone than late: no lapsing task.
pub const LAPSE_MIN_P_ALIVE: f64 = 0.3;
/// A birthday task appears this many days ahead.
pub const BIRTHDAY_AHEAD_DAYS: i64 = 7;
/// Launches from this many days ago to this many ahead are news.
pub const LAUNCH_WINDOW_DAYS: i64 = 14;
/// A brand she bought within this many months…
pub const LAUNCH_BRAND_MONTHS: u32 = 24;
/// …on at least this many different days is hers: a launch of it is news for her.
pub const LAUNCH_BRAND_DAYS: usize = 2;
/// At most this many launch tasks for one customer at a time.
pub const MAX_LAUNCHES: usize = 1;
/// A thank-you is due for a purchase day at most this many days ago.
pub const THANK_YOU_WITHIN_DAYS: i64 = 7;
/// A first visit of at least this much (cents) deserves a thank-you.
pub const LARGE_FIRST_VISIT_CENTS: i64 = 10_000;
/// The loyalty programme's 12-month spend floors (cents), highest first: a purchase that
/// takes her across one moves her up a tier.
pub const TIER_FLOORS: [(i64, &str); 3] =
    [(120_000, "platinum"), (50_000, "gold"), (20_000, "silver")];

/// What a task is about, with what its wording needs. Stored and shown as a typed value: the
/// app words it in the advisor's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskKind {
    /// She should run out of a product she buys again and again.
    Replenishment {
        /// The product most urgently due.
        product_id: String,
        /// When she should run out of it.
        due_on: NaiveDate,
        /// Other products due within the window.
        also_due: u32,
    },
    /// Her expected next visit has passed.
    Lapsing {
        /// Her last visit.
        last_visit: NaiveDate,
        /// When the visit model expected her back.
        expected_on: NaiveDate,
    },
    /// Her birthday is coming.
    Birthday {
        /// The day, this year or next.
        on: NaiveDate,
    },
    /// A product of a brand she buys launches.
    Launch {
        /// The new product.
        product_id: String,
        /// Its launch day.
        launch_on: NaiveDate,
    },
    /// A head-office campaign she is a target of, while it runs.
    Campaign {
        /// The campaign.
        campaign_id: String,
        /// Its title.
        title: String,
        /// The suggested message in her language (else English, else any).
        message: Option<String>,
        /// Its last day.
        ends_on: NaiveDate,
    },
    /// Thank her for a purchase that mattered.
    ThankYou {
        /// The purchase day.
        on: NaiveDate,
        /// What she spent that day (cents).
        amount_cents: i64,
        /// The tier the purchase took her to, or `None` for a large first visit.
        new_tier: Option<String>,
    },
}

impl TaskKind {
    /// A short stable name (`replenishment`, `lapsing`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Replenishment { .. } => "replenishment",
            Self::Lapsing { .. } => "lapsing",
            Self::Birthday { .. } => "birthday",
            Self::Launch { .. } => "launch",
            Self::ThankYou { .. } => "thank_you",
            Self::Campaign { .. } => "campaign",
        }
    }
}

/// A task proposed for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Stable across recomputations while the reason holds: kind, customer and what the task
    /// is anchored on (the purchase it follows, the year of the birthday, the product).
    pub id: String,
    /// What and why.
    pub kind: TaskKind,
    /// The day it should be done.
    pub due_on: NaiveDate,
}

/// One customer as the rules see her.
pub struct Customer<'a> {
    /// Her id.
    pub id: &'a str,
    /// Her segment (the visit model may have its own fit).
    pub segment: &'a str,
    /// Her loyalty tier.
    pub tier: &'a str,
    /// Her language (ISO 639-1).
    pub language: &'a str,
    /// `MM-DD`, if she gave it.
    pub birthday: Option<&'a str>,
    /// Her last contact from the store (within the quiet period: no task asks for another).
    pub last_contact: Option<NaiveDate>,
    /// False when she withdrew consent to personalisation: nothing built from her purchases.
    pub personalisation: bool,
    /// Her purchase lines, any order.
    pub history: &'a [HistoryLine],
    /// The products on her wish list.
    pub wishes: &'a [String],
}

/// A product launch in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The product.
    pub product_id: String,
    /// Its brand.
    pub brand_id: String,
    /// Its launch day.
    pub launch_on: NaiveDate,
}

/// The catalogue as the rules read it: each product's brand, and its launches by day.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Brand of each product.
    pub brand_of: HashMap<String, String>,
    /// Launches, by day then product.
    pub launches: Vec<Launch>,
}

impl Catalogue {
    /// From `(product, brand, launch day)` of every product.
    pub fn from_products(
        products: impl IntoIterator<Item = (String, String, Option<NaiveDate>)>,
    ) -> Catalogue {
        let mut out = Catalogue::default();
        for (product_id, brand_id, launch_on) in products {
            if let Some(launch_on) = launch_on {
                out.launches.push(Launch {
                    product_id: product_id.clone(),
                    brand_id: brand_id.clone(),
                    launch_on,
                });
            }
            out.brand_of.insert(product_id, brand_id);
        }
        out.launches
            .sort_by(|a, b| (a.launch_on, &a.product_id).cmp(&(b.launch_on, &b.product_id)));
        out
    }
}

/// The channels a task offers for her, in the order offered (e-mail, SMS, phone): each she
/// gave marketing consent on (`marketing`), when the address or number it needs is on file.
/// None: no task for her.
pub fn channels(has_email: bool, has_phone: bool, marketing: &[Channel]) -> Vec<Channel> {
    [Channel::Email, Channel::Sms, Channel::Phone]
        .into_iter()
        .filter(|&ch| {
            if ch == Channel::Email {
                has_email
            } else {
                has_phone
            }
        })
        .filter(|ch| marketing.contains(ch))
        .collect()
}

/// What every customer's rules share.
pub struct Context<'a> {
    /// The recommendation model (cycles, visit fit); without one, no replenishment or lapsing.
    pub model: Option<&'a Model>,
    /// Brand of each product.
    pub brand_of: &'a HashMap<String, String>,
    /// Launches of the catalogue.
    pub launches: &'a [Launch],
    /// Head office's campaigns in the store's scope.
    pub campaigns: &'a [CampaignRecord],
    /// The day the tasks are for.
    pub today: NaiveDate,
    /// The store's quiet period after a contact, in days.
    pub quiet_period_days: u32,
}

/// The tasks `customer` calls for on `ctx.today`: none while she is in the quiet period after a
/// contact. Replenishment, lapsing and launch tasks read
/// her purchases, so she gets none of them after withdrawing consent to personalisation; a
/// customer due to replenish gets no lapsing task as well (one call says both).
pub fn propose(customer: &Customer<'_>, ctx: &Context<'_>) -> Vec<Proposal> {
    let mut out = Vec::new();
    let quiet = chrono::Days::new(u64::from(ctx.quiet_period_days));
    if customer
        .last_contact
        .is_some_and(|last| last + quiet > ctx.today)
    {
        return out;
    }
    if customer.personalisation {
        if let Some(model) = ctx.model {
            out.extend(replenishment(customer, model, ctx.today));
            if out.is_empty() {
                out.extend(lapsing(customer, model, ctx.today));
            }
        }
        out.extend(launches(customer, ctx));
    }
    // A wish is hers to make, not read from her purchases: it holds without personalisation.
    for wished in wished_launches(customer, ctx) {
        if !out.iter().any(|p| p.id == wished.id) {
            out.push(wished);
        }
    }
    out.extend(birthday(customer, ctx.today));
    out.extend(thank_you(customer, ctx.today));
    out.extend(campaigns(customer, ctx));
    out
}

/// A task per campaign running today that targets her, for today. Targeting brand buyers
/// reads her purchases: not after she withdrew consent to personalisation.
fn campaigns(customer: &Customer<'_>, ctx: &Context<'_>) -> Vec<Proposal> {
    let bought = |brand: &str| {
        customer.personalisation
            && customer
                .history
                .iter()
                .any(|l| !l.gift && ctx.brand_of.get(&l.product_id).is_some_and(|b| b == brand))
    };
    ctx.campaigns
        .iter()
        .filter_map(|c| {
            let (start, end) = crate::campaigns::check(c).ok()?;
            let running = start <= ctx.today && ctx.today <= end;
            let hers =
                crate::campaigns::targets(&c.target, customer.segment, customer.tier, bought);
            (running && hers).then(|| {
                let kind = TaskKind::Campaign {
                    campaign_id: c.id.clone(),
                    title: c.title.clone(),
                    message: crate::campaigns::message_for(c, customer.language).map(str::to_owned),
                    ends_on: end,
                };
                proposal(customer, &c.id, kind, ctx.today)
            })
        })
        .collect()
}

fn proposal(customer: &Customer<'_>, anchor: &str, kind: TaskKind, due_on: NaiveDate) -> Proposal {
    Proposal {
        // Read back by `state::customer_of`.
        id: format!("{}:{}:{anchor}", kind.name(), customer.id),
        kind,
        due_on,
    }
}

fn replenishment(customer: &Customer<'_>, model: &Model, today: NaiveDate) -> Option<Proposal> {
    let due: Vec<_> = due_list(model, customer.history, today, REPLENISH_WINDOW_DAYS)
        .into_iter()
        .filter(|d| d.confidence >= REPLENISH_MIN_CONFIDENCE)
        .collect();
    let first = due.first()?;
    let kind = TaskKind::Replenishment {
        product_id: first.product_id.clone(),
        due_on: first.due_on,
        also_due: u32::try_from(due.len() - 1).unwrap_or(u32::MAX),
    };
    let anchor = format!("{}:{}", first.product_id, first.last_bought);
    let on = first.due_on - Days::new(REPLENISH_LEAD_DAYS);
    Some(proposal(customer, &anchor, kind, on))
}

fn lapsing(customer: &Customer<'_>, model: &Model, today: NaiveDate) -> Option<Proposal> {
    let next = next_visit(model, customer.history, Some(customer.segment), today)?;
    let on = next.expected_on + Days::new(LAPSE_GRACE_DAYS);
    if on > today || !next.winnable || next.p_alive < LAPSE_MIN_P_ALIVE {
        return None;
    }
    let kind = TaskKind::Lapsing {
        last_visit: next.last_visit,
        expected_on: next.expected_on,
    };
    Some(proposal(customer, &next.last_visit.to_string(), kind, on))
}

fn launches(customer: &Customer<'_>, ctx: &Context<'_>) -> Vec<Proposal> {
    let since = ctx
        .today
        .checked_sub_months(Months::new(LAUNCH_BRAND_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    let mut days_by_brand: HashMap<&str, HashSet<NaiveDate>> = HashMap::new();
    for l in customer
        .history
        .iter()
        .filter(|l| !l.gift && l.date >= since && l.date <= ctx.today)
    {
        if let Some(brand) = ctx.brand_of.get(&l.product_id) {
            days_by_brand.entry(brand).or_default().insert(l.date);
        }
    }
    let hers: HashSet<&str> = days_by_brand
        .into_iter()
        .filter(|(_, days)| days.len() >= LAUNCH_BRAND_DAYS)
        .map(|(brand, _)| brand)
        .collect();
    let owned: HashSet<&str> = customer
        .history
        .iter()
        .map(|l| l.product_id.as_str())
        .collect();
    ctx.launches
        .iter()
        .filter(|l| (l.launch_on - ctx.today).num_days().abs() <= LAUNCH_WINDOW_DAYS)
        .filter(|l| hers.contains(l.brand_id.as_str()) && !owned.contains(l.product_id.as_str()))
        .take(MAX_LAUNCHES)
        .map(|l| launch_task(customer, l, ctx.today))
        .collect()
}

/// The task that tells her of launch `l`, due on its day (or today once it passed).
fn launch_task(customer: &Customer<'_>, l: &Launch, today: NaiveDate) -> Proposal {
    let kind = TaskKind::Launch {
        product_id: l.product_id.clone(),
        launch_on: l.launch_on,
    };
    proposal(customer, &l.product_id, kind, l.launch_on.max(today))
}

/// A launch task for each product on her wish list that launches within the window.
fn wished_launches(customer: &Customer<'_>, ctx: &Context<'_>) -> Vec<Proposal> {
    ctx.launches
        .iter()
        .filter(|l| (l.launch_on - ctx.today).num_days().abs() <= LAUNCH_WINDOW_DAYS)
        .filter(|l| customer.wishes.contains(&l.product_id))
        .map(|l| launch_task(customer, l, ctx.today))
        .collect()
}

/// Her birthday's next occurrence on or after `today` (29 February is kept on the 28th in
/// other years).
pub fn next_birthday(birthday: &str, today: NaiveDate) -> Option<NaiveDate> {
    let (month, day) = birthday.split_once('-')?;
    let (month, day): (u32, u32) = (month.parse().ok()?, day.parse().ok()?);
    NaiveDate::from_ymd_opt(2000, month, day)?;
    let in_year = |year| {
        NaiveDate::from_ymd_opt(year, month, day)
            .or_else(|| NaiveDate::from_ymd_opt(year, month, day - 1))
    };
    let this_year = in_year(today.year())?;
    if this_year >= today {
        Some(this_year)
    } else {
        in_year(today.year() + 1)
    }
}

fn birthday(customer: &Customer<'_>, today: NaiveDate) -> Option<Proposal> {
    let on = next_birthday(customer.birthday?, today)?;
    if (on - today).num_days() > BIRTHDAY_AHEAD_DAYS {
        return None;
    }
    Some(proposal(
        customer,
        &on.year().to_string(),
        TaskKind::Birthday { on },
        on,
    ))
}

/// The tier of a 12-month spend, by [`TIER_FLOORS`]; `None` below silver.
fn tier_of(spend_cents: i64) -> Option<&'static str> {
    TIER_FLOORS
        .iter()
        .find(|(floor, _)| spend_cents >= *floor)
        .map(|(_, name)| *name)
}

fn thank_you(customer: &Customer<'_>, today: NaiveDate) -> Option<Proposal> {
    let mut by_day: HashMap<NaiveDate, i64> = HashMap::new();
    for l in customer.history.iter().filter(|l| l.date <= today) {
        *by_day.entry(l.date).or_default() += l.amount_cents;
    }
    let (&on, &amount_cents) = by_day.iter().max_by_key(|(d, _)| **d)?;
    if (today - on).num_days() > THANK_YOU_WITHIN_DAYS {
        return None;
    }
    let new_tier = if by_day.len() == 1 {
        if amount_cents < LARGE_FIRST_VISIT_CENTS {
            return None;
        }
        None
    } else {
        let year_before = on.checked_sub_months(Months::new(12))?;
        let before: i64 = by_day
            .iter()
            .filter(|(d, _)| **d > year_before && **d < on)
            .map(|(_, c)| c)
            .sum();
        let after = tier_of(before + amount_cents);
        if after == tier_of(before) {
            return None;
        }
        Some(after?.to_owned())
    };
    let kind = TaskKind::ThankYou {
        on,
        amount_cents,
        new_tier,
    };
    Some(proposal(customer, &on.to_string(), kind, on + Days::new(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_task_offers_the_consented_channels_it_has_the_details_for_in_order() {
        use Channel::{Email, Phone, Post, Sms};
        assert_eq!(
            channels(true, true, &[Phone, Post, Email, Sms]),
            [Email, Sms, Phone]
        );
        // Without a phone number, neither SMS nor a call; post is never a task's channel.
        assert_eq!(channels(true, false, &[Phone, Sms, Email]), [Email]);
        assert_eq!(channels(false, true, &[Email, Post]), []);
        assert_eq!(channels(true, true, &[]), []);
    }

    #[test]
    fn the_catalogue_keeps_every_brand_and_its_launches_by_day() {
        let c = Catalogue::from_products([
            ("P3".to_owned(), "B1".to_owned(), Some(day("2026-12-01"))),
            ("P1".to_owned(), "B2".to_owned(), None),
            ("P2".to_owned(), "B1".to_owned(), Some(day("2026-11-20"))),
            ("P0".to_owned(), "B3".to_owned(), Some(day("2026-12-01"))),
        ]);
        assert_eq!(c.brand_of.len(), 4);
        assert_eq!(c.brand_of["P1"], "B2");
        let order: Vec<&str> = c.launches.iter().map(|l| l.product_id.as_str()).collect();
        assert_eq!(order, ["P2", "P0", "P3"]);
    }

    fn line(p: &str, d: &str, cents: i64) -> HistoryLine {
        HistoryLine {
            product_id: p.into(),
            date: day(d),
            quantity: 1,
            amount_cents: cents,
            gift: false,
        }
    }

    fn her<'a>(history: &'a [HistoryLine], birthday: Option<&'a str>) -> Customer<'a> {
        Customer {
            id: "C1",
            segment: "skin",
            tier: "gold",
            language: "it",
            birthday,
            last_contact: None,
            personalisation: true,
            history,
            wishes: &[],
        }
    }

    fn kinds(ps: &[Proposal]) -> Vec<&'static str> {
        ps.iter().map(|p| p.kind.name()).collect()
    }

    #[test]
    fn a_birthday_within_a_week_is_a_task_on_the_day_and_the_year_turns() {
        let brands = HashMap::new();
        let ctx = |today| Context {
            model: None,
            brand_of: &brands,
            launches: &[],
            campaigns: &[],
            today: day(today),
            quiet_period_days: 7,
        };
        let history = [line("P1", "2024-01-01", 1_000)];
        let in_a_week = propose(&her(&history, Some("12-03")), &ctx("2026-11-26"));
        assert_eq!(
            in_a_week,
            [Proposal {
                id: "birthday:C1:2026".into(),
                kind: TaskKind::Birthday {
                    on: day("2026-12-03")
                },
                due_on: day("2026-12-03"),
            }]
        );
        assert!(propose(&her(&history, Some("12-03")), &ctx("2026-11-25")).is_empty());
        // Across New Year, and 29 February in a common year.
        let jan = propose(&her(&history, Some("01-02")), &ctx("2026-12-30"));
        assert_eq!(jan[0].id, "birthday:C1:2027");
        assert_eq!(
            next_birthday("02-29", day("2027-02-20")),
            Some(day("2027-02-28"))
        );
        assert_eq!(
            next_birthday("02-29", day("2028-02-20")),
            Some(day("2028-02-29"))
        );
        assert_eq!(next_birthday("13-01", day("2028-02-20")), None);
        assert_eq!(next_birthday("whenever", day("2028-02-20")), None);
    }

    #[test]
    fn a_large_first_visit_or_a_new_tier_earns_a_thank_you_and_nothing_else_does() {
        let brands = HashMap::new();
        let ctx = Context {
            model: None,
            brand_of: &brands,
            launches: &[],
            campaigns: &[],
            today: day("2026-11-30"),
            quiet_period_days: 7,
        };
        let first = [
            line("P1", "2026-11-28", 6_000),
            line("P2", "2026-11-28", 5_000),
        ];
        let ps = propose(&her(&first, None), &ctx);
        assert_eq!(
            ps[0].kind,
            TaskKind::ThankYou {
                on: day("2026-11-28"),
                amount_cents: 11_000,
                new_tier: None
            }
        );
        assert_eq!(ps[0].due_on, day("2026-11-29"));
        let small_first = [line("P1", "2026-11-28", 6_000)];
        assert!(propose(&her(&small_first, None), &ctx).is_empty());
        // 150 € this year, then 60 €: silver.
        let up = [
            line("P1", "2026-03-01", 15_000),
            line("P2", "2026-11-27", 6_000),
        ];
        let ps = propose(&her(&up, None), &ctx);
        assert_eq!(kinds(&ps), ["thank_you"]);
        assert!(
            matches!(&ps[0].kind, TaskKind::ThankYou { new_tier: Some(t), .. } if t == "silver")
        );
        // The same 150 € fourteen months ago no longer counts: no new tier, no task.
        let old = [
            line("P1", "2025-09-01", 15_000),
            line("P2", "2026-11-27", 6_000),
        ];
        assert!(propose(&her(&old, None), &ctx).is_empty());
        // A week and a day later is too late.
        let late = [line("P1", "2026-11-22", 60_000)];
        assert!(propose(&her(&late, None), &ctx).is_empty());
    }

    #[test]
    fn a_launch_of_a_brand_she_buys_is_a_task_unless_she_withdrew_personalisation() {
        let brands: HashMap<String, String> =
            [("P1", "B1"), ("P2", "B2"), ("N1", "B1"), ("N2", "B2")]
                .into_iter()
                .map(|(p, b)| (p.to_owned(), b.to_owned()))
                .collect();
        let launches = [
            Launch {
                product_id: "N1".into(),
                brand_id: "B1".into(),
                launch_on: day("2026-12-10"),
            },
            Launch {
                product_id: "N2".into(),
                brand_id: "B2".into(),
                launch_on: day("2026-12-10"),
            },
        ];
        let ctx = Context {
            model: None,
            brand_of: &brands,
            launches: &launches,
            campaigns: &[],
            today: day("2026-11-30"),
            quiet_period_days: 7,
        };
        let mut gift = line("P2", "2026-05-01", 2_000);
        gift.gift = true;
        let mut history = vec![line("P1", "2026-05-01", 2_000), gift.clone()];
        // Bought once, the brand is not hers yet.
        assert!(propose(&her(&history, None), &ctx).is_empty());
        history.push(line("P1", "2026-08-01", 2_000));
        history.push(gift);
        let ps = propose(&her(&history, None), &ctx);
        assert_eq!(
            ps,
            [Proposal {
                id: "launch:C1:N1".into(),
                kind: TaskKind::Launch {
                    product_id: "N1".into(),
                    launch_on: day("2026-12-10")
                },
                due_on: day("2026-12-10"),
            }],
            "a brand she only gave as a gift, on two days, is not hers"
        );
        let withdrawn = Customer {
            personalisation: false,
            ..her(&history, None)
        };
        assert!(propose(&withdrawn, &ctx).is_empty());
        let far = Context {
            today: day("2026-10-01"),
            quiet_period_days: 7,
            ..ctx
        };
        assert!(propose(&her(&history, None), &far).is_empty());
        // A product on her wish list: its launch is a task, whatever she bought, even after
        // she withdrew personalisation (she asked); one task when both rules call for it.
        let wishes = ["N2".to_owned(), "N1".to_owned()];
        let wishing = Customer {
            wishes: &wishes,
            ..withdrawn
        };
        let ids: Vec<String> = propose(&wishing, &ctx).into_iter().map(|p| p.id).collect();
        assert_eq!(ids, ["launch:C1:N1", "launch:C1:N2"]);
        let both = Customer {
            wishes: &wishes,
            ..her(&history, None)
        };
        let ids: Vec<String> = propose(&both, &ctx).into_iter().map(|p| p.id).collect();
        assert_eq!(ids, ["launch:C1:N1", "launch:C1:N2"]);
        let wished_far = Customer {
            wishes: &wishes,
            ..her(&history, None)
        };
        assert!(
            propose(&wished_far, &far).is_empty(),
            "not before the window"
        );
    }

    #[test]
    fn a_running_campaign_makes_a_task_for_its_targets_in_their_language() {
        let brands: HashMap<String, String> = [("P1".to_owned(), "B1".to_owned())].into();
        let campaign = |id: &str, target| CampaignRecord {
            id: id.into(),
            title: "Gift sets".into(),
            starts_on: "2026-12-01".into(),
            ends_on: "2026-12-24".into(),
            target,
            messages: [
                ("fr".to_owned(), "Bonjour".to_owned()),
                ("it".to_owned(), "Buongiorno".to_owned()),
            ]
            .into(),
            product_ids: vec![],
            stores: vec![],
        };
        use carnet_protocol::CampaignTarget as T;
        let campaigns = [
            campaign(
                "GOLD",
                T::Tier {
                    tier: "gold".into(),
                },
            ),
            campaign(
                "SILVER",
                T::Tier {
                    tier: "silver".into(),
                },
            ),
            campaign(
                "B1",
                T::BrandBuyers {
                    brand_id: "B1".into(),
                },
            ),
            campaign(
                "SEG",
                T::Segment {
                    segment: "scent".into(),
                },
            ),
        ];
        let ctx = |today| Context {
            model: None,
            brand_of: &brands,
            launches: &[],
            campaigns: &campaigns,
            today: day(today),
            quiet_period_days: 7,
        };
        let history = [line("P1", "2026-05-01", 2_000)];
        let ps = propose(&her(&history, None), &ctx("2026-12-10"));
        let ids: Vec<&str> = ps.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["campaign:C1:GOLD", "campaign:C1:B1"]);
        assert_eq!(
            ps[0].kind,
            TaskKind::Campaign {
                campaign_id: "GOLD".into(),
                title: "Gift sets".into(),
                message: Some("Buongiorno".into()),
                ends_on: day("2026-12-24"),
            }
        );
        assert_eq!(ps[0].due_on, day("2026-12-10"));
        // Before it starts and after it ends: nothing.
        assert!(propose(&her(&history, None), &ctx("2026-11-30")).is_empty());
        assert!(propose(&her(&history, None), &ctx("2026-12-25")).is_empty());
        // Brand buyers are found from her purchases: not after she withdrew personalisation.
        let withdrawn = Customer {
            personalisation: false,
            ..her(&history, None)
        };
        let ids: Vec<String> = propose(&withdrawn, &ctx("2026-12-10"))
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, ["campaign:C1:GOLD"]);
    }
}
