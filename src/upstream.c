/*
 * upstream.c: servers and transactions with them; see upstream.h.
 *
 * Ownership: a struct uquery owns its transmissions (struct xmit) and a
 * reference to every candidate server; a transmission borrows its
 * server through the uquery.  The uquery is freed in uquery_end(), which
 * every path out of a transaction goes through exactly once.
 *
 * Answers are read into one static buffer (the loop is single-threaded)
 * and handed to the callback from there, so a useful answer is not copied
 * on its way to the client.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "briskdns.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "msg.h"
#include "upstream.h"

/*
 * Latency of answers, in microseconds, on a log scale: four buckets per
 * power of two, so a percentile read from it is within 19 %.
 */
#define LAT_BUCKETS	112
struct lat_hist {
	uint32_t	 n[LAT_BUCKETS];
	uint64_t	 total;
};

struct server;
struct xmit;

/*
 * One connect()ed UDP socket to a server, from a pool: sockets are reused
 * for UPSTREAM_SOCK_USES queries (each with its own random ID), then
 * replaced by a fresh one on a new random port.  A socket per query costs
 * five system calls more per query; a pool keeps the source port as
 * unpredictable to an off-path attacker as the ID, in aggregate.
 */
struct usock {
	struct server		*srv;		/* owner */
	int			 fd;		/* -1: closed */
	struct event		 ev;
	unsigned int		 uses;
	unsigned int		 inflight;
	LIST_HEAD(, xmit)	 xmits;		/* in flight on this socket */
};

struct server {
	int			 refs;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 has_domain;
	struct config_domain	 domain;
	char			 name[INET6_ADDRSTRLEN + 8];
	/* Round-trip time, ms; 0: never measured. */
	unsigned int		 srtt;
	unsigned int		 rttvar;
	uint64_t		 rtt_changed;	/* ms, for the decay */
	/* Statistics. */
	uint64_t		 sent;
	uint64_t		 answers;
	uint64_t		 timeouts;
	uint64_t		 errors;	/* unreachable, malformed, TCP */
	uint64_t		 mismatched;	/* wrong ID or question */
	uint64_t		 truncated;
	uint64_t		 notuseful;	/* SERVFAIL, REFUSED... */
	struct lat_hist		 lat_a;		/* answers to A queries */
	struct lat_hist		 lat_aaaa;	/* answers to AAAA queries */
	struct usock		 pool[UPSTREAM_POOL];
};

struct uquery;

struct xmit {
	struct uquery		*uq;
	struct server		*srv;
	struct usock		*us;		/* UDP; NULL when not */
	LIST_ENTRY(xmit)	 hentry;	/* xmit_table */
	LIST_ENTRY(xmit)	 sentry;	/* us->xmits */
	struct bufferevent	*bev;		/* TCP */
	uint16_t		 id;
	uint64_t		 sent;		/* us */
	int			 timed_out;	/* counted once */
};

struct uquery {
	LIST_ENTRY(uquery)	 entry;
	const struct query	*q;
	upstream_done_cb	 cb;
	void			*arg;
	struct server		*cand[UPSTREAM_MAX_SERVERS];
	size_t			 ncand;
	size_t			 next;		/* next candidate to send to */
	struct xmit		 x[UPSTREAM_MAX_XMIT];
	struct event		 timer;		/* retransmission */
	struct event		 deadline;
	unsigned int		 rto;		/* ms, doubles per round */
	uint8_t			*fallback;	/* a not-useful answer */
	size_t			 fallback_len;
};

static struct event_base	*ubase;
static struct server		**servers;
static size_t			 nservers;
static int			 strict_order, all_servers;
static unsigned int		 forward_max = 1000;
static LIST_HEAD(, uquery)	 inflight = LIST_HEAD_INITIALIZER(inflight);
static size_t			 ninflight;
static uint8_t			 ansbuf[DNS_MAXMSG];
/* UDP transmissions in flight, by socket and ID. */
#define XMIT_BUCKETS	8192
static LIST_HEAD(, xmit)	 xmit_table[XMIT_BUCKETS];

