"""Interception on a router that forces DNS to its own server, root only.

The site of test_intercept.py (a server namespace with dnsmasq on
10.77.0.1, fd77::1 and 127.0.0.1, a client namespace across a veth), and
the server namespace rewrites every UDP query to port 53 to dnsmasq with
nftables NAT: `dnat to 10.77.0.1:53` / `dnat to [fd77::1]:53`, or
`redirect to :53`, in prerouting for clients on the network and in output
for clients on the host.  Clients send to addresses that are nobody's
(192.0.2.53, 2001:db8:53::53, routed to the server).  An AAAA query must be
answered by briskdns at once from the address and port the client sent it
to, with a valid UDP checksum; an A query must get dnsmasq's answer (from
the same address, conntrack undoes the NAT).  Everything is removed by the
fixtures' finalizers, even on failure.
"""

import random
import signal
import socket
import struct
import time

import dns.message

import pytest

from bdutil import a_addrs, make_query
from fakedns import in_netns
from test_aaaa import check_empty
from test_intercept import (CLI_IF, FAST, LOCAL_TTL, SRV_IF, V4C, V4S, V6S,
                            Capture, Site, ask, briskdns_rules, interceptor,
                            nft_text, pytestmark, query, replies_to)

pytestmark = pytestmark

VIP4, VIP6 = "192.0.2.53", "2001:db8:53::53"


def nat_ruleset(mode):
    """The router's NAT: every UDP query to port 53 goes to dnsmasq, from
    the network (prerouting) and from the host itself (output, queries to
    the VIPs only: dnsmasq's own upstream traffic is left alone)."""
    out = []
    for fam, srv, vip in (("ip", V4S, VIP4), ("ip6", V6S, VIP6)):
        to = "redirect to :53" if mode == "redirect" else \
            "dnat to %s:53" % (srv if fam == "ip" else "[%s]" % srv)
        out.append(
            "table %s bdnat {\n"
            " chain pre { type nat hook prerouting priority dstnat;\n"
            "  udp dport 53 %s\n }\n"
            " chain out { type nat hook output priority -100;\n"
            "  %s daddr %s udp dport 53 %s\n }\n"
            "}\n" % (fam, to, fam, vip,
                     # redirect in output means the loopback address
                     "dnat to %s:53" % (srv if fam == "ip" else
                                        "[%s]" % srv)
                     if mode == "redirect" else to))
    return "".join(out)


@pytest.fixture
def router(netns, upstream, procs, workdir):
    """dnsmasq answering; the VIPs routed to the server; NAT in place
    before briskdns starts (it looks for NAT rules at start)."""
    def make(mode):
        site = Site(netns, upstream, procs, workdir)
        site.start_dnsmasq()
        site.cli.ip("route", "add", VIP4 + "/32", "via", V4S)
        site.cli.ip("-6", "route", "add", VIP6 + "/128", "via", V6S)
        # The host's own queries to the VIPs leave by the veth until
        # output NAT moves them to dnsmasq.
        site.srv.ip("route", "add", VIP4 + "/32", "dev", SRV_IF)
        site.srv.ip("-6", "route", "add", VIP6 + "/128", "dev", SRV_IF)
        if mode is not None:
            site.srv.run(["nft", "-f", "-"], check=True, text=True,
                         input=nat_ruleset(mode))
        return site
    return make


