/*
 * msg.c: DNS messages on the wire.
 *
 * The only code that reads raw bytes from clients and upstreams.  Queries
 * are parsed by hand into a struct query; the answers briskdns makes itself
 * are written by hand into the caller's buffer; upstream answers are read
 * by one record iterator (msg_iter_next), which msg_check_answer,
 * msg_finish_answer, msg_answer_count and the cache all use.  (ldns used
 * to be a second opinion in msg_check_answer; it accepted forward
 * compression pointers and several OPT records that the rest of the path
 * rejected, so it is gone from here.)  Removing a record from the middle
 * of an answer re-emits every name after it (answer_reemit) into a
 * scratch buffer: the names are decompressed and compressed again against
 * what was written, so no pointer can point amiss.  Nothing allocates.
 *
 * Invariants: every read of packet data is preceded by a bounds check
 * against the packet length; every loop over packet data is bounded by the
 * packet length, by the record counts of the header (at most 65535) and,
 * for compression pointers, by MSG_MAXHOPS and the requirement that a
 * pointer points strictly backwards.  No function writes past bufsz.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "briskdns.h"
#include "msg.h"
#include "wire.h"

#define MSG_MAXHOPS	64	/* compression pointers followed per name */
#define MSG_RRFIXED	10	/* type, class, TTL, RDLENGTH */
#define MSG_OPTLEN	11	/* an OPT RR without options */

/* The SOA of the empty answer (INTERFACE.md, "AAAA modes"). */
static const uint8_t soa_mname[] = "\011localhost";		 /* + root */
static const uint8_t soa_rname[] = "\006nobody\007invalid";	 /* + root */
#define SOA_SERIAL	1
#define SOA_REFRESH	3600
#define SOA_RETRY	600
#define SOA_EXPIRE	86400

/* edns-packet-max (msg_set_edns_max). */
static size_t	 edns_max = DNS_EDNS_PACKET_MAX;

void
msg_set_edns_max(size_t max)
{
	if (max < DNS_EDNS_PACKET_MIN)
		max = DNS_EDNS_PACKET_MIN;
	if (max > DNS_EDNS_PACKET_TOP)
		max = DNS_EDNS_PACKET_TOP;
	edns_max = max;
}

size_t
msg_edns_max(void)
{
	return edns_max;
}

/*
 * msg_skip_name, and with marks (a bit per offset below 0x4000), every
 * pointer must also land on a label start of a name read before (see
 * msg_iter_next).
 */
static size_t
name_walk(const uint8_t *pkt, size_t len, size_t off, const uint8_t *marks)
{
	size_t	 pos = off, end = 0, total = 0, limit = len;
	int	 hops = 0;

	/*
	 * Each iteration consumes a label or a pointer; both bounded.  What a
	 * pointer leads to lies wholly before the pointer (limit): a name
	 * compressed against one written earlier, never one that runs on
	 * into its own record, later records or the bytes after them (which
	 * a rewrite moves or drops).
	 */
	for (;;) {
		uint8_t	 c;

		if (pos >= limit)
			return 0;
		c = pkt[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t	 target;

			if (pos + 1 >= limit || ++hops > MSG_MAXHOPS)
				return 0;
			target = ((size_t)(c & 0x3f) << 8) | pkt[pos + 1];
			/*
			 * Only backwards: no loops, no forward references.
			 * Never into the header, whose ID and flags are
			 * rewritten for each client.
			 */
			if (target >= pos || target < DNS_HDRLEN ||
			    (marks != NULL && (target >= MSG_MARKS ||
			    !(marks[target >> 3] & (1 << (target & 7))))))
				return 0;
			if (end == 0)
				end = pos + 2;
			limit = pos;
			pos = target;
			continue;
		}
		if (c & 0xc0)		/* 0x40, 0x80: no such label types */
			return 0;
		total += c + 1;
		if (total > DNS_MAXNAME || limit - pos <= c)
			return 0;
		if (c == 0)
			return end ? end : pos + 1;
		pos += c + 1;
	}
}

size_t
msg_skip_name(const uint8_t *pkt, size_t len, size_t off)
{
	return name_walk(pkt, len, off, NULL);
}

/*
 * An uncompressed name at pkt[off]: its length, or 0 if it is compressed,
 * runs past len, or breaks the label and name limits.
 */
static size_t
name_len_flat(const uint8_t *pkt, size_t len, size_t off)
{
	size_t	 pos = off;

	while (pos < len && pos - off < DNS_MAXNAME) {
		uint8_t	 c = pkt[pos];

		if (c > DNS_MAXLABEL)	/* pointer or unknown label type */
			return 0;
		if (c == 0)
			return pos + 1 - off;
		pos += c + 1;
	}
	return 0;
}

/* Walk the options of an OPT RDATA: each must fit exactly.  0 or -1. */
static int
opts_valid(const uint8_t *p, size_t len)
{
	size_t	 pos = 0;

	while (pos < len) {
		if (len - pos < 4)
			return -1;
		pos += 4 + get16(p + pos + 2);
	}
	return pos == len ? 0 : -1;
}

enum msg_status
msg_parse_query(const uint8_t *pkt, size_t len, struct query *q)
{
	size_t		 off, nlen, i;
	uint16_t	 qd, an, ns, ar;
	int		 badvers = 0;

	if (len < DNS_HDRLEN)
		return MSG_DROP;
	q->flags = get16(pkt + 2);
	if (q->flags & DNS_FLAG_QR)
		return MSG_DROP;
	q->id = get16(pkt);
	q->qtype = q->qclass = 0;
	q->qname_len = 0;
	q->edns = q->edns_do = 0;
	q->edns_size = DNS_UDP_DEFAULT;
	/* No query needs more (RFC 6891's largest UDP payload is a size
	 * for answers); the header is readable, so FORMERR, not silence. */
	if (len > MSG_QUERY_MAX)
		return MSG_FORMERR;
	if (DNS_OPCODE(q->flags) != 0)
		return MSG_NOTIMP;

	qd = get16(pkt + 4);
	an = get16(pkt + 6);
	ns = get16(pkt + 8);
	ar = get16(pkt + 10);
	if (qd != 1 || an != 0 || ns != 0)
		return MSG_FORMERR;

	/*
	 * The question's name is the first name of the message, so a
	 * compression pointer there could only point forwards: refuse it.
	 */
	if ((nlen = name_len_flat(pkt, len, DNS_HDRLEN)) == 0)
		return MSG_FORMERR;
	off = DNS_HDRLEN + nlen;
	if (len - off < 4)
		return MSG_FORMERR;
	memcpy(q->qname_case, pkt + DNS_HDRLEN, nlen);
	for (i = 0; i < nlen; i++)
		q->qname[i] = lower(pkt[DNS_HDRLEN + i]);
	q->qname_len = nlen;
	q->qtype = get16(pkt + off);
	q->qclass = get16(pkt + off + 2);
	off += 4;

	/* Additional section: at most one OPT, anything else skipped. */
	for (i = 0; i < ar; i++) {
		size_t		 start = off, rdlen;
		uint16_t	 type;
		uint32_t	 ttl;

		if ((off = msg_skip_name(pkt, len, start)) == 0 ||
		    len - off < MSG_RRFIXED)
			return MSG_FORMERR;
		type = get16(pkt + off);
		ttl = get32(pkt + off + 4);
		rdlen = get16(pkt + off + 8);
		off += MSG_RRFIXED;
		if (len - off < rdlen)
			return MSG_FORMERR;
		if (type == DNS_TYPE_OPT) {
			/* One OPT, owned by the root, not compressed. */
			if (q->edns || off - start != 1 + MSG_RRFIXED ||
			    opts_valid(pkt + off, rdlen) == -1)
				return MSG_FORMERR;
			q->edns = 1;
			q->edns_size = get16(pkt + start + 3);
			if (q->edns_size < DNS_UDP_DEFAULT)
				q->edns_size = DNS_UDP_DEFAULT;
			q->edns_do = (ttl & 0x8000) != 0;
			if (((ttl >> 16) & 0xff) != 0)
				badvers = 1;
		}
		off += rdlen;
	}

	/*
	 * Strict: bytes after the declared records make the query FORMERR.
	 * No client has a reason to send them (EDNS padding lives inside
	 * the OPT RR), and a parser that ignores them hides smuggling.
	 */
	if (off != len)
		return MSG_FORMERR;
	/* After the structure is known good, so the reply can echo q. */
	if (badvers)
		return MSG_BADVERS;
	return MSG_OK;
}