static void	usock_read(int, short, void *);
static void	xmit_tcp_read(struct bufferevent *, void *);
static void	xmit_tcp_event(struct bufferevent *, short, void *);
static int	uquery_advance(struct uquery *);

static unsigned int
lat_bucket(uint64_t us)
{
	unsigned int	 msb;

	if (us < 4)
		return (unsigned int)us;
	msb = 63 - (unsigned int)__builtin_clzll(us);
	msb = 4 * msb + (unsigned int)((us >> (msb - 2)) & 3);
	return msb < LAT_BUCKETS ? msb : LAT_BUCKETS - 1;
}

/* The upper bound of bucket b, in microseconds. */
static uint64_t
lat_bucket_top(unsigned int b)
{
	if (b < 8)		/* 0-3 exact; 4-7 never used */
		return b < 4 ? b : 3;
	return ((uint64_t)(4 + (b & 3) + 1) << (b / 4 - 2)) - 1;
}

static void
lat_add(struct lat_hist *h, uint64_t us)
{
	h->n[lat_bucket(us)]++;
	h->total++;
}

/* The pct-th percentile, in microseconds (0 without samples). */
static uint64_t
lat_percentile(const struct lat_hist *h, unsigned int pct)
{
	uint64_t	 want, seen = 0;
	unsigned int	 b;

	if (h->total == 0)
		return 0;
	want = (h->total * pct + 99) / 100;
	for (b = 0; b < LAT_BUCKETS; b++)
		if ((seen += h->n[b]) >= want)
			return lat_bucket_top(b);
	return lat_bucket_top(LAT_BUCKETS - 1);
}

static uint16_t
random16(void)
{
#ifdef HAVE_ARC4RANDOM
	return (uint16_t)arc4random();
#else
	static uint16_t	 pool[256];
	static size_t	 left;

	if (left == 0) {
		if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool))
			fatal("getrandom");
		left = sizeof(pool) / sizeof(pool[0]);
	}
	return pool[--left];
#endif
}

