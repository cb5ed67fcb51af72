/*
 * fuzz_answer.c: an upstream's answer, the most hostile input briskdns
 * reads.
 *
 * The input is checked and finished as the answer to two queries: a fixed
 * one (www.example.com AAAA, ID 0x1234) and the query the input's own
 * question makes (so the fuzzer reaches the record walks without guessing
 * a name), each for a client with and without EDNS and for several size
 * limits.  Results must never grow the message and must leave a message
 * whose header and question still read back.  One reader decides: an
 * answer msg_check_answer accepts is finished whole (no TC, every record
 * but an OPT for a plain client) into a message the record iterator
 * reads to its end; one it calls malformed is cut, with TC (or, when
 * its only fault is an OPT that cannot be removed in place, passed whole
 * to an EDNS client only: the daemon never finishes a rejected answer).
 *
 * An accepted answer also goes through the answer-side filters with every
 * key on (filter.c: ignore-address, bogus-nxdomain, stop-dns-rebind,
 * max-ttl), as upstream.c and query.c run them: the replacement of a
 * filtered answer must itself be an answer to q, and capping TTLs must
 * leave the message readable.  ipv6hint removal (msg_svc_strip) runs on
 * every input: untouched when it says so, otherwise read whole with no
 * ipv6hint left, and an accepted answer so rewritten is still finished
 * whole.  Every record the iterator reads is written as text as
 * dump-cache does (msg_rr_text): one line, within the buffer.
 *
 * log-queries' lines of every input (qlog_answer): each name and value
 * bounded and printable, never a control character (no line of a log
 * can be forged by an answer), at most QLOG_MAX_LINES + 1 lines.
 */
#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "config.h"
#include "filter.h"
#include "msg.h"
#include "policy.h"
#include "qlog.h"
#include "wire.h"
#include "fuzz.h"
#include "answer_queries.h"

static uint8_t	 fa_copy[DNS_MAXMSG];

static const char fa_conf[] =
    "stop-dns-rebind\n"
    "bogus-nxdomain=64.94.110.11\n"
    "bogus-nxdomain=2001:db8:bad::/48\n"
    "ignore-address=203.0.113.0/24\n"
    "ignore-address=::ffff:0:0/96\n"
    "max-ttl=5\n"
    "domain-needed\nbogus-priv\nfilter-rr=MX,ANY\n";

/* The filters with every key on, as the daemon runs them on an answer
 * that msg_check_answer accepted. */
static void
fa_filter(const uint8_t *data, size_t size, uint16_t id, struct query *q)
{
	static struct config	*conf;
	struct config_errors	 errs = { NULL, 0 };
	struct policy_decision	 d;
	enum filter_verdict	 v;
	uint8_t			 rbuf[DNS_HDRLEN + DNS_MAXNAME + 64];
	size_t			 n;
	int			 rcode;

	if (conf == NULL && (conf = config_load_buffer("fuzz", fa_conf,
	    sizeof(fa_conf) - 1, &errs)) == NULL)
		abort();
	policy_decide(conf, 0, q, &d);
	v = filter_answer(conf, q, data, size);
	if (v == FILTER_NXDOMAIN || v == FILTER_REBIND) {
		n = filter_replace(q, v, rbuf, sizeof(rbuf));
		if (n == 0 || msg_check_answer(rbuf, n, q->id, q, &rcode) !=
		    ANSWER_OK || rcode != (v == FILTER_NXDOMAIN ?
		    DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR))
			abort();
	}
	memcpy(fa_copy, data, size);
	filter_cap_ttls(fa_copy, size, 5);
	if (msg_check_answer(fa_copy, size, id, q, &rcode) != ANSWER_OK)
		abort();
}

/*
 * No record of msg_svc_strip's result that is SVCB or HTTPS, with
 * SvcParams that parse, still has key 6 (ipv6hint); and the iterator reads
 * the result whole.  Aborts otherwise.
 */
static void
fa_svc_check(const uint8_t *ans, size_t len)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	size_t		 pos, vlen;
	int		 r, has6;

	if (msg_iter_start(&it, ans, len) == -1)
		abort();
	while ((r = msg_iter_next(&it, &rr)) == 1) {
		if (rr.type != DNS_TYPE_SVCB && rr.type != DNS_TYPE_HTTPS)
			continue;
		if ((pos = msg_skip_name(ans, rr.end, rr.rdata + 2)) == 0)
			continue;
		for (has6 = 0; pos < rr.end; pos += 4 + vlen) {
			if (rr.end - pos < 4)
				break;
			vlen = get16(ans + pos + 2);
			if (rr.end - pos - 4 < vlen ||
			    (get16(ans + pos) == 0 && vlen % 2))
				break;
			if (get16(ans + pos) == MSG_SVC_IPV6HINT)
				has6 = 1;
		}
		if (pos == rr.end && has6)
			abort();
	}
	if (r != 0 || it.end != len || (get16(ans + 2) & DNS_FLAG_AD))
		abort();
}

/*
 * msg_svc_strip on any input and bound: 0 leaves the bytes as they were;
 * otherwise a result within the bound, read whole, without ipv6hint.
 */
