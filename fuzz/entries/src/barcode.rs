//! A loyalty card as the camera or the search field hands it over.

use carnet_core::barcode::CardNumber;

/// Parses the text as a scanned card ([`CardNumber::parse`], what `lookup::by_card` does
/// first). An accepted card is 13 digits, parses again to itself, and its debug form shows
/// only its last three digits.
pub fn barcode(data: &[u8]) {
    // The platform hands the core a string: only UTF-8 arrives.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(card) = CardNumber::parse(text) else {
        return;
    };
    let digits = card.as_str();
    assert!(
        digits.len() == 13 && digits.bytes().all(|b| b.is_ascii_digit()),
        "an accepted card is 13 digits"
    );
    assert_eq!(CardNumber::parse(digits).as_ref(), Ok(&card));
    assert_eq!(
        format!("{card:?}"),
        format!("CardNumber(…{})", &digits[10..])
    );
}
