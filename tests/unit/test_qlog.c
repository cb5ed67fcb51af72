/*
 * test_qlog.c: unit tests of log-queries' line text (src/qlog.c): the
 * lines dnsmasq 2.90 writes for an answer, from answers built by ldns.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <ldns/ldns.h>

#include "unit.h"
#include "briskdns.h"
#include "msg.h"
#include "qlog.h"

#define MAXLINES	80

struct lines {
	int	 n;
	char	 text[MAXLINES][QLOG_NAME + QLOG_VALUE + 8];
};

static void
collect(void *arg, const char *name, const char *value)
{
	struct lines	*l = arg;

	ck_assert_int_lt(l->n, MAXLINES);
	snprintf(l->text[l->n++], sizeof(l->text[0]), "%s is %s", name,
	    value);
}

/* An answer to qname/qtype with rcode and the records rrs (NULL-ended,
 * ldns text), in wire form into buf; its length. */
static size_t
answer(const char *qname, ldns_rr_type qtype, int rcode,
    const char *const *rrs, uint8_t *buf, size_t bufsz)
{
	ldns_pkt	*p;
	ldns_rr		*rr;
	uint8_t		*wire;
	size_t		 n;

	ck_assert(ldns_pkt_query_new_frm_str(&p, qname, qtype,
	    LDNS_RR_CLASS_IN, LDNS_RD) == LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, 1);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	for (; rrs != NULL && *rrs != NULL; rrs++) {
		ck_assert(ldns_rr_new_frm_str(&rr, *rrs, 300, NULL, NULL) ==
		    LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	ck_assert(ldns_pkt2wire(&wire, p, &n) == LDNS_STATUS_OK);
	ck_assert_uint_le(n, bufsz);
	memcpy(buf, wire, n);
	LDNS_FREE(wire);
	ldns_pkt_free(p);
	return n;
}

static void
run(const char *qname, ldns_rr_type qtype, int rcode, int flags,
    const char *const *rrs, const char *const *want)
{
	uint8_t		 buf[DNS_MAXMSG];
	struct lines	 l;
	size_t		 len;
	int		 i, n;

	memset(&l, 0, sizeof(l));
	len = answer(qname, qtype, rcode, rrs, buf, sizeof(buf));
	n = qlog_answer(buf, len, (uint16_t)qtype, flags, collect, &l);
	ck_assert_int_eq(n, l.n);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(i < l.n, "%s: line %d missing (%s)", qname, i,
		    want[i]);
		ck_assert_str_eq(l.text[i], want[i]);
	}
	ck_assert_int_eq(l.n, i);
}

START_TEST(test_addresses)
{
	const char *const rrs[] = { "www.example.com. A 192.0.2.1",
	    "www.example.com. A 192.0.2.2", NULL };
	const char *const want[] = { "www.example.com is 192.0.2.1",
	    "www.example.com is 192.0.2.2", NULL };
	const char *const rrs6[] = { "www.example.com. AAAA 2001:db8::1",
	    NULL };
	const char *const want6[] = { "www.example.com is 2001:db8::1", NULL };

	run("www.example.com.", LDNS_RR_TYPE_A, 0, 0, rrs, want);
	run("www.example.com.", LDNS_RR_TYPE_AAAA, 0, 0, rrs6, want6);
}
END_TEST

START_TEST(test_cname_chain)
{
	const char *const rrs[] = { "a.example. CNAME b.example.",
	    "b.example. CNAME c.example.", "c.example. A 192.0.2.9", NULL };
	const char *const want[] = { "a.example is <CNAME>",
	    "b.example is <CNAME>", "c.example is 192.0.2.9", NULL };
	const char *const rrs6[] = { "a.example. CNAME b.example.",
	    "b.example. CNAME c.example.", NULL };
	const char *const want6[] = { "a.example is <CNAME>",
	    "b.example is <CNAME>", "c.example is NODATA-IPv6", NULL };
	const char *const wantnx[] = { "a.example is <CNAME>",
	    "b.example is <CNAME>", "c.example is NXDOMAIN", NULL };

	run("a.example.", LDNS_RR_TYPE_A, 0, 0, rrs, want);
	run("a.example.", LDNS_RR_TYPE_AAAA, 0, 0, rrs6, want6);
	run("a.example.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, 0, rrs6,
	    wantnx);
}
END_TEST

START_TEST(test_empty_and_errors)
{
	const char *const nx[] = { "nx.example is NXDOMAIN", NULL };
	const char *const nd4[] = { "nd.example is NODATA-IPv4", NULL };
	const char *const nd6[] = { "nd.example is NODATA-IPv6", NULL };
	const char *const nd[] = { "nd.example is NODATA", NULL };
	const char *const sf[] = { "error is SERVFAIL", NULL };
	const char *const rf[] = { "error is REFUSED", NULL };

	/* The question's name, lower-cased, without the final dot. */
	run("Nx.Example.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, 0, NULL, nx);
	run("nd.example.", LDNS_RR_TYPE_A, 0, 0, NULL, nd4);
	run("nd.example.", LDNS_RR_TYPE_AAAA, 0, 0, NULL, nd6);
	run("nd.example.", LDNS_RR_TYPE_MX, 0, 0, NULL, nd);
	run("sf.example.", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, 0, NULL, sf);
	run("rf.example.", LDNS_RR_TYPE_A, LDNS_RCODE_REFUSED, 0, NULL, rf);
}
END_TEST

START_TEST(test_other_types)
{
	const char *const mx[] = { "m.example. MX 10 mail.example.", NULL };
	const char *const wmx[] = { "m.example is <MX>", NULL };
	const char *const txt[] = { "t.example. TXT \"hello world\" \"x\"",
	    NULL };
	const char *const wtxt[] = { "t.example is hello world", NULL };
	const char *const wtxt0[] = { "t.example is <TXT>", NULL };
	const char *const ctl[] = { "t.example. TXT \"a\\010b\\255c\"", NULL };
	const char *const wctl[] = { "t.example is a?b?c", NULL };
	const char *const ptr[] = { "1.2.0.192.in-addr.arpa. PTR host.lan.",
	    NULL };
	const char *const wptr[] = { "1.2.0.192.in-addr.arpa is host.lan",
	    NULL };
	const char *const rrsig[] = { "r.example. A 192.0.2.3",
	    "r.example. RRSIG A 8 2 300 20300101000000 20200101000000 1 "
	    "example. AAAA", NULL };
	const char *const wrrsig[] = { "r.example is 192.0.2.3", NULL };
	const char *const any[] = { "y.example. MX 1 y.example.", NULL };
	const char *const wany[] = { "y.example is <MX>", NULL };

	run("m.example.", LDNS_RR_TYPE_MX, 0, 0, mx, wmx);
	/* TXT: its first string, upstream's; <TXT> for briskdns's own. */
	run("t.example.", LDNS_RR_TYPE_TXT, 0, QLOG_TXT_TEXT, txt, wtxt);
	run("t.example.", LDNS_RR_TYPE_TXT, 0, 0, txt, wtxt0);
	/* Never a control character in a log line. */
	run("t.example.", LDNS_RR_TYPE_TXT, 0, QLOG_TXT_TEXT, ctl, wctl);
	run("1.2.0.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 0, 0, ptr, wptr);
	/* Signatures are not logged (as dnsmasq). */
	run("r.example.", LDNS_RR_TYPE_A, 0, 0, rrsig, wrrsig);
	run("y.example.", LDNS_RR_TYPE_ANY, 0, 0, any, wany);
}
END_TEST

START_TEST(test_bounds)
{
	uint8_t		 buf[DNS_MAXMSG];
	struct lines	 l;
	char		*rrs[QLOG_MAX_LINES + 11], text[64];
	size_t		 len, i;

	for (i = 0; i < QLOG_MAX_LINES + 10; i++) {
		snprintf(text, sizeof(text), "big.example. A 198.18.0.%zu", i);
		rrs[i] = strdup(text);
	}
	rrs[i] = NULL;
	memset(&l, 0, sizeof(l));
	len = answer("big.example.", LDNS_RR_TYPE_A, 0,
	    (const char *const *)rrs, buf, sizeof(buf));
	ck_assert_int_eq(qlog_answer(buf, len, DNS_TYPE_A, 0, collect, &l),
	    QLOG_MAX_LINES);
	/* Cut anywhere: no more lines than records read, never a crash. */
	for (i = 0; i < len; i++) {
		memset(&l, 0, sizeof(l));
		ck_assert_int_le(qlog_answer(buf, i, DNS_TYPE_A, 0, collect,
		    &l), QLOG_MAX_LINES + 1);
	}
	for (i = 0; rrs[i] != NULL; i++)
		free(rrs[i]);
}
END_TEST

START_TEST(test_name_and_nodata)
{
	uint8_t	 w[DNS_MAXNAME];
	char	 buf[QLOG_NAME];
	size_t	 n;

	n = wire_name("www.example.com", w);
	qlog_name(w, n, buf, sizeof(buf));
	ck_assert_str_eq(buf, "www.example.com");
	n = wire_name(".", w);
	qlog_name(w, n, buf, sizeof(buf));
	ck_assert_str_eq(buf, ".");
	n = wire_name("a\nb.example", w);
	qlog_name(w, n, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a\\010b.example");
	ck_assert_str_eq(qlog_nodata(DNS_TYPE_A), "NODATA-IPv4");
	ck_assert_str_eq(qlog_nodata(DNS_TYPE_AAAA), "NODATA-IPv6");
	ck_assert_str_eq(qlog_nodata(DNS_TYPE_HTTPS), "NODATA");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("qlog");
	TCase	*tc = tcase_create("lines");

	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_cname_chain);
	tcase_add_test(tc, test_empty_and_errors);
	tcase_add_test(tc, test_other_types);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_name_and_nodata);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
