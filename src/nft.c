/*
 * nft.c: the nftables table of nfqueue-rules=auto (see nft.h).
 *
 * Everything is one netlink batch, so the kernel applies it whole or not
 * at all: create the table if missing, delete it (taking a stale table of
 * a killed run and all its content with it), create it afresh, add the
 * chain and the rule.  The rule is written first with nftables' native
 * queue expression; a kernel built without nft_queue refuses the whole
 * batch with ENOENT, and the same batch is sent again with the xtables
 * NFQUEUE target (revision 3) through nft_compat, the form iptables-nft
 * writes.  nft(8) shows both as "queue num N bypass" (the compat one with
 * a "managed by iptables-nft" warning).  The compat target works in the
 * inet family (tested on 6.18), so one table covers IPv4 and IPv6.
 *
 * With NAT in the namespace the table holds the DNAT rules of nft.h too,
 * and the refresh of the alive element is a batch of its own.
 *
 * Every message but the batch delimiters asks for an ACK, and the kernel
 * answers each one in order, even for an aborted batch (the messages
 * before the failing one are then acked with 0 although nothing was
 * committed).  So the batch counts as applied only when every message got
 * a 0 ACK, and the first non-zero one names the failing step.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdio.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_NFQUEUE.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include <event2/event.h>

#include "log.h"
#include "nft.h"
#include "sockdiag.h"

#define NFT_PRIO	-150	/* mangle: ahead of filter (0) rules */
#define NFT_MAXMSG	32	/* messages asking for an ACK, per batch */
#define NFT_MAXDUMP	1024	/* bound on receive calls of a chain dump */
#define NFT_SETID	1	/* the alive set, within the batch */
#define NFT_SETID4	2	/* bound4 */
#define NFT_SETID6	3	/* bound6 */
#define NFT_TYPE_IPV4	7	/* nft(8)'s datatype ipv4_addr */
#define NFT_TYPE_IPV6	8	/* ipv6_addr */
#define NFT_TYPE_SERVICE 13	/* nft(8)'s datatype inet_service */
#define NFT_MAXRECV	64	/* bound on receive calls per batch */
#define NFT_TIMEOUT	5	/* seconds without an answer: give up */
#define NFT_BUFSZ	8192	/* a reply; NETLINK_CAP_ACK: no echo */
#define NFT_BATCHSZ	(NFT_MAXADDR * 2 * 64 + 8192)	/* a batch, at most */

enum nft_form {
	NFT_NONE,
	NFT_NATIVE,
	NFT_COMPAT
};

/* One batch on its way: what each ACKed message was, for the log. */
struct nft_batch {
	struct mnl_nlmsg_batch	*b;
	uint32_t		 seq0;		/* seq of the batch begin */
	uint32_t		 seq;		/* next seq to use */
	const char		*what[NFT_MAXMSG];
	int			 nmsg;
	int			 nack;		/* 0 ACKs received, in order */
	int			 err;		/* first kernel error, > 0 */
	const char		*errwhat;
};

/* What a batch does. */
enum nft_op {
	NFT_OP_ADD,		/* replace the table */
	NFT_OP_DEL,		/* delete the table */
	NFT_OP_REFRESH,		/* restart the alive element's timeout */
	NFT_OP_ADDRS		/* replace bound4 and bound6 */
};

static enum nft_form nft_form = NFT_NONE;
static uint16_t nft_port;		/* of the rule, for the refresh */
static int nft_nat;			/* NAT rules exist: undo DNAT too */
static uint8_t nft_anykey[16];		/* the key of 0/0 */
/* nft_set_addresses()'s keys, sorted in place: 4 or 16 bytes each. */
static uint8_t nft_keys4[NFT_MAXADDR * 4];
static uint8_t nft_keys6[NFT_MAXADDR * 16];
static size_t nft_nkeys4, nft_nkeys6;
static int nft_any4, nft_any6;
static struct event *nft_alive_ev;
static int nft_alive_failing;
static uint32_t nft_seqbase;
static const char *nft_errwhat;	/* the step the kernel refused */

/*
 * Start the next message of the batch.  The kernel answers each one
 * carrying NLM_F_ACK; what names it in a failure.
 */
static struct nlmsghdr *
nft_msg(struct nft_batch *nb, uint16_t type, uint16_t flags, const char *what)
{
	if (nb->nmsg == NFT_MAXMSG)
		return (NULL);
	nb->what[nb->nmsg++] = what;
	return (nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(nb->b), type,
	    NFPROTO_INET, flags | NLM_F_ACK, nb->seq++));
}

/* Close the message nlh (NULL: not built) and move on. */
static int
nft_next(struct nft_batch *nb, struct nlmsghdr *nlh)
{
	if (nlh == NULL)
		return (-1);
	if (!mnl_nlmsg_batch_next(nb->b)) {
		log_warnx("nftables: batch too large");
		return (-1);
	}
	return (0);
}