size_t
msg_udp_limit(const struct query *q)
{
	if (!q->edns || q->edns_size < DNS_UDP_DEFAULT)
		return DNS_UDP_DEFAULT;
	return q->edns_size < edns_max ? q->edns_size : edns_max;
}

/* Our answers' flags: QR, RA, the query's RD and CD, opcode QUERY. */
static uint16_t
reply_flags(uint16_t qflags, int rcode)
{
	return DNS_FLAG_QR | DNS_FLAG_RA |
	    (qflags & (DNS_FLAG_RD | DNS_FLAG_CD)) | (rcode & 0xf);
}

size_t
msg_reply_error(const uint8_t *pkt, size_t len, int rcode, uint8_t *buf,
    size_t bufsz)
{
	uint16_t	 qflags;

	if (len < DNS_HDRLEN || bufsz < DNS_HDRLEN)
		return 0;
	qflags = get16(pkt + 2);
	memcpy(buf, pkt, 2);
	/* Echo the opcode too: a NOTIMP answer names what it refuses. */
	put16(buf + 2, reply_flags(qflags, rcode) | (qflags & 0x7800));
	memset(buf + 4, 0, 8);
	return DNS_HDRLEN;
}

/*
 * Header and question of an answer to q.  Returns the offset after the
 * question, or 0 if it does not fit.  The counts other than QDCOUNT are
 * the caller's to fill in.
 */
static size_t
reply_head(const struct query *q, int rcode, uint8_t *buf, size_t bufsz)
{
	size_t	 off;

	if (q->qname_len == 0 || q->qname_len > DNS_MAXNAME ||
	    bufsz < DNS_HDRLEN + q->qname_len + 4)
		return 0;
	put16(buf, q->id);
	put16(buf + 2, reply_flags(q->flags, rcode));
	put16(buf + 4, 1);
	memset(buf + 6, 0, 6);
	off = DNS_HDRLEN;
	memcpy(buf + off, q->qname_case, q->qname_len);
	off += q->qname_len;
	put16(buf + off, q->qtype);
	put16(buf + off + 2, q->qclass);
	return off + 4;
}

/*
 * An OPT RR at buf[off] for our own answers: edns-packet-max, the client's
 * DO bit, extended rcode xrcode, and an Extended DNS Error ede (RFC 8914,
 * INFO-CODE only, no EXTRA-TEXT) unless ede < 0.  Returns the new offset,
 * or 0 if it does not fit.
 */
static size_t
reply_opt(const struct query *q, int xrcode, int ede, uint8_t *buf,
    size_t bufsz, size_t off)
{
	size_t	 need = MSG_OPTLEN + (ede >= 0 ? 6 : 0);

	if (off > bufsz || bufsz - off < need)
		return 0;
	buf[off] = 0;
	put16(buf + off + 1, DNS_TYPE_OPT);
	put16(buf + off + 3, (uint16_t)edns_max);
	put32(buf + off + 5, ((uint32_t)(xrcode & 0xff) << 24) |
	    (q->edns_do ? 0x8000 : 0));
	put16(buf + off + 9, ede >= 0 ? 6 : 0);
	if (ede >= 0) {
		put16(buf + off + 11, DNS_EDNS_OPT_EDE);
		put16(buf + off + 13, 2);
		put16(buf + off + 15, ede & 0xffff);
	}
	put16(buf + 10, get16(buf + 10) + 1);	/* ARCOUNT */
	return off + need;
}

size_t
msg_reply_rcode(const struct query *q, int rcode, int ede, uint8_t *buf,
    size_t bufsz)
{
	size_t	 off;

	if ((off = reply_head(q, rcode, buf, bufsz)) == 0)
		return 0;
	if (q->edns)
		off = reply_opt(q, rcode >> 4, ede, buf, bufsz, off);
	return off;
}

size_t
msg_reply_badvers(const struct query *q, uint8_t *buf, size_t bufsz)
{
	size_t	 off;

	/* BADVERS is 16: header rcode 0, extended rcode 1 in the OPT. */
	if ((off = reply_head(q, 0, buf, bufsz)) == 0)
		return 0;
	return reply_opt(q, 1, -1, buf, bufsz, off);
}

size_t
msg_reply_empty(const struct query *q, int rcode, uint32_t ttl, int ede,
    uint8_t *buf, size_t bufsz)
{
	size_t		 off, rdlen;
	uint16_t	 class;

	if ((off = reply_head(q, rcode, buf, bufsz)) == 0)
		return 0;
	rdlen = sizeof(soa_mname) + sizeof(soa_rname) + 20;
	if (bufsz - off < 2 + MSG_RRFIXED + rdlen)
		return 0;
	/* A class ANY question still gets an SOA of a real class. */
	class = q->qclass == DNS_TYPE_ANY ? DNS_CLASS_IN : q->qclass;

	/* Owner: a pointer to the question's name, in the client's case. */
	put16(buf + off, 0xc000 | DNS_HDRLEN);
	put16(buf + off + 2, DNS_TYPE_SOA);
	put16(buf + off + 4, class);
	put32(buf + off + 6, ttl);
	put16(buf + off + 10, rdlen);
	off += 2 + MSG_RRFIXED;
	memcpy(buf + off, soa_mname, sizeof(soa_mname));	/* with root */
	off += sizeof(soa_mname);
	memcpy(buf + off, soa_rname, sizeof(soa_rname));
	off += sizeof(soa_rname);
	put32(buf + off, SOA_SERIAL);
	put32(buf + off + 4, SOA_REFRESH);
	put32(buf + off + 8, SOA_RETRY);
	put32(buf + off + 12, SOA_EXPIRE);
	put32(buf + off + 16, ttl);		/* MINIMUM: the negative TTL */
	off += 20;
	put16(buf + 8, 1);			/* NSCOUNT */

	if (q->edns)
		off = reply_opt(q, rcode >> 4, ede, buf, bufsz, off);
	return off;
}

