"""The TCP door, and truncation between UDP and TCP on both sides."""

import socket
import subprocess
import time

import dns.flags
import dns.message
import dns.rcode
import pytest

from bdutil import (a_addrs, make_query, tcp_connect, tcp_recv, tcp_send,
                    udp_query)


def test_tcp_query(daemon, upstream, uniq):
    up = upstream(a=["192.0.2.20"])
    d = daemon(servers=[up])
    name = uniq("tcp")
    r, dt = d.qtcp(name)
    assert a_addrs(r) == ["192.0.2.20"]
    assert r.question[0].name.to_text() == name
    r, dt = d.qtcp(uniq("tcp6"), "AAAA", edns=True)
    assert r.rcode() == 0 and r.answer == [] and dt < 0.3


def test_dig_tcp(daemon, upstream, uniq):
    up = upstream(a=["192.0.2.21"])
    d = daemon(servers=[up])
    p = subprocess.run(["dig", "+tcp", "+short", "+tries=1", "+time=2",
                        "@127.0.0.1", "-p", str(d.port), uniq("dig")],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.split() == ["192.0.2.21"]


def test_tcp_several_on_one_connection(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    s = tcp_connect(d.port)
    try:
        for i in range(3):
            q = make_query(uniq("seq%d" % i), "A", qid=500 + i)
            tcp_send(s, q.to_wire())
            r = dns.message.from_wire(tcp_recv(s))
            assert r.id == 500 + i
            assert a_addrs(r) == ["192.0.2.1"]
    finally:
        s.close()


def test_tcp_pipelined(daemon, upstream, uniq):
    """Three queries written at once; the slow one must not block the
    others' answers, and answers are matched by ID."""
    up = upstream()
    d = daemon(servers=[up])
    qs = [make_query(uniq("pipe%d" % i), "A", qid=700 + i) for i in range(3)]
    qs.append(make_query(uniq("pipe6"), "AAAA", qid=703))	# local answer
    s = tcp_connect(d.port)
    try:
        s.sendall(b"".join(len(w).to_bytes(2, "big") + w
                           for w in (q.to_wire() for q in qs)))
        got = {}
        for _ in qs:
            r = dns.message.from_wire(tcp_recv(s))
            got[r.id] = r
    finally:
        s.close()
    assert sorted(got) == [700, 701, 702, 703]
    for q in qs:
        assert got[q.id].question[0].name == q.question[0].name


def test_tcp_large_answer(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    r, _ = d.qtcp(big(uniq, 300))
    assert len(r.answer[0]) == 300


@pytest.mark.slow
def test_tcp_idle_timeout(daemon, upstream):
    d = daemon(servers=[upstream()])
    s = tcp_connect(d.port, timeout=15)
    t0 = time.monotonic()
    try:
        data = s.recv(1)
    except (ConnectionResetError, socket.timeout) as e:
        data = e
    dt = time.monotonic() - t0
    s.close()
    assert data == b"", "idle connection: got %r" % (data,)
    assert 8.0 <= dt <= 12.5, "idle connection closed after %.1fs" % dt


# ---- truncation ---------------------------------------------------------
def big(uniq, n):
    """A name whose first label is big<N> (the fake gives N A records)."""
    return "big%d.%s" % (n, uniq("t"))


def test_udp_no_edns_truncated_then_tcp(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    name = big(uniq, 40)		# ~700 bytes
    q = make_query(name, "A", qid=321)
    r, _ = udp_query(d.port, q)
    assert r is not None
    assert r.flags & dns.flags.TC, "answer > 512 to a non-EDNS client, no TC"
    assert r.id == 321
    assert r.question[0].name.to_text() == name
    assert r.edns == -1
    r2, _ = d.qtcp(name)
    assert not r2.flags & dns.flags.TC
    assert len(r2.answer[0]) == 40


def test_udp_edns_fits(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    name = big(uniq, 40)
    r, _ = d.q(name, edns=True, payload=1232)
    assert not r.flags & dns.flags.TC
    assert len(r.answer[0]) == 40
    assert up.queries(qname=name, transport="tcp") == []


def test_upstream_tc_retried_over_tcp(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    name = big(uniq, 100)		# ~1650 bytes: more than the 1232 offered
    r, _ = d.q(name, edns=True, payload=4096, timeout=3)
    assert r is not None
    tcp = up.queries(qname=name, transport="tcp")
    assert tcp, "upstream answered TC over UDP and saw no TCP retry"
    # edns-packet-max (1232) bounds UDP whatever the client offers
    assert r.flags & dns.flags.TC, "client (EDNS 4096) got over 1232 bytes"
    r, _ = d.qtcp(name, edns=True, payload=4096)
    assert r is not None and not r.flags & dns.flags.TC
    assert len(r.answer[0]) == 100


def test_client_limit_1232_gets_tc(daemon, upstream, uniq):
    up = upstream()
    d = daemon(servers=[up])
    name = big(uniq, 100)
    r, _ = d.q(name, edns=True, payload=1232, timeout=3)
    assert r is not None and r.flags & dns.flags.TC
    assert r.edns == 0
    assert r.id and r.question[0].name.to_text() == name
    r2, _ = d.qtcp(name, edns=True)
    assert len(r2.answer[0]) == 100


def test_upstream_always_tc_over_udp(daemon, upstream, uniq):
    up = upstream(tc_udp=True, a=["192.0.2.33"])
    d = daemon(servers=[up])
    name = uniq("tc")
    r, _ = d.q(name, timeout=3)
    assert a_addrs(r) == ["192.0.2.33"]
    assert not r.flags & dns.flags.TC
    assert len(up.queries(qname=name, transport="tcp")) == 1
