#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The window oracle of mktxn.py on cases computed by hand from the
semantics of windows-spec.md (README "Stateful rules (windows)"): window
(t - W, t], expiry of time <= t - W, fire once (quiet until t >= tf + W)
and fire each, distinct, sum with a value that is no number, a missing
field, a late record, a reload that keeps one rule and resets another,
time fields. Run by test_windows.sh; standard library only."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mktxn  # noqa: E402

T0 = 1700000000


def rule(text):
    r = mktxn.parse_rule(text, "case")
    assert r is not None, text
    return r


class Stream:
    """Records, one packet each (its ACK): pcap_cnt 1, 2, ...; the packet
    of a record at T0 + at seconds (+ 0.5 ms), its ts field at T0 + at."""

    def __init__(self):
        self.recs = []

    def add(self, at, fmt="json", ts=None, **data):
        rec = {"fmt": fmt, "data": data, "id": len(self.recs),
               "ts_ms": int(round((T0 + (at if ts is None else ts)) * 1000)),
               "pcap_cnt": len(self.recs) + 1, "ack_us": int(round((T0 + at) * 1e6)) + 500}
        rec["req"] = mktxn.request_bytes(rec)
        self.recs.append(rec)
        mktxn.recs_time_before.table = {r["pcap_cnt"]: r["ack_us"] * 1000 for r in self.recs}
        return rec["pcap_cnt"]


def fired(alerts, sid=None):
    return [a["pcap_cnt"] for a in alerts if sid is None or a["sid"] == sid]


COUNT_ONCE = ('alert tcp any any -> any any (content:"\\"device\\""; field:device,json,device; '
              'field:ts,json,ts,time=epoch; window:key device, length 10s, count >= 2, '
              'time ts; sid:1; rev:1;)')
COUNT_EACH = COUNT_ONCE.replace("count >= 2,", "count >= 2, fire each,").replace(
    "sid:1;", "sid:2;")


