#!/bin/sh
# Trunk's post_build hook (Trunk.toml): minifies, in Trunk's staging directory, the JavaScript
# that ships beside the portal — wasm-bindgen's glue of every gridcast-js bundle (pkg*/), the
# edge handler and its adapters (edge/*.mjs), the widget's embed.js, the preview's worker and
# the service worker — with npm's esbuild (tools/package.json, on PATH for `make portal`).
# Names that other files import stay (esbuild keeps a module's exports); each file keeps one
# comment naming its readable source in www/ (or wasm-bindgen's output), where the usage is.
# Trunk's own glue for the portal is minified too, and index.html's integrity attribute for it
# (subresource integrity, sha384) rewritten to the minified bytes.
set -eu
out=${TRUNK_STAGING_DIR:?run by trunk build (TRUNK_STAGING_DIR is not set)}
command -v esbuild >/dev/null || {
  echo "www/minify.sh: esbuild is not on PATH: build with make portal, or run make deps-wasm-opt" \
    "and put tools/node_modules/.bin on PATH" >&2
  exit 1
}

# minify FILE FORMAT SOURCE: FILE rewritten in place (temp file + rename); FORMAT is esm for
# modules, "" for a classic script.
minify() {
  file=$1 format=$2 source=$3
  # shellcheck disable=SC2086
  esbuild "$file" --minify --log-level=warning ${format:+--format=$format} \
    "--banner:js=// gridcast, minified from $source" --outfile="$file.min"
  mv "$file.min" "$file"
}

# sri FILE: FILE's subresource-integrity value, as Trunk writes it.
sri() { printf 'sha384-%s' "$(openssl dgst -sha384 -binary "$1" | base64 -w0)"; }

# The portal's glue, then the one integrity attribute that names its old bytes (an index.html
# that does not hold it exactly once is a Trunk this hook does not know: stop, rather than ship
# a portal the browser refuses to load).
for glue in "$out"/gridcast-portal-*.js; do
  before=$(sri "$glue")
  found=$(grep -o "integrity=\"$before\"" "$out/index.html" | wc -l)
  [ "$found" = 1 ] || {
    echo "www/minify.sh: index.html holds integrity=\"$before\" $found times, not once" >&2
    exit 1
  }
  minify "$glue" esm "wasm-bindgen's glue for the portal (Trunk's rust asset)"
  sed "s|integrity=\"$before\"|integrity=\"$(sri "$glue")\"|" "$out/index.html" >"$out/index.html.new"
  mv "$out/index.html.new" "$out/index.html"
done

for glue in "$out"/pkg*/gridcast_js.js; do
  minify "$glue" esm "wasm-bindgen's glue for crates/gridcast-js"
done
for module in "$out"/edge/*.mjs; do
  minify "$module" esm "www/edge/${module##*/}"
done
minify "$out/embed.js" esm www/embed.js
minify "$out/preview-worker.js" esm www/preview-worker.js
minify "$out/sw.js" "" www/sw.js
