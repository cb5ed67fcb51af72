"""Forwarding basics: what the upstream sees, what the client gets back."""

import threading

import dns.edns
import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from bdutil import a_addrs, make_query, udp_query

OPT_LOCAL = 65001		# an option code from the local/experimental range


def test_a_forwarded(daemon, upstream, uniq):
    up = upstream(a=["192.0.2.10", "192.0.2.11"], ttl=1234)
    d = daemon(servers=[up])
    name = uniq("fwd")
    r, dt = d.q(name)
    assert r is not None
    assert r.rcode() == dns.rcode.NOERROR
    assert a_addrs(r) == ["192.0.2.10", "192.0.2.11"]
    assert r.answer[0].ttl == 1234, "TTL not passed through"
    assert r.flags & dns.flags.RA
    assert dt < 0.5
    seen = up.queries(qname=name)
    assert len(seen) == 1
    assert seen[0].qtype == dns.rdatatype.A
    assert seen[0].transport == "udp"


def test_upstream_sees_edns_1232(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    for edns in (False, True):
        name = uniq("edns")
        d.q(name, edns=edns, payload=4096)
        s = up.queries(qname=name)[0]
        assert s.edns == 0, "query upstream without EDNS"
        assert s.payload == 1232, "EDNS size offered upstream: %d" % s.payload
        assert not s.do


def test_do_bit_passed(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    name = uniq("do")
    r, _ = d.q(name, edns=True, do=True)
    assert r is not None and r.rcode() == 0
    assert up.queries(qname=name)[0].do, "DO bit not passed upstream"


def test_client_options_not_passed(daemon, upstream, uniq):
    # Issue 7: as unbound, no client option goes upstream (the answer is
    # shared through the cache); test_hostile.py covers ECS.
    up = upstream()
    d = daemon(servers=[up])
    name = uniq("opt")
    opt = dns.edns.GenericOption(OPT_LOCAL, b"briskdns")
    r, _ = d.q(name, edns=True, options=[opt])
    assert r is not None and r.rcode() == 0
    seen = up.queries(qname=name)[0].options
    assert seen == [], "upstream saw options %r" % seen


def test_id_and_case_restored(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    name = uniq("MiXeD").replace("example.com", "ExAmPlE.CoM")
    q = make_query(name, "A", qid=0xbeef)
    r, _ = udp_query(d.port, q)
    assert r is not None
    assert r.id == 0xbeef
    assert r.question[0].name.to_text() == name
    assert r.answer and r.answer[0].name.to_text().lower() == name.lower()
    s = up.queries(qname=name)[0]
    assert s.qid != 0xbeef, "client's ID sent upstream"


def test_no_opt_for_non_edns_client(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    r, _ = d.q(uniq("noopt"), edns=False)
    assert r is not None and r.rcode() == 0
    assert r.edns == -1, "OPT in the answer to a query without EDNS"
    r, _ = d.q(uniq("opt"), edns=True)
    assert r.edns == 0, "no OPT in the answer to an EDNS query"


def test_random_ids_and_ports(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    names = [uniq("rnd%d" % i) for i in range(50)]
    for i, n in enumerate(names):
        q = make_query(n, "A", qid=1000 + i)	# sequential client IDs
        r, _ = udp_query(d.port, q)
        assert r is not None and r.id == 1000 + i
    seen = [up.queries(qname=n)[0] for n in names]
    ids = [s.qid for s in seen]
    ports = {s.sport for s in seen}
    assert len(set(ids)) >= 47, "upstream IDs repeat: %r" % ids
    steps = sum(1 for a, b in zip(ids, ids[1:]) if (b - a) & 0xffff <= 2)
    assert steps <= 3, "upstream IDs look sequential: %r" % ids
    assert sum(1 for i, x in enumerate(ids) if x == 1000 + i) <= 1, \
        "client IDs reused upstream: %r" % ids
    assert len(ports) >= 10, "only %d source ports over 50 queries: %r" % (
        len(ports), sorted(ports))
    assert 53 not in ports


def test_concurrent_clients(daemon, upstream, uniq):
    """Thirty clients at once, each gets its own answer."""
    up = upstream()
    d = daemon(servers=[up])
    names = [uniq("c%d" % i) for i in range(30)]
    results = {}

    def ask(n):
        results[n] = d.q(n, timeout=3)[0]
    ts = [threading.Thread(target=ask, args=(n,)) for n in names]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for n in names:
        r = results[n]
        assert r is not None, n
        assert r.question[0].name.to_text() == n
        assert a_addrs(r) == ["192.0.2.1"]


def test_nxdomain_passed(daemon, upstream, uniq):
    up = upstream(rcode=dns.rcode.NXDOMAIN)
    d = daemon(servers=[up])
    r, _ = d.q(uniq("nx"))
    assert r is not None and r.rcode() == dns.rcode.NXDOMAIN


@pytest.mark.parametrize("t", ["MX", "TXT", "PTR", "SRV"])
def test_other_types(daemon, upstream, uniq, t):
    up = upstream()
    d = daemon(servers=[up])
    name = uniq("t")
    r, _ = d.q(name, t)
    assert r is not None and r.rcode() == 0
    assert r.question[0].rdtype == dns.rdatatype.from_text(t)
    assert up.queries(qname=name)[0].qtype == dns.rdatatype.from_text(t)
