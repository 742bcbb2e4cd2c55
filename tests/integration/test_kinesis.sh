#!/usr/bin/env bash
# The kinesis sink against a local Kinesis: kinesalite (from the npm
# registry, with Debian's Node.js, installed once into a cache outside the
# repository), a stream of several shards made and read back by a client of
# our own (kinesis_client.py: plain urllib, none of weir's code), and a proxy
# (kinesis_proxy.py) that checks every request's SigV4 signature with its
# own implementation, can throttle part of each PutRecords call and stands
# in for STS. Cases: every event arrives once, in order per partition key,
# body intact; a throttling endpoint; a stopped endpoint; bad credentials;
# web identity credentials from STS; credentials that must be refused at
# start. Every wait is a bounded poll.
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/tests/data/sample.pcap
SIGS=$SRC/rules/examples/sample.sigs
PY=/usr/bin/python3
CLIENT=$SRC/tests/integration/kinesis_client.py
PROXY=$SRC/tests/integration/kinesis_proxy.py
KDIR=${KINESALITE_DIR:-/var/cache/weir-ci/kinesalite}
NOCTL=(--set ctl.enabled=false --set outputs.weir-fields=true) # the checks read weir.worker/seq
KEY_ID=AKIDWEIRTEST
SECRET=weir-test-secret-key
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

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

# sink_value ERRFILE SINK NAME: counter NAME of sink SINK from the summary
sink_value() {
	awk -v sec="sink $2 " -v name="$3:" '
		/^ [a-z]/ { insec = (index($0, " " sec) == 1) }
		insec && $1 == name { print $2; exit }' "$1"
}

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kinesalite from the npm registry into $KDIR, once (install_kinesalite.sh)
ensure_kinesalite() {
	if ! KINESALITE_DIR=$KDIR bash "$SRC/tests/integration/install_kinesalite.sh"; then
		# under CI a missing peer is a failure, never a quiet skip
		if [ "${CI:-}" = true ]; then
			fail "kinesalite could not be installed from the npm registry"
		else
			skip "kinesalite could not be installed from the npm registry"
		fi
		return 1
	fi
}

# answers PORT: something accepts connections on 127.0.0.1:PORT
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_kinesalite: sets KURL
start_kinesalite() {
	[ -n "${KURL:-}" ] && return 0
	ensure_kinesalite || return 1
	local port
	port=$(free_port)
	"$KDIR/node_modules/.bin/kinesalite" --port "$port" --createStreamMs 0 --shardLimit 100 \
		>"$TMP/kinesalite.log" 2>&1 &
	PIDS+=($!)
	KURL=http://127.0.0.1:$port
	if ! wait_for 30 answers "$port"; then
		fail "kinesalite did not start"; cat "$TMP/kinesalite.log"; KURL=; return 1
	fi
}

# start_proxy NAME MODE: kinesis_proxy.py before kinesalite; sets PURL
start_proxy() {
	$PY "$PROXY" "$KURL" "$KEY_ID" "$SECRET" "$2" "$TMP/$1.proxy" >"$TMP/$1.proxy.log" 2>&1 &
	PIDS+=($!)
	PROXY_PID=$!
	if ! wait_for 20 grep -qs '^port ' "$TMP/$1.proxy"; then
		fail "proxy did not start"; cat "$TMP/$1.proxy.log"; return 1
	fi
	PURL=http://127.0.0.1:$(awk '/^port/{ print $2 }' "$TMP/$1.proxy")
}

proxy_value() { awk -v k="$2" '$1 == k { print $2 }' "$TMP/$1.proxy"; }

