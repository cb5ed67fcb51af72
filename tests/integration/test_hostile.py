"""Hostile upstream answers and the header bits and keys of the answers.

A fake upstream (fakedns.py) sends answers built byte by byte; real
clients (dnspython, dig) check what briskdns makes of them.  Every case
here was broken before the record iterator of msg.c: answers rewritten by
cutting bytes, flags passed through as the upstream set them, CD missing
from the cache key, client options forwarded.
"""

import shutil
import socket
import struct
import subprocess
import threading

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from bdutil import a_addrs, make_query, tcp_query, udp_query, udp_raw

TTL = 300
OPT_ECS = 8
OPT_LOCAL = 65001


# ---- answers by hand ---------------------------------------------------
def question_of(wire):
    """The question section of a query, as bytes, and its name's offset."""
    off = 12
    while wire[off] != 0:
        off += 1 + wire[off]
    return wire[12:off + 5]


def header(rq, flags, an, ns, ar):
    return struct.pack("!HHHHHH", rq.qid, flags | (rq.flags & 0x0110),
                       1, an, ns, ar)


def rr(owner, rtype, rdata, ttl=TTL):
    return owner + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def opt_rr(size=1232):
    return b"\x00" + struct.pack("!HHIH", 41, size, 0, 0)


NS1 = b"\x03ns1\x05other\x03org\x00"
A1 = bytes([192, 0, 2, 1])
A_NS1 = bytes([198, 51, 100, 1])
AAAA_NS1 = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1])


def opt_before_compressed(rq):
    """The answer A; additional: OPT, ns1.other.org A, then an AAAA whose
    owner points at ns1.other.org, which sits after the OPT."""
    q = question_of(rq.wire)
    body = header(rq, 0x8180, 1, 0, 3) + q
    body += rr(b"\xc0\x0c", 1, A1)
    body += opt_rr()
    ns1_at = len(body)
    body += rr(NS1, 1, A_NS1)
    body += rr(struct.pack("!H", 0xc000 | ns1_at), 28, AAAA_NS1)
    return body


def forward_pointer(rq):
    """The answer's owner a pointer past itself (ldns accepts it)."""
    q = question_of(rq.wire)
    body = header(rq, 0x8180, 1, 0, 0) + q
    target = len(body) + 2 + 10 + 4
    body += rr(struct.pack("!H", 0xc000 | target), 1, A1)
    return body + b"\x00"


def two_opts(rq):
    q = question_of(rq.wire)
    return (header(rq, 0x8180, 1, 0, 2) + q + rr(b"\xc0\x0c", 1, A1) +
            opt_rr() + opt_rr())


def raw_responder(build, log=None):
    def respond(rq):
        if rq.msg is None or not rq.msg.question:
            return []
        return [(0, build(rq), "main")]
    return respond


# ---- helpers ------------------------------------------------------------
def dig(port, name, *opts):
    if shutil.which("dig") is None:
        pytest.skip("dig is not installed")
    p = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), name, "A",
                        "+tries=1", "+time=5"] + list(opts),
                       capture_output=True, text=True, timeout=15)
    return p.stdout + p.stderr


def names(section):
    return [r.name.to_text().lower() for r in section]


# ---- the rewriting of answers -------------------------------------------
def test_opt_before_compressed_record(daemon, upstream, uniq):
    """A client without EDNS gets every name right, first from the
    upstream, then from the cache (which kept the answer whole)."""
    up = upstream(responder=raw_responder(opt_before_compressed))
    d = daemon(servers=[up])
    name = uniq("optfirst")
    for round in range(2):
        r, _ = d.q(name, edns=False)
        assert r is not None and r.rcode() == dns.rcode.NOERROR
        assert r.edns < 0, "OPT passed to a client without EDNS"
        assert a_addrs(r) == ["192.0.2.1"]
        assert names(r.additional) == ["ns1.other.org.", "ns1.other.org."], \
            "round %d: additional names %r" % (round, names(r.additional))
        types = sorted(x.rdtype for x in r.additional)
        assert types == [dns.rdatatype.A, dns.rdatatype.AAAA]
    assert len(up.queries(qname=name)) == 1, "second answer not cached"
    out = dig(d.port, name, "+noedns")
    assert "status: NOERROR" in out and "malformed" not in out, out
    assert "ns1.other.org.\t" in out and "2001:db8::1" in out, out


