//! What the benchmarks share: the sizes named on the command line, and the generated store
//! exports kept between runs in `target/bench-data`.

use std::path::PathBuf;

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
