#!/usr/bin/env bash
# Flow records (outputs.flow-records: EVE event_type flow, one per flow at
# its end) and the flow counters of the summary, end to end through weir -r:
# - every realistic capture of ../shared/data/pcap/realistic/zeek: the
#   records are valid EVE, one per created flow, ids unique, every flow
#   ended, the summary's identities hold, and the number of flows and of
#   packets that got one equal what flow_oracle.py (an independent Python
#   dissector of the documented key) counts;
# - a hand-made capture of known sessions (TCP ended by RST, FINs, idle
#   and port reuse, UDP, ICMP echo, ICMP errors): every record's state,
#   reason, packets, bytes and alerted, exactly.
. "$(dirname "$0")/lib.sh"

ORACLE=$SRC/tests/integration/flow_oracle.py
# weir as flow_oracle.py models it: no IP reassembly, no decapsulation
NO_DECAP=(--set defrag.enabled=false)
for k in vxlan geneve gre ipip teredo gtpu mpls pppoe; do
	NO_DECAP+=(--set "decoder.$k.enabled=false")
done
MKPCAP=$SRC/tests/integration/mkpcap.py
SCHEMA=$DATA/eve/suricata/schema.json

# rules that alert on some flows and never on others, so that "alerted"
# takes both values
write_rules() {
	cat >"$1" <<'EOF'
alert tcp any any -> any any (msg:"http get"; content:"GET "; sid:9001;)
alert udp any any -> any any (msg:"never"; content:"zzqqxx-never-here"; sid:9002;)
alert tcp any any -> any any (msg:"http get in the stream"; flow:only_stream,to_server; content:"GET "; sid:9003;)
alert tcp any any -> any any (msg:"http reply in the stream"; flow:only_stream,to_client; content:"HTTP/1."; sid:9004;)
EOF
}

# flow_facts EVEFILE: "records N ids N pkts N alert_problems N" from the
# EVE lines, then one line per problem (an alert whose flow has no record
# saying alerted, or a record saying alerted with no alert of its id)
flow_facts() {
	python3 - "$1" <<'PY'
import json, sys
recs, alerts = [], set()
for line in open(sys.argv[1], "rb"):
    ev = json.loads(line)
    if ev["event_type"] == "flow":
        recs.append(ev)
    elif ev["event_type"] == "alert":
        alerts.add(ev["flow_id"])
ids = {r["flow_id"] for r in recs}
pk = sum(r["flow"]["pkts_toserver"] + r["flow"]["pkts_toclient"] for r in recs)
alerted = {r["flow_id"] for r in recs if r["flow"]["alerted"]}
probs = ["alert on flow %d, whose record says not alerted or is missing" % i
         for i in sorted(alerts - alerted)]
probs += ["record of flow %d says alerted, no alert has its id" % i
          for i in sorted(alerted - alerts)]
print("records %d ids %d pkts %d alert_problems %d" % (len(recs), len(ids), pk, len(probs)))
for p in probs:
    print(p)
PY
}

