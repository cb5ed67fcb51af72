/*
 * localdata.h: the names briskdns answers itself and never forwards.
 *
 * RFC 6761 special-use names, as unbound's default local zones answer
 * them: localhost. and every name below it (A 127.0.0.1, AAAA ::1, other
 * types NODATA), the reverse zone 127.in-addr.arpa. (PTR localhost. for
 * 1.0.0.127.in-addr.arpa., NODATA at the apex and on the way to that
 * name, NXDOMAIN for every other name) and the reverse name of ::1 (PTR
 * localhost.; NXDOMAIN below it).  And CHAOS-class queries: version.bind
 * and version.server TXT give "briskdns-VERSION"; as dnsmasq 2.90, the
 * statistics names cachesize.bind, insertions.bind, evictions.bind,
 * misses.bind, hits.bind, auth.bind (one TXT record, a decimal number)
 * and servers.bind (one TXT record, a string per server: "ADDR#PORT SENT
 * FAILED"), TTL 0, from the counters the caller hands in; every other
 * CHAOS query is REFUSED (as unbound; dnsmasq answers NOTIMP to the names
 * under bind. and server. it does not know, and forwards other CHAOS
 * queries).
 *
 * A pure module: localdata_match() classifies, localdata_answer() builds
 * into the caller's buffer with msg's reply builders and the wire
 * helpers.  No allocation, no state.
 */
#ifndef BRISKDNS_LOCALDATA_H
#define BRISKDNS_LOCALDATA_H

#include <stddef.h>
#include <stdint.h>

struct query;

#define DNS_CLASS_CH	3

enum localdata_kind {
	LOCALDATA_NONE = 0,	/* not briskdns's own: the usual path */
	LOCALDATA_ANSWER,	/* answered by localdata_answer() */
	LOCALDATA_REFUSED,	/* a CHAOS query briskdns does not answer */
};

enum localdata_kind	localdata_match(const struct query *q);

/*
 * The answer to q (localdata_match() said LOCALDATA_ANSWER): RA set, AA
 * clear, ID, RD, CD and the question in the client's case echoed, EDNS
 * when q had it; records and the SOA of NODATA and NXDOMAIN answers with
 * TTL ttl (local-ttl), the SOA owned by the zone's apex.  Returns the
 * length, or 0 if buf is too small or q is not local data.
 */
size_t	localdata_answer(const struct query *q, uint32_t ttl, uint8_t *buf,
	    size_t bufsz);

/* The counters of the CHAOS statistics names, filled by the caller. */
struct localdata_stats {
	unsigned long long	 cachesize, insertions, evictions, misses,
				 hits;
	/* Server i's string ("ADDR#PORT SENT FAILED") written into buf;
	 * NULL past the last server. */
	const char		*(*server)(size_t i, char *buf, size_t len);
};

/*
 * As localdata_answer(), with the statistics names answered from st;
 * st NULL: those names give 0 (localdata_answer(): the interception
 * door passes them to the server they describe).
 */
size_t	localdata_answer_stats(const struct query *q, uint32_t ttl,
	    const struct localdata_stats *st, uint8_t *buf, size_t bufsz);

/*
 * The answer of address=/DOMAIN/ADDR to q (an A or AAAA query): n
 * records of alen (4 or 16) bytes each from addrs, owner the question's
 * name, TTL ttl; header and EDNS as localdata_answer().  Returns the
 * length, or 0 if buf is too small.
 */
size_t	localdata_address_answer(const struct query *q, const uint8_t *addrs,
	    size_t n, size_t alen, uint32_t ttl, uint8_t *buf, size_t bufsz);

#endif
