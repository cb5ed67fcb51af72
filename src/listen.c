/*
 * listen.c: the stub door.  UDP and TCP sockets on every listen address,
 * bound one by one (never the wildcard).  This file only moves bytes: each
 * UDP datagram or TCP message goes to query_input() with a struct origin,
 * and comes back, answered or not, through listen_reply().
 *
 * UDP: datagrams are read with recvmmsg() in batches; one that does not
 * fit LISTEN_UDP_SLOT bytes (MSG_TRUNC) is no query of ours and is
 * dropped.  While a batch is handed to query_input(), the replies made
 * synchronously for that socket (local answers, cache hits) are copied
 * into the outgoing queue and the whole batch goes out with one
 * sendmmsg() when it has been read: two system calls per batch, not one
 * per datagram.  A client that waits for each answer brings one datagram
 * per wake-up: its socket is read with recvmsg() and answered with
 * sendmsg(), which cost less than their batch forms for one message (see
 * listen_udp_cb()).  A reply bigger than LISTEN_UDP_OSLOT, one for another
 * socket, or one made outside a batch (an upstream answer arriving
 * later) is sent at once with sendto().  A reply that cannot be sent is
 * counted and dropped (UDP is lossy, the client retries).
 *
 * TCP (RFC 7766): 2-byte length-prefixed messages, several per connection,
 * answered in whatever order the answers come.  Each connection is a
 * struct tcp_conn owning a bufferevent.
 *
 * Invariants of struct tcp_conn:
 * - c->owed counts the query_input() calls not yet answered by
 *   listen_reply().  It is raised BEFORE query_input() is called, since
 *   the answer may come back before query_input() returns.
 * - The struct is freed only when owed is 0 and no callback of ours is
 *   running on it (c->busy).  A connection that is closed early (error,
 *   timeout, eviction, output bound) loses its bufferevent and socket at
 *   once but stays allocated, "closing", until the replies still owed
 *   have come back; listen_reply() on a closing connection only counts.
 * - Open connections are on tcp_conns, oldest activity first, so the
 *   oldest idle one is found from the head; closing ones wait for their
 *   owed replies on tcp_closing.
 *
 * After listen_shutdown() listen_reply() does nothing, so query.c may
 * answer (or drop) the requests it still holds in either order.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "config.h"
#include "ifaddr.h"
#include "listen.h"
#include "log.h"
#include "query.h"

#define LISTEN_UDP_SLOT		65536	/* any datagram whole: msg says FORMERR */
#define LISTEN_UDP_ROUNDS	4	/* batches per callback: fairness */
#define LISTEN_UDP_OSLOT	1232	/* queued reply; bigger: sendto() */
#define LISTEN_UDP_SENDS	8	/* sendmmsg() EINTR retries per flush */
#define LISTEN_UDP_PROBE	8	/* quiet socket: every 8th read a batch */
#define LISTEN_TCP_ACCEPTS	16	/* accepts per callback */
#define LISTEN_TCP_BACKLOG	128
#define LISTEN_TCP_MSGS		64	/* messages per read callback */
#define LISTEN_TCP_MSGMAX	65535
#define LISTEN_ACCEPT_PAUSE	1	/* seconds of no accept after EMFILE */
#define LISTEN_RETIRE_SEC	10	/* > every reply's deadline (4 s) */

struct listen_sock {
	TAILQ_ENTRY(listen_sock) entry;
	int			 fd;
	int			 tcp;
	struct event		*ev;
	struct event		*ev_pause;	/* TCP: accept paused */
	unsigned int		 single;	/* UDP: wake-ups with 1 datagram */
	struct sockaddr_storage	 addr;		/* bound, port 0 */
	unsigned int		 ifindex;	/* holder of addr; 0: unknown */
	int			 from_iface;	/* interface=, not listen-address */
	/*
	 * bind-dynamic, the address gone: a UDP socket stops reading but
	 * stays open LISTEN_RETIRE_SEC, so that replies still owed go out
	 * through it and its descriptor is not reused under them.
	 */
	int			 retired;
	struct event		*ev_retire;
	char			 name[INET6_ADDRSTRLEN + IF_NAMESIZE + 16];
};
TAILQ_HEAD(listen_socks, listen_sock);

struct tcp_conn {
	TAILQ_ENTRY(tcp_conn)	 entry;		/* tcp_conns, tcp_closing */
	unsigned int		 ifindex;	/* of the listening socket */
	struct bufferevent	*bev;		/* NULL once closing */
	struct event		*ev_idle;
	struct event		*ev_resume;	/* read again below the bound */
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	unsigned int		 owed;		/* replies still owed */
	int			 busy;		/* inside our read loop */
	int			 eof;		/* client sent FIN */
	int			 closing;	/* socket gone, owed > 0 */
};
TAILQ_HEAD(tcp_conns, tcp_conn);

struct listen_stats listen_stats;

static struct event_base	*listen_base;
static struct listen_socks	 listen_socks =
				    TAILQ_HEAD_INITIALIZER(listen_socks);
static struct tcp_conns		 tcp_conns = TAILQ_HEAD_INITIALIZER(tcp_conns);
static struct tcp_conns		 tcp_closing =
				    TAILQ_HEAD_INITIALIZER(tcp_closing);
static unsigned int		 tcp_nconns;
static int			 listen_down;	/* after listen_shutdown() */
static const struct config	*listen_conf;	/* the running one */
static uint16_t			 listen_port;
static enum client_scope	 listen_clients;
static int			 listen_dynamic;	/* bind-dynamic */
static int			 listen_ifaddr;	/* we started ifaddr */
static int			 listen_refusal_said;

/* recvmmsg() slots; static, each datagram is handed on before the next. */
static uint8_t			 udp_buf[LISTEN_UDP_BATCH][LISTEN_UDP_SLOT];
static struct sockaddr_storage	 udp_peer[LISTEN_UDP_BATCH];
static struct iovec		 udp_iov[LISTEN_UDP_BATCH];
static struct mmsghdr		 udp_msg[LISTEN_UDP_BATCH];

/*
 * The outgoing queue of the batch being read: at most one reply per
 * datagram, so it is full only if query.c answers more than it was asked
 * (then it is flushed early).  udp_batch_fd is the batch's socket while
 * listen_udp_cb() hands datagrams to query_input(), -1 otherwise.
 */
