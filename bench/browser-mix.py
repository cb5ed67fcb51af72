#!/usr/bin/env python3
"""A browser-like mix: A, AAAA and HTTPS at once, the upstream slow at AAAA
and HTTPS (issue 10).

    python3 bench/browser-mix.py --briskdns build/src/briskdns [--rounds N]
    python3 bench/browser-mix.py --briskdns ./src/briskdns --json out.json
    python3 bench/browser-mix.py -h                 # every option

A fake upstream on 127.0.0.1 (this script's own, UDP and TCP, standard
library only) answers A at once and AAAA and HTTPS (type 65: alpn h2,h3,
ipv4hint, ipv6hint) only after a delay.  Two scenarios:

  slow       AAAA after --aaaa-delay (1500 ms), HTTPS after --https-delay
             (1500 ms);
  aaaa-lost  AAAA never answered, HTTPS after --https-delay.

For each resolver in turn (briskdns in each aaaa-mode, each with and
without slow-types=HTTPS,SVCB; dnsmasq; dnsmasq --filter-AAAA; unbound),
started fresh on a loopback port of its own and forwarding to that
upstream, a client does what a browser does: it sends A, AAAA and HTTPS
for one name at once (three sockets) and waits for all three answers, no
retransmission, up to --timeout (5000 ms).  --rounds names (30), each new
(no resolver can answer from its cache), one round started every
--interval ms (200) whether the previous one is over or not.  Then, once
the upstream has sent every late answer, a warm round: the first --warm
(10) names asked again.

Printed: a Markdown table per scenario (median and p95 of the time until
all three were answered, the ratio to the best briskdns row, per-type
medians, what the client got for AAAA and HTTPS, the warm round, the
queries the upstream saw).  A briskdns configuration that `briskdns
--test` rejects (a key this build does not have) is printed as "skipped:
key not supported by this build".  Loopback only; every process is
stopped by its PID and the temporary directory removed, also on Ctrl-C.
"""

import argparse
import heapq
import json
import os
import random
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ADDR = "127.0.0.1"
ZONE = "mix.test"
A, AAAA, HTTPS, OPT, SOA = 1, 28, 65, 41, 6
TYPES = ((A, "A"), (AAAA, "AAAA"), (HTTPS, "HTTPS"))
RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED"}
UP_A = "192.0.2.1"
UP_AAAA = "2001:db8::1"
BRISKDNS_MODES = "forward,empty,deadline:250,after-a,after-a:50,learn"
SLOW_TYPES = "slow-types=HTTPS,SVCB"
SKIP_KEY = "skipped: key not supported by this build"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- DNS wire format (the little needed here) -----------------------------
def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def skip_name(buf, off):
    """Offset after the (possibly compressed) name at off."""
    while True:
        n = buf[off]
        if n == 0:
            return off + 1
        if n & 0xc0 == 0xc0:
            return off + 2
        off += 1 + n


def read_name(buf, off):
    """The name at off (uncompressed, as in a question), lower case."""
    labels = []
    while buf[off]:
        n = buf[off]
        if n & 0xc0:
            raise ValueError("compressed name in a question")
        labels.append(buf[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels).lower() + ".", off + 1


def opt_rr(payload=1232):
    return b"\0" + struct.pack("!HHIH", OPT, payload, 0, 0)


def make_query(qid, name, qtype):
    """RD set and an EDNS OPT record, as a browser's stub sends."""
    return (struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1) +
            wire_name(name) + struct.pack("!HH", qtype, 1) + opt_rr())


def parse_question(buf):
    """(id, flags, name, qtype, offset after the question, arcount)."""
    qid, flags, qd, _, _, ar = struct.unpack("!HHHHHH", buf[:12])
    if qd != 1:
        raise ValueError("qdcount %d" % qd)
    name, off = read_name(buf, 12)
    qtype, _ = struct.unpack("!HH", buf[off:off + 4])
    return qid, flags, name, qtype, off + 4, ar


