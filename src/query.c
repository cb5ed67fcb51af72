/*
 * query.c: the one path every query takes, whichever door it came in by.
 *
 *   bytes -> msg_parse_query -> policy_decide_client -> local answer
 *                                            -> cache hit
 *                                            -> pending (in-flight table)
 *                                                 -> upstream
 *         -> reply (msg_finish_answer) -> the door's reply function
 *
 * A query answered locally or from the cache never allocates.  A query
 * that must wait is handed to pending.c with its client (the door's reply
 * function and cookie, copied); pending.c asks back, through struct
 * pending_ops, what that client gets when its wait ends.
 *
 * Every query_input() leads to exactly one call of the client's reply
 * function (see query.h).
 *
 * Bounds: those of pending.c; past a bound a client gets SERVFAIL (or its
 * stale answer, or the empty answer of deadline:MS), and a log line every
 * 10 s.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>
#include <time.h>

#include "briskdns.h"
#include "cache.h"
#include "clock.h"
#include "config.h"
#include "filter.h"
#include "hosts.h"
#include "ifaddr.h"
#include "localdata.h"
#include "log.h"
#include "msg.h"
#include "pending.h"
#include "policy.h"
#include "qlog.h"
#include "query.h"
#include "upstream.h"

#define QUERY_REQUESTS_PER_FORWARD	8	/* clients waiting, per slot */

struct query_stats	 query_stats;

static const struct config	*qconf;
static struct cache		*qcache;
static int			 have_global_v6 = 1;
static time_t			 busy_logged;
static uint32_t		 log_serial;	/* log-queries=extra */
/* Scratch for one answer per waiter; the loop is single-threaded. */
static uint8_t			 qbuf[DNS_MAXMSG];

static struct cache_limits *
limits_from(const struct config *conf, struct cache_limits *l)
{
	l->min_ttl = conf->min_cache_ttl;
	l->max_ttl = conf->max_cache_ttl;
	l->neg_ttl = conf->neg_ttl;
	l->serve_stale = conf->serve_stale;
	l->prefetch = conf->prefetch;
	l->no_negcache = conf->no_negcache;
	l->max_client_ttl = conf->max_ttl;
	return l;
}

static const struct pending_ops path_ops;

void
query_init(struct event_base *base)
{
	pending_init(base, &path_ops);
}

/*
 * A new configuration (start, SIGHUP): the cache is emptied, and made
 * anew when its size changed.  On failure to allocate, no cache.
 */
void
query_set_config(const struct config *conf)
{
	struct cache_limits	 l;
	struct pending_limits	 pl;

	if (qcache != NULL && (conf->cache_size == 0 || qconf == NULL ||
	    conf->cache_size != qconf->cache_size)) {
		cache_free(qcache);
		qcache = NULL;
	}
	if (qcache != NULL) {
		cache_clear(qcache);
		cache_set_limits(qcache, limits_from(conf, &l));
	} else if (conf->cache_size > 0 &&
	    (qcache = cache_new(conf->cache_size, limits_from(conf, &l))) ==
	    NULL)
		log_warn("cache of %zu entries: running without a cache",
		    conf->cache_size);
	msg_set_edns_max(conf->edns_packet_max);
	qconf = conf;
	pl.aaaa_deadline_ms = conf->aaaa_deadline_ms;
	pl.aaaa_after_a_ms = conf->aaaa_after_a_ms;
	pl.aaaa_learn_ms = conf->aaaa_learn_ms;
	pl.max_requests = (size_t)conf->dns_forward_max *
	    QUERY_REQUESTS_PER_FORWARD;
	pending_set_limits(&pl);
}

void
query_set_global_v6(int have)
{
	have_global_v6 = have;
}

/* ---- logging ----------------------------------------------------------- */

static const char *
client_text(const struct query_client *c, char *buf, size_t len)
{
	const struct sockaddr_storage	*ss = &c->peer;

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    buf, len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, len);
	else
		snprintf(buf, len, "?");
	return buf;
}

static uint16_t
client_port(const struct query_client *c)
{
	if (c->peer.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&c->peer)->sin_port);
	if (c->peer.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&c->peer)->sin6_port);
	return 0;
}

