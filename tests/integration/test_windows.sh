#!/usr/bin/env bash
# Window rules (issue 18) end to end, against the alerts mktxn.py's oracle
# computes by construction from the window semantics (never from weir):
#  - the oracle on hand-computed cases (test_mktxn_oracle.py);
#  - the generated sessions as weir's stream engine sees them: the window
#    rules without field:/window: alert once per record, on the packet
#    the generator says acknowledges it (the observation's packet);
#  - rules/examples/windows.rules checked and explained by `rules check`;
#  - offline with 1 worker and with 2 (pipeline): weir's window alerts
#    (alert.context.window) equal the expected ones exactly, (sid, key,
#    pcap_cnt) and the window object; the window counters equal the
#    oracle's; accounting holds; no card number appears in full in the
#    EVE (payloads decoded too), the logs or the checkpoint;
#  - sessions carrying several records each (keep-alive);
#  - outputs.sensitive-rendering hmac: card keys are tokens, one per card;
#  - a reload between two replays (one weir reading a pipe: part 1, then
#    `weirctl reload` with one rule's rev changed, then part 2): the
#    unchanged rules keep their state, the changed one starts afresh;
#  - a restart from a checkpoint (run 1 on part 1 writes windows.ckpt at
#    shutdown, run 2 on part 2 restores it, with 1 and with 2 workers):
#    the alerts of both runs are those of the whole stream;
#  - a corrupt, truncated or wrong-version checkpoint is refused with one
#    clear log line, renamed windows.ckpt.refused, counted, and weir runs
#    with empty state (the alerts of part 2 from scratch).
# Without window rules in weir the window parts skip, except under CI=true.
# WEIR_TEST_WINDOWS_RULES (another rules file), WEIR_TEST_TXN_SEED,
# WEIR_TEST_TXN_RECORDS and WEIR_TEST_TXN_GEN_ARGS vary the run.
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
PY=/usr/bin/python3
MKTXN=$SRC/tests/integration/mktxn.py
RULES=${WEIR_TEST_WINDOWS_RULES:-$SRC/rules/examples/windows.rules}
SEED=${WEIR_TEST_TXN_SEED:-18}
RECORDS=${WEIR_TEST_TXN_RECORDS:-2000}
# more mktxn.py gen options, e.g. "--cuts 0" (records whole, to tell a
# segment-boundary problem from another)
read -r -a GEN_ARGS <<<"${WEIR_TEST_TXN_GEN_ARGS:-}"
COUNTERS="window_observations window_alerts window_late window_field_missing window_field_bad"

# gen: the stream, its halves and the whole stream's expected alerts (once)
gen() {
	[ -s "$TMP/whole.json" ] && return 0
	$PY "$MKTXN" gen "$TMP/t" --records "$RECORDS" --seed "$SEED" "${GEN_ARGS[@]}" >"$TMP/gen.out" 2>&1 &&
		$PY "$MKTXN" expect "$TMP/t.txn.json" "$RULES" >"$TMP/whole.json" ||
		{ cat "$TMP/gen.out"; return 1; }
}

# to FILE COMMAND...: COMMAND with its output in FILE (inside a check,
# whose own FAIL line must stay on the test's output)
to() {
	local f=$1
	shift
	"$@" >"$f" 2>&1
}

