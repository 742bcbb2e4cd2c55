#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A test proxy in front of kinesalite for test_kinesis.sh.

  kinesis_proxy.py UPSTREAM KEY_ID SECRET MODE STATE

Listens on 127.0.0.1 (a free port, written to STATE as "port N"), and for
every request first checks its SigV4 signature the way the service does,
with its own implementation (hashlib/hmac, written from the SigV4
documentation): an unknown key id is answered UnrecognizedClientException,
a wrong signature InvalidSignatureException, both HTTP 400 as the service
does (kinesalite checks no signature). Then, by MODE:
  pass      forward the request to UPSTREAM as it is
  throttle  PutRecords: the records at odd places of each call are answered
            ProvisionedThroughputExceededException the first time the proxy
            sees them, the others forwarded (a PutRecords of their own) and
            the two answers merged in the call's order
It is STS too: a form-encoded AssumeRoleWithWebIdentity whose token is
$WEB_TOKEN gets KEY_ID and SECRET with a session token of its own, which
every later request must then carry, signed (x-amz-security-token); another
token is answered InvalidIdentityToken.
STATE gets "requests N", "throttled N" (records throttled), "refused N"
(calls refused for the signature) and "sts N" (keys issued) after every
request, for the test to compare with weir's counters. Runs until killed.
"""
import hashlib
import hmac
import http.server
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

UPSTREAM, KEY_ID, SECRET, MODE, STATE = sys.argv[1:6]
stats = {"requests": 0, "throttled": 0, "refused": 0, "sts": 0}
ISSUED = "weir-test-session-token/" + "x" * 40  # the session token STS gave
issued = False
seen = set()  # records throttled once already (their Data)
port = 0


def save():
    tmp = STATE + ".tmp"
    with open(tmp, "w") as f:
        f.write("port %d\n" % port)
        for k, v in stats.items():
            f.write("%s %d\n" % (k, v))
    os.replace(tmp, STATE)


def sha256_hex(b):
    return hashlib.sha256(b).hexdigest()


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def check_signature(method, path, headers, body):
    """None when the signature holds, else (error type, message)."""
    auth = headers.get("Authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$", auth)
    if not m:
        return ("IncompleteSignature", "Authorization header malformed")
    key_id, date8, region, service, signed, sig = m.groups()
    if key_id != KEY_ID:
        return ("UnrecognizedClientException",
                "The security token included in the request is invalid.")
    token = headers.get("x-amz-security-token")
    if issued and token != ISSUED:
        return ("UnrecognizedClientException",
                "The security token included in the request is invalid.")
    names = signed.split(";")
    if token is not None and "x-amz-security-token" not in names:
        return ("IncompleteSignature", "x-amz-security-token is not signed")
    if names != sorted(names) or "host" not in names or "x-amz-date" not in names:
        return ("IncompleteSignature", "SignedHeaders must be sorted and sign host, x-amz-date")
    canon = ""
    for n in names:
        v = headers.get(n)
        if v is None:
            return ("IncompleteSignature", "signed header %s missing" % n)
        canon += "%s:%s\n" % (n, " ".join(v.split()))
    amz_date = headers["x-amz-date"]
    creq = "\n".join([method, path, "", canon, signed, sha256_hex(body)])
    scope = "%s/%s/%s/aws4_request" % (date8, region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, sha256_hex(creq.encode())])
    k = hmac256(("AWS4" + SECRET).encode(), date8)
    for part in (region, service, "aws4_request"):
        k = hmac256(k, part)
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return ("InvalidSignatureException",
                "The request signature we calculated does not match the signature you "
                "provided.")
    return None


def forward(target, body):
    req = urllib.request.Request(UPSTREAM, data=body, method="POST", headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": target,
        "Authorization": ("AWS4-HMAC-SHA256 Credential=%s/20260101/us-east-1/kinesis/"
                          "aws4_request, SignedHeaders=host;x-amz-date, Signature=%s"
                          % (KEY_ID, "0" * 64)),
        "X-Amz-Date": "20260101T000000Z",
    })
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        headers["Authorization"] = self.headers.get("Authorization", "")
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            self.sts(body)
            return
        stats["requests"] += 1
        bad = check_signature("POST", self.path, headers, body)
        if bad:
            stats["refused"] += 1
            save()
            self.answer(400, json.dumps({"__type": bad[0], "message": bad[1]}).encode())
            return
        target = headers.get("x-amz-target", "")
        if MODE != "throttle" or not target.endswith(".PutRecords"):
            status, out = forward(target, body)
            save()
            self.answer(status, out)
            return
        call = json.loads(body)
        recs = call["Records"]
        fwd, results = [], [None] * len(recs)
        for i, r in enumerate(recs):
            if i % 2 == 1 and r["Data"] not in seen:
                seen.add(r["Data"])
                stats["throttled"] += 1
                results[i] = {"ErrorCode": "ProvisionedThroughputExceededException",
                              "ErrorMessage": "Rate exceeded for shard shardId-000000000000 "
                              "in stream %s under account 000000000000." % call["StreamName"]}
            else:
                fwd.append(i)
        if fwd:
            status, out = forward(target, json.dumps(
                {"StreamName": call["StreamName"], "Records": [recs[i] for i in fwd]}).encode())
            if status != 200:
                save()
                self.answer(status, out)
                return
            for i, r in zip(fwd, json.loads(out)["Records"]):
                results[i] = r
        failed = sum(1 for r in results if "ErrorCode" in r)
        save()
        self.answer(200, json.dumps({"FailedRecordCount": failed, "Records": results}).encode())


def sts(self, body):
    global issued
    form = urllib.parse.parse_qs(body.decode())
    if (form.get("Action") != ["AssumeRoleWithWebIdentity"] or
            form.get("WebIdentityToken") != [os.environ.get("WEB_TOKEN")] or
            not form.get("RoleArn")):
        self.answer(400, b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken"
                    b"</Code><Message>Incorrect token</Message></Error></ErrorResponse>")
        return
    issued = True
    stats["sts"] += 1
    save()
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    self.answer(200, ("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                      "<Credentials><SessionToken>%s</SessionToken><SecretAccessKey>%s"
                      "</SecretAccessKey><Expiration>%s</Expiration><AccessKeyId>%s"
                      "</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult>"
                      "</AssumeRoleWithWebIdentityResponse>"
                      % (ISSUED, SECRET, expires, KEY_ID)).encode())


Handler.sts = sts


def main():
    global port
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    port = srv.server_address[1]
    save()
    srv.serve_forever()


if __name__ == "__main__":
    main()
