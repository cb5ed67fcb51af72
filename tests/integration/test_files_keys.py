"""Files and logging keys (issue 9), with dnsmasq 2.90's meaning:
conf-dir, servers-file, no-poll, clear-on-reload, log-facility,
log-async, log-queries=extra; and the SIGHUP reload that loads the new
configuration aside, so that answering never stalls."""

import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

import bdutil
from bdutil import a_addrs, free_port, make_query, run_briskdns, wait_for

needs_dnsmasq = pytest.mark.skipif(shutil.which("dnsmasq") is None,
                                   reason="needs dnsmasq 2.90")


def dnsmasq_test(argv):
    """dnsmasq --test on a configuration of the test's: (status, output)."""
    r = subprocess.run(["dnsmasq", "--test", "--no-resolv", "--no-hosts"]
                       + argv, capture_output=True, text=True, timeout=10,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def servers_of(text):
    return re.findall(r"^server=(\S+)$", text, re.M)


def hup(d, start=None):
    off = len(d.log()) if start is None else start
    d.signal(signal.SIGHUP)
    m = d.wait_log(r"configuration (reloaded|rejected)", timeout=10,
                   start=off)
    assert m, "no reload after SIGHUP:\n" + d.log()[off:]
    return m


# ---- conf-dir ------------------------------------------------------------

def make_dir(workdir):
    """A conf-dir: three good files, and files that must be skipped, each
    with a line that neither briskdns nor dnsmasq accepts."""
    d = os.path.join(workdir, "conf.d")
    os.mkdir(d)
    good = {"b.conf": "server=10.0.0.2\n", "a.conf": "server=10.0.0.1\n",
            "c.txt": "server=10.0.0.3\n"}
    bad = [".hidden", "x.conf~", "#x.conf#", "d.bak"]
    for name, text in good.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    for name in bad:
        with open(os.path.join(d, name), "w") as f:
            f.write("this-is-not-a-key\n")
    os.mkdir(os.path.join(d, "sub.conf"))	# not a file: skipped
    return d


@needs_dnsmasq
@pytest.mark.parametrize("suffixes,ok,want", [
    (",.bak", True, ["10.0.0.1#53", "10.0.0.2#53", "10.0.0.3#53"]),
    (",*.conf", True, ["10.0.0.1#53", "10.0.0.2#53"]),
    (",*.conf,*.txt", True, ["10.0.0.1#53", "10.0.0.2#53", "10.0.0.3#53"]),
    (",*.txt,.txt", True, []),
    ("", False, None),			# d.bak is read
    (",*.bak", False, None),
], ids=["skip-bak", "only-conf", "only-conf-txt", "match-and-skip",
        "all", "only-bak"])
def test_conf_dir_filter(workdir, suffixes, ok, want):
    """Which files conf-dir reads: dnsmasq --test accepts exactly when
    briskdns --test does, and briskdns reads the good files in name
    order."""
    d = make_dir(workdir)
    rc_d, out_d = dnsmasq_test(["-C", "/dev/null", "--conf-dir=" + d
                                + suffixes])
    r = run_briskdns(["--test", "-C", "/dev/null", "--no-resolv",
                      "--conf-dir=" + d + suffixes])
    assert (rc_d == 0) == ok, "dnsmasq: %d %s" % (rc_d, out_d)
    assert (r.returncode == 0) == ok, r.stdout + r.stderr
    if ok:
        assert servers_of(r.stdout) == want, r.stdout
        assert "# conf-dir=%s%s (read)" % (d, suffixes) in r.stdout
    else:
        assert "d.bak:1: unknown key 'this-is-not-a-key'" in r.stderr
        for skipped in (".hidden", "x.conf~", "#x.conf#"):
            assert skipped not in r.stderr


@needs_dnsmasq
def test_conf_dir_order_as_dnsmasq(workdir):
    """Files are read in name order: the first error dnsmasq stops at is
    the first one briskdns reports."""
    d = os.path.join(workdir, "order.d")
    os.mkdir(d)
    for name in ("m.conf", "B.conf", "a.conf", "_z.conf", "10.conf"):
        with open(os.path.join(d, name), "w") as f:
            f.write("bad-key-in-%s\n" % name)
    rc_d, out_d = dnsmasq_test(["-C", "/dev/null", "--conf-dir=" + d])
    r = run_briskdns(["--test", "-C", "/dev/null", "--conf-dir=" + d])
    assert rc_d != 0 and r.returncode == 1
    order = re.findall(r"bad-key-in-(\S+?)'", r.stderr)
    assert order == sorted(order) == ["10.conf", "B.conf", "_z.conf",
                                      "a.conf", "m.conf"], r.stderr
    m = re.search(r"(\S+\.conf)", out_d)
    assert m and os.path.basename(m.group(1)) == order[0], out_d


def test_conf_dir_missing(workdir):
    r = run_briskdns(["--test", "-C", "/dev/null",
                      "--conf-dir=" + os.path.join(workdir, "none")])
    assert r.returncode == 1
    assert "conf-dir: cannot read directory" in r.stderr


# ---- servers-file --------------------------------------------------------

def test_servers_file(daemon, upstream, uniq, write_file):
    """Servers come from servers-file, and again from it on SIGHUP."""
    u1 = upstream(a=["192.0.2.1"])
    u2 = upstream(a=["192.0.2.2"])
    sf = write_file("servers", "# upstreams\nserver=%s\n" % u1.server_arg)
    d = daemon("--servers-file=" + sf)
    assert a_addrs(d.q(uniq("sf1"))[0]) == ["192.0.2.1"]
    write_file("servers", "server=%s\n" % u2.server_arg)
    hup(d)
    assert a_addrs(d.q(uniq("sf2"))[0]) == ["192.0.2.2"]
    # Only server= lines: a bad servers-file at SIGHUP keeps the old ones.
    write_file("servers", "server=%s\ncache-size=5\n" % u1.server_arg)
    m = hup(d)
    assert m.group(1) == "rejected"
    assert "servers:2: 'cache-size' is not allowed here" in d.log()
    assert a_addrs(d.q(uniq("sf3"))[0]) == ["192.0.2.2"]
    assert not u1.queries(qname=uniq("sf3"))


def test_servers_file_bad_at_start(workdir, write_file):
    sf = write_file("servers", "server=10.0.0.1\nport=5353\n")
    r = run_briskdns(["--test", "-C", "/dev/null", "--servers-file=" + sf])
    assert r.returncode == 1
    assert "servers:2: 'port' is not allowed here" in r.stderr
    r = run_briskdns(["--test", "-C", "/dev/null", "--servers-file="
                      + os.path.join(workdir, "missing")])
    assert r.returncode == 1
    assert "servers-file: cannot read" in r.stderr


# ---- log-facility --------------------------------------------------------

def test_log_facility_file_and_rotation(daemon, upstream, uniq, workdir):
    """Lines go to the file (dnsmasq's "Mon dd hh:mm:ss name[pid]: "
    shape); after a rename and SIGUSR2 they go to a new file.  As root the
    daemon runs as nobody: the file is handed to it so it can reopen."""
    logdir = os.path.join(workdir, "log")
    os.mkdir(logdir)
    os.chmod(logdir, 0o777)
    path = os.path.join(logdir, "briskdns.log")
    d = daemon("--log-facility=" + path, "--log-queries",
               servers=[upstream()])
    n1 = uniq("rot1")
    d.q(n1)
    assert wait_for(lambda: os.path.exists(path) and
                    n1.rstrip(".") in open(path).read())
    text = open(path).read()
    assert re.search(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d briskdns\[%d\]: "
                     r"started" % d.proc.pid, text, re.M), text
    os.rename(path, path + ".1")
    off = len(d.log())
    d.signal(signal.SIGUSR2)
    # -d: stderr too, as dnsmasq echoes in debug mode.
    assert d.wait_log(r"SIGUSR2: log file opened again", start=off), \
        d.log()[off:]
    n2 = uniq("rot2")
    d.q(n2)
    assert wait_for(lambda: os.path.exists(path) and
                    n2.rstrip(".") in open(path).read()), d.log()[off:]
    assert n2.rstrip(".") not in open(path + ".1").read()


def test_log_facility_stderr(workdir, procs):
    """log-facility=- logs to stderr even with -k (which logs to syslog)."""
    port = free_port()
    logp = os.path.join(workdir, "err.log")
    with open(logp, "wb") as logf:
        p = subprocess.Popen([bdutil.BRISKDNS, "-k", "-C", "/dev/null",
                              "--no-resolv", "--port=%d" % port,
                              "--listen-address=127.0.0.1",
                              "--log-facility=-"], stdin=subprocess.DEVNULL,
                             stdout=logf, stderr=logf)
    procs.append(p)
    assert wait_for(lambda: b"started" in open(logp, "rb").read(), 3), \
        open(logp, "rb").read()
    p.send_signal(signal.SIGTERM)
    assert p.wait(3) == 0


# ---- log-queries=extra ---------------------------------------------------

def strip_prefix(text, name):
    return [ln.split(": ", 1)[1] for ln in text.splitlines()
            if ln.startswith(name + ": ") or
            re.match(r"^%s\[\d+\]: " % name, ln)]


@needs_dnsmasq
def test_log_queries_extra_like_dnsmasq(daemon, upstream, uniq, workdir,
                                        procs):
    """The same queries to dnsmasq and briskdns, both with
    --log-queries=extra: the lines have the same shape: a serial number,
    the client's address/port, "query[A] NAME from ADDR", then
    "forwarded NAME" and, asked again, "cached NAME" with that query's own
    serial."""
    up = upstream(a=["192.0.2.1"], ttl=3600)
    port = free_port()
    dlog = os.path.join(workdir, "dnsmasq.log")
    with open(dlog, "wb") as logf:
        p = subprocess.Popen(
            ["dnsmasq", "-d", "-C", "/dev/null", "--no-resolv", "--no-hosts",
             "--bind-interfaces", "--listen-address=127.0.0.1",
             "--port=%d" % port, "--server=" + up.server_arg,
             "--pid-file=" + os.path.join(workdir, "dnsmasq.pid"),
             "--log-queries=extra"], stdin=subprocess.DEVNULL, stdout=logf,
            stderr=logf)
    procs.append(p)
    d = daemon("--log-queries=extra", servers=[up])
    name = uniq("extra")
    bare = name.rstrip(".")
    for prt in (port, d.port):
        end = time.monotonic() + 5
        while bdutil.udp_query(prt, make_query("ready.example."),
                               timeout=0.2)[0] is None:
            assert time.monotonic() < end, "no answer on port %d" % prt
        for i in range(2):
            r, _ = bdutil.udp_query(prt, make_query(name))
            assert a_addrs(r) == ["192.0.2.1"]

    def lines(text):
        return [ln for ln in text if bare in ln]
    assert wait_for(lambda: len(lines(strip_prefix(open(dlog).read(),
                                                   "dnsmasq"))) >= 4)
    assert wait_for(lambda: len(lines(strip_prefix(d.log(),
                                                   "briskdns"))) >= 4)
    esc = re.escape(bare)
    shapes = [(r"^(\d+) 127\.0\.0\.1/(\d+) query\[A\] %s from 127\.0\.0\.1$"
               % esc), r"^(\d+) 127\.0\.0\.1/(\d+) forwarded %s\b" % esc,
              r"^(\d+) 127\.0\.0\.1/(\d+) cached %s\b" % esc]
    for who, text in (("dnsmasq", strip_prefix(open(dlog).read(),
                                               "dnsmasq")),
                      ("briskdns", strip_prefix(d.log(), "briskdns"))):
        got = lines(text)
        found = {}
        for rx in shapes:
            ms = [re.match(rx, ln) for ln in got]
            ms = [m for m in ms if m]
            assert ms, "%s: no line like %s in:\n%s" % (who, rx,
                                                        "\n".join(got))
            found[rx] = [(m.group(1), m.group(2)) for m in ms]
        qs = found[shapes[0]]
        assert len(qs) == 2 and qs[0][0] != qs[1][0], (who, qs)
        # forwarded carries the first query's serial and client port,
        # cached the second's.
        assert found[shapes[1]][0] == qs[0], (who, found)
        assert found[shapes[2]][0] == qs[1], (who, found)


def test_log_queries_values():
    r = run_briskdns(["--test", "-C", "/dev/null", "--log-queries=extra"])
    assert r.returncode == 0 and "log-queries=extra" in r.stdout
    r = run_briskdns(["--test", "-C", "/dev/null", "-q"])
    assert r.returncode == 0 and "\nlog-queries\n" in r.stdout
    r = run_briskdns(["--test", "-C", "/dev/null", "--log-queries=all"])
    assert r.returncode == 1
    assert "'all' is not one of extra, proto" in r.stderr


# ---- log-async -----------------------------------------------------------

F_SETPIPE_SZ = 1031


def test_log_async_blocked_stderr():
    """Nobody reads the daemon's stderr (a full pipe, as a hung syslog):
    with log-async it keeps answering every query at once, the lines past
    the queue dropped and counted; with log-async=0 (no queue, not even
    log-queries' own) it stalls (the control, which shows that the pipe
    did fill)."""
    blocked_run(False)
    blocked_run(True)


def blocked_run(async_):
    port = free_port()
    rfd, wfd = os.pipe()
    fcntl.fcntl(wfd, F_SETPIPE_SZ, 4096)
    argv = [bdutil.BRISKDNS, "-d", "-C", "/dev/null", "--no-resolv",
            "--port=%d" % port, "--listen-address=127.0.0.1",
            "--log-queries", "--log-async=5" if async_ else "--log-async=0"]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=wfd,
                         stderr=wfd)
    os.close(wfd)
    drained = bytearray()

    def drain():
        while True:
            b = os.read(rfd, 65536)
            if not b:
                return
            drained.extend(b)
    try:
        end = time.monotonic() + 3
        while bdutil.udp_query(port, make_query("ready.example.", "AAAA"),
                               timeout=0.1)[0] is None:
            assert time.monotonic() < end and p.poll() is None, \
                "not answering"
        # Each query is a log line of ~80 bytes: 400 fill the 4 KiB pipe
        # several times over.
        unanswered = 0
        for i in range(400):
            r, _ = bdutil.udp_query(port, make_query(
                "n%d.blocked.example." % i, "AAAA"), timeout=0.5)
            if r is None:
                unanswered += 1
                if not async_:
                    break
        if async_:
            assert unanswered == 0
        else:
            assert unanswered > 0, "the control answered all: the pipe " \
                "never filled"
    finally:
        t = threading.Thread(target=drain)
        t.start()
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(5)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            t.join(5)
            os.close(rfd)
    if async_:
        text = drained.decode("utf-8", "replace")
        m = re.findall(r"log-async: queue full, (\d+) log lines lost", text)
        assert m and sum(int(x) for x in m) > 0, text[-2000:]


