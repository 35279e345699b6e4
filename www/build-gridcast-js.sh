#!/bin/sh
# Trunk's build hook (Trunk.toml): gridcast-js for the pages that are not the portal,
# bound with the installed wasm-bindgen into Trunk's staging directory:
#   pkg/      the widget (feature widget: widgetForecast), for size (profile wasm-release,
#             then wasm-opt: see smaller below)
#   pkg-edge/ the edge handler (feature edge: edgeForecast and forecastArtifact, the engine
#             in process), for size: loaded by www/edge/*.mjs
#   pkg-fit/  with the on-device fit, for speed (profile wasm-fit; wasm-opt -O3 measured no
#             faster): the preview's worker, loaded only when a customer fits
#   pkg-engine/ the portal's on-device engine (feature portal-engine: engineFacts,
#             engineForecast; no widget, no edge), for size: loaded by the portal when it
#             checks a download or forecasts without the endpoint
# The wasm is found where cargo reports it (so CARGO_TARGET_DIR and build.target-dir work).
set -eu
out=${TRUNK_STAGING_DIR:?run by trunk build (TRUNK_STAGING_DIR is not set)}

# bundle DIR PROFILE [cargo args]: builds gridcast-js and binds it into $out/DIR.
bundle() {
  dir=$1 profile=$2
  shift 2
  wasm=$(cargo build --quiet -p gridcast-js --target wasm32-unknown-unknown --profile "$profile" \
    --message-format=json-render-diagnostics "$@" | grep -o '"[^"]*/gridcast_js\.wasm"' | tail -n 1 | tr -d '"')
  if [ -z "$wasm" ]; then
    echo "build-gridcast-js.sh: cargo reported no gridcast_js.wasm for profile $profile" >&2
    exit 1
  fi
  wasm-bindgen --target web --no-typescript --out-dir "$out/$dir" "$wasm"
}

# The features rustc 1.95 emits for wasm32 (the stripped wasm no longer names them).
features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue --enable-mutable-globals"

# smaller DIR: wasm-opt on $out/DIR's wasm, in place: flattened and re-looped (binaryen's
# relooper rebuilds the control flow rustc emitted) before -Oz twice, which leaves less code
# than -Oz alone (docs/benchmarks.md, session 28: edge -1,375 B gzipped; forecasts identical).
smaller() {
  wasm="$out/$1/gridcast_js_bg.wasm"
  # shellcheck disable=SC2086
  wasm-opt --flatten --rereloop -Oz -Oz $features "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
}

bundle pkg wasm-release --no-default-features --features widget
smaller pkg
bundle pkg-edge wasm-release --no-default-features --features edge
smaller pkg-edge
bundle pkg-engine wasm-release --no-default-features --features portal-engine
smaller pkg-engine
bundle pkg-fit wasm-fit
