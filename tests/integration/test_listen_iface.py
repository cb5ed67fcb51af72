"""Where briskdns listens and whom it answers: interface=,
except-interface=, bind-dynamic, local-service, and the default that keeps
a listen-address beyond loopback from being an open resolver.  Root only.

Three network namespaces of the test's own, made by the `site` fixture:

    S (the server)  s0 10.88.1.1/24 --- n0 10.88.1.2/24  N (near client,
                    b0 10.88.2.1/24 (peer b1, in S)         a router)
                                        n1 10.88.3.1/24 --- f0 10.88.3.2/24
                                                             F (far client)

N forwards, S routes 10.88.3.0/24 through N: F is two hops from S, on no
network S is attached to.  briskdns, and dnsmasq 2.90 where it defines the
behaviour, run in S; every query stays inside the namespaces, which the
fixtures delete (and the processes they kill, by PID) even on failure.
Queries ask localhost. A: briskdns answers it itself; dnsmasq, without
upstream servers, answers REFUSED: either way an answer, or none.
"""

import os
import re
import shutil
import signal
import subprocess

import pytest

from bdutil import make_query, udp_query, tcp_query, wait_for

pytestmark = pytest.mark.root

NEAR = "10.88.1.2"
FAR = "10.88.3.2"
S_A, S_B = "10.88.1.1", "10.88.2.1"
S_A6, NEAR6 = "2001:db8:1::1", "2001:db8:1::2"


class Site:
    def __init__(self, netns):
        self.s, self.n, self.f = netns(), netns(), netns()
        s, n, f = self.s, self.n, self.f
        s.ip("link", "add", "s0", "type", "veth", "peer", "name", "n0",
             "netns", n.name)
        s.ip("link", "add", "b0", "type", "veth", "peer", "name", "b1")
        n.ip("link", "add", "n1", "type", "veth", "peer", "name", "f0",
             "netns", f.name)
        s.ip("addr", "add", S_A + "/24", "dev", "s0")
        s.ip("addr", "add", S_A6 + "/64", "dev", "s0", "nodad")
        s.ip("addr", "add", S_B + "/24", "dev", "b0")
        n.ip("addr", "add", NEAR + "/24", "dev", "n0")
        n.ip("addr", "add", NEAR6 + "/64", "dev", "n0", "nodad")
        n.ip("addr", "add", "10.88.3.1/24", "dev", "n1")
        f.ip("addr", "add", FAR + "/24", "dev", "f0")
        for ns, links in ((s, ("s0", "b0", "b1")), (n, ("n0", "n1")),
                          (f, ("f0",))):
            for link in links:
                ns.ip("link", "set", link, "up")
        n.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], check=True)
        s.ip("route", "add", "10.88.3.0/24", "via", NEAR)
        f.ip("route", "add", "default", "via", "10.88.3.1")

    def ask(self, ns, addr, port, timeout=0.7):
        """An answer to localhost. A over UDP, or None."""
        r, _ = udp_query(port, make_query("localhost.", "A"), addr,
                         timeout, ns.name)
        return r

    def ask_tcp(self, ns, addr, port):
        try:
            r, _ = tcp_query(port, make_query("localhost.", "A"), addr, 1.0,
                             ns.name)
            return r
        except (OSError, EOFError):
            return None


@pytest.fixture
def site(netns):
    if shutil.which("sysctl") is None:
        pytest.skip("needs sysctl")
    return Site(netns)


class Dnsmasq:
    """dnsmasq 2.90 in S, with its own empty configuration file."""

    def __init__(self, ns, workdir, procs, port, args):
        self.log = os.path.join(workdir, "dnsmasq-%d.log" % port)
        conf = os.path.join(workdir, "dnsmasq.conf")
        open(conf, "w").close()
        argv = ["dnsmasq", "-k", "-C", conf, "--no-resolv", "--no-hosts",
                "--port=%d" % port, "--log-facility=-",
                "--pid-file=" + os.path.join(workdir, "dnsmasq-%d.pid" % port)] + args
        with open(self.log, "ab") as logf:
            self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=logf, stderr=logf,
                                      preexec_fn=ns.enter())
        procs.append(self.p)

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(5)


