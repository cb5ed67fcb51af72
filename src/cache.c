/*
 * cache.c: the answer cache (see cache.h for the contract).
 *
 * One hash table of bucket heads, allocated once in cache_new() with a
 * power of two of buckets >= size and never resized; chains are LISTs.
 * One TAILQ orders all entries by use (front: most recent), so eviction
 * at the size bound takes the tail in O(1).  The bucket of a key comes
 * from SipHash-1-3 under a random key drawn at cache_new(), so a client
 * cannot choose names that pile up in one chain.
 *
 * Each entry is one malloc: a small header, then the offsets of the TTL
 * fields (uint16_t each), then the answer in wire form.  The answer's
 * question name is stored lower-cased and doubles as the key's name, so
 * the name is not kept twice.  The TTL fields of the stored answer hold
 * the TTLs as clients see them right after insertion (clamped); a hit
 * copies the answer and writes each one aged by the whole seconds since
 * insertion.
 *
 * Choices the header leaves open:
 * - Lifetime of a positive answer: the least TTL over all records but the
 *   OPT, clamped to [min_ttl, max_ttl] (max wins; max_ttl 0: no upper
 *   clamp).  Each TTL field is stored clamped the same way.  An answer
 *   whose least TTL is 0 (or has a TTL with the top bit set, 0 by RFC
 *   2181) is not kept, whatever min_ttl says.
 * - Negative answers (NXDOMAIN, or NOERROR without answer records): the
 *   least of the SOA's MINIMUM and every record's TTL (so the SOA's own
 *   TTL), or neg_ttl (bounded by the records' TTLs) when there is no SOA
 *   in the authority section; then at most max_ttl.  min_ttl does not
 *   apply to negatives (as dnsmasq's min-cache-ttl).  Every TTL field is
 *   stored as at most that lifetime.
 * - SERVFAIL: CACHE_SERVFAIL_TTL, TTL fields at most that.
 * - Answers longer than CACHE_MAXANSWER are not kept (they bound the
 *   memory a full cache can hold: size * 16 KiB at worst).
 * - A stale hit counts as a hit; a lookup that finds nothing usable
 *   (absent, expired past the stale window, bigger than the caller's
 *   buffer) as a miss.  cache_has_a, cache_has_aaaa and cache_nxdomain
 *   count nothing and do not reorder the LRU list.
 * - The key has the DO, CD and RD bits besides name, type and class: an
 *   answer fetched with CD=1 (not validated upstream) is never served to a
 *   CD=0 client.  A hit gets the client's header bits (msg_answer_flags).
 * - Records are read by msg's record iterator, the same reader that
 *   checked the answer; an OPT not last in the answer is removed for a
 *   plain client by msg_finish_answer, which re-emits the names after it.
 * - cache_clear() drops the entries, not the counters.
 *
 * Invariants: every read of answer bytes at insertion is bounded by len
 * and by the record counts; the stored answer is never longer than
 * CACHE_MAXANSWER, its TTL offsets all point inside it (+4), and a hit
 * writes only buf[0..entry length) after checking it fits bufsz.
 */
#include <sys/queue.h>
#include <sys/types.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "briskdns.h"
#include "msg.h"
#include "wire.h"
#include "cache.h"

#define CACHE_MAXANSWER	16384		/* longer answers are not kept */
#define CACHE_RRFIXED	10		/* type, class, TTL, RDLENGTH */
#define CACHE_MAXRRS	(CACHE_MAXANSWER / (1 + CACHE_RRFIXED) + 1)
#define CACHE_MAXBUCKETS ((size_t)1 << 30)

/* Entry flags. */
#define CE_DO		0x01	/* key: the DO bit */
#define CE_CD		0x20	/* key: the CD bit */
#define CE_RD		0x40	/* key: the RD bit */
#define CE_KEY		(CE_DO | CE_CD | CE_RD)
#define CE_PREFETCHED	0x02	/* its refresh has started */
#define CE_HASTYPE	0x04	/* answer section has a record of qtype */
#define CE_OPTLAST	0x08	/* one OPT, the last record: cut in O(1) */
#define CE_OPTOTHER	0x10	/* OPT elsewhere: re-emitted for a plain client */