def test_forward_pointer_is_malformed(daemon, upstream, uniq):
    """Check and rewrite agree: an answer with a forward compression
    pointer is no answer (SERVFAIL), over UDP and over TCP, not NOERROR
    with TC and no records."""
    up = upstream(responder=raw_responder(forward_pointer))
    d = daemon(servers=[up])
    for tcp in (False, True):
        name = uniq("fwdptr")
        r, _ = (d.qtcp if tcp else d.q)(name, timeout=5.0)
        assert r is not None
        assert r.rcode() == dns.rcode.SERVFAIL, \
            "tcp=%s: %s" % (tcp, dns.rcode.to_text(r.rcode()))
        assert not r.flags & dns.flags.TC


def test_two_opts_not_passed(daemon, upstream, uniq):
    """Two OPT records (RFC 6891: malformed) never reach an EDNS client:
    dig would say "malformed message packet"."""
    up = upstream(responder=raw_responder(two_opts))
    d = daemon(servers=[up])
    name = uniq("twoopt")
    out = dig(d.port, name, "+edns=0")
    assert "malformed" not in out.lower(), out
    assert "status: SERVFAIL" in out, out
    r, _ = d.q(uniq("twoopt"), edns=True, timeout=5.0)
    assert r is not None and r.rcode() == dns.rcode.SERVFAIL


# ---- header bits ----------------------------------------------------------
def test_aa_cleared_ra_set(daemon, upstream, uniq):
    """briskdns is no authority: AA is cleared, RA set, forwarded and
    cached alike."""
    def respond(rq):
        if rq.msg is None:
            return []
        q = question_of(rq.wire)
        # AA set, RA clear, as an authoritative server answers
        return [(0, header(rq, 0x8500, 1, 0, 0) + q +
                 rr(b"\xc0\x0c", 1, A1), "main")]
    up = upstream(responder=respond)
    d = daemon(servers=[up])
    name = uniq("aa")
    for round in range(2):
        r, _ = d.q(name)
        assert r is not None and a_addrs(r) == ["192.0.2.1"]
        assert not r.flags & dns.flags.AA, "round %d: AA passed on" % round
        assert r.flags & dns.flags.RA, "round %d: RA clear" % round
    assert len(up.queries(qname=name)) == 1


@pytest.mark.parametrize("first", ["plain", "ad"])
def test_ad_only_for_ad_or_do(daemon, upstream, uniq, first):
    """RFC 6840 5.7-5.8: AD reaches a client that set AD or DO, no other;
    the cached answer obeys the same rule whoever fetched it."""
    def respond(rq):
        if rq.msg is None:
            return []
        q = question_of(rq.wire)
        opt = opt_rr() if rq.edns >= 0 else b""
        return [(0, header(rq, 0x81a0, 1, 0, 1 if opt else 0) + q +
                 rr(b"\xc0\x0c", 1, A1) + opt, "main")]
    up = upstream(responder=respond)
    d = daemon(servers=[up])
    name = uniq("ad")
    plain = make_query(name, "A")
    adq = make_query(name, "A", flags=dns.flags.RD | dns.flags.AD)
    order = [plain, adq] if first == "plain" else [adq, plain]
    for q in order:
        r, _ = udp_query(d.port, q)
        assert r is not None and a_addrs(r) == ["192.0.2.1"]
        want = bool(q.flags & dns.flags.AD)
        assert bool(r.flags & dns.flags.AD) == want, \
            "client AD=%s got AD=%s" % (want, bool(r.flags & dns.flags.AD))
    r, _ = d.q(name, edns=True, do=True)
    assert r is not None and r.flags & dns.flags.AD, "DO client lost AD"
    # the upstream was asked with AD, so it could say
    assert all(s.flags & dns.flags.AD for s in up.queries(qname=name))


