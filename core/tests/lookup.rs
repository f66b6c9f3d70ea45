#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::barcode::BarcodeError;
use carnet_core::{CacheKey, Error, changes, lookup};
use carnet_protocol::{Change, Record};
use support::{Sample, card};

fn ids(matches: &[lookup::CustomerMatch]) -> Vec<&str> {
    matches.iter().map(|m| m.id.as_str()).collect()
}

#[test]
fn card_lookup_finds_the_customer_and_explains_bad_codes() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());

    let found = lookup::by_card(&cache, &card(3)).unwrap();
    assert_eq!(found.id, "C3");
    assert_eq!(found.first_name, "Niccolò");
    assert_eq!(found.card_last4, &card(3)[9..]);

    let mut wrong_check = card(3);
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '9' { '0' } else { '9' });
    assert!(matches!(
        lookup::by_card(&cache, &wrong_check),
        Err(Error::InvalidCard(BarcodeError::BadCheckDigit))
    ));
    assert!(matches!(
        lookup::by_card(&cache, "12345"),
        Err(Error::InvalidCard(BarcodeError::WrongLength(5)))
    ));
    assert!(matches!(
        lookup::by_card(&cache, "29000000x0001"),
        Err(Error::InvalidCard(BarcodeError::NotDigits))
    ));
    // A valid code that is nobody's card.
    assert!(matches!(
        lookup::by_card(&cache, &card(999)),
        Err(Error::NotFound)
    ));
}

#[test]
fn name_search_ignores_case_and_accents_and_tells_homonyms_apart() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());

    // Both Hélène Duponts, the Lyon one (69002) before the Paris one (75011).
    assert_eq!(
        ids(&lookup::by_name(&cache, "helene dupont", 20).unwrap()),
        ["C2", "C1"]
    );
    assert_eq!(
        ids(&lookup::by_name(&cache, "DUPONT Hélène", 20).unwrap()),
        ["C2", "C1"]
    );
    // The postal code (or its start) tells them apart.
    assert_eq!(
        ids(&lookup::by_name(&cache, "dupont 75", 20).unwrap()),
        ["C1"]
    );
    assert_eq!(
        ids(&lookup::by_name(&cache, "hélène 69002", 20).unwrap()),
        ["C2"]
    );
    let first = &lookup::by_name(&cache, "dupont", 20).unwrap()[0];
    assert_eq!(
        (first.postal_code.as_str(), first.city.as_str()),
        ("69002", "Lyon")
    );
}

#[test]
fn name_search_matches_prefixes_as_the_advisor_types() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());

    // "mar" starts Marc (C5), Marie (C4) and Martin (C5): exact words first, then prefixes
    // in word order; each customer once.
    assert_eq!(
        ids(&lookup::by_name(&cache, "mar", 20).unwrap()),
        ["C5", "C4"]
    );
    assert_eq!(ids(&lookup::by_name(&cache, "marie", 20).unwrap()), ["C4"]);
    assert_eq!(ids(&lookup::by_name(&cache, "lef", 20).unwrap()), ["C4"]);
    // Multi-part names: either spelling.
    assert_eq!(
        ids(&lookup::by_name(&cache, "d'angelo", 20).unwrap()),
        ["C3"]
    );
    assert_eq!(
        ids(&lookup::by_name(&cache, "dangelo nicc", 20).unwrap()),
        ["C3"]
    );
    assert_eq!(ids(&lookup::by_name(&cache, "angelo", 20).unwrap()), ["C3"]);
    // The limit holds.
    assert_eq!(lookup::by_name(&cache, "dupont", 1).unwrap().len(), 1);
    // Nothing typed, nothing found; no such name, nothing found.
    assert!(lookup::by_name(&cache, "  ", 20).unwrap().is_empty());
    assert!(lookup::by_name(&cache, "zzzz", 20).unwrap().is_empty());
}

#[test]
fn name_search_tolerates_one_typo() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());

    assert_eq!(
        ids(&lookup::by_name(&cache, "lefebvre", 20).unwrap()),
        ["C4"],
        "insertion"
    );
    assert_eq!(
        ids(&lookup::by_name(&cache, "dupnot", 20).unwrap()),
        ["C2", "C1"],
        "transposition"
    );
    assert_eq!(
        ids(&lookup::by_name(&cache, "martyn", 20).unwrap()),
        ["C5"],
        "substitution"
    );
    assert!(
        lookup::by_name(&cache, "mzrtyn", 20).unwrap().is_empty(),
        "two typos"
    );
    // Exact matches rank before typo matches: "marc" is Marc Martin exactly, and Marie
    // Lefèvre one edit away ("mari…").
    assert_eq!(
        ids(&lookup::by_name(&cache, "marc", 20).unwrap()),
        ["C5", "C4"]
    );
    // A typo in any word of the query, with or without a postal code; every word must
    // match the same customer.
    assert_eq!(
        ids(&lookup::by_name(&cache, "heleen dupont", 20).unwrap()),
        ["C2", "C1"]
    );
    assert_eq!(
        ids(&lookup::by_name(&cache, "dupont heleen 750", 20).unwrap()),
        ["C1"]
    );
    assert!(
        lookup::by_name(&cache, "marie dupont", 20)
            .unwrap()
            .is_empty()
    );
    // Below four letters no typo is tolerated: "mrc" finds nobody.
    assert!(lookup::by_name(&cache, "mrc", 20).unwrap().is_empty());
}

