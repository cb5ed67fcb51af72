"""AAAA modes: empty (the default and the seed scenario), forward,
aaaa-forward domains, filter-AAAA."""

import subprocess
import time

import dns.flags
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from bdutil import a_addrs, ede_codes, make_query, udp_query, rcode_text

SLOW_AAAA = {dns.rdatatype.AAAA: 3.0}


def check_empty(resp, qname_text, ttl, qid, edns, rdtype=dns.rdatatype.AAAA):
    """The empty answer of INTERFACE.md, field by field (of an AAAA query,
    or one of slow-types=: rdtype)."""
    assert resp is not None, "no answer"
    assert resp.id == qid
    assert resp.rcode() == dns.rcode.NOERROR, rcode_text(resp)
    assert resp.flags & dns.flags.QR
    assert not resp.flags & dns.flags.AA, "AA must be clear"
    assert resp.flags & dns.flags.RA, "RA must be set"
    assert resp.flags & dns.flags.RD, "RD must be echoed"
    assert not resp.flags & dns.flags.TC
    assert len(resp.question) == 1
    # The question in the client's letter case, exactly.
    assert resp.question[0].name.to_text() == qname_text
    assert resp.question[0].rdtype == rdtype
    assert resp.answer == []
    soa = [rr for rr in resp.authority if rr.rdtype == dns.rdatatype.SOA]
    assert len(soa) == 1, "authority: %r" % resp.authority
    soa = soa[0]
    assert soa.name == dns.name.from_text(qname_text)
    assert soa.ttl == ttl
    rd = soa[0]
    assert rd.mname == dns.name.from_text("localhost.")
    assert rd.rname == dns.name.from_text("nobody.invalid.")
    assert rd.minimum == ttl
    if edns:
        assert resp.edns == 0, "EDNS query, answer without OPT"
        assert 17 in ede_codes(resp), "no EDE 17: %r" % resp.options
    else:
        assert resp.edns == -1, "answer has OPT but the query had none"


@pytest.mark.parametrize("edns", [False, True], ids=["noedns", "edns"])
def test_seed_empty_aaaa(daemon, upstream, edns):
    up = upstream(delay=SLOW_AAAA)
    d = daemon(servers=[up])
    qname = "ExAmPle.COM."
    q = make_query(qname, "AAAA", edns=edns, qid=0x1234)
    resp, dt = udp_query(d.port, q)
    check_empty(resp, qname, 60, 0x1234, edns)
    assert dt < 0.3, "empty AAAA answer took %.3fs" % dt
    # A is still forwarded and answered at once.
    r, dt = d.q("ExAmPle.COM.", "A")
    assert a_addrs(r) == ["192.0.2.1"] and dt < 0.5
    # The A query left after the AAAA query was handled: had the AAAA
    # been forwarded, the upstream would have it by now.
    assert up.queries(qtype="AAAA") == [], "upstream saw an AAAA query"
    assert len(up.queries(qname="example.com.", qtype="A")) >= 1


def test_seed_local_ttl(daemon, upstream, uniq):
    up = upstream(delay=SLOW_AAAA)
    d = daemon("--local-ttl=5", servers=[up])
    name = uniq("Ttl")
    q = make_query(name, "AAAA", edns=True, qid=7)
    resp, dt = udp_query(d.port, q)
    check_empty(resp, name, 5, 7, True)
    assert up.queries(qtype="AAAA") == []


