#!/usr/bin/env bash
# Sizes of a Trunk build (raw and gzip -9) against the portal's budget:
# at most 1 MB of wasm, at most 350 KB gzipped over all files.
# Usage: bench/bundle-size.sh [dist]   (exit 1 when over budget)
set -euo pipefail
dist=${1:-dist}
wasm_limit=$((1000 * 1000))
gzip_limit=$((350 * 1000))
wasm=0 total_gz=0
printf '%-48s %10s %10s\n' file bytes gzip
for f in "$dist"/*; do
  [ -f "$f" ] || continue
  raw=$(wc -c <"$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total_gz=$((total_gz + gz))
  case "$f" in *.wasm) wasm=$((wasm + raw)) ;; esac
  printf '%-48s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
printf '%-48s %10d %10d\n' "wasm total / gzip total" "$wasm" "$total_gz"
status=0
if [ "$wasm" -gt "$wasm_limit" ]; then echo "over budget: $wasm bytes of wasm > $wasm_limit"; status=1; fi
if [ "$total_gz" -gt "$gzip_limit" ]; then echo "over budget: $total_gz bytes gzipped > $gzip_limit"; status=1; fi
exit $status
