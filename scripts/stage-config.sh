#!/bin/sh
# Trunk hook (Trunk.toml): `PDSCOPE_CONFIG=path trunk serve|build` serves the file at path
# as config.json instead of the repository's (scripts/dev.sh --scoped uses it).
#   sh scripts/stage-config.sh pre_build    # check PDSCOPE_CONFIG before the long compile
#   sh scripts/stage-config.sh post_build   # check it again and copy it into the build
# Without PDSCOPE_CONFIG (or with it empty) it does nothing: the build's config.json is the
# repository's, copied by `<link data-trunk rel="copy-file" href="config.json">`.
#
# A file that is missing, unreadable, not JSON or not a JSON object fails the build, loudly,
# and leaves no config.json to serve. Why deleting is needed: Trunk 0.21 assembles a build
# in $TRUNK_STAGING_DIR (dist/.stage) and moves it into $TRUNK_DIST_DIR (dist/) only when
# every step, hooks included, succeeded; after a failed build `trunk serve` goes on serving
# dist/ as the previous run left it (trunk-0.21.14 src/build.rs, src/serve/mod.rs). So a
# failing hook alone would leave the previous run's config.json (say, --scoped's) served as
# if nothing had happened. Deleting it from dist/ (and from the staging directory) makes the
# app show its setup screen ("config.json is missing") next to Trunk's build error instead.
set -u

stage=${1:-post_build}
f=${PDSCOPE_CONFIG:-}
[ -n "$f" ] || exit 0

fail() {
  for d in "${TRUNK_DIST_DIR:-}" "${TRUNK_STAGING_DIR:-}"; do
    [ -n "$d" ] && rm -f "$d/config.json"
  done
  echo "" >&2
  echo "pdscope: PDSCOPE_CONFIG=$f $1." >&2
  echo "pdscope: point PDSCOPE_CONFIG at a readable config.json (see config.example.json), or unset it" >&2
  echo "pdscope: to serve the repository's config.json. Nothing is served as config.json until then." >&2
  echo "" >&2
  exit 1
}

case "$f" in
  /*) [ -e "$f" ] || fail "does not exist" ;;
  *) [ -e "$f" ] || fail "does not exist (a relative path is looked up in $(pwd))" ;;
esac
[ -f "$f" ] || fail "is not a file"
[ -r "$f" ] || fail "cannot be read"

# A JSON object? Checked with node (installed by scripts/bootstrap.sh) or else python3; with
# neither, the app's setup screen still says what is wrong with the file.
if command -v node >/dev/null 2>&1; then
  why=$(node -e '
    const fs = require("fs");
    let text;
    try { text = fs.readFileSync(process.argv[1], "utf8"); } catch (e) { console.log("cannot be read (" + e.code + ")"); process.exit(0); }
    let v;
    try { v = JSON.parse(text); } catch (e) { console.log("is not valid JSON (" + e.message + ")"); process.exit(0); }
    if (v === null || typeof v !== "object" || Array.isArray(v)) { console.log("is not a JSON object"); process.exit(0); }
    // As the app: no key naming a secret, at any depth (the file is served to every visitor).
    const secret = (o) => o && typeof o === "object" && Object.entries(o).some(([k, x]) =>
      k.replace(/[^A-Za-z0-9]/g, "").toLowerCase().includes("secret") || secret(x));
    if (secret(v)) console.log("holds a key naming a secret: it would be served to every visitor (use pd-token-relay for a Scoped app secret, and rotate one that was served)");
  ' -- "$f" 2>&1) || why="could not be checked (node failed: $why)"
elif command -v python3 >/dev/null 2>&1; then
  why=$(python3 -c '
import json, sys
try:
    text = open(sys.argv[1], encoding="utf-8").read()
except Exception as e:
    print("cannot be read (%s)" % e); sys.exit(0)
try:
    v = json.loads(text)
except ValueError as e:
    print("is not valid JSON (%s)" % e); sys.exit(0)
if not isinstance(v, dict):
    print("is not a JSON object"); sys.exit(0)
def secret(o):
    if isinstance(o, dict):
        return any("secret" in "".join(c for c in k if c.isalnum()).lower() or secret(x) for k, x in o.items())
    return isinstance(o, list) and any(secret(x) for x in o)
if secret(v):
    print("holds a key naming a secret: it would be served to every visitor (use pd-token-relay for a Scoped app secret, and rotate one that was served)")
' "$f" 2>&1) || why="could not be checked (python3 failed: $why)"
else
  why=
fi
[ -z "$why" ] || fail "$why"

if [ "$stage" = post_build ]; then
  [ -n "${TRUNK_STAGING_DIR:-}" ] || { echo "pdscope: TRUNK_STAGING_DIR is not set (run by Trunk's hooks)" >&2; exit 1; }
  cp -- "$f" "$TRUNK_STAGING_DIR/config.json" || fail "could not be copied into the build"
fi
