/*
 * test_config.c: unit tests of the configuration module.
 *
 * Golden files in CONF_DIR (tests/conf), run from that directory so that
 * file names in the expected output stay relative and stable:
 *   NN.out      expected print-back of a good configuration
 *   nfq-NN.out  the same, of one that sets nfqueue (skipped when built
 *               with --disable-nfqueue, where setting it is an error)
 *   bad-NN.err  expected error lines of a bad one
 * The input is NN.conf, or when NN.args exists, the command line in it
 * (one argument a line, after argv[0]) with "--conf-file=NN.conf" put
 * first when NN.conf exists.  Files without an .out or .err (inc-*.conf)
 * are only included by others.  BRISKDNS_REGEN=1 rewrites the expected
 * files from the current output (review the diff!).
 *
 * Then table-driven cases of the smaller functions.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_impl.h"	/* the key table (test_example) */
#include "domtab.h"

#ifndef CONF_DIR
#define CONF_DIR "tests/conf"
#endif

#define MAXGOLDEN	256
#define MAXARGS		64

static char	*golden[MAXGOLDEN];	/* "NN.out" or "bad-NN.err" */
static size_t	 ngolden;

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
golden_scan(void)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 l;

	if (chdir(CONF_DIR) == -1) {
		perror(CONF_DIR);
		exit(1);
	}
	if ((d = opendir(".")) == NULL) {
		perror(CONF_DIR);
		exit(1);
	}
	while ((de = readdir(d)) != NULL && ngolden < MAXGOLDEN) {
		l = strlen(de->d_name);
		if (l > 4 && (strcmp(de->d_name + l - 4, ".out") == 0 ||
		    strcmp(de->d_name + l - 4, ".err") == 0))
			golden[ngolden++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(golden, ngolden, sizeof(*golden), name_cmp);
}

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, len + 1);
	if (buf != NULL && fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Where the two texts part, for a readable failure. */
static void
assert_same(const char *name, const char *want, const char *got)
{
	size_t	i, line = 1, bol = 0;

	if (strcmp(want, got) == 0)
		return;
	for (i = 0; want[i] != '\0' && want[i] == got[i]; i++)
		if (want[i] == '\n') {
			line++;
			bol = i + 1;
		}
	ck_abort_msg("%s: differs at line %zu:\n  want: %.100s\n  got:  %.100s",
	    name, line, want + bol, got + bol);
}

/*
 * Load one case: NN.args (if any) through config_args_parse, else
 * NN.conf through config_load_file.  The output (print-back, or the
 * error lines) goes to *out.
 */
static int
golden_run(const char *base, char **out)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config_args	*args = NULL;
	struct config		*cfg = NULL;
	enum config_action	 action;
	char			 path[300], confopt[320], *argv[MAXARGS + 3];
	char			*argtext = NULL, *s, *nl;
	size_t			 outlen;
	int			 argc = 0, haveconf;
	FILE			*f;

	snprintf(path, sizeof(path), "%s.conf", base);
	haveconf = access(path, R_OK) == 0;
	snprintf(confopt, sizeof(confopt), "--conf-file=%s", path);
	snprintf(path, sizeof(path), "%s.args", base);
	if ((argtext = slurp(path)) != NULL) {
		argv[argc++] = "briskdns";
		if (haveconf)
			argv[argc++] = confopt;
		for (s = argtext; *s != '\0' && argc < MAXARGS; s = nl + 1) {
			if ((nl = strchr(s, '\n')) == NULL)
				nl = s + strlen(s) - 1;
			else
				*nl = '\0';
			argv[argc++] = s;
		}
		argv[argc] = NULL;
		if (config_args_parse(argc, argv, &args, &action, &errs) == 0)
			cfg = config_load(args, &errs);
	} else {
		snprintf(path, sizeof(path), "%s.conf", base);
		cfg = config_load_file(path, &errs);
	}
	f = open_memstream(out, &outlen);
	ck_assert_ptr_nonnull(f);
	if (cfg != NULL)
		config_print(f, cfg);
	config_errors_print(f, &errs);
	fclose(f);
	config_free(cfg);
	config_args_free(args);
	config_errors_clear(&errs);
	free(argtext);
	return cfg != NULL ? 0 : -1;
}

START_TEST(test_golden)
{
	const char	*name = golden[_i];
	char		 base[256], *want, *got = NULL;
	int		 bad = strcmp(name + strlen(name) - 4, ".err") == 0;
	int		 rv;
	FILE		*f;

#ifndef HAVE_NFQUEUE
	if (strncmp(name, "nfq-", 4) == 0)
		return;
#endif
	snprintf(base, sizeof(base), "%.*s", (int)strlen(name) - 4, name);
	rv = golden_run(base, &got);
	if (getenv("BRISKDNS_REGEN") != NULL &&
	    (f = fopen(name, "w")) != NULL) {
		fputs(got, f);
		fclose(f);
	}
	want = slurp(name);
	ck_assert_msg(want != NULL, "%s: cannot read", name);
	if (bad)
		ck_assert_msg(rv == -1, "%s: accepted", base);
	else
		ck_assert_msg(rv == 0, "%s: rejected:\n%s", base, got);
	assert_same(name, want, got);
	free(want);
	free(got);
}
END_TEST

/* ---- domains -------------------------------------------------------------- */

static const struct {
	const char	*text;
	int		 ok;
	const char	*wire;	/* as a C string with length bytes */
	size_t		 len;
} domain_cases[] = {
	{ "example.com", 0, "\7example\3com", 13 },
	{ "Example.COM.", 0, "\7example\3com", 13 },
	{ ".", 0, "", 1 },
	{ "a", 0, "\1a", 3 },
	{ "_dmarc.x-y.org", 0, "\6_dmarc\3x-y\3org", 16 },
	{ "", -1, NULL, 0 },
	{ "a..b", -1, NULL, 0 },
	{ ".a", -1, NULL, 0 },
	{ "a b", -1, NULL, 0 },
	{ "a/b", -1, NULL, 0 },
	{ "caf\xc3\xa9", -1, NULL, 0 },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0,
	    "\77xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    65 },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", -1,
	    NULL, 0 },
};

START_TEST(test_domain)
{
	struct config_domain	d;
	int			rv;

	rv = config_domain_from_text(domain_cases[_i].text, &d);
	ck_assert_int_eq(rv, domain_cases[_i].ok);
	if (rv == 0) {
		ck_assert_uint_eq(d.len, domain_cases[_i].len);
		ck_assert_mem_eq(d.wire, domain_cases[_i].wire, d.len);
	}
}
END_TEST

START_TEST(test_domain_long)
{
	struct config_domain	d;
	char			name[300];
	size_t			i;

	/* 127 labels "a." is 254 bytes of wire: the most there is. */
	for (i = 0; i < 127; i++)
		memcpy(name + 2 * i, "a.", 2);
	name[2 * 127] = '\0';
	ck_assert_int_eq(config_domain_from_text(name, &d), 0);
	ck_assert_uint_eq(d.len, 255);
	memcpy(name + 2 * 127, "a", 2);
	ck_assert_int_eq(config_domain_from_text(name, &d), -1);
}
END_TEST

