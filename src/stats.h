/*
 * stats.h: the statistics registry.  One place that enumerates every
 * counter the daemon keeps (the path's, the in-flight table's, the
 * cache's, each upstream server's with its latency histograms and
 * early-answer diagnostics, the listener's, interception's, the log
 * queue's), so that the consumers (briskdns-control's `stats`, the
 * Prometheus endpoint) are written from the same figures and never
 * disagree.  SIGUSR1 keeps its own log lines (tests and people read
 * them), from the same counters.
 *
 * stats_visit() calls its visitor once per sample, the samples of one
 * metric one after the other (each metric's first sample has first
 * set), in a fixed order.  Nothing here resets a counter: counters are
 * cumulative from start (a server's from when it entered the list; the
 * cache's from when the cache was made: cache-size changes by SIGHUP
 * make a new one).
 *
 * stats_format() writes the samples in Prometheus' text exposition
 * format 0.0.4: counters get the suffix _total, a histogram its
 * _bucket{le=...}, _sum and _count lines; with comments, # HELP and
 * # TYPE lines.
 */
#ifndef BRISKDNS_STATS_H
#define BRISKDNS_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum stats_type {
	STATS_COUNTER,
	STATS_GAUGE,
	STATS_HISTOGRAM,
};

#define STATS_MAX_LABELS	3
#define STATS_MAX_BUCKETS	16

struct stats_label {
	const char	*name;
	const char	*value;
};

struct stats_sample {
	const char		*name;	/* briskdns_..., no _total */
	enum stats_type		 type;
	const char		*help;
	int			 first;	/* the metric's first sample */
	struct stats_label	 labels[STATS_MAX_LABELS];
	size_t			 nlabels;
	/* Counter, gauge: value / div (div 1: an integer; 1000: a value
	 * kept in milliseconds, written in seconds). */
	uint64_t		 value;
	uint64_t		 div;
	/* Histogram: bounds le[i] / div, cumulative counts, and count,
	 * sum / div (+Inf's count is count). */
	uint64_t		 le[STATS_MAX_BUCKETS];
	uint64_t		 bucket[STATS_MAX_BUCKETS];
	size_t			 nbuckets;
	uint64_t		 count;
	uint64_t		 sum;
};

typedef void	(*stats_visit_fn)(const struct stats_sample *, void *arg);

/* The sources the registry cannot find alone (main.c sets them). */
struct stats_sources {
	int		 intercepting;	/* nfqueue door open */
	uint64_t	 started;	/* time(NULL) at start */
};
void	stats_set_sources(const struct stats_sources *);

void	stats_visit(stats_visit_fn, void *arg);

/*
 * Write every sample as exposition text to f.  comments: with # HELP
 * and # TYPE lines (the endpoint); without, one sample a line
 * (briskdns-control's stats).  0, or -1 if f failed.
 */
int	stats_format(FILE *f, int comments);

#endif
