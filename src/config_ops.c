/*
 * config_ops.c: the setters of the operations keys: control-socket=PATH
 * (briskdns-control's Unix socket) and metrics-listen=ADDR:PORT (the
 * Prometheus endpoint).  Both are off by default and both need a restart
 * to change: SIGHUP keeps the old values and says so, as for
 * listen-address.
 *
 * Pure like the rest of the configuration module; the sockets are
 * control.c's and metrics.c's.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "config.h"
#include "config_impl.h"

/*
 * control-socket=PATH: absolute (the daemon changes directory to /), no
 * control characters, short enough for sun_path.  "none" turns it off
 * (a later line may undo an earlier one).
 */
int
set_control_socket(struct parse *p, const struct key *k, const char *v)
{
	struct sockaddr_un	 sun;
	char			 sb[SHOWBUF];

	if (strcmp(v, "none") == 0) {
		free(p->cfg->control_socket);
		p->cfg->control_socket = NULL;
		return 0;
	}
	if (v[0] != '/') {
		kerr(p, k, "'%s' is not an absolute path",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	if (strlen(v) >= sizeof(sun.sun_path)) {
		kerr(p, k, "'%s' is too long for a Unix socket (at most %zu "
		    "characters)", show(v, sb, sizeof(sb)),
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	return set_path(p, k, v);
}

/*
 * metrics-listen=ADDR:PORT, [IPV6]:PORT, or dnsmasq's ADDR#PORT.  The
 * port is required (there is no well-known one); "none" turns it off.
 */
int
set_metrics_listen(struct parse *p, const struct key *k, const char *v)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 buf[INET6_ADDRSTRLEN + 16], sb[SHOWBUF];
	char			*host, *port, *end;
	unsigned long		 pn;

	if (strcmp(v, "none") == 0) {
		free(p->cfg->metrics_listen);
		p->cfg->metrics_listen = NULL;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		goto bad;
	memcpy(buf, v, strlen(v) + 1);
	host = buf;
	if (*host == '[') {
		if ((end = strchr(host, ']')) == NULL)
			goto bad;
		*end++ = '\0';
		host++;
		if (*end != ':' && *end != '#')
			goto noport;
		port = end + 1;
	} else if ((port = strrchr(host, '#')) != NULL) {
		*port++ = '\0';
	} else if ((port = strchr(host, ':')) != NULL &&
	    strchr(port + 1, ':') == NULL) {
		*port++ = '\0';		/* IPv4:PORT */
	} else
		goto noport;
	if (parse_host(host, &ss, &sslen) == -1)
		goto bad;
	if (parse_ulong(port, 65535, &pn) == -1 || pn == 0) {
		kerr(p, k, "'%s': the port is not a number from 1 to 65535",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)pn);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)pn);
	if (set_string(p, k, v) == -1)
		return -1;
	p->cfg->metrics_addr = ss;
	p->cfg->metrics_addrlen = sslen;
	return 0;
noport:
	kerr(p, k, "'%s' has no port (ADDR:PORT, or [IPV6]:PORT)",
	    show(v, sb, sizeof(sb)));
	return -1;
bad:
	kerr(p, k, "'%s' is not ADDR:PORT with an IPv4 or IPv6 address",
	    show(v, sb, sizeof(sb)));
	return -1;
}

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

int
ops_keys_differ(const struct config *a, const struct config *b,
    const char **names, size_t max)
{
	size_t	n = 0;

	if (str_differ(a->control_socket, b->control_socket) && n < max)
		names[n++] = "control-socket";
	if (str_differ(a->metrics_listen, b->metrics_listen) && n < max)
		names[n++] = "metrics-listen";
	return (int)n;
}

/* SIGHUP with restart keys changed: new keeps old's (old loses them). */
void
config_ops_keep(struct config *new, struct config *old)
{
	free(new->control_socket);
	new->control_socket = old->control_socket;
	old->control_socket = NULL;
	free(new->metrics_listen);
	new->metrics_listen = old->metrics_listen;
	old->metrics_listen = NULL;
	new->metrics_addr = old->metrics_addr;
	new->metrics_addrlen = old->metrics_addrlen;
}

void
ops_config_free(struct config *cfg)
{
	free(cfg->control_socket);
	free(cfg->metrics_listen);
}
