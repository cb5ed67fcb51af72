/*
 * test_cache.c: unit tests of the answer cache (src/cache.c).
 *
 * Answers are assembled by hand from a small spec (records of the query
 * type with given TTLs, an SOA, an OPT...); queries go through the real
 * msg_parse_query().  The clock is an argument of every call, so time is
 * faked by passing numbers.  The unit test is linked with --wrap=malloc
 * (and calloc, realloc) so that the hit path can be shown not to
 * allocate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include "briskdns.h"
#include "msg.h"
#include "cache.h"

/* ---- allocation counting (the link wraps malloc, calloc, realloc) ---- */

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);

static int		 alloc_counting;
static unsigned long	 alloc_count;

void *
__wrap_malloc(size_t n)
{
	if (alloc_counting)
		alloc_count++;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
	if (alloc_counting)
		alloc_count++;
	return __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
	if (alloc_counting)
		alloc_count++;
	return __real_realloc(p, n);
}

static void
alloc_start(void)
{
	alloc_count = 0;
	alloc_counting = 1;
}

static unsigned long
alloc_stop(void)
{
	alloc_counting = 0;
	return alloc_count;
}

/* ---- packet assembly ------------------------------------------------------ */

#define T0	1000000ULL	/* the fake clock's start, ms */
#define UPID	0x1111		/* the ID of the query sent upstream */

static size_t
put16(uint8_t *p, size_t o, uint16_t v)
{
	p[o] = v >> 8;
	p[o + 1] = v & 0xff;
	return o + 2;
}

