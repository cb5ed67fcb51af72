/*
 * test_msg.c: unit tests of the message module (src/msg.c).
 *
 * Tables of packets assembled from readable parts; answers briskdns makes
 * are read back with ldns, an independent parser, and every field the
 * interface fixes is checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <ldns/ldns.h>

#include "unit.h"
#include "briskdns.h"
#include "msg.h"

/* ---- packet assembly ---------------------------------------------------- */

static size_t
put16(uint8_t *p, size_t o, uint16_t v)
{
	p[o] = v >> 8;
	p[o + 1] = v & 0xff;
	return o + 2;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t
put_header(uint8_t *p, uint16_t id, uint16_t flags, uint16_t qd,
    uint16_t an, uint16_t ns, uint16_t ar)
{
	size_t	 o = 0;

	o = put16(p, o, id);
	o = put16(p, o, flags);
	o = put16(p, o, qd);
	o = put16(p, o, an);
	o = put16(p, o, ns);
	return put16(p, o, ar);
}

/* Standard query: header, name, type, class IN, then extra bytes. */
static size_t
make_query(uint8_t *p, uint16_t id, uint16_t flags, const char *name,
    uint16_t qtype, uint16_t ar, const uint8_t *extra, size_t extralen)
{
	size_t	 o;

	o = put_header(p, id, flags, 1, 0, 0, ar);
	o += wire_name(name, p + o);
	o = put16(p, o, qtype);
	o = put16(p, o, DNS_CLASS_IN);
	if (extralen > 0)
		memcpy(p + o, extra, extralen);
	return o + extralen;
}

/* OPT RRs. */
static const uint8_t opt_4096[] = { 0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0 };
static const uint8_t opt_do[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0 };
static const uint8_t opt_small[] = { 0, 0, 41, 0, 100, 0, 0, 0, 0, 0, 0 };
static const uint8_t opt_cookie[] = {
	0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 12,
	0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,
};
/* COOKIE, a private option 65001 and padding: only 65001 goes upstream. */
static const uint8_t opt_mixed[] = {
	0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 25,
	0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,
	0xfd, 0xe9, 0, 2, 0xab, 0xcd,
	0, 12, 0, 3, 0, 0, 0,
};
/* ECS (RFC 7871): family 1, source /24, scope 0, 192.0.2. */
static const uint8_t opt_ecs[] = {
	0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 11,
	0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2,
};
static const uint8_t opt_badopts[] = {	/* option length past RDATA */
	0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 4, 0, 10, 0, 8,
};
static const uint8_t opt_v1[] = { 0, 0, 41, 0x10, 0x00, 0, 1, 0x80, 0, 0, 0 };
static const uint8_t opt_two[] = {
	0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0,
	0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0,
};
static const uint8_t opt_notroot[] = {
	3, 'f', 'o', 'o', 0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0,
};
static const uint8_t opt_compressed[] = {	/* owner: pointer to qname */
	0xc0, 12, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0,
};
/* An A record in the additional section, owner compressed. */
static const uint8_t ar_a[] = {
	0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
};
static const uint8_t ar_a_opt[] = {
	0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
	0, 0, 41, 0x10, 0x00, 0, 0, 0x80, 0, 0, 0,
};
static const uint8_t ar_loop[] = {	/* at 29, a pointer to itself */
	0xc0, 29, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
};
static const uint8_t junk[] = { 0xde, 0xad };
static const uint8_t opt_short[] = { 0, 0, 41, 0x10, 0x00, 0 };

#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L64 L63 "b"
#define EXTRA(a)	a, sizeof(a)

/* ---- msg_parse_query ---------------------------------------------------- */

struct parse_case {
	const char	*desc;
	uint16_t	 flags;
	const char	*name;
	uint16_t	 qtype;
	uint16_t	 ar;
	const uint8_t	*extra;
	size_t		 extralen;
	int		 fix;		/* what to corrupt, below */
	enum msg_status	 want;
	int		 edns;
	uint16_t	 edns_size;
	int		 edns_do;
	size_t		 optslen;
};

enum { FIX_NONE, FIX_QD0, FIX_QD2, FIX_AN1, FIX_NS1, FIX_SHORT, FIX_CUT3,
    FIX_QPTR, FIX_CUTNAME, FIX_EMPTY };

static const struct parse_case parse_cases[] = {
	{ "A", 0x0100, "www.example.com", 1, 0, NULL, 0, FIX_NONE,
	    MSG_OK, 0, 512, 0, 0 },
	{ "AAAA mixed case", 0x0100, "WwW.ExAmPlE.CoM", 28, 0, NULL, 0,
	    FIX_NONE, MSG_OK, 0, 512, 0, 0 },
	{ "root NS", 0x0000, ".", 2, 0, NULL, 0, FIX_NONE, MSG_OK, 0, 512,
	    0, 0 },
	{ "EDNS 4096", 0x0100, "example.com", 28, 1, EXTRA(opt_4096),
	    FIX_NONE, MSG_OK, 1, 4096, 0, 0 },
	{ "EDNS DO", 0x0110, "example.com", 1, 1, EXTRA(opt_do), FIX_NONE,
	    MSG_OK, 1, 1232, 1, 0 },
	{ "EDNS small size", 0x0100, "example.com", 1, 1, EXTRA(opt_small),
	    FIX_NONE, MSG_OK, 1, 512, 0, 0 },
	{ "EDNS cookie", 0x0100, "example.com", 1, 1, EXTRA(opt_cookie),
	    FIX_NONE, MSG_OK, 1, 1232, 0, 12 },
	{ "other additional skipped", 0x0100, "example.com", 1, 1,
	    EXTRA(ar_a), FIX_NONE, MSG_OK, 0, 512, 0, 0 },
	{ "additional then OPT", 0x0100, "example.com", 1, 2,
	    EXTRA(ar_a_opt), FIX_NONE, MSG_OK, 1, 4096, 1, 0 },
	{ "63-byte label", 0x0100, L63 ".com", 1, 0, NULL, 0, FIX_NONE,
	    MSG_OK, 0, 512, 0, 0 },
	{ "255-byte name", 0x0100,
	    L63 "." L63 "." L63 "." "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    1, 0, NULL, 0, FIX_NONE, MSG_OK, 0, 512, 0, 0 },
	{ "BADVERS", 0x0100, "example.com", 1, 1, EXTRA(opt_v1), FIX_NONE,
	    MSG_BADVERS, 1, 4096, 1, 0 },
	{ "QR set", 0x8100, "example.com", 1, 0, NULL, 0, FIX_NONE,
	    MSG_DROP, 0, 512, 0, 0 },
	{ "short header", 0x0100, "example.com", 1, 0, NULL, 0, FIX_SHORT,
	    MSG_DROP, 0, 512, 0, 0 },
	{ "empty", 0x0100, "example.com", 1, 0, NULL, 0, FIX_EMPTY,
	    MSG_DROP, 0, 512, 0, 0 },
	{ "NOTIFY", 0x2000, "example.com", 6, 0, NULL, 0, FIX_NONE,
	    MSG_NOTIMP, 0, 512, 0, 0 },
	{ "UPDATE, malformed rest", 0x2800, "example.com", 6, 0, NULL, 0,
	    FIX_QD0, MSG_NOTIMP, 0, 512, 0, 0 },
	{ "QDCOUNT 0", 0x0100, "example.com", 1, 0, NULL, 0, FIX_QD0,
	    MSG_FORMERR, 0, 512, 0, 0 },
	{ "QDCOUNT 2", 0x0100, "example.com", 1, 0, NULL, 0, FIX_QD2,
	    MSG_FORMERR, 0, 512, 0, 0 },
	{ "ANCOUNT 1", 0x0100, "example.com", 1, 0, NULL, 0, FIX_AN1,
	    MSG_FORMERR, 0, 512, 0, 0 },
	{ "NSCOUNT 1", 0x0100, "example.com", 1, 0, NULL, 0, FIX_NS1,
	    MSG_FORMERR, 0, 512, 0, 0 },
	{ "label > 63", 0x0100, L64 ".com", 1, 0, NULL, 0, FIX_NONE,
	    MSG_FORMERR, 0, 512, 0, 0 },
	{ "name > 255", 0x0100,
	    L63 "." L63 "." L63 "." L63 ".com", 1, 0, NULL, 0, FIX_NONE,
	    MSG_FORMERR, 0, 512, 0, 0 },
	{ "name past the end", 0x0100, "www.example.com", 1, 0, NULL, 0,
	    FIX_CUTNAME, MSG_FORMERR, 0, 512, 0, 0 },
	{ "no type and class", 0x0100, "www.example.com", 1, 0, NULL, 0,
	    FIX_CUT3, MSG_FORMERR, 0, 512, 0, 0 },
	{ "compression in question", 0x0100, "www.example.com", 1, 0, NULL,
	    0, FIX_QPTR, MSG_FORMERR, 0, 512, 0, 0 },
	{ "two OPTs", 0x0100, "example.com", 1, 2, EXTRA(opt_two), FIX_NONE,
	    MSG_FORMERR, 0, 512, 0, 0 },
	{ "OPT owner not root", 0x0100, "example.com", 1, 1,
	    EXTRA(opt_notroot), FIX_NONE, MSG_FORMERR, 0, 512, 0, 0 },
	{ "OPT owner compressed", 0x0100, "example.com", 1, 1,
	    EXTRA(opt_compressed), FIX_NONE, MSG_FORMERR, 0, 512, 0, 0 },
	{ "OPT option past RDATA", 0x0100, "example.com", 1, 1,
	    EXTRA(opt_badopts), FIX_NONE, MSG_FORMERR, 0, 512, 0, 0 },
	{ "OPT cut short", 0x0100, "example.com", 1, 1, EXTRA(opt_short),
	    FIX_NONE, MSG_FORMERR, 0, 512, 0, 0 },
	{ "ARCOUNT past the end", 0x0100, "example.com", 1, 2,
	    EXTRA(opt_4096), FIX_NONE, MSG_FORMERR, 0, 512, 0, 0 },
	{ "pointer loop in additional", 0x0100, "example.com", 1, 1,
	    EXTRA(ar_loop), FIX_NONE, MSG_FORMERR, 0, 512, 0, 0 },
	{ "trailing junk", 0x0100, "example.com", 1, 0, EXTRA(junk),
	    FIX_NONE, MSG_FORMERR, 0, 512, 0, 0 },
	{ "trailing junk after OPT", 0x0100, "example.com", 1, 1,
	    EXTRA(ar_a_opt), FIX_NONE, MSG_FORMERR, 0, 512, 0, 0 },
};

START_TEST(test_parse)
{
	const struct parse_case	*c = &parse_cases[_i];
	uint8_t			 pkt[1024], name[512];
	struct query		 q;
	size_t			 len, nlen, i;
	enum msg_status		 st;

	len = make_query(pkt, 0xabcd, c->flags, c->name, c->qtype, c->ar,
	    c->extra, c->extralen);
	nlen = wire_name(c->name, name);
	switch (c->fix) {
	case FIX_QD0: put16(pkt, 4, 0); break;
	case FIX_QD2: put16(pkt, 4, 2); break;
	case FIX_AN1: put16(pkt, 6, 1); break;
	case FIX_NS1: put16(pkt, 8, 1); break;
	case FIX_SHORT: len = 11; break;
	case FIX_EMPTY: len = 0; break;
	case FIX_CUT3: len = DNS_HDRLEN + nlen + 1; break;
	case FIX_CUTNAME: len = DNS_HDRLEN + 5; break;
	case FIX_QPTR:
		/* the question's name a pointer to itself */
		pkt[12] = 0xc0;
		pkt[13] = 12;
		break;
	}
	st = msg_parse_query(pkt, len, &q);
	ck_assert_msg(st == c->want, "%s: status %d, want %d", c->desc, st,
	    c->want);
	if (st != MSG_OK && st != MSG_BADVERS)
		return;
	ck_assert_uint_eq(q.id, 0xabcd);
	ck_assert_uint_eq(q.flags, c->flags);
	ck_assert_uint_eq(q.qtype, c->qtype);
	ck_assert_uint_eq(q.qclass, DNS_CLASS_IN);
	ck_assert_uint_eq(q.qname_len, nlen);
	ck_assert_mem_eq(q.qname_case, name, nlen);
	for (i = 0; i < nlen; i++)
		ck_assert_uint_eq(q.qname[i],
		    (name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	ck_assert_int_eq(q.edns, c->edns);
	ck_assert_uint_eq(q.edns_size, c->edns_size);
	ck_assert_int_eq(q.edns_do, c->edns_do);
	/* edns-packet-max (1232 by default) bounds what the client offers */
	ck_assert_uint_eq(msg_udp_limit(&q), !c->edns ? 512 :
	    c->edns_size < msg_edns_max() ? c->edns_size : msg_edns_max());
}
END_TEST

/*
 * Legal EDNS options of any total size the datagram allows are accepted
 * (they were FORMERR past 512 bytes); a datagram over MSG_QUERY_MAX is
 * FORMERR when its header reads, dropped when QR is set.
 */
START_TEST(test_parse_sizes)
{
	static const struct {
		size_t		 optlen;	/* bytes of one option's data */
		uint16_t	 flags;
		enum msg_status	 want;
	} cases[] = {
		{ 508, 0x0100, MSG_OK },
		{ 596, 0x0100, MSG_OK },
		{ 2000, 0x0100, MSG_OK },
		/* 12 + 13 + 11 + 4 + 4036 = 4076: still a query */
		{ 4036, 0x0100, MSG_OK },
		/* 4097 bytes and more: FORMERR, header permitting */
		{ 4057, 0x0100, MSG_FORMERR },
		{ 6000, 0x0100, MSG_FORMERR },
		{ 6000, 0x8100, MSG_DROP },
	};
	static uint8_t	 pkt[8192], opt[8192];
	struct query	 q;
	size_t		 len, i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = cases[i].optlen;
		memset(opt, 0, sizeof(opt));
		opt[2] = 41;
		opt[3] = 0x10;
		put16(opt, 9, (uint16_t)(n + 4));
		put16(opt, 11, 65001);		/* one local option */
		put16(opt, 13, (uint16_t)n);
		len = make_query(pkt, 1, cases[i].flags, "example.com", 1, 1,
		    opt, 11 + 4 + n);
		ck_assert_msg(msg_parse_query(pkt, len, &q) == cases[i].want,
		    "case %zu (%zu bytes)", i, len);
		if (cases[i].want == MSG_OK) {
			ck_assert_int_eq(q.edns, 1);
			ck_assert_uint_le(len, MSG_QUERY_MAX);
		} else if (cases[i].want == MSG_FORMERR)
			ck_assert_uint_gt(len, MSG_QUERY_MAX);
	}
}
END_TEST

/* edns-packet-max bounds every UDP answer; it is clamped to 512-4096. */
START_TEST(test_udp_limit)
{
	static const struct {
		size_t		 max;		/* edns-packet-max */
		const uint8_t	*opt;		/* the client's OPT */
		size_t		 want;
	} cases[] = {
		{ 1232, NULL, 512 },
		{ 1232, opt_4096, 1232 },
		{ 1232, opt_small, 512 },
		{ 4096, opt_4096, 4096 },
		{ 4096, opt_do, 1232 },
		{ 600, opt_4096, 600 },
		{ 100, opt_4096, 512 },		/* clamped */
		{ 9000, opt_4096, 4096 },	/* clamped */
	};
	struct query	 q;
	uint8_t		 pkt[512];
	size_t		 i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg_set_edns_max(cases[i].max);
		len = make_query(pkt, 1, 0x0100, "example.com", 1,
		    cases[i].opt ? 1 : 0, cases[i].opt, cases[i].opt ? 11 : 0);
		ck_assert_int_eq(msg_parse_query(pkt, len, &q), MSG_OK);
		ck_assert_msg(msg_udp_limit(&q) == cases[i].want,
		    "case %zu: %zu", i, msg_udp_limit(&q));
	}
	/* what is offered upstream follows it */
	msg_set_edns_max(1400);
	len = msg_build_forward(&q, 1, 0, pkt, sizeof(pkt));
	ck_assert_uint_eq(get16(pkt + len - 11 + 3), 1400);
	msg_set_edns_max(DNS_EDNS_PACKET_MAX);
}
END_TEST

/* ---- answers briskdns makes ---------------------------------------------- */

static void
parse_q(struct query *q, const char *name, uint16_t qtype, uint16_t flags,
    const uint8_t *opt, size_t optlen)
{
	uint8_t	 pkt[1024];
	size_t	 len;

	len = make_query(pkt, 0x5678, flags, name, qtype, opt ? 1 : 0,
	    opt, optlen);
	ck_assert_int_eq(msg_parse_query(pkt, len, q), MSG_OK);
}

static ldns_pkt *
ldns_read(const uint8_t *buf, size_t len)
{
	ldns_pkt	*p = NULL;

	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(ldns_wire2pkt(&p, buf, len), LDNS_STATUS_OK);
	ck_assert_ptr_nonnull(p);
	return p;
}

static void
check_name(const ldns_rdf *rdf, const char *text)
{
	ldns_rdf	*want;

	ck_assert_int_eq(ldns_str2rdf_dname(&want, text), LDNS_STATUS_OK);
	ck_assert_msg(ldns_dname_compare(rdf, want) == 0, "name != %s", text);
	ldns_rdf_deep_free(want);
}

/* Common header checks of an answer we made for q: ID, flags, question. */
static void
check_head(const uint8_t *buf, size_t len, const struct query *q, int rcode,
    uint16_t an, uint16_t ns, uint16_t ar)
{
	uint16_t	 f = get16(buf + 2);

	ck_assert_uint_ge(len, DNS_HDRLEN + q->qname_len + 4);
	ck_assert_uint_eq(get16(buf), q->id);
	ck_assert(f & DNS_FLAG_QR);
	ck_assert_uint_eq(DNS_OPCODE(f), 0);
	ck_assert(!(f & DNS_FLAG_AA));
	ck_assert(!(f & DNS_FLAG_TC));
	ck_assert(f & DNS_FLAG_RA);
	ck_assert(!(f & DNS_FLAG_AD));
	ck_assert_uint_eq(f & DNS_FLAG_RD, q->flags & DNS_FLAG_RD);
	ck_assert_uint_eq(f & DNS_FLAG_CD, q->flags & DNS_FLAG_CD);
	ck_assert_uint_eq(DNS_RCODE(f), rcode & 0xf);
	ck_assert_uint_eq(get16(buf + 4), 1);
	ck_assert_uint_eq(get16(buf + 6), an);
	ck_assert_uint_eq(get16(buf + 8), ns);
	ck_assert_uint_eq(get16(buf + 10), ar);
	/* the question in the client's case */
	ck_assert_mem_eq(buf + DNS_HDRLEN, q->qname_case, q->qname_len);
	ck_assert_uint_eq(get16(buf + DNS_HDRLEN + q->qname_len), q->qtype);
	ck_assert_uint_eq(get16(buf + DNS_HDRLEN + q->qname_len + 2),
	    q->qclass);
}

/* The OPT RR, last in buf: 1232, DO as q, xrcode, EDE ede or none. */
static void
check_opt(const uint8_t *buf, size_t len, const struct query *q, int xrcode,
    int ede)
{
	size_t		 optlen = 11 + (ede >= 0 ? 6 : 0);
	const uint8_t	*o = buf + len - optlen;

	ck_assert_uint_eq(o[0], 0);
	ck_assert_uint_eq(get16(o + 1), DNS_TYPE_OPT);
	ck_assert_uint_eq(get16(o + 3), msg_edns_max());
	ck_assert_uint_eq(o[5], xrcode);
	ck_assert_uint_eq(o[6], 0);		/* version */
	ck_assert_uint_eq(get16(o + 7), q->edns_do ? 0x8000 : 0);
	ck_assert_uint_eq(get16(o + 9), optlen - 11);
	if (ede >= 0) {
		ck_assert_uint_eq(get16(o + 11), DNS_EDNS_OPT_EDE);
		ck_assert_uint_eq(get16(o + 13), 2);
		ck_assert_uint_eq(get16(o + 15), ede);
	}
}

struct empty_case {
	const char	*name;
	uint16_t	 flags;
	const uint8_t	*opt;
	size_t		 optlen;
	int		 rcode;
	uint32_t	 ttl;
	int		 ede;
};

static const struct empty_case empty_cases[] = {
	{ "WwW.Example.COM", 0x0100, NULL, 0, 0, 60, DNS_EDE_FILTERED },
	{ "www.example.com", 0x0000, EXTRA(opt_4096), 0, 300,
	    DNS_EDE_FILTERED },
	{ "Ipv6.Test", 0x0110, EXTRA(opt_do), 0, 1, DNS_EDE_FILTERED },
	{ "gone.example", 0x0100, EXTRA(opt_do), DNS_RCODE_NXDOMAIN, 60, -1 },
	{ ".", 0x0100, EXTRA(opt_4096), 0, 60, DNS_EDE_FILTERED },
	{ L63 "." L63 "." L63 "." "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    0x0100, EXTRA(opt_do), 0, 60, DNS_EDE_FILTERED },
};

START_TEST(test_reply_empty)
{
	const struct empty_case	*c = &empty_cases[_i];
	struct query		 q;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 len, small;
	ldns_pkt		*p;
	ldns_rr			*soa;
	ldns_rr_list		*auth;
	char			 qtext[1100];

	parse_q(&q, c->name, DNS_TYPE_AAAA, c->flags, c->opt, c->optlen);
	len = msg_reply_empty(&q, c->rcode, c->ttl, c->ede, buf, sizeof(buf));
	/* even the largest name fits 512 */
	ck_assert_uint_le(len, 512);
	check_head(buf, len, &q, c->rcode, 0, 1, q.edns ? 1 : 0);
	if (q.edns)
		check_opt(buf, len, &q, 0, c->ede);

	p = ldns_read(buf, len);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), c->rcode);
	ck_assert(!ldns_pkt_aa(p));
	ck_assert(ldns_pkt_ra(p));
	ck_assert_uint_eq(ldns_pkt_edns(p) ? 1 : 0, q.edns ? 1 : 0);
	if (q.edns) {
		ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), msg_edns_max());
		ck_assert_int_eq(ldns_pkt_edns_do(p), q.edns_do);
	}
	auth = ldns_pkt_authority(p);
	ck_assert_uint_eq(ldns_rr_list_rr_count(auth), 1);
	ck_assert_uint_eq(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0);
	soa = ldns_rr_list_rr(auth, 0);
	ck_assert_int_eq(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	ck_assert_int_eq(ldns_rr_get_class(soa), LDNS_RR_CLASS_IN);
	ck_assert_uint_eq(ldns_rr_ttl(soa), c->ttl);
	msg_name_text(q.qname_case, q.qname_len, qtext, sizeof(qtext));
	check_name(ldns_rr_owner(soa), qtext);
	ck_assert_uint_eq(ldns_rr_rd_count(soa), 7);
	check_name(ldns_rr_rdf(soa, 0), "localhost.");
	check_name(ldns_rr_rdf(soa, 1), "nobody.invalid.");
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)), 1);
	ck_assert_uint_gt(ldns_rdf2native_int32(ldns_rr_rdf(soa, 3)), 0);
	ck_assert_uint_gt(ldns_rdf2native_int32(ldns_rr_rdf(soa, 4)), 0);
	ck_assert_uint_gt(ldns_rdf2native_int32(ldns_rr_rdf(soa, 5)), 0);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(soa, 6)), c->ttl);
	ldns_pkt_free(p);

	/* The owner is a pointer to the question: the reply stays small. */
	ck_assert_uint_eq(get16(buf + DNS_HDRLEN + q.qname_len + 4), 0xc00c);

	/* Every buffer too small gives 0. */
	for (small = 0; small < len; small++)
		ck_assert_uint_eq(msg_reply_empty(&q, c->rcode, c->ttl, c->ede,
		    buf, small), 0);
	ck_assert_uint_eq(msg_reply_empty(&q, c->rcode, c->ttl, c->ede, buf,
	    len), len);
}
END_TEST

