//! Settings of `serve`: command line and environment first, then the TOML config file, then
//! defaults. The file may also say where the server secret comes from and set the limits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use ipnet::IpNet;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::messages::Retry;
use crate::messages::email::EmailConfig;
use crate::messages::sms::SmsConfig;
use crate::networks;
use crate::secret::Sources;

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";

/// When the client book's tasks are made each night (UTC), unless configured.
pub const DEFAULT_TASKS_AT: NaiveTime = NaiveTime::from_hms_opt(2, 0, 0).expect("a valid time");

/// The config file (TOML): every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Data directory.
    pub data: Option<PathBuf>,
    /// Listen address, e.g. `0.0.0.0:8443`.
    pub listen: Option<String>,
    /// Address ranges of proxies whose `X-Forwarded-For` is believed, e.g. `["10.0.0.5/32"]`.
    pub trusted_proxies: Option<Vec<String>>,
    /// A file holding the server secret (see [`crate::secret`]).
    pub secret_file: Option<PathBuf>,
    /// A command printing the server secret.
    pub secret_command: Option<String>,
    /// A PostgreSQL URL: the database is there rather than in the data directory.
    pub database: Option<String>,
    /// Connections in the PostgreSQL pool.
    pub database_pool: Option<usize>,
    /// Every address devices may reach this server at (its replicas, which share its
    /// database and TLS identity), e.g. `["https://10.0.0.5:8443", "https://10.0.0.6:8443"]`:
    /// told to devices at enrolment, so that they go on with another when one is down.
    pub server_urls: Option<Vec<String>>,
    /// How often, in seconds, the server reads the lease keys again to take a rotation made
    /// by another replica or the command line (1 to 60; default 30).
    pub lease_key_refresh_secs: Option<u64>,
    /// Resource limits (`[limits]`).
    #[serde(default)]
    pub limits: Limits,
    /// The address customers reach this server at from outside the store, for the
    /// unsubscribe links of e-mails, e.g. `https://carnet.example.com`.
    pub public_url: Option<String>,
    /// The SMTP relay e-mails go through (`[email]`); none: e-mails wait in the queue.
    pub email: Option<EmailConfig>,
    /// The SMS gateway (`[sms]`); none: SMS wait in the queue.
    pub sms: Option<SmsConfig>,
    /// How messages are sent (`[messages]`).
    #[serde(default)]
    pub messages: MessagesConfig,
    /// When the client book's tasks are made each night, `HH:MM` in UTC (default `02:00`),
    /// or `off` (then `tasks run` makes them).
    pub tasks_at: Option<String>,
}

/// `[messages]`: how the queue of e-mails and SMS is worked.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MessagesConfig {
    /// Seconds before the first retry of a failed message (doubling after; default 30).
    pub first_retry_secs: Option<f64>,
    /// Attempts before a message is given up (default 8).
    pub max_attempts: Option<u32>,
    /// Milliseconds between looks at the queue (default 2000).
    pub poll_millis: Option<u64>,
}

/// Resolved settings of the message sender.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageSettings {
    /// See [`FileConfig::public_url`] (default: the listen address, which customers outside
    /// the store cannot reach).
    pub public_url: String,
    /// See [`FileConfig::email`].
    pub email: Option<EmailConfig>,
    /// See [`FileConfig::sms`].
    pub sms: Option<SmsConfig>,
    /// Retries.
    pub retry: Retry,
    /// Between looks at the queue.
    pub poll: Duration,
}

/// Connections in the PostgreSQL pool unless the config says otherwise.
pub const DEFAULT_DATABASE_POOL: usize = 16;

/// Where the server's database is.
#[derive(Clone, PartialEq)]
pub enum Database {
    /// The SQLCipher file in the data directory (the default).
    Embedded,
    /// PostgreSQL at this URL, with a pool of this many connections.
    Postgres {
        /// The URL (may hold a password: never print it, see [`crate::pg::redact`]).
        url: String,
        /// Pool size.
        pool: usize,
    },
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Embedded => f.write_str("Embedded"),
            Database::Postgres { url, pool } => f
                .debug_struct("Postgres")
                .field("url", &crate::pg::redact(url))
                .field("pool", pool)
                .finish(),
        }
    }
}

