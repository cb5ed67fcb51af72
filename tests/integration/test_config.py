"""Configuration: --test, errors naming file:line or the option, exit
statuses 1 (configuration) and 2 (cannot bind)."""

import re
import socket
import time

import pytest

from bdutil import free_port, run_briskdns



@pytest.fixture
def empty_conf(write_file):
    return write_file("empty.conf", "")


def test_help():
    p = run_briskdns(["--help"])
    assert p.returncode == 0
    out = p.stdout + p.stderr
    for key in ("aaaa-mode", "server", "listen-address", "local-ttl"):
        assert key in out, "--help does not mention %s" % key


def test_test_good_file(write_file):
    conf = write_file("good.conf", "# a comment\n\nlocal-ttl=77\n"
                      "server=127.0.0.1#5399\nstrict-order\n"
                      "aaaa-mode=forward\n")
    p = run_briskdns(["-C", conf, "--no-resolv", "--test"])
    assert p.returncode == 0, p.stderr
    out = p.stdout + p.stderr
    assert re.search(r"^local-ttl=77$", out, re.M), out
    assert "5399" in out, out
    assert re.search(r"^aaaa-mode=forward$", out, re.M), out
    assert re.search(r"^strict-order\b", out, re.M), out


def test_test_prints_defaults(empty_conf):
    p = run_briskdns(["-C", empty_conf, "--no-resolv", "--test"])
    assert p.returncode == 0, p.stderr
    out = p.stdout + p.stderr
    assert re.search(r"^local-ttl=60$", out, re.M), out
    assert re.search(r"^aaaa-mode=empty$", out, re.M), out
    assert re.search(r"^dns-forward-max=1000$", out, re.M), out


def test_command_line_overrides_file(write_file):
    conf = write_file("c.conf", "local-ttl=77\nserver=127.0.0.1#5301\n")
    p = run_briskdns(["-C", conf, "--no-resolv", "--local-ttl=5",
                      "--server=127.0.0.1#5302", "--test"])
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert re.search(r"^local-ttl=5$", out, re.M), out
    # repeatable keys are combined
    assert "5301" in out and "5302" in out, out


def test_test_bad_file_exits_1(write_file):
    conf = write_file("bad.conf", "local-ttl=77\nno-such-key=1\n")
    p = run_briskdns(["-C", conf, "--no-resolv", "--test"])
    assert p.returncode == 1
    assert conf + ":2:" in p.stderr, p.stderr


@pytest.mark.parametrize("line", [
    "no-such-key=1", "port=65536", "port=abc", "local-ttl=-1",
    "aaaa-mode=sometimes", "server=not-an-address", "listen-address=1.2.3",
    "dns-forward-max=", "server=/bad..domain/127.0.0.1",
])
def test_bad_line_names_file_and_line(write_file, line):
    conf = write_file("bad.conf", "# comment\n\n" + line + "\n")
    p = run_briskdns(["-C", conf, "--no-resolv", "-d"])
    assert p.returncode == 1, "%r: status %d, stderr %r" % (
        line, p.returncode, p.stderr)
    assert conf + ":3:" in p.stderr, p.stderr


def test_two_errors_both_reported(write_file):
    conf = write_file("two.conf", "local-ttl=5\nbogus-one\nport=53\n"
                      "aaaa-mode=nope\n")
    p = run_briskdns(["-C", conf, "--no-resolv", "--test"])
    assert p.returncode == 1
    assert conf + ":2:" in p.stderr, p.stderr
    assert conf + ":4:" in p.stderr, p.stderr


@pytest.mark.parametrize("opt,key", [
    ("--port=notaport", "port"), ("--local-ttl=xyz", "local-ttl"),
    ("--aaaa-mode=bogus", "aaaa-mode"), ("--server=300.1.1.1", "server"),
    ("--no-such-option", "no-such-option"),
])
def test_bad_command_line(empty_conf, opt, key):
    p = run_briskdns(["-C", empty_conf, "--no-resolv", "-d", opt])
    assert p.returncode == 1, "%s: status %d" % (opt, p.returncode)
    assert key in p.stderr, p.stderr


def test_missing_conf_file(workdir):
    missing = workdir + "/nonexistent.conf"
    p = run_briskdns(["-C", missing, "--no-resolv", "-d"])
    assert p.returncode == 1
    assert "nonexistent.conf" in p.stderr, p.stderr


def test_conf_dev_null(daemon, upstream, uniq):
    """-C /dev/null (the dnsmasq idiom for "no file") is an empty file."""
    p = run_briskdns(["-C", "/dev/null", "--no-resolv", "--test"])
    assert p.returncode == 0, p.stderr
    d = daemon(servers=[upstream()], conf="/dev/null")
    assert d.q(uniq())[0] is not None


def test_unreadable_conf_is_directory(workdir):
    p = run_briskdns(["-C", workdir, "--no-resolv", "-d"])
    assert p.returncode == 1, p.stderr


def test_config_error_before_binding(write_file):
    """Status 1 and nothing bound: the port stays free."""
    port = free_port()
    conf = write_file("bad.conf", "bogus\n")
    p = run_briskdns(["-C", conf, "--no-resolv", "-d", "--port=%d" % port,
                      "--listen-address=127.0.0.1"])
    assert p.returncode == 1


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_port_in_use_exits_2(empty_conf, proto):
    port = free_port()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if proto == "udp"
                      else socket.SOCK_STREAM)
    s.bind(("127.0.0.1", port))
    if proto == "tcp":
        s.listen(1)
    try:
        p = run_briskdns(["-C", empty_conf, "--no-resolv", "-d",
                          "--port=%d" % port, "--listen-address=127.0.0.1",
                          "--server=127.0.0.1#9"], timeout=5)
    finally:
        s.close()
    assert p.returncode == 2, "status %d: %s" % (p.returncode, p.stderr)
    assert str(port) in p.stderr or "bind" in p.stderr.lower(), p.stderr


def test_port_zero_no_listener(daemon, upstream, workdir):
    """--port=0 disables the stub listener: the daemon runs, binds nothing."""
    d = daemon("--port=0", servers=[upstream()], wait=False, listen=False)
    assert d.wait_log(r"started, version", timeout=3), d.log()
    assert d.alive(), d.log()
