//! Console benchmark over loopback TLS against the real server binary on a generated store's
//! import: managers browsing at once, each signed in with her own session, fetching the pages
//! of S001 in turn (dashboard, customers, a posted customer search, duplicates, devices,
//! advisors) as fast as the answers come. Prints, per page, the answers' p50/p99/max and the
//! page's weight (HTML, and with the style sheet, the page's only other asset).
//!
//! Two figures are kept apart: the first dashboard view after the server starts (cold: it may
//! wait for the one pass over the purchases, `sales.rs`) and the views under load (warm: the
//! sales are kept). With `--devices N`, N handhelds sync the store meanwhile: the
//! `carnet-sync-load` example (build it first), paced like handhelds (one request every 5–30 s,
//! 60 s leases), started before the managers and printing its own figures after them.
//!
//! `cargo build --release -p carnet-sync-server --example carnet-sync-load` (for `--devices`), then
//! `cargo run --release -p carnet-sync-server --example console-bench -- [tiny|store|large]
//!  [--managers N] [--seconds S] [--devices N]` (builds the server binary of the same profile
//! first if needed)

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header;

#[path = "../tests/common/mod.rs"]
mod common;

type Error = Box<dyn std::error::Error + Send + Sync>;

const PASSWORD: &str = "bench console password";

/// A signed-in manager's browser: its client, cookie and CSRF token.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn sign_in(http: reqwest::Client, base: &str, account: &str) -> Result<Self, Error> {
        let body = format!("account={account}&password={}", PASSWORD.replace(' ', "+"));
        let r = http
            .post(format!("{base}/console/sign-in"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        let cookie = r
            .headers()
            .get(header::SET_COOKIE)
            .ok_or("sign-in refused")?
            .to_str()?
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut browser = Self {
            http,
            base: base.to_owned(),
            cookie,
            csrf: String::new(),
        };
        let page = browser.get("/console/stores/S001/devices").await?.1;
        let marker = "name=\"csrf\" value=\"";
        let at = page.find(marker).ok_or("no CSRF token")? + marker.len();
        browser.csrf = page[at..at + 64].to_owned();
        Ok(browser)
    }

    async fn get(&self, path: &str) -> Result<(u16, String), Error> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await?;
        Ok((r.status().as_u16(), r.text().await?))
    }

    async fn post(&self, path: &str, fields: &str) -> Result<(u16, String), Error> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("csrf={}&{fields}", self.csrf))
            .send()
            .await?;
        Ok((r.status().as_u16(), r.text().await?))
    }
}

