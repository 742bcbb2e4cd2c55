#!/usr/bin/env bash
# weir over AF_XDP against a plain AF_PACKET reader doing the same matching
# (perf/afpacket_reader.c: weir's decoder, rule set and hs_scan), on one
# veth pair between two namespaces made here, in one run.
#
# A rate sweep: for each rate in RATES (packets/s, ascending) each receiver
# in turn gets the same weir-gen capture replayed LOOPS times by
# `tcpreplay --pps=RATE` (bounded: N x LOOPS packets, timeout 60 s). A point
# is loss-free when the receiver processed every packet sent and reported
# exactly the expected alerts. A receiver's sweep stops at its first lossy
# rate; its figure is the highest loss-free rate.
#
# Pinning (2 CPUs): the sender on CPU 0, the receiver's packet loop alone on
# CPU 1 (weir: --lcores=0@0,1@1, worker on 1, the mostly sleeping main lcore
# on 0; the reader: taskset -c 1). On veth the kernel half of the receive
# (XDP program and the copy into the UMEM, or the skb and AF_PACKET's queue)
# runs in NET_RX softirq on the sending CPU, CPU 0: the script prints the
# per-CPU NET_RX softirq count of each point to show where it ran.
#
# Receiver CPU = sum over the receiver's threads of sum_exec_runtime
# (/proc/PID/task/*/schedstat, ns) over the send window. Also printed: the
# time the packet-loop thread waited runnable on its run queue while another
# task had CPU 1 (schedstat's second field). weir's worker
# busy-polls, so its CPU is the window's wall time whatever the rate; its
# busy share (busy_cycles / all cycles, from the summary) says how much of
# that was work.
#
#   perf/bench_afxdp.sh BUILD_DIR [PACKETS] [LOOPS]     (root)
#   env: RATES="50000 100000 ... max" (max = tcpreplay --topspeed)  RING=ring-size  FRAMES=umem-frames
#        HOG=1: a busy loop pinned to CPU 1 during each send (another
#        runnable task on the receiver's CPU, as other jobs on a shared VM)
#        RT=1: receivers under chrt -f 1 (SCHED_FIFO, so other tasks on
#        CPU 1 cannot preempt them; the kernel's RT throttling still leaves
#        them 5 %)
set -uo pipefail

BUILD=${1:?usage: bench_afxdp.sh BUILD_DIR [PACKETS] [LOOPS]}
N=${2:-20000}
LOOPS=${3:-10}
RATES=${RATES:-50000 100000 200000 300000 max}
HOG=${HOG:-0}
RING=${RING:-}
FRAMES=${FRAMES:-}
RT=${RT:-0}
SRC=$(cd "$(dirname "$0")/.." && pwd)
# The namespace and veth helpers of the integration tests (and their TMP).
export WEIR_BIN=$BUILD/weir PCAP_COUNT=$BUILD/tests/integration/pcap_count
export WEIR_SOURCE_ROOT=$SRC WEIR_BUILD_ROOT=$BUILD
. "$SRC/tests/integration/lib.sh"
SIGS=$SRC/rules/examples/sample.sigs
NA=weir-ba-$$
NB=weir-bb-$$
netns_trap

[ "$(id -u)" -eq 0 ] || { echo "bench_afxdp: needs root" >&2; exit 77; }
netns_fresh && veth_pair bv0 "" bv1 "" || exit 1

"$BUILD/perf/weir-gen" -n "$N" -s 5 -f 0.25 -R "$SIGS" -o "$TMP/g.pcap" -e "$TMP/g.tsv" >/dev/null
TOTAL=$((N * LOOPS))
EXPECT=$(grep -v '^#' "$TMP/g.tsv" | awk -F'\t' -v l="$LOOPS" '{ s += $2 } END { print s * l }')
PRIO=()
[ "$RT" = 1 ] && PRIO=(chrt -f 1)
WSET=()
[ -n "$RING" ] && WSET+=(--set "afxdp.ring-size=$RING")
[ -n "$FRAMES" ] && WSET+=(--set "afxdp.umem-frames=$FRAMES")

