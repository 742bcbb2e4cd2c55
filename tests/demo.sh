#!/usr/bin/env bash
# The demo: installs what weir needs, builds it, and runs it over the bundled
# sample capture with the sample rules. Alerts (EVE JSON lines) go to stdout,
# the summary to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
bash tests/build.sh build
echo "== build/weir -r tests/data/sample.pcap -S rules/examples/sample.sigs" >&2
exec build/weir -r tests/data/sample.pcap -S rules/examples/sample.sigs -o -
