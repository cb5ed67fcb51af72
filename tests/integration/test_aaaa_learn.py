"""aaaa-mode=learn: per server, AAAA is forwarded while the server answers
it about as fast as A; a server learnt slow at AAAA gets a deadline (the
empty answer after MS), and is switched back when it recovers.

The figures stated in briskdns.conf(5): with 8 answers of each type seen,
SLOW within 2 slow AAAA answers, or after 3 failures (SERVFAIL, no answer)
in a row; FAST again after 8 fast AAAA answers in a row.

Each test runs in a network namespace of its own, so whether the host has
a global IPv6 route (learn is empty without one) is the test's choice."""

import re
import signal
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from bdutil import a_addrs, make_query, rcode_text, udp_query, wait_for
from test_aaaa import check_empty
from test_aaaa_modes import aaaa_responder

AAAA = dns.rdatatype.AAAA

pytestmark = pytest.mark.root


def with_v6_route(ns):
    """A global IPv6 route in ns: learn forwards AAAA."""
    ns.ip("-6", "route", "add", "2001:db8::/32", "dev", "lo")
    return ns


def slow_rx(up):
    return (r"server %s: AAAA slow \(p95 (\d+) ms against A p95 (\d+) ms "
            r"over (\d+) answers\): AAAA answered empty after (\d+) ms"
            % re.escape(up.server_arg))


def fast_rx(up):
    return (r"server %s: AAAA fast again \(the last (\d+) answers within "
            r"(\d+) ms, A p95 (\d+) ms\)" % re.escape(up.server_arg))


def warm(d, uniq, domain, n=8):
    """n A and n AAAA answers from the server of domain."""
    for i in range(n):
        name = uniq("warm", domain)
        r, _ = d.q(name)
        assert r is not None and a_addrs(r), rcode_text(r)
        r, _ = d.q(name, "AAAA")
        assert r is not None and a_addrs(r), rcode_text(r)


def test_learn_slow_and_back(netns, upstream, daemon, uniq):
    ns = with_v6_route(netns())
    ua = upstream("127.0.0.1", netns=ns, aaaa=["2001:db8::a"])
    ub = upstream("127.0.0.1", netns=ns, aaaa=["2001:db8::b"])
    d = daemon("--aaaa-mode=learn", "--server=/a.test/" + ua.server_arg,
               "--server=/b.test/" + ub.server_arg, "--log-queries",
               netns=ns)
    assert d.wait_log(r"aaaa-mode learn:250"), d.log()
    warm(d, uniq, "a.test")
    warm(d, uniq, "b.test")
    assert not re.search(r"AAAA slow", d.log()), d.log()

    # a.test's server gets slow at AAAA: the first slow answers are still
    # awaited (the server is fast as far as briskdns knows); SLOW at the
    # second.
    ua.delay = {AAAA: 2.0}
    n = 0
    while not re.search(slow_rx(ua), d.log()):
        n += 1
        assert n <= 2, "not SLOW after 2 slow AAAA answers:\n" + d.log()
        name = uniq("slow", "a.test")
        r, dt = d.q(name, "AAAA", timeout=4)
        assert a_addrs(r) == ["2001:db8::a"], rcode_text(r)
        assert dt >= 1.9, "AAAA answered after %.3fs" % dt
        d.wait_log(slow_rx(ua), timeout=0.5)
    m = re.search(slow_rx(ua), d.log())
    assert int(m.group(1)) >= 1900 and int(m.group(4)) == 250, m.group(0)

    # Now its AAAA queries are answered empty near 250 ms...
    late = []
    for i in range(2):
        name = uniq("Empty", "a.test")
        late.append(name)
        r, dt = udp_query(d.port, make_query(name, "AAAA", edns=True,
                                             qid=0x4c00 + i),
                          timeout=2, netns=ns.name)
        check_empty(r, name, 60, 0x4c00 + i, True)
        assert 0.2 <= dt <= 0.8, "learnt deadline: empty after %.3fs" % dt
    # ...its A queries are not slowed...
    r, dt = d.q(uniq("a", "a.test"))
    assert a_addrs(r) == ["192.0.2.1"] and dt < 0.5, rcode_text(r)
    # ...and the other server is not touched.
    for i in range(3):
        r, dt = d.q(uniq("other", "b.test"), "AAAA")
        assert a_addrs(r) == ["2001:db8::b"], rcode_text(r)
        assert dt < 0.5, "b.test AAAA after %.3fs" % dt
    assert not re.search(slow_rx(ub), d.log()), d.log()

    # log-queries names the path; SIGUSR1 counts the early answers and
    # shows what is learnt, per server.
    for name in late:
        assert re.search(r"^\S+: learn %s is NODATA-IPv6$" %
                         re.escape(name.rstrip(".")), d.log(), re.M), \
            d.log()
    off = len(d.log())
    st = d.stats()
    assert st["server %s early learn" % ua.server_arg] == 2, st
    assert st["server %s early deadline" % ua.server_arg] == 0, st
    stats = d.log()[off:]
    assert re.search(r"server %s: learnt: AAAA slow \(p95 \d+ ms over \d+ "
                     r"answers, A p95 \d+ ms over \d+" %
                     re.escape(ua.server_arg), stats), stats
    assert re.search(r"server %s: learnt: AAAA fast" %
                     re.escape(ub.server_arg), stats), stats

    # The server recovers.  The late answers to the questions asked while
    # it was slow still come (and are cached): wait for them, then count.
    ua.delay = {}
    for name in late:
        assert wait_for(lambda: a_addrs(d.q(name, "AAAA")[0]) ==
                        ["2001:db8::a"], timeout=4, step=0.1), \
            "late AAAA for %s never cached" % name
    start = len(d.log())
    n = 0
    while not re.search(fast_rx(ua), d.log()[start:]):
        n += 1
        assert n <= 8, "not FAST after 8 fast AAAA answers:\n" + d.log()
        r, dt = d.q(uniq("back", "a.test"), "AAAA")
        assert a_addrs(r) == ["2001:db8::a"], rcode_text(r)
        d.wait_log(fast_rx(ua), timeout=0.2, start=start)
    assert n == 8, "FAST again after %d answers" % n
    # Forwarded and awaited again: a slow answer is waited for.
    ua.delay = {AAAA: 0.5}
    r, dt = d.q(uniq("after", "a.test"), "AAAA")
    assert a_addrs(r) == ["2001:db8::a"], rcode_text(r)
    assert dt >= 0.45, "AAAA after %.3fs" % dt


