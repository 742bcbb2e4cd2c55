#!/usr/bin/env bash
# The afxdp capture driver on a veth pair between two network namespaces
# made here (unique names per run): weir attaches its XDP program to one
# end, tcpreplay plays a generated capture from the other. Shows the exact
# alerts, that traffic outside the capture filter still reaches the kernel
# (ping answered), that the block list drops and counts (also when changed
# at run time with SIGUSR2 and `weirctl reconfigure`), and that no XDP program is left on the
# interface after weir exits, or after kill -9 and a restart.
# Skips (77) only when not root or when the kernel has no veth/XDP.
. "$(dirname "$0")/lib.sh"

SIGS=$SRC/rules/examples/sample.sigs
NA=weir-xa-$$
NB=weir-xb-$$
A_IP=10.199.$(($$ % 200)).1
B_IP=10.199.$(($$ % 200)).2
netns_trap

# Fresh namespaces and veth for each test (lib.sh).
setup_ns() {
	netns_fresh && veth_pair xv0 "$A_IP" xv1 "$B_IP"
}

# Is any XDP program attached to xv0 (native or generic)?
xdp_attached() {
	ip -n "$NA" -d link show dev xv0 | grep -q 'prog/xdp'
}

# start_weir PFX ARGS...: weir in namespace A, in the background (WPID);
# waits (bounded) until it says it is running.
start_weir() {
	local pfx=$1
	shift
	ip netns exec "$NA" "$WEIR" -S "$SIGS" -i xv0 "$@" >"$pfx.out" 2>"$pfx.err" &
	WPID=$!
	wait_started "$pfx"
}

replay() {
	ip netns exec "$NB" timeout 60 tcpreplay -q -i xv1 --pps=20000 "$1" >/dev/null 2>&1
}

ping_ok() {
	ip netns exec "$NB" ping -c 1 -W 1 "$A_IP" >/dev/null 2>&1
}

test_exact_alerts() {
	local n
	setup_ns || { fail "namespace setup"; return; }
	"$BUILD/perf/weir-gen" -n 3000 -s 42 -f 0.25 -R "$SIGS" -o "$TMP/g.pcap" -e "$TMP/g.tsv" \
		>/dev/null || { fail "weir-gen"; return; }
	n=$("$PCAP_COUNT" "$TMP/g.pcap" | cut -d' ' -f1)
	start_weir "$TMP/ex" -o "$TMP/ex.json" --set capture.driver=afxdp --count "$n" || return
	check "XDP program attached while running" xdp_attached
	replay "$TMP/g.pcap" || fail "tcpreplay"
	stop_wpid # --count ends it
	expect_eq "exit status" "$rc" 0 || { cat "$TMP/ex.err"; return; }
	expect_eq "rx_packets" "$(summary_value "$TMP/ex.err" rx_packets)" "$n"
	expect_eq "xdp_redirect" "$(summary_value "$TMP/ex.err" xdp_redirect port)" "$n"
	check "accounting" accounting_ok "$TMP/ex.err"
	alert_counts "$TMP/ex.json" >"$TMP/ex.got"
	expected_counts "$TMP/g.tsv" >"$TMP/ex.want"
	check "alerts per signature_id via afxdp" diff -u "$TMP/ex.want" "$TMP/ex.got"
	check "in_iface names the interface" grep -q '"in_iface":"xv0"' "$TMP/ex.json"
	check "mode reported" grep -q '^  mode: .*xdp, \(copy\|zero-copy\)' "$TMP/ex.err"
	if xdp_attached; then fail "XDP program left on xv0 after exit"; fi
}

test_filter_passes_other_traffic() {
	setup_ns || { fail "namespace setup"; return; }
	start_weir "$TMP/fp" -o "$TMP/fp.json" --set capture.driver=afxdp \
		--set afxdp.filter.protocols=tcp --set afxdp.filter.dst-ports=80 \
		--set afxdp.filter.dst-ports=8000-8100 || return
	check "ping answered by the kernel while weir runs" poll ping_ok
	# a UDP datagram outside the filter reaches the kernel's socket too
	ip netns exec "$NA" timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9999)); s.settimeout(8)
d, a = s.recvfrom(100); s.sendto(d, a)' "$A_IP" &
	local echo_pid=$!
	check "udp echo answered while weir runs" poll \
		ip netns exec "$NB" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.3)
s.sendto(b"weir", (sys.argv[1], 9999)); sys.exit(s.recv(100) != b"weir")' "$A_IP"
	kill "$echo_pid" 2>/dev/null
	wait "$echo_pid" 2>/dev/null
	stop_wpid INT
	expect_eq "exit status" "$rc" 0 || { cat "$TMP/fp.err"; return; }
	expect_eq "nothing redirected" "$(summary_value "$TMP/fp.err" xdp_redirect port)" 0
	check "passed packets counted" [ "$(summary_value "$TMP/fp.err" xdp_pass_filter port)" -ge 2 ]
	if xdp_attached; then fail "XDP program left on xv0 after exit"; fi
}

