//! Device sync benchmark over loopback TLS against the real server binary: initial sync of a
//! generated store beside the raw bulk-load rate of the cache (same run), then a delta of 1,000
//! changed customers. Prints seconds, rows/s, bytes read by the device, device peak RSS.
//!
//! `cargo build --release -p carnet-sync-server && cargo run --release -p carnet-sync-server
//!  --example device-sync-bench -- [tiny|store|large]`

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use carnet_core::sync::{CancelHandle, ServerConfig, SyncClient, sync};
use carnet_core::{Cache, CacheKey, load};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, files};

#[path = "support/served.rs"]
mod served;

use served::{Error, Served, cli, path};

#[path = "../tests/common/equality.rs"]
mod equality;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let size = std::env::args().nth(1).unwrap_or_else(|| "store".into());
    let exe = std::env::current_exe()?;
    let target = exe.parent().and_then(Path::parent).ok_or("no target dir")?;
    let server_bin = target.join("carnet-sync-server");
    let root = target.parent().ok_or("no target root")?.join("bench-data");
    let export_dir = root.join(format!("{size}-export"));
    if !export_dir.join(files::MANIFEST).exists() {
        carnet_fixtures::generate::generate(size.parse()?, 42, &export_dir)?;
    }
    let work = tempfile::tempdir_in(&root)?;
    let data = work.path().join("server");

    let started = Instant::now();
    cli(
        &server_bin,
        &["import", "--data", path(&data), path(&export_dir)],
    )?;
    println!(
        "server import of {size}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let token = cli(
        &server_bin,
        &["device", "add", "--data", path(&data), "--store", "S001"],
    )?
    .lines()
    .find_map(|l| l.strip_prefix("token ").map(str::trim).map(str::to_owned))
    .ok_or("no token")?;
    let server = Served::start(&server_bin, &data)?;
    let (base, pin) = (server.base.clone(), server.pin.clone());
    let client = SyncClient::new(ServerConfig {
        base_url: base,
        certificate_pin: pin,
        token,
        store_id: "S001".into(),
        local_address: None,
    })?;

    let key = CacheKey::generate()?;
    let cache = Arc::new(Cache::open(work.path().join("device.db"), &key)?);
    let read_before = proc_io("rchar")?;
    let started = Instant::now();
    let report = sync(
        Arc::clone(&cache),
        &client,
        true,
        &CancelHandle::new(),
        &|_| {},
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let bytes = proc_io("rchar")? - read_before;
    // Peak RSS of the sync alone, before the bulk load below raises it.
    let sync_peak_rss = peak_rss_mb()?;

    // Raw bulk load of the whole export, for comparison (same run, after the sync).
    let bulk = Cache::open(work.path().join("bulk.db"), &key)?;
    let started = Instant::now();
    let summary = load::load_export(&bulk, &Export::open(&export_dir)?, &mut |_| {})?;
    let bulk_rate = summary.rows as f64 / started.elapsed().as_secs_f64();
    drop(bulk);

    let rate = report.pulled as f64 / seconds;
    println!(
        "initial sync of S001: {} changes in {} pages, {seconds:.1} s, {rate:.0} rows/s \
         ({:.0} % of the raw bulk load's {bulk_rate:.0} rows/s)",
        report.pulled,
        report.pages,
        100.0 * rate / bulk_rate
    );
    println!(
        "  bytes read by the device process: {:.1} MB ({:.0} B/change); device peak RSS {:.0} MB",
        bytes as f64 / 1e6,
        bytes as f64 / report.pulled as f64,
        sync_peak_rss
    );

    let equal = equality::expected(&export_dir, "S001") == equality::actual(&cache);
    println!("  device cache equal, row for row, to the store's share of the export: {equal}");
    if !equal {
        return Err("the synced cache differs from the server's store".into());
    }

    // A delta: 1,000 of S001's customers change their e-mail in the CRM.
    let delta_export = work.path().join("delta-export");
    std::fs::create_dir_all(&delta_export)?;
    for entry in std::fs::read_dir(&export_dir)? {
        let p = entry?.path();
        if let Some(name) = p.file_name() {
            std::fs::copy(&p, delta_export.join(name))?;
        }
    }
    let export = Export::open(&export_dir)?;
    let mut changed = 0;
    let mut out = String::new();
    for c in export.records::<Customer>(files::CUSTOMERS)? {
        let mut c = c?;
        if changed < 1_000 && c.home_store_id == "S001" {
            c.email = Some(format!("delta{changed}@example.fr"));
            changed += 1;
        }
        out.push_str(&serde_json::to_string(&c)?);
        out.push('\n');
    }
    std::fs::write(delta_export.join(files::CUSTOMERS), out)?;
    let started = Instant::now();
    cli(
        &server_bin,
        &["import", "--data", path(&data), path(&delta_export)],
    )?;
    println!(
        "server re-import (delta of {changed}): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let report = sync(
        Arc::clone(&cache),
        &client,
        true,
        &CancelHandle::new(),
        &|_| {},
    )
    .await?;
    println!(
        "delta sync: {} changes in {:.3} s",
        report.pulled,
        started.elapsed().as_secs_f64()
    );
    drop(server);
    Ok(())
}

fn proc_io(field: &str) -> Result<u64, Error> {
    let text = std::fs::read_to_string("/proc/self/io")?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim_start_matches(':')
                .trim()
                .parse()
                .ok()
        })
        .ok_or_else(|| "no such /proc/self/io field".into())
}

fn peak_rss_mb() -> Result<f64, Error> {
    let text = std::fs::read_to_string("/proc/self/status")?;
    let kb: f64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmHWM:")?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        })
        .ok_or("no VmHWM")?;
    Ok(kb / 1024.0)
}
