/*
 * upstream.c: servers and transactions with them; see upstream.h.
 *
 * Ownership: a struct uquery owns its transmissions (struct xmit, each
 * with its own socket) and a reference to every candidate server; a
 * transmission borrows its server through the uquery.  The uquery is
 * freed in upstream_cancel(), which every path out of a transaction goes
 * through exactly once (uquery_end calls it after the callback).
 *
 * All socket I/O and timers go through the uio seam (uio.h), so the
 * replay tests drive this file with a scripted upstream and a fake clock.
 *
 * What a server is, per query type class (A, AAAA, other): a smoothed
 * round-trip time and its variance (the retransmission timeout), and,
 * for the whole server, when anything was last received from it.  A
 * server that answered anything since a question was sent to it is
 * alive, only slow on that question: it is not sent the question again
 * and its RTT is not penalised; the transaction tries another server if
 * there is one and otherwise waits for the slow answer until its
 * deadline.  Only a server that has gone silent since the transmission
 * is retransmitted to.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "briskdns.h"
#include "clock.h"
#include "config.h"
#include "filter.h"
#include "learn.h"
#include "log.h"
#include "msg.h"
#include "policy.h"
#include "uio.h"
#include "upstream.h"
#include "wire.h"

/*
 * Latency of answers, in microseconds, on a log scale: four buckets per
 * power of two, so a percentile read from it is within 19 %.
 */
#define LAT_BUCKETS	112
struct lat_hist {
	uint32_t	 n[LAT_BUCKETS];
	uint64_t	 total;
	uint64_t	 sum_us;	/* metrics: the histogram's _sum */
};

#define RCODE_BADVERS	16	/* extended rcode (OPT): EDNS version */

/* Query type classes with round-trip statistics of their own. */
enum rtt_class {
	RTT_A,
	RTT_AAAA,
	RTT_OTHER,
	RTT_NCLASS
};

static const char *const rtt_class_name[RTT_NCLASS] = { "A", "AAAA",
    "other" };

/* Round-trip time of one class, ms; srtt 0: never measured. */
struct rtt {
	unsigned int	 srtt;
	unsigned int	 rttvar;
	uint64_t	 changed;	/* ms, for the decay */
};

struct server {
	int			 refs;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 has_domain;
	int			 from_resolv;	/* read from resolv-file */
	struct config_domain	 domain;
	struct uio_bind		 bind;		/* @INTERFACE, @SOURCE */
	char			 name[INET6_ADDRSTRLEN + 8];
	struct rtt		 rtt[RTT_NCLASS];
	uint64_t		 last_rx;	/* us; the last answer of any kind */
	uint64_t		 noedns_until;	/* ms; EDNS-intolerant until then */
	int			 silent;	/* a transmission timed out unheard */
	/* Statistics. */
	uint64_t		 sent;
	uint64_t		 answers;
	uint64_t		 timeouts;	/* silent past the timeout */
	uint64_t		 slow;		/* alive, slow on one question */
	uint64_t		 errors;	/* unreachable, malformed, TCP */
	uint64_t		 mismatched;	/* wrong ID or question */
	uint64_t		 truncated;
	uint64_t		 notuseful;	/* SERVFAIL, REFUSED... */
	uint64_t		 edns_fallbacks;
	uint64_t		 back;		/* heard again after silence */
	uint64_t		 tcp_conns;	/* TCP connections opened */
	struct tconn		*tc;		/* the TCP connection to reuse */
	struct lat_hist		 lat_a;		/* answers to A queries */
	struct lat_hist		 lat_aaaa;	/* answers to AAAA queries */
	struct upstream_early_stats early_st;	/* early answers */
	struct learn		 learn;		/* aaaa-mode=learn */
};

struct uquery;
struct xmit;

/*
 * A TCP connection to a server, reused for several queries, pipelined
 * (RFC 7766): answers are matched to their transmission by ID.  One per
 * server (srv->tc) takes new queries; after UPSTREAM_TCP_MAXUSE queries
 * it is retired and goes when its last answer is in.  Idle for
 * UPSTREAM_TCP_IDLE_MS, it is closed.
 */
struct tconn {
	struct server		*srv;
	struct uio_sock		 sock;
	struct uio_timer	 idle;
	LIST_HEAD(, xmit)	 xmits;		/* waiting for their answers */
	unsigned int		 nx;
	unsigned int		 used;		/* queries sent on it */
	unsigned int		 answered;	/* answers read from it */
	int			 busy;		/* being read: freed after */
	int			 dead;		/* closed or failed */
};

/* One transmission: on a UDP socket of its own (a fresh source port),
 * or on a TCP connection. */
struct xmit {
	struct uquery		*uq;
	struct server		*srv;		/* NULL: the slot is free */
	struct uio_sock		 sock;		/* UDP */
	struct tconn		*tc;		/* TCP */
	LIST_ENTRY(xmit)	 tentry;		/* tc->xmits */
	uint64_t		 sent;		/* us */
	uint16_t		 id;
	uint8_t			 tcp;
	uint8_t			 noedns;	/* sent without OPT */
	uint8_t			 timed_out;	/* counted once */
	uint8_t			 slow;		/* counted once */
};

/* A candidate server, and whether it still may be asked. */
#define CAND_DONE	0x1	/* it answered, uselessly: not asked again */
#define CAND_ASKED	0x2	/* sent the question (diagnostics) */

struct uquery {
	TAILQ_ENTRY(uquery)	 entry;		/* inflight or inflight_cache */
	int			 cache_only;	/* long deadline: the cache, prefetch
					 * or AAAA waits (deadline, after-a)
					 * asked for it; jostled first */
	uint64_t		 started;	/* ms */
	const struct query	*q;
	enum rtt_class		 klass;
	upstream_done_cb	 cb;
	void			*arg;
	struct server		*cand[UPSTREAM_MAX_SERVERS];
	uint8_t			 cflags[UPSTREAM_MAX_SERVERS];
	size_t			 ncand;
	size_t			 next;		/* next candidate to send to */
	unsigned int		 backoff;	/* rounds over the candidates */
	struct xmit		 x[UPSTREAM_MAX_XMIT];
	struct uio_timer	 timer;		/* retransmission */
	struct uio_timer	 deadline;
	uint8_t			*fallback;	/* a not-useful answer */
	size_t			 fallback_len;
	struct server		*answered_by;	/* its answer ended it */
	int			 early;		/* answered early */
	enum upstream_early	 early_kind;	/* the first's why */
};

TAILQ_HEAD(uquery_list, uquery);

static struct server		**servers;
static size_t			 nservers;
static int			 strict_order, all_servers;
static unsigned int		 forward_max = 1000;
static const struct config	*uconf;		/* the answer filters' keys */
/* Oldest first: the transactions clients wait for, and the others. */
static struct uquery_list	 inflight = TAILQ_HEAD_INITIALIZER(inflight);
static struct uquery_list	 inflight_cache =
    TAILQ_HEAD_INITIALIZER(inflight_cache);
