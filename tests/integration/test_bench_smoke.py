"""bench/browser-mix.py does not rot: a short run (2 rounds, briskdns in
two modes, dnsmasq and unbound when installed, upstream AAAA delay 1 s,
HTTPS at once), its Markdown table's shape and its JSON, and briskdns's
aaaa-mode=empty answering all three well before the AAAA delay.
Loopback only; the script stops its own processes.
"""

import json
import os
import shutil
import subprocess
import sys

from bdutil import BRISKDNS

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "..", "..", "bench", "browser-mix.py")
AAAA_DELAY = 1000	# ms
SLOW_TYPES = "slow-types=HTTPS,SVCB"
SKIP_KEY = "skipped: key not supported by this build"
COLUMNS = ["resolver / mode", "all three: median ms", "p95 ms",
           "× best briskdns", "A ms", "AAAA ms", "HTTPS ms", "AAAA got",
           "HTTPS got", "warm median ms", "upstream saw A/AAAA/HTTPS"]


def _supported(line, workdir):
    conf = os.path.join(workdir, "probe.conf")
    with open(conf, "w") as f:
        f.write("aaaa-mode=empty\n%s\n" % line)
    r = subprocess.run([BRISKDNS, "--test", "-C", conf, "--no-resolv",
                        "--port=0"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return r.returncode == 0


def _cells(line):
    assert line.startswith("| ") and line.endswith(" |"), line
    return [c.strip() for c in line[2:-2].split(" | ")]


def test_browser_mix_smoke(workdir):
    out = os.path.join(workdir, "mix.json")
    r = subprocess.run(
        [sys.executable, SCRIPT, "--briskdns", BRISKDNS, "--rounds", "2",
         "--interval", "50", "--warm", "1", "--timeout", "3000",
         "--scenarios", "slow", "--aaaa-delay", str(AAAA_DELAY),
         "--https-delay", "0", "--modes", "empty,after-a",
         "--only", "briskdns,dnsmasq,unbound", "--json", out],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=60)
    assert r.returncode == 0, r.stderr[-3000:]

    # The table: the header, the separator, one row per configuration in
    # the order run, each with every column.
    lines = [x for x in r.stdout.splitlines() if x.startswith("|")]
    assert _cells(lines[0]) == COLUMNS
    assert lines[1] == "|" + "---|" * len(COLUMNS)
    rows = {}
    for x in lines[2:]:
        c = _cells(x)
        assert len(c) == len(COLUMNS), x
        rows[c[0]] = c
    want = ["briskdns aaaa-mode=empty",
            "briskdns aaaa-mode=empty + " + SLOW_TYPES,
            "briskdns aaaa-mode=after-a",
            "briskdns aaaa-mode=after-a + " + SLOW_TYPES,
            "dnsmasq", "dnsmasq --filter-AAAA", "unbound"]
    assert [_cells(x)[0] for x in lines[2:]] == want

    with open(out) as f:
        js = json.load(f)
    (sc,) = js["scenarios"]
    assert sc["name"] == "slow" and sc["aaaa_delay_ms"] == AAAA_DELAY
    byname = {x["resolver"]: x for x in sc["rows"]}
    assert list(byname) == want

    # briskdns empty: the AAAA answered empty at once, never forwarded;
    # all three well before the upstream's AAAA delay.
    e = byname["briskdns aaaa-mode=empty"]
    assert e["cold"]["all"]["median"] < AAAA_DELAY / 4, e["cold"]
    assert e["cold"]["all"]["timeouts"] == 0
    assert e["cold"]["AAAA"]["got"] == {"empty": 2}
    assert e["cold"]["A"]["got"] == {"real": 2}
    assert e["cold"]["HTTPS"]["got"] in ({"real": 2},
                                         {"real-no-v6hint": 2})
    assert e["upstream"]["AAAA"] == 0 and e["upstream"]["A"] == 2
    assert rows["briskdns aaaa-mode=empty"][7] == "empty"
    for name, c in rows.items():
        if not byname[name].get("skipped"):
            assert float(c[3].lstrip("≥ ")) >= 1.0, c

    # slow-types: run if this build has the key, skipped if not.
    st = byname["briskdns aaaa-mode=empty + " + SLOW_TYPES]
    if _supported(SLOW_TYPES, workdir):
        assert not st.get("skipped")
        assert st["cold"]["HTTPS"]["got"] == {"empty": 2}
        assert st["upstream"]["HTTPS"] == 0
    else:
        assert st["skipped"] == SKIP_KEY
        assert rows["briskdns aaaa-mode=empty + " + SLOW_TYPES][1] == \
            SKIP_KEY

    # The peers forward to the same slow upstream: dnsmasq waits for the
    # real AAAA.  Not installed: the row says so.
    d = byname["dnsmasq"]
    if shutil.which("dnsmasq"):
        assert d["cold"]["AAAA"]["got"] == {"real": 2}
        assert d["cold"]["all"]["median"] >= AAAA_DELAY - 5
    else:
        assert d["skipped"] == "skipped: dnsmasq not installed"
    u = byname["unbound"]
    if shutil.which("unbound"):
        assert u["cold"]["A"]["got"] == {"real": 2}
        assert u["upstream"]["AAAA"] >= 2
    else:
        assert u["skipped"] == "skipped: unbound not installed"
