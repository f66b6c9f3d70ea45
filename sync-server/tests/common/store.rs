//! A generated tiny store imported into the real server, served on loopback TLS, with an
//! enrolled device, and the device caches that sync with it.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use carnet_core::sync::{CancelHandle, SyncClient, SyncReport, sync};
use carnet_core::{Cache, CacheKey};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, files};

use super::{Device, Server, import};

/// The store the devices belong to.
pub const STORE: &str = "S001";

/// The running store.
pub struct TinyStore {
    pub dir: tempfile::TempDir,
    pub export: PathBuf,
    pub data: PathBuf,
    pub server: Server,
    /// The store's enrolled device (advisor `ADVISOR` signed in).
    pub device: Device,
}

impl TinyStore {
    /// Generates the tiny store (seed 42), imports it, serves it, enrols a device.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("export");
        carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &export)
            .unwrap();
        let data = dir.path().join("server");
        import(&data, &export);
        let server = Server::start(&data);
        let device = server.device(STORE).await;
        Self {
            dir,
            export,
            data,
            server,
            device,
        }
    }

    /// A client of the store's feed.
    pub fn client(&self) -> SyncClient {
        self.device.sync_client()
    }

    /// A client asking for `store`'s feed with this device's credentials.
    pub fn client_for(&self, store: &str) -> SyncClient {
        self.device.sync_client_as(store, &self.server.fingerprint)
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

    /// SIGKILLs the server and starts it again on the same data (on another port: the device
    /// follows, its lease still valid).
    pub fn restart_server(&mut self) {
        self.server.kill();
        self.server = Server::start(&self.data.clone());
        self.device = self.device.at(&self.server.base);
    }
}

/// The export of `size` (seed 42) the benches share, generated on first use, in the
/// `bench-data` folder of the running example's target directory: (that folder, the export).
pub fn bench_export(size: &str) -> (PathBuf, PathBuf) {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/examples/<name>
    let target = exe.ancestors().nth(3).unwrap();
    let root = target.join("bench-data");
    let export = root.join(format!("{size}-export"));
    if !export.join(files::MANIFEST).exists() {
        carnet_fixtures::generate::generate(size.parse().unwrap(), 42, &export).unwrap();
    }
    (root, export)
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
