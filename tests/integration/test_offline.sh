#!/usr/bin/env bash
# Offline mode (weir -r): exact alerts per signature on known captures,
# the packet account, every supported capture format and link type, clear
# refusals, and the configuration file path of the real binary.
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/tests/data/sample.pcap
SAMPLE_EXP=$SRC/tests/data/sample.expected.tsv
SIGS=$SRC/rules/examples/sample.sigs
GEN=$BUILD/perf/weir-gen

# same_alerts_as_expected NAME PCAP EXPECTED [weir args...]
offline_matches_expected() {
	local name=$1 pcap=$2 exp=$3
	shift 3
	run_weir "$TMP/$name" -r "$pcap" -S "$SIGS" "$@"
	expect_eq "$name exit status" "$(cat "$TMP/$name.rc")" 0 || { cat "$TMP/$name.err"; return; }
	check "$name accounting" accounting_ok "$TMP/$name.err"
	expect_eq "$name rx_packets" "$(summary_value "$TMP/$name.err" rx_packets)" \
		"$("$PCAP_COUNT" "$pcap" | cut -d' ' -f1)"
	alert_counts "$TMP/$name.out" >"$TMP/$name.got" || fail "$name: output is not EVE alert JSON"
	check "$name events valid under Suricata's EVE schema" \
		/usr/bin/python3 "$SRC/tests/integration/eve_schema.py" "$DATA/eve/suricata/schema.json" "$TMP/$name.out"
	expected_counts "$exp" >"$TMP/$name.want"
	check "$name alerts per signature_id equal $exp" diff -u "$TMP/$name.want" "$TMP/$name.got"
	[ -s "$TMP/$name.want" ] || fail "$name: expected file names no alerts"
}

test_sample_capture() {
	offline_matches_expected sample "$SAMPLE" "$SAMPLE_EXP"
	expect_eq "alerts counter = JSON lines" "$(summary_value "$TMP/sample.err" alerts)" \
		"$(wc -l <"$TMP/sample.out")"
}

test_generated_captures() {
	local seed
	for seed in 1 7 1234; do
		"$GEN" -n 4000 -s "$seed" -f 0.3 -R "$SIGS" -o "$TMP/gen$seed.pcap" \
			-e "$TMP/gen$seed.tsv" >/dev/null || { fail "weir-gen seed $seed"; continue; }
		offline_matches_expected "gen$seed" "$TMP/gen$seed.pcap" "$TMP/gen$seed.tsv"
	done
}

# alerts_and_flows JSONFILE: a sorted multiset of the alerts, as (sid,
# packet timestamp), and of the flow records, as (proto, both endpoints in
# order, packets, bytes): what must not depend on how many workers ran
alerts_and_flows() {
	python3 - "$1" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1], "rb"):
    e = json.loads(line)
    if e["event_type"] == "alert":
        out.append("alert %d %s" % (e["alert"]["signature_id"], e["timestamp"]))
    elif e["event_type"] == "flow":
        f = e["flow"]
        ends = sorted(["%s %s" % (e.get("src_ip"), e.get("src_port")),
                       "%s %s" % (e.get("dest_ip"), e.get("dest_port"))])
        out.append("flow %s %s %d %d" % (e["proto"], " ".join(ends),
                   f["pkts_toserver"] + f["pkts_toclient"],
                   f["bytes_toserver"] + f["bytes_toclient"]))
print("\n".join(sorted(out)))
PY
}

