"""The same configuration, the same answers: dnsmasq 2.90 beside briskdns
(issue 9).

Each test starts both daemons with one configuration text (the `pair`
fixture, compat.py), sends the same queries to both and compares rcode,
answer records (TTLs aside) and whether the query was answered locally or
forwarded.  Areas: local data (local, address, server=/D/ forms,
host-record, cname, txt-record, srv-host, mx-host, ptr-record, domain
with expand-hosts), hosts files (addn-hosts, hostsdir), blocking (a
Pi-hole style conf-dir and gravity list), domain-needed, bogus-priv,
bogus-nxdomain, ignore-address, rebind protection.

Every case also states what dnsmasq does (its rcode, and whether it
forwarded), checked against dnsmasq's answer, so that a case cannot pass
by both daemons doing something other than the case is about.  All
mismatches of a test are reported together.
"""

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

from compat import answer_set

pytestmark = pytest.mark.root

NX, OK = "NXDOMAIN", "NOERROR"
LOCAL, FWD = False, True


def answer_with(up, table):
    """The upstream answers A queries for the names in table (name ->
    [addresses]) with those; other names as usual."""
    def responder(rq):
        if rq.msg is None or not rq.msg.question or rq.qtype != 1:
            return None
        q = rq.msg.question[0]
        addrs = table.get(q.name.to_text().lower())
        if addrs is None:
            return None
        r = dns.message.make_response(rq.msg)
        r.flags |= dns.flags.RA
        r.answer.append(dns.rrset.from_text_list(q.name, 300, "IN", "A",
                                                 addrs))
        return [(0, r.to_wire(), "main")]
    up.responder = responder


def check(p, cases):
    """cases: (name, qtype, dnsmasq's rcode, dnsmasq forwarded?[, text
    in one of dnsmasq's answer records]).  Every case: dnsmasq does what
    the case says, and briskdns answers the same."""
    bad = []
    for case in cases:
        name, qtype, rcode, fwd = case[:4]
        want = case[4] if len(case) > 4 else None
        r = p.ask(name, qtype)
        dm, bd = r.dnsmasq, r.briskdns
        if dm is None or dns.rcode.to_text(dm.rcode()) != rcode or \
                r.forwarded["dnsmasq"] != fwd or (
                    want is not None and
                    not any(want.lower() in " ".join(a).lower()
                            for a in answer_set(dm))):
            bad.append("the case is wrong about dnsmasq: %r (case %r)"
                       % (r, case))
            continue
        if bd is None:
            bad.append("briskdns did not answer: %r" % r)
        elif dm.rcode() != bd.rcode():
            bad.append("rcode differs: %r" % r)
        elif answer_set(dm) != answer_set(bd):
            bad.append("answers differ: %r" % r)
        elif r.forwarded["dnsmasq"] != r.forwarded["briskdns"]:
            bad.append("one forwarded, the other did not: %r" % r)
    assert not bad, "%d of %d differ:\n%s" % (len(bad), len(cases),
                                            "\n".join(bad))


# ---- local data -------------------------------------------------------------
LOCAL_CONF = """\
local=/lan/
address=/ads.example/0.0.0.0
address=/six.example/::
address=/nx.example/
server=/only.example/
server=/hash.example/#
server=/corp.example/{up}
host-record=router.lan,192.168.1.1,fd00::1
cname=alias.lan,router.lan
txt-record=txt.lan,"hello world"
srv-host=_ldap._tcp.lan,ldap.lan,389
mx-host=lan,mail.lan,10
ptr-record=printer._ipp._tcp.lan,printer.lan
"""


