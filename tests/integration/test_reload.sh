#!/usr/bin/env bash
# Hot reload (issue #3) on a running weir, dpdk driver on vdevs:
#  - under traffic (net_pcap replaying a generated capture forever): at
#    least 50 reloads through the stats socket alternating two good rule
#    files A and B (disjoint sids) and two broken ones (parse errors; a
#    pattern Hyperscan refuses), a few by SIGHUP; after each good one the
#    new generation holds exactly that file's sids and they fire, after a
#    broken one the errors are listed and the previous rules still fire.
#    At the end: no packet lost (port rx = worker rx = processed, no NIC
#    drop), every accounting identity ok, every event well-formed, from A
#    or B, formatted with its own rule set, and none missing (weir.seq has
#    no gap). disable/enable by sid, kept over reloads.
#  - requests at once: two weirctl in parallel, SIGHUP + weirctl, and
#    two SIGHUPs while a weirctl reload's build is held open (a rule file
#    that is a FIFO): every request gets an outcome, no second build runs
#    beside the held one, and both SIGHUPs make exactly one more build.
#  - idle ports (net_ring with no traffic, net_pcap after its file ended):
#    a reload completes although no packet arrives.
# The ASan build runs the same script: a leak makes weir's exit non-zero.
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
GEN=$BUILD/perf/weir-gen
SIGS=$SRC/rules/examples/sample.sigs
EAL=(--no-huge --no-shconf --no-pci -m 512)
# at least 50 reloads (issue #3), bounded in time as well
RELOADS=${WEIR_TEST_RELOADS:-54}
RELOAD_BUDGET_S=${WEIR_TEST_RELOAD_BUDGET_S:-75}
POLL_S=20 # bound of every wait for a condition

