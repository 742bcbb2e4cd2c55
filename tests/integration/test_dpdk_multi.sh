#!/usr/bin/env bash
# Several DPDK ports in one weir: the two halves of a network TAP as two
# net_pcap vdevs (-i net_pcap0,net_pcap1). One capture of known TCP and UDP
# sessions (made with mkpcap.py) is split by direction: what the clients
# send is port 0's file, what the servers send is port 1's. From that
# construction: each port's rx_packets, each alert's in_iface, one flow
# (one flow_id, one record) per session holding both directions' packets
# and bytes, and the accounting identity per port; in run mode workers
# (one worker; and two workers polling queue i of both ports), in the
# pipeline (two workers, one queue per port), and live through the stats
# socket and Prometheus.
. "$(dirname "$0")/lib.sh"

MKPCAP=$SRC/tests/integration/mkpcap.py
WEIRCTL=${WEIRCTL_BIN:?}
# no hugepages, no shared runtime files, a prefix of our own per run
EAL=(--no-huge --no-shconf --no-pci -m 512)

# write_spec FILE: 6 TCP sessions (handshake, a request from the client,
# an answer from the server, the client's ACK) and 2 UDP ones (a query, an
# answer); clients are 10.71.0.x. The alerts: each request (6001, client
# to server), each TCP answer (6002, flow:to_client) and each UDP answer
# (6003, flow:to_client); 6004 (an answer to the server) never.
write_spec() {
	local i j n=0 c s k
	{
		echo "flows: shared"
		echo 'rule: alert tcp any any -> any any (msg:"request"; flow:to_server,no_stream; content:"GET /"; sid:6001;)'
		echo 'rule: alert tcp any any -> any any (msg:"answer to the client"; flow:to_client,no_stream; content:"200 OK"; sid:6002;)'
		echo 'rule: alert udp any any -> any any (msg:"udp answer to the client"; flow:to_client; content:"rsp"; sid:6003;)'
		echo 'rule: alert tcp any any -> any any (msg:"never: an answer to the server"; flow:to_server,no_stream; content:"200 OK"; sid:6004;)'
		for i in 0 1 2 3 4 5; do
			c=10.71.0.$((10 + i)):$((42000 + i))
			s=10.71.1.1:80
			echo "packet $((n += 1)): tcp $c -> $s flags=S seq=100 at=$((i + 1)).1"
			echo "packet $((n += 1)): tcp $s -> $c flags=SA seq=500 ack=101 at=$((i + 1)).2"
			echo "packet $((n += 1)): tcp $c -> $s flags=A seq=101 ack=501 at=$((i + 1)).3"
			echo "packet $((n += 1)): tcp $c -> $s flags=PA seq=101 ack=501 at=$((i + 1)).4 \"GET /$i\""
			echo "packet $((n += 1)): tcp $s -> $c flags=PA seq=501 ack=107 at=$((i + 1)).5 \"HTTP/1.1 200 OK\""
			echo "packet $((n += 1)): tcp $c -> $s flags=A seq=107 ack=516 at=$((i + 1)).6"
		done
		for j in 0 1; do
			c=10.71.0.$((30 + j)):$((43000 + j))
			s=10.71.1.2:53
			echo "packet $((n += 1)): udp $c -> $s at=$((j + 10)).1 \"qry\""
			echo "packet $((n += 1)): udp $s -> $c at=$((j + 10)).2 \"rsp\""
		done
		for k in $(seq 1 $n); do
			if [ "$k" -le 36 ]; then
				case $((k % 6)) in 4) echo "expect $k: 6001" ;; 5) echo "expect $k: 6002" ;;
				*) echo "expect $k: none" ;; esac
			else
				case $((k % 2)) in 0) echo "expect $k: 6003" ;; *) echo "expect $k: none" ;; esac
			fi
		done
	} >"$1"
}