def test_cd_answer_not_served_to_cd0(daemon, upstream, uniq):
    """An answer fetched with CD=1 (not validated) is never served to a
    client that wants validation (CD=0), and the reverse."""
    def respond(rq):
        if rq.msg is None:
            return []
        q = question_of(rq.wire)
        forged = bool(rq.flags & dns.flags.CD)
        addr = bytes([203, 0, 113, 66]) if forged else A1
        return [(0, header(rq, 0x8180, 1, 0, 0) + q +
                 rr(b"\xc0\x0c", 1, addr), "main")]
    up = upstream(responder=respond)
    d = daemon(servers=[up])
    name = uniq("cd")
    cd = make_query(name, "A", flags=dns.flags.RD | dns.flags.CD)
    r, _ = udp_query(d.port, cd)
    assert a_addrs(r) == ["203.0.113.66"]
    assert r.flags & dns.flags.CD
    r, _ = d.q(name)
    assert a_addrs(r) == ["192.0.2.1"], "CD=1 answer served to CD=0"
    assert not r.flags & dns.flags.CD
    seen = up.queries(qname=name)
    assert sorted(bool(s.flags & dns.flags.CD) for s in seen) == \
        [False, True]
    # and each is cached under its own key
    r, _ = udp_query(d.port, make_query(name, "A",
                                        flags=dns.flags.RD | dns.flags.CD))
    assert a_addrs(r) == ["203.0.113.66"]
    assert len(up.queries(qname=name)) == 2


