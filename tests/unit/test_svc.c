/*
 * test_svc.c: unit tests of msg_svc_strip (src/msg.c), the removal of
 * ipv6hint from SVCB and HTTPS records.
 *
 * Each case builds an answer and the answer expected after the rewrite
 * with the same small builder, which remembers where names were written
 * so that compression pointers (before and after the changed records) can
 * be aimed at them; the rewrite must give the expected bytes exactly, the
 * record iterator must read the result to its end, and ldns (an
 * independent parser) must read it too.
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

/* ---- a builder ---------------------------------------------------------- */

struct pk {
	uint8_t	 b[4096];
	size_t	 n;
};

static void
p8(struct pk *p, uint8_t v)
{
	p->b[p->n++] = v;
}

static void
p16(struct pk *p, uint16_t v)
{
	p8(p, v >> 8);
	p8(p, v & 0xff);
}

static void
p32(struct pk *p, uint32_t v)
{
	p16(p, v >> 16);
	p16(p, v & 0xffff);
}

static void
pbytes(struct pk *p, const void *v, size_t n)
{
	memcpy(p->b + p->n, v, n);
	p->n += n;
}

/* Labels of text ("ns1.example" -> 3ns1 7example), no root; offset. */
static size_t
plabels(struct pk *p, const char *text)
{
	size_t	 at = p->n;

	p->n += wire_name(text, p->b + p->n) - 1;	/* without the root */
	return at;
}

static void
pptr(struct pk *p, size_t off)
{
	p16(p, (uint16_t)(0xc000 | off));
}

static void
pheader(struct pk *p, uint16_t flags, uint16_t an, uint16_t ns, uint16_t ar)
{
	p->n = 0;
	p16(p, 0x4242);
	p16(p, flags);
	p16(p, 1);
	p16(p, an);
	p16(p, ns);
	p16(p, ar);
}

/* The question www.example.com HTTPS: "example.com" is at 16. */
#define Q_NAME	12
#define Q_EXAMPLE 16
static void
pquestion(struct pk *p, uint16_t type)
{
	plabels(p, "www.example.com");
	p8(p, 0);
	p16(p, type);
	p16(p, DNS_CLASS_IN);
}

/* Type, class IN, TTL 300; returns where RDLENGTH goes. */
static size_t
prr(struct pk *p, uint16_t type)
{
	size_t	 at;

	p16(p, type);
	p16(p, DNS_CLASS_IN);
	p32(p, 300);
	at = p->n;
	p16(p, 0);
	return at;
}

static void
prdlen(struct pk *p, size_t at)
{
	p->b[at] = (p->n - at - 2) >> 8;
	p->b[at + 1] = (p->n - at - 2) & 0xff;
}

