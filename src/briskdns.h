/*
 * briskdns.h: constants shared by every module.  The path of a query is
 *
 *   listen (UDP/TCP door) -> msg (parse) -> policy -> query (local answer
 *   or forward) -> upstream (servers, retries, TCP fallback) -> back
 *
 * and each of those files starts with its own job and invariants.
 */
#ifndef BRISKDNS_H
#define BRISKDNS_H

/* Exit statuses, as dnsmasq's. */
#define EXIT_CONFIG	1	/* configuration problem */
#define EXIT_NET	2	/* cannot bind, cannot open the queue */
#define EXIT_FS		3	/* other filesystem problem (pid file) */
#define EXIT_NOMEM	4	/* out of memory */
#define EXIT_OTHER	5

#define DNS_PORT		53
#define DNS_MAXNAME		255	/* wire form, with the root label */
#define DNS_MAXLABEL		63
#define DNS_HDRLEN		12
#define DNS_MAXMSG		65535
#define DNS_UDP_DEFAULT		512	/* a client without EDNS */
#define DNS_EDNS_PACKET_MAX	1232	/* edns-packet-max's default */
#define DNS_EDNS_PACKET_MIN	512
#define DNS_EDNS_PACKET_TOP	4096	/* edns-packet-max's largest */

/* RR types and classes briskdns names itself. */
#define DNS_TYPE_A	1
#define DNS_TYPE_NS	2
#define DNS_TYPE_CNAME	5
#define DNS_TYPE_SOA	6
#define DNS_TYPE_PTR	12
#define DNS_TYPE_MX	15
#define DNS_TYPE_TXT	16
#define DNS_TYPE_AAAA	28
#define DNS_TYPE_OPT	41
#define DNS_TYPE_RRSIG	46
#define DNS_TYPE_SVCB	64
#define DNS_TYPE_HTTPS	65
#define DNS_TYPE_IXFR	251
#define DNS_TYPE_AXFR	252
#define DNS_TYPE_ANY	255
#define DNS_CLASS_IN	1

/* Response codes. */
#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_NOTIMP	4
#define DNS_RCODE_REFUSED	5

/* Header flag bits, in the 16-bit flags word (host order). */
#define DNS_FLAG_QR	0x8000
#define DNS_FLAG_AA	0x0400
#define DNS_FLAG_TC	0x0200
#define DNS_FLAG_RD	0x0100
#define DNS_FLAG_RA	0x0080
#define DNS_FLAG_AD	0x0020
#define DNS_FLAG_CD	0x0010
#define DNS_OPCODE(f)	(((f) >> 11) & 0xf)
#define DNS_RCODE(f)	((f) & 0xf)

/* Extended DNS Error (RFC 8914). */
#define DNS_EDNS_OPT_COOKIE	10
#define DNS_EDNS_OPT_KEEPALIVE	11
#define DNS_EDNS_OPT_PADDING	12
#define DNS_EDNS_OPT_EDE	15
#define DNS_EDE_FILTERED	17

#endif
