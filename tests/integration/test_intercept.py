"""Transparent interception (nfqueue), root only.

Every test builds its own pair of network namespaces joined by a veth
pair: the server side (veth 10.77.0.1/24 and fd77::1/64, lo) runs a real
DNS server bound to port 53 -- dnsmasq from Debian, forwarding to a
FakeUpstream on 127.0.0.2 that answers A at once and AAAA only after 3 s --
and briskdns --nfqueue=0 --port=0 beside it; the client side (10.77.0.2,
fd77::2) sends queries over the veth, so the client's kernel really
verifies the UDP checksum of what briskdns sends (loopback does not).
Replies are also captured with a packet socket and their checksums
recomputed here.  The namespaces, dnsmasq, the upstreams and briskdns are
removed by the fixtures' finalizers, even on failure; nothing is sent
anywhere but inside these namespaces.
"""

import concurrent.futures
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

import dns.edns
import dns.message
import dns.rdatatype
import pytest

from bdutil import BRISKDNS, a_addrs, make_query, rcode_text, wait_for
from fakedns import in_netns
from test_aaaa import check_empty

def _built_with_interception():
    r = subprocess.run([BRISKDNS, "-C", "/dev/null", "--nfqueue=0", "--test"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    return "built without interception" not in r.stderr


pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not _built_with_interception(),
                       reason="briskdns built with --disable-nfqueue"),
    pytest.mark.skipif(shutil.which("dnsmasq") is None,
                       reason="needs dnsmasq (Debian package dnsmasq)"),
    pytest.mark.skipif(shutil.which("nft") is None,
                       reason="needs nft (Debian package nftables)"),
]

SLOW = 3.0			# the upstream's AAAA delay
FAST = 0.1			# an intercepted answer arrives within this
V4S, V4C = "10.77.0.1", "10.77.0.2"
V6S, V6C = "fd77::1", "fd77::2"
SRV_IF, CLI_IF = "bdsrv0", "bdcli0"
CAP_NET_ADMIN = 1 << 12
LOCAL_TTL = 60


# ---- wire helpers -------------------------------------------------------
def ask(ns, dst, data, port=53, timeout=2.0, want_id=None, quiet=None):
    """Send one datagram from an unconnected socket in namespace ns and
    wait for a reply: (bytes or None, source (addr, port), seconds, our
    port).  With quiet=S, collect every reply for S seconds instead and
    return the list of (bytes, source) as the first element."""
    def run():
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 0))
            me = s.getsockname()[1]
            t0 = time.monotonic()
            s.sendto(data, (dst, port))
            end = t0 + (quiet if quiet is not None else timeout)
            got = []
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    break
                s.settimeout(left)
                try:
                    b, src = s.recvfrom(65535)
                except socket.timeout:
                    break
                if quiet is not None:
                    got.append((b, src[:2]))
                    continue
                if want_id is None or (len(b) >= 2 and
                                       struct.unpack("!H", b[:2])[0] == want_id):
                    return b, src[:2], time.monotonic() - t0, me
            if quiet is not None:
                return got, None, time.monotonic() - t0, me
            return None, None, time.monotonic() - t0, me
        finally:
            s.close()
    return in_netns(ns.name, run)


def query(ns, dst, name, rdtype="AAAA", edns=False, timeout=2.0, port=53):
    """(Message or None, source, seconds, our port)."""
    q = make_query(name, rdtype, edns=edns, qid=random.randrange(1, 65536))
    b, src, dt, me = ask(ns, dst, q.to_wire(), port, timeout, want_id=q.id)
    return (dns.message.from_wire(b) if b is not None else None), src, dt, me


def tcp_ask(ns, dst, name, rdtype="AAAA", timeout=5.0, port=53):
    def run():
        q = make_query(name, rdtype)
        t0 = time.monotonic()
        with socket.create_connection((dst, port), timeout) as s:
            w = q.to_wire()
            s.sendall(struct.pack("!H", len(w)) + w)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                c = s.recv(65535)
                if not c:
                    raise EOFError("TCP connection closed early")
                buf += c
            return dns.message.from_wire(buf[2:]), time.monotonic() - t0
    return in_netns(ns.name, run)


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def udp_of(pkt, proto):
    """(src, dst, sport, dport, payload, checksum field, checksum ok) of an
    IPv4/IPv6 UDP packet, None if it is not one."""
    if proto == 0x0800 and len(pkt) >= 20 and pkt[0] >> 4 == 4:
        ihl = (pkt[0] & 15) * 4
        if pkt[9] != 17:
            return None
        tot = struct.unpack("!H", pkt[2:4])[0]
        src, dst = socket.inet_ntop(socket.AF_INET, pkt[12:16]), \
            socket.inet_ntop(socket.AF_INET, pkt[16:20])
        udp = pkt[ihl:tot]
        pseudo = pkt[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    elif proto == 0x86dd and len(pkt) >= 40 and pkt[0] >> 4 == 6:
        if pkt[6] != 17:
            return None
        plen = struct.unpack("!H", pkt[4:6])[0]
        src, dst = socket.inet_ntop(socket.AF_INET6, pkt[8:24]), \
            socket.inet_ntop(socket.AF_INET6, pkt[24:40])
        udp = pkt[40:40 + plen]
        pseudo = pkt[8:40] + struct.pack("!I3xB", len(udp), 17)
    else:
        return None
    if len(udp) < 8:
        return None
    sport, dport, ulen, ck = struct.unpack("!HHHH", udp[:8])
    ok = ck != 0 and _csum(pseudo + udp) == 0xffff
    return src, dst, sport, dport, udp[8:ulen], ck, ok


class Capture:
    """A packet socket on one interface of a namespace (network layer on)."""

    def __init__(self, ns, ifname):
        def mk():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                              socket.htons(3))	# ETH_P_ALL
            s.bind((ifname, 3))
            return s
        self.sock = in_netns(ns.name, mk)

    def udp(self, wait=0.2):
        out = []
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                pkt, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                break
            u = udp_of(pkt, addr[1])
            if u is not None:
                out.append(u)
        return out

    def close(self):
        self.sock.close()


