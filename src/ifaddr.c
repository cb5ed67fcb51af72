/*
 * ifaddr.c: the host's interface addresses, from rtnetlink.
 *
 * One NETLINK_ROUTE socket subscribed to RTMGRP_IPV4_IFADDR and
 * RTMGRP_IPV6_IFADDR.  The table is always a full dump (RTM_GETADDR,
 * NLM_F_DUMP, both families): a notification, a lost notification
 * (ENOBUFS) or an interrupted dump (NLM_F_DUMP_INTR) asks for a new dump,
 * so the table cannot drift from the kernel's.  When a dump ends, the
 * interface names are filled in (if_indextoname: names are not in address
 * messages) and, if the table differs from the current one, it replaces
 * it and the caller's callback runs.
 *
 * Everything the kernel sends is checked: sender port 0, message and
 * attribute lengths, truncation; loops are bounded by the buffer and the
 * table by IFADDR_MAX.  The first dump is waited for in ifaddr_init()
 * (bounded by IFADDR_INIT_WAIT_MS), so binding at start sees it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ifaddr.h"
#include "log.h"
#include "netlink.h"

#define IFADDR_BUFSIZE		65536
#define IFADDR_RCVBUF		(1024 * 1024)
#define IFADDR_RECVS		64	/* datagrams per read callback */
#define IFADDR_RETRY_SEC	1
#define IFADDR_DUMP_SEC		5	/* a longer dump: start over */
#define IFADDR_INIT_WAIT_MS	2000

static struct event_base	*ia_base;
static void			(*ia_cb)(void);
static int			 ia_fd = -1;
static struct event		*ia_ev;
static struct event		*ia_timer;
static struct ifaddr_table	 ia_cur;	/* the table in use */
static struct ifaddr_dump	 ia_dump;	/* the dump in progress */
static int			 ia_running;
static int			 ia_have;	/* a first dump ended */
static int			 ia_failed;	/* the socket is broken */
static int			 ia_overflow_said;

static uint8_t			 ia_buf[IFADDR_BUFSIZE]
				    __attribute__((aligned(NLMSG_ALIGNTO)));

/* ---- pure parts -------------------------------------------------------- */

int
ifaddr_usable(const struct ifaddr_entry *a)
{
	return !(a->flags & IFA_F_DADFAILED);
}

int
ifaddr_tentative(const struct ifaddr_entry *a)
{
	return (a->flags & IFA_F_TENTATIVE) != 0;
}

const char *
ifaddr_match_name(const struct ifaddr_entry *a)
{
	return a->label[0] != '\0' ? a->label : a->ifname;
}

