//! A generated tiny store imported into the real server, served on loopback TLS, with an
//! enrolled device, and the device caches that sync with it.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use carnet_core::sync::{CancelHandle, SyncClient, SyncReport, sync};
use carnet_core::{Cache, CacheKey};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, Offer, PurchaseLine, files};

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
        Self::configured(None).await
    }

    /// The same, the server reading the config file `config` (TOML) if given.
    pub async fn configured(config: Option<&str>) -> Self {
        Self::edited(config, |_| {}).await
    }

    /// The same, the export changed by `edit` (given its folder) before it is imported.
    pub async fn edited(config: Option<&str>, edit: impl FnOnce(&Path)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("export");
        carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &export)
            .unwrap();
        edit(&export);
        let data = dir.path().join("server");
        import(&data, &export);
        let server = match config {
            Some(toml) => {
                let path = dir.path().join("server.toml");
                std::fs::write(&path, toml).unwrap();
                Server::start_configured(&data, &path)
            }
            None => Server::start(&data),
        };
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
    let (root, export) = bench_export_dirs(size);
    if !export.join(files::MANIFEST).exists() {
        carnet_fixtures::generate::generate(size.parse().unwrap(), 42, &export).unwrap();
    }
    (root, export)
}

/// A server on the import of the bench export of `size`, in a fresh folder under `root` (gone
/// with it): (that folder, the server's data folder in it, the server). Prints whether the
/// import was made or copied.
pub fn bench_server(
    root: &Path,
    size: &str,
    export: &Path,
) -> (tempfile::TempDir, PathBuf, Server) {
    bench_server_configured(root, size, export, None)
}

/// [`bench_server`], the server reading the config file `config` (TOML) if given.
pub fn bench_server_configured(
    root: &Path,
    size: &str,
    export: &Path,
    config: Option<&str>,
) -> (tempfile::TempDir, PathBuf, Server) {
    let work = tempfile::tempdir_in(root).unwrap();
    let data = work.path().join("server");
    println!("{}", bench_server_data(root, size, export, &data));
    let server = match config {
        Some(toml) => {
            let path = work.path().join("server.toml");
            std::fs::write(&path, toml).unwrap();
            Server::start_configured(&data, &path)
        }
        None => Server::start(&data),
    };
    (work, data, server)
}

/// Fills the server data folder `data` with the import of the bench export of `size`: the
/// import (minutes on `store`: it fits the store's model too) is kept in `root` and copied on
/// later runs. Says which it did.
fn bench_server_data(root: &Path, size: &str, export: &Path, data: &Path) -> String {
    let imported = root.join(format!("{size}-server-data"));
    if imported.exists() {
        copy_dir(&imported, data);
        return format!("server data of {size}: the import of an earlier run, copied");
    }
    let started = std::time::Instant::now();
    import(data, export);
    let seconds = started.elapsed().as_secs_f64();
    let partial = root.join(format!("{size}-server-data.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    copy_dir(data, &partial);
    std::fs::rename(&partial, &imported).unwrap();
    format!("server import of {size}: {seconds:.1} s")
}

/// Copies the folder `from` to `to`, which must not exist, with everything in it.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Whether [`bench_export`] has generated `size` already.
pub fn bench_export_exists(size: &str) -> bool {
    bench_export_dirs(size).1.join(files::MANIFEST).exists()
}

/// `target/bench-data` and the export of `size` in it.
fn bench_export_dirs(size: &str) -> (PathBuf, PathBuf) {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/examples/<name>
    let target = exe.ancestors().nth(3).unwrap();
    let root = target.join("bench-data");
    let export = root.join(format!("{size}-export"));
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

/// Copies an export as the CRM's next one (round `round`): `changed` of the store's customers
/// get a new e-mail (a window that moves on each round), the customer after them leaves with
/// her purchases and offers, and a purchase line `R-NEW-<round>` is added.
pub fn crm_delta(from: &Path, to: &Path, round: usize, changed: usize) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
    let export = Export::open(from).unwrap();
    let mut customers: Vec<Customer> = export
        .records(files::CUSTOMERS)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let ours: Vec<usize> = customers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.home_store_id == STORE)
        .map(|(i, _)| i)
        .collect();
    assert!(ours.len() > changed, "too few customers left for a delta");
    let at = |j: usize| ours[(round * changed + j) % ours.len()];
    for j in 0..changed {
        let i = at(j);
        customers[i].email = Some(format!("nouvelle.adresse{i}.{round}@example.fr"));
        customers[i].updated_at = "2026-11-02T09:00:00Z".into();
    }
    let kept = customers[at(0)].id.clone();
    let gone = customers.remove(at(changed));
    let mut purchases: Vec<PurchaseLine> = export
        .records(files::PURCHASES)
        .unwrap()
        .map(Result::unwrap)
        .filter(|p: &PurchaseLine| p.customer_id != gone.id)
        .collect();
    let mut extra = purchases
        .iter()
        .find(|p| p.customer_id == kept)
        .cloned()
        .unwrap_or_else(|| purchases[0].clone());
    extra.id = format!("R-NEW-{round}");
    extra.receipt_id = format!("R-NEW-{round}");
    purchases.push(extra);
    let offers: Vec<Offer> = export
        .records(files::OFFERS)
        .unwrap()
        .map(Result::unwrap)
        .filter(|o: &Offer| o.customer_id != gone.id)
        .collect();
    let mut manifest = export.manifest().clone();
    manifest.counts.customers = customers.len() as u64;
    manifest.counts.purchases = purchases.len() as u64;
    manifest.counts.offers = offers.len() as u64;
    write_jsonl(&to.join(files::CUSTOMERS), &customers);
    write_jsonl(&to.join(files::PURCHASES), &purchases);
    write_jsonl(&to.join(files::OFFERS), &offers);
    std::fs::write(
        to.join(files::MANIFEST),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
}

fn write_jsonl<T: serde::Serialize>(path: &Path, rows: &[T]) {
    let mut text = String::new();
    for row in rows {
        text.push_str(&serde_json::to_string(row).unwrap());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}
