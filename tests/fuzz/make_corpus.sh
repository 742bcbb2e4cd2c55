#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the seed corpora of the fuzz targets from what the repository and
# ../shared/data hold; the output is not committed, CI makes it in the
# build directory:
#   tests/fuzz/make_corpus.sh OUTDIR [BUILDDIR]
# OUTDIR/<target>/ gets one file per seed. BUILDDIR (default: OUTDIR's
# parent) must hold a build of the tree: its tests/fuzz/fuzz_pcap_frames
# cuts frames out of captures, and its weir writes --dump-config.
#   fuzz_decode     every capture under ../shared/data/pcap and
#                   tests/data (pcap and pcapng, up to 64 frames each),
#                   one file per frame: a weir_l2 byte, then the frame
#   fuzz_sig_parse  Hyperscan's collider pcre files and bad_patterns.txt
#                   in chunks of lines, rules/examples, and pcre/content
#                   values of the Suricata/Snort rules under
#                   ../shared/data/rules turned into ID:/regex/flags lines
#   fuzz_conf       the YAML texts of tests/unit/app/test_conf.c and the
#                   integration tests, and weir --dump-config output
#   fuzz_suri_parse the active (and Snort's commented-out) rules of
#                   ../shared/data/rules in chunks of 8, as shipped and
#                   "relaxed" (app-layer protocol made tcp, flow removed,
#                   so the options reach the parser), and the committed
#                   regress/fuzz_suri_parse/ inputs
#   fuzz_flow       the committed regress/fuzz_flow/ programs (sessions,
#                   reuse, expiry, a full table, ICMP errors, bursts)
#   fuzz_stream     the committed regress/fuzz_stream/ programs (orders,
#                   overlaps, holes, FIN, depth, tiny pools)
#   fuzz_field      the committed regress/fuzz_field/ records (JSON with
#                   escapes and look-alike keys, key=value forms)
#   fuzz_window_ckpt the committed regress/fuzz_window_ckpt/ checkpoints
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 OUTDIR [BUILDDIR]" >&2
	exit 2
fi
out=$1
build=${2:-$(dirname "$out")}
src=$(cd "$(dirname "$0")/../.." && pwd)
data=${WEIR_SHARED_DATA:-$src/../shared/data}
frames=$build/tests/fuzz/fuzz_pcap_frames
weir=$build/weir

for f in "$frames" "$weir"; do
	if [ ! -x "$f" ]; then
		echo "make_corpus: $f not built (build the tree in $build first)" >&2
		exit 1
	fi
done
if [ ! -d "$data" ]; then
	echo "make_corpus: no shared data at $data (set WEIR_SHARED_DATA)" >&2
	exit 1
fi

rm -rf "$out/fuzz_decode" "$out/fuzz_sig_parse" "$out/fuzz_conf" "$out/fuzz_ctl" \
	"$out/fuzz_suri_parse" "$out/fuzz_flow" "$out/fuzz_stream" "$out/fuzz_field" "$out/fuzz_defrag" "$out/fuzz_window_ckpt"
mkdir -p "$out/fuzz_decode" "$out/fuzz_sig_parse" "$out/fuzz_conf" "$out/fuzz_ctl" \
	"$out/fuzz_suri_parse" "$out/fuzz_flow" "$out/fuzz_stream" "$out/fuzz_field" "$out/fuzz_defrag" "$out/fuzz_window_ckpt"

# --- frames
i=0
while IFS= read -r -d '' cap; do
	"$frames" "$cap" "$out/fuzz_decode" "cap$i" 64 2>/dev/null
	i=$((i + 1))
done < <(find "$data/pcap" "$src/tests/data" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z)

# --- rule lines and config texts (python3 is in tests/install-deps.sh)
python3 - "$out" "$data" "$src" <<'PY'
import glob, os, re, sys

out, data, src = sys.argv[1:4]
sig_dir = os.path.join(out, "fuzz_sig_parse")
conf_dir = os.path.join(out, "fuzz_conf")
n = 0

def put(d, text):
    global n
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, "seed-%05d" % n), "wb") as f:
        f.write(text)
    n += 1

def chunks(lines, k):
    for i in range(0, len(lines), k):
        yield b"".join(lines[i:i + k])

# Collider and bad_patterns lines are already ID:/regex/flags; chunks of
# a few lines give inputs with several rules (and duplicate IDs across
# chunks are left for the fuzzer to combine).
hs = os.path.join(data, "patterns", "hyperscan")
for path in sorted(glob.glob(os.path.join(hs, "collider", "pcre", "*.txt"))) + \
        [os.path.join(hs, "bad_patterns.txt")]:
    with open(path, "rb") as f:
        lines = f.readlines()
    for c in chunks(lines, 8):
        put(sig_dir, c)
for path in sorted(glob.glob(os.path.join(src, "rules", "examples", "*"))):
    with open(path, "rb") as f:
        put(sig_dir, f.read())

