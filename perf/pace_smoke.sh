#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# weir-pace's smoke test (no timing asserted): weir-pace sends a weir-gen
# capture at 20,000 packets/s over a memif pair to weir (the memif server,
# --count), and weir must receive every packet and raise exactly the
# alerts weir-gen planted. It checks the load generator of the latency
# figures (issue 15) and weir's memif path end to end.
#   perf/pace_smoke.sh BUILD_DIR [WORK_DIR]
set -euo pipefail
build=$(cd "$1" && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work"
n=3000
gen=$build/perf/weir-gen pace=$build/perf/weir-pace weir=$build/weir
eal=(--no-huge --no-shconf -m 256 --no-pci --log-level=3)
sock=$work/pace.sock
fail() { echo "pace_smoke: FAIL: $*" >&2; exit 1; }

"$gen" --emit-rules literal -N 10 -s 3 -o "$work/lit10.sigs" >/dev/null
"$gen" -n $n -s 3 -f 0.05 -R "$work/lit10.sigs" -o "$work/cap.pcap" -e "$work/expected.tsv" >/dev/null
rm -f "$sock" "$work/out.jsonl"
timeout -s INT -k 10 120 "$weir" -S "$work/lit10.sigs" -o "$work/out.jsonl" -i net_memif0 -w 1 \
	--count $n -- "${eal[@]}" -l 0-1 --file-prefix "weir-pace-smoke-$$-w" \
	--vdev "net_memif0,role=server,socket=$sock,socket-abstract=no" >"$work/weir.log" 2>&1 &
wpid=$!
# Bounded wait until weir runs: its memif socket file exists from bind(),
# before listen(), and a memif client refused then never retries.
for _ in $(seq 600); do
	grep -q '^weir: running:' "$work/weir.log" && break
	kill -0 $wpid 2>/dev/null || break
	sleep 0.1
done
grep -q '^weir: running:' "$work/weir.log" || { cat "$work/weir.log" >&2; fail "weir did not start"; }
prc=0
timeout -k 10 100 "$pace" "${eal[@]}" -l 0 --file-prefix "weir-pace-smoke-$$-p" \
	--vdev "net_memif0,role=client,socket=$sock,socket-abstract=no" -- -r "$work/cap.pcap" -p 20000 -n $n \
	-t 60 -w 30 -x 60 -R 30000 >"$work/pace.log" 2>&1 || prc=$?
wrc=0
wait $wpid || wrc=$?
cat "$work/pace.log"
[ $prc -eq 0 ] || fail "weir-pace exited $prc"
[ $wrc -eq 0 ] || { cat "$work/weir.log" >&2; fail "weir exited $wrc"; }
grep -q "weir-pace: sent $n packets .* dropped 0 " "$work/pace.log" || fail "weir-pace did not send all $n"
rx=$(awk '/^ worker 0:/{w=1} w && /^  rx_packets:/{print $2; exit}' "$work/weir.log")
[ -n "$rx" ] || rx=$(awk '/^  rx_packets:/{print $2; exit}' "$work/weir.log")
[ "$rx" = "$n" ] || { cat "$work/weir.log" >&2; fail "weir received $rx of $n"; }
/usr/bin/python3 - "$work/out.jsonl" "$work/expected.tsv" <<'PY' || fail "alerts differ from weir-gen's"
import collections, json, sys
got = collections.Counter(json.loads(l)["alert"]["signature_id"] for l in open(sys.argv[1]) if l.strip())
want = {int(a): int(b) for a, b in (l.split() for l in open(sys.argv[2]) if l.strip())}
assert dict(got) == want, (dict(got), want)
print("pace_smoke: %d alerts over %d rules, as planted" % (sum(want.values()), len(want)))
PY
echo "pace_smoke: ok: $n packets over memif, every one received"
