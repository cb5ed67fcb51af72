/*
 * test_prefetch.c: prefetch of short TTLs (src/cache.c), with a fake
 * clock.
 *
 * A name is asked every PERIOD ms; a hit that says *prefetch starts a
 * refresh (unless the test says the refresh cannot start: dns-forward-max)
 * whose answer is inserted RTT ms later, as query.c does.  The promise:
 * no lookup of a name asked several times a second ever misses, down to
 * TTLs of 2 s, and a refresh that could not start leaves the entry
 * eligible.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include "briskdns.h"
#include "clock.h"
#include "msg.h"
#include "wire.h"
#include "cache.h"

#define T0	5000000ULL	/* the fake clock's start, us */
#define UPID	0x4242

static const struct cache_limits lim_prefetch = {
	.max_ttl = 86400,
	.prefetch = 1,
};

/* The client's query for name A, through the real parser. */
static void
query_a(struct query *q, const char *name)
{
	uint8_t	 p[300];
	size_t	 o = DNS_HDRLEN;

	memset(p, 0, DNS_HDRLEN);
	put16(p, 0xbeef);
	put16(p + 2, DNS_FLAG_RD);
	put16(p + 4, 1);
	o += wire_name(name, p + o);
	put16(p + o, DNS_TYPE_A);
	put16(p + o + 2, DNS_CLASS_IN);
	o += 4;
	ck_assert_int_eq(msg_parse_query(p, o, q), MSG_OK);
}

/* The upstream's answer to q: one A record with ttl. */
static size_t
answer_a(const struct query *q, uint32_t ttl, uint8_t *p)
{
	size_t	 o = DNS_HDRLEN;
	int	 rcode;

	memset(p, 0, DNS_HDRLEN);
	put16(p, UPID);
	put16(p + 2, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA);
	put16(p + 4, 1);
	put16(p + 6, 1);
	memcpy(p + o, q->qname, q->qname_len);
	o += q->qname_len;
	put16(p + o, DNS_TYPE_A);
	put16(p + o + 2, DNS_CLASS_IN);
	o += 4;
	put16(p + o, 0xc000 | DNS_HDRLEN);
	put16(p + o + 2, DNS_TYPE_A);
	put16(p + o + 4, DNS_CLASS_IN);
	put32(p + o + 6, ttl);
	put16(p + o + 10, 4);
	memcpy(p + o + 12, "\300\000\002\001", 4);
	o += 16;
	ck_assert_int_eq(msg_check_answer(p, o, UPID, q, &rcode), ANSWER_OK);
	return o;
}

/*
 * Ask name every period ms for secs seconds; refreshes take rtt ms and,
 * while fwd_full, cannot start.  Returns the misses after the first
 * insertion; *refreshes gets the refreshes started.
 */
static int
drive(uint32_t ttl, unsigned int period, unsigned int rtt,
    unsigned int secs, int fwd_full_until_ms, unsigned int *refreshes)
{
	struct cache	*c;
	struct query	 q;
	uint8_t		 ans[512], buf[DNS_MAXMSG];
	size_t		 n, len;
	uint64_t	 start, now, due = 0;
	int		 pf, misses = 0;

	c = cache_new(16, &lim_prefetch);
	ck_assert_ptr_nonnull(c);
	query_a(&q, "short.example");
	n = answer_a(&q, ttl, ans);
	clock_fake_set(T0);
	start = clock_ms();
	ck_assert_int_eq(cache_insert(c, &q, ans, n, clock_ms()), 1);
	*refreshes = 0;
	for (;;) {
		clock_fake_advance_ms(period);
		now = clock_ms();
		if (now - start > (uint64_t)secs * 1000)
			break;
		/* The refresh's answer arrives in between. */
		if (due != 0 && now >= due) {
			ck_assert_int_eq(cache_insert(c, &q, ans, n, due), 1);
			due = 0;
		}
		if (cache_lookup(c, &q, now, DNS_MAXMSG, buf, sizeof(buf),
		    &len, &pf) != CACHE_FRESH) {
			misses++;
			/* The client's own query refills it. */
			ck_assert_int_eq(cache_insert(c, &q, ans, n, now), 1);
			continue;
		}
		if (!pf)
			continue;
		ck_assert_int_eq(due, 0);	/* never twice at once */
		if (now - start < (uint64_t)fwd_full_until_ms)
			continue;		/* busy: nothing started */
		cache_prefetch_started(c, &q);
		(*refreshes)++;
		due = now + rtt;
	}
	cache_free(c);
	clock_fake_set(0);
	return misses;
}

