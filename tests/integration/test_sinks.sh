#!/usr/bin/env bash
# The sinks against real peers on this machine: kafka against librdkafka's
# mock cluster in its own process (kafka_mock_peer; real Kafka protocol over
# loopback TCP) read back with a real consumer, a broker outage mid-run;
# the unix socket with several subscribers, one of which never reads; the
# pcap sink read back with libpcap and compared with the JSON of the same
# events; SIGTERM mid-run losing nothing counted as written. Every wait is
# a bounded poll for a condition.
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/tests/data/sample.pcap
SIGS=$SRC/rules/examples/sample.sigs
GEN=$BUILD/perf/weir-gen
PEER=${KAFKA_MOCK_PEER:-}
EAL=(--no-huge --no-shconf --no-pci -m 512 --file-prefix "weir-sinks-$$")
# The stats socket is another test's business.
NOCTL=(--set ctl.enabled=false)
# The checks below read weir's own fields (worker, seq, ts_ns, wire_len):
# the "weir" object is opt-in.
WF=(--set outputs.weir-fields=true)

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

lines_at_least() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

# sink_value ERRFILE SINK NAME: counter NAME of sink SINK from the summary
sink_value() {
	awk -v sec="sink $2 " -v name="$3:" '
		/^ [a-z]/ { insec = (index($0, " " sec) == 1) }
		insec && $1 == name { print $2; exit }' "$1"
}

# start_peer NAME PARTITIONS: kafka_mock_peer in the background; sets
# PEER_PID and BOOTSTRAP
start_peer() {
	"$PEER" weir-alerts "$2" "$TMP/$1.msgs" >"$TMP/$1.peer" 2>"$TMP/$1.peer.err" &
	PEER_PID=$!
	if ! wait_for 20 grep -qs '^bootstrap ' "$TMP/$1.peer"; then
		fail "mock cluster did not start"; cat "$TMP/$1.peer.err"; return 1
	fi
	BOOTSTRAP=$(awk '/^bootstrap /{ print $2 }' "$TMP/$1.peer")
}

# stop_peer NAME: SIGTERM, the peer consumes up to the high watermarks
stop_peer() {
	kill -TERM "$PEER_PID"
	wait "$PEER_PID"
	expect_eq "peer caught up with the topic" "$?" 0
}

# kafka_check MSGS JSONL KEY: the messages are the JSON lines, each once,
# valid JSON, keyed by KEY (flow | src_ip | none)
kafka_check() {
	python3 - "$@" <<'PY'
import json, sys, collections
msgs, jsonl, key = sys.argv[1:4]
dedup = len(sys.argv) > 4 and sys.argv[4] == "dedup"
got = []
for n, line in enumerate(open(msgs, encoding="utf-8"), 1):
    part, k, v = line.rstrip("\n").split("\t", 2)
    ev = json.loads(v)
    want = {"flow": str(ev["flow_id"]), "src_ip": ev["src_ip"], "none": ""}[key]
    if k != want:
        sys.exit("%s:%d: key %r, want %r" % (msgs, n, k, want))
    got.append(v)
if dedup:
    # librdkafka's mock broker keeps no idempotence state across
    # rd_kafka_mock_broker_set_down(): a batch appended just before the
    # outage and retried after it is there twice (a real broker with
    # enable.idempotence drops the retry). Same event = same worker+seq.
    seen, uniq = set(), []
    for v in got:
        w = json.loads(v)["weir"]
        k = (w["worker"], w["seq"])
        if k not in seen:
            seen.add(k)
            uniq.append(v)
    if len(uniq) != len(got):
        print("    note: %d duplicate message(s) from the mock broker's outage" %
              (len(got) - len(uniq)))
    got = uniq
want = [l.rstrip("\n") for l in open(jsonl, encoding="utf-8")]
if collections.Counter(got) != collections.Counter(want):
    sys.exit("messages differ from the JSON lines: %d vs %d" % (len(got), len(want)))
# per worker, seq is the order of creation; keyed by flow, a flow keeps its
# partition, so its events arrive in seq order (with src_ip or no key a
# flow's events spread over partitions and no order is promised)
last = {}
for v in (got if key == "flow" else []):
    ev = json.loads(v)
    f = ev["flow_id"]
    if f in last and ev["weir"]["seq"] <= last[f]:
        sys.exit("flow %d out of order" % f)
    last[f] = ev["weir"]["seq"]
PY
}

