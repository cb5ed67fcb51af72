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

	memset(r, 0, sizeof(*r));
	r->kind = LOCALDATA_NONE;
	r->rcode = DNS_RCODE_NOERROR;

	if (q->qclass == DNS_CLASS_CH) {
		r->kind = LOCALDATA_REFUSED;
		if (q->qtype == DNS_TYPE_TXT &&
		    (name_is(q, n_version_bind, sizeof(n_version_bind)) ||
		    name_is(q, n_version_server, sizeof(n_version_server)))) {
			r->kind = LOCALDATA_ANSWER;
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
	if (type == DNS_TYPE_TXT) {
		p[12] = (uint8_t)(rdlen - 1);
		memcpy(p + 13, TXT_VERSION, rdlen - 1);
	} else
		memcpy(p + 12, rdata, rdlen);
	put16(buf + 6, 1);				/* ANCOUNT */
	return n + rrlen;
}

size_t
localdata_answer(const struct query *q, uint32_t ttl, uint8_t *buf,
    size_t bufsz)
{
	struct local_result	 r;
	size_t			 n, qend;

	resolve(q, &r);
	if (r.kind != LOCALDATA_ANSWER)
		return 0;
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
