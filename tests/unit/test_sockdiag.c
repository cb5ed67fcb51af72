/*
 * test_sockdiag.c: sockdiag_udp_bound() against sockets the test binds
 * itself on loopback, and its parser against crafted kernel answers.
 *
 * As root every test runs in a network namespace of its own (unshare,
 * lo up), so no other program's sockets can be on the port; otherwise in
 * the current one, on a port the test could bind everywhere it needed.
 * The link wraps sendto and recvmsg, so that a kernel without IPv6 or
 * without UDP sock_diag, a kernel that never answers and a truncated
 * answer can be played to the real code.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockdiag.h"
#include "unit.h"

#define MAXA	16

/* ---- the wrapped system calls --------------------------------------- */
enum fake {
	FAKE_NONE,
	FAKE_V6_EAFNOSUPPORT,	/* the IPv6 dump: kernel without IPv6 */
	FAKE_V6_EPERM,		/* the IPv6 dump: another error */
	FAKE_V4_ENOENT,		/* the IPv4 dump: no UDP sock_diag */
	FAKE_SILENT,		/* the kernel never answers */
	FAKE_TRUNC,		/* an answer longer than the buffer */
	FAKE_FOREIGN,		/* a datagram from another port id first */
};
static enum fake	 fake;
static int		 req_family;
static uint32_t		 req_seq, req_pid;
static int		 foreign_sent;

ssize_t	__real_sendto(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t);
ssize_t	__wrap_sendto(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t);
ssize_t	__real_recvmsg(int, struct msghdr *, int);
ssize_t	__wrap_recvmsg(int, struct msghdr *, int);

ssize_t
__wrap_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *to, socklen_t tolen)
{
	struct nlmsghdr		 nh;
	struct inet_diag_req_v2	 r;

	if (len >= sizeof(nh) + sizeof(r)) {
		memcpy(&nh, buf, sizeof(nh));
		memcpy(&r, (const uint8_t *)buf + sizeof(nh), sizeof(r));
		req_family = r.sdiag_family;
		req_seq = nh.nlmsg_seq;
		req_pid = nh.nlmsg_pid;
	}
	return __real_sendto(fd, buf, len, flags, to, tolen);
}

/* An NLMSG_ERROR answer to the last request, from the kernel. */
static ssize_t
fake_error(struct msghdr *msg, int error, uint32_t pid)
{
	struct {
		struct nlmsghdr	 nh;
		struct nlmsgerr	 e;
	} a;
	struct sockaddr_nl	 snl;

	memset(&a, 0, sizeof(a));
	a.nh.nlmsg_len = sizeof(a);
	a.nh.nlmsg_type = NLMSG_ERROR;
	a.nh.nlmsg_seq = req_seq;
	a.nh.nlmsg_pid = req_pid;
	a.e.error = -error;
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_pid = pid;
	ck_assert_uint_ge(msg->msg_iov[0].iov_len, sizeof(a));
	memcpy(msg->msg_iov[0].iov_base, &a, sizeof(a));
	memcpy(msg->msg_name, &snl, sizeof(snl));
	msg->msg_namelen = sizeof(snl);
	msg->msg_flags = 0;
	return sizeof(a);
}

ssize_t
__wrap_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t	 n;

	switch (fake) {
	case FAKE_V6_EAFNOSUPPORT:
		if (req_family == AF_INET6)
			return fake_error(msg, EAFNOSUPPORT, 0);
		break;
	case FAKE_V6_EPERM:
		if (req_family == AF_INET6)
			return fake_error(msg, EPERM, 0);
		break;
	case FAKE_V4_ENOENT:
		if (req_family == AF_INET)
			return fake_error(msg, ENOENT, 0);
		break;
	case FAKE_SILENT:
		errno = EAGAIN;
		return -1;
	case FAKE_TRUNC:
		n = __real_recvmsg(fd, msg, flags);
		msg->msg_flags |= MSG_TRUNC;
		return n;
	case FAKE_FOREIGN:
		/* Not from the kernel: must be ignored, not obeyed. */
		if (!foreign_sent++)
			return fake_error(msg, EPERM, 4242);
		break;
	default:
		break;
	}
	return __real_recvmsg(fd, msg, flags);
}

