#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Issue 15's `pan` item, end to end: weir with its `pan` rule (P,
# perf/cards_pan.rules) against weir with the three ordinary card regexes
# and a Luhn check (R, perf/cards_regex.rules: `\b4[0-9]{12}(?:[0-9]{3})?\b`
# and its Mastercard and Amex siblings, no SOM, `luhn` on the match), the
# same binary on the same transaction capture (mktxn.py: one payment record
# per TCP session, handshake, request segments, answer, FINs; both sides'
# rules are stream rules on the reassembled bytes).
#
#   meson setup build-rel --buildtype=release -Dwerror=false -Dtests=disabled
#   ninja -C build-rel && perf/bench_pan_e2e.sh build-rel/weir
#
# 1. Detection, offline (`weir -r`), checked against the generator: every
#    record's card is planted by mktxn.py, which writes the records (card,
#    client address and port) next to the capture. P must alert exactly on
#    every record's session (to_server); R exactly on the sessions whose
#    card the regexes' prefixes cover (4, 51-55, 34/37; mktxn's issuer
#    prefixes also include Discover 6011 and JCB 3566, which they miss).
#    Any other alert, or a missed one, exits 1.
# 2. Speed: the capture looped by net_pcap (infinite_rx) for SECS seconds
#    per run, one worker on lcore 1, the emitter on lcore 0, jsonl to
#    /dev/null; the figure is the worker thread's CPU time per received
#    packet (/proc ticks of rte-worker-1), so time spent waiting for a CPU
#    on a shared machine does not count. Runs alternate P R / R P; each
#    pair gives R/P (how many times the regexes' CPU per packet `pan`'s
#    is); the median and range over PAIRS pairs are printed.
#
# Env: PAIRS (10), SECS (3), RECORDS (2000), MEM (EAL memory arguments,
# default --no-huge -m 1024), OUT (a temp dir).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=perf/bench_lib.sh
. "$here/bench_lib.sh"
weir=${1:?usage: bench_pan_e2e.sh WEIR}
pairs=${PAIRS:-10} secs=${SECS:-3} records=${RECORDS:-2000}
mem=${MEM:---no-huge -m 1024}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
rules_p=$here/cards_pan.rules rules_r=$here/cards_regex.rules
/usr/bin/python3 "$here/../tests/integration/mktxn.py" gen "$out/txn" --records "$records" \
	--seed 7 --keys 500 >/dev/null
