/*
 * msg.c: DNS messages on the wire.
 *
 * The only code that reads raw bytes from clients and upstreams.  Queries
 * are parsed by hand into a struct query; the answers briskdns makes itself
 * are written by hand into the caller's buffer; upstream answers are checked
 * by hand (ID, question) and then, unless truncated, parsed whole by ldns,
 * which is the only allocation in this file.
 *
 * Invariants: every read of packet data is preceded by a bounds check
 * against the packet length; every loop over packet data is bounded by the
 * packet length, by the record counts of the header (at most 65535) and,
 * for compression pointers, by MSG_MAXHOPS and the requirement that a
 * pointer points strictly backwards.  No function writes past bufsz.
 */
#include <stdio.h>
#include <string.h>

#include <ldns/ldns.h>

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

size_t
msg_skip_name(const uint8_t *pkt, size_t len, size_t off)
{
	size_t	 pos = off, end = 0, total = 0;
	int	 hops = 0;

	/* Each iteration consumes a label or a pointer; both bounded. */
	for (;;) {
		uint8_t	 c;

		if (pos >= len)
			return 0;
		c = pkt[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t	 target;

			if (pos + 1 >= len || ++hops > MSG_MAXHOPS)
				return 0;
			target = ((size_t)(c & 0x3f) << 8) | pkt[pos + 1];
			/* Only backwards: no loops, no forward references. */
			if (target >= pos)
				return 0;
			if (end == 0)
				end = pos + 2;
			pos = target;
			continue;
		}
		if (c & 0xc0)		/* 0x40, 0x80: no such label types */
			return 0;
		total += c + 1;
		if (total > DNS_MAXNAME)
			return 0;
		if (c == 0)
			return end ? end : pos + 1;
		pos += c + 1;
	}
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
	q->edns_opts_len = 0;
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
			    rdlen > sizeof(q->edns_opts) ||
			    opts_valid(pkt + off, rdlen) == -1)
				return MSG_FORMERR;
			q->edns = 1;
			q->edns_size = get16(pkt + start + 3);
			if (q->edns_size < DNS_UDP_DEFAULT)
				q->edns_size = DNS_UDP_DEFAULT;
			q->edns_do = (ttl & 0x8000) != 0;
			memcpy(q->edns_opts, pkt + off, rdlen);
			q->edns_opts_len = rdlen;
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
	return q->edns_size;
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
 * An OPT RR at buf[off] for our own answers: DNS_EDNS_OFFER, the client's
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
	put16(buf + off + 3, DNS_EDNS_OFFER);
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

/*
 * The client's EDNS options that go upstream: all but the hop-by-hop ones
 * (RFC 6891 6.1.1), which are between the client and briskdns only:
 * COOKIE (RFC 7873: a cookie exchanged with the upstream would reach other
 * clients through the cache), edns-tcp-keepalive and padding.  The
 * options were checked by msg_parse_query().  Returns the bytes written.
 */
static size_t
forward_opts(const struct query *q, uint8_t *out)
{
	size_t		 off = 0, w = 0, olen;
	uint16_t	 code;

	while (q->edns_opts_len - off >= 4) {
		code = get16(q->edns_opts + off);
		olen = 4 + (size_t)get16(q->edns_opts + off + 2);
		if (olen > q->edns_opts_len - off)
			break;
		if (code != DNS_EDNS_OPT_COOKIE &&
		    code != DNS_EDNS_OPT_KEEPALIVE &&
		    code != DNS_EDNS_OPT_PADDING) {
			memcpy(out + w, q->edns_opts + off, olen);
			w += olen;
		}
		off += olen;
	}
	return w;
}

size_t
msg_build_forward(const struct query *q, uint16_t id, int flags,
    uint8_t *buf, size_t bufsz)
{
	int	 tcp = (flags & MSG_FWD_TCP) != 0;
	size_t	 pre = tcp ? 2 : 0, off, need, olen;
	uint8_t	*p;

	if (q->qname_len == 0 || q->qname_len > DNS_MAXNAME ||
	    q->edns_opts_len > sizeof(q->edns_opts))
		return 0;
	need = pre + DNS_HDRLEN + q->qname_len + 4 + MSG_OPTLEN +
	    q->edns_opts_len;
	if (bufsz < need)
		return 0;
	p = buf + pre;
	put16(p, id);
	put16(p + 2, q->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
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
	p[off] = 0;
	put16(p + off + 1, DNS_TYPE_OPT);
	put16(p + off + 3, DNS_EDNS_OFFER);
	put32(p + off + 5, q->edns_do ? 0x8000 : 0);
	olen = forward_opts(q, p + off + MSG_OPTLEN);
	put16(p + off + 9, (uint16_t)olen);
	off += MSG_OPTLEN + olen;
 done:
	if (tcp)
		put16(buf, off);
	return pre + off;
}

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
	ldns_pkt	*pkt = NULL;
	ldns_status	 st;
	uint16_t	 flags;

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

	st = ldns_wire2pkt(&pkt, ans, len);
	if (pkt != NULL)
		ldns_pkt_free(pkt);
	return st == LDNS_STATUS_OK ? ANSWER_OK : ANSWER_MALFORMED;
}

/* One resource record found by rr_walk(). */
struct rr_span {
	size_t		 start;		/* owner name */
	size_t		 end;		/* after RDATA */
	uint16_t	 type;
};