static void
ms_to_tv(unsigned int ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* ---- servers --------------------------------------------------------- */

static void
usock_close(struct usock *us)
{
	if (us->fd == -1)
		return;
	event_del(&us->ev);
	close(us->fd);
	us->fd = -1;
}

static void
server_unref(struct server *s)
{
	size_t	 i;

	if (s == NULL || --s->refs > 0)
		return;
	for (i = 0; i < UPSTREAM_POOL; i++)
		usock_close(&s->pool[i]);
	free(s);
}

static void
server_name(struct server *s)
{
	char		 a[INET6_ADDRSTRLEN];
	uint16_t	 port;

	if (s->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (void *)&s->addr;
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		port = ntohs(sin6->sin6_port);
	} else {
		const struct sockaddr_in *sin = (void *)&s->addr;
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		port = ntohs(sin->sin_port);
	}
	snprintf(s->name, sizeof(s->name), "%s#%u", a, port);
}

static int
server_same(const struct server *s, const struct config_server *cs)
{
	if (s->addrlen != cs->addrlen ||
	    memcmp(&s->addr, &cs->addr, cs->addrlen) != 0)
		return 0;
	if (s->has_domain != cs->has_domain)
		return 0;
	return !s->has_domain || (s->domain.len == cs->domain.len &&
	    memcmp(s->domain.wire, cs->domain.wire, cs->domain.len) == 0);
}

/* Retransmission timeout for s, from its measured round-trip time. */
static unsigned int
server_rto(const struct server *s)
{
	unsigned int	 rto;

	if (s->srtt == 0)
		return UPSTREAM_RTO_INIT_MS;
	rto = s->srtt + 4 * s->rttvar;
	if (rto < UPSTREAM_RTO_MIN_MS)
		rto = UPSTREAM_RTO_MIN_MS;
	if (rto > UPSTREAM_RTO_MAX_MS)
		rto = UPSTREAM_RTO_MAX_MS;
	return rto;
}

static void
server_rtt_sample(struct server *s, uint64_t sample)
{
	unsigned int	 r = sample > 60000 ? 60000 : (unsigned int)sample;
	unsigned int	 d;

	if (r == 0)
		r = 1;
	if (s->srtt == 0) {
		s->srtt = r;
		s->rttvar = r / 2;
	} else {
		d = s->srtt > r ? s->srtt - r : r - s->srtt;
		s->rttvar = (3 * s->rttvar + d) / 4;
		s->srtt = (7 * s->srtt + r) / 8;
		if (s->srtt == 0)
			s->srtt = 1;
	}
	s->rtt_changed = clock_ms();
}

/* No answer within the timeout: make s look slower, so others go first. */
static void
server_penalize(struct server *s)
{
	unsigned int	 base = s->srtt ? s->srtt : UPSTREAM_RTO_INIT_MS;

	/* Once per retransmission interval at most: many queries timing
	 * out together (names whose authorities are dead) are one piece of
	 * news about the server, not many. */
	if (s->srtt != 0 && clock_ms() - s->rtt_changed < server_rto(s))
		return;

	s->srtt = base * 2 > 10000 ? 10000 : base * 2;
	s->rtt_changed = clock_ms();
}

/*
 * The ordering key.  A penalty fades: after 10 s without news a slow
 * server is measured afresh, so one that recovered gets used again.
 */
static unsigned int
server_key(struct server *s, uint64_t now)
{
	if (s->srtt > UPSTREAM_RTO_INIT_MS && now - s->rtt_changed > 10000) {
		s->srtt = 0;
		s->rttvar = 0;
	}
	return s->srtt ? s->srtt : UPSTREAM_RTO_INIT_MS;
}

int
upstream_set_servers(const struct config *conf,
    const struct config_server *resolv, size_t nresolv)
{
	const struct config_server	*cs;
	struct server			**ns, *s;
	size_t				 total = conf->nservers + nresolv;
	size_t				 i, j, n = 0;

	if ((ns = calloc(total ? total : 1, sizeof(*ns))) == NULL) {
		log_warn("server list");
		return -1;
	}
	for (i = 0; i < total; i++) {
		cs = i < conf->nservers ? &conf->servers[i] :
		    &resolv[i - conf->nservers];
		if (cs->kind != SERVER_ADDR)
			continue;
		for (j = 0; j < n; j++)
			if (server_same(ns[j], cs))
				break;
		if (j < n)
			continue;	/* the same server twice: once */
		s = NULL;
		for (j = 0; j < nservers; j++)
			if (server_same(servers[j], cs)) {
				s = servers[j];	/* it stays, statistics too */
				s->refs++;
				break;
			}
		if (s == NULL) {
			if ((s = calloc(1, sizeof(*s))) == NULL) {
				log_warn("server");
				while (n > 0)
					server_unref(ns[--n]);
				free(ns);
				return -1;
			}
			s->refs = 1;
			for (j = 0; j < UPSTREAM_POOL; j++) {
				s->pool[j].srv = s;
				s->pool[j].fd = -1;
				LIST_INIT(&s->pool[j].xmits);
			}
			memcpy(&s->addr, &cs->addr, cs->addrlen);
			s->addrlen = cs->addrlen;
			s->has_domain = cs->has_domain;
			s->domain = cs->domain;
			server_name(s);
		}
		ns[n++] = s;
	}
	for (j = 0; j < nservers; j++)
		server_unref(servers[j]);
	free(servers);
	servers = ns;
	nservers = n;
	strict_order = conf->strict_order;
	all_servers = conf->all_servers;
	forward_max = conf->dns_forward_max ? conf->dns_forward_max : 1;
	for (j = 0; j < n; j++)
		log_debug("upstream %s%s", servers[j]->name,
		    servers[j]->has_domain ? " (for a domain)" : "");
	return 0;
}

/* ---- transmissions --------------------------------------------------- */

static int
xmit_active(const struct xmit *x)
{
	return x->us != NULL || x->bev != NULL;
}

static void
xmit_close(struct xmit *x)
{
	struct usock	*us = x->us;

	if (us != NULL) {
		LIST_REMOVE(x, hentry);
		LIST_REMOVE(x, sentry);
		x->us = NULL;
		/* A used-up socket goes when its last query does. */
		if (--us->inflight == 0 && us->uses >= UPSTREAM_SOCK_USES)
			usock_close(us);
	}
	if (x->bev != NULL) {
		bufferevent_free(x->bev);
		x->bev = NULL;
	}
	x->srv = NULL;
}

/* A free slot; when none is free, the oldest transmission makes room. */
static struct xmit *
xmit_slot(struct uquery *uq)
{
	struct xmit	*x, *oldest = NULL;
	size_t		 i;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++) {
		x = &uq->x[i];
		if (!xmit_active(x))
			return x;
		if (oldest == NULL || x->sent < oldest->sent)
			oldest = x;
	}
	xmit_close(oldest);
	return oldest;
}

