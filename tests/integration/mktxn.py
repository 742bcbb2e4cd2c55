#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Transaction streams for window rules (issue 18): a pcap and the alerts
the window semantics give on it, computed by an oracle of its own.

The stream: payment requests (HTTP-like POSTs, one TCP session each, or a
few per session with --flows) carrying one record each, in JSON

  {"event":"txn","data":{"card":"4111...","merchant":"m17","city":"Paris",
   "amount":125.50,"device":"d3","type":"purchase","status":"approved",
   "ts":1700000123.456,"at":"2023-11-14T23:15:23.456+01:00"}}

or key=value (x-www-form-urlencoded)

  card=4111...&merchant=m17&city=S%C3%A3o+Paulo&amount=125.50&device=d3&
  type=withdrawal&status=declined&ts=1700000123456

with background traffic and planted cases (a card in several cities, bursts
of declines at one merchant, card testing from one device, withdrawal
sprees), records cut across segments at chosen offsets (often inside the
card number or the rule's keyword), segments reordered within the flow,
late records (an event-time field ten days old) and many keys. Every
session has a handshake and ends with FINs, so weir streams it; the
server acknowledges a request with one packet (ACK and a small response),
which is where a stream rule's match is raised (stream.inspection: acked,
README "Stream rules"): that packet is the observation's packet.

