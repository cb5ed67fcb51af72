"""Diagnostics nobody offers (issue 10): per server, in SIGUSR1's
statistics, the AAAA questions whose clients were answered empty early
(deadline:MS, after-a), the real answers that came late (and how late, a
log2 histogram in ms), those that never came, and the time saved for the
clients; and log-queries naming the path that answered each query."""

import re
import threading
import time

import dns.message
import dns.rcode
import dns.rdatatype

from bdutil import a_addrs, rcode_text, wait_for
from test_aaaa_modes import together

AAAA = dns.rdatatype.AAAA
A = dns.rdatatype.A


def early(st, up):
    """The early-answer counters of server up in the stats dict st."""
    pre = "server %s " % up.server_arg
    return {k[len(pre):]: v for k, v in st.items() if k.startswith(pre)}


def wait_stats(d, up, key, n, timeout=5):
    """Poll SIGUSR1 until server up's counter key reaches n: the dict."""
    got = {}

    def ok():
        got.clear()
        got.update(early(d.stats(), up))
        return got.get(key, 0) >= n
    assert wait_for(ok, timeout), "%s never reached %d: %r" % (key, n, got)
    return got


def slow_aaaa(rcode, delay):
    """FakeUpstream responder: AAAA answered with rcode after delay s."""
    def respond(rq):
        if rq.msg is None or rq.qtype != AAAA:
            return None
        r = dns.message.make_response(rq.msg)
        r.set_rcode(rcode)
        return [(delay, r.to_wire(), "main")]
    return respond


# ---- SIGUSR1: late answers, never, time saved -----------------------------
def test_deadline_late_answer(daemon, upstream, uniq):
    """deadline:100 and an AAAA that takes 450 ms: one question answered
    early by the deadline, one late answer about 350 ms late (the 256-511
    bucket, with room for a loaded machine's timers either side), about
    350 ms saved for the one client."""
    up = upstream(aaaa=["2001:db8::5"], delay={AAAA: 0.45})
    d = daemon("--aaaa-mode=deadline:100", servers=[up])
    name = uniq("late")
    r, dt = d.q(name, "AAAA")
    assert r is not None and r.rcode() == 0 and not r.answer, rcode_text(r)
    assert dt < 0.35, "deadline:100 answered after %.3fs" % dt
    st = wait_stats(d, up, "late", 1)
    assert st["early deadline"] == 1, st
    assert st["early after-a"] == 0, st
    assert st["never"] == 0, st
    assert st["late by 256-511"] == 1, st
    assert st["saved late clients"] == 1, st
    assert 256 <= st["saved late ms"] <= 511, st
    assert st["saved never ms"] == 0 and st["saved never clients"] == 0, st
    # The late answer reached the cache: the next client gets it, and the
    # counters do not move (no early answer).
    r, _ = d.q(name, "AAAA")
    assert [x.address for rr in r.answer for x in rr] == ["2001:db8::5"]
    st2 = early(d.stats(), up)
    assert st2["early deadline"] == 1 and st2["late"] == 1, st2


def test_deadline_never_servfail(daemon, upstream, uniq):
    """The slow AAAA ends in SERVFAIL: no real answer; counted as never,
    the time saved counted up to the client deadline (3.5 s after the
    query: about 3.4 s after the empty answer at 100 ms)."""
    up = upstream()
    up.responder = slow_aaaa(dns.rcode.SERVFAIL, 0.4)
    d = daemon("--aaaa-mode=deadline:100", servers=[up])
    r, _ = d.q(uniq("sf"), "AAAA")
    assert r is not None and r.rcode() == 0 and not r.answer, rcode_text(r)
    st = wait_stats(d, up, "never", 1)
    assert st["early deadline"] == 1 and st["late"] == 0, st
    assert st["saved never clients"] == 1, st
    assert 3300 <= st["saved never ms"] <= 3500, st
    assert not any(k.startswith("late by") for k in st), st