#[test]
fn japanese_names_are_found_in_kana_and_in_latin_letters_of_any_width() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    // Registered in katakana, in hiragana, in kanji, and in Latin letters typed full-width.
    let japanese = [
        ("J1", "ハナコ", "サトウ"),
        ("J2", "はなこ", "ざとう"),
        ("J3", "花子", "佐藤"),
        ("J4", "ＨＡＮＡＫＯ", "ＳＡＴＯ"),
    ];
    let page: Vec<Change> = japanese
        .iter()
        .map(|(id, first, last)| {
            let mut c = support::customers()[0].clone();
            c.id = (*id).into();
            c.card = card(100 + id[1..].parse::<u32>().unwrap());
            c.first_name = (*first).into();
            c.last_name = (*last).into();
            c.address.postal_code = "150-0001".into();
            c.email = None;
            c.phone = None;
            Change::Upsert {
                record: Record::Customer(c),
            }
        })
        .collect();
    changes::apply_page(&cache, &page, "cursor-jp").unwrap();

    // Either kana finds the other, in either width; the voicing mark counts (ざ is not さ).
    for typed in ["サトウ", "さとう", "ｻﾄｳ", "さと", "サトウ ハナコ"] {
        assert_eq!(
            ids(&lookup::by_name(&cache, typed, 20).unwrap()),
            ["J1"],
            "{typed}"
        );
    }
    assert_eq!(ids(&lookup::by_name(&cache, "ザトウ", 20).unwrap()), ["J2"]);
    assert_eq!(ids(&lookup::by_name(&cache, "佐藤", 20).unwrap()), ["J3"]);
    // Latin letters, as typed on any keyboard.
    for typed in ["sato hanako", "ＳＡＴＯ", "Satō"] {
        assert_eq!(
            ids(&lookup::by_name(&cache, typed, 20).unwrap()),
            ["J4"],
            "{typed}"
        );
    }
    // A kana name is not a romanised one: no transliteration between scripts.
    assert!(
        lookup::by_name(&cache, "さとう はなこ sato", 20)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn phone_lookup_reads_any_format() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());

    for typed in ["0612345678", "+33 6 12 34 56 78", "06.12.34.56.78"] {
        assert_eq!(
            ids(&lookup::by_phone(&cache, typed, "FR").unwrap()),
            ["C1"],
            "{typed}"
        );
    }
    // An Italian number typed nationally in the Milano store, or internationally in Paris.
    assert_eq!(
        ids(&lookup::by_phone(&cache, "347 1234567", "IT").unwrap()),
        ["C3"]
    );
    assert_eq!(
        ids(&lookup::by_phone(&cache, "+393471234567", "FR").unwrap()),
        ["C3"]
    );
    assert!(
        lookup::by_phone(&cache, "06 00 00 00 00", "FR")
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        lookup::by_phone(&cache, "06 12", "FR"),
        Err(Error::InvalidInput(_))
    ));
    // As it is typed: the start of her number finds her, nationally or internationally.
    for typed in ["06 12 34", "06 12 34 5", "+33 6 12 34", "0033612"] {
        assert_eq!(
            ids(&lookup::by_phone(&cache, typed, "FR").unwrap()),
            ["C1"],
            "{typed}"
        );
    }
    assert!(
        lookup::by_phone(&cache, "06 12 35", "FR")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(&lookup::by_phone(&cache, "347 123", "IT").unwrap()),
        ["C3"]
    );
}

#[test]
fn email_lookup_is_case_insensitive_and_prefix() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());

    assert_eq!(
        ids(&lookup::by_email(&cache, "niccolo.dangelo@example.it", 20).unwrap()),
        ["C3"]
    );
    assert_eq!(
        ids(&lookup::by_email(&cache, " HELENE.D", 20).unwrap()),
        ["C1"]
    );
    assert!(lookup::by_email(&cache, "nobody@", 20).unwrap().is_empty());
    assert!(lookup::by_email(&cache, "", 20).unwrap().is_empty());
}
