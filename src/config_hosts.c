/*
 * config_hosts.c: the keys of hosts files and local records, and the
 * building of the hosts table (hosts.h) at the end of a load.
 *
 * Each record key's value is checked when it is read (errors name the file
 * and line) and kept as canonical text, in order, for the print-back; the
 * table is built from those texts once every key is known (domain=,
 * expand-hosts, mx-target may follow the records that use them), records
 * first, then /etc/hosts (unless no-hosts), addn-hosts= in order, and
 * hostsdir= into a table of its own that the daemon replaces when the
 * directory changes.  dnsmasq reads host-record= before the files too, so
 * the same name wins the PTR of an address.
 */

#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "briskdns.h"
#include "config.h"
#include "config_impl.h"
#include "hosts.h"
#include "log.h"
#include "wire.h"

const char	*config_hosts_file = "/etc/hosts";
#define REC_MAX_FIELDS		64	/* comma-separated fields of a value */
#define HOSTS_MAX_PATHS		4096	/* addn-hosts=, hostsdir= values */

enum rec_kind { R_HOST, R_CNAME, R_TXT, R_PTR, R_SRV, R_MX };

static const struct {
	const char	*key;
	enum rec_kind	 kind;
} rec_keys[] = {
	{ "host-record", R_HOST }, { "cname", R_CNAME },
	{ "txt-record", R_TXT }, { "ptr-record", R_PTR },
	{ "srv-host", R_SRV }, { "mx-host", R_MX },
};

/* Fields of a value split at commas outside double quotes. */
struct fields {
	char	 buf[CONFIG_MAX_LINE * 2 + 4];
	char	*f[REC_MAX_FIELDS];
	int	 quoted[REC_MAX_FIELDS];
	size_t	 len[REC_MAX_FIELDS];
	int	 n;
};

/* The end of field n at o, its unquoted blanks at the end trimmed. */
static size_t
field_end(struct fields *fs, size_t o, size_t keep)
{
	while (o > keep && fs->buf[o - 1] == ' ')
		o--;
	fs->len[fs->n] = (size_t)(fs->buf + o - fs->f[fs->n]);
	return o;
}

/*
 * Split; inside quotes \" and \\ are unescaped; blanks around a field
 * outside quotes are dropped.  -1: bad quoting.
 */
