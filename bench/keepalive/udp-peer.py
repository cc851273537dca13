#!/usr/bin/env python3
# udp-peer.py PORTFILE COUNTFILE — the UDP registrar side of
# bench/keepalive/run: answers REGISTER with 200 (echoing the Contact) and
# STUN Binding requests (RFC 5389) with a Binding success carrying
# XOR-MAPPED-ADDRESS only (32 bytes, as a minimal server sends), on
# 127.0.0.1, a port the kernel picks (written to PORTFILE). On SIGTERM it
# writes "stun=N sip=M" to COUNTFILE and exits. `regent registrar` does not
# speak STUN; without answers the client would fall back to unchecked CRLF
# keep-alives (src/net/conn_ka.c), which is not what is measured.
import signal, socket, struct, sys

portfile, countfile = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(portfile, "w").write("%d\n" % s.getsockname()[1])
n = {"stun": 0, "sip": 0}


def stop(*_):
    open(countfile, "w").write("stun=%d sip=%d\n" % (n["stun"], n["sip"]))
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
COOKIE = 0x2112A442
while True:
    data, peer = s.recvfrom(65536)
    if len(data) >= 20 and data[0] < 2 and data[4:8] == struct.pack("!I", COOKIE):
        n["stun"] += 1
        ip = struct.unpack("!I", socket.inet_aton(peer[0]))[0] ^ COOKIE
        attr = struct.pack("!HHBBHI", 0x0020, 8, 0, 1, peer[1] ^ (COOKIE >> 16), ip)
        s.sendto(struct.pack("!HHI", 0x0101, len(attr), COOKIE) + data[8:20] + attr, peer)
        continue
    text = data.decode("utf-8", "replace")
    if not text.startswith("REGISTER "):
        continue
    n["sip"] += 1
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    keep = [l for l in head[1:] if l.split(":", 1)[0].lower() in
            ("via", "from", "call-id", "cseq", "contact")]
    to = [l for l in head[1:] if l.lower().startswith("to:")]
    resp = ["SIP/2.0 200 OK"] + keep + [to[0] + ";tag=bench" if to else "To: <sip:x@y>"]
    s.sendto(("\r\n".join(resp) + "\r\nContent-Length: 0\r\n\r\n").encode(), peer)
