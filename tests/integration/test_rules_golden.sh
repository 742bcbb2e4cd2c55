#!/usr/bin/env bash
# Golden end-to-end tests of the Suricata rule subset (issue #3): for every
# spec in tests/data/golden/ (rules, packets, and the alerts Suricata
# raises on each packet, each case with the reason), mkpcap.py writes the
# capture and the .rules file, the real binary replays it offline, and the
# alerts must equal the expectation packet by packet (an alert's timestamp
# names its packet). Then: rule files with errors, through the binary.
. "$(dirname "$0")/lib.sh"

MKPCAP=$SRC/tests/integration/mkpcap.py
GOLDEN=$SRC/tests/data/golden
# the specs this script runs; test_every_spec_runs checks none is left out
SPECS="content pcre byte proto header hdr_keywords pass_threshold threshold_tracks threshold_file fraud flow flow_direction address_split sessions sessions_timeout sessions_full stream stream_arrival tfo eve hdr_buffers vlan ip_protos defrag tunnels nsh nsh_disabled iponly windows windows_stream windows_pcre windows_byte fields fields_stream fields_stream_exact stream_payload decode_events stream_events pan_stream pan_stream_dir"

# golden NAME [MALFORMED]: tests/data/golden/NAME.spec end to end;
# MALFORMED (default 0) packets of it are broken on purpose
golden() {
	local name=$1 spec=$GOLDEN/$1.spec pfx=$TMP/$1 npk nal args=() malformed=${2:-0}

	[ -f "$spec" ] || { fail "missing $spec"; return; }
	python3 "$MKPCAP" build "$spec" "$pfx" || { fail "$name: mkpcap.py build"; return; }
	mapfile -t args <"$pfx.args"
	read -r npk nal < <(python3 "$MKPCAP" count "$spec")

	run_weir "$pfx" -r "$pfx.pcap" -S "$pfx.rules" -o "$pfx.json" \
		--set rules.cache-dir= "${args[@]}"
	expect_eq "$name: exit status" "$(cat "$pfx.rc")" 0 || { cat "$pfx.err"; return; }
	if ! python3 "$MKPCAP" compare "$spec" "$pfx.json" >"$pfx.diff"; then
		sed 's/^/    | /' "$pfx.diff"
		fail "$name: alerts differ from $spec (above: each packet, expected and got, the rules)"
	fi
	expect_eq "$name: stdout is empty with -o" "$(wc -c <"$pfx.out")" 0
	check "$name: accounting identities" accounting_ok "$pfx.err"
	# an alert's flow{} is the flow as of its own packet: along a flow the
	# counters grow from packet to packet (and are equal for two alerts
	# of one packet), even when the packets share a burst
	check "$name: alerts' flow counters are as of their packet" python3 - "$pfx.json" <<'PY'
import json, sys
last = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if "flow" not in e:
        continue
    f = e["flow"]
    n = (f["pkts_toserver"] + f["pkts_toclient"], f["bytes_toserver"] + f["bytes_toclient"])
    k = e["flow_id"]
    key = (e["timestamp"], n)
    if k in last:
        (t0, n0) = last[k]
        assert (t0 == e["timestamp"] and n0 == n) or (t0 < e["timestamp"] and n0[0] < n[0] and n0[1] < n[1]), (k, last[k], key)
    last[k] = key
PY
	expect_eq "$name: rx_packets = packets in the spec" \
		"$(summary_value "$pfx.err" rx_packets)" "$npk"
	expect_eq "$name: rx_packets = libpcap's count" \
		"$(summary_value "$pfx.err" rx_packets)" "$("$PCAP_COUNT" "$pfx.pcap" | cut -d' ' -f1)"
	expect_eq "$name: malformed" "$(summary_value "$pfx.err" malformed)" "$malformed"
	expect_eq "$name: alerts counter = EVE lines" "$(summary_value "$pfx.err" alerts)" \
		"$(wc -l <"$pfx.json")"
	[ "$nal" -gt 0 ] || fail "$name: the spec expects no alert at all"

	# the same rules validate
	timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --set rules.cache-dir= "${args[@]}" \
		"$pfx.rules" >"$pfx.chk.out" 2>"$pfx.chk.err"
	expect_eq "$name: weir rules check exit status" "$?" 0 || cat "$pfx.chk.err"
	check "$name: rules check says every rule loads" \
		grep -q "^OK: every rule of 1 file loads" "$pfx.chk.out"
	expect_eq "$name: rules check prints no error" "$(wc -c <"$pfx.chk.err")" 0
}