static int
split(const char *v, struct fields *fs)
{
	size_t	 o = 0, keep = 0;
	int	 inq = 0;

	fs->n = 0;
	fs->f[0] = fs->buf;
	fs->quoted[0] = 0;
	for (; *v != '\0'; v++) {
		if (o + 2 >= sizeof(fs->buf))
			return -1;
		if (inq) {
			if (*v == '"') {
				inq = 0;
				keep = o;
				continue;
			}
			if (*v == '\\' && (v[1] == '"' || v[1] == '\\'))
				v++;
			fs->buf[o++] = *v;
			continue;
		}
		if (*v == '"') {
			inq = 1;
			fs->quoted[fs->n] = 1;
			continue;
		}
		if ((*v == ' ' || *v == '\t') && fs->buf + o == fs->f[fs->n])
			continue;
		if (*v == ',') {
			o = field_end(fs, o, keep);
			fs->buf[o++] = '\0';
			keep = o;
			if (++fs->n == REC_MAX_FIELDS)
				return -1;
			fs->f[fs->n] = fs->buf + o;
			fs->quoted[fs->n] = 0;
			continue;
		}
		fs->buf[o++] = *v;
	}
	if (inq)
		return -1;
	o = field_end(fs, o, keep);
	fs->buf[o] = '\0';
	fs->n++;
	return 0;
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int
number(const char *s, unsigned long max, unsigned long *v)
{
	return all_digits(s) && parse_ulong(s, max, v) == 0 ? 0 : -1;
}

/* A name to wire form, appended to rd at *o.  0 or -1. */
static int
put_name(const char *name, uint8_t *rd, size_t *o, size_t cap)
{
	uint8_t	 wire[DNS_MAXNAME];
	size_t	 wlen;

	if (strcmp(name, ".") == 0 || *name == '\0') {
		wire[0] = 0;
		wlen = 1;
	} else if (hosts_name_wire(name, strlen(name), wire, &wlen) == -1)
		return -1;
	if (cap - *o < wlen)
		return -1;
	memcpy(rd + *o, wire, wlen);
	*o += wlen;
	return 0;
}

static int
valid_name(const char *name)
{
	uint8_t	 wire[DNS_MAXNAME];
	size_t	 wlen;

	return hosts_name_wire(name, strlen(name), wire, &wlen) == 0;
}

/*
 * Parse one record value of kind and, when h is not NULL, add it to h.
 * cfg gives domain= and mx-target=.  0, or -1 with *why.
 */
static int
record_apply(struct hosts *h, const struct config *cfg, enum rec_kind kind,
    const char *v, const char **why)
{
	struct fields	 fs;
	uint8_t		 rd[DNS_MAXMSG < 65535 ? DNS_MAXMSG : 65535];
	uint8_t		 a4[4], a6[16];
	char		 name[DNS_MAXNAME * 2], host[256];
	const char	*first = NULL, *target;
	size_t		 o = 0, slen;
	unsigned long	 ttl = 0, port = 1, prio = 0, weight = 0, pref = 1;
	int		 i, n, naddr = 0, nnames = 0;

	*why = "bad value";
	if (split(v, &fs) == -1) {
		*why = "bad quoting or too many fields";
		return -1;
	}
	n = fs.n;
	switch (kind) {
	case R_HOST:
		/* NAME[,NAME...],[IPv4],[IPv6][,TTL]: a number last is the
		 * TTL; the first name answers PTR for each address. */
		if (n >= 2 && all_digits(fs.f[n - 1])) {
			if (number(fs.f[n - 1], 2147483647, &ttl) == -1) {
				*why = "bad TTL";
				return -1;
			}
			n--;
		}
		for (i = 0; i < n; i++) {
			if (*fs.f[i] == '\0')
				continue;
			if (inet_pton(AF_INET, fs.f[i], a4) == 1 ||
			    inet_pton(AF_INET6, fs.f[i], a6) == 1) {
				naddr++;
				continue;
			}
			if (naddr > 0) {
				*why = "a name after an address";
				return -1;
			}
			if (!valid_name(fs.f[i])) {
				*why = "bad name";
				return -1;
			}
			if (first == NULL)
				first = fs.f[i];
			nnames++;
		}
		if (nnames == 0 || naddr == 0) {
			*why = "needs a name and an address";
			return -1;
		}
		if (h == NULL)
			return 0;
		for (i = 0; i < n; i++) {
			int	 fam = 0, j;

			if (inet_pton(AF_INET, fs.f[i], a4) == 1)
				fam = AF_INET;
			else if (inet_pton(AF_INET6, fs.f[i], a6) == 1)
				fam = AF_INET6;
			if (fam == 0)
				continue;
			for (j = 0; j < n; j++) {
				if (*fs.f[j] == '\0' || inet_pton(AF_INET,
				    fs.f[j], rd) == 1 || inet_pton(AF_INET6,
				    fs.f[j], rd) == 1)
					continue;
				if (hosts_add_addr(h, fs.f[j], fam, fam ==
				    AF_INET ? (void *)a4 : (void *)a6,
				    (uint32_t)ttl, fs.f[j] == first, why) == -1)
					return -1;
			}
		}
		return 0;

	case R_CNAME:
		/* ALIAS[,ALIAS...],TARGET[,TTL] */
		if (n >= 3 && all_digits(fs.f[n - 1])) {
			if (number(fs.f[n - 1], 2147483647, &ttl) == -1) {
				*why = "bad TTL";
				return -1;
			}
			n--;
		}
		if (n < 2) {
			*why = "needs an alias and a target";
			return -1;
		}
		target = fs.f[n - 1];
		if (put_name(target, rd, &o, sizeof(rd)) == -1 || o == 1) {
			*why = "bad target";
			return -1;
		}
		for (i = 0; i < n - 1; i++)
			if (!valid_name(fs.f[i])) {
				*why = "bad alias";
				return -1;
			}
		for (i = 0; h != NULL && i < n - 1; i++)
			if (hosts_add_rdata(h, fs.f[i], DNS_TYPE_CNAME, rd, o,
			    (uint32_t)ttl, why) == -1)
				return -1;
		return 0;

	case R_TXT:
		/* NAME[,"text"...]: each string at most 255 bytes. */
		if (!valid_name(fs.f[0])) {
			*why = "bad name";
			return -1;
		}
		for (i = 1; i < n; i++) {
			slen = fs.len[i];
			if (slen > 255) {
				*why = "a string longer than 255 bytes";
				return -1;
			}
			if (sizeof(rd) - o < slen + 1) {
				*why = "too long";
				return -1;
			}
			rd[o++] = (uint8_t)slen;
			memcpy(rd + o, fs.f[i], slen);
			o += slen;
		}
		if (h != NULL && hosts_add_rdata(h, fs.f[0], DNS_TYPE_TXT, rd,
		    o, 0, why) == -1)
			return -1;
		return 0;

	case R_PTR:
		/* NAME[,TARGET]: without a target, the root (dnsmasq
		 * answers a PTR with an empty target). */
		if (n > 2 || !valid_name(fs.f[0])) {
			*why = n > 2 ? "too many fields" : "bad name";
			return -1;
		}
		if (put_name(n == 2 ? fs.f[1] : "", rd, &o, sizeof(rd)) ==
		    -1) {
			*why = "bad target";
			return -1;
		}
		if (h != NULL && hosts_add_rdata(h, fs.f[0], DNS_TYPE_PTR, rd,
		    o, 0, why) == -1)
			return -1;
		return 0;

	case R_SRV:
		/* _service._prot.[domain],[target[,port[,prio[,weight]]]] */
		if (n > 5 || !valid_name(fs.f[0])) {
			*why = n > 5 ? "too many fields" : "bad name";
			return -1;
		}
		if ((n > 2 && number(fs.f[2], 65535, &port) == -1) ||
		    (n > 3 && number(fs.f[3], 65535, &prio) == -1) ||
		    (n > 4 && number(fs.f[4], 65535, &weight) == -1)) {
			*why = "bad port, priority or weight";
			return -1;
		}
		put16(rd, (uint16_t)prio);
		put16(rd + 2, (uint16_t)weight);
		put16(rd + 4, (uint16_t)port);
		o = 6;
		if (put_name(n > 1 ? fs.f[1] : "", rd, &o, sizeof(rd)) == -1) {
			*why = "bad target";
			return -1;
		}
		/* Without a domain (two labels), domain= is appended. */
		(void)snprintf(name, sizeof(name), "%s", fs.f[0]);
		if (strchr(fs.f[0], '.') == strrchr(fs.f[0], '.') &&
		    cfg->domain != NULL)
			(void)snprintf(name, sizeof(name), "%s.%s", fs.f[0],
			    cfg->domain);
		if (h != NULL && hosts_add_rdata(h, name, 33, rd, o, 0,
		    why) == -1)
			return -1;
		return 0;

	case R_MX:
		/* NAME[[,HOST],PREF]: HOST defaults to mx-target or this
		 * host's name, PREF to 1. */
		if (n > 3 || !valid_name(fs.f[0])) {
			*why = n > 3 ? "too many fields" : "bad name";
			return -1;
		}
		target = NULL;
		if (n == 3) {
			target = fs.f[1];
			if (number(fs.f[2], 65535, &pref) == -1) {
				*why = "bad preference";
				return -1;
			}
		} else if (n == 2) {
			if (all_digits(fs.f[1])) {
				if (number(fs.f[1], 65535, &pref) == -1) {
					*why = "bad preference";
					return -1;
				}
			} else
				target = fs.f[1];
		}
		if (target != NULL && !valid_name(target)) {
			*why = "bad host";
			return -1;
		}
		if (h == NULL)
			return 0;
		if (target == NULL && (target = cfg->mx_target) == NULL) {
			if (gethostname(host, sizeof(host)) == -1)
				(void)snprintf(host, sizeof(host), "localhost");
			host[sizeof(host) - 1] = '\0';
			target = host;
		}
		put16(rd, (uint16_t)pref);
		o = 2;
		if (put_name(target, rd, &o, sizeof(rd)) == -1) {
			*why = "bad host";
			return -1;
		}
		return hosts_add_rdata(h, fs.f[0], DNS_TYPE_MX, rd, o, 0, why);
	}
	return -1;
}

/* ---- setters ------------------------------------------------------------- */

static int
add_string(struct parse *p, const struct key *k, char ***list, size_t *n,
    const char *v)
{
	char	**nl, *s;

	if (*n >= HOSTS_MAX_PATHS) {
		kerr(p, k, "too many values (more than %d)", HOSTS_MAX_PATHS);
		return -1;
	}
	if ((s = strdup(v)) == NULL || (nl = grow(*list, *n, 1,
	    sizeof(**list))) == NULL) {
		free(s);
		kerr(p, k, "out of memory");
		return -1;
	}
	*list = nl;
	nl[(*n)++] = s;
	return 0;
}

int
set_hosts_path(struct parse *p, const struct key *k, const char *v)
{
	struct config	*cfg = p->cfg;
	const char	*s;
	char		 sb[SHOWBUF];

	for (s = v; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s) || *s == '"' || *s == '\\') {
			kerr(p, k, "'%s' contains a control character, a "
			    "quote or a backslash", show(v, sb, sizeof(sb)));
			return -1;
		}
	if (strlen(v) >= 4000) {
		kerr(p, k, "'%s' is too long", show(v, sb, sizeof(sb)));
		return -1;
	}
	if (strcmp(k->name, "hostsdir") == 0)
		return add_string(p, k, &cfg->hostsdir, &cfg->nhostsdir, v);
	return add_string(p, k, &cfg->addn_hosts, &cfg->naddn_hosts, v);
}

