//! What the benchmarks share: the sizes named on the command line, the generated store
//! exports kept between runs in `target/bench-data`, and a way to make a cache cold.

// Each bench compiles this module and uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use carnet_fixtures::format::files;
use carnet_fixtures::generate::{Size, generate};

/// The sizes named on the command line (cargo's own `--` flags left out), or `default`.
pub fn sizes(default: &str) -> Vec<String> {
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if named.is_empty() {
        vec![default.to_owned()]
    } else {
        named
    }
}

/// The folder of benchmark data, and the export of `size_name` in it, generated (seed 42)
/// the first time it is asked for.
pub fn export(size_name: &str) -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
    let size: Size = size_name
        .parse()
        .map_err(|_| format!("unknown size {size_name}"))?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    let export_dir = root.join(format!("{size_name}-export"));
    if !export_dir.join(files::MANIFEST).exists() {
        eprintln!(
            "generating {size_name} fixtures into {}",
            export_dir.display()
        );
        generate(size, 42, &export_dir)?;
    }
    Ok((root, export_dir))
}

/// Drops the files from the OS page cache, so that the next reads come from the disk:
/// `dd iflag=nocache count=0` asks the kernel (posix_fadvise DONTNEED) to forget a whole file's
/// pages without reading it. Answers the bytes still resident afterwards when `fincore` is there
/// to say (dirty pages stay until written back: sync the files first).
pub fn evict(files: &[PathBuf]) -> Result<Option<u64>, Box<dyn std::error::Error>> {
    let mut resident = Some(0);
    for path in files.iter().filter(|p| p.exists()) {
        std::fs::File::open(path)?.sync_all()?;
        let status = std::process::Command::new("dd")
            .arg(format!("if={}", path.display()))
            .args(["iflag=nocache", "count=0", "status=none"])
            .status()?;
        if !status.success() {
            return Err(format!("dd could not evict {}", path.display()).into());
        }
        resident = resident.zip(resident_bytes(path)).map(|(a, b)| a + b);
    }
    Ok(resident)
}

/// Bytes of `path` in the OS page cache, as `fincore` reports them.
fn resident_bytes(path: &Path) -> Option<u64> {
    let out = std::process::Command::new("fincore")
        .args(["--noheadings", "--bytes", "-o", "RES"])
        .arg(path)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}