# split PCAP OUTPFX NQ: the clients' frames (source 10.71.0.x) into
# OUTPFX-c<q>.pcap, the servers' into OUTPFX-s<q>.pcap, q = the client's
# port % NQ; prints one line per session, from the frames themselves:
# "client_ip:port PROTO pkts_toserver/pkts_toclient bytes_toserver/bytes_toclient q"
split() {
	python3 - "$@" <<'PY'
import collections, struct, sys
src, pfx, nq = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
ghdr, off, outs = data[:24], 24, {}
sess = collections.OrderedDict()
while off < len(data):
    _, _, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    rec = data[off:off + 16 + incl]
    ip = data[off + 16 + 14:off + 16 + incl]
    off += 16 + incl
    ihl = (ip[0] & 15) * 4
    sp, dp = struct.unpack(">HH", ip[ihl:ihl + 4])
    client = ip[12:15] == bytes([10, 71, 0])
    cip, cport = (ip[12:16], sp) if client else (ip[16:20], dp)
    q = cport % nq
    key = "%s:%d %s" % (".".join(map(str, cip)), cport, {6: "TCP", 17: "UDP"}[ip[9]])
    st = sess.setdefault(key, [0, 0, 0, 0, q])
    st[0 if client else 1] += 1
    st[2 if client else 3] += orig
    name = "%s-%s%d.pcap" % (pfx, "c" if client else "s", q)
    if name not in outs:
        outs[name] = open(name, "wb")
        outs[name].write(ghdr)
    outs[name].write(rec)
for f in outs.values():
    f.close()
for k, v in sess.items():
    print("%s %d/%d %d/%d %d" % (k, v[0], v[1], v[2], v[3], v[4]))
PY
}

# make_tap NQ: $TMP/tap.{spec,pcap,rules}, the split files and
# $TMP/tap<NQ>.sessions; sets N_C, N_S (frames per direction)
make_tap() {
	write_spec "$TMP/tap.spec"
	python3 "$MKPCAP" build "$TMP/tap.spec" "$TMP/tap" || return 1
	split "$TMP/tap.pcap" "$TMP/tap$1" "$1" >"$TMP/tap$1.sessions" || return 1
	N_C=$(awk '{ split($3, p, "/"); n += p[1] } END { print n }' "$TMP/tap$1.sessions")
	N_S=$(awk '{ split($3, p, "/"); n += p[2] } END { print n }' "$TMP/tap$1.sessions")
}

# port_value ERRFILE PORT NAME: counter NAME of the summary's " port PORT:" block
port_value() {
	awk -v hdr=" port $2:" -v name="$3:" '
		/^ [a-z]/ { insec = ($0 == hdr) }
		insec && $1 == name { print $2; exit }' "$1"
}

