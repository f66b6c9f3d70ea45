//! The core's typed reasons in English: why the handheld is locked or was wiped, why a call
//! failed, why a task is there. The app words the same reasons from its String Catalog.

use carnet_ffi::{
    AppointmentRefusal, CarnetError, ClientTask, ContactRefusal, LockReason, NetworkProblem,
    Refusal, ShredReason, TaskProgress, TaskReason,
};

/// Why the handheld is locked, and what to do.
pub fn lock_reason(reason: LockReason) -> &'static str {
    match reason {
        LockReason::NoLease => "connect to the store's Wi-Fi",
        LockReason::LeaseExpired => "presence in the store expired: connect to the store's Wi-Fi",
        LockReason::NotOnStoreNetwork => "not on the store network",
        LockReason::SignedOut => "sign in",
        LockReason::Inactivity => "locked after inactivity: sign in",
        LockReason::Backgrounded => "locked when the app left the screen: sign in",
        LockReason::UnknownDevice => {
            "the store's server does not know this handheld: ask a manager to enrol it again"
        }
        LockReason::KeyStoreUnavailable => {
            "the key store cannot be read yet: unlock the handheld; nothing is lost"
        }
        LockReason::KeyStoreFailed => {
            "the key store failed: nothing is lost; it is read again at the next presence check"
        }
        LockReason::KioskRequired => {
            "single app mode is required and was refused: ask a manager (F7 simulates it)"
        }
    }
}

/// Why the handheld's data was destroyed.
pub fn shred_reason(reason: ShredReason) -> &'static str {
    match reason {
        ShredReason::Revoked => "this handheld was revoked by the store",
        ShredReason::RemoteWipe => "the store ordered a remote wipe",
        ShredReason::OffNetworkLimit => "away from the store for too long",
    }
}

/// Why a call failed, in a sentence.
pub fn error(e: &CarnetError) -> String {
    match e {
        CarnetError::Locked => "the handheld is locked".into(),
        CarnetError::NotEnrolled => "this handheld is not enrolled".into(),
        CarnetError::NotFound => "not found".into(),
        CarnetError::InvalidCard { reason } => format!("not a loyalty card: {reason}"),
        CarnetError::InvalidInput { reason } => reason.clone(),
        CarnetError::InvalidField { reason, .. } => reason.clone(),
        CarnetError::ContactRefused { refusal } => match refusal {
            ContactRefusal::NoConsent => "she has not consented to be contacted this way".into(),
            ContactRefusal::NoAddress => "no address for this channel is on file".into(),
            ContactRefusal::QuietPeriod { last_contact, days } => format!(
                "she was contacted on {}: leave her be for {days} days",
                &last_contact[..last_contact.len().min(10)]
            ),
        },
        CarnetError::AppointmentRefused { refusal } => appointment_refusal(refusal),
        CarnetError::TaskTaken { advisor_id } => {
            format!("advisor {advisor_id} took this task first: it stays hers")
        }
        CarnetError::NotOnStoreNetwork => "not on the store network".into(),
        CarnetError::KioskRequired => "single app mode is required on this handheld".into(),
        CarnetError::KeyStoreUnavailable => {
            "the key store cannot be read yet: unlock the handheld and try again".into()
        }
        CarnetError::Network { problem } => network(problem),
        CarnetError::UpgradeRequired { reason } => format!("update Carnet: {reason}"),
        CarnetError::Refused { refusal } => refused(refusal),
        CarnetError::Storage { reason } => format!("the handheld's storage failed: {reason}"),
        CarnetError::Cancelled => "cancelled".into(),
    }
}

