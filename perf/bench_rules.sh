#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Rule-set scale benchmark (issue 3, "Scale and speed"): for 10, 1,000 and
# 10,000 generated rules in weir's Suricata subset it
#   1. writes the rules (weir-gen --emit-rules suricata) and a capture whose
#      triggers fire a known set of them (weir-gen -R ... -e expected.tsv);
#   2. checks that every rule loads (weir rules check, exit status 0);
#   3. runs bench-rules on one core: build time, groups, database bytes, and
#      single-worker throughput of weir_ruleset_scan against bare hs_scan of
#      the same expressions in one database (what rules_compile.c compiles:
#      one chain per rule, `always` rules left out), same payloads, same
#      run; weir's alerts are first checked against expected.tsv;
#      and against `same`: the same scan plus, per rule named, its header
#      check and exact confirm (raw with weir's semantics, no groups), whose
#      alerts are checked against expected.tsv too;
# then prints one table. See perf/RESULTS.md for what the columns mean.
#
# usage: perf/bench_rules.sh BUILD_DIR [WORK_DIR]
# env:   SIZES ("10 1000 10000"), PACKETS (20000), FRACTION (0.01),
#        SEED (1), REPS (5), TARGET (s per measurement, 0.5), CAP (s, 10),
#        CPU (core to pin bench-rules to, 1; empty: no pinning)
#        SMOKE=1: 10 rules, 2,000 packets, one pass, one repetition; exits
#        non-zero unless the rules load, every path handled the same number
#        of packets and weir raised exactly the expected alerts, and
#        bench-rules -k skips exactly one refused rule added to the set (the
#        meson test 'bench-rules-smoke'; no timing is asserted).
set -u -o pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR [WORK_DIR]" >&2
	exit 2
fi
build=$(realpath "$1")
work=$(realpath -m "${2:-$build/perf/bench-rules-work}")
mkdir -p "$work" || exit 1

SMOKE=${SMOKE:-0}
SIZES=${SIZES:-10 1000 10000}
PACKETS=${PACKETS:-20000}
FRACTION=${FRACTION:-0.01}
SEED=${SEED:-1}
REPS=${REPS:-5}
TARGET=${TARGET:-0.5}
CAP=${CAP:-10}
CPU=${CPU-1}
pace=(-R "$REPS" -t "$TARGET" -T "$CAP")
if [ "$SMOKE" = 1 ]; then
	SIZES=10
	PACKETS=2000
	FRACTION=0.05
	pace=(-R 1 -n 1)
fi
gen=$build/perf/weir-gen
bench=$build/perf/bench-rules
weir=$build/weir
# weir-gen's servers (destination addresses) are the protected network
home_net='[10.2.0.0/16,fd00:0:0:2::/64]'
pin=()
if [ -n "$CPU" ] && command -v taskset >/dev/null; then
	pin=(taskset -c "$CPU")
fi

get() {
	awk -v k="$2" '$1 == k":" { print $2; exit }' "$1"
}

