#!/usr/bin/env bash
# The stats socket, weirctl, DPDK telemetry and Prometheus /metrics on a
# running weir: offline with --keep-alive and the dpdk driver on net_pcap
# (infinite_rx=0: it stays up after the file) must report exactly the known
# traffic (packets, alerts, hits per sid), keep the accounting identity,
# reload its rules (a broken file: exit 3, every error, old rules stay;
# a good one: a new generation whose sids are the ones hit), and survive
# misbehaving clients
# while net_null keeps the data path counting.
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
WEIR_LISTS=${WEIR_LISTS:?}
CLIENT="python3 $(dirname "$0")/ctl_client.py"
SAMPLE=$SRC/tests/data/sample.pcap
SAMPLE_EXP=$SRC/tests/data/sample.expected.tsv
SIGS=$SRC/rules/examples/sample.sigs
EAL=(--no-huge --no-shconf --no-pci -m 512)

# summary_identities_ok ERRFILE: every accounting line of the summary says ok
summary_identities_ok() {
	[ "$(grep -c '^ accounting: .*: ok$' "$1")" -ge 2 ] && ! grep -q 'MISMATCH' "$1"
}

# start_weir NAME ARGS...: weir in the background, stats socket $TMP/NAME.sock
start_weir() {
	local name=$1
	shift
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" --set "ctl.socket=$TMP/$name.sock" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	WEIR_PID=$!
}

