#!/usr/bin/env bash
# Benchmarks (tables, not timed tests):
#   scripts/bench.sh size    release size against the budget, and cold-load times
#   scripts/bench.sh lists   10,000 users: concurrent vs one-after-another, keystroke time
#   scripts/bench.sh import  200 users imported: rate against PagerDuty's limit, speed-up
#   scripts/bench.sh check   the import's check on large files (native, release build)
#   scripts/bench.sh audit   the Audit page's reads: 10,000 users at 50 ms a request (native, virtual clock)
#   scripts/bench.sh         all five
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --browsers
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
WHAT=${1:-all}
if [ "$WHAT" = check ] || [ "$WHAT" = all ]; then cargo run -q --release --example check_speed; fi
if [ "$WHAT" = audit ] || [ "$WHAT" = all ]; then cargo run -q --release --example audit_bench; fi
[ "$WHAT" = check ] || [ "$WHAT" = audit ] && exit 0
trunk build --release --dist target/release-dist
# An optimised sandbox, so that its own CPU time does not blur the fixed per-request latency.
cargo build -q --profile server -p pd-sandbox
export PD_SANDBOX_BIN="$PWD/target/server/pd-sandbox"
status=0
if [ "$WHAT" = size ] || [ "$WHAT" = all ]; then PDSCOPE_DIST=target/release-dist node bench/size.mjs || status=$?; fi
if [ "$WHAT" = lists ] || [ "$WHAT" = all ]; then PDSCOPE_DIST=target/release-dist node bench/lists.mjs; fi
if [ "$WHAT" = import ] || [ "$WHAT" = all ]; then PDSCOPE_DIST=target/release-dist node bench/import.mjs; fi
exit $status
