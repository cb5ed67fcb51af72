"""Helpers for the briskdns integration tests: the daemon under test,
network namespaces, and DNS clients that keep raw control of the wire."""

import os
import random
import re
import signal
import socket
import struct
import subprocess
import time

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from fakedns import in_netns, CLONE_NEWNET, _libc

def _find_briskdns():
    if os.environ.get("BRISKDNS"):
        return os.path.abspath(os.environ["BRISKDNS"])
    for top in (os.environ.get("top_builddir"), ".",
                os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "..", "..")):
        if top and os.access(os.path.join(top, "src", "briskdns"), os.X_OK):
            return os.path.abspath(os.path.join(top, "src", "briskdns"))
    return os.path.abspath("src/briskdns")


BRISKDNS = _find_briskdns()
PYTHON = "/usr/bin/python3"


def is_root():
    return os.geteuid() == 0


def wait_for(pred, timeout=2.0, step=0.02):
    """Poll pred() until it is true or timeout seconds have passed; return
    its last value.  For waiting on something the test can observe (what
    an upstream received, a counter), never for time to pass."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


def free_port(addr="127.0.0.1", netns=None):
    """A port free for both UDP and TCP on addr, below the ephemeral range
    (so that no client socket of ours is given it while the daemon has not
    bound it yet: a UDP socket connected to its own port hears itself)."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError):
        low = 32768
    hi = min(low, 32768) - 1

    def pick():
        for _ in range(100):
            p = random.randrange(max(1024, hi - 12000), hi)
            u = socket.socket(family, socket.SOCK_DGRAM)
            t = socket.socket(family, socket.SOCK_STREAM)
            try:
                u.bind((addr, p))
                t.bind((addr, p))
                return p
            except OSError:
                continue
            finally:
                u.close()
                t.close()
        raise RuntimeError("no free port")
    return in_netns(netns, pick)


# ---- clients ------------------------------------------------------------
def make_query(name, rdtype="A", edns=False, payload=1232, do=False,
               options=None, qid=None, flags=dns.flags.RD):
    kw = {}
    if edns:
        kw = dict(use_edns=0, payload=payload, want_dnssec=do,
                  options=options or [])
    else:
        kw = dict(use_edns=False)
    return dns.message.make_query(name, rdtype, id=qid, flags=flags, **kw)


def _family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_raw(port, data, addr="127.0.0.1", timeout=2.0, netns=None,
            want_id=None):
    """Send one datagram, return (reply bytes or None, seconds)."""
    def run():
        s = socket.socket(_family(addr), socket.SOCK_DGRAM)
        try:
            s.connect((addr, port))
            t0 = time.monotonic()
            s.send(data)
            end = t0 + timeout
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    return None, time.monotonic() - t0
                s.settimeout(left)
                try:
                    b = s.recv(65535)
                except socket.timeout:
                    return None, time.monotonic() - t0
                except ConnectionRefusedError:
                    return None, time.monotonic() - t0
                if b == data and s.getsockname() == s.getpeername():
                    continue	# our own packet: connected to ourselves
                if want_id is None or (len(b) >= 2 and
                                       struct.unpack("!H", b[:2])[0] == want_id):
                    return b, time.monotonic() - t0
        finally:
            s.close()
    return in_netns(netns, run)


def udp_query(port, msg, addr="127.0.0.1", timeout=2.0, netns=None):
    """Send a dns.message over UDP: (response Message or None, seconds)."""
    b, dt = udp_raw(port, msg.to_wire(), addr, timeout, netns, want_id=msg.id)
    if b is None:
        return None, dt
    return dns.message.from_wire(b), dt


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes"
                           % (len(buf), n))
        buf += chunk
    return buf


