/*
 * config_files.c: the setters and print-back of the files and logging
 * keys: conf-dir, servers-file, no-poll, clear-on-reload, log-facility,
 * log-async, log-queries[=extra|proto].  dnsmasq 2.90's meaning.
 *
 * Pure like the rest of the configuration module: conf-dir and
 * servers-file read the files they name (through the readers of
 * config.c), nothing else.  What the daemon does with the values (the
 * log target, the queue, the poll) is main.c's and log.c's.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "briskdns.h"
#include "config.h"
#include "config_impl.h"

/* ---- conf-dir ---------------------------------------------------------- */

/*
 * conf-dir=DIR[,SUFFIX...]: a suffix starting with '*' is one a file
 * must have (its text after the '*'; "*" alone means nothing, as in
 * dnsmasq), any other one a suffix whose files are skipped.  Empty
 * suffixes are ignored.  Read at once, like an included file; on the
 * command line after the file (config_build), never while the command
 * line is only checked.
 */
int
set_conf_dir(struct parse *p, const struct key *k, const char *v)
{
	struct config	*cfg = p->cfg;
	char		*copy, *dir, *s, *e, **nv, sb[SHOWBUF];
	char		*skip[CONFIG_MAX_SUFFIXES], *match[CONFIG_MAX_SUFFIXES];
	size_t		 nskip = 0, nmatch = 0;
	int		 rv = -1;

	for (s = (char *)(uintptr_t)v; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s)) {
			kerr(p, k, "'%s' contains a control character",
			    show(v, sb, sizeof(sb)));
			return -1;
		}
	/* Printed back as a comment line, which must read back. */
	if (strlen(v) + 32 > CONFIG_MAX_LINE) {
		kerr(p, k, "'%s' is too long", show(v, sb, sizeof(sb)));
		return -1;
	}
	if ((copy = strdup(v)) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	dir = copy;
	if ((e = strchr(copy, ',')) != NULL)
		*e++ = '\0';
	if (*dir == '\0') {
		kerr(p, k, "'%s': no directory", show(v, sb, sizeof(sb)));
		goto out;
	}
	for (s = e; s != NULL; s = e) {
		if ((e = strchr(s, ',')) != NULL)
			*e++ = '\0';
		if (*s == '\0' || strcmp(s, "*") == 0)
			continue;
		if (nskip + nmatch >= CONFIG_MAX_SUFFIXES) {
			kerr(p, k, "'%s': more than %d suffixes",
			    show(v, sb, sizeof(sb)), CONFIG_MAX_SUFFIXES);
			goto out;
		}
		if (*s == '*')
			match[nmatch++] = s + 1;
		else
			skip[nskip++] = s;
	}
	if ((nv = grow(cfg->conf_dirs, cfg->nconf_dirs, 1,
	    sizeof(*nv))) == NULL || (nv[cfg->nconf_dirs] = strdup(v)) ==
	    NULL) {
		if (nv != NULL)
			cfg->conf_dirs = nv;
		kerr(p, k, "out of memory");
		goto out;
	}
	cfg->conf_dirs = nv;
	cfg->nconf_dirs++;
	rv = 0;
	if (p->args_only)
		goto out;
	if (p->depth + 1 > CONFIG_MAX_DEPTH) {
		kerr(p, k, "'%s': included more than %d levels deep",
		    show(v, sb, sizeof(sb)), CONFIG_MAX_DEPTH);
		rv = -1;
		goto out;
	}
	p->depth++;
	parse_dir(p, k, dir, skip, nskip, match, nmatch);
	p->depth--;
out:
	free(copy);
	return rv;
}

void
print_conf_dir(FILE *f, const struct config *cfg, const struct key *k)
{
	size_t	i;

	/* Comments: what the directories held is printed as its keys. */
	if (cfg->nconf_dirs == 0)
		fprintf(f, "# %s: none\n", k->name);
	for (i = 0; i < cfg->nconf_dirs; i++)
		fprintf(f, "# %s=%s (read)\n", k->name, cfg->conf_dirs[i]);
}

/* ---- servers-file ------------------------------------------------------ */

int
set_servers_file(struct parse *p, const struct key *k, const char *v)
{
	/* Where it was given, for the errors of reading it (later). */
	if (p->file != NULL)
		snprintf(p->servers_file_at, sizeof(p->servers_file_at),
		    "%.80s:%lu: %s", p->file, p->line, k->name);
	else
		snprintf(p->servers_file_at, sizeof(p->servers_file_at),
		    "option --%s", k->name);
	return set_path(p, k, v);
}

/*
 * The last servers-file value (file or command line) is read once
 * everything else is applied, as dnsmasq reads it after the options:
 * server= lines only (and rev-server= where the key exists).  A missing
 * or unreadable file is an error (dnsmasq logs it and goes on).  It
 * counts against the load's bounds like an included file.
 */
