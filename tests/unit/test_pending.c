/*
 * test_pending.c: the in-flight table (src/pending.c) driven alone.
 *
 * upstream_query() is replaced at link time by a stub that records each
 * transaction (so the tests count the questions asked upstream) and
 * lets the test end it with an answer or none; the path's side is a
 * struct pending_ops that records what each client was given.  Timers
 * run on a real libevent base with millisecond deadlines.
 */
#include <sys/time.h>

#include <time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "unit.h"
#include "briskdns.h"
#include "clock.h"
#include "msg.h"
#include "pending.h"
#include "query.h"
#include "upstream.h"
#include "wire.h"

/* ---- the upstream stub ----------------------------------------------------- */

#define MAXTX	64

struct tx {
	struct query		 q;
	unsigned int		 deadline_ms;
	upstream_done_cb	 cb;
	void			*arg;
	int			 ended;
	/* What pending.c reported of early answers. */
	int			 early;		/* upstream_note_early calls */
	int			 early_kind;
	int			 early_end;	/* upstream_note_early_end calls */
	int			 came;
	uint64_t		 late_ms;
	uint64_t		 clients;
	uint64_t		 saved_ms;
};
static struct tx	 txs[MAXTX];
static int		 ntx;
static int		 stub_busy;

struct uquery	*upstream_query(const struct query *, const struct config_domain *,
		    unsigned int, upstream_done_cb, void *, int *);
void		 upstream_cancel(struct uquery *);

struct uquery *
upstream_query(const struct query *q, const struct config_domain *route,
    unsigned int deadline_ms, upstream_done_cb cb, void *arg, int *busy)
{
	(void)route;
	*busy = 0;
	if (stub_busy) {
		*busy = 1;
		return NULL;
	}
	ck_assert_int_lt(ntx, MAXTX);
	txs[ntx].q = *q;
	txs[ntx].deadline_ms = deadline_ms;
	txs[ntx].cb = cb;
	txs[ntx].arg = arg;
	txs[ntx].ended = 0;
	ntx++;
	return (struct uquery *)&txs[ntx - 1];
}

void
upstream_cancel(struct uquery *uq)
{
	((struct tx *)uq)->ended = 1;
}

void
upstream_note_early(struct uquery *uq, enum upstream_early kind)
{
	struct tx	*t = (struct tx *)uq;

	t->early++;
	t->early_kind = (int)kind;
}

void
upstream_note_early_end(struct uquery *uq, int came, uint64_t late_ms,
    uint64_t clients, uint64_t saved_ms)
{
	struct tx	*t = (struct tx *)uq;

	t->early_end++;
	t->came = came;
	t->late_ms = late_ms;
	t->clients = clients;
	t->saved_ms = saved_ms;
}

/* End transaction i with an answer of rcode carrying nan A records, or
 * with none (rcode < 0). */
static void
tx_end(int i, int rcode, int nan)
{
	uint8_t	 ans[512];
	size_t	 o = DNS_HDRLEN;
	int	 k;

	ck_assert(!txs[i].ended);
	txs[i].ended = 1;
	if (rcode < 0) {
		txs[i].cb(txs[i].arg, NULL, 0);
		return;
	}
	memset(ans, 0, DNS_HDRLEN);
	put16(ans + 2, DNS_FLAG_QR | DNS_FLAG_RA | rcode);
	put16(ans + 4, 1);
	put16(ans + 6, (uint16_t)nan);
	memcpy(ans + o, txs[i].q.qname, txs[i].q.qname_len);
	o += txs[i].q.qname_len;
	put16(ans + o, txs[i].q.qtype);
	put16(ans + o + 2, DNS_CLASS_IN);
	o += 4;
	for (k = 0; k < nan; k++) {
		put16(ans + o, 0xc000 | DNS_HDRLEN);
		put16(ans + o + 2, DNS_TYPE_A);
		put16(ans + o + 4, DNS_CLASS_IN);
		put32(ans + o + 6, 60);
		put16(ans + o + 10, 4);
		memcpy(ans + o + 12, "\300\000\002\001", 4);
		o += 16;
	}
	txs[i].cb(txs[i].arg, ans, o);
}

/* ---- the path's side ------------------------------------------------------ */

#define MAXEV	1024