# Rule files. A and B: disjoint sids, every rule fires on the generated
# traffic (sample.sigs' triggers planted by weir-gen). C and C2: refused,
# C by the parser (4 errors), C2 by Hyperscan.
write_rule_files() {
	cat >"$TMP/A.rules" <<'EOF'
alert ip any any -> any any (msg:"A cvv"; content:"cvv="; nocase; sid:101; rev:1;)
alert ip any any -> any any (msg:"A union select"; pcre:"/union\s+(?:all\s+)?select/i"; sid:102; rev:2;)
alert tcp any any -> any any (msg:"A script"; content:"<script"; nocase; sid:103; rev:3;)
alert ip any any -> any any (msg:"A jndi"; content:"${jndi:"; nocase; sid:104; rev:4;)
EOF
	cat >"$TMP/B.rules" <<'EOF'
alert ip any any -> any any (msg:"B sleep"; pcre:"/(?:sleep|benchmark)\s*\(\s*\d+/i"; sid:201; rev:1;)
alert tcp any any -> any any (msg:"B etc passwd"; content:"../"; content:"etc/"; distance:0; sid:202; rev:1;)
alert ip any any -> any any (msg:"B authz"; content:"authorization:"; nocase; pcre:"/authorization:\s*basic\s+[A-Za-z0-9+\/]{8,}={0,2}/i"; sid:203; rev:1;)
alert ip any any -> any any (msg:"B pan"; pcre:"/\b4\d{15}\b/"; sid:204; rev:1;)
EOF
	cat >"$TMP/C.rules" <<'EOF'
alert tcp any any -> any any (msg:"C ok"; content:"cvv="; nocase; sid:301; rev:1;)
alert tcp any any -> any any (msg:"C unknown keyword"; content:"x"; frobnicate:1; sid:302;)
alert tcp any any -> any 70000 (msg:"C bad port"; content:"x"; sid:303;)
alert tcp any any -> any any (msg:"C duplicate sid"; content:"y"; sid:301;)
alert tcp any any -> any any (msg:"C unbalanced; content:"z"; sid:305;)
EOF
	cat >"$TMP/C2.rules" <<'EOF'
alert ip any any -> any any (msg:"C2 ok"; content:"cvv="; nocase; sid:311; rev:1;)
alert ip any any -> any any (msg:"C2 too big"; pcre:"/a{1,100000}b{1,100000}/"; sid:312;)
EOF
	SIDS_A=101,102,103,104
	SIDS_B=201,202,203,204
}

# The traffic: 8000 packets, 34 of them carrying one of sample.sigs'
# triggers (seed 5 plants every rule's); replayed forever by net_pcap it
# gives a few thousand alerts a second, not millions.
make_traffic() {
	[ -s "$TMP/g.pcap" ] && return 0
	"$GEN" -n 8000 -s 5 -f 0.004 -R "$SIGS" -o "$TMP/g.pcap" -e "$TMP/g.tsv" >/dev/null 2>&1
}

# The stats-socket client of these tests (raw requests, bounded polls).
cat >"$TMP/rl.py" <<'PY'
import json, socket, sys, time

def req(path, obj):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    s.sendall(json.dumps(obj).encode() + b"\n")
    buf = b""
    while b"\n" not in buf:
        c = s.recv(65536)
        if not c:
            break
        buf += c
    s.close()
    return json.loads(buf.split(b"\n", 1)[0])

def rules(path):
    j = req(path, {"command": "rules", "top": 1000})
    assert j.get("ok") is not False, j
    return j, {r["sid"]: r for r in j["rules"]}

def sids(arg):
    return sorted(int(x) for x in arg.split(",") if x)

def main():
    mode, path = sys.argv[1], sys.argv[2]
    a = sys.argv[3:]
    if mode == "get":                    # get SOCK COMMAND: the reply
        r = {"command": a[0]}
        if a[0] == "rules":
            r["top"] = 1000
        print(json.dumps(req(path, r)))
        return 0
    if mode == "generation":             # generation SOCK
        print(req(path, {"command": "stats"})["rules_generation"])
        return 0
    if mode == "hold":
        # hold FIFO CONTENT STATUS GO DEADLINE: wait until a reader opened
        # FIFO, say so in STATUS, wait for GO, then write CONTENT and close
        import os
        fifo, content, status, go, dl = path, a[0], a[1], a[2], time.time() + float(a[3])
        fd = None
        while fd is None and time.time() < dl:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.005)
        if fd is None:
            return 1
        open(status, "w").close()
        while not os.path.exists(go) and time.time() < dl:
            time.sleep(0.005)
        os.set_blocking(fd, True)
        os.write(fd, open(content, "rb").read())
        os.close(fd)
        return 0 if os.path.exists(go) else 1
    if mode == "stats-ok":               # stats-ok SOCK: identities, no loss
        st = req(path, {"command": "stats"})
        acc = st["accounting"]
        assert acc["packets_ok"] and acc["events_ok"], acc
        assert acc["unaccounted"] == 0 and acc["dropped"] == 0, acc
        assert acc["received"] == acc["processed"], acc
        for p in st["ports"]:
            assert p["drop_nic_missed"] == 0 and p["drop_nombuf"] == 0, p
            assert p["drop_nic_errors"] == 0, p
        return 0
    deadline = time.time() + float(a[0])
    gen, want = int(a[1]), sids(a[2])
    j, by = rules(path)
    if mode in ("fire", "fire-only"):
        # fire SOCK DEADLINE GEN SIDS: generation GEN holds exactly SIDS and
        # each fires (hits > 0); fire-only: SIDS fire and no other rule does
        # (for sets larger than a reply's 1000 rules)
        while time.time() < deadline:
            if mode == "fire":
                ok = sorted(by) == want
            else:
                ok = sorted(s for s in by if by[s]["hits"] > 0) == want
            if j["generation"] == gen and ok and all(by[s]["hits"] > 0 for s in want):
                return 0
            time.sleep(0.01)
            j, by = rules(path)
    elif mode == "grow":
        # grow SOCK DEADLINE GEN SIDS: still generation GEN with SIDS, and
        # every one of them fires again (hits grow)
        if j["generation"] != gen or sorted(by) != want:
            print(json.dumps(j)); return 1
        base = {s: by[s]["hits"] for s in want}
        while time.time() < deadline:
            j, by = rules(path)
            if j["generation"] != gen or sorted(by) != want:
                break
            if all(by[s]["hits"] > base[s] for s in want):
                return 0
            time.sleep(0.01)
    elif mode == "still":
        # still SOCK DEADLINE GEN SIDS SID: SID is disabled and its hits do
        # not move while every other sid fires several loops of the capture
        off = int(a[3])
        others = [s for s in want if s != off]
        if j["generation"] != gen or sorted(by) != want or not by[off]["disabled"]:
            print(json.dumps(j)); return 1
        # a burst that began before the disable may still count: let the
        # others fire first, then take the reference
        base = {s: by[s]["hits"] for s in want}
        while time.time() < deadline and sum(by[s]["hits"] - base[s] for s in others) < 10:
            time.sleep(0.01)
            j, by = rules(path)
        ref = by[off]["hits"]
        base = {s: by[s]["hits"] for s in want}
        while time.time() < deadline:
            j, by = rules(path)
            if j["generation"] != gen:
                break
            if all(by[s]["hits"] >= base[s] + 6 for s in others):
                if by[off]["hits"] == ref and by[off]["disabled"]:
                    return 0
                break
            time.sleep(0.01)
    print(json.dumps(j))
    return 1

sys.exit(main())
PY
RL="python3 $TMP/rl.py"

# start_weir NAME ARGS...: weir in the background (under timeout, whose
# pid is TPID), stats socket $TMP/NAME.sock; WPID is weir's own pid
start_weir() {
	local name=$1 i
	shift
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" --set "ctl.socket=$TMP/$name.sock" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	TPID=$!
	WPID=
	for i in $(seq 1 300); do
		if "$WEIRCTL" --socket "$TMP/$name.sock" version >/dev/null 2>&1; then
			WPID=$(pgrep -P "$TPID" | head -1)
			[ -n "$WPID" ] && return 0
		fi
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	fail "weir did not start"
	cat "$TMP/$name.err"
	kill -9 "$TPID" 2>/dev/null
	return 1
}

# stop_weir NAME: SIGINT to weir itself, exit 0 within 60 s, summary printed
stop_weir() {
	local i rc
	kill -INT "$WPID"
	for i in $(seq 1 600); do
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TPID" 2>/dev/null; then
		fail "weir still running 60 s after SIGINT"
		kill -9 "$WPID" "$TPID" 2>/dev/null
	fi
	wait "$TPID"
	rc=$?
	expect_eq "weir exit status after SIGINT" "$rc" 0 || tail -40 "$TMP/$1.err"
	check "summary printed" grep -q '^weir: summary' "$TMP/$1.err"
	no_sanitizer_report "$TMP/$1.err"
}