need_kafka() {
	if [ -z "$PEER" ]; then
		skip "weir built without librdkafka"
		return 1
	fi
}

test_kafka_offline_delivers_every_event() {
	need_kafka || return
	start_peer k1 3 || return
	run_weir "$TMP/k1" -r "$SAMPLE" -S "$SIGS" -o "$TMP/k1.json" "${NOCTL[@]}" \
		--set outputs.kafka.brokers="$BOOTSTRAP" --set outputs.kafka.topic=weir-alerts \
		--set outputs.kafka.compression=lz4 --set outputs.kafka.properties=linger.ms=5 \
		--set host-id=sensor-1 "${WF[@]}"
	stop_peer
	expect_eq "exit status" "$(cat "$TMP/k1.rc")" 0 || { cat "$TMP/k1.err"; return; }
	check "accounting" accounting_ok "$TMP/k1.err"
	local alerts
	alerts=$(summary_value "$TMP/k1.err" alerts)
	[ "$alerts" -gt 0 ] || fail "no alerts"
	expect_eq "kafka delivered" "$(sink_value "$TMP/k1.err" kafka written)" "$alerts"
	# every event's latency to librdkafka and, apart, to its delivery report
	expect_eq "latency to the hand-over, per event" \
		"$(sed -n 's/^ latency sink kafka (rx to write returned, \([0-9]*\) events).*/\1/p' "$TMP/k1.err")" "$alerts"
	expect_eq "latency to the delivery report, per event" \
		"$(sed -n 's/^ latency sink kafka (rx to delivery report, \([0-9]*\) events).*/\1/p' "$TMP/k1.err")" "$alerts"
	expect_eq "messages consumed" "$(wc -l <"$TMP/k1.msgs")" "$alerts"
	check "messages = JSON lines, keyed by flow" kafka_check "$TMP/k1.msgs" "$TMP/k1.json" flow
	check "host (Suricata's sensor-name) in every event" python3 -c '
import json, sys
assert all(json.loads(l)["host"] == "sensor-1" for l in open(sys.argv[1]))' "$TMP/k1.json"
}

test_kafka_key_src_ip_and_none() {
	need_kafka || return
	local key
	for key in src_ip none; do
		start_peer "k$key" 2 || return
		run_weir "$TMP/k$key" -r "$SAMPLE" -S "$SIGS" -o "$TMP/k$key.json" "${NOCTL[@]}" \
			--set outputs.kafka.brokers="$BOOTSTRAP" --set outputs.kafka.key=$key
		stop_peer
		expect_eq "$key: exit status" "$(cat "$TMP/k$key.rc")" 0 || { cat "$TMP/k$key.err"; return; }
		check "$key: messages = JSON lines" kafka_check "$TMP/k$key.msgs" "$TMP/k$key.json" $key
	done
}

test_kafka_bad_config_refused() {
	need_kafka || return
	run_weir "$TMP/kbad" -r "$SAMPLE" -S "$SIGS" "${NOCTL[@]}" \
		--set outputs.kafka.brokers=127.0.0.1:1 --set outputs.kafka.properties=no.such.property=1
	expect_eq "unknown property: exit status" "$(cat "$TMP/kbad.rc")" 2
	check "names the property" grep -q "kafka: cannot open .*no.such.property" "$TMP/kbad.err"
	run_weir "$TMP/kacks" -r "$SAMPLE" -S "$SIGS" "${NOCTL[@]}" \
		--set outputs.kafka.brokers=127.0.0.1:1 --set outputs.kafka.acks=1
	expect_eq "acks=1 with idempotence: exit status" "$(cat "$TMP/kacks.rc")" 2
	check "says why" grep -qi "kafka: cannot open .*idempotence" "$TMP/kacks.err"
}

