//! A generated tiny store imported into the real server, served on loopback TLS, with a device
//! credential, and the device caches that sync with it.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use carnet_core::sync::{CancelHandle, ServerConfig, SyncClient, SyncReport, sync};
use carnet_core::{Cache, CacheKey};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, files};

use super::{Server, add_device, import};

/// The store the devices belong to.
pub const STORE: &str = "S001";

/// The running store.
pub struct TinyStore {
    pub dir: tempfile::TempDir,
    pub export: PathBuf,
    pub data: PathBuf,
    pub server: Server,
    pub token: String,
}

impl TinyStore {
    /// Generates the tiny store (seed 42), imports it, issues a device token, serves it.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("export");
        carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &export)
            .unwrap();
        let data = dir.path().join("server");
        import(&data, &export);
        let (_, token) = add_device(&data, STORE);
        let server = Server::start(&data);
        Self {
            dir,
            export,
            data,
            server,
            token,
        }
    }

    /// A client of the store's feed.
    pub fn client(&self) -> SyncClient {
        self.client_for(STORE)
    }

    /// A client asking for `store`'s feed with this device's credential.
    pub fn client_for(&self, store: &str) -> SyncClient {
        self.client_as(store, &self.server.fingerprint, &self.token)
    }

    /// A client with any pin and token, to show what the server and the pin refuse.
    pub fn client_as(&self, store: &str, pin: &str, token: &str) -> SyncClient {
        SyncClient::new(ServerConfig {
            base_url: self.server.base.clone(),
            certificate_pin: pin.into(),
            token: token.into(),
            store_id: store.into(),
            local_address: None,
        })
        .unwrap()
    }

    /// The encrypted cache of device `name` (its key derived from the name, for tests).
    pub fn device(&self, name: &str) -> Arc<Cache> {
        let path = self.dir.path().join(format!("{name}.db"));
        let key = CacheKey::from_bytes(&[name.len() as u8 + 7; 32]).unwrap();
        Arc::new(Cache::open(&path, &key).unwrap())
    }

    /// The server's data directory, for the CLI.
    pub fn data(&self) -> &str {
        self.data.to_str().unwrap()
    }

    /// Every customer of the export.
    pub fn customers(&self) -> Vec<Customer> {
        Export::open(&self.export)
            .unwrap()
            .records::<Customer>(files::CUSTOMERS)
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// SIGKILLs the server and starts it again on the same data.
    pub fn restart_server(&mut self) {
        self.server.kill();
        self.server = Server::start(&self.data.clone());
    }
}

/// One sync round that must succeed.
pub async fn full_sync(cache: &Arc<Cache>, client: &SyncClient) -> SyncReport {
    sync(
        Arc::clone(cache),
        client,
        true,
        &CancelHandle::new(),
        &|_| {},
    )
    .await
    .unwrap()
}
