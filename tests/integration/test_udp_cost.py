"""What the UDP door costs per cached query, counted, not timed: the daemon
is traced with strace while a client asks one question at a time (bench
scenario e), and the system calls are counted per query.

- A sleep in epoll_wait() carries no timeout: a timeout is a kernel timer
  armed and cancelled at every wake-up.  The resolv-file poll, the only
  periodic timer, is a timerfd, so this holds with a resolv-file in use too.
- One receive attempt per datagram: recvmmsg() on a socket holding one
  datagram makes a second, failing attempt (EAGAIN) inside the kernel; a
  socket whose wake-ups bring one datagram is read with recvmsg().
- A burst is still read in batches.
"""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from bdutil import is_root, make_query

STRACE = shutil.which("strace")
BATCH = 64		# LISTEN_UDP_BATCH: a recvmmsg() that reads fewer tried once more
QUERIES = 64
MARK_ONE = 0x5a5a	# "ZZ": the queries one at a time follow its reply
MARK_BURST = 0x5959	# "YY": the burst follows its reply

pytestmark = [
    pytest.mark.skipif(STRACE is None, reason="needs strace"),
    pytest.mark.skipif(not is_root(), reason="needs root to trace the daemon"),
]

CALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(-?\d+)")


def calls(path):
    """[(name, args, result)] of the finished calls."""
    out = []
    with open(path) as f:
        lines = f.read().splitlines()
    for line in lines:
        m = CALL.match(line)
        if m:
            out.append((m.group(1), m.group(2), int(m.group(3))))
    return out


def replied(trace, qid):
    """Index of the call that sent the reply to the marker query qid."""
    mark = 'iov_base="%s' % struct.pack("!H", qid).decode()
    for i, (name, args, res) in enumerate(trace):
        if name.startswith("send") and mark in args:
            return i
    pytest.fail("no reply to marker %#x in the trace" % qid)


class Client:
    """One UDP socket asking the daemon, as a stub resolver does."""

    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.connect(("127.0.0.1", port))
        self.qid = 0x1000

    def send(self, name, qid=None):
        """Send a query; qid: a marker ID, seen in the trace as 2 letters."""
        if qid is None:
            self.qid += 1		# 0x10..: never letters
            qid = self.qid
        self.s.send(make_query(name, qid=qid).to_wire())
        return qid

    def recv(self, timeout=2.0):
        """The ID of the next answer, or None after timeout."""
        self.s.settimeout(timeout)
        try:
            b = self.s.recv(4096)
        except socket.timeout:
            return None
        return struct.unpack("!H", b[:2])[0]

    def ask(self, name, qid=None):
        qid = self.send(name, qid)
        while True:
            got = self.recv()
            assert got is not None, "no answer to %s" % name
            if got == qid:
                return

    def close(self):
        self.s.close()


@pytest.fixture
def strace(workdir):
    """strace(pid) -> output path; the tracer is stopped by PID at the end."""
    started = []

    def start(pid):
        out = os.path.join(workdir, "strace-%d.txt" % len(started))
        p = subprocess.Popen(
            [STRACE, "-qq", "-e",
             "trace=epoll_wait,epoll_pwait,recvmsg,recvmmsg,recvfrom,"
             "sendmsg,sendmmsg,sendto", "-o", out, "-p", str(pid)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        started.append(p)
        return out, p
    yield start
    for p in started:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()


def stop(p):
    """Detach strace (it writes out what it has) and wait for it."""
    p.send_signal(signal.SIGINT)
    p.wait(10)


def attach(client, name, out, p):
    """Ask cached questions until the trace shows one: strace is attached."""
    end = time.monotonic() + 10
    while time.monotonic() < end:
        assert p.poll() is None, "strace exited with %s" % p.returncode
        client.ask(name)
        if os.path.exists(out) and any(c[0].startswith("send")
                                       for c in calls(out)):
            return
        time.sleep(0.05)
    pytest.fail("strace did not attach within 10 s")


def stopped(pid):
    """Wait until pid is in a stop (T, or t under strace)."""
    for _ in range(200):
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] in ("T", "t"):
                return
        time.sleep(0.01)
    pytest.fail("briskdns did not stop on SIGSTOP")


@pytest.mark.parametrize("resolv", ["no-resolv", "resolv-file"])
def test_cached_query_syscalls(upstream, daemon, uniq, write_file, strace,
                               resolv):
    up = upstream()
    if resolv == "no-resolv":
        d = daemon(servers=[up])
    else:
        # Servers for a domain only: the resolv-file is in use (polled).
        rf = write_file("resolv.conf", "nameserver 127.0.0.1\n")
        d = daemon("--server=/example.com/" + up.server_arg.split("=")[-1],
                   resolv=rf)
    name = uniq("cost")
    c = Client(d.port)
    try:
        c.ask(name)			# the miss: now cached
        assert len(up.queries(qname=name)) == 1
        out, p = strace(d.proc.pid)
        attach(c, name, out, p)
        c.ask(name, MARK_ONE)
        for _ in range(QUERIES):
            c.ask(name)
        c.ask(name, MARK_BURST)
        # A burst: all of it queued while the daemon is stopped, so that it
        # finds 64 datagrams waiting whatever else runs on the machine.
        os.kill(d.proc.pid, signal.SIGSTOP)
        stopped(d.proc.pid)
        ids = {c.send(name) for _ in range(BATCH)}
        os.kill(d.proc.pid, signal.SIGCONT)
        while ids:
            got = c.recv()
            assert got is not None, "%d answers of the burst missing" % len(ids)
            ids.discard(got)
        stop(p)
    finally:
        c.close()
    assert len(up.queries(qname=name)) == 1, "not answered from the cache"

    # The phases, between the replies to the two markers.
    trace = calls(out)
    i0 = replied(trace, MARK_ONE)
    i1 = replied(trace, MARK_BURST)
    one, burst = trace[i0 + 1:i1 + 1], trace[i1 + 1:]
    asked = QUERIES + 1		# and the second marker

    timeouts = [t for t in one if t[0] in ("epoll_wait", "epoll_pwait")
                and not t[1].endswith(", -1") and t[2] >= 0]
    assert not timeouts, ("epoll_wait() with a timeout: a kernel timer "
                          "armed per wake-up: %r" % timeouts[:3])

    attempts = 0
    for name_, args, res in one:
        if name_ == "recvmmsg":
            attempts += res + 1 if 0 <= res < BATCH else max(res, 1)
        elif name_ in ("recvmsg", "recvfrom"):
            attempts += 1
    assert attempts <= asked * 1.25, (
        "%d receive attempts for %d datagrams (recvmmsg of one datagram "
        "tries a second one)" % (attempts, asked))
    per_query = len(one) / asked
    assert per_query <= 3.1, "%.2f system calls per cached query" % per_query

    reads = [t for t in burst if t[0] in ("recvmsg", "recvmmsg", "recvfrom")
             and t[2] > 0]
    datagrams = sum(t[2] if t[0] == "recvmmsg" else 1 for t in reads)
    assert datagrams == BATCH, burst
    assert len(reads) <= BATCH // 4, (
        "a burst of %d read with %d calls: not batched" % (BATCH, len(reads)))