/* ---- addresses ------------------------------------------------------------ */

static const struct {
	const char	*text;
	int		 ok;
	int		 family;
	const char	*addr;
	unsigned	 port;
} addr_cases[] = {
	{ "192.0.2.1", 0, AF_INET, "192.0.2.1", 53 },
	{ "192.0.2.1#5353", 0, AF_INET, "192.0.2.1", 5353 },
	{ "::1", 0, AF_INET6, "::1", 53 },
	{ "::1#5353", 0, AF_INET6, "::1", 5353 },
	{ "2001:db8::1#65535", 0, AF_INET6, "2001:db8::1", 65535 },
	{ "fe80::1%1#53", 0, AF_INET6, "fe80::1", 53 },
	{ "192.0.2.1#0", -1, 0, NULL, 0 },
	{ "192.0.2.1#65536", -1, 0, NULL, 0 },
	{ "192.0.2.1#", -1, 0, NULL, 0 },
	{ "192.0.2.1#-1", -1, 0, NULL, 0 },
	{ "192.0.2", -1, 0, NULL, 0 },
	{ "192.0.2.256", -1, 0, NULL, 0 },
	{ "[::1]:53", -1, 0, NULL, 0 },
	{ "example.com", -1, 0, NULL, 0 },
	{ "", -1, 0, NULL, 0 },
	{ "fe80::1%", -1, 0, NULL, 0 },
	{ "fe80::1%no-such-interface0", -1, 0, NULL, 0 },
};

START_TEST(test_addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 buf[INET6_ADDRSTRLEN];
	const void		*a;
	unsigned		 port;
	int			 rv;

	rv = config_parse_addr(addr_cases[_i].text, &ss, &len);
	ck_assert_msg(rv == addr_cases[_i].ok, "%s", addr_cases[_i].text);
	if (rv != 0)
		return;
	ck_assert_int_eq(ss.ss_family, addr_cases[_i].family);
	if (ss.ss_family == AF_INET) {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	} else {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	}
	inet_ntop(ss.ss_family, a, buf, sizeof(buf));
	ck_assert_str_eq(buf, addr_cases[_i].addr);
	ck_assert_uint_eq(port, addr_cases[_i].port);
}
END_TEST

/* ---- the command line ----------------------------------------------------- */

