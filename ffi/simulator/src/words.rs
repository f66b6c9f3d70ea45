//! The core's typed reasons in the advisor's language: why the handheld is locked or was
//! wiped, why a call failed, why a task is there, why a product is suggested. Worded by the
//! app's String Catalog, with the keys the app uses (see `catalog`).

use carnet_ffi::{
    AppointmentRefusal, CardProblem, CarnetError, ClientTask, ContactRefusal, FieldProblem,
    LockReason, NetworkProblem, Refusal, ShredReason, SuggestionReason, TaskProgress, TaskReason,
};

use crate::catalog::{formatting, text};

/// Why the handheld is locked, and what to do.
pub fn lock_reason(reason: LockReason) -> String {
    text(
        match reason {
            LockReason::NoLease => "Connect to the store Wi-Fi.",
            LockReason::LeaseExpired => {
                "Presence in the store expired: connect to the store Wi-Fi."
            }
            LockReason::NotOnStoreNetwork => "Not on the store network.",
            LockReason::SignedOut => "Sign in.",
            LockReason::Inactivity => "Locked after inactivity: sign in.",
            LockReason::Backgrounded => "Locked when Carnet left the screen: sign in.",
            LockReason::UnknownDevice => {
                "The store server does not know this handheld: ask a manager to enrol it again. Its data is kept."
            }
            LockReason::KeyStoreUnavailable => {
                "The handheld's keys cannot be read yet: unlock it with its passcode. Nothing is lost."
            }
            LockReason::KeyStoreFailed => {
                "The handheld's keys could not be read. Nothing is lost: check again."
            }
            LockReason::KioskRequired => "Single app mode is required on this handheld.",
        },
        &[],
    )
}

/// Why the handheld's data was destroyed.
pub fn shred_reason(reason: ShredReason) -> String {
    text(
        match reason {
            ShredReason::Revoked => "The store revoked this handheld.",
            ShredReason::RemoteWipe => "The store ordered a remote wipe.",
            ShredReason::OffNetworkLimit => "It was away from the store for too long.",
        },
        &[],
    )
}

/// Why a card number is refused.
pub fn card_problem(p: &CardProblem) -> String {
    match p {
        CardProblem::Empty => text("Nothing was read: scan or type the card.", &[]),
        CardProblem::NotDigits => text("A card number has only digits.", &[]),
        CardProblem::WrongLength { digits } => {
            text("A card has 13 digits, this one %@.", &[&digits.to_string()])
        }
        CardProblem::BadCheckDigit => text(
            "The card number does not check out: mistyped or misread.",
            &[],
        ),
        CardProblem::AlreadyRegistered => {
            text("A customer already has this card: look her up.", &[])
        }
    }
}

/// Why a contact field's value is refused.
pub fn field_problem(p: &FieldProblem) -> String {
    let plain = |key| text(key, &[]);
    match p {
        FieldProblem::Required => plain("Required."),
        FieldProblem::CityRequired => plain("The city is required."),
        FieldProblem::NotText => plain("This field takes text."),
        FieldProblem::TooLong { max_chars } => {
            text("At most %@ characters.", &[&max_chars.to_string()])
        }
        FieldProblem::EmailHasSpaces => plain("An e-mail address has no spaces."),
        FieldProblem::EmailNeedsAt => plain("An e-mail address needs an @."),
        FieldProblem::EmailHasSeveralAt => plain("An e-mail address has a single @."),
        FieldProblem::EmailLocalPart => plain("The part before the @ is not valid."),
        FieldProblem::EmailDomain => plain("The domain after the @ is not valid (e.g. gmail.com)."),
        FieldProblem::EmailDomainMistyped => plain("The domain looks mistyped."),
        FieldProblem::PhoneHasLetters => plain("A phone number has no letters."),
        FieldProblem::PhoneTooShort => plain("The number is too short."),
        FieldProblem::PhoneNotOfCountry { country } => text(
            "Not a phone number of %@ (or give its +country prefix).",
            &[country],
        ),
        FieldProblem::NotALanguage => plain("Not a language code (two letters: fr, it, en)."),
        FieldProblem::NameNeedsLetters => plain("A name needs letters."),
        FieldProblem::NameHasDigits => plain("A name has no digits."),
        FieldProblem::NameHasSymbols => {
            plain("A name has only letters, spaces, apostrophes, hyphens and dots.")
        }
        FieldProblem::UnknownCountry => plain("Not a country code (two letters, e.g. FR)."),
        FieldProblem::NotAPostalCode { country, example } => match example {
            Some(e) => text("Not a postal code of %@ (e.g. %@).", &[country, e]),
            None => text("Not a postal code of %@.", &[country]),
        },
    }
}

