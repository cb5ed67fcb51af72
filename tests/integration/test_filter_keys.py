"""The filtering and upstream-side keys of dnsmasq.conf (issue 9), checked
against dnsmasq 2.90 running beside briskdns with the same lines.

Each side has its own FakeUpstream, so what reaches an upstream is
counted per side: domain-needed and bogus-priv must never reach it.
Compared: the rcode and the answer section (names, types, data; TTLs
apart where max-ttl is the point).  Where briskdns differs on purpose
(filter-A, filter-rr: answered locally instead of forwarded and
stripped), the test says so and checks briskdns's own promise.

dnsmasq gets --no-resolv, --no-hosts, -C with the test's file, its own
port on 127.0.0.1 with --bind-interfaces, its pid file in the test's
directory, -k; it is killed by PID at the end (procs fixture).
"""

import os
import shutil
import subprocess
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import dns.rrset
import pytest

from bdutil import ede_codes, free_port, make_query, udp_query, wait_for

pytestmark = pytest.mark.skipif(shutil.which("dnsmasq") is None,
                                reason="needs dnsmasq 2.90 to compare with")

EDE_BLOCKED = 15
EDE_FILTERED = 17


# ---- the pair: dnsmasq and briskdns on the same lines ----------------------
class Dnsmasq:
    def __init__(self, workdir, procs, conf_lines):
        self.port = free_port()
        self.conf = os.path.join(workdir, "dnsmasq.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf_lines) + "\n")
        os.chmod(self.conf, 0o644)
        self.logpath = os.path.join(workdir, "dnsmasq.log")
        argv = ["dnsmasq", "-k", "-C", self.conf, "--no-resolv",
                "--no-hosts", "--bind-interfaces",
                "--listen-address=127.0.0.1", "--port=%d" % self.port,
                "--pid-file=" + os.path.join(workdir, "dnsmasq.pid"),
                "--log-facility=" + self.logpath, "--log-queries"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        procs.append(self.proc)
        ok = wait_for(lambda: self.proc.poll() is not None or
                      udp_query(self.port, make_query("ready.test.", "TXT"),
                                timeout=0.2)[0] is not None, timeout=5)
        assert ok and self.proc.poll() is None, \
            "dnsmasq did not start: %s" % self.log()

    def log(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def q(self, name, rdtype="A", timeout=3.0, **kw):
        return udp_query(self.port, make_query(name, rdtype, **kw),
                         timeout=timeout)


class Pair:
    """lines: the shared configuration; "{up}" and "{up2}" in a line
    become each side's own upstreams."""

    def __init__(self, workdir, daemon, upstream, procs, lines,
                 bd_only=(), two=False, **upattrs):
        self.up = {"bd": upstream(**upattrs), "dm": upstream(**upattrs)}
        self.up2 = {"bd": upstream(), "dm": upstream()} if two else None

        def fill(side):
            out = ["server=" + self.up[side].server_arg]
            for ln in lines:
                if self.up2:
                    ln = ln.replace("{up2}", self.up2[side].server_arg)
                out.append(ln)
            return out
        self.lines_bd = fill("bd") + list(bd_only)
        path = os.path.join(workdir, "briskdns.conf")
        with open(path, "w") as f:
            f.write("\n".join(self.lines_bd) + "\n")
        os.chmod(path, 0o644)
        self.bd = daemon(conf=path)
        self.dm = Dnsmasq(workdir, procs, fill("dm"))

    def both(self, name, rdtype="A", **kw):
        rb, _ = self.bd.q(name, rdtype, timeout=3.0, **kw)
        rd, _ = self.dm.q(name, rdtype, **kw)
        assert rb is not None, "briskdns silent on %s %s" % (name, rdtype)
        assert rd is not None, "dnsmasq silent on %s %s" % (name, rdtype)
        return rb, rd

    def seen(self, side, name, rdtype=None, which="up"):
        ups = self.up if which == "up" else self.up2
        return len(ups[side].queries(qname=name, qtype=rdtype))


def answer_set(resp, ttl=False):
    out = set()
    for rrset in resp.answer:
        for rd in rrset:
            item = (rrset.name.to_text().lower(),
                    dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
            out.add(item + ((rrset.ttl,) if ttl else ()))
    return out


def same(rb, rd, what):
    assert rb.rcode() == rd.rcode(), "%s: rcode briskdns %s, dnsmasq %s" % (
        what, dns.rcode.to_text(rb.rcode()), dns.rcode.to_text(rd.rcode()))
    assert answer_set(rb) == answer_set(rd), \
        "%s: answers differ:\nbriskdns %s\ndnsmasq  %s" % (
            what, answer_set(rb), answer_set(rd))


@pytest.fixture
def pair(workdir, daemon, upstream, procs):
    def make(lines, **kw):
        return Pair(workdir, daemon, upstream, procs, lines, **kw)
    return make


def ptr(addr):
    return dns.reversename.from_address(addr).to_text()


# ---- domain-needed ----------------------------------------------------------
def test_domain_needed(pair, uniq):
    plain = uniq("plain").split(".")[0]
    # A server line for the very name does not lift it (dnsmasq 2.90).
    p = pair(["domain-needed", "server=/%s/{up2}" % plain],
             bd_only=["aaaa-mode=forward"], two=True)
    for t in ("A", "AAAA"):
        rb, rd = p.both(plain + ".", t)
        same(rb, rd, "plain %s" % t)
        assert rb.rcode() == dns.rcode.NXDOMAIN
    # Other types and dotted names are forwarded, by both.
    rb, rd = p.both(plain + ".", "MX")
    same(rb, rd, "plain MX")
    dotted = uniq("dotted")
    rb, rd = p.both(dotted, "A")
    same(rb, rd, "dotted A")
    assert rb.answer
    for side in ("bd", "dm"):
        assert p.seen(side, plain + ".", "A") == 0, side
        assert p.seen(side, plain + ".", "AAAA") == 0, side
        assert p.seen(side, plain + ".", "A", which="up2") == 0, side
        assert p.seen(side, plain + ".", "AAAA", which="up2") == 0, side
        assert p.seen(side, plain + ".", "MX", which="up2") == 1, side
        assert p.seen(side, dotted, "A") == 1, side


def test_domain_needed_and_bogus_priv_leave_hosts_names(pair, workdir):
    """A plain name and a private address that a hosts file knows are left
    to it: dnsmasq's "known from /etc/hosts"."""
    hosts = os.path.join(workdir, "lan.hosts")
    with open(hosts, "w") as f:
        f.write("192.168.44.9 lanhost\n")
    os.chmod(hosts, 0o644)
    p = pair(["domain-needed", "bogus-priv", "addn-hosts=" + hosts],
             bd_only=["aaaa-mode=forward"])
    for name, t in (("lanhost.", "A"), ("lanhost.", "AAAA"),
                    (ptr("192.168.44.9"), "PTR"),
                    (ptr("192.168.44.10"), "PTR")):
        rb, rd = p.both(name, t)
        same(rb, rd, "%s %s" % (name, t))
    # A known name without AAAA: NODATA, and still not forwarded.
    rb, _ = p.both("lanhost.", "AAAA")
    assert rb.rcode() == dns.rcode.NOERROR, "a known name is not NXDOMAIN"
    for side in ("bd", "dm"):
        assert p.seen(side, "lanhost.") == 0, side
        assert p.seen(side, ptr("192.168.44.10")) == 0, side


# ---- bogus-priv -------------------------------------------------------------
PRIVATE_PTR = [ptr("192.168.1.5"), ptr("10.0.0.1"), ptr("172.16.0.1"),
               ptr("172.31.255.1"), ptr("169.254.0.1"), ptr("192.0.2.1"),
               ptr("198.51.100.7"), ptr("203.0.113.9"), ptr("0.0.0.1"),
               ptr("fd00::1"), ptr("fe80::1"), ptr("fec0::1"),
               ptr("2001:db8::1"), "168.192.in-addr.arpa.", "d.f.ip6.arpa."]
PUBLIC_PTR = [ptr("8.8.8.8"), ptr("100.64.0.1"), ptr("172.32.0.1"),
              ptr("2001:4860::8888"), "x.10.in-addr.arpa.",
              "172.in-addr.arpa.", "1.0.0.10.in-addr.arpa.example."]


def test_bogus_priv(pair):
    p = pair(["bogus-priv"])
    for name in PRIVATE_PTR:
        rb, rd = p.both(name, "PTR")
        same(rb, rd, name)
        assert rb.rcode() == dns.rcode.NXDOMAIN, name
    for name in PUBLIC_PTR:
        rb, rd = p.both(name, "PTR")
        same(rb, rd, name)
    # A PTR of a private range asked as another type is forwarded.
    rb, rd = p.both(ptr("192.168.1.5"), "A")
    same(rb, rd, "A of a reverse name")
    for side in ("bd", "dm"):
        for name in PRIVATE_PTR:
            assert p.seen(side, name, "PTR") == 0, (side, name)
        for name in PUBLIC_PTR:
            assert p.seen(side, name, "PTR") == 1, (side, name)


def test_bogus_priv_routed_zone_forwarded(pair):
    """server=/168.192.in-addr.arpa/ADDR: that zone goes to its server."""
    p = pair(["bogus-priv", "server=/168.192.in-addr.arpa/{up2}"], two=True)
    routed, other = ptr("192.168.7.7"), ptr("10.1.2.3")
    for name in (routed, other):
        rb, rd = p.both(name, "PTR")
        same(rb, rd, name)
    for side in ("bd", "dm"):
        assert p.seen(side, routed, "PTR", which="up2") == 1, side
        assert p.seen(side, routed, "PTR") == 0, side
        assert p.seen(side, other, "PTR") == 0, side
        assert p.seen(side, other, "PTR", which="up2") == 0, side


# ---- bogus-nxdomain, ignore-address ----------------------------------------
def test_bogus_nxdomain(pair, uniq):
    p = pair(["bogus-nxdomain=64.94.110.11",
              "bogus-nxdomain=198.18.0.0/16",
              "bogus-nxdomain=2001:db8:bad::/48"],
             bd_only=["aaaa-mode=forward"])
    for up in list(p.up.values()):
        up.a = ["198.18.3.4"]
        up.aaaa = ["2001:db8:bad::1"]
    for t in ("A", "AAAA"):
        name = uniq("bogus")
        rb, rd = p.both(name, t, edns=True)
        same(rb, rd, "bogus %s" % t)
        assert rb.rcode() == dns.rcode.NXDOMAIN
        assert EDE_BLOCKED in ede_codes(rb)
        assert EDE_BLOCKED in ede_codes(rd)
    # Without EDNS: no OPT at all.
    rb, _ = p.bd.q(uniq("bogus"), "A")
    assert rb.rcode() == dns.rcode.NXDOMAIN and rb.edns < 0
    # An address outside the prefixes passes.
    for up in p.up.values():
        up.a = ["198.19.3.4"]
    name = uniq("fine")
    rb, rd = p.both(name, "A")
    same(rb, rd, "not bogus")
    assert [r.address for r in rb.answer[0]] == ["198.19.3.4"]


def forged_then_real(up, forged, real, gap=0.3):
    """A forged answer at once, the real one gap seconds later."""
    def answer(rq, addr):
        r = dns.message.make_response(rq.msg)
        r.flags |= dns.flags.RA
        r.answer.append(dns.rrset.from_text_list(
            rq.msg.question[0].name, 300, "IN", "A", [addr]))
        return r.to_wire()

    def responder(rq):
        if rq.msg is None or rq.qtype != dns.rdatatype.A:
            return None
        return [(0, answer(rq, forged), "main"),
                (gap, answer(rq, real), "main")]
    up.responder = responder


def test_ignore_address(pair, uniq):
    p = pair(["ignore-address=203.0.113.0/24"])
    for up in p.up.values():
        forged_then_real(up, "203.0.113.66", "192.0.2.80")
    name = uniq("ign")
    rb, rd = p.both(name, "A")
    same(rb, rd, "ignore-address")
    assert [r.address for r in rb.answer[0]] == ["192.0.2.80"]
    # Asked once: the real answer came on the same transmission.
    assert p.seen("bd", name, "A") == 1


# ---- stop-dns-rebind ----------------------------------------------------------
def test_stop_dns_rebind(pair, uniq):
    p = pair(["stop-dns-rebind"], bd_only=["aaaa-mode=forward"])
    for up in p.up.values():
        up.a = ["192.168.1.5", "8.8.8.8"]
        up.aaaa = ["::ffff:10.1.1.1"]
    for t in ("A", "AAAA"):
        name = uniq("rebind")
        rb, rd = p.both(name, t, edns=True)
        same(rb, rd, "rebind %s" % t)
        assert rb.rcode() == dns.rcode.NOERROR and not rb.answer
        assert not rb.authority
        assert EDE_BLOCKED in ede_codes(rb) and EDE_BLOCKED in ede_codes(rd)
        assert p.bd.wait_log(r"possible DNS-rebind attack detected: %s$"
                             % name.rstrip(".").replace(".", r"\."))
    # Not cached: asked again, asked upstream again (dnsmasq too).
    rb, rd = p.both(name, "AAAA")
    for side in ("bd", "dm"):
        assert p.seen(side, name, "AAAA") == 2, side
    # Loopback is private without rebind-localhost-ok.
    for up in p.up.values():
        up.a = ["127.0.0.1"]
    name = uniq("lo")
    rb, rd = p.both(name, "A")
    same(rb, rd, "loopback")
    assert not rb.answer


def test_rebind_localhost_ok(pair, uniq):
    p = pair(["stop-dns-rebind", "rebind-localhost-ok"])
    for up in p.up.values():
        up.a = ["127.0.0.2"]
    name = uniq("rbl")
    rb, rd = p.both(name, "A")
    same(rb, rd, "rebind-localhost-ok")
    assert [r.address for r in rb.answer[0]] == ["127.0.0.2"]
    for up in p.up.values():
        up.a = ["10.9.9.9"]
    name = uniq("rbp")
    rb, rd = p.both(name, "A")
    same(rb, rd, "private still blocked")
    assert not rb.answer


def test_rebind_domain_ok(pair, uniq):
    """rebind-domain-ok exempts a domain and the names below it, in both
    spellings (a single domain, and /d1/d2/), and nothing else."""
    p = pair(["stop-dns-rebind", "rebind-domain-ok=ok1.test",
              "rebind-domain-ok=/ok2.test/ok3.test/"])
    for up in p.up.values():
        up.a = ["192.168.7.7"]
    for dom in ("ok1.test.", "ok2.test.", "ok3.test."):
        name = uniq("rbd").split(".")[0] + ".sub." + dom
        rb, rd = p.both(name, "A")
        same(rb, rd, "exempt " + dom)
        assert [r.address for r in rb.answer[0]] == ["192.168.7.7"], dom
    name = uniq("rbd").split(".")[0] + ".notok1.test."
    rb, rd = p.both(name, "A")
    same(rb, rd, "not exempt")
    assert not rb.answer


# ---- no-negcache, max-ttl ---------------------------------------------------
def nxdomain_with_soa(up):
    def responder(rq):
        if rq.msg is None:
            return None
        r = dns.message.make_response(rq.msg)
        r.flags |= dns.flags.RA
        r.set_rcode(dns.rcode.NXDOMAIN)
        r.authority.append(dns.rrset.from_text(
            "example.com.", 300, "IN", "SOA",
            "ns.example.com. host.example.com. 1 3600 600 86400 300"))
        return [(0, r.to_wire(), "main")]
    up.responder = responder


def test_no_negcache(pair, uniq):
    p = pair(["no-negcache"])
    for up in p.up.values():
        nxdomain_with_soa(up)
    name = uniq("nx")
    for _ in range(2):
        rb, rd = p.both(name, "A")
        same(rb, rd, "NXDOMAIN")
        assert rb.rcode() == dns.rcode.NXDOMAIN
    for side in ("bd", "dm"):
        assert p.seen(side, name, "A") == 2, side
    # Answers with records are still cached.
    for up in p.up.values():
        up.responder = None
    name = uniq("pos")
    for _ in range(2):
        rb, rd = p.both(name, "A")
        same(rb, rd, "positive")
    for side in ("bd", "dm"):
        assert p.seen(side, name, "A") == 1, side


def test_max_ttl(pair, uniq):
    p = pair(["max-ttl=30"], ttl=300)
    name = uniq("ttl")
    for n in range(2):	# fresh, then from the cache
        rb, rd = p.both(name, "A")
        same(rb, rd, "max-ttl")
        assert 0 < rb.answer[0].ttl <= 30, (n, rb.answer[0].ttl)
        assert 0 < rd.answer[0].ttl <= 30, (n, rd.answer[0].ttl)
    for side in ("bd", "dm"):
        assert p.seen(side, name, "A") == 1, side


# ---- filter-A, filter-rr: answered locally (a documented difference) --------
def test_filter_a(pair, uniq):
    p = pair(["filter-A"])
    name = uniq("fa")
    rb, rd = p.both(name, "A", edns=True)
    same(rb, rd, "filter-A")	# NOERROR, no address, on both
    assert rb.rcode() == dns.rcode.NOERROR and not rb.answer
    # briskdns: its empty answer (SOA, EDE 17), nothing sent upstream;
    # dnsmasq forwards and strips.
    assert rb.authority and rb.authority[0].rdtype == dns.rdatatype.SOA
    assert EDE_FILTERED in ede_codes(rb)
    assert p.seen("bd", name, "A") == 0
    assert p.seen("dm", name, "A") == 1
    rb, rd = p.both(uniq("fa"), "TXT")
    same(rb, rd, "TXT is not filtered")


def test_filter_rr(pair, uniq):
    p = pair(["filter-rr=MX,TXT"])
    for t in ("MX", "TXT"):
        name = uniq("frr")
        rb, rd = p.both(name, t)
        same(rb, rd, "filter-rr %s" % t)
        assert rb.rcode() == dns.rcode.NOERROR and not rb.answer
        assert p.seen("bd", name) == 0
    name = uniq("frr")
    rb, rd = p.both(name, "A")
    same(rb, rd, "A passes")
    assert rb.answer


# ---- min-port, max-port -------------------------------------------------------
def test_port_range(pair, uniq):
    lo = 20000 + (os.getpid() % 500) * 40
    hi = lo + 30
    p = pair(["min-port=%d" % lo, "max-port=%d" % hi])
    for _ in range(12):
        rb, rd = p.both(uniq("port"), "A")
        same(rb, rd, "port range")
    for side in ("bd", "dm"):
        ports = [rq.sport for rq in p.up[side].queries()
                 if rq.transport == "udp"]
        assert len(ports) >= 12, side
        bad = [x for x in ports if not lo <= x <= hi]
        assert not bad, "%s: source ports outside %d-%d: %s" % (
            side, lo, hi, bad)
    # More than one port of the range is used (a fresh one per query).
    ports = {rq.sport for rq in p.up["bd"].queries()}
    assert len(ports) > 1
    assert p.bd.wait_log(r"only 31 source ports", timeout=0.5)


# ---- server=ADDR@SOURCE, ADDR@INTERFACE (root, network namespaces) ----------
def bind_syntax_parsed():
    """server=ADDR@... is parsed by set_server (the domain rules' part of
    issue 9); until that is merged the key rejects it."""
    r = subprocess.run([os.environ.get("BRISKDNS", "briskdns"), "--test",
                        "-C", "/dev/null", "--no-resolv",
                        "--server=192.0.2.1@192.0.2.2"],
                       capture_output=True, text=True, timeout=5)
    return "source address or interface" not in r.stdout + r.stderr


@pytest.fixture
def linked(netns, upstream):
    """ns1 (briskdns, dnsmasq) and ns2 (the upstream) joined by a veth:
    ns1 v1 10.77.0.2 and 10.77.0.3, ns2 v2 10.77.0.1."""
    if not bind_syntax_parsed():
        pytest.skip("server=ADDR@SOURCE is not parsed by this build yet")
    ns1, ns2 = netns(), netns()
    ns1.ip("link", "add", "v1", "type", "veth", "peer", "name", "v2",
           "netns", ns2.name)
    ns1.ip("addr", "add", "10.77.0.2/24", "dev", "v1")
    ns1.ip("addr", "add", "10.77.0.3/24", "dev", "v1")
    ns2.ip("addr", "add", "10.77.0.1/24", "dev", "v2")
    ns1.ip("link", "set", "v1", "up")
    ns2.ip("link", "set", "v2", "up")
    up = upstream("10.77.0.1", netns=ns2)
    return ns1, ns2, up


def test_server_at_source(linked, daemon, uniq, workdir, procs):
    ns1, _, up = linked
    d = daemon("--server=%s@10.77.0.3" % up.server_arg, netns=ns1)
    r, _ = d.q(uniq("src"), "A")
    assert r is not None and r.answer
    assert {rq.src[0] for rq in up.queries()} == {"10.77.0.3"}
    # dnsmasq with the same line, for comparison.
    up.clear()
    port = free_port(netns=ns1.name)
    p = subprocess.Popen(
        ["dnsmasq", "-k", "-C", "/dev/null", "--no-resolv", "--no-hosts",
         "--bind-interfaces", "--listen-address=127.0.0.1",
         "--port=%d" % port, "--server=%s@10.77.0.3" % up.server_arg,
         "--pid-file=" + os.path.join(workdir, "dnsmasq-ns.pid")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, preexec_fn=ns1.enter())
    procs.append(p)
    assert wait_for(lambda: udp_query(port, make_query(uniq("dm"), "A"),
                                      timeout=0.3, netns=ns1.name)[0]
                    is not None, timeout=5)
    assert {rq.src[0] for rq in up.queries()} == {"10.77.0.3"}


def test_server_at_interface(linked, daemon, uniq):
    """A second path, w1 -> w2, with a worse route to the upstream's net:
    bound to w1, the queries take it (and its source address)."""
    ns1, ns2, up = linked
    ns1.ip("link", "add", "w1", "type", "veth", "peer", "name", "w2",
           "netns", ns2.name)
    ns1.ip("addr", "add", "10.79.0.2/24", "dev", "w1")
    ns2.ip("addr", "add", "10.79.0.1/24", "dev", "w2")
    ns1.ip("link", "set", "w1", "up")
    ns2.ip("link", "set", "w2", "up")
    ns1.ip("route", "add", "10.77.0.0/24", "dev", "w1", "metric", "500")
    d = daemon("--server=%s@w1" % up.server_arg, netns=ns1)
    r, _ = d.q(uniq("dev"), "A")
    assert r is not None and r.answer
    assert {rq.src[0] for rq in up.queries()} == {"10.79.0.2"}
    # Without @w1 the better route (v1) is taken.
    up.clear()
    d2 = daemon("--server=%s" % up.server_arg, netns=ns1)
    r, _ = d2.q(uniq("dev"), "A")
    assert r is not None and r.answer
    assert {rq.src[0] for rq in up.queries()} == {"10.77.0.2"}


def test_server_at_missing_interface(linked, daemon, uniq, upstream):
    """An interface that does not exist yet: briskdns starts, says so,
    and uses the server once the interface is there."""
    ns1, ns2, _ = linked
    d = daemon("--server=10.88.0.1#53@late0", netns=ns1)
    r, _ = d.q(uniq("late"), "A", timeout=5)
    assert r is not None and r.rcode() == dns.rcode.SERVFAIL
    assert d.wait_log(r"interface late0 does not exist \(yet\)")
    ns1.ip("link", "add", "late0", "type", "veth", "peer", "name", "late1",
           "netns", ns2.name)
    ns1.ip("addr", "add", "10.88.0.2/24", "dev", "late0")
    ns2.ip("addr", "add", "10.88.0.1/24", "dev", "late1")
    ns1.ip("link", "set", "late0", "up")
    ns2.ip("link", "set", "late1", "up")
    up = upstream("10.88.0.1", port=53, netns=ns2)
    ok = wait_for(lambda: (d.q(uniq("late"), "A", timeout=1)[0] or
                           dns.message.Message()).answer != [], timeout=8,
                  step=0.2)
    assert ok, d.log()[-2000:]
    assert up.queries()