static const struct {
	const char	*argv[8];
	int		 rv;
	enum config_action action;
	const char	*err;	/* the first error */
} args_cases[] = {
	{ { "briskdns", NULL }, 0, CONFIG_RUN, NULL },
	{ { "briskdns", "-h", NULL }, 0, CONFIG_HELP, NULL },
	{ { "briskdns", "--help", NULL }, 0, CONFIG_HELP, NULL },
	{ { "briskdns", "-v", NULL }, 0, CONFIG_VERSION, NULL },
	{ { "briskdns", "--version", "-d", NULL }, 0, CONFIG_VERSION, NULL },
	{ { "briskdns", "-dkqRo", "--test", NULL }, 0, CONFIG_RUN, NULL },
	{ { "briskdns", "-p53", "-p", "54", "--port=55", NULL }, 0, CONFIG_RUN,
	    NULL },
	{ { "briskdns", "--port", NULL }, -1, CONFIG_RUN,
	    "option --port: needs a value" },
	{ { "briskdns", "-p", NULL }, -1, CONFIG_RUN,
	    "option --port: needs a value" },
	{ { "briskdns", "--port=", NULL }, -1, CONFIG_RUN,
	    "option --port: needs a value" },
	{ { "briskdns", "--port=x", NULL }, -1, CONFIG_RUN,
	    "option --port: 'x' is not a number from 0 to 65535" },
	{ { "briskdns", "--no-daemon=yes", NULL }, -1, CONFIG_RUN,
	    "option --no-daemon: takes no value" },
	{ { "briskdns", "--all-servers=1", NULL }, -1, CONFIG_RUN,
	    "option --all-servers: takes no value" },
	{ { "briskdns", "--cache-size=5", "-c0", "-c", "10000000", NULL }, 0,
	    CONFIG_RUN, NULL },
	{ { "briskdns", "-c", "10000001", NULL }, -1, CONFIG_RUN,
	    "option --cache-size: '10000001' is not a number from 0 to "
	    "10000000" },
	{ { "briskdns", "-c", NULL }, -1, CONFIG_RUN,
	    "option --cache-size: needs a value" },
	{ { "briskdns", "--prefetch", "--serve-stale=60", "--neg-ttl=0",
	    "--min-cache-ttl=5", "--max-cache-ttl=604800", NULL }, 0,
	    CONFIG_RUN, NULL },
	{ { "briskdns", "--prefetch=yes", NULL }, -1, CONFIG_RUN,
	    "option --prefetch: takes no value" },
	{ { "briskdns", "--max-cache-ttl=0", NULL }, -1, CONFIG_RUN,
	    "option --max-cache-ttl: '0' is not a number from 1 to 604800" },
	{ { "briskdns", "--serve-stale=604801", NULL }, -1, CONFIG_RUN,
	    "option --serve-stale: '604801' is not a number from 0 to "
	    "604800" },
	{ { "briskdns", "--nfqueue=0", "--nfqueue-port=1",
	    "--nfqueue-rules=none", "--nfqueue=65535", "--nfqueue-port=65535",
	    "--nfqueue-rules=auto", NULL }, 0, CONFIG_RUN, NULL },
	{ { "briskdns", "--nfqueue=65536", NULL }, -1, CONFIG_RUN,
	    "option --nfqueue: '65536' is not a number from 0 to 65535" },
	{ { "briskdns", "--nfqueue-port=0", NULL }, -1, CONFIG_RUN,
	    "option --nfqueue-port: '0' is not a number from 1 to 65535" },
	{ { "briskdns", "--nfqueue-rules=maybe", NULL }, -1, CONFIG_RUN,
	    "option --nfqueue-rules: 'maybe' is not one of auto, none" },
	{ { "briskdns", "--nfqueue", NULL }, -1, CONFIG_RUN,
	    "option --nfqueue: needs a value" },
	{ { "briskdns", "--nfqueue-rules=", NULL }, -1, CONFIG_RUN,
	    "option --nfqueue-rules: needs a value" },
	{ { "briskdns", "--nfqueue-bogus=1", NULL }, -1, CONFIG_RUN,
	    "option --nfqueue-bogus: unknown option" },
	{ { "briskdns", "-Z", NULL }, -1, CONFIG_RUN,
	    "option -Z (--read-ethers): a DHCP key: briskdns does DNS only; "
	    "keep dnsmasq for DHCP with port=0" },
	{ { "briskdns", "-d", "extra", NULL }, -1, CONFIG_RUN,
	    "unexpected argument 'extra'" },
	{ { "briskdns", "--aaaa-mode=after-a", "--aaaa-mode=deadline:1",
	    "--aaaa-mode=deadline:60000", NULL }, 0, CONFIG_RUN, NULL },
	{ { "briskdns", "--aaaa-mode=deadline:", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'deadline:': expected deadline:MS, MS a "
	    "number of milliseconds from 1 to 60000" },
	{ { "briskdns", "--aaaa-mode=deadline:60001", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'deadline:60001': expected deadline:MS, MS a "
	    "number of milliseconds from 1 to 60000" },
	{ { "briskdns", "--aaaa-mode=after", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'after' is not one of empty, forward, auto, "
	    "deadline:MS, after-a[:MS], learn[:MS]" },
	{ { "briskdns", "--aaaa-mode=learn:0", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'learn:0': expected learn or learn:MS, MS a "
	    "number of milliseconds from 1 to 60000" },
	{ { "briskdns", "--aaaa-mode=learn:60001", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'learn:60001': expected learn or learn:MS, "
	    "MS a number of milliseconds from 1 to 60000" },
	{ { "briskdns", "--aaaa-mode=learn:", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'learn:': expected learn or learn:MS, MS a "
	    "number of milliseconds from 1 to 60000" },
	{ { "briskdns", "--aaaa-mode=learning", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'learning' is not one of empty, forward, "
	    "auto, deadline:MS, after-a[:MS], learn[:MS]" },
	{ { "briskdns", "--aaaa-mode=after-a:0", "--aaaa-mode=after-a:60000",
	    NULL }, 0, CONFIG_RUN, NULL },
	{ { "briskdns", "--aaaa-mode=after-a:60001", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'after-a:60001': expected after-a:MS, MS a "
	    "number of milliseconds from 0 to 60000" },
	{ { "briskdns", "--aaaa-mode=after-a:", NULL }, -1, CONFIG_RUN,
	    "option --aaaa-mode: 'after-a:': expected after-a:MS, MS a "
	    "number of milliseconds from 0 to 60000" },
	{ { "briskdns", "-C", "", NULL }, -1, CONFIG_RUN,
	    "option --conf-file: needs a value" },
	{ { "briskdns", "-h", "--bogus", NULL }, -1, CONFIG_HELP,
	    "option --bogus: unknown option" },
};

START_TEST(test_args)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config_args	*args = NULL;
	enum config_action	 action;
	char			*argv[8];
	int			 argc, rv;

	for (argc = 0; args_cases[_i].argv[argc] != NULL; argc++)
		argv[argc] = (char *)args_cases[_i].argv[argc];
	argv[argc] = NULL;
	rv = config_args_parse(argc, argv, &args, &action, &errs);
	ck_assert_int_eq(rv, args_cases[_i].rv);
	ck_assert_int_eq(action, args_cases[_i].action);
	if (rv == 0) {
		ck_assert_ptr_nonnull(args);
		ck_assert_uint_eq(errs.n, 0);
	} else {
		ck_assert_ptr_null(args);
		ck_assert_uint_ge(errs.n, 1);
		ck_assert_str_eq(errs.msg[0], args_cases[_i].err);
	}
	config_args_free(args);
	config_errors_clear(&errs);
}
END_TEST

/* The command line after the file, every time it is applied (SIGHUP). */
START_TEST(test_args_reload)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config_args	*args;
	struct config		*a, *b;
	enum config_action	 action;
	char			*argv[] = { "briskdns", "-C", "07.conf", "-p",
				    "5300", "-S", "192.0.2.9", NULL };

	ck_assert_int_eq(config_args_parse(7, argv, &args, &action, &errs),
	    0);
	a = config_load(args, &errs);
	b = config_load(args, &errs);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(a->port, 5300);
	ck_assert_int_eq(a->conf_file_given, 1);
	ck_assert_str_eq(a->conf_file, "07.conf");
	ck_assert_uint_eq(a->nservers, b->nservers);
	ck_assert_int_eq(config_restart_keys_differ(a, b, NULL, 0), 0);
	config_free(a);
	config_free(b);
	config_args_free(args);
	ck_assert_uint_eq(errs.n, 0);
}
END_TEST

/* A missing default file is fine (only checked when it is missing). */
START_TEST(test_default_file)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;

	if (access(CONFIG_DEFAULT_FILE, F_OK) == 0 || errno != ENOENT)
		return;
	cfg = config_load(NULL, &errs);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg->conf_file_given, 0);
	ck_assert_uint_eq(cfg->port, 53);
	ck_assert_uint_eq(cfg->nlisten, 2);
	config_free(cfg);
}
END_TEST

START_TEST(test_usage)
{
	static const char *want[] = { "--conf-file=PATH", "--test",
	    "-d, --no-daemon", "-k, --keep-in-foreground", "-p, --port=PORT",
	    "-a, --listen-address=ADDR", "-S, --server=", "-r, --resolv-file",
	    "-R, --no-resolv", "-o, --strict-order", "--all-servers",
	    "-0, --dns-forward-max=COUNT", "-c, --cache-size=ENTRIES",
	    "--neg-ttl=SECONDS", "--min-cache-ttl=SECONDS",
	    "--max-cache-ttl=SECONDS", "--serve-stale=SECONDS", "--prefetch",
	    "--aaaa-mode=empty|forward|auto|deadline:MS|after-a",
	    "(default 10000)", "--filter-AAAA",
	    "--aaaa-forward=", "--local-ttl=SECONDS", "-q, --log-queries",
	    "-x, --pid-file=PATH", "-u, --user=NAME", "-g, --group=NAME",
	    "    --nfqueue=QUEUE", "--nfqueue-port=PORT",
	    "--nfqueue-rules=auto|none", "(default off)", "(default auto)",
	    "-q, --log-queries[=extra|proto]", "--log-async[=LINES]",
	    "-7, --conf-dir=DIR", "--servers-file=PATH", "-n, --no-poll",
	    "--clear-on-reload", "-8, --log-facility=FACILITY|FILE|-",
	    "-h, --help", "-v, --version", "usage: briskdns" };
	char	*text = NULL;
	size_t	 len, i;
	FILE	*f;

	f = open_memstream(&text, &len);
	config_usage(f, "briskdns");
	fclose(f);
	for (i = 0; i < sizeof(want) / sizeof(*want); i++)
		ck_assert_msg(strstr(text, want[i]) != NULL, "no '%s' in:\n%s",
		    want[i], text);
	free(text);
}
END_TEST

/*
 * etc/briskdns.conf shows every key, and as installed it changes nothing:
 * its print-back is 01.out's (the defaults) but for the conf-file line.
 */
START_TEST(test_example)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	char			*example, *want, *got = NULL, key[64];
	const char		*path = "../../etc/briskdns.conf";
	size_t			 len, i;
	FILE			*f;

	example = slurp(path);
	ck_assert_ptr_nonnull(example);
	/* Every key of the table but those of the command line only. */
	for (i = 0; i < config_nkeys; i++) {
		if (config_keys[i].flags & K_CMDLINE)
			continue;
		snprintf(key, sizeof(key), "\n#%s", config_keys[i].name);
		ck_assert_msg(strstr(example, key) != NULL, "%s: no %s", path,
		    config_keys[i].name);
	}
	cfg = config_load_file(path, &errs);
	ck_assert_msg(cfg != NULL, "%s", errs.n > 0 ? errs.msg[0] : "?");
	f = open_memstream(&got, &len);
	config_print(f, cfg);
	fclose(f);
	want = slurp("01.out");
	ck_assert_ptr_nonnull(want);
	/* The first line is "# conf-file: ...": the rest must agree. */
	assert_same("etc/briskdns.conf", strchr(want, '\n'),
	    strchr(got, '\n'));
	free(example);
	free(want);
	free(got);
	config_free(cfg);
}
END_TEST

/* ---- values in struct config ------------------------------------------- */

static const struct {
	const char	*text;
	size_t		 cache_size;
	uint32_t	 neg_ttl, min_ttl, max_ttl, serve_stale;
	int		 prefetch;
	enum aaaa_mode	 mode;
	unsigned int	 deadline_ms;
	unsigned int	 after_a_ms;
} value_cases[] = {
	/* The defaults. */
	{ "", 10000, 0, 0, 86400, 0, 0, AAAA_EMPTY, 0, 0 },
	{ "cache-size=0\nneg-ttl=3600\nmin-cache-ttl=60\n"
	    "max-cache-ttl=600\nserve-stale=86400\nprefetch\n",
	    0, 3600, 60, 600, 86400, 1, AAAA_EMPTY, 0, 0 },
	{ "cache-size=10000000\nmin-cache-ttl=604800\nmax-cache-ttl=604800\n",
	    10000000, 0, 604800, 604800, 0, 0, AAAA_EMPTY, 0, 0 },
	{ "aaaa-mode=deadline:1\n", 10000, 0, 0, 86400, 0, 0, AAAA_DEADLINE,
	    1, 0 },
	{ "aaaa-mode=deadline:60000\n", 10000, 0, 0, 86400, 0, 0,
	    AAAA_DEADLINE, 60000, 0 },
	{ "aaaa-mode=deadline:00250\n", 10000, 0, 0, 86400, 0, 0,
	    AAAA_DEADLINE, 250, 0 },
	{ "aaaa-mode=after-a\n", 10000, 0, 0, 86400, 0, 0, AAAA_AFTER_A, 0, 0 },
	/* Another mode after a deadline forgets it. */
	{ "aaaa-mode=deadline:300\naaaa-mode=forward\n", 10000, 0, 0, 86400,
	    0, 0, AAAA_FORWARD, 0, 0 },
	{ "aaaa-mode=deadline:300\nfilter-AAAA\n", 10000, 0, 0, 86400, 0, 0,
	    AAAA_EMPTY, 0, 0 },
	{ "aaaa-mode=deadline:300\naaaa-mode=deadline:40\n", 10000, 0, 0,
	    86400, 0, 0, AAAA_DEADLINE, 40, 0 },
	{ "aaaa-mode=after-a\naaaa-mode=auto\n", 10000, 0, 0, 86400, 0, 0,
	    AAAA_AUTO, 0, 0 },
	{ "aaaa-mode=after-a:50\n", 10000, 0, 0, 86400, 0, 0, AAAA_AFTER_A,
	    0, 50 },
	{ "aaaa-mode=after-a:0\n", 10000, 0, 0, 86400, 0, 0, AAAA_AFTER_A,
	    0, 0 },
	{ "aaaa-mode=after-a:60000\n", 10000, 0, 0, 86400, 0, 0,
	    AAAA_AFTER_A, 0, 60000 },
	/* after-a alone after after-a:MS is MS 0 again. */
	{ "aaaa-mode=after-a:50\naaaa-mode=after-a\n", 10000, 0, 0, 86400,
	    0, 0, AAAA_AFTER_A, 0, 0 },
	{ "aaaa-mode=after-a:50\naaaa-mode=deadline:40\n", 10000, 0, 0,
	    86400, 0, 0, AAAA_DEADLINE, 40, 0 },
	{ "aaaa-mode=after-a:50\nfilter-AAAA\n", 10000, 0, 0, 86400, 0, 0,
	    AAAA_EMPTY, 0, 0 },
};

START_TEST(test_values)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	const char		*text = value_cases[_i].text;

	cfg = config_load_buffer("buf", text, strlen(text), &errs);
	ck_assert_msg(cfg != NULL, "rejected: %s",
	    errs.n > 0 ? errs.msg[0] : "?");
	ck_assert_uint_eq(cfg->cache_size, value_cases[_i].cache_size);
	ck_assert_uint_eq(cfg->neg_ttl, value_cases[_i].neg_ttl);
	ck_assert_uint_eq(cfg->min_cache_ttl, value_cases[_i].min_ttl);
	ck_assert_uint_eq(cfg->max_cache_ttl, value_cases[_i].max_ttl);
	ck_assert_uint_eq(cfg->serve_stale, value_cases[_i].serve_stale);
	ck_assert_int_eq(cfg->prefetch, value_cases[_i].prefetch);
	ck_assert_int_eq(cfg->aaaa_mode, value_cases[_i].mode);
	ck_assert_uint_eq(cfg->aaaa_deadline_ms, value_cases[_i].deadline_ms);
	ck_assert_uint_eq(cfg->aaaa_after_a_ms, value_cases[_i].after_a_ms);
	config_free(cfg);
}
END_TEST

/* aaaa-mode=learn[:MS]: 250 alone; another mode forgets the MS. */
static const struct {
	const char	*text;
	enum aaaa_mode	 mode;
	unsigned int	 learn_ms;
	unsigned int	 deadline_ms;
} learn_cases[] = {
	{ "aaaa-mode=learn\n", AAAA_LEARN, 250, 0 },
	{ "aaaa-mode=learn:1\n", AAAA_LEARN, 1, 0 },
	{ "aaaa-mode=learn:60000\n", AAAA_LEARN, 60000, 0 },
	{ "aaaa-mode=learn:400\naaaa-mode=learn\n", AAAA_LEARN, 250, 0 },
	{ "aaaa-mode=learn:400\naaaa-mode=deadline:40\n", AAAA_DEADLINE, 0,
	    40 },
	{ "aaaa-mode=deadline:40\naaaa-mode=learn:100\n", AAAA_LEARN, 100,
	    0 },
	{ "aaaa-mode=learn:400\nfilter-AAAA\n", AAAA_EMPTY, 0, 0 },
	{ "aaaa-mode=learn:400\naaaa-mode=auto\n", AAAA_AUTO, 0, 0 },
};

START_TEST(test_learn_values)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	const char		*text = learn_cases[_i].text;

	cfg = config_load_buffer("buf", text, strlen(text), &errs);
	ck_assert_msg(cfg != NULL, "rejected: %s",
	    errs.n > 0 ? errs.msg[0] : "?");
	ck_assert_int_eq(cfg->aaaa_mode, learn_cases[_i].mode);
	ck_assert_uint_eq(cfg->aaaa_learn_ms, learn_cases[_i].learn_ms);
	ck_assert_uint_eq(cfg->aaaa_deadline_ms, learn_cases[_i].deadline_ms);
	ck_assert_uint_eq(cfg->aaaa_after_a_ms, 0);
	config_free(cfg);
}
END_TEST

/* The interception keys in struct config. */
static const struct {
	const char	*text;
	int		 nfqueue;
	uint16_t	 port;
	int		 rules_auto;
	uint16_t	 stub_port;
} nfqueue_cases[] = {
	/* The defaults: off, 53, auto. */
	{ "", -1, 53, 1, 53 },
	/* Without nfqueue: stored, no effect, no error. */
	{ "nfqueue-port=5353\nnfqueue-rules=none\n", -1, 5353, 0, 53 },
	{ "nfqueue-rules=none\nnfqueue-rules=auto\n", -1, 53, 1, 53 },
	{ "nfqueue=0\n", 0, 53, 1, 53 },
	{ "nfqueue=65535\nnfqueue-port=65535\n", 65535, 65535, 1, 53 },
	{ "nfqueue=00042\nnfqueue-port=1\nnfqueue-rules=none\n", 42, 1, 0,
	    53 },
	/* The interception alone, no stub listener. */
	{ "port=0\nnfqueue=5\n", 5, 53, 1, 0 },
	{ "nfqueue=1\nnfqueue=2\n", 2, 53, 1, 53 },
};

START_TEST(test_nfqueue)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	const char		*text = nfqueue_cases[_i].text;

	cfg = config_load_buffer("buf", text, strlen(text), &errs);
#ifndef HAVE_NFQUEUE
	if (nfqueue_cases[_i].nfqueue != -1) {
		/* Parsed, then refused as a whole: no interception here. */
		ck_assert_ptr_null(cfg);
		ck_assert_uint_eq(errs.n, 1);
		ck_assert_str_eq(errs.msg[0], "buf: nfqueue: this briskdns was "
		    "built without interception (--disable-nfqueue)");
		config_errors_clear(&errs);
		return;
	}
#endif
	ck_assert_msg(cfg != NULL, "rejected: %s",
	    errs.n > 0 ? errs.msg[0] : "?");
	ck_assert_int_eq(cfg->nfqueue, nfqueue_cases[_i].nfqueue);
	ck_assert_uint_eq(cfg->nfqueue_port, nfqueue_cases[_i].port);
	ck_assert_int_eq(cfg->nfqueue_rules_auto, nfqueue_cases[_i].rules_auto);
	ck_assert_uint_eq(cfg->port, nfqueue_cases[_i].stub_port);
	config_free(cfg);
}
END_TEST