static size_t			 ninflight;
static uint64_t			 njostled;
static uint8_t			 ansbuf[DNS_MAXMSG];
static struct uquery		*cb_uq;		/* in its callback */
static const struct server	*last_sent;	/* upstream_last_sent() */

static void	xmit_readable(void *);
static void	upstream_log_early(const struct server *);
static int	uquery_advance(struct uquery *);
static void	tconn_free(struct tconn *);
static void	tconn_release(struct tconn *);
static struct tconn *tconn_get(struct server *);

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
	h->sum_us += us;
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

/*
 * Query IDs, from a pool refilled 256 at a time: glibc's arc4random()
 * is one getrandom() system call per call (2.36), which was one system
 * call per forwarded query.
 */
static uint16_t
random16(void)
{
	static uint16_t	 pool[256];
	static size_t	 left;

	if (left == 0) {
#ifdef HAVE_ARC4RANDOM
		arc4random_buf(pool, sizeof(pool));
#else
		if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool))
			fatal("getrandom");
#endif
		left = sizeof(pool) / sizeof(pool[0]);
	}
	return pool[--left];
}

/* ---- servers --------------------------------------------------------- */

static enum rtt_class
rtt_class_of(uint16_t qtype)
{
	if (qtype == DNS_TYPE_A)
		return RTT_A;
	if (qtype == DNS_TYPE_AAAA)
		return RTT_AAAA;
	return RTT_OTHER;
}

static void
server_unref(struct server *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	if (s->tc != NULL)
		tconn_free(s->tc);
	if (last_sent == s)
		last_sent = NULL;
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
	if (s->has_domain != cs->has_domain ||
	    strcmp(s->bind.ifname, cs->ifname) != 0 ||
	    s->bind.sourcelen != cs->sourcelen ||
	    memcmp(&s->bind.source, &cs->source, cs->sourcelen) != 0)
		return 0;
	return !s->has_domain || (s->domain.len == cs->domain.len &&
	    memcmp(s->domain.wire, cs->domain.wire, cs->domain.len) == 0);
}

/* Retransmission timeout for class k of s, from its round-trip times. */
static unsigned int
server_rto(const struct server *s, enum rtt_class k)
{
	const struct rtt	*r = &s->rtt[k];
	unsigned int		 rto;

	if (r->srtt == 0)
		return UPSTREAM_RTO_INIT_MS;
	rto = r->srtt + 4 * r->rttvar;
	if (rto < UPSTREAM_RTO_MIN_MS)
		rto = UPSTREAM_RTO_MIN_MS;
	if (rto > UPSTREAM_RTO_MAX_MS)
		rto = UPSTREAM_RTO_MAX_MS;
	return rto;
}

static void
server_rtt_sample(struct server *s, enum rtt_class k, uint64_t sample)
{
	struct rtt	*r = &s->rtt[k];
	unsigned int	 v = sample > 60000 ? 60000 : (unsigned int)sample;
	unsigned int	 d;

	if (v == 0)
		v = 1;
	if (r->srtt == 0) {
		r->srtt = v;
		r->rttvar = v / 2;
	} else {
		d = r->srtt > v ? r->srtt - v : v - r->srtt;
		r->rttvar = (3 * r->rttvar + d) / 4;
		r->srtt = (7 * r->srtt + v) / 8;
		if (r->srtt == 0)
			r->srtt = 1;
	}
	r->changed = clock_ms();
}

static int	xmit_send(struct uquery *, struct server *, int, int);
static void	uquery_asked(struct uquery *, struct server *);

/*
 * s is heard from again after it went silent (a frozen server came
 * back): whatever was sent to it meanwhile is presumed lost, so every
 * transaction waiting on it is asked again now rather than at its next
 * (backed-off) timeout.  Otherwise they would hold their dns-forward-max
 * slots, unanswered, up to their deadline.  One pass over the
 * transactions in flight, once per silence.
 */
static void
server_back(struct server *s, const struct uquery *skip, uint64_t now_us)
{
	struct uquery_list	*lists[2] = { &inflight, &inflight_cache };
	struct uquery		*uq;
	struct xmit		*x;
	size_t			 l, i;
	unsigned int		 n = 0;

	s->back++;
	for (l = 0; l < 2; l++)
		TAILQ_FOREACH(uq, lists[l], entry) {
			if (uq == skip)
				continue;
			for (i = 0; i < UPSTREAM_MAX_XMIT; i++) {
				x = &uq->x[i];
				if (x->srv == s && !x->tcp &&
				    x->sent < now_us) {
					n += xmit_send(uq, s, 0, 0) == 0;
					break;
				}
			}
		}
	log_debug("upstream %s: heard again after silence, %u questions "
	    "asked again", s->name, n);
}

/* Something matched from s, for uq: it is alive. */
static void
server_heard(struct server *s, const struct uquery *uq, uint64_t now_us)
{
	s->last_rx = now_us;
	if (s->silent) {
		s->silent = 0;
		server_back(s, uq, now_us);
	}
}

/* Nothing from s since the transmission, past the timeout: it went
 * silent.  Make class k of it look slower, so other servers go first. */
static void
server_penalize(struct server *s, enum rtt_class k)
{
	struct rtt	*r = &s->rtt[k];
	unsigned int	 base = r->srtt ? r->srtt : UPSTREAM_RTO_INIT_MS;
	uint64_t	 now = clock_ms();

	/* Once per retransmission interval at most: many queries timing
	 * out together are one piece of news about the server. */
	if (r->srtt != 0 && now - r->changed < server_rto(s, k))
		return;
	r->srtt = base * 2 > 10000 ? 10000 : base * 2;
	r->changed = now;
}

/*
 * The ordering key for class k.  A penalty fades: after 10 s without news
 * a slow server is measured afresh, so one that recovered gets used again.
 */
static unsigned int
server_key(struct server *s, enum rtt_class k, uint64_t now)
{
	struct rtt	*r = &s->rtt[k];

	if (r->srtt > UPSTREAM_RTO_INIT_MS && now - r->changed > 10000) {
		r->srtt = 0;
		r->rttvar = 0;
	}
	return r->srtt ? r->srtt : UPSTREAM_RTO_INIT_MS;
}

/* ---- aaaa-mode=learn (learn.h) ------------------------------------------ */

/* Fed only under aaaa-mode=learn: no judgement, no log line otherwise. */
static int
learning(void)
{
	return uconf != NULL && uconf->aaaa_mode == AAAA_LEARN;
}

/*
 * Whether learn judges qtype: AAAA (A is the reference), and HTTPS and
 * SVCB only when slow-types= has them (else nothing is answered by what
 * is learnt of them, and a switch's log line would say it is).
 */
