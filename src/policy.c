/*
 * policy.c: the decision for one query.
 *
 * A pure function of the query, the configuration and whether the host has
 * a global IPv6 route: no I/O, no allocation, no state.  Both doors call
 * it, so the stub listener and interception never disagree.
 *
 * Order of the rules:
 *   0. Names briskdns answers itself (localdata.h: localhost., the
 *      loopback reverse names, CHAOS): LOCAL (or REFUSED), whatever the
 *      aaaa-mode and server= lines say; never forwarded.
 *   0b. Hosts files and local records (hosts.h) that answer the name and
 *      type: HOSTS, whatever the aaaa-mode and server= lines say.
 *   1. server=/dom/ (local only) for the longest matching domain: NXDOMAIN,
 *      even for an AAAA query that would get the empty answer, because
 *      NXDOMAIN is the truthful answer for a name that exists nowhere.
 *   2. AAAA (type 28 only) with aaaa-mode=empty, or auto without a global
 *      IPv6 route, and the name not in an aaaa-forward domain: EMPTY.
 *   3. Otherwise FORWARD, routed by the longest matching server= domain
 *      (server=/dom/# and no match: the default servers, route NULL).
 */
#include <stddef.h>
#include <stdint.h>

#include "briskdns.h"
#include "config.h"
#include "hosts.h"
#include "localdata.h"
#include "msg.h"
#include "policy.h"

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Equal wire names of the same length n, ASCII case folded. */
static int
wire_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

int
policy_name_in_domain(const uint8_t *name, size_t namelen,
    const struct config_domain *dom)
{
	size_t	 pos = 0;

	if (dom->len == 0 || dom->len > namelen || dom->len > sizeof(dom->wire))
		return 0;
	/*
	 * Try each label boundary of name whose suffix has dom's length:
	 * "ample" never matches inside "example".  Bounded by namelen.
	 */
	while (pos < namelen) {
		if (namelen - pos == dom->len)
			return wire_equal(name + pos, dom->wire, dom->len);
		if (name[pos] == 0)
			break;
		pos += 1 + name[pos];
	}
	return 0;
}

/*
 * The server= entry with a domain that matches name longest, or NULL.
 * Among entries for the same domain the first in order decides the kind.
 */
static const struct config_server *
policy_route(const struct config *conf, const uint8_t *name, size_t namelen)
{
	const struct config_server	*best = NULL, *s;
	size_t				 i;

	for (i = 0; i < conf->nservers; i++) {
		s = &conf->servers[i];
		if (!s->has_domain)
			continue;
		if (best != NULL && s->domain.len <= best->domain.len)
			continue;
		if (policy_name_in_domain(name, namelen, &s->domain))
			best = s;
	}
	return best;
}

static int
policy_aaaa_forwarded(const struct config *conf, const struct query *q)
{
	size_t	 i;

	for (i = 0; i < conf->naaaa_forward; i++)
		if (policy_name_in_domain(q->qname, q->qname_len,
		    &conf->aaaa_forward[i]))
			return 1;
	return 0;
}

static int
policy_hosts(const struct config *conf, const struct query *q,
    struct policy_decision *d)
{
	const struct hosts_entry	*e;

	if ((e = hosts_lookup(conf->hosts, q->qname, q->qname_len,
	    q->qtype)) != NULL)
		d->hosts = conf->hosts;
	else if ((e = hosts_lookup(conf->hosts_dir, q->qname, q->qname_len,
	    q->qtype)) != NULL)
		d->hosts = conf->hosts_dir;
	else
		return 0;
	d->action = POLICY_HOSTS;
	d->hosts_entry = e;
	return 1;
}

void
policy_decide(const struct config *conf, int have_global_v6,
    const struct query *q, struct policy_decision *d)
{
	const struct config_server	*s;

	d->action = POLICY_FORWARD;
	d->route = NULL;
	d->aaaa_wait = POLICY_WAIT_NONE;
	d->hosts = NULL;
	d->hosts_entry = NULL;

	switch (localdata_match(q)) {
	case LOCALDATA_ANSWER:
		d->action = POLICY_LOCAL;
		return;
	case LOCALDATA_REFUSED:
		d->action = POLICY_REFUSED;
		return;
	case LOCALDATA_NONE:
		break;
	}

	/* Hosts files and local records: before every domain rule and
	 * aaaa-mode (an AAAA in a hosts file is an answer the host wants). */
	if (q->qclass == DNS_CLASS_IN && policy_hosts(conf, q, d))
		return;

	s = policy_route(conf, q->qname, q->qname_len);
	if (s != NULL && s->kind == SERVER_LOCAL) {
		d->action = POLICY_NXDOMAIN;
		return;
	}

	if (q->qtype == DNS_TYPE_AAAA && conf->aaaa_mode != AAAA_FORWARD &&
	    !policy_aaaa_forwarded(conf, q)) {
		switch (conf->aaaa_mode) {
		case AAAA_EMPTY:
			d->action = POLICY_EMPTY;
			return;
		case AAAA_AUTO:
			if (!have_global_v6) {
				d->action = POLICY_EMPTY;
				return;
			}
			break;
		case AAAA_DEADLINE:
			d->aaaa_wait = POLICY_WAIT_DEADLINE;
			break;
		case AAAA_AFTER_A:
			d->aaaa_wait = POLICY_WAIT_AFTER_A;
			break;
		case AAAA_FORWARD:
			break;
		}
	}

	if (s != NULL && s->kind == SERVER_ADDR)
		d->route = &s->domain;
}