/* SvcParams */
static const uint8_t alpn[] = { 0, 1, 0, 3, 2, 'h', '2' };
static const uint8_t v4hint[] = { 0, 4, 0, 4, 192, 0, 2, 1 };
static const uint8_t v6hint[] = { 0, 6, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t unknown[] = { 0xff, 0x35, 0, 2, 'x', 'y' };
static const uint8_t echconfig[] = { 0, 5, 0, 3, 1, 2, 3 };

/* An HTTPS record owned by the question name (pointer), priority 1,
 * target ".", with the params given. */
static void
phttps(struct pk *p, uint16_t type, const uint8_t *const *params,
    const size_t *lens, size_t nparams)
{
	size_t	 at, i;

	pptr(p, Q_NAME);
	at = prr(p, type);
	p16(p, 1);
	p8(p, 0);
	for (i = 0; i < nparams; i++)
		pbytes(p, params[i], lens[i]);
	prdlen(p, at);
}

static void
prrsig(struct pk *p, size_t owner, uint16_t covered)
{
	size_t	 at;

	pptr(p, owner);
	at = prr(p, 46);
	p16(p, covered);
	p8(p, 13);
	p8(p, 3);
	p32(p, 300);
	p32(p, 0x70000000);
	p32(p, 0x60000000);
	p16(p, 12345);
	pptr(p, Q_EXAMPLE);		/* signer: example.com */
	p32(p, 0xdeadbeef);
	prdlen(p, at);
}

static void
popt(struct pk *p)
{
	p8(p, 0);
	p16(p, DNS_TYPE_OPT);
	p16(p, 1232);
	p32(p, 0x8000);
	p16(p, 0);
}

#define FLAGS	(DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA)
#define L(x)	sizeof(x)

/* The rewrite of in gives want exactly, readable by both parsers. */
static void
check_strip(const struct pk *in, const struct pk *want)
{
	uint8_t		 buf[4096];
	size_t		 n;
	struct msg_iter	 it;
	struct msg_rr	 rr;
	ldns_pkt	*lp = NULL;
	int		 r;

	memcpy(buf, in->b, in->n);
	n = msg_svc_strip(buf, in->n, sizeof(buf), MSG_SVC_IPV6HINT);
	ck_assert_uint_eq(n, want->n);
	ck_assert_msg(memcmp(buf, want->b, n) == 0, "rewritten bytes differ");
	ck_assert_int_eq(msg_iter_start(&it, buf, n), 0);
	while ((r = msg_iter_next(&it, &rr)) == 1)
		;
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(it.end, n);
	ck_assert_int_eq(ldns_wire2pkt(&lp, buf, n), LDNS_STATUS_OK);
	ldns_pkt_free(lp);
}

/* Nothing to take out: 0, and the message untouched. */
static void
check_unchanged(const struct pk *in, size_t max)
{
	uint8_t	 buf[4096];

	memcpy(buf, in->b, in->n);
	ck_assert_uint_eq(msg_svc_strip(buf, in->n, max, MSG_SVC_IPV6HINT),
	    0);
	ck_assert_msg(memcmp(buf, in->b, in->n) == 0, "message changed");
}

/* ---- cases -------------------------------------------------------------- */

/*
 * Pointers before (owners at the question, the signer) and after the
 * changed records: the NS target "ns1" + pointer, and an A record whose
 * owner points at that "ns1" label, which moves.  Two HTTPS records, both
 * with ipv6hint; their RRSIG goes, the RRSIG of the NS stays, AD clears;
 * the unknown key and alpn stay byte for byte; the OPT stays.
 */
START_TEST(test_strip_pointers)
{
	const uint8_t	*pa[] = { alpn, v4hint, v6hint, unknown };
	const size_t	 la[] = { L(alpn), L(v4hint), L(v6hint), L(unknown) };
	const uint8_t	*pb[] = { v6hint, echconfig };
	const size_t	 lb[] = { L(v6hint), L(echconfig) };
	const uint8_t	*wa[] = { alpn, v4hint, unknown };
	const size_t	 wl[] = { L(alpn), L(v4hint), L(unknown) };
	const uint8_t	*wb[] = { echconfig };
	const size_t	 wbl[] = { L(echconfig) };
	struct pk	 in, want;
	size_t		 ns1, at;
	int		 w;

	for (w = 0; w < 2; w++) {
		struct pk	*p = w ? &want : &in;

		pheader(p, FLAGS | (w ? 0 : DNS_FLAG_AD), w ? 2 : 3, 2, 2);
		pquestion(p, DNS_TYPE_HTTPS);
		phttps(p, DNS_TYPE_HTTPS, w ? wa : pa, w ? wl : la, w ? 3 : 4);
		if (!w)
			prrsig(p, Q_NAME, DNS_TYPE_HTTPS);
		phttps(p, DNS_TYPE_HTTPS, w ? wb : pb, w ? wbl : lb, w ? 1 : 2);
		/* authority: example.com NS ns1.example.com, its RRSIG */
		pptr(p, Q_EXAMPLE);
		at = prr(p, DNS_TYPE_NS);
		ns1 = plabels(p, "ns1");
		pptr(p, Q_EXAMPLE);
		prdlen(p, at);
		prrsig(p, Q_EXAMPLE, DNS_TYPE_NS);
		/* additional: ns1.example.com A (pointer to the NS target) */
		pptr(p, ns1);
		at = prr(p, DNS_TYPE_A);
		p32(p, 0xc0000235);
		prdlen(p, at);
		popt(p);
	}
	check_strip(&in, &want);
}
END_TEST

/* SVCB too; and an RRSIG over another type (A) in the same section
 * stays. */
START_TEST(test_strip_svcb)
{
	const uint8_t	*pa[] = { alpn, v6hint };
	const size_t	 la[] = { L(alpn), L(v6hint) };
	struct pk	 in, want;
	int		 w;

	for (w = 0; w < 2; w++) {
		struct pk	*p = w ? &want : &in;

		pheader(p, FLAGS, w ? 2 : 3, 0, 0);
		pquestion(p, DNS_TYPE_SVCB);
		phttps(p, DNS_TYPE_SVCB, pa, la, w ? 1 : 2);
		if (!w)
			prrsig(p, Q_NAME, DNS_TYPE_SVCB);
		prrsig(p, Q_NAME, DNS_TYPE_A);
	}
	check_strip(&in, &want);
}
END_TEST

/* mandatory=alpn,ipv6hint -> mandatory=alpn; mandatory=ipv6hint alone
 * -> no mandatory at all. */
START_TEST(test_strip_mandatory)
{
	static const uint8_t m2[] = { 0, 0, 0, 4, 0, 1, 0, 6 };
	static const uint8_t m2w[] = { 0, 0, 0, 2, 0, 1 };
	static const uint8_t m1[] = { 0, 0, 0, 2, 0, 6 };
	const uint8_t	*pa[] = { m2, alpn, v6hint };
	const size_t	 la[] = { L(m2), L(alpn), L(v6hint) };
	const uint8_t	*wa[] = { m2w, alpn };
	const size_t	 wl[] = { L(m2w), L(alpn) };
	const uint8_t	*pb[] = { m1, v4hint, v6hint };
	const size_t	 lb[] = { L(m1), L(v4hint), L(v6hint) };
	const uint8_t	*wb[] = { v4hint };
	const size_t	 wbl[] = { L(v4hint) };
	struct pk	 in, want;
	int		 w;

	for (w = 0; w < 2; w++) {
		struct pk	*p = w ? &want : &in;

		pheader(p, FLAGS, 2, 0, 0);
		pquestion(p, DNS_TYPE_HTTPS);
		phttps(p, DNS_TYPE_HTTPS, w ? wa : pa, w ? wl : la, w ? 2 : 3);
		phttps(p, DNS_TYPE_HTTPS, w ? wb : pb, w ? wbl : lb, 1 +
		    (w ? 0 : 2));
	}
	check_strip(&in, &want);
}
END_TEST

/* No ipv6hint anywhere (or a mandatory list naming it without the key):
 * unchanged byte for byte, even with an RRSIG and AD. */
START_TEST(test_strip_nothing)
{
	static const uint8_t m1[] = { 0, 0, 0, 2, 0, 6 };
	const uint8_t	*pa[] = { m1, alpn, v4hint, unknown };
	const size_t	 la[] = { L(m1), L(alpn), L(v4hint), L(unknown) };
	struct pk	 in;

	pheader(&in, FLAGS | DNS_FLAG_AD, 2, 0, 1);
	pquestion(&in, DNS_TYPE_HTTPS);
	phttps(&in, DNS_TYPE_HTTPS, pa, la, 4);
	prrsig(&in, Q_NAME, DNS_TYPE_HTTPS);
	popt(&in);
	check_unchanged(&in, sizeof(in.b));
}
END_TEST

/*
 * A record whose SvcParams do not parse (a length past its RDATA, an odd
 * mandatory list) is passed as it is; a good record beside it is still
 * rewritten.  Alone, the malformed one leaves the message untouched.
 */
START_TEST(test_strip_malformed)
{
	static const uint8_t over[] = { 0, 6, 0, 17, 1, 2, 3, 4 };
	static const uint8_t odd[] = { 0, 0, 0, 3, 0, 6, 0 };
	const uint8_t	*bad1[] = { v6hint, over };
	const size_t	 lbad1[] = { L(v6hint), L(over) };
	const uint8_t	*bad2[] = { odd, v6hint };
	const size_t	 lbad2[] = { L(odd), L(v6hint) };
	const uint8_t	*good[] = { alpn, v6hint };
	const size_t	 lgood[] = { L(alpn), L(v6hint) };
	struct pk	 in, want;
	int		 w;

	pheader(&in, FLAGS, 2, 0, 0);
	pquestion(&in, DNS_TYPE_HTTPS);
	phttps(&in, DNS_TYPE_HTTPS, bad1, lbad1, 2);
	phttps(&in, DNS_TYPE_HTTPS, bad2, lbad2, 2);
	check_unchanged(&in, sizeof(in.b));

	for (w = 0; w < 2; w++) {
		struct pk	*p = w ? &want : &in;

		pheader(p, FLAGS, 3, 0, 0);
		pquestion(p, DNS_TYPE_HTTPS);
		phttps(p, DNS_TYPE_HTTPS, bad1, lbad1, 2);
		phttps(p, DNS_TYPE_HTTPS, good, lgood, w ? 1 : 2);
		phttps(p, DNS_TYPE_HTTPS, bad2, lbad2, 2);
	}
	check_strip(&in, &want);
}
END_TEST

/* Too little room for the rewrite, a malformed message, an empty one:
 * 0, untouched. */
START_TEST(test_strip_limits)
{
	const uint8_t	*pa[] = { alpn, v6hint };
	const size_t	 la[] = { L(alpn), L(v6hint) };
	struct pk	 in;
	uint8_t		 b[64];

	pheader(&in, FLAGS, 1, 0, 0);
	pquestion(&in, DNS_TYPE_HTTPS);
	phttps(&in, DNS_TYPE_HTTPS, pa, la, 2);
	check_unchanged(&in, 20);
	/* One record more counted than there is. */
	in.b[7] = 2;
	check_unchanged(&in, sizeof(in.b));
	in.b[7] = 1;
	in.n -= 3;
	check_unchanged(&in, sizeof(in.b));
	memset(b, 0, sizeof(b));
	ck_assert_uint_eq(msg_svc_strip(b, 0, sizeof(b), 6), 0);
	ck_assert_uint_eq(msg_svc_strip(b, 11, sizeof(b), 6), 0);
}
END_TEST

static Suite *
svc_suite(void)
{
	Suite	*s = suite_create("svc");
	TCase	*tc = tcase_create("strip");

	tcase_add_test(tc, test_strip_pointers);
	tcase_add_test(tc, test_strip_svcb);
	tcase_add_test(tc, test_strip_mandatory);
	tcase_add_test(tc, test_strip_nothing);
	tcase_add_test(tc, test_strip_malformed);
	tcase_add_test(tc, test_strip_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(svc_suite());
}
