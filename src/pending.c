/*
 * pending.c: the in-flight table and the clients' waits; see pending.h.
 *
 * Ownership: a struct pending owns its waiters (struct request) and its
 * upstream transaction until upstream calls pending_done() (or
 * upstream_shutdown() ends it through the same callback); a request is
 * freed right after the pending_ops call that answered its client.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "briskdns.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "msg.h"
#include "pending.h"
#include "policy.h"
#include "query.h"
#include "upstream.h"

/* Header bits of a question that go upstream and change its answer. */
#define PENDING_KEY_FLAGS	(DNS_FLAG_RD | DNS_FLAG_CD)

struct pending;

struct request {
	TAILQ_ENTRY(request)	 entry;		/* pending's waiters */
	struct pending		*p;
	struct query		 q;
	struct query_client	 client;
	enum policy_wait	 wait;
	int			 stale;		/* a stale answer is cached */
	int			 stale_tried;	/* its timer fired once */
	int			 client_timer;	/* SERVFAIL at the client deadline */
	int			 a_known;	/* after-a:MS: timer is the MS */
	uint64_t		 born_ms;	/* clock_ms() at its arrival */
	struct event		 timer;		/* deadline, after-a, stale,
						   client */
	int			 timer_set;
};
TAILQ_HEAD(requests, request);

struct pending {
	LIST_ENTRY(pending)	 entry;		/* hash chain */
	struct query		 q;		/* the question asked upstream */
	struct uquery		*uq;
	unsigned int		 deadline_ms;	/* the transaction's */
	struct requests		 waiters;
	unsigned int		 nwaiters;
	/* Clients answered empty early (deadline, after-a), for the
	 * diagnostics: their number, when the first was, the sums of
	 * their early answers' times and of their client deadlines, the
	 * earliest and latest of those deadlines (ms). */
	uint64_t		 nearly;
	uint64_t		 early_first;
	uint64_t		 early_sum;
	uint64_t		 early_sum_dl;
	uint64_t		 early_min_dl;
	uint64_t		 early_max_dl;
};
LIST_HEAD(pendings, pending);

struct pending_stats		 pending_stats;

static struct event_base	*pbase;
static const struct pending_ops	*pops;
static struct pending_limits	 plimits = { 0, 0, 0, 8000 };
static struct pendings		 ptable[PENDING_BUCKETS];
static size_t			 nrequests;

void
pending_init(struct event_base *base, const struct pending_ops *ops)
{
	size_t	 i;

	pbase = base;
	pops = ops;
	for (i = 0; i < PENDING_BUCKETS; i++)
		LIST_INIT(&ptable[i]);
}

void
pending_set_limits(const struct pending_limits *l)
{
	plimits = *l;
}

/* ---- the table --------------------------------------------------------- */

static uint32_t
pending_hash(const struct query *q)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < q->qname_len; i++)
		h = (h ^ q->qname[i]) * 16777619u;
	h = (h ^ q->qtype) * 16777619u;
	h = (h ^ q->qclass) * 16777619u;
	h = (h ^ (q->flags & PENDING_KEY_FLAGS)) * 16777619u;
	return (h ^ (uint32_t)q->edns_do) * 16777619u;
}

/*
 * Two questions are the same when the upstream would answer them alike:
 * name, type, class, the DO bit, and the RD and CD bits that go upstream
 * (an answer fetched with CD=1 is unchecked: never for a CD=0 client).
 */
static int
pending_same(const struct query *a, const struct query *b)
{
	return a->qtype == b->qtype && a->qclass == b->qclass &&
	    a->edns_do == b->edns_do &&
	    (a->flags & PENDING_KEY_FLAGS) == (b->flags & PENDING_KEY_FLAGS) &&
	    a->qname_len == b->qname_len &&
	    memcmp(a->qname, b->qname, a->qname_len) == 0;
}

static struct pending *
pending_find(const struct query *q)
{
	struct pending	*p;

	LIST_FOREACH(p, &ptable[pending_hash(q) & (PENDING_BUCKETS - 1)],
	    entry)
		if (pending_same(&p->q, q))
			return p;
	return NULL;
}

