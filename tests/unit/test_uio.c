/*
 * test_uio.c: the real upstream I/O (uio.c) on loopback sockets.  An
 * answered transmission's socket is disconnected and kept for a later
 * transmission: nothing that was queued on it (a duplicate answer of the
 * first server) may reach the next one, to another server, and the
 * next one leaves from a fresh port.
 *
 * server=ADDR@SOURCE and @INTERFACE (struct uio_bind, filled here as the
 * configuration will fill it) and min-port/max-port: the server sees the
 * source address, a missing interface is ENODEV (not fatal), and every
 * port lies in the range.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "uio.h"
#include "unit.h"

static void
nop(void *arg)
{
	(void)arg;
}

/* A UDP "server" on 127.0.0.1, its address in *sin. */
static int
server(struct sockaddr_in *sin)
{
	socklen_t	 len = sizeof(*sin);
	int		 fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

static uint16_t
local_port(int fd)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

START_TEST(test_reused_socket_is_empty)
{
	struct event_base	*base = event_base_new();
	struct sockaddr_in	 a, b, from;
	struct uio_sock		 s, t;
	socklen_t		 flen = sizeof(from);
	uint8_t			 buf[64];
	int			 fa, fb, i;
	uint16_t		 port1;

	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(uio_real_init(base), 0);
	uio_set(&uio_real);
	fa = server(&a);
	fb = server(&b);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(uio->udp_open(&s, (struct sockaddr *)&a, sizeof(a),
	    nop, NULL), 0);
	port1 = local_port(s.fd);
	ck_assert_int_eq(uio->send(&s, (const uint8_t *)"q1", 2), 0);
	ck_assert_int_eq(recvfrom(fa, buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &flen), 2);
	/* The answer, and two copies that are still queued when the
	 * transmission ends. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(sendto(fa, "a1", 2, 0,
		    (struct sockaddr *)&from, flen), 2);
	ck_assert_int_eq(uio->recv(&s, buf, sizeof(buf)), 2);
	uio->close(&s);

	/* The next transmission, to server b, gets the kept socket. */
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(uio->udp_open(&t, (struct sockaddr *)&b, sizeof(b),
	    nop, NULL), 0);
	ck_assert_int_ne(local_port(t.fd), 0);
	errno = 0;
	ck_assert_int_eq(uio->recv(&t, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* What b says arrives; a's port is not b's. */
	ck_assert_int_eq(uio->send(&t, (const uint8_t *)"q2", 2), 0);
	flen = sizeof(from);
	ck_assert_int_eq(recvfrom(fb, buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &flen), 2);
	(void)port1;
	ck_assert_int_eq(sendto(fb, "b2", 2, 0, (struct sockaddr *)&from,
	    flen), 2);
	ck_assert_int_eq(uio->recv(&t, buf, sizeof(buf)), 2);
	ck_assert_int_eq(memcmp(buf, "b2", 2), 0);
	uio->close(&t);
	close(fa);
	close(fb);
	event_base_free(base);
}
END_TEST

static struct sockaddr_in
loaddr(const char *a, uint16_t port)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	return sin;
}

/* One datagram through a socket opened with bind b; where it came from. */
static int
send_from(const struct uio_bind *b, int srv, const struct sockaddr_in *to,
    struct sockaddr_in *from)
{
	struct uio_sock	 s;
	socklen_t	 flen = sizeof(*from);
	uint8_t		 buf[16];

	memset(&s, 0, sizeof(s));
	s.bind = b;
	if (uio->udp_open(&s, (const struct sockaddr *)to, sizeof(*to), nop,
	    NULL) == -1)
		return -1;
	ck_assert_int_eq(uio->send(&s, (const uint8_t *)"q", 1), 0);
	ck_assert_int_eq(recvfrom(srv, buf, sizeof(buf), 0,
	    (struct sockaddr *)from, &flen), 1);
	/* Answered, yet never kept idle: it is bound. */
	ck_assert_int_eq(sendto(srv, "a", 1, 0, (struct sockaddr *)from,
	    flen), 1);
	ck_assert_int_eq(uio->recv(&s, buf, sizeof(buf)), 1);
	ck_assert_int_eq(s.pinned, 1);
	uio->close(&s);
	return 0;
}

START_TEST(test_bind_source_and_device)
{
	struct event_base	*base = event_base_new();
	struct sockaddr_in	 a, from, src;
	struct uio_bind		 b;
	struct uio_sock		 t;
	struct timeval		 tv = { 2, 0 };
	socklen_t		 alen = sizeof(a);
	int			 fd, lfd, cfd;

	ck_assert_int_eq(uio_real_init(base), 0);
	uio_set(&uio_real);
	fd = server(&a);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);

	/* @SOURCE: 127.0.0.2, any port. */
	memset(&b, 0, sizeof(b));
	src = loaddr("127.0.0.2", 0);
	memcpy(&b.source, &src, sizeof(src));
	b.sourcelen = sizeof(src);
	ck_assert_int_eq(send_from(&b, fd, &a, &from), 0);
	ck_assert_str_eq(inet_ntoa(from.sin_addr), "127.0.0.2");
	ck_assert_uint_ne(ntohs(from.sin_port), 0);

	/* A port in the source is never bound: one fixed port would leave
	 * only the ID to guard the answers (the configuration refuses it). */
	src = loaddr("127.0.0.3", 0);
	{
		int	 probe = server(&src);	/* a free port */

		close(probe);
	}
	src.sin_addr.s_addr = htonl(0x7f000003);
	memcpy(&b.source, &src, sizeof(src));
	ck_assert_int_eq(send_from(&b, fd, &a, &from), 0);
	ck_assert_str_eq(inet_ntoa(from.sin_addr), "127.0.0.3");
	ck_assert_uint_ne(from.sin_port, src.sin_port);

	/* @INTERFACE: lo works; one that does not exist is ENODEV. */
	memset(&b, 0, sizeof(b));
	snprintf(b.ifname, sizeof(b.ifname), "lo");
	ck_assert_int_eq(send_from(&b, fd, &a, &from), 0);
	snprintf(b.ifname, sizeof(b.ifname), "nosuchif0");
	memset(&t, 0, sizeof(t));
	t.bind = &b;
	errno = 0;
	ck_assert_int_eq(uio->udp_open(&t, (struct sockaddr *)&a, sizeof(a),
	    nop, NULL), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(t.fd, -1);

	/* A source of the other family cannot be used. */
	memset(&b, 0, sizeof(b));
	b.source.ss_family = AF_INET6;
	b.sourcelen = sizeof(struct sockaddr_in6);
	ck_assert_int_eq(send_from(&b, fd, &a, &from), -1);

	/* TCP: the connection comes from the source address. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	a = loaddr("127.0.0.1", 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	memset(&b, 0, sizeof(b));
	src = loaddr("127.0.0.4", 0);
	memcpy(&b.source, &src, sizeof(src));
	b.sourcelen = sizeof(src);
	memset(&t, 0, sizeof(t));
	t.bind = &b;
	ck_assert_int_eq(uio->tcp_open(&t, (struct sockaddr *)&a, sizeof(a),
	    2000, nop, NULL), 0);
	ck_assert_int_eq(setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	alen = sizeof(from);
	cfd = accept(lfd, (struct sockaddr *)&from, &alen);
	ck_assert_int_ge(cfd, 0);
	ck_assert_str_eq(inet_ntoa(from.sin_addr), "127.0.0.4");
	uio->close(&t);
	close(cfd);
	close(lfd);
	close(fd);
	event_base_free(base);
}
END_TEST

START_TEST(test_port_range)
{
	struct event_base	*base = event_base_new();
	struct sockaddr_in	 a, from;
	struct uio_sock		 s[40];
	int			 fd, i, distinct = 0, seen[16] = { 0 };
	uint16_t		 lo = 39000 + (uint16_t)(getpid() % 1000) * 16;
	uint16_t		 port;

	ck_assert_int_eq(uio_real_init(base), 0);
	uio_set(&uio_real);
	fd = server(&a);
	uio_set_ports(lo, lo + 15);
	/* 40 sockets open at once in 16 ports, to one server: the range
	 * is exhausted before 40, and no socket leaves it. */
	for (i = 0; i < 40; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		if (uio->udp_open(&s[i], (struct sockaddr *)&a, sizeof(a), nop,
		    NULL) == -1) {
			ck_assert_int_eq(errno, EADDRINUSE);
			continue;
		}
		port = local_port(s[i].fd);
		ck_assert_msg(port >= lo && port <= lo + 15, "port %u", port);
		if (!seen[port - lo]++)
			distinct++;
	}
	/* Random draws with retries find most of the 16. */
	ck_assert_int_ge(distinct, 8);
	for (i = 0; i < 40; i++)
		uio->close(&s[i]);
	/* Closed, its ports are free again (a socket without @ is bound in
	 * the range too); with no range, the kernel picks and it is kept. */
	ck_assert_int_eq(send_from(NULL, fd, &a, &from), 0);
	uio_set_ports(0, 0);
	memset(&s[0], 0, sizeof(s[0]));
	ck_assert_int_eq(uio->udp_open(&s[0], (struct sockaddr *)&a,
	    sizeof(a), nop, NULL), 0);
	ck_assert_int_eq(s[0].pinned, 0);
	uio->close(&s[0]);
	close(fd);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("uio");
	TCase	*tc = tcase_create("uio");

	tcase_add_test(tc, test_reused_socket_is_empty);
	tcase_add_test(tc, test_bind_source_and_device);
	tcase_add_test(tc, test_port_range);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