# schema_ok WHAT FILE...: every line of the (non-empty) EVE files is valid
# under Suricata's schema; one validator run for all (it compiles the
# schema first, which takes seconds)
schema_ok() {
	local what=$1 f files=()
	shift
	for f in "$@"; do
		[ -s "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 0
	if ! /usr/bin/python3 "$SRC/tests/integration/eve_schema.py" "$SCHEMA" "${files[@]}" >"$TMP/schema.out"; then
		sed 's/^/    | /' "$TMP/schema.out" | head -5
		fail "$what: EVE lines not valid under Suricata's schema"
	fi
}

# check_flows WHAT PFX ORACLE_FLOWS ORACLE_PKTS: weir's run PFX (.rc .err
# .json) against the oracle and the identities
check_flows() {
	local what=$1 pfx=$2 oflows=$3 opkts=$4 created active ended recs ids pkts probs
	expect_eq "$what: exit status" "$(cat "$pfx.rc")" 0 || { sed 's/^/    | /' "$pfx.err"; return; }
	check "$what: accounting identities" accounting_ok "$pfx.err"
	created=$(summary_value "$pfx.err" flow_created)
	active=$(summary_value "$pfx.err" flow_active)
	ended=$(($(summary_value "$pfx.err" flow_shutdown) + $(summary_value "$pfx.err" flow_timeout) +
		$(summary_value "$pfx.err" flow_evicted) + $(summary_value "$pfx.err" flow_reused)))
	read -r _ recs _ ids _ pkts _ probs < <(flow_facts "$pfx.json" | head -1)
	expect_eq "$what: flow records = flow_created" "$recs" "$created"
	expect_eq "$what: flow_created = shutdown + timeout + evicted + reused" "$created" "$ended"
	expect_eq "$what: flow_active at exit" "$active" 0
	expect_eq "$what: flow_records counter = records" "$(summary_value "$pfx.err" flow_records)" \
		"$recs"
	expect_eq "$what: distinct flow_id among records" "$ids" "$recs"
	expect_eq "$what: alerted agrees with the alerts" "$probs" 0 ||
		flow_facts "$pfx.json" | tail -n +2 | head -5 | sed 's/^/    | /'
	expect_eq "$what: flows (oracle: flow_oracle.py)" "$created" "$oflows"
	expect_eq "$what: packets with a flow = sum of records' pkts (oracle)" "$pkts" "$opkts"
}

test_realistic_captures() {
	local cap name pfx out rc oflows opkts n=0 eve=()
	need_data "$DATA/pcap/realistic/zeek" "$SCHEMA" || return
	write_rules "$TMP/flows.rules"
	for cap in "$DATA"/pcap/realistic/zeek/*.pcap; do
		name=$(basename "$cap" .pcap)
		pfx=$TMP/rc-$name
		out=$(python3 "$ORACLE" "$cap")
		rc=$?
		# the oracle models the decoder without reassembly and tunnels
		# (its scope, above): those are held to their own answers in
		# test_shared_captures.sh and tests/data/golden/
		run_weir "$pfx" -r "$cap" -S "$TMP/flows.rules" -o "$pfx.json" \
			--set rules.cache-dir= --set outputs.flow-records=true "${NO_DECAP[@]}"
		if [ $rc -eq 3 ]; then
			# a link type weir does not read: refused up front, by name
			expect_eq "$name: exit status ($out)" "$(cat "$pfx.rc")" 1
			check "$name: says the link type is not supported" \
				grep -q "link type .* is not supported; supported: " "$pfx.err" ||
				sed 's/^/    | /' "$pfx.err"
			continue
		fi
		[ $rc -eq 0 ] || { fail "$name: flow_oracle.py exit $rc: $out"; continue; }
		read -r _ oflows _ opkts <<<"$out"
		check_flows "$name" "$pfx" "$oflows" "$opkts"
		eve+=("$pfx.json")
		n=$((n + 1))
	done
	[ "$n" -ge 30 ] || fail "only $n captures read"
	schema_ok "realistic captures" "${eve[@]}"
}

# The hand-made capture: 9 flows with known ends. Packet times (at=) put
# packets 1-32 in weir's first 32-packet read burst, 33-64 in the second
# (at 40-41 s, then 2000 s) and 65-96 in the third (3000 s): the expiry
# pass after a burst ends the flows idle past their timeout that the burst
# did not touch, so every flow of burst 1 but S4 and U1 times out after
# burst 2, S4's second flow and U1 after burst 3, and U3 is left for the
# shutdown. Frames: Ethernet 14 + IPv4 20 + TCP 20 / UDP 8 / ICMP 8 +
# payload bytes. ICMP errors (type 3) never get a flow of their own; one
# that quotes a flow's packet counts in that flow, in the direction of
# its own sender (app/flow.h, Suricata's ICMPv4 error handling).
write_known_spec() {
	local i n
	cat >"$1" <<'EOF'
flows: shared
rule: alert tcp any any -> any any (msg:"get"; flow:to_server,no_stream; content:"GET /"; sid:5001;)
rule: alert udp any any -> any any (msg:"alertme"; content:"ALERTME"; sid:5002;)
# S1: handshake, the server resets: 2/2 packets, 108/108 bytes, closed
packet 1: tcp 10.60.0.1:40001 -> 10.60.0.2:80 flags=S seq=100 at=1
packet 2: tcp 10.60.0.2:80 -> 10.60.0.1:40001 flags=SA seq=500 ack=101 at=1.1
packet 3: tcp 10.60.0.1:40001 -> 10.60.0.2:80 flags=A seq=101 ack=501 at=1.2
packet 4: tcp 10.60.0.2:80 -> 10.60.0.1:40001 flags=RA seq=501 ack=101 at=1.3
# S2: handshake, FIN both ways, last ACK: 4/2, 216/108, closed
packet 5: tcp 10.60.0.1:40002 -> 10.60.0.2:80 flags=S seq=100 at=2
packet 6: tcp 10.60.0.2:80 -> 10.60.0.1:40002 flags=SA seq=500 ack=101 at=2.1
packet 7: tcp 10.60.0.1:40002 -> 10.60.0.2:80 flags=A seq=101 ack=501 at=2.2
packet 8: tcp 10.60.0.1:40002 -> 10.60.0.2:80 flags=FA seq=101 ack=501 at=2.3
packet 9: tcp 10.60.0.2:80 -> 10.60.0.1:40002 flags=FA seq=501 ack=102 at=2.4
packet 10: tcp 10.60.0.1:40002 -> 10.60.0.2:80 flags=A seq=102 ack=502 at=2.5
# S3: a request (alerts) and an answer, then idle: 3/2, 167/120, established
packet 11: tcp 10.60.0.1:40003 -> 10.60.0.2:80 flags=S seq=100 at=3
packet 12: tcp 10.60.0.2:80 -> 10.60.0.1:40003 flags=SA seq=500 ack=101 at=3.1
packet 13: tcp 10.60.0.1:40003 -> 10.60.0.2:80 flags=A seq=101 ack=501 at=3.2
packet 14: tcp 10.60.0.1:40003 -> 10.60.0.2:80 flags=PA seq=101 ack=501 at=3.3 "GET /"
packet 15: tcp 10.60.0.2:80 -> 10.60.0.1:40003 flags=PA seq=501 ack=106 at=3.4 "HTTP/1.1 200"
# S4: the client resets (3/1, 162/54, closed), then a new SYN in burst 2
# reuses the port: the first flow ends as tcp_reuse
packet 16: tcp 10.60.0.1:40004 -> 10.60.0.2:80 flags=S seq=100 at=4
packet 17: tcp 10.60.0.2:80 -> 10.60.0.1:40004 flags=SA seq=500 ack=101 at=4.1
packet 18: tcp 10.60.0.1:40004 -> 10.60.0.2:80 flags=A seq=101 ack=501 at=4.2
packet 19: tcp 10.60.0.1:40004 -> 10.60.0.2:80 flags=R seq=101 at=4.3
# U1: query and answer (1/1, 43/43, established), plus an ICMP error from
# the server in burst 2 quoting the query: to_client, 70 bytes
packet 20: udp 10.60.0.3:40005 -> 10.60.0.2:53 at=5 "Q"
packet 21: udp 10.60.0.2:53 -> 10.60.0.3:40005 at=5.1 "A"
# U2: one query (alerts), and in the same burst an ICMP port unreachable
# from the server quoting it: 1/1, 49/70, state new (an error sets no
# "seen" flag)
packet 22: udp 10.60.0.5:40006 -> 10.60.0.2:53 at=6 "ALERTME"
packet 23: icmp 10.60.0.2 -> 10.60.0.5 type=3 code=3 at=6.1 "|45 00 00 24 00 01 00 00 40 11 00 00 0a 3c 00 05 0a 3c 00 02 9c 46 00 35 00 10 00 00|"
# I1: echo request and reply: 1/1, 46/46, established
packet 24: icmp 10.60.0.7 -> 10.60.0.2 type=8 id=7 at=7 "ping"
packet 25: icmp 10.60.0.2 -> 10.60.0.7 type=0 id=7 at=7.1 "ping"
EOF
	n=25
	for i in $(seq 1 7); do # to the end of burst 1: errors quoting nothing
		n=$((n + 1))
		echo "packet $n: icmp 10.99.0.1 -> 10.99.0.2 type=3 code=3 at=8.$i" >>"$1"
	done
	cat >>"$1" <<'EOF'
# burst 2: S4's new SYN (its session was closed 36 s ago, within the closed
# timeout of 60 s: a reuse, not a timeout), and the ICMP error for U1
packet 33: tcp 10.60.0.1:40004 -> 10.60.0.2:80 flags=S seq=9000 at=40
packet 34: icmp 10.60.0.2 -> 10.60.0.3 type=3 code=3 at=41 "|45 00 00 24 00 01 00 00 40 11 00 00 0a 3c 00 03 0a 3c 00 02 9c 45 00 35 00 10 00 00|"
EOF
	n=34
	for i in $(seq 1 30); do
		n=$((n + 1))
		echo "packet $n: icmp 10.99.0.1 -> 10.99.0.2 type=3 code=3 at=2000.$(printf %02d "$i")" >>"$1"
	done
	# burst 3: U3, one packet, left for the shutdown: 1/0, 43/0, new
	echo 'packet 65: udp 10.60.0.9:40009 -> 10.60.0.2:53 at=3000 "Z"' >>"$1"
	n=65
	for i in $(seq 1 31); do
		n=$((n + 1))
		echo "packet $n: icmp 10.99.0.1 -> 10.99.0.2 type=3 code=3 at=3000.$(printf %02d "$i")" >>"$1"
	done
	for i in $(seq 1 $n); do # S3's request and U2's query alert
		case $i in
		14) echo "expect $i: 5001" ;;
		22) echo "expect $i: 5002" ;;
		*) echo "expect $i: none" ;;
		esac
	done >>"$1"
}

# client proto pkts_toserver/pkts_toclient bytes_toserver/bytes_toclient
# state reason alerted, one line per flow, sorted
KNOWN_RECORDS='10.60.0.1:40001 TCP 2/2 108/108 closed timeout false
10.60.0.1:40002 TCP 4/2 216/108 closed timeout false
10.60.0.1:40003 TCP 3/2 167/120 established timeout true
10.60.0.1:40004 TCP 1/0 54/0 new timeout false
10.60.0.1:40004 TCP 3/1 162/54 closed tcp_reuse false
10.60.0.3:40005 UDP 1/2 43/113 established timeout false
10.60.0.5:40006 UDP 1/1 49/70 new timeout true
10.60.0.7:0 ICMP 1/1 46/46 established timeout false
10.60.0.9:40009 UDP 1/0 43/0 new shutdown false'

test_known_sessions() {
	local pfx=$TMP/known got
	need_data "$SCHEMA" || return
	write_known_spec "$pfx.spec"
	python3 "$MKPCAP" build "$pfx.spec" "$pfx" || { fail "mkpcap.py build"; return; }
	run_weir "$pfx" -r "$pfx.pcap" -S "$pfx.rules" -o "$pfx.json" \
		--set rules.cache-dir= --set outputs.flow-records=true
	check_flows "known sessions" "$pfx" 9 28
	schema_ok "known sessions" "$pfx.json"
	if ! python3 "$MKPCAP" compare "$pfx.spec" <(grep '"event_type":"alert"' "$pfx.json") \
		>"$pfx.diff"; then
		sed 's/^/    | /' "$pfx.diff"
		fail "known sessions: alerts (above)"
	fi
	got=$(python3 - "$pfx.json" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev["event_type"] != "flow":
        continue
    f = ev["flow"]
    out.append("%s:%s %s %d/%d %d/%d %s %s %s" % (
        ev["src_ip"], ev.get("src_port", 0), ev["proto"], f["pkts_toserver"],
        f["pkts_toclient"], f["bytes_toserver"], f["bytes_toclient"], f["state"],
        f["reason"], "true" if f["alerted"] else "false"))
print("\n".join(sorted(out)))
PY
	)
	if [ "$got" != "$KNOWN_RECORDS" ]; then
		diff <(echo "$KNOWN_RECORDS") <(echo "$got") | sed 's/^/    | /'
		fail "known sessions: flow records differ (< expected, > weir)"
	fi
	# an alert carries its flow's counters as of its own packet (Suricata
	# updates them in the flow step before detection): S3's request is the
	# third packet to the server and follows one to the client, U2's query
	# is its flow's first packet
	got=$(python3 - "$pfx.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev["event_type"] == "alert":
        f = ev["flow"]
        print("%d %d/%d %d/%d" % (ev["alert"]["signature_id"], f["pkts_toserver"],
                                  f["pkts_toclient"], f["bytes_toserver"], f["bytes_toclient"]))
PY
	)
	expect_eq "known sessions: alerts' flow counters" "$(echo "$got" | sort)" \
		"$(printf '5001 3/1 167/54\n5002 1/0 49/0')"
	# the oracle agrees with the hand count
	expect_eq "known sessions: flow_oracle.py" "$(python3 "$ORACLE" "$pfx.pcap")" \
		"flows 9 packets 28"
}

ALL_TESTS="test_realistic_captures test_known_sessions"
run_all
