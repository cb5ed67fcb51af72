/*
 * test_domtab.c: the domain table: longest match, wildcards, flags,
 * dnsmasq's priorities on one pattern, the memory bound with a million
 * rules, and a lookup whose cost does not grow with the rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "domtab.h"
#include "unit.h"

#define T_A	1
#define T_AAAA	28
#define T_TXT	16

static int
ins(struct domtab *dt, const char *pat, enum domtab_op op, const char *addr,
    uint32_t arg)
{
	uint8_t	 a[16];

	if (op == DOMTAB_ADDR4)
		ck_assert_int_eq(inet_pton(AF_INET, addr, a), 1);
	else if (op == DOMTAB_ADDR6)
		ck_assert_int_eq(inet_pton(AF_INET6, addr, a), 1);
	return domtab_insert(dt, pat, strlen(pat), op, a, arg);
}

static enum domtab_kind
look(const struct domtab *dt, const char *name, uint16_t qtype,
    struct domtab_match *m)
{
	uint8_t	 w[256];
	size_t	 n = wire_name(name, w);

	return domtab_lookup(dt, w, n, qtype, m);
}

static unsigned
flags(const struct domtab *dt, const char *name)
{
	uint8_t	 w[256];
	size_t	 n = wire_name(name, w);

	return domtab_flags(dt, w, n);
}

/* "1.2.3.4" of the i-th address of m. */
static const char *
addr_at(const struct domtab_match *m, size_t i, char *buf)
{
	inet_ntop(m->addrlen == 4 ? AF_INET : AF_INET6,
	    m->addrs + i * m->addrlen, buf, INET6_ADDRSTRLEN);
	return buf;
}

/* A table as dnsmasq.conf lines would make it. */
static struct domtab *
sample(void)
{
	struct domtab	*dt = domtab_new();

	ck_assert_ptr_nonnull(dt);
	ck_assert_int_eq(ins(dt, "example.com", DOMTAB_SERVER, NULL, 1), 0);
	ck_assert_int_eq(ins(dt, "www.example.com", DOMTAB_SERVER, NULL, 2),
	    0);
	ck_assert_int_eq(ins(dt, "def.example.com", DOMTAB_DEFAULT, NULL, 0),
	    0);
	ck_assert_int_eq(ins(dt, "lan", DOMTAB_LOCAL, NULL, 0), 0);
	ck_assert_int_eq(ins(dt, "blk.test", DOMTAB_ADDR4, "1.2.3.4", 0), 0);
	ck_assert_int_eq(ins(dt, "blk.test", DOMTAB_ADDR4, "5.6.7.8", 0), 0);
	ck_assert_int_eq(ins(dt, "blk.test", DOMTAB_ADDR4, "1.2.3.4", 0), 0);
	ck_assert_int_eq(ins(dt, "z.test", DOMTAB_ZEROS, NULL, 0), 0);
	ck_assert_int_eq(ins(dt, "both.test", DOMTAB_ADDR4, "1.2.3.4", 0), 0);
	ck_assert_int_eq(ins(dt, "both.test", DOMTAB_LOCAL, NULL, 0), 0);
	ck_assert_int_eq(ins(dt, "six.test", DOMTAB_ADDR6, "::1", 0), 0);
	ck_assert_int_eq(ins(dt, "p.test", DOMTAB_ADDR4, "1.2.3.4", 0), 0);
	ck_assert_int_eq(ins(dt, "p.test", DOMTAB_SERVER, NULL, 3), 0);
	ck_assert_int_eq(ins(dt, "l.test", DOMTAB_LOCAL, NULL, 0), 0);
	ck_assert_int_eq(ins(dt, "a.l.test", DOMTAB_ADDR4, "1.1.1.1", 0), 0);
	ck_assert_int_eq(ins(dt, "*wild.test", DOMTAB_ADDR4, "9.9.9.9", 0), 0);
	ck_assert_int_eq(ins(dt, "wild.test", DOMTAB_ADDR4, "8.8.8.8", 0), 0);
	ck_assert_int_eq(ins(dt, "*.below.test", DOMTAB_ADDR4, "7.7.7.7", 0),
	    0);
	ck_assert_int_eq(ins(dt, ".dot.test", DOMTAB_ADDR4, "5.5.5.5", 0), 0);
	ck_assert_int_eq(ins(dt, "", DOMTAB_LOCAL, NULL, 0), 0);
	ck_assert_int_eq(ins(dt, "#", DOMTAB_ADDR4, "6.6.6.6", 0), 0);
	ck_assert_int_eq(ins(dt, "Fwd.Example.NET.", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_FORWARD), 0);
	ck_assert_int_eq(ins(dt, "in.fwd.example.net", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_REBIND_OK), 0);
	ck_assert_int_eq(domtab_finish(dt), 0);
	return dt;
}

