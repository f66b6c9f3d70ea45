//! Device sync benchmark over loopback TLS against the real server binary: initial sync of a
//! generated store beside the raw bulk-load rate of the cache (same run), then a delta of 1,000
//! changed customers. The device enrols with a one-time code and signs every request with its
//! lease, as a handheld does. Prints seconds, rows/s, bytes read by the device, the device's
//! peak RSS during the sync and its RSS over time.
//!
//! The process that measures never generated the export: when it has to be generated first,
//! the bench generates it and runs itself again. Its peak RSS is reset (`/proc/self/clear_refs`)
//! just before the sync, so the peak is the sync's, not the enrolment's.
//!
//! `cargo run --release -p carnet-sync-server --example device-sync-bench -- [tiny|store|large]`
//! (builds the server binary of the same profile first if needed)

use std::sync::Arc;
use std::time::Instant;

use carnet_core::{Cache, CacheKey, load};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, files};

#[path = "../tests/common/mod.rs"]
mod common;

use common::equality;

type Error = Box<dyn std::error::Error>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let size = std::env::args().nth(1).unwrap_or_else(|| "store".into());
    let generated_here = !common::store::bench_export_exists(&size);
    let (root, export_dir) = common::store::bench_export(&size);
    if generated_here {
        // The generator's memory would stay in this process's RSS: measure in a fresh one.
        let status = std::process::Command::new(std::env::current_exe()?)
            .args(std::env::args().skip(1))
            .status()?;
        std::process::exit(status.code().unwrap_or(1));
    }
    let (work, data, server) = common::store::bench_server(&root, &size, &export_dir);
    let device = server.device("S001").await;
    let client = device.sync_client();

    let key = CacheKey::generate()?;
    let cache = Arc::new(Cache::open(work.path().join("device.db"), &key)?);
    let read_before = proc_io("rchar")?;
    let wire_before = client.body_bytes_received();
    let rss_before = rss_mb()?;
    // The peak from here on is the sync's.
    std::fs::write("/proc/self/clear_refs", "5")?;
    let sampler = RssSampler::start();
    let started = Instant::now();
    let report = common::store::full_sync(&cache, &client).await;
    let seconds = started.elapsed().as_secs_f64();
    let bytes = proc_io("rchar")? - read_before;
    let wire = client.body_bytes_received() - wire_before;
    // Peak RSS of the sync alone, before the bulk load below raises it.
    let sync_peak_rss = peak_rss_mb()?;
    let rss_over_time = sampler.stop();

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
        "  on the wire: {:.1} MB of answer bodies ({:.0} B/change, gzip; headers and TLS framing \
         not counted); read by the device process, files and sockets: {:.1} MB ({:.0} B/change)",
        wire as f64 / 1e6,
        wire as f64 / report.pulled as f64,
        bytes as f64 / 1e6,
        bytes as f64 / report.pulled as f64,
    );
    println!(
        "  device RSS {rss_before:.0} MB before the sync, peak {sync_peak_rss:.0} MB during it"
    );
    println!(
        "  device RSS over the sync (s: MB): {}",
        rss_over_time.join(" ")
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
    common::import(&data, &delta_export);
    println!(
        "server re-import (delta of {changed}): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let report = common::store::full_sync(&cache, &client).await;
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

/// Samples the process's RSS every 100 ms on a thread of its own; keeps one figure a second.
struct RssSampler {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<String>>,
}

impl RssSampler {
    fn start() -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut samples = Vec::new();
            let mut peak_this_second = 0.0f64;
            let mut second = 0;
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                let rss = rss_mb().unwrap_or(0.0);
                peak_this_second = peak_this_second.max(rss);
                let now = started.elapsed().as_secs();
                if now > second {
                    samples.push(format!("{second}:{peak_this_second:.0}"));
                    peak_this_second = 0.0;
                    second = now;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            samples.push(format!("{second}:{peak_this_second:.0}"));
            samples
        });
        Self { stop, thread }
    }

    /// The highest RSS of each second, as `second:MB`.
    fn stop(self) -> Vec<String> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// The process's resident set now, in MB.
fn rss_mb() -> Result<f64, Error> {
    status_kb("VmRSS:").map(|kb| kb / 1024.0)
}

/// The process's peak resident set since the last reset, in MB.
fn peak_rss_mb() -> Result<f64, Error> {
    status_kb("VmHWM:").map(|kb| kb / 1024.0)
}

/// A `kB` field of `/proc/self/status`.
fn status_kb(field: &str) -> Result<f64, Error> {
    let text = std::fs::read_to_string("/proc/self/status")?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        })
        .ok_or_else(|| format!("no {field} in /proc/self/status").into())
}
