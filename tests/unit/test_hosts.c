/*
 * test_hosts.c: unit tests of the hosts table (src/hosts.c): the hosts-file
 * parser and its bounds, lookups, the reverse map, expand-hosts, answers
 * (checked field by field and by ldns), and memory per entry on a million
 * names.  Also the table that a configuration builds (config_hosts.c).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <ldns/ldns.h>

#include "unit.h"
#include "briskdns.h"
#include "config.h"
#include "hosts.h"
#include "msg.h"
#include "policy.h"
#include "query.h"
#include "wire.h"

#define TTL	77

static struct hosts *
load(const char *domain, const char *text)
{
	struct hosts	*h = hosts_new(domain);

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(hosts_read_buffer(h, "test", text, strlen(text)), 0);
	return h;
}

static const struct hosts_entry *
find(const struct hosts *h, const char *name, uint16_t type)
{
	uint8_t	 w[DNS_MAXNAME + 1];
	size_t	 n = wire_name(name, w);

	return hosts_lookup(h, w, n, type);
}

static int
has(const struct hosts *h, const char *name)
{
	uint8_t	 w[DNS_MAXNAME + 1];
	size_t	 n = wire_name(name, w);

	return hosts_has_name(h, w, n);
}

static void
make_query(struct query *q, const char *name, uint16_t type, int edns)
{
	uint8_t	 p[512];
	size_t	 o = DNS_HDRLEN;

	memset(p, 0, DNS_HDRLEN);
	put16(p, 0x4242);
	put16(p + 2, DNS_FLAG_RD | DNS_FLAG_CD);
	put16(p + 4, 1);
	put16(p + 10, edns ? 1 : 0);
	o += wire_name(name, p + o);
	put16(p + o, type);
	put16(p + o + 2, DNS_CLASS_IN);
	o += 4;
	if (edns) {
		p[o] = 0;
		put16(p + o + 1, DNS_TYPE_OPT);
		put16(p + o + 3, 4096);
		put32(p + o + 5, 0);
		put16(p + o + 9, 0);
		o += 11;
	}
	ck_assert_int_eq(msg_parse_query(p, o, q), MSG_OK);
}

/*
 * The answer to name/type as text: "rcode|rr;rr;..." with each record as
 * ldns prints it (owner, TTL, class, type, RDATA, tabs made spaces),
 * or NULL when the table does not answer.
 */
static char *
answer(const struct hosts *h, const char *name, uint16_t type, int edns,
    hosts_local_fn local, void *arg)
{
	const struct hosts_entry	*e;
	struct query			 q;
	uint8_t				 buf[DNS_MAXMSG];
	ldns_pkt			*pkt = NULL;
	ldns_rr_list			*an;
	static char			 out[8192];
	char				*s, *t;
	size_t				 n, i;
	uint16_t			 flags;

	make_query(&q, name, type, edns);
	if ((e = hosts_lookup(h, q.qname, q.qname_len, type)) == NULL)
		return NULL;
	n = hosts_answer(h, e, &q, TTL, local, arg, buf, sizeof(buf));
	ck_assert_uint_gt(n, DNS_HDRLEN);
	/* Too small a buffer: 0, never a partial answer. */
	ck_assert_uint_eq(hosts_answer(h, e, &q, TTL, local, arg, buf, n - 1),
	    0);
	n = hosts_answer(h, e, &q, TTL, local, arg, buf, sizeof(buf));
	flags = get16(buf + 2);
	ck_assert_uint_eq(get16(buf), 0x4242);
	ck_assert(flags & DNS_FLAG_QR);
	ck_assert(flags & DNS_FLAG_RA);
	ck_assert(flags & DNS_FLAG_RD);
	ck_assert(flags & DNS_FLAG_CD);
	ck_assert(!(flags & DNS_FLAG_AA));
	ck_assert_int_eq(memcmp(buf + DNS_HDRLEN, q.qname_case, q.qname_len),
	    0);
	ck_assert_int_eq(ldns_wire2pkt(&pkt, buf, n), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt_edns(pkt) ? 1 : 0, edns);
	an = ldns_pkt_answer(pkt);
	snprintf(out, sizeof(out), "%d|", DNS_RCODE(flags));
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		s = ldns_rr2str(ldns_rr_list_rr(an, i));
		for (t = s; *t != '\0'; t++)
			if (*t == '\t')
				*t = ' ';
		if (t > s && t[-1] == '\n')
			t[-1] = '\0';
		strncat(out, s, sizeof(out) - strlen(out) - 2);
		strcat(out, ";");
		free(s);
	}
	ldns_pkt_free(pkt);
	return out;
}