static int
learnt_type(uint16_t qtype)
{
	return learn_class_of(qtype) != LEARN_HTTPS ||
	    policy_slow_type(uconf, qtype);
}

/*
 * What a question of qtype to s came to: an answer with rcode after ms,
 * or LEARN_UNANSWERED by the deadline.  A switch is logged with its
 * figures.
 */
static void
server_learn(struct server *s, uint16_t qtype, int rcode, uint64_t ms)
{
	struct learn_figures	 f;
	char			 buf[256];

	if (learning() && learnt_type(qtype) &&
	    learn_result(&s->learn, qtype, rcode, ms,
	    UPSTREAM_DEADLINE_MS, clock_ms(), &f))
		log_info("server %s: %s", s->name, learn_change_text(&f,
		    uconf->aaaa_learn_ms, buf, sizeof(buf)));
}

int
upstream_set_servers(const struct config *conf,
    const struct config_server *resolv, size_t nresolv)
{
	const struct config_server	*cs;
	struct server			**ns, *s;
	size_t				 total = conf->nservers + nresolv;
	size_t				 i, j, n = 0;

	/* Whatever happens to the list, conf is the running configuration
	 * (the old one may be freed after this call). */
	uconf = conf;
	uio_set_ports(conf->min_port, conf->max_port);
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
			learn_init(&s->learn);
			memcpy(&s->addr, &cs->addr, cs->addrlen);
			s->addrlen = cs->addrlen;
			s->has_domain = cs->has_domain;
			s->domain = cs->domain;
			memcpy(s->bind.ifname, cs->ifname,
			    sizeof(s->bind.ifname));
			s->bind.ifname[sizeof(s->bind.ifname) - 1] = '\0';
			s->bind.source = cs->source;
			s->bind.sourcelen = cs->sourcelen;
			server_name(s);
		}
		s->from_resolv = cs->from_resolv;
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
	return x->srv != NULL;
}

/* The transmission ends: its socket, and its source port, go. */
static void
xmit_close(struct xmit *x)
{
	struct tconn	*tc = x->tc;

	if (x->srv == NULL)
		return;
	x->srv = NULL;
	if (tc != NULL) {
		LIST_REMOVE(x, tentry);
		tc->nx--;
		x->tc = NULL;
		tconn_release(tc);
	} else
		uio->close(&x->sock);
}

static struct xmit *
tconn_find(const struct tconn *tc, uint16_t id)
{
	struct xmit	*x;

	LIST_FOREACH(x, &tc->xmits, tentry)
		if (x->id == id)
			return x;
	return NULL;
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

/*
 * server=ADDR@INTERFACE where INTERFACE does not exist (yet): not an
 * error at start; each query tries again, and this says so every 60 s.
 */
static void
xmit_log_nodev(const struct server *s)
{
	static uint64_t	 logged;

	if (logged != 0 && clock_ms() - logged < 60000)
		return;
	logged = clock_ms();
	log_warnx("upstream %s: interface %s does not exist (yet); "
	    "tried again with each query", s->name, s->bind.ifname);
}

/*
 * Send uq's question to s, on a new socket (UDP) or connection (TCP).
 * Without EDNS when s is known not to take it, or when noedns.  0, or -1
 * if s cannot be reached at all.
 */
static int
xmit_send(struct uquery *uq, struct server *s, int tcp, int noedns)
{
	uint8_t		 pkt[DNS_MAXMSG];
	struct xmit	*x;
	struct tconn	*tc = NULL;
	size_t		 len;
	uint16_t	 id;
	int		 r, tries;

	if (s->noedns_until > clock_ms())
		noedns = 1;
	x = xmit_slot(uq);
	x->sock.bind = &s->bind;
	if (tcp)
		r = (tc = tconn_get(s)) != NULL ? 0 : -1;
	else
		r = uio->udp_open(&x->sock, (const struct sockaddr *)&s->addr,
		    s->addrlen, xmit_readable, x);
	if (r == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			static uint64_t	 logged;

			if (logged == 0 || clock_ms() - logged >= 10000) {
				logged = clock_ms();
				log_warnx("upstream: out of descriptors "
				    "(dns-forward-max too high for the "
				    "descriptor limit?)");
			}
		}
		if (errno == ENODEV)
			xmit_log_nodev(s);
		log_debug("upstream %s: %s%s", s->name, tcp ? "TCP: " : "",
		    strerror(errno));
		s->errors++;
		return -1;
	}
	/* On a connection, an ID not in flight there. */
	id = random16();
	for (tries = 0; tc != NULL && tries < 16 && tconn_find(tc, id) != NULL;
	    tries++)
		id = random16();
	len = msg_build_forward(uq->q, id, noedns ? MSG_FWD_NOEDNS : 0, pkt,
	    sizeof(pkt));
	if (len == 0 || (tc != NULL && tconn_find(tc, id) != NULL) ||
	    uio->send(tc != NULL ? &tc->sock : &x->sock, pkt, len) == -1) {
		log_debug("upstream %s: %s%s", s->name, tcp ? "TCP: " : "",
		    strerror(errno));
		s->errors++;
		if (tc != NULL)
			tconn_release(tc);
		else
			uio->close(&x->sock);
		return -1;
	}
	x->uq = uq;
	x->srv = s;
	x->id = id;
	x->tcp = tcp != 0;
	x->noedns = noedns != 0;
	x->sent = clock_us();
	x->timed_out = 0;
	x->slow = 0;
	if (tc != NULL) {
		x->tc = tc;
		LIST_INSERT_HEAD(&tc->xmits, x, tentry);
		tc->nx++;
		tc->used++;
	}
	s->sent++;
	last_sent = s;
	uquery_asked(uq, s);
	return 0;
}

/* Has s been heard from since the transmission x went to it? */
static int
xmit_server_alive(const struct xmit *x)
{
	return x->srv->last_rx > x->sent;
}

/*
 * How long a server that is alive may take on a question of class k
 * before its transmission counts as lost (a datagram dropped on the way,
 * not a slow answer), in ms; 0: never.  A class never measured on that
 * server says nothing (its first answers may all be slow: the seed
 * scenario's AAAA), so it is waited for; a class that answers fast and
 * suddenly does not, after max(UPSTREAM_LOSS_MS, 4 RTOs): a class that
 * is slow (RTO at its maximum) is never given up on before the deadline.
 */
static unsigned int
xmit_patience(const struct xmit *x, enum rtt_class k)
{
	unsigned int	 p;

	if (x->srv->rtt[k].srtt == 0)
		return 0;
	p = 4 * server_rto(x->srv, k);
	return p < UPSTREAM_LOSS_MS ? UPSTREAM_LOSS_MS : p;
}

/*
 * Is x's server still working on the question: alive since x went out,
 * and x not yet past its patience?  *wait_ms: how long until it is.
 */
