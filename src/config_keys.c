/*
 * config_keys.c: the key table, and the setters of the general keys.
 *
 * One table drives the file parser, getopt_long, --help and the
 * print-back of --test.  A key's setter both validates and stores, so the
 * file and the command line cannot disagree about what a value means.
 * Groups of keys have their setters in their own file (config_impl.h).
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "briskdns.h"
#include "config.h"
#include "config_impl.h"

#define F(field)	offsetof(struct config, field), \
			sizeof(((struct config *)0)->field)

/* The keys, in the order of --help and the print-back. */
const struct key config_keys[] = {
	{ "conf-file", 'C', KT_STRING, K_NODEFAULT, CONFIG_DEFAULT_FILE,
	    "PATH", F(conf_file), 0, 0, set_conf_file, print_conf_file,
	    "configuration file to read; in a file: include it" },
	{ "test", 0, KT_FLAG, K_CMDLINE | K_NOPRINT, NULL, NULL, F(test),
	    0, 0, NULL, NULL,
	    "check the configuration, print it and exit" },
	{ "no-daemon", 'd', KT_FLAG, 0, NULL, NULL, F(no_daemon), 0, 0,
	    NULL, NULL, "stay in the foreground, log to stderr" },
	{ "keep-in-foreground", 'k', KT_FLAG, 0, NULL, NULL,
	    F(keep_in_foreground), 0, 0, NULL, NULL,
	    "stay in the foreground, log to syslog" },
	{ "port", 'p', KT_NUMBER, 0, "53", "PORT", F(port), 0, 65535,
	    NULL, NULL, "port of the stub listener, UDP and TCP; 0: none" },
	{ "listen-address", 'a', KT_ADDRESS, K_REPEAT | K_NODEFAULT,
	    "127.0.0.1 and ::1", "ADDR", 0, 0, 0, 0, set_listen, NULL,
	    "address to listen on (repeatable)" },
	{ "server", 'S', KT_SERVER, K_REPEAT | K_NODEFAULT,
	    "from resolv-file", "[/DOMAIN/]ADDR[#PORT]", 0, 0, 0, 0,
	    set_server, NULL, "upstream server, for DOMAIN only if given "
	    "(repeatable)" },
	{ "resolv-file", 'r', KT_STRING, 0, "/etc/resolv.conf", "PATH",
	    F(resolv_file), 0, 0, set_path, NULL,
	    "where upstream servers come from when no server is given" },
	{ "no-resolv", 'R', KT_FLAG, 0, NULL, NULL, F(no_resolv), 0, 0,
	    NULL, NULL, "do not read resolv-file" },
	{ "strict-order", 'o', KT_FLAG, 0, NULL, NULL, F(strict_order), 0, 0,
	    NULL, NULL, "try upstream servers in the order given" },
	{ "all-servers", 0, KT_FLAG, 0, NULL, NULL, F(all_servers), 0, 0,
	    NULL, NULL, "send each query to all upstream servers" },
	{ "dns-forward-max", '0', KT_NUMBER, 0, "1000", "COUNT",
	    F(dns_forward_max), 1, 1000000, NULL, NULL,
	    "most queries in flight to upstream servers" },
	{ "cache-size", 'c', KT_SIZE, 0, "10000", "ENTRIES", F(cache_size),
	    0, CONFIG_MAX_CACHE, NULL, NULL,
	    "entries in the answer cache; 0: no cache" },
	{ "neg-ttl", 0, KT_NUMBER, 0, NULL, "SECONDS", F(neg_ttl), 0,
	    2147483647, NULL, print_unset_zero,
	    "TTL of negative answers without SOA (default: not cached)" },
	{ "min-cache-ttl", 0, KT_NUMBER, 0, "0", "SECONDS", F(min_cache_ttl),
	    0, CONFIG_MAX_TTL, NULL, NULL,
	    "shortest time an answer is cached" },
	{ "max-cache-ttl", 0, KT_NUMBER, 0, "86400", "SECONDS",
	    F(max_cache_ttl), 1, CONFIG_MAX_TTL, NULL, NULL,
	    "longest time an answer is cached" },
	{ "serve-stale", 0, KT_NUMBER, 0, "0", "SECONDS", F(serve_stale), 0,
	    CONFIG_MAX_TTL, NULL, NULL,
	    "answer from expired entries up to this long when upstream "
	    "servers fail (RFC 8767); 0: off" },
	{ "prefetch", 0, KT_FLAG, 0, NULL, NULL, F(prefetch), 0, 0,
	    NULL, NULL, "refresh popular entries shortly before they expire" },
	{ "aaaa-mode", 0, KT_STRING, 0, "empty",
	    "empty|forward|auto|deadline:MS|after-a",
	    F(aaaa_mode), 0, 0, set_aaaa_mode, print_aaaa_mode,
	    "how AAAA queries are handled" },
	{ "filter-AAAA", 0, KT_FLAG, K_NOPRINT, NULL, NULL, 0, 0, 0, 0,
	    set_filter_aaaa, NULL, "the same as aaaa-mode=empty (dnsmasq)" },
	{ "aaaa-forward", 0, KT_DOMAINLIST, K_REPEAT, NULL,
	    "/DOMAIN[/DOMAIN...]/", 0, 0, 0, 0, set_aaaa_forward, NULL,
	    "always forward AAAA queries for these domains (repeatable)" },
	{ "local-ttl", 0, KT_NUMBER, 0, "60", "SECONDS", F(local_ttl), 0,
	    2147483647, NULL, NULL,
	    "TTL of the SOA in briskdns's own empty answers" },
	{ "edns-packet-max", 0, KT_NUMBER, 0, "1232", "BYTES",
	    F(edns_packet_max), 512, 4096, NULL, NULL,
	    "largest UDP answer sent to a client, and the EDNS size offered "
	    "upstream; larger answers are truncated (TC)" },
	{ "log-queries", 'q', KT_FLAG, 0, NULL, NULL, F(log_queries), 0, 0,
	    NULL, NULL, "log every query and how it was answered" },
	{ "pid-file", 'x', KT_STRING, 0, NULL, "PATH", F(pid_file), 0, 0,
	    set_path, NULL, "write the process id there" },
	{ "user", 'u', KT_STRING, 0, "nobody", "NAME", F(user), 0, 0,
	    set_name, NULL, "user to run as after binding, when root" },
	{ "group", 'g', KT_STRING, 0, "nogroup", "NAME", F(group), 0, 0,
	    set_name, NULL, "group to run as after binding, when root" },
	{ "nfqueue", 0, KT_NUMBER, K_NODEFAULT, "off", "QUEUE", F(nfqueue),
	    0, 65535, set_nfqueue, print_nfqueue,
	    "intercept the traffic of the DNS server on nfqueue-port through "
	    "this netfilter queue" },
	{ "nfqueue-port", 0, KT_NUMBER, 0, "53", "PORT", F(nfqueue_port), 1,
	    65535, NULL, NULL, "port of the DNS server whose traffic is "
	    "intercepted" },
	{ "nfqueue-rules", 0, KT_STRING, 0, "auto", "auto|none",
	    F(nfqueue_rules_auto), 0, 0, set_nfqueue_rules,
	    print_nfqueue_rules, "auto: briskdns adds and removes the "
	    "netfilter rules; none: the user does" },

	/* ---- local answers: domain rules and records (config_local.c) */

	/* ---- hosts files and records (config_hosts.c) ---- */
	{ "no-hosts", 0, KT_FLAG, 0, NULL, NULL, F(no_hosts), 0, 0,
	    NULL, NULL, "do not read /etc/hosts" },
	{ "addn-hosts", 'H', KT_STRING, K_REPEAT, NULL, "FILE|DIR", 0, 0, 0,
	    0, set_hosts_path, print_hosts_list,
	    "also read this hosts file, or every file in this directory "
	    "(repeatable)" },
	{ "hostsdir", 0, KT_STRING, K_REPEAT, NULL, "DIR", 0, 0, 0, 0,
	    set_hosts_path, print_hosts_list,
	    "read every hosts file in DIR, and again when they change "
	    "(repeatable)" },
	{ "domain", 's', KT_STRING, 0, NULL, "DOMAIN", F(domain), 0, 0,
	    set_hosts_domain, NULL, "the local domain, for expand-hosts" },
	{ "expand-hosts", 'E', KT_FLAG, 0, NULL, NULL, F(expand_hosts), 0, 0,
	    NULL, NULL, "add domain to the plain names of hosts files" },
	{ "localise-queries", 'y', KT_FLAG, 0, NULL, NULL,
	    F(localise_queries), 0, 0, NULL, NULL,
	    "of a hosts name's IPv4 addresses, answer those on the subnet of "
	    "the interface the query came in on" },
	{ "host-record", 0, KT_STRING, K_REPEAT, NULL,
	    "NAME[,NAME...],[IPv4],[IPv6][,TTL]", 0, 0, 0, 0,
	    set_hosts_record, print_hosts_record,
	    "A, AAAA and PTR records (repeatable)" },
	{ "cname", 0, KT_STRING, K_REPEAT, NULL,
	    "ALIAS[,ALIAS...],TARGET[,TTL]", 0, 0, 0, 0, set_hosts_record,
	    print_hosts_record, "a CNAME record (repeatable)" },
	{ "txt-record", 0, KT_STRING, K_REPEAT | K_QUOTES, NULL,
	    "NAME[,\"TEXT\"...]", 0, 0, 0, 0, set_hosts_record,
	    print_hosts_record, "a TXT record (repeatable)" },
	{ "ptr-record", 0, KT_STRING, K_REPEAT, NULL, "NAME[,TARGET]", 0, 0,
	    0, 0, set_hosts_record, print_hosts_record,
	    "a PTR record (repeatable)" },
	{ "srv-host", 'W', KT_STRING, K_REPEAT, NULL,
	    "_SERVICE._PROT.[DOMAIN],[TARGET[,PORT[,PRIORITY[,WEIGHT]]]]", 0,
	    0, 0, 0, set_hosts_record, print_hosts_record,
	    "an SRV record (repeatable)" },
	{ "mx-host", 'm', KT_STRING, K_REPEAT, NULL, "NAME[[,HOST],PREF]", 0,
	    0, 0, 0, set_hosts_record, print_hosts_record,
	    "an MX record (repeatable)" },
	{ "mx-target", 't', KT_STRING, 0, NULL, "HOST", F(mx_target), 0, 0,
	    set_hosts_name, NULL, "the host of mx-host= lines without one" },

	/* ---- where to listen (config_listen.c) ---- */

	/* ---- filtering and upstream keys (config_filter.c) ---- */

	/* ---- files and logging (config_files.c) ---- */

};
const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