cap=$out/txn.pcap
hz=$(getconf CLK_TCK)
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), family $(sed -n 's/^cpu family[^:]*: //p' /proc/cpuinfo | head -1) model $(sed -n 's/^model[^:]*: //p' /proc/cpuinfo | head -1), $(grep -q avx512f /proc/cpuinfo && echo avx512 || echo 'no avx512'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "weir: $weir; capture: $cap ($records records); $pairs pairs of ${secs} s runs"

# 1. detection against what mktxn.py planted
for side in P R; do
	if [ "$side" = P ]; then rules=$rules_p; else rules=$rules_r; fi
	# shellcheck disable=SC2086 # MEM is a list of EAL arguments
	"$weir" -r "$cap" -S "$rules" -o "$out/$side.json" -w 1 --set ctl.enabled=false \
		--set windows.state-dir= --set windows.restore=false -- $mem --no-shconf \
		--file-prefix "bpe$$" >"$out/$side.offline.log" 2>&1 ||
		{
			echo "bench_pan_e2e: weir -r failed for $side (see $out/$side.offline.log)" >&2
			exit 1
		}
done
/usr/bin/python3 - "$out/txn.txn.json" "$out/P.json" "$out/R.json" <<'EOF'
import json, re, sys

truth = json.load(open(sys.argv[1]))
recs = [r for part in truth["parts"] for r in part]
# the regexes' reach over a contiguous 16-digit card (mktxn writes only those)
reach = re.compile(r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|3[47][0-9]{13})$")
want = {
    "P": {r["client"] for r in recs if "card" in r["data"]},
    "R": {r["client"] for r in recs if "card" in r["data"] and reach.match(r["data"]["card"])},
}
bad = False
for side, path in (("P", sys.argv[2]), ("R", sys.argv[3])):
    got = {}
    for line in open(path):
        ev = json.loads(line)
        if ev.get("event_type") != "alert":
            continue
        if ev.get("direction") != "to_server":
            print("bench_pan_e2e: %s alerted to_client at pcap_cnt %s" % (side, ev.get("pcap_cnt")))
            bad = True
        k = "%s:%d" % (ev["src_ip"], ev["src_port"])
        got[k] = got.get(k, 0) + 1
    missed = want[side] - set(got)
    extra = set(got) - want[side]
    twice = [k for k, n in got.items() if n > 1]
    print("detection %s: %d sessions with a card planted in reach, %d alerted, %d missed, "
          "%d not planted, %d alerted twice" % (side, len(want[side]), len(got), len(missed),
                                                len(extra), len(twice)))
    bad = bad or bool(missed or extra or twice)
print("cards planted: %d; the three regexes reach %d of them (%.1f %%), pan all"
      % (len(want["P"]), len(want["R"]), 100.0 * len(want["R"]) / max(1, len(want["P"]))))
sys.exit(1 if bad else 0)
EOF

field() { # log name
	awk -v k="$2:" '$1 == k { print $2; exit }' "$1"
}

# 2. one SIDE, live -> "ns_per_pkt alerts_per_pkt"
one() {
	local side=$1 log=$out/$1.log ticks rules
	if [ "$side" = P ]; then rules=$rules_p; else rules=$rules_r; fi
	# shellcheck disable=SC2086 # MEM is a list of EAL arguments
	bench_loop_ticks "$weir" "$rules" "$cap" "$log" "bpe$$" "$secs" "bench_pan_e2e: side $side" $mem
	ticks=$BENCH_TICKS
	local rx al
	rx=$(field "$log" rx_packets) al=$(field "$log" alerts)
	if [ -z "$rx" ] || [ "$rx" = 0 ]; then
		echo "bench_pan_e2e: no packets received (see $log)" >&2
		exit 1
	fi
	awk -v t="$ticks" -v n="$rx" -v a="$al" -v hz="$hz" \
		'BEGIN { printf "%.1f %.6f", t * 1e9 / hz / n, a / n }'
}

want_rp=$(/usr/bin/python3 -c 'import json, sys
n = [sum(1 for l in open(f) if json.loads(l).get("event_type") == "alert") for f in sys.argv[1:]]
print(n[1] / n[0])' "$out/P.json" "$out/R.json")
ratios=()
for i in $(seq 1 "$pairs"); do
	if [ $((i % 2)) = 1 ]; then
		p=$(one P)
		r=$(one R)
	else
		r=$(one R)
		p=$(one P)
	fi
	read -r pns pal <<<"$p"
	read -r rns ral <<<"$r"
	# looped, each side must still find what it found offline, in the
	# same proportion (R reaches 2,096 of 2,680 cards at 2,000 records)
	if ! awk -v p="$pal" -v r="$ral" -v w="$want_rp" \
		'BEGIN { x = r / p - w; if (x < 0) x = -x; exit !(p > 0 && x <= 0.02 * w) }'; then
		echo "bench_pan_e2e: alerts per packet R/P $ral/$pal, offline $want_rp" >&2
		exit 1
	fi
	x=$(awk -v a="$rns" -v b="$pns" 'BEGIN { printf "%.3f", a / b }')
	echo "pair $i: P (pan) $pns ns/pkt, R (3 regexes + luhn) $rns ns/pkt, R/P $x; alerts/pkt $pal $ral; load $(cut -d' ' -f1 /proc/loadavg)"
	ratios+=("$x")
done
printf '%s\n' "${ratios[@]}" | bench_median "regexes / pan, worker CPU per packet"
