//! Message templates: the text an advisor starts from when she writes to a customer, in the
//! customer's language (French, English, Italian), filled with her first name, the advisor's
//! name, the store's name and the products chosen. The advisor edits the result before sending.
//!
//! A template names what it is filled with as `{first_name}`, `{advisor_name}`,
//! `{store_name}` and `{products}`; `{{` and `}}` are literal braces. Anything else between
//! braces is refused when the template is saved ([`check`]), so that no customer ever reads a
//! `{voucher}` nobody filled.

use carnet_protocol::TemplateRecord;
use rusqlite::{Connection, OptionalExtension, params};

use crate::tasks::TaskKind;

/// What a template may name.
pub const PLACEHOLDERS: [&str; 4] = ["first_name", "advisor_name", "store_name", "products"];

/// Longest template, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 2000;

/// Why a template is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// It names something no template may name.
    #[error(
        "unknown placeholder {{{0}}}: a template may name {{first_name}}, {{advisor_name}}, {{store_name}} and {{products}}"
    )]
    UnknownPlaceholder(String),
    /// A brace is not closed, or closed without being opened (write `{{` or `}}` for one).
    #[error("a brace is not matched at character {0}")]
    UnmatchedBrace(usize),
    /// It is empty, or longer than [`MAX_TEMPLATE_CHARS`].
    #[error("a template is 1 to {MAX_TEMPLATE_CHARS} characters")]
    Length,
}

/// What a template is for: a kind of task, or a message from the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// A message from the card, for no task.
    General,
    /// A product she buys again should run out.
    Replenishment,
    /// She has not come back when expected.
    Lapsing,
    /// Her birthday.
    Birthday,
    /// A launch from a brand she buys.
    Launch,
    /// Thanks for a purchase.
    ThankYou,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 6] = [
        Purpose::General,
        Purpose::Replenishment,
        Purpose::Lapsing,
        Purpose::Birthday,
        Purpose::Launch,
        Purpose::ThankYou,
    ];

    /// The wire name (`general`, `replenishment`, ..., `thank_you`).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::General => "general",
            Purpose::Replenishment => "replenishment",
            Purpose::Lapsing => "lapsing",
            Purpose::Birthday => "birthday",
            Purpose::Launch => "launch",
            Purpose::ThankYou => "thank_you",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The template for a task of this kind (a campaign brings its own message).
    pub fn of_task(kind: &TaskKind) -> Purpose {
        match kind {
            TaskKind::Replenishment { .. } => Purpose::Replenishment,
            TaskKind::Lapsing { .. } => Purpose::Lapsing,
            TaskKind::Birthday { .. } => Purpose::Birthday,
            TaskKind::Launch { .. } => Purpose::Launch,
            TaskKind::ThankYou { .. } => Purpose::ThankYou,
            TaskKind::Campaign { .. } => Purpose::General,
        }
    }
}

/// What fills a template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fill<'a> {
    /// Her first name.
    pub first_name: &'a str,
    /// The advisor's first name.
    pub advisor_name: &'a str,
    /// The store's name.
    pub store_name: &'a str,
    /// The products' names.
    pub products: &'a [String],
}

/// Refuses a template that names an unknown placeholder or leaves a brace unmatched.
pub fn check(template: &str) -> Result<(), TemplateError> {
    let chars = template.chars().count();
    if chars == 0 || chars > MAX_TEMPLATE_CHARS {
        return Err(TemplateError::Length);
    }
    walk(template, |_| Some(String::new())).map(drop)
}

/// The template filled. A template that [`check`] refuses is returned as it is.
pub fn fill(template: &str, with: &Fill<'_>) -> String {
    let products = with.products.join(", ");
    walk(template, |name| {
        Some(
            match name {
                "first_name" => with.first_name,
                "advisor_name" => with.advisor_name,
                "store_name" => with.store_name,
                "products" => &products,
                _ => return None,
            }
            .to_owned(),
        )
    })
    .unwrap_or_else(|_| template.to_owned())
}

/// Copies `template`, replacing each placeholder by what `value` gives for its name.
fn walk(template: &str, value: impl Fn(&str) -> Option<String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut chars = template.char_indices().peekable();
    let mut position = 0;
    while let Some((_, c)) = chars.next() {
        position += 1;
        match c {
            '{' if chars.peek().is_some_and(|&(_, n)| n == '{') => {
                chars.next();
                position += 1;
                out.push('{');
            }
            '}' if chars.peek().is_some_and(|&(_, n)| n == '}') => {
                chars.next();
                position += 1;
                out.push('}');
            }
            '}' => return Err(TemplateError::UnmatchedBrace(position)),
            '{' => {
                let opened_at = position;
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some((_, '}')) => break,
                        Some((_, '{')) | None => {
                            return Err(TemplateError::UnmatchedBrace(opened_at));
                        }
                        Some((_, n)) => name.push(n),
                    }
                    position += 1;
                }
                position += 1;
                let name = name.trim();
                if !PLACEHOLDERS.contains(&name) {
                    return Err(TemplateError::UnknownPlaceholder(name.to_owned()));
                }
                out.push_str(
                    &value(name)
                        .ok_or_else(|| TemplateError::UnknownPlaceholder(name.to_owned()))?,
                );
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A template: an e-mail's subject, and the text (of the e-mail, or the SMS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template<S = &'static str> {
    /// The e-mail's subject.
    pub subject: S,
    /// The text.
    pub body: S,
}

/// Why a store's template is refused, field by field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreTemplateError {
    /// The purpose or language is not one templates are written for.
    #[error(
        "a template is for general, replenishment, lapsing, birthday, launch or thank_you, in fr, en or it"
    )]
    Unknown,
    /// The subject is refused.
    #[error("subject: {0}")]
    Subject(TemplateError),
    /// The text is refused.
    #[error("text: {0}")]
    Body(TemplateError),
}

