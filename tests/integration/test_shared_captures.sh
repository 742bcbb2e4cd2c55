#!/usr/bin/env bash
# Every capture under ../shared/data/pcap (malformed and realistic, written
# by others) through `weir -r`, meant for the ASan/UBSan build: no sanitizer
# report, exit 0 or a clear refusal, and an exact packet account checked
# against libpcap's own record count (tests/integration/pcap_count.c).
. "$(dirname "$0")/lib.sh"

SIGS=$SRC/rules/examples/sample.sigs

test_every_shared_capture() {
	local f n=0 rc witness count
	need_data "$DATA/pcap" || return
	while IFS= read -r -d '' f; do
		n=$((n + 1))
		local t=$TMP/cap$n
		run_weir "$t" -r "$f" -S "$SIGS" -o "$t.json"
		rc=$(cat "$t.rc")
		if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$t.err"; then
			fail "$f: sanitizer report"; sed -n '1,40p' "$t.err"; continue
		fi
		witness=$("$PCAP_COUNT" "$f")
		count=${witness%% *}
		case $rc in
		0 | 3)
			check "$f: accounting" accounting_ok "$t.err" || continue
			expect_eq "$f: rx_packets vs libpcap" "$(summary_value "$t.err" rx_packets)" "$count"
			if [ "$rc" = 3 ]; then
				# weir stops where libpcap stops, and says so
				case $witness in *error:*) ;; *) fail "$f: exit 3 but libpcap read it all" ;; esac
				check "$f: says the capture ended on an error" \
					grep -q 'the capture ended on an error' "$t.err"
			else
				case $witness in *error:*) fail "$f: libpcap hit an error weir did not report" ;; esac
			fi
			if [ -s "$t.json" ]; then
				alert_counts "$t.json" >/dev/null || fail "$f: invalid EVE output"
			fi
			;;
		1 | 2)
			# a refusal names the file and the reason, and writes no alerts
			check "$f: refusal explained" grep -Eq 'not supported|cannot read capture file' "$t.err"
			[ -s "$t.json" ] && fail "$f: alerts written despite refusal"
			;;
		*)
			fail "$f: exit status $rc"; sed -n '1,20p' "$t.err" ;;
		esac
	done < <(find "$DATA/pcap" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z)
	echo "    $n captures"
	[ "$n" -gt 0 ] || fail "no captures found under $DATA/pcap"
}

ALL_TESTS="test_every_shared_capture"
run_all