static int
xmit_working(const struct xmit *x, enum rtt_class k, uint64_t now,
    unsigned int *wait_ms)
{
	unsigned int	 p;
	uint64_t	 age;

	if (!xmit_server_alive(x))
		return 0;
	if ((p = xmit_patience(x, k)) == 0)
		return 1;
	age = now > x->sent ? (now - x->sent) / 1000 : 0;
	if (age >= p)
		return 0;
	if (wait_ms != NULL && p - age < *wait_ms)
		*wait_ms = (unsigned int)(p - age);
	return 1;
}

/* ---- transactions ---------------------------------------------------- */

static void
uquery_end(struct uquery *uq, uint8_t *ans, size_t len)
{
	struct uquery	*prev = cb_uq;

	/* The callback first: ans may live in a transmission's buffer. */
	cb_uq = uq;
	uq->cb(uq->arg, ans, len);
	cb_uq = prev;
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

static void
uquery_cand_done(struct uquery *uq, const struct server *s)
{
	size_t	 i;

	for (i = 0; i < uq->ncand; i++)
		if (uq->cand[i] == s)
			uq->cflags[i] |= CAND_DONE;
}

/*
 * s was sent uq's question: the first time, and once the clients were
 * answered early, s is one of the servers it was asked of.
 */
static void
uquery_asked(struct uquery *uq, struct server *s)
{
	size_t	 i;

	for (i = 0; i < uq->ncand; i++)
		if (uq->cand[i] == s && !(uq->cflags[i] & CAND_ASKED)) {
			uq->cflags[i] |= CAND_ASKED;
			if (uq->early)
				s->early_st.early[uq->early_kind]++;
		}
}

/*
 * Is s still working on uq's question: a TCP connection in flight, or a
 * UDP transmission the server has been heard from since (alive, only
 * slow on this question)?  Such a server is not asked again.
 */
static int
uquery_cand_waiting(struct uquery *uq, const struct server *s)
{
	struct xmit	*x;
	uint64_t	 now = clock_us();
	size_t		 i;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++) {
		x = &uq->x[i];
		if (x->srv == s && xmit_active(x) && (x->tcp ||
		    xmit_working(x, uq->klass, now, NULL)))
			return 1;
	}
	return 0;
}

/* Arm the retransmission timer for a transmission to candidate i. */
static void
uquery_arm(struct uquery *uq, size_t i)
{
	unsigned int	 rto = server_rto(uq->cand[i], uq->klass);

	rto <<= uq->backoff;
	if (rto > 2 * UPSTREAM_RTO_MAX_MS)
		rto = 2 * UPSTREAM_RTO_MAX_MS;
	uio->timer_add(&uq->timer, rto);
}

