/*
 * localdata.c: the names briskdns answers itself; see localdata.h.
 *
 * Where dnsmasq 2.90 and unbound differ, unbound is followed: dnsmasq
 * forwards localhost. and the loopback reverse names unless /etc/hosts
 * has them (and answers a name below localhost. from upstream), while
 * unbound answers them from its default local zones, which is what RFC
 * 6761 asks of a caching resolver.  Unlike unbound, the TTL is local-ttl
 * and the zones' own SOA and NS queries get NODATA like any other type.
 *
 * Every name compared here is the query's lower-cased wire name; loops
 * walk its labels, bounded by its length.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "briskdns.h"
#include "localdata.h"
#include "msg.h"
#include "wire.h"

#define RRFIXED		10	/* type, class, TTL, RDLENGTH */

static const uint8_t z_localhost[] = "\011localhost";
static const uint8_t z_rev4[] = "\003127\007in-addr\004arpa";
/* 1.0.0.127.in-addr.arpa.: the one name of the zone with data. */
static const uint8_t n_rev4_host[] = "\0011\0010\0010\003127\007in-addr\004arpa";
/* The reverse name of ::1: 32 nibbles, the last one first. */
static const uint8_t n_rev6_host[] =
    "\0011\0010\0010\0010\0010\0010\0010\0010"
    "\0010\0010\0010\0010\0010\0010\0010\0010"
    "\0010\0010\0010\0010\0010\0010\0010\0010"
    "\0010\0010\0010\0010\0010\0010\0010\0010\003ip6\004arpa";
static const uint8_t n_version_bind[] = "\007version\004bind";
static const uint8_t n_version_server[] = "\007version\006server";

/* dnsmasq 2.90's statistics names (cache.c, cache_stats). */
enum chaos_stat {
	CS_NONE = 0, CS_CACHESIZE, CS_INSERTIONS, CS_EVICTIONS, CS_MISSES,
	CS_HITS, CS_AUTH, CS_SERVERS
};
static const struct {
	const uint8_t	*name;
	size_t		 len;
	enum chaos_stat	 stat;
} chaos_names[] = {
#define CN(s, v)	{ (const uint8_t *)s, sizeof(s), v }
	CN("\011cachesize\004bind", CS_CACHESIZE),
	CN("\012insertions\004bind", CS_INSERTIONS),
	CN("\011evictions\004bind", CS_EVICTIONS),
	CN("\006misses\004bind", CS_MISSES),
	CN("\004hits\004bind", CS_HITS),
	CN("\004auth\004bind", CS_AUTH),
	CN("\007servers\004bind", CS_SERVERS),
#undef CN
};
#define CHAOS_TXT_MAX	4096	/* servers.bind's RDATA, at most */

/* The PTR target, uncompressed. */
static const uint8_t rd_localhost[] = "\011localhost";
static const uint8_t rd_a[4] = { 127, 0, 0, 1 };
static const uint8_t rd_aaaa[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 1 };
#define TXT_VERSION	"briskdns-" VERSION

/* What a local name gets. */
struct local_result {
	enum localdata_kind	 kind;
	int			 rcode;
	uint16_t		 rrtype;	/* 0: no record (NODATA, NXDOMAIN) */
	const uint8_t		*rdata;
	size_t			 rdlen;
	size_t			 apex;		/* zone apex's offset in qname */
	enum chaos_stat		 stat;		/* CHAOS statistics name */
};

/*
 * The offset in name (wire, namelen bytes with the root label) at which
 * the name zone (sizeof-style length zlen, root label included) starts
 * on a label boundary, or -1 when name is not zone or below it.
 */
static long
suffix_at(const uint8_t *name, size_t namelen, const uint8_t *zone,
    size_t zlen)
{
	size_t	 pos = 0;

	while (pos < namelen) {
		if (namelen - pos == zlen)
			return memcmp(name + pos, zone, zlen) == 0 ? (long)pos :
			    -1;
		if (name[pos] == 0 || namelen - pos < zlen)
			break;
		pos += 1 + name[pos];
	}
	return -1;
}

static int
name_is(const struct query *q, const uint8_t *name, size_t len)
{
	return q->qname_len == len && memcmp(q->qname, name, len) == 0;
}

static void
set_record(struct local_result *r, uint16_t type, const uint8_t *rdata,
    size_t rdlen)
{
	r->rrtype = type;
	r->rdata = rdata;
	r->rdlen = rdlen;
}