def replies_to(cap, server, client_port, wait=0.2):
    return [u for u in cap.udp(wait)
            if u[0] == server and u[2] == 53 and u[3] == client_port]


# ---- nftables and the queue --------------------------------------------
def nft_tables(ns):
    r = ns.run(["nft", "list", "tables"], capture_output=True, text=True)
    return [ln.strip() for ln in r.stdout.splitlines()
            if ln.startswith("table")]


def briskdns_rules(ns):
    """The rule lines of table inet briskdns (nft -a), None if no table."""
    r = ns.run(["nft", "-a", "list", "table", "inet", "briskdns"],
               capture_output=True, text=True)
    if r.returncode != 0:
        return None
    rules = []
    for ln in r.stdout.splitlines():
        ln = ln.strip()
        if not re.search(r"# handle \d+$", ln):
            continue
        if ln.split(" ", 1)[0] in ("table", "chain", "set"):
            continue
        rules.append(ln)
    return rules


def nft_text(ns):
    return ns.run(["nft", "-a", "list", "ruleset"], capture_output=True,
                  text=True).stdout


def queue_bound(ns, num=0):
    r = ns.run(["cat", "/proc/net/netfilter/nfnetlink_queue"],
               capture_output=True, text=True)
    return any(ln.split() and ln.split()[0] == str(num)
               for ln in r.stdout.splitlines())


# ---- the site: two namespaces, dnsmasq, a slow-AAAA upstream ------------
class Site:
    def __init__(self, netns, upstream, procs, workdir):
        self.procs = procs
        self.workdir = workdir
        self.srv = netns()
        self.cli = netns()
        self.srv.ip("link", "add", SRV_IF, "type", "veth", "peer", "name",
                    CLI_IF, "netns", self.cli.name)
        for ns, dev, a4, a6 in ((self.srv, SRV_IF, V4S, V6S),
                                (self.cli, CLI_IF, V4C, V6C)):
            # No duplicate address detection: every address usable at once.
            ns.run(["sysctl", "-qw", "net.ipv6.conf.%s.accept_dad=0" % dev],
                   check=True)
            ns.ip("addr", "add", a4 + "/24", "dev", dev)
            ns.ip("-6", "addr", "add", a6 + "/64", "dev", dev, "nodad")
            ns.ip("link", "set", dev, "up")
        self.up = upstream("127.0.0.2", 0, netns=self.srv,
                           delay={dns.rdatatype.AAAA: SLOW})
        self.dnsmasq = None

    def start_dnsmasq(self, extra=()):
        self.dnsmasq_log = os.path.join(self.workdir, "dnsmasq.log")
        logf = open(self.dnsmasq_log, "ab")
        argv = ["dnsmasq", "-k", "-C", "/dev/null", "--no-resolv",
                "--no-hosts", "--bind-interfaces",
                "--listen-address=127.0.0.1", "--listen-address=" + V4S,
                "--listen-address=" + V6S, "--port=53",
                "--server=" + self.up.server_arg, "--cache-size=0",
                "--pid-file=" + os.path.join(self.workdir, "dnsmasq.pid"),
                "--log-facility=-"] + list(extra)
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf,
                             stderr=logf, preexec_fn=self.srv.enter())
        logf.close()
        self.procs.append(p)
        self.dnsmasq = p
        end = time.monotonic() + 5
        for dst in (V4S, V6S):
            while True:
                assert p.poll() is None, "dnsmasq exited: %s" % \
                    self.dnsmasq_text()
                r, _, _, _ = query(self.cli, dst, "ready.example.", "A",
                                   timeout=0.2)
                if r is not None:
                    break
                assert time.monotonic() < end, \
                    "dnsmasq not answering on %s: %s" % (dst,
                                                         self.dnsmasq_text())

    def dnsmasq_text(self):
        try:
            with open(self.dnsmasq_log, "rb") as f:
                return f.read().decode("utf-8", "replace")[-3000:]
        except OSError:
            return ""

    def ns_for(self, where):
        return self.cli if where == "remote" else self.srv

    def if_for(self, where):
        return CLI_IF if where == "remote" else "lo"


@pytest.fixture
def site(netns, upstream, procs, workdir):
    return Site(netns, upstream, procs, workdir)


@pytest.fixture
def dsite(site):
    """A site with dnsmasq already answering on 53."""
    site.start_dnsmasq()
    return site


