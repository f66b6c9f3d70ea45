//! Looking for customers' personal data in bytes an attacker could copy: the server's files,
//! a database dump.

use super::Data;

/// What must not be found in a copy of the server's files: every customer's names, e-mail,
/// phone (as exported and in E.164), card, and SQLite's plain header.
pub fn needles(data: &Data) -> Vec<Vec<u8>> {
    let mut needles: Vec<Vec<u8>> = vec![b"SQLite format 3\0".to_vec()];
    for c in &data.customers {
        needles.push(c.first_name.clone().into_bytes());
        needles.push(c.last_name.clone().into_bytes());
        needles.push(c.card.clone().into_bytes());
        if let Some(e) = &c.email {
            needles.push(e.clone().into_bytes());
        }
        if let Some(p) = &c.phone {
            needles.push(p.clone().into_bytes());
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            needles.push(format!("+33{}", &digits[1..]).into_bytes());
        }
    }
    needles
}

/// The needles (4 bytes or longer) found in `haystack`: one pass, looking up each position's
/// first 4 bytes.
pub fn found(haystack: &[u8], needles: &[Vec<u8>]) -> Vec<String> {
    let mut by_prefix: std::collections::HashMap<&[u8], Vec<&[u8]>> = Default::default();
    for n in needles {
        assert!(n.len() >= 4, "needle too short: {n:?}");
        by_prefix.entry(&n[..4]).or_default().push(n);
    }
    let mut hits = std::collections::BTreeSet::new();
    for (i, w) in haystack.windows(4).enumerate() {
        if let Some(candidates) = by_prefix.get(w) {
            for n in candidates {
                if haystack[i..].starts_with(n) {
                    hits.insert(String::from_utf8_lossy(n).into_owned());
                }
            }
        }
    }
    hits.into_iter().collect()
}