Time. Record r's packets lie in [T_r, T_r + 1 ms); records are at least
20 ms apart; T_r is on a 1 ms grid and is the record's event-time field
(ts), so event times rise with the packets that carry them: an owner
never holds an observation newer than the one arriving, with 1 worker or
N (a worker's progress is below the packet it is working on). A late
record's ts is T_r - 10 days: late for every owner that applied anything,
and late records come only after the first 30 % of each half, so that
every owner has. No two event times of a stream differ by a window length
within 3 ms (the generator moves records apart), so that no
comparison at a window's edge depends on how a time was parsed; withdrawal
amounts are multiples of 0.25 (sums exact in binary floating point);
no two cards share their masked form (first 6 / last 4).

The oracle (independent of weir): for each window rule of a rules file
(its content: strings select the records, its field: and window: clauses
are read here from the spec in windows-spec.md), observations are made per
matching record, those late (event time below the owner's last applied
time, the watermark being the time of the previous packet: one worker,
windows.allowed-lateness 0) are counted and dropped (late-policy drop),
the others applied in (t, pcap_cnt, rule order) order, with the window
(t - W, t], expiry of time <= t - W, and fire once / each.

With N workers (what changes): observations reach their key's owner over
rings, in another order than the packets', and each owner holds them until
the watermark (the slowest worker's progress) passes their time, then
applies them in (t, pcap_cnt, seq) order. By the spec the alerts do not
change: (sid, key, completing packet) and the window objects are the same.
The generator's times make this hold whatever the schedule: no observation
can reach an owner after one with a later time was applied there (event
times rise with their packets, and a worker's progress stays below the
packet it works on), so nothing is late with N workers that is not late
with one; an ancient record is late under any schedule once its owner has
applied anything. What may differ: which worker's counter row counts an
observation (the totals are equal) and when an alert leaves, not what it
says. A reload
or restart is a list of phases (part 1, part 2) with the rule files of each:
rules whose (sid, rev, window and field clauses) are unchanged keep their
state; --reset drops all state between phases (a refused checkpoint).

Usage:
  mktxn.py gen OUTPREFIX [--records N] [--keys K] [--flows F] [--seed S] [--cuts C]
      writes OUTPREFIX.pcap (the whole stream), OUTPREFIX.1.pcap and
      OUTPREFIX.2.pcap (its two halves, each self-contained sessions;
      part 1 ends with 64 UDP packets no rule observes, see quiet_tail),
      OUTPREFIX.txn.json (the records, their packets and times: the
      oracle's input) and OUTPREFIX.cards (every card number used, one a
      line). F: sessions per half (default: one per record; fewer: each
      carries several records, interleaved with the others of its wave).
      C: at most C segment cuts per record (default 3; 0: whole records).
  mktxn.py expect TXNJSON RULES [--then RULES2] [--reset] > EXPECTED.json
      the window alerts and counters of the stream (one phase: the whole
      pcap; with --then/--reset: part 1 with RULES, part 2 with RULES2)
  mktxn.py plain TXNJSON RULES OUTRULES > EXPECTED.txt
      RULES without their field: and window: options (ordinary stream
      rules) into OUTRULES, and the "sid pcap_cnt" of their alerts: one per
      matching record, on the packet that acknowledges it
  mktxn.py compare EXPECTED.json EVE [EVE2 --offset N] [--hmac]
      compares weir's window alerts (EVE alerts with alert.context.window)
      with the expected ones, exactly: (sid, key, pcap_cnt) and the window
      object; EVE2's pcap_cnt (a second run on part 2) get N added. With
      --hmac, weir's sensitive key parts are HMAC tokens: each must stand
      for one card, one to one, where the oracle shows the card's mask.
      Prints every difference; exit 1 on any.
Standard library only.
"""
import argparse
import bisect
import collections
import datetime
import ipaddress
import json
import os
import random
import re
import sys
import urllib.parse
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkpcap  # noqa: E402  (build_frame, decode_content)

EPOCH0 = 1700000000  # 2023-11-14T22:13:20Z
NS = 1000000000
LATE_AGE_MS = 10 * 86400 * 1000
WINDOW_LENGTHS_S = (60, 300, 600, 3600)  # of the examples: edges kept clear
EDGE_MARGIN_MS = 3
CITIES = ["Paris", "Lyon", "Berlin", "Madrid", "New York", "S\u00e3o Paulo", "Z\u00fcrich",
          "London", "Tokyo", "Lagos", "Montr\u00e9al", "Oslo"]
BINS = ["411111", "400012", "453201", "542523", "555544", "601100", "356600", "491761"]
SERVER = ipaddress.ip_address("192.0.2.10")
SERVER_PORT = 8080


class GenError(Exception):
    pass


# ---- cards ------------------------------------------------------------------

def luhn_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def mask(card):
    """weir_field_mask of a card written as digits only: first 6, last 4."""
    return card[:6] + "*" * (len(card) - 10) + card[-4:]


class Cards:
    def __init__(self, rnd):
        self.rnd = rnd
        self.masks = set()
        self.all = []

    def new(self):
        while True:
            body = self.rnd.choice(BINS) + "".join(self.rnd.choice("0123456789")
                                                  for _ in range(9))
            card = body + luhn_digit(body)
            if mask(card) not in self.masks:
                self.masks.add(mask(card))
                self.all.append(card)
                return card


# ---- records ----------------------------------------------------------------

def json_body(rec):
    d = rec["data"]
    parts = []
    for k in ("card", "merchant", "city", "amount", "device", "type", "status"):
        if k not in d:
            continue
        v = d[k]
        if k == "amount" and not isinstance(v, str):
            parts.append('"amount":%.2f' % v)
        elif k == "amount":
            parts.append('"amount":"%s"' % v)
        else:
            # non-ASCII as \\u escapes: the extractor decodes them
            parts.append('"%s":%s' % (k, json.dumps(v, ensure_ascii=True)))
    parts.append('"ts":%d.%03d' % (rec["ts_ms"] // 1000, rec["ts_ms"] % 1000))
    # the same instant in ISO 8601, in a zone east of UTC
    local = datetime.datetime.fromtimestamp(rec["ts_ms"] // 1000 + 3600, tz=datetime.timezone.utc)
    parts.append('"at":"%s.%03d+01:00"' % (local.strftime("%Y-%m-%dT%H:%M:%S"),
                                            rec["ts_ms"] % 1000))
    return ('{"event":"txn","id":"t%d","data":{%s}}' % (rec["id"], ",".join(parts))).encode()


def kv_body(rec):
    d = rec["data"]
    parts = []
    for k in ("card", "merchant", "city", "amount", "device", "type", "status"):
        if k not in d:
            continue
        v = d[k]
        if k == "amount" and not isinstance(v, str):
            v = "%.2f" % v
        parts.append("%s=%s" % (k, urllib.parse.quote_plus(v)))
    parts.append("ts=%d" % rec["ts_ms"])
    return "&".join(parts).encode()


def request_bytes(rec):
    if rec["fmt"] == "json":
        body, ctype = json_body(rec), "application/json"
    else:
        body, ctype = kv_body(rec), "application/x-www-form-urlencoded"
    head = ("POST /v1/txn HTTP/1.1\r\nHost: pay.example\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n\r\n" % (ctype, len(body))).encode()
    return head + body


# ---- the stream -------------------------------------------------------------

class World:
    """Background populations and planted cases, per format."""

    def __init__(self, rnd, n_keys):
        self.rnd = rnd
        self.cards = Cards(rnd)
        self.pop = [self.cards.new() for _ in range(max(4, n_keys))]
        self.home = {c: rnd.choice(CITIES) for c in self.pop}
        self.merchants = ["m%d" % i for i in range(1, 41)]
        self.devices = ["d%d" % i for i in range(1, 61)]

    def background(self, fmt, t_ms):
        r = self.rnd
        card = r.choice(self.pop)
        d = {"card": card, "merchant": r.choice(self.merchants),
             "city": self.home[card] if r.random() < 0.9 else r.choice(CITIES),
             "device": r.choice(self.devices), "type": "purchase", "status": "approved"}
        if r.random() < 0.1:
            d["type"] = "withdrawal"
            d["amount"] = r.randrange(80, 2000) / 4.0
        else:
            d["amount"] = r.randrange(100, 40000) / 4.0
        if r.random() < 0.05:
            d["status"] = "declined"
        if r.random() < 0.01:
            del d["city"]  # window_field_missing for the city rules
        if d["type"] == "withdrawal" and r.random() < 0.03:
            d["amount"] = "n/a"  # window_field_bad for the sum rules
        return {"fmt": fmt, "t_ms": t_ms, "data": d}

    def plant(self, fmt, t0, kind, near_miss):
        """Records of one planted case starting at t0 (ms)."""
        r, out = self.rnd, []
        if kind == "cities":
            card = r.choice(self.pop)
            n = 3 if near_miss else r.choice([3, 4])
            span = 11 * 60000 if near_miss else r.randrange(60000, 540000)
            cities = r.sample(CITIES, n)
            for i in range(n):
                t = t0 + span * i // (n - 1)
                out.append({"card": card, "merchant": r.choice(self.merchants),
                            "city": cities[i], "amount": r.randrange(100, 4000) / 4.0,
                            "device": r.choice(self.devices), "type": "purchase",
                            "status": "approved", "t": t})
        elif kind == "declines":
            m = r.choice(self.merchants)
            n = 5 if near_miss else r.randrange(6, 10)
            for i in range(n):
                card = r.choice(self.pop)
                out.append({"card": card, "merchant": m, "city": self.home[card],
                            "amount": r.randrange(100, 4000) / 4.0,
                            "device": r.choice(self.devices), "type": "purchase",
                            "status": "declined", "t": t0 + i * r.randrange(3000, 8000)})
        elif kind == "testing":
            dev = r.choice(self.devices)
            n = 39 if near_miss else r.randrange(40, 46)
            t = t0
            for i in range(n):
                card = self.cards.new()  # fresh card numbers: many keys
                out.append({"card": card, "merchant": r.choice(self.merchants),
                            "city": r.choice(CITIES), "amount": 1.0, "device": dev,
                            "type": "purchase",
                            "status": "declined" if r.random() < 0.7 else "approved", "t": t})
                t += r.randrange(2000, 6000)
        elif kind == "withdrawals":
            card = r.choice(self.pop)
            n = r.randrange(4, 9)
            t = t0
            for i in range(n):
                amt = r.randrange(4000, 12000) / 4.0
                if near_miss:
                    amt = r.randrange(400, 4000) / 4.0
                out.append({"card": card, "merchant": r.choice(self.merchants),
                            "city": self.home[card], "amount": amt,
                            "device": r.choice(self.devices), "type": "withdrawal",
                            "status": "approved", "t": t})
                t += r.randrange(60000, 600000)
        recs = []
        for d in out:
            t = d.pop("t")
            recs.append({"fmt": fmt, "t_ms": t, "data": d})
        return recs


def half_records(world, n, start_ms, span_ms):
    r = world.rnd
    recs = []
    for _ in range(n):
        recs.append(world.background(r.choice(["json", "kv"]), start_ms + r.randrange(span_ms)))
    kinds = ["cities", "declines", "testing", "withdrawals"]
    n_cases = max(1, n // 400)
    for fmt in ("json", "kv"):
        for kind in kinds:
            for i in range(n_cases + 1):
                t0 = start_ms + r.randrange(max(1, span_ms - 3600000 if kind == "withdrawals"
                                               else span_ms - 700000))
                recs += world.plant(fmt, t0, kind, near_miss=(i == n_cases))
    recs.sort(key=lambda x: x["t_ms"])
    return recs


def space_out(recs, start_ms, gap_ms=20):
    """Event times on a 1 ms grid, at least gap_ms apart, and no two a
    window length apart within EDGE_MARGIN_MS."""
    t = start_ms
    for rec in recs:
        t = max(t, rec["t_ms"])
        rec["t_ms"] = t
        t += gap_ms
    for _ in range(1000):
        times = [x["t_ms"] for x in recs]
        moved = False
        for i, rec in enumerate(recs):
            for w in WINDOW_LENGTHS_S:
                lo = bisect.bisect_left(times, rec["t_ms"] - w * 1000 - EDGE_MARGIN_MS)
                hi = bisect.bisect_right(times, rec["t_ms"] - w * 1000 + EDGE_MARGIN_MS)
                if lo < hi:
                    # move this record and every later one on by 7 ms
                    for later in recs[i:]:
                        later["t_ms"] += 2 * EDGE_MARGIN_MS + 1
                    moved = True
                    break
            if moved:
                break
        if not moved:
            return
    raise GenError("could not keep event times clear of window edges")


class Session:
    def __init__(self, idx, part, rnd):
        self.client = ipaddress.ip_address("10.%d.%d.%d" % (1 + part, 1 + idx // 50000,
                                                           1 + (idx // 250) % 200))
        self.cport = 20000 + idx % 250 * 100 + part * 7 + idx // 25000
        self.cseq = rnd.randrange(1, 2 ** 31)
        self.sseq = rnd.randrange(1, 2 ** 31)
        self.open = False


def tcp(sess, to_server, flags, payload=b""):
    if to_server:
        src, dst, sp, dp, seq, ack = sess.client, SERVER, sess.cport, SERVER_PORT, sess.cseq, \
            sess.sseq
    else:
        src, dst, sp, dp, seq, ack = SERVER, sess.client, SERVER_PORT, sess.cport, sess.sseq, \
            sess.cseq
    return {"proto": "tcp", "src": src, "dst": dst, "sport": sp, "dport": dp,
            "opts": {"flags": flags, "seq": str(seq), "ack": str(ack)},
            "payload": payload, "where": "mktxn"}


def cut_points(req, rnd, max_cuts=3):
    """1 to max_cuts cut offsets, often inside the card number or a
    keyword (none with max_cuts 0: the record in one segment)."""
    if max_cuts <= 0:
        return []
    body_at = req.index(b"\r\n\r\n") + 4
    spots = []
    for needle in (b"card", b"\"card\"", b"declined", b"withdrawal", b"device", b"ts"):
        i = req.find(needle, body_at)
        if i >= 0:
            spots.append(i + rnd.randrange(1, len(needle)))
    m = re.search(rb"[0-9]{13,19}", req[body_at:])
    if m:
        spots.append(body_at + m.start() + rnd.randrange(1, m.end() - m.start()))
    n = rnd.randrange(1, max_cuts + 1)
    cuts = set()
    for _ in range(n):
        cuts.add(rnd.choice(spots) if spots and rnd.random() < 0.7
                 else rnd.randrange(1, len(req)))
    return sorted(c for c in cuts if 0 < c < len(req))


def build_half(recs, part, n_flows, rnd, cnt0, max_cuts=3):
    """Packets (with times in us) for one half; each record gets its ACK's
    pcap_cnt (1-based, counting from cnt0 + 1) and time."""
    n_flows = max(1, min(n_flows or len(recs), len(recs)))
    # sessions open in waves of `active` at a time, each carrying `per`
    # records interleaved in time with the others of its wave (so that
    # none idles past the flow timeout, 600 s for established TCP)
    per = -(-len(recs) // n_flows)
    active = min(8, n_flows)

    def flow_of(i):
        return i // (active * per) * active + i % active
    flows = {}
    last_of = {}
    for i in range(len(recs)):
        last_of[flow_of(i)] = i
    pkts = []
    for i, rec in enumerate(recs):
        f = flow_of(i)
        if f not in flows:
            flows[f] = Session(f, part, rnd)
        s = flows[f]
        t_us = rec["t_ms"] * 1000
        step = 40

        def emit(p, t_us=t_us):
            p["t_us"] = t_us + step * len(slot)
            slot.append(p)
        slot = []
        if not s.open:
            emit(tcp(s, True, "S"))
            s.cseq += 1
            emit(tcp(s, False, "SA"))
            s.sseq += 1
            emit(tcp(s, True, "A"))
            s.open = True
        req = request_bytes(rec)
        rec["req"] = req
        cuts = [0] + cut_points(req, rnd, max_cuts) + [len(req)]
        segs = []
        for a, b in zip(cuts, cuts[1:]):
            p = tcp(s, True, "PA", req[a:b])
            p["opts"]["seq"] = str((s.cseq + a) & 0xffffffff)
            segs.append(p)
        if len(segs) > 1 and rnd.random() < 0.6:
            rnd.shuffle(segs)
            if rnd.random() < 0.5:
                segs.reverse()
        for p in segs:
            emit(p)
        s.cseq = (s.cseq + len(req)) & 0xffffffff
        resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        ackp = tcp(s, False, "PA", resp)
        emit(ackp)
        rec["ack_index"] = len(pkts) + len(slot) - 1
        s.sseq = (s.sseq + len(resp)) & 0xffffffff
        emit(tcp(s, True, "A"))
        if last_of[f] == i:
            emit(tcp(s, True, "FA"))
            s.cseq += 1
            emit(tcp(s, False, "FA"))
            s.sseq += 1
            emit(tcp(s, True, "A"))
        if step * len(slot) >= 1000:
            raise GenError("record %d: too many packets for its millisecond" % i)
        pkts += slot
    for n, p in enumerate(pkts):
        p["num"] = cnt0 + n + 1
    for rec in recs:
        ack = pkts[rec.pop("ack_index")]
        rec["pcap_cnt"] = ack["num"]
        rec["ack_us"] = ack["t_us"]
        rec["client"] = "%s:%d" % (ack["dst"], ack["dport"])
    return pkts


QUIET_TAIL = 64


def quiet_tail(pkts):
    """QUIET_TAIL UDP packets no window rule observes, after part 1: a
    reader that blocks inside a burst on a pipe (test_windows.sh feeds
    part 1, reloads, then feeds part 2) holds back only packets that make
    no observation, and their times carry the watermark past part 1."""
    out = []
    t = pkts[-1]["t_us"] + 100000
    for i in range(QUIET_TAIL):
        out.append({"proto": "udp", "src": ipaddress.ip_address("10.250.0.1"),
                    "dst": ipaddress.ip_address("192.0.2.53"), "sport": 5353, "dport": 53,
                    "opts": {}, "payload": bytes(12), "where": "mktxn tail",
                    "num": pkts[-1]["num"] + i + 1, "t_us": t + i * 1000})
    return out


def write_pcap(pkts, path):
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for p in pkts:
            frame = mkpcap.build_frame(p)
            f.write(struct.pack("<IIII", p["t_us"] // 1000000, p["t_us"] % 1000000, len(frame),
                                len(frame)) + frame)


def generate(n_records, n_keys, n_flows, seed, max_cuts=3):
    rnd = random.Random(seed)
    world = World(rnd, n_keys)
    span_ms = max(2 * 3600 * 1000, n_records * 2000)
    halves = []
    start = EPOCH0 * 1000
    for part in (1, 2):
        recs = half_records(world, n_records // 2, start, span_ms)
        space_out(recs, start)
        start = recs[-1]["t_ms"] + 60000
        halves.append(recs)
    # keep the whole stream clear of window edges across the halves too
    allrecs = halves[0] + halves[1]
    space_out(allrecs, allrecs[0]["t_ms"])
    # late records: after the first 30 % of each half
    for recs in halves:
        for i, rec in enumerate(recs):
            rec["ts_ms"] = rec["t_ms"]
            rec["late"] = False
            if i >= len(recs) * 3 // 10 and rnd.random() < 0.02:
                rec["ts_ms"] = rec["t_ms"] - LATE_AGE_MS
                rec["late"] = True
    rid = 0
    for recs in halves:
        for rec in recs:
            rec["id"] = rid
            rid += 1
    pk1 = build_half(halves[0], 1, n_flows, rnd, 0, max_cuts)
    pk1 += quiet_tail(pk1)
    pk2 = build_half(halves[1], 2, n_flows, rnd, len(pk1), max_cuts)
    return world, halves, pk1, pk2


# ---- the oracle: rules ------------------------------------------------------

class RuleError(Exception):
    pass


DUR = {"s": 1, "m": 60, "h": 3600}


def split_options(body):
    """A rule's options as (name, value) in order; quotes and escapes kept."""
    out, i, n = [], 0, len(body)
    while i < n:
        while i < n and body[i].isspace():
            i += 1
        if i >= n:
            break
        j = i
        name_end = None
        inq = False
        while j < n:
            c = body[j]
            if c == "\\":
                j += 2
                continue
            if c == '"':
                inq = not inq
            elif c == ":" and name_end is None and not inq:
                name_end = j
            elif c == ";" and not inq:
                break
            j += 1
        opt = body[i:j]
        if name_end is None:
            out.append((opt.strip(), None))
        else:
            out.append((body[i:name_end].strip(), body[name_end + 1:j].strip()))
        i = j + 1
    return out


def parse_rule(line, where):
    m = re.match(r"\s*(alert|drop|pass|reject)\s+[^(]*\((.*)\)\s*$", line)
    if not m:
        return None
    opts = split_options(m.group(2))
    rule = {"contents": [], "fields": {}, "field_text": [], "window": None, "sid": None,
            "rev": 1, "where": where}
    for name, val in opts:
        if name == "content":
            if not (val.startswith('"') and val.endswith('"')):
                raise RuleError("%s: content must be quoted" % where)
            rule["contents"].append(mkpcap.decode_content(val[1:-1], where))
        elif name == "sid":
            rule["sid"] = int(val)
        elif name == "rev":
            rule["rev"] = int(val)
        elif name == "field":
            rule["field_text"].append(val)
            parts = [p.strip() for p in val.split(",")]
            if len(parts) < 3 or parts[1] not in ("json", "kv"):
                raise RuleError("%s: field: this oracle reads json and kv fields" % where)
            f = {"name": parts[0], "kind": parts[1], "key": parts[2], "sensitive": False,
                 "form": False, "sep": "=", "time": None}
            for p in parts[3:]:
                if p == "sensitive":
                    f["sensitive"] = True
                elif p == "form":
                    f["form"] = True
                elif p.startswith("sep="):
                    f["sep"] = p[4:]
                elif p.startswith("time="):
                    f["time"] = p[5:]
                else:
                    raise RuleError("%s: field: unknown option %r" % (where, p))
            rule["fields"][f["name"]] = f
        elif name == "window":
            rule["window_text"] = val
            rule["window"] = parse_window(val, where)
        elif name in ("msg", "flow", "classtype", "metadata", "reference", "priority"):
            pass
        else:
            raise RuleError("%s: this oracle does not know %r" % (where, name))
    if rule["window"] is None:
        return None
    w = rule["window"]
    for n in w["key"] + [c[1] for c in w["conds"] if c[1]] + ([w["time"]] if w["time"] else []):
        if n not in rule["fields"]:
            raise RuleError("%s: window names %r, no field: declares it" % (where, n))
    rule["ident"] = (rule["sid"], rule["rev"], rule["window_text"], tuple(rule["field_text"]))
    return rule


def parse_window(text, where):
    w = {"key": None, "length_ns": None, "conds": [], "fire_each": False, "time": None}
    for clause in (c.strip() for c in text.split(",")):
        m = re.fullmatch(r"key\s+([a-z_][a-z0-9_+]*)", clause)
        if m:
            w["key"] = m.group(1).split("+")
            continue
        m = re.fullmatch(r"length\s+(\d+)([smh])", clause)
        if m:
            w["length_ns"] = int(m.group(1)) * DUR[m.group(2)] * NS
            continue
        m = re.fullmatch(r"(count|sum|min|max|distinct)(?:\(([a-z_][a-z0-9_]*)\))?\s*"
                         r"(>=|<=|==|>|<)\s*([0-9]+(?:\.[0-9]+)?)", clause)
        if m:
            if (m.group(1) == "count") != (m.group(2) is None):
                raise RuleError("%s: bad condition %r" % (where, clause))
            w["conds"].append((m.group(1), m.group(2), m.group(3), Fraction(m.group(4))))
            continue
        m = re.fullmatch(r"fire\s+(once|each)", clause)
        if m:
            w["fire_each"] = m.group(1) == "each"
            continue
        m = re.fullmatch(r"time\s+([a-z_][a-z0-9_]*)", clause)
        if m:
            w["time"] = m.group(1)
            continue
        raise RuleError("%s: window: unknown clause %r" % (where, clause))
    if not w["key"] or not w["length_ns"] or not w["conds"]:
        raise RuleError("%s: window: key, length and a condition are required" % where)
    return w


def load_rules(path):
    rules, buf, start = [], "", 0
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            s = line.rstrip("\n")
            if not buf:
                start = lineno
                if not s.strip() or s.lstrip().startswith("#"):
                    continue
            if s.endswith("\\"):
                buf += s[:-1]
                continue
            buf += s
            r = parse_rule(buf, "%s:%d" % (path, start))
            buf = ""
            if r is not None:
                rules.append(r)
    return rules


# ---- the oracle: extraction and windows -------------------------------------

CONTAINER = object()  # a member whose value is an object or an array


def json_members(body):
    """(key, raw value text or decoded string) at any depth, in order."""
    out = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, (dict, list)):
                    out.append((k, CONTAINER))
                    walk(x)
                else:
                    out.append((k, x))
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(json.loads(body, parse_float=lambda s: ("num", s), parse_int=lambda s: ("num", s),
                    object_pairs_hook=dict))
    return out


def extract(rec, f):
    """('ok', value_str, is_number_literal) or ('missing',)."""
    body = rec["req"].split(b"\r\n\r\n", 1)[1]
    if f["kind"] == "json":
        for k, v in json_members(body.decode("utf-8")):
            if k == f["key"]:
                if v is CONTAINER:
                    return ("malformed",)
                if isinstance(v, tuple):
                    return ("ok", v[1])
                if isinstance(v, bool) or v is None:
                    return ("ok", json.dumps(v))
                return ("ok", v)
        return ("missing",)
    for pair in body.decode("latin-1").split("&"):
        k, sep, v = pair.partition(f["sep"])
        if sep and k == f["key"]:
            if f["form"]:
                v = urllib.parse.unquote_plus(v, encoding="utf-8")
            return ("ok", v)
    return ("missing",)


def number(text):
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", text):
        return None
    return Fraction(text)


ISO_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"
                    r"(Z|[+-]\d\d:\d\d)$")