static void	pending_done(void *, uint8_t *, size_t);

/*
 * Start the upstream transaction for q, which gives up after
 * deadline_ms.  NULL if none can start: *busy set at dns-forward-max,
 * clear when there is no server (or no memory).
 */
static struct pending *
pending_start(const struct query *q, const struct config_domain *route,
    unsigned int deadline_ms, int *busy)
{
	struct pending	*p;

	*busy = 0;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("pending");
		return NULL;
	}
	p->q = *q;
	p->deadline_ms = deadline_ms;
	TAILQ_INIT(&p->waiters);
	if ((p->uq = upstream_query(&p->q, route, deadline_ms, pending_done,
	    p, busy)) == NULL) {
		free(p);
		return NULL;
	}
	pending_stats.started++;
	LIST_INSERT_HEAD(&ptable[pending_hash(q) & (PENDING_BUCKETS - 1)], p,
	    entry);
	return p;
}

/*
 * How long the transaction for a first client waiting with wait may
 * last.  An AAAA client of deadline:MS or after-a is given the empty
 * answer when it stops waiting, but the real answer is still wanted for
 * the cache, however late (bounded by UPSTREAM_CACHE_WAIT_MS); a client
 * of another kind that joins such a transaction has a timer of its own
 * (request_new), so it still hears SERVFAIL at UPSTREAM_DEADLINE_MS.
 */
static unsigned int
pending_deadline(enum policy_wait wait)
{
	return wait == POLICY_WAIT_NONE || wait == POLICY_WAIT_LEARN ?
	    UPSTREAM_DEADLINE_MS : UPSTREAM_CACHE_WAIT_MS;
}

int
pending_refresh(const struct query *q, const struct config_domain *route)
{
	int	 busy;

	if (pending_find(q) != NULL)
		return 1;
	return pending_start(q, route, UPSTREAM_CACHE_WAIT_MS, &busy) != NULL;
}

/* ---- diagnostics of early answers -------------------------------------- */

/*
 * The reason SIGUSR1 counts an early answer under; the learn mode's
 * clients of a server learnt slow (POLICY_WAIT_LEARNT) have their own.
 */
static enum upstream_early
pending_early_kind(enum policy_wait wait, enum pending_expiry why)
{
	if (why == PENDING_EXPIRE_AFTER_A)
		return UPSTREAM_EARLY_AFTER_A;
	return wait == POLICY_WAIT_LEARNT ? UPSTREAM_EARLY_LEARN :
	    UPSTREAM_EARLY_DEADLINE;
}

/*
 * A client of p that arrived at born was answered empty now, before the
 * real answer, for why (deadline, after-a).  Its wait would have lasted
 * until the real answer, at most until its client deadline.
 */
static void
pending_early(struct pending *p, uint64_t born, enum policy_wait wait,
    enum pending_expiry why)
{
	uint64_t	 now = clock_ms(), dl = born + UPSTREAM_DEADLINE_MS;

	if (dl < now)
		dl = now;
	if (p->nearly++ == 0) {
		p->early_first = now;
		p->early_min_dl = p->early_max_dl = dl;
		if (p->uq != NULL)
			upstream_note_early(p->uq,
			    pending_early_kind(wait, why));
	}
	p->early_sum += now;
	p->early_sum_dl += dl;
	if (dl < p->early_min_dl)
		p->early_min_dl = dl;
	if (dl > p->early_max_dl)
		p->early_max_dl = dl;
}

/*
 * p's transaction ended (in its callback, uq still valid): how late the
 * real answer was after the first early answer, and the time saved: for
 * each early client, from its early answer to the real answer or its
 * own deadline, whichever is first (to its deadline when no real answer
 * came).  Exact unless the answer came between the early clients'
 * deadlines; then the sum over clients of min(answer, deadline) is
 * bounded by min(n * answer, sum of deadlines).
 */
