//! Ranking helpers shared by the recommenders: partial top-k selection with deterministic
//! tie-breaking, and filling a short list from a fallback.

use std::cmp::Ordering;

/// Highest score first; equal scores by lower item index, so rankings are reproducible.
pub fn by_score_desc(a: &(u32, f32), b: &(u32, f32)) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// Sorts the best `k` of `v` to its front and returns them, best first.
pub fn top_k(v: &mut [(u32, f32)], k: usize) -> &[(u32, f32)] {
    let k = k.min(v.len());
    if k == 0 {
        return &v[..0];
    }
    if k < v.len() {
        v.select_nth_unstable_by(k - 1, by_score_desc);
    }
    v[..k].sort_unstable_by(by_score_desc);
    &v[..k]
}

/// Appends items of `fallback` not yet in `out` until it holds `k`.
pub fn fill(out: &mut Vec<u32>, fallback: &[u32], k: usize) {
    if out.len() >= k {
        return;
    }
    let have: std::collections::HashSet<u32> = out.iter().copied().collect();
    for &i in fallback {
        if out.len() >= k {
            break;
        }
        if !have.contains(&i) {
            out.push(i);
        }
    }
}
