#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Golden rule specs -> pcap, rules and expectations; EVE alerts <- compare.

A spec (tests/data/golden/*.spec) is one text file holding rules, packets
and the alerts Suricata raises for each packet. Line kinds:

  # comment                     (whole lines only; rules may contain '#')
  set: KEY=VALUE                weir --set, e.g. vars.address-groups.HOME_NET=[10.0.0.0/8]
  rule: alert tcp ... (...)     one rule, as in a .rules file
  threshold: ENTRY              one threshold.config line (suppress ...,
                                threshold ..., event_filter ...): written to
                                OUTPREFIX.threshold.config, given to weir as
                                --set threshold-file=
  packet N: PROTO SRC -> DST [key=value...] [PAYLOAD]
  expect N: SID[,SID...]        the sids alerted on packet N, or `none`
  eve N: SID PATH=JSON          every alert of SID on packet N has this EVE
                                field (PATH dotted: alert.metadata, proto,
                                icmp_type) equal to the JSON value;
                                `eve N: SID !PATH` says the field is absent
  flows: shared                 packets may share flows (sessions: flow:,
                                flowbits); must come before the packets
  session N: tcp CLI -> SRV [cuts=every|K,K...] [order=rev] [end=ack|flow]
             [expect=SID,SID|none] PAYLOAD
                                TCP sessions cut into segments, written as
                                packets N, N+1, ... (needs flows: shared):
                                SYN, SYN/ACK, ACK (seq 1000 and 5000), then
                                PAYLOAD from the client in segments ending
                                at offsets K (cuts=every: one session per
                                offset 1..len-1, the client port + 0, 1,
                                2, ...), sent last first with order=rev;
                                then the server's ACK of every byte
                                (end=ack, the default), or nothing: the flow
                                ends with the capture (end=flow). expect=
                                is the sids alerted on the session's last
                                packet (the ACK releasing the bytes, or the
                                last segment, whose time a flow-end alert
                                has); the session's other packets expect
                                none. The next line's packet number is the
                                one after the last session packet.

Packets are numbered 1, 2, 3... in file order (the number is written out so
expectations stay readable); packet N is written with timestamp N seconds,
or at=SECONDS when given, so an alert's timestamp names its packet (no
two packets may have the same time).

  PROTO     tcp | udp | icmp | gre | ip    (icmp over IPv6 is ICMPv6)
  SRC, DST  1.2.3.4:80, [2001:db8::1]:80, or without :port for icmp/gre/ip
  key=value tcp: flags=PA (letters FSRPAUEC, default PA), seq=, ack=,
            win= (window, default 65535), mss= (adds an MSS option),
            tfo= (a TCP Fast Open option: req = kind 34 without cookie,
            cookie = kind 34 with an 8-byte cookie, exp = experimental
            kind 254 with magic 0xF989, expcookie = the same with a cookie)
            icmp: type= code= (default 8/0), id= seq= (echo identifier and
            sequence, 16 bits each, default 0 and the packet number),
            mtu= (32 bits in place of id and seq: ICMPv6 packet too big)
            gre: ptype= (GRE protocol type, default 0x88b5: a local
            experimental ethertype no decoder follows into a tunnel)
            ip: proto= (IP protocol number)
            any: ttl=, csum=bad (wrong L4 checksum; default: correct),
            IPv4: tos=, id= (default the packet number; for icmp it is the
            echo id, ipid= is the IP one), ipflags= (letters RDM),
            fragoff= (offset in 8-byte units), ipopts=HEX (option bytes,
            padded with EOL to a multiple of 4);
            IPv6: frag6=OFF[M] (a fragment header, offset in 8-byte units)
            vlan=ID[,ID...] (802.1Q tags, outermost first, ids 0..4095)
            nsh=FORM (a Network Service Header between the link header and
            the IP packet, ethertype 0x894F: 1, 2 = MD type 1 or 2; 1e, 2e
            with an Ethernet header inside; v1, md0, md3, np4, badlen: the
            broken or unsupported headers of nsh_wrap())
            frag=OFF[:LEN][M] (IPv4 and IPv6, any protocol): one fragment
            of the datagram the line describes (its L4 header and
            checksum computed over the whole): the LEN bytes (default: to
            the end) from byte OFF*8 of the IP payload, at fragment offset
            OFF, with more-fragments when M; id= (default the packet
            number) names the datagram, IPv6 too. The fragments of one
            datagram may share its flow; its other lines may carry other
            bytes (overlaps), as long as the datagram keeps its length
            at=SECONDS (the packet's time instead of N: idle gaps for flow
            timeouts; a decimal number, may go backwards, unique)
            broken packets (decoder events), applied to the built frame:
            ipver=N (the IP version nibble), ihl=N (IPv4 header length in
            4-byte words), iplen=N (IPv4 total length, IPv6 payload
            length), thl=N (tcp: data offset in 4-byte words), udplen=N
            (udp: its length field), caplen=N (the record keeps the first
            N bytes of the frame, as a short snaplen). An alert on such a
            packet may lack the addresses (no valid IP layer: Suricata
            writes no tuple) and has ports 0 or none (no valid L4 header)
  PAYLOAD   Suricata content syntax in double quotes: text, |hex bytes|,
            escapes \\" \\\\ \\; \\:, optionally followed by *N (repeat);
            several quoted parts are concatenated. No payload: empty.

Every packet must be a flow of its own (a distinct 5-tuple in either
direction; ICMP keyed by type and id): Suricata applies a `pass` to the
rest of its flow and inspects IP-only rules once per flow direction, and
with one packet per flow its per-packet verdicts are what single-packet
matching must reproduce. A spec about flows themselves (flow:, flowbits)
says `flows: shared` and writes whole sessions instead; its rules then use
flow:...,no_stream so that Suricata inspects each packet, not the
reassembled stream (which it would inspect later, when data is acked).
Every alert's pcap_cnt is checked against its packet's number: packet N
is the file's N-th record, so Suricata's pcap_cnt for it is N (and a
stream alert raised at the flow's end, on no packet, has none); an alert
on a packet decoded through a tunnel or rebuilt from fragments has it in
its tunnel object instead (tunnel.pcap_cnt), as Suricata writes it.
Stream rules (flow:only_stream) alert on the packet whose ACK releases
the bytes: `compare` takes an alert with "stream": 1 whose endpoints are
that packet's reversed as that packet's (the alert names the bytes'
sender); one raised at the flow's end has the flow's last packet's time.

Usage:
  mkpcap.py build SPEC OUTPREFIX
      writes OUTPREFIX.pcap, OUTPREFIX.rules, OUTPREFIX.args (one --set
      argument per line) and OUTPREFIX.expect ("N sid,sid" lines)
  mkpcap.py compare SPEC EVEFILE
      compares the EVE alerts with the spec, per packet; prints a diff and
      exits 1 on any difference
  mkpcap.py count SPEC
      prints "packets alerts" (the expected totals)
Standard library only.
"""
import datetime
import os
import ipaddress
import json
import re
import struct
import sys

ETH_SRC = bytes.fromhex("020000000001")
ETH_DST = bytes.fromhex("020000000002")
TCP_FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20,
                 "E": 0x40, "C": 0x80}


class SpecError(Exception):
    pass


def decode_content(text, where):
    """The bytes of a Suricata content string (without the quotes)."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "|":
            j = text.find("|", i + 1)
            if j < 0:
                raise SpecError("%s: '|' hex block never closed" % where)
            hexs = text[i + 1:j].replace(" ", "")
            if len(hexs) % 2 or not re.fullmatch(r"[0-9A-Fa-f]*", hexs):
                raise SpecError("%s: bad hex block |%s|" % (where, text[i + 1:j]))
            out += bytes.fromhex(hexs)
            i = j + 1
        elif c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in '"\\;:':
                raise SpecError("%s: bad escape in %r" % (where, text))
            out += text[i + 1].encode()
            i += 2
        else:
            out += c.encode("latin-1")
            i += 1
    return bytes(out)


def tokenize(s, where):
    """Blank-separated tokens; a token may hold "quoted" parts with \\" inside."""
    toks, i, n = [], 0, len(s)
    while i < n:
        if s[i].isspace():
            i += 1
            continue
        j = i
        while j < n and not s[j].isspace():
            if s[j] == '"':
                j += 1
                while j < n and s[j] != '"':
                    j += 2 if s[j] == "\\" else 1
                if j >= n:
                    raise SpecError("%s: unbalanced quote" % where)
            j += 1
        toks.append(s[i:j])
        i = j
    return toks


def parse_payload(tok, where):
    """'"abc"', '"ab"*3', '"a""|00|"': the bytes."""
    out = b""
    i = 0
    while i < len(tok):
        if tok[i] != '"':
            raise SpecError("%s: payload part must be quoted: %r" % (where, tok))
        j = i + 1
        while tok[j] != '"':
            j += 2 if tok[j] == "\\" else 1
        part = decode_content(tok[i + 1:j], where)
        i = j + 1
        m = re.match(r"\*(\d+)", tok[i:])
        if m:
            part *= int(m.group(1))
            i += len(m.group(0))
        out += part
    return out


def parse_endpoint(tok, want_port, where):
    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?", tok) or \
        re.fullmatch(r"([0-9.]+)(?::(\d+))?", tok)
    if not m:
        raise SpecError("%s: bad address %r" % (where, tok))
    try:
        ip = ipaddress.ip_address(m.group(1))
    except ValueError as e:
        raise SpecError("%s: %s" % (where, e))
    port = m.group(2)
    if want_port and port is None:
        raise SpecError("%s: %r needs a port" % (where, tok))
    if not want_port and port is not None:
        raise SpecError("%s: %r: this protocol has no ports" % (where, tok))
    if port is not None and not 0 <= int(port) <= 65535:
        raise SpecError("%s: port out of range in %r" % (where, tok))
    return ip, int(port) if port is not None else None


def parse_packet(num, text, where):
    toks = tokenize(text, where)
    if len(toks) < 4 or toks[2] != "->":
        raise SpecError("%s: expected 'PROTO SRC -> DST ...'" % where)
    proto = toks[0]
    if proto not in ("tcp", "udp", "icmp", "gre", "ip"):
        raise SpecError("%s: unknown protocol %r" % (where, proto))
    ports = proto in ("tcp", "udp")
    src, sport = parse_endpoint(toks[1], ports, where)
    dst, dport = parse_endpoint(toks[3], ports, where)
    if src.version != dst.version:
        raise SpecError("%s: mixed IPv4 and IPv6" % where)
    pkt = {"num": num, "proto": proto, "src": src, "dst": dst, "sport": sport,
           "dport": dport, "opts": {}, "payload": b"", "where": where}
    payload_seen = False
    for t in toks[4:]:
        if t.startswith('"'):
            pkt["payload"] += parse_payload(t, where)
            payload_seen = True
            continue
        if payload_seen or "=" not in t:
            raise SpecError("%s: unexpected %r" % (where, t))
        k, v = t.split("=", 1)
        allowed = {"tcp": {"flags", "seq", "ack", "win", "mss", "id", "tfo"}, "udp": {"id"},
                   "icmp": {"type", "code", "id", "seq", "mtu", "ipid"}, "gre": {"ptype", "id"},
                   "ip": {"proto", "id"}}[proto] | {"ttl", "csum", "at", "tos", "ipflags",
                                                    "fragoff", "ipopts", "frag6", "vlan", "frag", "nsh",
                                                    "ipver", "ihl", "iplen", "caplen"}
        if proto == "tcp":
            allowed = allowed | {"thl"}
        if proto == "udp":
            allowed = allowed | {"udplen"}
        if k not in allowed:
            raise SpecError("%s: option %r does not apply to %s" % (where, k, proto))
        pkt["opts"][k] = v
    if "frag" in pkt["opts"]:
        m = re.fullmatch(r"(\d+)(?::(\d+))?(M?)", pkt["opts"]["frag"])
        if not m:
            raise SpecError("%s: frag=OFF[:LEN][M]" % where)
        if {"fragoff", "frag6", "ipflags"} & set(pkt["opts"]):
            raise SpecError("%s: frag= builds the fragment fields itself" % where)
        pkt["frag"] = (int(m.group(1)), None if m.group(2) is None else int(m.group(2)),
                       bool(m.group(3)))
    if proto == "ip" and "proto" not in pkt["opts"]:
        raise SpecError("%s: ip packets need proto=N" % where)
    pkt["time"] = float(num)
    if "at" in pkt["opts"]:
        try:
            pkt["time"] = float(pkt["opts"]["at"])
        except ValueError:
            raise SpecError("%s: at= takes seconds, not %r" % (where, pkt["opts"]["at"]))
        if not 0 <= pkt["time"] < 2 ** 32:
            raise SpecError("%s: at=%s out of range" % (where, pkt["opts"]["at"]))
    return pkt


def parse_sids(text, where):
    text = text.strip()
    if text == "none":
        return []
    sids = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise SpecError("%s: bad sid %r (want N[,N...] or none)" % (where, part))
        sids.append(int(part))
    if len(set(sids)) != len(sids):
        raise SpecError("%s: a sid listed twice" % where)
    return sorted(sids)


def flow_key(p):
    """What Suricata keys a flow by, direction-free."""
    if p["proto"] in ("tcp", "udp"):
        a, b = (str(p["src"]), p["sport"]), (str(p["dst"]), p["dport"])
        return (p["proto"],) + tuple(sorted([a, b]))
    if p["proto"] == "icmp":
        return ("icmp", tuple(sorted([str(p["src"]), str(p["dst"])])),
                int(p["opts"].get("id", "0"), 0), int(p["opts"].get("type", "8"), 0))
    proto = 47 if p["proto"] == "gre" else int(p["opts"]["proto"], 0)
    return ("ip", proto, tuple(sorted([str(p["src"]), str(p["dst"])])))


def frag_id(p):
    """The datagram's identification: id= (icmp over IPv4: ipid=)."""
    key = "ipid" if p["proto"] == "icmp" and p["src"].version == 4 else "id"
    return int(p["opts"].get(key, str(p["num"])), 0)


def same_datagram(a, b):
    """Two fragments of one datagram (frag=): they share its flow."""
    return "frag" in a and "frag" in b and a["src"] == b["src"] and a["dst"] == b["dst"] and \
        frag_id(a) == frag_id(b)


def expand_session(num, text, where):
    """A session: line -> [(packet, expected sids)], numbered from num."""
    toks = tokenize(text, where)
    if len(toks) < 5 or toks[0] != "tcp" or toks[2] != "->":
        raise SpecError("%s: session: tcp CLI -> SRV [options] PAYLOAD" % where)
    cli, cport = parse_endpoint(toks[1], True, where)
    parse_endpoint(toks[3], True, where)
    opts, payload = {}, b""
    for t in toks[4:]:
        if t.startswith('"'):
            payload += parse_payload(t, where)
        elif "=" in t and not payload:
            k, v = t.split("=", 1)
            if k not in ("cuts", "order", "end", "expect"):
                raise SpecError("%s: session: unknown option %r" % (where, k))
            opts[k] = v
        else:
            raise SpecError("%s: session: unexpected %r" % (where, t))
    if len(payload) < 2:
        raise SpecError("%s: session: a payload of 2 bytes or more" % where)
    if opts.get("order", "io") not in ("io", "rev") or opts.get("end", "ack") not in ("ack", "flow"):
        raise SpecError("%s: session: order=rev, end=ack|flow" % where)
    want = parse_sids(opts.get("expect", "none"), where)
    cuts = opts.get("cuts", "")
    if cuts == "every":
        plans = [[k] for k in range(1, len(payload))]
    else:
        try:
            plan = [int(k) for k in cuts.split(",")] if cuts else []
        except ValueError:
            raise SpecError("%s: session: cuts=every or offsets" % where)
        if plan != sorted(set(plan)) or any(not 0 < k < len(payload) for k in plan):
            raise SpecError("%s: session: cuts must rise inside the payload" % where)
        plans = [plan]
    out = []
    for i, plan in enumerate(plans):
        port = cport + i
        if port > 65535:
            raise SpecError("%s: session: client ports past 65535" % where)
        c = "%s:%d" % ("[%s]" % cli if cli.version == 6 else cli, port)
        s = toks[3]
        bounds = [0] + plan + [len(payload)]
        segs = [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]
        if opts.get("order") == "rev":
            segs.reverse()
        lines = [("%s -> %s flags=S seq=1000" % (c, s), b""),
                 ("%s -> %s flags=SA seq=5000 ack=1001" % (s, c), b""),
                 ("%s -> %s flags=A seq=1001 ack=5001" % (c, s), b"")]
        for a, b in segs:
            lines.append(("%s -> %s flags=PA seq=%d ack=5001" % (c, s, 1001 + a),
                          payload[a:b]))
        if opts.get("end", "ack") == "ack":
            lines.append(("%s -> %s flags=A seq=5001 ack=%d" % (s, c, 1001 + len(payload)),
                          b""))
        for k, (line, data) in enumerate(lines):
            n = num + len(out)
            p = parse_packet(n, "tcp " + line, where)
            p["payload"] = data
            out.append((p, want if k == len(lines) - 1 else []))
    return out


def parse_spec(path):
    spec = {"sets": [], "rules": [], "packets": [], "expect": {}, "path": path,
            "shared_flows": False, "threshold": [], "eve": []}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    flows = {}
    times = {}
    for lineno, line in enumerate(lines, 1):
        where = "%s:%d" % (path, lineno)
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = re.match(r"(set|rule|threshold|flows|packet\s+(\d+)|expect\s+(\d+)|eve\s+(\d+)"
                     r"|session\s+(\d+))\s*:\s*(.*)$", s)
        if not m:
            raise SpecError("%s: unknown line (want set:, rule:, threshold:, flows:, packet N:, "
                            "expect N:, eve N:, session N:)"
                            % where)
        kind, body = m.group(1).split()[0], m.group(6)
        if kind == "eve":
            e = re.match(r"(\d+)\s+(!?)([A-Za-z_][A-Za-z0-9_.]*)(?:=(.*))?$", body)
            if not e or (e.group(2) == "") == (e.group(4) is None):
                raise SpecError("%s: eve N: SID PATH=JSON or eve N: SID !PATH" % where)
            try:
                val = json.loads(e.group(4)) if e.group(4) is not None else None
            except ValueError as err:
                raise SpecError("%s: eve: bad JSON value (%s)" % (where, err))
            spec["eve"].append((int(m.group(4)), int(e.group(1)), e.group(3),
                                e.group(2) == "!", val, where))
            continue
        if kind == "flows":
            if body != "shared" or spec["packets"]:
                raise SpecError("%s: flows: shared, before the first packet" % where)
            spec["shared_flows"] = True
        elif kind == "set":
            if "=" not in body:
                raise SpecError("%s: set: needs KEY=VALUE" % where)
            spec["sets"].append(body)
        elif kind == "rule":
            spec["rules"].append((lineno, body))
        elif kind == "threshold":
            spec["threshold"].append(body)
        elif kind == "session":
            num = int(m.group(5))
            if num != len(spec["packets"]) + 1:
                raise SpecError("%s: session %d out of order (expected %d)"
                                % (where, num, len(spec["packets"]) + 1))
            if not spec["shared_flows"]:
                raise SpecError("%s: session: needs flows: shared" % where)
            for p, want in expand_session(num, body, where):
                if p["num"] in spec["expect"]:
                    raise SpecError("%s: second expectation for packet %d" % (where, p["num"]))
                spec["expect"][p["num"]] = want
                spec["packets"].append(p)
        elif kind == "packet":
            num = int(m.group(2))
            if num != len(spec["packets"]) + 1:
                raise SpecError("%s: packet %d out of order (expected %d)"
                                % (where, num, len(spec["packets"]) + 1))
            p = parse_packet(num, body, where)
            k = flow_key(p)
            if k in flows and not spec["shared_flows"] and \
                    not same_datagram(spec["packets"][flows[k] - 1], p):
                raise SpecError("%s: packet %d is in the flow of packet %d; give every "
                                "packet a flow of its own" % (where, num, flows[k]))
            flows[k] = num
            t = round(p["time"], 6)
            if t in times:
                raise SpecError("%s: packet %d has the time of packet %d; an alert's time "
                                "must name one packet" % (where, num, times[t]))
            times[t] = num
            spec["packets"].append(p)
        else:
            num = int(m.group(3))
            if num in spec["expect"]:
                raise SpecError("%s: second expectation for packet %d" % (where, num))
            spec["expect"][num] = parse_sids(body, where)
    n = len(spec["packets"])
    for num, sid, _, _, _, where in spec["eve"]:
        if sid not in spec["expect"].get(num, []):
            raise SpecError("%s: eve: packet %d is not expected to alert sid %d"
                            % (where, num, sid))
    for num in spec["expect"]:
        if not 1 <= num <= n:
            raise SpecError("%s: expectation for packet %d, which does not exist" % (path, num))
    missing = [i for i in range(1, n + 1) if i not in spec["expect"]]
    if missing:
        raise SpecError("%s: no expectation for packet(s) %s" % (path, missing))
    if not spec["rules"] or not n:
        raise SpecError("%s: a spec needs rules and packets" % path)
    return spec


# ---- packet building -------------------------------------------------------

def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def pseudo_header(src, dst, proto, length):
    if src.version == 4:
        return src.packed + dst.packed + struct.pack("!BBH", 0, proto, length)
    return src.packed + dst.packed + struct.pack("!IxxxB", length, proto)


def build_l4(p):
    proto, o, payload = p["proto"], p["opts"], p["payload"]
    v6 = p["src"].version == 6
    if proto == "tcp":
        flags = 0
        for ch in o.get("flags", "PA"):
            if ch not in TCP_FLAG_BITS:
                raise SpecError("%s: bad TCP flag %r" % (p["where"], ch))
            flags |= TCP_FLAG_BITS[ch]
        opts = b""
        if "mss" in o:
            opts = struct.pack("!BBH", 2, 4, int(o["mss"], 0))
        if "tfo" in o:
            cookie = bytes(range(0xc0, 0xc8))
            tfo = {"req": b"\x22\x02", "cookie": b"\x22\x0a" + cookie,
                   "exp": b"\xfe\x04\xf9\x89",
                   "expcookie": b"\xfe\x0c\xf9\x89" + cookie}.get(o["tfo"])
            if tfo is None:
                raise SpecError("%s: tfo= takes req, cookie, exp or expcookie" % p["where"])
            opts += tfo + b"\x01" * (-len(tfo) % 4)  # NOP padding
        hdr = struct.pack("!HHIIBBHHH", p["sport"], p["dport"],
                          int(o.get("seq", "1000"), 0), int(o.get("ack", "1"), 0),
                          (5 + len(opts) // 4) << 4, flags, int(o.get("win", "65535"), 0),
                          0, 0) + opts
        ipproto = 6
        seg = hdr + payload
        ck = csum16(pseudo_header(p["src"], p["dst"], 6, len(seg)) + seg)
        seg = seg[:16] + struct.pack("!H", ck) + seg[18:]
        ck_off = 16
    elif proto == "udp":
        ipproto = 17
        seg = struct.pack("!HHHH", p["sport"], p["dport"], 8 + len(payload), 0) + payload
        ck = csum16(pseudo_header(p["src"], p["dst"], 17, len(seg)) + seg) or 0xffff
        seg = seg[:6] + struct.pack("!H", ck) + seg[8:]
        ck_off = 6
    elif proto == "icmp":
        ipproto = 58 if v6 else 1
        typ = int(o.get("type", "128" if v6 else "8"), 0)
        if "mtu" in o:
            rest = struct.pack("!I", int(o["mtu"], 0))
        else:
            rest = struct.pack("!HH", int(o.get("id", "0"), 0),
                               int(o.get("seq", str(p["num"])), 0))
        seg = struct.pack("!BBH", typ, int(o.get("code", "0"), 0), 0) + rest + payload
        if v6:
            ck = csum16(pseudo_header(p["src"], p["dst"], 58, len(seg)) + seg)
        else:
            ck = csum16(seg)
        seg = seg[:2] + struct.pack("!H", ck) + seg[4:]
        ck_off = 2
    elif proto == "gre":
        ipproto = 47
        seg = struct.pack("!HH", 0, int(o.get("ptype", "0x88b5"), 0)) + payload
        ck_off = None
    else:
        ipproto = int(o["proto"], 0)
        seg = payload
        ck_off = None
    if o.get("csum") == "bad" and ck_off is not None:
        bad = struct.unpack("!H", seg[ck_off:ck_off + 2])[0] ^ 0x5555
        seg = seg[:ck_off] + struct.pack("!H", bad) + seg[ck_off + 2:]
    elif "csum" in o and o["csum"] != "bad":
        raise SpecError("%s: csum= takes only 'bad'" % p["where"])
    return ipproto, seg


def build_frame(p):
    ipproto, seg = build_l4(p)
    o = p["opts"]
    fragfield = None
    if "frag" in p:
        off, ln, more = p["frag"]
        if off * 8 >= len(seg) or (ln is not None and (ln == 0 or off * 8 + ln > len(seg))):
            raise SpecError("%s: frag= outside the %d-byte datagram" % (p["where"], len(seg)))
        seg = seg[off * 8:] if ln is None else seg[off * 8:off * 8 + ln]
        fragfield = (off, more)
    ttl = int(o.get("ttl", "64"), 0)
    if p["src"].version == 4:
        if "frag6" in o:
            raise SpecError("%s: frag6= is for IPv6" % p["where"])
        opts = bytes.fromhex(o.get("ipopts", ""))
        opts += b"\0" * (-len(opts) % 4)
        if len(opts) > 40:
            raise SpecError("%s: at most 40 bytes of IP options" % p["where"])
        total = 20 + len(opts) + len(seg)
        if total > 65535:
            raise SpecError("%s: packet too large" % p["where"])
        ipid = o.get("ipid" if p["proto"] == "icmp" else "id", str(p["num"] & 0xffff))
        off = int(o.get("fragoff", "0"), 0)
        if fragfield is not None:
            off = fragfield[0] | (0x2000 if fragfield[1] else 0)
        for ch in o.get("ipflags", ""):
            if ch not in "RDM":
                raise SpecError("%s: bad IP flag %r (RDM)" % (p["where"], ch))
            off |= {"R": 0x8000, "D": 0x4000, "M": 0x2000}[ch]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45 + len(opts) // 4, int(o.get("tos", "0"), 0),
                         total, int(ipid, 0), off, ttl, ipproto, 0, p["src"].packed,
                         p["dst"].packed) + opts
        ip = ip[:10] + struct.pack("!H", csum16(ip)) + ip[12:]
        ethertype = 0x0800
    else:
        for k in ("tos", "ipid", "ipflags", "fragoff", "ipopts"):
            if k in o or (k == "ipid" and "id" in o and p["proto"] != "icmp" and
                          fragfield is None):
                raise SpecError("%s: %s= is for IPv4" % (p["where"], k))
        nh, ext = ipproto, b""
        if fragfield is not None:
            ext = struct.pack("!BBHI", ipproto, 0, fragfield[0] << 3 | (1 if fragfield[1] else 0),
                              frag_id(p))
            nh = 44
        if "frag6" in o:
            m = re.fullmatch(r"(\d+)(M?)", o["frag6"])
            if not m:
                raise SpecError("%s: frag6=OFF[M]" % p["where"])
            ext = struct.pack("!BBHI", ipproto, 0, int(m.group(1)) << 3 | (1 if m.group(2) else 0),
                              p["num"])
            nh = 44
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(ext) + len(seg), nh, ttl,
                         p["src"].packed, p["dst"].packed) + ext
        ethertype = 0x86DD
    if "nsh" in o:
        ip, ethertype = nsh_wrap(o["nsh"], ip + seg, ethertype, p["where"]), 0x894F
        seg = b""
    tags = b""
    for v in (o["vlan"].split(",") if "vlan" in o else []):
        vid = int(v, 0)
        if not 0 <= vid <= 4095:
            raise SpecError("%s: vlan id %r out of 0..4095" % (p["where"], v))
        tags += struct.pack("!HH", 0x8100, vid)
    frame = ETH_DST + ETH_SRC + tags + struct.pack("!H", ethertype) + ip + seg
    return break_frame(p, bytearray(frame), 14 + len(tags), len(ip))


BREAK_OPTS = ("ipver", "ihl", "iplen", "thl", "udplen", "caplen")


def break_frame(p, f, l3, iphl):
    """The broken-packet options (decoder events): fields overwritten in
    the built frame at @l3 (its IP header, @iphl bytes with options or
    extension headers); caplen= is applied when the record is written."""
    o = p["opts"]
    v4 = p["src"].version == 4
    try:
        if "thl" in o:
            f[l3 + iphl + 12] = (int(o["thl"], 0) & 0xf) << 4 | (f[l3 + iphl + 12] & 0x0f)
        if "udplen" in o:
            struct.pack_into("!H", f, l3 + iphl + 4, int(o["udplen"], 0))
        if "iplen" in o:
            struct.pack_into("!H", f, l3 + (2 if v4 else 4), int(o["iplen"], 0))
        if "ihl" in o:
            if not v4:
                raise SpecError("%s: ihl= is for IPv4" % p["where"])
            f[l3] = (f[l3] & 0xf0) | (int(o["ihl"], 0) & 0x0f)
        if "ipver" in o:
            f[l3] = (int(o["ipver"], 0) & 0x0f) << 4 | (f[l3] & 0x0f)
    except (ValueError, struct.error) as e:
        raise SpecError("%s: bad broken-packet option (%s)" % (p["where"], e))
    if v4 and any(k in o for k in ("ihl", "iplen", "ipver")):
        f[l3 + 10:l3 + 12] = b"\0\0"
        f[l3 + 10:l3 + 12] = struct.pack("!H", csum16(bytes(f[l3:l3 + iphl])))
    return bytes(f)


NSH_FORMS = ("1", "2", "1e", "2e", "v1", "md0", "md3", "np4", "badlen")


def nsh_wrap(form, ippkt, ethertype, where):
    """A Network Service Header (RFC 8300) before the IP packet: base
    header (version 0, TTL 63, length in 4-byte words, MD type, next
    protocol), service path (SPI 1, SI 255), MD type 1's 16 bytes of
    context. 1/2: MD type 1 or 2 carrying the IP packet; 1e/2e: the same
    with an Ethernet header between; v1: version 1; md0/md3: MD types 0
    (reserved) and 3 (unknown); np4: next protocol 4 (NSH, which Suricata
    does not decode); badlen: MD type 1 whose length says 20 bytes."""
    if form not in NSH_FORMS:
        raise SpecError("%s: nsh= takes one of %s" % (where, ", ".join(NSH_FORMS)))
    md = 1 if form[0] in "1b" else 3 if form == "md3" else 0 if form == "md0" else 2
    inner = ippkt
    np = 1 if ethertype == 0x0800 else 2
    if form.endswith("e"):
        inner = ETH_DST + ETH_SRC + struct.pack("!H", ethertype) + ippkt
        np = 3
    if form == "np4":
        np = 4
    ctx = b"\0" * 16 if md == 1 else b""
    words = (8 + len(ctx)) // 4 - (1 if form == "badlen" else 0)
    ver = 1 if form == "v1" else 0
    ttl = 63
    base = struct.pack("!HBB", ver << 14 | ttl << 6 | words, md, np)
    return base + struct.pack("!I", 1 << 8 | 255) + ctx + inner


def write_pcap(packets, path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for p in packets:
            frame = build_frame(p)
            usec = int(round(p["time"] * 1e6))
            cap = len(frame)
            if "caplen" in p["opts"]:
                cap = min(cap, int(p["opts"]["caplen"], 0))
            f.write(struct.pack("<IIII", usec // 1000000, usec % 1000000, cap,
                                len(frame)) + frame[:cap])


# ---- EVE comparison ----------------------------------------------------------

def eve_seconds(ts):
    """Packet time of an EVE timestamp (2024-01-02T03:04:05.000000+0000)."""
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z")
    return t.timestamp()


def describe(p):
    def ep(ip, port):
        a = "[%s]" % ip if ip.version == 6 else str(ip)
        return a if port is None else "%s:%d" % (a, port)
    pl = p["payload"]
    show = pl[:48].decode("latin-1").encode("unicode_escape").decode()
    return "%s %s -> %s %d bytes \"%s%s\"" % (p["proto"], ep(p["src"], p["sport"]),
                                             ep(p["dst"], p["dport"]), len(pl), show,
                                             "..." if len(pl) > 48 else "")


def carried(p, ev):
    """The alert's addresses are both inside the packet's payload."""
    try:
        a = ipaddress.ip_address(ev.get("src_ip", "")).packed
        b = ipaddress.ip_address(ev.get("dest_ip", "")).packed
    except ValueError:
        return False
    return a in p["payload"] and b in p["payload"]


def check_pcap_cnt(lineno, num, ev):
    """Packet num is the file's record num: Suricata's pcap_cnt for it, on
    the alert, or in its tunnel object when the alert is on a packet found
    inside it or rebuilt from fragments (a pseudo packet has no record of
    its own: PacketTunnelPktSetup and PacketDefragPktSetup do not copy
    pcap_cnt, AlertJsonTunnel writes the root's)."""
    if "tunnel" in ev:
        where, got = "tunnel.pcap_cnt", ev["tunnel"].get("pcap_cnt")
        if "pcap_cnt" in ev:
            return ["EVE line %d: an alert with a tunnel object has pcap_cnt %s"
                    % (lineno, ev["pcap_cnt"])]
    else:
        where, got = "pcap_cnt", ev.get("pcap_cnt")
    want = None if ev.get("pkt_src") == "stream (flow timeout)" else num
    if got != want:
        return ["EVE line %d: packet %d is the file's record %d, %s says %s"
                % (lineno, num, num, where, got)]
    return []


def compare(spec, eve_path):
    packets = {p["num"]: p for p in spec["packets"]}
    by_time = {round(p["time"], 6): p["num"] for p in spec["packets"]}
    got = {n: [] for n in packets}
    events = {}  # (packet, sid) -> the alerts
    problems = []
    with open(eve_path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            try:
                ev = json.loads(line)
            except ValueError as e:
                problems.append("EVE line %d: not JSON (%s)" % (lineno, e))
                continue
            if ev.get("event_type") != "alert":
                problems.append("EVE line %d: event_type %r" % (lineno, ev.get("event_type")))
                continue
            secs = eve_seconds(ev["timestamp"])
            num = by_time.get(round(secs, 6))
            if num is None:
                problems.append("EVE line %d: timestamp %s names no packet"
                                % (lineno, ev["timestamp"]))
                continue
            p = packets[num]
            if ev.get("stream") == 1 and ev.get("pkt_src") == "wire/pcap" and \
                    ev.get("src_ip") == str(p["dst"]) and ev.get("dest_ip") == str(p["src"]) and \
                    ev.get("src_port") == p["dport"] and ev.get("dest_port") == p["sport"]:
                # a stream alert on the ACK that released the other
                # side's bytes: the alert names the bytes' sender
                got[num].append(ev["alert"]["signature_id"])
                events.setdefault((num, ev["alert"]["signature_id"]), []).append(ev)
                if ev.get("pcap_cnt") != num:
                    problems.append("EVE line %d: packet %d is the file's record %d, "
                                    "pcap_cnt says %s" % (lineno, num, num, ev.get("pcap_cnt")))
                continue
            if (ev.get("src_ip") != str(p["src"]) or ev.get("dest_ip") != str(p["dst"])) and \
                    carried(p, ev):
                # an alert on the packet inside a tunnel (tunnels.spec): its
                # addresses are bytes of this packet's payload
                got[num].append(ev["alert"]["signature_id"])
                events.setdefault((num, ev["alert"]["signature_id"]), []).append(ev)
                problems += check_pcap_cnt(lineno, num, ev)
                continue
            broken = any(k in p["opts"] for k in BREAK_OPTS)
            if broken and "src_ip" not in ev and "dest_ip" not in ev:
                # no valid IP layer: a decoder event's alert has no tuple
                got[num].append(ev["alert"]["signature_id"])
                events.setdefault((num, ev["alert"]["signature_id"]), []).append(ev)
                continue
            if (broken or "frag" in p) and ev.get("src_port", 0) == 0 and \
                    ev.get("dest_port", 0) == 0:
                # no valid L4 header (an IP fragment is a packet without
                # one): no ports to compare
                ev = dict(ev)
                ev.pop("src_port", None)
                ev.pop("dest_port", None)
                p = dict(p, sport=None, dport=None)
            if ev.get("src_ip") != str(p["src"]) or ev.get("dest_ip") != str(p["dst"]):
                problems.append("EVE line %d: packet %d is %s -> %s, alert says %s -> %s"
                                % (lineno, num, p["src"], p["dst"], ev.get("src_ip"),
                                   ev.get("dest_ip")))
            if p["sport"] is not None and (ev.get("src_port") != p["sport"] or
                                           ev.get("dest_port") != p["dport"]):
                problems.append("EVE line %d: packet %d ports %s -> %s, alert says %s -> %s"
                                % (lineno, num, p["sport"], p["dport"], ev.get("src_port"),
                                   ev.get("dest_port")))
            got[num].append(ev["alert"]["signature_id"])
            events.setdefault((num, ev["alert"]["signature_id"]), []).append(ev)
            problems += check_pcap_cnt(lineno, num, ev)
    for num, sid, path, absent, val, where in spec["eve"]:
        for ev in events.get((num, sid), []):
            cur, found = ev, True
            for part in path.split("."):
                if isinstance(cur, dict) and part in cur:
                    cur = cur[part]
                else:
                    found = False
                    break
            if absent and found:
                problems.append("%s: packet %d sid %d: %s is %s, want it absent"
                                % (where, num, sid, path, json.dumps(cur)))
            elif not absent and (not found or cur != val or type(cur) != type(val)):
                problems.append("%s: packet %d sid %d: %s is %s, want %s"
                                % (where, num, sid, path,
                                   json.dumps(cur) if found else "absent", json.dumps(val)))
    rules_by_sid = {}
    for lineno, text in spec["rules"]:
        m = re.search(r"\bsid\s*:\s*(\d+)", text)
        if m:
            rules_by_sid[int(m.group(1))] = (lineno, text)
    for num in sorted(packets):
        want = spec["expect"][num]
        have = sorted(got[num])
        if have == want:
            continue
        missing = sorted(set(want) - set(have))
        extra = sorted(set(have) - set(want))
        dups = sorted({s for s in have if have.count(s) > 1})
        problems.append("packet %d: %s" % (num, describe(packets[num])))
        problems.append("    expected %s, got %s" % (",".join(map(str, want)) or "none",
                                                     ",".join(map(str, have)) or "none"))
        for label, sids in (("missing", missing), ("unexpected", extra),
                            ("alerted more than once", dups)):
            for sid in sids:
                lineno, text = rules_by_sid.get(sid, (0, "(no such rule in the spec)"))
                problems.append("    %s sid %d (%s:%d): %s" % (label, sid, spec["path"],
                                                               lineno, text))
    return problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("build", "compare", "count"):
        sys.stderr.write(__doc__)
        return 2
    try:
        spec = parse_spec(argv[2])
    except (SpecError, OSError) as e:
        print("mkpcap: %s" % e, file=sys.stderr)
        return 2
    if argv[1] == "build":
        if len(argv) != 4:
            sys.stderr.write(__doc__)
            return 2
        pfx = argv[3]
        try:
            write_pcap(spec["packets"], pfx + ".pcap")
        except SpecError as e:
            print("mkpcap: %s" % e, file=sys.stderr)
            return 2
        with open(pfx + ".rules", "w", encoding="utf-8") as f:
            for _, text in spec["rules"]:
                f.write(text + "\n")
        with open(pfx + ".args", "w", encoding="utf-8") as f:
            for s in spec["sets"]:
                f.write("--set\n%s\n" % s)
            if spec["threshold"]:
                tpath = os.path.abspath(pfx + ".threshold.config")
                with open(tpath, "w", encoding="utf-8") as t:
                    for line in spec["threshold"]:
                        t.write(line + "\n")
                f.write("--set\nthreshold-file=%s\n" % tpath)
        with open(pfx + ".expect", "w", encoding="utf-8") as f:
            for num in sorted(spec["expect"]):
                f.write("%d %s\n" % (num, ",".join(map(str, spec["expect"][num])) or "none"))
        return 0
    if argv[1] == "count":
        print(len(spec["packets"]), sum(len(v) for v in spec["expect"].values()))
        return 0
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    try:
        problems = compare(spec, argv[3])
    except OSError as e:
        problems = ["cannot read the EVE file: %s" % e]
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
