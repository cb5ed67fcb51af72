/*
 * query.h: the one path every query takes, whichever door it came in by:
 * parse (msg) -> policy -> answer locally, or forward (upstream) -> reply.
 */
#ifndef BRISKDNS_QUERY_H
#define BRISKDNS_QUERY_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct event_base;
struct query_client;

/*
 * A door's reply function: answer the query that came from c (len 0: no
 * answer, the query is dropped).  buf is valid during the call only.
 */
typedef void	(*query_reply_fn)(const struct query_client *c,
		    const uint8_t *buf, size_t len);

#define QUERY_COOKIE_SIZE	16

/*
 * Who asked, as the door hands it to the path: its reply function, and a
 * cookie the path never reads (the door's socket or connection), copied
 * by value into every request in flight.  The path includes no door's
 * header.
 */
struct query_client {
	query_reply_fn		 reply;
	int			 stream;	/* TCP: no UDP size limit */
	struct sockaddr_storage	 peer;		/* for logs */
	socklen_t		 peerlen;
	uint32_t		 log_serial;	/* log-queries=extra; 0: none */
	uint64_t		 log_t0;	/* log-queries=extra: arrival, ms */
	/*
	 * The interface that holds the address the query was sent to (its
	 * subnets: ifaddr_on_subnet(), localise-queries), as dnsmasq
	 * means it: a query from this host to a LAN address counts as
	 * the LAN's, not loopback's; 0: unknown (the address table is
	 * not followed, or no interface has the address).
	 */
	unsigned int		 ifindex;
	union {
		uint8_t		 bytes[QUERY_COOKIE_SIZE];
		void		*ptr;
		uint64_t	 align;
	}			 cookie;	/* the door's own */
};

void	query_init(struct event_base *);
/* The running configuration (start, SIGHUP: the cache is cleared). */
void	query_set_config(const struct config *);
/* At exit, after upstream_shutdown() has ended every transaction. */
void	query_shutdown(void);
void	query_set_global_v6(int have);	/* from route6.c */

/*
 * A query from a door.  For every call there is exactly one call of
 * c->reply, before or after query_input() returns.
 */
void	query_input(const uint8_t *pkt, size_t len,
	    const struct query_client *c);

/*
 * For the interception door: if the path answers this query from client
 * (the packet's source address, for aaaa-empty-client= and
 * aaaa-forward-client=; NULL: unknown) itself (the
 * empty AAAA answer of aaaa-mode), write the answer to buf and return its
 * length; 0 means the packet is not briskdns's to answer (anything else,
 * malformed DNS included: the bound server sees it unchanged; *malformed
 * tells that case; so are the names of domain rules, server=/d/,
 * local=, address=: the bound server answers its own names).  The same
 * parser, policy and reply builder as the stub listener.
 */
size_t	query_local_answer(const uint8_t *pkt, size_t len,
	    const struct sockaddr *client, uint8_t *buf, size_t bufsz,
	    int *malformed);

struct query_stats {
	uint64_t	 queries;
	uint64_t	 dropped;		/* no answer: QR set, no header */
	uint64_t	 formerr;
	uint64_t	 notimp;
	uint64_t	 local_empty;		/* AAAA answered empty */
	uint64_t	 local_empty_slow;	/* slow-types answered empty */
	uint64_t	 local_other;		/* local domains, RFC 6761, CHAOS */
	uint64_t	 coalesced;		/* joined one in flight */
	uint64_t	 cache_hits;
	uint64_t	 stale_served;
	uint64_t	 prefetches;
	uint64_t	 servfail;		/* no useful upstream answer */
	uint64_t	 busy;			/* SERVFAIL at a bound */
	uint64_t	 hints_stripped;	/* answers without ipv6hint */
};
extern struct query_stats query_stats;

void	query_log_stats(void);
/* The path's cache, for the statistics and the control socket (flush,
 * dump-cache); NULL when cache-size is 0.  Valid until the next
 * query_set_config(). */
struct cache;
struct cache	*query_cache(void);

#endif
