"""Three real-life dnsmasq.conf files carry over (issue 9).

tests/conf/dnsmasq/ holds what a laptop user, a home router and a
Pi-hole style blocker write (laptop.conf, router.conf, blocklist.conf),
each with the files it names under NAME.root/ (its /etc and /var, copied
to a temporary directory and the paths in the configuration rewritten
there).  dnsmasq 2.90 accepts all three (`dnsmasq --test`: they are valid
dnsmasq configurations); briskdns --test accepts the laptop's and the
blocker's unchanged, and refuses the router's for its DHCP lines only,
each with the DHCP message.  And every key of `dnsmasq --help` is either
a briskdns key or refused with its reason: none is "unknown".
"""

import os
import re
import shutil
import subprocess

import dns.message
import dns.rcode
import pytest

from bdutil import run_briskdns, udp_query

TOP = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
CONFS = os.path.join(TOP, "tests", "conf", "dnsmasq")
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
WHY_DHCP = ("a DHCP key: briskdns does DNS only; keep dnsmasq for DHCP "
            "with port=0")

needs_dnsmasq = pytest.mark.skipif(
    not os.access(DNSMASQ, os.X_OK),
    reason="needs dnsmasq (Debian package dnsmasq)")

# A path value under /etc, /var, /run: moved into the test's directory.
PATH_RX = re.compile(r"(?<==)/(etc|var|run)/")


def rewrite(text, root):
    return PATH_RX.sub(lambda m: "%s/%s/" % (root, m.group(1)), text)


@pytest.fixture
def conf(workdir):
    """conf("laptop") -> path of laptop.conf, its files in place."""
    def make(name):
        root = os.path.join(workdir, name + ".root")
        src = os.path.join(CONFS, name + ".root")
        if os.path.isdir(src):
            shutil.copytree(src, root)
        else:
            os.makedirs(root)
        for d, _, files in os.walk(root):
            os.chmod(d, 0o755)
            for f in files:
                p = os.path.join(d, f)
                with open(p) as fh:
                    t = fh.read()
                with open(p, "w") as fh:
                    fh.write(rewrite(t, root))
                os.chmod(p, 0o644)
        with open(os.path.join(CONFS, name + ".conf")) as fh:
            text = fh.read()
        path = os.path.join(workdir, name + ".conf")
        with open(path, "w") as fh:
            fh.write(rewrite(text, root))
        os.chmod(path, 0o644)
        return path
    return make


def key_lines(path, pred):
    """{line number: key} of the lines whose key satisfies pred."""
    out = {}
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key = line.split("=", 1)[0].strip()
            if pred(key):
                out[n] = key
    return out


