#!/usr/bin/env bash
# Kafka TLS and SASL (issue 17): outputs.kafka.tls.* and .sasl.* reach
# librdkafka; secrets come from files that are not readable by everyone,
# never from the configuration; a bad CA path or a bad certificate stops
# weir at start with librdkafka's reason; TLS and authentication failures
# at run time are logged under their own names. Debian 12's librdkafka 2.0
# mock cluster (kafka_mock_peer) listens in plaintext and has no SASL
# handshake, so a working TLS or SASL session cannot be shown here: against
# it a TLS client fails its handshake and a SASL client its
# authentication, which is what the run-time cases check.
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/tests/data/sample.pcap
SIGS=$SRC/rules/examples/sample.sigs
PEER=${KAFKA_MOCK_PEER:-}
DEAD=127.0.0.1:1 # nothing listens there

need_kafka() {
	if [ -z "$PEER" ]; then
		skip "weir built without librdkafka"
		return 1
	fi
}

need_openssl() {
	if ! command -v openssl >/dev/null; then
		skip "no openssl(1) to make certificates"
		return 1
	fi
}

# kweir PFX BROKERS ARGS...: weir -r sample.pcap with the kafka sink only
kweir() {
	local pfx=$1 brokers=$2
	shift 2
	run_weir "$pfx" -r "$SAMPLE" -S "$SIGS" -o "" --set ctl.enabled=false \
		--set outputs.kafka.brokers="$brokers" --set outputs.kafka.flush-timeout-ms=2000 \
		--set outputs.loss-exit=false "$@"
}

# refused PFX WHAT FRAGMENT...: weir did not run, and said each FRAGMENT
refused() {
	local pfx=$1 what=$2 f
	shift 2
	[ "$(cat "$pfx.rc")" != 0 ] || fail "$what: weir ran (exit 0)"
	grep -q '^weir: running' "$pfx.err" && fail "$what: weir started capturing"
	for f in "$@"; do
		grep -qF -- "$f" "$pfx.err" || { fail "$what: no '$f' in stderr"; grep -v '^EAL' "$pfx.err" | tail -3; }
	done
}

make_certs() {
	[ -f "$TMP/ca.pem" ] && return 0
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=weir-test-ca \
		-keyout "$TMP/ca.key" -out "$TMP/ca.pem" >/dev/null 2>&1 &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=weir-client \
			-keyout "$TMP/client.key" -out "$TMP/client.csr" >/dev/null 2>&1 &&
		openssl x509 -req -in "$TMP/client.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
			-CAcreateserial -days 2 -out "$TMP/client.pem" >/dev/null 2>&1 &&
		chmod 0600 "$TMP/client.key"
}

test_world_readable_secrets_refused() {
	need_kafka || return
	need_openssl || return
	check "certificates" make_certs || return
	printf 'pw\n' >"$TMP/pw"
	chmod 0644 "$TMP/pw"
	kweir "$TMP/wr1" "$DEAD" --set outputs.kafka.sasl.mechanism=SCRAM-SHA-256 \
		--set outputs.kafka.sasl.username=weir --set outputs.kafka.sasl.password-file="$TMP/pw"
	refused "$TMP/wr1" "world-readable password file" \
		"$TMP/pw: outputs.kafka.sasl.password-file: readable by everyone"
	cp "$TMP/client.key" "$TMP/open.key"
	chmod 0604 "$TMP/open.key"
	kweir "$TMP/wr2" "$DEAD" --set outputs.kafka.tls.cert-file="$TMP/client.pem" \
		--set outputs.kafka.tls.key-file="$TMP/open.key"
	refused "$TMP/wr2" "world-readable private key" \
		"$TMP/open.key: outputs.kafka.tls.key-file: readable by everyone"
	kweir "$TMP/wr3" "$DEAD" --set outputs.kafka.sasl.mechanism=PLAIN \
		--set outputs.kafka.sasl.username=weir --set outputs.kafka.sasl.password-file="$TMP/none"
	refused "$TMP/wr3" "missing password file" \
		"$TMP/none: outputs.kafka.sasl.password-file: No such file"
}

test_secrets_never_in_the_configuration() {
	need_kafka || return
	kweir "$TMP/sp" "$DEAD" --set outputs.kafka.properties=sasl.password=hunter2
	refused "$TMP/sp" "sasl.password in properties" "sasl.password is a secret"
	kweir "$TMP/kp" "$DEAD" --set outputs.kafka.properties=ssl.key.password=hunter2
	refused "$TMP/kp" "ssl.key.password in properties" "ssl.key.password is a secret"
	kweir "$TMP/mm" "$DEAD" --set outputs.kafka.security-protocol=ssl \
		--set outputs.kafka.sasl.mechanism=PLAIN
	refused "$TMP/mm" "ssl with a SASL mechanism" \
		"security-protocol ssl does not use outputs.kafka.sasl.mechanism"
}

