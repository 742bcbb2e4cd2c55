#!/usr/bin/env python3
"""Validates every line of EVE JSON files against Suricata's EVE schema
(../shared/data/eve/suricata/schema.json, draft 2020-12), so an event weir
writes is one Suricata's own consumers accept. The schema allows no
top-level key Suricata does not write, and by default weir writes none:
every key of every line is held to it.

weir's own fields live under one key, "weir", which only the opt-in
outputs.weir-fields (README "Events and output") adds. ONLY for output
written with that key on, --weir-fields sets the "weir" object aside
(after checking it is an object) and holds the rest of the line to the
schema; without the flag a "weir" key fails like any other unknown key.
   eve_schema.py [--weir-fields] SCHEMA FILE...
exits 1 naming file:line and the first error of each bad line.
"""
import json
import sys

import jsonschema  # Debian python3-jsonschema (tests/install-deps.sh): run it with /usr/bin/python3


def main():
    args = sys.argv[1:]
    weir_fields = False
    if args and args[0] == "--weir-fields":
        weir_fields = True
        args = args[1:]
    if len(args) < 2:
        print(__doc__)
        return 2
    schema = json.load(open(args[0]))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema)
    n = bad = 0
    kinds = {}
    for path in args[1:]:
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
            if weir_fields:
                ext = ev.pop("weir", None)
                if not isinstance(ext, dict):
                    print("%s:%d: weir: missing or not an object (--weir-fields)" % (path, i))
                    bad += 1
                    continue
            kinds[ev.get("event_type")] = kinds.get(ev.get("event_type"), 0) + 1
            errs = sorted(v.iter_errors(ev), key=lambda e: list(e.path))
            if errs:
                e = errs[0]
                print("%s:%d: %s: %s" % (path, i, "/".join(map(str, e.path)) or "(top)",
                                         e.message))
                bad += 1
    if n == 0:
        print("eve_schema: no events in %s" % " ".join(args[1:]))
        return 1
    print("eve_schema: %d events (%s), %d invalid%s" %
          (n, ", ".join("%s %d" % (k, c) for k, c in sorted(kinds.items(), key=str)), bad,
           " (weir object set aside: --weir-fields)" if weir_fields else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
