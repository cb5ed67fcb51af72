"""HTTPS and SVCB records, the new AAAA (issue 10).

1. Where AAAA is suppressed for a name (aaaa-mode=empty, auto without
   IPv6, aaaa-empty=, or a waiting mode while no AAAA is cached), the
   HTTPS/SVCB answer a client gets carries no ipv6hint: the SvcParam is
   taken out, the other ones kept, the RRSIG over the RRset dropped and AD
   cleared; in forwarded and cached answers alike, never in what the cache
   keeps.
2. slow-types=HTTPS,SVCB: those queries get what an AAAA query of the name
   gets from aaaa-mode (empty at once, deadline:MS, after-a)."""

import subprocess
import threading
import time

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset
import pytest

from bdutil import a_addrs, make_query, rcode_text, udp_query, wait_for
from test_aaaa import check_empty

HTTPS = dns.rdatatype.HTTPS
SVCB = dns.rdatatype.SVCB
AAAA = dns.rdatatype.AAAA
A = dns.rdatatype.A

RDATA = '1 . alpn=h2,h3 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1 key65333="x"'
SIG = "%s 13 3 300 20300101000000 20200101000000 12345 example.com. AAAAAAAA"


def svc_upstream(upstream, signed=True, **kw):
    """A fake upstream that answers HTTPS and SVCB with RDATA (ipv6hint,
    ipv4hint, alpn and an unknown key), signed: with an RRSIG over it and
    AD set; delays per type from up.delay, as for the other types."""
    up = upstream(**kw)

    def respond(rq):
        if rq.msg is None or rq.qtype not in (HTTPS, SVCB):
            return None
        r = dns.message.make_response(rq.msg, our_payload=1232)
        r.flags |= dns.flags.RA
        name = rq.msg.question[0].name
        t = dns.rdatatype.to_text(rq.qtype)
        r.answer.append(dns.rrset.from_text(name, 300, "IN", t, RDATA))
        if signed:
            r.flags |= dns.flags.AD
            r.answer.append(dns.rrset.from_text(name, 300, "IN", "RRSIG",
                                                SIG % t))
        return [(up.delay.get(rq.qtype, 0), r.to_wire(), "main")]
    up.responder = respond
    return up


def svc_keys(resp, rdtype=HTTPS):
    """The SvcParam keys (numbers) of each SVCB/HTTPS record of resp."""
    out = []
    for rrset in resp.answer:
        if rrset.rdtype == rdtype:
            out += [sorted(int(k) for k in rd.params) for rd in rrset]
    return out


def sigs(resp):
    return [rr for rr in resp.answer if rr.rdtype == dns.rdatatype.RRSIG]


def check_stripped(resp, rdtype=HTTPS):
    assert resp is not None and resp.rcode() == 0, rcode_text(resp)
    assert svc_keys(resp, rdtype) == [[1, 4, 65333]], resp.to_text()
    assert sigs(resp) == [], "RRSIG over the changed RRset kept"
    assert not resp.flags & dns.flags.AD, "AD set on a changed answer"
    rd = [rd for rr in resp.answer if rr.rdtype == rdtype for rd in rr][0]
    assert rd.priority == 1 and rd.target.to_text() == "."


def check_kept(resp, rdtype=HTTPS):
    assert resp is not None and resp.rcode() == 0, rcode_text(resp)
    assert svc_keys(resp, rdtype) == [[1, 4, 6, 65333]], resp.to_text()
    assert len(sigs(resp)) == 1
    assert resp.flags & dns.flags.AD


def q(d, name, rdtype=HTTPS):
    """A DO query (so AD and RRSIGs reach the client as they are)."""
    r, _ = d.q(name, rdtype, edns=True, do=True)
    return r