# sched_ns PID: on-CPU ns of every thread of PID (schedstat field 1)
sched_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'
}
# tid_of PID CPU: the thread of PID whose affinity is exactly CPU
tid_of() {
	local t
	for t in /proc/"$1"/task/*; do
		if [ "$(awk '/^Cpus_allowed_list/ { print $2 }' "$t/status")" = "$2" ]; then
			basename "$t"
			return
		fi
	done
}
# netrx: NET_RX softirq count per CPU, "cpu0 cpu1"
netrx() { awk '$1 == "NET_RX:" { print $2, $3 }' /proc/softirqs; }

wait_line() { # FILE REGEX: bounded wait (30 s) for a line
	local i
	for i in $(seq 1 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

stop_pid() { # bounded: SIGINT, 30 s, then SIGKILL
	local i
	kill -INT "$1" 2>/dev/null
	for i in $(seq 1 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# point KIND RATE: one receiver at one rate; prints one result line
#   KIND RATE sent_pps send_s got alerts cpu_s loop_cpu_s rq_wait_s pkts_per_cpu_s
#   netrx_cpu0 netrx_cpu1 lossfree extra
point() {
	local kind=$1 rate=$2 hog= speed pid tid s0 s1 w0 w1 q0 q1 n0 n1 t0 t1 got alerts extra=- busy
	if [ "$kind" = weir ]; then
		ip netns exec "$NA" "${PRIO[@]}" "$BUILD/weir" -S "$SIGS" -i bv0 \
			--set capture.driver=afxdp "${WSET[@]}" -o /dev/null \
			-- --lcores=0@0,1@1 >"$TMP/p.out" 2>"$TMP/p.err" &
		pid=$!
		wait_line "$TMP/p.err" '^weir: running' || { cat "$TMP/p.err" >&2; return 1; }
	else
		ip netns exec "$NA" "${PRIO[@]}" taskset -c 1 "$BUILD/perf/afpacket-reader" -i bv0 \
			-S "$SIGS" -t 60 >"$TMP/p.out" 2>"$TMP/p.err" &
		pid=$!
		wait_line "$TMP/p.err" 'running' || { cat "$TMP/p.err" >&2; return 1; }
	fi
	WPID=$pid
	sleep 0.3
	tid=$(tid_of "$pid" 1)
	[ -n "$tid" ] || tid=$pid
	local nr0 nr1
	read -r nr0 nr1 <<<"$(netrx)"
	read -r w0 q0 _ <"/proc/$pid/task/$tid/schedstat"
	s0=$(sched_ns "$pid")
	if [ "$HOG" = 1 ]; then # another task wanting CPU 1, as other jobs on a shared VM
		taskset -c 1 timeout 65 sh -c 'while :; do :; done' &
		hog=$!
	fi
	speed=(--pps="$rate")
	[ "$rate" = max ] && speed=(--topspeed)
	t0=$(date +%s.%N)
	ip netns exec "$NB" taskset -c 0 timeout 60 tcpreplay -q -i bv1 "${speed[@]}" \
		--loop="$LOOPS" "$TMP/g.pcap" >"$TMP/s.out" 2>&1
	t1=$(date +%s.%N)
	[ -n "$hog" ] && { kill "$hog"; wait "$hog" 2>/dev/null; }
	s1=$(sched_ns "$pid")
	read -r w1 q1 _ <"/proc/$pid/task/$tid/schedstat"
	read -r n0 n1 <<<"$(netrx)"
	sleep 0.5 # drain
	stop_pid "$pid"
	WPID=
	local sent_pps
	sent_pps=$(awk '/Rated:/ { for (i = 1; i <= NF; i++) if ($i ~ /pps/) { print $(i - 1); exit } }' "$TMP/s.out")
	if [ "$kind" = weir ]; then
		got=$(awk '$1 == "rx_packets:" { print $2; exit }' "$TMP/p.err")
		alerts=$(awk '$1 == "alerts:" { print $2; exit }' "$TMP/p.err")
		extra=$(awk '/^ port /,/^ emitter/' "$TMP/p.err" |
			awk '$1 ~ /^drop_/ && $2 > 0 { printf "%s=%s,", $1, $2 }')
		busy=$(awk '$1 == "busy_cycles:" { b = $2 } $1 == "idle_cycles:" { i = $2 }
			$1 == "busy_polls:" { bp = $2 } $1 == "idle_polls:" { ip = $2 }
			END { printf "busy=%.3f,busy_polls=%s,idle_polls=%s", (b + i) ? b / (b + i) : 0, bp, ip }' "$TMP/p.err")
		extra="${extra}${busy}"
	else
		read -r _ _ got _ alerts _ _ <"$TMP/p.out" || true
	fi
	awk -v k="$kind" -v r="$rate" -v sp="${sent_pps:-?}" -v t0="$t0" -v t1="$t1" -v g="${got:-0}" \
		-v a="${alerts:-0}" -v s0="$s0" -v s1="$s1" -v w0="$w0" -v w1="$w1" -v q0="$q0" -v q1="$q1" \
		-v nr0="$nr0" -v nr1="$nr1" -v n0="$n0" -v n1="$n1" -v tot="$TOTAL" -v ex="$EXPECT" -v x="$extra" \
		'BEGIN { lf = (g == tot && a == ex) ? "yes" : "NO"
			cpu = (s1 - s0) / 1e9
			printf "%-6s %7s %9s %6.2f %8d %7d %6.3f %6.3f %6.3f %7.0f %6d %6d %-4s %s\n",
				k, r, sp, t1 - t0, g, a, cpu, (w1 - w0) / 1e9, (q1 - q0) / 1e9,
				(cpu > 0 ? g / cpu : 0), n0 - nr0, n1 - nr1, lf, x }'
}

echo "bench_afxdp: $TOTAL packets per point ($N x $LOOPS), expected alerts $EXPECT, $(nproc) CPUs," \
	"kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), HOG=$HOG RT=$RT ring=${RING:-default} frames=${FRAMES:-default}"
printf "%-6s %7s %9s %6s %8s %7s %6s %6s %6s %7s %6s %6s %-4s %s\n" recv rate sent_pps send_s \
	got alerts cpu_s loop_s rqwait pkt/cpus rx0 rx1 ok extra
declare -A best=() done_=()
for rate in $RATES; do
	for kind in weir reader; do
		[ -n "${done_[$kind]:-}" ] && continue
		line=$(point "$kind" "$rate") || exit 1
		echo "$line"
		if [ "$(awk '{ print $13 }' <<<"$line")" = yes ]; then
			best[$kind]=$line
		else
			done_[$kind]=1
		fi
	done
	[ -n "${done_[weir]:-}" ] && [ -n "${done_[reader]:-}" ] && break
done
echo "highest loss-free rate per receiver:"
for kind in weir reader; do echo "${best[$kind]:-$kind: none}"; done
