//! The resource attack at full size against the real server binary (release, default limits),
//! on loopback: a device's pull latency without and with the attack in the same run, and the
//! server's resident memory before, at the peak of and after the attack.
//!
//! The attack, each part from its own address of the store network (`--spread N`: each part
//! from N addresses, to reach the total cap instead of the per-address one): 100 pushes of a
//! 2 MB body held back at the last byte, 500 requests whose headers never end, 2,000 TLS
//! connections that never ask anything.
//!
//! `cargo build --release -p carnet-sync-server && cargo run --release -p carnet-sync-server
//!  --example attack-bench -- [--spread N] [--rounds N]`
//!
//! The device pulls 100 changes every 10 ms: for 5 s before the attack, for as long as the
//! attack lasts (until the server has ended every attacking connection), and for 5 s after.
//! `--rounds N` repeats the attack, to show memory does not ratchet up.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[path = "../tests/attacker/mod.rs"]
mod attacker;
#[path = "../tests/common/mod.rs"]
mod common;

use attacker::{
    Fate, Target, idle_tls, loopback, peak_rss, rss_mb, slow_body, slow_headers, tally,
};

type Error = Box<dyn std::error::Error>;

/// How long an attacker keeps a connection: past every default bound.
const HOLD: Duration = Duration::from_secs(90);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let (mut spread, mut rounds) = (1u8, 1u32);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spread" => spread = args.next().ok_or("--spread N")?.parse()?,
            "--rounds" => rounds = args.next().ok_or("--rounds N")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let spread = spread.clamp(1, 80);
    let exe = std::env::current_exe()?;
    let target_dir = exe.parent().and_then(Path::parent).ok_or("no target dir")?;
    let root = target_dir
        .parent()
        .ok_or("no target root")?
        .join("bench-data");
    let export = root.join("tiny-export");
    if !export.join("manifest.json").exists() {
        carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &export)?;
    }
    let work = tempfile::tempdir_in(&root)?;
    let data = work.path().join("server");
    common::import(&data, &export);
    let server = common::Server::start(&data);
    let (base, pin) = (server.base.clone(), server.fingerprint.clone());
    let pid = server.child.id();
    // An enrolled device with its lease and an advisor signed in, from 127.0.0.1; then the
    // whole of loopback is the store's network, so that the attack comes from inside it.
    let mut device = Device {
        device: server.device("S001").await,
        cursor: String::new(),
    };
    let d = data.to_str().ok_or("data path")?;
    common::cli(&[
        "store",
        "network",
        "add",
        "--data",
        d,
        "--store",
        "S001",
        "--cidr",
        "127.0.0.0/8",
    ]);

    // Pulls measured from the second page on: a device's delta, not the first page's count.
    device.cursor = device.first_cursor().await?;
    // Warm up: TLS, the page cache, the server's readers.
    for _ in 0..50 {
        device.pull().await?;
    }
    let rss_before = rss_mb(pid);
    let quiet = device.pulls_for(Duration::from_secs(5)).await?;

    let target = Target::new(&base, &pin);
    println!(
        "attack from {spread} address(es) per part, default limits; server RSS {rss_before:.1} MB before"
    );
    print_pulls("without the attack", &quiet);
    let mut during = Vec::new();
    for round in 1..=rounds {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = peak_rss(pid, Arc::clone(&stop));
        let started = Instant::now();
        let ended = tokio::spawn(attack(target.clone(), spread));
        // The device pulls while the attack holds what it can.
        let attacked = device.pulls_while(|| !ended.is_finished()).await?;
        let fates = ended.await?;
        let attack_secs = started.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        let peak = peak.await?;
        tokio::time::sleep(Duration::from_secs(5)).await;
        println!(
            "round {round}: {attack_secs:.1} s until every connection ended; server RSS {peak:.1} MB at the peak, {:.1} MB 5 s after",
            rss_mb(pid)
        );
        for (what, f) in &fates {
            let (refused, closed, open, latest) = tally(f);
            println!(
                "  {what}: {} connections, {refused} refused at once, {closed} closed by the server (the last after {:.1} s), {open} still open after {} s",
                f.len(),
                latest.as_secs_f64(),
                HOLD.as_secs()
            );
        }
        print_pulls("during the attack", &attacked);
        during.push(attacked);
    }
    let after = device.pulls_for(Duration::from_secs(5)).await?;
    print_pulls("after the attack", &after);
    let worst = during.iter().map(|d| d.1).fold(0f64, f64::max);
    println!("p99 during / without: {:.2} (worst round)", worst / quiet.1);
    tokio::time::sleep(Duration::from_secs(30)).await;
    println!(
        "server RSS 40 s after the last round: {:.1} MB",
        rss_mb(pid)
    );
    drop(server);
    Ok(())
}

