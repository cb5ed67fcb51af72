#!/bin/bash
# tests/package/run.sh: build the Debian package (debian/), check it with
# lintian, install it on this machine, check the installed package, and
# purge it.  For CI (.ci/run), as root on a throwaway Debian 12 machine;
# about a minute once the packaging tools are installed.
#
# It never starts the daemon: a policy-rc.d that says no (101) is in place
# for the install (deb-systemd-invoke obeys it), and without systemd as
# PID 1 nothing is started anyway.  /etc/resolv.conf is not touched.
# The user briskdns is removed at the end if this script made it.  A
# briskdns package installed before is purged first.
#
# The last line is "package: N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export DEBIAN_FRONTEND=noninteractive
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>/dev/null ||
	sed -n '1s/.*(\(.*\)).*/\1/p' "$top/debian/changelog")
work=$(mktemp -d /tmp/briskdns-package.XXXXXX)
src=$work/briskdns-$ver
pass=0 fail=0
made_policy=0 made_user=0
ns=bdpkg$$ dpid=

cleanup() {
	# Every step runs whatever the one before did (set -e stays off here:
	# a daemon already gone must not leave the package installed).
	set +e
	if [ -n "$dpid" ]; then kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; fi
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	if dpkg -s briskdns >/dev/null 2>&1; then
		dpkg -P briskdns >/dev/null 2>&1 || true
	fi
	dpkg-statoverride --remove /etc/briskdns.conf >/dev/null 2>&1 || true
	[ "$made_user" = 1 ] && { userdel briskdns 2>/dev/null || true;
		groupdel briskdns 2>/dev/null || true; }
	[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
	rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() {	# description, command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else nok "$what"; fi
}

# Left over from an earlier run that was killed: start afresh.
if dpkg -s briskdns >/dev/null 2>&1; then
	echo "package: purging the briskdns package installed already"
	dpkg -P briskdns >/dev/null
fi
getent passwd briskdns >/dev/null || made_user=1

echo "package: tools and build dependencies"
apt-get install -y -qq --no-install-recommends build-essential debhelper \
	lintian >/dev/null
apt-get build-dep -y -qq "$top" >/dev/null

echo "package: dpkg-buildpackage -us -uc -b in $src"
mkdir -p "$src"
(cd "$top" && git ls-files -co --exclude-standard -z | tar -c --null -T - ) |
	tar -x -C "$src"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	tail -n 40 "$work/build.log"
	# A failing unit test: its log (make check ran in debian/build).
	[ -f "$src/debian/build/test-suite.log" ] &&
		grep -v ' - [0-9]* names$' "$src/debian/build/test-suite.log" | head -n 80
	nok "dpkg-buildpackage"
	echo "package: $pass passed, $fail failed"
	exit 1
fi
ok "dpkg-buildpackage -us -uc -b"
deb=$(ls "$work"/briskdns_"$ver"_*.deb)

# Warnings and info are listed; an error fails.
echo "package: lintian"
if lintian --fail-on error --display-info "$work"/briskdns_"$ver"_*.changes 2>&1 |
    grep -v 'running with root privileges'; then :; fi
check "lintian: no error" lintian --fail-on error -q "$work"/briskdns_"$ver"_*.changes

echo "package: apt-get install $deb"
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	made_policy=1
fi
cp /etc/resolv.conf "$work/resolv.conf.before" 2>/dev/null || : >"$work/resolv.conf.before"
apt-get install -y -qq --no-install-recommends "$deb" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; nok "apt-get install"; echo "package: $pass passed, $fail failed"; exit 1; }
ok "apt-get install ./briskdns_${ver}_*.deb"

check "user briskdns exists" getent passwd briskdns
check "group briskdns exists" getent group briskdns
check "user briskdns has no login shell" \
	sh -c 'getent passwd briskdns | grep -q ":/usr/sbin/nologin$"'
check "/etc/briskdns.conf is root:briskdns 0640" \
	test "$(stat -c '%U:%G %a' /etc/briskdns.conf)" = "root:briskdns 640"
# shellcheck disable=SC2016
check "/etc/briskdns.conf is a conffile" \
	sh -c 'dpkg-query -W -f="\${Conffiles}" briskdns | grep -q "/etc/briskdns.conf "'
check "/etc/briskdns.d/ exists" test -d /etc/briskdns.d
check "/etc/resolv.conf unchanged" cmp -s /etc/resolv.conf "$work/resolv.conf.before"
check "no /usr/sbin/briskdns process started" sh -c '! pgrep -f "^/usr/sbin/briskdns" >/dev/null'

# An admin's dpkg-statoverride wins over the postinst's 0640.
dpkg-statoverride --update --add root root 0644 /etc/briskdns.conf
/var/lib/dpkg/info/briskdns.postinst configure "$ver" >/dev/null 2>&1 || true
check "postinst leaves a dpkg-statoverride'd /etc/briskdns.conf alone" \
	test "$(stat -c '%U:%G %a' /etc/briskdns.conf)" = "root:root 644"
dpkg-statoverride --remove /etc/briskdns.conf
/var/lib/dpkg/info/briskdns.postinst configure "$ver" >/dev/null 2>&1 || true
check "postinst makes it root:briskdns 0640 again without the override" \
	test "$(stat -c '%U:%G %a' /etc/briskdns.conf)" = "root:briskdns 640"

/usr/sbin/briskdns --test >"$work/test.out" 2>&1 && rc=0 || rc=$?
check "briskdns --test with the installed configuration" test "$rc" = 0
[ "$rc" = 0 ] || cat "$work/test.out"
for line in user=briskdns group=briskdns pid-file=/run/briskdns/briskdns.pid; do
	check "--test prints $line" grep -qx "$line" "$work/test.out"
done
check "--test reads conf-dir /etc/briskdns.d" grep -q '/etc/briskdns.d' "$work/test.out"
# What SIGHUP does after the privileges are dropped: read it as briskdns.
check "briskdns (the user) can read the configuration" \
	sh -c 'setpriv --reuid=briskdns --regid=briskdns --init-groups \
	/usr/sbin/briskdns --test -C /etc/briskdns.conf >/dev/null 2>&1'
check "nobody cannot read the configuration" \
	sh -c '! setpriv --reuid=nobody --regid=nogroup --clear-groups cat /etc/briskdns.conf >/dev/null 2>&1'
# Why root:briskdns 0640: the installed configuration, run as the unit
# runs it (as root, dropping to briskdns), is read again on SIGHUP.  In a
# network namespace of its own: port 53 of its own loopback, no traffic.
daemon_log() {	# pattern: wait for it in the daemon's log, at most 10 s
	local _
	for _ in $(seq 100); do
		grep -q "$1" "$work/daemon.log" 2>/dev/null && return 0
		kill -0 "$dpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
if ip netns add "$ns" 2>/dev/null; then
	ip -n "$ns" link set lo up
	# The pid file and the control socket in the test's directory: no
	# /run/briskdns without systemd's RuntimeDirectory.
	ip netns exec "$ns" /usr/sbin/briskdns -d --pid-file="$work/briskdns.pid" \
	    --control-socket="$work/control" \
	    --no-hosts --no-resolv --server=127.0.0.1#5399 2>"$work/daemon.log" &
	dpid=$!
	check "the installed configuration starts (network namespace)" \
		daemon_log 'started, version'
	child=$(pgrep -P "$dpid" || true)
	check "the daemon runs as briskdns" \
		test "$(ps -o user= -p "${child:-$dpid}" | tr -d ' ')" = briskdns
	check "briskdns-control status answers (installed tool, its socket)" \
		sh -c "/usr/sbin/briskdns-control -s '$work/control' status >'$work/status.out' && test -s '$work/status.out'"
	kill -HUP "$dpid" 2>/dev/null || true
	check "SIGHUP reloads the installed configuration as briskdns" \
		daemon_log 'configuration reloaded'
	kill "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	dpid=
	ip netns del "$ns"
	ns=
	grep -q 'configuration reloaded' "$work/daemon.log" || cat "$work/daemon.log"
else
	echo "package: no network namespace here; the daemon is not run"
fi
check "control-socket=/run/briskdns/control is set" \
	grep -qx 'control-socket=/run/briskdns/control' /etc/briskdns.conf
check "briskdns-control installed" test -x /usr/sbin/briskdns-control
check "briskdns-control(8) installed" \
	test -f /usr/share/man/man8/briskdns-control.8.gz

unit=/lib/systemd/system/briskdns.service
check "unit installed" test -f "$unit"
check "unit enabled (multi-user.target.wants)" \
	test -L /etc/systemd/system/multi-user.target.wants/briskdns.service
check "resolvconf helper unit not enabled" \
	test ! -e /etc/systemd/system/briskdns.service.wants/briskdns-resolvconf.service
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify briskdns.service" \
		systemd-analyze verify "$unit"
	check "systemd-analyze verify briskdns-resolvconf.service" \
		systemd-analyze verify /lib/systemd/system/briskdns-resolvconf.service
fi

# briskdns-resolvconf.service names briskdns in resolv.conf only when
# briskdns reads the hook's file (else it would have no upstream): its
# ExecCondition, run here as systemd would, without and with the example.
helper=/lib/systemd/system/briskdns-resolvconf.service
cond=$(sed -n 's/^ExecCondition=//p' "$helper")
cond_met() { eval "$cond"; }
cond_unmet() { ! cond_met; }
check "resolvconf helper: skipped with the default resolv-file" cond_unmet
cp /usr/share/doc/briskdns/examples/briskdns.d-resolvconf.conf /etc/briskdns.d/resolvconf.conf
check "resolvconf helper: runs with examples/briskdns.d-resolvconf.conf" cond_met
rm -f /etc/briskdns.d/resolvconf.conf

# The resolvconf hook, run on records of its own: a copy with resolvconf's
# list-records and the output directory redirected (resolvconf itself is
# not installed: it would rewrite this machine's /etc/resolv.conf).
hook=/etc/resolvconf/update.d/briskdns
mkdir -p "$work/rc/records" "$work/rc/lib"
printf 'nameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch example\n' >"$work/rc/records/eth0.dhclient"
printf 'nameserver 127.0.0.1\n' >"$work/rc/records/lo.briskdns"
printf 'nameserver 192.0.2.2\nnameserver 2001:db8::53\n' >"$work/rc/records/wlan0.dhclient"
# shellcheck disable=SC2016
printf '#!/bin/sh\n[ "$1" = --after ] && shift 2\nls\n' >"$work/rc/lib/list-records"
chmod +x "$work/rc/lib/list-records"
sed -e "s|/lib/resolvconf/list-records|$work/rc/lib/list-records|g" \
    -e "s|^DIR=.*|DIR=$work/rc/out|" "$hook" >"$work/rc/hook"
(cd "$work/rc/records" && sh "$work/rc/hook")
check "resolvconf hook writes the learnt upstreams, not briskdns" \
	test "$(cat "$work/rc/out/resolv.conf" 2>/dev/null)" = "$(printf 'nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 2001:db8::53')"

echo "package: dpkg -P briskdns"
check "dpkg -P briskdns" dpkg -P briskdns
check "nothing of the package is left" sh -c '! test -e /etc/briskdns.conf &&
	! test -e /etc/briskdns.d && ! test -e /usr/sbin/briskdns &&
	! test -e /lib/systemd/system/briskdns.service &&
	! test -e /etc/resolvconf/update.d/briskdns &&
	! test -e /etc/systemd/system/multi-user.target.wants/briskdns.service'

echo "package: $pass passed, $fail failed"
[ "$fail" = 0 ]
