//! SMS through a provider. [`SmsProvider`] is what the [`super::worker`] needs of one;
//! [`Webhook`] is the provider most gateways offer: a JSON POST to their HTTPS address,
//! answered 2xx when they take the message.
//!
//! The request is `{"reference": "<outreach id>", "to": "+33612345678", "text": "…"}` with
//! `Authorization: Bearer <token>` and `Idempotency-Key: <outreach id>` (a gateway that honours
//! it drops a message sent again after a crash). A 2xx answer is sent; 408, 429 and 5xx, a
//! timeout or a failed connection are temporary; any other answer is permanent.
//!
//! Replies come back the other way: the gateway posts `{"from": "+33…", "text": "STOP"}` to
//! `/v1/sms/inbound` with its own bearer token (see [`super::unsubscribe`]).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::Deserialize;

use super::Outcome;
use crate::error::{Error, Result};

/// What sends an SMS.
pub trait SmsProvider: Send + Sync {
    /// Sends `text` to `to` (E.164); `reference` identifies the message across retries.
    fn send<'a>(
        &'a self,
        reference: &'a str,
        to: &'a str,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;
}

/// `[sms]` in the config file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// The gateway's address: `https://…` (`http://` only on this host).
    pub webhook_url: String,
    /// A file holding the bearer token sent to the gateway.
    pub token_file: std::path::PathBuf,
    /// A file holding the bearer token the gateway sends with replies (STOP).
    pub inbound_token_file: Option<std::path::PathBuf>,
    /// Seconds a request may take (default 30).
    pub timeout_secs: Option<u64>,
}

/// A gateway reached by an HTTP webhook.
pub struct Webhook {
    client: reqwest::Client,
    url: reqwest::Url,
    token: String,
}

impl Webhook {
    /// A provider for `config`; an error names what is wrong with it.
    pub fn new(config: &SmsConfig) -> Result<Self> {
        let bad = |what: String| Error::Config(format!("[sms] {what}"));
        let url = reqwest::Url::parse(&config.webhook_url)
            .map_err(|e| bad(format!("webhook_url: {e}")))?;
        let local = matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"));
        if url.scheme() != "https" && !(url.scheme() == "http" && local) {
            return Err(bad(
                "webhook_url must be https:// (http:// only on this host)".into(),
            ));
        }
        let token = read_token(&config.token_file).map_err(|e| bad(format!("token_file: {e}")))?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(
                config.timeout_secs.unwrap_or(30).clamp(1, 300),
            ))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| bad(format!("HTTP client: {e}")))?;
        Ok(Self { client, url, token })
    }
}

/// A token file's first line.
pub fn read_token(path: &std::path::Path) -> std::result::Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let token = text.trim().to_owned();
    if token.len() < 16 {
        return Err(format!(
            "{}: a token is at least 16 characters",
            path.display()
        ));
    }
    Ok(token)
}

impl SmsProvider for Webhook {
    fn send<'a>(
        &'a self,
        reference: &'a str,
        to: &'a str,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>> {
        Box::pin(async move {
            let answer = self
                .client
                .post(self.url.clone())
                .bearer_auth(&self.token)
                .header("Idempotency-Key", reference)
                .json(&serde_json::json!({ "reference": reference, "to": to, "text": text }))
                .send()
                .await;
            match answer {
                Ok(r) if r.status().is_success() => Outcome::Sent,
                Ok(r) => {
                    let status = r.status();
                    let why = format!("the SMS gateway answered {}", status.as_u16());
                    if status.is_server_error() || [408, 429].contains(&status.as_u16()) {
                        Outcome::Temporary(why)
                    } else {
                        Outcome::Permanent(why)
                    }
                }
                Err(e) if e.is_timeout() => {
                    Outcome::Temporary("the SMS gateway did not answer in time".into())
                }
                Err(_) => Outcome::Temporary("the SMS gateway could not be reached".into()),
            }
        })
    }
}
