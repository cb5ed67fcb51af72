/*
 * stats.c: the statistics registry (see stats.h).
 *
 * The metrics are listed once, in the order below; each emits its
 * samples through one visitor.  Per-server metrics loop over the server
 * list inside one metric, so that every sample of a metric comes
 * together, as the exposition format wants.  The names follow
 * Prometheus' conventions: a briskdns_ prefix, base units (seconds),
 * counters written with _total.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "briskdns.h"
#include "cache.h"
#include "intercept.h"
#include "listen.h"
#include "log.h"
#include "pending.h"
#include "query.h"
#include "stats.h"
#include "upstream.h"

static struct stats_sources	 sources;

void
stats_set_sources(const struct stats_sources *s)
{
	sources = *s;
}

/* One scalar metric of one sample, no labels. */
static void
scalar(stats_visit_fn fn, void *arg, const char *name, enum stats_type t,
    const char *help, uint64_t value, uint64_t div)
{
	struct stats_sample	 s;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.type = t;
	s.help = help;
	s.first = 1;
	s.value = value;
	s.div = div;
	fn(&s, arg);
}

#define COUNTER(name, help, v)	scalar(fn, arg, "briskdns_" name, \
				    STATS_COUNTER, help, (v), 1)
#define GAUGE(name, help, v)	scalar(fn, arg, "briskdns_" name, \
				    STATS_GAUGE, help, (v), 1)

static void
visit_query(stats_visit_fn fn, void *arg)
{
	const struct query_stats	*q = &query_stats;

	COUNTER("queries", "Queries received by the stub listener",
	    q->queries);
	COUNTER("queries_dropped", "Queries not answered (QR set, no "
	    "header)", q->dropped);
	COUNTER("answers_formerr", "Queries answered FORMERR", q->formerr);
	COUNTER("answers_notimp", "Queries answered NOTIMP", q->notimp);
	COUNTER("answered_empty_aaaa", "AAAA queries answered empty by "
	    "briskdns (aaaa-mode)", q->local_empty);
	COUNTER("answered_empty_slow_types", "Queries of slow-types "
	    "answered empty", q->local_empty_slow);
	COUNTER("answered_local", "Queries answered from local data "
	    "(local domains, hosts, RFC 6761, CHAOS)", q->local_other);
	COUNTER("queries_forwarded", "Upstream transactions started",
	    pending_stats.started);
	COUNTER("queries_coalesced", "Queries that joined an identical one "
	    "in flight", q->coalesced);
	COUNTER("cache_answers", "Queries answered from the cache",
	    q->cache_hits);
	COUNTER("stale_answers", "Expired answers served (serve-stale)",
	    q->stale_served);
	COUNTER("prefetches", "Cache entries refreshed before expiry",
	    q->prefetches);
	COUNTER("answers_servfail", "Queries answered SERVFAIL (no useful "
	    "upstream answer)", q->servfail);
	COUNTER("answers_busy", "Queries answered SERVFAIL at a bound "
	    "(dns-forward-max, waiters)", q->busy);
	COUNTER("ipv6hints_stripped", "Answers whose ipv6hint was removed",
	    q->hints_stripped);
}

static void
visit_cache(stats_visit_fn fn, void *arg)
{
	struct cache	*c = query_cache();
	struct cache_stats cs;

	memset(&cs, 0, sizeof(cs));
	if (c != NULL)
		cache_get_stats(c, &cs);
	GAUGE("cache_entries", "Entries in the cache", cs.entries);
	GAUGE("cache_bytes", "Memory held by the cache, bytes", cs.bytes);
	COUNTER("cache_hits", "Cache lookups that found an answer (since "
	    "the cache was made)", cs.hits);
	COUNTER("cache_misses", "Cache lookups that found nothing usable",
	    cs.misses);
	COUNTER("cache_inserts", "Answers put in the cache", cs.inserts);
	COUNTER("cache_evictions", "Entries evicted at the size bound",
	    cs.evictions);
}

