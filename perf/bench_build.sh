#!/usr/bin/env bash
# Issue 15's build-time item: how long `weir rules check` takes to build
# 10,000 generated Suricata-subset rules cold (an empty rules.cache-dir:
# every Hyperscan database compiled) and from the cache, for one or more
# weir binaries, runs alternated (A B A B ...). The rules are bench_rules.sh's
# largest set (weir-gen --emit-rules suricata -N N -s 1). Prints per run the
# wall and CPU seconds (/usr/bin/time), then per binary the medians and,
# with two binaries, the ratio of the cold medians B / A.
#   perf/bench_build.sh WEIR_GEN WEIR_A [WEIR_B ...]
# Env: N (10000 rules), RUNS (3), OUT (a temp dir).
# Two builds to compare the allocators, for example:
#   meson setup build-rel --buildtype=release -Dtests=disabled
#   meson setup build-rel-sys --buildtype=release -Dtests=disabled -Dallocator=system
#   perf/bench_build.sh build-rel/perf/weir-gen build-rel-sys/weir build-rel/weir
set -euo pipefail
if [ $# -lt 2 ]; then
	echo "usage: $0 WEIR_GEN WEIR_A [WEIR_B ...]" >&2
	exit 2
fi
gen=$1
shift
n=${N:-10000} runs=${RUNS:-3}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
home_net='[10.2.0.0/16,fd00:0:0:2::/64]'
rules=$out/suri$n.rules
timeout 120 "$gen" --emit-rules suricata -N "$n" -s 1 -o "$rules" >/dev/null
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); $(nproc) CPUs online; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rules: $gen --emit-rules suricata -N $n -s 1 ($(grep -c '^alert' "$rules") rules)"
echo "command: WEIR rules check --set rules.cache-dir=DIR --set vars.address-groups.HOME_NET=$home_net $rules"

# one_run WEIR DIR TAG: a build into DIR, "TAG wall user sys" on stdout
one_run() {
	local t
	t=$(mktemp)
	if ! /usr/bin/time -f '%e %U %S' -o "$t" timeout 600 "$1" rules check \
		--set "rules.cache-dir=$2" --set "vars.address-groups.HOME_NET=$home_net" \
		"$rules" >"$out/check.log" 2>&1; then
		echo "bench-build: $1 rules check failed:" >&2
		tail -5 "$out/check.log" >&2
		rm -f "$t"
		return 1
	fi
	echo "$3 $(tail -1 "$t")"
	rm -f "$t"
}

declare -A cold warm
for r in $(seq 1 "$runs"); do
	i=0
	for w in "$@"; do
		i=$((i + 1))
		d=$out/cache$i
		rm -rf "$d"
		mkdir -p "$d"
		c=$(one_run "$w" "$d" cold)
		h=$(one_run "$w" "$d" cache)
		echo "run $r binary $i ($w): $c s (wall user sys); $h s"
		cold[$i]+="$(echo "$c" | cut -d' ' -f2) "
		warm[$i]+="$(echo "$h" | cut -d' ' -f2) "
	done
done
rm -rf "$out"/cache*

median() {
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
i=0
first=
for w in "$@"; do
	i=$((i + 1))
	mc=$(echo "${cold[$i]}" | median)
	mw=$(echo "${warm[$i]}" | median)
	alloc=glibc
	if readelf -d "$w" 2>/dev/null | grep -q 'libjemalloc'; then
		alloc=jemalloc
	fi
	echo "binary $i: $w ($alloc malloc): cold median $mc s wall, from the cache $mw s wall"
	if [ -z "$first" ]; then
		first=$mc
	else
		echo "binary $i / binary 1, cold wall: $(awk -v a="$first" -v b="$mc" 'BEGIN {printf "%.2f", b / a}')"
	fi
done
