/*
 * config_local.c: the keys of local answers and domain rules: server=
 * (all its forms), local=, address=, rev-server=, aaaa-forward=,
 * aaaa-empty= (briskdns's own) and rebind-domain-ok=, with dnsmasq
 * 2.90's meaning.
 *
 * Every domain form goes into the configuration's domain table
 * (domtab.h, cfg->domains), built here and finished by config_finish:
 * only server=/d/ADDR lines also make a struct config_server (one per
 * pattern and server), which the table's rule names by its index + 1 and
 * upstream.c finds by its domain.  server=/d/, server=/d/#, local= and
 * address= cost a table rule only.
 */

#include <sys/types.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "config.h"
#include "config_impl.h"
#include "domtab.h"

/* The table under construction, made on first use; NULL: reported. */
static struct domtab *
local_table(struct parse *p, const struct key *k)
{
	if (p->cfg->domains == NULL &&
	    (p->cfg->domains = domtab_new()) == NULL)
		kerr(p, k, "out of memory");
	return p->cfg->domains;
}

/*
 * A pattern's text (lower case, dnsmasq's forms) as the wire-form domain
 * of a config_server: labels as written, the star kept, so "*x" and "x" route
 * apart; "#" and "." (one rule in the table) the root, "" (unqualified)
 * the label "/" (no domain has it).
 */
static const uint8_t wire_unqual[] = { 1, '/', 0 };

static void
pattern_wire(const char *s, size_t len, struct config_domain *d)
{
	size_t	 n = 0, i, lab;

	memset(d, 0, sizeof(*d));
	if (len == 1 && s[0] == '#') {
		d->len = 1;		/* the root, as "." */
		return;
	}
	if (len == 0) {
		memcpy(d->wire, wire_unqual, sizeof(wire_unqual));
		d->len = sizeof(wire_unqual);
		return;
	}
	if (len > 0 && s[0] == '.') {
		s++;
		len--;
	}
	if (len > 0 && s[len - 1] == '.')
		len--;
	for (i = 0; i < len && n + 2 < sizeof(d->wire); ) {
		lab = n++;
		for (; i < len && s[i] != '.' && n + 1 < sizeof(d->wire); i++)
			d->wire[n++] = (s[i] >= 'A' && s[i] <= 'Z') ?
			    s[i] + ('a' - 'A') : s[i];
		d->wire[lab] = (uint8_t)(n - lab - 1);
		if (i < len && s[i] == '.')
			i++;
	}
	d->wire[n++] = 0;
	d->len = n;
}

static int
insert_err(struct parse *p, const struct key *k, const char *pat,
    size_t len)
{
	char	 buf[DNS_MAXNAME * 4 + 1], sb[SHOWBUF];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, pat, len);
	buf[len] = '\0';
	if (errno == ENOMEM)
		kerr(p, k, "out of memory");
	else if (errno == ENOSPC)
		kerr(p, k, "/%s/: more than 256 addresses of one family",
		    show(buf, sb, sizeof(sb)));
	else
		kerr(p, k, "'%s' is not a valid domain",
		    show(buf, sb, sizeof(sb)));
	return -1;
}

