//! Builders of the repeat-heavy evaluation sets, written as JSON Lines baskets for the
//! `baskets` mode: Ta-Feng restricted to the customers whose last basket is mostly items they
//! bought before, and the fixtures' staples (replenishable products only, one basket a day).

use std::collections::HashSet;
use std::io::Write;

use carnet_reco::basket::{Dataset, date_of_day};
use carnet_reco::load;
use serde_json::json;

use crate::Args;

fn write_jsonl(
    path: &str,
    lines: impl Iterator<Item = serde_json::Value>,
) -> Result<usize, String> {
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
    let mut out = std::io::BufWriter::new(file);
    let mut n = 0;
    for l in lines {
        writeln!(out, "{l}").map_err(|e| format!("cannot write {path}: {e}"))?;
        n += 1;
    }
    out.flush()
        .map_err(|e| format!("cannot write {path}: {e}"))?;
    Ok(n)
}

/// Share of the last basket's items the customer bought in an earlier basket.
fn repeat_share(baskets: &[carnet_reco::basket::Basket]) -> f64 {
    let Some((last, earlier)) = baskets.split_last() else {
        return 0.0;
    };
    let seen: HashSet<u32> = earlier
        .iter()
        .flat_map(|b| b.items.iter().copied())
        .collect();
    let rep = last.items.iter().filter(|i| seen.contains(i)).count();
    rep as f64 / last.items.len().max(1) as f64
}

/// `repeat-set`: the customers (of a Ta-Feng JSON or a JSON Lines basket file) whose last
/// basket holds at least `--min-repeat` of items they bought before, with all their baskets.
pub fn repeat_set(args: &Args) -> Result<serde_json::Value, String> {
    let bytes = std::fs::read(&args.path).map_err(|e| format!("cannot read {}: {e}", args.path))?;
    let data: Dataset = if args.path.ends_with(".jsonl") {
        load::read_jsonl(&bytes).map(|(d, _)| d)
    } else {
        let text = std::str::from_utf8(&bytes).map_err(|_| format!("{}: not UTF-8", args.path))?;
        load::read_tafeng(text)
    }
    .map_err(|e| format!("{}: {e}", args.path))?;
    let kept: Vec<&carnet_reco::basket::History> = data
        .customers
        .iter()
        .filter(|c| c.baskets.len() >= 2 && repeat_share(&c.baskets) >= args.min_repeat)
        .collect();
    let out = args.out.as_deref().unwrap_or_default();
    let n = write_jsonl(
        out,
        kept.iter().flat_map(|c| {
            c.baskets.iter().map(|b| {
                let items: Vec<&str> = b.items.iter().map(|&i| data.items.id(i)).collect();
                json!({"customer": c.customer, "items": items})
            })
        }),
    )?;
    println!(
        "{out}: {} of {} customers (last basket ≥ {:.0} % re-purchases), {n} baskets",
        kept.len(),
        data.customers.len(),
        100.0 * args.min_repeat
    );
    Ok(json!({"customers": kept.len(), "baskets": n, "min_repeat": args.min_repeat}))
}

/// `staples`: a fixtures export's replenishable products only, non-gift, one basket per
/// customer and day, dated.
pub fn staples(args: &Args) -> Result<serde_json::Value, String> {
    let data = load::read_fixtures(std::path::Path::new(&args.path)).map_err(|e| e.to_string())?;
    let staple: HashSet<&str> = data
        .catalog
        .iter()
        .filter(|p| p.replenishable)
        .map(|p| p.id.as_str())
        .collect();
    let mut lines = Vec::new();
    let mut customers = 0;
    for c in &data.customers {
        let mut days: std::collections::BTreeMap<i32, Vec<&str>> = Default::default();
        for l in c
            .lines
            .iter()
            .filter(|l| !l.gift && staple.contains(l.product_id.as_str()))
        {
            let d = days
                .entry(carnet_reco::basket::day_number(l.date))
                .or_default();
            if !d.contains(&l.product_id.as_str()) {
                d.push(&l.product_id);
            }
        }
        if days.len() < 2 {
            continue;
        }
        customers += 1;
        for (day, items) in days {
            lines.push(
                json!({"customer": c.id, "date": date_of_day(day).to_string(), "items": items}),
            );
        }
    }
    let out = args.out.as_deref().unwrap_or_default();
    let n = write_jsonl(out, lines.into_iter())?;
    println!(
        "{out}: {customers} customers with 2+ staple baskets, {n} baskets of {} replenishable products",
        staple.len()
    );
    Ok(json!({"customers": customers, "baskets": n}))
}
