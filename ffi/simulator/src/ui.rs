//! Drawing the screens across the terminal's width, a status bar on top (store Wi-Fi, lock,
//! sync) and the keys at the bottom.

use carnet_ffi::{ConsentAnswer, DeviceState, SyncPhase, TaskScope};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, List, ListItem, ListState, Paragraph, Tabs, Wrap};

use crate::app::{App, CONTACT_FIELDS, CustomerView, Screen, Tab, consent_label};
use crate::register::{self, RegisterForm};
use crate::tasks::{SECTIONS, TasksView};
use crate::words;

pub fn draw(frame: &mut Frame, app: &App) {
    // The whole terminal: a fixed phone-sized frame cut names, amounts and tab titles.
    let phone = frame.area();
    let [status, sync, body, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(2),
    ])
    .areas(phone);
    frame.render_widget(status_line(app), status);
    draw_sync(frame, app, sync);
    let block = Block::default().borders(Borders::ALL).title(" Carnet ");
    let inner = block.inner(body);
    frame.render_widget(block, body);
    match &app.screen {
        Screen::Enroll(form) => {
            let labels = ["Server", "Certificate pin", "Enrolment code"];
            let mut lines = vec![
                Line::from("Enrol this handheld with the store"),
                Line::from(""),
            ];
            for (i, (label, field)) in labels.iter().zip(&form.fields).enumerate() {
                lines.push(field_line(label, &field.shown(), form.focus == i));
            }
            push_error(&mut lines, &form.error);
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
        Screen::SignIn(form) => {
            let reason = match app.state() {
                DeviceState::Locked { reason, .. } => words::lock_reason(reason),
                _ => String::new(),
            };
            let mut lines = vec![
                Line::styled("🔒 Locked", Style::default().add_modifier(Modifier::BOLD)),
                Line::from(reason),
                Line::from(""),
                field_line("Advisor", &form.advisor.shown(), form.focus == 0),
                field_line("PIN", &form.pin.shown(), form.focus == 1),
            ];
            push_error(&mut lines, &form.error);
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Screen::Search(view) => {
            let [input, results] =
                Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(inner);
            let mut lines = vec![field_line("Scan / search", &view.input.shown(), true)];
            push_error(&mut lines, &view.error);
            if let Some(total) = view.book_total.filter(|&n| n > 0) {
                lines.push(Line::from(format!(
                    "My client book: {total} customers, the most recently seen first"
                )));
            }
            frame.render_widget(Paragraph::new(lines), input);
            let items: Vec<ListItem> = view
                .results
                .iter()
                .map(|m| {
                    ListItem::new(format!(
                        "{} {} · {} {} · …{}",
                        m.first_name, m.last_name, m.postal_code, m.city, m.card_last4
                    ))
                })
                .collect();
            render_list(frame, results, items, view.selected);
        }
        Screen::Customer(view) => draw_customer(frame, inner, view),
        Screen::Register(form) => draw_register(frame, inner, form),
        Screen::Tasks(view) => draw_tasks(frame, inner, view),
        Screen::Outbox(entries) => {
            let items: Vec<ListItem> = entries
                .iter()
                .map(|e| {
                    let state = match &e.reject_reason {
                        Some(reason) => format!("refused: {reason}"),
                        None => "waiting".into(),
                    };
                    ListItem::new(format!("#{} {} {}", e.seq, e.kind, state))
                })
                .collect();
            render_list(frame, inner, items, 0);
        }
    }
    frame.render_widget(
        Paragraph::new(keys_help(app)).style(Style::default().fg(Color::DarkGray)),
        keys,
    );
}

fn draw_tasks(frame: &mut Frame, area: Rect, view: &TasksView) {
    // A draft is a few lines long: shown whole, wrapped, so that she sees what she types.
    let head_rows = if view.writing.is_some() { 8 } else { 2 };
    let [head, list] =
        Layout::vertical([Constraint::Length(head_rows), Constraint::Min(1)]).areas(area);
    let scope = match view.scope {
        TaskScope::Mine => "My tasks",
        TaskScope::Store => "The store's group tasks",
    };
    let mut lines = vec![Line::styled(
        format!("{scope}: {} listed", view.count()),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    if let Some((draft, body)) = &view.writing {
        lines.push(Line::from(format!(
            "E-mail ({}): {}",
            draft.language,
            draft.text.subject.as_deref().unwrap_or_default()
        )));
        lines.push(field_line("Text", &body.shown(), true));
    } else if let Some(reason) = &view.dismissing {
        lines.push(field_line("Why dismiss it", &reason.shown(), true));
    } else if let Some(message) = &view.message {
        lines.push(Line::from(message.clone()));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), head);
    // Headings are not selectable: the selection counts tasks only.
    let mut items = Vec::new();
    let mut selected_row = 0;
    let mut index = 0;
    for (heading, tasks) in SECTIONS.iter().zip(&view.lists) {
        items.push(ListItem::new(Line::styled(
            format!("{heading} ({})", tasks.len()),
            Style::default().fg(Color::Cyan),
        )));
        for task in tasks {
            if index == view.selected {
                selected_row = items.len();
            }
            index += 1;
            // What was done and how to reach her first: a long reason is cut at the screen's
            // edge, not them.
            let progress = words::task_progress(&task.progress);
            items.push(ListItem::new(format!(
                "  {} {} · {}{} · via {} · {}",
                task.customer.first_name,
                task.customer.last_name,
                task.due_on,
                if progress.is_empty() {
                    String::new()
                } else {
                    format!(" · {progress}")
                },
                task.channels.join(", "),
                words::task_reason(task),
            )));
        }
    }
    render_list(frame, list, items, selected_row);
}

fn status_line(app: &App) -> Line<'static> {
    let wifi = if app.wifi_on {
        Span::styled("Wi-Fi: store ✓", Style::default().fg(Color::Green))
    } else {
        Span::styled("Wi-Fi: off ✗", Style::default().fg(Color::Red))
    };
    let lock = match app.state() {
        DeviceState::NotEnrolled => Span::raw("not enrolled"),
        DeviceState::Locked { .. } => Span::styled("LOCKED", Style::default().fg(Color::Red)),
        DeviceState::Unlocked { advisor_id, .. } => Span::styled(
            format!("advisor {advisor_id}"),
            Style::default().fg(Color::Green),
        ),
        DeviceState::Shredded { reason } => Span::styled(
            format!("WIPED ({})", words::shred_reason(reason)),
            Style::default().fg(Color::Red),
        ),
    };
    let kiosk = if app.kiosk_refused {
        Span::styled(
            " · single app mode refused",
            Style::default().fg(Color::Red),
        )
    } else {
        Span::raw("")
    };
    let notice = app.notice.clone().unwrap_or_default();
    Line::from(vec![
        wifi,
        kiosk,
        Span::raw(" · "),
        lock,
        Span::raw(" · "),
        Span::raw(notice),
    ])
}

fn draw_sync(frame: &mut Frame, app: &App, area: Rect) {
    let Ok(status) = app.sync.lock() else {
        return;
    };
    match (&status.progress, status.running) {
        (Some(p), true) => {
            let ratio = if p.total == 0 {
                0.0
            } else {
                (p.done as f64 / p.total as f64).clamp(0.0, 1.0)
            };
            let phase = match p.phase {
                SyncPhase::Push => "sending",
                SyncPhase::Pull => "receiving",
            };
            frame.render_widget(
                Gauge::default()
                    .ratio(ratio)
                    .label(format!("sync: {phase} {}/{}", p.done, p.total)),
                area,
            );
        }
        (_, true) => frame.render_widget(Paragraph::new("sync: starting…"), area),
        _ => frame.render_widget(
            Paragraph::new(status.last.clone().unwrap_or_else(|| "sync: idle".into())),
            area,
        ),
    }
}

fn draw_customer(frame: &mut Frame, area: Rect, view: &CustomerView) {
    let c = &view.card;
    let [head, tabs, body, message] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(
                format!("{} {}", c.first_name, c.last_name),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Line::from(format!(
                "{} · {} points · card {}",
                c.tier,
                crate::catalog::formatting().number(c.points),
                c.card
            )),
            Line::from(format!(
                "visits: {} · spent {} · basket {} · last {}",
                c.receipts,
                words::money(c.total_spend_cents, &c.currency),
                words::money(c.average_basket_cents, &c.currency),
                c.last_visit
                    .as_deref()
                    .map_or_else(|| "—".into(), words::day)
            )),
            Line::from(words::rate_notes(c)),
        ]),
        head,
    );
    let selected = Tab::ALL.iter().position(|t| *t == view.tab).unwrap_or(0);
    frame.render_widget(
        Tabs::new(Tab::ALL.iter().map(|t| t.title()))
            .select(selected)
            .highlight_style(Style::default().add_modifier(Modifier::REVERSED)),
        tabs,
    );
    match view.tab {
        Tab::Card => {
            let names = |shares: &[carnet_ffi::Share]| {
                shares
                    .iter()
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut lines = vec![
                Line::from(forecast_line(view.forecast.as_ref())),
                Line::from(format!("Buys: {}", names(&c.top_categories))),
                Line::from(format!("Brands: {}", names(&c.top_brands))),
                Line::from(format!(
                    "E-mail: {}",
                    c.contact
                        .email
                        .clone()
                        .unwrap_or_else(|| "(missing)".into())
                )),
                Line::from(format!(
                    "Phone: {}",
                    c.contact
                        .phone_e164
                        .clone()
                        .or(c.contact.phone.clone())
                        .unwrap_or_else(|| "(missing)".into())
                )),
            ];
            for k in &c.consents {
                lines.push(Line::from(format!(
                    "{}: {}",
                    consent_label(&k.channel, &k.purpose),
                    if k.granted { "yes" } else { "no" }
                )));
            }
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), body);
        }
        Tab::History => {
            let [filter, list] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
            frame.render_widget(
                Paragraph::new(field_line(
                    "Search (/)",
                    &view.history_filter.shown(),
                    view.filtering,
                )),
                filter,
            );
            let items = view
                .history
                .lines
                .iter()
                .map(|l| {
                    ListItem::new(format!(
                        "{} {}{} {}{} · {}{}",
                        day(l.bought_at),
                        l.product_name,
                        l.shade
                            .as_ref()
                            .map(|s| format!(" ({s})"))
                            .unwrap_or_default(),
                        words::money(l.paid_minor, &l.paid_currency),
                        if l.gift { " 🎁 gift" } else { "" },
                        l.store_name,
                        words::sale(l, &view.card.currency),
                    ))
                })
                .collect();
            render_list(frame, list, items, view.selected);
        }
        Tab::Playlist => match &view.playlist {
            None => frame.render_widget(Paragraph::new("No playlist yet."), body),
            Some(p) if p.suggestions.is_empty() => {
                let why = match p.withheld {
                    Some(carnet_ffi::Withheld::ConsentWithdrawn) => {
                        "No playlist: she withdrew her consent to personalised suggestions."
                    }
                    Some(carnet_ffi::Withheld::ModelNotReceived) => {
                        "No playlist yet: sync to receive the suggestions model."
                    }
                    None => "Nothing to suggest.",
                };
                frame.render_widget(Paragraph::new(why).wrap(Wrap { trim: true }), body);
            }
            Some(p) => {
                let items = p
                    .suggestions
                    .iter()
                    .map(|s| {
                        let mut lines = vec![
                            Line::from(format!(
                                "{} — {} {}",
                                s.name,
                                s.brand,
                                words::money(s.price_cents, "EUR")
                            )),
                            Line::styled(
                                format!("   {}", words::suggestion_reason(&s.reason)),
                                Style::default().fg(Color::DarkGray),
                            ),
                        ];
                        for offer in &s.offers {
                            lines.push(Line::styled(
                                format!("   offer: {offer}"),
                                Style::default().fg(Color::Magenta),
                            ));
                        }
                        ListItem::new(lines)
                    })
                    .collect();
                render_list(frame, body, items, view.selected);
            }
        },
        Tab::Repurchase => {
            let items = view
                .repurchase
                .iter()
                .map(|r| {
                    ListItem::new(format!(
                        "{} — due {} ({}, {:.0} % sure)",
                        r.name,
                        r.due_on,
                        due_in_words(r.days_until_due),
                        r.confidence * 100.0
                    ))
                })
                .collect();
            render_list(frame, body, items, view.selected);
        }
        Tab::Offers => {
            let items = c
                .active_offers
                .iter()
                .map(|o| {
                    ListItem::new(format!(
                        "{} — until {} ({} days)",
                        o.title, o.valid_to, o.days_left
                    ))
                })
                .collect();
            render_list(frame, body, items, view.selected);
        }
        Tab::Notes => {
            let [draft, list] =
                Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(body);
            let mut lines = Vec::new();
            match &view.note_draft {
                Some(d) => {
                    lines.push(field_line("New note", &d.text.shown(), true));
                    push_error(&mut lines, &d.warning);
                }
                None => lines.push(Line::from(format!(
                    "{} notes · n new note · x delete the selected one",
                    view.notes.len()
                ))),
            }
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), draft);
            let mut items: Vec<ListItem> = view
                .notes
                .iter()
                .map(|n| ListItem::new(crate::notes::line(n)))
                .collect();
            // Her wishes and contacts, below her notes (not selectable: the selection counts
            // notes).
            items.extend(view.wishes.iter().map(|w| {
                ListItem::new(Line::styled(
                    crate::notes::wish_line(w),
                    Style::default().fg(Color::Magenta),
                ))
            }));
            items.extend(view.timeline.iter().map(|e| {
                ListItem::new(Line::styled(
                    crate::notes::timeline_line(e),
                    Style::default().fg(Color::DarkGray),
                ))
            }));
            render_list(frame, list, items, view.selected);
        }
        Tab::Appointments => {
            let [header, list] =
                Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(body);
            frame.render_widget(
                Paragraph::new(view.bookings.header()).wrap(Wrap { trim: true }),
                header,
            );
            let items: Vec<ListItem> = view
                .bookings
                .rows()
                .into_iter()
                .map(ListItem::new)
                .collect();
            render_list(frame, list, items, view.selected);
        }
        Tab::Contact => {
            let mut lines = Vec::new();
            for (i, (label, _)) in CONTACT_FIELDS.iter().enumerate() {
                let current = match i {
                    0 => c.contact.email.clone().unwrap_or_default(),
                    1 => c.contact.phone.clone().unwrap_or_default(),
                    2 => c.contact.language.clone(),
                    3 => c.first_name.clone(),
                    _ => c.last_name.clone(),
                };
                let editing = view.edit.is_some() && view.edit_field == i;
                let shown = match (&view.edit, editing) {
                    (Some(field), true) => field.shown(),
                    _ => current,
                };
                lines.push(field_line(label, &shown, view.selected == i || editing));
                if editing && let Some(error) = &view.edit_error {
                    lines.push(Line::styled(
                        format!("   ⚠ {error}"),
                        Style::default().fg(Color::Red),
                    ));
                }
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                "Consents (y yes · n no)",
                Style::default().add_modifier(Modifier::UNDERLINED),
            ));
            for (i, consent) in view.consents.iter().enumerate() {
                let answer = match (&consent.recorded, consent.answer) {
                    (_, ConsentAnswer::NotAsked) | (None, _) => "not asked yet".into(),
                    (Some(k), answer) => format!(
                        "{} ({}, {})",
                        if answer == ConsentAnswer::Granted {
                            "yes"
                        } else {
                            "no"
                        },
                        k.source,
                        k.recorded_at.get(..10).unwrap_or(&k.recorded_at)
                    ),
                };
                let row = CONTACT_FIELDS.len() + i;
                lines.push(field_line(
                    &consent_label(&consent.channel, &consent.purpose),
                    &answer,
                    view.selected == row,
                ));
            }
            frame.render_widget(Paragraph::new(lines), body);
        }
    }
    frame.render_widget(
        Paragraph::new(view.message.clone().unwrap_or_default())
            .style(Style::default().fg(Color::Cyan)),
        message,
    );
}

