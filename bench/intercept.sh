#!/bin/bash
# intercept.sh: throughput and per-packet cost of briskdns's interception
# mode (--nfqueue): a DNS server already bound to port 53 (dnsmasq), briskdns
# beside it answering the AAAA queries from the netfilter queue with raw
# packets, dnsperf sending AAAA queries to port 53.
#
#   usage (as root, from the project's root):
#     bench/intercept.sh [-r ROUNDS] [-l SECONDS] [-n NAMES] [-b BRISKDNS] \
#         [-1 'DNSPERF ARGS'] [-2 'DNSPERF ARGS']
#   defaults: 3 rounds of 10 s, 10000 distinct AAAA names, ./src/briskdns,
#   load 1 = '-c 1 -T 1 -q 100' (the shared harness's scenario b),
#   load 2 = '-c 4 -T 2 -q 500' (more outstanding queries: the ceiling).
#
# Everything runs in a private network namespace bd-icept-PID whose only
# interface is its own lo: nothing leaves it.  Inside it:
#   dnsmasq A  127.0.0.1:53   --address=/bench.test/192.0.2.1 (answers A
#                             itself, no upstream): the bound server
#   briskdns   --nfqueue=0 --port=0 (nfqueue-rules=auto: table inet briskdns)
#   dnsmasq B  127.0.0.1:5353 --address=/bench.test/192.0.2.1 and
#                             --address=/bench.test/2001:db8::1: dnsmasq
#                             answering AAAA itself, not intercepted (the
#                             rule matches port 53 only), for comparison
# Each round runs both loads against briskdns (port 53) and against
# dnsmasq B (port 5353).  Measured per run: dnsperf QPS, completed and
# lost queries; the CPU (utime+stime from /proc/PID/stat) of briskdns, of
# dnsmasq A (should stay ~0 while briskdns answers everything) and of
# dnsmasq B; briskdns's "seen"/"answered" counters from its SIGUSR1 stats
# (before and after each run); the queue's dropped counters from
# /proc/net/netfilter/nfnetlink_queue.  briskdns microseconds per packet =
# CPU delta / packets seen (dnsperf's completed count if the stats cannot
# be read).  Kernel work done in the sender's context (netfilter, queueing,
# loopback softirq) is charged to dnsperf, not to the servers.
#
# On exit (also Ctrl-C) the processes this script started are stopped by
# PID (TERM, then KILL), the namespace and the temporary directory deleted.
set -eu

ROUNDS=3
DURATION=10
NQ=10000
BIN=./src/briskdns
LOAD1="-c 1 -T 1 -q 100"
LOAD2="-c 4 -T 2 -q 500"

while getopts r:l:n:b:1:2:h opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	l) DURATION=$OPTARG ;;
	n) NQ=$OPTARG ;;
	b) BIN=$OPTARG ;;
	1) LOAD1=$OPTARG ;;
	2) LOAD2=$OPTARG ;;
	*) sed -n '2,/^set -eu/p' "$0" | sed '$d'; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "intercept.sh: run as root (ip netns, nfqueue)" >&2; exit 2; }
for t in dnsperf dnsmasq nft; do
	command -v $t >/dev/null ||
		{ echo "intercept.sh: no $t (apt-get install dnsperf dnsmasq nftables)" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "intercept.sh: $BIN: not executable" >&2; exit 2; }

NS=bd-icept-$$
TMP=$(mktemp -d /tmp/bd-icept.XXXXXX)
chmod 755 "$TMP"
PIDS=""

cleanup() {
	set +e
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
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

awk -v n="$NQ" 'BEGIN { for (i = 0; i < n; i++) printf "name%d.bench.test AAAA\n", i }' \
	>"$TMP/aaaa.txt"

start() {	# VAR COMMAND...: run in the namespace, PID into VAR
	local var=$1
	shift
	ip netns exec "$NS" "$@" >"$TMP/$var.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "$var=$!"
}

DNSMASQ="dnsmasq -k -C /dev/null --no-resolv --no-hosts --bind-interfaces
    --listen-address=127.0.0.1 --cache-size=0 --log-facility=-"
# shellcheck disable=SC2086
start MASQ53 $DNSMASQ --port=53 --pid-file="$TMP/a.pid" \
    --address=/bench.test/192.0.2.1
# shellcheck disable=SC2086
start MASQ5353 $DNSMASQ --port=5353 --pid-file="$TMP/b.pid" \
    --address=/bench.test/192.0.2.1 --address=/bench.test/2001:db8::1
sleep 0.5
start BD "$BIN" -d -C /dev/null --no-resolv --nfqueue=0 --port=0

# Ready: queue 0 bound and the table made.
for _ in $(seq 50); do
	# shellcheck disable=SC2016
	if ip netns exec "$NS" awk '$1 == 0 { f = 1 } END { exit !f }' \
	    /proc/net/netfilter/nfnetlink_queue 2>/dev/null &&
	    ip netns exec "$NS" nft list table inet briskdns >/dev/null 2>&1; then
		break
	fi
	sleep 0.1
done
for v in MASQ53 MASQ5353 BD; do
	kill -0 "${!v}" 2>/dev/null ||
		{ echo "intercept.sh: $v did not start:" >&2; cat "$TMP/$v.log" >&2; exit 1; }
done
ip netns exec "$NS" nft list table inet briskdns >/dev/null 2>&1 ||
	{ echo "intercept.sh: briskdns made no table inet briskdns:" >&2; cat "$TMP/BD.log" >&2; exit 1; }
echo "briskdns $BIN pid $BD, dnsmasq :53 pid $MASQ53, dnsmasq :5353 pid $MASQ5353, namespace $NS"
ip netns exec "$NS" nft list table inet briskdns | sed 's/^/  /'
ip netns exec "$NS" dig +short +time=1 +tries=1 @127.0.0.1 name1.bench.test AAAA >/dev/null 2>&1 || true

cputicks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

# The interception counters of briskdns's latest SIGUSR1 stats: "SEEN ANSWERED".
stats() {
	local n
	n=$(wc -l <"$TMP/BD.log")
	kill -USR1 "$BD"
	for _ in $(seq 20); do
		sleep 0.05
		tail -n +"$((n + 1))" "$TMP/BD.log" | grep -qi 'unparseable' && break
	done
	tail -n +"$((n + 1))" "$TMP/BD.log" | grep -i -E 'intercept|nfqueue|unparseable' |
	    awk '{ l = tolower($0)
		# "intercept: N packets, N answered, N passed on, ..."
		if (match(l, /[0-9]+ packets/)) { s = substr(l, RSTART, RLENGTH); gsub(/[^0-9]/, "", s); seen = s }
		if (match(l, /[0-9]+ answered/)) { s = substr(l, RSTART, RLENGTH); gsub(/[^0-9]/, "", s); ans = s } }
		END { print (seen == "" ? "?" : seen), (ans == "" ? "?" : ans) }'
}
qdrops() {	# queue_dropped + user_dropped of queue 0
	# shellcheck disable=SC2016
	ip netns exec "$NS" awk '$1 == 0 { print $6 + $7; f = 1 } END { if (!f) print 0 }' \
	    /proc/net/netfilter/nfnetlink_queue
}

