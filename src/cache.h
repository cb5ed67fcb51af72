/*
 * cache.h: the answer cache.  A pure module: no I/O, the time is an
 * argument, so it is tested with a fake clock.
 *
 * Entries are keyed by the lower-cased wire question name, type, class
 * and the DO, CD and RD bits of the query, and hold the upstream's answer
 * in wire form together with the offsets of its TTL fields, recorded when
 * it was inserted.  A
 * hit copies the stored bytes into the caller's buffer and patches ID,
 * the question's letter case and the TTLs (aged by the time since
 * insertion): no allocation, no ldns.
 *
 * Bounds: at most `size` entries, in a hash table allocated once; when
 * full, the least recently used entry is evicted (O(1)).  Expired entries
 * stay until evicted or until the serve-stale window has passed.
 *
 * Negative answers (RFC 2308): NXDOMAIN and NODATA are kept for the SOA's
 * MINIMUM, bounded by the SOA's own TTL, or neg-ttl when the answer has
 * no SOA (not at all when neg-ttl is 0 too).  SERVFAIL is kept for
 * CACHE_SERVFAIL_TTL seconds only.  Truncated answers, and rcodes other
 * than NOERROR, NXDOMAIN and SERVFAIL, are never kept.
 */
#ifndef BRISKDNS_CACHE_H
#define BRISKDNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct query;
struct cache;

#define CACHE_SERVFAIL_TTL	5	/* seconds */
#define CACHE_STALE_TTL		30	/* TTL of a stale answer (RFC 8767) */
#define CACHE_PREFETCH_PCT	10	/* prefetch in the last 10 % of the TTL, */
#define CACHE_PREFETCH_MIN_WINDOW_MS 1000 /* but at least its last second, */
#define CACHE_PREFETCH_MIN_TTL	2	/* and never for shorter TTLs */

struct cache_limits {
	uint32_t	 min_ttl;	/* min-cache-ttl */
	uint32_t	 max_ttl;	/* max-cache-ttl */
	uint32_t	 neg_ttl;	/* neg-ttl; 0: not set */
	uint32_t	 serve_stale;	/* seconds past expiry; 0: off */
	int		 prefetch;
	int		 no_negcache;	/* no-negcache: negatives not kept */
	uint32_t	 max_client_ttl; /* max-ttl: TTLs handed out; 0: none */
};

struct cache_stats {
	uint64_t	 entries;
	uint64_t	 bytes;		/* memory held by entries and table */
	uint64_t	 hits;
	uint64_t	 misses;
	uint64_t	 inserts;
	uint64_t	 evictions;	/* LRU, at the size bound */
};

enum cache_status {
	CACHE_MISS = 0,
	CACHE_FRESH,
	CACHE_STALE,		/* expired, inside the serve-stale window */
};

/* size >= 1.  NULL on allocation failure. */
struct cache	*cache_new(size_t size, const struct cache_limits *);
void		 cache_free(struct cache *);
void		 cache_set_limits(struct cache *, const struct cache_limits *);
void		 cache_clear(struct cache *);

/*
 * Look up q.  On FRESH or STALE, writes the client's answer into buf:
 * q's ID and letter case, TTLs aged (CACHE_STALE_TTL for a stale one),
 * the OPT RR removed if q had no EDNS, truncated (TC) past limit.
 * *prefetch is set when the entry is fresh but in the last part of its
 * life and no refresh of it has started yet; the caller refreshes it and,
 * once the refresh has started, says so with cache_prefetch_started().
 * A refresh that cannot start (dns-forward-max) leaves the entry
 * eligible.  now: the clock, milliseconds.
 */
enum cache_status cache_lookup(struct cache *, const struct query *q,
		    uint64_t now, size_t limit, uint8_t *buf, size_t bufsz,
		    size_t *len, int *prefetch);
/* The refresh of q's entry has started: no more *prefetch for it. */
void	cache_prefetch_started(struct cache *, const struct query *q);

/*
 * Insert or replace the answer to q (checked by msg_check_answer: not
 * truncated, well formed).  Returns 1 if kept, 0 if not cacheable.
 */
int	cache_insert(struct cache *, const struct query *q,
	    const uint8_t *ans, size_t len, uint64_t now);

/*
 * For the AAAA modes, from entries asked with RD=1 and CD=0 (either DO
 * bit).  cache_has_a: a fresh A answer with at least one address is
 * cached for name.  cache_nxdomain: a fresh NXDOMAIN is cached for name
 * (for any of the types A or AAAA).
 */
int	cache_has_a(struct cache *, const uint8_t *name, size_t namelen,
	    uint16_t qclass, uint64_t now);
/* The same for a fresh AAAA answer with at least one address. */
int	cache_has_aaaa(struct cache *, const uint8_t *name, size_t namelen,
	    uint16_t qclass, uint64_t now);
int	cache_nxdomain(struct cache *, const uint8_t *name, size_t namelen,
	    uint16_t qclass, uint64_t now);

void	cache_get_stats(const struct cache *, struct cache_stats *);

/*
 * The control socket's: drop every entry for name (lower-cased or not,
 * wire form), whatever its type, class and key bits.  Returns how many
 * went.  O(entries).
 */
size_t	cache_flush_name(struct cache *, const uint8_t *name, size_t namelen);

/* One entry as cache_walk shows it. */
struct cache_view {
	const uint8_t	*ans;		/* the stored answer (TTLs as at */
	size_t		 len;		/*  insertion: age them by age_s) */
	uint16_t	 qtype, qclass;
	int		 rcode;
	int		 dobit, cdbit, rdbit;
	uint32_t	 age_s;		/* whole seconds since insertion */
	int64_t		 left_ms;	/* until expiry; < 0: expired */
};

/*
 * Call fn for each entry, most recently used first, until it returns
 * non-zero (then that value is returned; 0 after the last).  fn must not
 * change the cache.
 */
int	cache_walk(const struct cache *, uint64_t now,
	    int (*fn)(const struct cache_view *, void *), void *arg);

/*
 * The same in pieces, for a dump that must not hold the event loop:
 * from bucket *pos (0 to start), whole buckets until at least budget
 * entries were shown; *pos is where to go on.  Returns 1 while buckets
 * remain, 0 at the end.  Between calls the cache may change: an entry
 * is shown at most once (entries never move between buckets), one
 * inserted meanwhile may be missed.  Hash order, not use order.
 */
int	cache_walk_part(const struct cache *, uint64_t now, size_t *pos,
	    size_t budget, void (*fn)(const struct cache_view *, void *),
	    void *arg);

#endif
