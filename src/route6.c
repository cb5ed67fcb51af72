/*
 * route6.c: does the host have a route to global unicast IPv6 space?
 * (aaaa-mode=auto and learn)
 *
 * One NETLINK_ROUTE socket, subscribed to RTMGRP_IPV6_ROUTE.  The answer
 * is always computed from a full dump of the IPv6 routes (RTM_GETROUTE,
 * NLM_F_DUMP), never from single notifications: any RTM_NEWROUTE or
 * RTM_DELROUTE notification, a lost notification (ENOBUFS) or an
 * interrupted dump (NLM_F_DUMP_INTR) just asks for a new dump, so the
 * answer cannot drift from the kernel's tables.  Notifications that come
 * during a dump are folded into one more dump after it.
 *
 * A route counts when it is unicast (RTN_UNICAST; unreachable, prohibit,
 * blackhole and local routes do not), in any table, not a cached clone,
 * and its destination overlaps 2000::/3: ::/0, ::/1, ::/2, or a prefix of
 * 3 bits or more starting with 001.  Link-local, ULA, multicast and
 * loopback routes do not.
 *
 * A kernel without IPv6 (booted with ipv6.disable=1: socket(AF_INET6)
 * fails with EAFNOSUPPORT) cannot gain it while running: the answer is
 * "no route" for good, said once, and no socket is opened.  A kernel
 * where IPv6 is only switched off (disable_ipv6=1) is watched as usual:
 * it has no global route until IPv6 is switched on again.
 *
 * Everything the kernel sends is checked: sender port 0, message lengths
 * (NLMSG_OK), attribute lengths (RTA_OK), truncation; loops are bounded by
 * the buffer.  The first dump is waited for in route6_init() (bounded by
 * ROUTE6_INIT_WAIT_MS), so the first queries see the right answer.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "netlink.h"
#include "route6.h"

#define ROUTE6_BUFSIZE		65536	/* kernel dump skbs are <= 32 KiB */
#define ROUTE6_RCVBUF		(1024 * 1024)
#define ROUTE6_RECVS		64	/* datagrams per read callback */
#define ROUTE6_RETRY_SEC	1	/* dump request failed: retry */
#define ROUTE6_DUMP_SEC		5	/* a dump taking longer: start over */
#define ROUTE6_INIT_WAIT_MS	2000

static struct event_base	*r6_base;
static void			(*r6_cb)(int);
static int			 r6_fd = -1;
static uint32_t			 r6_portid;
static struct event		*r6_ev;
static struct event		*r6_timer;	/* retry and dump watchdog */
static int			 r6_have = 1;	/* fail towards forwarding */
static int			 r6_reported;	/* cb called at least once */
static int			 r6_dumping;
static uint32_t			 r6_seq;
static int			 r6_dump_have;	/* found so far in this dump */
static int			 r6_dump_intr;
static int			 r6_need_dump;	/* something changed */
static int			 r6_failed;	/* the socket is broken */
static int			 r6_dump_failed; /* kernel said no: wait */

static uint8_t			 r6_buf[ROUTE6_BUFSIZE]
				    __attribute__((aligned(NLMSG_ALIGNTO)));

static int	route6_open(void);
static void	route6_close(void);
static int	route6_dump_start(void);
static void	route6_read(void);
static void	route6_read_cb(evutil_socket_t, short, void *);
static void	route6_timer_cb(evutil_socket_t, short, void *);
static void	route6_msgs(const uint8_t *, size_t);
static int	route6_is_global(const struct nlmsghdr *);
static void	route6_set(int);
static void	route6_after(void);

/* Destination of dst_len bits overlapping 2000::/3. */
static int
route6_prefix_global(const uint8_t *dst, unsigned int dst_len)
{
	uint8_t	 first = dst != NULL ? dst[0] : 0;

	if (dst_len == 0)
		return 1;
	if (dst_len == 1)
		return (first & 0x80) == 0;
	if (dst_len == 2)
		return (first & 0xc0) == 0;
	return (first & 0xe0) == 0x20;
}

/* One RTM_NEWROUTE message of a dump: a route that counts?  1 or 0. */
static int
route6_is_global(const struct nlmsghdr *nh)
{
	const struct rtmsg	*rtm;
	const struct rtattr	*rta;
	const uint8_t		*dst = NULL;
	int			 alen;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return 0;
	rtm = NLMSG_DATA(nh);
	if (rtm->rtm_family != AF_INET6 || rtm->rtm_type != RTN_UNICAST ||
	    rtm->rtm_dst_len > 128 || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	alen = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm));
	for (rta = RTM_RTA(rtm); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
		if (rta->rta_type == RTA_DST) {
			if (RTA_PAYLOAD(rta) != sizeof(struct in6_addr))
				return 0;
			dst = RTA_DATA(rta);
		}
	}
	if (dst == NULL && rtm->rtm_dst_len != 0)
		return 0;	/* a prefix without its address: malformed */
	return route6_prefix_global(dst, rtm->rtm_dst_len);
}

