/*
 * sockdiag_probe.c: print sockdiag_udp_bound()'s answer for a port, one
 * address a line ("127.0.0.1", "::", "fe80::1%2"), for
 * tests/integration/test_sockdiag.py.  Exit 0, or 1 with the error on
 * stderr, 2 on bad usage.
 *
 *	sockdiag_probe port [max]
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockdiag.h"

#define PROBE_MAX	256

int
main(int argc, char *argv[])
{
	struct sockaddr_storage	 addrs[PROBE_MAX];
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char			 text[INET6_ADDRSTRLEN];
	unsigned long		 port, max = PROBE_MAX;
	char			*end;
	int			 i, n;

	if (argc < 2 || argc > 3)
		goto usage;
	errno = 0;
	port = strtoul(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
		goto usage;
	if (argc == 3) {
		max = strtoul(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || max > PROBE_MAX)
			goto usage;
	}
	n = sockdiag_udp_bound((uint16_t)port, addrs, max);
	if (n == -1) {
		fprintf(stderr, "sockdiag_udp_bound: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		switch (addrs[i].ss_family) {
		case AF_INET:
			sin = (const struct sockaddr_in *)&addrs[i];
			if (ntohs(sin->sin_port) != port)
				goto bad;
			inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
			printf("%s\n", text);
			break;
		case AF_INET6:
			sin6 = (const struct sockaddr_in6 *)&addrs[i];
			if (ntohs(sin6->sin6_port) != port)
				goto bad;
			inet_ntop(AF_INET6, &sin6->sin6_addr, text,
			    sizeof(text));
			if (sin6->sin6_scope_id != 0)
				printf("%s%%%u\n", text, sin6->sin6_scope_id);
			else
				printf("%s\n", text);
			break;
		default:
			goto bad;
		}
	}
	return 0;
bad:
	fprintf(stderr, "sockdiag_udp_bound: address %d is malformed\n", i);
	return 1;
usage:
	fprintf(stderr, "usage: sockdiag_probe port [max]\n");
	return 2;
}
