//! `carnet-sync-load`: a bounded load test of a running sync server, on loopback only, through
//! the real device path: every device enrols with its own one-time code and Ed25519 key, proves
//! presence for a lease, renews it once half of it is spent, and signs every request.
//!
//! 1. Initial sync of one store by one device, end to end, through the device core's own sync
//!    (paged pulls over pinned TLS with gzip, typed decoding, each page applied to a fresh
//!    encrypted cache with the device's real schema and indexes, in one transaction with its
//!    cursor). Prints the time.
//! 2. N devices (default 200), each with its own TLS connection, spread over the replicas
//!    given (`--url` once per replica), pull deltas (from random
//!    cursors among the last `--delta` feed rows) and one request in ten (`--push-percent`),
//!    at random, pushes a
//!    profile view, paced like handhelds (one request every `--pace-ms` MIN-MAX ms, at random) or back
//!    to back (`--pace-ms 0`). Stops after `--requests` per device or `--seconds`, whichever
//!    comes first. Prints p50/p90/p99/max latency of pulls, pushes and lease renewals,
//!    requests/s and errors.
//!    `--book-percent` of the requests book an appointment instead: a push of an
//!    `appointment` mutation for a random customer of the store at a random free slot of one
//!    of its services (free in the empty agenda: later bookings find many taken, and are
//!    refused with the nearest free slots, which the server computes). Prints the bookings'
//!    round trip (push sent to answer read) and how many were confirmed and refused.
//! 3. A device that cannot reach its replica (refused, reset) fails over to the next one, as
//!    a handheld configured with several addresses does, and sends the same request again (a
//!    push keeps its seq: a retried push is applied once). `--kill-pid P --kill-after S`
//!    SIGKILLs a replica S seconds into the run; the tool prints the failovers and how long
//!    devices took to recover, and compares the pushes acknowledged with the mutations the
//!    database recorded (on PostgreSQL, `CARNET_DATABASE` names it).
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
    /// The server, e.g. https://127.0.0.1:8443 (loopback addresses only); once per replica.
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
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
    /// The share of requests that are pushes (the rest are delta pulls), in percent.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=100))]
    push_percent: u64,
    /// The share of requests that book an appointment, in percent (taken before pushes).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=100))]
    book_percent: u64,
    /// Skip the initial-sync measurement.
    #[arg(long)]
    no_initial: bool,
    /// SIGKILL this process (a replica) `--kill-after` seconds into the run.
    #[arg(long, requires = "kill_after")]
    kill_pid: Option<u32>,
    /// Seconds into the run when `--kill-pid` is killed.
    #[arg(long)]
    kill_after: Option<u64>,
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
async fn pull_bytes(
    device: &mut Roaming,
    stats: &Mutex<Stats>,
    cursor: &str,
    limit: u32,
) -> Result<Vec<u8>, Error> {
    let r = device
        .send(stats, |d| async move {
            d.try_pull_raw(&d.store, cursor, limit).await
        })
        .await?;
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
    bookings: Vec<Duration>,
    /// Bookings the server confirmed, and refused.
    booked: usize,
    refused: usize,
    renewals: Vec<Duration>,
    errors: usize,
    changes: usize,
    /// Pushes the server acknowledged (2xx).
    pushes_acked: u64,
    /// Switches of a device to another replica.
    failovers: usize,
    /// From a device's first failed attempt to its next answer.
    recoveries: Vec<Duration>,
}

/// A device with the replicas it may use: it stays on one until that one cannot be reached.
struct Roaming {
    device: Device,
    urls: Vec<String>,
    at: usize,
    /// Since when its requests fail to reach any replica.
    failing_since: Option<Instant>,
}

impl Roaming {
    /// The device's request reached no one: it moves on to the next replica.
    async fn fail_over(&mut self, stats: &Mutex<Stats>) {
        self.failing_since.get_or_insert_with(Instant::now);
        self.at = (self.at + 1) % self.urls.len();
        self.device = self.device.at(&self.urls[self.at]);
        stats.lock().await.failovers += 1;
    }