/// One attack; each part's connections' fates once the server has ended them all (or `HOLD`).
async fn attack(target: Target, spread: u8) -> Vec<(&'static str, Vec<Fate>)> {
    let from = |part: u8, i: usize| loopback(10 + part * spread + (i % usize::from(spread)) as u8);
    let mut bodies = Vec::new();
    for i in 0..100 {
        let target = target.clone();
        bodies.push(tokio::spawn(slow_body(target, from(0, i), 2_000_000, HOLD)));
    }
    let mut headers = Vec::new();
    for i in 0..500 {
        let every = Duration::from_secs(1);
        let target = target.clone();
        headers.push(tokio::spawn(slow_headers(target, from(1, i), every, HOLD)));
    }
    let mut idle = Vec::new();
    for i in 0..2000 {
        idle.push(tokio::spawn(idle_tls(target.clone(), from(2, i), HOLD)));
    }
    let mut fates = Vec::new();
    for (what, tasks) in [("bodies", bodies), ("headers", headers), ("idle TLS", idle)] {
        let mut f: Vec<Fate> = Vec::new();
        for t in tasks {
            f.push(t.await.unwrap_or(Fate::StillOpen));
        }
        fates.push((what, f));
    }
    fates
}

fn print_pulls(when: &str, t: &(f64, f64, f64, usize)) {
    println!(
        "device pull {when}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} pulls, none failed)",
        t.0, t.1, t.2, t.3
    );
}

/// The device: an enrolled handheld pulling 100 changes of its store from a cursor, every
/// request signed on its lease.
struct Device {
    device: common::Device,
    cursor: String,
}

impl Device {
    async fn get(&self, cursor: &str) -> Result<reqwest::Response, Error> {
        // The lease is renewed as a handheld does, well before it expires.
        if self.device.lease().sent.elapsed() > Duration::from_secs(60) {
            self.device
                .renew()
                .await
                .map_err(|(status, e)| format!("presence: {status} {}", e.message))?;
        }
        let r = self.device.pull_raw("S001", cursor, 100).await;
        if r.status() != 200 {
            return Err(format!("pull: {}", r.status()).into());
        }
        Ok(r)
    }

    /// The cursor after the first page.
    async fn first_cursor(&self) -> Result<String, Error> {
        let page: carnet_protocol::ChangePage = self.get("").await?.json().await?;
        Ok(page.next_cursor)
    }

    async fn pull(&self) -> Result<Duration, Error> {
        let started = Instant::now();
        self.get(&self.cursor).await?.bytes().await?;
        Ok(started.elapsed())
    }

    /// Pulls every 10 ms for `secs`: see [`Device::pulls_while`].
    async fn pulls_for(&self, secs: Duration) -> Result<(f64, f64, f64, usize), Error> {
        let until = Instant::now() + secs;
        self.pulls_while(|| Instant::now() < until).await
    }

    /// Pulls every 10 ms while `go` holds; any failure ends the run. (p50, p99, max) in ms,
    /// and how many.
    async fn pulls_while(&self, go: impl Fn() -> bool) -> Result<(f64, f64, f64, usize), Error> {
        let mut ms = Vec::new();
        while go() {
            ms.push(self.pull().await?.as_secs_f64() * 1000.0);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if ms.is_empty() {
            return Err("no pull".into());
        }
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
        Ok((at(0.5), at(0.99), ms[ms.len() - 1], ms.len()))
    }
}