# alive NAME: weir still runs; otherwise fail with the end of its log
alive() {
	kill -0 "$WPID" 2>/dev/null && return 0
	wait "$TPID"
	fail "weir exited (status $?) while the test ran"
	grep -E -B2 -A40 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/$1.err" | head -60 ||
		tail -30 "$TMP/$1.err"
	return 1
}

no_sanitizer_report() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"; then
		fail "sanitizer report in $1"
		grep -E -A30 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1" | head -60
	fi
}

# count_log ERRFILE ERE: lines of weir's log matching
count_log() {
	grep -cE "$2" "$1"
}

# wait_log ERRFILE ERE N: bounded wait until N lines match
wait_log() {
	local i
	for i in $(seq 1 $((POLL_S * 20))); do
		[ "$(count_log "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_generation SOCK GEN: bounded wait until stats says generation GEN
wait_generation() {
	local i g
	for i in $(seq 1 $((POLL_S * 20))); do
		g=$($RL generation "$1" 2>/dev/null)
		[ "$g" = "$2" ] && return 0
		sleep 0.05
	done
	echo "    (generation is $g, want $2)"
	return 1
}

test_rule_files_fire_offline() {
	make_traffic || { fail "weir-gen"; return; }
	local f
	# precondition of the reload test: every rule of A and B fires on the
	# traffic, C and C2 are refused (exit 1) with every error named
	for f in A B; do
		run_weir "$TMP/off$f" -r "$TMP/g.pcap" -S "$TMP/$f.rules" -o "$TMP/off$f.json" \
			--set rules.cache-dir=
		expect_eq "$f: exit status" "$(cat "$TMP/off$f.rc")" 0 || { cat "$TMP/off$f.err"; continue; }
		alert_counts "$TMP/off$f.json" | cut -d' ' -f1 | paste -sd, >"$TMP/off$f.sids"
		local want=SIDS_$f
		expect_eq "$f: sids that fire offline" "$(cat "$TMP/off$f.sids")" "${!want}"
	done
	run_weir "$TMP/offC" -r "$TMP/g.pcap" -S "$TMP/C.rules" --set rules.cache-dir=
	expect_eq "C refused" "$(cat "$TMP/offC.rc")" 1
	for f in 2 3 4 5; do
		check "C: line $f named" grep -q "C.rules:$f:" "$TMP/offC.err"
	done
	run_weir "$TMP/offC2" -r "$TMP/g.pcap" -S "$TMP/C2.rules" --set rules.cache-dir=
	expect_eq "C2 refused" "$(cat "$TMP/offC2.rc")" 1
	check "C2: Hyperscan's refusal named" grep -q "C2.rules:2:.*Hyperscan refuses" "$TMP/offC2.err"
}

# reload_good NAME FILE SIDS: weirctl reload of FILE (copied over the rule
# file weir runs with): exit 0, generation +1, exactly SIDS and they fire
reload_good() {
	local name=$1 f=$2 sids=$3 rc
	cp "$TMP/$f.rules" "$TMP/cur.rules"
	"$WEIRCTL" --socket "$TMP/$name.sock" --json reload >"$TMP/rep.json" 2>"$TMP/rep.err"
	rc=$?
	expect_eq "reload $NRELOAD ($f): weirctl exit status" "$rc" 0 ||
		{ cat "$TMP/rep.json" "$TMP/rep.err"; return 1; }
	python3 - "$TMP/rep.json" "$GENERATION" "$f" "${SEEN[$f]:-0}" <<'PY' ||
import json, sys
j = json.load(open(sys.argv[1]))
gen = int(sys.argv[2])
assert j["ok"] is True and j["reloaded"] is True, j
assert j["generation"] == gen + 1 and j["n_rules"] == 4 and j["errors"] == [], j
# a file loaded before: its database comes from the cache
assert sys.argv[4] == "0" or j["from_cache"] >= 1, j
PY
		{ fail "reload $NRELOAD ($f): reply"; cat "$TMP/rep.json"; return 1; }
	GENERATION=$((GENERATION + 1))
	SEEN[$f]=1
	$RL fire "$TMP/$name.sock" "$POLL_S" "$GENERATION" "$sids" >"$TMP/fire.out" ||
		{ fail "reload $NRELOAD ($f): generation $GENERATION with sids $sids never fired"; cat "$TMP/fire.out"; return 1; }
	CUR=$f
	CUR_SIDS=$sids
	N_OK=$((N_OK + 1))
}

# reload_bad NAME FILE: weirctl reload of a broken FILE: exit 3, every
# error named, generation unchanged, the running rules still fire
reload_bad() {
	local name=$1 f=$2 rc l
	cp "$TMP/$f.rules" "$TMP/cur.rules"
	"$WEIRCTL" --socket "$TMP/$name.sock" reload >"$TMP/rep.out" 2>"$TMP/rep.err"
	rc=$?
	expect_eq "reload $NRELOAD ($f): weirctl exit status" "$rc" 3 ||
		{ cat "$TMP/rep.out" "$TMP/rep.err"; return 1; }
	check "reload $NRELOAD ($f): says the running rules stay" \
		grep -q "generation $GENERATION) stay in force" "$TMP/rep.err" || cat "$TMP/rep.err"
	if [ "$f" = C ]; then
		for l in 2 3 4 5; do
			check "reload $NRELOAD (C): line $l named" grep -q "cur.rules:$l:" "$TMP/rep.err"
		done
		expect_eq "reload $NRELOAD (C): errors listed" "$(grep -c 'cur.rules:' "$TMP/rep.err")" 4
	else
		check "reload $NRELOAD (C2): Hyperscan's refusal named" \
			grep -q "cur.rules:2:.*Hyperscan refuses" "$TMP/rep.err"
	fi
	$RL grow "$TMP/$name.sock" "$POLL_S" "$GENERATION" "$CUR_SIDS" >"$TMP/grow.out" ||
		{ fail "reload $NRELOAD ($f): generation $GENERATION ($CUR) no longer fires"; cat "$TMP/grow.out"; return 1; }
	N_BAD=$((N_BAD + 1))
}

# reload_hup NAME FILE SIDS|-: the same through SIGHUP, checked through the
# log and the stats socket
reload_hup() {
	local name=$1 f=$2 sids=$3 nok nbad
	nok=$(count_log "$TMP/$name.err" '^weir: rules reloaded: ')
	nbad=$(count_log "$TMP/$name.err" '^weir: reload refused')
	cp "$TMP/$f.rules" "$TMP/cur.rules"
	kill -HUP "$WPID"
	if [ "$sids" = - ]; then
		wait_log "$TMP/$name.err" '^weir: reload refused' $((nbad + 1)) ||
			{ fail "SIGHUP ($f): no refusal logged"; return 1; }
		expect_eq "SIGHUP ($f): generation" "$($RL generation "$TMP/$name.sock")" "$GENERATION"
		$RL grow "$TMP/$name.sock" "$POLL_S" "$GENERATION" "$CUR_SIDS" >"$TMP/grow.out" ||
			{ fail "SIGHUP ($f): the running rules no longer fire"; cat "$TMP/grow.out"; }
		N_BAD=$((N_BAD + 1))
		return 0
	fi
	wait_log "$TMP/$name.err" '^weir: rules reloaded: ' $((nok + 1)) ||
		{ fail "SIGHUP ($f): no reload logged"; return 1; }
	GENERATION=$((GENERATION + 1))
	check "SIGHUP ($f): log line names generation $GENERATION" \
		grep -qE "^weir: rules reloaded: 4 rules, [0-9]+ databases? \([0-9]+ from cache\), generation $GENERATION," \
		"$TMP/$name.err"
	$RL fire "$TMP/$name.sock" "$POLL_S" "$GENERATION" "$sids" >"$TMP/fire.out" ||
		{ fail "SIGHUP ($f): generation $GENERATION never fired"; cat "$TMP/fire.out"; return 1; }
	CUR=$f
	CUR_SIDS=$sids
	N_OK=$((N_OK + 1))
}

# reload_plain NAME FILE SIDS: weirctl reload of FILE, no check of its hits
reload_plain() {
	cp "$TMP/$2.rules" "$TMP/cur.rules"
	"$WEIRCTL" --socket "$TMP/$1.sock" --json reload >"$TMP/rep.json" 2>&1 ||
		{ fail "reload ($2)"; cat "$TMP/rep.json"; return 1; }
	GENERATION=$((GENERATION + 1))
	N_OK=$((N_OK + 1))
	CUR=$2 CUR_SIDS=$3
}

test_reload_under_traffic() {
	local t0 i k rc sock="$TMP/tr.sock" pattern=(A B C B A C2)
	declare -gA SEEN=()
	make_traffic || { fail "weir-gen"; return; }
	cp "$TMP/A.rules" "$TMP/cur.rules"
	# the weir object (rule_index, worker, seq) is opt-in
	start_weir tr -S "$TMP/cur.rules" -o "$TMP/tr.json" -i net_pcap0 \
		--set "rules.cache-dir=$TMP/cache" --set outputs.weir-fields=true -- \
		"${EAL[@]}" --file-prefix "weir-it-$$-tr" \
		--vdev "net_pcap0,rx_pcap=$TMP/g.pcap,infinite_rx=1" || return
	GENERATION=1 N_OK=0 N_BAD=0 NRELOAD=0 CUR=A CUR_SIDS=$SIDS_A
	SEEN[A]=1
	$RL fire "$sock" "$POLL_S" 1 "$SIDS_A" >"$TMP/fire.out" ||
		{ fail "A never fired"; cat "$TMP/fire.out"; }

	# the reloads, through the stats socket
	t0=$SECONDS
	for i in $(seq 1 "$RELOADS"); do
		if [ $((SECONDS - t0)) -gt "$RELOAD_BUDGET_S" ]; then
			fail "only $((i - 1)) reloads in ${RELOAD_BUDGET_S}s"
			break
		fi
		NRELOAD=$i
		k=${pattern[$(((i - 1) % ${#pattern[@]}))]}
		case $k in
		A) reload_good tr A "$SIDS_A" ;;
		B) reload_good tr B "$SIDS_B" ;;
		*) reload_bad tr "$k" ;;
		esac
		rc=$?
		if [ $((i % 6)) -eq 0 ]; then
			$RL stats-ok "$sock" >"$TMP/st.out" 2>&1 ||
				{ fail "stats after reload $i"; cat "$TMP/st.out"; rc=1; }
		fi
		alive tr || return
		[ "$rc" -eq 0 ] || break
	done
	echo "    $NRELOAD socket reloads ($N_OK ok, $N_BAD refused) in $((SECONDS - t0)) s"
	[ "$NRELOAD" -ge 50 ] || fail "fewer than 50 reloads"

	alive tr || return
	# SIGHUP: good, broken, good
	if [ "$CUR" = A ]; then
		reload_hup tr B "$SIDS_B"
	fi
	reload_hup tr C -
	reload_hup tr A "$SIDS_A"
	reload_hup tr B "$SIDS_B"
	reload_hup tr A "$SIDS_A"

	alive tr || return
	# disable/enable: 102 stops counting at once, stays disabled over a
	# reload of the same file and over B and back, enable restores it
	"$WEIRCTL" --socket "$sock" disable 102 >"$TMP/dis.out" 2>&1
	expect_eq "weirctl disable 102" "$?" 0
	check "disable reply" grep -q 'sid 102 disabled (1 rule)' "$TMP/dis.out"
	$RL still "$sock" "$POLL_S" "$GENERATION" "$SIDS_A" 102 >"$TMP/still.out" ||
		{ fail "disabled 102 kept firing"; cat "$TMP/still.out"; }
	reload_plain tr A "$SIDS_A"
	$RL still "$sock" "$POLL_S" "$GENERATION" "$SIDS_A" 102 >"$TMP/still.out" ||
		{ fail "102 not disabled after a reload"; cat "$TMP/still.out"; }
	$RL get "$sock" rules >"$TMP/r.json"
	check "102 has no hit in the generation loaded while disabled" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
r=[x for x in j["rules"] if x["sid"]==102]
assert r and r[0]["hits"] == 0 and r[0]["disabled"] is True, j' "$TMP/r.json"
	reload_plain tr B "$SIDS_B"
	$RL fire "$sock" "$POLL_S" "$GENERATION" "$SIDS_B" >/dev/null || fail "B did not fire"
	reload_plain tr A "$SIDS_A"
	$RL still "$sock" "$POLL_S" "$GENERATION" "$SIDS_A" 102 >"$TMP/still.out" ||
		{ fail "102 not disabled after reloads of B and A"; cat "$TMP/still.out"; }
	"$WEIRCTL" --socket "$sock" enable 102 >"$TMP/en.out" 2>&1
	expect_eq "weirctl enable 102" "$?" 0
	$RL fire "$sock" "$POLL_S" "$GENERATION" "$SIDS_A" >"$TMP/fire.out" ||
		{ fail "102 did not fire again after enable"; cat "$TMP/fire.out"; }
	"$WEIRCTL" --socket "$sock" disable 999999 >/dev/null 2>"$TMP/dis.err"
	expect_eq "disable of an unknown sid" "$?" 3
	check "names the sid" grep -q 'no rule with sid 999999' "$TMP/dis.err"

	alive tr || return
	$RL stats-ok "$sock" >"$TMP/st.out" 2>&1 || { fail "stats before SIGINT"; cat "$TMP/st.out"; }
	stop_weir tr
	check_after_traffic "$TMP/tr.err" "$TMP/tr.json"
}

# The summary and the events of the run under traffic.
check_after_traffic() {
	local err=$1 json=$2 prx wrx
	check "accounting identities" accounting_ok "$err" || grep '^ accounting' "$err"
	prx=$(summary_value "$err" rx_packets port)
	wrx=$(summary_value "$err" rx_packets)
	expect_eq "port rx_packets = workers rx_packets" "$prx" "$wrx"
	[ "${wrx:-0}" -gt 0 ] || fail "no traffic"
	expect_eq "scanned = rx_packets (nothing dropped)" "$(summary_value "$err" scanned)" "$wrx"
	expect_eq "drop_scan_error" "$(summary_value "$err" drop_scan_error)" 0
	expect_eq "drop_nic_missed" "$(summary_value "$err" drop_nic_missed port)" 0
	expect_eq "drop_nic_errors" "$(summary_value "$err" drop_nic_errors port)" 0
	expect_eq "drop_nombuf" "$(summary_value "$err" drop_nombuf port)" 0
	expect_eq "rule reloads line" "$(grep '^weir: rule reloads:' "$err")" \
		"weir: rule reloads: $N_OK done, $N_BAD refused; generation $GENERATION in force"
	expect_eq "builds logged" "$(count_log "$err" '^weir: rules reloaded: ')" "$N_OK"
	expect_eq "refusals logged" "$(count_log "$err" '^weir: reload refused')" "$N_BAD"
	expect_eq "the worker saw every new rule set" "$(summary_value "$err" rule_reloads)" "$N_OK"
	echo "    rx_packets $wrx, alerts $(summary_value "$err" alerts), $(grep -c '' "$json") events"
	python3 - "$json" "$TMP/A.rules" "$TMP/B.rules" "$(summary_value "$err" written 'sink')" <<'PY' ||
import json, re, sys
# every rule of A and B: sid -> (rev, msg, index in its file)
known = {}
for path in sys.argv[2:4]:
    for i, line in enumerate(l for l in open(path) if l.strip()):
        sid = int(re.search(r"sid:(\d+);", line).group(1))
        rev = int(re.search(r"rev:(\d+);", line).group(1))
        msg = re.search(r'msg:"([^"]*)";', line).group(1)
        known[sid] = (rev, msg, i)
seen, seq = set(), {}
n = 0
with open(sys.argv[1], "rb") as f:
    for n, line in enumerate(f, 1):
        ev = json.loads(line)
        assert ev["event_type"] == "alert", (n, ev)
        a, w = ev["alert"], ev["weir"]
        sid = a["signature_id"]
        assert sid in known, ("line %d: sid %d is neither A's nor B's" % (n, sid))
        # formatted with the rule set that raised it, not a later one
        assert (a["rev"], a["signature"], w["rule_index"]) == known[sid], (n, ev)
        # no event missing: per worker, seq counts 1, 2, 3...
        want = seq.get(w["worker"], 0) + 1
        assert w["seq"] == want, ("line %d: worker %d seq %d, want %d" % (n, w["worker"], w["seq"], want))
        seq[w["worker"]] = want
        seen.add(sid)
assert seen == set(known), ("sids never seen", set(known) - seen)
assert n == int(sys.argv[4]), ("lines", n, "written", sys.argv[4])
PY
		fail "events file"
}

# Requests at once. (1) two weirctl reloads in parallel and (2) SIGHUP
# with weirctl: every request is answered ok and the generation grows by at
# most one per request. (3) a build held open: the second rule file is
# a FIFO, so a build blocks reading it until the test writes it. While
# build 1 (weirctl's) is held, two SIGHUPs arrive; weir must not start a
# second build beside it (it would open the FIFO too) and, once build 1 is
# released, run exactly one more build for both SIGHUPs.
test_concurrent_requests() {
	local sock="$TMP/cc.sock" g g1 g2 r1 r2 nok nhup n
	make_traffic || { fail "weir-gen"; return; }
	cp "$TMP/A.rules" "$TMP/cc.rules"
	echo '9001:/held~build~marker/' >"$TMP/held.txt"
	cp "$TMP/held.txt" "$TMP/held.sigs"
	start_weir cc -S "$TMP/cc.rules" -S "$TMP/held.sigs" -o "$TMP/cc.json" -i net_pcap0 \
		--set "rules.cache-dir=$TMP/cache" -- "${EAL[@]}" --file-prefix "weir-it-$$-cc" \
		--vdev "net_pcap0,rx_pcap=$TMP/g.pcap,infinite_rx=1" || return
	g=$($RL generation "$sock")
	expect_eq "first generation" "$g" 1

	# (1) two weirctl reloads in parallel: both answered ok
	cp "$TMP/B.rules" "$TMP/cc.rules"
	"$WEIRCTL" --socket "$sock" --json reload >"$TMP/cc1.json" 2>&1 &
	local p1=$!
	"$WEIRCTL" --socket "$sock" --json reload >"$TMP/cc2.json" 2>&1 &
	local p2=$!
	wait "$p1"
	expect_eq "parallel weirctl 1 exit status" "$?" 0 || cat "$TMP/cc1.json"
	wait "$p2"
	expect_eq "parallel weirctl 2 exit status" "$?" 0 || cat "$TMP/cc2.json"
	r1=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["reloaded"]; print(j["generation"])' "$TMP/cc1.json")
	r2=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["reloaded"]; print(j["generation"])' "$TMP/cc2.json")
	g1=$($RL generation "$sock")
	echo "    parallel weirctl: generations $r1 and $r2, now $g1"
	case "$((g1 - g))" in 1 | 2) ;; *) fail "two parallel reloads made $((g1 - g)) builds" ;; esac
	[ "$g1" = "$(printf '%s\n' "$r1" "$r2" | sort -n | tail -1)" ] ||
		fail "the later reply ($r1, $r2) is not the generation in force ($g1)"
	$RL fire-only "$sock" "$POLL_S" "$g1" "$SIDS_B" >"$TMP/cc.fire" ||
		{ fail "B's rules not in force"; cat "$TMP/cc.fire"; }

	alive cc || return
	# (2) SIGHUP and weirctl at once; a closing weirctl reload settles
	# whatever either left pending
	cp "$TMP/A.rules" "$TMP/cc.rules"
	nhup=$(count_log "$TMP/cc.err" '^weir: SIGHUP: reloading')
	kill -HUP "$WPID"
	"$WEIRCTL" --socket "$sock" --json reload >"$TMP/cc3.json" 2>&1
	expect_eq "weirctl beside SIGHUP exit status" "$?" 0 || cat "$TMP/cc3.json"
	wait_log "$TMP/cc.err" '^weir: SIGHUP: reloading' $((nhup + 1)) || fail "SIGHUP not seen"
	"$WEIRCTL" --socket "$sock" --json reload >"$TMP/cc4.json" 2>&1
	expect_eq "closing weirctl exit status" "$?" 0 || cat "$TMP/cc4.json"
	g2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$TMP/cc4.json")
	echo "    SIGHUP + weirctl, then weirctl: generation $g1 -> $g2"
	case "$((g2 - g1))" in 2 | 3) ;; *) fail "SIGHUP + weirctl + weirctl made $((g2 - g1)) builds" ;; esac
	$RL fire-only "$sock" "$POLL_S" "$g2" "$SIDS_A" >"$TMP/cc.fire" ||
		{ fail "A's rules not in force"; cat "$TMP/cc.fire"; }

	alive cc || return
	# (3) weirctl reload, held in its build; two SIGHUPs meanwhile
	nok=$(count_log "$TMP/cc.err" '^weir: rules reloaded: ')
	nhup=$(count_log "$TMP/cc.err" '^weir: SIGHUP: reloading')
	rm -f "$TMP/held.sigs" "$TMP/held.go" "$TMP/held.st"
	mkfifo "$TMP/held.sigs"
	$RL hold "$TMP/held.sigs" "$TMP/held.txt" "$TMP/held.st" "$TMP/held.go" "$POLL_S" &
	local feeder=$!
	timeout 60 "$WEIRCTL" --socket "$sock" --json reload >"$TMP/cc5.json" 2>&1 &
	local pw=$!
	# the feeder's non-blocking open succeeds once weir's build opened
	# the FIFO for reading: build 1 runs and waits for us
	wait_file "$TMP/held.st" || fail "no build opened the rule file"
	kill -HUP "$WPID"
	wait_log "$TMP/cc.err" '^weir: SIGHUP: reloading' $((nhup + 1)) || fail "SIGHUP 1 not seen"
	kill -HUP "$WPID"
	wait_log "$TMP/cc.err" '^weir: SIGHUP: reloading' $((nhup + 2)) || fail "SIGHUP 2 not seen"
	# two requests pending: a build started beside the held one would open
	# the FIFO (a writer is there: its open would not block). Look at
	# weir's open files a few times over 0.3 s.
	for n in 1 2 3 4 5 6; do
		expect_eq "weir's descriptors on the held rule file" \
			"$(fifo_readers "$WPID" "$TMP/held.sigs")" 1 || break
		sleep 0.05
	done
	expect_eq "builds done while build 1 is held" "$(count_log "$TMP/cc.err" '^weir: rules reloaded: ')" "$nok"
	kill -0 "$pw" 2>/dev/null || fail "weirctl answered before its build ended"
	# release build 1: weirctl gets generation g2+1
	touch "$TMP/held.go"
	wait "$feeder" || fail "feeder 1"
	wait "$pw"
	expect_eq "held weirctl exit status" "$?" 0 || cat "$TMP/cc5.json"
	check "held weirctl: generation $((g2 + 1))" grep -q "\"generation\":$((g2 + 1))," "$TMP/cc5.json" ||
		cat "$TMP/cc5.json"
	# build 2, for both SIGHUPs, opens the rule file in turn
	rm -f "$TMP/held.go" "$TMP/held.st"
	$RL hold "$TMP/held.sigs" "$TMP/held.txt" "$TMP/held.st" "$TMP/held.go" "$POLL_S" &
	feeder=$!
	wait_file "$TMP/held.st" || fail "no build after the SIGHUPs"
	expect_eq "generation while build 2 is held" "$($RL generation "$sock")" $((g2 + 1))
	touch "$TMP/held.go"
	wait "$feeder" || fail "feeder 2"
	wait_generation "$sock" $((g2 + 2)) || fail "build 2 never published"
	# no third build for the second SIGHUP: the rule file becomes a plain
	# file again (rename), and the next request's build must be generation
	# g2+3. A third build would have taken that generation, or opened the
	# FIFO before the rename: a feeder on another link of the FIFO releases
	# it (and says so) rather than leave weir blocked.
	ln "$TMP/held.sigs" "$TMP/held.fifo"
	touch "$TMP/rel.go"
	$RL hold "$TMP/held.fifo" "$TMP/held.txt" "$TMP/rel.st" "$TMP/rel.go" "$POLL_S" &
	local rel=$!
	cp "$TMP/held.txt" "$TMP/held.new"
	mv -f "$TMP/held.new" "$TMP/held.sigs"
	timeout 60 "$WEIRCTL" --socket "$sock" --json reload >"$TMP/cc6.json" 2>&1
	expect_eq "weirctl after the held builds" "$?" 0 || cat "$TMP/cc6.json"
	check "three requests during build 1 made two builds" \
		grep -q "\"generation\":$((g2 + 3))," "$TMP/cc6.json" || cat "$TMP/cc6.json"
	[ ! -e "$TMP/rel.st" ] || fail "a third build read the held rule file"
	kill "$rel" 2>/dev/null
	wait "$rel" 2>/dev/null
	echo "    weirctl held + 2 SIGHUPs: generation $g2 -> $((g2 + 2)), next reload:" \
		"$(sed -n 's/.*"generation":\([0-9]*\),.*/\1/p' "$TMP/cc6.json")"

	alive cc || return
	# every build logged once, in generation order
	grep '^weir: rules reloaded: ' "$TMP/cc.err" | sed -E 's/.*generation ([0-9]+),.*/\1/' >"$TMP/cc.gens"
	expect_eq "generations logged in order" "$(paste -sd' ' "$TMP/cc.gens")" "$(seq -s' ' 2 $((g2 + 3)))"
	$RL stats-ok "$sock" >"$TMP/st.out" 2>&1 || { fail "stats"; cat "$TMP/st.out"; }
	stop_weir cc
	expect_eq "rule reloads line" "$(grep '^weir: rule reloads:' "$TMP/cc.err")" \
		"weir: rule reloads: $((g2 + 2)) done, 0 refused; generation $((g2 + 3)) in force"
	check "accounting" accounting_ok "$TMP/cc.err"
}

