#!/usr/bin/env bash
# Builds the SDF's anchor test suite (stellar/stellar-anchor-tests, the `stellar-anchor-tests` CLI that
# checks SEP-1, SEP-10 and SEP-24) into a cache folder outside the app's dependencies, from its own
# lock file (docs/security/anchor-tests.md). The suite is not in the npm registry, so it is built from a
# git checkout of a pinned commit. Idempotent: does nothing when the build is already there. Prints
# the CLI's path on its last line.
#
#   ANCHOR_TESTS_GIT  where to clone from: a local clone or mirror (a bare one is fine) or a URL
#                     (default: https://github.com/stellar/stellar-anchor-tests.git)
#   ANCHOR_TESTS_DIR  install folder (default: ${XDG_CACHE_HOME:-~/.cache}/disbursement-platform/stellar-anchor-tests-<commit>)
#
# Why not `npm ci`: the repository has no package-lock.json, only a yarn v1 lock file (yarn.lock), so
# yarn 1.22.22 (from the npm registry, through npm exec) installs from it with --frozen-lockfile.
# Why only the library's workspace: the lock file's `ui` workspace pins @stellar/design-system@0.3.3,
# which the registry no longer serves (404), so installing all three workspaces fails; the CLI lives in
# the `@stellar/anchor-tests` workspace and needs none of the others.
set -euo pipefail

COMMIT="48bdb9f25a3d3c190dd094d9a64091b258b7b500" # @stellar/anchor-tests 0.6.22
YARN_VERSION="1.22.22"
SOURCE="${ANCHOR_TESTS_GIT:-https://github.com/stellar/stellar-anchor-tests.git}"
DIR="${ANCHOR_TESTS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/disbursement-platform/stellar-anchor-tests-$COMMIT}"
CLI="$DIR/@stellar/anchor-tests/lib/cli.js"
MARKER="$DIR/.installed"

if [ -f "$MARKER" ] && [ -f "$CLI" ]; then
  echo "[anchor-tests] stellar-anchor-tests@${COMMIT:0:7} already built"
  echo "$CLI"
  exit 0
fi

# Build in a staging folder beside the target and move it into place at the end, so an interrupted
# install never looks complete.
parent="$(dirname "$DIR")"
mkdir -p "$parent"
staging="$(mktemp -d "$parent/.anchor-tests-staging.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

echo "[anchor-tests] checking out ${COMMIT:0:7} from $SOURCE"
started=$(date +%s)
git clone --quiet --no-checkout "$SOURCE" "$staging"
if ! git -C "$staging" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
  echo "[anchor-tests] $SOURCE has no commit $COMMIT" >&2
  exit 1
fi
git -C "$staging" -c advice.detachedHead=false checkout --quiet --detach "$COMMIT"

# Only the library's workspace (see above); the lock file itself is left as it is.
node -e '
const fs = require("fs");
const file = process.argv[1];
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
pkg.workspaces = ["@stellar/anchor-tests"];
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$staging/package.json"

yarn() { (cd "$staging" && npm exec --yes --package="yarn@$YARN_VERSION" -- yarn "$@"); }
# --ignore-scripts: the root's `prepare` installs git hooks, and stellar-sdk's optional native
# sodium-native would compile; the SDK falls back to tweetnacl without it.
yarn install --frozen-lockfile --non-interactive --ignore-scripts --no-progress
if ! git -C "$staging" diff --quiet -- yarn.lock; then
  echo "[anchor-tests] the install changed yarn.lock: not built from the lock file" >&2
  exit 1
fi
yarn --silent build:anchor-tests
if [ ! -f "$staging/@stellar/anchor-tests/lib/cli.js" ]; then
  echo "[anchor-tests] the build finished but @stellar/anchor-tests/lib/cli.js is missing" >&2
  exit 1
fi
date -u +%FT%TZ >"$staging/.installed"
rm -rf "$DIR"
mv "$staging" "$DIR"
trap - EXIT
echo "[anchor-tests] built in $(( $(date +%s) - started ))s"
echo "$CLI"
