#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A tiny Kinesis client for test_kinesis.sh, independent of weir's code:
plain urllib against a local endpoint (kinesalite, which checks no
signature, so requests carry a well-formed but unchecked one).

  kinesis_client.py URL create STREAM SHARDS   create, wait until ACTIVE
  kinesis_client.py URL read STREAM OUT        every record of every shard,
                                               oldest first, one line each:
                                               shard TAB key TAB data
"""
import base64
import json
import sys
import time
import urllib.error
import urllib.request

AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/kinesis/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def call(url, op, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "Kinesis_20131202." + op,
        "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        "Authorization": AUTH,
    })
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def create(url, stream, shards):
    call(url, "CreateStream", {"StreamName": stream, "ShardCount": int(shards)})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        d = call(url, "DescribeStream", {"StreamName": stream})
        if d["StreamDescription"]["StreamStatus"] == "ACTIVE":
            return
        time.sleep(0.1)
    sys.exit("stream %s not ACTIVE within 30 s" % stream)


def read(url, stream, out):
    d = call(url, "DescribeStream", {"StreamName": stream})
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for shard in d["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            it = call(url, "GetShardIterator", {"StreamName": stream, "ShardId": sid,
                                                "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
            # a shard is read to its end: GetRecords until a call returns
            # nothing and says the iterator is at the tip (bounded)
            for _ in range(100000):
                r = call(url, "GetRecords", {"ShardIterator": it, "Limit": 10000})
                for rec in r["Records"]:
                    data = base64.b64decode(rec["Data"]).decode("utf-8")
                    f.write("%s\t%s\t%s\n" % (sid, rec["PartitionKey"], data))
                    n += 1
                it = r.get("NextShardIterator")
                if not r["Records"] or it is None:
                    break
    print(n)


def main():
    url, cmd = sys.argv[1], sys.argv[2]
    if cmd == "create":
        create(url, sys.argv[3], sys.argv[4])
    elif cmd == "read":
        read(url, sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
