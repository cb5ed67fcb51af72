/*
 * config.c: the configuration, from a dnsmasq-style file and the command
 * line.
 *
 * One table of keys (keys[] below) drives everything: the file parser,
 * getopt_long, --help and the print-back of --test.  A key's setter both
 * validates and stores, so the file and the command line cannot disagree
 * about what a value means.
 *
 * Invariants:
 * - Pure: the only I/O is reading the files we are told to read (the
 *   configuration, its conf-file includes, a resolv.conf).  Nothing is
 *   printed; errors are collected in a struct config_errors.
 * - Hostile input uses bounded memory and time: lines are at most
 *   CONFIG_MAX_LINE characters, a file at most CONFIG_MAX_FILE bytes, one
 *   load reads at most CONFIG_MAX_READ bytes and applies at most
 *   CONFIG_MAX_VALUES values, includes nest at most CONFIG_MAX_DEPTH deep,
 *   and at most CONFIG_MAX_ERRORS errors are kept; the arrays of servers
 *   and domains (a line may name many) hold at most CONFIG_MAX_ENTRIES.
 * - A struct config owns all its memory; config_free() frees it.
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

#define CONFIG_MAX_LINE		4096		/* characters, without newline */
#define CONFIG_MAX_FILE		(1024 * 1024)	/* bytes in one file */
#define CONFIG_MAX_READ		(16 * 1024 * 1024) /* bytes in one load */
#define CONFIG_MAX_VALUES	65536		/* key lines in one load */
#define CONFIG_MAX_DEPTH	8		/* conf-file nesting */
#define CONFIG_MAX_ERRORS	100		/* kept; one more says so */
#define CONFIG_MAX_LISTEN	256		/* listen-address values */
#define CONFIG_MAX_ENTRIES	65536		/* servers, aaaa-forward domains */
#define CONFIG_MAX_RESOLV	16		/* nameservers from resolv.conf */
#define CONFIG_MAX_RESOLV_FILE	(64 * 1024)
#define CONFIG_SHOW		60		/* characters of a value in errors */
#define CONFIG_MAX_CACHE	10000000	/* cache-size entries */
#define CONFIG_MAX_TTL		604800		/* cache TTLs: 7 days (RFC 8767) */
#define CONFIG_MAX_DEADLINE	60000		/* aaaa-mode=deadline:MS */

enum key_type {
	KT_FLAG,		/* no value */
	KT_NUMBER,		/* decimal, min..max, in a uint16_t or uint32_t */
	KT_SIZE,		/* decimal, min..max, in a size_t */
	KT_STRING,		/* a path or a name */
	KT_ADDRESS,		/* an IPv4 or IPv6 address, no port */
	KT_SERVER,		/* server= syntax */
	KT_DOMAINLIST		/* /DOMAIN[/DOMAIN...]/ */
};

#define K_REPEAT	0x01	/* values accumulate */
#define K_CMDLINE	0x02	/* only on the command line */
#define K_NOPRINT	0x04	/* not in the print-back */
#define K_NODEFAULT	0x08	/* def is descriptive, not applied */

struct parse;
struct key;

typedef int	(*key_set_fn)(struct parse *, const struct key *, const char *);
typedef void	(*key_print_fn)(FILE *, const struct config *, const struct key *);

struct key {
	const char	*name;
	int		 shortopt;	/* 0: long option only */
	enum key_type	 type;
	int		 flags;
	const char	*def;		/* as shown by --help; NULL: none */
	const char	*arg;		/* metavariable for --help */
	size_t		 off;		/* the field in struct config */
	size_t		 size;		/* its size (numbers) */
	unsigned long	 min, max;	/* numbers */
	key_set_fn	 set;		/* NULL: by type */
	key_print_fn	 print;		/* NULL: by type */
	const char	*help;
};

/* Where values come from while a configuration is built. */
struct parse {
	struct config		*cfg;
	struct config_errors	*errs;
	const char		*file;	/* NULL: the command line */
	unsigned long		 line;
	int			 depth;	/* conf-file nesting, 0: top */
	size_t			 nvalues;
	size_t			 nread;
	size_t			 nerr;	/* errors, kept or not */
	int			 stop;	/* a bound was hit: read no more */
};

/* The command line, in order, to apply again on SIGHUP. */
struct config_arg {
	int	 key;		/* index in keys[] */
	char	*value;		/* NULL for a flag */
};

struct config_args {
	struct config_arg	*v;
	size_t			 n;
};

static int	set_flag(struct parse *, const struct key *, const char *);
static int	set_number(struct parse *, const struct key *, const char *);
static int	set_path(struct parse *, const struct key *, const char *);
static int	set_name(struct parse *, const struct key *, const char *);
static int	set_listen(struct parse *, const struct key *, const char *);
static int	set_server(struct parse *, const struct key *, const char *);
static int	set_aaaa_forward(struct parse *, const struct key *,
		    const char *);
static int	set_aaaa_mode(struct parse *, const struct key *, const char *);
static int	set_filter_aaaa(struct parse *, const struct key *,
		    const char *);
static int	set_conf_file(struct parse *, const struct key *, const char *);
static int	set_nfqueue(struct parse *, const struct key *, const char *);
static int	set_nfqueue_rules(struct parse *, const struct key *,
		    const char *);
