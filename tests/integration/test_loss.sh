#!/usr/bin/env bash
# Loss, end to end (issue 16): offline replay into a slow reader loses
# nothing (backpressure) and ends in bounded time; with backpressure off
# the loss is counted, logged at warning level once (then rate-limited)
# and given exit status 4, which outputs.loss-exit: false relaxes; a full
# output (/dev/full, a full tmpfs) is counted with its errno, logged and
# leaves whole lines only. Golden answers by construction: weir-gen says
# how many alerts its capture holds.
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/tests/data/sample.pcap
SIGS=$SRC/rules/examples/sample.sigs
GEN=$BUILD/perf/weir-gen
EAL=(--no-huge --no-shconf --no-pci -m 512)
NOCTL=(--set ctl.enabled=false)
WEIRCTL=${WEIRCTL_BIN:?}

# A capture with many alerts (about 1 packet in 3 triggers): more events
# than a worker ring and a sink queue hold together (8192 each), so a slow
# reader fills both.
make_capture() {
	[ -f "$TMP/many.pcap" ] && return 0
	"$GEN" -n 90000 -s 7 -f 0.3 -R "$SIGS" -o "$TMP/many.pcap" >"$TMP/gen.out" 2>&1 &&
		sed -n 's/.* \([0-9]*\) expected alerts.*/\1/p' "$TMP/gen.out" >"$TMP/many.alerts"
}

not() { ! "$@"; }

# slow_reader OUT: count the lines of stdin into OUT, pausing 10 ms every
# 250 lines (about 25,000 lines a second: a few seconds for the capture)
slow_reader() {
	/usr/bin/python3 -c '
import sys, time
n = 0
for line in sys.stdin.buffer:
    n += 1
    if not line.endswith(b"\n") or not line.startswith(b"{"):
        sys.exit("cut line %d" % n)
    if n % 250 == 0:
        time.sleep(0.01)
open(sys.argv[1], "w").write("%d\n" % n)' "$1"
}

# pipe_run NAME ARGS...: weir -r many.pcap -o - ARGS | slow_reader, bounded;
# NAME.err, NAME.rc, NAME.lines
pipe_run() {
	local name=$1
	shift
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" -r "$TMP/many.pcap" -S "$SIGS" -o - \
		"${NOCTL[@]}" "$@" -- "${EAL[@]}" --file-prefix "weir-loss-$$-$name" \
		2>"$TMP/$name.err" | slow_reader "$TMP/$name.lines"
	echo "${PIPESTATUS[0]}" >"$TMP/$name.rc"
}

test_offline_slow_reader_loses_nothing() {
	check "weir-gen" make_capture || return
	local want
	want=$(cat "$TMP/many.alerts")
	check "capture has alerts" [ "${want:-0}" -gt 20000 ] || return
	SECONDS=0
	pipe_run lossless
	check "ended in bounded time (${SECONDS}s)" [ "$SECONDS" -lt 60 ]
	expect_eq "exit status" "$(cat "$TMP/lossless.rc")" 0
	expect_eq "lines read = alerts" "$(cat "$TMP/lossless.lines")" "$want"
	expect_eq "alerts" "$(summary_value "$TMP/lossless.err" alerts)" "$want"
	expect_eq "sink written" "$(summary_value "$TMP/lossless.err" written "sink")" "$want"
	expect_eq "drop_ring_full" "$(summary_value "$TMP/lossless.err" drop_ring_full)" 0
	check "no LOSS line" not grep -q LOSS "$TMP/lossless.err"
	check "accounting" accounting_ok "$TMP/lossless.err"
}

test_backpressure_drop_is_loud() {
	check "weir-gen" make_capture || return
	local want lines bp
	want=$(cat "$TMP/many.alerts")
	pipe_run dropping --set outputs.backpressure=drop
	expect_eq "exit status 4 (loss)" "$(cat "$TMP/dropping.rc")" 4
	lines=$(cat "$TMP/dropping.lines")
	bp=$(summary_value "$TMP/dropping.err" drop_backpressure "sink")
	check "some lost ($lines of $want read)" [ "$lines" -lt "$want" ]
	expect_eq "read = written" "$lines" "$(summary_value "$TMP/dropping.err" written "sink")"
	check "drop_backpressure counted" [ "${bp:-0}" -gt 0 ]
	check "first loss logged at warning" \
		grep -q 'LOSS: sink jsonl drop_backpressure [0-9]* (first loss of this kind)' \
		"$TMP/dropping.err"
	check "rate-limited: at most 2 lines a kind in a few seconds" \
		[ "$(grep -c 'LOSS: sink jsonl drop_backpressure .*: events dropped' "$TMP/dropping.err")" -le 2 ]
	check "summary LOSS line" grep -q '^weir: LOSS: .*sink jsonl drop_backpressure' \
		"$TMP/dropping.err"
	check "accounting" accounting_ok "$TMP/dropping.err"
	pipe_run relaxed --set outputs.backpressure=drop --set outputs.loss-exit=false
	expect_eq "outputs.loss-exit=false: exit status" "$(cat "$TMP/relaxed.rc")" 0
}