# Suricata and Snort rules: their pcre:"/re/flags" values are close to our
# format already; content:"..." values become literal patterns.
pcre_re = re.compile(rb'pcre:\s*"(/.*?/[a-zA-Z]*)"\s*;')
content_re = re.compile(rb'content:\s*"([^"]*)"\s*;')
sid = 5000000
lines = []
for path in sorted(glob.glob(os.path.join(data, "rules", "*", "*.rules"))):
    with open(path, "rb") as f:
        for rule in f:
            for m in pcre_re.finditer(rule):
                # Keep the flags we know; Snort's buffer flags (U, H, P...)
                # would only be refused.
                body, _, flags = m.group(1)[1:].rpartition(b"/")
                flags = bytes(c for c in flags if chr(c) in "imsH8WL")
                lines.append(b"%d:/%s/%s\n" % (sid, body, flags))
                sid += 1
            for m in content_re.finditer(rule):
                lit = re.sub(rb"\|([0-9A-Fa-f ]+)\|",
                             lambda h: b"".join(b"\\x" + x for x in h.group(1).split()),
                             m.group(1))
                lit = re.sub(rb"([.^$*+?()\[\]{}\\/|])", rb"\\\1", lit).replace(b"\\\\x", b"\\x")
                lines.append(b"%d:/%s/i\n" % (sid, lit))
                sid += 1
for c in chunks(lines[:4000], 16):
    put(sig_dir, c)

# Config: every YAML literal handed to load()/check_load_error() in the
# unit test, decoded from C string syntax, and the integration tests'
# heredocs.
with open(os.path.join(src, "tests", "unit", "app", "test_conf.c"), "rb") as f:
    text = f.read()
call_re = re.compile(rb'\b(?:load|check_load_error|write_yaml)\(\s*((?:"(?:[^"\\\n]|\\.)*"\s*)+)')
lit_re = re.compile(rb'"((?:[^"\\\n]|\\.)*)"')
for m in call_re.finditer(text):
    s = b"".join(lit_re.findall(m.group(1)))
    put(conf_dir, s.decode("unicode_escape").encode("latin-1"))
for path in sorted(glob.glob(os.path.join(src, "tests", "integration", "*.sh"))):
    with open(path, "rb") as f:
        for m in re.finditer(rb"<<['\"]?YAML['\"]?\n(.*?)\nYAML\n", f.read(), re.S):
            put(conf_dir, m.group(1) + b"\n")
PY

# weir's own --dump-config: the defaults, and with every kind of key set.
"$weir" --dump-config >"$out/fuzz_conf/dump-defaults.yaml"
"$weir" -w 4 -S a.sigs -S "b c.sigs" -o out.json -r x.pcap --set 'dpdk.eal-args=--vdev' \
	--set 'dpdk.eal-args=net_null0' --set log.level=debug --set 'capture.interface=é"\' \
	--dump-config >"$out/fuzz_conf/dump-set.yaml"

# stats-socket requests: the saved ones (every command, and broken JSON)
cp "$src"/tests/fuzz/regress/fuzz_ctl/* "$out/fuzz_ctl/"

# Suricata rules, whole: as shipped, and relaxed so that the options of
# app-layer and flow rules get past the header and reach the parser.
python3 - "$out/fuzz_suri_parse" "$data" <<'PY'
import glob, os, re, sys

out, data = sys.argv[1:3]
rules = []
for path in sorted(glob.glob(os.path.join(data, "rules", "*", "*.rules"))):
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b"# alert "):
                line = line[2:]
            if line.strip() and not line.lstrip().startswith(b"#"):
                rules.append(line)
relaxed = [re.sub(rb"flow: ?[^;]*; ?", b"", re.sub(rb"^(\w+) [a-z0-9-]+ ", rb"\1 tcp ", r))
           for r in rules]
n = 0
for group in (rules, relaxed):
    for i in range(0, len(group), 8):
        with open(os.path.join(out, "seed-%05d" % n), "wb") as f:
            f.write(b"".join(group[i:i + 8]))
        n += 1
PY
cp "$src"/tests/fuzz/regress/fuzz_suri_parse/* "$out/fuzz_suri_parse/"

# flow-table programs: the saved ones (tests/fuzz/regress/fuzz_flow/)
cp "$src"/tests/fuzz/regress/fuzz_flow/* "$out/fuzz_flow/"

# stream programs: the saved ones (tests/fuzz/regress/fuzz_stream/)
cp "$src"/tests/fuzz/regress/fuzz_stream/* "$out/fuzz_stream/"

# reassembly programs: the saved ones (tests/fuzz/regress/fuzz_defrag/)
mkdir -p "$out/fuzz_defrag"
cp "$src"/tests/fuzz/regress/fuzz_defrag/* "$out/fuzz_defrag/"

# field records: the saved ones (tests/fuzz/regress/fuzz_field/)
cp "$src"/tests/fuzz/regress/fuzz_field/* "$out/fuzz_field/"

# window checkpoints: the saved ones (tests/fuzz/regress/fuzz_window_ckpt/)
cp "$src"/tests/fuzz/regress/fuzz_window_ckpt/* "$out/fuzz_window_ckpt/"

for t in fuzz_decode fuzz_defrag fuzz_sig_parse fuzz_conf fuzz_ctl fuzz_suri_parse fuzz_flow fuzz_stream fuzz_field fuzz_window_ckpt; do
	echo "make_corpus: $out/$t: $(find "$out/$t" -type f | wc -l) seeds"
done