struct cache_entry {
	LIST_ENTRY(cache_entry)	 chain;	/* bucket */
	TAILQ_ENTRY(cache_entry) lru;	/* front: most recently used */
	uint64_t		 born;	/* insertion time, ms */
	uint32_t		 hash;
	uint32_t		 ttl;	/* lifetime, seconds, >= 1 */
	uint16_t		 qtype;
	uint16_t		 qclass;
	uint16_t		 len;	/* answer bytes */
	uint16_t		 nttl;	/* TTL fields */
	uint16_t		 opt;	/* OPT RR's offset if CE_OPTLAST */
	uint8_t			 namelen;
	uint8_t			 flags;
	uint16_t		 ttls[];	/* nttl offsets, then the answer */
};

LIST_HEAD(cache_bucket, cache_entry);
TAILQ_HEAD(cache_lru, cache_entry);

struct cache {
	struct cache_bucket	*table;
	size_t			 mask;		/* buckets - 1 */
	size_t			 size;		/* bound on entries */
	size_t			 count;
	uint64_t		 key[2];	/* SipHash key */
	struct cache_limits	 limits;
	struct cache_lru	 lru;
	uint64_t		 bytes;		/* held by entries */
	uint64_t		 hits, misses, inserts, evictions;
};

static inline uint8_t *
entry_ans(const struct cache_entry *e)
{
	return (uint8_t *)(uintptr_t)(e->ttls + e->nttl);
}

/* Memory an entry holds: what malloc gave plus its chunk header. */
static size_t
entry_bytes(struct cache_entry *e)
{
#ifdef __GLIBC__
	return malloc_usable_size(e) + sizeof(size_t);
#else
	return offsetof(struct cache_entry, ttls) +
	    e->nttl * sizeof(uint16_t) + e->len + 2 * sizeof(size_t);
#endif
}

/* ---- the keyed hash: SipHash-1-3 ------------------------------------ */

#define ROTL64(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);	\
	v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);	\
} while (0)

/* The key bits of a query (CE_DO, CE_CD, CE_RD). */
static inline uint8_t
cache_keybits(const struct query *q)
{
	return (q->edns_do ? CE_DO : 0) | ((q->flags & DNS_FLAG_CD) ? CE_CD :
	    0) | ((q->flags & DNS_FLAG_RD) ? CE_RD : 0);
}

/*
 * The key (name, type, class, DO, CD, RD) as the message name || length
 * byte || (type, class, key bits): one compression round per 8 bytes,
 * three to end.
 */