# run_kinesis NAME STREAM ENDPOINT ARGS...: weir -r on the sample into the
# stream, with the test's credentials in the environment
run_kinesis() {
	local name=$1 stream=$2 url=$3
	shift 3
	AWS_ACCESS_KEY_ID=${AK:-$KEY_ID} AWS_SECRET_ACCESS_KEY=${SK:-$SECRET} \
		run_weir "$TMP/$name" -r "$SAMPLE" -S "$SIGS" -o "$TMP/$name.json" "${NOCTL[@]}" \
		--set outputs.kinesis.stream="$stream" --set outputs.kinesis.region=us-east-1 \
		--set outputs.kinesis.endpoint="$url" --set outputs.kinesis.retry-backoff-ms=5 \
		--set outputs.kinesis.retry-backoff-max-ms=50 "$@"
}

# records_check RECORDS JSONL KEY: the stream's records are the JSON lines,
# each once, keyed by KEY (flow | src), and in order (weir.seq) per key
records_check() {
	$PY - "$@" <<'PY'
import collections, json, sys
recs, jsonl, key = sys.argv[1:4]
got, order = [], collections.defaultdict(list)
for n, line in enumerate(open(recs, encoding="utf-8"), 1):
    shard, k, v = line.rstrip("\n").split("\t", 2)
    ev = json.loads(v)
    want = {"flow": str(ev["flow_id"]), "src": ev["src_ip"]}[key]
    if k != want:
        sys.exit("%s:%d: key %r, want %r" % (recs, n, k, want))
    got.append(v)
    order[(shard, k)].append((ev["weir"]["worker"], ev["weir"]["seq"]))
want = [l.rstrip("\n") for l in open(jsonl, encoding="utf-8")]
if collections.Counter(got) != collections.Counter(want):
    sys.exit("records differ from the JSON lines: %d vs %d" % (len(got), len(want)))
# within a shard records are in the order the service stored them: a
# key's events must be in the order weir made them (per worker)
for (shard, k), seqs in order.items():
    for w in {s[0] for s in seqs}:
        mine = [s[1] for s in seqs if s[0] == w]
        if mine != sorted(mine):
            sys.exit("key %s on %s out of order: %s" % (k, shard, mine))
PY
}

new_stream() { $PY "$CLIENT" "$KURL" create "$1" "$2"; }

test_delivers_every_event_in_order() {
	start_kinesalite || return
	check "stream of 4 shards" new_stream flows 4 || return
	start_proxy ok pass || return
	run_kinesis ok flows "$PURL"
	expect_eq "exit status" "$(cat "$TMP/ok.rc")" 0 || { cat "$TMP/ok.err"; return; }
	check "accounting" accounting_ok "$TMP/ok.err"
	local alerts
	alerts=$(summary_value "$TMP/ok.err" alerts)
	[ "$alerts" -gt 0 ] || fail "no alerts"
	expect_eq "written" "$(sink_value "$TMP/ok.err" kinesis written)" "$alerts"
	expect_eq "signatures refused by the proxy" "$(proxy_value ok refused)" 0
	expect_eq "calls = proxy's" "$(sink_value "$TMP/ok.err" kinesis requests)" \
		"$(proxy_value ok requests)"
	expect_eq "records read back" "$($PY "$CLIENT" "$KURL" read flows "$TMP/ok.recs")" "$alerts"
	check "records = JSON lines, keyed by flow, in order" records_check "$TMP/ok.recs" \
		"$TMP/ok.json" flow
	check "more than one shard used" [ "$(cut -f1 "$TMP/ok.recs" | sort -u | wc -l)" -gt 1 ]
	[ "$(sink_value "$TMP/ok.err" kinesis request_time)" -gt 0 ] || fail "no request_time"

	# partition key src, straight to kinesalite, small calls
	check "stream of 3 shards" new_stream bysrc 3 || return
	run_kinesis src bysrc "$KURL" --set outputs.kinesis.partition-key=src \
		--set outputs.kinesis.batch-records=7
	expect_eq "src: exit status" "$(cat "$TMP/src.rc")" 0 || { cat "$TMP/src.err"; return; }
	$PY "$CLIENT" "$KURL" read bysrc "$TMP/src.recs" >/dev/null
	check "src: records = JSON lines, keyed by source" records_check "$TMP/src.recs" \
		"$TMP/src.json" src
}