# pipeline_like_one_worker NAME PCAP SPREAD [weir args...]: -w 1 (run
# mode workers) and -w 2 (auto: a file has one queue, so pipeline) give
# the same alerts and flow records; the rx stage's and the port's
# identities hold; with SPREAD=1, both workers got flows
pipeline_like_one_worker() {
	local name=$1 pcap=$2 spread=$3 n
	shift 3
	n=$("$PCAP_COUNT" "$pcap" | cut -d' ' -f1)
	run_weir "$TMP/$name.w1" -r "$pcap" -S "$SIGS" -w 1 --set outputs.flow-records=true "$@"
	run_weir "$TMP/$name.w2" -r "$pcap" -S "$SIGS" -w 2 --set outputs.flow-records=true \
		--set outputs.weir-fields=true "$@"
	expect_eq "$name -w 1 exit status" "$(cat "$TMP/$name.w1.rc")" 0 || { cat "$TMP/$name.w1.err"; return; }
	expect_eq "$name -w 2 exit status" "$(cat "$TMP/$name.w2.rc")" 0 || { cat "$TMP/$name.w2.err"; return; }
	check "$name -w 2 runs the pipeline" grep -q '^weir: running: .*2 workers (runmode pipeline)' \
		"$TMP/$name.w2.err"
	check "$name -w 2 accounting" accounting_ok "$TMP/$name.w2.err"
	check "$name rx stage: rx = dispatched + drop, dispatched = workers' rx" \
		grep -q '^ accounting: rx stage: .*: ok$' "$TMP/$name.w2.err"
	check "$name port: rx_packets = the rx stage's" \
		grep -q '^ accounting: port .*: ok$' "$TMP/$name.w2.err"
	expect_eq "$name rx stage rx_packets" "$(summary_value "$TMP/$name.w2.err" rx_packets rx)" "$n"
	expect_eq "$name rx stage drop_dispatch_full (offline waits)" \
		"$(summary_value "$TMP/$name.w2.err" drop_dispatch_full rx)" 0
	expect_eq "$name workers' rx_packets" "$(summary_value "$TMP/$name.w2.err" rx_packets)" "$n"
	alerts_and_flows "$TMP/$name.w1.out" >"$TMP/$name.w1.set"
	alerts_and_flows "$TMP/$name.w2.out" >"$TMP/$name.w2.set"
	check "$name: same alerts (sid, timestamp) and flows with -w 2 as with -w 1" \
		diff -u "$TMP/$name.w1.set" "$TMP/$name.w2.set"
	[ -s "$TMP/$name.w1.set" ] || fail "$name: no alert nor flow to compare"
	# every flow record names the worker that owned the flow
	[ "$spread" = 1 ] || return 0
	check "$name: both workers got flows" python3 - "$TMP/$name.w2.out" <<'PY'
import json, sys
w = {json.loads(l)["weir"]["worker"] for l in open(sys.argv[1], "rb")}
assert w == {0, 1}, w
PY
}

test_pipeline_same_alerts_as_one_worker() {
	local seed
	pipeline_like_one_worker psample "$SAMPLE" 1
	for seed in 1 7 1234; do
		"$GEN" -n 4000 -s "$seed" -f 0.3 -R "$SIGS" -o "$TMP/pgen$seed.pcap" \
			>/dev/null || { fail "weir-gen seed $seed"; continue; }
		pipeline_like_one_worker "pgen$seed" "$TMP/pgen$seed.pcap" 1
	done
}

# Real sessions, both directions (shared captures; a few flows each, so
# one worker may get them all): flows must not split.
test_pipeline_keeps_flows_together() {
	local f
	need_data "$DATA/pcap/realistic" || return
	for f in zeek/http__http-post-large.pcap zeek/tcp__handshake-reorder.pcap \
		zeek/tls__chrome-34-google.pcap zeek/ipv4__fragmented-3.pcap zeek/http-qinq-0.pcap; do
		[ -f "$DATA/pcap/realistic/$f" ] || { fail "missing $f"; continue; }
		pipeline_like_one_worker "real_$(basename "$f" .pcap)" "$DATA/pcap/realistic/$f" 0
	done
}

test_pipeline_refusals() {
	# runmode workers cannot split one file over two workers
	run_weir "$TMP/rw" -r "$SAMPLE" -S "$SIGS" -w 2 --set runmode=workers
	expect_eq "runmode workers, -w 2, a file: exit status" "$(cat "$TMP/rw.rc")" 1
	check "says why" grep -q 'a capture file is one queue' "$TMP/rw.err"
	# the pipeline needs an lcore more than the workers and main (lcores
	# mapped onto CPUs 0 and 1: the machine may have only two)
	run_weir "$TMP/rl" -r "$SAMPLE" -S "$SIGS" -w 2 -- --lcores=0@0,1@1,2@0
	expect_eq "too few lcores: exit status" "$(cat "$TMP/rl.rc")" 1
	check "too few lcores: says what is needed" \
		grep -q '2 workers need 4 lcores (one main, one rx stage (runmode pipeline), 2 workers), EAL has 3' \
		"$TMP/rl.err"
	# and runs with them, capture.count counted at the rx stage
	run_weir "$TMP/rc" -r "$SAMPLE" -S "$SIGS" -w 2 --count 100 -- --lcores=0@0,1@1,2@0,3@1
	expect_eq "4 lcores, --count 100: exit status" "$(cat "$TMP/rc.rc")" 0 || cat "$TMP/rc.err"
	expect_eq "--count 100 at the rx stage" "$(summary_value "$TMP/rc.err" rx_packets rx)" 100
	expect_eq "--count 100: the workers'" "$(summary_value "$TMP/rc.err" rx_packets)" 100
}

