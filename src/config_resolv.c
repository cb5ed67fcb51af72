/*
 * config_resolv.c: the nameserver lines of a resolv.conf.
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

/* ---- resolv.conf --------------------------------------------------------- */

int
config_read_resolv(const char *path, const struct config_addr *self,
    size_t nself, uint16_t self_port, struct config_server **out)
{
	struct config_server	*v, srv;
	const char		*why;
	char			*buf, *line, *next, *word, *save;
	size_t			 len, n = 0;

	*out = NULL;
	if ((buf = read_file(path, CONFIG_MAX_RESOLV_FILE, &len, &why)) ==
	    NULL)
		return -1;
	buf[len] = '\0';
	if ((v = calloc(CONFIG_MAX_RESOLV, sizeof(*v))) == NULL) {
		free(buf);
		return -1;
	}
	for (line = buf; line != NULL && n < CONFIG_MAX_RESOLV; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((word = strtok_r(line, " \t\r", &save)) == NULL ||
		    strcmp(word, "nameserver") != 0)
			continue;
		if ((word = strtok_r(NULL, " \t\r", &save)) == NULL)
			continue;
		memset(&srv, 0, sizeof(srv));
		/* "#53" is not resolv.conf syntax: an address only. */
		if (strchr(word, '#') != NULL ||
		    config_parse_addr(word, &srv.addr, &srv.addrlen) == -1)
			continue;
		if (addr_is_any(&srv.addr))
			continue;
		if (self_port == DNS_PORT && addr_is_self(&srv.addr, self,
		    nself))
			continue;	/* never ourselves as upstream */
		srv.kind = SERVER_ADDR;
		srv.from_resolv = 1;
		v[n++] = srv;
	}
	free(buf);
	if (n == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return (int)n;
}

