"""The control socket (control-socket=) and briskdns-control: every
command, the socket's permissions, bad commands, reload with a broken
file, flush NAME seen by the upstream, dump-cache TTLs, stats against
SIGUSR1, and the bounds (clients at once, command length)."""

import os
import pwd
import re
import signal
import socket
import stat
import subprocess
import time

import pytest

import bdutil
from bdutil import a_addrs, wait_for

CONTROL = os.path.join(os.path.dirname(bdutil.BRISKDNS), "briskdns-control")

pytestmark = pytest.mark.skipif(not os.access(CONTROL, os.X_OK),
                                reason="no briskdns-control binary")


def ctl(sock, *args, timeout=10):
    return subprocess.run([CONTROL, "-s", sock] + list(args),
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def sockdir(workdir):
    """A directory like /run/briskdns: owned by the daemon's user (nobody
    when the tests run as root), so it can remove its socket at exit."""
    d = os.path.join(workdir, "run")
    os.mkdir(d, 0o750)
    if bdutil.is_root():
        nb = pwd.getpwnam("nobody")
        os.chown(d, nb.pw_uid, nb.pw_gid)
    return d


def start(daemon, sockdir, *args, in_conf=False, **kw):
    path = os.path.join(sockdir, "control")
    if not in_conf:
        args = ("--control-socket=" + path,) + args
    d = daemon(*args, **kw)
    d.ctl_path = path
    assert wait_for(lambda: os.path.exists(path), 2), d.log()
    return d


def raw_command(path, data, timeout=5.0):
    """Send data on a fresh connection, read the answer to EOF."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall(data)
    out = b""
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        out += b
    s.close()
    return out.decode()


def stats_dict(text):
    """`stats` lines -> {sample with labels: value}."""
    out = {}
    for line in text.splitlines():
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def test_status_and_socket(daemon, upstream, sockdir):
    up = upstream()
    d = start(daemon, sockdir, servers=[up])
    st = os.stat(d.ctl_path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    if bdutil.is_root():
        nb = pwd.getpwnam("nobody")
        assert st.st_uid == nb.pw_uid
    r = ctl(d.ctl_path, "status")
    assert r.returncode == 0, r.stderr
    lines = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    assert lines["pid"] == str(d.proc.pid)
    assert lines["mode"] == "stub"
    assert lines["aaaa-mode"] == "empty"
    assert lines["listening"] == "127.0.0.1#%d" % d.port
    assert lines["server"] == up.server_arg
    assert lines["cache"].startswith("10000 entries")
    assert lines["control-socket"] == d.ctl_path
    # Removed at exit.
    d.expect_exit = True
    d.signal(signal.SIGTERM)
    assert d.wait(3) == 0
    assert not os.path.exists(d.ctl_path)


def test_socket_refuses_other_users(daemon, upstream, sockdir):
    """Mode 0660: a user neither the owner nor in the group cannot
    connect (the permissions are the access control)."""
    if not bdutil.is_root():
        pytest.skip("needs root to run the tool as another user")
    d = start(daemon, sockdir, servers=[upstream()])
    os.chmod(sockdir, 0o755)	# only the socket's own mode is tested
    other = pwd.getpwnam("daemon")
    r = subprocess.run([CONTROL, "-s", d.ctl_path, "status"],
                       capture_output=True, text=True, timeout=10,
                       user=other.pw_uid, group=other.pw_gid,
                       extra_groups=[])
    assert r.returncode == 2
    assert "Permission denied" in r.stderr


def test_bad_commands(daemon, upstream, sockdir, workdir):
    d = start(daemon, sockdir, servers=[upstream()])
    r = ctl(d.ctl_path, "bogus")
    assert r.returncode == 1
    assert "unknown command" in r.stderr
    r = ctl(d.ctl_path, "stats", "extra")
    assert r.returncode == 1
    assert "takes no argument" in r.stderr
    r = ctl(d.ctl_path, "flush", "bad..name")
    assert r.returncode == 1
    assert "not a domain name" in r.stderr
    # Usage and connection errors: 2.
    r = subprocess.run([CONTROL, "-s", d.ctl_path], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2 and "usage" in r.stderr
    r = ctl(os.path.join(workdir, "nothing-here"), "status")
    assert r.returncode == 2
    # -c finds the socket in a configuration file.
    conf = os.path.join(workdir, "tool.conf")
    with open(conf, "w") as f:
        f.write("port=53\ncontrol-socket = %s\n" % d.ctl_path)
    r = subprocess.run([CONTROL, "-c", conf, "status"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    with open(conf, "w") as f:
        f.write("port=53\n")
    r = subprocess.run([CONTROL, "-c", conf, "status"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2 and "no control-socket" in r.stderr
    assert d.alive()


def test_stats_match_sigusr1(daemon, upstream, sockdir, uniq):
    up = upstream()
    d = start(daemon, sockdir, servers=[up])
    base = stats_dict(ctl(d.ctl_path, "stats").stdout)
    names = [uniq() for _ in range(3)]
    for n in names:
        assert a_addrs(d.q(n)[0]) == ["192.0.2.1"]
    for n in names[:2]:
        d.q(n)			# cache hits
    d.q(names[0], "AAAA")	# answered empty
    r = ctl(d.ctl_path, "stats")
    assert r.returncode == 0, r.stderr
    cs = stats_dict(r.stdout)
    st = d.stats()
    pairs = {
        "queries": "briskdns_queries_total",
        "forwarded": "briskdns_queries_forwarded_total",
        "empty AAAA": "briskdns_answered_empty_aaaa_total",
        "coalesced": "briskdns_queries_coalesced_total",
        "cache hits": "briskdns_cache_hits_total",
        "cache misses": "briskdns_cache_misses_total",
        "cache inserts": "briskdns_cache_inserts_total",
        "cache entries": "briskdns_cache_entries",
    }
    for k, name in pairs.items():
        assert cs[name] == st[k], (k, cs[name], st[k])
    assert cs["briskdns_queries_total"] - \
        base["briskdns_queries_total"] == 6
    assert cs["briskdns_cache_hits_total"] == 2
    # The server line of SIGUSR1: sent and answers.
    m = re.search(r"server %s: sent (\d+), answers (\d+), timeouts (\d+)"
                  % re.escape(up.server_arg), d.log())
    assert m, d.log()
    lab = '{server="%s"}' % up.server_arg
    assert cs["briskdns_upstream_queries_total" + lab] == int(m.group(1))
    assert cs["briskdns_upstream_answers_total" + lab] == int(m.group(2))
    assert cs["briskdns_upstream_timeouts_total" + lab] == int(m.group(3))
    assert cs["briskdns_upstream_answers_total" + lab] == 3
    # The A latency histogram counted the three answers.
    assert cs['briskdns_upstream_answer_latency_seconds_count'
              '{server="%s",qtype="A"}' % up.server_arg] == 3
    # Neither stats nor SIGUSR1 resets anything.
    r2 = ctl(d.ctl_path, "stats")
    assert stats_dict(r2.stdout)["briskdns_queries_total"] == \
        cs["briskdns_queries_total"]


def test_flush(daemon, upstream, sockdir, uniq):
    up = upstream()
    d = start(daemon, sockdir, servers=[up])
    x, y = uniq("x"), uniq("y")
    for n in (x, y, x, y):
        assert a_addrs(d.q(n)[0]) == ["192.0.2.1"]
    assert len(up.queries(x)) == 1 and len(up.queries(y)) == 1
    r = ctl(d.ctl_path, "flush", x.upper())	# any letter case
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "flushed 1 entries"
    d.q(x)
    d.q(y)
    assert len(up.queries(x)) == 2, "flushed name not asked again"
    assert len(up.queries(y)) == 1, "another name was flushed too"
    r = ctl(d.ctl_path, "flush")
    assert r.returncode == 0 and r.stdout.strip() == "flushed 2 entries"
    d.q(x)
    d.q(y)
    assert len(up.queries(x)) == 3 and len(up.queries(y)) == 2


def dump_ttl(path, name):
    r = ctl(path, "dump-cache")
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        f = line.split()
        if f[0] == name and f[3] == "A":
            assert f[2] == "IN" and f[4] == "192.0.2.1"
            return int(f[1])
    return None


def test_dump_cache(daemon, upstream, sockdir, uniq):
    up = upstream()
    up.ttl = 300
    up.a = ["192.0.2.1"]
    d = start(daemon, sockdir, "--neg-ttl=60", servers=[up])
    name = uniq()
    d.q(name)
    nx = uniq("nx")
    up.rcode = 3
    d.q(nx)
    up.rcode = None
    t0 = dump_ttl(d.ctl_path, name)
    assert t0 is not None and 295 <= t0 <= 300
    assert wait_for(lambda: dump_ttl(d.ctl_path, name) < t0, 5.0, 0.2), \
        "the remaining TTL does not decrease"
    r = ctl(d.ctl_path, "dump-cache")
    assert re.search(r"^; %s \d+ IN A NXDOMAIN$" % re.escape(nx), r.stdout,
                     re.M), r.stdout


def test_reload(daemon, upstream, sockdir, write_file):
    up = upstream()
    sock = "control-socket=%s/control\n" % sockdir
    conf = write_file("r.conf", sock + "address=/old.test/192.0.2.7\n")
    d = start(daemon, sockdir, servers=[up], conf=conf, in_conf=True)
    assert a_addrs(d.q("old.test.")[0]) == ["192.0.2.7"]
    # Accepted: the new file answers when the tool returns.
    write_file("r.conf", sock + "address=/old.test/192.0.2.8\n")
    r = ctl(d.ctl_path, "reload")
    assert r.returncode == 0, r.stderr
    assert "configuration reloaded" in r.stdout
    assert a_addrs(d.q("old.test.")[0]) == ["192.0.2.8"]
    # Rejected: its error is printed, the running configuration stays.
    write_file("r.conf", sock + "address=/old.test/192.0.2.9\n"
               "bogus-key=1\n")
    r = ctl(d.ctl_path, "reload")
    assert r.returncode == 1
    assert re.search(r"r\.conf:3: .*bogus-key", r.stdout), r.stdout
    assert "reload failed" in r.stderr
    assert a_addrs(d.q("old.test.")[0]) == ["192.0.2.8"]
    # A restart key changed: said, and the socket stays where it is.
    write_file("r.conf", "control-socket=%s/other\n" % sockdir)
    r = ctl(d.ctl_path, "reload")
    assert r.returncode == 0, r.stderr
    assert "control-socket need a restart" in r.stdout
    assert os.path.exists(d.ctl_path)
    assert ctl(d.ctl_path, "status").returncode == 0


def test_too_many_clients(daemon, upstream, sockdir):
    d = start(daemon, sockdir, servers=[upstream()])
    held = []
    try:
        for _ in range(8):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(d.ctl_path)
            held.append(s)
        # The daemon has accepted them all: the next one is refused.
        def refused():
            r = ctl(d.ctl_path, "status")
            return r.returncode == 1 and \
                "too many control connections" in r.stderr
        assert wait_for(refused, 2.0, 0.1)
    finally:
        for s in held:
            s.close()
    assert wait_for(lambda: ctl(d.ctl_path, "status").returncode == 0,
                    2.0, 0.1)


def test_overlong_command(daemon, upstream, sockdir):
    d = start(daemon, sockdir, servers=[upstream()])
    out = raw_command(d.ctl_path, b"s" * 5000)
    assert out == "ERROR: command too long\n"
    out = raw_command(d.ctl_path, b"flush " + b"a" * 2000 + b"\n")
    assert out == "ERROR: command too long\n"
    # The tool checks too: usage error.
    r = ctl(d.ctl_path, "flush", "a" * 2000)
    assert r.returncode == 2 and "too long" in r.stderr
    # Still serving; a command without a final newline is taken at EOF.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(d.ctl_path)
    s.sendall(b"status")
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
    s.close()
    assert out.decode().endswith("OK\n")


def test_stale_socket_replaced(daemon, upstream, sockdir):
    """A socket left by a killed run is replaced; a live one is not."""
    d = start(daemon, sockdir, servers=[upstream()])
    d.expect_exit = True
    d.proc.kill()
    d.proc.wait()
    assert os.path.exists(d.ctl_path)
    d2 = start(daemon, sockdir, servers=[upstream()])
    assert ctl(d2.ctl_path, "status").returncode == 0
    r = bdutil.run_briskdns(["-d", "-C", "/dev/null", "--no-resolv",
                             "--port=%d" % bdutil.free_port(),
                             "--listen-address=127.0.0.1",
                             "--control-socket=" + d2.ctl_path])
    assert r.returncode == 2
    assert "another daemon answers on it" in r.stderr
    assert ctl(d2.ctl_path, "status").returncode == 0


def test_socket_in_roots_directory(daemon, upstream, workdir):
    """In a directory of root's (systemd's RuntimeDirectory) the daemon,
    dropped to nobody, cannot remove its socket: no warning at exit, and
    the next start replaces it."""
    if not bdutil.is_root():
        pytest.skip("needs root to drop privileges")
    path = os.path.join(workdir, "ctl")	# workdir: root's, 0755
    d = daemon("--control-socket=" + path, servers=[upstream()])
    assert ctl(path, "status").returncode == 0
    d.expect_exit = True
    d.signal(signal.SIGTERM)
    assert d.wait(3) == 0
    assert "cannot remove" not in d.log()
    d2 = daemon("--control-socket=" + path, servers=[upstream()])
    r = ctl(path, "status")
    assert r.returncode == 0
    assert "pid: %d" % d2.proc.pid in r.stdout


@pytest.mark.slow
def test_dump_cache_slow_reader(daemon, upstream, sockdir):
    """A dump of 20000 entries (about 800 KB, many parts of 64 KiB) to a
    client that reads nothing at first: the daemon answers meanwhile, and
    the client gets every entry, once, when it reads."""
    up = upstream()
    d = start(daemon, sockdir, "--cache-size=30000", servers=[up])
    n = 20000
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    got = 0
    for i in range(n):
        s.sendto(bdutil.make_query("d%d.example.com." % i).to_wire(),
                 ("127.0.0.1", d.port))
        if i % 100 == 99:
            for _ in range(100):
                try:
                    s.recv(4096)
                    got += 1
                except socket.timeout:
                    break
    s.close()
    assert got == n
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.settimeout(20)
    c.connect(d.ctl_path)
    c.sendall(b"dump-cache\n")
    # Not read yet: the daemon still answers.
    assert a_addrs(d.q("other.example.com.")[0]) == ["192.0.2.1"]
    out = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        out += b
    c.close()
    lines = out.decode().splitlines()
    assert lines[-1] == "OK"
    names = [ln.split()[0] for ln in lines[:-1]]
    # Every entry of the cache when the dump began, each once; the one
    # inserted meanwhile (other.example.com) is listed only if the walk
    # had not passed its bucket yet (cache.h).
    assert len(set(names)) == len(names), "an entry listed twice"
    assert set(names) - {"other.example.com."} == \
        {"d%d.example.com." % i for i in range(n)}
