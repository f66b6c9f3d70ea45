#!/usr/bin/env bash
# Fuzzes the decoders of untrusted bytes (fuzz/, see the README's "Fuzzing"): each target for
# MINUTES (default 5), one after the other, then minimises its corpus (fuzz/corpus/<target>),
# and prints per target the runs, the coverage and the crashes found. A crash's input is left
# in fuzz/artifacts/<target>/: once fixed, move it to fuzz/regressions/<target>/, which the
# tests replay (`cargo test -p carnet-fuzz`).
#
#   scripts/fuzz.sh [MINUTES] [TARGET...]    default: 5 minutes, every target
#   scripts/fuzz.sh --seed [TARGET...]       merge what the product makes (pages the server
#                                            serves, pushes, QR codes, export lines) into the
#                                            corpora, keeping what adds coverage
#
# cargo-fuzz needs nightly flags: with only the stable toolchain, RUSTC_BOOTSTRAP=1 allows
# them. The build (a sanitizer build of the whole crate graph) goes to $CARGO_TARGET_DIR/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cargo-env.sh
export RUSTC_BOOTSTRAP=1
fuzz_target="$target/fuzz"

seed=false
minutes=5
if [[ "${1:-}" == --seed ]]; then
  seed=true
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  minutes=$1
  shift
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=()
  for f in fuzz/fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# Longest input per target: a little over the largest real input (a page of the feed, a push
# of many edits, an export file's first records), so that corpora stay small.
max_len() {
  case "$1" in
    barcode | feed_cursor) echo 256 ;;
    contact | enrolment_qr) echo 1024 ;;
    import_file) echo 2048 ;;
    import_line) echo 4096 ;;
    push_request | sync_page) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

fuzz() { nice -n 10 cargo fuzz "$1" --target-dir "$fuzz_target" "${@:2}"; }

fuzz build

if $seed; then
  seeds=$(mktemp -d)
  trap 'rm -rf "$seeds"' EXIT
  (cd fuzz/entries && nice -n 10 cargo run --locked --example seed-corpora -- "$seeds")
  for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    fuzz run "$t" "fuzz/corpus/$t" "$seeds/$t" -- -merge=1 -max_len="$(max_len "$t")" 2>&1 |
      grep -E '^MERGE-OUTER: [0-9]+ new files' || true
  done
  exit 0
fi

report=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  before=$(find "fuzz/artifacts/$t" -type f | sort)
  log=$(mktemp)
  echo "== $t: $minutes min"
  # Fork mode with crashes, timeouts and OOMs ignored: the run lasts its minutes whatever it
  # finds, and each finding is saved in fuzz/artifacts/<target>/.
  fuzz run "$t" -- -max_total_time=$((minutes * 60)) -max_len="$(max_len "$t")" -timeout=10 \
    -rss_limit_mb=2048 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    >"$log" 2>&1 || true
  # The last status line: "#<runs>: cov: <edges> ft: <features> corp: <n> ... oom/timeout/crash: a/b/c ..."
  status=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
  runs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$status")
  cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$status")
  ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$status")
  found=$(comm -13 <(echo "$before") <(find "fuzz/artifacts/$t" -type f | sort) | sed '/^$/d')
  # libFuzzer names a finding by its kind: crash-, leak-, timeout-, oom-, slow-unit-.
  crashes=$(sed "/^$/d" <<<"$found" | grep -cE "/(crash|leak)-" || true)
  others=$(sed "/^$/d" <<<"$found" | grep -cvE "/(crash|leak)-" || true)
  if [[ -z "$status" ]]; then
    echo "no status from libFuzzer; its output:"
    tail -40 "$log"
  fi
  rm -f "$log"
  fuzz cmin "$t" -- -max_len="$(max_len "$t")" >/dev/null 2>&1 || echo "$t: cmin failed"
  size=$(du -s --apparent-size --block-size=1K "fuzz/corpus/$t" | cut -f1)
  files=$(find "fuzz/corpus/$t" -type f | wc -l)
  line="$t: ${runs:-?} runs, coverage ${cov:-?} edges / ${ft:-?} features, $crashes crashes, $others timeouts/ooms, corpus $files files ${size} KB"
  echo "$line"
  [[ -n "$found" ]] && echo "$found"
  report+=("$line")
done

echo
echo "== fuzzed $minutes min per target"
printf '%s\n' "${report[@]}"