class Windows(unittest.TestCase):
    def test_fire_once_quiet_for_w_then_again(self):
        s = Stream()
        a = s.add(11, device="d1")  # window {11}: 1
        b = s.add(12, device="d1")  # {11,12}: 2, fires (tf = 12)
        s.add(13, device="d1")      # {11,12,13}: 13 < 12 + 10, quiet
        d = s.add(22, device="d1")  # expire <= 12: {13,22}: 2, 22 >= tf + 10: fires
        alerts, c = mktxn.run_oracle([([rule(COUNT_ONCE)], s.recs)])
        self.assertEqual(fired(alerts), [b, d])
        self.assertNotIn(a, fired(alerts))
        self.assertEqual(alerts[1]["window"]["count"], 2)
        self.assertEqual(alerts[1]["window"]["first_ts_ns"], (T0 + 13) * mktxn.NS)
        self.assertEqual(alerts[1]["window"]["last_ts_ns"], (T0 + 22) * mktxn.NS)
        self.assertEqual(alerts[1]["window"]["length_s"], 10)
        self.assertEqual(c["window_observations"], 4)
        self.assertEqual(c["window_alerts"], 2)

    def test_expiry_is_inclusive_at_t_minus_w(self):
        s = Stream()
        s.add(1, device="d1")
        s.add(11, device="d1")  # 1 <= 11 - 10: expired, count 1
        c3 = s.add(11.001, device="d1")  # {11, 11.001}: 2
        alerts, _ = mktxn.run_oracle([([rule(COUNT_EACH)], s.recs)])
        self.assertEqual(fired(alerts), [c3])

    def test_fire_each(self):
        s = Stream()
        s.add(1, device="d1")
        x = s.add(2, device="d1")
        y = s.add(3, device="d1")
        s.add(20, device="d1")
        alerts, _ = mktxn.run_oracle([([rule(COUNT_EACH)], s.recs)])
        self.assertEqual(fired(alerts), [x, y])
        self.assertEqual([a["window"]["count"] for a in alerts], [2, 3])

    def test_keys_apart_and_sensitive_key_masked(self):
        r = rule('alert tcp any any -> any any (content:"card="; field:card,kv,card,sensitive; '
                 'field:city,kv,city,form; window:key card, length 10m, distinct(city) >= 3; '
                 'sid:3; rev:1;)')
        s = Stream()
        c1, c2 = "4111111111111111", "5425233430109903"
        s.add(0, "kv", card=c1, city="Paris")
        s.add(10, "kv", card=c2, city="Lyon")
        s.add(20, "kv", card=c1, city="Paris")  # a city again: distinct 1
        s.add(30, "kv", card=c2, city="Oslo")
        s.add(40, "kv", card=c1, city="S\u00e3o Paulo")  # form-encoded, decoded
        f = s.add(50, "kv", card=c1, city="New York")
        s.add(60, "kv", card=c2, city="New York")  # c2: 3 cities too, packet times
        alerts, _ = mktxn.run_oracle([([r], s.recs)])
        self.assertEqual(fired(alerts), [f, 7])
        self.assertEqual(alerts[0]["key"], {"card": "411111******1111"})
        self.assertEqual(alerts[0]["window"]["distinct_city"], 3)
        self.assertEqual(alerts[0]["window"]["count"], 4)
        self.assertEqual(alerts[1]["key"], {"card": "542523******9903"})
        self.assertIn(b"S%C3%A3o+Paulo", s.recs[4]["req"])

    def test_sum_bad_value_and_missing_field(self):
        r = rule('alert tcp any any -> any any (content:"\\"type\\":\\"withdrawal\\""; '
                 'field:card,json,card,sensitive; field:amount,json,amount; '
                 'window:key card, length 1h, sum(amount) > 100, min(amount) < 20; '
                 'sid:4; rev:1;)')
        s = Stream()
        card = "4111111111111111"
        s.add(0, card=card, type="withdrawal", amount=60.0)
        s.add(1, card=card, type="withdrawal", amount="n/a")  # bad: no observation
        s.add(2, type="withdrawal", amount=500.0)            # no card: missing
        s.add(3, card=card, type="purchase", amount=900.0)   # no match
        s.add(4, card=card, type="withdrawal", amount=40.25)  # 100.25, but min 40.25
        f = s.add(5, card=card, type="withdrawal", amount=0.5)
        alerts, c = mktxn.run_oracle([([r], s.recs)])
        self.assertEqual(fired(alerts), [f])
        self.assertEqual(alerts[0]["window"]["sum_amount"], 100.75)
        self.assertEqual(alerts[0]["window"]["min_amount"], 0.5)
        self.assertEqual(c["window_field_bad"], 1)
        self.assertEqual(c["window_field_missing"], 1)
        self.assertEqual(c["window_observations"], 3)

    def test_late_dropped_packet_time_not_late(self):
        s = Stream()
        s.add(1, device="d1")
        s.add(2, device="d2")
        s.add(3, ts=-864000, device="d1")  # ts ten days old: late, dropped
        e = s.add(4, device="d1")          # {1, 4}: fires, the late one absent
        alerts, c = mktxn.run_oracle([([rule(COUNT_ONCE)], s.recs)])
        self.assertEqual(fired(alerts), [e])
        self.assertEqual(alerts[0]["window"]["count"], 2)
        self.assertEqual(c["window_late"], 1)
        self.assertEqual(c["window_observations"], 4)
        # the same records with the packet's time: nothing is late
        pkt = rule(COUNT_ONCE.replace(", time ts", ""))
        alerts, c = mktxn.run_oracle([([pkt], s.recs)])
        self.assertEqual(c["window_late"], 0)
        self.assertEqual(fired(alerts), [3])

    def test_reload_keeps_unchanged_resets_changed(self):
        s = Stream()
        s.add(1, device="d1")
        split = len(s.recs)
        g = s.add(2, device="d1")
        p1, p2 = s.recs[:split], s.recs[split:]
        once, each = rule(COUNT_ONCE), rule(COUNT_EACH)
        each2 = rule(COUNT_EACH.replace("rev:1", "rev:2"))
        alerts, c = mktxn.run_oracle([([once, each], p1), ([once, each2], p2)])
        # sid 1 kept its observation at 1: fires at 2; sid 2 started afresh
        self.assertEqual([(a["sid"], a["pcap_cnt"]) for a in alerts], [(1, g)])
        self.assertEqual(alerts[0]["rev"], 1)
        self.assertEqual((c["window_reload_kept"], c["window_reload_reset"]), (1, 1))
        alerts, c = mktxn.run_oracle([([once, each], p1), ([once, each2], p2)], reset=True)
        self.assertEqual(alerts, [])
        self.assertEqual(c["window_reload_reset"], 2)

    def test_time_fields(self):
        self.assertEqual(mktxn.event_ns("1700000000.123", "epoch"), 1700000000123000000)
        self.assertEqual(mktxn.event_ns("1700000000", "epoch"), 1700000000 * mktxn.NS)
        self.assertEqual(mktxn.event_ns("1700000000123", "epoch_ms"), 1700000000123000000)
        self.assertEqual(mktxn.event_ns("2023-11-14T22:13:20Z", "iso8601"), T0 * mktxn.NS)
        self.assertEqual(mktxn.event_ns("2023-11-14T23:13:20.5+01:00", "iso8601"),
                         T0 * mktxn.NS + 500000000)
        self.assertIsNone(mktxn.event_ns("yesterday", "epoch"))
        self.assertEqual(mktxn.iso_ns("2023-11-14T22:13:20.000001+0000"), T0 * mktxn.NS + 1000)

    def test_mask_and_luhn(self):
        self.assertEqual(mktxn.mask("4111111111111111"), "411111******1111")
        self.assertEqual(mktxn.luhn_digit("411111111111111"), "1")

    def test_generated_stream_is_consistent(self):
        world, halves, pk1, pk2 = mktxn.generate(200, 20, 0, 3)
        recs = halves[0] + halves[1]
        self.assertEqual([p["num"] for p in pk1 + pk2], list(range(1, len(pk1) + len(pk2) + 1)))
        times = [p["t_us"] for p in pk1 + pk2]
        self.assertEqual(times, sorted(times))
        self.assertEqual(len(set(times)), len(times))
        for r in recs:
            # the event time is at or before every packet of its record
            self.assertLessEqual(r["t_ms"] * 1000, r["ack_us"])
            self.assertIn(r["data"]["card"], world.cards.all)
        self.assertTrue(any(r["late"] for r in recs))


if __name__ == "__main__":
    unittest.main()