/* Send to the next candidate not asked yet.  Its index, or -1. */
static int
uquery_send_next(struct uquery *uq)
{
	size_t	 i;

	while (uq->next < uq->ncand) {
		i = uq->next++;
		if (!(uq->cflags[i] & CAND_DONE) &&
		    xmit_send(uq, uq->cand[i], 0, 0) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Every candidate was asked: ask again the next one that went silent on
 * the question (one per timeout, in order, the timeout doubling with
 * each round).  Its index, or -1 if every candidate is done or still
 * working on it.
 */
static int
uquery_resend(struct uquery *uq)
{
	size_t	 n, i;

	for (n = 0; n < uq->ncand; n++) {
		if (uq->next >= uq->ncand) {
			uq->next = 0;
			if (uq->backoff < 4)
				uq->backoff++;
		}
		i = uq->next++;
		if ((uq->cflags[i] & CAND_DONE) ||
		    uquery_cand_waiting(uq, uq->cand[i]))
			continue;
		if (xmit_send(uq, uq->cand[i], 0, 0) == 0)
			return (int)i;
	}
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
	int	 i;

	if ((i = uquery_send_next(uq)) >= 0) {
		uquery_arm(uq, (size_t)i);
		return 0;
	}
	if (uquery_nactive(uq) > 0)
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
 * The full rcode of an answer: the header's 4 bits, extended by an OPT
 * record's 8 (BADVERS is 16).  Bounded by the counts and by len (every
 * record is at least 11 bytes); a malformed message gives the header's.
 */
static int
answer_rcode(const uint8_t *ans, size_t len)
{
	size_t		 off = DNS_HDRLEN, p;
	unsigned int	 qd, rr, nrr, i;
	int		 rcode = DNS_RCODE(get16(ans + 2));

	qd = get16(ans + 4);
	nrr = (unsigned int)get16(ans + 6) + get16(ans + 8) +
	    get16(ans + 10);
	for (i = 0; i < qd; i++) {
		if ((p = msg_skip_name(ans, len, off)) == 0 || len - p < 4)
			return rcode;
		off = p + 4;
	}
	for (rr = 0; rr < nrr; rr++) {
		if ((p = msg_skip_name(ans, len, off)) == 0 || len - p < 10 ||
		    len - p - 10 < get16(ans + p + 8))
			return rcode;
		if (get16(ans + p) == DNS_TYPE_OPT &&
		    rr >= nrr - get16(ans + 10))
			return rcode | ans[p + 4] << 4;
		off = p + 10 + get16(ans + p + 8);
	}
	return rcode;
}

/*
 * An error answer that carries no question (FORMERR from a server that
 * does not parse the query, say): from the server's address and port
 * (the socket is connect()ed) with the transmission's ID, it is that
 * server's answer, not a spoof.
 */
static int
answer_bare_error(const uint8_t *ans, size_t len, uint16_t id)
{
	uint16_t	 flags;

	if (len < DNS_HDRLEN || get16(ans) != id || get16(ans + 4) != 0)
		return 0;
	flags = get16(ans + 2);
	return (flags & DNS_FLAG_QR) && DNS_OPCODE(flags) == 0 &&
	    answer_rcode(ans, len) != DNS_RCODE_NOERROR;
}

/* Does this rcode, to a query with EDNS, say "no EDNS here"? */
static int
rcode_rejects_edns(int rcode)
{
	return rcode == DNS_RCODE_FORMERR || rcode == DNS_RCODE_NOTIMP ||
	    rcode == RCODE_BADVERS;
}

/*
 * An answer arrived on transmission x.  Returns 0 if x goes on waiting,
 * 1 if x is closed (and uq possibly freed): the caller must not touch
 * either again.
 */
static int
xmit_answer(struct xmit *x, uint8_t *ans, size_t len)
{
	struct uquery	*uq = x->uq;
	struct server	*s = x->srv;
	enum msg_answer	 res;
	uint64_t	 now = clock_us(), lat = now - x->sent;
	int		 rcode = 0, bare = 0, tcp = x->tcp;

	res = msg_check_answer(ans, len, x->id, uq->q, &rcode);
	if (res == ANSWER_MISMATCH) {
		if (!answer_bare_error(ans, len, x->id)) {
			s->mismatched++;
			log_debug("upstream %s: mismatched answer dropped",
			    s->name);
			if (!tcp)
				return 0;	/* the real one may still come */
			s->errors++;
			goto next;
		}
		bare = 1;
		res = ANSWER_OK;
	}
	server_heard(s, uq, now);
	server_rtt_sample(s, uq->klass, lat / 1000);
	if (res != ANSWER_TRUNCATED)
		rcode = answer_rcode(ans, len);

	/* EDNS refused: at once again without, and remember it a while. */
	if (!x->noedns && rcode_rejects_edns(rcode)) {
		if (s->noedns_until <= now / 1000)
			log_info("upstream %s: %s to EDNS; queries go "
			    "without EDNS for %u s", s->name,
			    rcode == RCODE_BADVERS ? "BADVERS" :
			    msg_rcode_text(rcode), UPSTREAM_NOEDNS_MS / 1000);
		s->edns_fallbacks++;
		s->noedns_until = now / 1000 + UPSTREAM_NOEDNS_MS;
		xmit_close(x);
		if (xmit_send(uq, s, tcp, 1) == -1)
			(void)uquery_advance(uq);
		return 1;
	}

	switch (res) {
	case ANSWER_MISMATCH:		/* handled above */
		break;
	case ANSWER_MALFORMED:
		s->errors++;
		uquery_cand_done(uq, s);
		log_debug("upstream %s: malformed answer", s->name);
		break;
	case ANSWER_TRUNCATED:
		s->truncated++;
		if (tcp) {
			s->errors++;
			uquery_cand_done(uq, s);
			break;
		}
		xmit_close(x);
		if (xmit_send(uq, s, 1, 0) == -1)
			(void)uquery_advance(uq);
		return 1;
	case ANSWER_OK:
		if (!bare)
			server_learn(s, uq->q->qtype, rcode,
			    (lat + 999) / 1000);
		if (uq->q->qtype == DNS_TYPE_A)
			lat_add(&s->lat_a, lat);
		else if (uq->q->qtype == DNS_TYPE_AAAA)
			lat_add(&s->lat_aaaa, lat);
		s->answers++;
		if (!bare && rcode_useful(rcode)) {
			uint8_t			 rbuf[DNS_HDRLEN + DNS_MAXNAME +
						    64];
			enum filter_verdict	 v;

			switch ((v = filter_answer(uconf, uq->q, ans, len))) {
			case FILTER_PASS:
				break;
			case FILTER_IGNORE:
				/* ignore-address: a forged fast answer;
				 * the real one may still come (UDP). */
				log_debug("upstream %s: answer with an "
				    "ignore-address ignored", s->name);
				if (!tcp)
					return 0;
				uquery_cand_done(uq, s);
				goto next;
			case FILTER_REBIND:
				filter_log_rebind(uq->q);
				/* FALLTHROUGH */
			case FILTER_NXDOMAIN:
				if ((len = filter_replace(uq->q, v, rbuf,
				    sizeof(rbuf))) == 0) {
					uquery_cand_done(uq, s);
					goto next;
				}
				ans = rbuf;
				break;
			}
			uq->answered_by = s;
			uquery_end(uq, ans, len);
			return 1;
		}
		s->notuseful++;
		uquery_cand_done(uq, s);
		/* An upstream's SERVFAIL may carry its reason (EDE); any
		 * other rcode is ours to turn into SERVFAIL. */
		if (!bare && rcode == DNS_RCODE_SERVFAIL)
			uquery_keep_fallback(uq, ans, len);
		break;
	}
 next:
	xmit_close(x);
	(void)uquery_advance(uq);
	return 1;
}

/*
 * Something to read on a transmission's socket.  An error (ICMP port
 * unreachable, a TCP connection closed) ends the transmission; the
 * server is not asked this question again.
 */
static void
xmit_readable(void *arg)
{
	struct xmit	*x = arg;
	struct uquery	*uq;
	struct server	*s;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < 16; i++) {
		n = uio->recv(&x->sock, ansbuf, sizeof(ansbuf));
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			uq = x->uq;
			s = x->srv;
			log_debug("upstream %s: %s%s", s->name,
			    x->tcp ? "TCP: " : "", strerror(errno));
			s->errors++;
			uquery_cand_done(uq, s);
			xmit_close(x);
			(void)uquery_advance(uq);
			return;
		}
		if (xmit_answer(x, ansbuf, (size_t)n) != 0)
			return;
	}
}

/* ---- TCP connections ------------------------------------------------ */

static void
tconn_free(struct tconn *tc)
{
	if (tc->srv->tc == tc)
		tc->srv->tc = NULL;
	uio->close(&tc->sock);
	uio->timer_del(&tc->idle);
	free(tc);
}

/* A transmission left tc: it waits idle, or goes if it is retired. */
static void
tconn_release(struct tconn *tc)
{
	if (tc->nx > 0 || tc->busy)
		return;
	if (tc->dead || tc->srv->tc != tc || tc->used >= UPSTREAM_TCP_MAXUSE)
		tconn_free(tc);
	else
		uio->timer_add(&tc->idle, UPSTREAM_TCP_IDLE_MS);
}

static void
tconn_idle(void *arg)
{
	tconn_free(arg);
}

/*
 * The connection failed or was closed with queries on it.  A connection
 * that had answered before and is closed by the server (it may close an
 * idle-looking connection at any time, RFC 7766 6.2.3) gets its queries
 * asked again on a new one; any other failure ends them on this server.
 */
static void
tconn_error(struct tconn *tc, int err)
{
	struct server	*s = tc->srv;
	struct uquery	*uq;
	struct xmit	*x;
	int		 again, noedns;

	tc->dead = 1;
	if (s->tc == tc)
		s->tc = NULL;
	log_debug("upstream %s: TCP: %s", s->name, strerror(err));
	again = err == ECONNRESET && tc->answered > 0;
	if (tc->nx > 0 && !again)
		s->errors++;
	tc->busy++;
	while ((x = LIST_FIRST(&tc->xmits)) != NULL) {
		uq = x->uq;
		noedns = x->noedns;
		xmit_close(x);
		if (again && xmit_send(uq, s, 1, noedns) == 0)
			continue;
		uquery_cand_done(uq, s);
		(void)uquery_advance(uq);
	}
	tc->busy--;
}

/* Answers on a connection, matched to their transmissions by ID. */
static void
tconn_readable(void *arg)
{
	struct tconn	*tc = arg;
	struct server	*s = tc->srv;
	struct xmit	*x;
	ssize_t		 n;
	int		 i;

	/* The last transaction on s may end here: both stay till the end. */
	s->refs++;
	tc->busy++;
	for (i = 0; i < 64 && !tc->dead; i++) {
		n = uio->recv(&tc->sock, ansbuf, sizeof(ansbuf));
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				tconn_error(tc, errno);
			break;
		}
		if (n < DNS_HDRLEN ||
		    (x = tconn_find(tc, get16(ansbuf))) == NULL) {
			s->mismatched++;	/* late, or not ours */
			continue;
		}
		tc->answered++;
		(void)xmit_answer(x, ansbuf, (size_t)n);
	}
	tc->busy--;
	tconn_release(tc);
	server_unref(s);
}