/* The print-back of the interception keys reads back the same. */
START_TEST(test_nfqueue_print)
{
	static const char *text = "nfqueue=7\nnfqueue-port=5300\n"
	    "nfqueue-rules=none\n";
	struct config_errors	 errs = { NULL, 0 };
	struct config		*a, *b;
	char			*out = NULL, *out2 = NULL;
	size_t			 len;
	FILE			*f;

#ifndef HAVE_NFQUEUE
	return;
#endif
	a = config_load_buffer("buf", text, strlen(text), &errs);
	ck_assert_ptr_nonnull(a);
	f = open_memstream(&out, &len);
	config_print(f, a);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "\nnfqueue=7\nnfqueue-port=5300\n"
	    "nfqueue-rules=none\n"));
	b = config_load_buffer("out", out, len, &errs);
	ck_assert_ptr_nonnull(b);
	f = open_memstream(&out2, &len);
	config_print(f, b);
	fclose(f);
	/* The first line names the file. */
	ck_assert_str_eq(strchr(out, '\n'), strchr(out2, '\n'));
	ck_assert_int_eq(config_restart_keys_differ(a, b, NULL, 0), 0);
	config_free(a);
	config_free(b);
	free(out);
	free(out2);
}
END_TEST

/* ---- where to listen, whom to answer ------------------------------------ */

