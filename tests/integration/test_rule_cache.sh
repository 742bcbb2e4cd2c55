#!/usr/bin/env bash
# The compiled-database cache (issue #3, rules.cache-dir): `weir rules
# check` twice compiles once and then takes every database (the packet
# database of all packet rules, the stream database) from the cache;
# offline runs with a cold cache, a warm one and none raise identical
# alerts; corrupt, truncated and stale entries are noticed, rebuilt and
# stored again, never trusted; a changed rule misses in its own database
# only (and the changed rule behaves as changed); a reload with a corrupt
# entry rebuilds it. Every run names its own cache directory under $TMP.
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
SAMPLE=$SRC/tests/data/sample.pcap

# Seven rules in six groups (protocol x destination ports), all firing on
# the bundled sample capture, all in the one packet database. The tcp
# rules say no_stream: they would be Suricata stream rules otherwise, with
# a stream database of their own (test_stream_database_cached).
cat >"$TMP/X.rules" <<'EOF'
alert tcp any any -> any 8443 (msg:"pan on 8443"; flow:no_stream; pcre:"/\b4\d{15}\b/"; sid:1; rev:1;)
alert tcp any any -> any [80,8443] (msg:"cvv"; flow:no_stream; content:"cvv="; nocase; sid:2; rev:1;)
alert ip any any -> any any (msg:"union select"; pcre:"/union\s+(?:all\s+)?select/i"; sid:3; rev:1;)
alert udp any any -> any 7070 (msg:"sleep over udp"; pcre:"/(?:sleep|benchmark)\s*\(\s*\d+/i"; sid:4; rev:1;)
alert udp any any -> any any (msg:"basic auth over udp"; content:"authorization:"; nocase; sid:5; rev:1;)
alert tcp any any -> any any (msg:"script"; flow:no_stream; content:"<script"; nocase; sid:6; rev:1;)
alert ip any any -> any any (msg:"jndi"; content:"${jndi:"; nocase; sid:7; rev:1;)
EOF
NGROUPS=6
NDB=1 # databases: the packet database
# alerts per sid on the sample (sample.expected.tsv's traffic)
printf '%s\n' "1 4" "2 4" "3 3" "4 1" "5 1" "6 6" "7 4" >"$TMP/X.want"

# rcheck NAME CACHEDIR FILE: weir rules check; NAME.out/.err/.rc
rcheck() {
	"$WEIR" rules check --set "rules.cache-dir=$2" "$3" >"$TMP/$1.out" 2>"$TMP/$1.err"
	echo $? >"$TMP/$1.rc"
}

from_cache() {
	sed -n 's/.*, from cache: \([0-9]*\)$/\1/p' "$1"
}

# group_lines OUT: "protocol ports" of each group line
group_lines() {
	awk '/^  group / { g = 1; next } /^  packet database|^  stream |^inspects|^keywords:/ { g = 0 } g { print $2, $3 }' "$1"
}

# pkt_cache OUT: the packet database line's cache column (hit or -)
pkt_cache() {
	awk '/^  packet database:/ { print $NF }' "$1"
}

entries() {
	find "$1" -maxdepth 1 -type f -name '*.hsdb' | wc -l
}

# expect_all_hit NAME: every database of check NAME came from the cache
expect_all_hit() {
	expect_eq "$1: exit status" "$(cat "$TMP/$1.rc")" 0 || cat "$TMP/$1.out" "$TMP/$1.err"
	expect_eq "$1: from cache" "$(from_cache "$TMP/$1.out")" "$NDB"
	expect_eq "$1: packet database from the cache" "$(pkt_cache "$TMP/$1.out")" hit
}

