/*
 * hosts.c: hosts files and local records; see hosts.h.
 *
 * Layout: every name (lower-cased wire form) and every RDATA other than
 * an address lives once in one arena and is named by its 32-bit offset.
 * A name is an entry {arena offset, first record}; its records are a
 * singly linked list in one array of 12-byte records {next, data, type,
 * ttl index}.  data is the IPv4 address itself for A, an index into the
 * interned IPv6 addresses for AAAA, an arena offset of {length, RDATA}
 * otherwise.  Three open-addressing hashes of 32-bit indices find names,
 * IPv6 addresses and reverse entries {name, address record}.  Offsets and
 * indices are 32 bits, so every count is bounded below 2^31 (and much
 * lower by HOSTS_MAX_ENTRIES).
 *
 * dnsmasq 2.90's meaning, checked against it:
 * - Hosts-file syntax as glibc: '#' starts a comment anywhere, fields
 *   separated by blanks, an address then names; a line with an address
 *   and no name is ignored.  A bad address ("999.1.1.1", a scoped
 *   "fe80::1%eth0", which dnsmasq rejects too) skips the line; a bad name
 *   skips that name; both are logged ("bad address at FILE line N", as
 *   dnsmasq) and reading goes on.  Names are any printable ASCII without
 *   blanks (dnsmasq takes "a_b", "-x", "a*b" too), at most 63 bytes a
 *   label, 253 in all, one trailing dot allowed; non-ASCII is a bad name
 *   (dnsmasq converts IDN).
 * - The PTR of an address is the first name of the first line (or
 *   host-record=, which are read before the files) that has it; with
 *   expand-hosts, a first name without a dot answers PTR in its long form.
 * - The same name and address twice is one record.
 * - Lookup is by the exact name, case-insensitively; the answer's owner is
 *   the question's name in the client's case, names in RDATA are in lower
 *   case (dnsmasq keeps the file's case there).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "briskdns.h"
#include "hosts.h"
#include "log.h"
#include "msg.h"
#include "wire.h"

#define NONE		UINT32_MAX
#define REV		0x80000000u	/* entry.name of a reverse entry */
#define RRFIXED		10		/* type, class, TTL, RDLENGTH */
#define READ_CHUNK	65536
#define NAME_IDX_MASK	0x00ffffffu	/* names: fewer than 2^24 - 1 */

struct hosts_entry {
	uint32_t	name;	/* arena offset; REV|index of the PTR name */
	uint32_t	rec;	/* first record; the address record (REV) */
};

struct hosts_rec {
	uint32_t	next;
	uint32_t	data;
	uint16_t	type;
	uint16_t	ttl;	/* index in ttls[]; 0: local-ttl */
};

/* An open-addressing hash of indices + 1 (0: empty slot). */
struct slots {
	uint32_t	*v;
	uint32_t	 cap;	/* a power of two, or 0 */
};

struct hosts {
	uint8_t			*arena;
	size_t			 alen, acap;
	struct hosts_entry	*names;
	uint32_t		 nnames, namecap;
	struct slots		 nslots;
	struct hosts_rec	*recs;
	uint32_t		 nrecs, reccap;
	uint8_t			(*v6)[16];
	uint32_t		 nv6, v6cap;
	struct slots		 v6slots;
	struct hosts_entry	*revs;
	uint32_t		 nrevs, revcap;
	struct slots		 rslots;
	uint32_t		 ttls[HOSTS_MAX_TTLS];
	uint32_t		 nttls;
	uint8_t			 domain[DNS_MAXNAME];	/* expand-hosts, wire */
	size_t			 domainlen;		/* 0: none */
	struct hosts_limits	 lim;
	int			 full_logged;
};

static const char why_per_name[] = "too many records for one name";

/* One file being read. */
struct reader {
	const char	*file;
	unsigned long	 line;
	unsigned long	 bad;
	size_t		 added;
	char		 last[INET6_ADDRSTRLEN + 1];	/* address text */
	size_t		 lastlen;
	int		 lastfam;
	uint8_t		 lastaddr[16];
};

/* ---- hashing ------------------------------------------------------------- */

static uint32_t
hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t
hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(x ^ (x >> 33));
}

/* Length of the wire name at p (at most max bytes), 0 if none ends. */
static size_t
wire_len(const uint8_t *p, size_t max)
{
	size_t	 o = 0;

	while (o < max && p[o] != 0)
		o += 1 + p[o];
	return o < max ? o + 1 : 0;
}

static int
grow_array(void **v, uint32_t *cap, uint32_t need, size_t size)
{
	uint64_t	 ncap;
	void		*nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? (uint64_t)*cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	if (ncap > REV)
		return -1;
	if ((nv = realloc(*v, ncap * size)) == NULL)
		return -1;
	*v = nv;
	*cap = (uint32_t)ncap;
	return 0;
}