static const struct {
	const char		*text;
	enum client_scope	 clients;
	int			 by_default;	/* clients_default */
	int			 ignored;	/* local_service_ignored */
	size_t			 nlisten;
} listen_cases[] = {
	{ "", CLIENTS_ANY, 0, 0, 2 },
	{ "listen-address=192.168.1.1\n", CLIENTS_NET, 1, 0, 1 },
	{ "listen-address=127.0.0.2,::1\n", CLIENTS_ANY, 0, 0, 2 },
	{ "listen-address=127.0.0.1,2001:db8::1\n", CLIENTS_NET, 1, 0, 2 },
	{ "listen-address=192.168.1.1\nany-client\n", CLIENTS_ANY, 0, 0, 1 },
	{ "listen-address=192.168.1.1\nlocal-service\n", CLIENTS_NET, 0, 0,
	    1 },
	/* Interfaces chosen: no default addresses, local-service ignored. */
	{ "interface=eth0\n", CLIENTS_ANY, 0, 0, 0 },
	{ "interface=eth0\nlocal-service=net\n", CLIENTS_ANY, 0, 1, 0 },
	{ "except-interface=eth1\nlocal-service=host\n", CLIENTS_ANY, 0, 1,
	    0 },
	{ "interface=eth0\nlisten-address=10.0.0.1\n", CLIENTS_ANY, 0, 0, 1 },
	{ "local-service\n", CLIENTS_NET, 0, 0, 2 },
	{ "local-service=host\n", CLIENTS_HOST, 0, 0, 2 },
	{ "local-service=host\nlocal-service\n", CLIENTS_NET, 0, 0, 2 },
	/* host with listen-address: ignored (dnsmasq), the default rule. */
	{ "local-service=host\nlisten-address=10.0.0.1\n", CLIENTS_NET, 1, 1,
	    1 },
	{ "local-service=host\nlisten-address=127.0.0.1\n", CLIENTS_ANY, 0, 1,
	    1 },
};

START_TEST(test_listen_clients)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	const char		*text = listen_cases[_i].text;

	cfg = config_load_buffer("buf", text, strlen(text), &errs);
	ck_assert_msg(cfg != NULL, "%s: rejected: %s", text,
	    errs.n > 0 ? errs.msg[0] : "?");
	ck_assert_msg(cfg->clients == listen_cases[_i].clients, "%s: clients %d",
	    text, cfg->clients);
	ck_assert_int_eq(cfg->clients_default, listen_cases[_i].by_default);
	ck_assert_int_eq(cfg->local_service_ignored, listen_cases[_i].ignored);
	ck_assert_uint_eq(cfg->nlisten, listen_cases[_i].nlisten);
	config_free(cfg);
}
END_TEST