# ---- ipv6hint ------------------------------------------------------------
@pytest.mark.parametrize("rdtype", [HTTPS, SVCB], ids=["HTTPS", "SVCB"])
def test_hint_stripped_mode_empty(daemon, upstream, uniq, rdtype):
    """aaaa-mode=empty: forwarded and cached answers alike lose ipv6hint
    (and its RRSIG, and AD); the upstream is asked once."""
    up = svc_upstream(upstream)
    d = daemon(servers=[up])
    name = uniq("strip")
    check_stripped(q(d, name, rdtype), rdtype)
    check_stripped(q(d, name, rdtype), rdtype)		# from the cache
    assert len(up.queries(qname=name, qtype=rdtype)) == 1
    st = d.stats()
    assert st["ipv6hint removed"] == 2 and st["cache hits"] >= 1, st
    # A plain client (no EDNS) too: the OPT goes, the records read back.
    r, _ = d.q(name, rdtype)
    assert r.edns == -1 and svc_keys(r, rdtype) == [[1, 4, 65333]]


def test_hint_stripped_dig(daemon, upstream, uniq):
    """dig +dnssec reads the rewritten answer: no ipv6hint, no RRSIG, no
    ad flag, the other SvcParams as they were."""
    up = svc_upstream(upstream)
    d = daemon(servers=[up])
    name = uniq("dig")
    for _ in range(2):	# forwarded, then cached
        p = subprocess.run(["dig", "@127.0.0.1", "-p", str(d.port), name,
                            "HTTPS", "+dnssec", "+tries=1", "+time=2"],
                           capture_output=True, text=True, timeout=10)
        out = p.stdout
        assert "status: NOERROR" in out, out
        assert "WARNING" not in out and "malformed" not in out.lower(), out
        ans = [ln for ln in out.splitlines()
               if "\tHTTPS\t" in ln or "\tRRSIG\t" in ln]
        assert len(ans) == 1, out
        assert 'alpn="h2,h3"' in ans[0] and "ipv4hint=192.0.2.1" in ans[0]
        assert 'key65333="x"' in ans[0]
        assert "ipv6hint" not in ans[0], out
        flags = [ln for ln in out.splitlines() if ";; flags:" in ln][0]
        assert " ad" not in flags.split(";")[2], flags


def test_hint_forward_mode_then_hup(daemon, upstream, uniq, write_file):
    """aaaa-mode=forward keeps ipv6hint, RRSIG and AD; after a SIGHUP to
    aaaa-mode=empty the same name's answer loses it."""
    up = svc_upstream(upstream)
    conf = write_file("fwd.conf", "aaaa-mode=forward\n")
    d = daemon(servers=[up], conf=conf)
    name = uniq("hup")
    check_kept(q(d, name))
    check_kept(q(d, name))
    with open(conf, "w") as f:
        f.write("aaaa-mode=empty\n")
    off = len(d.log())
    d.signal(__import__("signal").SIGHUP)
    assert d.wait_log(r"configuration|reloaded|re-read", 3.0, off), \
        d.log()[off:]
    assert wait_for(lambda: svc_keys(q(d, name)) == [[1, 4, 65333]], 3.0)
    check_stripped(q(d, name))


def test_hint_aaaa_forward_domain(daemon, upstream, uniq):
    """aaaa-mode=empty with aaaa-forward=/d/: under d AAAA is forwarded,
    so the hint stays; elsewhere it goes."""
    up = svc_upstream(upstream)
    d = daemon("--aaaa-forward=/v6.example.com/", servers=[up])
    check_kept(q(d, uniq("kept", "v6.example.com")))
    check_stripped(q(d, uniq("gone")))


def test_hint_beside_dnsmasq(pair, upstream, uniq):
    """The same filter-AAAA configuration and the same signed HTTPS answer
    through dnsmasq 2.90 and briskdns: both forward the HTTPS query once;
    dnsmasq hands the ipv6hint on, briskdns takes it out (and the RRSIG,
    and AD), since its AAAA answer for the name is empty."""
    p = pair("filter-AAAA\n", up=svc_upstream(upstream))
    name = uniq("side")
    r = p.ask(name, "HTTPS", edns=True, do=True)
    assert r.forwarded == {"dnsmasq": True, "briskdns": True}, r
    assert p.upstream_saw(name, HTTPS) == 2
    assert r.dnsmasq is not None and r.dnsmasq.rcode() == 0, r
    assert svc_keys(r.dnsmasq) == [[1, 4, 6, 65333]], r.dnsmasq.to_text()
    check_stripped(r.briskdns)