run() {	# ROUND LABEL PORT SERVERPID DNSPERF-ARGS
	local r=$1 label=$2 port=$3 spid=$4 args=$5
	local c0 c1 m0 m1 s0 s1 d0 d1 qps done_ lost rc seen ans pkts us
	c0=$(cputicks "$spid"); m0=$(cputicks "$MASQ53")
	s0=$(stats); d0=$(qdrops)
	# shellcheck disable=SC2086
	ip netns exec "$NS" dnsperf -s 127.0.0.1 -p "$port" -d "$TMP/aaaa.txt" \
	    $args -l "$DURATION" >"$TMP/dnsperf.out" 2>&1 || true
	c1=$(cputicks "$spid"); m1=$(cputicks "$MASQ53")
	s1=$(stats); d1=$(qdrops)
	qps=$(awk '/Queries per second:/ { print $4 }' "$TMP/dnsperf.out")
	done_=$(awk '/Queries completed:/ { print $3 }' "$TMP/dnsperf.out")
	lost=$(awk '/Queries lost:/ { print $3 }' "$TMP/dnsperf.out")
	rc=$(awk -F': *' '/Response codes:/ { print $2 }' "$TMP/dnsperf.out")
	seen="-"; ans="-"
	pkts=${done_:-0}
	if [ "$spid" = "$BD" ]; then
		read -r a0 b0 <<<"$s0"
		read -r a1 b1 <<<"$s1"
		if [ "$a0" != "?" ] && [ "$a1" != "?" ]; then
			seen=$((a1 - a0)); pkts=$seen
		fi
		if [ "$b0" != "?" ] && [ "$b1" != "?" ]; then ans=$((b1 - b0)); fi
	fi
	us=$(awk -v c=$((c1 - c0)) -v t="$TCK" -v n="$pkts" \
	    'BEGIN { printf "%.2f", (n > 0 ? c / t * 1e6 / n : 0) }')
	printf 'r%d %-22s qps=%s completed=%s lost=%s seen=%s answered=%s qdrops=%s cpu=%.2fs us/pkt=%s dnsmasq53-cpu=%.2fs rcodes=%s\n' \
	    "$r" "$label" "${qps:-?}" "${done_:-?}" "${lost:-?}" "$seen" "$ans" \
	    "$((d1 - d0))" "$(awk -v c=$((c1 - c0)) -v t="$TCK" 'BEGIN { print c / t }')" \
	    "$us" "$(awk -v c=$((m1 - m0)) -v t="$TCK" 'BEGIN { print c / t }')" "$rc"
	echo "$label ${qps:-0} $us" >>"$TMP/results"
}

echo "dnsperf -l $DURATION, $NQ distinct AAAA names, $ROUNDS rounds"
echo "  load1: $LOAD1    load2: $LOAD2"
for ((r = 0; r < ROUNDS; r++)); do
	run $r "briskdns-intercept/1" 53 "$BD" "$LOAD1"
	run $r "dnsmasq-aaaa/1" 5353 "$MASQ5353" "$LOAD1"
	run $r "briskdns-intercept/2" 53 "$BD" "$LOAD2"
	run $r "dnsmasq-aaaa/2" 5353 "$MASQ5353" "$LOAD2"
done
kill -0 "$BD" 2>/dev/null || { echo "intercept.sh: briskdns died:" >&2; tail -20 "$TMP/BD.log" >&2; exit 1; }

echo
echo "| run | answers/s (median) | per round | server CPU us/packet (median) |"
echo "|---|---|---|---|"
med() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for label in briskdns-intercept/1 dnsmasq-aaaa/1 briskdns-intercept/2 dnsmasq-aaaa/2; do
	q=$(awk -v n="$label" '$1 == n { print $2 }' "$TMP/results" | med)
	u=$(awk -v n="$label" '$1 == n { print $3 }' "$TMP/results" | med)
	all=$(awk -v n="$label" '$1 == n { printf "%s%.0f", sep, $2; sep = " / " }' "$TMP/results")
	printf '| %s | %.0f | %s | %.2f |\n' "$label" "$q" "$all" "$u"
done
echo
echo "briskdns stats at the end:"
stats >/dev/null
grep -i -E 'intercept|nfqueue|unparseable' "$TMP/BD.log" | tail -1 | sed 's/^/  /'