/* name, qtype, kind, route, addresses ("a b" in answer order) */
static const struct {
	const char		*name;
	uint16_t		 qtype;
	enum domtab_kind	 kind;
	uint32_t		 route;
	const char		*addrs;
} cases[] = {
	{ "example.com", T_A, DOMTAB_FORWARD, 1, NULL },
	{ "a.b.example.com", T_TXT, DOMTAB_FORWARD, 1, NULL },
	{ "www.example.com", T_A, DOMTAB_FORWARD, 2, NULL },
	{ "x.www.example.com", T_A, DOMTAB_FORWARD, 2, NULL },
	{ "wwwexample.com", T_A, DOMTAB_ADDRESS, 0, "6.6.6.6" },
	{ "def.example.com", T_A, DOMTAB_FORWARD, 0, NULL },
	{ "x.def.example.com", T_AAAA, DOMTAB_FORWARD, 0, NULL },
	{ "lan", T_A, DOMTAB_NXDOMAIN, 0, NULL },
	{ "host.lan", T_TXT, DOMTAB_NXDOMAIN, 0, NULL },
	/* Newest first, a repeated address once. */
	{ "a.blk.test", T_A, DOMTAB_ADDRESS, 0, "5.6.7.8 1.2.3.4" },
	/* Other types go on (2.86+): here to the default servers. */
	{ "blk.test", T_AAAA, DOMTAB_NONE, 0, NULL },
	{ "blk.test", T_TXT, DOMTAB_NONE, 0, NULL },
	{ "z.test", T_A, DOMTAB_ADDRESS, 0, "0.0.0.0" },
	{ "z.test", T_AAAA, DOMTAB_ADDRESS, 0, "::" },
	{ "z.test", T_TXT, DOMTAB_NONE, 0, NULL },
	{ "both.test", T_A, DOMTAB_ADDRESS, 0, "1.2.3.4" },
	{ "both.test", T_AAAA, DOMTAB_NODATA, 0, NULL },
	{ "both.test", T_TXT, DOMTAB_NODATA, 0, NULL },
	{ "six.test", T_AAAA, DOMTAB_ADDRESS, 0, "::1" },
	{ "six.test", T_A, DOMTAB_ADDRESS, 0, "6.6.6.6" },
	{ "p.test", T_A, DOMTAB_ADDRESS, 0, "1.2.3.4" },
	{ "p.test", T_AAAA, DOMTAB_FORWARD, 3, NULL },
	{ "q.l.test", T_A, DOMTAB_NXDOMAIN, 0, NULL },
	/* Nothing for AAAA at a.l.test: l.test's local decides. */
	{ "a.l.test", T_AAAA, DOMTAB_NXDOMAIN, 0, NULL },
	{ "b.a.l.test", T_A, DOMTAB_ADDRESS, 0, "1.1.1.1" },
	{ "superwild.test", T_A, DOMTAB_ADDRESS, 0, "9.9.9.9" },
	{ "wild.test", T_A, DOMTAB_ADDRESS, 0, "8.8.8.8" },
	{ "x.wild.test", T_A, DOMTAB_ADDRESS, 0, "8.8.8.8" },
	{ "below.test", T_A, DOMTAB_ADDRESS, 0, "6.6.6.6" },
	{ "x.below.test", T_A, DOMTAB_ADDRESS, 0, "7.7.7.7" },
	{ "dot.test", T_A, DOMTAB_ADDRESS, 0, "5.5.5.5" },
	{ "x.dot.test", T_A, DOMTAB_ADDRESS, 0, "5.5.5.5" },
	{ "plain", T_A, DOMTAB_NXDOMAIN, 0, NULL },
	{ "plain", T_TXT, DOMTAB_NXDOMAIN, 0, NULL },
	{ "other.org", T_A, DOMTAB_ADDRESS, 0, "6.6.6.6" },
	{ "other.org", T_AAAA, DOMTAB_NONE, 0, NULL },
	/* Another class: qtype 0, no addresses. */
	{ "other.org", 0, DOMTAB_NONE, 0, NULL },
	{ "BLK.Test", T_A, DOMTAB_ADDRESS, 0, "5.6.7.8 1.2.3.4" },
	{ ".", T_A, DOMTAB_ADDRESS, 0, "6.6.6.6" },
};

