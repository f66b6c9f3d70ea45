//! Withdrawing a consent from a message: the e-mail's unsubscribe link, and an SMS answered
//! STOP. Either withdraws her marketing consent on that channel at once: her record changes
//! in her store's feed (every device of the store has it at its next pull) and the consent
//! log keeps the change, with `unsubscribe` as its source.
//!
//! The link is `{public_url}/unsubscribe/{token}`: a random 192-bit token, kept only as its
//! SHA-256 (and in the sealed message), so the link itself is the proof. Opening it shows a
//! page with one button (mail scanners that follow links change nothing); the button, or a
//! one-click POST from the mail client (RFC 8058), withdraws. Nothing about her is in the
//! page, the address or the logs.
//!
//! A STOP reply comes from the SMS gateway, authenticated by its bearer token; the number it
//! came from is matched through the HMAC tag kept when an SMS was sent to it.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::MessageChannel;
use serde::Deserialize;

use crate::customer_record::{self, write_customer};
use crate::error::{Error, Result};
use crate::http::{AppState, HttpError};
use crate::ids;
use crate::sql::{Conn, OptionalExtension, params};

/// The consent log's source for a withdrawal made here.
pub const SOURCE: &str = "unsubscribe";

/// The path of an unsubscribe link, below the public address.
pub const PATH: &str = "/unsubscribe/";

/// The path the SMS gateway posts replies to.
pub const INBOUND_SMS_PATH: &str = "/v1/sms/inbound";

/// A new unsubscribe token.
pub fn new_token() -> Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(ids::random_bytes(24)?))
}

/// What the database keeps of a token.
pub fn hash(token: &str) -> String {
    ids::hex(&ids::sha256(token.as_bytes()))
}

/// The tag of a phone number (E.164) an SMS went to.
pub fn recipient_tag(e164: &str) -> Result<String> {
    let tag = ring::hmac::sign(&crate::secret::keys()?.recipient_tag, e164.as_bytes());
    Ok(ids::hex(tag.as_ref()))
}

/// The routes customers and the SMS gateway reach, without the device protocol header.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/unsubscribe/{token}", get(page).post(withdraw_by_link))
        .route(INBOUND_SMS_PATH, post(inbound_sms))
}

/// The words of the unsubscribe page and of the e-mail's footer, in her language.
struct Words {
    footer: &'static str,
    title: &'static str,
    ask: &'static str,
    button: &'static str,
    done: &'static str,
    unknown: &'static str,
}

fn words(language: &str) -> Words {
    match language {
        "fr" => Words {
            footer: "Pour ne plus recevoir nos e-mails :",
            title: "Se désabonner",
            ask: "Ne plus recevoir d'e-mails de notre part ?",
            button: "Me désabonner",
            done: "C'est fait : vous ne recevrez plus nos e-mails.",
            unknown: "Ce lien n'est pas valide.",
        },
        "it" => Words {
            footer: "Per non ricevere più le nostre e-mail:",
            title: "Annulla l'iscrizione",
            ask: "Non ricevere più le nostre e-mail?",
            button: "Annulla l'iscrizione",
            done: "Fatto: non riceverà più le nostre e-mail.",
            unknown: "Questo link non è valido.",
        },
        _ => Words {
            footer: "To stop receiving our e-mails:",
            title: "Unsubscribe",
            ask: "Stop receiving e-mails from us?",
            button: "Unsubscribe",
            done: "Done: you will not receive our e-mails any more.",
            unknown: "This link is not valid.",
        },
    }
}

/// The footer line above the link, in `language`.
pub fn footer(language: &str) -> &'static str {
    words(language).footer
}

fn html(status: StatusCode, language: &str, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"{language}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    (
        status,
        [
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; form-action 'self'",
            ),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(page),
    )
        .into_response()
}

