/*
 * fuzz_config.c: the configuration parser on untrusted text.
 *
 * Besides "no crash, no leak", one property: the print-back of an accepted
 * configuration is itself accepted and prints back the same (what --test
 * prints is a configuration file meaning the same thing).  conf-file
 * lines in the input may read real files; the parser accepts only regular
 * files of bounded size, so that cannot hang.  conf-dir and servers-file
 * lines may read real directories and files too: what they held is
 * printed as its keys, and the lines themselves as comments ("# conf-dir=D
 * (read)"), which read back as none; those comment lines are left out of
 * the comparison.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static char *
print_back(const struct config *cfg, size_t *len)
{
	char	*text = NULL;
	FILE	*f;

	if ((f = open_memstream(&text, len)) == NULL)
		abort();
	config_print(f, cfg);
	fclose(f);
	return text;
}

/* Take the "# conf-dir=" and "# servers-file=" lines out of text. */
static size_t
drop_read_lines(char *text, size_t len)
{
	static const char *const drop[] = { "# conf-dir", "# servers-file" };
	char	*s = text, *o = text, *end = text + len, *nl;
	size_t	 i, n;

	for (; s < end; s = nl) {
		nl = memchr(s, '\n', (size_t)(end - s));
		nl = nl != NULL ? nl + 1 : end;
		n = (size_t)(nl - s);
		for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
			if (n > strlen(drop[i]) && memcmp(s, drop[i],
			    strlen(drop[i])) == 0 && (s[strlen(drop[i])] ==
			    '=' || s[strlen(drop[i])] == ':'))
				break;
		if (i < sizeof(drop) / sizeof(drop[0]))
			continue;
		memmove(o, s, n);
		o += n;
	}
	*o = '\0';	/* open_memstream's text has room for it */
	return (size_t)(o - text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg, *again;
	char			*a, *b;
	size_t			 alen, blen;

	cfg = config_load_buffer("fuzz", (const char *)data, size, &errs);
	if (cfg == NULL && errs.n == 0)
		abort();	/* rejected without saying why */
	config_errors_clear(&errs);
	if (cfg == NULL)
		return 0;
	a = print_back(cfg, &alen);
	again = config_load_buffer("fuzz", a, alen, &errs);
	if (again == NULL) {
		config_errors_print(stderr, &errs);
		fprintf(stderr, "print-back rejected:\n%s", a);
		abort();
	}
	b = print_back(again, &blen);
	alen = drop_read_lines(a, alen);
	blen = drop_read_lines(b, blen);
	if (alen != blen || memcmp(a, b, alen) != 0) {
		fprintf(stderr, "print-back differs:\n%s---\n%s", a, b);
		abort();
	}
	free(a);
	free(b);
	config_free(again);
	config_free(cfg);
	config_errors_clear(&errs);
	return 0;
}
