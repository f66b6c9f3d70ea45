//! Contact details rules shared by the handheld and the sync server: each field is validated and
//! normalised the same way on both sides, with a reason the UI can show beside the field.
//!
//! A reason never quotes the value typed (it may be personal data); only a suggested e-mail
//! domain is given back, because the advisor needs it to fix a typo.

mod email;
mod language;
mod postal;

use carnet_protocol::{Address, ContactField, ContactValue, Customer};

pub use email::{KNOWN_DOMAINS, normalise_email, suggest_domain, with_domain};
pub use language::is_iso_639_1;
pub use postal::normalise_postal_code;

use crate::phone;

/// Longest name, city or address line accepted (characters).
pub const MAX_TEXT: usize = 200;

/// A name, city or address line over [`MAX_TEXT`].
fn too_long() -> FieldProblem {
    FieldProblem::TooLong {
        max_chars: MAX_TEXT as u32,
    }
}

/// Why a value cannot be saved in a field, for the UI to show inline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", field.as_str())]
pub struct FieldError {
    /// The field at fault.
    pub field: ContactField,
    /// What is wrong, for each app to word in its language; never quotes the value.
    pub problem: FieldProblem,
    /// A likely intended value: for an e-mail whose domain looks mistyped, the domain
    /// (`gmail.com` for `gmial.com`).
    pub suggestion: Option<String>,
}

impl FieldError {
    fn new(field: ContactField, problem: FieldProblem) -> Self {
        Self {
            field,
            problem,
            suggestion: None,
        }
    }
}

/// What is wrong with a field's value: a typed reason (the apps word it in the advisor's
/// language; the English here is for the server's logs and refusals). Never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    /// Left empty, and it is required (a name, the language, an address).
    #[error("required")]
    Required,
    /// An address without its city.
    #[error("the city is required")]
    CityRequired,
    /// An address given for a text field.
    #[error("this field takes text, not an address")]
    NotText,
    /// Longer than the field takes.
    #[error("at most {max_chars} characters")]
    TooLong {
        /// The most it takes.
        max_chars: u32,
    },
    /// An e-mail address with a space in it.
    #[error("an e-mail address has no spaces")]
    EmailHasSpaces,
    /// An e-mail address without an @.
    #[error("an e-mail address needs an @")]
    EmailNeedsAt,
    /// An e-mail address with more than one @.
    #[error("an e-mail address has a single @")]
    EmailHasSeveralAt,
    /// The part before the @ is empty, has a leading, trailing or double dot, or a symbol.
    #[error("the part before the @ is not valid")]
    EmailLocalPart,
    /// The domain is not labels of letters, digits and hyphens joined by single dots.
    #[error("the domain after the @ is not valid (e.g. gmail.com)")]
    EmailDomain,
    /// The domain is one letter or two off a known one (the suggestion).
    #[error("the domain looks mistyped")]
    EmailDomainMistyped,
    /// A phone number with letters in it.
    #[error("a phone number has no letters")]
    PhoneHasLetters,
    /// Fewer than six digits.
    #[error("the number is too short")]
    PhoneTooShort,
    /// Not a number of the country, nor one with its +country prefix.
    #[error("not a valid phone number for {country} (or with its +country prefix)")]
    PhoneNotOfCountry {
        /// ISO 3166-1 alpha-2.
        country: String,
    },
    /// Not an ISO 639-1 code.
    #[error("not an ISO 639-1 language code (two letters, e.g. fr, it, en)")]
    NotALanguage,
    /// A name without a letter.
    #[error("a name needs letters")]
    NameNeedsLetters,
    /// A name with a digit.
    #[error("a name has no digits")]
    NameHasDigits,
    /// A name with a symbol other than apostrophes, hyphens and dots.
    #[error("a name has only letters, spaces, apostrophes, hyphens and dots")]
    NameHasSymbols,
    /// Not an ISO 3166-1 country code.
    #[error("the country is not an ISO 3166-1 code (two letters, e.g. FR)")]
    UnknownCountry,
    /// Not in the country's postal code format.
    #[error("not a postal code of {country}{}", example.as_ref().map(|e| format!(" (e.g. {e})")).unwrap_or_default())]
    NotAPostalCode {
        /// ISO 3166-1 alpha-2.
        country: String,
        /// One that is, to show the format (none where the check is loose).
        example: Option<String>,
    },
}