# wait_file PATH: bounded wait until PATH exists
wait_file() {
	local i
	for i in $(seq 1 $((POLL_S * 20))); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# fifo_readers PID PATH: descriptors of PID open on PATH
fifo_readers() {
	local fd n=0
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$2" ] && n=$((n + 1))
	done
	echo "$n"
}

# Idle ports: no packet reaches the worker, a reload still completes (the
# worker reports quiescent states when it polls nothing). net_ring with
# nobody enqueueing; net_pcap after its file ended (infinite_rx=0).
test_reload_idle_port() {
	local vdev name n
	make_traffic || { fail "weir-gen"; return; }
	for vdev in net_ring0 "net_pcap0,rx_pcap=$TMP/g.pcap,infinite_rx=0"; do
		name=idle${vdev%%0*}
		echo "    ${vdev%%,*}"
		cp "$TMP/A.rules" "$TMP/$name.rules"
		start_weir "$name" -S "$TMP/$name.rules" -o "$TMP/$name.json" -i "${vdev%%,*}" \
			--set "rules.cache-dir=$TMP/cache" -- "${EAL[@]}" --file-prefix "weir-it-$$-$name" \
			--vdev "$vdev" || continue
		n=0
		[ "$name" = idlenet_pcap ] && n=8000
		# bounded wait until the file is through (net_pcap) and nothing moves
		local i rx=-1 last=-2
		for i in $(seq 1 $((POLL_S * 10))); do
			last=$rx
			rx=$($RL get "$TMP/$name.sock" workers |
				python3 -c 'import json,sys; print(json.load(sys.stdin)["workers"][0]["rx_packets"])')
			[ "$rx" = "$n" ] && [ "$last" = "$rx" ] && break
			sleep 0.1
		done
		expect_eq "worker rx_packets" "$rx" "$n"
		alive "$name" || continue
		cp "$TMP/B.rules" "$TMP/$name.rules"
		timeout 60 "$WEIRCTL" --socket "$TMP/$name.sock" --json reload >"$TMP/$name.rep" 2>&1
		expect_eq "reload on an idle port: weirctl exit status" "$?" 0 || cat "$TMP/$name.rep"
		check "generation 2" grep -q '"generation":2' "$TMP/$name.rep"
		kill -HUP "$WPID"
		wait_generation "$TMP/$name.sock" 3 || fail "SIGHUP reload on an idle port never completed"
		cp "$TMP/C.rules" "$TMP/$name.rules"
		timeout 60 "$WEIRCTL" --socket "$TMP/$name.sock" reload >/dev/null 2>&1
		expect_eq "broken reload on an idle port: weirctl exit status" "$?" 3
		alive "$name" || continue
		$RL get "$TMP/$name.sock" workers >"$TMP/$name.w"
		check "the worker is running, idle, and picked up both sets" python3 -c '
import json,sys; w=json.load(open(sys.argv[1]))["workers"][0]
assert w["running"] and w["idle_polls"] > 0 and w["rx_packets"] == int(sys.argv[2]), w
assert w["rule_reloads"] == 2, w' "$TMP/$name.w" "$n"
		stop_weir "$name"
		check "accounting" accounting_ok "$TMP/$name.err"
		expect_eq "$name: rule reloads line" "$(grep '^weir: rule reloads:' "$TMP/$name.err")" \
			"weir: rule reloads: 2 done, 1 refused; generation 3 in force"
	done
}

# The threshold file is read again on every reload: a bad entry written
# into it after the start makes the next reload fail, a fixed one succeed.
test_reload_threshold_file() {
	local name=thrfile
	printf 'suppress gen_id 1, sig_id 1\n' >"$TMP/$name.config"
	start_weir "$name" -S "$TMP/A.rules" -o "$TMP/$name.json" -i net_ring0 \
		--set "rules.cache-dir=$TMP/cache" --set "threshold-file=$TMP/$name.config" \
		-- "${EAL[@]}" --file-prefix "weir-it-$$-$name" --vdev net_ring0 || return
	timeout 60 "$WEIRCTL" --socket "$TMP/$name.sock" --json reload >"$TMP/$name.rep" 2>&1
	expect_eq "reload with a good threshold file: exit status" "$?" 0 || cat "$TMP/$name.rep"
	printf 'suppress gen_id 1, sig_id 1\nrate_filter gen_id 1, sig_id 1, track by_rule, count 1, seconds 1, new_action drop, timeout 1\n' \
		>"$TMP/$name.config"
	timeout 60 "$WEIRCTL" --socket "$TMP/$name.sock" reload >/dev/null 2>&1
	expect_eq "reload with a bad threshold file: exit status" "$?" 3
	printf 'threshold gen_id 1, sig_id 1, type limit, track by_src, count 1, seconds 9\n' \
		>"$TMP/$name.config"
	timeout 60 "$WEIRCTL" --socket "$TMP/$name.sock" --json reload >"$TMP/$name.rep" 2>&1
	expect_eq "reload with the file fixed: exit status" "$?" 0 || cat "$TMP/$name.rep"
	check "generation 3" grep -q '"generation":3' "$TMP/$name.rep"
	alive "$name" || return
	stop_weir "$name"
	check "the refused reload names the file and line" \
		grep -qF "$TMP/$name.config:2:1: rate_filter is not supported yet" "$TMP/$name.err"
	expect_eq "$name: rule reloads line" "$(grep '^weir: rule reloads:' "$TMP/$name.err")" \
		"weir: rule reloads: 2 done, 1 refused; generation 3 in force"
}

write_rule_files
ALL_TESTS="test_rule_files_fire_offline test_reload_under_traffic test_concurrent_requests
test_reload_idle_port test_reload_threshold_file"
run_all
