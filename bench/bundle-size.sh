#!/usr/bin/env bash
# Sizes of a Trunk build (raw and gzip -9), by who loads them:
#   portal   what the portal loads to run (UI, signing, the endpoint client, kept model facts);
#            budget: ≤ 1 MB of wasm and ≤ 219,000 B gzipped over its files (exit 1 when over;
#            so for the widget's and the edge's budgets below)
#   engine   what the portal loads on demand to check a download or forecast on the device
#            (gridcast-js's portal-engine; the service worker precaches it)
#   preview  what the forecast preview loads on demand (its worker, gridcast-js with the fit)
#   widget   what a host page loads for <gridcast-forecast> on its first load (embed.js and the
#            widget's shell, gridcast-js's widget: dist/pkg); a new download or a device forecast
#            adds the engine group (embed.js loads pkg-engine on demand)
#   edge     the edge handler bundle (handler, Node adapter, gridcast-js's edge: dist/pkg-edge)
# Usage: bench/bundle-size.sh [dist]
set -euo pipefail
dist=${1:-dist}
wasm_limit=$((1000 * 1000))
gzip_limit=219000
widget_gzip_limit=150000
edge_gzip_limit=190000

size() { wc -c <"$1"; }
gz() { gzip -9 -c "$1" | wc -c; }

group() { # name files...
  local name=$1 raw=0 packed=0 wasm=0 f r g
  shift
  printf '\n%s\n' "$name"
  for f in "$@"; do
    r=$(size "$f") g=$(gz "$f")
    raw=$((raw + r)) packed=$((packed + g))
    case "$f" in *.wasm) wasm=$((wasm + r)) ;; esac
    printf '  %-46s %10d %10d\n' "${f#"$dist"/}" "$r" "$g"
  done
  printf '  %-46s %10d %10d   (wasm %d)\n' total "$raw" "$packed" "$wasm"
  last_wasm=$wasm last_gz=$packed
}

within() { # name limit: the last group's gzipped total against its budget
  if [ "$last_gz" -gt "$2" ]; then echo "over budget: $1 is $last_gz bytes gzipped > $2"; status=1; fi
}

printf '%-48s %10s %10s\n' file bytes gzip
portal=()
for f in "$dist"/*; do
  [ -f "$f" ] || continue
  case "$(basename "$f")" in embed.js | preview-worker.js) ;; *) portal+=("$f") ;; esac
done
group portal "${portal[@]}"
status=0
if [ "$last_wasm" -gt "$wasm_limit" ]; then echo "over budget: $last_wasm bytes of wasm > $wasm_limit"; status=1; fi
within portal "$gzip_limit"
pkg=("$dist"/pkg/gridcast_js.js "$dist"/pkg/gridcast_js_bg.wasm)
group "engine (on demand)" "$dist"/pkg-engine/gridcast_js.js "$dist"/pkg-engine/gridcast_js_bg.wasm
group "preview (on demand)" "$dist"/preview-worker.js "$dist"/pkg-fit/gridcast_js.js "$dist"/pkg-fit/gridcast_js_bg.wasm
group widget "$dist"/embed.js "${pkg[@]}"
within widget "$widget_gzip_limit"
group edge "$dist"/edge/handler.mjs "$dist"/edge/serve.mjs "$dist"/pkg-edge/gridcast_js.js "$dist"/pkg-edge/gridcast_js_bg.wasm
within edge "$edge_gzip_limit"
exit $status
