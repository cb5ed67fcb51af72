"""Domain rules against dnsmasq 2.90: the same configuration lines in both,
the same queries, the same rcode, answer section and routing.

Each test writes one file of dnsmasq.conf lines (local=, address= with
addresses, # and nothing, /#/, server=/d/#, server=/d/, server=/d/ADDR,
wildcards, //, rev-server=), starts dnsmasq 2.90 (-k, --no-resolv,
--no-hosts, loopback only) and briskdns on it, both with the same default
upstream (a FakeUpstream) and a second upstream that the lines name, and
compares for every query: the rcode, the answer records (name, type and
data; TTLs differ: local-ttl), and which upstream saw the query (nothing
for a local answer).  The authority section is not compared: briskdns
adds the SOA of its empty answers where dnsmasq sends none (see
briskdns.conf(5)), and AA is not either (dnsmasq sets it on address=
answers, briskdns never).
"""

import os
import shutil
import subprocess
import time

import dns.rcode
import pytest

import bdutil

pytestmark = pytest.mark.skipif(shutil.which("dnsmasq") is None,
                                reason="needs dnsmasq (Debian package dnsmasq)")


class Dnsmasq:
    def __init__(self, workdir, conf, up, procs):
        self.port = bdutil.free_port()
        self.log = os.path.join(workdir, "dnsmasq.log")
        argv = ["dnsmasq", "-k", "-C", conf, "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=127.0.0.1",
                "--port=%d" % self.port, "--server=" + up.server_arg,
                "--pid-file=" + os.path.join(workdir, "dnsmasq.pid"),
                "--log-facility=-"]
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=logf)
        procs.append(self.proc)
        end = time.monotonic() + 5
        while True:
            assert self.proc.poll() is None, "dnsmasq exited: " + self.text()
            r, _ = bdutil.udp_query(self.port, bdutil.make_query(
                "ready.invalid.", "A"), timeout=0.2)
            if r is not None:
                return
            assert time.monotonic() < end, \
                "dnsmasq not answering: " + self.text()

    def text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")[-3000:]
        except OSError:
            return ""


def answer_set(resp):
    out = set()
    for rrset in resp.answer:
        for rd in rrset:
            out.add((rrset.name.to_text().lower(), rrset.rdtype,
                     rd.to_text()))
    return out


def ask(port, name, rdtype, ups):
    """(rcode, answers, upstreams that saw name) of one query."""
    before = [len(u.queries(qname=name)) for u in ups]
    r, _ = bdutil.udp_query(port, bdutil.make_query(name, rdtype))
    assert r is not None, "no answer from port %d to %s %s" % (port, name,
                                                               rdtype)
    saw = tuple(u.label for u, n in zip(ups, before)
                if len(u.queries(qname=name)) > n)
    return dns.rcode.to_text(r.rcode()), answer_set(r), saw


@pytest.fixture
def compare(daemon, upstream, workdir, write_file, procs):
    """compare(lines, queries): both servers on lines; every query the same
    in both.  "UP2" in a line is the second upstream."""
    def run(lines, queries):
        up = upstream(label="up")
        up2 = upstream(label="up2")
        up2.a = ["198.51.100.2"]
        up2.aaaa = ["2001:db8::2"]
        for u, lab in ((up, "up"), (up2, "up2")):
            u.label = lab
        text = "".join(l.replace("UP2", up2.server_arg) + "\n"
                       for l in lines)
        conf = write_file("rules.conf", text)
        dm = Dnsmasq(workdir, conf, up, procs)
        # aaaa-mode=forward: dnsmasq forwards AAAA queries no rule answers.
        bd = daemon("--aaaa-mode=forward", servers=[up], conf=conf)
        bad = []
        for name, rdtype in queries:
            want = ask(dm.port, name, rdtype, (up, up2))
            got = ask(bd.port, name, rdtype, (up, up2))
            if want != got:
                bad.append("%s %s: dnsmasq %s, briskdns %s" %
                           (name, rdtype, want, got))
        assert not bad, "\n".join(bad) + "\n--- lines:\n" + text
        return bd
    return run


