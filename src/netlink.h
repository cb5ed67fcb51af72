/*
 * netlink.h: the rtnetlink socket of the modules that follow the kernel's
 * tables (route6.c: routes, ifaddr.c: addresses): opened and subscribed,
 * a dump asked for, one datagram read.
 */
#ifndef BRISKDNS_NETLINK_H
#define BRISKDNS_NETLINK_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

enum netlink_recv {
	NETLINK_MSG = 0,	/* a datagram from the kernel, *n bytes */
	NETLINK_NONE,		/* nothing more to read now */
	NETLINK_SKIP,		/* not from the kernel: ignore it */
	NETLINK_LOST,		/* ENOBUFS: notifications were lost */
	NETLINK_TRUNC,		/* the datagram did not fit buf */
	NETLINK_ERROR		/* the socket failed (errno) */
};

/*
 * A non-blocking NETLINK_ROUTE socket subscribed to groups, with a receive
 * buffer of rcvbuf bytes (fewer lost notifications); *portid: its port.
 * The socket, or -1 (logged, who: the module's name).
 */
int	netlink_open(uint32_t groups, int rcvbuf, uint32_t *portid,
	    const char *who);

/*
 * Ask for a dump: a request of type (RTM_GETROUTE, RTM_GETADDR) with
 * sequence seq, its body bodylen zero bytes (at most 32) but for the
 * address family in the first.  0, or -1 (logged).
 */
int	netlink_dump_request(int fd, uint32_t portid, uint32_t seq,
	    uint16_t type, uint8_t family, size_t bodylen, const char *who);

/* Read one datagram without waiting. */
enum netlink_recv	netlink_recv(int fd, void *buf, size_t len,
			    ssize_t *n);

#endif
