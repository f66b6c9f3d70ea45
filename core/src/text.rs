//! Text folding for search: what an advisor types matches what the CRM holds whatever the case,
//! the accents or the punctuation (`Hélène` = `helene`, `D'Angelo` = `dangelo`), and in Japanese
//! whatever the kana (`サトウ` = `さとう`) or their width (`ｻﾄｳ`, `ＳＡＴＯ`).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases and strips diacritics; letters with no decomposition are spelled out
/// (`ß` → `ss`, `œ` → `oe`). Compatibility forms read as what they stand for (full-width and
/// half-width letters, ligatures: `ﬁ` → `fi`). Katakana read as hiragana, and the kana's voicing
/// marks stay (`ガ` → `が`: they change the sound, they are not accents: `さとう` is not
/// `ざとう`). Other scripts (kanji, Greek, Cyrillic…) keep their letters, lower-cased.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut voiced = false;
    for c in text.nfkd() {
        if is_kana_voicing(c) {
            voiced = true;
            out.push(c);
            continue;
        }
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'ァ'..='ヶ' | 'ヽ' | 'ヾ' => out.push(hiragana_of(c)),
            _ => out.extend(c.to_lowercase()),
        }
    }
    if voiced {
        // The voicing marks back on their kana (か + ゛ → が), so that a kana word stays one
        // run of letters.
        out = out.nfc().collect();
    }
    out
}

/// The combining voiced and semi-voiced sound marks of kana (゛ ゜), as decomposition leaves
/// them.
fn is_kana_voicing(c: char) -> bool {
    matches!(c, '\u{3099}' | '\u{309A}')
}

/// The hiragana of a katakana letter: the two blocks are laid out alike, 0x60 apart.
fn hiragana_of(katakana: char) -> char {
    char::from_u32(katakana as u32 - 0x60).unwrap_or(katakana)
}

/// Whether `fold` reads this name otherwise than the cache's name index of schema 17 and
/// before did (canonical decomposition, kana voicing marks dropped, katakana kept): its
/// tokens must be written again.
pub(crate) fn folds_otherwise_than_before(name: &str) -> bool {
    name.chars().any(|c| {
        matches!(c, '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{FF00}'..='\u{FFEF}')
            || !c.nfd().eq(c.nfkd())
    })
}

/// The folded words of a text: runs of letters and digits.
pub fn tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The search tokens of a name: its words and, for a name in several parts, the parts joined
/// (`De Luca` → `de`, `luca`, `deluca`), so that either spelling finds it.
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut words = tokens(name);
    if words.len() > 1 {
        words.push(words.concat());
    }
    words.sort();
    words.dedup();
    words
}

/// The key that orders customers by name: folded last name, first name, then postal code
/// (so that homonyms come apart by where they live).
pub fn sort_key(last_name: &str, first_name: &str, postal_code: &str) -> String {
    let mut key = tokens(last_name).concat();
    key.push(' ');
    key.push_str(&tokens(first_name).concat());
    key.push(' ');
    key.push_str(postal_code.trim());
    key
}

/// Whether `query` is within one edit (insert, delete, substitute, or swap of two neighbours)
/// of some prefix of `word`: a typo tolerance for as-you-type search.
///
/// A name search asks it of every word of the vocabulary (tens of thousands on a large store),
/// so a first look at two characters turns most words away before any work: with one edit,
/// the query's first character is the word's first (no edit there) or its second (a letter
/// inserted before it), or the query's second character is the word's first (the first one
/// deleted, or the two swapped) or its second (the first one substituted).
pub fn within_one_edit_of_prefix(query: &str, word: &str) -> bool {
    let mut q = query.chars();
    let (q0, q1) = (q.next(), q.next());
    let mut w = word.chars();
    let (w0, w1) = (w.next(), w.next());
    if q1.is_some() && w0 != q0 && w0 != q1 && (w1.is_none() || (w1 != q0 && w1 != q1)) {
        return false;
    }
    optimal_alignment_within_one_of_prefix(query, word)
}

