#!/usr/bin/env bash
# weir over AF_XDP against a plain AF_PACKET reader doing the same matching
# (perf/afpacket_reader.c: weir's decoder, rule set and hs_scan), on one
# veth pair between two namespaces made here, in one run. The sender
# (tcpreplay --topspeed, CPU 0) replays a weir-gen capture LOOPS times into
# the veth; the receiver's packet loop runs on CPU 1 (weir's worker lcore
# 1@1, the reader under taskset -c 1).
#
# Reported per receiver: packets processed, alerts, receiver CPU seconds and
# packets/s per core = processed / receiver CPU seconds. weir's worker
# busy-polls, so its CPU seconds include idle spinning and its per-core
# figure is a lower bound; the reader sleeps in recvmmsg when idle.
#
#   perf/bench_afxdp.sh BUILD_DIR [PACKETS] [LOOPS]      (root; bounded: 120 s per run)
set -uo pipefail

BUILD=${1:?usage: bench_afxdp.sh BUILD_DIR [PACKETS] [LOOPS]}
N=${2:-20000}
LOOPS=${3:-20}
SRC=$(cd "$(dirname "$0")/.." && pwd)
SIGS=$SRC/rules/examples/sample.sigs
NA=weir-ba-$$
NB=weir-bb-$$
TMP=$(mktemp -d /tmp/weir-bench-afxdp.XXXXXX)
WPID=

cleanup() {
	[ -n "$WPID" ] && kill -9 "$WPID" 2>/dev/null
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench_afxdp: needs root" >&2; exit 77; }
ip netns add "$NA" && ip netns add "$NB" &&
	ip link add bv0 netns "$NA" type veth peer name bv1 netns "$NB" || exit 1
for ns in "$NA" "$NB"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
ip -n "$NA" link set bv0 up
ip -n "$NB" link set bv1 up

"$BUILD/perf/weir-gen" -n "$N" -s 5 -f 0.25 -R "$SIGS" -o "$TMP/g.pcap" -e "$TMP/g.tsv" >/dev/null
TOTAL=$((N * LOOPS))

# cpu_s PID: user + system seconds of every thread of PID so far
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# send: replay the capture LOOPS times from the peer namespace, on CPU 0
send() {
	ip netns exec "$NB" taskset -c 0 timeout 120 tcpreplay -q -i bv1 --topspeed \
		--loop="$LOOPS" "$TMP/g.pcap" 2>&1 | awk '/Actual/ { print $0 }'
}

wait_line() { # FILE REGEX: bounded wait (30 s) for a line
	local i
	for i in $(seq 1 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

echo "bench_afxdp: $TOTAL packets ($N x $LOOPS), $(nproc) CPUs, kernel $(uname -r)"

# --- weir over AF_XDP
ip netns exec "$NA" "$BUILD/weir" -S "$SIGS" -i bv0 --set capture.driver=afxdp -o /dev/null \
	-- --lcores=0@0,1@1 >"$TMP/w.out" 2>"$TMP/w.err" &
WPID=$!
wait_line "$TMP/w.err" '^weir: running' || { cat "$TMP/w.err"; exit 1; }
c0=$(cpu_s "$WPID")
sent=$(send)
sleep 1 # let the worker drain what is queued; weir runs on until SIGINT
c1=$(cpu_s "$WPID")
kill -INT "$WPID"
for i in $(seq 1 300); do kill -0 "$WPID" 2>/dev/null || break; sleep 0.1; done
wait "$WPID"
WPID=
w_rx=$(awk '$1 == "rx_packets:" { print $2; exit }' "$TMP/w.err")
w_alerts=$(awk '$1 == "alerts:" { print $2; exit }' "$TMP/w.err")
w_mode=$(awk '$1 == "mode:" { $1 = ""; print; exit }' "$TMP/w.err")
w_drops=$(awk '/^ port /,/^ emitter/' "$TMP/w.err" | awk '$1 ~ /^drop_/ && $2 > 0 { printf "%s %s ", $1, $2 }')
w_cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')
echo "weir afxdp ($w_mode): sender: $sent"
echo "  losses: ${w_drops:-none}"
echo "  packets $w_rx alerts $w_alerts cpu_s $w_cpu pps_per_core $(awk -v p="$w_rx" -v c="$w_cpu" 'BEGIN { printf "%.0f", (c > 0 ? p / c : 0) }')"

# --- AF_PACKET reader, same interface, same capture
ip netns exec "$NA" taskset -c 1 "$BUILD/perf/afpacket-reader" -i bv0 -S "$SIGS" -n "$TOTAL" \
	-t 60 >"$TMP/r.out" 2>"$TMP/r.err" &
WPID=$!
wait_line "$TMP/r.err" 'running' || { cat "$TMP/r.err"; exit 1; }
sent=$(send)
sleep 1 # let it drain what is queued in the socket
kill -INT "$WPID" 2>/dev/null
for i in $(seq 1 300); do kill -0 "$WPID" 2>/dev/null || break; sleep 0.1; done
kill -9 "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
WPID=
read -r _ _ r_rx _ r_alerts _ r_cpu <"$TMP/r.out" || true
echo "afpacket-reader (recvmmsg x32): sender: $sent"
echo "  packets ${r_rx:-?} alerts ${r_alerts:-?} cpu_s ${r_cpu:-?} pps_per_core $(awk -v p="${r_rx:-0}" -v c="${r_cpu:-0}" 'BEGIN { printf "%.0f", (c > 0 ? p / c : 0) }')"
echo "expected alerts per pass: $(grep -v '^#' "$TMP/g.tsv" | awk -F'\t' '{ s += $2 } END { print s * '"$LOOPS"' }')"
