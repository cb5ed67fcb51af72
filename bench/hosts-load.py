#!/usr/bin/python3
"""Pi-hole style hosts file: time to first answer and memory, dnsmasq beside
briskdns, the same file.

    /usr/bin/python3 bench/hosts-load.py [LINES] [ROUNDS]

Writes LINES lines of "0.0.0.0 <random name>.example" (default 1,000,000) to
a temporary file, then for each round starts dnsmasq and briskdns in turn on
a loopback port, each reading only that file (no /etc/hosts, no resolv.conf,
no upstream), and asks for the file's last name every 50 ms at most until it is
answered: the time from exec to that answer, and the daemon's RSS then
(minus its RSS without the file, measured the same way, per entry).
Loopback only; the daemons are killed by PID.  Needs dnspython.
"""
import os
import random
import string
import subprocess
import sys
import tempfile
import time

import dns.message
import dns.query

BRISKDNS = os.environ.get("BRISKDNS", "./src/briskdns")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def first_answer(argv, port, name):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    q = dns.message.make_query(name, "A")
    try:
        while time.monotonic() - t0 < 120:
            if p.poll() is not None:
                raise SystemExit("%s exited with %d" % (argv[0], p.returncode))
            try:
                r = dns.query.udp(q, "127.0.0.1", port=port, timeout=0.05)
            except Exception:
                continue
            if r.answer:
                return time.monotonic() - t0, rss_kb(p.pid)
        raise SystemExit("%s: no answer in 120 s" % argv[0])
    finally:
        p.kill()
        p.wait()


def free_port():
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    d = tempfile.mkdtemp(prefix="hosts-load-")
    os.chmod(d, 0o755)		# dnsmasq reads as nobody
    path = os.path.join(d, "hosts")
    empty = os.path.join(d, "empty")
    open(empty, "w").close()
    rnd = random.Random(1)
    with open(path, "w") as f:
        for i in range(lines):
            n = "".join(rnd.choice(string.ascii_lowercase + string.digits)
                        for _ in range(rnd.randint(6, 14)))
            f.write("0.0.0.0 %s%d.example\n" % (n, i))
    last = "%s%d.example" % (n, lines - 1)
    names = {
        "dnsmasq": lambda port, h: [
            "dnsmasq", "-k", "-C", "/dev/null", "--no-resolv", "--no-hosts",
            "--port=%d" % port, "--listen-address=127.0.0.1",
            "--bind-interfaces", "--pid-file=" + os.path.join(d, "pid"),
            "--addn-hosts=" + h, "--cache-size=150"],
        "briskdns": lambda port, h: [
            BRISKDNS, "-d", "-C", "/dev/null", "--no-resolv", "--no-hosts",
            "--port=%d" % port, "--listen-address=127.0.0.1",
            "--addn-hosts=" + h],
    }
    print("%d lines, %.1f MB" % (lines, os.path.getsize(path) / 1e6))
    print("%-9s %5s %14s %10s %16s" % ("server", "round", "first answer",
                                       "RSS", "bytes per entry"))
    try:
        for r in range(rounds):
            for srv, mk in names.items():
                # The same daemon with an empty file: its RSS without it.
                port = free_port()
                with open(empty + ".h", "w") as f:
                    f.write("0.0.0.0 %s\n" % last)
                _, base = first_answer(mk(port, empty + ".h"), port, last)
                port = free_port()
                t, rss = first_answer(mk(port, path), port, last)
                print("%-9s %5d %12.2f s %7.1f MB %16.1f" % (
                    srv, r + 1, t, rss / 1024, (rss - base) * 1024 / lines))
    finally:
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)


if __name__ == "__main__":
    main()