/// The pages a manager goes through, in turn.
const PAGES: [(&str, &str); 7] = [
    ("dashboard", "/console/stores/S001/dashboard"),
    (
        "dashboard (receipts)",
        "/console/stores/S001/dashboard?show=receipts",
    ),
    ("customers", "/console/stores/S001/customers"),
    ("customer search (POST)", "/console/stores/S001/customers"),
    ("duplicates", "/console/stores/S001/duplicates"),
    ("devices", "/console/stores/S001/devices"),
    ("advisors", "/console/stores/S001/advisors"),
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size = args.first().cloned().unwrap_or_else(|| "store".into());
    let option = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (managers, seconds) = (option("--managers", 20), option("--seconds", 30));
    let devices = option("--devices", 0);
    let (root, export) = common::store::bench_export(&size);
    // Every handheld of the load comes from 127.0.0.1: more connections from one address.
    let config = "[limits]\nmax_connections = 2048\nmax_connections_per_address = 2048\n";
    let (_work, data, server) =
        common::store::bench_server_configured(&root, &size, &export, Some(config));
    let d = data.to_str().ok_or("data path")?;
    common::device::ensure_store(&data, "S001");
    for i in 0..managers {
        let id = format!("bench{i}");
        let args = [
            "manager", "account", "--data", d, "--id", &id, "--name", &id, "--store", "S001",
        ];
        let (ok, _, err) = common::cli_in(&args, &format!("{PASSWORD}\n"));
        if !ok && !err.contains("exists already") {
            return Err(err.into());
        }
    }
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(carnet_protocol::pin::client_config(&server.fingerprint)?)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?;
    let first = Browser::sign_in(http.clone(), &server.base, "bench0").await?;
    let started = Instant::now();
    let (status, page) = first.get(PAGES[0].1).await?;
    let cold = started.elapsed();
    if status != 200 || !page.contains("data-cents") {
        return Err(format!("the dashboard answered {status} without figures").into());
    }
    println!(
        "first dashboard view after the server started (cold: includes waiting for the pass \
         over the purchases unless the background pass was done): {:.0} ms",
        cold.as_secs_f64() * 1000.0
    );
    let started = Instant::now();
    let (status, _) = first.get("/console/stores/S001/results").await?;
    println!(
        "one view of the advisors' month (a report: reads the store's feed each time, kept out \
         of the load below): {:.0} ms, {status}",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let css = first.get("/console/style.css").await?.1.len();
    let mut weights = BTreeMap::new();
    for (name, path) in PAGES {
        let (_, body) = match name {
            "customer search (POST)" => first.post(path, "q=martin").await?,
            _ => first.get(path).await?,
        };
        weights.insert(name, body.len());
    }

    let load = match devices {
        0 => None,
        n => Some(start_devices(&server.base, d, n, seconds)?),
    };

    let mut browsers = Vec::new();
    for i in 0..managers {
        browsers.push(Arc::new(
            Browser::sign_in(http.clone(), &server.base, &format!("bench{i}")).await?,
        ));
    }
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (i, browser) in browsers.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut times: Vec<(usize, f64, u16)> = Vec::new();
            let mut turn = i;
            while Instant::now() < until {
                let (name, path) = PAGES[turn % PAGES.len()];
                let started = Instant::now();
                let answer = match name {
                    "customer search (POST)" => browser.post(path, "q=dupont").await,
                    _ => browser.get(path).await,
                };
                let status = answer.map(|(s, _)| s).unwrap_or(0);
                times.push((
                    turn % PAGES.len(),
                    started.elapsed().as_secs_f64() * 1000.0,
                    status,
                ));
                turn += 1;
            }
            times
        }));
    }
    let mut by_page: Vec<Vec<f64>> = vec![Vec::new(); PAGES.len()];
    let mut errors = 0;
    let mut answers = 0;
    for task in tasks {
        for (page, ms, status) in task.await? {
            answers += 1;
            if status != 200 {
                errors += 1;
            }
            by_page[page].push(ms);
        }
    }
    let beside = match devices {
        0 => String::new(),
        n => format!(", {n} handhelds syncing meanwhile"),
    };
    println!(
        "{managers} managers browsing for {seconds} s (warm{beside}): {answers} pages, {:.0} \
         pages/s, {errors} not 200",
        answers as f64 / seconds as f64
    );
    println!("| page | views | p50 ms | p99 ms | max ms | HTML KB | with the style sheet KB |");
    println!("|---|---|---|---|---|---|---|");
    for (i, (name, _)) in PAGES.iter().enumerate() {
        let mut t = by_page[i].clone();
        t.sort_by(f64::total_cmp);
        let html = weights.get(name).copied().unwrap_or(0);
        println!(
            "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            t.len(),
            percentile(&t, 0.5),
            percentile(&t, 0.99),
            t.last().copied().unwrap_or(0.0),
            html as f64 / 1024.0,
            (html + css) as f64 / 1024.0
        );
    }
    if let Some(load) = load {
        let out = load.wait_with_output()?;
        println!("the handhelds' load, as `carnet-sync-load` printed it:");
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
    Ok(())
}

/// Starts `carnet-sync-load` with `devices` handhelds for longer than the managers browse,
/// and waits until they have enrolled and begun.
fn start_devices(
    base: &str,
    data: &str,
    devices: u64,
    seconds: u64,
) -> Result<std::process::Child, Error> {
    let exe = std::env::current_exe()?;
    let load = exe.with_file_name("carnet-sync-load");
    if !load.exists() {
        return Err(format!(
            "{} is missing: cargo build --release -p carnet-sync-server --example carnet-sync-load",
            load.display()
        )
        .into());
    }
    let child = std::process::Command::new(load)
        .args([
            "--url",
            base,
            "--data",
            data,
            "--store",
            "S001",
            "--no-initial",
        ])
        .args(["--devices", &devices.to_string(), "--lease-secs", "60"])
        .args(["--seconds", &(seconds + 60).to_string()])
        .env("CARNET_SERVER_SECRET", common::SECRET)
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    // Enrolment of every handheld comes first; the managers browse while they sync.
    std::thread::sleep(Duration::from_secs(45));
    Ok(child)
}