/* Room for n more bytes in the arena (offsets stay below 2^31). */
static int
arena_room(struct hosts *h, size_t n)
{
	size_t	 ncap;
	uint8_t	*na;

	if (h->acap - h->alen >= n)
		return 0;
	if (h->alen + n >= REV)
		return -1;
	ncap = h->acap ? h->acap * 2 : 65536;
	while (ncap - h->alen < n)
		ncap *= 2;
	if ((na = realloc(h->arena, ncap)) == NULL)
		return -1;
	h->arena = na;
	h->acap = ncap;
	return 0;
}

/*
 * Make room in a hash for one more of n indices (load at most 3/4); rehash
 * with keyfn giving each index's hash.
 */
static int
slots_room(struct slots *s, uint32_t n, const struct hosts *h,
    uint32_t (*keyfn)(const struct hosts *, uint32_t))
{
	struct slots	 ns;
	uint32_t	 i, j, k;

	if (s->cap != 0 && (uint64_t)(n + 1) * 4 <= (uint64_t)s->cap * 3)
		return 0;
	ns.cap = s->cap ? s->cap * 2 : 1024;
	if (ns.cap == 0 || ns.cap > REV)
		return -1;
	if ((ns.v = calloc(ns.cap, sizeof(uint32_t))) == NULL)
		return -1;
	for (i = 0; i < s->cap; i++) {
		if (s->v[i] == 0)
			continue;
		k = s->v[i] - 1;
		for (j = keyfn(h, k) & (ns.cap - 1); ns.v[j] != 0;
		    j = (j + 1) & (ns.cap - 1))
			;
		ns.v[j] = k + 1;
	}
	free(s->v);
	*s = ns;
	return 0;
}

/* ---- names --------------------------------------------------------------- */

/*
 * The names' hash slots hold index + 1 in the low 24 bits and 8 bits of
 * the hash above them, so a probe rarely reads a name that is not the one
 * sought (each read is a cache miss in a large table).
 */
#define SLOT_IDX(v)	(((v) & NAME_IDX_MASK) - 1)
#define SLOT_TAG(hv)	((hv) >> 24)
#define SLOT(k, hv)	(((k) + 1) | ((hv) & 0xff000000u))

static void
name_slot(struct hosts *h, uint32_t k, uint32_t hv)
{
	uint32_t	 j;

	for (j = hv & (h->nslots.cap - 1); h->nslots.v[j] != 0;
	    j = (j + 1) & (h->nslots.cap - 1))
		;
	h->nslots.v[j] = SLOT(k, hv);
}

/* Room for one more name; a larger hash is filled in name order, which
 * reads the arena from start to end. */
static int
name_room(struct hosts *h)
{
	const uint8_t	*p;
	uint32_t	 k, *nv, ncap;

	if (h->nnames + 1 >= NAME_IDX_MASK)
		return -1;
	if (h->nslots.cap != 0 &&
	    (uint64_t)(h->nnames + 1) * 4 <= (uint64_t)h->nslots.cap * 3)
		return 0;
	ncap = h->nslots.cap ? h->nslots.cap * 2 : 1024;
	if ((nv = calloc(ncap, sizeof(uint32_t))) == NULL)
		return -1;
	free(h->nslots.v);
	h->nslots.v = nv;
	h->nslots.cap = ncap;
	for (k = 0; k < h->nnames; k++) {
		p = h->arena + h->names[k].name;
		name_slot(h, k, hash_bytes(p, wire_len(p, h->alen -
		    h->names[k].name)));
	}
	return 0;
}

static uint32_t
name_find_hash(const struct hosts *h, const uint8_t *wire, size_t len,
    uint32_t hv)
{
	uint32_t	 j, k, v;
	size_t		 off;

	if (h == NULL || h->nslots.cap == 0)
		return NONE;
	for (j = hv & (h->nslots.cap - 1); (v = h->nslots.v[j]) != 0;
	    j = (j + 1) & (h->nslots.cap - 1)) {
		if (SLOT_TAG(v) != SLOT_TAG(hv))
			continue;
		k = SLOT_IDX(v);
		off = h->names[k].name;
		/* Wire names are prefix-free: equal bytes up to the root
		 * label mean the same name. */
		if (off + len <= h->alen &&
		    memcmp(h->arena + off, wire, len) == 0)
			return k;
	}
	return NONE;
}

static uint32_t
name_find(const struct hosts *h, const uint8_t *wire, size_t len)
{
	return name_find_hash(h, wire, len, hash_bytes(wire, len));
}

static uint32_t
name_add(struct hosts *h, const uint8_t *wire, size_t len)
{
	uint32_t	 k, hv = hash_bytes(wire, len);

	if ((k = name_find_hash(h, wire, len, hv)) != NONE)
		return k;
	if (name_room(h) == -1 || grow_array((void **)&h->names,
	    &h->namecap, h->nnames + 1, sizeof(*h->names)) == -1 ||
	    arena_room(h, len) == -1)
		return NONE;
	k = h->nnames++;
	h->names[k].name = (uint32_t)h->alen;
	h->names[k].rec = NONE;
	memcpy(h->arena + h->alen, wire, len);
	h->alen += len;
	name_slot(h, k, hv);
	return k;
}

