//! E-mail addresses: syntax (RFC 5321 sizes, the dot-atom form people actually use) and
//! domains one or two keystrokes away from a common mail provider (`gmial.com`, `orange.fe`).

use carnet_protocol::ContactField;

use super::{FieldError, FieldProblem};

/// Mail providers common among the stores' customers (FR, IT, ES, DE, GB, BE, CH, US). A domain
/// close to one of these, but not one of them, is taken for a typo. Real providers that are
/// close to each other (`yahoo.fr`, `yahoo.de`) are all listed, so that neither is "corrected"
/// into the other.
pub const KNOWN_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.fr",
    "yahoo.it",
    "yahoo.es",
    "yahoo.de",
    "yahoo.co.uk",
    "ymail.com",
    "hotmail.com",
    "hotmail.fr",
    "hotmail.it",
    "hotmail.es",
    "hotmail.de",
    "hotmail.co.uk",
    "hotmail.be",
    "outlook.com",
    "outlook.fr",
    "outlook.it",
    "outlook.es",
    "outlook.de",
    "live.com",
    "live.fr",
    "live.it",
    "live.be",
    "live.co.uk",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "aol.fr",
    "protonmail.com",
    "proton.me",
    "gmx.com",
    "gmx.fr",
    "gmx.de",
    "gmx.net",
    "gmx.ch",
    "web.de",
    "t-online.de",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "neuf.fr",
    "laposte.net",
    "bbox.fr",
    "numericable.fr",
    "libero.it",
    "virgilio.it",
    "tiscali.it",
    "alice.it",
    "tim.it",
    "tin.it",
    "fastwebnet.it",
    "email.it",
    "telefonica.net",
    "movistar.es",
    "btinternet.com",
    "sky.com",
    "skynet.be",
    "telenet.be",
    "bluewin.ch",
    "sunrise.ch",
    "comcast.net",
    "verizon.net",
    "att.net",
];

/// Checks an address's syntax and its domain; returns it trimmed with the domain in lower case
/// (the local part keeps its case: some servers honour it).
pub fn normalise_email(typed: &str) -> Result<String, FieldError> {
    let err = |problem| FieldError {
        field: ContactField::Email,
        problem,
        suggestion: None,
    };
    let email = typed.trim();
    if email.chars().any(char::is_whitespace) {
        return Err(err(FieldProblem::EmailHasSpaces));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(err(FieldProblem::EmailNeedsAt));
    };
    if local.contains('@') {
        return Err(err(FieldProblem::EmailHasSeveralAt));
    }
    if email.chars().count() > 254 || local.chars().count() > 64 {
        return Err(err(FieldProblem::TooLong { max_chars: 254 }));
    }
    if !valid_local(local) {
        return Err(err(FieldProblem::EmailLocalPart));
    }
    let domain = domain.to_lowercase();
    if !valid_domain(&domain) {
        return Err(err(FieldProblem::EmailDomain));
    }
    if let Some(known) = suggest_domain(&domain) {
        return Err(FieldError {
            field: ContactField::Email,
            problem: FieldProblem::EmailDomainMistyped,
            suggestion: Some(known.to_owned()),
        });
    }
    Ok(format!("{local}@{domain}"))
}

fn valid_local(local: &str) -> bool {
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c == '.' || atext(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || domain.len() > 253 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld = labels[labels.len() - 1];
    labels.iter().all(label_ok) && tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic)
}

