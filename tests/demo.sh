#!/bin/sh
# tests/demo.sh: the quick-start demo of briskdns (`make demo`).
#
# Shows the slow-AAAA problem and its fix, with no internet and without
# touching the host's DNS: everything happens in a private network and
# mount namespace (unshare), which dies with the demo.  Inside it:
#   - a fake upstream, tests/demo_upstream.py, on 127.0.0.2:53, answers A at
#     once and AAAA only after 3 seconds, like many ISP resolvers;
#   - /etc/resolv.conf and /etc/nsswitch.conf are replaced by bind mounts
#     visible only inside the namespace;
#   - getaddrinfo() is timed against the upstream directly, then through
#     briskdns on 127.0.0.1:53 (port 53 of the namespace: glibc's
#     resolv.conf has no port syntax, so the stub must be on port 53).
#
# Runs as a normal user where unprivileged user namespaces are allowed
# (the Debian 12 default), otherwise as root (through sudo if need be).
#
# Environment: BRISKDNS, the daemon to run (default: ../src/briskdns next
# to this script).  Exit status 0 if briskdns did what it should.

set -u

here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
BRISKDNS=${BRISKDNS:-$here/../src/briskdns}
case $BRISKDNS in
/*) ;;
*) BRISKDNS=$(pwd)/$BRISKDNS ;;
esac
export BRISKDNS

die() {
	echo "demo: $*" >&2
	exit 1
}

# ---- outside: check what is needed, enter the namespaces ------------------
if [ "${1-}" != --inside ]; then
	[ -x "$BRISKDNS" ] || die "no daemon at $BRISKDNS: run make first"
	[ -x $PY ] || die "needs $PY (apt-get install python3)"
	$PY -c 'import dns.message' 2>/dev/null ||
	    die "needs dnspython for $PY (apt-get install python3-dnspython)"
	command -v unshare >/dev/null 2>&1 ||
	    die "needs unshare (apt-get install util-linux)"
	command -v ip >/dev/null 2>&1 ||
	    PATH=$PATH:/usr/sbin:/sbin
	command -v ip >/dev/null 2>&1 ||
	    die "needs ip (apt-get install iproute2)"

	if [ "$(id -u)" -eq 0 ]; then
		exec unshare --net --mount /bin/sh "$here/demo.sh" --inside root
	fi
	if unshare --user --map-root-user --net --mount \
	    sh -c 'mount --make-rprivate / && ip link set lo up' \
	    >/dev/null 2>&1; then
		exec unshare --user --map-root-user --net --mount \
		    /bin/sh "$here/demo.sh" --inside userns
	fi
	why="unprivileged user namespaces are disabled or restricted here"
	why="$why (sysctl kernel.unprivileged_userns_clone,"
	why="$why user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns)"
	if command -v sudo >/dev/null 2>&1; then
		echo "demo: $why; running the demo as root with sudo" >&2
		exec sudo /usr/bin/env BRISKDNS="$BRISKDNS" \
		    /bin/sh "$here/demo.sh"
	fi
	die "$why; run it as root instead"
fi

# ---- inside the private namespaces ---------------------------------------
mode=${2:-root}
PATH=$PATH:/usr/sbin:/sbin
tmp=$(mktemp -d /tmp/briskdns-demo.XXXXXX) || die "mktemp failed"
up_pid=
bd_pid=

cleanup() {
	[ -n "$bd_pid" ] && kill "$bd_pid" 2>/dev/null
	[ -n "$up_pid" ] && kill "$up_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

mount --make-rprivate / || die "cannot make the mounts private"
ip link set lo up || die "cannot bring lo up in the namespace"

# glibc's resolver only: no systemd-resolved, mDNS or nscd, all of which
# would reach out of the namespace through sockets in the file system.
if [ -e /etc/nsswitch.conf ]; then
	if grep -q '^hosts:' /etc/nsswitch.conf; then
		sed 's/^hosts:.*/hosts: files dns/' /etc/nsswitch.conf
	else
		cat /etc/nsswitch.conf
		echo 'hosts: files dns'
	fi >"$tmp/nsswitch.conf"
	mount --bind "$tmp/nsswitch.conf" /etc/nsswitch.conf ||
	    die "cannot bind-mount /etc/nsswitch.conf"
fi
for d in /run/nscd /var/run/nscd; do
	[ -d "$d" ] && mount -t tmpfs none "$d" 2>/dev/null
done
echo 'nameserver 127.0.0.2' >"$tmp/resolv.conf"
: >"$tmp/briskdns.conf"
chmod 755 "$tmp"
mount --bind "$tmp/resolv.conf" /etc/resolv.conf ||
    die "cannot bind-mount /etc/resolv.conf (does it exist?)"

