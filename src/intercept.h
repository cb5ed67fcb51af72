/*
 * intercept.h: the interception door.  Packets bound for an already-bound
 * DNS server's port reach briskdns through a netfilter queue; those that
 * the common path answers locally (query_local_answer(): the empty AAAA
 * answer) are answered from the server's own address and port over a raw
 * socket and dropped, every other packet is accepted unchanged.
 *
 * Fail open: the queue is opened with NFQA_CFG_F_FAIL_OPEN (a full queue
 * accepts) and the rule carries bypass (no listener: accept), so a
 * stopped, crashed or overloaded briskdns never black-holes DNS.
 *
 * The packet parser and reply builder are pure, in ippkt.[ch], for the
 * unit tests and the fuzz target.
 */
#ifndef BRISKDNS_INTERCEPT_H
#define BRISKDNS_INTERCEPT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config;

/*
 * Open queue conf->nfqueue (fail open, copy the whole packet), the raw
 * sockets for replies, and add the events.  With nfqueue-rules=auto the
 * caller has added the rules (nft.h) before.  0, or -1 after logging
 * (the caller exits with EXIT_NET).
 */
int	intercept_init(struct event_base *, const struct config *);
void	intercept_shutdown(void);

struct intercept_stats {
	uint64_t	 seen;		/* packets from the queue */
	uint64_t	 answered;	/* answered locally, query dropped */
	uint64_t	 accepted;	/* passed on unchanged */
	uint64_t	 unparseable;	/* not IP/UDP we understand, or bad DNS */
	uint64_t	 send_errors;	/* reply could not be sent: accepted */
};
extern struct intercept_stats intercept_stats;

void	intercept_log_stats(void);

#endif
