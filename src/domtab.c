/*
 * domtab.c: the domain table; see domtab.h.
 *
 * Layout.  Every pattern is one entry in an append-only arena of 32-bit
 * words: [value][route][flags | textlen << 8][text, padded to a word].
 * The text is the pattern in lower case without its '*' (a flag says
 * wildcard), without leading or trailing dot of the plain form.  An
 * open-addressing hash (linear probing, load at most 3/4) holds arena
 * offsets + 1 beside the 32-bit hash of the text (one cache line read a
 * probe; growing never reads the arena); the hash of a text is computed
 * from its last character to
 * its first, so one right-to-left pass over a query name gives the hash
 * of every suffix.  "#" (any) and "" (unqualified) entries sit outside
 * the hash.
 *
 * Addresses.  While building, each entry's addresses are a list in a
 * build arena (value = list index + 1); domtab_finish() interns every
 * list (the same addresses in the same order: one value), so a million
 * address=/x/0.0.0.0 lines end with one value of 4 bytes, and frees the
 * build arena, the intern table and the arena's spare room.
 *
 * Bounds: a pattern has at most DT_MAXADDRS addresses (the list is also
 * searched for duplicates); everything else grows with the input, which
 * the configuration's read bounds limit.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domtab.h"

#define DT_MAXADDRS	256		/* addresses of one pattern */
#define DT_HDR		3		/* header words of an entry */

/* Entry flags: DOMTAB_F_* (public: 0x01, 0x02, 0x80) and these. */
#define DT_LOCAL	0x04
#define DT_DEFAULT	0x08
#define DT_WILD		0x10
#define DT_ANY		0x20
#define DT_UNQUAL	0x40

#define HSEED		2166136261u

/* A hash slot: off is the arena offset + 1 (0: empty), h the text's hash. */
struct dt_slot {
	uint32_t	 h;
	uint32_t	 off;
};

/* An interned set of addresses: n4 IPv4 then n6 IPv6 at off in abytes. */
struct dt_value {
	uint32_t	 off;
	uint32_t	 n4, n6;
	uint32_t	 zeros;
};

/* A list being built: records of 1 + 16 bytes (family 4 or 6, address). */
struct dt_blist {
	uint32_t	 off;		/* in brec, records */
	uint32_t	 n, cap;
	uint32_t	 zeros;
};
#define DT_REC		17

struct domtab {
	uint32_t	*arena;
	size_t		 nwords, capwords;
	struct dt_slot	*slots;
	size_t		 nslots, nhashed;
	uint32_t	 any, unqual;	/* arena offset + 1; 0: none */
	size_t		 nrules, nwild;
	uint8_t		 plainlen[32], wildlen[32];	/* bitmaps by length */

	struct dt_value	*vals;		/* [0]: no addresses */
	size_t		 nvals;
	uint8_t		*abytes;
	size_t		 nab;

	/* Building only. */
	struct dt_blist	*blists;
	size_t		 nblists, capblists;
	uint8_t		*brec;
	size_t		 nbrec, capbrec;	/* records */
	int		 finished;
};

static const uint8_t zeros16[16];

static inline uint32_t
hstep(uint32_t h, uint8_t c)
{
	return (h ^ c) * 16777619u;
}

static inline uint32_t
hmix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t
htext(const char *s, size_t n, int wild)
{
	uint32_t	 h = HSEED;

	while (n > 0)
		h = hstep(h, (uint8_t)s[--n]);
	return wild ? hstep(h, '*') : h;
}

static inline void
bit_set(uint8_t *m, size_t i)
{
	m[i >> 3] |= 1u << (i & 7);
}

static inline int
bit_get(const uint8_t *m, size_t i)
{
	return (m[i >> 3] >> (i & 7)) & 1;
}

/* ---- entries ----------------------------------------------------------- */

static inline unsigned
e_flags(const uint32_t *e)
{
	return e[2] & 0xff;
}

