#!/usr/bin/env bash
# Kafka failure is loud and bounded (issue 16): weir itself logs broker
# state changes (all brokers down, back again) and what it loses (a full
# local queue), rate-limited; the shutdown flush says what it waits for, is
# bounded by default well under systemd's 90 s stop timeout, and a second
# SIGTERM/SIGINT ends it at once with what is left counted undelivered.
# Against an unreachable address and librdkafka's mock cluster
# (kafka_mock_peer). Every wait is a bounded poll for a condition.
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/tests/data/sample.pcap
SIGS=$SRC/rules/examples/sample.sigs
PEER=${KAFKA_MOCK_PEER:-}
EAL=(--no-huge --no-shconf --no-pci -m 512)
NOCTL=(--set ctl.enabled=false)
DEAD=127.0.0.1:1 # nothing listens there: connection refused
GEN=$BUILD/perf/weir-gen

# A capture with few alerts per packet (about 1 in 500), replayed forever
# by net_pcap: some thousand events a second, which the mock cluster keeps
# (sample.pcap replayed at full speed outruns its log retention).
make_slow_capture() {
	[ -f "$TMP/slow.pcap" ] && return 0
	"$GEN" -n 6000 -s 5 -f 0.002 -R "$SIGS" -o "$TMP/slow.pcap" >/dev/null 2>&1
}

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

need_kafka() {
	if [ -z "$PEER" ]; then
		skip "weir built without librdkafka"
		return 1
	fi
}

# sink_value ERRFILE SINK NAME: counter NAME of sink SINK from the summary
sink_value() {
	awk -v sec="sink $2 " -v name="$3:" '
		/^ [a-z]/ { insec = (index($0, " " sec) == 1) }
		insec && $1 == name { print $2; exit }' "$1"
}

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# Weir runs without timeout(1) in front: timeout passes on only the first
# signal, and the tests here send two. reap PID SECONDS: wait for it
# within a bound, else kill -9 it; its exit status is returned.
reap() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		fail "weir still running after $2 s"
		kill -9 "$1"
	fi
	wait "$1"
}