/// The value a [`FieldError`]'s suggestion stands for, to put in the field in place of
/// `typed`: for an e-mail, the address typed with the suggested domain in place of its own
/// ([`with_domain`]); otherwise, or when there is no @ to splice at, the suggestion itself.
pub fn corrected_value(field: ContactField, typed: &str, suggestion: &str) -> String {
    match field {
        ContactField::Email if !suggestion.contains('@') => {
            with_domain(typed, suggestion).unwrap_or_else(|| suggestion.to_owned())
        }
        _ => suggestion.to_owned(),
    }
}

/// A value that passed [`validate`], in the form to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Normalised {
    /// Text, or `None` for a cleared e-mail or phone. Phones are in E.164, e-mail domains in
    /// lower case, names and codes trimmed.
    Text(Option<String>),
    /// An address with its postal code in the country's canonical form and the country code
    /// in upper case.
    Address(Address),
}

impl Normalised {
    /// The protocol value carrying this normalised value (`None` for a cleared field).
    pub fn into_value(self) -> Option<ContactValue> {
        match self {
            Normalised::Text(t) => t.map(ContactValue::Text),
            Normalised::Address(a) => Some(ContactValue::Address(a)),
        }
    }
}

/// Validates and normalises the value of a contact field. `country` (ISO 3166-1 alpha-2, the
/// store's) reads national phone numbers; an address's postal code is checked against the
/// address's own country.
///
/// E-mail and phone may be cleared (`None` or blank); names, language and address may not.
pub fn validate(
    field: ContactField,
    value: Option<&ContactValue>,
    country: &str,
) -> Result<Normalised, FieldError> {
    let text = match (field, value) {
        (ContactField::Address, Some(ContactValue::Address(a))) => {
            return validate_address(a).map(Normalised::Address);
        }
        (ContactField::Address, _) => {
            return Err(FieldError::new(field, FieldProblem::Required));
        }
        (_, Some(ContactValue::Address(_))) => {
            return Err(FieldError::new(field, FieldProblem::NotText));
        }
        (_, Some(ContactValue::Text(t))) if !t.trim().is_empty() => t.trim(),
        (ContactField::Email | ContactField::Phone, _) => return Ok(Normalised::Text(None)),
        (ContactField::Language, _) => {
            return Err(FieldError::new(field, FieldProblem::Required));
        }
        (ContactField::FirstName | ContactField::LastName, _) => {
            return Err(FieldError::new(field, FieldProblem::Required));
        }
    };
    let normalised = match field {
        ContactField::Email => normalise_email(text)?,
        ContactField::Phone => normalise_phone(text, country)?,
        ContactField::Language => normalise_language(text)?,
        ContactField::FirstName | ContactField::LastName => normalise_name(field, text)?,
        // Handled above; repeated so the match needs no panic path.
        ContactField::Address => return Err(FieldError::new(field, FieldProblem::Required)),
    };
    Ok(Normalised::Text(Some(normalised)))
}

/// Validates every contact field of a whole customer record (a registration): names,
/// language and address required, e-mail and phone optional. Returns the record with each
/// field normalised as [`validate`] does; other fields are left as they are.
pub fn validate_customer(customer: &Customer, country: &str) -> Result<Customer, FieldError> {
    match checked_customer(customer, country) {
        Ok(out) => Ok(out),
        Err(mut problems) => Err(problems.remove(0)),
    }
}

/// Every problem with a customer's details, in form order (names, language, address,
/// e-mail, phone), for a form to show them all at once; empty when [`validate_customer`]
/// would accept her.
pub fn customer_problems(customer: &Customer, country: &str) -> Vec<FieldError> {
    checked_customer(customer, country)
        .err()
        .unwrap_or_default()
}

