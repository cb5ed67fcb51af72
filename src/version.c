/*
 * version.c: --version.  The first line stays "briskdns VERSION" for
 * scripts; then one line of build options (dnsmasq's "Compile time
 * options:" words, "no-" for what is out) and one line per library,
 * the run-time version first, the compile-time one in parentheses: a
 * mismatch shows which library a packaged binary really runs with.
 */
#include <stdio.h>

#include <event2/event.h>
#include <ldns/ldns.h>

#include "version.h"

#ifndef BRISKDNS_SANITIZERS
#define BRISKDNS_SANITIZERS	""	/* configure --enable-sanitizers */
#endif

void
version_print(FILE *f)
{
	fprintf(f, "briskdns %s\n", PACKAGE_VERSION);
	fprintf(f, "Build options: %snfqueue %s%s%s\n",
#ifdef HAVE_NFQUEUE
	    "",
#else
	    "no-",
#endif
	    BRISKDNS_SANITIZERS[0] != '\0' ? "sanitizers=" : "no-sanitizers",
	    BRISKDNS_SANITIZERS,
#ifdef BRISKDNS_FUZZING
	    " fuzzing"
#else
	    ""
#endif
	    );
	fprintf(f, "libevent %s (built with %s)\n", event_get_version(),
	    LIBEVENT_VERSION);
	fprintf(f, "ldns %s (built with %s)\n", ldns_version(), LDNS_VERSION);
}
