/*
 * config.c: the configuration, from a dnsmasq-style file and the command
 * line.
 *
 * The readers: the file parser (with conf-file includes and conf-dir
 * directories) and
 * getopt_long over the key table (config_keys.c), building a
 * configuration from defaults, file and command line, and the comparison
 * of the keys that need a restart.  config_impl.h lists the other parts.
 *
 * Invariants:
 * - Pure: the only I/O is reading the files we are told to read (the
 *   configuration, its conf-file includes, conf-dir directories and
 *   servers-file, a resolv.conf).  No global state: a load may run in a
 *   thread of its own (the SIGHUP reload) beside the event loop.  Nothing is
 *   printed; errors are collected in a struct config_errors.
 * - Hostile input uses bounded memory and time: lines are at most
 *   CONFIG_MAX_LINE characters, a file at most CONFIG_MAX_FILE bytes, one
 *   load reads at most CONFIG_MAX_READ bytes and applies at most
 *   CONFIG_MAX_VALUES values, includes (conf-file, conf-dir) nest at most
 *   CONFIG_MAX_DEPTH deep, conf-dir looks at most at CONFIG_MAX_DIR_ENTRIES
 *   directory entries in one load, and at most CONFIG_MAX_ERRORS errors are kept; the domain rules and
 *   servers a line names grow with its length, so they are bounded by
 *   the bytes read.
 * - A struct config owns all its memory; config_free() frees it.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "briskdns.h"
#include "clientnet.h"
#include "config.h"
#include "config_impl.h"
#include "domtab.h"

/* ---- the file parser ----------------------------------------------------- */

/* The keys sorted by name, made on first use: a binary search a line. */
static const struct key	**keys_sorted;

static int
key_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct key *const *)a)->name,
	    (*(const struct key *const *)b)->name);
}

const struct key *
config_key_find(const char *name)
{
	size_t	i, lo = 0, hi = config_nkeys, mid;
	int	c;

	if (keys_sorted == NULL) {
		const struct key **v = calloc(config_nkeys, sizeof(*v));

		if (v == NULL) {
			/* Out of memory: the slow way. */
			for (i = 0; i < config_nkeys; i++)
				if (strcmp(config_keys[i].name, name) == 0)
					return &config_keys[i];
			return NULL;
		}
		for (i = 0; i < config_nkeys; i++)
			v[i] = &config_keys[i];
		qsort(v, config_nkeys, sizeof(*v), key_cmp);
		keys_sorted = v;	/* kept for the life of the process */
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(name, keys_sorted[mid]->name)) == 0)
			return keys_sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Validate and store one value; v is NULL when no '=' was given. */
