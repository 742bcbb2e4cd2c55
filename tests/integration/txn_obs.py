#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The observation records weir sends to Kafka (windows.observations),
checked against the observations mktxn.py's oracle plants by construction.

  txn_obs.py expect TXNJSON RULES > EXPECTED.json
      every observation of the stream: one per (window rule, record whose
      needed fields are all there and parse), late ones included (a record
      is made where the observation is, before any owner decides
      lateness): sid, pcap_cnt of the packet that acknowledges the record,
      event time (ns), the key as weir renders it (a sensitive value
      masked) and the other fields the window's conditions use (a
      sum/min/max field as a number, the others as rendered text)
  txn_obs.py compare EXPECTED.json MSGS HOST [--lost N]
      MSGS: kafka_mock_peer's "PARTITION<TAB>KEY<TAB>VALUE" lines of the
      observations topic. Checks: every value is one JSON record of the
      documented schema; the Kafka key is the record's key_id; one key_id
      stands for one (sid, key) and the other way round; the records of a
      key_id are all on one partition; flow_id is set; host is HOST; and
      the records are the expected observations, each once (with --lost N:
      N of them missing, counted by weir as window_obs_ring_full, and no
      other difference). Prints every difference; exit 1 on any.
Standard library only.
"""
import collections
import json
import os
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mktxn  # noqa: E402  (the oracle: load_txn, load_rules, observe)

RECORD_KEYS = {"sid", "rev", "key_id", "key", "fields", "t_ns", "flow_id", "pcap_cnt", "host"}


def expected(txn, rules_path):
    d = mktxn.load_txn(txn)
    rules = mktxn.load_rules(rules_path)
    counters = collections.Counter()
    out = []
    for rec in d["parts"][0] + d["parts"][1]:
        for rule in rules:
            o = mktxn.observe(rule, rec, counters)
            if o is None:
                continue
            w = rule["window"]
            fields = {}
            for agg, fname, _op, _n in w["conds"]:
                if not fname or fname in w["key"] or fname in fields:
                    continue
                if agg in ("sum", "min", "max"):
                    fields[fname] = float(Fraction(o["vals"][fname]))
                else:
                    fields[fname] = mktxn.rendered(rule, fname, o["vals"][fname])
            out.append({"sid": rule["sid"], "rev": rule["rev"], "pcap_cnt": o["cnt"],
                        "t_ns": o["t"], "key": o["key"], "fields": fields})
    return out


def ident(r):
    # a number is a number: 74 and 74.0 are the same amount
    fields = {k: float(v) if isinstance(v, (int, float)) else v for k, v in r["fields"].items()}
    return json.dumps([r["sid"], r["rev"], r.get("pcap_cnt"), r["t_ns"], r["key"], fields],
                      sort_keys=True)


def compare(want, msgs, host, lost):
    bad = []
    got = []
    kid_of, who_of, part_of = {}, {}, {}
    for n, line in enumerate(open(msgs, encoding="utf-8"), 1):
        part, k, v = line.rstrip("\n").split("\t", 2)
        where = "%s:%d" % (msgs, n)
        try:
            r = json.loads(v)
        except ValueError as e:
            bad.append("%s: not JSON: %s" % (where, e))
            continue
        if not RECORD_KEYS >= set(r) or not {"sid", "rev", "key_id", "key", "fields", "t_ns",
                                             "flow_id"} <= set(r):
            bad.append("%s: members %s" % (where, sorted(r)))
            continue
        if k != r["key_id"] or len(k) != 16 or any(c not in "0123456789abcdef" for c in k):
            bad.append("%s: Kafka key %r, key_id %r" % (where, k, r["key_id"]))
        if not r["flow_id"]:
            bad.append("%s: no flow_id" % where)
        if r.get("host") != host:
            bad.append("%s: host %r, want %r" % (where, r.get("host"), host))
        who = json.dumps([r["sid"], r["key"]], sort_keys=True)
        if kid_of.setdefault(who, r["key_id"]) != r["key_id"]:
            bad.append("%s: %s has key_id %s and %s" % (where, who, kid_of[who], r["key_id"]))
        if who_of.setdefault(r["key_id"], who) != who:
            bad.append("%s: key_id %s stands for %s and %s" % (where, r["key_id"],
                                                              who_of[r["key_id"]], who))
        if part_of.setdefault(r["key_id"], part) != part:
            bad.append("%s: key_id %s on partitions %s and %s" % (where, r["key_id"],
                                                                 part_of[r["key_id"]], part))
        got.append(r)
    w = collections.Counter(ident(r) for r in want)
    g = collections.Counter(ident(r) for r in got)
    extra = g - w
    missing = w - g
    for x in list(extra)[:10]:
        bad.append("not planted (or twice): %s" % x)
    if sum(missing.values()) != lost:
        bad.append("%d planted observation(s) not consumed, %d counted lost" %
                   (sum(missing.values()), lost))
        for x in list(missing)[:10]:
            bad.append("missing: %s" % x)
    for b in bad[:40]:
        print(b)
    print("txn_obs: %d records consumed, %d planted, %d keys, %d partitions%s" % (
        len(got), len(want), len(who_of), len(set(part_of.values())),
        "" if not bad else ", %d problem(s)" % len(bad)))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 3 and argv[0] == "expect":
        json.dump(expected(argv[1], argv[2]), sys.stdout)
        sys.stdout.write("\n")
        return 0
    if len(argv) in (4, 6) and argv[0] == "compare":
        lost = int(argv[5]) if len(argv) == 6 and argv[4] == "--lost" else 0
        with open(argv[1], encoding="utf-8") as f:
            want = json.load(f)
        return compare(want, argv[2], argv[3], lost)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
