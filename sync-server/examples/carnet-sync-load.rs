//! `carnet-sync-load`: a bounded load test of a running sync server, on loopback only, through
//! the real device path: every device enrols with its own one-time code and Ed25519 key, proves
//! presence for a lease, renews it once half of it is spent, and signs every request.
//!
//! 1. Initial sync of one store by one device, end to end, through the device core's own sync
//!    (paged pulls over pinned TLS with gzip, typed decoding, each page applied to a fresh
//!    encrypted cache with the device's real schema and indexes, in one transaction with its
//!    cursor). Prints the time.
//! 2. N devices (default 200), each with its own TLS connection, pull deltas (from random
//!    cursors among the last `--delta` feed rows) and one request in ten, at random, pushes a
//!    profile view, paced like handhelds (one request every `--pace-ms` MIN-MAX ms, at random) or back
//!    to back (`--pace-ms 0`). Stops after `--requests` per device or `--seconds`, whichever
//!    comes first. Prints p50/p90/p99/max latency of pulls, pushes and lease renewals,
//!    requests/s and errors.
//!
//! ```sh
//! carnet-sync-server serve --data /tmp/srv &   # prints the port
//! cargo run --release -p carnet-sync-server --example carnet-sync-load -- \
//!     --url https://127.0.0.1:PORT --data /tmp/srv --store S001
//! ```

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use carnet_core::sync::{CancelHandle, sync};
use carnet_core::{Cache, CacheKey};
use carnet_protocol::{ChangePage, Mutation, MutationKind};
use carnet_sync_server::{db, enrolment, feed, networks, stores, tls};
use clap::Parser;
use tokio::sync::Mutex;

#[path = "../tests/common/mod.rs"]
mod common;

use common::Device;

#[derive(Parser, Clone)]
#[command(
    name = "carnet-sync-load",
    about = "Bounded load test of a Carnet sync server (loopback only)"
)]
struct Args {
    /// The server, e.g. https://127.0.0.1:8443 (loopback addresses only).
    #[arg(long)]
    url: String,
    /// The server's data directory (for the certificate pin and to issue enrolment codes).
    #[arg(long)]
    data: PathBuf,
    /// The store to sync.
    #[arg(long, default_value = "S001")]
    store: String,
    /// Simulated devices.
    #[arg(long, default_value_t = 200)]
    devices: usize,
    /// Requests per device at most.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Stop after this many seconds at most.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Delta pulls start from a random cursor among the last DELTA rows of the feed.
    #[arg(long, default_value_t = 400)]
    delta: i64,
    /// Page size of delta pulls.
    #[arg(long, default_value_t = 500)]
    limit: u32,
    /// Each device waits MIN-MAX ms (at random) between its requests, or N ms; 0: back to back,
    /// a closed loop that saturates the machine and measures queueing as much as the server.
    #[arg(long, default_value = "5000-30000")]
    pace_ms: String,
    /// Set the store's lease lifetime first (seconds, 30..=3600), so that renewals happen
    /// within a short run (a device renews once half of its lease is spent).
    #[arg(long)]
    lease_secs: Option<u32>,
    /// Skip the initial-sync measurement.
    #[arg(long)]
    no_initial: bool,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

fn check_loopback(url: &str) -> Result<(), Error> {
    let rest = url
        .strip_prefix("https://")
        .ok_or("the url must start with https://")?;
    let host_port = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(format!("refusing to load-test {host}: loopback addresses only").into())
    }
}

/// The pacing: (min, max) ms between a device's requests.
fn pace(text: &str) -> Result<(u64, u64), Error> {
    let (lo, hi) = text.split_once('-').unwrap_or((text, text));
    let (lo, hi): (u64, u64) = (lo.trim().parse()?, hi.trim().parse()?);
    if lo > hi {
        return Err("--pace-ms MIN-MAX needs MIN <= MAX".into());
    }
    Ok((lo, hi))
}

