//! Command-line operations on customers beyond erasure: merge two records, export everything
//! held about one (access request), find duplicates and measure the matcher.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::PathBuf;

use carnet_fixtures::format::DuplicatePair;
use clap::Subcommand;

use crate::duplicates::{self, AUTO_MERGE_SCORE, REVIEW_SCORE};
use crate::error::{Error, Result};
use crate::merge::{self, MergedBy};
use crate::{customers, db, events};

/// `customer merge|export`
#[derive(Subcommand)]
pub enum CustomerOps {
    /// Merge a duplicate into the customer kept (history, points, offers, consents combined;
    /// devices get the duplicate's tombstone and a redirect from her id and card).
    Merge {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The customer kept.
        keep_id: String,
        /// The duplicate merged into her.
        dup_id: String,
    },
    /// Access request: write everything held about a customer as a readable JSON file.
    Export {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// Customer id.
        customer_id: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `duplicates report|merge`
#[derive(Subcommand)]
pub enum DuplicatesCommand {
    /// List likely duplicate pairs; with `--truth`, the matcher's precision and recall.
    Report {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The planted pairs (`truth_duplicates.jsonl` of a generated export).
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Lowest score listed.
        #[arg(long, default_value_t = REVIEW_SCORE)]
        min_score: f64,
        /// Print at most this many pairs.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Merge every pair scoring at least the auto-merge threshold.
    Merge {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// Only list what would be merged.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs a `customer merge|export` command.
pub fn run_customer(cmd: CustomerOps) -> Result<()> {
    match cmd {
        CustomerOps::Merge {
            data,
            keep_id,
            dup_id,
        } => {
            let db = db::open_direct(&data)?;
            let report = db.conn().transaction(|tx| {
                let report = merge::merge(tx, &keep_id, &dup_id, MergedBy::Manager, None)?;
                events::operator_did(tx, "customer merge", None, None)?;
                Ok::<_, Error>(report)
            })?;
            println!(
                "merged {dup_id} into {keep_id}: {} records moved, {} feedback combined",
                report.moved, report.feedback
            );
            Ok(())
        }
        CustomerOps::Export {
            data,
            customer_id,
            out,
        } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            let export = customers::export(&conn, &customer_id)?;
            let text = serde_json::to_string_pretty(&export)?;
            write_private(&out, text.as_bytes())?;
            // An access request, journaled without whose.
            events::operator_did(&conn, "customer export", None, None)?;
            println!("wrote {}", out.display());
            Ok(())
        }
    }
}

/// Writes a file only its owner can read: it holds a customer's personal data.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))
}

/// Runs a `duplicates …` command.
pub fn run_duplicates(cmd: DuplicatesCommand) -> Result<()> {
    match cmd {
        DuplicatesCommand::Report {
            data,
            truth,
            min_score,
            limit,
        } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            let customers = duplicates::live_customers(&conn)?;
            let started = std::time::Instant::now();
            let found = duplicates::find(&customers, min_score.min(REVIEW_SCORE).min(0.5));
            let seconds = started.elapsed().as_secs_f64();
            let listed: Vec<_> = found.iter().filter(|c| c.score >= min_score).collect();
            println!(
                "{} customers, {} pairs scoring >= {min_score:.2} ({seconds:.2} s)",
                customers.len(),
                listed.len()
            );
            for c in listed.iter().take(limit) {
                println!(
                    "{:.3}\tkeep {}\tmerge {}\t{}",
                    c.score,
                    c.keep,
                    c.duplicate,
                    c.reasons.join(",")
                );
            }
            if let Some(path) = truth {
                let truth = read_truth(&path)?;
                println!("planted pairs: {}", truth.len());
                println!("min_score\tfound\ttrue\tprecision\trecall");
                let thresholds = [0.5, REVIEW_SCORE, 0.7, AUTO_MERGE_SCORE, 0.9];
                for m in duplicates::measure(&found, &truth, &thresholds) {
                    println!(
                        "{:.2}\t{}\t{}\t{:.3}\t{:.3}",
                        m.min_score,
                        m.found,
                        m.true_positives,
                        m.precision(),
                        m.recall()
                    );
                }
            }
            Ok(())
        }
        DuplicatesCommand::Merge { data, dry_run } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            let customers = duplicates::live_customers(&conn)?;
            let found = duplicates::find(&customers, AUTO_MERGE_SCORE);
            let merged = conn.transaction(|tx| {
                let mut merged = BTreeSet::new();
                for c in &found {
                    // A customer takes part in one merge per run: scores were computed on the
                    // records before any merge.
                    if merged.contains(&c.keep) || merged.contains(&c.duplicate) {
                        continue;
                    }
                    println!("{:.3}\tkeep {}\tmerge {}", c.score, c.keep, c.duplicate);
                    if !dry_run {
                        merge::merge(tx, &c.keep, &c.duplicate, MergedBy::Auto, Some(c.score))?;
                    }
                    merged.insert(c.keep.clone());
                    merged.insert(c.duplicate.clone());
                }
                if !dry_run {
                    events::operator_did(tx, "duplicates merge", None, None)?;
                }
                Ok::<_, Error>(merged)
            })?;
            println!(
                "{} pairs {}",
                merged.len() / 2,
                if dry_run { "would be merged" } else { "merged" }
            );
            Ok(())
        }
    }
}

fn read_truth(path: &std::path::Path) -> Result<BTreeSet<(String, String)>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = BTreeSet::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let pair: DuplicatePair = serde_json::from_str(&line)?;
        out.insert((pair.original_id, pair.duplicate_id));
    }
    Ok(out)
}