def wait_intercepting(d, ns, table=True, timeout=4.0):
    """Until briskdns has bound queue 0 (and made its table)."""
    end = time.monotonic() + timeout
    while True:
        rc = d.proc.poll()
        if rc is not None:
            raise AssertionError("briskdns exited with %d at start: %s\n%s"
                                 % (rc, " ".join(d.argv), d.log()))
        if queue_bound(ns) and (not table or briskdns_rules(ns)):
            return d
        if time.monotonic() > end:
            raise AssertionError(
                "briskdns not intercepting after %.1fs (queue bound: %s, "
                "table: %r): %s\n%s" % (timeout, queue_bound(ns),
                                       briskdns_rules(ns), " ".join(d.argv),
                                       d.log()))
        time.sleep(0.05)


def interceptor(daemon, site, *args, table=True, port=0, **kw):
    """briskdns --nfqueue=0 --port=0 ARGS in the server namespace."""
    argv = ["--nfqueue=0"]
    if port == 0:
        argv.append("--port=0")
        kw.setdefault("listen", False)
    d = daemon(*(argv + list(args)), netns=site.srv, wait=port != 0,
               port=port, **kw)
    return wait_intercepting(d, site.srv, table=table)


def assert_intercepted(site, where, family, name, edns, upstream=None):
    """One AAAA query answered by briskdns: fast, empty, from the server's
    address and port 53, with a valid UDP checksum; the query dropped."""
    ns = site.ns_for(where)
    server = V4S if family == 4 else V6S
    cap = Capture(ns, site.if_for(where))
    try:
        qid = random.randrange(1, 65536)
        q = make_query(name, "AAAA", edns=edns, qid=qid)
        b, src, dt, me = ask(ns, server, q.to_wire(), want_id=qid)
        assert b is not None, "no answer to AAAA %s over IPv%d (%s)" % (
            name, family, where)
        resp = dns.message.from_wire(b)
        assert src == (server, 53), "answer from %r, not (%s, 53)" % (
            src, server)
        assert dt < FAST, "intercepted AAAA took %.3fs (%s)" % (
            dt, rcode_text(resp))
        check_empty(resp, name, LOCAL_TTL, qid, edns)
        seen = replies_to(cap, server, me)
        assert seen, "reply not captured on %s" % site.if_for(where)
        for u in seen:
            assert u[4] == b, "captured payload differs from the reply"
            assert u[6], "bad UDP checksum 0x%04x on the reply over IPv%d" \
                % (u[5], family)
    finally:
        cap.close()
    if upstream is not None:
        time.sleep(0.2)
        assert upstream.queries(qname=name, qtype="AAAA") == [], \
            "the intercepted AAAA also reached the bound server's upstream"
    return resp


def assert_served(site, where, family, name, rdtype="A", want=None,
                  timeout=1.0):
    """A query answered by the bound server (not intercepted)."""
    ns = site.ns_for(where)
    server = V4S if family == 4 else V6S
    r, src, dt, _ = query(ns, server, name, rdtype, timeout=timeout)
    assert r is not None, "no answer to %s %s over IPv%d (%s)" % (
        rdtype, name, family, where)
    assert src == (server, 53)
    if want is not None:
        assert a_addrs(r) == want, "%s %s: %r" % (rdtype, name, r.answer)
    return r, dt


def both_slow_aaaa(site, uniq, where="remote"):
    """AAAA over both families through dnsmasq, in parallel: real records
    after the upstream's delay, i.e. not intercepted."""
    names = {4: uniq("slow4"), 6: uniq("slow6")}
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        futs = {f: ex.submit(assert_served, site, where, f, names[f], "AAAA",
                             ["2001:db8::1"], SLOW + 2) for f in (4, 6)}
        for f, fut in futs.items():
            r, dt = fut.result()
            assert dt >= SLOW - 0.5, "AAAA over IPv%d answered in %.3fs: " \
                "not by dnsmasq?" % (f, dt)
            assert site.up.queries(qname=names[f], qtype="AAAA")


# ---- tests --------------------------------------------------------------
@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("where", ["local", "remote"])
def test_aaaa_intercepted_a_served(dsite, daemon, uniq, where, family):
    """(1)+(2)+(3): AAAA answered by briskdns from the server's address,
    A answered by dnsmasq (the upstream saw it)."""
    interceptor(daemon, dsite)
    for edns in (False, True):
        name = uniq("MiXeD%d" % family)
        assert_intercepted(dsite, where, family, name, edns, dsite.up)
        r, dt = assert_served(dsite, where, family, name, "A", ["192.0.2.1"])
        assert dsite.up.queries(qname=name, qtype="A"), "upstream saw no A"
        assert dt < 1.0


def test_domain_rules_pass_to_server(dsite, daemon, write_file, uniq):
    """address=, local= and server=/d/ lines in briskdns's configuration
    are the stub listener's: through the door, queries for those names
    reach the bound server (dnsmasq answers from its upstream, not
    briskdns from its rules); an AAAA query that no rule answers still
    gets the empty answer."""
    conf = write_file("rules.conf", "address=/blk.test/0.0.0.0\n"
                      "address=/six.test/2001:db8::66\n"
                      "local=/loc.test/\nserver=/nx.test/\n")
    interceptor(daemon, dsite, conf=conf)
    for family in (4, 6):
        assert_served(dsite, "remote", family, uniq("a", "blk.test"), "A",
                      ["192.0.2.1"])
        assert_served(dsite, "remote", family, uniq("s", "six.test"),
                      "AAAA", ["2001:db8::1"], SLOW + 2)
        for dom in ("loc.test", "nx.test"):
            r, _ = assert_served(dsite, "remote", family, uniq("l", dom),
                                 "A", ["192.0.2.1"])
            assert rcode_text(r) == "NOERROR"
        assert_intercepted(dsite, "remote", family, uniq("e", "blk.test"),
                           False, dsite.up)


