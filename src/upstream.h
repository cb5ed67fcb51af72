/*
 * upstream.h: the servers briskdns forwards to, and the transactions with
 * them.
 *
 * One transaction (struct uquery) per forwarded client query.  It sends
 * the query to the best server of its group (by smoothed round-trip time,
 * or in configured order with strict-order; to all of them with
 * all-servers), retransmits to the next one when the retransmission
 * timer fires, retries over TCP when an answer is truncated, and ends in
 * exactly one call of its callback: a checked, useful answer (NOERROR or
 * NXDOMAIN), else an upstream's SERVFAIL, else nothing (the client gets
 * SERVFAIL), at the latest at the overall deadline (UPSTREAM_DEADLINE_MS,
 * well before glibc's 5-second retry).
 *
 * Every transmission gets a random ID and goes out on a connect()ed
 * socket from a small pool per server (random source ports chosen by the
 * kernel; the kernel drops datagrams from any other address or port),
 * each socket replaced by one on a fresh port after UPSTREAM_SOCK_USES
 * queries.  An answer whose ID or question does not match is counted and
 * dropped, and the real one is still awaited (RFC 5452).
 *
 * Servers are reference-counted: a SIGHUP or a resolv-file change builds
 * a new server list, and transmissions still in flight keep theirs alive.
 */
#ifndef BRISKDNS_UPSTREAM_H
#define BRISKDNS_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config;
struct config_domain;
struct config_server;
struct query;
struct uquery;

#define UPSTREAM_DEADLINE_MS	3500	/* then SERVFAIL: glibc retries at 5 s */
#define UPSTREAM_CACHE_WAIT_MS	30000	/* a late answer, for the cache only */
#define UPSTREAM_RTO_INIT_MS	400	/* a server never measured */
#define UPSTREAM_RTO_MIN_MS	100
#define UPSTREAM_RTO_MAX_MS	1200
#define UPSTREAM_MAX_XMIT	8	/* transmissions alive per query */
#define UPSTREAM_MAX_SERVERS	64	/* servers in one group */
#define UPSTREAM_POOL		16	/* UDP sockets per server */
#define UPSTREAM_SOCK_USES	64	/* queries per socket, then a new port */

/*
 * The result of a transaction.  ans points into a buffer that is valid
 * only during the callback; the callback may modify it in place (up to
 * len bytes).  ans is NULL when no server answered at all.
 */
typedef void (*upstream_done_cb)(void *arg, uint8_t *ans, size_t len);

int	upstream_init(struct event_base *);
void	upstream_shutdown(void);

/*
 * Replace the server list: the config's server= lines plus, when given,
 * the servers read from resolv-file.  Servers that stay keep their
 * statistics.  0 or -1 (out of memory; the old list stays).
 */
int	upstream_set_servers(const struct config *conf,
	    const struct config_server *resolv, size_t nresolv);

/*
 * Start a transaction for q (which must stay valid until the callback or
 * upstream_cancel), routed to the servers of route (NULL: the default
 * servers).  The transaction gives up after deadline_ms
 * (UPSTREAM_DEADLINE_MS when a client waits for it; up to
 * UPSTREAM_CACHE_WAIT_MS when only the cache does).  Returns NULL when no transaction can start: *busy is set
 * when dns-forward-max transactions are already in flight, clear when
 * the group has no server.
 */
struct uquery	*upstream_query(const struct query *q,
		    const struct config_domain *route, unsigned int deadline_ms,
		    upstream_done_cb cb, void *arg, int *busy);
/* End a transaction without calling its callback. */
void		 upstream_cancel(struct uquery *);

/* Transactions in flight now. */
size_t		 upstream_inflight(void);
void		 upstream_log_stats(void);

#endif