/*
 * A record's print-back: the value as the setter got it.  The file
 * reader takes quotes off (but for K_QUOTES keys, which keep them), so a
 * value with a quote, a backslash, a blank or '#' (from a quoted run:
 * cname=a,"b \"c\" ") is printed quoted, as a string key's; else it
 * would read back as another value.
 */
static int
record_quoted(const struct key *k, const char *v)
{
	return !(k->flags & K_QUOTES) && string_quoted(v);
}

int
set_hosts_record(struct parse *p, const struct key *k, const char *v)
{
	struct config		*cfg = p->cfg;
	struct config_record	*nr;
	const char		*why;
	char			*s, sb[SHOWBUF];
	size_t			 i;

	for (i = 0; i < sizeof(rec_keys) / sizeof(rec_keys[0]); i++)
		if (strcmp(rec_keys[i].key, k->name) == 0)
			break;
	if (i == sizeof(rec_keys) / sizeof(rec_keys[0]))
		return -1;
	if (strchr(v, '\n') != NULL || strlen(v) > CONFIG_MAX_LINE - 40 ||
	    config_line_len(k, v, record_quoted(k, v)) >
	    CONFIG_MAX_LINE) {
		kerr(p, k, "'%s' is too long", show(v, sb, sizeof(sb)));
		return -1;
	}
	if (record_apply(NULL, cfg, rec_keys[i].kind, v, &why) == -1) {
		kerr(p, k, "'%s': %s", show(v, sb, sizeof(sb)), why);
		return -1;
	}
	if (cfg->nrecords >= CONFIG_MAX_VALUES) {
		kerr(p, k, "too many records");
		return -1;
	}
	if ((s = strdup(v)) == NULL || (nr = grow(cfg->records,
	    cfg->nrecords, 1, sizeof(*nr))) == NULL) {
		free(s);
		kerr(p, k, "out of memory");
		return -1;
	}
	cfg->records = nr;
	nr[cfg->nrecords].key = k->name;
	nr[cfg->nrecords].value = s;
	cfg->nrecords++;
	return 0;
}

