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