static uint8_t			 udp_obuf[LISTEN_UDP_BATCH][LISTEN_UDP_OSLOT];
static struct sockaddr_storage	 udp_opeer[LISTEN_UDP_BATCH];
static struct iovec		 udp_oiov[LISTEN_UDP_BATCH];
static struct mmsghdr		 udp_omsg[LISTEN_UDP_BATCH];
static unsigned int		 udp_nout;
static int			 udp_batch_fd = -1;

static int	listen_bind(const struct config_addr *, uint16_t, int, int,
		    unsigned int, int);
#define LB_IFACE	0x01	/* an interface's, not a listen-address */
#define LB_FREEBIND	0x02	/* tentative (IPv6 DAD): IP_FREEBIND */
static int	listen_unavailable(int);
static void	listen_sock_free(struct listen_sock *);
static void	listen_udp_cb(evutil_socket_t, short, void *);
static void	listen_accept_cb(evutil_socket_t, short, void *);
static void	listen_unpause_cb(evutil_socket_t, short, void *);
static void	listen_retire_cb(evutil_socket_t, short, void *);
static int	udp_batch(struct listen_sock *, int);
static void	udp_read_error(const char *);
static void	udp_reply(const struct origin *, const uint8_t *, size_t);
static void	udp_flush(int);
static void	tcp_reply(struct tcp_conn *, const uint8_t *, size_t);
static struct tcp_conn *tcp_conn_new(int, const struct sockaddr_storage *,
		    socklen_t);
static void	tcp_conn_close(struct tcp_conn *);
static void	tcp_conn_maybe_free(struct tcp_conn *);
static void	tcp_conn_free(struct tcp_conn *);
static void	tcp_conn_process(struct tcp_conn *);
static void	tcp_conn_settle(struct tcp_conn *);
static int	tcp_make_room(void);
static void	tcp_read_cb(struct bufferevent *, void *);
static void	tcp_write_cb(struct bufferevent *, void *);
static void	tcp_event_cb(struct bufferevent *, short, void *);
static void	tcp_idle_cb(evutil_socket_t, short, void *);
static void	tcp_resume_cb(evutil_socket_t, short, void *);
static const char *addr_str(const struct sockaddr *, char *, size_t);

static const char *
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void	*a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		a = NULL;
	if (a == NULL || inet_ntop(sa->sa_family, a, buf, len) == NULL)
		(void)snprintf(buf, len, "?");
	return buf;
}

/*
 * An address that cannot exist on this host: its family is not in the
 * kernel (ipv6.disable=1: socket() says EAFNOSUPPORT) or no interface has
 * it (::1 under disable_ipv6=1: bind() says EADDRNOTAVAIL).
 */
static int
listen_unavailable(int err)
{
	return err == EAFNOSUPPORT || err == EADDRNOTAVAIL;
}

/*
 * Bind one socket, UDP or TCP, on addr at port.  Returns 0 (the socket is
 * on listen_socks with its event added) or -1, logged; with `optional`, a
 * failure for which listen_unavailable() holds is left to the caller to
 * log (errno tells).
 */
static int
listen_bind(const struct config_addr *ca, uint16_t port, int tcp,
    int optional, unsigned int ifindex, int lbflags)
{
	struct sockaddr_storage	 ss;
	struct listen_sock	*ls;
	char			 abuf[INET6_ADDRSTRLEN];
	const char		*proto = tcp ? "tcp" : "udp";
	int			 fd, on = 1, family, save;

	memcpy(&ss, &ca->addr, sizeof(ss));
	family = ss.ss_family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	else {
		log_warnx("listen: address family %d not supported", family);
		return -1;
	}
	addr_str((struct sockaddr *)&ss, abuf, sizeof(abuf));

	if ((ls = calloc(1, sizeof(*ls))) == NULL) {
		log_warn("listen: calloc");
		return -1;
	}
	ls->fd = -1;
	ls->tcp = tcp;
	ls->ifindex = ifindex;
	ls->from_iface = (lbflags & LB_IFACE) != 0;
	memcpy(&ls->addr, &ca->addr, sizeof(ls->addr));
	if (family == AF_INET6)
		(void)snprintf(ls->name, sizeof(ls->name), "[%s]:%u", abuf,
		    port);
	else
		(void)snprintf(ls->name, sizeof(ls->name), "%s:%u", abuf,
		    port);

	fd = socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		if (!(optional && listen_unavailable(errno)))
			log_warn("listen: socket %s %s", proto, ls->name);
		goto fail;
	}
	ls->fd = fd;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == -1) {
		log_warn("listen: IPV6_V6ONLY %s %s", proto, ls->name);
		goto fail;
	}
	/* An IPv6 address in duplicate detection: bound before it ends. */
	if ((lbflags & LB_FREEBIND) && setsockopt(fd, IPPROTO_IP, IP_FREEBIND,
	    &on, sizeof(on)) == -1) {
		log_warn("listen: IP_FREEBIND %s %s", proto, ls->name);
		goto fail;
	}
	if (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1) {
		log_warn("listen: SO_REUSEADDR %s %s", proto, ls->name);
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, ca->addrlen) == -1) {
		if (!(optional && listen_unavailable(errno)))
			log_warn("listen: cannot bind %s %s", proto, ls->name);
		goto fail;
	}
	if (tcp && listen(fd, LISTEN_TCP_BACKLOG) == -1) {
		log_warn("listen: listen %s", ls->name);
		goto fail;
	}
	ls->ev = event_new(listen_base, fd, EV_READ | EV_PERSIST,
	    tcp ? listen_accept_cb : listen_udp_cb, ls);
	ls->ev_retire = evtimer_new(listen_base, listen_retire_cb, ls);
	if (ls->ev == NULL || ls->ev_retire == NULL ||
	    event_add(ls->ev, NULL) == -1) {
		log_warnx("listen: cannot add event for %s %s", proto,
		    ls->name);
		goto fail;
	}
	if (tcp && (ls->ev_pause = evtimer_new(listen_base, listen_unpause_cb,
	    ls)) == NULL) {
		log_warnx("listen: evtimer_new");
		goto fail;
	}
	TAILQ_INSERT_TAIL(&listen_socks, ls, entry);
	log_debug("listening on %s %s", proto, ls->name);
	return 0;

fail:
	save = errno;
	listen_sock_free(ls);
	errno = save;
	return -1;
}