size_t
msg_build_forward(const struct query *q, uint16_t id, int flags,
    uint8_t *buf, size_t bufsz)
{
	int	 tcp = (flags & MSG_FWD_TCP) != 0;
	size_t	 pre = tcp ? 2 : 0, off, need;
	uint8_t	*p;

	if (q->qname_len == 0 || q->qname_len > DNS_MAXNAME)
		return 0;
	need = pre + DNS_HDRLEN + q->qname_len + 4 + MSG_OPTLEN;
	if (bufsz < need)
		return 0;
	p = buf + pre;
	put16(p, id);
	put16(p + 2, (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD)) | DNS_FLAG_AD);
	put16(p + 4, 1);
	put16(p + 6, 0);
	put16(p + 8, 0);
	put16(p + 10, (flags & MSG_FWD_NOEDNS) ? 0 : 1);
	off = DNS_HDRLEN;
	memcpy(p + off, q->qname, q->qname_len);
	off += q->qname_len;
	put16(p + off, q->qtype);
	put16(p + off + 2, q->qclass);
	off += 4;
	if (flags & MSG_FWD_NOEDNS)
		goto done;
	/* No option of the client's: none is everyone's (see msg.h). */
	p[off] = 0;
	put16(p + off + 1, DNS_TYPE_OPT);
	put16(p + off + 3, (uint16_t)edns_max);
	put32(p + off + 5, q->edns_do ? 0x8000 : 0);
	put16(p + off + 9, 0);
	off += MSG_OPTLEN;
 done:
	if (tcp)
		put16(buf, off);
	return pre + off;
}

/* ---- the record iterator ------------------------------------------------ */

/* Parts of an RDATA layout. */
#define RD_END		0
#define RD_NAMEC	-1	/* a name, compressed again on output */
#define RD_NAME		-2	/* a name, written uncompressed */
#define RD_STRING	-3	/* a <character-string> */
#define RD_REST		-4	/* any bytes, to the end */

/*
 * The types whose RDATA holds names (RFC 3597 section 4: compressed on
 * output only for the types of RFC 1035; the others are read compressed
 * or not, as receivers must, and written uncompressed).  A positive part
 * is that many fixed bytes.
 */
static const struct rd_layout {
	uint16_t	 type;
	int8_t		 part[6];
} rd_layouts[] = {
	{ 2, { RD_NAMEC } },			/* NS */
	{ 3, { RD_NAMEC } },			/* MD */
	{ 4, { RD_NAMEC } },			/* MF */
	{ 5, { RD_NAMEC } },			/* CNAME */
	{ 6, { RD_NAMEC, RD_NAMEC, 20 } },	/* SOA */
	{ 7, { RD_NAMEC } },			/* MB */
	{ 8, { RD_NAMEC } },			/* MG */
	{ 9, { RD_NAMEC } },			/* MR */
	{ 12, { RD_NAMEC } },			/* PTR */
	{ 14, { RD_NAMEC, RD_NAMEC } },		/* MINFO */
	{ 15, { 2, RD_NAMEC } },		/* MX */
	{ 17, { RD_NAME, RD_NAME } },		/* RP */
	{ 18, { 2, RD_NAME } },			/* AFSDB */
	{ 21, { 2, RD_NAME } },			/* RT */
	{ 24, { 18, RD_NAME, RD_REST } },	/* SIG */
	{ 26, { 2, RD_NAME, RD_NAME } },	/* PX */
	{ 30, { RD_NAME, RD_REST } },		/* NXT */
	{ 33, { 6, RD_NAME } },			/* SRV */
	{ 35, { 4, RD_STRING, RD_STRING, RD_STRING, RD_NAME } }, /* NAPTR */
	{ 36, { 2, RD_NAME } },			/* KX */
	{ 39, { RD_NAME } },			/* DNAME */
	{ 46, { 18, RD_NAME, RD_REST } },	/* RRSIG */
	{ 47, { RD_NAME, RD_REST } },		/* NSEC */
	{ 64, { 2, RD_NAME, RD_REST } },	/* SVCB */
	{ 65, { 2, RD_NAME, RD_REST } },	/* HTTPS */
};

static const int8_t *
rd_layout(uint16_t type)
{
	size_t	 i;

	for (i = 0; i < sizeof(rd_layouts) / sizeof(rd_layouts[0]); i++)
		if (rd_layouts[i].type == type)
			return rd_layouts[i].part;
	return NULL;
}

/*
 * A name of the answer at pkt[off], read (bounded by len) and, if good,
 * its inline label starts marked as targets for later pointers.  Returns
 * the offset after it, or 0.
 */
static size_t
iter_name(struct msg_iter *it, size_t len, size_t off)
{
	size_t	 end, pos;

	if ((end = name_walk(it->pkt, len, off, it->marks)) == 0)
		return 0;
	for (pos = off; pos < MSG_MARKS && it->pkt[pos] != 0 &&
	    (it->pkt[pos] & 0xc0) == 0; pos += it->pkt[pos] + 1)
		it->marks[pos >> 3] |= 1 << (pos & 7);
	return end;
}

/* The RDATA of rr follows its layout exactly (names inside it).  0/-1. */
static int
rdata_check(struct msg_iter *it, const struct msg_rr *rr)
{
	const uint8_t	*pkt = it->pkt;
	const int8_t	*part;
	size_t		 pos = rr->rdata, end = rr->rdata + rr->rdlen, i;

	if ((part = rd_layout(rr->type)) == NULL)
		return 0;
	for (i = 0; i < sizeof(rd_layouts[0].part) && part[i] != RD_END;
	    i++) {
		switch (part[i]) {
		case RD_NAMEC:
		case RD_NAME:
			/* Bounded by end: the inline part stays inside. */
			if ((pos = iter_name(it, end, pos)) == 0)
				return -1;
			break;
		case RD_STRING:
			if (pos >= end || end - pos < 1 + (size_t)pkt[pos])
				return -1;
			pos += 1 + pkt[pos];
			break;
		case RD_REST:
			pos = end;
			break;
		default:
			if (end - pos < (size_t)part[i])
				return -1;
			pos += part[i];
			break;
		}
	}
	return pos == end ? 0 : -1;
}

int
msg_iter_start(struct msg_iter *it, const uint8_t *pkt, size_t len)
{
	size_t	 nlen;

	memset(it, 0, sizeof(*it));
	it->pkt = pkt;
	it->len = len;
	if (len < DNS_HDRLEN || get16(pkt + 4) != 1 ||
	    (nlen = name_len_flat(pkt, len, DNS_HDRLEN)) == 0 ||
	    len - DNS_HDRLEN - nlen < 4)
		return -1;
	(void)iter_name(it, len, DNS_HDRLEN);	/* marks the question */
	it->qend = it->end = DNS_HDRLEN + nlen + 4;
	it->section = MSG_SEC_ANSWER;
	it->left = get16(pkt + 6);
	return 0;
}

int
msg_iter_next(struct msg_iter *it, struct msg_rr *rr)
{
	const uint8_t	*pkt = it->pkt;
	size_t		 len = it->len, p;

	if (it->qend == 0)		/* msg_iter_start failed */
		return -1;
	/* Bounded by the counts, and by len: a record is >= 11 bytes. */
	while (it->left == 0) {
		if (it->section == MSG_SEC_ADDITIONAL)
			return 0;
		it->section++;
		it->left = get16(pkt + 6 + 2 * it->section);
	}
	rr->section = it->section;
	rr->owner = it->end;
	if ((p = iter_name(it, len, it->end)) == 0 ||
	    len - p < MSG_RRFIXED)
		return -1;
	rr->type = get16(pkt + p);
	rr->class = get16(pkt + p + 2);
	rr->ttl = p + 4;
	rr->rdlen = get16(pkt + p + 8);
	rr->rdata = p + MSG_RRFIXED;
	if (len - rr->rdata < rr->rdlen)
		return -1;
	rr->end = rr->rdata + rr->rdlen;
	if (rr->type == DNS_TYPE_OPT) {
		/* RFC 6891 6.1.1: one, in the additional section, root. */
		if (rr->section != MSG_SEC_ADDITIONAL || it->nopt > 0 ||
		    p != rr->owner + 1 || opts_valid(pkt + rr->rdata,
		    rr->rdlen) == -1)
			return -1;
		it->nopt++;
		it->opt = rr->owner;
		it->optend = rr->end;
	} else if (rdata_check(it, rr) == -1)
		return -1;
	it->end = rr->end;
	it->left--;
	return 1;
}