test_output_file_keeps_stdout_clean() {
	run_weir "$TMP/of" -r "$SAMPLE" -S "$SIGS" -o "$TMP/of.json"
	expect_eq "exit status" "$(cat "$TMP/of.rc")" 0
	expect_eq "stdout bytes" "$(wc -c <"$TMP/of.out")" 0
	alert_counts "$TMP/of.json" >"$TMP/of.got"
	expected_counts "$SAMPLE_EXP" >"$TMP/of.want"
	check "alerts in -o file" diff -u "$TMP/of.want" "$TMP/of.got"
}

# Rewrites a classic microsecond pcap as a nanosecond pcap and as pcapng.
convert_capture() {
	python3 - "$@" <<'PY'
import struct, sys
src, ns_out, ng_out = sys.argv[1:4]
data = open(src, "rb").read()
magic, vmaj, vmin, tz, sig, snap, lt = struct.unpack("<IHHiIII", data[:24])
assert magic == 0xa1b2c3d4, "expected little-endian microsecond pcap"
recs, off = [], 24
while off < len(data):
    s, us, cl, ol = struct.unpack("<IIII", data[off:off + 16])
    recs.append((s, us, cl, ol, data[off + 16:off + 16 + cl]))
    off += 16 + cl
with open(ns_out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b23c4d, vmaj, vmin, tz, sig, snap, lt))
    for s, us, cl, ol, b in recs:
        f.write(struct.pack("<IIII", s, us * 1000, cl, ol) + b)
def block(t, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)
with open(ng_out, "wb") as f:
    f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    f.write(block(1, struct.pack("<HHI", lt, 0, snap)))  # default: microseconds
    for s, us, cl, ol, b in recs:
        ts = s * 1000000 + us
        f.write(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, cl, ol) + b))
PY
}

test_nanosecond_pcap_and_pcapng() {
	check "convert sample capture" convert_capture "$SAMPLE" "$TMP/ns.pcap" "$TMP/ng.pcapng" || return
	offline_matches_expected us "$SAMPLE" "$SAMPLE_EXP"
	offline_matches_expected ns "$TMP/ns.pcap" "$SAMPLE_EXP"
	offline_matches_expected ng "$TMP/ng.pcapng" "$SAMPLE_EXP"
	# the same instants, whatever the file's resolution
	check "ns timestamps equal us timestamps" cmp -s \
		<(python3 -c 'import json,sys; [print(json.loads(l)["timestamp"]) for l in open(sys.argv[1])]' "$TMP/us.out") \
		<(python3 -c 'import json,sys; [print(json.loads(l)["timestamp"]) for l in open(sys.argv[1])]' "$TMP/ns.out")
	# identical alerts but for in_iface, which names the file
	check "pcapng output equals pcap output" cmp -s \
		<(sed 's/"in_iface":"[^"]*"//' "$TMP/us.out") <(sed 's/"in_iface":"[^"]*"//' "$TMP/ng.out")
}

test_link_types() {
	local f
	for f in malformed/tcpdump/LINKTYPE_RAW_ipv4.pcap malformed/tcpdump/LINKTYPE_RAW_ipv6.pcap \
		malformed/tcpdump/LINKTYPE_IPV6.pcap realistic/zeek/linux_dlt_sll2.pcap \
		realistic/zeek/http-vlan-0.pcap realistic/zeek/http-qinq-0.pcap; do
		local n=lt$RANDOM
		need_data "$DATA/pcap/$f" || continue
		run_weir "$TMP/$n" -r "$DATA/pcap/$f" -S "$SIGS" -o /dev/null
		expect_eq "$f exit status" "$(cat "$TMP/$n.rc")" 0 || { cat "$TMP/$n.err"; continue; }
		check "$f accounting" accounting_ok "$TMP/$n.err"
		# a supported link type is decoded, not counted as malformed wholesale
		[ "$(summary_value "$TMP/$n.err" scanned)" -gt 0 ] ||
			[ "$(summary_value "$TMP/$n.err" not_scanned)" -gt 0 ] ||
			fail "$f: nothing decoded"
	done
}

