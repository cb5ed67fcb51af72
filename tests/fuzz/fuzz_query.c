/*
 * fuzz_query.c: a client's query, as the listener would get it.
 *
 * Parse it; when it parses, build every answer briskdns can make for it
 * and the query it forwards (UDP and TCP) into a fixed buffer, and check
 * each result's length.  The input is also handed to msg_check_answer and
 * msg_finish_answer as if it were an upstream's answer to a fixed query
 * and to itself, since those must survive any bytes too.
 */
#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "msg.h"
#include "fuzz.h"

#define FQ_BUFSZ	(DNS_MAXMSG + 2)

static uint8_t	 fq_out[FQ_BUFSZ];
static uint8_t	 fq_copy[DNS_MAXMSG];

static void
fq_check_len(size_t n, size_t bufsz)
{
	if (n > bufsz)
		abort();
}

static void
fq_replies(const struct query *q)
{
	char	 text[1024], tbuf[16];
	size_t	 n, small;

	fq_check_len(msg_reply_rcode(q, DNS_RCODE_SERVFAIL, -1, fq_out,
	    FQ_BUFSZ), FQ_BUFSZ);
	fq_check_len(msg_reply_rcode(q, DNS_RCODE_REFUSED, 20, fq_out,
	    FQ_BUFSZ), FQ_BUFSZ);
	fq_check_len(msg_reply_badvers(q, fq_out, FQ_BUFSZ), FQ_BUFSZ);
	fq_check_len(msg_reply_empty(q, DNS_RCODE_NOERROR, 60,
	    DNS_EDE_FILTERED, fq_out, FQ_BUFSZ), FQ_BUFSZ);
	fq_check_len(msg_reply_empty(q, DNS_RCODE_NXDOMAIN, 0, -1, fq_out,
	    FQ_BUFSZ), FQ_BUFSZ);
	/* Every too-small buffer must give 0, never a partial write. */
	for (small = 0; small < 64; small += 7) {
		n = msg_reply_empty(q, 0, 60, DNS_EDE_FILTERED, fq_out, small);
		if (n > small)
			abort();
	}
	fq_check_len(msg_build_forward(q, 0xbeef, 0, fq_out, FQ_BUFSZ),
	    FQ_BUFSZ);
	n = msg_build_forward(q, 0xbeef, 1, fq_out, FQ_BUFSZ);
	fq_check_len(n, FQ_BUFSZ);
	if (n > 2) {
		struct query	 back;

		/* What we forward must parse as a query again. */
		if (msg_parse_query(fq_out + 2, n - 2, &back) != MSG_OK ||
		    back.qname_len != q->qname_len ||
		    memcmp(back.qname, q->qname, q->qname_len) != 0)
			abort();
	}
	(void)msg_udp_limit(q);
	msg_name_text(q->qname_case, q->qname_len, text, sizeof(text));
	msg_name_text(q->qname_case, q->qname_len, text, 5);
	(void)msg_type_text(q->qtype, tbuf, sizeof(tbuf));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct query	 fixed;
	struct query		 q;
	enum msg_status		 st;
	int			 rcode;
	static int		 init;

	if (!init) {
		static const uint8_t fixed_pkt[] = {
			0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
			3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l',
			'e', 3, 'c', 'o', 'm', 0, 0, 28, 0, 1,
		};
		if (msg_parse_query(fixed_pkt, sizeof(fixed_pkt), &fixed) !=
		    MSG_OK)
			abort();
		init = 1;
	}
	if (size > DNS_MAXMSG)
		return 0;

	st = msg_parse_query(data, size, &q);
	switch (st) {
	case MSG_OK:
		fq_replies(&q);
		break;
	case MSG_BADVERS:
		fq_check_len(msg_reply_badvers(&q, fq_out, FQ_BUFSZ),
		    FQ_BUFSZ);
		break;
	case MSG_FORMERR:
	case MSG_NOTIMP:
		if (msg_reply_error(data, size, DNS_RCODE_FORMERR, fq_out,
		    FQ_BUFSZ) != DNS_HDRLEN)
			abort();
		break;
	case MSG_DROP:
		break;
	}
	(void)msg_rcode_text(DNS_RCODE(size));

	/* The same bytes as an upstream's answer. */
	(void)msg_check_answer(data, size, 0x1234, &fixed, &rcode);
	memcpy(fq_copy, data, size);
	if (msg_finish_answer(fq_copy, size, &fixed, 512) > size)
		abort();
	if (st == MSG_OK) {
		(void)msg_check_answer(data, size, q.id, &q, &rcode);
		memcpy(fq_copy, data, size);
		if (msg_finish_answer(fq_copy, size, &q, 512) > size)
			abort();
	}
	(void)msg_skip_name(data, size, DNS_HDRLEN);
	return 0;
}
