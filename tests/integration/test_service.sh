#!/usr/bin/env bash
# weir under a service manager (app/service.h, common/log.h), without one:
# a stand-in for systemd's notification socket (notify_listen.py) receives
# what sd_notify(3) sends. READY=1 only once the control socket answers
# (ports up, rules compiled); RELOADING=1 then READY=1 around a reload
# asked through the control socket (the unit's ExecReload) and around one
# asked by SIGHUP; WATCHDOG=1 every half WATCHDOG_USEC while the workers
# poll (net_null keeps them busy) and after they finished (offline,
# --keep-alive); STOPPING=1 on shutdown. And the log in journald's format
# when stderr is the stream JOURNAL_STREAM names: every weir log line
# starts with its priority (<5> notice, <4> warning).
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
LISTEN="/usr/bin/python3 $(dirname "$0")/notify_listen.py"
SAMPLE=$SRC/tests/data/sample.pcap
SIGS=$SRC/rules/examples/sample.sigs
EAL=(--no-huge --no-shconf --no-pci -m 512)

# start NAME ARGS...: the listener on $TMP/NAME.notify (its log
# $TMP/NAME.msgs), then weir with NOTIFY_SOCKET and a 200 ms watchdog
start() {
	local name=$1 i
	shift
	$LISTEN "$TMP/$name.notify" "$TMP/$name.msgs" 300 &
	LPID=$!
	for i in $(seq 1 100); do
		[ -S "$TMP/$name.notify" ] && break
		sleep 0.05
	done
	NOTIFY_SOCKET=$TMP/$name.notify WATCHDOG_USEC=200000 \
		timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" --set "ctl.socket=$TMP/$name.sock" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	WPID=$!
}

wait_socket() {
	local i
	for i in $(seq 1 300); do
		"$WEIRCTL" --socket "$TMP/$1.sock" version >/dev/null 2>&1 && return 0
		kill -0 "$WPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# count NAME PATTERN: messages matching PATTERN so far
count() {
	grep -c -E "$2" "$TMP/$1.msgs" 2>/dev/null || true
}

# at_least NAME PATTERN N: N messages or more match PATTERN (for poll)
at_least() {
	[ "$(count "$1" "$2")" -ge "$3" ]
}

finish() {
	local name=$1
	"$WEIRCTL" --socket "$TMP/$name.sock" shutdown >/dev/null 2>&1
	stop_wpid
	poll grep -q '^STOPPING=1' "$TMP/$name.msgs" || { fail "no STOPPING=1"; grep -v '^WATCHDOG' "$TMP/$name.msgs"; tail -3 "$TMP/$name.err"; }
	kill "$LPID" 2>/dev/null
	wait "$LPID" 2>/dev/null
}

check_reloads() {
	local name=$1 want
	# READY=1 arrived with the control socket up: the first message
	check "first message is READY=1 with a status" \
		grep -q -m1 -E '^READY=1 \| (WATCHDOG=1 \| )?STATUS=running: ' "$TMP/$name.msgs"
	"$WEIRCTL" --socket "$TMP/$name.sock" reload >/dev/null || fail "weirctl reload"
	poll grep -q '^RELOADING=1' "$TMP/$name.msgs" || fail "no RELOADING=1 for weirctl reload"
	poll grep -q -E '^READY=1 \| STATUS=running; last reload done' "$TMP/$name.msgs" ||
		fail "no READY=1 after weirctl reload"
	want=$(($(count "$name" '^RELOADING=1') + 1))
	kill -HUP "$WPID"
	poll at_least "$name" '^RELOADING=1' "$want" || fail "no RELOADING=1 for SIGHUP"
	poll at_least "$name" '^READY=1 \| STATUS=running; last reload done' 2 ||
		fail "no READY=1 after the SIGHUP reload"
	# RELOADING and READY alternate
	check "reload messages alternate" awk '
		/^RELOADING=1/ { if (r) bad = 1; r = 1 }
		/^READY=1 \| STATUS=running; last reload/ { if (!r) bad = 1; r = 0 }
		END { exit bad || r }' "$TMP/$name.msgs"
}

test_live_capture() {
	start live -S "$SIGS" -o /dev/null -i net_null0 -- "${EAL[@]}" \
		--file-prefix "weir-svc-live-$$" --vdev net_null0
	wait_socket live || { fail "socket never answered"; cat "$TMP/live.err"; kill -9 "$WPID"; return; }
	poll at_least live '^READY=1' 1 || fail "no READY=1"
	# 200 ms watchdog: a ping every 100 ms while the workers poll
	poll at_least live '^WATCHDOG=1$' 5 || fail "fewer than 5 WATCHDOG=1 in 10 s"
	check_reloads live
	finish live
	check "no stalled worker logged" bash -c "! grep -q 'made no progress' '$TMP/live.err'"
}

test_offline_keep_alive() {
	start off -r "$SAMPLE" -S "$SIGS" -o "$TMP/off.json" --keep-alive
	wait_socket off || { fail "socket never answered"; cat "$TMP/off.err"; kill -9 "$WPID"; return; }
	# the workers finished with the file: still alive, pings go on
	poll at_least off '^WATCHDOG=1$' 5 || fail "fewer than 5 WATCHDOG=1 after the end"
	finish off
	[ "$(count off '^READY=1 \| (WATCHDOG=1 \| )?STATUS=running: ')" = 1 ] || fail "READY=1 not once"
}

test_no_notify_socket() {
	# not run by systemd: nothing is sent, weir runs as before
	run_weir "$TMP/plain" -r "$SAMPLE" -S "$SIGS" -o /dev/null
	expect_eq "exit status" "$(cat "$TMP/plain.rc")" 0
}

test_journal_format() {
	local js
	: >"$TMP/j.err"
	js=$(stat -c '%d:%i' "$TMP/j.err")
	# SIGHUP asks for a reload the log reports at notice level
	JOURNAL_STREAM=$js timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" \
		--set "ctl.socket=$TMP/j.sock" -r "$SAMPLE" -S "$SIGS" -o /dev/null --keep-alive \
		>"$TMP/j.out" 2>>"$TMP/j.err" &
	WPID=$!
	wait_socket j || { fail "socket never answered"; cat "$TMP/j.err"; kill -9 "$WPID"; return; }
	kill -HUP "$WPID"
	poll grep -q 'SIGHUP: reloading' "$TMP/j.err" || fail "no reload logged"
	"$WEIRCTL" --socket "$TMP/j.sock" shutdown >/dev/null 2>&1
	stop_wpid
	check "SIGHUP logged at notice (<5>)" grep -q '^<5>weir: SIGHUP: reloading the rules' "$TMP/j.err"
	# what weir writes with fprintf (the running line, the summary) has
	# no prefix: journald files it at the default priority, info
	check "the reload's log lines have a priority" bash -c \
		"! grep -q -E '^weir: (SIGHUP|rules reloaded|reload)' '$TMP/j.err'"
	# the same run without JOURNAL_STREAM: no prefix (pipes, files, tests)
	run_weir "$TMP/nj" -r "$SAMPLE" -S "$SIGS" -o /dev/null --set log.level=info
	check "no prefix without JOURNAL_STREAM" bash -c "! grep -q '^<[0-7]>' '$TMP/nj.err'"
}

ALL_TESTS="test_live_capture test_offline_keep_alive test_no_notify_socket test_journal_format"
run_all