@needs_dnsmasq
@pytest.mark.parametrize("name", ["laptop", "router", "blocklist"])
def test_dnsmasq_accepts(conf, name):
    """Each file is a valid dnsmasq 2.90 configuration."""
    path = conf(name)
    r = subprocess.run([DNSMASQ, "--test", "-C", path], capture_output=True,
                       text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "syntax check OK" in r.stdout + r.stderr


@pytest.mark.parametrize("name", ["laptop", "blocklist"])
def test_briskdns_accepts(conf, name):
    """The laptop's and the blocker's dnsmasq.conf start briskdns
    unchanged."""
    path = conf(name)
    r = run_briskdns(["--test", "-C", path])
    assert r.returncode == 0, "briskdns --test refused %s.conf:\n%s" % (
        name, r.stderr)
    assert r.stdout.strip(), "no print-back"


def test_briskdns_router_dhcp_only(conf):
    """The router's is refused for its DHCP lines, each with the DHCP
    message and its line; nothing else in it is an error."""
    path = conf("router")
    dhcp = key_lines(path, lambda k: k.startswith("dhcp-"))
    assert len(dhcp) >= 5
    r = run_briskdns(["--test", "-C", path])
    assert r.returncode == 1, r.stdout + r.stderr
    errors = [l for l in r.stderr.splitlines() if l.startswith(path + ":")]
    want = ["%s:%d: %s: %s" % (path, n, k, WHY_DHCP)
            for n, k in sorted(dhcp.items())]
    assert errors == want, "\n".join(["got:"] + errors + ["want:"] + want +
                                     ["stderr:", r.stderr])


def test_briskdns_router_without_dhcp(conf, workdir):
    """Without its DHCP lines (dnsmasq keeps those, with port=0) the
    router's configuration starts briskdns."""
    path = conf("router")
    with open(path) as fh:
        lines = [l for l in fh if not l.strip().startswith("dhcp-")]
    dns_only = os.path.join(workdir, "router-dns.conf")
    with open(dns_only, "w") as fh:
        fh.writelines(lines)
    r = run_briskdns(["--test", "-C", dns_only])
    assert r.returncode == 0, r.stderr


def dnsmasq_keys():
    r = subprocess.run([DNSMASQ, "--help"], capture_output=True, text=True,
                       timeout=10)
    keys = sorted(set(re.findall(r"^\s*(?:-\S, )?--([a-zA-Z0-9-]+)",
                                 r.stdout, re.M)))
    return [k for k in keys if k not in ("help", "version")]


@needs_dnsmasq
def test_every_dnsmasq_key_known(workdir):
    """No key of dnsmasq 2.90 is 'unknown' to briskdns: a key it has, or
    one it refuses with its reason."""
    keys = dnsmasq_keys()
    assert len(keys) > 150, keys
    unknown = []
    # Fewer lines a file than briskdns's limit of reported errors.
    for i in range(0, len(keys), 50):
        path = os.path.join(workdir, "keys-%d.conf" % i)
        with open(path, "w") as fh:
            fh.write("".join(k + "\n" for k in keys[i:i + 50]))
        r = run_briskdns(["--test", "-C", path])
        unknown += re.findall(r"unknown key '([^']*)'", r.stderr)
    assert not unknown, "unknown to briskdns: %s" % " ".join(unknown)


# ---- keys accepted with no effect, no-ident, domain-suffix, refusals ------
NOOPS = ["cache-rr=TXT,MX", "no-round-robin", "strip-mac", "strip-subnet",
         "fast-dns-retry=1000", "max-tcp-connections=20", "port-limit=4"]


def test_noop_keys_start_and_say_so(daemon, upstream, write_file):
    """Keys whose purpose briskdns meets by itself: the daemon starts, the
    log says each has no effect and why, --test prints them as comments."""
    up = upstream()
    path = write_file("noops.conf", "\n".join(NOOPS) + "\n")
    r = run_briskdns(["--test", "-C", path, "--no-resolv", "--no-hosts"])
    assert r.returncode == 0, r.stderr
    for k in NOOPS:
        name = k.split("=")[0]
        assert re.search(r"^# %s: no effect: \S" % name, r.stdout, re.M), \
            "--test does not print %s back:\n%s" % (name, r.stdout)
    d = daemon(conf=path, servers=[up])
    for k in NOOPS:
        assert d.wait_log(r"%s: accepted for dnsmasq compatibility, no "
                          r"effect: " % k.split("=")[0]), d.log()
    assert d.q("noop.example.com.")[0] is not None


def test_no_ident(daemon, upstream):
    """no-ident: CHAOS queries for the name and version get REFUSED
    (dnsmasq 2.90 answers NOTIMP; briskdns refuses every CHAOS query it
    does not answer); without it, the version."""
    up = upstream()
    q = dns.message.make_query("version.bind.", "TXT", "CH")
    plain = daemon(servers=[up])
    r, _ = udp_query(plain.port, q)
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    d = daemon("--no-ident", servers=[up])
    r, _ = udp_query(d.port, q)
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    assert not up.queries(qname="version.bind.")


def test_domain_suffix_is_domain(workdir, write_file):
    path = write_file("ds.conf", "domain-suffix=lan\nexpand-hosts\n")
    r = run_briskdns(["--test", "-C", path, "--no-resolv", "--no-hosts"])
    assert r.returncode == 0, r.stderr
    assert re.search(r"^domain=lan$", r.stdout, re.M), r.stdout


def test_dns_loop_detect_refused_with_reason(write_file):
    path = write_file("loop.conf", "dns-loop-detect\n")
    r = run_briskdns(["--test", "-C", path])
    assert r.returncode == 1
    assert "loop.conf:1: dns-loop-detect: briskdns does not probe" in \
        r.stderr, r.stderr
