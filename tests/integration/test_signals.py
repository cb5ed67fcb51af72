"""Signals (TERM, INT, HUP, USR1), the pid file, --log-queries."""

import os
import re
import signal
import time

import pytest

from bdutil import a_addrs, wait_for


def hup(d):
    """SIGHUP, and wait until the daemon says the new configuration is in
    force (the cache cleared)."""
    off = len(d.log())
    d.signal(signal.SIGHUP)
    assert d.wait_log(r"configuration reloaded", timeout=3, start=off), \
        "no reload after SIGHUP:\n" + d.log()[off:]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT],
                         ids=["TERM", "INT"])
def test_clean_exit(daemon, upstream, uniq, workdir, sig):
    pidfile = os.path.join(workdir, "bd.pid")
    d = daemon("--pid-file=" + pidfile, servers=[upstream()])
    with open(pidfile) as f:
        assert f.read().strip() == str(d.proc.pid)
    assert a_addrs(d.q(uniq())[0]) == ["192.0.2.1"]
    d.expect_exit = True
    t0 = time.monotonic()
    d.signal(sig)
    rc = d.wait(3)
    assert rc is not None, "still running 3 s after the signal"
    assert rc == 0, "exit status %d" % rc
    assert time.monotonic() - t0 < 1.5


def test_exit_with_queries_in_flight(daemon, upstream, uniq):
    """SIGTERM while queries wait on a dead upstream: still exit 0."""
    import threading
    up = upstream(dead=True)
    d = daemon(servers=[up])
    ts = [threading.Thread(target=d.q, args=(uniq("x%d" % i),),
                           kwargs={"timeout": 1}) for i in range(5)]
    for t in ts:
        t.start()
    assert wait_for(lambda: len(up.queries()) >= 5), "queries not in flight"
    d.expect_exit = True
    d.signal(signal.SIGTERM)
    assert d.wait(3) == 0
    for t in ts:
        t.join()


def test_sighup_reload_servers(daemon, upstream, uniq, write_file):
    u1 = upstream(a=["192.0.2.1"])
    u2 = upstream(a=["192.0.2.2"])
    conf = write_file("hup.conf", "server=%s\n" % u1.server_arg)
    d = daemon(conf=conf)
    assert a_addrs(d.q(uniq("before"))[0]) == ["192.0.2.1"]
    write_file("hup.conf", "server=%s\n" % u2.server_arg)
    hup(d)
    end = time.monotonic() + 2
    got = None
    while time.monotonic() < end:
        r, _ = d.q(uniq("after"))
        got = a_addrs(r) if r is not None else None
        if got == ["192.0.2.2"]:
            break
        time.sleep(0.1)
    assert got == ["192.0.2.2"], "after SIGHUP still answered %r" % got
    assert d.alive()
    n1 = len(u1.queries())
    # A file that no longer parses: rejected whole, the old one stays.
    write_file("hup.conf", "server=%s\nthis-is-not-a-key\n"
               % u1.server_arg)
    off = len(d.log())
    d.signal(signal.SIGHUP)
    assert d.wait_log(r"hup\.conf:2", timeout=2, start=off), \
        "no log line naming the bad file:line:\n" + d.log()[off:]
    assert d.alive(), "daemon exited on a bad file at SIGHUP"
    for i in range(3):
        r, _ = d.q(uniq("kept%d" % i))
        assert a_addrs(r) == ["192.0.2.2"], "running config not kept"
    assert len(u1.queries()) == n1


def test_sighup_clears_cache(daemon, upstream, uniq):
    """An answer cached; the upstream changes its answer: without SIGHUP
    the old one is served from the cache, after SIGHUP the next query goes
    upstream and gets the new one."""
    up = upstream(a=["192.0.2.1"], ttl=3600)
    d = daemon(servers=[up])
    name = uniq("hc")
    assert a_addrs(d.q(name)[0]) == ["192.0.2.1"]
    up.a = ["192.0.2.9"]
    assert a_addrs(d.q(name)[0]) == ["192.0.2.1"], "answer not cached"
    assert len(up.queries(qname=name)) == 1
    hup(d)
    assert a_addrs(d.q(name)[0]) == ["192.0.2.9"], "cache not cleared"
    assert len(up.queries(qname=name)) == 2
    assert a_addrs(d.q(name)[0]) == ["192.0.2.9"]
    assert len(up.queries(qname=name)) == 2, "new answer not cached"


