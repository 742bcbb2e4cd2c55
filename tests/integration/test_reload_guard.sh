#!/usr/bin/env bash
# A reload cannot silently disable detection (issue 16), on a running weir:
#  - under traffic (dpdk driver, net_pcap replaying a generated capture
#    forever): an empty rule file and one cut at a line boundary (1 rule of
#    4: 75 % lost, more than rules.reload-max-loss's default 50 %) are
#    refused by `weirctl reload` (exit 3, the reason named) and by SIGHUP;
#    the generation stays, the running rules keep alerting; `weirctl reload
#    --force` accepts the cut file (generation 2, one rule, which alerts).
#    Refusal and forcing are logged at warning level: this weir runs with
#    log.level=warning, which writes no notice line.
#  - audit (offline weir with --keep-alive, log.level=notice): every
#    state-changing command (reload, disable, enable, reopen, shutdown) is
#    logged with the uid and pid of the weirctl process that sent it, and
#    SIGUSR1 / SIGHUP are logged.
#  - rules.reload-max-loss=100 accepts the cut file but still refuses an
#    empty one; rules.reload-sighup-force=true makes SIGHUP accept it.
#  - `weir rules check` warns on an empty file and exits 1 when no rule
#    loads at all (empty file, a file of bad rules with --rules-skip-invalid).
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
GEN=$BUILD/perf/weir-gen
SIGS=$SRC/rules/examples/sample.sigs
EAL=(--no-huge --no-shconf --no-pci -m 512)
POLL_S=20 # bound of every wait for a condition

# A: four rules that all fire on the generated traffic (sample.sigs'
# triggers, planted by weir-gen seed 5); A1: A cut after its first line.
cat >"$TMP/A.rules" <<'EOF'
alert ip any any -> any any (msg:"A cvv"; content:"cvv="; nocase; sid:101; rev:1;)
alert ip any any -> any any (msg:"A union select"; pcre:"/union\s+(?:all\s+)?select/i"; sid:102; rev:2;)
alert tcp any any -> any any (msg:"A script"; content:"<script"; nocase; sid:103; rev:3;)
alert ip any any -> any any (msg:"A jndi"; content:"${jndi:"; nocase; sid:104; rev:4;)
EOF
head -1 "$TMP/A.rules" >"$TMP/A1.rules"
: >"$TMP/empty.rules"
SIDS_A=101,102,103,104

make_traffic() {
	[ -s "$TMP/g.pcap" ] && return 0
	"$GEN" -n 8000 -s 5 -f 0.004 -R "$SIGS" -o "$TMP/g.pcap" -e "$TMP/g.tsv" >/dev/null 2>&1
}

# The stats-socket client (bounded waits).
cat >"$TMP/gc.py" <<'PY'
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
    return j, {r["sid"]: r["hits"] for r in j["rules"]}

# fire SOCK DEADLINE GEN SIDS: generation GEN holds exactly SIDS and each
# one's hits grow from now on (the set in force alerts)
mode, path, dl, gen = sys.argv[1], sys.argv[2], time.time() + float(sys.argv[3]), int(sys.argv[4])
want = sorted(int(x) for x in sys.argv[5].split(",") if x)
j, base = rules(path)
while time.time() < dl:
    j, by = rules(path)
    if j["generation"] != gen or sorted(by) != want:
        break
    if all(by[s] > base[s] for s in want):
        sys.exit(0)
    time.sleep(0.02)
print(json.dumps(j))
sys.exit(1)
PY
GC="python3 $TMP/gc.py"

# start_weir NAME ARGS...: weir in the background (WPID), stats socket
# $TMP/NAME.sock, bounded wait until it answers
start_weir() {
	local name=$1 i
	shift
	"$WEIR" --set "ctl.socket=$TMP/$name.sock" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	WPID=$!
	for i in $(seq 1 300); do
		"$WEIRCTL" --socket "$TMP/$name.sock" version >/dev/null 2>&1 && return 0
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.1
	done
	fail "weir did not start"
	cat "$TMP/$name.err"
	kill -9 "$WPID" 2>/dev/null
	WPID=
	return 1
}