test_throttled_records_retried() {
	start_kinesalite || return
	check "stream" new_stream throttled 2 || return
	start_proxy thr throttle || return
	run_kinesis thr throttled "$PURL"
	expect_eq "exit status" "$(cat "$TMP/thr.rc")" 0 || { cat "$TMP/thr.err"; return; }
	check "accounting" accounting_ok "$TMP/thr.err"
	local alerts throttled
	alerts=$(summary_value "$TMP/thr.err" alerts)
	throttled=$(proxy_value thr throttled)
	[ "$throttled" -gt 0 ] || fail "the proxy throttled nothing"
	expect_eq "throttled = the proxy's" "$(sink_value "$TMP/thr.err" kinesis throttled)" \
		"$throttled"
	# each throttled record was sent again, once (the proxy throttles a
	# record only the first time)
	expect_eq "retried" "$(sink_value "$TMP/thr.err" kinesis retried)" "$throttled"
	expect_eq "written" "$(sink_value "$TMP/thr.err" kinesis written)" "$alerts"
	check "says so, with the error code" grep -q \
		"kinesis throttled: throttled, records kept for retry (counted throttled): ProvisionedThroughputExceededException" \
		"$TMP/thr.err"
	$PY "$CLIENT" "$KURL" read throttled "$TMP/thr.recs" >/dev/null
	check "records = JSON lines, once each, in order per key" records_check "$TMP/thr.recs" \
		"$TMP/thr.json" flow
}

test_stopped_endpoint() {
	local port
	port=$(free_port) # nothing listens there
	run_kinesis down s "http://127.0.0.1:$port" --set outputs.kinesis.flush-timeout-ms=1000
	# a loss: exit status 4 (outputs.loss-exit)
	expect_eq "exit status" "$(cat "$TMP/down.rc")" 4 || { cat "$TMP/down.err"; return; }
	check "accounting" accounting_ok "$TMP/down.err"
	local alerts
	alerts=$(summary_value "$TMP/down.err" alerts)
	expect_eq "written" "$(sink_value "$TMP/down.err" kinesis written)" 0
	expect_eq "undelivered" "$(sink_value "$TMP/down.err" kinesis drop_undelivered)" "$alerts"
	[ "$(sink_value "$TMP/down.err" kinesis request_errors)" -gt 0 ] || fail "no request_errors"
	check "says the endpoint is unreachable" grep -q \
		"kinesis s: endpoint unreachable (http://127.0.0.1:$port/: Couldn't connect to server)" \
		"$TMP/down.err"
	check "says what the flush left" grep -q \
		"kinesis s: flush timed out after [0-9]* ms; $alerts records counted drop_undelivered" \
		"$TMP/down.err"
	check "LOSS line" grep -q "LOSS" "$TMP/down.err"
}

# A queue smaller than the run: offline replay waits for room (nothing
# lost), live-style drop mode counts what did not fit.
test_small_queue() {
	start_kinesalite || return
	check "stream" new_stream small 2 || return
	start_proxy small throttle || return
	run_kinesis small small "$PURL" --set outputs.kinesis.queue-size=16 \
		--set outputs.kinesis.batch-records=5
	expect_eq "backpressure: exit status" "$(cat "$TMP/small.rc")" 0 || { cat "$TMP/small.err"; return; }
	check "accounting" accounting_ok "$TMP/small.err"
	local alerts port
	alerts=$(summary_value "$TMP/small.err" alerts)
	[ "$alerts" -gt 16 ] || fail "the sample has only $alerts alerts"
	expect_eq "backpressure: written" "$(sink_value "$TMP/small.err" kinesis written)" "$alerts"
	expect_eq "backpressure: drop_full" "$(sink_value "$TMP/small.err" kinesis drop_full)" 0
	$PY "$CLIENT" "$KURL" read small "$TMP/small.recs" >/dev/null
	check "records = JSON lines, in order per key" records_check "$TMP/small.recs" \
		"$TMP/small.json" flow
	port=$(free_port)
	run_kinesis drop s "http://127.0.0.1:$port" --set outputs.kinesis.queue-size=16 \
		--set outputs.backpressure=drop --set outputs.kinesis.flush-timeout-ms=200
	expect_eq "drop: exit status" "$(cat "$TMP/drop.rc")" 4 || { cat "$TMP/drop.err"; return; }
	check "drop: accounting" accounting_ok "$TMP/drop.err"
	expect_eq "drop: drop_full + drop_undelivered" \
		"$(($(sink_value "$TMP/drop.err" kinesis drop_full) + $(sink_value "$TMP/drop.err" \
			kinesis drop_undelivered)))" "$alerts"
	expect_eq "drop: undelivered = the queue" \
		"$(sink_value "$TMP/drop.err" kinesis drop_undelivered)" 16
	check "drop: says so" grep -q "kinesis s: queue full, event dropped (counted drop_full)" \
		"$TMP/drop.err"
}

