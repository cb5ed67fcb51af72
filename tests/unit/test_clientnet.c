/*
 * test_clientnet.c: unit tests of the client network table (clientnet.h)
 * and of the per-client AAAA rules in policy_decide_client().
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include "briskdns.h"
#include "clientnet.h"
#include "config.h"
#include "msg.h"
#include "policy.h"

#define FWD	CLIENTNET_FORWARD
#define EMP	CLIENTNET_EMPTY
#define NONE	CLIENTNET_NONE

static struct clientnet *
table(const char *const *nets, const enum clientnet_rule *rules)
{
	struct clientnet	*t = clientnet_new();
	struct clientnet_net	 n;
	enum clientnet_rule	 old;
	size_t			 i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; nets[i] != NULL; i++) {
		ck_assert_msg(clientnet_parse(nets[i], &n) == 0, "%s",
		    nets[i]);
		ck_assert_msg(clientnet_add(t, &n, rules[i], &old) == 0,
		    "%s", nets[i]);
	}
	return t;
}

static enum clientnet_rule
lookup(const struct clientnet *t, const char *addr)
{
	uint8_t	 a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		return clientnet_lookup(t, AF_INET, a);
	ck_assert_msg(inet_pton(AF_INET6, addr, a) == 1, "%s", addr);
	return clientnet_lookup(t, AF_INET6, a);
}

START_TEST(test_parse)
{
	static const struct {
		const char	*in;
		int		 ok;
		const char	*out;	/* clientnet_text */
	} t[] = {
		{ "10.0.0.0/8", 1, "10.0.0.0/8" },
		{ "10.1.2.3/8", 1, "10.0.0.0/8" },	/* host bits cleared */
		{ "10.1.2.3", 1, "10.1.2.3/32" },
		{ "10.1.2.3/32", 1, "10.1.2.3/32" },
		{ "0.0.0.0/0", 1, "0.0.0.0/0" },
		{ "192.168.1.255/23", 1, "192.168.0.0/23" },
		{ "2001:db8::1", 1, "2001:db8::1/128" },
		{ "2001:db8:ffff::1/33", 1, "2001:db8:8000::/33" },
		{ "::/0", 1, "::/0" },
		{ "10.0.0.0/08", 1, "10.0.0.0/8" },
		{ "10.0.0.0/33", 0, NULL },
		{ "2001:db8::/129", 0, NULL },
		{ "10.0.0.0/", 0, NULL },
		{ "10.0.0.0/-1", 0, NULL },
		{ "10.0.0.0/+1", 0, NULL },
		{ "10.0.0.0/ 1", 0, NULL },
		{ "10.0.0.0/0008", 0, NULL },
		{ "10.0.0.0/8/8", 0, NULL },
		{ "10.0.0", 0, NULL },
		{ "example.com", 0, NULL },
		{ "", 0, NULL },
		{ "/8", 0, NULL },
		{ "fe80::1%eth0", 0, NULL },
		{ "10.0.0.0/99999999999999999999999", 0, NULL },
	};
	struct clientnet_net	 n;
	char			 buf[64];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg((clientnet_parse(t[i].in, &n) == 0) == t[i].ok,
		    "%s", t[i].in);
		if (t[i].ok)
			ck_assert_str_eq(clientnet_text(&n, buf, sizeof(buf)),
			    t[i].out);
	}
	ck_assert_int_eq(clientnet_parse("::ffff:10.0.0.0/104", &n), 0);
	ck_assert_int_eq(clientnet_is_mapped(&n), 1);
	ck_assert_int_eq(clientnet_parse("::ffff:0:0/95", &n), 0);
	ck_assert_int_eq(clientnet_is_mapped(&n), 0);
	ck_assert_int_eq(clientnet_parse("10.0.0.0/8", &n), 0);
	ck_assert_int_eq(clientnet_is_mapped(&n), 0);
}
END_TEST

