#!/usr/bin/env bash
# Load benchmark of `gridcast serve` with wrk (Debian's package):
#  1. warm, SigV4-signed invocations of one model vs the same server's /ping, same run;
#  2. cold-load time (ModelLoadingTime from /metrics);
#  3. 1,000 models behind --max-models 100 under a Zipf(1.1) mix from $CALLERS callers (8):
#     ModelLoadingTime median/mean/p99, req/s, hit ratio, errors, memory; once loading every
#     model from its artifact (no disk cache, so no parsed forms), once through the parsed
#     forms the disk cache keeps (each measured on a second pass, after a first that loads).
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
callers=${CALLERS:-8}
{ printf '{"principals": [{"access_key_id": "AKIDBENCH", "secret_access_key": "bench-secret", "target_models": ["*"]}'
  for i in $(seq 0 $((callers - 1))); do
    printf ', {"access_key_id": "AKIDZIPF%s", "secret_access_key": "bench-secret", "target_models": ["*"]}' "$i"
  done
  printf ']}\n'; } > "$work/auth.json"

# wrk's connections all come from 127.0.0.1: no limit per address (CONNECTIONS may pass 64);
# an environment variable, so an older GRIDCAST_BIN without the flag runs the same.
start_server() { # extra args...
  GRIDCAST_MAX_CONNECTIONS_PER_ADDRESS=off GRIDCAST_LOG=${GRIDCAST_LOG:-info} $gc serve --port 0 --models "$work/models" --auth "$work/auth.json" "$@" > "$work/serve.out" 2>/dev/null &
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

# ModelLoadingTime between two /metrics snapshots: "median, mean, p99 over N loads",
# quantiles interpolated within the histogram's buckets (as Prometheus' histogram_quantile).
load_times() { # before.txt after.txt
  awk '
    function le(line) { match(line, /le="[^"]*"/); return substr(line, RSTART + 4, RLENGTH - 5) }
    FNR == NR && /^ModelLoadingTime_bucket/ { b[le($1)] = $2; next }
    FNR == NR && /^ModelLoadingTime_(sum|count)/ { b[$1] = $2; next }
    /^ModelLoadingTime_bucket/ { n++; bound[n] = le($1); c[n] = $2 - b[le($1)] }
    /^ModelLoadingTime_sum/ { sum = $2 - b[$1] }
    /^ModelLoadingTime_count/ { count = $2 - b[$1] }
    function q(p,   i, lo, prev) {
      lo = 0; prev = 0
      for (i = 1; i <= n; i++) {
        if (c[i] >= p * count) {
          if (bound[i] == "+Inf") return lo
          return lo + (bound[i] - lo) * (p * count - prev) / (c[i] - prev)
        }
        lo = bound[i]; prev = c[i]
      }
    }
    END { if (count == 0) { print "no loads"; exit }
          printf "ModelLoadingTime median %.3f ms, mean %.3f ms, p99 %.2f ms over %d loads\n",
                 1000 * q(0.5), 1000 * sum / count, 1000 * q(0.99), count }' "$1" "$2"
}

targets=$(seq 0 999 | shuf --random-source=<(yes) | sed 's/$/.tar.gz/')
zipf_mix() { # label, extra serve args...
  local label=$1; shift
  start_server --max-models 100 "$@"
  "$venv/bin/python" bench/sign_requests.py "$url" AKIDZIPF bench-secret "$work/zipf.lua" $targets \
    --zipf 1.1 --callers "$callers"
  local first before after
  first=$(run_wrk -s "$work/zipf.lua" "$url" | summary)
  curl -s "$url/metrics" > "$work/metrics.before"
  local hits0 misses0; hits0=$(metric ModelCacheHit); misses0=$(metric ModelCacheMiss)
  before=$(rss_mb)
  zipf=$(run_wrk -s "$work/zipf.lua" "$url" | summary)
  after=$(rss_mb)
  curl -s "$url/metrics" > "$work/metrics.after"
  hits=$(( $(metric ModelCacheHit) - hits0 )); misses=$(( $(metric ModelCacheMiss) - misses0 ))
  echo "zipf(1.1) over 1000 models, --max-models 100, $callers callers, $label:"
  echo "  first pass: $first"
  echo "  second pass: $zipf"
  awk -v h="$hits" -v m="$misses" 'BEGIN { printf "  cache hit ratio %.1f %% (%d hits, %d misses)\n", 100 * h / (h + m), h, m }'
  echo "  $(load_times "$work/metrics.before" "$work/metrics.after")"
  echo "  loaded models $(metric LoadedModelCount); server RSS ${before} MiB before, ${after} MiB after"
  stop_server
}
# Without a usable disk cache (its directory cannot be made), local artifacts load
# without parsed forms: the same binary, before and after, in one run.
zipf_mix "from the artifacts" --disk-cache /dev/null/no-disk-cache
rm -rf "$work/disk"
zipf_mix "through parsed forms" --disk-cache "$work/disk"