static void
visit_listen(stats_visit_fn fn, void *arg)
{
	const struct listen_stats	*l = &listen_stats;

	COUNTER("listen_udp_queries", "Datagrams received by the UDP "
	    "listener", l->udp_in);
	COUNTER("listen_tcp_queries", "Messages received over TCP",
	    l->tcp_in);
	COUNTER("listen_tcp_connections", "TCP connections accepted",
	    l->tcp_conns);
	COUNTER("listen_tcp_refused", "TCP connections closed at the "
	    "connection bound", l->tcp_refused);
	COUNTER("listen_send_errors", "Answers that could not be sent",
	    l->send_errors);
	COUNTER("listen_not_local", "Queries dropped by local-service",
	    l->not_local);
}

static void
visit_intercept(stats_visit_fn fn, void *arg)
{
	struct intercept_stats	 z, *i = &z;

	memset(&z, 0, sizeof(z));
#ifdef HAVE_NFQUEUE
	if (sources.intercepting)
		i = &intercept_stats;
#endif
	COUNTER("intercept_packets", "Packets from the netfilter queue",
	    i->seen);
	COUNTER("intercept_answered", "Intercepted queries answered by "
	    "briskdns (and dropped)", i->answered);
	COUNTER("intercept_accepted", "Intercepted packets passed on "
	    "unchanged", i->accepted);
	COUNTER("intercept_unparseable", "Intercepted packets not "
	    "understood (passed on)", i->unparseable);
	COUNTER("intercept_send_errors", "Answers that could not be sent "
	    "(the query was passed on)", i->send_errors);
}

static void
visit_process(stats_visit_fn fn, void *arg)
{
	struct upstream_global	 g;

	upstream_global_stats(&g);
	GAUGE("upstream_inflight", "Upstream transactions in flight",
	    g.inflight);
	GAUGE("upstream_inflight_max", "dns-forward-max", g.forward_max);
	COUNTER("upstream_jostled", "Transactions ended to make room at "
	    "dns-forward-max", g.jostled);
	GAUGE("upstream_sockets", "Upstream sockets open", g.sockets);
	COUNTER("log_lines_dropped", "Log lines dropped at the log-async "
	    "bound", log_async_lost());
	GAUGE("start_time_seconds", "When briskdns started, seconds since "
	    "the epoch", sources.started);
}

/* ---- per server --------------------------------------------------------- */

/* A field of struct upstream_server_stats, as a per-server sample. */
enum srv_field {
	SF_SENT, SF_ANSWERS, SF_TIMEOUTS, SF_SLOW, SF_ERRORS, SF_MISMATCHED,
	SF_TRUNCATED, SF_NOTUSEFUL, SF_EDNS_FALLBACKS, SF_BACK, SF_TCP,
	SF_NOEDNS, SF_NFIELDS
};

static const struct {
	const char	*name;
	enum stats_type	 type;
	const char	*help;
} srv_fields[SF_NFIELDS] = {
	{ "upstream_queries", STATS_COUNTER, "Queries sent to the server" },
	{ "upstream_answers", STATS_COUNTER, "Answers received from the "
	    "server" },
	{ "upstream_timeouts", STATS_COUNTER, "Transmissions the server "
	    "left unanswered past the timeout" },
	{ "upstream_slow", STATS_COUNTER, "Questions on which the server, "
	    "alive, was slow (its answer awaited)" },
	{ "upstream_errors", STATS_COUNTER, "Unreachable, malformed "
	    "answers, TCP failures" },
	{ "upstream_mismatched", STATS_COUNTER, "Answers dropped: wrong ID "
	    "or question" },
	{ "upstream_truncated", STATS_COUNTER, "Truncated answers (retried "
	    "over TCP)" },
	{ "upstream_not_useful", STATS_COUNTER, "SERVFAIL, REFUSED and "
	    "other useless answers" },
	{ "upstream_edns_fallbacks", STATS_COUNTER, "Queries asked again "
	    "without EDNS" },
	{ "upstream_back", STATS_COUNTER, "Times the server was heard again "
	    "after silence" },
	{ "upstream_tcp_connections", STATS_COUNTER, "TCP connections "
	    "opened to the server" },
	{ "upstream_no_edns", STATS_GAUGE, "1 while the server is taken "
	    "as EDNS-intolerant" },
};

