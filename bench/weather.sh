#!/usr/bin/env bash
# The weather models against the seed's, each pair in the same run on the same machine:
#  1. `gridcast train` of 1,000 weather customers (temperature regressor, weekly seasonality,
#     US holidays: `--preset weather`) vs the seed's 1,000 (`--preset seed`), RUNS paired runs
#     A B A B, each into a fresh directory, wall seconds and the ratio per pair;
#  2. warm signed InvokeEndpoint on one server (`--future-covariates`) with wrk: `{"period": 7}`
#     of a weather model, its temperatures filled from the feed by the server, vs `{"period": 7}`
#     of a seed model, and the weather model with its 7 future rows (ds, temperature) in the body.
# Signatures come from botocore (bench/sign_requests.py).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
make -s deps-python >/dev/null
venv=${PY_VENV:-$HOME/.cache/gridcast/prophet-venv}
cargo build -q --release -p gridcast
gc=target/release/gridcast
work=${BENCH_DIR:-target/bench-weather}
runs=${RUNS:-3}
duration=${DURATION:-10s}
conns=${CONNECTIONS:-32}
mkdir -p "$work"
if [ ! -f "$work/weather-data/999.csv" ]; then
  $gc generate --preset seed --out "$work/seed.csv" 2>/dev/null
  $gc process --input "$work/seed.csv" --output "$work/seed-data" >/dev/null
  $gc generate --preset weather --out "$work/weather.csv" --covariates-out "$work/feed.csv" --future-rows 30 2>/dev/null
  $gc process --input "$work/weather.csv" --output "$work/weather-data" --keep-columns temperature >/dev/null
fi

seconds() { # preset data out
  rm -rf "$3"
  local t0 t1
  t0=$(date +%s.%N)
  $gc train --input "$2" --output "$3" --preset "$1" >/dev/null 2>&1 </dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
echo "== gridcast train, 1,000 customers, $(nproc) cores ($(date -u +%Y-%m-%d))"
for run in $(seq "$runs"); do
  w=$(seconds weather "$work/weather-data" "$work/weather-models-$run")
  s=$(seconds seed "$work/seed-data" "$work/seed-models-$run")
  awk -v r="$run" -v w="$w" -v s="$s" 'BEGIN { printf "run %d: weather %.2f s, seed %.2f s, weather / seed %.2f\n", r, w, s, w / s }'
done

mkdir -p "$work/mixed"
cp "$work/weather-models-1/42.tar.gz" "$work/mixed/weather-42.tar.gz"
cp "$work/seed-models-1/42.tar.gz" "$work/mixed/seed-42.tar.gz"
echo '{"principals": [{"access_key_id": "AKIDBENCH", "secret_access_key": "bench-secret", "target_models": ["*"]}]}' > "$work/auth.json"
# wrk's connections all come from 127.0.0.1: no limit per address (CONNECTIONS may pass 64).
GRIDCAST_MAX_CONNECTIONS_PER_ADDRESS=off GRIDCAST_LOG=${GRIDCAST_LOG:-info} $gc serve --port 0 --models "$work/mixed" --auth "$work/auth.json" \
  --future-covariates "$work/feed.csv" > "$work/serve.out" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(awk '{print $NF}' "$work/serve.out")
# The weather model holds out the last 7 days of 2022: its future starts on 2022-12-25.
# (NR > 1: the header's "ds" sorts after every date.)
future=$(awk -F, 'NR > 1 && $1 > "2022-12-24" && n < 7 { ds = ds sep "\"" $1 "\""; t = t sep $2; sep = ", "; n++ }
  END { printf "{\"future\": {\"ds\": [%s], \"temperature\": [%s]}}", ds, t }' "$work/feed.csv")
"$venv/bin/python" bench/sign_requests.py "$url" AKIDBENCH bench-secret "$work/weather.lua" weather-42.tar.gz
"$venv/bin/python" bench/sign_requests.py "$url" AKIDBENCH bench-secret "$work/seed.lua" seed-42.tar.gz
"$venv/bin/python" bench/sign_requests.py "$url" AKIDBENCH bench-secret "$work/rows.lua" weather-42.tar.gz --body "$future"
summary() {
  awk '/Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
       /Non-2xx/ { bad = $NF } END { printf "%s req/s, p50 %s, p99 %s, non-2xx %s\n", rps, p50, p99, bad + 0 }'
}
run_wrk() { wrk -t2 -c"$conns" -d"$duration" --latency -s "$1" "$url"; }
for s in weather seed rows; do run_wrk "$work/$s.lua" >/dev/null; done # warm: loads and answers kept
echo "== warm signed InvokeEndpoint, one server, wrk -t2 -c$conns -d$duration"
for round in 1 2; do
  weather=$(run_wrk "$work/weather.lua" | summary)
  seed=$(run_wrk "$work/seed.lua" | summary)
  rows=$(run_wrk "$work/rows.lua" | summary)
  echo "round $round: weather, feed fills:  $weather"
  echo "round $round: seed:                 $seed"
  echo "round $round: weather, body rows:   $rows"
  awk -v a="${weather%% *}" -v b="${seed%% *}" -v c="${rows%% *}" 'BEGIN { printf "round %d: feed-filled / seed %.2f, body rows / seed %.2f\n", '"$round"', a / b, c / b }'
done