def test_log_async_values():
    for v, want in (("", "log-async=5"), ("=20", "log-async=20"),
                    ("=500", "log-async=100"), ("=0", "log-async=0")):
        r = run_briskdns(["--test", "-C", "/dev/null", "--log-async" + v])
        assert r.returncode == 0, r.stderr
        assert want in r.stdout.splitlines(), r.stdout
    r = run_briskdns(["--test", "-C", "/dev/null", "--log-async=x"])
    assert r.returncode == 1


# ---- no-poll, clear-on-reload -------------------------------------------

def resolv_upstreams(upstream):
    """Two upstreams on port 53 of two loopback addresses (resolv.conf
    has no port): skipped where port 53 is taken or not root."""
    if not bdutil.is_root():
        pytest.skip("needs root: upstreams on port 53 (resolv.conf)")
    ups = []
    for addr, a in (("127.0.9.1", "192.0.2.1"), ("127.0.9.2", "192.0.2.2")):
        try:
            ups.append(upstream(addr, 53, a=[a], ttl=3600))
        except OSError as e:
            pytest.skip("port 53 on %s: %s" % (addr, e))
    return ups


def test_no_poll(daemon, upstream, uniq, write_file):
    """With no-poll a changed resolv-file is not read again (a daemon
    without it, on the same file, shows that a poll has passed); SIGHUP
    still reads it, as dnsmasq's does."""
    u1, u2 = resolv_upstreams(upstream)
    rf = write_file("resolv.conf", "nameserver 127.0.9.1\n")
    dn = daemon("--no-poll", resolv=rf)
    dp = daemon(resolv=rf)
    for d in (dn, dp):
        assert a_addrs(d.q(uniq("np0"))[0]) == ["192.0.2.1"]
    off_n, off_p = len(dn.log()), len(dp.log())
    write_file("resolv.conf", "nameserver 127.0.9.2\n")
    assert dp.wait_log(r"resolv-file .* changed", timeout=5, start=off_p)
    assert a_addrs(dp.q(uniq("np1"))[0]) == ["192.0.2.2"]
    assert a_addrs(dn.q(uniq("np2"))[0]) == ["192.0.2.1"]
    assert "changed" not in dn.log()[off_n:]
    hup(dn)
    assert a_addrs(dn.q(uniq("np3"))[0]) == ["192.0.2.2"]