def test_other_types_reach_server(dsite, daemon, uniq):
    """Types other than AAAA go to the bound server unchanged."""
    interceptor(daemon, dsite)
    for family in (4, 6):
        for t in ("A", "MX", "TXT", "HTTPS", "PTR", "ANY"):
            name = uniq("t%s%d" % (t.lower(), family))
            assert_served(dsite, "remote", family, name, t)
            assert dsite.up.queries(qname=name, qtype=t), \
                "upstream never saw %s %s" % (t, name)


@pytest.mark.parametrize("mode", ["aaaa-mode=forward", "aaaa-forward"])
def test_aaaa_policy_applies(dsite, daemon, uniq, mode):
    dsite.up.delay = {dns.rdatatype.AAAA: 0.4}
    if mode == "aaaa-forward":
        interceptor(daemon, dsite, "--aaaa-forward=/fwd.test/")
        assert_intercepted(dsite, "remote", 4, uniq("still"), True, dsite.up)
        domain = "fwd.test"
    else:
        interceptor(daemon, dsite, "--aaaa-mode=forward")
        domain = "example.com"
    for family in (4, 6):
        n = uniq("f%d" % family, domain)
        r, dt = assert_served(dsite, "remote", family, n, "AAAA",
                              ["2001:db8::1"], timeout=3)
        assert dt >= 0.3, "answered in %.3fs, not by dnsmasq" % dt
        assert dsite.up.queries(qname=n, qtype="AAAA")


@pytest.mark.slow
def test_sigterm_removes_table_dns_still_works(dsite, daemon, uniq):
    """(4)"""
    d = interceptor(daemon, dsite)
    assert "table inet briskdns" in nft_tables(dsite.srv)
    assert_intercepted(dsite, "remote", 6, uniq("t"), True)
    d.signal(signal.SIGTERM)
    rc = d.wait(5)
    d.expect_exit = True
    assert rc == 0, "exit status %r after SIGTERM:\n%s" % (rc, d.log())
    assert "table inet briskdns" not in nft_tables(dsite.srv), nft_text(
        dsite.srv)
    for family in (4, 6):
        assert_served(dsite, "remote", family, uniq("after"), "A",
                      ["192.0.2.1"])
    both_slow_aaaa(dsite, uniq)


@pytest.mark.slow
def test_sigkill_fails_open_restart_replaces(dsite, daemon, uniq):
    """(5): the stale rule's bypass keeps DNS flowing; a restart leaves
    exactly one table with exactly one rule; SIGTERM cleans up."""
    d = interceptor(daemon, dsite)
    d.signal(signal.SIGKILL)
    d.wait(3)
    d.expect_exit = True
    assert not queue_bound(dsite.srv)
    for family in (4, 6):
        r, dt = assert_served(dsite, "remote", family, uniq("k"), "A",
                              ["192.0.2.1"])
        assert dt < 0.5, "A through the stale rule took %.3fs" % dt
    both_slow_aaaa(dsite, uniq)

    d2 = interceptor(daemon, dsite)
    tables = nft_tables(dsite.srv)
    assert tables.count("table inet briskdns") == 1, tables
    rules = briskdns_rules(dsite.srv)
    # One rule per address family, nothing left of the killed run.
    assert rules is not None and len(rules) == 2, nft_text(dsite.srv)
    for rule, daddr in zip(rules, ("ip daddr @bound4", "ip6 daddr @bound6")):
        assert "dport 53" in rule and "bypass" in rule, rule
        assert "@alive" in rule and daddr in rule, rule
    for family in (4, 6):
        assert_intercepted(dsite, "remote", family, uniq("again"), False,
                           dsite.up)
    d2.signal(signal.SIGTERM)
    assert d2.wait(5) == 0, d2.log()
    d2.expect_exit = True
    assert "table inet briskdns" not in nft_tables(dsite.srv), nft_text(
        dsite.srv)


def test_stale_table_replaced(dsite, daemon, uniq):
    """A table inet briskdns made by someone else is replaced whole."""
    dsite.srv.run(["nft", "-f", "-"], check=True, text=True, input=(
        "table inet briskdns {\n"
        " chain input { type filter hook input priority 0; policy accept;\n"
        "  udp dport 9999 accept\n  udp dport 9998 accept\n }\n"
        " chain other { udp dport 9997 accept\n }\n}\n"))
    interceptor(daemon, dsite)
    rules = briskdns_rules(dsite.srv)
    assert len(rules) == 2, nft_text(dsite.srv)
    assert "9999" not in nft_text(dsite.srv)
    assert_intercepted(dsite, "remote", 4, uniq("s"), False, dsite.up)


