#!/usr/bin/python3
"""Blocklists at scale: dnsmasq 2.90 and briskdns side by side (issue 9).

Run as root from the project's root after `make` (see bench/README.md):

    bench/blocklist.py                       # 1M rules, 3 rounds, all parts
    bench/blocklist.py --rules 100000 --rounds 1 --no-throughput

Generates N random domains (seeded: the same set every run) and measures,
for dnsmasq and briskdns with the same configuration, in a network
namespace of its own (only its lo; nothing leaves it):

  1. start: the time from exec to the first answer that shows the rules
     are loaded (an A query for the last domain of the list, answered
     0.0.0.0 from local data; polled every 2 ms), and the resident memory
     then (VmRSS; VmHWM is the peak) with
       none     an empty configuration,
       address  N lines address=/DOMAIN/0.0.0.0,
       hosts    addn-hosts= a file of N lines "0.0.0.0 DOMAIN";
     bytes per rule = (RSS with the rules - RSS with none) / N;
     and then the longest wait for an answer (one query in flight, the
     rules' domain asked again and again) across a SIGHUP, the answer
     still 0.0.0.0 (dnsmasq re-reads its hosts files on SIGHUP, not its
     configuration: its address= row shows no reload work).
  2. cache-hit throughput with N address= rules and with none, through
     the shared harness (/work/shared/bench/run.sh, scenario b: dnsperf
     over 1000 cached names, nsd upstream), and the ratio of the two.

Rounds are interleaved (each round starts every server once, in rotated
order); the tables show medians of the rounds.  Files and logs are kept
under $BENCH_OUT (default /tmp/briskdns-blocklist).
"""

import argparse
import os
import random
import shlex
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
import json
import glob

ROOT = os.getcwd()
OUT = os.path.abspath(os.environ.get("BENCH_OUT", "/tmp/briskdns-blocklist"))
HARNESS = "/work/shared/bench/run.sh"
ADDR = "127.0.0.1"
PY = "/usr/bin/python3"
TLDS = ["com", "net", "org", "info", "io", "de", "co.uk", "ru", "xyz", "top",
        "site", "online", "biz", "fr", "nl", "click"]
ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- data --------------------------------------------------------------------
def gen_data(n, seed):
    """domains, address= configuration, hosts file, hosts configuration,
    empty configuration: {name: path}.  Kept between runs."""
    d = os.path.join(OUT, "data-%d-%d" % (n, seed))
    files = {k: os.path.join(d, f) for k, f in (
        ("domains", "domains.txt"), ("address", "address.conf"),
        ("hostsfile", "blocklist.hosts"), ("hosts", "hosts.conf"),
        ("none", "none.conf"))}
    if all(os.path.exists(p) for p in files.values()):
        return files
    os.makedirs(d, mode=0o755, exist_ok=True)
    os.chmod(OUT, 0o755)
    rnd = random.Random(seed)
    seen = set()
    doms = []
    while len(doms) < n:
        labels = [''.join(rnd.choice(ALPHA) for _ in range(rnd.randint(4, 12)))
                  for _ in range(rnd.choice((1, 1, 2, 2, 3)))]
        dom = ".".join(labels + [rnd.choice(TLDS)])
        if dom not in seen:
            seen.add(dom)
            doms.append(dom)
    with open(files["domains"], "w") as f:
        f.write("\n".join(doms) + "\n")
    with open(files["address"], "w") as f:
        f.write("# %d blocked domains, Pi-hole style\n" % n)
        f.write("".join("address=/%s/0.0.0.0\n" % x for x in doms))
    with open(files["hostsfile"], "w") as f:
        f.write("# %d blocked names\n" % n)
        f.write("".join("0.0.0.0 %s\n" % x for x in doms))
    with open(files["hosts"], "w") as f:
        f.write("addn-hosts=%s\n" % files["hostsfile"])
    open(files["none"], "w").close()
    for p in files.values():
        os.chmod(p, 0o644)
    return files


def probe_name(files):
    with open(files["domains"], "rb") as f:
        f.seek(-300, os.SEEK_END)
        return f.read().decode().split()[-1] + "."


# ---- servers -------------------------------------------------------------------
def briskdns_cmd(o, conf, port, wdir):
    argv = [o.briskdns, "-d", "-C", conf, "--no-resolv",
            "--port=%d" % port, "--listen-address=" + ADDR,
            "--server=127.0.0.1#5301", "--cache-size=10000"]
    if o.briskdns_no_hosts:
        argv.append("--no-hosts")
    return argv


