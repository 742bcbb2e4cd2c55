#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Independent count of the flows in a capture, for test_flows.sh.

Written from the documented rules (app/flow.h, ../shared/SURICATA-SEMANTICS.md,
Suricata's src/flow-hash.c and src/stream-tcp.c), not from weir's code, so
that weir's flow count can be checked against something it did not compute.

What gets a flow (weir's decoder scope, app/decode.h): frames of link types
EN10MB, RAW, IPV4, IPV6, LINUX_SLL, LINUX_SLL2, NULL and LOOP; Ethernet with
up to 4 802.1Q/802.1ad/0x9100 tags; IPv4 and IPv6 (hop-by-hop, routing,
destination-options, fragment headers). No tunnel is followed (GRE, IP in
IP, VXLAN, Teredo... are flows of their outer header), no MPLS or PPPoE
(not IP to weir). A non-first fragment, a first fragment too short for
its L4 header, and a malformed packet get no flow; an IP packet of another
protocol gets one keyed on its addresses.

Key: the two (address, port) endpoints sorted, protocol, IP version, and
the first two VLAN ids (12 bits; vlan.use-for-tracking on). ICMP and
ICMPv6 flows have no ports (addresses only). ICMPv4 errors (types 3, 4, 5,
11, 12) never create a flow: one whose quote is readable is attributed to
the flow of the quoted tuple if that flow exists (the error's own VLANs),
and otherwise to none.

TCP: a flow whose first packet is a SYN (not ACK, RST or FIN) has a
session (stream.midstream off). The session closes on a RST, or once both
sides sent a FIN. A SYN (no ACK/RST/FIN) on a flow without a session or
with a closed one ends the flow and starts a new one (port reuse,
TcpSessionPacketSsnReuse), unless it repeats the client's initial
sequence number (a retransmission). Sequence numbers are otherwise not
checked (weir ignores out-of-window RSTs and retransmitted FINs; the
captures here have none).

Timeouts (Suricata's defaults, seconds: TCP new 60, established 600,
closed 60; others new 30, established 300, closed 0), as Suricata's lookup
applies them (flow-hash.c FlowGetFlowFromHash: a flow found with
timeout_at < the packet's second is timed out, and the packet starts a new
one). TCP is established from the handshake's completion, others once
both directions were seen.

Usage: flow_oracle.py CAPTURE [--flows]
  prints "flows N packets M": flows created and packets that got a flow;
  --flows adds one line per flow: proto client -> server pkts toserver/toclient.
Exit 3 with "linktype N" when the link type is not one weir reads.
Standard library only.
"""
import struct
import sys

LINKTYPES = {1: "eth", 101: "raw", 228: "ipv4", 229: "ipv6", 113: "sll", 276: "sll2",
             0: "null", 108: "loop", 12: "raw"}
VLAN_ETHERTYPES = (0x8100, 0x88a8, 0x9100)
TIMEOUTS = {6: (60, 600, 60)}          # proto -> (new, established, closed)
OTHER_TIMEOUTS = (30, 300, 0)
ICMPV4_ERRORS = (3, 4, 5, 11, 12)
SYN, ACK, RST, FIN = 0x02, 0x10, 0x04, 0x01


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("flow_oracle: %s: not a classic pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0fffffff
    off, frames = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        frames.append((sec + frac / (1e9 if nano else 1e6), data[off:off + incl], orig))
        off += incl
    return linktype, frames


def be16(b, o):
    return struct.unpack("!H", b[o:o + 2])[0]


class Pkt:
    """What the flow step needs of one decoded IP packet."""
    __slots__ = ("ver", "src", "dst", "proto", "sport", "dport", "vlan", "flags", "seq",
                 "icmp_type", "l4", "ok")


def decode(kind, b):
    """A Pkt, or None when the packet gets no flow (non-IP, fragment, malformed)."""
    vlan = []
    if kind == "eth":
        if len(b) < 14:
            return None
        et, off = be16(b, 12), 14
    elif kind in ("sll", "sll2"):
        hl = 16 if kind == "sll" else 20
        if len(b) < hl:
            return None
        arphrd = be16(b, 2) if kind == "sll" else be16(b, 8)
        if arphrd == 824:  # netlink
            return None
        et, off = (be16(b, 14) if kind == "sll" else be16(b, 0)), hl
    elif kind in ("null", "loop"):
        if len(b) < 4:
            return None
        fam = struct.unpack("!I", b[:4])[0]
        if kind == "null" and fam & 0xffff0000:
            fam = struct.unpack("<I", b[:4])[0]
        et = {2: 0x0800, 10: 0x86dd, 24: 0x86dd, 28: 0x86dd, 30: 0x86dd}.get(fam)
        if et is None:
            return None
        off = 4
    else:
        if not b:
            return None
        v = b[0] >> 4
        want = {"ipv4": 4, "ipv6": 6}.get(kind)
        if want is not None and v != want:
            return None
        et, off = {4: 0x0800, 6: 0x86dd}.get(v), 0
        if et is None:
            return None
    if kind in ("eth", "sll", "sll2"):
        tags = 0
        while et in VLAN_ETHERTYPES:
            if tags == 4 or len(b) < off + 4:
                return None
            vlan.append(be16(b, off) & 0x0fff)
            et = be16(b, off + 2)
            off += 4
            tags += 1
    p = Pkt()
    p.vlan = tuple((vlan + [0, 0])[:2])
    if et == 0x0800:
        return ipv4(b, off, p)
    if et == 0x86dd:
        return ipv6(b, off, p)
    return None


def ipv4(b, off, p):
    if len(b) < off + 20:
        return None
    h = b[off:]
    hl, tot = (h[0] & 15) * 4, be16(h, 2)
    if h[0] >> 4 != 4 or hl < 20 or tot < hl or tot > len(h):
        return None
    p.ver, p.src, p.dst, p.proto = 4, h[12:16], h[16:20], h[9]
    frag = be16(h, 6)
    if frag & 0x1fff:
        return None
    return l4(h[hl:tot], p, bool(frag & 0x2000))


def ipv6(b, off, p):
    if len(b) < off + 40:
        return None
    h = b[off:]
    plen = be16(h, 4)
    if h[0] >> 4 != 6 or plen > len(h) - 40:
        return None
    p.ver, p.src, p.dst = 6, h[8:24], h[24:40]
    rest, nh, first = h[40:40 + plen], h[6], False
    for _ in range(8):
        if nh in (0, 43, 60):
            if len(rest) < 8 or len(rest) < (rest[1] + 1) * 8:
                return None
            nh, rest = rest[0], rest[(rest[1] + 1) * 8:]
        elif nh == 44:
            if len(rest) < 8:
                return None
            fo = be16(rest, 2)
            if fo & 0xfff8:
                return None
            first = bool(fo & 1)
            nh, rest = rest[0], rest[8:]
        elif nh == 59:
            p.proto = 59
            return l4(b"", p, False, no_l4=True)
        else:
            p.proto = nh
            return l4(rest, p, first)
    return None


def l4(seg, p, first_frag, no_l4=False):
    p.sport = p.dport = 0
    p.flags = p.seq = 0
    p.icmp_type = None
    p.l4 = seg
    if no_l4:
        return p
    if p.proto == 6:
        # too short: a first fragment's or malformed, no flow either way
        if len(seg) < 20 or not 20 <= (seg[12] >> 4) * 4 <= len(seg):
            return None
        p.sport, p.dport, p.flags = be16(seg, 0), be16(seg, 2), seg[13]
        p.seq = struct.unpack("!I", seg[4:8])[0]
    elif p.proto == 17:
        if len(seg) < 8:
            return None
        ul = be16(seg, 4)
        if ul < 8 or (ul > len(seg) and not first_frag):
            return None
        p.sport, p.dport = be16(seg, 0), be16(seg, 2)
    elif p.proto in (1, 58):
        if len(seg) < 8:
            return None
        p.icmp_type = seg[0]
    return p


def key_of(ver, src, dst, proto, sport, dport, vlan):
    if proto in (1, 58):
        sport = dport = 0
    a, b = (src, sport), (dst, dport)
    return (ver, proto, vlan) + tuple(sorted([a, b]))


def quoted(p):
    """The key of the tuple an ICMPv4 error quotes, or None (unreadable)."""
    q = p.l4[8:]
    if len(q) < 20 or q[0] >> 4 != 4:
        return None
    ihl = (q[0] & 15) * 4
    if ihl < 20 or len(q) < ihl:
        return None
    proto, sp, dp = q[9], 0, 0
    if proto in (6, 17):
        if len(q) < ihl + 4:
            return None
        sp, dp = be16(q, ihl), be16(q, ihl + 2)
    return key_of(4, q[12:16], q[16:20], proto, sp, dp, p.vlan)


class Flow:
    def __init__(self, p, ts):
        self.client = (p.src, p.sport)
        self.proto = p.proto
        self.pkts = [0, 0]
        self.last = ts
        self.session = p.proto == 6 and (p.flags & (SYN | ACK | RST | FIN)) == SYN
        self.isn = p.seq
        self.synack = self.established = False
        self.fin = [False, False]
        self.closed = False
        self.seen = [False, False]

    def state(self):
        if self.proto == 6:
            if self.closed:
                return 2
            return 1 if self.established else 0
        return 1 if all(self.seen) else 0

    def timeout(self):
        return TIMEOUTS.get(self.proto, OTHER_TIMEOUTS)[self.state()]

    def update(self, p, ts, count_seen=True):
        d = 0 if (p.src, p.sport) == self.client else 1
        if self.proto in (1, 58):
            d = 0 if p.src == self.client[0] else 1
        self.pkts[d] += 1
        self.last = max(self.last, ts)
        if count_seen:
            self.seen[d] = True
        if self.proto != 6 or not self.session or not count_seen:
            return
        fl = p.flags
        if fl & RST:
            self.closed = True
        elif d == 1 and fl & SYN and fl & ACK:
            self.synack = True
        elif d == 0 and self.synack and fl & ACK and not fl & SYN:
            self.established = True
        if fl & FIN and not fl & RST:
            self.fin[d] = True
            if all(self.fin):
                self.closed = True


def reuse(f, p):
    if (p.flags & (SYN | ACK | RST | FIN)) != SYN:
        return False
    if not f.session:
        return True
    if (p.src, p.sport) == f.client and p.seq == f.isn:
        return False
    return f.closed


def run(path):
    linktype, frames = read_pcap(path)
    kind = LINKTYPES.get(linktype)
    if kind is None:
        print("linktype %d" % linktype)
        sys.exit(3)
    table, done, created, with_flow = {}, [], 0, 0
    for ts, b, _ in frames:
        p = decode(kind, b)
        if p is None:
            continue
        if p.proto == 1 and p.icmp_type in ICMPV4_ERRORS:
            k = quoted(p)
            f = table.get(k) if k is not None else None
            if f is not None:
                f.update(p, ts, count_seen=False)
                with_flow += 1
            continue
        k = key_of(p.ver, p.src, p.dst, p.proto, p.sport, p.dport, p.vlan)
        f = table.get(k)
        if f is not None and int(ts) > int(f.last) + f.timeout():
            done.append(table.pop(k))
            f = None
        if f is not None and p.proto == 6 and reuse(f, p):
            done.append(table.pop(k))
            f = None
        if f is None:
            f = table[k] = Flow(p, ts)
            created += 1
        f.update(p, ts)
        with_flow += 1
    return created, with_flow, done + list(table.values())


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    created, with_flow, flows = run(argv[1])
    print("flows %d packets %d" % (created, with_flow))
    if "--flows" in argv[2:]:
        import ipaddress
        for f in flows:
            print("%d %s:%d pkts %d/%d" % (f.proto, ipaddress.ip_address(bytes(f.client[0])),
                                           f.client[1], f.pkts[0], f.pkts[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
