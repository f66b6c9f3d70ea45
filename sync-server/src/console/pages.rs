//! The console's pages as HTML (maud): plain forms that work without JavaScript, one style
//! sheet served by the binary, inline SVG for pictures. Every value is escaped by maud.

use carnet_core::formatting::Formatting;
use carnet_core::money::{Currency, Money};
use carnet_protocol::Customer;
use carnet_protocol::presence::{AdvisorInfo, DeviceInfo, EnrollmentCode};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::accounts::Language;
use super::dashboard::{Compared, Dashboard, Week};
use super::sessions::Session;
use super::texts::{self, Texts};

/// The style sheet, light and dark after the browser's preference.
pub const STYLE: &str = include_str!("style.css");

/// What a page's frame needs: her session (none before sign-in) and the store she is in.
pub struct Frame<'a> {
    pub language: Language,
    pub session: Option<&'a Session>,
    pub store: Option<&'a str>,
}

impl Frame<'_> {
    fn texts(&self) -> &'static Texts {
        texts::of(self.language)
    }

    /// Money and times as the manager reads them.
    fn formatting(&self) -> Formatting {
        Formatting::new(self.language.locale())
    }

    /// A whole page titled `title` around `body`.
    pub fn page(&self, title: &str, body: Markup) -> Markup {
        let t = self.texts();
        html! {
            (DOCTYPE)
            html lang=(self.language.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · " (t.title) }
                    link rel="stylesheet" href="/console/style.css";
                }
                body {
                    header {
                        span.brand { "Carnet" }
                        @if let Some(session) = self.session {
                            nav {
                                @if session.account.store_id.is_none() {
                                    a href="/console/stores" { (t.stores) }
                                }
                                @if let Some(store) = self.store {
                                    a href=(format!("/console/stores/{store}/dashboard")) { (t.dashboard) }
                                    a href=(format!("/console/stores/{store}/results")) { (t.results) }
                                    a href=(format!("/console/stores/{store}/customers")) { (t.customers) }
                                    a href=(format!("/console/stores/{store}/duplicates")) { (t.duplicates) }
                                    a href=(format!("/console/stores/{store}/devices")) { (t.devices) }
                                    a href=(format!("/console/stores/{store}/advisors")) { (t.advisors) }
                                }
                            }
                            span.who { (session.account.name) }
                            form.inline method="post" action="/console/language" {
                                (self.csrf())
                                label { (t.language) " "
                                    select name="language" {
                                        option value="en" selected[self.language == Language::English] { "English" }
                                        option value="fr" selected[self.language == Language::French] { "Français" }
                                    }
                                }
                                button { (t.save) }
                            }
                            form.inline method="post" action="/console/sign-out" {
                                (self.csrf())
                                button { (t.sign_out) }
                            }
                        }
                    }
                    main {
                        h1 { (title) }
                        (body)
                    }
                }
            }
        }
    }

    /// The hidden field that carries the session's CSRF token (none before sign-in, where
    /// the only form is the sign-in's).
    fn csrf(&self) -> Markup {
        html! {
            @if let Some(session) = self.session {
                input type="hidden" name="csrf" value=(session.csrf);
            }
        }
    }

    /// A page that only says `message`.
    pub fn message(&self, title: &str, message: &str) -> Markup {
        self.page(title, html! { p.notice { (message) } })
    }
}

