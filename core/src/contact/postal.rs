//! Postal codes checked against their country's format (FR, IT, ES, DE, GB, BE, CH, JP, US, plus
//! the neighbours sharing a simple digit format); other countries get a loose check only.

use carnet_protocol::ContactField;

use super::{FieldError, FieldProblem};

/// The postal code in its canonical form for `country` (ISO 3166-1 alpha-2, upper case):
/// trimmed, letters in upper case, GB with one space before the inward code. Refused when it
/// does not have the country's format.
pub fn normalise_postal_code(typed: &str, country: &str) -> Result<String, FieldError> {
    let err = |country: &str, example: Option<&str>| FieldError {
        field: ContactField::Address,
        problem: FieldProblem::NotAPostalCode {
            country: country.to_owned(),
            example: example.map(str::to_owned),
        },
        suggestion: None,
    };
    let code = typed.trim().to_ascii_uppercase();
    let digits = |n: usize| code.len() == n && code.bytes().all(|b| b.is_ascii_digit());
    let number = code.parse::<u32>().unwrap_or(0);
    let ok = match country {
        // Départements 01–95 and overseas 97x/98x; no 00xxx and no 96xxx.
        "FR" => digits(5) && (1000..96000).contains(&number) || digits(5) && number >= 97000,
        // CAP: 00010 (Rome) to 98168.
        "IT" => digits(5) && (10..=98168).contains(&number),
        // Provinces 01–52.
        "ES" => digits(5) && (1000..53000).contains(&number),
        "DE" => digits(5) && (1000..=99998).contains(&number),
        "BE" | "CH" | "AT" | "LU" | "DK" | "NO" => digits(4) && (1000..=9999).contains(&number),
        "MC" => digits(5) && code.starts_with("980"),
        "NL" => return dutch(&code).ok_or_else(|| err("NL", Some("1234 AB"))),
        "PT" => {
            code.len() == 8
                && code.as_bytes()[4] == b'-'
                && code[..4].bytes().all(|b| b.is_ascii_digit())
                && code[5..].bytes().all(|b| b.is_ascii_digit())
        }
        "US" => {
            digits(5)
                || code.len() == 10
                    && code.as_bytes()[5] == b'-'
                    && code[..5].bytes().all(|b| b.is_ascii_digit())
                    && code[6..].bytes().all(|b| b.is_ascii_digit())
        }
        "JP" => return japanese(&code).ok_or_else(|| err("JP", Some("100-0005"))),
        "GB" => return british(&code).ok_or_else(|| err("GB", Some("SW1A 1AA"))),
        _ => {
            !code.is_empty()
                && code.len() <= 10
                && code.chars().any(|c| c.is_ascii_alphanumeric())
                && code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        }
    };
    if ok {
        Ok(code)
    } else {
        Err(err(country, example(country)))
    }
}

/// A postal code of the country, to show its format (none for the loosely checked ones).
fn example(country: &str) -> Option<&'static str> {
    Some(match country {
        "FR" => "75001",
        "IT" => "20121",
        "ES" => "28013",
        "DE" => "10115",
        "BE" => "1000",
        "CH" => "8001",
        "AT" | "LU" | "DK" | "NO" => "1010",
        "MC" => "98000",
        "PT" => "1100-148",
        "US" => "10001",
        _ => return None,
    })
}

/// Japanese postal code: seven digits, returned as 123-4567 (typed with or without the
/// hyphen).
fn japanese(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| *c != '-').collect();
    let hyphens = code.len() - digits.len();
    let well_placed = hyphens == 0 || hyphens == 1 && code.as_bytes().get(3) == Some(&b'-');
    (digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) && well_placed)
        .then(|| format!("{}-{}", &digits[..3], &digits[3..]))
}

