/*
 * config_client.c: the setters and print-back of the per-client AAAA
 * keys, aaaa-forward-client=CIDR[,CIDR...] and
 * aaaa-empty-client=CIDR[,CIDR...] (briskdns's own; dnsmasq has no such
 * key).  The networks go into one table (clientnet.h), cfg->aaaa_clients,
 * made at the first value; policy.c looks the client up in it.
 *
 * The print-back shows these keys only when they are given: a
 * configuration without them prints as it did before they existed.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "briskdns.h"
#include "clientnet.h"
#include "config.h"
#include "config_impl.h"

static const char *
rule_key(enum clientnet_rule r)
{
	return r == CLIENTNET_FORWARD ? "aaaa-forward-client" :
	    "aaaa-empty-client";
}

/* One CIDR of a value: added, or reported. */
static int
client_net_add(struct parse *p, const struct key *k, const char *v,
    enum clientnet_rule rule)
{
	struct clientnet_net	 n, v4;
	enum clientnet_rule	 old;
	char			 sb[SHOWBUF], nb[INET6_ADDRSTRLEN + 8];

	if (clientnet_parse(v, &n) == -1) {
		kerr(p, k, "'%s' is not an IPv4 or IPv6 address with an "
		    "optional /LEN (0-32 or 0-128)", show(v, sb, sizeof(sb)));
		return -1;
	}
	if (clientnet_is_mapped(&n)) {
		/* Mapped clients are looked up as IPv4: say how to write it. */
		memset(&v4, 0, sizeof(v4));
		v4.family = AF_INET;
		memcpy(v4.addr, n.addr + 12, 4);
		v4.plen = n.plen - 96;
		kerr(p, k, "'%s' is an IPv4-mapped IPv6 network: write it as "
		    "%s, which also matches IPv4-mapped clients",
		    show(v, sb, sizeof(sb)), clientnet_text(&v4, nb,
		    sizeof(nb)));
		return -1;
	}
	if (p->cfg->aaaa_clients == NULL &&
	    (p->cfg->aaaa_clients = clientnet_new()) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	if (clientnet_add(p->cfg->aaaa_clients, &n, rule, &old) == 0)
		return 0;
	if (old != CLIENTNET_NONE)
		kerr(p, k, "'%s': %s is given to %s already",
		    show(v, sb, sizeof(sb)), clientnet_text(&n, nb,
		    sizeof(nb)), rule_key(old));
	else if (errno == ENOSPC)
		kerr(p, k, "'%s': more than %d client networks in "
		    "aaaa-forward-client and aaaa-empty-client",
		    show(v, sb, sizeof(sb)), CLIENTNET_MAX);
	else
		kerr(p, k, "out of memory");
	return -1;
}

/* CIDR[,CIDR...]: every item is checked, each error reported. */
static int
set_client_nets(struct parse *p, const struct key *k, const char *v,
    enum clientnet_rule rule)
{
	char		 item[INET6_ADDRSTRLEN + 8], sb[SHOWBUF];
	const char	*s, *e;
	size_t		 len;
	int		 rv = 0;

	for (s = v;; s = e + 1) {
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		len = (size_t)(e - s);
		if (len == 0) {
			kerr(p, k, "'%s': empty network in the list",
			    show(v, sb, sizeof(sb)));
			rv = -1;
		} else if (len >= sizeof(item)) {
			kerr(p, k, "'%s' is not an IPv4 or IPv6 address with "
			    "an optional /LEN (0-32 or 0-128)",
			    show(s, sb, sizeof(sb)));
			rv = -1;
		} else {
			memcpy(item, s, len);
			item[len] = '\0';
			if (client_net_add(p, k, item, rule) == -1)
				rv = -1;
		}
		if (*e == '\0' || p->stop)
			break;
	}
	return rv;
}

int
set_aaaa_forward_client(struct parse *p, const struct key *k, const char *v)
{
	return set_client_nets(p, k, v, CLIENTNET_FORWARD);
}

int
set_aaaa_empty_client(struct parse *p, const struct key *k, const char *v)
{
	return set_client_nets(p, k, v, CLIENTNET_EMPTY);
}

/* One line per network of the key's rule; nothing when none. */
void
print_aaaa_client(FILE *f, const struct config *cfg, const struct key *k)
{
	struct clientnet_net	 n;
	enum clientnet_rule	 r, want;
	char			 nb[INET6_ADDRSTRLEN + 8];
	size_t			 i;

	want = k->set == set_aaaa_forward_client ? CLIENTNET_FORWARD :
	    CLIENTNET_EMPTY;
	for (i = 0; i < clientnet_count(cfg->aaaa_clients); i++) {
		clientnet_get(cfg->aaaa_clients, i, &n, &r);
		if (r == want)
			fprintf(f, "%s=%s\n", k->name, clientnet_text(&n, nb,
			    sizeof(nb)));
	}
}