/// The common provider `domain` was probably meant to be, when it is not one itself: one edit
/// away (insert, delete, replace, swap of neighbours), or two for domains of 10 letters or
/// more. `None` for a known domain and for domains far from every known one (a company's).
pub fn suggest_domain(domain: &str) -> Option<&'static str> {
    let domain = domain.trim().to_lowercase();
    if KNOWN_DOMAINS.contains(&domain.as_str()) {
        return None;
    }
    let limit = if domain.chars().count() >= 10 { 2 } else { 1 };
    KNOWN_DOMAINS
        .iter()
        .map(|k| (osa_distance(&domain, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The address typed with `domain` (a suggestion of [`suggest_domain`]) in place of its own,
/// the part before the @ kept as typed; `None` when there is no @ to put it after.
pub fn with_domain(typed: &str, domain: &str) -> Option<String> {
    let (local, _) = typed.trim().rsplit_once('@')?;
    Some(format!("{}@{}", local.trim_end(), domain.trim()))
}

/// Optimal string alignment distance (Levenshtein plus swaps of neighbours), on characters.
fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_accepted() {
        for good in [
            "marie.dupont@gmail.com",
            "marie_dupont42@orange.fr",
            "m.dupont@hotmail.fr",
            "dupont.marie@libero.it",
            "first+tag@yahoo.de",
            "o'brien@btinternet.com",
            "Marie@GMAIL.com",
            "contact@maison-aurele.fr",
            "a@b.co",
            "hélène@exemple.fr",
            "x@sub.domain.example.co.uk",
            "ana@gmx.de",
            "user@free.fr",
            "user@laposte.net",
        ] {
            assert!(normalise_email(good).is_ok(), "{good}");
        }
        assert_eq!(
            normalise_email("Marie@GMAIL.com").ok().as_deref(),
            Some("Marie@gmail.com")
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "marie.dupontgmail.com",
            "marie dupont@gmail.com",
            "marie..dupont@gmail.com",
            ".marie@gmail.com",
            "marie.@gmail.com",
            "@gmail.com",
            "marie@",
            "marie@gmail",
            "marie@gmail..com",
            "marie@-gmail.com",
            "marie@gmail.c",
            "marie@gmail.c0m",
            "ma@rie@gmail.com",
            "ma(rie@gmail.com",
        ] {
            let e = normalise_email(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad}"));
            assert_eq!(e.field, ContactField::Email);
            assert_eq!(e.suggestion, None, "{bad}");
        }
    }

    #[test]
    fn mistyped_domains_get_a_suggestion() {
        for (typed, meant) in [
            ("gmial.com", "gmail.com"),
            ("gmail.con", "gmail.com"),
            ("gmai.com", "gmail.com"),
            ("hotmial.fr", "hotmail.fr"),
            ("hotmial.com", "hotmail.com"),
            ("orange.fe", "orange.fr"),
            ("orange.ff", "orange.fr"),
            ("yaho.fr", "yahoo.fr"),
            ("libreo.it", "libero.it"),
            ("wanadoo.ffr", "wanadoo.fr"),
            ("laposte.nte", "laposte.net"),
            ("googlemial.com", "googlemail.com"),
        ] {
            let e = normalise_email(&format!("someone@{typed}")).unwrap_err();
            assert_eq!(e.suggestion.as_deref(), Some(meant), "{typed}");
            assert!(!e.to_string().contains("someone"));
        }
    }

    #[test]
    fn known_and_unrelated_domains_are_not_corrected() {
        for d in KNOWN_DOMAINS {
            assert_eq!(suggest_domain(d), None, "{d}");
        }
        for d in [
            "maison-aurele.fr",
            "univ-lyon1.fr",
            "polimi.it",
            "example.com",
            "gmx.at",
        ] {
            assert_eq!(suggest_domain(d), None, "{d}");
        }
    }

    #[test]
    fn a_suggested_domain_replaces_the_one_typed() {
        assert_eq!(
            with_domain(" Marie.Dupont@gmial.com ", "gmail.com").as_deref(),
            Some("Marie.Dupont@gmail.com")
        );
        assert_eq!(
            with_domain("ma@rie@orange.fe", "orange.fr").as_deref(),
            Some("ma@rie@orange.fr"),
            "after the last @, as the domain was read"
        );
        assert_eq!(
            with_domain("marie@", "gmail.com").as_deref(),
            Some("marie@gmail.com")
        );
        assert_eq!(with_domain("marie.gmail.com", "gmail.com"), None);
    }

    #[test]
    fn distance_counts_swaps_as_one() {
        assert_eq!(osa_distance("gmial", "gmail"), 1);
        assert_eq!(osa_distance("abc", "abc"), 0);
        assert_eq!(osa_distance("", "ab"), 2);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
    }
}