struct ev {
	char			 kind;	/* 'r'esult, 'a'nswer, 'e'xpire */
	int			 client;	/* cookie */
	int			 has_ans;
	int			 why;
};
static struct ev	 evs[MAXEV];
static int		 nev;
static int		 stale_answers;	/* expire(STALE) returns this */

static void
ops_result(const struct query *q, uint8_t *ans, size_t len)
{
	(void)q;
	(void)len;
	ck_assert_int_lt(nev, MAXEV);
	evs[nev++] = (struct ev){ 'r', -1, ans != NULL, -1 };
}

static void
ops_answer(const struct query *q, const struct query_client *c,
    enum policy_wait wait, int stale, const uint8_t *ans, size_t len)
{
	(void)q;
	(void)wait;
	(void)stale;
	(void)len;
	ck_assert_int_lt(nev, MAXEV);
	evs[nev++] = (struct ev){ 'a', c->cookie.bytes[0], ans != NULL, -1 };
}

static int
ops_expire(const struct query *q, const struct query_client *c,
    enum policy_wait wait, enum pending_expiry why)
{
	(void)q;
	(void)wait;
	if (why == PENDING_EXPIRE_STALE && !stale_answers)
		return 0;
	ck_assert_int_lt(nev, MAXEV);
	evs[nev++] = (struct ev){ 'e', c->cookie.bytes[0], 0, (int)why };
	return 1;
}

static const struct pending_ops ops = { ops_result, ops_answer, ops_expire };

static struct event_base	*base;

static void
setup(void)
{
	struct pending_limits	 l = { .aaaa_deadline_ms = 20,
	    .max_requests = 1000 };

	ntx = nev = stub_busy = stale_answers = 0;
	memset(txs, 0, sizeof(txs));
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	pending_init(base, &ops);
	pending_set_limits(&l);
}

static void
teardown(void)
{
	int	 i;

	/* End what is left, so that nothing leaks (ASan). */
	for (i = 0; i < ntx; i++)
		if (!txs[i].ended)
			tx_end(i, -1, 0);
	event_base_free(base);
	clock_fake_set(0);
}

static void
query_for(struct query *q, const char *name, uint16_t qtype,
    uint16_t flags, int dobit)
{
	memset(q, 0, sizeof(*q));
	q->qname_len = wire_name(name, q->qname);
	memcpy(q->qname_case, q->qname, q->qname_len);
	q->qtype = qtype;
	q->qclass = DNS_CLASS_IN;
	q->flags = flags;
	q->edns_do = dobit;
}

static struct query_client
client(int id)
{
	struct query_client	 c;

	memset(&c, 0, sizeof(c));
	c.cookie.bytes[0] = (uint8_t)id;
	return c;
}

static int
count(char kind, int why)
{
	int	 i, n = 0;

	for (i = 0; i < nev; i++)
		if (evs[i].kind == kind && (why < 0 || evs[i].why == why))
			n++;
	return n;
}

/* Run the loop until n events were recorded, at most ms. */
static void
run_until(int n, unsigned int ms)
{
	struct timeval	 tv = { 0, 1000 };
	unsigned int	 t;

	for (t = 0; t < ms && nev < n; t++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

/* ---- tests ----------------------------------------------------------------- */

START_TEST(test_coalescing_key)
{
	struct query		 q;
	struct query_client	 c;
	static const struct {
		uint16_t	 flags;
		int		 dobit;
	} v[] = {
		{ DNS_FLAG_RD, 0 },
		{ DNS_FLAG_RD | DNS_FLAG_CD, 0 },
		{ 0, 0 },
		{ DNS_FLAG_CD, 0 },
		{ DNS_FLAG_RD, 1 },
	};
	size_t	 i;

	/* Each variant twice: one question each, the second joins. */
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		query_for(&q, "x.example", DNS_TYPE_A, v[i].flags, v[i].dobit);
		c = client((int)(2 * i));
		ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE,
		    0), PENDING_STARTED);
		q.id = 0x5555;		/* the ID is not part of the key */
		c = client((int)(2 * i + 1));
		ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE,
		    0), PENDING_JOINED);
	}
	ck_assert_int_eq(ntx, (int)(sizeof(v) / sizeof(v[0])));
	/* Another name or type: its own question. */
	query_for(&q, "y.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	c = client(50);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_STARTED);
	/* The answer: the path caches it first, then both waiters. */
	tx_end(1, DNS_RCODE_NOERROR, 1);
	ck_assert_int_eq(nev, 3);
	ck_assert_int_eq(evs[0].kind, 'r');
	ck_assert_int_eq(evs[1].kind, 'a');
	ck_assert_int_eq(evs[1].client, 2);
	ck_assert_int_eq(evs[2].client, 3);
	ck_assert(evs[2].has_ans);
	/* Finished: the same question again is asked again. */
	query_for(&q, "x.example", DNS_TYPE_A, DNS_FLAG_RD | DNS_FLAG_CD, 0);
	c = client(60);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_STARTED);
}
END_TEST