/// Resolved settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeSettings {
    /// Data directory (database, TLS identity).
    pub data: PathBuf,
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// Proxies whose `X-Forwarded-For` is believed (none: the header is ignored).
    pub trusted_proxies: Vec<IpNet>,
    /// Where the server secret comes from besides the environment.
    pub secret: Sources,
    /// Resource limits.
    pub limits: Limits,
    /// Where the database is.
    pub database: Database,
    /// The addresses told to devices at enrolment (see [`FileConfig::server_urls`]).
    pub server_urls: Vec<String>,
    /// See [`FileConfig::lease_key_refresh_secs`].
    pub lease_key_refresh: Duration,
    /// How e-mails and SMS are sent.
    pub messages: MessageSettings,
    /// When the nightly tasks run (UTC); `None`: never.
    pub tasks_at: Option<NaiveTime>,
}

/// Reads a config file.
pub fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
}

/// Resolves the settings: `data`, `listen`, the trusted proxies (when any is given) and the
/// secret's sources from the command line or environment win over the file.
pub fn resolve(
    data: Option<PathBuf>,
    listen: Option<String>,
    trusted_proxies: Vec<String>,
    database: Option<String>,
    secret: Sources,
    file: Option<FileConfig>,
) -> Result<ServeSettings> {
    let file = file.unwrap_or_default();
    let data = data.or(file.data).ok_or_else(|| {
        Error::Config(
            "no data directory: pass --data, set CARNET_DATA or `data` in the config".into(),
        )
    })?;
    let listen = listen
        .or(file.listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen = listen
        .parse()
        .map_err(|_| Error::Config(format!("not a socket address: {listen}")))?;
    let proxies = if trusted_proxies.is_empty() {
        file.trusted_proxies.unwrap_or_default()
    } else {
        trusted_proxies
    };
    let trusted_proxies = proxies
        .iter()
        .map(|p| networks::parse(p).map_err(|e| Error::Config(format!("trusted proxy: {e}"))))
        .collect::<Result<_>>()?;
    file.limits.check()?;
    let messages = message_settings(
        file.public_url,
        file.email,
        file.sms,
        &file.messages,
        listen,
    )?;
    let secret = Sources {
        file: secret.file.or(file.secret_file),
        command: secret.command.or(file.secret_command),
    };
    let database = match database.or(file.database) {
        None => Database::Embedded,
        Some(url) => Database::Postgres {
            url,
            pool: file.database_pool.unwrap_or(DEFAULT_DATABASE_POOL).max(1),
        },
    };
    let server_urls = file.server_urls.unwrap_or_default();
    check_server_urls(&server_urls)?;
    let lease_key_refresh = match file.lease_key_refresh_secs {
        None => crate::lease::KEY_REFRESH,
        Some(secs @ 1..=60) => Duration::from_secs(secs),
        Some(secs) => {
            return Err(Error::Config(format!(
                "lease_key_refresh_secs: {secs}, not between 1 and 60"
            )));
        }
    };
    let tasks_at = match file.tasks_at.as_deref() {
        None => Some(DEFAULT_TASKS_AT),
        Some("off") => None,
        Some(at) => Some(
            NaiveTime::parse_from_str(at, "%H:%M")
                .map_err(|_| Error::Config(format!("tasks_at: {at}, not HH:MM (UTC) nor off")))?,
        ),
    };
    Ok(ServeSettings {
        messages,
        tasks_at,
        data,
        listen,
        trusted_proxies,
        secret,
        limits: file.limits,
        database,
        server_urls,
        lease_key_refresh,
    })
}

fn message_settings(
    public_url: Option<String>,
    email: Option<EmailConfig>,
    sms: Option<SmsConfig>,
    m: &MessagesConfig,
    listen: SocketAddr,
) -> Result<MessageSettings> {
    let public_url = match public_url {
        Some(url) if url.starts_with("https://") && url.len() <= 200 => url,
        Some(url) => {
            return Err(Error::Config(format!(
                "public_url: {url:?} is not an https:// address"
            )));
        }
        None => format!("https://{listen}"),
    };
    let mut retry = Retry::default();
    if let Some(secs) = m.first_retry_secs {
        if !(0.01..=3600.0).contains(&secs) {
            return Err(Error::Config(format!(
                "[messages] first_retry_secs: {secs}, not between 0.01 and 3600"
            )));
        }
        retry.first = Duration::from_secs_f64(secs);
    }
    if let Some(n) = m.max_attempts {
        if !(1..=20).contains(&n) {
            return Err(Error::Config(format!(
                "[messages] max_attempts: {n}, not between 1 and 20"
            )));
        }
        retry.max_attempts = n;
    }
    let poll = Duration::from_millis(m.poll_millis.unwrap_or(2000).clamp(10, 60_000));
    Ok(MessageSettings {
        public_url,
        email,
        sms,
        retry,
        poll,
    })
}

/// Server addresses are `https://host[:port]` without a path, at most
/// [`carnet_protocol::presence::MAX_SERVER_URLS`] (what a device accepts).
fn check_server_urls(urls: &[String]) -> Result<()> {
    let most = carnet_protocol::presence::MAX_SERVER_URLS;
    if urls.len() > most {
        return Err(Error::Config(format!(
            "server_urls: {} addresses, at most {most}",
            urls.len()
        )));
    }
    for url in urls {
        let host = url.strip_prefix("https://").unwrap_or_default();
        if host.is_empty() || host.contains('/') || url.len() > 200 {
            return Err(Error::Config(format!(
                "server_urls: {url:?} is not https://host[:port]"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn command_line_wins_over_file() {
        let file: FileConfig = toml::from_str(
            "data = \"/srv/a\"\nlisten = \"0.0.0.0:9000\"\nsecret_file = \"/run/k\"\n\
             secret_command = \"kms unwrap\"\n[limits]\nidle_secs = 5",
        )
        .unwrap();
        let flags = Sources {
            file: Some("/mnt/key".into()),
            command: None,
        };
        let s = resolve(
            None,
            Some("127.0.0.1:0".into()),
            vec![],
            None,
            flags,
            Some(file),
        )
        .unwrap();
        assert_eq!(s.data, PathBuf::from("/srv/a"));
        assert_eq!(s.listen.port(), 0);
        assert!(s.trusted_proxies.is_empty());
        assert_eq!(s.secret.file, Some(PathBuf::from("/mnt/key")));
        assert_eq!(s.secret.command.as_deref(), Some("kms unwrap"));
        assert_eq!(s.limits.idle_secs, 5.0);
        assert_eq!(s.limits.max_connections, Limits::default().max_connections);
        let none = Sources::default;
        let s = resolve(Some("/d".into()), None, vec![], None, none(), None).unwrap();
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(s.limits, Limits::default());
        assert!(resolve(None, None, vec![], None, none(), None).is_err());
        assert!(toml::from_str::<FileConfig>("nope = 1").is_err());
        let bad: FileConfig = toml::from_str("data = \"/d\"\n[limits]\nidle_secs = 0").unwrap();
        assert!(resolve(None, None, vec![], None, none(), Some(bad)).is_err());
        // Trusted proxies: the file's, unless the command line gives some.
        let file = || toml::from_str::<FileConfig>("trusted_proxies = [\"10.0.0.5\"]").unwrap();
        let s = resolve(Some("/d".into()), None, vec![], None, none(), Some(file())).unwrap();
        assert_eq!(s.trusted_proxies, ["10.0.0.5/32".parse::<IpNet>().unwrap()]);
        let cli = vec!["fd00::/64".to_owned()];
        let s = resolve(Some("/d".into()), None, cli, None, none(), Some(file())).unwrap();
        assert_eq!(s.trusted_proxies, ["fd00::/64".parse::<IpNet>().unwrap()]);
        let bad_proxy = vec!["proxy".to_owned()];
        assert!(resolve(Some("/d".into()), None, bad_proxy, None, none(), None).is_err());
    }

    #[test]
    fn server_urls_are_https_addresses_and_few() {
        let with = |urls: &str| {
            let file = toml::from_str::<FileConfig>(&format!("server_urls = {urls}")).unwrap();
            resolve(
                Some("/d".into()),
                None,
                vec![],
                None,
                Sources::default(),
                Some(file),
            )
        };
        let s = with(r#"["https://10.0.0.5:8443", "https://[fd00::6]:8443"]"#).unwrap();
        assert_eq!(s.server_urls.len(), 2);
        for bad in [
            r#"["http://10.0.0.5:8443"]"#,
            r#"["https://10.0.0.5:8443/sync"]"#,
            r#"["https://"]"#,
        ] {
            let e = with(bad).unwrap_err().to_string();
            assert!(e.contains("is not https://host[:port]"), "{bad}: {e}");
        }
        let nine = format!(
            "[{}]",
            (1..=9)
                .map(|i| format!("\"https://10.0.0.{i}:8443\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(with(&nine).unwrap_err().to_string().contains("at most 8"));
    }
}