static uint64_t
srv_value(const struct upstream_server_stats *s, enum srv_field f)
{
	switch (f) {
	case SF_SENT:		return s->sent;
	case SF_ANSWERS:	return s->answers;
	case SF_TIMEOUTS:	return s->timeouts;
	case SF_SLOW:		return s->slow;
	case SF_ERRORS:		return s->errors;
	case SF_MISMATCHED:	return s->mismatched;
	case SF_TRUNCATED:	return s->truncated;
	case SF_NOTUSEFUL:	return s->notuseful;
	case SF_EDNS_FALLBACKS:	return s->edns_fallbacks;
	case SF_BACK:		return s->back;
	case SF_TCP:		return s->tcp_conns;
	case SF_NOEDNS:		return (uint64_t)s->noedns;
	case SF_NFIELDS:	break;
	}
	return 0;
}

static void
sample_init(struct stats_sample *s, const char *name, enum stats_type t,
    const char *help, const char *server)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->type = t;
	s->help = help;
	s->div = 1;
	s->labels[0].name = "server";
	s->labels[0].value = server;
	s->nlabels = 1;
}

static const char *const rtt_names[3] = { "A", "AAAA", "other" };
static const char *const learn_names[UPSTREAM_LEARN_NCLASS] = { "A",
    "AAAA", "HTTPS" };

