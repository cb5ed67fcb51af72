"""Per-client AAAA rules, aaaa-forward-client= and aaaa-empty-client=, for
a briskdns that serves a LAN.  Root only.

Three network namespaces of the test's own:

    A (a VLAN with IPv6)  bdca1 10.78.1.2/24 fd78:1::2/64
                            |  veth
    S (briskdns)          bdca0 10.78.1.1/24 fd78:1::1/64
                          bdcb0 10.78.2.1/24 fd78:2::1/64
                            |  veth
    B (the rest)          bdcb1 10.78.2.2/24 fd78:2::2/64

briskdns listens on S's veth addresses and forwards to a FakeUpstream on
S's loopback, which answers AAAA with 2001:db8::1 and records every query:
a forwarded AAAA is counted there, an empty one never reaches it.  The
namespaces, the upstream and briskdns are removed by the fixtures, even on
failure.

The interception door gets the same rules (the client is the intercepted
packet's source): see test_intercept_client_rules, on test_intercept.py's
site.

An IPv4-mapped client (::ffff:a.b.c.d) cannot be made with real packets:
briskdns's listening sockets are IPV6_V6ONLY, Linux refuses to send an
IPv6 datagram from a mapped source (EAFNOSUPPORT) and drops one that
arrives with it (RFC 4291 2.5.5.2) before netfilter; the unit tests
(test_clientnet.c) cover the lookup of such an address.
"""

import random
import shutil
import signal

import dns.rdatatype
import pytest

from bdutil import a_addrs, make_query, rcode_text, udp_query
from test_aaaa import check_empty

pytestmark = pytest.mark.root

A4S, A4C, A6S, A6C = "10.78.1.1", "10.78.1.2", "fd78:1::1", "fd78:1::2"
B4S, B4C, B6S, B6C = "10.78.2.1", "10.78.2.2", "fd78:2::1", "fd78:2::2"
A_NETS = "10.78.1.0/24,fd78:1::/64"
B_NETS = "10.78.2.0/24,fd78:2::/64"
REAL = ["2001:db8::1"]
LOCAL_TTL = 60


class Lan:
    def __init__(self, netns, upstream):
        self.s, self.a, self.b = netns(), netns(), netns()
        for ns, sif, cif, s4, c4, s6, c6 in (
                (self.a, "bdca0", "bdca1", A4S, A4C, A6S, A6C),
                (self.b, "bdcb0", "bdcb1", B4S, B4C, B6S, B6C)):
            self.s.ip("link", "add", sif, "type", "veth", "peer", "name",
                      cif, "netns", ns.name)
            for n, dev, a4, a6 in ((self.s, sif, s4, s6), (ns, cif, c4, c6)):
                n.ip("addr", "add", a4 + "/24", "dev", dev)
                # No duplicate address detection: usable at once.
                n.ip("-6", "addr", "add", a6 + "/64", "dev", dev, "nodad")
                n.ip("link", "set", dev, "up")
        self.up = upstream("127.0.0.2", 0, netns=self.s)

    def server(self, ns, family):
        if ns is self.a:
            return A4S if family == 4 else A6S
        return B4S if family == 4 else B6S

    def ask(self, ns, family, name, rdtype="AAAA", timeout=2.0):
        """(response, seconds, query id) of a query from ns over UDP."""
        q = make_query(name, rdtype, edns=True,
                       qid=random.randrange(1, 65536))
        r, dt = udp_query(53, q, self.server(ns, family), timeout, ns.name)
        assert r is not None, "no answer to %s %s from %s over IPv%d" % (
            rdtype, name, "A" if ns is self.a else "B", family)
        return r, dt, q.id


@pytest.fixture
def lan(netns, upstream):
    return Lan(netns, upstream)


def start(daemon, lan, *args, **kw):
    """briskdns in S, on port 53 of the four veth addresses."""
    listen = ["--listen-address=" + a for a in (A4S, A6S, B4S, B6S)]
    return daemon("--port=53", "--server=" + lan.up.server_arg, *listen,
                  *args, netns=lan.s, addr=A4S, port=53, listen=False, **kw)


