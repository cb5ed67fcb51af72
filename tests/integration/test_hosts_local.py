"""Hosts files and local records, answered as dnsmasq 2.90 answers them.

dnsmasq and briskdns run side by side on loopback with the same
configuration file (a hosts file of the test's through addn-hosts, never
the machine's /etc/hosts: no-hosts), the same records (host-record,
cname, txt-record, ptr-record, srv-host, mx-host, domain with
expand-hosts) and the same fake upstream; the same queries go to both and
the rcode and answer sections (owner, type, TTL, data, as sets: dnsmasq
rotates addresses) must be equal.  dnsmasq gets --local-ttl=60, briskdns's
default, so that TTLs compare too; briskdns gets aaaa-mode=forward, where
dnsmasq forwards an AAAA query for a name that has only A records.

Then what is briskdns's own: local data wins over aaaa-mode=empty, SIGHUP
reads the files again, hostsdir= picks up new, changed and removed files
without a signal (waiting for the log line, never sleeping), bad lines are
logged and skipped, and /etc/hosts is read unless no-hosts (a private file
bind-mounted over it in a mount namespace of the test's, root only).
"""

import os
import shutil
import signal
import subprocess
import time

import dns.rcode
import dns.rdatatype
import pytest

import bdutil

pytestmark = pytest.mark.skipif(shutil.which("dnsmasq") is None,
                                reason="needs dnsmasq (Debian package dnsmasq)")

HOSTS = """\
# a hosts file as people write them
10.0.0.1 alpha alpha.example.com alias1   # trailing comment
10.0.0.2\talpha beta
2001:db8::1 alpha six
10.0.0.3 Upper.Case dotend.
10.0.0.2 gamma
fe80::1%eth0 scoped
999.1.1.1 bogus
bad line here
10.0.0.9
0.0.0.0 blocked.example
:: blocked6.example
10.0.0.5 x.example.com y z
10.0.0.5 w
127.0.1.1 debhost
"""

CONF = """\
no-resolv
no-hosts
addn-hosts={hosts}
domain=lan
expand-hosts
host-record=hr.example,hr2.example,192.0.2.7,2001:db8::7,300
host-record=hr3.example,192.0.2.8
cname=cn.example,alpha
cname=cn2.example,cn.example
cname=cnext.example,external.example
cname=cnttl.example,hr.example,30
txt-record=txt.example,"hello world","second"
txt-record=txt.example,"third"
txt-record=txtcomma.example,"a, b"
ptr-record=ptr.example,target.example
ptr-record=9.9.9.10.in-addr.arpa,ptrrec.example
srv-host=_ldap._tcp.example.com,ldapserver.example.com,389,1,2
srv-host=_x._tcp.example.com
srv-host=_short._udp,sip.example,5060
mx-host=mx.example,mail.example,5
mx-host=mx.example,mail2.example
mx-host=mx2.example
mx-target=hub.example
"""

