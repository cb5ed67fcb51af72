/*
 * config_filter.c: the setters and print-back of the filtering and
 * upstream-side keys (dnsmasq 2.90's meaning, briskdns.conf(5)):
 * domain-needed, bogus-priv, bogus-nxdomain, ignore-address,
 * stop-dns-rebind, rebind-localhost-ok, no-negcache, filter-A,
 * filter-rr, max-ttl, use-stale-cache, query-port, min-port, max-port.
 *
 * The print-back shows these keys only when they are set: a configuration
 * without them prints as it did before they existed.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "briskdns.h"
#include "config.h"
#include "config_impl.h"

/* ---- ADDR[/PREFIX] ------------------------------------------------------ */

static int
net_parse(const char *v, struct config_net *n)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long	 prefix;
	unsigned int	 i, max;

	if (strlen(v) >= sizeof(buf))
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	memset(n, 0, sizeof(*n));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else
		return -1;
	prefix = max;
	if (slash != NULL && (parse_ulong(slash, max, &prefix) == -1))
		return -1;
	n->prefix = (unsigned int)prefix;
	/* Host bits cleared, so equal networks compare equal. */
	for (i = 0; i < max / 8; i++)
		if (i * 8 >= n->prefix)
			n->addr[i] = 0;
		else if (i * 8 + 8 > n->prefix)
			n->addr[i] &= (uint8_t)(0xff << (8 - (n->prefix - i * 8)));
	return 0;
}

static int
nets_add(struct parse *p, const struct key *k, const char *v,
    struct config_net **nets, size_t *nnets)
{
	struct config_net	 n, *nv;
	char			 sb[SHOWBUF];
	size_t			 i;

	if (net_parse(v, &n) == -1) {
		kerr(p, k, "'%s' is not an IPv4 or IPv6 address with an "
		    "optional /PREFIX", show(v, sb, sizeof(sb)));
		return -1;
	}
	for (i = 0; i < *nnets; i++)
		if ((*nets)[i].family == n.family &&
		    (*nets)[i].prefix == n.prefix &&
		    memcmp((*nets)[i].addr, n.addr, sizeof(n.addr)) == 0)
			return 0;
	if (*nnets >= CONFIG_MAX_NETS) {
		kerr(p, k, "more than %d addresses", CONFIG_MAX_NETS);
		return -1;
	}
	if ((nv = grow(*nets, *nnets, 1, sizeof(*nv))) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	*nets = nv;
	nv[(*nnets)++] = n;
	return 0;
}

int
set_bogus_nxdomain(struct parse *p, const struct key *k, const char *v)
{
	return nets_add(p, k, v, &p->cfg->bogus_nxdomain,
	    &p->cfg->nbogus_nxdomain);
}

int
set_ignore_address(struct parse *p, const struct key *k, const char *v)
{
	return nets_add(p, k, v, &p->cfg->ignore_address,
	    &p->cfg->nignore_address);
}

/* ---- filter-A, filter-rr ------------------------------------------------- */

static const struct {
	const char	*name;
	uint16_t	 type;
} rr_names[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "HINFO", 13 }, { "MX", 15 }, { "TXT", 16 }, { "RP", 17 },
	{ "AFSDB", 18 }, { "SIG", 24 }, { "KEY", 25 }, { "AAAA", 28 },
	{ "LOC", 29 }, { "SRV", 33 }, { "NAPTR", 35 }, { "KX", 36 },
	{ "CERT", 37 }, { "DNAME", 39 }, { "APL", 42 }, { "DS", 43 },
	{ "SSHFP", 44 }, { "IPSECKEY", 45 }, { "RRSIG", 46 }, { "NSEC", 47 },
	{ "DNSKEY", 48 }, { "DHCID", 49 }, { "NSEC3", 50 },
	{ "NSEC3PARAM", 51 }, { "TLSA", 52 }, { "SMIMEA", 53 },
	{ "HIP", 55 }, { "CDS", 59 }, { "CDNSKEY", 60 },
	{ "OPENPGPKEY", 61 }, { "CSYNC", 62 }, { "ZONEMD", 63 },
	{ "SVCB", 64 }, { "HTTPS", 65 }, { "SPF", 99 }, { "EUI48", 108 },
	{ "EUI64", 109 }, { "TKEY", 249 }, { "TSIG", 250 }, { "ANY", 255 },
	{ "URI", 256 }, { "CAA", 257 },
};