# generation SOCK: the generation in force
generation() {
	python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["rules_generation"])' \
		< <("$WEIRCTL" --socket "$1" --json stats)
}

# wait_log ERRFILE ERE N: bounded wait until N lines of weir's log match
wait_log() {
	local i
	for i in $(seq 1 $((POLL_S * 20))); do
		[ "$(grep -cE "$2" "$1")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

# reload_refused NAME FILE WHAT ERE: weirctl reload of FILE (copied over
# the rule file weir runs with): exit 3, the reason matching ERE, the
# generation in force still GEN and its rules A still alerting
reload_refused() {
	local name=$1 f=$2 what=$3 ere=$4 rc
	cp "$TMP/$f.rules" "$TMP/$name.cur.rules"
	"$WEIRCTL" --socket "$TMP/$name.sock" reload >"$TMP/rep.out" 2>"$TMP/rep.err"
	rc=$?
	expect_eq "$what: weirctl reload exit status" "$rc" 3 || cat "$TMP/rep.out"
	check "$what: the reason is named" grep -qE "$ere" "$TMP/rep.err" || cat "$TMP/rep.err"
	check "$what: the running rules said to stay" grep -q "stay in force" "$TMP/rep.err"
	expect_eq "$what: generation" "$(generation "$TMP/$name.sock")" "$GENERATION"
}

test_guard_under_traffic() {
	local name=tr rc
	make_traffic || { fail "weir-gen"; return; }
	cp "$TMP/A.rules" "$TMP/$name.cur.rules"
	# log.level=warning: what the guard logs must get through it
	start_weir "$name" -S "$TMP/$name.cur.rules" -o "$TMP/$name.json" -i net_pcap0 \
		--set rules.cache-dir= --set log.level=warning -- \
		"${EAL[@]}" --file-prefix "weir-it-$$-$name" \
		--vdev "net_pcap0,rx_pcap=$TMP/g.pcap,infinite_rx=1" || return
	GENERATION=1
	$GC fire "$TMP/$name.sock" "$POLL_S" 1 "$SIDS_A" >"$TMP/fire.out" ||
		{ fail "A never fired"; cat "$TMP/fire.out"; }

	reload_refused "$name" empty "empty file" "has no rule \(the running set has 4\)"
	$GC fire "$TMP/$name.sock" "$POLL_S" 1 "$SIDS_A" >"$TMP/fire.out" ||
		{ fail "after the empty file: A stopped alerting"; cat "$TMP/fire.out"; }
	reload_refused "$name" A1 "file cut to 1 of 4 rules" \
		"has 1 rules, 3 fewer than the running 4 \(75.0%, more than rules.reload-max-loss 50%\)"
	$GC fire "$TMP/$name.sock" "$POLL_S" 1 "$SIDS_A" >"$TMP/fire.out" ||
		{ fail "after the cut file: A stopped alerting"; cat "$TMP/fire.out"; }
	check "refusals logged at warning level" wait_log "$TMP/$name.err" \
		"^weir: reload refused: .*stay in force" 2

	# SIGHUP: the same guard
	cp "$TMP/empty.rules" "$TMP/$name.cur.rules"
	kill -HUP "$WPID"
	check "SIGHUP of an empty file refused (logged)" wait_log "$TMP/$name.err" \
		"^weir: reload refused: the new rule set has no rule" 2
	expect_eq "SIGHUP refused: generation" "$(generation "$TMP/$name.sock")" 1
	$GC fire "$TMP/$name.sock" "$POLL_S" 1 "$SIDS_A" >"$TMP/fire.out" ||
		{ fail "after SIGHUP: A stopped alerting"; cat "$TMP/fire.out"; }

	# forced: the cut file is accepted, and its one rule alerts
	cp "$TMP/A1.rules" "$TMP/$name.cur.rules"
	"$WEIRCTL" --socket "$TMP/$name.sock" reload --force >"$TMP/rep.out" 2>"$TMP/rep.err"
	rc=$?
	expect_eq "forced reload: exit status" "$rc" 0 || cat "$TMP/rep.err"
	check "forced reload: says forced" grep -q "^forced" "$TMP/rep.out"
	check "forced reload: generation 2, 1 rule" grep -q "rules reloaded: 1 rules, generation 2" "$TMP/rep.out"
	check "forced reload logged at warning level" wait_log "$TMP/$name.err" \
		"^weir: reload forced: the new rule set has 1 rules.*accepted" 1
	$GC fire "$TMP/$name.sock" "$POLL_S" 2 101 >"$TMP/fire.out" ||
		{ fail "after the forced reload: sid 101 does not alert"; cat "$TMP/fire.out"; }
	kill -INT "$WPID"
	wait "$WPID"
	expect_eq "weir exit status after SIGINT" "$?" 0 || tail -20 "$TMP/$name.err"
}

# An offline weir serving its socket after the file (--keep-alive).
start_offline() {
	local name=$1
	shift
	start_weir "$name" -r "$TMP/g.pcap" -o "$TMP/$name.json" --keep-alive \
		--set rules.cache-dir= "$@"
}

# ctl_by NAME ARGS...: weirctl ARGS against weir NAME; PEER is its pid
ctl_by() {
	local name=$1
	shift
	"$WEIRCTL" --socket "$TMP/$name.sock" "$@" >/dev/null 2>&1 &
	PEER=$!
	wait "$PEER"
}

test_audit() {
	local name=au me
	me=$(id -u)
	make_traffic || { fail "weir-gen"; return; }
	cp "$TMP/A.rules" "$TMP/$name.cur.rules"
	start_offline "$name" -S "$TMP/$name.cur.rules" || return
	ctl_by "$name" disable 102
	check "disable audited with uid/pid" wait_log "$TMP/$name.err" \
		"^weir: ctl: disable sid 102 by uid $me pid $PEER: done$" 1
	ctl_by "$name" enable 102
	check "enable audited with uid/pid" wait_log "$TMP/$name.err" \
		"^weir: ctl: enable sid 102 by uid $me pid $PEER: done$" 1
	ctl_by "$name" disable 999
	check "a failed disable audited too" wait_log "$TMP/$name.err" \
		"^weir: ctl: disable sid 999 by uid $me pid $PEER: failed: no rule with sid 999" 1
	cp "$TMP/empty.rules" "$TMP/$name.cur.rules"
	ctl_by "$name" reload
	check "refused reload audited" wait_log "$TMP/$name.err" \
		"^weir: ctl: reload by uid $me pid $PEER: refused: the new rule set has no rule" 1
	cp "$TMP/A.rules" "$TMP/$name.cur.rules"
	ctl_by "$name" reload --force
	check "forced reload audited" wait_log "$TMP/$name.err" \
		"^weir: ctl: reload --force by uid $me pid $PEER: done$" 1
	ctl_by "$name" reopen
	check "reopen audited" wait_log "$TMP/$name.err" \
		"^weir: ctl: reopen by uid $me pid $PEER: done$" 1
	kill -USR1 "$WPID"
	check "SIGUSR1 logged" wait_log "$TMP/$name.err" "^weir: SIGUSR1: outputs reopened" 1
	kill -HUP "$WPID"
	check "SIGHUP logged" wait_log "$TMP/$name.err" "^weir: SIGHUP: reloading the rules" 1
	check "SIGHUP's reload done" wait_log "$TMP/$name.err" "^weir: rules reloaded: .*generation 3" 1
	ctl_by "$name" shutdown
	check "shutdown audited" wait_log "$TMP/$name.err" \
		"^weir: ctl: shutdown by uid $me pid $PEER: done$" 1
	wait "$WPID"
	expect_eq "weir exit status after shutdown" "$?" 0 || tail -20 "$TMP/$name.err"
	# reads are not audited
	expect_eq "monitor commands not audited" \
		"$(grep -cE '^weir: ctl: (version|stats|rules)' "$TMP/$name.err")" 0
}

test_max_loss_and_sighup_force() {
	local name=ml rc
	make_traffic || { fail "weir-gen"; return; }
	# rules.reload-max-loss=100: any loss but the last rule is accepted
	cp "$TMP/A.rules" "$TMP/$name.cur.rules"
	start_offline "$name" -S "$TMP/$name.cur.rules" --set rules.reload-max-loss=100 || return
	GENERATION=1
	cp "$TMP/A1.rules" "$TMP/$name.cur.rules"
	"$WEIRCTL" --socket "$TMP/$name.sock" reload >"$TMP/rep.out" 2>"$TMP/rep.err"
	rc=$?
	expect_eq "max-loss 100: cut file accepted" "$rc" 0 || cat "$TMP/rep.err"
	check "max-loss 100: not forced" bash -c "! grep -q '^forced' '$TMP/rep.out'"
	GENERATION=2
	reload_refused "$name" empty "max-loss 100: empty file" "has no rule \(the running set has 1\)"
	"$WEIRCTL" --socket "$TMP/$name.sock" shutdown >/dev/null
	wait "$WPID"

	# rules.reload-sighup-force=true: SIGHUP accepts the empty file
	name=sf
	cp "$TMP/A.rules" "$TMP/$name.cur.rules"
	start_offline "$name" -S "$TMP/$name.cur.rules" --set rules.reload-sighup-force=true || return
	cp "$TMP/empty.rules" "$TMP/$name.cur.rules"
	kill -HUP "$WPID"
	check "sighup-force: the forced reload logged" wait_log "$TMP/$name.err" \
		"^weir: reload forced: the new rule set has no rule" 1
	check "sighup-force: SIGHUP says forced" grep -q "SIGHUP: reloading the rules (forced" "$TMP/$name.err"
	expect_eq "sighup-force: generation" "$(generation "$TMP/$name.sock")" 2
	"$WEIRCTL" --socket "$TMP/$name.sock" shutdown >/dev/null
	wait "$WPID"
}

test_rules_check_empty() {
	run_weir "$TMP/rc_empty" rules check "$TMP/empty.rules"
	expect_eq "rules check of an empty file: exit" "$(cat "$TMP/rc_empty.rc")" 1
	check "rules check warns on the empty file" \
		grep -q "empty.rules: warning: no rule in this file" "$TMP/rc_empty.err"
	check "rules check says nothing loads" grep -q "^no rule loads" "$TMP/rc_empty.out"
	run_weir "$TMP/rc_two" rules check "$TMP/A.rules" "$TMP/empty.rules"
	expect_eq "rules check of A + empty: exit" "$(cat "$TMP/rc_two.rc")" 0
	check "rules check of A + empty warns" \
		grep -q "empty.rules: warning: no rule in this file" "$TMP/rc_two.err"
	printf 'alert tcp any any -> any any (msg:"bad"; frobnicate:1; sid:1;)\n' >"$TMP/bad.rules"
	run_weir "$TMP/rc_bad" rules check --rules-skip-invalid "$TMP/bad.rules"
	expect_eq "rules check of only bad rules (skip-invalid): exit" "$(cat "$TMP/rc_bad.rc")" 1
	check "rules check of only bad rules says nothing loads" grep -q "^no rule loads" "$TMP/rc_bad.out"
}

ALL_TESTS="test_rules_check_empty test_audit test_max_loss_and_sighup_force test_guard_under_traffic"
run_all
