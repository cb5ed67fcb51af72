/*
 * fuzz_cache.c: an upstream's answer through the cache.
 *
 * The input is an upstream answer to a fixed query (www.example.com AAAA,
 * ID 0x1234) and to the query its own question makes.  It is inserted
 * into a small cache when msg_check_answer() passes it, as the daemon
 * does, and also unchecked (the cache trusts nothing it reads); then
 * looked up by clients with and without EDNS, at several times, size
 * limits and buffer sizes (each buffer allocated to its exact size, so a
 * sanitizer sees any write past it).  Results must never be longer than
 * the input, must carry the client's ID and question, and stay within the
 * limit unless header, question and an OPT alone exceed it, and must read
 * whole by msg's record iterator (an OPT only for an EDNS client).
 */
#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "msg.h"
#include "cache.h"
#include "fuzz.h"
#include "answer_queries.h"

#define FC_NOW	1000000ULL

static void
fc_lookups(struct cache *c, struct query *q, size_t size)
{
	static const uint64_t	 dts[] = { 0, 1000, 5000, 61000, 86400001,
	    4294967296ULL * 1000 };
	static const size_t	 limits[] = { 0, 100, 512, DNS_MAXMSG };
	static uint8_t		 big[DNS_MAXMSG];
	enum cache_status	 st;
	uint8_t			*bufs[3];
	size_t			 bufszs[3], t, l, b, len;
	int			 edns, pf;

	/* Exactly sized: a write past bufsz is a sanitizer report. */
	bufszs[0] = size > 0 ? size : 1;
	bufszs[1] = 512;
	bufszs[2] = sizeof(big);
	if ((bufs[0] = malloc(bufszs[0])) == NULL ||
	    (bufs[1] = malloc(bufszs[1])) == NULL)
		abort();
	bufs[2] = big;
	for (edns = 0; edns < 2; edns++) {
		q->edns = edns;
		for (t = 0; t < sizeof(dts) / sizeof(dts[0]); t++)
		for (l = 0; l < sizeof(limits) / sizeof(limits[0]); l++)
		for (b = 0; b < 3; b++) {
			pf = -1;
			st = cache_lookup(c, q, FC_NOW + dts[t], limits[l],
			    bufs[b], bufszs[b], &len, &pf);
			if (pf != 0 && pf != 1)
				abort();
			if (st == CACHE_MISS)
				continue;
			if (len > size || len > bufszs[b] ||
			    len < DNS_HDRLEN + q->qname_len + 4 ||
			    bufs[b][0] != q->id >> 8 ||
			    bufs[b][1] != (q->id & 0xff) ||
			    memcmp(bufs[b] + DNS_HDRLEN, q->qname_case,
			    q->qname_len) != 0)
				abort();
			if (len > limits[l] && len > DNS_HDRLEN +
			    q->qname_len + 4 + 11)
				abort();
			/* Entries passed the iterator: so does a hit. */
			answer_wellformed(bufs[b], len, q);
		}
	}
	free(bufs[0]);
	free(bufs[1]);
}

static void
fc_one(const uint8_t *data, size_t size, uint16_t id, struct query *q)
{
	static const struct cache_limits lims[] = {
		{ 0, 86400, 0, 0, 0, 0, 0 },
		{ 60, 3600, 30, 120, 1, 1, 30 },
	};
	struct cache_stats	 st;
	struct cache		*c;
	size_t			 i;
	int			 rcode = -1, dobit;
	enum msg_answer		 a;

	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		if ((c = cache_new(4, &lims[i])) == NULL)
			abort();
		for (dobit = 0; dobit < 2; dobit++) {
			q->edns_do = dobit;
			q->edns = 1;
			a = msg_check_answer(data, size, id, q, &rcode);
			if (a == ANSWER_OK)
				(void)cache_insert(c, q, data, size, FC_NOW);
			fc_lookups(c, q, size);
		}
		/* Unchecked: the cache must hold its own. */
		cache_clear(c);
		q->edns_do = 0;
		q->edns = 1;
		(void)cache_insert(c, q, data, size, FC_NOW);
		fc_lookups(c, q, size);
		(void)cache_has_a(c, q->qname, q->qname_len, q->qclass,
		    FC_NOW);
		(void)cache_nxdomain(c, q->qname, q->qname_len, q->qclass,
		    FC_NOW);
		cache_get_stats(c, &st);
		if (st.entries > 4)
			abort();
		cache_free(c);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fixed_pkt[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		3, 'w', 'W', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l',
		'e', 3, 'c', 'o', 'm', 0, 0, 28, 0, 1,
		0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0,
	};

	answer_queries(data, size, fixed_pkt, sizeof(fixed_pkt), 0x5678,
	    fc_one);
	return 0;
}
