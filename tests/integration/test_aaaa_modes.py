"""AAAA modes that forward and give up: deadline:MS and after-a[:MS].

In both, the client that gives up gets exactly the empty answer of
aaaa-mode=empty (check_empty of test_aaaa.py), and real AAAA answers
still reach the cache."""

import threading
import time

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from bdutil import a_addrs, make_query, rcode_text, udp_query, wait_for
from test_aaaa import check_empty
from test_netns import getaddrinfo_in

AAAA = dns.rdatatype.AAAA
A = dns.rdatatype.A


def aaaa_responder(rcode):
    """FakeUpstream responder: AAAA answered with rcode, A left alone."""
    def respond(rq):
        if rq.msg is None or rq.qtype != AAAA:
            return None
        r = dns.message.make_response(rq.msg)
        r.set_rcode(rcode)
        return [(0, r.to_wire(), "main")]
    return respond


def together(d, name, timeout=5):
    """Send the A and the AAAA query for name at the same moment, from two
    sockets, as getaddrinfo does: {"A": (resp, dt), "AAAA": (resp, dt)}."""
    out = {}
    barrier = threading.Barrier(2)

    def one(t, qid, edns):
        q = make_query(name, t, qid=qid, edns=edns)
        barrier.wait()
        out[t] = udp_query(d.port, q, timeout=timeout)
    ts = [threading.Thread(target=one, args=("A", 0xa1, False)),
          threading.Thread(target=one, args=("AAAA", 0xa2, True))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


# ---- deadline:MS -------------------------------------------------------------
def test_deadline_fast_answer(daemon, upstream, uniq):
    up = upstream(aaaa=["2001:db8::71"])
    d = daemon("--aaaa-mode=deadline:200", servers=[up])
    name = uniq("dlfast")
    r, dt = d.q(name, "AAAA", edns=True)
    assert a_addrs(r) == ["2001:db8::71"], rcode_text(r)
    assert dt < 0.15
    assert len(up.queries(qname=name, qtype="AAAA")) == 1


@pytest.mark.parametrize("edns", [False, True], ids=["noedns", "edns"])
def test_deadline_slow_answer(daemon, upstream, uniq, edns):
    up = upstream(aaaa=["2001:db8::72"], delay={AAAA: 1.0})
    d = daemon("--aaaa-mode=deadline:200", servers=[up])
    name = uniq("DlSlow")
    t0 = time.monotonic()
    r, dt = udp_query(d.port, make_query(name, "AAAA", edns=edns, qid=0x2345))
    check_empty(r, name, 60, 0x2345, edns)
    assert 0.15 <= dt <= 0.6, "deadline:200, empty answer after %.3fs" % dt
    assert len(up.queries(qname=name, qtype="AAAA")) == 1
    # The late real answer (at 1 s) was cached.
    time.sleep(max(0, t0 + 1.5 - time.monotonic()))
    n = len(up.queries(qname=name, qtype="AAAA"))
    r, dt = d.q(name, "AAAA", edns=edns)
    assert a_addrs(r) == ["2001:db8::72"], \
        "late AAAA answer not cached: %s %r" % (rcode_text(r), r.answer)
    assert dt < 0.1
    assert len(up.queries(qname=name, qtype="AAAA")) == n


@pytest.mark.parametrize("rcode", [dns.rcode.SERVFAIL, dns.rcode.REFUSED],
                         ids=["SERVFAIL", "REFUSED"])
def test_deadline_error_gives_empty(daemon, upstream, uniq, rcode):
    up = upstream(responder=aaaa_responder(rcode))
    d = daemon("--aaaa-mode=deadline:200", servers=[up])
    name = uniq("dlerr")
    r, dt = udp_query(d.port, make_query(name, "AAAA", edns=True, qid=77))
    check_empty(r, name, 60, 77, True)
    assert dt <= 0.6
    assert up.queries(qname=name, qtype="AAAA")
    # A is unaffected.
    assert a_addrs(d.q(name)[0]) == ["192.0.2.1"]


def test_deadline_local_ttl(daemon, upstream, uniq):
    up = upstream(delay={AAAA: 1.0})
    d = daemon("--aaaa-mode=deadline:200", "--local-ttl=9", servers=[up])
    name = uniq("dlttl")
    r, _ = udp_query(d.port, make_query(name, "AAAA", edns=True, qid=5))
    check_empty(r, name, 9, 5, True)


# ---- after-a -----------------------------------------------------------------
def test_after_a_together(daemon, upstream, uniq):
    """A and AAAA sent together, A answered at once, AAAA delayed 3 s:
    the AAAA client gets the empty answer as soon as A is known."""
    up = upstream(a=["192.0.2.41"], delay={AAAA: 3.0})
    d = daemon("--aaaa-mode=after-a", servers=[up])
    name = uniq("AfTer")
    out = together(d, name)
    r, dt = out["A"]
    assert a_addrs(r) == ["192.0.2.41"], rcode_text(r)
    assert dt < 0.3
    r, dt = out["AAAA"]
    check_empty(r, name, 60, 0xa2, True)
    assert dt < 0.3, "AAAA empty answer after %.3fs" % dt
    # Whether the AAAA reached the upstream depends on the race between
    # the two queries (if A was already cached, it need not): not asserted.


def test_after_a_ipv6_only(daemon, upstream, uniq):
    """A name without A records (A: NODATA) waits for its real AAAA."""
    up = upstream(a=[], aaaa=["2001:db8::42"], delay={AAAA: 0.5})
    d = daemon("--aaaa-mode=after-a", servers=[up])
    name = uniq("v6only")
    out = together(d, name)
    r, _ = out["A"]
    assert r is not None and r.rcode() == 0 and r.answer == []
    r, dt = out["AAAA"]
    assert r is not None
    assert a_addrs(r) == ["2001:db8::42"], \
        "IPv6-only name: %s %r" % (rcode_text(r), r.answer)
    assert 0.4 <= dt < 1.0, "real AAAA after %.3fs" % dt


def test_after_a_aaaa_alone_waits(daemon, upstream, uniq):
    """No A query for the name: the AAAA waits for its real answer."""
    up = upstream(aaaa=["2001:db8::43"], delay={AAAA: 0.5})
    d = daemon("--aaaa-mode=after-a", servers=[up])
    name = uniq("alone")
    r, dt = d.q(name, "AAAA", edns=True)
    assert a_addrs(r) == ["2001:db8::43"], rcode_text(r)
    assert 0.4 <= dt < 1.0


def test_after_a_cached(daemon, upstream, uniq):
    """A already cached: the AAAA gets the empty answer at once."""
    up = upstream(a=["192.0.2.44"], delay={AAAA: 3.0})
    d = daemon("--aaaa-mode=after-a", servers=[up])
    name = uniq("cached")
    assert a_addrs(d.q(name)[0]) == ["192.0.2.44"]
    r, dt = udp_query(d.port, make_query(name, "AAAA", qid=0x99))
    check_empty(r, name, 60, 0x99, False)
    assert dt < 0.3, "AAAA with A cached took %.3fs" % dt


def test_after_a_fast_aaaa_real(daemon, upstream, uniq):
    """AAAA answered before A: the real records."""
    up = upstream(aaaa=["2001:db8::45"], delay={A: 0.3})
    d = daemon("--aaaa-mode=after-a", servers=[up])
    name = uniq("fast6")
    out = together(d, name)
    r, dt = out["AAAA"]
    assert a_addrs(r) == ["2001:db8::45"], rcode_text(r)
    assert dt < 0.25
    assert a_addrs(out["A"][0]) == ["192.0.2.1"]


# ---- after-a:MS ---------------------------------------------------------------
# A at once, AAAA after 300 ms.  The bounds leave room on both sides: the
# empty answer of after-a:100 comes at ~100 ms, never before 90 ms, and
# well before the real AAAA at 300 ms.
def test_after_a_ms_empty(daemon, upstream, uniq):
    """after-a:100: the empty answer about 100 ms after the A; the late
    real AAAA is still cached."""
    up = upstream(a=["192.0.2.51"], aaaa=["2001:db8::51"],
                  delay={AAAA: 0.3})
    d = daemon("--aaaa-mode=after-a:100", servers=[up])
    name = uniq("AfterMs")
    out = together(d, name)
    r, dta = out["A"]
    assert a_addrs(r) == ["192.0.2.51"], rcode_text(r)
    r, dt = out["AAAA"]
    check_empty(r, name, 60, 0xa2, True)
    assert 0.09 <= dt < 0.28, \
        "after-a:100: AAAA empty answer after %.3fs (A after %.3fs)" % (
            dt, dta)
    assert dt - dta >= 0.09, "empty %.3fs after the A" % (dt - dta)
    # The late AAAA (at 300 ms) is cached beside the A.
    assert wait_for(lambda: d.stats()["cache inserts"] >= 2, 2), \
        "the late AAAA answer was not cached"
    r, dt = d.q(name, "AAAA", edns=True)
    assert a_addrs(r) == ["2001:db8::51"], \
        "late AAAA answer not cached: %s %r" % (rcode_text(r), r.answer)
    assert len(up.queries(qname=name, qtype="AAAA")) == 1


@pytest.mark.slow
def test_after_a_ms_within_client_deadline(daemon, upstream, uniq):
    """after-a:10000 never keeps a client past its own deadline: the empty
    answer comes by UPSTREAM_DEADLINE_MS (3.5 s) after the query, well
    before glibc's 5-second retry, not 10 s after the A."""
    up = upstream(a=["192.0.2.53"], aaaa=["2001:db8::53"],
                  delay={AAAA: 6.0})
    d = daemon("--aaaa-mode=after-a:10000", servers=[up])
    name = uniq("AfterCap")
    out = together(d, name, timeout=8)
    assert a_addrs(out["A"][0]) == ["192.0.2.53"]
    r, dt = out["AAAA"]
    check_empty(r, name, 60, 0xa2, True)
    assert 3.3 <= dt < 4.0, "after-a:10000: answered after %.3fs" % dt


def test_after_a_ms_real_wins(daemon, upstream, uniq):
    """after-a:500: the real AAAA at 300 ms comes inside the window."""
    up = upstream(a=["192.0.2.52"], aaaa=["2001:db8::52"],
                  delay={AAAA: 0.3})
    d = daemon("--aaaa-mode=after-a:500", servers=[up])
    name = uniq("AfterReal")
    out = together(d, name)
    assert a_addrs(out["A"][0]) == ["192.0.2.52"]
    r, dt = out["AAAA"]
    assert a_addrs(r) == ["2001:db8::52"], \
        "after-a:500: %s %r after %.3fs" % (rcode_text(r), r.answer, dt)
    assert 0.25 <= dt < 0.5


def test_after_a_ms_cached(daemon, upstream, uniq):
    """after-a:100, A cached: the empty answer ~100 ms after the AAAA
    arrived."""
    up = upstream(a=["192.0.2.53"], aaaa=["2001:db8::53"],
                  delay={AAAA: 0.3})
    d = daemon("--aaaa-mode=after-a:100", servers=[up])
    name = uniq("AfterCached")
    assert a_addrs(d.q(name)[0]) == ["192.0.2.53"]
    r, dt = udp_query(d.port, make_query(name, "AAAA", qid=0x9a))
    check_empty(r, name, 60, 0x9a, False)
    assert 0.09 <= dt < 0.28, "AAAA with A cached: empty after %.3fs" % dt


def test_after_a_ms_no_a(daemon, upstream, uniq):
    """after-a:100, A NODATA: the AAAA waits for its real answer."""
    up = upstream(a=[], aaaa=["2001:db8::54"], delay={AAAA: 0.3})
    d = daemon("--aaaa-mode=after-a:100", servers=[up])
    name = uniq("AfterV6")
    out = together(d, name)
    r, _ = out["A"]
    assert r is not None and r.rcode() == 0 and r.answer == []
    r, dt = out["AAAA"]
    assert a_addrs(r) == ["2001:db8::54"], rcode_text(r)
    assert 0.25 <= dt < 1.0


# ---- getaddrinfo (root) ------------------------------------------------------
@pytest.mark.root
def test_after_a_getaddrinfo(netns, upstream, daemon, procs, uniq):
    ns = netns()
    slow = upstream("127.0.0.2", 53, netns=ns, a=["192.0.2.1"],
                    delay={AAAA: 3.0})
    daemon("--server=127.0.0.2#53", "--aaaa-mode=after-a", port=53,
           netns=ns)
    ns.write_resolv_conf("nameserver 127.0.0.1\n"
                         "options timeout:5 attempts:1\n")
    name = uniq("gaiaftera").rstrip(".")
    res = getaddrinfo_in(ns, name, procs)
    assert res["addrs"] == ["192.0.2.1"], res
    assert res["dt"] < 0.5, "getaddrinfo with after-a took %.3fs" % res["dt"]
    assert slow.queries(qname=name + ".", qtype="A")


# ---- aaaa-empty=/DOMAIN/ -----------------------------------------------------
def test_aaaa_empty_domains(daemon, upstream, uniq, write_file):
    """aaaa-mode=forward with aaaa-empty=/tv.example/: AAAA for tv.example
    and below answered empty at once, never sent upstream; other names,
    and an aaaa-forward domain nested inside, forwarded."""
    up = upstream(a=["192.0.2.80"], aaaa=["2001:db8::80"])
    conf = write_file("c.conf", "aaaa-mode=forward\n"
                      "aaaa-empty=/tv.example/\n"
                      "aaaa-forward=/fwd.tv.example/\n")
    d = daemon(servers=[up], conf=conf)
    for name in (uniq("in", "tv.example"), "tv.example.",
                 uniq("deep", "a.b.tv.example")):
        r, dt = udp_query(d.port, make_query(name, "AAAA", edns=True,
                                             qid=0x4e4e))
        check_empty(r, name, 60, 0x4e4e, True)
        assert dt < 0.3
        assert up.queries(qname=name) == []
        # Other types of the same name are forwarded as before.
        r, _ = d.q(name, "A")
        assert a_addrs(r) == ["192.0.2.80"], rcode_text(r)
        assert len(up.queries(qname=name, qtype="A")) == 1
    assert up.queries(qtype="AAAA") == []
    forwarded = [uniq("out", "example.com"), uniq("x", "notv.example"),
                 uniq("n", "fwd.tv.example")]
    for name in forwarded:
        r, _ = d.q(name, "AAAA")
        assert a_addrs(r) == ["2001:db8::80"], (name, rcode_text(r))
        assert len(up.queries(qname=name, qtype="AAAA")) == 1
    assert len(up.queries(qtype="AAAA")) == len(forwarded)
