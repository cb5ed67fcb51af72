/*
 * test_localdata.c: unit tests of the answers briskdns makes for the
 * names it never forwards (src/localdata.c).
 *
 * Queries go through the real msg_parse_query(); each answer is checked
 * field by field (header bits, question echoed in the client's case,
 * records, the SOA's owner, the OPT RR) and then by ldns as a whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <ldns/ldns.h>

#include "unit.h"
#include "briskdns.h"
#include "localdata.h"
#include "msg.h"
#include "wire.h"

#define CH	DNS_CLASS_CH
#define IN	DNS_CLASS_IN
#define TTL	77

static const char rev6_one[] = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
    "0.0.0.0.0.0.0.0.0.0.0.ip6.arpa";

struct ld_case {
	const char	*qname;		/* as the client writes it */
	uint16_t	 qclass, qtype;
	int		 edns;
	enum localdata_kind kind;
	int		 rcode;
	const char	*answer;	/* the record's RDATA as ldns prints it */
	const char	*soa_owner;	/* NULL: no SOA */
};

static const struct ld_case cases[] = {
	{ "localhost", IN, DNS_TYPE_A, 0, LOCALDATA_ANSWER, 0, "127.0.0.1",
	    NULL },
	{ "LocalHost", IN, DNS_TYPE_AAAA, 1, LOCALDATA_ANSWER, 0, "::1",
	    NULL },
	{ "www.Example.localhost", IN, DNS_TYPE_A, 1, LOCALDATA_ANSWER, 0,
	    "127.0.0.1", NULL },
	{ "a.localhost", IN, DNS_TYPE_MX, 0, LOCALDATA_ANSWER, 0, NULL,
	    "localhost." },
	{ "localhost", IN, DNS_TYPE_SOA, 1, LOCALDATA_ANSWER, 0, NULL,
	    "localhost." },
	{ "1.0.0.127.in-addr.arpa", IN, DNS_TYPE_PTR, 1, LOCALDATA_ANSWER, 0,
	    "localhost.", NULL },
	{ "1.0.0.127.IN-ADDR.arpa", IN, DNS_TYPE_A, 0, LOCALDATA_ANSWER, 0,
	    NULL, "127.IN-ADDR.arpa." },
	{ "0.0.127.in-addr.arpa", IN, DNS_TYPE_PTR, 0, LOCALDATA_ANSWER, 0,
	    NULL, "127.in-addr.arpa." },
	{ "127.in-addr.arpa", IN, DNS_TYPE_NS, 0, LOCALDATA_ANSWER, 0,
	    NULL, "127.in-addr.arpa." },
	{ "2.0.0.127.in-addr.arpa", IN, DNS_TYPE_PTR, 1, LOCALDATA_ANSWER, 3,
	    NULL, "127.in-addr.arpa." },
	{ "x.1.0.0.127.in-addr.arpa", IN, DNS_TYPE_PTR, 0, LOCALDATA_ANSWER,
	    3, NULL, "127.in-addr.arpa." },
	{ "1.0.0.128.in-addr.arpa", IN, DNS_TYPE_PTR, 0, LOCALDATA_NONE, 0,
	    NULL, NULL },
	{ rev6_one, IN, DNS_TYPE_PTR, 1, LOCALDATA_ANSWER, 0, "localhost.",
	    NULL },
	{ rev6_one, IN, DNS_TYPE_AAAA, 0, LOCALDATA_ANSWER, 0, NULL, NULL },
	{ "version.bind", CH, DNS_TYPE_TXT, 0, LOCALDATA_ANSWER, 0,
	    "\"briskdns-" VERSION "\"", NULL },
	{ "Version.Server", CH, DNS_TYPE_TXT, 1, LOCALDATA_ANSWER, 0,
	    "\"briskdns-" VERSION "\"", NULL },
	{ "hostname.bind", CH, DNS_TYPE_TXT, 0, LOCALDATA_REFUSED, 0, NULL,
	    NULL },
	{ "localhost", CH, DNS_TYPE_A, 0, LOCALDATA_REFUSED, 0, NULL, NULL },
	{ "localhost", 254, DNS_TYPE_A, 0, LOCALDATA_NONE, 0, NULL, NULL },
	{ "localhost.example", IN, DNS_TYPE_A, 0, LOCALDATA_NONE, 0, NULL,
	    NULL },
	{ "notlocalhost", IN, DNS_TYPE_A, 0, LOCALDATA_NONE, 0, NULL, NULL },
	{ "localhostx", IN, DNS_TYPE_A, 0, LOCALDATA_NONE, 0, NULL, NULL },
};