static int
nft_put_table(struct nft_batch *nb, uint16_t type, uint16_t flags,
    const char *what)
{
	struct nftnl_table	*t;
	struct nlmsghdr		*nlh;

	if ((t = nftnl_table_alloc()) == NULL) {
		log_warn("nftables: table");
		return (-1);
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if ((nlh = nft_msg(nb, type, flags, what)) != NULL)
		nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return (nft_next(nb, nlh));
}

static int
nft_put_chain(struct nft_batch *nb, const char *name, int prio)
{
	struct nftnl_chain	*c;
	struct nlmsghdr		*nlh;

	if ((c = nftnl_chain_alloc()) == NULL) {
		log_warn("nftables: chain");
		return (-1);
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if ((nlh = nft_msg(nb, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
	    "add chain")) != NULL)
		nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return (nft_next(nb, nlh));
}

/*
 * A set of the table: alive (the dead-man's switch, ports whose elements
 * time out), bound4 and bound6 (intervals of destination addresses).
 */
static int
nft_put_set(struct nft_batch *nb, const char *name, uint32_t type,
    uint32_t keylen, uint32_t flags, uint32_t id)
{
	struct nftnl_set	*st;
	struct nlmsghdr		*nlh;

	if ((st = nftnl_set_alloc()) == NULL) {
		log_warn("nftables: set");
		return (-1);
	}
	nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(st, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(st, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(st, NFTNL_SET_KEY_LEN, keylen);
	nftnl_set_set_u32(st, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(st, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(st, NFTNL_SET_ID, id);
	if ((nlh = nft_msg(nb, NFT_MSG_NEWSET, NLM_F_CREATE,
	    "add set")) != NULL)
		nftnl_set_nlmsg_build_payload(nlh, st);
	nftnl_set_free(st);
	return (nft_next(nb, nlh));
}

/*
 * Add (NFT_MSG_NEWSETELEM, with the timeout) or delete the port's element
 * of the alive set.
 */
static int
nft_put_elem(struct nft_batch *nb, uint16_t type, uint16_t port,
    const char *what)
{
	struct nftnl_set	*st;
	struct nftnl_set_elem	*e;
	struct nlmsghdr		*nlh = NULL;
	uint16_t		 nport = htons(port);

	if ((st = nftnl_set_alloc()) == NULL) {
		log_warn("nftables: set");
		return (-1);
	}
	nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(st, NFTNL_SET_NAME, NFT_SET_ALIVE);
	nftnl_set_set_u32(st, NFTNL_SET_FAMILY, NFPROTO_INET);
	if ((e = nftnl_set_elem_alloc()) == NULL) {
		log_warn("nftables: element");
		nftnl_set_free(st);
		return (-1);
	}
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &nport, sizeof(nport));
	if (type == NFT_MSG_NEWSETELEM)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
		    NFT_ALIVE_TIMEOUT_MS);
	nftnl_set_elem_add(st, e);	/* st owns e */
	if ((nlh = nft_msg(nb, type, type == NFT_MSG_NEWSETELEM ?
	    NLM_F_CREATE : 0, what)) != NULL)
		nftnl_set_elems_nlmsg_build_payload(nlh, st);
	nftnl_set_free(st);
	return (nft_next(nb, nlh));
}

/* key + 1 as a big-endian number of len bytes; 0 if it overflowed. */
static int
nft_addr_next(uint8_t *key, size_t len)
{
	size_t	 i;

	for (i = len; i > 0; i--)
		if (++key[i - 1] != 0)
			return (1);
	return (0);
}

static int
nft_addr_cmp4(const void *a, const void *b)
{
	return (memcmp(a, b, 4));
}

static int
nft_addr_cmp16(const void *a, const void *b)
{
	return (memcmp(a, b, 16));
}

/*
 * Fill set name (interval keys of len bytes) with the n addresses in
 * keys, sorted here; any (the family's wildcard was bound) puts the whole
 * space in instead.  Each run of consecutive addresses is one interval: a
 * start element and an end element one past it (none past the last
 * address of the space), as nft(8) sends them.  With flush, the set is
 * emptied first, in the same batch.
 */
static int
nft_put_addrs(struct nft_batch *nb, const char *name, uint8_t *keys,
    size_t n, size_t len, int any, int flush)
{
	struct nftnl_set	*st;
	struct nftnl_set_elem	*e;
	struct nlmsghdr		*nlh = NULL;
	uint8_t			 end[16], next[16];
	size_t			 i, j;
	int			 ok = 0;

	if (flush) {
		if ((st = nftnl_set_alloc()) == NULL) {
			log_warn("nftables: set");
			return (-1);
		}
		nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_TABLE);
		nftnl_set_set_str(st, NFTNL_SET_NAME, name);
		nftnl_set_set_u32(st, NFTNL_SET_FAMILY, NFPROTO_INET);
		if ((nlh = nft_msg(nb, NFT_MSG_DELSETELEM, 0,
		    "flush set")) != NULL)
			nftnl_set_elems_nlmsg_build_payload(nlh, st);
		nftnl_set_free(st);
		if (nft_next(nb, nlh) == -1)
			return (-1);
	}
	if (any) {
		memset(keys, 0, len);	/* 0/0: from 0, no end */
		n = 1;
	} else if (n == 0)
		return (0);	/* nobody bound in this family */
	else
		qsort(keys, n, len, len == 4 ? nft_addr_cmp4 : nft_addr_cmp16);
	if ((st = nftnl_set_alloc()) == NULL) {
		log_warn("nftables: set");
		return (-1);
	}
	nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(st, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(st, NFTNL_SET_FAMILY, NFPROTO_INET);
	for (i = 0; i < n && ok == 0; i = j) {
		/* The run keys[i] .. keys[j - 1], duplicates included. */
		memcpy(end, keys + i * len, len);
		ok = -1;
		if ((e = nftnl_set_elem_alloc()) == NULL)
			break;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, keys + i * len, len);
		nftnl_set_elem_add(st, e);
		for (j = i + 1; j < n; j++) {
			if (memcmp(keys + j * len, end, len) == 0)
				continue;
			memcpy(next, end, len);
			if (!nft_addr_next(next, len) ||
			    memcmp(keys + j * len, next, len) != 0)
				break;
			memcpy(end, next, len);
		}
		if (any || !nft_addr_next(end, len)) {
			ok = 0;		/* to the end of the space */
			continue;
		}
		if ((e = nftnl_set_elem_alloc()) == NULL)
			break;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, end, len);
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
		    NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(st, e);
		ok = 0;
	}
	if (ok == -1)
		log_warn("nftables: element");
	nlh = NULL;
	if (ok == 0 && (nlh = nft_msg(nb, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
	    "add addresses")) != NULL)
		nftnl_set_elems_nlmsg_build_payload(nlh, st);
	nftnl_set_free(st);
	return (nft_next(nb, nlh));
}

/* Add e to r, or free it: r owns its expressions. */
static int
nft_add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (e == NULL) {
		log_warn("nftables: expression");
		return (-1);
	}
	nftnl_rule_add_expr(r, e);
	return (0);
}

/* Register 1 must be in set name (the port in @alive, ...). */
static int
nft_x_lookup(struct nftnl_rule *r, const char *name, uint32_t id)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("lookup")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, name);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	}
	return (nft_add_expr(r, e));
}