# check_events JSONFILE SESSIONS WORKERS_BY_QUEUE: the EVE lines against
# the construction. Alerts: exactly 6001 x6 on net_pcap0 and 6002 x6, 6003
# x2 on net_pcap1, weir.port the port's index, direction as the rule says.
# Flow records: one per session, both directions' packets and bytes, the
# client as src, in_iface the port of the session's first packet (the
# client's SYN or query: net_pcap0), reason shutdown, ids unique; every
# alert carries the flow_id of its session's record, so a request (port 0)
# and its answer (port 1) share one. WORKERS_BY_QUEUE=1: every event of a
# session is on the worker (and queue) the session's file was given to.
check_events() {
	python3 - "$@" <<'PY'
import collections, json, sys
evs = [json.loads(l) for l in open(sys.argv[1], "rb")]
sessions = {}
for line in open(sys.argv[2]):
    key, proto, pk, by, q = line.split()
    sessions[key] = (proto, pk, by, int(q))
by_queue = sys.argv[3] == "1"
alerts = [e for e in evs if e["event_type"] == "alert"]
recs = [e for e in evs if e["event_type"] == "flow"]
assert len(alerts) + len(recs) == len(evs), "not alerts or flow records"
got = collections.Counter((e["alert"]["signature_id"], e["in_iface"]) for e in alerts)
want = {(6001, "net_pcap0"): 6, (6002, "net_pcap1"): 6, (6003, "net_pcap1"): 2}
assert got == want, ("alerts per sid and in_iface", dict(got), want)
for e in alerts:
    assert e["weir"]["port"] == {"net_pcap0": 0, "net_pcap1": 1}[e["in_iface"]], e
    assert e["direction"] == ("to_server" if e["alert"]["signature_id"] == 6001 else "to_client"), e
rec_of = {}
for r in recs:
    key = "%s:%d" % (r["src_ip"], r["src_port"])
    assert key in sessions and key not in rec_of, ("record of no session, or twice", key)
    proto, pk, by, q = sessions[key]
    f = r["flow"]
    assert r["proto"] == proto, (key, r["proto"])
    assert "%d/%d" % (f["pkts_toserver"], f["pkts_toclient"]) == pk, (key, f, pk)
    assert "%d/%d" % (f["bytes_toserver"], f["bytes_toclient"]) == by, (key, f, by)
    assert f["reason"] == "shutdown", (key, f)
    assert r["in_iface"] == "net_pcap0", (key, r["in_iface"])
    if by_queue:
        assert r["weir"]["worker"] == q, (key, r["weir"], q)
    rec_of[key] = r
assert len(rec_of) == len(sessions), ("sessions without a record", set(sessions) - set(rec_of))
assert len({r["flow_id"] for r in recs}) == len(recs), "flow ids not unique"
ids = collections.defaultdict(set)
for e in alerts:
    client = (e["src_ip"], e["src_port"]) if e["direction"] == "to_server" else (e["dest_ip"], e["dest_port"])
    key = "%s:%d" % client
    r = rec_of[key]
    assert e["flow_id"] == r["flow_id"], ("alert and record of one session differ", key)
    assert e["weir"]["worker"] == r["weir"]["worker"], key
    if by_queue:
        assert e["weir"]["queue"] == sessions[key][3], (key, e["weir"])
    ids[key].add(e["in_iface"])
# every TCP session's flow id is on an alert from each port
assert all(ids[k] == {"net_pcap0", "net_pcap1"} for k, s in sessions.items() if s[0] == "TCP"), ids
PY
}

# check_summary PFX: exit 0, both ports' rx_packets as constructed, the
# identities (one per port among them)
check_summary() {
	local pfx=$1
	expect_eq "exit status" "$(cat "$pfx.rc")" 0 || { sed 's/^/    | /' "$pfx.err"; return 1; }
	check "summary names both ports" grep -q '^weir: summary: dpdk net_pcap0,net_pcap1, ' "$pfx.err"
	expect_eq "workers' rx_packets" "$(summary_value "$pfx.err" rx_packets)" $((N_C + N_S))
	expect_eq "net_pcap0 rx_packets (the clients' frames)" \
		"$(port_value "$pfx.err" net_pcap0 rx_packets)" "$N_C"
	expect_eq "net_pcap1 rx_packets (the servers' frames)" \
		"$(port_value "$pfx.err" net_pcap1 rx_packets)" "$N_S"
	check "accounting" accounting_ok "$pfx.err"
	check "identity of net_pcap0" grep -q "^ accounting: port net_pcap0: rx_packets $N_C = .* $N_C: ok$" "$pfx.err"
	check "identity of net_pcap1" grep -q "^ accounting: port net_pcap1: rx_packets $N_S = .* $N_S: ok$" "$pfx.err"
	expect_eq "flow_created" "$(summary_value "$pfx.err" flow_created)" 8
}