static void	print_conf_file(FILE *, const struct config *,
		    const struct key *);
static void	print_aaaa_mode(FILE *, const struct config *,
		    const struct key *);
static void	print_unset_zero(FILE *, const struct config *,
		    const struct key *);
static void	print_nfqueue(FILE *, const struct config *,
		    const struct key *);
static void	print_nfqueue_rules(FILE *, const struct config *,
		    const struct key *);

#define F(field)	offsetof(struct config, field), \
			sizeof(((struct config *)0)->field)

/* The keys, in the order of --help and the print-back. */
static const struct key keys[] = {
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
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

#define FIELD(cfg, k)	((void *)((char *)(cfg) + (k)->off))

/* ---- errors ------------------------------------------------------------ */

static void perr(struct parse *, const char *, ...)
    __attribute__((__format__(__printf__, 2, 3)));
static void kerr(struct parse *, const struct key *, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
errs_addline(struct parse *p, const char *line)
{
	struct config_errors	*e = p->errs;
	char			**v, *s;

	p->nerr++;
	if (e == NULL)
		return;
	if (e->n > CONFIG_MAX_ERRORS)
		return;
	if (e->n == CONFIG_MAX_ERRORS) {
		line = "too many errors, the rest are not shown";
		p->stop = 1;
	}
	if ((s = strdup(line)) == NULL)
		return;
	if ((v = reallocarray(e->msg, e->n + 1, sizeof(*v))) == NULL) {
		free(s);
		return;
	}
	e->msg = v;
	e->msg[e->n++] = s;
}

/* A line error: "file:line: what" or "what" on the command line. */
static void
perr(struct parse *p, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (p->file != NULL) {
		char	line[600];

		snprintf(line, sizeof(line), "%s:%lu: %s", p->file, p->line,
		    buf);
		errs_addline(p, line);
		return;
	}
	errs_addline(p, buf);
}

/* A value error: "file:line: key: what" or "option --key: what". */
static void
kerr(struct parse *p, const struct key *k, const char *fmt, ...)
{
	char	buf[512], line[600];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (p->file != NULL)
		snprintf(line, sizeof(line), "%s:%lu: %s: %s", p->file, p->line,
		    k->name, buf);
	else
		snprintf(line, sizeof(line), "option --%s: %s", k->name, buf);
	errs_addline(p, line);
}

void
config_errors_clear(struct config_errors *e)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = 0;
}

void
config_errors_print(FILE *f, const struct config_errors *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		fprintf(f, "%s\n", e->msg[i]);
}

/*
 * A user's text made safe to show: at most CONFIG_SHOW characters,
 * anything unprintable as \xNN.
 */
static const char *
show(const char *s, char *buf, size_t len)
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (n + 5 >= len || n >= CONFIG_SHOW) {
			if (n + 4 <= len) {
				memcpy(buf + n, "...", 3);
				n += 3;
			}
			break;
		}
		if (isprint(c) && c < 0x80)
			buf[n++] = c;
		else
			n += snprintf(buf + n, len - n, "\\x%02x", c);
	}
	buf[n] = '\0';
	return buf;
}

#define SHOWBUF	(CONFIG_SHOW * 4 + 8)

/* ---- values ------------------------------------------------------------ */

/* Decimal, digits only, no sign.  0 or -1. */
static int
parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long	v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 0;
}

/* An IPv4 or IPv6 address, IPv6 with an optional %scope, no port. */
static int
parse_host(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char			*scope;
	unsigned long		 idx;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
		return 0;
	}
	memcpy(buf, s, strlen(s) + 1);
	if ((scope = strchr(buf, '%')) != NULL)
		*scope++ = '\0';
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
		return -1;
	sin6->sin6_family = AF_INET6;
	if (scope != NULL) {
		if (parse_ulong(scope, UINT32_MAX, &idx) == 0 && idx != 0)
			sin6->sin6_scope_id = idx;
		else if (*scope == '\0' ||
		    (sin6->sin6_scope_id = if_nametoindex(scope)) == 0)
			return -1;
	}
	*len = sizeof(*sin6);
	return 0;
}

/* "ADDR[#PORT]"; on error *why says what is wrong. */
static int
parse_addr_port(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **why)
{
	char		 buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 16];
	char		*hash;
	unsigned long	 port = DNS_PORT;

	if (strlen(s) >= sizeof(buf)) {
		*why = "is not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(buf, s, strlen(s) + 1);
	if ((hash = strrchr(buf, '#')) != NULL) {
		*hash++ = '\0';
		if (parse_ulong(hash, 65535, &port) == -1 || port == 0) {
			*why = "has a port that is not a number from 1 to 65535";
			return -1;
		}
	}
	if (strchr(buf, '@') != NULL) {
		*why = "names a source address or interface (@), which "
		    "briskdns does not support";
		return -1;
	}
	if (parse_host(buf, ss, len) == -1) {
		*why = "is not an IPv4 or IPv6 address";
		return -1;
	}
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return 0;
}

int
config_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	const char	*why;

	return parse_addr_port(s, ss, len, &why);
}

