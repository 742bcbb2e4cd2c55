#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap file to stdout (a fifo weir -r reads) at a fixed packet
rate, in bursts of 32 packets, the way a NIC queue would hand them over:
  pace_pcap.py FILE PPS > FIFO
Packet timestamps are left as they are (event time is the capture's);
only when the bytes arrive is paced. Standard library only. Prints the
rate it achieved on stderr at the end."""
import struct
import sys
import time

BURST = 32


def main(path, pps):
    data = open(path, "rb").read()
    out = sys.stdout.buffer
    out.write(data[:24])
    swap = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    recs, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from(swap + "I", data, off + 8)[0]
        recs.append(data[off:off + 16 + incl])
        off += 16 + incl
    t0 = time.monotonic()
    for i in range(0, len(recs), BURST):
        due = t0 + i / pps
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        out.write(b"".join(recs[i:i + BURST]))
        out.flush()
    el = time.monotonic() - t0
    sys.stderr.write("pace_pcap: %d packets in %.2f s: %.0f pps (asked %d)\n" %
                     (len(recs), el, len(recs) / el if el else 0, pps))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