static uint32_t
xmit_hash(const struct usock *us, uint16_t id)
{
	return ((uint32_t)((uintptr_t)us >> 4) * 2654435761u ^ id) &
	    (XMIT_BUCKETS - 1);
}

static struct xmit *
xmit_find(const struct usock *us, uint16_t id)
{
	struct xmit	*x;

	LIST_FOREACH(x, &xmit_table[xmit_hash(us, id)], hentry)
		if (x->us == us && x->id == id)
			return x;
	return NULL;
}

static int
usock_open(struct usock *us)
{
	struct server	*s = us->srv;
	int		 fd;

	fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("upstream socket");
		return -1;
	}
	/* connect(): the kernel picks a random port and drops datagrams
	 * from any other address or port, and ICMP errors reach us. */
	if (connect(fd, (const struct sockaddr *)&s->addr, s->addrlen) ==
	    -1) {
		log_debug("upstream %s: %s", s->name, strerror(errno));
		close(fd);
		return -1;
	}
	us->fd = fd;
	us->uses = 0;
	event_assign(&us->ev, ubase, fd, EV_READ | EV_PERSIST, usock_read, us);
	event_add(&us->ev, NULL);
	return 0;
}

/*
 * A socket of s's pool for one more query: a random one, replaced first
 * if it is used up and idle; a used-up busy one is passed over while
 * another will do.
 */
static struct usock *
usock_pick(struct server *s)
{
	struct usock	*us = NULL;
	unsigned int	 i, start = random16() % UPSTREAM_POOL;

	for (i = 0; i < UPSTREAM_POOL; i++) {
		us = &s->pool[(start + i) % UPSTREAM_POOL];
		if (us->fd == -1 || us->uses < UPSTREAM_SOCK_USES)
			break;
		if (us->inflight == 0) {
			usock_close(us);
			break;
		}
	}
	if (us->fd == -1 && usock_open(us) == -1)
		return NULL;
	return us;
}