static void
make_query(struct query *q, const struct ld_case *c, uint16_t flags)
{
	uint8_t	 p[512];
	size_t	 o = DNS_HDRLEN;

	memset(p, 0, DNS_HDRLEN);
	put16(p, 0x7a7a);
	put16(p + 2, flags);
	put16(p + 4, 1);
	put16(p + 10, c->edns ? 1 : 0);
	o += wire_name(c->qname, p + o);
	put16(p + o, c->qtype);
	put16(p + o + 2, c->qclass);
	o += 4;
	if (c->edns) {
		p[o] = 0;
		put16(p + o + 1, DNS_TYPE_OPT);
		put16(p + o + 3, 4096);
		put32(p + o + 5, 0x8000);		/* DO */
		put16(p + o + 9, 0);
		o += 11;
	}
	ck_assert_int_eq(msg_parse_query(p, o, q), MSG_OK);
}

START_TEST(test_answer)
{
	const struct ld_case	*c = &cases[_i];
	struct query		 q;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 n, qend;
	ldns_pkt		*pkt = NULL;
	ldns_rr			*rr;
	char			*s;
	uint16_t		 flags;

	make_query(&q, c, DNS_FLAG_RD | DNS_FLAG_CD);
	ck_assert_msg(localdata_match(&q) == c->kind, "%s: kind %d, want %d",
	    c->qname, localdata_match(&q), c->kind);
	n = localdata_answer(&q, TTL, buf, sizeof(buf));
	if (c->kind != LOCALDATA_ANSWER) {
		ck_assert_uint_eq(n, 0);
		return;
	}
	ck_assert_uint_gt(n, DNS_HDRLEN);
	ck_assert_uint_eq(localdata_answer(&q, TTL, buf, n - 1), 0);
	n = localdata_answer(&q, TTL, buf, sizeof(buf));

	/* Header: ID, QR, RA, RD and CD echoed, AA clear, rcode. */
	flags = get16(buf + 2);
	ck_assert_uint_eq(get16(buf), 0x7a7a);
	ck_assert(flags & DNS_FLAG_QR);
	ck_assert(flags & DNS_FLAG_RA);
	ck_assert(flags & DNS_FLAG_RD);
	ck_assert(flags & DNS_FLAG_CD);
	ck_assert(!(flags & DNS_FLAG_AA));
	ck_assert_int_eq(DNS_RCODE(flags), c->rcode);
	/* The question in the client's case. */
	qend = DNS_HDRLEN + q.qname_len;
	ck_assert_int_eq(memcmp(buf + DNS_HDRLEN, q.qname_case, q.qname_len),
	    0);
	ck_assert_uint_eq(get16(buf + qend), c->qtype);
	ck_assert_uint_eq(get16(buf + qend + 2), c->qclass);
	ck_assert_uint_eq(get16(buf + 6), c->answer != NULL ? 1 : 0);
	ck_assert_uint_eq(get16(buf + 8), c->answer == NULL ? 1 : 0);
	ck_assert_uint_eq(get16(buf + 10), c->edns ? 1 : 0);

	/* The whole, as a client's parser sees it. */
	ck_assert_int_eq(ldns_wire2pkt(&pkt, buf, n), LDNS_STATUS_OK);
	if (c->answer != NULL) {
		rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), 0);
		ck_assert_uint_eq(ldns_rr_get_type(rr), c->qtype);
		ck_assert_uint_eq(ldns_rr_ttl(rr),
		    c->qclass == CH ? 0 : TTL);
		s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
		ck_assert_str_eq(s, c->answer);
		LDNS_FREE(s);
	} else {
		rr = ldns_rr_list_rr(ldns_pkt_authority(pkt), 0);
		ck_assert_uint_eq(ldns_rr_get_type(rr), DNS_TYPE_SOA);
		ck_assert_uint_eq(ldns_rr_ttl(rr), TTL);
		s = ldns_rdf2str(ldns_rr_owner(rr));
		if (c->soa_owner != NULL)
			ck_assert_str_eq(s, c->soa_owner);
		LDNS_FREE(s);
	}
	if (c->edns) {
		ck_assert(ldns_pkt_edns(pkt));
		ck_assert(ldns_pkt_edns_do(pkt));
	}
	ldns_pkt_free(pkt);
}
END_TEST