static uint32_t
cache_hash(const struct cache *c, const uint8_t *name, size_t namelen,
    uint16_t qtype, uint16_t qclass, uint8_t kb)
{
	uint64_t	 v0 = c->key[0] ^ 0x736f6d6570736575ULL;
	uint64_t	 v1 = c->key[1] ^ 0x646f72616e646f6dULL;
	uint64_t	 v2 = c->key[0] ^ 0x6c7967656e657261ULL;
	uint64_t	 v3 = c->key[1] ^ 0x7465646279746573ULL;
	uint64_t	 m;
	size_t		 i, rest;

	for (i = 0; i + 8 <= namelen; i += 8) {
		memcpy(&m, name + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	m = (uint64_t)(namelen & 0xff) << 56;
	rest = namelen - i;
	while (rest-- > 0)
		m |= (uint64_t)name[i + rest] << (8 * rest);
	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	m = (uint64_t)qtype | (uint64_t)qclass << 16 | (uint64_t)kb << 32;
	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	m = v0 ^ v1 ^ v2 ^ v3;
	return (uint32_t)(m ^ (m >> 32));
}

static void
cache_seed(uint64_t key[2])
{
	struct timespec	 ts;
	uint64_t	 mix;

#if defined(HAVE_ARC4RANDOM)
	arc4random_buf(key, 2 * sizeof(uint64_t));
	return;
#elif defined(HAVE_GETRANDOM)
	/* Never block the start on an empty pool; fall back below. */
	if (getrandom(key, 2 * sizeof(uint64_t), GRND_NONBLOCK) ==
	    (ssize_t)(2 * sizeof(uint64_t)))
		return;
#endif
	/* Last resort: weak, but still not known to a remote client. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mix = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
	key[0] = mix ^ (uint64_t)(uintptr_t)key ^ ((uint64_t)getpid() << 32);
	clock_gettime(CLOCK_REALTIME, &ts);
	key[1] = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^
	    (uint64_t)(uintptr_t)&cache_seed;
}

/* ---- table ------------------------------------------------------------ */

struct cache *
cache_new(size_t size, const struct cache_limits *limits)
{
	struct cache	*c;
	size_t		 nb = 1;

	if (size == 0)
		size = 1;
	while (nb < size && nb < CACHE_MAXBUCKETS)
		nb <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->table = calloc(nb, sizeof(*c->table))) == NULL) {
		free(c);
		return NULL;
	}
	/* calloc'd LIST_HEADs are empty lists (NULL first). */
	c->mask = nb - 1;
	c->size = size;
	c->limits = *limits;
	TAILQ_INIT(&c->lru);
	cache_seed(c->key);
	return c;
}

static void
cache_remove(struct cache *c, struct cache_entry *e)
{
	LIST_REMOVE(e, chain);
	TAILQ_REMOVE(&c->lru, e, lru);
	c->bytes -= entry_bytes(e);
	c->count--;
	free(e);
}

void
cache_clear(struct cache *c)
{
	struct cache_entry	*e;

	while ((e = TAILQ_FIRST(&c->lru)) != NULL)
		cache_remove(c, e);
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	cache_clear(c);
	free(c->table);
	free(c);
}

void
cache_set_limits(struct cache *c, const struct cache_limits *limits)
{
	c->limits = *limits;
}

void
cache_get_stats(const struct cache *c, struct cache_stats *st)
{
	st->entries = c->count;
	st->bytes = c->bytes + sizeof(*c) + (c->mask + 1) * sizeof(*c->table);
	st->hits = c->hits;
	st->misses = c->misses;
	st->inserts = c->inserts;
	st->evictions = c->evictions;
}

/* name: lower-cased wire form. */
static struct cache_entry *
cache_find(const struct cache *c, uint32_t h, const uint8_t *name,
    size_t namelen, uint16_t qtype, uint16_t qclass, uint8_t kb)
{
	struct cache_entry	*e;

	LIST_FOREACH(e, &c->table[h & c->mask], chain) {
		if (e->hash == h && e->qtype == qtype &&
		    e->qclass == qclass && (e->flags & CE_KEY) == kb &&
		    e->namelen == namelen &&
		    memcmp(entry_ans(e) + DNS_HDRLEN, name, namelen) == 0)
			return e;
	}
	return NULL;
}

static inline uint64_t
entry_expires(const struct cache_entry *e)
{
	return e->born + (uint64_t)e->ttl * 1000;
}

/* ---- insertion ----------------------------------------------------------- */

/* What one walk over an answer's records finds. */
struct cache_walk {
	uint16_t	 ttls[CACHE_MAXRRS];	/* TTL field offsets */
	size_t		 nttl;
	size_t		 end;		/* after the last record */
	size_t		 opt;		/* first OPT's offset */
	size_t		 optttl;	/* and of its TTL field */
	size_t		 optend;
	unsigned int	 nopt;
	uint32_t	 minttl;	/* over all records but OPT */
	uint32_t	 soamin;	/* min(SOA TTL, MINIMUM) */
	int		 soa;		/* an SOA in the authority section */
	unsigned int	 ntype;		/* answer records of qtype/qclass */
};

/* RFC 2181 section 8: a TTL with the top bit set is 0. */
static inline uint32_t
ttl_value(uint32_t ttl)
{
	return (ttl & 0x80000000U) ? 0 : ttl;
}

/*
 * Walk the records with msg's iterator.  -1 if the answer does not parse
 * (whatever msg_check_answer said: nothing here trusts it).
 */
static int
cache_walk_rrs(const uint8_t *ans, size_t len, const struct query *q,
    struct cache_walk *w)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	size_t		 x, rdend;
	uint32_t	 ttl;
	int		 r;

	w->nttl = 0;
	w->nopt = 0;
	w->opt = w->optend = 0;
	w->minttl = UINT32_MAX;
	w->soa = 0;
	w->soamin = 0;
	w->ntype = 0;
	if (msg_iter_start(&it, ans, len) == -1)
		return -1;
	while ((r = msg_iter_next(&it, &rr)) == 1) {
		if (rr.type == DNS_TYPE_OPT) {
			w->nopt++;
			w->opt = rr.owner;
			w->optttl = rr.ttl;
			w->optend = rr.end;
			continue;
		}
		if (w->nttl >= CACHE_MAXRRS || rr.ttl > UINT16_MAX)
			return -1;
		ttl = ttl_value(get32(ans + rr.ttl));
		w->ttls[w->nttl++] = (uint16_t)rr.ttl;
		if (ttl < w->minttl)
			w->minttl = ttl;
		if (rr.section == MSG_SEC_ANSWER && rr.type == q->qtype &&
		    rr.class == q->qclass)
			w->ntype++;
		rdend = rr.end;
		if (rr.section == MSG_SEC_AUTHORITY &&
		    rr.type == DNS_TYPE_SOA && !w->soa &&
		    (x = msg_skip_name(ans, rdend, rr.rdata)) != 0 &&
		    (x = msg_skip_name(ans, rdend, x)) != 0 &&
		    rdend - x == 20) {
			w->soa = 1;
			w->soamin = ttl_value(get32(ans + x + 16));
			if (ttl < w->soamin)
				w->soamin = ttl;
		}
	}
	if (r == -1)
		return -1;
	w->end = it.end;
	return 0;
}