/* ---- upstream answers ------------------------------------------------------ */

static size_t	answer_reemit(const uint8_t *, size_t, unsigned int);

/*
 * Whether ans (len >= DNS_HDRLEN) has q's question, name compared without
 * regard to case.  Returns the offset after the question, or 0.
 */
static size_t
question_matches(const uint8_t *ans, size_t len, const struct query *q)
{
	size_t	 nlen, i, off;

	if (get16(ans + 4) != 1 || q->qname_len == 0)
		return 0;
	if ((nlen = name_len_flat(ans, len, DNS_HDRLEN)) != q->qname_len)
		return 0;
	off = DNS_HDRLEN + nlen;
	if (len - off < 4)
		return 0;
	for (i = 0; i < nlen; i++)
		if (lower(ans[DNS_HDRLEN + i]) != q->qname[i])
			return 0;
	if (get16(ans + off) != q->qtype || get16(ans + off + 2) != q->qclass)
		return 0;
	return off + 4;
}

enum msg_answer
msg_check_answer(const uint8_t *ans, size_t len, uint16_t id,
    const struct query *q, int *rcode)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	uint16_t	 flags;
	unsigned int	 nrr = 0;
	int		 r;

	/* The cheap checks first: most spoofs fail here. */
	if (len < DNS_HDRLEN || get16(ans) != id)
		return ANSWER_MISMATCH;
	flags = get16(ans + 2);
	if (!(flags & DNS_FLAG_QR) || DNS_OPCODE(flags) != 0 ||
	    question_matches(ans, len, q) == 0)
		return ANSWER_MISMATCH;
	*rcode = DNS_RCODE(flags);
	if (flags & DNS_FLAG_TC)
		return ANSWER_TRUNCATED;

	if (msg_iter_start(&it, ans, len) == -1)
		return ANSWER_MALFORMED;
	while ((r = msg_iter_next(&it, &rr)) == 1)
		nrr++;
	if (r == -1)
		return ANSWER_MALFORMED;
	/*
	 * An OPT with records after it is removed for a plain client by
	 * writing those again: an answer that cannot be is rejected here,
	 * not cut there (one verdict for both).
	 */
	if (it.nopt > 0 && it.optend != it.end &&
	    answer_reemit(ans, it.end, nrr) == 0)
		return ANSWER_MALFORMED;
	return ANSWER_OK;
}

void
msg_answer_flags(uint8_t *ans, const struct query *q)
{
	uint16_t	 f = get16(ans + 2);

	f &= ~(DNS_FLAG_AA | DNS_FLAG_RD | DNS_FLAG_CD);
	f |= DNS_FLAG_RA | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	if (!(q->flags & DNS_FLAG_AD) && !q->edns_do)
		f &= ~DNS_FLAG_AD;
	put16(ans + 2, f);
}

/* ---- re-emitting names ------------------------------------------------------ */

/*
 * Removing a record from the middle of an answer moves what follows it, so
 * every compression pointer after it would point amiss.  The answer is
 * therefore written again (answer_reemit): each name is decompressed from
 * the input and written as labels, with a pointer for the longest suffix
 * already in the output.  A pointer is only ever written after
 * emit_same() has read, in the output itself, the very name it stands
 * for, so whatever the input's pointers did, the output's names are the
 * input's names.  Candidates for a suffix: where the input's own pointer
 * for it lands in the output (emit_map: input byte -> output byte, for
 * the bytes copied as they were), then the label starts of the names
 * written so far.  The upstream's compression is thus kept where it can
 * be, and the output is not longer than the input; when it would be (a
 * pointer into the middle of a label, say), the answer cannot be
 * rewritten in place and msg_check_answer calls it malformed.
 */

#define EMIT_MAXTARGETS	512	/* label starts remembered for compression */
#define EMIT_NOMAP	0xffff

struct emitter {
	uint8_t		*out;
	size_t		 size;
	size_t		 off;
	uint16_t	 targets[EMIT_MAXTARGETS];
	size_t		 ntargets;
};

/* Single-threaded scratch: the output, and where input bytes went. */
static uint8_t	 emit_buf[DNS_MAXMSG];
static uint16_t	 emit_map[DNS_MAXMSG];

/* Whether the name at e->out[t] equals flat[0..flen), byte for byte. */
static int
emit_same(const struct emitter *e, size_t t, const uint8_t *flat,
    size_t flen)
{
	size_t	 i = 0, limit = e->off, target;
	int	 hops = 0;

	/* As msg_skip_name reads it: each run before its pointer. */
	while (t < limit) {
		uint8_t	 c = e->out[t];

		if ((c & 0xc0) == 0xc0) {
			if (t + 1 >= limit || ++hops > MSG_MAXHOPS)
				return 0;
			target = ((size_t)(c & 0x3f) << 8) | e->out[t + 1];
			if (target >= t || target < DNS_HDRLEN)
				return 0;
			limit = t;
			t = target;
			continue;
		}
		if ((c & 0xc0) || i >= flen || flat[i] != c ||
		    flen - i < (size_t)c + 1 || t + c >= limit ||
		    memcmp(e->out + t + 1, flat + i + 1, c) != 0)
			return 0;
		if (c == 0)
			return i + 1 == flen;
		i += c + 1;
		t += c + 1;
	}
	return 0;
}

/* Point at the output's e->out[t] for flat[i..flen) if it is that name. */
static int
emit_try(struct emitter *e, size_t t, const uint8_t *flat, size_t flen,
    size_t i)
{
	if (t >= 0x4000 || t >= e->off || !emit_same(e, t, flat + i,
	    flen - i))
		return 0;
	if (e->size - e->off < 2)
		return -1;
	put16(e->out + e->off, 0xc000 | (uint16_t)t);
	e->off += 2;
	return 1;
}

/*
 * Write the name at pkt[off] (checked by msg_skip_name against len).  With
 * compress, any suffix already written may become a pointer; without
 * (RFC 3597 types), only where the input had a pointer.  0, or -1 if the
 * name is malformed or out is full.
 */
