#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The offline path under valgrind's memcheck, with zero reports: weir -r
# on the bundled sample (EAL, capture, decode, Hyperscan scan, rings,
# emitter, jsonl sink, summary, shutdown) must exit 0, produce exactly the
# expected alerts, and leave memcheck nothing to say: no invalid access,
# no use of uninitialised values, no definite leak. Suite 'valgrind'.
# tests/valgrind.supp holds suppressions for third-party frames only
# (none are needed today); our own code is never suppressed.
# Skips (77) without valgrind, or when weir was built with a sanitizer,
# which cannot run under valgrind.
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/tests/data/sample.pcap
SAMPLE_EXP=$SRC/tests/data/sample.expected.tsv
SIGS=$SRC/rules/examples/sample.sigs
SUPP=$SRC/tests/valgrind.supp
# memcheck runs weir 20-50 times slower; the sample takes a few seconds.
VG_TIMEOUT=${WEIR_VALGRIND_TIMEOUT:-300}

# run_vg OUTPREFIX ARGS...: weir under memcheck; OUTPREFIX.out/.err/.rc/.vg
run_vg() {
	local pfx=$1
	shift
	timeout -s INT -k 10 "$VG_TIMEOUT" valgrind -q --error-exitcode=99 \
		--soname-synonyms=somalloc=libjemalloc.so* \
		--leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--suppressions="$SUPP" --log-file="$pfx.vg" \
		"$WEIR" "$@" >"$pfx.out" 2>"$pfx.err"
	echo $? >"$pfx.rc"
}

# vg_clean PREFIX: exit status is not memcheck's 99 and its log is empty
# (-q prints errors only; leaks are shown only when definite: EAL's control
# threads are never joined, so their TLS blocks are "possibly lost", as is
# what main() leaves to exit())
vg_clean() {
	if [ "$(cat "$1.rc")" = 99 ] || [ -s "$1.vg" ]; then
		sed 's/^/      /' "$1.vg" | head -60
		return 1
	fi
	return 0
}

prereq() {
	if ! command -v valgrind >/dev/null; then
		skip "valgrind not installed (tests/install-deps.sh)"
		return 1
	fi
	if grep -qa -e __asan_init -e __ubsan_handle "$WEIR"; then
		skip "weir is built with a sanitizer; memcheck needs a plain build"
		return 1
	fi
	return 0
}

test_offline_sample() {
	prereq || return
	run_vg "$TMP/s" -r "$SAMPLE" -S "$SIGS" -o "$TMP/s.json"
	check "no memcheck report" vg_clean "$TMP/s"
	expect_eq "exit status" "$(cat "$TMP/s.rc")" 0 || sed 's/^/      /' "$TMP/s.err"
	alert_counts "$TMP/s.json" >"$TMP/s.got"
	expected_counts "$SAMPLE_EXP" >"$TMP/s.want"
	check "alerts equal sample.expected.tsv" diff -u "$TMP/s.want" "$TMP/s.got"
	check "accounting" accounting_ok "$TMP/s.err"
}

# The refusals free what they built: a bad rule file and a bad config.
test_refusals() {
	prereq || return
	printf '1:/ok/\n2:/(/\nx\n' >"$TMP/bad.sigs"
	run_vg "$TMP/br" -r "$SAMPLE" -S "$TMP/bad.sigs" -o "$TMP/br.json"
	check "bad rules: no memcheck report" vg_clean "$TMP/br"
	expect_eq "bad rules exit status" "$(cat "$TMP/br.rc")" 1
	printf 'workers: 0\ncapture: {drivr: pcap}\n' >"$TMP/bad.yaml"
	run_vg "$TMP/bc" -c "$TMP/bad.yaml" --check-config
	check "bad config: no memcheck report" vg_clean "$TMP/bc"
	expect_eq "bad config exit status" "$(cat "$TMP/bc.rc")" 1
	run_vg "$TMP/dc" -S "$SIGS" --dump-config
	check "dump-config: no memcheck report" vg_clean "$TMP/dc"
	expect_eq "dump-config exit status" "$(cat "$TMP/dc.rc")" 0
}

ALL_TESTS="test_offline_sample test_refusals"
run_all