static void
visit_servers(stats_visit_fn fn, void *arg)
{
	struct upstream_server_stats	 st;
	struct stats_sample		 s;
	char				 names[SF_NFIELDS][48];
	const struct upstream_early_stats *e;
	size_t				 i;
	unsigned int			 f, k, b;
	int				 first;

	for (f = 0; f < SF_NFIELDS; f++) {
		snprintf(names[f], sizeof(names[f]), "briskdns_%s",
		    srv_fields[f].name);
		first = 1;
		for (i = 0; upstream_server_stats(i, &st) == 0; i++) {
			sample_init(&s, names[f], srv_fields[f].type,
			    srv_fields[f].help, st.name);
			s.first = first;
			first = 0;
			s.value = srv_value(&st, f);
			fn(&s, arg);
		}
	}

	/* Round-trip estimates, per class of query type. */
	for (f = 0; f < 2; f++) {
		first = 1;
		for (i = 0; upstream_server_stats(i, &st) == 0; i++)
			for (k = 0; k < 3; k++) {
				sample_init(&s, f == 0 ?
				    "briskdns_upstream_srtt_seconds" :
				    "briskdns_upstream_rto_seconds",
				    STATS_GAUGE, f == 0 ? "Smoothed round-trip "
				    "time (0: not measured)" :
				    "Retransmission timeout", st.name);
				s.labels[1].name = "qtype";
				s.labels[1].value = rtt_names[k];
				s.nlabels = 2;
				s.first = first;
				first = 0;
				s.value = f == 0 ? st.srtt_ms[k] : st.rto_ms[k];
				s.div = 1000;
				fn(&s, arg);
			}
	}

	/* Latency of answers, per server and type: histograms. */
	first = 1;
	for (i = 0; upstream_server_stats(i, &st) == 0; i++)
		for (k = 0; k < 2; k++) {
			sample_init(&s,
			    "briskdns_upstream_answer_latency_seconds",
			    STATS_HISTOGRAM, "Time from sending a query to "
			    "its answer, per server and query type",
			    st.name);
			s.labels[1].name = "qtype";
			s.labels[1].value = k == 0 ? "A" : "AAAA";
			s.nlabels = 2;
			s.first = first;
			first = 0;
			s.div = 1000000;
			s.nbuckets = UPSTREAM_LAT_NLE;
			for (b = 0; b < UPSTREAM_LAT_NLE; b++) {
				s.le[b] = upstream_lat_le_us(b);
				s.bucket[b] = st.lat[k].le[b];
			}
			s.count = st.lat[k].count;
			s.sum = st.lat[k].sum_us;
			fn(&s, arg);
		}

	/* Early answers (deadline, after-a, learn): upstream.h. */
	first = 1;
	for (i = 0; upstream_server_stats(i, &st) == 0; i++)
		for (k = 0; k < UPSTREAM_EARLY_NKINDS; k++) {
			sample_init(&s, "briskdns_upstream_early", STATS_COUNTER,
			    "Questions whose clients were answered empty "
			    "early while sent to the server, by reason",
			    st.name);
			s.labels[1].name = "reason";
			s.labels[1].value = upstream_early_name[k];
			s.nlabels = 2;
			s.first = first;
			first = 0;
			s.value = st.early->early[k];
			fn(&s, arg);
		}
	first = 1;
	for (i = 0; upstream_server_stats(i, &st) == 0; i++) {
		e = st.early;
		sample_init(&s, "briskdns_upstream_early_late_seconds",
		    STATS_HISTOGRAM, "How late the real answer came after "
		    "the first early answer (answered by this server)",
		    st.name);
		s.first = first;
		first = 0;
		s.div = 1000;
		/* Bucket 0 is below 1 ms, bucket b up to 2^b - 1 ms, the
		 * last one unbounded (+Inf). */
		s.nbuckets = UPSTREAM_LATE_BUCKETS - 1;
		for (b = 0; b < s.nbuckets; b++) {
			s.le[b] = (uint64_t)1 << b;
			s.bucket[b] = e->late_hist[b] + (b > 0 ?
			    s.bucket[b - 1] : 0);
		}
		s.count = e->late;
		s.sum = e->late_sum_ms;
		fn(&s, arg);
	}
	for (f = 0; f < 5; f++) {
		static const char *const en[5] = {
			"briskdns_upstream_early_never",
			"briskdns_upstream_early_clients_late",
			"briskdns_upstream_early_clients_never",
			"briskdns_upstream_early_saved_late_seconds",
			"briskdns_upstream_early_saved_never_seconds",
		};
		static const char *const eh[5] = {
			"Questions answered early whose real answer never "
			    "came",
			"Clients answered early whose real answer came late",
			"Clients answered early whose real answer never came",
			"Time saved for clients answered early, real answer "
			    "late",
			"Time saved for clients answered early, no real "
			    "answer (counted to the client deadline)",
		};
		first = 1;
		for (i = 0; upstream_server_stats(i, &st) == 0; i++) {
			e = st.early;
			sample_init(&s, en[f], STATS_COUNTER, eh[f], st.name);
			s.first = first;
			first = 0;
			switch (f) {
			case 0: s.value = e->never; break;
			case 1: s.value = e->clients_late; break;
			case 2: s.value = e->clients_never; break;
			case 3: s.value = e->saved_late_ms; s.div = 1000; break;
			default: s.value = e->saved_never_ms; s.div = 1000;
			}
			fn(&s, arg);
		}
	}

	/* aaaa-mode=learn: what was learnt of each server. */
	for (f = 0; f < 2; f++) {
		first = 1;
		for (i = 0; upstream_server_stats(i, &st) == 0; i++) {
			if (!st.learning)
				continue;
			for (k = 1; k < UPSTREAM_LEARN_NCLASS; k++) {
				sample_init(&s, f == 0 ?
				    "briskdns_upstream_learnt_slow" :
				    "briskdns_upstream_learn_switches",
				    f == 0 ? STATS_GAUGE : STATS_COUNTER,
				    f == 0 ? "1 while aaaa-mode=learn takes "
				    "the server as slow at the type" :
				    "Changes of what was learnt", st.name);
				s.labels[1].name = "qtype";
				s.labels[1].value = learn_names[k];
				s.nlabels = 2;
				s.first = first;
				first = 0;
				s.value = f == 0 ? (uint64_t)st.learn_slow[k] :
				    st.learn_switches[k];
				fn(&s, arg);
			}
		}
	}
}