static int
emit_name(struct emitter *e, const uint8_t *pkt, size_t len, size_t off,
    int compress)
{
	uint8_t	 flat[DNS_MAXNAME];
	size_t	 hop_i[MSG_MAXHOPS], hop_t[MSG_MAXHOPS], nhops = 0;
	size_t	 pos = off, n = 0, inl = SIZE_MAX, i, j, k, start = e->off;
	int	 r;

	/* Decompress, noting where the input's pointers were and went. */
	for (;;) {
		uint8_t	 c;

		if (pos >= len)
			return -1;
		c = pkt[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len || nhops >= MSG_MAXHOPS)
				return -1;
			if (inl == SIZE_MAX)
				inl = n;
			hop_i[nhops] = n;
			hop_t[nhops] = ((size_t)(c & 0x3f) << 8) | pkt[pos + 1];
			if (hop_t[nhops] >= pos)
				return -1;
			pos = hop_t[nhops++];
			continue;
		}
		if ((c & 0xc0) || n + c + 1 > DNS_MAXNAME ||
		    len - pos < (size_t)c + 1)
			return -1;
		memcpy(flat + n, pkt + pos, c + 1);
		n += c + 1;
		if (c == 0)
			break;
		pos += c + 1;
	}
	if (inl == SIZE_MAX)
		inl = n;

	for (i = 0; flat[i] != 0; i += flat[i] + 1) {
		for (j = 0; j < nhops; j++)
			if (hop_i[j] == i && emit_map[hop_t[j]] != EMIT_NOMAP &&
			    (r = emit_try(e, emit_map[hop_t[j]], flat, n, i)) !=
			    0)
				goto pointed;
		for (j = 0; compress && j < e->ntargets; j++)
			if ((r = emit_try(e, e->targets[j], flat, n, i)) != 0)
				goto pointed;
		if (e->size - e->off < (size_t)flat[i] + 1)
			return -1;
		/* Labels that sat inline in the input map byte for byte. */
		for (k = 0; i < inl && k <= flat[i]; k++)
			emit_map[off + i + k] = (uint16_t)(e->off + k);
		memcpy(e->out + e->off, flat + i, flat[i] + 1);
		e->off += flat[i] + 1;
	}
	if (e->off >= e->size)
		return -1;
	if (i < inl)
		emit_map[off + i] = (uint16_t)e->off;
	e->out[e->off++] = 0;
	r = 1;
 pointed:
	if (r == -1)
		return -1;
	/* The labels just written, in order (i: bytes of them). */
	for (j = 0; j < i && e->ntargets < EMIT_MAXTARGETS &&
	    start + j < 0x4000; j += flat[j] + 1)
		e->targets[e->ntargets++] = (uint16_t)(start + j);
	return 0;
}

/* Copy pkt[from..from+n) as it is.  0/-1. */
static int
emit_bytes(struct emitter *e, const uint8_t *pkt, size_t from, size_t n)
{
	size_t	 k;

	if (e->size - e->off < n)
		return -1;
	memcpy(e->out + e->off, pkt + from, n);
	for (k = 0; k < n; k++)
		emit_map[from + k] = (uint16_t)(e->off + k);
	e->off += n;
	return 0;
}

/* One record (checked by msg_iter_next) written again.  0/-1. */
static int
emit_rr(struct emitter *e, const uint8_t *pkt, const struct msg_rr *rr)
{
	const int8_t	*part;
	size_t		 pos, end = rr->rdata + rr->rdlen, rdlen_at;
	size_t		 i, next;

	if (emit_name(e, pkt, rr->end, rr->owner, 1) == -1 ||
	    emit_bytes(e, pkt, rr->ttl - 4, MSG_RRFIXED - 2) == -1 ||
	    e->size - e->off < 2)
		return -1;
	rdlen_at = e->off;
	e->off += 2;
	if ((part = rd_layout(rr->type)) == NULL) {
		if (emit_bytes(e, pkt, rr->rdata, rr->rdlen) == -1)
			return -1;
		goto done;
	}
	pos = rr->rdata;
	for (i = 0; i < sizeof(rd_layouts[0].part) && part[i] != RD_END;
	    i++) {
		switch (part[i]) {
		case RD_NAMEC:
		case RD_NAME:
			if ((next = msg_skip_name(pkt, end, pos)) == 0 ||
			    emit_name(e, pkt, end, pos, part[i] == RD_NAMEC) ==
			    -1)
				return -1;
			break;
		case RD_STRING:
			if (pos >= end)
				return -1;
			next = pos + 1 + pkt[pos];
			goto copy;
		case RD_REST:
			next = end;
			goto copy;
		default:
			next = pos + part[i];
 copy:
			if (next > end || emit_bytes(e, pkt, pos, next - pos) ==
			    -1)
				return -1;
			break;
		}
		pos = next;
	}
	if (pos != end)
		return -1;
 done:
	if (e->off - rdlen_at - 2 > UINT16_MAX)
		return -1;
	put16(e->out + rdlen_at, (uint16_t)(e->off - rdlen_at - 2));
	return 0;
}

/*
 * ans[0..len) written again into emit_buf without its OPT record: header,
 * question, the first nrr records, every name re-emitted.  Returns the
 * length, 0 if a record does not parse or the result would exceed len.
 */
static size_t
answer_reemit(const uint8_t *ans, size_t len, unsigned int nrr)
{
	struct emitter	 em, *e = &em;
	struct msg_iter	 it;
	struct msg_rr	 rr;
	uint16_t	 kept[3] = { 0, 0, 0 };
	size_t		 j;
	unsigned int	 n;

	e->out = emit_buf;
	e->size = len;		/* never longer than what it replaces */
	e->ntargets = 0;
	if (len > DNS_MAXMSG || msg_iter_start(&it, ans, len) == -1)
		return 0;
	memset(emit_map, 0xff, len * sizeof(emit_map[0]));
	e->off = 0;
	if (emit_bytes(e, ans, 0, it.qend) == -1)
		return 0;
	/* The question's labels, for the names that point at it. */
	for (j = DNS_HDRLEN; ans[j] != 0 && e->ntargets < EMIT_MAXTARGETS;
	    j += ans[j] + 1)
		e->targets[e->ntargets++] = (uint16_t)j;
	for (n = 0; n < nrr; n++) {
		if (msg_iter_next(&it, &rr) != 1)
			return 0;
		if (rr.type == DNS_TYPE_OPT)
			continue;
		if (emit_rr(e, ans, &rr) == -1)
			return 0;
		kept[rr.section]++;
	}
	for (j = 0; j < 3; j++)
		put16(e->out + 6 + 2 * j, kept[j]);
	return e->off;
}

/* ---- SvcParams of SVCB and HTTPS records ---------------------------------- */

/*
 * msg_svc_strip: a SvcParam taken out of every SVCB and HTTPS record.
 * Written with the emitter above (the same one that removes an OPT), not
 * with ldns: the records around the changed ones keep their bytes and
 * their compression where it can be kept, names are re-emitted so no
 * pointer points amiss, the work is bounded by the message and nothing
 * allocates; ldns would decompress, re-order nothing but re-encode every
 * record, and allocate per record on the answer path.
 */

#define SVC_KEY_MANDATORY	0
#define SVC_MAXSETS		16	/* changed RRsets remembered by owner */

static int
svc_type(uint16_t type)
{
	return type == DNS_TYPE_SVCB || type == DNS_TYPE_HTTPS;
}

/*
 * The SvcParams of the SVCB or HTTPS record rr (checked by
 * msg_iter_next): each a key, a length and a value that fit the RDATA
 * exactly (a mandatory list of whole keys).  Returns -1 if they do not,
 * 1 if key is among them, 0 if not; *params: where they start.
 */
static int
svc_params(const uint8_t *pkt, const struct msg_rr *rr, uint16_t key,
    size_t *params)
{
	size_t		 pos, end = rr->end, vlen;
	uint16_t	 k;
	int		 found = 0;

	if (rr->rdlen < 3 || (pos = msg_skip_name(pkt, end, rr->rdata + 2)) ==
	    0)
		return -1;
	*params = pos;
	/* Each turn consumes at least 4 bytes of the RDATA. */
	while (pos < end) {
		if (end - pos < 4)
			return -1;
		k = get16(pkt + pos);
		vlen = get16(pkt + pos + 2);
		if (end - pos - 4 < vlen ||
		    (k == SVC_KEY_MANDATORY && vlen % 2 != 0))
			return -1;
		if (k == key)
			found = 1;
		pos += 4 + vlen;
	}
	return found;
}

