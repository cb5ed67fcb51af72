/*
 * nft.h: the nftables rules of nfqueue-rules=auto.  They live in one table,
 * "inet briskdns", which briskdns owns whole: replaced atomically at start
 * (so a stale one from a killed run goes), deleted at exit.  The rule is
 *
 *   table inet briskdns {
 *     set alive {
 *       type inet_service; flags timeout;
 *       elements = { PORT timeout 500ms }
 *     }
 *     set bound4 { type ipv4_addr; flags interval; elements = { 0.0.0.0/0 } }
 *     set bound6 { type ipv6_addr; flags interval; elements = { ::/0 } }
 *     chain input {
 *       type filter hook input priority -150; policy accept;
 *       udp dport PORT udp dport @alive ip daddr @bound4 queue num N bypass
 *       udp dport PORT udp dport @alive ip6 daddr @bound6 queue num N bypass
 *     }
 *   }
 *
 * Behind DNAT or REDIRECT (the router that forces LAN DNS to its server)
 * the input hook sees the translated destination, and an answer from it is
 * dropped by the client, which asked another address.  This kernel hands
 * no conntrack data to the queue (no CONFIG_NETFILTER_NETLINK_GLUE_CT),
 * so when the namespace has NAT rules at start (nft_rules_nat()) the
 * table also undoes the NAT for the door, with conntrack's own tuples:
 *
 *     chain input (priority -150), before the rules above:
 *       udp dport PORT udp dport @alive ip[6] daddr @bound[46]
 *         ct direction original ct status dnat,!confirmed
 *         ip[6] daddr set ct original ip[6] daddr
 *         [udp dport set ct original proto-dst] queue num N bypass
 *     chain renat (priority -149):
 *       meta l4proto udp ct direction original ct status dnat
 *         ct reply proto-src PORT ip[6] daddr set ct reply ip[6] saddr
 *         [udp dport set ct reply proto-src]
 *
 * each twice per family: the port is rewritten only by the rules for
 * "ct original proto-dst != PORT" (NAT changed it), since that write
 * turns an IPv4 checksum of 0 (none) into a wrong one; the address
 * writes leave such a datagram alone.  The door then takes queries to any
 * port (intercept.c).
 *
 * The door sees and answers from the address the client asked; a query
 * it accepts gets the translated destination back before any socket
 * lookup (a no-op for packets it never saw).  Only a connection not yet
 * confirmed is rewritten: its answer from the asked address makes a new
 * connection of its own.  For a confirmed one (a host's own queries, a
 * second query from one client socket) the door answers from the
 * translated address and conntrack undoes the NAT on the way out, as for
 * the server's answers; rewriting would clash with the existing tuple.
 * The ct expressions turn connection tracking on, so they are only added
 * where NAT has it on already.
 *
 * The alive set is a dead-man's switch: its one element expires
 * NFT_ALIVE_TIMEOUT_MS after it was last added, and the event loop adds it
 * again every NFT_ALIVE_REFRESH_MS (nft_alive_start()).  A stopped, stuck
 * or killed briskdns stops refreshing it, the rule stops matching, and
 * packets reach the bound server directly, at any rate (bypass and the
 * queue's fail-open only help once nobody listens or the queue is full).
 *
 * written with nftables' native queue statement where the kernel has it,
 * else as the xtables NFQUEUE target through nft_compat (as iptables-nft
 * writes it), for kernels built without nft_queue.
 */
#ifndef BRISKDNS_NFT_H
#define BRISKDNS_NFT_H

#include <stdint.h>

#define NFT_TABLE	"briskdns"
#define NFT_CHAIN	"input"
#define NFT_CHAIN_RENAT	"renat"
#define NFT_SET_ALIVE	"alive"
#define NFT_SET_BOUND4	"bound4"
#define NFT_SET_BOUND6	"bound6"
#define NFT_MAXADDR	256	/* addresses per family in bound4/6 */
#define NFT_ALIVE_TIMEOUT_MS	500	/* the element lives this long */
#define NFT_ALIVE_REFRESH_MS	200	/* the loop adds it again this often */

struct event_base;
struct sockaddr_storage;

/* Replace the table with one holding the rule.  0, or -1 (logged). */
int	nft_rules_add(uint16_t queue, uint16_t port);
/* Delete the table if it exists.  0, or -1 (logged). */
int	nft_rules_del(void);
/*
 * Refresh the alive element from base's loop, after nft_rules_add().  0,
 * or -1 (logged): the element expires and the door is not asked.
 */
int	nft_alive_start(struct event_base *);
void	nft_alive_stop(void);
/*
 * Divert only queries to these local addresses (AF_INET, AF_INET6; a
 * v4-mapped IPv6 address counts as IPv4): the sets bound4 and bound6,
 * replaced whole in one batch.  The unspecified address of a family (a
 * wildcard-bound server) means every address of that family; a family
 * without any address is not diverted at all.  Until the first call both
 * sets hold everything (0.0.0.0/0, ::/0).  With NAT (nft_rules_nat()) the
 * sets are matched against the translated destination, the address the
 * server really receives on.  0, or -1 (logged; the sets stay as they
 * were).
 */
int	nft_set_addresses(const struct sockaddr_storage *, size_t);
/* 1 if the table undoes DNAT for the door (NAT was found at start). */
int	nft_rules_nat(void);
/* "native queue" or "xt NFQUEUE", after a successful nft_rules_add(). */
const char *nft_rules_kind(void);

#endif
