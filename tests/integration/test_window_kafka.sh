#!/usr/bin/env bash
# Window observations to Kafka (windows.observations, README "Observations
# to Kafka"; issue 18, beyond one box), against a Kafka cluster in its own
# process (kafka_mock_peer: librdkafka's mock cluster, the real Kafka
# protocol over loopback TCP, read back with a real consumer):
#  - offline with 1 worker and with 2 (pipeline): the records consumed
#    from the observations topic are exactly the observations mktxn.py's
#    oracle plants by construction (txn_obs.py: sid, packet, event time,
#    rendered key, fields), each once; the Kafka message key is the
#    record's key_id, one key_id per (rule, key) and one partition per
#    key_id; no full card number in any record; window_obs_records and
#    the sink's written count equal the planted count; every accounting
#    line holds; the window alerts are still exactly the expected ones;
#  - a full event ring (outputs.backpressure drop, events.ring-size 64):
#    the records lost are counted window_obs_ring_full, the consumed ones
#    are the planted ones less exactly that many, the identities hold;
#  - refused at start: without outputs.sensitive-hmac-key-file, and
#    without outputs.kafka.brokers.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
PEER=${KAFKA_MOCK_PEER:-}
MKTXN=$SRC/tests/integration/mktxn.py
TXNOBS=$SRC/tests/integration/txn_obs.py
RULES=$SRC/rules/examples/windows.rules
SEED=${WEIR_TEST_TXN_SEED:-18}
RECORDS=${WEIR_TEST_TXN_RECORDS:-600}
TOPIC=weir-observations
HOST=sensor-it-01

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

# value ERRFILE NAME: the first "NAME: N" line of the summary
value() { awk -v k="$2:" '$1 == k { print $2; exit }' "$1"; }

# sink_value ERRFILE SINK NAME: counter NAME of sink SINK from the summary
sink_value() {
	awk -v sec="sink $2 " -v name="$3:" '
		/^ [a-z]/ { insec = (index($0, " " sec) == 1) }
		insec && $1 == name { print $2; exit }' "$1"
}

# start_peer NAME: kafka_mock_peer (4 partitions) in the background; sets
# PEER_PID and BOOTSTRAP
start_peer() {
	"$PEER" "$TOPIC" 4 "$TMP/$1.msgs" >"$TMP/$1.peer" 2>"$TMP/$1.peer.err" &
	PEER_PID=$!
	if ! wait_for 20 grep -qs '^bootstrap ' "$TMP/$1.peer"; then
		fail "mock cluster did not start"
		cat "$TMP/$1.peer.err"
		return 1
	fi
	BOOTSTRAP=$(awk '/^bootstrap /{ print $2 }' "$TMP/$1.peer")
}

# stop_peer: SIGTERM, the peer consumes up to the high watermarks
stop_peer() {
	kill -TERM "$PEER_PID"
	wait "$PEER_PID"
	expect_eq "peer caught up with the topic" "$?" 0
}

need() {
	if [ -z "$PEER" ]; then
		skip "weir built without librdkafka"
		return 1
	fi
	[ -s "$TMP/exp.json" ] && return 0
	head -c 32 /dev/urandom >"$TMP/hkey" && chmod 600 "$TMP/hkey"
	$PY "$MKTXN" gen "$TMP/t" --records "$RECORDS" --seed "$SEED" >"$TMP/gen.out" 2>&1 &&
		$PY "$MKTXN" expect "$TMP/t.txn.json" "$RULES" >"$TMP/alerts.json" &&
		$PY "$TXNOBS" expect "$TMP/t.txn.json" "$RULES" >"$TMP/exp.json" ||
		{
			fail "mktxn/txn_obs: $(tail -3 "$TMP/gen.out")"
			return 1
		}
}

# planted: how many observations the oracle planted
planted() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/exp.json"; }

# obs_run NAME ARGS...: weir on the whole stream with observations to the
# peer's topic, events to NAME.json
obs_run() {
	local name=$1
	shift
	mkdir -p "$TMP/$name.st"
	run_weir "$TMP/$name" -r "$TMP/t.pcap" -S "$RULES" -o "$TMP/$name.json" \
		--set ctl.enabled=false --set "windows.state-dir=$TMP/$name.st" \
		--set windows.observations=kafka --set outputs.kafka.brokers="$BOOTSTRAP" \
		--set outputs.kafka.topic= --set "outputs.sensitive-hmac-key-file=$TMP/hkey" \
		--set host-id=$HOST "$@"
}