int
config_domain_from_text(const char *s, struct config_domain *d)
{
	size_t	 n = 0, lablen;
	uint8_t	*lab;

	memset(d, 0, sizeof(*d));
	if (strcmp(s, ".") == 0) {
		d->len = 1;
		return 0;
	}
	while (*s != '\0') {
		if (n + 1 >= sizeof(d->wire))
			return -1;
		lab = &d->wire[n++];
		lablen = 0;
		for (; *s != '\0' && *s != '.'; s++) {
			unsigned char c = (unsigned char)*s;

			if (!(isalnum(c) && c < 0x80) && c != '-' && c != '_')
				return -1;
			if (++lablen > DNS_MAXLABEL || n + 1 >= sizeof(d->wire))
				return -1;
			d->wire[n++] = tolower(c);
		}
		if (lablen == 0)
			return -1;	/* empty label: "a..b", ".a" */
		*lab = lablen;
		if (*s == '.')
			s++;		/* a trailing dot is fine */
	}
	if (n == 0)
		return -1;
	d->wire[n++] = 0;
	d->len = n;
	return 0;
}

/* Wire form to "a.b.c" (root: "."); buf at least 256 bytes. */
static const char *
domain_text(const struct config_domain *d, char *buf, size_t len)
{
	size_t	i = 0, n = 0, l;

	if (d->len <= 1) {
		snprintf(buf, len, ".");
		return buf;
	}
	while (i < d->len && d->wire[i] != 0) {
		l = d->wire[i++];
		if (i + l > d->len || n + l + 2 > len)
			break;
		if (n > 0)
			buf[n++] = '.';
		memcpy(buf + n, d->wire + i, l);
		n += l;
		i += l;
	}
	buf[n] = '\0';
	return buf;
}

static const char *
addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;
	char				 ifname[IF_NAMESIZE];
	size_t				 n;

	buf[0] = '\0';
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, buf, len);
	else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, len);
		if (sin6->sin6_scope_id != 0) {
			n = strlen(buf);
			if (if_indextoname(sin6->sin6_scope_id, ifname) != NULL)
				snprintf(buf + n, len - n, "%%%s", ifname);
			else
				snprintf(buf + n, len - n, "%%%u",
				    (unsigned)sin6->sin6_scope_id);
		}
	}
	return buf;
}

static uint16_t
addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Same family and address (and scope); ports are not compared. */
static int
addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6	*b6 = (const struct sockaddr_in6 *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&a6->sin6_addr, &b6->sin6_addr,
	    sizeof(a6->sin6_addr)) == 0 &&
	    a6->sin6_scope_id == b6->sin6_scope_id;
}

static int
addr_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
	    &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int
