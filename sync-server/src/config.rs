//! Settings of `serve`: command line and environment first, then the TOML config file, then
//! defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::networks;

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";

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
}

/// Resolved settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    /// Data directory (database, TLS identity).
    pub data: PathBuf,
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// Proxies whose `X-Forwarded-For` is believed (none: the header is ignored).
    pub trusted_proxies: Vec<IpNet>,
}

/// Reads a config file.
pub fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
}

/// Resolves the settings: `data`, `listen` and the trusted proxies (when any is given) from
/// the command line or environment win over the file.
pub fn resolve(
    data: Option<PathBuf>,
    listen: Option<String>,
    trusted_proxies: Vec<String>,
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
    Ok(ServeSettings {
        data,
        listen,
        trusted_proxies,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn command_line_wins_over_file() {
        let file: FileConfig =
            toml::from_str("data = \"/srv/a\"\nlisten = \"0.0.0.0:9000\"").unwrap();
        let s = resolve(None, Some("127.0.0.1:0".into()), vec![], Some(file)).unwrap();
        assert_eq!(s.data, PathBuf::from("/srv/a"));
        assert_eq!(s.listen.port(), 0);
        assert!(s.trusted_proxies.is_empty());
        let s = resolve(Some("/d".into()), None, vec![], None).unwrap();
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
        assert!(resolve(None, None, vec![], None).is_err());
        assert!(toml::from_str::<FileConfig>("nope = 1").is_err());
        // Trusted proxies: the file's, unless the command line gives some.
        let file = || toml::from_str::<FileConfig>("trusted_proxies = [\"10.0.0.5\"]").unwrap();
        let s = resolve(Some("/d".into()), None, vec![], Some(file())).unwrap();
        assert_eq!(s.trusted_proxies, ["10.0.0.5/32".parse::<IpNet>().unwrap()]);
        let cli = vec!["fd00::/64".to_owned()];
        let s = resolve(Some("/d".into()), None, cli, Some(file())).unwrap();
        assert_eq!(s.trusted_proxies, ["fd00::/64".parse::<IpNet>().unwrap()]);
        assert!(resolve(Some("/d".into()), None, vec!["proxy".into()], None).is_err());
    }
}
