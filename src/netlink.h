/*
 * netlink.h: one read from a rtnetlink socket, shared by the modules that
 * follow the kernel's tables (route6.c: routes, ifaddr.c: addresses).
 */
#ifndef BRISKDNS_NETLINK_H
#define BRISKDNS_NETLINK_H

#include <sys/types.h>
#include <stddef.h>

enum netlink_recv {
	NETLINK_MSG = 0,	/* a datagram from the kernel, *n bytes */
	NETLINK_NONE,		/* nothing more to read now */
	NETLINK_SKIP,		/* not from the kernel: ignore it */
	NETLINK_LOST,		/* ENOBUFS: notifications were lost */
	NETLINK_TRUNC,		/* the datagram did not fit buf */
	NETLINK_ERROR		/* the socket failed (errno) */
};

/* Read one datagram without waiting. */
enum netlink_recv	netlink_recv(int fd, void *buf, size_t len,
			    ssize_t *n);

#endif