START_TEST(test_short_ttls_never_expire)
{
	static const uint32_t ttls[] = { 2, 3, 5, 9, 10, 30 };
	static const unsigned int periods[] = { 100, 300, 450 };
	unsigned int	 i, j, refreshes;
	int		 misses;

	for (i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++)
		for (j = 0; j < sizeof(periods) / sizeof(periods[0]); j++) {
			misses = drive(ttls[i], periods[j], 20,
			    3 * ttls[i] + 1, 0, &refreshes);
			ck_assert_msg(misses == 0,
			    "TTL %u, asked every %u ms: %d misses",
			    ttls[i], periods[j], misses);
			ck_assert_msg(refreshes >= 3 && refreshes <= 3 *
			    (unsigned int)(ttls[i] * 1000 / periods[j]),
			    "TTL %u, every %u ms: %u refreshes", ttls[i],
			    periods[j], refreshes);
		}
}
END_TEST

/* A refresh that cannot start leaves the entry eligible: the next hit
 * asks again, and once the bound frees, the entry is still refreshed in
 * time. */
START_TEST(test_busy_stays_eligible)
{
	struct cache	*c;
	struct query	 q;
	uint8_t		 ans[512], buf[DNS_MAXMSG];
	size_t		 n, len;
	unsigned int	 refreshes;
	int		 pf;

	c = cache_new(4, &lim_prefetch);
	ck_assert_ptr_nonnull(c);
	query_a(&q, "busy.example");
	n = answer_a(&q, 2, ans);
	clock_fake_set(T0);
	ck_assert_int_eq(cache_insert(c, &q, ans, n, clock_ms()), 1);
	clock_fake_advance_ms(1200);
	ck_assert_int_eq(cache_lookup(c, &q, clock_ms(), DNS_MAXMSG, buf,
	    sizeof(buf), &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 1);
	/* Not started: asked again on the next hit. */
	clock_fake_advance_ms(100);
	ck_assert_int_eq(cache_lookup(c, &q, clock_ms(), DNS_MAXMSG, buf,
	    sizeof(buf), &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 1);
	cache_prefetch_started(c, &q);
	clock_fake_advance_ms(100);
	ck_assert_int_eq(cache_lookup(c, &q, clock_ms(), DNS_MAXMSG, buf,
	    sizeof(buf), &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 0);
	cache_free(c);
	clock_fake_set(0);

	/* The bound is full for the first 1.5 s of a 2-s entry's life:
	 * still no miss. */
	ck_assert_int_eq(drive(2, 100, 20, 7, 1500, &refreshes), 0);
	ck_assert_uint_ge(refreshes, 3);
}
END_TEST

/* TTL 1 s: never (a refresh would take a good part of its life). */
START_TEST(test_too_short)
{
	struct cache	*c;
	struct query	 q;
	uint8_t		 ans[512], buf[DNS_MAXMSG];
	size_t		 n, len;
	int		 pf;

	c = cache_new(4, &lim_prefetch);
	ck_assert_ptr_nonnull(c);
	query_a(&q, "one.example");
	n = answer_a(&q, 1, ans);
	ck_assert_int_eq(cache_insert(c, &q, ans, n, 1000), 1);
	ck_assert_int_eq(cache_lookup(c, &q, 1990, DNS_MAXMSG, buf,
	    sizeof(buf), &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 0);
	cache_free(c);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("prefetch");
	TCase	*tc = tcase_create("prefetch");

	tcase_add_test(tc, test_short_ttls_never_expire);
	tcase_add_test(tc, test_busy_stays_eligible);
	tcase_add_test(tc, test_too_short);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