START_TEST(test_reply_rcode)
{
	static const int	 rcodes[] = { DNS_RCODE_SERVFAIL,
	    DNS_RCODE_REFUSED, DNS_RCODE_NXDOMAIN };
	struct query		 q;
	uint8_t			 buf[1024];
	size_t			 len, i;
	ldns_pkt		*p;

	for (i = 0; i < 3; i++) {
		/* without EDNS: no OPT even with an EDE asked for */
		parse_q(&q, "Foo.Example", DNS_TYPE_A, 0x0110, NULL, 0);
		len = msg_reply_rcode(&q, rcodes[i], 22, buf, sizeof(buf));
		ck_assert_uint_eq(len, DNS_HDRLEN + q.qname_len + 4);
		check_head(buf, len, &q, rcodes[i], 0, 0, 0);
		p = ldns_read(buf, len);
		ck_assert_int_eq(ldns_pkt_get_rcode(p), rcodes[i]);
		ldns_pkt_free(p);

		/* with EDNS and an EDE */
		parse_q(&q, "Foo.Example", DNS_TYPE_A, 0x0100, EXTRA(opt_do));
		len = msg_reply_rcode(&q, rcodes[i], 22, buf, sizeof(buf));
		ck_assert_uint_eq(len, DNS_HDRLEN + q.qname_len + 4 + 17);
		check_head(buf, len, &q, rcodes[i], 0, 0, 1);
		check_opt(buf, len, &q, 0, 22);
		p = ldns_read(buf, len);
		ck_assert_int_eq(ldns_pkt_get_rcode(p), rcodes[i]);
		ck_assert(ldns_pkt_edns_do(p));
		ldns_pkt_free(p);

		/* with EDNS, no EDE */
		len = msg_reply_rcode(&q, rcodes[i], -1, buf, sizeof(buf));
		ck_assert_uint_eq(len, DNS_HDRLEN + q.qname_len + 4 + 11);
		check_opt(buf, len, &q, 0, -1);
		ck_assert_uint_eq(msg_reply_rcode(&q, rcodes[i], -1, buf,
		    len - 1), 0);
	}
}
END_TEST