static int
server_add(struct parse *p, const struct key *k, const struct config_server *s)
{
	struct config		*cfg = p->cfg;
	struct config_server	*v;

	if ((v = grow(cfg->servers, cfg->nservers, 1, sizeof(*v))) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	cfg->servers = v;
	v[cfg->nservers] = *s;
	v[cfg->nservers++].from_cmdline = p->file == NULL;
	return 0;
}

/*
 * "ADDR" of a source (port 0: any).  -1: not an address; -2: a fixed
 * port, "ADDR#PORT", which is refused (server_spec says why).
 */
static int
parse_source(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	if (strchr(s, '#') != NULL)
		return -2;
	return parse_host(s, ss, len) == -1 ? -1 : 0;
}

static int
ifname_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len >= IF_NAMESIZE || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == '#' ||
		    (unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * "ADDR[#PORT][@INTERFACE][@SOURCE[#PORT]]", dnsmasq's order (with one
 * @ part: a source if it is an address, else an interface).  The
 * interface need not exist yet.  0, or -1 (reported).
 */
static int
server_spec(struct parse *p, const struct key *k, const char *v,
    struct config_server *srv)
{
	char		 head[INET6_ADDRSTRLEN + IF_NAMESIZE + 16], sb[SHOWBUF];
	const char	*at, *at2, *why, *src = NULL;
	size_t		 hl;

	at = strchr(v, '@');
	hl = at != NULL ? (size_t)(at - v) : strlen(v);
	if (hl >= sizeof(head)) {
		kerr(p, k, "'%s' is not an IPv4 or IPv6 address",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	memcpy(head, v, hl);
	head[hl] = '\0';
	if (parse_addr_port(head, &srv->addr, &srv->addrlen, &why) == -1) {
		kerr(p, k, "'%s' %s", show(head, sb, sizeof(sb)), why);
		return -1;
	}
	if (addr_is_any(&srv->addr)) {
		kerr(p, k, "'%s' is not a usable server address",
		    show(head, sb, sizeof(sb)));
		return -1;
	}
	if (at == NULL)
		return 0;
	at++;
	if ((at2 = strchr(at, '@')) != NULL) {
		if (!ifname_ok(at, (size_t)(at2 - at))) {
			kerr(p, k, "'%s': not an interface name before the "
			    "second @", show(v, sb, sizeof(sb)));
			return -1;
		}
		memcpy(srv->ifname, at, (size_t)(at2 - at));
		src = at2 + 1;
	} else if (parse_source(at, &srv->source, &srv->sourcelen) != -1)
		src = at;
	else if (ifname_ok(at, strlen(at))) {
		memcpy(srv->ifname, at, strlen(at));
		return 0;
	} else {
		kerr(p, k, "'%s': after @, expected an interface name or a "
		    "source address", show(v, sb, sizeof(sb)));
		return -1;
	}
	switch (parse_source(src, &srv->source, &srv->sourcelen)) {
	case -1: {
		char	sb2[SHOWBUF];

		kerr(p, k, "'%s': '%s' is not a source address",
		    show(v, sb, sizeof(sb)), show(src, sb2, sizeof(sb2)));
		return -1;
	}
	case -2:
		/* As query-port: one fixed port leaves only the ID to
		 * guard the answers (RFC 5452), and the concurrent queries
		 * to that server would each bind it and take one another's
		 * answers. */
		kerr(p, k, "'%s': a fixed source port is refused: it leaves "
		    "only the query ID to guard the answers (RFC 5452); give "
		    "the source address alone", show(v, sb, sizeof(sb)));
		return -1;
	}
	if (srv->source.ss_family != srv->addr.ss_family) {
		kerr(p, k, "'%s': the source address is not of the server's "
		    "address family", show(v, sb, sizeof(sb)));
		return -1;
	}
	return 0;
}

/* What the part after the domains of server=/d/... asks. */
struct rule {
	enum domtab_op		 op;
	struct config_server	 srv;		/* DOMTAB_SERVER */
	uint8_t			 addr[16];	/* DOMTAB_ADDR4, ADDR6 */
	uint32_t		 flags;		/* DOMTAB_FLAGS */
};

/* Apply r to one pattern. */
static int
rule_apply(struct parse *p, const struct key *k, const char *pat, size_t len,
    struct rule *r)
{
	struct domtab	*dt;
	uint32_t	 arg = r->flags;

	if ((dt = local_table(p, k)) == NULL)
		return -1;
	if (r->op == DOMTAB_SERVER) {
		if (p->cfg->nservers >= UINT32_MAX - 1) {
			kerr(p, k, "too many servers");
			return -1;
		}
		arg = (uint32_t)p->cfg->nservers + 1;
	}
	if (domtab_insert(dt, pat, len, r->op, r->addr, arg) == -1)
		return insert_err(p, k, pat, len);
	if (r->op != DOMTAB_SERVER)
		return 0;
	r->srv.kind = SERVER_ADDR;
	r->srv.has_domain = 1;
	pattern_wire(pat, len, &r->srv.domain);
	return server_add(p, k, &r->srv);
}

/*
 * "/a/b/REST": apply r to a and b.  *restp (before: NULL) points at REST
 * when the caller must read it first: local_split() gives it.
 */
static const char *
local_split(struct parse *p, const struct key *k, const char *v)
{
	const char	*last = strrchr(v, '/');
	char		 sb[SHOWBUF];

	if (*v != '/' || last == v) {
		kerr(p, k, "'%s': expected /DOMAIN/ at the start",
		    show(v, sb, sizeof(sb)));
		return NULL;
	}
	return last;
}

static int
local_apply(struct parse *p, const struct key *k, const char *v,
    const char *last, struct rule *r)
{
	const char	*s, *e;

	for (s = v + 1; s <= last; s = e + 1) {
		e = memchr(s, '/', (size_t)(last - s) + 1);
		if (rule_apply(p, k, s, (size_t)(e - s), r) == -1)
			return -1;
		if (e == last)
			break;
	}
	return 0;
}

int
set_server(struct parse *p, const struct key *k, const char *v)
{
	struct rule	 r;
	const char	*last, *rest;
	char		 sb[SHOWBUF];

	memset(&r, 0, sizeof(r));
	if (*v != '/') {
		if (server_spec(p, k, v, &r.srv) == -1)
			return -1;
		r.srv.kind = SERVER_ADDR;
		return server_add(p, k, &r.srv);
	}
	if ((last = local_split(p, k, v)) == NULL)
		return -1;
	rest = last + 1;
	if (*rest == '\0')
		r.op = DOMTAB_LOCAL;
	else if (strcmp(rest, "#") == 0)
		r.op = DOMTAB_DEFAULT;
	else if (*rest == '#') {
		kerr(p, k, "'%s': /DOMAIN/# (the default servers) takes no "
		    "port", show(v, sb, sizeof(sb)));
		return -1;
	} else {
		r.op = DOMTAB_SERVER;
		if (server_spec(p, k, rest, &r.srv) == -1)
			return -1;
	}
	return local_apply(p, k, v, last, &r);
}

int
set_address(struct parse *p, const struct key *k, const char *v)
{
	struct rule	 r;
	const char	*last, *rest;
	char		 sb[SHOWBUF];

	memset(&r, 0, sizeof(r));
	if ((last = local_split(p, k, v)) == NULL)
		return -1;
	rest = last + 1;
	if (*rest == '\0')
		r.op = DOMTAB_LOCAL;
	else if (strcmp(rest, "#") == 0)
		r.op = DOMTAB_ZEROS;
	else if (inet_pton(AF_INET, rest, r.addr) == 1)
		r.op = DOMTAB_ADDR4;
	else if (inet_pton(AF_INET6, rest, r.addr) == 1)
		r.op = DOMTAB_ADDR6;
	else {
		kerr(p, k, "'%s': expected an IPv4 or IPv6 address, # or "
		    "nothing after the last /", show(v, sb, sizeof(sb)));
		return -1;
	}
	return local_apply(p, k, v, last, &r);
}

/* A list of domains only: "/a/b/" (or one domain when single is set). */
static int
set_flag_domains(struct parse *p, const struct key *k, const char *v,
    uint32_t flag, int single)
{
	struct rule	 r;
	const char	*last;
	char		 sb[SHOWBUF];

	memset(&r, 0, sizeof(r));
	r.op = DOMTAB_FLAGS;
	r.flags = flag;
	if (single && *v != '/')
		return rule_apply(p, k, v, strlen(v), &r);
	if ((last = local_split(p, k, v)) == NULL)
		return -1;
	if (last[1] != '\0') {
		kerr(p, k, "'%s': expected /DOMAIN[/DOMAIN...]/ (nothing "
		    "after the last /)", show(v, sb, sizeof(sb)));
		return -1;
	}
	return local_apply(p, k, v, last, &r);
}

int
set_aaaa_forward(struct parse *p, const struct key *k, const char *v)
{
	return set_flag_domains(p, k, v, DOMTAB_F_AAAA_FORWARD, 0);
}

int
set_aaaa_empty(struct parse *p, const struct key *k, const char *v)
{
	return set_flag_domains(p, k, v, DOMTAB_F_AAAA_EMPTY, 0);
}

int
set_rebind_domain_ok(struct parse *p, const struct key *k, const char *v)
{
	return set_flag_domains(p, k, v, DOMTAB_F_REBIND_OK, 1);
}

/*
 * rev-server=ADDR[/PREFIX][,SERVER]: server= for the reverse zones of
 * the prefix (no SERVER: local).  A prefix that is not a multiple of 8
 * (IPv4) or 4 (IPv6) gives every zone of the next multiple it covers, as
 * dnsmasq 2.90's domain_rev4/domain_rev6.
 */
int
set_rev_server(struct parse *p, const struct key *k, const char *v)
{
	struct rule	 r;
	char		 a[INET6_ADDRSTRLEN + 8], zone[80], sb[SHOWBUF];
	const char	*comma = strchr(v, ','), *slash;
	uint8_t		 b[16];
	unsigned long	 size;
	size_t		 alen, bits, nbytes, i, o;
	int		 count = 1, rem, j, msize, v6;

	memset(&r, 0, sizeof(r));
	alen = comma != NULL ? (size_t)(comma - v) : strlen(v);
	if (alen >= sizeof(a)) {
		kerr(p, k, "'%s': expected ADDR[/PREFIX][,SERVER]",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	memcpy(a, v, alen);
	a[alen] = '\0';
	size = 0;
	if ((slash = strchr(a, '/')) != NULL) {
		a[slash - a] = '\0';
		if (parse_ulong(slash + 1, 128, &size) == -1 || size < 1) {
			kerr(p, k, "'%s': bad prefix length",
			    show(v, sb, sizeof(sb)));
			return -1;
		}
	}
	if (inet_pton(AF_INET, a, b) == 1) {
		v6 = 0;
		bits = 32;
	} else if (inet_pton(AF_INET6, a, b) == 1) {
		v6 = 1;
		bits = 128;
	} else {
		kerr(p, k, "'%s' is not an IPv4 or IPv6 address",
		    show(a, sb, sizeof(sb)));
		return -1;
	}
	if (size == 0)
		size = bits;
	if (size > bits) {
		kerr(p, k, "'%s': bad prefix length", show(v, sb, sizeof(sb)));
		return -1;
	}
	if (comma == NULL)
		r.op = DOMTAB_LOCAL;
	else {
		r.op = DOMTAB_SERVER;
		if (server_spec(p, k, comma + 1, &r.srv) == -1)
			return -1;
	}
	/* Zero the host bits. */
	nbytes = (bits - size) >> 3;
	b[bits / 8 - 1 - nbytes] &= ~((1u << ((bits - size) & 7)) - 1);
	if (!v6) {
		rem = size & 7;
		size &= ~7UL;
		if (rem != 0)
			count = 1 << (8 - rem);
	} else {
		rem = size & 3;
		size &= ~3UL;
		if (rem != 0)
			count = 1 << (4 - rem);
	}
	for (i = 0; i < (size_t)count; i++) {
		o = 0;
		msize = (int)(v6 ? size / 4 : size / 8);
		for (j = rem == 0 ? msize - 1 : msize; j >= 0; j--) {
			int dig;

			if (v6) {
				dig = b[j >> 1];
				dig = (j & 1) ? dig & 15 : dig >> 4;
			} else
				dig = b[j];
			if (j == msize)
				dig += (int)i;
			o += snprintf(zone + o, sizeof(zone) - o,
			    v6 ? "%.1x." : "%d.", dig);
		}
		snprintf(zone + o, sizeof(zone) - o, "%s",
		    v6 ? "ip6.arpa" : "in-addr.arpa");
		if (rule_apply(p, k, zone, strlen(zone), &r) == -1)
			return -1;
	}
	return 0;
}

int
local_finish(struct parse *p)
{
	if (p->cfg->domains != NULL && domtab_finish(p->cfg->domains) == -1) {
		errs_addline(p, "domain rules: out of memory");
		return -1;
	}
	return 0;
}

/* ---- print-back ------------------------------------------------------- */

static void
print_pattern_addr(FILE *f, const char *key, const char *pat, int fam,
    const uint8_t *a)
{
	char	 ab[INET6_ADDRSTRLEN];

	inet_ntop(fam, a, ab, sizeof(ab));
	fprintf(f, "%s=/%s/%s\n", key, pat, ab);
}

static void
walk_local(const struct domtab_rule *r, void *arg)
{
	FILE	*f = arg;

	if (r->local)
		fprintf(f, "server=/%s/\n", r->text);
	if (r->deflt)
		fprintf(f, "server=/%s/#\n", r->text);
}

struct walk_print {
	FILE		*f;
	const char	*key;
	unsigned	 flag;
	int		 n;
};

static void
walk_address(const struct domtab_rule *r, void *arg)
{
	struct walk_print	*w = arg;
	size_t			 i;

	/* Lines in the order given: the table has the newest first. */
	if (r->zeros) {
		fprintf(w->f, "%s=/%s/#\n", w->key, r->text);
		w->n++;
	}
	for (i = r->n4; i > 0; i--, w->n++)
		print_pattern_addr(w->f, w->key, r->text, AF_INET,
		    r->a4 + 4 * (i - 1));
	for (i = r->n6; i > 0; i--, w->n++)
		print_pattern_addr(w->f, w->key, r->text, AF_INET6,
		    r->a6 + 16 * (i - 1));
}

static void
walk_flag(const struct domtab_rule *r, void *arg)
{
	struct walk_print	*w = arg;

	if (r->flags & w->flag) {
		fprintf(w->f, "%s=/%s/\n", w->key, r->text);
		w->n++;
	}
}

static void
print_server(FILE *f, const struct config_server *s)
{
	char	db[DNS_MAXNAME * 4 + 2], ab[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];

	fprintf(f, "%sserver=", s->from_resolv ? "# " : "");
	if (s->has_domain)
		fprintf(f, "/%s/", s->domain.len == sizeof(wire_unqual) &&
		    memcmp(s->domain.wire, wire_unqual, s->domain.len) == 0 ?
		    "" : domain_text(&s->domain, db, sizeof(db)));
	if (s->kind == SERVER_DEFAULT)
		fputs("#", f);
	else if (s->kind == SERVER_ADDR)
		fprintf(f, "%s#%u", addr_text(&s->addr, ab, sizeof(ab)),
		    addr_port(&s->addr));
	if (s->ifname[0] != '\0')
		fprintf(f, "@%s", s->ifname);
	if (s->sourcelen > 0) {
		fprintf(f, "@%s", addr_text(&s->source, ab, sizeof(ab)));
		if (addr_port(&s->source) != 0)
			fprintf(f, "#%u", addr_port(&s->source));
	}
	fprintf(f, "%s\n", s->from_resolv ? " (from resolv-file)" : "");
}

void
print_servers(FILE *f, const struct config *cfg, const struct key *k)
{
	size_t	i;
	int	def = 0;

	for (i = 0; i < cfg->nservers; i++) {
		print_server(f, &cfg->servers[i]);
		def |= !cfg->servers[i].has_domain;
	}
	domtab_walk(cfg->domains, walk_local, f);
	if (!def) {
		if (cfg->no_resolv)
			fprintf(f, "# %s: no default server and no-resolv: "
			    "forwarded queries get SERVFAIL\n", k->name);
		else
			fprintf(f, "# %s: default servers from resolv-file\n",
			    k->name);
	}
}

/* local= and rev-server= are printed back as the server= they made. */
void
print_as_server(FILE *f, const struct config *cfg, const struct key *k)
{
	fprintf(f, "# %s: printed as server= lines\n", k->name);
}

void
print_address(FILE *f, const struct config *cfg, const struct key *k)
{
	struct walk_print	 w = { f, k->name, 0, 0 };

	domtab_walk(cfg->domains, walk_address, &w);
	if (w.n == 0)
		fprintf(f, "# %s: none\n", k->name);
}

void
print_domain_flag(FILE *f, const struct config *cfg, const struct key *k)
{
	struct walk_print	 w = { f, k->name, 0, 0 };

	w.flag = k->set == set_aaaa_forward ? DOMTAB_F_AAAA_FORWARD :
	    k->set == set_aaaa_empty ? DOMTAB_F_AAAA_EMPTY :
	    DOMTAB_F_REBIND_OK;
	domtab_walk(cfg->domains, walk_flag, &w);
	if (w.n == 0)
		fprintf(f, "# %s: none\n", k->name);
}
