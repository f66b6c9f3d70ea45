//! A day in the life of a handheld: what one device spends, in CPU time and bytes on the wire,
//! over a simulated 10-hour shift in `store`'s S001, as a figure for its battery.
//!
//! The device is enrolled and synced before the shift opens (not counted). The shift then
//! runs on a simulated clock, as fast as the machine goes: the night's CRM delta (1,000
//! customers changed) synced at opening, a lease renewal every half lease (the store's lease,
//! 300 s by default), a background sync every 5 minutes that brings what the store's other
//! handheld recorded meanwhile (5 notes on customers), and 200 card views spread over the day
//! (a card scanned, her card and her playlist of 20). Only the device's own work is counted:
//! the CPU time of this process (`getrusage`) and the loopback traffic (`/proc/net/dev`, both
//! directions, TCP/IP headers and TLS included) around each of its actions; the other
//! handheld's pushes and the server's imports run between them.
//!
//! `cargo run --release -p carnet-sync-server --example day-in-the-life -- [store|large]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use carnet_core::{Cache, CacheKey, card, lookup, recommend};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, files};
use carnet_protocol::MutationKind;

#[path = "../tests/common/mod.rs"]
mod common;

type Error = Box<dyn std::error::Error>;

const SHIFT: Duration = Duration::from_secs(10 * 3600);
const SYNC_EVERY: Duration = Duration::from_secs(5 * 60);
const CARD_VIEWS: usize = 200;
const NOTES_BETWEEN_SYNCS: usize = 5;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let size = std::env::args().nth(1).unwrap_or_else(|| "store".into());
    let (root, export_dir) = common::store::bench_export(&size);
    let (work, data, server) = common::store::bench_server(&root, &size, &export_dir);
    let device = server.device("S001").await;
    let colleague = server.device("S001").await;
    let client = device.sync_client();
    let cache = Arc::new(Cache::open(
        work.path().join("device.db"),
        &CacheKey::generate()?,
    )?);
    let started = Instant::now();
    let report = common::store::full_sync(&cache, &client).await;
    println!(
        "before the shift (not counted): initial sync, {} changes in {:.1} s",
        report.pulled,
        started.elapsed().as_secs_f64()
    );

    let export = Export::open(&export_dir)?;
    let today = chrono::NaiveDate::parse_from_str(&export.manifest().as_of, "%Y-%m-%d")?;
    let customers: Vec<Customer> = export
        .records::<Customer>(files::CUSTOMERS)?
        .filter_map(Result::ok)
        .filter(|c| c.home_store_id == "S001")
        .collect();
    // Customers picked in a fixed order spread over the store (a prime stride).
    let mut picked = 0usize;
    let mut pick = |customers: &[Customer]| {
        picked += 1;
        (picked * 7_919) % customers.len()
    };

    // The night's CRM export, imported before the store opens.
    let night = work.path().join("night-export");
    common::store::crm_delta(&export_dir, &night, 1, 1_000);
    common::import(&data, &night);

    let held = device.lease().lease;
    let lease = Duration::from_millis((held.expires_at_ms - held.issued_at_ms).max(2) as u64);
    let renew_every = lease / 2;
    let mut spent = Spent::default();
    let mut seq = 0u64;
    let mut views_done = 0usize;
    let mut next_sync = Duration::ZERO;
    let mut next_renewal = renew_every;
    let mut clock = Duration::ZERO;
    let view_every = SHIFT / CARD_VIEWS as u32;
    let mut next_view = view_every / 2;
    while clock < SHIFT {
        // The next thing the device does, in the shift's time.
        clock = next_sync.min(next_renewal).min(next_view);
        if clock >= SHIFT {
            break;
        }
        if clock == next_renewal {
            spent
                .renewals
                .time(async { device.renew().await.map_err(|e| format!("{e:?}")) })
                .await?;
            next_renewal += renew_every;
        } else if clock == next_sync {
            if clock > Duration::ZERO {
                for _ in 0..NOTES_BETWEEN_SYNCS {
                    seq += 1;
                    let customer = &customers[pick(&customers)];
                    let note = common::mutation(
                        seq,
                        "2026-11-30T10:00:00Z",
                        MutationKind::Note {
                            note_id: format!("N-day-{seq}"),
                            customer_id: customer.id.clone(),
                            text: Some("Cherche un fond de teint plus léger pour l'été".into()),
                        },
                    );
                    colleague.push("S001", vec![note]).await;
                }
            }
            let bodies = client.body_bytes_received();
            let pulled = spent
                .syncs
                .time(async {
                    carnet_core::sync::sync(
                        Arc::clone(&cache),
                        &client,
                        true,
                        &carnet_core::sync::CancelHandle::new(),
                        &|_| {},
                    )
                    .await
                    .map(|r| r.pulled)
                })
                .await?;
            spent.pulled += pulled;
            spent.sync_bodies += client.body_bytes_received() - bodies;
            next_sync += SYNC_EVERY;
        } else {
            let customer = &customers[pick(&customers)];
            spent
                .views
                .time(async {
                    let found = lookup::by_card(&cache, &customer.card)?;
                    let shown = card::customer_card(&cache, &found.id, today)?;
                    let suggested = recommend::playlist(&cache, &found.id, today, 20)?;
                    std::hint::black_box((shown, suggested));
                    Ok::<_, carnet_core::Error>(())
                })
                .await?;
            views_done += 1;
            next_view += view_every;
        }
    }

    println!(
        "a 10-hour shift in S001 ({size}): {} renewals (lease {} s), {} syncs ({} changes, {:.1} kB of answer bodies), {views_done} card views",
        spent.renewals.count,
        lease.as_secs(),
        spent.syncs.count,
        spent.pulled,
        spent.sync_bodies as f64 / 1e3
    );
    println!(
        "{:<16} {:>8} {:>12} {:>14} {:>14}",
        "action", "count", "CPU s", "CPU ms each", "wire kB"
    );
    for (name, action) in [
        ("lease renewals", &spent.renewals),
        ("syncs", &spent.syncs),
        ("card views", &spent.views),
    ] {
        println!(
            "{name:<16} {:>8} {:>12.3} {:>14.2} {:>14.1}",
            action.count,
            action.cpu.as_secs_f64(),
            action.cpu.as_secs_f64() * 1e3 / action.count.max(1) as f64,
            action.wire as f64 / 1e3
        );
    }
    let cpu: Duration = spent.renewals.cpu + spent.syncs.cpu + spent.views.cpu;
    let wire = spent.renewals.wire + spent.syncs.wire + spent.views.wire;
    println!(
        "the shift: {:.2} CPU s ({:.3} % of one core over 10 h), {:.2} MB on the wire",
        cpu.as_secs_f64(),
        100.0 * cpu.as_secs_f64() / SHIFT.as_secs_f64(),
        wire as f64 / 1e6
    );
    drop(server);
    Ok(())
}

