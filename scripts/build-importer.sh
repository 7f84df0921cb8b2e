#!/bin/sh
# Trunk hook (Trunk.toml, post_build): builds the importer (`importer/`, the Import page as a
# second WebAssembly module the app loads only when someone opens Import) into the build as
# importer.js, importer_bg.wasm and importer.css, next to the app. Same profile as Trunk's build; the
# release is optimised with wasm-opt like the app (data-wasm-opt="z" in index.html).
# Uses the wasm-bindgen and wasm-opt scripts/bootstrap.sh installs (on PATH, as for Trunk).
set -eu

profile=${TRUNK_PROFILE:-debug}
out=${TRUNK_STAGING_DIR:?run by trunk (TRUNK_STAGING_DIR is not set)}
target=${CARGO_TARGET_DIR:-target}

if [ "$profile" = release ]; then
  cargo build --quiet -p pdscope-importer --target wasm32-unknown-unknown --release
else
  cargo build --quiet -p pdscope-importer --target wasm32-unknown-unknown
fi
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name importer \
  "$target/wasm32-unknown-unknown/$profile/pdscope_importer.wasm"
cp style/importer.css "$out/importer.css"
if [ "$profile" = release ]; then
  wasm-opt -Oz --strip-debug --strip-producers "$out/importer_bg.wasm" -o "$out/importer_bg.wasm"
fi