/// A page as the server sent it (unzipped), not decoded yet.
async fn pull_bytes(device: &Device, cursor: &str, limit: u32) -> Result<Vec<u8>, Error> {
    let r = device.pull_raw(&device.store, cursor, limit).await;
    if !r.status().is_success() {
        return Err(format!("pull answered {}", r.status()).into());
    }
    Ok(r.bytes().await?.to_vec())
}

/// The initial sync of one device through the device core's own path: its sync client
/// (signed requests, gzip pages, typed decoding) applying each page to a fresh encrypted cache
/// with the device's real schema and indexes, as a handheld does.
async fn initial_sync(args: &Args, device: &Device) -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let cache = Arc::new(Cache::open(
        dir.path().join("cache.db"),
        &CacheKey::generate()?,
    )?);
    let started = Instant::now();
    let report = sync(
        Arc::clone(&cache),
        &device.sync_client(),
        true,
        &CancelHandle::new(),
        &|_| {},
    )
    .await?;
    let total = started.elapsed();
    let customers: i64 =
        cache.read(|c| Ok(c.query_row("SELECT count(*) FROM customer", [], |r| r.get(0))?))?;
    println!(
        "initial sync of {} into the device's encrypted cache: {} changes in {} pages, {:.2} s \
         end to end, {customers} customers in the cache",
        args.store,
        report.pulled,
        report.pages,
        total.as_secs_f64(),
    );
    Ok(())
}

