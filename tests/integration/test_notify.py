"""systemd readiness without systemd: a Python AF_UNIX datagram socket as
NOTIFY_SOCKET (a path, and an abstract name), the daemon started with it,
and what it sends: READY=1 (only once it answers), STATUS=, RELOADING=1
and READY=1 around SIGHUP (a rejected file too), WATCHDOG=1 at half of
WATCHDOG_USEC (none while stopped), STOPPING=1.  And the unit's
ExecReload= lines, run as systemd runs them, against a broken file."""

import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from bdutil import BRISKDNS, a_addrs, make_query, udp_query


class Notify:
    """The service manager's end: a datagram socket that records every
    message (its fields, the sender's pid from SCM_CREDENTIALS, when)."""

    def __init__(self, workdir, abstract=False):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "bd-notify-%d-%x" % (os.getpid(), random.getrandbits(32))
            self.s.bind("\0" + name)
            self.env = "@" + name
        else:
            path = os.path.join(workdir, "notify.sock")
            self.s.bind(path)
            # The daemon writes to it after changing to nobody.
            os.chmod(path, 0o777)
            self.env = path
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.msgs = []

    def recv(self, timeout):
        """The next message as (fields dict, sender pid, time), or None."""
        self.s.settimeout(max(timeout, 0.001))
        try:
            data, anc, _, _ = self.s.recvmsg(4096, socket.CMSG_SPACE(12))
        except (socket.timeout, BlockingIOError):
            return None
        pid = None
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", cdata[:12])[0]
        fields = {}
        for line in data.decode("utf-8", "replace").split("\n"):
            k, _, v = line.partition("=")
            fields[k] = v
        m = (fields, pid, time.monotonic())
        self.msgs.append(m)
        return m

    def wait(self, key, timeout=3.0):
        """Wait for a message with key; return it.  Messages before it are
        kept in self.msgs (and returned by since())."""
        end = time.monotonic() + timeout
        while True:
            m = self.recv(end - time.monotonic())
            if m is None:
                return None
            if key in m[0]:
                return m

    def keys_since(self, start, drop=("WATCHDOG",)):
        """The non-watchdog message keys from self.msgs[start:], in order."""
        out = []
        for f, _, _ in self.msgs[start:]:
            if any(k in f for k in drop):
                continue
            out.append(",".join(k for k in f if k in
                                ("READY", "RELOADING", "STOPPING", "STATUS")))
        return out

    def close(self):
        self.s.close()


@pytest.fixture
def notify(workdir):
    made = []

    def make(abstract=False):
        n = Notify(workdir, abstract)
        made.append(n)
        return n
    yield make
    for n in made:
        n.close()


class Env:
    """For Daemon(netns=...): no namespace, but the child's environment
    set in the child, so that WATCHDOG_PID can be the pid systemd would
    give it (its own)."""
    name = None

    def __init__(self, own_pid_var=None):
        self.own_pid_var = own_pid_var

    def enter(self):
        var = self.own_pid_var

        def pre():
            if var:
                os.environ[var] = str(os.getpid())
        return pre


def start(daemon, monkeypatch, n, *args, env=None, **kw):
    """Start briskdns with NOTIFY_SOCKET (and env), without the fixture's
    own readiness probe: READY=1 is what is tested."""
    monkeypatch.setenv("NOTIFY_SOCKET", n.env)
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    d = daemon(*args, wait=False, **kw)
    for k in ["NOTIFY_SOCKET"] + list(env or {}):
        monkeypatch.delenv(k)
    return d


def ready(d, n, timeout=3.0):
    m = n.wait("READY", timeout)
    assert m is not None, "no READY=1:\n" + d.log()
    return m


def test_ready_after_listening(daemon, upstream, uniq, notify, monkeypatch):
    """READY=1 comes once the listener answers: a query sent at once is
    answered, first time; STATUS= says where and with what."""
    up = upstream(a=["192.0.2.1"])
    n = notify()
    d = start(daemon, monkeypatch, n, servers=[up])
    f, pid, _ = ready(d, n)
    r, _ = udp_query(d.port, make_query(uniq()), timeout=1.0)
    assert r is not None and a_addrs(r) == ["192.0.2.1"], \
        "no answer right after READY=1"
    assert f["READY"] == "1"
    assert pid == d.proc.pid
    st = f.get("STATUS", "")
    assert "stub on 127.0.0.1#%d" % d.port in st, st
    assert "1 upstream server," in st, st
    assert "aaaa-mode empty" in st, st
    assert "\n" not in st
    # Nothing else is sent unasked (no watchdog without WATCHDOG_USEC).
    assert n.recv(0.3) is None
    assert "NOTIFY_SOCKET" not in d.log()	# no error logged


