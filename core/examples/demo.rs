//! The foundation demo: loads a generated store into an encrypted cache, then looks a customer
//! up by card and by name and shows her card and history, as the handheld would.
//!
//! `cargo run --release -p carnet-core --example demo -- EXPORT_DIR CACHE_FILE`
//! The cache key is kept in `CACHE_FILE.dev-key` — a development stand-in for the platform key
//! store, never how a device keeps it.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use carnet_core::history::{HistoryQuery, history};
use carnet_core::{Cache, CacheKey, card, load, lookup};
use carnet_fixtures::Export;
use carnet_fixtures::format::{Customer, files};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(export_dir), Some(cache_path)) = (args.next(), args.next()) else {
        eprintln!("usage: demo EXPORT_DIR CACHE_FILE");
        std::process::exit(2);
    };
    let cache_path = PathBuf::from(cache_path);
    let export = Export::open(&export_dir)?;
    let key_path = cache_path.with_extension("dev-key");
    let key = match std::fs::read(&key_path) {
        Ok(bytes) => CacheKey::from_bytes(&bytes)?,
        Err(_) => {
            for file in Cache::files(&cache_path) {
                let _ = std::fs::remove_file(file);
            }
            let key = CacheKey::generate()?;
            std::fs::write(&key_path, key.as_bytes())?;
            key
        }
    };
    let cache = Cache::open(&cache_path, &key)?;

    let started = Instant::now();
    let summary = load::load_export(&cache, &export, &mut |p| {
        eprint!("\rloading {:>3}%", p.done * 100 / p.total.max(1));
        let _ = std::io::stderr().flush();
    })?;
    eprintln!();
    println!(
        "Encrypted cache {} filled: {} customers, {} purchase lines in {:.1} s",
        cache_path.display(),
        summary.customers,
        summary.purchases,
        started.elapsed().as_secs_f64()
    );

    // A customer with a history, as if her card had been scanned.
    let someone: Customer = export
        .records::<Customer>(files::CUSTOMERS)?
        .filter_map(Result::ok)
        .find(|c| {
            card::customer_card(&cache, &c.id, today(&export)).is_ok_and(|k| k.stats.receipts > 5)
        })
        .ok_or("no customer with a history")?;

    println!("\n> scan card {}", someone.card);
    let started = Instant::now();
    let found = lookup::by_card(&cache, &someone.card)?;
    println!(
        "  {} {} ({} {}) in {:.2} ms",
        found.first_name,
        found.last_name,
        found.postal_code,
        found.city,
        started.elapsed().as_secs_f64() * 1e3
    );

    let typed: String = someone.last_name.chars().take(3).collect();
    let query = format!("{} {typed}", someone.first_name);
    println!("\n> search \"{query}\"");
    let started = Instant::now();
    let matches = lookup::by_name(&cache, &query, 5)?;
    let elapsed = started.elapsed();
    for m in &matches {
        println!(
            "  {:<12} {:<14} {} {:<10} card …{}",
            m.first_name, m.last_name, m.postal_code, m.city, m.card_last4
        );
    }
    println!(
        "  ({} shown, {:.2} ms)",
        matches.len(),
        elapsed.as_secs_f64() * 1e3
    );

    let started = Instant::now();
    let k = card::customer_card(&cache, &found.id, today(&export))?;
    println!(
        "\n== {} {} — {} tier, {} points (card built in {:.2} ms)",
        k.first_name,
        k.last_name,
        k.tier,
        k.points,
        started.elapsed().as_secs_f64() * 1e3
    );
    println!(
        "   {} visits, average basket {:.2} €, last visit {}",
        k.stats.receipts,
        k.stats.average_basket_cents as f64 / 100.0,
        k.stats
            .last_visit
            .map(|d| d.to_string())
            .unwrap_or_default()
    );
    let names = |shares: &[card::Share]| {
        shares
            .iter()
            .map(|s| format!("{} ({})", s.name, s.lines))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("   buys most: {}", names(&k.top_categories));
    println!("   brands:    {}", names(&k.top_brands));
    println!(
        "   e-mail {}   phone {}",
        k.contact.email.as_deref().unwrap_or("(missing)"),
        k.contact
            .phone_e164
            .as_deref()
            .or(k.contact.phone.as_deref())
            .unwrap_or("(missing)")
    );
    for c in &k.consents {
        println!(
            "   consent {:<6} {:<15} {}",
            c.channel,
            c.purpose,
            if c.granted { "yes" } else { "no" }
        );
    }
    for o in &k.active_offers {
        println!(
            "   offer: {} (until {}, {} days left)",
            o.title, o.valid_to, o.days_left
        );
    }
    println!("\n   last purchases:");
    for line in history(
        &cache,
        &found.id,
        &HistoryQuery {
            page_size: 8,
            ..Default::default()
        },
    )?
    .lines
    {
        println!(
            "   {} {:<32} {:<16} {:>7.2} €{}",
            carnet_core::time::day_of(line.bought_at)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            line.product_name,
            line.shade.as_deref().or(line.size.as_deref()).unwrap_or(""),
            line.amount_cents as f64 / 100.0,
            if line.gift { "  (gift)" } else { "" }
        );
    }
    Ok(())
}

fn today(export: &Export) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(&export.manifest().as_of, "%Y-%m-%d").unwrap_or_default()
}