def test_header_bits_coalesced(daemon, upstream, uniq):
    """Clients joined on one upstream question each get their own ID,
    letter case and CD bit back."""
    up = upstream(delay={dns.rdatatype.A: 0.4})
    d = daemon(servers=[up])
    name = uniq("coal")
    spellings = [name, name.upper(), name[:3].upper() + name[3:]]
    results = [None] * len(spellings)

    def ask(i):
        flags = dns.flags.RD | (dns.flags.CD if i == 1 else 0)
        q = make_query(spellings[i], "A", qid=0x1000 + i, flags=flags)
        results[i] = (q, udp_query(d.port, q, timeout=3.0)[0])
    threads = [threading.Thread(target=ask, args=(i,))
               for i in range(len(spellings))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for q, r in results:
        assert r is not None
        assert r.id == q.id
        assert r.question[0].name.to_text() == q.question[0].name.to_text()
        assert (r.flags & dns.flags.CD) == (q.flags & dns.flags.CD), \
            "CD of another client"
        assert r.flags & dns.flags.RA and not r.flags & dns.flags.AA


# ---- EDNS options and sizes ------------------------------------------------
def test_ecs_not_sent_upstream(daemon, upstream, uniq):
    """No option of the client's goes upstream (ECS included): the
    upstream sees one query, without options, for two clients of
    different subnets; the second is answered from the cache."""
    up = upstream()
    d = daemon(servers=[up])
    name = uniq("ecs")
    for subnet in ("192.0.2.0", "198.51.100.0"):
        ecs = dns.edns.ECSOption(subnet, 24)
        local = dns.edns.GenericOption(OPT_LOCAL, b"briskdns")
        r, _ = d.q(name, edns=True, options=[ecs, local])
        assert r is not None and r.rcode() == dns.rcode.NOERROR
    seen = up.queries(qname=name)
    assert len(seen) == 1, "upstream saw %d queries" % len(seen)
    assert seen[0].edns == 0
    assert seen[0].options == [], "options sent upstream: %r" % \
        seen[0].options


@pytest.mark.parametrize("packet_max", [None, 4096])
def test_edns_packet_max(daemon, upstream, uniq, packet_max):
    """A client offering 4096 gets at most edns-packet-max (1232 by
    default) over UDP, TC for a larger answer, the whole over TCP."""
    up = upstream()
    args = [] if packet_max is None else ["--edns-packet-max=%d" % packet_max]
    d = daemon(*args, servers=[up])
    limit = packet_max or 1232
    name = "big100." + uniq("t")	# 100 A records: about 1.7 kB
    q = make_query(name, "A", edns=True, payload=4096)
    b, _ = udp_raw(d.port, q.to_wire(), want_id=q.id, timeout=5.0)
    assert b is not None
    r = dns.message.from_wire(b)
    assert len(b) <= limit, "%d bytes over UDP" % len(b)
    if packet_max is None:
        assert r.flags & dns.flags.TC, "larger answer not truncated"
        assert r.edns == 0, "EDNS client lost its OPT"
    else:
        assert not r.flags & dns.flags.TC
        assert len(a_addrs(r)) == 100
    r, _ = tcp_query(d.port, q)
    assert r is not None and not r.flags & dns.flags.TC
    assert len(a_addrs(r)) == 100
    assert all(s.payload == limit for s in up.queries(qname=name)
               if s.edns >= 0), "EDNS size offered upstream"


def test_large_options_accepted(daemon, upstream, uniq):
    """Legal EDNS options of more than 512 bytes in all are no FORMERR."""
    up = upstream()
    d = daemon(servers=[up])
    name = uniq("opts")
    opts = [dns.edns.GenericOption(OPT_LOCAL, b"x" * 400),
            dns.edns.GenericOption(OPT_LOCAL + 1, b"y" * 400)]
    r, _ = d.q(name, edns=True, options=opts)
    assert r is not None
    assert r.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(r.rcode())
    assert a_addrs(r) == ["192.0.2.1"]


def test_query_over_4096_formerr(daemon, upstream, uniq):
    """A query datagram over 4096 bytes whose header reads: FORMERR, like
    any malformed query (it used to be dropped unanswered)."""
    up = upstream()
    d = daemon(servers=[up])
    q = make_query(uniq("huge"), "A", edns=True, qid=0x4b4b,
                   options=[dns.edns.GenericOption(OPT_LOCAL, b"z" * 5000)])
    wire = q.to_wire(max_size=65535)
    assert len(wire) > 4096
    b, _ = udp_raw(d.port, wire, want_id=0x4b4b)
    assert b is not None, "no answer to a %d-byte query" % len(wire)
    flags = struct.unpack("!H", b[2:4])[0]
    assert flags & 0x8000 and flags & 0xf == dns.rcode.FORMERR
    assert flags & 0x0080, "RA"
    assert up.queries() == []


def big_opt_answer(rq):
    """An answer whose OPT offers 4096 bytes (the upstream's own size)."""
    q = question_of(rq.wire)
    return (header(rq, 0x8180, 1, 0, 1) + q + rr(b"\xc0\x0c", 1, A1) +
            opt_rr(4096))


@pytest.mark.parametrize("packet_max", [None, 1400])
def test_opt_size_is_ours(daemon, upstream, uniq, packet_max):
    """The OPT an EDNS client gets says briskdns's UDP size
    (edns-packet-max), not the upstream's, fresh and from the cache."""
    up = upstream(responder=raw_responder(big_opt_answer))
    args = ["--edns-packet-max=%d" % packet_max] if packet_max else []
    d = daemon(*args, servers=[up])
    want = packet_max or 1232
    name = uniq("optsize")
    for round in range(2):
        r, _ = d.q(name, edns=True)
        assert r is not None and a_addrs(r) == ["192.0.2.1"]
        assert r.edns == 0 and r.payload == want, \
            "round %d: OPT payload %d, want %d" % (round, r.payload, want)
    assert len(up.queries(qname=name)) == 1