def test_hint_deadline_follows_cached_aaaa(daemon, upstream, uniq):
    """deadline:MS: stripped while no AAAA with addresses is cached for the
    name (the client may have been told there is none), kept once the real
    AAAA is cached: from the same cached HTTPS answer (one upstream HTTPS
    query), so the cache kept it whole."""
    up = svc_upstream(upstream, aaaa=["2001:db8::5"])
    d = daemon("--aaaa-mode=deadline:300", servers=[up])
    name = uniq("dl")
    check_stripped(q(d, name))
    r, _ = d.q(name, "AAAA")
    assert a_addrs(r) == ["2001:db8::5"], rcode_text(r)
    check_kept(q(d, name))
    assert len(up.queries(qname=name, qtype=HTTPS)) == 1
    # A name whose AAAA answer has no address: still stripped.
    up.aaaa = []
    other = uniq("dlnone")
    r, _ = d.q(other, "AAAA")
    assert r.rcode() == 0 and a_addrs(r) == []
    check_stripped(q(d, other))


def test_hint_auto_without_ipv6(netns, daemon, upstream, uniq):
    """auto on a host without a global IPv6 route is empty: stripped (a
    network namespace with loopback only)."""
    ns = netns()
    up = svc_upstream(upstream, netns=ns)
    d = daemon("--aaaa-mode=auto", servers=[up], netns=ns)
    check_stripped(q(d, uniq("auto")))


def test_hint_learn_follows_server(netns, daemon, upstream, uniq):
    """learn (a host with IPv6): while the server is fast at AAAA, AAAA is
    awaited, so nobody is told there is none: the hint stays, even with no
    AAAA cached; once the server is learnt slow (3 AAAA SERVFAILs in a
    row), AAAA has a deadline: stripped."""
    ns = netns()
    ns.ip("-6", "route", "add", "2001:db8::/32", "dev", "lo")
    up = svc_upstream(upstream, netns=ns)
    svc = up.responder
    fail = []

    def respond(rq):
        if rq.msg is not None and rq.qtype == AAAA and fail:
            r = dns.message.make_response(rq.msg)
            r.set_rcode(2)
            return [(0, r.to_wire(), "main")]
        return svc(rq)
    up.responder = respond
    d = daemon("--aaaa-mode=learn", servers=[up], netns=ns)
    check_kept(q(d, uniq("fast")))
    fail.append(1)
    for i in range(3):
        d.q(uniq("sf"), "AAAA")
    assert d.wait_log(r"AAAA slow \(3 failures", 2.0), d.log()
    check_stripped(q(d, uniq("slow")))


# ---- slow-types --------------------------------------------------------------
def test_slow_types_empty(daemon, upstream, uniq):
    """slow-types=HTTPS in mode empty: HTTPS answered empty at once (the
    AAAA shape: NOERROR, SOA, EDE 17), nothing sent upstream; SVCB, not
    listed, still forwarded.  Without slow-types the HTTPS query waits
    for the upstream, as before."""
    up = svc_upstream(upstream, delay={HTTPS: 0.6, SVCB: 0.6})
    d = daemon("--slow-types=HTTPS", servers=[up])
    name = uniq("Slow")
    for edns in (False, True):
        r, dt = udp_query(d.port, make_query(name, HTTPS, edns=edns,
                                             qid=0x6565))
        check_empty(r, name, 60, 0x6565, edns, rdtype=HTTPS)
        assert dt < 0.3, "empty HTTPS answer took %.3fs" % dt
    assert up.queries(qname=name, qtype=HTTPS) == []
    assert d.stats()["empty slow types"] == 2
    r, dt = d.q(name, SVCB, edns=True)
    assert svc_keys(r, SVCB) == [[1, 4, 65333]] and dt >= 0.5

    d2 = daemon(servers=[up])
    name = uniq("notslow")
    r, dt = d2.q(name, HTTPS, edns=True)
    assert svc_keys(r) == [[1, 4, 65333]] and dt >= 0.5, (dt, r)
    assert len(up.queries(qname=name, qtype=HTTPS)) >= 1