def _aaaa_query(name, flags=0x0100, qd=1, opcode=0):
    q = make_query(name, "AAAA", qid=0x5151)
    w = bytearray(q.to_wire())
    struct.pack_into("!HH", w, 2, flags | (opcode << 11), qd)
    return bytes(w)


def _padded_aaaa(name, size):
    q = make_query(name, "AAAA", edns=True, qid=0x6262, payload=4096,
                   options=[dns.edns.GenericOption(12, b"\0" * size)])
    return q.to_wire(max_size=65535)


def test_malformed_and_non_dns_pass_untouched(site, daemon, upstream, uniq):
    """(6): a recorder bound on 53 sees every packet briskdns does not
    answer, byte for byte; briskdns sends nothing for them."""
    rec = {4: upstream(V4S, 53, netns=site.srv, dead=True),
           6: upstream(V6S, 53, netns=site.srv, dead=True)}
    interceptor(daemon, site)
    q = _aaaa_query("example.com.")
    payloads = [
        ("empty", b""),
        ("one byte", b"\x00"),
        ("text", b"hello, this is not DNS\n"),
        ("header only", struct.pack("!HHHHHH", 0x1111, 0x0100, 1, 0, 0, 0)),
        ("QR set", _aaaa_query("example.com.", flags=0x8100)),
        ("question cut", q[:-2]),
        ("name cut", q[:16]),
        ("qdcount 2", _aaaa_query("example.com.", qd=2) + q[12:]),
        ("opcode NOTIFY", _aaaa_query("example.com.", opcode=4)),
        ("opcode UPDATE", _aaaa_query("example.com.", opcode=5)),
        ("pointer loop", q[:12] + b"\xc0\x0c" + q[-4:]),
        ("label too long", q[:12] + b"\x40" + b"a" * 64 + b"\0" + q[-4:]),
        ("random 1400", bytes(random.getrandbits(8) for _ in range(1400))),
    ]
    for family in (4, 6):
        server = V4S if family == 4 else V6S
        for what, data in payloads:
            got, _, _, me = ask(site.cli, server, data, quiet=0.15)
            assert got == [], "%s over IPv%d answered: %r" % (what, family,
                                                              got)
        wait_for(lambda: all(data in [r.wire for r in
                                      rec[family].queries()]
                             for _, data in payloads))
        wires = [r.wire for r in rec[family].queries()]
        for what, data in payloads:
            assert data in wires, "%s over IPv%d never reached the bound " \
                "server unchanged (it saw %d packets)" % (what, family,
                                                          len(wires))
    # IPv6 fragments (reassembled only after the input hook): the first
    # fragment must be accepted unchanged, or the datagram never arrives.
    big = _padded_aaaa("frag.example.", 3000)
    got, _, _, _ = ask(site.cli, V6S, big, quiet=0.3)
    wait_for(lambda: big in [r.wire for r in rec[6].queries()])
    assert big in [r.wire for r in rec[6].queries()], \
        "a fragmented IPv6 AAAA query never reached the bound server whole"
    assert got == [], "fragmented AAAA answered by briskdns: %r" % got
    # Control: interception is on in this very setup.
    for family in (4, 6):
        rec[family].clear()
        assert_intercepted(site, "remote", family, uniq("ctl"), True)
        assert rec[family].queries() == []


def test_tcp_never_touched(dsite, daemon, uniq):
    """(7): AAAA over TCP gets dnsmasq's real records."""
    dsite.up.delay = {}
    interceptor(daemon, dsite)
    for family in (4, 6):
        server = V4S if family == 4 else V6S
        name = uniq("tcp%d" % family)
        r, dt = tcp_ask(dsite.cli, server, name, "AAAA")
        assert a_addrs(r) == ["2001:db8::1"], "TCP AAAA: %r" % r.answer
        assert dsite.up.queries(qname=name, qtype="AAAA")
        assert_intercepted(dsite, "remote", family, uniq("udp%d" % family),
                           False)


def test_rules_none_user_iptables(dsite, daemon, uniq):
    """(8): no table of briskdns's; the user's own NFQUEUE rules work the
    same, and are left alone at exit."""
    dsite.up.delay = {dns.rdatatype.AAAA: 0.4}
    d = interceptor(daemon, dsite, "--nfqueue-rules=none", table=False)
    assert "table inet briskdns" not in nft_tables(dsite.srv)
    r, dt = assert_served(dsite, "remote", 4, uniq("norule"), "AAAA",
                          ["2001:db8::1"], timeout=3)
    assert dt >= 0.3
    for tool in ("iptables", "ip6tables"):
        dsite.srv.run([tool, "-A", "INPUT", "-p", "udp", "--dport", "53",
                       "-j", "NFQUEUE", "--queue-num", "0", "--queue-bypass"],
                      check=True)
    for family in (4, 6):
        assert_intercepted(dsite, "remote", family, uniq("user"), True,
                           dsite.up)
    assert "table inet briskdns" not in nft_tables(dsite.srv)
    d.signal(signal.SIGTERM)
    assert d.wait(5) == 0, d.log()
    d.expect_exit = True
    for tool in ("iptables", "ip6tables"):
        out = dsite.srv.run([tool, "-S", "INPUT"], capture_output=True,
                            text=True).stdout
        assert "NFQUEUE" in out, "%s rule removed by briskdns" % tool
    for family in (4, 6):
        assert_served(dsite, "remote", family, uniq("bypass"), "A",
                      ["192.0.2.1"])


