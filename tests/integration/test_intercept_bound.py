"""Interception only where the server answers (issue 8).

The door diverts only queries to addresses where a UDP socket is bound
on nfqueue-port (read from the kernel with sock_diag), so a query to a
local address where nothing listens, or that the bound server does not
serve, passes untouched (the client gets what it would get without
briskdns), and a server that binds another address is followed.  The
same two namespaces and real dnsmasq as test_intercept.py; dnsmasq is
bound (--bind-interfaces) on 127.0.0.1, 10.77.0.1 and fd77::1 only.
"""

import os
import subprocess

import pytest

import test_intercept
from test_intercept import (V4S, V6S, dsite, interceptor,  # noqa: F401
                            query, site)

pytestmark = test_intercept.pytestmark

EXTRA4 = "10.77.0.9"		# a second server address, no server on it
EXTRA6 = "fd77::9"


def _refused_or_silent(ns, dst, name):
    """An AAAA query to dst: nobody answers it (ICMP port unreachable
    makes the socket error out, or nothing comes)."""
    try:
        r, src, dt, _ = query(ns, dst, name, "AAAA", timeout=0.5)
    except ConnectionRefusedError:
        return True
    return r is None


def test_no_answer_where_no_server(dsite, daemon, uniq):
    site = dsite
    site.srv.ip("addr", "add", EXTRA4 + "/24", "dev", "bdsrv0")
    site.srv.ip("-6", "addr", "add", EXTRA6 + "/64", "dev", "bdsrv0",
                "nodad")
    site.srv.ip("addr", "add", "127.0.0.2/8", "dev", "lo", check=False)
    d = interceptor(daemon, site)
    assert d.wait_log(r"bound on port 53 at: .*10\.77\.0\.1", timeout=3), \
        d.log()
    # Where dnsmasq listens: briskdns answers AAAA at once.
    for dst in (V4S, V6S):
        r, src, dt, _ = query(site.cli, dst, uniq("srv"), "AAAA")
        assert r is not None and src == (dst, 53) and dt < 0.5
        assert len(r.answer) == 0 and r.authority, "not briskdns's answer"
    # Where nothing listens: untouched, as without briskdns.
    for ns, dst in ((site.cli, EXTRA4), (site.cli, EXTRA6),
                    (site.srv, "127.0.0.3")):
        assert _refused_or_silent(ns, dst, uniq("none")), \
            "AAAA to %s answered although no server listens there" % dst
    assert d.alive()


def test_server_rebinding_followed(dsite, daemon, uniq, workdir, procs):
    site = dsite
    site.srv.ip("addr", "add", EXTRA4 + "/24", "dev", "bdsrv0")
    d = interceptor(daemon, site)
    assert d.wait_log(r"bound on port 53 at:", timeout=3), d.log()
    assert _refused_or_silent(site.cli, EXTRA4, uniq("before"))
    # A second server binds the extra address: followed within a second.
    off = len(d.log())
    logf = open(os.path.join(workdir, "dnsmasq2.log"), "ab")
    p = subprocess.Popen(
        ["dnsmasq", "-k", "-C", "/dev/null", "--no-resolv", "--no-hosts",
         "--bind-interfaces", "--listen-address=" + EXTRA4, "--port=53",
         "--server=" + site.up.server_arg, "--cache-size=0",
         "--pid-file=" + os.path.join(workdir, "dnsmasq2.pid"),
         "--log-facility=-"], stdin=subprocess.DEVNULL, stdout=logf,
        stderr=logf, preexec_fn=site.srv.enter())
    logf.close()
    procs.append(p)
    assert d.wait_log(r"bound on port 53 at: .*10\.77\.0\.9", timeout=4,
                      start=off), d.log()[off:]
    r, src, dt, _ = query(site.cli, EXTRA4, uniq("after"), "AAAA")
    assert r is not None and src == (EXTRA4, 53) and dt < 0.5
    assert len(r.answer) == 0 and r.authority, "not briskdns's answer"
    # It goes away again: so does the interception there.
    off = len(d.log())
    p.terminate()
    p.wait(5)
    assert d.wait_log(r"bound on port 53 at: (?!.*10\.77\.0\.9)", timeout=4,
                      start=off), d.log()[off:]
    assert _refused_or_silent(site.cli, EXTRA4, uniq("gone"))
