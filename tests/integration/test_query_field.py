"""The query path as the field sees it (issue 7): what makes two questions
the same, what a client gets at a bound, deadline:MS with a slow or failing
upstream, prefetch of short TTLs, and the names never forwarded."""

import threading
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from bdutil import a_addrs, make_query, udp_query, rcode_text
from test_aaaa import check_empty

A = dns.rdatatype.A
AAAA = dns.rdatatype.AAAA


def wait_until(pred, timeout, step=0.02):
    """Poll pred() until true or timeout: its last value."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


def at_once(d, queries, timeout=3):
    """Send the dns.message queries from one socket each at the same
    moment: [(resp, dt)] in the same order."""
    out = [None] * len(queries)
    barrier = threading.Barrier(len(queries))

    def one(i, q):
        barrier.wait()
        out[i] = udp_query(d.port, q, timeout=timeout)
    ts = [threading.Thread(target=one, args=(i, q))
          for i, q in enumerate(queries)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


# ---- what makes two questions the same (coalescing) --------------------------
@pytest.mark.parametrize("bit", ["CD", "RD"])
def test_coalescing_keeps_cd_rd_apart(daemon, upstream, uniq, bit):
    """A CD=1 and a CD=0 question for the same name in flight at once are
    two upstream questions (an answer fetched with checking disabled never
    reaches a validating client); likewise RD."""
    flag = dns.flags.CD if bit == "CD" else dns.flags.RD
    up = upstream(delay={A: 0.3})
    d = daemon(servers=[up])
    name = uniq("bit" + bit)
    base = dns.flags.RD if bit == "CD" else 0
    q1 = make_query(name, "A", qid=0x1001, flags=base | flag)
    q0 = make_query(name, "A", qid=0x1000, flags=base)
    (r1, _), (r0, _) = at_once(d, [q1, q0])
    assert r1 is not None and r0 is not None
    assert a_addrs(r1) == ["192.0.2.1"] and a_addrs(r0) == ["192.0.2.1"]
    seen = up.queries(qname=name, qtype="A")
    with_bit = [r for r in seen if r.flags & flag]
    without = [r for r in seen if not r.flags & flag]
    assert with_bit and without, \
        "%s=1 and %s=0 questions were coalesced: upstream saw %r" % (
            bit, bit, seen)


# ---- at a bound --------------------------------------------------------------
def test_bound_gives_servfail(daemon, upstream, uniq):
    """At dns-forward-max the client gets SERVFAIL at once, not REFUSED
    (INTERFACE.md: SERVFAIL when no answer can be had)."""
    up = upstream(delay={A: 1.0})
    d = daemon("--dns-forward-max=1", servers=[up])
    first = uniq("bound1")
    res = {}
    t = threading.Thread(target=lambda: res.update(r=d.q(first, timeout=3)))
    t.start()
    try:
        assert wait_until(lambda: up.queries(qname=first), 2)
        r, dt = d.q(uniq("bound2"), timeout=2)
        assert r is not None, "no answer at the bound"
        assert r.rcode() == dns.rcode.SERVFAIL, rcode_text(r)
        assert dt < 0.5
        assert r.flags & dns.flags.RA
    finally:
        t.join()
    assert a_addrs(res["r"][0]) == ["192.0.2.1"]