/*
 * The queue action: native "queue num N bypass", or the xt NFQUEUE v3
 * target.  The target's info is handed over, not copied: libnftnl keeps
 * the pointer and frees it with the expression.  Its length is
 * XT_ALIGN()ed as iptables-nft sends it (x_tables data is 8-aligned).
 */
static struct nftnl_expr *
nft_queue_expr(enum nft_form form, uint16_t queue)
{
	struct nftnl_expr	*e;
	struct xt_NFQ_info_v3	*info;
	uint32_t		 len = XT_ALIGN(sizeof(*info));

	if (form == NFT_NATIVE) {
		if ((e = nftnl_expr_alloc("queue")) == NULL)
			return (NULL);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, queue);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
		    NFT_QUEUE_FLAG_BYPASS);
		return (e);
	}
	if ((info = calloc(1, len)) == NULL)
		return (NULL);
	info->queuenum = queue;
	info->queues_total = 1;
	info->flags = NFQ_FLAG_BYPASS;
	if ((e = nftnl_expr_alloc("target")) == NULL) {
		free(info);
		return (NULL);
	}
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, len);
	return (e);
}

/*
 * Expression builders: each adds one expression to r working on register
 * 1, and returns 0, or -1 (logged) after which r is freed by the caller.
 */
static int
nft_x_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("meta")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return (nft_add_expr(r, e));
}

static int
nft_x_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("cmp")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return (nft_add_expr(r, e));
}

static int
nft_x_cmp8(struct nftnl_rule *r, uint8_t v)
{
	return (nft_x_cmp(r, NFT_CMP_EQ, &v, sizeof(v)));
}

/* Load len bytes at off from base (transport header: the UDP header). */
static int
nft_x_load(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("payload")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return (nft_add_expr(r, e));
}

/*
 * Write register 1 at off from base, keeping checksums right as nft(8)
 * does: csum_off is the checksum to update (NFT_PAYLOAD_CSUM_INET), l4 the
 * flag for an address that is part of the UDP pseudo-header.
 */
static int
nft_x_write(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
    uint32_t csum_type, uint32_t csum_off, int l4)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("payload")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE, csum_type);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_OFFSET,
		    csum_off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_FLAGS,
		    l4 ? NFT_PAYLOAD_L4CSUM_PSEUDOHDR : 0);
	}
	return (nft_add_expr(r, e));
}

/* Load conntrack key of direction dir (-1: a key without one). */
static int
nft_x_ct(struct nftnl_rule *r, uint32_t key, int dir)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("ct")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		if (dir >= 0)
			nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, (uint8_t)dir);
	}
	return (nft_add_expr(r, e));
}

/*
 * ct direction original ct status dnat: a packet DNAT or REDIRECT moved;
 * fresh: and its connection is not confirmed yet (ct status dnat and not
 * confirmed), the first packet of a flow from the network.
 */
