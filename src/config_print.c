/*
 * config_print.c: the print-back of --test, one key=value a line in table
 * order, and --help, both from the key table.
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

/* ---- print-back and --help ------------------------------------------------ */

void
print_conf_file(FILE *f, const struct config *cfg, const struct key *k)
{
	/* A comment: printed back as a key it would include itself. */
	fprintf(f, "# %s: %s\n", k->name,
	    cfg->conf_file != NULL ? cfg->conf_file : CONFIG_DEFAULT_FILE);
}

void
print_aaaa_mode(FILE *f, const struct config *cfg, const struct key *k)
{
	unsigned int	m = cfg->aaaa_mode;

	if (m == AAAA_DEADLINE)
		fprintf(f, "%s=%s:%u\n", k->name, aaaa_mode_names[m],
		    cfg->aaaa_deadline_ms);
	else if (m == AAAA_LEARN)
		fprintf(f, "%s=%s:%u\n", k->name, aaaa_mode_names[m],
		    cfg->aaaa_learn_ms);
	else if (m == AAAA_AFTER_A && cfg->aaaa_after_a_ms > 0)
		fprintf(f, "%s=%s:%u\n", k->name, aaaa_mode_names[m],
		    cfg->aaaa_after_a_ms);
	else
		fprintf(f, "%s=%s\n", k->name,
		    m < sizeof(aaaa_mode_names) / sizeof(*aaaa_mode_names) ?
		    aaaa_mode_names[m] : "?");
}

void
print_slow_types(FILE *f, const struct config *cfg, const struct key *k)
{
	size_t	i;

	if (cfg->nslow_types == 0) {
		fprintf(f, "# %s: none\n", k->name);
		return;
	}
	fprintf(f, "%s=", k->name);
	for (i = 0; i < cfg->nslow_types; i++)
		fprintf(f, "%s%s", i ? "," : "",
		    cfg->slow_types[i] == DNS_TYPE_HTTPS ? "HTTPS" : "SVCB");
	fputc('\n', f);
}

void
print_nfqueue(FILE *f, const struct config *cfg, const struct key *k)
{
	if (cfg->nfqueue < 0)
		fprintf(f, "# %s: none\n", k->name);
	else
		fprintf(f, "%s=%d\n", k->name, cfg->nfqueue);
}

void
print_nfqueue_rules(FILE *f, const struct config *cfg, const struct key *k)
{
	fprintf(f, "%s=%s\n", k->name, cfg->nfqueue_rules_auto ? "auto" :
	    "none");
}

/* A uint32_t number whose 0 means "not set". */
void
print_unset_zero(FILE *f, const struct config *cfg, const struct key *k)
{
	uint32_t	v = *(const uint32_t *)FIELD(cfg, k);

	if (v == 0)
		fprintf(f, "# %s: none\n", k->name);
	else
		fprintf(f, "%s=%lu\n", k->name, (unsigned long)v);
}

static void
print_key(FILE *f, const struct config *cfg, const struct key *k)
{
	char	ab[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
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
		/* The default addresses in a comment: given, they would
		 * read back as chosen (local-service=host then has no
		 * effect, and an address that cannot be bound is fatal). */
		if (cfg->listen_default && cfg->nlisten > 0)
			fprintf(f, "# %s: ", k->name);
		for (i = 0; i < cfg->nlisten; i++)
			if (cfg->listen_default)
				fprintf(f, "%s%s", i > 0 ? "," : "", addr_text(
				    &cfg->listen[i].addr, ab, sizeof(ab)));
			else
				fprintf(f, "%s=%s\n", k->name, addr_text(
				    &cfg->listen[i].addr, ab, sizeof(ab)));
		if (cfg->listen_default && cfg->nlisten > 0)
			fputs(" (the default)\n", f);
		break;
	case KT_SERVER:
	case KT_DOMAINLIST:
		break;		/* their own print functions */
	}
}

void
config_print(FILE *f, const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++)
		if (!(config_keys[i].flags & K_NOPRINT))
			print_key(f, cfg, &config_keys[i]);
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
	for (i = 0; i < config_nkeys; i++) {
		const struct key *k = &config_keys[i];
		char	sopt[8] = "    ";

		if (k->shortopt != 0)
			snprintf(sopt, sizeof(sopt), "-%c, ", k->shortopt);
		snprintf(opt, sizeof(opt), "%s--%s%s%s%s", sopt, k->name,
		    k->arg == NULL ? "" : (k->flags & K_OPTVALUE) ? "[=" : "=",
		    k->arg != NULL ? k->arg : "",
		    k->arg != NULL && (k->flags & K_OPTVALUE) ? "]" : "");
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

