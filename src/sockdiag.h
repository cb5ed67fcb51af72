/*
 * sockdiag.h: where is a UDP server bound?  The kernel's own answer
 * (NETLINK_SOCK_DIAG, what `ss -lun` reads), for the interception door:
 * it answers only queries to addresses where the server would have
 * received them.
 */
#ifndef BRISKDNS_SOCKDIAG_H
#define BRISKDNS_SOCKDIAG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/*
 * The local addresses where a UDP socket of this network namespace is
 * bound on port (host order), IPv4 and IPv6, deduplicated, in addrs
 * (sockaddr_in or sockaddr_in6, sin_port/sin6_port set to port).
 *
 * - A wildcard bind is returned as 0.0.0.0 or ::, meaning every local
 *   address of that family.  A dual-stack socket (:: without
 *   IPV6_V6ONLY, as the kernel reports it) receives IPv4 too: it is
 *   returned as :: and as 0.0.0.0.
 * - A v6 socket bound to an IPv4-mapped address (::ffff:a.b.c.d)
 *   receives IPv4 only: returned as the sockaddr_in a.b.c.d.
 * - A link-local IPv6 address carries its interface in sin6_scope_id.
 * - Connected sockets (a peer set) are left out: they receive from their
 *   peer only, not queries (`ss -l` leaves them out too).
 * - A socket bound to a device (SO_BINDTODEVICE) is returned by its
 *   address alone: 0.0.0.0 bound to eth0 is returned as 0.0.0.0, though
 *   it hears only what comes in on eth0.  dnsmasq and unbound bind
 *   addresses, not devices.
 *
 * Returns the count (0 when nothing is bound), or -1 with errno set:
 * ENOBUFS when more than max distinct addresses are bound (nothing is
 * left out silently), ETIMEDOUT when the kernel does not finish its
 * answer in time, EMSGSIZE/EPROTO for an answer too long or malformed,
 * EAGAIN for a dump the kernel marks inconsistent (ask again), or the
 * kernel's error for the IPv4 dump (ENOENT: no UDP sock_diag in
 * this kernel).  A kernel without IPv6 (the IPv6 dump fails with
 * EAFNOSUPPORT, ENOENT, EPROTONOSUPPORT or EOPNOTSUPP) is not an error:
 * the IPv4 addresses are returned.
 *
 * Blocking, bounded in time (SOCKDIAG_TIMEOUT_MS per read, at most
 * SOCKDIAG_MAX_READS reads) and in work; opens and closes its own
 * netlink socket on every call (no state, nothing to set up or free).
 * Needs no privilege.  Logs nothing: the caller says what it means.
 * Not reentrant (one static buffer).  About 50 us a call on an idle
 * host, under 1 ms beside 10,000 other UDP sockets.
 */
int	sockdiag_udp_bound(uint16_t port, struct sockaddr_storage *addrs,
	    size_t max);

/*
 * Two results compared as sets (order and duplicates do not matter):
 * family, address, port and, for IPv6, scope.  1 if equal, else 0.  For
 * callers that poll and react when the server rebinds.
 */
int	sockdiag_same(const struct sockaddr_storage *a, size_t na,
	    const struct sockaddr_storage *b, size_t nb);

/*
 * The parser, apart from the socket, so tests can feed it odd kernel
 * answers.  One dump (one family) reads into one struct sockdiag_dump;
 * the IPv6 dump continues the IPv4 one's array (deduplicating across).
 */
struct sockdiag_dump {
	uint16_t		 port;		/* host order */
	uint32_t		 seq;		/* of our request */
	uint32_t		 portid;	/* our netlink port id */
	struct sockaddr_storage	*addrs;		/* caller's array */
	size_t			 max;
	size_t			 n;		/* stored so far */
	size_t			 msgs;		/* messages seen, bounded */
	int			 done;		/* NLMSG_DONE seen */
	int			 error;		/* an errno, 0 if none */
};

/*
 * The netlink messages of one datagram from the kernel.  Returns 0 when
 * more is to come, 1 when the dump is complete (NLMSG_DONE), -1 on an
 * error (d->error: the kernel's errno from NLMSG_ERROR, ENOBUFS, EPROTO,
 * EMSGSIZE).  Messages of other requests (seq, portid) are skipped.
 */
int	sockdiag_dump_read(struct sockdiag_dump *d, const uint8_t *buf,
	    size_t len);

#endif