/// A message with the core's detail after it, when there is one.
fn with_detail(key: &str, detail: &str) -> String {
    format!("{} ({detail})", text(key, &[]))
}

/// Why a call failed, in a sentence.
pub fn error(e: &CarnetError) -> String {
    let plain = |key| text(key, &[]);
    match e {
        CarnetError::Locked => plain("The handheld is locked."),
        CarnetError::NotEnrolled => plain("This handheld is not enrolled."),
        CarnetError::NotFound => plain("Not found."),
        CarnetError::InvalidCard { problem } => card_problem(problem),
        CarnetError::InvalidInput { reason } => with_detail("Please check this value.", reason),
        CarnetError::InvalidField { problem, .. } => field_problem(problem),
        CarnetError::ContactRefused { refusal } => match refusal {
            ContactRefusal::NoConsent => plain("She has not consented to be contacted this way."),
            ContactRefusal::NoAddress => plain("No address for this channel is on file."),
            ContactRefusal::QuietPeriod { last_contact, .. } => with_detail(
                "She was contacted within the store's quiet period.",
                &last_contact[..last_contact.len().min(10)],
            ),
        },
        CarnetError::AppointmentRefused { refusal } => appointment_refusal(refusal),
        CarnetError::TaskTaken { advisor_id } => {
            with_detail("Another advisor took this task first.", advisor_id)
        }
        CarnetError::NotOnStoreNetwork => plain("Not on the store network."),
        CarnetError::KioskRequired => plain("Single app mode is required on this handheld."),
        CarnetError::KeyStoreUnavailable => plain(
            "The handheld's keys cannot be read yet: unlock it with its passcode, then try again.",
        ),
        CarnetError::Network { problem } => network(problem),
        CarnetError::UpgradeRequired { reason } => with_detail("Please update Carnet.", reason),
        CarnetError::Refused { refusal } => refused(refusal),
        CarnetError::Storage { reason } => with_detail("The handheld's storage failed.", reason),
        CarnetError::Cancelled => plain("Cancelled."),
    }
}

fn network(problem: &NetworkProblem) -> String {
    let plain = |key| text(key, &[]);
    match problem {
        NetworkProblem::TimedOut => plain("The store server did not answer in time."),
        NetworkProblem::CannotConnect => plain("The store server cannot be reached."),
        NetworkProblem::ConnectionLost => plain("The connection to the store server was lost."),
        NetworkProblem::RequestFailed => plain("The request to the store server failed."),
        NetworkProblem::UntrustedAnswer => {
            plain("The answer was not the store server's: nothing was changed.")
        }
        NetworkProblem::ServerError { status, code } => text(
            "The store server answered with an error (%@ %@).",
            &[&status.to_string(), code],
        ),
        NetworkProblem::OutOfStep => {
            plain("The handheld is out of step with the store server: sync again.")
        }
    }
}

fn refused(refusal: &Refusal) -> String {
    let plain = |key| text(key, &[]);
    match refusal {
        Refusal::WrongPin => plain("Wrong advisor ID or PIN."),
        // Whole minutes, rounded up: "1" for 45 seconds.
        Refusal::LockedOut { retry_after_secs } => text(
            "Too many failed sign-ins. Try again in %@ min.",
            &[&retry_after_secs.div_ceil(60).max(1).to_string()],
        ),
        Refusal::BadEnrollmentCode => plain("This enrolment code is unknown, used or expired."),
        Refusal::AlreadyEnrolled => plain("This handheld is enrolled already."),
        Refusal::Wiped { reason } => format!(
            "{} {}",
            plain("This handheld's data was erased."),
            shred_reason(*reason)
        ),
        Refusal::DeviceNotAccepted => plain("The store server does not accept this handheld."),
        Refusal::OtherStore => plain("This handheld may not read that store."),
    }
}

