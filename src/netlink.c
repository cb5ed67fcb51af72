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

#include "netlink.h"

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