void
ifaddr_table_clear(struct ifaddr_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int
ifaddr_table_add(struct ifaddr_table *t, const struct ifaddr_entry *a)
{
	struct ifaddr_entry	*nv;
	size_t		 ncap;

	if (t->n >= IFADDR_MAX) {
		t->overflow = 1;
		return -1;
	}
	if (t->n == t->cap) {
		ncap = t->cap == 0 ? 16 : t->cap * 2;
		if (ncap > IFADDR_MAX)
			ncap = IFADDR_MAX;
		if ((nv = reallocarray(t->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		t->v = nv;
		t->cap = ncap;
	}
	t->v[t->n++] = *a;
	return 0;
}

int
ifaddr_parse(const struct nlmsghdr *nh, struct ifaddr_entry *out)
{
	const struct ifaddrmsg	*ifa;
	const struct rtattr	*rta;
	const void		*local = NULL, *address = NULL;
	size_t			 alen, want, plen;
	int			 rlen;

	if (nh->nlmsg_type != RTM_NEWADDR && nh->nlmsg_type != RTM_DELADDR)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return -1;
	ifa = NLMSG_DATA(nh);
	if (ifa->ifa_family == AF_INET)
		want = sizeof(struct in_addr);
	else if (ifa->ifa_family == AF_INET6)
		want = sizeof(struct in6_addr);
	else
		return 0;
	if (ifa->ifa_prefixlen > want * 8 || ifa->ifa_index == 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->ifindex = ifa->ifa_index;
	out->af = ifa->ifa_family;
	out->prefixlen = ifa->ifa_prefixlen;
	out->flags = ifa->ifa_flags;
	out->scope = ifa->ifa_scope;
	alen = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa));
	if (alen > INT32_MAX)
		return -1;
	rlen = (int)alen;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
		plen = RTA_PAYLOAD(rta);
		switch (rta->rta_type) {
		case IFA_LOCAL:
			if (plen != want)
				return -1;
			local = RTA_DATA(rta);
			break;
		case IFA_ADDRESS:
			if (plen != want)
				return -1;
			address = RTA_DATA(rta);
			break;
		case IFA_LABEL:
			/* A string, NUL included; too long: malformed. */
			if (plen == 0 || plen > IF_NAMESIZE ||
			    memchr(RTA_DATA(rta), '\0', plen) == NULL)
				return -1;
			memcpy(out->label, RTA_DATA(rta), plen);
			break;
		case IFA_FLAGS:
			if (plen != sizeof(uint32_t))
				return -1;
			memcpy(&out->flags, RTA_DATA(rta), sizeof(uint32_t));
			break;
		default:
			break;
		}
	}
	/* IFA_LOCAL is ours; IFA_ADDRESS is the peer on point-to-point. */
	if (local == NULL)
		local = address;
	if (local == NULL)
		return 0;
	memcpy(out->addr.b, local, want);
	if (out->af == AF_INET6)
		out->label[0] = '\0';
	return 1;
}

void
ifaddr_dump_input(struct ifaddr_dump *d, const uint8_t *buf, size_t len)
{
	const struct nlmsghdr	*nh;
	struct ifaddr_entry		 a;
	size_t			 off, next;
	int			 ours, r;

	/* NLMSG_OK/NLMSG_NEXT by hand, without their signed lengths. */
	for (off = 0; len - off >= sizeof(*nh); off = next) {
		nh = (const struct nlmsghdr *)(buf + off);
		if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > len - off)
			break;
		next = off + NLMSG_ALIGN(nh->nlmsg_len);
		if (next > len)
			next = len;
		ours = d->dumping && nh->nlmsg_seq == d->seq &&
		    nh->nlmsg_pid == d->portid;
		if (!ours) {
			if (nh->nlmsg_type == RTM_NEWADDR ||
			    nh->nlmsg_type == RTM_DELADDR)
				d->need_dump = 1;
			continue;
		}
		if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
			d->intr = 1;
		switch (nh->nlmsg_type) {
		case NLMSG_DONE:
			d->dumping = 0;
			d->done = 1;
			return;
		case NLMSG_ERROR:
			d->dumping = 0;
			d->failed = 1;
			return;
		case RTM_NEWADDR:
			r = ifaddr_parse(nh, &a);
			if (r == -1)
				d->malformed++;
			else if (r == 1)
				(void)ifaddr_table_add(&d->tab, &a);
			break;
		default:
			break;
		}
	}
}

int
ifaddr_prefix_match(int af, const void *net, unsigned int prefixlen,
    const void *addr)
{
	const uint8_t	*n = net, *a = addr;
	unsigned int	 bits = af == AF_INET ? 32 : 128, full;
	uint8_t		 mask;

	if (af != AF_INET && af != AF_INET6)
		return 0;
	if (prefixlen > bits)
		prefixlen = bits;
	full = prefixlen / 8;
	if (memcmp(n, a, full) != 0)
		return 0;
	if (prefixlen % 8 == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - prefixlen % 8));
	return (n[full] & mask) == (a[full] & mask);
}

int
ifaddr_name_match(const char *pattern, const char *name)
{
	size_t	 plen = strlen(pattern);

	if (plen > 0 && pattern[plen - 1] == '*')
		return strncmp(pattern, name, plen - 1) == 0;
	return strcmp(pattern, name) == 0;
}

/* ---- the table in use -------------------------------------------------- */

const struct ifaddr_entry *
ifaddr_list(size_t *n)
{
	*n = ia_cur.n;
	return ia_cur.v;
}

int
ifaddr_running(void)
{
	return ia_running;
}

int
ifaddr_on_subnet(unsigned int ifindex, int af, const void *addr)
{
	size_t	i;

	for (i = 0; i < ia_cur.n; i++) {
		const struct ifaddr_entry *a = &ia_cur.v[i];

		if (a->af != af || (ifindex != 0 && a->ifindex != ifindex))
			continue;
		if (ifaddr_prefix_match(af, a->addr.b, a->prefixlen, addr))
			return 1;
	}
	return 0;
}