START_TEST(test_lookup)
{
	struct domtab		*dt = sample();
	struct domtab_match	 m;
	char			 got[256], ab[INET6_ADDRSTRLEN];
	size_t			 i;

	ck_assert_int_eq(look(dt, cases[_i].name, cases[_i].qtype, &m),
	    cases[_i].kind);
	ck_assert_int_eq(m.kind, cases[_i].kind);
	ck_assert_uint_eq(m.route, cases[_i].route);
	if (cases[_i].addrs != NULL) {
		got[0] = '\0';
		for (i = 0; i < m.naddrs; i++) {
			if (i > 0)
				strcat(got, " ");
			strcat(got, addr_at(&m, i, ab));
		}
		ck_assert_str_eq(got, cases[_i].addrs);
	}
	domtab_free(dt);
}
END_TEST

START_TEST(test_flags)
{
	struct domtab	*dt = sample();

	ck_assert_uint_eq(flags(dt, "fwd.example.net"), DOMTAB_F_AAAA_FORWARD);
	ck_assert_uint_eq(flags(dt, "a.fwd.example.net"),
	    DOMTAB_F_AAAA_FORWARD);
	/* Any enclosing pattern: both flags. */
	ck_assert_uint_eq(flags(dt, "x.in.fwd.example.net"),
	    DOMTAB_F_AAAA_FORWARD | DOMTAB_F_REBIND_OK);
	ck_assert_uint_eq(flags(dt, "example.net"), 0);
	ck_assert_uint_eq(flags(dt, "xfwd.example.net"), 0);
	ck_assert_uint_eq(flags(dt, "example.com"), 0);
	domtab_free(dt);
}
END_TEST

static enum domtab_aaaa
aaaa(const struct domtab *dt, const char *name)
{
	uint8_t	 w[256];
	size_t	 n = wire_name(name, w);

	return domtab_aaaa(dt, w, n);
}