/// Why a booking is refused, in a sentence (times in UTC: the app shows the store's).
pub fn appointment_refusal(refusal: &AppointmentRefusal) -> String {
    use AppointmentRefusal as R;
    let plain = |key| text(key, &[]);
    let time = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|t| format!("{} UTC", formatting().day_and_time(t.naive_utc())))
            .unwrap_or_default()
    };
    match refusal {
        R::UnknownService => plain("This store does not offer that service."),
        R::UnknownAdvisor => plain("No such advisor in this store."),
        R::UnknownResource => plain("No such cabin or chair."),
        R::UnknownTimeZone => plain("The store's time zone is unknown."),
        R::UnreadableHours => plain("The store's or the advisor's hours cannot be read."),
        R::TimeWithoutZone => plain("A time needs its time zone."),
        R::UnreadableTime => plain("That is not a time."),
        R::LocalTimeSkipped => plain("That time does not exist that day: the clocks go forward."),
        R::LocalTimeTwice { earlier, later } => format!(
            "{} {} / {}",
            plain("That time happens twice that day: the clocks go back."),
            time(*earlier),
            time(*later)
        ),
        R::LongerThanTheStoreDay {
            duration_min,
            longest_min,
        } => text(
            "The service (%@ min) is longer than the store's day (%@ min).",
            &[&duration_min.to_string(), &longest_min.to_string()],
        ),
        R::AdvisorLacksSpecialty { specialty } => {
            with_detail("The advisor is not trained for this service.", specialty)
        }
        R::InThePast => plain("That time has passed."),
        R::TooShortNotice { earliest } => {
            with_detail("Too short notice for this service.", &time(*earliest))
        }
        R::ClosedDay { day: on } => text("The store is closed on %@.", &[&day(on)]),
        R::OutsideOpeningHours => plain("Outside the store's opening hours."),
        R::AdvisorNotWorking => plain("The advisor does not work then."),
        R::AdvisorBusy => plain("The advisor is booked then."),
        R::CustomerBusy => plain("She is booked then."),
        R::ResourceBusy { kind } => with_detail("No cabin or chair is free then.", kind),
        R::NotStartedYet => plain("The appointment has not started yet."),
        R::AlreadyClosed => plain("The appointment is cancelled, done or missed already."),
        R::NotConfirmedYet => plain("The store has not confirmed the appointment yet."),
    }
}

/// Why a task is there, in a sentence.
pub fn task_reason(task: &ClientTask) -> String {
    let product = task.product_name.as_deref().unwrap_or("");
    match &task.reason {
        TaskReason::Replenishment {
            due_on, also_due, ..
        } => match also_due {
            0 => text("Runs out of %@ around %@.", &[product, &day(due_on)]),
            n => text(
                "Runs out of %@ around %@, and %@ more.",
                &[product, &day(due_on), &n.to_string()],
            ),
        },
        TaskReason::Lapsing {
            last_visit,
            expected_on,
        } => text(
            "Expected back by %@; last visit %@.",
            &[&day(expected_on), &day(last_visit)],
        ),
        TaskReason::Birthday { on } => text("Birthday on %@.", &[&day(on)]),
        TaskReason::Launch { launch_on, .. } => text(
            "%@ launches on %@, from a brand she buys.",
            &[product, &day(launch_on)],
        ),
        TaskReason::Campaign {
            title,
            message,
            ends_on,
            ..
        } => match message {
            Some(message) => text(
                "Campaign “%@” until %@: %@",
                &[title, &day(ends_on), message],
            ),
            None => text("Campaign “%@” until %@.", &[title, &day(ends_on)]),
        },
        TaskReason::ThankYou {
            on,
            amount_cents,
            new_tier,
        } => {
            let (spent, on) = (money(*amount_cents, "EUR"), day(on));
            match new_tier {
                Some(tier) => text("Thank her: %@ on %@ made her %@.", &[&spent, &on, tier]),
                None => text("Thank her: a first visit of %@ on %@.", &[&spent, &on]),
            }
        }
    }
}