int
hosts_name_wire(const char *text, size_t len, uint8_t *wire, size_t *wlen)
{
	size_t	 i, o = 1, lab = 0;
	uint8_t	 c;

	if (len > 0 && text[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_MAXNAME - 2)
		return -1;
	for (i = 0; i < len; i++) {
		c = (uint8_t)text[i];
		if (c == '.') {
			if (o - lab - 1 == 0)
				return -1;		/* empty label */
			wire[lab] = (uint8_t)(o - lab - 1);
			lab = o++;
			continue;
		}
		if (c < ' ' || c >= 0x7f)	/* a space: DNS-SD instance names */
			return -1;
		if (o - lab - 1 >= DNS_MAXLABEL)
			return -1;
		wire[o++] = lower(c);
	}
	if (o - lab - 1 == 0)
		return -1;
	wire[lab] = (uint8_t)(o - lab - 1);
	wire[o++] = 0;
	*wlen = o;
	return 0;
}

/* ---- IPv6 addresses and the reverse map ---------------------------------- */

static uint32_t
v6_key(const struct hosts *h, uint32_t i)
{
	return hash_bytes(h->v6[i], 16);
}

static uint32_t
v6_find(const struct hosts *h, const uint8_t *a)
{
	uint32_t	 j;

	if (h->v6slots.cap == 0)
		return NONE;
	for (j = hash_bytes(a, 16) & (h->v6slots.cap - 1);
	    h->v6slots.v[j] != 0; j = (j + 1) & (h->v6slots.cap - 1))
		if (memcmp(h->v6[h->v6slots.v[j] - 1], a, 16) == 0)
			return h->v6slots.v[j] - 1;
	return NONE;
}

static uint32_t
v6_add(struct hosts *h, const uint8_t *a)
{
	uint32_t	 k, j;

	if ((k = v6_find(h, a)) != NONE)
		return k;
	if (slots_room(&h->v6slots, h->nv6, h, v6_key) == -1 ||
	    grow_array((void **)&h->v6, &h->v6cap, h->nv6 + 1,
	    sizeof(*h->v6)) == -1)
		return NONE;
	k = h->nv6++;
	memcpy(h->v6[k], a, 16);
	for (j = hash_bytes(a, 16) & (h->v6slots.cap - 1);
	    h->v6slots.v[j] != 0; j = (j + 1) & (h->v6slots.cap - 1))
		;
	h->v6slots.v[j] = k + 1;
	return k;
}

/* An address record's key in the reverse map: type and data. */
static uint64_t
addr_key(uint16_t type, uint32_t data)
{
	return ((uint64_t)type << 32) | data;
}

static uint32_t
rev_key(const struct hosts *h, uint32_t i)
{
	const struct hosts_rec	*r = &h->recs[h->revs[i].rec];

	return hash_u64(addr_key(r->type, r->data));
}

static uint32_t
rev_find(const struct hosts *h, uint16_t type, uint32_t data)
{
	const struct hosts_rec	*r;
	uint32_t		 j;

	if (h->rslots.cap == 0)
		return NONE;
	for (j = hash_u64(addr_key(type, data)) & (h->rslots.cap - 1);
	    h->rslots.v[j] != 0; j = (j + 1) & (h->rslots.cap - 1)) {
		r = &h->recs[h->revs[h->rslots.v[j] - 1].rec];
		if (r->type == type && r->data == data)
			return h->rslots.v[j] - 1;
	}
	return NONE;
}

static int
rev_add(struct hosts *h, uint32_t name, uint32_t rec)
{
	const struct hosts_rec	*r = &h->recs[rec];
	uint32_t		 k, j;

	if (rev_find(h, r->type, r->data) != NONE)
		return 0;		/* the first name keeps it */
	if (slots_room(&h->rslots, h->nrevs, h, rev_key) == -1 ||
	    grow_array((void **)&h->revs, &h->revcap, h->nrevs + 1,
	    sizeof(*h->revs)) == -1)
		return -1;
	k = h->nrevs++;
	h->revs[k].name = REV | name;
	h->revs[k].rec = rec;
	for (j = hash_u64(addr_key(r->type, r->data)) & (h->rslots.cap - 1);
	    h->rslots.v[j] != 0; j = (j + 1) & (h->rslots.cap - 1))
		;
	h->rslots.v[j] = k + 1;
	return 0;
}

/* ---- records ------------------------------------------------------------- */

static int
ttl_index(struct hosts *h, uint32_t ttl, uint16_t *idx)
{
	uint32_t	 i;

	*idx = 0;
	if (ttl == 0)
		return 0;
	for (i = 1; i < h->nttls; i++)
		if (h->ttls[i] == ttl) {
			*idx = (uint16_t)i;
			return 0;
		}
	if (h->nttls == 0)
		h->nttls = 1;
	if (h->nttls >= HOSTS_MAX_TTLS)
		return -1;
	h->ttls[h->nttls] = ttl;
	*idx = (uint16_t)h->nttls++;
	return 0;
}

static int
blob_equal(const struct hosts *h, uint32_t off, const uint8_t *rd, size_t n)
{
	return get16(h->arena + off) == n &&
	    memcmp(h->arena + off + 2, rd, n) == 0;
}

/*
 * Add a record to name k unless the same is there.  rd: the RDATA of a
 * blob type (data ignored).  *rec: the new record, or NONE for a
 * duplicate.  0 or -1 with *why.
 */
static int
rec_add(struct hosts *h, uint32_t k, uint16_t type, uint32_t data,
    const uint8_t *rd, size_t rdlen, uint32_t ttl, uint32_t *recp,
    const char **why)
{
	struct hosts_rec	*r;
	uint32_t		 i, last = NONE, n = 0;
	uint16_t		 ttlidx;

	*recp = NONE;
	for (i = h->names[k].rec; i != NONE; i = h->recs[i].next) {
		r = &h->recs[i];
		if (r->type == type && (rd == NULL ? r->data == data :
		    blob_equal(h, r->data, rd, rdlen)))
			return 0;
		last = i;
		n++;
	}
	if (n >= HOSTS_MAX_PER_NAME) {
		*why = why_per_name;
		return -1;
	}
	if (h->nrecs >= h->lim.max_entries) {
		*why = "too many records";
		return -1;
	}
	if (ttl_index(h, ttl, &ttlidx) == -1) {
		*why = "too many different TTLs";
		return -1;
	}
	if (rd != NULL) {
		if (rdlen > UINT16_MAX || arena_room(h, 2 + rdlen) == -1) {
			*why = "out of memory";
			return -1;
		}
		data = (uint32_t)h->alen;
		put16(h->arena + h->alen, (uint16_t)rdlen);
		memcpy(h->arena + h->alen + 2, rd, rdlen);
		h->alen += 2 + rdlen;
	}
	if (grow_array((void **)&h->recs, &h->reccap, h->nrecs + 1,
	    sizeof(*h->recs)) == -1) {
		*why = "out of memory";
		return -1;
	}
	i = h->nrecs++;
	r = &h->recs[i];
	r->next = NONE;
	r->data = data;
	r->type = type;
	r->ttl = ttlidx;
	if (last == NONE)
		h->names[k].rec = i;
	else
		h->recs[last].next = i;	/* file order kept */
	*recp = i;
	return 0;
}

static int
add_addr_wire(struct hosts *h, const uint8_t *wire, size_t wlen, int family,
    const uint8_t *addr, uint32_t ttl, int ptr, const char **why)
{
	uint32_t	 k, data, rec;
	uint16_t	 type;

	if ((k = name_add(h, wire, wlen)) == NONE) {
		*why = "out of memory";
		return -1;
	}
	if (family == AF_INET) {
		type = DNS_TYPE_A;
		memcpy(&data, addr, 4);
	} else {
		type = DNS_TYPE_AAAA;
		if ((data = v6_add(h, addr)) == NONE) {
			*why = "out of memory";
			return -1;
		}
	}
	if (rec_add(h, k, type, data, NULL, 0, ttl, &rec, why) == -1)
		return -1;
	if (ptr && rec != NONE && rev_add(h, k, rec) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

int
hosts_add_addr(struct hosts *h, const char *name, int family,
    const void *addr, uint32_t ttl, int ptr, const char **why)
{
	uint8_t	 wire[DNS_MAXNAME];
	size_t	 wlen;

	if (hosts_name_wire(name, strlen(name), wire, &wlen) == -1) {
		*why = "bad name";
		return -1;
	}
	if (family != AF_INET && family != AF_INET6) {
		*why = "bad address";
		return -1;
	}
	return add_addr_wire(h, wire, wlen, family, addr, ttl, ptr, why);
}

int
hosts_add_rdata(struct hosts *h, const char *name, uint16_t type,
    const uint8_t *rdata, size_t rdlen, uint32_t ttl, const char **why)
{
	uint8_t		 wire[DNS_MAXNAME];
	size_t		 wlen;
	uint32_t	 k, rec;

	if (hosts_name_wire(name, strlen(name), wire, &wlen) == -1) {
		*why = "bad name";
		return -1;
	}
	if ((k = name_add(h, wire, wlen)) == NONE) {
		*why = "out of memory";
		return -1;
	}
	return rec_add(h, k, type, 0, rdata, rdlen, ttl, &rec, why);
}

/* ---- the table ----------------------------------------------------------- */

struct hosts *
hosts_new(const char *domain)
{
	struct hosts	*h;
	size_t		 wlen;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->lim.max_line = HOSTS_MAX_LINE;
	h->lim.max_file = HOSTS_MAX_FILE;
	h->lim.max_entries = HOSTS_MAX_ENTRIES;
	h->nttls = 1;
	if (domain != NULL && *domain != '\0') {
		if (hosts_name_wire(domain, strlen(domain), h->domain,
		    &wlen) == -1) {
			free(h);
			return NULL;
		}
		h->domainlen = wlen;
	}
	return h;
}

void
hosts_set_limits(struct hosts *h, const struct hosts_limits *lim)
{
	h->lim = *lim;
	if (h->lim.max_line < 16)
		h->lim.max_line = 16;
}

void
hosts_free(struct hosts *h)
{
	if (h == NULL)
		return;
	free(h->arena);
	free(h->names);
	free(h->nslots.v);
	free(h->recs);
	free(h->v6);
	free(h->v6slots.v);
	free(h->revs);
	free(h->rslots.v);
	free(h);
}

static void
shrink(void **v, size_t n, size_t size, uint32_t *cap32, size_t *capsz)
{
	void	*nv;

	if (n == 0 || (nv = realloc(*v, n * size)) == NULL)
		return;
	*v = nv;
	if (cap32 != NULL)
		*cap32 = (uint32_t)n;
	else
		*capsz = n;
}

void
hosts_shrink(struct hosts *h)
{
	if (h == NULL)
		return;
	shrink((void **)&h->arena, h->alen, 1, NULL, &h->acap);
	shrink((void **)&h->names, h->nnames, sizeof(*h->names), &h->namecap,
	    NULL);
	shrink((void **)&h->recs, h->nrecs, sizeof(*h->recs), &h->reccap,
	    NULL);
	shrink((void **)&h->v6, h->nv6, sizeof(*h->v6), &h->v6cap, NULL);
	shrink((void **)&h->revs, h->nrevs, sizeof(*h->revs), &h->revcap,
	    NULL);
}

size_t
hosts_names(const struct hosts *h)
{
	return h == NULL ? 0 : h->nnames;
}

size_t
hosts_records(const struct hosts *h)
{
	return h == NULL ? 0 : h->nrecs;
}

size_t
hosts_memory(const struct hosts *h)
{
	if (h == NULL)
		return 0;
	return sizeof(*h) + h->acap + (size_t)h->namecap * sizeof(*h->names) +
	    (size_t)h->reccap * sizeof(*h->recs) + (size_t)h->v6cap * 16 +
	    (size_t)h->revcap * sizeof(*h->revs) + ((size_t)h->nslots.cap +
	    h->v6slots.cap + h->rslots.cap) * sizeof(uint32_t);
}

/* ---- hosts files --------------------------------------------------------- */

static void
bad_line(struct reader *rd, const char *what)
{
	if (++rd->bad <= HOSTS_LOG_BAD)
		log_warnx("%s at %s line %lu", what, rd->file, rd->line);
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int
parse_addr(struct reader *rd, const char *s, size_t n)
{
	char	 text[INET6_ADDRSTRLEN + 1];

	if (n == rd->lastlen && rd->lastfam != 0 && memcmp(s, rd->last,
	    n) == 0)
		return 0;
	rd->lastfam = 0;
	if (n >= sizeof(text))
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, rd->lastaddr) == 1)
		rd->lastfam = AF_INET;
	else if (inet_pton(AF_INET6, text, rd->lastaddr) == 1)
		rd->lastfam = AF_INET6;
	else
		return -1;
	memcpy(rd->last, text, n + 1);
	rd->lastlen = n;
	return 0;
}

static void
parse_line(struct hosts *h, struct reader *rd, const char *s, size_t len)
{
	const char	*end, *tok, *hash;
	uint8_t		 wire[DNS_MAXNAME];
	size_t		 wlen, n;
	int		 first = 1, plain;
	const char	*why;

	if ((hash = memchr(s, '#', len)) != NULL)
		len = (size_t)(hash - s);
	end = s + len;
	while (s < end && blank(*s))
		s++;
	if (s == end)
		return;
	if (memchr(s, '\0', (size_t)(end - s)) != NULL) {
		bad_line(rd, "bad line");
		return;
	}
	for (tok = s; s < end && !blank(*s); s++)
		;
	if (parse_addr(rd, tok, (size_t)(s - tok)) == -1) {
		bad_line(rd, "bad address");
		return;
	}
	while (s < end) {
		while (s < end && blank(*s))
			s++;
		if (s == end)
			break;
		for (tok = s; s < end && !blank(*s); s++)
			;
		n = (size_t)(s - tok);
		if (hosts_name_wire(tok, n, wire, &wlen) == -1) {
			bad_line(rd, "bad name");
			continue;
		}
		/* A plain name: one label (wire: length byte, label, root). */
		plain = wlen == (size_t)wire[0] + 2;
		if (plain && h->domainlen > 0 &&
		    wlen - 1 + h->domainlen <= DNS_MAXNAME) {
			uint8_t	 longw[DNS_MAXNAME];

			memcpy(longw, wire, wlen - 1);
			memcpy(longw + wlen - 1, h->domain, h->domainlen);
			if (add_addr_wire(h, longw, wlen - 1 + h->domainlen,
			    rd->lastfam, rd->lastaddr, 0, first, &why) == -1 &&
			    why != why_per_name)
				goto full;
			first = 0;
		}
		if (add_addr_wire(h, wire, wlen, rd->lastfam, rd->lastaddr, 0,
		    first, &why) == -1) {
			if (why != why_per_name)
				goto full;
			bad_line(rd, why);	/* that record only */
		}
		first = 0;
		rd->added++;
	}
	return;
full:
	if (!h->full_logged) {
		h->full_logged = 1;
		log_warnx("%s line %lu: %s: the rest is not read", rd->file,
		    rd->line, why);
	}
}

/*
 * Feed the lines of a file (fd >= 0) or of a buffer to parse_line, each
 * at most max_line bytes (a longer one is skipped and logged), at most
 * max_file bytes in all.
 */
static int
read_lines(struct hosts *h, struct reader *rd, int fd, const char *mem,
    size_t memlen)
{
	char		*buf = NULL;
	const char	*p, *nl, *data;
	size_t		 have = 0, total = 0, cap, rest;
	ssize_t		 r;
	int		 skipping = 0, eof = 0, cut = 0;

	cap = READ_CHUNK + h->lim.max_line + 1;
	if (fd >= 0 && (buf = malloc(cap)) == NULL)
		return -1;
	while (!eof && !h->full_logged) {
		if (fd >= 0) {
			r = read(fd, buf + have, cap - have);
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1) {
				log_warn("%s", rd->file);
				break;
			}
			if (r == 0)
				eof = 1;
			data = buf;
		} else {
			r = (ssize_t)memlen;
			eof = 1;
			data = mem;
			have = 0;
		}
		if ((size_t)r > h->lim.max_file - total) {
			log_warnx("%s: longer than %zu bytes, the rest is "
			    "not read", rd->file, h->lim.max_file);
			r = (ssize_t)(h->lim.max_file - total);
			eof = cut = 1;
		}
		total += (size_t)r;
		have += (size_t)r;
		p = data;
		while ((nl = memchr(p, '\n', (size_t)(data + have - p))) !=
		    NULL) {
			rd->line++;
			if (skipping || (size_t)(nl - p) > h->lim.max_line) {
				skipping = 0;
				bad_line(rd, "line too long");
			} else
				parse_line(h, rd, p, (size_t)(nl - p));
			p = nl + 1;
			if (h->full_logged)
				break;
		}
		rest = (size_t)(data + have - p);
		if (eof) {
			if (rest > 0 && !h->full_logged && !cut) {
				rd->line++;
				if (skipping || rest > h->lim.max_line)
					bad_line(rd, "line too long");
				else
					parse_line(h, rd, p, rest);
			}
			break;
		}
		if (rest > h->lim.max_line) {
			skipping = 1;
			rest = 0;
		}
		memmove(buf, p, rest);
		have = rest;
	}
	free(buf);
	if (rd->bad > HOSTS_LOG_BAD)
		log_warnx("%s: %lu bad lines in all", rd->file, rd->bad);
	log_info("read %s - %zu names", rd->file, rd->added);
	return 0;
}

int
hosts_read_buffer(struct hosts *h, const char *name, const char *buf,
    size_t len)
{
	struct reader	 rd;

	memset(&rd, 0, sizeof(rd));
	rd.file = name;
	return read_lines(h, &rd, -1, buf, len);
}

int
hosts_read_file(struct hosts *h, const char *path)
{
	struct reader	 rd;
	struct stat	 st;
	int		 fd, r, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		saved = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		errno = saved;
		return -1;
	}
	memset(&rd, 0, sizeof(rd));
	rd.file = path;
	r = read_lines(h, &rd, fd, NULL, 0);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
hosts_read_dir(struct hosts *h, const char *path)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **nn, full[4096];
	size_t		 n = 0, cap = 0, i, len;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len == 0 ||
		    de->d_name[len - 1] == '~')
			continue;
		if (n == HOSTS_MAX_DIR_FILES) {
			log_warnx("%s: more than %d files, the rest are not "
			    "read", path, HOSTS_MAX_DIR_FILES);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nn = realloc(names, cap * sizeof(*names))) ==
			    NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path,
		    names[i]) < sizeof(full) &&
		    hosts_read_file(h, full) == -1 && errno != EINVAL &&
		    errno != EISDIR)
			log_warn("%s", full);
		free(names[i]);
	}
	free(names);
	return 0;
}