fn network(problem: &NetworkProblem) -> String {
    match problem {
        NetworkProblem::TimedOut => "the store's server did not answer in time".into(),
        NetworkProblem::CannotConnect => "the store's server cannot be reached".into(),
        NetworkProblem::ConnectionLost => "the connection to the store's server broke".into(),
        NetworkProblem::RequestFailed => "the request to the store's server failed".into(),
        NetworkProblem::UntrustedAnswer => {
            "the answer was not the store server's: nothing was changed".into()
        }
        NetworkProblem::ServerError { status, code } => {
            format!("the store's server answered an error ({status} {code})")
        }
        NetworkProblem::OutOfStep => "out of step with the store's server: sync again".into(),
    }
}

fn refused(refusal: &Refusal) -> String {
    match refusal {
        Refusal::WrongPin => "wrong advisor ID or PIN".into(),
        Refusal::LockedOut { retry_after_secs } => format!(
            "too many failed sign-ins: try again in {}",
            wait(*retry_after_secs)
        ),
        Refusal::BadEnrollmentCode => "this enrolment code is unknown, used or expired".into(),
        Refusal::AlreadyEnrolled => "this handheld is enrolled already".into(),
        Refusal::Wiped { reason } => format!("the data was erased ({})", shred_reason(*reason)),
        Refusal::DeviceNotAccepted => "the store's server does not accept this handheld".into(),
        Refusal::OtherStore => "this handheld may not read that store".into(),
    }
}

/// Why a booking is refused, in a sentence (times in UTC: the app shows the store's).
pub fn appointment_refusal(refusal: &AppointmentRefusal) -> String {
    use AppointmentRefusal as R;
    let time = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    match refusal {
        R::UnknownService => "no such service in this store".into(),
        R::UnknownAdvisor => "no such advisor in this store".into(),
        R::UnknownResource => "no such cabin or chair".into(),
        R::UnknownTimeZone => "the store's time zone is unknown".into(),
        R::UnreadableHours => "the store's or the advisor's hours cannot be read".into(),
        R::TimeWithoutZone => "a time needs its zone".into(),
        R::UnreadableTime => "that is not a time".into(),
        R::LocalTimeSkipped => "that time does not exist that day: the clocks go forward".into(),
        R::LocalTimeTwice { earlier, later } => format!(
            "that time happens twice that day: {} or {}",
            time(*earlier),
            time(*later)
        ),
        R::LongerThanTheStoreDay {
            duration_min,
            longest_min,
        } => format!(
            "the service ({duration_min} min) is longer than the store's day ({longest_min} min)"
        ),
        R::AdvisorLacksSpecialty { specialty } => {
            format!("the advisor is not trained for {specialty}")
        }
        R::InThePast => "that time has passed".into(),
        R::TooShortNotice { earliest } => format!("too short notice: from {}", time(*earliest)),
        R::ClosedDay { day } => format!("the store is closed on {day}"),
        R::OutsideOpeningHours => "outside the store's opening hours".into(),
        R::AdvisorNotWorking => "the advisor does not work then".into(),
        R::AdvisorBusy => "the advisor is booked then".into(),
        R::CustomerBusy => "she is booked then".into(),
        R::ResourceBusy { kind } => format!("no {kind} is free then"),
        R::NotStartedYet => "the appointment has not started yet".into(),
        R::AlreadyClosed => "the appointment is cancelled, done or missed already".into(),
        R::NotConfirmedYet => "the store has not confirmed the appointment yet".into(),
    }
}

/// "45 s", "2 min": how long to wait, rounded up to the minute past one.
fn wait(seconds: u64) -> String {
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} min", seconds.div_ceil(60))
    }
}

