/*
 * uio.c: the real upstream I/O and timers, on libevent; see uio.h.
 *
 * UDP: one non-blocking socket per transmission, connect()ed, so the
 * kernel chooses a random ephemeral source port (RFC 5452 9.2), drops
 * datagrams from any other address or port, and reports ICMP errors to
 * recv().  TCP: a bufferevent; messages are framed here.
 *
 * The UDP sockets live in an epoll set of their own, which the libevent
 * loop watches as one descriptor, and are found from the descriptor
 * number.  A socket whose transmission ended with its answer read is
 * not closed but disconnected (connect(AF_UNSPEC)): that releases its
 * port (an autobound UDP socket is unhashed and its port set to 0), and
 * the next connect() binds it to a fresh random port again, exactly as a
 * new socket's would.  So every transmission still leaves from a fresh
 * random port, for two system calls (connect, and disconnect at the
 * end) instead of four (socket, connect, epoll add, close).  A socket
 * whose transmission ended otherwise (no answer, an error) is closed:
 * an ICMP error or a late answer meant for it never reaches another
 * transmission.  At most UIO_IDLE_MAX idle sockets per address family.
 *
 * A socket of a server with @INTERFACE or @SOURCE, or any socket while
 * min-port/max-port are set, is bound here before connect() (the device,
 * the source address, a port drawn at random from the range, drawn again
 * on EADDRINUSE) and is closed after its transmission, never kept idle:
 * connect(AF_UNSPEC) does not release a port that bind() chose.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
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
#define UIO_IDLE_MAX	256

static struct event_base	*rbase;
static size_t			 nopen;
static int			 uepfd = -1;
static struct event		 uepev;
static struct uio_sock		**byfd;		/* open UDP sockets, by fd */
static struct uio_sock		 idle_mark;	/* byfd: an idle socket */
static size_t			 nbyfd;
/* Disconnected UDP sockets (no port), ready for a transmission. */
static int			 idle4[UIO_IDLE_MAX], idle6[UIO_IDLE_MAX];
static size_t			 nidle4, nidle6;
static uint16_t			 port_min, port_max;	/* 0: the kernel's */

#define UIO_BIND_TRIES	32	/* random ports tried in a range */
#define UIO_PORTS_WARN	1024	/* a narrower range is logged */

void
uio_set_ports(uint16_t min, uint16_t max)
{
	if (min > max || (min == 0) != (max == 0))
		min = max = 0;
	if (min == port_min && max == port_max)
		return;
	port_min = min;
	port_max = max;
	if (min != 0 && (unsigned int)(max - min) + 1 < UIO_PORTS_WARN)
		log_warnx("min-port=%u max-port=%u: only %u source ports for "
		    "upstream queries; a spoofed answer needs to guess the "
		    "port and the ID, and a narrow range makes that easier "
		    "(RFC 5452)", min, max, (unsigned int)(max - min) + 1);
}

static uint32_t
random_below(uint32_t n)
{
	uint32_t	 r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)random();
	return r % n;
}

static void
sa_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Whether a UDP socket of b needs binding before connect(). */
static int
udp_needs_bind(const struct uio_bind *b)
{
	return port_min != 0 || (b != NULL && (b->ifname[0] != '\0' ||
	    b->sourcelen > 0));
}

/*
 * Bind a fresh socket fd of family af: b's device, b's source address
 * (never a fixed port of it), and a random port of min-port..max-port
 * when that range is set.  udp: the port
 * range applies (TCP takes the kernel's port).  0, or -1 with errno.
 */