@pytest.fixture
def dnsmasq(site, workdir, procs):
    if shutil.which("dnsmasq") is None:
        pytest.skip("needs dnsmasq (Debian package dnsmasq)")
    made = []

    def start(*args, port=5390, ready=S_A):
        d = Dnsmasq(site.s, workdir, procs, port, list(args))
        made.append(d)
        assert wait_for(lambda: d.p.poll() is None and
                        site.ask(site.s, ready, port, 0.2) is not None, 5), \
            "dnsmasq not answering: " + d.text()
        return d
    yield start
    for d in made:
        d.stop()


def start_briskdns(daemon, site, *args, port=5300, ready=S_A, **kw):
    """briskdns in S on port, with no listen-address of the fixture's."""
    return daemon("--port=%d" % port, *args, netns=site.s, addr=ready,
                  port=port, listen=False, **kw)


def not_local(d):
    """The listener's "not local" counter, from SIGUSR1's log line."""
    off = len(d.log())
    d.signal(signal.SIGUSR1)
    m = d.wait_log(r"listener: .*not local (\d+)", 2, off)
    assert m, d.log()[off:]
    return int(m.group(1))


def answered(site, port, addrs):
    """{address: answered?} for queries from S itself."""
    return {a: site.ask(site.s, a, port) is not None for a in addrs}


# ---- interface= and except-interface= ------------------------------------

def test_interface_binds_its_addresses_only(site, daemon, dnsmasq):
    """interface=s0: s0's addresses and loopback (dnsmasq adds it), not
    b0's; the same as dnsmasq --bind-interfaces --interface=s0."""
    d = start_briskdns(daemon, site, "--interface=s0")
    addrs = (S_A, S_A6, "127.0.0.1", S_B)
    got = answered(site, 5300, addrs)
    assert got == {S_A: True, S_A6: True, "127.0.0.1": True, S_B: False}, \
        d.log()
    assert site.ask_tcp(site.s, S_B, 5300) is None
    assert site.ask_tcp(site.s, S_A, 5300) is not None
    # A client on the network reaches it, and is answered: an explicit
    # interface= is the admin's choice, as in dnsmasq.
    assert site.ask(site.n, S_A, 5300) is not None
    assert site.ask(site.f, S_A, 5300) is not None

    dnsmasq("--bind-interfaces", "--interface=s0")
    assert answered(site, 5390, addrs) == got


def test_interface_alias_label(site, daemon, dnsmasq):
    """An IPv4 alias labelled s0:1 belongs to interface=s0:1, not to
    interface=s0, as dnsmasq matches labels in its bind modes."""
    site.s.ip("addr", "add", "10.88.1.9/24", "label", "s0:1", "dev", "s0")
    start_briskdns(daemon, site, "--interface=s0")
    start_briskdns(daemon, site, "--interface=s0:1", port=5301,
                   ready="10.88.1.9")
    addrs = (S_A, "10.88.1.9")
    got = (answered(site, 5300, addrs), answered(site, 5301, addrs))
    assert got == ({S_A: True, "10.88.1.9": False},
                   {S_A: False, "10.88.1.9": True})
    dnsmasq("--bind-interfaces", "--interface=s0")
    dnsmasq("--bind-interfaces", "--interface=s0:1", port=5391,
            ready="10.88.1.9")
    assert (answered(site, 5390, addrs), answered(site, 5391, addrs)) == got


def test_interface_tentative_ipv6_address(site, daemon):
    """An IPv6 address still in duplicate address detection at start is
    listened on once the detection ends, without bind-dynamic."""
    site.s.ip("addr", "add", "2001:db8:1::7/64", "dev", "s0")
    assert "tentative" in site.s.ip("-6", "addr", "show", "dev",
                                    "s0").stdout
    d = start_briskdns(daemon, site, "--interface=s0")
    assert wait_for(lambda: site.ask(site.n, "2001:db8:1::7", 5300, 0.2)
                    is not None, 6), d.log()


def test_interface_wildcard_and_list(site, daemon):
    """interface=x*,s0 (a pattern that matches nothing, then a list):
    s0 bound, the missing name logged as dnsmasq warns of it."""
    d = start_briskdns(daemon, site, "--interface=zz*,s0")
    assert answered(site, 5300, (S_A, S_B)) == {S_A: True, S_B: False}
    assert d.wait_log(r"interface zz\* has no address now")
    d2 = start_briskdns(daemon, site, "--interface=b*", port=5301,
                        ready=S_B)
    assert answered(site, 5301, (S_A, S_B)) == {S_A: False, S_B: True}, \
        d2.log()


