/*
 * intercept.c: the interception door.  Packets bound for the already-bound
 * server's port come from netfilter queue conf->nfqueue (the rules are
 * nft.c's); those query_local_answer() answers (the empty AAAA answer) are
 * answered from the server's own address and port over a raw socket and
 * dropped, every other packet is accepted unchanged.
 *
 * Fail open everywhere: the queue is bound with NFQA_CFG_F_FAIL_OPEN (a
 * full queue accepts instead of dropping), the rule carries bypass (no
 * listener: accept), a packet we cannot parse, one longer than the copy
 * range, and a query whose reply cannot be sent are all accepted.
 *
 * One netlink socket (libmnl) carries packets in and verdicts out.  Per
 * readable event up to INTERCEPT_BATCH messages are read with one
 * recvmmsg() and their verdicts go back concatenated in one sendto().
 * Every buffer is static and fixed in size; the walk over netlink messages
 * is bounded by the bytes received, attribute lengths are checked by
 * nfq_nlmsg_parse() and against the buffer again here.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "config.h"
#include "intercept.h"
#include "ippkt.h"
#include "log.h"
#include "nft.h"
#include "query.h"

#define INTERCEPT_BATCH		64	/* netlink messages per event */
#define INTERCEPT_COPYRANGE	8192	/* bytes of each packet copied */
/* One queued packet: its bytes and the attributes around them. */
#define INTERCEPT_SLOTSZ	(INTERCEPT_COPYRANGE + 4096)
#define INTERCEPT_QMAXLEN	4096	/* packets queued in the kernel */
#define INTERCEPT_RCVBUF	(4 * 1024 * 1024)
#define INTERCEPT_VERDICTSZ	64	/* room for one verdict message */
#define INTERCEPT_DNSBUF	4096	/* the local answer */
#define INTERCEPT_ACK_MS	2000	/* wait for the kernel's config ack */

struct intercept_stats	 intercept_stats;

static struct mnl_socket	*icpt_nl;
static struct event		*icpt_ev;
static int			 icpt_raw4 = -1;
static int			 icpt_raw6 = -1;
static uint16_t			 icpt_queue;
static uint16_t			 icpt_port;
static unsigned int		 icpt_portid;
static uint64_t			 icpt_overruns;	/* ENOBUFS from the kernel */
static uint64_t			 icpt_verdict_errors;

/* A config request waiting for its ack. */
static uint32_t			 icpt_cfg_seq;
static int			 icpt_cfg_done;
static int			 icpt_cfg_errno;

static uint8_t		 icpt_slots[INTERCEPT_BATCH][INTERCEPT_SLOTSZ];
static struct mmsghdr	 icpt_msgs[INTERCEPT_BATCH];
static struct iovec	 icpt_iovs[INTERCEPT_BATCH];
static uint8_t		 icpt_verdicts[INTERCEPT_BATCH * INTERCEPT_VERDICTSZ];
static size_t		 icpt_nverdict;		/* bytes used */
static uint8_t		 icpt_dns[INTERCEPT_DNSBUF];
static uint8_t		 icpt_reply[INTERCEPT_DNSBUF + 64];

static void	intercept_flush(void);

/* Queue one verdict; flush first if the buffer is full. */
static void
intercept_verdict(uint32_t id, int verdict)
{
	struct nlmsghdr	*nlh;

	if (sizeof(icpt_verdicts) - icpt_nverdict < INTERCEPT_VERDICTSZ)
		intercept_flush();
	nlh = nfq_nlmsg_put((char *)icpt_verdicts + icpt_nverdict,
	    NFQNL_MSG_VERDICT, icpt_queue);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	icpt_nverdict += NLMSG_ALIGN(nlh->nlmsg_len);
	if (verdict == NF_ACCEPT)
		intercept_stats.accepted++;
}

/* Every verdict of the batch in one datagram to the kernel. */
static void
intercept_flush(void)
{
	if (icpt_nverdict == 0)
		return;
	if (mnl_socket_sendto(icpt_nl, icpt_verdicts, icpt_nverdict) < 0) {
		/* The packets stay queued; the kernel accepts on overflow
		 * and drops them when the queue is unbound. */
		if (icpt_verdict_errors++ == 0)
			log_warn("intercept: sending verdicts");
	}
	icpt_nverdict = 0;
}

