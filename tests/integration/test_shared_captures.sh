#!/usr/bin/env bash
# Every capture under ../shared/data/pcap (malformed and realistic, written
# by others) through `weir -r`, meant for the ASan/UBSan build: no sanitizer
# report, exit 0 or a clear refusal, and an exact packet account checked
# against libpcap's own record count (tests/integration/pcap_count.c); with
# decoder-event rules beside the sample signatures, the events alerted are
# exactly the events counted.
. "$(dirname "$0")/lib.sh"

SIGS=$SRC/rules/examples/sample.sigs

# A decoder-events rule file in the style of Suricata's
# rules/decoder-events.rules: one pkthdr rule per event weir raises, written
# here from common/counters.h's list (sids 2200001...). Prints the count.
decoder_events_rules() {
	local out=$1 i=0 name
	: >"$out"
	while read -r name; do
		i=$((i + 1))
		printf 'alert pkthdr any any -> any any (msg:"decoder event %s"; decode-event:%s; sid:%d; rev:1;)\n' \
			"$name" "$name" $((2200000 + i)) >>"$out"
	done < <(grep -oE '^	_\(a, [a-z0-9_]+, "[a-z0-9_.]+"' "$SRC/common/counters.h" | sed -E 's/.*"(.*)"/\1/')
	echo "$i"
}

# events_match RULES SUMMARY EVE: the decoder events alerted (the sids of
# RULES in EVE) are exactly the events counted (decoder_event_* > 0)
events_match() {
	python3 - "$@" <<'PY'
import json, re, sys
sid_of = {}
for line in open(sys.argv[1]):
    m = re.search(r"decode-event:([a-z0-9_.]+); sid:(\d+);", line)
    sid_of[m.group(1)] = int(m.group(2))
counted = set()
insec = False
for line in open(sys.argv[2]):
    if re.match(r"^ [a-z]", line):
        insec = line.startswith(" workers")
    m = re.match(r"^  decoder_event_([a-z0-9]+)_([a-z0-9_]+): +(\d+)$", line)
    if insec and m and int(m.group(3)) > 0:
        counted.add(sid_of[m.group(1) + "." + m.group(2)])
ours = set(sid_of.values())
try:
    alerted = {json.loads(l)["alert"]["signature_id"] for l in open(sys.argv[3])} & ours
except FileNotFoundError:
    alerted = set()
if counted != alerted:
    print("    counted %s, alerted %s" % (sorted(counted), sorted(alerted)))
    sys.exit(1)
PY
}

test_every_shared_capture() {
	local f n=0 rc witness count evrules=$TMP/decoder-events.rules nev
	need_data "$DATA/pcap" || return
	nev=$(decoder_events_rules "$evrules")
	[ "$nev" -gt 40 ] || fail "only $nev decoder events found in common/counters.h"
	while IFS= read -r -d '' f; do
		n=$((n + 1))
		local t=$TMP/cap$n
		# with the decoder-events rules too: decoder alerts on broken
		# packets, and no crash raising them
		run_weir "$t" -r "$f" -S "$SIGS" -S "$evrules" -o "$t.json"
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
			expect_eq "$f: alerts counter = EVE lines" "$(summary_value "$t.err" alerts)" \
				"$(cat "$t.json" 2>/dev/null | wc -l)"
			events_match "$evrules" "$t.err" "$t.json" ||
				fail "$f: decoder events alerted differ from those counted"
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
	echo "    $n captures, $nev decoder-event rules"
	[ "$n" -gt 0 ] || fail "no captures found under $DATA/pcap"
}

# The captures that carry fragments and tunnels (issue 20): exact identities
# (fragments each accounted once), and the inner flows found. The expected
# inner tuples were read off the captures' bytes by hand (a VXLAN, PPPoE
# and GTP-U header walk independent of weir's decoder), not from weir.
ZEEK=$DATA/pcap/realistic/zeek

# decoded CAPTURE MIN_REASSEMBLED MIN_DECAPSULATED [FLOW...]: FLOW is
# "PROTO SRC SPORT DST DPORT", a flow record that must exist
decoded() {
	local cap=$1 min_re=$2 min_dec=$3 f=$ZEEK/$1 t=$TMP/dec_$1
	shift 3
	[ -f "$f" ] || { fail "missing $f"; return; }
	run_weir "$t" -r "$f" -S "$SIGS" -o "$t.json" --set outputs.flow-records=true
	expect_eq "$cap: exit status" "$(cat "$t.rc")" 0 || { sed -n '1,20p' "$t.err"; return; }
	grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$t.err" && fail "$cap: sanitizer report"
	check "$cap: accounting" accounting_ok "$t.err"
	grep -q '^ accounting: fragments .*: ok$' "$t.err" || fail "$cap: no fragment identity"
	[ "$(summary_value "$t.err" reassembled)" -ge "$min_re" ] ||
		fail "$cap: reassembled $(summary_value "$t.err" reassembled) < $min_re"
	[ "$(summary_value "$t.err" decapsulated)" -ge "$min_dec" ] ||
		fail "$cap: decapsulated $(summary_value "$t.err" decapsulated) < $min_dec"
	expect_eq "$cap: malformed" "$(summary_value "$t.err" malformed)" 0
	for want in "$@"; do
		python3 - "$t.json" "$want" <<'PY' || fail "$cap: no flow record $want"
import json, sys
proto, src, sport, dst, dport = sys.argv[2].split()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") != "flow" or e.get("proto") != proto:
        continue
    ends = {(e["src_ip"], str(e.get("src_port"))), (e["dest_ip"], str(e.get("dest_port")))}
    if ends == {(src, sport), (dst, dport)}:
        sys.exit(0)
sys.exit(1)
PY
	done
}

test_fragment_and_tunnel_captures() {
	need_data "$ZEEK" || return
	decoded ipv4__fragmented-syn.pcap 1 0
	decoded ipv6-fragmented-dns.pcap 1 0
	decoded ipv4__fragmented-1.pcap 0 0
	decoded tunnels__vxlan-encapsulated-http.pcap 0 12 "TCP 172.16.11.201 40354 54.86.237.188 80"
	decoded pppoe-over-qinq.pcap 0 0 "TCP 1.1.1.1 20394 2.2.2.2 443"
	decoded tunnels__gtp__gtp1_gn_normal_incl_fragmentation.pcap 30 60 \
		"TCP 10.131.47.185 1923 79.101.110.141 80"
	decoded tunnels__geneve.pcap 0 6
	decoded tunnels__gre-sample.pcap 0 40
	decoded tunnels__Teredo.pcap 0 1
	decoded tunnels__6in4.pcap 0 1
	decoded tunnels__4in6.pcap 0 1
	decoded mpls-in-vlan.pcap 0 0
}


ALL_TESTS="test_every_shared_capture test_fragment_and_tunnel_captures"
run_all
