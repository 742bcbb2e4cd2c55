#!/usr/bin/env bash
# Privilege drop and control roles (issue 17). Run as root: weir started
# with run-as.user must, once serving, run every thread as that user and
# group (/proc/PID/task/*/status), keep only its driver's capabilities on
# the main thread and none on the others, and still reload its rules,
# reopen its output after rotation (SIGUSR1 and weirctl reopen) and
# reconfigure. With ctl.admin-group and ctl.monitor-group, a monitor runs
# the read-only commands and is refused the administrative ones (weirctl
# exits 3 and prints why, weir logs each attempt with the peer); a peer in
# neither group is refused at connect. The test users and groups are made
# with useradd/groupadd when absent and removed at the end.
. "$(dirname "$0")/lib.sh"

WEIRCTL=${WEIRCTL_BIN:?}
SAMPLE=$SRC/tests/data/sample.pcap
SIGS=$SRC/rules/examples/sample.sigs
EAL=(--no-huge --no-shconf --no-pci -m 512)
RUN_USER=weir-it-run
ADM_USER=weir-it-adm
MON_USER=weir-it-mon
NONE_USER=weir-it-none
ADM_GROUP=weir-it-admins
MON_GROUP=weir-it-mons
MADE_USERS=()
MADE_GROUPS=()
NA=weir-pa-$$
NB=weir-pb-$$
A_IP=10.198.$(($$ % 200)).1
B_IP=10.198.$(($$ % 200)).2
WPID=

cleanup_ids() {
	local u g
	for u in "${MADE_USERS[@]}"; do userdel "$u" >/dev/null 2>&1; done
	for g in "${MADE_GROUPS[@]}"; do groupdel "$g" >/dev/null 2>&1; done
}
trap '[ -z "$WPID" ] || kill -9 "$WPID" 2>/dev/null; netns_cleanup; cleanup_ids; rm -rf "$TMP"' EXIT