def vip_intercepted(site, where, family, name, edns):
    """One AAAA query to the VIP: answered by briskdns at once, empty,
    from (VIP, 53), valid UDP checksum on the wire; not forwarded."""
    ns = site.cli if where == "remote" else site.srv
    vip = VIP4 if family == 4 else VIP6
    cap = Capture(ns, CLI_IF if where == "remote" else "lo")
    try:
        qid = random.randrange(1, 65536)
        q = make_query(name, "AAAA", edns=edns, qid=qid)
        b, src, dt, me = ask(ns, vip, q.to_wire(), timeout=2.0, want_id=qid)
        assert b is not None, "no answer to AAAA %s sent to %s (%s): " \
            "black-holed\n%s" % (name, vip, where, nft_text(site.srv))
        assert src == (vip, 53), "answer from %r, not (%s, 53)" % (src, vip)
        resp = dns.message.from_wire(b)
        assert dt < FAST, "AAAA to %s took %.3fs: not intercepted" % (vip,
                                                                      dt)
        check_empty(resp, name, LOCAL_TTL, qid, edns)
        seen = replies_to(cap, vip, me)
        assert seen, "reply not captured"
        for u in seen:
            assert u[4] == b
            assert u[6], "bad UDP checksum 0x%04x on the reply from %s" % (
                u[5], vip)
    finally:
        cap.close()
    time.sleep(0.2)
    assert site.up.queries(qname=name, qtype="AAAA") == [], \
        "the intercepted AAAA also reached dnsmasq's upstream"


def vip_served(site, where, family, name):
    ns = site.cli if where == "remote" else site.srv
    vip = VIP4 if family == 4 else VIP6
    r, src, dt, _ = query(ns, vip, name, "A", timeout=1.0)
    assert r is not None, "no answer to A %s sent to %s (%s)\n%s" % (
        name, vip, where, nft_text(site.srv))
    assert src == (vip, 53), src
    assert a_addrs(r) == ["192.0.2.1"], r.answer
    assert site.up.queries(qname=name, qtype="A"), "dnsmasq did not ask"


def a_then_aaaa(ns, vip, name):
    """As glibc does: A, then AAAA from the same socket (so the AAAA query
    belongs to a connection NAT has already confirmed).  [(message or
    None, source, seconds)] for the A and the AAAA query."""
    def run():
        fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
        out = []
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            for t in ("A", "AAAA"):
                q = make_query(name, t, qid=random.randrange(1, 65536))
                t0 = time.monotonic()
                s.sendto(q.to_wire(), (vip, 53))
                s.settimeout(1.0)
                got = (None, None, None)
                try:
                    while True:
                        b, src = s.recvfrom(65535)
                        m = dns.message.from_wire(b)
                        if m.id == q.id:
                            got = (m, src[:2], time.monotonic() - t0)
                            break
                except socket.timeout:
                    pass
                out.append(got)
        return out
    return in_netns(ns.name, run)


@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("where", ["remote", "local"])
@pytest.mark.parametrize("mode", ["dnat", "redirect"])
def test_dnat_answer_from_address_asked(router, daemon, uniq, mode, where,
                                        family):
    site = router(mode)
    interceptor(daemon, site)
    rules = "\n".join(briskdns_rules(site.srv))
    assert "ct original" in rules, rules
    for edns in (False, True):
        name = uniq("nat%d" % family)
        vip_intercepted(site, where, family, name, edns)
        vip_served(site, where, family, name)
    # A and AAAA from one socket: the AAAA query's connection is known.
    ns = site.cli if where == "remote" else site.srv
    vip = VIP4 if family == 4 else VIP6
    name = uniq("same%d" % family)
    (ra, sa, _), (r6, s6, dt6) = a_then_aaaa(ns, vip, name)
    assert ra is not None and sa == (vip, 53) and \
        a_addrs(ra) == ["192.0.2.1"], (ra, sa)
    assert r6 is not None, "AAAA after A on one socket: no answer\n%s" % (
        nft_text(site.srv))
    assert s6 == (vip, 53), "AAAA after A answered from %r" % (s6,)
    assert dt6 < FAST and not r6.answer, (r6, dt6)
    # Queries to the server's own address still work as before.
    r, src, dt, _ = query(site.cli, V4S if family == 4 else V6S,
                          uniq("direct"), "AAAA", timeout=1.0)
    assert r is not None and dt < FAST and not r.answer, (r, dt)


