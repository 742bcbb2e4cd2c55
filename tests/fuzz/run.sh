#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs libFuzzer targets for a bounded time or number of executions and
# fails on any finding (crash, sanitizer report, broken invariant, leak,
# timeout, out-of-memory):
#   tests/fuzz/run.sh [--build DIR] [--runs N] [--jobs J] [TARGET...] [SECONDS]
# TARGET is fuzz_decode, fuzz_defrag, fuzz_sig_parse, fuzz_conf, fuzz_ctl, fuzz_suri_parse,
# fuzz_flow, fuzz_stream, fuzz_field or fuzz_window_ckpt (default: all);
# SECONDS (default 60) bounds each target, --runs N bounds it by
# executions instead (the long campaign: --runs 10000000). DIR (default
# build-fuzz) is a build configured with CC=clang and -Dfuzz=true. Seeds
# come from DIR/corpus/<target>, made by make_corpus.sh when missing, plus
# the committed regress/<target>/; new inputs go to DIR/corpus/<target>,
# findings to DIR/fuzz-artifacts/<target>/, logs to DIR/fuzz-logs/.
# --jobs J (default 1) runs J targets at a time, each for its whole bound;
# their reports print in the order of the targets.
set -uo pipefail
cd "$(dirname "$0")/../.."

build=build-fuzz
runs=0
secs=60
jobs=1
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	fuzz_*) targets+=("$1"); shift ;;
	*[!0-9]* | "") echo "usage: $0 [--build DIR] [--runs N] [--jobs J] [TARGET...] [SECONDS]" >&2; exit 2 ;;
	*) secs=$1; shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_decode fuzz_defrag fuzz_sig_parse fuzz_conf fuzz_ctl fuzz_suri_parse fuzz_flow fuzz_stream fuzz_field fuzz_window_ckpt)

declare -A dicts=([fuzz_decode]=decode.dict [fuzz_sig_parse]=sig.dict [fuzz_conf]=conf.dict [fuzz_ctl]=ctl.dict
	[fuzz_suri_parse]=suri.dict [fuzz_flow]= [fuzz_stream]= [fuzz_defrag]= [fuzz_field]= [fuzz_window_ckpt]=)

for t in "${targets[@]}"; do
	if [ ! -x "$build/tests/fuzz/$t" ]; then
		echo "fuzz: $build/tests/fuzz/$t not built (CC=clang bash tests/build.sh $build -Dfuzz=true)" >&2
		exit 1
	fi
	if [ ! -d "$build/corpus/$t" ]; then
		bash tests/fuzz/make_corpus.sh "$build/corpus" "$build" || exit 1
	fi
done

if [ "$runs" -gt 0 ]; then
	bound=(-runs="$runs" -max_total_time=0)
else
	bound=(-max_total_time="$secs")
fi
case $jobs in *[!0-9]* | "" | 0) echo "fuzz: --jobs wants a positive number" >&2; exit 2 ;; esac
mkdir -p "$build/fuzz-logs"

# One target: its report line(s) on stdout, exit 1 on a finding.
fuzz_one() {
	local t=$1 art log start rc ret=1 secs_taken execs cov found dict f
	art=$build/fuzz-artifacts/$t
	log=$build/fuzz-logs/$t.log
	mkdir -p "$art"
	rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-* "$art"/slow-unit-*
	start=$(date +%s)
	# -timeout: one input may take at most 10 s (a hang is a finding);
	# -rss_limit_mb: so a runaway allocation is a finding, not a dead box.
	# fuzz_flow's and fuzz_stream's inputs are binary programs: no dictionary
	dict=()
	[ -z "${dicts[$t]}" ] || dict=(-dict="tests/fuzz/${dicts[$t]}")
	"$build/tests/fuzz/$t" "${bound[@]}" -timeout=10 -rss_limit_mb=2048 \
		"${dict[@]}" -artifact_prefix="$art/" -print_final_stats=1 \
		"$build/corpus/$t" "tests/fuzz/regress/$t" >"$log" 2>&1
	rc=$?
	secs_taken=$(($(date +%s) - start))
	execs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+).*/\1/')
	found=$(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) 2>/dev/null | sort)
	if [ $rc -eq 72 ] && [ -z "$found" ]; then
		# libFuzzer's exit status after SIGINT: stopped, nothing found.
		echo "fuzz: $t: interrupted after ${execs:-?} executions in ${secs_taken} s, ${cov:-cov: ?}"
	elif [ $rc -ne 0 ] || [ -n "$found" ]; then
		echo "fuzz: $t: FINDING (exit $rc) after ${execs:-?} executions in ${secs_taken} s; log $log"
		grep -E 'ERROR|invariant broken|SUMMARY|runtime error' "$log" | head -5 | sed 's/^/    /'
		for f in $found; do
			echo "    input: $f  (replay: $build/tests/fuzz/${t}_replay $f)"
		done
	else
		echo "fuzz: $t: ok, ${execs:-?} executions in ${secs_taken} s, ${cov:-cov: ?}"
		ret=0
	fi
	return $ret
}

# Up to $jobs targets at once; each one's report goes to its own file,
# printed in target order once all have ended.
failed=0
pids=()
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	fuzz_one "$t" >"$build/fuzz-logs/$t.report" 2>&1 &
	pids+=($!)
done
for i in "${!targets[@]}"; do
	wait "${pids[$i]}" || failed=1
	cat "$build/fuzz-logs/${targets[$i]}.report"
done
exit $failed