# wait_socket NAME: bounded wait until the socket answers
wait_socket() {
	local i
	for i in $(seq 1 300); do
		"$WEIRCTL" --socket "$TMP/$1.sock" version >/dev/null 2>&1 && return 0
		kill -0 "$WEIR_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait_rx NAME N: bounded wait until the workers counted N packets
wait_rx() {
	local i rx
	for i in $(seq 1 300); do
		rx=$("$WEIRCTL" --socket "$TMP/$1.sock" --json stats 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["accounting"]["received"])')
		[ "${rx:-0}" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# stop_weir NAME: weirctl shutdown, then weir must exit 0 within 30 s
stop_weir() {
	local i
	"$WEIRCTL" --socket "$TMP/$1.sock" shutdown >/dev/null || fail "weirctl shutdown"
	for i in $(seq 1 300); do
		kill -0 "$WEIR_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$WEIR_PID" 2>/dev/null; then
		fail "weir still running after shutdown"
		kill -9 "$WEIR_PID"
	fi
	wait "$WEIR_PID"
	expect_eq "weir exit status after shutdown" "$?" 0
	check "summary printed" grep -q '^weir: summary' "$TMP/$1.err"
	[ ! -e "$TMP/$1.sock" ] || fail "socket left behind"
}

# check_known_traffic NAME: stats/rules against the sample's known values
check_known_traffic() {
	local n
	n=$("$PCAP_COUNT" "$SAMPLE" | cut -d' ' -f1)
	"$WEIRCTL" --socket "$TMP/$1.sock" --json stats >"$TMP/$1.stats.json" ||
		{ fail "weirctl --json stats"; return; }
	"$WEIRCTL" --socket "$TMP/$1.sock" --json rules --top 1000 >"$TMP/$1.rules.json" ||
		{ fail "weirctl --json rules"; return; }
	# the library named must be the one its version says: Hyperscan's
	# releases end at 5.4.2, Vectorscan's begin at 5.4.9
	"$WEIRCTL" --socket "$TMP/$1.sock" version >"$TMP/$1.version" || fail "weirctl version"
	check "weirctl version names the regex library by its version" python3 -c '
import re, sys
m = re.search(r"\((DPDK [^,]+), (Hyperscan|Vectorscan) (\d+)\.(\d+)\.(\d+)", open(sys.argv[1]).read())
assert m, "no library in the version line"
vs = (int(m[3]), int(m[4]), int(m[5])) >= (5, 4, 9)
assert (m[2] == "Vectorscan") == vs, m[0]
' "$TMP/$1.version"
	expected_counts "$SAMPLE_EXP" >"$TMP/$1.want"
	python3 - "$TMP/$1.stats.json" "$TMP/$1.rules.json" "$n" "$TMP/$1.want" \
		>"$TMP/$1.check" 2>&1 <<'PY' || { fail "values against known traffic"; cat "$TMP/$1.check"; }
import json, sys
st = json.load(open(sys.argv[1])); ru = json.load(open(sys.argv[2]))
n = int(sys.argv[3])
want = {int(a): int(b) for a, b in (l.split() for l in open(sys.argv[4]))}
assert st["schema_version"] == 1 and st["ok"] is True and st["command"] == "stats"
acc = st["accounting"]
assert acc["received"] == n, (acc, n)
assert acc["packets_ok"] and acc["unaccounted"] == 0, acc
assert acc["received"] == acc["processed"] + acc["dropped"], acc
assert acc["events_ok"] and acc["events_in_flight"] == 0, acc
assert acc["alerts"] == sum(want.values()), (acc, want)
w = st["workers"]
assert w["rx_packets"] == n and w["busy_cycles"] > 0, w
assert sum(q["rx_packets"] for p in st["ports"] for q in p["queues"]) == n
assert st["emitter"]["written"] == acc["alerts"], st["emitter"]
assert st["latency"]["since_start"]["count"] == acc["alerts"], st["latency"]
lat = st["latency"]["since_start"]
assert 0 < lat["p50_us"] <= lat["p90_us"] <= lat["p99_us"] <= lat["p99_9_us"] <= lat["max_us"]
# the stages split each event's time exactly: worker + ring + emitter = total
stg = st["latency"]["stages"]
for k in ("worker", "ring", "emitter"):
    assert stg[k]["count"] == acc["alerts"], (k, stg[k], acc)
    assert stg[k]["max_us"] <= lat["max_us"], (k, stg[k], lat)
parts = sum(stg[k]["mean_us"] for k in ("worker", "ring", "emitter"))
assert abs(parts - lat["mean_us"]) <= 1e-3 * max(1.0, lat["mean_us"]), (parts, lat)
assert [x["name"] for x in stg["sinks"]] == [x["name"] for x in st["sinks"]], stg["sinks"]
assert all(x["count"] <= acc["alerts"] for x in stg["sinks"]), stg["sinks"]
assert all(r["high_water"] >= 1 for r in st["rings"]), st["rings"]
got = {r["sid"]: r["hits"] for r in ru["rules"] if r["hits"] > 0}
assert got == want, (got, want)
assert ru["hits_total"] == acc["alerts"]
hits = [r["hits"] for r in ru["rules"]]
assert hits == sorted(hits, reverse=True)
PY
}

# check_lists NAME: every row of every list (printed by weir_lists from
# common/counters.h and common/ctl_cmds.h) in weirctl's tables and help,
# and every command served where its role says
check_lists() {
	local sock=$TMP/$1.sock list name role
	"$WEIR_LISTS" >"$TMP/$1.lists" || { fail "weir_lists"; return; }
	"$WEIRCTL" --socket "$sock" stats >"$TMP/$1.lst.stats" || fail "weirctl stats"
	"$WEIRCTL" --socket "$sock" ports >"$TMP/$1.lst.ports" || fail "weirctl ports"
	"$WEIRCTL" --socket "$sock" sinks >"$TMP/$1.lst.sinks" || fail "weirctl sinks"
	"$WEIRCTL" --socket "$sock" latency >"$TMP/$1.lst.latency" || fail "weirctl latency"
	"$WEIRCTL" --socket "$sock" help >"$TMP/$1.lst.help" || fail "weirctl help"
	"$WEIRCTL" --help >"$TMP/$1.lst.usage" || fail "weirctl --help"
	"$WEIRCTL" --socket "$sock" --json stats >"$TMP/$1.lst.json" || fail "weirctl --json stats"
	while read -r list name role; do
		case $list in
		port)
			check "weirctl ports shows $name" grep -qw -- "$name" "$TMP/$1.lst.ports"
			check "weirctl stats shows port $name" grep -qw -- "$name" "$TMP/$1.lst.stats" ;;
		sink)
			check "weirctl sinks shows $name" grep -q "^$name " "$TMP/$1.lst.sinks"
			check "weirctl stats shows sink $name" grep -q "^$name " "$TMP/$1.lst.stats"
			check "stats socket sends sink $name" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert j["sinks"] and all(sys.argv[2] in s for s in j["sinks"])' "$TMP/$1.lst.json" "$name" ;;
		worker | emitter | rx_stage)
			check "weirctl stats shows $list $name" grep -q "^  $name " "$TMP/$1.lst.stats"
			check "stats socket sends $list $name" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert sys.argv[3] in j[{"worker": "workers"}.get(sys.argv[2], sys.argv[2])]' "$TMP/$1.lst.json" "$list" "$name" ;;
		percentile)
			check "weirctl latency shows $name" grep -qw -- "${name//_/.}" "$TMP/$1.lst.latency" ;;
		command)
			check "weirctl --help lists $name" grep -q "^  $name " "$TMP/$1.lst.usage"
			if [ "$role" = CLIENT ]; then
				check "weir does not serve $name" bash -c "! grep -q '^  $name ' '$TMP/$1.lst.help'"
			else
				check "weir serves $name" grep -q "^  $name " "$TMP/$1.lst.help"
			fi ;;
		esac
	done <"$TMP/$1.lists"
}

