#!/usr/bin/env bash
# The README's second command: installs what is missing and runs every test:
# formatting and clippy (native and wasm), native tests, wasm-bindgen-test in headless Chromium and Firefox, and the end-to-end
# tests in headless Chromium against the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --browsers --nginx
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

echo; echo "==> formatting and lints (cargo fmt --check; clippy -D warnings, native and wasm)"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The wasm target builds only the app and its on-demand module (the sandbox and relay are
# native servers).
cargo clippy --target wasm32-unknown-unknown -p pdscope -p pdscope-ondemand --all-targets -- -D warnings

echo; echo "==> the house rules (tests/architecture.rs: layers, no import circles, no file over 600 lines)"
cargo test -q -p pdscope --test architecture

echo; echo "==> native tests (cargo test --workspace)"
cargo test --workspace

echo; echo "==> wasm-bindgen-test in headless Chromium"
env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p pdscope -p pdscope-ondemand

echo; echo "==> wasm-bindgen-test in headless Firefox"
env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" cargo test --target wasm32-unknown-unknown -p pdscope -p pdscope-ondemand

echo; echo "==> the release build (trunk build --release), used by every end-to-end test"
trunk build --release --dist target/release-dist
echo; echo "==> the release against its size budget (bench/size.mjs, sizes only)"
SIZE_ONLY=1 node bench/size.mjs target/release-dist
cargo build -q -p pd-sandbox -p pd-token-relay

echo; echo "==> end-to-end tests in headless Chromium against pd-sandbox (and nginx)"
PDSCOPE_DIST=target/release-dist node --test --test-concurrency=1 e2e/
