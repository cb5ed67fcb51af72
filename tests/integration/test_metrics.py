"""The Prometheus endpoint (metrics-listen=): scraped with a real HTTP
client (urllib), the text checked with prometheus_client's parser:
counters increase, histograms are consistent, scrapes reset nothing,
404/405, and the figures are those of briskdns-control stats."""

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

import bdutil
from bdutil import a_addrs, wait_for

parser = pytest.importorskip(
    "prometheus_client.parser",
    reason="no prometheus_client (apt-get install python3-prometheus-client)")

CONTROL = os.path.join(os.path.dirname(bdutil.BRISKDNS), "briskdns-control")


def start(daemon, *args, servers=()):
    port = bdutil.free_port()
    d = daemon("--metrics-listen=127.0.0.1:%d" % port, *args,
               servers=servers)
    d.metrics_url = "http://127.0.0.1:%d/metrics" % port
    d.metrics_port = port
    return d


def scrape(url, method="GET", timeout=5):
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        assert r.status == 200
        ctype = r.headers["Content-Type"]
        return r.read().decode(), ctype


def families(text):
    return {f.name: f for f in parser.text_string_to_metric_families(text)}


def samples(text):
    """{(sample name, sorted labels): value} of every sample."""
    out = {}
    for f in parser.text_string_to_metric_families(text):
        for s in f.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def check_histograms(fams):
    """Every histogram: le ascending, buckets cumulative (monotonic),
    +Inf == _count.  Returns how many series were checked."""
    n = 0
    for f in fams.values():
        if f.type != "histogram":
            continue
        series = {}
        for s in f.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items()
                               if k != "le"))
            series.setdefault(key, {"b": [], "count": None, "sum": None})
            if s.name.endswith("_bucket"):
                series[key]["b"].append((float(s.labels["le"]), s.value))
            elif s.name.endswith("_count"):
                series[key]["count"] = s.value
            elif s.name.endswith("_sum"):
                series[key]["sum"] = s.value
        for key, v in series.items():
            les = [le for le, _ in v["b"]]
            counts = [c for _, c in v["b"]]
            assert les == sorted(les) and les[-1] == float("inf"), (f.name,
                                                                    key)
            assert counts == sorted(counts), (f.name, key, counts)
            assert counts[-1] == v["count"], (f.name, key)
            assert v["sum"] is not None and v["sum"] >= 0
            n += 1
    return n


def test_scrape(daemon, upstream, uniq):
    up = upstream()
    d = start(daemon, servers=[up])
    text, ctype = scrape(d.metrics_url)
    assert ctype.startswith("text/plain; version=0.0.4")
    fams = families(text)
    for name in ("briskdns_queries", "briskdns_cache_hits",
                 "briskdns_upstream_queries"):
        assert fams[name].type == "counter", name
    assert fams["briskdns_cache_entries"].type == "gauge"
    assert fams["briskdns_upstream_answer_latency_seconds"].type == \
        "histogram"
    before = samples(text)
    names = [uniq() for _ in range(4)]
    for n in names:
        assert a_addrs(d.q(n)[0]) == ["192.0.2.1"]
    d.q(names[0])
    text2, _ = scrape(d.metrics_url)
    after = samples(text2)
    q = ("briskdns_queries_total", ())
    assert after[q] - before[q] == 5
    srv = (("server", up.server_arg),)
    assert after[("briskdns_upstream_answers_total", srv)] == 4
    assert after[("briskdns_cache_hits_total", ())] - \
        before[("briskdns_cache_hits_total", ())] == 1
    lat = (("qtype", "A"), ("server", up.server_arg))
    assert after[("briskdns_upstream_answer_latency_seconds_count", lat)] \
        == 4
    assert 0 < after[("briskdns_upstream_answer_latency_seconds_sum", lat)] \
        < 4 * 2.0
    assert check_histograms(families(text2)) >= 3
    # Counters only grow; a scrape resets nothing.
    for k, v in before.items():
        if k[0].endswith("_total"):
            assert after[k] >= v, k
    text3, _ = scrape(d.metrics_url)
    assert samples(text3) == after