def test_learn_servfail(netns, upstream, daemon, uniq):
    """AAAA answered SERVFAIL 3 times in a row: SLOW, and from then on a
    SERVFAIL to AAAA becomes the empty answer (as with deadline:MS)."""
    ns = with_v6_route(netns())
    up = upstream("127.0.0.1", netns=ns,
                  responder=aaaa_responder(dns.rcode.SERVFAIL))
    d = daemon("--aaaa-mode=learn:300", "--server=" + up.server_arg,
               netns=ns)
    rx = (r"server %s: AAAA slow \(3 failures in a row: no answer in "
          r"time, or SERVFAIL\): AAAA answered empty after 300 ms" %
          re.escape(up.server_arg))
    for i in range(3):
        r, _ = d.q(uniq("sf"), "AAAA")
        assert r is not None and r.rcode() == dns.rcode.SERVFAIL, \
            "FAST: the upstream's answer, %s" % rcode_text(r)
    assert d.wait_log(rx, timeout=1), d.log()
    name = uniq("sfempty")
    r, dt = udp_query(d.port, make_query(name, "AAAA", qid=0x5f),
                      timeout=2, netns=ns.name)
    check_empty(r, name, 60, 0x5f, False)
    assert dt < 0.3, "SERVFAIL turned empty after %.3fs" % dt
    assert a_addrs(d.q(uniq("sfa"))[0]) == ["192.0.2.1"]
    # A server that stays across SIGHUP keeps what was learnt of it.
    off = len(d.log())
    d.signal(signal.SIGHUP)
    assert d.wait_log(r"configuration reloaded", timeout=3, start=off), \
        d.log()[off:]
    up.responder = None
    up.delay = {AAAA: 1.0}
    r, dt = d.q(uniq("sfhup"), "AAAA")
    assert r is not None and r.rcode() == 0 and a_addrs(r) == [], \
        rcode_text(r)
    assert 0.25 <= dt < 0.8, "learnt deadline after SIGHUP: %.3fs" % dt


def test_learn_unanswered(netns, upstream, daemon, uniq):
    """A server that never answers AAAA: its clients get SERVFAIL at the
    client deadline (3.5 s) while it is FAST, and after 3 such failures
    in a row it is SLOW."""
    ns = with_v6_route(netns())

    def drop_aaaa(rq):
        return [] if rq.qtype == AAAA else None
    up = upstream("127.0.0.1", netns=ns, responder=drop_aaaa)
    d = daemon("--aaaa-mode=learn", "--server=" + up.server_arg, netns=ns)
    rx = r"server %s: AAAA slow \(3 failures in a row" % re.escape(
        up.server_arg)
    out = []

    def one(i):
        out.append(d.q(uniq("drop%d" % i), "AAAA", timeout=6))
    ts = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for r, dt in out:
        assert r is not None and r.rcode() == dns.rcode.SERVFAIL, \
            rcode_text(r)
        assert 3.0 <= dt <= 4.5, "SERVFAIL after %.3fs" % dt
    assert d.wait_log(rx, timeout=1), d.log()
    name = uniq("dropempty")
    r, dt = udp_query(d.port, make_query(name, "AAAA", qid=0x6a),
                      timeout=2, netns=ns.name)
    check_empty(r, name, 60, 0x6a, False)
    assert 0.2 <= dt <= 0.8, "empty after %.3fs" % dt