/* "MX", "mx", "TYPE15" or "15"; 0 if none. */
static uint16_t
rr_type(const char *s)
{
	unsigned long	 n;
	size_t		 i;

	for (i = 0; i < sizeof(rr_names) / sizeof(rr_names[0]); i++)
		if (strcasecmp(s, rr_names[i].name) == 0)
			return rr_names[i].type;
	if (strncasecmp(s, "TYPE", 4) == 0)
		s += 4;
	if (parse_ulong(s, 65535, &n) == -1)
		return 0;
	return (uint16_t)n;
}

static const char *
rr_text(uint16_t type, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof(rr_names) / sizeof(rr_names[0]); i++)
		if (rr_names[i].type == type)
			return rr_names[i].name;
	snprintf(buf, len, "%u", type);
	return buf;
}

static int
filter_rr_add(struct parse *p, const struct key *k, uint16_t type)
{
	struct config	*cfg = p->cfg;
	uint16_t	*nv;
	size_t		 i;

	if (type == DNS_TYPE_AAAA) {	/* the existing empty mode */
		config_set_aaaa_mode(cfg, AAAA_EMPTY, 0);
		return 0;
	}
	for (i = 0; i < cfg->nfilter_rr; i++)
		if (cfg->filter_rr[i] == type)
			return 0;
	if (cfg->nfilter_rr >= CONFIG_MAX_FILTER_RR) {
		kerr(p, k, "more than %d types", CONFIG_MAX_FILTER_RR);
		return -1;
	}
	if ((nv = grow(cfg->filter_rr, cfg->nfilter_rr, 1,
	    sizeof(*nv))) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	cfg->filter_rr = nv;
	nv[cfg->nfilter_rr++] = type;
	return 0;
}

int
set_filter_a(struct parse *p, const struct key *k, const char *v)
{
	return filter_rr_add(p, k, DNS_TYPE_A);
}

int
set_filter_rr(struct parse *p, const struct key *k, const char *v)
{
	char		 buf[CONFIG_MAX_LINE + 1], sb[SHOWBUF];
	char		*s, *next;
	uint16_t	 type;

	if (strlen(v) >= sizeof(buf))
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	for (s = buf; s != NULL; s = next) {
		if ((next = strchr(s, ',')) != NULL)
			*next++ = '\0';
		type = rr_type(s);
		if (type == 0 || type == DNS_TYPE_OPT ||
		    type == DNS_TYPE_AXFR || type == DNS_TYPE_IXFR) {
			kerr(p, k, "'%s' is not a record type that can be "
			    "filtered (a name such as MX, or a number from 1 "
			    "to 65535 but OPT, IXFR, AXFR)",
			    show(s, sb, sizeof(sb)));
			return -1;
		}
		if (filter_rr_add(p, k, type) == -1)
			return -1;
	}
	return 0;
}

/* ---- use-stale-cache, query-port ------------------------------------------ */

/*
 * use-stale-cache[=SECONDS] is serve-stale: without a value dnsmasq
 * serves expired data up to a day old; 0 means "however old", which here
 * is the longest serve-stale (CONFIG_MAX_TTL); more is clamped to it.
 */
int
set_use_stale_cache(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	 n = 86400;
	char		 sb[SHOWBUF];

	if (v != NULL && parse_ulong(v, 4294967295UL, &n) == -1) {
		kerr(p, k, "'%s' is not a number of seconds",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	if (n == 0 || n > CONFIG_MAX_TTL)
		n = CONFIG_MAX_TTL;
	p->cfg->serve_stale = (uint32_t)n;
	return 0;
}

/*
 * query-port=0 asks for what briskdns always does (dnsmasq's 0 is one
 * port for all queries, which briskdns never does).  A fixed port leaves
 * only the 16-bit ID against a spoofed answer (RFC 5452 section 10):
 * refused, rather than started weaker than the user believes.
 */
int
set_query_port(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	 n;
	char		 sb[SHOWBUF];

	if (parse_ulong(v, 65535, &n) == -1) {
		kerr(p, k, "'%s' is not a port number",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	if (n != 0) {
		kerr(p, k, "%lu: a fixed source port for every query leaves "
		    "only the 16-bit ID against spoofed answers (RFC 5452); "
		    "briskdns uses a fresh random port per query: use "
		    "min-port/max-port for a range a firewall can open", n);
		return -1;
	}
	return 0;
}

/* ---- checks across keys, memory ------------------------------------------- */

void
filter_config_finish(struct parse *p)
{
	struct config	*cfg = p->cfg;

	if (cfg->min_port == 0 && cfg->max_port == 0)
		return;
	/* One of them alone: dnsmasq's defaults for the other. */
	if (cfg->min_port == 0)
		cfg->min_port = cfg->max_port < 1024 ? 1 : 1024;
	if (cfg->max_port == 0)
		cfg->max_port = 65535;
	if (cfg->min_port > cfg->max_port)
		perr(p, "%s: min-port (%u) is greater than max-port (%u)",
		    cfg->conf_file, cfg->min_port, cfg->max_port);
}

void
filter_config_free(struct config *cfg)
{
	free(cfg->bogus_nxdomain);
	free(cfg->ignore_address);
	free(cfg->filter_rr);
}

/* ---- print-back ------------------------------------------------------------ */

void
print_filter_flag(FILE *f, const struct config *cfg, const struct key *k)
{
	if (*(const int *)FIELD(cfg, k))
		fprintf(f, "%s\n", k->name);
	else
		fprintf(f, "# %s: off\n", k->name);
}

void
print_filter_number(FILE *f, const struct config *cfg, const struct key *k)
{
	unsigned long	 n;

	n = k->size == sizeof(uint16_t) ? *(const uint16_t *)FIELD(cfg, k) :
	    *(const uint32_t *)FIELD(cfg, k);
	if (n != 0)
		fprintf(f, "%s=%lu\n", k->name, n);
	else
		fprintf(f, "# %s: none\n", k->name);
}

void
print_filter_nets(FILE *f, const struct config *cfg, const struct key *k)
{
	const struct config_net	*n;
	size_t			 i, cnt;
	char			 a[INET6_ADDRSTRLEN];

	if (strcmp(k->name, "bogus-nxdomain") == 0) {
		n = cfg->bogus_nxdomain;
		cnt = cfg->nbogus_nxdomain;
	} else {
		n = cfg->ignore_address;
		cnt = cfg->nignore_address;
	}
	if (cnt == 0)
		fprintf(f, "# %s: none\n", k->name);
	for (i = 0; i < cnt; i++) {
		inet_ntop(n[i].family, n[i].addr, a, sizeof(a));
		if (n[i].prefix == (n[i].family == AF_INET ? 32u : 128u))
			fprintf(f, "%s=%s\n", k->name, a);
		else
			fprintf(f, "%s=%s/%u\n", k->name, a, n[i].prefix);
	}
}

void
print_filter_rr(FILE *f, const struct config *cfg, const struct key *k)
{
	size_t	 i;
	char	 b[8];

	if (cfg->nfilter_rr == 0) {
		fprintf(f, "# %s: none\n", k->name);
		return;
	}
	fprintf(f, "%s=", k->name);
	for (i = 0; i < cfg->nfilter_rr; i++)
		fprintf(f, "%s%s", i ? "," : "", rr_text(cfg->filter_rr[i], b,
		    sizeof(b)));
	fputc('\n', f);
}
