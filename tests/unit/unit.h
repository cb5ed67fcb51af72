/*
 * unit.h: helpers shared by the unit tests.
 */
#ifndef BRISKDNS_UNIT_H
#define BRISKDNS_UNIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

/* Run the suite; the test program's exit status. */
static inline int
unit_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Text ("www.example.com", "." for the root) to wire form; any label
 * length below 256 is written as is, so bad names can be made too. */
static inline size_t
wire_name(const char *text, uint8_t *out)
{
	size_t		 o = 0, l;
	const char	*p = text, *dot;

	if (strcmp(text, ".") == 0 || *text == '\0') {
		out[0] = 0;
		return 1;
	}
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		out[o++] = (uint8_t)l;
		memcpy(out + o, p, l);
		o += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[o++] = 0;
	return o;
}

#endif