def test_ready_abstract_socket(daemon, upstream, uniq, notify, monkeypatch):
    """An abstract NOTIFY_SOCKET (@name), as systemd uses in containers."""
    n = notify(abstract=True)
    d = start(daemon, monkeypatch, n, servers=[upstream()])
    ready(d, n)
    assert d.q(uniq())[0] is not None


def test_status_names_resolv_servers(daemon, upstream, notify, monkeypatch,
                                     write_file):
    """STATUS= counts the upstreams read from the resolv-file."""
    rf = write_file("resolv.conf", "nameserver 192.0.2.53\n"
                    "nameserver 192.0.2.54\n")
    n = notify()
    d = start(daemon, monkeypatch, n, resolv=rf)
    f, _, _ = ready(d, n)
    assert "2 upstream servers (2 from %s)" % rf in f["STATUS"], f


def test_reload(daemon, upstream, uniq, notify, monkeypatch, write_file):
    """SIGHUP: RELOADING=1 (with MONOTONIC_USEC=), then READY=1 with the
    new summary."""
    u1 = upstream(a=["192.0.2.1"])
    conf = write_file("n.conf", "server=%s\n" % u1.server_arg)
    n = notify()
    d = start(daemon, monkeypatch, n, conf=conf)
    ready(d, n)
    write_file("n.conf", "server=%s\naaaa-mode=forward\n" % u1.server_arg)
    k = len(n.msgs)
    d.signal(signal.SIGHUP)
    m = n.wait("READY", 3)
    assert m is not None, "no READY=1 after SIGHUP:\n" + d.log()
    assert n.keys_since(k) == ["RELOADING", "READY,STATUS"], n.msgs[k:]
    rl = [f for f, _, _ in n.msgs[k:] if "RELOADING" in f][0]
    assert re.match(r"^\d+$", rl.get("MONOTONIC_USEC", "")), rl
    assert "aaaa-mode forward" in m[0]["STATUS"], m
    assert "configuration reloaded" in d.log()


def test_reload_rejected(daemon, upstream, uniq, notify, monkeypatch,
                         write_file):
    """A file that no longer parses: RELOADING=1, READY=1 (the old one
    runs on) and a STATUS= that names the error."""
    u1 = upstream(a=["192.0.2.1"])
    conf = write_file("n.conf", "server=%s\n" % u1.server_arg)
    n = notify()
    d = start(daemon, monkeypatch, n, conf=conf)
    ready(d, n)
    write_file("n.conf", "server=%s\nno-such-key\n" % u1.server_arg)
    k = len(n.msgs)
    d.signal(signal.SIGHUP)
    m = n.wait("READY", 3)
    assert m is not None, "no READY=1 after a rejected SIGHUP:\n" + d.log()
    assert n.keys_since(k) == ["RELOADING", "READY,STATUS"], n.msgs[k:]
    st = m[0]["STATUS"]
    assert "configuration rejected" in st, st
    assert "n.conf:2" in st and "no-such-key" in st, st
    assert "stub on 127.0.0.1#%d" % d.port in st, st
    # Still answering with the old configuration.
    assert a_addrs(d.q(uniq())[0]) == ["192.0.2.1"]
    # Fixed: the next reload's STATUS= no longer says so.
    write_file("n.conf", "server=%s\n" % u1.server_arg)
    d.signal(signal.SIGHUP)
    m = n.wait("READY", 3)
    assert m is not None and "rejected" not in m[0]["STATUS"], m


def test_status_one_line(daemon, upstream, notify, monkeypatch, workdir):
    """A file name with a newline in an error cannot add a field of its
    own (MAINPID= here): control characters become '?'."""
    n = notify()
    bad = os.path.join(workdir, "x\nMAINPID=1")
    with open(bad, "w") as f:
        f.write("server=%s\n" % upstream().server_arg)
    os.chmod(bad, 0o644)
    d = start(daemon, monkeypatch, n, conf=bad)
    ready(d, n)
    with open(bad, "w") as f:
        f.write("no-such-key\n")
    d.signal(signal.SIGHUP)
    m = n.wait("READY", 3)
    assert m is not None, d.log()
    assert "MAINPID" not in m[0], m
    assert "x?MAINPID=1" in m[0]["STATUS"], m


def pings(n, seconds):
    """WATCHDOG=1 times seen within seconds."""
    out = []
    end = time.monotonic() + seconds
    while True:
        m = n.recv(end - time.monotonic())
        if m is None:
            return out
        if "WATCHDOG" in m[0]:
            out.append(m[2])