static void
route6_set(int have)
{
	if (r6_reported && have == r6_have)
		return;
	if (r6_reported)
		log_info("aaaa-mode: global IPv6 route %s",
		    have ? "appeared, forwarding AAAA" :
		    "gone, answering AAAA empty");
	else
		log_info("aaaa-mode: %s",
		    have ? "global IPv6 route present, forwarding AAAA" :
		    "no global IPv6 route, answering AAAA empty");
	r6_have = have;
	r6_reported = 1;
	if (r6_cb != NULL)
		r6_cb(have);
}

static int
route6_open(void)
{
	r6_fd = netlink_open(RTMGRP_IPV6_ROUTE, ROUTE6_RCVBUF, &r6_portid,
	    "route6");
	return r6_fd == -1 ? -1 : 0;
}

static void
route6_close(void)
{
	if (r6_ev != NULL) {
		event_free(r6_ev);
		r6_ev = NULL;
	}
	if (r6_fd != -1) {
		close(r6_fd);
		r6_fd = -1;
	}
	r6_dumping = 0;
}

/* Ask for a dump of the IPv6 routes.  0, or -1 (retried by the timer). */
static int
route6_dump_start(void)
{
	struct timeval		 tv;

	if (r6_dumping) {
		r6_need_dump = 1;
		return 0;
	}
	r6_need_dump = 0;
	if (netlink_dump_request(r6_fd, r6_portid, ++r6_seq, RTM_GETROUTE,
	    AF_INET6, sizeof(struct rtmsg), "route6") == -1) {
		r6_need_dump = 1;
		tv.tv_sec = ROUTE6_RETRY_SEC;
		tv.tv_usec = 0;
		if (r6_timer != NULL)
			evtimer_add(r6_timer, &tv);
		return -1;
	}
	r6_dumping = 1;
	r6_dump_have = 0;
	r6_dump_intr = 0;
	/* Watchdog: a dump that never ends (lost DONE) is started over. */
	tv.tv_sec = ROUTE6_DUMP_SEC;
	tv.tv_usec = 0;
	if (r6_timer != NULL)
		evtimer_add(r6_timer, &tv);
	return 0;
}

/* Every netlink message in one datagram from the kernel. */
static void
route6_msgs(const uint8_t *buf, size_t len)
{
	const struct nlmsghdr	*nh;
	size_t			 off, next;
	int			 ours;

	/* NLMSG_OK/NLMSG_NEXT by hand, without their signed lengths. */
	for (off = 0; len - off >= sizeof(*nh); off = next) {
		nh = (const struct nlmsghdr *)(buf + off);
		if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > len - off)
			break;
		next = off + NLMSG_ALIGN(nh->nlmsg_len);
		if (next > len)
			next = len;
		ours = r6_dumping && nh->nlmsg_seq == r6_seq &&
		    nh->nlmsg_pid == r6_portid;
		if (!ours) {
			/* A notification (or a stale dump): look again. */
			if (nh->nlmsg_type == RTM_NEWROUTE ||
			    nh->nlmsg_type == RTM_DELROUTE)
				r6_need_dump = 1;
			continue;
		}
		if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
			r6_dump_intr = 1;
		switch (nh->nlmsg_type) {
		case NLMSG_DONE:
			r6_dumping = 0;
			if (r6_timer != NULL)
				evtimer_del(r6_timer);
			if (r6_dump_intr)
				r6_need_dump = 1;
			else
				route6_set(r6_dump_have);
			return;
		case NLMSG_ERROR:
			log_warnx("route6: netlink dump failed");
			r6_dumping = 0;
			r6_dump_failed = 1;
			return;
		case RTM_NEWROUTE:
			if (route6_is_global(nh))
				r6_dump_have = 1;
			break;
		default:
			break;
		}
	}
}

