/*
 * test_filter.c: unit tests of filter.c (domain-needed, bogus-priv,
 * filter-rr, bogus-nxdomain, ignore-address, stop-dns-rebind, max-ttl)
 * and of the setters of config_filter.c, table-driven.  Configurations
 * come from config_load_buffer, so the keys are read as a file would be.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include "briskdns.h"
#include "config.h"
#include "filter.h"
#include "msg.h"
#include "policy.h"
#include "wire.h"

static struct config *
conf_of(const char *text)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*c;

	c = config_load_buffer("t.conf", text, strlen(text), &errs);
	if (c == NULL && errs.n > 0)
		fprintf(stderr, "%s\n", errs.msg[0]);
	config_errors_clear(&errs);
	ck_assert_ptr_nonnull(c);
	return c;
}

static void
query_of(struct query *q, const char *name, uint16_t qtype)
{
	memset(q, 0, sizeof(*q));
	q->id = 0x1234;
	q->flags = DNS_FLAG_RD;
	q->qtype = qtype;
	q->qclass = DNS_CLASS_IN;
	q->qname_len = wire_name(name, q->qname);
	memcpy(q->qname_case, q->qname, q->qname_len);
}

/* ---- private ranges ------------------------------------------------------ */

static const struct {
	const char	*addr;
	int		 priv;		/* ban_localhost 1 */
	int		 priv_lo_ok;	/* ban_localhost 0 */
} private_cases[] = {
	{ "10.0.0.1", 1, 1 }, { "10.255.255.255", 1, 1 },
	{ "11.0.0.1", 0, 0 }, { "9.255.255.255", 0, 0 },
	{ "172.16.0.1", 1, 1 }, { "172.31.255.255", 1, 1 },
	{ "172.15.255.255", 0, 0 }, { "172.32.0.0", 0, 0 },
	{ "192.168.0.0", 1, 1 }, { "192.169.0.1", 0, 0 },
	{ "169.254.1.1", 1, 1 }, { "169.253.1.1", 0, 0 },
	{ "192.0.2.9", 1, 1 }, { "192.0.3.9", 0, 0 },
	{ "198.51.100.1", 1, 1 }, { "203.0.113.1", 1, 1 },
	{ "255.255.255.255", 1, 1 }, { "255.255.255.254", 0, 0 },
	{ "127.0.0.1", 1, 0 }, { "127.255.0.1", 1, 0 },
	{ "0.0.0.0", 1, 0 }, { "0.1.2.3", 1, 0 },
	{ "100.64.0.1", 0, 0 }, { "8.8.8.8", 0, 0 },
	{ "fd00::1", 1, 1 }, { "fdff:ffff::1", 1, 1 }, { "fc00::1", 0, 0 },
	{ "fe80::1", 1, 1 }, { "febf::1", 1, 1 }, { "fec0::1", 1, 1 },
	{ "feff::1", 1, 1 }, { "fe7f::1", 0, 0 },
	{ "2001:db8::1", 1, 1 }, { "2001:db9::1", 0, 0 },
	{ "2001:4860::8888", 0, 0 },
	{ "::1", 1, 0 }, { "::", 1, 0 }, { "::2", 0, 0 },
	{ "::ffff:10.1.1.1", 1, 1 }, { "::ffff:8.8.8.8", 0, 0 },
	{ "::ffff:127.0.0.1", 1, 0 }, { "::10.1.1.1", 0, 0 },
};

START_TEST(test_private)
{
	uint8_t		 a[16];
	const char	*s = private_cases[_i].addr;
	int		 p1, p0;

	if (inet_pton(AF_INET, s, a) == 1) {
		p1 = filter_private4(a, 1);
		p0 = filter_private4(a, 0);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, a), 1);
		p1 = filter_private6(a, 1);
		p0 = filter_private6(a, 0);
	}
	ck_assert_msg(p1 == private_cases[_i].priv, "%s: %d", s, p1);
	ck_assert_msg(p0 == private_cases[_i].priv_lo_ok, "%s lo ok: %d", s,
	    p0);
}
END_TEST