test_check_twice() {
	local c="$TMP/c1"
	rcheck chk1 "$c" "$TMP/X.rules"
	expect_eq "first check: exit status" "$(cat "$TMP/chk1.rc")" 0 || { cat "$TMP/chk1.out" "$TMP/chk1.err"; return; }
	check "first check: every rule loads" grep -q '^OK: every rule of 1 file loads$' "$TMP/chk1.out"
	expect_eq "first check: groups" "$(sed -n 's/^groups: \([0-9]*\),.*/\1/p' "$TMP/chk1.out")" "$NGROUPS"
	expect_eq "first check: from cache" "$(from_cache "$TMP/chk1.out")" 0
	expect_eq "first check: packet database compiled" "$(pkt_cache "$TMP/chk1.out")" -
	expect_eq "first check: one packet database of the 7 rules" \
		"$(awk '/^  packet database:/ { print $(NF - 2) }' "$TMP/chk1.out")" 7
	expect_eq "entries stored, one per database" "$(entries "$c")" "$NDB"
	expect_eq "nothing but entries in the directory" "$(find "$c" -mindepth 1 | wc -l)" "$NDB"
	rcheck chk2 "$c" "$TMP/X.rules"
	expect_all_hit chk2
	check "second check: every rule loads" grep -q '^OK: every rule of 1 file loads$' "$TMP/chk2.out"
	expect_eq "entries after the second check" "$(entries "$c")" "$NDB"
	expect_eq "same groups both times" "$(group_lines "$TMP/chk1.out")" "$(group_lines "$TMP/chk2.out")"
}

# offline NAME CACHEDIR [RULES]: weir -r on the sample
offline() {
	run_weir "$TMP/$1" -r "$SAMPLE" -S "${3:-$TMP/X.rules}" -o "$TMP/$1.json" --set "rules.cache-dir=$2"
	expect_eq "$1: exit status" "$(cat "$TMP/$1.rc")" 0 || cat "$TMP/$1.err"
}

test_offline_cold_warm_none_identical() {
	local c="$TMP/c2"
	offline cold "$c"
	expect_eq "cold run stored every database" "$(entries "$c")" "$NDB"
	offline warm "$c"
	offline none ""
	alert_counts "$TMP/none.json" >"$TMP/none.got"
	check "alerts per sid (no cache)" diff -u "$TMP/X.want" "$TMP/none.got"
	check "cold cache: the same events, byte for byte" cmp "$TMP/none.json" "$TMP/cold.json"
	check "warm cache: the same events, byte for byte" cmp "$TMP/none.json" "$TMP/warm.json"
	check "accounting" accounting_ok "$TMP/warm.err"
	# (the summary's counter lines, indented, name flow_refused and the like)
	check "no diagnostic with a good cache" \
		bash -c "! grep -v '^ ' '$TMP/warm.err' | grep -qE 'note:|skipped|refused|rebuilt'"
}

# corrupt KIND FILE [OTHER]: damage one entry
corrupt() {
	case $1 in
	blob) # a bit of the serialized database (past the 88-byte header)
		python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read())
b[-10] ^= 0x01; open(p,"wb").write(b)' "$2" ;;
	header) # the magic
		printf 'X' | dd of="$2" bs=1 seek=0 conv=notrunc status=none ;;
	truncate) truncate -s 60 "$2" ;;
	stale) cp "$3" "$2" ;; # a whole valid entry, of another key
	esac
}

# damaged KIND: the packet database's entry damaged one way; a check
# notices, rebuilds and stores it again, and weir raises the same alerts
damaged() {
	local kind=$1 c="$TMP/c3$1" files other
	rcheck "pre$kind" "$c" "$TMP/X.rules"
	expect_eq "$kind: populate: exit status" "$(cat "$TMP/pre$kind.rc")" 0 || return
	mapfile -t files < <(find "$c" -name '*.hsdb' | sort)
	[ "${#files[@]}" -eq "$NDB" ] || { fail "$kind: entries: ${#files[@]}"; return; }
	if [ "$kind" = stale ]; then
		# a whole valid entry of another key (another rule set's)
		printf '%s\n' 'alert udp any any -> any any (msg:"o"; content:"other"; sid:9;)' >"$TMP/O.rules"
		rcheck "other" "$TMP/c3other" "$TMP/O.rules"
		other=$(find "$TMP/c3other" -name '*.hsdb' | head -1)
		[ -n "$other" ] || { fail "stale: no other entry"; return; }
		corrupt stale "${files[0]}" "$other"
	else
		corrupt "$kind" "${files[0]}"
	fi
	rcheck "bad$kind" "$c" "$TMP/X.rules"
	expect_eq "$kind: check over the damaged entry: from cache" "$(from_cache "$TMP/bad$kind.out")" 0
	expect_eq "$kind: rebuilt note" \
		"$(cat "$TMP/bad$kind.out" "$TMP/bad$kind.err" | grep -c 'note: cached packet database was corrupt or stale; rebuilt')" 1
	expect_eq "$kind: packet database rebuilt" "$(pkt_cache "$TMP/bad$kind.out")" -
	# every rule loads: a rebuilt cache entry is no rule error
	expect_eq "$kind: exit status (all rules load)" "$(cat "$TMP/bad$kind.rc")" 0 ||
		{ echo "    --- stdout"; tail -3 "$TMP/bad$kind.out"; echo "    --- stderr"; cat "$TMP/bad$kind.err"; }
	check "$kind: says every rule loads" grep -q '^OK: every rule of 1 file loads$' "$TMP/bad$kind.out"
	# the rebuilt entry was stored again, whole
	rcheck "again$kind" "$c" "$TMP/X.rules"
	expect_all_hit "again$kind"
	expect_eq "$kind: entries after the rebuild" "$(entries "$c")" "$NDB"
}