rc=0
rows=()
for n in $SIZES; do
	base=$work/suri$n
	log=$base.log
	if ! timeout 120 "$gen" --emit-rules suricata -N "$n" -s "$SEED" -o "$base.rules" ||
		! timeout 120 "$gen" -R "$base.rules" -n "$PACKETS" -s "$SEED" -f "$FRACTION" \
			-o "$base.pcap" -e "$base.expected.tsv" 2>"$base.gen.log"; then
		echo "bench-rules: weir-gen failed for $n rules" >&2
		rc=1
		continue
	fi
	if ! timeout 600 "$weir" rules check --set rules.cache-dir= \
		--set "vars.address-groups.HOME_NET=$home_net" "$base.rules" >"$base.check.log" 2>&1; then
		echo "bench-rules: weir rules check refused $base.rules (see $base.check.log)" >&2
		tail -5 "$base.check.log" >&2
		rc=1
		continue
	fi
	echo "bench-rules: $n rules: $(tail -1 "$base.check.log")" >&2
	if ! timeout 1800 "${pin[@]}" "$bench" -S "$base.rules" -r "$base.pcap" \
		-e "$base.expected.tsv" -a "HOME_NET=$home_net" "${pace[@]}" >"$log" 2>"$base.err"; then
		echo "bench-rules: bench-rules failed for $n rules (see $base.err)" >&2
		tail -5 "$base.err" >&2
		rc=1
	fi
	[ -s "$log" ] || continue
	raw=$(get "$log" raw_packets)
	grp=$(get "$log" grp_packets)
	wp=$(get "$log" weir_packets)
	if [ "$raw" != "$wp" ] || [ "$raw" != "$grp" ] || [ "${raw:-0}" = 0 ]; then
		echo "bench-rules: packets differ: raw $raw, grp $grp, weir $wp" >&2
		rc=1
	fi
	if [ "$(get "$log" check)" != ok ]; then
		echo "bench-rules: weir's alerts differ from $base.expected.tsv" >&2
		rc=1
	fi
	if [ "$(get "$log" same_check)" != ok ]; then
		echo "bench-rules: same's alerts differ from $base.expected.tsv ($(get "$log" same))" >&2
		rc=1
	fi
	rows+=("$(awk -v n="$n" '
		{ v[substr($1, 1, length($1) - 1)] = $2 }
		END {
			printf "| %6d | %6d | %7.2f | %7.2f | %7.2f | %6.2f | %5d | %6.1f | %6d | %s | %s | %s | %s | %s | %s | %6d | %s |\n",
				n, v["groups"], v["load_s"], v["db_bytes"] / 1048576,
				v["base_compile_s"], v["base_db_bytes"] / 1048576,
				v["base_always_rules"], v["grp_always_per_packet"],
				v["grp_inexact_candidates_per_pass"],
				sprintf("%.3f (%.3f-%.3f)", v["raw_mpps"], v["raw_mpps_min"], v["raw_mpps_max"]),
				sprintf("%.3f (%.3f-%.3f)", v["grp_mpps"], v["grp_mpps_min"], v["grp_mpps_max"]),
				sprintf("%.3f (%.3f-%.3f)", v["weir_mpps"], v["weir_mpps_min"], v["weir_mpps_max"]),
				sprintf("%.2f (%.2f-%.2f)", v["ratio"], v["ratio_min"], v["ratio_max"]),
				sprintf("%.3f (%.3f-%.3f)", v["same_mpps"], v["same_mpps_min"], v["same_mpps_max"]),
				sprintf("%.2f (%.2f-%.2f)", v["weir_over_same"], v["weir_over_same_min"], v["weir_over_same_max"]),
				v["alerts_per_pass"], v["check"] "/" v["same_check"]
		}' "$log")")
done

# -k (rules.skip-invalid): the smoke set plus a rule weir refuses loads
# without it only with -k, and the planted alerts are still exactly raised
# (-F server-est: these rules have no flow keyword, so the same alerts)
if [ "$SMOKE" = 1 ] && [ -s "$work/suri10.rules" ]; then
	kb=$work/skip
	{
		cat "$work/suri10.rules"
		echo 'alert tcp any any -> any any (msg:"refused"; no_such_keyword; sid:99999901; rev:1;)'
	} >"$kb.rules"
	if timeout 120 "$bench" -S "$kb.rules" -r "$work/suri10.pcap" -R 1 -n 1 \
		-a "HOME_NET=$home_net" >/dev/null 2>"$kb.nok.err"; then
		echo "bench-rules: a set with a refused rule loaded without -k" >&2
		rc=1
	fi
	if ! timeout 120 "$bench" -k -F server-est -S "$kb.rules" -r "$work/suri10.pcap" -R 1 -n 1 \
		-e "$work/suri10.expected.tsv" -a "HOME_NET=$home_net" >"$kb.log" 2>"$kb.err" ||
		! grep -q 'weir skipped 1 rules' "$kb.err" || [ "$(get "$kb.log" check)" != ok ]; then
		echo "bench-rules: -k did not skip exactly the refused rule (see $kb.err, $kb.log)" >&2
		rc=1
	fi
fi

echo
echo "packets: $PACKETS per pass (seed $SEED, ${FRACTION} with triggers), payload Gbit/s in $work/*.log"
echo "| rules | groups | build s | db MB | base compile s | base db MB | always rules | always/pkt | confirm cand/pass | raw Mpps (min-max) | grp Mpps (min-max) | weir Mpps (min-max) | ratio weir/raw (min-max) | same Mpps (min-max) | weir/same (min-max) | alerts/pass | check weir/same |"
echo "|------:|-------:|--------:|------:|---------------:|-----------:|-------------:|-----------:|------------------:|-------------------:|-------------------:|--------------------:|-------------------------:|--------------------:|--------------------:|------------:|-------|"
for r in "${rows[@]}"; do
	echo "$r"
done
exit $rc
