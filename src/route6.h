/*
 * route6.h: whether the host has a route to global unicast IPv6 space
 * (2000::/3; link-local and ULA routes do not count), followed live
 * through rtnetlink.  Used by aaaa-mode=auto.
 */
#ifndef BRISKDNS_ROUTE6_H
#define BRISKDNS_ROUTE6_H

struct event_base;

/*
 * Open the netlink socket, dump the IPv6 routing tables and subscribe to
 * changes.  cb is called with 0 or 1 at start and on every change of the
 * answer (the change is logged here).  Returns 0, or -1 (logged); on -1
 * the caller treats the host as having IPv6 (forward: never lose answers).
 */
int	route6_init(struct event_base *, void (*cb)(int have_global_v6));
void	route6_shutdown(void);
/* The current answer (1 before route6_init: fail towards forwarding). */
int	route6_have_global(void);

#endif