/* The RR at ans[off], or -1 if it runs past len or is malformed. */
static int
rr_at(const uint8_t *ans, size_t len, size_t off, struct rr_span *rr)
{
	size_t	 p, rdlen;

	if ((p = msg_skip_name(ans, len, off)) == 0 || len - p < MSG_RRFIXED)
		return -1;
	rdlen = get16(ans + p + 8);
	if (len - p - MSG_RRFIXED < rdlen)
		return -1;
	rr->start = off;
	rr->type = get16(ans + p);
	rr->end = p + MSG_RRFIXED + rdlen;
	return 0;
}

/*
 * The upstream's answer made the client's.  Defensive although the answer
 * was checked: whatever the bytes, nothing is read or written outside
 * ans[0..len).  An answer that cannot be made sense of (no question of
 * q's length) gives 0: the caller has nothing to send and answers
 * SERVFAIL itself.  Records that do not parse end the message there; it
 * is then marked TC so the client does not trust the remainder.
 */
size_t
msg_finish_answer(uint8_t *ans, size_t len, const struct query *q,
    size_t limit)
{
	struct rr_span	 rr, opt;
	size_t		 qend, r, w, rrlen, sec, newlen;
	uint16_t	 counts[3], kept[3];
	int		 have_opt = 0, cut = 0;
	uint32_t	 i;

	if (len < DNS_HDRLEN || q->qname_len == 0 ||
	    q->qname_len > DNS_MAXNAME ||
	    name_len_flat(ans, len, DNS_HDRLEN) != q->qname_len ||
	    len - DNS_HDRLEN - q->qname_len < 4)
		return 0;
	put16(ans, q->id);
	put16(ans + 4, 1);
	memcpy(ans + DNS_HDRLEN, q->qname_case, q->qname_len);
	qend = DNS_HDRLEN + q->qname_len + 4;

	/*
	 * Walk every record once (bounded by the counts and by len, each
	 * record being at least 11 bytes), reading at r and writing at w:
	 * an OPT for a client that has none is left out, everything else
	 * moved down over the gap, so the work stays linear however many
	 * OPT records a hostile answer carries.  (A name in a later record
	 * compressed against a record that moved would point amiss; OPT
	 * comes last in practice, followed at most by TSIG, whose names are
	 * never compressed.)
	 */
	r = w = qend;
	memset(&opt, 0, sizeof(opt));
	for (sec = 0; sec < 3; sec++) {
		counts[sec] = get16(ans + 6 + 2 * sec);
		kept[sec] = 0;
		for (i = 0; i < counts[sec] && !cut; i++) {
			if (rr_at(ans, len, r, &rr) == -1) {
				cut = 1;
				break;
			}
			rrlen = rr.end - rr.start;
			r = rr.end;
			if (sec == 2 && rr.type == DNS_TYPE_OPT) {
				if (!q->edns)
					continue;
				if (!have_opt) {
					have_opt = 1;
					opt.start = w;
					opt.end = w + rrlen;
				}
			}
			if (w != rr.start)
				memmove(ans + w, ans + rr.start, rrlen);
			w += rrlen;
			kept[sec]++;
		}
		put16(ans + 6 + 2 * sec, kept[sec]);
	}
	/* Trailing bytes after the last record are not passed on. */
	len = w;
	if (cut)
		put16(ans + 2, get16(ans + 2) | DNS_FLAG_TC);

	if (len <= limit)
		return len;

	/*
	 * Too long for the client: header and question, TC set, and for an
	 * EDNS client the upstream's OPT as it came (when its owner is the
	 * plain root) or, failing that, a minimal one of our own.
	 */
	newlen = qend;
	put16(ans + 2, get16(ans + 2) | DNS_FLAG_TC);
	put16(ans + 6, 0);
	put16(ans + 8, 0);
	put16(ans + 10, 0);
	if (!q->edns)
		return newlen;
	if (have_opt && ans[opt.start] == 0 &&
	    newlen + (opt.end - opt.start) <= limit) {
		memmove(ans + newlen, ans + opt.start, opt.end - opt.start);
		newlen += opt.end - opt.start;
		put16(ans + 10, 1);
	} else if (len - newlen >= MSG_OPTLEN) {
		uint32_t	 ttl = q->edns_do ? 0x8000 : 0;

		if (have_opt && ans[opt.start] == 0)	/* keep its rcode */
			ttl = get32(ans + opt.start + 5) & 0xff008000;
		ans[newlen] = 0;
		put16(ans + newlen + 1, DNS_TYPE_OPT);
		put16(ans + newlen + 3, DNS_EDNS_OFFER);
		put32(ans + newlen + 5, ttl);
		put16(ans + newlen + 9, 0);
		newlen += MSG_OPTLEN;
		put16(ans + 10, 1);
	}
	return newlen;
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
	size_t		 off;
	unsigned int	 i, an, n = 0;

	if (len < DNS_HDRLEN || get16(ans + 4) != 1)
		return 0;
	if ((off = msg_skip_name(ans, len, DNS_HDRLEN)) == 0 ||
	    len - off < 4)
		return 0;
	off += 4;
	an = get16(ans + 6);
	for (i = 0; i < an; i++) {
		if ((off = msg_skip_name(ans, len, off)) == 0 ||
		    len - off < MSG_RRFIXED ||
		    len - off - MSG_RRFIXED < get16(ans + off + 8))
			return n;
		if (get16(ans + off) == type)
			n++;
		off += MSG_RRFIXED + get16(ans + off + 8);
	}
	return n;
}
