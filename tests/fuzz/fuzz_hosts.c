/*
 * fuzz_hosts.c: the hosts-file parser and the answers built from what it
 * read, on untrusted text.
 *
 * The first byte chooses options (bit 0: expand-hosts with domain "lan";
 * bit 1: small bounds on lines, bytes and entries), the rest is a hosts
 * file.  Then every distinct blank-separated token (at most 64) is
 * asked as A, AAAA, PTR, CNAME, MX and ANY, and as the reverse name of
 * the address it may be: an answer must be a message that msg's record
 * iterator reads whole, with as many answer records as it says.
 */

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "fuzz.h"
#include "hosts.h"
#include "msg.h"
#include "wire.h"

static const uint16_t types[] = { DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_PTR,
    DNS_TYPE_CNAME, DNS_TYPE_MX, DNS_TYPE_ANY };

static int
local_even(const uint8_t *a, void *arg)
{
	(void)arg;
	return (a[3] & 1) == 0;
}

static void
ask(const struct hosts *h, const uint8_t *wire, size_t wlen, uint16_t type)
{
	static uint8_t			 buf[DNS_MAXMSG];
	const struct hosts_entry	*e;
	struct msg_iter			 it;
	struct msg_rr			 rr;
	struct query			 q;
	uint8_t				 pkt[DNS_HDRLEN + DNS_MAXNAME + 4];
	size_t				 n;
	unsigned			 count = 0;
	int				 r;

	memset(pkt, 0, DNS_HDRLEN);
	put16(pkt + 2, DNS_FLAG_RD);
	put16(pkt + 4, 1);
	memcpy(pkt + DNS_HDRLEN, wire, wlen);
	put16(pkt + DNS_HDRLEN + wlen, type);
	put16(pkt + DNS_HDRLEN + wlen + 2, DNS_CLASS_IN);
	if (msg_parse_query(pkt, DNS_HDRLEN + wlen + 4, &q) != MSG_OK)
		return;
	(void)hosts_has_name(h, q.qname, q.qname_len);
	if ((e = hosts_lookup(h, q.qname, q.qname_len, type)) == NULL)
		return;
	n = hosts_answer(h, e, &q, 60, (type & 1) ? local_even : NULL, NULL,
	    buf, sizeof(buf));
	if (n == 0)
		abort();	/* DNS_MAXMSG always suffices */
	if (msg_iter_start(&it, buf, n) != 0)
		abort();
	while ((r = msg_iter_next(&it, &rr)) == 1)
		if (rr.section == MSG_SEC_ANSWER)
			count++;
	if (r != 0 || count != get16(buf + 6) || count == 0)
		abort();
	/* A smaller buffer: all or nothing, never past it. */
	if (hosts_answer(h, e, &q, 60, NULL, NULL, buf, n / 2) > n / 2)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hosts_limits	 lim = { 32, 512, 64 };
	struct hosts		*h;
	const char		*text, *end, *s, *tok;
	uint8_t			 wire[DNS_MAXNAME], a[16];
	char			 t[300], rev[80], seen[64][64] = { { 0 } };
	size_t			 wlen, i, ntok = 0;

	if (size < 1)
		return 0;
	if ((h = hosts_new((data[0] & 1) ? "lan" : NULL)) == NULL)
		abort();
	if (data[0] & 2)
		hosts_set_limits(h, &lim);
	text = (const char *)data + 1;
	end = text + size - 1;
	if (hosts_read_buffer(h, "fuzz", text, size - 1) != 0)
		abort();
	hosts_shrink(h);
	for (s = text; s < end && ntok < 64; ) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' ||
		    *s == '\r'))
			s++;
		for (tok = s; s < end && *s != ' ' && *s != '\t' &&
		    *s != '\n' && *s != '\r'; s++)
			;
		if (s == tok || (size_t)(s - tok) >= sizeof(t))
			continue;
		memcpy(t, tok, (size_t)(s - tok));
		t[s - tok] = '\0';
		for (i = 0; i < ntok; i++)
			if (strncmp(seen[i], t, sizeof(seen[i]) - 1) == 0)
				break;
		if (i < ntok)
			continue;	/* asked already */
		wlen = strlen(t) < sizeof(seen[0]) ? strlen(t) :
		    sizeof(seen[0]) - 1;
		memcpy(seen[ntok], t, wlen);
		seen[ntok++][wlen] = '\0';
		if (hosts_name_wire(t, strlen(t), wire, &wlen) == 0)
			for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
				ask(h, wire, wlen, types[i]);
		if (inet_pton(AF_INET, t, a) == 1) {
			snprintf(rev, sizeof(rev), "%u.%u.%u.%u.in-addr.arpa",
			    a[3], a[2], a[1], a[0]);
			if (hosts_name_wire(rev, strlen(rev), wire, &wlen) == 0)
				ask(h, wire, wlen, DNS_TYPE_PTR);
		} else if (inet_pton(AF_INET6, t, a) == 1) {
			char	*o = rev;

			for (i = 16; i > 0; i--) {
				*o++ = "0123456789abcdef"[a[i - 1] & 0xf];
				*o++ = '.';
				*o++ = "0123456789abcdef"[a[i - 1] >> 4];
				*o++ = '.';
			}
			(void)strcpy(o, "ip6.arpa");
			if (hosts_name_wire(rev, strlen(rev), wire, &wlen) == 0)
				ask(h, wire, wlen, DNS_TYPE_PTR);
		}
	}
	hosts_free(h);
	return 0;
}