# (name, type): every one is asked of both.
QUERIES = [
    # addresses, letter case, expand-hosts
    ("alpha", "A"), ("ALPHA.Lan", "A"), ("alpha.lan", "AAAA"),
    ("alpha", "ANY"), ("beta", "A"), ("beta.lan", "A"), ("gamma.lan", "A"),
    ("alpha.example.com", "A"), ("alias1", "A"), ("six", "AAAA"),
    ("upper.case", "A"), ("dotend", "A"), ("blocked.example", "A"),
    ("blocked6.example", "AAAA"), ("w.lan", "A"), ("hr.example", "A"),
    ("hr2.example", "AAAA"), ("hr3.example", "A"),
    # reverse: the first name of the first line; expanded when plain
    ("2.0.0.10.in-addr.arpa", "PTR"), ("1.0.0.10.in-addr.arpa", "PTR"),
    ("5.0.0.10.in-addr.arpa", "PTR"), ("0.0.0.0.in-addr.arpa", "PTR"),
    ("7.2.0.192.in-addr.arpa", "PTR"), ("8.2.0.192.in-addr.arpa", "PTR"),
    ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
     "ip6.arpa", "PTR"),
    ("7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
     "ip6.arpa", "PTR"),
    ("9.9.9.10.in-addr.arpa", "PTR"),
    # a loopback reverse name a hosts file has (Debian's 127.0.1.1)
    ("1.1.0.127.in-addr.arpa", "PTR"), ("debhost", "A"),
    # CNAME chains, to local names and beyond
    ("cn.example", "A"), ("cn2.example", "AAAA"), ("cn2.example", "A"),
    ("cn.example", "TXT"), ("cn2.example", "CNAME"), ("cnext.example", "A"),
    ("cnttl.example", "A"),
    # other records
    ("txt.example", "TXT"), ("txtcomma.example", "TXT"),
    ("ptr.example", "PTR"), ("_ldap._tcp.example.com", "SRV"),
    ("_x._tcp.example.com", "SRV"), ("_short._udp.lan", "SRV"),
    ("mx.example", "MX"), ("mx2.example", "MX"),
    # not answered locally: forwarded by both
    ("nothere.example", "A"), ("nothere.lan", "A"), ("alpha", "MX"),
    ("alpha", "TXT"), ("six", "A"), ("blocked.example", "AAAA"),
    ("txt.example", "A"), ("mx.example", "A"), ("scoped", "AAAA"),
    ("bogus", "A"), ("alpha.example.com.lan", "A"),
    ("3.0.0.10.in-addr.arpa", "PTR"), ("1.0.0.10.in-addr.arpa", "A"),
]


def start_dnsmasq(workdir, conf, upstream, procs):
    port = bdutil.free_port()
    log = os.path.join(workdir, "dnsmasq.log")
    argv = ["dnsmasq", "-k", "-C", conf, "--no-resolv", "--no-hosts",
            "--port=%d" % port, "--listen-address=127.0.0.1",
            "--bind-interfaces", "--local-ttl=60",
            "--pid-file=" + os.path.join(workdir, "dnsmasq.pid"),
            "--server=" + upstream.server_arg, "--log-facility=" + log]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    procs.append(p)

    def up():
        assert p.poll() is None, "dnsmasq exited: %s" % p.stderr.read()
        return bdutil.udp_query(port, bdutil.make_query("alpha"),
                                timeout=0.1)[0] is not None
    assert bdutil.wait_for(up, 5.0), "dnsmasq does not answer"
    return port


def answer_set(resp):
    out = set()
    for rrset in resp.answer:
        for rd in rrset:
            out.add((rrset.name.to_text().lower(),
                     dns.rdatatype.to_text(rrset.rdtype), rrset.ttl,
                     rd.to_text().lower()))
    return out


def summary(resp):
    if resp is None:
        return "no answer"
    return "%s %s" % (dns.rcode.to_text(resp.rcode()),
                      sorted(answer_set(resp)))


@pytest.fixture
def pair(workdir, write_file, daemon, upstream, procs):
    """(briskdns, dnsmasq port, upstream) with the same files."""
    up = upstream()
    up.a = ["192.0.2.200"]
    up.aaaa = ["2001:db8::200"]
    up.ttl = 3600
    hosts = write_file("hosts", HOSTS)
    conf = write_file("both.conf", CONF.format(hosts=hosts))
    dport = start_dnsmasq(workdir, conf, up, procs)
    bd = daemon("--aaaa-mode=forward", servers=[up], conf=conf)
    return bd, dport, up


def test_same_answers_as_dnsmasq(pair):
    bd, dport, up = pair
    diffs = []
    for name, rdtype in QUERIES:
        want = bdutil.udp_query(dport, bdutil.make_query(name, rdtype))[0]
        got = bd.q(name, rdtype)[0]
        if (want.rcode() != got.rcode() or
                answer_set(want) != answer_set(got)):
            diffs.append("%s %s:\n  dnsmasq  %s\n  briskdns %s" %
                         (name, rdtype, summary(want), summary(got)))
    assert not diffs, "\n".join(diffs)