/* The connection to s for one more query: the current one, or a new. */
static struct tconn *
tconn_get(struct server *s)
{
	struct tconn	*tc = s->tc;

	if (tc != NULL && !tc->dead && tc->used < UPSTREAM_TCP_MAXUSE) {
		uio->timer_del(&tc->idle);
		return tc;
	}
	if (tc != NULL) {
		s->tc = NULL;		/* retired: it goes with its last */
		if (tc->nx == 0 && !tc->busy)
			tconn_free(tc);
	}
	if ((tc = calloc(1, sizeof(*tc))) == NULL)
		return NULL;
	tc->srv = s;
	LIST_INIT(&tc->xmits);
	uio->timer_init(&tc->idle, tconn_idle, tc);
	tc->sock.bind = &s->bind;
	if (uio->tcp_open(&tc->sock, (const struct sockaddr *)&s->addr,
	    s->addrlen, UPSTREAM_DEADLINE_MS, tconn_readable, tc) == -1) {
		free(tc);
		return NULL;
	}
	s->tc = tc;
	s->tcp_conns++;
	return tc;
}

static void
uquery_retransmit(void *arg)
{
	struct uquery	*uq = arg;
	struct xmit	*x;
	uint64_t	 now;
	unsigned int	 wait;
	size_t		 i;
	int		 c;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++) {
		x = &uq->x[i];
		if (!xmit_active(x) || x->tcp)
			continue;
		if (xmit_server_alive(x)) {
			if (!x->slow) {
				x->slow = 1;
				x->srv->slow++;
			}
		} else if (!x->timed_out) {
			x->timed_out = 1;
			x->srv->silent = 1;
			x->srv->timeouts++;
			server_penalize(x->srv, uq->klass);
		}
	}
	if ((c = uquery_send_next(uq)) == -1)
		c = uquery_resend(uq);
	if (c >= 0) {
		uquery_arm(uq, (size_t)c);
		return;
	}
	if (uquery_nactive(uq) == 0) {
		uquery_fail(uq);
		return;
	}
	/* Only servers still working on it: wait for them, looking again
	 * when one of them runs out of patience (a lost datagram), or now
	 * and then in case one goes silent after all. */
	wait = 2 * UPSTREAM_RTO_MAX_MS;
	now = clock_us();
	for (i = 0; i < UPSTREAM_MAX_XMIT; i++) {
		x = &uq->x[i];
		if (xmit_active(x) && !x->tcp)
			(void)xmit_working(x, uq->klass, now, &wait);
	}
	uio->timer_add(&uq->timer, wait < 10 ? 10 : wait);
}

static void
uquery_deadline(void *arg)
{
	struct uquery	*uq = arg;
	struct xmit	*x;
	size_t		 i, j;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++) {
		x = &uq->x[i];
		/* Each server still asked: one failure, however many
		 * transmissions it had. */
		for (j = 0; j < i && (!xmit_active(&uq->x[j]) ||
		    uq->x[j].srv != x->srv); j++)
			;
		if (xmit_active(x) && j == i)
			server_learn(x->srv, uq->q->qtype,
			    LEARN_UNANSWERED, 0);
		if (xmit_active(x) && !x->tcp && !x->timed_out &&
		    !xmit_server_alive(x)) {
			x->srv->silent = 1;
			x->srv->timeouts++;
			server_penalize(x->srv, uq->klass);
		}
	}
	uquery_fail(uq);
}

