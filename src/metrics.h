/*
 * metrics.h: the Prometheus endpoint, metrics-listen=ADDR:PORT (see
 * metrics.c).  Off unless configured; the address is the user's choice
 * (a loopback one keeps the figures on the host).
 */
#ifndef BRISKDNS_METRICS_H
#define BRISKDNS_METRICS_H

#define METRICS_TIMEOUT_SEC	5	/* idle or stuck connection */
#define METRICS_MAX_HEADERS	8192	/* bytes of request headers */
#define METRICS_MAX_BODY	4096	/* bytes of a body (answered 405) */
#define METRICS_MAX_CONNS	16	/* accepted per METRICS_TIMEOUT_SEC */

struct event_base;
struct config;

/* Bind conf->metrics_listen (nothing when NULL).  0, or -1 after
 * logging (the caller exits with EXIT_NET). */
int	metrics_init(struct event_base *, const struct config *);
void	metrics_shutdown(void);

#endif