# run_tap PFX NQ WORKERS ARGS...: weir on the two halves (NQ files, hence
# queues, per port), flows and flow records on
run_tap() {
	local name=$1 pfx=$TMP/$1 nq=$2 w=$3 v0 v1 q
	shift 3
	v0=net_pcap0
	v1=net_pcap1
	for q in $(seq 0 $((nq - 1))); do
		v0+=",rx_pcap=$TMP/tap$nq-c$q.pcap"
		v1+=",rx_pcap=$TMP/tap$nq-s$q.pcap"
	done
	run_weir "$pfx" -S "$TMP/tap.rules" -o "$pfx.json" -i net_pcap0,net_pcap1 -w "$w" \
		--count $((N_C + N_S)) --set outputs.flow-records=true --set rules.cache-dir= \
		--set outputs.weir-fields=true \
		--set capture.mempool-size=1023 "$@" -- "${EAL[@]}" --file-prefix "weir-dm-$name-$$" \
		--vdev "$v0" --vdev "$v1"
}

# The spec itself, through weir -r: the same alerts per packet (mkpcap
# compare), so the construction is what weir means by it.
test_spec_offline() {
	make_tap 1 || { fail "mkpcap.py build / split"; return; }
	run_weir "$TMP/off" -r "$TMP/tap.pcap" -S "$TMP/tap.rules" -o "$TMP/off.json" \
		--set rules.cache-dir=
	expect_eq "exit status" "$(cat "$TMP/off.rc")" 0 || return
	python3 "$MKPCAP" compare "$TMP/tap.spec" "$TMP/off.json" >"$TMP/off.diff" ||
		{ sed 's/^/    | /' "$TMP/off.diff"; fail "the spec's alerts through weir -r"; }
}

# One worker polls queue 0 of both ports.
test_tap_pair_one_worker() {
	make_tap 1 || { fail "mkpcap.py build / split"; return; }
	run_tap w1 1 1
	check_summary "$TMP/w1" || return
	check "running line" grep -q '^weir: running: dpdk net_pcap0,net_pcap1, 1 worker, ' "$TMP/w1.err"
	check "events against the construction" check_events "$TMP/w1.json" "$TMP/tap1.sessions" 0
}

# Two workers, one queue per port: run mode auto takes the pipeline, whose
# rx stage polls both ports and hashes each flow, both directions, to one
# worker.
test_tap_pair_pipeline() {
	make_tap 1 || { fail "mkpcap.py build / split"; return; }
	run_tap p2 1 2
	check_summary "$TMP/p2" || return
	check "auto took the pipeline" grep -q '^weir: running: .*2 workers (runmode pipeline)' "$TMP/p2.err"
	check "rx stage identity" grep -q '^ accounting: rx stage: .*: ok$' "$TMP/p2.err"
	check "events against the construction" check_events "$TMP/p2.json" "$TMP/tap1.sessions" 0
}

