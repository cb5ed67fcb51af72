/*
 * uio.c: the real upstream I/O and timers, on libevent; see uio.h.
 *
 * UDP: one non-blocking socket per transmission, connect()ed, so the
 * kernel chooses a random ephemeral source port (RFC 5452 9.2), drops
 * datagrams from any other address or port, and reports ICMP errors to
 * recv().  TCP: a bufferevent; messages are framed here.
 *
 * The UDP sockets live in an epoll set of their own, which the libevent
 * loop watches as one descriptor: a socket is added once and simply
 * closed at the end (closing removes it from the set), one system call
 * fewer per transmission than libevent's add and delete.  The set is
 * read in batches; a socket closed while a batch is being dispatched is
 * struck from the rest of the batch.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "briskdns.h"
#include "log.h"
#include "uio.h"

const struct uio_ops		*uio = &uio_real;
#define UIO_BATCH	64

static struct event_base	*rbase;
static size_t			 nopen;
static int			 uepfd = -1;
static struct event		 uepev;
static struct epoll_event	 batch[UIO_BATCH];
static int			 batch_at, batch_n;	/* being dispatched */

/* UDP sockets ready: dispatch a batch or a few. */
static void
real_udp_ready(int fd, short what, void *arg)
{
	struct uio_sock	*s;
	int		 round;

	for (round = 0; round < 4; round++) {
		batch_n = epoll_wait(uepfd, batch, UIO_BATCH, 0);
		if (batch_n <= 0)
			break;
		for (batch_at = 0; batch_at < batch_n; batch_at++)
			if ((s = batch[batch_at].data.ptr) != NULL)
				s->cb(s->arg);
		if (batch_n < UIO_BATCH)
			break;
	}
	batch_n = 0;
}

static int
real_udp_open(struct uio_sock *s, const struct sockaddr *sa, socklen_t salen,
    uio_cb cb, void *arg)
{
	struct epoll_event	 ev;
	int			 fd, saved;

	s->fd = -1;
	s->tcp = 0;
	s->err = 0;
	s->bev = NULL;
	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (connect(fd, sa, salen) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	s->fd = fd;
	s->cb = cb;
	s->arg = arg;
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (epoll_ctl(uepfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		saved = errno;
		close(fd);
		s->fd = -1;
		errno = saved;
		return -1;
	}
	nopen++;
	return 0;
}

static void
real_tcp_read(struct bufferevent *bev, void *arg)
{
	struct uio_sock	*s = arg;

	s->cb(s->arg);
}

static void
real_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct uio_sock	*s = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_TIMEOUT)
		s->err = ETIMEDOUT;
	else if (what & BEV_EVENT_EOF)
		s->err = ECONNRESET;
	else
		s->err = EVUTIL_SOCKET_ERROR() ? EVUTIL_SOCKET_ERROR() :
		    ECONNREFUSED;
	s->cb(s->arg);
}

static int
real_tcp_open(struct uio_sock *s, const struct sockaddr *sa, socklen_t salen,
    unsigned int timeout_ms, uio_cb cb, void *arg)
{
	struct timeval	 tv;

	s->fd = -1;
	s->tcp = 1;
	s->err = 0;
	s->cb = cb;
	s->arg = arg;
	s->bev = bufferevent_socket_new(rbase, -1, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL)
		return -1;
	if (bufferevent_socket_connect(s->bev, sa, (int)salen) == -1) {
		bufferevent_free(s->bev);
		s->bev = NULL;
		return -1;
	}
	bufferevent_setcb(s->bev, real_tcp_read, NULL, real_tcp_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 2, DNS_MAXMSG + 2);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	s->fd = 0;		/* open; the descriptor is the bufferevent's */
	nopen++;
	return 0;
}

static int
real_send(struct uio_sock *s, const uint8_t *buf, size_t len)
{
	uint8_t	 lenbuf[2];

	if (!s->tcp)
		return send(s->fd, buf, len, 0) == (ssize_t)len ? 0 : -1;
	if (len > 65535) {
		errno = EMSGSIZE;
		return -1;
	}
	lenbuf[0] = (uint8_t)(len >> 8);
	lenbuf[1] = (uint8_t)len;
	if (bufferevent_write(s->bev, lenbuf, 2) == -1 ||
	    bufferevent_write(s->bev, buf, len) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static ssize_t
real_recv(struct uio_sock *s, uint8_t *buf, size_t bufsz)
{
	struct evbuffer	*in;
	uint8_t		 lenbuf[2];
	size_t		 len;

	if (!s->tcp)
		return recv(s->fd, buf, bufsz, 0);
	in = bufferevent_get_input(s->bev);
	if (evbuffer_copyout(in, lenbuf, 2) == 2) {
		len = (size_t)lenbuf[0] << 8 | lenbuf[1];
		if (evbuffer_get_length(in) >= len + 2) {
			evbuffer_drain(in, 2);
			if (len > bufsz) {	/* never: bufsz is DNS_MAXMSG */
				evbuffer_drain(in, len);
				errno = EMSGSIZE;
				return -1;
			}
			evbuffer_remove(in, buf, len);
			return (ssize_t)len;
		}
	}
	errno = s->err ? s->err : EAGAIN;
	return -1;
}

static void
real_close(struct uio_sock *s)
{
	int	 i;

	if (s->fd == -1)
		return;
	if (s->tcp) {
		bufferevent_free(s->bev);
		s->bev = NULL;
	} else {
		/* Never dup()ed: closing takes it out of the epoll set. */
		close(s->fd);
		for (i = batch_at + 1; i < batch_n; i++)
			if (batch[i].data.ptr == s)
				batch[i].data.ptr = NULL;
	}
	s->fd = -1;
	nopen--;
}

static void
real_timer_fire(int fd, short what, void *arg)
{
	struct uio_timer	*t = arg;

	t->cb(t->arg);
}

static void
real_timer_init(struct uio_timer *t, uio_cb cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
	evtimer_assign(&t->ev, rbase, real_timer_fire, t);
}

static void
real_timer_add(struct uio_timer *t, unsigned int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(&t->ev, &tv);
}

static void
real_timer_del(struct uio_timer *t)
{
	event_del(&t->ev);
}

const struct uio_ops uio_real = {
	.udp_open = real_udp_open,
	.tcp_open = real_tcp_open,
	.send = real_send,
	.recv = real_recv,
	.close = real_close,
	.timer_init = real_timer_init,
	.timer_add = real_timer_add,
	.timer_del = real_timer_del,
};

int
uio_real_init(struct event_base *base)
{
	rbase = base;
	if (uepfd != -1)
		return 0;
	if ((uepfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("epoll_create1");
		return -1;
	}
	event_assign(&uepev, base, uepfd, EV_READ | EV_PERSIST,
	    real_udp_ready, NULL);
	if (event_add(&uepev, NULL) == -1) {
		close(uepfd);
		uepfd = -1;
		return -1;
	}
	return 0;
}

void
uio_set(const struct uio_ops *ops)
{
	uio = ops != NULL ? ops : &uio_real;
}

size_t
uio_real_open_count(void)
{
	return nopen;
}