def test_deadline_never_silent(daemon, upstream, uniq):
    """An AAAA that never comes at all: the transaction kept for the
    cache is ended (here: made room for a newer query at
    dns-forward-max=1) without an answer: never."""
    up = upstream()
    up.responder = slow_aaaa(dns.rcode.NOERROR, 60)
    d = daemon("--aaaa-mode=deadline:100", "--dns-forward-max=1",
               servers=[up])
    r, _ = d.q(uniq("gone"), "AAAA")
    assert r is not None and r.rcode() == 0 and not r.answer, rcode_text(r)
    st = early(d.stats(), up)
    assert st["early deadline"] == 1 and st["never"] == 0, st
    # Older than 200 ms, it makes room for the next query.
    time.sleep(0.25)
    r, _ = d.q(uniq("next"), "A")
    assert a_addrs(r) == ["192.0.2.1"], rcode_text(r)
    st = wait_stats(d, up, "never", 1)
    assert st["late"] == 0 and st["saved never clients"] == 1, st


def test_after_a_late(daemon, upstream, uniq):
    """after-a: the AAAA answered empty once the A is in; its real answer
    400 ms later counts as late, under after-a."""
    up = upstream(aaaa=["2001:db8::6"], delay={AAAA: 0.4})
    d = daemon("--aaaa-mode=after-a", servers=[up])
    out = together(d, uniq("aa"))
    assert a_addrs(out["A"][0]) == ["192.0.2.1"]
    assert not out["AAAA"][0].answer
    st = wait_stats(d, up, "late", 1)
    assert st["early after-a"] == 1 and st["early deadline"] == 0, st
    assert st["never"] == 0, st
    assert st["late by 256-511"] == 1, st
    assert 256 <= st["saved late ms"] <= 511, st


def test_servers_routed_apart(daemon, upstream, uniq):
    """Two servers routed apart (server=/a.test/, server=/b.test/): each
    gets its own counts."""
    ua = upstream(delay={AAAA: 0.45})
    ub = upstream(delay={AAAA: 0.45})
    d = daemon("--aaaa-mode=deadline:100",
               "--server=/a.test/" + ua.server_arg,
               "--server=/b.test/" + ub.server_arg)
    names = [uniq("x", "a.test")] + [uniq("y%d" % i, "b.test")
                                     for i in range(2)]
    ts = [threading.Thread(target=d.q, args=(n, "AAAA")) for n in names]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    st = wait_stats(d, ub, "late", 2)
    sa = early(d.stats(), ua)
    sb = early(d.stats(), ub)
    assert sa["early deadline"] == 1 and sa["late"] == 1, sa
    assert sb["early deadline"] == 2 and sb["late"] == 2, (sb, st)
    assert sa["late by 256-511"] == 1 and sb["late by 256-511"] == 2
    # Each question went to its own server only.
    assert {q.qname for q in ua.queries(qtype="AAAA")} == {names[0]}
    assert {q.qname for q in ub.queries(qtype="AAAA")} == set(names[1:])


# ---- log-queries: the path that answered -----------------------------------
def log_line(d, word, name, value, extra, timeout=2):
    """Wait for the log-queries=extra line "WORD NAME is VALUE (EXTRA)"
    (regexes but name)."""
    rx = r"^\S+: \d+ 127\.0\.0\.1/\d+ %s %s is %s \(%s\)$" % (
        word, re.escape(name.rstrip(".")), value, extra)
    m = d.wait_log(rx, timeout)
    assert m, "no line like %r in:\n%s" % (rx, d.log())
    return m


