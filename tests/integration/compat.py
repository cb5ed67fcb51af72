"""Side by side: dnsmasq 2.90 and briskdns with the same configuration.

The `pair` fixture (conftest.py) starts both daemons on loopback, on
different ports, with one configuration text and one FakeUpstream, and
compares their answers:

    p = pair("local=/lan/\\naddress=/ads.example/0.0.0.0\\n",
             files={"hosts": "192.0.2.7 printer\\n"})
    r = p.compare("printer.lan.", "A")	# asserts rcode and answers equal
    assert p.upstream_saw("x.example.") == 0

The configuration text may name files of the test as {dir}/NAME (the
work directory; `files` are written there first) and the upstream as
{up} (ADDR#PORT, e.g. server=/corp.example/{up}); both are substituted
in the files too.  Both daemons get, on their command line:

    -C FILE --no-resolv --server=<the FakeUpstream> --port=<own port>
    --listen-address=127.0.0.1 (dnsmasq also --bind-interfaces)
    --no-hosts unless hosts=True (briskdns only where it knows the key)

dnsmasq runs with -k, --log-facility=- (its log in the work directory),
--log-queries and --pid-file in the work directory, and is killed by PID
at teardown.  briskdns runs through the `daemon` fixture (-d), so a crash
or a sanitizer report fails the test.  briskdns also gets
--aaaa-mode=forward, so AAAA is forwarded as dnsmasq does, unless the
configuration or briskdns_args choose an AAAA behaviour themselves
(aaaa-mode, filter-AAAA, filter-rr).

What compare() holds equal: the rcode, the answer section as a multiset
of (owner, class, type, rdata) -- TTLs are left out, and owner names and
names inside rdata are compared case-insensitively -- and whether the
query reached the upstream (answered locally by one and forwarded by the
other is a difference).  The documented, allowed differences, not
compared unless asked:
  - header bits AA and RA: briskdns never sets AA and always sets RA
    (INTERFACE.md), dnsmasq sets AA on some local answers;
  - the authority section: briskdns puts its own SOA (owner the query
    name, MNAME localhost.) in the empty answers it makes, dnsmasq none
    or its own (compare(..., authority=True) compares the record types);
  - the additional section and EDNS options: briskdns adds the Extended
    DNS Error 17 "Filtered" to its own empty answers when the query had
    EDNS (queries are sent without EDNS unless edns=True).
"""

import os
import shutil
import signal
import subprocess
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype

import bdutil
from bdutil import free_port, make_query, udp_query, udp_raw

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"

_briskdns_keys = None


def briskdns_knows(key):
    """Whether this briskdns has the key (from its --help)."""
    global _briskdns_keys
    if _briskdns_keys is None:
        try:
            r = bdutil.run_briskdns(["--help"])
            text = r.stdout + r.stderr
        except (OSError, subprocess.SubprocessError):
            text = ""
        _briskdns_keys = set()
        for w in text.replace("=", " ").replace(",", " ").split():
            if w.startswith("--"):
                _briskdns_keys.add(w[2:])
    return key in _briskdns_keys


def answer_set(resp):
    """The answer section as a sorted list of (owner, class, type, rdata),
    without TTLs, names lower-cased."""
    out = []
    for rrset in resp.answer:
        for rd in rrset:
            out.append((rrset.name.to_text().lower(),
                        dns.rdataclass.to_text(rrset.rdclass),
                        dns.rdatatype.to_text(rrset.rdtype),
                        rd.to_text().lower()))
    return sorted(out)


def section_types(section):
    return sorted(dns.rdatatype.to_text(rr.rdtype) for rr in section)


class Compared:
    """The two answers of one compare(): .dnsmasq and .briskdns (Message),
    .forwarded ({"dnsmasq": bool, "briskdns": bool})."""

    def __init__(self, name, qtype, dm, bd, forwarded):
        self.name = name
        self.qtype = qtype
        self.dnsmasq = dm
        self.briskdns = bd
        self.forwarded = forwarded

    @property
    def rcode(self):
        return bdutil.rcode_text(self.briskdns)

    @property
    def answers(self):
        return answer_set(self.briskdns) if self.briskdns is not None else []

    def __repr__(self):
        def one(r):
            if r is None:
                return "silence"
            return "%s %r" % (bdutil.rcode_text(r), answer_set(r))
        return "<%s %s: dnsmasq %s%s, briskdns %s%s>" % (
            self.name, self.qtype, one(self.dnsmasq),
            " (forwarded)" if self.forwarded["dnsmasq"] else "",
            one(self.briskdns),
            " (forwarded)" if self.forwarded["briskdns"] else "")