static int
nft_x_dnatted(struct nftnl_rule *r, int fresh)
{
	struct nftnl_expr	*e;
	uint32_t		 mask = IPS_DST_NAT, zero = 0;
	uint32_t		 want = IPS_DST_NAT;
	int			 ok = 0;

	if (fresh)
		mask |= IPS_CONFIRMED;

	ok |= nft_x_ct(r, NFT_CT_DIRECTION, -1);
	ok |= nft_x_cmp8(r, IP_CT_DIR_ORIGINAL);
	ok |= nft_x_ct(r, NFT_CT_STATUS, -1);
	if ((e = nftnl_expr_alloc("bitwise")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask,
		    sizeof(mask));
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero,
		    sizeof(zero));
	}
	ok |= nft_add_expr(r, e);
	if (fresh)
		ok |= nft_x_cmp(r, NFT_CMP_EQ, &want, sizeof(want));
	else
		ok |= nft_x_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
	return (ok);
}

/*
 * Rewrite the packet's destination address (and port: portchg) to those
 * of conntrack tuple dir: IP_CT_DIR_ORIGINAL puts back what the client sent to (before
 * DNAT), IP_CT_DIR_REPLY what NAT made of it.  The reply tuple's source is
 * the translated destination.
 */
static int
nft_x_setdst(struct nftnl_rule *r, int v6, int dir, int portchg)
{
	int	 ok = 0, orig = dir == IP_CT_DIR_ORIGINAL;

	if (v6) {
		ok |= nft_x_ct(r, orig ? NFT_CT_DST_IP6 : NFT_CT_SRC_IP6, dir);
		ok |= nft_x_write(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16,
		    NFT_PAYLOAD_CSUM_NONE, 0, 1);
	} else {
		ok |= nft_x_ct(r, orig ? NFT_CT_DST_IP : NFT_CT_SRC_IP, dir);
		ok |= nft_x_write(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4,
		    NFT_PAYLOAD_CSUM_INET, 10, 1);
	}
	/*
	 * The port only where NAT changed it: that write updates the UDP
	 * checksum without the exception for 0 (IPv4: none), which the
	 * address writes keep; a query without a checksum would come out
	 * with a wrong one.
	 */
	if (portchg) {
		ok |= nft_x_ct(r, orig ? NFT_CT_PROTO_DST : NFT_CT_PROTO_SRC,
		    dir);
		ok |= nft_x_write(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
		    NFT_PAYLOAD_CSUM_INET, 6, 0);
	}
	return (ok);
}

/*
 * The rules (nft.h):
 *   NFT_R_QUEUEn: meta nfproto ipvN, udp dport PORT udp dport @alive
 *                 ip[6] daddr @boundN queue
 *   NFT_R_UNNATn: the same match, ct status dnat and not confirmed,
 *                 destination set back to the client's, queue
 *   NFT_R_RENATn: meta nfproto ipvN, udp, ct status dnat, ct reply
 *                 proto-src PORT, destination set to NAT's again
 */
enum nft_rule {
	NFT_R_QUEUE4,
	NFT_R_QUEUE6,
	NFT_R_UNNAT4,
	NFT_R_UNNAT6,
	NFT_R_RENAT4,
	NFT_R_RENAT6
};

/* ct original proto-dst != PORT (portchg) or == PORT. */
static int
nft_x_portchg(struct nftnl_rule *r, int portchg, uint16_t nport)
{
	int	 ok = 0;

	ok |= nft_x_ct(r, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL);
	ok |= nft_x_cmp(r, portchg ? NFT_CMP_NEQ : NFT_CMP_EQ, &nport,
	    sizeof(nport));
	return (ok);
}

static int
nft_put_rule(struct nft_batch *nb, const char *chain, enum nft_rule kind,
    int portchg, enum nft_form form, uint16_t queue, uint16_t port)
{
	struct nftnl_rule	*r;
	struct nlmsghdr		*nlh = NULL;
	uint16_t		 nport = htons(port);
	int			 ok = 0, v6;

	if ((r = nftnl_rule_alloc()) == NULL) {
		log_warn("nftables: rule");
		return (-1);
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);

	v6 = kind == NFT_R_QUEUE6 || kind == NFT_R_UNNAT6 ||
	    kind == NFT_R_RENAT6;
	ok |= nft_x_meta(r, NFT_META_NFPROTO);
	ok |= nft_x_cmp8(r, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	ok |= nft_x_meta(r, NFT_META_L4PROTO);
	ok |= nft_x_cmp8(r, IPPROTO_UDP);
	if (kind == NFT_R_RENAT4 || kind == NFT_R_RENAT6) {
		ok |= nft_x_dnatted(r, 0);
		ok |= nft_x_ct(r, NFT_CT_PROTO_SRC, IP_CT_DIR_REPLY);
		ok |= nft_x_cmp(r, NFT_CMP_EQ, &nport, sizeof(nport));
		ok |= nft_x_portchg(r, portchg, nport);
		ok |= nft_x_setdst(r, v6, IP_CT_DIR_REPLY, portchg);
	} else {
		/* udp dport PORT, then @alive on the same register. */
		ok |= nft_x_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2,
		    sizeof(nport));
		ok |= nft_x_cmp(r, NFT_CMP_EQ, &nport, sizeof(nport));
		ok |= nft_x_lookup(r, NFT_SET_ALIVE, NFT_SETID);
		/* ip daddr @bound4, ip6 daddr @bound6 */
		ok |= nft_x_load(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16,
		    v6 ? 16 : 4);
		ok |= nft_x_lookup(r, v6 ? NFT_SET_BOUND6 : NFT_SET_BOUND4,
		    v6 ? NFT_SETID6 : NFT_SETID4);
		if (kind == NFT_R_UNNAT4 || kind == NFT_R_UNNAT6) {
			ok |= nft_x_dnatted(r, 1);
			ok |= nft_x_portchg(r, portchg, nport);
			ok |= nft_x_setdst(r, v6, IP_CT_DIR_ORIGINAL, portchg);
		}
		ok |= nft_add_expr(r, nft_queue_expr(form, queue));
	}
	if (ok == 0 && (nlh = nft_msg(nb, NFT_MSG_NEWRULE,
	    NLM_F_CREATE | NLM_F_APPEND, "add rule")) != NULL)
		nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return (nft_next(nb, nlh));
}