/* Every listen key's print-back reads back the same; restart keys. */
START_TEST(test_listen_print_restart)
{
	static const char *text = "interface=eth0,wl*\nexcept-interface=x\n"
	    "bind-interfaces\nbind-dynamic\nlocal-service=host\n"
	    "localise-queries\nlisten-address=10.0.0.1\n";
	static const char *same = "interface=wl*\nexcept-interface=x\n"
	    "interface=eth0\nbind-dynamic\nlocal-service=host\n"
	    "listen-address=10.0.0.1\n";
	static const char *other = "interface=eth0\nlocal-service\n"
	    "listen-address=10.0.0.1\n";
	struct config_errors	 errs = { NULL, 0 };
	struct config		*a, *b, *c;
	char			*out = NULL, *out2 = NULL, which[200];
	size_t			 len;
	FILE			*f;

	a = config_load_buffer("buf", text, strlen(text), &errs);
	ck_assert_ptr_nonnull(a);
	f = open_memstream(&out, &len);
	config_print(f, a);
	fclose(f);
	b = config_load_buffer("out", out, len, &errs);
	ck_assert_msg(b != NULL, "%s", errs.n > 0 ? errs.msg[0] : "?");
	f = open_memstream(&out2, &len);
	config_print(f, b);
	fclose(f);
	ck_assert_str_eq(strchr(out, '\n'), strchr(out2, '\n'));
	ck_assert_int_eq(config_restart_keys_differ(a, b, NULL, 0), 0);
	config_free(b);
	/* Order aside (and localise-queries, which is no restart key). */
	b = config_load_buffer("same", same, strlen(same), &errs);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(config_restart_keys_differ(a, b, NULL, 0), 0);
	c = config_load_buffer("other", other, strlen(other), &errs);
	ck_assert_msg(c != NULL, "%s", errs.n > 0 ? errs.msg[0] : "?");
	ck_assert_int_eq(config_restart_keys_differ(a, c, which,
	    sizeof(which)), 4);
	ck_assert_str_eq(which, "interface, except-interface, bind-dynamic, "
	    "local-service");
	/* SIGHUP keeps the old values. */
	config_listen_keep(c, a);
	ck_assert_int_eq(config_restart_keys_differ(b, c, NULL, 0), 0);
	ck_assert_uint_eq(a->ninterfaces, 0);
	config_free(a);
	config_free(b);
	config_free(c);
	free(out);
	free(out2);
}
END_TEST

/*
 * The default listen addresses read back as the default (review): given
 * as listen-address= lines, local-service=host would lose its effect.
 */
static const char *const listen_default_cases[] = {
	"", "local-service=host\n", "local-service\n",
	"listen-address=127.0.0.1\nlocal-service=host\n",
};

START_TEST(test_listen_default_print)
{
	const char		*text = listen_default_cases[_i];
	struct config_errors	 errs = { NULL, 0 };
	struct config		*a, *b;
	char			*out = NULL, *out2 = NULL;
	size_t			 len;
	FILE			*f;

	a = config_load_buffer("buf", text, strlen(text), &errs);
	ck_assert_ptr_nonnull(a);
	f = open_memstream(&out, &len);
	config_print(f, a);
	fclose(f);
	b = config_load_buffer("out", out, len, &errs);
	ck_assert_msg(b != NULL, "%s", errs.n > 0 ? errs.msg[0] : "?");
	ck_assert_int_eq(b->listen_default, a->listen_default);
	ck_assert_msg(b->clients == a->clients, "%s: clients %d, read back %d",
	    text, a->clients, b->clients);
	ck_assert_int_eq(b->local_service_ignored, a->local_service_ignored);
	f = open_memstream(&out2, &len);
	config_print(f, b);
	fclose(f);
	ck_assert_str_eq(strchr(out, '\n'), strchr(out2, '\n'));
	config_free(a);
	config_free(b);
	free(out);
	free(out2);
}
END_TEST

/* ---- buffers and bounds ------------------------------------------------- */

static const struct {
	const char	*text;
	size_t		 len;	/* 0: strlen */
	const char	*err;	/* NULL: accepted */
} buffer_cases[] = {
	{ "", 0, NULL },
	{ "\n\n\n", 0, NULL },
	{ "port=53", 0, NULL },			/* no final newline */
	{ "port=53\r\n", 0, NULL },
	{ "  # comment\n\tport = 54 # comment\n", 0, NULL },
	{ "port=5\0003\n", 9, "buf:1: line contains a NUL byte" },
	{ "\"port\"=53", 0, NULL },
	{ "user=\"a", 0, "buf:1: missing closing quote" },
	{ "=", 0, "buf:1: missing key before '='" },
	{ "\n\nbogus\x01", 0, "buf:3: unknown key 'bogus\\x01'" },
	{ "port=53#5", 0, "buf:1: port: '53#5' is not a number from 0 to "
	    "65535" },
	{ "test", 0, "buf:1: 'test' is only valid on the command line" },
	{ "nfqueue-rules=none", 0, NULL },
	{ "nfqueue-port=1\nnfqueue-rules=auto\n", 0, NULL },
	{ "nfqueue=65536", 0, "buf:1: nfqueue: '65536' is not a number from "
	    "0 to 65535" },
	{ "nfqueue=", 0, "buf:1: nfqueue: needs a value" },
	{ "\nnfqueue", 0, "buf:2: nfqueue: needs a value" },
	{ "nfqueue=+1", 0, "buf:1: nfqueue: '+1' is not a number from 0 to "
	    "65535" },
	{ "nfqueue-port=0", 0, "buf:1: nfqueue-port: '0' is not a number from "
	    "1 to 65535" },
	{ "nfqueue-port=65536", 0, "buf:1: nfqueue-port: '65536' is not a "
	    "number from 1 to 65535" },
	{ "nfqueue-rules=maybe", 0, "buf:1: nfqueue-rules: 'maybe' is not one "
	    "of auto, none" },
	{ "nfqueue-rules", 0, "buf:1: nfqueue-rules: needs a value" },
	{ "nfqueues=1", 0, "buf:1: unknown key 'nfqueues'" },
	{ "max-cache-ttl=10\nmin-cache-ttl=11\n", 0, "buf: min-cache-ttl (11) "
	    "is greater than max-cache-ttl (10)" },
	{ "min-cache-ttl=86401\n", 0, "buf: min-cache-ttl (86401) is greater "
	    "than max-cache-ttl (86400)" },
	{ "min-cache-ttl=86400\n", 0, NULL },
	{ "aaaa-mode=deadline:0", 0, "buf:1: aaaa-mode: 'deadline:0': "
	    "expected deadline:MS, MS a number of milliseconds from 1 to "
	    "60000" },
};

START_TEST(test_buffer)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	size_t			 len = buffer_cases[_i].len;

	if (len == 0)
		len = strlen(buffer_cases[_i].text);
	cfg = config_load_buffer("buf", buffer_cases[_i].text, len, &errs);
	if (buffer_cases[_i].err == NULL) {
		ck_assert_msg(cfg != NULL, "rejected: %s",
		    errs.n > 0 ? errs.msg[0] : "?");
	} else {
		ck_assert_ptr_null(cfg);
		ck_assert_uint_ge(errs.n, 1);
		ck_assert_str_eq(errs.msg[0], buffer_cases[_i].err);
	}
	config_free(cfg);
	config_errors_clear(&errs);
}
END_TEST

static char *
repeat(const char *line, size_t n, size_t *lenp)
{
	size_t	 l = strlen(line), i;
	char	*buf = malloc(l * n + 1);

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < n; i++)
		memcpy(buf + i * l, line, l);
	buf[l * n] = '\0';
	*lenp = l * n;
	return buf;
}

