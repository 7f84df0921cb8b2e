#!/usr/bin/env bash
# Benchmarks (tables, not timed tests):
#   scripts/bench.sh size    release size against the budget, and cold-load times
#   scripts/bench.sh lists   10,000 users: concurrent vs one-after-another, keystroke time
#   scripts/bench.sh import  200 users imported: rate against PagerDuty's limit, speed-up
#   scripts/bench.sh check   the import's check on large files (native, release build)
#   scripts/bench.sh offboard  50 people offboarded from 2,000 users at 50 ms a request:
#                            requests, 429s and time against PagerDuty's script (native, simulated)
#   scripts/bench.sh audit   the Audit page's reads: 10,000 users at 50 ms a request (native, virtual clock)
#   scripts/bench.sh         all six
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
# The native benchmarks need cargo only; the others a browser.
case "$WHAT" in check | offboard | audit) ;; *) scripts/bootstrap.sh --browsers ;; esac
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
if [ "$WHAT" = check ] || [ "$WHAT" = all ]; then cargo run -q --release --example check_speed; fi
if [ "$WHAT" = offboard ] || [ "$WHAT" = all ]; then cargo run -q --release --example offboard_bench; fi
if [ "$WHAT" = audit ] || [ "$WHAT" = all ]; then cargo run -q --release --example audit_bench; fi
case "$WHAT" in check | offboard | audit) exit 0 ;; esac
trunk build --release --dist target/release-dist
# An optimised sandbox, so that its own CPU time does not blur the fixed per-request latency.
cargo build -q --profile server -p pd-sandbox
export PD_SANDBOX_BIN="$PWD/target/server/pd-sandbox"
status=0
if [ "$WHAT" = size ] || [ "$WHAT" = all ]; then PDSCOPE_DIST=target/release-dist node bench/size.mjs || status=$?; fi
if [ "$WHAT" = lists ] || [ "$WHAT" = all ]; then PDSCOPE_DIST=target/release-dist node bench/lists.mjs; fi
if [ "$WHAT" = import ] || [ "$WHAT" = all ]; then PDSCOPE_DIST=target/release-dist node bench/import.mjs; fi
exit $status
