#!/usr/bin/env bash
# Fit time per reference case: Python Prophet 1.5 (cmdstan) vs gridcast, in one
# run on this machine. Installs Python Prophet into a venv if needed.
# Cases: the seed's subset (prophet/), the rest of Prophet (prophet-ext/:
# holidays, country holidays, regressors, conditions, calendar frequencies,
# missing values, cap/floor columns; its MCMC case is forecast only), and the
# long series bench/make_long_case.py writes into target/bench/long: daily over
# seven years (2,557 rows) and three years (1,096 rows), yearly + weekly + US
# holidays; hourly over one year (8,760 rows), daily + weekly.
#   bench/compare.sh [FIXTURES]
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=$(realpath "${1:-../shared/fixtures/prophet}")
ext=$(realpath "$fixtures/../prophet-ext")
make -s deps-python >/dev/null
venv=${PY_VENV:-$HOME/.cache/gridcast/prophet-venv}
long=$PWD/target/bench/long
"$venv/bin/python" bench/make_long_case.py "$long" 2>/dev/null | grep -v plotly >&2
rust=$(GRIDCAST_BENCH_CASES="$ext:$long" cargo bench -q -p gridcast-model --bench prophet 2>/dev/null | tail -n +2)
python=$(for dir in "$fixtures" "$ext" "$long"; do "$venv/bin/python" bench/python_fit.py "$dir" 5 2>/dev/null; done | grep -v plotly)
printf '%-18s %6s %12s %10s %8s %12s %10s %8s %14s\n' case rows "python ms" "rust ms" ratio "python cpu" "rust cpu" ratio "rust forecast"
while read -r id py pycpu; do
  line=$(grep "^$id " <<<"$rust")
  read -r _ rows rs rscpu fc <<<"$line"
  awk -v id="$id" -v n="$rows" -v py="$py" -v rs="$rs" -v pc="$pycpu" -v rc="$rscpu" -v fc="$fc" \
    'BEGIN { printf "%-18s %6d %12.2f %10.3f %7.1fx %12.2f %10.3f %7.1fx %11.3f ms\n", id, n, py, rs, py / rs, pc, rc, pc / rc, fc }'
done <<<"$python"
echo "cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)"
