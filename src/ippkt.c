/*
 * ippkt.c: the IPv4 and IPv6 UDP datagrams of the interception door.
 *
 * Pure: no I/O, no allocation.  The parser reads only inside [pkt,
 * pkt + len), and inside the lengths the packet's own headers give once
 * they are checked against len; the walk over IPv6 extension headers is
 * bounded by a hop count.  Anything unusual (fragments, IPsec, jumbograms,
 * a UDP length that disagrees) is refused: the door then accepts the
 * packet unchanged and the bound server deals with it.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include "ippkt.h"
#include "wire.h"

#define IP4_HDRLEN	20
#define IP6_HDRLEN	40
#define UDP_HDRLEN	8
#define IP_MAXLEN	65535

#define IP4_MF		0x2000
#define IP4_DF		0x4000
#define IP4_OFFMASK	0x1fff

#define IP6_NH_HOPOPTS	0
#define IP6_NH_ROUTING	43
#define IP6_NH_FRAGMENT	44
#define IP6_NH_DSTOPTS	60
#define IP6_MAXEXT	8	/* extension headers walked, at most */

#define REPLY_TTL	64

/* The UDP header at pkt[off], the datagram ending at pkt[end]. */
static int
ippkt_parse_udp(const uint8_t *pkt, size_t off, size_t end, uint16_t port,
    struct ipdns *out)
{
	const uint8_t	*udp = pkt + off;
	size_t		 ulen;

	if (off > end || end - off < UDP_HDRLEN)
		return -1;
	ulen = get16(udp + 4);
	if (ulen != end - off)
		return -1;
	if (port != 0 && get16(udp + 2) != port)
		return -1;
	out->sport = get16(udp);
	out->dport = get16(udp + 2);
	out->payload = udp + UDP_HDRLEN;
	out->payload_len = ulen - UDP_HDRLEN;
	return 0;
}

static int
ippkt_parse4(const uint8_t *pkt, size_t len, uint16_t port,
    struct ipdns *out)
{
	size_t		 ihl, total;
	uint16_t	 frag;

	if (len < IP4_HDRLEN)
		return -1;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < IP4_HDRLEN || ihl > len)
		return -1;
	total = get16(pkt + 2);
	/* Trailing bytes (link padding) beyond the total length are not
	 * the datagram's. */
	if (total < ihl || total > len)
		return -1;
	frag = get16(pkt + 6);
	if ((frag & (IP4_MF | IP4_OFFMASK)) != 0)
		return -1;
	if (pkt[9] != IPPROTO_UDP)
		return -1;
	out->family = AF_INET;
	memset(out->src, 0, sizeof(out->src));
	memset(out->dst, 0, sizeof(out->dst));
	memcpy(out->src, pkt + 12, 4);
	memcpy(out->dst, pkt + 16, 4);
	out->ttl = pkt[8];
	return ippkt_parse_udp(pkt, ihl, total, port, out);
}

static int
ippkt_parse6(const uint8_t *pkt, size_t len, uint16_t port,
    struct ipdns *out)
{
	size_t		 off, end, hlen;
	uint8_t		 nh;
	int		 i;

	if (len < IP6_HDRLEN)
		return -1;
	/* A payload length of 0 is a jumbogram (RFC 2675): not ours. */
	end = IP6_HDRLEN + (size_t)get16(pkt + 4);
	if (end == IP6_HDRLEN || end > len)
		return -1;
	nh = pkt[6];
	off = IP6_HDRLEN;
	for (i = 0; i < IP6_MAXEXT && nh != IPPROTO_UDP; i++) {
		switch (nh) {
		case IP6_NH_HOPOPTS:
			/* Only right after the IPv6 header (RFC 8200 4.1). */
			if (i != 0)
				return -1;
			break;
		case IP6_NH_ROUTING:
		case IP6_NH_DSTOPTS:
			break;
		default:
			/* Fragment, ESP, AH, no next header, TCP, ... */
			return -1;
		}
		if (end - off < 8)
			return -1;
		hlen = ((size_t)pkt[off + 1] + 1) * 8;
		if (hlen > end - off)
			return -1;
		nh = pkt[off];
		off += hlen;
	}
	if (nh != IPPROTO_UDP)
		return -1;
	out->family = AF_INET6;
	memcpy(out->src, pkt + 8, 16);
	memcpy(out->dst, pkt + 24, 16);
	out->ttl = pkt[7];
	return ippkt_parse_udp(pkt, off, end, port, out);
}

