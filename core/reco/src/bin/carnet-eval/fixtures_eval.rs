//! The `fixtures` mode of `carnet-eval` (temporal split on a Carnet export).

use chrono::NaiveDate;

pub fn run(_dir: &str, _cutoff: Option<NaiveDate>) -> Result<serde_json::Value, String> {
    Err("not yet".into())
}