def test_except_interface(site, daemon, dnsmasq):
    """except-interface=b0 alone: every other interface (dnsmasq's
    meaning), b0 not; with interface=s0,b0 it still wins."""
    start_briskdns(daemon, site, "--except-interface=b0")
    addrs = (S_A, "127.0.0.1", S_B)
    got = answered(site, 5300, addrs)
    assert got == {S_A: True, "127.0.0.1": True, S_B: False}
    start_briskdns(daemon, site, "--interface=s0,b0", "--except-interface=b0",
                   port=5301)
    assert answered(site, 5301, addrs) == got

    dnsmasq("--bind-interfaces", "--except-interface=b0")
    assert answered(site, 5390, addrs) == got


# ---- bind-dynamic -----------------------------------------------------------

def bind_dynamic_round(site, port, wait_up, wait_down):
    site.s.ip("addr", "add", "10.88.1.5/24", "dev", "s0")
    assert wait_up(), "10.88.1.5 not listened on"
    up = site.ask(site.n, "10.88.1.5", port)
    site.s.ip("addr", "del", "10.88.1.5/24", "dev", "s0")
    assert wait_down(), "10.88.1.5 still listened on"
    # The address is back on b0, which is not listened on: no answer.
    site.s.ip("addr", "add", "10.88.1.5/24", "dev", "b0")
    down = site.ask(site.s, "10.88.1.5", port)
    site.s.ip("addr", "del", "10.88.1.5/24", "dev", "b0")
    return up is not None, down is not None


def test_bind_dynamic_follows_addresses(site, daemon, dnsmasq):
    """bind-dynamic on port 53, started as root (running as nobody): an
    address added to s0 after start is listened on (logged, answered),
    one removed is closed (logged); the same as dnsmasq --bind-dynamic."""
    d = start_briskdns(daemon, site, "--interface=s0", "--bind-dynamic",
                       port=53)
    off = len(d.log())
    got = bind_dynamic_round(
        site, 53,
        lambda: d.wait_log(r"bind-dynamic: listening on 10\.88\.1\.5 \(s0\)",
                           3, off),
        lambda: d.wait_log(r"bind-dynamic: 10\.88\.1\.5 \(s0\) gone", 3, off))
    assert got == (True, False), d.log()
    assert d.alive()
    d.expect_exit = True
    assert d.stop() == 0

    dm = dnsmasq("--bind-dynamic", "--interface=s0", port=53)
    want = bind_dynamic_round(
        site, 53,
        lambda: wait_for(lambda: site.ask(site.n, "10.88.1.5", 53, 0.2)
                         is not None, 5),
        lambda: wait_for(lambda: "10.88.1.5" not in site.s.run(
            ["ss", "-Hlun", "sport = :53"], capture_output=True,
            text=True).stdout, 5))
    assert want == got, dm.text()


# ---- whom it answers -------------------------------------------------------

def test_local_service_answers_attached_networks_only(site, daemon, dnsmasq):
    """local-service: N (attached) is answered, F (two hops) is not,
    over UDP and TCP, and the first refusal is logged; dnsmasq
    --local-service (its only listen option) drops F's query too."""
    d = start_briskdns(daemon, site, "--listen-address=" + S_A,
                       "--listen-address=" + S_A6, "--local-service")
    assert site.ask(site.n, S_A, 5300) is not None
    assert site.ask(site.n, S_A6, 5300) is not None
    assert site.ask_tcp(site.n, S_A, 5300) is not None
    assert site.ask(site.f, S_A, 5300) is None
    assert site.ask_tcp(site.f, S_A, 5300) is None
    assert d.wait_log(r"ignoring queries from 10\.88\.3\.2: not on a "
                      r"directly attached network")
    assert not_local(d) == 2

    dm = dnsmasq("--local-service")
    assert site.ask(site.n, S_A, 5390) is not None
    assert site.ask(site.f, S_A, 5390) is None
    assert wait_for(lambda: re.search("non-local network", dm.text(),
                                      re.I), 2), dm.text()


def test_default_without_choice_restricts_and_says_so(site, daemon):
    """listen-address beyond loopback, no interface=, local-service or
    any-client: attached networks only, said at start."""
    d = start_briskdns(daemon, site, "--listen-address=" + S_A)
    assert d.wait_log(r"10\.88\.1\.1 is not a loopback address .*answering "
                      r"only clients on directly attached networks")
    assert site.ask(site.n, S_A, 5300) is not None
    assert site.ask(site.f, S_A, 5300) is None