/// Why a task is there, in a sentence.
pub fn task_reason(task: &ClientTask) -> String {
    let product = task.product_name.as_deref().unwrap_or("a product");
    match &task.reason {
        TaskReason::Replenishment {
            due_on, also_due, ..
        } => {
            let more = match also_due {
                0 => String::new(),
                1 => " (and 1 more)".into(),
                n => format!(" (and {n} more)"),
            };
            format!("runs out of {product} around {due_on}{more}")
        }
        TaskReason::Lapsing {
            last_visit,
            expected_on,
        } => format!("expected back by {expected_on}; last visit {last_visit}"),
        TaskReason::Birthday { on } => format!("birthday on {on}"),
        TaskReason::Launch { launch_on, .. } => {
            format!("{product} launches on {launch_on}, from a brand she buys")
        }
        TaskReason::Campaign { title, ends_on, .. } => {
            format!("campaign “{title}”, until {ends_on}")
        }
        TaskReason::ThankYou {
            on,
            amount_cents,
            new_tier,
        } => {
            let spent = format!("{:.2} €", *amount_cents as f64 / 100.0);
            match new_tier {
                Some(tier) => format!("thank her: {spent} on {on} made her {tier}"),
                None => format!("thank her: a first visit of {spent} on {on}"),
            }
        }
    }
}

/// What has been done with a task, or nothing for an open one.
pub fn task_progress(progress: &TaskProgress) -> String {
    match progress {
        TaskProgress::Open => String::new(),
        TaskProgress::Taken { advisor_id } => format!("taken by {advisor_id}"),
        TaskProgress::Done { advisor_id, at } => match advisor_id {
            Some(who) => format!("done by {who} on {}", &at[..at.len().min(10)]),
            None => format!("done on {}", &at[..at.len().min(10)]),
        },
        TaskProgress::Snoozed { until } => format!("snoozed until {until}"),
        TaskProgress::Dismissed { reason } => format!("dismissed: {reason}"),
    }
}

/// Minor units of an ISO 4217 currency as money: `1234.50 EUR`, `1235 JPY`.
pub fn money(minor: i64, currency: &str) -> String {
    let digits = carnet_ffi::minor_unit_digits(currency.to_owned()).unwrap_or(2);
    let scale = 10_i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let (whole, part) = (minor.abs() / scale, minor.abs() % scale);
    match digits {
        0 => format!("{sign}{whole} {currency}"),
        _ => format!(
            "{sign}{whole}.{part:0width$} {currency}",
            width = digits as usize
        ),
    }
}

/// How a history line was sold, or that it is a return, and what a line paid in another
/// currency is in hers.
pub fn sale(l: &carnet_ffi::HistoryLine) -> String {
    let how = match (&l.return_of, l.channel) {
        (Some(_), _) => " · returned",
        (None, carnet_ffi::SaleChannel::Store) => "",
        (None, carnet_ffi::SaleChannel::Web) => " · web order",
        (None, carnet_ffi::SaleChannel::App) => " · app order",
        (None, carnet_ffi::SaleChannel::ClickAndCollect) => " · click & collect",
    };
    let rate = match l.rates_of.as_deref() {
        Some("none") => " · no exchange rate yet".to_owned(),
        Some(day) => format!(" · at the rate of {day}"),
        None => String::new(),
    };
    format!("{how}{rate}")
}

/// What the card says of purchases abroad converted at an earlier day's rate or not yet.
pub fn rate_notes(c: &carnet_ffi::CustomerCard) -> String {
    let mut notes = Vec::new();
    if c.returned_lines > 0 {
        notes.push(format!("{} returned", c.returned_lines));
    }
    if c.earlier_rate_lines > 0 {
        notes.push(format!(
            "{} abroad at an earlier day's rate",
            c.earlier_rate_lines
        ));
    }
    if c.unconverted_lines > 0 {
        notes.push(format!(
            "{} abroad waiting for an exchange rate (left out)",
            c.unconverted_lines
        ));
    }
    notes.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lockout_says_how_long_to_wait() {
        let locked_out = |secs| {
            error(&CarnetError::Refused {
                refusal: Refusal::LockedOut {
                    retry_after_secs: secs,
                },
            })
        };
        assert_eq!(
            locked_out(45),
            "too many failed sign-ins: try again in 45 s"
        );
        assert_eq!(
            locked_out(61),
            "too many failed sign-ins: try again in 2 min"
        );
        assert_eq!(
            locked_out(300),
            "too many failed sign-ins: try again in 5 min"
        );
    }
}