static void
resolve(const struct query *q, struct local_result *r)
{
	long	 at;
	size_t	 i;

	memset(r, 0, sizeof(*r));
	r->kind = LOCALDATA_NONE;
	r->rcode = DNS_RCODE_NOERROR;

	if (q->qclass == DNS_CLASS_CH) {
		r->kind = LOCALDATA_REFUSED;
		if (q->qtype != DNS_TYPE_TXT)
			return;
		if (name_is(q, n_version_bind, sizeof(n_version_bind)) ||
		    name_is(q, n_version_server, sizeof(n_version_server))) {
			r->kind = LOCALDATA_ANSWER;
			set_record(r, DNS_TYPE_TXT, NULL, 0);
			return;
		}
		for (i = 0; i < sizeof(chaos_names) / sizeof(chaos_names[0]);
		    i++)
			if (name_is(q, chaos_names[i].name,
			    chaos_names[i].len)) {
				r->kind = LOCALDATA_ANSWER;
				r->stat = chaos_names[i].stat;
				set_record(r, DNS_TYPE_TXT, NULL, 0);
			}
		return;
	}
	if (q->qclass != DNS_CLASS_IN)
		return;

	if ((at = suffix_at(q->qname, q->qname_len, z_localhost,
	    sizeof(z_localhost))) >= 0) {
		r->kind = LOCALDATA_ANSWER;
		r->apex = (size_t)at;
		/* Every name below localhost. too (RFC 6761 6.3). */
		if (q->qtype == DNS_TYPE_A)
			set_record(r, DNS_TYPE_A, rd_a, sizeof(rd_a));
		else if (q->qtype == DNS_TYPE_AAAA)
			set_record(r, DNS_TYPE_AAAA, rd_aaaa, sizeof(rd_aaaa));
		return;
	}
	if ((at = suffix_at(q->qname, q->qname_len, z_rev4,
	    sizeof(z_rev4))) >= 0) {
		r->kind = LOCALDATA_ANSWER;
		r->apex = (size_t)at;
		if (name_is(q, n_rev4_host, sizeof(n_rev4_host))) {
			if (q->qtype == DNS_TYPE_PTR)
				set_record(r, DNS_TYPE_PTR, rd_localhost,
				    sizeof(rd_localhost));
		} else if (suffix_at(n_rev4_host, sizeof(n_rev4_host),
		    q->qname, q->qname_len) < 0)
			/* Neither the apex nor on the way to 1.0.0.127. */
			r->rcode = DNS_RCODE_NXDOMAIN;
		return;
	}
	if ((at = suffix_at(q->qname, q->qname_len, n_rev6_host,
	    sizeof(n_rev6_host))) >= 0) {
		r->kind = LOCALDATA_ANSWER;
		r->apex = (size_t)at;
		if (at > 0)
			r->rcode = DNS_RCODE_NXDOMAIN;
		else if (q->qtype == DNS_TYPE_PTR)
			set_record(r, DNS_TYPE_PTR, rd_localhost,
			    sizeof(rd_localhost));
	}
}

enum localdata_kind
localdata_match(const struct query *q)
{
	struct local_result	 r;

	resolve(q, &r);
	return r.kind;
}

/*
 * Insert one record after the question of the answer (n bytes) in buf:
 * owner the question's name, class and TTL given.  Returns the new
 * length, or 0 if it does not fit.
 */
static size_t
add_record(const struct query *q, uint8_t *buf, size_t bufsz, size_t n,
    uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	size_t	 qend = DNS_HDRLEN + q->qname_len + 4;
	size_t	 rrlen = 2 + RRFIXED + rdlen;
	uint8_t	*p;

	if (n < qend || bufsz - n < rrlen)
		return 0;
	/* The OPT RR, if any, follows the record. */
	memmove(buf + qend + rrlen, buf + qend, n - qend);
	p = buf + qend;
	put16(p, 0xc000 | DNS_HDRLEN);
	put16(p + 2, type);
	put16(p + 4, q->qclass);
	put32(p + 6, ttl);
	put16(p + 10, (uint16_t)rdlen);
	if (type == DNS_TYPE_TXT && rdata == NULL) {
		p[12] = (uint8_t)(rdlen - 1);
		memcpy(p + 13, TXT_VERSION, rdlen - 1);
	} else
		memcpy(p + 12, rdata, rdlen);
	put16(buf + 6, 1);				/* ANCOUNT */
	return n + rrlen;
}

/* One character-string s (at most 255 bytes of it) at rd[*n]. */
static int
txt_string(uint8_t *rd, size_t max, size_t *n, const char *s)
{
	size_t	 l = strlen(s);

	if (l > 255)
		l = 255;
	if (max - *n < 1 + l)
		return -1;
	rd[(*n)++] = (uint8_t)l;
	memcpy(rd + *n, s, l);
	*n += l;
	return 0;
}