def _sockets_of(ns, pid, opts):
    out = ns.run(["ss", "-Hn" + opts + "p"], capture_output=True,
                 text=True).stdout
    return [ln for ln in out.splitlines() if "pid=%d," % pid in ln]


def test_port0_no_listener(dsite, daemon, uniq):
    """(9a)"""
    d = interceptor(daemon, dsite)
    assert _sockets_of(dsite.srv, d.proc.pid, "lt") == [], "TCP listener"
    udp = _sockets_of(dsite.srv, d.proc.pid, "lu")
    assert udp == [], "UDP sockets of briskdns with --port=0: %r" % udp
    assert_intercepted(dsite, "local", 4, uniq("p0"), False)


def test_stub_and_interception(dsite, daemon, uniq):
    """(9b): a stub on 127.0.0.2:5353 while intercepting."""
    d = interceptor(daemon, dsite, "--server=" + dsite.up.server_arg,
                    port=5353, addr="127.0.0.2")
    r, _ = d.q(uniq("stub"), "A")
    assert r is not None and a_addrs(r) == ["192.0.2.1"], rcode_text(r)
    name = uniq("stub6")
    r, dt = d.q(name, "AAAA", edns=True)
    check_empty(r, name, LOCAL_TTL, r.id, True)
    for family in (4, 6):
        assert_intercepted(dsite, "remote", family, uniq("both"), True,
                           dsite.up)
        assert_served(dsite, "remote", family, uniq("bothA"), "A",
                      ["192.0.2.1"])


COUNTERS = {	# the interception counters and the words that name them
    "seen": r"(?:packets(?: seen)?|seen)",
    "answered": r"answered",
    "accepted": r"(?:accepted|passed on)",
    "unparseable": r"unparseable",
    "send errors": r"send errors?",
}


def _counter(text, words):
    m = re.search(r"(\d+)\s+%s\b" % words, text, re.I) or \
        re.search(r"\b%s[:= ]\s*(\d+)" % words, text, re.I)
    return int(m.group(1)) if m else None


def test_sigusr1_counters(dsite, daemon, uniq):
    """(10)"""
    d = interceptor(daemon, dsite)
    for family in (4, 6):
        assert_intercepted(dsite, "remote", family, uniq("c"), False)
        assert_served(dsite, "remote", family, uniq("cA"), "A")
        ask(dsite.cli, V4S if family == 4 else V6S, b"not dns at all",
            quiet=0.05)
    # The first fragment of a fragmented IPv6 datagram: not UDP we parse.
    ask(dsite.cli, V6S, _padded_aaaa("frag.example.", 3000), quiet=0.05)
    off = len(d.log())
    d.signal(signal.SIGUSR1)
    assert d.wait_log(r"unparseable", timeout=2, start=off), \
        "no interception counters after SIGUSR1:\n" + d.log()
    time.sleep(0.1)
    text = "\n".join(ln for ln in d.log()[off:].splitlines()
                     if re.search(r"intercept|nfqueue|unparseable", ln, re.I))
    vals = {k: _counter(text, w) for k, w in COUNTERS.items()}
    assert None not in vals.values(), "counters missing: %r in\n%s" % (
        vals, text)
    assert vals["answered"] >= 2, vals
    assert vals["accepted"] >= 5, vals
    assert vals["unparseable"] >= 1, "the IPv6 fragment: %r" % vals
    assert vals["unparseable"] >= 3, "2 non-DNS datagrams and 1 fragment;" \
        " intercept.h: unparseable = 'not IP/UDP we understand, or bad " \
        "DNS': %r" % vals
    assert vals["send errors"] == 0, vals
    assert vals["seen"] >= vals["answered"] + vals["accepted"], vals
    assert d.alive()


def _status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(ln.split(":", 1) for ln in f.read().splitlines()
                    if ":" in ln)


def test_privileges_dropped(dsite, daemon, uniq):
    """(11): nobody, CapEff and CapPrm exactly CAP_NET_ADMIN (the raw
    sockets are open before the drop, CAP_NET_RAW goes); answers still
    leave over the raw sockets and the alive element is still refreshed
    (interception outlives its 500 ms timeout); the table still goes at
    SIGTERM."""
    t0 = time.monotonic()
    d = interceptor(daemon, dsite)
    assert_intercepted(dsite, "remote", 4, uniq("priv"), False)
    st = _status(d.proc.pid)
    uids = st["Uid"].split()
    assert uids == ["65534"] * 4, "Uid: %r" % uids
    eff = int(st["CapEff"].strip(), 16)
    prm = int(st["CapPrm"].strip(), 16)
    assert eff == CAP_NET_ADMIN, "CapEff 0x%x, want 0x1000" % eff
    assert prm == CAP_NET_ADMIN, "CapPrm 0x%x, want 0x1000" % prm
    # The scenario: past the alive element's first timeout (500 ms), so
    # only a refresh made without CAP_NET_RAW keeps the door asked.
    time.sleep(max(0.0, t0 + 1.0 - time.monotonic()))
    for family in (4, 6):
        assert_intercepted(dsite, "remote", family, uniq("priv-later"),
                           True)
    d.signal(signal.SIGTERM)
    assert d.wait(5) == 0, d.log()
    d.expect_exit = True
    assert "table inet briskdns" not in nft_tables(dsite.srv), nft_text(
        dsite.srv)


