#!/usr/bin/env bash
# `gridcast train` against the seed's Python training loop on the same CSVs and
# the same number of cores, in one run; then the trainer's peak memory as the
# customer count grows.
#   bench/train.sh            # 1,000 seed customers: both trainers, wall times, ratio
#   bench/train.sh --memory   # also 1k / 10k / 100k customers: peak RSS of process and train
# Installs Python Prophet 1.5 into a venv if needed (make deps-python).
set -euo pipefail
cd "$(dirname "$0")/.."
cores=$(nproc)
work=${BENCH_DIR:-target/bench-train}
venv=${PY_VENV:-$HOME/.cache/gridcast/prophet-venv}
make -s deps-python >/dev/null
cargo build -q --release -p gridcast
gc=target/release/gridcast
rm -rf "$work" && mkdir -p "$work"

$gc generate --preset seed --out "$work/energy.csv" 2>/dev/null
$gc process --input "$work/energy.csv" --output "$work/data" >/dev/null

rust_wall() { # best of 3, each into a fresh directory
  for i in 1 2 3; do
    $gc train --input "$work/data" --output "$work/models-$i" --preset seed --jobs "$cores" 2>/dev/null </dev/null \
      | sed -n 's/.* \([0-9.]*\) s wall.*/\1/p'
  done | sort -n | head -1
}
rust=$(rust_wall)
python=$("$venv/bin/python" bench/python_train.py "$work/data" "$work/python-models" "$cores" 2>/dev/null \
  | sed -n 's/python_wall_seconds \([0-9.]*\) .*/\1/p')
echo "1000 seed customers on $cores cores ($(date -u +%Y-%m-%d))"
awk -v r="$rust" -v p="$python" -v c="$cores" 'BEGIN {
  printf "  gridcast train: %.2f s wall (best of 3)\n  python loop:    %.2f s wall (%d processes)\n", r, p, c
  printf "  ratio:          %.0fx (same cores, so also per core)\n", p / r }'

[[ "${1:-}" == "--memory" ]] || exit 0
peak_kb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null </dev/null | tail -1; }
rm -rf "$work"/models-* "$work/python-models"
echo "peak RSS (MiB) by customers: rows | process | train"
for n in 1000 10000 100000; do
  rm -rf "$work/mem" && mkdir -p "$work/mem"
  $gc generate --customers "$n" --seed 1 --out "$work/mem/energy.csv" 2>/dev/null
  p=$(peak_kb $gc process --input "$work/mem/energy.csv" --output "$work/mem/data")
  rm "$work/mem/energy.csv"
  t=$(peak_kb $gc train --input "$work/mem/data" --output "$work/mem/models" --preset seed --jobs "$cores")
  awk -v n="$n" -v p="$p" -v t="$t" 'BEGIN { printf "  %7d customers %10d rows | %7.1f | %7.1f\n", n, n * 365, p / 1024, t / 1024 }'
done
rm -rf "$work/mem"
