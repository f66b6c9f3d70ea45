//! `carnet-sync-load`: a bounded load test of a running sync server, on loopback only.
//!
//! 1. Initial sync of one store by one device, end to end: paged pulls over pinned TLS with
//!    gzip, typed decoding, and each page applied to a fresh SQLite file in one transaction
//!    with its cursor (as a device does). Prints the time.
//! 2. N devices (default 200), each with its own TLS connection, pull deltas concurrently
//!    (from random cursors among the last `--delta` feed rows), and every tenth request pushes a
//!    profile view. Stops after `--requests` per device or `--seconds`, whichever comes first.
//!    Prints p50/p90/p99/max latency, requests/s and errors.
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

use carnet_protocol::{
    Change, ChangePage, HEADER_PROTOCOL, Mutation, MutationKind, PROTOCOL_VERSION, PushRequest,
};
use carnet_sync_server::{db, devices, feed, tls};
use clap::Parser;
use tokio::sync::Mutex;

#[derive(Parser, Clone)]
#[command(
    name = "carnet-sync-load",
    about = "Bounded load test of a Carnet sync server (loopback only)"
)]
struct Args {
    /// The server, e.g. https://127.0.0.1:8443 (loopback addresses only).
    #[arg(long)]
    url: String,
    /// The server's data directory (for the certificate pin and to issue test devices).
    #[arg(long)]
    data: PathBuf,
    /// The store to sync.
    #[arg(long, default_value = "S001")]
    store: String,
    /// Simulated devices.
    #[arg(long, default_value_t = 200)]
    devices: usize,
    /// Requests per device.
    #[arg(long, default_value_t = 25)]
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
    /// Each device waits this long between its requests (0: back to back, a closed loop that
    /// saturates the machine and measures queueing as much as the server).
    #[arg(long, default_value_t = 250)]
    pace_ms: u64,
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

fn client(pin: &str) -> Result<reqwest::Client, Error> {
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(carnet_protocol::pin::client_config(pin)?)
        .timeout(Duration::from_secs(30))
        .build()?)
}

async fn pull(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    cursor: &str,
    limit: u32,
) -> Result<ChangePage, Error> {
    Ok(serde_json::from_slice(
        &pull_bytes(http, url, token, cursor, limit).await?,
    )?)
}

/// A page as the server sent it (unzipped), not decoded yet.
async fn pull_bytes(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    cursor: &str,
    limit: u32,
) -> Result<Vec<u8>, Error> {
    let r = http
        .get(url)
        .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
        .bearer_auth(token)
        .query(&[("cursor", cursor), ("limit", &limit.to_string())])
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(format!("pull answered {}", r.status()).into());
    }
    Ok(r.bytes().await?.to_vec())
}