def tcp_connect(port, addr="127.0.0.1", timeout=2.0, netns=None):
    def run():
        s = socket.socket(_family(addr), socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((addr, port))
        return s
    return in_netns(netns, run)


def tcp_send(s, wire):
    s.sendall(struct.pack("!H", len(wire)) + wire)


def tcp_recv(s):
    n = struct.unpack("!H", _recv_exact(s, 2))[0]
    return _recv_exact(s, n)


def tcp_query(port, msg, addr="127.0.0.1", timeout=3.0, netns=None):
    t0 = time.monotonic()
    s = tcp_connect(port, addr, timeout, netns)
    try:
        tcp_send(s, msg.to_wire())
        b = tcp_recv(s)
    finally:
        s.close()
    return dns.message.from_wire(b), time.monotonic() - t0


def a_addrs(resp):
    out = []
    for rr in resp.answer:
        if rr.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            out += [r.address for r in rr]
    return sorted(out)


def rcode_text(resp):
    return dns.rcode.to_text(resp.rcode()) if resp is not None else "silence"


def ede_codes(resp):
    out = []
    if resp is None or resp.edns < 0:
        return out
    for o in resp.options:
        if int(o.otype) == 15:
            w = o.to_wire()
            out.append(struct.unpack("!H", w[:2])[0])
    return out


# ---- network namespaces -------------------------------------------------
class NetNS:
    """A network namespace of the test's own, deleted by close()."""
    counter = 0

    def __init__(self):
        NetNS.counter += 1
        self.name = "bd-it-%d-%d" % (os.getpid(), NetNS.counter)
        self.etc = "/etc/netns/" + self.name
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.ip("link", "set", "lo", "up")

    def ip(self, *args, check=True):
        return subprocess.run(["ip", "netns", "exec", self.name, "ip"] +
                              list(args), check=check, capture_output=True,
                              text=True)

    def write_resolv_conf(self, text):
        os.makedirs(self.etc, exist_ok=True)
        with open(os.path.join(self.etc, "resolv.conf"), "w") as f:
            f.write(text)

    def enter(self):
        """preexec_fn for Popen: the child joins the namespace."""
        path = "/var/run/netns/" + self.name

        def pre():
            fd = os.open(path, os.O_RDONLY)
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                os._exit(126)
            os.close(fd)
        return pre

    def run(self, argv, **kw):
        return subprocess.run(["ip", "netns", "exec", self.name] + argv, **kw)

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name],
                       capture_output=True)
        if os.path.isdir(self.etc):
            for f in os.listdir(self.etc):
                os.unlink(os.path.join(self.etc, f))
            os.rmdir(self.etc)
        try:
            os.rmdir("/etc/netns")	# only if empty, i.e. ours alone
        except OSError:
            pass


# ---- the daemon ---------------------------------------------------------
def formerr_probe(qid=0xbd01):
    """A query with QDCOUNT 0: FORMERR, answered locally, never forwarded."""
    return struct.pack("!HHHHHH", qid, 0x0100, 0, 0, 0, 0)