/*
 * log-queries, in dnsmasq 2.90's lines (briskdns.conf(5), log-queries):
 * "query[TYPE] NAME from ADDR" when a query comes in, then what became of
 * it, "forwarded NAME to ADDR#PORT" and lines "WORD NAME is VALUE", one
 * per answer record (qlog.h).  log-queries=extra: every line starts with
 * the query's serial number and the client's ADDR/PORT, and the outcome
 * lines end with " (PATH, N ms[, ADDR#PORT])": the path that answered,
 * the time since the query came in and the server whose answer it was.
 */
struct qline {
	const struct query_client	*c;
	const char			*word;
	char				 pre[INET6_ADDRSTRLEN + 24];
	char				 post[INET6_ADDRSTRLEN + 64];
};

static void
qline_init(struct qline *l, const struct query_client *c, const char *word,
    const char *path, const char *srv)
{
	char		 from[INET6_ADDRSTRLEN];
	unsigned int	 ms;

	l->c = c;
	l->word = word;
	l->pre[0] = l->post[0] = '\0';
	if (qconf->log_queries != LOG_QUERIES_EXTRA)
		return;
	snprintf(l->pre, sizeof(l->pre), "%u %s/%u ", c->log_serial,
	    client_text(c, from, sizeof(from)), client_port(c));
	if (path == NULL)
		return;
	ms = c->log_t0 != 0 ? (unsigned int)(clock_ms() - c->log_t0) : 0;
	snprintf(l->post, sizeof(l->post), " (%s%s, %u ms%s%s)", path,
	    c->stream ? ", tcp" : "", ms, srv != NULL ? ", " : "",
	    srv != NULL ? srv : "");
}

static void
qline_put(void *arg, const char *name, const char *value)
{
	struct qline	*l = arg;

	log_info("%s%s %s is %s%s", l->pre, l->word, name, value, l->post);
}

/* "query[TYPE] NAME from ADDR": the query came in. */
static void
log_query_in(const struct query *q, const struct query_client *c)
{
	struct qline	 l;
	char		 name[QLOG_NAME], type[16], from[INET6_ADDRSTRLEN];

	qline_init(&l, c, NULL, NULL, NULL);
	qlog_name(q->qname_case, q->qname_len, name, sizeof(name));
	log_info("%squery[%s] %s from %s", l.pre,
	    msg_type_text(q->qtype, type, sizeof(type)), name,
	    client_text(c, from, sizeof(from)));
}

/* "forwarded NAME to ADDR#PORT". */
static void
log_forwarded(const struct query *q, const struct query_client *c)
{
	struct qline	 l;
	const char	*srv = upstream_last_sent();
	char		 name[QLOG_NAME];

	qline_init(&l, c, NULL, NULL, NULL);
	qlog_name(q->qname_case, q->qname_len, name, sizeof(name));
	log_info("%sforwarded %s to %s", l.pre, name, srv != NULL ? srv :
	    "?");
}

/* One line "WORD NAME is VALUE", NAME the question's. */
static void
log_value(const struct query *q, const struct query_client *c,
    const char *word, const char *path, const char *value)
{
	struct qline	 l;
	char		 name[QLOG_NAME];

	if (!qconf->log_queries)
		return;
	qline_init(&l, c, word, path, NULL);
	qlog_name(q->qname_case, q->qname_len, name, sizeof(name));
	qline_put(&l, name, value);
}

/* The lines of the answer buf[0..len): "WORD NAME is VALUE" each. */
static void
log_answer(const struct query *q, const struct query_client *c,
    const char *word, const char *path, const char *srv, const uint8_t *buf,
    size_t len, int flags)
{
	struct qline	 l;

	if (!qconf->log_queries)
		return;
	qline_init(&l, c, word, path, srv);
	if (qlog_answer(buf, len, q->qtype, flags, qline_put, &l) == 0)
		log_value(q, c, word, path, "<malformed>");
}

/*
 * The word of a hosts answer, as dnsmasq's: the file's path where the
 * answer can only have come from one file, "config" where it can only
 * be a record (host-record= and the like), "hosts" otherwise.
 */