int
ippkt_parse(const uint8_t *pkt, size_t len, uint16_t port, struct ipdns *out)
{
	if (pkt == NULL || len < 1)
		return -1;
	switch (pkt[0] >> 4) {
	case 4:
		return ippkt_parse4(pkt, len, port, out);
	case 6:
		return ippkt_parse6(pkt, len, port, out);
	default:
		return -1;
	}
}

/* One's complement sum of the bytes, as 16-bit big-endian words. */
static uint64_t
ippkt_sum(uint64_t sum, const uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
ippkt_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The complement of the one's complement sum of the pseudo-header (from
 * reply's addresses) and udp[0..udplen), host order.  Over a datagram
 * whose checksum field holds the right value this is 0; over one whose
 * field is 0 it is the value to put there (0 being sent as 0xffff).
 */
uint16_t
ippkt_udp_checksum(const struct ipdns *reply, const uint8_t *udp,
    size_t udplen)
{
	uint64_t	 sum = 0;
	uint8_t		 tail[4];

	if (reply->family == AF_INET) {
		sum = ippkt_sum(sum, reply->src, 4);
		sum = ippkt_sum(sum, reply->dst, 4);
		sum += IPPROTO_UDP;
		sum += udplen & 0xffff;
	} else {
		sum = ippkt_sum(sum, reply->src, 16);
		sum = ippkt_sum(sum, reply->dst, 16);
		/* Upper-layer length (32 bits), 3 zero bytes, next header. */
		tail[0] = (udplen >> 24) & 0xff;
		tail[1] = (udplen >> 16) & 0xff;
		tail[2] = (udplen >> 8) & 0xff;
		tail[3] = udplen & 0xff;
		sum = ippkt_sum(sum, tail, 4);
		sum += IPPROTO_UDP;
	}
	sum = ippkt_sum(sum, udp, udplen);
	return (uint16_t)~ippkt_fold(sum);
}

size_t
ippkt_build_reply(const struct ipdns *q, const uint8_t *dns, size_t dnslen,
    uint8_t *buf, size_t bufsz)
{
	struct ipdns	 r;
	uint8_t		*ip = buf, *udp;
	size_t		 hlen, udplen, total;
	uint16_t	 sum;

	if (q->family != AF_INET && q->family != AF_INET6)
		return 0;
	hlen = q->family == AF_INET ? IP4_HDRLEN : IP6_HDRLEN;
	if (dnslen > IP_MAXLEN - UDP_HDRLEN)
		return 0;
	udplen = UDP_HDRLEN + dnslen;
	total = hlen + udplen;
	/* IPv4's total length and IPv6's payload length are 16 bits. */
	if ((q->family == AF_INET && total > IP_MAXLEN) ||
	    (q->family == AF_INET6 && udplen > IP_MAXLEN))
		return 0;
	if (buf == NULL || total > bufsz)
		return 0;

	memset(&r, 0, sizeof(r));
	r.family = q->family;
	memcpy(r.src, q->dst, sizeof(r.src));
	memcpy(r.dst, q->src, sizeof(r.dst));
	r.sport = q->dport;
	r.dport = q->sport;
	r.ttl = REPLY_TTL;

	if (q->family == AF_INET) {
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (uint16_t)total);
		/* ID 0 with DF: an atomic datagram (RFC 6864). */
		put16(ip + 4, 0);
		put16(ip + 6, IP4_DF);
		ip[8] = REPLY_TTL;
		ip[9] = IPPROTO_UDP;
		put16(ip + 10, 0);
		memcpy(ip + 12, r.src, 4);
		memcpy(ip + 16, r.dst, 4);
		put16(ip + 10, (uint16_t)~ippkt_fold(ippkt_sum(0, ip,
		    IP4_HDRLEN)));
	} else {
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;	/* traffic class, flow label */
		put16(ip + 4, (uint16_t)udplen);
		ip[6] = IPPROTO_UDP;
		ip[7] = REPLY_TTL;
		memcpy(ip + 8, r.src, 16);
		memcpy(ip + 24, r.dst, 16);
	}
	udp = ip + hlen;
	put16(udp, r.sport);
	put16(udp + 2, r.dport);
	put16(udp + 4, (uint16_t)udplen);
	put16(udp + 6, 0);
	if (dnslen > 0)
		memmove(udp + UDP_HDRLEN, dns, dnslen);
	sum = ippkt_udp_checksum(&r, udp, udplen);
	/* A computed 0 is sent as all ones: 0 means "no checksum". */
	put16(udp + 6, sum == 0 ? 0xffff : sum);
	return total;
}
