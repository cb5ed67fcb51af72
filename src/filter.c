/*
 * filter.c: dnsmasq's filtering keys (filter.h), with dnsmasq 2.90's
 * meaning, checked against it running beside briskdns
 * (tests/integration/test_filter_keys.py):
 *
 *   domain-needed   A and AAAA (only those) for a name of one label:
 *                   NXDOMAIN, not forwarded.
 *   bogus-priv      PTR (only) of a reverse name in a private range,
 *                   partial names included ("168.192.in-addr.arpa"):
 *                   NXDOMAIN, not forwarded.
 *   both            unless local data has the name; bogus-priv also
 *                   unless a server=/zone/ADDR line routes it (dnsmasq:
 *                   a server line does not lift domain-needed).
 *   filter-A, filter-rr
 *                   briskdns answers the query itself with the empty
 *                   answer (NOERROR, SOA, EDE 17), as aaaa-mode=empty
 *                   does; dnsmasq forwards it and strips the records.
 *   ignore-address  an answer with such an A or AAAA record is dropped
 *                   and the transaction waits on (a forged fast answer).
 *   bogus-nxdomain  an answer with such an address: NXDOMAIN, EDE 15.
 *   stop-dns-rebind an answer with a private A or AAAA: NOERROR, no
 *                   records at all, EDE 15, "possible DNS-rebind attack
 *                   detected: NAME" logged, not cached.
 *
 * Everything here runs on untrusted upstream answers that msg.c's record
 * iterator has checked; nothing here reads bytes the iterator did not
 * vouch for.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "briskdns.h"
#include "config.h"
#include "domtab.h"
#include "filter.h"
#include "log.h"
#include "msg.h"
#include "policy.h"
#include "wire.h"

#define DNS_EDE_BLOCKED		15	/* RFC 8914 */

/* rebind-domain-ok: name lies in a domain whose answers are exempt
 * from stop-dns-rebind. */
static int
filter_rebind_domain_ok(const struct config *conf, const uint8_t *name,
    size_t len)
{
	return (domtab_flags(conf->domains, name, len) &
	    DOMTAB_F_REBIND_OK) != 0;
}

/* ---- private ranges --------------------------------------------------- */