# make_ids: the test users and groups, made when absent (remembered for
# cleanup_ids)
make_ids() {
	local g u
	for g in "$ADM_GROUP" "$MON_GROUP"; do
		getent group "$g" >/dev/null && continue
		groupadd -r "$g" || return 1
		MADE_GROUPS+=("$g")
	done
	for u in "$RUN_USER:" "$ADM_USER:$ADM_GROUP" "$MON_USER:$MON_GROUP" "$NONE_USER:"; do
		local name=${u%%:*} grp=${u#*:} extra=()
		getent passwd "$name" >/dev/null && continue
		[ -n "$grp" ] && extra=(-G "$grp")
		useradd -r -M -d /nonexistent -s /usr/sbin/nologin "${extra[@]}" "$name" || return 1
		MADE_USERS+=("$name")
	done
}

need_root() {
	if [ "$(id -u)" != 0 ]; then
		skip "needs root (useradd, run-as.user)"
		return 1
	fi
	if ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
		skip "no useradd/runuser"
		return 1
	fi
	make_ids || { fail "cannot create the test users"; return 1; }
	# the users must reach the sockets and files under $TMP
	chmod 0755 "$TMP"
}

# start NAME ARGS...: weir in the background (WPID: weir itself, not a
# wrapper, so that /proc/WPID is weir's), socket $TMP/NAME.sock
start() {
	local name=$1
	shift
	"$WEIR" --set "ctl.socket=$TMP/$name.sock" --set "run-as.user=$RUN_USER" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	WPID=$!
	poll grep -q '^weir: running as ' "$TMP/$name.err" ||
		{ fail "weir did not drop privileges"; grep -v '^EAL' "$TMP/$name.err" | tail -5; kill -9 "$WPID"; WPID=; return 1; }
}

# ids_ok UID GID CAPS: every thread runs as UID/GID with its supplementary
# groups; the main thread holds exactly CAPS (hex, 16 digits) in its
# effective and permitted sets and an empty bounding set, the others
# nothing
ids_ok() {
	local uid=$1 gid=$2 caps=$3 t main=/proc/$WPID/status ok=0 n=0
	grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" "$main" || { fail "Uid: $(grep ^Uid "$main")"; ok=1; }
	grep -Eq "^Gid:\s+$gid\s+$gid\s+$gid\s+$gid$" "$main" || { fail "Gid: $(grep ^Gid "$main")"; ok=1; }
	grep -Eq "^Groups:\s+(.* )?$gid( |$)" "$main" || { fail "Groups: $(grep ^Groups "$main")"; ok=1; }
	for f in CapEff CapPrm; do
		grep -q "^$f:\s*$caps$" "$main" || { fail "main thread $(grep "^$f" "$main"), want $caps"; ok=1; }
	done
	for f in CapBnd CapAmb; do
		grep -q "^$f:\s*0000000000000000$" "$main" || { fail "main thread $(grep "^$f" "$main")"; ok=1; }
	done
	for t in /proc/$WPID/task/*; do
		n=$((n + 1))
		grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" "$t/status" || { fail "thread $(cat "$t/comm"): $(grep ^Uid "$t/status")"; ok=1; }
		[ "$t" = "/proc/$WPID/task/$WPID" ] && continue
		grep -q "^CapEff:\s*0000000000000000$" "$t/status" && grep -q "^CapPrm:\s*0000000000000000$" "$t/status" ||
			{ fail "thread $(cat "$t/comm") holds capabilities: $(grep -E '^Cap(Eff|Prm)' "$t/status" | tr '\n' ' ')"; ok=1; }
	done
	[ "$n" -ge 3 ] || { fail "only $n threads"; ok=1; }
	return $ok
}

# stop NAME: weirctl shutdown as root; weir exits 0 within 30 s
stop() {
	"$WEIRCTL" --socket "$TMP/$1.sock" shutdown >/dev/null || fail "weirctl shutdown"
	stop_wpid
	expect_eq "exit status after shutdown" "$rc" 0
}

test_offline_drop_reload_reopen_reconfigure() {
	need_root || return
	local uid gid ev
	uid=$(id -u "$RUN_USER")
	gid=$(id -g "$RUN_USER")
	mkdir -p "$TMP/log" "$TMP/cache"
	chown "$RUN_USER" "$TMP/log"
	cp "$SIGS" "$TMP/rules.sigs"
	printf 'rules:\n  files: [%s]\n' "$TMP/rules.sigs" >"$TMP/off.yaml"
	start off -c "$TMP/off.yaml" -r "$SAMPLE" -o "$TMP/log/eve.json" --keep-alive \
		--set "rules.cache-dir=$TMP/cache/db" || return
	check "ids and capabilities (pcap: none)" ids_ok "$uid" "$gid" 0000000000000000
	check "the socket is the user's" test "$(stat -c %U "$TMP/off.sock")" = "$RUN_USER"
	check "the output is the user's" test "$(stat -c %U "$TMP/log/eve.json")" = "$RUN_USER"
	check "the cache is the user's" test "$(stat -c %U "$TMP/cache/db")" = "$RUN_USER"
	check "log names the user and the capabilities" \
		grep -q "^weir: running as $RUN_USER:.* (uid $uid, gid $gid), capabilities kept: none" "$TMP/off.err"
	poll test -s "$TMP/log/eve.json" || fail "no events written"
	# reload: the reload thread reads the rules and writes the cache as the user
	check "reload after the drop" "$WEIRCTL" --socket "$TMP/off.sock" reload
	check "cache written by the user" poll test -n "$(find "$TMP/cache/db" -user "$RUN_USER" -type f)"
	# rotation: SIGUSR1, then weirctl reopen, each creates the file anew
	mv "$TMP/log/eve.json" "$TMP/log/eve.1"
	kill -USR1 "$WPID"
	check "SIGUSR1 reopens as the user" poll test -e "$TMP/log/eve.json"
	mv "$TMP/log/eve.json" "$TMP/log/eve.2"
	check "weirctl reopen after the drop" "$WEIRCTL" --socket "$TMP/off.sock" reopen
	check "reopened file is the user's" test "$(stat -c %U "$TMP/log/eve.json")" = "$RUN_USER"
	# reconfigure re-reads -c FILE as the user; pcap then has nothing to
	# apply (the same answer as without the drop), not a refused file
	"$WEIRCTL" --socket "$TMP/off.sock" reconfigure >"$TMP/off.reconf" 2>&1
	check "weirctl reconfigure after the drop" grep -q "nothing to change at run time" "$TMP/off.reconf"
	grep -q "refused; nothing changed" "$TMP/off.err" && fail "the configuration file was refused after the drop"
	check "still the user" ids_ok "$uid" "$gid" 0000000000000000
	stop off
}

# an output directory the user cannot write: said at once, and reopen
# fails with the reason (weirctl exits non-zero)
test_unwritable_output_dir_is_named() {
	need_root || return
	mkdir -p "$TMP/rootlog"
	start ro -r "$SAMPLE" -S "$SIGS" -o "$TMP/rootlog/eve.json" --keep-alive || return
	check "warning names the directory" \
		grep -q "output.jsonl: directory $TMP/rootlog is not writable by $RUN_USER" "$TMP/ro.err"
	mv "$TMP/rootlog/eve.json" "$TMP/rootlog/eve.1"
	"$WEIRCTL" --socket "$TMP/ro.sock" reopen >"$TMP/ro.reopen" 2>&1 &&
		fail "weirctl reopen succeeded into a directory the user cannot write"
	check "reopen says why" grep -qi "permission denied" "$TMP/ro.reopen" "$TMP/ro.err"
	stop ro
}

# dpdk keeps ipc_lock (14), sys_rawio (17) and net_admin (12)
test_dpdk_keeps_its_capabilities() {
	need_root || return
	start dp -S "$SIGS" -o /dev/null -i net_pcap0 -- "${EAL[@]}" --file-prefix "weir-priv-$$" \
		--vdev "net_pcap0,rx_pcap=$SAMPLE,infinite_rx=0" || return
	check "ids and capabilities (dpdk)" ids_ok "$(id -u "$RUN_USER")" "$(id -g "$RUN_USER")" \
		0000000000025000
	check "log names them" grep -q "capabilities kept: ipc_lock, sys_rawio, net_admin" "$TMP/dp.err"
	check "stats after the drop" "$WEIRCTL" --socket "$TMP/dp.sock" stats
	check "reload after the drop" "$WEIRCTL" --socket "$TMP/dp.sock" reload
	stop dp
}

# afxdp keeps dac_override (1), net_admin (12), sys_admin (21) and bpf
# (39): the counters (read by the control thread, which holds none) and a
# block list applied by reconfigure work after the drop, and the program
# is detached at exit
test_afxdp_keeps_its_capabilities() {
	need_root || return
	if ! "$WEIR" --help | grep -q 'afxdp.mode'; then
		skip "weir built without afxdp"
		return
	fi
	netns_fresh && veth_pair xv0 "$A_IP" xv1 "$B_IP" || { fail "namespace setup"; return; }
	printf 'capture:\n  driver: afxdp\nafxdp:\n  blocklist: []\n' >"$TMP/xd.yaml"
	ip netns exec "$NA" "$WEIR" -c "$TMP/xd.yaml" -S "$SIGS" -i xv0 -o /dev/null \
		--set "ctl.socket=$TMP/xd.sock" --set "run-as.user=$RUN_USER" \
		>"$TMP/xd.out" 2>"$TMP/xd.err" &
	WPID=$!
	poll grep -q '^weir: running as ' "$TMP/xd.err" ||
		{ fail "weir did not drop privileges"; grep -v '^EAL' "$TMP/xd.err" | tail -5; kill -9 "$WPID"; WPID=; return; }
	check "ids and capabilities (afxdp)" ids_ok "$(id -u "$RUN_USER")" "$(id -g "$RUN_USER")" \
		0000008000201002
	check "ping answered" poll eval 'ip netns exec "$NB" ping -c 1 -W 1 "$A_IP" >/dev/null 2>&1'
	"$WEIRCTL" --socket "$TMP/xd.sock" --json ports >"$TMP/xd.ports" 2>&1
	check "port counters read after the drop" python3 -c '
import json,sys; j=json.load(open(sys.argv[1])); assert j["ok"] and j["ports"], j' "$TMP/xd.ports"
	printf 'capture:\n  driver: afxdp\nafxdp:\n  blocklist: ["%s/32"]\n' "$B_IP" >"$TMP/xd.yaml"
	check "reconfigure after the drop" "$WEIRCTL" --socket "$TMP/xd.sock" reconfigure
	if ip netns exec "$NB" ping -c 2 -i 0.2 -W 1 "$A_IP" >/dev/null 2>&1; then
		fail "block list not applied after the drop"
	fi
	stop_wpid INT
	expect_eq "exit status" "$rc" 0
	if ip -n "$NA" -d link show dev xv0 | grep -q 'prog/xdp'; then
		fail "XDP program left on xv0: the kept capabilities could not detach it"
		grep -i xdp "$TMP/xd.err" | tail -3
	fi
	netns_cleanup
}

test_unknown_user_refused() {
	run_weir "$TMP/nu" -r "$SAMPLE" -S "$SIGS" -o /dev/null --set run-as.user=no-such-weir-user
	expect_eq "exit status" "$(cat "$TMP/nu.rc")" 1
	check "names the user" grep -q "run-as.user: no user 'no-such-weir-user'" "$TMP/nu.err"
	run_weir "$TMP/ng" -r "$SAMPLE" -S "$SIGS" -o /dev/null --set run-as.user=root \
		--set run-as.group=no-such-weir-group
	expect_eq "exit status" "$(cat "$TMP/ng.rc")" 1
	check "names the group" grep -q "run-as.group: no group 'no-such-weir-group'" "$TMP/ng.err"
}

# as USER: weirctl on socket NAME with ARGS; output in $TMP/NAME.USER.out
as() {
	local user=$1 name=$2
	shift 2
	runuser -u "$user" -- "$WEIRCTL" --socket "$TMP/$name.sock" "$@" >"$TMP/$name.$user.out" 2>&1
}

test_roles() {
	need_root || return
	start rl -r "$SAMPLE" -S "$SIGS" -o /dev/null --keep-alive --set ctl.mode=0666 \
		--set "ctl.admin-group=$ADM_GROUP" --set "ctl.monitor-group=$MON_GROUP" || return
	local c
	for c in stats latency "rules --top 3" version; do
		check "monitor: $c" as "$MON_USER" rl $c
		check "admin: $c" as "$ADM_USER" rl $c
	done
	for c in reload "disable 1010" "enable 1010" reconfigure reopen shutdown; do
		as "$MON_USER" rl $c
		expect_eq "monitor: $c exit status" "$?" 3
		check "monitor: $c refused by name" grep -q "permission denied: '${c%% *}' is an administration command and uid $(id -u "$MON_USER") has the monitoring role only" "$TMP/rl.$MON_USER.out"
	done
	check "weir still running" kill -0 "$WPID"
	for c in stats reload; do
		as "$NONE_USER" rl $c
		expect_eq "no role: $c exit status" "$?" 3
		check "no role: $c refused" grep -q "permission denied: uid $(id -u "$NONE_USER") is in neither ctl.admin-group '$ADM_GROUP' nor ctl.monitor-group '$MON_GROUP'" "$TMP/rl.$NONE_USER.out"
	done
	check "admin: reload" as "$ADM_USER" rl reload
	check "admin: disable" as "$ADM_USER" rl disable 1010
	check "admin: enable" as "$ADM_USER" rl enable 1010
	check "refusals audited with the peer" grep -q "ctl: reload by uid $(id -u "$MON_USER") pid [0-9]*: refused: permission denied" "$TMP/rl.err"
	check "admin audited with the peer" grep -q "ctl: disable sid 1010 by uid $(id -u "$ADM_USER") pid [0-9]*: done" "$TMP/rl.err"
	check "admin: shutdown" as "$ADM_USER" rl shutdown
	stop_wpid
	expect_eq "exit status after shutdown" "$rc" 0
}

ALL_TESTS="
	test_unknown_user_refused
	test_offline_drop_reload_reopen_reconfigure
	test_unwritable_output_dir_is_named
	test_dpdk_keeps_its_capabilities
	test_afxdp_keeps_its_capabilities
	test_roles
"
run_all
