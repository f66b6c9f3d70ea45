//! The console's pages as HTML (maud): plain forms that work without JavaScript, one style
//! sheet served by the binary, inline SVG for pictures. Every value is escaped by maud.

use carnet_protocol::presence::{AdvisorInfo, DeviceInfo, EnrollmentCode};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::accounts::Language;
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
                                    a href=(format!("/console/stores/{store}/devices")) { (t.devices) }
                                    a href=(format!("/console/stores/{store}/advisors")) { (t.advisors) }
                                }
                            }
                            span.who { (session.account.name) }
                            form.inline method="post" action="/console/language" {
                                (csrf(session))
                                label { (t.language) " "
                                    select name="language" {
                                        option value="en" selected[self.language == Language::English] { "English" }
                                        option value="fr" selected[self.language == Language::French] { "Français" }
                                    }
                                }
                                button { (t.save) }
                            }
                            form.inline method="post" action="/console/sign-out" {
                                (csrf(session))
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

    /// A page that only says `message`.
    pub fn message(&self, title: &str, message: &str) -> Markup {
        self.page(title, html! { p.notice { (message) } })
    }
}

/// The hidden field that carries the session's CSRF token.
fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
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

/// The store's devices, with the buttons that act on each.
pub fn devices(frame: &Frame<'_>, store: &str, devices: &[DeviceInfo]) -> Markup {
    let t = frame.texts();
    let Some(session) = frame.session else {
        return frame.message(t.devices, t.not_found);
    };
    frame.page(
        t.devices,
        html! {
            form method="post" action=(format!("/console/stores/{store}/devices/enrol")) {
                (csrf(session))
                button.primary { (t.enrol) }
            }
            @if devices.is_empty() {
                p.notice { (t.no_devices) }
            } @else {
                table {
                    thead { tr {
                        th { (t.device) } th { (t.label) } th { (t.app_version) }
                        th { (t.last_seen) } th { (t.sync_lag) } th { (t.state) } th {}
                    } }
                    tbody {
                        @for d in devices {
                            tr data-device=(d.device_id) {
                                td { code { (d.device_id) } }
                                td { (d.label) }
                                td { (d.app_version.as_deref().unwrap_or("–")) }
                                td { (d.last_seen_at.as_deref().map_or_else(|| t.never.to_owned(), when)) }
                                td { (d.sync_lag_secs.map_or_else(|| t.never.to_owned(), lag)) }
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

/// An RFC 3339 time for people, to the minute, in UTC.
fn when(text: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => text.to_owned(),
    }
}

/// A fresh enrolment code as a QR code the handheld scans, and as text.
pub fn enrolment(frame: &Frame<'_>, store: &str, code: &EnrollmentCode, qr_svg: &str) -> Markup {
    let t = frame.texts();
    frame.page(
        t.enrol_title,
        html! {
            p { (t.enrol_hint) }
            figure.qr { (PreEscaped(qr_svg)) }
            dl {
                dt { (t.code) } dd { code #enrolment-code { (code.code) } }
                dt { (t.expires) } dd { (when(&code.expires_at)) }
            }
            a href=(format!("/console/stores/{store}/devices")) { (t.devices) }
        },
    )
}

/// Asks before an order that cannot be undone (revoke, wipe): the form posts it.
pub fn confirm(frame: &Frame<'_>, title: &str, question: &str, action: &str, back: &str) -> Markup {
    let t = frame.texts();
    let Some(session) = frame.session else {
        return frame.message(title, t.not_found);
    };
    frame.page(
        title,
        html! {
            p { (question) }
            form.inline method="post" action=(action) {
                (csrf(session))
                button.danger { (title) }
            }
            " "
            a.button href=(back) { (t.cancel) }
        },
    )
}

/// The store's advisors: add one, and disable, unlock or give a new PIN to each.
pub fn advisors(
    frame: &Frame<'_>,
    store: &str,
    advisors: &[AdvisorInfo],
    notice: Option<&str>,
) -> Markup {
    let t = frame.texts();
    let Some(session) = frame.session else {
        return frame.message(t.advisors, t.not_found);
    };
    let base = format!("/console/stores/{store}/advisors");
    frame.page(
        t.advisors,
        html! {
            @if let Some(notice) = notice { p.notice role="status" { (notice) } }
            table {
                thead { tr {
                    th { (t.advisor_id) } th { (t.name) } th { (t.failures) } th { (t.state) } th {}
                } }
                tbody {
                    @for a in advisors {
                        tr data-advisor=(a.advisor_id) {
                            td { code { (a.advisor_id) } }
                            td { (a.name) }
                            td { (a.failed_attempts) }
                            td.state {
                                @if a.disabled { (t.disabled) }
                                @else if a.locked || !a.locked_on_devices.is_empty() { (t.locked_out) }
                                @else { (t.active) }
                            }
                            td {
                                @if !a.disabled {
                                    form.inline method="post" action=(format!("{base}/{}/disable", a.advisor_id)) {
                                        (csrf(session)) button { (t.disable) }
                                    }
                                    form.inline method="post" action=(format!("{base}/{}/unlock", a.advisor_id)) {
                                        (csrf(session)) button { (t.unlock) }
                                    }
                                    form.inline method="post" action=(format!("{base}/{}/reset", a.advisor_id)) {
                                        (csrf(session))
                                        input type="password" name="pin" inputmode="numeric" placeholder=(t.new_pin) aria-label=(t.new_pin) required;
                                        button { (t.reset_pin) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (t.add_advisor) }
            form.stacked method="post" action=(base) {
                (csrf(session))
                label { (t.advisor_id) input name="advisor_id" required; }
                label { (t.name) input name="name" required; }
                label { (t.pin) input type="password" name="pin" inputmode="numeric" required; }
                button.primary { (t.add_advisor) }
            }
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
        assert_eq!(when("2026-12-02T07:23:51.970363Z"), "2026-12-02 07:23 UTC");
        assert_eq!(when("2026-12-02T08:23:51+01:00"), "2026-12-02 07:23 UTC");
        assert_eq!(when("not a time"), "not a time");
    }

    #[test]
    fn values_are_escaped() {
        let page = sign_in(Language::English, Some("<script>alert(1)</script>")).into_string();
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
    }
}