def test_local_answers_are_not_forwarded(pair):
    bd, dport, up = pair
    up.clear()
    for name, rdtype in [("alpha", "A"), ("cn2.example", "AAAA"),
                         ("2.0.0.10.in-addr.arpa", "PTR"),
                         ("mx.example", "MX"), ("txt.example", "TXT")]:
        r = bd.q(name, rdtype)[0]
        assert r.rcode() == 0 and r.answer, (name, rdtype)
        # RA set, AA clear: briskdns is no authority (dnsmasq sets AA).
        assert r.flags & dns.flags.RA and not r.flags & dns.flags.AA
    assert up.queries() == []
    r = bd.q("alpha", "MX")[0]
    assert up.queries("alpha.", "MX")


def test_edns_and_tcp(pair):
    bd, dport, up = pair
    r = bd.q("alpha", "A", edns=True)[0]
    assert r.edns >= 0 and sorted(bdutil.a_addrs(r)) == ["10.0.0.1",
                                                          "10.0.0.2"]
    r = bd.qtcp("Cn2.Example", "AAAA")[0]
    assert [x.name.to_text() for x in r.answer][0] == "Cn2.Example."
    assert answer_set(r) == {
        ("cn2.example.", "CNAME", 60, "cn.example."),
        ("cn.example.", "CNAME", 60, "alpha."),
        ("alpha.", "AAAA", 60, "2001:db8::1")}


def test_local_data_wins_over_aaaa_mode(workdir, write_file, daemon,
                                        upstream):
    """An IPv6 address in a hosts file is an answer the host wants."""
    up = upstream()
    hosts = write_file("hosts", "2001:db8::5 v6host\n10.0.0.5 v4only\n")
    bd = daemon("--no-hosts", "--addn-hosts=" + hosts, servers=[up])
    r = bd.q("v6host", "AAAA")[0]
    assert [x.to_text() for x in r.answer[0]] == ["2001:db8::5"]
    # A name with only A records: AAAA follows aaaa-mode (empty here).
    r = bd.q("v4only", "AAAA")[0]
    assert r.rcode() == 0 and not r.answer and r.authority
    assert up.queries() == []


def test_sighup_reads_the_files_again(workdir, write_file, daemon, upstream):
    up = upstream()
    up.a = ["192.0.2.200"]
    hosts = write_file("hosts", "10.1.0.1 host-one\n")
    bd = daemon("--no-hosts", "--addn-hosts=" + hosts, servers=[up])
    assert bdutil.a_addrs(bd.q("host-one")[0]) == ["10.1.0.1"]
    write_file("hosts", "10.1.0.2 host-one\n10.1.0.3 host-two\n")
    off = len(bd.log())
    bd.signal(signal.SIGHUP)
    assert bd.wait_log("configuration reloaded", 3.0, off), bd.log()[off:]
    assert bdutil.a_addrs(bd.q("host-one")[0]) == ["10.1.0.2"]
    assert bdutil.a_addrs(bd.q("host-two")[0]) == ["10.1.0.3"]
    write_file("hosts", "")
    off = len(bd.log())
    bd.signal(signal.SIGHUP)
    assert bd.wait_log("configuration reloaded", 3.0, off)
    assert bdutil.a_addrs(bd.q("host-two")[0]) == ["192.0.2.200"]	# forwarded


def test_hostsdir_follows_files(workdir, write_file, daemon, upstream):
    up = upstream()
    up.a = ["192.0.2.200"]
    d = os.path.join(workdir, "hosts.d")
    os.mkdir(d)
    os.chmod(d, 0o755)
    write_file("hosts.d/first", "10.2.0.1 first-host\n")
    bd = daemon("--no-hosts", "--hostsdir=" + d, servers=[up])
    assert bdutil.a_addrs(bd.q("first-host")[0]) == ["10.2.0.1"]

    # A new file: read without a signal.
    off = len(bd.log())
    write_file("hosts.d/second", "10.2.0.2 second-host\n")
    assert bd.wait_log(r"hostsdir: 2 names", 3.0, off), bd.log()[off:]
    assert bdutil.a_addrs(bd.q("second-host")[0]) == ["10.2.0.2"]
    # A changed file.
    off = len(bd.log())
    write_file("hosts.d/second", "10.2.0.3 second-host\n")
    assert bd.wait_log(r"hostsdir: 2 names", 3.0, off)
    assert bdutil.a_addrs(bd.q("second-host")[0]) == ["10.2.0.3"]
    # A removed file: its names go (as in dnsmasq).
    off = len(bd.log())
    os.unlink(os.path.join(d, "first"))
    assert bd.wait_log(r"hostsdir: 1 names", 3.0, off)
    assert bdutil.a_addrs(bd.q("first-host")[0]) == ["192.0.2.200"]
    # Still watched after SIGHUP.
    off = len(bd.log())
    bd.signal(signal.SIGHUP)
    assert bd.wait_log("configuration reloaded", 3.0, off)
    off = len(bd.log())
    write_file("hosts.d/third", "10.2.0.4 third-host\n")
    assert bd.wait_log(r"hostsdir: 2 names", 3.0, off)
    assert bdutil.a_addrs(bd.q("third-host")[0]) == ["10.2.0.4"]