void
servers_file_read(struct parse *p)
{
	static const char *const only[] = { "server", "rev-server", NULL };
	const char	*path = p->cfg->servers_file, *why;
	char		*buf, sb[SHOWBUF], line[512];
	size_t		 len;

	if (path == NULL || p->stop)
		return;
	if ((buf = read_file(path, CONFIG_MAX_FILE, &len, &why)) == NULL) {
		snprintf(line, sizeof(line), "%s: cannot read '%s': %s",
		    p->servers_file_at, show(path, sb, sizeof(sb)),
		    why != NULL ? why : strerror(errno));
		errs_addline(p, line);
		return;
	}
	p->nread += len;
	if (p->nread > CONFIG_MAX_READ) {
		snprintf(line, sizeof(line), "%s: '%s': the files read add up "
		    "to more than %d bytes, giving up", p->servers_file_at,
		    show(path, sb, sizeof(sb)), CONFIG_MAX_READ);
		errs_addline(p, line);
		free(buf);
		return;
	}
	p->only = only;
	p->file = path;
	parse_buffer(p, buf, len);
	p->file = NULL;
	p->only = NULL;
	free(buf);
}

void
print_servers_file(FILE *f, const struct config *cfg, const struct key *k)
{
	/* A comment: its servers are printed as server= lines. */
	if (cfg->servers_file == NULL)
		fprintf(f, "# %s: none\n", k->name);
	else
		fprintf(f, "# %s=%s (read: its servers are the server= "
		    "lines)\n", k->name, cfg->servers_file);
}

/* ---- logging ----------------------------------------------------------- */

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
	{ "cron", LOG_CRON }, { "daemon", LOG_DAEMON },
	{ "ftp", LOG_FTP }, { "kern", LOG_KERN }, { "lpr", LOG_LPR },
	{ "mail", LOG_MAIL }, { "news", LOG_NEWS },
	{ "security", LOG_AUTH }, { "syslog", LOG_SYSLOG },
	{ "user", LOG_USER }, { "uucp", LOG_UUCP },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int
config_log_facility(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].facility;
	return -1;
}

/*
 * log-facility=NAME|PATH|-: as dnsmasq, a value with a '/' is a file
 * (appended to), "-" is stderr, anything else must be a facility name.
 */
int
set_log_facility(struct parse *p, const struct key *k, const char *v)
{
	char	sb[SHOWBUF];

	if (strcmp(v, "-") != 0 && strchr(v, '/') == NULL &&
	    config_log_facility(v) == -1) {
		kerr(p, k, "'%s' is not a syslog facility (daemon, user, "
		    "local0 to local7, ...), a file (a path with a /) or -",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	return set_path(p, k, v);
}

/*
 * log-async[=LINES]: 5 without a value; as dnsmasq, more than 100 is
 * 100.  0 turns it off, also the queue log-queries has by default.
 */
int
set_log_async(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	n = CONFIG_LOG_ASYNC_DEFAULT;
	char		sb[SHOWBUF];

	if (v != NULL && parse_ulong(v, 4294967295UL, &n) == -1) {
		kerr(p, k, "'%s' is not a number of lines",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	if (n > CONFIG_LOG_ASYNC_MAX)
		n = CONFIG_LOG_ASYNC_MAX;
	p->cfg->log_async = (unsigned int)n;
	p->cfg->log_async_off = n == 0;
	return 0;
}

void
print_log_async(FILE *f, const struct config *cfg, const struct key *k)
{
	if (cfg->log_async_off)
		fprintf(f, "%s=0\n", k->name);
	else if (cfg->log_async == 0)
		fprintf(f, "# %s: off\n", k->name);
	else
		fprintf(f, "%s=%u\n", k->name, cfg->log_async);
}

/* log-queries, log-queries=extra, log-queries=proto. */
int
set_log_queries(struct parse *p, const struct key *k, const char *v)
{
	char	sb[SHOWBUF];

	if (v == NULL)
		p->cfg->log_queries = LOG_QUERIES_ON;
	else if (strcmp(v, "extra") == 0)
		p->cfg->log_queries = LOG_QUERIES_EXTRA;
	else if (strcmp(v, "proto") == 0)
		p->cfg->log_queries = LOG_QUERIES_PROTO;
	else {
		kerr(p, k, "'%s' is not one of extra, proto (or no value)",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	return 0;
}

void
print_log_queries(FILE *f, const struct config *cfg, const struct key *k)
{
	switch (cfg->log_queries) {
	case 0:
		fprintf(f, "# %s: off\n", k->name);
		break;
	case LOG_QUERIES_EXTRA:
		fprintf(f, "%s=extra\n", k->name);
		break;
	case LOG_QUERIES_PROTO:
		fprintf(f, "%s=proto\n", k->name);
		break;
	default:
		fprintf(f, "%s\n", k->name);
		break;
	}
}