/// What has been done with a task, or nothing for an open one.
pub fn task_progress(progress: &TaskProgress) -> String {
    match progress {
        TaskProgress::Open => String::new(),
        TaskProgress::Taken { advisor_id } => text("Taken by %@", &[advisor_id]),
        TaskProgress::Done { advisor_id, at } => {
            let on = text("Done on %@", &[&day(at.get(..10).unwrap_or(at))]);
            match advisor_id {
                Some(who) => format!("{on} · {who}"),
                None => on,
            }
        }
        TaskProgress::Snoozed { until } => text("Snoozed until %@", &[&day(until)]),
        TaskProgress::Dismissed { reason } => text("Dismissed: %@", &[reason]),
    }
}

/// Why a product is suggested.
pub fn suggestion_reason(reason: &SuggestionReason) -> String {
    match reason {
        SuggestionReason::BoughtOn { product_name, date } => {
            text("She bought %@ on %@.", &[product_name, &day(date)])
        }
        SuggestionReason::Liked { product_name } => text("She liked %@.", &[product_name]),
        SuggestionReason::OftenBoughtWith { product_name } => {
            text("Often bought with %@, which she bought.", &[product_name])
        }
        SuggestionReason::PopularWith { segment } => {
            text("Popular with customers like her (%@).", &[segment])
        }
        SuggestionReason::Popular => text("Popular in the store.", &[]),
    }
}

