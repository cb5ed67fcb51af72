/*
 * ippkt.h: IPv4 and IPv6 UDP datagrams as netfilter hands them over, and
 * the replies the interception door sends over a raw socket.  Pure: no
 * I/O, no allocation; every read is bounded by the packet's length.
 */
#ifndef BRISKDNS_IPPKT_H
#define BRISKDNS_IPPKT_H

#include <stddef.h>
#include <stdint.h>

/* An intercepted UDP datagram: its addresses and its payload. */
struct ipdns {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 src[16];	/* network order; 4 bytes for IPv4 */
	uint8_t		 dst[16];
	uint16_t	 sport;		/* host order */
	uint16_t	 dport;
	uint8_t		 ttl;		/* hop limit of the query (logs) */
	const uint8_t	*payload;	/* into the packet */
	size_t		 payload_len;
};

/*
 * Parse an IPv4 or IPv6 packet (as netfilter hands it over, starting at
 * the IP header): options and extension headers are skipped, fragments,
 * non-UDP packets, a UDP length that disagrees with the packet, and
 * anything not to port (0: any port) are refused.  0, or -1: not ours,
 * accept it.
 */
int	ippkt_parse(const uint8_t *pkt, size_t len, uint16_t port,
	    struct ipdns *out);

/*
 * Build the reply datagram to q: IP header from q's destination to q's
 * source (IPv4: DF, TTL 64, header checksum; IPv6: hop limit 64), UDP
 * header from q's dport to q's sport with a correct checksum, then dns.
 * Returns the length, or 0 if buf is too small or the datagram too long.
 */
size_t	ippkt_build_reply(const struct ipdns *q, const uint8_t *dns,
	    size_t dnslen, uint8_t *buf, size_t bufsz);

/* The Internet checksum over an IP pseudo-header and a UDP datagram. */
uint16_t ippkt_udp_checksum(const struct ipdns *reply, const uint8_t *udp,
	    size_t udplen);

#endif