START_TEST(test_reply_badvers)
{
	uint8_t		 pkt[512], buf[512];
	struct query	 q;
	size_t		 len;
	ldns_pkt	*p;

	len = make_query(pkt, 0x4242, 0x0100, "Ex.Com", 1, 1,
	    EXTRA(opt_v1));
	ck_assert_int_eq(msg_parse_query(pkt, len, &q), MSG_BADVERS);
	len = msg_reply_badvers(&q, buf, sizeof(buf));
	check_head(buf, len, &q, 0, 0, 0, 1);
	check_opt(buf, len, &q, 1, -1);
	p = ldns_read(buf, len);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p), 1);	/* 16 */
	ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), msg_edns_max());
	ck_assert(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_reply_error)
{
	static const struct {
		uint16_t	 flags;
		int		 rcode;
	} cases[] = {
		{ 0x0100, DNS_RCODE_FORMERR },
		{ 0x2110, DNS_RCODE_NOTIMP },		/* UPDATE, RD, CD */
		{ 0x2000 | 0x0400, DNS_RCODE_NOTIMP },	/* NOTIFY, AA */
	};
	uint8_t		 pkt[512], buf[512];
	size_t		 len, i, n;
	uint16_t	 f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = make_query(pkt, 0x9999, cases[i].flags, "x.example", 1,
		    0, NULL, 0);
		n = msg_reply_error(pkt, len, cases[i].rcode, buf, sizeof(buf));
		ck_assert_uint_eq(n, DNS_HDRLEN);
		f = get16(buf + 2);
		ck_assert_uint_eq(get16(buf), 0x9999);
		ck_assert(f & DNS_FLAG_QR);
		ck_assert(f & DNS_FLAG_RA);
		ck_assert(!(f & DNS_FLAG_AA));
		ck_assert_uint_eq(DNS_OPCODE(f), DNS_OPCODE(cases[i].flags));
		ck_assert_uint_eq(f & (DNS_FLAG_RD | DNS_FLAG_CD),
		    cases[i].flags & (DNS_FLAG_RD | DNS_FLAG_CD));
		ck_assert_uint_eq(DNS_RCODE(f), cases[i].rcode);
		ck_assert_uint_eq(get16(buf + 4), 0);
		ck_assert_uint_eq(get16(buf + 6), 0);
		ck_assert_uint_eq(get16(buf + 8), 0);
		ck_assert_uint_eq(get16(buf + 10), 0);
		ck_assert_uint_eq(msg_reply_error(pkt, len, 1, buf, 11), 0);
		ck_assert_uint_eq(msg_reply_error(pkt, 11, 1, buf, 512), 0);
	}
}
END_TEST