test_bad_ca_and_certificate_stop_the_start() {
	need_kafka || return
	need_openssl || return
	check "certificates" make_certs || return
	kweir "$TMP/ca1" "$DEAD" --set outputs.kafka.tls.ca-file="$TMP/no-such-ca.pem"
	refused "$TMP/ca1" "missing CA file" \
		"$TMP/no-such-ca.pem: outputs.kafka.tls.ca-file: ssl.ca.location failed"
	echo "not a certificate" >"$TMP/junk.pem"
	kweir "$TMP/ca2" "$DEAD" --set outputs.kafka.tls.ca-file="$TMP/junk.pem"
	refused "$TMP/ca2" "CA file without a certificate" \
		"$TMP/junk.pem: outputs.kafka.tls.ca-file: ssl.ca.location failed"
	kweir "$TMP/cert1" "$DEAD" --set outputs.kafka.tls.ca-file="$TMP/ca.pem" \
		--set outputs.kafka.tls.cert-file="$TMP/junk.pem" \
		--set outputs.kafka.tls.key-file="$TMP/client.key"
	refused "$TMP/cert1" "bad client certificate" \
		"$TMP/junk.pem: outputs.kafka.tls.cert-file: ssl.certificate.location failed"
	# a key that is not the certificate's
	openssl genrsa -out "$TMP/other.key" 2048 >/dev/null 2>&1 && chmod 0600 "$TMP/other.key"
	kweir "$TMP/cert2" "$DEAD" --set outputs.kafka.tls.ca-file="$TMP/ca.pem" \
		--set outputs.kafka.tls.cert-file="$TMP/client.pem" \
		--set outputs.kafka.tls.key-file="$TMP/other.key"
	refused "$TMP/cert2" "key of another certificate" \
		"$TMP/other.key: outputs.kafka.tls.key-file: ssl.key.location failed"
	kweir "$TMP/cert3" "$DEAD" --set outputs.kafka.tls.cert-file="$TMP/client.pem"
	refused "$TMP/cert3" "certificate without its key" "tls.cert-file and tls.key-file go together"
}

# A good TLS configuration opens; the plaintext mock cluster then fails
# the handshake, which weir names (rate-limited) while it runs.
test_tls_failure_named_at_run_time() {
	need_kafka || return
	need_openssl || return
	check "certificates" make_certs || return
	local ppid bootstrap n
	"$PEER" weir-alerts 1 "$TMP/tls.msgs" >"$TMP/tls.peer" 2>"$TMP/tls.peer.err" &
	ppid=$!
	poll grep -qs '^bootstrap ' "$TMP/tls.peer" || { fail "mock cluster did not start"; kill "$ppid"; return; }
	bootstrap=$(awk '/^bootstrap /{ print $2 }' "$TMP/tls.peer")
	kweir "$TMP/tls" "$bootstrap" --set outputs.kafka.tls.ca-file="$TMP/ca.pem" \
		--set outputs.kafka.tls.cert-file="$TMP/client.pem" \
		--set outputs.kafka.tls.key-file="$TMP/client.key"
	check "weir ran with TLS configured" grep -q '^weir: running' "$TMP/tls.err"
	check "TLS failure named" grep -q 'kafka weir-alerts: TLS failure (see outputs.kafka.tls.\*): .*SSL handshake failed' "$TMP/tls.err"
	n=$(grep -c 'TLS failure' "$TMP/tls.err")
	[ "$n" -le 3 ] || fail "$n TLS failure lines in 2 s: not rate-limited"
	check "nothing delivered" test ! -s "$TMP/tls.msgs"
	kill -TERM "$ppid"
	wait "$ppid"
}

test_sasl_failure_named_at_run_time() {
	need_kafka || return
	local ppid bootstrap
	printf 'secret\n' >"$TMP/sasl.pw"
	chmod 0600 "$TMP/sasl.pw"
	"$PEER" weir-alerts 1 "$TMP/sasl.msgs" >"$TMP/sasl.peer" 2>"$TMP/sasl.peer.err" &
	ppid=$!
	poll grep -qs '^bootstrap ' "$TMP/sasl.peer" || { fail "mock cluster did not start"; kill "$ppid"; return; }
	bootstrap=$(awk '/^bootstrap /{ print $2 }' "$TMP/sasl.peer")
	kweir "$TMP/sasl" "$bootstrap" --set outputs.kafka.security-protocol=sasl_plaintext \
		--set outputs.kafka.sasl.mechanism=PLAIN --set outputs.kafka.sasl.username=weir \
		--set outputs.kafka.sasl.password-file="$TMP/sasl.pw"
	check "weir ran with SASL configured" grep -q '^weir: running' "$TMP/sasl.err"
	check "authentication failure named" grep -q 'kafka weir-alerts: SASL authentication failed (see outputs.kafka.sasl.\*): _AUTHENTICATION' "$TMP/sasl.err"
	grep -q secret "$TMP/sasl.err" && fail "the password appears in weir's log"
	kill -TERM "$ppid"
	wait "$ppid"
}

ALL_TESTS="
	test_world_readable_secrets_refused
	test_secrets_never_in_the_configuration
	test_bad_ca_and_certificate_stop_the_start
	test_tls_failure_named_at_run_time
	test_sasl_failure_named_at_run_time
"
run_all