class Pair:
    def __init__(self, workdir, upstream, daemon, procs):
        self.workdir = workdir
        self._upstream = upstream
        self._daemon = daemon
        self._procs = procs
        self.up = None		# the FakeUpstream both forward to
        self.bd = None		# the briskdns Daemon
        self.dm = None		# the dnsmasq Popen
        self.dm_port = None
        self.addr = "127.0.0.1"
        self.conf = None
        n = 0
        while os.path.exists(os.path.join(workdir, "dnsmasq-%d.log" % n)):
            n += 1
        self.dm_log = os.path.join(workdir, "dnsmasq-%d.log" % n)
        self.dm_pid = os.path.join(workdir, "dnsmasq-%d.pid" % n)
        self.conf_name = "compat-%d.conf" % n
        self.dm_argv = [DNSMASQ]

    # -- start ---------------------------------------------------------
    def _subst(self, text):
        return text.replace("{dir}", self.workdir).replace(
            "{up}", self.up.server_arg)

    def _write(self, name, text):
        p = os.path.join(self.workdir, name)
        os.makedirs(os.path.dirname(p), mode=0o755, exist_ok=True)
        with open(p, "w") as f:
            f.write(self._subst(text))
        os.chmod(p, 0o644)
        return p

    def start(self, conf, files=None, hosts=False, dnsmasq_args=(),
              briskdns_args=(), up=None, timeout=5.0):
        open(self.dm_log, "ab").close()
        self.up = up if up is not None else self._upstream()
        for name, text in (files or {}).items():
            if text is None:		# a directory
                os.makedirs(os.path.join(self.workdir, name), mode=0o755,
                            exist_ok=True)
            else:
                self._write(name, text)
        self.conf = self._write(self.conf_name, conf)
        text = self.conf_text = conf
        common = ["--no-resolv", "--server=" + self.up.server_arg]
        nohosts = [] if hosts else ["--no-hosts"]

        bd_args = list(common[1:])
        if not hosts and briskdns_knows("no-hosts"):
            bd_args.append("--no-hosts")
        own = text + "\n" + "\n".join(briskdns_args)
        if not any(k in own for k in ("aaaa-mode", "filter-AAAA",
                                      "filter-rr")):
            bd_args.append("--aaaa-mode=forward")
        bd_args += list(briskdns_args)

        self.dm_port = free_port(self.addr)
        argv = [DNSMASQ, "-k", "-C", self.conf] + common + nohosts + [
            "--port=%d" % self.dm_port, "--listen-address=" + self.addr,
            "--bind-interfaces", "--pid-file=" + self.dm_pid,
            "--log-facility=-", "--log-queries"] + list(dnsmasq_args)
        self.dm_argv = argv
        logf = open(self.dm_log, "ab")
        self.dm = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                   stdout=logf, stderr=logf)
        logf.close()
        self._procs.append(self.dm)
        self._wait_dnsmasq(timeout)
        self.bd = self._daemon(*bd_args, conf=self.conf)
        return self

    def _wait_dnsmasq(self, timeout):
        """Until dnsmasq answers a CHAOS query (any answer: it is up)."""
        q = dns.message.make_query("version.bind.", "TXT", "CH",
                                   use_edns=False)
        end = time.monotonic() + timeout
        while True:
            rc = self.dm.poll()
            assert rc is None, "dnsmasq exited with %d at start: %s\n%s" % (
                rc, " ".join(self.dm_argv), self.dnsmasq_text())
            b, _ = udp_raw(self.dm_port, q.to_wire(), self.addr, 0.1,
                           want_id=q.id)
            if b is not None and len(b) >= 4 and b[2] & 0x80:
                return
            assert time.monotonic() < end, \
                "dnsmasq not answering after %.1fs: %s\n%s" % (
                    timeout, " ".join(self.dm_argv), self.dnsmasq_text())

    def dnsmasq_text(self):
        try:
            with open(self.dm_log, "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def stop(self):
        """dnsmasq by PID (SIGTERM, then SIGKILL); briskdns is stopped
        by the daemon fixture."""
        if self.dm is not None and self.dm.poll() is None:
            self.dm.send_signal(signal.SIGTERM)
            try:
                self.dm.wait(3)
            except subprocess.TimeoutExpired:
                self.dm.kill()
                self.dm.wait()

    # -- queries -------------------------------------------------------
    def query_dnsmasq(self, name, qtype="A", timeout=2.0, **kw):
        return udp_query(self.dm_port, make_query(name, qtype, **kw),
                         self.addr, timeout)[0]

    def query_briskdns(self, name, qtype="A", timeout=2.0, **kw):
        return self.bd.q(name, qtype, timeout, **kw)[0]

    def upstream_saw(self, name, qtype=None):
        """How many queries for name (any letter case) reached the
        upstream, from either daemon."""
        return len(self.up.queries(name, qtype))

    def ask(self, name, qtype="A", timeout=2.0, **kw):
        """Both answers, not compared: a Compared."""
        fwd = {}
        before = self.upstream_saw(name)
        dm = self.query_dnsmasq(name, qtype, timeout, **kw)
        mid = self.upstream_saw(name)
        fwd["dnsmasq"] = mid > before
        bd = self.query_briskdns(name, qtype, timeout, **kw)
        fwd["briskdns"] = self.upstream_saw(name) > mid
        return Compared(name, qtype, dm, bd, fwd)

    def compare(self, name, qtype="A", authority=False, forwarding=True,
                timeout=2.0, **kw):
        """Send the same query to both; assert the same rcode, the same
        answer records (TTLs aside) and, unless forwarding=False, that
        both forwarded it or both answered it themselves.  authority=True
        also compares the authority section's record types.  Returns the
        Compared."""
        r = self.ask(name, qtype, timeout, **kw)
        assert r.dnsmasq is not None, "dnsmasq did not answer: %r\n%s" % (
            r, self.dnsmasq_text())
        assert r.briskdns is not None, "briskdns did not answer: %r" % r
        assert r.dnsmasq.rcode() == r.briskdns.rcode(), \
            "rcode differs: %r" % r
        assert answer_set(r.dnsmasq) == answer_set(r.briskdns), \
            "answers differ: %r" % r
        if forwarding:
            assert r.forwarded["dnsmasq"] == r.forwarded["briskdns"], \
                "one forwarded, the other did not: %r" % r
        if authority:
            assert section_types(r.dnsmasq.authority) == \
                section_types(r.briskdns.authority), \
                "authority differs: %r\ndnsmasq:\n%s\nbriskdns:\n%s" % (
                    r, r.dnsmasq, r.briskdns)
        return r
