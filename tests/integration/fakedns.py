"""A fake upstream DNS server for the briskdns integration tests.

dnspython-based and threaded: UDP and TCP on one address and port (OS-chosen
unless given), optionally inside a network namespace.  Every query received
is logged (qname as on the wire, qtype, transport, ID, EDNS, source port) so
that tests can assert what the upstream saw.  Behaviour is set per test
through attributes (see FakeUpstream.__init__) or a `responder` callable.

Names the default answerer knows:
  any name, type A     -> self.a (list of addresses), TTL self.ttl
  any name, type AAAA  -> self.aaaa
  first label big<N>   -> N A records 198.18.x.y (for size/truncation tests)
  other types          -> NOERROR, no records
Over UDP an answer longer than the size the query offered (512 without
EDNS) is replaced by a TC answer with the question only, as a real server
does; over TCP it is sent whole.
"""

import ctypes
import os
import re
import socket
import struct
import threading
import time
import traceback
from dataclasses import dataclass, field

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)

SPOOF_A = "203.0.113.66"	# what every spoofed answer claims


def in_netns(nsname, fn, *args, **kwargs):
    """Run fn in a thread that joined network namespace nsname (None: here).

    Sockets created by fn belong to that namespace for their whole life,
    whichever thread uses them later."""
    if nsname is None:
        return fn(*args, **kwargs)
    result = {}

    def run():
        try:
            fd = os.open("/var/run/netns/" + nsname, os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, os.strerror(err))
            finally:
                os.close(fd)
            result["v"] = fn(*args, **kwargs)
        except BaseException as e:	# handed to the caller
            result["e"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "e" in result:
        raise result["e"]
    return result["v"]


@dataclass
class Received:
    transport: str		# "udp" or "tcp"
    wire: bytes
    src: tuple
    time: float
    msg: object = None	# dns.message.Message, None if unparsable
    qid: int = -1
    qname: str = None	# as on the wire, with its letter case, trailing dot
    qtype: int = -1
    flags: int = 0
    edns: int = -1		# EDNS version, -1: no OPT
    payload: int = 0
    do: bool = False
    options: list = field(default_factory=list)	# [(code, data bytes)]

    @property
    def sport(self):
        return self.src[1]

    @property
    def qtype_text(self):
        return dns.rdatatype.to_text(self.qtype) if self.qtype >= 0 else "?"

    def __repr__(self):
        return "<%s %s %s id=%d edns=%d/%d do=%s opts=%r from %r>" % (
            self.transport, self.qname, self.qtype_text, self.qid,
            self.edns, self.payload, self.do, self.options, self.src)


def _norm(name):
    name = name.lower()
    return name if name.endswith(".") else name + "."


class FakeUpstream:
    def __init__(self, addr="127.0.0.1", port=0, netns=None, label="up"):
        self.addr = addr
        self.netns = netns
        self.label = label
        self.log = []
        self.tcp_connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []
        self._conns = []

        # Behaviour, changed freely by tests.
        self.a = ["192.0.2.1"]
        self.aaaa = ["2001:db8::1"]
        self.ttl = 300
        self.delay = {}		# qtype (int) -> seconds before answering
        self.dead = False	# receive and log, never answer
        self.rcode = None	# answer every query with this rcode
        self.tc_udp = False	# answer every UDP query with TC set
        self.spoof = None	# "id", "port" or "question": spoof first
        self.spoof_gap = 0.1	# seconds between spoof and real answer
        self.malformed = None	# "garbage" or "truncated-record"
        self.edns_payload = 1232
        self.responder = None	# fn(Received) -> [(delay, bytes, via)] | None

        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        self.udp, self.tcp, self.spoof_sock = in_netns(
            netns, self._bind, family, addr, port)
        self.port = self.udp.getsockname()[1]
        for target in (self._udp_loop, self._tcp_loop):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)

    # -- sockets ---------------------------------------------------------
    @staticmethod
    def _bind(family, addr, port):
        last = None
        for _ in range(20):
            u = socket.socket(family, socket.SOCK_DGRAM)
            t = socket.socket(family, socket.SOCK_STREAM)
            try:
                u.bind((addr, port))
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((addr, u.getsockname()[1]))
                t.listen(64)
            except OSError as e:
                u.close()
                t.close()
                last = e
                if port:
                    raise
                continue
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.bind((addr, 0))
            for sk in (u, t):
                sk.settimeout(0.1)
            return u, t, s
        raise last

    def close(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=1)
        for sk in [self.udp, self.tcp, self.spoof_sock] + self._conns:
            try:
                sk.close()
            except OSError:
                pass

    @property
    def server_arg(self):
        """The --server value naming this upstream."""
        return "%s#%d" % (self.addr, self.port)

    # -- the log ---------------------------------------------------------
    def queries(self, qname=None, qtype=None, transport=None):
        if isinstance(qtype, str):
            qtype = dns.rdatatype.from_text(qtype)
        with self._lock:
            out = list(self.log)
        if qname is not None:
            out = [r for r in out if r.qname and _norm(r.qname) == _norm(qname)]
        if qtype is not None:
            out = [r for r in out if r.qtype == qtype]
        if transport is not None:
            out = [r for r in out if r.transport == transport]
        return out

    def clear(self):
        with self._lock:
            self.log.clear()

    def _record(self, data, transport, src):
        rq = Received(transport=transport, wire=data, src=src,
                      time=time.monotonic())
        if len(data) >= 2:
            rq.qid = struct.unpack("!H", data[:2])[0]
        try:
            m = dns.message.from_wire(data)
        except Exception:
            m = None
        if m is not None:
            rq.msg = m
            rq.flags = m.flags
            if m.question:
                rq.qname = m.question[0].name.to_text()
                rq.qtype = m.question[0].rdtype
            rq.edns = m.edns
            if m.edns >= 0:
                rq.payload = m.payload
                rq.do = bool(m.ednsflags & dns.flags.DO)
                rq.options = [(int(o.otype), o.to_wire()) for o in m.options]
        with self._lock:
            self.log.append(rq)
        return rq

    # -- loops -----------------------------------------------------------
    def _udp_loop(self):
        while not self._stop.is_set():
            try:
                data, src = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            rq = self._record(data, "udp", src)

            def send(b, via, src=src):
                sk = self.spoof_sock if via == "spoof-port" else self.udp
                try:
                    sk.sendto(b, src)
                except OSError:
                    pass
            self._dispatch(rq, send)

    def _tcp_loop(self):
        while not self._stop.is_set():
            try:
                c, src = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.tcp_connections += 1
                self._conns.append(c)
            t = threading.Thread(target=self._tcp_conn, args=(c, src),
                                 daemon=True)
            t.start()

    @staticmethod
    def _recv_exact(c, n, stop):
        buf = b""
        while len(buf) < n:
            try:
                chunk = c.recv(n - len(buf))
            except socket.timeout:
                if stop.is_set():
                    return None
                continue
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def _tcp_conn(self, c, src):
        c.settimeout(0.2)
        wlock = threading.Lock()

        def send(b, via):
            with wlock:
                try:
                    c.sendall(struct.pack("!H", len(b)) + b)
                except OSError:
                    pass
        while not self._stop.is_set():
            hdr = self._recv_exact(c, 2, self._stop)
            if hdr is None:
                break
            data = self._recv_exact(c, struct.unpack("!H", hdr)[0], self._stop)
            if data is None:
                break
            rq = self._record(data, "tcp", src)
            self._dispatch(rq, send)
        try:
            c.close()
        except OSError:
            pass

    def _dispatch(self, rq, send):
        try:
            actions = self.actions(rq)
        except Exception:		# a bug here must not kill the server
            traceback.print_exc()
            return
        if not actions:
            return
        if all(d <= 0 for d, _, _ in actions):
            for _, b, via in actions:
                if b is not None:
                    send(b, via)
            return

        def later():
            t0 = rq.time
            for d, b, via in sorted(actions, key=lambda x: x[0]):
                wait = t0 + d - time.monotonic()
                if wait > 0 and self._stop.wait(wait):
                    return
                if b is not None:
                    send(b, via)
        threading.Thread(target=later, daemon=True).start()

    # -- answers ---------------------------------------------------------
    def actions(self, rq):
        """What to send for rq: [(delay seconds, wire, via)], via "main"
        or "spoof-port" (UDP only: from another port of this address)."""
        if self.responder is not None:
            r = self.responder(rq)
            if r is not None:
                return r
        if self.dead or rq.msg is None or not rq.msg.question:
            return []
        delay = self.delay.get(rq.qtype, 0)
        acts = []
        if self.spoof and rq.transport == "udp":
            via = "spoof-port" if self.spoof == "port" else "main"
            acts.append((0, self.spoof_wire(rq), via))
            delay = max(delay, self.spoof_gap)
        acts.append((delay, self.answer_wire(rq), "main"))
        return acts

    def response(self, rq):
        """A dns.message response for rq, records per the behaviour."""
        q = rq.msg
        r = dns.message.make_response(q, our_payload=self.edns_payload)
        r.flags |= dns.flags.RA
        if self.rcode is not None:
            r.set_rcode(self.rcode)
            return r
        name = q.question[0].name
        qtype = q.question[0].rdtype
        first = name.labels[0].lower() if name.labels else b""
        m = re.fullmatch(rb"big(\d+)", first)
        if qtype == dns.rdatatype.A:
            if m:
                n = int(m.group(1))
                addrs = ["198.18.%d.%d" % (i // 256, i % 256)
                         for i in range(n)]
            else:
                addrs = self.a
            if addrs:
                r.answer.append(dns.rrset.from_text_list(
                    name, self.ttl, "IN", "A", addrs))
        elif qtype == dns.rdatatype.AAAA and self.aaaa:
            r.answer.append(dns.rrset.from_text_list(
                name, self.ttl, "IN", "AAAA", self.aaaa))
        return r

    def answer_wire(self, rq):
        if self.malformed == "garbage":
            return b"\xde\xad" + os.urandom(30)
        r = self.response(rq)
        wire = r.to_wire(max_size=65535)
        if self.malformed == "truncated-record":
            # The ID and question match; the last record's RDATA is cut.
            return wire[:-2]
        if rq.transport == "udp":
            limit = max(512, rq.payload) if rq.edns >= 0 else 512
            if self.tc_udp or len(wire) > limit:
                t = dns.message.make_response(rq.msg,
                                              our_payload=self.edns_payload)
                t.flags |= dns.flags.RA | dns.flags.TC
                wire = t.to_wire()
        return wire

    def spoof_wire(self, rq):
        q = rq.msg
        name = q.question[0].name
        qid = rq.qid
        if self.spoof == "id":
            qid = (rq.qid + 1) & 0xffff
        r = dns.message.Message(id=qid)
        r.flags = dns.flags.QR | dns.flags.RD | dns.flags.RA
        qname = name
        if self.spoof == "question":
            qname = dns.name.from_text("spoofed.invalid.")
        r.question.append(dns.rrset.RRset(qname, dns.rdataclass.IN,
                                          q.question[0].rdtype))
        r.answer.append(dns.rrset.from_text_list(name, 86400, "IN", "A",
                                                 [SPOOF_A]))
        return r.to_wire(max_size=65535)
