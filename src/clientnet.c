/*
 * clientnet.c: client networks and the longest-prefix lookup.
 *
 * One array, sorted by family (IPv4 first), prefix length (longest
 * first), then address; and per family the runs of equal prefix length.
 * A lookup masks the address to each run's length in turn, longest
 * first, and searches the run by bisection: the first hit is the longest
 * match.  Cost: at most 33 (IPv4) or 129 (IPv6) bisections, whatever the
 * number of networks; a LAN's few networks make one or two runs.
 *
 * Adding keeps the array sorted (an insertion, and the runs rebuilt), so
 * the table is always ready; CLIENTNET_MAX bounds both the memory and
 * the work of a load (CLIENTNET_MAX insertions of CLIENTNET_MAX moves).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientnet.h"

struct clientnet_entry {
	struct clientnet_net	 net;
	enum clientnet_rule	 rule;
};

/* Entries of one family and one prefix length: [start, end). */
struct clientnet_run {
	unsigned int	 plen;
	size_t		 start, end;
};

struct clientnet {
	struct clientnet_entry	*v;
	size_t			 n, cap;
	/* [0]: IPv4, [1]: IPv6, longest prefix first. */
	struct clientnet_run	 runs[2][129];
	size_t			 nruns[2];
};

/* ::ffff:0:0/96, the IPv4-mapped addresses. */
static const uint8_t	 mapped_pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

static size_t
family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Clear the bits of addr past plen (alen bytes). */
static void
mask(uint8_t *addr, size_t alen, unsigned int plen)
{
	size_t	 i;

	for (i = 0; i < alen; i++)
		if (i * 8 >= plen)
			addr[i] = 0;
		else if (i * 8 + 8 > plen)
			addr[i] &= (uint8_t)(0xff << (8 - (plen - i * 8)));
}

int
clientnet_parse(const char *text, struct clientnet_net *out)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long	 plen;
	unsigned int	 max;

	if (strlen(text) >= sizeof(buf))
		return -1;
	memcpy(buf, text, strlen(text) + 1);
	memset(out, 0, sizeof(*out));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else
		return -1;
	plen = max;
	if (slash != NULL) {
		/* Decimal digits only: no sign, no space, no "0x". */
		if (*slash < '0' || *slash > '9' || strlen(slash) > 3)
			return -1;
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (errno != 0 || *end != '\0' || plen > max)
			return -1;
	}
	out->plen = (unsigned int)plen;
	mask(out->addr, family_len(out->family), out->plen);
	return 0;
}

int
clientnet_is_mapped(const struct clientnet_net *n)
{
	return n->family == AF_INET6 && n->plen >= 96 &&
	    memcmp(n->addr, mapped_pfx, sizeof(mapped_pfx)) == 0;
}

const char *
clientnet_text(const struct clientnet_net *n, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	if (inet_ntop(n->family, n->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, n->plen);
	return buf;
}

struct clientnet *
clientnet_new(void)
{
	return calloc(1, sizeof(struct clientnet));
}

void
clientnet_free(struct clientnet *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t);
}

/* The sort order: IPv4 first, longest prefix first, then the address. */
static int
entry_cmp(const struct clientnet_net *a, const struct clientnet_net *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	if (a->plen != b->plen)
		return a->plen > b->plen ? -1 : 1;
	return memcmp(a->addr, b->addr, family_len(a->family));
}

static void
runs_build(struct clientnet *t)
{
	struct clientnet_run	*r;
	size_t			 i, f;

	t->nruns[0] = t->nruns[1] = 0;
	for (i = 0; i < t->n; i++) {
		f = t->v[i].net.family == AF_INET ? 0 : 1;
		r = t->nruns[f] > 0 ? &t->runs[f][t->nruns[f] - 1] : NULL;
		if (r == NULL || r->plen != t->v[i].net.plen) {
			/* At most 33 or 129 lengths: the array suffices. */
			r = &t->runs[f][t->nruns[f]++];
			r->plen = t->v[i].net.plen;
			r->start = i;
		}
		r->end = i + 1;
	}
}

int
clientnet_add(struct clientnet *t, const struct clientnet_net *n,
    enum clientnet_rule rule, enum clientnet_rule *old)
{
	struct clientnet_entry	*v;
	size_t			 lo = 0, hi = t->n, mid, cap;
	int			 c;

	*old = CLIENTNET_NONE;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = entry_cmp(n, &t->v[mid].net)) == 0) {
			if (t->v[mid].rule == rule)
				return 0;
			*old = t->v[mid].rule;
			return -1;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (t->n >= CLIENTNET_MAX) {
		errno = ENOSPC;
		return -1;
	}
	if (t->n == t->cap) {
		cap = t->cap == 0 ? 8 : t->cap * 2;
		if (cap > CLIENTNET_MAX)
			cap = CLIENTNET_MAX;
		if ((v = reallocarray(t->v, cap, sizeof(*v))) == NULL)
			return -1;		/* errno ENOMEM */
		t->v = v;
		t->cap = cap;
	}
	memmove(&t->v[lo + 1], &t->v[lo], (t->n - lo) * sizeof(*t->v));
	t->v[lo].net = *n;
	t->v[lo].rule = rule;
	t->n++;
	runs_build(t);
	return 0;
}

enum clientnet_rule
clientnet_lookup(const struct clientnet *t, int family, const uint8_t *addr)
{
	const struct clientnet_run	*r;
	uint8_t				 a[16];
	size_t				 alen, f, i, lo, hi, mid;
	int				 c;

	if (t == NULL || t->n == 0)
		return CLIENTNET_NONE;
	if (family == AF_INET6 &&
	    memcmp(addr, mapped_pfx, sizeof(mapped_pfx)) == 0) {
		family = AF_INET;
		addr += sizeof(mapped_pfx);
	}
	if (family != AF_INET && family != AF_INET6)
		return CLIENTNET_NONE;
	f = family == AF_INET ? 0 : 1;
	alen = family_len(family);
	for (i = 0; i < t->nruns[f]; i++) {
		r = &t->runs[f][i];
		memcpy(a, addr, alen);
		mask(a, alen, r->plen);
		lo = r->start;
		hi = r->end;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if ((c = memcmp(a, t->v[mid].net.addr, alen)) == 0)
				return t->v[mid].rule;
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	return CLIENTNET_NONE;
}

enum clientnet_rule
clientnet_lookup_sa(const struct clientnet *t, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa == NULL)
		return CLIENTNET_NONE;
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		return clientnet_lookup(t, AF_INET,
		    (const uint8_t *)&sin->sin_addr);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		return clientnet_lookup(t, AF_INET6,
		    (const uint8_t *)&sin6->sin6_addr);
	default:
		return CLIENTNET_NONE;
	}
}

size_t
clientnet_count(const struct clientnet *t)
{
	return t == NULL ? 0 : t->n;
}

void
clientnet_get(const struct clientnet *t, size_t i, struct clientnet_net *n,
    enum clientnet_rule *rule)
{
	*n = t->v[i].net;
	*rule = t->v[i].rule;
}
