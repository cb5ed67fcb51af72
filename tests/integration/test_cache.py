"""The answer cache: hits with TTLs counting down, TTL clamps, LRU bound,
negative caching (RFC 2308), SERVFAIL kept briefly, coalescing of
identical queries, serve-stale (RFC 8767), prefetch, SIGUSR1 statistics.

Every test counts what the fake upstream saw: a hit is a query that did
not reach it."""

import random
import re
import signal
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from bdutil import a_addrs, make_query, rcode_text, udp_query, tcp_query


def seen(up, name, qtype="A"):
    """How many queries for name/qtype the upstream saw (any transport)."""
    return len(up.queries(qname=name, qtype=qtype))


def a_ttl(resp):
    rr = [r for r in resp.answer if r.rdtype in (dns.rdatatype.A,
                                                  dns.rdatatype.AAAA)]
    assert rr, "no address records: %s" % resp
    return rr[0].ttl


def soa_ttl(resp):
    soa = [r for r in resp.authority if r.rdtype == dns.rdatatype.SOA]
    assert soa, "no SOA in authority: %s" % resp
    return soa[0].ttl


def wait_until(pred, timeout, step=0.05):
    end = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(step)


def sleep_until(t):
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)


def mixcase(name):
    return "".join(c.upper() if c.isalpha() and random.random() < 0.5
                   else c.lower() for c in name)


# ---- negative answers made by the fake upstream ---------------------------
def negative_responder(table):
    """responder for FakeUpstream: table maps a lower-case name (with its
    dot) to (rcode, soa) where soa is None or (ttl, minimum); any type."""
    def respond(rq):
        if rq.msg is None or not rq.msg.question:
            return None
        name = rq.qname.lower()
        if name not in table:
            return None
        rcode, soa = table[name]
        r = dns.message.make_response(rq.msg)
        r.flags |= dns.flags.RA
        r.set_rcode(rcode)
        if soa is not None:
            ttl, minimum = soa
            zone = dns.name.from_text(name).parent()
            r.authority.append(dns.rrset.from_text(
                zone, ttl, "IN", "SOA",
                "ns.%s hostmaster.%s 1 3600 600 86400 %d"
                % (zone, zone, minimum)))
        return [(0, r.to_wire(), "main")]
    return respond


# ---- positive hits ---------------------------------------------------------
def test_hit_ttl_counts_down(daemon, upstream, uniq):
    up = upstream(ttl=100, a=["192.0.2.11"])
    d = daemon(servers=[up])
    name = uniq("ttl")
    r, _ = d.q(name)
    assert a_addrs(r) == ["192.0.2.11"]
    assert a_ttl(r) in (99, 100)
    time.sleep(2.1)
    r, dt = d.q(name)
    assert a_addrs(r) == ["192.0.2.11"]
    assert a_ttl(r) in (97, 98), "TTL %d 2.1 s later, want 97 or 98" % a_ttl(r)
    assert seen(up, name) == 1, "second query reached the upstream"
    assert dt < 0.1, "cache hit took %.3fs" % dt


def test_hit_id_case_and_edns(daemon, upstream, uniq):
    """The key is case-insensitive; each hit carries the client's own ID,
    letter case and EDNS (no OPT for a client without EDNS)."""
    up = upstream(a=["192.0.2.12"])
    d = daemon(servers=[up])
    name = uniq("case")
    r, _ = udp_query(d.port, make_query(name, edns=True, qid=1))
    assert a_addrs(r) == ["192.0.2.12"] and r.edns == 0
    for i, edns in enumerate([False, True, False, True]):
        qn = mixcase(name)
        qid = 0x4000 + i
        r, _ = udp_query(d.port, make_query(qn, edns=edns, qid=qid))
        assert r is not None, "no answer"
        assert r.id == qid
        assert r.flags & dns.flags.QR and r.rcode() == 0, rcode_text(r)
        assert r.question[0].name.to_text() == qn, \
            "question %s, client sent %s" % (r.question[0].name, qn)
        assert a_addrs(r) == ["192.0.2.12"]
        if edns:
            assert r.edns == 0, "EDNS client, hit without OPT"
        else:
            assert r.edns == -1, "hit carries OPT, the client sent none"
    assert seen(up, name) == 1, up.queries()