static int
intercept_unicast(const struct ipdns *d)
{
	static const uint8_t	 zero[16];

	if (d->family == AF_INET)
		return d->dst[0] < 224 && memcmp(d->src, zero, 4) != 0 &&
		    d->src[0] < 224;
	return d->dst[0] != 0xff && d->src[0] != 0xff &&
	    memcmp(d->src, zero, 16) != 0;
}

/* Send the reply from the server's address; 0, or -1: accept the query. */
static int
intercept_send(const struct ipdns *q, const uint8_t *dns, size_t dnslen,
    uint32_t ifindex)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr		*sa;
	socklen_t		 salen;
	size_t			 n;
	int			 fd;

	n = ippkt_build_reply(q, dns, dnslen, icpt_reply, sizeof(icpt_reply));
	if (n == 0)
		return -1;
	if (q->family == AF_INET) {
		if ((fd = icpt_raw4) == -1)
			return -1;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, q->src, 4);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else {
		if ((fd = icpt_raw6) == -1)
			return -1;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, q->src, 16);
		/* A link-local client is reached over the query's link. */
		if (IN6_IS_ADDR_LINKLOCAL(&sin6.sin6_addr))
			sin6.sin6_scope_id = ifindex;
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	}
	if (sendto(fd, icpt_reply, n, 0, sa, salen) != (ssize_t)n) {
		if (intercept_stats.send_errors++ == 0)
			log_warn("intercept: sending a reply");
		return -1;
	}
	return 0;
}

/*
 * The input hook runs before UDP verifies checksums: a corrupted query
 * must not be answered when the server would have dropped it.  A packet
 * made on this host may carry only a partial checksum (CSUMNOTREADY);
 * an IPv4 checksum of 0 means none.
 */
static int
intercept_csum_ok(const struct ipdns *q, struct nlattr **attr)
{
	const uint8_t	*udp = q->payload - 8;
	uint32_t	 info = 0;

	if (attr[NFQA_SKB_INFO] != NULL)
		info = ntohl(mnl_attr_get_u32(attr[NFQA_SKB_INFO]));
	if (info & NFQA_SKB_CSUMNOTREADY)
		return 1;
	if (q->family == AF_INET && udp[6] == 0 && udp[7] == 0)
		return 1;
	return ippkt_udp_checksum(q, udp, q->payload_len + 8) == 0;
}

/* The query's source as a socket address: the client, for the policy's
 * per-client rules (aaaa-forward-client=, aaaa-empty-client=). */
static const struct sockaddr *
intercept_client(const struct ipdns *q, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (q->family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, q->src, 4);
		sin->sin_port = htons(q->sport);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, q->src, 16);
		sin6->sin6_port = htons(q->sport);
	}
	return (const struct sockaddr *)ss;
}

/* One queued packet: answer it and drop it, or accept it. */
static void
intercept_packet(const struct nlmsghdr *nlh)
{
	struct nlattr			*attr[NFQA_MAX + 1];
	struct nfqnl_msg_packet_hdr	*ph;
	struct sockaddr_storage		 from;
	struct ipdns			 q;
	const uint8_t			*pkt;
	size_t				 len, n;
	uint32_t			 id, ifindex = 0;
	int				 parsed, malformed;

	/* Attributes are stored only once validated, so after a failed
	 * parse those before the bad one are still good. */
	memset(attr, 0, sizeof(attr));
	parsed = nfq_nlmsg_parse(nlh, attr);
	if (attr[NFQA_PACKET_HDR] == NULL ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph)) {
		/* Without an id there is nothing to give a verdict on. */
		intercept_stats.unparseable++;
		return;
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	intercept_stats.seen++;

	if (parsed < 0 || attr[NFQA_PAYLOAD] == NULL) {
		intercept_stats.unparseable++;
		intercept_verdict(id, NF_ACCEPT);
		return;
	}
	pkt = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	/* Longer than the copy range: we saw only part of it. */
	if (attr[NFQA_CAP_LEN] != NULL &&
	    ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN])) != len) {
		intercept_stats.unparseable++;
		intercept_verdict(id, NF_ACCEPT);
		return;
	}
	if (attr[NFQA_IFINDEX_INDEV] != NULL)
		ifindex = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));

	if (ippkt_parse(pkt, len, icpt_port, &q) == -1 ||
	    !intercept_unicast(&q) || !intercept_csum_ok(&q, attr)) {
		intercept_stats.unparseable++;
		intercept_verdict(id, NF_ACCEPT);
		return;
	}
	n = query_local_answer(q.payload, q.payload_len,
	    intercept_client(&q, &from), icpt_dns, sizeof(icpt_dns),
	    &malformed);
	if (malformed)
		intercept_stats.unparseable++;
	if (n == 0 || n > sizeof(icpt_dns) ||
	    intercept_send(&q, icpt_dns, n, ifindex) == -1) {
		intercept_verdict(id, NF_ACCEPT);
		return;
	}
	intercept_stats.answered++;
	intercept_verdict(id, NF_DROP);
}