static void
listen_sock_free(struct listen_sock *ls)
{
	if (ls == NULL)
		return;
	if (ls->ev != NULL)
		event_free(ls->ev);
	if (ls->ev_pause != NULL)
		event_free(ls->ev_pause);
	if (ls->ev_retire != NULL)
		event_free(ls->ev_retire);
	if (ls->fd != -1)
		close(ls->fd);
	free(ls);
}

/* ---- where to listen ---------------------------------------------------- */

/* Addresses come from interfaces (interface= or except-interface=). */
static int
listen_by_iface(const struct config *conf)
{
	return conf->ninterfaces > 0 || conf->nexcept_interfaces > 0;
}

static int
addr_is_loopback_ss(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return *(const uint8_t *)&((const struct sockaddr_in *)ss)->
		    sin_addr == 127;
	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(
	    &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* The address of a sockaddr, and its size; NULL if not IPv4 or IPv6. */
static const void *
sa_addr(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = sizeof(struct in_addr);
		return &((const struct sockaddr_in *)ss)->sin_addr;
	}
	if (ss->ss_family == AF_INET6) {
		*len = sizeof(struct in6_addr);
		return &((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	return NULL;
}

/* Same family and address (ports aside; link-local: same scope). */
static int
sa_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const void	*x, *y;
	size_t		 lx, ly;

	if (a->ss_family != b->ss_family ||
	    (x = sa_addr(a, &lx)) == NULL || (y = sa_addr(b, &ly)) == NULL ||
	    memcmp(x, y, lx) != 0)
		return 0;
	if (a->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)x))
		return ((const struct sockaddr_in6 *)a)->sin6_scope_id ==
		    ((const struct sockaddr_in6 *)b)->sin6_scope_id;
	return 1;
}

/* An interface address as a config_addr to bind (port 0). */
static void
ifaddr_to_config(const struct ifaddr_entry *a, struct config_addr *ca)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ca->addr;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ca->addr;

	memset(ca, 0, sizeof(*ca));
	if (a->af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = a->addr.v4;
		ca->addrlen = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->addr.v6;
		if (IN6_IS_ADDR_LINKLOCAL(&a->addr.v6))
			sin6->sin6_scope_id = a->ifindex;
		ca->addrlen = sizeof(*sin6);
	}
}

static int
listen_excepted(const struct config *conf, const char *name)
{
	size_t	i;

	for (i = 0; i < conf->nexcept_interfaces; i++)
		if (ifaddr_name_match(conf->except_interfaces[i], name))
			return 1;
	return 0;
}

/*
 * Is this interface address one to bind, by interface= and
 * except-interface= (dnsmasq: IPv4 addresses by their label, "eth0:1"
 * for an alias; loopback added with interface=; except-interface wins)?
 */
static int
listen_iface_wanted(const struct config *conf, const struct ifaddr_entry *a)
{
	const char	*name = ifaddr_match_name(a);
	size_t		 i;

	if (!listen_by_iface(conf) || !ifaddr_usable(a))
		return 0;
	if (listen_excepted(conf, name))
		return 0;
	if (conf->ninterfaces == 0)
		return 1;		/* except-interface alone: the rest */
	if (strcmp(a->ifname, "lo") == 0)
		return 1;
	for (i = 0; i < conf->ninterfaces; i++)
		if (ifaddr_name_match(conf->interfaces[i], name))
			return 1;
	return 0;
}

static struct listen_sock *
listen_find(const struct sockaddr_storage *ss, int tcp)
{
	struct listen_sock	*ls;

	TAILQ_FOREACH(ls, &listen_socks, entry)
		if (ls->tcp == tcp && sa_same(&ls->addr, ss))
			return ls;
	return NULL;
}

/* Bind UDP and TCP on an interface address.  0, or -1 (logged). */
static int
listen_bind_iface(const struct ifaddr_entry *a, int optional)
{
	struct config_addr	 ca;
	struct listen_sock	*u;
	int			 lbflags;

	ifaddr_to_config(a, &ca);
	lbflags = LB_IFACE | (ifaddr_tentative(a) ? LB_FREEBIND : 0);
	if (listen_bind(&ca, listen_port, 0, optional, a->ifindex,
	    lbflags) == -1)
		return -1;
	if (listen_bind(&ca, listen_port, 1, optional, a->ifindex,
	    lbflags) == -1) {
		u = listen_find(&ca.addr, 0);
		if (u != NULL) {
			TAILQ_REMOVE(&listen_socks, u, entry);
			listen_sock_free(u);
		}
		return -1;
	}
	return 0;
}

/* The socket's address and interface, for logs. */
static const char *
listen_sock_name(const struct listen_sock *ls, char *buf, size_t len)
{
	char	 ifname[IF_NAMESIZE];
	char	 abuf[INET6_ADDRSTRLEN];

	addr_str((const struct sockaddr *)&ls->addr, abuf, sizeof(abuf));
	if (ls->ifindex != 0 && if_indextoname(ls->ifindex, ifname) != NULL)
		(void)snprintf(buf, len, "%s (%s)", abuf, ifname);
	else
		(void)snprintf(buf, len, "%s", abuf);
	return buf;
}

static void
listen_retire_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct listen_sock	*ls = arg;

	TAILQ_REMOVE(&listen_socks, ls, entry);
	listen_sock_free(ls);
}

/*
 * The address table changed: interfaces of the sockets (localise-queries)
 * and, with bind-dynamic, the addresses that came and went.
 */