/* ---- msg_build_forward ---------------------------------------------------- */

START_TEST(test_build_forward)
{
	static const struct {
		uint16_t	 flags;
		const uint8_t	*opt;
		size_t		 optlen;
		int		 tcp;
		const uint8_t	*fwd;		/* options sent upstream */
		size_t		 fwdlen;
	} cases[] = {
		{ 0x0100, NULL, 0, 0, NULL, 0 },
		{ 0x0110 | 0x0020 | 0x0400, EXTRA(opt_do), 0, NULL, 0 },
		/* hop-by-hop options stay with the client */
		{ 0x0000, EXTRA(opt_cookie), 1, NULL, 0 },
		{ 0x0100, EXTRA(opt_4096), 1, NULL, 0 },
		/* no option of the client's goes upstream (unbound) */
		{ 0x0100, EXTRA(opt_mixed), 0, NULL, 0 },
		{ 0x0100, EXTRA(opt_ecs), 0, NULL, 0 },
	};
	uint8_t		 buf[1024];
	struct query	 q, back;
	size_t		 len, i, pre;
	ldns_pkt	*p;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_q(&q, "MiXeD.Example.ORG", DNS_TYPE_AAAA, cases[i].flags,
		    cases[i].opt, cases[i].optlen);
		len = msg_build_forward(&q, 0x7777, cases[i].tcp, buf,
		    sizeof(buf));
		pre = cases[i].tcp ? 2 : 0;
		ck_assert_uint_gt(len, pre);
		if (cases[i].tcp)
			ck_assert_uint_eq(get16(buf), len - 2);
		ck_assert_int_eq(msg_parse_query(buf + pre, len - pre, &back),
		    MSG_OK);
		ck_assert_uint_eq(back.id, 0x7777);
		/* the client's RD and CD; AD asks the upstream to say */
		ck_assert_uint_eq(back.flags,
		    (q.flags & (DNS_FLAG_RD | DNS_FLAG_CD)) | DNS_FLAG_AD);
		ck_assert_uint_eq(back.qtype, DNS_TYPE_AAAA);
		ck_assert_uint_eq(back.qclass, DNS_CLASS_IN);
		ck_assert_uint_eq(back.qname_len, q.qname_len);
		ck_assert_mem_eq(back.qname, q.qname, q.qname_len);
		/* sent in lower case */
		ck_assert_mem_eq(back.qname_case, q.qname, q.qname_len);
		ck_assert_int_eq(back.edns, 1);
		ck_assert_uint_eq(back.edns_size, msg_edns_max());
		ck_assert_int_eq(back.edns_do, q.edns_do);
		/* an OPT without options: RDLENGTH 0, the last 2 bytes */
		ck_assert_uint_eq(get16(buf + len - 2), 0);
		ck_assert_uint_eq(len - pre, DNS_HDRLEN + q.qname_len + 4 +
		    11);
		p = ldns_read(buf + pre, len - pre);
		ldns_pkt_free(p);
		ck_assert_uint_eq(msg_build_forward(&q, 1, cases[i].tcp, buf,
		    len - 1), 0);
	}
}
END_TEST

/* ---- upstream answers ----------------------------------------------------- */

/*
 * An upstream answer: header, question (name as given), n A records for
 * the question name (compressed owner), then extra bytes; ancount is
 * declared separately so that a lie can be told.
 */
static size_t
make_answer(uint8_t *p, uint16_t id, uint16_t flags, const char *name,
    uint16_t qtype, uint16_t ancount, int n, const uint8_t *extra,
    size_t extralen, uint16_t arcount)
{
	size_t	 o;
	int	 i;

	o = put_header(p, id, flags, 1, ancount, 0, arcount);
	o += wire_name(name, p + o);
	o = put16(p, o, qtype);
	o = put16(p, o, DNS_CLASS_IN);
	for (i = 0; i < n; i++) {
		o = put16(p, o, 0xc00c);
		o = put16(p, o, DNS_TYPE_A);
		o = put16(p, o, DNS_CLASS_IN);
		o = put16(p, o, 0);
		o = put16(p, o, 300);
		o = put16(p, o, 4);
		p[o++] = 192;
		p[o++] = 0;
		p[o++] = 2;
		p[o++] = (uint8_t)i;
	}
	if (extralen > 0)
		memcpy(p + o, extra, extralen);
	return o + extralen;
}

struct check_case {
	const char	*desc;
	uint16_t	 id;
	uint16_t	 flags;
	const char	*name;
	uint16_t	 qtype;
	uint16_t	 ancount;
	int		 n;
	int		 cut;		/* bytes removed from the end */
	enum msg_answer	 want;
	int		 rcode;
};

static const struct check_case check_cases[] = {
	{ "good", 0x1111, 0x8180, "www.example.com", 1, 2, 2, 0, ANSWER_OK, 0 },
	{ "good NXDOMAIN", 0x1111, 0x8183, "www.example.com", 1, 0, 0, 0,
	    ANSWER_OK, 3 },
	{ "SERVFAIL", 0x1111, 0x8182, "www.example.com", 1, 0, 0, 0,
	    ANSWER_OK, 2 },
	{ "case differs", 0x1111, 0x8180, "WWW.EXAMPLE.COM", 1, 1, 1, 0,
	    ANSWER_OK, 0 },
	{ "wrong id", 0x1112, 0x8180, "www.example.com", 1, 1, 1, 0,
	    ANSWER_MISMATCH, 0 },
	{ "QR clear", 0x1111, 0x0180, "www.example.com", 1, 1, 1, 0,
	    ANSWER_MISMATCH, 0 },
	{ "opcode 2", 0x1111, 0x9180, "www.example.com", 1, 1, 1, 0,
	    ANSWER_MISMATCH, 0 },
	{ "wrong name", 0x1111, 0x8180, "www.example.net", 1, 1, 1, 0,
	    ANSWER_MISMATCH, 0 },
	{ "name a suffix", 0x1111, 0x8180, "example.com", 1, 1, 1, 0,
	    ANSWER_MISMATCH, 0 },
	{ "wrong type", 0x1111, 0x8180, "www.example.com", 28, 1, 1, 0,
	    ANSWER_MISMATCH, 0 },
	{ "TC", 0x1111, 0x8380, "www.example.com", 1, 5, 1, 0,
	    ANSWER_TRUNCATED, 0 },
	{ "ANCOUNT lies", 0x1111, 0x8180, "www.example.com", 1, 3, 2, 0,
	    ANSWER_MALFORMED, 0 },
	{ "record cut", 0x1111, 0x8180, "www.example.com", 1, 2, 2, 3,
	    ANSWER_MALFORMED, 0 },
	{ "question cut", 0x1111, 0x8180, "www.example.com", 1, 0, 0, 2,
	    ANSWER_MISMATCH, 0 },
	{ "header only", 0x1111, 0x8180, "www.example.com", 1, 0, 0, 21,
	    ANSWER_MISMATCH, 0 },
};