test_unsupported_link_type_refused() {
	need_data "$DATA/pcap/malformed/tcpdump/nflog.pcap" || return
	run_weir "$TMP/nflog" -r "$DATA/pcap/malformed/tcpdump/nflog.pcap" -S "$SIGS"
	expect_eq "exit status" "$(cat "$TMP/nflog.rc")" 1
	check "names the link type" grep -q "link type NFLOG (239) is not supported" "$TMP/nflog.err"
}

test_missing_file_refused() {
	run_weir "$TMP/missing" -r "$TMP/nope.pcap" -S "$SIGS"
	expect_eq "exit status" "$(cat "$TMP/missing.rc")" 2
	check "says why" grep -q "nope.pcap.*No such file" "$TMP/missing.err"
	run_weir "$TMP/garbage" -r "$SIGS" -S "$SIGS"
	expect_eq "exit status (not a capture)" "$(cat "$TMP/garbage.rc")" 2
	check "says it is not a capture" grep -q "cannot read capture file" "$TMP/garbage.err"
}

test_bad_rules_refused() {
	printf '1:/ok/\n# comment\n2:/bad(/\n3:/also ok/i\n4:/x/Z\n' >"$TMP/bad.sigs"
	run_weir "$TMP/badr" -r "$SAMPLE" -S "$TMP/bad.sigs"
	expect_eq "exit status" "$(cat "$TMP/badr.rc")" 1
	check "line 3 with Hyperscan's reason" grep -q "bad.sigs:3:.*[Mm]issing close paren" "$TMP/badr.err"
	check "line 5 unknown flag" grep -q "bad.sigs:5:.*Z" "$TMP/badr.err"
	expect_eq "no alerts written" "$(wc -c <"$TMP/badr.out")" 0
	run_weir "$TMP/nor" -r "$SAMPLE" -S "$TMP/does-not-exist.sigs"
	expect_eq "missing rule file exit status" "$(cat "$TMP/nor.rc")" 1
	check "missing rule file named" grep -q "does-not-exist.sigs" "$TMP/nor.err"
}

test_truncated_capture_reported() {
	# cut the last record in half: what precedes it is processed and
	# accounted for, and the exit status says the file is damaged
	head -c $(($(wc -c <"$SAMPLE") - 40)) "$SAMPLE" >"$TMP/trunc.pcap"
	run_weir "$TMP/trunc" -r "$TMP/trunc.pcap" -S "$SIGS" -o /dev/null
	expect_eq "exit status" "$(cat "$TMP/trunc.rc")" 3
	check "says the capture ended on an error" grep -q "the capture ended on an error" "$TMP/trunc.err"
	check "accounting" accounting_ok "$TMP/trunc.err"
	expect_eq "rx_packets = records libpcap reads" "$(summary_value "$TMP/trunc.err" rx_packets)" \
		"$("$PCAP_COUNT" "$TMP/trunc.pcap" | cut -d' ' -f1)"
}

test_count_limit() {
	run_weir "$TMP/cnt" -r "$SAMPLE" -S "$SIGS" --count 17 -o /dev/null
	expect_eq "exit status" "$(cat "$TMP/cnt.rc")" 0
	expect_eq "rx_packets" "$(summary_value "$TMP/cnt.err" rx_packets)" 17
	check "accounting" accounting_ok "$TMP/cnt.err"
}