int
set_flag(struct parse *p, const struct key *k, const char *v)
{
	*(int *)FIELD(p->cfg, k) = 1;
	return 0;
}

/* A number within the key's bounds, or -1 with the error reported. */
static int
key_number(struct parse *p, const struct key *k, const char *v,
    unsigned long *n)
{
	char	sb[SHOWBUF];

	if (parse_ulong(v, k->max, n) == -1 || *n < k->min) {
		kerr(p, k, "'%s' is not a number from %lu to %lu",
		    show(v, sb, sizeof(sb)), k->min, k->max);
		return -1;
	}
	return 0;
}

int
set_number(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	n;

	if (key_number(p, k, v, &n) == -1)
		return -1;
	if (k->type == KT_SIZE) {
		if (k->size != sizeof(size_t)) {
			kerr(p, k, "internal error: field size %zu", k->size);
			return -1;
		}
		*(size_t *)FIELD(p->cfg, k) = n;
		return 0;
	}
	switch (k->size) {
	case sizeof(uint16_t):
		*(uint16_t *)FIELD(p->cfg, k) = n;
		break;
	case sizeof(uint32_t):
		*(uint32_t *)FIELD(p->cfg, k) = n;
		break;
	default:
		kerr(p, k, "internal error: field size %zu", k->size);
		return -1;
	}
	return 0;
}