START_TEST(test_check_answer)
{
	const struct check_case	*c = &check_cases[_i];
	struct query		 q;
	uint8_t			 buf[1024];
	size_t			 len;
	int			 rcode = -1;
	enum msg_answer		 a;

	parse_q(&q, "www.Example.com", DNS_TYPE_A, 0x0100, NULL, 0);
	len = make_answer(buf, c->id, c->flags, c->name, c->qtype,
	    c->ancount, c->n, NULL, 0, 0);
	len -= c->cut;
	a = msg_check_answer(buf, len, 0x1111, &q, &rcode);
	ck_assert_msg(a == c->want, "%s: %d, want %d", c->desc, a, c->want);
	if (a != ANSWER_MISMATCH)
		ck_assert_int_eq(rcode, c->rcode);
}
END_TEST

START_TEST(test_check_answer_qdcount)
{
	struct query	 q;
	uint8_t		 buf[512];
	size_t		 len;
	int		 rcode;

	parse_q(&q, "www.example.com", DNS_TYPE_A, 0x0100, NULL, 0);
	len = make_answer(buf, 7, 0x8180, "www.example.com", 1, 1, 1, NULL,
	    0, 0);
	ck_assert_int_eq(msg_check_answer(buf, len, 7, &q, &rcode),
	    ANSWER_OK);
	put16(buf, 4, 0);
	ck_assert_int_eq(msg_check_answer(buf, len, 7, &q, &rcode),
	    ANSWER_MISMATCH);
	put16(buf, 4, 2);
	ck_assert_int_eq(msg_check_answer(buf, len, 7, &q, &rcode),
	    ANSWER_MISMATCH);
	/* a compressed question name cannot match */
	put16(buf, 4, 1);
	buf[12] = 0xc0;
	buf[13] = 12;
	ck_assert_int_eq(msg_check_answer(buf, len, 7, &q, &rcode),
	    ANSWER_MISMATCH);
}
END_TEST

/* An OPT RR from an upstream (UDP 1232, DO, a 4-byte padding option). */
static const uint8_t up_opt[] = {
	0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 8, 0, 12, 0, 4, 0, 0, 0, 0,
};
/* glue, then the OPT, then more glue */
static const uint8_t up_ar_mid[] = {
	0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
	0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0,
	0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 2,
};


struct finish_case {
	const char	*desc;
	int		 client_edns;
	int		 n;		/* A records */
	const uint8_t	*extra;
	size_t		 extralen;
	uint16_t	 arcount;
	size_t		 limit;
	int		 want_tc;
	uint16_t	 want_an;
	uint16_t	 want_ar;
	int		 want_opt;	/* OPT in the result */
	size_t		 want_shrink;	/* bytes fewer than the input */
	size_t		 want_len;	/* exact length when truncated, else 0 */
};

/* Sizes: the question is 12 + 17 + 4 = 33 bytes; each A record 16. */
#define QEND	(DNS_HDRLEN + 17 + 4)

static const struct finish_case finish_cases[] = {
	{ "plain, EDNS client", 1, 2, EXTRA(up_opt), 1, 512, 0, 2, 1, 1,
	    0, 0 },
	{ "OPT stripped for plain client", 0, 2, EXTRA(up_opt), 1, 512, 0,
	    2, 0, 0, sizeof(up_opt), 0 },
	{ "OPT mid-section stripped", 0, 1, EXTRA(up_ar_mid), 3, 512, 0, 1,
	    2, 0, 11, 0 },
	{ "no OPT, plain client", 0, 3, NULL, 0, 0, 512, 0, 3, 0, 0, 0, 0 },
	{ "truncated to 512, plain", 0, 40, EXTRA(up_opt), 1, 512, 1, 0, 0,
	    0, 0, QEND },
	{ "truncated to 512, EDNS keeps OPT", 1, 40, EXTRA(up_opt), 1, 512,
	    1, 0, 1, 1, 0, QEND + sizeof(up_opt) },
	{ "fits 1232, EDNS", 1, 40, EXTRA(up_opt), 1, 1232, 0, 40, 1, 1,
	    0, 0 },
	{ "truncated, EDNS, upstream sent no OPT", 1, 40, NULL, 0, 0, 512,
	    1, 0, 1, 1, 0, QEND + 11 },
	{ "truncated, OPT does not fit", 1, 40, EXTRA(up_opt), 1, QEND + 12,
	    1, 0, 1, 1, 0, QEND + 11 },
	{ "trailing junk cut", 1, 1, EXTRA(junk), 0, 512, 0, 1, 0, 0,
	    sizeof(junk), 0 },
};

START_TEST(test_finish_answer)
{
	const struct finish_case *c = &finish_cases[_i];
	struct query		 q;
	uint8_t			 buf[2048];
	size_t			 len, n;
	int			 rcode;
	ldns_pkt		*p;

	parse_q(&q, "WwW.ExAmple.COM", DNS_TYPE_A, 0x0100,
	    c->client_edns ? opt_4096 : NULL, c->client_edns ? 11 : 0);
	q.id = 0xabcd;
	len = make_answer(buf, 0x1111, 0x8180, "www.example.com", 1, c->n,
	    c->n, c->extra, c->extralen, c->arcount);
	ck_assert_int_eq(msg_check_answer(buf, len, 0x1111, &q, &rcode),
	    ANSWER_OK);
	n = msg_finish_answer(buf, len, &q, c->limit);
	ck_assert_msg(n > 0 && n <= len, "%s: len %zu", c->desc, n);
	if (c->want_len)
		ck_assert_uint_eq(n, c->want_len);
	else
		ck_assert_uint_eq(n, len - c->want_shrink);
	ck_assert_uint_le(n, c->limit);
	ck_assert_uint_eq(get16(buf), 0xabcd);
	ck_assert_mem_eq(buf + DNS_HDRLEN, q.qname_case, q.qname_len);
	ck_assert_uint_eq(get16(buf + 2) & DNS_FLAG_TC ? 1 : 0, c->want_tc);
	ck_assert_uint_eq(get16(buf + 4), 1);
	ck_assert_uint_eq(get16(buf + 6), c->want_an);
	ck_assert_uint_eq(get16(buf + 10), c->want_ar);

	p = ldns_read(buf, n);
	ck_assert_uint_eq(ldns_pkt_edns(p) ? 1 : 0, c->want_opt);
	ck_assert_uint_eq(ldns_pkt_ancount(p), c->want_an);
	ck_assert_uint_eq(ldns_pkt_id(p), 0xabcd);
	if (c->want_opt && c->extra == up_opt) {
		ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
		ck_assert(ldns_pkt_edns_do(p));
	}
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_finish_malformed)
{
	struct query	 q;
	uint8_t		 buf[1024];
	size_t		 len, n, cut;

	parse_q(&q, "www.example.com", DNS_TYPE_A, 0x0100, NULL, 0);
	/* ANCOUNT says 3, two records there: cut after them, TC set */
	len = make_answer(buf, 1, 0x8180, "www.example.com", 1, 3, 2, NULL,
	    0, 0);
	n = msg_finish_answer(buf, len, &q, 512);
	ck_assert_uint_eq(n, len);
	ck_assert_uint_eq(get16(buf + 6), 2);
	ck_assert(get16(buf + 2) & DNS_FLAG_TC);

	/* Every prefix of a good answer: no overrun (ASan), never grows. */
	len = make_answer(buf, 1, 0x8180, "www.example.com", 1, 2, 2,
	    EXTRA(up_opt), 1);
	for (cut = 0; cut <= len; cut++) {
		uint8_t	 copy[1024];

		memcpy(copy, buf, cut);
		n = msg_finish_answer(copy, cut, &q, 40);
		ck_assert_uint_le(n, cut);
		if (cut < QEND)
			ck_assert_uint_eq(n, 0);
	}

	/* A question of another length is not ours: 0. */
	len = make_answer(buf, 1, 0x8180, "example.com", 1, 0, 0, NULL, 0, 0);
	ck_assert_uint_eq(msg_finish_answer(buf, len, &q, 512), 0);
}
END_TEST


/* ---- hostile upstream answers, by hand ------------------------------------ */

/*
 * Every packet answers www.example.com A (ID 0x1111); the question ends
 * at 33.  HDR(an, ns, ar) and Q are the first 33 bytes.
 */
#define HDR(an, ns, ar)	0x11, 0x11, 0x81, 0x80, 0, 1, 0, an, 0, ns, 0, ar
#define Q	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', \
		3, 'c', 'o', 'm', 0, 0, 1, 0, 1
#define TTL300	0, 0, 1, 0x2c
#define A_QNAME	0xc0, 12, 0, 1, 0, 1, TTL300, 0, 4, 192, 0, 2, 1 /* 16 */
#define OPT0	0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0		 /* 11 */

/* OPT (at 49) before ns1.other.org (at 60), which the AAAA after it
 * compresses against: cut naively, the AAAA's owner points amiss. */
