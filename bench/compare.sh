#!/usr/bin/env bash
# Fit time per reference case: Python Prophet 1.5 (cmdstan) vs gridcast, in one
# run on this machine. Installs Python Prophet into a venv if needed.
#   bench/compare.sh [FIXTURES]
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=${1:-../shared/fixtures/prophet}
make -s deps-python >/dev/null
venv=${PY_VENV:-$HOME/.cache/gridcast/prophet-venv}
rust=$(cargo bench -q -p gridcast-model --bench prophet 2>/dev/null | tail -n +2)
python=$("$venv/bin/python" bench/python_fit.py "$fixtures" 5 2>/dev/null | grep -v plotly)
printf '%-16s %12s %12s %9s %22s\n' case "python (ms)" "rust (ms)" ratio "rust forecast 7x1000"
while read -r id py; do
  line=$(grep "^$id " <<<"$rust")
  rs=$(awk '{print $3}' <<<"$line"); fc=$(awk '{print $NF}' <<<"$line")
  awk -v id="$id" -v py="$py" -v rs="$rs" -v fc="$fc" 'BEGIN { printf "%-16s %12.2f %12.3f %8.1fx %19.3f ms\n", id, py, rs, py / rs, fc }'
done <<<"$python"
echo "cores: $(nproc); $(date -u +%Y-%m-%d)"
