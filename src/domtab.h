/*
 * domtab.h: the domain table, every domain-keyed rule of the configuration
 * (server=/d/, local=, address=, aaaa-forward, aaaa-empty,
 * rebind-domain-ok) in one
 * suffix structure, and what it says about a query name.
 *
 * Built while the configuration is read (domtab_insert), immutable after
 * domtab_finish(); owned by struct config.  A pure module: no I/O.
 *
 * Patterns, as dnsmasq 2.90 writes them between slashes:
 *   example.com	example.com and every name below it
 *   .example.com	the same (dnsmasq's historical form)
 *   *example.com	also superexample.com (any name ending in the text);
 *			the plain form has priority where both match
 *   *.example.com	only the names below example.com
 *   ""			(//) unqualified names: one label, no dot
 *   # or .		any name (address=/#/; "." the root, as briskdns
 *			had it before), the lowest priority
 *
 * Lookup walks the suffixes of the name from the longest: its cost grows
 * with the name's length and labels, not with the number of rules.  The
 * table has no cap of its own; the configuration read bounds limit it.
 *
 * Memory: names and rules in one append-only arena of 32-bit words (a
 * rule is a 10-byte header and its text, rounded to 4 bytes), an
 * open-addressing hash of 32-bit arena offsets, and address values
 * interned so that a million address=/x/0.0.0.0 lines share one value.
 */
#ifndef BRISKDNS_DOMTAB_H
#define BRISKDNS_DOMTAB_H

#include <stddef.h>
#include <stdint.h>

/* Flags that hold for a name if any enclosing pattern has them. */
#define DOMTAB_F_AAAA_FORWARD	0x01	/* aaaa-forward= */
#define DOMTAB_F_REBIND_OK	0x02	/* rebind-domain-ok= */
#define DOMTAB_F_AAAA_EMPTY	0x80	/* aaaa-empty= */
#define DOMTAB_F_PUBLIC		(DOMTAB_F_AAAA_FORWARD | DOMTAB_F_REBIND_OK | \
				    DOMTAB_F_AAAA_EMPTY)
#define DOMTAB_F_AAAA		(DOMTAB_F_AAAA_FORWARD | DOMTAB_F_AAAA_EMPTY)

#define DOMTAB_MAXTEXT		253	/* characters of a pattern */

enum domtab_op {
	DOMTAB_LOCAL,		/* server=/d/, local=/d/, address=/d/ */
	DOMTAB_DEFAULT,		/* server=/d/#: the default servers */
	DOMTAB_SERVER,		/* server=/d/ADDR: route arg (> 0) */
	DOMTAB_ADDR4,		/* address=/d/IPv4 (4 bytes at addr) */
	DOMTAB_ADDR6,		/* address=/d/IPv6 (16 bytes at addr) */
	DOMTAB_ZEROS,		/* address=/d/#: 0.0.0.0 and :: */
	DOMTAB_FLAGS		/* arg: DOMTAB_F_* */
};

enum domtab_kind {
	DOMTAB_NONE = 0,	/* no rule: the default servers */
	DOMTAB_ADDRESS,		/* answer with addrs */
	DOMTAB_FORWARD,		/* to route (0: the default servers) */
	DOMTAB_NXDOMAIN,	/* local, no data: NXDOMAIN */
	DOMTAB_NODATA		/* local, the domain has other addresses */
};

struct domtab_match {
	enum domtab_kind	 kind;
	uint32_t		 route;		/* FORWARD: as inserted, or 0 */
	/* ADDRESS: n addresses of len bytes each (4 for A, 16 for AAAA),
	 * valid as long as the table; newest line first, as dnsmasq. */
	const uint8_t		*addrs;
	size_t			 naddrs;
	size_t			 addrlen;
};

struct domtab;

struct domtab	*domtab_new(void);
void		 domtab_free(struct domtab *);

/*
 * Add a rule: pattern (text, len bytes, as above; a trailing dot and
 * letter case do not matter), op, addr for ADDR4/ADDR6, arg the route of
 * SERVER (the first route given for a pattern stays) or the flags of
 * FLAGS.  Rules on the same pattern combine, except DOMTAB_F_AAAA_FORWARD
 * and DOMTAB_F_AAAA_EMPTY: the later one given replaces the other.  0, or -1 with errno EINVAL
 * (not a pattern; finished table) or ENOMEM.
 */
int	domtab_insert(struct domtab *, const char *pattern, size_t len,
	    enum domtab_op op, const uint8_t *addr, uint32_t arg);
/*
 * Read-only from now on; frees what only building needed.  Lookups give
 * addresses only after it.  0, or -1 (ENOMEM: the table is usable, but
 * without addresses).
 */
int	domtab_finish(struct domtab *);

/*
 * The rule for a query: name in wire form (namelen bytes with the root
 * label; letter case does not matter), qtype its type, or 0 where
 * addresses must not answer (another class).  The longest matching
 * pattern that has something for qtype decides, with dnsmasq 2.90's
 * priorities on one pattern: addresses of the query's type, then
 * 0.0.0.0/:: (#), then servers (server=/d/ADDR, then /d/#), then local
 * (NXDOMAIN, or NODATA where the pattern has addresses of another type);
 * a pattern with nothing for qtype (address=/d/1.2.3.4 and a TXT query)
 * passes to shorter ones.  Returns m->kind.
 */
enum domtab_kind domtab_lookup(const struct domtab *, const uint8_t *name,
	    size_t namelen, uint16_t qtype, struct domtab_match *m);

/* The DOMTAB_F_* flags of every pattern that matches name (wire). */
unsigned	domtab_flags(const struct domtab *, const uint8_t *name,
		    size_t namelen);

/*
 * What aaaa-forward= and aaaa-empty= say for name (wire): the longest
 * matching pattern that carries either decides (wildcards, unqualified
 * and any rank as in domtab_lookup).  Cost as domtab_flags().
 */
enum domtab_aaaa {
	DOMTAB_AAAA_NONE = 0,	/* neither: aaaa-mode decides */
	DOMTAB_AAAA_FORWARD,	/* aaaa-forward= */
	DOMTAB_AAAA_EMPTY	/* aaaa-empty= */
};
enum domtab_aaaa domtab_aaaa(const struct domtab *, const uint8_t *name,
		    size_t namelen);

/* Rules (patterns) in the table, and the bytes it holds. */
size_t		domtab_count(const struct domtab *);
size_t		domtab_bytes(const struct domtab *);

/*
 * Every pattern in the order of its text (the print-back; nothing when
 * out of memory): text (NUL-terminated:
 * "#" for any, "" for unqualified, "*x" for wildcards), its rules.
 */
struct domtab_rule {
	const char	*text;
	int		 local;		/* LOCAL given */
	int		 deflt;		/* DEFAULT given */
	uint32_t	 route;		/* 0: none */
	unsigned	 flags;		/* DOMTAB_F_* */
	int		 zeros;
	const uint8_t	*a4, *a6;	/* n4 * 4, n6 * 16 bytes */
	size_t		 n4, n6;
};
typedef void	(*domtab_walk_fn)(const struct domtab_rule *, void *);
void		domtab_walk(const struct domtab *, domtab_walk_fn, void *);

#endif
