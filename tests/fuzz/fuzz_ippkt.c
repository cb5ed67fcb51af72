/*
 * fuzz_ippkt.c: a packet as the netfilter queue hands it over.
 *
 * Parse it for port 53; when it parses, build a reply with a small DNS
 * payload (and with the query's own payload) into a fixed buffer, check
 * the length, parse the reply back from the client's side and check that
 * addresses and ports are swapped and the UDP checksum verifies.
 */
#include <stdlib.h>
#include <string.h>

#include "ippkt.h"
#include "fuzz.h"

#define FI_BUFSZ	(65535 + 40)

static uint8_t	 fi_out[FI_BUFSZ];

static void
fi_reply(const struct ipdns *q, const uint8_t *dns, size_t dnslen)
{
	struct ipdns	 r;
	size_t		 n;

	n = ippkt_build_reply(q, dns, dnslen, fi_out, sizeof(fi_out));
	if (n == 0)
		return;
	if (n > sizeof(fi_out))
		abort();
	if (ippkt_parse(fi_out, n, q->sport, &r) != 0)
		abort();
	if (r.family != q->family || r.sport != q->dport ||
	    r.dport != q->sport || memcmp(r.src, q->dst, 16) != 0 ||
	    memcmp(r.dst, q->src, 16) != 0 || r.payload_len != dnslen ||
	    (dnslen > 0 && memcmp(r.payload, dns, dnslen) != 0))
		abort();
	/* The checksum over the datagram with its checksum field is 0. */
	if (ippkt_udp_checksum(&r, r.payload - 8, r.payload_len + 8) != 0)
		abort();
	/* Too small a buffer gives 0. */
	if (ippkt_build_reply(q, dns, dnslen, fi_out, n - 1) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t dns[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0,
		1, 'a', 0, 0, 28, 0, 1,
	};
	struct ipdns	 q;

	if (ippkt_parse(data, size, 53, &q) != 0)
		return 0;
	if (q.payload < data || q.payload + q.payload_len > data + size)
		abort();
	fi_reply(&q, dns, sizeof(dns));
	fi_reply(&q, q.payload, q.payload_len);
	return 0;
}
