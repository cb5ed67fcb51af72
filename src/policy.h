/*
 * policy.h: the decision for one query, a pure function of the query, the
 * configuration and whether the host has a global IPv6 route.  Both doors
 * (stub listener, interception) call it, so they never disagree.
 */
#ifndef BRISKDNS_POLICY_H
#define BRISKDNS_POLICY_H

#include "config.h"
#include "domtab.h"
#include "msg.h"

struct hosts;
struct sockaddr;
struct hosts_entry;

enum policy_action {
	POLICY_FORWARD = 0,	/* to route's servers (NULL route: defaults) */
	POLICY_EMPTY,		/* the empty AAAA answer, made locally */
	POLICY_NXDOMAIN,	/* server=/dom/, local=, address=/dom/: NXDOMAIN */
	POLICY_LOCAL,		/* RFC 6761 names, CHAOS: localdata_answer */
	POLICY_REFUSED,		/* other CHAOS queries */
	POLICY_ADDRESS,		/* address=/dom/ADDR: A or AAAA from addr */
	POLICY_NODATA,		/* local=/dom/ with addresses of another type */
	POLICY_HOSTS,		/* hosts files, local records: hosts_answer */
};

/* With POLICY_FORWARD of an AAAA query (or one of slow-types): when to
 * give up waiting. */
enum policy_wait {
	POLICY_WAIT_NONE = 0,	/* wait for the real answer */
	POLICY_WAIT_DEADLINE,	/* empty after aaaa-mode=deadline:MS */
	POLICY_WAIT_AFTER_A,	/* empty once an A answer is known */
	/*
	 * aaaa-mode=learn: the path turns it into LEARNT when the server
	 * the question goes to first is learnt slow (upstream_learn_slow),
	 * else into NONE; pending.c and the answers see only those.
	 */
	POLICY_WAIT_LEARN,
	POLICY_WAIT_LEARNT,	/* as DEADLINE, with learn's MS */
};

/* Whether a client waiting with w gets the empty answer at a deadline,
 * and instead of a failure (SERVFAIL, REFUSED, no answer). */
static inline int
policy_wait_deadline(enum policy_wait w)
{
	return w == POLICY_WAIT_DEADLINE || w == POLICY_WAIT_LEARNT;
}

struct policy_decision {
	enum policy_action		 action;
	enum policy_wait		 aaaa_wait;
	/* With POLICY_EMPTY: which rule answers empty, the word
	 * log-queries writes ("aaaa-mode", "aaaa-empty",
	 * "aaaa-empty-client", "filter"). */
	const char			*empty_by;
	/* With POLICY_FORWARD: the domain of the server= lines that route
	 * this query (longest match), or NULL for the default servers. */
	const struct config_domain	*route;
	/* With POLICY_ADDRESS: the addresses (the configuration's). */
	struct domtab_match		 addr;
	/* With POLICY_HOSTS: the table and the entry that answer. */
	const struct hosts		*hosts;
	const struct hosts_entry	*hosts_entry;
};

/*
 * have_global_v6: for aaaa-mode=auto and learn, whether the host has a route to
 * 2000::/3 right now.
 */
void	policy_decide(const struct config *conf, int have_global_v6,
	    const struct query *q, struct policy_decision *d);
/*
 * The same for a query from client (the stub listener's peer, the source
 * of an intercepted packet; sockaddr_in or sockaddr_in6): its
 * aaaa-forward-client= / aaaa-empty-client= rule applies.  policy_decide
 * is this with client NULL (unknown: no client rule).
 */
void	policy_decide_client(const struct config *conf, int have_global_v6,
	    const struct sockaddr *client, const struct query *q,
	    struct policy_decision *d);

/*
 * Whether local data (hosts files, hostsdir, records) has name (wire,
 * lower case) with any type: dnsmasq's "known from /etc/hosts".
 */
int	policy_local_has_name(const struct config *, const uint8_t *name,
	    size_t len);

/* Whether qtype is one of slow-types= (HTTPS, SVCB): such a query gets
 * what an AAAA query of its name gets from the AAAA step. */
int	policy_slow_type(const struct config *, uint16_t qtype);

/* Whether name (wire, lower case) equals dom or lies below it. */
int	policy_name_in_domain(const uint8_t *name, size_t namelen,
	    const struct config_domain *dom);

#endif