static inline size_t
e_len(const uint32_t *e)
{
	return (e[2] >> 8) & 0xff;
}

static inline const char *
e_text(const uint32_t *e)
{
	return (const char *)(e + DT_HDR);
}

struct domtab *
domtab_new(void)
{
	struct domtab	*dt;

	if ((dt = calloc(1, sizeof(*dt))) == NULL)
		return NULL;
	if ((dt->vals = calloc(1, sizeof(*dt->vals))) == NULL) {
		free(dt);
		return NULL;
	}
	dt->nvals = 1;
	return dt;
}

void
domtab_free(struct domtab *dt)
{
	if (dt == NULL)
		return;
	free(dt->arena);
	free(dt->slots);
	free(dt->vals);
	free(dt->abytes);
	free(dt->blists);
	free(dt->brec);
	free(dt);
}

/* The slot of text (wild or not), or of the empty slot where it would go. */
static size_t
slot_find(const struct domtab *dt, const char *text, size_t len, int wild,
    uint32_t h, uint32_t **found)
{
	size_t		 mask = dt->nslots - 1, i = hmix(h) & mask;
	uint32_t	*e;

	*found = NULL;
	for (;; i = (i + 1) & mask) {
		if (dt->slots[i].off == 0)
			return i;
		if (dt->slots[i].h != h)
			continue;
		e = dt->arena + dt->slots[i].off - 1;
		if (e_len(e) == len && !!(e_flags(e) & DT_WILD) == !!wild &&
		    memcmp(e_text(e), text, len) == 0) {
			*found = e;
			return i;
		}
	}
}

/*
 * A zeroed table of n slots.  A large one is aligned to 2 MiB and asks
 * for huge pages: its probes are random, and with 4 KiB pages most of
 * them would also miss the TLB.
 */
#define DT_HUGE		(2 * 1024 * 1024)
static struct dt_slot *
slots_alloc(size_t n)
{
	void	*p;
	size_t	 len = n * sizeof(struct dt_slot);

	if (len < DT_HUGE)
		return calloc(n, sizeof(struct dt_slot));
	if (posix_memalign(&p, DT_HUGE, len) != 0)
		return NULL;
	(void)madvise(p, len, MADV_HUGEPAGE);
	memset(p, 0, len);
	return p;
}

static int
slots_grow(struct domtab *dt)
{
	struct dt_slot	*old = dt->slots;
	size_t		 oldn = dt->nslots, n = oldn ? oldn * 2 : 64, i, j,
			 mask = n - 1;

	if ((dt->slots = slots_alloc(n)) == NULL) {
		dt->slots = old;
		return -1;
	}
	dt->nslots = n;
	for (i = 0; i < oldn; i++) {
		if (old[i].off == 0)
			continue;
		for (j = hmix(old[i].h) & mask; dt->slots[j].off != 0;
		    j = (j + 1) & mask)
			;
		dt->slots[j] = old[i];
	}
	free(old);
	return 0;
}

/* A new entry in the arena; its offset + 1, or 0 (ENOMEM). */
static uint32_t
entry_new(struct domtab *dt, const char *text, size_t len, unsigned flags)
{
	size_t		 need = DT_HDR + (len + 3) / 4, cap;
	uint32_t	*na, *e;

	if (dt->nwords + need > dt->capwords) {
		cap = dt->capwords ? dt->capwords + dt->capwords / 2 : 1024;
		if (cap < dt->nwords + need)
			cap = dt->nwords + need;
		if (cap >= UINT32_MAX ||
		    (na = realloc(dt->arena, cap * sizeof(*na))) == NULL) {
			errno = ENOMEM;
			return 0;
		}
		dt->arena = na;
		dt->capwords = cap;
	}
	e = dt->arena + dt->nwords;
	e[0] = 0;
	e[1] = 0;
	e[2] = flags | (uint32_t)len << 8;
	if (len > 0)
		e[DT_HDR + (len + 3) / 4 - 1] = 0;	/* padding */
	memcpy(e + DT_HDR, text, len);
	dt->nwords += need;
	dt->nrules++;
	return (uint32_t)(e - dt->arena) + 1;
}

