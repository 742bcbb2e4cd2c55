#!/usr/bin/env bash
# kinesalite (a local Kinesis, for test_kinesis.sh) from the npm registry,
# with Debian's Node.js and npm (tests/install-deps.sh), into a cache
# outside the repository, once: a second run costs nothing. The version is
# pinned here only. Exit 0 when it is there, 1 when it cannot be.
set -uo pipefail
KDIR=${KINESALITE_DIR:-/var/cache/weir-ci/kinesalite}
VERSION=3.3.3

[ -x "$KDIR/node_modules/.bin/kinesalite" ] && exit 0
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
	echo "install_kinesalite: no node/npm (tests/install-deps.sh installs Debian's)" >&2
	exit 1
fi
mkdir -p "$KDIR" || exit 1
if ! timeout 300 npm install --prefix "$KDIR" --no-audit --no-fund "kinesalite@$VERSION" \
	>"$KDIR/npm-install.log" 2>&1; then
	echo "install_kinesalite: npm install failed:" >&2
	tail -5 "$KDIR/npm-install.log" >&2
	exit 1
fi
[ -x "$KDIR/node_modules/.bin/kinesalite" ]