/// Refuses a store's template that [`check`] refuses, or for an unknown purpose or language;
/// a subject is one line. The server asks before saving it.
pub fn check_store_template(r: &TemplateRecord) -> Result<(), StoreTemplateError> {
    if Purpose::parse(&r.purpose).is_none() || !LANGUAGES.contains(&r.language.as_str()) {
        return Err(StoreTemplateError::Unknown);
    }
    check(&r.subject).map_err(StoreTemplateError::Subject)?;
    if r.subject.contains(['\r', '\n']) {
        return Err(StoreTemplateError::Subject(TemplateError::Length));
    }
    check(&r.body).map_err(StoreTemplateError::Body)
}

/// Keeps a store's template from the feed.
pub(crate) fn apply_record(c: &Connection, r: &TemplateRecord) -> crate::error::Result<()> {
    c.prepare_cached(
        "INSERT INTO template (id, purpose, language, subject, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET purpose = ?2, language = ?3, subject = ?4, body = ?5",
    )?
    .execute(params![r.id, r.purpose, r.language, r.subject, r.body])?;
    Ok(())
}

/// The template for `purpose` in `language`: the store's, else Carnet's.
pub fn for_store(
    c: &Connection,
    purpose: Purpose,
    language: &str,
) -> crate::error::Result<Template<String>> {
    let stored: Option<(String, String)> = c
        .prepare_cached("SELECT subject, body FROM template WHERE purpose = ?1 AND language = ?2")?
        .query_row([purpose.as_str(), language], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match stored {
        Some((subject, body)) => Template { subject, body },
        None => {
            let t = builtin(purpose, language);
            Template {
                subject: t.subject.to_owned(),
                body: t.body.to_owned(),
            }
        }
    })
}

/// The languages templates are written in; another language gets English.
pub const LANGUAGES: [&str; 3] = ["fr", "en", "it"];