def test_no_nat_no_conntrack(router, daemon, uniq):
    """Without NAT rules the table leaves conntrack alone (no ct
    expression: they would turn connection tracking on for the host)."""
    site = router(None)
    interceptor(daemon, site)
    text = nft_text(site.srv)
    assert "ct " not in text, text
    r, src, dt, _ = query(site.cli, V4S, uniq("plain"), "AAAA", timeout=1.0)
    assert r is not None and src == (V4S, 53) and dt < FAST


def test_dnat_stalled_door_fails_open(router, daemon, uniq):
    """The dead-man's switch covers the DNAT rules too: a stopped briskdns
    is no longer asked, and the AAAA query reaches dnsmasq via NAT."""
    site = router("dnat")
    d = interceptor(daemon, site)
    vip_intercepted(site, "remote", 4, uniq("pre"), False)
    d.signal(signal.SIGSTOP)
    try:
        time.sleep(1.0)		# the scenario: a door stalled for 1 s
        name = uniq("stalled")
        vip_served(site, "remote", 4, name)
    finally:
        d.signal(signal.SIGCONT)


def no_checksum_query(ns, src, dst, name, rdtype):
    """An IPv4 UDP query with checksum 0 (none, RFC 768), built by hand
    from a port that a plain UDP socket holds: (message or None, source)."""
    def run():
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                            socket.IPPROTO_UDP)
        try:
            rx.bind((src, 0))
            q = make_query(name, rdtype, qid=random.randrange(1, 65536))
            w = q.to_wire()
            raw.sendto(struct.pack("!HHHH", rx.getsockname()[1], 53,
                                   8 + len(w), 0) + w, (dst, 0))
            rx.settimeout(1.0)
            try:
                b, frm = rx.recvfrom(65535)
            except socket.timeout:
                return None, None
            return dns.message.from_wire(b), frm[:2]
        finally:
            rx.close()
            raw.close()
    return in_netns(ns.name, run)


def test_dnat_query_without_checksum(router, daemon, uniq):
    """An IPv4 query without a UDP checksum keeps working behind DNAT:
    the door's rewriting must not give it a wrong one (the server's
    socket would drop it)."""
    site = router("dnat")
    interceptor(daemon, site)
    name = uniq("nocsum")
    r, src = no_checksum_query(site.cli, V4C, VIP4, name, "A")
    assert r is not None, "A without checksum to %s: no answer" % VIP4
    assert src == (VIP4, 53) and a_addrs(r) == ["192.0.2.1"], (src, r)
    r, src = no_checksum_query(site.cli, V4C, VIP4, name, "AAAA")
    assert r is not None and src == (VIP4, 53) and not r.answer, (src, r)


@pytest.mark.parametrize("family", [4, 6])
def test_dnat_port_changed(router, daemon, uniq, family):
    """NAT that also changes the port (5353 to dnsmasq's 53): the answer
    leaves from the address and the port the client asked."""
    site = router(None)
    fam, srv, vip = (("ip", V4S, VIP4) if family == 4 else
                     ("ip6", "[%s]" % V6S, VIP6))
    site.srv.run(["nft", "-f", "-"], check=True, text=True, input=(
        "table %s bdnat {\n chain pre { type nat hook prerouting priority "
        "dstnat;\n  udp dport 5353 dnat to %s:53\n }\n}\n" % (fam, srv)))
    interceptor(daemon, site)
    name = uniq("pc%d" % family)
    q = make_query(name, "AAAA", qid=4242)
    b, src, dt, _ = ask(site.cli, vip, q.to_wire(), port=5353, want_id=4242)
    assert b is not None, "AAAA to %s#5353: no answer\n%s" % (
        vip, nft_text(site.srv))
    assert src == (vip, 5353), src
    assert dt < FAST and not dns.message.from_wire(b).answer
    r, src, dt, _ = query(site.cli, vip, name, "A", port=5353)
    assert r is not None and src == (vip, 5353), (r, src)
    assert a_addrs(r) == ["192.0.2.1"]