addr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr)
		    >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(
	    &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* Is ss (port aside) one of briskdns's own addresses on the listener? */
static int
addr_is_self(const struct sockaddr_storage *ss, const struct config_addr *self,
    size_t nself)
{
	size_t	i;

	for (i = 0; i < nself; i++) {
		if (addr_equal(ss, &self[i].addr))
			return 1;
		/* A wildcard listener answers on loopback too. */
		if (self[i].addr.ss_family == ss->ss_family &&
		    addr_is_any(&self[i].addr) && addr_is_loopback(ss))
			return 1;
	}
	return 0;
}

/* ---- setters ----------------------------------------------------------- */

/*
 * Make room for n + add elements in an array of n.  The capacity is
 * implicit, the power of two at or above n, so that appending one value at
 * a time stays linear.
 */
static void *
grow(void *v, size_t n, size_t add, size_t size)
{
	size_t	have = 1, want = 1;

	if (n == 0)
		have = 0;
	while (have != 0 && have < n)
		have <<= 1;
	if (n + add <= have)
		return v;
	while (want < n + add)
		want <<= 1;
	return reallocarray(v, want, size);
}

static int
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

static int
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

static int
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
static int
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

static int
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
static int
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

static int
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
static int
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

static int
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

static int
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
static const char *aaaa_mode_names[] = { "empty", "forward", "auto",
    "deadline", "after-a" };

/*
 * empty, forward, auto, deadline:MS (MS 1 to CONFIG_MAX_DEADLINE) or
 * after-a.  aaaa_deadline_ms is 0 unless the mode is deadline.
 */
static int
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

static int
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
static int
set_nfqueue(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	n;

	if (key_number(p, k, v, &n) == -1)
		return -1;
	p->cfg->nfqueue = (int)n;
	return 0;
}

static int
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

/* ---- the file parser ----------------------------------------------------- */

static const struct key *
key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Validate and store one value; v is NULL when no '=' was given. */
static int
key_apply(struct parse *p, const struct key *k, const char *v)
{
	key_set_fn	set = k->set;

	if (k->type == KT_FLAG) {
		if (v != NULL) {
			kerr(p, k, "takes no value");
			return -1;
		}
	} else if (v == NULL || *v == '\0') {
		kerr(p, k, "needs a value");
		return -1;
	}
	if (set == NULL) {
		switch (k->type) {
		case KT_FLAG:
			set = set_flag;
			break;
		case KT_NUMBER:
		case KT_SIZE:
			set = set_number;
			break;
		default:
			set = set_path;
			break;
		}
	}
	return set(p, k, v);
}

/*
 * One line: strip the comment and the quotes, split "key = value", apply.
 * A '#' starts a comment at the start of the line or after whitespace (as
 * in dnsmasq), so server=1.2.3.4#53 keeps its port.  Inside double quotes
 * nothing is special but \" and \\.
 */
static void
parse_line(struct parse *p, const char *line)
{
	char		 text[CONFIG_MAX_LINE + 1], sb[SHOWBUF];
	char		 quoted[CONFIG_MAX_LINE + 1];
	char		*key, *val = NULL;
	size_t		 n = 0, keep = 0, i, eq = 0;
	int		 white = 1, inq = 0, haveeq = 0;
	const struct key *k;

	for (i = 0; line[i] != '\0' && n < CONFIG_MAX_LINE; i++) {
		char c = line[i];

		if (inq) {
			if (c == '"') {
				inq = 0;
				continue;
			}
			if (c == '\\' && (line[i + 1] == '"' ||
			    line[i + 1] == '\\'))
				c = line[++i];
			quoted[n] = 1;
			text[n++] = c;
			keep = n;
			continue;
		}
		if (c == '"') {
			inq = 1;
			white = 0;
			keep = n;
			continue;
		}
		if (isspace((unsigned char)c)) {
			white = 1;
			if (n > 0) {
				quoted[n] = 0;
				text[n++] = ' ';
			}
			continue;
		}
		if (c == '#' && white)
			break;
		white = 0;
		quoted[n] = 0;
		text[n++] = c;
		keep = n;
	}
	if (inq) {
		perr(p, "missing closing quote");
		return;
	}
	text[keep] = '\0';
	if (keep == 0 && n == 0)
		return;			/* blank or comment */
	for (i = 0; i < keep; i++)
		if (text[i] == '=' && !quoted[i]) {
			haveeq = 1;
			eq = i;
			break;
		}
	key = text;
	if (haveeq) {
		text[eq] = '\0';
		val = text + eq + 1;
		while (*val == ' ' && !quoted[val - text])
			val++;
		for (i = eq; i > 0 && text[i - 1] == ' ' && !quoted[i - 1]; i--)
			text[i - 1] = '\0';
	}
	if (*key == '\0') {
		if (haveeq || keep > 0)
			perr(p, "missing key before '='");
		return;
	}
	if (++p->nvalues > CONFIG_MAX_VALUES) {
		perr(p, "too many values (more than %d), giving up",
		    CONFIG_MAX_VALUES);
		p->stop = 1;
		return;
	}
	if ((k = key_find(key)) == NULL) {
		perr(p, "unknown key '%s'", show(key, sb, sizeof(sb)));
		return;
	}
	if (k->flags & K_CMDLINE) {
		perr(p, "'%s' is only valid on the command line", k->name);
		return;
	}
	key_apply(p, k, val);
}

static void
parse_buffer(struct parse *p, const char *buf, size_t len)
{
	const char	*s = buf, *end = buf + len, *nl, *next;
	char		 line[CONFIG_MAX_LINE + 1];
	size_t		 llen;

	p->line = 0;
	while (s < end && !p->stop) {
		p->line++;
		nl = memchr(s, '\n', end - s);
		llen = (nl != NULL ? nl : end) - s;
		next = nl != NULL ? nl + 1 : end;
		if (llen > CONFIG_MAX_LINE)
			perr(p, "line is longer than %d characters",
			    CONFIG_MAX_LINE);
		else if (memchr(s, '\0', llen) != NULL)
			perr(p, "line contains a NUL byte");
		else {
			memcpy(line, s, llen);
			line[llen] = '\0';
			parse_line(p, line);
		}
		s = next;
	}
}

/*
 * Read a whole regular file (or character device) of at most max bytes.  Returns
 * the buffer (malloc'ed) or NULL with *why set (errno kept for ENOENT).
 */
static char *
read_file(const char *path, size_t max, size_t *lenp, const char **why)
{
	struct stat	 st;
	char		*buf = NULL, *nbuf;
	size_t		 len = 0, cap;
	ssize_t		 r;
	int		 fd, saved;

	*why = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	/* Character devices too: "-C /dev/null" is a common idiom. */
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	if (st.st_size > (off_t)max) {
		*why = "the file is too large";
		goto fail;
	}
	/* Room for what fstat says, grown if the file is longer (/proc). */
	cap = st.st_size > 0 && (size_t)st.st_size < max ?
	    (size_t)st.st_size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	if ((buf = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		if (len == cap) {
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		len += r;
		if (len > max) {
			*why = "the file is too large";
			goto fail;
		}
	}
	close(fd);
	*lenp = len;
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

/* Parse a file; top: the main file (errors without a line number). */
static void
parse_file(struct parse *p, const char *path, int missing_ok)
{
	const char	*ofile = p->file, *why;
	unsigned long	 oline = p->line;
	char		*buf, sb[SHOWBUF];
	size_t		 len;
	const struct key *k = key_find("conf-file");

	if ((buf = read_file(path, CONFIG_MAX_FILE, &len, &why)) == NULL) {
		if (missing_ok && why == NULL && errno == ENOENT)
			return;
		if (why == NULL)
			why = strerror(errno);
		if (p->depth == 0)
			perr(p, "%s: cannot read: %s", show(path, sb,
			    sizeof(sb)), why);
		else
			kerr(p, k, "cannot read '%s': %s", show(path, sb,
			    sizeof(sb)), why);
		return;
	}
	p->nread += len;
	if (p->nread > CONFIG_MAX_READ) {
		kerr(p, k, "'%s': the files read add up to more than %d bytes, "
		    "giving up", show(path, sb, sizeof(sb)), CONFIG_MAX_READ);
		p->stop = 1;
		free(buf);
		return;
	}
	p->file = path;
	parse_buffer(p, buf, len);
	p->file = ofile;
	p->line = oline;
	free(buf);
}

/* conf-file=PATH in a file includes PATH; on the command line it chose. */
static int
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

/* ---- building a configuration ------------------------------------------ */

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->conf_file);
	free(cfg->listen);
	free(cfg->servers);
	free(cfg->resolv_file);
	free(cfg->aaaa_forward);
	free(cfg->pid_file);
	free(cfg->user);
	free(cfg->group);
	free(cfg);
}

/* The defaults, from the table. */
static struct config *
config_new(struct parse *p)
{
	size_t	i;

	if ((p->cfg = calloc(1, sizeof(*p->cfg))) == NULL) {
		errs_addline(p, "out of memory");
		return NULL;
	}
	p->file = NULL;
	p->cfg->nfqueue = -1;		/* off: no interception */
	for (i = 0; i < NKEYS; i++)
		if (keys[i].def != NULL && !(keys[i].flags & K_NODEFAULT))
			key_apply(p, &keys[i], keys[i].def);
	return p->cfg;
}

/* After everything is applied: defaults of repeatable keys, checks. */
static void
config_finish(struct parse *p)
{
	struct config		*cfg = p->cfg;
	const struct key	*k = key_find("listen-address");
	const struct config_server *s;
	char			 ab[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	size_t			 i;

	p->file = NULL;
	if (cfg->nlisten == 0) {
		key_apply(p, k, "127.0.0.1");
		key_apply(p, k, "::1");
		cfg->listen_default = 1;
	}
	if (cfg->min_cache_ttl > cfg->max_cache_ttl)
		perr(p, "%s: min-cache-ttl (%lu) is greater than max-cache-ttl "
		    "(%lu)", cfg->conf_file, (unsigned long)cfg->min_cache_ttl,
		    (unsigned long)cfg->max_cache_ttl);
#ifndef HAVE_NFQUEUE
	/* The key parses in every build, so one file means one thing. */
	if (cfg->nfqueue != -1)
		perr(p, "%s: nfqueue: this briskdns was built without "
		    "interception (--disable-nfqueue)", cfg->conf_file);
#endif
	/*
	 * nfqueue-port and nfqueue-rules without nfqueue have no effect and
	 * are no error (a file may prepare them); with nfqueue, port=0 (no
	 * stub listener, the interception alone) is fine too.
	 */
	/* A server that is briskdns itself would be a forwarding loop. */
	for (i = 0; i < cfg->nservers && cfg->port != 0; i++) {
		s = &cfg->servers[i];
		if (s->kind != SERVER_ADDR || addr_port(&s->addr) != cfg->port)
			continue;
		if (addr_is_self(&s->addr, cfg->listen, cfg->nlisten))
			perr(p, "%s: server %s#%u is briskdns itself "
			    "(listen-address and port): a forwarding loop",
			    cfg->conf_file, addr_text(&s->addr, ab, sizeof(ab)),
			    cfg->port);
	}
}

static struct config *
config_build(const char *path, int given, const struct config_args *args,
    const char *buf, size_t len, struct config_errors *errs)
{
	struct parse	 p;
	size_t		 i;

	memset(&p, 0, sizeof(p));
	p.errs = errs;
	if (config_new(&p) == NULL)
		return NULL;
	if ((p.cfg->conf_file = strdup(path)) == NULL)
		errs_addline(&p, "out of memory");
	p.cfg->conf_file_given = given;
	if (buf != NULL) {
		p.file = path;
		parse_buffer(&p, buf, len);
		p.file = NULL;
	} else
		parse_file(&p, path, !given);
	p.stop = 0;
	for (i = 0; args != NULL && i < args->n; i++)
		key_apply(&p, &keys[args->v[i].key], args->v[i].value);
	config_finish(&p);
	if (p.nerr > 0) {
		config_free(p.cfg);
		return NULL;
	}
	return p.cfg;
}

struct config *
config_load(const struct config_args *args, struct config_errors *errs)
{
	const char	*path = NULL;
	size_t		 i;

	for (i = 0; args != NULL && i < args->n; i++)
		if (keys[args->v[i].key].set == set_conf_file)
			path = args->v[i].value;
	if (path != NULL)
		return config_build(path, 1, args, NULL, 0, errs);
	return config_build(CONFIG_DEFAULT_FILE, 0, args, NULL, 0, errs);
}

struct config *
config_load_file(const char *path, struct config_errors *errs)
{
	return config_build(path, 1, NULL, NULL, 0, errs);
}

struct config *
config_load_buffer(const char *name, const char *buf, size_t len,
    struct config_errors *errs)
{
	return config_build(name, 1, NULL, buf, len, errs);
}

/* ---- the command line ---------------------------------------------------- */

void
config_args_free(struct config_args *args)
{
	size_t	i;

	if (args == NULL)
		return;
	for (i = 0; i < args->n; i++)
		free(args->v[i].value);
	free(args->v);
	free(args);
}

int
config_args_absolute(struct config_args *args, const char *cwd)
{
	const struct key	*k;
	char			*v, *s;
	size_t			 i, len;

	for (i = 0; args != NULL && i < args->n; i++) {
		k = &keys[args->v[i].key];
		v = args->v[i].value;
		if ((k->set != set_conf_file && k->set != set_path) ||
		    v == NULL || *v == '\0' || *v == '/')
			continue;
		len = strlen(cwd) + 1 + strlen(v) + 1;
		if ((s = malloc(len)) == NULL)
			return -1;
		(void)snprintf(s, len, "%s/%s", cwd, v);
		free(v);
		args->v[i].value = s;
	}
	return 0;
}

static int
args_add(struct config_args *args, int key, const char *value)
{
	struct config_arg	*v;
	char			*s = NULL;

	if (value != NULL && (s = strdup(value)) == NULL)
		return -1;
	if ((v = grow(args->v, args->n, 1, sizeof(*v))) == NULL) {
		free(s);
		return -1;
	}
	args->v = v;
	v[args->n].key = key;
	v[args->n].value = s;
	args->n++;
	return 0;
}

#define OPT_LONGONLY	256	/* getopt val of a key without a short option */

static const struct key *
key_by_val(int val)
{
	size_t	i;

	if (val >= OPT_LONGONLY && (size_t)(val - OPT_LONGONLY) < NKEYS)
		return &keys[val - OPT_LONGONLY];
	for (i = 0; i < NKEYS; i++)
		if (keys[i].shortopt != 0 && keys[i].shortopt == val)
			return &keys[i];
	return NULL;
}

int
config_args_parse(int argc, char *argv[], struct config_args **argsp,
    enum config_action *action, struct config_errors *errs)
{
	struct option		 longopts[NKEYS + 3];
	char			 shortopts[NKEYS * 2 + 8], sb[SHOWBUF];
	struct config_args	*args;
	struct parse		 p;
	const struct key	*k;
	const char		*arg;
	size_t			 i, n = 0;
	int			 c;

	*argsp = NULL;
	*action = CONFIG_RUN;
	memset(&p, 0, sizeof(p));
	p.errs = errs;
	if ((args = calloc(1, sizeof(*args))) == NULL) {
		errs_addline(&p, "out of memory");
		return -1;
	}
	/* "+": no permutation of argv; ":": report a missing value. */
	shortopts[n++] = '+';
	shortopts[n++] = ':';
	for (i = 0; i < NKEYS; i++) {
		longopts[i].name = keys[i].name;
		longopts[i].has_arg = keys[i].type == KT_FLAG ? no_argument :
		    required_argument;
		longopts[i].flag = NULL;
		longopts[i].val = keys[i].shortopt != 0 ? keys[i].shortopt :
		    OPT_LONGONLY + (int)i;
		if (keys[i].shortopt != 0) {
			shortopts[n++] = keys[i].shortopt;
			if (keys[i].type != KT_FLAG)
				shortopts[n++] = ':';
		}
	}
	longopts[NKEYS] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[NKEYS + 1] = (struct option){ "version", no_argument, NULL,
	    'v' };
	memset(&longopts[NKEYS + 2], 0, sizeof(longopts[0]));
	shortopts[n++] = 'h';
	shortopts[n++] = 'v';
	shortopts[n] = '\0';

	/* Values are checked at once on a scratch configuration. */
	if (config_new(&p) == NULL) {
		free(args);
		return -1;
	}
	p.file = NULL;
	opterr = 0;
	optind = 0;		/* glibc: start over, argv may be new */
	while ((c = getopt_long(argc, argv, shortopts, longopts,
	    NULL)) != -1) {
		arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
		switch (c) {
		case 'h':
			if (*action == CONFIG_RUN)
				*action = CONFIG_HELP;
			continue;
		case 'v':
			if (*action == CONFIG_RUN)
				*action = CONFIG_VERSION;
			continue;
		case ':':
			if ((k = key_by_val(optopt)) != NULL)
				kerr(&p, k, "needs a value");
			else
				errs_addline(&p, "an option needs a value");
			continue;
		case '?':
			if (optopt != 0 && strncmp(arg, "--", 2) == 0 &&
			    (k = key_by_val(optopt)) != NULL)
				kerr(&p, k, "takes no value");
			else if (optopt != 0 && optopt < OPT_LONGONLY &&
			    isprint(optopt))
				perr(&p, "option -%c: unknown option", optopt);
			else {
				char	name[SHOWBUF], *eq;

				show(arg, name, sizeof(name));
				if ((eq = strchr(name, '=')) != NULL)
					*eq = '\0';
				perr(&p, "option %s: unknown option", name);
			}
			continue;
		}
		if ((k = key_by_val(c)) == NULL)
			continue;
		if (key_apply(&p, k, optarg) == 0 &&
		    args_add(args, (int)(k - keys), optarg) == -1)
			errs_addline(&p, "out of memory");
	}
	for (; optind < argc; optind++)
		perr(&p, "unexpected argument '%s'", show(argv[optind], sb,
		    sizeof(sb)));
	optind = 0;
	config_free(p.cfg);
	if (p.nerr > 0) {
		config_args_free(args);
		return -1;
	}
	*argsp = args;
	return 0;
}

/* ---- print-back and --help ------------------------------------------------ */

static void
print_conf_file(FILE *f, const struct config *cfg, const struct key *k)
{
	/* A comment: printed back as a key it would include itself. */
	fprintf(f, "# %s: %s\n", k->name,
	    cfg->conf_file != NULL ? cfg->conf_file : CONFIG_DEFAULT_FILE);
}

static void
print_aaaa_mode(FILE *f, const struct config *cfg, const struct key *k)
{
	unsigned int	m = cfg->aaaa_mode;

	if (m == AAAA_DEADLINE)
		fprintf(f, "%s=%s:%u\n", k->name, aaaa_mode_names[m],
		    cfg->aaaa_deadline_ms);
	else
		fprintf(f, "%s=%s\n", k->name,
		    m < sizeof(aaaa_mode_names) / sizeof(*aaaa_mode_names) ?
		    aaaa_mode_names[m] : "?");
}

static void
print_nfqueue(FILE *f, const struct config *cfg, const struct key *k)
{
	if (cfg->nfqueue < 0)
		fprintf(f, "# %s: none\n", k->name);
	else
		fprintf(f, "%s=%d\n", k->name, cfg->nfqueue);
}

static void
print_nfqueue_rules(FILE *f, const struct config *cfg, const struct key *k)
{
	fprintf(f, "%s=%s\n", k->name, cfg->nfqueue_rules_auto ? "auto" :
	    "none");
}

/* A uint32_t number whose 0 means "not set". */
static void
print_unset_zero(FILE *f, const struct config *cfg, const struct key *k)
{
	uint32_t	v = *(const uint32_t *)FIELD(cfg, k);

	if (v == 0)
		fprintf(f, "# %s: none\n", k->name);
	else
		fprintf(f, "%s=%lu\n", k->name, (unsigned long)v);
}

static void
print_server(FILE *f, const struct config_server *s)
{
	char	db[DNS_MAXNAME * 4 + 2], ab[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];

	fprintf(f, "%sserver=", s->from_resolv ? "# " : "");
	if (s->has_domain)
		fprintf(f, "/%s/", domain_text(&s->domain, db, sizeof(db)));
	if (s->kind == SERVER_DEFAULT)
		fputs("#", f);
	else if (s->kind == SERVER_ADDR)
		fprintf(f, "%s#%u", addr_text(&s->addr, ab, sizeof(ab)),
		    addr_port(&s->addr));
	fprintf(f, "%s\n", s->from_resolv ? " (from resolv-file)" : "");
}

static int
has_default_server(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nservers; i++)
		if (!cfg->servers[i].has_domain)
			return 1;
	return 0;
}

static void
print_key(FILE *f, const struct config *cfg, const struct key *k)
{
	char	ab[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], db[DNS_MAXNAME * 4 + 2];
	const char *s;
	size_t	i;

	if (k->print != NULL) {
		k->print(f, cfg, k);
		return;
	}
	switch (k->type) {
	case KT_FLAG:
		if (*(const int *)FIELD(cfg, k))
			fprintf(f, "%s\n", k->name);
		else
			fprintf(f, "# %s: off\n", k->name);
		break;
	case KT_NUMBER:
		if (k->size == sizeof(uint16_t))
			fprintf(f, "%s=%u\n", k->name,
			    *(const uint16_t *)FIELD(cfg, k));
		else
			fprintf(f, "%s=%lu\n", k->name, (unsigned long)
			    *(const uint32_t *)FIELD(cfg, k));
		break;
	case KT_SIZE:
		fprintf(f, "%s=%zu\n", k->name, *(const size_t *)FIELD(cfg, k));
		break;
	case KT_STRING:
		s = *(char *const *)FIELD(cfg, k);
		if (s == NULL)
			fprintf(f, "# %s: none\n", k->name);
		else if (string_quoted(s)) {
			fprintf(f, "%s=\"", k->name);
			for (; *s != '\0'; s++)
				fprintf(f, "%s%c", *s == '"' || *s == '\\' ?
				    "\\" : "", *s);
			fputs("\"\n", f);
		} else
			fprintf(f, "%s=%s\n", k->name, s);
		break;
	case KT_ADDRESS:
		for (i = 0; i < cfg->nlisten; i++)
			fprintf(f, "%s=%s\n", k->name, addr_text(
			    &cfg->listen[i].addr, ab, sizeof(ab)));
		break;
	case KT_SERVER:
		for (i = 0; i < cfg->nservers; i++)
			print_server(f, &cfg->servers[i]);
		if (!has_default_server(cfg)) {
			if (cfg->no_resolv)
				fprintf(f, "# %s: no default server and "
				    "no-resolv: forwarded queries get "
				    "SERVFAIL\n", k->name);
			else
				fprintf(f, "# %s: default servers from "
				    "resolv-file\n", k->name);
		}
		break;
	case KT_DOMAINLIST:
		for (i = 0; i < cfg->naaaa_forward; i++)
			fprintf(f, "%s=/%s/\n", k->name, domain_text(
			    &cfg->aaaa_forward[i], db, sizeof(db)));
		if (cfg->naaaa_forward == 0)
			fprintf(f, "# %s: none\n", k->name);
		break;
	}
}

void
config_print(FILE *f, const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (!(keys[i].flags & K_NOPRINT))
			print_key(f, cfg, &keys[i]);
}

/* "  opt  help", the help wrapped at 79 columns under itself. */
static void
usage_line(FILE *f, const char *opt, const char *help)
{
	const int	 col = 33, width = 79;
	const char	*s = help, *e, *brk;
	int		 first = 1;

	if ((int)strlen(opt) + 2 >= col)
		fprintf(f, "  %s\n%*s", opt, col, "");
	else
		fprintf(f, "  %-*s", col - 2, opt);
	while (*s != '\0') {
		e = s + strlen(s);
		if (e - s > width - col) {
			/* Break at the last blank that fits, if any. */
			for (brk = s + (width - col); brk > s && *brk != ' ';
			    brk--)
				;
			if (brk > s)
				e = brk;
		}
		fprintf(f, "%*s%.*s\n", first ? 0 : col, "", (int)(e - s), s);
		first = 0;
		s = *e == ' ' ? e + 1 : e;
	}
}

void
config_usage(FILE *f, const char *progname)
{
	char	opt[80], help[300];
	size_t	i;

	fprintf(f, "usage: %s [option ...]\n\nEach option is also a "
	    "configuration file key, without the dashes.\n", progname);
	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		char	sopt[8] = "    ";

		if (k->shortopt != 0)
			snprintf(sopt, sizeof(sopt), "-%c, ", k->shortopt);
		snprintf(opt, sizeof(opt), "%s--%s%s%s", sopt, k->name,
		    k->arg != NULL ? "=" : "", k->arg != NULL ? k->arg : "");
		if (k->def != NULL)
			snprintf(help, sizeof(help), "%s (default %s)", k->help,
			    k->def);
		else
			snprintf(help, sizeof(help), "%s", k->help);
		usage_line(f, opt, help);
	}
	usage_line(f, "-h, --help", "print this text and exit");
	usage_line(f, "-v, --version", "print the version and exit");
}

/* ---- resolv.conf --------------------------------------------------------- */

int
config_read_resolv(const char *path, const struct config_addr *self,
    size_t nself, uint16_t self_port, struct config_server **out)
{
	struct config_server	*v, srv;
	const char		*why;
	char			*buf, *line, *next, *word, *save;
	size_t			 len, n = 0;

	*out = NULL;
	if ((buf = read_file(path, CONFIG_MAX_RESOLV_FILE, &len, &why)) ==
	    NULL)
		return -1;
	buf[len] = '\0';
	if ((v = calloc(CONFIG_MAX_RESOLV, sizeof(*v))) == NULL) {
		free(buf);
		return -1;
	}
	for (line = buf; line != NULL && n < CONFIG_MAX_RESOLV; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((word = strtok_r(line, " \t\r", &save)) == NULL ||
		    strcmp(word, "nameserver") != 0)
			continue;
		if ((word = strtok_r(NULL, " \t\r", &save)) == NULL)
			continue;
		memset(&srv, 0, sizeof(srv));
		/* "#53" is not resolv.conf syntax: an address only. */
		if (strchr(word, '#') != NULL ||
		    config_parse_addr(word, &srv.addr, &srv.addrlen) == -1)
			continue;
		if (addr_is_any(&srv.addr))
			continue;
		if (self_port == DNS_PORT && addr_is_self(&srv.addr, self,
		    nself))
			continue;	/* never ourselves as upstream */
		srv.kind = SERVER_ADDR;
		srv.from_resolv = 1;
		v[n++] = srv;
	}
	free(buf);
	if (n == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return (int)n;
}

/* ---- SIGHUP ---------------------------------------------------------------- */

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static int
listen_differ(const struct config *a, const struct config *b)
{
	size_t	i, j;

	/* As sets: the order does not change what is bound. */
	if (a->nlisten != b->nlisten)
		return 1;
	for (i = 0; i < a->nlisten; i++) {
		for (j = 0; j < b->nlisten; j++)
			if (addr_equal(&a->listen[i].addr, &b->listen[j].addr))
				break;
		if (j == b->nlisten)
			return 1;
	}
	return 0;
}

int
config_restart_keys_differ(const struct config *old, const struct config *new,
    char *which, size_t whichlen)
{
	const char	*names[8];
	size_t		 n = 0, i;

	if (listen_differ(old, new))
		names[n++] = "listen-address";
	if (old->port != new->port)
		names[n++] = "port";
	if (str_differ(old->user, new->user))
		names[n++] = "user";
	if (str_differ(old->group, new->group))
		names[n++] = "group";
	if (str_differ(old->pid_file, new->pid_file))
		names[n++] = "pid-file";
	if (old->nfqueue != new->nfqueue)
		names[n++] = "nfqueue";
	if (old->nfqueue_port != new->nfqueue_port)
		names[n++] = "nfqueue-port";
	if (old->nfqueue_rules_auto != new->nfqueue_rules_auto)
		names[n++] = "nfqueue-rules";
	if (which != NULL && whichlen > 0) {
		size_t	used = 0;
		int	r;

		which[0] = '\0';
		for (i = 0; i < n && used < whichlen; i++) {
			r = snprintf(which + used, whichlen - used, "%s%s",
			    i > 0 ? ", " : "", names[i]);
			if (r < 0)
				break;
			used += (size_t)r;
		}
	}
	return (int)n;
}
