//! Phone numbers as people type them (`06 12 34 56 78`, `+33612345678`, `347 1234567`),
//! normalised to E.164 with libphonenumber's metadata.

use phonenumber::Mode;
use phonenumber::country::Id;

/// The E.164 form of `input`, read as a number of `country` (ISO 3166-1 alpha-2) unless it
/// carries its own `+` prefix. `None` when it is not a valid number.
pub fn to_e164(input: &str, country: &str) -> Option<String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return None;
    }
    let region: Option<Id> = country.trim().to_ascii_uppercase().parse().ok();
    let number = phonenumber::parse(region, trimmed).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(Mode::E164).to_string())
}

/// Fewest digits a partial number needs before it is looked up: fewer would list half the
/// store's mobiles.
pub const MIN_PREFIX_DIGITS: usize = 6;

/// Reads a number as it is being typed, in `country` unless it starts with `+` or `00`, as
/// the start of its E.164 form (`06 12 34` in France → `+3361234`); a complete number is its
/// whole E.164 form. `None` for anything else than digits and separators, or fewer than
/// [`MIN_PREFIX_DIGITS`] digits of an incomplete number.
pub fn typed(input: &str, country: &str) -> Option<String> {
    if let Some(whole) = to_e164(input, country) {
        return Some(whole);
    }
    let trimmed = input.trim();
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " .-/()+".contains(c))
        || trimmed.chars().skip(1).any(|c| c == '+')
    {
        return None;
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < MIN_PREFIX_DIGITS {
        return None;
    }
    if trimmed.starts_with('+') {
        return Some(format!("+{digits}"));
    }
    if let Some(international) = digits.strip_prefix("00") {
        return Some(format!("+{international}"));
    }
    let metadata =
        phonenumber::metadata::DATABASE.by_id(country.trim().to_ascii_uppercase().as_str())?;
    // The trunk prefix ("0" in France) is not part of the E.164 form; Italy keeps its 0.
    let national = metadata
        .national_prefix()
        .and_then(|trunk| digits.strip_prefix(trunk))
        .unwrap_or(&digits);
    Some(format!("+{}{national}", metadata.country_code()))
}

/// Loads the phone metadata now (about 140 ms the first time) rather than on the first lookup.
pub fn warm_up() {
    let _ = to_e164("01 23 45 67 89", "FR");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_forms_agree() {
        let expected = Some("+33612345678".to_owned());
        for typed in [
            "06 12 34 56 78",
            "0612345678",
            "06.12.34.56.78",
            "+33 6 12 34 56 78",
        ] {
            assert_eq!(to_e164(typed, "FR"), expected, "{typed}");
        }
        assert_eq!(
            to_e164("347 123 4567", "IT"),
            Some("+393471234567".to_owned())
        );
        assert_eq!(
            to_e164("+39 347 123 4567", "FR"),
            Some("+393471234567".to_owned())
        );
    }

    #[test]
    fn a_number_being_typed_is_the_start_of_its_e164_form() {
        let start = |s: &str| Some(s.to_owned());
        assert_eq!(typed("06 12 34", "FR"), start("+3361234"));
        assert_eq!(typed("+33 6 12 3", "FR"), start("+336123"));
        assert_eq!(typed("0033 6 12 3", "IT"), start("+336123"));
        // Italy has no trunk prefix: its 0 stays.
        assert_eq!(typed("02 1234", "IT"), start("+39021234"));
        assert_eq!(typed("06 12 34 56 78", "FR"), start("+33612345678"));
        // Too short, not a number, or a + in the middle.
        assert_eq!(typed("06 12", "FR"), None);
        assert_eq!(typed("06 12 ab", "FR"), None);
        assert_eq!(typed("06 12 +34 56", "FR"), None);
        assert_eq!(typed("06 12 34", "XX"), None);
    }

    #[test]
    fn invalid_numbers_have_no_e164() {
        assert_eq!(to_e164("", "FR"), None);
        assert_eq!(to_e164("06 12", "FR"), None);
        assert_eq!(to_e164("not a phone", "FR"), None);
    }
}
