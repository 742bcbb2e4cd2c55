#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in for systemd's notification socket (sd_notify(3)): binds a
unix datagram socket at PATH and appends each message to OUT as one line
(its assignments joined by ' | '), flushed at once, for at most SECONDS."""
import os
import socket
import sys
import time


def main():
    path, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(path):
        os.unlink(path)
    s.bind(path)
    end = time.monotonic() + seconds
    with open(out, "a", encoding="utf-8") as f:
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                msg = s.recv(4096)
            except socket.timeout:
                break
            f.write(" | ".join(msg.decode("utf-8", "replace").strip().split("\n")) + "\n")
            f.flush()
    os.unlink(path)


if __name__ == "__main__":
    main()
