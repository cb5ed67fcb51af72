/*
 * netlink.c: one read from a rtnetlink socket: what came, and whether the
 * kernel sent it.  The callers decide what loss or truncation means for
 * their dump.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netlink.h"

int
netlink_open(uint32_t groups, int rcvbuf, uint32_t *portid, const char *who)
{
	struct sockaddr_nl	 snl;
	socklen_t		 len;
	int			 fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (fd == -1) {
		log_warn("%s: netlink socket", who);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = groups;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) == -1) {
		log_warn("%s: netlink bind", who);
		goto fail;
	}
	len = sizeof(snl);
	if (getsockname(fd, (struct sockaddr *)&snl, &len) == -1 ||
	    len != sizeof(snl) || snl.nl_family != AF_NETLINK) {
		log_warn("%s: netlink getsockname", who);
		goto fail;
	}
	*portid = snl.nl_pid;
	return fd;
fail:
	close(fd);
	return -1;
}

int
netlink_dump_request(int fd, uint32_t portid, uint32_t seq, uint16_t type,
    uint8_t family, size_t bodylen, const char *who)
{
	struct {
		struct nlmsghdr	 nh;
		uint8_t		 body[32];
	} req;
	struct sockaddr_nl	 snl;

	if (bodylen < 1 || bodylen > sizeof(req.body))
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(bodylen);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	req.nh.nlmsg_pid = portid;
	req.body[0] = family;	/* rtm_family, ifa_family */
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&snl,
	    sizeof(snl)) == -1) {
		log_warn("%s: netlink dump request", who);
		return -1;
	}
	return 0;
}

enum netlink_recv
netlink_recv(int fd, void *buf, size_t len, ssize_t *n)
{
	struct sockaddr_nl	 snl;
	struct iovec		 iov;
	struct msghdr		 msg;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if ((*n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return NETLINK_NONE;
		return errno == ENOBUFS ? NETLINK_LOST : NETLINK_ERROR;
	}
	if (*n == 0)
		return NETLINK_NONE;
	if (msg.msg_namelen != sizeof(snl) || snl.nl_family != AF_NETLINK ||
	    snl.nl_pid != 0)
		return NETLINK_SKIP;
	if (msg.msg_flags & MSG_TRUNC)
		return NETLINK_TRUNC;
	return NETLINK_MSG;
}