static void
listen_ifaddr_changed(void)
{
	const struct ifaddr_entry	*v;
	struct listen_sock	*ls, *next;
	struct config_addr	 ca;
	struct timeval		 tv = { LISTEN_RETIRE_SEC, 0 };
	char			 nb[INET6_ADDRSTRLEN + IF_NAMESIZE + 8];
	size_t			 n, i, alen;
	unsigned int		 idx;
	const void		*ab;

	v = ifaddr_list(&n);
	if (listen_down)
		return;
	/* An interface's address that went keeps its interface (logs). */
	TAILQ_FOREACH(ls, &listen_socks, entry) {
		if ((ab = sa_addr(&ls->addr, &alen)) == NULL)
			continue;
		idx = ifaddr_index_of(ls->addr.ss_family, ab);
		if (idx != 0 || !ls->from_iface)
			ls->ifindex = idx;
	}
	if (!listen_dynamic || listen_conf == NULL)
		return;
	/* Gone: TCP closed at once, UDP retired. */
	for (ls = TAILQ_FIRST(&listen_socks); ls != NULL; ls = next) {
		next = TAILQ_NEXT(ls, entry);
		if (!ls->from_iface || ls->retired)
			continue;
		for (i = 0; i < n; i++) {
			ifaddr_to_config(&v[i], &ca);
			if (sa_same(&ca.addr, &ls->addr) &&
			    listen_iface_wanted(listen_conf, &v[i]))
				break;
		}
		if (i < n)
			continue;
		if (ls->tcp) {
			TAILQ_REMOVE(&listen_socks, ls, entry);
			listen_sock_free(ls);
			continue;
		}
		log_info("listen: bind-dynamic: %s gone, no longer listening "
		    "there", listen_sock_name(ls, nb, sizeof(nb)));
		ls->retired = 1;
		event_del(ls->ev);
		evtimer_add(ls->ev_retire, &tv);
	}
	/* New, or back before its retired socket was closed. */
	for (i = 0; i < n; i++) {
		if (!listen_iface_wanted(listen_conf, &v[i]))
			continue;
		ifaddr_to_config(&v[i], &ca);
		ls = listen_find(&ca.addr, 0);
		if (ls != NULL && !ls->retired)
			continue;
		if (ls != NULL) {
			ls->retired = 0;
			ls->ifindex = v[i].ifindex;
			evtimer_del(ls->ev_retire);
			if (event_add(ls->ev, NULL) == -1 ||
			    (listen_find(&ca.addr, 1) == NULL &&
			    listen_bind(&ca, listen_port, 1, 0, v[i].ifindex,
			    LB_IFACE | (ifaddr_tentative(&v[i]) ? LB_FREEBIND :
			    0)) == -1)) {
				log_warnx("listen: bind-dynamic: %s is back "
				    "but cannot be listened on",
				    listen_sock_name(ls, nb, sizeof(nb)));
				continue;
			}
		} else if (listen_bind_iface(&v[i], 0) == -1)
			continue;	/* logged; tried at the next change */
		ls = listen_find(&ca.addr, 0);
		log_info("listen: bind-dynamic: listening on %s",
		    listen_sock_name(ls, nb, sizeof(nb)));
	}
}

/*
 * local-service: is this client one to answer?  Loopback always is; a
 * client elsewhere is dropped silently, as dnsmasq does ("ignoring query
 * from non-local network"), logged once and counted.
 */
static int
listen_client_ok(const struct sockaddr_storage *peer, socklen_t peerlen)
{
	const void	*a;
	size_t		 alen;
	char		 abuf[INET6_ADDRSTRLEN];
	int		 ok;

	if (listen_clients == CLIENTS_ANY)
		return 1;
	if (peerlen < sizeof(sa_family_t) ||
	    (a = sa_addr(peer, &alen)) == NULL)
		return 0;
	if (peer->ss_family == AF_INET)
		ok = *(const uint8_t *)a == 127;
	else
		ok = IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a);
	if (!ok && listen_clients == CLIENTS_NET)
		ok = ifaddr_on_subnet(0, peer->ss_family, a);
	else if (!ok)
		ok = ifaddr_index_of(peer->ss_family, a) != 0;
	if (ok)
		return 1;
	listen_stats.not_local++;
	if (!listen_refusal_said) {
		log_warnx("listen: ignoring queries from %s: not %s "
		    "(local-service; later ones are only counted)",
		    addr_str((const struct sockaddr *)peer, abuf, sizeof(abuf)),
		    listen_clients == CLIENTS_NET ? "on a directly attached "
		    "network" : "this host");
		listen_refusal_said = 1;
	}
	return 0;
}

/* Who is answered, said once at start. */
static void
listen_log_clients(const struct config *conf)
{
	char	abuf[INET6_ADDRSTRLEN];
	size_t	i;

	if (conf->local_service_ignored)
		log_info("listen: local-service has no effect with %s (as in "
		    "dnsmasq)", listen_by_iface(conf) ?
		    "interface= or except-interface=" : "listen-address=");
	if (conf->clients_default) {
		for (i = 0; i < conf->nlisten; i++)
			if (!addr_is_loopback_ss(&conf->listen[i].addr))
				break;
		log_info("listen: %s is not a loopback address and neither "
		    "interface= nor local-service nor any-client was given: "
		    "answering only clients on directly attached networks",
		    i < conf->nlisten ? addr_str((const struct sockaddr *)
		    &conf->listen[i].addr, abuf, sizeof(abuf)) : "?");
	} else if (conf->clients == CLIENTS_NET)
		log_info("listen: local-service: answering only clients on "
		    "directly attached networks");
	else if (conf->clients == CLIENTS_HOST)
		log_info("listen: local-service=host: answering only clients "
		    "on this host");
}

/* The address table is needed: interfaces, subnets, localise-queries. */
static int
listen_needs_ifaddr(const struct config *conf)
{
	return listen_by_iface(conf) || conf->bind_dynamic ||
	    conf->clients != CLIENTS_ANY || conf->localise_queries;
}

static int
listen_ifaddr_start(const struct config *conf)
{
	if (listen_ifaddr || !listen_needs_ifaddr(conf))
		return 0;
	if (ifaddr_init(listen_base, listen_ifaddr_changed) == -1) {
		log_warnx("listen: cannot read the interface addresses");
		return -1;
	}
	listen_ifaddr = 1;
	return 0;
}

void
listen_set_config(const struct config *conf)
{
	listen_conf = conf;
	if (listen_ifaddr_start(conf) == -1)
		log_warnx("listen: localise-queries without interface "
		    "addresses");
	else
		listen_ifaddr_changed();
}

