/*
 * query.c: the one path every query takes, whichever door it came in by.
 *
 *   bytes -> msg_parse_query -> policy_decide -> local answer
 *                                            -> cache hit
 *                                            -> in-flight table -> upstream
 *         -> reply (msg_finish_answer) -> listen_reply
 *
 * A query answered locally or from the cache never allocates.  A query
 * that must wait owns a struct request until it is answered; it waits on
 * a struct pending, the one upstream transaction for its question (name,
 * type, class, DO bit), which identical questions join (coalescing).  A
 * pending may have no waiter at all: a prefetch, or an AAAA whose clients
 * were already given the empty answer and whose real answer is still
 * wanted for the cache.
 *
 * Every query_input() leads to exactly one listen_reply() (see listen.h).
 *
 * Bounds: pendings are bounded by dns-forward-max (upstream_query says
 * busy), requests by QUERY_MAX_WAITERS per pending and by
 * QUERY_REQUESTS_PER_FORWARD times dns-forward-max in all; past a bound a
 * client gets REFUSED (or its stale answer), and a log line every 10 s.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "briskdns.h"
#include "cache.h"
#include "clock.h"
#include "config.h"
#include "listen.h"
#include "log.h"
#include "msg.h"
#include "policy.h"
#include "query.h"
#include "upstream.h"

#define QUERY_PENDING_BUCKETS		4096	/* power of two */
#define QUERY_MAX_WAITERS		256	/* clients on one pending */
#define QUERY_REQUESTS_PER_FORWARD	8
#define QUERY_STALE_CLIENT_MS		1800	/* RFC 8767's suggestion */

struct pending;

struct request {
	TAILQ_ENTRY(request)	 entry;		/* pending's waiters */
	struct pending		*p;
	struct query		 q;
	struct origin		 origin;
	enum policy_wait	 wait;
	int			 stale;		/* a stale answer is cached */
	struct event		 timer;		/* deadline, or stale */
	int			 timer_set;
};
TAILQ_HEAD(requests, request);

struct pending {
	LIST_ENTRY(pending)	 entry;		/* hash chain */
	struct query		 q;		/* the question asked upstream */
	struct uquery		*uq;
	struct requests		 waiters;
	unsigned int		 nwaiters;
};
LIST_HEAD(pendings, pending);

struct query_stats	 query_stats;

static struct event_base	*qbase;
static const struct config	*qconf;
static struct cache		*qcache;
static int			 have_global_v6 = 1;
static struct pendings		 ptable[QUERY_PENDING_BUCKETS];
static size_t			 nrequests;
static time_t			 busy_logged;
/* Scratch for one answer per waiter; the loop is single-threaded. */
static uint8_t			 qbuf[DNS_MAXMSG];

static struct cache_limits *
limits_from(const struct config *conf, struct cache_limits *l)
{
	l->min_ttl = conf->min_cache_ttl;
	l->max_ttl = conf->max_cache_ttl;
	l->neg_ttl = conf->neg_ttl;
	l->serve_stale = conf->serve_stale;
	l->prefetch = conf->prefetch;
	return l;
}

void
query_init(struct event_base *base)
{
	size_t	 i;

	qbase = base;
	for (i = 0; i < QUERY_PENDING_BUCKETS; i++)
		LIST_INIT(&ptable[i]);
}

/*
 * A new configuration (start, SIGHUP): the cache is emptied, and made
 * anew when its size changed.  On failure to allocate, no cache.
 */
void
query_set_config(const struct config *conf)
{
	struct cache_limits	 l;

	if (qcache != NULL && (conf->cache_size == 0 || qconf == NULL ||
	    conf->cache_size != qconf->cache_size)) {
		cache_free(qcache);
		qcache = NULL;
	}
	if (qcache != NULL) {
		cache_clear(qcache);
		cache_set_limits(qcache, limits_from(conf, &l));
	} else if (conf->cache_size > 0 &&
	    (qcache = cache_new(conf->cache_size, limits_from(conf, &l))) ==
	    NULL)
		log_warn("cache of %zu entries: running without a cache",
		    conf->cache_size);
	msg_set_edns_max(conf->edns_packet_max);
	qconf = conf;
}

void
query_set_global_v6(int have)
{
	have_global_v6 = have;
}

/* ---- logging ----------------------------------------------------------- */

