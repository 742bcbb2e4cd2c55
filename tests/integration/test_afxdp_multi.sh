#!/usr/bin/env bash
# One weir capturing two interfaces at once with the afxdp driver
# (capture.interface: xv0,xw0). Two veth pairs between two network
# namespaces made here (unique names per run): weir attaches its XDP
# program to both ends in namespace A, tcpreplay plays a different
# generated capture into each from namespace B. Shows the exact alerts per
# interface (in_iface), each port's counters and the accounting, the stats
# socket's view of both ports, the pipeline run mode over both (auto on
# one-queue interfaces, and every queue bound when asked for), the block
# list applied to both on SIGUSR2,
# that neither interface keeps an XDP program after exit or after kill -9
# and a restart, and the refused configurations.
# Skips (77) only when not root or when the kernel has no veth/XDP.
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
SIGS=$SRC/rules/examples/sample.sigs
NA=weir-ma-$$
NB=weir-mb-$$
V_A=10.197.$(($$ % 200)).1 # xv0 (A) <-> xv1 (B)
V_B=10.197.$(($$ % 200)).2
W_A=10.196.$(($$ % 200)).1 # xw0 (A) <-> xw1 (B)
W_B=10.196.$(($$ % 200)).2
netns_trap

# Fresh namespaces and two veth pairs (QUEUES rx/tx queues each, default
# 1) for each test (lib.sh).
setup_ns() {
	local nq=${1:-1}
	netns_fresh && veth_pair xv0 "$V_A" xv1 "$V_B" "$nq" &&
		veth_pair xw0 "$W_A" xw1 "$W_B" "$nq"
}

# xdp_attached DEV: is any XDP program attached to DEV in A?
xdp_attached() {
	ip -n "$NA" -d link show dev "$1" | grep -q 'prog/xdp'
}

no_xdp_left() {
	local d
	for d in xv0 xw0; do
		if xdp_attached "$d"; then fail "XDP program left on $d after exit $1"; fi
	done
}

# start_weir PFX ARGS...: weir in namespace A on both interfaces, in the
# background (WPID); waits (bounded) until it says it is running.
start_weir() {
	local pfx=$1
	shift
	ip netns exec "$NA" "$WEIR" -S "$SIGS" -i xv0,xw0 --set "ctl.socket=$pfx.sock" "$@" \
		>"$pfx.out" 2>"$pfx.err" &
	WPID=$!
	wait_started "$pfx"
}

# replay DEV PCAP: from namespace B into DEV's peer
replay() {
	ip netns exec "$NB" timeout 60 tcpreplay -q -i "$1" --pps=20000 "$2" >/dev/null 2>&1
}

# ping_ok ADDR: answered from namespace B
ping_ok() {
	ip netns exec "$NB" ping -c 1 -W 1 "$1" >/dev/null 2>&1
}

# port_value ERRFILE PORT NAME: counter NAME of the summary's " port PORT:" block
port_value() {
	awk -v hdr=" port $2:" -v name="$3:" '
		/^ [a-z]/ { insec = ($0 == hdr) }
		insec && $1 == name { print $2; exit }' "$1"
}

# ports_json PFX: the stats socket's port view into PFX.ports
ports_json() {
	"$WEIRCTL" --socket "$1.sock" --json ports >"$1.ports" 2>/dev/null
}

# iface_alert_counts JSONFILE IFACE: "sid count" of the alerts seen on IFACE
iface_alert_counts() {
	python3 - "$1" "$2" <<'PY'
import json, sys, collections
c = collections.Counter()
with open(sys.argv[1], "rb") as f:
    for line in f:
        ev = json.loads(line)
        if ev.get("in_iface") == sys.argv[2]:
            c[ev["alert"]["signature_id"]] += 1
for sid in sorted(c):
    print(sid, c[sid])
PY
}

# gen NAME SEED COUNT: a capture and its expected alerts in $TMP; prints
# the packet count
gen() {
	"$BUILD/perf/weir-gen" -n "$3" -s "$2" -f 0.25 -R "$SIGS" -o "$TMP/$1.pcap" \
		-e "$TMP/$1.tsv" >/dev/null || return 1
	"$PCAP_COUNT" "$TMP/$1.pcap" | cut -d' ' -f1
}