static const char *
hosts_word(const struct hosts *h)
{
	size_t	 nfiles;

	if (h == qconf->hosts_dir)
		return qconf->nhostsdir == 1 ? qconf->hostsdir[0] : "hosts";
	nfiles = (qconf->no_hosts ? 0 : 1) + qconf->naddn_hosts;
	if (nfiles == 0)
		return "config";
	if (nfiles > 1 || qconf->nrecords > 0)
		return "hosts";
	return qconf->naddn_hosts == 1 ? qconf->addn_hosts[0] :
	    config_hosts_file;
}

static void
log_busy(const char *what)
{
	time_t	 now = time(NULL);

	if (now - busy_logged >= 10) {
		busy_logged = now;
		log_warnx("%s: answering SERVFAIL", what);
	}
}

/* ---- answers ------------------------------------------------------------- */

static size_t
client_limit(const struct query *q, const struct query_client *c)
{
	return c->stream ? DNS_MAXMSG : msg_udp_limit(q);
}

/* Send an answer built in buf, made to fit the client. */
static void
reply_buf(const struct query *q, const struct query_client *c, uint8_t *buf,
    size_t len)
{
	if (len > 0 && !c->stream)
		len = msg_finish_answer(buf, len, q, msg_udp_limit(q));
	c->reply(c, buf, len);
}

static void
reply_rcode(const struct query *q, const struct query_client *c, int rcode)
{
	reply_buf(q, c, qbuf, msg_reply_rcode(q, rcode, -1, qbuf,
	    sizeof(qbuf)));
}

/*
 * The empty AAAA answer, or NXDOMAIN where the cache knows the name does
 * not exist.  Both doors build it here.  Returns its length (0: buf too
 * small); *nx tells which.
 */
static size_t
build_empty(const struct query *q, uint8_t *buf, size_t bufsz, int *nx)
{
	*nx = qcache != NULL && cache_nxdomain(qcache, q->qname,
	    q->qname_len, q->qclass, clock_ms());
	if (*nx)
		return msg_reply_empty(q, DNS_RCODE_NXDOMAIN, qconf->local_ttl,
		    -1, buf, bufsz);
	return msg_reply_empty(q, DNS_RCODE_NOERROR, qconf->local_ttl,
	    DNS_EDE_FILTERED, buf, bufsz);
}

/*
 * The word log-queries writes for the path that answered a waiting
 * client empty (see briskdns.conf(5), log-queries): "deadline",
 * "after-a", or "learn" (a server learnt slow, POLICY_WAIT_LEARNT).
 */
static const char *
wait_word(enum policy_wait wait, int after_a)
{
	if (after_a || wait == POLICY_WAIT_AFTER_A)
		return "after-a";
	return wait == POLICY_WAIT_LEARNT ? "learn" : "deadline";
}

/* The first word of the log line of an empty answer made by by. */
static const char *
empty_word(const char *by)
{
	if (strcmp(by, "deadline") == 0 || strcmp(by, "after-a") == 0 ||
	    strcmp(by, "learn") == 0)
		return by;
	return "config";
}

/* The empty answer (or NXDOMAIN, see build_empty); by: the path's word
 * for log-queries ("aaaa-mode", "aaaa-empty", "aaaa-empty-client",
 * "filter", "deadline", "after-a", "learn"). */
static void
reply_empty(const struct query *q, const struct query_client *c,
    const char *by)
{
	char	 path[64];
	size_t	 n;
	int	 nx, slow;

	n = build_empty(q, qbuf, sizeof(qbuf), &nx);
	slow = policy_slow_type(qconf, q->qtype);
	if (!nx && slow)
		query_stats.local_empty_slow++;
	else if (!nx)
		query_stats.local_empty++;
	if (qconf->log_queries) {
		/* As dnsmasq's filter-AAAA: "config NAME is NODATA-IPv6";
		 * a wait that ended: its own word (deadline, after-a,
		 * learn); NXDOMAIN: the cache's. */
		snprintf(path, sizeof(path), "%s%s", by,
		    slow ? ", slow-types" : "");
		log_value(q, c, nx ? "cached" : empty_word(by), path, nx ?
		    "NXDOMAIN" : qlog_nodata(q->qtype));
	}
	reply_buf(q, c, qbuf, n);
}

/*
 * The answer of a domain rule (server=/d/, local=, address=): the
 * addresses, or NXDOMAIN / NODATA with the SOA of briskdns's empty
 * answers.  The stub listener's only (see query_local_answer).
 */