def test_seed_rd_clear_echoed(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    q = make_query(uniq(), "AAAA", flags=0, qid=99)
    resp, _ = udp_query(d.port, q)
    assert resp is not None and resp.rcode() == dns.rcode.NOERROR
    assert not resp.flags & dns.flags.RD, "RD set in answer to RD=0 query"


def test_seed_dig(daemon, upstream, uniq):
    """dig (EDNS with a cookie, its defaults) sees the empty answer fast."""
    up = upstream(delay=SLOW_AAAA)
    d = daemon(servers=[up])
    name = uniq("dig")
    t0 = time.monotonic()
    p = subprocess.run(["dig", "@127.0.0.1", "-p", str(d.port), name, "AAAA",
                        "+tries=1", "+time=2"], capture_output=True,
                       text=True, timeout=10)
    dt = time.monotonic() - t0
    assert p.returncode == 0, p.stdout + p.stderr
    assert "status: NOERROR" in p.stdout, p.stdout
    assert "ANSWER: 0" in p.stdout, p.stdout
    assert "AUTHORITY: 1" in p.stdout, p.stdout
    assert "EDE: 17" in p.stdout, p.stdout
    assert "nobody.invalid." in p.stdout
    assert dt < 1.0
    assert up.queries(qtype="AAAA") == []


def test_ipv6_listener_and_upstream(daemon, upstream, uniq):
    up = upstream(addr="::1")
    d = daemon(servers=[up], addr="::1")
    name = uniq("v6")
    r, _ = d.q(name, "A")
    assert a_addrs(r) == ["192.0.2.1"]
    r, dt = d.q(name, "AAAA", edns=True)
    assert r.answer == [] and r.rcode() == 0 and dt < 0.3
    assert len(up.queries(qname=name, qtype="A")) == 1


def test_forward_mode(daemon, upstream, uniq):
    up = upstream(aaaa=["2001:db8::42"])
    d = daemon("--aaaa-mode=forward", servers=[up])
    name = uniq("fwd")
    r, _ = d.q(name, "AAAA", edns=True)
    assert r is not None and r.rcode() == 0, rcode_text(r)
    assert a_addrs(r) == ["2001:db8::42"]
    assert 17 not in ede_codes(r)
    assert len(up.queries(qname=name, qtype="AAAA")) == 1


def test_forward_mode_waits_for_slow_aaaa(daemon, upstream, uniq):
    """aaaa-mode=forward really forwards: a 1 s AAAA takes >= 1 s."""
    up = upstream(aaaa=["2001:db8::43"], delay={dns.rdatatype.AAAA: 1.0})
    d = daemon("--aaaa-mode=forward", servers=[up])
    r, dt = d.q(uniq("slowfwd"), "AAAA", timeout=3)
    assert a_addrs(r) == ["2001:db8::43"]
    assert dt >= 0.9


def test_aaaa_forward_domains(daemon, upstream, uniq):
    up = upstream(aaaa=["2001:db8::7"])
    d = daemon("--aaaa-forward=/example.com/", servers=[up])
    inside = uniq("in", "example.com")
    r, _ = d.q(inside, "AAAA")
    assert a_addrs(r) == ["2001:db8::7"]
    assert len(up.queries(qname=inside, qtype="AAAA")) == 1
    # The apex itself is "the domain and below".
    r, _ = d.q("example.com.", "AAAA")
    assert a_addrs(r) == ["2001:db8::7"]
    other = uniq("out", "other.org")
    r, dt = d.q(other, "AAAA")
    assert r.rcode() == 0 and r.answer == [] and dt < 0.3
    # A name that merely ends in the same letters is not inside.
    r, _ = d.q(uniq("x", "notexample.com"), "AAAA")
    assert r.answer == []
    assert up.queries(qname=other, qtype="AAAA") == []
    assert len(up.queries(qtype="AAAA")) == 2


def test_aaaa_forward_from_file(daemon, upstream, uniq, write_file):
    up = upstream(aaaa=["2001:db8::8"])
    conf = write_file("c.conf", "aaaa-forward=/a.test/b.test/\n")
    d = daemon(servers=[up], conf=conf)
    for dom in ("a.test", "b.test"):
        r, _ = d.q(uniq("f", dom), "AAAA")
        assert a_addrs(r) == ["2001:db8::8"], dom
    r, _ = d.q(uniq("f", "c.test"), "AAAA")
    assert r.answer == []


def test_filter_aaaa_is_empty(daemon, upstream, uniq):
    up = upstream(delay=SLOW_AAAA)
    d = daemon("--filter-AAAA", servers=[up])
    name = uniq("filt")
    q = make_query(name, "AAAA", edns=True, qid=4321)
    resp, dt = udp_query(d.port, q)
    check_empty(resp, name, 60, 4321, True)
    assert dt < 0.3
    assert up.queries(qtype="AAAA") == []


def test_empty_mode_other_types_forwarded(daemon, upstream, uniq):
    """AAAA modes apply to AAAA only: MX and TXT are forwarded."""
    up = upstream()
    d = daemon(servers=[up])
    name = uniq("mx")
    for t in ("MX", "TXT"):
        r, _ = d.q(name, t)
        assert r is not None and r.rcode() == 0
        assert len(up.queries(qname=name, qtype=t)) == 1, t
