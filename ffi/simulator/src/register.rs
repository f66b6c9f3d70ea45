//! Registering a new customer at the counter: the form, the existing customers she may already
//! be (shown while she is typed, before a duplicate is made) and the core's refusals shown
//! under the field they are about, with the correction the core offers (F8 takes it). Every
//! rule is the core's; this only collects the text.

use carnet_ffi::{
    CandidateContact, CarnetError, ContactField, DuplicateHint, DuplicateReason, FormProblem,
    NewCustomer,
};

use crate::input::TextField;
use crate::words;

/// The form's fields: label, and the field name the core's `InvalidField` errors use.
pub const FIELDS: [(&str, &str); 9] = [
    ("Card", "card"),
    ("First name", "first_name"),
    ("Last name", "last_name"),
    ("E-mail", "email"),
    ("Phone", "phone"),
    ("Street", "line1"),
    // The core reports a bad postal code against the whole address.
    ("Postal code", "address"),
    ("City", "city"),
    ("Language", "language"),
];

const CARD: usize = 0;
const FIRST_NAME: usize = 1;
const LAST_NAME: usize = 2;
const EMAIL: usize = 3;
const PHONE: usize = 4;
const LINE1: usize = 5;
const POSTAL_CODE: usize = 6;
const CITY: usize = 7;
const LANGUAGE: usize = 8;

pub struct RegisterForm {
    pub fields: [TextField; FIELDS.len()],
    /// A field (`< FIELDS.len()`) or, past the fields, a likely duplicate.
    pub focus: usize,
    pub hints: Vec<DuplicateHint>,
    /// The refusals, each with the field it is about: what to show under it.
    pub errors: Vec<(usize, String)>,
    /// The corrections the core offers, each with its field: the whole value to put in it.
    pub suggestions: Vec<(usize, String)>,
}

impl RegisterForm {
    /// A blank form; `card` is the card just scanned, if any.
    pub fn new(card: &str) -> Self {
        let mut fields: [TextField; FIELDS.len()] = Default::default();
        fields[CARD] = TextField::with(card);
        fields[LANGUAGE] = TextField::with("fr");
        Self {
            focus: if card.is_empty() { CARD } else { FIRST_NAME },
            fields,
            hints: Vec::new(),
            errors: Vec::new(),
            suggestions: Vec::new(),
        }
    }

    /// Fields and hints, the places the focus can be.
    pub fn stops(&self) -> usize {
        FIELDS.len() + self.hints.len()
    }

    /// The likely duplicate under the focus, if the focus is on one.
    pub fn focused_hint(&self) -> Option<&DuplicateHint> {
        self.focus
            .checked_sub(FIELDS.len())
            .and_then(|i| self.hints.get(i))
    }

    fn text(&self, field: usize) -> String {
        self.fields[field].text.trim().to_owned()
    }

    fn optional(&self, field: usize) -> Option<String> {
        Some(self.text(field)).filter(|t| !t.is_empty())
    }

    /// What is typed so far, as the core's duplicate finder takes it; none while the core
    /// says too little is typed to look for anyone.
    pub fn candidate(&self) -> Option<CandidateContact> {
        let candidate = CandidateContact {
            customer_id: None,
            first_name: self.text(FIRST_NAME),
            last_name: self.text(LAST_NAME),
            email: self.optional(EMAIL),
            phone: self.optional(PHONE),
            postal_code: self.optional(POSTAL_CODE),
        };
        carnet_ffi::should_look_for_duplicates(candidate.clone()).then_some(candidate)
    }

    /// The focused field was edited: what was said about it no longer holds.
    pub fn edited(&mut self) {
        let focus = self.focus;
        self.errors.retain(|(field, _)| *field != focus);
        self.suggestions.retain(|(field, _)| *field != focus);
    }

    /// F8: puts the correction the core offers for the focused field in it.
    pub fn take_suggestion(&mut self) {
        let focus = self.focus;
        if let Some((_, value)) = self.suggestions.iter().find(|(f, _)| *f == focus) {
            self.fields[focus] = TextField::with(value);
            self.edited();
        }
    }

    pub fn new_customer(&self) -> NewCustomer {
        NewCustomer {
            card: self.text(CARD),
            first_name: self.text(FIRST_NAME),
            last_name: self.text(LAST_NAME),
            email: self.optional(EMAIL),
            phone: self.optional(PHONE),
            line1: self.text(LINE1),
            postal_code: self.text(POSTAL_CODE),
            city: self.text(CITY),
            language: self.text(LANGUAGE),
        }
    }