int
hosts_read_path(struct hosts *h, const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return hosts_read_dir(h, path);
	return hosts_read_file(h, path);
}

/* ---- lookups ------------------------------------------------------------- */

static int
has_type(const struct hosts *h, uint32_t k, uint16_t type)
{
	uint32_t	 i;

	for (i = h->names[k].rec; i != NONE; i = h->recs[i].next)
		if (h->recs[i].type == type || type == DNS_TYPE_ANY)
			return 1;
	return 0;
}

static int
decimal(const uint8_t *lab, unsigned *v)
{
	unsigned	 i, n = lab[0];

	if (n == 0 || n > 3)
		return -1;
	*v = 0;
	for (i = 1; i <= n; i++) {
		if (lab[i] < '0' || lab[i] > '9')
			return -1;
		*v = *v * 10 + (lab[i] - '0');
	}
	return *v <= 255 ? 0 : -1;
}

static int
nibble(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The reverse entry for a reverse name (lower case), or NONE. */
static uint32_t
rev_lookup(const struct hosts *h, const uint8_t *name, size_t len)
{
	static const uint8_t	 in4[] = "\007in-addr\004arpa";
	static const uint8_t	 in6[] = "\003ip6\004arpa";
	uint8_t			 a[16];
	uint32_t		 data, k;
	size_t			 o = 0;
	unsigned		 v, i;
	int			 x;

	if (h == NULL || h->nrevs == 0)
		return NONE;
	if (len > sizeof(in4) && memcmp(name + len - sizeof(in4), in4,
	    sizeof(in4)) == 0) {
		for (i = 0; i < 4; i++) {
			if (o >= len - sizeof(in4) || decimal(name + o, &v))
				return NONE;
			a[3 - i] = (uint8_t)v;
			o += 1 + name[o];
		}
		if (o != len - sizeof(in4))
			return NONE;
		memcpy(&data, a, 4);
		return rev_find(h, DNS_TYPE_A, data);
	}
	if (len == 64 + sizeof(in6) && memcmp(name + 64, in6,
	    sizeof(in6)) == 0) {
		memset(a, 0, sizeof(a));
		for (i = 0; i < 32; i++) {
			if (name[2 * i] != 1 || (x = nibble(name[2 * i +
			    1])) < 0)
				return NONE;
			a[15 - i / 2] |= (uint8_t)(i % 2 ? x << 4 : x);
		}
		if ((k = v6_find(h, a)) == NONE)
			return NONE;
		return rev_find(h, DNS_TYPE_AAAA, k);
	}
	return NONE;
}

const struct hosts_entry *
hosts_lookup(const struct hosts *h, const uint8_t *name, size_t len,
    uint16_t qtype)
{
	uint32_t	 k;

	if (h == NULL || len == 0 || len > DNS_MAXNAME ||
	    (h->nnames == 0 && h->nrevs == 0))
		return NULL;		/* the common case costs nothing */
	if ((k = name_find(h, name, len)) != NONE &&
	    (has_type(h, k, qtype) || has_type(h, k, DNS_TYPE_CNAME)))
		return &h->names[k];
	if (qtype == DNS_TYPE_PTR && (k = rev_lookup(h, name, len)) != NONE)
		return &h->revs[k];
	return NULL;
}

int
hosts_has_name(const struct hosts *h, const uint8_t *name, size_t len)
{
	uint32_t	 k;

	if (h == NULL || len == 0 || len > DNS_MAXNAME)
		return 0;
	if ((k = name_find(h, name, len)) != NONE && h->names[k].rec != NONE)
		return 1;
	return rev_lookup(h, name, len) != NONE;
}

/* ---- answers ------------------------------------------------------------- */

struct out {
	uint8_t		*buf;
	size_t		 bufsz;
	size_t		 off;
	unsigned	 count;
	uint16_t	 class;
	uint32_t	 local_ttl;
};

static uint32_t
rec_ttl(const struct hosts *h, const struct hosts_rec *r, uint32_t local_ttl)
{
	return r->ttl == 0 ? local_ttl : h->ttls[r->ttl];
}

/*
 * One record: owner a compression pointer to ptr (a name already in the
 * packet) or, past where pointers reach, the name itself.  Returns the
 * offset of the RDATA, or 0 if it does not fit.
 */
static size_t
put_rr(struct out *o, size_t ptr, const uint8_t *owner, size_t ownerlen,
    uint16_t type, uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	size_t	 olen = ptr <= 0x3fff ? 2 : ownerlen;
	uint8_t	*p;

	if (o->bufsz - o->off < olen + RRFIXED + rdlen)
		return 0;
	p = o->buf + o->off;
	if (ptr <= 0x3fff)
		put16(p, (uint16_t)(0xc000 | ptr));
	else
		memcpy(p, owner, ownerlen);
	p += olen;
	put16(p, type);
	put16(p + 2, o->class);
	put32(p + 4, ttl);
	put16(p + 8, (uint16_t)rdlen);
	memcpy(p + RRFIXED, rd, rdlen);
	o->off += olen + RRFIXED + rdlen;
	o->count++;
	return o->off - rdlen;
}

static const uint8_t *
rec_rdata(const struct hosts *h, const struct hosts_rec *r, size_t *len)
{
	if (r->type == DNS_TYPE_A) {
		*len = 4;
		return (const uint8_t *)&r->data;
	}
	if (r->type == DNS_TYPE_AAAA) {
		*len = 16;
		return h->v6[r->data];
	}
	*len = get16(h->arena + r->data);
	return h->arena + r->data + 2;
}

/* The records of name k of type (ANY: all); 0, or -1 if they do not fit. */
static int
put_records(const struct hosts *h, struct out *o, uint32_t k, uint16_t type,
    size_t ptr, const uint8_t *owner, size_t ownerlen, hosts_local_fn local,
    void *arg)
{
	const struct hosts_rec	*r;
	const uint8_t		*rd;
	size_t			 rdlen;
	uint32_t		 i;
	int			 only_local = 0;

	if (local != NULL && type == DNS_TYPE_A)
		for (i = h->names[k].rec; i != NONE; i = h->recs[i].next)
			if (h->recs[i].type == DNS_TYPE_A &&
			    local((const uint8_t *)&h->recs[i].data, arg)) {
				only_local = 1;
				break;
			}
	for (i = h->names[k].rec; i != NONE; i = h->recs[i].next) {
		r = &h->recs[i];
		if (r->type != type && type != DNS_TYPE_ANY)
			continue;
		if (only_local && !local((const uint8_t *)&r->data, arg))
			continue;
		rd = rec_rdata(h, r, &rdlen);
		if (put_rr(o, ptr, owner, ownerlen, r->type,
		    rec_ttl(h, r, o->local_ttl), rd, rdlen) == 0)
			return -1;
	}
	return 0;
}

size_t
hosts_answer(const struct hosts *h, const struct hosts_entry *e,
    const struct query *q, uint32_t local_ttl, hosts_local_fn local,
    void *arg, uint8_t *buf, size_t bufsz)
{
	struct out		 o;
	const struct hosts_rec	*r;
	const uint8_t		*owner, *target;
	uint8_t			 opt[64];
	size_t			 n, qend, tail, ptr, ownerlen, tlen, at;
	uint32_t		 k, i, hop;

	if (h == NULL || e == NULL)
		return 0;
	if ((n = msg_reply_rcode(q, DNS_RCODE_NOERROR, -1, buf, bufsz)) == 0)
		return 0;
	qend = DNS_HDRLEN + q->qname_len + 4;
	if (n < qend || (tail = n - qend) > sizeof(opt))
		return 0;
	memcpy(opt, buf + qend, tail);
	o.buf = buf;
	o.bufsz = bufsz - tail;
	o.off = qend;
	o.count = 0;
	o.class = DNS_CLASS_IN;
	o.local_ttl = local_ttl;
	ptr = DNS_HDRLEN;
	owner = q->qname;
	ownerlen = q->qname_len;

	if (e->name & REV) {
		k = e->name & ~REV;
		r = &h->recs[e->rec];
		target = h->arena + h->names[k].name;
		tlen = wire_len(target, h->alen - h->names[k].name);
		if (put_rr(&o, ptr, owner, ownerlen, DNS_TYPE_PTR,
		    rec_ttl(h, r, local_ttl), target, tlen) == 0)
			return 0;
		goto done;
	}
	k = (uint32_t)(e - h->names);
	for (hop = 0; hop <= HOSTS_MAX_CHAIN; hop++) {
		if (has_type(h, k, q->qtype)) {
			if (put_records(h, &o, k, q->qtype, ptr, owner,
			    ownerlen, local, arg) == -1)
				return 0;
			break;
		}
		/* A CNAME (one per name: the first) and where it leads. */
		for (i = h->names[k].rec; i != NONE; i = h->recs[i].next)
			if (h->recs[i].type == DNS_TYPE_CNAME)
				break;
		if (i == NONE || hop == HOSTS_MAX_CHAIN)
			break;
		r = &h->recs[i];
		target = rec_rdata(h, r, &tlen);
		if ((at = put_rr(&o, ptr, owner, ownerlen, DNS_TYPE_CNAME,
		    rec_ttl(h, r, local_ttl), target, tlen)) == 0)
			return 0;
		ptr = at;
		owner = target;
		ownerlen = tlen;
		if ((k = name_find(h, target, tlen)) == NONE)
			break;
	}
done:
	memcpy(buf + o.off, opt, tail);
	put16(buf + 6, (uint16_t)o.count);
	return o.off + tail;
}