int
listen_addrs(struct config_addr **out, size_t *n)
{
	struct listen_sock	*ls;
	struct config_addr	*v;
	size_t			 k = 0, cap = 0;

	*out = NULL;
	*n = 0;
	TAILQ_FOREACH(ls, &listen_socks, entry)
		if (!ls->tcp && !ls->retired)
			cap++;
	if (cap == 0)
		return 0;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return -1;
	TAILQ_FOREACH(ls, &listen_socks, entry) {
		if (ls->tcp || ls->retired || k == cap)
			continue;
		memcpy(&v[k].addr, &ls->addr, sizeof(v[k].addr));
		v[k].addrlen = ls->addr.ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Addresses of listen-address, bound first; -1: exit. */
static int
listen_bind_configured(const struct config *conf, size_t *nbound)
{
	char		 abuf[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	const void	*ab;
	unsigned int	 ifindex;
	size_t		 i, alen;

	for (i = 0; i < conf->nlisten; i++) {
		ab = sa_addr(&conf->listen[i].addr, &alen);
		ifindex = ab != NULL && listen_ifaddr ?
		    ifaddr_index_of(conf->listen[i].addr.ss_family, ab) : 0;
		/* except-interface overrides the others (dnsmasq). */
		if (ifindex != 0 && conf->nexcept_interfaces > 0 &&
		    if_indextoname(ifindex, ifname) != NULL &&
		    listen_excepted(conf, ifname)) {
			log_info("listen: %s not listened on: its interface "
			    "%s is an except-interface", addr_str(
			    (const struct sockaddr *)&conf->listen[i].addr,
			    abuf, sizeof(abuf)), ifname);
			continue;
		}
		if (listen_bind(&conf->listen[i], conf->port, 0,
		    conf->listen_default, ifindex, 0) == -1) {
			if (conf->listen_default && listen_unavailable(errno)) {
				log_info("listen: default address %s skipped: "
				    "%s on this host", addr_str((struct sockaddr *)
				    &conf->listen[i].addr, abuf, sizeof(abuf)),
				    errno == EAFNOSUPPORT ? "no such address "
				    "family" : "no such address");
				continue;
			}
			return -1;
		}
		if (listen_bind(&conf->listen[i], conf->port, 1, 0, ifindex,
		    0) == -1)
			return -1;
		(*nbound)++;
	}
	return 0;
}

/* Addresses of interface= and except-interface=; -1: exit. */
static int
listen_bind_interfaces(const struct config *conf, size_t *nbound)
{
	const struct ifaddr_entry	*v;
	struct config_addr	 ca;
	size_t			 n, i, j;

	if (!listen_by_iface(conf))
		return 0;
	v = ifaddr_list(&n);
	for (i = 0; i < n; i++) {
		if (!listen_iface_wanted(conf, &v[i]))
			continue;
		ifaddr_to_config(&v[i], &ca);
		if (listen_find(&ca.addr, 0) != NULL)
			continue;	/* a listen-address too */
		/* Gone since the dump: skipped, not an error. */
		if (listen_bind_iface(&v[i], 1) == -1) {
			if (listen_unavailable(errno))
				continue;
			return -1;
		}
		(*nbound)++;
	}
	/* dnsmasq: "warning: interface eth5 does not currently exist". */
	for (j = 0; j < conf->ninterfaces; j++) {
		for (i = 0; i < n; i++)
			if (ifaddr_name_match(conf->interfaces[j],
			    ifaddr_match_name(&v[i])))
				break;
		if (i == n)
			log_warnx("listen: interface %s has no address now%s",
			    conf->interfaces[j], conf->bind_dynamic ? "" :
			    " (without bind-dynamic, addresses that come later "
			    "are not listened on)");
	}
	return 0;
}

int
listen_init(struct event_base *base, const struct config *conf)
{
	size_t	i, nbound;

	listen_base = base;
	listen_down = 0;
	listen_conf = conf;
	listen_port = conf->port;
	listen_clients = conf->clients;
	listen_dynamic = conf->bind_dynamic;
	listen_refusal_said = 0;
	if (conf->port == 0)
		return 0;
	/* Only msg_namelen and msg_len change between batches. */
	memset(udp_msg, 0, sizeof(udp_msg));
	memset(udp_omsg, 0, sizeof(udp_omsg));
	for (i = 0; i < LISTEN_UDP_BATCH; i++) {
		udp_iov[i].iov_base = udp_buf[i];
		udp_iov[i].iov_len = sizeof(udp_buf[i]);
		udp_msg[i].msg_hdr.msg_name = &udp_peer[i];
		udp_msg[i].msg_hdr.msg_namelen = sizeof(udp_peer[i]);
		udp_msg[i].msg_hdr.msg_iov = &udp_iov[i];
		udp_msg[i].msg_hdr.msg_iovlen = 1;
		udp_oiov[i].iov_base = udp_obuf[i];
		udp_omsg[i].msg_hdr.msg_name = &udp_opeer[i];
		udp_omsg[i].msg_hdr.msg_iov = &udp_oiov[i];
		udp_omsg[i].msg_hdr.msg_iovlen = 1;
	}
	udp_nout = 0;
	udp_batch_fd = -1;
	if (listen_ifaddr_start(conf) == -1)
		goto fail;
	/*
	 * A default address (no listen-address given) that cannot exist on
	 * this host, ::1 without IPv6, is skipped with one line; an address
	 * the user gave must be bound.  Something must be bound, but with
	 * bind-dynamic addresses may come later.
	 */
	nbound = 0;
	if (listen_bind_configured(conf, &nbound) == -1 ||
	    listen_bind_interfaces(conf, &nbound) == -1)
		goto fail;
	if (nbound == 0 && !conf->bind_dynamic) {
		log_warnx("listen: no listen address could be bound");
		goto fail;
	}
	if (nbound == 0)
		log_warnx("listen: no address to listen on yet (bind-dynamic)");
	listen_log_clients(conf);
	return 0;

fail:
	listen_shutdown();
	return -1;
}

void
listen_shutdown(void)
{
	struct listen_sock	*ls;
	struct tcp_conn		*c;

	while ((ls = TAILQ_FIRST(&listen_socks)) != NULL) {
		TAILQ_REMOVE(&listen_socks, ls, entry);
		listen_sock_free(ls);
	}
	/*
	 * Every connection goes now, owed replies or not: from here on
	 * listen_reply() does not look at its origin.
	 */
	while ((c = TAILQ_FIRST(&tcp_conns)) != NULL)
		tcp_conn_free(c);
	while ((c = TAILQ_FIRST(&tcp_closing)) != NULL)
		tcp_conn_free(c);
	tcp_nconns = 0;
	/* Queued replies die with their socket. */
	udp_nout = 0;
	udp_batch_fd = -1;
	listen_down = 1;
	if (listen_ifaddr) {
		ifaddr_shutdown();
		listen_ifaddr = 0;
	}
}

void
listen_reply(const struct origin *o, const uint8_t *buf, size_t len)
{
	if (listen_down)
		return;
	if (o->door == DOOR_UDP)
		udp_reply(o, buf, len);
	else
		tcp_reply(o->conn, buf, len);
}

/*
 * The path sees a client as a reply function and a cookie (query.h):
 * ours holds the socket or connection; the peer travels beside it.
 */
struct listen_cookie {
	int			 fd;
	struct tcp_conn		*conn;
};

static void
listen_client_reply(const struct query_client *c, const uint8_t *buf,
    size_t len)
{
	struct listen_cookie	 k;
	struct origin		 o;

	memcpy(&k, c->cookie.bytes, sizeof(k));
	o.door = c->stream ? DOOR_TCP : DOOR_UDP;
	o.ifindex = c->ifindex;
	o.fd = k.fd;
	o.conn = k.conn;
	o.peerlen = c->peerlen;
	memcpy(&o.peer, &c->peer, sizeof(o.peer));
	listen_reply(&o, buf, len);
}

static void
listen_query(const uint8_t *pkt, size_t len, const struct origin *o)
{
	struct query_client	 c;
	struct listen_cookie	 k;

	_Static_assert(sizeof(k) <= QUERY_COOKIE_SIZE, "listen_cookie");
	k.fd = o->fd;
	k.conn = o->conn;
	c.reply = listen_client_reply;
	c.stream = o->door == DOOR_TCP;
	c.ifindex = o->ifindex;
	c.peerlen = o->peerlen;
	memcpy(&c.peer, &o->peer, sizeof(c.peer));
	memcpy(c.cookie.bytes, &k, sizeof(k));
	query_input(pkt, len, &c);
}

/* ---- UDP --------------------------------------------------------------- */

/*
 * Read what the socket holds, in batches of LISTEN_UDP_BATCH.  A socket
 * whose recent wake-ups brought one datagram each (clients that wait for
 * each answer: a stub resolver, the bench's scenario e) is read with one
 * recvmsg(): recvmmsg() would look for a second datagram and fail with
 * EAGAIN, 0.2 us of each such query.  Every LISTEN_UDP_PROBE-th of those
 * wake-ups reads a batch again, so that a burst is read in batches after
 * at most that many datagrams (the ones left meanwhile make epoll report
 * the socket again at once: nothing is lost or delayed).
 */
static void
listen_udp_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct listen_sock	*ls = arg;
	ssize_t			 r;
	int			 n, i, round;

	if (ls->single > 0 && ls->single % LISTEN_UDP_PROBE != 0) {
		udp_msg[0].msg_hdr.msg_namelen = sizeof(udp_peer[0]);
		r = recvmsg(fd, &udp_msg[0].msg_hdr, MSG_DONTWAIT);
		if (r == -1) {
			udp_read_error("recvmsg");
			return;
		}
		udp_msg[0].msg_len = r;
		ls->single++;
		(void)udp_batch(ls, 1);
		return;
	}
	for (round = 0; round < LISTEN_UDP_ROUNDS; round++) {
		/* recvmmsg() wrote the peer lengths of the last batch. */
		for (i = 0; i < LISTEN_UDP_BATCH; i++)
			udp_msg[i].msg_hdr.msg_namelen = sizeof(udp_peer[i]);
		n = recvmmsg(fd, udp_msg, LISTEN_UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n == -1) {
			udp_read_error("recvmmsg");
			return;
		}
		/* Before the batch: listen_shutdown() may free ls. */
		ls->single = round == 0 && n == 1 ? ls->single + 1 : 0;
		if (udp_batch(ls, n) == -1)
			return;
		if (n < LISTEN_UDP_BATCH)
			return;
	}
}

static void
udp_read_error(const char *what)
{
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		log_warn("listen: %s", what);
}

/*
 * Hand the n datagrams read into udp_msg to query_input(), then send the
 * replies queued meanwhile.  -1 if listen_shutdown() was called from the
 * path: the socket and its queue are gone.
 */
static int
udp_batch(struct listen_sock *ls, int n)
{
	struct origin	 o;
	socklen_t	 plen;
	int		 i, fd = ls->fd;
	unsigned int	 ifindex = ls->ifindex;

	udp_batch_fd = fd;
	for (i = 0; i < n; i++) {
		if (udp_msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
			log_debug("listen: udp datagram over %d bytes "
			    "dropped", LISTEN_UDP_SLOT);
			continue;
		}
		plen = udp_msg[i].msg_hdr.msg_namelen;
		if (plen > sizeof(o.peer))
			plen = sizeof(o.peer);
		if (!listen_client_ok(&udp_peer[i], plen))
			continue;
		memset(&o, 0, sizeof(o));
		o.ifindex = ifindex;
		o.door = DOOR_UDP;
		o.fd = fd;
		memcpy(&o.peer, &udp_peer[i], plen);
		o.peerlen = plen;
		o.conn = NULL;
		listen_stats.udp_in++;
		listen_query(udp_buf[i], udp_msg[i].msg_len, &o);
		if (listen_down)
			return -1;	/* the queue went with fd */
	}
	udp_batch_fd = -1;
	udp_flush(fd);
	return 0;
}

/*
 * Queue a reply made during a batch on its socket, or send it at once:
 * asynchronous answers keep their latency, big ones their size.
 */
static void
udp_reply(const struct origin *o, const uint8_t *buf, size_t len)
{
	struct msghdr	*mh;

	if (len == 0)
		return;
	if (o->fd == udp_batch_fd && len <= LISTEN_UDP_OSLOT &&
	    o->peerlen <= sizeof(udp_opeer[0])) {
		if (udp_nout == LISTEN_UDP_BATCH)
			udp_flush(o->fd);
		memcpy(udp_obuf[udp_nout], buf, len);
		memcpy(&udp_opeer[udp_nout], &o->peer, o->peerlen);
		udp_oiov[udp_nout].iov_len = len;
		mh = &udp_omsg[udp_nout].msg_hdr;
		mh->msg_namelen = o->peerlen;
		mh->msg_flags = 0;
		udp_nout++;
		return;
	}
	if (sendto(o->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (const struct sockaddr *)&o->peer, o->peerlen) == -1) {
		listen_stats.send_errors++;
		log_debug("listen: udp sendto: %s", strerror(errno));
	}
}

/*
 * Send the queued replies with sendmmsg() and empty the queue.  A partial
 * send is continued; on a full socket buffer (EAGAIN) the rest is
 * dropped; any other error drops the one message it is about (sendmmsg()
 * reports an error only for the first message it could not send).
 */
static void
udp_flush(int fd)
{
	unsigned int	 off = 0, eintr = 0;
	int		 n;

	while (off < udp_nout) {
		/* One reply (a client waiting for it): sendmsg() is cheaper. */
		if (udp_nout - off == 1)
			n = sendmsg(fd, &udp_omsg[off].msg_hdr,
			    MSG_DONTWAIT | MSG_NOSIGNAL) == -1 ? -1 : 1;
		else
			n = sendmmsg(fd, udp_omsg + off, udp_nout - off,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n == -1 && errno == EINTR &&
		    ++eintr <= LISTEN_UDP_SENDS)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			listen_stats.send_errors += udp_nout - off;
			log_debug("listen: udp sendmmsg: socket buffer full, "
			    "%u replies dropped", udp_nout - off);
			break;
		}
		/* n == 0 cannot happen with a count above 0; skip anyway. */
		listen_stats.send_errors++;
		log_debug("listen: udp sendmmsg: %s",
		    n == -1 ? strerror(errno) : "nothing sent");
		off++;
	}
	udp_nout = 0;
}

/* ---- TCP: accepting ---------------------------------------------------- */

static void
listen_accept_cb(evutil_socket_t lfd, short ev, void *arg)
{
	struct listen_sock	*ls = arg;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	struct timeval		 tv = { LISTEN_ACCEPT_PAUSE, 0 };
	struct tcp_conn		*c;
	int			 fd, i;

	for (i = 0; i < LISTEN_TCP_ACCEPTS; i++) {
		peerlen = sizeof(peer);
		fd = accept4(lfd, (struct sockaddr *)&peer, &peerlen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
#if EAGAIN != EWOULDBLOCK
			case EWOULDBLOCK:
#endif
			case EINTR:
			case ECONNABORTED:
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Readable until we accept: pause a while. */
				log_warn("listen: accept %s, pausing",
				    ls->name);
				event_del(ls->ev);
				evtimer_add(ls->ev_pause, &tv);
				return;
			default:
				log_warn("listen: accept %s", ls->name);
				return;
			}
		}
		if (!listen_client_ok(&peer, peerlen)) {
			close(fd);
			continue;
		}
		if (tcp_nconns >= LISTEN_TCP_MAX_CONNS &&
		    tcp_make_room() == -1) {
			listen_stats.tcp_refused++;
			close(fd);
			continue;
		}
		if ((c = tcp_conn_new(fd, &peer, peerlen)) == NULL) {
			close(fd);
			continue;
		}
		c->ifindex = ls->ifindex;
		listen_stats.tcp_conns++;
	}
}