static size_t
build_domain_answer(const struct query *q, const struct policy_decision *d,
    uint8_t *buf, size_t bufsz)
{
	switch (d->action) {
	case POLICY_ADDRESS:
		return localdata_address_answer(q, d->addr.addrs,
		    d->addr.naddrs, d->addr.addrlen, qconf->local_ttl, buf,
		    bufsz);
	case POLICY_NXDOMAIN:
		return msg_reply_empty(q, DNS_RCODE_NXDOMAIN, qconf->local_ttl,
		    -1, buf, bufsz);
	case POLICY_NODATA:
		return msg_reply_empty(q, DNS_RCODE_NOERROR, qconf->local_ttl,
		    -1, buf, bufsz);
	default:
		return 0;
	}
}

/* localise-queries: addr4 on a subnet of the query's interface. */
static int
hosts_on_subnet(const uint8_t *addr4, void *arg)
{
	const struct query_client	*c = arg;

	return ifaddr_on_subnet(c->ifindex, AF_INET, addr4);
}

size_t
query_local_answer(const uint8_t *pkt, size_t len,
    const struct sockaddr *client, uint8_t *buf, size_t bufsz,
    int *malformed)
{
	struct query		 q;
	struct policy_decision	 d;
	size_t			 n;
	int			 nx;

	if ((*malformed = msg_parse_query(pkt, len, &q) != MSG_OK))
		return 0;
	policy_decide_client(qconf, have_global_v6, client, &q, &d);
	switch (d.action) {
	case POLICY_EMPTY:
		n = build_empty(&q, buf, bufsz, &nx);
		break;
	case POLICY_LOCAL:
		n = localdata_answer(&q, qconf->local_ttl, buf, bufsz);
		break;
	case POLICY_REFUSED:
		n = msg_reply_rcode(&q, DNS_RCODE_REFUSED, -1, buf, bufsz);
		break;
	case POLICY_HOSTS:
		/* Interception answers AAAA only (INTERFACE.md): a hosts
		 * AAAA instead of the empty answer; other types pass to the
		 * server behind. */
		if (q.qtype != DNS_TYPE_AAAA)
			return 0;
		n = hosts_answer(d.hosts, d.hosts_entry, &q, qconf->local_ttl,
		    NULL, NULL, buf, bufsz);
		break;
	case POLICY_NXDOMAIN:
	case POLICY_NODATA:
	case POLICY_ADDRESS:
		/*
		 * Domain rules (server=/d/, local=, address=) are the stub
		 * listener's: the bound server answers its own names
		 * (INTERFACE.md: only AAAA per aaaa-mode is taken from it),
		 * so the query passes unchanged.
		 */
	case POLICY_FORWARD:
	default:
		return 0;
	}
	if (n == 0)
		return 0;
	return msg_finish_answer(buf, n, &q, msg_udp_limit(&q));
}

/* Whether a cached or upstream answer is one to give a client. */
static int
useful_rcode(int rcode)
{
	return rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN;
}

/*
 * The wait of one client: aaaa-mode=learn decided by the server that q
 * goes to first, learnt slow (a deadline) or not (the real answer).
 * Each client decides for itself, joining a question in flight or not.
 */
static enum policy_wait
learnt_wait(const struct query *q, const struct policy_decision *d)
{
	if (d->aaaa_wait != POLICY_WAIT_LEARN)
		return d->aaaa_wait;
	return upstream_learn_slow(d->route, q->qtype) ? POLICY_WAIT_LEARNT :
	    POLICY_WAIT_NONE;
}

/*
 * Whether AAAA is suppressed for q's name, for client c: an AAAA query of
 * the name from c would get the empty answer (aaaa-mode=empty, auto
 * without a global IPv6 route, aaaa-empty=, aaaa-empty-client=,
 * filter-AAAA), or would wait with an end (deadline:MS, after-a[:MS],
 * learn with its server learnt slow at AAAA) while the cache holds no
 * AAAA answer with addresses for it: the client was, or may be, told
 * there is none.  The one statement of the rule: whatever
 * policy_decide_client says for c's AAAA query (client rules included)
 * it follows.
 */