/* The ::1 reverse name's owner: the name itself (its own apex). */
START_TEST(test_rev6_soa_owner)
{
	struct ld_case	 c = { rev6_one, IN, DNS_TYPE_A, 0,
	    LOCALDATA_ANSWER, 0, NULL, NULL };
	struct query	 q;
	uint8_t		 buf[DNS_MAXMSG];
	size_t		 n;

	make_query(&q, &c, DNS_FLAG_RD);
	n = localdata_answer(&q, TTL, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	/* The SOA's owner points at the question's name. */
	ck_assert_uint_eq(get16(buf + DNS_HDRLEN + q.qname_len + 4),
	    0xc000 | DNS_HDRLEN);
	c.qname = "x.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.ip6.arpa";
	make_query(&q, &c, DNS_FLAG_RD);
	n = localdata_answer(&q, TTL, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(DNS_RCODE(buf[3]), DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(get16(buf + DNS_HDRLEN + q.qname_len + 4),
	    0xc000 | (DNS_HDRLEN + 2));
}
END_TEST

/* servers.bind's servers: two, then none. */
static const char *
two_servers(size_t i, char *buf, size_t len)
{
	if (i >= 2)
		return NULL;
	snprintf(buf, len, "192.0.2.%zu#53 %zu 1", i + 1, 10 * (i + 1));
	return buf;
}

/* The TXT strings of the one answer record of buf, "|"-separated. */
static void
txt_of(const uint8_t *buf, size_t n, char *out, size_t outsz)
{
	ldns_pkt	*pkt = NULL;
	ldns_rr		*rr;
	ldns_rdf	*rdf;
	size_t		 i, o = 0;

	ck_assert(ldns_wire2pkt(&pkt, buf, n) == LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_ancount(pkt), 1);
	rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), 0);
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_TXT);
	ck_assert_int_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_CH);
	ck_assert_uint_eq(ldns_rr_ttl(rr), 0);
	out[0] = '\0';
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		rdf = ldns_rr_rdf(rr, i);
		o += (size_t)snprintf(out + o, outsz - o, "%s%.*s",
		    i > 0 ? "|" : "", (int)ldns_rdf_data(rdf)[0],
		    (const char *)ldns_rdf_data(rdf) + 1);
		ck_assert_uint_lt(o, outsz);
	}
	ldns_pkt_free(pkt);
}

/* dnsmasq 2.90's statistics names: one TXT, TTL 0, from the counters;
 * without them (the interception door) not answered here. */
START_TEST(test_chaos_stats)
{
	static const struct {
		const char	*name;
		const char	*want;
	} names[] = {
		{ "cachesize.bind", "150" }, { "Insertions.BIND", "7" },
		{ "evictions.bind", "0" }, { "misses.bind", "12" },
		{ "hits.bind", "18446744073709551615" }, { "auth.bind", "0" },
		{ "servers.bind", "192.0.2.1#53 10 1|192.0.2.2#53 20 1" },
	};
	struct localdata_stats	 st = { 150, 7, 0, 12,
	    18446744073709551615ULL, two_servers };
	struct localdata_stats	 none = { 0, 0, 0, 0, 0, NULL };
	struct ld_case		 c = { NULL, CH, DNS_TYPE_TXT, 0,
	    LOCALDATA_ANSWER, 0, NULL, NULL };
	struct query		 q;
	uint8_t			 buf[DNS_MAXMSG];
	char			 txt[512];
	size_t			 i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		c.qname = names[i].name;
		c.edns = (int)(i % 2);
		make_query(&q, &c, DNS_FLAG_RD);
		ck_assert_int_eq(localdata_match(&q), LOCALDATA_ANSWER);
		ck_assert_uint_eq(localdata_answer(&q, TTL, buf, sizeof(buf)),
		    0);
		n = localdata_answer_stats(&q, TTL, &st, buf, sizeof(buf));
		ck_assert_uint_gt(n, 0);
		ck_assert_int_eq(DNS_RCODE(buf[3]), DNS_RCODE_NOERROR);
		txt_of(buf, n, txt, sizeof(txt));
		ck_assert_str_eq(txt, names[i].want);
		/* Too small a buffer: 0, never past it. */
		ck_assert_uint_eq(localdata_answer_stats(&q, TTL, &st, buf,
		    n - 1), 0);
	}
	/* No server: one empty string. */
	c.qname = "servers.bind";
	make_query(&q, &c, DNS_FLAG_RD);
	n = localdata_answer_stats(&q, TTL, &none, buf, sizeof(buf));
	txt_of(buf, n, txt, sizeof(txt));
	ck_assert_str_eq(txt, "");
	/* Other types and classes, unknown names: as before. */
	c.qtype = DNS_TYPE_A;
	make_query(&q, &c, DNS_FLAG_RD);
	ck_assert_int_eq(localdata_match(&q), LOCALDATA_REFUSED);
	c.qtype = DNS_TYPE_TXT;
	c.qclass = IN;
	make_query(&q, &c, DNS_FLAG_RD);
	ck_assert_int_eq(localdata_match(&q), LOCALDATA_NONE);
	c.qclass = CH;
	c.qname = "authors.bind";
	make_query(&q, &c, DNS_FLAG_RD);
	ck_assert_int_eq(localdata_match(&q), LOCALDATA_REFUSED);
	/* version.bind with the counters: still the version. */
	c.qname = "version.bind";
	make_query(&q, &c, DNS_FLAG_RD);
	n = localdata_answer_stats(&q, TTL, &st, buf, sizeof(buf));
	txt_of(buf, n, txt, sizeof(txt));
	ck_assert_str_eq(txt, "briskdns-" VERSION);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("localdata");
	TCase	*tc = tcase_create("answers");

	tcase_add_loop_test(tc, test_answer, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_rev6_soa_owner);
	tcase_add_test(tc, test_chaos_stats);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
