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
    fn invalid_numbers_have_no_e164() {
        assert_eq!(to_e164("", "FR"), None);
        assert_eq!(to_e164("06 12", "FR"), None);
        assert_eq!(to_e164("not a phone", "FR"), None);
    }
}