static void
listen_unpause_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct listen_sock	*ls = arg;

	if (event_add(ls->ev, NULL) == -1)
		log_warnx("listen: cannot resume accepting on %s", ls->name);
}

/* At the connection bound: close the oldest idle connection.  0 or -1. */
static int
tcp_make_room(void)
{
	struct tcp_conn	*c;

	TAILQ_FOREACH(c, &tcp_conns, entry) {
		if (c->owed == 0 && !c->busy) {
			log_debug("listen: tcp connection bound reached, "
			    "closing the oldest idle one");
			tcp_conn_close(c);
			return 0;
		}
	}
	return -1;
}

static struct tcp_conn *
tcp_conn_new(int fd, const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct tcp_conn	*c;
	struct timeval	 tv = { LISTEN_TCP_IDLE_SEC, 0 };
	int		 on = 1;

	/* Answers go out one by one as they come: no Nagle delay. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("listen: calloc");
		return NULL;
	}
	memcpy(&c->peer, peer, sizeof(c->peer));
	c->peerlen = peerlen;
	c->bev = bufferevent_socket_new(listen_base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ev_idle = evtimer_new(listen_base, tcp_idle_cb, c);
	c->ev_resume = event_new(listen_base, -1, 0, tcp_resume_cb, c);
	if (c->bev == NULL || c->ev_idle == NULL || c->ev_resume == NULL) {
		log_warnx("listen: cannot set up a tcp connection");
		if (c->bev != NULL) {
			/* It owns fd now; the caller must not close it. */
			bufferevent_setfd(c->bev, -1);
			bufferevent_free(c->bev);
		}
		if (c->ev_idle != NULL)
			event_free(c->ev_idle);
		if (c->ev_resume != NULL)
			event_free(c->ev_resume);
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, tcp_read_cb, tcp_write_cb, tcp_event_cb, c);
	/* Keep at most one whole message (and a bit) in memory. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    2 * (2 + LISTEN_TCP_MSGMAX));
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1 ||
	    evtimer_add(c->ev_idle, &tv) == -1) {
		log_warnx("listen: cannot enable a tcp connection");
		bufferevent_setfd(c->bev, -1);
		bufferevent_free(c->bev);
		event_free(c->ev_idle);
		event_free(c->ev_resume);
		free(c);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&tcp_conns, c, entry);
	tcp_nconns++;
	return c;
}

/*
 * Close the socket now (it is gone for the client).  The struct lives on
 * while replies are owed or our read loop runs on it.
 */
