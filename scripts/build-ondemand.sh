#!/bin/sh
# Trunk hook (Trunk.toml, post_build): builds the on-demand module (`ondemand/`: the Import page
# and the token inspector, a second WebAssembly module the app loads only when someone opens
# them) into the build as ondemand-HASH.js, ondemand-HASH_bg.wasm and ondemand-HASH.css, next to
# the app. HASH is the first 16 hex digits of the SHA-256 of the three files, so, like Trunk's
# own assets, they can be cached for a year; the hook writes the name into index.html
# (`<html data-ondemand="ondemand-HASH.js">`), which the app reads (src/components/ondemand.rs):
# no second request, no inline script. Same profile as Trunk's build; the release is optimised
# with wasm-opt like the app (data-wasm-opt="z" in index.html) and then precompressed
# (scripts/compress.mjs: a .br and a .gz beside every file). That step runs here, last, because
# Trunk starts the hooks of one stage at once, not one after another.
# Uses the wasm-bindgen and wasm-opt scripts/bootstrap.sh installs (on PATH, as for Trunk).
set -eu

profile=${TRUNK_PROFILE:-debug}
out=${TRUNK_STAGING_DIR:?run by trunk (TRUNK_STAGING_DIR is not set)}
target=${CARGO_TARGET_DIR:-target}

if [ "$profile" = release ]; then
  cargo build --quiet -p pdscope-ondemand --target wasm32-unknown-unknown --release
else
  cargo build --quiet -p pdscope-ondemand --target wasm32-unknown-unknown
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$tmp" --out-name ondemand \
  "$target/wasm32-unknown-unknown/$profile/pdscope_ondemand.wasm"
cp style/ondemand.css "$tmp/ondemand.css"
if [ "$profile" = release ]; then
  wasm-opt -Oz --strip-debug --strip-producers "$tmp/ondemand_bg.wasm" -o "$tmp/ondemand_bg.wasm"
fi
# wasm-bindgen writes out the snippets of every crate linked (the app's loader, from pdscope),
# used or not; the module imports none of them, and the app's own are in the build already.
! grep -q "snippets/" "$tmp/ondemand.js" \
  || { echo "build-ondemand: ondemand.js imports a JS snippet; copy and name it too" >&2; exit 1; }

hash=$(cat "$tmp/ondemand.js" "$tmp/ondemand_bg.wasm" "$tmp/ondemand.css" | sha256sum | cut -c1-16)
name=ondemand-$hash
# The JS names its wasm once (`new URL('ondemand_bg.wasm', import.meta.url)`); the wasm's
# import module ("./ondemand_bg.js") is only a key, not a file, and stays.
[ "$(grep -c "'ondemand_bg\.wasm'" "$tmp/ondemand.js")" = 1 ] \
  || { echo "build-ondemand: ondemand.js does not name 'ondemand_bg.wasm' exactly once" >&2; exit 1; }
sed "s/'ondemand_bg\.wasm'/'${name}_bg.wasm'/" "$tmp/ondemand.js" > "$out/$name.js"
mv "$tmp/ondemand_bg.wasm" "$out/${name}_bg.wasm"
mv "$tmp/ondemand.css" "$out/$name.css"

# The name, where the app finds it: an attribute of <html> in index.html.
grep -q '<html lang="en">' "$out/index.html" \
  || { echo "build-ondemand: no <html lang=\"en\"> in index.html to name $name.js on" >&2; exit 1; }
sed -i "s|<html lang=\"en\">|<html lang=\"en\" data-ondemand=\"$name.js\">|" "$out/index.html"

if [ "$profile" = release ]; then
  node scripts/compress.mjs "$out"
fi