/* The lifetime of the answer in seconds, 0: not to be kept. */
static uint32_t
cache_lifetime(const struct cache *c, int rcode, uint16_t ancount,
    const struct cache_walk *w, int *neg)
{
	const struct cache_limits *l = &c->limits;
	uint32_t	 life;

	*neg = 1;
	if (rcode == DNS_RCODE_SERVFAIL)
		return CACHE_SERVFAIL_TTL;
	if (rcode == DNS_RCODE_NXDOMAIN ||
	    (rcode == DNS_RCODE_NOERROR && ancount == 0)) {
		if (l->no_negcache)
			return 0;
		if (w->soa)
			life = w->soamin;
		else if (l->neg_ttl != 0)
			life = l->neg_ttl;
		else
			return 0;
		if (w->minttl < life)
			life = w->minttl;
		if (l->max_ttl != 0 && life > l->max_ttl)
			life = l->max_ttl;
		return life;
	}
	if (rcode != DNS_RCODE_NOERROR)
		return 0;
	*neg = 0;
	if (w->minttl == 0)
		return 0;
	life = w->minttl;
	if (life < l->min_ttl)
		life = l->min_ttl;
	if (l->max_ttl != 0 && life > l->max_ttl)
		life = l->max_ttl;
	return life;
}

int
cache_insert(struct cache *c, const struct query *q, const uint8_t *ans,
    size_t len, uint64_t now)
{
	struct cache_walk	 w;
	struct cache_entry	*e, *old;
	uint8_t			*a;
	size_t			 qend, i, hdr;
	uint32_t		 life, ttl, h;
	uint16_t		 flags;
	uint8_t			 kb;
	int			 neg, rcode;

	if (q->qname_len == 0 || q->qname_len > DNS_MAXNAME ||
	    len < DNS_HDRLEN + q->qname_len + 4)
		return 0;
	flags = get16(ans + 2);
	rcode = DNS_RCODE(flags);
	if (!(flags & DNS_FLAG_QR) || (flags & DNS_FLAG_TC) ||
	    DNS_OPCODE(flags) != 0 || get16(ans + 4) != 1)
		return 0;
	if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN &&
	    rcode != DNS_RCODE_SERVFAIL)
		return 0;
	/* The question must be q's, uncompressed (the key is read there). */
	for (i = 0; i < q->qname_len; i++)
		if (lower(ans[DNS_HDRLEN + i]) != q->qname[i])
			return 0;
	qend = DNS_HDRLEN + q->qname_len;
	if (msg_skip_name(ans, len, DNS_HDRLEN) != qend ||
	    get16(ans + qend) != q->qtype ||
	    get16(ans + qend + 2) != q->qclass)
		return 0;

	if (cache_walk_rrs(ans, len, q, &w) == -1 ||
	    w.end > CACHE_MAXANSWER)
		return 0;
	if ((life = cache_lifetime(c, rcode, get16(ans + 6), &w, &neg)) == 0)
		return 0;
	/* A SERVFAIL never replaces a real answer, fresh or expired: that
	 * one is what serve-stale answers with (RFC 8767). */
	kb = cache_keybits(q);
	if (rcode == DNS_RCODE_SERVFAIL && (old = cache_find(c,
	    cache_hash(c, q->qname, q->qname_len, q->qtype, q->qclass, kb),
	    q->qname, q->qname_len, q->qtype, q->qclass, kb)) != NULL &&
	    DNS_RCODE(entry_ans(old)[3]) != DNS_RCODE_SERVFAIL)
		return 0;

	if (w.nopt > 1)			/* the iterator allows one */
		return 0;
	hdr = offsetof(struct cache_entry, ttls) + w.nttl * sizeof(uint16_t);
	if ((e = malloc(hdr + w.end)) == NULL)
		return 0;
	e->born = now;
	e->ttl = life;
	e->qtype = q->qtype;
	e->qclass = q->qclass;
	e->len = (uint16_t)w.end;
	e->nttl = (uint16_t)w.nttl;
	e->namelen = (uint8_t)q->qname_len;
	e->flags = kb;
	e->opt = 0;
	if (w.ntype > 0)
		e->flags |= CE_HASTYPE;
	if (w.nopt == 1 && w.optend == w.end) {
		e->flags |= CE_OPTLAST;
		e->opt = (uint16_t)w.opt;
	} else if (w.nopt > 0)
		e->flags |= CE_OPTOTHER;
	memcpy(e->ttls, w.ttls, w.nttl * sizeof(uint16_t));
	a = entry_ans(e);
	memcpy(a, ans, w.end);
	memcpy(a + DNS_HDRLEN, q->qname, q->qname_len);
	/* The UDP size in the OPT is ours to tell clients, not the
	 * upstream's (RFC 6891 6.2.3); SIGHUP clears the cache. */
	if (w.nopt == 1)
		put16(a + w.optttl - 2, (uint16_t)msg_edns_max());

	/* The TTLs clients see at insertion; hits age them. */
	for (i = 0; i < w.nttl; i++) {
		ttl = ttl_value(get32(a + w.ttls[i]));
		if (neg) {
			if (ttl > life)
				ttl = life;
		} else {
			if (ttl < c->limits.min_ttl)
				ttl = c->limits.min_ttl;
			if (c->limits.max_ttl != 0 &&
			    ttl > c->limits.max_ttl)
				ttl = c->limits.max_ttl;
		}
		put32(a + w.ttls[i], ttl);
	}

	h = cache_hash(c, q->qname, q->qname_len, q->qtype, q->qclass, kb);
	e->hash = h;
	if ((old = cache_find(c, h, q->qname, q->qname_len, q->qtype,
	    q->qclass, kb)) != NULL)
		cache_remove(c, old);
	else if (c->count >= c->size &&
	    (old = TAILQ_LAST(&c->lru, cache_lru)) != NULL) {
		cache_remove(c, old);
		c->evictions++;
	}
	LIST_INSERT_HEAD(&c->table[h & c->mask], e, chain);
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	c->count++;
	c->bytes += entry_bytes(e);
	c->inserts++;
	return 1;
}