int
set_hosts_domain(struct parse *p, const struct key *k, const char *v)
{
	char	 sb[SHOWBUF];

	if (strchr(v, ',') != NULL || strcmp(v, "#") == 0) {
		kerr(p, k, "'%s': the address-range, interface and '#' forms "
		    "of domain= are DHCP forms: briskdns does DNS only, "
		    "give the domain alone", show(v, sb, sizeof(sb)));
		return -1;
	}
	if (!valid_name(v)) {
		kerr(p, k, "'%s' is not a valid domain", show(v, sb,
		    sizeof(sb)));
		return -1;
	}
	return set_string(p, k, v);
}

int
set_hosts_name(struct parse *p, const struct key *k, const char *v)
{
	char	 sb[SHOWBUF];

	if (!valid_name(v)) {
		kerr(p, k, "'%s' is not a valid name", show(v, sb, sizeof(sb)));
		return -1;
	}
	return set_string(p, k, v);
}

/* ---- print-back ---------------------------------------------------------- */

void
print_hosts_list(FILE *f, const struct config *cfg, const struct key *k)
{
	char	**list = cfg->addn_hosts;
	size_t	 n = cfg->naddn_hosts, i;

	if (strcmp(k->name, "hostsdir") == 0) {
		list = cfg->hostsdir;
		n = cfg->nhostsdir;
	}
	for (i = 0; i < n; i++)
		fprintf(f, strpbrk(list[i], " #") != NULL ? "%s=\"%s\"\n" :
		    "%s=%s\n", k->name, list[i]);
	if (n == 0)
		fprintf(f, "# %s: none\n", k->name);
}