/* Send over UDP to s.  0, or -1 if s cannot be reached at all. */
static int
xmit_udp(struct uquery *uq, struct server *s)
{
	uint8_t		 pkt[DNS_MAXMSG];
	struct usock	*us;
	struct xmit	*x;
	size_t		 len;
	uint16_t	 id;
	int		 tries;

	if ((us = usock_pick(s)) == NULL) {
		s->errors++;
		return -1;
	}
	/* An ID not in flight on this socket. */
	for (tries = 0; tries < 16; tries++)
		if (xmit_find(us, (id = random16())) == NULL)
			break;
	if (tries == 16 || (len = msg_build_forward(uq->q, id, 0, pkt,
	    sizeof(pkt))) == 0)
		return -1;
	if (send(us->fd, pkt, len, 0) != (ssize_t)len) {
		log_debug("upstream %s: %s", s->name, strerror(errno));
		s->errors++;
		if (errno != EAGAIN && errno != ENOBUFS && us->inflight == 0)
			usock_close(us);
		return -1;
	}
	x = xmit_slot(uq);
	x->id = id;
	x->uq = uq;
	x->srv = s;
	x->us = us;
	x->sent = clock_us();
	x->timed_out = 0;
	LIST_INSERT_HEAD(&xmit_table[xmit_hash(us, id)], x, hentry);
	LIST_INSERT_HEAD(&us->xmits, x, sentry);
	us->inflight++;
	us->uses++;
	s->sent++;
	return 0;
}

static int
xmit_tcp(struct uquery *uq, struct server *s)
{
	uint8_t		 pkt[DNS_MAXMSG];
	struct xmit	*x;
	struct timeval	 tv;
	size_t		 len;

	x = xmit_slot(uq);
	x->id = random16();
	len = msg_build_forward(uq->q, x->id, MSG_FWD_TCP, pkt, sizeof(pkt));
	x->bev = bufferevent_socket_new(ubase, -1, BEV_OPT_CLOSE_ON_FREE);
	if (len == 0 || x->bev == NULL)
		goto fail;
	if (bufferevent_socket_connect(x->bev,
	    (const struct sockaddr *)&s->addr, (int)s->addrlen) == -1)
		goto fail;
	if (bufferevent_write(x->bev, pkt, len) == -1)
		goto fail;
	bufferevent_setcb(x->bev, xmit_tcp_read, NULL, xmit_tcp_event, x);
	bufferevent_setwatermark(x->bev, EV_READ, 2, DNS_MAXMSG + 2);
	ms_to_tv(UPSTREAM_DEADLINE_MS, &tv);
	bufferevent_set_timeouts(x->bev, &tv, &tv);
	bufferevent_enable(x->bev, EV_READ | EV_WRITE);
	x->uq = uq;
	x->srv = s;
	x->sent = clock_us();
	x->timed_out = 0;
	s->sent++;
	return 0;
 fail:
	log_debug("upstream %s: TCP: %s", s->name, strerror(errno));
	s->errors++;
	if (x->bev != NULL)
		bufferevent_free(x->bev);
	x->bev = NULL;
	return -1;
}

/* ---- transactions ---------------------------------------------------- */

static void
uquery_end(struct uquery *uq, uint8_t *ans, size_t len)
{
	/* The callback first: ans may live in a transmission's buffer. */
	uq->cb(uq->arg, ans, len);
	upstream_cancel(uq);
}

static void
uquery_fail(struct uquery *uq)
{
	if (uq->fallback != NULL)
		uquery_end(uq, uq->fallback, uq->fallback_len);
	else
		uquery_end(uq, NULL, 0);
}

static int
uquery_nactive(const struct uquery *uq)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++)
		n += xmit_active(&uq->x[i]);
	return n;
}

/* Send to the next untried candidate that can be reached.  0 or -1. */
static int
uquery_send_next(struct uquery *uq)
{
	while (uq->next < uq->ncand)
		if (xmit_udp(uq, uq->cand[uq->next++]) == 0)
			return 0;
	return -1;
}

/*
 * A transmission ended without a useful answer: try the next server now,
 * or wait for the others, or give up when nothing is left.  Returns 1 if
 * the transaction ended (uq is freed).
 */
static int
uquery_advance(struct uquery *uq)
{
	if (uquery_send_next(uq) == 0 || uquery_nactive(uq) > 0)
		return 0;
	uquery_fail(uq);
	return 1;
}