def test_learn_no_ipv6(netns, upstream, daemon, uniq):
    """Without a global IPv6 route learn is empty: at once, nothing sent."""
    ns = netns()
    up = upstream("127.0.0.1", netns=ns, aaaa=["2001:db8::c"])
    d = daemon("--aaaa-mode=learn", "--server=" + up.server_arg, netns=ns)
    for i in range(3):
        name = uniq("nov6")
        r, dt = udp_query(d.port, make_query(name, "AAAA", qid=0x70 + i),
                          timeout=2, netns=ns.name)
        check_empty(r, name, 60, 0x70 + i, False)
        assert dt < 0.1, "empty after %.3fs" % dt
    assert up.queries(qtype="AAAA") == [], "AAAA forwarded without IPv6"
    assert a_addrs(d.q(uniq("nov6a"))[0]) == ["192.0.2.1"]
    # A global route appears: forwarded.
    ns.ip("-6", "route", "add", "2001:db8::/32", "dev", "lo")
    assert wait_for(lambda: a_addrs(d.q(uniq("v6"), "AAAA")[0]) ==
                    ["2001:db8::c"], timeout=2, step=0.1), d.log()


def test_learn_slow_types(netns, upstream, daemon, uniq):
    """slow-types=HTTPS under learn: HTTPS is learnt apart from AAAA.  A
    server that answers HTTPS SERVFAIL 3 times in a row is slow at HTTPS
    only: its HTTPS queries get the empty answer after MS, its AAAA
    queries are still forwarded and awaited."""
    ns = with_v6_route(netns())
    HTTPS = dns.rdatatype.HTTPS

    def https_servfail(rq):
        if rq.msg is None or rq.qtype != HTTPS:
            return None
        r = dns.message.make_response(rq.msg)
        r.set_rcode(dns.rcode.SERVFAIL)
        return [(0, r.to_wire(), "main")]
    up = upstream("127.0.0.1", netns=ns, aaaa=["2001:db8::d"],
                  responder=https_servfail)
    d = daemon("--aaaa-mode=learn:300", "--slow-types=HTTPS",
               "--server=" + up.server_arg, netns=ns)
    rx = (r"server %s: HTTPS/SVCB slow \(3 failures in a row: no answer "
          r"in time, or SERVFAIL\): slow-types' queries answered empty "
          r"after 300 ms" % re.escape(up.server_arg))
    for i in range(3):
        r, _ = d.q(uniq("hsf"), "HTTPS")
        assert r is not None and r.rcode() == dns.rcode.SERVFAIL, \
            "not learnt yet: the upstream's answer, %s" % rcode_text(r)
    assert d.wait_log(rx, timeout=1), d.log()
    # HTTPS: the empty answer, AAAA's shape (NOERROR, SOA, no record).
    r, dt = d.q(uniq("hempty"), "HTTPS")
    assert r is not None and r.rcode() == dns.rcode.NOERROR, rcode_text(r)
    assert not r.answer and r.authority, r
    assert dt < 0.5, "SERVFAIL turned empty after %.3fs" % dt
    # AAAA is not slowed: a 0.5 s answer is still awaited.
    assert not re.search(r"server %s: AAAA slow" %
                         re.escape(up.server_arg), d.log()), d.log()
    up.delay = {AAAA: 0.5}
    r, dt = d.q(uniq("haaaa"), "AAAA")
    assert a_addrs(r) == ["2001:db8::d"], rcode_text(r)
    assert dt >= 0.45, "AAAA after %.3fs" % dt


def test_learn_https_without_slow_types(netns, upstream, daemon, uniq):
    """Without slow-types, HTTPS queries are forwarded whatever a server
    does with them: learn judges nothing of them, logs no switch ("slow-
    types' queries answered empty" would be untrue) and SIGUSR1 shows
    the server fast at HTTPS/SVCB after 3 HTTPS SERVFAILs in a row."""
    ns = with_v6_route(netns())
    HTTPS = dns.rdatatype.HTTPS

    def https_servfail(rq):
        if rq.msg is None or rq.qtype != HTTPS:
            return None
        r = dns.message.make_response(rq.msg)
        r.set_rcode(dns.rcode.SERVFAIL)
        return [(0, r.to_wire(), "main")]
    up = upstream("127.0.0.1", netns=ns, responder=https_servfail)
    d = daemon("--aaaa-mode=learn", "--server=" + up.server_arg, netns=ns)
    for i in range(4):
        r, _ = d.q(uniq("hsf"), "HTTPS")
        assert r is not None and r.rcode() == dns.rcode.SERVFAIL, \
            rcode_text(r)
    off = len(d.log())
    d.stats()
    stats = d.log()[off:]
    assert re.search(r"server %s: learnt: AAAA fast .*; HTTPS/SVCB fast" %
                     re.escape(up.server_arg), stats), stats
    assert "HTTPS/SVCB slow" not in d.log(), d.log()
