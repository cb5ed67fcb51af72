/*
 * test_uio.c: the real upstream I/O (uio.c) on loopback sockets.  An
 * answered transmission's socket is disconnected and kept for a later
 * transmission: nothing that was queued on it (a duplicate answer of the
 * first server) may reach the next one, to another server, and the
 * next one leaves from a fresh port.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
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

int
main(void)
{
	Suite	*s = suite_create("uio");
	TCase	*tc = tcase_create("uio");

	tcase_add_test(tc, test_reused_socket_is_empty);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
