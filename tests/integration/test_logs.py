"""log-queries: dnsmasq 2.90's line shapes side by side with dnsmasq, the
briskdns-only path words, log-queries=extra; a log that blocks never
stops the query path; CHAOS TXT statistics (hits.bind, servers.bind...)
as dnsmasq gives them."""

import os
import re
import signal
import socket
import threading
import time

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

import bdutil
from bdutil import make_query, udp_query

F_SETPIPE_SZ = 1031


# ---- a log that blocks -----------------------------------------------------

def test_log_queries_blocked_fifo(daemon, workdir):
    """log-facility= a FIFO that is open but never read (as a /dev/log
    nobody reads): with log-queries and no log-async the daemon still
    answers every query at once (its own queue of lines), the lines past
    the queue are dropped, and SIGUSR1 counts them once the log is read
    again.  Without the queue the event loop would wait in write()."""
    fifo = os.path.join(workdir, "log.fifo")
    os.mkfifo(fifo, 0o666)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    drained = bytearray()
    stop = threading.Event()

    def drain():
        while not stop.is_set():
            try:
                b = os.read(rfd, 65536)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            drained.extend(b)
    t = None
    try:
        try:
            fcntl_setpipe(rfd, 4096)
        except OSError:
            pass
        d = daemon("--log-facility=" + fifo, "--log-queries")
        # ~2 lines of ~90 bytes a query (query, SERVFAIL: no server):
        # 3000 queries fill the pipe and the queue of 1024 lines.
        slow = []
        unanswered = 0
        for i in range(3000):
            t0 = time.monotonic()
            r, _ = udp_query(d.port, make_query(
                "n%d.blocked.example." % i, "AAAA"), timeout=1.0)
            dt = time.monotonic() - t0
            if r is None:
                unanswered += 1
                if unanswered > 3:
                    break
            elif dt > 0.1:
                slow.append(dt)
        assert unanswered == 0, "queries unanswered: the loop waited " \
            "for the log"
        assert len(slow) < 10, "slow answers: %r" % slow[:20]
        # Read the log again: the writer catches up; count the drops.
        # (SIGUSR1's lines would be dropped too while the queue is full.)
        t = threading.Thread(target=drain, daemon=True)
        t.start()
        assert bdutil.wait_for(lambda: b"log lines lost" in drained, 5), \
            drained[-2000:]
        off = len(d.log())
        d.signal(signal.SIGUSR1)
        m = d.wait_log(r"log: queue (\d+) lines, dropped (\d+)", 5, off)
        assert m, d.log()[off:][-2000:]
        assert int(m.group(1)) == 1024 and int(m.group(2)) > 0, m.group(0)
    finally:
        stop.set()
        if t is not None:
            t.join(2)
        os.close(rfd)


def fcntl_setpipe(fd, size):
    import fcntl
    fcntl.fcntl(fd, F_SETPIPE_SZ, size)


# ---- dnsmasq's lines, side by side ------------------------------------------

def responder(rq):
    """By the first label's prefix: nx- NXDOMAIN, sf- SERVFAIL, cn- a
    CNAME chain (cn-X -> mid-X -> tgt-X, A records at the end), nd- no
    records, mx- an MX, tx- a TXT; other names 2 A or 1 AAAA records."""
    q = rq.msg
    if q is None or not q.question:
        return None
    qn = q.question[0].name
    name = qn.to_text().lower()
    first = name.split(".")[0]
    qt = q.question[0].rdtype
    r = dns.message.make_response(q)
    r.flags |= 0x80
    if first.startswith("nx-"):
        r.set_rcode(dns.rcode.NXDOMAIN)
    elif first.startswith("sf-"):
        r.set_rcode(dns.rcode.SERVFAIL)
    elif first.startswith("cn-"):
        rest = name[len("cn-"):]
        r.answer.append(dns.rrset.from_text(qn, 300, "IN", "CNAME",
                                            "mid-" + rest))
        r.answer.append(dns.rrset.from_text("mid-" + rest, 300, "IN",
                                            "CNAME", "tgt-" + rest))
        if qt == dns.rdatatype.A:
            r.answer.append(dns.rrset.from_text("tgt-" + rest, 300, "IN",
                                                "A", "192.0.2.9"))
    elif first.startswith("nd-"):
        pass
    elif first.startswith("mx-"):
        if qt == dns.rdatatype.MX:
            r.answer.append(dns.rrset.from_text(qn, 300, "IN", "MX",
                                                "10 mail.example."))
    elif first.startswith("tx-"):
        if qt == dns.rdatatype.TXT:
            r.answer.append(dns.rrset.from_text(qn, 300, "IN", "TXT",
                                                '"hello world"'))
    elif qt == dns.rdatatype.A:
        r.answer.append(dns.rrset.from_text(qn, 300, "IN", "A",
                                            "192.0.2.1", "192.0.2.2"))
    elif qt == dns.rdatatype.AAAA:
        r.answer.append(dns.rrset.from_text(qn, 300, "IN", "AAAA",
                                            "2001:db8::1"))
    return [(0, r.to_wire(), "main")]