/// The language of the message a token came with, if the token is known.
fn language_of(conn: &Conn<'_>, token: &str) -> Result<Option<(String, String)>> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT customer_id, payload FROM message WHERE unsubscribe_hash = ?1",
            [hash(token)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((customer_id, payload)) = row else {
        return Ok(None);
    };
    let payload: super::Payload =
        serde_json::from_str(&crate::sealed::from_stored(conn, payload)?)?;
    Ok(Some((customer_id, payload.language)))
}

/// Bounds a token before it reaches the database.
fn plausible(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> std::result::Result<Response, HttpError> {
    let found = if plausible(&token) {
        state.db.read(move |conn| language_of(conn, &token)).await?
    } else {
        None
    };
    let Some((_, language)) = found else {
        let w = words("en");
        return Ok(html(
            StatusCode::NOT_FOUND,
            "en",
            w.title,
            &format!("<p>{}</p>", w.unknown),
        ));
    };
    let w = words(&language);
    Ok(html(
        StatusCode::OK,
        &language,
        w.title,
        &format!(
            "<p>{}</p><form method=\"post\"><button type=\"submit\">{}</button></form>",
            w.ask, w.button
        ),
    ))
}

async fn withdraw_by_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> std::result::Result<Response, HttpError> {
    let done = if plausible(&token) {
        state
            .db
            .write(move |conn| {
                let Some((customer_id, language)) = language_of(conn, &token)? else {
                    return Ok::<_, Error>(None);
                };
                withdraw(conn, &customer_id, MessageChannel::Email)?;
                Ok(Some(language))
            })
            .await?
    } else {
        None
    };
    Ok(match done {
        Some(language) => {
            let w = words(&language);
            html(
                StatusCode::OK,
                &language,
                w.title,
                &format!("<p>{}</p>", w.done),
            )
        }
        None => {
            let w = words("en");
            html(
                StatusCode::NOT_FOUND,
                "en",
                w.title,
                &format!("<p>{}</p>", w.unknown),
            )
        }
    })
}

/// A reply from the SMS gateway.
#[derive(Deserialize)]
struct InboundSms {
    from: String,
    text: String,
}

/// The words that stop SMS, in the languages of the chain's countries.
const STOP_WORDS: [&str; 7] = [
    "STOP",
    "ARRET",
    "ARRÊT",
    "STOPSMS",
    "UNSUBSCRIBE",
    "CANCEL",
    "BASTA",
];

/// Whether a reply asks to stop.
pub fn is_stop(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_uppercase();
    STOP_WORDS.contains(&first.as_str())
}

async fn inbound_sms(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> std::result::Result<Response, HttpError> {
    let expected = state.inbound_sms_token.clone();
    let given = crate::http::bearer_token(&headers);
    let authentic = match (&expected, &given) {
        // Digests of equal length, compared without an early exit.
        (Some(expected), Some(given)) => {
            ids::sha256(expected.as_bytes())
                .iter()
                .zip(ids::sha256(given.as_bytes()))
                .fold(0u8, |d, (a, b)| d | (a ^ b))
                == 0
        }
        _ => false,
    };
    if !authentic {
        return Err(HttpError::new(
            StatusCode::UNAUTHORIZED,
            carnet_protocol::codes::UNAUTHORIZED,
            "not the SMS gateway",
        ));
    }
    // Read only once the gateway is known, and no further than a small body.
    let body = crate::http::read_small_body(&state, &headers, body).await?;
    let reply: InboundSms = crate::http::parse_body(&body)?;
    if reply.from.len() > 32 || reply.text.len() > 1600 {
        return Err(HttpError::bad_request(
            "a reply is a number and a short text",
        ));
    }
    if !is_stop(&reply.text) {
        return Ok(axum::Json(serde_json::json!({ "withdrawn": 0 })).into_response());
    }
    let tag = recipient_tag(reply.from.trim())?;
    let withdrawn = state
        .db
        .write(move |conn| {
            let customers: Vec<String> = conn.query_map(
                "SELECT DISTINCT customer_id FROM message WHERE recipient_tag = ?1",
                [tag],
                |r| r.get(0),
            )?;
            let mut n = 0u32;
            for customer_id in customers {
                if withdraw(conn, &customer_id, MessageChannel::Sms)? {
                    n += 1;
                }
            }
            Ok::<_, Error>(n)
        })
        .await?;
    Ok(axum::Json(serde_json::json!({ "withdrawn": withdrawn })).into_response())
}

/// Withdraws her marketing consent on `channel`; false when she is erased or unknown.
pub fn withdraw(conn: &Conn<'_>, customer_id: &str, channel: MessageChannel) -> Result<bool> {
    let Some((store_id, mut customer)) = customer_record::current(conn, customer_id)? else {
        return Ok(false);
    };
    let now = ids::now();
    let entry = carnet_protocol::Consent {
        channel: channel.as_str().to_owned(),
        purpose: "marketing".to_owned(),
        granted: false,
        recorded_at: now.clone(),
        source: SOURCE.to_owned(),
        advisor_id: None,
    };
    customer_record::set_consent(&mut customer, entry);
    conn.execute(
        "INSERT INTO consent_log (customer_id, channel, purpose, granted, source, device_id,
                                  advisor_id, made_at, recorded_at)
         VALUES (?1, ?2, 'marketing', 0, ?3, ?3, NULL, ?4, ?4)",
        params![customer.id, channel.as_str(), SOURCE, now],
    )?;
    write_customer(conn, &store_id, customer)?;
    Ok(true)
}

/// The link that unsubscribes from a message, below `public_url`.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{}{PATH}{token}", public_url.trim_end_matches('/'))
}

/// Keeps the tag of the number an SMS went to, for a STOP reply.
pub fn remember_recipient(conn: &Conn<'_>, outreach_id: &str, e164: &str) -> Result<()> {
    conn.execute(
        "UPDATE message SET recipient_tag = ?2 WHERE outreach_id = ?1",
        params![outreach_id, recipient_tag(e164)?],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_in_any_case_with_punctuation() {
        for yes in ["STOP", "stop", " Stop.", "ARRÊT", "arret svp", "Basta!"] {
            assert!(is_stop(yes), "{yes}");
        }
        for no in ["", "Merci", "stopper", "don't stop"] {
            assert!(!is_stop(no), "{no}");
        }
    }

    #[test]
    fn tokens_are_url_safe_and_only_their_hash_is_kept() {
        let a = new_token().unwrap_or_default();
        let b = new_token().unwrap_or_default();
        assert!(plausible(&a), "{a}");
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 64);
        assert!(!plausible("../../etc/passwd"));
        assert_eq!(
            link("https://carnet.example.com/", "abc"),
            "https://carnet.example.com/unsubscribe/abc"
        );
    }
}