test_bad_credentials() {
	start_kinesalite || return
	check "stream" new_stream creds 1 || return
	start_proxy bad pass || return
	# a wrong secret: the signature does not match
	SK=not-the-secret run_kinesis bad creds "$PURL"
	expect_eq "exit status" "$(cat "$TMP/bad.rc")" 4 || { cat "$TMP/bad.err"; return; }
	check "accounting" accounting_ok "$TMP/bad.err"
	local alerts
	alerts=$(summary_value "$TMP/bad.err" alerts)
	expect_eq "drop_errors" "$(sink_value "$TMP/bad.err" kinesis drop_errors)" "$alerts"
	expect_eq "written" "$(sink_value "$TMP/bad.err" kinesis written)" 0
	expect_eq "calls refused = calls" "$(proxy_value bad refused)" \
		"$(sink_value "$TMP/bad.err" kinesis requests)"
	check "says so by name, once at first" [ "$(grep -c \
		"kinesis creds: credentials refused, records dropped (counted drop_errors): HTTP 400 InvalidSignatureException: The request signature we calculated" \
		"$TMP/bad.err")" = 1 ]
	# an unknown key id
	AK=AKIDNOBODY run_kinesis who creds "$PURL"
	expect_eq "unknown key: exit status" "$(cat "$TMP/who.rc")" 4
	check "unknown key: says so by name" grep -q \
		"credentials refused.*HTTP 400 UnrecognizedClientException: The security token included in the request is invalid" \
		"$TMP/who.err"
	expect_eq "unknown key: drop_errors" "$(sink_value "$TMP/who.err" kinesis drop_errors)" \
		"$alerts"
}

test_refused_at_start() {
	local creds=$TMP/credentials
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$KEY_ID" "$SECRET" >"$creds"
	chmod 644 "$creds"
	# no credentials in the environment: the file, which others may read
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
	AWS_SHARED_CREDENTIALS_FILE=$creds run_weir "$TMP/perm" -r "$SAMPLE" -S "$SIGS" \
		"${NOCTL[@]}" --set outputs.kinesis.stream=s --set outputs.kinesis.region=us-east-1
	expect_eq "world-readable file: exit status" "$(cat "$TMP/perm.rc")" 2
	check "says why" grep -q \
		"kinesis: cannot open 's': Permission denied: credentials: $creds: readable or writable by group or others (mode 0644): refused" \
		"$TMP/perm.err"
	chmod 600 "$creds"
	AWS_SHARED_CREDENTIALS_FILE=$creds run_weir "$TMP/prof" -r "$SAMPLE" -S "$SIGS" \
		"${NOCTL[@]}" --set outputs.kinesis.stream=s --set outputs.kinesis.region=us-east-1 \
		--set outputs.kinesis.profile=nosuch
	expect_eq "missing profile: exit status" "$(cat "$TMP/prof.rc")" 2
	check "names the profile" grep -q "no profile \[nosuch\]" "$TMP/prof.err"
	AWS_WEB_IDENTITY_TOKEN_FILE=/nonexistent AWS_ROLE_ARN=arn:aws:iam::0:role/x \
		AWS_ENDPOINT_URL_STS=http://127.0.0.1:1/ run_weir "$TMP/wi" -r "$SAMPLE" -S "$SIGS" \
		"${NOCTL[@]}" --set outputs.kinesis.stream=s --set outputs.kinesis.region=us-east-1
	expect_eq "web identity, no token: exit status" "$(cat "$TMP/wi.rc")" 2
	check "web identity, no token: says so" grep -q \
		"credentials: web identity token /nonexistent: No such file or directory" "$TMP/wi.err"
	AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET run_weir "$TMP/win" -r "$SAMPLE" \
		-S "$SIGS" "${NOCTL[@]}" --set outputs.kinesis.stream=s \
		--set outputs.kinesis.region=us-east-1 --set outputs.kinesis.partition-key=window
	expect_eq "partition-key window: exit status" "$(cat "$TMP/win.rc")" 2
	check "window: not supported yet" grep -q "partition-key window: not supported yet" \
		"$TMP/win.err"
}