def https_rdata():
    """HTTPS 1 . alpn=h2,h3 ipv4hint=UP_A ipv6hint=UP_AAAA."""
    params = [(1, b"\x02h2\x02h3"),
              (4, socket.inet_pton(socket.AF_INET, UP_A)),
              (6, socket.inet_pton(socket.AF_INET6, UP_AAAA))]
    return struct.pack("!H", 1) + b"\0" + b"".join(
        struct.pack("!HH", k, len(v)) + v for k, v in params)


def make_answer(query):
    """The fake upstream's answer to query (bytes), or None."""
    try:
        qid, flags, name, qtype, end, ar = parse_question(query)
    except (ValueError, struct.error, IndexError):
        return None
    rd = flags & 0x0100
    rdata = None
    if qtype == A:
        rdata = socket.inet_pton(socket.AF_INET, UP_A)
    elif qtype == AAAA:
        rdata = socket.inet_pton(socket.AF_INET6, UP_AAAA)
    elif qtype == HTTPS:
        rdata = https_rdata()
    an = ns = b""
    if rdata is not None:
        an = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300,
                                       len(rdata)) + rdata
    else:
        # NODATA with the zone's SOA, so that it can be cached.
        soa = (wire_name("ns." + ZONE) + wire_name("host." + ZONE) +
               struct.pack("!IIIII", 1, 3600, 600, 86400, 300))
        ns = wire_name(ZONE) + struct.pack("!HHIH", SOA, 1, 300,
                                           len(soa)) + soa
    hdr = struct.pack("!HHHHHH", qid, 0x8400 | rd | 0x0080, 1,
                      1 if an else 0, 1 if ns else 0, 1 if ar else 0)
    return hdr + query[12:end] + an + ns + (opt_rr() if ar else b"")


def classify(buf, qtype):
    """What a client got: real, real-no-v6hint (HTTPS without ipv6hint),
    empty, or an rcode's name."""
    rcode = struct.unpack("!H", buf[2:4])[0] & 0xf
    if rcode:
        return RCODES.get(rcode, "rcode%d" % rcode)
    an = struct.unpack("!H", buf[6:8])[0]
    off = skip_name(buf, 12) + 4
    got = "empty"
    for _ in range(an):
        off = skip_name(buf, off)
        t, _, _, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
        off += 10
        if t == qtype:
            got = "real"
            if t == HTTPS:
                keys = set()
                p = skip_name(buf, off + 2)
                while p + 4 <= off + rdlen:
                    k, ln = struct.unpack("!HH", buf[p:p + 4])
                    keys.add(k)
                    p += 4 + ln
                if 6 not in keys:
                    got = "real-no-v6hint"
        off += rdlen
    return got


