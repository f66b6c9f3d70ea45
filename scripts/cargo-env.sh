# Sourced by the scripts: where cargo puts its output, and the one build they share.
#
# `cargo test --workspace`, `cargo build -p A -p B` and a release bench resolve the workspace's
# features differently, and each different set compiles the whole stack again. Every script
# therefore builds with `build_workspace`: all members and all their targets, so that dev-only
# features are on in every build, and a second script (or `cargo test --workspace`) finds
# everything built already.
#
#   source scripts/cargo-env.sh
#   build_workspace [--release]     then "$target/debug/…" or "$target/release/…"

repo="${repo:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac

build_workspace() {
  (cd "$repo" && cargo build --locked --workspace --all-targets "$@")
}