/* ---- sockets ------------------------------------------------------------ */
static int	 in_own_netns;

/* As root: a network namespace of this test's own, lo up. */
static void
own_netns(void)
{
	struct ifreq	 ifr;
	int		 fd;

	in_own_netns = 0;
	if (geteuid() != 0)
		return;
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	in_own_netns = 1;
}

static void
setup(void)
{
	fake = FAKE_NONE;
	foreign_sent = 0;
	own_netns();
}

static socklen_t
sa_make(const char *text, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	ck_assert_int_eq(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	return sizeof(*sin6);
}

/* A UDP socket bound to text:port (v6only, for IPv6: -1 leaves the
 * default), or -1 with errno. */
static int
bind_udp(const char *text, uint16_t port, int v6only)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sa_make(text, port, &ss);
	int			 fd, save;

	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd == -1)
		return -1;
	if (v6only != -1 && ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &v6only, sizeof(v6only)) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) == -1)
		goto fail;
	return fd;
fail:
	save = errno;
	close(fd);
	errno = save;
	return -1;
}

static int
have_ipv6(void)
{
	int	 fd = bind_udp("::1", 0, 1);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

static uint16_t
port_of(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * Bind every address of texts (NULL-terminated) on one port the kernel
 * picks; fds[] gets the sockets.  Returns the port.
 */
static uint16_t
bind_all(const char *const *texts, int *fds)
{
	uint16_t	 port;
	int		 try, i, ok;

	for (try = 0; try < 50; try++) {
		fds[0] = bind_udp(texts[0], 0, 1);
		ck_assert_int_ge(fds[0], 0);
		port = port_of(fds[0]);
		ok = 1;
		for (i = 1; texts[i] != NULL; i++) {
			if ((fds[i] = bind_udp(texts[i], port, 1)) == -1) {
				ck_assert_int_eq(errno, EADDRINUSE);
				ok = 0;
				break;
			}
		}
		if (ok)
			return port;
		while (i-- > 0)
			close(fds[i]);
	}
	ck_abort_msg("no port free on every address");
	return 0;
}

static void
close_all(int *fds, int n)
{
	while (n-- > 0)
		close(fds[n]);
}

/* Does the result hold exactly the addresses of texts (NULL-ended)? */
static void
expect_set(const struct sockaddr_storage *got, int n, uint16_t port,
    const char *const *texts)
{
	struct sockaddr_storage	 want[MAXA];
	char			 buf[512];
	size_t			 nw, off = 0;
	int			 i;

	for (nw = 0; texts[nw] != NULL; nw++)
		(void)sa_make(texts[nw], port, &want[nw]);
	ck_assert_int_ge(n, 0);
	if (sockdiag_same(got, (size_t)n, want, nw) && (size_t)n == nw)
		return;
	buf[0] = '\0';
	for (i = 0; i < n && off < sizeof(buf) - 64; i++) {
		char	 t[INET6_ADDRSTRLEN] = "?";

		if (got[i].ss_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
			    &got[i])->sin_addr, t, sizeof(t));
		else if (got[i].ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
			    &got[i])->sin6_addr, t, sizeof(t));
		off += snprintf(buf + off, sizeof(buf) - off, " %s", t);
	}
	ck_abort_msg("port %u: got %d address(es):%s; want %zu (first %s)",
	    port, n, buf, nw, nw > 0 ? texts[0] : "-");
}

/* ---- against the kernel ------------------------------------------------ */
START_TEST(test_loopback_addresses)
{
	const char *const	 v4[] = { "127.0.0.1", "127.0.0.2", NULL };
	const char *const	 v46[] = { "127.0.0.1", "127.0.0.2", "::1",
				    NULL };
	const char *const	*texts = have_ipv6() ? v46 : v4;
	const char *const	 wild[] = { "0.0.0.0", NULL };
	const char *const	 none[] = { NULL };
	struct sockaddr_storage	 got[MAXA];
	int			 fds[4], wfd, n;
	uint16_t		 port, wport;

	port = bind_all(texts, fds);
	/* A wildcard on another port must not show on this one. */
	wfd = bind_udp("0.0.0.0", 0, -1);
	ck_assert_int_ge(wfd, 0);
	wport = port_of(wfd);

	n = sockdiag_udp_bound(port, got, MAXA);
	expect_set(got, n, port, texts);
	n = sockdiag_udp_bound(wport, got, MAXA);
	expect_set(got, n, wport, wild);

	close(wfd);
	n = sockdiag_udp_bound(wport, got, MAXA);
	expect_set(got, n, wport, none);
	close_all(fds, texts == v46 ? 3 : 2);
	n = sockdiag_udp_bound(port, got, MAXA);
	expect_set(got, n, port, none);
}
END_TEST

