/*
 * uio.h: the seam between the upstream state machine and the world.
 *
 * upstream.c opens, writes, reads and closes its sockets and arms its
 * timers only through the operations here.  The daemon runs on the real
 * ones (libevent, non-blocking sockets); the replay tests install their
 * own (a scripted upstream and a fake clock: tests/unit/test_upstream.c),
 * so the retransmission, RTT, EDNS-fallback and deadline logic runs with
 * no socket and no sleep.
 *
 * A UDP socket is one transmission's at a time, connect()ed to the
 * server (the kernel picks a fresh random source port and drops datagrams
 * from any other address or port); reused only after a disconnect and an
 * emptying of what was queued on it; a TCP socket is a connection carrying
 * 2-byte-length-framed messages, possibly several queries at once.
 * Its callback means "try uio->recv now".  recv gives one datagram (UDP)
 * or one whole message without its length prefix (TCP), or -1 with errno:
 * EAGAIN when there is nothing more, anything else is the socket's error
 * (ICMP unreachable, connection closed or timed out).
 *
 * The structs are the caller's memory; the implementations keep their
 * state in them.  The real operations allocate only libevent's
 * bufferevent for TCP and their descriptor table (grown by doubling).
 */
#ifndef BRISKDNS_UIO_H
#define BRISKDNS_UIO_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event_struct.h>

struct bufferevent;
struct event_base;

typedef void (*uio_cb)(void *arg);

/*
 * How a server's queries leave (server=ADDR@INTERFACE,
 * ADDR@SOURCE): bound to a device, bound to a source address (any
 * port).  "" and AF_UNSPEC (sourcelen 0): as the kernel routes.
 */
struct uio_bind {
	char			 ifname[16];
	struct sockaddr_storage	 source;
	socklen_t		 sourcelen;
};

struct uio_sock {
	int			 fd;		/* -1: closed */
	int			 tcp;
	int			 err;		/* the error seen, for recv */
	int			 answered;	/* UDP: something was read */
	int			 family;	/* UDP: AF_INET or AF_INET6 */
	int			 pinned;	/* UDP: bound by us, never idle */
	const struct uio_bind	*bind;		/* set by the caller; NULL: none */
	uio_cb			 cb;
	void			*arg;
	struct bufferevent	*bev;		/* real TCP */
	void			*fake;		/* the tests' */
};

struct uio_timer {
	uio_cb			 cb;
	void			*arg;
	struct event		 ev;		/* real */
	int			 armed;		/* fake */
	uint64_t		 due_us;	/* fake */
	LIST_ENTRY(uio_timer)	 link;		/* fake */
};

struct uio_ops {
	/* Open a connect()ed socket to sa; cb(arg) when there is something
	 * to read.  0 or -1 (errno set). */
	int	(*udp_open)(struct uio_sock *, const struct sockaddr *sa,
		    socklen_t salen, uio_cb cb, void *arg);
	int	(*tcp_open)(struct uio_sock *, const struct sockaddr *sa,
		    socklen_t salen, unsigned int timeout_ms, uio_cb cb,
		    void *arg);
	/* One datagram, or one message (the length prefix is added here). */
	int	(*send)(struct uio_sock *, const uint8_t *buf, size_t len);
	ssize_t	(*recv)(struct uio_sock *, uint8_t *buf, size_t bufsz);
	/* Closing a closed (or never opened) socket does nothing. */
	void	(*close)(struct uio_sock *);

	void	(*timer_init)(struct uio_timer *, uio_cb cb, void *arg);
	void	(*timer_add)(struct uio_timer *, unsigned int ms);
	void	(*timer_del)(struct uio_timer *);
};

/* The operations in use: the real ones unless a test installed others. */
extern const struct uio_ops	*uio;
extern const struct uio_ops	 uio_real;

int	uio_real_init(struct event_base *);	/* 0 or -1 */
/*
 * min-port/max-port: UDP source ports are drawn at random from
 * [min, max] (bound before connect, another draw on EADDRINUSE);
 * 0, 0: the kernel's ephemeral range, as without them.
 */
void	uio_set_ports(uint16_t min, uint16_t max);
void	uio_set(const struct uio_ops *);

/* Transmissions' sockets and connections uio_real has open (statistics;
 * idle sockets kept for reuse are not counted). */
size_t	uio_real_open_count(void);

#endif