/// UK postcode: outward code (A9, A99, AA9, AA99, A9A, AA9A) and inward code (9AA), with or
/// without the space; returned with one space. GIR 0AA is the one historic exception.
fn british(code: &str) -> Option<String> {
    let compact: String = code.chars().filter(|c| *c != ' ').collect();
    if compact == "GIR0AA" {
        return Some("GIR 0AA".to_owned());
    }
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let i = inward.as_bytes();
    let inward_ok =
        i[0].is_ascii_digit() && i[1].is_ascii_alphabetic() && i[2].is_ascii_alphabetic();
    let shape: String = outward
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { 'A' })
        .collect();
    let outward_ok = matches!(
        shape.as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    );
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

/// Dutch postcode: four digits (not starting with 0) and two letters, returned as `1234 AB`.
fn dutch(code: &str) -> Option<String> {
    let compact: String = code.chars().filter(|c| *c != ' ').collect();
    let b = compact.as_bytes();
    (b.len() == 6
        && b[0] != b'0'
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphabetic))
    .then(|| format!("{} {}", &compact[..4], &compact[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good(country: &str, typed: &str, expected: &str) {
        assert_eq!(
            normalise_postal_code(typed, country).ok().as_deref(),
            Some(expected),
            "{country} {typed}"
        );
    }

    fn bad(country: &str, typed: &str) {
        let e = normalise_postal_code(typed, country);
        assert!(e.is_err(), "{country} {typed} accepted");
        let e = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains(country), "{e}");
    }

    #[test]
    fn each_country_accepts_its_format() {
        for (c, t, e) in [
            ("FR", "75001", "75001"),
            ("FR", " 69002 ", "69002"),
            ("FR", "01000", "01000"),
            ("FR", "20000", "20000"),
            ("FR", "97400", "97400"),
            ("IT", "20121", "20121"),
            ("IT", "00118", "00118"),
            ("ES", "28013", "28013"),
            ("ES", "08001", "08001"),
            ("DE", "10115", "10115"),
            ("DE", "01067", "01067"),
            ("BE", "1000", "1000"),
            ("CH", "8001", "8001"),
            ("US", "10001", "10001"),
            ("US", "10001-1234", "10001-1234"),
            ("GB", "SW1A 1AA", "SW1A 1AA"),
            ("GB", "sw1a1aa", "SW1A 1AA"),
            ("GB", "M1 1AE", "M1 1AE"),
            ("GB", "B33 8TH", "B33 8TH"),
            ("GB", "CR2 6XH", "CR2 6XH"),
            ("GB", "DN55 1PT", "DN55 1PT"),
            ("GB", "W1A 0AX", "W1A 0AX"),
            ("GB", "GIR 0AA", "GIR 0AA"),
            ("NL", "1011ab", "1011 AB"),
            ("PT", "1100-148", "1100-148"),
            ("MC", "98000", "98000"),
            ("JP", "100-0001", "100-0001"),
            ("JP", "1500041", "150-0041"),
        ] {
            good(c, t, e);
        }
    }

    #[test]
    fn each_country_refuses_other_formats() {
        for (c, t) in [
            ("FR", "7500"),
            ("FR", "750011"),
            ("FR", "00100"),
            ("FR", "96000"),
            ("FR", "75 001"),
            ("FR", "A5001"),
            ("FR", ""),
            ("IT", "2012"),
            ("IT", "00000"),
            ("IT", "99000"),
            ("ES", "53000"),
            ("ES", "00100"),
            ("DE", "1011"),
            ("DE", "00999"),
            ("BE", "0999"),
            ("BE", "10000"),
            ("CH", "800"),
            ("US", "1234"),
            ("US", "12345-12"),
            ("US", "ABCDE"),
            ("GB", "SW1A"),
            ("GB", "1AA SW1"),
            ("GB", "SW1A 1A1"),
            ("GB", "QQQQ 1AA"),
            ("NL", "0123 AB"),
            ("PT", "1100"),
            ("JP", "###"),
            ("JP", "10-00001"),
            ("JP", "100-000"),
            ("JP", "1000-001"),
        ] {
            bad(c, t);
        }
    }
}