static size_t
put32(uint8_t *p, size_t o, uint32_t v)
{
	o = put16(p, o, v >> 16);
	return put16(p, o, v & 0xffff);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* A query as a client sends it, through the real parser. */
static void
make_query(struct query *q, const char *name, uint16_t qtype, uint16_t id,
    int edns, int dobit)
{
	uint8_t	 p[512];
	size_t	 o = 0;

	o = put16(p, o, id);
	o = put16(p, o, DNS_FLAG_RD);
	o = put16(p, o, 1);
	o = put16(p, o, 0);
	o = put16(p, o, 0);
	o = put16(p, o, edns ? 1 : 0);
	o += wire_name(name, p + o);
	o = put16(p, o, qtype);
	o = put16(p, o, DNS_CLASS_IN);
	if (edns) {
		p[o++] = 0;
		o = put16(p, o, DNS_TYPE_OPT);
		o = put16(p, o, 1232);
		o = put32(p, o, dobit ? 0x8000 : 0);
		o = put16(p, o, 0);
	}
	ck_assert_int_eq(msg_parse_query(p, o, q), MSG_OK);
}

/* What an upstream answer holds. */
struct spec {
	int		 rcode;
	uint16_t	 flags;		/* more header flags (TC) */
	int		 nan;		/* records of qtype, owner the qname */
	uint32_t	 ttl[4];	/* their TTLs */
	int		 soa;		/* an SOA in the authority section */
	uint32_t	 soattl, soamin;
	int		 ns;		/* an NS in the authority section */
	uint32_t	 nsttl;
	int		 opt;		/* 0: none, 1: last, 2: before an A */
	int		 dobit;
};

/* The answer to (qname, qtype), question in lower case, ID UPID. */
static size_t
build(uint8_t *p, const char *qname, uint16_t qtype, const struct spec *s)
{
	uint8_t		 name[DNS_MAXNAME + 1];
	size_t		 o = 0, i, nlen, rdlen;
	uint16_t	 ar = 0;

	for (i = 0; qname[i] != '\0' && i < sizeof(name) - 1; i++)
		name[i] = (uint8_t)(qname[i] >= 'A' && qname[i] <= 'Z' ?
		    qname[i] + 32 : qname[i]);
	name[i] = '\0';
	if (s->opt == 1)
		ar = 1;
	else if (s->opt == 2)
		ar = 2;
	o = put16(p, o, UPID);
	o = put16(p, o, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | s->flags |
	    (s->rcode & 0xf));
	o = put16(p, o, 1);
	o = put16(p, o, (uint16_t)s->nan);
	o = put16(p, o, (uint16_t)((s->soa ? 1 : 0) + (s->ns ? 1 : 0)));
	o = put16(p, o, ar);
	nlen = wire_name((const char *)name, p + o);
	o += nlen;
	o = put16(p, o, qtype);
	o = put16(p, o, DNS_CLASS_IN);
	rdlen = qtype == DNS_TYPE_AAAA ? 16 : 4;
	for (i = 0; i < (size_t)s->nan; i++) {
		o = put16(p, o, 0xc000 | DNS_HDRLEN);
		o = put16(p, o, qtype);
		o = put16(p, o, DNS_CLASS_IN);
		o = put32(p, o, s->ttl[i]);
		o = put16(p, o, (uint16_t)rdlen);
		memset(p + o, (int)(10 + i), rdlen);
		o += rdlen;
	}
	if (s->ns) {
		o = put16(p, o, 0xc000 | DNS_HDRLEN);
		o = put16(p, o, DNS_TYPE_NS);
		o = put16(p, o, DNS_CLASS_IN);
		o = put32(p, o, s->nsttl);
		o = put16(p, o, 5);
		memcpy(p + o, "\002ns\300\014", 5);
		o += 5;
	}
	if (s->soa) {
		o = put16(p, o, 0xc000 | DNS_HDRLEN);
		o = put16(p, o, DNS_TYPE_SOA);
		o = put16(p, o, DNS_CLASS_IN);
		o = put32(p, o, s->soattl);
		o = put16(p, o, 5 + 2 + 20);
		memcpy(p + o, "\002ns\300\014", 5);	/* MNAME ns.<qname> */
		o += 5;
		o = put16(p, o, 0xc000 | DNS_HDRLEN);	/* RNAME <qname> */
		o = put32(p, o, 2024);
		o = put32(p, o, 3600);
		o = put32(p, o, 600);
		o = put32(p, o, 86400);
		o = put32(p, o, s->soamin);
	}
	if (s->opt) {
		p[o++] = 0;
		o = put16(p, o, DNS_TYPE_OPT);
		o = put16(p, o, 1232);
		o = put32(p, o, s->dobit ? 0x8000 : 0);
		o = put16(p, o, 0);
	}
	if (s->opt == 2) {
		o = put16(p, o, 0xc000 | DNS_HDRLEN);
		o = put16(p, o, DNS_TYPE_A);
		o = put16(p, o, DNS_CLASS_IN);
		o = put32(p, o, 300);
		o = put16(p, o, 4);
		memset(p + o, 7, 4);
		o += 4;
	}
	return o;
}

/* The TTL of the idx-th record (all sections, OPT included), or -1. */
static int64_t
rr_ttl(const uint8_t *a, size_t len, unsigned int idx)
{
	size_t		 off, total;
	unsigned int	 i;

	total = (size_t)get16(a + 6) + get16(a + 8) + get16(a + 10);
	if ((off = msg_skip_name(a, len, DNS_HDRLEN)) == 0)
		return -1;
	off += 4;
	for (i = 0; i < total; i++) {
		if ((off = msg_skip_name(a, len, off)) == 0 || off + 10 > len)
			return -1;
		if (i == idx)
			return get32(a + off + 4);
		off += 10 + get16(a + off + 8);
	}
	return -1;
}

/* Whether the message has an OPT RR (walking every record). */
static int
has_opt(const uint8_t *a, size_t len)
{
	size_t		 off, total;
	unsigned int	 i;

	total = (size_t)get16(a + 6) + get16(a + 8) + get16(a + 10);
	off = msg_skip_name(a, len, DNS_HDRLEN) + 4;
	for (i = 0; i < total; i++) {
		if ((off = msg_skip_name(a, len, off)) == 0 || off + 10 > len)
			return -1;
		if (get16(a + off) == DNS_TYPE_OPT)
			return 1;
		off += 10 + get16(a + off + 8);
	}
	return off == len ? 0 : -1;
}

static const struct cache_limits lim_default = { 0, 86400, 0, 0, 0, 0, 0 };

static struct cache *
new_cache(size_t size, const struct cache_limits *l)
{
	struct cache	*c = cache_new(size, l);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* Insert spec's answer to (name, qtype) for a client (edns, dobit). */
static int
insert(struct cache *c, const char *name, uint16_t qtype, int dobit,
    const struct spec *s, uint64_t now)
{
	struct query	 q;
	uint8_t		 a[DNS_MAXMSG];
	size_t		 n;
	int		 rcode = -1;

	make_query(&q, name, qtype, 0x2222, 1, dobit);
	n = build(a, name, qtype, s);
	/* Everything the tests insert passes the check the daemon does. */
	ck_assert_int_ne(msg_check_answer(a, n, UPID, &q, &rcode),
	    ANSWER_MISMATCH);
	return cache_insert(c, &q, a, n, now);
}

static enum cache_status
lookup(struct cache *c, const char *name, uint16_t qtype, int edns,
    int dobit, uint64_t now, uint8_t *buf, size_t *len, int *pf)
{
	struct query	 q;

	make_query(&q, name, qtype, 0xbeef, edns, dobit);
	return cache_lookup(c, &q, now, DNS_MAXMSG, buf, DNS_MAXMSG, len, pf);
}

static const struct spec sp_a = { .nan = 1, .ttl = { 300 }, .opt = 1 };

/* ---- round trip ------------------------------------------------------------ */

START_TEST(test_roundtrip)
{
	struct cache	*c = new_cache(16, &lim_default);
	struct query	 q;
	uint8_t		 a[DNS_MAXMSG], buf[DNS_MAXMSG];
	size_t		 n, len, qn;
	int		 pf = -1;

	n = build(a, "www.example.com", DNS_TYPE_A, &sp_a);
	ck_assert_int_eq(insert(c, "www.example.com", DNS_TYPE_A, 0, &sp_a,
	    T0), 1);
	make_query(&q, "WwW.ExAmple.COM", DNS_TYPE_A, 0xbeef, 1, 0);
	ck_assert_int_eq(cache_lookup(c, &q, T0, DNS_MAXMSG, buf,
	    sizeof(buf), &len, &pf), CACHE_FRESH);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(pf, 0);
	ck_assert_uint_eq(get16(buf), 0xbeef);
	qn = q.qname_len;
	ck_assert_mem_eq(buf + DNS_HDRLEN, q.qname_case, qn);
	ck_assert_mem_eq(buf + DNS_HDRLEN, "\003WwW\007ExAmple\003COM", qn);
	/* Everything after the ID and question as the upstream sent it. */
	ck_assert_mem_eq(buf + 2, a + 2, DNS_HDRLEN - 2);
	ck_assert_mem_eq(buf + DNS_HDRLEN + qn, a + DNS_HDRLEN + qn,
	    n - DNS_HDRLEN - qn);
	ck_assert_int_eq(rr_ttl(buf, len, 0), 300);

	/* Another spelling of the name is the same key. */
	make_query(&q, "WWW.EXAMPLE.COM", DNS_TYPE_A, 7, 1, 0);
	ck_assert_int_eq(cache_lookup(c, &q, T0, DNS_MAXMSG, buf,
	    sizeof(buf), &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(get16(buf), 7);
	ck_assert_mem_eq(buf + DNS_HDRLEN, "\003WWW\007EXAMPLE\003COM", qn);

	/* Other type, other name: misses. */
	ck_assert_int_eq(lookup(c, "www.example.com", DNS_TYPE_AAAA, 1, 0,
	    T0, buf, &len, NULL), CACHE_MISS);
	ck_assert_int_eq(lookup(c, "ww.example.com", DNS_TYPE_A, 1, 0,
	    T0, buf, &len, NULL), CACHE_MISS);
	ck_assert_uint_eq(len, 0);
	cache_free(c);
}
END_TEST

START_TEST(test_countdown)
{
	static const struct spec sp = { .nan = 3, .ttl = { 300, 100, 600 },
	    .ns = 1, .nsttl = 3600, .opt = 1 };
	static const struct {
		uint64_t	 dt;	/* ms after insertion */
		int64_t		 ttl[4];
	} steps[] = {
		{ 0, { 300, 100, 600, 3600 } },
		{ 999, { 300, 100, 600, 3600 } },
		{ 1000, { 299, 99, 599, 3599 } },
		{ 10000, { 290, 90, 590, 3590 } },
		{ 10999, { 290, 90, 590, 3590 } },
		{ 99999, { 201, 1, 501, 3501 } },
	};
	struct cache	*c = new_cache(16, &lim_default);
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 len, i, j;

	ck_assert_int_eq(insert(c, "a.example", DNS_TYPE_A, 0, &sp, T0), 1);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ck_assert_int_eq(lookup(c, "a.example", DNS_TYPE_A, 1, 0,
		    T0 + steps[i].dt, buf, &len, NULL), CACHE_FRESH);
		for (j = 0; j < 4; j++)
			ck_assert_int_eq(rr_ttl(buf, len, (unsigned)j),
			    steps[i].ttl[j]);
		/* The OPT's TTL field (flags) is left alone. */
		ck_assert_int_eq(rr_ttl(buf, len, 4), 0);
	}
	/* The least TTL (100 s) is the entry's life. */
	ck_assert_int_eq(lookup(c, "a.example", DNS_TYPE_A, 1, 0,
	    T0 + 100000, buf, &len, NULL), CACHE_MISS);
	cache_free(c);
}
END_TEST

/* ---- what is kept, and for how long -------------------------------------- */

struct life_case {
	const char		*desc;
	struct spec		 spec;
	struct cache_limits	 lim;
	int			 kept;
	uint32_t		 life;		/* seconds */
	int64_t			 ttl0;		/* first record's TTL */
};

static const struct life_case life_cases[] = {
	{ "plain A", { .nan = 2, .ttl = { 300, 200 } }, { 0, 86400, 0, 0, 0, 0, 0 },
	    1, 200, 300 },
	{ "min clamp raises", { .nan = 1, .ttl = { 30 } },
	    { 60, 86400, 0, 0, 0, 0, 0 }, 1, 60, 60 },
	{ "max clamp lowers", { .nan = 2, .ttl = { 7200, 9000 } },
	    { 0, 3600, 0, 0, 0, 0, 0 }, 1, 3600, 3600 },
	{ "max clamp, others untouched", { .nan = 2, .ttl = { 100, 9000 } },
	    { 0, 3600, 0, 0, 0, 0, 0 }, 1, 100, 100 },
	{ "TTL 0 not kept", { .nan = 2, .ttl = { 300, 0 } },
	    { 60, 86400, 0, 0, 0, 0, 0 }, 0, 0, 0 },
	{ "TTL top bit is 0", { .nan = 1, .ttl = { 0x80000001U } },
	    { 0, 86400, 0, 0, 0, 0, 0 }, 0, 0, 0 },
	{ "NXDOMAIN, MINIMUM below SOA TTL",
	    { .rcode = DNS_RCODE_NXDOMAIN, .soa = 1, .soattl = 900,
	    .soamin = 60, .opt = 1 }, { 0, 86400, 0, 0, 0, 0, 0 }, 1, 60, 60 },
	{ "NXDOMAIN, SOA TTL below MINIMUM",
	    { .rcode = DNS_RCODE_NXDOMAIN, .soa = 1, .soattl = 30,
	    .soamin = 3600 }, { 0, 86400, 0, 0, 0, 0, 0 }, 1, 30, 30 },
	{ "NXDOMAIN, max clamp", { .rcode = DNS_RCODE_NXDOMAIN, .soa = 1,
	    .soattl = 3600, .soamin = 3600 }, { 0, 600, 0, 0, 0, 0, 0 }, 1, 600,
	    600 },
	{ "NXDOMAIN, min clamp does not apply",
	    { .rcode = DNS_RCODE_NXDOMAIN, .soa = 1, .soattl = 3600,
	    .soamin = 20 }, { 300, 86400, 0, 0, 0, 0, 0 }, 1, 20, 20 },
	{ "NODATA with SOA", { .soa = 1, .soattl = 3600, .soamin = 120 },
	    { 0, 86400, 0, 0, 0, 0, 0 }, 1, 120, 120 },
	{ "NODATA, no SOA, no neg-ttl", { .opt = 1 }, { 0, 86400, 0, 0, 0, 0, 0 },
	    0, 0, 0 },
	{ "NODATA, no SOA, neg-ttl", { .opt = 1 }, { 0, 86400, 45, 0, 0, 0, 0 },
	    1, 45, -1 },
	{ "NXDOMAIN, no SOA, neg-ttl", { .rcode = DNS_RCODE_NXDOMAIN },
	    { 0, 86400, 45, 0, 0, 0, 0 }, 1, 45, -1 },
	{ "NXDOMAIN, no SOA, no neg-ttl", { .rcode = DNS_RCODE_NXDOMAIN },
	    { 0, 86400, 0, 0, 0, 0, 0 }, 0, 0, 0 },
	{ "NXDOMAIN, no SOA, neg-ttl bounded by NS TTL",
	    { .rcode = DNS_RCODE_NXDOMAIN, .ns = 1, .nsttl = 10 },
	    { 0, 86400, 45, 0, 0, 0, 0 }, 1, 10, 10 },
	{ "NXDOMAIN SOA TTL 0", { .rcode = DNS_RCODE_NXDOMAIN, .soa = 1,
	    .soattl = 0, .soamin = 60 }, { 0, 86400, 45, 0, 0, 0, 0 }, 0, 0, 0 },
	{ "SERVFAIL", { .rcode = DNS_RCODE_SERVFAIL, .opt = 1 },
	    { 0, 86400, 0, 0, 0, 0, 0 }, 1, CACHE_SERVFAIL_TTL, -1 },
	{ "REFUSED", { .rcode = DNS_RCODE_REFUSED, .opt = 1 },
	    { 0, 86400, 300, 0, 0, 0, 0 }, 0, 0, 0 },
	{ "FORMERR", { .rcode = DNS_RCODE_FORMERR }, { 0, 86400, 300, 0, 0, 0, 0 },
	    0, 0, 0 },
	{ "NOTIMP", { .rcode = DNS_RCODE_NOTIMP }, { 0, 86400, 300, 0, 0, 0, 0 },
	    0, 0, 0 },
	{ "TC", { .flags = DNS_FLAG_TC, .nan = 1, .ttl = { 300 } },
	    { 0, 86400, 0, 0, 0, 0, 0 }, 0, 0, 0 },
	{ "no-negcache: NXDOMAIN with SOA not kept",
	    { .rcode = DNS_RCODE_NXDOMAIN, .soa = 1, .soattl = 900,
	    .soamin = 60 }, { 0, 86400, 0, 0, 0, 1, 0 }, 0, 0, 0 },
	{ "no-negcache: NODATA with SOA not kept",
	    { .soa = 1, .soattl = 3600, .soamin = 120 },
	    { 0, 86400, 0, 0, 0, 1, 0 }, 0, 0, 0 },
	{ "no-negcache: NODATA, neg-ttl, not kept", { .opt = 1 },
	    { 0, 86400, 45, 0, 0, 1, 0 }, 0, 0, 0 },
	{ "no-negcache: an answer kept", { .nan = 1, .ttl = { 300 } },
	    { 0, 86400, 0, 0, 0, 1, 0 }, 1, 300, 300 },
	{ "max-ttl: the client sees 60, the entry lives 300",
	    { .nan = 2, .ttl = { 300, 400 } }, { 0, 86400, 0, 0, 0, 0, 60 },
	    1, 300, 60 },
};

START_TEST(test_lifetime)
{
	const struct life_case	*t = &life_cases[_i];
	struct cache		*c = new_cache(4, &t->lim);
	struct cache_stats	 st;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 len;

	ck_assert_msg(insert(c, "n.example", DNS_TYPE_A, 0, &t->spec, T0) ==
	    t->kept, "%s: kept", t->desc);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, (uint64_t)t->kept);
	ck_assert_uint_eq(st.inserts, (uint64_t)t->kept);
	if (!t->kept) {
		ck_assert_int_eq(lookup(c, "n.example", DNS_TYPE_A, 1, 0, T0,
		    buf, &len, NULL), CACHE_MISS);
		cache_free(c);
		return;
	}
	ck_assert_msg(lookup(c, "n.example", DNS_TYPE_A, 1, 0, T0, buf, &len,
	    NULL) == CACHE_FRESH, "%s: fresh", t->desc);
	ck_assert_int_eq(DNS_RCODE(get16(buf + 2)), t->spec.rcode);
	if (t->ttl0 >= 0)
		ck_assert_msg(rr_ttl(buf, len, 0) == t->ttl0,
		    "%s: TTL %lld", t->desc, (long long)rr_ttl(buf, len, 0));
	ck_assert_msg(lookup(c, "n.example", DNS_TYPE_A, 1, 0,
	    T0 + (uint64_t)t->life * 1000 - 1, buf, &len, NULL) ==
	    CACHE_FRESH, "%s: fresh at the end", t->desc);
	ck_assert_msg(lookup(c, "n.example", DNS_TYPE_A, 1, 0,
	    T0 + (uint64_t)t->life * 1000, buf, &len, NULL) == CACHE_MISS,
	    "%s: gone after life", t->desc);
	cache_free(c);
}
END_TEST

START_TEST(test_servfail_ttls)
{
	static const struct spec sp = { .rcode = DNS_RCODE_SERVFAIL,
	    .ns = 1, .nsttl = 3600 };
	struct cache	*c = new_cache(4, &lim_default);
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 len;

	ck_assert_int_eq(insert(c, "s.example", DNS_TYPE_A, 0, &sp, T0), 1);
	ck_assert_int_eq(lookup(c, "s.example", DNS_TYPE_A, 1, 0, T0 + 2000,
	    buf, &len, NULL), CACHE_FRESH);
	/* Record TTLs never outlive the entry: 5 - 2. */
	ck_assert_int_eq(rr_ttl(buf, len, 0), CACHE_SERVFAIL_TTL - 2);
	cache_free(c);
}
END_TEST

/* ---- bounds ------------------------------------------------------------------- */

START_TEST(test_lru)
{
	struct cache		*c = new_cache(2, &lim_default);
	struct cache_stats	 st;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 len;

	ck_assert_int_eq(insert(c, "one.example", DNS_TYPE_A, 0, &sp_a, T0),
	    1);
	ck_assert_int_eq(insert(c, "two.example", DNS_TYPE_A, 0, &sp_a,
	    T0 + 1), 1);
	/* Touch the first: the second becomes the least recently used. */
	ck_assert_int_eq(lookup(c, "one.example", DNS_TYPE_A, 1, 0, T0 + 2,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_int_eq(insert(c, "three.example", DNS_TYPE_A, 0, &sp_a,
	    T0 + 3), 1);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 2);
	ck_assert_uint_eq(st.evictions, 1);
	ck_assert_uint_eq(st.inserts, 3);
	ck_assert_int_eq(lookup(c, "two.example", DNS_TYPE_A, 1, 0, T0 + 4,
	    buf, &len, NULL), CACHE_MISS);
	ck_assert_int_eq(lookup(c, "one.example", DNS_TYPE_A, 1, 0, T0 + 4,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_int_eq(lookup(c, "three.example", DNS_TYPE_A, 1, 0, T0 + 4,
	    buf, &len, NULL), CACHE_FRESH);
	/* Now "one" is older than "three": a fourth evicts it. */
	ck_assert_int_eq(insert(c, "four.example", DNS_TYPE_A, 0, &sp_a,
	    T0 + 5), 1);
	ck_assert_int_eq(lookup(c, "one.example", DNS_TYPE_A, 1, 0, T0 + 6,
	    buf, &len, NULL), CACHE_MISS);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.evictions, 2);
	ck_assert_uint_eq(st.hits, 3);
	ck_assert_uint_eq(st.misses, 2);
	cache_free(c);
}
END_TEST

START_TEST(test_replace)
{
	static const struct spec sp2 = { .nan = 2, .ttl = { 900, 900 },
	    .opt = 1 };
	struct cache		*c = new_cache(2, &lim_default);
	struct cache_stats	 st;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 len;

	ck_assert_int_eq(insert(c, "r.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(insert(c, "other.example", DNS_TYPE_A, 0, &sp_a, T0),
	    1);
	ck_assert_int_eq(insert(c, "R.example", DNS_TYPE_A, 0, &sp2,
	    T0 + 5000), 1);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 2);
	ck_assert_uint_eq(st.evictions, 0);	/* a replacement */
	ck_assert_int_eq(lookup(c, "r.example", DNS_TYPE_A, 1, 0, T0 + 6000,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(get16(buf + 6), 2);
	ck_assert_int_eq(rr_ttl(buf, len, 0), 899);
	ck_assert_int_eq(lookup(c, "other.example", DNS_TYPE_A, 1, 0,
	    T0 + 6000, buf, &len, NULL), CACHE_FRESH);
	/* Not cacheable now: the old entry stays. */
	{
		struct spec	 refused = { .rcode = DNS_RCODE_REFUSED };

		ck_assert_int_eq(insert(c, "r.example", DNS_TYPE_A, 0,
		    &refused, T0 + 7000), 0);
		ck_assert_int_eq(lookup(c, "r.example", DNS_TYPE_A, 1, 0,
		    T0 + 7000, buf, &len, NULL), CACHE_FRESH);
	}
	cache_free(c);
}
END_TEST

START_TEST(test_stale)
{
	struct cache_limits	 l = lim_default;
	struct cache		*c;
	struct cache_stats	 st;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 len;
	int			 pf = -1;

	l.serve_stale = 60;
	c = new_cache(4, &l);
	ck_assert_int_eq(insert(c, "st.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(lookup(c, "st.example", DNS_TYPE_A, 1, 0,
	    T0 + 299999, buf, &len, NULL), CACHE_FRESH);
	ck_assert_int_eq(rr_ttl(buf, len, 0), 1);
	ck_assert_int_eq(lookup(c, "st.example", DNS_TYPE_A, 1, 0,
	    T0 + 300000, buf, &len, &pf), CACHE_STALE);
	ck_assert_int_eq(rr_ttl(buf, len, 0), CACHE_STALE_TTL);
	ck_assert_int_eq(pf, 0);
	ck_assert_uint_eq(get16(buf), 0xbeef);
	ck_assert_int_eq(lookup(c, "st.example", DNS_TYPE_A, 1, 0,
	    T0 + 359999, buf, &len, NULL), CACHE_STALE);
	ck_assert_int_eq(rr_ttl(buf, len, 0), CACHE_STALE_TTL);
	/* Past the window: gone, and removed. */
	ck_assert_int_eq(lookup(c, "st.example", DNS_TYPE_A, 1, 0,
	    T0 + 360000, buf, &len, NULL), CACHE_MISS);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.hits, 3);		/* stale ones count as hits */
	ck_assert_uint_eq(st.misses, 1);
	/* Even an earlier time finds nothing now. */
	ck_assert_int_eq(lookup(c, "st.example", DNS_TYPE_A, 1, 0,
	    T0 + 1000, buf, &len, NULL), CACHE_MISS);

	/* A SERVFAIL does not replace the stale entry it would serve. */
	{
		static const struct spec sf = { .rcode = DNS_RCODE_SERVFAIL };
		struct cache	*c2 = new_cache(4, &l);

		ck_assert_int_eq(insert(c2, "sf.example", DNS_TYPE_A, 0, &sp_a,
		    T0), 1);
		ck_assert_int_eq(insert(c2, "sf.example", DNS_TYPE_A, 0, &sf,
		    T0 + 300500), 0);
		ck_assert_int_eq(lookup(c2, "sf.example", DNS_TYPE_A, 1, 0,
		    T0 + 301000, buf, &len, NULL), CACHE_STALE);
		ck_assert_uint_eq(DNS_RCODE(buf[3]), DNS_RCODE_NOERROR);
		/* A SERVFAIL does replace a SERVFAIL, and fills a gap. */
		ck_assert_int_eq(insert(c2, "sf2.example", DNS_TYPE_A, 0, &sf,
		    T0), 1);
		ck_assert_int_eq(insert(c2, "sf2.example", DNS_TYPE_A, 0, &sf,
		    T0 + 1000), 1);
		cache_free(c2);
	}

	/* Without serve-stale, expired is a miss and removed. */
	l.serve_stale = 0;
	cache_set_limits(c, &l);
	ck_assert_int_eq(insert(c, "st.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(lookup(c, "st.example", DNS_TYPE_A, 1, 0,
	    T0 + 300000, buf, &len, NULL), CACHE_MISS);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 0);
	cache_free(c);
}
END_TEST

START_TEST(test_prefetch)
{
	static const struct spec sp_short = { .nan = 1, .ttl = { 1 } };
	struct cache_limits	 l = lim_default;
	struct cache		*c;
	struct query		 q;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 len;
	int			 pf;

	l.prefetch = 1;
	c = new_cache(4, &l);
	ck_assert_int_eq(insert(c, "p.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	/* 300 s: prefetch once the remaining TTL is <= 30 s. */
	ck_assert_int_eq(lookup(c, "p.example", DNS_TYPE_A, 1, 0, T0 + 269999,
	    buf, &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 0);
	ck_assert_int_eq(lookup(c, "p.example", DNS_TYPE_A, 1, 0, T0 + 270000,
	    buf, &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 1);
	/* Until its refresh has started (test_prefetch.c has more). */
	ck_assert_int_eq(lookup(c, "p.example", DNS_TYPE_A, 1, 0, T0 + 275000,
	    buf, &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 1);
	make_query(&q, "p.example", DNS_TYPE_A, 1, 0, 0);
	cache_prefetch_started(c, &q);
	ck_assert_int_eq(lookup(c, "p.example", DNS_TYPE_A, 1, 0, T0 + 280000,
	    buf, &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 0);		/* once */
	/* A re-insert clears the flag. */
	ck_assert_int_eq(insert(c, "p.example", DNS_TYPE_A, 0, &sp_a,
	    T0 + 280000), 1);
	ck_assert_int_eq(lookup(c, "p.example", DNS_TYPE_A, 1, 0,
	    T0 + 280000 + 275000, buf, &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 1);

	/* Too short an entry: never. */
	ck_assert_int_eq(insert(c, "q.example", DNS_TYPE_A, 0, &sp_short, T0),
	    1);
	ck_assert_int_eq(lookup(c, "q.example", DNS_TYPE_A, 1, 0, T0 + 999,
	    buf, &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 0);

	/* Prefetch off: never. */
	l.prefetch = 0;
	cache_set_limits(c, &l);
	ck_assert_int_eq(insert(c, "p.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(lookup(c, "p.example", DNS_TYPE_A, 1, 0, T0 + 290000,
	    buf, &len, &pf), CACHE_FRESH);
	ck_assert_int_eq(pf, 0);
	cache_free(c);
}
END_TEST

/* ---- keys and the client's shape ---------------------------------------- */

START_TEST(test_do_bit)
{
	static const struct spec sp_do = { .nan = 2, .ttl = { 300, 300 },
	    .opt = 1, .dobit = 1 };
	struct cache	*c = new_cache(4, &lim_default);
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 len;

	ck_assert_int_eq(insert(c, "d.example", DNS_TYPE_A, 1, &sp_do, T0), 1);
	ck_assert_int_eq(lookup(c, "d.example", DNS_TYPE_A, 1, 0, T0, buf,
	    &len, NULL), CACHE_MISS);
	ck_assert_int_eq(lookup(c, "d.example", DNS_TYPE_A, 0, 0, T0, buf,
	    &len, NULL), CACHE_MISS);
	ck_assert_int_eq(lookup(c, "d.example", DNS_TYPE_A, 1, 1, T0, buf,
	    &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(get16(buf + 6), 2);
	ck_assert_int_eq(insert(c, "d.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(lookup(c, "d.example", DNS_TYPE_A, 1, 0, T0, buf,
	    &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(get16(buf + 6), 1);
	ck_assert_int_eq(lookup(c, "d.example", DNS_TYPE_A, 1, 1, T0, buf,
	    &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(get16(buf + 6), 2);
	cache_free(c);
}
END_TEST

START_TEST(test_strip_opt)
{
	static const struct spec sp_mid = { .nan = 1, .ttl = { 300 },
	    .opt = 2 };
	struct cache	*c = new_cache(4, &lim_default);
	uint8_t		 a[DNS_MAXMSG], buf[DNS_MAXMSG];
	size_t		 n, len;

	n = build(a, "o.example", DNS_TYPE_A, &sp_a);
	ck_assert_int_eq(insert(c, "o.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(lookup(c, "o.example", DNS_TYPE_A, 1, 0, T0, buf,
	    &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(has_opt(buf, len), 1);
	ck_assert_uint_eq(get16(buf + 10), 1);
	/* The same entry for a client without EDNS. */
	ck_assert_int_eq(lookup(c, "o.example", DNS_TYPE_A, 0, 0, T0 + 1000,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(len, n - 11);
	ck_assert_uint_eq(get16(buf + 10), 0);
	ck_assert_int_eq(has_opt(buf, len), 0);
	ck_assert_int_eq(rr_ttl(buf, len, 0), 299);

	/* OPT before another additional record: the full walk. */
	n = build(a, "m.example", DNS_TYPE_A, &sp_mid);
	ck_assert_int_eq(insert(c, "m.example", DNS_TYPE_A, 0, &sp_mid, T0),
	    1);
	ck_assert_int_eq(lookup(c, "m.example", DNS_TYPE_A, 0, 0, T0 + 2000,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(len, n - 11);
	ck_assert_uint_eq(get16(buf + 10), 1);
	ck_assert_int_eq(has_opt(buf, len), 0);
	ck_assert_int_eq(rr_ttl(buf, len, 0), 298);
	ck_assert_int_eq(rr_ttl(buf, len, 1), 298);
	ck_assert_uint_eq(get16(buf), 0xbeef);
	ck_assert_int_eq(lookup(c, "m.example", DNS_TYPE_A, 1, 0, T0 + 2000,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(has_opt(buf, len), 1);
	cache_free(c);
}
END_TEST

START_TEST(test_truncate)
{
	struct spec	 big = { .nan = 4, .ttl = { 60, 60, 60, 60 },
	    .opt = 1 };
	struct cache	*c = new_cache(4, &lim_default);
	struct query	 q;
	uint8_t		 a[DNS_MAXMSG], buf[DNS_MAXMSG];
	size_t		 n, len;

	/* 4 AAAA records: 28 bytes each, well past a 100-byte limit. */
	n = build(a, "t.example", DNS_TYPE_AAAA, &big);
	ck_assert_uint_gt(n, 120);
	ck_assert_int_eq(insert(c, "t.example", DNS_TYPE_AAAA, 0, &big, T0),
	    1);
	make_query(&q, "T.example", DNS_TYPE_AAAA, 0x4444, 1, 0);
	ck_assert_int_eq(cache_lookup(c, &q, T0, 100, buf, sizeof(buf), &len,
	    NULL), CACHE_FRESH);
	ck_assert_uint_le(len, 100);
	ck_assert(get16(buf + 2) & DNS_FLAG_TC);
	ck_assert_uint_eq(get16(buf + 6), 0);
	ck_assert_uint_eq(get16(buf), 0x4444);
	ck_assert_mem_eq(buf + DNS_HDRLEN, "\001T\007example", 11);
	/* A limit that fits: untouched, no TC. */
	ck_assert_int_eq(cache_lookup(c, &q, T0, n, buf, sizeof(buf), &len,
	    NULL), CACHE_FRESH);
	ck_assert_uint_eq(len, n);
	ck_assert(!(get16(buf + 2) & DNS_FLAG_TC));
	/* A buffer too small for the entry: a miss, nothing written. */
	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(cache_lookup(c, &q, T0, 100, buf, n - 1, &len,
	    NULL), CACHE_MISS);
	ck_assert_uint_eq(buf[0], 0xaa);
	cache_free(c);
}
END_TEST

/* Insert spec's answer (upstream flags upflags added) to a query with
 * header flags qflags. */
static int
insert_flags(struct cache *c, const char *name, uint16_t qflags,
    uint16_t upflags, uint64_t now)
{
	struct spec	 sp = sp_a;
	struct query	 q;
	uint8_t		 a[DNS_MAXMSG];
	size_t		 n;
	int		 rcode;

	sp.flags = upflags;
	make_query(&q, name, DNS_TYPE_A, 0x2222, 1, 0);
	q.flags = qflags;
	n = build(a, name, DNS_TYPE_A, &sp);
	ck_assert_int_eq(msg_check_answer(a, n, UPID, &q, &rcode), ANSWER_OK);
	return cache_insert(c, &q, a, n, now);
}

static enum cache_status
lookup_flags(struct cache *c, const char *name, uint16_t qflags, int dobit,
    uint8_t *buf, size_t *len)
{
	struct query	 q;

	make_query(&q, name, DNS_TYPE_A, 0xbeef, 1, dobit);
	q.flags = qflags;
	return cache_lookup(c, &q, T0, DNS_MAXMSG, buf, DNS_MAXMSG, len,
	    NULL);
}

/* A hit echoes the client's RD and CD (its own key) and sets RA. */
START_TEST(test_flags_mirrored)
{
	struct cache	*c = new_cache(4, &lim_default);
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 len;

	ck_assert_int_eq(insert_flags(c, "f.example", DNS_FLAG_CD, 0, T0), 1);
	ck_assert_int_eq(lookup_flags(c, "f.example", DNS_FLAG_CD, 0, buf,
	    &len), CACHE_FRESH);
	ck_assert(!(get16(buf + 2) & DNS_FLAG_RD));
	ck_assert(get16(buf + 2) & DNS_FLAG_CD);
	ck_assert(get16(buf + 2) & DNS_FLAG_QR);
	ck_assert(get16(buf + 2) & DNS_FLAG_RA);
	cache_free(c);
}
END_TEST

/*
 * CD and RD are part of the key: an answer fetched with CD=1 (not
 * validated upstream) is never served to a CD=0 client, nor one fetched
 * without recursion to a client that asked for it.
 */
START_TEST(test_cd_rd_key)
{
	static const struct {
		uint16_t	 ins;		/* flags of the query inserted */
		uint16_t	 look;		/* flags of the client */
		enum cache_status want;
	} cases[] = {
		{ DNS_FLAG_RD | DNS_FLAG_CD, DNS_FLAG_RD, CACHE_MISS },
		{ DNS_FLAG_RD | DNS_FLAG_CD, DNS_FLAG_RD | DNS_FLAG_CD,
		    CACHE_FRESH },
		{ DNS_FLAG_RD, DNS_FLAG_RD | DNS_FLAG_CD, CACHE_MISS },
		{ DNS_FLAG_RD, DNS_FLAG_RD, CACHE_FRESH },
		{ 0, DNS_FLAG_RD, CACHE_MISS },
		{ DNS_FLAG_RD, 0, CACHE_MISS },
		{ 0, 0, CACHE_FRESH },
	};
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 len, i;
	struct cache	*c;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = new_cache(4, &lim_default);
		ck_assert_int_eq(insert_flags(c, "k.example", cases[i].ins, 0,
		    T0), 1);
		ck_assert_msg(lookup_flags(c, "k.example", cases[i].look, 0,
		    buf, &len) == cases[i].want, "case %zu", i);
		cache_free(c);
	}
	/* A CD=1 answer is no evidence for the AAAA modes either. */
	c = new_cache(4, &lim_default);
	ck_assert_int_eq(insert_flags(c, "k.example", DNS_FLAG_RD |
	    DNS_FLAG_CD, 0, T0), 1);
	ck_assert_int_eq(cache_has_a(c, (const uint8_t *)"\001k\007example",
	    11, DNS_CLASS_IN, T0), 0);
	ck_assert_int_eq(insert_flags(c, "k.example", DNS_FLAG_RD, 0, T0), 1);
	ck_assert_int_eq(cache_has_a(c, (const uint8_t *)"\001k\007example",
	    11, DNS_CLASS_IN, T0), 1);
	cache_free(c);
}
END_TEST

/* A hit: AA never (briskdns is no authority), AD only for AD or DO. */
START_TEST(test_hit_aa_ad)
{
	static const struct {
		uint16_t	 qflags;
		int		 dobit;
		int		 want_ad;
	} cases[] = {
		{ DNS_FLAG_RD, 0, 0 },
		{ DNS_FLAG_RD | DNS_FLAG_AD, 0, 1 },
		{ DNS_FLAG_RD, 1, 1 },
	};
	struct cache	*c = new_cache(4, &lim_default);
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 len, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cache_clear(c);
		/* inserted for a query like the client's (AD is no key) */
		ck_assert_int_eq(insert_flags(c, "aa.example", DNS_FLAG_RD,
		    DNS_FLAG_AA | DNS_FLAG_AD, T0), 1);
		if (cases[i].dobit) {
			struct spec	 sp = sp_a;
			struct query	 q;
			uint8_t		 a[DNS_MAXMSG];
			size_t		 n;

			sp.flags = DNS_FLAG_AA | DNS_FLAG_AD;
			sp.dobit = 1;
			make_query(&q, "aa.example", DNS_TYPE_A, 1, 1, 1);
			n = build(a, "aa.example", DNS_TYPE_A, &sp);
			ck_assert_int_eq(cache_insert(c, &q, a, n, T0), 1);
		}
		ck_assert_int_eq(lookup_flags(c, "aa.example",
		    cases[i].qflags, cases[i].dobit, buf, &len), CACHE_FRESH);
		ck_assert(!(get16(buf + 2) & DNS_FLAG_AA));
		ck_assert(get16(buf + 2) & DNS_FLAG_RA);
		ck_assert_msg(((get16(buf + 2) & DNS_FLAG_AD) != 0) ==
		    cases[i].want_ad, "case %zu", i);
	}
	cache_free(c);
}
END_TEST

/*
 * An upstream answer with its OPT before a record whose name a later one
 * compresses against: cached, then served to a plain client, every name
 * reads as the upstream wrote it (the second, cached answer too).
 */
START_TEST(test_opt_before_compressed)
{
	/* www.example.com A; additional: OPT, ns1.other.org A, AAAA -> it */
	static const uint8_t ans[] = {
		0x11, 0x11, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 3,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 1,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0,
		3, 'n', 's', '1', 5, 'o', 't', 'h', 'e', 'r', 3, 'o', 'r',
		'g', 0, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 198, 51, 100, 1,
		0xc0, 60, 0, 28, 0, 1, 0, 0, 1, 0x2c, 0, 16,
		0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	};
	/* what a plain client must get (but for ID and TTLs) */
	static const uint8_t want_tail[] = {
		3, 'n', 's', '1', 5, 'o', 't', 'h', 'e', 'r', 3, 'o', 'r',
		'g', 0, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 198, 51, 100, 1,
		0xc0, 49, 0, 28, 0, 1, 0, 0, 1, 0x2c, 0, 16,
		0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	};
	struct cache	*c = new_cache(4, &lim_default);
	struct query	 q;
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 len;
	int		 rcode, round;

	make_query(&q, "www.example.com", DNS_TYPE_A, 0x2222, 0, 0);
	ck_assert_int_eq(msg_check_answer(ans, sizeof(ans), UPID, &q, &rcode),
	    ANSWER_OK);
	ck_assert_int_eq(cache_insert(c, &q, ans, sizeof(ans), T0), 1);
	for (round = 0; round < 2; round++) {
		ck_assert_int_eq(cache_lookup(c, &q, T0, 512, buf,
		    sizeof(buf), &len, NULL), CACHE_FRESH);
		ck_assert_uint_eq(len, sizeof(ans) - 11);
		ck_assert_uint_eq(get16(buf + 10), 2);
		ck_assert_mem_eq(buf + 49, want_tail, sizeof(want_tail));
		ck_assert(!(get16(buf + 2) & DNS_FLAG_TC));
	}
	cache_free(c);
}
END_TEST

/* Two OPT records: malformed (RFC 6891), never cached. */
START_TEST(test_two_opt_not_cached)
{
	static const uint8_t ans[] = {
		0x11, 0x11, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 2,
		1, 'x', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 1,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0,
	};
	struct cache	*c = new_cache(4, &lim_default);
	struct query	 q;
	uint8_t		 one[sizeof(ans)];

	make_query(&q, "x", DNS_TYPE_A, 0x2222, 1, 0);
	ck_assert_int_eq(cache_insert(c, &q, ans, sizeof(ans), T0), 0);
	memcpy(one, ans, sizeof(ans) - 11);	/* one OPT: kept */
	one[11] = 1;
	ck_assert_int_eq(cache_insert(c, &q, one, sizeof(ans) - 11, T0), 1);
	cache_free(c);
}
END_TEST

START_TEST(test_has_a_nxdomain)
{
	static const struct spec nx = { .rcode = DNS_RCODE_NXDOMAIN,
	    .soa = 1, .soattl = 60, .soamin = 60 };
	static const struct spec nodata = { .soa = 1, .soattl = 60,
	    .soamin = 60 };
	struct cache	*c = new_cache(16, &lim_default);
	uint8_t		 n1[DNS_MAXNAME], n2[DNS_MAXNAME], n3[DNS_MAXNAME];
	uint8_t		 n4[DNS_MAXNAME];
	size_t		 l1, l2, l3, l4;

	l1 = wire_name("Has.Example", n1);
	l2 = wire_name("nx.example", n2);
	l3 = wire_name("nodata.example", n3);
	l4 = wire_name("six.example", n4);
	ck_assert_int_eq(cache_has_a(c, n1, l1, DNS_CLASS_IN, T0), 0);
	ck_assert_int_eq(insert(c, "has.example", DNS_TYPE_A, 1, &sp_a, T0),
	    1);
	ck_assert_int_eq(insert(c, "nx.example", DNS_TYPE_AAAA, 0, &nx, T0),
	    1);
	ck_assert_int_eq(insert(c, "nodata.example", DNS_TYPE_A, 0, &nodata,
	    T0), 1);
	ck_assert_int_eq(insert(c, "six.example", DNS_TYPE_AAAA, 0, &sp_a,
	    T0), 1);

	ck_assert_int_eq(cache_has_a(c, n1, l1, DNS_CLASS_IN, T0), 1);
	ck_assert_int_eq(cache_has_a(c, n1, l1, DNS_CLASS_IN,
	    T0 + 299999), 1);
	ck_assert_int_eq(cache_has_a(c, n1, l1, DNS_CLASS_IN, T0 + 300000),
	    0);
	ck_assert_int_eq(cache_has_a(c, n1, l1, 3, T0), 0);
	ck_assert_int_eq(cache_has_a(c, n2, l2, DNS_CLASS_IN, T0), 0);
	ck_assert_int_eq(cache_has_a(c, n3, l3, DNS_CLASS_IN, T0), 0);
	ck_assert_int_eq(cache_has_a(c, n4, l4, DNS_CLASS_IN, T0), 0);
	ck_assert_int_eq(cache_has_a(c, n1, 0, DNS_CLASS_IN, T0), 0);

	ck_assert_int_eq(cache_nxdomain(c, n2, l2, DNS_CLASS_IN, T0), 1);
	ck_assert_int_eq(cache_nxdomain(c, n2, l2, DNS_CLASS_IN,
	    T0 + 60000), 0);
	ck_assert_int_eq(cache_nxdomain(c, n1, l1, DNS_CLASS_IN, T0), 0);
	ck_assert_int_eq(cache_nxdomain(c, n3, l3, DNS_CLASS_IN, T0), 0);
	/* An NXDOMAIN for A counts too. */
	ck_assert_int_eq(insert(c, "six.example", DNS_TYPE_A, 1, &nx, T0), 1);
	ck_assert_int_eq(cache_nxdomain(c, n4, l4, DNS_CLASS_IN, T0), 1);
	cache_free(c);
}
END_TEST

START_TEST(test_clear)
{
	struct cache		*c = new_cache(8, &lim_default);
	struct cache_stats	 st, st0;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 len;

	cache_get_stats(c, &st0);
	ck_assert_uint_eq(st0.entries, 0);
	ck_assert_uint_gt(st0.bytes, 0);	/* the table */
	ck_assert_int_eq(insert(c, "c1.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(insert(c, "c2.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 2);
	ck_assert_uint_gt(st.bytes, st0.bytes);
	cache_clear(c);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.bytes, st0.bytes);
	ck_assert_int_eq(lookup(c, "c1.example", DNS_TYPE_A, 1, 0, T0, buf,
	    &len, NULL), CACHE_MISS);
	/* Usable again. */
	ck_assert_int_eq(insert(c, "c1.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(lookup(c, "c1.example", DNS_TYPE_A, 1, 0, T0, buf,
	    &len, NULL), CACHE_FRESH);
	cache_free(c);
	cache_free(NULL);
}
END_TEST

/* ---- the control socket: flush NAME, dump-cache ----------------------- */

/* flush NAME drops that name's entries, every type and DO bit, any
 * letter case, and nothing else (not a name below it). */
START_TEST(test_flush_name)
{
	struct cache		*c = new_cache(16, &lim_default);
	struct cache_stats	 st;
	static const struct spec sp_aaaa = { .nan = 1, .ttl = { 300 },
	    .opt = 1 };
	uint8_t			 buf[DNS_MAXMSG], w[DNS_MAXNAME];
	size_t			 len, wl;

	ck_assert_int_eq(insert(c, "f.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(insert(c, "f.example", DNS_TYPE_A, 1, &sp_a, T0), 1);
	ck_assert_int_eq(insert(c, "f.example", DNS_TYPE_AAAA, 0, &sp_aaaa,
	    T0), 1);
	ck_assert_int_eq(insert(c, "sub.f.example", DNS_TYPE_A, 0, &sp_a,
	    T0), 1);
	ck_assert_int_eq(insert(c, "g.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	wl = wire_name("F.Example", w);
	ck_assert_uint_eq(cache_flush_name(c, w, wl), 3);
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 2);
	ck_assert_int_eq(lookup(c, "f.example", DNS_TYPE_A, 1, 0, T0, buf,
	    &len, NULL), CACHE_MISS);
	ck_assert_int_eq(lookup(c, "f.example", DNS_TYPE_AAAA, 1, 0, T0, buf,
	    &len, NULL), CACHE_MISS);
	ck_assert_int_eq(lookup(c, "sub.f.example", DNS_TYPE_A, 1, 0, T0,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_int_eq(lookup(c, "g.example", DNS_TYPE_A, 1, 0, T0, buf,
	    &len, NULL), CACHE_FRESH);
	/* Absent, or no possible name: nothing. */
	ck_assert_uint_eq(cache_flush_name(c, w, wl), 0);
	ck_assert_uint_eq(cache_flush_name(c, w, 0), 0);
	cache_free(c);
}
END_TEST

struct walk_seen {
	int		 n;
	uint16_t	 qtype[8];
	int		 rcode[8];
	int		 dobit[8];
	uint32_t	 age[8];
	int64_t		 left[8];
	int		 stop_at;
};

static int
walk_fn(const struct cache_view *v, void *arg)
{
	struct walk_seen	*w = arg;

	ck_assert_int_lt(w->n, 8);
	ck_assert_uint_ge(v->len, DNS_HDRLEN);
	w->qtype[w->n] = v->qtype;
	w->rcode[w->n] = v->rcode;
	w->dobit[w->n] = v->dobit;
	w->age[w->n] = v->age_s;
	w->left[w->n] = v->left_ms;
	w->n++;
	return w->n == w->stop_at ? 7 : 0;
}

/* cache_walk: every entry, most recently used first, with its age and
 * time left; stops when told. */
START_TEST(test_walk)
{
	struct cache		*c = new_cache(16, &lim_default);
	static const struct spec sp_nx = { .rcode = DNS_RCODE_NXDOMAIN,
	    .soa = 1, .soattl = 900, .soamin = 60, .opt = 1 };
	struct walk_seen	 w;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 len;

	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(cache_walk(c, T0, walk_fn, &w), 0);
	ck_assert_int_eq(w.n, 0);
	ck_assert_int_eq(insert(c, "w1.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	ck_assert_int_eq(insert(c, "w2.example", DNS_TYPE_A, 1, &sp_nx,
	    T0 + 1000), 1);
	/* A hit makes w1 the most recent. */
	ck_assert_int_eq(lookup(c, "w1.example", DNS_TYPE_A, 1, 0, T0 + 2000,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_int_eq(cache_walk(c, T0 + 10500, walk_fn, &w), 0);
	ck_assert_int_eq(w.n, 2);
	ck_assert_int_eq(w.rcode[0], DNS_RCODE_NOERROR);
	ck_assert_int_eq(w.dobit[0], 0);
	ck_assert_uint_eq(w.age[0], 10);
	ck_assert_int_eq(w.left[0], 300000 - 10500);
	ck_assert_int_eq(w.rcode[1], DNS_RCODE_NXDOMAIN);
	ck_assert_int_eq(w.dobit[1], 1);
	ck_assert_uint_eq(w.age[1], 9);
	ck_assert_int_eq(w.left[1], 60000 - 9500);
	/* Expired: time left below 0. */
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(cache_walk(c, T0 + 400000, walk_fn, &w), 0);
	ck_assert_int_lt(w.left[0], 0);
	/* Stopped by the callback: its value. */
	memset(&w, 0, sizeof(w));
	w.stop_at = 1;
	ck_assert_int_eq(cache_walk(c, T0, walk_fn, &w), 7);
	ck_assert_int_eq(w.n, 1);
	cache_free(c);
}
END_TEST

struct part_seen {
	int	 count[64];
};

static void
part_fn(const struct cache_view *v, void *arg)
{
	struct part_seen	*p = arg;
	int			 i;

	/* The names are pNN.example: NN from the question. */
	ck_assert_uint_ge(v->len, DNS_HDRLEN + 4);
	i = atoi((const char *)v->ans + DNS_HDRLEN + 2);
	ck_assert_int_lt(i, 64);
	p->count[i]++;
}

/* cache_walk_part: in pieces, each entry once, resumed after changes;
 * a removed entry is not shown, nothing is shown twice. */
START_TEST(test_walk_part)
{
	struct cache		*c = new_cache(64, &lim_default);
	struct part_seen	 p;
	char			 name[32];
	uint8_t			 w[DNS_MAXNAME];
	size_t			 pos = 0, wl;
	int			 i, calls = 0, more;

	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "p%02d.example", i);
		ck_assert_int_eq(insert(c, name, DNS_TYPE_A, 0, &sp_a, T0), 1);
	}
	memset(&p, 0, sizeof(p));
	do {
		more = cache_walk_part(c, T0, &pos, 3, part_fn, &p);
		if (calls++ == 2) {
			/* Meanwhile: p49 goes, p50..p52 come, p00 again. */
			wl = wire_name("p49.example", w);
			ck_assert_uint_eq(cache_flush_name(c, w, wl), 1);
			for (i = 50; i < 53; i++) {
				snprintf(name, sizeof(name), "p%02d.example",
				    i);
				ck_assert_int_eq(insert(c, name, DNS_TYPE_A, 0,
				    &sp_a, T0), 1);
			}
			ck_assert_int_eq(insert(c, "p00.example",
			    DNS_TYPE_A, 0, &sp_a, T0 + 1), 1);
		}
	} while (more);
	ck_assert_int_gt(calls, 5);
	for (i = 0; i < 53; i++)
		ck_assert_int_le(p.count[i], 1);
	for (i = 0; i < 49; i++)
		ck_assert_msg(p.count[i] == 1, "p%02d seen %d times", i,
		    p.count[i]);
	/* Past the end: nothing more. */
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(cache_walk_part(c, T0, &pos, 3, part_fn, &p), 0);
	for (i = 0; i < 53; i++)
		ck_assert_int_eq(p.count[i], 0);
	cache_free(c);
}
END_TEST

/* A malformed answer that slipped past: nothing kept, nothing read out. */
START_TEST(test_malformed)
{
	struct cache	*c = new_cache(4, &lim_default);
	struct query	 q;
	uint8_t		 a[DNS_MAXMSG];
	size_t		 n, cut;

	make_query(&q, "x.example", DNS_TYPE_A, 1, 1, 0);
	n = build(a, "x.example", DNS_TYPE_A, &sp_a);
	/* Every truncation of a good answer. */
	for (cut = 0; cut < n; cut++) {
		uint8_t	*copy = malloc(cut > 0 ? cut : 1);

		memcpy(copy, a, cut);
		ck_assert_int_eq(cache_insert(c, &q, copy, cut, T0), 0);
		free(copy);
	}
	/* A question other than q's. */
	make_query(&q, "y.example", DNS_TYPE_A, 1, 1, 0);
	ck_assert_int_eq(cache_insert(c, &q, a, n, T0), 0);
	make_query(&q, "x.example", DNS_TYPE_AAAA, 1, 1, 0);
	ck_assert_int_eq(cache_insert(c, &q, a, n, T0), 0);
	/* Trailing junk is not kept. */
	make_query(&q, "x.example", DNS_TYPE_A, 1, 1, 0);
	a[n] = 0xde;
	ck_assert_int_eq(cache_insert(c, &q, a, n + 1, T0), 1);
	{
		uint8_t	 buf[DNS_MAXMSG];
		size_t	 len;

		ck_assert_int_eq(cache_lookup(c, &q, T0, DNS_MAXMSG, buf,
		    sizeof(buf), &len, NULL), CACHE_FRESH);
		ck_assert_uint_eq(len, n);
	}
	cache_free(c);
}
END_TEST

/* ---- scale and the hot path ----------------------------------------------- */

#define BIG	100000

START_TEST(test_big)
{
	struct cache		*c = new_cache(BIG, &lim_default);
	struct cache_stats	 st;
	uint8_t			 buf[DNS_MAXMSG];
	char			 name[64];
	size_t			 len, alen;
	unsigned int		 i, round;

	for (round = 0; round < 2; round++)
		for (i = 0; i < BIG; i++) {
			snprintf(name, sizeof(name), "h%u-%u.example.com",
			    round, i);
			ck_assert_int_eq(insert(c, name, DNS_TYPE_A, 0, &sp_a,
			    T0 + round), 1);
		}
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, BIG);
	ck_assert_uint_eq(st.evictions, BIG);
	ck_assert_uint_eq(st.inserts, 2 * BIG);
	/* The second round is in, the first gone. */
	ck_assert_int_eq(lookup(c, "h1-0.example.com", DNS_TYPE_A, 1, 0, T0,
	    buf, &len, NULL), CACHE_FRESH);
	ck_assert_int_eq(lookup(c, "h1-99999.example.com", DNS_TYPE_A, 1, 0,
	    T0, buf, &alen, NULL), CACHE_FRESH);
	ck_assert_int_eq(lookup(c, "h0-99999.example.com", DNS_TYPE_A, 1, 0,
	    T0, buf, &len, NULL), CACHE_MISS);
	/* The memory aim: under 300 bytes per cached A answer. */
	printf("cache: %llu entries, %llu bytes, %.1f bytes per A answer "
	    "(entry %zu bytes of wire answer)\n",
	    (unsigned long long)st.entries, (unsigned long long)st.bytes,
	    (double)st.bytes / (double)st.entries, alen);
	ck_assert_uint_lt(st.bytes / st.entries, 300);
	cache_free(c);
}
END_TEST

START_TEST(test_hit_no_alloc)
{
	struct cache	*c = new_cache(64, &lim_default);
	struct query	 q, q2;
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 len;
	unsigned int	 i;
	unsigned long	 n;

	ck_assert_int_eq(insert(c, "z.example", DNS_TYPE_A, 0, &sp_a, T0), 1);
	make_query(&q, "Z.example", DNS_TYPE_A, 9, 1, 0);
	make_query(&q2, "z.Example", DNS_TYPE_A, 9, 0, 0);

	/* The counter works: an insert allocates. */
	{
		uint8_t	 a[DNS_MAXMSG];
		size_t	 an = build(a, "z.example", DNS_TYPE_A, &sp_a);

		alloc_start();
		ck_assert_int_eq(cache_insert(c, &q, a, an, T0), 1);
		n = alloc_stop();
		ck_assert_uint_gt(n, 0);
	}

	alloc_start();
	for (i = 0; i < 1000; i++) {
		const struct query	*qq = (i & 1) ? &q : &q2;
		enum cache_status	 st;

		st = cache_lookup(c, qq, T0 + i * 10, DNS_MAXMSG, buf,
		    sizeof(buf), &len, NULL);
		if (st != CACHE_FRESH)
			break;
	}
	n = alloc_stop();
	ck_assert_uint_eq(i, 1000);
	ck_assert_uint_eq(n, 0);
	cache_free(c);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc;

	tc = tcase_create("answers");
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_countdown);
	tcase_add_loop_test(tc, test_lifetime, 0,
	    sizeof(life_cases) / sizeof(life_cases[0]));
	tcase_add_test(tc, test_servfail_ttls);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_test(tc, test_lru);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_prefetch);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_flush_name);
	tcase_add_test(tc, test_walk);
	tcase_add_test(tc, test_walk_part);
	suite_add_tcase(s, tc);

	tc = tcase_create("clients");
	tcase_add_test(tc, test_do_bit);
	tcase_add_test(tc, test_strip_opt);
	tcase_add_test(tc, test_truncate);
	tcase_add_test(tc, test_flags_mirrored);
	tcase_add_test(tc, test_cd_rd_key);
	tcase_add_test(tc, test_hit_aa_ad);
	tcase_add_test(tc, test_opt_before_compressed);
	tcase_add_test(tc, test_two_opt_not_cached);
	tcase_add_test(tc, test_has_a_nxdomain);
	suite_add_tcase(s, tc);

	tc = tcase_create("scale");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_big);
	tcase_add_test(tc, test_hit_no_alloc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(cache_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
