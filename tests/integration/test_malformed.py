"""Malformed input from clients: dropped, FORMERR or NOTIMP, never a
crash; the daemon keeps answering."""

import struct

import dns.message
import dns.opcode
import dns.rcode
import pytest

from bdutil import a_addrs, make_query


def hdr(qid, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


QUESTION = b"\x07example\x03com\x00\x00\x01\x00\x01"


def parse_reply(b):
    """(id, flags, rcode, qdcount) from a reply's header."""
    qid, flags, qd = struct.unpack("!HHH", b[:6])
    return qid, flags, flags & 0xf, qd


@pytest.fixture
def d(daemon, upstream):
    return daemon(servers=[upstream()])


def assert_alive(d, uniq):
    r, _ = d.q(uniq("alive"))
    assert r is not None and a_addrs(r) == ["192.0.2.1"], "daemon not answering"


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x12\x34\x01\x00\x00",
                                  b"\xff" * 11], ids=["0", "1", "5", "11"])
def test_short_packet_dropped(d, uniq, data):
    b, _ = d.raw(data, timeout=0.4)
    assert b is None, "answer to a %d-byte packet: %r" % (len(data), b)
    assert_alive(d, uniq)


@pytest.mark.parametrize("qd", [0, 2])
def test_qdcount_formerr(d, uniq, qd):
    pkt = hdr(0x4d2e, qd=qd) + QUESTION * qd
    b, _ = d.raw(pkt)
    assert b is not None, "no answer to QDCOUNT=%d" % qd
    qid, flags, rcode, _ = parse_reply(b)
    assert qid == 0x4d2e
    assert flags & 0x8000
    assert rcode == dns.rcode.FORMERR, "rcode %d" % rcode
    assert_alive(d, uniq)


@pytest.mark.parametrize("opcode", [dns.opcode.NOTIFY, dns.opcode.UPDATE,
                                    dns.opcode.STATUS, 3],
                         ids=["notify", "update", "status", "op3"])
def test_opcode_notimp(d, uniq, opcode):
    pkt = hdr(0x0bad, flags=(opcode << 11)) + QUESTION
    b, _ = d.raw(pkt)
    assert b is not None, "no answer to opcode %d" % opcode
    qid, flags, rcode, _ = parse_reply(b)
    assert qid == 0x0bad
    assert rcode == dns.rcode.NOTIMP, "rcode %d" % rcode
    assert (flags >> 11) & 0xf == opcode, "opcode not echoed"
    assert_alive(d, uniq)


def test_qr_set_dropped(d, uniq):
    pkt = hdr(0x7777, flags=0x8100) + QUESTION
    b, _ = d.raw(pkt, timeout=0.4)
    assert b is None, "a packet with QR set was answered"
    # Not even an error for a response carrying garbage.
    b, _ = d.raw(hdr(0x7778, flags=0x8000, qd=0), timeout=0.4)
    assert b is None
    assert_alive(d, uniq)


@pytest.mark.parametrize("body", [
    b"\x07exam",			# label runs past the end
    b"\x07example\x03com\x00\x00",	# type cut
    b"\x07example\x03com\x00\x00\x01",	# class missing
    b"\xc0\x0c\x00\x01\x00\x01",	# pointer to itself
    b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01",	# label type 01
    (b"\x3f" + b"a" * 63) * 4 + b"\x00\x00\x01\x00\x01",	# name > 255
], ids=["label", "type", "class", "loop", "badlabel", "long"])
def test_bad_question_formerr(d, uniq, body):
    b, _ = d.raw(hdr(0x1e1e) + body)
    assert b is not None, "no answer to a malformed question"
    qid, _, rcode, _ = parse_reply(b)
    assert qid == 0x1e1e
    assert rcode == dns.rcode.FORMERR, "rcode %d" % rcode
    assert_alive(d, uniq)


def test_ancount_in_query_formerr(d, uniq):
    b, _ = d.raw(hdr(0x2222, an=1) + QUESTION)
    assert b is not None
    assert parse_reply(b)[2] == dns.rcode.FORMERR
    assert_alive(d, uniq)


def test_formerr_over_tcp(d, uniq):
    from bdutil import tcp_connect, tcp_recv, tcp_send
    s = tcp_connect(d.port)
    try:
        tcp_send(s, hdr(0x3131, qd=0))
        b = tcp_recv(s)
        assert parse_reply(b)[0] == 0x3131
        assert parse_reply(b)[2] == dns.rcode.FORMERR
        # the connection is still usable
        q = make_query(uniq("tcpafter"), "A", qid=0x3132)
        tcp_send(s, q.to_wire())
        r = dns.message.from_wire(tcp_recv(s))
        assert r.id == 0x3132 and a_addrs(r) == ["192.0.2.1"]
    finally:
        s.close()


def test_random_garbage_survives(d, uniq):
    rnd = __import__("random").Random(1234)
    for i in range(300):
        n = rnd.randrange(0, 600)
        data = bytes(rnd.getrandbits(8) for _ in range(n))
        d.raw(data, timeout=0.005)
    # Well-formed header, random body.
    for i in range(200):
        body = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 80)))
        d.raw(hdr(i, qd=1, ar=rnd.randrange(0, 3)) + body, timeout=0.005)
    assert_alive(d, uniq)