# A capture with few alerts per packet (about 1 in 500), replayed forever
# by net_pcap: some thousand events a second, which the peers keep up with.
make_slow_capture() {
	[ -f "$TMP/slow.pcap" ] && return 0
	"$GEN" -n 6000 -s 5 -f 0.002 -R "$SIGS" -o "$TMP/slow.pcap" >/dev/null 2>&1
}

# start_weir_dpdk NAME ARGS...: weir on an endless net_pcap in the
# background; sets WEIR_PID once it says it is running
start_weir_dpdk() {
	local name=$1
	shift
	timeout -k 10 120 "$WEIR" -S "$SIGS" -i net_pcap0 --set capture.mempool-size=8191 \
		"${NOCTL[@]}" "${WF[@]}" "$@" -- "${EAL[@]}" --file-prefix "weir-sinks-$$-$name" \
		--vdev "net_pcap0,rx_pcap=$TMP/slow.pcap,infinite_rx=1" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	WEIR_PID=$!
	if ! wait_for 30 grep -q '^weir: running' "$TMP/$name.err"; then
		fail "weir did not start"; cat "$TMP/$name.err"; kill -9 "$WEIR_PID"; return 1
	fi
}

# stop_weir [STATUS]: SIGTERM, then exit status STATUS (default 0; 4 when
# the test makes a loss on purpose: a drop_* counter)
stop_weir() {
	kill -TERM "$WEIR_PID"
	wait "$WEIR_PID"
	expect_eq "exit status after SIGTERM" "$?" "${1:-0}"
}

test_kafka_broker_outage() {
	need_kafka || return
	check "weir-gen" make_slow_capture || return
	start_peer out 3 || return
	start_weir_dpdk out -o "$TMP/out.json" --set outputs.kafka.brokers="$BOOTSTRAP" \
		--set outputs.kafka.flush-timeout-ms=20000 \
		--set outputs.kafka.properties=reconnect.backoff.max.ms=200 || { kill "$PEER_PID"; return; }
	check "messages flow" wait_for 30 lines_at_least "$TMP/out.msgs" 20
	kill -USR1 "$PEER_PID"
	check "broker down" wait_for 10 grep -q '^down' "$TMP/out.peer"
	# events keep coming while the broker is away
	local at_down
	at_down=$(wc -l <"$TMP/out.json")
	check "events during the outage" wait_for 30 lines_at_least "$TMP/out.json" $((at_down + 3000))
	kill -USR2 "$PEER_PID"
	check "broker up" wait_for 10 grep -q '^up' "$TMP/out.peer"
	# delivery resumes by itself, the outage's events included
	check "delivery resumes" wait_for 60 lines_at_least "$TMP/out.msgs" $((at_down + 3000))
	stop_weir
	stop_peer
	check "accounting" accounting_ok "$TMP/out.err" || sed -n '/^ sink/,$p' "$TMP/out.err"
	local delivered
	delivered=$(sink_value "$TMP/out.err" kafka written)
	# distinct events consumed = delivered (see kafka_check's dedup note)
	expect_eq "consumed = delivered" "$(python3 -c '
import json, sys
print(len({(json.loads(l.split("\t", 2)[2])["weir"]["worker"],
            json.loads(l.split("\t", 2)[2])["weir"]["seq"]) for l in open(sys.argv[1])}))' \
		"$TMP/out.msgs")" "$delivered"
	[ "$delivered" -gt $((at_down + 3000)) ] || fail "delivered $delivered, not past the outage"
	# nothing lost to the outage: every event is in the topic, once
	expect_eq "kafka drops" "$(sink_value "$TMP/out.err" kafka drop_full)/$(sink_value \
		"$TMP/out.err" kafka drop_errors)/$(sink_value "$TMP/out.err" kafka drop_undelivered)" 0/0/0
	if [ "$(sink_value "$TMP/out.err" jsonl drop_full)" = 0 ]; then
		check "messages = JSON lines, keyed by flow" kafka_check "$TMP/out.msgs" \
			"$TMP/out.json" flow dedup
	fi
}