/* ---- reverse names ------------------------------------------------------- */

static const struct {
	const char	*name;
	int		 af;		/* 0: not a reverse name */
	const char	*addr;
} reverse_cases[] = {
	{ "5.1.168.192.in-addr.arpa", AF_INET, "192.168.1.5" },
	{ "168.192.in-addr.arpa", AF_INET, "192.168.0.0" },
	{ "10.in-addr.arpa", AF_INET, "10.0.0.0" },
	{ "255.255.255.255.in-addr.arpa", AF_INET, "255.255.255.255" },
	{ "001.0.0.10.in-addr.arpa", AF_INET, "10.0.0.1" },
	{ "256.0.0.10.in-addr.arpa", 0, NULL },
	{ "1.2.3.4.5.in-addr.arpa", 0, NULL },
	{ "x.10.in-addr.arpa", 0, NULL },
	{ "1234.0.10.in-addr.arpa", 0, NULL },
	{ "in-addr.arpa", 0, NULL },
	{ "arpa", 0, NULL },
	{ "1.0.0.10.in-addr.arpa.example", 0, NULL },
	{ "1.0.0.10.in-addr.example", 0, NULL },
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f."
	    "ip6.arpa", AF_INET6, "fd00::1" },
	{ "d.f.ip6.arpa", AF_INET6, "fd00::" },
	{ "8.b.d.0.1.0.0.2.ip6.arpa", AF_INET6, "2001:db8::" },
	{ "a.b.c.d.e.f.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.0.1.2.3.4.5.6.7.8.9."
	    "ip6.arpa", AF_INET6, "9876:5432:10fe:dcba:9876:5432:10fe:dcba" },
	{ "0.a.b.c.d.e.f.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.0.1.2.3.4.5.6.7.8.9."
	    "ip6.arpa", 0, NULL },
	{ "g.f.ip6.arpa", 0, NULL },
	{ "ab.f.ip6.arpa", 0, NULL },
	{ "ip6.arpa", 0, NULL },
};

START_TEST(test_reverse)
{
	uint8_t		 name[DNS_MAXNAME + 64], a[16], want[16];
	size_t		 len = wire_name(reverse_cases[_i].name, name);
	int		 af;

	af = filter_reverse_addr(name, len, a);
	ck_assert_msg(af == reverse_cases[_i].af, "%s: af %d",
	    reverse_cases[_i].name, af);
	if (af == 0)
		return;
	ck_assert_int_eq(inet_pton(af, reverse_cases[_i].addr, want), 1);
	ck_assert_msg(memcmp(a, want, af == AF_INET ? 4 : 16) == 0, "%s",
	    reverse_cases[_i].name);
}
END_TEST

/* ---- the query side ------------------------------------------------------- */

