#!/usr/bin/env python3
"""Validates every line of EVE JSON files against Suricata's EVE schema
(../shared/data/eve/suricata/schema.json, draft 2020-12), so an event weir
writes is one Suricata's own consumers accept. The schema allows no
top-level key Suricata does not write; weir's own fields live under one
key, "weir" (README "Events and output"), which is checked to be an object
and then set aside: every other key is held to Suricata's schema.
   eve_schema.py SCHEMA FILE...   exit 1 naming file:line and the first error
"""
import json
import sys

import jsonschema  # Debian python3-jsonschema (tests/install-deps.sh): run it with /usr/bin/python3


def main():
    schema = json.load(open(sys.argv[1]))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema)
    n = bad = 0
    for path in sys.argv[2:]:
        for i, line in enumerate(open(path), 1):
            if not line.strip():
                continue
            n += 1
            try:
                ev = json.loads(line)
            except ValueError as e:
                print("%s:%d: not JSON: %s" % (path, i, e))
                bad += 1
                continue
            ext = ev.pop("weir", {})
            if not isinstance(ext, dict):
                print("%s:%d: weir: not an object" % (path, i))
                bad += 1
                continue
            errs = sorted(v.iter_errors(ev), key=lambda e: list(e.path))
            if errs:
                e = errs[0]
                print("%s:%d: %s: %s" % (path, i, "/".join(map(str, e.path)) or "(top)",
                                         e.message))
                bad += 1
    if n == 0:
        print("eve_schema: no events in %s" % " ".join(sys.argv[2:]))
        return 1
    print("eve_schema: %d events, %d invalid" % (n, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