test_offline_keep_alive() {
	cp "$SIGS" "$TMP/off.sigs"
	start_weir off -r "$SAMPLE" -S "$TMP/off.sigs" -o "$TMP/off.json" --keep-alive
	wait_socket off || { fail "socket never answered"; cat "$TMP/off.err"; kill -9 "$WEIR_PID"; return; }
	wait_rx off "$("$PCAP_COUNT" "$SAMPLE" | cut -d' ' -f1)" || fail "rx never reached the file's count"
	expect_eq "socket mode" "$(stat -c %a "$TMP/off.sock")" 660
	check_known_traffic off
	check_lists off
	"$WEIRCTL" --socket "$TMP/off.sock" stats >"$TMP/off.table" || fail "weirctl stats exit"
	check "stats table shows the identity" grep -q 'received 400 = processed 400 + dropped 0: ok' "$TMP/off.table"
	check "stats table shows latency" grep -q '^  since_start ' "$TMP/off.table"
	# reload of a broken file: weirctl exits 3 and names each bad line;
	# the raw reply is an error object; the running rules stay
	printf '9001:/ok/\n9002:/(unclosed/\nnot a rule\n' >"$TMP/off.sigs"
	"$WEIRCTL" --socket "$TMP/off.sock" reload >/dev/null 2>"$TMP/off.reload"
	expect_eq "weirctl reload (broken file) exit status" "$?" 3
	check "reload names line 2" grep -q "off.sigs:2:" "$TMP/off.reload"
	check "reload names line 3" grep -q "off.sigs:3:" "$TMP/off.reload"
	$CLIENT "$TMP/off.sock" request '{"command":"reload"}' >"$TMP/off.reload.raw"
	check "raw reload is an error object" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert j["ok"] is False and "stay in force" in j["error"] and j["schema_version"] == 1
assert j["generation"] == 1 and len(j["errors"]) == 2' "$TMP/off.reload.raw"
	# a good file: a new generation, its rules in force (no traffic left
	# in the file, so no hits: the set is what changed)
	# but two rules where many ran lose more than rules.reload-max-loss
	# (50 %): refused (exit 3, the reason named) until forced
	printf '9001:/ok/\n9003:/xyz/\n' >"$TMP/off.sigs"
	"$WEIRCTL" --socket "$TMP/off.sock" reload >/dev/null 2>"$TMP/off.reload.loss"
	expect_eq "weirctl reload (losing most rules) exit status" "$?" 3
	check "loss refusal names the counts" grep -q "has 2 rules, [0-9]* fewer than the running [0-9]" "$TMP/off.reload.loss"
	"$WEIRCTL" --socket "$TMP/off.sock" reload --force >"$TMP/off.reload.ok" || fail "weirctl reload --force of a good file"
	check "reload reports generation 2" grep -q "generation 2" "$TMP/off.reload.ok"
	check "reload says it was forced" grep -q "^forced" "$TMP/off.reload.ok"
	$CLIENT "$TMP/off.sock" request '{"command":"rules"}' >"$TMP/off.rules2.raw"
	check "rules after reload are the new file's" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert j["generation"] == 2 and sorted(r["sid"] for r in j["rules"]) == [9001, 9003], j' "$TMP/off.rules2.raw"
	"$WEIRCTL" --socket "$TMP/off.sock" reopen >/dev/null || fail "weirctl reopen"
	"$WEIRCTL" --socket "$TMP/off.sock" top --iterations 2 >"$TMP/off.top" || fail "weirctl top"
	expect_eq "top printed two frames" "$(grep -c '^weir top' "$TMP/off.top")" 2
	check "no ANSI codes when stdout is not a tty" bash -c "! grep -q $'\e' '$TMP/off.top'"
	stop_weir off
	check "summary accounting" summary_identities_ok "$TMP/off.err"
}