EXTRA_PRE = re.compile(r"^(\d+) 127\.0\.0\.1/(\d+) ")
EXTRA_POST = re.compile(r" \(([^()]*)\)$")


def blocks(text, who, extra):
    """The log-queries lines of a log, without the daemon's prefix, in
    blocks: one per query, from its "query[" line to the next.  With
    extra, the serial/client prefix is checked (one serial a block) and
    taken off, and so is briskdns's " (PATH, N ms...)" suffix."""
    out = []
    serial = None
    for ln in text.splitlines():
        m = re.match(r"^(?:\w{3} [ \d]\d \d\d:\d\d:\d\d )?%s(?:\[\d+\])?: "
                     r"(.*)$" % who, ln)
        if not m:
            continue
        ln = m.group(1)
        if extra:
            m = EXTRA_PRE.match(ln)
            if not m:
                continue
            ln = ln[m.end():]
            if ln.startswith("query["):
                serial = m.group(1)
            elif serial is None or m.group(1) != serial:
                continue
            if who == "briskdns" and not ln.startswith(("query[",
                                                        "forwarded ")):
                assert EXTRA_POST.search(ln), ln
                ln = EXTRA_POST.sub("", ln)
            if who == "dnsmasq":
                ln = re.sub(r" \(EDE: [^()]*\)$", "", ln)
        if ln.startswith("query["):
            out.append([ln])
        elif out and re.match(r"^(forwarded \S+ to \S+|\S+ \S+ is .+)$",
                              ln):
            out[-1].append(ln)
    return out


@pytest.mark.parametrize("mode", ["plain", "extra"])
def test_lines_like_dnsmasq(pair, upstream, uniq, mode):
    """The same configuration and queries to dnsmasq 2.90 and briskdns,
    both with log-queries (or log-queries=extra): per query the same set
    of lines -- query[A] NAME from ADDR, forwarded NAME to ADDR#PORT,
    reply/cached/config/hosts-path NAME is VALUE, one per record, CNAME
    chains, NXDOMAIN, NODATA-IPv4, NODATA, SERVFAIL ("reply error is"),
    address=, local=, a hosts file, CHAOS version.bind, TCP."""
    up = upstream()
    up.responder = responder
    opt = "--log-queries" + ("=extra" if mode == "extra" else "")
    p = pair("address=/addr.example/10.1.2.3\nlocal=/loc.example/\n"
             "addn-hosts={dir}/h\n", files={"h": "192.0.2.77 hst.example\n"},
             up=up, dnsmasq_args=[opt], briskdns_args=[opt])
    u = uniq("x").split(".", 1)[0]
    fw = "fw-%s.example." % u
    qs = [(fw, "A"), (fw, "A"), (fw, "AAAA"),
          ("nx-%s.example." % u, "A"), ("nx-%s.example." % u, "A"),
          ("sf-%s.example." % u, "A"), ("cn-%s.example." % u, "A"),
          ("nd-%s.example." % u, "A"), ("nd-%s.example." % u, "MX"),
          ("mx-%s.example." % u, "MX"), ("tx-%s.example." % u, "TXT"),
          ("addr.example.", "A"), ("x.loc.example.", "A"),
          ("hst.example.", "A")]
    for n, t in qs:
        r = p.ask(n, t)
        assert r.dnsmasq is not None and r.briskdns is not None, r
    tn = "tcp-%s.example." % u
    for port in (p.dm_port, p.bd.port):
        assert bdutil.tcp_query(port, make_query(tn, "A"))[0] is not None
    for port in (p.dm_port, p.bd.port):
        m = dns.message.make_query("version.bind.", "TXT", "CH")
        assert udp_query(port, m)[0] is not None
    # The last block's lines are in both logs: every line is.
    end = r"config version\.bind is <TXT>"
    assert bdutil.wait_for(lambda: re.search(end, p.dnsmasq_text()), 3)
    assert p.bd.wait_log(end, 3), p.bd.log()
    dm = blocks(open(p.dm_log).read(), "dnsmasq", mode == "extra")
    bd = blocks(p.bd.log(), "briskdns", mode == "extra")
    # dnsmasq's own CHAOS probe at start (compat.py) comes first.
    dm = [b for b in dm if b[0] != dm[-1][0] or b is dm[-1]]
    dm = dm[-len(bd):]
    assert len(bd) == len(qs) + 2, "\n".join(map(str, bd))
    for b_dm, b_bd in zip(dm, bd):
        assert b_dm[0] == b_bd[0], (b_dm, b_bd)
        assert set(b_dm) == set(b_bd), \
            "dnsmasq:\n  %s\nbriskdns:\n  %s" % ("\n  ".join(b_dm),
                                                 "\n  ".join(b_bd))