test_dev_full() {
	run_weir "$TMP/full" -r "$SAMPLE" -S "$SIGS" -o /dev/full "${NOCTL[@]}" -- "${EAL[@]}" \
		--file-prefix "weir-loss-$$-full"
	local alerts
	alerts=$(summary_value "$TMP/full.err" alerts)
	expect_eq "exit status 4" "$(cat "$TMP/full.rc")" 4
	check "sample has alerts" [ "${alerts:-0}" -gt 0 ]
	expect_eq "drop_errors = alerts" "$(summary_value "$TMP/full.err" drop_errors "sink")" \
		"$alerts"
	check "logged with errno text" \
		grep -q 'LOSS: sink jsonl drop_errors .*No space left on device' "$TMP/full.err"
	check "accounting" accounting_ok "$TMP/full.err"
}

# A tmpfs of 16 KiB: the file fills mid-line; whole lines only remain, and
# exactly the ones counted as written.
test_full_tmpfs_whole_lines() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root (mount -t tmpfs)"
		return
	fi
	check "weir-gen" make_capture || return
	mkdir -p "$TMP/mnt"
	if ! mount -t tmpfs -o size=16k tmpfs "$TMP/mnt"; then
		skip "mount -t tmpfs failed"
		return
	fi
	run_weir "$TMP/tfs" -r "$TMP/many.pcap" -S "$SIGS" -o "$TMP/mnt/eve.json" "${NOCTL[@]}" \
		-- "${EAL[@]}" --file-prefix "weir-loss-$$-tfs"
	expect_eq "exit status 4" "$(cat "$TMP/tfs.rc")" 4
	check "whole JSON lines only" /usr/bin/python3 -c '
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\n"), "ends mid-line"
for l in data.splitlines():
    json.loads(l)' "$TMP/mnt/eve.json"
	expect_eq "lines = written" "$(wc -l <"$TMP/mnt/eve.json")" \
		"$(summary_value "$TMP/tfs.err" written "sink")"
	expect_eq "bytes = file size" "$(stat -c %s "$TMP/mnt/eve.json")" \
		"$(summary_value "$TMP/tfs.err" bytes "sink")"
	check "ENOSPC logged" grep -q 'LOSS: sink jsonl drop_errors .*No space left' "$TMP/tfs.err"
	check "accounting" accounting_ok "$TMP/tfs.err"
	umount "$TMP/mnt"
}

# `weirctl shutdown` ends an offline replay blocked on a reader that stopped
# reading (outputs.backpressure auto = block offline), as SIGTERM does: the
# workers waiting for ring room see the stop, and what remains is counted.
test_shutdown_ends_backpressure_wait() {
	check "weir-gen" make_capture || return
	local pid t0 hold sock="$TMP/bp.sock"
	mkfifo "$TMP/bp.fifo"
	# a reader that holds the pipe open and never reads
	exec {hold}<>"$TMP/bp.fifo"
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" -r "$TMP/many.pcap" -S "$SIGS" -o - \
		--set "ctl.socket=$sock" --set ctl.keep-alive=true -- "${EAL[@]}" \
		--file-prefix "weir-loss-$$-bp" \
		>"$TMP/bp.fifo" 2>"$TMP/bp.err" &
	pid=$!
	# its stats socket answers once it runs (bounded busy poll)
	check "weir serving" timeout 60 bash -c \
		'until "$0" --socket "$1" version >/dev/null 2>&1; do :; done' "$WEIRCTL" "$sock"
	# the pipe's buffer (64 KiB) holds a few hundred of its 20000+ alerts:
	# weir is waiting for the reader by now, or will be soon after
	t0=$SECONDS
	"$WEIRCTL" --socket "$sock" shutdown >/dev/null 2>&1 || fail "weirctl shutdown"
	wait "$pid"
	echo $? >"$TMP/bp.rc"
	exec {hold}>&-
	check "ended within 10 s of weirctl shutdown ($((SECONDS - t0)) s)" [ $((SECONDS - t0)) -lt 10 ]
	expect_eq "exit status 4: events lost" "$(cat "$TMP/bp.rc")" 4
	check "the loss is counted (drop_backpressure)" \
		grep -q '^weir: LOSS: .*sink jsonl drop_backpressure' "$TMP/bp.err"
	check "accounting" accounting_ok "$TMP/bp.err"
}

ALL_TESTS="test_shutdown_ends_backpressure_wait test_offline_slow_reader_loses_nothing test_backpressure_drop_is_loud test_dev_full
	test_full_tmpfs_whole_lines"
run_all