# no_full_card FILE...: none of the generator's card numbers in FILE
no_full_card() {
	! grep -a -F -q -f "$TMP/t.cards" "$@"
}

check_exact_run() {
	local name=$1 n
	n=$(planted)
	expect_eq "$name: exit status" "$(cat "$TMP/$name.rc")" 0 || {
		tail -20 "$TMP/$name.err"
		return
	}
	stop_peer
	check "$name: accounting" accounting_ok "$TMP/$name.err"
	check "$name: records counted in the events identity" grep -q \
		"^ accounting: alerts .* + window_obs_records $n = .*: ok$" "$TMP/$name.err"
	check "$name: window_observations = records" grep -q \
		"^ accounting: window_observations $n = window_obs_records $n + window_obs_too_long 0: ok$" \
		"$TMP/$name.err"
	expect_eq "$name: records delivered" \
		"$(sink_value "$TMP/$name.err" kafka-observations written)" "$n"
	expect_eq "$name: window_obs_ring_full" "$(value "$TMP/$name.err" window_obs_ring_full)" 0
	check "$name: consumed = planted, keyed by key_id, one partition per key" \
		$PY "$TXNOBS" compare "$TMP/exp.json" "$TMP/$name.msgs" $HOST
	check "$name: no full card number in the records" no_full_card "$TMP/$name.msgs"
	check "$name: the window alerts unchanged" $PY "$MKTXN" compare "$TMP/alerts.json" \
		"$TMP/$name.json"
	check "$name: no record among the events" bash -c "! grep -q key_id '$TMP/$name.json'"
}

test_observations_one_worker() {
	need || return
	start_peer w1 || return
	obs_run w1 -w 1
	check_exact_run w1
}

test_observations_two_workers() {
	need || return
	start_peer w2 || return
	obs_run w2 -w 2
	check_exact_run w2
}

# A full event ring loses records, counted, never stalls: the consumed
# records are the planted ones less exactly those counted lost.
test_observations_ring_full_counted() {
	local n lost recs
	need || return
	start_peer rf || return
	obs_run rf -w 1 --set outputs.backpressure=drop --set events.ring-size=64
	n=$(planted)
	stop_peer
	# exit 4 when something was lost (outputs.loss-exit), else 0
	check "rf: exit status 0 or 4" grep -qx '[04]' "$TMP/rf.rc"
	check "rf: accounting" accounting_ok "$TMP/rf.err"
	lost=$(value "$TMP/rf.err" window_obs_ring_full)
	recs=$(value "$TMP/rf.err" window_obs_records)
	expect_eq "rf: records made" "$recs" "$n"
	check "rf: ring-full records in drop_ring_full" \
		[ "$(value "$TMP/rf.err" drop_ring_full)" -ge "$lost" ]
	expect_eq "rf: delivered = records - lost" \
		"$(sink_value "$TMP/rf.err" kafka-observations written)" $((n - lost))
	check "rf: consumed = planted less the $lost counted lost" \
		$PY "$TXNOBS" compare "$TMP/exp.json" "$TMP/rf.msgs" $HOST --lost "$lost"
	echo "    (ring full: $lost of $n records lost, counted)"
}

test_observations_refused() {
	need || return
	run_weir "$TMP/nokey" -r "$TMP/t.pcap" -S "$RULES" -o /dev/null --set ctl.enabled=false \
		--set "windows.state-dir=$TMP" --set windows.observations=kafka \
		--set outputs.kafka.brokers=127.0.0.1:1
	check "no key file: refused" [ "$(cat "$TMP/nokey.rc")" -ne 0 ]
	check "no key file: says why" grep -q \
		"windows.observations needs outputs.sensitive-hmac-key-file" "$TMP/nokey.err"
	run_weir "$TMP/nobrk" -r "$TMP/t.pcap" -S "$RULES" -o /dev/null --set ctl.enabled=false \
		--set "windows.state-dir=$TMP" --set windows.observations=kafka \
		--set "outputs.sensitive-hmac-key-file=$TMP/hkey"
	check "no brokers: refused" [ "$(cat "$TMP/nobrk.rc")" -ne 0 ]
	check "no brokers: says why" grep -q \
		"windows.observations kafka needs outputs.kafka.brokers" "$TMP/nobrk.err"
}

ALL_TESTS="test_observations_one_worker test_observations_two_workers
test_observations_ring_full_counted test_observations_refused"
run_all