/* ---- the parser ---------------------------------------------------------- */

START_TEST(test_syntax)
{
	struct hosts	*h;

	h = load(NULL,
	    "# a comment\n"
	    "\n"
	    "   \t  \n"
	    "10.0.0.1 alpha alpha.example.com  alias1 # trailing comment\n"
	    "10.0.0.2\tbeta\tgamma.\r\n"
	    "  10.0.0.3 lead#nospace-comment\n"
	    "2001:db8::1 six\n"
	    "fe80::1%eth0 scoped\n"		/* dnsmasq: bad address */
	    "999.1.1.1 bogus\n"
	    "010.001.0.14 octal\n"
	    "10.0.0.4\n"			/* no name: ignored */
	    "10.0.0.5 a..b good -dash under_score a*b\n"
	    "10.0.0.6 caf\xc3\xa9 ok\n"
	    "bad line here\n"
	    "10.0.0.7 last-no-newline");
	ck_assert_ptr_nonnull(find(h, "alpha", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "alpha.example.com", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "alias1", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "beta", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "gamma", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "lead", DNS_TYPE_A));
	ck_assert_ptr_null(find(h, "lead#nospace-comment", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "six", DNS_TYPE_AAAA));
	ck_assert_ptr_null(find(h, "scoped", DNS_TYPE_AAAA));
	ck_assert_ptr_null(find(h, "bogus", DNS_TYPE_A));
	ck_assert_ptr_null(find(h, "octal", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "good", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "-dash", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "under_score", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "a*b", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "ok", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "last-no-newline", DNS_TYPE_A));
	/* alpha alpha.example.com alias1 beta gamma lead six good -dash
	 * under_score a*b ok last-no-newline */
	ck_assert_uint_eq(hosts_names(h), 13);
	hosts_free(h);
}
END_TEST

START_TEST(test_types_and_case)
{
	struct hosts	*h;

	h = load(NULL, "10.0.0.1 Mixed.Case\n2001:db8::2 v6only\n");
	ck_assert_ptr_nonnull(find(h, "mixed.case", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "mixed.case", DNS_TYPE_ANY));
	/* A only: AAAA, MX, TXT are not answered here (dnsmasq forwards). */
	ck_assert_ptr_null(find(h, "mixed.case", DNS_TYPE_AAAA));
	ck_assert_ptr_null(find(h, "mixed.case", DNS_TYPE_MX));
	ck_assert_ptr_null(find(h, "mixed.case", DNS_TYPE_TXT));
	ck_assert_ptr_null(find(h, "v6only", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "v6only", DNS_TYPE_AAAA));
	ck_assert_ptr_null(find(h, "case", DNS_TYPE_A));
	ck_assert_ptr_null(find(h, "x.mixed.case", DNS_TYPE_A));
	ck_assert_int_eq(has(h, "mixed.case"), 1);
	ck_assert_int_eq(has(h, "nothere"), 0);
	ck_assert_int_eq(hosts_has_name(NULL, (const uint8_t *)"\0", 1), 0);
	ck_assert_ptr_null(hosts_lookup(NULL, (const uint8_t *)"\0", 1,
	    DNS_TYPE_A));
	/* The owner in the client's case, the data from the file. */
	ck_assert_str_eq(answer(h, "MIXED.case", DNS_TYPE_A, 0, NULL, NULL),
	    "0|MIXED.case. 77 IN A 10.0.0.1;");
	hosts_free(h);
}
END_TEST