def test_clear_on_reload(daemon, upstream, uniq, write_file):
    """clear-on-reload: when the resolv-file changes the cache is cleared
    (the next query goes to the new upstream); without it the cached
    answer stays."""
    u1, u2 = resolv_upstreams(upstream)
    rf = write_file("resolv.conf", "nameserver 127.0.9.1\n")
    dc = daemon("--clear-on-reload", resolv=rf)
    dk = daemon(resolv=rf)
    name = uniq("cor")
    for d in (dc, dk):
        assert a_addrs(d.q(name)[0]) == ["192.0.2.1"]
        assert a_addrs(d.q(name)[0]) == ["192.0.2.1"]
    offs = [len(dc.log()), len(dk.log())]
    write_file("resolv.conf", "nameserver 127.0.9.2\n")
    for d, off in zip((dc, dk), offs):
        assert d.wait_log(r"resolv-file .* changed", timeout=5, start=off)
    assert "clear-on-reload" in dc.log()[offs[0]:]
    assert a_addrs(dc.q(name)[0]) == ["192.0.2.2"], "cache not cleared"
    assert a_addrs(dk.q(name)[0]) == ["192.0.2.1"], "cache cleared"


# ---- the reload: loaded aside, no stall ----------------------------------

def big_config(workdir, n):
    """A large configuration in a conf-dir: address= lines where this
    briskdns has the key (the blocklist case), else aaaa-forward= lines
    (server=/d/ lines are swapped in by upstream_set_servers, quadratic
    before the domain table), as many as the build's bounds allow."""
    d = os.path.join(workdir, "big.d")
    os.mkdir(d)
    probe = os.path.join(workdir, "probe.conf")
    with open(probe, "w") as f:
        f.write("address=/probe.example/0.0.0.0\n")
    have_address = run_briskdns(["--test", "-C", probe]).returncode == 0
    line = ("address=/name%d.example/0.0.0.0\n" if have_address else
            "aaaa-forward=/name%d.example/\n")
    per_file = 20000
    for fi in range(0, n, per_file):
        with open(os.path.join(d, "%04d.conf" % fi), "w") as f:
            f.write("".join(line % i for i in range(fi,
                                                  min(n, fi + per_file))))
    return d, have_address