/*
 * The name at pkt[off] decompressed into out (DNS_MAXNAME bytes), lower-
 * cased with fold: its length, or 0 if malformed (pointers only
 * backwards, at most MSG_MAXHOPS).  *after, when after is not NULL: the
 * offset after the name where it stands (its pointer or its root).
 */
static size_t
name_unpack(const uint8_t *pkt, size_t len, size_t off, uint8_t *out,
    int fold, size_t *after)
{
	size_t	 pos = off, n = 0, i, t, end = 0;
	int	 hops = 0;

	for (;;) {
		uint8_t	 c;

		if (pos >= len)
			return 0;
		c = pkt[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > MSG_MAXHOPS)
				return 0;
			t = ((size_t)(c & 0x3f) << 8) | pkt[pos + 1];
			if (t >= pos)
				return 0;
			if (end == 0)
				end = pos + 2;
			pos = t;
			continue;
		}
		if ((c & 0xc0) || n + c + 1 > DNS_MAXNAME ||
		    len - pos < (size_t)c + 1)
			return 0;
		out[n] = c;
		for (i = 1; i <= c; i++)
			out[n + i] = fold ? lower(pkt[pos + i]) : pkt[pos + i];
		n += c + 1;
		if (c == 0) {
			if (after != NULL)
				*after = end != 0 ? end : pos + 1;
			return n;
		}
		pos += c + 1;
	}
}

/* The name at pkt[off], decompressed and lower-cased into out. */
static size_t
name_flatten(const uint8_t *pkt, size_t len, size_t off, uint8_t *out)
{
	return name_unpack(pkt, len, off, out, 1, NULL);
}

/* An RRset whose signatures no longer match: section, type, owner. */
struct svc_set {
	int		 section;
	uint16_t	 type;
	size_t		 namelen;
	uint8_t		 name[DNS_MAXNAME];
};

struct svc_sets {
	struct svc_set	 set[SVC_MAXSETS];
	size_t		 n;
	int		 all[3];	/* too many: every SVCB/HTTPS set */
};

static int
svc_set_has(const struct svc_sets *s, int section, uint16_t type,
    const uint8_t *name, size_t namelen)
{
	size_t	 i;

	if (s->all[section] && svc_type(type))
		return 1;
	for (i = 0; i < s->n; i++)
		if (s->set[i].section == section && s->set[i].type == type &&
		    s->set[i].namelen == namelen &&
		    memcmp(s->set[i].name, name, namelen) == 0)
			return 1;
	return 0;
}

static void
svc_set_add(struct svc_sets *s, const uint8_t *pkt, const struct msg_rr *rr)
{
	uint8_t	 name[DNS_MAXNAME];
	size_t	 n;

	if ((n = name_flatten(pkt, rr->end, rr->owner, name)) == 0) {
		s->all[rr->section] = 1;	/* cannot tell which: all */
		return;
	}
	if (svc_set_has(s, rr->section, rr->type, name, n))
		return;
	if (s->n == SVC_MAXSETS) {
		s->all[rr->section] = 1;
		return;
	}
	s->set[s->n].section = rr->section;
	s->set[s->n].type = rr->type;
	s->set[s->n].namelen = n;
	memcpy(s->set[s->n].name, name, n);
	s->n++;
}

/* Whether the RRSIG rr signs an RRset of s. */
static int
svc_sig_stale(const struct svc_sets *s, const uint8_t *pkt,
    const struct msg_rr *rr)
{
	uint8_t	 name[DNS_MAXNAME];
	size_t	 n;

	if (rr->type != DNS_TYPE_RRSIG || rr->rdlen < 2 ||
	    !svc_type(get16(pkt + rr->rdata)))
		return 0;
	if (s->all[rr->section])
		return 1;
	if ((n = name_flatten(pkt, rr->end, rr->owner, name)) == 0)
		return 1;	/* cannot tell: it goes */
	return svc_set_has(s, rr->section, get16(pkt + rr->rdata), name, n);
}

/*
 * The SVCB or HTTPS record rr written again without SvcParam key (its
 * SvcParams start at params, checked by svc_params), and without key in
 * its mandatory list; a mandatory list left empty goes.  0/-1.
 */
static int
emit_svc(struct emitter *e, const uint8_t *pkt, const struct msg_rr *rr,
    size_t params, uint16_t key)
{
	size_t		 pos, end = rr->end, vlen, rdlen_at, i, drop;
	uint16_t	 k;

	if (emit_name(e, pkt, rr->end, rr->owner, 1) == -1 ||
	    emit_bytes(e, pkt, rr->ttl - 4, MSG_RRFIXED - 2) == -1 ||
	    e->size - e->off < 2)
		return -1;
	rdlen_at = e->off;
	e->off += 2;
	/* SvcPriority, then TargetName, never compressed (RFC 9460 2.2). */
	if (emit_bytes(e, pkt, rr->rdata, 2) == -1 ||
	    emit_name(e, pkt, end, rr->rdata + 2, 0) == -1)
		return -1;
	for (pos = params; pos < end; pos += 4 + vlen) {
		k = get16(pkt + pos);
		vlen = get16(pkt + pos + 2);
		if (k == key)
			continue;
		if (k != SVC_KEY_MANDATORY) {
			if (emit_bytes(e, pkt, pos, 4 + vlen) == -1)
				return -1;
			continue;
		}
		for (i = 0, drop = 0; i < vlen; i += 2)
			if (get16(pkt + pos + 4 + i) == key)
				drop += 2;
		if (drop == vlen)
			continue;	/* it named key alone */
		if (e->size - e->off < 4)
			return -1;
		put16(e->out + e->off, SVC_KEY_MANDATORY);
		put16(e->out + e->off + 2, (uint16_t)(vlen - drop));
		e->off += 4;
		for (i = 0; i < vlen; i += 2)
			if (get16(pkt + pos + 4 + i) != key &&
			    emit_bytes(e, pkt, pos + 4 + i, 2) == -1)
				return -1;
	}
	if (e->off - rdlen_at - 2 > UINT16_MAX)
		return -1;
	put16(e->out + rdlen_at, (uint16_t)(e->off - rdlen_at - 2));
	return 0;
}