static const uint8_t h_opt_before[] = {
	HDR(1, 0, 3), Q, A_QNAME, OPT0,
	3, 'n', 's', '1', 5, 'o', 't', 'h', 'e', 'r', 3, 'o', 'r', 'g', 0,
	0, 1, 0, 1, TTL300, 0, 4, 198, 51, 100, 1,
	0xc0, 60, 0, 28, 0, 1, TTL300, 0, 16,
	0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};
/* The same with an MX after the OPT whose exchange (in RDATA) points at
 * "other.org" (64) behind the OPT. */
static const uint8_t h_opt_before_rdata[] = {
	HDR(1, 0, 3), Q, A_QNAME, OPT0,
	3, 'n', 's', '1', 5, 'o', 't', 'h', 'e', 'r', 3, 'o', 'r', 'g', 0,
	0, 1, 0, 1, TTL300, 0, 4, 198, 51, 100, 1,
	0xc0, 60, 0, 15, 0, 1, TTL300, 0, 9, 0, 10,
	4, 'm', 'a', 'i', 'l', 0xc0, 64,
};
/* The answer's owner a pointer forward (to 49, past itself). */
static const uint8_t h_fwd_ptr[] = {
	HDR(1, 0, 0), Q, 0xc0, 49, 0, 1, 0, 1, TTL300, 0, 4, 192, 0, 2, 1,
	0,
};
/* A pointer to itself. */
static const uint8_t h_self_ptr[] = {
	HDR(1, 0, 0), Q, 0xc0, 33, 0, 1, 0, 1, TTL300, 0, 4, 192, 0, 2, 1,
};
/* A CNAME whose target points forward, inside its own RDATA. */
static const uint8_t h_fwd_ptr_rdata[] = {
	HDR(1, 0, 0), Q, 0xc0, 12, 0, 5, 0, 1, TTL300, 0, 4,
	1, 'x', 0xc0, 49, 0,
};
static const uint8_t h_two_opt[] = {
	HDR(1, 0, 2), Q, A_QNAME, OPT0, OPT0,
};
static const uint8_t h_opt_answer[] = {
	HDR(2, 0, 0), Q, A_QNAME, OPT0,
};
static const uint8_t h_opt_owner[] = {
	HDR(1, 0, 1), Q, A_QNAME, 0xc0, 12, 0, 41, 0x04, 0xd0, 0, 0, 0, 0,
	0, 0,
};
/* An OPT whose option runs past its RDATA. */
static const uint8_t h_opt_badopt[] = {
	HDR(1, 0, 1), Q, A_QNAME, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 4,
	0, 10, 0, 8,
};
/* A CNAME whose target name runs past RDLENGTH (3, name 5). */
static const uint8_t h_rdata_overrun[] = {
	HDR(1, 0, 0), Q, 0xc0, 12, 0, 5, 0, 1, TTL300, 0, 3,
	3, 'f', 'o', 'o', 0,
};
/* An SOA one byte short of its 20 fixed bytes. */
static const uint8_t h_soa_short[] = {
	HDR(0, 1, 0), Q, 0xc0, 16, 0, 6, 0, 1, TTL300, 0, 23,
	0xc0, 16, 0xc0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
	0, 0, 0,
};
/* Good: an MX whose exchange is compressed against the question. */
static const uint8_t h_mx_ok[] = {
	HDR(1, 0, 0), Q, 0xc0, 12, 0, 15, 0, 1, TTL300, 0, 4, 0, 10,
	0xc0, 16,
};
/* Good: an unknown type whose RDATA looks like a bad name. */
static const uint8_t h_unknown_ok[] = {
	HDR(1, 0, 0), Q, 0xc0, 12, 0xff, 0x00, 0, 1, TTL300, 0, 3,
	0xc0, 0xff, 0xff,
};
/* Good: trailing bytes after the records (not passed on). */
static const uint8_t h_trailing[] = {
	HDR(1, 0, 0), Q, A_QNAME, 0xde, 0xad,
};
/* An owner pointing into the header (offset 1: the ID's low byte, 0x11,
 * a label length): its name would change with each client's ID. */
static const uint8_t h_header_ptr[] = {
	HDR(1, 0, 0), Q, 0xc0, 1, 0, 1, 0, 1, TTL300, 0, 4, 192, 0, 2, 1,
};
/* A TXT whose RDATA reads as a name ("\3foo"), and an A whose owner
 * points into it: opaque RDATA is no name to compress against. */
static const uint8_t h_ptr_opaque[] = {
	HDR(2, 0, 0), Q, 0xc0, 12, 0, 16, 0, 1, TTL300, 0, 5,
	3, 'f', 'o', 'o', 0,
	0xc0, 45, 0, 1, 0, 1, TTL300, 0, 4, 192, 0, 2, 1,
};
/* The same pointer at the MX exchange, a name: good. */
static const uint8_t h_ptr_rdata_name[] = {
	HDR(2, 0, 0), Q, 0xc0, 12, 0, 15, 0, 1, TTL300, 0, 7,
	0, 10, 3, 'f', 'o', 'o', 0,
	0xc0, 47, 0, 1, 0, 1, TTL300, 0, 4, 192, 0, 2, 1,
};
/* An owner pointing into the previous record's TTL field. */
static const uint8_t h_ptr_ttl[] = {
	HDR(2, 0, 0), Q, A_QNAME, 0xc0, 40, 0, 1, 0, 1, TTL300, 0, 4,
	192, 0, 2, 1,
};
/* A label of type 01 (0x40) in an owner name. */
static const uint8_t h_label_type[] = {
	HDR(1, 0, 0), Q, 0x41, 'x', 0, 0, 1, 0, 1, TTL300, 0, 4,
	192, 0, 2, 1,
};

static const struct hostile_case {
	const char	*desc;
	const uint8_t	*pkt;
	size_t		 len;
	enum msg_answer	 want;
} hostile_cases[] = {
	{ "OPT before a compressed-against record", EXTRA(h_opt_before),
	    ANSWER_OK },
	{ "OPT before an RDATA name's target", EXTRA(h_opt_before_rdata),
	    ANSWER_OK },
	{ "forward pointer", EXTRA(h_fwd_ptr), ANSWER_MALFORMED },
	{ "pointer to itself", EXTRA(h_self_ptr), ANSWER_MALFORMED },
	{ "forward pointer in RDATA", EXTRA(h_fwd_ptr_rdata),
	    ANSWER_MALFORMED },
	{ "two OPT records", EXTRA(h_two_opt), ANSWER_MALFORMED },
	{ "OPT in the answer section", EXTRA(h_opt_answer),
	    ANSWER_MALFORMED },
	{ "OPT owner not the root", EXTRA(h_opt_owner), ANSWER_MALFORMED },
	{ "OPT option past its RDATA", EXTRA(h_opt_badopt),
	    ANSWER_MALFORMED },
	{ "RDATA name past RDLENGTH", EXTRA(h_rdata_overrun),
	    ANSWER_MALFORMED },
	{ "SOA RDATA short", EXTRA(h_soa_short), ANSWER_MALFORMED },
	{ "label type 01", EXTRA(h_label_type), ANSWER_MALFORMED },
	{ "pointer into the header", EXTRA(h_header_ptr), ANSWER_MALFORMED },
	{ "pointer into opaque RDATA", EXTRA(h_ptr_opaque), ANSWER_MALFORMED },
	{ "pointer into a TTL", EXTRA(h_ptr_ttl), ANSWER_MALFORMED },
	{ "pointer to an RDATA name", EXTRA(h_ptr_rdata_name), ANSWER_OK },
	{ "MX compressed", EXTRA(h_mx_ok), ANSWER_OK },
	{ "unknown type, opaque RDATA", EXTRA(h_unknown_ok), ANSWER_OK },
	{ "trailing bytes", EXTRA(h_trailing), ANSWER_OK },
};

/*
 * One reader decides: msg_check_answer's verdict, and msg_finish_answer
 * keeps every record (no TC) exactly when the answer was accepted, for
 * clients with and without EDNS.
 */
START_TEST(test_hostile_agree)
{
	const struct hostile_case *c = &hostile_cases[_i];
	struct query	 q;
	uint8_t		 buf[1024];
	size_t		 n;
	int		 rcode, edns;

	for (edns = 0; edns < 2; edns++) {
		parse_q(&q, "www.example.com", DNS_TYPE_A, 0x0100,
		    edns ? opt_4096 : NULL, edns ? 11 : 0);
		ck_assert_msg(msg_check_answer(c->pkt, c->len, 0x1111, &q,
		    &rcode) == c->want, "%s: check", c->desc);
		memcpy(buf, c->pkt, c->len);
		n = msg_finish_answer(buf, c->len, &q, DNS_MAXMSG);
		ck_assert_uint_le(n, c->len);
		ck_assert_msg((n > 0 && !(get16(buf + 2) & DNS_FLAG_TC)) ==
		    (c->want == ANSWER_OK), "%s: finish (edns %d)", c->desc,
		    edns);
	}
}
END_TEST