/// Her next visits, or why the card cannot say.
fn forecast_line(card: Option<&carnet_ffi::CardForecast>) -> String {
    match card {
        Some(carnet_ffi::CardForecast {
            forecast: Some(f), ..
        }) => {
            let activity = match f.activity {
                carnet_ffi::Activity::Active => "active",
                carnet_ffi::Activity::Lapsing => "lapsing",
                carnet_ffi::Activity::Lapsed => "lapsed",
            };
            let value = f.value.as_ref().map_or(String::new(), |v| {
                format!(
                    " · may spend {}–{} in {} days",
                    words::money(v.low_cents, "EUR"),
                    words::money(v.high_cents, "EUR"),
                    v.horizon_days
                )
            });
            format!(
                "Next visits: {activity} · {:.1} purchases in 30 days, {:.1} in 90{value}",
                f.expected_30_days, f.expected_90_days
            )
        }
        Some(carnet_ffi::CardForecast {
            withheld: Some(carnet_ffi::Withheld::ConsentWithdrawn),
            ..
        }) => "Next visits: not forecast (she withdrew consent to personalisation)".into(),
        Some(carnet_ffi::CardForecast {
            withheld: Some(carnet_ffi::Withheld::ModelNotReceived),
            ..
        }) => "Next visits: sync to receive the model".into(),
        _ => "Next visits: too little history yet".into(),
    }
}