static const struct {
	const char		*conf;
	const char		*name;
	uint16_t		 qtype;
	enum policy_action	 action;
} policy_cases[] = {
	{ "domain-needed\n", "printer", DNS_TYPE_A, POLICY_NXDOMAIN },
	{ "domain-needed\n", "printer", DNS_TYPE_AAAA, POLICY_NXDOMAIN },
	{ "domain-needed\n", "printer", DNS_TYPE_MX, POLICY_FORWARD },
	{ "domain-needed\n", "printer", 255, POLICY_FORWARD },
	{ "domain-needed\n", "printer.lan", DNS_TYPE_A, POLICY_FORWARD },
	{ "domain-needed\n", ".", DNS_TYPE_A, POLICY_FORWARD },
	{ "", "printer", DNS_TYPE_A, POLICY_FORWARD },
	/* dnsmasq 2.90: a server line does not lift domain-needed. */
	{ "domain-needed\nserver=/printer/192.0.2.1\n", "printer", DNS_TYPE_A,
	    POLICY_NXDOMAIN },
	{ "bogus-priv\n", "5.1.168.192.in-addr.arpa", DNS_TYPE_PTR,
	    POLICY_NXDOMAIN },
	{ "bogus-priv\n", "5.1.168.192.in-addr.arpa", DNS_TYPE_A,
	    POLICY_FORWARD },
	{ "bogus-priv\n", "8.8.8.8.in-addr.arpa", DNS_TYPE_PTR,
	    POLICY_FORWARD },
	{ "bogus-priv\n", "1.0.0.0.in-addr.arpa", DNS_TYPE_PTR,
	    POLICY_NXDOMAIN },
	{ "bogus-priv\n", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.8.e.f.ip6.arpa", DNS_TYPE_PTR, POLICY_NXDOMAIN },
	{ "bogus-priv\n", "8.8.8.8.8.6.8.4.1.0.0.2.ip6.arpa", DNS_TYPE_PTR,
	    POLICY_FORWARD },
	{ "", "5.1.168.192.in-addr.arpa", DNS_TYPE_PTR, POLICY_FORWARD },
	{ "bogus-priv\nserver=/168.192.in-addr.arpa/192.0.2.1\n",
	    "5.1.168.192.in-addr.arpa", DNS_TYPE_PTR, POLICY_FORWARD },
	{ "bogus-priv\nserver=/168.192.in-addr.arpa/192.0.2.1\n",
	    "1.0.0.10.in-addr.arpa", DNS_TYPE_PTR, POLICY_NXDOMAIN },
	/* server=/zone/ (local only) says NXDOMAIN first anyway. */
	{ "bogus-priv\nserver=/168.192.in-addr.arpa/\n",
	    "5.1.168.192.in-addr.arpa", DNS_TYPE_PTR, POLICY_NXDOMAIN },
	{ "filter-A\n", "www.example", DNS_TYPE_A, POLICY_EMPTY },
	{ "filter-A\naaaa-mode=forward\n", "www.example", DNS_TYPE_AAAA,
	    POLICY_FORWARD },
	{ "filter-rr=MX,txt,99\n", "www.example", DNS_TYPE_MX, POLICY_EMPTY },
	{ "filter-rr=MX,txt,99\n", "www.example", DNS_TYPE_TXT,
	    POLICY_EMPTY },
	{ "filter-rr=MX,txt,99\n", "www.example", 99, POLICY_EMPTY },
	{ "filter-rr=MX,txt,99\n", "www.example", DNS_TYPE_A,
	    POLICY_FORWARD },
	{ "filter-rr=ANY\n", "www.example", 255, POLICY_EMPTY },
	{ "aaaa-mode=forward\nfilter-rr=AAAA\n", "www.example", DNS_TYPE_AAAA,
	    POLICY_EMPTY },
	/* RFC 6761 names stay local whatever the filters say. */
	{ "filter-A\n", "localhost", DNS_TYPE_A, POLICY_LOCAL },
	{ "bogus-priv\n", "1.0.0.127.in-addr.arpa", DNS_TYPE_PTR,
	    POLICY_LOCAL },
};

START_TEST(test_policy_filter)
{
	struct config		*c = conf_of(policy_cases[_i].conf);
	struct query		 q;
	struct policy_decision	 d;

	query_of(&q, policy_cases[_i].name, policy_cases[_i].qtype);
	policy_decide(c, 1, &q, &d);
	ck_assert_msg(d.action == policy_cases[_i].action,
	    "%s / %s %u: action %d, want %d", policy_cases[_i].conf,
	    policy_cases[_i].name, policy_cases[_i].qtype, d.action,
	    policy_cases[_i].action);
	config_free(c);
}
END_TEST

/* ---- the answer side ------------------------------------------------------- */

/* An answer to q: NOERROR, records "A 1.2.3.4" or "AAAA ::1" or
 * "CNAME" (to x.example), TTL ttl, an OPT at the end. */
static size_t
answer_of(const struct query *q, const char *const *recs, size_t nrec,
    uint32_t ttl, uint8_t *buf)
{
	size_t		 off, i;
	uint8_t		 a[16];

	put16(buf, q->id);
	put16(buf + 2, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA);
	put16(buf + 4, 1);
	put16(buf + 6, (uint16_t)nrec);
	put16(buf + 8, 0);
	put16(buf + 10, 1);
	off = DNS_HDRLEN;
	memcpy(buf + off, q->qname, q->qname_len);
	off += q->qname_len;
	put16(buf + off, q->qtype);
	put16(buf + off + 2, DNS_CLASS_IN);
	off += 4;
	for (i = 0; i < nrec; i++) {
		buf[off++] = 0xc0;		/* the question's name */
		buf[off++] = DNS_HDRLEN;
		if (strncmp(recs[i], "AAAA ", 5) == 0) {
			ck_assert_int_eq(inet_pton(AF_INET6, recs[i] + 5, a), 1);
			put16(buf + off, DNS_TYPE_AAAA);
			put16(buf + off + 8, 16);
			memcpy(buf + off + 10, a, 16);
		} else if (strncmp(recs[i], "A ", 2) == 0) {
			ck_assert_int_eq(inet_pton(AF_INET, recs[i] + 2, a), 1);
			put16(buf + off, DNS_TYPE_A);
			put16(buf + off + 8, 4);
			memcpy(buf + off + 10, a, 4);
		} else {
			put16(buf + off, DNS_TYPE_TXT);
			put16(buf + off + 8, 5);
			memcpy(buf + off + 10, "\00410.0", 5);
		}
		put16(buf + off + 2, DNS_CLASS_IN);
		put32(buf + off + 4, ttl);
		off += 10 + get16(buf + off + 8);
	}
	buf[off++] = 0;				/* OPT */
	put16(buf + off, DNS_TYPE_OPT);
	put16(buf + off + 2, 1232);
	put32(buf + off + 4, 0x00008000);	/* DO, must stay */
	put16(buf + off + 8, 0);
	return off + 10;
}

static const struct {
	const char		*conf;
	const char		*recs[3];
	size_t			 nrec;
	enum filter_verdict	 v;
} answer_cases[] = {
	{ "", { "A 192.168.1.1" }, 1, FILTER_PASS },
	{ "stop-dns-rebind\n", { "A 192.168.1.1" }, 1, FILTER_REBIND },
	{ "stop-dns-rebind\n", { "A 8.8.8.8", "A 10.0.0.1" }, 2,
	    FILTER_REBIND },
	{ "stop-dns-rebind\n", { "A 8.8.8.8", "A 100.64.0.1" }, 2,
	    FILTER_PASS },
	{ "stop-dns-rebind\n", { "A 127.0.0.1" }, 1, FILTER_REBIND },
	{ "stop-dns-rebind\nrebind-localhost-ok\n", { "A 127.0.0.1" }, 1,
	    FILTER_PASS },
	{ "stop-dns-rebind\nrebind-localhost-ok\n", { "A 0.0.0.0" }, 1,
	    FILTER_PASS },
	{ "stop-dns-rebind\nrebind-localhost-ok\n", { "A 10.0.0.1" }, 1,
	    FILTER_REBIND },
	{ "stop-dns-rebind\n", { "AAAA ::ffff:192.168.0.1" }, 1,
	    FILTER_REBIND },
	{ "stop-dns-rebind\n", { "AAAA fd12::1" }, 1, FILTER_REBIND },
	{ "stop-dns-rebind\n", { "AAAA 2a00::1" }, 1, FILTER_PASS },
	{ "stop-dns-rebind\nrebind-localhost-ok\n", { "AAAA ::1" }, 1,
	    FILTER_PASS },
	{ "stop-dns-rebind\n", { "TXT" }, 1, FILTER_PASS },
	{ "bogus-nxdomain=64.94.110.11\n", { "A 64.94.110.11" }, 1,
	    FILTER_NXDOMAIN },
	{ "bogus-nxdomain=64.94.110.11\n", { "A 64.94.110.12" }, 1,
	    FILTER_PASS },
	{ "bogus-nxdomain=64.94.0.0/15\n", { "A 64.95.255.255" }, 1,
	    FILTER_NXDOMAIN },
	{ "bogus-nxdomain=64.94.0.0/15\n", { "A 64.96.0.0" }, 1,
	    FILTER_PASS },
	{ "bogus-nxdomain=64.94.1.2/15\n", { "A 64.94.0.1" }, 1,
	    FILTER_NXDOMAIN },
	{ "bogus-nxdomain=2001:db8:1::/47\n", { "AAAA 2001:db8:1:ffff::1" },
	    1, FILTER_NXDOMAIN },
	{ "bogus-nxdomain=2001:db8:1::/47\n", { "AAAA 2001:db8:2::1" }, 1,
	    FILTER_PASS },
	{ "bogus-nxdomain=0.0.0.0/0\n", { "A 1.2.3.4" }, 1, FILTER_NXDOMAIN },
	{ "bogus-nxdomain=0.0.0.0/0\n", { "AAAA 2a00::1" }, 1, FILTER_PASS },
	{ "ignore-address=203.0.113.0/24\n", { "A 8.8.8.8", "A 203.0.113.5" },
	    2, FILTER_IGNORE },
	{ "ignore-address=::/0\n", { "AAAA 2a00::1" }, 1, FILTER_IGNORE },
	/* dnsmasq's order: ignore, then bogus, then rebind. */
	{ "ignore-address=10.0.0.1\nbogus-nxdomain=10.0.0.1\n"
	    "stop-dns-rebind\n", { "A 10.0.0.1" }, 1, FILTER_IGNORE },
	{ "bogus-nxdomain=10.0.0.1\nstop-dns-rebind\n", { "A 10.0.0.1" }, 1,
	    FILTER_NXDOMAIN },
};

START_TEST(test_answer)
{
	struct config	*c = conf_of(answer_cases[_i].conf);
	struct query	 q;
	uint8_t		 ans[DNS_MAXMSG];
	size_t		 len;
	int		 rcode;

	query_of(&q, "www.example", DNS_TYPE_A);
	len = answer_of(&q, answer_cases[_i].recs, answer_cases[_i].nrec, 300,
	    ans);
	ck_assert_int_eq(msg_check_answer(ans, len, q.id, &q, &rcode),
	    ANSWER_OK);
	ck_assert_msg(filter_answer(c, &q, ans, len) == answer_cases[_i].v,
	    "%s %s: %d", answer_cases[_i].conf, answer_cases[_i].recs[0],
	    filter_answer(c, &q, ans, len));
	/* An NXDOMAIN is never looked into. */
	ans[3] |= DNS_RCODE_NXDOMAIN;
	ck_assert_int_eq(filter_answer(c, &q, ans, len), FILTER_PASS);
	config_free(c);
}
END_TEST

/* The replacement: rcode, the question, no record, EDE 15 in an OPT that
 * a client without EDNS does not see. */
START_TEST(test_replace)
{
	struct query	 q;
	uint8_t		 buf[512];
	size_t		 len, n, off;
	int		 rcode;

	query_of(&q, "www.example", DNS_TYPE_A);
	len = filter_replace(&q, FILTER_NXDOMAIN, buf, sizeof(buf));
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(msg_check_answer(buf, len, q.id, &q, &rcode),
	    ANSWER_OK);
	ck_assert_int_eq(rcode, DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(get16(buf + 6), 0);
	ck_assert_uint_eq(get16(buf + 8), 0);
	ck_assert_uint_eq(get16(buf + 10), 1);
	off = DNS_HDRLEN + q.qname_len + 4;
	ck_assert_uint_eq(get16(buf + off + 1), DNS_TYPE_OPT);
	ck_assert_uint_eq(get16(buf + off + 11), DNS_EDNS_OPT_EDE);
	ck_assert_uint_eq(get16(buf + off + 15), 15);
	n = msg_finish_answer(buf, len, &q, 512);
	ck_assert_uint_eq(get16(buf + 10), 0);
	ck_assert_uint_eq(n, off);

	len = filter_replace(&q, FILTER_REBIND, buf, sizeof(buf));
	ck_assert_int_eq(msg_check_answer(buf, len, q.id, &q, &rcode),
	    ANSWER_OK);
	ck_assert_int_eq(rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(get16(buf + 6), 0);
	ck_assert_uint_eq(filter_replace(&q, FILTER_REBIND, buf, 20), 0);
}
END_TEST

/* max-ttl: every record's TTL at most max, the OPT's flags untouched. */
START_TEST(test_cap_ttls)
{
	static const char *const recs[] = { "A 192.0.2.1", "A 192.0.2.2",
	    "TXT" };
	struct query	 q;
	struct msg_iter	 it;
	struct msg_rr	 rr;
	uint8_t		 ans[DNS_MAXMSG];
	size_t		 len;
	int		 n = 0;

	query_of(&q, "www.example", DNS_TYPE_A);
	len = answer_of(&q, recs, 3, 300, ans);
	put32(ans + DNS_HDRLEN + q.qname_len + 4 + 6, 10);  /* first: 10 */
	filter_cap_ttls(ans, len, 60);
	ck_assert_int_eq(msg_iter_start(&it, ans, len), 0);
	while (msg_iter_next(&it, &rr) == 1) {
		if (rr.type == DNS_TYPE_OPT)
			ck_assert_uint_eq(get32(ans + rr.ttl), 0x8000);
		else
			ck_assert_uint_eq(get32(ans + rr.ttl), n == 0 ? 10 :
			    60);
		n++;
	}
	ck_assert_int_eq(n, 4);
	filter_cap_ttls(ans, len, 0);		/* 0: no cap */
	ck_assert_int_eq(msg_iter_start(&it, ans, len), 0);
	ck_assert_int_eq(msg_iter_next(&it, &rr), 1);
	ck_assert_uint_eq(get32(ans + rr.ttl), 10);
}
END_TEST

/* ---- the setters --------------------------------------------------------- */

static const struct {
	const char	*conf;
	const char	*err;		/* NULL: accepted */
} setter_cases[] = {
	{ "bogus-nxdomain=1.2.3.4/24\n", NULL },
	{ "bogus-nxdomain=::/0\n", NULL },
	{ "bogus-nxdomain=1.2.3.4/33\n", "t.conf:1: bogus-nxdomain: "
	    "'1.2.3.4/33' is not an IPv4 or IPv6 address with an optional "
	    "/PREFIX" },
	{ "ignore-address=2001:db8::/129\n", "t.conf:1: ignore-address: "
	    "'2001:db8::/129' is not an IPv4 or IPv6 address with an "
	    "optional /PREFIX" },
	{ "ignore-address=host.example\n", "t.conf:1: ignore-address: "
	    "'host.example' is not an IPv4 or IPv6 address with an optional "
	    "/PREFIX" },
	{ "ignore-address=1.2.3.4/\n", "t.conf:1: ignore-address: "
	    "'1.2.3.4/' is not an IPv4 or IPv6 address with an optional "
	    "/PREFIX" },
	{ "filter-rr=MX,,TXT\n", "t.conf:1: filter-rr: '' is not a record "
	    "type that can be filtered (a name such as MX, or a number from "
	    "1 to 65535 but OPT, IXFR, AXFR)" },
	{ "filter-rr=65536\n", "t.conf:1: filter-rr: '65536' is not a record "
	    "type that can be filtered (a name such as MX, or a number from "
	    "1 to 65535 but OPT, IXFR, AXFR)" },
	{ "filter-rr=TYPE65535\n", NULL },
	{ "use-stale-cache=-1\n", "t.conf:1: use-stale-cache: '-1' is not a "
	    "number of seconds" },
	{ "query-port=0\n", NULL },
	{ "query-port=5353\n", "t.conf:1: query-port: 5353: a fixed source "
	    "port for every query leaves only the 16-bit ID against spoofed "
	    "answers (RFC 5452); briskdns uses a fresh random port per query: "
	    "use min-port/max-port for a range a firewall can open" },
	{ "min-port=0\n", "t.conf:1: min-port: '0' is not a number from 1 "
	    "to 65535" },
	{ "min-port=3000\nmax-port=2000\n", "t.conf: min-port (3000) is "
	    "greater than max-port (2000)" },
	{ "max-ttl=-1\n", "t.conf:1: max-ttl: '-1' is not a number from 0 to "
	    "2147483647" },
	{ "domain-needed=yes\n", "t.conf:1: domain-needed: takes no value" },
};

START_TEST(test_setters)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*c;
	const char		*t = setter_cases[_i].conf;

	c = config_load_buffer("t.conf", t, strlen(t), &errs);
	if (setter_cases[_i].err == NULL) {
		ck_assert_msg(c != NULL, "%s: %s", t, errs.n ? errs.msg[0] :
		    "?");
	} else {
		ck_assert_ptr_null(c);
		ck_assert_uint_ge(errs.n, 1);
		ck_assert_str_eq(errs.msg[0], setter_cases[_i].err);
	}
	config_free(c);
	config_errors_clear(&errs);
}
END_TEST

/* Values: prefixes with host bits cleared, use-stale-cache's mapping. */
START_TEST(test_values)
{
	struct config	*c;
	uint8_t		 want[16];

	c = conf_of("bogus-nxdomain=10.1.2.3/12\nbogus-nxdomain=10.0.0.0/12\n"
	    "ignore-address=2001:db8::1\nfilter-A\nfilter-rr=a,MX\n"
	    "min-port=4000\n");
	ck_assert_uint_eq(c->nbogus_nxdomain, 1);	/* the same net */
	ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.0", want), 1);
	ck_assert_mem_eq(c->bogus_nxdomain[0].addr, want, 4);
	ck_assert_uint_eq(c->bogus_nxdomain[0].prefix, 12);
	ck_assert_uint_eq(c->ignore_address[0].prefix, 128);
	ck_assert_uint_eq(c->nfilter_rr, 2);
	ck_assert_uint_eq(c->min_port, 4000);
	ck_assert_uint_eq(c->max_port, 65535);
	config_free(c);

	c = conf_of("use-stale-cache\n");
	ck_assert_uint_eq(c->serve_stale, 86400);
	config_free(c);
	c = conf_of("use-stale-cache=0\n");
	ck_assert_uint_eq(c->serve_stale, 604800);
	config_free(c);
	c = conf_of("use-stale-cache=3600\n");
	ck_assert_uint_eq(c->serve_stale, 3600);
	config_free(c);
	c = conf_of("use-stale-cache=99999999\n");
	ck_assert_uint_eq(c->serve_stale, 604800);
	config_free(c);
	c = conf_of("max-port=900\n");
	ck_assert_uint_eq(c->min_port, 1);
	ck_assert_uint_eq(c->max_port, 900);
	config_free(c);
}
END_TEST

static Suite *
filter_suite(void)
{
	Suite	*s = suite_create("filter");
	TCase	*tc = tcase_create("filter");

	tcase_add_loop_test(tc, test_private, 0,
	    sizeof(private_cases) / sizeof(private_cases[0]));
	tcase_add_loop_test(tc, test_reverse, 0,
	    sizeof(reverse_cases) / sizeof(reverse_cases[0]));
	tcase_add_loop_test(tc, test_policy_filter, 0,
	    sizeof(policy_cases) / sizeof(policy_cases[0]));
	tcase_add_loop_test(tc, test_answer, 0,
	    sizeof(answer_cases) / sizeof(answer_cases[0]));
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_cap_ttls);
	tcase_add_loop_test(tc, test_setters, 0,
	    sizeof(setter_cases) / sizeof(setter_cases[0]));
	tcase_add_test(tc, test_values);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(filter_suite());
}
