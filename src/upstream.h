/*
 * upstream.h: the servers briskdns forwards to, and the transactions with
 * them.
 *
 * One transaction (struct uquery) per forwarded question (the in-flight
 * table, pending.c, joins identical questions onto one).  It sends
 * the query to the best server of its group (by smoothed round-trip time,
 * or in configured order with strict-order; to all of them with
 * all-servers), retransmits to the next one when the retransmission
 * timer fires, retries over TCP when an answer is truncated, and ends in
 * exactly one call of its callback: a checked, useful answer (NOERROR or
 * NXDOMAIN), else an upstream's SERVFAIL, else nothing (the client gets
 * SERVFAIL), at the latest at its deadline (UPSTREAM_DEADLINE_MS, well
 * before glibc's 5-second retry, when a client waits for it; up to
 * UPSTREAM_CACHE_WAIT_MS when only the cache or AAAA waits do).
 *
 * A server that has answered anything since a question was sent to it
 * is alive, only slow on that question: it is not sent the question
 * again (another server is tried if there is one, and the slow answer is
 * awaited until the deadline).  Only a server that has gone silent since
 * the transmission is retransmitted to, or one that answers the query's
 * type fast and has let max(UPSTREAM_LOSS_MS, 4 RTOs) pass: a lost
 * datagram.  Round-trip times are kept per
 * server and query type class (A, AAAA, other), so slow AAAA answers do
 * not slow down the retransmission of A queries.
 *
 * Every transmission gets a random ID and a socket of its own,
 * connect()ed (a fresh random source port chosen by the kernel, which
 * drops datagrams from any other address or port; RFC 5452 9.2).  When
 * the transmission ends the socket is closed, or, after an answer,
 * disconnected (its port released), emptied and kept for a later
 * transmission, whose connect() binds a fresh random port (uio.c).  An answer whose ID or question does not
 * match is counted and dropped, and the real one is still awaited.  An
 * error answer with the transmission's ID and no question (a FORMERR
 * from an old server) is the server's answer.
 *
 * TCP (after a truncated answer) reuses one connection per server for
 * several queries, pipelined (RFC 7766), closed after
 * UPSTREAM_TCP_IDLE_MS idle or UPSTREAM_TCP_MAXUSE queries.
 *
 * A server that answers FORMERR, NOTIMP or BADVERS to a query with EDNS
 * is asked again at once without EDNS and remembered as EDNS-intolerant
 * for UPSTREAM_NOEDNS_MS (unbound's infra-host-ttl).
 *
 * At dns-forward-max a new query may make room by ending the oldest
 * transaction that has waited UPSTREAM_JOSTLE_MS or longer (unbound's
 * jostle-timeout); those asked with a long deadline (a prefetch, a
 * refresh, the AAAA of deadline: or after-a) go first.
 *
 * All socket I/O and timers go through uio.h, for the replay tests.
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
#define UPSTREAM_LOSS_MS	1500	/* alive, yet this long past 4 RTOs: lost */
#define UPSTREAM_MAX_XMIT	8	/* transmissions alive per query */
#define UPSTREAM_MAX_SERVERS	64	/* servers in one group */
#define UPSTREAM_NOEDNS_MS	900000	/* EDNS-intolerant remembered 15 min */
#define UPSTREAM_JOSTLE_MS	200	/* older may make room at the bound */
#define UPSTREAM_TCP_IDLE_MS	3000	/* an idle TCP connection is closed */
#define UPSTREAM_TCP_MAXUSE	100	/* queries per TCP connection */

/*
 * The result of a transaction.  ans points into a buffer that is valid
 * only during the callback; the callback may modify it in place (up to
 * len bytes).  ans is NULL when no server answered at all.
 */
typedef void (*upstream_done_cb)(void *arg, uint8_t *ans, size_t len);

/* base NULL: a test installed its own I/O (uio_set) first. */
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

/*
 * aaaa-mode=learn: whether the server a question of qtype for route
 * goes to first (as upstream_query would pick it) is learnt slow at that
 * type (AAAA; HTTPS and SVCB).  0 under any other aaaa-mode.
 */
int		 upstream_learn_slow(const struct config_domain *route,
		    uint16_t qtype);

/* Transactions in flight now. */
size_t		 upstream_inflight(void);
/* The retransmission timeout of server i (in list order) for qtype, ms;
 * 0 if there is no such server.  Statistics and tests. */
unsigned int	 upstream_rto(size_t i, uint16_t qtype);
void		 upstream_log_stats(void);

/*
 * Diagnostics of early answers (aaaa-mode=deadline:MS, after-a[:MS],
 * and whatever else answers a client empty before the real answer,
 * e.g. slow-types= or learn): pending.c reports, per transaction, that
 * its clients were answered early and, at its end, how the real answer
 * fared; upstream attributes it to servers.  Rule: "early" and "never"
 * go to every server the question was sent to (whenever it was sent);
 * "late" and the time saved of a late answer go to the server whose
 * answer ended the transaction.  Counters live in each server, kept
 * across SIGHUP while the server stays; upstream_early_stats() reads
 * them (SIGUSR1, and a later metrics interface).
 */
