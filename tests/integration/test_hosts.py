"""Hosts as they are in the field (issue 7, "Hosts").

- A host without IPv6: IPv6 switched off by sysctl (disable_ipv6=1: ::1
  is gone, bind() says EADDRNOTAVAIL), in a network namespace of the
  test's own; and a kernel booted with ipv6.disable=1 (socket(AF_INET6)
  says EAFNOSUPPORT), seen through an LD_PRELOAD shim (noipv6.c, built
  here with cc).  A default listen address that cannot exist is skipped
  with one log line, an explicit one is exit 2; aaaa-mode=auto, an IPv6
  server= and interception keep working on IPv4.
- -C with a relative path still names the same file after the daemon
  detached (SIGHUP reads it again).
- The pid file: never through a planted link or into someone else's
  file; removed at exit although the daemon dropped to user nobody.

Namespaces, processes and files are removed by the fixtures even on
failure; daemonized processes (not our children) are ended by PID.
"""

import contextlib
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import dns.message
import dns.rcode
import pytest

from bdutil import (BRISKDNS, a_addrs, free_port, is_root, make_query,
                    rcode_text, udp_query, udp_raw, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- helpers --------------------------------------------------------------
@pytest.fixture(scope="module")
def noipv6_shim():
    """Path of the compiled shim; skip when no C compiler."""
    cc = next((c for c in (os.environ.get("CC"), "cc", "gcc", "clang")
               if c and shutil.which(c.split()[0])), None)
    if cc is None:
        pytest.skip("no C compiler to build the noipv6 LD_PRELOAD shim")
    d = tempfile.mkdtemp(prefix="bd-shim-")
    os.chmod(d, 0o755)
    so = os.path.join(d, "noipv6.so")
    # Plain flags: the shim must not pull in a sanitizer runtime.
    r = subprocess.run([cc.split()[0], "-shared", "-fPIC", "-O1", "-o", so,
                        os.path.join(HERE, "noipv6.c"), "-ldl"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        shutil.rmtree(d, ignore_errors=True)
        pytest.skip("cannot build the noipv6 shim: %s" % r.stderr[-300:])
    os.chmod(so, 0o755)
    yield so
    shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def preloaded(shim):
    """The environment the daemon is started in: the shim preloaded (an
    ASan build accepts a library loaded before its runtime)."""
    saved = {k: os.environ.get(k) for k in ("LD_PRELOAD", "ASAN_OPTIONS")}
    os.environ["LD_PRELOAD"] = shim
    os.environ["ASAN_OPTIONS"] = ":".join(
        x for x in (saved["ASAN_OPTIONS"], "verify_asan_link_order=0") if x)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def start_noipv6(daemon, shim, *args, **kw):
    """daemon(*args) with the shim; waits for it to answer unless
    wait=False (the wait runs without the shim in our environment)."""
    wait = kw.pop("wait", True)
    with preloaded(shim):
        d = daemon(*args, wait=False, **kw)
    if wait:
        d.wait_ready()
    return d


def run_until_exit(argv, timeout=4.0, env=None, netns=None):
    """Run briskdns expecting it to exit: (status, output); status None
    if it was still running after timeout (then it is killed)."""
    pre = netns.enter() if netns is not None else None
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=env, preexec_fn=pre)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return None, out


def shim_env(shim):
    env = dict(os.environ)
    env["LD_PRELOAD"] = shim
    env["ASAN_OPTIONS"] = ":".join(x for x in (
        env.get("ASAN_OPTIONS"), "verify_asan_link_order=0") if x)
    return env


def count(log, pattern):
    return len(re.findall(pattern, log, re.I | re.M))


def pid_alive(pid):
    """Running (a zombie, not reaped by an init that does not reap, is
    not running)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False



def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def daemon_child(pid):
    """The keeper's children, once it has forked the daemon: a door that
    needs no listener is ready (its nftables table made) before the
    keeper forks, so the fork may still be coming."""
    wait_for(lambda: children(pid), 3)
    return children(pid)


def uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("Uid:"):
                return int(ln.split()[1])
    return None


def disable_ipv6(ns):
    ns.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1"], check=True)
    r = ns.ip("-6", "addr", "show", check=False)
    assert "::1" not in r.stdout, "::1 still there: " + r.stdout


SKIP_RX = r"default address ::1 skipped"


# ---- IPv6 switched off by sysctl (disable_ipv6=1) -------------------------
@pytest.mark.root
def test_ipv6_disabled_by_sysctl(netns, upstream, daemon, uniq):
    """The default configuration on port 53 starts, answers on 127.0.0.1
    and says once that it skipped ::1; aaaa-mode=auto answers AAAA empty;
    an IPv6 server= is passed over without noise; an explicit ::1 is
    exit 2."""
    ns = netns()
    disable_ipv6(ns)
    up = upstream("127.0.0.2", 53, netns=ns, a=["192.0.2.7"],
                  aaaa=["2001:db8::7"])
    d = daemon("--port=53", "--server=::1#5353", "--server=127.0.0.2#53",
               "--aaaa-mode=auto", port=53, listen=False, netns=ns)
    for i in range(10):
        r, dt = d.q(uniq("nov6"), timeout=2)
        assert r is not None and a_addrs(r) == ["192.0.2.7"], rcode_text(r)
        assert dt < 1.0, "answer took %.3fs" % dt
    r, _ = d.q(uniq("nov6aaaa"), "AAAA")
    assert r is not None and r.rcode() == 0 and a_addrs(r) == [], \
        "AAAA under aaaa-mode=auto without IPv6: %r" % (r and r.answer)
    assert up.queries(qtype="AAAA") == [], "AAAA forwarded without IPv6"
    log = d.log()
    assert count(log, SKIP_RX) == 1, log
    assert re.search(r"aaaa-mode: no global IPv6 route", log), log
    assert count(log, r"^briskdns: .*(upstream|::1)") <= 2, \
        "IPv6 server on an IPv6-less host fills the log:\n" + log

    port = free_port("127.0.0.1", ns.name)
    for listen in (["-a", "::1"], ["-a", "127.0.0.1", "-a", "::1"]):
        rc, out = run_until_exit(
            [BRISKDNS, "-d", "-C", "/dev/null", "--no-resolv",
             "--server=127.0.0.2#53", "--port=%d" % port] + listen,
            netns=ns)
        assert rc == 2, "explicit %s: status %r\n%s" % (listen, rc, out)
        assert "::1" in out and "skipped" not in out, out


# ---- a kernel without IPv6 (ipv6.disable=1), through the shim ------------
def test_no_ipv6_kernel_default_listen(noipv6_shim, upstream, daemon, uniq):
    up = upstream()
    port = free_port()
    d = start_noipv6(daemon, noipv6_shim, "--port=%d" % port,
                     servers=[up], port=port, listen=False)
    r, _ = d.q(uniq("nok"))
    assert r is not None and a_addrs(r) == ["192.0.2.1"], rcode_text(r)
    log = d.log()
    assert count(log, SKIP_RX) == 1, log
    assert "no such address family" in log, log

    rc, out = run_until_exit([BRISKDNS, "-d", "-C", "/dev/null",
                              "--no-resolv", "--server=" + up.server_arg,
                              "--port=%d" % port, "-a", "::1"],
                             env=shim_env(noipv6_shim))
    assert rc == 2, "explicit ::1: status %r\n%s" % (rc, out)


@pytest.mark.root
def test_no_ipv6_kernel_aaaa_auto(noipv6_shim, netns, upstream, daemon,
                                  uniq):
    """A global IPv6 route is in the tables, but the kernel the daemon
    sees cannot use it: auto answers AAAA empty, and says why."""
    ns = netns()
    ns.ip("-6", "route", "add", "2001:db8::/32", "dev", "lo")
    up = upstream("127.0.0.1", 5300, netns=ns, aaaa=["2001:db8::98"])
    d = start_noipv6(daemon, noipv6_shim, "--aaaa-mode=auto",
                     "--server=127.0.0.1#5300", netns=ns)
    r, _ = d.q(uniq("noauto"), "AAAA")
    assert r is not None and r.rcode() == 0 and a_addrs(r) == [], \
        "AAAA forwarded although the kernel has no IPv6: %r" % (
            r and r.answer)
    assert up.queries(qtype="AAAA") == []
    assert d.wait_log(r"aaaa-mode: no IPv6 in this kernel",
                      timeout=0.5), d.log()


def _ipv6_server_daemon(daemon, shim, upstream):
    """The default listen addresses, an IPv6 server= tried first."""
    up = upstream()
    port = free_port()
    d = start_noipv6(daemon, shim, "--port=%d" % port, "--strict-order",
                     "--server=::1#5353", "--server=" + up.server_arg,
                     port=port, listen=False)
    return d, up


def test_no_ipv6_kernel_ipv6_server(noipv6_shim, upstream, daemon, uniq):
    """An IPv6 server= first in strict order: every query still answered
    at once by the IPv4 server."""
    d, up = _ipv6_server_daemon(daemon, noipv6_shim, upstream)
    for i in range(10):
        r, dt = d.q(uniq("v6srv"), timeout=2)
        assert r is not None and a_addrs(r) == ["192.0.2.1"], rcode_text(r)
        assert dt < 0.5, "answer took %.3fs" % dt
    assert len(up.queries(qtype="A")) == 10


def test_no_ipv6_kernel_ipv6_server_quiet(noipv6_shim, upstream, daemon,
                                          uniq):
    d, up = _ipv6_server_daemon(daemon, noipv6_shim, upstream)
    for i in range(20):
        r, _ = d.q(uniq("v6quiet"), timeout=2)
        assert r is not None and a_addrs(r) == ["192.0.2.1"]
    n = count(d.log(), r"address family not supported|upstream socket")
    assert n <= 1, "%d log lines for 20 queries:\n%s" % (n, d.log())


@pytest.mark.root
def test_no_ipv6_kernel_interception(noipv6_shim, netns, upstream, procs,
                                     workdir, daemon, uniq):
    """The raw IPv6 socket cannot be had: interception goes on for IPv4,
    says so once, and IPv6 queries still reach the bound server."""
    ti = pytest.importorskip("test_intercept")
    for m in ti.pytestmark:
        if m.name == "skipif" and m.args[0]:
            pytest.skip(m.kwargs.get("reason", "interception unavailable"))
    site = ti.Site(netns, upstream, procs, workdir)
    site.start_dnsmasq()
    with preloaded(noipv6_shim):
        d = daemon("--nfqueue=0", "--port=0", netns=site.srv, wait=False,
                   port=0, listen=False)
    ti.wait_intercepting(d, site.srv)
    assert d.wait_log(r"intercept: no IPv6 in this kernel, intercepting "
                      r"IPv4 only", timeout=1), d.log()
    assert "raw IPv6 socket" not in d.log(), d.log()
    ti.assert_intercepted(site, "remote", 4, uniq("icpt4"), False, site.up)
    ti.assert_served(site, "remote", 6, uniq("icpt6"), "A", ["192.0.2.1"])


# ---- -C with a relative path, daemonized ----------------------------------
def _end_pid(pid):
    if pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
        if not wait_for(lambda: not pid_alive(pid), 3):
            os.kill(pid, signal.SIGKILL)


def test_relative_conf_file_after_daemonizing(upstream, workdir, uniq):
    up = upstream()
    port = free_port()
    cwd = tempfile.mkdtemp(prefix="bd-cwd-", dir=workdir)
    os.chmod(cwd, 0o755)
    conf = os.path.join(cwd, "briskdns.conf")
    with open(conf, "w") as f:
        f.write("server=%s\n" % up.server_arg)
    os.chmod(conf, 0o644)
    pidfile = os.path.join(workdir, "daemon.pid")
    p = subprocess.run([BRISKDNS, "-C", "briskdns.conf", "--no-resolv",
                        "--port=%d" % port, "-a", "127.0.0.1",
                        "--pid-file=" + pidfile], cwd=cwd, timeout=5,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    with open(pidfile) as f:
        pid = int(f.read())
    try:
        def ask(name):
            r, _ = udp_query(port, make_query(name), timeout=1)
            return r

        r = ask(uniq("before", "blocked.test"))
        assert r is not None and a_addrs(r) == ["192.0.2.1"], rcode_text(r)
        with open(conf, "w") as f:
            f.write("server=%s\nserver=/blocked.test/\n" % up.server_arg)
        os.kill(pid, signal.SIGHUP)

        def blocked():
            r = ask(uniq("after", "blocked.test"))
            return r is not None and r.rcode() == dns.rcode.NXDOMAIN
        assert wait_for(blocked, 3, 0.1), \
            "SIGHUP did not read %s again after daemonizing" % conf
    finally:
        _end_pid(pid)


# ---- the pid file ---------------------------------------------------------
@pytest.mark.parametrize("kind", ["symlink", "foreign", "fifo", "hardlink"])
def test_pidfile_planted(workdir, kind):
    """Whatever is planted at the pid file's path is left as it was, and
    briskdns refuses to start (status 3)."""
    if kind in ("foreign", "hardlink") and not is_root():
        pytest.skip("needs root to plant a file of another user")
    pidfile = os.path.join(workdir, "bd.pid")
    target = os.path.join(workdir, "precious")
    with open(target, "w") as f:
        f.write("precious contents\n")
    if kind == "symlink":
        os.symlink(target, pidfile)
    elif kind == "foreign":
        nobody = pwd.getpwnam("nobody")
        with open(pidfile, "w") as f:
            f.write("precious contents\n")
        os.chown(pidfile, nobody.pw_uid, nobody.pw_gid)
        target = pidfile
    elif kind == "fifo":
        os.mkfifo(pidfile)
    else:
        os.link(target, pidfile)
    before = os.lstat(pidfile)
    rc, out = run_until_exit([BRISKDNS, "-d", "-C", "/dev/null",
                              "--no-resolv", "--server=127.0.0.1#9",
                              "--port=%d" % free_port(), "-a", "127.0.0.1",
                              "--pid-file=" + pidfile], timeout=3)
    assert rc == 3, "status %r\n%s" % (rc, out)
    assert "pid-file" in out, out
    after = os.lstat(pidfile)
    assert (after.st_mode, after.st_ino, after.st_uid) == \
        (before.st_mode, before.st_ino, before.st_uid)
    if kind != "fifo":
        with open(target) as f:
            assert f.read() == "precious contents\n"


@pytest.fixture
def rundir():
    """A directory only root may write to, as /run is."""
    if not is_root():
        pytest.skip("needs root to drop privileges")
    base = "/run" if os.path.isdir("/run") else None
    d = tempfile.mkdtemp(prefix="bd-it-run-", dir=base)
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_pidfile_removed_after_privilege_drop(rundir, daemon, upstream, uniq):
    """Started as root with user=nobody, pid file in a root-only
    directory: the daemon runs as nobody, signals sent to the pid in the
    file reach it, and SIGTERM leaves no pid file behind."""
    pidfile = os.path.join(rundir, "briskdns.pid")
    with open(pidfile, "w") as f:
        f.write("1234567890 stale\n")	# a stale one of ours: taken over
    d = daemon("--pid-file=" + pidfile, "--user=nobody", servers=[upstream()])
    with open(pidfile) as f:
        pid = int(f.read())
    assert pid == d.proc.pid, "the pid file names %d, not the started %d" % (
        pid, d.proc.pid)
    kids = daemon_child(pid)
    assert len(kids) == 1, "the daemon process: %r" % kids
    assert uid_of(kids[0]) == pwd.getpwnam("nobody").pw_uid
    assert a_addrs(d.q(uniq("pid"))[0]) == ["192.0.2.1"]
    os.kill(pid, signal.SIGUSR1)
    assert d.wait_log(r"listener: udp", timeout=2), "SIGUSR1 not forwarded"
    d.expect_exit = True
    os.kill(pid, signal.SIGTERM)
    assert d.wait(3) == 0, "exit status %r\n%s" % (d.proc.returncode, d.log())
    assert not os.path.lexists(pidfile), "pid file left after exit"
    assert wait_for(lambda: not pid_alive(kids[0]), 2)


def test_pidfile_removed_when_daemon_killed(rundir, daemon, upstream):
    pidfile = os.path.join(rundir, "briskdns.pid")
    d = daemon("--pid-file=" + pidfile, "--user=nobody", servers=[upstream()])
    kids = children(d.proc.pid)
    assert len(kids) == 1, "the daemon process: %r" % kids
    d.expect_exit = True
    os.kill(kids[0], signal.SIGKILL)
    rc = d.wait(3)
    assert rc == -signal.SIGKILL, "keeper status %r" % rc
    assert not os.path.lexists(pidfile), "pid file left after SIGKILL"


def test_pidfile_relative_daemonized(workdir, upstream):
    """A relative pid-file names a file in the directory briskdns was
    started from, and it is removed at exit."""
    cwd = tempfile.mkdtemp(prefix="bd-cwd-", dir=workdir)
    os.chmod(cwd, 0o755)
    port = free_port()
    name = "bd-rel-%d.pid" % os.getpid()
    p = subprocess.run([BRISKDNS, "-C", "/dev/null", "--no-resolv",
                        "--server=" + upstream().server_arg,
                        "--port=%d" % port, "-a", "127.0.0.1",
                        "--pid-file=" + name], cwd=cwd, timeout=5,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    pidfile = os.path.join(cwd, name)
    try:
        assert os.path.exists(pidfile), "no %s" % pidfile
        with open(pidfile) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGTERM)
        assert wait_for(lambda: not os.path.lexists(pidfile), 3), \
            "relative pid file not removed"
    finally:
        # Where it went before it was opened ahead of chdir("/").
        for f in (pidfile, os.path.join("/", name)):
            if os.path.isfile(f) and not os.path.islink(f):
                with open(f) as fp:
                    pid = int(fp.read() or 0)
                if pid > 0:
                    _end_pid(pid)
                if f.startswith("/" + name):
                    os.unlink(f)


def test_pidfile_keeper_without_cap_kill(rundir, workdir, upstream):
    """Under a supervisor whose bounding set lacks CAP_KILL (root may
    not signal another user's process), SIGTERM to the pid in the file
    still ends the daemon, and the pid file goes."""
    import bdutil
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux)")
    pidfile = os.path.join(rundir, "briskdns.pid")
    d = bdutil.Daemon(workdir, ["--server=" + upstream().server_arg,
                                "--pid-file=" + pidfile, "--user=nobody"])
    d.argv = ["setpriv", "--bounding-set", "-kill", "--"] + d.argv
    try:
        d.start()
        with open(pidfile) as f:
            pid = int(f.read())
        kids = daemon_child(pid)
        assert len(kids) == 1, "the daemon process: %r" % kids
        os.kill(pid, signal.SIGTERM)
        assert d.wait(3) == 0, "exit status %r\n%s" % (d.proc.returncode,
                                                        d.log())
        assert not os.path.lexists(pidfile), "pid file left after exit"
    finally:
        d.stop()
        for k in children(d.proc.pid) if d.proc else []:
            os.kill(k, signal.SIGKILL)


@pytest.mark.root
def test_pidfile_keeper_with_interception(rundir, netns, upstream, procs,
                                          workdir, daemon, uniq):
    """Interception behind the keeper: the daemon, as nobody with the
    capabilities it keeps, answers; SIGTERM to the pid in the file removes
    both the nftables table and the pid file."""
    ti = pytest.importorskip("test_intercept")
    for m in ti.pytestmark:
        if m.name == "skipif" and m.args[0]:
            pytest.skip(m.kwargs.get("reason", "interception unavailable"))
    site = ti.Site(netns, upstream, procs, workdir)
    site.start_dnsmasq()
    pidfile = os.path.join(rundir, "briskdns.pid")
    d = ti.interceptor(daemon, site, "--pid-file=" + pidfile,
                       "--user=nobody")

    def written():
        with open(pidfile) as f:
            return f.read().strip()
    # The door is ready before the pid is written and the keeper forks.
    assert wait_for(written, 3), "no pid in " + pidfile
    pid = int(written())
    kids = daemon_child(pid)
    assert len(kids) == 1 and uid_of(kids[0]) == pwd.getpwnam(
        "nobody").pw_uid, kids
    ti.assert_intercepted(site, "remote", 4, uniq("kicpt"), False, site.up)
    d.expect_exit = True
    os.kill(pid, signal.SIGTERM)
    assert d.wait(3) == 0, d.log()
    assert ti.briskdns_rules(site.srv) is None, "nftables table left"
    assert not os.path.lexists(pidfile), "pid file left after exit"


# ---- dnsmasq.conf keys on a host without IPv6 -------------------------------
@pytest.mark.root
def test_dnsmasq_keys_ipv6_disabled(netns, upstream, daemon, uniq, workdir):
    """A dnsmasq-style configuration on an IPv4-only host (disable_ipv6=1):
    interface=lo with bind-dynamic starts and follows an address added
    later; a hosts file's IPv6 address is still answered (local data wins
    over aaaa-mode=auto, which is empty here); address=, domain-needed
    answer locally; only the rest reaches the upstream."""
    ns = netns()
    disable_ipv6(ns)
    up = upstream("127.0.0.2", 53, netns=ns, a=["192.0.2.8"],
                  aaaa=["2001:db8::8"])
    hosts = os.path.join(workdir, "v4.hosts")
    with open(hosts, "w") as f:
        f.write("192.0.2.77 box\n2001:db8::77 box\n")
    os.chmod(hosts, 0o644)
    port = free_port("127.0.0.1", ns.name)
    d = daemon("--port=%d" % port, "--interface=lo", "--bind-dynamic",
               "--server=127.0.0.2#53", "--no-hosts", "--addn-hosts=" + hosts,
               "--address=/ads.example/#", "--domain-needed",
               "--aaaa-mode=auto", port=port, listen=False, netns=ns)
    r, _ = d.q("box.", "A")
    assert a_addrs(r) == ["192.0.2.77"], rcode_text(r)
    r, _ = d.q("box.", "AAAA")
    assert a_addrs(r) == ["2001:db8::77"], rcode_text(r)
    r, _ = d.q("x.ads.example.", "A")
    assert a_addrs(r) == ["0.0.0.0"], rcode_text(r)
    r, _ = d.q("plainname.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, rcode_text(r)
    name = uniq("v4fwd")
    r, _ = d.q(name, "A")
    assert a_addrs(r) == ["192.0.2.8"], rcode_text(r)
    r, _ = d.q(name, "AAAA")
    assert r.rcode() == 0 and a_addrs(r) == [], "auto without IPv6: empty"
    assert [q.qname for q in up.queries()] == [name.lower()], \
        "the upstream got more than the one forwarded A: %r" % up.queries()
    # bind-dynamic: an address added to lo after start is listened on.
    off = len(d.log())
    ns.ip("addr", "add", "10.55.0.1/32", "dev", "lo")
    assert d.wait_log(r"bind-dynamic: listening on 10\.55\.0\.1", 3, off), \
        d.log()[off:]
    b, _ = udp_raw(port, make_query("box.", "A", qid=0x4242).to_wire(),
                   "10.55.0.1", 2.0, ns.name, want_id=0x4242)
    assert b is not None and a_addrs(dns.message.from_wire(b)) == \
        ["192.0.2.77"]
    assert d.alive()