def test_watchdog(daemon, upstream, notify, monkeypatch):
    """WATCHDOG_USEC=200000: a ping about every 100 ms; none while the
    daemon is stopped; they come back after SIGCONT."""
    n = notify()
    d = start(daemon, monkeypatch, n, servers=[upstream()],
              env={"WATCHDOG_USEC": "200000"})
    ready(d, n)
    t = pings(n, 1.0)
    assert 7 <= len(t) <= 13, "%d pings in 1 s" % len(t)
    gaps = [b - a for a, b in zip(t, t[1:])]
    assert max(gaps) < 0.3, gaps
    assert sorted(gaps)[len(gaps) // 2] == pytest.approx(0.1, abs=0.03), gaps
    d.signal(signal.SIGSTOP)
    try:
        pings(n, 0.05)		# one that was on its way
        assert pings(n, 0.5) == [], "pings while stopped"
    finally:
        d.signal(signal.SIGCONT)
    t = pings(n, 0.5)
    assert len(t) >= 3, "no pings after SIGCONT"
    assert "watchdog: pinging the service manager every 100 ms" in d.log()


def test_watchdog_pid(daemon, upstream, notify, monkeypatch):
    """WATCHDOG_PID: pings when it is the daemon's own pid, none when it
    names another process."""
    n = notify()
    d = start(daemon, monkeypatch, n, servers=[upstream()],
              env={"WATCHDOG_USEC": "200000"},
              netns=Env("WATCHDOG_PID"))
    ready(d, n)
    assert len(pings(n, 0.5)) >= 3
    n2 = notify(abstract=True)
    d2 = start(daemon, monkeypatch, n2, servers=[upstream()],
               env={"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
    ready(d2, n2)
    assert pings(n2, 0.5) == [], "pings for another process's watchdog"


def test_never_blocks(daemon, upstream, uniq, notify, monkeypatch):
    """A service manager that does not read: its socket's queue fills
    (pings every millisecond), sends fail with EAGAIN, logged once, and
    answering goes on."""
    n = notify()
    d = start(daemon, monkeypatch, n, servers=[upstream(a=["192.0.2.1"])],
              env={"WATCHDOG_USEC": "2000"})
    assert d.wait_log(r"cannot notify the service manager \(logged once\): "
                      r"Resource temporarily unavailable", 5), d.log()
    t0 = time.monotonic()
    r, _ = d.q(uniq(), timeout=1.0)
    assert r is not None and a_addrs(r) == ["192.0.2.1"]
    assert time.monotonic() - t0 < 0.5
    assert d.log().count("cannot notify") == 1
    # Stopped, the daemon sends nothing more: what is queued is the
    # socket's queue, no more (the pings were dropped, not kept).
    d.signal(signal.SIGSTOP)
    try:
        got = 0
        while n.recv(0.1) is not None and got < 100000:
            got += 1
    finally:
        d.signal(signal.SIGCONT)
    with open("/proc/sys/net/unix/max_dgram_qlen") as f:
        qlen = int(f.read())
    assert got <= qlen + 1, got


def test_stopping(daemon, upstream, notify, monkeypatch):
    n = notify()
    d = start(daemon, monkeypatch, n, servers=[upstream()])
    ready(d, n)
    d.expect_exit = True
    d.signal(signal.SIGTERM)
    m = n.wait("STOPPING", 3)
    assert m is not None, "no STOPPING=1:\n" + d.log()
    assert d.wait(3) == 0


def test_without_notify_socket(daemon, upstream, uniq, workdir, monkeypatch):
    """No NOTIFY_SOCKET: nothing changes.  One that cannot be reached: the
    daemon runs, the failure is logged once (reloads send more)."""
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    d = daemon(servers=[upstream(a=["192.0.2.1"])])
    assert a_addrs(d.q(uniq())[0]) == ["192.0.2.1"]
    assert "NOTIFY_SOCKET" not in d.log()
    monkeypatch.setenv("NOTIFY_SOCKET", os.path.join(workdir, "nobody-here"))
    d2 = daemon(servers=[upstream(a=["192.0.2.1"])])
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert a_addrs(d2.q(uniq())[0]) == ["192.0.2.1"]
    for _ in range(2):
        off = len(d2.log())
        d2.signal(signal.SIGHUP)
        assert d2.wait_log(r"configuration reloaded", 3, off)
    assert d2.log().count("cannot notify the service manager") == 1, d2.log()
    monkeypatch.setenv("NOTIFY_SOCKET", "not-absolute")
    d3 = daemon(servers=[upstream(a=["192.0.2.1"])])
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert a_addrs(d3.q(uniq())[0]) == ["192.0.2.1"]
    assert "NOTIFY_SOCKET not-absolute: not a socket address" in d3.log()


@pytest.mark.root
def test_keeper_child_notifies(daemon, upstream, uniq, notify, monkeypatch,
                               workdir):
    """With a pid file and a change of user the process started (systemd's
    main process) stays root and waits; the daemon, its child, sends the
    messages and the pings (hence NotifyAccess=all in the unit), and the
    watchdog meant for the started process is the daemon's."""
    n = notify()
    pidfile = os.path.join(workdir, "bd.pid")
    d = start(daemon, monkeypatch, n, "--pid-file=" + pidfile,
              "--user=nobody", servers=[upstream()],
              env={"WATCHDOG_USEC": "200000"}, netns=Env("WATCHDOG_PID"))
    f, pid, _ = ready(d, n)
    assert pid != d.proc.pid
    with open("/proc/%d/status" % pid) as st:
        assert re.search(r"^PPid:\s+%d$" % d.proc.pid, st.read(), re.M)
    t = pings(n, 0.5)
    assert len(t) >= 3, "no pings from the daemon"
    d.expect_exit = True
    d.signal(signal.SIGTERM)
    assert n.wait("STOPPING", 3) is not None
    assert d.wait(3) == 0


# ---- the unit's ExecReload= ----------------------------------------------

def unit_lines(key):
    top = os.environ.get("top_srcdir") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(top, "etc", "briskdns.service.in")) as f:
        return [ln.split("=", 1)[1].strip() for ln in f
                if ln.startswith(key + "=")]


def exec_lines(key, sbindir, mainpid):
    """The unit's key= commands as systemd would run them: @sbindir@
    substituted, $MAINPID expanded, split into words."""
    out = []
    for v in unit_lines(key):
        v = v.replace("@sbindir@", sbindir).replace("$MAINPID", str(mainpid))
        out.append(v.split())
    return out


def run_as_systemd(cmds):
    """Run one after the other; the first failure ends it (systemd's rule
    for ExecReload= and ExecStartPre=).  (status, [CompletedProcess])."""
    done = []
    for argv in cmds:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10,
                           stdin=subprocess.DEVNULL)
        done.append(p)
        if p.returncode != 0:
            return p.returncode, done
    return 0, done




def test_unit_exec_reload(daemon, upstream, uniq, workdir, write_file):
    """ExecReload= against a daemon whose file no longer parses: the
    reload fails (systemctl reload would say so), the errors are on
    stderr (the journal), and the daemon gets no SIGHUP; with a good file
    it succeeds and the daemon reloads.  The unit's briskdns reads
    /etc/briskdns.conf: @sbindir@ is a directory whose briskdns is the one
    under test with the test's file."""
    u1 = upstream(a=["192.0.2.1"])
    conf = write_file("u.conf", "server=%s\n" % u1.server_arg)
    sbindir = os.path.join(workdir, "sbin")
    os.mkdir(sbindir)
    with open(os.path.join(sbindir, "briskdns"), "w") as f:
        f.write("#!/bin/sh\nexec %s -C %s --no-resolv \"$@\"\n"
                % (BRISKDNS, conf))
    os.chmod(os.path.join(sbindir, "briskdns"), 0o755)
    d = daemon(conf=conf)
    cmds = exec_lines("ExecReload", sbindir, d.proc.pid)
    assert len(cmds) >= 2

    write_file("u.conf", "server=%s\nno-such-key\n" % u1.server_arg)
    off = len(d.log())
    rc, done = run_as_systemd(cmds)
    assert rc != 0, "reload of a broken file succeeded"
    assert len(done) < len(cmds), "the SIGHUP was sent anyway"
    assert "u.conf:2" in done[-1].stderr, done[-1].stderr
    d.signal(signal.SIGUSR1)	# something to wait for instead of time
    assert d.wait_log(r"listener: udp", 2, off)
    assert "SIGHUP" not in d.log()[off:]
    assert a_addrs(d.q(uniq())[0]) == ["192.0.2.1"]

    write_file("u.conf", "server=%s\naaaa-mode=forward\n" % u1.server_arg)
    off = len(d.log())
    rc, done = run_as_systemd(cmds)
    assert rc == 0, [(p.args, p.stderr) for p in done]
    assert d.wait_log(r"configuration reloaded", 3, off), d.log()[off:]


def test_unit_readiness(workdir):
    """The unit's readiness keys; systemd-analyze verify accepts it, with
    @sbindir@ the binary's directory (where systemd-analyze is)."""
    assert unit_lines("Type") == ["notify"]
    assert unit_lines("NotifyAccess") == ["all"]
    assert unit_lines("WatchdogSec") == ["30s"]
    assert unit_lines("ExecStartPre") == ["@sbindir@/briskdns --test"]
    sa = shutil.which("systemd-analyze")
    if sa is None:
        return
    top = os.environ.get("top_srcdir") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(top, "etc", "briskdns.service.in")) as f:
        text = f.read().replace("@sbindir@", os.path.dirname(BRISKDNS))
    unit = os.path.join(workdir, "briskdns.service")
    with open(unit, "w") as f:
        f.write(text)
    p = subprocess.run([sa, "verify", "--man=no", unit], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
