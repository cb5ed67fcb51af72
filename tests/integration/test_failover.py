"""Dead and failing upstreams, server selection, per-domain servers,
spoofed answers, dns-forward-max."""

import threading
import time

import dns.rcode
import dns.rdatatype
import pytest

from bdutil import a_addrs, make_query, rcode_text, udp_query, wait_for
from fakedns import SPOOF_A


def test_first_dead_second_answers(daemon, upstream, uniq):
    dead = upstream(dead=True)
    live = upstream(a=["192.0.2.50"])
    d = daemon(servers=[dead, live])
    for i in range(3):
        name = uniq("fo%d" % i)
        r, dt = d.q(name, timeout=4)
        assert r is not None, "no answer with one dead upstream"
        assert a_addrs(r) == ["192.0.2.50"], rcode_text(r)
        assert dt < 2.0, "answer took %.2fs with the first server dead" % dt


def test_strict_order_first_dead(daemon, upstream, uniq):
    dead = upstream(dead=True)
    live = upstream(a=["192.0.2.51"])
    d = daemon("--strict-order", servers=[dead, live])
    name = uniq("sofo")
    r, dt = d.q(name, timeout=4)
    assert a_addrs(r) == ["192.0.2.51"]
    assert dt < 2.0
    assert len(dead.queries(qname=name)) >= 1, "strict-order skipped server 1"


@pytest.mark.parametrize("n", [1, 2])
def test_all_dead_servfail(daemon, upstream, uniq, n):
    ups = [upstream(dead=True) for _ in range(n)]
    d = daemon(servers=ups)
    q = make_query(uniq("dead"), "A", qid=4242, edns=True)
    r, dt = udp_query(d.port, q, timeout=6)
    assert r is not None, "silence after %.1fs with dead upstreams" % dt
    assert r.rcode() == dns.rcode.SERVFAIL, rcode_text(r)
    assert r.id == 4242
    assert r.question[0].name == q.question[0].name
    assert dt < 4.2, "SERVFAIL after %.2fs (must be < 4 s)" % dt


def test_no_upstream_at_all_servfail(daemon, uniq):
    """No server= and --no-resolv: SERVFAIL (or REFUSED) at once."""
    d = daemon()
    r, dt = d.q(uniq("none"), timeout=5)
    assert r is not None, "silence with no upstream configured"
    assert r.rcode() in (dns.rcode.SERVFAIL, dns.rcode.REFUSED)
    assert dt < 4.2


def test_port_unreachable_upstream(daemon, uniq):
    """An upstream port with nothing bound (ICMP unreachable)."""
    from bdutil import free_port
    d = daemon(servers=["127.0.0.1#%d" % free_port()])
    r, dt = d.q(uniq("unreach"), timeout=5)
    assert r is not None and r.rcode() == dns.rcode.SERVFAIL
    assert dt < 4.2


def test_strict_order(daemon, upstream, uniq):
    u1 = upstream(a=["192.0.2.1"])
    u2 = upstream(a=["192.0.2.2"])
    d = daemon("--strict-order", servers=[u1, u2])
    for i in range(10):
        r, _ = d.q(uniq("so%d" % i))
        assert a_addrs(r) == ["192.0.2.1"]
    assert len(u1.queries()) == 10
    assert u2.queries() == [], "strict-order sent to the second server"


def test_all_servers(daemon, upstream, uniq):
    u1 = upstream(a=["192.0.2.1"])
    u2 = upstream(a=["192.0.2.1"])
    d = daemon("--all-servers", servers=[u1, u2])
    names = [uniq("all%d" % i) for i in range(5)]
    for n in names:
        r, _ = d.q(n)
        assert a_addrs(r) == ["192.0.2.1"]
    # The slower server's copy may still be on its way.
    wait_for(lambda: all(u1.queries(qname=n) and u2.queries(qname=n)
                         for n in names))
    for n in names:
        assert len(u1.queries(qname=n)) == 1, "server 1 missed %s" % n
        assert len(u2.queries(qname=n)) == 1, "server 2 missed %s" % n