def test_sighup_keeps_command_line(daemon, upstream, uniq, write_file):
    """Command-line options still apply on top after SIGHUP."""
    up = upstream()
    conf = write_file("c.conf", "local-ttl=30\n")
    d = daemon("--local-ttl=7", servers=[up], conf=conf)
    hup(d)
    r, _ = d.q(uniq("ttl"), "AAAA")
    assert r.authority[0].ttl == 7


def test_sigusr1_statistics(daemon, upstream, uniq):
    d = daemon(servers=[upstream()])
    for i in range(3):
        d.q(uniq("s%d" % i))
    d.q(uniq("s"), "AAAA")
    off = len(d.log())
    d.signal(signal.SIGUSR1)
    assert d.wait_log(r"quer", timeout=2, start=off), \
        "no statistics after SIGUSR1:\n" + d.log()
    assert d.alive()
    assert a_addrs(d.q(uniq())[0]) == ["192.0.2.1"]


def test_log_queries(daemon, upstream, uniq):
    d = daemon("--log-queries", servers=[upstream()])
    n1, n2 = uniq("logged"), uniq("logged6")
    d.q(n1, "A")
    d.q(n2, "AAAA")
    for n, t in ((n1, "A"), (n2, "AAAA")):
        m = d.wait_log(r"^.*%s.*$" % n.rstrip(".").replace(".", r"\."), 2)
        assert m, "%s not logged:\n%s" % (n, d.log())
        assert t in m.group(0), "type %s not in %r" % (t, m.group(0))


def test_no_log_queries_by_default(daemon, upstream, uniq):
    d = daemon(servers=[upstream()])
    n = uniq("quiet")
    assert d.q(n)[0] is not None
    # SIGUSR1's statistics come after the query in the log, if it was
    # logged at all.
    off = len(d.log())
    d.signal(signal.SIGUSR1)
    assert d.wait_log(r"queries \d+", timeout=2, start=off), d.log()
    assert n.rstrip(".") not in d.log()


def test_sighup_keeps_every_server(daemon, upstream, uniq, write_file):
    """A server named twice is one server; after SIGHUP every server is
    still there (both answer, SIGUSR1 lists both), and the exit is clean
    (a sanitizer build reports any double free or leak)."""
    u1 = upstream(a=["192.0.2.1"])
    u2 = upstream(a=["192.0.2.2"])
    conf = write_file("two.conf", "server=%s\nserver=%s\nserver=%s\n"
                      % (u1.server_arg, u2.server_arg, u1.server_arg))
    d = daemon("--all-servers", "--server=" + u2.server_arg, conf=conf)
    for round_ in range(2):
        name = uniq("both%d" % round_)
        assert d.q(name)[0] is not None
        wait_for(lambda: u1.queries(qname=name) and u2.queries(qname=name))
        assert u1.queries(qname=name) and u2.queries(qname=name), \
            "round %d: not every server asked (--all-servers)" % round_
        off = len(d.log())
        d.signal(signal.SIGUSR1)
        for u in (u1, u2):
            assert d.wait_log(r"server %s: sent" % re.escape(
                u.server_arg), timeout=2, start=off), \
                "round %d: %s missing from the statistics:\n%s" % (
                    round_, u.server_arg, d.log()[off:])
        assert len(re.findall(r"server %s: sent" % re.escape(u1.server_arg),
                              d.log()[off:])) == 1, "a server listed twice"
        hup(d)
    d.expect_exit = True
    d.signal(signal.SIGTERM)
    assert d.wait(3) == 0


def test_stats_name_resolv_servers(daemon, upstream, uniq, write_file):
    """The upstreams read from a resolv-file are named: at start ("using
    2 nameservers from FILE: ADDR#53, ADDR#53") and in SIGUSR1's
    statistics, marked as coming from that file."""
    ups = []
    for addr in ("127.0.9.5", "127.0.9.6"):
        try:
            ups.append(upstream(addr, 53, a=["192.0.2.1"]))
        except OSError as e:
            pytest.skip("port 53 on %s: %s" % (addr, e))
    rf = write_file("resolv.conf", "nameserver 127.0.9.5\n"
                    "nameserver 127.0.9.6\n")
    d = daemon(resolv=rf)
    assert d.wait_log(r"using 2 nameservers from %s: 127\.0\.9\.5#53, "
                      r"127\.0\.9\.6#53$" % re.escape(rf), 2), d.log()
    assert a_addrs(d.q(uniq())[0]) == ["192.0.2.1"]
    off = len(d.log())
    d.signal(signal.SIGUSR1)
    for a in ("127.0.9.5", "127.0.9.6"):
        assert d.wait_log(r"server %s#53 \(from %s\): sent" % (
            re.escape(a), re.escape(rf)), 2, off), d.log()[off:]