# Web identity (EKS/IRSA): the token file exchanged with STS (the proxy)
# for keys and a session token, which sign every call.
test_web_identity() {
	start_kinesalite || return
	check "stream" new_stream web 2 || return
	echo "eyJ.web-identity-token.sig" >"$TMP/web.token"
	WEB_TOKEN=eyJ.web-identity-token.sig start_proxy web pass || return
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	AWS_WEB_IDENTITY_TOKEN_FILE=$TMP/web.token AWS_ROLE_ARN=arn:aws:iam::000000000000:role/weir \
		AWS_ENDPOINT_URL_STS=$PURL run_weir "$TMP/web" -r "$SAMPLE" -S "$SIGS" \
		-o "$TMP/web.json" "${NOCTL[@]}" --set outputs.kinesis.stream=web \
		--set outputs.kinesis.region=us-east-1 --set outputs.kinesis.endpoint="$PURL"
	expect_eq "exit status" "$(cat "$TMP/web.rc")" 0 || { cat "$TMP/web.err"; return; }
	check "accounting" accounting_ok "$TMP/web.err"
	expect_eq "keys issued by STS" "$(proxy_value web sts)" 1
	expect_eq "signatures refused" "$(proxy_value web refused)" 0
	expect_eq "written" "$(sink_value "$TMP/web.err" kinesis written)" \
		"$(summary_value "$TMP/web.err" alerts)"
	check "says where the keys come from" grep -q \
		"credentials from web identity $TMP/web.token for arn:aws:iam::000000000000:role/weir" \
		"$TMP/web.err"
	$PY "$CLIENT" "$KURL" read web "$TMP/web.recs" >/dev/null
	check "records = JSON lines" records_check "$TMP/web.recs" "$TMP/web.json" flow
	# a token STS does not accept: refused at start, with STS's error code
	echo "not-the-token" >"$TMP/web.token"
	AWS_WEB_IDENTITY_TOKEN_FILE=$TMP/web.token AWS_ROLE_ARN=arn:aws:iam::000000000000:role/weir \
		AWS_ENDPOINT_URL_STS=$PURL run_weir "$TMP/webbad" -r "$SAMPLE" -S "$SIGS" \
		"${NOCTL[@]}" --set outputs.kinesis.stream=web --set outputs.kinesis.region=us-east-1 \
		--set outputs.kinesis.endpoint="$PURL"
	expect_eq "bad token: exit status" "$(cat "$TMP/webbad.rc")" 2
	check "bad token: STS's error code" grep -q \
		"credentials: STS InvalidIdentityToken: Incorrect token" "$TMP/webbad.err"
}

ALL_TESTS="test_delivers_every_event_in_order test_throttled_records_retried
test_stopped_endpoint test_small_queue test_bad_credentials test_web_identity
test_refused_at_start"
run_all