/* The owner name of the i-th additional record, as text. */
static char *
ar_owner(ldns_pkt *p, size_t i)
{
	return ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(
	    ldns_pkt_additional(p), i)));
}

/*
 * A plain client: the OPT goes, and the names behind it are re-emitted:
 * every owner and RDATA name reads as before (ldns, the independent
 * reader), the message shrinks by at least the OPT.
 */
START_TEST(test_reemit_after_opt)
{
	struct query	 q;
	uint8_t		 buf[1024];
	size_t		 n;
	ldns_pkt	*p;
	ldns_rr		*rr;
	char		*s;
	int		 rcode;

	parse_q(&q, "www.example.com", DNS_TYPE_A, 0x0100, NULL, 0);
	memcpy(buf, h_opt_before, sizeof(h_opt_before));
	ck_assert_int_eq(msg_check_answer(buf, sizeof(h_opt_before), 0x1111,
	    &q, &rcode), ANSWER_OK);
	n = msg_finish_answer(buf, sizeof(h_opt_before), &q, 512);
	ck_assert_uint_le(n, sizeof(h_opt_before) - 11);
	ck_assert(!(get16(buf + 2) & DNS_FLAG_TC));
	ck_assert_uint_eq(get16(buf + 10), 2);
	p = ldns_read(buf, n);
	ck_assert(!ldns_pkt_edns(p));
	ck_assert_uint_eq(ldns_pkt_arcount(p), 2);
	s = ar_owner(p, 0);
	ck_assert_str_eq(s, "ns1.other.org.");
	free(s);
	s = ar_owner(p, 1);
	ck_assert_str_eq(s, "ns1.other.org.");
	free(s);
	ldns_pkt_free(p);

	memcpy(buf, h_opt_before_rdata, sizeof(h_opt_before_rdata));
	n = msg_finish_answer(buf, sizeof(h_opt_before_rdata), &q, 512);
	ck_assert_uint_le(n, sizeof(h_opt_before_rdata) - 11);
	p = ldns_read(buf, n);
	rr = ldns_rr_list_rr(ldns_pkt_additional(p), 1);
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_MX);
	s = ldns_rdf2str(ldns_rr_owner(rr));
	ck_assert_str_eq(s, "ns1.other.org.");
	free(s);
	s = ldns_rdf2str(ldns_rr_rdf(rr, 1));
	ck_assert_str_eq(s, "mail.other.org.");
	free(s);
	ldns_pkt_free(p);

	/* an EDNS client gets the answer as it came (but for the header) */
	parse_q(&q, "www.example.com", DNS_TYPE_A, 0x0100, opt_4096, 11);
	memcpy(buf, h_opt_before, sizeof(h_opt_before));
	n = msg_finish_answer(buf, sizeof(h_opt_before), &q, 1232);
	ck_assert_uint_eq(n, sizeof(h_opt_before));
	ck_assert_mem_eq(buf + 33, h_opt_before + 33, n - 33);
}
END_TEST

/*
 * Header bits: RA always, AA never, AD only for a client that set AD or
 * DO (RFC 6840 5.7-5.8); RD and CD the client's own.
 */
START_TEST(test_answer_flags)
{
	static const struct {
		uint16_t	 up;		/* upstream's flags */
		uint16_t	 client;	/* the query's flags */
		int		 dobit;
		uint16_t	 want;
	} cases[] = {
		/* AA cleared, RA set */
		{ 0x8500, 0x0100, 0, 0x8180 },
		{ 0x8400, 0x0000, 0, 0x8080 },
		/* AD: kept for AD or DO, cleared otherwise */
		{ 0x81a0, 0x0100, 0, 0x8180 },
		{ 0x81a0, 0x0120, 0, 0x81a0 },
		{ 0x81a0, 0x0100, 1, 0x81a0 },
		{ 0x8180, 0x0120, 0, 0x8180 },	/* not made up */
		/* CD and RD the client's */
		{ 0x8190, 0x0000, 0, 0x8080 },
		{ 0x8080, 0x0110, 0, 0x8190 },
		/* rcode and TC kept */
		{ 0x8583, 0x0100, 0, 0x8183 },
	};
	struct query	 q;
	uint8_t		 buf[512];
	size_t		 len, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_q(&q, "www.example.com", DNS_TYPE_A, cases[i].client,
		    cases[i].dobit ? opt_do : NULL, cases[i].dobit ? 11 : 0);
		len = make_answer(buf, 0x1111, cases[i].up, "www.example.com",
		    1, 1, 1, NULL, 0, 0);
		ck_assert_uint_eq(msg_finish_answer(buf, len, &q, 512), len);
		ck_assert_msg(get16(buf + 2) == cases[i].want,
		    "case %zu: %04x, want %04x", i, get16(buf + 2),
		    cases[i].want);
	}
}
END_TEST

/*
 * A name made of the bytes of its own record (its pointer lands in the
 * AAAA's RDATA and its labels run on through the pointer itself), with
 * the OPT after it: what a pointer leads to must lie before the pointer,
 * so it is malformed, for check and finish alike (found by fuzz_answer,
 * when such a name could not be re-emitted in place).
 */
static const uint8_t h_self_referent[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 3,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c',
	'o', 'm', 0, 0, 28, 0, 1,
	0xc0, 12, 0, 28, 0, 1, 0, 0, 1, 0x2c, 0, 16,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	0xc0, 47, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
	OPT0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

START_TEST(test_reemit_impossible)
{
	struct query	 q;
	uint8_t		 buf[256];
	size_t		 n, len = sizeof(h_self_referent);
	int		 rcode, edns;

	for (edns = 0; edns < 2; edns++) {
		parse_q(&q, "www.example.com", DNS_TYPE_AAAA, 0x0100,
		    edns ? opt_4096 : NULL, edns ? 11 : 0);
		ck_assert_int_eq(msg_check_answer(h_self_referent, len,
		    0x1234, &q, &rcode), ANSWER_MALFORMED);
		memcpy(buf, h_self_referent, len);
		n = msg_finish_answer(buf, len, &q, DNS_MAXMSG);
		ck_assert_uint_le(n, len);
		ck_assert(get16(buf + 2) & DNS_FLAG_TC);
		ck_assert_uint_eq(get16(buf + 6), 1);	/* the AAAA stands */
	}
}
END_TEST

/* The iterator over a good answer: every field where it is. */
START_TEST(test_iter)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	static const struct {
		int		 section;
		uint16_t	 type;
		size_t		 owner, rdata, rdlen;
	} want[] = {
		{ MSG_SEC_ANSWER, 1, 33, 45, 4 },
		{ MSG_SEC_ADDITIONAL, 41, 49, 60, 0 },
		{ MSG_SEC_ADDITIONAL, 1, 60, 85, 4 },
		{ MSG_SEC_ADDITIONAL, 28, 89, 101, 16 },
	};
	size_t		 i;

	ck_assert_int_eq(msg_iter_start(&it, h_opt_before,
	    sizeof(h_opt_before)), 0);
	ck_assert_uint_eq(it.qend, 33);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(msg_iter_next(&it, &rr), 1);
		ck_assert_int_eq(rr.section, want[i].section);
		ck_assert_uint_eq(rr.type, want[i].type);
		ck_assert_uint_eq(rr.owner, want[i].owner);
		ck_assert_uint_eq(rr.rdata, want[i].rdata);
		ck_assert_uint_eq(rr.rdlen, want[i].rdlen);
		ck_assert_uint_eq(rr.ttl, rr.rdata - 6);
		ck_assert_uint_eq(rr.end, rr.rdata + rr.rdlen);
	}
	ck_assert_int_eq(msg_iter_next(&it, &rr), 0);
	ck_assert_uint_eq(it.end, sizeof(h_opt_before));
	ck_assert_uint_eq(it.nopt, 1);
	ck_assert_uint_eq(it.opt, 49);
	/* two OPTs: the second is where it stops */
	ck_assert_int_eq(msg_iter_start(&it, h_two_opt, sizeof(h_two_opt)),
	    0);
	ck_assert_int_eq(msg_iter_next(&it, &rr), 1);
	ck_assert_int_eq(msg_iter_next(&it, &rr), 1);
	ck_assert_int_eq(msg_iter_next(&it, &rr), -1);
	ck_assert_int_eq(msg_iter_start(&it, h_two_opt, 20), -1);
	ck_assert_int_eq(msg_iter_next(&it, &rr), -1);
	/* after a failed start, next reads nothing (not even counts) */
	ck_assert_int_eq(msg_iter_start(&it, h_two_opt, 5), -1);
	ck_assert_int_eq(msg_iter_next(&it, &rr), -1);
}
END_TEST

/* ---- text helpers ---------------------------------------------------------- */