START_TEST(test_duplicates_and_order)
{
	struct hosts	*h;

	h = load(NULL, "10.0.0.1 a\n10.0.0.2 a\n10.0.0.1 a\n10.0.0.1 A.\n");
	ck_assert_uint_eq(hosts_records(h), 2);
	ck_assert_str_eq(answer(h, "a", DNS_TYPE_A, 1, NULL, NULL),
	    "0|a. 77 IN A 10.0.0.1;a. 77 IN A 10.0.0.2;");
	hosts_free(h);
}
END_TEST

/* ---- the reverse map ----------------------------------------------------- */

START_TEST(test_reverse)
{
	struct hosts	*h;

	h = load(NULL,
	    "10.0.0.1 first second\n"
	    "10.0.0.1 third\n"
	    "10.0.0.2 other\n"
	    "2001:db8::1 six six.example\n"
	    "0.0.0.0 blocked.example\n");
	ck_assert_str_eq(answer(h, "1.0.0.10.in-addr.arpa", DNS_TYPE_PTR, 0,
	    NULL, NULL), "0|1.0.0.10.in-addr.arpa. 77 IN PTR first.;");
	ck_assert_str_eq(answer(h, "2.0.0.10.In-Addr.Arpa", DNS_TYPE_PTR, 0,
	    NULL, NULL), "0|2.0.0.10.In-Addr.Arpa. 77 IN PTR other.;");
	ck_assert_str_eq(answer(h, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.B.D.0.1.0.0.2.ip6.arpa", DNS_TYPE_PTR, 0, NULL, NULL),
	    "0|1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0."
	    "2.ip6.arpa. 77 IN PTR six.;");
	ck_assert_str_eq(answer(h, "0.0.0.0.in-addr.arpa", DNS_TYPE_PTR, 0,
	    NULL, NULL), "0|0.0.0.0.in-addr.arpa. 77 IN PTR blocked.example.;");
	/* Only PTR; not other addresses, not malformed reverse names. */
	ck_assert_ptr_null(find(h, "1.0.0.10.in-addr.arpa", DNS_TYPE_A));
	ck_assert_ptr_null(find(h, "3.0.0.10.in-addr.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "0.0.10.in-addr.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "1.1.0.0.10.in-addr.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "01.0.0.10x.in-addr.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "1.0.0.256.in-addr.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "1.0.0.1000.in-addr.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "in-addr.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "ip6.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.b.d.0.1.0.0.g.ip6.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(h, "10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DNS_TYPE_PTR));
	ck_assert_int_eq(has(h, "1.0.0.10.in-addr.arpa"), 1);
	ck_assert_int_eq(has(h, "9.0.0.10.in-addr.arpa"), 0);
	hosts_free(h);
}
END_TEST

START_TEST(test_expand_hosts)
{
	struct hosts	*h;

	h = load("lan", "10.0.0.1 alpha alpha.example.com\n"
	    "10.0.0.2 dotted.name plain\n");
	ck_assert_ptr_nonnull(find(h, "alpha", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "alpha.lan", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "plain.lan", DNS_TYPE_A));
	ck_assert_ptr_null(find(h, "dotted.name.lan", DNS_TYPE_A));
	ck_assert_ptr_null(find(h, "alpha.example.com.lan", DNS_TYPE_A));
	/* The long form of a plain first name answers PTR. */
	ck_assert_str_eq(answer(h, "1.0.0.10.in-addr.arpa", DNS_TYPE_PTR, 0,
	    NULL, NULL), "0|1.0.0.10.in-addr.arpa. 77 IN PTR alpha.lan.;");
	ck_assert_str_eq(answer(h, "2.0.0.10.in-addr.arpa", DNS_TYPE_PTR, 0,
	    NULL, NULL), "0|2.0.0.10.in-addr.arpa. 77 IN PTR dotted.name.;");
	hosts_free(h);
	ck_assert_ptr_null(hosts_new("bad..domain"));
}
END_TEST

/* ---- records and answers ------------------------------------------------ */

static void
add_rd(struct hosts *h, const char *name, uint16_t type, const char *hex,
    uint32_t ttl)
{
	uint8_t		 rd[512];
	size_t		 n = 0;
	const char	*why = NULL;
	unsigned	 b;

	for (; hex[0] != '\0' && hex[1] != '\0'; hex += 2) {
		ck_assert_int_eq(sscanf(hex, "%2x", &b), 1);
		rd[n++] = (uint8_t)b;
	}
	ck_assert_msg(hosts_add_rdata(h, name, type, rd, n, ttl, &why) == 0,
	    "%s", why);
}

START_TEST(test_cname_chain)
{
	struct hosts	*h = load(NULL,
	    "10.0.0.1 target\n2001:db8::1 target\n");

	/* cn -> mid -> target; ext -> external.example (not here). */
	add_rd(h, "mid", DNS_TYPE_CNAME, "06746172676574" "00", 0);
	add_rd(h, "cn", DNS_TYPE_CNAME, "036d6964" "00", 300);
	add_rd(h, "ext", DNS_TYPE_CNAME,
	    "0865787465726e616c076578616d706c6500", 0);
	add_rd(h, "loop1", DNS_TYPE_CNAME, "056c6f6f703200", 0);
	add_rd(h, "loop2", DNS_TYPE_CNAME, "056c6f6f703100", 0);
	ck_assert_str_eq(answer(h, "CN", DNS_TYPE_A, 0, NULL, NULL),
	    "0|CN. 300 IN CNAME mid.;mid. 77 IN CNAME target.;"
	    "target. 77 IN A 10.0.0.1;");
	ck_assert_str_eq(answer(h, "cn", DNS_TYPE_AAAA, 1, NULL, NULL),
	    "0|cn. 300 IN CNAME mid.;mid. 77 IN CNAME target.;"
	    "target. 77 IN AAAA 2001:db8::1;");
	/* A type the target lacks: the chain alone (as dnsmasq). */
	ck_assert_str_eq(answer(h, "cn", DNS_TYPE_TXT, 0, NULL, NULL),
	    "0|cn. 300 IN CNAME mid.;mid. 77 IN CNAME target.;");
	ck_assert_str_eq(answer(h, "cn", DNS_TYPE_CNAME, 0, NULL, NULL),
	    "0|cn. 300 IN CNAME mid.;");
	ck_assert_str_eq(answer(h, "ext", DNS_TYPE_A, 0, NULL, NULL),
	    "0|ext. 77 IN CNAME external.example.;");
	/* A loop ends after HOSTS_MAX_CHAIN links. */
	ck_assert_ptr_nonnull(answer(h, "loop1", DNS_TYPE_A, 0, NULL, NULL));
	hosts_free(h);
}
END_TEST

START_TEST(test_other_records)
{
	struct hosts	*h = hosts_new(NULL);

	add_rd(h, "txt", DNS_TYPE_TXT, "0568656c6c6f00", 0);
	add_rd(h, "mx", DNS_TYPE_MX, "0005046d61696c00", 0);
	add_rd(h, "mx", DNS_TYPE_MX, "0001046d61696c00", 0);
	add_rd(h, "_s._tcp", 33, "000100020035017400", 0);
	add_rd(h, "ptr.example", DNS_TYPE_PTR, "017400", 0);
	ck_assert_str_eq(answer(h, "txt", DNS_TYPE_TXT, 0, NULL, NULL),
	    "0|txt. 77 IN TXT \"hello\" \"\";");
	ck_assert_str_eq(answer(h, "mx", DNS_TYPE_MX, 0, NULL, NULL),
	    "0|mx. 77 IN MX 5 mail.;mx. 77 IN MX 1 mail.;");
	ck_assert_str_eq(answer(h, "_s._tcp", 33, 0, NULL, NULL),
	    "0|_s._tcp. 77 IN SRV 1 2 53 t.;");
	ck_assert_str_eq(answer(h, "ptr.example", DNS_TYPE_PTR, 0, NULL, NULL),
	    "0|ptr.example. 77 IN PTR t.;");
	ck_assert_ptr_null(find(h, "txt", DNS_TYPE_A));
	ck_assert_ptr_null(find(h, "mx", DNS_TYPE_A));
	hosts_free(h);
}
END_TEST

START_TEST(test_add_errors)
{
	struct hosts	*h = hosts_new(NULL);
	uint8_t		 a4[4] = { 192, 0, 2, 1 };
	const char	*why = NULL;
	uint32_t	 i;

	ck_assert_int_eq(hosts_add_addr(h, "a..b", AF_INET, a4, 0, 1, &why),
	    -1);
	ck_assert_str_eq(why, "bad name");
	ck_assert_int_eq(hosts_add_addr(h, "a", AF_UNIX, a4, 0, 1, &why), -1);
	/* Distinct explicit TTLs are bounded (index 0 is local-ttl). */
	for (i = 1; i < HOSTS_MAX_TTLS + 5; i++) {
		char	 name[32];

		snprintf(name, sizeof(name), "t%u", i);
		ck_assert_int_eq(hosts_add_addr(h, name, AF_INET, a4, i, 0,
		    &why), i < HOSTS_MAX_TTLS ? 0 : -1);
	}
	ck_assert_str_eq(why, "too many different TTLs");
	/* A TTL already known still works. */
	ck_assert_int_eq(hosts_add_addr(h, "again", AF_INET, a4, 5, 0, &why),
	    0);
	hosts_free(h);
}
END_TEST

static int
local_10(const uint8_t *a, void *arg)
{
	(*(int *)arg)++;
	return a[0] == 10;
}

START_TEST(test_localise)
{
	struct hosts	*h = load(NULL, "192.168.1.1 srv\n10.0.0.1 srv\n"
	    "172.16.0.1 other\n");
	int		 calls = 0;

	ck_assert_str_eq(answer(h, "srv", DNS_TYPE_A, 0, local_10, &calls),
	    "0|srv. 77 IN A 10.0.0.1;");
	ck_assert_int_gt(calls, 0);
	/* None local: all of them. */
	ck_assert_str_eq(answer(h, "other", DNS_TYPE_A, 0, local_10, &calls),
	    "0|other. 77 IN A 172.16.0.1;");
	ck_assert_str_eq(answer(h, "srv", DNS_TYPE_A, 0, NULL, NULL),
	    "0|srv. 77 IN A 192.168.1.1;srv. 77 IN A 10.0.0.1;");
	hosts_free(h);
}
END_TEST

/* ---- bounds -------------------------------------------------------------- */

START_TEST(test_bounds)
{
	struct hosts_limits	 lim = { 64, 1 << 20, 1000 };
	struct hosts		*h = hosts_new(NULL);
	char			*text, line[64];
	size_t			 o = 0, i;

	/* Line length: a line over max_line is skipped, the next read. */
	hosts_set_limits(h, &lim);
	text = malloc(200000);
	o += (size_t)sprintf(text + o, "10.0.0.1 ");
	for (i = 0; i < 100; i++)
		text[o++] = 'x';
	o += (size_t)sprintf(text + o, "\n10.0.0.2 after-long\n");
	text[o] = '\0';
	ck_assert_int_eq(hosts_read_buffer(h, "t", text, o), 0);
	ck_assert_uint_eq(hosts_names(h), 1);
	ck_assert_ptr_nonnull(find(h, "after-long", DNS_TYPE_A));
	hosts_free(h);

	/* Entries: at most max_entries records, the rest not read. */
	h = hosts_new(NULL);
	hosts_set_limits(h, &lim);
	for (o = 0, i = 0; i < 1500; i++)
		o += (size_t)sprintf(text + o, "10.%zu.%zu.1 n%zu\n", i / 256,
		    i % 256, i);
	ck_assert_int_eq(hosts_read_buffer(h, "t", text, o), 0);
	ck_assert_uint_eq(hosts_records(h), 1000);
	ck_assert_ptr_nonnull(find(h, "n999", DNS_TYPE_A));
	ck_assert_ptr_null(find(h, "n1000", DNS_TYPE_A));
	hosts_free(h);

	/* File size: what is past max_file is not read. */
	lim.max_file = 1000;
	lim.max_entries = HOSTS_MAX_ENTRIES;
	h = hosts_new(NULL);
	hosts_set_limits(h, &lim);
	ck_assert_int_eq(hosts_read_buffer(h, "t", text, o), 0);
	ck_assert_uint_gt(hosts_names(h), 50);
	ck_assert_uint_lt(hosts_names(h), 100);
	hosts_free(h);

	/* Records of one name. */
	h = hosts_new(NULL);
	for (o = 0, i = 0; i < HOSTS_MAX_PER_NAME + 10; i++)
		o += (size_t)sprintf(text + o, "10.%zu.%zu.1 same\n", i / 256,
		    i % 256);
	ck_assert_int_eq(hosts_read_buffer(h, "t", text, o), 0);
	ck_assert_uint_eq(hosts_records(h), HOSTS_MAX_PER_NAME);
	hosts_free(h);

	/* A NUL byte: that line is bad, the others are read. */
	h = hosts_new(NULL);
	memcpy(line, "10.0.0.1 a\0b\n10.0.0.2 c\n", 24);
	ck_assert_int_eq(hosts_read_buffer(h, "t", line, 24), 0);
	ck_assert_ptr_null(find(h, "a", DNS_TYPE_A));
	ck_assert_ptr_nonnull(find(h, "c", DNS_TYPE_A));
	hosts_free(h);
	free(text);
}
END_TEST

START_TEST(test_files)
{
	char		 dir[] = "/tmp/test_hosts.XXXXXX", path[300];
	struct hosts	*h = hosts_new(NULL);
	FILE		*f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b", dir);
	f = fopen(path, "w");
	fputs("10.0.0.2 x\n10.0.0.2 from-b\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/a", dir);
	f = fopen(path, "w");
	fputs("10.0.0.1 x\n10.0.0.2 from-a\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	f = fopen(path, "w");
	fputs("10.0.0.3 hidden\n", f);
	fclose(f);
	/* A directory: its files in alphabetical order (a before b). */
	ck_assert_int_eq(hosts_read_path(h, dir), 0);
	ck_assert_ptr_null(find(h, "hidden", DNS_TYPE_A));
	ck_assert_str_eq(answer(h, "x", DNS_TYPE_A, 0, NULL, NULL),
	    "0|x. 77 IN A 10.0.0.1;x. 77 IN A 10.0.0.2;");
	ck_assert_str_eq(answer(h, "2.0.0.10.in-addr.arpa", DNS_TYPE_PTR, 0,
	    NULL, NULL), "0|2.0.0.10.in-addr.arpa. 77 IN PTR from-a.;");
	ck_assert_int_eq(hosts_read_file(h, dir), -1);
	snprintf(path, sizeof(path), "%s/none", dir);
	ck_assert_int_eq(hosts_read_path(h, path), -1);
	hosts_free(h);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* A million Pi-hole style lines: the memory per entry and lookups. */
START_TEST(test_million)
{
	struct hosts	*h = hosts_new(NULL);
	size_t		 n = 1000000, o = 0, i, per;
	char		*text = malloc(n * 40), name[64];

	for (i = 0; i < n; i++)
		o += (size_t)sprintf(text + o, "0.0.0.0 host%zu-%zx.example\n",
		    i, i * 2654435761u % 1000003);
	ck_assert_int_eq(hosts_read_buffer(h, "million", text, o), 0);
	free(text);
	hosts_shrink(h);
	ck_assert_uint_eq(hosts_names(h), n);
	per = hosts_memory(h) / n;
	fprintf(stderr, "test_million: %zu bytes per entry\n", per);
	ck_assert_uint_lt(per, 64);
	for (i = 0; i < n; i += 99991) {
		snprintf(name, sizeof(name), "host%zu-%zx.example", i,
		    i * 2654435761u % 1000003);
		ck_assert_ptr_nonnull(find(h, name, DNS_TYPE_A));
	}
	ck_assert_ptr_null(find(h, "host1-0.example", DNS_TYPE_A));
	hosts_free(h);
}
END_TEST

/* ---- the table a configuration builds, and the policy hook --------------- */

START_TEST(test_config_table)
{
	static const char conf[] =
	    "no-hosts\n"
	    "domain=lan\n"
	    "expand-hosts\n"
	    "host-record=laptop,laptop.example,192.0.2.1,2001:db8::1,300\n"
	    "cname=alias,laptop\n"
	    "txt-record=t.example,\"a, b\",c\n"
	    "srv-host=_x._tcp\n"
	    "mx-host=m.example\n"
	    "mx-target=hub.example\n"
	    "aaaa-mode=empty\n";
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	struct query		 q;
	struct policy_decision	 d;

	cfg = config_load_buffer("t", conf, sizeof(conf) - 1, &errs);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(cfg->hosts);
	/* Not expanded: host-record names (dnsmasq). */
	ck_assert_ptr_null(find(cfg->hosts, "laptop.lan", DNS_TYPE_A));
	ck_assert_str_eq(answer(cfg->hosts, "alias", DNS_TYPE_AAAA, 0, NULL,
	    NULL), "0|alias. 77 IN CNAME laptop.;"
	    "laptop. 300 IN AAAA 2001:db8::1;");
	ck_assert_ptr_nonnull(find(cfg->hosts, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DNS_TYPE_PTR));
	ck_assert_ptr_null(find(cfg->hosts, "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DNS_TYPE_PTR));
	ck_assert_str_eq(answer(cfg->hosts, "1.2.0.192.in-addr.arpa",
	    DNS_TYPE_PTR, 0, NULL, NULL),
	    "0|1.2.0.192.in-addr.arpa. 300 IN PTR laptop.;");
	ck_assert_str_eq(answer(cfg->hosts, "t.example", DNS_TYPE_TXT, 0,
	    NULL, NULL), "0|t.example. 77 IN TXT \"a, b\" \"c\";");
	ck_assert_str_eq(answer(cfg->hosts, "_x._tcp.lan", 33, 0, NULL, NULL),
	    "0|_x._tcp.lan. 77 IN SRV 0 0 1 .;");
	ck_assert_str_eq(answer(cfg->hosts, "m.example", DNS_TYPE_MX, 0, NULL,
	    NULL), "0|m.example. 77 IN MX 1 hub.example.;");

	/* The policy: local data wins over aaaa-mode=empty; a name with
	 * only A records leaves AAAA to aaaa-mode. */
	make_query(&q, "laptop", DNS_TYPE_AAAA, 0);
	policy_decide(cfg, 0, &q, &d);
	ck_assert_int_eq(d.action, POLICY_HOSTS);
	ck_assert_ptr_eq(d.hosts, cfg->hosts);
	ck_assert_ptr_nonnull(d.hosts_entry);
	make_query(&q, "laptop", DNS_TYPE_MX, 0);
	policy_decide(cfg, 0, &q, &d);
	ck_assert_int_eq(d.action, POLICY_FORWARD);
	make_query(&q, "m.example", DNS_TYPE_AAAA, 0);
	policy_decide(cfg, 0, &q, &d);
	ck_assert_int_eq(d.action, POLICY_EMPTY);
	/* RFC 6761 names stay briskdns's own. */
	make_query(&q, "localhost", DNS_TYPE_A, 0);
	policy_decide(cfg, 0, &q, &d);
	ck_assert_int_eq(d.action, POLICY_LOCAL);
	config_free(cfg);
	config_errors_clear(&errs);
}
END_TEST

/* The interception door answers AAAA only: other types pass through. */
START_TEST(test_intercept_door)
{
	static const char conf[] = "no-hosts\ncache-size=0\n"
	    "host-record=both.example,192.0.2.1,2001:db8::1\n";
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	uint8_t			 pkt[512], buf[DNS_MAXMSG];
	size_t			 o, n;
	int			 malformed;
	uint16_t		 types[2] = { DNS_TYPE_AAAA, DNS_TYPE_A }, i;

	cfg = config_load_buffer("t", conf, sizeof(conf) - 1, &errs);
	ck_assert_ptr_nonnull(cfg);
	query_set_config(cfg);
	for (i = 0; i < 2; i++) {
		memset(pkt, 0, DNS_HDRLEN);
		put16(pkt + 4, 1);
		o = DNS_HDRLEN + wire_name("both.example", pkt + DNS_HDRLEN);
		put16(pkt + o, types[i]);
		put16(pkt + o + 2, DNS_CLASS_IN);
		n = query_local_answer(pkt, o + 4, NULL, buf, sizeof(buf),
		    &malformed);
		ck_assert_int_eq(malformed, 0);
		if (types[i] == DNS_TYPE_A) {
			ck_assert_uint_eq(n, 0);	/* to the server */
			continue;
		}
		ck_assert_uint_gt(n, o + 4);
		ck_assert_uint_eq(get16(buf + 6), 1);
		ck_assert_int_eq(memcmp(buf + n - 16, "\x20\x01\x0d\xb8", 4),
		    0);
	}
	config_free(cfg);
}
END_TEST

START_TEST(test_name_wire)
{
	uint8_t	 w[DNS_MAXNAME];
	size_t	 n;
	char	 big[300];

	ck_assert_int_eq(hosts_name_wire("A.b.", 4, w, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(memcmp(w, "\001a\001b\000", 5), 0);
	ck_assert_int_eq(hosts_name_wire(".", 1, w, &n), -1);
	ck_assert_int_eq(hosts_name_wire(".a", 2, w, &n), -1);
	ck_assert_int_eq(hosts_name_wire("a..", 3, w, &n), -1);
	/* A space is a DNS-SD instance name's (ptr-record's target, as
	 * dnsmasq); control characters are not names. */
	ck_assert_int_eq(hosts_name_wire("a b", 3, w, &n), 0);
	ck_assert_int_eq(memcmp(w, "\003a b\000", 5), 0);
	ck_assert_int_eq(hosts_name_wire("a\tb", 3, w, &n), -1);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(hosts_name_wire(big, 63, w, &n), 0);
	ck_assert_int_eq(hosts_name_wire(big, 64, w, &n), -1);
	memset(big, 'a', sizeof(big));
	for (n = 63; n < 260; n += 64)
		big[n] = '.';
	ck_assert_int_eq(hosts_name_wire(big, 253, w, &n), 0);
	ck_assert_int_eq(hosts_name_wire(big, 254, w, &n), -1);
}
END_TEST

static Suite *
hosts_suite(void)
{
	Suite	*s = suite_create("hosts");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_syntax);
	tcase_add_test(tc, test_types_and_case);
	tcase_add_test(tc, test_duplicates_and_order);
	tcase_add_test(tc, test_reverse);
	tcase_add_test(tc, test_expand_hosts);
	tcase_add_test(tc, test_cname_chain);
	tcase_add_test(tc, test_other_records);
	tcase_add_test(tc, test_add_errors);
	tcase_add_test(tc, test_localise);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_million);
	tcase_add_test(tc, test_config_table);
	tcase_add_test(tc, test_name_wire);
	tcase_add_test(tc, test_intercept_door);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(hosts_suite());
}