/* A SERVFAIL: kept, in case no server does better. */
static void
uquery_keep_fallback(struct uquery *uq, const uint8_t *ans, size_t len)
{
	uint8_t	*p;

	if ((p = malloc(len)) == NULL)
		return;
	memcpy(p, ans, len);
	free(uq->fallback);
	uq->fallback = p;
	uq->fallback_len = len;
}

static int
rcode_useful(int rcode)
{
	return rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN;
}

/*
 * An answer arrived on transmission x.  Returns 0 if x goes on waiting,
 * 1 if x is closed (and uq possibly freed): the caller must not touch
 * either again.
 */
static int
xmit_answer(struct xmit *x, uint8_t *ans, size_t len, int tcp)
{
	struct uquery	*uq = x->uq;
	struct server	*s = x->srv;
	uint64_t	 lat;
	int		 rcode = 0;

	switch (msg_check_answer(ans, len, x->id, uq->q, &rcode)) {
	case ANSWER_MISMATCH:
		s->mismatched++;
		log_debug("upstream %s: mismatched answer dropped", s->name);
		if (!tcp)
			return 0;	/* the real one may still come */
		break;
	case ANSWER_MALFORMED:
		s->errors++;
		log_debug("upstream %s: malformed answer", s->name);
		break;
	case ANSWER_TRUNCATED:
		server_rtt_sample(s, (clock_us() - x->sent) / 1000);
		s->truncated++;
		if (tcp) {
			s->errors++;
			break;
		}
		xmit_close(x);
		if (xmit_tcp(uq, s) == -1)
			(void)uquery_advance(uq);
		return 1;
	case ANSWER_OK:
		lat = clock_us() - x->sent;
		server_rtt_sample(s, lat / 1000);
		if (uq->q->qtype == DNS_TYPE_A)
			lat_add(&s->lat_a, lat);
		else if (uq->q->qtype == DNS_TYPE_AAAA)
			lat_add(&s->lat_aaaa, lat);
		s->answers++;
		if (rcode_useful(rcode)) {
			uquery_end(uq, ans, len);
			return 1;
		}
		s->notuseful++;
		/* An upstream's SERVFAIL may carry its reason (EDE); any
		 * other rcode is ours to turn into SERVFAIL. */
		if (rcode == DNS_RCODE_SERVFAIL)
			uquery_keep_fallback(uq, ans, len);
		break;
	}
	xmit_close(x);
	(void)uquery_advance(uq);
	return 1;
}

/*
 * Answers on a pooled socket, matched to their transmission by ID.  An
 * error (ICMP port unreachable...) fails every query in flight on the
 * socket: they all went to the same server.  The server is held for the
 * callback: the last transaction on it may end here.
 */
static void
usock_read(int fd, short ev, void *arg)
{
	struct usock	*us = arg;
	struct server	*s = us->srv;
	struct xmit	*x;
	struct uquery	*uq;
	ssize_t		 n;
	unsigned int	 left;
	int		 i;

	s->refs++;
	/* An answer may end with the socket closed (used up), or even
	 * replaced: stop reading then. */
	for (i = 0; i < 32 && us->fd == fd; i++) {
		n = recv(fd, ansbuf, sizeof(ansbuf), 0);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			log_debug("upstream %s: %s", s->name, strerror(errno));
			s->errors++;
			for (left = us->inflight; left > 0 &&
			    (x = LIST_FIRST(&us->xmits)) != NULL; left--) {
				uq = x->uq;
				xmit_close(x);
				(void)uquery_advance(uq);
			}
			break;
		}
		if (n < DNS_HDRLEN || (x = xmit_find(us,
		    (uint16_t)(ansbuf[0] << 8 | ansbuf[1]))) == NULL) {
			s->mismatched++;	/* late, or spoofed */
			continue;
		}
		(void)xmit_answer(x, ansbuf, (size_t)n, 0);
	}
	server_unref(s);
}