def test_address_and_local(compare, uniq):
    """address= with addresses (repeated lines add, newest first), # for
    0.0.0.0 and ::, nothing for NXDOMAIN; other types forwarded (2.86+);
    local= beside address= on one domain: NODATA; longer address= under a
    local=: the local rule for the other type."""
    lines = ["address=/blk.test/192.0.2.1",
             "address=/blk.test/192.0.2.2",
             "address=/z.test/#",
             "address=/nx.test/",
             "local=/loc.test/",
             "address=/both.test/192.0.2.3",
             "local=/both.test/",
             "address=/six.test/2001:db8::66",
             "local=/l.test/",
             "address=/a.l.test/192.0.2.4",
             "address=/multi1.test/multi2.test/192.0.2.5"]
    u = uniq("u", "blk.test")
    compare(lines, [
        ("blk.test.", "A"), (u, "A"), ("x.y.blk.test.", "A"),
        (uniq("u", "blk.test"), "AAAA"), (uniq("t", "blk.test"), "TXT"),
        ("z.test.", "A"), ("z.test.", "AAAA"), (uniq("m", "z.test"), "MX"),
        ("nx.test.", "A"), (uniq("n", "nx.test"), "TXT"),
        ("loc.test.", "A"), (uniq("h", "loc.test"), "AAAA"),
        ("both.test.", "A"), ("both.test.", "AAAA"), ("both.test.", "MX"),
        ("six.test.", "AAAA"), (uniq("s", "six.test"), "A"),
        (uniq("q", "l.test"), "A"), ("a.l.test.", "AAAA"),
        ("b.a.l.test.", "A"), ("multi2.test.", "A"),
        (uniq("o", "other.test"), "A"),
    ])


def test_server_domains(compare, uniq):
    """server=/d/ADDR routes (longest match), /d/# back to the default
    servers, /d/ local (NXDOMAIN), // for unqualified names, wildcards
    (*x: also superx; *.x: only below), .x as x."""
    lines = ["server=/fwd.test/UP2",
             "server=/def.fwd.test/#",
             "server=/lan.test/",
             "server=/*wild.test/UP2",
             "server=/plain.wild.test/#",
             "address=/*.below.test/192.0.2.7",
             "address=/.dot.test/192.0.2.8",
             "local=//"]
    compare(lines, [
        (uniq("f", "fwd.test"), "A"), ("fwd.test.", "AAAA"),
        (uniq("d", "def.fwd.test"), "A"), ("def.fwd.test.", "TXT"),
        (uniq("x", "lan.test"), "A"), ("lan.test.", "TXT"),
        (uniq("w", "wild.test"), "A"), ("superwild.test.", "A"),
        (uniq("p", "plain.wild.test"), "A"),
        ("below.test.", "A"), (uniq("b", "below.test"), "A"),
        ("dot.test.", "A"), (uniq("d", "dot.test"), "A"),
        ("unqualifiedname.", "A"), ("unqualifiedname.", "TXT"),
        (uniq("o", "other.test"), "A"),
    ])


def test_catch_all_and_rev_server(compare, uniq):
    """address=/#/ answers A for every name no longer rule takes (AAAA of
    it forwarded), server= for a domain wins over it; rev-server= routes
    the reverse zones of the prefix, octet and non-octet (/20, /50)."""
    lines = ["address=/#/192.0.2.9",
             "server=/kept.test/UP2",
             "server=/home.test/#",
             "rev-server=10.1.0.0/16,UP2",
             "rev-server=10.2.16.0/20,UP2",
             "rev-server=2001:db8:1::/50,UP2"]
    compare(lines, [
        (uniq("a", "any.test"), "A"), (uniq("a", "any.test"), "AAAA"),
        (uniq("k", "kept.test"), "A"), (uniq("h", "home.test"), "A"),
        ("5.4.1.10.in-addr.arpa.", "PTR"), ("5.4.2.10.in-addr.arpa.", "PTR"),
        ("5.4.17.2.10.in-addr.arpa.", "PTR"),
        ("5.4.31.2.10.in-addr.arpa.", "PTR"),
        ("5.4.32.2.10.in-addr.arpa.", "PTR"),
        ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"
         ".ip6.arpa.", "PTR"),
        ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.1.0.0.0.8.b.d.0.1.0.0.2"
         ".ip6.arpa.", "PTR"),
    ])


def test_blocklist_answers(daemon, upstream, write_file):
    """A blocklist of 200,000 address= lines loads and answers from it; a
    name outside it is forwarded."""
    up = upstream()
    lines = "".join("address=/b%06d.block.test/0.0.0.0\n" % i
                    for i in range(200000))
    conf = write_file("block.conf", lines)
    d = daemon("--aaaa-mode=forward", servers=[up], conf=conf)
    for i in (0, 123456, 199999):
        r, _ = d.q("b%06d.block.test." % i, "A")
        assert bdutil.a_addrs(r) == ["0.0.0.0"], r
    r, _ = d.q("x.b%06d.block.test." % 7, "A")
    assert bdutil.a_addrs(r) == ["0.0.0.0"], r
    r, _ = d.q("b200000.block.test.", "A")
    assert bdutil.a_addrs(r) == ["192.0.2.1"], r
    assert up.queries(qname="b200000.block.test.")