def test_slow_types_domain_rules(daemon, upstream, uniq):
    """aaaa-forward=/d/ and aaaa-empty=/d/ decide for slow types as for
    AAAA."""
    up = svc_upstream(upstream)
    d = daemon("--slow-types=https,64", "--aaaa-mode=forward",
               "--aaaa-empty=/off.example.com/", servers=[up])
    r, _ = d.q(uniq("e", "off.example.com"), SVCB, edns=True)
    assert r.rcode() == 0 and r.answer == [] and len(r.authority) == 1
    check_kept(q(d, uniq("f")))
    assert len(up.queries(qtype=SVCB)) == 0


def test_client_rules(daemon, upstream, uniq):
    """aaaa-empty-client= holds this client (127.0.0.1) under
    aaaa-mode=forward: its HTTPS answers lose ipv6hint, and with
    slow-types its HTTPS queries are answered empty, as its AAAA ones."""
    up = svc_upstream(upstream)
    d = daemon("--aaaa-mode=forward", "--aaaa-empty-client=127.0.0.0/8",
               servers=[up])
    check_stripped(q(d, uniq("cl")))
    d2 = daemon("--aaaa-mode=forward", "--aaaa-forward-client=10.0.0.0/8",
                servers=[up])
    check_kept(q(d2, uniq("cl2")))
    d3 = daemon("--aaaa-mode=forward", "--aaaa-empty-client=127.0.0.1",
                "--slow-types=HTTPS", servers=[up])
    name = uniq("cl3")
    r, _ = udp_query(d3.port, make_query(name, HTTPS, edns=True, qid=3))
    check_empty(r, name, 60, 3, True, rdtype=HTTPS)
    assert up.queries(qname=name, qtype=HTTPS) == []


def test_slow_types_deadline(daemon, upstream, uniq):
    """deadline:200: the HTTPS answer comes empty near 200 ms; the late
    real one is cached and answered next time."""
    up = svc_upstream(upstream, delay={HTTPS: 0.8})
    d = daemon("--slow-types=HTTPS", "--aaaa-mode=deadline:200",
               servers=[up])
    name = uniq("dlslow")
    inserts = d.stats()["cache inserts"]
    r, dt = udp_query(d.port, make_query(name, HTTPS, edns=True, qid=7))
    check_empty(r, name, 60, 7, True, rdtype=HTTPS)
    assert 0.15 <= dt <= 0.6, "deadline:200, empty after %.3fs" % dt
    assert wait_for(lambda: d.stats()["cache inserts"] > inserts, 3.0)
    sent = len(up.queries(qname=name, qtype=HTTPS))
    r, dt = d.q(name, HTTPS, edns=True)
    # The real answer, from the cache (ipv6hint gone: no AAAA cached).
    assert svc_keys(r) == [[1, 4, 65333]] and dt < 0.2, (dt, r)
    assert len(up.queries(qname=name, qtype=HTTPS)) == sent


def test_slow_types_after_a(daemon, upstream, uniq):
    """after-a: the name's A answer releases a waiting HTTPS query, as it
    releases AAAA; a cached A answers HTTPS empty at once."""
    up = svc_upstream(upstream, delay={HTTPS: 2.0, A: 0.1})
    d = daemon("--slow-types=HTTPS", "--aaaa-mode=after-a", servers=[up])
    name = uniq("aa")
    out = {}
    barrier = threading.Barrier(2)

    def one(t, qid):
        m = make_query(name, t, qid=qid, edns=True)
        barrier.wait()
        out[t] = udp_query(d.port, m, timeout=4)
    ts = [threading.Thread(target=one, args=(t, i))
          for i, t in enumerate(("A", "HTTPS"), 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    r, dt = out["HTTPS"]
    check_empty(r, name, 60, 2, True, rdtype=HTTPS)
    assert dt < 1.0, "HTTPS released after %.3fs" % dt
    assert a_addrs(out["A"][0]) == ["192.0.2.1"]
    # The A is cached now: another HTTPS query is answered at once.
    other = uniq("aa2")
    d.q(other, "A")
    r, dt = udp_query(d.port, make_query(other, HTTPS, edns=True, qid=9))
    check_empty(r, other, 60, 9, True, rdtype=HTTPS)
    assert dt < 0.3