static const char *
origin_text(const struct origin *o, char *buf, size_t len)
{
	const struct sockaddr_storage	*ss = &o->peer;

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    buf, len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, len);
	else
		snprintf(buf, len, "?");
	return buf;
}

static void
log_query(const struct query *q, const struct origin *o, const char *what)
{
	char	 name[1024], type[16], from[INET6_ADDRSTRLEN];

	if (!qconf->log_queries)
		return;
	msg_name_text(q->qname_case, q->qname_len, name, sizeof(name));
	log_info("query[%s] %s from %s%s: %s",
	    msg_type_text(q->qtype, type, sizeof(type)), name,
	    origin_text(o, from, sizeof(from)),
	    o->door == DOOR_TCP ? " (tcp)" : "", what);
}

static void
log_busy(const char *what)
{
	time_t	 now = time(NULL);

	if (now - busy_logged >= 10) {
		busy_logged = now;
		log_warnx("%s: answering REFUSED", what);
	}
}

/* ---- answers ------------------------------------------------------------- */

static size_t
client_limit(const struct query *q, const struct origin *o)
{
	return o->door == DOOR_UDP ? msg_udp_limit(q) : DNS_MAXMSG;
}

/* Send an answer built in buf, made to fit the client. */
static void
reply_buf(const struct query *q, const struct origin *o, uint8_t *buf,
    size_t len)
{
	if (len > 0 && o->door == DOOR_UDP)
		len = msg_finish_answer(buf, len, q, msg_udp_limit(q));
	listen_reply(o, buf, len);
}

static void
reply_rcode(const struct query *q, const struct origin *o, int rcode)
{
	reply_buf(q, o, qbuf, msg_reply_rcode(q, rcode, -1, qbuf,
	    sizeof(qbuf)));
}

/*
 * The empty AAAA answer, or NXDOMAIN where the cache knows the name does
 * not exist.  Both doors build it here.  Returns its length (0: buf too
 * small); *nx tells which.
 */
static size_t
build_empty(const struct query *q, uint8_t *buf, size_t bufsz, int *nx)
{
	*nx = qcache != NULL && cache_nxdomain(qcache, q->qname,
	    q->qname_len, q->qclass, clock_ms());
	if (*nx)
		return msg_reply_empty(q, DNS_RCODE_NXDOMAIN, qconf->local_ttl,
		    -1, buf, bufsz);
	return msg_reply_empty(q, DNS_RCODE_NOERROR, qconf->local_ttl,
	    DNS_EDE_FILTERED, buf, bufsz);
}

static void
reply_empty(const struct query *q, const struct origin *o)
{
	size_t	 n;
	int	 nx;

	n = build_empty(q, qbuf, sizeof(qbuf), &nx);
	if (!nx)
		query_stats.local_empty++;
	log_query(q, o, nx ? "NXDOMAIN (cached), aaaa-mode" :
	    "answered empty (aaaa-mode)");
	reply_buf(q, o, qbuf, n);
}

size_t
query_local_answer(const uint8_t *pkt, size_t len, uint8_t *buf,
    size_t bufsz, int *malformed)
{
	struct query		 q;
	struct policy_decision	 d;
	size_t			 n;
	int			 nx;

	if ((*malformed = msg_parse_query(pkt, len, &q) != MSG_OK))
		return 0;
	policy_decide(qconf, have_global_v6, &q, &d);
	if (d.action != POLICY_EMPTY)
		return 0;
	if ((n = build_empty(&q, buf, bufsz, &nx)) == 0)
		return 0;
	return msg_finish_answer(buf, n, &q, msg_udp_limit(&q));
}

/* A stale answer from the cache; 0 if it is gone meanwhile. */
static int
reply_stale(const struct query *q, const struct origin *o)
{
	size_t	 len;
	int	 prefetch;

	if (qcache == NULL || cache_lookup(qcache, q, clock_ms(),
	    client_limit(q, o), qbuf, sizeof(qbuf), &len, &prefetch) ==
	    CACHE_MISS)
		return 0;
	query_stats.stale_served++;
	log_query(q, o, "stale answer from the cache");
	listen_reply(o, qbuf, len);
	return 1;
}

/* ---- the in-flight table --------------------------------------------------- */