def test_log_paths_forward_cache_stale(daemon, upstream, uniq):
    """log-queries=extra: a forwarded reply names the server that
    answered and the time; the second query is cached; once expired, with
    the upstream dead, serve-stale's answer says so (dnsmasq's
    "cached-stale")."""
    up = upstream(ttl=1, delay={A: 0.05})
    srv = re.escape(up.server_arg)
    d = daemon("--log-queries=extra", "--serve-stale=60", servers=[up])
    name = uniq("fw")
    d.q(name)
    m = log_line(d, "reply", name, r"192\.0\.2\.1",
                 r"upstream, (\d+) ms, %s" % srv)
    assert 40 <= int(m.group(1)) < 1000, m.group(0)
    assert d.wait_log(r"^\S+: \d+ 127\.0\.0\.1/\d+ forwarded %s to %s$" %
                      (re.escape(name.rstrip(".")), srv)), d.log()
    d.q(name)
    log_line(d, "cached", name, r"192\.0\.2\.1", r"cache, \d+ ms")
    time.sleep(1.2)		# the TTL of 1 s runs out
    up.dead = True
    r, _ = d.q(name, timeout=5)
    assert a_addrs(r) == ["192.0.2.1"], rcode_text(r)
    log_line(d, "cached-stale", name, r"192\.0\.2\.1", r"stale, \d+ ms")


def test_log_paths_empty(daemon, upstream, uniq, write_file):
    """Each way of answering empty names itself: dnsmasq's "config NAME is
    NODATA-IPv6" of filter-AAAA for aaaa-mode (filter-AAAA and
    filter-rr=AAAA are aaaa-mode=empty), aaaa-empty and filter (filter-rr
    of another type), the path in extra's parentheses; a wait that ran
    out its own word: deadline, after-a."""
    up = upstream(delay={AAAA: 0.4})
    d1 = daemon("--log-queries=extra", "--aaaa-mode=empty", servers=[up])
    n = uniq("mode")
    d1.q(n, "AAAA")
    log_line(d1, "config", n, "NODATA-IPv6", r"aaaa-mode, \d+ ms")

    d2 = daemon("--log-queries=extra", "--aaaa-empty=/ae.example.com/",
                servers=[up])
    n = uniq("x", "ae.example.com")
    d2.q(n, "AAAA")
    log_line(d2, "config", n, "NODATA-IPv6", r"aaaa-empty, \d+ ms")

    d3 = daemon("--log-queries=extra", "--filter-rr=A", servers=[up])
    n = uniq("filt")
    d3.q(n, "A")
    log_line(d3, "config", n, "NODATA-IPv4", r"filter, \d+ ms")

    d4 = daemon("--log-queries=extra", "--aaaa-mode=deadline:100",
                servers=[up])
    n = uniq("dl")
    d4.q(n, "AAAA")
    m = log_line(d4, "deadline", n, "NODATA-IPv6", r"deadline, (\d+) ms")
    assert 90 <= int(m.group(1)) < 400, m.group(0)

    d5 = daemon("--log-queries=extra", "--aaaa-mode=after-a", servers=[up])
    n = uniq("aa")
    together(d5, n)
    log_line(d5, "after-a", n, "NODATA-IPv6", r"after-a, \d+ ms")
    # The A of the same name: a forwarded reply.
    log_line(d5, "reply", n, r"192\.0\.2\.1",
             r"upstream, \d+ ms, %s" % re.escape(up.server_arg))


def test_log_paths_empty_client(daemon, upstream, uniq):
    """An aaaa-empty-client= network answers empty under its own path
    word, not under aaaa-empty= (a domain rule); a query of slow-types
    says so too."""
    up = upstream()
    d = daemon("--log-queries=extra", "--aaaa-mode=forward",
               "--slow-types=HTTPS", "--aaaa-empty-client=127.0.0.0/8",
               servers=[up])
    n = uniq("cl")
    d.q(n, "AAAA")
    log_line(d, "config", n, "NODATA-IPv6", r"aaaa-empty-client, \d+ ms")
    n = uniq("clh")
    d.q(n, "HTTPS")
    log_line(d, "config", n, "NODATA",
             r"aaaa-empty-client, slow-types, \d+ ms")
    assert up.queries(qname=n) == []