START_TEST(test_transaction_deadlines)
{
	struct query		 q;
	struct query_client	 c = client(1);

	query_for(&q, "a.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_STARTED);
	ck_assert_uint_eq(txs[0].deadline_ms, UPSTREAM_DEADLINE_MS);
	/* An AAAA of deadline:MS or after-a, and a refresh: for the cache,
	 * up to UPSTREAM_CACHE_WAIT_MS. */
	query_for(&q, "a.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_DEADLINE, 0),
	    PENDING_STARTED);
	ck_assert_uint_eq(txs[1].deadline_ms, UPSTREAM_CACHE_WAIT_MS);
	query_for(&q, "b.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	ck_assert_uint_eq(txs[2].deadline_ms, UPSTREAM_CACHE_WAIT_MS);
	query_for(&q, "c.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_refresh(&q, NULL), 1);
	ck_assert_uint_eq(txs[3].deadline_ms, UPSTREAM_CACHE_WAIT_MS);
	/* In flight already: no second question. */
	ck_assert_int_eq(pending_refresh(&q, NULL), 1);
	ck_assert_int_eq(ntx, 4);
	/* At dns-forward-max a refresh does not start. */
	stub_busy = 1;
	query_for(&q, "d.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_refresh(&q, NULL), 0);
}
END_TEST

/* deadline:MS: the client gets its answer from expire() at MS, and the
 * transaction goes on for the cache; its end answers nobody. */
START_TEST(test_deadline_wait)
{
	struct query		 q;
	struct query_client	 c = client(7);

	query_for(&q, "slow.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 1);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_DEADLINE, 0),
	    PENDING_STARTED);
	run_until(1, 2000);
	ck_assert_int_eq(count('e', PENDING_EXPIRE_DEADLINE), 1);
	ck_assert_int_eq(evs[0].client, 7);
	c = client(8);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_DEADLINE, 0),
	    PENDING_JOINED);
	run_until(2, 2000);
	ck_assert_int_eq(count('e', PENDING_EXPIRE_DEADLINE), 2);
	tx_end(0, DNS_RCODE_NOERROR, 0);
	ck_assert_int_eq(count('r', -1), 1);
	ck_assert_int_eq(count('a', -1), 0);
	ck_assert_int_eq(ntx, 1);
}
END_TEST

static void	set_after_a(unsigned int);

/* after-a: every variant of the AAAA question releases its after-a
 * clients, not the others. */
START_TEST(test_release_after_a)
{
	struct query		 q, a;
	struct query_client	 c;

	query_for(&q, "v.example", DNS_TYPE_AAAA, DNS_FLAG_RD | DNS_FLAG_CD,
	    1);
	c = client(1);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	c = client(2);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_JOINED);
	query_for(&q, "v.example", DNS_TYPE_AAAA, 0, 0);
	c = client(3);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	query_for(&a, "v.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	/* after-a (MS 0): at once, in the call. */
	set_after_a(0);
	pending_release_after_a(&a);
	ck_assert_int_eq(count('e', PENDING_EXPIRE_AFTER_A), 2);
	/* The plain waiter is still there for the real answer. */
	tx_end(0, DNS_RCODE_NOERROR, 0);
	ck_assert_int_eq(count('a', -1), 1);
	ck_assert_int_eq(evs[nev - 1].client, 2);
}
END_TEST

/* slow-types: the name's A releases the after-a clients of its HTTPS and
 * SVCB questions too (their wait says so), not those of another type or
 * of another name. */
START_TEST(test_release_after_a_slow_types)
{
	struct query		 q, a;
	struct query_client	 c;

	query_for(&q, "s.example", DNS_TYPE_HTTPS, DNS_FLAG_RD, 1);
	c = client(1);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	query_for(&q, "s.example", DNS_TYPE_SVCB, DNS_FLAG_RD, 0);
	c = client(2);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	query_for(&q, "s.example", DNS_TYPE_TXT, DNS_FLAG_RD, 0);
	c = client(3);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	query_for(&q, "other.example", DNS_TYPE_HTTPS, DNS_FLAG_RD, 0);
	c = client(4);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	query_for(&a, "s.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	set_after_a(0);
	pending_release_after_a(&a);
	ck_assert_int_eq(count('e', PENDING_EXPIRE_AFTER_A), 2);
	ck_assert(evs[0].client + evs[1].client == 3);
}
END_TEST

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
set_after_a(unsigned int ms)
{
	struct pending_limits	 l = { .aaaa_deadline_ms = 20,
	    .aaaa_after_a_ms = ms, .max_requests = 1000 };

	pending_set_limits(&l);
}

/*
 * aaaa-mode=learn, decided by the path: a client of a server learnt slow
 * (LEARNT) waits as deadline:MS with learn's MS, not deadline's, and its
 * transaction waits on for the cache; an undecided LEARN waits as NONE.
 */
START_TEST(test_learnt_wait)
{
	struct pending_limits	 l = { .aaaa_deadline_ms = 20,
	    .aaaa_learn_ms = 150, .max_requests = 1000 };
	struct query		 q;
	struct query_client	 c = client(5);
	uint64_t		 t0;

	pending_set_limits(&l);
	query_for(&q, "learnt.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	t0 = now_ms();
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_LEARNT, 0),
	    PENDING_STARTED);
	ck_assert_uint_eq(txs[0].deadline_ms, UPSTREAM_CACHE_WAIT_MS);
	/* A client of forward joining it still hears SERVFAIL in time. */
	c = client(6);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_JOINED);
	run_until(1, 2000);
	ck_assert_int_eq(count('e', PENDING_EXPIRE_DEADLINE), 1);
	ck_assert_int_eq(evs[0].client, 5);
	ck_assert_uint_ge(now_ms() - t0, 140);
	tx_end(0, DNS_RCODE_NOERROR, 0);
	ck_assert_int_eq(count('a', -1), 1);
	ck_assert_int_eq(evs[nev - 1].client, 6);

	query_for(&q, "learn.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_LEARN, 0),
	    PENDING_STARTED);
	ck_assert_uint_eq(txs[1].deadline_ms, UPSTREAM_DEADLINE_MS);
	ck_assert(policy_wait_deadline(POLICY_WAIT_LEARNT));
	ck_assert(policy_wait_deadline(POLICY_WAIT_DEADLINE));
	ck_assert(!policy_wait_deadline(POLICY_WAIT_LEARN));
	ck_assert(!policy_wait_deadline(POLICY_WAIT_NONE));
	ck_assert(!policy_wait_deadline(POLICY_WAIT_AFTER_A));
}
END_TEST

/* after-a:MS: the empty answer MS after the A, not before; the
 * transaction goes on for the cache and its end answers nobody. */
START_TEST(test_after_a_ms_empty)
{
	struct query		 q, a;
	struct query_client	 c = client(1);
	uint64_t		 t0, t1;

	set_after_a(100);
	query_for(&q, "w.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	query_for(&a, "w.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	/* No A yet: no end of the wait. */
	run_until(1, 150);
	ck_assert_int_eq(nev, 0);
	t0 = now_ms();
	pending_release_after_a(&a);
	ck_assert_int_eq(nev, 0);
	run_until(1, 3000);
	t1 = now_ms();
	ck_assert_int_eq(count('e', PENDING_EXPIRE_AFTER_A), 1);
	ck_assert_int_eq(evs[0].client, 1);
	/* libevent's timers run on CLOCK_MONOTONIC_COARSE (a few ms of
	 * resolution): not before MS less that. */
	ck_assert_uint_ge(t1 - t0, 95);
	ck_assert_uint_lt(t1 - t0, 2000);
	/* A second A answer does not give anyone more time or a second
	 * answer. */
	pending_release_after_a(&a);
	tx_end(0, DNS_RCODE_NOERROR, 0);
	ck_assert_int_eq(count('r', -1), 1);
	ck_assert_int_eq(count('a', -1), 0);
	ck_assert_int_eq(nev, 2);
}
END_TEST

/* after-a:MS: the real AAAA inside the window wins; the timer is gone. */
START_TEST(test_after_a_ms_real)
{
	struct query		 q, a;
	struct query_client	 c = client(2);

	set_after_a(300);
	query_for(&q, "r.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	query_for(&a, "r.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	pending_release_after_a(&a);
	ck_assert_int_eq(nev, 0);
	tx_end(0, DNS_RCODE_NOERROR, 1);
	ck_assert_int_eq(count('a', -1), 1);
	ck_assert_int_eq(evs[1].client, 2);
	ck_assert(evs[1].has_ans);
	run_until(3, 500);
	ck_assert_int_eq(count('e', -1), 0);
	ck_assert_int_eq(nev, 2);
}
END_TEST

/* after-a:MS with no A answer with addresses (NODATA, NXDOMAIN: the
 * path releases nobody): the client waits for its real AAAA. */
START_TEST(test_after_a_ms_no_a)
{
	struct query		 q;
	struct query_client	 c = client(3);

	set_after_a(50);
	query_for(&q, "n.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	run_until(1, 300);
	ck_assert_int_eq(nev, 0);
	tx_end(0, DNS_RCODE_NOERROR, 1);
	ck_assert_int_eq(count('a', -1), 1);
}
END_TEST

/* The A cached when the AAAA comes: the path releases the client as it
 * joins, so its MS count from its arrival; a client released before
 * keeps its time. */
START_TEST(test_after_a_ms_cached)
{
	struct query		 q;
	struct query_client	 c = client(4);
	uint64_t		 t0, t1;

	set_after_a(100);
	query_for(&q, "k.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	t0 = now_ms();
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	pending_release_after_a(&q);
	run_until(1, 3000);
	t1 = now_ms();
	ck_assert_int_eq(count('e', PENDING_EXPIRE_AFTER_A), 1);
	ck_assert_uint_ge(t1 - t0, 95);
	ck_assert_uint_lt(t1 - t0, 2000);
}
END_TEST

START_TEST(test_bounds)
{
	struct pending_limits	 l = { .aaaa_deadline_ms = 20,
	    .max_requests = 3 };
	struct query		 q;
	struct query_client	 c = client(1);
	int			 i;

	pending_set_limits(&l);
	query_for(&q, "b.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_le(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE,
		    0), PENDING_STARTED);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_FULL_REQUESTS);
	ck_assert_int_eq(ntx, 1);
	tx_end(0, DNS_RCODE_NOERROR, 1);
	ck_assert_int_eq(count('a', -1), 3);

	l.max_requests = 10000;
	pending_set_limits(&l);
	for (i = 0; i < PENDING_MAX_WAITERS; i++)
		ck_assert_int_le(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE,
		    0), PENDING_STARTED);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_FULL_WAITERS);
	stub_busy = 1;
	query_for(&q, "c.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_FULL_FORWARD);
}
END_TEST

/* serve-stale: the client timer asks for the stale answer; none there,
 * it waits on for the transaction. */
START_TEST(test_stale_timer)
{
	struct query		 q;
	struct query_client	 c = client(4);

	query_for(&q, "s.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 1),
	    PENDING_STARTED);
	stale_answers = 1;
	run_until(1, PENDING_STALE_CLIENT_MS + 1000);
	ck_assert_int_eq(count('e', PENDING_EXPIRE_STALE), 1);
	tx_end(0, -1, 0);
	ck_assert_int_eq(count('a', -1), 0);	/* answered already */
}
END_TEST

/* ---- diagnostics of early answers ------------------------------------------ */

#define T0_US	1000000000ULL	/* the fake clock's start: 1000 s */

/*
 * deadline:MS: the client answered empty at the deadline, the real
 * answer 300 ms later: one question answered early (deadline), late by
 * 300 ms, 300 ms saved for the one client.
 */
START_TEST(test_early_deadline_late)
{
	struct query		 q;
	struct query_client	 c = client(1);

	clock_fake_set(T0_US);
	query_for(&q, "late.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_DEADLINE, 0),
	    PENDING_STARTED);
	clock_fake_advance_ms(20);
	run_until(1, 2000);
	ck_assert_int_eq(count('e', PENDING_EXPIRE_DEADLINE), 1);
	ck_assert_int_eq(txs[0].early, 1);
	ck_assert_int_eq(txs[0].early_kind, UPSTREAM_EARLY_DEADLINE);
	ck_assert_int_eq(txs[0].early_end, 0);
	clock_fake_advance_ms(300);
	tx_end(0, DNS_RCODE_NOERROR, 0);
	ck_assert_int_eq(txs[0].early_end, 1);
	ck_assert_int_eq(txs[0].came, 1);
	ck_assert_uint_eq(txs[0].late_ms, 300);
	ck_assert_uint_eq(txs[0].clients, 1);
	ck_assert_uint_eq(txs[0].saved_ms, 300);
}
END_TEST

/*
 * Two clients of one question answered early at different times: the
 * question is reported early once; each client's saving runs from its
 * own early answer; an answer past a client's deadline credits it only
 * up to its deadline (3.5 s after its query); a SERVFAIL is no real
 * answer (never came: each is credited up to its deadline).
 */
START_TEST(test_early_two_clients)
{
	struct query		 q;
	struct query_client	 c;
	int			 i;

	for (i = 0; i < 2; i++) {
		ntx = nev = 0;
		memset(txs, 0, sizeof(txs));
		clock_fake_set(T0_US);
		query_for(&q, i ? "cap.example" : "two.example",
		    DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
		c = client(1);
		ck_assert_int_eq(pending_wait(&q, &c, NULL,
		    POLICY_WAIT_DEADLINE, 0), PENDING_STARTED);
		clock_fake_advance_ms(20);
		run_until(1, 2000);
		clock_fake_advance_ms(80);		/* at 100 ms */
		c = client(2);
		ck_assert_int_eq(pending_wait(&q, &c, NULL,
		    POLICY_WAIT_DEADLINE, 0), PENDING_JOINED);
		clock_fake_advance_ms(20);		/* at 120 ms */
		run_until(2, 2000);
		ck_assert_int_eq(count('e', PENDING_EXPIRE_DEADLINE), 2);
		ck_assert_int_eq(txs[0].early, 1);
		if (i == 0) {
			/* At 500 ms: 480 + 380. */
			clock_fake_advance_ms(380);
			tx_end(0, DNS_RCODE_NXDOMAIN, 0);
			ck_assert_int_eq(txs[0].came, 1);
			ck_assert_uint_eq(txs[0].late_ms, 480);
			ck_assert_uint_eq(txs[0].saved_ms, 480 + 380);
		} else {
			/* At 5000 ms, a SERVFAIL: 3480 + 3480. */
			clock_fake_advance_ms(4880);
			tx_end(0, DNS_RCODE_SERVFAIL, 0);
			ck_assert_int_eq(txs[0].came, 0);
			ck_assert_uint_eq(txs[0].saved_ms,
			    2 * (UPSTREAM_DEADLINE_MS - 20));
		}
		ck_assert_int_eq(txs[0].early_end, 1);
		ck_assert_uint_eq(txs[0].clients, 2);
	}
}
END_TEST

/* An answer later than every early client's deadline: each credited up
 * to its deadline; none at all (a timeout): the same. */
START_TEST(test_early_capped_and_never)
{
	struct query		 q;
	struct query_client	 c = client(1);
	int			 i;

	for (i = 0; i < 2; i++) {
		ntx = nev = 0;
		memset(txs, 0, sizeof(txs));
		clock_fake_set(T0_US);
		query_for(&q, i ? "never.example" : "capped.example",
		    DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
		ck_assert_int_eq(pending_wait(&q, &c, NULL,
		    POLICY_WAIT_DEADLINE, 0), PENDING_STARTED);
		clock_fake_advance_ms(20);
		run_until(1, 2000);
		clock_fake_advance_ms(10000);
		tx_end(0, i ? -1 : DNS_RCODE_NOERROR, 0);
		ck_assert_int_eq(txs[0].came, !i);
		if (!i)
			ck_assert_uint_eq(txs[0].late_ms, 10000);
		ck_assert_uint_eq(txs[0].clients, 1);
		ck_assert_uint_eq(txs[0].saved_ms, UPSTREAM_DEADLINE_MS - 20);
	}
}
END_TEST

/*
 * after-a: released clients count as early (after-a), once per
 * question; a client answered by the real answer, or a question with
 * no early client, reports nothing; the path's own early answer
 * (pending_answered_early: the A cached) joins the question in flight.
 */
START_TEST(test_early_after_a)
{
	struct query		 q, a, q2;
	struct query_client	 c;

	clock_fake_set(T0_US);
	set_after_a(0);
	query_for(&q, "aa.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	query_for(&a, "aa.example", DNS_TYPE_A, DNS_FLAG_RD, 0);
	c = client(1);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_AFTER_A, 0),
	    PENDING_STARTED);
	c = client(2);
	ck_assert_int_eq(pending_wait(&q, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_JOINED);
	clock_fake_advance_ms(30);
	pending_release_after_a(&a);
	ck_assert_int_eq(txs[0].early, 1);
	ck_assert_int_eq(txs[0].early_kind, UPSTREAM_EARLY_AFTER_A);
	/* A later client, answered by the path at once (A cached). */
	clock_fake_advance_ms(10);
	pending_answered_early(&q, POLICY_WAIT_AFTER_A,
	    PENDING_EXPIRE_AFTER_A);
	ck_assert_int_eq(txs[0].early, 1);
	clock_fake_advance_ms(60);
	tx_end(0, DNS_RCODE_NOERROR, 0);
	ck_assert_int_eq(txs[0].early_end, 1);
	ck_assert_uint_eq(txs[0].late_ms, 70);
	ck_assert_uint_eq(txs[0].clients, 2);
	ck_assert_uint_eq(txs[0].saved_ms, 70 + 60);
	ck_assert_int_eq(count('a', -1), 1);	/* client 2, the real one */

	/* Nobody answered early: nothing reported. */
	query_for(&q2, "plain.example", DNS_TYPE_AAAA, DNS_FLAG_RD, 0);
	c = client(3);
	ck_assert_int_eq(pending_wait(&q2, &c, NULL, POLICY_WAIT_DEADLINE,
	    0), PENDING_STARTED);
	tx_end(1, DNS_RCODE_NOERROR, 0);
	ck_assert_int_eq(txs[1].early, 0);
	ck_assert_int_eq(txs[1].early_end, 0);
	/* Not in flight: pending_answered_early does nothing. */
	pending_answered_early(&q2, POLICY_WAIT_DEADLINE,
	    PENDING_EXPIRE_DEADLINE);
	ck_assert_int_eq(ntx, 2);

	/* A client of a server learnt slow, answered by the path (a
	 * SERVFAIL cached): counted under learn, not deadline. */
	c = client(4);
	ck_assert_int_eq(pending_wait(&q2, &c, NULL, POLICY_WAIT_NONE, 0),
	    PENDING_STARTED);
	pending_answered_early(&q2, POLICY_WAIT_LEARNT,
	    PENDING_EXPIRE_DEADLINE);
	ck_assert_int_eq(txs[2].early, 1);
	ck_assert_int_eq(txs[2].early_kind, UPSTREAM_EARLY_LEARN);
	tx_end(2, DNS_RCODE_NOERROR, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pending");
	TCase	*tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_coalescing_key);
	tcase_add_test(tc, test_transaction_deadlines);
	tcase_add_test(tc, test_deadline_wait);
	tcase_add_test(tc, test_learnt_wait);
	tcase_add_test(tc, test_release_after_a);
	tcase_add_test(tc, test_release_after_a_slow_types);
	tcase_add_test(tc, test_after_a_ms_empty);
	tcase_add_test(tc, test_after_a_ms_real);
	tcase_add_test(tc, test_after_a_ms_no_a);
	tcase_add_test(tc, test_after_a_ms_cached);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_stale_timer);
	tcase_add_test(tc, test_early_deadline_late);
	tcase_add_test(tc, test_early_two_clients);
	tcase_add_test(tc, test_early_capped_and_never);
	tcase_add_test(tc, test_early_after_a);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