/* IPv4, IPv6 and IPv4-mapped clients; the longest prefix wins. */
START_TEST(test_lookup)
{
	static const char *const nets[] = { "10.0.0.0/8", "10.1.0.0/16",
	    "10.1.2.0/24", "10.1.2.3", "192.168.20.0/24", "2001:db8::/32",
	    "2001:db8:1::/48", "2001:db8:1:2::5", "::/0", NULL };
	static const enum clientnet_rule rules[] = { FWD, EMP, FWD, EMP, FWD,
	    EMP, FWD, EMP, FWD };
	static const struct {
		const char		*addr;
		enum clientnet_rule	 want;
	} t[] = {
		{ "10.200.0.1", FWD },		/* /8 */
		{ "10.1.200.1", EMP },		/* /16 */
		{ "10.1.2.4", FWD },		/* /24 */
		{ "10.1.2.3", EMP },		/* /32 */
		{ "11.0.0.1", NONE },		/* no IPv4 rule: ::/0 is v6 */
		{ "9.255.255.255", NONE },
		{ "192.168.20.254", FWD },
		{ "192.168.21.1", NONE },
		{ "::ffff:10.1.2.3", EMP },	/* mapped: as IPv4 */
		{ "::ffff:10.1.2.9", FWD },
		{ "::ffff:10.1.9.9", EMP },
		{ "::ffff:11.0.0.1", NONE },	/* not ::/0's */
		{ "::ffff:192.168.20.1", FWD },
		{ "2001:db8:9::1", EMP },	/* /32 */
		{ "2001:db8:1::1", FWD },	/* /48 */
		{ "2001:db8:1:2::5", EMP },	/* /128 */
		{ "2001:db8:1:2::6", FWD },
		{ "fd00::1", FWD },		/* ::/0 */
		{ "::1", FWD },
	};
	struct clientnet	*tab = table(nets, rules);
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(lookup(tab, t[i].addr) == t[i].want,
		    "%s: %d, want %d", t[i].addr, lookup(tab, t[i].addr),
		    t[i].want);
	ck_assert_uint_eq(clientnet_count(tab), 9);
	clientnet_free(tab);
}
END_TEST

/* Adding in any order gives the same answers (the table stays sorted). */
START_TEST(test_order)
{
	static const char *const a[] = { "10.1.2.0/24", "10.0.0.0/8",
	    "10.1.0.0/16", NULL };
	static const char *const b[] = { "10.0.0.0/8", "10.1.0.0/16",
	    "10.1.2.0/24", NULL };
	static const enum clientnet_rule ra[] = { FWD, FWD, EMP };
	static const enum clientnet_rule rb[] = { FWD, EMP, FWD };
	struct clientnet	*ta = table(a, ra), *tb = table(b, rb);
	struct clientnet_net	 n;
	enum clientnet_rule	 r;
	char			 buf[64];

	ck_assert_int_eq(lookup(ta, "10.1.2.1"), FWD);
	ck_assert_int_eq(lookup(ta, "10.1.3.1"), EMP);
	ck_assert_int_eq(lookup(ta, "10.2.0.1"), FWD);
	ck_assert_int_eq(lookup(tb, "10.1.2.1"), FWD);
	ck_assert_int_eq(lookup(tb, "10.1.3.1"), EMP);
	ck_assert_int_eq(lookup(tb, "10.2.0.1"), FWD);
	/* Listed longest first. */
	clientnet_get(ta, 0, &n, &r);
	ck_assert_str_eq(clientnet_text(&n, buf, sizeof(buf)), "10.1.2.0/24");
	clientnet_get(ta, 2, &n, &r);
	ck_assert_str_eq(clientnet_text(&n, buf, sizeof(buf)), "10.0.0.0/8");
	clientnet_free(ta);
	clientnet_free(tb);
}
END_TEST

/* The same network twice: same rule kept once, the other refused. */
START_TEST(test_duplicate)
{
	struct clientnet	*t = clientnet_new();
	struct clientnet_net	 n;
	enum clientnet_rule	 old;

	ck_assert_int_eq(clientnet_parse("10.9.9.9/8", &n), 0);
	ck_assert_int_eq(clientnet_add(t, &n, FWD, &old), 0);
	ck_assert_int_eq(clientnet_parse("10.0.0.0/8", &n), 0);
	ck_assert_int_eq(clientnet_add(t, &n, FWD, &old), 0);
	ck_assert_uint_eq(clientnet_count(t), 1);
	ck_assert_int_eq(clientnet_add(t, &n, EMP, &old), -1);
	ck_assert_int_eq(old, FWD);
	ck_assert_int_eq(lookup(t, "10.1.1.1"), FWD);
	clientnet_free(t);
}
END_TEST