/// What the device spent on each kind of action.
#[derive(Default)]
struct Spent {
    renewals: Action,
    syncs: Action,
    views: Action,
    pulled: u64,
    sync_bodies: u64,
}

#[derive(Default)]
struct Action {
    count: u64,
    cpu: Duration,
    wire: u64,
}

impl Action {
    /// Runs `work`, adding the process's CPU time and the loopback bytes it took.
    async fn time<T, E: std::fmt::Display>(
        &mut self,
        work: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, Error> {
        let (cpu, wire) = (process_cpu()?, loopback_bytes()?);
        let out = work.await.map_err(|e| e.to_string())?;
        self.cpu += process_cpu()? - cpu;
        self.wire += loopback_bytes()? - wire;
        self.count += 1;
        Ok(out)
    }
}

/// CPU time of this process so far, every thread's, user and system.
fn process_cpu() -> Result<Duration, Error> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Ok(Duration::new(
        now.tv_sec.try_into()?,
        now.tv_nsec.try_into()?,
    ))
}

/// Bytes the loopback interface has carried (each byte between the device and the server on
/// this machine passes it once).
fn loopback_bytes() -> Result<u64, Error> {
    let text = std::fs::read_to_string("/proc/net/dev")?;
    text.lines()
        .find_map(|l| {
            let (name, counters) = l.split_once(':')?;
            (name.trim() == "lo").then(|| counters.split_whitespace().next()?.parse().ok())?
        })
        .ok_or_else(|| "no loopback in /proc/net/dev".into())
}
