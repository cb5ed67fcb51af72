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


# ---- deadline:MS keeps its promises ------------------------------------------
def servfail_aaaa(rq):
    """FakeUpstream responder: AAAA answered SERVFAIL, A left alone."""
    if rq.msg is None or rq.qtype != AAAA:
        return None
    r = dns.message.make_response(rq.msg)
    r.set_rcode(dns.rcode.SERVFAIL)
    return [(0, r.to_wire(), "main")]


def test_deadline_cached_servfail_gives_empty(daemon, upstream, uniq):
    """After an upstream SERVFAIL for the AAAA, the next queries get the
    empty answer at once (never the cached SERVFAIL), and the real answer
    is asked for again."""
    up = upstream(responder=servfail_aaaa)
    d = daemon("--aaaa-mode=deadline:300", servers=[up])
    name = uniq("dlsf")
    r, _ = udp_query(d.port, make_query(name, "AAAA", edns=True, qid=0x51))
    check_empty(r, name, 60, 0x51, True)
    assert wait_until(lambda: up.queries(qname=name, qtype="AAAA"), 1)
    for qid in (0x52, 0x53):
        n = len(up.queries(qname=name, qtype="AAAA"))
        r, dt = udp_query(d.port, make_query(name, "AAAA", edns=True,
                                             qid=qid))
        check_empty(r, name, 60, qid, True)
        assert dt < 0.1, "empty answer after %.3fs" % dt
        # A refresh went upstream (the cached SERVFAIL is not an answer).
        assert wait_until(lambda: len(up.queries(qname=name,
                                                 qtype="AAAA")) > n, 2), \
            "no refresh after a cached SERVFAIL"


@pytest.mark.slow
def test_deadline_late_answer_cached(daemon, upstream, uniq):
    """The upstream answers AAAA after 5 s, well past the 3.5 s a client
    waits: the client gets the empty answer at the deadline, and the late
    answer is still awaited and cached (up to UPSTREAM_CACHE_WAIT_MS)."""
    up = upstream(aaaa=["2001:db8::75"], delay={AAAA: 5.0})
    d = daemon("--aaaa-mode=deadline:300", servers=[up])
    name = uniq("dlLate")
    t0 = time.monotonic()
    r, dt = udp_query(d.port, make_query(name, "AAAA", edns=True, qid=0x61))
    check_empty(r, name, 60, 0x61, True)
    assert 0.25 <= dt <= 0.8, "deadline:300, empty answer after %.3fs" % dt
    # Wait for the upstream's answer (sent 5 s after the first question),
    # then ask again: the real answer, from the cache.
    assert wait_until(lambda: up.queries(qname=name, qtype="AAAA"), 1)
    first = up.queries(qname=name, qtype="AAAA")[0].time
    time.sleep(max(0, first + 5.5 - time.monotonic()))
    r, dt = d.q(name, "AAAA", edns=True)
    assert a_addrs(r) == ["2001:db8::75"], \
        "late AAAA answer not cached: %s %r" % (rcode_text(r), r.answer)
    assert dt < 0.1
    seen = up.queries(qname=name, qtype="AAAA")
    # One transaction asked: nothing new once its answer came (today's
    # upstream module may still retransmit within it; the upstream work
    # of issue 7 brings that to one datagram).
    assert all(x.time < first + 5.0 for x in seen), \
        "the AAAA was asked again: %r" % seen
    assert time.monotonic() - t0 < 7


def test_long_wait_still_servfail_in_time(daemon, upstream, uniq):
    """after-a: the transaction for an AAAA waits up to 30 s for the cache,
    but a client that still waits on it (a name without A records) gets
    SERVFAIL within 4 s, from a timer of its own.  A guard: it passes on
    the code before the long wait too, and fails without the client
    timer."""
    up = upstream(dead=True)
    d = daemon("--aaaa-mode=after-a", servers=[up])
    name = uniq("longwait")
    r, dt = d.q(name, "AAAA", edns=True, timeout=6)
    assert r is not None, "no answer within 6 s"
    assert r.rcode() == dns.rcode.SERVFAIL, rcode_text(r)
    assert dt < 4.0, "SERVFAIL after %.3fs" % dt


# ---- prefetch of short TTLs --------------------------------------------------
@pytest.mark.slow
def test_prefetch_short_ttl(daemon, upstream, uniq):
    """A name with TTL 2, asked every 100 ms for 5 s, with an upstream that
    takes 200 ms: no client ever waits on the expiry (prefetch refreshes
    it in time), and the upstream sees the refreshes."""
    up = upstream(ttl=2, a=["192.0.2.77"], delay={A: 0.2})
    d = daemon("--prefetch", servers=[up])
    name = uniq("pf")
    r, _ = d.q(name)
    assert a_addrs(r) == ["192.0.2.77"]
    slow = []
    t_end = time.monotonic() + 5.0
    nxt = time.monotonic()
    while time.monotonic() < t_end:
        nxt += 0.1
        r, dt = d.q(name, timeout=2)
        assert r is not None and a_addrs(r) == ["192.0.2.77"], rcode_text(r)
        if dt > 0.05:
            slow.append(round(dt, 3))
        time.sleep(max(0, nxt - time.monotonic()))
    assert not slow, "answers that waited on the upstream: %r" % slow
    # 1 + about one refresh per second of 2-s life.
    assert wait_until(lambda: len(up.queries(qname=name, qtype="A")) >= 4,
                      1), up.queries(qname=name)
