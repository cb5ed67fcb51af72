/*
 * listen.h: the stub door.  UDP and TCP listeners on every listen-address
 * and port; they only move bytes.  Each datagram or TCP message is handed
 * to query_input() with a struct query_client (query.h): a reply function
 * of this door's and a cookie that holds a struct origin, which says how
 * to answer it (the path never sees the door's types).
 *
 * Contract with query.c: for every query_input() call there is exactly one
 * call of the client's reply function, before or after query_input()
 * returns; len 0 means "no answer" (dropped).  The TCP door counts the
 * replies it still owes, so a connection is freed only when none is owed.
 */
#ifndef BRISKDNS_LISTEN_H
#define BRISKDNS_LISTEN_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config;
struct tcp_conn;

enum door {
	DOOR_UDP = 0,
	DOOR_TCP,
};

/* Small, copied by value into every request in flight. */
struct origin {
	enum door		 door;
	int			 fd;		/* UDP: the socket it came in on */
	struct sockaddr_storage	 peer;		/* the client */
	socklen_t		 peerlen;
	struct tcp_conn		*conn;		/* TCP */
	unsigned int		 ifindex;	/* query_client's */
};

/* Bounds of the TCP door. */
#define LISTEN_TCP_MAX_CONNS	128	/* more: the oldest idle one is closed */
#define LISTEN_TCP_IDLE_SEC	10	/* RFC 7766 suggests seconds, not minutes */
#define LISTEN_TCP_MAX_PENDING	32	/* queries in flight per connection */
#define LISTEN_TCP_MAX_OUTBUF	(256 * 1024)	/* unsent bytes; more: close */
#define LISTEN_UDP_BATCH	64	/* recvmmsg and sendmmsg batch */

/*
 * Bind UDP and TCP on every listen address at conf->port (nothing if the
 * port is 0) and add the events.  Returns 0, or -1 after logging what
 * could not be bound (the caller exits with EXIT_NET).
 */
int	listen_init(struct event_base *, const struct config *);
/* The running configuration after SIGHUP (restart keys unchanged). */
void	listen_set_config(const struct config *);
/*
 * The addresses listened on now (interface= and bind-dynamic ones too),
 * for resolv-file to leave briskdns itself out: *out malloc'ed, *n 0 when
 * nothing is bound.  0, or -1 (out of memory).
 */
struct config_addr;
int	listen_addrs(struct config_addr **out, size_t *n);
/* Close every socket and connection (exit, tests). */
void	listen_shutdown(void);

/* Answer the query that came from o (len 0: none). */
void	listen_reply(const struct origin *o, const uint8_t *buf, size_t len);

struct listen_stats {
	uint64_t	 udp_in;
	uint64_t	 tcp_in;
	uint64_t	 tcp_conns;		/* accepted, total */
	uint64_t	 tcp_refused;		/* closed at the connection bound */
	uint64_t	 send_errors;
	uint64_t	 not_local;		/* dropped: local-service */
};
extern struct listen_stats listen_stats;

#endif