# A subscriber: connects, says so, then reads lines until EOF (or never
# reads, with "stall"), within a bound.
SUBSCRIBER='
import socket, sys, time
path, out, mode = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
open(out + ".connected", "w").close()
if mode == "stall":
    # never read; hold the connection until the test is done with us
    import os
    while not os.path.exists(out + ".stop"):
        time.sleep(0.1)
    sys.exit(0)
s.settimeout(60)
with open(out, "wb") as f:
    while True:
        b = s.recv(65536)
        if not b:
            break
        f.write(b)
'

test_unix_subscribers() {
	check "weir-gen" make_slow_capture || return
	local sock=$TMP/weir-events.sock i pids=()
	start_weir_dpdk ux -o "$TMP/ux.json" --set outputs.unix.path="$sock" \
		--set outputs.unix.mode=0600 --set outputs.unix.buffer-bytes=4096 || return
	check "socket mode 0600" test "$(stat -c %a "$sock")" = 600
	for i in 1 2 3; do
		timeout 90 python3 -c "$SUBSCRIBER" "$sock" "$TMP/ux.sub$i" read &
		pids+=($!)
	done
	timeout 90 python3 -c "$SUBSCRIBER" "$sock" "$TMP/ux.stall" stall &
	local stall_pid=$!
	for i in 1 2 3; do
		check "subscriber $i connected" wait_for 20 test -f "$TMP/ux.sub$i.connected"
	done
	check "stalled subscriber connected" wait_for 20 test -f "$TMP/ux.stall.connected"
	# enough events to fill the stalled one's socket and backlog
	check "readers get events" wait_for 60 lines_at_least "$TMP/ux.sub3" 3000
	stop_weir 4 # the stalled subscriber: drop_subscribers
	touch "$TMP/ux.stall.stop"
	for i in "${pids[@]}"; do wait "$i"; done
	wait "$stall_pid"
	check "accounting" accounting_ok "$TMP/ux.err"
	expect_eq "accepted" "$(sink_value "$TMP/ux.err" unix accepted)" 4
	expect_eq "the stalled one was dropped" "$(sink_value "$TMP/ux.err" unix drop_subscribers)" 1
	# each reader got every event from some point on, contiguous, in order:
	# exactly the tail of the jsonl file from its first line
	for i in 1 2 3; do
		check "subscriber $i: a contiguous tail of the events" python3 - "$TMP/ux.sub$i" \
			"$TMP/ux.json" <<'PY'
import json, sys
sub = open(sys.argv[1], "rb").read().split(b"\n")
assert sub[-1] == b"", "last line cut"
sub = sub[:-1]
allv = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
assert len(sub) > 0
start = allv.index(sub[0])
assert allv[start:] == sub, "not the tail of the jsonl file"
seqs = [json.loads(l)["weir"]["seq"] for l in sub]
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "seq gap"
PY
	done
}

test_pcap_sink_holds_the_flagged_frames() {
	run_weir "$TMP/pc" -r "$SAMPLE" -S "$SIGS" -o "$TMP/pc.json" "${NOCTL[@]}" "${WF[@]}" \
		--set outputs.pcap.file="$TMP/pc"
	expect_eq "exit status" "$(cat "$TMP/pc.rc")" 0 || { cat "$TMP/pc.err"; return; }
	check "accounting" accounting_ok "$TMP/pc.err"
	local alerts
	alerts=$(summary_value "$TMP/pc.err" alerts)
	expect_eq "one file" "$(ls "$TMP"/pc.*.pcapng | wc -l)" 1
	expect_eq "libpcap reads one packet per alert" "$("$PCAP_COUNT" "$TMP/pc.000000.pcapng")" \
		"$alerts ok"
	check "frames, comments and times match the JSON of the same events" \
		pcapng_matches_json "$TMP/pc.json" "$TMP/pc.000000.pcapng"
}

