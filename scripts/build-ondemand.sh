#!/bin/sh
# Trunk hook (Trunk.toml, post_build): builds the on-demand module (`ondemand/`: the Import page
# and the token inspector, a second WebAssembly module the app loads only when someone opens
# them) into the build as ondemand.js, ondemand_bg.wasm and ondemand.css, next to the app. Same profile as Trunk's build; the
# release is optimised with wasm-opt like the app (data-wasm-opt="z" in index.html).
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
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name ondemand \
  "$target/wasm32-unknown-unknown/$profile/pdscope_ondemand.wasm"
cp style/ondemand.css "$out/ondemand.css"
if [ "$profile" = release ]; then
  wasm-opt -Oz --strip-debug --strip-producers "$out/ondemand_bg.wasm" -o "$out/ondemand_bg.wasm"
fi
