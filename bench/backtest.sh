#!/usr/bin/env bash
# Fleet backtests: `gridcast train --cross-validate` against Python Prophet's
# cross_validation(parallel="processes") + performance_metrics on the same 100
# seed customers and settings, in one run; then the whole fleet of 1,000 seed
# customers with 10 cutoffs each, and the same training run without a backtest
# as its baseline.
#   bench/backtest.sh
# Installs Python Prophet 1.5 into a venv if needed (make deps-python).
set -euo pipefail
cd "$(dirname "$0")/.."
cores=$(nproc)
work=${BENCH_DIR:-target/bench-backtest}
venv=${PY_VENV:-$HOME/.cache/gridcast/prophet-venv}
# 358 training rows (365 - holdout 7): cutoffs at days 327, 312, …, 192 — 10 of them.
horizon="30 days" period="15 days" initial="180 days"
spec="horizon=$horizon,period=$period,initial=$initial"
make -s deps-python >/dev/null
cargo build -q --release -p gridcast
gc=target/release/gridcast
rm -rf "$work" && mkdir -p "$work/data100"

$gc generate --preset seed --out "$work/energy.csv" 2>/dev/null
$gc process --input "$work/energy.csv" --output "$work/data" >/dev/null
ls "$work/data" | grep '\.csv$' | sort | head -100 | while read -r f; do cp "$work/data/$f" "$work/data100/"; done

wall() { sed -n 's/.* \([0-9.]*\) s wall.*/\1/p'; }
best_of_3() { # $1: input dir, rest: extra train flags; each run into a fresh directory
  local input=$1; shift
  for i in 1 2 3; do
    rm -rf "$work/models"
    $gc train --input "$input" --output "$work/models" --preset seed --jobs "$cores" "$@" 2>/dev/null </dev/null | wall
  done | sort -n | head -1
}
echo "backtests on $cores cores ($(date -u +%Y-%m-%d)): trend-only multiplicative seed model, holdout 7, $spec"
rust100=$(best_of_3 "$work/data100" --cross-validate "$spec")
cutoffs=$(sed -n 's/.*"cutoffs": \([0-9]*\),.*/\1/p' "$work/models/training-report.json" | head -1)
python100=$("$venv/bin/python" bench/python_cv.py "$work/data100" "$horizon" "$period" "$initial" 2>/dev/null \
  | sed -n 's/python_wall_seconds \([0-9.]*\) .*/\1/p')
awk -v r="$rust100" -v p="$python100" -v c="$cutoffs" 'BEGIN {
  printf "  100 customers, %d cutoffs in all\n", c
  printf "    gridcast train --cross-validate: %8.2f s wall (best of 3; fits, artifacts, report included)\n", r
  printf "    python cross_validation:         %8.2f s wall (parallel=\"processes\")\n", p
  printf "    ratio:                           %8.0fx\n", p / r }'
fleet=$(best_of_3 "$work/data" --cross-validate "$spec")
fleet_cutoffs=$(sed -n 's/.*"cutoffs": \([0-9]*\),.*/\1/p' "$work/models/training-report.json" | head -1)
plain=$(best_of_3 "$work/data")
awk -v f="$fleet" -v b="$plain" -v c="$fleet_cutoffs" 'BEGIN {
  printf "  1000 customers, %d cutoffs in all\n", c
  printf "    gridcast train --cross-validate: %8.2f s wall (best of 3)\n", f
  printf "    gridcast train (no backtest):    %8.2f s wall (best of 3)\n", b }'