unsigned int
ifaddr_index_of(int af, const void *addr)
{
	size_t	i, sz = af == AF_INET ? 4 : 16;

	for (i = 0; i < ia_cur.n; i++)
		if (ia_cur.v[i].af == af &&
		    memcmp(ia_cur.v[i].addr.b, addr, sz) == 0)
			return ia_cur.v[i].ifindex;
	return 0;
}

int
ifaddr_set_table(const struct ifaddr_entry *v, size_t n)
{
	struct ifaddr_table	t;
	size_t			i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < n; i++)
		if (ifaddr_table_add(&t, &v[i]) == -1) {
			ifaddr_table_clear(&t);
			return -1;
		}
	ifaddr_table_clear(&ia_cur);
	ia_cur = t;
	return 0;
}

/* Same addresses, names, prefixes and flags, in the same order? */
static int
ifaddr_table_equal(const struct ifaddr_table *a, const struct ifaddr_table *b)
{
	size_t	i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct ifaddr_entry *x = &a->v[i], *y = &b->v[i];

		if (x->ifindex != y->ifindex || x->af != y->af ||
		    x->prefixlen != y->prefixlen || x->flags != y->flags ||
		    memcmp(x->addr.b, y->addr.b, sizeof(x->addr.b)) != 0 ||
		    strcmp(x->ifname, y->ifname) != 0 ||
		    strcmp(x->label, y->label) != 0)
			return 0;
	}
	return 1;
}

/* ---- netlink ----------------------------------------------------------- */

static void
ifaddr_close(void)
{
	if (ia_ev != NULL) {
		event_free(ia_ev);
		ia_ev = NULL;
	}
	if (ia_fd != -1) {
		close(ia_fd);
		ia_fd = -1;
	}
	ia_dump.dumping = 0;
}

static int
ifaddr_open(void)
{
	ia_fd = netlink_open(RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	    IFADDR_RCVBUF, &ia_dump.portid, "ifaddr");
	return ia_fd == -1 ? -1 : 0;
}

static void
ifaddr_timer_arm(int sec)
{
	struct timeval	tv = { sec, 0 };

	if (ia_timer != NULL)
		evtimer_add(ia_timer, &tv);
}

/* Ask for a dump of every address.  0, or -1 (retried by the timer). */
static int
ifaddr_dump_start(void)
{
	if (ia_dump.dumping) {
		ia_dump.need_dump = 1;
		return 0;
	}
	ia_dump.need_dump = 0;
	if (netlink_dump_request(ia_fd, ia_dump.portid, ++ia_dump.seq,
	    RTM_GETADDR, AF_UNSPEC, sizeof(struct ifaddrmsg), "ifaddr") == -1) {
		ia_dump.need_dump = 1;
		ifaddr_timer_arm(IFADDR_RETRY_SEC);
		return -1;
	}
	ifaddr_table_clear(&ia_dump.tab);
	ia_dump.dumping = 1;
	ia_dump.done = ia_dump.failed = ia_dump.intr = 0;
	ia_dump.malformed = 0;
	ifaddr_timer_arm(IFADDR_DUMP_SEC);
	return 0;
}

/* A dump ended well: names, then the table replaces the current one. */
static void
ifaddr_dump_done(void)
{
	struct ifaddr_table	*t = &ia_dump.tab;
	size_t			 i, j;
	char			 name[IF_NAMESIZE];

	ia_dump.done = 0;
	if (ia_timer != NULL)
		evtimer_del(ia_timer);
	if (ia_dump.intr) {
		ia_dump.need_dump = 1;
		return;
	}
	if (ia_dump.malformed > 0)
		log_warnx("ifaddr: %zu malformed address messages from the "
		    "kernel left out", ia_dump.malformed);
	if (t->overflow && !ia_overflow_said) {
		log_warnx("ifaddr: more than %d addresses, the rest left out",
		    IFADDR_MAX);
		ia_overflow_said = 1;
	}
	/* An interface gone meanwhile: its address is left out. */
	for (i = j = 0; i < t->n; i++) {
		if (if_indextoname(t->v[i].ifindex, name) == NULL)
			continue;
		t->v[j] = t->v[i];
		memcpy(t->v[j].ifname, name, sizeof(name));
		j++;
	}
	t->n = j;
	ia_have = 1;
	if (ifaddr_table_equal(&ia_cur, t)) {
		ifaddr_table_clear(t);
		return;
	}
	ifaddr_table_clear(&ia_cur);
	ia_cur = *t;
	memset(t, 0, sizeof(*t));
	log_debug("ifaddr: %zu addresses", ia_cur.n);
	if (ia_cb != NULL && ia_running)
		ia_cb();
}