enum upstream_early {
	UPSTREAM_EARLY_DEADLINE = 0,	/* deadline:MS fired */
	UPSTREAM_EARLY_AFTER_A,		/* after-a[:MS] after the A */
	UPSTREAM_EARLY_LEARN,		/* learn:MS, a server learnt slow */
	UPSTREAM_EARLY_NKINDS
};
extern const char *const upstream_early_name[UPSTREAM_EARLY_NKINDS];

/* How late a late answer was, ms after the first early answer: bucket
 * 0 below 1 ms, bucket b (1..12) from 2^(b-1) to 2^b - 1 ms, bucket 13
 * 4096 ms and more. */
#define UPSTREAM_LATE_BUCKETS	14

struct upstream_early_stats {
	/* Questions whose clients were answered early, while sent to this
	 * server, by the first such client's reason. */
	uint64_t	 early[UPSTREAM_EARLY_NKINDS];
	uint64_t	 late;		/* its real answer came after */
	uint64_t	 never;		/* no real answer came at all */
	uint64_t	 late_hist[UPSTREAM_LATE_BUCKETS];
	uint64_t	 late_sum_ms;	/* of the late answers (metrics) */
	/* Time saved for clients, ms: each client answered early is
	 * credited the wait from its early answer to the real answer,
	 * counted at most to its own client deadline
	 * (UPSTREAM_DEADLINE_MS after its query), and to that deadline
	 * when the real answer never came. */
	uint64_t	 clients_late;	/* early clients, answer late */
	uint64_t	 saved_late_ms;
	uint64_t	 clients_never;
	uint64_t	 saved_never_ms;
};

/* The transaction's first client was answered early (once per uq). */
void	upstream_note_early(struct uquery *, enum upstream_early);
/*
 * At its end (in the callback; uq is still valid there): the clients
 * answered early, and the time saved for them; came: a real (useful)
 * answer arrived, late_ms after the first early answer.
 */
void	upstream_note_early_end(struct uquery *, int came, uint64_t late_ms,
	    uint64_t clients, uint64_t saved_ms);
unsigned int	 upstream_late_bucket(uint64_t ms);
/* The bucket's name: "<1", "1-1", "2-3", ..., "2048-4095", ">=4096". */
const char	*upstream_late_bucket_name(unsigned int b, char *buf,
		    size_t len);
/* Server i's counters (in list order) and its name; NULL past the end. */
const struct upstream_early_stats *upstream_early_stats(size_t i,
		    const char **name);

/*
 * During a transaction's callback: the server whose answer ended it
 * ("ADDR#PORT"; NULL if none did) and the time since the question was
 * first sent, ms.  For log-queries.
 */
const char	*upstream_answering(unsigned int *ms);
/*
 * The server the latest question went to ("ADDR#PORT"), right after an
 * upstream_query() that returned a transaction; NULL if none yet.  For
 * log-queries' "forwarded NAME to ADDR#PORT".
 */
const char	*upstream_last_sent(void);
/*
 * Server i's (list order) name and counters as dnsmasq's servers.bind
 * gives them: questions sent, and those that failed (timeouts, errors,
 * SERVFAIL/REFUSED answers).  NULL past the end.
 */
const char	*upstream_server_counts(size_t i, unsigned long long *sent,
		    unsigned long long *failed);

/*
 * For the statistics registry (stats.c): every counter of server i (in
 * list order), copied; -1 past the end.  The latency histograms are
 * given as cumulative counts at UPSTREAM_LAT_NLE bounds, 2^(7+j)
 * microseconds (128 us .. 4.19 s; upstream_lat_le_us), exact: the
 * internal buckets (a quarter of a power of two wide) end there.
 */
#define UPSTREAM_LAT_LE_SHIFT	7
#define UPSTREAM_LAT_NLE	16
#define UPSTREAM_LEARN_NCLASS	3	/* A, AAAA, HTTPS/SVCB (learn.h) */

struct upstream_lat {
	uint64_t	 le[UPSTREAM_LAT_NLE];	/* answers within bound j */
	uint64_t	 count;
	uint64_t	 sum_us;
};

struct upstream_server_stats {
	const char	*name;		/* "ADDR#PORT"; valid until the list
					 * changes */
	int		 has_domain;
	uint64_t	 sent, answers, timeouts, slow, errors, mismatched;
	uint64_t	 truncated, notuseful, edns_fallbacks, back, tcp_conns;
	unsigned int	 srtt_ms[3];	/* A, AAAA, other; 0: not measured */
	unsigned int	 rto_ms[3];
	int		 noedns;	/* EDNS-intolerant now */
	struct upstream_lat lat[2];	/* answers to A, AAAA */
	const struct upstream_early_stats *early;
	int		 learning;	/* aaaa-mode=learn */
	int		 learn_slow[UPSTREAM_LEARN_NCLASS];
	uint64_t	 learn_switches[UPSTREAM_LEARN_NCLASS];
};

struct upstream_global {
	size_t		 inflight;
	unsigned int	 forward_max;
	uint64_t	 jostled;
	size_t		 sockets;
};

uint64_t	upstream_lat_le_us(unsigned int j);
int	upstream_server_stats(size_t i, struct upstream_server_stats *);
void	upstream_global_stats(struct upstream_global *);

#endif
