//! E-mail through SMTP (`lettre`): one connection per message, STARTTLS or TLS unless the
//! relay is on this host, credentials from a file, and an unsubscribe link in the text and in
//! the `List-Unsubscribe` headers (RFC 2369, one-click per RFC 8058).

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;

use super::Outcome;
use crate::error::{Error, Result};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// STARTTLS, required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// None: only for a relay on this host (127.0.0.1, ::1, localhost).
    None,
}

/// `[email]` in the config file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The SMTP relay's host name.
    pub host: String,
    /// Its port (default: 587 for STARTTLS, 465 for TLS, 25 for none).
    pub port: Option<u16>,
    /// How the connection is protected.
    #[serde(default)]
    pub tls: TlsMode,
    /// The account, if the relay wants one.
    pub username: Option<String>,
    /// A file holding its password (never in the config itself).
    pub password_file: Option<std::path::PathBuf>,
    /// The sender, e.g. `Carnet Opéra <conseil@example.com>`.
    pub from: String,
    /// The name the server gives itself in EHLO (default `carnet`).
    pub hello_name: Option<String>,
    /// Seconds an exchange with the relay may take (default 30).
    pub timeout_secs: Option<u64>,
}

/// What an e-mail says.
pub struct Letter<'a> {
    /// Its subject.
    pub subject: &'a str,
    /// Its text.
    pub body: &'a str,
    /// The link that withdraws her consent.
    pub unsubscribe: &'a str,
    /// The words before that link, in her language.
    pub footer: &'a str,
    /// A calendar event to attach (`.ics`), for a booking's reminder.
    pub calendar: Option<&'a str>,
}

/// Sends e-mails through one relay.
pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl EmailSender {
    /// A sender for `config`; an error names what is wrong with it.
    pub fn new(config: &EmailConfig) -> Result<Self> {
        let bad = |what: String| Error::Config(format!("[email] {what}"));
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| bad(format!("from is not an address: {e}")))?;
        let local = ["127.0.0.1", "::1", "localhost"].contains(&config.host.as_str());
        let tls = || {
            TlsParameters::new(config.host.clone())
                .map_err(|e| bad(format!("TLS for {}: {e}", config.host)))
        };
        let (tls, port) = match config.tls {
            TlsMode::Starttls => (Tls::Required(tls()?), 587),
            TlsMode::Tls => (Tls::Wrapper(tls()?), 465),
            TlsMode::None if local => (Tls::None, 25),
            TlsMode::None => {
                return Err(bad(format!(
                    "tls = \"none\" is only for a relay on this host, not {}",
                    config.host
                )));
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port.unwrap_or(port))
            .tls(tls)
            .hello_name(ClientId::Domain(
                config.hello_name.clone().unwrap_or_else(|| "carnet".into()),
            ))
            .timeout(Some(Duration::from_secs(
                config.timeout_secs.unwrap_or(30).clamp(1, 300),
            )));
        match (&config.username, &config.password_file) {
            (Some(user), Some(file)) => {
                let password = std::fs::read_to_string(file)
                    .map_err(|e| bad(format!("password_file {}: {e}", file.display())))?;
                builder = builder.credentials(Credentials::new(
                    user.clone(),
                    password.trim_end().to_owned(),
                ));
            }
            (None, None) => {}
            _ => return Err(bad("username and password_file go together".into())),
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one e-mail to `to`.
    pub async fn send(&self, outreach_id: &str, to: &str, letter: &Letter<'_>) -> Outcome {
        let Ok(to) = to.parse::<Mailbox>() else {
            return Outcome::Withdrawn("her e-mail address is not valid".into());
        };
        let text = format!(
            "{}\n\n--\n{}\n{}\n",
            letter.body, letter.footer, letter.unsubscribe
        );
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject)
            .message_id(Some(format!("<{outreach_id}@carnet>")))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", letter.unsubscribe),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
        let message = match letter.calendar {
            None => builder.header(ContentType::TEXT_PLAIN).body(text),
            Some(calendar) => builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(text))
                    .singlepart(
                        Attachment::new("appointment.ics".into()).body(
                            calendar.to_owned(),
                            ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                                .unwrap_or(ContentType::TEXT_PLAIN),
                        ),
                    ),
            ),
        };
        let message = match message {
            Ok(m) => m,
            Err(e) => return Outcome::Permanent(format!("the message could not be built: {e}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => Outcome::Permanent(smtp_error(&e)),
            Err(e) => Outcome::Temporary(smtp_error(&e)),
        }
    }
}

/// The relay's failure, without the addresses lettre may quote.
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) => format!("the mail relay answered {code}"),
        None if e.is_timeout() => "the mail relay did not answer in time".into(),
        None => "the connection to the mail relay failed".into(),
    }
}