def test_any_client_opens_it(site, daemon):
    d = start_briskdns(daemon, site, "--listen-address=" + S_A,
                       "--any-client")
    assert site.ask(site.f, S_A, 5300) is not None
    assert "directly attached" not in d.log()


def test_local_service_host(site, daemon):
    """local-service=host: loopback only, this host only."""
    start_briskdns(daemon, site, "--local-service=host", ready="127.0.0.1")
    assert site.ask(site.s, "127.0.0.1", 5300) is not None
    assert site.ask(site.s, S_A, 5300) is None


def test_restart_keys_kept_on_sighup(site, daemon, workdir):
    """interface= changed in the file: SIGHUP keeps the old one, says so."""
    conf = os.path.join(workdir, "listen.conf")
    with open(conf, "w") as f:
        f.write("interface=s0\n")
    d = start_briskdns(daemon, site, conf=conf)
    with open(conf, "w") as f:
        f.write("interface=b0\nlocal-service\n")
    off = len(d.log())
    d.signal(signal.SIGHUP)
    assert d.wait_log(r"changes to interface, local-service need a restart",
                      3, off), d.log()
    assert d.wait_log(r"configuration reloaded", 3, off)
    assert answered(site, 5300, (S_A, S_B)) == {S_A: True, S_B: False}
    assert site.ask(site.f, S_A, 5300) is not None


def test_resolv_file_leaves_out_interface_addresses(site, daemon, workdir):
    """interface=s0 on port 53, resolv.conf naming s0's address (a router
    that points at itself): not an upstream, never a forwarding loop."""
    resolv = os.path.join(workdir, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver %s\nnameserver %s\n" % (S_A, S_A6))
    d = start_briskdns(daemon, site, "--interface=s0", port=53,
                       resolv=resolv)
    assert d.wait_log(r"names no usable server"), d.log()
    assert "using 1 nameserver" not in d.log()


def test_bind_dynamic_new_interface(site, daemon):
    """interface=t* with bind-dynamic: an interface made after start, and
    its address, are listened on (dnsmasq's dynamically created
    interfaces); an interface deleted with its address is let go."""
    d = start_briskdns(daemon, site, "--interface=t*", "--bind-dynamic",
                       ready="127.0.0.1")
    off = len(d.log())
    site.s.ip("link", "add", "t5", "type", "veth", "peer", "name", "u5")
    site.s.ip("addr", "add", "10.88.5.1/24", "dev", "t5")
    site.s.ip("link", "set", "t5", "up")
    site.s.ip("link", "set", "u5", "up")
    assert d.wait_log(r"bind-dynamic: listening on 10\.88\.5\.1 \(t5\)", 3,
                      off), d.log()
    assert site.ask(site.s, "10.88.5.1", 5300) is not None
    site.s.ip("link", "del", "t5")
    assert d.wait_log(r"bind-dynamic: 10\.88\.5\.1 .*gone", 3, off), d.log()
    assert d.alive()


def test_except_interface_wins_over_listen_address(site, daemon):
    """listen-address of an address on an except-interface: not listened
    on, said in the log (except-interface overrides, dnsmasq)."""
    d = start_briskdns(daemon, site, "--listen-address=" + S_A,
                       "--listen-address=" + S_B, "--except-interface=b0")
    assert d.wait_log(r"10\.88\.2\.1 not listened on: its interface b0 is "
                      r"an except-interface")
    assert answered(site, 5300, (S_A, S_B)) == {S_A: True, S_B: False}


def test_bind_dynamic_address_back_at_once(site, daemon):
    """An address removed and added again within seconds (a DHCP renewal
    that drops it): listened on again, over UDP and TCP."""
    d = start_briskdns(daemon, site, "--interface=s0", "--bind-dynamic")
    site.s.ip("addr", "add", "10.88.1.7/24", "dev", "s0")
    assert d.wait_log(r"listening on 10\.88\.1\.7", 3)
    off = len(d.log())
    site.s.ip("addr", "del", "10.88.1.7/24", "dev", "s0")
    assert d.wait_log(r"10\.88\.1\.7 \(s0\) gone", 3, off)
    site.s.ip("addr", "add", "10.88.1.7/24", "dev", "s0")
    assert d.wait_log(r"listening on 10\.88\.1\.7", 3, off), d.log()
    assert site.ask(site.n, "10.88.1.7", 5300) is not None
    assert site.ask_tcp(site.n, "10.88.1.7", 5300) is not None
