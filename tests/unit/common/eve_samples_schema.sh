#!/bin/sh
# Validates every line eve_samples prints (each kind of event the
# formatters write, tests/unit/common/eve_samples.c) against Suricata's EVE
# schema with tests/integration/eve_schema.py. 77 (skip) without the
# schema or python3-jsonschema.
#   eve_samples_schema.sh EVE_SAMPLES
set -eu
schema=${WEIR_SHARED_DATA:-}/eve/suricata/schema.json
if [ ! -f "$schema" ]; then
	echo "SKIP: no EVE schema at $schema"
	exit 77
fi
if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "SKIP: python3-jsonschema missing"
	exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$1" >"$out"
echo "$(wc -l <"$out") sample lines"
/usr/bin/python3 "$WEIR_SOURCE_ROOT/tests/integration/eve_schema.py" "$schema" "$out"