/// The customer normalised, or every problem (never an empty list).
fn checked_customer(customer: &Customer, country: &str) -> Result<Customer, Vec<FieldError>> {
    let mut problems = Vec::new();
    let mut out = customer.clone();
    // In form order: names, language, address, e-mail, phone.
    match normalise_name(ContactField::FirstName, &customer.first_name) {
        Ok(name) => out.first_name = name,
        Err(e) => problems.push(e),
    }
    match normalise_name(ContactField::LastName, &customer.last_name) {
        Ok(name) => out.last_name = name,
        Err(e) => problems.push(e),
    }
    match normalise_language(&customer.language) {
        Ok(language) => out.language = language,
        Err(e) => problems.push(e),
    }
    match validate_address(&customer.address) {
        Ok(address) => out.address = address,
        Err(e) => problems.push(e),
    }
    match given(&customer.email).map(normalise_email).transpose() {
        Ok(email) => out.email = email,
        Err(e) => problems.push(e),
    }
    match given(&customer.phone)
        .map(|p| normalise_phone(p, country))
        .transpose()
    {
        Ok(phone) => out.phone = phone,
        Err(e) => problems.push(e),
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// An optional field as typed: blank is not given.
fn given(typed: &Option<String>) -> Option<&str> {
    typed.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// A phone number in E.164, read as a number of `country` unless it carries its own prefix.
pub fn normalise_phone(typed: &str, country: &str) -> Result<String, FieldError> {
    let field = ContactField::Phone;
    let typed = typed.trim();
    if typed.chars().any(char::is_alphabetic) {
        return Err(FieldError::new(field, FieldProblem::PhoneHasLetters));
    }
    if typed.chars().filter(char::is_ascii_digit).count() < 6 {
        return Err(FieldError::new(field, FieldProblem::PhoneTooShort));
    }
    phone::to_e164(typed, country).ok_or_else(|| {
        FieldError::new(
            field,
            FieldProblem::PhoneNotOfCountry {
                country: country.trim().to_ascii_uppercase(),
            },
        )
    })
}

/// A language code, ISO 639-1, in lower case.
pub fn normalise_language(typed: &str) -> Result<String, FieldError> {
    let code = typed.trim().to_ascii_lowercase();
    if is_iso_639_1(&code) {
        Ok(code)
    } else {
        Err(FieldError::new(
            ContactField::Language,
            FieldProblem::NotALanguage,
        ))
    }
}

/// A first or last name: trimmed, inner runs of spaces made one; letters with apostrophes,
/// hyphens, dots and spaces between them; no digits or symbols.
pub fn normalise_name(field: ContactField, typed: &str) -> Result<String, FieldError> {
    let name = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(FieldError::new(field, FieldProblem::Required));
    }
    if name.chars().count() > MAX_TEXT {
        return Err(FieldError::new(field, too_long()));
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(FieldError::new(field, FieldProblem::NameNeedsLetters));
    }
    // Marks (combining accents) are allowed so that decomposed input (e + ́) is accepted.
    let allowed = |c: char| {
        c.is_alphabetic()
            || c == ' '
            || matches!(c, '\'' | '’' | '-' | '‐' | '.')
            || unicode_normalization::char::is_combining_mark(c)
    };
    if name.chars().any(|c| c.is_numeric()) {
        return Err(FieldError::new(field, FieldProblem::NameHasDigits));
    }
    if !name.chars().all(allowed) {
        return Err(FieldError::new(field, FieldProblem::NameHasSymbols));
    }
    Ok(name)
}

/// An address: city required, street line optional, country a known ISO 3166-1 alpha-2 code,
/// postal code in that country's format.
pub fn validate_address(a: &Address) -> Result<Address, FieldError> {
    let field = ContactField::Address;
    let country = a.country.trim().to_ascii_uppercase();
    if country.len() != 2 || country.parse::<phonenumber::country::Id>().is_err() {
        return Err(FieldError::new(field, FieldProblem::UnknownCountry));
    }
    let line1 = a.line1.split_whitespace().collect::<Vec<_>>().join(" ");
    let city = a.city.split_whitespace().collect::<Vec<_>>().join(" ");
    if city.is_empty() {
        return Err(FieldError::new(field, FieldProblem::CityRequired));
    }
    if line1.chars().count() > MAX_TEXT || city.chars().count() > MAX_TEXT {
        return Err(FieldError::new(field, too_long()));
    }
    let postal_code = normalise_postal_code(&a.postal_code, &country)?;
    Ok(Address {
        line1,
        postal_code,
        city,
        country,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggestion_is_put_back_in_the_field() {
        let error = normalise_email("zelie.n@gmial.com").unwrap_err();
        let domain = error.suggestion.unwrap();
        assert_eq!(
            corrected_value(ContactField::Email, "zelie.n@gmial.com", &domain),
            "zelie.n@gmail.com"
        );
        assert_eq!(
            corrected_value(ContactField::Email, "zelie@x.fr", "zoe@gmail.com"),
            "zoe@gmail.com",
            "a whole address is taken whole"
        );
        assert_eq!(
            corrected_value(ContactField::Email, "no at sign", "gmail.com"),
            "gmail.com"
        );
        assert_eq!(
            corrected_value(ContactField::Phone, "06 12", "+33612"),
            "+33612"
        );
    }

    fn text(s: &str) -> Option<ContactValue> {
        Some(ContactValue::Text(s.into()))
    }

    fn ok(field: ContactField, s: &str, country: &str) -> Option<String> {
        match validate(field, text(s).as_ref(), country) {
            Ok(Normalised::Text(t)) => t,
            other => panic!("{s:?} refused: {other:?}"),
        }
    }

    fn err(field: ContactField, s: &str, country: &str) -> FieldError {
        match validate(field, text(s).as_ref(), country) {
            Err(e) => e,
            Ok(v) => panic!("{s:?} accepted as {v:?}"),
        }
    }

    fn customer(first: &str, postal_code: &str, email: &str, phone: &str) -> Customer {
        Customer {
            id: "N1".into(),
            card: "2900000000015".into(),
            first_name: first.into(),
            last_name: "Martin".into(),
            email: Some(email.into()),
            phone: Some(phone.into()),
            address: carnet_protocol::Address {
                line1: "1 rue A".into(),
                postal_code: postal_code.into(),
                city: "Paris".into(),
                country: "FR".into(),
            },
            language: "fr".into(),
            home_store_id: "S001".into(),
            tier: "essentiel".into(),
            points: 0,
            customer_type: "individual".into(),
            segment: String::new(),
            consents: vec![],
            created_on: "2026-11-01".into(),
            updated_at: "2026-11-01T10:00:00Z".into(),
            advisor_id: None,
            birthday: None,
        }
    }

    #[test]
    fn a_form_gets_every_problem_at_once_in_form_order() {
        let bad = customer(" ", "7501", "zoe@gmial.com", "06 12");
        let problems = customer_problems(&bad, "FR");
        let fields: Vec<ContactField> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                ContactField::FirstName,
                ContactField::Address,
                ContactField::Email,
                ContactField::Phone
            ]
        );
        assert_eq!(problems[2].suggestion.as_deref(), Some("gmail.com"));
        // The form's submit stops at the first, the same.
        assert_eq!(
            validate_customer(&bad, "FR").err(),
            Some(problems[0].clone())
        );
        // Blank optional fields are not given; a valid form has no problem.
        let good = customer("Zoé", "75011", " ", "");
        assert!(customer_problems(&good, "FR").is_empty());
        let normalised = validate_customer(&good, "FR").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((normalised.email, normalised.phone), (None, None));
    }

    #[test]
    fn phones_are_normalised_to_e164_for_the_store_country() {
        for typed in [
            "06 12 34 56 78",
            "0612345678",
            "+33 6 12 34 56 78",
            "+33612345678",
            "06.12.34.56.78",
            "0033612345678",
        ] {
            assert_eq!(
                ok(ContactField::Phone, typed, "FR").as_deref(),
                Some("+33612345678")
            );
        }
        assert_eq!(
            ok(ContactField::Phone, "01 42 60 30 30", "FR").as_deref(),
            Some("+33142603030")
        );
        for typed in ["347 1234567", "+39 347 123 4567", "0039 347 1234567"] {
            assert_eq!(
                ok(ContactField::Phone, typed, "IT").as_deref(),
                Some("+393471234567")
            );
        }
        // A foreign number keeps its own prefix whatever the store's country.
        assert_eq!(
            ok(ContactField::Phone, "+39 347 123 4567", "FR").as_deref(),
            Some("+393471234567")
        );
        assert_eq!(ok(ContactField::Phone, "  ", "FR"), None);
        assert_eq!(
            validate(ContactField::Phone, None, "FR"),
            Ok(Normalised::Text(None))
        );
    }

    #[test]
    fn bad_phones_are_refused_with_a_reason() {
        assert_eq!(
            err(ContactField::Phone, "06 9A 91 48 07", "FR").problem,
            FieldProblem::PhoneHasLetters
        );
        assert_eq!(
            err(ContactField::Phone, "O6 12 34 56 78", "FR").problem,
            FieldProblem::PhoneHasLetters
        );
        assert_eq!(
            err(ContactField::Phone, "06 12", "FR").problem,
            FieldProblem::PhoneTooShort
        );
        let e = err(ContactField::Phone, "06 12 34 56", "FR");
        assert_eq!(
            e.problem,
            FieldProblem::PhoneNotOfCountry {
                country: "FR".into()
            }
        );
        assert!(
            !e.to_string().contains("06"),
            "the reason never quotes the value"
        );
        err(ContactField::Phone, "347 123", "IT");
    }

    #[test]
    fn names_are_trimmed_and_need_letters() {
        assert_eq!(
            ok(ContactField::FirstName, "  Marie   Hélène ", "FR").as_deref(),
            Some("Marie Hélène")
        );
        for good in [
            "N'Diaye",
            "D’Angelo",
            "Jean-Loïc",
            "Niccolò",
            "St. John",
            "Ó Súilleabháin",
            // Japanese customers registered in katakana.
            "サトウ",
            "ハナコ",
        ] {
            assert_eq!(
                ok(ContactField::LastName, good, "FR").as_deref(),
                Some(good)
            );
        }
        // Decomposed accents (e + combining acute) are letters too.
        ok(ContactField::FirstName, "He\u{301}le\u{300}ne", "FR");
        assert_eq!(
            err(ContactField::LastName, "   ", "FR").problem,
            FieldProblem::Required
        );
        assert!(validate(ContactField::FirstName, None, "FR").is_err());
        assert_eq!(
            err(ContactField::LastName, "Dupont2", "FR").problem,
            FieldProblem::NameHasDigits
        );
        assert_eq!(
            err(ContactField::LastName, "--", "FR").problem,
            FieldProblem::NameNeedsLetters
        );
        err(ContactField::LastName, "a@b", "FR");
        err(ContactField::LastName, &"a".repeat(201), "FR");
    }

    #[test]
    fn languages_are_iso_639_1() {
        for good in ["fr", "it", "en", "de", "es", " PT ", "zh", "ar"] {
            assert_eq!(
                ok(ContactField::Language, good, "FR"),
                Some(good.trim().to_ascii_lowercase())
            );
        }
        for bad in ["fra", "f", "xx", "qq", "français", "e1"] {
            err(ContactField::Language, bad, "FR");
        }
        assert!(validate(ContactField::Language, None, "FR").is_err());
    }

    #[test]
    fn addresses_are_checked_against_their_country() {
        let a = |postal: &str, country: &str| Address {
            line1: " 12  rue de Rivoli ".into(),
            postal_code: postal.into(),
            city: "Paris".into(),
            country: country.into(),
        };
        let v = validate(
            ContactField::Address,
            Some(&ContactValue::Address(a(" 75001 ", "fr"))),
            "FR",
        )
        .unwrap();
        let Normalised::Address(n) = v else { panic!() };
        assert_eq!(
            (n.line1.as_str(), n.postal_code.as_str(), n.country.as_str()),
            ("12 rue de Rivoli", "75001", "FR")
        );
        assert!(validate_address(&a("7500", "FR")).is_err());
        assert!(validate_address(&a("75001", "XX")).is_err());
        assert!(validate_address(&a("75001", "")).is_err());
        let mut no_city = a("75001", "FR");
        no_city.city = " ".into();
        assert!(validate_address(&no_city).is_err());
        // An empty street line is allowed (the CRM has some).
        let mut no_street = a("75001", "FR");
        no_street.line1 = String::new();
        assert!(validate_address(&no_street).is_ok());
        assert!(validate(ContactField::Address, text("75001").as_ref(), "FR").is_err());
        assert!(validate(ContactField::Address, None, "FR").is_err());
        assert!(
            validate(
                ContactField::Email,
                Some(&ContactValue::Address(a("75001", "FR"))),
                "FR"
            )
            .is_err()
        );
    }

    #[test]
    fn emails_are_validated_and_normalised() {
        assert_eq!(
            ok(ContactField::Email, " Marie.Dupont@Gmail.COM ", "FR").as_deref(),
            Some("Marie.Dupont@gmail.com")
        );
        assert_eq!(ok(ContactField::Email, "", "FR"), None);
        let e = err(ContactField::Email, "marie.dupont@gmial.com", "FR");
        assert_eq!(e.suggestion.as_deref(), Some("gmail.com"));
        assert_eq!(e.problem, FieldProblem::EmailDomainMistyped);
        assert!(!e.to_string().contains("marie"));
    }

    #[test]
    fn the_error_names_the_field_not_the_value() {
        let e = err(ContactField::Email, "secret.person@@x.fr", "FR");
        let shown = e.to_string();
        assert!(shown.starts_with("email: "), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