test_flush_default_fits_systemd() {
	need_kafka || return
	local d
	# outputs.kafka's own (outputs.kinesis has one too)
	d=$("$WEIR" --dump-config 2>/dev/null | awk -F': *' '/^  kafka:/ { k = 1; next }
		/^  [a-z]/ { k = 0 }
		k && /flush-timeout-ms/ { gsub(/[" ]/, "", $2); print $2 }')
	[ -n "$d" ] || { fail "no outputs.kafka.flush-timeout-ms in --dump-config"; return; }
	[ "$d" -le 60000 ] || fail "default flush timeout $d ms does not fit under systemd's 90 s"
	# a longer one is allowed, with a warning
	"$WEIR" -r "$SAMPLE" -S "$SIGS" -o /dev/null "${NOCTL[@]}" \
		--set outputs.kafka.brokers="$DEAD" --set outputs.kafka.flush-timeout-ms=120000 \
		>"$TMP/long.out" 2>"$TMP/long.err" &
	local pid=$!
	wait_for 30 grep -q 'flushing' "$TMP/long.err" || { fail "no flush line"; tail -5 "$TMP/long.err"; }
	kill -TERM "$pid"
	reap "$pid" 30
	check "long flush timeout warned" grep -q "exceeds systemd's default stop timeout" "$TMP/long.err"
}

# Offline, brokers unreachable: the end of the file starts the flush; one
# SIGTERM then ends it (weir is stopping anyway), everything counted.
test_unreachable_offline_signal_ends_flush() {
	need_kafka || return
	local pid t0 took alerts
	"$WEIR" -r "$SAMPLE" -S "$SIGS" -o "$TMP/off.json" "${NOCTL[@]}" \
		--set outputs.kafka.brokers="$DEAD" --set outputs.kafka.flush-timeout-ms=60000 \
		>"$TMP/off.out" 2>"$TMP/off.err" &
	pid=$!
	check "flush says what it waits for" wait_for 30 grep -q \
		'kafka weir-alerts: flushing [0-9]* messages to the brokers, at most 60000 ms' "$TMP/off.err"
	check "all brokers down logged" grep -q 'kafka weir-alerts: all brokers down' "$TMP/off.err"
	t0=$(ms_now)
	kill -TERM "$pid"
	reap "$pid" 30
	took=$(($(ms_now) - t0))
	echo "    exited ${took} ms after SIGTERM"
	[ "$took" -lt 10000 ] || fail "flush not ended by SIGTERM ($took ms)"
	check "flush end logged with the brokers' state" grep -q 'flush cut short by SIGTERM/SIGINT after [0-9]* ms; [0-9]* messages\? counted drop_undelivered (all brokers down)' "$TMP/off.err"
	alerts=$(wc -l <"$TMP/off.json")
	expect_eq "kafka written" "$(sink_value "$TMP/off.err" kafka written)" 0
	expect_eq "kafka undelivered = every alert" "$(sink_value "$TMP/off.err" kafka drop_undelivered)" "$alerts"
	check "accounting" grep -q '^ accounting: sink kafka: .*: ok$' "$TMP/off.err"
}

# Live, brokers unreachable, a tiny local queue: the first full-queue drop
# is logged with its cause, then rate-limited; SIGTERM starts the flush,
# a second SIGTERM ends it.
test_unreachable_live_second_signal() {
	need_kafka || return
	local pid t0 took n
	"$WEIR" -S "$SIGS" -i net_pcap0 --set capture.mempool-size=8191 \
		-o /dev/null "${NOCTL[@]}" --set outputs.kafka.brokers="$DEAD" \
		--set outputs.kafka.flush-timeout-ms=60000 \
		--set outputs.kafka.properties=queue.buffering.max.messages=20 -- "${EAL[@]}" \
		--file-prefix "weir-kloud-$$" --vdev "net_pcap0,rx_pcap=$SAMPLE,infinite_rx=1" \
		>"$TMP/live.out" 2>"$TMP/live.err" &
	pid=$!
	check "weir running" wait_for 60 grep -q '^weir: running' "$TMP/live.err"
	check "full queue logged with its cause" wait_for 30 grep -q \
		'kafka weir-alerts: local queue full, event dropped (counted drop_full): _QUEUE_FULL (all brokers down)' "$TMP/live.err"
	check "the LOSS line names librdkafka's error and the brokers' state" wait_for 30 grep -q \
		'LOSS: sink kafka drop_full .*: _QUEUE_FULL (all brokers down)' "$TMP/live.err"
	kill -TERM "$pid"
	check "flush started" wait_for 30 grep -q 'kafka weir-alerts: flushing' "$TMP/live.err"
	t0=$(ms_now)
	kill -TERM "$pid"
	reap "$pid" 30
	took=$(($(ms_now) - t0))
	echo "    exited ${took} ms after the second SIGTERM"
	[ "$took" -lt 10000 ] || fail "second SIGTERM did not end the flush ($took ms)"
	check "flush end logged" grep -q 'flush cut short by SIGTERM/SIGINT' "$TMP/live.err"
	[ "$(sink_value "$TMP/live.err" kafka drop_undelivered)" -gt 0 ] || fail "nothing counted undelivered"
	[ "$(sink_value "$TMP/live.err" kafka drop_full)" -gt 0 ] || fail "nothing counted drop_full"
	# rate-limited: the first line, then at most one per 10 s
	n=$(grep -c 'local queue full' "$TMP/live.err")
	[ "$n" -le 4 ] || fail "$n full-queue lines: not rate-limited"
	check "accounting" grep -q '^ accounting: sink kafka: .*: ok$' "$TMP/live.err"
}

# A broker that vanishes and comes back: weir says so, both ways.
test_vanishing_broker_logged() {
	need_kafka || return
	check "weir-gen" make_slow_capture || return
	local ppid bootstrap pid
	"$PEER" weir-alerts 1 "$TMP/van.msgs" >"$TMP/van.peer" 2>"$TMP/van.peer.err" &
	ppid=$!
	wait_for 20 grep -qs '^bootstrap ' "$TMP/van.peer" || { fail "mock cluster did not start"; kill "$ppid"; return; }
	bootstrap=$(awk '/^bootstrap /{ print $2 }' "$TMP/van.peer")
	"$WEIR" -S "$SIGS" -i net_pcap0 --set capture.mempool-size=8191 \
		-o /dev/null "${NOCTL[@]}" --set outputs.kafka.brokers="$bootstrap" \
		--set outputs.kafka.properties=reconnect.backoff.max.ms=200 -- "${EAL[@]}" \
		--file-prefix "weir-kvan-$$" --vdev "net_pcap0,rx_pcap=$TMP/slow.pcap,infinite_rx=1" \
		>"$TMP/van.out" 2>"$TMP/van.err" &
	pid=$!
	check "weir running" wait_for 60 grep -q '^weir: running' "$TMP/van.err"
	check "messages flow" wait_for 60 test -s "$TMP/van.msgs" ||
		{ grep -v '^EAL' "$TMP/van.err" | tail -5; tail -5 "$TMP/van.peer.err"; }
	kill -USR1 "$ppid"
	check "broker down" wait_for 10 grep -q '^down' "$TMP/van.peer"
	check "weir logs the brokers down" wait_for 30 grep -q 'kafka weir-alerts: all brokers down' "$TMP/van.err"
	kill -USR2 "$ppid"
	check "broker up" wait_for 10 grep -q '^up' "$TMP/van.peer"
	check "weir logs delivery resumed" wait_for 60 grep -q 'kafka weir-alerts: brokers back, delivering again' "$TMP/van.err"
	kill -TERM "$pid"
	reap "$pid" 60
	expect_eq "exit status after SIGTERM" "$?" 0
	kill -TERM "$ppid"
	wait "$ppid"
}

ALL_TESTS="test_flush_default_fits_systemd test_unreachable_offline_signal_ends_flush
test_unreachable_live_second_signal test_vanishing_broker_logged"
run_all
