"""Root-only tests in network namespaces of their own: glibc's
getaddrinfo() through a resolv.conf, aaaa-mode=auto following IPv6 routes,
resolv-file watching.  Each namespace, its processes and /etc/netns/NAME
are removed by the fixtures' finalizers, even on failure."""

import json
import os
import subprocess
import time

import dns.rcode
import dns.rdatatype
import pytest

from bdutil import PYTHON, a_addrs, rcode_text

pytestmark = pytest.mark.root

GAI = r"""
import json, socket, sys, time
t0 = time.monotonic()
try:
    r = socket.getaddrinfo(sys.argv[1], 80, socket.AF_UNSPEC,
                           socket.SOCK_STREAM)
    out = sorted({x[4][0] for x in r})
except socket.gaierror as e:
    out = "error: %s" % e
print(json.dumps({"dt": time.monotonic() - t0, "addrs": out}))
"""


def getaddrinfo_in(ns, name, procs, timeout=15):
    """getaddrinfo() in a child in the namespace, through its resolv.conf
    (/etc/netns/NAME/resolv.conf); timed inside the child."""
    p = subprocess.Popen(["ip", "netns", "exec", ns.name, PYTHON, "-c", GAI,
                          name], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    procs.append(p)
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, err
    return json.loads(out)


def test_seed_getaddrinfo(netns, upstream, daemon, procs, uniq):
    ns = netns()
    slow = upstream("127.0.0.2", 53, netns=ns, a=["192.0.2.1"],
                    delay={dns.rdatatype.AAAA: 3.0})
    daemon("--server=127.0.0.2#53", port=53, netns=ns)
    ns.write_resolv_conf("nameserver 127.0.0.1\noptions timeout:5 attempts:1\n")
    name = uniq("gai").rstrip(".")
    res = getaddrinfo_in(ns, name, procs)
    assert res["addrs"] == ["192.0.2.1"], res
    assert res["dt"] < 0.3, "getaddrinfo through briskdns took %.3fs" % res["dt"]
    assert slow.queries(qtype="AAAA") == [], "upstream saw AAAA"
    assert len(slow.queries(qname=name + ".", qtype="A")) == 1

    # Contrast: the same lookup straight to the slow upstream waits for
    # its AAAA answer, which shows the setup measures what it should.
    ns.write_resolv_conf("nameserver 127.0.0.2\noptions timeout:5 attempts:1\n")
    name2 = uniq("gaid").rstrip(".")
    res = getaddrinfo_in(ns, name2, procs)
    assert res["dt"] >= 2.5, "direct lookup only took %.3fs" % res["dt"]
    assert "192.0.2.1" in res["addrs"], res
    assert slow.queries(qname=name2 + ".", qtype="AAAA")


def test_aaaa_auto_follows_routes(netns, upstream, daemon, uniq):
    ns = netns()
    up = upstream("127.0.0.1", 5300, netns=ns, aaaa=["2001:db8::99"])
    d = daemon("--aaaa-mode=auto", "--server=127.0.0.1#5300", netns=ns)

    def state():
        name = uniq("auto")
        r, _ = d.q(name, "AAAA", timeout=2)
        assert r is not None and r.rcode() == 0, rcode_text(r)
        return "forward" if a_addrs(r) == ["2001:db8::99"] else "empty"

    def wait_for(want, what):
        end = time.monotonic() + 1.5
        while True:
            s = state()
            if s == want or time.monotonic() > end:
                break
            time.sleep(0.1)
        assert s == want, "%s: AAAA %s, want %s" % (what, s, want)

    assert state() == "empty", "no global IPv6 route, yet AAAA forwarded"
    ns.ip("-6", "route", "add", "fd00::/8", "dev", "lo")
    time.sleep(0.3)
    assert state() == "empty", "a ULA route counted as global"
    ns.ip("-6", "route", "add", "fe80::/64", "dev", "lo", check=False)
    ns.ip("-6", "route", "add", "2001:db8::/32", "dev", "lo")
    wait_for("forward", "after adding 2001:db8::/32")
    assert up.queries(qtype="AAAA"), "forwarded AAAA never reached upstream"
    ns.ip("-6", "route", "del", "2001:db8::/32", "dev", "lo")
    wait_for("empty", "after removing 2001:db8::/32")
    ns.ip("-6", "route", "add", "default", "dev", "lo")
    wait_for("forward", "after adding a default route")
    ns.ip("-6", "route", "del", "default", "dev", "lo")
    wait_for("empty", "after removing the default route")
    assert d.wait_log(r"(ipv6|route)", timeout=0.5), \
        "route changes not logged:\n" + d.log()


def test_aaaa_auto_route_at_start(netns, upstream, daemon, uniq):
    ns = netns()
    ns.ip("-6", "route", "add", "2001:db8::/32", "dev", "lo")
    up = upstream("127.0.0.1", 5300, netns=ns, aaaa=["2001:db8::98"])
    d = daemon("--aaaa-mode=auto", "--server=127.0.0.1#5300", netns=ns)
    r, _ = d.q(uniq("autostart"), "AAAA")
    assert a_addrs(r) == ["2001:db8::98"]
    assert len(up.queries(qtype="AAAA")) == 1


def test_resolv_file_followed(netns, upstream, daemon, uniq, write_file):
    ns = netns()
    u3 = upstream("127.0.0.3", 53, netns=ns, a=["192.0.2.3"])
    u4 = upstream("127.0.0.4", 53, netns=ns, a=["192.0.2.4"])
    u5 = upstream("127.0.0.5", 53, netns=ns, a=["192.0.2.5"])
    rf = write_file("resolv.conf", "# test\nnameserver 127.0.0.3\n")
    d = daemon(port=53, netns=ns, resolv=rf)
    assert a_addrs(d.q(uniq("r3"))[0]) == ["192.0.2.3"]

    def moves_to(want, how):
        end = time.monotonic() + 2.5
        got = None
        while time.monotonic() < end:
            r, _ = d.q(uniq("mv"), timeout=1)
            got = a_addrs(r) if r is not None else None
            if got == [want]:
                return
            time.sleep(0.1)
        pytest.fail("resolv-file %s: still answered %r" % (how, got))

    # Rewritten in place (truncate + write), the same size: only the
    # modification time tells (set apart explicitly, so that the test
    # does not depend on the file system's timestamp resolution).
    mtime = os.stat(rf).st_mtime
    with open(rf, "w") as f:
        f.write("nameserver 127.0.0.4\n")
    os.utime(rf, (mtime + 2, mtime + 2))
    moves_to("192.0.2.4", "rewritten in place")
    # Replaced by rename, as resolvconf and NetworkManager do.
    tmp = write_file("resolv.conf.new", "nameserver 127.0.0.5\n")
    os.utime(tmp, (mtime + 4, mtime + 4))
    os.rename(tmp, rf)
    moves_to("192.0.2.5", "replaced by rename")
    assert d.alive()
    assert u3.queries() and u4.queries() and u5.queries()


def test_resolv_file_never_self(netns, upstream, daemon, uniq, write_file):
    ns = netns()
    u3 = upstream("127.0.0.3", 53, netns=ns, a=["192.0.2.3"])
    rf = write_file("resolv.conf",
                    "nameserver 127.0.0.1\nnameserver 127.0.0.3\n")
    d = daemon("--strict-order", "--log-queries", port=53, netns=ns,
               resolv=rf)
    names = [uniq("self%d" % i) for i in range(5)]
    for n in names:
        r, dt = d.q(n, timeout=3)
        assert r is not None and a_addrs(r) == ["192.0.2.3"], rcode_text(r)
        assert dt < 0.5, "%.2fs: did it forward to itself first?" % dt
    assert len(u3.queries()) == len(names)
    log = d.log()
    for n in names:
        k = log.count(n.rstrip("."))
        assert k <= 4, "%s logged %d times: a forwarding loop?" % (n, k)


def test_resolv_file_only_self(netns, daemon, uniq, write_file):
    ns = netns()
    rf = write_file("resolv.conf", "nameserver 127.0.0.1\n")
    d = daemon("--log-queries", port=53, netns=ns, resolv=rf)
    n = uniq("onlyself")
    r, dt = d.q(n, timeout=5)
    assert r is not None, "silence"
    assert r.rcode() in (dns.rcode.SERVFAIL, dns.rcode.REFUSED), rcode_text(r)
    assert dt < 4.2
    time.sleep(0.2)
    k = d.log().count(n.rstrip("."))
    assert k <= 4, "%s logged %d times: a forwarding loop?" % (n, k)
