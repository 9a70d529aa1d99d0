#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each and fails on the
# first crash. Usage: fuzz/run.sh [SECONDS] [TARGET...]   (default: 10 s, all)
#
# Works on the stable toolchain: cargo-fuzz passes nightly-only flags
# (-Zsanitizer=address), which RUSTC_BOOTSTRAP=1 lets stable rustc accept.
# cargo-fuzz is installed from crates.io when missing. New inputs go to
# fuzz/corpus/TARGET (not committed); fuzz/seeds/TARGET and fuzz/dicts/TARGET.dict
# are used when present. A crash leaves its input in fuzz/artifacts/TARGET/:
# reproduce with `fuzz/run.sh` again or `cargo fuzz run TARGET FILE`, then add a
# unit test next to the fixed code.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-10}"
shift || true
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

cargo fuzz build
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  corpora=("corpus/$t")
  [ -d "seeds/$t" ] && corpora+=("seeds/$t")
  flags=(-max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1)
  [ -f "dicts/$t.dict" ] && flags+=(-dict="dicts/$t.dict")
  log="$(mktemp)"
  echo "== fuzz $t (${seconds}s)"
  if ! cargo fuzz run "$t" "${corpora[@]}" -- "${flags[@]}" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $t crashed; the input is in fuzz/artifacts/$t/" >&2
    rm -f "$log"
    exit 1
  fi
  runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')"
  echo "   $runs executions, no crash"
  rm -f "$log"
done
