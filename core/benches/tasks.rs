//! Client-book tasks: do they point at the right customers, and what do they cost the device.
//!
//! 1. Hold-out. The model is built on the purchases up to a cut-off 30 days before the
//!    export's last day, as the server would have built it that night; the core's rules then
//!    give every customer her tasks on the cut-off day. For each group (a replenishment task, a
//!    lapsing task, either, no task, and the fixed rule "last visit 90 days ago or more") the
//!    bench prints the share who bought within the 30 days after the cut-off, and the lift over
//!    customers given no task. The rules alone, in memory, are timed over every customer.
//! 2. Device. The export is bulk-loaded into an encrypted cache with that model; a fresh
//!    process then opens the cache and derives the tasks of its biggest store twice (the first
//!    right after opening: SQLite's page cache empty, the OS page cache warm from the load; the
//!    second warm), printing the wall clock of the whole refresh (read, rules, write) and the
//!    growth of the process's peak RSS over its RSS before the refresh (the cache open and the
//!    model decoded, as after a first card; that decoding is reported apart). The cache holds the
//!    whole export, more than one store's handheld does: the read is an upper bound. Then a
//!    feed page brings a receipt each for 10 customers of the store (a background sync), and
//!    another for 200 (a busy hour); the refresh after each derives only the customers it
//!    touched, timed the same way.
//!
//! `cargo bench -p carnet-core --bench tasks -- [store] [large]` (default `store`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::time::Instant;

use base64::Engine;
use carnet_core::tasks::rules::{self, Context, Customer, TaskKind};
use carnet_core::{Cache, CacheKey, changes, tasks};
use carnet_fixtures::Export;
use carnet_protocol::{Change, MODEL_ID, ModelRecord, Record};
use carnet_reco::{BuildConfig, HistoryLine, Model, TrainingCustomer};
use chrono::Days;

/// Days between the cut-off and the export's last day: the window in which a purchase counts.
const HOLD_OUT_DAYS: u64 = 30;
/// The fixed rule the engine is compared with.
const FIXED_RULE_DAYS: i64 = 90;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, db, key, store, today] = args.as_slice()
        && flag == REFRESH_CHILD
    {
        return refresh_child(db, key, store, today);
    }
    for size in support::sizes("store") {
        run(&size)?;
    }
    Ok(())
}

#[derive(Default)]
struct Group {
    customers: u64,
    bought: u64,
}

impl Group {
    fn add(&mut self, bought: bool) {
        self.customers += 1;
        self.bought += u64::from(bought);
    }

    fn share(&self) -> f64 {
        if self.customers == 0 {
            0.0
        } else {
            self.bought as f64 / self.customers as f64
        }
    }
}