void
print_hosts_record(FILE *f, const struct config *cfg, const struct key *k)
{
	const char	*s;
	size_t		 i, n = 0;

	for (i = 0; i < cfg->nrecords; i++)
		if (strcmp(cfg->records[i].key, k->name) == 0) {
			s = cfg->records[i].value;
			if (record_quoted(k, s)) {
				fprintf(f, "%s=\"", k->name);
				for (; *s != '\0'; s++)
					fprintf(f, "%s%c", *s == '"' ||
					    *s == '\\' ? "\\" : "", *s);
				fputs("\"\n", f);
			} else
				fprintf(f, "%s=%s\n", k->name, s);
			n++;
		}
	if (n == 0)
		fprintf(f, "# %s: none\n", k->name);
}

/* ---- building ------------------------------------------------------------ */

static void
read_logged(struct hosts *h, const char *path, int missing_ok)
{
	if (hosts_read_path(h, path) == -1 && !(missing_ok && errno == ENOENT))
		log_warn("failed to load names from %s", path);
}

/* The table of hostsdir= files (NULL without any). */
struct hosts *
config_hosts_dir_load(const struct config *cfg)
{
	struct hosts	*h;
	size_t		 i;

	if (cfg->nhostsdir == 0)
		return NULL;
	if ((h = hosts_new(cfg->expand_hosts ? cfg->domain : NULL)) == NULL)
		return NULL;
	for (i = 0; i < cfg->nhostsdir; i++)
		if (hosts_read_dir(h, cfg->hostsdir[i]) == -1)
			log_warn("failed to load names from %s",
			    cfg->hostsdir[i]);
	hosts_shrink(h);
	return h;
}

/*
 * After every key: the table from the records, then the files (not for
 * files == 0: config_load_buffer, the fuzzer).  A record that was valid
 * when read can fail only for want of memory or at a table bound.
 */
void
config_hosts_build(struct parse *p, int files)
{
	struct config	*cfg = p->cfg;
	struct hosts	*h;
	const char	*why;
	char		 sb[SHOWBUF];
	size_t		 i, j;

	if ((h = hosts_new(cfg->expand_hosts ? cfg->domain : NULL)) == NULL) {
		errs_addline(p, "out of memory");
		return;
	}
	for (i = 0; i < cfg->nrecords; i++) {
		for (j = 0; j < sizeof(rec_keys) / sizeof(rec_keys[0]); j++)
			if (strcmp(rec_keys[j].key, cfg->records[i].key) == 0)
				break;
		if (j < sizeof(rec_keys) / sizeof(rec_keys[0]) &&
		    record_apply(h, cfg, rec_keys[j].kind,
		    cfg->records[i].value, &why) == -1)
			perr(p, "%s: %s=%s: %s", cfg->conf_file,
			    cfg->records[i].key, show(cfg->records[i].value,
			    sb, sizeof(sb)), why);
	}
	if (files) {
		if (!cfg->no_hosts)
			read_logged(h, config_hosts_file, 1);
		for (i = 0; i < cfg->naddn_hosts; i++)
			read_logged(h, cfg->addn_hosts[i], 0);
		cfg->hosts_dir = config_hosts_dir_load(cfg);
	}
	hosts_shrink(h);
	cfg->hosts = h;
}

void
config_hosts_free(struct config *cfg)
{
	size_t	 i;

	for (i = 0; i < cfg->naddn_hosts; i++)
		free(cfg->addn_hosts[i]);
	free(cfg->addn_hosts);
	for (i = 0; i < cfg->nhostsdir; i++)
		free(cfg->hostsdir[i]);
	free(cfg->hostsdir);
	for (i = 0; i < cfg->nrecords; i++)
		free(cfg->records[i].value);
	free(cfg->records);
	free(cfg->domain);
	free(cfg->mx_target);
	hosts_free(cfg->hosts);
	hosts_free(cfg->hosts_dir);
}