def test_local_data(pair):
    p = pair(LOCAL_CONF)
    check(p, [
        # local=/lan/: local data only, NXDOMAIN otherwise
        ("nothing.lan.", "A", NX, LOCAL),
        ("nothing.lan.", "AAAA", NX, LOCAL),
        ("deep.nothing.lan.", "TXT", NX, LOCAL),
        # address=/D/0.0.0.0: the domain and below; A only, other types
        # go upstream (dnsmasq 2.86 and later)
        ("ads.example.", "A", OK, LOCAL, "0.0.0.0"),
        ("sub.ads.example.", "A", OK, LOCAL, "0.0.0.0"),
        ("Sub.ADS.example.", "A", OK, LOCAL, "0.0.0.0"),
        ("ads.example.", "AAAA", OK, FWD),
        ("ads.example.", "MX", OK, FWD),
        ("notads.example.", "A", OK, FWD),
        # address=/D/:: blocks AAAA only
        ("six.example.", "AAAA", OK, LOCAL, "::"),
        ("six.example.", "A", OK, FWD),
        # address=/D/ (no address): NXDOMAIN for every type
        ("nx.example.", "A", NX, LOCAL),
        ("x.nx.example.", "AAAA", NX, LOCAL),
        # server=/D/ without address: local only
        ("x.only.example.", "A", NX, LOCAL),
        # server=/D/#: the ordinary servers
        ("x.hash.example.", "A", OK, FWD),
        # server=/D/ADDR
        ("www.corp.example.", "A", OK, FWD),
        # host-record: A, AAAA and both PTRs
        ("router.lan.", "A", OK, LOCAL, "192.168.1.1"),
        ("router.lan.", "AAAA", OK, LOCAL, "fd00::1"),
        ("router.lan.", "MX", OK, LOCAL),
        ("1.1.168.192.in-addr.arpa.", "PTR", OK, LOCAL, "router.lan."),
        ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
         "d.f.ip6.arpa.", "PTR", OK, LOCAL, "router.lan."),
        # cname: the CNAME and the target's records
        ("alias.lan.", "A", OK, LOCAL, "cname"),
        ("txt.lan.", "TXT", OK, LOCAL, "hello world"),
        ("_ldap._tcp.lan.", "SRV", OK, LOCAL, "389 ldap.lan."),
        ("lan.", "MX", OK, LOCAL, "mail.lan."),
        ("printer._ipp._tcp.lan.", "PTR", OK, LOCAL, "printer.lan."),
    ])


def test_ptr_record_service_instance(pair):
    """A DNS-SD service instance name has spaces in its first label
    (dnsmasq's own ptr-record example)."""
    p = pair('ptr-record=_http._tcp.dns-sd-services,'
             '"New Fast Zone Report (Mobile)._http._tcp.dns-sd-services"\n')
    check(p, [
        ("_http._tcp.dns-sd-services.", "PTR", OK, LOCAL,
         "new\\032fast\\032zone"),
    ])


def test_address_hash_blocks_everything(pair):
    """address=/#/ADDR answers every A query not covered by a more
    specific rule; server=/D/ADDR still forwards D."""
    p = pair("address=/#/0.0.0.0\nserver=/allowed.example/{up}\n")
    check(p, [
        ("anything.example.", "A", OK, LOCAL, "0.0.0.0"),
        ("www.allowed.example.", "A", OK, FWD, "192.0.2.1"),
    ])


# ---- hosts files -----------------------------------------------------------
HOSTS = """\
# the LAN's hosts
192.168.1.7	printer printer.lan
192.168.1.8	nas
fd00::8	nas
10.9.9.9	Mixed.Case.example
0.0.0.0 ad.example.com
"""