static int
query_aaaa_suppressed(const struct query *q, const struct query_client *c,
    uint64_t now)
{
	static struct query	 aq;	/* single-threaded scratch */
	struct policy_decision	 d;

	aq = *q;
	aq.qtype = DNS_TYPE_AAAA;
	policy_decide_client(qconf, have_global_v6,
	    (const struct sockaddr *)&c->peer, &aq, &d);
	if (d.action == POLICY_EMPTY)
		return 1;
	/* learn: an end only where the AAAA server is learnt slow. */
	if (d.action != POLICY_FORWARD || learnt_wait(&aq, &d) ==
	    POLICY_WAIT_NONE)
		return 0;
	return qcache == NULL || !cache_has_aaaa(qcache, q->qname,
	    q->qname_len, q->qclass, now);
}

/*
 * An answer to q in buf[0..len) (upstream's or the cache's) on its way to
 * client c: where AAAA is suppressed for the name, the ipv6hint of its
 * HTTPS and SVCB records is taken out (msg_svc_strip; a host told there
 * is no AAAA must not be sent to IPv6 by another door).  Applied to what
 * a client gets, never to what the cache keeps, so a SIGHUP or a route
 * change is followed at once.  Returns the length, at most max.
 */
static size_t
strip_hints(const struct query *q, const struct query_client *c,
    uint8_t *buf, size_t len, size_t max)
{
	size_t	 n;

	if (q->qtype != DNS_TYPE_HTTPS && q->qtype != DNS_TYPE_SVCB &&
	    q->qtype != DNS_TYPE_ANY)
		return len;
	if (!query_aaaa_suppressed(q, c, clock_ms()))
		return len;
	if ((n = msg_svc_strip(buf, len, max, MSG_SVC_IPV6HINT)) == 0)
		return len;
	query_stats.hints_stripped++;
	return n;
}

/*
 * A stale answer from the cache; 0 if it is gone meanwhile.  An AAAA
 * client of deadline:MS (or learnt slow) is never given a stale failure
 * (SERVFAIL): it gets the empty answer instead.
 */
static int
reply_stale(const struct query *q, const struct query_client *c,
    enum policy_wait wait)
{
	size_t	 len;
	int	 prefetch;

	if (qcache == NULL || cache_lookup(qcache, q, clock_ms(),
	    client_limit(q, c), qbuf, sizeof(qbuf), &len, &prefetch) ==
	    CACHE_MISS)
		return 0;
	if (policy_wait_deadline(wait) && !useful_rcode(DNS_RCODE(qbuf[3]))) {
		reply_empty(q, c, wait_word(wait, 0));
		return 1;
	}
	query_stats.stale_served++;
	len = strip_hints(q, c, qbuf, len, client_limit(q, c));
	log_answer(q, c, "cached-stale", "stale", NULL, qbuf, len,
	    QLOG_TXT_TEXT);
	c->reply(c, qbuf, len);
	return 1;
}

/* ---- the waits' ends (pending_ops) -------------------------------------- */

/* The transaction for q ended: cache its answer; an A with addresses
 * releases the after-a clients of the name's AAAA (one fetched with
 * checking disabled, CD=1, does not: as for cache_has_a). */
static void
path_result(const struct query *q, uint8_t *ans, size_t len)
{
	if (ans == NULL)
		return;
	if (qcache != NULL)
		(void)cache_insert(qcache, q, ans, len, clock_ms());
	if (q->qtype == DNS_TYPE_A && !(q->flags & DNS_FLAG_CD) &&
	    DNS_RCODE(ans[3]) == DNS_RCODE_NOERROR &&
	    msg_answer_count(ans, len, DNS_TYPE_A) > 0)
		pending_release_after_a(q);
}

/* Answer one waiter from the transaction's result. */
static void
path_answer(const struct query *q, const struct query_client *c,
    enum policy_wait wait, int stale, const uint8_t *ans, size_t len)
{
	int	 rcode = ans != NULL ? DNS_RCODE(ans[3]) : -1;
	int	 useful = ans != NULL && useful_rcode(rcode);
	const char *srv;
	size_t	 n;

