/*
 * hosts.h: hosts files and local records: exact-name local data.
 *
 * One table per load: names (lower-cased wire form) with their A, AAAA,
 * CNAME, TXT, PTR, SRV and MX records, and a reverse map from address to
 * the one name that answers PTR for it.  Built by the configuration
 * (host-record=, cname=, ... as the keys are read, then /etc/hosts,
 * addn-hosts= and hostsdir= files), then immutable: lookups are a hash
 * probe whose cost does not depend on the number of names.
 *
 * Meaning as dnsmasq 2.90's (see hosts.c for the rules and where briskdns
 * differs).  A pure module: no sockets; it reads the files it is told to
 * read and logs their bad lines (log_warnx), which are skipped.
 *
 * Memory: names live in one arena, the hash holds 32-bit indices, IPv4
 * addresses are stored in the record itself and IPv6 addresses interned,
 * so an entry of a large blocklist ("0.0.0.0 name") costs the name's wire
 * length plus about 28 bytes.
 */
#ifndef BRISKDNS_HOSTS_H
#define BRISKDNS_HOSTS_H

#include <stddef.h>
#include <stdint.h>

struct query;
struct hosts;
struct hosts_entry;

/* Bounds on what one table reads; hosts_set_limits() changes them. */
#define HOSTS_MAX_LINE		4096		/* bytes in a line */
#define HOSTS_MAX_FILE		(1024UL * 1024 * 1024) /* bytes of a file */
#define HOSTS_MAX_ENTRIES	(16UL * 1024 * 1024) /* records, a table */
#define HOSTS_MAX_PER_NAME	1024		/* records of one name */
#define HOSTS_MAX_DIR_FILES	4096		/* files of a directory */
#define HOSTS_MAX_CHAIN		16		/* CNAMEs in an answer */
#define HOSTS_MAX_TTLS		1024		/* distinct explicit TTLs */
#define HOSTS_LOG_BAD		5		/* bad lines logged per file */

struct hosts_limits {
	size_t	max_line;
	size_t	max_file;
	size_t	max_entries;
};

/*
 * A new empty table.  domain: the domain= of expand-hosts (text, NULL or
 * "" for none): a name without a dot read from a hosts file is added
 * both as it is and with ".domain" appended, and the long form is the
 * one that answers PTR.  NULL if out of memory.
 */
struct hosts	*hosts_new(const char *expand_domain);
void		 hosts_free(struct hosts *);
void		 hosts_set_limits(struct hosts *, const struct hosts_limits *);

/*
 * Hosts files.  A bad line is logged and skipped, as dnsmasq does; a
 * file that cannot be read is -1 (errno set).  Logs "read PATH - N
 * names" as dnsmasq.  A directory: every regular file in it, in
 * alphabetical order (files whose names start with '.' or end in '~'
 * skipped).  The buffer form reads text already in memory.
 */
int	hosts_read_file(struct hosts *, const char *path);
int	hosts_read_dir(struct hosts *, const char *path);
int	hosts_read_path(struct hosts *, const char *path); /* file or dir */
int	hosts_read_buffer(struct hosts *, const char *name, const char *buf,
	    size_t len);

/*
 * Records from configuration keys.  Names are text ("a.example",
 * trailing dot allowed), ttl 0 means local-ttl (passed at answer time),
 * which is how every hosts-file record is stored.  Each returns 0, or -1
 * with *why set to a short reason (bad name, table full, out of memory).
 *
 * hosts_add_addr: an A (family AF_INET, addr 4 bytes) or AAAA (AF_INET6,
 *   16 bytes) record; ptr: also the PTR of that address, unless one is
 *   there already.
 * hosts_add_rdata: a record of another type with its RDATA as it goes
 *   on the wire (names in it uncompressed).
 */
int	hosts_add_addr(struct hosts *, const char *name, int family,
	    const void *addr, uint32_t ttl, int ptr, const char **why);
int	hosts_add_rdata(struct hosts *, const char *name, uint16_t type,
	    const uint8_t *rdata, size_t rdlen, uint32_t ttl,
	    const char **why);

/* Text to lower-cased wire form, hosts files' rules: 0 or -1. */
int	hosts_name_wire(const char *text, size_t len, uint8_t *wire,
	    size_t *wlen);

/* Give back the room kept for growth, once everything is read. */
void	hosts_shrink(struct hosts *);

/* Counts: distinct names, records, bytes held (capacity). */
size_t	hosts_names(const struct hosts *);
size_t	hosts_records(const struct hosts *);
size_t	hosts_memory(const struct hosts *);

/*
 * Whether the table answers the query name (wire, lower case) of type
 * qtype: it has records of that type, or a CNAME (any type is answered
 * with the CNAME and what follows it here), or qtype is ANY and it has
 * records, or it is a reverse name (in-addr.arpa, ip6.arpa) of an
 * address in the table and qtype is PTR.  NULL otherwise: a name with
 * only A records does not answer AAAA (the query goes on as if the table
 * had no such name: dnsmasq forwards it).
 */
const struct hosts_entry *hosts_lookup(const struct hosts *,
	    const uint8_t *name, size_t len, uint16_t qtype);

/*
 * Whether the name (wire, lower case) has any record here, or is the
 * reverse name of an address here: dnsmasq's "found in /etc/hosts" (for
 * bogus-priv, domain-needed).  1 or 0; a NULL table has nothing.
 */
int	hosts_has_name(const struct hosts *, const uint8_t *name, size_t len);

/*
 * localise-queries: given an IPv4 address (4 bytes, network order),
 * whether it is on the subnet of the interface the query came in on.
 */
typedef int (*hosts_local_fn)(const uint8_t *addr4, void *arg);

/*
 * The answer to q from entry e (hosts_lookup's): NOERROR, RA set, AA
 * clear, ID, RD, CD and the question in the client's case echoed, EDNS
 * (an OPT) when q had it; the records of e (a CNAME chain followed within
 * the table, at most HOSTS_MAX_CHAIN links), TTL the record's own or
 * local_ttl.  local: NULL, or with several A records at least one of
 * which it says is local, only those are given (localise-queries).
 * Returns the length, or 0 if buf is too small.
 */
size_t	hosts_answer(const struct hosts *, const struct hosts_entry *e,
	    const struct query *q, uint32_t local_ttl, hosts_local_fn local,
	    void *arg, uint8_t *buf, size_t bufsz);

#endif