START_TEST(test_name_text)
{
	static const struct {
		const uint8_t	*wire;
		size_t		 len;
		size_t		 bufsz;
		const char	*want;
	} cases[] = {
		{ (const uint8_t *)"\0", 1, 64, "." },
		{ (const uint8_t *)"\003www\007Example\003com\0", 17, 64,
		    "www.Example.com." },
		{ (const uint8_t *)"\003a.b\001\\\0", 7, 64, "a\\.b.\\\\." },
		{ (const uint8_t *)"\002\040\377\0", 4, 64, "\\032\\255." },
		{ (const uint8_t *)"\003www\007example\0", 13, 8, "www.exa" },
		{ (const uint8_t *)"\003www\0", 5, 1, "" },
		{ (const uint8_t *)"\003www\007exa", 9, 64, "www." },
	};
	char	 buf[64];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'X', sizeof(buf));
		msg_name_text(cases[i].wire, cases[i].len, buf,
		    cases[i].bufsz);
		ck_assert_str_eq(buf, cases[i].want);
	}
}
END_TEST

START_TEST(test_type_rcode_text)
{
	char	 buf[16];

	ck_assert_str_eq(msg_type_text(1, buf, sizeof(buf)), "A");
	ck_assert_str_eq(msg_type_text(28, buf, sizeof(buf)), "AAAA");
	ck_assert_str_eq(msg_type_text(65, buf, sizeof(buf)), "HTTPS");
	ck_assert_str_eq(msg_type_text(123, buf, sizeof(buf)), "TYPE123");
	ck_assert_str_eq(msg_type_text(65535, buf, sizeof(buf)), "TYPE65535");
	ck_assert_str_eq(msg_rcode_text(0), "NOERROR");
	ck_assert_str_eq(msg_rcode_text(2), "SERVFAIL");
	ck_assert_str_eq(msg_rcode_text(3), "NXDOMAIN");
	ck_assert_str_eq(msg_rcode_text(16), "BADVERS");
	ck_assert_str_eq(msg_rcode_text(-1), "RCODE?");
}
END_TEST

START_TEST(test_skip_name)
{
	/* header filler, then: name, pointer name, pointer to pointer */
	uint8_t	 p[64];
	size_t	 o = DNS_HDRLEN, a, b;

	memset(p, 0, sizeof(p));
	o += wire_name("foo.bar", p + o);	/* at 12, 9 bytes */
	a = o;
	p[o++] = 1;
	p[o++] = 'x';
	p[o++] = 0xc0;
	p[o++] = 12;
	b = o;
	p[o++] = 0xc0;
	p[o++] = (uint8_t)a;
	ck_assert_uint_eq(msg_skip_name(p, o, DNS_HDRLEN), a);
	ck_assert_uint_eq(msg_skip_name(p, o, a), b);
	ck_assert_uint_eq(msg_skip_name(p, o, b), o);
	ck_assert_uint_eq(msg_skip_name(p, o - 1, b), 0);	/* cut */
	p[b + 1] = (uint8_t)b;			/* points at itself */
	ck_assert_uint_eq(msg_skip_name(p, o, b), 0);
	p[b + 1] = (uint8_t)(b + 2);		/* points forward */
	ck_assert_uint_eq(msg_skip_name(p, o + 2, b), 0);
	/* what a pointer leads to must end before the pointer */
	/* at o: a 4-byte label holding "ab" and the pointer at o + 3 to o */
	memcpy(p + o, "\004ab\300\000\000", 6);
	p[o + 4] = (uint8_t)o;
	ck_assert_uint_eq(msg_skip_name(p, o + 6, o), o + 6);	/* inline */
	ck_assert_uint_eq(msg_skip_name(p, o + 6, o + 3), 0);	/* runs on */
	p[o + 4] = 9;			/* into the header */
	ck_assert_uint_eq(msg_skip_name(p, o + 6, o + 3), 0);
	p[b] = 0x40;				/* label type 01 */
	ck_assert_uint_eq(msg_skip_name(p, o, b), 0);
	ck_assert_uint_eq(msg_skip_name(p, o, o), 0);		/* at end */
}
END_TEST

/*
 * msg_rr_text (dump-cache): each record of an answer built and
 * compressed by ldns reads as ldns prints it (whitespace aside), with
 * the TTL given; unknown types in RFC 3597's form.
 */
START_TEST(test_rr_text)
{
	static const char *const rrs[] = {
		"www.example.com. 300 IN A 192.0.2.1",
		"www.example.com. 300 IN AAAA 2001:db8::1",
		"www.example.com. 300 IN CNAME web.example.com.",
		"example.com. 300 IN MX 10 mail.example.com.",
		"example.com. 300 IN NS ns1.example.com.",
		"e.example. 300 IN SOA ns1.e.example. h.e.example. 1 2 3 4 5",
		"example.com. 300 IN TXT \"v=spf1 -all\" \"two\"",
		"1.2.0.192.in-addr.arpa. 300 IN PTR www.example.com.",
	};
	ldns_pkt	*pkt;
	ldns_rr		*rr;
	uint8_t		*wire;
	size_t		 wlen, i, n;
	struct msg_iter	 it;
	struct msg_rr	 mr;
	char		 buf[512], want[512], *w, *o, *text;

	pkt = ldns_pkt_query_new(ldns_dname_new_frm_str("www.example.com."),
	    LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD);
	ck_assert_ptr_nonnull(pkt);
	ldns_pkt_set_qr(pkt, 1);
	for (i = 0; i < sizeof(rrs) / sizeof(rrs[0]); i++) {
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL,
		    NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
	}
	ck_assert_int_eq(ldns_pkt2wire(&wire, pkt, &wlen), LDNS_STATUS_OK);
	ck_assert_int_eq(msg_iter_start(&it, wire, wlen), 0);
	for (i = 0; msg_iter_next(&it, &mr) == 1; i++) {
		rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), i);
		ldns_rr_set_ttl(rr, 42);
		text = w = ldns_rr2str(rr);
		ck_assert_ptr_nonnull(text);
		/* Tabs to spaces, no newline. */
		for (o = want; *w != '\0' && o < want + sizeof(want) - 1; w++)
			if (*w != '\n')
				*o++ = *w == '\t' ? ' ' : *w;
		*o = '\0';
		free(text);
		n = msg_rr_text(wire, wlen, &mr, 42, buf, sizeof(buf));
		ck_assert_uint_eq(n, strlen(buf));
		ck_assert_str_eq(buf, want);
	}
	ck_assert_uint_eq(i, sizeof(rrs) / sizeof(rrs[0]));
	/* Too small a buffer: 0, never past it. */
	ck_assert_int_eq(msg_iter_start(&it, wire, wlen), 0);
	ck_assert_int_eq(msg_iter_next(&it, &mr), 1);
	ck_assert_uint_eq(msg_rr_text(wire, wlen, &mr, 42, buf, 10), 0);
	free(wire);
	ldns_pkt_free(pkt);
}
END_TEST

/* A type not known here: RFC 3597. */
START_TEST(test_rr_text_generic)
{
	static const uint8_t p[] = {
		0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		1, 'x', 0, 0, 99, 0, 1,
		0xc0, 12, 0, 99, 0, 1, 0, 0, 0, 5, 0, 3, 0xab, 0xcd, 0xef,
	};
	struct msg_iter	 it;
	struct msg_rr	 mr;
	char		 buf[128];

	ck_assert_int_eq(msg_iter_start(&it, p, sizeof(p)), 0);
	ck_assert_int_eq(msg_iter_next(&it, &mr), 1);
	ck_assert_uint_gt(msg_rr_text(p, sizeof(p), &mr, 7, buf, sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "x. 7 IN TYPE99 \\# 3 abcdef");
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite	*s = suite_create("msg");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0,
	    sizeof(parse_cases) / sizeof(parse_cases[0]));
	tcase_add_test(tc, test_parse_sizes);
	tcase_add_test(tc, test_udp_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_loop_test(tc, test_reply_empty, 0,
	    sizeof(empty_cases) / sizeof(empty_cases[0]));
	tcase_add_test(tc, test_reply_rcode);
	tcase_add_test(tc, test_reply_badvers);
	tcase_add_test(tc, test_reply_error);
	tcase_add_test(tc, test_build_forward);
	suite_add_tcase(s, tc);

	tc = tcase_create("answer");
	tcase_add_loop_test(tc, test_check_answer, 0,
	    sizeof(check_cases) / sizeof(check_cases[0]));
	tcase_add_test(tc, test_check_answer_qdcount);
	tcase_add_loop_test(tc, test_finish_answer, 0,
	    sizeof(finish_cases) / sizeof(finish_cases[0]));
	tcase_add_test(tc, test_finish_malformed);
	tcase_add_loop_test(tc, test_hostile_agree, 0,
	    sizeof(hostile_cases) / sizeof(hostile_cases[0]));
	tcase_add_test(tc, test_reemit_after_opt);
	tcase_add_test(tc, test_answer_flags);
	tcase_add_test(tc, test_iter);
	tcase_add_test(tc, test_reemit_impossible);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, test_name_text);
	tcase_add_test(tc, test_type_rcode_text);
	tcase_add_test(tc, test_skip_name);
	tcase_add_test(tc, test_rr_text);
	tcase_add_test(tc, test_rr_text_generic);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(msg_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