# pcapng_matches_json JSONL FILES...: block by block (our own reader of the
# format, independent of the writer), event by event
pcapng_matches_json() {
	python3 - "$@" <<'PY'
import base64, json, struct, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
pkts = []
for path in sys.argv[2:]:
    d = open(path, "rb").read()
    off, ifaces = 0, []
    while off < len(d):
        t, n = struct.unpack_from("<II", d, off)
        assert struct.unpack_from("<I", d, off + n - 4)[0] == n, "trailer length"
        body = d[off + 8:off + n - 4]
        if t == 1:
            lt, = struct.unpack_from("<H", body, 0)
            ifaces.append(lt)
        elif t == 6:
            i, hi, lo, cap, wire = struct.unpack_from("<IIIII", body, 0)
            frame = body[20:20 + cap]
            o = 20 + (cap + 3) // 4 * 4
            comment = None
            while o < len(body):
                code, ln = struct.unpack_from("<HH", body, o)
                if code == 0:
                    break
                if code == 1:
                    comment = body[o + 4:o + 4 + ln].decode()
                o += 4 + (ln + 3) // 4 * 4
            pkts.append((i, hi << 32 | lo, wire, frame, comment))
        off += n
    assert ifaces, "no interface block in " + path
assert len(pkts) == len(evs), "%d packets, %d events" % (len(pkts), len(evs))
for (i, ts, wire, frame, comment), ev in zip(pkts, evs):
    want = "sid=%d rev=%d iface=%s" % (ev["alert"]["signature_id"], ev["alert"]["rev"], ev["in_iface"])
    assert comment == want, (comment, want)
    assert ts == ev["weir"]["ts_ns"], "timestamp"
    assert wire == ev["weir"]["wire_len"], "wire length"
    payload = base64.b64decode(ev["payload"])
    # the excerpt is the start of the L4 payload, which ends the frame
    full = not ev["weir"]["payload_truncated"]
    assert payload and (frame.endswith(payload) if full else payload in frame), "payload"
PY
}

test_pcap_rotation() {
	run_weir "$TMP/rot" -r "$SAMPLE" -S "$SIGS" -o "$TMP/rot.json" "${NOCTL[@]}" \
		--set outputs.pcap.file="$TMP/rot" --set outputs.pcap.max-bytes=8192 \
		--set outputs.pcap.snaplen=200
	expect_eq "exit status" "$(cat "$TMP/rot.rc")" 0 || { cat "$TMP/rot.err"; return; }
	local f total=0 files
	files=$(ls "$TMP"/rot.*.pcapng | wc -l)
	[ "$files" -gt 1 ] || fail "no rotation ($files file)"
	expect_eq "files counter" "$(sink_value "$TMP/rot.err" pcap files)" "$files"
	for f in "$TMP"/rot.*.pcapng; do
		local c
		c=$("$PCAP_COUNT" "$f")
		case $c in *" ok") ;; *) fail "$f: $c" ;; esac
		total=$((total + ${c%% *}))
		[ "$(stat -c %s "$f")" -le 8192 ] || fail "$f larger than max-bytes"
	done
	expect_eq "packets over all files" "$total" "$(summary_value "$TMP/rot.err" alerts)"
	check "snaplen 200 and the JSON" python3 - "$TMP/rot.json" "$TMP"/rot.*.pcapng <<'PY'
import struct, sys
for path in sys.argv[2:]:
    d = open(path, "rb").read()
    off = 0
    while off < len(d):
        t, n = struct.unpack_from("<II", d, off)
        if t == 6:
            assert struct.unpack_from("<I", d, off + 20)[0] <= 200
        off += n
PY
	# a second run never overwrites: it takes the next free numbers
	run_weir "$TMP/rot2" -r "$SAMPLE" -S "$SIGS" -o /dev/null "${NOCTL[@]}" \
		--set outputs.pcap.file="$TMP/rot" --set outputs.pcap.max-bytes=8192
	expect_eq "second run: more files" "$(ls "$TMP"/rot.*.pcapng | wc -l)" \
		$((files + $(sink_value "$TMP/rot2.err" pcap files)))
}