static uint32_t
pending_hash(const struct query *q)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < q->qname_len; i++)
		h = (h ^ q->qname[i]) * 16777619u;
	h = (h ^ q->qtype) * 16777619u;
	h = (h ^ q->qclass) * 16777619u;
	return (h ^ (uint32_t)q->edns_do) * 16777619u;
}

static int
pending_same(const struct query *a, const struct query *b)
{
	return a->qtype == b->qtype && a->qclass == b->qclass &&
	    a->edns_do == b->edns_do && a->qname_len == b->qname_len &&
	    memcmp(a->qname, b->qname, a->qname_len) == 0;
}

static struct pending *
pending_find(const struct query *q)
{
	struct pending	*p;

	LIST_FOREACH(p, &ptable[pending_hash(q) &
	    (QUERY_PENDING_BUCKETS - 1)], entry)
		if (pending_same(&p->q, q))
			return p;
	return NULL;
}

static void	pending_done(void *, uint8_t *, size_t);

/*
 * Start the upstream transaction for q.  NULL if none can start: *busy
 * set at dns-forward-max, clear when there is no server.
 */
static struct pending *
pending_start(const struct query *q, const struct config_domain *route,
    int *busy)
{
	struct pending	*p;

	*busy = 0;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("pending");
		return NULL;
	}
	p->q = *q;
	TAILQ_INIT(&p->waiters);
	if ((p->uq = upstream_query(&p->q, route, UPSTREAM_DEADLINE_MS, pending_done, p,
	    busy)) == NULL) {
		free(p);
		return NULL;
	}
	query_stats.forwarded++;
	LIST_INSERT_HEAD(&ptable[pending_hash(q) &
	    (QUERY_PENDING_BUCKETS - 1)], p, entry);
	return p;
}

/* A refresh nobody waits for (prefetch, the rest of an AAAA). */
static void
pending_refresh(const struct query *q, const struct config_domain *route)
{
	int	 busy;

	if (pending_find(q) == NULL)
		(void)pending_start(q, route, &busy);
}

/* ---- requests ----------------------------------------------------------- */

static void
request_free(struct request *r)
{
	if (r->timer_set)
		event_del(&r->timer);
	if (r->p != NULL) {
		TAILQ_REMOVE(&r->p->waiters, r, entry);
		r->p->nwaiters--;
	}
	nrequests--;
	free(r);
}

/* The request's timer: the AAAA deadline, or the stale-answer timer. */
static void
request_timer(int fd, short ev, void *arg)
{
	struct request	*r = arg;

	r->timer_set = 0;
	if (r->wait == POLICY_WAIT_DEADLINE) {
		reply_empty(&r->q, &r->origin);
		request_free(r);
	} else if (r->stale && reply_stale(&r->q, &r->origin))
		request_free(r);
}

static struct request *
request_new(const struct query *q, const struct origin *o,
    struct pending *p, enum policy_wait wait, int stale)
{
	struct request	*r;
	struct timeval	 tv;
	unsigned int	 ms = 0;

	if ((r = malloc(sizeof(*r))) == NULL) {
		log_warn("request");
		return NULL;
	}
	r->q = *q;
	r->origin = *o;
	r->p = p;
	r->wait = wait;
	r->stale = stale;
	r->timer_set = 0;
	TAILQ_INSERT_TAIL(&p->waiters, r, entry);
	p->nwaiters++;
	nrequests++;
	if (wait == POLICY_WAIT_DEADLINE)
		ms = qconf->aaaa_deadline_ms;
	else if (stale)
		ms = QUERY_STALE_CLIENT_MS;
	if (ms > 0) {
		evtimer_assign(&r->timer, qbase, request_timer, r);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(&r->timer, &tv);
		r->timer_set = 1;
	}
	return r;
}

/*
 * An A answer with addresses for name arrived: AAAA clients of after-a
 * that still wait get the empty answer.  Their pendings go on, for the
 * cache.
 */
static void
release_after_a(const struct query *aq)
{
	struct query	 k;
	struct pending	*p;
	struct request	*r, *next;
	int		 do_bit;

	memcpy(k.qname, aq->qname, aq->qname_len);
	k.qname_len = aq->qname_len;
	k.qclass = aq->qclass;
	k.qtype = DNS_TYPE_AAAA;
	for (do_bit = 0; do_bit <= 1; do_bit++) {
		k.edns_do = do_bit;
		if ((p = pending_find(&k)) == NULL)
			continue;
		for (r = TAILQ_FIRST(&p->waiters); r != NULL; r = next) {
			next = TAILQ_NEXT(r, entry);
			if (r->wait != POLICY_WAIT_AFTER_A)
				continue;
			reply_empty(&r->q, &r->origin);
			request_free(r);
		}
	}
}