/// [`within_one_edit_of_prefix`], by the alignment alone.
fn optimal_alignment_within_one_of_prefix(query: &str, word: &str) -> bool {
    let q: Vec<char> = query.chars().collect();
    let w: Vec<char> = word.chars().collect();
    if w.len() + 1 < q.len() {
        return false;
    }
    // Optimal string alignment distance, keeping three rows; the answer is the smallest
    // distance from the whole query to any prefix of the word (the last row's minimum).
    let cols = w.len() + 1;
    let mut before: Vec<usize> = vec![0; cols];
    let mut prev: Vec<usize> = (0..cols).collect();
    let mut row: Vec<usize> = vec![0; cols];
    for i in 1..=q.len() {
        row[0] = i;
        let mut row_min = row[0];
        for j in 1..cols {
            let cost = usize::from(q[i - 1] != w[j - 1]);
            let mut d = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && q[i - 1] == w[j - 2] && q[i - 2] == w[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > 1 {
            return false;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut row);
    }
    prev.iter().any(|&d| d <= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Hélène"), "helene");
        assert_eq!(fold("ÉLODIE"), "elodie");
        assert_eq!(fold("Niccolò"), "niccolo");
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("Œuvre"), "oeuvre");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn folds_kana_and_widths() {
        // Katakana read as hiragana; half-width katakana as full-width.
        assert_eq!(fold("サトウ"), "さとう");
        assert_eq!(fold("ｻﾄｳ"), "さとう");
        assert_eq!(fold("さとう"), "さとう");
        // Voicing marks change the word: ガトウ is not カトウ, in any width or kana.
        assert_eq!(fold("ガトウ"), "がとう");
        assert_eq!(fold("ｶﾞﾄｳ"), "がとう");
        assert_ne!(fold("ガトウ"), fold("カトウ"));
        assert_eq!(fold("パン"), "ぱん");
        // The long-vowel mark is a letter of the word.
        assert_eq!(tokens("ユーコ"), vec!["ゆーこ"]);
        // Latin typed full-width (a Japanese keyboard's romaji) and ligatures.
        assert_eq!(fold("ＳＡＴＯ"), "sato");
        assert_eq!(fold("Ｓａｔō"), "sato");
        assert_eq!(fold("ﬁne"), "fine");
        // Kanji and other scripts keep their letters; the middle dot separates words.
        assert_eq!(tokens("佐藤・花子"), vec!["佐藤", "花子"]);
        assert_eq!(fold("Ελένη"), "ελενη");
    }

    #[test]
    fn names_whose_folding_changed_are_told_apart() {
        assert!(folds_otherwise_than_before("サトウ"));
        assert!(folds_otherwise_than_before("ｻﾄｳ"));
        assert!(folds_otherwise_than_before("ＳＡＴＯ"));
        assert!(folds_otherwise_than_before("Ĳsbrand"));
        for unchanged in ["Hélène", "Niccolò", "Straße", "D'Angelo", "佐藤", "Ελένη"] {
            assert!(!folds_otherwise_than_before(unchanged), "{unchanged}");
        }
    }

    #[test]
    fn name_tokens_include_joined_parts() {
        assert_eq!(name_tokens("De Luca"), vec!["de", "deluca", "luca"]);
        assert_eq!(name_tokens("D'Angelo"), vec!["angelo", "d", "dangelo"]);
        assert_eq!(name_tokens("Hélène"), vec!["helene"]);
        assert_eq!(
            name_tokens("Marie-Hélène"),
            vec!["helene", "marie", "mariehelene"]
        );
    }

    #[test]
    fn sort_key_orders_by_last_then_first_name() {
        assert!(sort_key("Dupont", "Zoé", "75011") < sort_key("Dupré", "Anne", "75001"));
        assert!(sort_key("Dupont", "Zoé", "69002") < sort_key("Dupont", "Zoé", "75011"));
        assert_eq!(sort_key("Le Goff", "Anaïs", "75001"), "legoff anais 75001");
    }

    #[test]
    fn one_edit_of_a_prefix() {
        assert!(within_one_edit_of_prefix("dupont", "dupont"));
        assert!(within_one_edit_of_prefix("dupo", "dupont"), "plain prefix");
        assert!(within_one_edit_of_prefix("dupnt", "dupont"), "deletion");
        assert!(within_one_edit_of_prefix("duppont", "dupont"), "insertion");
        assert!(
            within_one_edit_of_prefix("dupomt", "dupont"),
            "substitution"
        );
        assert!(
            within_one_edit_of_prefix("dpuont", "dupont"),
            "transposition"
        );
        assert!(within_one_edit_of_prefix("lefevre", "lefebvre"));
        assert!(!within_one_edit_of_prefix("dpomt", "dupont"), "two edits");
        assert!(!within_one_edit_of_prefix("martin", "bernard"));
    }

    /// Every string of up to 4 letters against every word of up to 5 over a small alphabet
    /// (repeats, swaps and edits at the first letters included): the quick look at two
    /// characters never turns away a word the alignment accepts.
    #[test]
    fn the_first_look_turns_away_only_words_the_alignment_refuses() {
        fn all(max_len: usize) -> Vec<String> {
            let mut words = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max_len {
                last = last
                    .iter()
                    .flat_map(|w| ['a', 'b', 'c'].map(|c| format!("{w}{c}")))
                    .collect();
                words.extend(last.iter().cloned());
            }
            words
        }
        let (queries, words) = (all(4), all(5));
        let mut accepted = 0;
        for q in &queries {
            for w in &words {
                let expected = optimal_alignment_within_one_of_prefix(q, w);
                assert_eq!(within_one_edit_of_prefix(q, w), expected, "{q:?} {w:?}");
                accepted += usize::from(expected);
            }
        }
        // Both outcomes are exercised.
        assert!(accepted > 1_000 && accepted < queries.len() * words.len() / 2);
    }
}