class Daemon:
    def __init__(self, workdir, args, port=None, addr="127.0.0.1",
                 netns=None, conf="/dev/null", resolv=None, listen=True):
        self.workdir = workdir
        self.netns = netns
        self.addr = addr
        self.port = port if port is not None else free_port(
            addr, netns.name if netns else None)
        argv = [BRISKDNS, "-d", "-C", conf]
        if resolv is None:
            argv.append("--no-resolv")
        else:
            argv.append("--resolv-file=" + resolv)
        if listen:
            argv += ["--port=%d" % self.port, "--listen-address=" + addr]
        self.argv = argv + list(args)
        self.proc = None
        self.expect_exit = False
        n = 0
        while True:
            self.logpath = os.path.join(workdir, "briskdns-%d.log" % n)
            if not os.path.exists(self.logpath):
                break
            n += 1

    @property
    def nsname(self):
        return self.netns.name if self.netns else None

    def start(self, wait=True):
        self.logf = open(self.logpath, "wb")
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=self.logf,
            stderr=self.logf,
            preexec_fn=self.netns.enter() if self.netns else None)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=3.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError(
                    "briskdns exited with %d at start: %s\n%s" %
                    (rc, " ".join(self.argv), self.log()))
            b, _ = udp_raw(self.port, formerr_probe(), self.addr, 0.05,
                           self.nsname, want_id=0xbd01)
            if b is not None and len(b) >= 4 and b[2] & 0x80:
                return		# an answer (QR), not our own packet
        # No answer to the probe: is anything listening at all?
        try:
            tcp_connect(self.port, self.addr, 0.5, self.nsname).close()
            return
        except OSError:
            pass
        raise AssertionError("briskdns not ready after %.1fs: %s\n%s" %
                             (timeout, " ".join(self.argv), self.log()))

    def log(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=2.0, start=0):
        """Wait for a regex (case-insensitive) in the log after offset."""
        rx = re.compile(pattern, re.I | re.M)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.log()[start:])
            if m or time.monotonic() >= end:
                return m
            time.sleep(0.05)

    # SIGUSR1's early-answer lines per server (upstream.c,
    # upstream_log_early), and the keys stats() gives them.
    EARLY_RX = re.compile(
        r"server (\S+): answered empty early: deadline (\d+), after-a "
        r"(\d+); real answer late (\d+), never (\d+); time saved (\d+) ms "
        r"for (\d+) clients \(late\), (\d+) ms for (\d+) clients \(never;")
    EARLY_KEYS = ("early deadline", "early after-a", "late", "never",
                  "saved late ms", "saved late clients", "saved never ms",
                  "saved never clients")
    LATE_RX = re.compile(r"server (\S+): late by ms: (.*)$")

    def stats(self, timeout=2.0):
        """SIGUSR1, then the statistics it logs as a dict of counters:
        "queries", "forwarded", ... and "cache inserts", "cache hits", ...;
        per server NAME (ADDR#PORT), "server NAME early deadline",
        "... early after-a", "... late", "... never", "... saved late ms",
        "... saved late clients", "... saved never ms", "... saved never
        clients", and the late-answer histogram as "server NAME late by
        BUCKET" (BUCKET: "<1", "1-1", "2-3", ..., "2048-4095", ">=4096";
        only buckets with answers)."""
        off = len(self.log())
        self.signal(signal.SIGUSR1)
        m = self.wait_log(r"^.*cache: (off|.*prefetches \d+)$", timeout, off)
        assert m, "no statistics after SIGUSR1:\n" + self.log()[off:]
        # The server lines come after the cache's, the listener's last.
        m = self.wait_log(r"listener: udp \d+", timeout, off)
        assert m, "no listener statistics after SIGUSR1:\n" + \
            self.log()[off:]
        out = {}
        for line in self.log()[off:].splitlines():
            m = self.EARLY_RX.search(line)
            if m:
                for k, v in zip(self.EARLY_KEYS, m.groups()[1:]):
                    out["server %s %s" % (m.group(1), k)] = int(v)
                continue
            m = self.LATE_RX.search(line)
            if m:
                if m.group(2) != "none":
                    for part in m.group(2).split(", "):
                        b, n = part.rsplit(" ", 1)
                        out["server %s late by %s" % (m.group(1), b)] = \
                            int(n)
                continue
            if "cache: " in line:
                pre, line = "cache ", line.split("cache: ", 1)[1]
            elif "queries " in line:
                pre, line = "", line[line.index("queries "):]
            else:
                continue
            for part in re.split(r", | \(|\)", line):
                m = (re.match(r"^(\d+) (\w+)$", part) or
                     re.match(r"^([A-Za-z][\w ]*?) (\d+)$", part))
                if m:
                    k, v = m.groups()
                    if k.isdigit():
                        k, v = v, k
                    out[pre + k] = int(v)
        return out

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """SIGTERM, then SIGKILL: the exit status (negative: signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        return self.proc.returncode

    # Queries to this daemon.
    def q(self, name, rdtype="A", timeout=2.0, **kw):
        return udp_query(self.port, make_query(name, rdtype, **kw),
                         self.addr, timeout, self.nsname)

    def qtcp(self, name, rdtype="A", timeout=3.0, **kw):
        return tcp_query(self.port, make_query(name, rdtype, **kw),
                         self.addr, timeout, self.nsname)

    def raw(self, data, timeout=1.0, want_id=None):
        return udp_raw(self.port, data, self.addr, timeout, self.nsname,
                       want_id)


def run_briskdns(argv, timeout=5.0):
    """Run briskdns to completion (--test, errors): CompletedProcess."""
    return subprocess.run([BRISKDNS] + argv, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