static void
tcp_conn_close(struct tcp_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	TAILQ_REMOVE(&tcp_conns, c, entry);
	TAILQ_INSERT_TAIL(&tcp_closing, c, entry);
	tcp_nconns--;
	evtimer_del(c->ev_idle);
	event_del(c->ev_resume);
	if (c->bev != NULL)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	tcp_conn_maybe_free(c);
}

static void
tcp_conn_maybe_free(struct tcp_conn *c)
{
	if (!c->closing || c->busy)
		return;
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (c->owed == 0)
		tcp_conn_free(c);
}

/* Free unconditionally (listen_shutdown, or closing with nothing owed). */
static void
tcp_conn_free(struct tcp_conn *c)
{
	if (c->closing)
		TAILQ_REMOVE(&tcp_closing, c, entry);
	else {
		TAILQ_REMOVE(&tcp_conns, c, entry);
		tcp_nconns--;
	}
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	event_free(c->ev_idle);
	event_free(c->ev_resume);
	free(c);
}

/* ---- TCP: reading ------------------------------------------------------ */

/*
 * Hand every whole message in the input buffer to query_input(), as long
 * as fewer than LISTEN_TCP_MAX_PENDING replies are owed.  Called from the
 * read callback and from the resume event, never from listen_reply().
 */
