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

#include <linux/netfilter.h>
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

#define NFT_PRIO	-150	/* mangle: ahead of filter (0) rules */
#define NFT_MAXMSG	16	/* messages asking for an ACK, per batch */
#define NFT_SETID	1	/* the alive set, within the batch */
#define NFT_TYPE_SERVICE 13	/* nft(8)'s datatype inet_service */
#define NFT_MAXRECV	64	/* bound on receive calls per batch */
#define NFT_TIMEOUT	5	/* seconds without an answer: give up */
#define NFT_BUFSZ	8192	/* our batch is < 1 KiB, an ACK smaller */

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
	NFT_OP_REFRESH		/* restart the alive element's timeout */
};

static enum nft_form nft_form = NFT_NONE;
static uint16_t nft_port;		/* of the rule, for the refresh */
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
nft_put_chain(struct nft_batch *nb)
{
	struct nftnl_chain	*c;
	struct nlmsghdr		*nlh;

	if ((c = nftnl_chain_alloc()) == NULL) {
		log_warn("nftables: chain");
		return (-1);
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, NFT_CHAIN);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, NFT_PRIO);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if ((nlh = nft_msg(nb, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
	    "add chain")) != NULL)
		nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return (nft_next(nb, nlh));
}

/* The dead-man's switch: a set of ports whose elements time out. */
static int
nft_put_set(struct nft_batch *nb)
{
	struct nftnl_set	*st;
	struct nlmsghdr		*nlh;

	if ((st = nftnl_set_alloc()) == NULL) {
		log_warn("nftables: set");
		return (-1);
	}
	nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(st, NFTNL_SET_NAME, NFT_SET_ALIVE);
	nftnl_set_set_u32(st, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(st, NFTNL_SET_KEY_LEN, sizeof(uint16_t));
	nftnl_set_set_u32(st, NFTNL_SET_KEY_TYPE, NFT_TYPE_SERVICE);
	nftnl_set_set_u32(st, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT);
	nftnl_set_set_u32(st, NFTNL_SET_ID, NFT_SETID);
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
 * meta l4proto udp, udp dport PORT, udp dport @alive (the same register:
 * no second load), then the queue action.
 */
static int
nft_put_rule(struct nft_batch *nb, enum nft_form form, uint16_t queue,
    uint16_t port)
{
	struct nftnl_rule	*r;
	struct nftnl_expr	*e;
	struct nlmsghdr		*nlh = NULL;
	uint16_t		 nport = htons(port);
	int			 ok = 0;

	if ((r = nftnl_rule_alloc()) == NULL) {
		log_warn("nftables: rule");
		return (-1);
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NFT_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);

	if ((e = nftnl_expr_alloc("meta")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	ok |= nft_add_expr(r, e);
	if ((e = nftnl_expr_alloc("cmp")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set_u8(e, NFTNL_EXPR_CMP_DATA, IPPROTO_UDP);
	}
	ok |= nft_add_expr(r, e);
	if ((e = nftnl_expr_alloc("payload")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
		    NFT_PAYLOAD_TRANSPORT_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, sizeof(nport));
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	ok |= nft_add_expr(r, e);
	if ((e = nftnl_expr_alloc("cmp")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &nport, sizeof(nport));
	}
	ok |= nft_add_expr(r, e);
	if ((e = nftnl_expr_alloc("lookup")) != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, NFT_SET_ALIVE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, NFT_SETID);
	}
	ok |= nft_add_expr(r, e);
	ok |= nft_add_expr(r, nft_queue_expr(form, queue));

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
	struct mnl_socket	*nl;
	struct nft_batch	 nb;
	char			 buf[2 * NFT_BUFSZ];
	int			 rc = -1;

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
	/* The batch uses at most half of buf: libmnl's documented rule. */
	if ((nb.b = mnl_nlmsg_batch_start(buf, NFT_BUFSZ)) == NULL) {
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
		    nft_put_set(&nb) == -1 ||
		    nft_put_elem(&nb, NFT_MSG_NEWSETELEM, port,
		    "add element") == -1 ||
		    nft_put_chain(&nb) == -1 ||
		    nft_put_rule(&nb, form, queue, port) == -1)
			goto out;
	} else if (op == NFT_OP_REFRESH) {
		if (nft_put_elem(&nb, NFT_MSG_NEWSETELEM, port,
		    "add element") == -1 ||
		    nft_put_elem(&nb, NFT_MSG_DELSETELEM, port,
		    "delete element") == -1 ||
		    nft_put_elem(&nb, NFT_MSG_NEWSETELEM, port,
		    "add element") == -1)
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
static void
nft_alive_cb(int fd, short ev, void *arg)
{
	int	 rc;

	(void)fd;
	(void)ev;
	(void)arg;
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
	/* The table came with a fresh element: nothing to do at once. */
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
