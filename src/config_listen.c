/*
 * config_listen.c: the keys of where briskdns listens and whom it
 * answers: listen-address (lists), interface=, except-interface=,
 * bind-interfaces, bind-dynamic, local-service[=net|host], any-client,
 * localise-queries; and listen_finish(), which decides whom the stub
 * listener answers (struct config's clients) once every key is read.
 *
 * The rule, as briskdns.conf(5) says it:
 * - interface= or except-interface= given: whoever reaches a bound
 *   address is answered (dnsmasq); local-service then has no effect
 *   (dnsmasq), which is logged at start.
 * - local-service=host without them and without listen-address: this
 *   host only; local-service (=net) likewise: directly attached networks.
 * - any-client: no restriction.
 * - otherwise, a listen-address beyond loopback: directly attached
 *   networks only, the safe default (dnsmasq would answer anyone).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "config.h"
#include "config_impl.h"

/*
 * listen-address=A[,B...] (dnsmasq takes a list): each through
 * set_listen().
 */
int
set_listen_list(struct parse *p, const struct key *k, const char *v)
{
	char	 item[INET6_ADDRSTRLEN + 16], sb[SHOWBUF];
	const char *s, *e;
	size_t	 len;
	int	 rv = 0;

	for (s = v;; s = e + 1) {
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		len = (size_t)(e - s);
		if (len == 0 || len >= sizeof(item)) {
			kerr(p, k, "'%s' is not an IPv4 or IPv6 address",
			    len == 0 ? "" : show(s, sb, sizeof(sb)));
			rv = -1;
		} else {
			memcpy(item, s, len);
			item[len] = '\0';
			if (set_listen(p, k, item) == -1)
				rv = -1;
		}
		if (*e == '\0')
			break;
	}
	return rv;
}

/* An interface name as the kernel allows it, with an optional final '*'. */
static int
interface_name_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len >= IF_NAMESIZE)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == ',' ||
		    (c == '*' && i != len - 1))
			return 0;
	}
	return !(len == 1 && s[0] == '.') && !(len == 2 && s[0] == '.' &&
	    s[1] == '.');
}

/* interface=NAME[,NAME...] and except-interface=, into their lists. */
int
set_interface(struct parse *p, const struct key *k, const char *v)
{
	struct config	*cfg = p->cfg;
	char		***list, **nl, *name, sb[SHOWBUF];
	size_t		 *n, i, len;
	const char	 *s, *e;
	int		  rv = 0;

	if (strcmp(k->name, "interface") == 0) {
		list = &cfg->interfaces;
		n = &cfg->ninterfaces;
	} else {
		list = &cfg->except_interfaces;
		n = &cfg->nexcept_interfaces;
	}
	for (s = v;; s = e + 1) {
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		len = (size_t)(e - s);
		if (!interface_name_ok(s, len)) {
			char	item[CONFIG_SHOW + 1];

			snprintf(item, sizeof(item), "%.*s",
			    (int)(len < CONFIG_SHOW ? len : CONFIG_SHOW), s);
			kerr(p, k, "'%s' is not an interface name (at most "
			    "%d characters, no blanks or '/', '*' only at the "
			    "end)",
			    show(item, sb, sizeof(sb)), IF_NAMESIZE - 1);
			rv = -1;
			goto next;
		}
		for (i = 0; i < *n; i++)
			if (strlen((*list)[i]) == len &&
			    memcmp((*list)[i], s, len) == 0)
				break;
		if (i < *n)
			goto next;	/* given twice */
		if (*n >= CONFIG_MAX_INTERFACES) {
			kerr(p, k, "more than %d interfaces",
			    CONFIG_MAX_INTERFACES);
			return -1;
		}
		if ((name = strndup(s, len)) == NULL ||
		    (nl = grow(*list, *n, 1, sizeof(*nl))) == NULL) {
			free(name);
			kerr(p, k, "out of memory");
			return -1;
		}
		*list = nl;
		nl[(*n)++] = name;
next:
		if (*e == '\0')
			break;
	}
	return rv;
}

