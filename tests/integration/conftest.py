"""Fixtures of the briskdns integration tests.

The tests drive the real daemon ($BRISKDNS, default ./src/briskdns) with
real clients against fake upstream servers (fakedns.py) on loopback or in
network namespaces the tests create and delete themselves.  The daemon is
always run in the foreground (-d), with -C pointing at /dev/null or a file
of the test's, and --no-resolv or a resolv-file of the test's, so the
host's configuration is never read and nothing leaves loopback.
"""

import itertools
import os
import random
import shutil
import signal
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bdutil  # noqa: E402
from fakedns import FakeUpstream  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "root: needs root (network namespaces)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def pytest_collection_modifyitems(config, items):
    # The daemon under test must exist; say so once, clearly.
    if not os.access(bdutil.BRISKDNS, os.X_OK):
        mark = pytest.mark.skip(reason="no briskdns binary at %s (set BRISKDNS)"
                                % bdutil.BRISKDNS)
        for it in items:
            it.add_marker(mark)
    for it in items:
        if it.get_closest_marker("root") and not bdutil.is_root():
            it.add_marker(pytest.mark.skip(
                reason="needs root for network namespaces"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show each daemon's log and what each upstream saw."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "call" or not rep.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    for d in getattr(funcargs.get("daemon"), "made", []):
        rep.sections.append(("briskdns %s" % " ".join(d.argv[1:]),
                             d.log()[-6000:] or "(empty log)"))
    pr = getattr(funcargs.get("pair"), "made", [])
    for x in pr:
        rep.sections.append(("dnsmasq %s" % " ".join(x.dm_argv[1:]),
                             x.dnsmasq_text() or "(empty log)"))
    for u in getattr(funcargs.get("upstream"), "made", []):
        rep.sections.append(("upstream %s saw" % u.server_arg,
                             "\n".join(repr(r) for r in u.queries()[-40:])
                             or "(nothing)"))


@pytest.fixture
def workdir():
    """A directory the daemon can still read after dropping to nobody."""
    d = tempfile.mkdtemp(prefix="bd-it-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def write_file(workdir):
    def write(name, text):
        p = os.path.join(workdir, name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o644)
        return p
    return write


_seq = itertools.count()


@pytest.fixture
def uniq(request):
    """uniq("label") -> a fresh name (no cache hit from another query)."""
    tag = "%x%04x" % (next(_seq), random.getrandbits(16))

    def make(label="q", domain="example.com"):
        return "%s-%s-%x.%s." % (label, tag, random.getrandbits(24), domain)
    return make


@pytest.fixture
def upstream():
    """upstream(**kw) -> a started FakeUpstream; closed after the test."""
    made = []

    def make(addr="127.0.0.1", port=0, netns=None, **attrs):
        u = FakeUpstream(addr, port, netns.name if netns is not None
                         and not isinstance(netns, str) else netns)
        for k, v in attrs.items():
            setattr(u, k, v)
        made.append(u)
        return u
    make.made = made
    yield make
    for u in made:
        u.close()


SANITIZER = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
             "runtime error:")


@pytest.fixture
def daemon(workdir):
    """daemon(*args, servers=[up...], wait=True, **Daemon kw) -> Daemon.

    At teardown every daemon is stopped (by PID); one that died by itself,
    or whose log shows a sanitizer report, makes the test error."""
    made = []

    empty = os.path.join(workdir, "empty.conf")
    open(empty, "w").close()
    os.chmod(empty, 0o644)

    def make(*args, servers=(), wait=True, **kw):
        argv = ["--server=" + (s if isinstance(s, str) else s.server_arg)
                for s in servers] + list(args)
        kw.setdefault("conf", empty)
        d = bdutil.Daemon(workdir, argv, **kw)
        made.append(d)
        try:
            return d.start(wait=wait)
        except BaseException:
            d.expect_exit = True	# already reported by start()
            raise
    make.made = made
    yield make
    problems = []
    for d in made:
        if d.proc is None:
            continue
        rc = d.proc.poll()
        if rc is not None and not d.expect_exit:
            problems.append("briskdns died during the test (status %d): %s\n%s"
                            % (rc, " ".join(d.argv), d.log()[-3000:]))
        d.stop()
        log = d.log()
        if any(s in log for s in SANITIZER):
            problems.append("sanitizer report in the log of %s:\n%s"
                            % (" ".join(d.argv), log[-4000:]))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def netns():
    """A fresh network namespace (root only), lo up; deleted afterwards."""
    if not bdutil.is_root():
        pytest.skip("needs root for network namespaces")
    made = []

    def make():
        ns = bdutil.NetNS()
        made.append(ns)
        return ns
    yield make
    for ns in made:
        ns.close()


@pytest.fixture
def procs():
    """Processes a test starts itself: killed by PID at teardown."""
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()


@pytest.fixture
def pair(workdir, upstream, daemon, procs):
    """pair(conf_text, files={}, hosts=False, ...) -> a started
    compat.Pair: dnsmasq 2.90 and briskdns side by side with the same
    configuration (compat.py says what is compared).  Root only (dnsmasq
    drops privileges); skipped without dnsmasq."""
    import compat
    if not bdutil.is_root():
        pytest.skip("needs root: dnsmasq changes user at start")
    if not os.access(compat.DNSMASQ, os.X_OK):
        pytest.skip("needs dnsmasq (Debian package dnsmasq)")
    made = []

    def make(conf, **kw):
        p = compat.Pair(workdir, upstream, daemon, procs)
        made.append(p)
        return p.start(conf, **kw)
    make.made = made
    yield make
    for p in made:
        p.stop()