test_blocklist_and_runtime_update() {
	local drops
	setup_ns || { fail "namespace setup"; return; }
	printf 'capture:\n  driver: afxdp\nafxdp:\n  blocklist: []\n' >"$TMP/bl.yaml"
	start_weir "$TMP/bl" -c "$TMP/bl.yaml" -o "$TMP/bl.json" --set ctl.socket="$TMP/bl.sock" || return
	check "ping answered before the block list" poll ping_ok
	printf 'capture:\n  driver: afxdp\nafxdp:\n  blocklist: ["%s/32", "2001:db8::/32"]\n' \
		"$B_IP" >"$TMP/bl.yaml"
	kill -USR2 "$WPID"
	check "SIGUSR2 applied the file" poll grep -q 'capture filter applied' "$TMP/bl.err"
	if ping_ok; then fail "block-listed source still answered"; fi
	if ip netns exec "$NB" ping -c 3 -i 0.2 -W 1 "$A_IP" >/dev/null 2>&1; then
		fail "block-listed source still answered"
	fi
	# the same through the stats socket: an empty block list again, and
	# weirctl reconfigure answers only once main applied it
	printf 'capture:\n  driver: afxdp\nafxdp:\n  blocklist: []\n' >"$TMP/bl.yaml"
	"${WEIRCTL_BIN:?}" --socket "$TMP/bl.sock" reconfigure >"$TMP/bl.rc.out" 2>&1
	expect_eq "weirctl reconfigure exit status" "$?" 0 || cat "$TMP/bl.rc.out"
	check "unblocked source answered again" ping_ok
	printf 'capture:\n  driver: afxdp\nafxdp:\n  blocklist: ["300.1.1.1/32"]\n' >"$TMP/bl.yaml"
	"${WEIRCTL_BIN:?}" --socket "$TMP/bl.sock" reconfigure >"$TMP/bl.rc2.out" 2>&1
	expect_eq "weirctl reconfigure of a bad file: exit status" "$?" 3 || cat "$TMP/bl.rc2.out"
	check "a refused file changes nothing" ping_ok
	stop_wpid INT
	expect_eq "exit status" "$rc" 0 || { cat "$TMP/bl.err"; return; }
	drops=$(summary_value "$TMP/bl.err" drop_xdp_blocklist port)
	check "block list drops counted (got ${drops:-none})" [ "${drops:-0}" -ge 4 ]
	check "program not reloaded: attached once" [ "$(grep -c 'attached in' "$TMP/bl.err")" = 1 ]
	if xdp_attached; then fail "XDP program left on xv0 after exit"; fi
}

test_kill9_then_restart_cleans_up() {
	setup_ns || { fail "namespace setup"; return; }
	start_weir "$TMP/k1" -o /dev/null --set capture.driver=afxdp || return
	kill -9 "$WPID"
	wait "$WPID" 2>/dev/null
	WPID=
	check "kill -9 leaves the program behind (what the restart must clean)" xdp_attached
	# capture.driver auto: xv0 is a kernel interface, so afxdp
	start_weir "$TMP/k2" -o /dev/null || return
	check "auto picked afxdp" grep -q '^weir: running: afxdp xv0' "$TMP/k2.err"
	check "stale program removed at start" grep -q 'removing stale weir_xdp' "$TMP/k2.err"
	check "ping answered" poll ping_ok
	stop_wpid TERM
	expect_eq "exit status" "$rc" 0 || { cat "$TMP/k2.err"; return; }
	if xdp_attached; then fail "XDP program left on xv0 after the restarted weir exited"; fi
	check "bpftool net shows no XDP" bash -c "! ip netns exec $NA bpftool net show dev xv0 | grep -q weir_xdp"
}

# --check-config parses afxdp.filter.* and afxdp.blocklist as the driver
# does at open, attaches nothing: a bad entry exits 1 naming key and reason.
test_check_config_validates_filter() {
	local out st key val
	setup_ns || { fail "namespace setup"; return; }
	out=$(ip netns exec "$NA" "$WEIR" -S "$SIGS" -i xv0 --set capture.driver=afxdp \
		--set afxdp.filter.protocols=tcp --set afxdp.filter.dst-ports=8000-8100 \
		--set afxdp.filter.src-prefixes=10.0.0.0/8 --set afxdp.blocklist=2001:db8::/32 \
		--check-config 2>&1)
	expect_eq "--check-config with a good afxdp filter" "$?" 0 || echo "$out"
	while read -r key val; do
		out=$(ip netns exec "$NA" "$WEIR" -S "$SIGS" -i xv0 --set capture.driver=afxdp \
			--set "$key=$val" --check-config 2>&1)
		st=$?
		expect_eq "--check-config $key=$val exit status" "$st" 1
		check "--check-config names $key and '$val'" \
			grep -qF "weir: $key: '$val' is not" <<<"$out"
	done <<'BAD'
afxdp.filter.protocols sctp
afxdp.filter.dst-ports 70000
afxdp.filter.dst-ports 90-80
afxdp.filter.src-prefixes 10.0.0.0/33
afxdp.filter.dst-prefixes fe80::zz/64
afxdp.blocklist 300.1.1.1
BAD
	if xdp_attached; then fail "--check-config attached an XDP program"; fi
}

need_afxdp
if ! setup_ns; then
	echo "SKIP: cannot make network namespaces with a veth pair"
	exit 77
fi

ALL_TESTS="test_exact_alerts test_filter_passes_other_traffic test_blocklist_and_runtime_update
test_kill9_then_restart_cleans_up test_check_config_validates_filter"
run_all