def test_nfqueue_port(dsite, daemon, upstream, uniq):
    """nfqueue-port: another port is intercepted, 53 is not."""
    dsite.up.delay = {dns.rdatatype.AAAA: 0.4}
    rec = upstream(V4S, 5353, netns=dsite.srv, dead=True)
    interceptor(daemon, dsite, "--nfqueue-port=5353")
    rules = briskdns_rules(dsite.srv)
    assert rules and "dport 5353" in rules[0], rules
    name = uniq("p")
    q = make_query(name, "AAAA", qid=77)
    b, src, dt, _ = ask(dsite.cli, V4S, q.to_wire(), port=5353, want_id=77)
    assert b is not None and src == (V4S, 5353), (b, src)
    check_empty(dns.message.from_wire(b), name, LOCAL_TTL, 77, False)
    assert rec.queries() == []
    r, dt = assert_served(dsite, "remote", 4, uniq("p53"), "AAAA",
                          ["2001:db8::1"], timeout=3)
    assert dt >= 0.3


@pytest.mark.slow
def test_harness_without_briskdns(dsite, uniq):
    """The setup measures what it should: without briskdns, AAAA through
    dnsmasq waits for the slow upstream (both families, in parallel), and
    no queue is bound."""
    assert not queue_bound(dsite.srv)
    assert "table inet briskdns" not in nft_tables(dsite.srv)
    both_slow_aaaa(dsite, uniq)


def test_sigint_clean_exit(dsite, daemon, uniq):
    d = interceptor(daemon, dsite)
    d.signal(signal.SIGINT)
    assert d.wait(5) == 0, d.log()
    d.expect_exit = True
    assert "table inet briskdns" not in nft_tables(dsite.srv)
    assert not queue_bound(dsite.srv)


def test_falls_behind_fails_open(dsite, daemon, uniq):
    """A stopped briskdns whose queue is full never black-holes DNS: past
    the queue's length, packets go to the bound server."""
    d = interceptor(daemon, dsite)
    d.signal(signal.SIGSTOP)
    try:
        def flood():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for i in range(60):
                for _ in range(100):
                    s.sendto(b"filler, not DNS", (V4S, 53))
                time.sleep(0.002)
            s.close()
        in_netns(dsite.cli.name, flood)
        r = dsite.srv.run(["cat", "/proc/net/netfilter/nfnetlink_queue"],
                          capture_output=True, text=True).stdout
        for family in (4, 6):
            r2, dt = assert_served(dsite, "remote", family, uniq("behind"),
                                   "A", ["192.0.2.1"])
            assert dt < 0.5, "A with a full queue took %.3fs (queue: %s)" \
                % (dt, r)
    finally:
        d.signal(signal.SIGCONT)
    time.sleep(0.5)
    for family in (4, 6):
        assert_intercepted(dsite, "remote", family, uniq("caught-up"), True)


def paced_queries(ns, names, rate, timeout):
    """Send one A query per name, at rate queries a second, alternately to
    V4S and V6S, each from its own socket in namespace ns; collect the
    replies while sending.  [(name, server, seconds or None, source,
    addresses)] in the order sent."""
    import selectors

    def run():
        sel = selectors.DefaultSelector()
        out = []
        t0 = time.monotonic()
        try:
            for i, name in enumerate(names):
                server = V4S if i % 2 == 0 else V6S
                fam = socket.AF_INET6 if ":" in server else socket.AF_INET
                q = make_query(name, "A", qid=random.randrange(1, 65536))
                s = socket.socket(fam, socket.SOCK_DGRAM)
                s.setblocking(False)
                rec = [name, server, None, None, None, q.id, time.monotonic()]
                out.append(rec)
                sel.register(s, selectors.EVENT_READ, rec)
                s.sendto(q.to_wire(), (server, 53))
                # Collect replies until the next query is due (or, after
                # the last one, until every query has had its timeout).
                due = t0 + (i + 1) / rate
                if i == len(names) - 1:
                    due = time.monotonic() + timeout
                while True:
                    left = due - time.monotonic()
                    if left <= 0:
                        break
                    for key, _ in sel.select(left):
                        r = key.data
                        b, src = key.fileobj.recvfrom(65535)
                        m = dns.message.from_wire(b)
                        if m.id != r[5] or r[2] is not None:
                            continue
                        r[2] = time.monotonic() - r[6]
                        r[3] = src[:2]
                        r[4] = a_addrs(m)
        finally:
            for key in list(sel.get_map().values()):
                key.fileobj.close()
            sel.close()
        return [tuple(r[:5]) for r in out]
    return in_netns(ns.name, run)