test_offline_without_keep_alive_has_no_socket() {
	run_weir "$TMP/nk" -r "$SAMPLE" -S "$SIGS" -o "$TMP/nk.json" --set "ctl.socket=$TMP/nk.sock"
	expect_eq "exit status" "$(cat "$TMP/nk.rc")" 0
	[ ! -e "$TMP/nk.sock" ] || fail "offline run without --keep-alive left a socket"
	run_weir "$TMP/bm" -r "$SAMPLE" -S "$SIGS" --set ctl.mode=0999
	expect_eq "bad ctl.mode refused" "$(cat "$TMP/bm.rc")" 1
	check "names the key" grep -q 'ctl.mode' "$TMP/bm.err"
}

test_weirctl_exit_codes() {
	"$WEIRCTL" --socket "$TMP/nothere.sock" stats >/dev/null 2>&1
	expect_eq "cannot connect" "$?" 2
	"$WEIRCTL" >/dev/null 2>&1
	expect_eq "no command" "$?" 1
	"$WEIRCTL" --socket "$TMP/nothere.sock" frobnicate >/dev/null 2>&1
	expect_eq "unknown command" "$?" 1
	"$WEIRCTL" --socket "$TMP/nothere.sock" rules --top 0 >/dev/null 2>&1
	expect_eq "bad option" "$?" 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

test_dpdk_net_pcap_telemetry_metrics() {
	local prefix="weir-ctl-$$" port
	port=$(free_port)
	start_weir np -S "$SIGS" -o "$TMP/np.json" -i net_pcap0 \
		--set capture.mempool-size=8191 --set "metrics.listen=127.0.0.1:$port" -- \
		"${EAL[@]}" --file-prefix "$prefix" --vdev "net_pcap0,rx_pcap=$SAMPLE,infinite_rx=0"
	wait_socket np || { fail "socket never answered"; cat "$TMP/np.err"; kill -9 "$WEIR_PID"; return; }
	wait_rx np "$("$PCAP_COUNT" "$SAMPLE" | cut -d' ' -f1)" || fail "rx never reached the file's count"
	check_known_traffic np
	# DPDK telemetry (works with --no-shconf: the runtime dir is still made)
	# dpdk-telemetry.py comes with dpdk-dev (tests/install-deps.sh)
	{
		echo / | timeout 10 dpdk-telemetry.py -f "$prefix" >"$TMP/np.tel.list" 2>&1
		check "telemetry lists /weir/stats" grep -q '"/weir/stats"' "$TMP/np.tel.list"
		echo /weir/stats | timeout 10 dpdk-telemetry.py -f "$prefix" >"$TMP/np.tel" 2>&1
		check "telemetry /weir/stats values" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))["/weir/stats"]
assert j["schema_version"] == 1, j
assert j["accounting_received"] == int(sys.argv[2]) and j["accounting_packets_ok"] == 1, j' \
			"$TMP/np.tel" "$("$PCAP_COUNT" "$SAMPLE" | cut -d' ' -f1)"
		echo /weir/rules,3 | timeout 10 dpdk-telemetry.py -f "$prefix" >"$TMP/np.tel.rules" 2>&1
		check "telemetry /weir/rules" grep -q '"rules_0_sid"' "$TMP/np.tel.rules"
	}
	# Prometheus
	python3 -c 'import sys,urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10)
assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
open(sys.argv[2], "wb").write(r.read())' "$port" "$TMP/np.metrics" || fail "scrape /metrics"
	$CLIENT check-metrics "$TMP/np.metrics" >/dev/null || fail "/metrics format"
	# promtool comes with Debian's prometheus package (tests/install-deps.sh)
	check "promtool check metrics" promtool check metrics <"$TMP/np.metrics"
	check "metric per port" grep -q '^weir_rx_packets_total{port="net_pcap0",queue="0"} 400$' "$TMP/np.metrics"
	check "metric per worker" grep -q '^weir_worker_scanned_total{worker="0"} 400$' "$TMP/np.metrics"
	check "drop metrics" grep -q '^weir_drop_ring_full_total{worker="0"} 0$' "$TMP/np.metrics"
	check "latency summary" grep -q '^weir_latency_seconds_count 45$' "$TMP/np.metrics"
	for st in worker ring emitter; do
		check "latency stage $st" grep -q "^weir_latency_stage_seconds_count{stage=\"$st\"} 45\$" "$TMP/np.metrics"
	done
	check "latency per sink" grep -q '^weir_latency_sink_seconds_count{sink="jsonl"} [0-9]' "$TMP/np.metrics"
	check "delivery latency (none: jsonl)" grep -q '^weir_latency_delivered_seconds_count{sink="jsonl"} 0$' "$TMP/np.metrics"
	check "rule hits" grep -q '^weir_rule_hits_total{sid="1010"} 8$' "$TMP/np.metrics"
	# a family per row of the port and sink lists (names as metrics.h says)
	while read -r list name role; do
		case $list:$name in
		port:drop_*) check "metric $name" grep -q "^weir_drop_${name#drop_}_total{port=\"net_pcap0\"} " "$TMP/np.metrics" ;;
		port:*) check "metric $name" grep -q "^weir_port_${name}_total{port=\"net_pcap0\"} " "$TMP/np.metrics" ;;
		sink:drop_*) check "metric sink $name" grep -q "^weir_drop_sink_${name#drop_}_total{sink=\"jsonl\"} " "$TMP/np.metrics" ;;
		sink:*) check "metric sink $name" grep -Eq "^weir_sink_${name}(_total)?\{sink=\"jsonl\"\} " "$TMP/np.metrics" ;;
		esac
	done < <("$WEIR_LISTS")
	python3 -c 'import sys,urllib.request,urllib.error
try:
    urllib.request.urlopen("http://127.0.0.1:%s/nope" % sys.argv[1], timeout=10)
    sys.exit(1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 404 else 1)' "$port" || fail "/nope is not a 404"
	stop_weir np
}

test_misbehaving_clients_on_live_traffic() {
	local before after
	start_weir nl -S "$SIGS" -o /dev/null -i net_null0 -- "${EAL[@]}" \
		--file-prefix "weir-ctl-nl-$$" --vdev net_null0
	wait_socket nl || { fail "socket never answered"; cat "$TMP/nl.err"; kill -9 "$WEIR_PID"; return; }
	before=$("$WEIRCTL" --socket "$TMP/nl.sock" --json stats |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["accounting"]["received"])')
	timeout 120 $CLIENT "$TMP/nl.sock" abuse >"$TMP/nl.abuse" 2>&1 ||
		{ fail "misbehaving clients"; cat "$TMP/nl.abuse"; }
	after=$("$WEIRCTL" --socket "$TMP/nl.sock" --json stats |
		python3 -c 'import json,sys; j=json.load(sys.stdin); a=j["accounting"]
assert a["packets_ok"] and a["events_ok"], a
print(a["received"])') || fail "stats after the abuse"
	[ "${after:-0}" -gt "${before:-0}" ] || fail "data path stopped counting ($before -> $after)"
	stop_weir nl
	check "summary accounting" summary_identities_ok "$TMP/nl.err"
}

ALL_TESTS="test_weirctl_exit_codes test_offline_keep_alive test_offline_without_keep_alive_has_no_socket
test_dpdk_net_pcap_telemetry_metrics test_misbehaving_clients_on_live_traffic"
run_all