void
stats_visit(stats_visit_fn fn, void *arg)
{
	visit_query(fn, arg);
	visit_cache(fn, arg);
	visit_listen(fn, arg);
	visit_intercept(fn, arg);
	visit_process(fn, arg);
	visit_servers(fn, arg);
}

/* ---- the exposition format ---------------------------------------------- */

struct fmt {
	FILE	*f;
	int	 comments;
};

/* v / div as a number: an integer, or a decimal without trailing
 * zeros (exact: div is a power of ten). */
static void
put_value(FILE *f, uint64_t v, uint64_t div)
{
	char		 frac[24];
	size_t		 n;
	unsigned int	 digits = 0;
	uint64_t	 d;

	if (div <= 1) {
		fprintf(f, "%" PRIu64, v);
		return;
	}
	for (d = div; d > 1; d /= 10)
		digits++;
	snprintf(frac, sizeof(frac), "%0*" PRIu64, (int)digits, v % div);
	n = strlen(frac);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	if (n == 0)
		fprintf(f, "%" PRIu64, v / div);
	else
		fprintf(f, "%" PRIu64 ".%s", v / div, frac);
}

/* A label value, escaped as the format says (\\, \", \n). */
static void
put_label_value(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

/* name{labels[,le="..."]}: le_div 0: no le label; le UINT64_MAX: +Inf. */
static void
put_head(FILE *f, const struct stats_sample *s, const char *suffix,
    uint64_t le, uint64_t le_div)
{
	size_t	 i;

	fprintf(f, "%s%s", s->name, suffix);
	if (s->nlabels == 0 && le_div == 0)
		return;
	fputc('{', f);
	for (i = 0; i < s->nlabels; i++) {
		fprintf(f, "%s%s=\"", i > 0 ? "," : "", s->labels[i].name);
		put_label_value(f, s->labels[i].value);
		fputc('"', f);
	}
	if (le_div != 0) {
		fprintf(f, "%sle=\"", s->nlabels > 0 ? "," : "");
		if (le == UINT64_MAX)
			fputs("+Inf", f);
		else
			put_value(f, le, le_div);
		fputc('"', f);
	}
	fputc('}', f);
}

static void
format_one(const struct stats_sample *s, void *arg)
{
	struct fmt	*x = arg;
	FILE		*f = x->f;
	size_t		 b;

	if (s->first && x->comments) {
		fprintf(f, "# HELP %s%s %s\n", s->name,
		    s->type == STATS_COUNTER ? "_total" : "", s->help);
		fprintf(f, "# TYPE %s%s %s\n", s->name,
		    s->type == STATS_COUNTER ? "_total" : "",
		    s->type == STATS_COUNTER ? "counter" :
		    s->type == STATS_GAUGE ? "gauge" : "histogram");
	}
	switch (s->type) {
	case STATS_COUNTER:
	case STATS_GAUGE:
		put_head(f, s, s->type == STATS_COUNTER ? "_total" : "", 0, 0);
		fputc(' ', f);
		put_value(f, s->value, s->div);
		fputc('\n', f);
		break;
	case STATS_HISTOGRAM:
		for (b = 0; b < s->nbuckets; b++) {
			put_head(f, s, "_bucket", s->le[b], s->div);
			fprintf(f, " %" PRIu64 "\n", s->bucket[b]);
		}
		put_head(f, s, "_bucket", UINT64_MAX, s->div);
		fprintf(f, " %" PRIu64 "\n", s->count);
		put_head(f, s, "_sum", 0, 0);
		fputc(' ', f);
		put_value(f, s->sum, s->div);
		fputc('\n', f);
		put_head(f, s, "_count", 0, 0);
		fprintf(f, " %" PRIu64 "\n", s->count);
		break;
	}
}

int
stats_format(FILE *f, int comments)
{
	struct fmt	 x = { f, comments };

	stats_visit(format_one, &x);
	return ferror(f) ? -1 : 0;
}