/* local-service, local-service=net, local-service=host. */
int
set_local_service(struct parse *p, const struct key *k, const char *v)
{
	char	sb[SHOWBUF];

	if (v == NULL || strcmp(v, "net") == 0)
		p->cfg->local_service = LOCAL_SERVICE_NET;
	else if (strcmp(v, "host") == 0)
		p->cfg->local_service = LOCAL_SERVICE_HOST;
	else {
		kerr(p, k, "'%s' is not one of net, host (or no value: net)",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	return 0;
}

void
print_interfaces(FILE *f, const struct config *cfg, const struct key *k)
{
	char	**list = cfg->interfaces;
	size_t	  n = cfg->ninterfaces, i;

	if (strcmp(k->name, "interface") != 0) {
		list = cfg->except_interfaces;
		n = cfg->nexcept_interfaces;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s=%s\n", k->name, list[i]);
	if (n == 0)
		fprintf(f, "# %s: none\n", k->name);
}

/* local-service as given, then whom the listener answers, in a comment. */
void
print_local_service(FILE *f, const struct config *cfg, const struct key *k)
{
	static const char *const scope[] = {
	    "any client that reaches a listen address",
	    "clients on directly attached networks only",
	    "clients on this host only" };

	switch (cfg->local_service) {
	case LOCAL_SERVICE_OFF:
		fprintf(f, "# %s: off\n", k->name);
		break;
	case LOCAL_SERVICE_NET:
		fprintf(f, "%s=net%s\n", k->name, cfg->local_service_ignored ?
		    " # no effect with interface= or except-interface=" : "");
		break;
	case LOCAL_SERVICE_HOST:
		fprintf(f, "%s=host%s\n", k->name,
		    cfg->local_service_ignored ? " # no effect with "
		    "interface=, except-interface= or listen-address=" : "");
		break;
	}
	fprintf(f, "# answering: %s%s\n", cfg->clients < 3 ?
	    scope[cfg->clients] : "?", cfg->clients_default ?
	    " (the default with a listen-address beyond loopback)" : "");
}

/* Addresses come from interfaces (interface= or except-interface=). */
int
listen_by_interface(const struct config *cfg)
{
	return cfg->ninterfaces > 0 || cfg->nexcept_interfaces > 0;
}

/* Is any listen-address beyond loopback? */
static int
listen_beyond_loopback(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nlisten; i++)
		if (!addr_is_loopback(&cfg->listen[i].addr))
			return 1;
	return 0;
}

/* After every key: whom the listener answers.  See the top. */
void
listen_finish(struct parse *p)
{
	struct config	*cfg = p->cfg;
	int		 given = !cfg->listen_default;

	cfg->clients = CLIENTS_ANY;
	cfg->clients_default = 0;
	cfg->local_service_ignored = 0;
	if (cfg->any_client && cfg->local_service != LOCAL_SERVICE_OFF) {
		perr(p, "%s: any-client and local-service contradict each "
		    "other", cfg->conf_file);
		return;
	}
	if (listen_by_interface(cfg)) {
		/* dnsmasq: local-service only without these. */
		cfg->local_service_ignored =
		    cfg->local_service != LOCAL_SERVICE_OFF;
		return;
	}
	if (cfg->any_client)
		return;
	if (cfg->local_service == LOCAL_SERVICE_HOST && !given) {
		cfg->clients = CLIENTS_HOST;
		return;
	}
	if (cfg->local_service == LOCAL_SERVICE_NET) {
		cfg->clients = CLIENTS_NET;
		return;
	}
	cfg->local_service_ignored =
	    cfg->local_service == LOCAL_SERVICE_HOST;
	if (listen_beyond_loopback(cfg)) {
		/* Never an open resolver by accident. */
		cfg->clients = CLIENTS_NET;
		cfg->clients_default = 1;
	}
}

void
listen_free(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->ninterfaces; i++)
		free(cfg->interfaces[i]);
	free(cfg->interfaces);
	for (i = 0; i < cfg->nexcept_interfaces; i++)
		free(cfg->except_interfaces[i]);
	free(cfg->except_interfaces);
}

/* As sets: the order does not change what is bound. */
static int
names_differ(char **a, size_t na, char **b, size_t nb)
{
	size_t	i, j;

	if (na != nb)
		return 1;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (strcmp(a[i], b[j]) == 0)
				break;
		if (j == nb)
			return 1;
	}
	return 0;
}

/* The keys of this group that need a restart and differ; their count. */
int
listen_keys_differ(const struct config *a, const struct config *b,
    const char **names, size_t max)
{
	size_t	n = 0;

#define DIFFER(cond, name)	do {				\
	if ((cond) && n < max)					\
		names[n++] = (name);				\
} while (0)
	DIFFER(names_differ(a->interfaces, a->ninterfaces, b->interfaces,
	    b->ninterfaces), "interface");
	DIFFER(names_differ(a->except_interfaces, a->nexcept_interfaces,
	    b->except_interfaces, b->nexcept_interfaces), "except-interface");
	DIFFER(a->bind_dynamic != b->bind_dynamic, "bind-dynamic");
	DIFFER(a->local_service != b->local_service, "local-service");
	DIFFER(a->any_client != b->any_client, "any-client");
#undef DIFFER
	return (int)n;
}

/*
 * SIGHUP with restart keys changed: new keeps what old bound and whom it
 * answers (old loses the lists, new's are freed).
 */
void
config_listen_keep(struct config *new, struct config *old)
{
	listen_free(new);
	new->interfaces = old->interfaces;
	new->ninterfaces = old->ninterfaces;
	new->except_interfaces = old->except_interfaces;
	new->nexcept_interfaces = old->nexcept_interfaces;
	old->interfaces = old->except_interfaces = NULL;
	old->ninterfaces = old->nexcept_interfaces = 0;
	new->bind_interfaces = old->bind_interfaces;
	new->bind_dynamic = old->bind_dynamic;
	new->local_service = old->local_service;
	new->any_client = old->any_client;
	new->clients = old->clients;
	new->clients_default = old->clients_default;
	new->local_service_ignored = old->local_service_ignored;
}