/// The sign-in form, with why the last attempt failed.
pub fn sign_in(language: Language, refusal: Option<&str>) -> Markup {
    let t = texts::of(language);
    let frame = Frame {
        language,
        session: None,
        store: None,
    };
    frame.page(
        t.sign_in,
        html! {
            @if let Some(why) = refusal { p.error role="alert" { (why) } }
            form.stacked method="post" action="/console/sign-in" {
                label { (t.account) input name="account" autocomplete="username" required; }
                label { (t.password) input type="password" name="password" autocomplete="current-password" required; }
                label { (t.totp_code) input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"; }
                small { (t.totp_hint) }
                button { (t.sign_in) }
            }
        },
    )
}

/// Head office's list of stores.
pub fn stores(frame: &Frame<'_>, stores: &[(String, String)]) -> Markup {
    let t = frame.texts();
    frame.page(
        t.stores,
        html! {
            ul.stores {
                @for (id, name) in stores {
                    li { a href=(format!("/console/stores/{id}/devices")) { (id) " · " (name) } }
                }
            }
        },
    )
}

/// A device's lease, as the server last granted it.
pub enum Lease {
    /// It holds one until then (RFC 3339).
    Until(String),
    /// Its last one ran out: it is locked until its next presence check on the store network.
    Expired,
    /// Revoked or wiped: none will be granted.
    None,
}

/// The store's devices, with the buttons that act on each.
pub fn devices(frame: &Frame<'_>, store: &str, devices: &[DeviceInfo], leases: &[Lease]) -> Markup {
    let t = frame.texts();
    let f = frame.formatting();
    frame.page(
        t.devices,
        html! {
            form method="post" action=(format!("/console/stores/{store}/devices/enrol")) {
                (frame.csrf())
                button.primary { (t.enrol) }
            }
            @if devices.is_empty() {
                p.notice { (t.no_devices) }
            } @else {
                table {
                    thead { tr {
                        th { (t.device) } th { (t.label) } th { (t.app_version) }
                        th { (t.last_seen) } th { (t.sync_lag) } th { (t.lease) } th { (t.state) } th {}
                    } }
                    tbody {
                        @for (d, lease) in devices.iter().zip(leases) {
                            tr data-device=(d.device_id) {
                                td { code { (d.device_id) } }
                                td { (d.label) }
                                td { (d.app_version.as_deref().unwrap_or("–")) }
                                td { (d.last_seen_at.as_deref().map_or_else(|| t.never.to_owned(), |at| when(&f, at))) }
                                td { (d.sync_lag_secs.map_or_else(|| t.never.to_owned(), lag)) }
                                td.lease {
                                    @match lease {
                                        Lease::Until(at) => { (t.lease_until) " " (when(&f, at)) }
                                        Lease::Expired => { (t.lease_expired) }
                                        Lease::None => { "–" }
                                    }
                                }
                                td.state { (state_text(t, &d.state)) }
                                td {
                                    @if d.state == "active" {
                                        a.button href=(format!("/console/stores/{store}/devices/{}/revoke", d.device_id)) { (t.revoke) }
                                        " "
                                        a.button href=(format!("/console/stores/{store}/devices/{}/wipe", d.device_id)) { (t.wipe) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn state_text(t: &Texts, state: &str) -> &'static str {
    match state {
        "revoked" => t.revoked,
        "wipe_ordered" => t.wipe_ordered,
        _ => t.active,
    }
}

/// A sync lag for people: seconds, minutes, hours or days.
fn lag(secs: i64) -> String {
    if secs < 120 {
        format!("{secs} s")
    } else if secs < 7200 {
        format!("{} min", secs / 60)
    } else if secs < 172_800 {
        format!("{} h", secs / 3600)
    } else {
        format!("{} d", secs / 86_400)
    }
}

/// An RFC 3339 time for people, to the minute, in UTC: `2 Dec 2026, 07:23 UTC`.
fn when(f: &Formatting, text: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => format!("{} UTC", f.day_and_time(t.naive_utc())),
        Err(_) => text.to_owned(),
    }
}

/// A fresh enrolment code as a QR code the handheld scans, and as text.
pub fn enrolment(frame: &Frame<'_>, store: &str, code: &EnrollmentCode, qr_svg: &str) -> Markup {
    let t = frame.texts();
    let f = frame.formatting();
    frame.page(
        t.enrol_title,
        html! {
            p { (t.enrol_hint) }
            figure.qr { (PreEscaped(qr_svg)) }
            dl {
                dt { (t.code) } dd { code #enrolment-code { (code.code) } }
                dt { (t.expires) } dd { (when(&f, &code.expires_at)) }
            }
            a href=(format!("/console/stores/{store}/devices")) { (t.devices) }
        },
    )
}

/// Asks before an order that cannot be undone (revoke, wipe): the form posts it.
pub fn confirm(frame: &Frame<'_>, title: &str, question: &str, action: &str, back: &str) -> Markup {
    let t = frame.texts();
    frame.page(
        title,
        html! {
            p { (question) }
            form.inline method="post" action=(action) {
                (frame.csrf())
                button.danger { (title) }
            }
            " "
            a.button href=(back) { (t.cancel) }
        },
    )
}

/// The store's advisors with their last sign-in: add one, and disable, unlock, give a new PIN
/// to each or hand her client book over.
pub fn advisors(
    frame: &Frame<'_>,
    store: &str,
    advisors: &[AdvisorInfo],
    last_sign_ins: &std::collections::HashMap<String, String>,
) -> Markup {
    let t = frame.texts();
    let f = frame.formatting();
    let base = format!("/console/stores/{store}/advisors");
    frame.page(
        t.advisors,
        html! {
            table {
                thead { tr {
                    th { (t.advisor_id) } th { (t.name) } th { (t.last_sign_in) } th { (t.failures) } th { (t.state) } th {}
                } }
                tbody {
                    @for a in advisors {
                        tr data-advisor=(a.advisor_id) {
                            td { code { (a.advisor_id) } }
                            td { (a.name) }
                            td.last-sign-in { (last_sign_ins.get(&a.advisor_id).map_or_else(|| t.never.to_owned(), |at| when(&f, at))) }
                            td { (a.failed_attempts) }
                            td.state {
                                @if a.disabled { (t.disabled) }
                                @else if a.locked || !a.locked_on_devices.is_empty() { (t.locked_out) }
                                @else { (t.active) }
                            }
                            td {
                                @if !a.disabled {
                                    form.inline method="post" action=(format!("{base}/{}/disable", a.advisor_id)) {
                                        (frame.csrf()) button { (t.disable) }
                                    }
                                    form.inline method="post" action=(format!("{base}/{}/unlock", a.advisor_id)) {
                                        (frame.csrf()) button { (t.unlock) }
                                    }
                                    form.inline method="post" action=(format!("{base}/{}/reset", a.advisor_id)) {
                                        (frame.csrf())
                                        input type="password" name="pin" inputmode="numeric" placeholder=(t.new_pin) aria-label=(t.new_pin) required;
                                        button { (t.reset_pin) }
                                    }
                                    form.inline method="post" action=(format!("{base}/{}/book", a.advisor_id)) {
                                        (frame.csrf())
                                        select name="to" aria-label=(t.hand_over) {
                                            @for other in advisors.iter().filter(|o| o.advisor_id != a.advisor_id && !o.disabled) {
                                                option value=(other.advisor_id) { (other.name) }
                                            }
                                        }
                                        button { (t.hand_over_button) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (t.add_advisor) }
            form.stacked method="post" action=(base) {
                (frame.csrf())
                label { (t.advisor_id) input name="advisor_id" required; }
                label { (t.name) input name="name" required; }
                label { (t.pin) input type="password" name="pin" inputmode="numeric" required; }
                button.primary { (t.add_advisor) }
            }
        },
    )
}

/// The search form, and what it found.
pub fn customers(
    frame: &Frame<'_>,
    store: &str,
    query: Option<&str>,
    found: &[Customer],
) -> Markup {
    let t = frame.texts();
    frame.page(
        t.customers,
        html! {
            form.inline method="post" action=(format!("/console/stores/{store}/customers")) {
                (frame.csrf())
                input name="q" value=(query.unwrap_or("")) aria-label=(t.find) required autofocus;
                button.primary { (t.find) }
            }
            p { small { (t.find_hint) } }
            @if query.is_some() && found.is_empty() { p.notice { (t.no_customer) } }
            @if !found.is_empty() {
                table {
                    thead { tr { th { (t.name) } th { (t.postal_code) } th { (t.card_number) } th { (t.tier) } } }
                    tbody {
                        @for c in found {
                            tr data-customer=(c.id) {
                                td { a href=(format!("/console/stores/{store}/customers/{}", c.id)) { (c.first_name) " " (c.last_name) } }
                                td { (c.address.postal_code) }
                                td { code { (c.card) } }
                                td { (c.tier) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A customer: who she is, who viewed her card, her access export and her erasure.
pub fn customer(
    frame: &Frame<'_>,
    store: &str,
    c: &Customer,
    views: &[crate::customers::View],
) -> Markup {
    let t = frame.texts();
    let f = frame.formatting();
    let base = format!("/console/stores/{store}/customers/{}", c.id);
    frame.page(
        &format!("{} {}", c.first_name, c.last_name),
        html! {
            dl {
                dt { (t.card_number) } dd { code { (c.card) } }
                dt { (t.tier) } dd { (c.tier) " · " (c.points) " pts" }
                dt { (t.postal_code) } dd { (c.address.postal_code) " " (c.address.city) }
            }
            h2 { (t.viewed) }
            @if views.is_empty() {
                p.notice { (t.no_views) }
            } @else {
                table #views {
                    thead { tr { th { (t.viewed_at) } th { (t.device) } th { (t.advisor) } } }
                    tbody {
                        @for v in views {
                            tr {
                                td { (when(&f, &v.viewed_at)) }
                                td { (v.device_label.as_deref().unwrap_or(&v.device_id)) }
                                td { (v.advisor_id.as_deref().unwrap_or("–")) }
                            }
                        }
                    }
                }
            }
            p {
                form.inline method="post" action=(format!("{base}/export")) {
                    (frame.csrf()) button { (t.access_export) }
                }
                " "
                a.button href=(format!("{base}/erase")) { (t.erase) }
            }
        },
    )
}

/// A pair the duplicate review shows.
pub struct Pair {
    pub keep: Customer,
    pub duplicate: Customer,
    pub score: f64,
    pub reasons: Vec<&'static str>,
}

/// The store's likely duplicates, each with merge and "not the same person": the best of the
/// `pending` pairs.
pub fn duplicates(frame: &Frame<'_>, store: &str, pairs: &[Pair], pending: usize) -> Markup {
    let t = frame.texts();
    let base = format!("/console/stores/{store}/duplicates");
    let who = |c: &Customer| {
        format!(
            "{} {} · {}, {} {} · {}",
            c.first_name,
            c.last_name,
            c.address.line1,
            c.address.postal_code,
            c.address.city,
            c.email.as_deref().unwrap_or("–")
        )
    };
    let reason = |code: &str| match code {
        "name" => t.reason_name,
        "postal_code" => t.reason_postal_code,
        "address" => t.reason_address,
        "email" => t.reason_email,
        "phone" => t.reason_phone,
        _ => "?",
    };
    frame.page(
        t.duplicates,
        html! {
            p { (t.duplicates_hint) }
            @if pairs.is_empty() { p.notice { (t.no_pairs) } }
            @else { p.notice #pending { (pairs.len()) " / " (pending) " " (t.pairs_shown) } }
            @for p in pairs {
                section.pair data-keep=(p.keep.id) data-duplicate=(p.duplicate.id) {
                    p { strong { (who(&p.keep)) } br; (who(&p.duplicate)) }
                    p { small { (t.score) " " (format!("{:.2}", p.score)) " · " (t.agrees) ": " (p.reasons.iter().map(|r| reason(r)).collect::<Vec<_>>().join(", ")) } }
                    @for (action, label, class) in [("merge", t.merge, "primary"), ("not-the-same", t.not_same, "")] {
                        form.inline method="post" action=(format!("{base}/{action}")) {
                            (frame.csrf())
                            input type="hidden" name="keep" value=(p.keep.id);
                            input type="hidden" name="duplicate" value=(p.duplicate.id);
                            button class=(class) { (label) }
                        }
                    }
                }
            }
        },
    )
}

/// Each advisor's month: tasks, customers reached, the sales attributed to her (with a bar),
/// her book and its active share; the store's group tasks.
pub fn results(
    frame: &Frame<'_>,
    store: &str,
    r: &carnet_protocol::presence::StoreResults,
    first: chrono::NaiveDate,
) -> Markup {
    let t = frame.texts();
    let f = frame.formatting();
    let currency = Currency::parse(&r.currency).unwrap_or(Currency::EUR);
    let base = format!("/console/stores/{store}/results");
    let month = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m").to_string());
    let previous = month(first.checked_sub_months(chrono::Months::new(1)));
    let next = month(first.checked_add_months(chrono::Months::new(1)));
    let largest = r
        .advisors
        .iter()
        .map(|a| a.attributed_cents)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    frame.page(
        &format!("{} · {}", t.results, r.month),
        html! {
            nav.measures {
                @if let Some(m) = previous { a href=(format!("{base}?month={m}")) { (t.previous_month) } }
                @if let Some(m) = next { a href=(format!("{base}?month={m}")) { (t.next_month) } }
            }
            table #results {
                thead { tr {
                    th { (t.advisor) } th { (t.tasks_done) } th { (t.reached) } th { (t.attributed) }
                    th { (t.attributed_receipts) } th { (t.book) } th { (t.tasks_open) }
                } }
                tbody {
                    @for a in &r.advisors {
                        tr data-advisor=(a.advisor_id) data-attributed-cents=(a.attributed_cents) {
                            td { (a.name.as_deref().unwrap_or(&a.advisor_id)) }
                            td { (a.tasks_done) }
                            td { (a.customers_reached) }
                            td {
                                svg.inline-bar width="120" height="10" role="img" {
                                    rect.now x="0" y="1" height="8" rx="2"
                                        width=(format!("{:.0}", a.attributed_cents.max(0) as f64 / largest * 120.0)) {}
                                }
                                " " (money(&f, a.attributed_cents, currency))
                            }
                            td { (a.attributed_receipts) }
                            td { (a.book_active) " / " (a.book_size) }
                            td { (a.tasks_open) }
                        }
                    }
                }
            }
            p { (t.group_tasks_open) ": " strong #group-tasks { (r.group_tasks_open) } }
            p { small { (t.attribution_rule) } }
        },
    )
}

/// What the heat map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    #[default]
    Revenue,
    Receipts,
    Basket,
}

/// An amount in `currency`'s minor unit as the manager reads money: `€1,234.50`,
/// `1 234,50 €`, `£85.00`.
fn money(f: &Formatting, minor: i64, currency: Currency) -> String {
    f.money(Money { minor, currency })
}

/// The share of the largest value a cell's colour shows.
fn shade(value: f64, largest: f64) -> String {
    let share = if largest > 0.0 { value / largest } else { 0.0 };
    format!("{:.3}", 0.06 + 0.94 * share.clamp(0.0, 1.0))
}

const LABEL_WIDTH: usize = 48;
const CELL_WIDTH: usize = 30;
const CELL_HEIGHT: usize = 24;

/// The hours a week grid shows: those with any value, or the working day.
fn open_hours(values: &Week<f64>) -> std::ops::RangeInclusive<usize> {
    let open: Vec<usize> = (0..24)
        .filter(|h| values.iter().any(|day| day[*h] > 0.0))
        .collect();
    match (open.first(), open.last()) {
        (Some(first), Some(last)) => *first..=*last,
        _ => 9..=19,
    }
}

/// A week of hours as a grid of shaded cells; `cell` gives each its title and data attributes.
fn week_grid(
    t: &Texts,
    values: &Week<f64>,
    hours: std::ops::RangeInclusive<usize>,
    marked: Option<(usize, usize)>,
    cell: impl Fn(usize, usize) -> (String, Markup),
) -> Markup {
    let largest = values.iter().flatten().copied().fold(0.0, f64::max);
    let columns = hours.clone().count();
    let width = LABEL_WIDTH + columns * CELL_WIDTH;
    let height = 20 + 7 * CELL_HEIGHT;
    html! {
        svg.week viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height) role="img" {
            @for (column, hour) in hours.clone().enumerate() {
                text.axis x=(LABEL_WIDTH + column * CELL_WIDTH + CELL_WIDTH / 2) y="13" text-anchor="middle" { (hour) }
            }
            @for (weekday, name) in t.weekdays.iter().enumerate() {
                text.axis x="0" y=(20 + weekday * CELL_HEIGHT + 16) { (name) }
                @for (column, hour) in hours.clone().enumerate() {
                    @let (title, data) = cell(weekday, hour);
                    g.cell data-weekday=(weekday) data-hour=(hour) {
                        rect x=(LABEL_WIDTH + column * CELL_WIDTH) y=(20 + weekday * CELL_HEIGHT)
                            width=(CELL_WIDTH - 2) height=(CELL_HEIGHT - 2) rx="3"
                            fill-opacity=(shade(values[weekday][hour], largest))
                            class=(if marked == Some((weekday, hour)) { "heat busiest" } else { "heat" }) {
                            title { (title) }
                        }
                        (data)
                    }
                }
            }
        }
    }
}

/// This month against the same days last year, as pairs of bars.
fn compared_bars(t: &Texts, f: &Formatting, currency: Currency, rows: &[Compared]) -> Markup {
    let largest = rows
        .iter()
        .map(|r| r.this_year.max(r.last_year))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (label, bars) = (150usize, 360usize);
    let height = rows.len() * 34 + 8;
    let bar = |cents: i64| (cents as f64 / largest * bars as f64).round() as usize;
    html! {
        svg.bars viewBox=(format!("0 0 {} {height}", label + bars + 110)) width=(label + bars + 110) height=(height) role="img" {
            @for (i, row) in rows.iter().enumerate() {
                g.compared data-name=(row.name) data-this-year=(row.this_year) data-last-year=(row.last_year) {
                    text.axis x="0" y=(i * 34 + 20) { (row.name) }
                    rect.now x=(label) y=(i * 34 + 6) width=(bar(row.this_year)) height="12" rx="2" {
                        title { (t.this_month) ": " (money(f, row.this_year, currency)) }
                    }
                    rect.before x=(label) y=(i * 34 + 19) width=(bar(row.last_year)) height="8" rx="2" {
                        title { (t.a_year_before) ": " (money(f, row.last_year, currency)) }
                    }
                    text.value x=(label + bars + 8) y=(i * 34 + 17) { (money(f, row.this_year, currency)) }
                    text.axis x=(label + bars + 8) y=(i * 34 + 29) { (money(f, row.last_year, currency)) }
                }
            }
        }
    }
}

/// The customers' postal codes as tiles, shaded by revenue.
fn area_tiles(f: &Formatting, currency: Currency, areas: &[(String, i64)]) -> Markup {
    let largest = areas.first().map_or(1, |a| a.1.max(1)) as f64;
    let (columns, w, h) = (6usize, 104usize, 56usize);
    let rows = areas.len().div_ceil(columns).max(1);
    html! {
        svg.areas viewBox=(format!("0 0 {} {}", columns * w, rows * h)) width=(columns * w) height=(rows * h) role="img" {
            @for (i, (code, cents)) in areas.iter().enumerate() {
                g.area data-postal=(code) data-cents=(cents) {
                    rect.heat x=(i % columns * w) y=(i / columns * h) width=(w - 4) height=(h - 4) rx="4"
                        fill-opacity=(shade(*cents as f64, largest)) {}
                    text.tile x=(i % columns * w + 8) y=(i / columns * h + 22) { (code) }
                    text.tile x=(i % columns * w + 8) y=(i / columns * h + 42) { (money(f, *cents, currency)) }
                }
            }
        }
    }
}

/// The store's dashboard.
pub fn dashboard(
    frame: &Frame<'_>,
    store: &str,
    d: Option<&Dashboard>,
    measure: Measure,
) -> Markup {
    let t = frame.texts();
    let f = frame.formatting();
    let Some(d) = d else {
        return frame.message(t.dashboard, t.no_sales);
    };
    let value = |w: usize, h: usize| {
        let c = d.heat[w][h];
        match measure {
            Measure::Revenue => c.cents as f64,
            Measure::Receipts => f64::from(c.receipts),
            Measure::Basket if c.receipts > 0 => c.cents as f64 / f64::from(c.receipts),
            Measure::Basket => 0.0,
        }
    };
    let mut values = [[0.0; 24]; 7];
    for (w, day) in values.iter_mut().enumerate() {
        for (h, v) in day.iter_mut().enumerate() {
            *v = value(w, h);
        }
    }
    let hours = open_hours(&values);
    let (bw, bh) = d.busiest;
    let base = format!("/console/stores/{store}/dashboard");
    let b = d.backtest;
    let percent = |x: f64| format!("{:.0} %", x * 100.0);
    frame.page(
        t.dashboard,
        html! {
            p.notice { (t.as_of) ": " time #as-of { (d.as_of) } }
            h2 { (t.when_it_sells) }
            nav.measures {
                @for (m, name, key) in [(Measure::Revenue, t.revenue, "revenue"), (Measure::Receipts, t.receipts, "receipts"), (Measure::Basket, t.basket, "basket")] {
                    @if m == measure { strong { (name) } } @else { a href=(format!("{base}?show={key}")) { (name) } }
                }
            }
            (week_grid(t, &values, hours.clone(), Some(d.busiest), |w, h| {
                let c = d.heat[w][h];
                let title = format!("{} {h}:00 · {} · {} {}", t.weekdays[w], money(&f, c.cents, d.currency), c.receipts, t.receipts);
                (title, html! { desc data-cents=(c.cents) data-receipts=(c.receipts) {} })
            }))
            p #busiest { (t.busiest) ": " (t.weekdays[bw]) " " (bh) ":00 · " (money(&f, d.heat[bw][bh].cents, d.currency)) }
            h2 { (t.next_week) }
            (week_grid(t, &d.forecast, hours, None, |w, h| {
                let e = d.forecast[w][h];
                (format!("{} {h}:00 · {e:.1} {}", t.weekdays[w], t.receipts), html! { desc data-expected=(format!("{e:.2}")) {} })
            }))
            p { (t.forecast_method) }
            p #forecast-error {
                (t.forecast_error) ": " (format!("{:.1}", b.mae)) " " (t.per_hour) " (WAPE " (percent(b.wape)) "); "
                (t.naive_error) " " (percent(b.naive_wape)) "."
            }
            h2 { (t.where_they_live) }
            (area_tiles(&f, d.currency, &d.areas))
            h2 { (t.categories) }
            p.legend { span.now { "■" } " " (t.this_month) "  " span.before { "■" } " " (t.a_year_before) }
            (compared_bars(t, &f, d.currency, &d.categories))
            h2 { (t.brands) }
            (compared_bars(t, &f, d.currency, &d.brands))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lags_read_in_the_largest_whole_unit() {
        assert_eq!(lag(42), "42 s");
        assert_eq!(lag(600), "10 min");
        assert_eq!(lag(3 * 3600 + 5), "3 h");
        assert_eq!(lag(3 * 86_400), "3 d");
    }

    #[test]
    fn times_read_to_the_minute_in_utc() {
        let (en, fr) = (
            Formatting::new(Language::English.locale()),
            Formatting::new(Language::French.locale()),
        );
        assert_eq!(
            when(&en, "2026-12-02T07:23:51.970363Z"),
            "2 Dec 2026, 07:23 UTC"
        );
        assert_eq!(
            when(&fr, "2026-12-02T08:23:51+01:00"),
            "2 déc. 2026, 07:23 UTC"
        );
        assert_eq!(when(&en, "not a time"), "not a time");
    }

    #[test]
    fn money_reads_in_the_manager_s_language_and_the_store_s_currency()
    -> Result<(), carnet_core::money::MoneyError> {
        let (en, fr) = (
            Formatting::new(Language::English.locale()),
            Formatting::new(Language::French.locale()),
        );
        let pound = Currency::parse("GBP")?;
        assert_eq!(money(&en, 123_450, Currency::EUR), "€1,234.50");
        assert_eq!(money(&fr, 123_449, Currency::EUR), "1\u{202f}234,49\u{a0}€");
        assert_eq!(money(&en, -5_000, pound), "-£50.00");
        assert_eq!(money(&fr, 0, Currency::parse("JPY")?), "0\u{a0}JP¥");
        Ok(())
    }

    #[test]
    fn values_are_escaped() {
        let page = sign_in(Language::English, Some("<script>alert(1)</script>")).into_string();
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
    }
}
