/*
 * test_policy.c: unit tests of policy_decide() and policy_name_in_domain().
 *
 * The configuration is built by hand (no config.c needed): one table of
 * (aaaa-mode, global IPv6 route, query name, type) -> action and route.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include "briskdns.h"
#include "config.h"
#include "msg.h"
#include "policy.h"

static struct config_domain
dom(const char *text)
{
	struct config_domain	 d;

	memset(&d, 0, sizeof(d));
	d.len = wire_name(text, d.wire);
	return d;
}

static struct config		*cfg;
#define conf		(*cfg)
#define servers		(cfg->servers)

/* Route indexes are in cfg->servers: only server=/d/ADDR lines (and
 * default servers) are there; local and /d/# rules are in cfg->domains. */
static const char conf_text[] =
    "server=192.0.2.53\n"			/* servers[0] */
    "server=/example/192.0.2.1\n"		/* servers[1] */
    "server=/corp.example/192.0.2.2\n"	/* servers[2] */
    "server=/internal.corp.example/#\n"
    "server=/lan/\n"
    "server=/ample/192.0.2.3\n"		/* servers[3] */
    "server=/corp.example/192.0.2.4\n"	/* servers[4], same domain */
    "aaaa-forward=/v6only.test/ipv6.example/\n"
    "aaaa-empty=/tv.v6only.test/slow.test/*cdn.test/x.corp.example/\n"
    "aaaa-forward=/fast.slow.test/\n"
    "address=/a6.slow.test/2001:db8::1\n"
    "local=/lan.slow.test/\n"
    "aaaa-empty=/twice.test/\n"
    "aaaa-forward=/twice.test/\n"
    "local-ttl=60\n";

static void
setup(void)
{
	struct config_errors	 errs = { NULL, 0 };

	cfg = config_load_buffer("policy", conf_text, sizeof(conf_text) - 1,
	    &errs);
	ck_assert_msg(cfg != NULL, "%s", errs.n > 0 ? errs.msg[0] : "?");
	ck_assert_uint_eq(cfg->nservers, 5);
}

static void
teardown(void)
{
	config_free(cfg);
	cfg = NULL;
}

/* Route names: the server entry whose domain must be returned. */
enum { R_NULL = -1 };

struct policy_case {
	enum aaaa_mode		 mode;
	int			 v6;
	const char		*qname;
	uint16_t		 qtype;
	enum policy_action	 want;
	int			 route;		/* index in servers[], or -1 */
	enum policy_wait	 wait;		/* default: POLICY_WAIT_NONE */
};

#define A	DNS_TYPE_A
#define AAAA	DNS_TYPE_AAAA
#define FWD	POLICY_FORWARD
#define EMPTY	POLICY_EMPTY
#define NXD	POLICY_NXDOMAIN
#define LOCAL	POLICY_LOCAL
#define NOWAIT	POLICY_WAIT_NONE

