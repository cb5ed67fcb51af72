/*
 * sdnotify.h: readiness and liveness for systemd (Type=notify), without
 * libsystemd.
 *
 * The protocol is one datagram per message on the AF_UNIX socket named
 * by $NOTIFY_SOCKET (abstract when it starts with '@'), newline-separated
 * VAR=VALUE fields (sd_notify(3)).  Everything here is a no-op when the
 * variable is not set, and nothing blocks: a send that would block is
 * dropped.
 */
#ifndef BRISKDNS_SDNOTIFY_H
#define BRISKDNS_SDNOTIFY_H

struct event_base;

/*
 * Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID, open the socket
 * and take the three out of the environment (briskdns starts no program
 * that could use them).  Call once, in the process that stays the daemon
 * or its ancestor before any fork: the watchdog is for the process that
 * was started ($WATCHDOG_PID), whose work the daemon is.  0, or -1 when
 * $NOTIFY_SOCKET is set but unusable (logged; notifications stay off).
 */
int	sdnotify_init(void);
/* Whether notifications go anywhere. */
int	sdnotify_enabled(void);

/* READY=1 with STATUS=status (NULL: none). */
void	sdnotify_ready(const char *status);
/* RELOADING=1 (with MONOTONIC_USEC=, as systemd 253 wants it). */
void	sdnotify_reloading(void);
/* STATUS=status alone. */
void	sdnotify_status(const char *status);
/* STOPPING=1. */
void	sdnotify_stopping(void);

/*
 * WATCHDOG=1 every $WATCHDOG_USEC / 2, from the event loop (so a stuck
 * loop stops the pings and systemd restarts the service).  Does nothing
 * without a watchdog.  Call after the last fork, on the loop's base.
 */
int	sdnotify_watchdog_start(struct event_base *);
void	sdnotify_watchdog_stop(void);
/* The ping interval in microseconds; 0: no watchdog. */
unsigned long long sdnotify_watchdog_usec(void);

void	sdnotify_close(void);

#endif