static void
fa_svc(const uint8_t *data, size_t size)
{
	static const size_t	 maxes[] = { 0, 64, 512, DNS_MAXMSG };
	size_t			 i, n;

	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		memcpy(fa_copy, data, size);
		n = msg_svc_strip(fa_copy, size, maxes[i], MSG_SVC_IPV6HINT);
		if (n == 0) {
			if (memcmp(fa_copy, data, size) != 0)
				abort();
			continue;
		}
		if (n > maxes[i])
			abort();
		fa_svc_check(fa_copy, n);
	}
}

static void
fa_one(const uint8_t *data, size_t size, uint16_t id, struct query *q)
{
	static const size_t	 limits[] = { 0, 100, 512, 1232, DNS_MAXMSG };
	enum msg_answer		 a;
	size_t			 i, n;
	int			 rcode = -1, edns;

	for (edns = 0; edns < 2; edns++) {
		q->edns = edns;
		a = msg_check_answer(data, size, id, q, &rcode);
		if (a != ANSWER_MISMATCH && (rcode < 0 || rcode > 15))
			abort();
		if (a == ANSWER_OK)
			fa_filter(data, size, id, q);
		/* As path_answer: ipv6hint out, then finished whole. */
		if (a == ANSWER_OK) {
			memcpy(fa_copy, data, size);
			if ((n = msg_svc_strip(fa_copy, size, DNS_MAXMSG,
			    MSG_SVC_IPV6HINT)) == 0)
				n = size;
			n = msg_finish_answer(fa_copy, n, q, DNS_MAXMSG);
			if (n == 0 || (get16(fa_copy + 2) & DNS_FLAG_TC))
				abort();
			answer_wellformed(fa_copy, n, q);
		}
		if (a == ANSWER_OK || a == ANSWER_MALFORMED) {
			memcpy(fa_copy, data, size);
			n = msg_finish_answer(fa_copy, size, q, DNS_MAXMSG);
			if (n != 0 && a == ANSWER_OK &&
			    (get16(fa_copy + 2) & DNS_FLAG_TC))
				abort();	/* accepted, then cut */
			/* Rejected, then passed: only an answer that
			 * reads whole but whose OPT could not be removed
			 * (msg_check_answer tried), to an EDNS client. */
			if (n != 0 && a == ANSWER_MALFORMED &&
			    !(get16(fa_copy + 2) & DNS_FLAG_TC)) {
				if (!q->edns)
					abort();
				answer_wellformed(fa_copy, n, q);
			}
			if (n != 0 && a == ANSWER_OK)
				answer_wellformed(fa_copy, n, q);
		}
		for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
			memcpy(fa_copy, data, size);
			n = msg_finish_answer(fa_copy, size, q, limits[i]);
			if (n > size)
				abort();
			if (n != 0 && (n < DNS_HDRLEN + q->qname_len + 4 ||
			    memcmp(fa_copy + DNS_HDRLEN, q->qname_case,
			    q->qname_len) != 0 ||
			    fa_copy[0] != q->id >> 8 ||
			    fa_copy[1] != (q->id & 0xff)))
				abort();
			/* Over the limit only when header, question and
			 * a minimal OPT are already more. */
			if (n > limits[i] && n > DNS_HDRLEN + q->qname_len +
			    4 + 11)
				abort();
		}
	}
}

/* msg_rr_text on every record read: a line (no newline, no NUL inside)
 * within the buffer, or 0; a small buffer is never overrun. */
static void
fa_rr_text(const uint8_t *data, size_t size)
{
	static char	 text[48 * 1024];
	static const size_t sizes[] = { 1, 16, 200, sizeof(text) };
	struct msg_iter	 it;
	struct msg_rr	 rr;
	size_t		 i, n;

	if (msg_iter_start(&it, data, size) == -1)
		return;
	while (msg_iter_next(&it, &rr) == 1)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			n = msg_rr_text(data, size, &rr, 3600, text, sizes[i]);
			if (n == 0)
				continue;
			if (n >= sizes[i] || strlen(text) != n ||
			    memchr(text, '\n', n) != NULL)
				abort();
		}
}

static void
fa_line_text(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] >= 0x7f)
			abort();
}

static void
fa_line(void *arg, const char *name, const char *value)
{
	(*(int *)arg)++;
	fa_line_text(name, QLOG_NAME);
	fa_line_text(value, QLOG_VALUE);
}

/* The lines log-queries writes of the input, for a few question types. */
static void
fa_qlog(const uint8_t *data, size_t size)
{
	static const uint16_t	 types[] = { DNS_TYPE_A, DNS_TYPE_AAAA,
	    DNS_TYPE_TXT, DNS_TYPE_ANY };
	size_t			 i;
	int			 n, got;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		got = 0;
		n = qlog_answer(data, size, types[i], QLOG_TXT_TEXT, fa_line,
		    &got);
		if (n != got || n > QLOG_MAX_LINES + 1)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fixed_pkt[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l',
		'e', 3, 'c', 'o', 'm', 0, 0, 28, 0, 1,
		0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0,
	};

	answer_queries(data, size, fixed_pkt, sizeof(fixed_pkt), -1,
	    fa_one);
	if (size <= DNS_MAXMSG)
		fa_svc(data, size);
	fa_rr_text(data, size);
	fa_qlog(data, size);
	return 0;
}
