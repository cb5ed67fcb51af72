"""sockdiag (src/sockdiag.c) against a real server, root only.

Each test makes a network namespace of its own and runs dnsmasq 2.90 on
port 53 in it, the way a router runs it; tests/sockdiag_probe (built by
make check) prints sockdiag_udp_bound()'s answer in that namespace, run
as nobody (no privilege is needed).  The answer must be what the bind
options say, and what `ss -lun` (iproute2, the same kernel interface)
lists.  dnsmasq and the namespace are removed by the fixtures, even on
failure; nothing is sent anywhere but inside the namespace.
"""

import os
import shutil
import socket
import subprocess

import pytest

from bdutil import make_query, udp_query, wait_for
from fakedns import in_netns

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(shutil.which("dnsmasq") is None,
                       reason="needs dnsmasq (Debian package dnsmasq)"),
]

PROBE = os.path.join(os.environ.get("top_builddir", "."), "tests",
                     "sockdiag_probe")
NOBODY = 65534
IF0, IF1 = "bdsd0", "bdsd1"


@pytest.fixture
def probe():
    if not os.access(PROBE, os.X_OK):
        pytest.skip("no %s (built by make check)" % PROBE)
    return PROBE


def bound(ns, port=53):
    """sockdiag_udp_bound(port) in ns, run as nobody: a set of texts."""
    def pre():
        ns.enter()()
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    r = subprocess.run([PROBE, str(port)], preexec_fn=pre,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def ss_bound(ns, port=53):
    """What `ss -lun` lists on port in ns, in sockdiag's terms: a
    dual-stack socket ("*") is both wildcards."""
    if shutil.which("ss") is None:
        return None
    r = ns.run(["ss", "-Hlun", "sport = :%d" % port], capture_output=True,
               text=True, check=True)
    out = set()
    for line in r.stdout.splitlines():
        local = line.split()[3].rsplit(":", 1)[0]
        local = local.split("%", 1)[0].strip("[]")
        out |= {"::", "0.0.0.0"} if local == "*" else {local}
    return out


def has_ipv6(ns):
    def try_bind():
        try:
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        except OSError:
            return False
        try:
            s.bind(("::1", 0))
            return True
        except OSError:
            return False
        finally:
            s.close()
    return in_netns(ns.name, try_bind)


class Dnsmasq:
    def __init__(self, ns, workdir, procs, args):
        self.log = os.path.join(workdir, "dnsmasq.log")
        argv = ["dnsmasq", "-k", "-C", "/dev/null", "--no-resolv",
                "--no-hosts", "--port=53", "--log-facility=-",
                "--pid-file=" + os.path.join(workdir, "dnsmasq.pid")] + args
        with open(self.log, "ab") as logf:
            self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=logf, stderr=logf,
                                      preexec_fn=ns.enter())
        procs.append(self.p)

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")[-3000:]

    def wait_answering(self, ns, addr="127.0.0.1"):
        """dnsmasq binds everything before it answers anything."""
        def up():
            assert self.p.poll() is None, "dnsmasq exited: " + self.text()
            r, _ = udp_query(53, make_query("ready.test.", "A"), addr,
                             timeout=0.2, netns=ns.name)
            return r is not None
        assert wait_for(up, 5), "dnsmasq not answering: " + self.text()


@pytest.fixture
def site(netns, probe, workdir, procs):
    ns = netns()
    # A socket on another port, which must never show.
    other = in_netns(ns.name, socket.socket, socket.AF_INET,
                     socket.SOCK_DGRAM)
    other.bind(("127.0.0.3", 5353))

    def start(*args, addr="127.0.0.1"):
        d = Dnsmasq(ns, workdir, procs, list(args))
        d.wait_answering(ns, addr)
        return d
    yield ns, start
    other.close()


def test_bind_interfaces_is_the_address_only(site):
    """--bind-interfaces --listen-address=127.0.0.1: 127.0.0.1 alone,
    neither another loopback address nor a wildcard."""
    ns, start = site
    start("--bind-interfaces", "--listen-address=127.0.0.1")
    got = bound(ns)
    assert got == {"127.0.0.1"}
    assert ss_bound(ns) in (None, got)


def test_without_bind_interfaces_is_the_wildcard(site):
    """Without --bind-interfaces dnsmasq binds the wildcards (:: with
    IPV6_V6ONLY, beside 0.0.0.0) and filters addresses itself: every
    address may receive a query, so the wildcards are the answer."""
    ns, start = site
    start("--listen-address=127.0.0.1")
    got = bound(ns)
    want = {"0.0.0.0", "::"} if has_ipv6(ns) else {"0.0.0.0"}
    assert got == want
    assert ss_bound(ns) in (None, got)


def test_bind_dynamic_rebind_is_followed(site):
    """--bind-dynamic binds an address added to the interface after
    start; the next answer has it, and the earlier one differs."""
    ns, start = site
    ns.ip("link", "add", IF0, "type", "veth", "peer", "name", IF1)
    ns.ip("addr", "add", "10.88.0.1/24", "dev", IF0)
    ns.ip("link", "set", IF0, "up")
    ns.ip("link", "set", IF1, "up")
    start("--bind-dynamic", "--interface=" + IF0, addr="10.88.0.1")
    before = bound(ns)
    assert "10.88.0.1" in before and "127.0.0.1" in before
    assert "0.0.0.0" not in before and "10.88.0.2" not in before
    assert ss_bound(ns) in (None, before)

    ns.ip("addr", "add", "10.88.0.2/24", "dev", IF0)
    after = wait_for(lambda: "10.88.0.2" in bound(ns), 5)
    assert after, "dnsmasq did not bind 10.88.0.2: %s" % bound(ns)
    got = bound(ns)
    assert got == before | {"10.88.0.2"}
    assert ss_bound(ns) in (None, got)

    ns.ip("addr", "del", "10.88.0.2/24", "dev", IF0)
    assert wait_for(lambda: bound(ns) == before, 5), bound(ns)