fn run(size_name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let (root, export_dir) = support::export(size_name)?;
    let data = carnet_reco::load::read_fixtures(&export_dir)?;
    let cutoff = data.as_of - Days::new(HOLD_OUT_DAYS);
    println!(
        "\n== {size_name}: {} customers; cut-off {cutoff}, purchases counted until {}",
        data.customers.len(),
        data.as_of
    );
    let before = |lines: &[HistoryLine]| -> Vec<HistoryLine> {
        lines.iter().filter(|l| l.date <= cutoff).cloned().collect()
    };
    let training: Vec<TrainingCustomer> = data
        .customers
        .iter()
        .map(|c| TrainingCustomer {
            segment: c.segment.clone(),
            lines: before(&c.lines),
        })
        .collect();
    let t = Instant::now();
    let model = Model::build(&data.catalog, &training, &BuildConfig::new(cutoff));
    println!(
        "model built on the purchases up to the cut-off in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let brand_of: HashMap<String, String> = data
        .catalog
        .iter()
        .map(|p| (p.id.clone(), p.brand.clone()))
        .collect();
    let ctx = Context {
        model: Some(&model),
        brand_of: &brand_of,
        launches: &[],
        campaigns: &[],
        today: cutoff,
        quiet_period_days: 7,
    };
    let [mut replenish, mut lapsing, mut either, mut none, mut fixed]: [Group; 5] =
        Default::default();
    let (mut known, mut proposals) = (0u64, 0u64);
    let mut rules_s = 0.0;
    for (c, history) in data.customers.iter().zip(&training) {
        if history.lines.is_empty() {
            continue;
        }
        known += 1;
        let bought = c
            .lines
            .iter()
            .any(|l| l.date > cutoff && l.date <= data.as_of);
        let her = Customer {
            id: &c.id,
            segment: &c.segment,
            tier: "",
            language: "",
            birthday: None,
            last_contact: None,
            personalisation: true,
            history: &history.lines,
            wishes: &[],
        };
        let t = Instant::now();
        let tasks = rules::propose(&her, &ctx);
        rules_s += t.elapsed().as_secs_f64();
        proposals += tasks.len() as u64;
        let has = |f: fn(&TaskKind) -> bool| tasks.iter().any(|t| f(&t.kind));
        let r = has(|k| matches!(k, TaskKind::Replenishment { .. }));
        let l = has(|k| matches!(k, TaskKind::Lapsing { .. }));
        let group: &mut Group = if r { &mut replenish } else { &mut lapsing };
        if r || l {
            group.add(bought);
            Group::add(&mut either, bought);
        } else {
            Group::add(&mut none, bought);
        }
        let last = history.lines.iter().map(|l| l.date).max().unwrap();
        if (cutoff - last).num_days() >= FIXED_RULE_DAYS {
            Group::add(&mut fixed, bought);
        }
    }
    println!(
        "rules alone, in memory: {known} customers with a purchase, {proposals} tasks in {:.2} s ({:.1} µs a customer)",
        rules_s,
        rules_s * 1e6 / known.max(1) as f64
    );
    let base = none.share();
    println!("share who bought within {HOLD_OUT_DAYS} days of the cut-off, and lift over no task:");
    for (name, g) in [
        ("replenishment due", &replenish),
        ("lapsing (past expected visit)", &lapsing),
        ("either task", &either),
        ("no task", &none),
        ("fixed rule: 90+ days silent", &fixed),
    ] {
        println!(
            "  {name:<30} {:>7} customers  {:>6.1} % bought  lift {:>5.2}",
            g.customers,
            100.0 * g.share(),
            if base > 0.0 {
                g.share() / base
            } else {
                f64::NAN
            }
        );
    }
    println!(
        "  engine's tasks against the fixed rule: {:.2}× the share",
        either.share() / fixed.share().max(f64::MIN_POSITIVE)
    );
    drop(training);

    device(&root, &export_dir, &model, data.as_of)
}

fn device(
    root: &std::path::Path,
    export_dir: &std::path::Path,
    model: &Model,
    today: chrono::NaiveDate,
) -> Result<(), Box<dyn std::error::Error>> {
    let work = tempfile::tempdir_in(root)?;
    let key = CacheKey::generate()?;
    let db = work.path().join("cache.db");
    {
        let cache = Cache::open(&db, &key)?;
        carnet_core::load::load_export(&cache, &Export::open(export_dir)?, &mut |_| {})?;
        let record = Record::Model(ModelRecord {
            id: MODEL_ID.into(),
            version: 1,
            built_at: format!("{today}T00:00:00Z"),
            bytes_base64: base64::engine::general_purpose::STANDARD.encode(model.to_bytes()),
        });
        changes::apply_page(&cache, &[Change::Upsert { record }], "")?;
    }
    let cache = Cache::open(&db, &key)?;
    let (store, customers): (String, i64) = cache.read(|c| {
        Ok(c.query_row(
            "SELECT home_store_id, count(*) FROM customer GROUP BY home_store_id
             ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })?;
    drop(cache);
    println!(
        "device: store {store} ({customers} customers at home there), tasks for {today}, in a fresh process that opens the cache"
    );
    let key_hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let status = std::process::Command::new(std::env::current_exe()?)
        .args([
            REFRESH_CHILD,
            db.to_str().unwrap(),
            &key_hex,
            &store,
            &today.to_string(),
        ])
        .status()?;
    if !status.success() {
        return Err(format!("the refresh process failed: {status}").into());
    }
    Ok(())
}

/// The argument that makes this binary the device process of the bench.
const REFRESH_CHILD: &str = "--refresh-child";

/// Opens the cache and derives the store's tasks twice, printing time and peak RSS growth
/// over the RSS of the open cache.
fn refresh_child(
    db: &str,
    key_hex: &str,
    store: &str,
    today: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let key: Vec<u8> = (0..key_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex[i..i + 2], 16))
        .collect::<Result<_, _>>()?;
    let cache = Cache::open(db, &CacheKey::from_bytes(&key)?)?;
    let today: chrono::NaiveDate = today.parse()?;
    let opened = status_kb("VmRSS");
    // The first card a device opens decodes the model; a refresh finds it decoded then.
    let someone: String = cache
        .read(|c| Ok(c.query_row("SELECT customer_id FROM purchase LIMIT 1", [], |r| r.get(0))?))?;
    reset_peak_rss();
    carnet_core::recommend::repurchase_list(&cache, &someone, today, 30)?;
    println!(
        "  RSS with the cache open {:.1} MB; the model decoded by a first card adds {:.1} MB (peak {:.1} MB)",
        opened as f64 / 1024.0,
        status_kb("VmRSS").saturating_sub(opened) as f64 / 1024.0,
        status_kb("VmHWM").saturating_sub(opened) as f64 / 1024.0,
    );
    for pass in ["first after open", "warm"] {
        let (n, secs, growth_mb) = measured(|| tasks::refresh(&cache, store, today))?;
        println!(
            "  refresh ({pass:<16}) {n:>6} tasks in {secs:>6.3} s; peak RSS growth {growth_mb:.1} MB"
        );
    }
    // After a sync the device derives again only the customers its pages touched: a receipt
    // each for some of the store's customers, as a background sync brings them.
    for (sync, receipts) in [("a few minutes' sync", 10), ("a busy hour's sync", 200)] {
        let page = receipts_page(&cache, store, today, receipts)?;
        changes::apply_page(&cache, &page, &format!("bench-{receipts}"))?;
        let (refreshed, secs, growth_mb) =
            measured(|| tasks::refresh_changed(&cache, store, today))?;
        let tasks::Refreshed::Customers { customers, tasks } = refreshed else {
            return Err(
                format!("{sync}: expected the touched customers only, got {refreshed:?}").into(),
            );
        };
        println!(
            "  refresh after {sync:<19} {customers:>4} customers touched, {tasks} tasks, in {:>8.2} ms; peak RSS growth {:.1} MB",
            secs * 1000.0,
            growth_mb
        );
    }
    Ok(())
}

/// Runs `f`, giving its result, its wall clock in seconds and the growth of the process's
/// peak RSS over its RSS before the call, in MB.
fn measured<T>(
    f: impl FnOnce() -> carnet_core::Result<T>,
) -> Result<(T, f64, f64), Box<dyn std::error::Error>> {
    let rss_before = status_kb("VmRSS");
    reset_peak_rss();
    let t = Instant::now();
    let out = f()?;
    let secs = t.elapsed().as_secs_f64();
    let growth = status_kb("VmHWM").saturating_sub(rss_before);
    Ok((out, secs, growth as f64 / 1024.0))
}

/// A feed page of one purchase line each for `receipts` customers of `store`, spread over
/// the store, bought on `today`.
fn receipts_page(
    cache: &Cache,
    store: &str,
    today: chrono::NaiveDate,
    receipts: usize,
) -> Result<Vec<Change>, Box<dyn std::error::Error>> {
    let (customers, products): (Vec<String>, Vec<(String, i64)>) = cache.read(|c| {
        let customers = c
            .prepare("SELECT id FROM customer WHERE home_store_id = ?1 ORDER BY id")?
            .query_map([store], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        let products = c
            .prepare("SELECT id, price_cents FROM product ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((customers, products))
    })?;
    let step = (customers.len() / receipts.max(1)).max(1);
    Ok(customers
        .iter()
        .step_by(step)
        .take(receipts)
        .enumerate()
        .map(|(n, customer_id)| {
            let (product_id, price) = &products[(n * 7) % products.len()];
            Change::Upsert {
                record: Record::Purchase(carnet_fixtures::format::PurchaseLine {
                    id: format!("BENCH-{receipts}-{n}"),
                    receipt_id: format!("BENCH-R-{receipts}-{n}"),
                    customer_id: customer_id.clone(),
                    store_id: store.to_owned(),
                    bought_at: format!("{today}T11:{:02}:00Z", n % 60),
                    product_id: product_id.clone(),
                    quantity: 1,
                    amount_cents: *price,
                    gift: false,
                    advisor_id: None,
                    currency: Some("EUR".into()),
                    channel: Default::default(),
                    order_id: None,
                    return_of: None,
                }),
            }
        })
        .collect())
}

/// A `/proc/self/status` figure in kB (0 where there is none, off Linux).
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak RSS (VmHWM) to the current RSS (Linux: `5` to `clear_refs`).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
