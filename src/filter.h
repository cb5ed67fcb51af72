/*
 * filter.h: dnsmasq's filtering keys, both sides of the path.
 *
 * Query side (policy_filter, one call from policy_decide): domain-needed,
 * bogus-priv, filter-A and filter-rr decide before a query is forwarded.
 * Answer side (filter_answer, from the upstream answer path): an upstream
 * answer is checked for bogus-nxdomain, ignore-address and stop-dns-rebind
 * before it ends its transaction, so a filtered answer is never cached
 * as the upstream sent it.  All pure: the configuration is an argument.
 */
#ifndef BRISKDNS_FILTER_H
#define BRISKDNS_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct config_net;
struct policy_decision;
struct query;

/*
 * The query-side rules.  routed: a server=/DOMAIN/ADDR line routes the
 * name (bogus-priv then forwards to it, as dnsmasq does; domain-needed
 * does not, as dnsmasq 2.90).  Returns 1 with *d filled when a rule decides, else 0.
 */
int	policy_filter(const struct config *, const struct query *,
	    int routed, struct policy_decision *d);

enum filter_verdict {
	FILTER_PASS = 0,	/* the answer goes to the client as it is */
	FILTER_IGNORE,		/* ignore-address: wait for another answer */
	FILTER_NXDOMAIN,	/* bogus-nxdomain: NXDOMAIN instead */
	FILTER_REBIND,		/* stop-dns-rebind: emptied, logged */
};

/*
 * Check an upstream answer to q (checked by msg_check_answer, NOERROR)
 * against the answer-side keys, in dnsmasq's order: ignore-address,
 * bogus-nxdomain, stop-dns-rebind.  Reads the A and AAAA records of the
 * answer section through the record iterator.
 */
enum filter_verdict filter_answer(const struct config *, const struct query *q,
	    const uint8_t *ans, size_t len);

/* stop-dns-rebind's log line, dnsmasq's: "possible DNS-rebind attack
 * detected: NAME". */
void	filter_log_rebind(const struct query *q);

/*
 * The answer that replaces a filtered one, as dnsmasq gives it: NXDOMAIN
 * (FILTER_NXDOMAIN) or NOERROR (FILTER_REBIND) with the question, no
 * record, and an OPT carrying EDE 15 "Blocked" (taken off again for a
 * client without EDNS).  No SOA, so it is cached only with neg-ttl.
 * Returns its length, or 0.
 */
size_t	filter_replace(const struct query *q, enum filter_verdict,
	    uint8_t *buf, size_t bufsz);

/* max-ttl: every TTL of ans (but the OPT's) at most max.  max 0: none. */
void	filter_cap_ttls(uint8_t *ans, size_t len, uint32_t max);

/*
 * dnsmasq's private ranges (bogus-priv, stop-dns-rebind): RFC 6303's,
 * the TEST-NETs and 255.255.255.255; with ban_localhost also 0.0.0.0/8,
 * 127.0.0.0/8, :: and ::1.  IPv6: link-local, site-local, fd00::/8,
 * 2001:db8::/32, and IPv4-mapped addresses by their IPv4 address.
 */
int	filter_private4(const uint8_t a[4], int ban_localhost);
int	filter_private6(const uint8_t a[16], int ban_localhost);

/*
 * The address of a reverse name (wire, lower case): *.in-addr.arpa with
 * 1 to 4 decimal labels, *.ip6.arpa with 1 to 32 hex nibbles; the
 * labels not given are 0 ("168.192.in-addr.arpa" is 192.168.0.0).
 * Returns AF_INET or AF_INET6 with addr filled, or 0.
 */
int	filter_reverse_addr(const uint8_t *name, size_t len, uint8_t addr[16]);

/* Whether addr (family af) lies in one of the nets. */
int	filter_net_match(const struct config_net *nets, size_t n, int af,
	    const uint8_t *addr);

struct filter_stats {
	uint64_t	 domain_needed;
	uint64_t	 bogus_priv;
	uint64_t	 filtered_rr;
	uint64_t	 ignored;
	uint64_t	 bogus_nxdomain;
	uint64_t	 rebind;
};
extern struct filter_stats filter_stats;

#endif