/* Every netlink message in one received datagram, bounded by its bytes. */
static void
intercept_walk(const uint8_t *buf, size_t len)
{
	const struct nlmsghdr	*nlh = (const struct nlmsghdr *)buf;
	const struct nlmsgerr	*err;
	int			 left = (int)len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_type == ((NFNL_SUBSYS_QUEUE << 8) |
		    NFQNL_MSG_PACKET)) {
			intercept_packet(nlh);
		} else if (nlh->nlmsg_type == NLMSG_ERROR &&
		    mnl_nlmsg_get_payload_len(nlh) >= sizeof(*err)) {
			err = mnl_nlmsg_get_payload(nlh);
			if (icpt_cfg_seq != 0 && nlh->nlmsg_seq == icpt_cfg_seq) {
				icpt_cfg_errno = -err->error;
				icpt_cfg_done = 1;
			} else if (err->error != 0)
				log_debug("intercept: kernel: %s",
				    strerror(-err->error));
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

/* Read one batch; returns the datagrams read, or -1 (EAGAIN or error). */
static int
intercept_read(void)
{
	int	 fd = mnl_socket_get_fd(icpt_nl), n, i;

	for (i = 0; i < INTERCEPT_BATCH; i++) {
		icpt_iovs[i].iov_base = icpt_slots[i];
		icpt_iovs[i].iov_len = sizeof(icpt_slots[i]);
		memset(&icpt_msgs[i], 0, sizeof(icpt_msgs[i]));
		icpt_msgs[i].msg_hdr.msg_iov = &icpt_iovs[i];
		icpt_msgs[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(fd, icpt_msgs, INTERCEPT_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno == ENOBUFS) {
			/* The kernel dropped messages: fail-open accepted the
			 * packets that did not fit. */
			if (icpt_overruns++ == 0)
				log_warnx("intercept: queue overrun, packets "
				    "passed on unanswered");
		} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			log_warn("intercept: recvmmsg");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (icpt_msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			log_warnx("intercept: truncated netlink message");
		intercept_walk(icpt_slots[i], icpt_msgs[i].msg_len);
	}
	intercept_flush();
	return n;
}

static void
intercept_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	(void)intercept_read();
}

/*
 * Send a config message with NLM_F_ACK and wait for its ack (packets that
 * arrive meanwhile go the normal way).  0, or -1 with errno set.
 */
static int
intercept_config(struct nlmsghdr *nlh)
{
	struct pollfd	 pfd;
	struct timespec	 start, now;
	long		 ms;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = icpt_cfg_seq = (uint32_t)time(NULL) | 1;
	icpt_cfg_done = 0;
	icpt_cfg_errno = 0;
	if (mnl_socket_sendto(icpt_nl, nlh, nlh->nlmsg_len) < 0) {
		icpt_cfg_seq = 0;
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!icpt_cfg_done) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= INTERCEPT_ACK_MS) {
			icpt_cfg_seq = 0;
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = mnl_socket_get_fd(icpt_nl);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(INTERCEPT_ACK_MS - ms)) == -1 &&
		    errno != EINTR) {
			icpt_cfg_seq = 0;
			return -1;
		}
		(void)intercept_read();
	}
	icpt_cfg_seq = 0;
	if (icpt_cfg_errno != 0) {
		errno = icpt_cfg_errno;
		return -1;
	}
	return 0;
}

static int
intercept_raw(int family)
{
	int	 fd, on = 1;

	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_RAW);
	if (fd == -1 && family == AF_INET6 && errno == EAFNOSUPPORT) {
		log_info("intercept: no IPv6 in this kernel, intercepting "
		    "IPv4 only");
		return -1;
	}
	if (fd == -1) {
		log_warn("intercept: raw IPv%d socket; IPv%d queries are "
		    "passed on unanswered", family == AF_INET ? 4 : 6,
		    family == AF_INET ? 4 : 6);
		return -1;
	}