# SIGTERM in the middle of a run: what each sink counted as written is
# there, to the event, in the jsonl file, the pcapng and the topic.
test_sigterm_loses_nothing_written() {
	check "weir-gen" make_slow_capture || return
	local kafka=()
	if [ -n "$PEER" ]; then
		start_peer st 3 || return
		kafka=(--set outputs.kafka.brokers="$BOOTSTRAP")
	fi
	start_weir_dpdk st -o "$TMP/st.json" --set outputs.pcap.file="$TMP/st" \
		"${kafka[@]}" || { [ -n "$PEER" ] && kill "$PEER_PID"; return; }
	check "events flow" wait_for 30 lines_at_least "$TMP/st.json" 500
	local rc written undelivered consumed
	kill -TERM "$WEIR_PID"
	wait "$WEIR_PID"
	rc=$?
	[ -n "$PEER" ] && stop_peer
	check "accounting" accounting_ok "$TMP/st.err" || sed -n '/^ sink/,$p' "$TMP/st.err"
	# exit 4 exactly when the summary reports a loss (a Kafka message
	# whose delivery report came too late under load, say), else 0
	if grep -q '^weir: LOSS' "$TMP/st.err"; then
		expect_eq "exit status after SIGTERM (loss reported)" "$rc" 4
	else
		expect_eq "exit status after SIGTERM" "$rc" 0
	fi
	expect_eq "jsonl lines = written" "$(wc -l <"$TMP/st.json")" \
		"$(sink_value "$TMP/st.err" jsonl written)"
	expect_eq "pcapng packets = written" "$("$PCAP_COUNT" "$TMP/st.000000.pcapng")" \
		"$(sink_value "$TMP/st.err" pcap written) ok"
	if [ -n "$PEER" ]; then
		# every event Kafka confirmed is in the topic; an undelivered one
		# (no report in time) may be there too, and a retried one twice:
		# distinct events, between written and written + undelivered
		written=$(sink_value "$TMP/st.err" kafka written)
		undelivered=$(sink_value "$TMP/st.err" kafka drop_undelivered)
		consumed=$(python3 -c '
import json, sys
print(len({(json.loads(l.split("\t", 2)[2])["weir"]["worker"],
            json.loads(l.split("\t", 2)[2])["weir"]["seq"]) for l in open(sys.argv[1])}))' \
			"$TMP/st.msgs")
		check "consumed ($consumed distinct) >= written ($written)" [ "$consumed" -ge "$written" ]
		check "consumed ($consumed distinct) <= written + undelivered ($undelivered)" \
			[ "$consumed" -le $((written + undelivered)) ]
	fi
	# the same events in both, when neither dropped any
	if [ "$(sink_value "$TMP/st.err" pcap drop_full)" = 0 ] &&
		[ "$(sink_value "$TMP/st.err" jsonl drop_full)" = 0 ]; then
		check "pcapng frames = JSON events" pcapng_matches_json "$TMP/st.json" \
			"$TMP/st.000000.pcapng"
	fi
}

test_jsonl_fsync_and_queue_size() {
	run_weir "$TMP/fs" -r "$SAMPLE" -S "$SIGS" -o "$TMP/fs.json" "${NOCTL[@]}" \
		--set outputs.jsonl.fsync=true --set outputs.queue-size=64
	expect_eq "exit status" "$(cat "$TMP/fs.rc")" 0 || { cat "$TMP/fs.err"; return; }
	check "accounting" accounting_ok "$TMP/fs.err"
	expect_eq "lines = written" "$(wc -l <"$TMP/fs.json")" "$(sink_value "$TMP/fs.err" jsonl written)"
}

ALL_TESTS="test_kafka_offline_delivers_every_event test_kafka_key_src_ip_and_none
test_kafka_bad_config_refused test_kafka_broker_outage test_unix_subscribers
test_pcap_sink_holds_the_flagged_frames test_pcap_rotation test_sigterm_loses_nothing_written
test_jsonl_fsync_and_queue_size"
run_all
