/*
 * sockdiag.c: the local addresses where a UDP server is bound, from the
 * kernel's socket tables (NETLINK_SOCK_DIAG, inet_diag_req_v2; what
 * `ss -lun` reads).  The interception door answers only packets the
 * server would have received; this module tells it where that is.
 *
 * Invariants:
 * - Stateless: each call opens its own netlink socket, sends one dump
 *   request per family (IPv4, then IPv6) and closes the socket, so an
 *   unfinished or garbled answer never leaks into the next call.
 * - The kernel filters by family, local port (id.idiag_sport) and
 *   network namespace (a sock_diag socket sees its own netns only); the
 *   port and family are checked again here, and connected sockets (a
 *   peer port set: they do not receive queries) are skipped.
 * - Everything the kernel sends is checked before use: sender port id 0,
 *   our sequence number and port id, message and attribute lengths,
 *   MSG_TRUNC.  A malformed answer is an error, never a crash.
 * - Bounded: at most SOCKDIAG_MAX_READS datagrams and SOCKDIAG_MAX_MSGS
 *   messages per dump, SOCKDIAG_TIMEOUT_MS for the whole call, max
 *   addresses (more is ENOBUFS, never a silent truncation).
 * - A kernel without IPv6 makes the IPv6 dump fail: that is "no IPv6
 *   sockets", not a failure of the call.
 * - No privilege needed: inet_diag shows every socket of the netns to an
 *   unprivileged caller (only some attributes need CAP_NET_ADMIN, and
 *   none of them is asked for); test_sockdiag checks it as nobody.
 * - One static receive buffer: not reentrant, not thread-safe (the daemon
 *   has one thread).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockdiag.h"

#define SOCKDIAG_BUFSIZE	65536	/* dump skbs are <= 32 KiB */
#define SOCKDIAG_MAX_READS	256	/* datagrams per dump */
#define SOCKDIAG_MAX_MSGS	8192	/* sockets per dump */
#define SOCKDIAG_TIMEOUT_MS	500	/* the whole call */

static uint8_t	sockdiag_buf[SOCKDIAG_BUFSIZE]
		    __attribute__((aligned(NLMSG_ALIGNTO)));

/* Same family, address, port (and scope for IPv6)? */
static int
sockdiag_addr_eq(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss_family != b->ss_family)
		return 0;
	switch (a->ss_family) {
	case AF_INET:
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	case AF_INET6:
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return a6->sin6_port == b6->sin6_port &&
		    a6->sin6_scope_id == b6->sin6_scope_id &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
	default:
		return 0;
	}
}

static int
sockdiag_contains(const struct sockaddr_storage *set, size_t n,
    const struct sockaddr_storage *ss)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (sockdiag_addr_eq(&set[i], ss))
			return 1;
	return 0;
}

int
sockdiag_same(const struct sockaddr_storage *a, size_t na,
    const struct sockaddr_storage *b, size_t nb)
{
	size_t	 i;

	for (i = 0; i < na; i++)
		if (!sockdiag_contains(b, nb, &a[i]))
			return 0;
	for (i = 0; i < nb; i++)
		if (!sockdiag_contains(a, na, &b[i]))
			return 0;
	return 1;
}

/* Add ss unless it is there already.  0, or -1 (ENOBUFS) when full. */
static int
sockdiag_add(struct sockdiag_dump *d, const struct sockaddr_storage *ss)
{
	if (sockdiag_contains(d->addrs, d->n, ss))
		return 0;
	if (d->n >= d->max) {
		d->error = ENOBUFS;
		return -1;
	}
	d->addrs[d->n++] = *ss;
	return 0;
}

static void
sockdiag_set4(struct sockaddr_storage *ss, const void *addr4, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr, addr4, sizeof(sin->sin_addr));
}

/*
 * The V6ONLY attribute of one message: 1 or 0 as the kernel says, or -1
 * when it is absent (old kernels) or malformed.  Attributes are walked
 * by hand, bounded by the message.
 */
static int
sockdiag_v6only(const uint8_t *attrs, size_t len)
{
	struct nlattr	 nla;
	size_t		 off, alen;

	for (off = 0; len - off >= sizeof(nla); off += NLA_ALIGN(alen)) {
		memcpy(&nla, attrs + off, sizeof(nla));
		alen = nla.nla_len;
		if (alen < sizeof(nla) || alen > len - off)
			return -1;
		if ((nla.nla_type & NLA_TYPE_MASK) == INET_DIAG_SKV6ONLY) {
			if (alen < NLA_HDRLEN + 1)
				return -1;
			return attrs[off + NLA_HDRLEN] != 0;
		}
		if (NLA_ALIGN(alen) >= len - off)
			break;
	}
	return -1;
}

