#!/usr/bin/env bash
# Nobody can lock the control plane (issue 16): a running weir (offline,
# --keep-alive) with every stats-socket slot held by idle clients must
# still answer weirctl within a bound (other users' clients: at once,
# through the slot kept for root and the owner; the owner's own clients:
# by closing the longest-idle one), closes idle connections after
# ctl.idle-timeout-ms, and serves a /metrics scrape promptly while slow
# HTTP clients hold connections. No sleep stands for a condition: every
# wait polls for it with a deadline.
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
HOLD="/usr/bin/python3 $(dirname "$0")/ctl_hold.py"
SAMPLE=$SRC/tests/data/sample.pcap
SIGS=$SRC/rules/examples/sample.sigs
HOLDER_PIDS=()

cleanup_holders() {
	local p
	for p in "${HOLDER_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HOLDER_PIDS=()
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_weir NAME ARGS...: offline weir kept alive, socket $TMP/NAME.sock
start_weir() {
	local name=$1 i
	shift
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" -r "$SAMPLE" -S "$SIGS" -o /dev/null \
		--keep-alive --set "ctl.socket=$TMP/$name.sock" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	WEIR_PID=$!
	for i in $(seq 1 300); do
		"$WEIRCTL" --socket "$TMP/$name.sock" version >/dev/null 2>&1 && return 0
		kill -0 "$WEIR_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "$name: socket never answered"
	cat "$TMP/$name.err"
	return 1
}

stop_weir() {
	local i
	cleanup_holders
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
	expect_eq "weir exit status" "$?" 0
}

# timed_stats NAME MAX_S: weirctl stats answered within MAX_S seconds
timed_stats() {
	local t0 t1
	t0=$(date +%s%N)
	timeout "$2" "$WEIRCTL" --socket "$TMP/$1.sock" stats >"$TMP/$1.stats" 2>&1 || return 1
	t1=$(date +%s%N)
	echo "    weirctl stats answered in $(((t1 - t0) / 1000000)) ms"
}

# wait_file PATH: bounded wait (30 s) for a holder's report
wait_file() {
	local i
	for i in $(seq 1 300); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

test_other_users_cannot_lock_out_root() {
	[ "$(id -u)" = 0 ] || {
		skip "needs root (clients run as another user through setpriv)"
		return
	}
	start_weir ou --set ctl.mode=0666 || return
	chmod 0711 "$TMP"
	mkdir "$TMP/nobody" && chown 65534:65534 "$TMP/nobody"
	# 80 clients of another user: 64 are served, 16 refused, none takes
	# the slot kept for root and the owner
	setpriv --reuid=65534 --regid=65534 --clear-groups $HOLD hold "$TMP/ou.sock" 80 "$TMP/nobody/ou.held" &
	HOLDER_PIDS+=($!)
	wait_file "$TMP/nobody/ou.held" || fail "holder never reported"
	expect_eq "another user's clients held/refused" "$(cat "$TMP/nobody/ou.held")" "held 64 refused 16"
	timed_stats ou 2 || fail "weirctl stats (root) did not answer within 2 s with 64 idle clients held"
	check "stats reply" grep -q 'accounting' "$TMP/ou.stats"
	stop_weir ou
	check "pressure logged" grep -q 'connection slots held.*refused' "$TMP/ou.err"
}

test_owner_idle_clients_make_room() {
	local i ok=0
	start_weir oc || return
	# the owner's own (root's) clients take every slot, the reserved one too
	$HOLD hold "$TMP/oc.sock" 80 "$TMP/oc.held" &
	HOLDER_PIDS+=($!)
	wait_file "$TMP/oc.held" || fail "holder never reported"
	expect_eq "owner's clients held/refused" "$(cat "$TMP/oc.held")" "held 65 refused 15"
	# once they idled WEIR_CTL_EVICT_MIN_MS (1 s), a newcomer closes the
	# longest-idle one: weirctl answers within 5 s of asking
	for i in $(seq 1 50); do
		if timed_stats oc 2; then
			ok=1
			break
		fi
		sleep 0.1
	done
	[ "$ok" = 1 ] || fail "weirctl never answered while 65 idle clients were held"
	stop_weir oc
	check "eviction logged" grep -q 'idle client closed to make room' "$TMP/oc.err"
}

test_idle_connections_time_out() {
	local took
	start_weir it --set ctl.idle-timeout-ms=1500 || return
	took=$($HOLD idle-close "$TMP/it.sock" 10 20) || fail "idle connections not closed within 20 s"
	echo "    10 idle connections closed after $took s"
	/usr/bin/python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 1.4 else 1)' "${took:-0}" ||
		fail "idle connections closed too early ($took s < 1.5 s)"
	timed_stats it 2 || fail "weirctl stats after the idle timeouts"
	stop_weir it
}

test_slow_metrics_clients() {
	local port took
	port=$(free_port)
	start_weir sm --set "metrics.listen=127.0.0.1:$port" || return
	# twice the old limit (16) of clients that never finish a request
	$HOLD slow-http "$port" 32 "$TMP/sm.slow" &
	HOLDER_PIDS+=($!)
	wait_file "$TMP/sm.slow" || fail "slow clients never connected"
	took=$($HOLD scrape "$port" 2) || fail "scrape with 32 slow clients not done within 2 s ($took s)"
	echo "    scrape with 32 slow clients: $took s"
	cleanup_holders
	# every slot held by slow clients: the scrape waits at most for the
	# idle timeout (1 s here), far below Prometheus' 10 s scrape timeout
	stop_weir sm
	port=$(free_port)
	start_weir sf --set "metrics.listen=127.0.0.1:$port" --set metrics.max-clients=8 \
		--set metrics.timeout-ms=1000 || return
	$HOLD slow-http "$port" 8 "$TMP/sf.slow" &
	HOLDER_PIDS+=($!)
	wait_file "$TMP/sf.slow" || fail "slow clients never connected"
	took=$($HOLD scrape "$port" 5) || fail "scrape with every slot held not done within 5 s ($took s)"
	echo "    scrape with every slot held by slow clients: $took s"
	stop_weir sf
}

trap 'cleanup_holders; rm -rf "$TMP"' EXIT
ALL_TESTS="test_other_users_cannot_lock_out_root test_owner_idle_clients_make_room
test_idle_connections_time_out test_slow_metrics_clients"
run_all
