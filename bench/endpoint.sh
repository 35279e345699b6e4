#!/usr/bin/env bash
# Load benchmark of `gridcast serve` with wrk (Debian's package):
#  1. warm, SigV4-signed invocations of one model vs the same server's /ping, same run;
#  2. cold-load time (ModelLoadingTime from /metrics);
#  3. 1,000 models behind --max-models 100 under a Zipf(1.1) mix: hit ratio, errors, memory.
# Signatures come from botocore (bench/sign_requests.py), not from gridcast.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
make -s deps-python >/dev/null
venv=${PY_VENV:-$HOME/.cache/gridcast/prophet-venv}
# GRIDCAST_BIN: another build to measure (e.g. main's, for a before/after pair); WARM_ONLY=1 stops
# after part 1.
if [ -z "${GRIDCAST_BIN:-}" ]; then cargo build -q --release -p gridcast; fi
gc=${GRIDCAST_BIN:-target/release/gridcast}
work=${BENCH_DIR:-target/bench-endpoint}
duration=${DURATION:-10s}
conns=${CONNECTIONS:-32}
mkdir -p "$work"
if [ ! -f "$work/models/999.tar.gz" ]; then
  $gc generate --preset seed --out "$work/energy.csv" 2>/dev/null
  $gc process --input "$work/energy.csv" --output "$work/data" >/dev/null
  $gc train --input "$work/data" --output "$work/models" --preset seed >/dev/null 2>&1 </dev/null
fi
echo '{"principals": [{"access_key_id": "AKIDBENCH", "secret_access_key": "bench-secret", "target_models": ["*"]}]}' > "$work/auth.json"

start_server() { # extra args...
  GRIDCAST_LOG=${GRIDCAST_LOG:-info} $gc serve --port 0 --models "$work/models" --auth "$work/auth.json" "$@" > "$work/serve.out" 2>/dev/null &
  server=$!
  for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  url=$(awk '{print $NF}' "$work/serve.out")
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; }
metric() { curl -s "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server/status"; }
run_wrk() { wrk -t2 -c"$conns" -d"$duration" --latency "$@"; }
summary() { # wrk output -> "req/s p50 p99 non2xx"
  awk '/Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
       /Non-2xx/ { bad = $NF } END { printf "%s req/s, p50 %s, p99 %s, non-2xx %s\n", rps, p50, p99, bad + 0 }'
}
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; } # utime + stime, all threads
run_wrk_cpu() { # like run_wrk | summary, plus the server's CPU per request (from /proc)
  local t0 out; t0=$(server_ticks)
  out=$(run_wrk "$@")
  echo "$out" | summary | tr -d '\n'
  echo "$out" | awk -v t="$(( $(server_ticks) - t0 ))" -v hz="$(getconf CLK_TCK)" \
    '/requests in/ { printf ", server CPU %.1f us/request\n", 1e6 * t / hz / $1 }'
}

echo "== gridcast serve on $(nproc) cores, wrk -t2 -c$conns -d$duration ($(date -u +%Y-%m-%d))"
start_server
"$venv/bin/python" bench/sign_requests.py "$url" AKIDBENCH bench-secret "$work/one.lua" 42.tar.gz
curl -s -o /dev/null "$url/ping"
run_wrk -s "$work/one.lua" "$url" > /dev/null   # warm up (loads 42)
ping=$(run_wrk_cpu "$url/ping")
invoke=$(run_wrk_cpu -s "$work/one.lua" "$url")
echo "ping:               $ping"
echo "signed invocations: $invoke"
awk -v a="${ping%% *}" -v b="${invoke%% *}" 'BEGIN { printf "forecast / ping:    %.0f %%\n", 100 * b / a }'
echo "cold load:          $(awk -v s="$(metric ModelLoadingTime_sum)" -v c="$(metric ModelLoadingTime_count)" 'BEGIN { printf "%.2f ms mean over %d load(s)", 1000 * s / c, c }')"
stop_server
[ -n "${WARM_ONLY:-}" ] && exit 0

start_server --max-models 100
targets=$(seq 0 999 | shuf --random-source=<(yes) | sed 's/$/.tar.gz/')
"$venv/bin/python" bench/sign_requests.py "$url" AKIDBENCH bench-secret "$work/zipf.lua" $targets --zipf 1.1
before=$(rss_mb)
zipf=$(run_wrk -s "$work/zipf.lua" "$url" | summary)
after=$(rss_mb)
hits=$(metric ModelCacheHit); misses=$(metric ModelCacheMiss)
echo "zipf(1.1) over 1000 models, --max-models 100: $zipf"
awk -v h="$hits" -v m="$misses" 'BEGIN { printf "  cache hit ratio %.1f %% (%d hits, %d misses)\n", 100 * h / (h + m), h, m }'
echo "  loaded models $(metric LoadedModelCount); server RSS ${before} MiB before, ${after} MiB after"
zipf2=$(run_wrk -s "$work/zipf.lua" "$url" | summary)
echo "  second run: $zipf2; RSS $(rss_mb) MiB"
stop_server