/* CLIENTNET_MAX networks fit; one more is refused, the table intact. */
START_TEST(test_bound)
{
	struct clientnet	*t = clientnet_new();
	struct clientnet_net	 n;
	enum clientnet_rule	 old;
	char			 a[64];
	size_t			 i;

	for (i = 0; i < CLIENTNET_MAX; i++) {
		snprintf(a, sizeof(a), "10.%zu.%zu.0/24", i / 256, i % 256);
		ck_assert_int_eq(clientnet_parse(a, &n), 0);
		ck_assert_int_eq(clientnet_add(t, &n, i % 2 ? EMP : FWD,
		    &old), 0);
	}
	ck_assert_uint_eq(clientnet_count(t), CLIENTNET_MAX);
	ck_assert_int_eq(clientnet_parse("2001:db8::/32", &n), 0);
	errno = 0;
	ck_assert_int_eq(clientnet_add(t, &n, FWD, &old), -1);
	ck_assert_int_eq(old, NONE);
	ck_assert_int_eq(errno, ENOSPC);
	/* Given already: still fine at the bound. */
	ck_assert_int_eq(clientnet_parse("10.0.1.0/24", &n), 0);
	ck_assert_int_eq(clientnet_add(t, &n, EMP, &old), 0);
	ck_assert_uint_eq(clientnet_count(t), CLIENTNET_MAX);
	for (i = 0; i < CLIENTNET_MAX; i++) {
		snprintf(a, sizeof(a), "10.%zu.%zu.77", i / 256, i % 256);
		ck_assert_int_eq(lookup(t, a), i % 2 ? EMP : FWD);
	}
	ck_assert_int_eq(lookup(t, "10.4.0.1"), NONE);
	ck_assert_int_eq(lookup(t, "2001:db8::1"), NONE);
	clientnet_free(t);
}
END_TEST

/* A NULL table, a NULL or odd socket address: no rule. */
START_TEST(test_null)
{
	struct sockaddr_in	 sin;
	uint8_t			 a[16] = { 10, 0, 0, 1 };

	ck_assert_int_eq(clientnet_lookup(NULL, AF_INET, a), NONE);
	ck_assert_int_eq(clientnet_lookup_sa(NULL, NULL), NONE);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ck_assert_int_eq(clientnet_lookup_sa(NULL,
	    (struct sockaddr *)&sin), NONE);
	ck_assert_int_eq(clientnet_count(NULL), 0);
	clientnet_free(NULL);
}
END_TEST

/* ---- policy_decide_client ---------------------------------------------- */

static const char conf_text[] =
    "no-hosts\n"
    "server=192.0.2.53\n"
    "aaaa-forward-client=10.1.0.0/16,2001:db8:1::/48\n"
    "aaaa-empty-client=10.1.2.0/24,2001:db8::/32\n"
    "aaaa-empty=/slow.test/\n"
    "aaaa-forward=/v6only.test/\n"
    "address=/addr.test/2001:db8::99\n"
    "local=/lan.test/\n"
    "host-record=host.test,192.0.2.7,2001:db8::7\n";

static struct sockaddr_storage
sa(const char *addr)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr),
		    1);
		sin6->sin6_family = AF_INET6;
	}
	return ss;
}