@pytest.mark.parametrize("bad", [dns.rcode.SERVFAIL, dns.rcode.REFUSED],
                         ids=["servfail", "refused"])
def test_all_servers_error_does_not_win(daemon, upstream, uniq, bad):
    fail = upstream(rcode=bad)
    good = upstream(a=["192.0.2.60"], delay={dns.rdatatype.A: 0.2})
    d = daemon("--all-servers", servers=[fail, good])
    name = uniq("sfw")
    r, dt = d.q(name, timeout=3)
    assert r is not None
    assert r.rcode() == dns.rcode.NOERROR, \
        "the fast %s won over a proper answer" % dns.rcode.to_text(bad)
    assert a_addrs(r) == ["192.0.2.60"]
    assert len(fail.queries(qname=name)) == 1


def test_servfail_fails_over(daemon, upstream, uniq):
    """A SERVFAIL from the first server is not a useful answer: the
    other server is asked and its answer returned (strict-order makes the
    SERVFAIL server the first one asked)."""
    fail = upstream(rcode=dns.rcode.SERVFAIL)
    good = upstream(a=["192.0.2.61"])
    d = daemon("--strict-order", servers=[fail, good])
    name = uniq("sfo")
    r, dt = d.q(name, timeout=5)
    assert r is not None and a_addrs(r) == ["192.0.2.61"], rcode_text(r)
    assert dt < 2.0
    assert len(fail.queries(qname=name)) == 1


def test_all_servfail_gives_servfail(daemon, upstream, uniq):
    u1 = upstream(rcode=dns.rcode.SERVFAIL)
    u2 = upstream(rcode=dns.rcode.SERVFAIL)
    d = daemon(servers=[u1, u2])
    r, dt = d.q(uniq("sfsf"), timeout=5)
    assert r is not None and r.rcode() == dns.rcode.SERVFAIL
    assert dt < 4.2


def test_per_domain_server(daemon, upstream, uniq):
    default = upstream(a=["192.0.2.1"])
    corp = upstream(a=["10.1.2.3"])
    d = daemon("--server=/corp.test/" + corp.server_arg, servers=[default])
    inside = [uniq("c", "corp.test"), "corp.test.", uniq("d", "x.corp.test")]
    for n in inside:
        r, _ = d.q(n)
        assert a_addrs(r) == ["10.1.2.3"], n
        assert default.queries(qname=n) == [], "%s went to the default" % n
    outside = [uniq("o", "other.org"), uniq("o", "notcorp.test")]
    for n in outside:
        r, _ = d.q(n)
        assert a_addrs(r) == ["192.0.2.1"], n
        assert corp.queries(qname=n) == [], "%s went to the corp server" % n


def test_per_domain_server_in_file(daemon, upstream, uniq, write_file):
    default = upstream(a=["192.0.2.1"])
    corp = upstream(a=["10.1.2.4"])
    conf = write_file("c.conf", "server=/a.test/b.test/%s\nserver=%s\n"
                      % (corp.server_arg, default.server_arg))
    d = daemon(conf=conf)
    for dom, want in (("a.test", "10.1.2.4"), ("b.test", "10.1.2.4"),
                      ("c.test", "192.0.2.1")):
        r, _ = d.q(uniq("f", dom))
        assert a_addrs(r) == [want], dom


def test_local_domain_nxdomain(daemon, upstream, uniq):
    up = upstream()
    d = daemon("--server=/local.test/", servers=[up])
    for n, t in ((uniq("l", "local.test"), "A"),
                 (uniq("l", "local.test"), "MX"), ("local.test.", "A")):
        r, dt = d.q(n, t)
        assert r is not None and r.rcode() == dns.rcode.NXDOMAIN, n
        assert r.question[0].name.to_text() == n
        assert dt < 0.3
    # A forwarded query after them: once it is answered, anything of
    # local.test's sent before it would have reached the upstream.
    r, _ = d.q(uniq("o", "other.org"))
    assert a_addrs(r) == ["192.0.2.1"]
    assert [q for q in up.queries() if "local.test" in str(q.qname)] == [], \
        "local.test query sent upstream"