static void
xmit_tcp_read(struct bufferevent *bev, void *arg)
{
	struct xmit	*x = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		 lenbuf[2];
	size_t		 len;

	if (evbuffer_copyout(in, lenbuf, 2) != 2)
		return;
	len = (size_t)lenbuf[0] << 8 | lenbuf[1];
	if (evbuffer_get_length(in) < len + 2)
		return;
	evbuffer_drain(in, 2);
	evbuffer_remove(in, ansbuf, len);
	(void)xmit_answer(x, ansbuf, len, 1);
}

static void
xmit_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct xmit	*x = arg;
	struct uquery	*uq = x->uq;

	if (what & BEV_EVENT_CONNECTED)
		return;
	log_debug("upstream %s: TCP %s", x->srv->name,
	    (what & BEV_EVENT_TIMEOUT) ? "timeout" :
	    (what & BEV_EVENT_EOF) ? "closed" : "error");
	x->srv->errors++;
	xmit_close(x);
	(void)uquery_advance(uq);
}

static void
uquery_retransmit(int fd, short ev, void *arg)
{
	struct uquery	*uq = arg;
	struct timeval	 tv;
	size_t		 i;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++) {
		struct xmit *x = &uq->x[i];

		if (x->us != NULL && !x->timed_out) {
			x->timed_out = 1;
			x->srv->timeouts++;
			server_penalize(x->srv);
		}
	}
	/* Next server; after the last one, round again from the first. */
	if (uquery_send_next(uq) == -1) {
		uq->next = 0;
		if (uquery_send_next(uq) == -1 && uquery_nactive(uq) == 0) {
			uquery_fail(uq);
			return;
		}
		uq->rto = uq->rto * 2 > UPSTREAM_RTO_MAX_MS * 2 ?
		    UPSTREAM_RTO_MAX_MS * 2 : uq->rto * 2;
	}
	ms_to_tv(uq->rto, &tv);
	event_add(&uq->timer, &tv);
}

static void
uquery_deadline(int fd, short ev, void *arg)
{
	struct uquery	*uq = arg;
	size_t		 i;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++)
		if (uq->x[i].us != NULL && !uq->x[i].timed_out) {
			uq->x[i].srv->timeouts++;
			server_penalize(uq->x[i].srv);
		}
	uquery_fail(uq);
}

/* Candidates for route, in the order to try them. */
static size_t
uquery_candidates(struct uquery *uq, const struct config_domain *route)
{
	unsigned int	 key[UPSTREAM_MAX_SERVERS], k;
	struct server	*s;
	uint64_t	 now = clock_ms();
	size_t		 i, j, n = 0;

	for (i = 0; i < nservers && n < UPSTREAM_MAX_SERVERS; i++) {
		s = servers[i];
		if (route == NULL ? s->has_domain :
		    (!s->has_domain || s->domain.len != route->len ||
		    memcmp(s->domain.wire, route->wire, route->len) != 0))
			continue;
		k = strict_order ? 0 : server_key(s, now);
		/* Insertion sort, stable: equal keys keep config order. */
		for (j = n; j > 0 && key[j - 1] > k; j--) {
			key[j] = key[j - 1];
			uq->cand[j] = uq->cand[j - 1];
		}
		key[j] = k;
		uq->cand[j] = s;
		s->refs++;
		n++;
	}
	return n;
}