# two_ifaces WORKERS QUEUES PFX: weir -w WORKERS on xv0,xw0 (QUEUES veth
# queues each, QUEUES >= WORKERS: every interface gets a queue per worker);
# a different capture into each; exact alerts per interface, counters per
# port, the stats socket's port view.
two_ifaces() {
	local w=$1 nq=$2 pfx=$TMP/$3 n1 n2
	shift 3
	setup_ns "$nq" || { fail "namespace setup"; return; }
	n1=$(gen g1 42 3000) || { fail "weir-gen"; return; }
	n2=$(gen g2 7 2000) || { fail "weir-gen"; return; }
	start_weir "$pfx" -o "$pfx.json" --set capture.driver=afxdp -w "$w" \
		--count $((n1 + n2)) --set outputs.weir-fields=true "$@" || return
	check "XDP program attached to xv0 while running" xdp_attached xv0
	check "XDP program attached to xw0 while running" xdp_attached xw0
	check "running line names both" grep -q "^weir: running: afxdp xv0,xw0, $w worker" \
		"$pfx.err"
	# the stats socket sees both ports, each with its queues and workers
	# (worker i polls queue i of every port)
	check "weirctl ports" poll ports_json "$pfx"
	check "ports view: both ports, queue i to worker i" python3 - "$pfx.ports" "$w" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
w = int(sys.argv[2])
ports = j["ports"]
assert [p["name"] for p in ports] == ["xv0", "xw0"], ports
assert [p["index"] for p in ports] == [0, 1], ports
for p in ports:
    got = sorted((q["worker"], q["queue"]) for q in p["queues"])
    want = [(i, i) for i in range(w)]
    assert got == want, (p["name"], got, want)
PY
	replay xv1 "$TMP/g1.pcap" || fail "tcpreplay into xv0"
	replay xw1 "$TMP/g2.pcap" || fail "tcpreplay into xw0"
	stop_wpid # --count ends it
	expect_eq "exit status" "$rc" 0 || { cat "$pfx.err"; return; }
	check "summary names both" grep -q "^weir: summary: afxdp xv0,xw0, $w worker" "$pfx.err"
	expect_eq "workers' rx_packets" "$(summary_value "$pfx.err" rx_packets)" $((n1 + n2))
	expect_eq "xv0 rx_packets" "$(port_value "$pfx.err" xv0 rx_packets)" "$n1"
	expect_eq "xw0 rx_packets" "$(port_value "$pfx.err" xw0 rx_packets)" "$n2"
	expect_eq "xv0 xdp_redirect" "$(port_value "$pfx.err" xv0 xdp_redirect)" "$n1"
	expect_eq "xw0 xdp_redirect" "$(port_value "$pfx.err" xw0 xdp_redirect)" "$n2"
	check "mode reported for both" [ "$(grep -c '^  mode: .*xdp, \(copy\|zero-copy\)' "$pfx.err")" = 2 ]
	check "accounting" accounting_ok "$pfx.err"
	expect_eq "per-port accounting lines" \
		"$(grep -c '^ accounting: port xv0: \| accounting: port xw0: ' "$pfx.err")" 2
	iface_alert_counts "$pfx.json" xv0 >"$pfx.got1"
	iface_alert_counts "$pfx.json" xw0 >"$pfx.got2"
	expected_counts "$TMP/g1.tsv" >"$pfx.want1"
	expected_counts "$TMP/g2.tsv" >"$pfx.want2"
	check "alerts on xv0 (in_iface xv0)" diff -u "$pfx.want1" "$pfx.got1"
	check "alerts on xw0 (in_iface xw0)" diff -u "$pfx.want2" "$pfx.got2"
	alert_counts "$pfx.json" >/dev/null || fail "an output line is not an alert"
	check "weir.port is the interface's index, weir.worker one of the workers" \
		python3 - "$pfx.json" "$w" <<'PY'
import json, sys
for line in open(sys.argv[1], "rb"):
    ev = json.loads(line)
    p = {"xv0": 0, "xw0": 1}[ev["in_iface"]]
    assert ev["weir"]["port"] == p and 0 <= ev["weir"]["worker"] < int(sys.argv[2]), ev
PY
	expect_eq "every alert is on one of the two" \
		"$(grep -vc '"in_iface":"x[vw]0"' "$pfx.json")" 0
	no_xdp_left
}

test_two_interfaces_one_worker() {
	two_ifaces 1 1 t1
}

# Two queues per interface: the veths get 2 rx queues; whichever queue
# the kernel picks, a socket is bound to it, and worker i polls queue i of
# both interfaces.
test_two_interfaces_two_workers() {
	two_ifaces 2 2 t2
}