/* A file of n bytes (sparse: zeros) at path. */
static void
sparse_file(const char *path, off_t n)
{
	int	 fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, n), 0);
	close(fd);
}

/* 256 MiB a file and a load; what is past them is an error. */
START_TEST(test_read_bounds)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	char			 dir[] = "/tmp/bd-bounds-XXXXXX", big[64],
				 small[64], main1[64], want[256];
	FILE			*f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(small, sizeof(small), "%s/small", dir);
	snprintf(main1, sizeof(main1), "%s/main", dir);
	sparse_file(big, 256 * 1024 * 1024 + 1);
	cfg = config_load_file(big, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s: cannot read: the file is too large",
	    big);
	ck_assert_str_eq(errs.msg[0], want);
	config_errors_clear(&errs);

	/* Up to 256 MiB are read (here: main and big, one line too long),
	 * then the load is full. */
	f = fopen(small, "w");
	ck_assert_ptr_nonnull(f);
	fputs("port=53\n", f);
	fclose(f);
	f = fopen(main1, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "conf-file=%s\nconf-file=%s\n", big, small);
	sparse_file(big, 256 * 1024 * 1024 - ftell(f) - 4);
	fclose(f);
	cfg = config_load_file(main1, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 2);
	snprintf(want, sizeof(want), "%s:1: line is longer than 4096 "
	    "characters", big);
	ck_assert_str_eq(errs.msg[0], want);
	snprintf(want, sizeof(want), "%s:2: conf-file: '%s': the files read "
	    "add up to more than 268435456 bytes, giving up", main1, small);
	ck_assert_str_eq(errs.msg[1], want);
	config_errors_clear(&errs);
	unlink(big);
	unlink(small);
	unlink(main1);
	rmdir(dir);
}
END_TEST

START_TEST(test_bounds)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	char			*buf;
	size_t			 len;

	/* The longest line is fine, one more character is not. */
	buf = repeat("#", 4096, &len);
	cfg = config_load_buffer("buf", buf, len, &errs);
	ck_assert_ptr_nonnull(cfg);
	config_free(cfg);
	free(buf);
	buf = repeat("#", 4097, &len);
	cfg = config_load_buffer("buf", buf, len, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msg[0],
	    "buf:1: line is longer than 4096 characters");
	config_errors_clear(&errs);
	free(buf);

	/* Values: 16M are fine, the next one is an error. */
	buf = repeat("port=1\n", 16 * 1024 * 1024 + 1, &len);
	cfg = config_load_buffer("buf", buf, len, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msg[0],
	    "buf:16777217: too many values (more than 16777216), giving up");
	config_errors_clear(&errs);
	free(buf);

	/* A line of many domains: no cap of its own (the bytes read are). */
	{
		char	line[4200];
		size_t	i, n = 0;

		n += snprintf(line + n, sizeof(line) - n, "server=");
		for (i = 0; i < 2030; i++)
			n += snprintf(line + n, sizeof(line) - n, "/a");
		snprintf(line + n, sizeof(line) - n, "/\n");
		buf = repeat(line, 33, &len);
	}
	cfg = config_load_buffer("buf", buf, len, &errs);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_uint_eq(domtab_count(cfg->domains), 1);
	config_free(cfg);
	free(buf);

	/* Errors: 100 are kept, then one line says there were more. */
	buf = repeat("bogus\n", 1000, &len);
	cfg = config_load_buffer("buf", buf, len, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 101);
	ck_assert_str_eq(errs.msg[99], "buf:100: unknown key 'bogus'");
	ck_assert_str_eq(errs.msg[100],
	    "too many errors, the rest are not shown");
	config_errors_clear(&errs);
	free(buf);
}
END_TEST

/* ---- resolv.conf ---------------------------------------------------------- */

static int
resolv_read(const char *text, const char *listen, uint16_t port,
    char *out, size_t outlen)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config_server	*v;
	struct config		*cfg;
	char			 path[] = "/tmp/test_config.XXXXXX", conf[200];
	char			 ab[INET6_ADDRSTRLEN];
	int			 fd, n, i;
	size_t			 used = 0;

	snprintf(conf, sizeof(conf), "%s%s\n", listen != NULL ?
	    "listen-address=" : "", listen != NULL ? listen : "");
	cfg = config_load_buffer("conf", conf, strlen(conf), &errs);
	ck_assert_ptr_nonnull(cfg);
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	n = config_read_resolv(path, cfg->listen, cfg->nlisten, port, &v);
	unlink(path);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct sockaddr_storage *ss = &v[i].addr;

		ck_assert_int_eq(v[i].from_resolv, 1);
		ck_assert_int_eq(v[i].has_domain, 0);
		ck_assert_int_eq(v[i].kind, SERVER_ADDR);
		if (ss->ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr,
			    ab, sizeof(ab));
		else
			inet_ntop(AF_INET6,
			    &((struct sockaddr_in6 *)ss)->sin6_addr, ab,
			    sizeof(ab));
		used += snprintf(out + used, outlen - used, "%s%s",
		    i > 0 ? " " : "", ab);
	}
	free(v);
	config_free(cfg);
	return n;
}

static const struct {
	const char	*text;
	const char	*listen;	/* NULL: the defaults */
	uint16_t	 port;
	int		 n;
	const char	*want;
} resolv_cases[] = {
	{ "", NULL, 53, 0, "" },
	{ "nameserver 192.0.2.1\n", NULL, 53, 1, "192.0.2.1" },
	{ "# comment\n; nameserver 192.0.2.7\nsearch example.com\n"
	    "options edns0\nnameserver\t192.0.2.1  \r\nnameserver 2001:db8::1\n"
	    "nameserver fe80::1%1\nnameserver bogus\nnameserver\n"
	    "nameserver 192.0.2.2#53\nnameserver 192.0.2.3", NULL, 53, 4,
	    "192.0.2.1 2001:db8::1 fe80::1 192.0.2.3" },
	/* ourselves, and the wildcard, are never upstreams */
	{ "nameserver 127.0.0.1\nnameserver ::1\nnameserver 0.0.0.0\n"
	    "nameserver ::\nnameserver 127.0.0.53\n", NULL, 53, 1,
	    "127.0.0.53" },
	{ "nameserver 127.0.0.1\nnameserver ::1\n", NULL, 5353, 2,
	    "127.0.0.1 ::1" },
	{ "nameserver 127.0.0.1\nnameserver 127.0.0.2\n", "127.0.0.2", 53, 1,
	    "127.0.0.1" },
	{ "nameserver 127.0.0.1\nnameserver 127.0.0.2\nnameserver ::1\n",
	    "0.0.0.0", 53, 1, "::1" },
	{ "nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\n"
	    "nameserver 192.0.2.4\nnameserver 192.0.2.5\nnameserver 192.0.2.6\n"
	    "nameserver 192.0.2.7\nnameserver 192.0.2.8\nnameserver 192.0.2.9\n"
	    "nameserver 192.0.2.10\nnameserver 192.0.2.11\n"
	    "nameserver 192.0.2.12\nnameserver 192.0.2.13\n"
	    "nameserver 192.0.2.14\nnameserver 192.0.2.15\n"
	    "nameserver 192.0.2.16\nnameserver 192.0.2.17\n", NULL, 53, 16,
	    "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6 "
	    "192.0.2.7 192.0.2.8 192.0.2.9 192.0.2.10 192.0.2.11 192.0.2.12 "
	    "192.0.2.13 192.0.2.14 192.0.2.15 192.0.2.16" },
};