#[derive(Default)]
struct Stats {
    pulls: Vec<Duration>,
    pushes: Vec<Duration>,
    renewals: Vec<Duration>,
    errors: usize,
    changes: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn report(name: &str, mut v: Vec<Duration>) {
    v.sort();
    println!(
        "{name}: {} requests, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        v.len(),
        percentile(&v, 0.5),
        percentile(&v, 0.9),
        percentile(&v, 0.99),
        percentile(&v, 1.0)
    );
}

/// A small deterministic generator per device (xorshift), for pacing and cursors.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// Renews the lease once half of it is spent, as a handheld does; the renewal's latency.
async fn renew_if_due(device: &Device) -> Option<Result<Duration, Error>> {
    let held = device.lease();
    let life = (held.lease.expires_at_ms - held.lease.issued_at_ms).max(0) as u64;
    if held.sent.elapsed() < Duration::from_millis(life / 2) {
        return None;
    }
    let t = Instant::now();
    Some(
        device
            .renew()
            .await
            .map(|()| t.elapsed())
            .map_err(|(status, e)| format!("presence answered {status} {}", e.error).into()),
    )
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    check_loopback(&args.url)?;
    let (pace_lo, pace_hi) = pace(&args.pace_ms)?;
    carnet_protocol::pin::install_default_provider();
    let pin = tls::load(&args.data)?.fingerprint();
    // Enrolment codes, the lease lifetime, a cursor epoch and head, and a customer to "view".
    let (codes, epoch, head, customer) = {
        let opened = db::open_direct(&args.data)?;
        let conn = opened.conn();
        // The devices send from 127.0.0.1: the store must serve it, as it would its LAN.
        let ranges = networks::ranges(&conn, &args.store)?;
        if !networks::contains(&ranges, IpAddr::from([127, 0, 0, 1])) {
            return Err(format!(
                "store {} does not serve 127.0.0.1: `carnet-sync-server store network add \
                 --store {} --cidr 127.0.0.1/32` first",
                args.store, args.store
            )
            .into());
        }
        let codes = conn.transaction(|tx| {
            if let Some(secs) = args.lease_secs {
                let update = carnet_protocol::presence::PolicyUpdate {
                    lease_ttl_secs: Some(secs),
                    ..Default::default()
                };
                stores::update(tx, &args.store, &update).map_err(|e| e.to_string())?;
            }
            let mut codes = Vec::with_capacity(args.devices);
            for _ in 0..args.devices.max(1) {
                let code = enrolment::issue(tx, &args.store, Some(60), &pin, None)
                    .map_err(|e| e.to_string())?;
                codes.push(code.code);
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(codes)
        })?;
        let customer: String = conn.query_row(
            "SELECT entity_id FROM feed WHERE entity = 'customer' AND deleted = 0 AND store_id = ?1 LIMIT 1",
            [&args.store],
            |r| r.get(0),
        )?;
        (codes, feed::epoch(&conn)?, feed::head(&conn)?, customer)
    };
    // Every device enrols with its own key and takes a lease, a few at a time.
    let started = Instant::now();
    let mut devices = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(16) {
        let mut enrolling = Vec::new();
        for code in chunk {
            let (url, pin, code) = (args.url.clone(), pin.clone(), code.clone());
            enrolling.push(tokio::spawn(async move {
                let device = Device::enrol(&url, &pin, &code, None).await;
                let device = device.map_err(|(s, e)| format!("enrolment: {s} {}", e.error))?;
                device
                    .renew()
                    .await
                    .map_err(|(s, e)| format!("presence: {s} {}", e.error))?;
                Ok::<Device, String>(device)
            }));
        }
        for d in enrolling {
            devices.push(d.await??);
        }
    }
    println!(
        "{} devices enrolled, each with a lease, in {:.1} s",
        devices.len(),
        started.elapsed().as_secs_f64()
    );
    if !args.no_initial {
        initial_sync(&args, &devices[0]).await?;
    }
    let stats = Arc::new(Mutex::new(Stats::default()));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, device) in devices.into_iter().enumerate().take(args.devices) {
        let args = args.clone();
        let epoch = epoch.clone();
        let customer = customer.clone();
        let stats = Arc::clone(&stats);
        tasks.push(tokio::spawn(async move {
            let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(7919));
            let mut seq = 0u64;
            // Spread the devices' first requests over one pace interval.
            if pace_hi > 0 {
                tokio::time::sleep(Duration::from_millis(dice.between(0, pace_hi))).await;
            }
            for r in 0..args.requests {
                if r > 0 && pace_hi > 0 {
                    let wait = dice.between(pace_lo, pace_hi);
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                }
                if Instant::now() > deadline {
                    break;
                }
                if let Some(renewed) = renew_if_due(&device).await {
                    let mut s = stats.lock().await;
                    match renewed {
                        Ok(took) => s.renewals.push(took),
                        Err(_) => s.errors += 1,
                    }
                }
                let t = Instant::now();
                if dice.next().is_multiple_of(10) {
                    seq += 1;
                    let view = Mutation {
                        seq,
                        made_at: "2026-01-01T10:00:00Z".into(),
                        advisor_id: None,
                        change: MutationKind::ProfileView {
                            customer_id: customer.clone(),
                        },
                    };
                    let ok = device
                        .push_raw(&args.store, vec![view])
                        .await
                        .status()
                        .is_success();
                    let mut s = stats.lock().await;
                    s.pushes.push(t.elapsed());
                    s.errors += usize::from(!ok);
                } else {
                    let back = 1 + (dice.next() as i64).rem_euclid(args.delta.max(1));
                    let cursor = feed::encode_cursor(&epoch, (head - back).max(0));
                    // The server's latency: until the whole page is in. Decoding it is the
                    // device's work, checked (and counted) after the clock stops.
                    let result = pull_bytes(&device, &cursor, args.limit).await;
                    let took = t.elapsed();
                    let page = result.and_then(|body| {
                        serde_json::from_slice::<ChangePage>(&body).map_err(Error::from)
                    });
                    let mut s = stats.lock().await;
                    s.pulls.push(took);
                    match page {
                        Ok(page) => s.changes += page.changes.len(),
                        Err(_) => s.errors += 1,
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = std::mem::take(&mut *stats.lock().await);
    let total = stats.pulls.len() + stats.pushes.len() + stats.renewals.len();
    println!(
        "{} devices, pace {} ms, {total} requests in {elapsed:.1} s: {:.0} requests/s, {} errors, {} changes pulled",
        args.devices,
        args.pace_ms,
        total as f64 / elapsed,
        stats.errors,
        stats.changes
    );
    let mut all = stats.pulls.clone();
    all.extend(stats.pushes.iter().copied());
    all.extend(stats.renewals.iter().copied());
    report("all", all);
    report("delta pulls", stats.pulls);
    report("pushes", stats.pushes);
    report("lease renewals", stats.renewals);
    Ok(())
}