# ---- the fake upstream -----------------------------------------------------
class Upstream:
    """A at once; AAAA and HTTPS after self.delay[type] seconds (None:
    never).  UDP and TCP on one port; one scheduler thread sends the late
    answers.  Counts the queries it received per type."""

    def __init__(self):
        self.delay = {A: 0.0, AAAA: 1.5, HTTPS: 1.5}
        self.counts = {}
        self.first = {}		# (name, qtype) -> first query's time
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.heap = []
        self.seq = 0
        self.stop = threading.Event()
        self.conns = []
        for _ in range(50):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                u.bind((ADDR, 0))
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((ADDR, u.getsockname()[1]))
                t.listen(64)
                break
            except OSError:
                u.close()
                t.close()
        else:
            raise SystemExit("fake upstream: no free port")
        self.udp, self.tcp = u, t
        self.port = u.getsockname()[1]
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self.threads = [threading.Thread(target=f, daemon=True) for f in
                        (self._udp_loop, self._tcp_loop, self._sched_loop)]
        for th in self.threads:
            th.start()

    def close(self):
        self.stop.set()
        with self.cond:
            self.cond.notify_all()
        for th in self.threads:
            th.join(timeout=1)
        for s in [self.udp, self.tcp] + self.conns:
            try:
                s.close()
            except OSError:
                pass

    def reset_counts(self):
        with self.lock:
            self.counts = {}

    def pending(self):
        with self.lock:
            return len(self.heap)

    def _handle(self, data, send):
        try:
            _, _, name, qtype, _, _ = parse_question(data)
        except (ValueError, struct.error, IndexError):
            return
        now = time.monotonic()
        with self.lock:
            self.counts[qtype] = self.counts.get(qtype, 0) + 1
            # As a recursive server: the answer is ready DELAY after the
            # first query for it; a retransmission waits only for that.
            first = self.first.setdefault((name, qtype), now)
        d = self.delay.get(qtype, 0.0)
        if d is None:
            return		# never answered
        ans = make_answer(data)
        if ans is None:
            return
        if first + d <= now:
            send(ans)
            return
        with self.cond:
            self.seq += 1
            heapq.heappush(self.heap, (first + d, self.seq, send, ans))
            self.cond.notify()

    def _sched_loop(self):
        with self.cond:
            while not self.stop.is_set():
                if not self.heap:
                    self.cond.wait(0.5)
                    continue
                due = self.heap[0][0]
                now = time.monotonic()
                if due > now:
                    self.cond.wait(due - now)
                    continue
                _, _, send, ans = heapq.heappop(self.heap)
                send(ans)

    def _udp_loop(self):
        while not self.stop.is_set():
            try:
                data, src = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return

            def send(b, src=src):
                try:
                    self.udp.sendto(b, src)
                except OSError:
                    pass
            self._handle(data, send)

    def _tcp_loop(self):
        while not self.stop.is_set():
            try:
                c, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._tcp_conn, args=(c,),
                             daemon=True).start()

    def _tcp_conn(self, c):
        c.settimeout(0.5)
        wlock = threading.Lock()

        def send(b):
            with wlock:
                try:
                    c.sendall(struct.pack("!H", len(b)) + b)
                except OSError:
                    pass
        buf = b""
        while not self.stop.is_set():
            try:
                chunk = c.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(
                    "!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                self._handle(buf[2:2 + n], send)
                buf = buf[2 + n:]


# ---- the client ----------------------------------------------------------------
def run_rounds(port, names, interval, timeout):
    """Round i sends A, AAAA and HTTPS for names[i] at once (a socket each)
    at start + i * interval.  Returns per round {"all": ms or None,
    type name: (ms or None, outcome)}."""
    sel = selectors.DefaultSelector()
    res = [dict() for _ in names]
    starts = [None] * len(names)
    nxt = 0
    open_ = {}		# socket -> (round, qtype, qid, name)
    t0 = time.monotonic()
    try:
        while nxt < len(names) or open_:
            now = time.monotonic()
            while nxt < len(names) and now >= t0 + nxt * interval:
                starts[nxt] = time.monotonic()
                for qt, _ in TYPES:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.setblocking(False)
                    s.connect((ADDR, port))
                    qid = random.randrange(1, 65536)
                    try:
                        s.send(make_query(qid, names[nxt], qt))
                    except OSError:
                        pass
                    sel.register(s, selectors.EVENT_READ)
                    open_[s] = (nxt, qt, qid, names[nxt])
                nxt += 1
                now = time.monotonic()
            # Expired queries: timeout.
            for s, (r, qt, _, _) in list(open_.items()):
                if now - starts[r] >= timeout:
                    res[r][qt] = (None, "timeout")
                    sel.unregister(s)
                    s.close()
                    del open_[s]
            wake = [starts[r] + timeout for r, _, _, _ in open_.values()]
            if nxt < len(names):
                wake.append(t0 + nxt * interval)
            if not wake:
                break
            wait = max(0.0, min(wake) - time.monotonic())
            for key, _ in sel.select(wait):
                s = key.fileobj
                r, qt, qid, name = open_[s]
                try:
                    buf = s.recv(65535)
                except ConnectionRefusedError:
                    buf = None
                except OSError:
                    continue
                t = time.monotonic()
                if buf is None:
                    res[r][qt] = ((t - starts[r]) * 1000, "refused")
                else:
                    try:
                        rid, fl, rname, rtype, _, _ = parse_question(buf)
                    except (ValueError, struct.error, IndexError):
                        continue
                    if rid != qid or not fl & 0x8000 or rname != name \
                            or rtype != qt:
                        continue
                    try:
                        got = classify(buf, qt)
                    except (struct.error, IndexError):
                        got = "malformed"
                    res[r][qt] = ((t - starts[r]) * 1000, got)
                sel.unregister(s)
                s.close()
                del open_[s]
    finally:
        for s in open_:
            s.close()
        sel.close()
    for r in res:
        times = [r[qt][0] for qt, _ in TYPES]
        r["all"] = None if None in times else max(times)
    return res


def ask_once(port, name, qtype, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        qid = random.randrange(1, 65536)
        s.sendto(make_query(qid, name, qtype), (ADDR, port))
        while True:
            b = s.recv(65535)
            if b[:2] == struct.pack("!H", qid):
                return b
    except OSError:
        return None
    finally:
        s.close()


# ---- resolvers ---------------------------------------------------------------
def free_port():
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            u.bind((ADDR, 0))
            port = u.getsockname()[1]
            t.bind((ADDR, port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise SystemExit("no free port on %s" % ADDR)


def briskdns_argv(o, conf, port, up):
    return [o.briskdns, "-d", "-C", conf, "--no-resolv", "--port=%d" % port,
            "--listen-address=" + ADDR, "--server=%s#%d" % (ADDR, up)]


def dnsmasq_argv(o, d, port, up, extra):
    conf = os.path.join(d, "dnsmasq-%d.conf" % port)
    open(conf, "w").close()
    os.chmod(conf, 0o644)
    return ["dnsmasq", "-k", "--log-facility=-", "-C", conf, "--no-resolv",
            "--no-hosts", "--listen-address=" + ADDR, "--bind-interfaces",
            "--port=%d" % port, "--server=%s#%d" % (ADDR, up),
            "--pid-file=" + os.path.join(d, "dnsmasq-%d.pid" % port)] + extra


def unbound_argv(o, d, port, up):
    w = os.path.join(d, "unbound-%d" % port)
    os.mkdir(w)
    conf = os.path.join(w, "unbound.conf")
    with open(conf, "w") as f:
        f.write("""server:
    interface: %(a)s@%(p)d
    port: %(p)d
    num-threads: 1
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "%(w)s"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 0
    do-ip6: no
    do-not-query-localhost: no
    module-config: "iterator"
    msg-cache-size: 4m
    rrset-cache-size: 8m
    prefetch: no
    access-control: 127.0.0.0/8 allow
    # unbound serves "test." (RFC 6761) as a blocked local zone by default
    local-zone: "test." nodefault
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: %(a)s@%(u)d
    forward-first: no
""" % {"a": ADDR, "p": port, "w": w, "u": up})
    return ["unbound", "-d", "-c", conf]


class Config:
    def __init__(self, kind, label, lines=(), extra=()):
        self.kind = kind		# briskdns, dnsmasq, unbound
        self.label = label
        self.lines = list(lines)	# briskdns configuration lines
        self.extra = list(extra)	# dnsmasq options
        self.skip = None		# why it is not run
        self.tag = None			# a label for its names


def configs(o):
    out = []
    want = set(o.only.split(","))
    if "briskdns" in want:
        for mode in [m for m in o.modes.split(",") if m]:
            line = "aaaa-mode=" + mode
            out.append(Config("briskdns", "briskdns " + line, [line]))
            if mode != "forward" and not o.no_slow_types:
                out.append(Config("briskdns", "briskdns %s + %s" % (
                    line, SLOW_TYPES), [line, SLOW_TYPES]))
    if "dnsmasq" in want:
        out.append(Config("dnsmasq", "dnsmasq"))
    if "dnsmasq-filter-AAAA" in want or "dnsmasq" in want:
        out.append(Config("dnsmasq", "dnsmasq --filter-AAAA",
                          extra=["--filter-AAAA"]))
    if "unbound" in want:
        out.append(Config("unbound", "unbound"))
    for i, c in enumerate(out):
        c.tag = "c%d" % i
    return out


def check_configs(o, cfgs, d, up_port):
    """Mark what cannot run: a briskdns key this build rejects, a peer
    that is not installed."""
    for c in cfgs:
        if c.kind == "briskdns":
            conf = os.path.join(d, "check.conf")
            with open(conf, "w") as f:
                f.write("".join(x + "\n" for x in c.lines))
            r = subprocess.run(briskdns_argv(o, conf, free_port(), up_port)
                               + ["--test"],
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                c.skip = SKIP_KEY
                why = r.stderr.strip().splitlines()
                log("%s: %s (%s)" % (c.label, SKIP_KEY,
                                     why[0] if why else "rc %d"
                                     % r.returncode))
        elif shutil.which(c.kind) is None:
            c.skip = "skipped: %s not installed" % c.kind
            log("%s: %s" % (c.label, c.skip))


class Procs:
    """The processes this script started, stopped by PID."""

    def __init__(self):
        self.procs = []

    def start(self, argv, logpath):
        with open(logpath, "ab") as lf:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf,
                                 stderr=lf, start_new_session=True)
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(self.procs):
            try:
                self.stop(p)
            except OSError:
                pass


def start_resolver(o, c, d, procs, up, token):
    port = free_port()
    if c.kind == "briskdns":
        conf = os.path.join(d, "briskdns-%d.conf" % port)
        with open(conf, "w") as f:
            f.write("".join(x + "\n" for x in c.lines))
        os.chmod(conf, 0o644)
        argv = briskdns_argv(o, conf, port, up)
    elif c.kind == "dnsmasq":
        argv = dnsmasq_argv(o, d, port, up, c.extra)
    else:
        argv = unbound_argv(o, d, port, up)
    logpath = os.path.join(d, "%s-%d.log" % (c.kind, port))
    p = procs.start(argv, logpath)
    # Ready: an A query forwarded and answered (the upstream answers A at
    # once).  Polled, bounded.
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        if p.poll() is not None:
            break
        b = ask_once(port, "ready-%d.%s.%s." % (port, token, ZONE), A, 0.1)
        if b is not None and classify(b, A) == "real":
            return p, port, " ".join(argv)
    procs.stop(p)
    with open(logpath, errors="replace") as f:
        tail = f.read()[-2000:]
    raise RuntimeError("%s did not answer within 10 s:\n%s" % (c.label, tail))


# ---- figures -----------------------------------------------------------------
def median(v):
    v = sorted(v)
    n = len(v)
    if not n:
        return None
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def p95(v):
    v = sorted(v)
    if not v:
        return None
    return v[max(0, -(-95 * len(v) // 100) - 1)]


def figures(rounds, timeout_ms):
    """Median and p95 (a timed-out round counts as the timeout) of the
    time until all three were answered and per type, and what came."""
    def col(key):
        vals = []
        for r in rounds:
            t = r["all"] if key == "all" else r[key][0]
            vals.append(timeout_ms if t is None else t)
        return {"median": median(vals), "p95": p95(vals),
                "timeouts": sum(1 for r in rounds if (
                    r["all"] if key == "all" else r[key][0]) is None)}
    out = {"all": col("all")}
    for qt, name in TYPES:
        out[name] = col(qt)
        got = {}
        for r in rounds:
            g = r[qt][1]
            got[g] = got.get(g, 0) + 1
        out[name]["got"] = got
    return out


def run_config(o, c, sc, d, procs, up, token):
    up.reset_counts()
    p, port, cmd = start_resolver(o, c, d, procs, up.port, token)
    try:
        up.reset_counts()
        # New names for each configuration and scenario (the upstream
        # keeps when it first saw each name).
        names = ["r%d.%s.%s.%s.%s." % (i, c.tag, sc["name"], token, ZONE)
                 for i in range(o.rounds)]
        cold = run_rounds(port, names, o.interval / 1000.0,
                          o.timeout / 1000.0)
        counts = dict(up.counts)
        warm = None
        if o.warm:
            # Until the upstream has sent every late answer (bounded),
            # then a little for the resolver to cache it.
            limit = time.monotonic() + max(
                x for x in sc["delay"].values() if x is not None) + 2
            while up.pending() and time.monotonic() < limit:
                time.sleep(0.01)
            time.sleep(0.05)
            warm = run_rounds(port, names[:o.warm], o.interval / 1000.0,
                              o.timeout / 1000.0)
    finally:
        procs.stop(p)
    row = {"resolver": c.label, "command": cmd,
           "cold": figures(cold, o.timeout),
           "warm": figures(warm, o.timeout) if warm else None,
           "upstream": {n: counts.get(qt, 0) for qt, n in TYPES},
           "rounds": [{"all": r["all"],
                       **{n: {"ms": r[qt][0], "got": r[qt][1]}
                          for qt, n in TYPES}} for r in cold]}
    return row


def fmt_ms(v, timeout_ms):
    if v is None:
        return "-"
    if v >= timeout_ms:
        return "timeout"
    return "%.0f" % v if v >= 10 else "%.1f" % v


def fmt_got(got):
    if not got:
        return "-"
    if len(got) == 1:
        return next(iter(got))
    return ", ".join("%s %d" % (k, v) for k, v in
                     sorted(got.items(), key=lambda x: -x[1]))


def table(sc, rows, timeout_ms):
    hd = ["resolver / mode", "all three: median ms", "p95 ms",
          "× best briskdns", "A ms", "AAAA ms", "HTTPS ms", "AAAA got",
          "HTTPS got", "warm median ms", "upstream saw A/AAAA/HTTPS"]
    out = ["| " + " | ".join(hd) + " |", "|" + "---|" * len(hd)]
    for r in rows:
        if r.get("skipped"):
            out.append("| " + " | ".join([r["resolver"], r["skipped"]] +
                                         ["-"] * (len(hd) - 2)) + " |")
            continue
        c = r["cold"]
        ratio = "-"
        if r.get("ratio") is not None:
            x = r["ratio"]
            ratio = "%.0f" % x if x >= 100 else "%.1f" % x if x >= 10 \
                else "%.2f" % x
            if c["all"]["median"] >= timeout_ms:
                ratio = "≥ " + ratio
        w = "-"
        if r["warm"]:
            wa = r["warm"]
            w = fmt_ms(wa["all"]["median"], timeout_ms)
            odd = ["%s %s" % (n, fmt_got(wa[n]["got"])) for n in
                   ("AAAA", "HTTPS")
                   if set(wa[n]["got"]) != set(c[n]["got"])]
            if odd:
                w += " (%s)" % ", ".join(odd)
        out.append("| " + " | ".join([
            r["resolver"], fmt_ms(c["all"]["median"], timeout_ms),
            fmt_ms(c["all"]["p95"], timeout_ms), ratio,
            fmt_ms(c["A"]["median"], timeout_ms),
            fmt_ms(c["AAAA"]["median"], timeout_ms),
            fmt_ms(c["HTTPS"]["median"], timeout_ms),
            fmt_got(c["AAAA"]["got"]), fmt_got(c["HTTPS"]["got"]),
            w,
            "%d/%d/%d" % (r["upstream"]["A"], r["upstream"]["AAAA"],
                          r["upstream"]["HTTPS"])]) + " |")
    return "\n".join(out)


def host_has_global_v6_route():
    """A route covering 2000::/3 (default or 2000::/3 itself), not via lo."""
    try:
        with open("/proc/net/ipv6_route") as f:
            for line in f:
                x = line.split()
                if x[9] != "lo" and ((int(x[1], 16) == 0) or (
                        int(x[1], 16) <= 3 and x[0].startswith("2"))):
                    return True
    except (OSError, IndexError, ValueError):
        pass
    return False


def version(argv):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=5)
        # "Dnsmasq version 2.90  Copyright ...", "Version 1.17.1"
        w = r.stdout.split()
        for i, x in enumerate(w[:-1]):
            if x.lower() == "version":
                return w[i + 1]
        return "?"
    except (OSError, subprocess.TimeoutExpired):
        return None


def delay_arg(s):
    if s in ("never", "-1"):
        return None
    v = float(s)
    if v < 0:
        raise argparse.ArgumentTypeError("a delay is >= 0 ms or 'never'")
    return v


def main():
    ap = argparse.ArgumentParser(
        description="A+AAAA+HTTPS at once against an upstream slow at AAAA "
        "and HTTPS: briskdns modes, dnsmasq, dnsmasq --filter-AAAA, unbound.")
    ap.add_argument("--briskdns", default="./src/briskdns",
                    help="the daemon (default ./src/briskdns)")
    ap.add_argument("--rounds", type=int, default=30,
                    help="names per resolver and scenario (default 30)")
    ap.add_argument("--interval", type=float, default=200,
                    help="ms between the starts of two rounds (default 200)")
    ap.add_argument("--timeout", type=float, default=5000,
                    help="ms the client waits for each answer (default 5000)")
    ap.add_argument("--aaaa-delay", type=delay_arg, default=1500,
                    help="ms before the upstream answers AAAA in scenario "
                    "'slow' (default 1500; 'never')")
    ap.add_argument("--https-delay", type=delay_arg, default=1500,
                    help="ms before the upstream answers HTTPS, both "
                    "scenarios (default 1500; 'never')")
    ap.add_argument("--warm", type=int, default=10,
                    help="names asked again after the cold rounds (default "
                    "10; 0: no warm round)")
    ap.add_argument("--scenarios", default="slow,aaaa-lost",
                    help="slow, aaaa-lost (default both)")
    ap.add_argument("--only", default="briskdns,dnsmasq,unbound",
                    help="resolvers: briskdns, dnsmasq (with and without "
                    "--filter-AAAA), dnsmasq-filter-AAAA, unbound")
    ap.add_argument("--modes", default=BRISKDNS_MODES,
                    help="briskdns aaaa-mode values (default %s)"
                    % BRISKDNS_MODES)
    ap.add_argument("--no-slow-types", action="store_true",
                    help="no %s variant of each briskdns mode" % SLOW_TYPES)
    ap.add_argument("--json", metavar="FILE",
                    help="also write the figures as JSON to FILE ('-': "
                    "JSON on stdout instead of the tables)")
    o = ap.parse_args()
    if o.rounds < 1 or o.warm < 0 or o.interval < 0 or o.timeout <= 0:
        ap.error("--rounds >= 1, --warm >= 0, --interval >= 0, "
                 "--timeout > 0")
    o.warm = min(o.warm, o.rounds)
    o.briskdns = os.path.abspath(o.briskdns)
    if not os.access(o.briskdns, os.X_OK):
        ap.error("no briskdns at %s" % o.briskdns)

    scenarios = []
    for s in o.scenarios.split(","):
        hd = o.https_delay
        if s == "slow":
            delay = {AAAA: o.aaaa_delay, HTTPS: hd}
        elif s == "aaaa-lost":
            delay = {AAAA: None, HTTPS: hd}
        else:
            ap.error("unknown scenario %r" % s)
        delay = {k: (None if v is None else v / 1000.0)
                 for k, v in delay.items()}
        delay[A] = 0.0
        scenarios.append({"name": s, "delay": delay})

    def on_term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    d = tempfile.mkdtemp(prefix="browser-mix-")
    os.chmod(d, 0o755)		# dnsmasq and briskdns read as nobody
    procs = Procs()
    up = None
    token = "%x" % random.getrandbits(32)
    meta = {"briskdns": o.briskdns, "rounds": o.rounds,
            "interval_ms": o.interval, "timeout_ms": o.timeout,
            "warm": o.warm, "dnsmasq": version(["dnsmasq", "--version"]),
            "unbound": version(["unbound", "-V"]),
            "global_ipv6_route": host_has_global_v6_route(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    result = {"meta": meta, "scenarios": []}
    try:
        up = Upstream()
        cfgs = configs(o)
        check_configs(o, cfgs, d, up.port)
        for sc in scenarios:
            up.delay = dict(sc["delay"])
            rows = []
            for c in cfgs:
                if c.skip:
                    rows.append({"resolver": c.label, "skipped": c.skip})
                    continue
                log("%s: %s ..." % (sc["name"], c.label))
                try:
                    row = run_config(o, c, sc, d, procs, up, token)
                except RuntimeError as e:
                    log(str(e))
                    rows.append({"resolver": c.label,
                                 "skipped": "failed: did not start"})
                    continue
                log("  all three: median %s ms, p95 %s ms" % (
                    fmt_ms(row["cold"]["all"]["median"], o.timeout),
                    fmt_ms(row["cold"]["all"]["p95"], o.timeout)))
                rows.append(row)
            best = [r["cold"]["all"]["median"] for r in rows
                    if not r.get("skipped") and
                    r["resolver"].startswith("briskdns")]
            best = min(best) if best else None
            for r in rows:
                if not r.get("skipped") and best:
                    r["ratio"] = r["cold"]["all"]["median"] / best
            ms = {k: (None if v is None else v * 1000)
                  for k, v in sc["delay"].items()}
            result["scenarios"].append({
                "name": sc["name"], "aaaa_delay_ms": ms[AAAA],
                "https_delay_ms": ms[HTTPS], "best_briskdns_ms": best,
                "rows": rows})
    finally:
        procs.stop_all()
        if up is not None:
            up.close()
        shutil.rmtree(d, ignore_errors=True)

    if o.json:
        text = json.dumps(result, indent=1, sort_keys=True)
        if o.json == "-":
            print(text)
            return
        with open(o.json, "w") as f:
            f.write(text + "\n")
    print("# Browser mix: A, AAAA and HTTPS at once, %d names per row "
          "(one every %g ms), client timeout %g ms" % (
              o.rounds, o.interval, o.timeout))
    print()
    print("briskdns %s; %s; %s; host has a global IPv6 route: %s "
          "(auto and learn act as empty without one); %s" % (
              o.briskdns, "dnsmasq " + meta["dnsmasq"] if meta["dnsmasq"]
              else "dnsmasq not installed",
              "unbound " + meta["unbound"] if meta["unbound"]
              else "unbound not installed",
              "yes" if meta["global_ipv6_route"] else "no", meta["date"]))
    for sc in result["scenarios"]:
        def dl(v):
            return "never answered" if v is None else "after %g ms" % v
        print()
        print("## %s: A at once, AAAA %s, HTTPS %s" % (
            sc["name"], dl(sc["aaaa_delay_ms"]), dl(sc["https_delay_ms"])))
        print()
        print(table(sc, sc["rows"], o.timeout))
    print()
    print("got: real = the record; real-no-v6hint = HTTPS without "
          "ipv6hint; empty = NOERROR, no record; timeout = no answer "
          "within %g ms.  A timed-out round counts as %g ms." % (
              o.timeout, o.timeout))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