START_TEST(test_resolv)
{
	char	got[1024];
	int	n;

	n = resolv_read(resolv_cases[_i].text, resolv_cases[_i].listen,
	    resolv_cases[_i].port, got, sizeof(got));
	ck_assert_int_eq(n, resolv_cases[_i].n);
	ck_assert_str_eq(got, resolv_cases[_i].want);
}
END_TEST

START_TEST(test_resolv_missing)
{
	struct config_server	*v = (void *)1;

	ck_assert_int_eq(config_read_resolv("/nonexistent/resolv.conf", NULL,
	    0, 53, &v), -1);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(config_read_resolv("/tmp", NULL, 0, 53, &v), -1);
}
END_TEST

/* ---- SIGHUP ------------------------------------------------------------- */

static const struct {
	const char	*a, *b;
	int		 n;
	const char	*which;
} restart_cases[] = {
	{ "", "", 0, "" },
	{ "", "server=192.0.2.1\nlog-queries\nlocal-ttl=5\n", 0, "" },
	/* The cache keys apply on SIGHUP (which clears the cache anyway). */
	{ "", "cache-size=5\nneg-ttl=9\nmin-cache-ttl=1\nmax-cache-ttl=2\n"
	    "serve-stale=60\nprefetch\naaaa-mode=deadline:50\n", 0, "" },
	{ "", "port=5353\n", 1, "port" },
	{ "listen-address=127.0.0.1\n", "listen-address=127.0.0.1\n", 0, "" },
	{ "", "listen-address=127.0.0.1\n", 1, "listen-address" },
	{ "listen-address=::1\nlisten-address=127.0.0.1\n",
	    "listen-address=127.0.0.1\nlisten-address=::1\n", 0, "" },
	{ "listen-address=::1\nlisten-address=127.0.0.1\n",
	    "listen-address=127.0.0.1\nlisten-address=::2\n", 1,
	    "listen-address" },
	{ "", "user=dns\ngroup=dns\npid-file=/run/b.pid\nport=1\n"
	    "listen-address=::1\n", 5,
	    "listen-address, port, user, group, pid-file" },
	{ "pid-file=/run/a.pid\n", "pid-file=/run/b.pid\n", 1, "pid-file" },
	/* Without nfqueue they parse in every build. */
	{ "", "nfqueue-port=5353\n", 1, "nfqueue-port" },
	{ "", "nfqueue-rules=none\n", 1, "nfqueue-rules" },
	{ "nfqueue-rules=auto\nnfqueue-port=53\n", "", 0, "" },
	{ "", "nfqueue-port=5353\nnfqueue-rules=none\nport=1\n", 3,
	    "port, nfqueue-port, nfqueue-rules" },
#ifdef HAVE_NFQUEUE
	{ "", "nfqueue=0\n", 1, "nfqueue" },
	{ "nfqueue=0\n", "nfqueue=0\n", 0, "" },
	{ "nfqueue=0\n", "nfqueue=1\n", 1, "nfqueue" },
	{ "nfqueue=0\nnfqueue-rules=none\n", "", 2,
	    "nfqueue, nfqueue-rules" },
	{ "", "user=dns\ngroup=dns\npid-file=/run/b.pid\nport=1\n"
	    "listen-address=::1\nnfqueue=9\nnfqueue-port=1\n"
	    "nfqueue-rules=none\n", 8, "listen-address, port, user, group, "
	    "pid-file, nfqueue, nfqueue-port, nfqueue-rules" },
#endif
};

START_TEST(test_restart)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*a, *b;
	char			 which[200], small[8];

	a = config_load_buffer("a", restart_cases[_i].a,
	    strlen(restart_cases[_i].a), &errs);
	b = config_load_buffer("b", restart_cases[_i].b,
	    strlen(restart_cases[_i].b), &errs);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(config_restart_keys_differ(a, b, which,
	    sizeof(which)), restart_cases[_i].n);
	ck_assert_str_eq(which, restart_cases[_i].which);
	/* A short buffer is cut, never overrun. */
	ck_assert_int_eq(config_restart_keys_differ(a, b, small,
	    sizeof(small)), restart_cases[_i].n);
	ck_assert_uint_lt(strlen(small), sizeof(small));
	config_free(a);
	config_free(b);
}
END_TEST

START_TEST(test_free_null)
{
	struct config_errors	errs = { NULL, 0 };

	config_free(NULL);
	config_args_free(NULL);
	config_errors_clear(&errs);
	config_errors_clear(NULL);
}
END_TEST

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("golden");
	tcase_add_loop_test(tc, test_golden, 0, (int)ngolden);
	suite_add_tcase(s, tc);

	tc = tcase_create("functions");
	tcase_add_loop_test(tc, test_domain, 0, NCASES(domain_cases));
	tcase_add_test(tc, test_domain_long);
	tcase_add_loop_test(tc, test_addr, 0, NCASES(addr_cases));
	tcase_add_loop_test(tc, test_args, 0, NCASES(args_cases));
	tcase_add_test(tc, test_args_reload);
	tcase_add_test(tc, test_default_file);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_example);
	tcase_add_loop_test(tc, test_values, 0, NCASES(value_cases));
	tcase_add_loop_test(tc, test_learn_values, 0, NCASES(learn_cases));
	tcase_add_loop_test(tc, test_nfqueue, 0, NCASES(nfqueue_cases));
	tcase_add_test(tc, test_nfqueue_print);
	tcase_add_loop_test(tc, test_listen_clients, 0, NCASES(listen_cases));
	tcase_add_test(tc, test_listen_print_restart);
	tcase_add_loop_test(tc, test_listen_default_print, 0,
	    NCASES(listen_default_cases));
	tcase_add_loop_test(tc, test_buffer, 0, NCASES(buffer_cases));
	tcase_add_loop_test(tc, test_resolv, 0, NCASES(resolv_cases));
	tcase_add_test(tc, test_resolv_missing);
	tcase_add_loop_test(tc, test_restart, 0, NCASES(restart_cases));
	tcase_add_test(tc, test_free_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_read_bounds);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* Not the machine's /etc/hosts: the results must not depend on it. */
	config_hosts_file = CONF_DIR "/hosts-default";
	golden_scan();
	if (ngolden < 20) {
		fprintf(stderr, "%s: only %zu golden files\n", CONF_DIR,
		    ngolden);
		return 1;
	}
	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	while (ngolden > 0)
		free(golden[--ngolden]);
	return failed == 0 ? 0 : 1;
}
