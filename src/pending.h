/*
 * pending.h: the in-flight table and the clients' waits.
 *
 * One struct pending per question being asked upstream (name, type,
 * class, and the DO, RD and CD bits: what makes the upstream's answer
 * the same), which identical questions join (coalescing).  One struct
 * request per client waiting on it, with its one timer: the AAAA
 * deadline of deadline:MS or of after-a:MS (MS past the A answer), the
 * stale-answer timer of serve-stale, or the client deadline of a transaction that waits longer than a client may
 * for the cache's sake.  A pending may have no waiter at all: a refresh
 * (prefetch, the rest of an AAAA whose clients were given the empty
 * answer).
 *
 * The table knows the waits, not the answers: what a client gets when
 * its wait ends is asked of the path through struct pending_ops
 * (query.c), so this module is driven alone with a fake upstream and a
 * fake clock.  Every request ends in exactly one pending_ops call that
 * answers its client (answer, or expire returning 1).
 *
 * Bounds: pendings by dns-forward-max (upstream_query says busy),
 * requests by PENDING_MAX_WAITERS per pending and by max_requests in
 * all.
 *
 * aaaa-mode=learn reaches this module already decided per client:
 * POLICY_WAIT_LEARNT waits as DEADLINE (with learn's MS), and
 * POLICY_WAIT_LEARN, left undecided, as NONE.
 */
#ifndef BRISKDNS_PENDING_H
#define BRISKDNS_PENDING_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct event_base;
struct config_domain;
struct query;
struct query_client;

#define PENDING_BUCKETS		4096	/* power of two */
#define PENDING_MAX_WAITERS	256	/* clients on one pending */
#define PENDING_STALE_CLIENT_MS	1800	/* RFC 8767's client timer */

/* Why a client's wait ended before the transaction did. */
enum pending_expiry {
	PENDING_EXPIRE_DEADLINE,	/* deadline:MS, or learn:MS (LEARNT) */
	PENDING_EXPIRE_AFTER_A,		/* after-a[:MS]: MS after the A */
	PENDING_EXPIRE_STALE,		/* serve-stale's client timer */
	PENDING_EXPIRE_CLIENT,		/* UPSTREAM_DEADLINE_MS passed */
};

struct pending_ops {
	/* The transaction for q ended (ans NULL: no answer), before any
	 * waiter is answered: the path caches it. */
	void	(*result)(const struct query *q, uint8_t *ans, size_t len);
	/* Answer one waiting client c of query q from that result. */
	void	(*answer)(const struct query *q, const struct query_client *c,
		    enum policy_wait wait, int stale, const uint8_t *ans,
		    size_t len);
	/* A wait ended early: answer c and return 1, or return 0 to let
	 * it wait on (only PENDING_EXPIRE_STALE may: nothing stale left). */
	int	(*expire)(const struct query *q, const struct query_client *c,
		    enum policy_wait wait, enum pending_expiry why);
};

struct pending_limits {
	unsigned int	 aaaa_deadline_ms;	/* deadline:MS */
	unsigned int	 aaaa_after_a_ms;	/* after-a:MS */
	unsigned int	 aaaa_learn_ms;		/* learn:MS (POLICY_WAIT_LEARNT) */
	size_t		 max_requests;		/* clients waiting in all */
};

enum pending_status {
	PENDING_JOINED = 0,	/* waits on a question already asked */
	PENDING_STARTED,	/* waits on a question asked now */
	PENDING_FULL_WAITERS,	/* PENDING_MAX_WAITERS on that question */
	PENDING_FULL_REQUESTS,	/* max_requests clients wait already */
	PENDING_FULL_FORWARD,	/* dns-forward-max questions in flight */
	PENDING_NO_SERVER,	/* no server for the route */
	PENDING_NOMEM,
};

struct pending_stats {
	uint64_t	 started;	/* upstream transactions */
};
extern struct pending_stats pending_stats;

void	pending_init(struct event_base *, const struct pending_ops *);
void	pending_set_limits(const struct pending_limits *);

/*
 * Client c (copied) of query q waits for its answer: joins q's
 * question in flight or asks it, routed to route.  wait: the AAAA wait
 * of the policy; stale: a stale answer is cached for q.  Anything but
 * JOINED and STARTED leaves the client to the caller.
 */
enum pending_status pending_wait(const struct query *q,
		    const struct query_client *c,
		    const struct config_domain *route, enum policy_wait wait,
		    int stale);

/*
 * Ask q upstream for the cache alone (a prefetch, the real answer of an
 * AAAA answered empty), unless it is in flight.  Returns 1 if a question
 * for q is in flight now.
 */
int	pending_refresh(const struct query *q,
	    const struct config_domain *route);

/* An A answer with addresses for aq's name is known: every after-a
 * client of an AAAA (or HTTPS, SVCB: slow-types) question for that name
 * stops waiting, at once with
 * after-a (MS 0), MS milliseconds from now with after-a:MS (unless
 * the real answer comes first).  A client released already keeps its
 * time. */
void	pending_release_after_a(const struct query *aq);

/*
 * A client of q was answered empty early by the path itself (after-a
 * with the A cached, deadline:MS with a SERVFAIL cached) while q is
 * asked upstream for the cache (pending_refresh): counted as one of its
 * early clients for the diagnostics (upstream_note_early).  Nothing if
 * q is not in flight.  wait: the client's (LEARNT counts under learn).
 */
void	pending_answered_early(const struct query *q, enum policy_wait wait,
	    enum pending_expiry why);

#endif