size_t
msg_svc_strip(uint8_t *ans, size_t len, size_t max, uint16_t key)
{
	static struct svc_sets	 sets;	/* single-threaded scratch */
	struct emitter		 em, *e = &em;
	struct msg_iter		 it;
	struct msg_rr		 rr;
	uint16_t		 kept[3] = { 0, 0, 0 };
	size_t			 params, j;
	unsigned int		 nrr = 0, n;
	int			 r;

	if (len > DNS_MAXMSG || msg_iter_start(&it, ans, len) == -1)
		return 0;
	sets.n = 0;
	memset(sets.all, 0, sizeof(sets.all));
	/* First pass: which RRsets change.  Bounded by the counts. */
	while ((r = msg_iter_next(&it, &rr)) == 1) {
		nrr++;
		if (svc_type(rr.type) && svc_params(ans, &rr, key, &params) ==
		    1)
			svc_set_add(&sets, ans, &rr);
	}
	if (r == -1 || (sets.n == 0 && !sets.all[0] && !sets.all[1] &&
	    !sets.all[2]))
		return 0;

	e->out = emit_buf;
	e->size = max < DNS_MAXMSG ? max : DNS_MAXMSG;
	e->ntargets = 0;
	e->off = 0;
	(void)msg_iter_start(&it, ans, len);
	memset(emit_map, 0xff, len * sizeof(emit_map[0]));
	if (emit_bytes(e, ans, 0, it.qend) == -1)
		return 0;
	for (j = DNS_HDRLEN; ans[j] != 0 && e->ntargets < EMIT_MAXTARGETS;
	    j += ans[j] + 1)
		e->targets[e->ntargets++] = (uint16_t)j;
	for (n = 0; n < nrr; n++) {
		if (msg_iter_next(&it, &rr) != 1)
			return 0;
		if (svc_sig_stale(&sets, ans, &rr))
			continue;
		if (svc_type(rr.type) && svc_params(ans, &rr, key, &params) ==
		    1) {
			if (emit_svc(e, ans, &rr, params, key) == -1)
				return 0;
		} else if (emit_rr(e, ans, &rr) == -1)
			return 0;
		kept[rr.section]++;
	}
	for (j = 0; j < 3; j++)
		put16(e->out + 6 + 2 * j, kept[j]);
	/* The signatures that went no longer vouch for the answer. */
	put16(e->out + 2, get16(e->out + 2) & ~DNS_FLAG_AD);
	memcpy(ans, emit_buf, e->off);
	return e->off;
}

/*
 * The upstream's answer made the client's.  Defensive although the answer
 * was checked: whatever the bytes, nothing is read or written outside
 * ans[0..len).  An answer that cannot be made sense of (no question of
 * q's length) gives 0: the caller has nothing to send and answers
 * SERVFAIL itself.  Records that do not parse (by msg_iter_next) end the
 * message there; it is then marked TC so the client does not trust the
 * remainder.
 */
/*
 * The work of msg_finish_answer and msg_finish_answer_opt: bufsz > 0 is
 * the size of ans's buffer, where an OPT RR may be added.
 */
static size_t
finish_answer(uint8_t *ans, size_t len, size_t bufsz, const struct query *q,
    size_t limit)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	size_t		 qend, newlen, opt = 0, optend = 0, n;
	uint16_t	 kept[3] = { 0, 0, 0 };
	unsigned int	 nrr = 0;
	int		 have_opt = 0, cut = 0, r, j;

	if (len < DNS_HDRLEN || q->qname_len == 0 ||
	    q->qname_len > DNS_MAXNAME ||
	    name_len_flat(ans, len, DNS_HDRLEN) != q->qname_len ||
	    len - DNS_HDRLEN - q->qname_len < 4)
		return 0;
	put16(ans, q->id);
	put16(ans + 4, 1);
	msg_answer_flags(ans, q);
	memcpy(ans + DNS_HDRLEN, q->qname_case, q->qname_len);
	qend = DNS_HDRLEN + q->qname_len + 4;

	/* One walk, bounded by the counts and by len. */
	if (msg_iter_start(&it, ans, len) == -1)
		return 0;
	while ((r = msg_iter_next(&it, &rr)) == 1) {
		kept[rr.section]++;
		nrr++;
		if (rr.type == DNS_TYPE_OPT) {
			have_opt = 1;
			opt = rr.owner;
			optend = rr.end;
			/* The UDP size is ours to say to our client, not
			 * the upstream's (RFC 6891 6.2.3). */
			put16(ans + rr.ttl - 2, (uint16_t)edns_max);
		}
	}
	if (r == -1)
		cut = 1;
	/* Trailing bytes after the last record are not passed on. */
	len = it.end;
	for (j = 0; j < 3; j++)
		put16(ans + 6 + 2 * j, kept[j]);
	if (cut)
		put16(ans + 2, get16(ans + 2) | DNS_FLAG_TC);

	if (have_opt && !q->edns) {
		if (optend == len) {
			/* The last record: nothing can point into it. */
			len = opt;
			put16(ans + 10, kept[2] - 1);
		} else if ((n = answer_reemit(ans, len, nrr)) != 0) {
			memcpy(ans, emit_buf, n);
			len = n;
		} else
			len = limit + 1;	/* cannot: truncate below */
		have_opt = 0;
	}

	/*
	 * RFC 6891 6.1.1: a query with EDNS gets an OPT RR back, even when
	 * the upstream's answer had none (one asked without EDNS: the
	 * fallback for an EDNS-intolerant server).  Where it does not fit
	 * under limit, the answer is truncated below, with an OPT.
	 */
	if (bufsz > 0 && q->edns && !have_opt && !cut) {
		if (len + MSG_OPTLEN > limit)
			goto truncate;
		if (len + MSG_OPTLEN <= bufsz && get16(ans + 10) < UINT16_MAX) {
			ans[len] = 0;
			put16(ans + len + 1, DNS_TYPE_OPT);
			put16(ans + len + 3, (uint16_t)edns_max);
			put32(ans + len + 5, q->edns_do ? 0x8000 : 0);
			put16(ans + len + 9, 0);
			put16(ans + 10, get16(ans + 10) + 1);
			len += MSG_OPTLEN;
		}
	}
	if (len <= limit)
		return len;

 truncate:
	/*
	 * Too long for the client: header and question, TC set, and for an
	 * EDNS client the upstream's OPT as it came or, failing that, a
	 * minimal one of our own.
	 */
	newlen = qend;
	put16(ans + 2, get16(ans + 2) | DNS_FLAG_TC);
	put16(ans + 6, 0);
	put16(ans + 8, 0);
	put16(ans + 10, 0);
	if (!q->edns)
		return newlen;
	if (have_opt && newlen + (optend - opt) <= limit) {
		memmove(ans + newlen, ans + opt, optend - opt);
		newlen += optend - opt;
		put16(ans + 10, 1);
	} else if (len - newlen >= MSG_OPTLEN) {
		uint32_t	 ttl = q->edns_do ? 0x8000 : 0;

		if (have_opt)			/* keep its rcode */
			ttl = get32(ans + opt + 5) & 0xff008000;
		ans[newlen] = 0;
		put16(ans + newlen + 1, DNS_TYPE_OPT);
		put16(ans + newlen + 3, (uint16_t)edns_max);
		put32(ans + newlen + 5, ttl);
		put16(ans + newlen + 9, 0);
		newlen += MSG_OPTLEN;
		put16(ans + 10, 1);
	}
	return newlen;
}

size_t
msg_finish_answer(uint8_t *ans, size_t len, const struct query *q,
    size_t limit)
{
	return finish_answer(ans, len, 0, q, limit);
}

size_t
msg_finish_answer_opt(uint8_t *ans, size_t len, size_t bufsz,
    const struct query *q, size_t limit)
{
	return finish_answer(ans, len, bufsz, q, limit);
}