/* NLMSG_ERROR: an ACK (error 0) or a failure, for one of our messages. */
static int
nft_ack_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nft_batch		*nb = arg;
	const struct nlmsgerr		*err = mnl_nlmsg_get_payload(nlh);
	uint32_t			 i;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
		return (MNL_CB_ERROR);
	/* Sequence check: only answers to this batch count (unsigned). */
	i = nlh->nlmsg_seq - nb->seq0;
	if (i > (uint32_t)nb->nmsg) {
		log_debug("nftables: stray answer seq %u", nlh->nlmsg_seq);
		return (MNL_CB_OK);
	}
	if (err->error == 0) {
		if (i > 0)	/* the batch begin is not ours to count */
			nb->nack++;
		return (nb->nack == nb->nmsg ? MNL_CB_STOP : MNL_CB_OK);
	}
	/* i == 0 is the batch begin, refused as a whole (e.g. EPERM). */
	nb->err = err->error < 0 ? -err->error : err->error;
	nb->errwhat = i == 0 ? "change" : nb->what[i - 1];
	return (MNL_CB_STOP);
}

/*
 * Send the batch and read the answers until every message is ACKed or one
 * failed.  0 if applied; -1 with nb->err set to the kernel's errno, or
 * with nb->err 0 after a local failure (logged).  A socket timeout and a
 * bound on receive calls keep a silent kernel from hanging start-up.
 */
static int
nft_send(struct mnl_socket *nl, struct nft_batch *nb)
{
	mnl_cb_t	 ctl[NLMSG_MIN_TYPE] = { NULL };
	char		 buf[NFT_BUFSZ];
	struct timeval	 tv = { NFT_TIMEOUT, 0 };
	unsigned int	 portid = mnl_socket_get_portid(nl);
	ssize_t		 n;
	int		 i, rc;

	ctl[NLMSG_ERROR] = nft_ack_cb;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1) {
		log_warn("nftables: SO_RCVTIMEO");
		return (-1);
	}
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(nb->b),
	    mnl_nlmsg_batch_size(nb->b)) == -1) {
		log_warn("nftables: send");
		return (-1);
	}
	for (i = 0; i < NFT_MAXRECV; i++) {
		if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) == -1) {
			log_warn("nftables: receive");
			return (-1);
		}
		/*
		 * seq 0 turns off libmnl's own check, which wants one
		 * seq; nft_ack_cb checks the batch's range instead.
		 */
		rc = mnl_cb_run2(buf, (size_t)n, 0, portid, NULL, nb, ctl,
		    NLMSG_MIN_TYPE);
		if (nb->err != 0)
			return (-1);
		if (rc == -1) {
			log_warn("nftables: answer");
			return (-1);
		}
		if (nb->nack == nb->nmsg)
			return (0);
	}
	log_warnx("nftables: no complete answer from the kernel");
	return (-1);
}

/*
 * Build and send one batch (enum nft_op); NFT_OP_ADD with the given form
 * of queue action.  The refresh deletes and adds the element again in one
 * transaction: adding an element that exists does not restart its
 * timeout, and the first add makes the delete safe when it expired.  0 if
 * applied, the kernel's errno (> 0, step in nft_errwhat) if refused, -1
 * for a local failure (logged).
 */
