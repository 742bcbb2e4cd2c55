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
	eve_check "$pfx" "$@"
}

# eve_check OUTPREFIX ARGS...: every EVE line the run wrote (its -o FILE,
# else its stdout) holds to Suricata's EVE schema (eve_schema.py). weir's
# own "weir" object is set aside only when the run turned it on
# (outputs.weir-fields=true in ARGS). A run that wrote no events, or whose
# output is not a regular file, has nothing to check. Without
# python3-jsonschema or the schema it is skipped, except under CI=true.
EVE_SCHEMA=$DATA/eve/suricata/schema.json
eve_check() {
	local pfx=$1 out prev="" a wf=()
	shift
	out=$pfx.out
	for a in "$@"; do
		[ "$prev" = "-o" ] && out=$a
		[ "$a" = "outputs.weir-fields=true" ] && wf=(--weir-fields)
		prev=$a
	done
	[ "$out" = "-" ] && out=$pfx.out
	[ -f "$out" ] && [ -s "$out" ] || return 0
	grep -q '^{"timestamp"' "$out" || return 0
	if [ ! -f "$EVE_SCHEMA" ] || ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		[ "${CI:-}" = true ] && fail "EVE schema check: no schema or python3-jsonschema"
		return 0
	fi
	# lines cut by a stop signal mid-write are not this check's business
	grep '^{"timestamp".*}$' "$out" >"$pfx.eve" || return 0
	if ! /usr/bin/python3 "$SRC/tests/integration/eve_schema.py" "${wf[@]}" "$EVE_SCHEMA" \
		"$pfx.eve" >"$pfx.schema" 2>&1; then
		fail "$(basename "$pfx"): EVE output fails Suricata's schema: $(head -3 "$pfx.schema")"
	fi
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

# skip WHY: the current test is skipped (77), unless it already failed
skip() {
	echo "    SKIP: $*"
	[ "$_cur_failed" -ne 0 ] || _cur_failed=77
}

# need_data PATH...: skip the current test unless every PATH (shared data,
# DATA) is there, so absent data never passes; returns 1 when skipped
need_data() {
	local p
	for p in "$@"; do
		if [ ! -e "$p" ]; then
			skip "missing $p (set WEIR_SHARED_DATA)"
			return 1
		fi
	done
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

# ---- network namespaces, veth pairs and a weir in the background --------
# For the afxdp tests and perf/bench_afxdp.sh. The caller names the two
# namespaces (unique per run): NA holds weir's end of each veth pair, NB
# the sender's. A background weir's pid is WPID.

# need_afxdp: exit 77 (skip) unless root and weir was built with afxdp
need_afxdp() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root (network namespaces, XDP)"
		exit 77
	fi
	if ! "$WEIR" --help | grep 'afxdp.mode' >/dev/null; then
		echo "SKIP: weir built without afxdp"
		exit 77
	fi
}

# netns_cleanup: delete NA and NB, if they exist
netns_cleanup() {
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	return 0
}

# netns_trap: from now on, the script's exit kills the background weir
# (WPID), deletes NA and NB, and removes TMP
netns_trap() {
	WPID=
	trap '[ -z "$WPID" ] || kill -9 "$WPID" 2>/dev/null; netns_cleanup; rm -rf "$TMP"' EXIT
}

# netns_fresh: NA and NB made anew, with IPv6 off so that the kernel's
# own neighbour discovery never lands in a packet count
netns_fresh() {
	netns_cleanup
	ip netns add "$NA" && ip netns add "$NB" || return 1
	ip netns exec "$NA" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$NB" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	return 0
}

# veth_pair DEV_A ADDR_A DEV_B ADDR_B [QUEUES]: a veth pair, DEV_A in NA
# and DEV_B in NB, both up, each with ADDR/24 unless ADDR is empty, and
# QUEUES rx and tx queues per end (default: the kernel's, one)
veth_pair() {
	local a=$1 a_ip=$2 b=$3 b_ip=$4 q=()
	[ -n "${5:-}" ] && q=(numtxqueues "$5" numrxqueues "$5")
	ip link add "$a" netns "$NA" "${q[@]}" type veth peer name "$b" netns "$NB" "${q[@]}" ||
		return 1
	[ -z "$a_ip" ] || ip -n "$NA" addr add "$a_ip/24" dev "$a" || return 1
	[ -z "$b_ip" ] || ip -n "$NB" addr add "$b_ip/24" dev "$b" || return 1
	ip -n "$NA" link set "$a" up && ip -n "$NB" link set "$b" up
}

# wait_started PFX: after starting weir in the background (WPID, stderr in
# PFX.err), wait at most 30 s until it says it is running; on failure
# kill it and clear WPID
wait_started() {
	local i
	for i in $(seq 1 300); do
		grep -q '^weir: running' "$1.err" && return 0
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.1
	done
	fail "weir did not start"
	cat "$1.err"
	kill -9 "$WPID" 2>/dev/null
	WPID=
	return 1
}

# stop_wpid [SIGNAL]: signal weir (WPID; default none: it ends by itself
# on --count) and wait at most 60 s for it; the exit status is in $rc
stop_wpid() {
	local sig=${1:-} i
	[ -n "$sig" ] && kill "-$sig" "$WPID"
	for i in $(seq 1 600); do
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$WPID" 2>/dev/null; then
		fail "weir still running after 60 s"
		kill -9 "$WPID"
	fi
	wait "$WPID"
	rc=$?
	WPID=
}

# poll COND...: run COND every 0.1 s until it succeeds, at most 10 s
poll() {
	local i
	for i in $(seq 1 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
