/*
 * control.h: the control socket (control-socket=PATH), briskdns-control's
 * door.  An AF_UNIX stream socket, bound at start before privileges are
 * dropped, mode 0660, owned by the daemon's user and group: its
 * permissions (and its directory's) are the access control.  Removed at
 * exit.
 *
 * Protocol: one command per connection, one line (at most
 * CONTROL_MAX_LINE bytes, ending in a newline); the answer is text lines,
 * the last of which is the status: "OK" or "ERROR: why".  Then the
 * daemon closes the connection.  Commands: stats, flush [NAME],
 * dump-cache, reload, status.
 *
 * Bounds: CONTROL_MAX_CLIENTS connections at once (one more is told
 * "ERROR: too many control connections" and closed), CONTROL_READ_SEC to
 * send the command, CONTROL_WRITE_SEC without progress while the answer
 * is read, and at most CONTROL_MAX_OUTPUT bytes of answer.  The answer
 * is made at once and sent as the client reads it: a slow reader holds
 * its answer's memory, never the event loop.  dump-cache, whose answer
 * grows with the cache, is made CONTROL_DUMP_CHUNK bytes at a time, the
 * next part when the client has read the last one (hash order; entries
 * added meanwhile may be missed, none is shown twice).
 */
#ifndef BRISKDNS_CONTROL_H
#define BRISKDNS_CONTROL_H

#include <sys/types.h>
#include <stddef.h>

#define CONTROL_MAX_LINE	1024
#define CONTROL_MAX_CLIENTS	8
#define CONTROL_READ_SEC	10
#define CONTROL_WRITE_SEC	30
#define CONTROL_MAX_OUTPUT	(4 * 1024 * 1024)
#define CONTROL_DUMP_CHUNK	(64 * 1024)	/* bytes made at a time */
#define CONTROL_DUMP_LOW	(16 * 1024)	/* make more below this */
#define CONTROL_DUMP_ENTRIES	256	/* entries per cache_walk_part */

struct event_base;
struct config;

/* What only main.c knows. */
struct control_ops {
	void		 (*reload)(void);	/* start a reload, as SIGHUP */
	const char	*(*aaaa_mode)(void);	/* the aaaa-mode, as text */
};

/*
 * Bind conf->control_socket (nothing when NULL): a stale socket left by
 * a killed run is replaced, a live one (another daemon answers on it) or
 * a file that is no socket is an error.  0, or -1 after logging.
 */
int	control_init(struct event_base *, const struct config *,
	    const struct control_ops *);
/* Before dropping privileges: chown the socket to them.  0 or -1. */
int	control_chown(uid_t, gid_t);
/* The running configuration after SIGHUP. */
void	control_set_config(const struct config *);
/* Close every connection and the socket, and remove it. */
void	control_shutdown(void);

/*
 * From main.c's reload: a reload has started (the connections that asked
 * for one before now wait for its outcome), a note for them (a restart
 * key changed), and the outcome: ok, or the error lines.
 */
void	control_reload_started(void);
void	control_reload_note(const char *);
void	control_reload_done(int ok, char *const *msgs, size_t n);

#endif