def test_bad_lines_are_logged_and_skipped(workdir, write_file, daemon):
    hosts = write_file("hosts", "10.3.0.1 good-one\n999.1.1.1 bad\n"
                       "fe80::1%eth0 scoped\n" + "x" * 5000 + "\n"
                       "10.3.0.2 good-two\n\0\n10.3.0.3 good-three")
    bd = daemon("--no-hosts", "--addn-hosts=" + hosts)
    log = bd.log()
    assert "bad address at %s line 2" % hosts in log
    assert "bad address at %s line 3" % hosts in log
    assert "line too long at %s line 4" % hosts in log
    for n, a in [("good-one", "10.3.0.1"), ("good-two", "10.3.0.2"),
                 ("good-three", "10.3.0.3")]:
        assert bdutil.a_addrs(bd.q(n)[0]) == [a]
    # A file that cannot be read is logged; briskdns still starts.
    bd2 = daemon("--no-hosts", "--addn-hosts=" + hosts + ".missing")
    assert "failed to load names from %s.missing" % hosts in bd2.log()


@pytest.mark.root
def test_etc_hosts_read_unless_no_hosts(workdir, write_file, procs,
                                        upstream):
    """/etc/hosts by default: a private file bind-mounted over it in a
    mount namespace of the test's, so the machine's file is never used."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux)")
    up = upstream()
    up.a = ["192.0.2.200"]
    fake = write_file("etc-hosts", "10.4.0.1 from-etc-hosts\n")
    empty = write_file("empty.conf", "")
    results = {}
    for extra in ([], ["--no-hosts"]):
        port = bdutil.free_port()
        log = os.path.join(workdir, "etc-%d.log" % port)
        argv = [bdutil.BRISKDNS, "-d", "-C", empty, "--no-resolv",
                "--port=%d" % port, "--listen-address=127.0.0.1",
                "--server=" + up.server_arg] + extra
        sh = "mount --bind %s /etc/hosts && exec \"$@\"" % fake
        with open(log, "wb") as lf:
            p = subprocess.Popen(["unshare", "--mount", "--propagation",
                                  "private", "sh", "-c", sh, "sh"] + argv,
                                 stdin=subprocess.DEVNULL, stdout=lf,
                                 stderr=lf)
        procs.append(p)

        def ready():
            return p.poll() is not None or bdutil.udp_query(
                port, bdutil.make_query("x.example"),
                timeout=0.1)[0] is not None
        assert bdutil.wait_for(ready, 5.0) and p.poll() is None, \
            open(log).read()
        results[bool(extra)] = bdutil.a_addrs(bdutil.udp_query(
            port, bdutil.make_query("from-etc-hosts"))[0])
        p.send_signal(signal.SIGTERM)
        p.wait(5)
    assert results[False] == ["10.4.0.1"]
    assert results[True] == ["192.0.2.200"]		# forwarded


def test_load_time_against_dnsmasq(workdir, write_file, daemon, procs):
    """A 100,000-line blocklist: briskdns answers sooner than dnsmasq (the
    1M-line figures are in the report; this keeps the suite short)."""
    n = 100000
    lines = "".join("0.0.0.0 blocked%d-%x.example\n" % (i, i * 7919 % 65521)
                    for i in range(n))
    hosts = write_file("big", lines)
    last = "blocked%d-%x.example" % (n - 1, (n - 1) * 7919 % 65521)
    conf = write_file("big.conf", "addn-hosts=%s\n" % hosts)

    def first_answer(argv, port):
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        procs.append(p)

        def answered():
            try:
                r = bdutil.udp_query(port, bdutil.make_query(last),
                                     timeout=0.05)[0]
                return r is not None and bool(r.answer)
            except Exception:
                return False
        assert bdutil.wait_for(answered, 30.0, 0.005)
        t = time.monotonic() - t0
        p.send_signal(signal.SIGTERM)
        p.wait(5)
        return t

    dp, bp = bdutil.free_port(), bdutil.free_port()
    td = first_answer(["dnsmasq", "-k", "-C", conf, "--no-resolv",
                       "--no-hosts", "--port=%d" % dp,
                       "--listen-address=127.0.0.1", "--bind-interfaces",
                       "--pid-file=" + os.path.join(workdir, "d.pid")], dp)
    tb = first_answer([bdutil.BRISKDNS, "-d", "-C", conf, "--no-resolv",
                       "--no-hosts", "--port=%d" % bp,
                       "--listen-address=127.0.0.1"], bp)
    print("first answer, %d lines: dnsmasq %.3f s, briskdns %.3f s" %
          (n, td, tb))
    assert tb < td


@pytest.mark.root
def test_localise_queries_like_dnsmasq(netns, workdir, write_file, daemon,
                                       procs):
    """localise-queries: a name with an address on each of two subnets;
    a query to an address on one subnet gets that subnet's address, one to
    loopback gets both; dnsmasq 2.90 beside briskdns in a namespace."""
    ns = netns()
    for i, link in enumerate(("d0", "d1")):
        ns.ip("link", "add", link, "type", "veth", "peer", "name",
              link + "p")
        ns.ip("addr", "add", "10.89.%d.1/24" % (i + 1), "dev", link)
        ns.ip("link", "set", link, "up")
        ns.ip("link", "set", link + "p", "up")
    hosts = write_file("hosts", "10.89.1.5 srv\n10.89.2.5 srv\n"
                       "192.0.2.9 other\n10.89.1.9 other\n")
    conf = write_file("l.conf", "no-resolv\nno-hosts\naddn-hosts=%s\n"
                      "localise-queries\n" % hosts)
    port = bdutil.free_port("127.0.0.1", ns.name)
    listen = ["--listen-address=10.89.1.1", "--listen-address=10.89.2.1",
              "--listen-address=127.0.0.1"]
    log = os.path.join(workdir, "dnsmasq-l.log")
    with open(log, "ab") as lf:
        p = subprocess.Popen(["dnsmasq", "-k", "-C", conf, "--port=%d" % port,
                              "--bind-interfaces", "--log-facility=-",
                              "--pid-file=" + os.path.join(workdir, "l.pid")]
                             + listen, stdin=subprocess.DEVNULL, stdout=lf,
                             stderr=lf, preexec_fn=ns.enter())
    procs.append(p)
    bport = bdutil.free_port("127.0.0.1", ns.name)
    bd = daemon(*listen[:2], conf=conf, netns=ns, addr="127.0.0.1",
                port=bport)

    def ask(port, dst, name):
        r, _ = bdutil.udp_query(port, bdutil.make_query(name), dst, 1.0,
                                ns.name)
        return None if r is None else sorted(bdutil.a_addrs(r))

    assert bdutil.wait_for(lambda: ask(port, "127.0.0.1", "srv"), 5.0), \
        open(log).read()
    want = {("10.89.1.1", "srv"): ["10.89.1.5"],
            ("10.89.2.1", "srv"): ["10.89.2.5"],
            ("127.0.0.1", "srv"): ["10.89.1.5", "10.89.2.5"],
            ("10.89.2.1", "other"): ["10.89.1.9", "192.0.2.9"],
            ("10.89.1.1", "other"): ["10.89.1.9"]}
    for (dst, name), addrs in want.items():
        assert ask(port, dst, name) == addrs, ("dnsmasq", dst, name)
        assert ask(bd.port, dst, name) == addrs, ("briskdns", dst, name)
