#!/usr/bin/env bash
# The dpdk capture driver on vdevs (no NIC, no hugepages): net_pcap replays
# known captures and must give exactly the expected alerts; net_null runs
# until SIGINT, which must drain and account for everything.
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/tests/data/sample.pcap
SAMPLE_EXP=$SRC/tests/data/sample.expected.tsv
SIGS=$SRC/rules/examples/sample.sigs
# Every DPDK process of a test runs in memory: no hugepages, no shared
# runtime files, so parallel tests never collide.
EAL=(--no-huge --no-shconf --no-pci -m 512 --file-prefix "weir-it-$$")

test_net_pcap_exact_alerts() {
	local n
	n=$("$PCAP_COUNT" "$SAMPLE" | cut -d' ' -f1)
	run_weir "$TMP/np" -S "$SIGS" -o "$TMP/np.json" -i net_pcap0 --count "$n" \
		--set capture.mempool-size=8191 -- "${EAL[@]}" --vdev "net_pcap0,rx_pcap=$SAMPLE"
	expect_eq "exit status" "$(cat "$TMP/np.rc")" 0 || { cat "$TMP/np.err"; return; }
	expect_eq "rx_packets" "$(summary_value "$TMP/np.err" rx_packets)" "$n"
	check "accounting" accounting_ok "$TMP/np.err"
	alert_counts "$TMP/np.json" >"$TMP/np.got"
	expected_counts "$SAMPLE_EXP" >"$TMP/np.want"
	check "alerts per signature_id via net_pcap" diff -u "$TMP/np.want" "$TMP/np.got"
	check "in_iface names the port" grep -q '"in_iface":"net_pcap0"' "$TMP/np.json"
}

test_net_pcap_generated_capture() {
	local n
	"$BUILD/perf/weir-gen" -n 3000 -s 99 -f 0.25 -R "$SIGS" -o "$TMP/g.pcap" -e "$TMP/g.tsv" \
		>/dev/null || { fail "weir-gen"; return; }
	n=$("$PCAP_COUNT" "$TMP/g.pcap" | cut -d' ' -f1)
	run_weir "$TMP/ng" -S "$SIGS" -o "$TMP/ng.json" -i net_pcap0 --count "$n" \
		--set capture.mempool-size=8191 -- "${EAL[@]}" --vdev "net_pcap0,rx_pcap=$TMP/g.pcap"
	expect_eq "exit status" "$(cat "$TMP/ng.rc")" 0 || { cat "$TMP/ng.err"; return; }
	check "accounting" accounting_ok "$TMP/ng.err"
	alert_counts "$TMP/ng.json" >"$TMP/ng.got"
	expected_counts "$TMP/g.tsv" >"$TMP/ng.want"
	check "alerts per signature_id via net_pcap" diff -u "$TMP/ng.want" "$TMP/ng.got"
}

# two_queues PFX RUNMODE: net_pcap with two rx_pcap files has two rx
# queues (a copy of the sample each) and no RSS: runmode auto takes the
# pipeline (the rx stage polls both queues and spreads flows), runmode
# workers gives worker i queue i (with a warning that flows are not
# spread). Either way every packet is matched once.
two_queues() {
	local pfx=$TMP/$1 n
	n=$("$PCAP_COUNT" "$SAMPLE" | cut -d' ' -f1)
	run_weir "$pfx" -S "$SIGS" -o "$pfx.json" -i net_pcap0 -w 2 --count $((2 * n)) \
		--set runmode="$2" --set capture.mempool-size=8191 --set outputs.weir-fields=true \
		-- "${EAL[@]}" \
		--vdev "net_pcap0,rx_pcap=$SAMPLE,rx_pcap=$SAMPLE"
	expect_eq "$2: exit status" "$(cat "$pfx.rc")" 0 || { cat "$pfx.err"; return; }
	expect_eq "$2: rx_packets" "$(summary_value "$pfx.err" rx_packets)" $((2 * n))
	check "$2: accounting" accounting_ok "$pfx.err"
	alert_counts "$pfx.json" >"$pfx.got"
	expected_counts "$SAMPLE_EXP" | awk '{ print $1, 2 * $2 }' >"$pfx.want"
	check "$2: alerts doubled over two workers" diff -u "$pfx.want" "$pfx.got"
	# weir.worker: the opt-in weir object (outputs.weir-fields)
	check "$2: both workers emitted" grep -q '"worker":1' "$pfx.json"
}

test_two_workers_two_queues() {
	two_queues w2 auto
	check "auto: no RSS means pipeline" grep -q 'runmode pipeline' "$TMP/w2.err"
	check "auto: the rx stage's identity" grep -q '^ accounting: rx stage: .*: ok$' "$TMP/w2.err"
	two_queues w2w workers
	check "workers: no pipeline" bash -c "! grep -q 'runmode pipeline' '$TMP/w2w.err'"
}

# Waits (bounded) until weir's stderr says it is running.
wait_running() {
	local i
	for i in $(seq 1 300); do
		grep -q '^weir: running' "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

test_sigint_drains_and_exits() {
	timeout -k 10 60 "$WEIR" -S "$SIGS" -o "$TMP/null.json" -i net_null0 -- "${EAL[@]}" \
		--vdev net_null0 >"$TMP/null.out" 2>"$TMP/null.err" &
	local pid=$!
	if ! wait_running "$TMP/null.err" "$pid"; then
		fail "weir did not start"; cat "$TMP/null.err"; kill -9 "$pid" 2>/dev/null; return
	fi
	kill -INT "$pid"
	wait "$pid"
	expect_eq "exit status after SIGINT" "$?" 0
	check "summary printed" grep -q '^weir: summary' "$TMP/null.err"
	check "accounting" accounting_ok "$TMP/null.err"
	[ "$(summary_value "$TMP/null.err" rx_packets)" -gt 0 ] || fail "no packets from net_null"
}

test_bad_eal_args_refused() {
	run_weir "$TMP/eal" -S "$SIGS" -i net_null0 -- --no-such-eal-option
	expect_eq "exit status" "$(cat "$TMP/eal.rc")" 2
	check "says EAL failed" grep -q "rte_eal_init failed" "$TMP/eal.err"
	run_weir "$TMP/noport" -S "$SIGS" -i net_nothere0 -- "${EAL[@]}"
	expect_eq "missing port exit status" "$(cat "$TMP/noport.rc")" 2
	check "names the port" grep -q "no ethdev port 'net_nothere0'" "$TMP/noport.err"
}

ALL_TESTS="test_net_pcap_exact_alerts test_net_pcap_generated_capture test_two_workers_two_queues test_sigint_drains_and_exits
test_bad_eal_args_refused"
run_all
