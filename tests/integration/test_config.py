"""Configuration: --test, errors naming file:line or the option, exit
statuses 1 (configuration) and 2 (cannot bind)."""

import os
import re
import socket
import subprocess
import time

import pytest

from bdutil import BRISKDNS, free_port, run_briskdns



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


# ---- --version, --test's resolv-file warning, the man pages ---------------

def _top(var, *rel):
    top = os.environ.get(var) or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    return os.path.join(top, *rel)


def _autoconf_h():
    """The build's autoconf.h, where the build options are defined."""
    for p in (_top("top_builddir", "autoconf.h"),
              os.path.join(os.path.dirname(BRISKDNS), "..", "autoconf.h")):
        if os.path.exists(p):
            with open(p) as f:
                return f.read()
    pytest.skip("no autoconf.h next to the binary")


def _lib_version(soname_part, func):
    """What the library the binary really loads says its version is."""
    import ctypes
    out = subprocess.run(["ldd", BRISKDNS], capture_output=True,
                         text=True).stdout
    m = re.search(r"(\S*%s\S*) => (\S+)" % re.escape(soname_part), out)
    if m is None:
        pytest.skip("ldd does not show %s" % soname_part)
    f = getattr(ctypes.CDLL(m.group(2)), func)
    f.restype = ctypes.c_char_p
    return f().decode()


def test_version_build_options():
    """--version says what was built in and with which libraries, run
    time and compile time (dnsmasq -v prints its build options)."""
    p = run_briskdns(["--version"])
    assert p.returncode == 0
    lines = p.stdout.splitlines()
    ac = _autoconf_h()
    ver = re.search(r'#define PACKAGE_VERSION "([^"]+)"', ac).group(1)
    assert lines[0] == "briskdns " + ver
    opts = re.search(r"^Build options: (.*)$", p.stdout, re.M)
    assert opts, p.stdout
    words = opts.group(1).split()
    nfq = re.search(r"^#define HAVE_NFQUEUE 1", ac, re.M) is not None
    assert ("nfqueue" if nfq else "no-nfqueue") in words, words
    san = re.search(r'^#define BRISKDNS_SANITIZERS "([^"]+)"', ac, re.M)
    assert (("sanitizers=" + san.group(1)) if san else "no-sanitizers") \
        in words, words
    ev = _lib_version("libevent", "event_get_version")
    assert re.search(r"^libevent %s \(built with [\w.-]+\)$" % re.escape(ev),
                     p.stdout, re.M), p.stdout
    ld = _lib_version("libldns", "ldns_version")
    assert re.search(r"^ldns %s \(built with [\w.-]+\)$" % re.escape(ld),
                     p.stdout, re.M), p.stdout


def test_test_warns_resolv_unusable(write_file, empty_conf):
    """--test warns (and still exits 0) when the resolv-file in use gives
    no upstream: none named, or only briskdns itself; not when it names
    a server, nor when it is not in use (server= given)."""
    for text, warn in (
            ("nameserver 127.0.0.1\n",
             "names no usable server (only briskdns itself)"),
            ("# no nameserver line\nsearch example.com\n",
             "names no usable server;"),
            ("nameserver 192.0.2.1\n", None)):
        rf = write_file("resolv.conf", text)
        p = run_briskdns(["-C", empty_conf, "--listen-address=127.0.0.1",
                          "--resolv-file=" + rf, "--test"])
        assert p.returncode == 0, p.stderr
        if warn is None:
            assert "warning" not in p.stderr, p.stderr
        else:
            assert "warning: resolv-file %s %s" % (rf, warn) in p.stderr, \
                p.stderr
        assert "warning" not in p.stdout
        p = run_briskdns(["-C", empty_conf, "--listen-address=127.0.0.1",
                          "--resolv-file=" + rf, "--server=192.0.2.9",
                          "--test"])
        assert p.returncode == 0 and "warning" not in p.stderr, p.stderr


def test_man_pages_same_date_and_source():
    """briskdns(8) (man) and briskdns.conf(5) (mdoc) carry one date and
    one source line, the package's version."""
    with open(_top("top_srcdir", "man", "briskdns.8")) as f:
        th = [ln for ln in f if ln.startswith(".TH ")][0]
    with open(_top("top_srcdir", "man", "briskdns.conf.5")) as f:
        text = f.read()
    dd = re.search(r"^\.Dd (.+)$", text, re.M).group(1).strip()
    os_ = re.search(r"^\.Os(.*)$", text, re.M).group(1).strip()
    import shlex
    th = shlex.split(th)
    assert th[3] == dd, (th, dd)
    assert th[4] == os_, (th, os_)
    with open(_top("top_srcdir", "configure.ac")) as f:
        ver = re.search(r"AC_INIT\(\[briskdns\], \[([^]]+)\]",
                        f.read()).group(1)
    assert os_ == "briskdns " + ver