/* Answer one waiter from the transaction's result. */
static void
pending_answer(struct request *r, const uint8_t *ans, size_t len, int rcode)
{
	int	 useful = ans != NULL && (rcode == DNS_RCODE_NOERROR ||
		    rcode == DNS_RCODE_NXDOMAIN);
	char	 what[32];
	size_t	 n;

	if (!useful && r->wait == POLICY_WAIT_DEADLINE) {
		reply_empty(&r->q, &r->origin);
		return;
	}
	if (!useful && r->stale && reply_stale(&r->q, &r->origin))
		return;
	if (ans == NULL) {
		query_stats.servfail++;
		log_query(&r->q, &r->origin, "no upstream answer, SERVFAIL");
		reply_rcode(&r->q, &r->origin, DNS_RCODE_SERVFAIL);
		return;
	}
	if (qconf->log_queries) {
		snprintf(what, sizeof(what), "reply %s", msg_rcode_text(rcode));
		log_query(&r->q, &r->origin, what);
	}
	memcpy(qbuf, ans, len);
	if ((n = msg_finish_answer(qbuf, len, &r->q,
	    client_limit(&r->q, &r->origin))) == 0)
		reply_rcode(&r->q, &r->origin, DNS_RCODE_SERVFAIL);
	else
		listen_reply(&r->origin, qbuf, n);
}

/* The end of a transaction: a checked upstream answer, or none. */
static void
pending_done(void *arg, uint8_t *ans, size_t len)
{
	struct pending	*p = arg;
	struct request	*r;
	int		 rcode = ans != NULL ? DNS_RCODE(ans[3]) : -1;

	p->uq = NULL;
	LIST_REMOVE(p, entry);		/* nobody joins a finished one */
	if (ans != NULL && qcache != NULL)
		(void)cache_insert(qcache, &p->q, ans, len, clock_ms());
	if (ans != NULL && p->q.qtype == DNS_TYPE_A &&
	    rcode == DNS_RCODE_NOERROR &&
	    msg_answer_count(ans, len, DNS_TYPE_A) > 0)
		release_after_a(&p->q);
	while ((r = TAILQ_FIRST(&p->waiters)) != NULL) {
		pending_answer(r, ans, len, rcode);
		request_free(r);
	}
	free(p);
}

/* ---- the path -------------------------------------------------------- */

static void
forward(const struct query *q, const struct origin *o,
    const struct policy_decision *d)
{
	struct pending	*p;
	size_t		 len;
	uint64_t	 now = clock_ms();
	int		 prefetch = 0, stale = 0, busy;

	if (qcache != NULL) {
		switch (cache_lookup(qcache, q, now, client_limit(q, o), qbuf,
		    sizeof(qbuf), &len, &prefetch)) {
		case CACHE_FRESH:
			query_stats.cache_hits++;
			listen_reply(o, qbuf, len);
			if (qconf->log_queries)
				log_query(q, o, "cached");
			if (prefetch) {
				query_stats.prefetches++;
				pending_refresh(q, d->route);
			}
			return;
		case CACHE_STALE:
			stale = 1;
			break;
		case CACHE_MISS:
			break;
		}
	}
	/* after-a: the name's addresses are known already. */
	if (d->aaaa_wait == POLICY_WAIT_AFTER_A && qcache != NULL &&
	    cache_has_a(qcache, q->qname, q->qname_len, q->qclass, now)) {
		reply_empty(q, o);
		pending_refresh(q, d->route);
		return;
	}

	if ((p = pending_find(q)) != NULL) {
		if (p->nwaiters >= QUERY_MAX_WAITERS) {
			query_stats.refused_busy++;
			log_busy("too many clients wait for one question");
			goto refuse;
		}
		query_stats.coalesced++;
	} else if ((p = pending_start(q, d->route, &busy)) == NULL) {
		if (stale && reply_stale(q, o))
			return;
		if (busy) {
			query_stats.refused_busy++;
			log_busy("dns-forward-max queries in flight");
			goto refuse;
		}
		query_stats.servfail++;
		log_query(q, o, "no upstream server, SERVFAIL");
		reply_rcode(q, o, DNS_RCODE_SERVFAIL);
		return;
	}
	if (nrequests >= (size_t)qconf->dns_forward_max *
	    QUERY_REQUESTS_PER_FORWARD) {
		query_stats.refused_busy++;
		log_busy("too many clients waiting");
		goto refuse;
	}
	if (request_new(q, o, p, d->aaaa_wait, stale) == NULL) {
		reply_rcode(q, o, DNS_RCODE_SERVFAIL);
		return;
	}
	log_query(q, o, "forwarded");
	return;
 refuse:
	if (stale && reply_stale(q, o))
		return;
	reply_rcode(q, o, DNS_RCODE_REFUSED);
}