/* The RDATA of a statistics name's TXT record into rd; its length. */
static size_t
chaos_rdata(enum chaos_stat stat, const struct localdata_stats *st,
    uint8_t *rd, size_t max)
{
	unsigned long long	 v = 0;
	char			 text[256];
	size_t			 n = 0, i;

	switch (stat) {
	case CS_SERVERS:
		for (i = 0; st->server != NULL &&
		    st->server(i, text, sizeof(text)) != NULL; i++)
			if (txt_string(rd, max, &n, text) == -1)
				break;
		if (n == 0)			/* no server: one "" */
			(void)txt_string(rd, max, &n, "");
		return n;
	case CS_CACHESIZE:
		v = st->cachesize;
		break;
	case CS_INSERTIONS:
		v = st->insertions;
		break;
	case CS_EVICTIONS:
		v = st->evictions;
		break;
	case CS_MISSES:
		v = st->misses;
		break;
	case CS_HITS:
		v = st->hits;
		break;
	case CS_AUTH:		/* no authoritative zones: none answered */
	case CS_NONE:
		break;
	}
	snprintf(text, sizeof(text), "%llu", v);
	(void)txt_string(rd, max, &n, text);
	return n;
}

size_t
localdata_answer(const struct query *q, uint32_t ttl, uint8_t *buf,
    size_t bufsz)
{
	return localdata_answer_stats(q, ttl, NULL, buf, bufsz);
}

size_t
localdata_answer_stats(const struct query *q, uint32_t ttl,
    const struct localdata_stats *st, uint8_t *buf, size_t bufsz)
{
	struct local_result	 r;
	uint8_t			 rd[CHAOS_TXT_MAX];
	size_t			 n, qend, rdlen;

	resolve(q, &r);
	if (r.kind != LOCALDATA_ANSWER)
		return 0;
	if (r.stat != CS_NONE) {
		/* CHAOS statistics: TTL 0, as dnsmasq. */
		if (st == NULL || (rdlen = chaos_rdata(r.stat, st, rd,
		    sizeof(rd))) == 0 || (n = msg_reply_rcode(q,
		    DNS_RCODE_NOERROR, -1, buf, bufsz)) == 0)
			return 0;
		return add_record(q, buf, bufsz, n, DNS_TYPE_TXT, 0, rd, rdlen);
	}
	if (r.rrtype == DNS_TYPE_TXT) {
		/* CHAOS: TTL 0, as dnsmasq and unbound. */
		if ((n = msg_reply_rcode(q, DNS_RCODE_NOERROR, -1, buf,
		    bufsz)) == 0)
			return 0;
		return add_record(q, buf, bufsz, n, DNS_TYPE_TXT, 0, NULL,
		    1 + strlen(TXT_VERSION));
	}
	if (r.rrtype != 0) {
		if ((n = msg_reply_rcode(q, DNS_RCODE_NOERROR, -1, buf,
		    bufsz)) == 0)
			return 0;
		return add_record(q, buf, bufsz, n, r.rrtype, ttl, r.rdata,
		    r.rdlen);
	}
	/* NODATA or NXDOMAIN, with the SOA of the empty answer. */
	if ((n = msg_reply_empty(q, r.rcode, ttl, -1, buf, bufsz)) == 0)
		return 0;
	/* Its owner is a pointer to the question's name: make it point
	 * to the zone's apex, a suffix of that name. */
	qend = DNS_HDRLEN + q->qname_len + 4;
	if (n >= qend + 2 && get16(buf + qend) == (0xc000 | DNS_HDRLEN))
		put16(buf + qend, 0xc000 | (DNS_HDRLEN + r.apex));
	return n;
}

/*
 * address=/DOMAIN/ADDR: n records of q's type with the addresses at addrs
 * (alen bytes each), after the question and before the OPT of an EDNS
 * client.  The header as every local answer: RA set, AA clear (dnsmasq
 * sets AA here; briskdns is no authority), ID, RD, CD echoed.
 */
size_t
localdata_address_answer(const struct query *q, const uint8_t *addrs,
    size_t n, size_t alen, uint32_t ttl, uint8_t *buf, size_t bufsz)
{
	size_t	 len, qend = DNS_HDRLEN + q->qname_len + 4, rrlen, i;
	uint8_t	*p;

	if (n == 0 || n > 0xffff || (alen != 4 && alen != 16) ||
	    (len = msg_reply_rcode(q, DNS_RCODE_NOERROR, -1, buf, bufsz)) ==
	    0 || len < qend)
		return 0;
	rrlen = 2 + RRFIXED + alen;
	if (bufsz - len < n * rrlen)
		return 0;
	memmove(buf + qend + n * rrlen, buf + qend, len - qend);
	for (i = 0, p = buf + qend; i < n; i++, p += rrlen) {
		put16(p, 0xc000 | DNS_HDRLEN);
		put16(p + 2, alen == 4 ? DNS_TYPE_A : DNS_TYPE_AAAA);
		put16(p + 4, q->qclass);
		put32(p + 6, ttl);
		put16(p + 10, (uint16_t)alen);
		memcpy(p + 12, addrs + i * alen, alen);
	}
	put16(buf + 6, (uint16_t)n);			/* ANCOUNT */
	return len + n * rrlen;
}