/* aaaa-forward= and aaaa-empty=: the longest pattern of either wins. */
START_TEST(test_aaaa)
{
	struct domtab	*dt = domtab_new();

	ck_assert_int_eq(ins(dt, "example.com", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_FORWARD), 0);
	ck_assert_int_eq(ins(dt, "tv.example.com", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_EMPTY), 0);
	ck_assert_int_eq(ins(dt, "slow.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_EMPTY), 0);
	ck_assert_int_eq(ins(dt, "fast.slow.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_FORWARD), 0);
	ck_assert_int_eq(ins(dt, "*cdn.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_EMPTY), 0);
	ck_assert_int_eq(ins(dt, "cdn.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_FORWARD), 0);
	ck_assert_int_eq(ins(dt, "*.w.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_EMPTY), 0);
	/* A pattern with other rules only does not stop the walk. */
	ck_assert_int_eq(ins(dt, "a.tv.example.com", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_REBIND_OK), 0);
	ck_assert_int_eq(ins(dt, "b.tv.example.com", DOMTAB_SERVER, NULL, 1),
	    0);
	/* Equal patterns: the later line. */
	ck_assert_int_eq(ins(dt, "twice.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_FORWARD), 0);
	ck_assert_int_eq(ins(dt, ".twice.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_EMPTY), 0);
	ck_assert_int_eq(ins(dt, "again.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_EMPTY), 0);
	ck_assert_int_eq(ins(dt, "again.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_FORWARD | DOMTAB_F_REBIND_OK), 0);
	ck_assert_int_eq(domtab_finish(dt), 0);

	/* Empty inside forward. */
	ck_assert_int_eq(aaaa(dt, "example.com"), DOMTAB_AAAA_FORWARD);
	ck_assert_int_eq(aaaa(dt, "www.example.com"), DOMTAB_AAAA_FORWARD);
	ck_assert_int_eq(aaaa(dt, "xtv.example.com"), DOMTAB_AAAA_FORWARD);
	ck_assert_int_eq(aaaa(dt, "tv.example.com"), DOMTAB_AAAA_EMPTY);
	ck_assert_int_eq(aaaa(dt, "x.tv.example.com"), DOMTAB_AAAA_EMPTY);
	ck_assert_int_eq(aaaa(dt, "a.tv.example.com"), DOMTAB_AAAA_EMPTY);
	ck_assert_int_eq(aaaa(dt, "x.b.tv.example.com"), DOMTAB_AAAA_EMPTY);
	/* Forward inside empty. */
	ck_assert_int_eq(aaaa(dt, "slow.test"), DOMTAB_AAAA_EMPTY);
	ck_assert_int_eq(aaaa(dt, "x.slow.test"), DOMTAB_AAAA_EMPTY);
	ck_assert_int_eq(aaaa(dt, "fast.slow.test"), DOMTAB_AAAA_FORWARD);
	ck_assert_int_eq(aaaa(dt, "a.fast.slow.test"), DOMTAB_AAAA_FORWARD);
	/* Wildcards: the plain pattern first at one length. */
	ck_assert_int_eq(aaaa(dt, "cdn.test"), DOMTAB_AAAA_FORWARD);
	ck_assert_int_eq(aaaa(dt, "x.cdn.test"), DOMTAB_AAAA_FORWARD);
	ck_assert_int_eq(aaaa(dt, "fastcdn.test"), DOMTAB_AAAA_EMPTY);
	ck_assert_int_eq(aaaa(dt, "w.test"), DOMTAB_AAAA_NONE);
	ck_assert_int_eq(aaaa(dt, "a.w.test"), DOMTAB_AAAA_EMPTY);
	/* Equal patterns. */
	ck_assert_int_eq(aaaa(dt, "twice.test"), DOMTAB_AAAA_EMPTY);
	ck_assert_int_eq(aaaa(dt, "again.test"), DOMTAB_AAAA_FORWARD);
	ck_assert_uint_eq(flags(dt, "again.test"),
	    DOMTAB_F_AAAA_FORWARD | DOMTAB_F_REBIND_OK);
	/* Neither. */
	ck_assert_int_eq(aaaa(dt, "other.test"), DOMTAB_AAAA_NONE);
	ck_assert_int_eq(aaaa(dt, "com"), DOMTAB_AAAA_NONE);
	ck_assert_int_eq(aaaa(NULL, "example.com"), DOMTAB_AAAA_NONE);
	domtab_free(dt);

	/* "#" (any) is the last resort: longer patterns first. */
	dt = domtab_new();
	ck_assert_int_eq(ins(dt, "#", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_EMPTY), 0);
	ck_assert_int_eq(ins(dt, "ok.test", DOMTAB_FLAGS, NULL,
	    DOMTAB_F_AAAA_FORWARD), 0);
	ck_assert_int_eq(domtab_finish(dt), 0);
	ck_assert_int_eq(aaaa(dt, "a.ok.test"), DOMTAB_AAAA_FORWARD);
	ck_assert_int_eq(aaaa(dt, "a.other.test"), DOMTAB_AAAA_EMPTY);
	ck_assert_int_eq(aaaa(dt, "host"), DOMTAB_AAAA_EMPTY);
	domtab_free(dt);
}
END_TEST

START_TEST(test_patterns)
{
	struct domtab		*dt = domtab_new();
	struct domtab_match	 m;
	static const char *const bad[] = { "a..b", "*", "*.", "..", "..a",
	    "a b", "a/b", "-\xff", "##" };
	char			 big[300];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		errno = 0;
		ck_assert_msg(ins(dt, bad[i], DOMTAB_LOCAL, NULL, 0) == -1,
		    "%s accepted", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(domtab_insert(dt, big, 254, DOMTAB_LOCAL, NULL, 0),
	    -1);
	memset(big, 'a', 64);
	ck_assert_int_eq(domtab_insert(dt, big, 64, DOMTAB_LOCAL, NULL, 0),
	    -1);
	ck_assert_int_eq(domtab_insert(dt, "x", 1, DOMTAB_SERVER, NULL, 0), -1);
	ck_assert_uint_eq(domtab_count(dt), 0);
	/* The same pattern in its spellings: one rule. */
	ck_assert_int_eq(ins(dt, "Ex.com", DOMTAB_LOCAL, NULL, 0), 0);
	ck_assert_int_eq(ins(dt, ".ex.com.", DOMTAB_LOCAL, NULL, 0), 0);
	ck_assert_int_eq(ins(dt, "ex.com", DOMTAB_SERVER, NULL, 4), 0);
	ck_assert_int_eq(ins(dt, "ex.com", DOMTAB_SERVER, NULL, 5), 0);
	ck_assert_uint_eq(domtab_count(dt), 1);
	ck_assert_int_eq(domtab_finish(dt), 0);
	ck_assert_int_eq(look(dt, "ex.com", T_A, &m), DOMTAB_FORWARD);
	ck_assert_uint_eq(m.route, 4);
	/* Finished: read only. */
	ck_assert_int_eq(ins(dt, "y.com", DOMTAB_LOCAL, NULL, 0), -1);
	/* A label with a dot inside is not two labels. */
	{
		uint8_t w[] = "\006ex.com";

		ck_assert_int_eq(domtab_lookup(dt, w, sizeof(w), T_A, &m),
		    DOMTAB_NONE);
	}
	domtab_free(dt);
	domtab_free(NULL);
}
END_TEST

START_TEST(test_addr_cap)
{
	struct domtab	*dt = domtab_new();
	uint8_t		 a[4] = { 10, 0, 0, 0 };
	int		 i;

	for (i = 0; i < 256; i++) {
		a[3] = (uint8_t)i;
		ck_assert_int_eq(domtab_insert(dt, "x", 1, DOMTAB_ADDR4, a, 0),
		    0);
	}
	a[2] = 1;
	errno = 0;
	ck_assert_int_eq(domtab_insert(dt, "x", 1, DOMTAB_ADDR4, a, 0), -1);
	ck_assert_int_eq(errno, ENOSPC);
	domtab_free(dt);
}
END_TEST

#define MILLION		1000000

/* A random-looking name of 8 to 15 letters under .example, like a
 * blocklist's; deterministic. */
static size_t
rand_name(uint32_t *seed, char *buf)
{
	size_t	 n, i;

	*seed = *seed * 1103515245u + 12345u;
	n = 8 + (*seed >> 16) % 8;
	for (i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		buf[i] = 'a' + (*seed >> 16) % 26;
	}
	memcpy(buf + n, ".example", 8);
	return n + 8;
}

static double
lookup_ns(const struct domtab *dt, int rounds)
{
	struct domtab_match	 m;
	struct timespec		 t0, t1;
	uint8_t			 w[256];
	size_t			 n = wire_name("www.cached-name.example.org", w);
	int			 i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rounds; i++)
		(void)domtab_lookup(dt, w, n, T_A, &m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	    rounds;
}

START_TEST(test_million)
{
	struct domtab		*dt = domtab_new(), *small = domtab_new();
	struct domtab_match	 m;
	uint8_t			 zero[4] = { 0 }, w[256];
	char			 name[32], first[32];
	uint32_t		 seed = 1;
	size_t			 i, len, bytes;
	double			 big_ns, small_ns;

	for (i = 0; i < MILLION; i++) {
		len = rand_name(&seed, name);
		if (i == 0) {
			memcpy(first, name, len);
			first[len] = '\0';
		}
		ck_assert_int_eq(domtab_insert(dt, name, len, DOMTAB_ADDR4,
		    zero, 0), 0);
	}
	ck_assert_int_eq(domtab_finish(dt), 0);
	ck_assert_uint_ge(domtab_count(dt), MILLION - 1000);
	bytes = domtab_bytes(dt);
	fprintf(stderr, "domtab: %zu rules, %zu bytes, %.1f bytes a rule\n",
	    domtab_count(dt), bytes, (double)bytes / domtab_count(dt));
	ck_assert_uint_lt(bytes, (size_t)64 * domtab_count(dt));
	len = wire_name(first, w);
	ck_assert_int_eq(domtab_lookup(dt, w, len, T_A, &m), DOMTAB_ADDRESS);
	ck_assert_uint_eq(m.naddrs, 1);
	ck_assert_int_eq(memcmp(m.addrs, zero, 4), 0);

	/* The lookup of a name no rule matches costs what it costs with
	 * ten rules (a generous factor for cache misses). */
	for (i = 0; i < 10; i++) {
		len = rand_name(&seed, name);
		ck_assert_int_eq(domtab_insert(small, name, len, DOMTAB_ADDR4,
		    zero, 0), 0);
	}
	ck_assert_int_eq(domtab_finish(small), 0);
	small_ns = lookup_ns(small, 200000);
	big_ns = lookup_ns(dt, 200000);
	fprintf(stderr, "domtab: lookup %.0f ns with 10 rules, %.0f ns with "
	    "%zu\n", small_ns, big_ns, domtab_count(dt));
	ck_assert_msg(big_ns < small_ns * 4 + 200, "%.0f ns vs %.0f ns",
	    big_ns, small_ns);
	domtab_free(dt);
	domtab_free(small);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("domtab");
	TCase	*tc = tcase_create("domtab");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_lookup, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_aaaa);
	tcase_add_test(tc, test_patterns);
	tcase_add_test(tc, test_addr_cap);
	tcase_add_test(tc, test_million);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