/* A pattern's letters, digits, '-' and '_', lower-cased; 0: not allowed. */
static const uint8_t name_char[256] = {
	['-'] = '-', ['_'] = '_',
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
	['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
	['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
	['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
	['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
	['z'] = 'z',
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e',
	['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j',
	['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o',
	['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
	['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
	['Z'] = 'z',
};

/*
 * Pattern text to its key: lower case, '*' and dots taken off; *kind
 * DT_ANY, DT_UNQUAL, DT_WILD or 0.  -1: not a pattern.
 */
static int
pattern_key(const char *p, size_t len, char *key, size_t *klen,
    unsigned *kind)
{
	size_t	 i, n = 0, lab = 0;
	int	 wild = 0;

	*kind = 0;
	*klen = 0;
	/* "#" (dnsmasq) and "." (the root, briskdns): any name. */
	if (len == 1 && (p[0] == '#' || p[0] == '.')) {
		*kind = DT_ANY;
		return 0;
	}
	if (len == 0) {
		*kind = DT_UNQUAL;
		return 0;
	}
	if (p[0] == '*') {
		wild = 1;
		p++;
		len--;
	} else if (p[0] == '.') {
		p++;
		len--;
	}
	if (len > 0 && p[len - 1] == '.')
		len--;
	if (len == 0 || len > DOMTAB_MAXTEXT)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '.') {
			/* An empty label only as a wildcard's first. */
			if (lab == 0 && !(wild && i == 0))
				return -1;
			lab = 0;
		} else {
			if ((c = name_char[c]) == 0 || ++lab > 63)
				return -1;
		}
		key[n++] = (char)c;
	}
	if (lab == 0)
		return -1;
	*klen = n;
	*kind = wild ? DT_WILD : 0;
	return 0;
}

/* The build list of entry e, made if needed; NULL: ENOMEM. */
static struct dt_blist *
blist_of(struct domtab *dt, uint32_t *e)
{
	struct dt_blist	*nb;
	size_t		 cap;

	if (e[0] != 0)
		return &dt->blists[e[0] - 1];
	if (dt->nblists == dt->capblists) {
		cap = dt->capblists ? dt->capblists * 2 : 64;
		if ((nb = realloc(dt->blists, cap * sizeof(*nb))) == NULL)
			return NULL;
		dt->blists = nb;
		dt->capblists = cap;
	}
	nb = &dt->blists[dt->nblists++];
	memset(nb, 0, sizeof(*nb));
	e[0] = (uint32_t)dt->nblists;
	return nb;
}

static int
blist_add(struct domtab *dt, struct dt_blist *b, uint8_t fam,
    const uint8_t *addr)
{
	size_t		 i, alen = fam == 4 ? 4 : 16, cap;
	uint8_t		*r, *nr;

	for (i = 0; i < b->n; i++) {
		r = dt->brec + (size_t)(b->off + i) * DT_REC;
		if (r[0] == fam && memcmp(r + 1, addr, alen) == 0)
			return 0;	/* given twice: once */
	}
	if (b->n >= DT_MAXADDRS) {
		errno = ENOSPC;
		return -1;
	}
	if (b->n == b->cap) {
		/* Move the list to the end, twice the room: the garbage
		 * left behind is at most what the lists hold. */
		cap = b->cap ? b->cap * 2 : 1;
		if (dt->nbrec + cap > dt->capbrec) {
			size_t nc = dt->capbrec ? dt->capbrec * 2 : 1024;

			while (nc < dt->nbrec + cap)
				nc *= 2;
			if ((nr = realloc(dt->brec, nc * DT_REC)) == NULL) {
				errno = ENOMEM;
				return -1;
			}
			dt->brec = nr;
			dt->capbrec = nc;
		}
		if (b->n > 0)
			memcpy(dt->brec + dt->nbrec * DT_REC, dt->brec +
			    (size_t)b->off * DT_REC, (size_t)b->n * DT_REC);
		b->off = (uint32_t)dt->nbrec;
		b->cap = (uint32_t)cap;
		dt->nbrec += cap;
	}
	r = dt->brec + (size_t)(b->off + b->n) * DT_REC;
	memset(r, 0, DT_REC);
	r[0] = fam;
	memcpy(r + 1, addr, alen);
	b->n++;
	return 0;
}

int
domtab_insert(struct domtab *dt, const char *pattern, size_t len,
    enum domtab_op op, const uint8_t *addr, uint32_t arg)
{
	char		 key[DOMTAB_MAXTEXT + 1] = "";
	size_t		 klen, i;
	unsigned	 kind;
	uint32_t	 h = 0, off, *e, *slotp = NULL;
	struct dt_blist	*b;

	if (dt->finished || pattern_key(pattern, len, key, &klen, &kind) ==
	    -1 || (op == DOMTAB_SERVER && arg == 0)) {
		errno = EINVAL;
		return -1;
	}
	if (kind == DT_ANY)
		slotp = &dt->any;
	else if (kind == DT_UNQUAL)
		slotp = &dt->unqual;
	if (slotp != NULL) {
		if (*slotp == 0 && (*slotp = entry_new(dt, key, 0, kind)) == 0)
			return -1;
		e = dt->arena + *slotp - 1;
	} else {
		if ((dt->nhashed + 1) * 4 > dt->nslots * 3 &&
		    slots_grow(dt) == -1) {
			errno = ENOMEM;
			return -1;
		}
		h = htext(key, klen, kind == DT_WILD);
		i = slot_find(dt, key, klen, kind == DT_WILD, h, &e);
		if (e == NULL) {
			if ((off = entry_new(dt, key, klen, kind)) == 0)
				return -1;
			dt->slots[i].off = off;
			dt->slots[i].h = h;
			dt->nhashed++;
			e = dt->arena + off - 1;
			if (kind == DT_WILD) {
				bit_set(dt->wildlen, klen);
				dt->nwild++;
			} else
				bit_set(dt->plainlen, klen);
		}
	}
	switch (op) {
	case DOMTAB_LOCAL:
		e[2] |= DT_LOCAL;
		break;
	case DOMTAB_DEFAULT:
		e[2] |= DT_DEFAULT;
		break;
	case DOMTAB_SERVER:
		if (e[1] == 0)
			e[1] = arg;
		break;
	case DOMTAB_FLAGS:
		/* aaaa-forward and aaaa-empty on one pattern: the later. */
		if (arg & DOMTAB_F_AAAA)
			e[2] &= ~(uint32_t)DOMTAB_F_AAAA;
		e[2] |= arg & DOMTAB_F_PUBLIC;
		break;
	case DOMTAB_ADDR4:
	case DOMTAB_ADDR6:
	case DOMTAB_ZEROS:
		if ((b = blist_of(dt, e)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		if (op == DOMTAB_ZEROS)
			b->zeros = 1;
		else if (blist_add(dt, b, op == DOMTAB_ADDR4 ? 4 : 6,
		    addr) == -1)
			return -1;
		break;
	}
	return 0;
}

/* ---- finishing: interning the address lists ---------------------------- */

/* The hash of a list: zeros, then the records newest first. */
static uint32_t
blist_hash(const struct domtab *dt, const struct dt_blist *b)
{
	uint32_t	 h = hstep(HSEED, (uint8_t)b->zeros);
	const uint8_t	*r;
	size_t		 i, j;

	for (i = b->n; i > 0; i--) {
		r = dt->brec + (size_t)(b->off + i - 1) * DT_REC;
		for (j = 0; j < DT_REC; j++)
			h = hstep(h, r[j]);
	}
	return h;
}

/* Whether value v holds the list b (newest first, IPv4 then IPv6). */
static int
value_is(const struct domtab *dt, const struct dt_value *v,
    const struct dt_blist *b)
{
	const uint8_t	*r, *a4 = dt->abytes + v->off, *a6;
	size_t		 i, n4 = 0, n6 = 0;

	if (v->zeros != b->zeros)
		return 0;
	for (i = 0; i < b->n; i++) {
		r = dt->brec + (size_t)(b->off + i) * DT_REC;
		if (r[0] == 4)
			n4++;
		else
			n6++;
	}
	if (n4 != v->n4 || n6 != v->n6)
		return 0;
	a6 = a4 + 4 * v->n4;
	for (i = b->n; i > 0; i--) {
		r = dt->brec + (size_t)(b->off + i - 1) * DT_REC;
		if (r[0] == 4) {
			if (memcmp(a4, r + 1, 4) != 0)
				return 0;
			a4 += 4;
		} else {
			if (memcmp(a6, r + 1, 16) != 0)
				return 0;
			a6 += 16;
		}
	}
	return 1;
}

/* Append list b as a new value; its index, or 0 (ENOMEM). */
static uint32_t
value_add(struct domtab *dt, const struct dt_blist *b, size_t *capvals,
    size_t *capab)
{
	struct dt_value	*v, *nv;
	const uint8_t	*r;
	uint8_t		*na, *a4, *a6;
	size_t		 i, need = 0, n4 = 0;

	for (i = 0; i < b->n; i++) {
		r = dt->brec + (size_t)(b->off + i) * DT_REC;
		need += r[0] == 4 ? 4 : 16;
		n4 += r[0] == 4;
	}
	if (dt->nvals == *capvals) {
		if ((nv = realloc(dt->vals, *capvals * 2 * sizeof(*nv))) ==
		    NULL)
			return 0;
		dt->vals = nv;
		*capvals *= 2;
	}
	/* Never NULL, even for values of "#" alone: pointers are made
	 * from it. */
	if (dt->abytes == NULL || dt->nab + need > *capab) {
		size_t nc = *capab ? *capab * 2 : 256;

		while (nc < dt->nab + need)
			nc *= 2;
		if (nc > UINT32_MAX || (na = realloc(dt->abytes, nc)) == NULL)
			return 0;
		dt->abytes = na;
		*capab = nc;
	}
	v = &dt->vals[dt->nvals];
	v->off = (uint32_t)dt->nab;
	v->n4 = (uint32_t)n4;
	v->n6 = (uint32_t)(b->n - n4);
	v->zeros = b->zeros;
	a4 = dt->abytes + dt->nab;
	a6 = a4 + 4 * n4;
	for (i = b->n; i > 0; i--) {
		r = dt->brec + (size_t)(b->off + i - 1) * DT_REC;
		if (r[0] == 4) {
			memcpy(a4, r + 1, 4);
			a4 += 4;
		} else {
			memcpy(a6, r + 1, 16);
			a6 += 16;
		}
	}
	dt->nab += need;
	return (uint32_t)dt->nvals++;
}

/*
 * Every entry's list to an interned value: 0, or -1 (ENOMEM) with no
 * entry keeping addresses.
 */
static int
values_intern(struct domtab *dt)
{
	uint32_t	*vslots = NULL, *map = NULL, *e, idx;
	size_t		 nvs = 64, capvals = dt->nvals, capab = dt->nab, w,
			 mask, i;
	struct dt_blist	*b;
	int		 rv = -1;

	if (dt->nblists == 0)
		return 0;
	while (nvs < dt->nblists * 2)
		nvs *= 2;
	vslots = calloc(nvs, sizeof(*vslots));
	map = calloc(dt->nblists, sizeof(*map));
	if (vslots == NULL || map == NULL)
		goto out;
	mask = nvs - 1;
	for (i = 0; i < dt->nblists; i++) {
		b = &dt->blists[i];
		for (w = hmix(blist_hash(dt, b)) & mask; vslots[w] != 0;
		    w = (w + 1) & mask)
			if (value_is(dt, &dt->vals[vslots[w]], b))
				break;
		if (vslots[w] == 0) {
			if ((idx = value_add(dt, b, &capvals, &capab)) == 0)
				goto out;
			vslots[w] = idx;
		}
		map[i] = vslots[w];
	}
	rv = 0;
out:
	/* Entries point at build lists until now. */
	for (w = 0; w < dt->nwords; w += DT_HDR + (e_len(e) + 3) / 4) {
		e = dt->arena + w;
		if (e[0] != 0)
			e[0] = rv == 0 ? map[e[0] - 1] : 0;
	}
	free(map);
	free(vslots);
	if (rv == -1)
		errno = ENOMEM;
	return rv;
}

int
domtab_finish(struct domtab *dt)
{
	void	*p;
	int	 rv;

	if (dt == NULL || dt->finished)
		return 0;
	rv = values_intern(dt);
	free(dt->blists);
	free(dt->brec);
	dt->blists = NULL;
	dt->brec = NULL;
	dt->nblists = dt->capblists = dt->nbrec = dt->capbrec = 0;
	/* Give back the spare room of the arenas. */
	if (dt->nwords > 0 && (p = realloc(dt->arena, dt->nwords *
	    sizeof(*dt->arena))) != NULL) {
		dt->arena = p;
		dt->capwords = dt->nwords;
	}
	if (dt->nab > 0 && (p = realloc(dt->abytes, dt->nab)) != NULL)
		dt->abytes = p;		/* nab 0: NULL or 256 bytes, kept */
	if ((p = realloc(dt->vals, dt->nvals * sizeof(*dt->vals))) != NULL)
		dt->vals = p;
	dt->finished = 1;
	return rv;
}

/* ---- lookup -------------------------------------------------------------- */

/* A query name as text: lower case, a '.' inside a label made NUL. */
struct dt_name {
	char		 t[256];
	size_t		 len;
	uint32_t	 h[257];	/* h[i]: hash of t[i..len) */
	uint8_t		 start[256];	/* 1 where a label starts */
	int		 labels;
};

static int
name_text(const uint8_t *name, size_t namelen, struct dt_name *n)
{
	size_t	 pos = 0, i, l;

	n->len = 0;
	n->labels = 0;
	memset(n->start, 0, sizeof(n->start));
	while (pos < namelen && name[pos] != 0) {
		l = name[pos];
		if (l > 63 || pos + 1 + l > namelen)
			return -1;
		if (n->len > 0)
			n->t[n->len++] = '.';
		if (n->len + l > sizeof(n->t) - 1)
			return -1;
		n->start[n->len] = 1;
		for (i = 0; i < l; i++) {
			uint8_t c = name[pos + 1 + i];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			else if (c == '.')
				c = 0;
			n->t[n->len++] = (char)c;
		}
		n->labels++;
		pos += 1 + l;
	}
	n->h[n->len] = HSEED;
	for (i = n->len; i > 0; i--)
		n->h[i - 1] = hstep(n->h[i], (uint8_t)n->t[i - 1]);
	return 0;
}

static const uint32_t *
probe(const struct domtab *dt, const struct dt_name *n, size_t i, int wild)
{
	uint32_t	*e;
	uint32_t	 h = wild ? hstep(n->h[i], '*') : n->h[i];

	if (dt->nslots == 0)
		return NULL;
	(void)slot_find(dt, n->t + i, n->len - i, wild, h, &e);
	return e;
}

/* What entry e says for qtype; DOMTAB_NONE: ask a shorter pattern. */
static enum domtab_kind
decide(const struct domtab *dt, const uint32_t *e, uint16_t qtype,
    struct domtab_match *m)
{
	const struct dt_value	*v = &dt->vals[dt->finished ? e[0] : 0];
	unsigned		 f = e_flags(e);

	if (qtype == 28 && v->n6 > 0) {
		m->addrs = dt->abytes + v->off + 4 * v->n4;
		m->naddrs = v->n6;
		m->addrlen = 16;
		return m->kind = DOMTAB_ADDRESS;
	}
	if (qtype == 1 && v->n4 > 0) {
		m->addrs = dt->abytes + v->off;
		m->naddrs = v->n4;
		m->addrlen = 4;
		return m->kind = DOMTAB_ADDRESS;
	}
	if ((qtype == 1 || qtype == 28) && v->zeros) {
		m->addrs = zeros16;
		m->naddrs = 1;
		m->addrlen = qtype == 1 ? 4 : 16;
		return m->kind = DOMTAB_ADDRESS;
	}
	if (e[1] != 0) {
		m->route = e[1];
		return m->kind = DOMTAB_FORWARD;
	}
	if (f & DT_DEFAULT)
		return m->kind = DOMTAB_FORWARD;
	if (f & DT_LOCAL)
		return m->kind = (v->n4 || v->n6 || v->zeros) ?
		    DOMTAB_NODATA : DOMTAB_NXDOMAIN;
	return DOMTAB_NONE;
}

/*
 * Calls fn for each entry matching n, longest first (plain before
 * wildcard at one length, unqualified, then any) until fn returns nonzero.
 */
static int
walk_matches(const struct domtab *dt, const struct dt_name *n,
    int (*fn)(const struct domtab *, const uint32_t *, void *), void *arg)
{
	const uint32_t	*e;
	size_t		 i, m;

	for (i = 0; i < n->len; i++) {
		m = n->len - i;
		if (n->start[i] && bit_get(dt->plainlen, m) &&
		    (e = probe(dt, n, i, 0)) != NULL && fn(dt, e, arg))
			return 1;
		if (dt->nwild > 0 && bit_get(dt->wildlen, m) &&
		    (e = probe(dt, n, i, 1)) != NULL && fn(dt, e, arg))
			return 1;
	}
	if (n->labels == 1 && dt->unqual != 0 &&
	    fn(dt, dt->arena + dt->unqual - 1, arg))
		return 1;
	if (dt->any != 0 && fn(dt, dt->arena + dt->any - 1, arg))
		return 1;
	return 0;
}

struct lookup_arg {
	uint16_t		 qtype;
	struct domtab_match	*m;
};

static int
lookup_fn(const struct domtab *dt, const uint32_t *e, void *arg)
{
	struct lookup_arg	*a = arg;

	return decide(dt, e, a->qtype, a->m) != DOMTAB_NONE;
}

enum domtab_kind
domtab_lookup(const struct domtab *dt, const uint8_t *name, size_t namelen,
    uint16_t qtype, struct domtab_match *m)
{
	struct dt_name		 n;
	struct lookup_arg	 a;

	memset(m, 0, sizeof(*m));
	if (dt == NULL || dt->nrules == 0 ||
	    name_text(name, namelen, &n) == -1)
		return DOMTAB_NONE;
	a.qtype = qtype;
	a.m = m;
	(void)walk_matches(dt, &n, lookup_fn, &a);
	return m->kind;
}

static int
flags_fn(const struct domtab *dt, const uint32_t *e, void *arg)
{
	*(unsigned *)arg |= e_flags(e) & DOMTAB_F_PUBLIC;
	return 0;
}

unsigned
domtab_flags(const struct domtab *dt, const uint8_t *name, size_t namelen)
{
	struct dt_name	 n;
	unsigned	 f = 0;

	if (dt == NULL || dt->nrules == 0 ||
	    name_text(name, namelen, &n) == -1)
		return 0;
	(void)walk_matches(dt, &n, flags_fn, &f);
	return f;
}

static int
aaaa_fn(const struct domtab *dt, const uint32_t *e, void *arg)
{
	unsigned	 f = e_flags(e);

	if (f & DOMTAB_F_AAAA_EMPTY)
		*(enum domtab_aaaa *)arg = DOMTAB_AAAA_EMPTY;
	else if (f & DOMTAB_F_AAAA_FORWARD)
		*(enum domtab_aaaa *)arg = DOMTAB_AAAA_FORWARD;
	else
		return 0;
	return 1;
}

enum domtab_aaaa
domtab_aaaa(const struct domtab *dt, const uint8_t *name, size_t namelen)
{
	struct dt_name		 n;
	enum domtab_aaaa	 a = DOMTAB_AAAA_NONE;

	if (dt == NULL || dt->nrules == 0 ||
	    name_text(name, namelen, &n) == -1)
		return DOMTAB_AAAA_NONE;
	(void)walk_matches(dt, &n, aaaa_fn, &a);
	return a;
}

size_t
domtab_count(const struct domtab *dt)
{
	return dt != NULL ? dt->nrules : 0;
}

size_t
domtab_bytes(const struct domtab *dt)
{
	if (dt == NULL)
		return 0;
	return sizeof(*dt) + dt->capwords * sizeof(*dt->arena) +
	    dt->nslots * sizeof(*dt->slots) + dt->nvals * sizeof(*dt->vals) +
	    dt->nab + dt->capblists * sizeof(*dt->blists) +
	    dt->capbrec * DT_REC;
}

/* Entries by their printed text: "#" < "" < "*x" < "x" (qsort_r-free). */
static const struct domtab *sort_dt;

static void
entry_print_text(const uint32_t *e, char *text)
{
	size_t	 o = 0, len = e_len(e);

	if (e_flags(e) & DT_ANY) {
		strcpy(text, "#");
		return;
	}
	if (e_flags(e) & DT_WILD)
		text[o++] = '*';
	memcpy(text + o, e_text(e), len);
	text[o + len] = '\0';
}

static int
entry_cmp(const void *a, const void *b)
{
	char	 ta[DOMTAB_MAXTEXT + 2], tb[DOMTAB_MAXTEXT + 2];

	entry_print_text(sort_dt->arena + *(const uint32_t *)a, ta);
	entry_print_text(sort_dt->arena + *(const uint32_t *)b, tb);
	return strcmp(ta, tb);
}

void
domtab_walk(const struct domtab *dt, domtab_walk_fn fn, void *arg)
{
	struct domtab_rule	 r;
	const struct dt_value	*v;
	const uint32_t		*e;
	char			 text[DOMTAB_MAXTEXT + 2];
	uint32_t		*order;
	size_t			 w, i, n = 0;
	unsigned		 f;

	if (dt == NULL || dt->nrules == 0)
		return;
	/* Sorted, so that the same rules print the same whatever order
	 * the lines came in (the print-back reads back to itself). */
	if ((order = calloc(dt->nrules, sizeof(*order))) == NULL)
		return;
	for (w = 0; w < dt->nwords && n < dt->nrules;
	    w += DT_HDR + (e_len(dt->arena + w) + 3) / 4)
		order[n++] = (uint32_t)w;
	sort_dt = dt;
	qsort(order, n, sizeof(*order), entry_cmp);
	sort_dt = NULL;
	for (i = 0; i < n; i++) {
		e = dt->arena + order[i];
		f = e_flags(e);
		memset(&r, 0, sizeof(r));
		entry_print_text(e, text);
		r.text = text;
		r.local = !!(f & DT_LOCAL);
		r.deflt = !!(f & DT_DEFAULT);
		r.route = e[1];
		r.flags = f & DOMTAB_F_PUBLIC;
		if (dt->finished && e[0] != 0) {
			v = &dt->vals[e[0]];
			r.zeros = v->zeros;
			r.a4 = dt->abytes + v->off;
			r.n4 = v->n4;
			r.a6 = r.a4 + 4 * v->n4;
			r.n6 = v->n6;
		}
		fn(&r, arg);
	}
	free(order);
}
