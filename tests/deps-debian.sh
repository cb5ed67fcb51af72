#!/bin/sh
# tests/deps-debian.sh: install what building, testing and the demo of
# briskdns need, on Debian 12 or Ubuntu (22.04 or later), with apt-get.
# Needs root: as a normal user it runs itself again through sudo; in a
# root shell (where there may be no sudo) it runs directly.
#
# Optional, not installed here: clang (for --enable-sanitizers with clang
# and --enable-fuzzing), mandoc (to lint the manual pages).

set -eu

# The interception tests put a real dnsmasq on port 53 of their own network
# namespaces and read the rules back with nft; the daemon does not need
# either.  test_udp_cost.py counts the daemon's system calls with strace.
PKGS="build-essential autoconf automake pkg-config
	libevent-dev libldns-dev libnetfilter-queue-dev libmnl-dev libnftnl-dev
	check python3 python3-pytest python3-dnspython
	bind9-dnsutils iproute2 util-linux nftables iptables dnsmasq-base strace"

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo sh "$0" "$@"
	fi
	echo "$0: must be run as root (apt-get install)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps-debian: apt-get update"
apt-get -qq update
echo "deps-debian: apt-get install" $PKGS
# shellcheck disable=SC2086
apt-get -qq -y install --no-install-recommends $PKGS >/dev/null
echo "deps-debian: done"