/* ---- lookup: the hot path, no allocation ---------------------------------- */

/*
 * The last part of an entry's life (ms) in which a hit asks for a
 * refresh: CACHE_PREFETCH_PCT of its TTL, but at least
 * CACHE_PREFETCH_MIN_WINDOW_MS so that a name asked several times a
 * second is refreshed before it expires even when its TTL is short, and
 * at most half of it.  0 (never) below CACHE_PREFETCH_MIN_TTL.
 */
static uint64_t
prefetch_window(uint32_t ttl)
{
	uint64_t	 life = (uint64_t)ttl * 1000, w;

	if (ttl < CACHE_PREFETCH_MIN_TTL)
		return 0;
	w = life * CACHE_PREFETCH_PCT / 100;
	if (w < CACHE_PREFETCH_MIN_WINDOW_MS)
		w = CACHE_PREFETCH_MIN_WINDOW_MS;
	if (w > life / 2)
		w = life / 2;
	return w;
}

enum cache_status
cache_lookup(struct cache *c, const struct query *q, uint64_t now,
    size_t limit, uint8_t *buf, size_t bufsz, size_t *len, int *prefetch)
{
	struct cache_entry	*e;
	const uint8_t		*a;
	enum cache_status	 st = CACHE_FRESH;
	uint64_t		 expires, elapsed;
	uint32_t		 ttl, stored;
	size_t			 n, i;
	uint8_t			 kb;

	if (prefetch != NULL)
		*prefetch = 0;
	*len = 0;
	if (q->qname_len == 0 || q->qname_len > DNS_MAXNAME)
		goto miss;
	kb = cache_keybits(q);
	e = cache_find(c, cache_hash(c, q->qname, q->qname_len, q->qtype,
	    q->qclass, kb), q->qname, q->qname_len, q->qtype, q->qclass, kb);
	if (e == NULL)
		goto miss;
	expires = entry_expires(e);
	if (now >= expires) {
		if (c->limits.serve_stale == 0 || now - expires >=
		    (uint64_t)c->limits.serve_stale * 1000) {
			cache_remove(c, e);
			goto miss;
		}
		st = CACHE_STALE;
	}
	if (e->len > bufsz)
		goto miss;

	if (TAILQ_FIRST(&c->lru) != e) {
		TAILQ_REMOVE(&c->lru, e, lru);
		TAILQ_INSERT_HEAD(&c->lru, e, lru);
	}
	a = entry_ans(e);
	n = e->len;
	memcpy(buf, a, n);
	put16(buf, q->id);
	msg_answer_flags(buf, q);	/* RD, CD, RA, AA, AD for this client */
	/* q's length (equal, the key matched): a plain memcpy call, which
	 * is faster here than the rep movs gcc inlines for a uint8_t one. */
	memcpy(buf + DNS_HDRLEN, q->qname_case, q->qname_len);

	if (st == CACHE_STALE) {
		ttl = CACHE_STALE_TTL;
		if (c->limits.max_client_ttl != 0 &&
		    ttl > c->limits.max_client_ttl)
			ttl = c->limits.max_client_ttl;	/* max-ttl */
		for (i = 0; i < e->nttl; i++)
			put32(buf + e->ttls[i], ttl);
	} else {
		elapsed = now > e->born ? (now - e->born) / 1000 : 0;
		for (i = 0; i < e->nttl; i++) {
			stored = get32(a + e->ttls[i]);
			ttl = stored > elapsed ? stored - (uint32_t)elapsed :
			    0;
			if (c->limits.max_client_ttl != 0 &&
			    ttl > c->limits.max_client_ttl)
				ttl = c->limits.max_client_ttl;	/* max-ttl */
			put32(buf + e->ttls[i], ttl);
		}
		if (prefetch != NULL && c->limits.prefetch &&
		    !(e->flags & CE_PREFETCHED) &&
		    expires - now <= prefetch_window(e->ttl))
			*prefetch = 1;
	}

	if (!q->edns && (e->flags & CE_OPTLAST)) {
		n = e->opt;
		put16(buf + 10, get16(buf + 10) - 1);
	} else if (!q->edns && (e->flags & CE_OPTOTHER))
		n = msg_finish_answer(buf, n, q, limit);
	if (n > limit)
		n = msg_finish_answer(buf, n, q, limit);
	else if (q->edns && !(e->flags & (CE_OPTLAST | CE_OPTOTHER)))
		n = msg_finish_answer_opt(buf, n, bufsz, q, limit);
	if (n == 0)		/* cannot happen: the question was checked */
		goto miss;
	c->hits++;
	*len = n;
	return st;
miss:
	c->misses++;
	return CACHE_MISS;
}

