/*
 * test_ippkt.c: unit tests of the interception door's packet module
 * (src/ippkt.c).
 *
 * Packets are assembled here from readable parts (IPv4 with and without
 * options, IPv6 with extension headers, fragments, other protocols, bad
 * lengths), parsed, and every truncation of a good packet is parsed from a
 * buffer of exactly that size so that a sanitizer sees any overrun.
 * Replies are parsed back and their checksums verified by a sum written
 * here, independently of the module's, and pinned by vectors computed
 * with Python.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "ippkt.h"

#define T_BUFSZ		70000

/* ---- packet assembly ---------------------------------------------------- */

static const uint8_t t_src4[4] = { 198, 51, 100, 7 };
static const uint8_t t_dst4[4] = { 192, 0, 2, 53 };
static const uint8_t t_src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
static const uint8_t t_dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };

/* A query for "a." AAAA, ID 0x1234. */
static const uint8_t t_dns[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	1, 'a', 0, 0, 28, 0, 1,
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#define EXT_END	-1

struct pcase {
	const char	*name;
	int		 family;
	int		 optlen;	/* IPv4 options, bytes (multiple of 4) */
	int		 ext[4];	/* IPv6 extension headers, EXT_END */
	int		 extlen8;	/* their length field (8-byte units) */
	int		 proto;		/* IPv4 protocol, IPv6 last header */
	uint16_t	 frag;		/* IPv4 flags and fragment offset */
	uint16_t	 dport;
	int		 ulen_delta;	/* added to the UDP length field */
	int		 iplen_delta;	/* added to the IP length field */
	int		 trail;		/* bytes after the datagram */
	int		 version;	/* 0: from family */
	int		 ok;		/* expected: 0 or -1 */
};

/* Builds the packet of c into buf, returns its length. */
static size_t
build(const struct pcase *c, uint8_t *buf)
{
	size_t	 hlen, off, ulen, i;
	uint8_t	*udp;

	memset(buf, 0, T_BUFSZ);
	ulen = 8 + sizeof(t_dns);
	if (c->family == AF_INET) {
		hlen = 20 + (size_t)c->optlen;
		buf[0] = (uint8_t)((c->version ? c->version : 4) << 4 |
		    hlen / 4);
		put16(buf + 2, (uint16_t)(hlen + ulen + c->iplen_delta));
		put16(buf + 4, 0xbeef);
		put16(buf + 6, c->frag);
		buf[8] = 61;
		buf[9] = (uint8_t)c->proto;
		memcpy(buf + 12, t_src4, 4);
		memcpy(buf + 16, t_dst4, 4);
		/* Options: NOPs then an end-of-list. */
		for (i = 20; i < hlen; i++)
			buf[i] = 1;
		if (hlen > 20)
			buf[hlen - 1] = 0;
		off = hlen;
	} else {
		buf[0] = (uint8_t)((c->version ? c->version : 6) << 4);
		buf[7] = 33;
		memcpy(buf + 8, t_src6, 16);
		memcpy(buf + 24, t_dst6, 16);
		off = 40;
		for (i = 0; i < 4 && c->ext[i] != EXT_END; i++) {
			/* The previous header names this one. */
			if (i == 0)
				buf[6] = (uint8_t)c->ext[i];
			else
				buf[off - (size_t)(c->extlen8 + 1) * 8] =
				    (uint8_t)c->ext[i];
			buf[off + 1] = (uint8_t)c->extlen8;
			/* Pad option PadN over the rest. */
			buf[off + 2] = 1;
			buf[off + 3] = (uint8_t)((c->extlen8 + 1) * 8 - 4);
			off += (size_t)(c->extlen8 + 1) * 8;
		}
		if (i == 0)
			buf[6] = (uint8_t)c->proto;
		else
			buf[off - (size_t)(c->extlen8 + 1) * 8] =
			    (uint8_t)c->proto;
		put16(buf + 4, (uint16_t)(off - 40 + ulen + c->iplen_delta));
	}
	udp = buf + off;
	put16(udp, 40000);
	put16(udp + 2, c->dport);
	put16(udp + 4, (uint16_t)(ulen + c->ulen_delta));
	put16(udp + 6, 0x1111);		/* not checked by the parser */
	memcpy(udp + 8, t_dns, sizeof(t_dns));
	return off + ulen + (size_t)c->trail;
}

#define V4(n, o, p, f, d, ud, id, tr, v, ok) \
	{ n, AF_INET, o, { EXT_END }, 0, p, f, d, ud, id, tr, v, ok }
#define V6(n, e0, e1, e2, l8, p, d, ud, id, tr, v, ok) \
	{ n, AF_INET6, 0, { e0, e1, e2, EXT_END }, l8, p, 0, d, ud, id, \
	  tr, v, ok }
#define E EXT_END

static const struct pcase pcases[] = {
	V4("v4 plain", 0, 17, 0, 53, 0, 0, 0, 0, 0),
	V4("v4 DF", 0, 17, 0x4000, 53, 0, 0, 0, 0, 0),
	V4("v4 options 4", 4, 17, 0, 53, 0, 0, 0, 0, 0),
	V4("v4 options 40", 40, 17, 0, 53, 0, 0, 0, 0, 0),
	V4("v4 trailing bytes", 0, 17, 0, 53, 0, 0, 6, 0, 0),
	V4("v4 MF", 0, 17, 0x2000, 53, 0, 0, 0, 0, -1),
	V4("v4 offset", 0, 17, 0x0001, 53, 0, 0, 0, 0, -1),
	V4("v4 last fragment", 0, 17, 0x00b9, 53, 0, 0, 0, 0, -1),
	V4("v4 TCP", 0, 6, 0, 53, 0, 0, 0, 0, -1),
	V4("v4 ICMP", 0, 1, 0, 53, 0, 0, 0, 0, -1),
	V4("v4 wrong port", 0, 17, 0, 5353, 0, 0, 0, 0, -1),
	V4("v4 UDP length short", 0, 17, 0, 53, -1, 0, 0, 0, -1),
	V4("v4 UDP length long", 0, 17, 0, 53, 1, 0, 0, 0, -1),
	V4("v4 UDP length < 8", 0, 17, 0, 53, -20, 0, 0, 0, -1),
	V4("v4 total length long", 0, 17, 0, 53, 0, 1, 0, 0, -1),
	V4("v4 total length short", 0, 17, 0, 53, 0, -1, 0, 0, -1),
	V4("v4 total < IHL", 0, 17, 0, 53, 0, -28, 0, 0, -1),
	V4("v4 version 5", 0, 17, 0, 53, 0, 0, 0, 5, -1),
	V6("v6 plain", E, E, E, 0, 17, 53, 0, 0, 0, 0, 0),
	V6("v6 trailing bytes", E, E, E, 0, 17, 53, 0, 0, 3, 0, 0),
	V6("v6 hop-by-hop", 0, E, E, 0, 17, 53, 0, 0, 0, 0, 0),
	V6("v6 dest options", 60, E, E, 1, 17, 53, 0, 0, 0, 0, 0),
	V6("v6 hbh+routing+dst", 0, 43, 60, 2, 17, 53, 0, 0, 0, 0, 0),
	V6("v6 hop-by-hop late", 60, 0, E, 0, 17, 53, 0, 0, 0, 0, -1),
	V6("v6 fragment", 44, E, E, 0, 17, 53, 0, 0, 0, 0, -1),
	V6("v6 hbh fragment", 0, 44, E, 0, 17, 53, 0, 0, 0, 0, -1),
	V6("v6 ESP", 50, E, E, 0, 17, 53, 0, 0, 0, 0, -1),
	V6("v6 AH", 51, E, E, 0, 17, 53, 0, 0, 0, 0, -1),
	V6("v6 TCP", E, E, E, 0, 6, 53, 0, 0, 0, 0, -1),
	V6("v6 no next header", E, E, E, 0, 59, 53, 0, 0, 0, 0, -1),
	V6("v6 dst then TCP", 60, E, E, 0, 6, 53, 0, 0, 0, 0, -1),
	V6("v6 wrong port", E, E, E, 0, 17, 54, 0, 0, 0, 0, -1),
	V6("v6 UDP length short", E, E, E, 0, 17, 53, -1, 0, 0, 0, -1),
	V6("v6 UDP length long", E, E, E, 0, 17, 53, 1, 0, 0, 0, -1),
	V6("v6 payload length long", E, E, E, 0, 17, 53, 0, 1, 0, 0, -1),
	V6("v6 payload length short", 60, E, E, 0, 17, 53, 0, -1, 0, 0, -1),
	V6("v6 ext past payload", 60, E, E, 0, 17, 53, 0, -20, 0, 0, -1),
	V6("v6 version 4", E, E, E, 0, 17, 53, 0, 0, 0, 4, -1),
};

START_TEST(test_parse)
{
	const struct pcase	*c = &pcases[_i];
	uint8_t			*buf, *exact;
	struct ipdns		 d;
	size_t			 len;
	int			 r;

	buf = malloc(T_BUFSZ);
	ck_assert_ptr_nonnull(buf);
	len = build(c, buf);
	/* Exactly len bytes, so that ASan sees a read past the end. */
	exact = malloc(len);
	ck_assert_ptr_nonnull(exact);
	memcpy(exact, buf, len);
	memset(&d, 0xa5, sizeof(d));
	/* Port 0 takes any port: a wrong-port case passes then. */
	if (ippkt_parse(exact, len, 0, &d) == 0 && c->ok == -1)
		ck_assert_uint_ne(d.dport, 53);
	if (c->ok == 0) {
		ck_assert_int_eq(ippkt_parse(exact, len, 0, &d), 0);
		ck_assert_int_eq(ippkt_parse(exact, len, 5353, &d), -1);
	}
	r = ippkt_parse(exact, len, 53, &d);
	ck_assert_msg(r == c->ok, "%s: got %d, want %d", c->name, r, c->ok);
	if (r == 0) {
		ck_assert_int_eq(d.family, c->family);
		ck_assert_uint_eq(d.sport, 40000);
		ck_assert_uint_eq(d.dport, 53);
		ck_assert_uint_eq(d.payload_len, sizeof(t_dns));
		ck_assert_mem_eq(d.payload, t_dns, sizeof(t_dns));
		ck_assert(d.payload >= exact && d.payload + d.payload_len <=
		    exact + len);
		if (c->family == AF_INET) {
			ck_assert_mem_eq(d.src, t_src4, 4);
			ck_assert_mem_eq(d.dst, t_dst4, 4);
			ck_assert_uint_eq(d.ttl, 61);
		} else {
			ck_assert_mem_eq(d.src, t_src6, 16);
			ck_assert_mem_eq(d.dst, t_dst6, 16);
			ck_assert_uint_eq(d.ttl, 33);
		}
	}
	free(exact);
	free(buf);
}
END_TEST

/* Every strict prefix of a good packet is refused, with no overrun. */
START_TEST(test_truncated)
{
	const struct pcase	*c = &pcases[_i];
	uint8_t			*buf, *exact;
	struct ipdns		 d;
	size_t			 len, n;

	if (c->ok != 0 || c->trail != 0)
		return;
	buf = malloc(T_BUFSZ);
	ck_assert_ptr_nonnull(buf);
	len = build(c, buf);
	for (n = 0; n < len; n++) {
		exact = malloc(n > 0 ? n : 1);
		ck_assert_ptr_nonnull(exact);
		memcpy(exact, buf, n);
		ck_assert_msg(ippkt_parse(exact, n, 53, &d) == -1,
		    "%s: prefix of %zu accepted", c->name, n);
		free(exact);
	}
	free(buf);
}
END_TEST

START_TEST(test_parse_odd)
{
	struct ipdns	 d;
	uint8_t		 pkt[64];
	size_t		 i;

	ck_assert_int_eq(ippkt_parse(NULL, 0, 53, &d), -1);
	ck_assert_int_eq(ippkt_parse(pkt, 0, 53, &d), -1);
	/* Garbage of every first byte does not parse. */
	for (i = 0; i < 256; i++) {
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = (uint8_t)i;
		ck_assert_int_eq(ippkt_parse(pkt, sizeof(pkt), 53, &d), -1);
	}
}
END_TEST

START_TEST(test_v6_ext_bound)
{
	uint8_t		 pkt[40 + 9 * 8 + 8 + sizeof(t_dns)];
	struct ipdns	 d;
	size_t		 off, n, i;

	/* 8 destination-options headers are walked, 9 are too many. */
	for (n = 8; n <= 9; n++) {
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x60;
		pkt[6] = 60;
		off = 40;
		for (i = 0; i < n; i++) {
			pkt[off] = i + 1 < n ? 60 : 17;
			pkt[off + 1] = 0;
			off += 8;
		}
		put16(pkt + off + 2, 53);
		put16(pkt + off + 4, 8 + sizeof(t_dns));
		memcpy(pkt + off + 8, t_dns, sizeof(t_dns));
		put16(pkt + 4, (uint16_t)(off - 40 + 8 + sizeof(t_dns)));
		ck_assert_int_eq(ippkt_parse(pkt, off + 8 + sizeof(t_dns), 53,
		    &d), n == 8 ? 0 : -1);
	}
	/* A jumbogram (payload length 0) is not ours. */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60;
	pkt[6] = 0;
	ck_assert_int_eq(ippkt_parse(pkt, sizeof(pkt), 53, &d), -1);
}
END_TEST

/* ---- replies -------------------------------------------------------------- */

/* An independent Internet checksum sum: 0xffff when the data is right. */
static uint16_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t
pseudo_udp_sum(int family, const uint8_t *ip, const uint8_t *udp,
    size_t udplen)
{
	uint8_t		 ph[40];
	size_t		 n;

	memset(ph, 0, sizeof(ph));
	if (family == AF_INET) {
		memcpy(ph, ip + 12, 8);
		ph[9] = 17;
		put16(ph + 10, (uint16_t)udplen);
		n = 12;
	} else {
		memcpy(ph, ip + 8, 32);
		ph[32] = (udplen >> 24) & 0xff;
		ph[33] = (udplen >> 16) & 0xff;
		ph[34] = (udplen >> 8) & 0xff;
		ph[35] = udplen & 0xff;
		ph[39] = 17;
		n = 40;
	}
	return sum16(udp, udplen, sum16(ph, n, 0));
}

static const size_t reply_sizes[] = { 0, 1, 12, 19, 33, 512, 1232, 4096,
	65507 };

START_TEST(test_reply_roundtrip)
{
	static const struct pcase c4 =
	    V4("v4", 8, 17, 0, 53, 0, 0, 0, 0, 0);
	static const struct pcase c6 =
	    V6("v6", 0, 60, E, 1, 17, 53, 0, 0, 0, 0, 0);
	const struct pcase	*c = (_i & 1) ? &c6 : &c4;
	size_t			 dnslen = reply_sizes[_i / 2];
	uint8_t			*qbuf, *dns, *rbuf;
	struct ipdns		 q, r;
	size_t			 qlen, rlen, hlen, i;

	if (c->family == AF_INET6 && dnslen == 65507)
		dnslen = 65527;		/* the largest v6 UDP payload */
	qbuf = malloc(T_BUFSZ);
	dns = malloc(T_BUFSZ);
	rbuf = malloc(T_BUFSZ);
	ck_assert(qbuf && dns && rbuf);
	for (i = 0; i < dnslen; i++)
		dns[i] = (uint8_t)(i * 7 + 3);
	qlen = build(c, qbuf);
	ck_assert_int_eq(ippkt_parse(qbuf, qlen, 53, &q), 0);
	rlen = ippkt_build_reply(&q, dns, dnslen, rbuf, T_BUFSZ);
	hlen = c->family == AF_INET ? 20 : 40;
	ck_assert_uint_eq(rlen, hlen + 8 + dnslen);

	/* Back through the parser, from the client's side. */
	ck_assert_int_eq(ippkt_parse(rbuf, rlen, 40000, &r), 0);
	ck_assert_int_eq(r.family, c->family);
	ck_assert_mem_eq(r.src, q.dst, 16);
	ck_assert_mem_eq(r.dst, q.src, 16);
	ck_assert_uint_eq(r.sport, 53);
	ck_assert_uint_eq(r.dport, 40000);
	ck_assert_uint_eq(r.ttl, 64);
	ck_assert_uint_eq(r.payload_len, dnslen);
	if (dnslen > 0)
		ck_assert_mem_eq(r.payload, dns, dnslen);

	if (c->family == AF_INET) {
		ck_assert_uint_eq(rbuf[0], 0x45);
		ck_assert_uint_eq(get16(rbuf + 4), 0);		/* ID */
		ck_assert_uint_eq(get16(rbuf + 6), 0x4000);	/* DF */
		ck_assert_uint_eq(sum16(rbuf, 20, 0), 0xffff);
	} else {
		ck_assert_uint_eq(rbuf[0], 0x60);
		ck_assert_uint_eq(rbuf[1] & 0x0f, 0);
		ck_assert_uint_eq(get16(rbuf + 2), 0);		/* flow */
		ck_assert_uint_eq(rbuf[6], 17);
	}
	ck_assert_uint_ne(get16(rbuf + hlen + 6), 0);
	ck_assert_uint_eq(pseudo_udp_sum(c->family, rbuf, rbuf + hlen,
	    8 + dnslen), 0xffff);
	/* The module's own function agrees: 0 over a right datagram. */
	ck_assert_uint_eq(ippkt_udp_checksum(&r, rbuf + hlen, 8 + dnslen), 0);

	/* One byte short of room gives 0, never a partial datagram. */
	ck_assert_uint_eq(ippkt_build_reply(&q, dns, dnslen, rbuf, rlen - 1),
	    0);
	free(qbuf);
	free(dns);
	free(rbuf);
}
END_TEST

START_TEST(test_reply_too_long)
{
	struct ipdns	 q;
	uint8_t		*dns, *buf;

	dns = calloc(1, T_BUFSZ);
	buf = malloc(T_BUFSZ);
	ck_assert(dns && buf);
	memset(&q, 0, sizeof(q));
	q.family = AF_INET;
	ck_assert_uint_eq(ippkt_build_reply(&q, dns, 65507, buf, T_BUFSZ),
	    65535);
	ck_assert_uint_eq(ippkt_build_reply(&q, dns, 65508, buf, T_BUFSZ), 0);
	q.family = AF_INET6;
	ck_assert_uint_eq(ippkt_build_reply(&q, dns, 65527, buf, T_BUFSZ),
	    65575);
	ck_assert_uint_eq(ippkt_build_reply(&q, dns, 65528, buf, T_BUFSZ), 0);
	ck_assert_uint_eq(ippkt_build_reply(&q, dns, (size_t)-1, buf,
	    T_BUFSZ), 0);
	q.family = 0;
	ck_assert_uint_eq(ippkt_build_reply(&q, dns, 10, buf, T_BUFSZ), 0);
	free(dns);
	free(buf);
}
END_TEST

/*
 * Pinned vectors, computed with Python (sum of 16-bit words, folded,
 * complemented) for the reply to t_dns's packet with t_dns itself as the
 * answer: 192.0.2.53:53 -> 198.51.100.7:40000 and the IPv6 equivalent.
 */
START_TEST(test_reply_vectors)
{
	static const struct pcase c4 =
	    V4("v4", 0, 17, 0, 53, 0, 0, 0, 0, 0);
	static const struct pcase c6 =
	    V6("v6", E, E, E, 0, 17, 53, 0, 0, 0, 0, 0);
	uint8_t		 qbuf[T_BUFSZ], rbuf[128];
	struct ipdns	 q;
	size_t		 n;

	n = build(&c4, qbuf);
	ck_assert_int_eq(ippkt_parse(qbuf, n, 53, &q), 0);
	n = ippkt_build_reply(&q, t_dns, sizeof(t_dns), rbuf, sizeof(rbuf));
	ck_assert_uint_eq(n, 20 + 8 + sizeof(t_dns));
	ck_assert_uint_eq(get16(rbuf + 10), 0x4e4e);	/* IP header */
	ck_assert_uint_eq(get16(rbuf + 26), 0x453c);	/* UDP */

	n = build(&c6, qbuf);
	ck_assert_int_eq(ippkt_parse(qbuf, n, 53, &q), 0);
	n = ippkt_build_reply(&q, t_dns, sizeof(t_dns), rbuf, sizeof(rbuf));
	ck_assert_uint_eq(n, 40 + 8 + sizeof(t_dns));
	ck_assert_uint_eq(get16(rbuf + 46), 0xd5e0);
}
END_TEST

/* A datagram whose sum comes to 0 carries 0xffff (0 means none). */
START_TEST(test_reply_zero_checksum)
{
	struct ipdns	 q;
	uint8_t		 dns[2], buf[64];
	uint16_t	 c;
	size_t		 n;

	memset(&q, 0, sizeof(q));
	q.family = AF_INET;
	q.sport = 0;
	q.dport = 0;
	/* All-zero addresses and ports: the sum is proto + 2 * length
	 * + payload; choose the payload word to make it 0xffff. */
	c = (uint16_t)(17 + 2 * 10);
	put16(dns, (uint16_t)(0xffff - c));
	n = ippkt_build_reply(&q, dns, 2, buf, sizeof(buf));
	ck_assert_uint_eq(n, 30);
	ck_assert_uint_eq(get16(buf + 26), 0xffff);
	ck_assert_uint_eq(pseudo_udp_sum(AF_INET, buf, buf + 20, 10), 0xffff);
}
END_TEST

static Suite *
ippkt_suite(void)
{
	Suite	*s = suite_create("ippkt");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0,
	    sizeof(pcases) / sizeof(pcases[0]));
	tcase_add_loop_test(tc, test_truncated, 0,
	    sizeof(pcases) / sizeof(pcases[0]));
	tcase_add_test(tc, test_parse_odd);
	tcase_add_test(tc, test_v6_ext_bound);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_loop_test(tc, test_reply_roundtrip, 0,
	    2 * sizeof(reply_sizes) / sizeof(reply_sizes[0]));
	tcase_add_test(tc, test_reply_too_long);
	tcase_add_test(tc, test_reply_vectors);
	tcase_add_test(tc, test_reply_zero_checksum);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ippkt_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
