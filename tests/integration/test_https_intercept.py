"""slow-types through the interception door (root, nfqueue): the queries
of slow-types that aaaa-mode answers empty are answered by briskdns, as
AAAA queries are; other types still reach the bound server.  The sites,
fixtures and helpers are test_intercept.py's."""

import random

import dns.message
import dns.rdatatype

from bdutil import make_query
from test_aaaa import check_empty
from test_intercept import (FAST, LOCAL_TTL, V4S, V6S, ask,  # noqa: F401
                            assert_served, dsite, interceptor, pytestmark,
                            site)


def test_slow_types_intercepted(dsite, daemon, uniq):
    interceptor(daemon, dsite, "--slow-types=HTTPS")
    for family, server in ((4, V4S), (6, V6S)):
        name = uniq("ih%d" % family)
        qid = random.randrange(1, 65536)
        q = make_query(name, "HTTPS", edns=True, qid=qid)
        b, src, dt, _ = ask(dsite.cli, server, q.to_wire(), want_id=qid)
        assert b is not None, "no answer to HTTPS over IPv%d" % family
        assert src == (server, 53), src
        assert dt < FAST, "intercepted HTTPS took %.3fs" % dt
        check_empty(dns.message.from_wire(b), name, LOCAL_TTL, qid, True,
                    rdtype=dns.rdatatype.HTTPS)
        # SVCB is not listed: the bound server answers it, and its
        # upstream saw that query and never the HTTPS one.
        assert_served(dsite, "remote", family, name, "SVCB")
        assert dsite.up.queries(qname=name, qtype="SVCB")
        assert dsite.up.queries(qname=name, qtype="HTTPS") == []