START_TEST(test_rebind)
{
	const char *const	 one[] = { "127.0.0.1", NULL };
	const char *const	 two[] = { "127.0.0.2", NULL };
	struct sockaddr_storage	 a[MAXA], b[MAXA], c[MAXA];
	int			 fd, na, nb, nc;
	uint16_t		 port;

	port = bind_all(one, &fd);
	na = sockdiag_udp_bound(port, a, MAXA);
	expect_set(a, na, port, one);
	close(fd);
	fd = bind_udp("127.0.0.2", port, -1);
	ck_assert_int_ge(fd, 0);
	nb = sockdiag_udp_bound(port, b, MAXA);
	expect_set(b, nb, port, two);
	ck_assert_int_eq(sockdiag_same(a, na, b, nb), 0);
	close(fd);
	fd = bind_udp("127.0.0.1", port, -1);
	ck_assert_int_ge(fd, 0);
	nc = sockdiag_udp_bound(port, c, MAXA);
	ck_assert_int_eq(sockdiag_same(a, na, c, nc), 1);
	close(fd);
}
END_TEST

/* SO_REUSEPORT groups and the like: one address, however many sockets. */
START_TEST(test_dedup)
{
	const char *const	 one[] = { "127.0.0.1", NULL };
	struct sockaddr_storage	 got[MAXA], ss;
	int			 fds[4], on = 1, i, n;
	uint16_t		 port;

	for (i = 0; i < 4; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		ck_assert_int_ge(fds[i], 0);
		ck_assert_int_eq(setsockopt(fds[i], SOL_SOCKET, SO_REUSEPORT,
		    &on, sizeof(on)), 0);
		port = i == 0 ? 0 : port_of(fds[0]);
		ck_assert_int_eq(bind(fds[i], (struct sockaddr *)&ss,
		    sa_make("127.0.0.1", port, &ss)), 0);
	}
	port = port_of(fds[0]);
	n = sockdiag_udp_bound(port, got, 1);
	expect_set(got, n, port, one);
	close_all(fds, 4);
}
END_TEST