/// Carnet's template for `purpose` in `language` (English for a language it has none in).
pub fn builtin(purpose: Purpose, language: &str) -> Template {
    let t = |subject, body| Template { subject, body };
    match (language, purpose) {
        ("fr", Purpose::General) => t(
            "{store_name} : un mot de {advisor_name}",
            "Bonjour {first_name}, c'est {advisor_name} de {store_name}. Je pense à vous : {products}. Au plaisir de vous revoir !",
        ),
        ("fr", Purpose::Replenishment) => t(
            "Votre {products} bientôt terminé ?",
            "Bonjour {first_name}, votre {products} arrive sans doute à sa fin. Je vous le mets de côté à {store_name} ? {advisor_name}",
        ),
        ("fr", Purpose::Lapsing) => t(
            "Vous nous manquez, {first_name}",
            "Bonjour {first_name}, cela fait un moment ! Passez nous voir à {store_name}, j'ai des nouveautés pour vous. {advisor_name}",
        ),
        ("fr", Purpose::Birthday) => t(
            "Joyeux anniversaire, {first_name} !",
            "Bonjour {first_name}, toute l'équipe de {store_name} vous souhaite un joyeux anniversaire ! Une attention vous attend en boutique. {advisor_name}",
        ),
        ("fr", Purpose::Launch) => t(
            "Nouveau : {products}",
            "Bonjour {first_name}, {products} vient d'arriver à {store_name}. Je vous le fais découvrir ? {advisor_name}",
        ),
        ("fr", Purpose::ThankYou) => t(
            "Merci, {first_name}",
            "Bonjour {first_name}, merci pour votre visite à {store_name}. Je reste à votre disposition. {advisor_name}",
        ),
        ("it", Purpose::General) => t(
            "{store_name}: un messaggio da {advisor_name}",
            "Buongiorno {first_name}, sono {advisor_name} di {store_name}. Ho pensato a lei: {products}. A presto!",
        ),
        ("it", Purpose::Replenishment) => t(
            "Il suo {products} sta per finire?",
            "Buongiorno {first_name}, il suo {products} sta probabilmente finendo. Glielo metto da parte a {store_name}? {advisor_name}",
        ),
        ("it", Purpose::Lapsing) => t(
            "Ci manca, {first_name}",
            "Buongiorno {first_name}, è passato un po' di tempo! Venga a trovarci a {store_name}, ho delle novità per lei. {advisor_name}",
        ),
        ("it", Purpose::Birthday) => t(
            "Buon compleanno, {first_name}!",
            "Buongiorno {first_name}, tutto il team di {store_name} le augura buon compleanno! Un pensiero la aspetta in negozio. {advisor_name}",
        ),
        ("it", Purpose::Launch) => t(
            "Novità: {products}",
            "Buongiorno {first_name}, {products} è appena arrivato a {store_name}. Vuole scoprirlo? {advisor_name}",
        ),
        ("it", Purpose::ThankYou) => t(
            "Grazie, {first_name}",
            "Buongiorno {first_name}, grazie per la sua visita a {store_name}. Resto a sua disposizione. {advisor_name}",
        ),
        (_, Purpose::General) => t(
            "{store_name}: a note from {advisor_name}",
            "Hello {first_name}, it's {advisor_name} from {store_name}. I thought of you: {products}. Hope to see you soon!",
        ),
        (_, Purpose::Replenishment) => t(
            "Running low on {products}?",
            "Hello {first_name}, your {products} may be running out. Shall I put one aside for you at {store_name}? {advisor_name}",
        ),
        (_, Purpose::Lapsing) => t(
            "We miss you, {first_name}",
            "Hello {first_name}, it's been a while! Come and see us at {store_name}, I have new things to show you. {advisor_name}",
        ),
        (_, Purpose::Birthday) => t(
            "Happy birthday, {first_name}!",
            "Hello {first_name}, everyone at {store_name} wishes you a happy birthday! A little something awaits you in store. {advisor_name}",
        ),
        (_, Purpose::Launch) => t(
            "New: {products}",
            "Hello {first_name}, {products} has just arrived at {store_name}. Would you like to try it? {advisor_name}",
        ),
        (_, Purpose::ThankYou) => t(
            "Thank you, {first_name}",
            "Hello {first_name}, thank you for your visit to {store_name}. I'm here if you need anything. {advisor_name}",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Purpose; 6] = Purpose::ALL;

    #[test]
    fn fills_every_placeholder_and_keeps_literal_braces() {
        let products = ["Sérum éclat".to_owned(), "Rouge 12".to_owned()];
        let with = Fill {
            first_name: "Léa",
            advisor_name: "Chloé",
            store_name: "Opéra",
            products: &products,
        };
        assert_eq!(
            fill(
                "{first_name}, {{ {products} }} — {advisor_name}, { store_name }",
                &with
            ),
            "Léa, { Sérum éclat, Rouge 12 } — Chloé, Opéra"
        );
    }

    #[test]
    fn refuses_unknown_placeholders_and_unmatched_braces() {
        assert_eq!(
            check("Hello {first_name}, your {voucher}"),
            Err(TemplateError::UnknownPlaceholder("voucher".into()))
        );
        assert_eq!(
            check("Hello {first_name"),
            Err(TemplateError::UnmatchedBrace(7))
        );
        assert_eq!(check("a } b"), Err(TemplateError::UnmatchedBrace(3)));
        assert_eq!(check("{a{b}"), Err(TemplateError::UnmatchedBrace(1)));
        assert_eq!(check(""), Err(TemplateError::Length));
        assert_eq!(
            check(&"x".repeat(MAX_TEMPLATE_CHARS + 1)),
            Err(TemplateError::Length)
        );
        assert_eq!(check("Hello {{first_name}}"), Ok(()));
        // A refused template is never filled halfway.
        assert_eq!(
            fill("{voucher} {first_name}", &Fill::default()),
            "{voucher} {first_name}"
        );
    }

    #[test]
    fn every_builtin_template_checks_in_every_language_and_fits_an_sms() {
        let long = ["A product with quite a long name, 50 ml".to_owned()];
        let with = Fill {
            first_name: "Marie-Christine",
            advisor_name: "Anne-Sophie",
            store_name: "Carnet Champs-Élysées",
            products: &long,
        };
        for language in ["fr", "en", "it", "de"] {
            for purpose in ALL {
                let t = builtin(purpose, language);
                assert_eq!(check(t.subject), Ok(()), "{language} {purpose:?}");
                assert_eq!(check(t.body), Ok(()), "{language} {purpose:?}");
                let body = fill(t.body, &with);
                assert!(!body.contains('{'), "{body}");
                assert!(
                    body.chars().count() <= carnet_protocol::MAX_SMS_CHARS,
                    "{language} {purpose:?}: {} characters",
                    body.chars().count()
                );
            }
        }
        assert_eq!(
            builtin(Purpose::Birthday, "de"),
            builtin(Purpose::Birthday, "en")
        );
        assert_ne!(
            builtin(Purpose::Birthday, "fr"),
            builtin(Purpose::Birthday, "en")
        );
    }
}