START_TEST(test_policy)
{
	static const struct {
		enum aaaa_mode		 mode;
		const char		*client;	/* NULL: unknown */
		const char		*qname;
		uint16_t		 qtype;
		enum policy_action	 want;
		enum policy_wait	 wait;
	} t[] = {
		/* the client rule replaces aaaa-mode */
		{ AAAA_EMPTY, "10.1.9.9", "www.test", DNS_TYPE_AAAA,
		    POLICY_FORWARD, POLICY_WAIT_NONE },
		{ AAAA_AUTO, "10.1.9.9", "www.test", DNS_TYPE_AAAA,
		    POLICY_FORWARD, POLICY_WAIT_NONE },	/* no v6 route */
		{ AAAA_DEADLINE, "10.1.9.9", "www.test", DNS_TYPE_AAAA,
		    POLICY_FORWARD, POLICY_WAIT_NONE },
		{ AAAA_AFTER_A, "::ffff:10.1.9.9", "www.test", DNS_TYPE_AAAA,
		    POLICY_FORWARD, POLICY_WAIT_NONE },
		{ AAAA_FORWARD, "10.1.2.9", "www.test", DNS_TYPE_AAAA,
		    POLICY_EMPTY, POLICY_WAIT_NONE },
		{ AAAA_DEADLINE, "::ffff:10.1.2.9", "www.test", DNS_TYPE_AAAA,
		    POLICY_EMPTY, POLICY_WAIT_NONE },
		{ AAAA_FORWARD, "2001:db8:2::1", "www.test", DNS_TYPE_AAAA,
		    POLICY_EMPTY, POLICY_WAIT_NONE },
		{ AAAA_EMPTY, "2001:db8:1::1", "www.test", DNS_TYPE_AAAA,
		    POLICY_FORWARD, POLICY_WAIT_NONE },
		/* no rule for the client, or none known: aaaa-mode */
		{ AAAA_EMPTY, "10.2.0.1", "www.test", DNS_TYPE_AAAA,
		    POLICY_EMPTY, POLICY_WAIT_NONE },
		{ AAAA_DEADLINE, "10.2.0.1", "www.test", DNS_TYPE_AAAA,
		    POLICY_FORWARD, POLICY_WAIT_DEADLINE },
		{ AAAA_EMPTY, NULL, "www.test", DNS_TYPE_AAAA,
		    POLICY_EMPTY, POLICY_WAIT_NONE },
		{ AAAA_FORWARD, NULL, "www.test", DNS_TYPE_AAAA,
		    POLICY_FORWARD, POLICY_WAIT_NONE },
		/* other types: untouched */
		{ AAAA_FORWARD, "10.1.2.9", "www.test", DNS_TYPE_A,
		    POLICY_FORWARD, POLICY_WAIT_NONE },
		{ AAAA_FORWARD, "10.1.2.9", "www.test", DNS_TYPE_MX,
		    POLICY_FORWARD, POLICY_WAIT_NONE },
		/* domain rules win over client rules */
		{ AAAA_FORWARD, "10.1.9.9", "a.slow.test", DNS_TYPE_AAAA,
		    POLICY_EMPTY, POLICY_WAIT_NONE },
		{ AAAA_EMPTY, "10.1.2.9", "a.v6only.test", DNS_TYPE_AAAA,
		    POLICY_FORWARD, POLICY_WAIT_NONE },
		{ AAAA_EMPTY, "10.1.9.9", "addr.test", DNS_TYPE_AAAA,
		    POLICY_ADDRESS, POLICY_WAIT_NONE },
		{ AAAA_EMPTY, "10.1.9.9", "x.lan.test", DNS_TYPE_AAAA,
		    POLICY_NXDOMAIN, POLICY_WAIT_NONE },
		{ AAAA_FORWARD, "10.1.2.9", "host.test", DNS_TYPE_AAAA,
		    POLICY_HOSTS, POLICY_WAIT_NONE },
		{ AAAA_FORWARD, "10.1.2.9", "localhost", DNS_TYPE_AAAA,
		    POLICY_LOCAL, POLICY_WAIT_NONE },
	};
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	struct policy_decision	 d;
	struct sockaddr_storage	 ss;
	struct query		 q;
	size_t			 i;

	cfg = config_load_buffer("client", conf_text, sizeof(conf_text) - 1,
	    &errs);
	ck_assert_msg(cfg != NULL, "%s", errs.n > 0 ? errs.msg[0] : "?");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.qname_len = wire_name(t[i].qname, q.qname);
		memcpy(q.qname_case, q.qname, q.qname_len);
		q.qtype = t[i].qtype;
		q.qclass = DNS_CLASS_IN;
		cfg->aaaa_mode = t[i].mode;
		if (t[i].client != NULL)
			ss = sa(t[i].client);
		policy_decide_client(cfg, 0, t[i].client != NULL ?
		    (struct sockaddr *)&ss : NULL, &q, &d);
		ck_assert_msg(d.action == t[i].want && (d.action !=
		    POLICY_FORWARD || d.aaaa_wait == t[i].wait),
		    "%zu: %s from %s mode %d: action %d wait %d, want %d %d",
		    i, t[i].qname, t[i].client ? t[i].client : "?",
		    t[i].mode, d.action, d.aaaa_wait, t[i].want, t[i].wait);
	}
	config_free(cfg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("clientnet");
	TCase	*tc = tcase_create("clientnet");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_policy);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