static const struct policy_case cases[] = {
	/* aaaa-mode=empty */
	{ AAAA_EMPTY, 0, "www.other.test", AAAA, EMPTY, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 1, "www.other.test", AAAA, EMPTY, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "www.other.test", A, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "www.other.test", DNS_TYPE_ANY, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "www.other.test", DNS_TYPE_MX, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, ".", AAAA, EMPTY, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, ".", DNS_TYPE_NS, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "a.example", AAAA, EMPTY, R_NULL, NOWAIT },
	/* aaaa-forward domains, equal or below, on label boundaries */
	{ AAAA_EMPTY, 0, "v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "www.v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "notv6only.test", AAAA, EMPTY, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "v6only.test.org", AAAA, EMPTY, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "www.ipv6.example", AAAA, FWD, 1, NOWAIT },
	/* aaaa-mode=forward */
	{ AAAA_FORWARD, 0, "www.other.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_FORWARD, 0, "a.corp.example", AAAA, FWD, 2, NOWAIT },
	/* aaaa-mode=auto */
	{ AAAA_AUTO, 0, "www.other.test", AAAA, EMPTY, R_NULL, NOWAIT },
	{ AAAA_AUTO, 1, "www.other.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_AUTO, 1, "www.example", AAAA, FWD, 1, NOWAIT },
	{ AAAA_AUTO, 0, "www.example", A, FWD, 1, NOWAIT },
	{ AAAA_AUTO, 0, "www.v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	/* aaaa-mode=deadline:MS and after-a: forwarded, with a wait mode */
	{ AAAA_DEADLINE, 0, "www.other.test", AAAA, FWD, R_NULL,
	    POLICY_WAIT_DEADLINE },
	{ AAAA_DEADLINE, 1, "www.example", AAAA, FWD, 1,
	    POLICY_WAIT_DEADLINE },
	{ AAAA_DEADLINE, 0, "www.other.test", A, FWD, R_NULL, NOWAIT },
	{ AAAA_DEADLINE, 0, "www.v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_AFTER_A, 0, "www.other.test", AAAA, FWD, R_NULL,
	    POLICY_WAIT_AFTER_A },
	{ AAAA_AFTER_A, 0, "www.other.test", A, FWD, R_NULL, NOWAIT },
	{ AAAA_AFTER_A, 0, "www.v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_AFTER_A, 0, "host.lan", AAAA, NXD, R_NULL, NOWAIT },
	{ AAAA_AUTO, 1, "www.other.test", AAAA, FWD, R_NULL, NOWAIT },
	/* aaaa-mode=learn: as auto without a global IPv6 route; with one,
	 * forwarded, the wait decided per server by the path */
	{ AAAA_LEARN, 0, "www.other.test", AAAA, EMPTY, R_NULL, NOWAIT },
	{ AAAA_LEARN, 1, "www.other.test", AAAA, FWD, R_NULL,
	    POLICY_WAIT_LEARN },
	{ AAAA_LEARN, 1, "www.example", AAAA, FWD, 1, POLICY_WAIT_LEARN },
	{ AAAA_LEARN, 0, "www.example", A, FWD, 1, NOWAIT },
	{ AAAA_LEARN, 1, "www.other.test", A, FWD, R_NULL, NOWAIT },
	{ AAAA_LEARN, 0, "www.v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_LEARN, 1, "www.v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_LEARN, 1, "host.lan", AAAA, NXD, R_NULL, NOWAIT },
	/* aaaa-empty: EMPTY whatever the mode; the longest pattern of
	 * aaaa-empty and aaaa-forward decides; equal: the later line */
#define EMPTY_ALL(n)							\
	{ AAAA_EMPTY, 0, n, AAAA, EMPTY, R_NULL, NOWAIT },		\
	{ AAAA_FORWARD, 1, n, AAAA, EMPTY, R_NULL, NOWAIT },		\
	{ AAAA_AUTO, 0, n, AAAA, EMPTY, R_NULL, NOWAIT },		\
	{ AAAA_AUTO, 1, n, AAAA, EMPTY, R_NULL, NOWAIT },		\
	{ AAAA_DEADLINE, 1, n, AAAA, EMPTY, R_NULL, NOWAIT },		\
	{ AAAA_AFTER_A, 1, n, AAAA, EMPTY, R_NULL, NOWAIT },		\
	{ AAAA_LEARN, 1, n, AAAA, EMPTY, R_NULL, NOWAIT }
	EMPTY_ALL("tv.v6only.test"),
	EMPTY_ALL("a.tv.v6only.test"),
	EMPTY_ALL("slow.test"),
	EMPTY_ALL("www.slow.test"),
	EMPTY_ALL("fastcdn.test"),
	EMPTY_ALL("cdn.test"),
	EMPTY_ALL("a.x.corp.example"),
	{ AAAA_FORWARD, 1, "slow.test", A, FWD, R_NULL, NOWAIT },
	{ AAAA_FORWARD, 1, "tv.v6only.test", DNS_TYPE_TXT, FWD, R_NULL,
	    NOWAIT },
	{ AAAA_FORWARD, 1, "a.x.corp.example", A, FWD, 2, NOWAIT },
	{ AAAA_FORWARD, 1, "a.y.corp.example", AAAA, FWD, 2, NOWAIT },
	{ AAAA_FORWARD, 1, "notslow.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "xtv.v6only.test", AAAA, FWD, R_NULL, NOWAIT },
	/* aaaa-forward inside aaaa-empty: forwarded, even under empty */
	{ AAAA_EMPTY, 0, "fast.slow.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 1, "a.fast.slow.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_AUTO, 0, "fast.slow.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_DEADLINE, 0, "fast.slow.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_AFTER_A, 0, "fast.slow.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_FORWARD, 0, "fast.slow.test", AAAA, FWD, R_NULL, NOWAIT },
	/* local data wins over aaaa-empty */
	{ AAAA_FORWARD, 1, "a6.slow.test", AAAA, POLICY_ADDRESS, R_NULL,
	    NOWAIT },
	{ AAAA_EMPTY, 0, "x.lan.slow.test", AAAA, NXD, R_NULL, NOWAIT },
	/* equal patterns: the later line (aaaa-forward) */
	{ AAAA_EMPTY, 0, "twice.test", AAAA, FWD, R_NULL, NOWAIT },
	{ AAAA_DEADLINE, 0, "a.twice.test", AAAA, FWD, R_NULL, NOWAIT },
	/* routing: longest match on label boundaries */
	{ AAAA_EMPTY, 0, "example", A, FWD, 1, NOWAIT },
	{ AAAA_EMPTY, 0, "www.example", A, FWD, 1, NOWAIT },
	{ AAAA_EMPTY, 0, "corp.example", A, FWD, 2, NOWAIT },
	{ AAAA_EMPTY, 0, "a.b.corp.example", A, FWD, 2, NOWAIT },
	{ AAAA_EMPTY, 0, "xcorp.example", A, FWD, 1, NOWAIT },
	{ AAAA_EMPTY, 0, "internal.corp.example", A, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "x.internal.corp.example", A, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "ample", A, FWD, 3, NOWAIT },
	{ AAAA_EMPTY, 0, "www.ample", A, FWD, 3, NOWAIT },
	{ AAAA_EMPTY, 0, "sample", A, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "fooexample", A, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "example.com", A, FWD, R_NULL, NOWAIT },
	/* local only: NXDOMAIN, even for AAAA in empty mode */
	{ AAAA_EMPTY, 0, "lan", A, NXD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "host.lan", A, NXD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "host.lan", AAAA, NXD, R_NULL, NOWAIT },
	{ AAAA_FORWARD, 1, "host.lan", AAAA, NXD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "host.plan", A, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "lan.example", A, FWD, 1, NOWAIT },
	/* RFC 6761: answered locally whatever the aaaa-mode or server= */
	{ AAAA_EMPTY, 0, "localhost", AAAA, LOCAL, R_NULL, NOWAIT },
	{ AAAA_FORWARD, 1, "localhost", AAAA, LOCAL, R_NULL, NOWAIT },
	{ AAAA_DEADLINE, 1, "www.localhost", AAAA, LOCAL, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "LocalHost", A, LOCAL, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "a.b.localhost", DNS_TYPE_MX, LOCAL, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "localhost.lan", A, NXD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "localhost.example", A, FWD, 1, NOWAIT },
	{ AAAA_EMPTY, 0, "notlocalhost", A, FWD, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "1.0.0.127.in-addr.arpa", DNS_TYPE_PTR, LOCAL,
	    R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "9.8.7.127.in-addr.arpa", DNS_TYPE_PTR, LOCAL,
	    R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "127.in-addr.arpa", DNS_TYPE_SOA, LOCAL, R_NULL,
	    NOWAIT },
	{ AAAA_EMPTY, 0, "1.0.0.128.in-addr.arpa", DNS_TYPE_PTR, FWD, R_NULL,
	    NOWAIT },
	{ AAAA_EMPTY, 0, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.ip6.arpa", DNS_TYPE_PTR, LOCAL, R_NULL, NOWAIT },
	{ AAAA_EMPTY, 0, "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.ip6.arpa", DNS_TYPE_PTR, FWD, R_NULL, NOWAIT },
};

START_TEST(test_decide)
{
	const struct policy_case	*c = &cases[_i];
	struct policy_decision		 d;
	struct query			 q;
	size_t				 i;

	memset(&q, 0, sizeof(q));
	q.qname_len = wire_name(c->qname, q.qname_case);
	/* Lower-cased, as msg_parse_query() gives it. */
	for (i = 0; i < q.qname_len; i++)
		q.qname[i] = (uint8_t)(q.qname_case[i] >= 'A' &&
		    q.qname_case[i] <= 'Z' ? q.qname_case[i] + 32 :
		    q.qname_case[i]);
	q.qtype = c->qtype;
	q.qclass = DNS_CLASS_IN;
	conf.aaaa_mode = c->mode;

	d.action = (enum policy_action)99;
	d.route = (const struct config_domain *)&d;	/* must be set */
	policy_decide(&conf, c->v6, &q, &d);
	ck_assert_msg(d.action == c->want, "%s type %u mode %d v6 %d: "
	    "action %d, want %d", c->qname, c->qtype, c->mode, c->v6,
	    d.action, c->want);
	if (d.action == POLICY_FORWARD)
		ck_assert_msg(d.aaaa_wait == c->wait, "%s type %u mode %d: "
		    "wait %d, want %d", c->qname, c->qtype, c->mode,
		    d.aaaa_wait, c->wait);
	if (c->route == R_NULL)
		ck_assert_msg(d.route == NULL, "%s: route not NULL", c->qname);
	else
		ck_assert_msg(d.route == &servers[c->route].domain,
		    "%s: route %p, want servers[%d]", c->qname,
		    (const void *)d.route, c->route);
}
END_TEST

static void
decide_as(const struct policy_case *c, uint16_t qtype,
    struct policy_decision *d)
{
	struct query	 q;
	size_t		 i;

	memset(&q, 0, sizeof(q));
	q.qname_len = wire_name(c->qname, q.qname_case);
	for (i = 0; i < q.qname_len; i++)
		q.qname[i] = (uint8_t)(q.qname_case[i] >= 'A' &&
		    q.qname_case[i] <= 'Z' ? q.qname_case[i] + 32 :
		    q.qname_case[i]);
	q.qtype = qtype;
	q.qclass = DNS_CLASS_IN;
	conf.aaaa_mode = c->mode;
	memset(d, 0, sizeof(*d));
	policy_decide(&conf, c->v6, &q, d);
}

/*
 * slow-types=HTTPS,SVCB: for every case of the table whose AAAA query is
 * forwarded or answered empty, an HTTPS and an SVCB query of the name get
 * the same action, wait and route; without slow-types they are forwarded
 * without a wait.  Local answers (local=, RFC 6761) are the types' own,
 * with or without slow-types (an address= of AAAA answers AAAA only).
 */
START_TEST(test_slow_types)
{
	static const uint16_t		 types[] = { DNS_TYPE_HTTPS,
	    DNS_TYPE_SVCB };
	const struct policy_case	*c = &cases[_i];
	struct policy_decision		 a, d, plain;
	size_t				 t;

	if (c->qtype != AAAA)
		return;
	for (t = 0; t < 2; t++) {
		conf.nslow_types = 0;
		decide_as(c, types[t], &plain);
		conf.slow_types[0] = DNS_TYPE_SVCB;
		conf.slow_types[1] = DNS_TYPE_HTTPS;
		conf.nslow_types = 2;
		decide_as(c, AAAA, &a);
		decide_as(c, types[t], &d);
		ck_assert(policy_slow_type(&conf, types[t]));
		ck_assert(!policy_slow_type(&conf, AAAA));
		if (a.action == FWD || a.action == EMPTY) {
			ck_assert_msg(d.action == a.action &&
			    d.aaaa_wait == a.aaaa_wait && d.route == a.route,
			    "%s type %u mode %d: action %d wait %d, AAAA's "
			    "%d %d", c->qname, types[t], c->mode, d.action,
			    d.aaaa_wait, a.action, a.aaaa_wait);
			ck_assert_msg(plain.action == FWD &&
			    plain.aaaa_wait == NOWAIT && (a.action == EMPTY ||
			    plain.route == a.route),
			    "%s type %u without slow-types: %d %d",
			    c->qname, types[t], plain.action,
			    plain.aaaa_wait);
		} else if (a.action != POLICY_ADDRESS)	/* AAAA's own */
			ck_assert_msg(d.action == plain.action,
			    "%s type %u: %d, without slow-types %d",
			    c->qname, types[t], d.action, plain.action);
		/* One slow type only: the other is forwarded as before. */
		conf.slow_types[0] = types[1 - t];
		conf.nslow_types = 1;
		decide_as(c, types[t], &d);
		ck_assert(d.action == plain.action &&
		    d.aaaa_wait == plain.aaaa_wait);
		conf.nslow_types = 0;
	}
}
END_TEST

/* CHAOS: version.bind and version.server TXT answered, the rest
 * REFUSED; never forwarded.  Other classes than IN and CH: as before. */
START_TEST(test_chaos)
{
	static const struct {
		const char		*name;
		uint16_t		 qclass, qtype;
		enum policy_action	 want;
	} t[] = {
		{ "version.bind", 3, DNS_TYPE_TXT, POLICY_LOCAL },
		{ "VERSION.Server", 3, DNS_TYPE_TXT, POLICY_LOCAL },
		{ "version.bind", 3, DNS_TYPE_A, POLICY_REFUSED },
		{ "hostname.bind", 3, DNS_TYPE_TXT, POLICY_REFUSED },
		{ "www.example.com", 3, DNS_TYPE_A, POLICY_REFUSED },
		{ "localhost", 3, DNS_TYPE_A, POLICY_REFUSED },
		{ "version.bind", DNS_CLASS_IN, DNS_TYPE_TXT, POLICY_FORWARD },
		{ "localhost", DNS_TYPE_ANY, DNS_TYPE_A, POLICY_FORWARD },
	};
	struct policy_decision	 d;
	struct query		 q;
	size_t			 i, j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.qname_len = wire_name(t[i].name, q.qname_case);
		for (j = 0; j < q.qname_len; j++)
			q.qname[j] = (uint8_t)(q.qname_case[j] >= 'A' &&
			    q.qname_case[j] <= 'Z' ? q.qname_case[j] + 32 :
			    q.qname_case[j]);
		q.qtype = t[i].qtype;
		q.qclass = t[i].qclass;
		conf.aaaa_mode = AAAA_FORWARD;
		policy_decide(&conf, 1, &q, &d);
		ck_assert_msg(d.action == t[i].want, "%s class %u type %u: "
		    "action %d, want %d", t[i].name, t[i].qclass, t[i].qtype,
		    d.action, t[i].want);
	}
}
END_TEST

START_TEST(test_no_servers)
{
	struct policy_decision	 d;
	struct query		 q;
	struct config		 empty;

	memset(&empty, 0, sizeof(empty));
	empty.aaaa_mode = AAAA_FORWARD;
	memset(&q, 0, sizeof(q));
	q.qname_len = wire_name("www.example.com", q.qname);
	q.qtype = DNS_TYPE_AAAA;
	policy_decide(&empty, 0, &q, &d);
	ck_assert_int_eq(d.action, POLICY_FORWARD);
	ck_assert_ptr_null(d.route);
	empty.aaaa_mode = AAAA_EMPTY;
	policy_decide(&empty, 0, &q, &d);
	ck_assert_int_eq(d.action, POLICY_EMPTY);
}
END_TEST

START_TEST(test_name_in_domain)
{
	static const struct {
		const char	*name;
		const char	*domain;
		int		 want;
	} t[] = {
		{ "example.com", "example.com", 1 },
		{ "www.example.com", "example.com", 1 },
		{ "a.b.c.example.com", "example.com", 1 },
		{ "wwwexample.com", "example.com", 0 },
		{ "example.com", "www.example.com", 0 },
		{ "example.org", "example.com", 0 },
		{ "www.example.com", ".", 1 },
		{ ".", ".", 1 },
		{ ".", "com", 0 },
		{ "com", "com", 1 },
		{ "www.example.com", "com", 1 },
		{ "www.example.com", "m", 0 },
	};
	struct config_domain	 d;
	uint8_t			 name[DNS_MAXNAME];
	size_t			 i, len;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = wire_name(t[i].name, name);
		d = dom(t[i].domain);
		ck_assert_msg(policy_name_in_domain(name, len, &d) == t[i].want,
		    "%s in %s: want %d", t[i].name, t[i].domain, t[i].want);
	}
	/* A broken length byte never reads past namelen (ASan). */
	name[0] = 200;
	d = dom("com");
	ck_assert_int_eq(policy_name_in_domain(name, 5, &d), 0);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite	*s = suite_create("policy");
	TCase	*tc = tcase_create("decide");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_decide, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(tc, test_slow_types, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_no_servers);
	tcase_add_test(tc, test_chaos);
	tcase_add_test(tc, test_name_in_domain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(policy_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
