/*
 * version.h: what --version prints: the version, the build options and
 * the libraries, as built against and as found at run time (dnsmasq -v
 * prints its compile-time options the same way).
 */
#ifndef BRISKDNS_VERSION_H
#define BRISKDNS_VERSION_H

#include <stdio.h>

void	version_print(FILE *);

#endif
