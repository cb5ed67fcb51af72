/*
 * config_util.c: errors, value parsers, address and domain helpers shared
 * by the readers and the setters.
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

/* ---- errors ------------------------------------------------------------ */

void
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
void
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
void
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
const char *
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


/* ---- values ------------------------------------------------------------ */

/* Decimal, digits only, no sign.  0 or -1. */
int
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
int
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
int
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
		*why = "has an @ part (a source or interface), which is not "
		    "taken here";
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
const char *
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

const char *
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

uint16_t
addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Same family and address (and scope); ports are not compared. */
int
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

int
addr_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
	    &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

int
addr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr)
		    >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(
	    &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* Is ss (port aside) one of briskdns's own addresses on the listener? */
int
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
void *
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
