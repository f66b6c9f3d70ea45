//! Session benchmark: unlock (open the encrypted cache with its key and show the first card)
//! cold and warm, advisor sign-in latency against the server over loopback TLS, and the server's
//! cost of lease renewals for N devices. The server runs in this process on its real router.
//!
//! `cargo run --release -p carnet-sync-server --example session-bench -- [tiny|store|large] [N]`

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use carnet_core::session::{DevFileKeyStore, Platform, Session, SystemClock};
use carnet_core::{Cache, CacheKey, card, load, lookup};
use carnet_fixtures::Export;
use carnet_fixtures::format::files;
use carnet_protocol::presence as wire;
use carnet_sync_server::db::{self, Db};
use carnet_sync_server::lease::LeaseSigner;
use carnet_sync_server::{advisors, enrolment, networks, secret, server, stores, tls};

#[path = "../tests/common/mod.rs"]
mod common;

use common::Device;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Tries to empty the OS page cache (root on Linux); says whether it could.
fn drop_os_cache() -> bool {
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

/// Opens the cache and shows the first card: the unlock a signed-in advisor waits for.
fn unlock(path: &Path, key: &CacheKey, scanned: &str) -> Result<Duration, Error> {
    let started = Instant::now();
    let cache = Cache::open(path, key)?;
    let found = lookup::by_card(&cache, scanned)?;
    let today = chrono::Local::now().date_naive();
    let shown = card::customer_card(&cache, &found.id, today)?;
    let took = started.elapsed();
    assert_eq!(shown.id, found.id);
    Ok(took)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let size = std::env::args().nth(1).unwrap_or_else(|| "tiny".into());
    let devices: usize = std::env::args()
        .nth(2)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(200);
    let (root, export_dir) = common::store::bench_export(&size);
    let work = tempfile::tempdir_in(&root)?;

    // 1. Unlock cold and warm.
    let export = Export::open(&export_dir)?;
    let first_card = export
        .records::<carnet_fixtures::format::Customer>(files::CUSTOMERS)?
        .next()
        .ok_or("no customer")??
        .card;
    let path = work.path().join("cache.db");
    let key = CacheKey::generate()?;
    {
        let cache = Cache::open(&path, &key)?;
        load::load_export(&cache, &export, &mut |_| {})?;
        cache.checkpoint()?;
    }
    let bytes = std::fs::metadata(&path)?.len();
    let dropped = drop_os_cache();
    let cold = unlock(&path, &key, &first_card)?;
    let mut warm: Vec<f64> = (0..20)
        .map(|_| unlock(&path, &key, &first_card).map(ms))
        .collect::<Result<_, _>>()?;
    warm.sort_by(f64::total_cmp);
    println!(
        "unlock ({size}, cache {:.1} MB): cold {:.1} ms ({}), warm p50 {:.2} ms, p99 {:.2} ms",
        bytes as f64 / 1e6,
        ms(cold),
        if dropped {
            "OS page cache dropped"
        } else {
            "first open in this process; OS page cache not dropped"
        },
        percentile(&warm, 0.5),
        percentile(&warm, 0.99)
    );

    // 2. The server in-process, on its real router over loopback TLS.
    let data = work.path().join("server");
    secret::install(&secret::ServerSecret::generate()?)?;
    let opened = db::open_direct(&data)?;
    let conn = opened.conn();
    stores::add(&conn, "S001", "Paris", &Default::default())?;
    networks::add(&conn, "S001", common::device::STORE_NETWORK)?;
    advisors::add(&conn, "S001", "A1", "Bench Advisor", "48213957")?;
    let signer = Arc::new(LeaseSigner::load_or_create(&conn, &data)?);
    drop(opened);
    let identity = tls::load_or_create(&data)?;
    let pin = identity.fingerprint();
    let database = Db::open(&data)?;
    let router = server::router(server::state(
        Arc::clone(&database),
        Arc::clone(&signer),
        pin.clone(),
    ));
    let config = axum_server::tls_rustls::RustlsConfig::from_config(tls::server_config(&identity)?);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let base = format!("https://{}", listener.local_addr()?);
    let server = axum_server::from_tcp_rustls(listener, config)?;
    tokio::spawn(async move {
        server
            .serve(router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
    });

    let session = Session::open(
        work.path().join("device"),
        Platform {
            key_store: Arc::new(DevFileKeyStore::new(work.path().join("keys"))?),
            clock: Arc::new(SystemClock::new()),
            app_version: "bench".into(),
        },
    )?;
    let code = database
        .write(move |c| {
            enrolment::issue(c, "S001", None, "bench", None)
                .map_err(|e| carnet_sync_server::Error::Config(e.to_string()))
        })
        .await?
        .code;
    session.enroll(base.clone(), pin.clone(), code).await?;
    let mut sign_in = Vec::new();
    for _ in 0..30 {
        session.sign_out();
        let started = Instant::now();
        session.sign_in("A1".into(), "48213957".into()).await?;
        sign_in.push(ms(started.elapsed()));
    }
    sign_in.sort_by(f64::total_cmp);
    let started = Instant::now();
    for _ in 0..20 {
        advisors::verify_pin("48213957", &advisors::hash_pin("48213957")?);
    }
    let argon = ms(started.elapsed()) / 20.0;
    println!(
        "sign-in (server round trip, argon2id check, cache open): p50 {:.1} ms, p99 {:.1} ms; of which one argon2id hash+verify ≈ {:.1} ms",
        percentile(&sign_in, 0.5),
        percentile(&sign_in, 0.99),
        argon
    );

    // 3. Lease renewals of N devices, each enrolled over HTTP with its own code and key, each
    // over its own TLS connection.
    let mut raw = Vec::with_capacity(devices);
    for _ in 0..devices {
        let code = database
            .write(move |c| {
                enrolment::issue(c, "S001", None, "bench", None)
                    .map_err(|e| carnet_sync_server::Error::Config(e.to_string()))
            })
            .await?
            .code;
        let device = Device::enrol(&base, &pin, &code, None)
            .await
            .map_err(|(s, e)| format!("enrolment: {s} {}", e.error))?;
        raw.push(device);
    }
    let raw = Arc::new(raw);
    let cpu_before = process_cpu_ms();
    let mut round_ms = Vec::new();
    let rounds = 5;
    let started = Instant::now();
    for round in 0..rounds {
        let round_start = Instant::now();
        let mut tasks = Vec::with_capacity(devices);
        for i in 0..devices {
            let raw = Arc::clone(&raw);
            tasks.push(tokio::spawn(async move {
                let device = &raw[i];
                let request = device.presence_request();
                let started = Instant::now();
                let r = device.presence_raw(&request).await;
                if !r.status().is_success() {
                    return Err(format!("status {}", r.status()).into());
                }
                let _: wire::PresenceResponse = r.json().await?;
                Ok::<f64, Error>(ms(started.elapsed()))
            }));
        }
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.push(t.await?.map_err(|e| e.to_string())?);
        }
        round_ms.push(ms(round_start.elapsed()));
        if round == rounds - 1 {
            latencies.sort_by(f64::total_cmp);
            println!(
                "lease renewal, {devices} devices at once (last round, warm connections): p50 {:.1} ms, p99 {:.1} ms, round {:.0} ms",
                percentile(&latencies, 0.5),
                percentile(&latencies, 0.99),
                round_ms[round]
            );
        }
    }
    let total = started.elapsed();
    let cpu = process_cpu_ms().zip(cpu_before).map(|(a, b)| a - b);
    let renewals = (devices * rounds) as f64;
    println!(
        "lease renewal throughput: {:.0} renewals/s over {rounds} rounds; process CPU (server and clients together) {} per renewal; at one renewal per device every 150 s (half a 300 s lease), {devices} devices need {:.2} renewals/s",
        renewals / total.as_secs_f64(),
        cpu.map_or("n/a".to_owned(), |c| format!("{:.2} ms", c / renewals)),
        devices as f64 / 150.0
    );
    Ok(())
}

/// User + system CPU time of this process, from /proc (Linux).
fn process_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks are 100 per second on Linux.
    Some((utime + stime) * 10.0)
}
