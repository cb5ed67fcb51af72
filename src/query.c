/*
 * query.c: the one path every query takes, whichever door it came in by.
 *
 *   bytes -> msg_parse_query -> policy_decide -> local answer
 *                                            -> upstream transaction
 *         -> msg_finish_answer -> listen_reply
 *
 * A query answered locally never allocates.  A forwarded one owns a
 * struct request (the parsed query and where to answer) until its
 * transaction ends; every query_input() leads to exactly one
 * listen_reply() (see listen.h).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "briskdns.h"
#include "config.h"
#include "listen.h"
#include "log.h"
#include "msg.h"
#include "policy.h"
#include "query.h"
#include "upstream.h"

struct request {
	struct query	 q;
	struct origin	 origin;
	struct uquery	*uq;
};

struct query_stats	 query_stats;

static const struct config	*qconf;
static int			 have_global_v6 = 1;
static time_t			 busy_logged;

void
query_set_config(const struct config *conf)
{
	qconf = conf;
}

void
query_set_global_v6(int have)
{
	have_global_v6 = have;
}

static const char *
origin_text(const struct origin *o, char *buf, size_t len)
{
	const struct sockaddr_storage	*ss = &o->peer;

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

static void
log_query(const struct query *q, const struct origin *o, const char *what)
{
	char	 name[1024], type[16], from[INET6_ADDRSTRLEN];

	msg_name_text(q->qname_case, q->qname_len, name, sizeof(name));
	log_info("query[%s] %s from %s%s: %s",
	    msg_type_text(q->qtype, type, sizeof(type)), name,
	    origin_text(o, from, sizeof(from)),
	    o->door == DOOR_TCP ? " (tcp)" : "", what);
}

/* Send a reply the path built itself, truncating for UDP if need be. */
static void
reply_local(const struct query *q, const struct origin *o, uint8_t *buf,
    size_t len)
{
	if (len > 0 && o->door == DOOR_UDP)
		len = msg_finish_answer(buf, len, q, msg_udp_limit(q));
	listen_reply(o, buf, len);
}

static void
reply_rcode(const struct query *q, const struct origin *o, int rcode)
{
	uint8_t	 buf[DNS_MAXMSG];

	reply_local(q, o, buf, msg_reply_rcode(q, rcode, -1, buf,
	    sizeof(buf)));
}

static void
request_free(struct request *r)
{
	free(r);
}

/* The end of a transaction: a checked upstream answer, or none. */
static void
request_done(void *arg, uint8_t *ans, size_t len)
{
	struct request	*r = arg;
	size_t		 limit;
	char		 what[32];

	r->uq = NULL;
	if (ans == NULL) {
		query_stats.servfail++;
		if (qconf->log_queries)
			log_query(&r->q, &r->origin, "no upstream answer, SERVFAIL");
		reply_rcode(&r->q, &r->origin, DNS_RCODE_SERVFAIL);
	} else {
		if (qconf->log_queries) {
			snprintf(what, sizeof(what), "reply %s",
			    msg_rcode_text(DNS_RCODE(ans[3])));
			log_query(&r->q, &r->origin, what);
		}
		limit = r->origin.door == DOOR_UDP ?
		    msg_udp_limit(&r->q) : DNS_MAXMSG;
		if ((len = msg_finish_answer(ans, len, &r->q, limit)) == 0)
			reply_rcode(&r->q, &r->origin, DNS_RCODE_SERVFAIL);
		else
			listen_reply(&r->origin, ans, len);
	}
	request_free(r);
}

static void
forward(const struct query *q, const struct origin *o,
    const struct config_domain *route)
{
	struct request	*r;
	int		 busy = 0;
	time_t		 now;

	if ((r = malloc(sizeof(*r))) == NULL) {
		log_warn("request");
		reply_rcode(q, o, DNS_RCODE_SERVFAIL);
		return;
	}
	r->q = *q;
	r->origin = *o;
	r->uq = upstream_query(&r->q, route, request_done, r, &busy);
	if (r->uq != NULL) {
		query_stats.forwarded++;
		if (qconf->log_queries)
			log_query(q, o, "forwarded");
		return;
	}
	if (busy) {
		query_stats.refused_busy++;
		now = time(NULL);
		if (now - busy_logged >= 10) {
			busy_logged = now;
			log_warnx("dns-forward-max (%u) queries in flight: "
			    "answering REFUSED", qconf->dns_forward_max);
		}
		reply_rcode(q, o, DNS_RCODE_REFUSED);
	} else {
		query_stats.servfail++;
		if (qconf->log_queries)
			log_query(q, o, "no upstream server, SERVFAIL");
		reply_rcode(q, o, DNS_RCODE_SERVFAIL);
	}
	request_free(r);
}

void
query_input(const uint8_t *pkt, size_t len, const struct origin *o)
{
	struct query		 q;
	struct policy_decision	 d;
	uint8_t			 buf[DNS_MAXMSG];
	size_t			 n;

	query_stats.queries++;
	switch (msg_parse_query(pkt, len, &q)) {
	case MSG_OK:
		break;
	case MSG_DROP:
		query_stats.dropped++;
		listen_reply(o, NULL, 0);
		return;
	case MSG_FORMERR:
		query_stats.formerr++;
		listen_reply(o, buf, msg_reply_error(pkt, len,
		    DNS_RCODE_FORMERR, buf, sizeof(buf)));
		return;
	case MSG_NOTIMP:
		query_stats.notimp++;
		listen_reply(o, buf, msg_reply_error(pkt, len,
		    DNS_RCODE_NOTIMP, buf, sizeof(buf)));
		return;
	case MSG_BADVERS:
		query_stats.formerr++;
		reply_local(&q, o, buf, msg_reply_badvers(&q, buf,
		    sizeof(buf)));
		return;
	}

	policy_decide(qconf, have_global_v6, &q, &d);
	switch (d.action) {
	case POLICY_EMPTY:
		query_stats.local_empty++;
		if (qconf->log_queries)
			log_query(&q, o, "answered empty (aaaa-mode)");
		n = msg_reply_empty(&q, DNS_RCODE_NOERROR, qconf->local_ttl,
		    DNS_EDE_FILTERED, buf, sizeof(buf));
		reply_local(&q, o, buf, n);
		return;
	case POLICY_NXDOMAIN:
		query_stats.local_other++;
		if (qconf->log_queries)
			log_query(&q, o, "local domain, NXDOMAIN");
		n = msg_reply_empty(&q, DNS_RCODE_NXDOMAIN, qconf->local_ttl,
		    -1, buf, sizeof(buf));
		reply_local(&q, o, buf, n);
		return;
	case POLICY_FORWARD:
		forward(&q, o, d.route);
		return;
	}
}

void
query_log_stats(void)
{
	log_info("queries %llu, answered locally %llu (empty AAAA %llu), "
	    "forwarded %llu, SERVFAIL %llu, FORMERR %llu, NOTIMP %llu, "
	    "dropped %llu, refused at dns-forward-max %llu",
	    (unsigned long long)query_stats.queries,
	    (unsigned long long)(query_stats.local_empty +
	    query_stats.local_other),
	    (unsigned long long)query_stats.local_empty,
	    (unsigned long long)query_stats.forwarded,
	    (unsigned long long)query_stats.servfail,
	    (unsigned long long)query_stats.formerr,
	    (unsigned long long)query_stats.notimp,
	    (unsigned long long)query_stats.dropped,
	    (unsigned long long)query_stats.refused_busy);
}