# Wait until something listens on UDP addr:53 (hex, as in /proc/net/udp).
wait_udp53() {
	i=0
	while [ $i -lt 50 ]; do
		grep -q " $1:0035 " /proc/net/udp && return 0
		[ -n "${2-}" ] && ! kill -0 "$2" 2>/dev/null && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Time getaddrinfo(name, 80, AF_UNSPEC, SOCK_STREAM): prints "SECONDS ADDRS".
gai() {
	$PY - "$1" <<'EOF'
import socket, sys, time
t = time.monotonic()
try:
    r = socket.getaddrinfo(sys.argv[1], 80, socket.AF_UNSPEC,
                           socket.SOCK_STREAM)
    what = " ".join(sorted({a[4][0] for a in r}))
except socket.gaierror as e:
    what = "(error: %s)" % e.strerror
print("%.3f %s" % (time.monotonic() - t, what))
EOF
}

echo "briskdns demo, in a private network namespace (no internet needed,"
echo "the host's DNS is not touched).  A fake upstream on 127.0.0.2 answers"
echo "A queries at once and AAAA queries after 3 s, like a slow ISP resolver."
echo

$PY "$here/demo_upstream.py" --addr 127.0.0.2 --delay 3 \
    --log "$tmp/upstream.log" 2>"$tmp/upstream.err" &
up_pid=$!
wait_udp53 0200007F "$up_pid" || {
	cat "$tmp/upstream.err" >&2
	die "the fake upstream did not start"
}

echo "1. resolv.conf: nameserver 127.0.0.2 (the slow upstream)"
echo "   getaddrinfo(\"demo.example\") ..."
out=$(gai demo.example)
t_direct=${out%% *}
echo "   $t_direct s: ${out#* }"
echo

set -- -d -C "$tmp/briskdns.conf" --no-resolv --server=127.0.0.2 \
    --listen-address=127.0.0.1 --log-queries
# As root of a user namespace there is no one to drop to: stay root.
[ "$mode" = userns ] && set -- "$@" --user=root --group=root
echo "2. briskdns $*" | sed "s|$tmp/|\$tmp/|"
"$BRISKDNS" "$@" 2>"$tmp/briskdns.log" &
bd_pid=$!
if ! wait_udp53 0100007F "$bd_pid"; then
	sed 's/^/   /' "$tmp/briskdns.log"
	die "briskdns did not start listening on 127.0.0.1:53"
fi
n_before=$(wc -l <"$tmp/upstream.log")
echo 'nameserver 127.0.0.1' >"$tmp/resolv.conf"
echo "   resolv.conf: nameserver 127.0.0.1 (briskdns)"
echo "   getaddrinfo(\"demo2.example\") ..."
out=$(gai demo2.example)
t_brisk=${out%% *}
echo "   $t_brisk s: ${out#* }"
echo

if command -v dig >/dev/null 2>&1; then
	echo "3. the AAAA answer briskdns makes itself:" \
	    "dig @127.0.0.1 demo.example AAAA"
	dig @127.0.0.1 demo.example AAAA +noall +comments +authority \
	    +tries=1 +time=2 2>&1 | grep -v '^$' | sed 's/^/   /'
else
	echo "3. (install dig, package bind9-dnsutils, to see the AAAA answer)"
fi
echo

echo "4. what the upstream received, before briskdns:"
head -n "$n_before" "$tmp/upstream.log" | sed 's/^ *[0-9.]* /   /'
echo "   ... and through briskdns:"
tail -n +"$((n_before + 1))" "$tmp/upstream.log" | sed 's/^ *[0-9.]* /   /'
n_aaaa=$(tail -n +"$((n_before + 1))" "$tmp/upstream.log" | grep -c ' AAAA ')
echo

kill -USR1 "$bd_pid"
sleep 0.2
kill -TERM "$bd_pid"
wait "$bd_pid"
bd_status=$?
bd_pid=
echo "5. briskdns's log (statistics on SIGUSR1, then SIGTERM):"
sed 's/^/   /' "$tmp/briskdns.log"
echo "   exit status $bd_status"
echo

echo "Summary:"
echo "   direct to the slow upstream: $t_direct s (A and AAAA)"
echo "   through briskdns:            $t_brisk s (A forwarded, AAAA answered at once)"

ok=yes
if [ "$n_aaaa" -ne 0 ]; then
	echo "demo: FAILED: the upstream saw $n_aaaa AAAA queries through briskdns"
	ok=no
fi
if ! $PY -c 'import sys; sys.exit(not float(sys.argv[1]) < 1.0)' \
    "$t_brisk" 2>/dev/null; then
	echo "demo: FAILED: getaddrinfo through briskdns took $t_brisk s"
	ok=no
fi
if [ "$bd_status" -ne 0 ]; then
	echo "demo: FAILED: briskdns exited with status $bd_status on SIGTERM"
	ok=no
fi
[ $ok = yes ]