static int
nft_batch(enum nft_op op, enum nft_form form, uint16_t queue, uint16_t port)
{
	static char		 buf[2 * NFT_BATCHSZ];
	struct mnl_socket	*nl;
	struct nft_batch	 nb;
	int			 rc = -1, on = 1, i;

	memset(&nb, 0, sizeof(nb));
	/* Distinct seqs per batch and per run, as nft(8) does. */
	if (nft_seqbase == 0)
		nft_seqbase = (uint32_t)time(NULL);
	nb.seq0 = nb.seq = nft_seqbase;
	nft_seqbase += NFT_MAXMSG + 2;

	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL) {
		log_warn("nftables: netlink socket");
		return (-1);
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("nftables: netlink bind");
		goto out;
	}
	/* An error's ACK without a copy of our (long) message. */
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_CAP_ACK,
	    &on, sizeof(on));
	/* The batch uses at most half of buf: libmnl's documented rule. */
	if ((nb.b = mnl_nlmsg_batch_start(buf, NFT_BATCHSZ)) == NULL) {
		log_warn("nftables: batch");
		goto out;
	}
	if (nft_next(&nb, nftnl_batch_begin(mnl_nlmsg_batch_current(nb.b),
	    nb.seq++)) == -1)
		goto out;
	if (op == NFT_OP_ADD) {
		/* Create-if-missing first, so the delete cannot fail. */
		if (nft_put_table(&nb, NFT_MSG_NEWTABLE, NLM_F_CREATE,
		    "add table") == -1 ||
		    nft_put_table(&nb, NFT_MSG_DELTABLE, 0,
		    "delete old table") == -1 ||
		    nft_put_table(&nb, NFT_MSG_NEWTABLE,
		    NLM_F_CREATE | NLM_F_EXCL, "add table") == -1 ||
		    nft_put_set(&nb, NFT_SET_ALIVE, NFT_TYPE_SERVICE,
		    sizeof(uint16_t), NFT_SET_TIMEOUT, NFT_SETID) == -1 ||
		    nft_put_elem(&nb, NFT_MSG_NEWSETELEM, port,
		    "add element") == -1 ||
		    nft_put_set(&nb, NFT_SET_BOUND4, NFT_TYPE_IPV4, 4,
		    NFT_SET_INTERVAL, NFT_SETID4) == -1 ||
		    nft_put_addrs(&nb, NFT_SET_BOUND4, nft_anykey, 0, 4, 1,
		    0) == -1 ||
		    nft_put_set(&nb, NFT_SET_BOUND6, NFT_TYPE_IPV6, 16,
		    NFT_SET_INTERVAL, NFT_SETID6) == -1 ||
		    nft_put_addrs(&nb, NFT_SET_BOUND6, nft_anykey, 0, 16, 1,
		    0) == -1 ||
		    nft_put_chain(&nb, NFT_CHAIN, NFT_PRIO) == -1)
			goto out;
		for (i = 0; nft_nat && i < 4; i++)
			if (nft_put_rule(&nb, NFT_CHAIN, i < 2 ? NFT_R_UNNAT4 :
			    NFT_R_UNNAT6, i % 2, form, queue, port) == -1)
				goto out;
		if (nft_put_rule(&nb, NFT_CHAIN, NFT_R_QUEUE4, 0, form, queue,
		    port) == -1 ||
		    nft_put_rule(&nb, NFT_CHAIN, NFT_R_QUEUE6, 0, form, queue,
		    port) == -1)
			goto out;
		if (nft_nat &&
		    nft_put_chain(&nb, NFT_CHAIN_RENAT, NFT_PRIO + 1) == -1)
			goto out;
		for (i = 0; nft_nat && i < 4; i++)
			if (nft_put_rule(&nb, NFT_CHAIN_RENAT, i < 2 ?
			    NFT_R_RENAT4 : NFT_R_RENAT6, i % 2, form, queue,
			    port) == -1)
				goto out;
	} else if (op == NFT_OP_REFRESH) {
		if (nft_put_elem(&nb, NFT_MSG_NEWSETELEM, port,
		    "add element") == -1 ||
		    nft_put_elem(&nb, NFT_MSG_DELSETELEM, port,
		    "delete element") == -1 ||
		    nft_put_elem(&nb, NFT_MSG_NEWSETELEM, port,
		    "add element") == -1)
			goto out;
	} else if (op == NFT_OP_ADDRS) {
		if (nft_put_addrs(&nb, NFT_SET_BOUND4, nft_keys4, nft_nkeys4,
		    4, nft_any4, 1) == -1 ||
		    nft_put_addrs(&nb, NFT_SET_BOUND6, nft_keys6, nft_nkeys6,
		    16, nft_any6, 1) == -1)
			goto out;
	} else if (nft_put_table(&nb, NFT_MSG_DELTABLE, 0,
	    "delete table") == -1)
		goto out;
	if (nft_next(&nb, nftnl_batch_end(mnl_nlmsg_batch_current(nb.b),
	    nb.seq++)) == -1)
		goto out;
	if ((rc = nft_send(nl, &nb)) == -1 && nb.err != 0) {
		rc = nb.err;
		nft_errwhat = nb.errwhat;
	}
out:
	if (nb.b != NULL)
		mnl_nlmsg_batch_stop(nb.b);
	mnl_socket_close(nl);
	return (rc);
}

/* One chain of the dump: is it of type nat? */
static int
nft_nat_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_chain	*c;
	const char		*type;
	int			*found = arg;

	if ((c = nftnl_chain_alloc()) == NULL)
		return (MNL_CB_ERROR);
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) &&
	    (type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE)) != NULL &&
	    strcmp(type, "nat") == 0)
		*found = 1;
	nftnl_chain_free(c);
	return (MNL_CB_OK);
}