test_config_file() {
	cat >"$TMP/weir.yaml" <<YAML
# offline run configured from a file
capture:
  pcap-file: $SAMPLE
rules:
  files: [$SIGS]
output:
  jsonl: $TMP/cfg.json
YAML
	run_weir "$TMP/cfg" -c "$TMP/weir.yaml"
	expect_eq "exit status" "$(cat "$TMP/cfg.rc")" 0 || cat "$TMP/cfg.err"
	alert_counts "$TMP/cfg.json" >"$TMP/cfg.got"
	expected_counts "$SAMPLE_EXP" >"$TMP/cfg.want"
	check "alerts via config file" diff -u "$TMP/cfg.want" "$TMP/cfg.got"

	# command line overrides the file
	run_weir "$TMP/cfg2" -c "$TMP/weir.yaml" -o "$TMP/cfg2.json" --count 5
	expect_eq "override rx_packets" "$(summary_value "$TMP/cfg2.err" rx_packets)" 5
	[ -f "$TMP/cfg2.json" ] || fail "-o did not override output.jsonl"

	# errors name file:line, key and range
	printf 'workers: 0\ncapture:\n  drivr: pcap\n' >"$TMP/bad.yaml"
	run_weir "$TMP/cfgbad" -c "$TMP/bad.yaml" --check-config
	expect_eq "bad config exit status" "$(cat "$TMP/cfgbad.rc")" 1
	check "range error with file:line" grep -q "bad.yaml:1:.*workers.*\[1, 64\]" "$TMP/cfgbad.err"
	check "unknown key with file:line" grep -q "bad.yaml:3:.*capture.drivr" "$TMP/cfgbad.err"

	# --check-config validates rules too, --dump-config round-trips
	run_weir "$TMP/chk" -c "$TMP/weir.yaml" --check-config
	expect_eq "check-config exit status" "$(cat "$TMP/chk.rc")" 0
	check "check-config reports rules" grep -q "configuration OK: [1-9][0-9]* rules" "$TMP/chk.out"
	"$WEIR" -c "$TMP/weir.yaml" -w 1 --dump-config >"$TMP/dump1.yaml"
	"$WEIR" -c "$TMP/dump1.yaml" --dump-config >"$TMP/dump2.yaml"
	check "dump-config round trip" cmp -s "$TMP/dump1.yaml" "$TMP/dump2.yaml"
}

# afxdp is built when libbpf/libxdp/clang/bpftool are there (-Dafxdp=auto):
# then a missing interface is refused by name; else the driver is refused
# as not supported yet. tests/integration/test_afxdp.sh runs it for real.
test_unbuilt_driver_refused() {
	run_weir "$TMP/afxdp" -S "$SIGS" --set capture.driver=afxdp -i weir-no-such-if0
	# grep reads all of --help: -q would stop early and, under pipefail,
	# weir's SIGPIPE on a long help text would read as "not built"
	if "$WEIR" --help | grep 'afxdp.mode' >/dev/null; then
		expect_eq "exit status" "$(cat "$TMP/afxdp.rc")" 2
		check "names the missing interface" grep -q "no kernel network interface 'weir-no-such-if0'" "$TMP/afxdp.err"
	else
		expect_eq "exit status" "$(cat "$TMP/afxdp.rc")" 1
		check "says not supported yet" grep -q "capture driver 'afxdp' is not supported yet" "$TMP/afxdp.err"
	fi
}

test_help_tells_every_key() {
	local key
	"$WEIR" --help >"$TMP/help.txt" || fail "--help exit status"
	"$WEIR" --dump-config >"$TMP/defaults.yaml"
	for key in capture.driver capture.interface capture.pcap-file capture.count workers \
		rules.files events.ring-size events.payload-bytes output.jsonl dpdk.eal-args; do
		grep -q "$key" "$TMP/help.txt" || fail "--help does not document $key"
	done
	"$WEIR" --no-such-option >/dev/null 2>"$TMP/badopt.err"
	expect_eq "unknown option exit status" "$?" 1
}

# --version: one line naming weir, DPDK and Hyperscan once each (it said
# "DPDK DPDK 22.11" when rte_version()'s own prefix was doubled)
test_version_text() {
	local v
	v=$("$WEIR" --version) || { fail "weir --version exit status"; return; }
	check "weir --version: '$v'" eval '[[ "$v" =~ ^weir\ [0-9]+\.[0-9]+\.[0-9]+\ \(DPDK\ [0-9]+\.[0-9]+[^\ ,]*,\ Hyperscan\ [0-9]+\.[0-9]+ ]]'
	expect_eq "weir --version names DPDK once" "$(grep -o DPDK <<<"$v" | wc -l)" 1
}

ALL_TESTS="test_version_text test_sample_capture test_generated_captures test_pipeline_same_alerts_as_one_worker
test_pipeline_keeps_flows_together test_pipeline_refusals test_output_file_keeps_stdout_clean
test_nanosecond_pcap_and_pcapng test_link_types test_unsupported_link_type_refused
test_missing_file_refused test_bad_rules_refused test_truncated_capture_reported test_count_limit test_config_file
test_unbuilt_driver_refused test_help_tells_every_key"
run_all
