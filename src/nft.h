/*
 * nft.h: the nftables rules of nfqueue-rules=auto.  They live in one table,
 * "inet briskdns", which briskdns owns whole: replaced atomically at start
 * (so a stale one from a killed run goes), deleted at exit.  The rule is
 *
 *   table inet briskdns {
 *     chain input {
 *       type filter hook input priority -150; policy accept;
 *       udp dport PORT queue num N bypass
 *     }
 *   }
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

/* Replace the table with one holding the rule.  0, or -1 (logged). */
int	nft_rules_add(uint16_t queue, uint16_t port);
/* Delete the table if it exists.  0, or -1 (logged). */
int	nft_rules_del(void);
/* "native queue" or "xt NFQUEUE", after a successful nft_rules_add(). */
const char *nft_rules_kind(void);

#endif