/* A legacy iptables nat table in this namespace (ip or ip6). */
static int
nft_nat_legacy(const char *path)
{
	FILE	*f;
	char	 line[64];
	int	 found = 0;

	if ((f = fopen(path, "re")) == NULL)
		return (0);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strcmp(line, "nat\n") == 0;
	fclose(f);
	return (found);
}

/*
 * Does this network namespace do NAT (a chain of type nat in nftables,
 * iptables-nft included, or a legacy iptables nat table)?  Only then do
 * the DNAT rules go in: their ct expressions turn connection tracking on
 * for the namespace, which a host without NAT must not pay for (nor risk
 * a full conntrack table dropping DNS).  A dump that fails counts as
 * "no" (logged at debug level).
 */
static int
nft_nat_present(void)
{
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	char			 buf[NFT_BUFSZ];
	struct timeval		 tv = { NFT_TIMEOUT, 0 };
	uint32_t		 seq = (uint32_t)time(NULL), portid;
	ssize_t			 n;
	int			 found = 0, rc = MNL_CB_OK, i;

	if (nft_nat_legacy("/proc/net/ip_tables_names") ||
	    nft_nat_legacy("/proc/net/ip6_tables_names"))
		return (1);
	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL)
		return (0);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC,
	    NLM_F_DUMP, seq);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		goto out;
	for (i = 0; i < NFT_MAXDUMP && rc > MNL_CB_STOP; i++) {
		if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) <= 0)
			break;
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, nft_nat_cb,
		    &found);
	}
	if (rc == MNL_CB_ERROR)
		log_debug("nftables: listing chains: %s", strerror(errno));
out:
	mnl_socket_close(nl);
	return (found);
}

/* Log the outcome of nft_batch() when it is a kernel refusal. */
static int
nft_refused(int rc)
{
	if (rc > 0)
		log_warnx("nftables: %s inet %s: %s%s", nft_errwhat, NFT_TABLE,
		    strerror(rc), rc == EPERM ? " (needs CAP_NET_ADMIN)" : "");
	return (-1);
}

int
nft_rules_add(uint16_t queue, uint16_t port)
{
	enum nft_form	 form = NFT_NATIVE;
	int		 rc;

	nft_form = NFT_NONE;
	nft_nat = nft_nat_present();
	rc = nft_batch(NFT_OP_ADD, form, queue, port);
	/*
	 * A kernel without nft_queue refuses the rule with ENOENT (no such
	 * expression type); nothing was applied, so send it all again with
	 * the compat target.
	 */
	if (rc == ENOENT || rc == EOPNOTSUPP) {
		log_debug("nftables: %s with native queue: %s; trying xt "
		    "NFQUEUE", nft_errwhat, strerror(rc));
		form = NFT_COMPAT;
		rc = nft_batch(NFT_OP_ADD, form, queue, port);
	}
	if (rc != 0)
		return (nft_refused(rc));
	nft_form = form;
	nft_port = port;
	return (0);
}

int
nft_rules_del(void)
{
	int	rc;

	nft_alive_stop();
	nft_form = NFT_NONE;
	if ((rc = nft_batch(NFT_OP_DEL, NFT_NONE, 0, 0)) == 0 || rc == ENOENT)
		return (0);
	return (nft_refused(rc));
}

/*
 * The event loop's heartbeat: while this timer runs, the alive element
 * never expires.  A stopped or stuck loop stops refreshing it, and within
 * NFT_ALIVE_TIMEOUT_MS the rule no longer matches: packets go straight to
 * the bound server.  A failed refresh is logged once (the same).
 */
/*
 * Only where the server answers: the addresses with a UDP socket bound
 * on the port, read from the kernel (sock_diag, no privilege needed) at
 * start and then every NFT_BOUND_POLL refreshes, go to bound4/bound6
 * when they change, so that a query to an address where nothing listens
 * (or that the server does not serve) passes untouched, and a server
 * that rebinds is followed within a second.  When the kernel cannot
 * tell, the sets stay as they are (at start: every address).
 */
#define NFT_BOUND_POLL	(1000 / NFT_ALIVE_REFRESH_MS)
static struct sockaddr_storage	 nft_bound[2 * NFT_MAXADDR];
static struct sockaddr_storage	 nft_bound_new[2 * NFT_MAXADDR];
static size_t			 nft_nbound;
static int			 nft_bound_known, nft_bound_failing;
static unsigned int		 nft_ticks;

static void
nft_bound_text(const struct sockaddr_storage *a, size_t n, char *buf,
    size_t len)
{
	char	 addr[INET6_ADDRSTRLEN];
	size_t	 i, off = 0;
	int	 w;

	buf[0] = '\0';
	if (n == 0) {
		snprintf(buf, len, "nothing (no query is diverted)");
		return;
	}
	for (i = 0; i < n && off < len; i++) {
		if (a[i].ss_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
			    &a[i])->sin_addr, addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
			    &a[i])->sin6_addr, addr, sizeof(addr));
		w = snprintf(buf + off, len - off, "%s%s", i ? " " : "",
		    addr);
		if (w < 0 || (size_t)w >= len - off) {
			snprintf(buf + (len > 4 ? len - 4 : 0),
			    len > 4 ? 4 : len, "...");
			return;
		}
		off += (size_t)w;
	}
}