# Two queues per port, two workers, run mode workers: worker i polls
# queue i of both ports. Each port's queue q holds the sessions whose
# client port is q mod 2 (what a symmetric RSS does: a session's two
# directions on the same queue index of the two ports), so every event
# of a session is on worker q. net_pcap has no RSS: weir warns it cannot
# spread flows itself.
test_tap_pair_two_queues_workers() {
	make_tap 2 || { fail "mkpcap.py build / split"; return; }
	run_tap q2 2 2 --set runmode=workers
	check_summary "$TMP/q2" || return
	check "no pipeline" bash -c "! grep -q 'runmode pipeline' '$TMP/q2.err'"
	check "no RSS: said" grep -q 'port net_pcap0 has no RSS' "$TMP/q2.err"
	check "mode line" grep -q '^  mode: *2 queues, no rss$' "$TMP/q2.err"
	check "events against the construction" check_events "$TMP/q2.json" "$TMP/tap2.sessions" 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Live: the stats socket's port view and Prometheus show both ports, each
# with its own counters (and the dpdk driver's rss_key_refused); weirctl
# shutdown; the summary's identities.
test_tap_pair_live_views() {
	local pfx=$TMP/lv port pid i
	make_tap 1 || { fail "mkpcap.py build / split"; return; }
	port=$(free_port)
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" -S "$TMP/tap.rules" -o /dev/null \
		-i net_pcap0,net_pcap1 --set "ctl.socket=$pfx.sock" \
		--set "metrics.listen=127.0.0.1:$port" --set capture.mempool-size=1023 -- "${EAL[@]}" \
		--file-prefix "weir-dm-lv-$$" --vdev "net_pcap0,rx_pcap=$TMP/tap1-c0.pcap,infinite_rx=0" \
		--vdev "net_pcap1,rx_pcap=$TMP/tap1-s0.pcap,infinite_rx=0" >"$pfx.out" 2>"$pfx.err" &
	pid=$!
	# bounded wait until both files are read
	for i in $(seq 1 300); do
		"$WEIRCTL" --socket "$pfx.sock" --json ports >"$pfx.ports" 2>/dev/null &&
			python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
sys.exit(0 if sum(p["rx_packets"] for p in j["ports"]) == int(sys.argv[2]) else 1)' \
				"$pfx.ports" $((N_C + N_S)) 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	check "ports view: both, each with its counters" python3 - "$pfx.ports" "$N_C" "$N_S" <<'PY'
import json, sys
ports = json.load(open(sys.argv[1]))["ports"]
assert [(p["name"], p["index"], p["driver"]) for p in ports] == \
    [("net_pcap0", 0, "dpdk"), ("net_pcap1", 1, "dpdk")], ports
for p, n in zip(ports, (int(sys.argv[2]), int(sys.argv[3]))):
    assert p["rx_packets"] == n, (p["name"], p["rx_packets"], n)
    assert sum(q["rx_packets"] for q in p["queues"]) == n, p
    assert p["xstats"] == {"rss_key_refused": 0} and p["mode"] == "1 queue", p
PY
	python3 -c 'import sys,urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10)
open(sys.argv[2], "wb").write(r.read())' "$port" "$pfx.metrics" || fail "scrape /metrics"
	check "metric net_pcap0" grep -q "^weir_port_rx_packets_total{port=\"net_pcap0\"} $N_C\$" "$pfx.metrics"
	check "metric net_pcap1" grep -q "^weir_port_rx_packets_total{port=\"net_pcap1\"} $N_S\$" "$pfx.metrics"
	check "metric per port and queue" grep -q "^weir_rx_packets_total{port=\"net_pcap1\",queue=\"0\"} $N_S\$" "$pfx.metrics"
	check "driver counter per port" grep -q '^weir_port_driver_total{port="net_pcap1",name="rss_key_refused"} 0$' "$pfx.metrics"
	"$WEIRCTL" --socket "$pfx.sock" ports >"$pfx.table" 2>&1 || fail "weirctl ports"
	check "weirctl ports names both" grep -q net_pcap1 "$pfx.table"
	"$WEIRCTL" --socket "$pfx.sock" shutdown >/dev/null || fail "weirctl shutdown"
	wait "$pid"
	expect_eq "exit status after shutdown" "$?" 0
	check "accounting" accounting_ok "$pfx.err"
	check "identity per port" [ "$(grep -c '^ accounting: port net_pcap[01]: .*: ok$' "$pfx.err")" = 2 ]
}

# A list stays refused where it means nothing: the pcap driver replays
# one file.
test_list_refused_for_pcap() {
	run_weir "$TMP/rp" -S "$SRC/rules/examples/sample.sigs" -i a,b --set capture.driver=pcap \
		-r "$SRC/tests/data/sample.pcap"
	expect_eq "exit status" "$(cat "$TMP/rp.rc")" 1
	check "says why" grep -q 'several interfaces are not supported with the pcap driver' "$TMP/rp.err"
}

ALL_TESTS="test_spec_offline test_tap_pair_one_worker test_tap_pair_pipeline
test_tap_pair_two_queues_workers test_tap_pair_live_views test_list_refused_for_pcap"
run_all