static void
tcp_conn_process(struct tcp_conn *c)
{
	struct evbuffer	*in;
	struct origin	 o;
	uint8_t		 hdr[2], *p;
	size_t		 len, mlen;
	int		 n;

	c->busy = 1;
	for (n = 0; n < LISTEN_TCP_MSGS; n++) {
		if (c->closing || c->owed >= LISTEN_TCP_MAX_PENDING)
			break;
		in = bufferevent_get_input(c->bev);
		len = evbuffer_get_length(in);
		if (len < 2)
			break;
		if (evbuffer_copyout(in, hdr, 2) != 2)
			break;
		mlen = ((size_t)hdr[0] << 8) | hdr[1];
		if (len < 2 + mlen)
			break;
		if ((p = evbuffer_pullup(in, 2 + mlen)) == NULL) {
			log_warnx("listen: evbuffer_pullup failed");
			tcp_conn_close(c);
			break;
		}
		memset(&o, 0, sizeof(o));
		o.door = DOOR_TCP;
		o.fd = -1;
		o.ifindex = c->ifindex;
		memcpy(&o.peer, &c->peer, sizeof(o.peer));
		o.peerlen = c->peerlen;
		o.conn = c;
		/* A message read: the connection is busy, not idle. */
		evtimer_del(c->ev_idle);
		TAILQ_REMOVE(&tcp_conns, c, entry);
		TAILQ_INSERT_TAIL(&tcp_conns, c, entry);
		/* Before the call: the reply may come before it returns. */
		c->owed++;
		listen_stats.tcp_in++;
		listen_query(p + 2, mlen, &o);
		if (listen_down)
			return;		/* c is gone with everything */
		/* c->bev is kept while busy, even if c was closed. */
		evbuffer_drain(in, 2 + mlen);
	}
	c->busy = 0;
	if (c->closing) {
		tcp_conn_maybe_free(c);
		return;
	}
	tcp_conn_settle(c);
}

/*
 * After any change on an open connection: read or not, messages left
 * whole in the input buffer (the per-call bound, or the pending bound
 * lifted), idle timer, and close when the client has gone and nothing is
 * owed, left to read or unsent.
 */
static void
tcp_conn_settle(struct tcp_conn *c)
{
	struct timeval	 tv = { LISTEN_TCP_IDLE_SEC, 0 };
	struct evbuffer	*in, *out;
	uint8_t		 hdr[2];
	size_t		 len;
	int		 whole = 0;

	if (c->closing || c->busy)
		return;
	in = bufferevent_get_input(c->bev);
	out = bufferevent_get_output(c->bev);
	len = evbuffer_get_length(in);
	if (len >= 2 && evbuffer_copyout(in, hdr, 2) == 2)
		whole = len >= 2 + (((size_t)hdr[0] << 8) | hdr[1]);

	if (whole && c->owed < LISTEN_TCP_MAX_PENDING)
		event_active(c->ev_resume, EV_TIMEOUT, 1);
	if (c->eof) {
		if (c->owed == 0 && !whole &&
		    evbuffer_get_length(out) == 0) {
			tcp_conn_close(c);
			return;
		}
	} else if (c->owed >= LISTEN_TCP_MAX_PENDING)
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
	/* Also after EOF: a client that does not read its answers. */
	if (c->owed == 0 && !evtimer_pending(c->ev_idle, NULL))
		evtimer_add(c->ev_idle, &tv);
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	tcp_conn_process(arg);
}

static void
tcp_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tcp_conn	*c = arg;

	if (!c->closing)
		tcp_conn_process(c);
}

/* The output buffer is empty: a client gone (EOF) may now be closed. */
static void
tcp_write_cb(struct bufferevent *bev, void *arg)
{
	tcp_conn_settle(arg);
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn	*c = arg;
	char		 abuf[INET6_ADDRSTRLEN];

	if (what & BEV_EVENT_EOF) {
		/* The client half-closed: answer what it asked, then go. */
		c->eof = 1;
		bufferevent_disable(bev, EV_READ);
		if (what & BEV_EVENT_WRITING)
			tcp_conn_close(c);
		else
			tcp_conn_settle(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		log_debug("listen: tcp connection from %s: %s",
		    addr_str((struct sockaddr *)&c->peer, abuf, sizeof(abuf)),
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		tcp_conn_close(c);
	}
}

static void
tcp_idle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tcp_conn	*c = arg;

	/* Armed only while nothing is owed. */
	log_debug("listen: tcp connection idle, closing");
	tcp_conn_close(c);
}

/* ---- TCP: answering ---------------------------------------------------- */

static void
tcp_reply(struct tcp_conn *c, const uint8_t *buf, size_t len)
{
	struct evbuffer	*out;
	uint8_t		 hdr[2];

	if (c->owed == 0) {
		/* A broken contract with query.c; never free twice. */
		log_warnx("listen: tcp reply not owed, ignored");
		return;
	}
	c->owed--;
	if (c->closing) {
		tcp_conn_maybe_free(c);
		return;
	}
	if (len > 0) {
		out = bufferevent_get_output(c->bev);
		if (len > LISTEN_TCP_MSGMAX || evbuffer_get_length(out) +
		    2 + len > LISTEN_TCP_MAX_OUTBUF) {
			/* A client that does not read: let it go. */
			listen_stats.send_errors++;
			log_debug("listen: tcp output bound reached, closing");
			tcp_conn_close(c);
			return;
		}
		hdr[0] = len >> 8;
		hdr[1] = len & 0xff;
		if (evbuffer_expand(out, 2 + len) == -1 ||
		    evbuffer_add(out, hdr, 2) == -1 ||
		    evbuffer_add(out, buf, len) == -1) {
			listen_stats.send_errors++;
			log_warnx("listen: tcp reply could not be queued");
			tcp_conn_close(c);
			return;
		}
	}
	/*
	 * The read loop settles when it ends.  Otherwise settle now; whole
	 * messages waiting below the bound are read from the event loop
	 * (the resume event), never from inside query.c's call.
	 */
	tcp_conn_settle(c);
}