int
set_string(struct parse *p, const struct key *k, const char *v)
{
	char	**field = FIELD(p->cfg, k), *s;

	if ((s = strdup(v)) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	free(*field);
	*field = s;
	return 0;
}

/* Whether the print-back writes a string value in quotes, escaped. */
int
string_quoted(const char *s)
{
	return strpbrk(s, " #\"\\") != NULL;
}

/*
 * The length of the print-back line of key k with the string value v
 * (print_key), without the newline: it must read back, so it must fit
 * CONFIG_MAX_LINE.
 */
static size_t
string_line_len(const struct key *k, const char *v)
{
	size_t	 n = strlen(k->name) + 1 + strlen(v);

	if (string_quoted(v)) {
		n += 2;
		for (; *v != '\0'; v++)
			if (*v == '"' || *v == '\\')
				n++;
	}
	return n;
}

int
set_path(struct parse *p, const struct key *k, const char *v)
{
	const char	*s;
	char		 sb[SHOWBUF];

	for (s = v; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s)) {
			kerr(p, k, "'%s' contains a control character",
			    show(v, sb, sizeof(sb)));
			return -1;
		}
	/* Escaped, it may be longer than the line that gave it. */
	if (string_line_len(k, v) > CONFIG_MAX_LINE) {
		kerr(p, k, "'%s' is too long (the line %s=\"...\" would "
		    "exceed %d characters)", show(v, sb, sizeof(sb)), k->name,
		    CONFIG_MAX_LINE);
		return -1;
	}
	return set_string(p, k, v);
}

