//! Loyalty cards as the camera reads them: EAN-13, check digit verified.

use std::fmt;

/// Why a scanned string is not a loyalty card. Carries no digits of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    /// Nothing was read.
    #[error("empty code")]
    Empty,
    /// A character other than a digit (spaces and dashes are allowed and ignored).
    #[error("only digits are allowed")]
    NotDigits,
    /// Not 13 digits.
    #[error("a card has 13 digits, this code has {0}")]
    WrongLength(usize),
    /// The last digit does not match the other twelve.
    #[error("the check digit does not match: mistyped or misread")]
    BadCheckDigit,
}

/// A loyalty card number: 13 digits with a valid EAN-13 check digit.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CardNumber(String);

impl CardNumber {
    /// Parses what a scanner or a person typed. Spaces and dashes are ignored.
    pub fn parse(input: &str) -> Result<Self, BarcodeError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(BarcodeError::Empty);
        }
        let mut digits = String::with_capacity(13);
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' => {}
                _ => return Err(BarcodeError::NotDigits),
            }
        }
        if digits.len() != 13 {
            return Err(BarcodeError::WrongLength(digits.len()));
        }
        if !carnet_fixtures::ean::is_valid_ean13(&digits) {
            return Err(BarcodeError::BadCheckDigit);
        }
        Ok(Self(digits))
    }

    /// The 13 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardNumber {
    /// A card number identifies a person: only its last digits are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(…{})", &self.0[10..])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_codes_with_separators() {
        // 4006381333931 is a well-known valid EAN-13.
        assert_eq!(
            CardNumber::parse(" 4006381333931 ").unwrap().as_str(),
            "4006381333931"
        );
        assert_eq!(
            CardNumber::parse("400-6381 333931").unwrap().as_str(),
            "4006381333931"
        );
    }

    #[test]
    fn says_why_a_code_is_refused() {
        assert_eq!(CardNumber::parse("  "), Err(BarcodeError::Empty));
        assert_eq!(
            CardNumber::parse("40063813339X1"),
            Err(BarcodeError::NotDigits)
        );
        assert_eq!(
            CardNumber::parse("400638133393"),
            Err(BarcodeError::WrongLength(12))
        );
        assert_eq!(
            CardNumber::parse("4006381333932"),
            Err(BarcodeError::BadCheckDigit)
        );
    }

    #[test]
    fn debug_hides_most_digits() {
        let card = CardNumber::parse("4006381333931").unwrap();
        assert_eq!(format!("{card:?}"), "CardNumber(…931)");
    }
}
