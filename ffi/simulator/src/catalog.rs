//! The app's String Catalog, read by the simulator too: the core's typed reasons worded once,
//! in English, French and Italian, for both shells; and the device's locale, which chooses
//! the language (`fr_CH.UTF-8` → French, English for a language Carnet does not speak) and
//! formats money and dates (`fr_CH` → Swiss French figures). The locale is the first of
//! `CARNET_LANG`, `LC_ALL`, `LC_MESSAGES` and `LANG` that is set.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

use carnet_core::formatting::Formatting;

/// The catalog the SwiftUI app ships.
const CATALOG: &str = include_str!("../../../ios/CarnetApp/Resources/Localizable.xcstrings");

/// A language Carnet speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    English,
    French,
    Italian,
}

impl Language {
    /// The language of a POSIX locale or BCP 47 tag (`fr_CH.UTF-8`, `it-IT`, `en`).
    pub fn from_tag(tag: &str) -> Self {
        match tag.get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("fr") => Self::French,
            Some("it") => Self::Italian,
            _ => Self::English,
        }
    }

    /// Its ISO 639-1 code, as the catalog keys its translations.
    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::French => "fr",
            Self::Italian => "it",
        }
    }
}

/// The device's locale, from the environment (`en` when none is set).
pub fn locale_from_env() -> String {
    ["CARNET_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())
        .unwrap_or_else(|| "en".into())
}

/// The device's locale, set once at start.
static DEVICE_LOCALE: OnceLock<String> = OnceLock::new();

thread_local! {
    /// A test's locale, over the device's.
    static THREAD_LOCALE: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The formatters of the locale last asked for on this thread.
    static FORMATTING: RefCell<Option<(String, Rc<Formatting>)>> = const { RefCell::new(None) };
}

/// Words and formats everything in `locale` from now on (the first call wins).
pub fn set_device_locale(locale: String) {
    let _ = DEVICE_LOCALE.set(locale);
}

/// Words and formats this thread's texts in `locale`, whatever the device's (for tests).
#[cfg(test)]
pub fn set_locale(locale: &str) {
    THREAD_LOCALE.with(|l| *l.borrow_mut() = Some(locale.to_owned()));
}

/// Words this thread's texts in `language` (and formats as its bare locale), for tests.
#[cfg(test)]
pub fn set_language(language: Language) {
    set_locale(language.code());
}

fn locale() -> String {
    THREAD_LOCALE
        .with(|l| l.borrow().clone())
        .or_else(|| DEVICE_LOCALE.get().cloned())
        .unwrap_or_else(|| "en".into())
}

/// The language texts are worded in.
pub fn language() -> Language {
    Language::from_tag(&locale())
}

/// The locale's formatters for money, numbers and dates.
pub fn formatting() -> Rc<Formatting> {
    let locale = locale();
    FORMATTING.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &*cached {
            Some((of, formatting)) if *of == locale => Rc::clone(formatting),
            _ => {
                let formatting = Rc::new(Formatting::new(&locale));
                *cached = Some((locale, Rc::clone(&formatting)));
                formatting
            }
        }
    })
}

/// Key → value, per language.
type Translations = HashMap<Language, HashMap<String, String>>;

fn translations() -> &'static Translations {
    static TRANSLATIONS: OnceLock<Translations> = OnceLock::new();
    TRANSLATIONS.get_or_init(|| {
        let catalog: serde_json::Value = serde_json::from_str(CATALOG).unwrap_or_default();
        let mut out = Translations::new();
        let strings = catalog["strings"].as_object().cloned().unwrap_or_default();
        for (key, entry) in strings {
            for language in [Language::English, Language::French, Language::Italian] {
                let value = &entry["localizations"][language.code()]["stringUnit"]["value"];
                if let Some(value) = value.as_str() {
                    out.entry(language)
                        .or_default()
                        .insert(key.clone(), value.to_owned());
                }
            }
        }
        out
    })
}

/// Whether the catalog words `key` in every language.
#[cfg(test)]
pub fn has(key: &str) -> bool {
    [Language::English, Language::French, Language::Italian]
        .iter()
        .all(|l| translations().get(l).is_some_and(|t| t.contains_key(key)))
}

/// `key` in the thread's language with its `%@` arguments put in (in order, or by position
/// for `%1$@`); the key itself, in English, when the catalog lacks it.
pub fn text(key: &str, arguments: &[&str]) -> String {
    #[cfg(test)]
    assert!(has(key), "{key:?} is not in the catalog in every language");
    let format = translations()
        .get(&language())
        .and_then(|t| t.get(key))
        .map_or(key, String::as_str);
    fill(format, arguments)
}

/// A catalog value with its placeholders (`%@`, `%lld`, `%ld`, `%d`, `%1$@`, `%%`) filled.
fn fill(format: &str, arguments: &[&str]) -> String {
    let mut out = String::with_capacity(format.len());
    let mut next = 0;
    let mut rest = format;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('%') {
            out.push('%');
            rest = after;
            continue;
        }
        // An optional position, `1$`.
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let position = (digits > 0 && rest[digits..].starts_with('$'))
            .then(|| rest[..digits].parse::<usize>().ok())
            .flatten();
        if position.is_some() {
            rest = &rest[digits + 1..];
        }
        let spec = ["@", "lld", "ld", "d"]
            .into_iter()
            .find(|s| rest.starts_with(s));
        let Some(spec) = spec else {
            out.push('%');
            continue;
        };
        rest = &rest[spec.len()..];
        let index = position.map_or_else(
            || {
                next += 1;
                next - 1
            },
            |p| p.saturating_sub(1),
        );
        out.push_str(arguments.get(index).copied().unwrap_or(""));
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_the_locale_s() {
        assert_eq!(Language::from_tag("fr_FR.UTF-8"), Language::French);
        assert_eq!(Language::from_tag("fr_CH"), Language::French);
        assert_eq!(Language::from_tag("it-IT"), Language::Italian);
        assert_eq!(Language::from_tag("en_GB.UTF-8"), Language::English);
        assert_eq!(Language::from_tag("C.UTF-8"), Language::English);
        assert_eq!(Language::from_tag("de_CH"), Language::English);
    }

    #[test]
    fn placeholders_are_filled_in_order_or_by_position() {
        assert_eq!(fill("%@ on %@", &["a", "b"]), "a on b");
        assert_eq!(fill("%2$@ then %1$@", &["a", "b"]), "b then a");
        assert_eq!(fill("%lld left, 100%%", &["3"]), "3 left, 100%");
        assert_eq!(fill("no %q here", &[]), "no %q here");
    }

    #[test]
    fn the_app_s_catalog_words_each_key_in_three_languages() {
        let key = "Not a postal code of %@ (e.g. %@).";
        assert!(has(key));
        for (language, expected) in [
            (Language::English, "Not a postal code of FR (e.g. 75001)."),
            (Language::French, "Pas un code postal de FR (ex. 75001)."),
            (
                Language::Italian,
                "Non è un codice postale di FR (es. 75001).",
            ),
        ] {
            set_language(language);
            assert_eq!(text(key, &["FR", "75001"]), expected);
        }
        assert!(!has("not in the catalog"));
    }
}