#ifdef IPV6_HDRINCL
	/* IPPROTO_RAW implies it on Linux; say it where it can be said. */
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_HDRINCL, &on,
		    sizeof(on));
#else
	(void)on;
#endif
	return fd;
}

int
intercept_init(struct event_base *base, const struct config *conf)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr	*nlh;
	int		 fd, sz = INTERCEPT_RCVBUF;

	memset(&intercept_stats, 0, sizeof(intercept_stats));
	icpt_overruns = icpt_verdict_errors = 0;
	if (conf->nfqueue < 0 || conf->nfqueue > 65535) {
		log_warnx("intercept: no queue number");
		return -1;
	}
	icpt_queue = (uint16_t)conf->nfqueue;
	/*
	 * Our rules queue only packets to the port; those whose port DNAT
	 * changed come with the port the client asked (nft.h), any port.
	 */
	icpt_port = conf->nfqueue_port;
	if (conf->nfqueue_rules_auto && nft_rules_nat())
		icpt_port = 0;

	icpt_raw4 = intercept_raw(AF_INET);
	icpt_raw6 = intercept_raw(AF_INET6);

	if ((icpt_nl = mnl_socket_open2(NETLINK_NETFILTER,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == NULL) {
		log_warn("intercept: netlink socket");
		goto fail;
	}
	if (mnl_socket_bind(icpt_nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("intercept: netlink bind");
		goto fail;
	}
	icpt_portid = mnl_socket_get_portid(icpt_nl);
	fd = mnl_socket_get_fd(icpt_nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) ==
	    -1 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
		log_warn("intercept: netlink receive buffer");

	/*
	 * Bind, copy mode, queue length and flags in one message: the kernel
	 * applies the command first, so no packet is ever queued to us in
	 * another mode or without fail-open.
	 */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, icpt_queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, INTERCEPT_COPYRANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, INTERCEPT_QMAXLEN);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS,
	    htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK,
	    htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	if (intercept_config(nlh) == -1) {
		/* The kernel says EPERM both without CAP_NET_ADMIN and
		 * when another socket has the queue. */
		log_warn("intercept: cannot bind netfilter queue %u%s",
		    icpt_queue, errno == EPERM ? " (bound by another "
		    "program, or no CAP_NET_ADMIN)" : "");
		goto fail;
	}

	if ((icpt_ev = event_new(base, fd, EV_READ | EV_PERSIST, intercept_cb,
	    NULL)) == NULL || event_add(icpt_ev, NULL) == -1) {
		log_warnx("intercept: event_new");
		goto fail;
	}
	log_info("intercept: queue %u, port %u%s%s", icpt_queue,
	    conf->nfqueue_port,
	    icpt_raw4 == -1 ? ", IPv4 passed on" : "",
	    icpt_raw6 == -1 ? ", IPv6 passed on" : "");
	return 0;

fail:
	intercept_shutdown();
	return -1;
}

void
intercept_shutdown(void)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr	*nlh;
	int		 i;

	if (icpt_ev != NULL) {
		event_free(icpt_ev);
		icpt_ev = NULL;
	}
	if (icpt_nl != NULL) {
		/* Give verdicts on what is queued already (unbinding drops
		 * it), then unbind; bypass accepts everything after. */
		for (i = 0; i < 16 && intercept_read() > 0; i++)
			;
		nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, icpt_queue);
		nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_UNBIND);
		(void)mnl_socket_sendto(icpt_nl, nlh, nlh->nlmsg_len);
		mnl_socket_close(icpt_nl);
		icpt_nl = NULL;
	}
	if (icpt_raw4 != -1)
		close(icpt_raw4);
	if (icpt_raw6 != -1)
		close(icpt_raw6);
	icpt_raw4 = icpt_raw6 = -1;
	icpt_nverdict = 0;
}

void
intercept_log_stats(void)
{
	log_info("intercept: %llu packets, %llu answered, %llu passed on, "
	    "%llu unparseable, %llu send errors, %llu queue overruns",
	    (unsigned long long)intercept_stats.seen,
	    (unsigned long long)intercept_stats.answered,
	    (unsigned long long)intercept_stats.accepted,
	    (unsigned long long)intercept_stats.unparseable,
	    (unsigned long long)intercept_stats.send_errors,
	    (unsigned long long)icpt_overruns);
}