def event_ns(text, fmt):
    """The time field as ns, or None."""
    if fmt == "epoch":
        n = number(text)
        return None if n is None else int(n * NS)
    if fmt == "epoch_ms":
        return int(text) * 1000000 if re.fullmatch(r"[0-9]+", text) else None
    m = ISO_RE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = (m.group(7) or "").ljust(9, "0")
    tz = m.group(8)
    off = 0 if tz == "Z" else (1 if tz[0] == "+" else -1) * (int(tz[1:3]) * 60 + int(tz[4:6]))
    base = datetime.datetime(y, mo, d, h, mi, s, tzinfo=datetime.timezone.utc)
    return (int(base.timestamp()) - off * 60) * NS + int(frac)


def rendered(rule, name, value):
    return mask(value) if rule["fields"][name]["sensitive"] else value


def observe(rule, rec, counters):
    """The observation of @rule on @rec, or None (counted)."""
    if not all(c in rec["req"] for c in rule["contents"]):
        return None
    w = rule["window"]
    needed = list(dict.fromkeys(w["key"] + [c[1] for c in w["conds"] if c[1]] +
                                ([w["time"]] if w["time"] else [])))
    vals = {}
    for name in needed:
        r = extract(rec, rule["fields"][name])
        if r[0] != "ok":
            counters["window_field_missing"] += 1
            return None
        vals[name] = r[1]
    for c in w["conds"]:
        if c[0] in ("sum", "min", "max") and number(vals[c[1]]) is None:
            counters["window_field_bad"] += 1
            return None
    if w["time"]:
        t = event_ns(vals[w["time"]], rule["fields"][w["time"]]["time"])
        if t is None:
            counters["window_field_bad"] += 1
            return None
    else:
        t = rec["ack_us"] * 1000
    key = {n: rendered(rule, n, vals[n]) for n in w["key"]}
    return {"t": t, "cnt": rec["pcap_cnt"], "key": key, "vals": vals}


