#!/usr/bin/env bash
# The README's first command: installs what is missing, starts the local PagerDuty sandbox
# and `trunk serve` with a config pointing at it, and prints where to go.
#   scripts/dev.sh            # Classic User OAuth app with PKCE (no secret anywhere)
#   scripts/dev.sh --scoped   # Scoped OAuth app: sandbox + pd-token-relay holding the secret
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=classic
for arg in "$@"; do
  case "$arg" in
    --scoped) MODE=scoped ;;
    *) echo "usage: scripts/dev.sh [--scoped]" >&2; exit 2 ;;
  esac
done
scripts/bootstrap.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

APP_PORT=${APP_PORT:-8080}
echo "==> building pd-sandbox and pd-token-relay"
cargo build -q -p pd-sandbox -p pd-token-relay

PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT INT TERM
REDIRECTS=(--redirect-uri "http://127.0.0.1:${APP_PORT}/callback" --redirect-uri "http://localhost:${APP_PORT}/callback")

if [ "$MODE" = scoped ]; then
  SECRET="sandbox-scoped-secret"
  # The app is registered with every scope Import needs (the README's list); the app asks
  # for services.read users.read at first, and Import asks for the rest in one sign-in.
  ./target/debug/pd-sandbox --identity-port 8788 --api-port 8789 --client-id pdscope-local \
    --app-type scoped --client-secret "$SECRET" --strict-includes "${REDIRECTS[@]}" \
    --app-scopes "services.read services.write escalation_policies.read users.read users.write users:contact_methods.read users:contact_methods.write teams.read teams.write abilities.read" &
  PIDS+=($!)
  PD_CLIENT_SECRET="$SECRET" ./target/debug/pd-token-relay --listen 127.0.0.1:8790 \
    --identity-url http://127.0.0.1:8788 --client-id pdscope-local \
    --allow-origin "http://127.0.0.1:${APP_PORT}" --allow-origin "http://localhost:${APP_PORT}" &
  PIDS+=($!)
  mkdir -p target/dev
  cat > target/dev/config.scoped.json <<JSON
{
  "client_id": "pdscope-local",
  "scopes": ["services.read", "users.read"],
  "authorize_url": "http://127.0.0.1:8788/oauth/authorize",
  "token_url": "http://127.0.0.1:8790/oauth/token",
  "revoke_url": "http://127.0.0.1:8790/oauth/revoke",
  "api_url_us": "http://127.0.0.1:8789"
}
JSON
  export PDSCOPE_CONFIG="$PWD/target/dev/config.scoped.json"
else
  # The committed config.json, whatever the shell exported (see Trunk.toml's hooks).
  if [ -n "${PDSCOPE_CONFIG:-}" ]; then
    echo "==> ignoring PDSCOPE_CONFIG=$PDSCOPE_CONFIG: scripts/dev.sh serves the committed config.json"
    unset PDSCOPE_CONFIG
  fi
  ./target/debug/pd-sandbox --identity-port 8788 --api-port 8789 --client-id pdscope-local "${REDIRECTS[@]}" &
  PIDS+=($!)
fi
sleep 1
for pid in "${PIDS[@]}"; do
  kill -0 "$pid" 2>/dev/null || { echo "a server did not start (ports 8788/8789/8790 busy?)" >&2; exit 1; }
done

# After a failed build `trunk serve` serves dist/ as the last good build left it, maybe with
# the other mode's config.json; without one the app says config.json is missing instead.
rm -f dist/config.json
echo "==> pdscope ($MODE app) is building; the address follows once trunk serves it"
trunk serve --port "$APP_PORT" &
TRUNK=$!
PIDS+=("$TRUNK")
# The address only once it answers: a first build takes minutes, and a link printed before
# that opens "connection refused".
until curl -fsS -o /dev/null "http://127.0.0.1:${APP_PORT}/" 2>/dev/null; do
  kill -0 "$TRUNK" 2>/dev/null || { wait "$TRUNK"; exit $?; }
  sleep 1
done
cat <<MSG

==> pdscope ($MODE app) is serving; open:

      http://127.0.0.1:${APP_PORT}/

    and click "Connect to PagerDuty". Sign in on the sandbox's page as
      admin@example.com      / sandbox   (sees everything)
      responder@example.com  / sandbox   (sees only their team's services)
    Stop with Ctrl-C.

MSG
wait "$TRUNK"