void
msg_name_text(const uint8_t *wire, size_t len, char *buf, size_t bufsz)
{
	size_t	 pos = 0, o = 0;
	int	 first = 1;

	if (bufsz == 0)
		return;
	buf[0] = '\0';

/* Append s (n bytes) if it fits with the NUL; otherwise stop. */
#define NAME_PUT(s, n) do {					\
	if (o + (n) >= bufsz)					\
		goto done;					\
	memcpy(buf + o, (s), (n));				\
	o += (n);						\
} while (0)

	while (pos < len && pos < DNS_MAXNAME) {
		size_t	 l = wire[pos], j;

		if (l == 0 || l > DNS_MAXLABEL || pos + 1 + l > len)
			break;
		if (!first)
			NAME_PUT(".", 1);
		first = 0;
		for (j = 0; j < l; j++) {
			uint8_t	 c = wire[pos + 1 + j];
			char	 esc[5];

			if (c == '.' || c == '\\') {
				esc[0] = '\\';
				esc[1] = c;
				NAME_PUT(esc, 2);
			} else if (c <= 0x20 || c >= 0x7f) {
				snprintf(esc, sizeof(esc), "\\%03u",
				    (unsigned)c);
				NAME_PUT(esc, 4);
			} else
				NAME_PUT(&c, 1);
		}
		pos += 1 + l;
	}
	NAME_PUT(".", 1);
done:
	buf[o] = '\0';
#undef NAME_PUT
}

const char *
msg_type_text(uint16_t type, char *buf, size_t bufsz)
{
	static const struct {
		uint16_t	 type;
		const char	*name;
	} types[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" },
		{ 12, "PTR" }, { 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" },
		{ 28, "AAAA" }, { 33, "SRV" }, { 35, "NAPTR" },
		{ 39, "DNAME" }, { 41, "OPT" }, { 43, "DS" }, { 46, "RRSIG" },
		{ 47, "NSEC" }, { 48, "DNSKEY" }, { 50, "NSEC3" },
		{ 52, "TLSA" }, { 64, "SVCB" }, { 65, "HTTPS" },
		{ 251, "IXFR" }, { 252, "AXFR" }, { 255, "ANY" },
		{ 257, "CAA" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	if (bufsz == 0)
		return "TYPE?";
	snprintf(buf, bufsz, "TYPE%u", (unsigned)type);
	return buf;
}

size_t
msg_name_flat(const uint8_t *pkt, size_t len, size_t off, uint8_t *out)
{
	return name_flatten(pkt, len, off, out);
}

const char *
msg_rcode_text(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE",
	};

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == 16)
		return "BADVERS";
	return "RCODE?";
}

unsigned int
msg_answer_count(const uint8_t *ans, size_t len, uint16_t type)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	unsigned int	 n = 0;

	if (msg_iter_start(&it, ans, len) == -1)
		return 0;
	while (msg_iter_next(&it, &rr) == 1 && rr.section == MSG_SEC_ANSWER)
		if (rr.type == type)
			n++;
	return n;
}

/* ---- records as text (dump-cache) --------------------------------------- */

/*
 * The name at pkt[off], compression followed (backwards only, at most
 * DNS_MAXNAME bytes and 64 pointers), as text into buf; the offset after
 * it in the record, or 0 if malformed.
 */
static size_t
rr_name_text(const uint8_t *pkt, size_t len, size_t off, char *buf,
    size_t bufsz)
{
	uint8_t		 wire[DNS_MAXNAME];
	size_t		 w, after;

	if ((w = name_unpack(pkt, len, off, wire, 0, &after)) == 0)
		return 0;
	if (w == 1)
		snprintf(buf, bufsz, ".");
	else {
		msg_name_text(wire, w, buf, bufsz);
		if (strlen(buf) + 1 < bufsz && buf[strlen(buf) - 1] != '.')
			strcat(buf, ".");
	}
	return after;
}

size_t
msg_rr_text(const uint8_t *pkt, size_t len, const struct msg_rr *rr,
    uint32_t ttl, char *buf, size_t bufsz)
{
	char		 owner[1100], n1[1100], n2[1100], type[16], cls[16];
	const uint8_t	*rd = pkt + rr->rdata;
	size_t		 o, i, end = rr->rdata + rr->rdlen;
	int		 w;

	if (bufsz == 0 || rr_name_text(pkt, len, rr->owner, owner,
	    sizeof(owner)) == 0 || end > len)
		return 0;
	if (rr->class == DNS_CLASS_IN)
		snprintf(cls, sizeof(cls), "IN");
	else
		snprintf(cls, sizeof(cls), "CLASS%u", rr->class);
	w = snprintf(buf, bufsz, "%s %u %s %s ", owner, ttl, cls,
	    msg_type_text(rr->type, type, sizeof(type)));
	if (w < 0 || (size_t)w >= bufsz)
		return 0;
	o = (size_t)w;
#define RR_PUT(...) do {						\
	w = snprintf(buf + o, bufsz - o, __VA_ARGS__);			\
	if (w < 0 || (size_t)w >= bufsz - o)				\
		return 0;						\
	o += (size_t)w;							\
} while (0)
	switch (rr->type) {
	case DNS_TYPE_A:
		if (rr->rdlen != 4)
			goto generic;
		RR_PUT("%u.%u.%u.%u", rd[0], rd[1], rd[2], rd[3]);
		return o;
	case DNS_TYPE_AAAA:
		if (rr->rdlen != 16 || inet_ntop(AF_INET6, rd, n1,
		    sizeof(n1)) == NULL)
			goto generic;
		RR_PUT("%s", n1);
		return o;
	case 2: case 5: case 12: case 39:	/* NS, CNAME, PTR, DNAME */
		if (rr_name_text(pkt, end, rr->rdata, n1, sizeof(n1)) != end)
			goto generic;
		RR_PUT("%s", n1);
		return o;
	case 15:				/* MX */
		if (rr->rdlen < 3 || rr_name_text(pkt, end, rr->rdata + 2, n1,
		    sizeof(n1)) != end)
			goto generic;
		RR_PUT("%u %s", (unsigned)(rd[0] << 8 | rd[1]), n1);
		return o;
	case 6: {				/* SOA */
		size_t	 a, b;

		if ((a = rr_name_text(pkt, end, rr->rdata, n1,
		    sizeof(n1))) == 0 || (b = rr_name_text(pkt, end, a, n2,
		    sizeof(n2))) == 0 || b + 20 != end)
			goto generic;
		RR_PUT("%s %s", n1, n2);
		for (i = 0; i < 5; i++)
			RR_PUT(" %u", (unsigned)((uint32_t)pkt[b + 4 * i] << 24 |
			    (uint32_t)pkt[b + 4 * i + 1] << 16 |
			    (uint32_t)pkt[b + 4 * i + 2] << 8 |
			    pkt[b + 4 * i + 3]));
		return o;
	}
	case 16:				/* TXT */
		for (i = 0; i < rr->rdlen; ) {
			size_t	 l = rd[i], j;

			if (i + 1 + l > rr->rdlen)
				goto generic;
			RR_PUT("%s\"", i > 0 ? " " : "");
			for (j = 0; j < l; j++) {
				uint8_t	 c = rd[i + 1 + j];

				if (c == '"' || c == '\\')
					RR_PUT("\\%c", c);
				else if (c < 0x20 || c >= 0x7f)
					RR_PUT("\\%03u", (unsigned)c);
				else
					RR_PUT("%c", c);
			}
			RR_PUT("\"");
			i += 1 + l;
		}
		return o;
	}
generic:	/* RFC 3597 */
	o = (size_t)snprintf(buf, bufsz, "%s %u %s %s ", owner, ttl, cls,
	    msg_type_text(rr->type, type, sizeof(type)));
	RR_PUT("\\# %zu%s", rr->rdlen, rr->rdlen > 0 ? " " : "");
	for (i = 0; i < rr->rdlen; i++)
		RR_PUT("%02x", rd[i]);
#undef RR_PUT
	return o;
}