def dnsmasq_cmd(o, conf, port, wdir):
    return ["dnsmasq", "-k", "--log-facility=-", "-C", conf, "--no-resolv",
            "--no-hosts", "--listen-address=" + ADDR, "--bind-interfaces",
            "--port=%d" % port, "--server=127.0.0.1#5301",
            "--cache-size=10000",
            "--pid-file=" + os.path.join(wdir, "dnsmasq-%d.pid" % port)]


SERVERS = {"dnsmasq": dnsmasq_cmd, "briskdns": briskdns_cmd}


def query(qid, name, qtype=1, qclass=1):
    hdr = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q = b"".join(bytes([len(l)]) + l.encode()
                 for l in name.rstrip(".").split("."))
    return hdr + q + b"\0" + struct.pack("!HH", qtype, qclass)


def answered_zero(resp, qid):
    """An answer to qid whose last A record is 0.0.0.0."""
    if len(resp) < 12 or struct.unpack("!H", resp[:2])[0] != qid:
        return False
    if not resp[2] & 0x80 or struct.unpack("!H", resp[6:8])[0] == 0:
        return False
    return resp[-4:] == b"\0\0\0\0"


def status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def start_once(o, server, case, conf, probe, port, wdir, timeout):
    """Start, wait for the first answer: (seconds, rss, hwm) or None."""
    argv = SERVERS[server](o, conf, port, wdir)
    logf = open(os.path.join(wdir, "%s-%s-%d.log" % (server, case, port)), "ab")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.002)
    qid = random.randrange(1, 65535)
    # Without rules: any answer to a CHAOS query (both answer it
    # themselves; there is no upstream in the namespace).
    pkt = query(qid, probe) if case != "none" else \
        query(qid, "version.bind.", 16, 3)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf,
                         stderr=logf, start_new_session=True)
    logf.close()
    got = None
    try:
        while time.monotonic() - t0 < timeout:
            if p.poll() is not None:
                log("    %s exited with %s: see %s" % (server, p.returncode,
                                                      logf.name))
                return None
            try:
                s.sendto(pkt, (ADDR, port))
                while True:
                    b = s.recv(4096)
                    if case == "none":
                        ok = len(b) >= 4 and b[:2] == pkt[:2] and b[2] & 0x80
                    else:
                        ok = answered_zero(b, qid)
                    if ok:
                        got = time.monotonic() - t0
                        break
            except (socket.timeout, ConnectionRefusedError):
                pass
            if got is not None:
                break
        if got is None:
            log("    %s %s: no answer within %.0f s" % (server, case, timeout))
            return None
        rss = status(p.pid, "VmRSS")
        # Settled: what it keeps while serving (a loader's scratch freed).
        time.sleep(0.3)
        rss_settled = status(p.pid, "VmRSS")
        hwm = status(p.pid, "VmHWM")
        stall = None
        if o.reload and case != "none":
            stall = reload_stall(p, s, probe, port, max(2.0, 3 * got))
        return got, rss_settled or rss, hwm, stall
    finally:
        s.close()
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def reload_stall(p, s, probe, port, window):
    """SIGHUP while asking for probe, one query in flight: the longest
    wait for an answer (0.0.0.0: the rules are there) from just before
    the signal until window seconds after it; None if an answer went
    missing for window + 5 s or came without the rules."""
    longest = 0.0
    end = None
    t_sig = time.monotonic() + 0.1
    while end is None or time.monotonic() < end:
        if end is None and time.monotonic() >= t_sig:
            p.send_signal(signal.SIGHUP)
            end = time.monotonic() + window
        qid = random.randrange(1, 65535)
        t0 = time.monotonic()
        s.sendto(query(qid, probe), (ADDR, port))
        while True:
            try:
                s.settimeout(max(0.001, t0 + window + 5 - time.monotonic()))
                b = s.recv(4096)
            except socket.timeout:
                return None
            if len(b) >= 2 and struct.unpack("!H", b[:2])[0] == qid:
                break
        if not answered_zero(b, qid):
            return None
        longest = max(longest, time.monotonic() - t0)
        time.sleep(0.001)
    return longest


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def mb(x):
    return "–" if x is None else "%.1f" % (x / 1e6)