/// Minor units of an ISO 4217 currency as money in the device's locale: `1 234,50 €`,
/// `€1,234.50`, `¥1,235`; the number and the code for a code that is not a currency.
pub fn money(minor: i64, currency: &str) -> String {
    match carnet_core::money::Currency::parse(currency) {
        Ok(currency) => formatting().money(carnet_core::money::Money { minor, currency }),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// A day from the core (`YYYY-MM-DD`) in the device's locale: `2 déc. 2026`; the text itself
/// when it is not a day.
pub fn day(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(day) => formatting().day(day),
        Err(_) => iso.to_owned(),
    }
}

/// How a history line was sold, or that it is a return, and what a line paid in another
/// currency is in `home`, her store's.
pub fn sale(l: &carnet_ffi::HistoryLine, home: &str) -> String {
    let how = match (&l.return_of, l.channel) {
        (Some(_), _) => Some("Returned"),
        (None, carnet_ffi::SaleChannel::Store) => None,
        (None, carnet_ffi::SaleChannel::Web) => Some("Web order"),
        (None, carnet_ffi::SaleChannel::App) => Some("App order"),
        (None, carnet_ffi::SaleChannel::ClickAndCollect) => Some("Click & collect"),
    };
    let rate = match l.rates_of.as_deref() {
        Some("none") => Some(text("No exchange rate yet", &[])),
        Some(rates_of) => Some(text(
            "%@ at the rate of %@",
            &[&money(l.amount_cents, home), &day(rates_of)],
        )),
        None => None,
    };
    how.map(|key| text(key, &[]))
        .into_iter()
        .chain(rate)
        .map(|said| format!(" · {said}"))
        .collect()
}

/// How a receipt on her timeline was made: at a till, an order, a return.
pub fn purchase_kind(p: &carnet_ffi::TimelinePurchase) -> String {
    let key = match (p.returned, p.channel) {
        (true, _) => "Returned",
        (false, carnet_ffi::SaleChannel::Store) => "In store",
        (false, carnet_ffi::SaleChannel::Web) => "Web order",
        (false, carnet_ffi::SaleChannel::App) => "App order",
        (false, carnet_ffi::SaleChannel::ClickAndCollect) => "Click & collect",
    };
    text(key, &[])
}

/// A consent decision: what it is about, her answer, where and when she gave it.
pub fn consent(c: &carnet_ffi::ConsentState) -> String {
    let about = match (c.purpose.as_str(), c.channel.as_str()) {
        ("marketing", "email") => text("Offers and news by e-mail", &[]),
        ("marketing", "sms") => text("Offers and news by text message", &[]),
        ("marketing", "post") => text("Offers and news by post", &[]),
        ("marketing", "phone") => text("Offers and news by phone", &[]),
        ("personalisation", _) => text("Suggestions from her purchases", &[]),
        (purpose, channel) => format!("{purpose} · {channel}"),
    };
    let answer = text(if c.granted { "Yes" } else { "No" }, &[]);
    let day = &day(c.recorded_at.get(..10).unwrap_or(&c.recorded_at));
    let recorded = match c.source.as_str() {
        "store" => text("Recorded in store on %@", &[day]),
        "web" => text("Recorded on the web site on %@", &[day]),
        "app" => text("Recorded in the brand's app on %@", &[day]),
        other => format!("{other} · {day}"),
    };
    format!("{about}: {answer} · {recorded}")
}

/// What the card says of returns and of purchases abroad converted at an earlier day's rate
/// or not yet.
pub fn rate_notes(c: &carnet_ffi::CustomerCard) -> String {
    let mut notes = Vec::new();
    if c.returned_lines > 0 {
        notes.push(format!("{} × {}", c.returned_lines, text("Returned", &[])));
    }
    if c.earlier_rate_lines > 0 {
        notes.push(text(
            "%@ purchases abroad converted at an earlier day’s rate",
            &[&c.earlier_rate_lines.to_string()],
        ));
    }
    if c.unconverted_lines > 0 {
        notes.push(text(
            "%@ purchases abroad wait for an exchange rate",
            &[&c.unconverted_lines.to_string()],
        ));
    }
    notes.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Language, language, set_language, set_locale};

    #[test]
    fn a_lockout_says_how_long_to_wait_in_whole_minutes() {
        set_language(Language::English);
        let locked_out = |secs| {
            error(&CarnetError::Refused {
                refusal: Refusal::LockedOut {
                    retry_after_secs: secs,
                },
            })
        };
        assert_eq!(
            locked_out(45),
            "Too many failed sign-ins. Try again in 1 min."
        );
        assert_eq!(
            locked_out(61),
            "Too many failed sign-ins. Try again in 2 min."
        );
        set_language(Language::Italian);
        assert_eq!(
            locked_out(300),
            "Troppi accessi non riusciti. Riprova tra 5 min."
        );
    }

    /// Every reason the core can give is worded by the catalog in English, French and
    /// Italian (`catalog::text` refuses a key it lacks in a test).
    #[test]
    fn every_typed_reason_is_in_the_catalog_in_each_language() {
        for language in [Language::English, Language::French, Language::Italian] {
            set_language(language);
            let mut said = Vec::new();
            for r in [
                LockReason::NoLease,
                LockReason::LeaseExpired,
                LockReason::NotOnStoreNetwork,
                LockReason::SignedOut,
                LockReason::Inactivity,
                LockReason::Backgrounded,
                LockReason::UnknownDevice,
                LockReason::KeyStoreUnavailable,
                LockReason::KeyStoreFailed,
                LockReason::KioskRequired,
            ] {
                said.push(lock_reason(r));
            }
            for r in [
                ShredReason::Revoked,
                ShredReason::RemoteWipe,
                ShredReason::OffNetworkLimit,
            ] {
                said.push(shred_reason(r));
            }
            for p in [
                CardProblem::Empty,
                CardProblem::NotDigits,
                CardProblem::WrongLength { digits: 12 },
                CardProblem::BadCheckDigit,
                CardProblem::AlreadyRegistered,
            ] {
                said.push(card_problem(&p));
            }
            let fr = || "FR".to_owned();
            for p in [
                FieldProblem::Required,
                FieldProblem::CityRequired,
                FieldProblem::NotText,
                FieldProblem::TooLong { max_chars: 200 },
                FieldProblem::EmailHasSpaces,
                FieldProblem::EmailNeedsAt,
                FieldProblem::EmailHasSeveralAt,
                FieldProblem::EmailLocalPart,
                FieldProblem::EmailDomain,
                FieldProblem::EmailDomainMistyped,
                FieldProblem::PhoneHasLetters,
                FieldProblem::PhoneTooShort,
                FieldProblem::PhoneNotOfCountry { country: fr() },
                FieldProblem::NotALanguage,
                FieldProblem::NameNeedsLetters,
                FieldProblem::NameHasDigits,
                FieldProblem::NameHasSymbols,
                FieldProblem::UnknownCountry,
                FieldProblem::NotAPostalCode {
                    country: fr(),
                    example: Some("75001".into()),
                },
                FieldProblem::NotAPostalCode {
                    country: "XX".into(),
                    example: None,
                },
            ] {
                said.push(field_problem(&p));
            }
            let network = |problem| CarnetError::Network { problem };
            let refused = |refusal| CarnetError::Refused { refusal };
            let contact = |refusal| CarnetError::ContactRefused { refusal };
            let reason = || "r".to_owned();
            for e in [
                CarnetError::Locked,
                CarnetError::NotEnrolled,
                CarnetError::NotFound,
                CarnetError::InvalidInput { reason: reason() },
                contact(ContactRefusal::NoConsent),
                contact(ContactRefusal::NoAddress),
                contact(ContactRefusal::QuietPeriod {
                    last_contact: "2026-11-30T10:00:00Z".into(),
                    days: 7,
                }),
                CarnetError::TaskTaken {
                    advisor_id: "A1".into(),
                },
                CarnetError::NotOnStoreNetwork,
                CarnetError::KioskRequired,
                CarnetError::KeyStoreUnavailable,
                network(NetworkProblem::TimedOut),
                network(NetworkProblem::CannotConnect),
                network(NetworkProblem::ConnectionLost),
                network(NetworkProblem::RequestFailed),
                network(NetworkProblem::UntrustedAnswer),
                network(NetworkProblem::ServerError {
                    status: 503,
                    code: "busy".into(),
                }),
                network(NetworkProblem::OutOfStep),
                CarnetError::UpgradeRequired { reason: reason() },
                refused(Refusal::WrongPin),
                refused(Refusal::BadEnrollmentCode),
                refused(Refusal::AlreadyEnrolled),
                refused(Refusal::Wiped {
                    reason: ShredReason::Revoked,
                }),
                refused(Refusal::DeviceNotAccepted),
                refused(Refusal::OtherStore),
                CarnetError::Storage { reason: reason() },
                CarnetError::Cancelled,
            ] {
                said.push(error(&e));
            }
            use AppointmentRefusal as R;
            for r in [
                R::UnknownService,
                R::UnknownAdvisor,
                R::UnknownResource,
                R::UnknownTimeZone,
                R::UnreadableHours,
                R::TimeWithoutZone,
                R::UnreadableTime,
                R::LocalTimeSkipped,
                R::LocalTimeTwice {
                    earlier: 0,
                    later: 3600,
                },
                R::LongerThanTheStoreDay {
                    duration_min: 600,
                    longest_min: 480,
                },
                R::AdvisorLacksSpecialty {
                    specialty: "nails".into(),
                },
                R::InThePast,
                R::TooShortNotice { earliest: 0 },
                R::ClosedDay {
                    day: "Sunday".into(),
                },
                R::OutsideOpeningHours,
                R::AdvisorNotWorking,
                R::AdvisorBusy,
                R::CustomerBusy,
                R::ResourceBusy {
                    kind: "cabin".into(),
                },
                R::NotStartedYet,
                R::AlreadyClosed,
                R::NotConfirmedYet,
            ] {
                said.push(appointment_refusal(&r));
            }
            for p in [
                TaskProgress::Taken {
                    advisor_id: "A1".into(),
                },
                TaskProgress::Done {
                    advisor_id: Some("A1".into()),
                    at: "2026-11-30T10:00:00Z".into(),
                },
                TaskProgress::Snoozed {
                    until: "2026-12-01".into(),
                },
                TaskProgress::Dismissed { reason: reason() },
            ] {
                said.push(task_progress(&p));
            }
            let product = || "Rouge".to_owned();
            for r in [
                SuggestionReason::BoughtOn {
                    product_name: product(),
                    date: "2026-11-01".into(),
                },
                SuggestionReason::Liked {
                    product_name: product(),
                },
                SuggestionReason::OftenBoughtWith {
                    product_name: product(),
                },
                SuggestionReason::PopularWith {
                    segment: "Gold".into(),
                },
                SuggestionReason::Popular,
            ] {
                said.push(suggestion_reason(&r));
            }
            assert!(said.iter().all(|s| !s.is_empty() && !s.contains("%@")));
        }
    }

    #[test]
    fn purchases_and_consents_on_the_timeline_are_worded_too() {
        let purchase = |channel, returned| carnet_ffi::TimelinePurchase {
            receipt_id: "R1".into(),
            at: 1_767_000_000,
            store_id: "S004".into(),
            store_name: Some("London Covent Garden".into()),
            channel,
            order_id: None,
            lines: 2,
            amount_minor: 4_250,
            currency: "EUR".into(),
            returned,
        };
        set_language(Language::Italian);
        assert_eq!(
            purchase_kind(&purchase(carnet_ffi::SaleChannel::Store, false)),
            "In negozio"
        );
        set_language(Language::French);
        assert_eq!(
            purchase_kind(&purchase(carnet_ffi::SaleChannel::ClickAndCollect, false)),
            text("Click & collect", &[])
        );
        assert_eq!(
            purchase_kind(&purchase(carnet_ffi::SaleChannel::Web, true)),
            text("Returned", &[])
        );
        let newsletter = carnet_ffi::ConsentState {
            channel: "email".into(),
            purpose: "marketing".into(),
            granted: true,
            recorded_at: "2026-03-02T10:00:00Z".into(),
            source: "web".into(),
            advisor_id: None,
        };
        set_language(Language::English);
        assert_eq!(
            consent(&newsletter),
            "Offers and news by e-mail: Yes · Recorded on the web site on Mar 2, 2026"
        );
    }

    #[test]
    fn money_and_days_read_as_in_the_device_s_locale() {
        set_locale("fr_FR.UTF-8");
        assert_eq!(money(123_450, "EUR"), "1\u{202f}234,50\u{a0}€");
        assert_eq!(day("2026-12-02"), "2 déc. 2026");
        set_locale("de_CH.UTF-8");
        assert_eq!(
            language(),
            Language::English,
            "German is not a language Carnet speaks"
        );
        assert_eq!(money(123_450, "CHF").replace('’', "'"), "CHF\u{a0}1'234.50");
        set_locale("en_US.UTF-8");
        assert_eq!(money(1_235, "JPY"), "¥1,235");
        assert_eq!(money(-850, "GBP"), "-£8.50");
        set_locale("it_IT");
        assert_eq!(day("2026-12-02"), "2 dic 2026");
        assert_eq!(
            task_progress(&TaskProgress::Snoozed {
                until: "2026-12-01".into()
            }),
            "Rimandata al 1 dic 2026"
        );
        // What is not a currency or a day is shown as it came.
        assert_eq!(money(1_200, "XXX"), "1200 XXX");
        assert_eq!(day("soon"), "soon");
    }

    #[test]
    fn reasons_follow_the_device_s_language() {
        let postal = FieldProblem::NotAPostalCode {
            country: "JP".into(),
            example: Some("100-0005".into()),
        };
        set_language(Language::French);
        assert_eq!(
            field_problem(&postal),
            "Pas un code postal de JP (ex. 100-0005)."
        );
        assert_eq!(lock_reason(LockReason::SignedOut), text("Sign in.", &[]),);
        set_language(Language::Italian);
        assert_eq!(
            card_problem(&CardProblem::WrongLength { digits: 12 }),
            "Una carta ha 13 cifre, questa 12."
        );
    }
}