	if (!useful && policy_wait_deadline(wait)) {
		reply_empty(q, c, wait_word(wait, 0));
		return;
	}
	if (!useful && stale && reply_stale(q, c, wait))
		return;
	if (ans == NULL) {
		query_stats.servfail++;
		log_value(q, c, "failed", "upstream", "SERVFAIL");
		reply_rcode(q, c, DNS_RCODE_SERVFAIL);
		return;
	}
	if (qconf->log_queries) {
		/* extra: the server that answered. */
		srv = upstream_answering(NULL);
		log_answer(q, c, "reply", "upstream", srv, ans, len,
		    QLOG_TXT_TEXT);
	}
	memcpy(qbuf, ans, len);
	len = strip_hints(q, c, qbuf, len, sizeof(qbuf));
	if ((n = msg_finish_answer_opt(qbuf, len, sizeof(qbuf), q,
	    client_limit(q, c))) == 0)
		reply_rcode(q, c, DNS_RCODE_SERVFAIL);
	else {
		filter_cap_ttls(qbuf, n, qconf->max_ttl);	/* max-ttl */
		c->reply(c, qbuf, n);
	}
}

/* A wait ended before the transaction: see enum pending_expiry. */
static int
path_expire(const struct query *q, const struct query_client *c,
    enum policy_wait wait, enum pending_expiry why)
{
	switch (why) {
	case PENDING_EXPIRE_DEADLINE:
	case PENDING_EXPIRE_AFTER_A:
		reply_empty(q, c, wait_word(wait,
		    why == PENDING_EXPIRE_AFTER_A));
		return 1;
	case PENDING_EXPIRE_STALE:
		return reply_stale(q, c, wait);
	case PENDING_EXPIRE_CLIENT:
		break;
	}
	query_stats.servfail++;
	log_value(q, c, "timeout", "upstream", "SERVFAIL");
	reply_rcode(q, c, DNS_RCODE_SERVFAIL);
	return 1;
}

static const struct pending_ops path_ops = {
	.result = path_result,
	.answer = path_answer,
	.expire = path_expire,
};

/* ---- the path -------------------------------------------------------- */

static void
forward(const struct query *q, const struct query_client *c,
    const struct policy_decision *d)
{
	size_t			 len;
	uint64_t		 now = clock_ms();
	int			 prefetch = 0, stale = 0, a_known = 0;
	enum policy_wait	 wait = learnt_wait(q, d);

	if (qcache != NULL) {
		switch (cache_lookup(qcache, q, now, client_limit(q, c), qbuf,
		    sizeof(qbuf), &len, &prefetch)) {
		case CACHE_FRESH:
			/*
			 * deadline:MS promises the empty answer where no
			 * useful one is known: a cached SERVFAIL is not
			 * one.  The real answer is asked for again, for
			 * the cache.
			 */
			if (policy_wait_deadline(wait) &&
			    !useful_rcode(DNS_RCODE(qbuf[3]))) {
				reply_empty(q, c, wait_word(wait, 0));
				if (pending_refresh(q, d->route))
					pending_answered_early(q, wait,
					    PENDING_EXPIRE_DEADLINE);
				return;
			}
			query_stats.cache_hits++;
			len = strip_hints(q, c, qbuf, len, client_limit(q, c));
			log_answer(q, c, "cached", "cache", NULL, qbuf, len,
			    QLOG_TXT_TEXT);
			c->reply(c, qbuf, len);
			if (prefetch && pending_refresh(q, d->route)) {
				query_stats.prefetches++;
				cache_prefetch_started(qcache, q);
			}
			return;
		case CACHE_STALE:
			stale = 1;
			break;
		case CACHE_MISS:
			break;
		}
	}
	/* after-a: the name's addresses are known already; after-a:MS
	 * gives the real AAAA MS from now. */
	if (wait == POLICY_WAIT_AFTER_A && qcache != NULL &&
	    cache_has_a(qcache, q->qname, q->qname_len, q->qclass, now)) {
		if (qconf->aaaa_after_a_ms == 0) {
			reply_empty(q, c, wait_word(wait, 1));
			if (pending_refresh(q, d->route))
				pending_answered_early(q, wait,
				    PENDING_EXPIRE_AFTER_A);
			return;
		}
		a_known = 1;
	}

	switch (pending_wait(q, c, d->route, wait, stale)) {
	case PENDING_STARTED:
		if (qconf->log_queries)
			log_forwarded(q, c);
		if (a_known)
			pending_release_after_a(q);
		return;
	case PENDING_JOINED:
		/* The question is in flight already: as dnsmasq, no
		 * "forwarded" line; the answer's lines follow. */
		query_stats.coalesced++;
		if (a_known)
			pending_release_after_a(q);
		return;
	case PENDING_FULL_WAITERS:
		log_busy("too many clients wait for one question");
		break;
	case PENDING_FULL_REQUESTS:
		log_busy("too many clients waiting");
		break;
	case PENDING_FULL_FORWARD:
		log_busy("dns-forward-max queries in flight");
		break;
	case PENDING_NO_SERVER:
		if (stale && reply_stale(q, c, wait))
			return;
		if (a_known) {		/* as after-a:0 would */
			reply_empty(q, c, wait_word(wait, 1));
			return;
		}
		query_stats.servfail++;
		log_value(q, c, "no-server", "upstream", "SERVFAIL");
		reply_rcode(q, c, DNS_RCODE_SERVFAIL);
		return;
	case PENDING_NOMEM:
		log_value(q, c, "busy", "no memory", "SERVFAIL");
		reply_rcode(q, c, DNS_RCODE_SERVFAIL);
		return;
	}
	/* At a bound: SERVFAIL, not REFUSED: the client may try another
	 * server, and INTERFACE.md promises SERVFAIL when no answer can be
	 * had. */
	query_stats.busy++;
	if (stale && reply_stale(q, c, wait))
		return;
	if (policy_wait_deadline(wait) || a_known) {
		reply_empty(q, c, wait_word(wait, a_known));
		return;
	}
	log_value(q, c, "busy", "at a bound", "SERVFAIL");
	reply_rcode(q, c, DNS_RCODE_SERVFAIL);
}