# jget FILE EXPR: a value of the JSON document FILE (EXPR indexes d)
jget() {
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# windows_ready: weir takes window rules and runs them (on a capture of
# no packet); else the test skips (fails under CI=true)
windows_ready() {
	[ -s "$TMP/empty.pcap" ] ||
		printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' >"$TMP/empty.pcap"
	mkdir -p "$TMP/ready.st"
	"$WEIR" rules check "$RULES" >"$TMP/ready.out" 2>&1 &&
		"$WEIR" -r "$TMP/empty.pcap" -S "$RULES" --set "windows.state-dir=$TMP/ready.st" \
			>"$TMP/ready.run" 2>&1 && return 0
	cat "$TMP/ready.run" >>"$TMP/ready.out" 2>/dev/null
	if [ "${CI:-}" = true ]; then
		fail "weir refuses window rules: $(head -3 "$TMP/ready.out")"
	else
		skip "weir does not run window rules yet: $(tail -1 "$TMP/ready.out")"
	fi
	return 1
}

# no_full_card FILE...: none of the generator's card numbers is in FILE,
# nor in any EVE payload of it (base64, decoded here)
no_full_card() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || continue
		if grep -a -F -q -f "$TMP/t.cards" "$f"; then
			fail "$(basename "$f") holds a full card number: $(grep -a -o -F -m1 -f "$TMP/t.cards" "$f" | head -1 | cut -c1-6)..."
		fi
	done
	$PY - "$TMP/t.cards" "$@" <<'PY' || fail "a full card number in an EVE payload"
import base64, json, sys
cards = [c.strip().encode() for c in open(sys.argv[1]) if c.strip()]
bad = 0
for path in sys.argv[2:]:
    try:
        lines = open(path, "rb").read().split(b"\n")
    except OSError:
        continue
    for n, line in enumerate(lines, 1):
        if not line.startswith(b"{"):
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        for k in ("payload", "packet"):
            if isinstance(ev.get(k), str):
                raw = base64.b64decode(ev[k])
                hit = [c for c in cards if c in raw]
                if hit:
                    print("%s:%d: %s holds %s..." % (path, n, k, hit[0][:6].decode()))
                    bad += 1
sys.exit(1 if bad else 0)
PY
}

# counters_equal NAME ERRFILE EXPECTED.json: the window counters of the
# summary equal the oracle's
#   With WORKERS > 1 (4th argument), window_late may be lower than the
#   oracle's: an old record that reaches its owner before the watermark
#   first moves is applied in order instead of counted late (README
#   "Stateful rules (windows)", known limit), so it is bounded, not equal.
counters_equal() {
	local c got want
	for c in $COUNTERS; do
		got=$(summary_value "$2" "$c")
		want=$(jget "$3" "d['counters']['$c']")
		if [ "$c" = window_late ] && [ "${4:-1}" -gt 1 ]; then
			check "$1 $c: $got, at most the oracle's $want" [ -n "$got" ] &&
				[ "$got" -le "$want" ]
			continue
		fi
		expect_eq "$1 $c" "$got" "$want"
	done
}

# windows_run NAME WORKERS PCAP STATEDIR [weir args...]: weir on PCAP
# with windows.rules, EVE in NAME.out; fails on a non-zero exit
windows_run() {
	local name=$1 w=$2 pcap=$3 st=$4
	shift 4
	mkdir -p "$st"
	run_weir "$TMP/$name" -r "$pcap" -S "$RULES" -w "$w" --set "windows.state-dir=$st" "$@"
	expect_eq "$name exit status" "$(cat "$TMP/$name.rc")" 0 || { tail -20 "$TMP/$name.err"; return 1; }
	check "$name accounting" accounting_ok "$TMP/$name.err"
	if [ "$w" -gt 1 ]; then
		check "$name runs $w workers (pipeline)" \
			grep -q "^weir: running: .*$w workers (runmode pipeline)" "$TMP/$name.err"
	fi
	return 0
}

