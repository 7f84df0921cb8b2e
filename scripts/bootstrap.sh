#!/usr/bin/env bash
# Installs what pdscope needs, from package registries only. Each step is skipped when
# already satisfied. Usage: scripts/bootstrap.sh [--browsers] [--nginx]
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
GECKODRIVER_VERSION=0.37.1
BINARYEN_NPM_VERSION=132.0.0
PAGERDUTY_PY_VERSION=7.2.0
WANT_BROWSERS=0
WANT_NGINX=0
for arg in "$@"; do
  case "$arg" in
    --browsers) WANT_BROWSERS=1 ;;
    --nginx) WANT_NGINX=1 ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nbootstrap: FAILED: %s\n' "$*" >&2; exit 1; }
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

command -v cargo >/dev/null || fail "cargo not found: install Rust with rustup first"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown || fail "could not add the wasm32 target"
fi

# The test command checks formatting and lints.
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    step "rustup component add $component"
    rustup component add "$component" || fail "could not add the $component component"
  fi
done

# wasm-bindgen-cli must equal the wasm-bindgen version locked in Cargo.lock.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
[ -n "$WB_VERSION" ] || fail "no wasm-bindgen in Cargo.lock"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\$"; then
  step "cargo install wasm-bindgen-cli $WB_VERSION (a few minutes; --locked fails for this version on crates.io)"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force || fail "wasm-bindgen-cli $WB_VERSION did not build"
fi

if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION\$"; then
  step "cargo install trunk $TRUNK_VERSION (about 8 minutes on 2 cores; 0.22 needs a newer rustc)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force || fail "trunk did not build"
fi

# wasm-opt from npm (binaryen 132). Debian's binaryen 108 produces broken modules: never use it.
if ! [ -x node_modules/.bin/wasm-opt ] || ! node_modules/.bin/wasm-opt --version | grep -q "version 132" \
   || ! [ -d node_modules/playwright-core ] || ! [ -d node_modules/axe-core ]; then
  command -v npm >/dev/null || fail "npm not found (needed for binaryen and playwright-core)"
  step "npm ci (binaryen@$BINARYEN_NPM_VERSION for wasm-opt, playwright-core, axe-core)"
  npm ci --no-audit --no-fund || fail "npm ci failed"
fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then step "apt-get update"; apt-get update -qq || fail "apt-get update failed"; apt_updated=1; fi
  step "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || fail "apt-get install $* failed"
}

if [ "$WANT_BROWSERS" = 1 ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  command -v firefox-esr >/dev/null || command -v firefox >/dev/null || missing+=(firefox-esr)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  if ! geckodriver --version 2>/dev/null | head -1 | grep -q "$GECKODRIVER_VERSION"; then
    step "cargo install geckodriver $GECKODRIVER_VERSION"
    cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked --force || fail "geckodriver did not build"
  fi
fi

if [ "$WANT_BROWSERS" = 1 ]; then
  # PagerDuty's own Python client, used by one end-to-end test as a client that is not ours.
  if ! target/pyenv/bin/python -c "import pagerduty" 2>/dev/null; then
    step "python venv with pagerduty==$PAGERDUTY_PY_VERSION (target/pyenv)"
    python3 -m venv target/pyenv || fail "python3 -m venv failed"
    target/pyenv/bin/pip install -q "pagerduty==$PAGERDUTY_PY_VERSION" || fail "pip install pagerduty failed"
  fi
fi

if [ "$WANT_NGINX" = 1 ] && ! [ -x /usr/sbin/nginx ]; then
  apt_install nginx-light || apt_install nginx
fi
# deploy/nginx.conf.template serves the build's precompressed .br files with this module.
if [ "$WANT_NGINX" = 1 ] && ! [ -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ]; then
  apt_install libnginx-mod-http-brotli-static
fi
echo "bootstrap: toolchain ready"
