#!/bin/bash
# aaaa-path.sh: throughput of briskdns's synchronous path (a query answered
# inside query_input(): parse, policy, build the answer, send) beside the
# recvmmsg/sendmmsg echo ceiling of the shared harness.
#
# briskdns answers AAAA locally by default (aaaa-mode=empty), so a dnsperf
# file of AAAA queries exercises the same shape of work as a cache hit,
# with no upstream at all.  Until the cache exists the shared harness's
# scenario b cannot show this (its query file is fixed: A queries).
#
#   usage (as root, from the project's root):
#     bench/aaaa-path.sh [-r ROUNDS] [-l SECONDS] [-a 'DNSPERF ARGS'] \
#         [NAME=BRISKDNS-BINARY ...]
#   default: one server, briskdns=./src/briskdns; limit-echo is always run.
#   example: bench/aaaa-path.sh before=/tmp/head/src/briskdns after=./src/briskdns
#
# Everything runs in a private network namespace bd-bench-PID whose only
# interface is its own lo: nothing leaves it.  On exit (also Ctrl-C) the
# processes this script started are stopped by PID and the namespace and
# the temporary directory are deleted.  Output: one line per measurement,
# then medians: QPS, ratio to limit-echo, server CPU microseconds/query
# (utime+stime of the server's PID from /proc, per completed query).
set -eu

ROUNDS=3
DURATION=10
DPARGS="-c 1 -T 1 -q 100"	# the shared harness's scenario b settings
ECHO_SRC=${ECHO_SRC:-/work/shared/bench/limit/echo.c}
BASE_PORT=5401
NQ=1000

while getopts r:l:a:h opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	l) DURATION=$OPTARG ;;
	a) DPARGS=$OPTARG ;;
	*) sed -n '2,/^set -eu/p' "$0" | sed '$d'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- briskdns=./src/briskdns
[ "$(id -u)" = 0 ] || { echo "aaaa-path.sh: run as root (ip netns)" >&2; exit 2; }
command -v dnsperf >/dev/null ||
	{ echo "aaaa-path.sh: no dnsperf (/work/shared/bench/install-deps.sh)" >&2; exit 2; }

NS=bd-bench-$$
TMP=$(mktemp -d /tmp/bd-bench.XXXXXX)
PIDS=""

cleanup() {
	set +e
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in $PIDS; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns delete "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up

cc -O2 -pthread -o "$TMP/limit-echo" "$ECHO_SRC"
awk -v n=$NQ 'BEGIN { for (i = 0; i < n; i++) printf "name%d.bench.test AAAA\n", i }' \
	>"$TMP/aaaa.txt"

# name port pid, one per line
: >"$TMP/servers"
start() {	# NAME PORT COMMAND...
	local name=$1 port=$2
	shift 2
	ip netns exec "$NS" "$@" >"$TMP/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	echo "$name $port $!" >>"$TMP/servers"
}

port=$BASE_PORT
start limit-echo $port "$TMP/limit-echo" 127.0.0.1 $port 1
for spec in "$@"; do
	name=${spec%%=*}
	bin=${spec#*=}
	[ -x "$bin" ] || { echo "aaaa-path.sh: $bin: not executable" >&2; exit 2; }
	port=$((port + 1))
	# The upstream named here does not exist: AAAA never needs it.
	start "$name" $port "$bin" -d -C /dev/null --no-resolv --port=$port \
	    --listen-address=127.0.0.1 --server=127.0.0.1#5301
done
sleep 1
while read -r name port pid; do
	kill -0 "$pid" 2>/dev/null ||
		{ echo "aaaa-path.sh: $name did not start:" >&2; cat "$TMP/$name.log" >&2; exit 1; }
done <"$TMP/servers"

cputicks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

mapfile -t SERVERS <"$TMP/servers"
NSRV=${#SERVERS[@]}
echo "dnsperf $DPARGS -l $DURATION, $NQ AAAA names, $ROUNDS rounds, namespace $NS"
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < NSRV; k++)); do
		# rotate the order each round
		read -r name port pid <<<"${SERVERS[$(((k + r) % NSRV))]}"
		c0=$(cputicks "$pid")
		# shellcheck disable=SC2086
		ip netns exec "$NS" dnsperf -s 127.0.0.1 -p "$port" -d "$TMP/aaaa.txt" \
		    $DPARGS -l "$DURATION" >"$TMP/dnsperf.out" 2>&1 || true
		c1=$(cputicks "$pid")
		qps=$(awk '/Queries per second:/ { print $4 }' "$TMP/dnsperf.out")
		done_=$(awk '/Queries completed:/ { print $3 }' "$TMP/dnsperf.out")
		lost=$(awk '/Queries lost:/ { print $3 }' "$TMP/dnsperf.out")
		rc=$(awk -F': *' '/Response codes:/ { print $2 }' "$TMP/dnsperf.out")
		uspq=$(awk -v c=$((c1 - c0)) -v t="$TCK" -v n="${done_:-0}" \
		    'BEGIN { printf "%.2f", (n > 0 ? c / t * 1e6 / n : 0) }')
		printf 'r%d %-12s qps=%s completed=%s lost=%s cpu=%.2fs us/query=%s rcodes=%s\n' \
		    "$r" "$name" "${qps:-?}" "${done_:-?}" "${lost:-?}" \
		    "$(awk -v c=$((c1 - c0)) -v t="$TCK" 'BEGIN { print c / t }')" "$uspq" "$rc"
		echo "$name ${qps:-0} $uspq" >>"$TMP/results"
	done
done

echo
echo "| server | QPS (median) | x limit-echo | per round | server CPU us/query (median) |"
echo "|---|---|---|---|---|"
med() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ref=$(awk '$1 == "limit-echo" { print $2 }' "$TMP/results" | med)
while read -r name port pid; do
	q=$(awk -v n="$name" '$1 == n { print $2 }' "$TMP/results" | med)
	u=$(awk -v n="$name" '$1 == n { print $3 }' "$TMP/results" | med)
	all=$(awk -v n="$name" '$1 == n { printf "%s%.0f", sep, $2; sep = " / " }' "$TMP/results")
	awk -v n="$name" -v q="$q" -v r="$ref" -v a="$all" -v u="$u" \
	    'BEGIN { printf "| %s | %.0f | %.3f | %s | %.2f |\n", n, q, (r > 0 ? q / r : 0), a, u }'
done <"$TMP/servers"
