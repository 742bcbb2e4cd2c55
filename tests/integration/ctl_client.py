#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Raw clients of weir's stats socket for test_ctl.sh (no weirctl).

  ctl_client.py SOCKET request JSONLINE      print the reply line
  ctl_client.py SOCKET abuse                 misbehaving clients, then a
                                             normal request; exit 0 if
                                             weir handled them all
  ctl_client.py check-metrics FILE           strict Prometheus text check
Every socket operation has a timeout; every loop is bounded.
"""
import json
import re
import socket
import sys
import time

TIMEOUT = 10.0


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # blocking connect: waits while weir's accept backlog is full
    s.connect(path)
    s.settimeout(TIMEOUT)
    return s


def read_line(s):
    buf = b""
    deadline = time.time() + TIMEOUT
    while b"\n" not in buf and time.time() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.split(b"\n", 1)[0]


def request(path, line):
    s = connect(path)
    s.sendall(line.encode() + b"\n")
    rep = read_line(s)
    s.close()
    return rep


def expect_error(rep, fragment, what):
    j = json.loads(rep)
    assert j.get("schema_version") == 1, (what, j)
    assert j.get("ok") is False, (what, j)
    assert fragment in j.get("error", ""), (what, j)


def peer_closed(s):
    """True once the server closed the connection (bounded wait)."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        if not chunk:
            return True
    return False


def abuse(path):
    # 1. a huge line without newline: error reply, then disconnect
    s = connect(path)
    s.sendall(b"x" * 5000)
    expect_error(read_line(s), "longer than", "huge line")
    assert peer_closed(s), "huge line: not disconnected"
    s.close()
    # 2. garbage, then a good request on the same connection
    s = connect(path)
    s.sendall(b"\x00\xff garbage {{{\n")
    expect_error(read_line(s), "malformed", "garbage")
    s.sendall(b'{"command":"nosuch"}\n')
    expect_error(read_line(s), "unknown command", "unknown")
    s.sendall(b'{"command":"version"}\n')
    assert json.loads(read_line(s))["ok"] is True
    s.close()
    # 3. 100 connections at once: the first 64 served, and one more in the
    # slot kept for root and the socket's owner (this client is the
    # owner), the rest refused (none has idled long enough to make room)
    conns = [connect(path) for _ in range(100)]
    refused = 0
    for c in conns[65:]:
        rep = read_line(c)
        expect_error(rep, "too many clients", "client 65+")
        refused += 1
    for c in conns[:65]:
        c.sendall(b'{"command":"version"}\n')
        assert json.loads(read_line(c))["ok"] is True
    for c in conns:
        c.close()
    assert refused == 35, refused
    # 4. a client that asks and never reads: dropped, weir unaffected
    s = connect(path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sent = 0
    s.settimeout(0.5)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            s.sendall(b'{"command":"stats"}\n' * 50)
            sent += 50
        except (BrokenPipeError, ConnectionResetError):
            break
        except socket.timeout:
            break
    s.settimeout(TIMEOUT)
    # the server drops it once 1 MiB is pending or after 5 s without progress
    time.sleep(6)
    closed = False
    try:
        for _ in range(100000):
            chunk = s.recv(1 << 20)
            if not chunk:
                closed = True
                break
    except (ConnectionResetError, socket.timeout):
        closed = True
    assert closed, "a client that never reads was not disconnected"
    s.close()
    # 5. a half-open client that never sends holds one slot only
    idle = connect(path)
    rep = json.loads(request(path, '{"command":"stats"}'))
    idle.close()
    assert rep["ok"] is True and rep["accounting"]["packets_ok"] is True, rep
    print("abuse ok: sent %d unread requests" % sent)


METRIC_LINE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*"'
    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*")*)?\})?'
    r' (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$')


def check_metrics(path):
    """Strict check of the text exposition format 0.0.4: HELP then TYPE
    once per family, before its samples; every sample line parses; sample
    names belong to the family (summary: _sum/_count); no duplicates;
    counters end in _total."""
    types = {}
    seen = set()
    current = None
    with open(path) as f:
        lines = f.read().split("\n")
    assert lines[-1] == "", "must end with a newline"
    for n, line in enumerate(lines[:-1], 1):
        where = "%s:%d: %s" % (path, n, line)
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            assert name not in types, "family repeated: " + where
            current = name
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            assert name == current, "TYPE without HELP: " + where
            assert typ in ("counter", "gauge", "summary", "histogram", "untyped"), where
            if typ == "counter":
                assert name.endswith("_total"), "counter not _total: " + where
            types[name] = typ
            continue
        assert not line.startswith("#"), where
        m = METRIC_LINE.match(line)
        assert m, "bad sample: " + where
        name = m.group(1)
        fam = current
        allowed = {fam}
        if types.get(fam) == "summary":
            allowed |= {fam + "_sum", fam + "_count"}
        assert name in allowed, "sample outside its family: " + where
        float(m.group(7))
        key = (name, m.group(2) or "")
        assert key not in seen, "duplicate sample: " + where
        seen.add(key)
    values = {}
    for (name, labels) in seen:
        values.setdefault(name, []).append(labels)
    print("metrics ok: %d families, %d samples" % (len(types), len(seen)))


def main():
    if sys.argv[1] == "check-metrics":
        check_metrics(sys.argv[2])
    elif sys.argv[2] == "request":
        sys.stdout.write(request(sys.argv[1], sys.argv[3]).decode() + "\n")
    elif sys.argv[2] == "abuse":
        abuse(sys.argv[1])
    else:
        sys.exit("usage")


main()