def test_hosts(pair):
    p = pair("addn-hosts={dir}/lan.hosts\n", files={"lan.hosts": HOSTS})
    check(p, [
        ("printer.", "A", OK, LOCAL, "192.168.1.7"),
        ("printer.lan.", "A", OK, LOCAL, "192.168.1.7"),
        ("PRINTER.lan.", "A", OK, LOCAL, "192.168.1.7"),
        ("nas.", "A", OK, LOCAL, "192.168.1.8"),
        ("nas.", "AAAA", OK, LOCAL, "fd00::8"),
        ("mixed.case.example.", "A", OK, LOCAL, "10.9.9.9"),
        ("7.1.168.192.in-addr.arpa.", "PTR", OK, LOCAL, "printer"),
        ("8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
         "d.f.ip6.arpa.", "PTR", OK, LOCAL, "nas."),
        # a hosts name without an IPv6 address: AAAA goes upstream
        ("ad.example.com.", "A", OK, LOCAL, "0.0.0.0"),
        ("ad.example.com.", "AAAA", OK, FWD),
        ("not-in-hosts.example.", "A", OK, FWD),
    ])


def test_hosts_expand_domain(pair):
    """domain= with expand-hosts: plain hosts names also under the
    domain; local=/lan/ keeps the rest of lan. here."""
    p = pair("addn-hosts={dir}/lan.hosts\ndomain=lan\nexpand-hosts\n"
             "local=/lan/\n", files={"lan.hosts": HOSTS})
    check(p, [
        ("nas.lan.", "A", OK, LOCAL, "192.168.1.8"),
        ("nas.lan.", "AAAA", OK, LOCAL, "fd00::8"),
        ("printer.lan.", "AAAA", OK, LOCAL),
        ("nothing.lan.", "A", NX, LOCAL),
        ("8.1.168.192.in-addr.arpa.", "PTR", OK, LOCAL, "nas"),
    ])


def test_hostsdir(pair):
    p = pair("hostsdir={dir}/hosts.d\n",
             files={"hosts.d/a": "192.0.2.31 alpha.example\n",
                    "hosts.d/b": "192.0.2.32 beta.example\n"})
    check(p, [
        ("alpha.example.", "A", OK, LOCAL, "192.0.2.31"),
        ("beta.example.", "A", OK, LOCAL, "192.0.2.32"),
        ("gamma.example.", "A", OK, FWD),
    ])


# ---- blocking (Pi-hole style) ----------------------------------------------
def test_blocklist(pair):
    p = pair("conf-dir={dir}/dnsmasq.d/,*.conf\n"
             "addn-hosts={dir}/gravity.list\n",
             files={
                 "dnsmasq.d/01-block.conf":
                     "address=/doubleclick.example/0.0.0.0\n"
                     "address=/doubleclick.example/::\n"
                     "address=/tracker.example/0.0.0.0\n"
                     "address=/gone.example/\n",
                 "dnsmasq.d/02-forward.conf":
                     "server=/lan/{up}\nserver=/onion/\n",
                 "dnsmasq.d/README": "not a configuration file\n",
                 "gravity.list":
                     "0.0.0.0 banner.example\n0.0.0.0 pixel.example\n"
                     ":: pixel.example\n",
             })
    check(p, [
        ("ad.doubleclick.example.", "A", OK, LOCAL, "0.0.0.0"),
        ("ad.doubleclick.example.", "AAAA", OK, LOCAL, "::"),
        ("tracker.example.", "A", OK, LOCAL, "0.0.0.0"),
        ("x.gone.example.", "A", NX, LOCAL),
        ("banner.example.", "A", OK, LOCAL, "0.0.0.0"),
        ("pixel.example.", "AAAA", OK, LOCAL, "::"),
        ("www.banner.example.", "A", OK, FWD),
        ("nas.lan.", "A", OK, FWD),
        ("hidden.onion.", "A", NX, LOCAL),
        ("fine.example.", "A", OK, FWD),
    ])


# ---- domain-needed, bogus-priv -----------------------------------------------
def test_domain_needed(pair):
    """Plain names' A and AAAA stay here (other types still go
    upstream); without domain-needed they go upstream."""
    p = pair("domain-needed\n")
    check(p, [
        ("plainname.", "A", NX, LOCAL),
        ("plainname.", "AAAA", NX, LOCAL),
        ("plainname.", "MX", OK, FWD),
        ("with.dot.example.", "A", OK, FWD),
    ])
    p = pair("cache-size=100\n")
    check(p, [
        ("otherplain.", "A", OK, FWD),
    ])


