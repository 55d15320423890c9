#!/usr/bin/env bash
# Installs the Mojaloop Testing Toolkit (the FSPIOP switch the Mojaloop rail's tests talk to) into a
# cache folder outside the app's dependencies (docs/rails/mojaloop.md). Idempotent: does nothing when
# the package is already there. Prints the package folder on its last line.
#
#   MOJALOOP_TTK_DIR  install folder (default: ${XDG_CACHE_HOME:-~/.cache}/disbursement-platform/ml-testing-toolkit-18.19.2)
set -euo pipefail

TTK_VERSION="18.19.2"
# As published, 18.19.2 pins a version of this library that the registry does not have.
SHARED_LIB_VERSION="14.3.0"
DIR="${MOJALOOP_TTK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/disbursement-platform/ml-testing-toolkit-$TTK_VERSION}"
PKG="$DIR/node_modules/ml-testing-toolkit"
MARKER="$DIR/.installed"

if [ -f "$MARKER" ] && [ -f "$PKG/src/index.js" ]; then
  echo "[ttk] ml-testing-toolkit@$TTK_VERSION already installed"
  echo "$PKG"
  exit 0
fi

# Install into a staging folder beside the target and move it into place at the end, so an interrupted
# install never looks complete.
parent="$(dirname "$DIR")"
mkdir -p "$parent"
staging="$(mktemp -d "$parent/.ttk-staging.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

cat >"$staging/package.json" <<JSON
{
  "name": "ml-testing-toolkit-cache",
  "private": true,
  "dependencies": { "ml-testing-toolkit": "$TTK_VERSION" },
  "overrides": { "@mojaloop/ml-testing-toolkit-shared-lib": "$SHARED_LIB_VERSION" }
}
JSON

echo "[ttk] installing ml-testing-toolkit@$TTK_VERSION into $DIR (about 2.5 minutes, ~470 MB)"
started=$(date +%s)
(cd "$staging" && npm install --no-audit --no-fund --omit=dev --loglevel=error)
if [ ! -f "$staging/node_modules/ml-testing-toolkit/src/index.js" ]; then
  echo "[ttk] install finished but $staging/node_modules/ml-testing-toolkit/src/index.js is missing" >&2
  exit 1
fi
date -u +%FT%TZ >"$staging/.installed"
rm -rf "$DIR"
mv "$staging" "$DIR"
trap - EXIT
echo "[ttk] installed in $(( $(date +%s) - started ))s"
echo "$PKG"