/* Read what the kernel has for us, up to ROUTE6_RECVS datagrams. */
static void
route6_read(void)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < ROUTE6_RECVS && r6_fd != -1; i++) {
		switch (netlink_recv(r6_fd, r6_buf, sizeof(r6_buf), &n)) {
		case NETLINK_NONE:
			return;
		case NETLINK_SKIP:
			continue;	/* not from the kernel */
		case NETLINK_LOST:
			/* Notifications were lost: look again. */
			log_debug("route6: netlink overrun");
			r6_need_dump = 1;
			continue;
		case NETLINK_TRUNC:
			/* Part of a dump is lost: this dump is worthless. */
			log_warnx("route6: netlink message truncated");
			r6_dump_intr = 1;
			r6_need_dump = 1;
			continue;
		case NETLINK_ERROR:
			log_warn("route6: netlink recvmsg");
			r6_failed = 1;
			return;
		case NETLINK_MSG:
			break;
		}
		route6_msgs(r6_buf, (size_t)n);
	}
}

/* A new dump when asked for and none is running; or a new socket. */
static void
route6_after(void)
{
	if (r6_failed) {
		struct timeval	 tv = { ROUTE6_RETRY_SEC, 0 };

		/* Start over with a fresh socket from the timer. */
		route6_close();
		r6_failed = 0;
		r6_need_dump = 1;
		evtimer_add(r6_timer, &tv);
		return;
	}
	if (r6_dump_failed) {
		struct timeval	 tv = { ROUTE6_RETRY_SEC, 0 };

		/* Not at once: the kernel may say no again. */
		r6_dump_failed = 0;
		r6_need_dump = 1;
		evtimer_add(r6_timer, &tv);
		return;
	}
	if (r6_need_dump && !r6_dumping && !evtimer_pending(r6_timer, NULL))
		(void)route6_dump_start();
}

static void
route6_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	route6_read();
	route6_after();
}

static int
route6_add_event(void)
{
	r6_ev = event_new(r6_base, r6_fd, EV_READ | EV_PERSIST,
	    route6_read_cb, NULL);
	if (r6_ev == NULL || event_add(r6_ev, NULL) == -1) {
		log_warnx("route6: cannot add the netlink event");
		return -1;
	}
	return 0;
}

/* Retry a failed dump request, a dump that did not end, a lost socket. */
static void
route6_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	 tv = { ROUTE6_RETRY_SEC, 0 };

	if (r6_fd == -1 || r6_dumping) {
		if (r6_dumping)
			log_warnx("route6: netlink dump did not end, "
			    "starting over");
		route6_close();
		if (route6_open() == -1 || route6_add_event() == -1) {
			route6_close();
			evtimer_add(r6_timer, &tv);
			return;
		}
	}
	r6_need_dump = 1;
	route6_after();
}

/* 0 if the kernel has no IPv6 at all (EAFNOSUPPORT), else 1. */
static int
route6_kernel_has_ipv6(void)
{
	int	 fd;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return errno != EAFNOSUPPORT;
	close(fd);
	return 1;
}

int
route6_init(struct event_base *base, void (*cb)(int))
{
	struct pollfd	 pfd;
	struct timespec	 start, now;
	long		 left;

	r6_base = base;
	r6_cb = cb;
	r6_reported = 0;
	r6_have = 1;
	r6_failed = 0;
	r6_dump_failed = 0;
	r6_need_dump = 0;
	if (!route6_kernel_has_ipv6()) {
		log_info("aaaa-mode: no IPv6 in this kernel, answering "
		    "AAAA empty");
		r6_have = 0;
		r6_reported = 1;
		if (r6_cb != NULL)
			r6_cb(0);
		return 0;
	}
	if ((r6_timer = evtimer_new(base, route6_timer_cb, NULL)) == NULL) {
		log_warnx("route6: evtimer_new");
		return -1;
	}
	if (route6_open() == -1)
		goto fail;
	if (route6_dump_start() == -1)
		goto fail;

	/*
	 * Wait for the first answer here, bounded; changes during the wait
	 * are looked at again from the event loop.
	 */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!r6_reported) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ROUTE6_INIT_WAIT_MS -
		    ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			log_warnx("route6: no answer from netlink");
			goto fail;
		}
		pfd.fd = r6_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			log_warn("route6: poll");
			goto fail;
		}
		route6_read();
		if (r6_failed || r6_dump_failed)
			goto fail;
		if (!r6_reported && r6_need_dump && !r6_dumping &&
		    route6_dump_start() == -1)
			goto fail;
	}
	if (route6_add_event() == -1)
		goto fail;
	route6_after();
	return 0;

fail:
	route6_shutdown();
	r6_have = 1;
	r6_reported = 0;
	return -1;
}

void
route6_shutdown(void)
{
	route6_close();
	if (r6_timer != NULL) {
		event_free(r6_timer);
		r6_timer = NULL;
	}
	r6_cb = NULL;
	r6_need_dump = 0;
}

int
route6_have_global(void)
{
	return r6_have;
}
