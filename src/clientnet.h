/*
 * clientnet.h: a table of client networks (IPv4 and IPv6 prefixes), each
 * with a rule, and the longest-prefix lookup of a client's address in it.
 * It holds aaaa-forward-client= and aaaa-empty-client=.
 *
 * Pure: no I/O; the table owns its memory, clientnet_free() frees it.
 * Read-only once the configuration is loaded.
 */
#ifndef BRISKDNS_CLIENTNET_H
#define BRISKDNS_CLIENTNET_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

/* Networks in one table; past it clientnet_add() fails (config error). */
#define CLIENTNET_MAX	1024

enum clientnet_rule {
	CLIENTNET_NONE = 0,	/* no network holds the address */
	CLIENTNET_FORWARD,	/* aaaa-forward-client */
	CLIENTNET_EMPTY		/* aaaa-empty-client */
};

/* ADDR/LEN: host bits cleared. */
struct clientnet_net {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* network order; 4 bytes for IPv4 */
	unsigned int	 plen;		/* 0-32 or 0-128 */
};

struct clientnet;

/*
 * "ADDR" or "ADDR/LEN", IPv4 or IPv6 (no LEN: the host, /32 or /128).
 * Host bits are cleared.  0, or -1: not an address and length.  An
 * IPv4-mapped IPv6 network (inside ::ffff:0:0/96) parses; the caller may
 * refuse it (clientnet_is_mapped).
 */
int	clientnet_parse(const char *text, struct clientnet_net *out);
/* Whether n lies inside ::ffff:0:0/96 (IPv4-mapped addresses). */
int	clientnet_is_mapped(const struct clientnet_net *n);
/* "ADDR/LEN" of n, always with its length. */
const char *clientnet_text(const struct clientnet_net *n, char *buf,
	    size_t len);

struct clientnet *clientnet_new(void);
void	clientnet_free(struct clientnet *);

/*
 * Add n with rule (CLIENTNET_FORWARD or CLIENTNET_EMPTY).  0: added, or
 * the same network was there with the same rule already; -1 with *old
 * set to the rule it has: the same network with the other rule; -1 with
 * *old CLIENTNET_NONE: CLIENTNET_MAX networks already, or out of memory
 * (errno ENOSPC or ENOMEM).  The table stays sorted: lookups work after
 * every add.
 */
int	clientnet_add(struct clientnet *, const struct clientnet_net *n,
	    enum clientnet_rule rule, enum clientnet_rule *old);

/*
 * The rule of the longest prefix that holds the address (family
 * AF_INET: 4 bytes, AF_INET6: 16 bytes).  An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, a client on a dual-stack socket) is looked up as its
 * IPv4 address.  NULL table: CLIENTNET_NONE.
 */
enum clientnet_rule clientnet_lookup(const struct clientnet *, int family,
	    const uint8_t *addr);
/* The same for a socket address (sockaddr_in or sockaddr_in6); NULL:
 * CLIENTNET_NONE. */
enum clientnet_rule clientnet_lookup_sa(const struct clientnet *,
	    const struct sockaddr *sa);

/* The networks, IPv4 first, longest prefix first, then by address. */
size_t	clientnet_count(const struct clientnet *);
void	clientnet_get(const struct clientnet *, size_t i,
	    struct clientnet_net *n, enum clientnet_rule *rule);

#endif
