#!/usr/bin/python3
"""A fake "slow ISP" upstream for tests/demo.sh.

Listens on UDP and TCP (default 127.0.0.2:53).  Answers an A query for any
name at once (192.0.2.1), an AAAA query only after --delay seconds
(2001:db8::1), anything else at once with an empty NOERROR answer.  Every
query it receives is logged, one line each, to --log (default stdout):

    <seconds since start> <udp|tcp> <TYPE> <name>

Only for the demo: it runs inside the demo's private network namespace.
Needs dnspython (Debian: python3-dnspython).
"""

import argparse
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset

START = time.monotonic()
LOG_LOCK = threading.Lock()


def log(logf, proto, msg):
    q = msg.question[0] if msg.question else None
    what = "%s %s" % (dns.rdatatype.to_text(q.rdtype), q.name) \
        if q is not None else "-"
    with LOG_LOCK:
        logf.write("%6.3f %s %s\n" % (time.monotonic() - START, proto, what))
        logf.flush()


def answer(msg):
    """Return (delay in seconds, wire answer) for a parsed query."""
    resp = dns.message.make_response(msg)
    resp.flags |= dns.flags.RA
    delay = 0.0
    if msg.question:
        q = msg.question[0]
        if q.rdtype == dns.rdatatype.A:
            resp.answer.append(dns.rrset.from_text(q.name, 60, "IN", "A",
                                                   "192.0.2.1"))
        elif q.rdtype == dns.rdatatype.AAAA:
            resp.answer.append(dns.rrset.from_text(q.name, 60, "IN", "AAAA",
                                                   "2001:db8::1"))
            delay = ARGS.delay
    return delay, resp.to_wire()


def serve_udp(sock, logf):
    while True:
        data, peer = sock.recvfrom(65535)
        try:
            msg = dns.message.from_wire(data)
        except Exception:
            continue
        log(logf, "udp", msg)
        delay, wire = answer(msg)
        if delay > 0:
            t = threading.Timer(delay, sock.sendto, (wire, peer))
            t.daemon = True
            t.start()
        else:
            sock.sendto(wire, peer)


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        while True:
            hdr = self._read(2)
            if hdr is None:
                return
            data = self._read(struct.unpack("!H", hdr)[0])
            if data is None:
                return
            try:
                msg = dns.message.from_wire(data)
            except Exception:
                return
            log(self.server.logf, "tcp", msg)
            delay, wire = answer(msg)
            if delay > 0:
                time.sleep(delay)
            conn.sendall(struct.pack("!H", len(wire)) + wire)

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.request.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf


class TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", default="127.0.0.2")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--delay", type=float, default=3.0,
                    help="seconds before an AAAA answer (default 3)")
    ap.add_argument("--log", help="log file (default stdout)")
    ARGS = ap.parse_args()
    logf = open(ARGS.log, "a") if ARGS.log else sys.stdout

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((ARGS.addr, ARGS.port))
    tcp = TCPServer((ARGS.addr, ARGS.port), TCPHandler)
    tcp.logf = logf
    threading.Thread(target=tcp.serve_forever, daemon=True).start()
    try:
        serve_udp(udp, logf)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