struct uquery *
upstream_query(const struct query *q, const struct config_domain *route,
    unsigned int deadline_ms, upstream_done_cb cb, void *arg, int *busy)
{
	struct uquery	*uq;
	struct timeval	 tv;
	size_t		 i;

	*busy = 0;
	if (ninflight >= forward_max) {
		*busy = 1;
		return NULL;
	}
	if ((uq = calloc(1, sizeof(*uq))) == NULL) {
		log_warn("upstream query");
		return NULL;
	}
	uq->q = q;
	uq->cb = cb;
	uq->arg = arg;
	uq->ncand = uquery_candidates(uq, route);
	if (uq->ncand == 0) {
		free(uq);
		return NULL;
	}
	uq->rto = server_rto(uq->cand[0]);
	evtimer_assign(&uq->timer, ubase, uquery_retransmit, uq);
	evtimer_assign(&uq->deadline, ubase, uquery_deadline, uq);

	if (all_servers) {
		while (uquery_send_next(uq) == 0 &&
		    uquery_nactive(uq) < UPSTREAM_MAX_XMIT)
			;
	} else
		(void)uquery_send_next(uq);
	if (uquery_nactive(uq) == 0) {
		/* Not one server reachable: no transaction. */
		for (i = 0; i < uq->ncand; i++)
			server_unref(uq->cand[i]);
		free(uq);
		return NULL;
	}
	LIST_INSERT_HEAD(&inflight, uq, entry);
	ninflight++;
	ms_to_tv(uq->rto, &tv);
	event_add(&uq->timer, &tv);
	if (deadline_ms == 0)
		deadline_ms = UPSTREAM_DEADLINE_MS;
	if (deadline_ms > UPSTREAM_CACHE_WAIT_MS)
		deadline_ms = UPSTREAM_CACHE_WAIT_MS;
	ms_to_tv(deadline_ms, &tv);
	event_add(&uq->deadline, &tv);
	return uq;
}

void
upstream_cancel(struct uquery *uq)
{
	size_t	 i;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++)
		xmit_close(&uq->x[i]);
	event_del(&uq->timer);
	event_del(&uq->deadline);
	for (i = 0; i < uq->ncand; i++)
		server_unref(uq->cand[i]);
	LIST_REMOVE(uq, entry);
	ninflight--;
	free(uq->fallback);
	free(uq);
}

size_t
upstream_inflight(void)
{
	return ninflight;
}

int
upstream_init(struct event_base *base)
{
	size_t	 i;

	ubase = base;
	for (i = 0; i < XMIT_BUCKETS; i++)
		LIST_INIT(&xmit_table[i]);
	return 0;
}

void
upstream_shutdown(void)
{
	size_t	 i;

	/* Transactions end with their callbacks: the owners free themselves. */
	while (!LIST_EMPTY(&inflight))
		uquery_end(LIST_FIRST(&inflight), NULL, 0);
	for (i = 0; i < nservers; i++)
		server_unref(servers[i]);
	free(servers);
	servers = NULL;
	nservers = 0;
}

void
upstream_log_stats(void)
{
	struct server	*s;
	size_t		 i;

	log_info("upstream: %zu queries in flight (dns-forward-max %u)",
	    ninflight, forward_max);
	for (i = 0; i < nservers; i++) {
		s = servers[i];
		log_info("server %s%s: sent %llu, answers %llu, timeouts %llu, "
		    "errors %llu, SERVFAIL/REFUSED %llu, truncated %llu, "
		    "mismatched dropped %llu, srtt %u ms", s->name,
		    s->has_domain ? " (domain)" : "",
		    (unsigned long long)s->sent,
		    (unsigned long long)s->answers,
		    (unsigned long long)s->timeouts,
		    (unsigned long long)s->errors,
		    (unsigned long long)s->notuseful,
		    (unsigned long long)s->truncated,
		    (unsigned long long)s->mismatched, s->srtt);
		log_info("server %s: latency A: %llu answers, median %.2f ms, "
		    "p95 %.2f ms; AAAA: %llu answers, median %.2f ms, "
		    "p95 %.2f ms", s->name,
		    (unsigned long long)s->lat_a.total,
		    lat_percentile(&s->lat_a, 50) / 1000.0,
		    lat_percentile(&s->lat_a, 95) / 1000.0,
		    (unsigned long long)s->lat_aaaa.total,
		    lat_percentile(&s->lat_aaaa, 50) / 1000.0,
		    lat_percentile(&s->lat_aaaa, 95) / 1000.0);
	}
}