/* servers.bind: server i as dnsmasq writes it, "ADDR#PORT SENT FAILED". */
static const char *
chaos_server(size_t i, char *buf, size_t len)
{
	unsigned long long	 sent, failed;
	const char		*name;

	if ((name = upstream_server_counts(i, &sent, &failed)) == NULL)
		return NULL;
	snprintf(buf, len, "%s %llu %llu", name, sent, failed);
	return buf;
}

/* The counters of the CHAOS statistics names (hits.bind...). */
static const struct localdata_stats *
chaos_stats(struct localdata_stats *st)
{
	struct cache_stats	 cs;

	memset(st, 0, sizeof(*st));
	st->server = chaos_server;
	if (qcache == NULL)
		return st;
	cache_get_stats(qcache, &cs);
	st->cachesize = qconf->cache_size;
	st->insertions = cs.inserts;
	st->evictions = cs.evictions;
	st->misses = cs.misses;
	st->hits = cs.hits;
	return st;
}

void
query_input(const uint8_t *pkt, size_t len, const struct query_client *c)
{
	struct query		 q;
	struct query_client	 cx;
	struct policy_decision	 d;
	struct localdata_stats	 ls;
	uint8_t			 buf[DNS_HDRLEN + 64];
	size_t			 n;

	query_stats.queries++;
	switch (msg_parse_query(pkt, len, &q)) {
	case MSG_OK:
		break;
	case MSG_DROP:
		query_stats.dropped++;
		c->reply(c, NULL, 0);
		return;
	case MSG_FORMERR:
		query_stats.formerr++;
		c->reply(c, buf, msg_reply_error(pkt, len,
		    DNS_RCODE_FORMERR, buf, sizeof(buf)));
		return;
	case MSG_NOTIMP:
		query_stats.notimp++;
		c->reply(c, buf, msg_reply_error(pkt, len,
		    DNS_RCODE_NOTIMP, buf, sizeof(buf)));
		return;
	case MSG_BADVERS:
		query_stats.formerr++;
		reply_buf(&q, c, qbuf, msg_reply_badvers(&q, qbuf,
		    sizeof(qbuf)));
		return;
	}

	if (qconf->log_queries == LOG_QUERIES_EXTRA) {
		/* A serial per query and its arrival, carried with c into
		 * the requests. */
		cx = *c;
		if ((cx.log_serial = ++log_serial) == 0)
			cx.log_serial = log_serial = 1;
		cx.log_t0 = clock_ms();
		c = &cx;
	}
	if (qconf->log_queries)
		log_query_in(&q, c);
	policy_decide_client(qconf, have_global_v6,
	    (const struct sockaddr *)&c->peer, &q, &d);
	switch (d.action) {
	case POLICY_EMPTY:
		reply_empty(&q, c, d.empty_by);
		return;
	case POLICY_NXDOMAIN:
	case POLICY_NODATA:
	case POLICY_ADDRESS:
		query_stats.local_other++;
		n = build_domain_answer(&q, &d, qbuf, sizeof(qbuf));
		if (n == 0) {
			reply_rcode(&q, c, DNS_RCODE_SERVFAIL);
			return;
		}
		log_answer(&q, c, "config", d.action == POLICY_ADDRESS ?
		    "address" : "local", NULL, qbuf, n, 0);
		reply_buf(&q, c, qbuf, n);
		return;
	case POLICY_LOCAL:
		query_stats.local_other++;
		n = localdata_answer_stats(&q, qconf->local_ttl,
		    q.qclass == DNS_CLASS_CH ? chaos_stats(&ls) : NULL, qbuf,
		    sizeof(qbuf));
		if (n == 0) {
			reply_rcode(&q, c, DNS_RCODE_SERVFAIL);
			return;
		}
		log_answer(&q, c, "config", "local data", NULL, qbuf, n, 0);
		reply_buf(&q, c, qbuf, n);
		return;
	case POLICY_REFUSED:
		query_stats.local_other++;
		log_value(&q, c, "config", "local data", "REFUSED");
		reply_rcode(&q, c, DNS_RCODE_REFUSED);
		return;
	case POLICY_HOSTS:
		query_stats.local_other++;
		n = hosts_answer(d.hosts, d.hosts_entry, &q, qconf->local_ttl,
		    qconf->localise_queries && c->ifindex != 0 ?
		    hosts_on_subnet : NULL, (void *)c, qbuf, sizeof(qbuf));
		if (n == 0) {
			reply_rcode(&q, c, DNS_RCODE_SERVFAIL);
			return;
		}
		log_answer(&q, c, hosts_word(d.hosts), "hosts", NULL, qbuf, n,
		    0);
		reply_buf(&q, c, qbuf, n);
		return;
	case POLICY_FORWARD:
		forward(&q, c, &d);
		return;
	}
}

