/*
 * answer_queries.h: the two queries an upstream answer is tried against
 * by the answer-shaped fuzz targets (fuzz_answer, fuzz_cache): a fixed
 * AAAA query for www.example.com (its letter case as `fixed` has it,
 * client ID 0x4321, sent upstream as 0x1234), then the query that the
 * answer's own question makes (client ID id2, or as parsed when id2 is
 * negative; sent upstream with the answer's ID).
 */
#ifndef BRISKDNS_ANSWER_QUERIES_H
#define BRISKDNS_ANSWER_QUERIES_H

#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "msg.h"

/*
 * The record iterator reads the whole of an answer briskdns sends: every
 * counted record, OPT only for an EDNS client.  Aborts otherwise.
 */
static void
answer_wellformed(const uint8_t *ans, size_t len, const struct query *q)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	int		 r;

	if (msg_iter_start(&it, ans, len) == -1)
		abort();
	while ((r = msg_iter_next(&it, &rr)) == 1)
		;
	if (r != 0 || it.end != len || (!q->edns && it.nopt != 0))
		abort();
}

static void
answer_queries(const uint8_t *data, size_t size, const uint8_t *fixed,
    size_t fixedlen, int id2,
    void (*one)(const uint8_t *, size_t, uint16_t, struct query *))
{
	static uint8_t	 qpkt[DNS_MAXMSG];
	struct query	 q;
	size_t		 end;

	if (size > DNS_MAXMSG)
		return;
	if (msg_parse_query(fixed, fixedlen, &q) != MSG_OK)
		abort();
	q.id = 0x4321;			/* the client's ID differs */
	one(data, size, 0x1234, &q);

	/* The query that the answer's own question makes. */
	if (size < DNS_HDRLEN)
		return;
	end = msg_skip_name(data, size, DNS_HDRLEN);
	if (end == 0 || size - end < 4)
		return;
	end += 4;
	memcpy(qpkt, data, end);
	qpkt[2] &= 0x01;		/* QR, opcode off; RD kept */
	qpkt[3] &= 0x10;		/* CD kept */
	memset(qpkt + 4, 0, 8);
	qpkt[5] = 1;
	if (msg_parse_query(qpkt, end, &q) != MSG_OK)
		return;
	q.edns_size = 4096;
	if (id2 >= 0)
		q.id = (uint16_t)id2;
	one(data, size, (uint16_t)(data[0] << 8 | data[1]), &q);
}

#endif