/* One SOCK_DIAG_BY_FAMILY message: 0, or -1 (d->error). */
static int
sockdiag_sock(struct sockdiag_dump *d, const uint8_t *msg, size_t len)
{
	struct inet_diag_msg	 m;
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct in6_addr		 a6;
	size_t			 hlen = NLMSG_ALIGN(sizeof(m));
	static const uint8_t	 any4[4];

	if (len < sizeof(m)) {
		d->error = EPROTO;
		return -1;
	}
	memcpy(&m, msg, sizeof(m));
	/* The kernel filtered these already; a socket of another port or
	 * a connected one (it hears only its peer) does not count. */
	if (ntohs(m.id.idiag_sport) != d->port || m.id.idiag_dport != 0)
		return 0;
	switch (m.idiag_family) {
	case AF_INET:
		sockdiag_set4(&ss, &m.id.idiag_src[0], d->port);
		return sockdiag_add(d, &ss);
	case AF_INET6:
		memcpy(&a6, m.id.idiag_src, sizeof(a6));
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			/* Receives IPv4 only, to that address. */
			sockdiag_set4(&ss, &a6.s6_addr[12], d->port);
			return sockdiag_add(d, &ss);
		}
		memset(&ss, 0, sizeof(ss));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(d->port);
		sin6->sin6_addr = a6;
		if (IN6_IS_ADDR_LINKLOCAL(&a6))
			sin6->sin6_scope_id = m.id.idiag_if;
		if (sockdiag_add(d, &ss) == -1)
			return -1;
		/* A dual-stack wildcard receives IPv4 on every address. */
		if (IN6_IS_ADDR_UNSPECIFIED(&a6) && len > hlen &&
		    sockdiag_v6only(msg + hlen, len - hlen) == 0) {
			sockdiag_set4(&ss, any4, d->port);
			return sockdiag_add(d, &ss);
		}
		return 0;
	default:
		return 0;	/* not asked for */
	}
}

int
sockdiag_dump_read(struct sockdiag_dump *d, const uint8_t *buf, size_t len)
{
	struct nlmsghdr	 nh;
	size_t		 off, next, plen;
	int		 err;

	if (d->done)
		return 1;
	if (d->error != 0)
		return -1;
	/* NLMSG_OK/NLMSG_NEXT by hand, without their signed lengths. */
	for (off = 0; len - off >= sizeof(nh); off = next) {
		memcpy(&nh, buf + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len - off) {
			d->error = EPROTO;
			return -1;
		}
		next = off + NLMSG_ALIGN(nh.nlmsg_len);
		if (next > len)
			next = len;
		if (nh.nlmsg_seq != d->seq || nh.nlmsg_pid != d->portid)
			continue;	/* not the answer to our request */
		if (++d->msgs > SOCKDIAG_MAX_MSGS) {
			d->error = EMSGSIZE;
			return -1;
		}
		if (nh.nlmsg_flags & NLM_F_DUMP_INTR) {
			/* Inconsistent dump: the caller asks again later. */
			d->error = EAGAIN;
			return -1;
		}
		plen = nh.nlmsg_len - NLMSG_HDRLEN;
		switch (nh.nlmsg_type) {
		case NLMSG_DONE:
			/* Its payload, when there is one, is an errno. */
			if (plen >= sizeof(err)) {
				memcpy(&err, buf + off + NLMSG_HDRLEN,
				    sizeof(err));
				if (err < 0) {
					d->error = -err;
					return -1;
				}
			}
			d->done = 1;
			return 1;
		case NLMSG_ERROR:
			if (plen < sizeof(err)) {
				d->error = EPROTO;
				return -1;
			}
			memcpy(&err, buf + off + NLMSG_HDRLEN, sizeof(err));
			if (err == 0)
				continue;	/* an acknowledgement */
			d->error = err < 0 && err > -4096 ? -err : EPROTO;
			return -1;
		case NLMSG_NOOP:
			continue;
		case SOCK_DIAG_BY_FAMILY:
			if (sockdiag_sock(d, buf + off + NLMSG_HDRLEN,
			    plen) == -1)
				return -1;
			break;
		default:
			d->error = EPROTO;
			return -1;
		}
	}
	return 0;
}