int
filter_private4(const uint8_t a[4], int ban_localhost)
{
	if (a[0] == 127 || a[0] == 0)
		return ban_localhost;
	return a[0] == 10 ||				/* 10.0.0.0/8 */
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||	/* 172.16.0.0/12 */
	    (a[0] == 192 && a[1] == 168) ||		/* 192.168.0.0/16 */
	    (a[0] == 169 && a[1] == 254) ||		/* 169.254.0.0/16 */
	    (a[0] == 192 && a[1] == 0 && a[2] == 2) ||	/* TEST-NET-1 */
	    (a[0] == 198 && a[1] == 51 && a[2] == 100) || /* TEST-NET-2 */
	    (a[0] == 203 && a[1] == 0 && a[2] == 113) ||	/* TEST-NET-3 */
	    (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

int
filter_private6(const uint8_t a[16], int ban_localhost)
{
	static const uint8_t	 zero[15];

	/* IPv4-mapped, ::ffff:a.b.c.d: as the IPv4 address. */
	if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
		return filter_private4(a + 12, ban_localhost);
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return ban_localhost;			/* :: and ::1 */
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||	/* fe80::/10 */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||	/* fec0::/10 */
	    a[0] == 0xfd ||				/* fd00::/8 */
	    (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8);
}

/* ---- reverse names ---------------------------------------------------- */

#define REV_MAXLABELS	34

int
filter_reverse_addr(const uint8_t *name, size_t len, uint8_t addr[16])
{
	size_t		 lab[REV_MAXLABELS], n = 0, pos = 0, i, k;
	unsigned int	 v;
	const uint8_t	*l;

	while (pos < len && name[pos] != 0) {
		if (n == REV_MAXLABELS || name[pos] > 63 ||
		    pos + 1 + name[pos] >= len)
			return 0;
		lab[n++] = pos;
		pos += 1 + name[pos];
	}
	if (pos + 1 != len || n < 3)
		return 0;
	memset(addr, 0, 16);
	l = name + lab[n - 1];
	if (l[0] != 4 || memcmp(l + 1, "arpa", 4) != 0)
		return 0;
	l = name + lab[n - 2];
	k = n - 2;			/* the address's labels */
	if (l[0] == 7 && memcmp(l + 1, "in-addr", 7) == 0) {
		if (k > 4)
			return 0;
		for (i = 0; i < k; i++) {
			l = name + lab[i];
			if (l[0] < 1 || l[0] > 3)
				return 0;
			for (v = 0, pos = 1; pos <= l[0]; pos++) {
				if (l[pos] < '0' || l[pos] > '9')
					return 0;
				v = v * 10 + (l[pos] - '0');
			}
			if (v > 255)
				return 0;
			addr[k - 1 - i] = (uint8_t)v;
		}
		return AF_INET;
	}
	if (l[0] == 3 && memcmp(l + 1, "ip6", 3) == 0) {
		if (k > 32)
			return 0;
		for (i = 0; i < k; i++) {
			l = name + lab[i];
			if (l[0] != 1)
				return 0;
			if (l[1] >= '0' && l[1] <= '9')
				v = l[1] - '0';
			else if (l[1] >= 'a' && l[1] <= 'f')
				v = l[1] - 'a' + 10;
			else
				return 0;
			/* Label i is nibble k-1-i from the top. */
			pos = k - 1 - i;
			addr[pos / 2] |= (uint8_t)(pos % 2 ? v : v << 4);
		}
		return AF_INET6;
	}
	return 0;
}

/* ---- the query side ---------------------------------------------------- */

static int
name_is_plain(const uint8_t *name, size_t len)
{
	return len >= 3 && name[0] > 0 && (size_t)name[0] + 2 == len &&
	    name[len - 1] == 0;
}

static int
filter_type(const struct config *conf, uint16_t qtype)
{
	size_t	 i;

	for (i = 0; i < conf->nfilter_rr; i++)
		if (conf->filter_rr[i] == qtype)
			return 1;
	return 0;
}

int
policy_filter(const struct config *conf, const struct query *q, int routed,
    struct policy_decision *d)
{
	uint8_t		 a[16];
	int		 af;

	if (q->qclass != DNS_CLASS_IN)
		return 0;
	/* dnsmasq 2.90: even a server=/name/ADDR line does not route a
	 * plain name past domain-needed. */
	if (conf->domain_needed &&
	    (q->qtype == DNS_TYPE_A || q->qtype == DNS_TYPE_AAAA) &&
	    name_is_plain(q->qname, q->qname_len)) {
		/* A plain name known locally without this type: NODATA,
		 * still never forwarded (dnsmasq 2.90). */
		d->action = policy_local_has_name(conf, q->qname,
		    q->qname_len) ? POLICY_NODATA : POLICY_NXDOMAIN;
		return 1;
	}
	if (conf->bogus_priv && !routed && q->qtype == DNS_TYPE_PTR &&
	    (af = filter_reverse_addr(q->qname, q->qname_len, a)) != 0 &&
	    (af == AF_INET ? filter_private4(a, 1) : filter_private6(a, 1)) &&
	    !policy_local_has_name(conf, q->qname, q->qname_len)) {
		d->action = POLICY_NXDOMAIN;
		return 1;
	}
	if (conf->nfilter_rr > 0 && filter_type(conf, q->qtype)) {
		d->action = POLICY_EMPTY;
		d->empty_by = "filter";
		return 1;
	}
	return 0;
}

/* ---- the answer side --------------------------------------------------- */

int
filter_net_match(const struct config_net *nets, size_t n, int af,
    const uint8_t *addr)
{
	size_t		 i;
	unsigned int	 full, rest;

	for (i = 0; i < n; i++) {
		if (nets[i].family != af)
			continue;
		full = nets[i].prefix / 8;
		rest = nets[i].prefix % 8;
		if (memcmp(nets[i].addr, addr, full) != 0)
			continue;
		if (rest != 0 && ((nets[i].addr[full] ^ addr[full]) &
		    (uint8_t)(0xff << (8 - rest))) != 0)
			continue;
		return 1;
	}
	return 0;
}

enum filter_verdict
filter_answer(const struct config *conf, const struct query *q,
    const uint8_t *ans, size_t len)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	const uint8_t	*a;
	int		 af, ignore = 0, bogus = 0, priv = 0, r;

	if (conf == NULL || (conf->nignore_address == 0 &&
	    conf->nbogus_nxdomain == 0 && !conf->stop_dns_rebind))
		return FILTER_PASS;
	if (len < DNS_HDRLEN || DNS_RCODE(ans[3]) != DNS_RCODE_NOERROR ||
	    msg_iter_start(&it, ans, len) == -1)
		return FILTER_PASS;
	/* Bounded by the iterator: by len and the counts. */
	while ((r = msg_iter_next(&it, &rr)) == 1) {
		if (rr.section != MSG_SEC_ANSWER)
			break;
		if (rr.class != DNS_CLASS_IN)
			continue;
		if (rr.type == DNS_TYPE_A && rr.rdlen == 4)
			af = AF_INET;
		else if (rr.type == DNS_TYPE_AAAA && rr.rdlen == 16)
			af = AF_INET6;
		else
			continue;
		a = ans + rr.rdata;
		if (filter_net_match(conf->ignore_address,
		    conf->nignore_address, af, a))
			ignore = 1;
		if (filter_net_match(conf->bogus_nxdomain,
		    conf->nbogus_nxdomain, af, a))
			bogus = 1;
		if (af == AF_INET ? filter_private4(a, !conf->rebind_localhost_ok) :
		    filter_private6(a, !conf->rebind_localhost_ok))
			priv = 1;
	}
	if (ignore)
		return FILTER_IGNORE;
	if (bogus)
		return FILTER_NXDOMAIN;
	if (priv && conf->stop_dns_rebind &&
	    !filter_rebind_domain_ok(conf, q->qname, q->qname_len))
		return FILTER_REBIND;
	return FILTER_PASS;
}

void
filter_log_rebind(const struct query *q)
{
	char	 name[DNS_MAXNAME * 4 + 2];
	size_t	 n;

	msg_name_text(q->qname, q->qname_len, name, sizeof(name));
	/* dnsmasq's words, without the root's dot. */
	if ((n = strlen(name)) > 1 && name[n - 1] == '.')
		name[n - 1] = '\0';
	log_warnx("possible DNS-rebind attack detected: %s", name);
}

size_t
filter_replace(const struct query *q, enum filter_verdict v, uint8_t *buf,
    size_t bufsz)
{
	struct query	 e = *q;

	/* With an OPT for the EDE; msg_finish_answer takes it off again
	 * for a client without EDNS. */
	e.edns = 1;
	if (e.edns_size < 512)
		e.edns_size = 512;
	return msg_reply_rcode(&e, v == FILTER_NXDOMAIN ? DNS_RCODE_NXDOMAIN :
	    DNS_RCODE_NOERROR, DNS_EDE_BLOCKED, buf, bufsz);
}

void
filter_cap_ttls(uint8_t *ans, size_t len, uint32_t max)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;

	if (max == 0 || msg_iter_start(&it, ans, len) == -1)
		return;
	while (msg_iter_next(&it, &rr) == 1)
		if (rr.type != DNS_TYPE_OPT && get32(ans + rr.ttl) > max)
			put32(ans + rr.ttl, max);
}