int
config_key_apply(struct parse *p, const struct key *k, const char *v)
{
	key_set_fn	set = k->set;

	if (k->flags & K_OPTVALUE) {
		if (v != NULL && *v == '\0') {
			kerr(p, k, "needs a value after '='");
			return -1;
		}
	} else if (k->type == KT_FLAG) {
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

/* Count and apply one "key=value" (val NULL: no '='). */
static void
parse_kv(struct parse *p, const char *key, const char *val)
{
	const struct key	*k;
	char			 sb[SHOWBUF];

	if (++p->nvalues > CONFIG_MAX_VALUES) {
		perr(p, "too many values (more than %d), giving up",
		    CONFIG_MAX_VALUES);
		p->stop = 1;
		return;
	}
	if ((k = config_key_find(key)) == NULL) {
		if (config_reject(p, key) == -1)
			perr(p, "unknown key '%s'", show(key, sb, sizeof(sb)));
		return;
	}
	if (k->flags & K_CMDLINE) {
		perr(p, "'%s' is only valid on the command line", k->name);
		return;
	}
	if (p->only != NULL) {
		size_t	j;

		for (j = 0; p->only[j] != NULL; j++)
			if (strcmp(p->only[j], k->name) == 0)
				break;
		if (p->only[j] == NULL) {
			perr(p, "'%s' is not allowed here: a servers-file "
			    "holds server= lines only", k->name);
			return;
		}
	}
	config_key_apply(p, k, val);
}

/*
 * One line: strip the comment and the quotes, split "key = value", apply.
 * A '#' starts a comment at the start of the line or after whitespace (as
 * in dnsmasq), so server=1.2.3.4#53 keeps its port.  Inside double quotes
 * nothing is special but \" and \\.
 */
static void
parse_line(struct parse *p, char *line)
{
	char		 text[CONFIG_MAX_LINE + 1];
	char		 quoted[CONFIG_MAX_LINE + 1];
	char		*key, *val = NULL;
	size_t		 n = 0, keep = 0, i, eq = 0;
	int		 white = 1, inq = 0, haveeq = 0;
	const struct key *k;

	/*
	 * The common line (a blocklist's million): no blank, no quote, no
	 * comment.  Split in place; the same result as below.
	 */
	if (line[0] != '#' && line[0] != '\0' && line[0] != '=' &&
	    strpbrk(line, " \t\n\v\f\r\"") == NULL) {
		if ((val = strchr(line, '=')) != NULL)
			*val++ = '\0';
		parse_kv(p, line, val);
		return;
	}

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
	k = config_key_find(key);
	if (k != NULL && (k->flags & K_QUOTES) && val != NULL) {
		/* The value with its quoted runs quoted again (txt-record). */
		char	 rq[CONFIG_MAX_LINE * 3 + 4];
		size_t	 o = 0, from = (size_t)(val - text);

		/* At most 5 bytes for 2 characters ("\""x): it fits. */
		for (i = from; text[i] != '\0' && o + 5 < sizeof(rq); i++) {
			if (quoted[i] && (i == from || !quoted[i - 1]))
				rq[o++] = '"';
			if (quoted[i] && (text[i] == '"' || text[i] == '\\'))
				rq[o++] = '\\';
			rq[o++] = text[i];
			if (quoted[i] && (text[i + 1] == '\0' || !quoted[i + 1]))
				rq[o++] = '"';
		}
		rq[o] = '\0';
		parse_kv(p, key, rq);
		return;
	}
	parse_kv(p, key, val);
}

void
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
char *
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
void
parse_file(struct parse *p, const char *path, int missing_ok)
{
	const char	*ofile = p->file, *why;
	unsigned long	 oline = p->line;
	char		*buf, sb[SHOWBUF];
	size_t		 len;
	const struct key *k = config_key_find("conf-file");

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

/* ---- conf-dir ------------------------------------------------------------- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
suffix_in(const char *name, size_t len, char *const *v, size_t n)
{
	size_t	i, ls;

	/* As dnsmasq: the suffix must be shorter than the name. */
	for (i = 0; i < n; i++) {
		ls = strlen(v[i]);
		if (len > ls && strcmp(name + len - ls, v[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * conf-dir=DIR: the files of DIR as configuration files, in strcmp order
 * of their names (dnsmasq sorts its paths, all with the same prefix).
 * Skipped as in dnsmasq: names starting with '.', ending in '~', or
 * starting and ending with '#' (editors), names ending in one of skip,
 * and, when match is given, names ending in none of match; what is not a
 * regular file after following links.  A directory that cannot be read
 * is an error, as in dnsmasq.  Bounded: CONFIG_MAX_DIR_ENTRIES entries
 * looked at in the whole load, CONFIG_MAX_DIR_FILES files read from one
 * directory, and each file counts against the load's bounds like any
 * included file.
 */
void
parse_dir(struct parse *p, const struct key *k, const char *dir,
    char *const *skip, size_t nskip, char *const *match, size_t nmatch)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, **nv, *path, sb[SHOWBUF];
	size_t		 n = 0, len, i;

	if ((d = opendir(dir)) == NULL) {
		kerr(p, k, "cannot read directory '%s': %s",
		    show(dir, sb, sizeof(sb)), strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (++p->ndirents > CONFIG_MAX_DIR_ENTRIES) {
			kerr(p, k, "'%s': more than %d directory entries in "
			    "all, giving up", show(dir, sb, sizeof(sb)),
			    CONFIG_MAX_DIR_ENTRIES);
			p->stop = 1;
			goto out;
		}
		len = strlen(de->d_name);
		if (len == 0 || de->d_name[0] == '.' ||
		    de->d_name[len - 1] == '~' ||
		    (de->d_name[0] == '#' && de->d_name[len - 1] == '#'))
			continue;
		if (nmatch > 0 && !suffix_in(de->d_name, len, match, nmatch))
			continue;
		if (suffix_in(de->d_name, len, skip, nskip))
			continue;
		if (n >= CONFIG_MAX_DIR_FILES) {
			kerr(p, k, "'%s': more than %d files, giving up",
			    show(dir, sb, sizeof(sb)), CONFIG_MAX_DIR_FILES);
			goto out;
		}
		if ((path = malloc(strlen(dir) + len + 2)) == NULL ||
		    (nv = grow(names, n, 1, sizeof(*names))) == NULL) {
			free(path);
			kerr(p, k, "out of memory");
			goto out;
		}
		(void)sprintf(path, "%s/%s", dir, de->d_name);
		names = nv;
		names[n++] = path;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !p->stop; i++) {
		if (stat(names[i], &st) == -1) {
			kerr(p, k, "cannot read '%s': %s",
			    show(names[i], sb, sizeof(sb)), strerror(errno));
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		parse_file(p, names[i], 0);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
}

/* ---- building a configuration ------------------------------------------ */

void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	free(cfg->conf_file);
	free(cfg->listen);
	free(cfg->servers);
	free(cfg->resolv_file);
	domtab_free(cfg->domains);
	free(cfg->pid_file);
	free(cfg->user);
	free(cfg->group);
	for (i = 0; i < cfg->nconf_dirs; i++)
		free(cfg->conf_dirs[i]);
	free(cfg->conf_dirs);
	free(cfg->servers_file);
	free(cfg->log_facility);
	ops_config_free(cfg);
	filter_config_free(cfg);
	listen_free(cfg);
	config_hosts_free(cfg);
	clientnet_free(cfg->aaaa_clients);
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
	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].def != NULL && !(config_keys[i].flags & K_NODEFAULT))
			config_key_apply(p, &config_keys[i], config_keys[i].def);
	return p->cfg;
}

/* After everything is applied: defaults of repeatable keys, checks. */
static void
config_finish(struct parse *p)
{
	struct config		*cfg = p->cfg;
	const struct key	*k = config_key_find("listen-address");
	const struct config_server *s;
	char			 ab[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	size_t			 i;

	p->file = NULL;
	servers_file_read(p);
	p->file = NULL;
	if (cfg->nlisten == 0 && !listen_by_interface(cfg)) {
		config_key_apply(p, k, "127.0.0.1");
		config_key_apply(p, k, "::1");
		cfg->listen_default = 1;
	}
	listen_finish(p);
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
	(void)local_finish(p);
	filter_config_finish(p);
	/* A server that is briskdns itself would be a forwarding loop. */
	for (i = 0; i < cfg->nservers && cfg->port != 0; i++) {
		s = &cfg->servers[i];
		if (s->kind != SERVER_ADDR || addr_port(&s->addr) != cfg->port)
			continue;
		if (addr_is_self(&s->addr, cfg->listen, cfg->nlisten))
			perr(p, "%s%s: server %s#%u is briskdns itself "
			    "(listen-address and port): a forwarding loop",
			    s->from_cmdline ? "option --" : cfg->conf_file,
			    s->from_cmdline ? "server" : "",
			    addr_text(&s->addr, ab, sizeof(ab)), cfg->port);
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
		config_key_apply(&p, &config_keys[args->v[i].key], args->v[i].value);
	config_finish(&p);
	if (p.nerr == 0)
		config_hosts_build(&p, buf == NULL);
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
		if (config_keys[args->v[i].key].set == set_conf_file)
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
		k = &config_keys[args->v[i].key];
		v = args->v[i].value;
		if ((k->set != set_conf_file && k->set != set_path &&
		    k->set != set_servers_file && k->set != set_conf_dir &&
		    k->set != set_log_facility) ||
		    v == NULL || *v == '\0' || *v == '/')
			continue;
		/* log-facility: a file only when it has a '/'. */
		if (k->set == set_log_facility && strchr(v, '/') == NULL)
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

	if (val >= OPT_LONGONLY && (size_t)(val - OPT_LONGONLY) < config_nkeys)
		return &config_keys[val - OPT_LONGONLY];
	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].shortopt != 0 && config_keys[i].shortopt == val)
			return &config_keys[i];
	return NULL;
}

int
config_args_parse(int argc, char *argv[], struct config_args **argsp,
    enum config_action *action, struct config_errors *errs)
{
	struct option		 longopts[config_nkeys + 3];
	char			 shortopts[config_nkeys * 2 + 8], sb[SHOWBUF];
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
	for (i = 0; i < config_nkeys; i++) {
		longopts[i].name = config_keys[i].name;
		longopts[i].has_arg = config_keys[i].flags & K_OPTVALUE ?
		    optional_argument : config_keys[i].type == KT_FLAG ?
		    no_argument : required_argument;
		longopts[i].flag = NULL;
		longopts[i].val = config_keys[i].shortopt != 0 ? config_keys[i].shortopt :
		    OPT_LONGONLY + (int)i;
		if (config_keys[i].shortopt != 0) {
			shortopts[n++] = config_keys[i].shortopt;
			/* -q takes no value, as dnsmasq's: only
			 * --log-queries=extra does (K_OPTVALUE). */
			if (config_keys[i].type != KT_FLAG)
				shortopts[n++] = ':';
		}
	}
	longopts[config_nkeys] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[config_nkeys + 1] = (struct option){ "version", no_argument, NULL,
	    'v' };
	memset(&longopts[config_nkeys + 2], 0, sizeof(longopts[0]));
	shortopts[n++] = 'h';
	shortopts[n++] = 'v';
	shortopts[n] = '\0';

	/* Values are checked at once on a scratch configuration. */
	if (config_new(&p) == NULL) {
		free(args);
		return -1;
	}
	p.file = NULL;
	p.args_only = 1;	/* values are checked; conf-dir is read later */
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
			    isprint(optopt)) {
				if (config_reject_short(&p, optopt) == -1)
					perr(&p, "option -%c: unknown option",
					    optopt);
			} else {
				char	name[SHOWBUF], *eq;

				show(arg, name, sizeof(name));
				if ((eq = strchr(name, '=')) != NULL)
					*eq = '\0';
				if (strncmp(name, "--", 2) != 0 ||
				    config_reject(&p, name + 2) == -1)
					perr(&p, "option %s: unknown option",
					    name);
			}
			continue;
		}
		if ((k = key_by_val(c)) == NULL)
			continue;
		if (config_key_apply(&p, k, optarg) == 0 &&
		    args_add(args, (int)(k - config_keys), optarg) == -1)
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
	const char	*names[24];
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
	if (str_differ(old->log_facility, new->log_facility))
		names[n++] = "log-facility";
	if (old->log_async != new->log_async ||
	    old->log_async_off != new->log_async_off)
		names[n++] = "log-async";
	n += listen_keys_differ(old, new, names + n,
	    sizeof(names) / sizeof(*names) - n);
	n += ops_keys_differ(old, new, names + n,
	    sizeof(names) / sizeof(*names) - n);
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