    /// Puts every problem under its field, and the focus on the first.
    pub fn problems(&mut self, problems: Vec<FormProblem>) {
        self.errors.clear();
        self.suggestions.clear();
        for p in problems {
            let (field, reason, suggestion) = match p {
                FormProblem::Card { problem } => (CARD, words::card_problem(&problem), None),
                FormProblem::Field {
                    field,
                    problem,
                    suggestion,
                } => (
                    field_index(&field),
                    words::field_problem(&problem),
                    suggestion,
                ),
            };
            let corrected = suggestion.map(|s| {
                let typed = self.fields[field].text.clone();
                match field {
                    EMAIL => carnet_ffi::corrected_value(ContactField::Email, typed, s),
                    _ => s,
                }
            });
            let message = match &corrected {
                Some(value) => format!("{reason} — did you mean {value}? (F8)"),
                None => reason,
            };
            self.errors.push((field, message));
            self.suggestions
                .extend(corrected.map(|value| (field, value)));
        }
        if let Some((field, _)) = self.errors.first() {
            self.focus = *field;
        }
    }

    /// Puts a refusal of the registration itself under its field and the focus on it.
    pub fn refused(&mut self, error: CarnetError) {
        match error {
            CarnetError::InvalidCard { problem } => {
                self.problems(vec![FormProblem::Card { problem }])
            }
            CarnetError::InvalidField {
                field,
                problem,
                suggestion,
            } => self.problems(vec![FormProblem::Field {
                field,
                problem,
                suggestion,
            }]),
            other => {
                let field = self.focus.min(FIELDS.len() - 1);
                self.errors = vec![(field, words::error(&other))];
            }
        }
    }

    /// The refusals under `field`.
    pub fn errors_of(&self, field: usize) -> impl Iterator<Item = &str> {
        self.errors
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, message)| message.as_str())
    }
}

/// The form's field for a problem's field name; an unknown name goes under the first name.
fn field_index(name: &str) -> usize {
    FIELDS
        .iter()
        .position(|(_, field)| *field == name)
        .unwrap_or(FIRST_NAME)
}

/// Why a hint is shown, in a few words.
pub fn describe(reasons: &[DuplicateReason]) -> String {
    reasons
        .iter()
        .map(|r| match r {
            DuplicateReason::SameEmail => "same e-mail",
            DuplicateReason::SamePhone => "same phone",
            DuplicateReason::SimilarNameSamePostalCode => "similar name, same postal code",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use carnet_ffi::{CardProblem, FieldProblem};

    #[test]
    fn nothing_is_looked_up_until_the_core_says_enough_is_typed() {
        let mut form = RegisterForm::new("");
        form.fields[FIRST_NAME] = TextField::with("Zoé");
        form.fields[LAST_NAME] = TextField::with(" Martin ");
        assert!(form.candidate().is_none(), "names without a postal code");
        form.fields[POSTAL_CODE] = TextField::with("75011");
        let candidate = form.candidate().unwrap_or_else(|| unreachable!());
        assert_eq!(candidate.last_name, "Martin");
        assert_eq!(candidate.email, None);
        let mut form = RegisterForm::new("");
        form.fields[EMAIL] = TextField::with("zoe@example.fr");
        assert!(form.candidate().is_some());
    }

    #[test]
    fn every_problem_lands_under_its_field_and_the_focus_on_the_first() {
        let mut form = RegisterForm::new("2900000000017");
        assert_eq!(
            form.focus, FIRST_NAME,
            "a scanned card is already filled in"
        );
        let problem = |field: &str, problem, suggestion: Option<&str>| FormProblem::Field {
            field: field.into(),
            problem,
            suggestion: suggestion.map(Into::into),
        };
        form.fields[EMAIL] = TextField::with("zoe@gmial.com");
        form.problems(vec![
            problem(
                "address",
                FieldProblem::NotAPostalCode {
                    country: "FR".into(),
                    example: Some("75001".into()),
                },
                None,
            ),
            problem(
                "email",
                FieldProblem::EmailDomainMistyped,
                Some("gmail.com"),
            ),
        ]);
        assert_eq!(form.focus, POSTAL_CODE);
        assert_eq!(
            form.errors_of(EMAIL).collect::<Vec<_>>(),
            ["The domain looks mistyped. — did you mean zoe@gmail.com? (F8)"]
        );
        assert_eq!(
            form.errors_of(POSTAL_CODE).collect::<Vec<_>>(),
            ["Not a postal code of FR (e.g. 75001)."]
        );
        assert_eq!(form.errors_of(POSTAL_CODE).count(), 1);
        form.take_suggestion();
        assert_eq!(
            form.errors_of(POSTAL_CODE).count(),
            1,
            "no suggestion there"
        );
        form.focus = EMAIL;
        form.take_suggestion();
        assert_eq!(form.fields[EMAIL].text, "zoe@gmail.com");
        assert_eq!(form.errors_of(EMAIL).count(), 0);
        form.refused(CarnetError::InvalidCard {
            problem: CardProblem::BadCheckDigit,
        });
        assert_eq!((form.focus, form.errors.len()), (CARD, 1));
        assert_eq!(
            form.errors_of(CARD).collect::<Vec<_>>(),
            ["The card number does not check out: mistyped or misread."]
        );
    }
}