void
query_shutdown(void)
{
	/* Pendings end through upstream_shutdown(), answering their
	 * clients; what is left is the cache. */
	cache_free(qcache);
	qcache = NULL;
}

struct cache *
query_cache(void)
{
	return qcache;
}

void
query_log_stats(void)
{
	struct cache_stats	 cs;

	log_info("queries %llu, answered locally %llu (empty AAAA %llu, "
	    "empty slow types %llu), "
	    "forwarded %llu, coalesced %llu, SERVFAIL %llu, FORMERR %llu, "
	    "NOTIMP %llu, dropped %llu, SERVFAIL at a bound %llu, "
	    "ipv6hint removed %llu",
	    (unsigned long long)query_stats.queries,
	    (unsigned long long)(query_stats.local_empty +
	    query_stats.local_empty_slow + query_stats.local_other),
	    (unsigned long long)query_stats.local_empty,
	    (unsigned long long)query_stats.local_empty_slow,
	    (unsigned long long)pending_stats.started,
	    (unsigned long long)query_stats.coalesced,
	    (unsigned long long)query_stats.servfail,
	    (unsigned long long)query_stats.formerr,
	    (unsigned long long)query_stats.notimp,
	    (unsigned long long)query_stats.dropped,
	    (unsigned long long)query_stats.busy,
	    (unsigned long long)query_stats.hints_stripped);
	if (qcache == NULL) {
		log_info("cache: off");
		return;
	}
	cache_get_stats(qcache, &cs);
	log_info("cache: %llu entries, %llu bytes, hits %llu, misses %llu, "
	    "inserts %llu, evictions %llu, stale answers served %llu, "
	    "prefetches %llu",
	    (unsigned long long)cs.entries, (unsigned long long)cs.bytes,
	    (unsigned long long)cs.hits, (unsigned long long)cs.misses,
	    (unsigned long long)cs.inserts, (unsigned long long)cs.evictions,
	    (unsigned long long)query_stats.stale_served,
	    (unsigned long long)query_stats.prefetches);
}