# ---- spoofed answers ----------------------------------------------------
@pytest.mark.parametrize("kind", ["id", "port", "question"])
def test_spoof_rejected(daemon, upstream, uniq, kind):
    up = upstream(a=["192.0.2.77"], spoof=kind, spoof_gap=0.1)
    d = daemon(servers=[up])
    name = uniq("spoof")
    r, dt = d.q(name, timeout=3)
    assert r is not None, "no answer after a %s spoof" % kind
    assert a_addrs(r) == ["192.0.2.77"], \
        "client got %r after a %s spoof" % (a_addrs(r), kind)
    assert SPOOF_A not in a_addrs(r)
    assert dt >= 0.09, "answered before the real answer was sent"
    # Nothing of the spoof cached either.
    r, _ = d.q(name)
    assert a_addrs(r) == ["192.0.2.77"]


# ---- malformed upstream answers -------------------------------------------
@pytest.mark.parametrize("how", ["garbage", "truncated-record"])
def test_malformed_upstream_servfail(daemon, upstream, uniq, how):
    up = upstream(malformed=how)
    d = daemon(servers=[up])
    r, dt = d.q(uniq("mal"), timeout=6)
    assert r is not None, "silence after a %s upstream answer" % how
    assert r.rcode() == dns.rcode.SERVFAIL, rcode_text(r)
    assert dt < 4.2
    ok = upstream(a=["192.0.2.80"])
    d2 = daemon(servers=[ok])
    assert a_addrs(d2.q(uniq("after"))[0]) == ["192.0.2.80"]
    # And the first daemon still answers locally.
    r, _ = d.q(uniq("alive"), "AAAA")
    assert r is not None and r.rcode() == 0


@pytest.mark.parametrize("how", ["garbage", "truncated-record"])
def test_malformed_upstream_other_wins(daemon, upstream, uniq, how):
    bad = upstream(malformed=how)
    good = upstream(a=["192.0.2.81"], delay={dns.rdatatype.A: 0.1})
    d = daemon("--all-servers", servers=[bad, good])
    r, dt = d.q(uniq("malo"), timeout=4)
    assert r is not None and a_addrs(r) == ["192.0.2.81"], rcode_text(r)
    assert dt < 2.0


# ---- dns-forward-max -------------------------------------------------------
def test_dns_forward_max(daemon, upstream, uniq):
    up = upstream(delay={dns.rdatatype.A: 1.5})
    d = daemon("--dns-forward-max=5", servers=[up])
    names = [uniq("fm%d" % i) for i in range(20)]
    results = {}

    def ask(n):
        results[n] = d.q(n, timeout=4)
    ts = [threading.Thread(target=ask, args=(n,)) for n in names]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    fast_err = [n for n in names if results[n][0] is not None and
                results[n][0].rcode() in (dns.rcode.REFUSED,
                                          dns.rcode.SERVFAIL)
                and results[n][1] < 1.0]
    answered = [n for n in names if results[n][0] is not None and
                a_addrs(results[n][0]) == ["192.0.2.1"]]
    silent = [n for n in names if results[n][0] is None]
    assert not silent, "%d queries got no answer" % len(silent)
    assert len(fast_err) >= 15, \
        "only %d immediate errors over the bound of 5 (answered %d)" % (
            len(fast_err), len(answered))
    assert len(answered) <= 5
    seen = {r.qname.lower() for r in up.queries()}
    assert len(seen) <= 5, "%d queries in flight upstream" % len(seen)
    # Still works afterwards.
    r, _ = d.q(uniq("fmafter"), timeout=3)
    assert a_addrs(r) == ["192.0.2.1"]