def startup(o, files):
    wdir = os.path.join(OUT, "run-" + time.strftime("%H%M%S"))
    os.makedirs(wdir, mode=0o755)
    probe = probe_name(files)
    cases = ["none", "address", "hosts"]
    combos = [(s, c) for c in cases for s in ("dnsmasq", "briskdns")]
    raw = {k: [] for k in combos}
    port = 5501
    for r in range(o.rounds):
        order = combos[r % len(combos):] + combos[:r % len(combos)]
        for server, case in order:
            port += 1
            res = start_once(o, server, case, files[case], probe, port, wdir,
                             o.timeout)
            raw[(server, case)].append(res)
            log("  start r%d %-8s %-7s %s" % (r, server, case,
                "failed" if res is None else
                "%.3f s, RSS %s MB, peak %s MB, SIGHUP stall %s" % (
                    res[0], mb(res[1]), mb(res[2]),
                    "–" if res[3] is None else "%.0f ms" % (res[3] * 1000))))
    rows = []
    summary = {}
    for case in ("address", "hosts"):
        for server in ("dnsmasq", "briskdns"):
            L = [x for x in raw[(server, case)] if x is not None]
            base = [x for x in raw[(server, "none")] if x is not None]
            t = med(x[0] for x in L)
            rss = med(x[1] for x in L)
            hwm = med(x[2] for x in L)
            rss0 = med(x[1] for x in base)
            per = (rss - rss0) / o.rules if rss and rss0 else None
            stall = med(x[3] for x in L) if o.reload else None
            summary[(server, case)] = (t, rss, hwm, per)
            rows.append((server, case, t, rss, hwm, per, stall,
                         " / ".join("%.2f" % x[0] for x in L) or "failed"))
    out = ["| server | rules | start to first answer s | × dnsmasq | "
           "RSS MB | peak RSS MB | bytes/rule | SIGHUP stall ms | "
           "per round s |",
           "|---|---|---|---|---|---|---|---|---|"]
    for server, case, t, rss, hwm, per, stall, rounds in rows:
        ref = summary[("dnsmasq", case)][0]
        out.append("| %s | %d %s | %s | %s | %s | %s | %s | %s | %s |" % (
            server, o.rules, "address=" if case == "address" else
            "hosts lines", "–" if t is None else "%.2f" % t,
            "%.2f" % (t / ref) if t and ref else "–", mb(rss), mb(hwm),
            "–" if per is None else "%.0f" % per,
            "–" if stall is None else "%.0f" % (stall * 1000), rounds))
    base = ["| %s | none | %s | | %s | %s | | | %s |" % (
        s, "%.3f" % med(x[0] for x in raw[(s, "none")] if x) if any(
            raw[(s, "none")]) else "–",
        mb(med(x[1] for x in raw[(s, "none")] if x)),
        mb(med(x[2] for x in raw[(s, "none")] if x)),
        " / ".join("%.3f" % x[0] for x in raw[(s, "none")] if x))
        for s in ("dnsmasq", "briskdns")]
    table = "\n".join(out[:2] + base + out[2:])
    with open(os.path.join(wdir, "raw.json"), "w") as f:
        json.dump({"%s|%s" % k: v for k, v in raw.items()}, f, indent=1)
    return table