START_TEST(test_dual_stack)
{
	const char *const	 both[] = { "::", "0.0.0.0", NULL };
	const char *const	 six[] = { "::", NULL };
	const char *const	 four[] = { "127.0.0.1", NULL };
	struct sockaddr_storage	 got[MAXA];
	int			 fd, n;
	uint16_t		 port;

	if (!have_ipv6()) {
		fprintf(stderr, "test_dual_stack: skipped, no IPv6\n");
		return;
	}
	/* :: without IPV6_V6ONLY receives IPv4 on every address too. */
	fd = bind_udp("::", 0, 0);
	ck_assert_int_ge(fd, 0);
	port = port_of(fd);
	n = sockdiag_udp_bound(port, got, MAXA);
	expect_set(got, n, port, both);
	/* With room for one only: not a silent half answer. */
	ck_assert_int_eq(sockdiag_udp_bound(port, got, 1), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	close(fd);

	fd = bind_udp("::", port, 1);
	ck_assert_int_ge(fd, 0);
	n = sockdiag_udp_bound(port, got, MAXA);
	expect_set(got, n, port, six);
	close(fd);

	/* An IPv4-mapped address receives IPv4 only, to that address. */
	fd = bind_udp("::ffff:127.0.0.1", port, 0);
	ck_assert_int_ge(fd, 0);
	n = sockdiag_udp_bound(port, got, MAXA);
	expect_set(got, n, port, four);
	ck_assert_int_eq(got[0].ss_family, AF_INET);
	close(fd);
}
END_TEST

/* A connected socket hears its peer only: not a server. */
START_TEST(test_connected_left_out)
{
	const char *const	 two[] = { "127.0.0.2", NULL };
	struct sockaddr_storage	 got[MAXA], peer;
	int			 fds[2], n;
	uint16_t		 port;
	const char *const	 texts[] = { "127.0.0.1", "127.0.0.2", NULL };

	port = bind_all(texts, fds);
	ck_assert_int_eq(connect(fds[0], (struct sockaddr *)&peer,
	    sa_make("127.0.0.1", 9, &peer)), 0);
	n = sockdiag_udp_bound(port, got, MAXA);
	expect_set(got, n, port, two);
	close_all(fds, 2);
}
END_TEST

START_TEST(test_too_many)
{
	const char *const	 texts[] = { "127.0.0.1", "127.0.0.2",
				    "127.0.0.3", NULL };
	struct sockaddr_storage	 got[MAXA];
	int			 fds[3];
	uint16_t		 port;

	port = bind_all(texts, fds);
	ck_assert_int_eq(sockdiag_udp_bound(port, got, 2), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	ck_assert_int_eq(sockdiag_udp_bound(port, got, 3), 3);
	expect_set(got, 3, port, texts);
	ck_assert_int_eq(sockdiag_udp_bound(port, NULL, 0), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	ck_assert_int_eq(sockdiag_udp_bound(0, got, MAXA), -1);
	ck_assert_int_eq(errno, EINVAL);
	close_all(fds, 3);
}
END_TEST

/* Sockets of another user, read by an unprivileged process. */
START_TEST(test_unprivileged)
{
	const char *const	 texts[] = { "127.0.0.1", "127.0.0.2", NULL };
	struct sockaddr_storage	 got[MAXA];
	int			 fds[2], st, n;
	uint16_t		 port;
	pid_t			 pid;

	if (geteuid() != 0) {
		fprintf(stderr, "test_unprivileged: skipped, not root "
		    "(the other tests ran unprivileged)\n");
		return;
	}
	port = bind_all(texts, fds);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
		    setuid(65534) == -1 || geteuid() != 65534)
			_exit(3);
		n = sockdiag_udp_bound(port, got, MAXA);
		_exit(n == 2 && sockdiag_same(got, 2, got, 2) ? 0 :
		    n == -1 ? 4 : 5);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	n = sockdiag_udp_bound(port, got, MAXA);
	expect_set(got, n, port, texts);
	close_all(fds, 2);
}
END_TEST

/* ---- odd kernels, played through the wrapped calls ------------------- */
START_TEST(test_kernel_without_ipv6)
{
	const char *const	 one[] = { "127.0.0.1", NULL };
	struct sockaddr_storage	 got[MAXA];
	int			 fd, n;
	uint16_t		 port;

	port = bind_all(one, &fd);
	fake = FAKE_V6_EAFNOSUPPORT;
	n = sockdiag_udp_bound(port, got, MAXA);
	expect_set(got, n, port, one);
	/* Any other IPv6 error is one. */
	fake = FAKE_V6_EPERM;
	ck_assert_int_eq(sockdiag_udp_bound(port, got, MAXA), -1);
	ck_assert_int_eq(errno, EPERM);
	/* No UDP sock_diag at all: the caller must know. */
	fake = FAKE_V4_ENOENT;
	ck_assert_int_eq(sockdiag_udp_bound(port, got, MAXA), -1);
	ck_assert_int_eq(errno, ENOENT);
	fake = FAKE_SILENT;
	ck_assert_int_eq(sockdiag_udp_bound(port, got, MAXA), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	fake = FAKE_TRUNC;
	ck_assert_int_eq(sockdiag_udp_bound(port, got, MAXA), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	/* A datagram from another sender is ignored, not obeyed. */
	fake = FAKE_FOREIGN;
	n = sockdiag_udp_bound(port, got, MAXA);
	ck_assert_int_ge(foreign_sent, 2);	/* the fake, then the kernel */
	expect_set(got, n, port, one);
	fake = FAKE_NONE;
	close(fd);
}
END_TEST

/* ---- the parser on crafted answers -------------------------------------- */
#define SEQ	0x1234
#define PID	0x5678
#define PORT	53

struct crafted {
	uint8_t	 buf[1024] __attribute__((aligned(4)));
	size_t	 len;
};

static void
put_hdr(struct crafted *c, uint32_t len, uint16_t type, uint32_t seq,
    uint32_t pid)
{
	struct nlmsghdr	 nh;

	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_len = len;
	nh.nlmsg_type = type;
	nh.nlmsg_flags = NLM_F_MULTI;
	nh.nlmsg_seq = seq;
	nh.nlmsg_pid = pid;
	memcpy(c->buf + c->len, &nh, sizeof(nh));
}

/* One socket message; attr < 0: no V6ONLY attribute, else its value. */
static void
put_sock(struct crafted *c, int family, const char *addr, uint16_t sport,
    uint16_t dport, int attr, uint32_t seq)
{
	struct inet_diag_msg	 m;
	struct nlattr		 nla;
	uint32_t		 len;

	len = NLMSG_LENGTH(sizeof(m)) + (attr >= 0 ? NLA_HDRLEN + 4 : 0);
	put_hdr(c, len, SOCK_DIAG_BY_FAMILY, seq, PID);
	memset(&m, 0, sizeof(m));
	m.idiag_family = family;
	m.idiag_state = 7;
	m.id.idiag_sport = htons(sport);
	m.id.idiag_dport = htons(dport);
	m.id.idiag_if = 3;
	ck_assert_int_eq(inet_pton(family, addr, m.id.idiag_src), 1);
	memcpy(c->buf + c->len + NLMSG_HDRLEN, &m, sizeof(m));
	if (attr >= 0) {
		nla.nla_len = NLA_HDRLEN + 1;
		nla.nla_type = INET_DIAG_SKV6ONLY;
		memcpy(c->buf + c->len + NLMSG_LENGTH(sizeof(m)), &nla,
		    sizeof(nla));
		c->buf[c->len + NLMSG_LENGTH(sizeof(m)) + NLA_HDRLEN] =
		    (uint8_t)attr;
	}
	c->len += NLMSG_ALIGN(len);
}

static void
put_int(struct crafted *c, uint16_t type, int v, uint32_t seq)
{
	put_hdr(c, NLMSG_LENGTH(sizeof(v)), type, seq, PID);
	memcpy(c->buf + c->len + NLMSG_HDRLEN, &v, sizeof(v));
	c->len += NLMSG_LENGTH(sizeof(v));
}

static void
dump_init(struct sockdiag_dump *d, struct sockaddr_storage *a, size_t max)
{
	memset(d, 0, sizeof(*d));
	d->port = PORT;
	d->seq = SEQ;
	d->portid = PID;
	d->addrs = a;
	d->max = max;
}

START_TEST(test_parse_good)
{
	const char *const	 want[] = { "192.0.2.1", "::", "0.0.0.0",
				    "2001:db8::1", "198.51.100.7", NULL };
	struct sockaddr_storage	 a[MAXA];
	struct sockdiag_dump	 d;
	struct crafted		 c = { .len = 0 };
	struct sockaddr_in6	*sin6;
	int			 i;

	put_sock(&c, AF_INET, "192.0.2.1", PORT, 0, -1, SEQ);
	put_sock(&c, AF_INET, "192.0.2.1", PORT, 0, -1, SEQ);	/* dup */
	put_sock(&c, AF_INET, "192.0.2.2", PORT + 1, 0, -1, SEQ); /* port */
	put_sock(&c, AF_INET, "192.0.2.3", PORT, 4444, -1, SEQ); /* conn. */
	put_sock(&c, AF_INET, "192.0.2.4", PORT, 0, -1, SEQ + 9); /* seq */
	put_sock(&c, AF_INET6, "::", PORT, 0, 0, SEQ);	/* dual stack */
	put_sock(&c, AF_INET6, "2001:db8::1", PORT, 0, 1, SEQ);
	put_sock(&c, AF_INET6, "::ffff:198.51.100.7", PORT, 0, 0, SEQ);
	dump_init(&d, a, MAXA);
	ck_assert_int_eq(sockdiag_dump_read(&d, c.buf, c.len), 0);
	expect_set(a, (int)d.n, PORT, want);

	/* A link-local address keeps its interface; then the end. */
	c.len = 0;
	put_sock(&c, AF_INET6, "fe80::1", PORT, 0, 1, SEQ);
	put_int(&c, NLMSG_DONE, 0, SEQ);
	put_sock(&c, AF_INET, "192.0.2.9", PORT, 0, -1, SEQ);	/* after */
	ck_assert_int_eq(sockdiag_dump_read(&d, c.buf, c.len), 1);
	ck_assert_uint_eq(d.n, 6);
	sin6 = (struct sockaddr_in6 *)&a[5];
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert_uint_eq(sin6->sin6_scope_id, 3);
	for (i = 0; i < 5; i++)
		if (a[i].ss_family == AF_INET6)
			ck_assert_uint_eq(((struct sockaddr_in6 *)&a[i])->
			    sin6_scope_id, 0);
	ck_assert_int_eq(sockdiag_dump_read(&d, c.buf, c.len), 1);
	ck_assert_uint_eq(d.n, 6);
}
END_TEST

/* Each: a buffer and the errno it must end with (0: no error, no add). */
START_TEST(test_parse_bad)
{
	struct sockaddr_storage	 a[MAXA];
	struct sockdiag_dump	 d;
	struct crafted		 c;
	struct nlattr		 nla;
	size_t			 mlen = NLMSG_LENGTH(sizeof(struct inet_diag_msg));
	int			 i;

	for (i = 0; i < 12; i++) {
		int	 want = EPROTO, rv;

		memset(&c, 0, sizeof(c));
		switch (i) {
		case 0:		/* length below the header */
			put_hdr(&c, 8, SOCK_DIAG_BY_FAMILY, SEQ, PID);
			c.len = 16;
			break;
		case 1:		/* length past the datagram */
			put_sock(&c, AF_INET, "192.0.2.1", PORT, 0, -1, SEQ);
			c.len -= 4;
			break;
		case 2:		/* a socket message too short */
			put_hdr(&c, NLMSG_LENGTH(8), SOCK_DIAG_BY_FAMILY,
			    SEQ, PID);
			c.len = NLMSG_LENGTH(8);
			break;
		case 3:		/* error message without its errno */
			put_hdr(&c, NLMSG_HDRLEN, NLMSG_ERROR, SEQ, PID);
			c.len = NLMSG_HDRLEN;
			break;
		case 4:		/* the kernel says no */
			put_int(&c, NLMSG_ERROR, -EACCES, SEQ);
			want = EACCES;
			break;
		case 5:		/* an absurd errno */
			put_int(&c, NLMSG_ERROR, -100000, SEQ);
			break;
		case 6:		/* a dump that ended in error */
			put_int(&c, NLMSG_DONE, -EINTR, SEQ);
			want = EINTR;
			break;
		case 7:		/* a type nobody asked for */
			put_int(&c, 0x77, 0, SEQ);
			break;
		case 8:		/* an inconsistent dump */
			put_sock(&c, AF_INET, "192.0.2.1", PORT, 0, -1, SEQ);
			((struct nlmsghdr *)c.buf)->nlmsg_flags |=
			    NLM_F_DUMP_INTR;
			want = EAGAIN;
			break;
		case 9:		/* dual stack, attribute length 0 */
		case 10:	/* dual stack, attribute past the message */
			put_sock(&c, AF_INET6, "::", PORT, 0, 0, SEQ);
			nla.nla_len = i == 9 ? 0 : 200;
			nla.nla_type = INET_DIAG_SKV6ONLY;
			memcpy(c.buf + mlen, &nla, sizeof(nla));
			want = 0;
			break;
		case 11:	/* trailing bytes shorter than a header */
			put_sock(&c, AF_INET, "192.0.2.1", PORT, 0, -1, SEQ);
			c.len += 7;
			want = 0;
			break;
		}
		dump_init(&d, a, MAXA);
		rv = sockdiag_dump_read(&d, c.buf, c.len);
		ck_assert_msg(d.error == want, "case %d: error %d, want %d",
		    i, d.error, want);
		ck_assert_int_eq(rv, want != 0 ? -1 : 0);
		if (i == 9 || i == 10) {
			/* The wildcard, but no IPv4 from a bad attribute. */
			ck_assert_uint_eq(d.n, 1);
			ck_assert_int_eq(a[0].ss_family, AF_INET6);
		}
		/* An error sticks. */
		if (want != 0)
			ck_assert_int_eq(sockdiag_dump_read(&d, c.buf, c.len),
			    -1);
	}
}
END_TEST

/* Noise: never a read outside the buffer (the sanitizer build checks),
 * never more addresses than room. */
START_TEST(test_parse_noise)
{
	struct sockaddr_storage	 a[2];
	struct sockdiag_dump	 d;
	struct crafted		 c;
	uint32_t		 x = 0x9e3779b9;
	size_t			 j;
	int			 i;

	for (i = 0; i < 20000; i++) {
		memset(&c, 0, sizeof(c));
		put_sock(&c, i & 1 ? AF_INET6 : AF_INET, i & 1 ? "::" :
		    "0.0.0.0", PORT, 0, 0, SEQ);
		put_sock(&c, AF_INET6, "::1", PORT, 0, 0, SEQ);
		put_sock(&c, AF_INET, "127.0.0.1", PORT, 0, -1, SEQ);
		for (j = 0; j < 6; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			c.buf[x % c.len] = (uint8_t)(x >> 24);
		}
		c.len -= (x >> 8) % 8 == 0 ? (x >> 11) % c.len : 0;
		dump_init(&d, a, 2);
		(void)sockdiag_dump_read(&d, c.buf, c.len);
		ck_assert_uint_le(d.n, 2);
	}
}
END_TEST

START_TEST(test_same)
{
	struct sockaddr_storage	 a[4], b[4];
	struct sockaddr_in6	*sin6;

	(void)sa_make("127.0.0.1", 53, &a[0]);
	(void)sa_make("::1", 53, &a[1]);
	(void)sa_make("::1", 53, &b[0]);
	(void)sa_make("127.0.0.1", 53, &b[1]);
	(void)sa_make("127.0.0.1", 53, &b[2]);
	ck_assert_int_eq(sockdiag_same(a, 2, b, 2), 1);	/* order */
	ck_assert_int_eq(sockdiag_same(a, 2, b, 3), 1);	/* duplicates */
	ck_assert_int_eq(sockdiag_same(a, 0, b, 0), 1);
	ck_assert_int_eq(sockdiag_same(a, 1, b, 2), 0);	/* one more */
	ck_assert_int_eq(sockdiag_same(a, 2, b, 1), 0);
	ck_assert_int_eq(sockdiag_same(a, 0, b, 1), 0);
	(void)sa_make("127.0.0.2", 53, &b[1]);
	ck_assert_int_eq(sockdiag_same(a, 2, b, 2), 0);	/* address */
	(void)sa_make("127.0.0.1", 54, &b[1]);
	ck_assert_int_eq(sockdiag_same(a, 2, b, 2), 0);	/* port */
	(void)sa_make("::ffff:127.0.0.1", 53, &b[1]);
	ck_assert_int_eq(sockdiag_same(a, 2, b, 2), 0);	/* family */
	(void)sa_make("fe80::1", 53, &a[2]);
	(void)sa_make("fe80::1", 53, &b[2]);
	ck_assert_int_eq(sockdiag_same(a + 2, 1, b + 2, 1), 1);
	sin6 = (struct sockaddr_in6 *)&b[2];
	sin6->sin6_scope_id = 2;
	ck_assert_int_eq(sockdiag_same(a + 2, 1, b + 2, 1), 0);	/* scope */
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("sockdiag");
	TCase	*tk = tcase_create("kernel");
	TCase	*tp = tcase_create("parse");

	tcase_add_checked_fixture(tk, setup, NULL);
	tcase_add_test(tk, test_loopback_addresses);
	tcase_add_test(tk, test_rebind);
	tcase_add_test(tk, test_dedup);
	tcase_add_test(tk, test_dual_stack);
	tcase_add_test(tk, test_connected_left_out);
	tcase_add_test(tk, test_too_many);
	tcase_add_test(tk, test_unprivileged);
	tcase_add_test(tk, test_kernel_without_ipv6);
	suite_add_tcase(s, tk);
	tcase_add_test(tp, test_parse_good);
	tcase_add_test(tp, test_parse_bad);
	tcase_add_test(tp, test_parse_noise);
	tcase_add_test(tp, test_same);
	suite_add_tcase(s, tp);
	return unit_run(s);
}
