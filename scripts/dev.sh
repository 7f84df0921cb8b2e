#!/usr/bin/env bash
# The README's first command: installs what is missing, starts the local PagerDuty sandbox
# and `trunk serve` with a config pointing at it, and prints where to go.
#   scripts/dev.sh            # Classic User OAuth app with PKCE (no secret anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

APP_PORT=${APP_PORT:-8080}
echo "==> building pd-sandbox"
cargo build -q -p pd-sandbox

./target/debug/pd-sandbox --identity-port 8788 --api-port 8789 --client-id pdscope-local \
  --redirect-uri "http://127.0.0.1:${APP_PORT}/callback" \
  --redirect-uri "http://localhost:${APP_PORT}/callback" &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT INT TERM
sleep 1
kill -0 $SANDBOX_PID 2>/dev/null || { echo "pd-sandbox did not start (ports 8788/8789 busy?)" >&2; exit 1; }

cat <<MSG

==> pdscope is building; when trunk says it is serving, open:

      http://127.0.0.1:${APP_PORT}/

    and click "Connect to PagerDuty". Sign in on the sandbox's page as
      admin@example.com      / sandbox   (sees everything)
      responder@example.com  / sandbox   (sees only their team's services)
    Stop with Ctrl-C.

MSG
trunk serve --port "$APP_PORT"
