//! The server's TLS identity: a self-signed certificate (SAN localhost, 127.0.0.1, ::1) made on
//! first start and kept in the data directory (`tls/`, 0700, its files 0600); devices pin its
//! SHA-256.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};
use crate::ids;

/// The certificate and key of the server.
pub struct Identity {
    /// The certificate (DER).
    pub cert: CertificateDer<'static>,
    /// The private key.
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    /// SHA-256 of the certificate's DER, lowercase hex: what devices pin.
    pub fn fingerprint(&self) -> String {
        ids::hex(&ids::sha256(self.cert.as_ref()))
    }
}

fn paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    let dir = data_dir.join("tls");
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// Loads the identity of the data directory, creating it on first use.
pub fn load_or_create(data_dir: &Path) -> Result<Identity> {
    let (cert_path, key_path) = paths(data_dir);
    crate::data_dir::prepare(data_dir)?;
    if !cert_path.exists() || !key_path.exists() {
        create(&cert_path, &key_path)?;
    }
    // Made by an older server with the umask's modes.
    crate::data_dir::restrict(&data_dir.join("tls"), 0o700)?;
    crate::data_dir::restrict(&cert_path, 0o600)?;
    crate::data_dir::restrict(&key_path, 0o600)?;
    load(data_dir)
}

/// Loads an existing identity.
pub fn load(data_dir: &Path) -> Result<Identity> {
    let (cert_path, key_path) = paths(data_dir);
    let cert = CertificateDer::from_pem_file(&cert_path)
        .map_err(|e| Error::Tls(format!("{}: {e}", cert_path.display())))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| Error::Tls(format!("{}: {e}", key_path.display())))?;
    Ok(Identity { cert, key })
}

fn create(cert_path: &Path, key_path: &Path) -> Result<()> {
    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| Error::Tls(e.to_string()))?;
    let dir = cert_path.parent().unwrap_or(Path::new("."));
    crate::data_dir::prepare(dir)?;
    write_new(
        key_path,
        certified.signing_key.serialize_pem().as_bytes(),
        0o600,
    )?;
    write_new(cert_path, certified.cert.pem().as_bytes(), 0o600)?;
    Ok(())
}

/// Writes a file atomically (temp file, fsync, rename) with the given permissions.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| Error::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    f.sync_all().map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    Ok(())
}

/// A rustls server configuration (ring provider, TLS 1.2/1.3, ALPN h2 + http/1.1).
pub fn server_config(identity: &Identity) -> Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![identity.cert.clone()], identity.key.clone_key())
        .map_err(|e| Error::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn identity_is_created_once_with_a_private_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path()).unwrap();
        let b = load_or_create(dir.path()).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let mode = std::fs::metadata(dir.path().join("tls/key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        for (path, want) in [("tls/cert.pem", 0o600), ("tls", 0o700), ("", 0o700)] {
            let mode = std::fs::metadata(dir.path().join(path))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, want, "{path}");
        }
        assert!(server_config(&a).is_ok());
    }
}
