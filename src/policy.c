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
 *      aaaa-mode and domain rules say; never forwarded.
 *   0b. Hosts files and local records (hosts.h) that answer the name and
 *      type: HOSTS, whatever the domain rules and aaaa-mode say (dnsmasq
 *      answers hosts names before its domain rules too).
 *   1. The domain table (domtab.h): the longest matching pattern with a
 *      rule for the query decides, with dnsmasq 2.90's priorities:
 *      address= of the query's type (IN class only): ADDRESS; servers:
 *      FORWARD to them (server=/d/#: the default servers); local
 *      (server=/d/, local=/d/, address=/d/): NXDOMAIN (NODATA where the
 *      pattern has addresses of another type), even for an AAAA query
 *      that would get the empty answer, because NXDOMAIN is the truthful
 *      answer for a name that exists nowhere.  Local answers win over
 *      aaaa-mode.
 *   2. AAAA (type 28, and the types of slow-types=, which get exactly
 *      what an AAAA query of the name gets): the longest aaaa-empty= or
 *      aaaa-forward= pattern that matches decides (domtab_aaaa):
 *      aaaa-empty: EMPTY, whatever aaaa-mode says; aaaa-forward: step
 *      3.  Without one, the longest aaaa-empty-client= or
 *      aaaa-forward-client= network that holds the client decides the
 *      same way (clientnet.h; a domain rule wins over a client rule).
 *      None: with aaaa-mode=empty, or auto or learn without a global
 *      IPv6 route: EMPTY (learn with one: WAIT_LEARN, decided per
 *      server).
 *   3. Otherwise FORWARD, routed as step 1 said (no rule: the default
 *      servers, route NULL).
 *
 * Cost: a lookup walks the name's suffixes in a hash, whatever the number
 * of rules.
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "briskdns.h"
#include "clientnet.h"
#include "config.h"
#include "domtab.h"
#include "filter.h"
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

int
policy_local_has_name(const struct config *conf, const uint8_t *name,
    size_t len)
{
	return hosts_has_name(conf->hosts, name, len) ||
	    hosts_has_name(conf->hosts_dir, name, len);
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

/* Whether q's name lies under arpa. (the reverse zones). */
static int
policy_is_reverse(const struct query *q)
{
	static const uint8_t	 arpa[] = "\004arpa";	/* and the root */

	return q->qname_len >= sizeof(arpa) && wire_equal(q->qname +
	    q->qname_len - sizeof(arpa), arpa, sizeof(arpa));
}

int
policy_slow_type(const struct config *conf, uint16_t qtype)
{
	size_t	 i;

	for (i = 0; i < conf->nslow_types; i++)
		if (conf->slow_types[i] == qtype)
			return 1;
	return 0;
}

/*
 * The AAAA rule for q from client: the longest aaaa-empty= or
 * aaaa-forward= pattern that matches the name; without one, the longest
 * aaaa-empty-client= or aaaa-forward-client= network that holds the
 * client (clientnet.h); neither: NONE, aaaa-mode decides.  The one place
 * a client changes an AAAA query's treatment.
 */
static enum domtab_aaaa
policy_aaaa_rule(const struct config *conf, const struct sockaddr *client,
    const struct query *q, const char **by)
{
	enum domtab_aaaa	 a;

	*by = "aaaa-empty";
	a = domtab_aaaa(conf->domains, q->qname, q->qname_len);
	if (a != DOMTAB_AAAA_NONE)
		return a;
	switch (clientnet_lookup_sa(conf->aaaa_clients, client)) {
	case CLIENTNET_FORWARD:
		return DOMTAB_AAAA_FORWARD;
	case CLIENTNET_EMPTY:
		*by = "aaaa-empty-client";
		return DOMTAB_AAAA_EMPTY;
	case CLIENTNET_NONE:
		break;
	}
	return DOMTAB_AAAA_NONE;
}

void
policy_decide(const struct config *conf, int have_global_v6,
    const struct query *q, struct policy_decision *d)
{
	policy_decide_client(conf, have_global_v6, NULL, q, d);
}

void
policy_decide_client(const struct config *conf, int have_global_v6,
    const struct sockaddr *client, const struct query *q,
    struct policy_decision *d)
{
	const struct config_domain	*route = NULL;
	enum domtab_aaaa		 aaaa;
	const char			*by = NULL;
	int				 aaaa_like;

	d->action = POLICY_FORWARD;
	d->route = NULL;
	d->aaaa_wait = POLICY_WAIT_NONE;
	d->empty_by = "aaaa-mode";
	d->hosts = NULL;
	d->hosts_entry = NULL;

	switch (localdata_match(q)) {
	case LOCALDATA_ANSWER:
		if (q->qclass == DNS_CLASS_CH && conf->no_ident) {
			d->action = POLICY_REFUSED;	/* no-ident */
			return;
		}
		/* A loopback reverse name that a hosts file has (Debian's
		 * "127.0.1.1 HOSTNAME") gets the hosts file's answer, as in
		 * dnsmasq; localhost. itself is always RFC 6761's. */
		if (q->qclass == DNS_CLASS_IN && policy_is_reverse(q) &&
		    policy_hosts(conf, q, d))
			return;
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

	switch (domtab_lookup(conf->domains, q->qname, q->qname_len,
	    q->qclass == DNS_CLASS_IN ? q->qtype : 0, &d->addr)) {
	case DOMTAB_ADDRESS:
		d->action = POLICY_ADDRESS;
		return;
	case DOMTAB_NXDOMAIN:
		/* local=/lan/ and a name local data has, without this
		 * type: the name exists (dnsmasq 2.90: NODATA). */
		d->action = policy_local_has_name(conf, q->qname,
		    q->qname_len) ? POLICY_NODATA : POLICY_NXDOMAIN;
		return;
	case DOMTAB_NODATA:
		d->action = POLICY_NODATA;
		return;
	case DOMTAB_FORWARD:
		/* Its index + 1 in servers (config.h); 0: the defaults. */
		if (d->addr.route != 0 && d->addr.route <= conf->nservers)
			route = &conf->servers[d->addr.route - 1].domain;
		break;
	case DOMTAB_NONE:
		break;
	}
	if (policy_filter(conf, q, route != NULL, d))
		return;		/* filter.c: domain-needed, bogus-priv, filter-rr */

	/*
	 * aaaa-empty / aaaa-forward: the longest pattern of either; then
	 * the client's networks.  AAAA and the slow-types alike: this block
	 * is the one place that says what an AAAA query gets, so a slow
	 * type gets the same.
	 */
	aaaa_like = q->qtype == DNS_TYPE_AAAA || policy_slow_type(conf,
	    q->qtype);
	aaaa = aaaa_like ? policy_aaaa_rule(conf, client, q, &by) :
	    DOMTAB_AAAA_NONE;
	if (aaaa == DOMTAB_AAAA_EMPTY) {
		d->action = POLICY_EMPTY;
		d->empty_by = by;
		return;
	}
	if (aaaa_like && conf->aaaa_mode != AAAA_FORWARD &&
	    aaaa == DOMTAB_AAAA_NONE) {
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
		case AAAA_LEARN:
			if (!have_global_v6) {
				d->action = POLICY_EMPTY;
				return;
			}
			d->aaaa_wait = POLICY_WAIT_LEARN;
			break;
		case AAAA_FORWARD:
			break;
		}
	}
	d->route = route;
}