/* A user or group name: what useradd(8) accepts, more or less. */
int
set_name(struct parse *p, const struct key *k, const char *v)
{
	const char	*s;
	char		 sb[SHOWBUF];
	int		 ok = *v != '-' && strlen(v) <= 32;

	for (s = v; ok && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(isalnum(c) && c < 0x80) && c != '_' && c != '-' &&
		    c != '.' && !(c == '$' && s[1] == '\0'))
			ok = 0;
	}
	if (!ok) {
		kerr(p, k, "'%s' is not a valid %s name",
		    show(v, sb, sizeof(sb)), k->name);
		return -1;
	}
	return set_string(p, k, v);
}

int
set_listen(struct parse *p, const struct key *k, const char *v)
{
	struct config		*cfg = p->cfg;
	struct config_addr	*a;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	size_t			 i;
	char			 sb[SHOWBUF];

	if (strchr(v, '#') != NULL) {
		kerr(p, k, "'%s': a port is not allowed here, use port=",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	if (parse_host(v, &ss, &len) == -1) {
		kerr(p, k, "'%s' is not an IPv4 or IPv6 address",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	/* An address given twice (file and command line) is bound once. */
	for (i = 0; i < cfg->nlisten; i++)
		if (addr_equal(&cfg->listen[i].addr, &ss))
			return 0;
	if (cfg->nlisten >= CONFIG_MAX_LISTEN) {
		kerr(p, k, "more than %d addresses", CONFIG_MAX_LISTEN);
		return -1;
	}
	if ((a = grow(cfg->listen, cfg->nlisten, 1, sizeof(*a))) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	cfg->listen = a;
	a[cfg->nlisten].addr = ss;
	a[cfg->nlisten].addrlen = len;
	cfg->nlisten++;
	return 0;
}

static int
server_add(struct parse *p, const struct key *k, const struct config_server *s)
{
	struct config		*cfg = p->cfg;
	struct config_server	*v;

	if (cfg->nservers >= CONFIG_MAX_ENTRIES) {
		kerr(p, k, "more than %d servers", CONFIG_MAX_ENTRIES);
		return -1;
	}
	if ((v = grow(cfg->servers, cfg->nservers, 1, sizeof(*v))) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	cfg->servers = v;
	v[cfg->nservers++] = *s;
	return 0;
}

/*
 * "/a/b/" of a server= or aaaa-forward= value: calls fn for each domain.
 * *rest is left at the text after the last '/'.  0 or -1 (reported).
 */
int
domains_parse(struct parse *p, const struct key *k, const char *v,
    const char **rest, struct config_domain **out, size_t *nout)
{
	const char		*last, *s, *e;
	char			 buf[DNS_MAXNAME * 4 + 1], sb[SHOWBUF];
	struct config_domain	*d;
	size_t			 n = 0, cap, len;

	*out = NULL;
	*nout = 0;
	last = strrchr(v, '/');
	if (*v != '/' || last == v) {
		kerr(p, k, "'%s': expected /DOMAIN/ at the start",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	/* At most one domain per two characters of the line. */
	cap = (size_t)(last - v) / 2 + 1;
	if ((d = calloc(cap, sizeof(*d))) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	for (s = v + 1; s <= last && n < cap; s = e + 1) {
		e = strchr(s, '/');
		if ((size_t)(e - s) == 0) {
			kerr(p, k, "'%s': empty domain (dnsmasq's form for "
			    "unqualified names is not supported)",
			    show(v, sb, sizeof(sb)));
			free(d);
			return -1;
		}
		/* A name too long for buf is cut, and fails below. */
		len = (size_t)(e - s) < sizeof(buf) ? (size_t)(e - s) :
		    sizeof(buf) - 1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (len == sizeof(buf) - 1 ||
		    config_domain_from_text(buf, &d[n]) == -1) {
			kerr(p, k, "'%s' is not a valid domain",
			    show(buf, sb, sizeof(sb)));
			free(d);
			return -1;
		}
		n++;
		if (e == last)
			break;
	}
	*rest = last + 1;
	*out = d;
	*nout = n;
	return 0;
}

int
set_server(struct parse *p, const struct key *k, const char *v)
{
	struct config_server	 srv;
	struct config_domain	*doms;
	const char		*rest, *why;
	char			 sb[SHOWBUF];
	size_t			 ndoms, i;
	int			 rv = 0;

	memset(&srv, 0, sizeof(srv));
	if (*v != '/') {
		if (parse_addr_port(v, &srv.addr, &srv.addrlen, &why) == -1) {
			kerr(p, k, "'%s' %s", show(v, sb, sizeof(sb)), why);
			return -1;
		}
		if (addr_is_any(&srv.addr)) {
			kerr(p, k, "'%s' is not a usable server address",
			    show(v, sb, sizeof(sb)));
			return -1;
		}
		srv.kind = SERVER_ADDR;
		return server_add(p, k, &srv);
	}
	if (domains_parse(p, k, v, &rest, &doms, &ndoms) == -1)
		return -1;
	if (*rest == '\0')
		srv.kind = SERVER_LOCAL;
	else if (strcmp(rest, "#") == 0)
		srv.kind = SERVER_DEFAULT;
	else if (*rest == '#') {
		kerr(p, k, "'%s': /DOMAIN/# (the default servers) takes no "
		    "port", show(v, sb, sizeof(sb)));
		free(doms);
		return -1;
	} else {
		srv.kind = SERVER_ADDR;
		if (parse_addr_port(rest, &srv.addr, &srv.addrlen,
		    &why) == -1) {
			kerr(p, k, "'%s' %s", show(rest, sb, sizeof(sb)), why);
			free(doms);
			return -1;
		}
		if (addr_is_any(&srv.addr)) {
			kerr(p, k, "'%s' is not a usable server address",
			    show(rest, sb, sizeof(sb)));
			free(doms);
			return -1;
		}
	}
	srv.has_domain = 1;
	for (i = 0; i < ndoms && rv == 0; i++) {
		srv.domain = doms[i];
		rv = server_add(p, k, &srv);
	}
	free(doms);
	return rv;
}

int
set_aaaa_forward(struct parse *p, const struct key *k, const char *v)
{
	struct config		*cfg = p->cfg;
	struct config_domain	*doms, *nv;
	const char		*rest;
	char			 sb[SHOWBUF];
	size_t			 ndoms;

	if (domains_parse(p, k, v, &rest, &doms, &ndoms) == -1)
		return -1;
	if (*rest != '\0') {
		kerr(p, k, "'%s': expected /DOMAIN[/DOMAIN...]/ (nothing "
		    "after the last /)", show(v, sb, sizeof(sb)));
		free(doms);
		return -1;
	}
	if (cfg->naaaa_forward + ndoms > CONFIG_MAX_ENTRIES) {
		kerr(p, k, "more than %d domains", CONFIG_MAX_ENTRIES);
		free(doms);
		return -1;
	}
	if ((nv = grow(cfg->aaaa_forward, cfg->naaaa_forward, ndoms,
	    sizeof(*nv))) == NULL) {
		kerr(p, k, "out of memory");
		free(doms);
		return -1;
	}
	cfg->aaaa_forward = nv;
	memcpy(nv + cfg->naaaa_forward, doms, ndoms * sizeof(*doms));
	cfg->naaaa_forward += ndoms;
	free(doms);
	return 0;
}

/* By enum aaaa_mode; "deadline" is printed with its ":MS". */
const char *const aaaa_mode_names[AAAA_NMODES] = { "empty", "forward",
    "auto", "deadline", "after-a" };

/*
 * empty, forward, auto, deadline:MS (MS 1 to CONFIG_MAX_DEADLINE) or
 * after-a.  aaaa_deadline_ms is 0 unless the mode is deadline.
 */
int
set_aaaa_mode(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	ms;
	size_t		i;
	char		sb[SHOWBUF];

	if (strncmp(v, "deadline", 8) == 0 && (v[8] == ':' || v[8] == '\0')) {
		if (v[8] != ':' || parse_ulong(v + 9, CONFIG_MAX_DEADLINE,
		    &ms) == -1 || ms < 1) {
			kerr(p, k, "'%s': expected deadline:MS, MS a number of "
			    "milliseconds from 1 to %d",
			    show(v, sb, sizeof(sb)), CONFIG_MAX_DEADLINE);
			return -1;
		}
		p->cfg->aaaa_mode = AAAA_DEADLINE;
		p->cfg->aaaa_deadline_ms = ms;
		return 0;
	}
	for (i = 0; i < sizeof(aaaa_mode_names) / sizeof(*aaaa_mode_names);
	    i++)
		if (i != AAAA_DEADLINE && strcmp(v, aaaa_mode_names[i]) == 0) {
			p->cfg->aaaa_mode = (enum aaaa_mode)i;
			p->cfg->aaaa_deadline_ms = 0;
			return 0;
		}
	kerr(p, k, "'%s' is not one of empty, forward, auto, deadline:MS, "
	    "after-a", show(v, sb, sizeof(sb)));
	return -1;
}

int
set_filter_aaaa(struct parse *p, const struct key *k, const char *v)
{
	p->cfg->aaaa_mode = AAAA_EMPTY;
	p->cfg->aaaa_deadline_ms = 0;
	return 0;
}

/*
 * A queue number, 0 to 65535, into an int whose -1 means "off".  Parsed
 * in every build; config_finish rejects it without HAVE_NFQUEUE.
 */
int
set_nfqueue(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	n;

	if (key_number(p, k, v, &n) == -1)
		return -1;
	p->cfg->nfqueue = (int)n;
	return 0;
}

int
set_nfqueue_rules(struct parse *p, const struct key *k, const char *v)
{
	char	sb[SHOWBUF];

	if (strcmp(v, "auto") == 0)
		p->cfg->nfqueue_rules_auto = 1;
	else if (strcmp(v, "none") == 0)
		p->cfg->nfqueue_rules_auto = 0;
	else {
		kerr(p, k, "'%s' is not one of auto, none",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	return 0;
}


/* conf-file=PATH in a file includes PATH; on the command line it chose. */
int
set_conf_file(struct parse *p, const struct key *k, const char *v)
{
	char	sb[SHOWBUF];

	if (p->file == NULL)
		return 0;	/* the command line: used to pick the file */
	if (p->depth + 1 > CONFIG_MAX_DEPTH) {
		kerr(p, k, "'%s': included more than %d levels deep",
		    show(v, sb, sizeof(sb)), CONFIG_MAX_DEPTH);
		return -1;
	}
	p->depth++;
	parse_file(p, v, 0);
	p->depth--;
	return 0;
}