def test_stalled_door_fails_open_at_low_rate(dsite, daemon, uniq):
    """A stopped briskdns (SIGSTOP) at an ordinary query rate, queue far
    from full: within about half a second the rule stops diverting (its
    alive element is not refreshed), and every A query reaches dnsmasq at
    once.  After SIGCONT interception resumes by itself."""
    d = interceptor(daemon, dsite)
    assert_intercepted(dsite, "remote", 4, uniq("before"), False)
    d.signal(signal.SIGSTOP)
    try:
        time.sleep(1.0)		# the scenario: a door stalled for 1 s
        names = [uniq("stalled%d" % i) for i in range(40)]
        got = paced_queries(dsite.cli, names, 20, 1.0)
        bad = [g for g in got if g[2] is None or g[2] >= 1.0 or
               g[3] != (g[1], 53) or g[4] != ["192.0.2.1"]]
        assert not bad, "%d of %d A queries not answered by dnsmasq " \
            "within 1 s while briskdns was stopped: %r\n%s" % (
                len(bad), len(got), bad[:5], nft_text(dsite.srv))
        for name in names:
            assert dsite.up.queries(qname=name, qtype="A"), name
    finally:
        d.signal(signal.SIGCONT)

    def caught():
        r, src, dt, _ = query(dsite.cli, V6S, uniq("resumed"), "AAAA",
                              timeout=0.3)
        return r is not None and dt < FAST and not r.answer
    assert wait_for(caught, timeout=3.0), \
        "interception did not resume after SIGCONT: %s" % nft_text(dsite.srv)
    for family in (4, 6):
        assert_intercepted(dsite, "remote", family, uniq("resumed"), True,
                           dsite.up)
    assert d.alive()


def test_config_file_keys(dsite, daemon, uniq, write_file):
    conf = write_file("icpt.conf", "nfqueue=0\nnfqueue-port=53\n"
                      "nfqueue-rules=auto\nport=0\n")
    d = daemon(conf=conf, listen=False, port=0, netns=dsite.srv, wait=False)
    wait_intercepting(d, dsite.srv)
    assert_intercepted(dsite, "remote", 6, uniq("conf"), True, dsite.up)


def test_queue_taken_exit_2(dsite, daemon, uniq):
    """A queue another process holds: exit 2, the first one unharmed."""
    d1 = interceptor(daemon, dsite)
    d2 = daemon("--nfqueue=0", "--nfqueue-rules=none", "--port=0",
                listen=False, port=0, netns=dsite.srv, wait=False)
    rc = d2.wait(5)
    d2.expect_exit = True
    assert rc == 2, "second briskdns on queue 0: status %r\n%s" % (rc,
                                                                   d2.log())
    assert d1.alive()
    assert_intercepted(dsite, "remote", 4, uniq("first"), False, dsite.up)


@pytest.mark.parametrize("opt", ["--nfqueue=65536", "--nfqueue=-1",
                                 "--nfqueue=zero", "--nfqueue-port=70000",
                                 "--nfqueue-rules=maybe"])
def test_bad_nfqueue_values(site, opt):
    """Rejected with status 1 (run inside the test's namespace, so that a
    wrongly accepted value intercepts nothing of the host's)."""
    argv = [BRISKDNS, "-d", "-C", "/dev/null", "--no-resolv", "--port=0"]
    if not opt.startswith("--nfqueue="):
        argv.append("--nfqueue=0")
    try:
        r = site.srv.run(argv + [opt], capture_output=True, text=True,
                         timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail("%s accepted: briskdns kept running" % opt)
    assert r.returncode == 1, "%s: status %d\n%s" % (opt, r.returncode,
                                                     r.stderr)


def _send_udp_raw(ns, src, dst, payload, good_csum, timeout=0.4):
    """From namespace ns, send payload to dst:53 as a UDP datagram built by
    hand (with a correct or a deliberately wrong checksum) from a port that
    a plain UDP socket holds, and return what that socket receives."""
    def run():
        v6 = ":" in dst
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        rx = socket.socket(fam, socket.SOCK_DGRAM)
        raw = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_UDP)
        try:
            rx.bind((src, 0))
            sport = rx.getsockname()[1]
            length = 8 + len(payload)
            hdr = struct.pack("!HHHH", sport, 53, length, 0)
            s_b = socket.inet_pton(fam, src)
            d_b = socket.inet_pton(fam, dst)
            if v6:
                pseudo = s_b + d_b + struct.pack("!IxxxB", length, 17)
            else:
                pseudo = s_b + d_b + struct.pack("!xBH", 17, length)
            c = 0xffff - _csum(pseudo + hdr + payload)
            c = c or 0xffff
            if not good_csum:
                c ^= 0x5a5a
            raw.sendto(hdr[:6] + struct.pack("!H", c) + payload,
                       (dst, 0) if not v6 else (dst, 0, 0, 0))
            rx.settimeout(timeout)
            try:
                return rx.recvfrom(65535)[0]
            except socket.timeout:
                return None
        finally:
            rx.close()
            raw.close()
    return in_netns(ns.name, run)


def test_corrupted_query_not_answered(dsite, daemon, uniq):
    """A query whose UDP checksum is wrong would be dropped by the server's
    kernel; briskdns, which sees it before UDP checks it, must not answer
    it either.  The same query with a right checksum is answered."""
    interceptor(daemon, dsite)
    for family, src, dst in ((4, V4C, V4S), (6, V6C, V6S)):
        q = _aaaa_query(uniq("csum%d" % family))
        got = _send_udp_raw(dsite.cli, src, dst, q, good_csum=False)
        assert got is None, "IPv%d query with a bad checksum answered" \
            % family
        got = _send_udp_raw(dsite.cli, src, dst, q, good_csum=True)
        assert got is not None and got[:2] == q[:2], \
            "IPv%d query with a good checksum not answered" % family