fn draw_register(frame: &mut Frame, area: Rect, form: &RegisterForm) {
    let mut lines = vec![
        Line::styled(
            "New customer",
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Line::from(""),
    ];
    for (i, ((label, _), field)) in register::FIELDS.iter().zip(&form.fields).enumerate() {
        lines.push(field_line(label, &field.shown(), form.focus == i));
        for message in form.errors_of(i) {
            lines.push(Line::styled(
                format!("   ⚠ {message}"),
                Style::default().fg(Color::Red),
            ));
        }
    }
    if !form.hints.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            "Already a customer? (Enter opens her card)",
            Style::default().fg(Color::Yellow),
        ));
        for (i, hint) in form.hints.iter().enumerate() {
            let m = &hint.customer;
            let style = if form.focus == register::FIELDS.len() + i {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            };
            lines.push(Line::styled(
                format!(
                    "{} {} · {} {} · …{}",
                    m.first_name, m.last_name, m.postal_code, m.city, m.card_last4,
                ),
                style,
            ));
            lines.push(Line::styled(
                format!("   {}", register::describe(&hint.reasons)),
                Style::default().fg(Color::DarkGray),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn render_list(frame: &mut Frame, area: Rect, items: Vec<ListItem>, selected: usize) {
    let len = items.len();
    let mut state = ListState::default().with_selected((len > 0).then(|| selected.min(len - 1)));
    frame.render_stateful_widget(
        List::new(items).highlight_style(Style::default().add_modifier(Modifier::REVERSED)),
        area,
        &mut state,
    );
}

fn field_line(label: &str, value: &str, focused: bool) -> Line<'static> {
    let style = if focused {
        Style::default().add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    Line::from(vec![
        Span::styled(format!("{label}: "), style),
        Span::raw(value.to_owned()),
        Span::raw(if focused { "▏" } else { "" }),
    ])
}

fn push_error(lines: &mut Vec<Line<'static>>, error: &Option<String>) {
    if let Some(error) = error {
        lines.push(Line::styled(
            format!("⚠ {error}"),
            Style::default().fg(Color::Red),
        ));
    }
}

fn keys_help(app: &App) -> String {
    let screen = match &app.screen {
        Screen::Enroll(_) => "Tab next field · Enter enrol",
        Screen::SignIn(_) => "Tab next field · Enter sign in",
        Screen::Search(_) => {
            "type a name / 13 digits · ↑↓ · Enter open · F3 outbox · F4 new customer · F9 tasks · Esc sign out"
        }
        Screen::Customer(_) => {
            "←→ tabs · ↑↓ · / search · l like · d dislike · w wish · n note · Enter edit · F8 correction · y/n consent · Esc back"
        }
        Screen::Register(_) => {
            "Tab/↑↓ next field or hint · Enter register / open hint · F8 correction · Esc back"
        }
        Screen::Outbox(_) => "Esc back",
        Screen::Tasks(view) if view.dismissing.is_some() => {
            "type the reason · Enter dismiss · Esc keep"
        }
        Screen::Tasks(view) if view.writing.is_some() => "edit the text · Enter send · Esc drop",
        Screen::Tasks(view) if view.calling => {
            "how did the call go? r reached · n no answer · v voicemail · w wrong number · Esc"
        }
        Screen::Tasks(_) => {
            "Tab mine / the store's · ↑↓ · Enter her card · c call · e e-mail · t take · d done · s snooze a week · x dismiss · Esc back"
        }
    };
    format!("{screen}\nF2 store Wi-Fi · F5 sync · F6 cancel sync · F7 single app mode · F10 quit")
}

/// The day (UTC) of a time the core gives in seconds, in the device's locale.
fn day(seconds: i64) -> String {
    words::day(&carnet_ffi::format_day(seconds))
}

/// "in 3 days", "today", "overdue by 222 days": a signed count of days is not for people.
fn due_in_words(days: i32) -> String {
    match days {
        0 => "due today".into(),
        1 => "in 1 day".into(),
        d if d > 1 => format!("in {d} days"),
        -1 => "overdue by 1 day".into(),
        d => format!("overdue by {} days", d.unsigned_abs()),
    }
}

#[cfg(test)]
mod tests {
    use super::due_in_words;

    #[test]
    fn days_until_due_read_as_words() {
        assert_eq!(due_in_words(0), "due today");
        assert_eq!(due_in_words(1), "in 1 day");
        assert_eq!(due_in_words(12), "in 12 days");
        assert_eq!(due_in_words(-1), "overdue by 1 day");
        assert_eq!(due_in_words(-222), "overdue by 222 days");
    }
}