# pipeline_checks PFX: the rx stage took every packet and handed it on,
# and both workers got flows
pipeline_checks() {
	check "runmode pipeline" grep -q '^weir: running: afxdp xv0,xw0, 2 workers (runmode pipeline)' \
		"$1.err"
	check "rx stage identity" grep -q '^ accounting: rx stage: .*: ok$' "$1.err"
	expect_eq "drop_dispatch_full" "$(summary_value "$1.err" drop_dispatch_full "rx")" 0
	check "both workers emitted" grep -q '"worker":1' "$1.json"
	check "both workers emitted" grep -q '"worker":0' "$1.json"
}

# Two workers on interfaces of one queue each: run mode auto binds the one
# queue each has and takes the pipeline (it used to fail to open).
test_two_interfaces_pipeline_fallback() {
	two_ifaces 2 1 p1
	check "says why" grep -q 'port xv0 has 1 rx queue for 2 workers: run mode pipeline' "$TMP/p1.err"
	pipeline_checks "$TMP/p1"
}

# Run mode pipeline on interfaces of two queues: every queue gets a socket
# (one only would leave what RSS puts on the other to the kernel, unseen),
# the rx stage polls all four.
test_pipeline_binds_every_queue() {
	two_ifaces 2 2 p2 --set runmode=pipeline
	check "xv0: both queues bound" grep -q 'afxdp: xv0: 2 queues' "$TMP/p2.err"
	check "xw0: both queues bound" grep -q 'afxdp: xw0: 2 queues' "$TMP/p2.err"
	pipeline_checks "$TMP/p2"
}

test_sigusr2_updates_every_interface() {
	local d
	setup_ns || { fail "namespace setup"; return; }
	# 1-queue veths: one worker, polling queue 0 of both
	printf 'capture:\n  driver: afxdp\nworkers: 1\nafxdp:\n  blocklist: []\n' >"$TMP/bl.yaml"
	start_weir "$TMP/bl" -c "$TMP/bl.yaml" -o "$TMP/bl.json" || return
	check "xv0 ping answered before the block list" poll ping_ok "$V_A"
	check "xw0 ping answered before the block list" poll ping_ok "$W_A"
	printf 'capture:\n  driver: afxdp\nworkers: 1\nafxdp:\n  blocklist: ["%s/32", "%s/32"]\n' \
		"$V_B" "$W_B" >"$TMP/bl.yaml"
	kill -USR2 "$WPID"
	check "SIGUSR2 applied the file to both" poll \
		grep -q 'capture filter applied to xv0,xw0' "$TMP/bl.err"
	check "xv0 filter updated" grep -q 'afxdp: xv0: filter updated' "$TMP/bl.err"
	check "xw0 filter updated" grep -q 'afxdp: xw0: filter updated' "$TMP/bl.err"
	if ip netns exec "$NB" ping -c 3 -i 0.2 -W 1 "$V_A" >/dev/null 2>&1; then
		fail "block-listed source still answered on xv0"
	fi
	if ip netns exec "$NB" ping -c 3 -i 0.2 -W 1 "$W_A" >/dev/null 2>&1; then
		fail "block-listed source still answered on xw0"
	fi
	stop_wpid INT
	expect_eq "exit status" "$rc" 0 || { cat "$TMP/bl.err"; return; }
	for d in xv0 xw0; do
		local drops
		drops=$(port_value "$TMP/bl.err" "$d" drop_xdp_blocklist)
		check "$d block list drops counted (got ${drops:-none})" [ "${drops:-0}" -ge 3 ]
	done
	check "program not reloaded: attached once per interface" \
		[ "$(grep -c 'attached in' "$TMP/bl.err")" = 2 ]
	no_xdp_left
}

test_kill9_then_restart_cleans_both() {
	setup_ns || { fail "namespace setup"; return; }
	start_weir "$TMP/k1" -o /dev/null --set capture.driver=afxdp -w 1 || return
	kill -9 "$WPID"
	wait "$WPID" 2>/dev/null
	WPID=
	check "kill -9 leaves xv0's program behind" xdp_attached xv0
	check "kill -9 leaves xw0's program behind" xdp_attached xw0
	# capture.driver auto: both are kernel interfaces, so afxdp
	start_weir "$TMP/k2" -o /dev/null -w 1 || return
	check "auto picked afxdp" grep -q '^weir: running: afxdp xv0,xw0' "$TMP/k2.err"
	check "stale program removed from xv0" grep -q 'afxdp: xv0: removing stale weir_xdp' \
		"$TMP/k2.err"
	check "stale program removed from xw0" grep -q 'afxdp: xw0: removing stale weir_xdp' \
		"$TMP/k2.err"
	check "xv0 ping answered" poll ping_ok "$V_A"
	check "xw0 ping answered" poll ping_ok "$W_A"
	stop_wpid TERM
	expect_eq "exit status" "$rc" 0 || { cat "$TMP/k2.err"; return; }
	no_xdp_left "of the restarted weir"
}