/* Is s one of route's servers (NULL: the default servers)? */
static int
server_in_route(const struct server *s, const struct config_domain *route)
{
	if (route == NULL)
		return !s->has_domain;
	return s->has_domain && s->domain.len == route->len &&
	    memcmp(s->domain.wire, route->wire, route->len) == 0;
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
		if (!server_in_route(s, route))
			continue;
		k = strict_order ? 0 : server_key(s, uq->klass, now);
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

/*
 * At dns-forward-max, make room as unbound's jostle does: the oldest
 * transaction that has waited UPSTREAM_JOSTLE_MS or longer ends with no
 * answer (its clients get SERVFAIL), those that only the cache waits for
 * first.  A transaction that young is still likely to be answered; an
 * older one, while the slots are full, holds up the new queries that
 * could be answered at once when a frozen server comes back.  0 if room
 * was made, -1 if not.
 */
static int
uquery_jostle(uint64_t now)
{
	struct uquery	*uq;

	uq = TAILQ_FIRST(&inflight_cache);
	if (uq == NULL || now - uq->started < UPSTREAM_JOSTLE_MS) {
		uq = TAILQ_FIRST(&inflight);
		if (uq == NULL || now - uq->started < UPSTREAM_JOSTLE_MS)
			return -1;
	}
	njostled++;
	log_debug("upstream: dns-forward-max reached, a query waiting "
	    "%llu ms makes room", (unsigned long long)(now - uq->started));
	uquery_end(uq, NULL, 0);
	return 0;
}

static void
uquery_free(struct uquery *uq)
{
	size_t	 i;

	for (i = 0; i < uq->ncand; i++)
		server_unref(uq->cand[i]);
	free(uq->fallback);
	free(uq);
}

struct uquery *
upstream_query(const struct query *q, const struct config_domain *route,
    unsigned int deadline_ms, upstream_done_cb cb, void *arg, int *busy)
{
	struct uquery	*uq;
	uint64_t	 now = clock_ms();
	int		 c = -1;

	*busy = 0;
	if ((uq = calloc(1, sizeof(*uq))) == NULL) {
		log_warn("upstream query");
		return NULL;
	}
	uq->q = q;
	uq->cb = cb;
	uq->arg = arg;
	uq->klass = rtt_class_of(q->qtype);
	uq->started = now;
	if (deadline_ms == 0)
		deadline_ms = UPSTREAM_DEADLINE_MS;
	if (deadline_ms > UPSTREAM_CACHE_WAIT_MS)
		deadline_ms = UPSTREAM_CACHE_WAIT_MS;
	uq->cache_only = deadline_ms > UPSTREAM_DEADLINE_MS;
	if ((uq->ncand = uquery_candidates(uq, route)) == 0) {
		uquery_free(uq);
		return NULL;
	}
	/* The victim's callback may start a transaction of its own. */
	if (ninflight >= forward_max &&
	    (uquery_jostle(now) == -1 || ninflight >= forward_max)) {
		*busy = 1;
		uquery_free(uq);
		return NULL;
	}
	uio->timer_init(&uq->timer, uquery_retransmit, uq);
	uio->timer_init(&uq->deadline, uquery_deadline, uq);

	if (all_servers) {
		while (uquery_nactive(uq) < UPSTREAM_MAX_XMIT &&
		    uquery_send_next(uq) >= 0)
			c = 0;
	} else
		c = uquery_send_next(uq);
	if (uquery_nactive(uq) == 0) {
		/* Not one server reachable: no transaction. */
		uquery_free(uq);
		return NULL;
	}
	TAILQ_INSERT_TAIL(uq->cache_only ? &inflight_cache : &inflight, uq,
	    entry);
	ninflight++;
	uquery_arm(uq, c >= 0 ? (size_t)c : 0);
	uio->timer_add(&uq->deadline, deadline_ms);
	return uq;
}

void
upstream_cancel(struct uquery *uq)
{
	size_t	 i;

	for (i = 0; i < UPSTREAM_MAX_XMIT; i++)
		xmit_close(&uq->x[i]);
	uio->timer_del(&uq->timer);
	uio->timer_del(&uq->deadline);
	TAILQ_REMOVE(uq->cache_only ? &inflight_cache : &inflight, uq, entry);
	ninflight--;
	uquery_free(uq);
}

/*
 * The server a question of qtype for route goes to first: the one
 * uquery_candidates puts first (the lowest key, the first in order on
 * a tie or with strict-order).
 */
static struct server *
upstream_first(const struct config_domain *route, uint16_t qtype)
{
	struct server	*s, *best = NULL;
	unsigned int	 k, bestk = 0;
	uint64_t	 now = clock_ms();
	size_t		 i, n = 0;

	for (i = 0; i < nservers && n < UPSTREAM_MAX_SERVERS; i++) {
		s = servers[i];
		if (!server_in_route(s, route))
			continue;
		n++;
		k = strict_order ? 0 : server_key(s, rtt_class_of(qtype), now);
		if (best == NULL || k < bestk) {
			best = s;
			bestk = k;
		}
	}
	return best;
}

int
upstream_learn_slow(const struct config_domain *route, uint16_t qtype)
{
	struct server	*s;

	if (!learning() || (s = upstream_first(route, qtype)) == NULL)
		return 0;
	return learn_slow(&s->learn, learn_class_of(qtype));
}

size_t
upstream_inflight(void)
{
	return ninflight;
}

unsigned int
upstream_rto(size_t i, uint16_t qtype)
{
	if (i >= nservers)
		return 0;
	return server_rto(servers[i], rtt_class_of(qtype));
}

int
upstream_init(struct event_base *base)
{
	if (base != NULL)
		return uio_real_init(base);
	return 0;
}

void
upstream_shutdown(void)
{
	struct uquery	*uq;
	size_t		 i;

	/* Transactions end with their callbacks: the owners free themselves. */
	while ((uq = TAILQ_FIRST(&inflight)) != NULL ||
	    (uq = TAILQ_FIRST(&inflight_cache)) != NULL)
		uquery_end(uq, NULL, 0);
	for (i = 0; i < nservers; i++)
		server_unref(servers[i]);
	free(servers);
	servers = NULL;
	nservers = 0;
}

/* " (domain)", " (from resolv-file PATH)" or "", for the statistics. */
static const char *
server_origin(const struct server *s, char *buf, size_t size)
{
	if (s->has_domain)
		return " (domain)";
	if (!s->from_resolv || uconf == NULL || uconf->resolv_file == NULL)
		return "";
	snprintf(buf, size, " (from %s)", uconf->resolv_file);
	return buf;
}

void
upstream_log_stats(void)
{
	struct server	*s;
	uint64_t	 now = clock_ms();
	char		 lbuf[384], obuf[300];
	size_t		 i;
	int		 k;

	log_info("upstream: %zu queries in flight (dns-forward-max %u), "
	    "%llu made room for newer ones, %zu sockets open", ninflight,
	    forward_max, (unsigned long long)njostled,
	    uio_real_open_count());
	for (i = 0; i < nservers; i++) {
		s = servers[i];
		log_info("server %s%s: sent %llu, answers %llu, timeouts %llu, "
		    "slow answers awaited %llu, errors %llu, "
		    "SERVFAIL/REFUSED %llu, truncated %llu, "
		    "mismatched dropped %llu, EDNS fallbacks %llu, "
		    "back after silence %llu, TCP connections %llu%s", s->name,
		    server_origin(s, obuf, sizeof(obuf)),
		    (unsigned long long)s->sent,
		    (unsigned long long)s->answers,
		    (unsigned long long)s->timeouts,
		    (unsigned long long)s->slow,
		    (unsigned long long)s->errors,
		    (unsigned long long)s->notuseful,
		    (unsigned long long)s->truncated,
		    (unsigned long long)s->mismatched,
		    (unsigned long long)s->edns_fallbacks,
		    (unsigned long long)s->back,
		    (unsigned long long)s->tcp_conns,
		    s->noedns_until > now ? " (without EDNS now)" : "");
		for (k = 0; k < RTT_NCLASS; k++)
			log_info("server %s: %s srtt %u ms, rto %u ms",
			    s->name, rtt_class_name[k], s->rtt[k].srtt,
			    server_rto(s, k));
		if (learning())
			log_info("server %s: learnt: %s", s->name,
			    learn_stats_text(&s->learn, now, lbuf,
			    sizeof(lbuf)));
		log_info("server %s: latency A: %llu answers, median %.2f ms, "
		    "p95 %.2f ms; AAAA: %llu answers, median %.2f ms, "
		    "p95 %.2f ms", s->name,
		    (unsigned long long)s->lat_a.total,
		    lat_percentile(&s->lat_a, 50) / 1000.0,
		    lat_percentile(&s->lat_a, 95) / 1000.0,
		    (unsigned long long)s->lat_aaaa.total,
		    lat_percentile(&s->lat_aaaa, 50) / 1000.0,
		    lat_percentile(&s->lat_aaaa, 95) / 1000.0);
		upstream_log_early(s);
	}
}

/* ---- diagnostics of early answers (see upstream.h) -------------------- */

const char *const upstream_early_name[UPSTREAM_EARLY_NKINDS] = {
	"deadline", "after-a", "learn"
};

void
upstream_note_early(struct uquery *uq, enum upstream_early kind)
{
	size_t	 i;

	if (uq->early)
		return;
	uq->early = 1;
	uq->early_kind = kind;
	for (i = 0; i < uq->ncand; i++)
		if (uq->cflags[i] & CAND_ASKED)
			uq->cand[i]->early_st.early[kind]++;
}

void
upstream_note_early_end(struct uquery *uq, int came, uint64_t late_ms,
    uint64_t clients, uint64_t saved_ms)
{
	struct upstream_early_stats	*st;
	size_t				 i;

	if (!uq->early)
		return;
	if (came && uq->answered_by != NULL) {
		st = &uq->answered_by->early_st;
		st->late++;
		st->late_hist[upstream_late_bucket(late_ms)]++;
		st->late_sum_ms += late_ms;
		st->clients_late += clients;
		st->saved_late_ms += saved_ms;
		return;
	}
	for (i = 0; i < uq->ncand; i++) {
		if (!(uq->cflags[i] & CAND_ASKED))
			continue;
		st = &uq->cand[i]->early_st;
		st->never++;
		st->clients_never += clients;
		st->saved_never_ms += saved_ms;
	}
}

unsigned int
upstream_late_bucket(uint64_t ms)
{
	unsigned int	 b;

	if (ms == 0)
		return 0;
	b = 64 - (unsigned int)__builtin_clzll(ms);	/* floor(log2) + 1 */
	return b < UPSTREAM_LATE_BUCKETS ? b : UPSTREAM_LATE_BUCKETS - 1;
}

const char *
upstream_late_bucket_name(unsigned int b, char *buf, size_t len)
{
	if (b == 0)
		snprintf(buf, len, "<1");
	else if (b >= UPSTREAM_LATE_BUCKETS - 1)
		snprintf(buf, len, ">=%u", 1u << (UPSTREAM_LATE_BUCKETS - 2));
	else
		snprintf(buf, len, "%u-%u", 1u << (b - 1), (1u << b) - 1);
	return buf;
}

const struct upstream_early_stats *
upstream_early_stats(size_t i, const char **name)
{
	if (i >= nservers)
		return NULL;
	if (name != NULL)
		*name = servers[i]->name;
	return &servers[i]->early_st;
}

const char *
upstream_answering(unsigned int *ms)
{
	if (cb_uq == NULL || cb_uq->answered_by == NULL)
		return NULL;
	if (ms != NULL)
		*ms = (unsigned int)(clock_ms() - cb_uq->started);
	return cb_uq->answered_by->name;
}

/* ---- statistics for the registry (stats.c) ---------------------------- */

/* h as cumulative counts at the UPSTREAM_LAT_NLE bounds: exact, since
 * a bound 2^k us is the top of a bucket plus one (lat_bucket_top). */
static void
lat_export(const struct lat_hist *h, struct upstream_lat *out)
{
	unsigned int	 b, i = 0;
	uint64_t	 seen = 0;

	for (b = 0; b < LAT_BUCKETS && i < UPSTREAM_LAT_NLE; b++) {
		while (i < UPSTREAM_LAT_NLE &&
		    lat_bucket_top(b) >= upstream_lat_le_us(i))
			out->le[i++] = seen;
		seen += h->n[b];
	}
	while (i < UPSTREAM_LAT_NLE)
		out->le[i++] = seen;
	out->count = h->total;
	out->sum_us = h->sum_us;
}

uint64_t
upstream_lat_le_us(unsigned int i)
{
	return (uint64_t)1 << (UPSTREAM_LAT_LE_SHIFT + i);
}

int
upstream_server_stats(size_t i, struct upstream_server_stats *st)
{
	const struct server	*s;
	int			 k;

	if (i >= nservers)
		return -1;
	s = servers[i];
	memset(st, 0, sizeof(*st));
	st->name = s->name;
	st->has_domain = s->has_domain;
	st->sent = s->sent;
	st->answers = s->answers;
	st->timeouts = s->timeouts;
	st->slow = s->slow;
	st->errors = s->errors;
	st->mismatched = s->mismatched;
	st->truncated = s->truncated;
	st->notuseful = s->notuseful;
	st->edns_fallbacks = s->edns_fallbacks;
	st->back = s->back;
	st->tcp_conns = s->tcp_conns;
	for (k = 0; k < RTT_NCLASS; k++) {
		st->srtt_ms[k] = s->rtt[k].srtt;
		st->rto_ms[k] = server_rto(s, k);
	}
	st->noedns = s->noedns_until > clock_ms();
	lat_export(&s->lat_a, &st->lat[0]);
	lat_export(&s->lat_aaaa, &st->lat[1]);
	st->early = &s->early_st;
	st->learning = learning();
	for (k = 0; k < LEARN_NCLASS && k < UPSTREAM_LEARN_NCLASS; k++) {
		st->learn_slow[k] = s->learn.state[k] == LEARN_SLOW;
		st->learn_switches[k] = s->learn.switches[k];
	}
	return 0;
}

void
upstream_global_stats(struct upstream_global *g)
{
	g->inflight = ninflight;
	g->forward_max = forward_max;
	g->jostled = njostled;
	g->sockets = uio_real_open_count();
}

const char *
upstream_last_sent(void)
{
	return last_sent != NULL ? last_sent->name : NULL;
}

const char *
upstream_server_counts(size_t i, unsigned long long *sent,
    unsigned long long *failed)
{
	const struct server	*s;

	if (i >= nservers)
		return NULL;
	s = servers[i];
	*sent = s->sent;
	*failed = s->timeouts + s->errors + s->notuseful;
	return s->name;
}

/* SIGUSR1: server s's early answers, two lines. */
static void
upstream_log_early(const struct server *s)
{
	const struct upstream_early_stats *st = &s->early_st;
	char		 hist[UPSTREAM_LATE_BUCKETS * 24], name[16];
	size_t		 n = 0;
	unsigned int	 b;
	int		 w;

	hist[0] = '\0';
	for (b = 0; b < UPSTREAM_LATE_BUCKETS; b++) {
		if (st->late_hist[b] == 0)
			continue;
		w = snprintf(hist + n, sizeof(hist) - n, "%s%s %llu",
		    n > 0 ? ", " : "",
		    upstream_late_bucket_name(b, name, sizeof(name)),
		    (unsigned long long)st->late_hist[b]);
		if (w < 0 || (size_t)w >= sizeof(hist) - n)
			break;
		n += (size_t)w;
	}
	log_info("server %s: answered empty early: deadline %llu, "
	    "after-a %llu, learn %llu; real answer late %llu, never %llu; "
	    "time saved "
	    "%llu ms for %llu clients (late), %llu ms for %llu clients "
	    "(never; counted to the %u ms client deadline)", s->name,
	    (unsigned long long)st->early[UPSTREAM_EARLY_DEADLINE],
	    (unsigned long long)st->early[UPSTREAM_EARLY_AFTER_A],
	    (unsigned long long)st->early[UPSTREAM_EARLY_LEARN],
	    (unsigned long long)st->late, (unsigned long long)st->never,
	    (unsigned long long)st->saved_late_ms,
	    (unsigned long long)st->clients_late,
	    (unsigned long long)st->saved_never_ms,
	    (unsigned long long)st->clients_never, UPSTREAM_DEADLINE_MS);
	log_info("server %s: late by ms: %s", s->name,
	    n > 0 ? hist : "none");
}
