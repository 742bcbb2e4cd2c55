#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Clients that hold weir's control endpoints, for test_ctl_lockout.sh.

  ctl_hold.py hold SOCKET N OUT       N stats-socket connections: each asks
                                      "version" once (so each is either
                                      served or refused, no guessing), then
                                      idles; writes "held H refused R" to
                                      OUT, then holds until killed (60 s at
                                      most) and exits
  ctl_hold.py idle-close SOCKET N MAX N idle connections; exit 0 if weir
                                      closed them all within MAX seconds,
                                      printing the seconds it took
  ctl_hold.py slow-http PORT N OUT    N /metrics clients that send half a
                                      request and never finish; writes
                                      "open N" to OUT, holds until killed
                                      (60 s at most)
  ctl_hold.py scrape PORT MAX         GET /metrics; exit 0 if a 200 came
                                      within MAX seconds, printing them
Every socket operation has a timeout; every loop is bounded.
"""
import json
import os
import select
import socket
import sys
import time

HOLD_MAX = 60.0


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def read_line(s, timeout):
    s.settimeout(timeout)
    buf = b""
    while b"\n" not in buf and len(buf) < 65536:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf.decode("utf-8", "replace")


def hold_until_killed(socks):
    deadline = time.monotonic() + HOLD_MAX
    open_ = list(socks)
    while open_ and time.monotonic() < deadline:
        r, _, _ = select.select(open_, [], [], max(0.0, deadline - time.monotonic()))
        for s in r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                open_.remove(s)


def hold(path, n, out):
    held, refused = [], 0
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        try:
            s.sendall(b'{"command":"version"}\n')
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused: its error line is still there to read
        try:
            rep = read_line(s, 10)
        except ConnectionResetError:
            rep = ""
        try:
            ok = json.loads(rep).get("ok") is True
        except ValueError:
            ok = False
        if ok:
            held.append(s)
        else:
            assert "too many clients" in rep, rep
            refused += 1
            s.close()
    write_atomic(out, "held %d refused %d\n" % (len(held), refused))
    hold_until_killed(held)


def idle_close(path, n, max_s):
    socks = []
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        socks.append(s)
    open_ = list(socks)
    deadline = t0 + max_s
    while open_ and time.monotonic() < deadline:
        r, _, _ = select.select(open_, [], [], max(0.0, deadline - time.monotonic()))
        for s in r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                open_.remove(s)
    print("%.2f" % (time.monotonic() - t0))
    return 1 if open_ else 0


def slow_http(port, n, out):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never ends
        socks.append(s)
    write_atomic(out, "open %d\n" % len(socks))
    hold_until_killed(socks)


def scrape(port, max_s):
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=max_s)
    s.settimeout(max(0.1, max_s - (time.monotonic() - t0)))
    s.sendall(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    buf = b""
    try:
        while time.monotonic() - t0 < max_s:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        pass
    took = time.monotonic() - t0
    print("%.2f" % took)
    ok = buf.startswith(b"HTTP/1.") and b" 200 " in buf.split(b"\r\n", 1)[0] and \
        b"weir_" in buf and took < max_s
    return 0 if ok else 1


def main(argv):
    if len(argv) == 5 and argv[1] == "hold":
        return hold(argv[2], int(argv[3]), argv[4])
    if len(argv) == 5 and argv[1] == "idle-close":
        return idle_close(argv[2], int(argv[3]), float(argv[4]))
    if len(argv) == 5 and argv[1] == "slow-http":
        return slow_http(int(argv[2]), int(argv[3]), argv[4])
    if len(argv) == 4 and argv[1] == "scrape":
        return scrape(int(argv[2]), float(argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
