#!/usr/bin/env python3
"""sip-responder.py MODE PORTFILE — a tiny UDP "registrar" on 127.0.0.1 for the
CLI tests (tests/cli/test-cli-ops) that answers every REGISTER the way MODE says:

  badutf8  403 with the reason phrase b"\\xffNo\\xe9" (invalid UTF-8)
  junk     a malformed response (no CSeq, no Via): dropped by the client
  silent   nothing at all
  stray    a well-formed 200 with a Via branch that is not the request's
           (matches no transaction: dropped as unmatched)

It binds an ephemeral port, writes it to PORTFILE, and runs until killed.
"""
import socket
import sys


def header(req, name):
    for line in req.split(b"\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(b":")
        if k.strip().lower() == name:
            return v.strip()
    return b""


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    # rename: the test never reads a half-written port
    import os

    os.rename(portfile + ".tmp", portfile)
    while True:
        req, peer = s.recvfrom(65536)
        if not req.startswith(b"REGISTER ") or mode == "silent":
            continue
        if mode == "junk":
            s.sendto(b"SIP/2.0 200 OK\r\nthis is: not\r\n\r\n", peer)
            continue
        if mode == "stray":
            via = b"SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKstray"
            status = b"200 OK"
        else:
            via = header(req, b"via")
            status = b"403 \xffNo\xe9"
        resp = (
            b"SIP/2.0 " + status + b"\r\n"
            + b"Via: " + via + b"\r\n"
            + b"From: " + header(req, b"from") + b"\r\n"
            + b"To: " + header(req, b"to") + b";tag=r1\r\n"
            + b"Call-ID: " + header(req, b"call-id") + b"\r\n"
            + b"CSeq: " + header(req, b"cseq") + b"\r\n"
            + b"Content-Length: 0\r\n\r\n"
        )
        s.sendto(resp, peer)


if __name__ == "__main__":
    main()