def cmp(op, a, b):
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b, "==": a == b}[op]


def ns_iso(ns):
    dt = datetime.datetime.fromtimestamp(ns // NS, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (ns % NS)


class KeyState:
    def __init__(self):
        self.obs = collections.deque()
        self.fired_at = None


def apply(rule, ks, o, alerts):
    w = rule["window"]
    ks.obs.append(o)
    while ks.obs and ks.obs[0]["t"] <= o["t"] - w["length_ns"]:
        ks.obs.popleft()
    res = {"count": len(ks.obs)}
    ok = True
    for agg, fname, op, n in w["conds"]:
        if agg == "count":
            v = len(ks.obs)
        elif agg == "distinct":
            v = len({x["vals"][fname] for x in ks.obs})
        else:
            nums = [number(x["vals"][fname]) for x in ks.obs]
            v = sum(nums) if agg == "sum" else (min(nums) if agg == "min" else max(nums))
        if agg != "count":
            res["%s_%s" % (agg, fname)] = v
        ok = ok and cmp(op, Fraction(v), n)
    if not ok:
        return
    if not w["fire_each"] and ks.fired_at is not None and o["t"] < ks.fired_at + w["length_ns"]:
        return
    ks.fired_at = o["t"]
    win = {"key": o["key"], "length_s": w["length_ns"] // NS}
    for k, v in res.items():
        win[k] = int(v) if isinstance(v, int) or v.denominator == 1 and k.startswith(
            ("count", "distinct")) else float(v)
    win["first_ts_ns"] = ks.obs[0]["t"]
    win["last_ts_ns"] = ks.obs[-1]["t"]
    alerts.append({"sid": rule["sid"], "rev": rule["rev"], "pcap_cnt": o["cnt"],
                   "key": o["key"], "window": win})


def run_oracle(phases, reset=False):
    """phases: [(rules, records)]; records in pcap order with pcap_cnt,
    ack_us. Returns (alerts, counters)."""
    counters = collections.Counter({k: 0 for k in (
        "window_observations", "window_alerts", "window_late", "window_field_missing",
        "window_field_bad", "window_reload_kept", "window_reload_reset")})
    states = {}  # rule ident -> {key json: KeyState}
    alerts = []
    prev = None
    for pi, (rules, recs) in enumerate(phases):
        if prev is not None:
            new = {}
            for r in rules:
                if not reset and r["ident"] in prev:
                    new[r["ident"]] = states[r["ident"]]
                    counters["window_reload_kept"] += 1
                else:
                    new[r["ident"]] = {}
                    counters["window_reload_reset"] += 1
            states = new
        else:
            states = {r["ident"]: {} for r in rules}
        prev = {r["ident"] for r in rules}
        # one owner; what it has applied when each packet's observations
        # arrive: everything with t <= the previous packet's time
        made = []
        for rec in recs:
            for ri, rule in enumerate(rules):
                o = observe(rule, rec, counters)
                if o is not None:
                    counters["window_observations"] += 1
                    o["rule"] = ri
                    made.append(o)
        pending = []
        last_applied = 0 if pi == 0 or reset else last_applied
        applied = []
        made.sort(key=lambda o: o["cnt"])  # arrival order
        for o in made:
            # the watermark: the time of the packet before this one
            wm = recs_time_before(recs, o["cnt"])
            pending.sort(key=lambda x: (x["t"], x["cnt"], x["rule"]))
            while pending and pending[0]["t"] <= wm:
                x = pending.pop(0)
                last_applied = max(last_applied, x["t"])
                applied.append(x)
            if o["t"] < last_applied:
                counters["window_late"] += 1
                continue
            pending.append(o)
        pending.sort(key=lambda x: (x["t"], x["cnt"], x["rule"]))
        applied += pending
        if pending:
            last_applied = max(last_applied, pending[-1]["t"])
        for o in applied:
            rule = rules[o["rule"]]
            ks = states[rule["ident"]].setdefault(json.dumps(o["key"], sort_keys=True),
                                                  KeyState())
            apply(rule, ks, o, alerts)
    counters["window_alerts"] = len(alerts)
    return alerts, dict(counters)


def recs_time_before(recs, cnt):
    """The time (ns) of packet cnt - 1, from the records' packet table."""
    return recs_time_before.table.get(cnt - 1, 0)


recs_time_before.table = {}


# ---- commands ---------------------------------------------------------------

def cmd_gen(a):
    world, halves, pk1, pk2 = generate(a.records, a.keys, a.flows, a.seed, a.cuts)
    write_pcap(pk1, a.prefix + ".1.pcap")
    write_pcap(pk2, a.prefix + ".2.pcap")
    write_pcap(pk1 + pk2, a.prefix + ".pcap")
    times = {p["num"]: p["t_us"] * 1000 for p in pk1 + pk2}
    out = {"options": {"records": a.records, "keys": a.keys, "flows": a.flows, "seed": a.seed},
           "part1_packets": len(pk1), "part2_packets": len(pk2), "quiet_tail": QUIET_TAIL,
           "packet_ns": [times[i] for i in range(1, len(times) + 1)],
           "parts": [[{k: (v.decode("latin-1") if k == "req" else v) for k, v in r.items()}
                      for r in recs] for recs in halves]}
    with open(a.prefix + ".txn.json", "w", encoding="utf-8") as f:
        json.dump(out, f)
    with open(a.prefix + ".cards", "w", encoding="utf-8") as f:
        for c in world.cards.all:
            f.write(c + "\n")
    n = sum(len(h) for h in halves)
    print("mktxn: %d records (%d late), %d cards, %d+%d packets" % (
        n, sum(r["late"] for h in halves for r in h), len(world.cards.all), len(pk1), len(pk2)))
    return 0


def load_txn(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    for recs in d["parts"]:
        for r in recs:
            r["req"] = r["req"].encode("latin-1")
    recs_time_before.table = {i + 1: t for i, t in enumerate(d["packet_ns"])}
    return d


def alert_out(al):
    w = dict(al["window"])
    return {"sid": al["sid"], "rev": al["rev"], "pcap_cnt": al["pcap_cnt"], "key": al["key"],
            "window": w}


def cmd_expect(a):
    d = load_txn(a.txn)
    rules1 = load_rules(a.rules)
    if a.then or a.reset:
        rules2 = load_rules(a.then) if a.then else rules1
        phases = [(rules1, d["parts"][0]), (rules2, d["parts"][1])]
    else:
        phases = [(rules1, d["parts"][0] + d["parts"][1])]
    alerts, counters = run_oracle(phases, reset=a.reset)
    by_sid = collections.Counter(al["sid"] for al in alerts)
    json.dump({"alerts": [alert_out(al) for al in alerts], "counters": counters,
               "alerts_per_sid": {str(s): by_sid[s] for s in sorted(by_sid)},
               "sids": sorted({r["sid"] for p in phases for r in p[0]}),
               "part1_packets": d["part1_packets"]}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


def cmd_plain(a):
    """The window rules without field:/window: (ordinary stream rules),
    and the alerts they give: one per matching record, on its ACK."""
    d = load_txn(a.txn)
    rules = load_rules(a.rules)
    with open(a.out_rules, "w", encoding="utf-8") as f:
        with open(a.rules, encoding="utf-8") as src:
            text = src.read().replace("\\\n", "")
        for line in text.split("\n"):
            m = re.match(r"\s*(alert\s+[^(]*)\((.*)\)\s*$", line)
            if not m:
                continue
            keep = [o for o in re.findall(r'(?:[^;"\\]|\\.|"(?:[^"\\]|\\.)*")+;', m.group(2))
                    if not re.match(r"\s*(field|window)\s*:", o)]
            f.write("%s(%s)\n" % (m.group(1), " ".join(o.strip() for o in keep)))
    for recs in d["parts"]:
        for rec in recs:
            for r in rules:
                if all(c in rec["req"] for c in r["contents"]):
                    print(r["sid"], rec["pcap_cnt"])
    return 0


def iso_ns(s):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)$", s)
    if not m:
        raise ValueError("not an ISO 8601 time: %r" % s)
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    tz = m.group(3)
    off = 0 if tz == "Z" else (1 if tz[0] == "+" else -1) * (
        int(tz[1:3]) * 60 + int(tz[-2:]))
    return (int(base.timestamp()) - off * 60) * NS + int((m.group(2) or "").ljust(9, "0"))


def eve_window_alerts(path, offset):
    out = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            ev = json.loads(line)
            if ev.get("event_type") != "alert":
                continue
            w = ev.get("alert", {}).get("context", {}).get("window")
            if w is None:
                continue
            out.append({"sid": ev["alert"]["signature_id"], "rev": ev["alert"].get("rev"),
                        "pcap_cnt": (ev.get("pcap_cnt") or 0) + offset, "key": w.get("key"),
                        "window": w, "where": "%s:%d" % (path, n)})
    return out


def ident(al):
    return (al["sid"], json.dumps(al["key"], sort_keys=True), al["pcap_cnt"])


HMAC_RE = re.compile(r"hmac:[0-9a-f]{32}$")


def hmac_keys(want, got):
    """outputs.sensitive-rendering hmac: the oracle renders masks; weir's
    tokens must stand one to one for them (same card, same token; another
    card, another token). Rewrites @got's sensitive key parts into the
    masks they stand for; returns the problems."""
    problems, tok_of, mask_of = [], {}, {}
    by_pos = {}
    for al in want:
        by_pos.setdefault((al["sid"], al["pcap_cnt"]), []).append(al)
    for al in got:
        cands = by_pos.get((al["sid"], al["pcap_cnt"]), [])
        if len(cands) != 1 or not isinstance(al["key"], dict):
            continue
        w = cands[0]
        new = dict(al["key"])
        for name, v in al["key"].items():
            m = w["key"].get(name)
            if m is None or "*" not in m:
                continue
            if not isinstance(v, str) or not HMAC_RE.match(v):
                problems.append("%s: key %s is %r, not an hmac token" % (al["where"], name, v))
                continue
            if tok_of.setdefault(m, v) != v or mask_of.setdefault(v, m) != m:
                problems.append("%s: token %s stands for two cards (or a card has two)"
                                % (al["where"], v))
            new[name] = m
        al["key"] = new
        al["window"] = dict(al["window"], key=new)
    return problems


def compare_window(want, got):
    """The differences between an expected window object and weir's."""
    diffs = []
    for k, v in want.items():
        if k in ("first_ts_ns", "last_ts_ns"):
            name = k[:-3]
            if name not in got:
                diffs.append("%s absent" % name)
                continue
            try:
                g = iso_ns(got[name])
            except ValueError as e:
                diffs.append(str(e))
                continue
            if abs(g - v) > 1000:
                diffs.append("%s %s, want %s" % (name, got[name], ns_iso(v)))
        elif k not in got:
            diffs.append("%s absent (want %s)" % (k, json.dumps(v)))
        elif isinstance(v, float) or isinstance(got[k], float):
            if not isinstance(got[k], (int, float)) or abs(got[k] - v) > 1e-6 * max(1, abs(v)):
                diffs.append("%s %s, want %s" % (k, json.dumps(got[k]), json.dumps(v)))
        elif got[k] != v:
            diffs.append("%s %s, want %s" % (k, json.dumps(got[k]), json.dumps(v)))
    return diffs


def cmd_compare(a):
    with open(a.expected, encoding="utf-8") as f:
        exp = json.load(f)
    got = eve_window_alerts(a.eve, 0)
    if a.eve2:
        got += eve_window_alerts(a.eve2, a.offset)
    problems = hmac_keys(exp["alerts"], got) if a.hmac else []
    want = {}
    for al in exp["alerts"]:
        want.setdefault(ident(al), []).append(al)
    have = {}
    for al in got:
        have.setdefault(ident(al), []).append(al)
    for k in sorted(set(want) | set(have), key=lambda x: (x[2], x[0], x[1])):
        w, h = want.get(k, []), have.get(k, [])
        if len(w) != len(h):
            problems.append("sid %d key %s pcap_cnt %d: %d alert(s), want %d%s" % (
                k[0], k[1], k[2], len(h), len(w),
                " (%s)" % h[0]["where"] if h else
                " (window %s)" % json.dumps(w[0]["window"], sort_keys=True)))
            continue
        for x, y in zip(w, h):
            d = compare_window(x["window"], y["window"])
            if x.get("rev") is not None and y.get("rev") is not None and x["rev"] != y["rev"]:
                d.append("rev %s, want %s" % (y["rev"], x["rev"]))
            if d:
                problems.append("sid %d key %s pcap_cnt %d (%s): %s" % (
                    k[0], k[1], k[2], y["where"], "; ".join(d)))
    for p in problems:
        print(p)
    print("mktxn compare: %d expected, %d window alerts, %d difference(s)" % (
        len(exp["alerts"]), len(got), len(problems)))
    return 1 if problems else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("prefix")
    g.add_argument("--records", type=int, default=2000, help="background records (both halves)")
    g.add_argument("--keys", type=int, default=300, help="cards of the background population")
    g.add_argument("--flows", type=int, default=0, help="sessions per half (0: one per record)")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--cuts", type=int, default=3,
                   help="at most this many segment cuts per record (0: one segment each)")
    e = sub.add_parser("expect")
    e.add_argument("txn")
    e.add_argument("rules")
    e.add_argument("--then", help="the rules of part 2 (a reload between the halves)")
    e.add_argument("--reset", action="store_true", help="no state kept between the halves")
    pl = sub.add_parser("plain")
    pl.add_argument("txn")
    pl.add_argument("rules")
    pl.add_argument("out_rules")
    c = sub.add_parser("compare")
    c.add_argument("expected")
    c.add_argument("eve")
    c.add_argument("eve2", nargs="?")
    c.add_argument("--offset", type=int, default=0)
    c.add_argument("--hmac", action="store_true",
                   help="sensitive keys are hmac tokens, one per card")
    a = ap.parse_args(argv[1:])
    try:
        return {"gen": cmd_gen, "expect": cmd_expect, "compare": cmd_compare,
                "plain": cmd_plain}[a.cmd](a)
    except (GenError, RuleError, OSError, ValueError) as err:
        print("mktxn: %s" % err, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