void
query_input(const uint8_t *pkt, size_t len, const struct origin *o)
{
	struct query		 q;
	struct policy_decision	 d;
	uint8_t			 buf[DNS_HDRLEN + 64];
	size_t			 n;

	query_stats.queries++;
	switch (msg_parse_query(pkt, len, &q)) {
	case MSG_OK:
		break;
	case MSG_DROP:
		query_stats.dropped++;
		listen_reply(o, NULL, 0);
		return;
	case MSG_FORMERR:
		query_stats.formerr++;
		listen_reply(o, buf, msg_reply_error(pkt, len,
		    DNS_RCODE_FORMERR, buf, sizeof(buf)));
		return;
	case MSG_NOTIMP:
		query_stats.notimp++;
		listen_reply(o, buf, msg_reply_error(pkt, len,
		    DNS_RCODE_NOTIMP, buf, sizeof(buf)));
		return;
	case MSG_BADVERS:
		query_stats.formerr++;
		reply_buf(&q, o, qbuf, msg_reply_badvers(&q, qbuf,
		    sizeof(qbuf)));
		return;
	}

	policy_decide(qconf, have_global_v6, &q, &d);
	switch (d.action) {
	case POLICY_EMPTY:
		reply_empty(&q, o);
		return;
	case POLICY_NXDOMAIN:
		query_stats.local_other++;
		log_query(&q, o, "local domain, NXDOMAIN");
		n = msg_reply_empty(&q, DNS_RCODE_NXDOMAIN, qconf->local_ttl,
		    -1, qbuf, sizeof(qbuf));
		reply_buf(&q, o, qbuf, n);
		return;
	case POLICY_FORWARD:
		forward(&q, o, &d);
		return;
	}
}

void
query_shutdown(void)
{
	/* Pendings end through upstream_shutdown(), answering their
	 * clients; what is left is the cache. */
	cache_free(qcache);
	qcache = NULL;
}

void
query_log_stats(void)
{
	struct cache_stats	 cs;

	log_info("queries %llu, answered locally %llu (empty AAAA %llu), "
	    "forwarded %llu, coalesced %llu, SERVFAIL %llu, FORMERR %llu, "
	    "NOTIMP %llu, dropped %llu, refused at a bound %llu",
	    (unsigned long long)query_stats.queries,
	    (unsigned long long)(query_stats.local_empty +
	    query_stats.local_other),
	    (unsigned long long)query_stats.local_empty,
	    (unsigned long long)query_stats.forwarded,
	    (unsigned long long)query_stats.coalesced,
	    (unsigned long long)query_stats.servfail,
	    (unsigned long long)query_stats.formerr,
	    (unsigned long long)query_stats.notimp,
	    (unsigned long long)query_stats.dropped,
	    (unsigned long long)query_stats.refused_busy);
	if (qcache == NULL) {
		log_info("cache: off");
		return;
	}
	cache_get_stats(qcache, &cs);
	log_info("cache: %llu entries, %llu bytes, hits %llu, misses %llu, "
	    "inserts %llu, evictions %llu, stale answers served %llu, "
	    "prefetches %llu",
	    (unsigned long long)cs.entries, (unsigned long long)cs.bytes,
	    (unsigned long long)cs.hits, (unsigned long long)cs.misses,
	    (unsigned long long)cs.inserts, (unsigned long long)cs.evictions,
	    (unsigned long long)query_stats.stale_served,
	    (unsigned long long)query_stats.prefetches);
}