static void
pending_early_end(struct pending *p, struct uquery *uq, const uint8_t *ans,
    size_t len)
{
	uint64_t	 now = clock_ms(), upto;
	int		 came;

	came = ans != NULL && len >= DNS_HDRLEN &&
	    (DNS_RCODE(ans[3]) == DNS_RCODE_NOERROR ||
	    DNS_RCODE(ans[3]) == DNS_RCODE_NXDOMAIN);
	if (!came || now >= p->early_max_dl)
		upto = p->early_sum_dl;
	else if (now <= p->early_min_dl)
		upto = p->nearly * now;
	else
		upto = p->nearly * now < p->early_sum_dl ? p->nearly * now :
		    p->early_sum_dl;
	upstream_note_early_end(uq, came,
	    now > p->early_first ? now - p->early_first : 0, p->nearly,
	    upto > p->early_sum ? upto - p->early_sum : 0);
}

void
pending_answered_early(const struct query *q, enum policy_wait wait,
    enum pending_expiry why)
{
	struct pending	*p;

	if ((p = pending_find(q)) != NULL)
		pending_early(p, clock_ms(), wait, why);
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

static void
request_arm(struct request *r, unsigned int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&r->timer, &tv);
	r->timer_set = 1;
}

/*
 * The request's timer: the AAAA deadline or after-a:MS past the A (the
 * empty answer), the stale-answer timer (RFC 8767's client-response timer), or the client
 * deadline of a transaction that waits longer for the cache's sake
 * (SERVFAIL, as when the transaction itself gives up).
 */
static void
request_timer(int fd, short ev, void *arg)
{
	struct request	*r = arg;

	r->timer_set = 0;
	if (r->a_known) {
		pending_early(r->p, r->born_ms, r->wait,
		    PENDING_EXPIRE_AFTER_A);
		(void)pops->expire(&r->q, &r->client, r->wait,
		    PENDING_EXPIRE_AFTER_A);
		request_free(r);
		return;
	}
	if (policy_wait_deadline(r->wait)) {
		pending_early(r->p, r->born_ms, r->wait,
		    PENDING_EXPIRE_DEADLINE);
		(void)pops->expire(&r->q, &r->client, r->wait,
		    PENDING_EXPIRE_DEADLINE);
		request_free(r);
		return;
	}
	if (r->stale && pops->expire(&r->q, &r->client, r->wait,
	    PENDING_EXPIRE_STALE)) {
		request_free(r);
		return;
	}
	if (!r->client_timer)
		return;
	if (r->stale && !r->stale_tried) {
		r->stale_tried = 1;
		request_arm(r, UPSTREAM_DEADLINE_MS - PENDING_STALE_CLIENT_MS);
		return;
	}
	(void)pops->expire(&r->q, &r->client, r->wait, PENDING_EXPIRE_CLIENT);
	request_free(r);
}

static struct request *
request_new(const struct query *q, const struct query_client *c,
    struct pending *p, enum policy_wait wait, int stale)
{
	struct request	*r;
	unsigned int	 ms = 0;

	if ((r = malloc(sizeof(*r))) == NULL) {
		log_warn("request");
		return NULL;
	}
	r->q = *q;
	r->client = *c;
	r->p = p;
	r->wait = wait;
	r->stale = stale;
	r->stale_tried = 0;
	r->a_known = 0;
	r->born_ms = clock_ms();
	r->timer_set = 0;
	evtimer_assign(&r->timer, pbase, request_timer, r);
	/* A client that is owed an answer at the usual deadline, while the
	 * transaction waits longer for the cache. */
	r->client_timer = !policy_wait_deadline(wait) &&
	    p->deadline_ms > UPSTREAM_DEADLINE_MS;
	TAILQ_INSERT_TAIL(&p->waiters, r, entry);
	p->nwaiters++;
	nrequests++;
	if (wait == POLICY_WAIT_DEADLINE)
		ms = plimits.aaaa_deadline_ms;
	else if (wait == POLICY_WAIT_LEARNT)
		ms = plimits.aaaa_learn_ms;
	else if (stale)
		ms = PENDING_STALE_CLIENT_MS;
	else if (r->client_timer)
		ms = UPSTREAM_DEADLINE_MS;
	if (ms > 0)
		request_arm(r, ms);
	return r;
}