# The second interface cannot be opened: the first one's program is
# detached again before weir exits.
test_open_failure_detaches_the_first() {
	setup_ns || { fail "namespace setup"; return; }
	ip netns exec "$NA" timeout 60 "$WEIR" -S "$SIGS" -i xv0,nosuch0 -w 1 -o /dev/null \
		--set capture.driver=afxdp --set "ctl.socket=$TMP/of.sock" >/dev/null 2>"$TMP/of.err"
	rc=$?
	check "exit status not 0 (got $rc)" [ "$rc" -ne 0 ]
	check "says which interface" grep -q "cannot open afxdp port 'nosuch0'" "$TMP/of.err"
	check "xv0 was attached first" grep -q 'afxdp: xv0: weir_xdp attached' "$TMP/of.err"
	no_xdp_left "of a run that could not open its second interface"
}

test_refusals() {
	local out
	setup_ns || { fail "namespace setup"; return; }
	# refused before EAL or any port: the exit status is 1 and nothing
	# gets attached
	ip netns exec "$NA" timeout 60 "$WEIR" -S "$SIGS" -i xv0,xw0 -o /dev/null \
		--set capture.driver=pcap -r "$SRC/tests/data/sample.pcap" >/dev/null 2>"$TMP/r1.err"
	expect_eq "pcap with a list: exit status" "$?" 1
	check "pcap with a list: not supported" \
		grep -q 'several interfaces are not supported with the pcap driver' "$TMP/r1.err"
	# workers need not be a multiple of the interfaces any more; each
	# interface needs a queue per worker (these veths have one)
	ip netns exec "$NA" timeout 60 "$WEIR" -S "$SIGS" -i xv0,xw0 -w 3 -o /dev/null \
		--set capture.driver=afxdp --set runmode=workers >/dev/null 2>"$TMP/r2.err"
	expect_eq "3 workers, 1-queue interfaces: exit status" "$?" 1
	check "3 workers, 1-queue interfaces: names the port" \
		grep -q "cannot open afxdp port 'xv0'" "$TMP/r2.err"
	check "3 workers, 1-queue interfaces: says why" \
		grep -q "afxdp: xv0 has 1 rx queue, 3 workers asked for one each (runmode workers" \
		"$TMP/r2.err"
	check "3 workers, 1-queue interfaces: refused before attaching" \
		bash -c "! grep -q 'attached in' '$TMP/r2.err'"
	ip netns exec "$NA" timeout 60 "$WEIR" -S "$SIGS" -i xv0,,xw0 -w 2 -o /dev/null \
		>/dev/null 2>"$TMP/r4.err"
	expect_eq "empty name: exit status" "$?" 1
	ip netns exec "$NA" timeout 60 "$WEIR" -S "$SIGS" -i xv0,xv0 -w 2 -o /dev/null \
		>/dev/null 2>"$TMP/r5.err"
	expect_eq "name twice: exit status" "$?" 1
	check "name twice: says so" grep -q "'xv0' listed twice" "$TMP/r5.err"
	out=$("$WEIR" -S "$SIGS" -i xv0,xw0 -w 2 --set capture.driver=pcap -r "$SRC/tests/data/sample.pcap" \
		--check-config 2>&1)
	expect_eq "--check-config refuses a list for pcap" "$?" 1
	no_xdp_left "of refused runs"
	: "$out"
}

need_afxdp
if ! setup_ns; then
	echo "SKIP: cannot make network namespaces with two veth pairs"
	exit 77
fi

ALL_TESTS="test_two_interfaces_one_worker test_two_interfaces_two_workers
test_two_interfaces_pipeline_fallback test_pipeline_binds_every_queue
test_sigusr2_updates_every_interface test_kill9_then_restart_cleans_both
test_open_failure_detaches_the_first test_refusals"
run_all