test_corrupt_entries_rebuilt() {
	local c="$TMP/c3" files k
	offline ref ""
	for k in blob header truncate stale; do
		damaged "$k"
	done
	# weir itself over a damaged entry: the same alerts, it says why it
	# compiled, and it does not call the rebuild a skipped rule
	rcheck pre "$c" "$TMP/X.rules"
	mapfile -t files < <(find "$c" -name '*.hsdb' | sort)
	corrupt blob "${files[0]}"
	offline dmg "$c"
	check "damaged entry: the same events as without a cache" cmp "$TMP/ref.json" "$TMP/dmg.json"
	check "damaged entry: weir notes the rebuild" grep -q 'note: cached packet database was corrupt or stale; rebuilt' "$TMP/dmg.err"
	check "damaged entry: no rule called skipped" \
		bash -c "! grep -v '^ ' '$TMP/dmg.err' | grep -q 'skipped'" ||
		grep 'skipped' "$TMP/dmg.err"
	rcheck after "$c" "$TMP/X.rules"
	expect_all_hit after
}

test_rule_change_misses() {
	local c="$TMP/c4"
	rcheck pre4 "$c" "$TMP/X.rules"
	expect_eq "populate: exit status" "$(cat "$TMP/pre4.rc")" 0 || return
	# two rules changed: sid 2 loses nocase, sid 4's pattern wants '[';
	# neither fires on the sample afterwards
	sed -e 's/content:"cvv="; nocase;/content:"cvv=";/' \
		-e 's/benchmark)\\s\*\\(/benchmark)\\s*\\[/' "$TMP/X.rules" >"$TMP/Y.rules"
	[ "$(diff "$TMP/X.rules" "$TMP/Y.rules" | grep -c '^>')" = 2 ] || { fail "Y.rules not made"; return; }
	rcheck chg "$c" "$TMP/Y.rules"
	expect_eq "changed rules: exit status" "$(cat "$TMP/chg.rc")" 0 || cat "$TMP/chg.out" "$TMP/chg.err"
	expect_eq "changed rules: from cache" "$(from_cache "$TMP/chg.out")" 0
	expect_eq "changed rules: the packet database missed" "$(pkt_cache "$TMP/chg.out")" -
	expect_eq "changed rules: entries" "$(entries "$c")" $((NDB + 1))
	offline chgrun "$c" "$TMP/Y.rules"
	alert_counts "$TMP/chgrun.json" >"$TMP/chgrun.got"
	grep -v '^[24] ' "$TMP/X.want" >"$TMP/chgrun.want"
	check "changed rules fire as changed (no stale database)" diff -u "$TMP/chgrun.want" "$TMP/chgrun.got"
	# and back: the original entries are still there
	rcheck back "$c" "$TMP/X.rules"
	expect_all_hit back
}

