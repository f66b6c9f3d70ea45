//! Contact details as an advisor types them, or as a device pushes them to the server: the
//! same rules (`carnet_core::contact`) run on both sides.

use carnet_core::contact::{self, FieldError};
use carnet_core::phone;
use carnet_protocol::{Address, ContactField};

/// Which parser an input's first byte selects (modulo the count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    /// [`contact::normalise_email`], [`contact::suggest_domain`], [`contact::corrected_value`].
    Email = 0,
    /// [`contact::normalise_phone`] and [`phone::typed`] (a number being typed in the search).
    Phone = 1,
    /// [`contact::normalise_postal_code`].
    PostalCode = 2,
    /// [`contact::normalise_name`].
    Name = 3,
    /// [`contact::normalise_language`].
    Language = 4,
    /// [`contact::validate_address`] over the lines `line1`, postal code, city, country.
    Address = 5,
}

const KINDS: [ContactKind; 6] = [
    ContactKind::Email,
    ContactKind::Phone,
    ContactKind::PostalCode,
    ContactKind::Name,
    ContactKind::Language,
    ContactKind::Address,
];

/// The countries an input's second byte selects (modulo the count): the stores' markets, the
/// countries with their own postal format, and codes no country has.
pub const COUNTRIES: &[&str] = &[
    "FR", "IT", "ES", "DE", "GB", "BE", "CH", "AT", "LU", "DK", "NO", "MC", "NL", "PT", "US", "fr",
    "XX", "", "GBR",
];

/// Runs the parser the first byte selects, for the country the second selects, on the rest
/// (read as UTF-8, invalid sequences replaced as Swift's `String` would). Every value a parser
/// accepts is accepted again unchanged: the server validates again what the device saved.
pub fn contact(data: &[u8]) {
    let [kind, country, rest @ ..] = data else {
        return;
    };
    let kind = KINDS[usize::from(*kind) % KINDS.len()];
    let country = COUNTRIES[usize::from(*country) % COUNTRIES.len()];
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();
    match kind {
        ContactKind::Email => {
            stable(text, contact::normalise_email);
            if let Some(domain) = text
                .rsplit_once('@')
                .and_then(|(_, d)| contact::suggest_domain(d))
            {
                let _ = contact::corrected_value(ContactField::Email, text, domain);
            }
        }
        ContactKind::Phone => {
            stable(text, |t| contact::normalise_phone(t, country));
            let _ = phone::typed(text, country);
        }
        ContactKind::PostalCode => stable(text, |t| contact::normalise_postal_code(t, country)),
        ContactKind::Name => stable(text, |t| contact::normalise_name(ContactField::LastName, t)),
        ContactKind::Language => stable(text, contact::normalise_language),
        ContactKind::Address => {
            let mut lines = text.split('\n').map(str::to_owned);
            let address = Address {
                line1: lines.next().unwrap_or_default(),
                postal_code: lines.next().unwrap_or_default(),
                city: lines.next().unwrap_or_default(),
                country: lines.next().unwrap_or_else(|| country.to_owned()),
            };
            if let Ok(valid) = contact::validate_address(&address) {
                assert_eq!(
                    contact::validate_address(&valid).as_ref(),
                    Ok(&valid),
                    "a valid address is accepted again unchanged"
                );
            }
        }
    }
}

/// Checks that what `parse` accepts, it accepts again unchanged.
fn stable(text: &str, parse: impl Fn(&str) -> Result<String, FieldError>) {
    if let Ok(once) = parse(text) {
        assert_eq!(
            parse(&once).as_ref(),
            Ok(&once),
            "a normalised value is accepted again unchanged"
        );
    }
}