# ---- throughput, through the shared harness ------------------------------------
def throughput(o, files):
    if not os.access(HARNESS, os.X_OK):
        return "(no %s: throughput not measured)" % HARNESS
    dm = ("dnsmasq -k --log-facility=- -C %s --no-resolv --no-hosts "
          "--listen-address={addr} --bind-interfaces --port={port} "
          "--server={up} --cache-size=10000 --pid-file={dir}/dnsmasq.pid")
    bd = ("%s -d -C %%s --no-resolv --port={port} --listen-address={addr} "
          "--server={up} --cache-size=10000%s" % (
              shlex.quote(o.briskdns),
              " --no-hosts" if o.briskdns_no_hosts else ""))
    tag = "%dk" % (o.rules // 1000) if o.rules < 1000000 else \
        "%dM" % (o.rules // 1000000)
    lines = ["dnsmasq-0 [b]: " + dm % files["none"],
             "dnsmasq-%s [b]: " % tag + dm % files["address"],
             "briskdns-0 [b]: " + bd % files["none"],
             "briskdns-%s [b]: " % tag + bd % files["address"]]
    env = dict(os.environ, BENCH_OUT=os.path.join(OUT, "harness"))
    argv = [HARNESS, "--servers", "", "--scenarios", "b", "--rounds",
            str(o.rounds), "--duration", str(o.duration),
            "--no-upstream-row", "--netns", o.netns + "-tp"] + (
                ["--pin"] if o.pin else [])
    for l in lines:
        argv += ["--server", l]
    log("  throughput: " + " ".join(shlex.quote(a) for a in argv))
    r = subprocess.run(argv, env=env, capture_output=True, text=True)
    sys.stderr.write(r.stderr[-3000:])
    res = sorted(glob.glob(os.path.join(OUT, "harness", "results", "*.json")),
                 key=os.path.getmtime)
    if r.returncode != 0 or not res:
        return "(harness failed, status %d)\n%s" % (r.returncode, r.stdout)
    with open(res[-1]) as f:
        raw = json.load(f)["scenarios"].get("b", {})
    q = {n: med(d.get("qps") for d in L) for n, L in raw.items()}
    out = ["| server | QPS no rules | QPS %s address= | with ÷ without | "
           "per round (with) |" % tag, "|---|---|---|---|---|"]
    for s in ("dnsmasq", "briskdns"):
        q0, q1 = q.get(s + "-0"), q.get("%s-%s" % (s, tag))
        out.append("| %s | %s | %s | %s | %s |" % (
            s, "–" if q0 is None else "%.0f" % q0,
            "–" if q1 is None else "%.0f" % q1,
            "%.3f" % (q1 / q0) if q0 and q1 else "–",
            " / ".join("%.0f" % d["qps"] for d in raw.get(
                "%s-%s" % (s, tag), []) if d.get("qps"))))
    return "\n".join(out) + "\n\nharness table:\n" + r.stdout.strip()


# ---- the namespace -------------------------------------------------------------
def outer(o):
    if os.geteuid() != 0:
        sys.exit("must run as root (network namespace)")
    ns = o.netns
    if subprocess.run(["ip", "netns", "pids", ns],
                      capture_output=True).returncode == 0:
        sys.exit("network namespace %s exists (another run?): --netns bn-OTHER"
                 % ns)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    rc = 1
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        env = dict(os.environ, BLK_INNER=ns)
        rc = subprocess.call(["ip", "netns", "exec", ns, PY,
                              os.path.abspath(__file__)] + sys.argv[1:],
                             env=env)
    except KeyboardInterrupt:
        rc = 130
    finally:
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                              text=True).stdout.split()
        for pid in pids:		# started by this run: the namespace is ours
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", ns])
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--briskdns", default="./src/briskdns")
    ap.add_argument("--rules", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds to wait for the first answer")
    ap.add_argument("--duration", type=int, default=10,
                    help="seconds per dnsperf run (throughput)")
    ap.add_argument("--no-startup", dest="startup", action="store_false")
    ap.add_argument("--no-reload", dest="reload", action="store_false",
                    help="skip the SIGHUP stall measurement")
    ap.add_argument("--no-throughput", dest="throughput",
                    action="store_false")
    ap.add_argument("--pin", action="store_true",
                    help="throughput: servers on CPU 1, dnsperf on CPU 0 "
                    "(the harness's --pin)")
    ap.add_argument("--netns", default="bn-blocklist")
    o = ap.parse_args()
    if not o.netns.startswith("bn-"):
        sys.exit("--netns must start with bn-")
    o.briskdns = os.path.abspath(o.briskdns)
    h = subprocess.run([o.briskdns, "--help"], capture_output=True, text=True)
    o.briskdns_no_hosts = "--no-hosts" in h.stdout + h.stderr
    files = gen_data(o.rules, o.seed)
    if not os.environ.get("BLK_INNER"):
        if o.startup:
            rc = outer(o)
            if rc != 0:
                return rc
        if o.throughput:
            # The harness makes its own namespace.
            print("\n## cache-hit throughput, %d address= rules vs none\n" %
                  o.rules)
            print(throughput(o, files))
        return 0
    log("start-up: %d rules, %d rounds, probe %s" % (o.rules, o.rounds,
                                                    probe_name(files)))
    print("\n## start to first answer and memory, %d rules (medians of %d "
          "rounds)\n" % (o.rules, o.rounds))
    print(startup(o, files))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