void
cache_prefetch_started(struct cache *c, const struct query *q)
{
	struct cache_entry	*e;
	uint8_t			 kb;

	if (q->qname_len == 0 || q->qname_len > DNS_MAXNAME)
		return;
	kb = cache_keybits(q);
	e = cache_find(c, cache_hash(c, q->qname, q->qname_len, q->qtype,
	    q->qclass, kb), q->qname, q->qname_len, q->qtype, q->qclass, kb);
	if (e != NULL)
		e->flags |= CE_PREFETCHED;
}

/* ---- for the AAAA modes ----------------------------------------------------- */

/*
 * A fresh entry for (name, type, class, DO), asked with RD=1 and CD=0 (an
 * answer fetched with CD=1 says nothing to a validating client), or NULL.
 */
static struct cache_entry *
cache_peek(const struct cache *c, const uint8_t *name, size_t namelen,
    uint16_t qtype, uint16_t qclass, int dobit, uint64_t now)
{
	struct cache_entry	*e;
	uint8_t			 kb = CE_RD | (dobit ? CE_DO : 0);

	e = cache_find(c, cache_hash(c, name, namelen, qtype, qclass, kb),
	    name, namelen, qtype, qclass, kb);
	return e != NULL && now < entry_expires(e) ? e : NULL;
}

/* Lower-case name into out; 0 if it is no possible key. */
static int
cache_key_name(const uint8_t *name, size_t namelen, uint8_t *out)
{
	size_t	 i;

	if (namelen == 0 || namelen > DNS_MAXNAME)
		return 0;
	for (i = 0; i < namelen; i++)
		out[i] = lower(name[i]);
	return 1;
}