test_golden_content() { golden content; }
test_golden_pcre() { golden pcre; }
test_golden_proto() { golden proto; }
test_golden_header() { golden header; }
test_golden_hdr_keywords() { golden hdr_keywords; }
# ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr, icmpv6.hdr
test_golden_hdr_buffers() { golden hdr_buffers; }
test_golden_vlan() { golden vlan; }
# ip and pkthdr rules on every IP protocol (GRE, SCTP, ESP, ...)
test_golden_ip_protos() { golden ip_protos; }
test_golden_defrag() { golden defrag; }
# the Network Service Header, on and off (decoder.nsh.enabled)
test_golden_nsh() {
	golden nsh
	# packets 1-5 and 9 (next protocol NSH) have a header weir read
	expect_eq "nsh: tun_nsh" "$(summary_value "$TMP/nsh.err" tun_nsh)" 6
}
test_golden_nsh_disabled() {
	golden nsh_disabled
	expect_eq "nsh_disabled: tun_nsh" "$(summary_value "$TMP/nsh_disabled.err" tun_nsh)" 0
	expect_eq "nsh_disabled: tun_disabled" \
		"$(summary_value "$TMP/nsh_disabled.err" tun_disabled)" 1
}
test_golden_tunnels() {
	local c want
	golden tunnels
	# why each tunnel that was not decoded through was not, by
	# construction: packet 8 (inner IPv4 longer than the datagram), 9
	# (VXLAN flags), 10 (ARP inside), 11 (GRE protocol 0x88b5)
	for c in tun_inner_malformed:1 tun_bad_header:1 tun_inner_not_ip:1 tun_unknown_type:1 \
		tun_depth_limit:0 tun_disabled:0 tun_nsh:0; do
		want=${c#*:}
		c=${c%%:*}
		expect_eq "tunnels: $c" "$(summary_value "$TMP/tunnels.err" "$c")" "$want"
	done
}
test_golden_windows() { golden windows; }
test_golden_windows_stream() { golden windows_stream; }
test_golden_windows_pcre() { golden windows_pcre; }
test_golden_windows_byte() { golden windows_byte; }
# alerts with a field left out (packets 2, 3 and 7) count one each
test_golden_fields_stream() { golden fields_stream; }
# the same alerts with outputs.sensitive-rendering hmac: a sensitive field
# is "hmac:" + the first 16 bytes of HMAC-SHA256(key, the card's digits)
# in hex, computed here from the key (README "Stateful rules (windows)")
test_fields_hmac() {
	local pfx=$TMP/fields_hmac args=()

	printf 'weir-test-hmac-key-0123456789' >"$TMP/fields_hmac.key"
	python3 "$MKPCAP" build "$GOLDEN/fields.spec" "$pfx" || { fail "mkpcap.py build"; return; }
	mapfile -t args <"$pfx.args"
	run_weir "$pfx" -r "$pfx.pcap" -S "$pfx.rules" -o "$pfx.json" --set rules.cache-dir= \
		--set outputs.sensitive-rendering=hmac \
		--set "outputs.sensitive-hmac-key-file=$TMP/fields_hmac.key" "${args[@]}"
	expect_eq "fields hmac: exit status" "$(cat "$pfx.rc")" 0 || { cat "$pfx.err"; return; }
	check "fields hmac: card tokens" python3 - "$pfx.json" "$TMP/fields_hmac.key" <<'PY'
import hashlib, hmac, json, sys
key = open(sys.argv[2], "rb").read()
def tok(digits):
    return "hmac:" + hmac.new(key, digits.encode(), hashlib.sha256).digest()[:16].hex()
want = {1: tok("4111111111111111"), 2: tok("5500000000000004"), 5: None}
seen = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    sid, t = e["alert"]["signature_id"], int(e["timestamp"][17:19])
    f = e["alert"].get("context", {}).get("fields", {})
    if sid == 9301 and t in want:
        assert f["card"] == want[t], (t, f)
        assert "4111111111111111" not in line and "5500000000000004" not in line
        seen += 1
    if sid == 9302:
        assert f["pin"] == tok("1234"), f
        seen += 1
assert seen == 3, seen
PY
}
test_golden_fields_stream_exact() { golden fields_stream_exact; }
test_golden_fields() {
	golden fields
	expect_eq "fields: window_field_missing" \
		"$(summary_value "$TMP/fields.err" window_field_missing)" 3
}
# the same window alerts with 3 workers: observations cross to their
# owners over the rings and wait for the watermark
test_golden_windows_workers() {
	local spec=$GOLDEN/windows.spec pfx=$TMP/windows3 args=()

	python3 "$MKPCAP" build "$spec" "$pfx" || { fail "windows3: mkpcap.py build"; return; }
	mapfile -t args <"$pfx.args"
	run_weir "$pfx" -r "$pfx.pcap" -S "$pfx.rules" -o "$pfx.json" \
		--set rules.cache-dir= --set workers=3 "${args[@]}"
	expect_eq "windows, 3 workers: exit status" "$(cat "$pfx.rc")" 0 || { cat "$pfx.err"; return; }
	python3 "$MKPCAP" compare "$spec" "$pfx.json" >"$pfx.diff" ||
		fail "windows, 3 workers: alerts differ from $spec ($(head -3 "$pfx.diff"))"
	check "windows, 3 workers: accounting identities" accounting_ok "$pfx.err"
	check "windows, 3 workers: the window identity" grep -q '^ accounting: window_observations 15 = .*: ok$' "$pfx.err"
}
# decode-event/engine-event: 14 packets broken by construction
test_golden_decode_events() { golden decode_events 14; }
# stream-event/engine-event stream.*: a retransmitted segment
test_golden_stream_events() { golden stream_events; }
# pan stream rules: 16- and 19-digit cards cut at every offset, in order
# and not, acknowledged or ended with the flow; cut digit runs; halves
test_golden_pan_stream() { golden pan_stream; }
# pan stream rules limited to one direction
test_golden_pan_stream_dir() { golden pan_stream_dir; }
test_golden_byte() { golden byte; }
test_golden_pass_threshold() { golden pass_threshold; }
# track by_both, by_rule and type backoff
test_golden_threshold_tracks() { golden threshold_tracks; }
# the threshold file: suppress, threshold and event_filter entries
test_golden_threshold_file() { golden threshold_file; }
test_golden_fraud() { golden fraud; }
test_golden_flow() { golden flow; }
test_golden_flow_direction() { golden flow_direction; }
# Packet databases per address class: the same alerts with the split on
# (the default) and off, and `rules check` says the split is made.
test_golden_address_split() {
	local pfx=$TMP/address_split

	golden address_split
	timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --set rules.cache-dir= "$pfx.rules" \
		>"$pfx.chk" 2>&1
	check "address_split: rules check reports the split" grep -q "split by address class" \
		"$pfx.chk"
	run_weir "$pfx.off" -r "$pfx.pcap" -S "$pfx.rules" -o "$pfx.off.json" \
		--set rules.cache-dir= --set rules.address-split=false
	expect_eq "address_split, split off: exit status" "$(cat "$pfx.off.rc")" 0 ||
		{ cat "$pfx.off.err"; return; }
	timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --set rules.cache-dir= \
		--set rules.address-split=false "$pfx.rules" >"$pfx.off.chk" 2>&1
	check "address_split, split off: rules check reports no split" \
		bash -c '! grep -q "split by address class" "$1"' _ "$pfx.off.chk"
	if ! python3 "$MKPCAP" compare "$GOLDEN/address_split.spec" "$pfx.off.json" >"$pfx.off.diff"; then
		sed 's/^/    | /' "$pfx.off.diff"
		fail "address_split, split off: alerts differ from the spec"
	fi
}
# how sessions end (RST, FINs, port reuse) and midstream pickup
test_golden_sessions() { golden sessions; }
# idle timeouts in packet time (at= times)
test_golden_sessions_timeout() { golden sessions_timeout; }
# a full table (flow.entries=2): ended flows lose their flowbits
test_golden_sessions_full() { golden sessions_full; }
test_golden_stream() { golden stream; }
test_golden_stream_arrival() { golden stream_arrival; }
# outputs.stream-payload-before: the stream bytes before the released run
test_golden_stream_payload() { golden stream_payload; }
# TCP Fast Open: data on the SYN
test_golden_tfo() { golden tfo; }
test_golden_iponly() { golden iponly; }
# EVE fields by construction and Suricata's source (alert.metadata, references, host, proto, icmp)
test_golden_eve() { golden eve; }

test_every_spec_runs() {
	local f name
	for f in "$GOLDEN"/*.spec; do
		name=$(basename "$f" .spec)
		case " $SPECS " in
		*" $name "*) ;;
		*) fail "$f is not in SPECS of $(basename "$0")" ;;
		esac
		case " $(echo $ALL_TESTS) " in
		*" test_golden_$name "*) ;;
		*) fail "test_golden_$name (for $f) is not in ALL_TESTS of $(basename "$0")" ;;
		esac
	done
}

# ---- rule files with errors --------------------------------------------------

# One bad rule per kind of error, between two good ones. Each entry:
# rule text | the text where the reported column points | a pattern the
# message must hold (the keyword and the reason).
BAD_CASES=(
	'alert tcp any any -> any any (msg:"good one"; content:"GOOD"; sid:1;)|||'
	'alert tcp any any -> any any (msg:"duplicate sid"; content:"x"; sid:1;)|sid:1;|duplicate sid 1.*first defined at [^ ]*\.rules:1$'
	'alert tcp any any -> any any (msg:"unknown keyword"; content:"x"; frobnicate:3; sid:3;)|frobnicate|unknown.*keyword.*frobnicate'
	'alert tcp any any -> any any (msg:"unbalanced quote"; content:"abc; sid:4;)|"abc;|content.*unbalanced quote'
	'alert tcp any 90:80 -> any any (msg:"bad port range"; content:"x"; sid:5;)|90:80|sport.*range.*90:80'
	'alert tcp any any -> any any (msg:"pcre nobody compiles"; pcre:"/a{3,2}/"; sid:6;)|pcre:|pcre'
	'alert tcp any any -> any any (msg:"only_stream"; flow:established,only_stream; content:"x"; depth:4; sid:7;)|only_stream;|flow.*only_stream: offset, depth.* is not supported yet in a stream rule'
	'alert tcp any any -> any any (msg:"good two"; content:"ALSO"; sid:8;)|||'
)
BAD_SKIPPED=6

# write_bad_rules FILE: the rules of BAD_CASES, one per line
write_bad_rules() {
	local c
	: >"$1"
	for c in "${BAD_CASES[@]}"; do
		printf '%s\n' "${c%%|*}" >>"$1"
	done
}

# bad_rules_reported WHAT ERRFILE RULESFILE: every bad rule of BAD_CASES is
# reported as RULESFILE:line:column: message, the column where its marker
# starts, the message matching its pattern
bad_rules_reported() {
	local what=$1 err=$2 file=$3 c rule rest marker pat prefix line=0 col
	for c in "${BAD_CASES[@]}"; do
		line=$((line + 1))
		rule=${c%%|*}
		rest=${c#*|}
		marker=${rest%%|*}
		pat=${rest#*|}
		[ -n "$marker" ] || continue
		prefix=${rule%%"$marker"*}
		col=$((${#prefix} + 1))
		grep -qE "^$(printf '%s' "$file" | sed 's/[.[\*^$()+?{|]/\\&/g'):$line:$col: .*$pat" "$err" ||
			fail "$what: no '$file:$line:$col: ...$pat' for: $rule"
	done
	expect_eq "$what: one diagnostic per bad rule" \
		"$(grep -c "^$file:[0-9]*:[0-9]*: " "$err")" "$BAD_SKIPPED"
}

# the packets of the bad-rules tests: the good rules alert on GOOD and
# ALSO; "x" and "abc" would alert if a bad rule had been loaded anyway
write_bad_spec() {
	cat >"$1" <<'EOF'
rule: alert tcp any any -> any any (msg:"good one"; content:"GOOD"; sid:1;)
rule: alert tcp any any -> any any (msg:"good two"; content:"ALSO"; sid:8;)
packet 1: tcp 10.7.0.1:40001 -> 10.7.0.2:80 "GOOD"
expect 1: 1
packet 2: tcp 10.7.0.1:40002 -> 10.7.0.2:80 "x abc aaa"
expect 2: none
packet 3: tcp 10.7.0.1:40003 -> 10.7.0.2:80 "ALSO x"
expect 3: 8
EOF
}

test_bad_rules_refused() {
	write_bad_rules "$TMP/bad.rules"
	write_bad_spec "$TMP/bad.spec"
	python3 "$MKPCAP" build "$TMP/bad.spec" "$TMP/badpk" || { fail "mkpcap.py build"; return; }
	run_weir "$TMP/bad" -r "$TMP/badpk.pcap" -S "$TMP/bad.rules" -o "$TMP/bad.json" \
		--set rules.cache-dir=
	expect_eq "exit status" "$(cat "$TMP/bad.rc")" 1
	bad_rules_reported "weir -r" "$TMP/bad.err" "$TMP/bad.rules"
	check "says it does not start" grep -q "rules refused" "$TMP/bad.err"
	[ ! -s "$TMP/bad.json" ] || fail "alerts written although the rules were refused"
}

test_bad_rules_skip_invalid() {
	write_bad_rules "$TMP/skip.rules"
	write_bad_spec "$TMP/skip.spec"
	python3 "$MKPCAP" build "$TMP/skip.spec" "$TMP/skippk" || { fail "mkpcap.py build"; return; }
	run_weir "$TMP/skip" -r "$TMP/skippk.pcap" -S "$TMP/skip.rules" -o "$TMP/skip.json" \
		--set rules.cache-dir= --rules-skip-invalid
	expect_eq "exit status" "$(cat "$TMP/skip.rc")" 0 || { cat "$TMP/skip.err"; return; }
	bad_rules_reported "--rules-skip-invalid" "$TMP/skip.err" "$TMP/skip.rules"
	check "counts every skipped rule" grep -q "^weir: $BAD_SKIPPED rules skipped" "$TMP/skip.err" ||
		grep "skipped" "$TMP/skip.err"
	check "the good rules are loaded" grep -q "running: .* 2 rules" "$TMP/skip.err"
	if ! python3 "$MKPCAP" compare "$TMP/skip.spec" "$TMP/skip.json" >"$TMP/skip.diff"; then
		sed 's/^/    | /' "$TMP/skip.diff"
		fail "alerts of the good rules (above)"
	fi
	check "accounting" accounting_ok "$TMP/skip.err"
}

# a bad threshold file refuses the set, naming file:line:col; a missing one too
test_threshold_file_refused() {
	local rc
	printf 'alert udp any any -> any any (content:"x"; sid:1;)\n' >"$TMP/tf.rules"
	printf '# ok\nsuppress gen_id 1, sig_id 1\nrate_filter gen_id 1, sig_id 1, track by_rule, count 1, seconds 1, new_action drop, timeout 5\nthreshold gen_id 1, sig_id 1, type limit, track by_src, count 1\n' >"$TMP/tf.config"
	timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --set rules.cache-dir= \
		--set threshold-file="$TMP/tf.config" "$TMP/tf.rules" >"$TMP/tf.out" 2>"$TMP/tf.err"
	rc=$?
	expect_eq "bad threshold file: exit status" "$rc" 1
	check "rate_filter refused at its place" grep -qF "$TMP/tf.config:3:1: rate_filter is not supported yet" "$TMP/tf.err"
	check "short threshold line refused at its place" grep -qF "$TMP/tf.config:4:" "$TMP/tf.err"
	timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --set rules.cache-dir= \
		--set threshold-file="$TMP/none.config" "$TMP/tf.rules" >"$TMP/tf.out" 2>"$TMP/tf.err"
	rc=$?
	expect_eq "missing threshold file: exit status" "$rc" 1
	check "missing threshold file named" grep -qF "$TMP/none.config: cannot open" "$TMP/tf.err"
}

test_bad_rules_check() {
	local rc
	write_bad_rules "$TMP/chk.rules"
	timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --set rules.cache-dir= "$TMP/chk.rules" \
		>"$TMP/chk.out" 2>"$TMP/chk.err"
	rc=$?
	expect_eq "rules check exit status" "$rc" 1
	bad_rules_reported "weir rules check" "$TMP/chk.err" "$TMP/chk.rules"
	check "says nothing would load" grep -q "rules refused" "$TMP/chk.out"

	# with skip-invalid it lists the same errors and still exits 1: not
	# every rule loads
	timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --rules-skip-invalid \
		--set rules.cache-dir= "$TMP/chk.rules" >"$TMP/chk2.out" 2>"$TMP/chk2.err"
	rc=$?
	expect_eq "rules check --rules-skip-invalid exit status" "$rc" 1
	bad_rules_reported "weir rules check --rules-skip-invalid" "$TMP/chk2.err" "$TMP/chk.rules"
	check "reports the rules that load and the ones skipped" \
		grep -q "rules loaded: 2 (skipped: $BAD_SKIPPED)" "$TMP/chk2.out" ||
		grep "rules loaded" "$TMP/chk2.out"
}

# Must-reject: what Suricata refuses among the header buffers, fast_pattern,
# target, vlan.id and the keywords weir refuses by name. Each entry: rule
# text | where the column points | a pattern of the message. Every one is
# reported as FILE:line:col by `weir rules check`, and none loads.
REFUSE_CASES=(
	'alert udp any any -> any any (tcp.hdr; content:"x"; sid:101;)|tcp.hdr|tcp.hdr needs a rule whose protocol contains tcp'
	'alert tcp any any -> any any (udp.hdr; content:"x"; sid:102;)|udp.hdr|udp.hdr needs a rule whose protocol contains udp'
	'alert tcp any any -> any any (icmpv6.hdr; content:"x"; sid:103;)|icmpv6.hdr|icmpv6.hdr needs a rule whose protocol contains icmp'
	'alert ip any any -> any any (ipv4.hdr; sid:104;)|ipv4.hdr|buffer ipv4.hdr but didn.t add matches to it'
	'alert ip any any -> any any (ipv4.hdr; content:"a"; ipv6.hdr; content:"b"; sid:105;)|ipv6.hdr|limits the rule to IPv6, an earlier buffer to IPv4'
	'alert tcp any any -> any any (tcp.hdr; content:"a"; rawbytes; sid:106;)|rawbytes|rawbytes cannot be used in the tcp.hdr sticky buffer'
	'alert tcp any any -> any any (content:!"x"; offset:3; fast_pattern; sid:107;)|fast_pattern|fast_pattern; cannot be used with negated content, along with relative modifiers'
	'alert tcp any any -> any any (content:!"x"; fast_pattern; within:3; sid:108;)|within|relative negated keyword set along with a fast_pattern'
	'alert tcp any any -> any any (content:"xyz"; depth:3; fast_pattern:only; sid:109;)|fast_pattern|fast_pattern: only; cannot be used with negated content or with any of the relative modifiers'
	'alert tcp any any -> any any (content:"xyz"; fast_pattern:only; offset:1; sid:110;)|offset|relative keyword set along with a fast_pattern:only;'
	'alert tcp any any -> any any (content:"x"; fast_pattern:only; content:"y"; distance:0; sid:111;)|distance|previous keyword has a fast_pattern:only; set'
	'alert tcp any any -> any any (content:"x"; fast_pattern; content:"y"; fast_pattern; sid:112;)|fast_pattern; sid|fast_pattern can be used on only one content in a rule'
	'alert tcp any any -> any any (content:"x"; target:src_ip; target:dest_ip; sid:113;)|target:dest|Conflicting values of target keyword'
	'alert ip any any -> any any (vlan.id:4096; sid:114;)|4096|vlan id should be less than 4096'
	'alert ip any any -> any any (vlan.id:10,-4; sid:115;)|-4|index should belong in range'
	'alert tcp any any -> any any (content:"x"; tag:session,5,packets; sid:116;)|tag:|tag is not supported yet'
	'alert tcp any any -> any any (content:"x"; xbits:set,a,track ip_src; sid:117;)|xbits|xbits is not supported yet'
	'alert tcp any any -> any any (content:"x"; asn1:oversize_length 100; sid:118;)|asn1|asn1 is not supported yet'
	'alert pkthdr any any -> any any (decode-event:ipv4.no_such; sid:119;)|ipv4.no_such|unknown event "decoder.ipv4.no_such"'
	'alert pkthdr any any -> any any (decode-event:decoder.ipv4.trunc_pkt; sid:120;)|decoder.ipv4|unknown event "decoder.decoder.ipv4.trunc_pkt"'
	'alert pkthdr any any -> any any (decode-event:ipv4.opt_invalid; sid:121;)|ipv4.opt|not supported yet'
	'alert pkthdr any any -> any any (stream-event:3whs_ack_in_wrong_dir; sid:122;)|3whs|not supported yet'
	'alert pkthdr any any -> any any (engine-event:ipv4.trunc_pkt; sid:123;)|ipv4.trunc|unknown event "ipv4.trunc_pkt"'
)

test_keyword_refusals() {
	local f=$TMP/refuse.rules c rule rest marker pat prefix line=0 col rc
	: >"$f"
	for c in "${REFUSE_CASES[@]}"; do
		printf '%s\n' "${c%%|*}" >>"$f"
	done
	timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --set rules.cache-dir= "$f" \
		>"$TMP/refuse.out" 2>"$TMP/refuse.err"
	rc=$?
	expect_eq "must-reject rules: exit status" "$rc" 1
	for c in "${REFUSE_CASES[@]}"; do
		line=$((line + 1))
		rule=${c%%|*}
		rest=${c#*|}
		marker=${rest%%|*}
		pat=${rest#*|}
		prefix=${rule%%"$marker"*}
		col=$((${#prefix} + 1))
		grep -qF "$f:$line:$col: " "$TMP/refuse.err" &&
			grep -F "$f:$line:$col: " "$TMP/refuse.err" | grep -qE -- "$pat" ||
			fail "no '$f:$line:$col: ...$pat' for: $rule"
	done
	expect_eq "must-reject rules: one diagnostic each" \
		"$(grep -c "^$f:[0-9]*:[0-9]*: " "$TMP/refuse.err")" "${#REFUSE_CASES[@]}"
}

# The shipped example rule files load as they are.
test_examples_load() {
	local f rc
	for f in "$SRC"/rules/examples/*.rules; do
		timeout -k 10 "$WEIR_TIMEOUT" "$WEIR" rules check --set rules.cache-dir= "$f" \
			>"$TMP/ex.out" 2>"$TMP/ex.err"
		rc=$?
		expect_eq "rules check $(basename "$f")" "$rc" 0 || cat "$TMP/ex.err"
		check "$(basename "$f"): every rule loads" grep -q '^OK: every rule' "$TMP/ex.out"
	done
}

# Each rule's kind as Suricata types it (detect-engine-build.c
# SignatureSetType: tcp payload rules are stream rules unless a packet
# keyword or flow:no_stream asks for the packet, or an offset/depth makes
# them packet+stream; flow:only_stream/tcp-stream are stream only), and
# what weir does with packet+stream (per packet, said so).
test_rule_kinds() {
	local f=$TMP/kinds.rules
	cat >"$f" <<'EOF'
alert tcp any any -> any any (msg:"plain"; content:"abc"; sid:1;)
alert tcp any any -> any any (msg:"depth"; content:"abc"; depth:10; sid:2;)
alert tcp any any -> any any (msg:"dsize"; content:"abc"; dsize:>3; sid:3;)
alert udp any any -> any any (msg:"udp"; content:"abc"; sid:4;)
alert tcp any any -> any any (msg:"no_stream"; flow:no_stream; content:"abc"; sid:5;)
alert tcp-pkt any any -> any any (msg:"tcp-pkt"; content:"abc"; sid:6;)
alert tcp-stream any any -> any any (msg:"tcp-stream"; content:"abc"; sid:7;)
alert tcp any any -> any any (msg:"only_stream"; flow:only_stream; content:"abc"; sid:8;)
alert tcp any any -> any any (msg:"relative pcre"; content:"abc"; pcre:"/^d+/R"; sid:9;)
alert tcp any any -> any any (msg:"ttl"; ttl:64; content:"abc"; sid:10;)
alert tcp any any -> any any (msg:"pan alone"; pan; sid:11;)
alert tcp any any -> any any (msg:"pan alone, stream only"; flow:only_stream; pan; sid:12;)
alert tcp any any -> any any (msg:"pan and a negated content"; content:!"x"; pan; sid:13;)
alert tcp any any -> any any (msg:"luhn"; pcre:"/card=[0-9]{13,19}/"; luhn; sid:14;)
EOF
	"$WEIR" rules check --kinds --set rules.cache-dir= "$f" >"$TMP/kinds.out" 2>"$TMP/kinds.err"
	expect_eq "rules check --kinds: exit status" "$?" 0 || cat "$TMP/kinds.err"
	expect_eq "kinds" "$(sed -n 's/^[^ ]* sid \([0-9]*\): \([^:]*\):.*/\1 \2/p' "$TMP/kinds.out" | paste -sd,)" \
		"1 stream,2 packet (Suricata,3 packet,4 packet,5 packet,6 packet,7 stream only,8 stream only,9 stream,10 packet,11 stream,12 stream only,13 packet (Suricata,14 stream"
	check "kinds: pan alone is the card scanner's" grep -q "sid 11: stream: pan alone: the stream's card scanner decides it" "$TMP/kinds.out"
}

# A stream rule's confirm step sees the last stream.reassembly.confirm-window
# bytes (plus the run released with the match): rules check names the
# rules that can need more, with the bound computed from the rule text
# (first content's length + each within; a ^-anchored relative pcre's
# longest match) or why there is none.
test_stream_history() {
	local f=$TMP/history.rules out
	cat >"$f" <<'EOF'
alert tcp any any -> any any (msg:"fits: 4 + 16"; content:"PAN="; pcre:"/^4[0-9]{15}/R"; sid:1;)
alert tcp any any -> any any (msg:"3 + 2000"; content:"abc"; content:!"de"; distance:0; within:2000; sid:2;)
alert tcp any any -> any any (msg:"independent"; content:"abc"; content:"xyz"; sid:3;)
alert tcp any any -> any any (msg:"no longest match"; content:"abc"; pcre:"/^d+/R"; sid:4;)
alert tcp any any -> any any (msg:"exact: no confirm"; content:"abc"; content:"de"; distance:0; within:2000; sid:5;)
alert tcp any any -> any any (msg:"pan alone: its scanner keeps its bytes"; pan; sid:6;)
alert tcp any any -> any any (msg:"luhn, fits: 19"; pcre:"/[0-9]{13,19}/"; luhn; sid:7;)
alert tcp any any -> any any (msg:"luhn, no longest match"; pcre:"/card=[0-9]+/"; luhn; sid:8;)
alert tcp any any -> any any (msg:"luhn, fits: 5 + 19"; content:"card="; pcre:"/^[0-9]{13,19}/R"; luhn; sid:9;)
EOF
	out=$("$WEIR" rules check --set rules.cache-dir= "$f" 2>&1)
	expect_eq "history: exit status" "$?" 0
	expect_eq "history: rules named" "$(printf '%s\n' "$out" | sed -n 's/^  [^ ]* sid \([0-9]*\): \(up to [0-9]*\|unbounded\).*/\1 \2/p' | paste -sd,)" \
		"2 up to 2003,3 unbounded,4 unbounded,8 unbounded"
	check "history: luhn's reason" grep -q "sid 8: unbounded (a pcre with luhn that has no longest match)" <<<"$out"
	out=$("$WEIR" rules check --set rules.cache-dir= --set stream.reassembly.confirm-window=2003 "$f" 2>&1)
	expect_eq "history: window 2003" "$(printf '%s\n' "$out" | sed -n 's/^  [^ ]* sid \([0-9]*\): \(up to [0-9]*\|unbounded\).*/\1 \2/p' | paste -sd,)" \
		"3 unbounded,4 unbounded,8 unbounded"
	out=$("$WEIR" rules check --set rules.cache-dir= --set stream.reassembly.confirm-window=20 "$f" 2>&1)
	expect_eq "history: window 20" "$(printf '%s\n' "$out" | sed -n 's/^  [^ ]* sid \([0-9]*\): \(up to [0-9]*\|unbounded\).*/\1 \2/p' | paste -sd,)" \
		"2 up to 2003,3 unbounded,4 unbounded,8 unbounded,9 up to 24"
}

# The pcap sink holds, for a stream alert, the frame of the packet that
# released the match (its bytes, or in acked mode its ACK): the input
# packet with that timestamp, byte for byte; an alert raised at a flow's
# end has no packet and an empty frame. stream.spec's alerts come from
# construction; here the frames are compared with the input capture.
test_pcap_sink_stream_frames() {
	local pfx=$TMP/sframes args=()
	python3 "$MKPCAP" build "$GOLDEN/stream.spec" "$pfx" || { fail "mkpcap.py build"; return; }
	mapfile -t args <"$pfx.args"
	run_weir "$pfx" -r "$pfx.pcap" -S "$pfx.rules" -o "$pfx.json" --set rules.cache-dir= \
		--set outputs.pcap.file="$pfx.out" "${args[@]}"
	expect_eq "stream frames: exit status" "$(cat "$pfx.rc")" 0 || { cat "$pfx.err"; return; }
	check "stream frames: each stream alert's frame is its releasing packet" \
		python3 - "$pfx.pcap" "$pfx.json" "$pfx.out".000000.pcapng <<'PY'
import json, struct, sys
d = open(sys.argv[1], "rb").read()
assert struct.unpack_from("<I", d, 0)[0] == 0xa1b2c3d4
frames, off = {}, 24
while off < len(d):
    sec, usec, cap, wire = struct.unpack_from("<IIII", d, off)
    frames[sec * 10**9 + usec * 1000] = d[off + 16:off + 16 + cap]
    off += 16 + cap
evs = [json.loads(l) for l in open(sys.argv[2])]
p = open(sys.argv[3], "rb").read()
epbs, off = [], 0
while off < len(p):
    t, n = struct.unpack_from("<II", p, off)
    if t == 6:
        i, hi, lo, cap, wire = struct.unpack_from("<IIIII", p, off + 8)
        epbs.append((hi << 32 | lo, p[off + 28:off + 28 + cap]))
    off += n
assert len(epbs) == len(evs), "%d blocks, %d events" % (len(epbs), len(evs))
n_stream = n_end = 0
for (ts, frame), ev in zip(epbs, evs):
    if ev.get("stream") != 1:
        continue
    if ev["pkt_src"] == "stream (flow timeout)":
        n_end += 1
        assert frame == b"", "a flow-end alert has no frame"
        continue
    n_stream += 1
    assert ts in frames, "no input packet at %d" % ts
    assert frame == frames[ts], "sid %d: the frame is not the input packet at %d" % (
        ev["alert"]["signature_id"], ts)
assert n_stream > 0 and n_end > 0, (n_stream, n_end)
print("stream alerts with their frame: %d, at flow end: %d" % (n_stream, n_end))
PY
}

ALL_TESTS="test_rule_kinds test_pcap_sink_stream_frames test_stream_history test_golden_content test_golden_pcre test_golden_byte test_golden_proto test_golden_header test_golden_hdr_keywords test_golden_defrag test_golden_tunnels test_golden_nsh test_golden_nsh_disabled test_golden_windows test_golden_windows_stream test_golden_windows_pcre test_golden_windows_byte test_golden_fields test_golden_fields_stream test_golden_fields_stream_exact test_fields_hmac test_golden_windows_workers
test_golden_pass_threshold test_golden_threshold_tracks test_golden_threshold_file test_golden_fraud test_golden_flow test_golden_flow_direction test_golden_address_split test_golden_sessions
test_golden_sessions_timeout test_golden_sessions_full test_golden_stream test_golden_stream_arrival test_golden_tfo test_golden_iponly test_golden_stream_payload
test_golden_eve
test_golden_hdr_buffers test_golden_vlan test_golden_ip_protos test_golden_decode_events test_golden_stream_events test_golden_pan_stream test_golden_pan_stream_dir test_keyword_refusals
test_every_spec_runs
test_bad_rules_refused test_bad_rules_skip_invalid test_bad_rules_check test_threshold_file_refused test_examples_load"
run_all