def test_bogus_priv(pair):
    p = pair("bogus-priv\n")
    check(p, [
        ("5.1.168.192.in-addr.arpa.", "PTR", NX, LOCAL),
        ("5.0.0.10.in-addr.arpa.", "PTR", NX, LOCAL),
        ("5.0.16.172.in-addr.arpa.", "PTR", NX, LOCAL),
        ("8.8.8.8.in-addr.arpa.", "PTR", OK, FWD),
    ])


def test_bogus_priv_rev_server(pair):
    """A private range given a server (rev-server) is forwarded there
    despite bogus-priv."""
    p = pair("bogus-priv\nrev-server=10.0.0.0/8,{up}\n")
    check(p, [
        ("5.0.0.10.in-addr.arpa.", "PTR", OK, FWD),
        ("5.1.168.192.in-addr.arpa.", "PTR", NX, LOCAL),
    ])


def test_bogus_nxdomain(pair):
    p = pair("bogus-nxdomain=198.51.100.99\n")
    answer_with(p.up, {"bogus.example.": ["198.51.100.99"],
                       "mixed.example.": ["198.51.100.99", "192.0.2.8"],
                       "good.example.": ["192.0.2.9"]})
    check(p, [
        ("bogus.example.", "A", NX, FWD),
        ("mixed.example.", "A", NX, FWD),
        ("good.example.", "A", OK, FWD, "192.0.2.9"),
    ])


def test_ignore_address(pair):
    """An answer carrying an ignored address is dropped and the real one
    that follows is taken (a captive portal's injected answer)."""
    p = pair("ignore-address=198.51.100.66\n")
    real = {}

    def responder(rq):
        if rq.msg is None or not rq.msg.question or rq.qtype != 1:
            return None
        q = rq.msg.question[0]
        out = []
        for delay, addr in ((0, "198.51.100.66"), (0.2, "192.0.2.44")):
            r = dns.message.make_response(rq.msg)
            r.flags |= dns.flags.RA
            r.answer.append(dns.rrset.from_text_list(q.name, 300, "IN", "A",
                                                     [addr]))
            out.append((delay, r.to_wire(), "main"))
        real[q.name.to_text()] = True
        return out
    p.up.responder = responder
    check(p, [
        ("portal.example.", "A", OK, FWD, "192.0.2.44"),
    ])


# ---- rebind protection -------------------------------------------------------
REBIND = {"private.example.": ["192.168.1.5"],
          "ten.example.": ["10.1.1.1"],
          "loop.example.": ["127.0.0.1"],
          "zero.example.": ["0.0.0.0"],
          "x.plex.direct.": ["10.1.2.3"],
          "public.example.": ["93.184.215.14"]}


def test_stop_dns_rebind(pair):
    p = pair("stop-dns-rebind\n")
    answer_with(p.up, REBIND)
    check(p, [
        ("private.example.", "A", OK, FWD),
        ("ten.example.", "A", OK, FWD),
        ("loop.example.", "A", OK, FWD),
        ("zero.example.", "A", OK, FWD),
        ("public.example.", "A", OK, FWD, "93.184.215.14"),
    ])
    # dnsmasq drops the private addresses: nothing is left of them.
    assert p.ask("private.example.").dnsmasq.answer == []


def test_rebind_exceptions(pair):
    p = pair("stop-dns-rebind\nrebind-localhost-ok\n"
             "rebind-domain-ok=/plex.direct/\n")
    answer_with(p.up, REBIND)
    check(p, [
        ("private.example.", "A", OK, FWD),
        ("loop.example.", "A", OK, FWD, "127.0.0.1"),
        ("zero.example.", "A", OK, FWD, "0.0.0.0"),
        ("x.plex.direct.", "A", OK, FWD, "10.1.2.3"),
    ])