enum pending_status
pending_wait(const struct query *q, const struct query_client *c,
    const struct config_domain *route, enum policy_wait wait, int stale)
{
	struct pending		*p;
	enum pending_status	 st = PENDING_JOINED;
	int			 busy;

	if (nrequests >= plimits.max_requests)
		return PENDING_FULL_REQUESTS;
	if ((p = pending_find(q)) != NULL) {
		if (p->nwaiters >= PENDING_MAX_WAITERS)
			return PENDING_FULL_WAITERS;
	} else {
		if ((p = pending_start(q, route, pending_deadline(wait),
		    &busy)) == NULL)
			return busy ? PENDING_FULL_FORWARD : PENDING_NO_SERVER;
		st = PENDING_STARTED;
	}
	/* Without memory, a started pending goes on as a refresh. */
	if (request_new(q, c, p, wait, stale) == NULL)
		return PENDING_NOMEM;
	return st;
}

/*
 * after-a:MS for r: MS, but never past the client's own deadline
 * (UPSTREAM_DEADLINE_MS after its arrival: a client hears something
 * within 4 seconds); 0: the empty answer is due now.
 */
static unsigned int
after_a_ms(const struct request *r)
{
	uint64_t	 age = clock_ms() - r->born_ms;

	if (age >= UPSTREAM_DEADLINE_MS)
		return 0;
	return plimits.aaaa_after_a_ms < UPSTREAM_DEADLINE_MS - age ?
	    plimits.aaaa_after_a_ms : (unsigned int)(UPSTREAM_DEADLINE_MS - age);
}

/* The types whose questions an A answer may release. */
static const uint16_t	 after_a_types[] = { DNS_TYPE_AAAA, DNS_TYPE_HTTPS,
    DNS_TYPE_SVCB };
#define PENDING_AFTER_A_TYPES	\
	(sizeof(after_a_types) / sizeof(after_a_types[0]))

void
pending_release_after_a(const struct query *aq)
{
	struct query	 k;
	struct pending	*p;
	struct request	*r, *next;
	unsigned int	 ms;
	size_t		 v;

	memcpy(k.qname, aq->qname, aq->qname_len);
	k.qname_len = aq->qname_len;
	k.qclass = aq->qclass;
	/* Every variant of the question: DO, RD and CD; AAAA and the
	 * types slow-types= may give an after-a wait (the wait says). */
	for (v = 0; v < 8 * PENDING_AFTER_A_TYPES; v++) {
		k.qtype = after_a_types[v / 8];
		k.edns_do = v & 1;
		k.flags = ((v & 2) ? DNS_FLAG_RD : 0) |
		    ((v & 4) ? DNS_FLAG_CD : 0);
		if ((p = pending_find(&k)) == NULL)
			continue;
		for (r = TAILQ_FIRST(&p->waiters); r != NULL; r = next) {
			next = TAILQ_NEXT(r, entry);
			if (r->wait != POLICY_WAIT_AFTER_A || r->a_known)
				continue;
			/*
			 * after-a:MS: the real answer has MS more (this
			 * timer replaces the stale and client ones: the
			 * empty answer is due at the latest).
			 */
			if (plimits.aaaa_after_a_ms > 0 &&
			    (ms = after_a_ms(r)) > 0) {
				r->a_known = 1;
				request_arm(r, ms);
				continue;
			}
			pending_early(p, r->born_ms, r->wait,
			    PENDING_EXPIRE_AFTER_A);
			(void)pops->expire(&r->q, &r->client, r->wait,
			    PENDING_EXPIRE_AFTER_A);
			request_free(r);
		}
	}
}

/* The end of a transaction: a checked upstream answer, or none. */
static void
pending_done(void *arg, uint8_t *ans, size_t len)
{
	struct pending	*p = arg;
	struct request	*r;

	if (p->nearly > 0 && p->uq != NULL)
		pending_early_end(p, p->uq, ans, len);
	p->uq = NULL;
	LIST_REMOVE(p, entry);		/* nobody joins a finished one */
	pops->result(&p->q, ans, len);
	while ((r = TAILQ_FIRST(&p->waiters)) != NULL) {
		pops->answer(&r->q, &r->client, r->wait, r->stale, ans, len);
		request_free(r);
	}
	free(p);
}