# The stream rules' database is cached like a group's: a second check
# takes it from the cache, and a changed stream rule misses.
test_stream_database_cached() {
	local c="$TMP/c6"
	printf '%s\n' 'alert tcp any any -> any any (msg:"s"; content:"card="; sid:1;)' \
		'alert tcp any any -> any any (msg:"t"; flow:only_stream; content:"pan="; sid:2;)' >"$TMP/S.rules"
	rcheck s1 "$c" "$TMP/S.rules"
	expect_eq "first check: exit status" "$(cat "$TMP/s1.rc")" 0 || { cat "$TMP/s1.err"; return; }
	check "first check: the stream database is compiled" grep -Eq '^  stream tcp .* 2 +0 +[0-9]+ - ' "$TMP/s1.out"
	# sid 1 is in its packet group too (packets outside a stream)
	expect_eq "two entries: the packet and the stream database" "$(entries "$c")" 2
	rcheck s2 "$c" "$TMP/S.rules"
	check "second check: the stream database from the cache" grep -Eq '^  stream tcp .* 2 +0 +[0-9]+ hit ' "$TMP/s2.out"
	expect_eq "second check: the packet database from the cache" "$(pkt_cache "$TMP/s2.out")" hit
	sed -i 's/pan=/pin=/' "$TMP/S.rules"
	rcheck s3 "$c" "$TMP/S.rules"
	check "a changed stream rule misses" grep -Eq '^  stream tcp .* 2 +0 +[0-9]+ - ' "$TMP/s3.out"
	# sid 2 is a stream rule only: the packet database did not change
	expect_eq "the packet database still hits" "$(pkt_cache "$TMP/s3.out")" hit
	expect_eq "three entries: a new stream database" "$(entries "$c")" 3
	# a packet-only rule changed: the packet database misses, the stream one hits
	printf '%s\n' 'alert tcp any any -> any any (msg:"u"; flow:no_stream; content:"cvv="; sid:3;)' >>"$TMP/S.rules"
	rcheck s4 "$c" "$TMP/S.rules"
	expect_eq "a new packet rule: the packet database misses" "$(pkt_cache "$TMP/s4.out")" -
	check "a new packet rule: the stream database hits" grep -Eq '^  stream tcp .* 2 +0 +[0-9]+ hit ' "$TMP/s4.out"
}

test_reload_over_damaged_entry() {
	local c="$TMP/c5" sock="$TMP/rl.sock" pid i files
	rcheck pre5 "$c" "$TMP/X.rules"
	expect_eq "populate: exit status" "$(cat "$TMP/pre5.rc")" 0 || return
	cp "$TMP/X.rules" "$TMP/cur.rules"
	timeout -s INT -k 10 "$WEIR_TIMEOUT" "$WEIR" -r "$SAMPLE" -S "$TMP/cur.rules" -o "$TMP/rl.json" \
		--keep-alive --set "ctl.socket=$sock" --set "rules.cache-dir=$c" >"$TMP/rl.out" 2>"$TMP/rl.err" &
	pid=$!
	for i in $(seq 1 300); do
		"$WEIRCTL" --socket "$sock" version >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	"$WEIRCTL" --socket "$sock" version >/dev/null 2>&1 || { fail "weir did not start"; cat "$TMP/rl.err"; kill -9 "$pid"; return; }
	mapfile -t files < <(find "$c" -name '*.hsdb' | sort)
	corrupt blob "${files[0]}"
	"$WEIRCTL" --socket "$sock" --json reload >"$TMP/rl.rep" 2>&1
	expect_eq "reload over a damaged entry: weirctl exit status" "$?" 0 || cat "$TMP/rl.rep"
	check "reload over a damaged entry: generation 2, the database rebuilt" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert j["reloaded"] and j["generation"] == 2 and j["n_rules"] == 7, j
assert j["from_cache"] == int(sys.argv[2]) - 1 and j["n_skipped"] == 0, j' "$TMP/rl.rep" "$NDB" ||
		cat "$TMP/rl.rep"
	"$WEIRCTL" --socket "$sock" --json reload >"$TMP/rl.rep2" 2>&1
	check "next reload: every database from the cache" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert j["generation"] == 3 and j["from_cache"] == int(sys.argv[2]), j' "$TMP/rl.rep2" "$NDB" ||
		cat "$TMP/rl.rep2"
	"$WEIRCTL" --socket "$sock" shutdown >/dev/null || fail "weirctl shutdown"
	wait "$pid"
	expect_eq "weir exit status" "$?" 0 || tail -20 "$TMP/rl.err"
	check "log names the rebuilt database" grep -q 'note: cached packet database was corrupt or stale; rebuilt' "$TMP/rl.err"
	check "log: reload with the database rebuilt" grep -q "^weir: rules reloaded: 7 rules, $NDB database ($((NDB - 1)) from cache), generation 2," "$TMP/rl.err"
	alert_counts "$TMP/rl.json" >"$TMP/rl.got"
	check "alerts" diff -u "$TMP/X.want" "$TMP/rl.got"
}

ALL_TESTS="test_check_twice test_offline_cold_warm_none_identical test_corrupt_entries_rebuilt
test_rule_change_misses test_reload_over_damaged_entry test_stream_database_cached"
run_all