def test_same_as_control(daemon, upstream, uniq, workdir):
    """stats and /metrics come from one registry: the same figures."""
    if not os.access(CONTROL, os.X_OK):
        pytest.skip("no briskdns-control binary")
    sock = os.path.join(workdir, "ctl")
    up = upstream()
    d = start(daemon, "--control-socket=" + sock, "--user=root",
              servers=[up])
    for _ in range(3):
        d.q(uniq())
    text, _ = scrape(d.metrics_url)
    r = subprocess.run([CONTROL, "-s", sock, "stats"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert lines == r.stdout.splitlines()


def test_not_found_and_method(daemon, upstream):
    d = start(daemon, servers=[upstream()])
    base = "http://127.0.0.1:%d" % d.metrics_port
    for path in ("/", "/metricsx", "/metrics/x", "/other"):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(base + path, timeout=5)
        assert e.value.code == 404, path
    for method in ("POST", "PUT", "DELETE"):
        req = urllib.request.Request(d.metrics_url, data=b"x" if method !=
                                     "DELETE" else None, method=method)
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        assert e.value.code == 405, method
    # HEAD is GET without the body.
    req = urllib.request.Request(d.metrics_url, method="HEAD")
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200 and r.read() == b""
    assert scrape(d.metrics_url)[0].startswith("# HELP")


@pytest.mark.slow
def test_idle_connection_closed(daemon, upstream):
    """A connection that sends nothing is closed by the timeout (5 s),
    and the endpoint keeps answering meanwhile."""
    d = start(daemon, servers=[upstream()])
    s = socket.create_connection(("127.0.0.1", d.metrics_port), timeout=10)
    t0 = time.monotonic()
    assert scrape(d.metrics_url)[0]
    assert s.recv(100) == b""
    assert 3 < time.monotonic() - t0 < 9
    s.close()


@pytest.mark.slow
def test_connection_bound(daemon, upstream):
    """At most 16 connections are accepted per 5-second window: 20 idle
    ones leave 4 in the kernel's backlog; a scrape still gets its answer
    once the window has passed."""
    d = start(daemon, servers=[upstream()])
    fds = "/proc/%d/fd" % d.proc.pid
    base = len(os.listdir(fds))
    held = []
    try:
        for _ in range(20):
            held.append(socket.create_connection(
                ("127.0.0.1", d.metrics_port), timeout=10))
        assert wait_for(lambda: len(os.listdir(fds)) - base >= 16, 3.0)
        assert len(os.listdir(fds)) - base == 16
        # Accepted when the window ends, 5 s after the first of them.
        t0 = time.monotonic()
        assert scrape(d.metrics_url, timeout=20)[0].startswith("# HELP")
        assert time.monotonic() - t0 < 15
    finally:
        for s in held:
            s.close()


def test_bad_address(workdir):
    for v in ("127.0.0.1", "::1", "localhost:9100", "127.0.0.1:0"):
        r = bdutil.run_briskdns(["-C", "/dev/null", "--no-resolv",
                                 "--metrics-listen=" + v, "--test"])
        assert r.returncode == 1, v
        assert "metrics-listen" in r.stderr


def test_port_taken(upstream, workdir):
    """A port that cannot be bound is exit 2, like a listener's; the
    control socket made before it is removed."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    sock = os.path.join(workdir, "ctl")
    try:
        r = bdutil.run_briskdns(["-d", "-C", "/dev/null", "--no-resolv",
                                 "--port=%d" % bdutil.free_port(),
                                 "--listen-address=127.0.0.1",
                                 "--metrics-listen=127.0.0.1:%d" % port,
                                 "--control-socket=" + sock])
        assert r.returncode == 2
        assert "metrics-listen" in r.stderr
        assert not os.path.exists(sock)
    finally:
        s.close()