def forwarded(lan, ns, family, name, mindt=0.0):
    """ns's AAAA query got the real answer, and the upstream saw it (once,
    unless it is slow: briskdns may then ask again)."""
    r, dt, _ = lan.ask(lan.a if ns == "A" else lan.b, family, name)
    assert rcode_text(r) == "NOERROR" and a_addrs(r) == REAL, \
        "%s IPv%d: %s %r, want the real AAAA" % (ns, family, rcode_text(r),
                                                 r.answer)
    assert dt >= mindt, "answered in %.3fs, before the upstream" % dt
    seen = len(lan.up.queries(qname=name, qtype="AAAA"))
    assert seen == 1 or (mindt > 0 and seen >= 1), \
        "upstream saw %r" % lan.up.queries(qname=name, qtype="AAAA")


def emptied(lan, ns, family, name, upstream_count=0):
    """ns's AAAA query got briskdns's empty answer (NOERROR, SOA, EDE 17);
    the upstream saw it upstream_count times."""
    r, _, qid = lan.ask(lan.a if ns == "A" else lan.b, family, name)
    check_empty(r, name, LOCAL_TTL, qid, True)
    assert len(lan.up.queries(qname=name, qtype="AAAA")) == upstream_count


# briskdns options under which A's AAAA is forwarded and B's emptied.
CASES = {
    "vlan-forwarded": ["--aaaa-mode=empty",
                       "--aaaa-forward-client=" + A_NETS],
    "rest-emptied": ["--aaaa-mode=forward",
                     "--aaaa-empty-client=" + B_NETS],
    "longest-prefix": ["--aaaa-mode=empty",
                       "--aaaa-forward-client=10.78.1.0/24,fd78:1::/64",
                       "--aaaa-empty-client=10.78.0.0/16,fd78::/16"],
    "longest-prefix-reversed": ["--aaaa-mode=empty",
                                "--aaaa-empty-client=10.78.2.0/24",
                                "--aaaa-empty-client=fd78:2::/64",
                                "--aaaa-forward-client=0.0.0.0/0,::/0"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_vlan_forwarded_rest_empty(lan, daemon, uniq, case):
    """A's AAAA queries are forwarded (the upstream counts each), B's are
    answered empty at once and never forwarded, over IPv4 and IPv6, with
    the client rule in place of aaaa-mode, in both directions and by the
    longest prefix of the two keys.  A queries of either client are
    forwarded as usual."""
    d = start(daemon, lan, *CASES[case])
    for family in (4, 6):
        forwarded(lan, "A", family, uniq("a%d" % family))
        emptied(lan, "B", family, uniq("b%d" % family))
        name = uniq("ba%d" % family)
        r, _, _ = lan.ask(lan.b, family, name, "A")
        assert a_addrs(r) == ["192.0.2.1"], d.log()
    assert d.alive()


def test_forward_client_waits_past_deadline(lan, daemon, uniq):
    """aaaa-mode=deadline:50 with a slow upstream (AAAA after 0.4 s): the
    forward client waits for the real answer, the others get the empty
    answer at the deadline (forwarded, as deadline:MS forwards)."""
    lan.up.delay = {dns.rdatatype.AAAA: 0.4}
    start(daemon, lan, "--aaaa-mode=deadline:50",
          "--aaaa-forward-client=" + A_NETS)
    for family in (4, 6):
        forwarded(lan, "A", family, uniq("a%d" % family), mindt=0.35)
        name = uniq("b%d" % family)
        r, dt, qid = lan.ask(lan.b, family, name)
        check_empty(r, name, LOCAL_TTL, qid, True)
        assert dt < 0.35, "the deadline client waited %.3fs" % dt


def test_domain_rules_win(lan, daemon, uniq, write_file):
    """aaaa-empty=/d/ and aaaa-forward=/d/ win over the client rules;
    address= and local= answer as before, whoever asks."""
    conf = write_file("client.conf",
                      "aaaa-mode=forward\n"
                      "aaaa-forward-client=%s\n"
                      "aaaa-empty-client=%s\n"
                      "aaaa-empty=/slow.test/\n"
                      "aaaa-forward=/v6.test/\n"
                      "address=/addr.test/2001:db8::99\n"
                      "local=/lan.test/\n" % (A_NETS, B_NETS))
    d = start(daemon, lan, conf=conf)
    for family in (4, 6):
        emptied(lan, "A", family, uniq("a%d" % family, "slow.test"))
        forwarded(lan, "B", family, uniq("b%d" % family, "v6.test"))
        # and without a domain rule, the client rules
        forwarded(lan, "A", family, uniq("ax%d" % family))
        emptied(lan, "B", family, uniq("bx%d" % family))
        for ns in (lan.a, lan.b):
            name = uniq("ad%d" % family, "addr.test")
            r, _, _ = lan.ask(ns, family, name)
            assert a_addrs(r) == ["2001:db8::99"], r
            name = uniq("l%d" % family, "lan.test")
            r, _, _ = lan.ask(ns, family, name)
            assert rcode_text(r) == "NXDOMAIN", r
            assert lan.up.queries(qname=name) == []
    assert d.alive()


def test_sighup_changes_rules(lan, daemon, uniq, write_file):
    """SIGHUP reads the rules again: the two sides swap."""
    conf = write_file("client.conf", "aaaa-mode=forward\n"
                      "aaaa-empty-client=%s\n" % B_NETS)
    d = start(daemon, lan, conf=conf)
    forwarded(lan, "A", 4, uniq("a"))
    emptied(lan, "B", 4, uniq("b"))
    write_file("client.conf", "aaaa-mode=forward\n"
               "aaaa-empty-client=%s\n" % A_NETS)
    off = len(d.log())
    d.signal(signal.SIGHUP)
    assert d.wait_log(r"configuration reloaded", 3, off), \
        d.log()[off:]
    emptied(lan, "A", 4, uniq("a2"))
    forwarded(lan, "B", 4, uniq("b2"))


# ---- interception ---------------------------------------------------------

def _intercept_ready():
    return (shutil.which("dnsmasq") is not None and
            shutil.which("nft") is not None)


@pytest.mark.skipif(not _intercept_ready(),
                    reason="needs dnsmasq and nft for interception")
@pytest.mark.parametrize("rule", ["forward", "empty"])
def test_intercept_client_rules(netns, upstream, procs, workdir, daemon,
                                uniq, rule):
    """Interception: the intercepted packet's source decides.  With
    aaaa-mode=empty and aaaa-forward-client= the remote client (10.77.0.2,
    fd77::2), its AAAA passes to the bound server (dnsmasq: the real
    record, after the upstream's delay) while the server's own queries
    are answered empty by briskdns; aaaa-mode=forward with
    aaaa-empty-client= the other way round."""
    import test_intercept as ti
    if not ti._built_with_interception():
        pytest.skip("briskdns built with --disable-nfqueue")
    site = ti.Site(netns, upstream, procs, workdir)
    site.start_dnsmasq()
    site.up.delay = {dns.rdatatype.AAAA: 0.4}
    nets = "10.77.0.2,fd77::2/128"
    if rule == "forward":
        ti.interceptor(daemon, site, "--aaaa-mode=empty",
                       "--aaaa-forward-client=" + nets)
        served, intercepted = "remote", "local"
    else:
        ti.interceptor(daemon, site, "--aaaa-mode=forward",
                       "--aaaa-empty-client=" + nets)
        served, intercepted = "local", "remote"
    for family in (4, 6):
        n = uniq("s%d" % family)
        r, dt = ti.assert_served(site, served, family, n, "AAAA", REAL,
                                 timeout=3)
        assert dt >= 0.3, "answered in %.3fs, not by dnsmasq" % dt
        assert site.up.queries(qname=n, qtype="AAAA")
        ti.assert_intercepted(site, intercepted, family,
                              uniq("i%d" % family), True, site.up)