/// The initial sync of one device, applied to a fresh SQLite file page by page.
async fn initial_sync(args: &Args, pin: &str, token: &str) -> Result<(), Error> {
    let dir = std::env::temp_dir().join(format!("carnet-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let cache = rusqlite::Connection::open(dir.join("cache.db"))?;
    cache.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE record (entity TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (entity, id)) WITHOUT ROWID;
         CREATE TABLE sync (k INTEGER PRIMARY KEY, cursor TEXT NOT NULL);",
    )?;
    let cache = Arc::new(std::sync::Mutex::new(cache));
    let http = client(pin)?;
    let url = format!("{}{}", args.url, carnet_protocol::changes_path(&args.store));
    let started = Instant::now();
    let mut cursor = String::new();
    let (mut changes, mut pages, mut network) = (0usize, 0usize, Duration::ZERO);
    loop {
        let t = Instant::now();
        let page = pull(
            &http,
            &url,
            token,
            &cursor,
            carnet_protocol::DEFAULT_PAGE_LIMIT,
        )
        .await?;
        network += t.elapsed();
        pages += 1;
        changes += page.changes.len();
        cursor = page.next_cursor.clone();
        let has_more = page.has_more;
        let cache = Arc::clone(&cache);
        tokio::task::spawn_blocking(move || -> Result<(), Error> {
            let mut conn = cache.lock().map_err(|_| "cache lock")?;
            let tx = conn.transaction()?;
            {
                let mut up = tx.prepare_cached(
                    "INSERT OR REPLACE INTO record (entity, id, json) VALUES (?1, ?2, ?3)",
                )?;
                let mut del =
                    tx.prepare_cached("DELETE FROM record WHERE entity = ?1 AND id = ?2")?;
                for c in &page.changes {
                    match c {
                        Change::Upsert { record } => {
                            up.execute((
                                record.entity().as_str(),
                                record.id(),
                                serde_json::to_string(record)?,
                            ))?;
                        }
                        Change::Delete { entity, id } => {
                            del.execute((entity.as_str(), id))?;
                        }
                    }
                }
            }
            tx.execute(
                "INSERT OR REPLACE INTO sync (k, cursor) VALUES (1, ?1)",
                [&page.next_cursor],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await??;
        if !has_more {
            break;
        }
    }
    let total = started.elapsed();
    let rows: i64 = cache.lock().map_err(|_| "cache lock")?.query_row(
        "SELECT count(*) FROM record",
        [],
        |r| r.get(0),
    )?;
    println!(
        "initial sync of {}: {changes} changes in {pages} pages, {:.2} s end to end \
         ({:.2} s waiting for pages incl. decoding), {rows} records in the device cache",
        args.store,
        total.as_secs_f64(),
        network.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[derive(Default)]
struct Stats {
    pulls: Vec<Duration>,
    pushes: Vec<Duration>,
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

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    check_loopback(&args.url)?;
    carnet_protocol::pin::install_default_provider();
    let pin = tls::load(&args.data)?.fingerprint();
    // Test devices, a cursor epoch and head, and a customer to "view".
    let (tokens, epoch, head, customer) = {
        let mut conn = db::open_writer(&args.data)?;
        let tx = conn.transaction()?;
        let mut tokens = Vec::with_capacity(args.devices);
        for i in 0..args.devices.max(1) {
            tokens.push(devices::add(&tx, &args.store, &format!("load test {i}"))?.token);
        }
        tx.commit()?;
        let customer: String = conn.query_row(
            "SELECT entity_id FROM feed WHERE entity = 'customer' AND deleted = 0 AND store_id = ?1 LIMIT 1",
            [&args.store],
            |r| r.get(0),
        )?;
        (tokens, feed::epoch(&conn)?, feed::head(&conn)?, customer)
    };
    if !args.no_initial {
        initial_sync(&args, &pin, &tokens[0]).await?;
    }
    let stats = Arc::new(Mutex::new(Stats::default()));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate().take(args.devices) {
        let args = args.clone();
        let pin = pin.clone();
        let epoch = epoch.clone();
        let customer = customer.clone();
        let stats = Arc::clone(&stats);
        tasks.push(tokio::spawn(async move {
            let Ok(http) = client(&pin) else {
                stats.lock().await.errors += 1;
                return;
            };
            let pull_url = format!("{}{}", args.url, carnet_protocol::changes_path(&args.store));
            let push_url = format!(
                "{}{}",
                args.url,
                carnet_protocol::mutations_path(&args.store)
            );
            let mut seq = 0u64;
            // Spread the devices' first requests over one pace interval.
            if args.pace_ms > 0 {
                let offset = (i as u64 * 7919) % args.pace_ms;
                tokio::time::sleep(Duration::from_millis(offset)).await;
            }
            for r in 0..args.requests {
                if Instant::now() > deadline {
                    break;
                }
                if r > 0 && args.pace_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(args.pace_ms)).await;
                }
                let t = Instant::now();
                if r % 10 == 9 {
                    seq += 1;
                    let body = PushRequest {
                        mutations: vec![Mutation {
                            seq,
                            made_at: "2026-01-01T10:00:00Z".into(),
                            advisor_id: None,
                            change: MutationKind::ProfileView {
                                customer_id: customer.clone(),
                            },
                        }],
                    };
                    let ok = http
                        .post(&push_url)
                        .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    let mut s = stats.lock().await;
                    s.pushes.push(t.elapsed());
                    s.errors += usize::from(!ok);
                } else {
                    let back = 1 + ((i * 7919 + r * 104_729) as i64 % args.delta.max(1));
                    let cursor = feed::encode_cursor(&epoch, (head - back).max(0));
                    // The server's latency: until the whole page is in. Decoding it is the
                    // device's work, checked (and counted) after the clock stops.
                    let result = pull_bytes(&http, &pull_url, &token, &cursor, args.limit).await;
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
    let total = stats.pulls.len() + stats.pushes.len();
    println!(
        "{} devices, {total} requests in {elapsed:.1} s: {:.0} requests/s, {} errors, {} changes pulled",
        args.devices,
        total as f64 / elapsed,
        stats.errors,
        stats.changes
    );
    let mut all = stats.pulls.clone();
    all.extend(stats.pushes.iter().copied());
    report("all", all);
    report("delta pulls", stats.pulls);
    report("pushes", stats.pushes);
    Ok(())
}