static long
sockdiag_ms_left(const struct timespec *start)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return SOCKDIAG_TIMEOUT_MS - ((now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* One dump of one family on fd.  0, or -1 (d->error). */
static int
sockdiag_dump(int fd, struct sockdiag_dump *d, int family,
    const struct timespec *start)
{
	struct {
		struct nlmsghdr		nh;
		struct inet_diag_req_v2	r;
	} req;
	struct sockaddr_nl	 snl;
	struct iovec		 iov;
	struct msghdr		 msg;
	struct timeval		 tv;
	ssize_t			 n;
	long			 left;
	int			 i, rv;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = d->seq;
	req.nh.nlmsg_pid = d->portid;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = IPPROTO_UDP;
	req.r.idiag_states = ~0U;	/* UDP: CLOSE unconnected, ESTABLISHED */
	req.r.id.idiag_sport = htons(d->port);
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&snl,
	    sizeof(snl)) != (ssize_t)sizeof(req)) {
		d->error = errno != 0 ? errno : EIO;
		return -1;
	}

	for (i = 0; i < SOCKDIAG_MAX_READS; i++) {
		if ((left = sockdiag_ms_left(start)) <= 0) {
			d->error = ETIMEDOUT;
			return -1;
		}
		tv.tv_sec = left / 1000;
		tv.tv_usec = (left % 1000) * 1000;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) == -1) {
			d->error = errno;
			return -1;
		}
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = sockdiag_buf;
		iov.iov_len = sizeof(sockdiag_buf);
		msg.msg_name = &snl;
		msg.msg_namelen = sizeof(snl);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		n = recvmsg(fd, &msg, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			d->error = errno == EAGAIN || errno == EWOULDBLOCK ?
			    ETIMEDOUT : errno;
			return -1;
		}
		if (msg.msg_namelen != sizeof(snl) ||
		    snl.nl_family != AF_NETLINK || snl.nl_pid != 0)
			continue;	/* not from the kernel */
		if (msg.msg_flags & MSG_TRUNC) {
			d->error = EMSGSIZE;
			return -1;
		}
		rv = sockdiag_dump_read(d, sockdiag_buf, (size_t)n);
		if (rv == 1)
			return 0;
		if (rv == -1)
			return -1;
	}
	d->error = EMSGSIZE;
	return -1;
}

/* The IPv6 dump's errors that mean "this kernel has no IPv6 sockets". */
static int
sockdiag_no_ipv6(int error)
{
	return error == EAFNOSUPPORT || error == ENOENT ||
	    error == EPROTONOSUPPORT || error == EOPNOTSUPP;
}

int
sockdiag_udp_bound(uint16_t port, struct sockaddr_storage *addrs, size_t max)
{
	struct sockdiag_dump	 d;
	struct sockaddr_nl	 snl;
	struct timespec		 start;
	socklen_t		 slen;
	size_t			 n4;
	int			 fd, save;

	if (port == 0 || (addrs == NULL && max > 0)) {
		errno = EINVAL;
		return -1;
	}
	if (max > INT_MAX)
		max = INT_MAX;	/* the count is returned as an int */
	clock_gettime(CLOCK_MONOTONIC, &start);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd == -1)
		return -1;
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	slen = sizeof(snl);
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&snl, &slen) == -1)
		goto fail;
	if (slen != sizeof(snl) || snl.nl_family != AF_NETLINK) {
		errno = EPROTO;
		goto fail;
	}

	memset(&d, 0, sizeof(d));
	d.port = port;
	d.portid = snl.nl_pid;
	d.addrs = addrs;
	d.max = max;
	d.seq = (uint32_t)start.tv_nsec | 1;
	if (sockdiag_dump(fd, &d, AF_INET, &start) == -1) {
		errno = d.error;
		goto fail;
	}

	/* The IPv6 dump continues the array, on the same socket. */
	d.seq++;
	d.done = 0;
	d.msgs = 0;
	n4 = d.n;
	if (sockdiag_dump(fd, &d, AF_INET6, &start) == -1) {
		if (!sockdiag_no_ipv6(d.error)) {
			errno = d.error;
			goto fail;
		}
		d.n = n4;	/* nothing of a failed dump */
	}
	close(fd);
	return (int)d.n;

fail:
	save = errno;
	close(fd);
	errno = save;
	return -1;
}