static void
nft_bound_follow(void)
{
	char	 text[256];
	int	 n;

	n = sockdiag_udp_bound(nft_port, nft_bound_new,
	    sizeof(nft_bound_new) / sizeof(nft_bound_new[0]));
	if (n == -1) {
		if (!nft_bound_failing++)
			log_warn("nfqueue: cannot read where port %u is bound; "
			    "the addresses diverted stay as they are", nft_port);
		return;
	}
	nft_bound_failing = 0;
	if (nft_bound_known && sockdiag_same(nft_bound_new, (size_t)n,
	    nft_bound, nft_nbound))
		return;
	if (nft_set_addresses(nft_bound_new, (size_t)n) == -1)
		return;
	memcpy(nft_bound, nft_bound_new, (size_t)n * sizeof(nft_bound[0]));
	nft_nbound = (size_t)n;
	nft_bound_known = 1;
	nft_bound_text(nft_bound, nft_nbound, text, sizeof(text));
	log_info("nfqueue: a server is bound on port %u at: %s", nft_port,
	    text);
}

static void
nft_alive_cb(int fd, short ev, void *arg)
{
	int	 rc;

	(void)fd;
	(void)ev;
	(void)arg;
	if (++nft_ticks % NFT_BOUND_POLL == 0)
		nft_bound_follow();
	if ((rc = nft_batch(NFT_OP_REFRESH, NFT_NONE, 0, nft_port)) == 0) {
		if (nft_alive_failing) {
			log_info("nftables: alive element refreshed again");
			nft_alive_failing = 0;
		}
		return;
	}
	if (!nft_alive_failing++) {
		if (rc > 0)
			log_warnx("nftables: refreshing the alive element: "
			    "%s: %s; packets go to the server unanswered",
			    nft_errwhat, strerror(rc));
		else
			log_warnx("nftables: refreshing the alive element "
			    "failed; packets go to the server unanswered");
	}
}

int
nft_alive_start(struct event_base *base)
{
	struct timeval	 tv = { 0, NFT_ALIVE_REFRESH_MS * 1000 };

	if (nft_form == NFT_NONE)
		return (-1);
	nft_alive_failing = 0;
	if ((nft_alive_ev = event_new(base, -1, EV_PERSIST, nft_alive_cb,
	    NULL)) == NULL || event_add(nft_alive_ev, &tv) == -1) {
		log_warnx("nftables: alive timer");
		nft_alive_stop();
		return (-1);
	}
	/* The table came with a fresh element; where the server is bound
	 * is asked at once. */
	nft_bound_known = 0;
	nft_bound_follow();
	return (0);
}

void
nft_alive_stop(void)
{
	if (nft_alive_ev != NULL) {
		event_free(nft_alive_ev);
		nft_alive_ev = NULL;
	}
}

int
nft_set_addresses(const struct sockaddr_storage *addrs, size_t n)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	size_t				 i;
	int				 rc;

	if (nft_form == NFT_NONE)
		return (-1);
	nft_nkeys4 = nft_nkeys6 = 0;
	nft_any4 = nft_any6 = 0;
	for (i = 0; i < n; i++) {
		if (addrs[i].ss_family == AF_INET) {
			sin = (const struct sockaddr_in *)&addrs[i];
			if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
				nft_any4 = 1;
			else if (nft_nkeys4 < NFT_MAXADDR)
				memcpy(nft_keys4 + 4 * nft_nkeys4++,
				    &sin->sin_addr, 4);
			else
				goto toomany;
		} else if (addrs[i].ss_family == AF_INET6) {
			sin6 = (const struct sockaddr_in6 *)&addrs[i];
			if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
				nft_any6 = 1;
			else if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
				if (nft_nkeys4 == NFT_MAXADDR)
					goto toomany;
				memcpy(nft_keys4 + 4 * nft_nkeys4++,
				    &sin6->sin6_addr.s6_addr[12], 4);
			} else if (nft_nkeys6 < NFT_MAXADDR)
				memcpy(nft_keys6 + 16 * nft_nkeys6++,
				    &sin6->sin6_addr, 16);
			else
				goto toomany;
		}
	}
	if ((rc = nft_batch(NFT_OP_ADDRS, NFT_NONE, 0, 0)) != 0)
		return (nft_refused(rc));
	return (0);
toomany:
	/* The door stays on every address rather than on a wrong list. */
	log_warnx("nftables: more than %d bound addresses of a family",
	    NFT_MAXADDR);
	return (-1);
}

int
nft_rules_nat(void)
{
	return (nft_form != NFT_NONE && nft_nat);
}

const char *
nft_rules_kind(void)
{
	switch (nft_form) {
	case NFT_NATIVE:
		return ("native queue");
	case NFT_COMPAT:
		return ("xt NFQUEUE");
	default:
		return ("none");
	}
}