static void
ifaddr_read(void)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < IFADDR_RECVS && ia_fd != -1; i++) {
		switch (netlink_recv(ia_fd, ia_buf, sizeof(ia_buf), &n)) {
		case NETLINK_NONE:
			return;
		case NETLINK_SKIP:
			continue;	/* not from the kernel */
		case NETLINK_LOST:
			log_debug("ifaddr: netlink overrun");
			ia_dump.need_dump = 1;
			ia_dump.intr = 1;
			continue;
		case NETLINK_TRUNC:
			log_warnx("ifaddr: netlink message truncated");
			ia_dump.intr = 1;
			ia_dump.need_dump = 1;
			continue;
		case NETLINK_ERROR:
			log_warn("ifaddr: netlink recvmsg");
			ia_failed = 1;
			return;
		case NETLINK_MSG:
			break;
		}
		ifaddr_dump_input(&ia_dump, ia_buf, (size_t)n);
		if (ia_dump.done)
			ifaddr_dump_done();
	}
}

static void
ifaddr_after(void)
{
	if (ia_failed) {
		ifaddr_close();
		ia_failed = 0;
		ia_dump.need_dump = 1;
		ifaddr_timer_arm(IFADDR_RETRY_SEC);
		return;
	}
	if (ia_dump.failed) {
		log_warnx("ifaddr: netlink dump failed");
		ia_dump.failed = 0;
		ia_dump.need_dump = 1;
		ifaddr_timer_arm(IFADDR_RETRY_SEC);
		return;
	}
	if (ia_dump.need_dump && !ia_dump.dumping && ia_timer != NULL &&
	    !evtimer_pending(ia_timer, NULL))
		(void)ifaddr_dump_start();
}

static void
ifaddr_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	ifaddr_read();
	ifaddr_after();
}

static int
ifaddr_add_event(void)
{
	ia_ev = event_new(ia_base, ia_fd, EV_READ | EV_PERSIST,
	    ifaddr_read_cb, NULL);
	if (ia_ev == NULL || event_add(ia_ev, NULL) == -1) {
		log_warnx("ifaddr: cannot add the netlink event");
		return -1;
	}
	return 0;
}

static void
ifaddr_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	if (ia_fd == -1 || ia_dump.dumping) {
		if (ia_dump.dumping)
			log_warnx("ifaddr: netlink dump did not end, "
			    "starting over");
		ifaddr_close();
		if (ifaddr_open() == -1 || ifaddr_add_event() == -1) {
			ifaddr_close();
			ifaddr_timer_arm(IFADDR_RETRY_SEC);
			return;
		}
	}
	ia_dump.need_dump = 1;
	ifaddr_after();
}

int
ifaddr_init(struct event_base *base, void (*cb)(void))
{
	struct pollfd	 pfd;
	struct timespec	 start, now;
	long		 left;

	if (ia_running)
		return 0;
	ia_base = base;
	ia_cb = cb;
	ia_have = 0;
	ia_failed = 0;
	memset(&ia_dump, 0, sizeof(ia_dump));
	if ((ia_timer = evtimer_new(base, ifaddr_timer_cb, NULL)) == NULL) {
		log_warnx("ifaddr: evtimer_new");
		return -1;
	}
	if (ifaddr_open() == -1 || ifaddr_dump_start() == -1)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!ia_have) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = IFADDR_INIT_WAIT_MS -
		    ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			log_warnx("ifaddr: no answer from netlink");
			goto fail;
		}
		pfd.fd = ia_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			log_warn("ifaddr: poll");
			goto fail;
		}
		ifaddr_read();
		if (ia_failed || ia_dump.failed)
			goto fail;
		if (!ia_have && ia_dump.need_dump && !ia_dump.dumping &&
		    ifaddr_dump_start() == -1)
			goto fail;
	}
	if (ifaddr_add_event() == -1)
		goto fail;
	ia_running = 1;
	ifaddr_after();
	return 0;
fail:
	ifaddr_shutdown();
	return -1;
}

void
ifaddr_shutdown(void)
{
	ifaddr_close();
	if (ia_timer != NULL) {
		event_free(ia_timer);
		ia_timer = NULL;
	}
	ifaddr_table_clear(&ia_dump.tab);
	ifaddr_table_clear(&ia_cur);
	ia_cb = NULL;
	ia_running = 0;
	ia_have = 0;
}