def test_hit_truncated_for_small_client(daemon, upstream, uniq):
    """An answer of ~700 bytes cached from an EDNS client: a hit for a
    client without EDNS over UDP is TC; over TCP it is whole."""
    up = upstream()
    d = daemon(servers=[up])
    name = "big40." + uniq("tc")
    r, _ = d.q(name, edns=True, payload=1232)
    assert len(r.answer[0]) == 40 and not r.flags & dns.flags.TC
    r, _ = udp_query(d.port, make_query(name, qid=777))
    assert r is not None and r.id == 777
    assert r.flags & dns.flags.TC, "hit > 512 bytes to non-EDNS client, no TC"
    assert r.edns == -1
    r, _ = tcp_query(d.port, make_query(name, qid=778))
    assert r.id == 778 and not r.flags & dns.flags.TC
    assert len(r.answer[0]) == 40
    assert seen(up, name) == 1, up.queries()


def test_do_bit_in_key(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    name = uniq("do")
    d.q(name, edns=True, do=True)
    d.q(name, edns=True, do=False)
    assert seen(up, name) == 2, "DO and non-DO shared a cache entry"
    d.q(name, edns=True, do=True)
    d.q(name, edns=True, do=False)
    assert seen(up, name) == 2


# ---- clamps and bounds -----------------------------------------------------
def test_max_cache_ttl(daemon, upstream, uniq):
    up = upstream(ttl=100)
    d = daemon("--max-cache-ttl=5", servers=[up])
    name = uniq("max")
    t0 = time.monotonic()
    d.q(name)
    r, _ = d.q(name)
    assert seen(up, name) == 1
    assert a_ttl(r) <= 5, "max-cache-ttl=5, hit with TTL %d" % a_ttl(r)
    sleep_until(t0 + 4.0)
    d.q(name)
    assert seen(up, name) == 1, "expired before 5 s"
    sleep_until(t0 + 5.5)
    r, _ = d.q(name)
    assert a_addrs(r) == ["192.0.2.1"]
    assert seen(up, name) == 2, "still served from the cache after 5.5 s"


def test_min_cache_ttl(daemon, upstream, uniq):
    up = upstream(ttl=1)
    d = daemon("--min-cache-ttl=60", servers=[up])
    name = uniq("min")
    d.q(name)
    time.sleep(1.5)
    r, _ = d.q(name)
    assert a_addrs(r) == ["192.0.2.1"]
    assert seen(up, name) == 1, "TTL 1 not raised to min-cache-ttl=60"
    assert 55 <= a_ttl(r) <= 60, "hit TTL %d" % a_ttl(r)


def test_lru_eviction(daemon, upstream, uniq):
    up = upstream()
    d = daemon("--cache-size=2", servers=[up])
    a, b, c = uniq("a"), uniq("b"), uniq("c")
    for n in (a, b, a, c):
        assert a_addrs(d.q(n)[0]) == ["192.0.2.1"]
    assert (seen(up, a), seen(up, b), seen(up, c)) == (1, 1, 1)
    d.q(a)
    assert seen(up, a) == 1, "a (recently used) was evicted"
    d.q(b)
    assert seen(up, b) == 2, "b (least recently used) was not evicted"


def test_cache_size_zero(daemon, upstream, uniq):
    up = upstream()
    d = daemon("--cache-size=0", servers=[up])
    name = uniq("nocache")
    for _ in range(3):
        assert a_addrs(d.q(name)[0]) == ["192.0.2.1"]
    assert seen(up, name) == 3, "cache-size=0 still caches"


def test_refused_not_cached(daemon, upstream, uniq):
    up = upstream(rcode=dns.rcode.REFUSED)
    d = daemon(servers=[up])
    name = uniq("ref")
    r, _ = d.q(name, timeout=5)
    assert r is not None
    n = seen(up, name)
    assert n >= 1
    r, _ = d.q(name, timeout=5)
    assert r is not None
    assert seen(up, name) > n, "a REFUSED answer was cached"


def test_truncated_not_cached(daemon, upstream, uniq):
    """The upstream answers TC over UDP and REFUSED over TCP: the daemon
    only ever holds a truncated answer, which must not be cached."""
    def respond(rq):
        if rq.msg is None or not rq.msg.question:
            return None
        r = dns.message.make_response(rq.msg)
        r.flags |= dns.flags.RA
        if rq.transport == "udp":
            r.flags |= dns.flags.TC
        else:
            r.set_rcode(dns.rcode.REFUSED)
        return [(0, r.to_wire(), "main")]
    up = upstream(responder=respond)
    d = daemon(servers=[up])
    name = uniq("trunc")
    r, _ = d.q(name, timeout=5)
    assert r is not None
    n = len(up.queries(qname=name, transport="udp"))
    assert n >= 1
    r, _ = d.q(name, timeout=5)
    assert r is not None
    assert len(up.queries(qname=name, transport="udp")) > n, \
        "a truncated answer was served from the cache"


# ---- negative caching ------------------------------------------------------
def test_negative_with_soa(daemon, upstream, uniq):
    """NXDOMAIN and NODATA with an SOA: kept min(SOA MINIMUM, SOA TTL)."""
    nx_min = uniq("nxmin")	# MINIMUM 2 < TTL 100
    nx_ttl = uniq("nxttl")	# TTL 2 < MINIMUM 100
    nodata = uniq("nodata")	# NODATA, MINIMUM 2
    table = {nx_min: (dns.rcode.NXDOMAIN, (100, 2)),
             nx_ttl: (dns.rcode.NXDOMAIN, (2, 100)),
             nodata: (dns.rcode.NOERROR, (100, 2))}
    up = upstream(responder=negative_responder(table))
    d = daemon(servers=[up])
    t0 = time.monotonic()
    for n, (rc, _) in table.items():
        r, _ = d.q(n)
        assert r is not None and r.rcode() == rc, rcode_text(r)
    time.sleep(0.5)
    for n, (rc, _) in table.items():
        r, _ = d.q(n)
        assert r is not None and r.rcode() == rc, rcode_text(r)
        assert r.answer == []
        assert soa_ttl(r) <= 2, "%s: negative hit with SOA TTL %d" % (
            n, soa_ttl(r))
        assert seen(up, n) == 1, "%s: negative answer not cached" % n
    sleep_until(t0 + 2.6)
    for n, (rc, _) in table.items():
        r, _ = d.q(n)
        assert r is not None and r.rcode() == rc
        assert seen(up, n) == 2, "%s: negative answer kept > 2 s" % n


def test_negative_without_soa(daemon, upstream, uniq):
    """No SOA: not cached, unless neg-ttl is set."""
    nx, nd = uniq("nxnosoa"), uniq("ndnosoa")
    table = {nx: (dns.rcode.NXDOMAIN, None), nd: (dns.rcode.NOERROR, None)}
    up = upstream(responder=negative_responder(table))
    d = daemon(servers=[up])
    d2 = daemon("--neg-ttl=2", servers=[up])
    for n in table:
        d.q(n)
        d.q(n)
        assert seen(up, n) == 2, "%s: cached without SOA and neg-ttl" % n
    up.clear()
    t0 = time.monotonic()
    for n, (rc, _) in table.items():
        r, _ = d2.q(n)
        assert r.rcode() == rc
        r, _ = d2.q(n)
        assert r is not None and r.rcode() == rc
        assert seen(up, n) == 1, "%s: not cached with neg-ttl=2" % n
    sleep_until(t0 + 2.6)
    for n in table:
        d2.q(n)
        assert seen(up, n) == 2, "%s: kept longer than neg-ttl=2" % n


def test_nxdomain_cached_answers_aaaa(daemon, upstream, uniq):
    """The cache knows the name does not exist: in the default (empty)
    mode, an AAAA query for it gets NXDOMAIN, not an empty NOERROR."""
    name = uniq("gone")
    up = upstream(responder=negative_responder(
        {name: (dns.rcode.NXDOMAIN, (300, 300))}))
    d = daemon(servers=[up])
    r, _ = d.q(name)
    assert r.rcode() == dns.rcode.NXDOMAIN
    r, dt = d.q(mixcase(name), "AAAA", edns=True)
    assert r is not None
    assert r.rcode() == dns.rcode.NXDOMAIN, \
        "AAAA for a cached NXDOMAIN name: %s" % rcode_text(r)
    assert dt < 0.3
    assert up.queries(qtype="AAAA") == []
    # A name the cache knows nothing about still gets the empty NOERROR.
    r, _ = d.q(uniq("other"), "AAAA")
    assert r.rcode() == dns.rcode.NOERROR


def test_servfail_cached_briefly(daemon, upstream, uniq):
    up = upstream(rcode=dns.rcode.SERVFAIL)
    d = daemon(servers=[up])
    name = uniq("sf")
    r, _ = d.q(name, timeout=5)
    t0 = time.monotonic()
    assert r is not None and r.rcode() == dns.rcode.SERVFAIL, rcode_text(r)
    n = seen(up, name)
    assert n >= 1
    r, dt = d.q(name, timeout=5)
    assert r is not None and r.rcode() == dns.rcode.SERVFAIL
    assert seen(up, name) == n, "SERVFAIL not cached for a second"
    assert dt < 0.1
    up.rcode = None
    sleep_until(t0 + 6.0)
    r, _ = d.q(name, timeout=5)
    assert seen(up, name) > n, "SERVFAIL kept longer than 5 s"
    assert a_addrs(r) == ["192.0.2.1"], rcode_text(r)


# ---- coalescing ------------------------------------------------------------
def test_coalescing(daemon, upstream, uniq):
    """50 identical queries from 50 sockets while the upstream takes 300 ms:
    one upstream query, 50 answers each with its own ID and letter case."""
    up = upstream(a=["192.0.2.50"], delay={dns.rdatatype.A: 0.3})
    d = daemon(servers=[up])
    name = uniq("coal")
    n = 50
    results = [None] * n
    barrier = threading.Barrier(n)

    def client(i):
        qn = mixcase(name)
        q = make_query(qn, qid=(0x1000 + i * 97) & 0xffff, edns=bool(i % 2))
        barrier.wait()
        r, dt = udp_query(d.port, q, timeout=3)
        results[i] = (q, r, dt)

    ts = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert seen(up, name) == 1, "%d upstream queries for 50 identical ones" \
        % seen(up, name)
    for q, r, dt in results:
        assert r is not None, "a client got no answer"
        assert r.id == q.id
        assert r.question[0].name.to_text() == q.question[0].name.to_text()
        assert a_addrs(r) == ["192.0.2.50"]
        assert (r.edns == 0) == (q.edns == 0)
        assert dt < 1.5


# ---- serve-stale -----------------------------------------------------------
@pytest.mark.parametrize("how", ["dead", "servfail"])
def test_serve_stale(daemon, upstream, uniq, how):
    """An expired entry is served (TTL 30) while the upstream is dead or
    answers SERVFAIL, and refreshed once it is back.  Contrast: a daemon
    without serve-stale gives SERVFAIL."""
    up = upstream(ttl=1, a=["192.0.2.21"])
    d = daemon("--serve-stale=60", servers=[up])
    d0 = daemon(servers=[up])
    name = uniq("stale")
    assert a_addrs(d.q(name)[0]) == ["192.0.2.21"]
    assert a_addrs(d0.q(name)[0]) == ["192.0.2.21"]
    time.sleep(1.5)
    if how == "dead":
        up.dead = True
    else:
        up.rcode = dns.rcode.SERVFAIL
    contrast = {}
    t = threading.Thread(target=lambda: contrast.update(
        r=d0.q(name, timeout=5)[0]))
    t.start()
    for i in range(1 if how == "dead" else 2):
        r, dt = d.q(name, timeout=5)
        assert r is not None, "silence"
        assert r.rcode() == 0, \
            "expired entry, %s upstream, query %d: %s after %.2fs" % (
                how, i + 1, rcode_text(r), dt)
        assert a_addrs(r) == ["192.0.2.21"]
        assert dt < 2.2, "stale answer took %.2fs" % dt
        assert a_ttl(r) == 30, "stale answer TTL %d, want 30" % a_ttl(r)
    t.join()
    r = contrast.get("r")
    assert r is not None and r.rcode() == dns.rcode.SERVFAIL, \
        "expired entry served without serve-stale: %s" % rcode_text(r)
    # The upstream comes back with a new answer: the entry is refreshed.
    n = seen(up, name)
    up.a = ["192.0.2.22"]
    up.ttl = 300
    up.dead = False
    up.rcode = None
    got = []

    def refreshed():
        r, _ = d.q(name, timeout=3)
        got.append(a_addrs(r) if r is not None else None)
        return got[-1] == ["192.0.2.22"]
    assert wait_until(refreshed, 3, 0.2), \
        "entry never refreshed; answers %r" % got
    assert seen(up, name) > n


# ---- prefetch --------------------------------------------------------------
def test_prefetch(daemon, upstream, uniq):
    up = upstream(ttl=10, a=["192.0.2.31"])
    d = daemon("--prefetch", servers=[up])
    d0 = daemon(servers=[up])		# contrast: no prefetch
    name, name0 = uniq("pf"), uniq("nopf")
    t0 = time.monotonic()
    d.q(name)
    d0.q(name0)
    assert seen(up, name) == 1
    sleep_until(t0 + 9.2)
    r, dt = d.q(name)
    assert a_addrs(r) == ["192.0.2.31"] and dt < 0.1, \
        "query in the last 10%% not answered from the cache (%.3fs)" % dt
    assert a_ttl(r) <= 1
    d0.q(name0)
    assert wait_until(lambda: seen(up, name) >= 2, 0.6), \
        "no prefetch before expiry (upstream saw %d)" % seen(up, name)
    times = ["%.3f" % (x.time - t0) for x in up.queries(qname=name)]
    assert seen(up, name) == 2 and up.queries(qname=name)[1].time < \
        t0 + 10.0, "upstream saw queries at t=%r; the hit at t=9.2 took " \
        "%.3fs" % (times, dt)
    sleep_until(t0 + 10.5)
    r, dt = d.q(name)
    assert a_addrs(r) == ["192.0.2.31"]
    assert seen(up, name) == 2, "prefetched entry not used after expiry"
    assert a_ttl(r) >= 8
    assert seen(up, name0) == 1, "prefetch without --prefetch"


# ---- statistics --------------------------------------------------------------
def test_sigusr1_cache_statistics(daemon, upstream, uniq):
    up = upstream()
    d = daemon("--aaaa-mode=forward", servers=[up])
    for i in range(3):
        n = uniq("st%d" % i)
        d.q(n)
        d.q(n)
        d.q(n, "AAAA")
    off = len(d.log())
    d.signal(signal.SIGUSR1)
    assert d.wait_log(r"evict", timeout=2, start=off), \
        "no cache statistics after SIGUSR1:\n" + d.log()[off:]
    time.sleep(0.2)
    log = d.log()[off:].lower()
    # briskdns: cache: 6 entries, 432 bytes, hits 3, misses 6, inserts 6,
    #   evictions 0, stale answers served 0, prefetches 0
    cache = "\n".join(l for l in log.splitlines() if "cache" in l)
    for word in ("entries", "hits", "misses", "evictions",
                 "stale answers served", "prefetches"):
        assert word in cache, "statistics do not mention %r:\n%s" % (
            word, log)
    assert re.search(r"\bhits 3\b", cache), cache
    assert re.search(r"\bmisses 6\b", cache), cache
    assert re.search(r"\b6 entries\b", cache), cache
    # Per upstream: median and 95th percentile latency of A and of AAAA
    # answers, on a line naming the server:
    # server 127.0.0.1#5301: latency A: 3 answers, median 0.51 ms,
    #   p95 1.28 ms; AAAA: 3 answers, median 0.4 ms, p95 0.5 ms
    srv = [l for l in log.splitlines()
           if up.server_arg in l and "latency" in l]
    assert srv, "no per-upstream latency line:\n" + log
    srv = srv[0]
    assert re.search(r"\ba:.*median.*p95.*aaaa:.*median.*p95", srv), srv
    assert d.alive()