def test_filter_aaaa_line_like_dnsmasq(pair, upstream, uniq):
    """filter-AAAA: dnsmasq's "config NAME is NODATA-IPv6", in briskdns
    too (aaaa-mode=empty)."""
    p = pair("filter-AAAA\n", briskdns_args=["--log-queries"])
    n = uniq("fa")
    r = p.ask(n, "AAAA")
    assert r.dnsmasq is not None and r.briskdns is not None
    line = r"config %s is NODATA-IPv6$" % re.escape(n.rstrip("."))
    assert bdutil.wait_for(lambda: re.search(line, p.dnsmasq_text(), re.M),
                           3), p.dnsmasq_text()
    assert p.bd.wait_log(r"^briskdns: " + line, 3), p.bd.log()


# ---- CHAOS TXT statistics, as dnsmasq 2.90 ---------------------------------

STAT_NAMES = ("cachesize.bind.", "insertions.bind.", "evictions.bind.",
              "misses.bind.", "hits.bind.", "auth.bind.")
SERVER_RX = re.compile(r"^(\S+#\d+) (\d+) (\d+)$")


def chaos(port, name):
    r, _ = udp_query(port, dns.message.make_query(name, "TXT", "CH"))
    assert r is not None, name
    return r


def txt_strings(r):
    """The answer's one TXT record's strings (asserting its shape: one
    record, owner the question, class CH, TTL 0)."""
    assert r.rcode() == dns.rcode.NOERROR, r
    assert len(r.answer) == 1 and len(r.answer[0]) == 1, r
    rrset = r.answer[0]
    assert rrset.name == r.question[0].name
    assert rrset.rdclass == dns.rdataclass.CH
    assert rrset.rdtype == dns.rdatatype.TXT
    assert rrset.ttl == 0, r
    return [s.decode() for s in rrset[0].strings]


def test_chaos_stats_like_dnsmasq(pair, upstream, uniq):
    """cachesize/insertions/evictions/misses/hits/auth.bind: one TXT, one
    decimal string, TTL 0, class CH, in both; servers.bind one TXT with a
    string "ADDR#PORT SENT FAILED" per server, the same servers in both.
    The counts differ (they count different things the same way), the
    shapes do not.  hits.bind counts a cache hit."""
    up = upstream()
    p = pair("server=/dead.example/127.0.0.1#9\n", up=up)
    for n in (uniq("a"), uniq("b")):
        p.ask(n, "A")
    for name in STAT_NAMES:
        dm = txt_strings(chaos(p.dm_port, name))
        bd = txt_strings(chaos(p.bd.port, name))
        assert len(dm) == len(bd) == 1, (name, dm, bd)
        assert re.match(r"^\d+$", dm[0]) and re.match(r"^\d+$", bd[0]), \
            (name, dm, bd)
    dm = txt_strings(chaos(p.dm_port, "servers.bind."))
    bd = txt_strings(chaos(p.bd.port, "servers.bind."))
    assert all(SERVER_RX.match(s) for s in dm + bd), (dm, bd)
    assert sorted(SERVER_RX.match(s).group(1) for s in dm) == \
        sorted(SERVER_RX.match(s).group(1) for s in bd), (dm, bd)
    mine = {SERVER_RX.match(s).group(1): int(SERVER_RX.match(s).group(2))
            for s in bd}
    assert mine[up.server_arg] >= 2, bd
    assert txt_strings(chaos(p.bd.port, "cachesize.bind.")) == ["10000"]
    # A cache hit counts.
    n = uniq("hit")
    p.bd.q(n)
    h0 = int(txt_strings(chaos(p.bd.port, "hits.bind."))[0])
    p.bd.q(n)
    h1 = int(txt_strings(chaos(p.bd.port, "hits.bind."))[0])
    assert h1 == h0 + 1, (h0, h1)


def test_chaos_stats_no_ident_and_class(daemon, upstream):
    """no-ident refuses them (dnsmasq does not answer them either); only
    class CHAOS: hits.bind IN TXT is an ordinary name, forwarded."""
    up = upstream()
    d = daemon("--no-ident", servers=[up])
    assert chaos(d.port, "hits.bind.").rcode() == dns.rcode.REFUSED
    assert not up.queries()
    d2 = daemon(servers=[up])
    assert txt_strings(chaos(d2.port, "hits.bind.")) == ["0"]
    r, _ = udp_query(d2.port, make_query("hits.bind.", "TXT"))
    assert r is not None and up.queries(qname="hits.bind.")