static int
sock_bind(int fd, int af, const struct uio_bind *b, int udp)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 tries;

	if (b != NULL && b->ifname[0] != '\0' && setsockopt(fd, SOL_SOCKET,
	    SO_BINDTODEVICE, b->ifname, strlen(b->ifname)) == -1)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (b != NULL && b->sourcelen > 0) {
		if (b->source.ss_family != af ||
		    b->sourcelen > sizeof(ss)) {
			errno = EAFNOSUPPORT;
			return -1;
		}
		memcpy(&ss, &b->source, b->sourcelen);
		len = b->sourcelen;
		/* Never one fixed port (the configuration refuses it). */
		sa_set_port(&ss, 0);
	} else {
		ss.ss_family = af;
		len = af == AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6);
	}
	if (!udp || port_min == 0) {
		if (b == NULL || b->sourcelen == 0)
			return 0;	/* connect() picks address and port */
		return bind(fd, (struct sockaddr *)&ss, len);
	}
	for (tries = 0; tries < UIO_BIND_TRIES; tries++) {
		sa_set_port(&ss, (uint16_t)(port_min +
		    random_below((uint32_t)(port_max - port_min) + 1)));
		if (bind(fd, (struct sockaddr *)&ss, len) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

static int
byfd_set(int fd, struct uio_sock *s)
{
	struct uio_sock	**n;
	size_t		  want;

	if ((size_t)fd >= nbyfd) {
		for (want = nbyfd ? nbyfd : 256; want <= (size_t)fd; want *= 2)
			;
		if ((n = reallocarray(byfd, want, sizeof(*n))) == NULL)
			return -1;
		memset(n + nbyfd, 0, (want - nbyfd) * sizeof(*n));
		byfd = n;
		nbyfd = want;
	}
	byfd[fd] = s;
	return 0;
}

/*
 * UDP sockets ready: dispatch a batch or a few.  An event may name a
 * descriptor that an earlier callback of the batch closed or handed to
 * another transmission: the callback then finds nothing to read, and a
 * descriptor no longer ours is left alone.  An idle socket with
 * something left in its queue (a late duplicate) is drained.
 */
static void
real_udp_ready(int efd, short what, void *arg)
{
	struct epoll_event	 batch[UIO_BATCH];
	struct uio_sock		*s;
	uint8_t			 junk[512];
	int			 round, n, i, fd, k;

	for (round = 0; round < 4; round++) {
		if ((n = epoll_wait(uepfd, batch, UIO_BATCH, 0)) <= 0)
			break;
		for (i = 0; i < n; i++) {
			fd = batch[i].data.fd;
			if ((size_t)fd >= nbyfd || (s = byfd[fd]) == NULL)
				continue;
			if (s != &idle_mark)
				s->cb(s->arg);
			else
				for (k = 0; k < 8 && recv(fd, junk,
				    sizeof(junk), 0) >= 0; k++)
					;
		}
		if (n < UIO_BATCH)
			break;
	}
}

static int
idle_take(int family)
{
	int	 fd;

	if (family == AF_INET && nidle4 > 0)
		fd = idle4[--nidle4];
	else if (family == AF_INET6 && nidle6 > 0)
		fd = idle6[--nidle6];
	else
		return -1;
	byfd[fd] = NULL;
	return fd;
}

static int
real_udp_open(struct uio_sock *s, const struct sockaddr *sa, socklen_t salen,
    uio_cb cb, void *arg)
{
	struct epoll_event	 ev;
	int			 fd, saved, fresh = 0;

	s->fd = -1;
	s->tcp = 0;
	s->err = 0;
	s->answered = 0;
	s->family = sa->sa_family;
	s->bev = NULL;
	s->pinned = udp_needs_bind(s->bind);
	if (s->pinned || (fd = idle_take(sa->sa_family)) == -1) {
		fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1)
			return -1;
		fresh = 1;
		if (s->pinned && sock_bind(fd, sa->sa_family, s->bind,
		    1) == -1)
			goto fail;
	}
	/* Binds a fresh random port: a new socket, or a disconnected one. */
	if (connect(fd, sa, salen) == -1)
		goto fail;
	if (fresh) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(uepfd, EPOLL_CTL_ADD, fd, &ev) == -1)
			goto fail;
	}
	if (byfd_set(fd, s) == -1) {
		errno = ENOMEM;
		goto fail;
	}
	s->fd = fd;
	s->cb = cb;
	s->arg = arg;
	nopen++;
	return 0;
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
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
	int		 fd = -1, saved;

	s->fd = -1;
	s->tcp = 1;
	s->err = 0;
	s->cb = cb;
	s->arg = arg;
	if (s->bind != NULL && (s->bind->ifname[0] != '\0' ||
	    s->bind->sourcelen > 0)) {
		/* @INTERFACE, @SOURCE: bound before the connect. */
		if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (sock_bind(fd, sa->sa_family, s->bind, 0) == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
	}
	s->bev = bufferevent_socket_new(rbase, fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
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
	ssize_t		 n;

	if (!s->tcp) {
		if ((n = recv(s->fd, buf, bufsz, 0)) >= 0)
			s->answered = 1;
		else if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			s->err = errno;
		return n;
	}
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

#define UIO_IDLE_DRAIN	16	/* datagrams left on a socket; more: close */

/* An answered transmission's socket, disconnected (its port released)
 * for the next one.  0, or -1 if it must be closed instead. */
static int
idle_put(int fd, int family)
{
	struct sockaddr	 unspec;
	uint8_t		 byte;
	int		 n;

	if (family == AF_INET ? nidle4 >= UIO_IDLE_MAX :
	    family == AF_INET6 ? nidle6 >= UIO_IDLE_MAX : 1)
		return -1;
	memset(&unspec, 0, sizeof(unspec));
	unspec.sa_family = AF_UNSPEC;
	if (connect(fd, &unspec, sizeof(unspec)) == -1)
		return -1;
	/* Unbound now, the socket receives nothing more; but what came
	 * before the disconnect (a duplicate answer, an ICMP error) is
	 * still queued and would reach the next transmission, from another
	 * server: empty it (one recv() that says EAGAIN, as a rule).  A
	 * pending error is cleared by the recv() that reports it. */
	for (n = 0; n < UIO_IDLE_DRAIN; n++)
		if (recv(fd, &byte, 1, MSG_DONTWAIT | MSG_TRUNC) == -1 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
	if (n == UIO_IDLE_DRAIN)
		return -1;
	if (family == AF_INET)
		idle4[nidle4++] = fd;
	else
		idle6[nidle6++] = fd;
	byfd[fd] = &idle_mark;
	return 0;
}

static void
real_close(struct uio_sock *s)
{
	if (s->fd == -1)
		return;
	if (s->tcp) {
		bufferevent_free(s->bev);
		s->bev = NULL;
	} else {
		byfd[s->fd] = NULL;
		/* Never dup()ed: closing takes it out of the epoll set. */
		if (!s->answered || s->err != 0 || s->pinned ||
		    idle_put(s->fd, s->family) == -1)
			close(s->fd);
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