def big_count(workdir):
    """The largest count the build takes (300k when it can)."""
    for n in (300000, 60000):
        d = os.path.join(workdir, "try%d" % n)
        os.mkdir(d)
        with open(os.path.join(d, "a.conf"), "w") as f:
            f.write("".join("aaaa-forward=/n%d.example/\n" % i
                            for i in range(min(n, 20000))))
        r = run_briskdns(["--test", "-C", "/dev/null", "--no-resolv"] +
                         ["--conf-dir=" + d] * (n // 20000), timeout=30)
        shutil.rmtree(d)
        if r.returncode == 0:
            return n
    return 20000


class Stream:
    """Cached queries at ~200/s on one socket; records when each answer
    came, to find the longest gap."""

    def __init__(self, port, name):
        self.port = port
        self.name = name
        self.times = []
        self.lost = 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run)

    def run(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        q = make_query(self.name)
        wire = q.to_wire()
        while not self.stop.is_set():
            s.sendto(wire, ("127.0.0.1", self.port))
            try:
                s.recv(4096)
                self.times.append(time.monotonic())
            except socket.timeout:
                self.lost += 1
            time.sleep(0.005)
        s.close()

    def gap(self, t0, t1):
        """The longest time without an answer from t0 to t1 (the last
        answer before t0 counts as the start)."""
        before = [t for t in self.times if t < t0]
        ts = before[-1:] + [t for t in self.times if t0 <= t <= t1]
        return max((b - a for a, b in zip(ts, ts[1:])), default=None), \
            len(ts)


@pytest.mark.slow
def test_reload_does_not_stall(daemon, upstream, uniq, workdir, write_file):
    """SIGHUP with a large configuration: the new one is built aside; a
    stream of cached queries (200/s) never waits more than 100 ms.  The
    load is made at least 400 ms long (BRISKDNS_TEST_RELOAD_DELAY_MS, a
    test hook in the reload thread) so that a reload on the event loop
    would show as a gap whatever this build's configuration bounds; the
    configuration itself is as large as they allow (300k lines once
    address= and the domain table are in)."""
    n = big_count(workdir)
    bigd, have_address = big_config(workdir, n)
    up = upstream(a=["192.0.2.1"], ttl=3600)
    conf = write_file("big.conf", "conf-dir=%s\nserver=%s\n"
                      % (bigd, up.server_arg))
    os.environ["BRISKDNS_TEST_RELOAD_DELAY_MS"] = "400"
    try:
        d = daemon(conf=conf)
    finally:
        del os.environ["BRISKDNS_TEST_RELOAD_DELAY_MS"]
    name = uniq("gap")
    assert a_addrs(d.q(name)[0]) == ["192.0.2.1"]
    st = Stream(d.port, name)
    st.t.start()
    try:
        assert wait_for(lambda: len(st.times) >= 20, 3)
        off = len(d.log())
        t0 = time.monotonic()
        d.signal(signal.SIGHUP)
        m = d.wait_log(r"configuration reloaded in (\d+) ms \(swapped in "
                       r"(\d+) ms\)", timeout=20, start=off)
        assert m, d.log()[off:]
        t1 = time.monotonic()
        n_after = len(st.times)
        assert wait_for(lambda: len(st.times) >= n_after + 20, 3)
    finally:
        st.stop.set()
        st.t.join()
    load_ms, swap_ms = int(m.group(1)), int(m.group(2))
    gap, count = st.gap(t0, time.monotonic())
    print("config %d %s lines: load %d ms, swap %d ms; %d answers, longest "
          "gap %.1f ms" % (n, "address=" if have_address else "aaaa-forward=",
                           load_ms, swap_ms, count, gap * 1000))
    assert load_ms >= 400, "the load was not slow: the test shows nothing"
    assert t1 - t0 >= 0.4
    assert st.lost == 0
    assert gap < 0.100, "answering stalled %.0f ms during the reload " \
        "(load %d ms, swap %d ms)" % (gap * 1000, load_ms, swap_ms)


def test_reload_during_reload(daemon, upstream, uniq, write_file):
    """A SIGHUP during a reload is remembered and runs after it, never
    two at once; a broken file then keeps the running rules."""
    u1 = upstream(a=["192.0.2.1"])
    u2 = upstream(a=["192.0.2.2"])
    conf = write_file("r.conf", "server=%s\n" % u1.server_arg)
    os.environ["BRISKDNS_TEST_RELOAD_DELAY_MS"] = "300"
    try:
        d = daemon(conf=conf)
    finally:
        del os.environ["BRISKDNS_TEST_RELOAD_DELAY_MS"]
    off = len(d.log())
    d.signal(signal.SIGHUP)
    assert d.wait_log(r"SIGHUP: reading the configuration again", start=off)
    # During the first load (300 ms): change the file, signal again.
    write_file("r.conf", "server=%s\n" % u2.server_arg)
    d.signal(signal.SIGHUP)
    assert d.wait_log(r"a reload is running, another one follows",
                      start=off), d.log()[off:]
    assert a_addrs(d.q(uniq("during"))[0]) in (["192.0.2.1"], ["192.0.2.2"])
    assert wait_for(lambda: len(re.findall(r"configuration reloaded",
                                           d.log()[off:])) == 2, 5), \
        d.log()[off:]
    assert a_addrs(d.q(uniq("after"))[0]) == ["192.0.2.2"]
    # A broken file: rejected, the running rules stay, answers go on.
    write_file("r.conf", "server=%s\nnot-a-key\n" % u1.server_arg)
    off = len(d.log())
    d.signal(signal.SIGHUP)
    assert d.wait_log(r"SIGHUP: reading", start=off)
    assert a_addrs(d.q(uniq("loading"))[0]) == ["192.0.2.2"]
    assert d.wait_log(r"configuration rejected", timeout=5, start=off)
    assert "r.conf:2: unknown key 'not-a-key'" in d.log()[off:]
    assert a_addrs(d.q(uniq("kept"))[0]) == ["192.0.2.2"]


def test_log_debug(daemon, upstream):
    """log-debug: the debugging lines too (here: each listening socket)."""
    d = daemon("--log-debug", servers=[upstream()])
    assert d.wait_log(r"listening on udp", timeout=2), d.log()
    quiet = daemon(servers=[upstream()])
    assert quiet.wait_log(r"started", timeout=2)
    assert "listening on" not in quiet.log()
