/*
 * learn.h: which servers are slow at AAAA, learnt from their answers
 * (aaaa-mode=learn).
 *
 * One struct learn per server keeps, for A (the reference) and for each
 * class that is judged (AAAA; HTTPS and SVCB together, for slow-types),
 * a window of the last LEARN_WINDOW answer latencies, each with its
 * time; samples older than LEARN_MAX_AGE_MS are forgotten.  A failure
 * (the question unanswered at the client deadline, or SERVFAIL) is a
 * sample at the deadline's value and counts in a run of failures.
 *
 * The rule, per judged class, applied at each of its samples (never on
 * an A sample alone):
 *   FAST -> SLOW  LEARN_FAIL_RUN failures in a row; or, with at least
 *                 LEARN_MIN_SAMPLES samples of A and of the class, the
 *                 class's p95 above A's p95 + margin, margin =
 *                 max(LEARN_MARGIN_MS, A's p95): more than twice as
 *                 slow as A and at least 100 ms slower.
 *   SLOW -> FAST  the last LEARN_RECOVER samples of the class all within
 *                 A's p95 + margin / 2 (a lower bar, and every sample,
 *                 not the p95: hysteresis); the older samples are then
 *                 forgotten, so that the slow ones do not switch it
 *                 back at once.
 * The p95 of at most 32 samples is the second highest: one outlier
 * never decides.  Switching to SLOW is cheap (an answer faster than the
 * learnt deadline still reaches the client) and waiting on a slow
 * server is not, hence quick to SLOW and slow to FAST.
 *
 * Pure: no I/O, no allocation, the time is passed in (ms, one clock).
 */
#ifndef BRISKDNS_LEARN_H
#define BRISKDNS_LEARN_H

#include <stddef.h>
#include <stdint.h>

#define LEARN_WINDOW		32	/* samples kept per class */
#define LEARN_MIN_SAMPLES	8	/* of A and of the class, for the p95 */
#define LEARN_FAIL_RUN		3	/* failures in a row: slow */
#define LEARN_RECOVER		8	/* fast samples in a row: fast again */
#define LEARN_MARGIN_MS		100	/* least margin over A's p95 */
#define LEARN_MAX_AGE_MS	300000	/* older samples are forgotten */

enum learn_class {
	LEARN_A = 0,		/* the reference, never judged */
	LEARN_AAAA,
	LEARN_HTTPS,		/* HTTPS (65) and SVCB (64) */
	LEARN_NCLASS
};

enum learn_state {
	LEARN_FAST = 0,
	LEARN_SLOW
};

enum learn_why {
	LEARN_BY_P95,		/* to SLOW: p95 over A's + margin */
	LEARN_BY_FAILURES,	/* to SLOW: LEARN_FAIL_RUN failures */
	LEARN_BY_RECOVERY	/* to FAST */
};

struct learn_ring {
	uint64_t	 at[LEARN_WINDOW];	/* ms */
	uint32_t	 ms[LEARN_WINDOW];
	unsigned int	 next;			/* slot of the next sample */
	unsigned int	 n;			/* samples held */
};

struct learn {
	struct learn_ring	 ring[LEARN_NCLASS];
	enum learn_state	 state[LEARN_NCLASS];	/* A's stays FAST */
	unsigned int		 fail_run[LEARN_NCLASS];
	uint64_t		 switches[LEARN_NCLASS];
};

/* What a judgement saw (samples within LEARN_MAX_AGE_MS only). */
struct learn_figures {
	enum learn_class	 klass;
	enum learn_state	 state;
	enum learn_why		 why;		/* of the last change */
	uint32_t		 a_p95;		/* ms; 0 without samples */
	unsigned int		 a_n;
	uint32_t		 p95;		/* of the class */
	unsigned int		 n;
	uint32_t		 recent_max;	/* of its last LEARN_RECOVER */
	unsigned int		 recent_n;
	unsigned int		 fail_run;
};

void		 learn_init(struct learn *);
/* The class of a query type; LEARN_NCLASS: not learnt. */
enum learn_class learn_class_of(uint16_t qtype);

/*
 * An answer of class k took ms, at now.  Returns 1 if k's state
 * changed (then *f, if not NULL, has the figures and the reason).
 */
int		 learn_answer(struct learn *, enum learn_class k, uint32_t ms,
		    uint64_t now, struct learn_figures *f);
/* A failure of class k (unanswered at the deadline fail_ms, SERVFAIL);
 * ignored for A.  Returns as learn_answer. */
int		 learn_failure(struct learn *, enum learn_class k,
		    uint32_t fail_ms, uint64_t now, struct learn_figures *f);
/*
 * The end of one question of qtype to the server: an answer with rcode
 * (NOERROR, NXDOMAIN) after ms, or a failure at fail_ms (SERVFAIL, or
 * LEARN_UNANSWERED: none by the deadline); other rcodes and types say
 * nothing.  Returns as learn_answer.
 */
#define LEARN_UNANSWERED	(-1)
int		 learn_result(struct learn *, uint16_t qtype, int rcode,
		    uint64_t ms, uint32_t fail_ms, uint64_t now,
		    struct learn_figures *f);
int		 learn_slow(const struct learn *, enum learn_class k);
void		 learn_figures(const struct learn *, enum learn_class k,
		    uint64_t now, struct learn_figures *f);

/*
 * One line for the log: a change (after learn_answer or learn_failure
 * returned 1), ms the learnt deadline; or the state with its figures
 * (statistics).  Returns buf.
 */
const char	*learn_change_text(const struct learn_figures *,
		    unsigned int ms, char *buf, size_t len);
const char	*learn_state_text(const struct learn_figures *, char *buf,
		    size_t len);
/* Both judged classes, and the number of switches, for SIGUSR1. */
const char	*learn_stats_text(const struct learn *, uint64_t now,
		    char *buf, size_t len);

#endif
