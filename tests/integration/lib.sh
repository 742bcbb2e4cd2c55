# Shared helpers for weir's integration tests (sourced). Each test script
# defines test_* functions and an ALL_TESTS list, then calls run_all.
# Every weir run is bounded by `timeout`; nothing here sleeps to wait.
set -uo pipefail

WEIR=${WEIR_BIN:?run through meson test (WEIR_BIN unset)}
PCAP_COUNT=${PCAP_COUNT:?}
SRC=${WEIR_SOURCE_ROOT:?}
BUILD=${WEIR_BUILD_ROOT:?}
DATA=${WEIR_SHARED_DATA:-$SRC/../shared/data}
WEIR_TIMEOUT=${WEIR_TIMEOUT:-120}

TMP=$(mktemp -d /tmp/weir-it.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

_passed=0
_failed=0
_skipped=0
_cur_failed=0

fail() {
	echo "    FAIL: $*"
	_cur_failed=1
}

# check DESCRIPTION COMMAND...: run COMMAND, fail with DESCRIPTION unless it succeeds
check() {
	local what=$1
	shift
	if ! "$@"; then
		fail "$what"
		return 1
	fi
	return 0
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', want '$3'"
		return 1
	fi
	return 0
}

# run_weir OUTPREFIX ARGS...: runs weir; OUTPREFIX.out/.err/.rc
run_weir() {
	local pfx=$1
	shift
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" "$@" >"$pfx.out" 2>"$pfx.err"
	echo $? >"$pfx.rc"
}

# summary_value ERRFILE NAME [SECTION]: counter from weir's summary
# (the first occurrence, which is the workers' block unless SECTION names
# another header such as "port" or "emitter")
summary_value() {
	local file=$1 name=$2 section=${3:-workers}
	awk -v name="$name:" -v sec="$section" '
		/^ [a-z]/ { insec = (index($1, sec) == 1) }
		insec && $1 == name { print $2; exit }' "$file"
}

# accounting_ok ERRFILE: every identity in the summary holds: the packet
# and event ones, and one per sink (events = written + drop_*)
accounting_ok() {
	local n
	n=$(grep -c '^ accounting: .*: ok$' "$1")
	[ "$n" -ge 2 ] && ! grep -q '^ accounting: .*MISMATCH' "$1"
}

# alert_counts JSONFILE: "sid count" lines, sorted by sid, from EVE alerts;
# fails if any line is not valid JSON or not an alert
alert_counts() {
	python3 - "$1" <<'PY'
import json, sys, collections
c = collections.Counter()
with open(sys.argv[1], "rb") as f:
    for n, line in enumerate(f, 1):
        ev = json.loads(line)
        if ev.get("event_type") != "alert":
            sys.exit("%s:%d: not an alert" % (sys.argv[1], n))
        c[ev["alert"]["signature_id"]] += 1
for sid in sorted(c):
    print(sid, c[sid])
PY
}

# expected_counts TSVFILE: the same shape from a generator's expected file
expected_counts() {
	grep -v '^#' "$1" | awk -F'\t' 'NF >= 2 && $2 > 0 { print $1, $2 }' | sort -n
}

skip() {
	echo "    SKIP: $*"
	_cur_failed=77
}

run_all() {
	local t
	for t in $ALL_TESTS; do
		echo "--- $t"
		_cur_failed=0
		"$t"
		case $_cur_failed in
		0) _passed=$((_passed + 1)); echo "    ok" ;;
		77) _skipped=$((_skipped + 1)) ;;
		*) _failed=$((_failed + 1)) ;;
		esac
	done
	echo "$_passed passed, $_failed failed, $_skipped skipped"
	[ "$_failed" -eq 0 ] || exit 1
	[ "$_passed" -gt 0 ] || exit 77
	exit 0
}