# compare NAME EXPECTED EVE [EVE2 OFFSET]
compare() {
	local name=$1 exp=$2
	shift 2
	local args=("$1")
	[ $# -ge 3 ] && args+=("$2" --offset "$3")
	check "$name: window alerts equal the oracle's ($(jget "$exp" "len(d['alerts'])") expected)" \
		to "$TMP/$name.cmp" $PY "$MKTXN" compare "$exp" "${args[@]}" ||
		{ head -12 "$TMP/$name.cmp"; tail -1 "$TMP/$name.cmp"; }
}

test_oracle_selftest() {
	check "test_mktxn_oracle.py" to "$TMP/selftest.out" \
		$PY "$SRC/tests/integration/test_mktxn_oracle.py" || tail -20 "$TMP/selftest.out"
}

# plain_check NAME PFX W: the window rules without field:/window: on
# PFX.pcap with W workers alert once per record, on the packet the
# generator says acknowledges it (the observation's packet); no stream
# gap, nothing out of window
plain_check() {
	local name=$1 pfx=$2 w=$3
	$PY "$MKTXN" plain "$pfx.txn.json" "$RULES" "$pfx.plain.rules" | sort >"$pfx.plain.want"
	[ -s "$pfx.plain.want" ] || { fail "$name: no record matches a rule"; return; }
	run_weir "$TMP/$name" -r "$pfx.pcap" -S "$pfx.plain.rules" -w "$w"
	expect_eq "$name exit status" "$(cat "$TMP/$name.rc")" 0 || { tail "$TMP/$name.err"; return; }
	check "$name accounting" accounting_ok "$TMP/$name.err"
	$PY -c '
import json, sys
for l in open(sys.argv[1], "rb"):
    e = json.loads(l)
    if e["event_type"] == "alert":
        print(e["alert"]["signature_id"], e.get("pcap_cnt"))' "$TMP/$name.out" | sort >"$TMP/$name.got"
	check "$name: one stream alert per record, on its acknowledging packet" \
		to "$TMP/$name.diff" diff -u "$pfx.plain.want" "$TMP/$name.got" || head "$TMP/$name.diff"
	expect_eq "$name stream_gaps" "$(summary_value "$TMP/$name.err" stream_gaps)" 0
	expect_eq "$name stream_out_of_window" "$(summary_value "$TMP/$name.err" stream_out_of_window)" 0
	expect_eq "$name rx_packets" "$(summary_value "$TMP/$name.err" rx_packets)" \
		"$("$PCAP_COUNT" "$pfx.pcap" | cut -d' ' -f1)"
}

# The generator's sessions as weir streams them, with 1 and 2 workers
test_generated_sessions() {
	check "mktxn gen" gen || return
	plain_check plain1 "$TMP/t" 1
	plain_check plain2 "$TMP/t" 2
	# every window rule has something to find on this stream
	check "every example rule fires on the stream" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
missing = [s for s in d["sids"] if str(s) not in d["alerts_per_sid"]]
assert not missing, "no expected alert for %s" % missing
assert d["counters"]["window_late"] > 0 and d["counters"]["window_field_bad"] > 0
assert d["counters"]["window_field_missing"] > 0' "$TMP/whole.json"
}

# rules check explains each window rule in one line (windows-spec.md):
# key, length, conditions, fire mode, event time source, state bytes per key
test_rules_check() {
	if ! "$WEIR" rules check "$RULES" >"$TMP/check.out" 2>&1; then
		if [ "${CI:-}" = true ]; then
			fail "rules check refuses windows.rules: $(head -3 "$TMP/check.out")"
		else
			skip "weir takes no window rules yet: $(head -1 "$TMP/check.out")"
		fi
		return
	fi
	check "rules check explains the window rules" $PY - "$TMP/check.out" "$RULES" <<'PY' ||
import re, sys
out = open(sys.argv[1]).read().split("\n")
text = open(sys.argv[2]).read()
bad = []
for sid in re.findall(r"sid:(\d+);", text):
    lines = [l for l in out if re.search(r"\bsid %s\b" % sid, l)]
    if len(lines) != 1:
        bad.append("sid %s: %d lines" % (sid, len(lines)))
        continue
    l = lines[0]
    for want in ("key ", "length ", "fire ", "time ", "bytes"):
        if want not in l:
            bad.append("sid %s: no %r in %r" % (sid, want.strip(), l.strip()))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
		cat "$TMP/check.out"
	no_full_card "$TMP/check.out"
}

# offline_workers W: the whole stream with W workers
offline_workers() {
	local w=$1 name=off$1
	check "mktxn gen" gen || return
	windows_ready || return
	windows_run "$name" "$w" "$TMP/t.pcap" "$TMP/st$name" || return
	compare "$name" "$TMP/whole.json" "$TMP/$name.out"
	counters_equal "$name" "$TMP/$name.err" "$TMP/whole.json" "$w"
	no_full_card "$TMP/$name.out" "$TMP/$name.err" "$TMP/st$name/windows.ckpt"
}

test_offline_one_worker() {
	offline_workers 1
}

test_offline_two_workers() {
	offline_workers 2
}

# outputs.sensitive-rendering hmac: card keys are tokens, one per card
test_offline_hmac_tokens() {
	check "mktxn gen" gen || return
	windows_ready || return
	printf 'weir-test-window-hmac-key-0123456789' >"$TMP/hmac.key"
	windows_run hmac 2 "$TMP/t.pcap" "$TMP/sthmac" --set outputs.sensitive-rendering=hmac \
		--set "outputs.sensitive-hmac-key-file=$TMP/hmac.key" || return
	check "hmac: window alerts equal the oracle's, card keys as tokens" \
		to "$TMP/hmac.cmp" $PY "$MKTXN" compare --hmac "$TMP/whole.json" "$TMP/hmac.out" ||
		{ head -12 "$TMP/hmac.cmp"; tail -1 "$TMP/hmac.cmp"; }
	no_full_card "$TMP/hmac.out" "$TMP/hmac.err" "$TMP/sthmac/windows.ckpt"
}

# rx_at_least SOCK N: the workers of the weir serving SOCK processed N
# packets or more
rx_at_least() {
	local n
	n=$("$WEIRCTL" --socket "$1" --json stats 2>/dev/null |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["workers"]["rx_packets"])' 2>/dev/null)
	[ -n "$n" ] && [ "$n" -ge "$2" ]
}

# Sessions carrying several records each (keep-alive): a record's fields
# are its own, not those of the record before it in the same stream
test_several_records_per_session() {
	$PY "$MKTXN" gen "$TMP/ka" --records 1000 --flows 40 --seed $((SEED + 1)) "${GEN_ARGS[@]}" \
		>"$TMP/ka.gen" 2>&1 &&
		$PY "$MKTXN" expect "$TMP/ka.txn.json" "$RULES" >"$TMP/ka.json" ||
		{ fail "mktxn gen --flows"; cat "$TMP/ka.gen"; return; }
	plain_check kaplain "$TMP/ka" 2
	windows_ready || return
	windows_run ka 2 "$TMP/ka.pcap" "$TMP/stka" || return
	compare keepalive "$TMP/ka.json" "$TMP/ka.out"
	counters_equal keepalive "$TMP/ka.err" "$TMP/ka.json" 2
	no_full_card "$TMP/ka.out" "$TMP/ka.err"
}

# One weir reads a pipe: part 1, a reload (sid 9180012 gets rev 91, the
# other rules are unchanged), part 2. The reader blocks inside a burst at
# the end of part 1; the quiet tail (mktxn.py) makes that harmless. The
# pipeline run mode, so that the workers take the reload while the reader
# waits.
test_reload_keeps_unchanged_rules() {
	check "mktxn gen" gen || return
	windows_ready || return
	local sock="$TMP/rl.sock" pid feed p1 tail ok chg
	cp "$RULES" "$TMP/cur.rules"
	# the second rule (9180012, fire each, in windows.rules) changes its rev
	chg=$(grep -o 'sid:[0-9]*;' "$RULES" | sed -n 2p)
	sed "/$chg/s/rev:\([0-9]*\);/rev:9\1;/" "$RULES" >"$TMP/B.rules"
	check "B.rules changes one rule" [ "$(diff "$RULES" "$TMP/B.rules" | grep -c '^>')" = 1 ] || return
	$PY "$MKTXN" expect "$TMP/t.txn.json" "$RULES" --then "$TMP/B.rules" >"$TMP/reload.json" || {
		fail "mktxn expect --then"
		return
	}
	p1=$(jget "$TMP/t.txn.json" "d['part1_packets']")
	tail=$(jget "$TMP/t.txn.json" "d['quiet_tail']")
	rm -f "$TMP/feed.pcap"
	mkfifo "$TMP/feed.pcap"
	mkdir -p "$TMP/strl"
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" -r "$TMP/feed.pcap" -S "$TMP/cur.rules" -w 2 \
		--keep-alive --set "ctl.socket=$sock" --set "windows.state-dir=$TMP/strl" \
		>"$TMP/rl.out" 2>"$TMP/rl.err" &
	pid=$!
	exec {feed}>"$TMP/feed.pcap"
	cat "$TMP/t.1.pcap" >&"$feed"
	# every packet of part 1 that can make an observation is processed
	ok=0
	for _ in $(seq 1 600); do
		rx_at_least "$sock" $((p1 - tail)) && { ok=1; break; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$ok" != 1 ]; then
		fail "weir did not process part 1 within 60 s (want >= $((p1 - tail)) packets)"
		exec {feed}>&-
		kill -9 "$pid" 2>/dev/null
		wait "$pid"
		tail -20 "$TMP/rl.err"
		return
	fi
	cp "$TMP/B.rules" "$TMP/cur.rules"
	timeout 60 "$WEIRCTL" --socket "$sock" --json reload >"$TMP/rl.rep" 2>&1
	check "reload done" grep -q '"reloaded":true' "$TMP/rl.rep" || cat "$TMP/rl.rep"
	tail -c +25 "$TMP/t.2.pcap" >&"$feed"
	exec {feed}>&-
	# the whole file is processed, then shutdown (--keep-alive)
	poll rx_at_least "$sock" "$("$PCAP_COUNT" "$TMP/t.pcap" | cut -d' ' -f1)" ||
		fail "weir did not process part 2 within 10 s"
	"$WEIRCTL" --socket "$sock" shutdown >/dev/null 2>&1 || fail "weirctl shutdown"
	wait "$pid"
	expect_eq "reload run exit status" "$?" 0 || tail -20 "$TMP/rl.err"
	eve_check "$TMP/rl"
	check "reload run accounting" accounting_ok "$TMP/rl.err"
	compare reload "$TMP/reload.json" "$TMP/rl.out"
	expect_eq "window_reload_kept" "$(summary_value "$TMP/rl.err" window_reload_kept)" \
		"$(jget "$TMP/reload.json" "d['counters']['window_reload_kept']")"
	expect_eq "window_reload_reset" "$(summary_value "$TMP/rl.err" window_reload_reset)" \
		"$(jget "$TMP/reload.json" "d['counters']['window_reload_reset']")"
	no_full_card "$TMP/rl.out" "$TMP/rl.err" "$TMP/strl/windows.ckpt"
}

# run 1 on part 1 writes the checkpoint at shutdown (once, for the
# restart and the corruption tests)
checkpoint_run1() {
	[ -s "$TMP/ck1/windows.ckpt" ] && return 0
	windows_run ck1 1 "$TMP/t.1.pcap" "$TMP/ck1" || return 1
	check "run 1 wrote windows.ckpt" [ -s "$TMP/ck1/windows.ckpt" ] || return 1
	check "no temporary file left beside it" [ "$(ls "$TMP/ck1" | wc -l)" = 1 ] ||
		ls -la "$TMP/ck1"
	no_full_card "$TMP/ck1.out" "$TMP/ck1.err" "$TMP/ck1/windows.ckpt"
}

test_restart_from_checkpoint() {
	check "mktxn gen" gen || return
	windows_ready || return
	checkpoint_run1 || return
	local p1 w
	p1=$(jget "$TMP/t.txn.json" "d['part1_packets']")
	for w in 1 2; do
		rm -rf "$TMP/ck2w$w"
		mkdir -p "$TMP/ck2w$w"
		cp "$TMP/ck1/windows.ckpt" "$TMP/ck2w$w/"
		windows_run "ck2w$w" "$w" "$TMP/t.2.pcap" "$TMP/ck2w$w" || continue
		check "run 2 (-w $w) restored the checkpoint (window_ckpt_restored > 0)" \
			[ "$(summary_value "$TMP/ck2w$w.err" window_ckpt_restored)" -gt 0 ]
		expect_eq "run 2 (-w $w) window_ckpt_refused" \
			"$(summary_value "$TMP/ck2w$w.err" window_ckpt_refused)" 0
		compare "restart-w$w" "$TMP/whole.json" "$TMP/ck1.out" "$TMP/ck2w$w.out" "$p1"
		no_full_card "$TMP/ck2w$w.out" "$TMP/ck2w$w.err" "$TMP/ck2w$w/windows.ckpt"
	done
}

test_corrupt_checkpoint_refused() {
	check "mktxn gen" gen || return
	windows_ready || return
	checkpoint_run1 || return
	local p1 how d size
	p1=$(jget "$TMP/t.txn.json" "d['part1_packets']")
	$PY "$MKTXN" expect "$TMP/t.txn.json" "$RULES" --reset >"$TMP/reset.json" ||
		{ fail "mktxn expect --reset"; return; }
	size=$(stat -c %s "$TMP/ck1/windows.ckpt")
	for how in flip truncate version magic empty; do
		d="$TMP/bad$how"
		rm -rf "$d"
		mkdir -p "$d"
		cp "$TMP/ck1/windows.ckpt" "$d/"
		case $how in
		flip) # one byte of the body
			printf '\xa5' | dd of="$d/windows.ckpt" bs=1 seek=$((size / 2)) conv=notrunc status=none ;;
		truncate) truncate -s $((size * 2 / 3)) "$d/windows.ckpt" ;;
		version) # the format version after the 8-byte magic
			printf '\xfe\xfe' | dd of="$d/windows.ckpt" bs=1 seek=8 conv=notrunc status=none ;;
		magic) printf 'NOTWEIR!' | dd of="$d/windows.ckpt" bs=1 seek=0 conv=notrunc status=none ;;
		empty) : >"$d/windows.ckpt" ;;
		esac
		windows_run "bad$how" 1 "$TMP/t.2.pcap" "$d" || continue
		check "$how: one log line names the file and refuses it" \
			[ "$(grep -c "windows.ckpt.*refused\|refused.*windows.ckpt" "$TMP/bad$how.err")" -ge 1 ] ||
			grep -i ckpt "$TMP/bad$how.err" | head -5
		check "$how: renamed windows.ckpt.refused" [ -e "$d/windows.ckpt.refused" ]
		expect_eq "$how: window_ckpt_refused" "$(summary_value "$TMP/bad$how.err" window_ckpt_refused)" 1
		expect_eq "$how: window_ckpt_restored" \
			"$(summary_value "$TMP/bad$how.err" window_ckpt_restored)" 0
		# empty state: part 2's alerts from scratch (part 1's from run 1)
		compare "corrupt-$how" "$TMP/reset.json" "$TMP/ck1.out" "$TMP/bad$how.out" "$p1"
	done
}

ALL_TESTS="test_oracle_selftest test_generated_sessions test_rules_check test_offline_one_worker
	test_offline_two_workers test_offline_hmac_tokens test_several_records_per_session test_reload_keeps_unchanged_rules test_restart_from_checkpoint
	test_corrupt_checkpoint_refused"
run_all