static int
cache_has_addr(struct cache *c, const uint8_t *name, size_t namelen,
    uint16_t qtype, uint16_t qclass, uint64_t now)
{
	struct cache_entry	*e;
	uint8_t			 key[DNS_MAXNAME];
	int			 dobit;

	if (!cache_key_name(name, namelen, key))
		return 0;
	for (dobit = 0; dobit < 2; dobit++) {
		e = cache_peek(c, key, namelen, qtype, qclass, dobit, now);
		if (e != NULL && (e->flags & CE_HASTYPE) &&
		    DNS_RCODE(entry_ans(e)[3]) == DNS_RCODE_NOERROR)
			return 1;
	}
	return 0;
}

int
cache_has_a(struct cache *c, const uint8_t *name, size_t namelen,
    uint16_t qclass, uint64_t now)
{
	return cache_has_addr(c, name, namelen, DNS_TYPE_A, qclass, now);
}

int
cache_has_aaaa(struct cache *c, const uint8_t *name, size_t namelen,
    uint16_t qclass, uint64_t now)
{
	return cache_has_addr(c, name, namelen, DNS_TYPE_AAAA, qclass, now);
}

int
cache_nxdomain(struct cache *c, const uint8_t *name, size_t namelen,
    uint16_t qclass, uint64_t now)
{
	static const uint16_t	 types[] = { DNS_TYPE_A, DNS_TYPE_AAAA };
	struct cache_entry	*e;
	uint8_t			 key[DNS_MAXNAME];
	size_t			 i;
	int			 dobit;

	if (!cache_key_name(name, namelen, key))
		return 0;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		for (dobit = 0; dobit < 2; dobit++) {
			e = cache_peek(c, key, namelen, types[i], qclass,
			    dobit, now);
			if (e != NULL &&
			    DNS_RCODE(entry_ans(e)[3]) == DNS_RCODE_NXDOMAIN)
				return 1;
		}
	return 0;
}

/* ---- the control socket: flush NAME, dump-cache --------------------------- */

size_t
cache_flush_name(struct cache *c, const uint8_t *name, size_t namelen)
{
	struct cache_entry	*e, *next;
	uint8_t			 key[DNS_MAXNAME];
	size_t			 n = 0;

	if (!cache_key_name(name, namelen, key))
		return 0;
	for (e = TAILQ_FIRST(&c->lru); e != NULL; e = next) {
		next = TAILQ_NEXT(e, lru);
		if (e->namelen == namelen &&
		    memcmp(entry_ans(e) + DNS_HDRLEN, key, namelen) == 0) {
			cache_remove(c, e);
			n++;
		}
	}
	return n;
}

static void
entry_view(const struct cache_entry *e, uint64_t now, struct cache_view *v)
{
	v->ans = entry_ans(e);
	v->len = e->len;
	v->qtype = e->qtype;
	v->qclass = e->qclass;
	v->rcode = DNS_RCODE(v->ans[3]);
	v->dobit = (e->flags & CE_DO) != 0;
	v->cdbit = (e->flags & CE_CD) != 0;
	v->rdbit = (e->flags & CE_RD) != 0;
	v->age_s = now > e->born ? (uint32_t)((now - e->born) / 1000) : 0;
	v->left_ms = (int64_t)entry_expires(e) - (int64_t)now;
}

int
cache_walk(const struct cache *c, uint64_t now,
    int (*fn)(const struct cache_view *, void *), void *arg)
{
	struct cache_entry	*e;
	struct cache_view	 v;
	int			 rv;

	TAILQ_FOREACH(e, &c->lru, lru) {
		entry_view(e, now, &v);
		if ((rv = fn(&v, arg)) != 0)
			return rv;
	}
	return 0;
}

int
cache_walk_part(const struct cache *c, uint64_t now, size_t *pos,
    size_t budget, void (*fn)(const struct cache_view *, void *), void *arg)
{
	struct cache_entry	*e;
	struct cache_view	 v;
	size_t			 shown = 0;

	while (*pos <= c->mask && shown < budget) {
		LIST_FOREACH(e, &c->table[*pos], chain) {
			entry_view(e, now, &v);
			fn(&v, arg);
			shown++;
		}
		(*pos)++;
	}
	return *pos <= c->mask;
}