    /// A request was answered: how long it was failing before, if it was.
    async fn answered(&mut self, stats: &Mutex<Stats>) {
        if let Some(since) = self.failing_since.take() {
            stats.lock().await.recoveries.push(since.elapsed());
        }
    }

    /// Sends with `send` (a request built for the device as it is now), moving on to the
    /// next replica while the current one cannot be reached: the answer, or the last failure
    /// once every replica was tried.
    async fn send<F, Fut>(
        &mut self,
        stats: &Mutex<Stats>,
        send: F,
    ) -> Result<reqwest::Response, Error>
    where
        F: Fn(Device) -> Fut,
        Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
    {
        let mut last = None;
        for _ in 0..self.urls.len() {
            match send(self.device.clone()).await {
                Ok(r) => {
                    self.answered(stats).await;
                    return Ok(r);
                }
                Err(e) => {
                    self.fail_over(stats).await;
                    last = Some(e);
                }
            }
        }
        Err(last.map_or_else(|| "no replica".into(), Error::from))
    }
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

/// Renews the lease once half of it is spent, as a handheld does (on the next replica when
/// its own cannot be reached); the renewal's latency.
async fn renew_if_due(
    device: &mut Roaming,
    stats: &Mutex<Stats>,
) -> Option<Result<Duration, Error>> {
    let held = device.device.lease();
    let life = (held.lease.expires_at_ms - held.lease.issued_at_ms).max(0) as u64;
    if held.sent.elapsed() < Duration::from_millis(life / 2) {
        return None;
    }
    let t = Instant::now();
    for _ in 0..device.urls.len() {
        match device.device.renew().await {
            Ok(()) => {
                device.answered(stats).await;
                return Some(Ok(t.elapsed()));
            }
            Err((0, _)) => device.fail_over(stats).await,
            Err((status, e)) => {
                return Some(Err(format!("presence answered {status} {}", e.error).into()));
            }
        }
    }
    Some(Err("no replica answered the renewal".into()))
}

/// What the run needs from the database: enrolment codes, a cursor epoch and head, a
/// customer to "view", the mutations recorded so far. On a thread of its own: a PostgreSQL
/// command connection drives a runtime of its own, which may not start inside this one.
fn prepare(args: &Args, pin: &str) -> Result<Prepared, Error> {
    std::thread::scope(|s| {
        s.spawn(|| -> Result<Prepared, Error> {
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
                    let code = enrolment::issue(tx, &args.store, Some(60), pin, None)
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
            let recorded: i64 =
                conn.query_row("SELECT count(*) FROM mutation_log", (), |r| r.get(0))?;
            Ok((
                codes,
                feed::epoch(&conn)?,
                feed::head(&conn)?,
                customer,
                recorded,
            ))
        })
        .join()
        .map_err(|_| Error::from("the database thread panicked"))?
    })
}

/// Enrolment codes, the feed's epoch and head, a customer, the mutations recorded.
type Prepared = (Vec<String>, String, i64, String, i64);

/// What a booking may ask for: the store's customers, and (service, slot) pairs free in its
/// empty agenda over the next 30 days.
struct Bookable {
    customers: Vec<String>,
    slots: Vec<(String, carnet_core::appointments::Slot)>,
}

/// The store's customers (up to 5,000) and its services' free slots, read on a thread of its
/// own (see [`prepare`]).
fn bookable(args: &Args) -> Result<Bookable, Error> {
    use carnet_core::appointments::{SlotQuery, Span};
    std::thread::scope(|s| {
        s.spawn(|| -> Result<Bookable, Error> {
            let opened = db::open_direct(&args.data)?;
            let conn = opened.conn();
            let customers = conn.query_map(
                "SELECT entity_id FROM feed WHERE entity = 'customer' AND deleted = 0
                 AND store_id = ?1 LIMIT 5000",
                [&args.store],
                |r| r.get(0),
            )?;
            let plan = carnet_sync_server::appointments::plan(&conn, &args.store)?
                .ok_or("the store has no appointment plan: import an export with one")?;
            let services: Vec<String> = plan.services.iter().map(|s| s.id.clone()).collect();
            let agenda = plan.agenda(&[])?;
            // From tomorrow: past the longest notice.
            let now = chrono::Utc::now().timestamp() + 86_400;
            let mut slots = Vec::new();
            for service in services {
                let free = agenda.free_slots(&SlotQuery {
                    service_id: &service,
                    advisor_id: None,
                    customer_id: None,
                    window: Span::new(now, now + 30 * 86_400),
                    now,
                })?;
                slots.extend(free.into_iter().map(|slot| (service.clone(), slot)));
            }
            if customers.is_empty() || slots.is_empty() {
                return Err("no customer or no free slot to book".into());
            }
            Ok(Bookable { customers, slots })
        })
        .join()
        .map_err(|_| Error::from("the database thread panicked"))?
    })
}

/// The mutations the database has recorded (see [`prepare`] for the thread).
fn recorded_mutations(data: &std::path::Path) -> Result<i64, Error> {
    std::thread::scope(|s| {
        s.spawn(|| -> Result<i64, Error> {
            let n = db::open_direct(data)?.conn().query_row(
                "SELECT count(*) FROM mutation_log",
                (),
                |r| r.get(0),
            )?;
            Ok(n)
        })
        .join()
        .map_err(|_| Error::from("the database thread panicked"))?
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    for url in &args.urls {
        check_loopback(url)?;
    }
    db::configure(
        std::env::var("CARNET_DATABASE")
            .ok()
            .filter(|url| !url.trim().is_empty()),
    );
    let (pace_lo, pace_hi) = pace(&args.pace_ms)?;
    carnet_protocol::pin::install_default_provider();
    let pin = tls::load(&args.data)?.fingerprint();
    // Enrolment codes, the lease lifetime, a cursor epoch and head, and a customer to "view".
    let (codes, epoch, head, customer, recorded_before) = prepare(&args, &pin)?;
    let bookable = if args.book_percent > 0 {
        let b = bookable(&args)?;
        println!(
            "bookings ask among {} customers and {} free slots of the store's services",
            b.customers.len(),
            b.slots.len()
        );
        Some(Arc::new(b))
    } else {
        None
    };
    // Every device enrols with its own key and takes a lease, a few at a time.
    let started = Instant::now();
    let mut devices = Vec::with_capacity(codes.len());
    for (c, chunk) in codes.chunks(16).enumerate() {
        let mut enrolling = Vec::new();
        for (j, code) in chunk.iter().enumerate() {
            // Spread over the replicas; each device enrols through its own.
            let url = args.urls[(c * 16 + j) % args.urls.len()].clone();
            let (pin, code) = (pin.clone(), code.clone());
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
    if let (Some(pid), Some(after)) = (args.kill_pid, args.kill_after) {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(after)).await;
            let killed = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            println!(
                "replica {pid} killed (SIGKILL) {after} s into the run: {}",
                if killed.is_ok_and(|s| s.success()) {
                    "done"
                } else {
                    "FAILED"
                }
            );
        });
    }
    let mut tasks = Vec::new();
    for (i, device) in devices.into_iter().enumerate().take(args.devices) {
        let args = args.clone();
        let at = i % args.urls.len();
        let mut device = Roaming {
            device,
            urls: args.urls.clone(),
            at,
            failing_since: None,
        };
        let epoch = epoch.clone();
        let customer = customer.clone();
        let stats = Arc::clone(&stats);
        let bookable = bookable.clone();
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
                if let Some(renewed) = renew_if_due(&mut device, &stats).await {
                    let mut s = stats.lock().await;
                    match renewed {
                        Ok(took) => s.renewals.push(took),
                        Err(_) => s.errors += 1,
                    }
                }
                let t = Instant::now();
                let roll = dice.next() % 100;
                if let Some(bookable) = bookable.as_ref().filter(|_| roll < args.book_percent) {
                    seq += 1;
                    let (service, slot) =
                        &bookable.slots[dice.next() as usize % bookable.slots.len()];
                    let customer =
                        &bookable.customers[dice.next() as usize % bookable.customers.len()];
                    let book = Mutation {
                        seq,
                        made_at: chrono::Utc::now().to_rfc3339(),
                        advisor_id: None,
                        change: MutationKind::Appointment {
                            booking_id: format!("L{i}-{seq}"),
                            customer_id: customer.clone(),
                            action: carnet_protocol::BookingAction::Book {
                                service_id: service.clone(),
                                advisor_id: slot.advisor_id.clone(),
                                resource_id: None,
                                start: carnet_core::appointments::bookings::wire_time(
                                    slot.time.start,
                                ),
                            },
                        },
                    };
                    let store = &args.store;
                    let answer = device
                        .send(&stats, |d| {
                            let book = book.clone();
                            async move { d.try_push_raw(store, vec![book]).await }
                        })
                        .await;
                    let outcome = match answer {
                        Ok(r) if r.status().is_success() => r
                            .json::<carnet_protocol::PushResponse>()
                            .await
                            .ok()
                            .and_then(|p| p.results.into_iter().next()),
                        _ => None,
                    };
                    let took = t.elapsed();
                    if outcome.is_none() {
                        seq -= 1;
                    }
                    let mut s = stats.lock().await;
                    s.bookings.push(took);
                    s.pushes_acked += u64::from(outcome.is_some());
                    match outcome.map(|o| o.outcome) {
                        Some(carnet_protocol::Outcome::Applied) => s.booked += 1,
                        Some(_) => s.refused += 1,
                        None => s.errors += 1,
                    }
                } else if roll < args.book_percent + args.push_percent {
                    seq += 1;
                    let view = Mutation {
                        seq,
                        made_at: "2026-01-01T10:00:00Z".into(),
                        advisor_id: None,
                        change: MutationKind::ProfileView {
                            customer_id: customer.clone(),
                        },
                    };
                    let store = &args.store;
                    let answer = device
                        .send(&stats, |d| {
                            let view = view.clone();
                            async move { d.try_push_raw(store, vec![view]).await }
                        })
                        .await;
                    let ok = answer.is_ok_and(|r| r.status().is_success());
                    if !ok {
                        // Not recorded: the next push takes this seq again.
                        seq -= 1;
                    }
                    let mut s = stats.lock().await;
                    s.pushes.push(t.elapsed());
                    s.errors += usize::from(!ok);
                    s.pushes_acked += u64::from(ok);
                } else {
                    let back = 1 + (dice.next() as i64).rem_euclid(args.delta.max(1));
                    let cursor = feed::encode_cursor(&epoch, (head - back).max(0));
                    // The server's latency: until the whole page is in. Decoding it is the
                    // device's work, checked (and counted) after the clock stops.
                    let result = pull_bytes(&mut device, &stats, &cursor, args.limit).await;
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
    let total =
        stats.pulls.len() + stats.pushes.len() + stats.bookings.len() + stats.renewals.len();
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
    all.extend(stats.bookings.iter().copied());
    all.extend(stats.renewals.iter().copied());
    report("all", all);
    report("delta pulls", stats.pulls);
    report("pushes", stats.pushes);
    report("lease renewals", stats.renewals);
    if !stats.bookings.is_empty() {
        report("bookings (round trip)", stats.bookings);
        println!(
            "bookings confirmed {}, refused {} (the time taken: the nearest free slots offered)",
            stats.booked, stats.refused
        );
    }
    println!(
        "push throughput: {:.0} mutations applied per second over the run",
        stats.pushes_acked as f64 / elapsed
    );
    if stats.failovers > 0 {
        println!("failovers to another replica: {}", stats.failovers);
        report(
            "recovery (first failed attempt to the next answer)",
            stats.recoveries,
        );
    }
    let recorded = recorded_mutations(&args.data)? - recorded_before;
    println!(
        "pushes acknowledged {}, mutations recorded {recorded}: {}",
        stats.pushes_acked,
        if recorded == stats.pushes_acked as i64 {
            "none lost, none twice"
        } else {
            "MISMATCH"
        }
    );
    Ok(())
}
